"""Validate: rules (and their fixtures) checked offline, findings as data.

Owns the validation run over pySigma's ``SigmaValidator`` (``runner``), the house
validators (``house``) and the CloudTrail record schema (``record_schema``).

May import: ``sigmaq.core`` and ``sigmaq.replay`` (fixture checks read records
with its readers).
"""
