"""The report as JSON, and its JSON Schema (``sigmaq/data/investigation_report.schema.json``).

Keys are the field names of ``model``; times are ISO 8601 UTC with ``Z``; ``(key, value)``
pairs (request keys, resource parents and attributes, a correlation's group) become
objects. ``to_dict`` is deterministic for a given report; ``validate`` checks a document
against the shipped schema (jsonschema, Draft 2020-12).
"""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime
from functools import lru_cache
from importlib import resources
from typing import IO, Any

from sigmaq.hunt.details import json_bytes
from sigmaq.investigate.model import Report
from sigmaq.investigate.questions import iso

SCHEMA_ID = "sigmaq-investigation-report/1"
SCHEMA_FILE = "investigation_report.schema.json"
PAIR_FIELDS = frozenset(["request", "parents", "attributes", "group"])


def _convert(value: Any, name: str = "") -> Any:
    if isinstance(value, datetime):
        return iso(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _convert(getattr(value, f.name), f.name) for f in dataclasses.fields(value)}
    if isinstance(value, tuple | list):
        if name in PAIR_FIELDS:
            return {str(k): str(v) for k, v in value}
        return [_convert(item) for item in value]
    return value


def to_dict(report: Report) -> dict[str, Any]:
    """The report as JSON-ready data, with ``schema`` naming its layout."""
    data = _convert(report)
    assert isinstance(data, dict)
    return {"schema": SCHEMA_ID, **data}


def write_json(report: Report, handle: IO[bytes]) -> None:
    """Write the report as indented JSON (UTF-8) to a binary handle. Integers of any
    size are written exactly (``hunt.details.json_bytes``: the readers keep them exact,
    orjson alone refuses one past 64 bits)."""
    handle.write(json_bytes(to_dict(report), indent=True))
    handle.write(b"\n")


@lru_cache(maxsize=1)
def schema() -> dict[str, Any]:
    """The shipped JSON Schema of the report (read once)."""
    text = resources.files("sigmaq").joinpath("data", SCHEMA_FILE).read_text(encoding="utf-8")
    loaded = json.loads(text)
    assert isinstance(loaded, dict)
    return loaded


def validate(document: Any) -> list[str]:
    """Every schema violation of ``document``, as ``path: message`` (empty when valid)."""
    import jsonschema

    validator = jsonschema.Draft202012Validator(schema())
    return [
        f"{'/'.join(str(p) for p in error.absolute_path) or '(root)'}: {error.message}"
        for error in sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
    ]
