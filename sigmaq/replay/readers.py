"""Stream CloudTrail records out of files and folders, counting everything that is not one.

Supported inputs (any of them gzip-compressed, detected by the gzip magic bytes, not
the name; concatenated gzip members are read in turn):

- an S3 delivery file ``{"Records": [...]}`` (``AWSLogs/<account>/CloudTrail/<region>/…
  .json.gz``), a JSON array of records, or a single record;
- NDJSON / JSON Lines: one record, delivery envelope, JSON array of records or
  EventBridge event per line (blank lines ignored; ``\\r\\n`` accepted);
- Amazon EventBridge events for CloudTrail (``detail-type`` ``… via CloudTrail``);
- CloudTrail Lake query results: the ``GetQueryResults`` response
  (``{"QueryResultRows": ...}``, as saved by ``aws cloudtrail get-query-results``) and the
  ``result_N.csv.gz`` files a query saves to S3 (header row, one event per row);
- records held as JSON text: ``aws cloudtrail lookup-events`` output, and a trail
  delivered to CloudWatch Logs (subscription payloads as Firehose writes them,
  ``filter-log-events``/``get-log-events`` output: ``shapes.classify_item``; export
  task files, ``<time> <record>`` lines, read as NDJSON once the time is cut);
- digest files and Lake sign files are skipped and counted (``skipped_digest``).

What is counted (``ReadStats``): every record-shaped item seen ends up in exactly one of
``records_read``, ``skipped_digest``, ``skipped_no_event_name`` or ``malformed``. A file
cut short (a truncated gzip stream, or a delivery file, array or NDJSON text that ends
mid-way) keeps every complete record before the cut (``salvage``): they are read as
usual, the record cut in part is malformed, and the file counts in ``truncated_files``
with a problem "truncated gzip|JSON: N complete records read, the rest lost". A gzip
file whose stream turns corrupt part-way (a bad block or checksum in a later member,
trailing bytes that are not gzip) keeps the records of the complete members before it
the same way ("corrupt gzip from byte N (...): N complete records read, the rest
lost"); the corrupt member's own output is not trusted. A file
that cannot be read at all (I/O error, corrupt gzip, invalid JSON text, a cut text
holding no complete record, a cut CSV, over a ``ReadLimits`` bound) counts in
``unreadable_files``; a file holding no record (zero
bytes, ``[]``, ``{"Records": []}``) in ``empty_files`` with a warning. Every problem
names its path (and line for NDJSON and CSV). Reading always goes on with the next item
or file.

Hostile input (``limits.ReadLimits``): gzip is expanded in bounded slices (a file over
the size ceiling or the ratio bound is refused after at most ``ratio_floor`` expanded
bytes: a 10 MB bomb costs milliseconds and no memory); a record nested deeper than
``max_depth`` is malformed; a record longer than CloudTrail's 256 KB event limit is
counted in ``oversized_records`` with a warning and still read. Decoding is msgspec's
for every JSON text (``decode_json``): duplicate keys resolve last-wins (as Python's
``json`` and CloudTrail consumers do), integers stay exact up to 4300 digits (msgspec's
bound, CPython's ``int`` parsing limit), ``\u0000`` escapes stay in strings; invalid
UTF-8, raw control characters, unpaired surrogate escapes and numbers out of range
(``1e400``) are invalid JSON: in a record of a record list that record is malformed
(a list the decoder cannot split past such a record is split by
``salvage.split_record_list`` and each item decoded on its own), elsewhere the document
(the file, or the NDJSON line) is.

``EventRef.position`` is the 0-based record index in the file (index in ``Records``, in
the array, or CSV/``QueryResultRows`` data row), or the 1-based line for NDJSON (every
record of an envelope or array on one line shares that line). ``EventRef.event_time`` is the
parsed ``eventTime`` (ISO 8601; ``Z`` or an offset; a time without zone is taken as
UTC); absent or unparsable gives None, counted in ``invalid_event_time`` (the record is
still read: single-event rules do not need a time, correlations ignore such events).

Memory: files are read one at a time. A record list (delivery file, array) is split
into undecoded items (``RawRecords``) and each record is decoded on its own, so a file
costs its expanded size plus one record's objects (``sigmaq.replay.fastpath`` decodes
most records only partly); other documents are decoded whole; NDJSON and CSV keep the
raw text plus one record decoded at a time. Nothing is kept across files except
counters and at most ``MAX_PROBLEMS`` problem messages.
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Callable, Generator, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgspec

from sigmaq.core.model import EventRef
from sigmaq.replay.limits import (
    DECOMPRESSOBJ,
    DEFAULT_LIMITS,
    GZIP_ERRORS,
    GZIP_MAGIC,
    LimitExceeded,
    ReadLimits,
    TruncatedGzip,
    bounded_gunzip,
    deeper_than,
)
from sigmaq.replay.lines import (
    ENVELOPE_DEPTH,
    NDJSON_DECIDE_LIMIT,
    NdjsonLine,
    cut_export_times,
    describe_json_error,
    looks_like_ndjson,
    ndjson_lines,
)
from sigmaq.replay.paths import DATA_SUFFIXES, iter_paths
from sigmaq.replay.readstats import MAX_PROBLEMS, ReadProblem, ReadStats, parse_event_time
from sigmaq.replay.salvage import Salvage, concatenated_documents, salvage, split_record_list
from sigmaq.replay.shapes import (
    RECORD_ANCHOR_KEYS,
    ItemKind,
    Outcome,
    classify_item,
    lake_value,
)

log = logging.getLogger(__name__)

__all__ = [
    "DATA_SUFFIXES",
    "GZIP_ERRORS",
    "MAX_PROBLEMS",
    "LimitExceeded",
    "RawRecords",
    "ReadLimits",
    "ReadProblem",
    "ReadStats",
    "decode_json",
    "decompress",
    "iter_paths",
    "iter_records",
    "parse_event_time",
    "read_file",
    "read_parts",
    "record_outcomes",
]

UTF8_BOM = b"\xef\xbb\xbf"
CSV_SUFFIXES = (".csv", ".csv.gz")


def _event_ref(source: str, position: int, record: dict[str, Any], stats: ReadStats) -> EventRef:
    event_id = record.get("eventID")
    event_time = parse_event_time(record.get("eventTime"))
    if event_time is None:
        stats.invalid_event_time += 1
    return EventRef(
        source=source,
        position=position,
        # "" is no identity: it would merge unrelated events as redeliveries
        event_id=event_id if type(event_id) is str and event_id else None,
        event_time=event_time,
    )


def iter_records(
    paths: Iterable[Path | str], stats: ReadStats, limits: ReadLimits = DEFAULT_LIMITS
) -> Iterator[tuple[dict[str, Any], EventRef]]:
    """Every CloudTrail record under ``paths`` with its ``EventRef``, file by file."""
    for path in iter_paths(paths, stats):
        yield from read_file(path, stats, limits)


@dataclass(frozen=True)
class RawRecords:
    """The undecoded items of one record list: ``Records`` of a delivery file or the
    elements of a JSON array, each the JSON text of one item (``msgspec.Raw``, a view
    into the file's buffer), ``start`` being the position of the first.

    Nothing is counted for them yet: ``record_outcomes`` decodes and counts one item
    the way ``read_file`` does; ``sigmaq.replay.fastpath`` reads only a few fields of
    each first. Every item is valid JSON (the whole list was parsed to split it).
    """

    source: str
    items: list[msgspec.Raw]
    start: int = 0
    # the whole JSON text the items were split from, and whether it is a delivery file
    # (``{"Records": [...]}``) or an array: lets a reader decode all items at once
    document: bytes | None = field(default=None, repr=False)
    delivery: bool = True


Part = RawRecords | tuple[dict[str, Any], EventRef]


def read_file(
    path: Path, stats: ReadStats, limits: ReadLimits = DEFAULT_LIMITS
) -> Iterator[tuple[dict[str, Any], EventRef]]:
    """Every CloudTrail record in one file (any supported shape), counting the rest.

    Never raises for bad content: problems go to ``stats`` (see module docstring).
    """
    for part in read_parts(path, stats, limits):
        if type(part) is RawRecords:
            for index, raw in enumerate(part.items, part.start):
                yield from record_outcomes(raw, part.source, index, stats, limits)
        else:
            yield part  # type: ignore[misc]


def read_parts(path: Path, stats: ReadStats, limits: ReadLimits = DEFAULT_LIMITS) -> Iterator[Part]:
    """``read_file``'s records, with record lists handed over undecoded (``RawRecords``):
    the caller decodes and counts each item (``record_outcomes``, or a projection).
    Records of other shapes (NDJSON, EventBridge, Lake, single records) come decoded
    and counted, with their ``EventRef``. Never raises for bad content.
    """
    source = str(path)
    stats.files += 1
    try:
        if path.stat().st_size > limits.max_expanded_bytes and not _gzipped(path):
            raise LimitExceeded(
                f"file is {path.stat().st_size:,} bytes, over the "
                f"{limits.max_expanded_bytes:,}-byte limit"
            )
        data = bounded_gunzip(path.read_bytes(), limits)
        cut: TruncatedGzip | None = None
    except TruncatedGzip as err:
        data, cut = err.partial, err
    except _READ_ERRORS as err:
        stats.unreadable_files += 1
        stats.add_problem(source, None, f"cannot read: {err}")
        return
    stats.bytes_read += len(data)
    if data.startswith(UTF8_BOM):
        data = data[len(UTF8_BOM) :]
    seen_before = stats.records_seen
    kept_before = stats.records_seen - stats.malformed
    unreadable_before = stats.unreadable_files
    truncated_before = stats.truncated_files
    problems_before = len(stats.problems) + stats.problems_dropped
    csv_file = path.name.lower().endswith(CSV_SUFFIXES)
    if data.strip() and not (cut and csv_file):  # a cut CSV row would read as a record
        if csv_file:
            yield from _read_csv(data, source, stats)
        else:
            yield from _read_json(data, source, stats, limits, cut)
    if cut is not None and (stats.unreadable_files, stats.truncated_files) == (
        unreadable_before,
        truncated_before,
    ):
        # cut in the gzip trailer (text complete), NDJSON (the cut line is malformed),
        # or nothing readable before the cut
        if stats.records_seen == seen_before:
            stats.unreadable_files += 1
            stats.add_problem(source, None, f"cannot read: {cut}")
        else:
            _note_truncated(
                stats, source, cut.kind, stats.records_seen - stats.malformed - kept_before
            )
        return
    if stats.truncated_files != truncated_before:
        return
    if stats.records_seen == seen_before and stats.unreadable_files == unreadable_before:
        stats.empty_files += 1
        if len(stats.problems) + stats.problems_dropped == problems_before:
            message = "no records in file" if data.strip() else "empty file"
            stats.add_problem(source, None, message, warning=True)


def _gzipped(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(2) == GZIP_MAGIC


# what reading and gunzipping one file may raise (the file is then unreadable)
_READ_ERRORS: tuple[type[Exception], ...] = (OSError, EOFError, ValueError, *GZIP_ERRORS)
# msgspec decodes every JSON text the readers meet (one decoder, one set of rules:
# exact integers of any size, duplicate keys last-wins, UTF-8 validated).
_DECODER = msgspec.json.Decoder()
_JSON_ERRORS = (msgspec.DecodeError, RecursionError)


def decode_json(text: bytes | memoryview | msgspec.Raw) -> Any:
    """One JSON text decoded as the readers decode it (msgspec): objects to dicts with
    the last of duplicate keys winning (as Python's ``json`` and CloudTrail consumers
    do), integers exact up to 4300 digits (no rounding to float), strings validated as
    UTF-8 (``\\u0000`` escapes kept). Raises ``msgspec.DecodeError`` for invalid JSON
    (invalid UTF-8, raw control characters, lone surrogates, ``1e400``, an integer of
    more digits) and RecursionError for nesting deeper than the interpreter's
    recursion limit."""
    return _DECODER.decode(text)


def decompress(data: bytes, decompressobj: Callable[..., Any] = DECOMPRESSOBJ) -> bytes:
    """``data`` gunzipped when it starts with the gzip magic, else unchanged, within the
    default ``ReadLimits`` (``limits.bounded_gunzip``; ``decompressobj``: a
    zlib-compatible decoder factory, default the fastest installed). Raises as
    ``bounded_gunzip`` does."""
    return bounded_gunzip(data, DEFAULT_LIMITS, decompressobj)


class _Delivery(msgspec.Struct):
    """A delivery file split into its records, each left undecoded."""

    Records: list[msgspec.Raw]
    eventName: msgspec.UnsetType = msgspec.UNSET  # present: a record, not an envelope


_DELIVERY = msgspec.json.Decoder(_Delivery)
_ARRAY = msgspec.json.Decoder(list[msgspec.Raw])


def _record_list(data: bytes) -> tuple[list[msgspec.Raw], bool] | None:
    """The items of a delivery file's ``Records`` (True) or of a top-level array
    (False), undecoded, or None for any other text (left to the general decoder)."""
    head = data[:64].lstrip()
    try:
        if head.startswith(b"{"):
            return _DELIVERY.decode(data).Records, True
        if head.startswith(b"["):
            return _ARRAY.decode(data), False
    except _JSON_ERRORS:
        return None
    return None


def _read_json(
    data: bytes,
    source: str,
    stats: ReadStats,
    limits: ReadLimits,
    cut: TruncatedGzip | None = None,
) -> Iterator[Part]:
    found = _record_list(data)
    if found is not None:
        items, delivery = found
        if not items:
            if delivery:
                stats.add_problem(source, None, "empty Records list", warning=True)
            return
        yield RawRecords(source, items, 0, data, delivery)
        return
    try:
        value = _DECODER.decode(data)
        if deeper_than(data, limits.max_depth + ENVELOPE_DEPTH):
            raise RecursionError
    except _JSON_ERRORS as err:
        data = cut_export_times(data) or data  # CloudWatch Logs export: "<time> <record>"
        ndjson = looks_like_ndjson(data)
        if ndjson and len(data) > NDJSON_DECIDE_LIMIT:
            yield from _read_ndjson(ndjson_lines(data, limits), source, stats, limits)  # streamed
            return
        lines = list(ndjson_lines(data, limits)) if ndjson else None
        # Documents back to back (``cat a.json.gz b.json.gz > all.json.gz``) can look
        # like NDJSON when some end with a newline: a line that does not parse while the
        # whole text is a sequence of documents settles it (unless each line is one of
        # them: NDJSON with a line only Python's json accepts).
        documents = None
        if lines is None or any(error is not None for _, _, error, _ in lines):
            documents = concatenated_documents(data)
            if documents is not None and lines is not None and len(documents) == len(lines):
                documents = None
        if documents is not None:
            start = 0
            for document in documents:
                start += yield from _read_document(document, source, stats, limits, start)
        elif lines is not None:
            yield from _read_ndjson(lines, source, stats, limits)
        elif (split := split_record_list(data)) is not None and split[0]:
            # a whole record list with an item the list decoder refused: each item is
            # decoded on its own (the bad ones are malformed)
            yield RawRecords(source, [msgspec.Raw(item) for item in split[0]], 0, None, split[1])
        elif (pieces := salvage(data)) is not None and (pieces.documents or pieces.items):
            yield from _read_salvaged(
                pieces, len(data), source, stats, cut.kind if cut else "truncated JSON", limits
            )
        else:
            stats.unreadable_files += 1
            message = f"cannot read: {cut}" if cut else f"invalid JSON: {describe_json_error(err)}"
            stats.add_problem(source, None, message)
        return
    del data
    yield from _read_value(value, source, stats, 0)


def _read_document(
    document: bytes, source: str, stats: ReadStats, limits: ReadLimits, start: int
) -> Generator[Part, None, int]:
    """The records of one whole JSON document of a text holding several, read as the
    text of a file of its own would be (record lists split and each record decoded and
    checked on its own); positions count from ``start``. Returns how many positions
    it takes (a document that is not JSON for msgspec, and not a record list with bad
    records, is one malformed item that takes none)."""
    found = _record_list(document)
    if found is None:
        try:
            value = _DECODER.decode(document)
            if deeper_than(document, limits.max_depth + ENVELOPE_DEPTH):
                raise RecursionError
        except _JSON_ERRORS as err:
            split = split_record_list(document)
            if split is None:
                stats.malformed += 1
                message = f"document at record {start}: invalid JSON: {describe_json_error(err)}"
                stats.add_problem(source, None, message)
                return 0
            found = [msgspec.Raw(item) for item in split[0]], split[1]
        else:
            yield from _read_value(value, source, stats, start)
            return _width(value)
    items, delivery = found
    if not items:
        if delivery:
            stats.add_problem(source, None, "empty Records list", warning=True)
        return 0
    yield RawRecords(source, items, start, None, delivery)
    return len(items)


def _read_salvaged(
    found: Salvage, size: int, source: str, stats: ReadStats, kind: str, limits: ReadLimits
) -> Iterator[Part]:
    """The complete records of a cut text (``salvage``), then the cut counted: one
    more ``truncated_files``, the record cut in part ``malformed``, and a problem."""
    kept_before = stats.records_seen - stats.malformed
    start = 0
    for document in found.documents:
        start += yield from _read_document(bytes(document), source, stats, limits, start)
    if found.items:
        yield RawRecords(
            source, [msgspec.Raw(item) for item in found.items], start, None, found.delivery
        )
    if found.cut_item:
        stats.malformed += 1
        stats.add_problem(
            source,
            None,
            f"record {start + len(found.items)}: cut off by the truncation "
            f"({size - found.complete:,} bytes before the end of the text)",
        )
    _note_truncated(stats, source, kind, stats.records_seen - stats.malformed - kept_before)


def _note_truncated(stats: ReadStats, source: str, kind: str, complete: int) -> None:
    stats.truncated_files += 1
    stats.add_problem(source, None, f"{kind}: {complete:,} complete records read, the rest lost")


def record_outcomes(
    raw: msgspec.Raw | bytes,
    source: str,
    position: int,
    stats: ReadStats,
    limits: ReadLimits = DEFAULT_LIMITS,
    line: int | None = None,
) -> Iterator[tuple[dict[str, Any], EventRef]]:
    """Decode one item of a record list (``RawRecords``) and count it as ``read_file``
    does: a record is yielded with its ``EventRef``; anything else is counted as
    skipped or malformed. A record longer than ``limits.record_bytes`` is counted in
    ``oversized_records`` (with a warning) and still yielded; one nesting deeper than
    ``limits.max_depth`` is malformed."""
    if len(raw) > limits.record_bytes:
        note_oversized(stats, source, position, len(raw), limits)
    if deeper_than(raw, limits.max_depth):
        stats.malformed += 1
        stats.add_problem(
            source, line, f"record {position}: nested deeper than {limits.max_depth} levels"
        )
        return
    try:
        item = _DECODER.decode(raw)
    except _JSON_ERRORS as err:  # text the list split skipped unchecked (bad UTF-8)
        stats.malformed += 1
        stats.add_problem(
            source, line, f"record {position}: invalid JSON: {describe_json_error(err)}"
        )
        return
    yield from _read_items((item,), source, stats, position)


def note_oversized(
    stats: ReadStats, source: str, position: int, size: int, limits: ReadLimits
) -> None:
    """Count one record longer than CloudTrail can write, with a warning naming it."""
    stats.oversized_records += 1
    stats.add_problem(
        source,
        None,
        f"record {position}: {size:,} bytes, over CloudTrail's {limits.record_bytes:,}-byte "
        "event limit (read anyway)",
        warning=True,
    )


def _is_delivery(value: Any) -> bool:
    return (
        isinstance(value, dict) and type(value.get("Records")) is list and "eventName" not in value
    )


def _width(value: Any) -> int:
    """How many positions a document takes (its records, or its outcomes)."""
    if _is_delivery(value):
        return len(value["Records"])
    if isinstance(value, list):
        return len(value)
    return sum(1 for _ in classify_item(value))


def _read_value(
    value: Any, source: str, stats: ReadStats, start: int
) -> Iterator[tuple[dict[str, Any], EventRef]]:
    """The records of one decoded document; positions count from ``start``."""
    if _is_delivery(value):
        records = value["Records"]
        if not records:
            stats.add_problem(source, None, "empty Records list", warning=True)
            return
        yield from _read_items(records, source, stats, start)
    elif isinstance(value, list):
        yield from _read_items(value, source, stats, start)
    else:
        # A single record, EventBridge event or Lake response: position = outcome index.
        for index, outcome in enumerate(classify_item(value), start):
            yield from _count_outcomes((outcome,), source, index, None, stats)


def _anchored(item: dict[str, Any]) -> bool:
    """True when ``item`` carries a key every CloudTrail record has (see ``shapes``)."""
    return not RECORD_ANCHOR_KEYS.isdisjoint(item)


def _read_items(
    items: Iterable[Any], source: str, stats: ReadStats, start: int = 0
) -> Iterator[tuple[dict[str, Any], EventRef]]:
    # Hot loop: the common case (a dict with a string eventName) skips classify_item.
    for index, item in enumerate(items, start):
        if type(item) is dict:
            name = item.get("eventName")
            if type(name) is str and name and ("eventTime" in item or _anchored(item)):
                stats.records_read += 1
                yield item, _event_ref(source, index, item, stats)
                continue
        yield from _count_outcomes(classify_item(item, 1), source, index, None, stats)


def _count_outcomes(
    outcomes: Iterable[Outcome], source: str, position: int, line: int | None, stats: ReadStats
) -> Iterator[tuple[dict[str, Any], EventRef]]:
    for kind, payload in outcomes:
        if kind is ItemKind.RECORD:
            stats.records_read += 1
            yield payload, _event_ref(source, position, payload, stats)
        elif kind is ItemKind.DIGEST:
            stats.skipped_digest += 1
        elif kind is ItemKind.NO_EVENT_NAME:
            stats.skipped_no_event_name += 1
        elif kind is ItemKind.EMPTY:
            stats.add_problem(source, line, str(payload), warning=True)
        else:
            stats.malformed += 1
            where = "" if line is not None else f"record {position}: "
            stats.add_problem(source, line, f"{where}{payload}")


def _read_ndjson(
    lines: Iterable[NdjsonLine], source: str, stats: ReadStats, limits: ReadLimits
) -> Iterator[tuple[dict[str, Any], EventRef]]:
    for number, item, error, size in lines:
        if error is not None:
            stats.malformed += 1
            stats.add_problem(source, number, f"invalid JSON: {error}")
            continue
        if type(item) is dict:
            name = item.get("eventName")
            if type(name) is str and name and ("eventTime" in item or _anchored(item)):
                if size > limits.record_bytes:
                    note_oversized(stats, source, number, size, limits)
                stats.records_read += 1
                yield item, _event_ref(source, number, item, stats)
                continue
        elif type(item) is list:  # an array of records on one line, read like an envelope
            for element in item:
                yield from _count_outcomes(classify_item(element, 1), source, number, number, stats)
            continue
        yield from _count_outcomes(classify_item(item), source, number, number, stats)


def _read_csv(
    data: bytes, source: str, stats: ReadStats
) -> Iterator[tuple[dict[str, Any], EventRef]]:
    """CloudTrail Lake ``result_N.csv(.gz)``: a header row, then one event per row.

    Empty cells are left out (CSV cannot tell empty from null). Cell text is decoded
    by ``shapes.lake_value``.
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        stats.unreadable_files += 1
        stats.add_problem(source, None, f"cannot read: not UTF-8 text ({err})")
        return
    rows, failure = _csv_rows(text)
    header: list[str] | None = None
    index = 0
    for line, row in rows:
        if header is None:
            if row and not row[0].startswith("#"):
                header = [column.strip() for column in row]
            continue
        if not row:
            continue
        if len(row) > len(header):
            stats.malformed += 1
            stats.add_problem(source, line, "row has more cells than the header")
        else:
            record = {
                column: lake_value(column, cell)
                for column, cell in zip(header, row, strict=False)
                if cell != ""
            }
            yield from _count_outcomes(classify_item(record), source, index, line, stats)
        index += 1
    if failure is not None:
        stats.unreadable_files += 1
        stats.add_problem(source, failure[0], f"invalid CSV: {failure[1]}")


def _csv_rows(text: str) -> tuple[list[tuple[int, list[str]]], tuple[int, str] | None]:
    """(line, cells) of every row of ``text``, and (line, reason) where the CSV became
    unreadable (None: it did not).

    Python's csv refuses a cell over ``csv.field_size_limit`` (131,072 characters), and
    with it every row after it; one CloudTrail event may be 256 KB, so a large
    ``requestParameters`` cell is real. The limit is process-wide: it is raised to the
    length of ``text`` (already bounded by ``ReadLimits.max_expanded_bytes``) only while
    this text is split, then put back, so no other reader of CSV sees it changed.
    """
    previous = csv.field_size_limit()
    csv.field_size_limit(max(previous, len(text) + 1))
    reader = csv.reader(io.StringIO(text, newline=""))
    rows: list[tuple[int, list[str]]] = []
    try:
        for row in reader:
            rows.append((reader.line_num, row))
    except csv.Error as err:
        return rows, (reader.line_num, str(err))
    finally:
        csv.field_size_limit(previous)
    return rows, None
