"""Core: what every stage shares, and nothing that runs a stage.

Owns the error root (``errors``), frozen value objects and enums (``model``),
path and naming conventions (``layout``), rule loading with located errors
(``loader``, ``yaml_source``; condition trees parsed once per run: ``condition_trees``),
the CloudTrail API catalogue (``catalog``), the
CloudTrail field table (``fields``: Sigma field -> Splunk, ECS, SQL names; the AWS
table shapes in ``aws_tables``),
canonical JSON (``jsonfmt``), offline pySigma data (``offline``) and process
tuning (``runtime``).

May import: the standard library and third-party packages only; never another
``sigmaq`` subpackage.
"""
