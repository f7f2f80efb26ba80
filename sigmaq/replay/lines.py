"""Line-oriented CloudTrail text: NDJSON detection and splitting, and the ``<time>
<record>`` lines of a CloudWatch Logs export task. Pure functions on bytes; ``readers.py``
owns files and counting."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import msgspec

from sigmaq.replay.limits import DEFAULT_LIMITS, ReadLimits, deeper_than

__all__ = [
    "ENVELOPE_DEPTH",
    "NDJSON_DECIDE_LIMIT",
    "NdjsonLine",
    "cut_export_times",
    "describe_json_error",
    "looks_like_ndjson",
    "ndjson_lines",
]

# msgspec, as every reader decodes JSON (``readers.decode_json``)
_DECODER = msgspec.json.Decoder()
_JSON_ERRORS = (msgspec.DecodeError, RecursionError)

# Envelope levels above a record (an NDJSON line holding a delivery file: 3).
ENVELOPE_DEPTH = 3


def describe_json_error(err: BaseException) -> str:
    """A decode error in words (RecursionError: the nesting limit)."""
    if isinstance(err, RecursionError):
        return f"nested deeper than {DEFAULT_LIMITS.max_depth} levels"
    return str(err)


# A CloudWatch Logs export task writes each log event as "<ISO 8601 time> <message>" on a
# line (CloudWatch Logs User Guide, "Exporting log data to Amazon S3"); for a trail
# delivered to CloudWatch Logs the message is the record's JSON, read as NDJSON once the
# time is cut (the line numbers stay those of the file).
_EXPORT_TIME = rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z "
_EXPORT_START = re.compile(rb"\s*" + _EXPORT_TIME + rb"[\[{]")
_EXPORT_PREFIX = re.compile(rb"(?m)^" + _EXPORT_TIME + rb"(?=[\[{])")


def cut_export_times(data: bytes) -> bytes | None:
    """``data`` with the time cut from each line when it is a CloudWatch Logs export
    task's text (its first line ``<ISO 8601 time> {...}``), else None."""
    if not _EXPORT_START.match(data):
        return None
    return _EXPORT_PREFIX.sub(b"", data)


def looks_like_ndjson(data: bytes) -> bool:
    """True when one of the first three non-blank lines is a JSON object on its own."""
    checked = 0
    for raw in data.split(b"\n", 64)[:64]:
        line = raw.strip()
        if not line:
            continue
        try:
            if isinstance(_DECODER.decode(line), dict):
                return True
        except _JSON_ERRORS:
            pass
        checked += 1
        if checked == 3:
            break
    return False


NdjsonLine = tuple[int, Any, str | None, int]  # (1-based line, value, decode error, bytes)


# NDJSON files up to this size are decoded whole before any record is used, so that
# documents written back to back with some newlines are told apart from NDJSON; larger
# ones are streamed line by line (memory stays near the file's size).
NDJSON_DECIDE_LIMIT = 64 << 20


def ndjson_lines(data: bytes, limits: ReadLimits) -> Iterator[NdjsonLine]:
    """Every non-blank line decoded, or its decode error (a line nested deeper than
    the limit is one)."""
    for number, raw in enumerate(data.split(b"\n"), start=1):
        line = raw.strip()
        if not line:
            continue
        if deeper_than(line, limits.max_depth + ENVELOPE_DEPTH):
            yield (number, None, f"nested deeper than {limits.max_depth} levels", len(line))
            continue
        try:
            yield (number, _DECODER.decode(line), None, len(line))
        except _JSON_ERRORS as err:
            yield (number, None, describe_json_error(err), len(line))
