"""Recognise the JSON shapes CloudTrail records arrive in, one decoded value at a time.

A decoded JSON value is an *item*. ``classify_item`` says what an item is:

- a CloudTrail record: an object with a non-empty string ``eventName`` and at least
  one other key every record carries (``eventTime``, ``eventVersion``, ``eventID``,
  ``userIdentity``, ``requestID``, ``awsRegion``, ``recipientAccountId``; AWS
  CloudTrail User Guide, "CloudTrail record contents"), so catalogues of API names
  (``{"eventName": …, "eventSource": …, "description": …}``) are not taken for events;
- a delivery envelope ``{"Records": [...]}`` (the S3 log file format, "CloudTrail log
  file examples"), expanded into its records;
- an Amazon EventBridge event whose ``detail-type`` ends in ``via CloudTrail``
  ("AWS API Call via CloudTrail", "AWS Console Sign In via CloudTrail", …), whose
  ``detail`` is the record (EventBridge User Guide, "Events from AWS services");
- a CloudTrail Lake ``GetQueryResults`` response ``{"QueryResultRows": [[{col: val}, …], …]}``
  (CloudTrail API Reference, GetQueryResults), one record per row;
- a CloudTrail ``LookupEvents`` response (event history, as saved by ``aws cloudtrail
  lookup-events``): ``{"Events": [{"CloudTrailEvent": "<record as JSON text>", …}]}``
  (CloudTrail API Reference, Event), one record per event;
- CloudTrail delivered to CloudWatch Logs (the playbook's step 5): a subscription
  filter's payload ``{"messageType": "DATA_MESSAGE", "logEvents": [{"message": …}]}``
  (as Firehose writes it to S3, once gunzipped; a ``CONTROL_MESSAGE`` holds no event),
  and a ``GetLogEvents``/``FilterLogEvents`` response ``{"events": [{"message": …}]}``
  (CloudWatch Logs API Reference), one record per log event whose message is the
  record as JSON text (a message that is not is malformed). An export task's text
  files (``<timestamp> <message>`` lines) are read by ``readers.py``;
- a digest file (``digestStartTime``/``digestS3Bucket`` and no ``eventName``;
  "CloudTrail digest file structure") or a CloudTrail Lake sign file
  (``hashSignature`` + ``files``; "CloudTrail sign file structure"): skipped;
- an object that carries CloudTrail keys but no ``eventName`` (null or empty): skipped;
- anything else (a JSON scalar, an object without any CloudTrail key, a non-string
  ``eventName``): malformed.

Nothing here reads files or keeps state; ``readers.py`` owns I/O and counting.
"""

from __future__ import annotations

from collections.abc import Iterator
from enum import Enum
from typing import Any

import msgspec

from sigmaq.replay.limits import DEFAULT_LIMITS, deeper_than

# Top-level keys of a CloudTrail record (CloudTrail record contents); an object holding
# one of them but no eventName is a CloudTrail-shaped record we skip rather than reject.
CLOUDTRAIL_KEYS = frozenset(
    {
        "eventVersion",
        "eventSource",
        "eventTime",
        "eventID",
        "eventType",
        "userIdentity",
        "awsRegion",
        "recipientAccountId",
        "requestID",
        "eventCategory",
    }
)
# Besides eventName, a real record always carries some of these.
RECORD_ANCHOR_KEYS = frozenset(
    {
        "eventTime",
        "eventVersion",
        "eventID",
        "userIdentity",
        "requestID",
        "awsRegion",
        "recipientAccountId",
    }
)
DIGEST_KEYS = ("digestStartTime", "digestS3Bucket", "digestEndTime")
EVENTBRIDGE_SUFFIX = "via cloudtrail"
# Envelopes may nest (an NDJSON line holding a delivery file); deeper nesting is not a
# shape any AWS service produces, so it is reported instead of recursed into.
MAX_DEPTH = 3


class ItemKind(Enum):
    """What one item turned out to be."""

    RECORD = "record"
    DIGEST = "digest"
    NO_EVENT_NAME = "no_event_name"
    MALFORMED = "malformed"
    EMPTY = "empty"  # an envelope that held no record at all (a warning, not an error)


Outcome = tuple[ItemKind, Any]
"""``(RECORD, dict)``, ``(MALFORMED|EMPTY, message)`` or ``(DIGEST|NO_EVENT_NAME, None)``."""


def classify_item(item: Any, depth: int = 0) -> Iterator[Outcome]:
    """Yield one outcome per record-shaped thing inside ``item``.

    Envelopes expand into their records; every other item yields exactly one outcome,
    so callers can count ``read + skipped + malformed`` per record-shaped item.
    """
    if not isinstance(item, dict):
        kind = type(item).__name__ if item is not None else "null"
        yield ItemKind.MALFORMED, f"not a JSON object (a {kind})"
        return
    name = item.get("eventName")
    if type(name) is str and name:
        if RECORD_ANCHOR_KEYS.isdisjoint(item):
            yield (
                ItemKind.MALFORMED,
                "has an eventName but none of eventTime, eventVersion, eventID, userIdentity, "
                "requestID, awsRegion, recipientAccountId: not a CloudTrail record",
            )
            return
        yield ItemKind.RECORD, item
        return
    if depth < MAX_DEPTH:
        if "Records" in item:
            yield from _expand_records(item["Records"], depth)
            return
        if "QueryResultRows" in item:
            yield from _expand_lake_rows(item["QueryResultRows"])
            return
        if "detail" in item and "detail-type" in item:
            yield from _expand_eventbridge(item, depth)
            return
        wrapped = _wrapped_texts(item)
        if wrapped is not None:
            yield from _expand_texts(*wrapped, depth)
            return
    yield _classify_plain(item)


# Envelopes whose records are JSON text: the list key, the text key of each item, the
# keys such a response may hold besides (CloudTrail API Reference, LookupEvents;
# CloudWatch Logs API Reference, GetLogEvents and FilterLogEvents), and a label.
_TEXT_ENVELOPES = (
    ("Events", "CloudTrailEvent", frozenset({"NextToken"}), "LookupEvents event"),
    (
        "events",
        "message",
        frozenset({"nextForwardToken", "nextBackwardToken", "nextToken", "searchedLogStreams"}),
        "CloudWatch Logs log event",
    ),
)
_LOG_EVENT = "CloudWatch Logs log event"


def _wrapped_texts(item: dict[str, Any]) -> tuple[Any, str, str] | None:
    """(the list, the text key, a label) when ``item`` is an envelope of records held as
    JSON text, else None: a subscription payload (``messageType``, ``logEvents``), or a
    response of ``_TEXT_ENVELOPES`` holding its list key and no key the response does
    not have (so another object with an ``events`` key stays malformed)."""
    if "messageType" in item:
        if item["messageType"] == "CONTROL_MESSAGE":
            return [], "message", "CloudWatch Logs control message"
        if "logEvents" in item:
            return item["logEvents"], "message", _LOG_EVENT
    for key, text_key, others, label in _TEXT_ENVELOPES:
        if (
            key in item
            and len(item) - 1 <= len(others)
            and all(k in others for k in item if k != key)
        ):
            return item[key], text_key, label
    return None


def _expand_texts(listed: Any, text_key: str, label: str, depth: int) -> Iterator[Outcome]:
    if not isinstance(listed, list):
        yield ItemKind.MALFORMED, f"{label}s are a {type(listed).__name__}, not a list"
        return
    if not listed:
        yield ItemKind.EMPTY, f"{label}: no record"
        return
    for entry in listed:
        text = entry.get(text_key) if isinstance(entry, dict) else None
        if not isinstance(text, str):
            yield ItemKind.MALFORMED, f"{label} without a {text_key} text"
            continue
        yield from _classify_text(text, label, depth)


def _classify_text(text: str, label: str, depth: int) -> Iterator[Outcome]:
    """The outcomes of a record held as JSON text, decoded as the readers decode JSON
    (msgspec; nesting bounded by ``limits.DEFAULT_LIMITS.max_depth``)."""
    raw = text.encode("utf-8", "surrogatepass")
    if deeper_than(raw, DEFAULT_LIMITS.max_depth):
        yield ItemKind.MALFORMED, f"{label}: nested deeper than {DEFAULT_LIMITS.max_depth} levels"
        return
    try:
        value = msgspec.json.decode(raw)
    except (msgspec.DecodeError, RecursionError) as err:
        yield ItemKind.MALFORMED, f"{label}: {_preview(text)} is not JSON ({err})"
        return
    yield from classify_item(value, depth + 1)


def _preview(text: str) -> str:
    """The first characters of a text that is not JSON, for a problem message."""
    shown = text[:40].replace("\n", " ")
    return f"{shown!r}{'…' if len(text) > 40 else ''}"


def _classify_plain(item: dict[str, Any]) -> Outcome:
    name = item.get("eventName")
    if name is not None and not isinstance(name, str):
        return ItemKind.MALFORMED, f"eventName is a {type(name).__name__}, not a string"
    if any(key in item for key in DIGEST_KEYS):
        return ItemKind.DIGEST, None
    if "hashSignature" in item and "files" in item:  # CloudTrail Lake sign file
        return ItemKind.DIGEST, None
    if not CLOUDTRAIL_KEYS.isdisjoint(item):
        return ItemKind.NO_EVENT_NAME, None
    keys = ", ".join(sorted(item)[:5]) or "none"
    return ItemKind.MALFORMED, f"not a CloudTrail record (keys: {keys})"


def _expand_records(records: Any, depth: int) -> Iterator[Outcome]:
    if not isinstance(records, list):
        yield ItemKind.MALFORMED, f"Records is a {type(records).__name__}, not a list"
        return
    if not records:
        yield ItemKind.EMPTY, "empty Records list"
        return
    for record in records:
        yield from classify_item(record, depth + 1)


def _expand_eventbridge(item: dict[str, Any], depth: int) -> Iterator[Outcome]:
    detail_type = item.get("detail-type")
    if not isinstance(detail_type, str) or not detail_type.lower().endswith(EVENTBRIDGE_SUFFIX):
        yield (
            ItemKind.MALFORMED,
            f"EventBridge event not from CloudTrail (detail-type {detail_type!r})",
        )
        return
    yield from classify_item(item["detail"], depth + 1)


def _expand_lake_rows(rows: Any) -> Iterator[Outcome]:
    if not isinstance(rows, list):
        yield ItemKind.MALFORMED, f"QueryResultRows is a {type(rows).__name__}, not a list"
        return
    if not rows:
        yield ItemKind.EMPTY, "empty QueryResultRows"
        return
    for row in rows:
        record = lake_row_to_record(row)
        if record is None:
            yield ItemKind.MALFORMED, "QueryResultRows row is not a list of column objects"
        else:
            yield _classify_row(record)


def _classify_row(record: dict[str, Any]) -> Outcome:
    name = record.get("eventName")
    if type(name) is str and name:
        return ItemKind.RECORD, record
    return _classify_plain(record)


def lake_row_to_record(row: Any) -> dict[str, Any] | None:
    """Merge one ``GetQueryResults`` row (a list of one-key ``{column: value}`` maps).

    Values are strings in the API; each is decoded by ``lake_value``. Returns None when
    the row is not a list of objects. A row that is already an object is taken as is.
    """
    if isinstance(row, dict):
        return {str(k): lake_value(str(k), v) for k, v in row.items()}
    if not isinstance(row, list):
        return None
    record: dict[str, Any] = {}
    for column in row:
        if not isinstance(column, dict):
            return None
        for key, value in column.items():
            record[str(key)] = lake_value(str(key), value)
    return record


# CloudTrail Lake returns every column as text; these are booleans in raw CloudTrail.
_BOOLEAN_COLUMNS = frozenset({"readOnly", "managementEvent"})


def lake_value(column: str, value: Any) -> Any:
    """Decode one CloudTrail Lake column value (text in CSV and in the API).

    JSON object/array text becomes the object/array; ``true``/``false`` in the boolean
    columns ``readOnly``/``managementEvent`` become booleans; anything else stays as
    given. Lake renders struct columns of ``SELECT *`` (``userIdentity`` …) as
    ``{key=value, …}`` text, which is not JSON: those stay strings (documented gap).
    """
    if not isinstance(value, str):
        return value
    if value[:1] in ("{", "[") and value[-1:] in ("}", "]"):
        try:  # msgspec, as the readers decode JSON: integers exact at any size
            return msgspec.json.decode(value)
        except (msgspec.DecodeError, RecursionError):
            return value
    if column in _BOOLEAN_COLUMNS and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return value
