"""Authoring: what a detection engineer runs to write a rule and its fixtures.

Owns ``sigmaq new`` (``scaffold``: a valid rule plus fixture stubs built from the API
catalogue), ``sigmaq fixture format`` (``fixture_format``: canonical JSON text) and
``sigmaq fixture capture`` (``capture``: matching records of a real archive, rewritten
to documentation values by ``redact``).

May import: ``sigmaq.core`` and ``sigmaq.replay`` (capture replays the rule over the
archive with the reference engine).
"""
