"""Validate CloudTrail records against the pack's JSON Schema.

The schema (``sigmaq/data/cloudtrail_record.schema.json``, JSON Schema draft
2020-12) describes one CloudTrail record as delivered: the field list and types
of the AWS CloudTrail User Guide pages "CloudTrail record contents" and
"CloudTrail userIdentity element", loosened only where real public data shows a
documented "should" does not hold. It is read lazily from package data on first
use and the compiled validator is cached, so importing this module reads nothing.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

SCHEMA_PACKAGE = "sigmaq"
SCHEMA_RESOURCE = "data/cloudtrail_record.schema.json"


@cache
def record_schema() -> dict[str, Any]:
    """The record schema as a dict, read once from package data.

    Raises OSError when the package data file is missing (a broken install)
    and ValueError when it is not JSON.
    """
    text = resources.files(SCHEMA_PACKAGE).joinpath(SCHEMA_RESOURCE).read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


@cache
def _validator() -> Any:
    # jsonschema is imported here, not at module import, to keep CLI start-up light.
    from jsonschema import Draft202012Validator

    schema = record_schema()
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def _json_path(parts: Any) -> str:
    """``$.userIdentity.sessionContext.attributes`` / ``$.resources[0].ARN``."""
    path = "$"
    for part in parts:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


def validate_record(record: object) -> list[str]:
    """Check one CloudTrail record against the schema.

    Returns a sorted list of messages, each ``<JSON path>: <problem>`` (for
    example ``$.readOnly: 'true' is not of type 'boolean'``); an empty list
    means the record is valid. Never raises for bad input: a non-object
    record is reported as ``$: ... is not of type 'object'``.
    """
    messages: set[str] = set()
    for error in _validator().iter_errors(record):
        messages.add(f"{_json_path(error.absolute_path)}: {error.message}")
    return sorted(messages)


def is_valid_record(record: object) -> bool:
    """True when ``record`` validates against the schema."""
    return not validate_record(record)
