"""CloudTrail records as rows of the Athena table and of a CloudTrail Lake event data store.

A model of how the data gets there, used by the evaluators (``duck``) and by tests:

- Athena (Hive JSON SerDe over the delivered records): columns and struct members
  are matched to record keys case-insensitively; a ``STRING`` column takes a JSON
  string as is and any other value as its JSON text (``true``, ``30``, an object as
  compact JSON: that is why AWS reads ``requestparameters`` with
  ``json_extract_scalar``); a struct takes an object (anything else is NULL); an
  ``ARRAY<STRUCT>`` takes a list of objects; absent keys and JSON null are NULL.
- CloudTrail Lake: the same, except ``eventtime`` (and ``creationdate``) are
  timestamps (ISO 8601 parsed, UTC), ``readonly``/``managementevent`` booleans (JSON
  booleans or the strings ``true``/``false``), and ``map<string,string>`` columns hold
  each top-level key of the object: strings as is, other values as JSON text, JSON
  null as NULL.

Both are models: Athena and Lake ingest real deliveries themselves; the evaluators
say so in ``PROOF.md``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from sigmaq.core.aws_tables import ATHENA_COLUMNS, LAKE_COLUMNS, parse_type
from sigmaq.replay.readers import parse_event_time

POSITION_COLUMN = "__pos"


def _json_text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _lookup(record: Mapping[str, Any], name: str) -> Any:
    if name in record:
        return record[name]
    for key, value in record.items():
        if key.lower() == name:
            return value
    return None


def convert(tree: object, value: Any) -> Any:
    """``value`` (decoded JSON) as a value of the column type ``tree`` (see module doc)."""
    if value is None:
        return None
    if isinstance(tree, str):
        if tree == "string":
            return value if isinstance(value, str) else _json_text(value)
        if tree == "boolean":
            if isinstance(value, bool):
                return value
            if isinstance(value, str) and value.lower() in ("true", "false"):
                return value.lower() == "true"
            return None
        if tree == "timestamp":
            moment = parse_event_time(value)
            return moment.replace(tzinfo=None) if moment is not None else None
        raise ValueError(f"unsupported column type {tree!r}")
    assert isinstance(tree, tuple)
    if tree[0] == "struct":
        if not isinstance(value, dict):
            return None
        members: dict[str, object] = tree[1]
        return {name: convert(kind, _lookup(value, name)) for name, kind in members.items()}
    if tree[0] == "array":
        if not isinstance(value, list):
            return None
        return [convert(tree[1], item) for item in value]
    if not isinstance(value, dict):  # map<string,string>
        return None
    return {
        str(k): (v if isinstance(v, str) else _json_text(v))
        for k, v in value.items()
        if v is not None
    }


def rows(
    columns: Sequence[tuple[str, str]], records: Sequence[Mapping[str, Any]]
) -> list[tuple[Any, ...]]:
    """One row per record (column order of ``columns``), position last."""
    trees = [(name, parse_type(kind)) for name, kind in columns]
    out = []
    for position, record in enumerate(records):
        out.append((*tuple(convert(tree, _lookup(record, name)) for name, tree in trees), position))
    return out


def athena_rows(records: Sequence[Mapping[str, Any]]) -> list[tuple[Any, ...]]:
    """Rows of the Athena CloudTrail table (``ATHENA_COLUMNS`` then ``__pos``)."""
    return rows(ATHENA_COLUMNS, records)


def lake_rows(records: Sequence[Mapping[str, Any]]) -> list[tuple[Any, ...]]:
    """Rows of a CloudTrail Lake event data store (``LAKE_COLUMNS`` then ``__pos``).

    ``eventjson`` holds the record's JSON text; ``eventjsonchecksum`` is left NULL.
    """
    built = rows(LAKE_COLUMNS, records)
    index = [name for name, _ in LAKE_COLUMNS].index("eventjson")
    return [
        (*row[:index], _json_text(record), *row[index + 1 :])
        for row, record in zip(built, records, strict=True)
    ]
