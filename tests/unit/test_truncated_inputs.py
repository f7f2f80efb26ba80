"""Truncated inputs: a cut ``.json.gz`` or ``.json`` keeps every complete record.

Each test builds its own cut files from a fixture-like delivery document whose records
hold escaped quotes, backslashes, brackets inside strings and nested objects, and
derives what must be recovered from where each record ends in the uncut text.
"""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path
from typing import Any

import orjson
import pytest
from click.testing import CliRunner

from sigmaq.cli import main
from sigmaq.replay.limits import LimitExceeded, ReadLimits, TruncatedGzip, bounded_gunzip
from sigmaq.replay.readers import ReadStats, read_file
from sigmaq.replay.salvage import salvage

ARN = "arn:aws:sts::123456789012:assumed-role/Admin/alice@example.com"
RULE = """\
title: Q Developer agent deleted a bucket
id: 5d0c7b0e-3a52-4c1c-8a51-000000000099
status: test
logsource: {product: aws, service: cloudtrail}
detection:
  sel:
    eventSource: s3.amazonaws.com
    eventName: DeleteBucket
    userIdentity.invokedBy: q.amazonaws.com
  condition: sel
level: high
"""


def record(n: int) -> dict[str, Any]:
    """A CloudTrail record; every third one is a DeleteBucket the rule finds."""
    return {
        "eventVersion": "1.09",
        "eventTime": f"2024-05-01T12:{n % 60:02d}:00Z",
        "eventSource": "s3.amazonaws.com",
        "eventName": "DeleteBucket" if n % 3 == 0 else "ListBuckets",
        "eventID": f"evt-{n:04d}",
        "sourceIPAddress": "q.amazonaws.com",
        "userIdentity": {
            "type": "AssumedRole",
            "arn": ARN,
            "invokedBy": "q.amazonaws.com",
            "sessionContext": {"attributes": {"mfaAuthenticated": "false"}},
        },
        # escaped quotes, a backslash, brackets and commas inside strings
        "requestParameters": {
            "bucketName": f"amzn-s3-demo-{n}",
            "note": f'say "}}],{{[" {n}\\\\ \\" done',
            "tags": [{"key": "k", "value": f"v{n}"}, {"key": "x]", "value": "{"}],
        },
        "responseElements": None,
        "readOnly": n % 3 != 0,
    }


RECORDS = [record(n) for n in range(40)]


def delivery(records: list[dict[str, Any]], option: int = 0) -> tuple[bytes, list[int], list[int]]:
    """A delivery document, where each record starts and where it ends (exclusive)."""
    text = orjson.dumps({"Records": records}, option=option)
    starts, ends, depth = [], [], 0
    for offset in _strings_skipped(text, 0):
        char = text[offset]
        if char in b"{[":
            depth += 1
            if depth == 3:  # {"Records": [ {  <- a record's own brace
                starts.append(offset)
        elif char in b"}]":
            if depth == 3:
                ends.append(offset + 1)
            depth -= 1
    return text, starts, ends


def _strings_skipped(text: bytes, start: int) -> list[int]:
    """Offsets from ``start`` that are outside strings (a character-by-character model,
    independent of the scanner's regular expression)."""
    out, in_string, escaped = [], False, False
    for offset in range(start, len(text)):
        char = text[offset]
        if in_string:
            if escaped:
                escaped = False
            elif char == ord("\\"):
                escaped = True
            elif char == ord('"'):
                in_string = False
        elif char == ord('"'):
            in_string = True
        else:
            out.append(offset)
    return out


TEXT, STARTS, ENDS = delivery(RECORDS)


def expected(cut: int) -> tuple[int, bool]:
    """(complete records, whether a record was cut in part) when ``TEXT`` stops at ``cut``."""
    complete = sum(end <= cut for end in ENDS)
    return complete, any(start < cut < end for start, end in zip(STARTS, ENDS, strict=True))


def test_the_model_of_the_document_is_right() -> None:
    for start, end, item in zip(STARTS, ENDS, RECORDS, strict=True):
        assert orjson.loads(TEXT[start:end]) == item
    assert b'\\"}],{[\\"' in TEXT  # brackets after an escaped quote, inside a string


@pytest.mark.parametrize("option", [0, orjson.OPT_INDENT_2], ids=["compact", "indented"])
def test_salvage_at_every_offset_finds_exactly_the_complete_records(option: int) -> None:
    text, _, ends = delivery(RECORDS[:8], option)
    opening = text.index(b"[") + 1
    for cut in range(len(text)):
        found = salvage(text[:cut])
        if cut < opening:
            assert found is None, cut
            continue
        assert found is not None, cut
        complete = sum(end <= cut for end in ends)
        assert [orjson.loads(bytes(item)) for item in found.items] == RECORDS[:complete], cut
        assert found.delivery and not found.documents
        if complete:
            assert found.complete == ends[complete - 1]
        record_begun = complete < 8 and text[found.complete : cut].strip(b" \n,]") != b""
        assert found.cut_item == record_begun, cut
    assert salvage(text) is None  # not cut


def test_salvage_reads_arrays_documents_back_to_back_and_refuses_the_rest() -> None:
    one, two = orjson.dumps(RECORDS[0]), orjson.dumps(RECORDS[1])
    found = salvage(b"[" + one + b" , " + two[:-3])
    assert found is not None and not found.delivery and found.cut_item
    assert [bytes(item) for item in found.items] == [one]
    first = orjson.dumps({"Records": RECORDS[:2]})
    found = salvage(first + b"\n" + b'{"Records":[' + one + b"," + two[:50])
    assert found is not None and [bytes(d) for d in found.documents] == [first]
    assert [bytes(item) for item in found.items] == [one] and found.cut_item
    found = salvage(first + one[:40])  # a cut single record after a whole document
    assert found is not None and [bytes(d) for d in found.documents] == [first]
    assert not found.items and found.cut_item
    assert salvage(one[:40]) is None  # a lone cut record holds no complete record
    assert salvage(b'{"Records":[' + one + b" garbage " + two[:9]) is None
    assert salvage(b'{"Records":[' + one + b"," + two[:9] + b'"\\') is not None
    assert salvage(b'{"Other": "x\\"],[", "Records": [' + one + b",") is not None
    assert salvage(b"not json at all") is None


def read(path: Path, limits: ReadLimits | None = None) -> tuple[list[Any], ReadStats]:
    stats = ReadStats()
    items = list(read_file(path, stats, *(limits,) if limits else ()))
    return items, stats


def expanded_prefix(compressed: bytes) -> bytes:
    """What zlib itself expands from a cut gzip stream (the oracle for the reader)."""
    return zlib.decompressobj(wbits=31).decompress(compressed)


# gzip's header plus one stored block's header: a stored (level 0) stream cut at
# ``STORED_HEAD + k`` expands to exactly ``k`` bytes
STORED_HEAD = 15
STORED = gzip.compress(TEXT, 0)
DEFLATED = gzip.compress(TEXT, 9)
ESCAPED_QUOTE = TEXT.index(b'\\"', STARTS[7]) + 2  # inside a string, after an escaped quote
NESTED = TEXT.index(b'"sessionContext"', STARTS[12]) + 20  # inside a nested object
CUTS = {
    "stored-escaped-quote": STORED[: STORED_HEAD + ESCAPED_QUOTE],
    "stored-nested-object": STORED[: STORED_HEAD + NESTED],
    "stored-between-records": STORED[: STORED_HEAD + ENDS[20] + 1],  # after the comma
    "deflated-half": DEFLATED[: len(DEFLATED) // 2],
    "deflated-nine-tenths": DEFLATED[: 9 * len(DEFLATED) // 10],
    "deflated-gzip-trailer": DEFLATED[:-4],  # the text whole, the CRC and size cut
}


def test_the_cuts_stop_where_intended() -> None:
    assert len(expanded_prefix(CUTS["stored-escaped-quote"])) == ESCAPED_QUOTE
    assert TEXT[ESCAPED_QUOTE - 2 : ESCAPED_QUOTE] == b'\\"'
    assert expected(ESCAPED_QUOTE) == (7, True)
    assert expected(NESTED) == (12, True) and TEXT[NESTED - 1 : NESTED] != b"}"
    assert expected(len(expanded_prefix(CUTS["stored-between-records"]))) == (21, False)
    assert len(expanded_prefix(CUTS["deflated-gzip-trailer"])) == len(TEXT)


@pytest.mark.parametrize("name", list(CUTS))
def test_a_truncated_gzip_keeps_every_complete_record(tmp_path: Path, name: str) -> None:
    compressed = CUTS[name]
    complete, cut_in_record = expected(len(expanded_prefix(compressed)))
    assert 0 < complete < 40 or name == "deflated-gzip-trailer"
    path = tmp_path / "cut.json.gz"
    path.write_bytes(compressed)
    items, stats = read(path)
    assert [ref.event_id for _, ref in items] == [f"evt-{n:04d}" for n in range(complete)]
    assert [ref.position for _, ref in items] == list(range(complete))
    assert [event for event, _ in items] == RECORDS[:complete]
    assert (stats.records_read, stats.malformed) == (complete, int(cut_in_record))
    assert (stats.truncated_files, stats.unreadable_files, stats.empty_files) == (1, 0, 0)
    assert stats.records_seen == stats.records_read + stats.skipped + stats.malformed
    assert stats.failed
    messages = [str(p) for p in stats.problems]
    assert f"{path}: truncated gzip: {complete} complete records read, the rest lost" in messages
    assert any("cut off" in m for m in messages) == cut_in_record


@pytest.mark.parametrize("cut", [STARTS[5] + 3, ENDS[9] - 1, ENDS[20] + 1, len(TEXT) - 1])
def test_a_truncated_plain_json_keeps_every_complete_record(tmp_path: Path, cut: int) -> None:
    path = tmp_path / "cut.json"
    path.write_bytes(TEXT[:cut])
    complete, cut_in_record = expected(cut)
    items, stats = read(path)
    assert [event for event, _ in items] == RECORDS[:complete]
    assert (stats.records_read, stats.malformed, stats.truncated_files) == (
        complete,
        int(cut_in_record),
        1,
    )
    assert stats.unreadable_files == 0 and stats.failed
    assert f"truncated JSON: {complete} complete records read" in str(stats.problems[-1])


def test_a_cut_second_gzip_member_keeps_the_first_and_numbers_on(tmp_path: Path) -> None:
    first = gzip.compress(orjson.dumps({"Records": RECORDS[:4]}))
    second = gzip.compress(TEXT)
    second = second[
        : next(n for n in range(30, len(second)) if len(expanded_prefix(second[:n])) > ENDS[2] + 9)
    ]
    path = tmp_path / "joined.json.gz"
    path.write_bytes(first + second)
    items, stats = read(path)
    assert [ref.event_id for _, ref in items] == [f"evt-{n:04d}" for n in (0, 1, 2, 3, 0, 1, 2)]
    assert [ref.position for _, ref in items] == list(range(7))
    assert (stats.records_read, stats.malformed, stats.truncated_files) == (7, 1, 1)


def test_a_truncated_ndjson_gzip_reads_every_whole_line(tmp_path: Path) -> None:
    lines = b"\n".join(orjson.dumps(item) for item in RECORDS[:10]) + b"\n"
    compressed = gzip.compress(lines)
    length = next(
        n
        for n in range(30, len(compressed))
        if len(expanded_prefix(compressed[:n])) > len(lines) // 2
    )
    size = len(expanded_prefix(compressed[:length]))
    whole = lines[:size].count(b"\n")
    path = tmp_path / "cut.ndjson.gz"
    path.write_bytes(compressed[:length])
    items, stats = read(path)
    assert [event for event, _ in items] == RECORDS[:whole]
    assert (stats.records_read, stats.malformed, stats.truncated_files) == (whole, 1, 1)
    assert f"truncated gzip: {whole} complete records read, the rest lost" in str(
        stats.problems[-1]
    )


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (gzip.compress(TEXT)[:12], "header.json.gz"),  # nothing expanded yet
        (gzip.compress(orjson.dumps(RECORDS[0]))[:60], "single.json.gz"),  # a lone cut record
        (gzip.compress(b"eventName,eventTime\nA,2024-05-01T12:00:00Z\n" * 50)[:40], "r.csv.gz"),
    ],
)
def test_a_truncated_gzip_with_no_complete_record_is_unreadable(
    tmp_path: Path, content: bytes, name: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    items, stats = read(path)
    assert items == [] and (stats.unreadable_files, stats.truncated_files) == (1, 0)
    assert "truncated gzip stream" in stats.problems[0].message


def test_a_cut_text_with_no_complete_record_stays_unreadable(tmp_path: Path) -> None:
    """Cut inside the first record (gzip or plain): nothing to keep, unreadable as before."""
    path = tmp_path / "first.json"
    path.write_bytes(TEXT[: STARTS[0] + 30])
    items, stats = read(path)
    assert items == [] and (stats.unreadable_files, stats.truncated_files) == (1, 0)
    assert stats.problems[0].message.startswith("invalid JSON")
    path = tmp_path / "first.json.gz"
    path.write_bytes(STORED[: STORED_HEAD + STARTS[0] + 30])
    items, stats = read(path)
    assert items == [] and (stats.unreadable_files, stats.truncated_files) == (1, 0)
    assert "truncated gzip stream" in stats.problems[0].message


def test_a_whole_empty_document_before_the_cut_counts_the_file_truncated(tmp_path: Path) -> None:
    path = tmp_path / "two.json"
    path.write_bytes(b'{"Records": []}{"Records": [')
    items, stats = read(path)
    assert items == [] and (stats.unreadable_files, stats.truncated_files) == (0, 1)
    assert [p.message for p in stats.problems] == [
        "empty Records list",
        "truncated JSON: 0 complete records read, the rest lost",
    ]


def test_the_ceiling_still_applies_to_a_truncated_stream() -> None:
    bomb = gzip.compress(b"[" + b" " * 5_000_000)[:-20]
    with pytest.raises(LimitExceeded):
        bounded_gunzip(bomb, ReadLimits(max_expanded_bytes=1_000_000))
    with pytest.raises(TruncatedGzip) as caught:
        bounded_gunzip(gzip.compress(TEXT)[:-9])
    assert caught.value.partial == expanded_prefix(gzip.compress(TEXT)[:-9])


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_hunt_finds_what_the_complete_records_trigger(tmp_path: Path, jobs: str) -> None:
    rules = tmp_path / "rules.yml"
    rules.write_text(RULE)
    data = tmp_path / "data"
    data.mkdir()
    (data / "cut.json.gz").write_bytes(CUTS["stored-nested-object"])
    complete = 12
    (data / "whole.json").write_bytes(orjson.dumps({"Records": [record(300)]}))
    result = CliRunner().invoke(
        main, ["hunt", "--rules", str(rules), "--format", "json", "-j", jobs, str(data)]
    )
    assert result.exit_code == 1, result.output
    found = orjson.loads(result.stdout)
    ids = sorted(event["event_id"] for item in found["findings"] for event in item["events"])
    assert ids == sorted([f"evt-{n:04d}" for n in range(0, complete, 3)] + ["evt-0300"])
    summary = found["summary"]
    assert summary["truncated_files"] == 1 and summary["records_read"] == complete + 1
    assert summary["malformed"] == 1 and summary["unreadable_files"] == 0
    assert f"truncated gzip: {complete} complete records read, the rest lost" in result.stderr


def test_investigate_counts_a_file_cut_between_records_and_exits_one(tmp_path: Path) -> None:
    """No record is malformed when the cut falls after a comma, yet the file is incomplete:
    the report's run summary counts it and the command exits 1."""
    rules = tmp_path / "rules.yml"
    rules.write_text(RULE)
    data = tmp_path / "data"
    data.mkdir()
    (data / "cut.json.gz").write_bytes(CUTS["stored-between-records"])
    out = tmp_path / "report"
    result = CliRunner().invoke(
        main,
        ["investigate", "--rules", str(rules), "-o", str(out), "--format", "json", str(data)],
    )
    assert result.exit_code == 1, result.output
    run = orjson.loads((out / "report.json").read_bytes())["run"]
    assert (run["truncated_files"], run["malformed"], run["records_read"]) == (1, 0, 21)
