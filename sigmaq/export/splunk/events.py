"""CloudTrail records as the Splunk Add-on for AWS presents them to a search (a model).

What the model does, and the source of each behaviour:

- **JSON auto-extraction** (``KV_MODE = json`` in the add-on's ``props.conf``,
  stanza ``[aws:cloudtrail]``): every leaf becomes a field named by its path, objects
  joined with ``.`` (``userIdentity.arn``), arrays marked ``{}``
  (``resources{}.ARN``); the leaves of an array are one **multivalue** field. Strings
  are JSON-decoded (a pretty-printed policy document keeps its newlines), ``true`` /
  ``false`` become the strings ``true`` / ``false``, numbers their JSON text, ``null``
  the string ``null`` (``spath`` semantics); empty objects and arrays give no field.
- **errorCode** (the add-on's calculated field ``EVAL-errorCode = coalesce('errorCode',
  if(like('responseElements.ConsoleLogin', "Failure"), "failure", "success"),
  "success")``, ``default/props.conf``): a record without ``errorCode`` is searched as
  ``errorCode=success`` (``failure`` for a failed console sign-in). So in Splunk
  ``NOT errorCode=*`` matches no CloudTrail event at all.
- ``_time`` is ``eventTime`` (the add-on's ``TIME_PREFIX = "eventTime"``), in epoch
  seconds; ``sourcetype`` is ``aws:cloudtrail`` and ``index`` the index the model is told.

Not modelled: other calculated fields and aliases of the add-on (``user``, ``src``,
``msg``…; sigmaq's searches name only raw CloudTrail fields), ``limits.conf``
``[spath] extraction_cutoff`` (by default only the first 5,000 bytes of an event are
auto-extracted: records longer than that lose late fields in Splunk; PROOF.md counts the
fixture records over it), and index-time tokenisation (Splunk prefilters ``field=value``
through the index's terms; the model compares extracted values only).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from sigmaq.replay.readers import parse_event_time

SOURCETYPE = "aws:cloudtrail"
EXTRACTION_CUTOFF = 5000

# A field value: one string, several (multivalue), a number (computed fields), or absent.
Value = str | float | list[str] | None
Row = dict[str, Any]
ORIGIN = "_sigmaq_origin"


def _leaf(value: Any) -> str:
    if isinstance(value, str):
        return value
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value)


def flatten(record: Mapping[str, Any]) -> dict[str, list[str]]:
    """Field name -> values, as KV_MODE=json extracts them from ``record``."""
    fields: dict[str, list[str]] = {}

    def walk(node: Any, path: str) -> None:
        if isinstance(node, Mapping):
            for key, child in node.items():
                walk(child, f"{path}.{key}" if path else str(key))
        elif isinstance(node, list):
            for child in node:
                walk(child, path + "{}")
        elif path:
            fields.setdefault(path, []).append(_leaf(node))

    walk(record, "")
    return fields


def splunk_event(record: Mapping[str, Any], position: int, *, index: str = "main") -> Row:
    """One searchable event: extracted fields, the add-on's ``errorCode``, ``_time``.

    Single values are strings, multivalue fields lists; ``_time`` is epoch seconds
    (None when ``eventTime`` is missing or invalid). ``position`` is kept as the
    event's origin so results can be traced back to the record.
    """
    row: Row = {}
    for name, values in flatten(record).items():
        row[name] = values[0] if len(values) == 1 else values
    if row.get("errorCode") is None:
        row["errorCode"] = (
            "failure" if row.get("responseElements.ConsoleLogin") == "Failure" else "success"
        )
    moment = parse_event_time(record.get("eventTime"))
    row["_time"] = moment.timestamp() if moment is not None else None
    row["sourcetype"] = SOURCETYPE
    row["index"] = index
    row[ORIGIN] = position
    return row


def raw_length(record: Mapping[str, Any]) -> int:
    """Bytes of the record as CloudTrail writes it (compact JSON, UTF-8)."""
    return len(json.dumps(record, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))
