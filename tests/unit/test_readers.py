"""CloudTrail readers: every shape, every kind of bad input, and the counters."""

from __future__ import annotations

import gzip
import os
import zlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest
from isal import isal_zlib

from sigmaq.replay.limits import CorruptGzip
from sigmaq.replay.readers import (
    GZIP_ERRORS,
    MAX_PROBLEMS,
    ReadProblem,
    ReadStats,
    decompress,
    iter_paths,
    iter_records,
    parse_event_time,
    read_file,
)


def record(name: str = "ListBuckets", **extra: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "eventVersion": "1.08",
        "eventTime": "2024-05-01T12:00:00Z",
        "eventSource": "s3.amazonaws.com",
        "eventName": name,
        "eventID": f"id-{name}",
        "sourceIPAddress": "192.0.2.10",
        "userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::123456789012:user/alice"},
    }
    base.update(extra)
    return base


def write(path: Path, data: Any, *, gz: bool = False) -> Path:
    raw = data if isinstance(data, bytes) else orjson.dumps(data)
    path.write_bytes(gzip.compress(raw) if gz else raw)
    return path


def read(path: Path) -> tuple[list[tuple[dict[str, Any], Any]], ReadStats]:
    stats = ReadStats()
    items = list(read_file(path, stats))
    assert stats.records_seen == stats.records_read + stats.skipped + stats.malformed
    return items, stats


def test_delivery_file_positions_times_and_ids(tmp_path: Path) -> None:
    path = write(tmp_path / "a.json", {"Records": [record("A"), record("B")]})
    items, stats = read(path)
    assert [r["eventName"] for r, _ in items] == ["A", "B"]
    refs = [ref for _, ref in items]
    assert [ref.position for ref in refs] == [0, 1]
    assert refs[0].source == str(path)
    assert refs[0].event_id == "id-A"
    assert refs[0].event_time == datetime(2024, 5, 1, 12, tzinfo=UTC)
    assert (stats.files, stats.records_read, stats.malformed, stats.problems) == (1, 2, 0, [])


def test_gzip_detected_by_magic_bytes_not_name(tmp_path: Path) -> None:
    path = write(tmp_path / "plain-name.json", {"Records": [record()]}, gz=True)
    items, stats = read(path)
    assert len(items) == 1
    assert stats.bytes_read == len(orjson.dumps({"Records": [record()]}))


def test_concatenated_gzip_members_are_all_read(tmp_path: Path) -> None:
    first = gzip.compress(orjson.dumps(record("A")) + b"\n")
    second = gzip.compress(orjson.dumps(record("B")) + b"\n")
    items, stats = read(write(tmp_path / "x.ndjson.gz", first + second))
    assert [r["eventName"] for r, _ in items] == ["A", "B"]
    assert stats.unreadable_files == 0


def test_json_array_and_single_record(tmp_path: Path) -> None:
    items, _ = read(write(tmp_path / "arr.json", [record("A"), record("B"), record("C")]))
    assert [ref.position for _, ref in items] == [0, 1, 2]
    items, stats = read(write(tmp_path / "one.json", record("Solo")))
    assert [(r["eventName"], ref.position) for r, ref in items] == [("Solo", 0)]
    assert stats.records_read == 1


def test_ndjson_lines_crlf_blank_lines_and_a_bad_line(tmp_path: Path) -> None:
    text = (
        orjson.dumps(record("A"))
        + b"\r\n\r\n"
        + b'{"eventName": "B", "eventTime": \n'
        + orjson.dumps({"Records": [record("C"), record("D")]})
        + b"\n"
        + orjson.dumps(record("E"))
    )
    items, stats = read(write(tmp_path / "x.log", text))
    assert [(r["eventName"], ref.position) for r, ref in items] == [
        ("A", 1),
        ("C", 4),
        ("D", 4),
        ("E", 5),
    ]
    assert stats.malformed == 1
    assert stats.problems[0].line == 3
    assert stats.problems[0].path == str(tmp_path / "x.log")
    assert "invalid JSON" in stats.problems[0].message


def test_eventbridge_events(tmp_path: Path) -> None:
    api_call = {
        "version": "0",
        "detail-type": "AWS API Call via CloudTrail",
        "source": "aws.qbusiness",
        "detail": record("CreateApplication", eventSource="qbusiness.amazonaws.com"),
    }
    finding = {"version": "0", "detail-type": "GuardDuty Finding", "detail": {"id": "x"}}
    text = orjson.dumps(api_call) + b"\n" + orjson.dumps(finding) + b"\n"
    items, stats = read(write(tmp_path / "eb.jsonl", text))
    assert [r["eventName"] for r, _ in items] == ["CreateApplication"]
    assert stats.malformed == 1
    assert "GuardDuty Finding" in stats.problems[0].message


def test_cloudtrail_lake_query_results_response(tmp_path: Path) -> None:
    response = {
        "QueryStatus": "FINISHED",
        "QueryResultRows": [
            [
                {"eventID": "e1"},
                {"eventName": "Chat"},
                {"eventTime": "2024-05-01 12:00:00.000"},
                {"readOnly": "false"},
                {"requestParameters": '{"applicationId": "app-1"}'},
            ],
            [{"eventID": "e2"}, {"eventSource": "qbusiness.amazonaws.com"}],
            "not a row",
        ],
    }
    items, stats = read(write(tmp_path / "lake.json", response))
    assert len(items) == 1
    rec, ref = items[0]
    assert rec["readOnly"] is False
    assert rec["requestParameters"] == {"applicationId": "app-1"}
    assert ref.event_time == datetime(2024, 5, 1, 12, tzinfo=UTC)
    assert ref.position == 0
    assert (stats.skipped_no_event_name, stats.malformed) == (1, 1)


def test_lake_json_text_keeps_integers_past_64_bits_exact() -> None:
    """A Lake column holding JSON text is decoded as every other JSON text (integers exact
    at any size); orjson made 2**70 a float, so an exact-value rule could not match it."""
    from sigmaq.replay.shapes import lake_value

    big = 2**70 + 1  # not a float: 2**70 itself is one
    decoded = lake_value("requestParameters", f'{{"n": {big}, "m": [{big}]}}')
    assert decoded == {"n": big, "m": [big]}
    assert type(decoded["n"]) is int
    assert lake_value("requestParameters", '{"n": 1') == '{"n": 1'  # not JSON: kept as text


def test_cloudtrail_lake_csv_export(tmp_path: Path) -> None:
    text = (
        "eventID,eventName,eventSource,eventTime,errorCode\n"
        "e1,Chat,qbusiness.amazonaws.com,2024-05-01 12:00:00.000,\n"
        'e2,"Chat,Sync",qbusiness.amazonaws.com,2024-05-01 12:01:00.000,AccessDenied\n'
        "e3,too,many,cells,here,extra\n"
    )
    path = write(tmp_path / "result_1.csv.gz", text.encode(), gz=True)
    items, stats = read(path)
    assert [(r["eventName"], ref.position) for r, ref in items] == [("Chat", 0), ("Chat,Sync", 1)]
    assert "errorCode" not in items[0][0]  # empty cell = absent
    assert items[1][0]["errorCode"] == "AccessDenied"
    assert stats.malformed == 1
    assert stats.problems[0].line == 4


def test_digest_and_lake_sign_files_are_skipped(tmp_path: Path) -> None:
    digest = {
        "awsAccountId": "123456789012",
        "digestStartTime": "2024-05-01T11:00:00Z",
        "digestS3Bucket": "bucket",
        "logFiles": [],
    }
    sign = {"hashSignature": "00", "files": [{"fileName": "result_1.csv.gz"}]}
    _, stats = read(write(tmp_path / "digest.json.gz", digest, gz=True))
    assert (stats.skipped_digest, stats.records_read, stats.problems) == (1, 0, [])
    _, stats = read(write(tmp_path / "result_sign.json", sign))
    assert stats.skipped_digest == 1
    assert stats.empty_files == 0


def test_records_without_event_name_are_skipped(tmp_path: Path) -> None:
    records = [record(), {**record(), "eventName": None}, {**record(), "eventName": ""}]
    del records[0]["eventName"]
    _, stats = read(write(tmp_path / "x.json", {"Records": records}))
    assert (stats.skipped_no_event_name, stats.records_read, stats.malformed) == (3, 0, 0)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (gzip.compress(orjson.dumps({"Records": [record()] * 50}))[:60], "truncated gzip"),
        (b"\x1f\x8bnot really gzip", "cannot read"),
        (b'{"Records": [{"eventName": "A"', "invalid JSON"),  # cut in its only record
        (b"\xff\xfe{}", "invalid JSON"),
    ],
    ids=["truncated-gz", "corrupt-gz", "truncated-json", "not-utf8"],
)
def test_unreadable_files_are_reported_and_reading_goes_on(
    tmp_path: Path, content: bytes, message: str
) -> None:
    bad = write(tmp_path / "a_bad.json.gz", content)
    good = write(tmp_path / "b_good.json", {"Records": [record()]})
    stats = ReadStats()
    items = list(iter_records([tmp_path], stats))
    assert len(items) == 1 and items[0][1].source == str(good)
    assert (stats.files, stats.unreadable_files, stats.records_read) == (2, 1, 1)
    assert stats.problems[0].path == str(bad)
    assert message in stats.problems[0].message
    assert stats.failed


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"hello": "world"}, "not a CloudTrail record"),
        ({"expected": [{"event": {}}]}, "not a CloudTrail record"),
        (42, "not a JSON object"),
        ({"Records": "nope"}, "Records is a str"),
        ([record(), "text", None, [1]], "not a JSON object"),
    ],
    ids=["other-json", "ecs-doc", "scalar", "records-not-list", "array-with-junk"],
)
def test_non_cloudtrail_json_is_malformed(tmp_path: Path, data: Any, message: str) -> None:
    _, stats = read(write(tmp_path / "x.json", data))
    assert stats.malformed >= 1
    assert message in stats.problems[0].message
    assert stats.problems[0].path == str(tmp_path / "x.json")
    assert not stats.problems[0].warning


def test_array_with_junk_counts_each_item(tmp_path: Path) -> None:
    _, stats = read(write(tmp_path / "x.json", [record(), "text", None, [1]]))
    assert (stats.records_read, stats.malformed, stats.records_seen) == (1, 3, 4)
    assert [p.message.split(":")[0] for p in stats.problems] == ["record 1", "record 2", "record 3"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty file"),
        (b"  \n", "empty file"),
        (b"[]", "no records"),
        (b'{"Records": []}', "empty Records"),
    ],
    ids=["zero-bytes", "whitespace", "empty-array", "empty-records"],
)
def test_empty_files_are_warnings(tmp_path: Path, content: bytes, message: str) -> None:
    _, stats = read(write(tmp_path / "x.json", content))
    assert stats.empty_files == 1
    assert len(stats.problems) == 1 and stats.problems[0].warning
    assert message in stats.problems[0].message
    assert not stats.failed


def test_wrong_typed_known_fields_do_not_crash(tmp_path: Path) -> None:
    records = [
        record("A", eventTime=1714564800, eventID=12345, userIdentity="root"),
        record("B", eventTime="yesterday", requestParameters=["a"], responseElements="x"),
        {**record(), "eventName": 7},
        {**record(), "eventName": ["ListBuckets"]},
        record("C", eventSource=None, eventTime=None, sourceIPAddress={"ip": "192.0.2.1"}),
    ]
    items, stats = read(write(tmp_path / "x.json", {"Records": records}))
    assert [r["eventName"] for r, _ in items] == ["A", "B", "C"]
    assert all(ref.event_time is None for _, ref in items)
    assert items[0][1].event_id is None
    assert stats.invalid_event_time == 3
    assert stats.malformed == 2
    assert "eventName is a int" in stats.problems[0].message


def test_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    items, _ = read(write(tmp_path / "bom.json", b"\xef\xbb\xbf" + orjson.dumps(record())))
    assert len(items) == 1


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-05-01T12:00:00Z", datetime(2024, 5, 1, 12, tzinfo=UTC)),
        ("2024-05-01T12:00:00.250Z", datetime(2024, 5, 1, 12, 0, 0, 250000, tzinfo=UTC)),
        ("2024-05-01T14:00:00+02:00", datetime(2024, 5, 1, 12, tzinfo=UTC)),
        ("0001-01-01T00:00:00Z", datetime(1, 1, 1, tzinfo=UTC)),
        ("0001-01-01T05:00:00+09:00", None),  # before year 1 in UTC
        ("9999-12-31T23:00:00-05:00", None),  # after year 9999 in UTC
        ("2024-05-01 12:00:00", datetime(2024, 5, 1, 12, tzinfo=UTC)),
        ("20131102T010628Z", datetime(2013, 11, 2, 1, 6, 28, tzinfo=UTC)),
        ("Oct 2, 2019 11:12:29 PM", None),
        ("", None),
        (None, None),
        (1714564800, None),
    ],
)
def test_parse_event_time(value: Any, expected: datetime | None) -> None:
    parsed = parse_event_time(value)
    assert parsed == expected
    if parsed is not None:  # printed and compared as UTC, whatever offset was written
        assert parsed.tzinfo is UTC


@pytest.mark.parametrize(("value", "expected"), [("", None), (7, None), ("x-1", "x-1")])
def test_event_id_that_is_no_identity_is_none(tmp_path: Path, value: Any, expected: Any) -> None:
    # "" would make unrelated events look like redeliveries of one another
    items, _ = read(write(tmp_path / "ids.json", orjson.dumps(record(eventID=value))))
    assert [ref.event_id for _, ref in items] == [expected]


def test_iter_paths_walks_sorted_skips_hidden_and_counts_ignored(tmp_path: Path) -> None:
    region = tmp_path / "AWSLogs" / "123456789012" / "CloudTrail" / "us-east-1" / "2024" / "05"
    for day in ("02", "01"):
        (region / day).mkdir(parents=True)
        write(region / day / f"f{day}.json.gz", {"Records": [record()]}, gz=True)
    (tmp_path / "README.md").write_text("docs")
    (tmp_path / ".hidden").mkdir()
    write(tmp_path / ".hidden" / "x.json", record())
    write(tmp_path / ".dotfile.json", record())
    stats = ReadStats()
    found = list(iter_paths([tmp_path, tmp_path / "missing.json"], stats))
    assert [p.name for p in found] == ["f01.json.gz", "f02.json.gz"]
    assert stats.ignored_files == 1
    # the missing input counts among the files (read_file counts the others), so the
    # summary's "files N (M unreadable)" never has M > N
    assert (stats.files, stats.unreadable_files) == (1, 1)
    assert stats.problems == [
        ReadProblem(str(tmp_path / "missing.json"), None, "no such file or directory")
    ]


@pytest.mark.parametrize("name", ["logs.zip", "b.json.bz2", "c.json.xz", "d.json.zst", "e.tar"])
def test_archives_sigmaq_cannot_read_are_named_not_only_counted(tmp_path: Path, name: str) -> None:
    # An evidence folder handed over as a zip must not read as a clean "no findings".
    (tmp_path / name).write_bytes(b"PK\x03\x04 not read")
    (tmp_path / "notes.txt").write_text("case notes")
    stats = ReadStats()
    assert list(iter_paths([tmp_path], stats)) == []
    assert stats.ignored_files == 2
    (problem,) = stats.problems
    assert problem.path == str(tmp_path / name) and problem.warning
    assert "not read" in problem.message and "extract" in problem.message


def test_explicit_files_are_read_whatever_their_suffix(tmp_path: Path) -> None:
    path = write(tmp_path / "events.txt", record())
    stats = ReadStats()
    assert list(iter_paths([path], stats)) == [path]
    assert stats.ignored_files == 0


CODECS = [
    pytest.param(zlib.decompressobj, id="zlib"),
    pytest.param(isal_zlib.decompressobj, id="isal"),
]


@pytest.mark.parametrize("codec", CODECS)
def test_decompress_same_answers_with_either_codec(codec: Any) -> None:
    assert decompress(b'{"a": 1}', codec) == b'{"a": 1}'
    assert decompress(gzip.compress(b"abc"), codec) == b"abc"
    joined = gzip.compress(b"ab") + b"\x00\x00" + gzip.compress(b"cd")  # NUL padding allowed
    assert decompress(joined, codec) == b"abcd"
    with pytest.raises(EOFError):
        decompress(gzip.compress(b"abc" * 1000)[:20], codec)
    with pytest.raises(ValueError, match="trailing garbage"):
        decompress(gzip.compress(b"ab") + b"junk", codec)
    with pytest.raises(CorruptGzip, match="at byte 0") as raised:
        decompress(b"\x1f\x8b\x08\x00" + b"not deflate data at all", codec)
    assert isinstance(raised.value.__cause__, GZIP_ERRORS) and raised.value.partial == b""


def _corrupt(member: bytes) -> bytes:
    damaged = bytearray(member)
    damaged[20] ^= 0xFF  # inside the first deflate block
    damaged[25] ^= 0xFF
    return bytes(damaged)


@pytest.mark.parametrize(
    ("tail", "detail"),
    [
        (_corrupt(gzip.compress(orjson.dumps({"Records": [record()]}))), "corrupt gzip"),
        (b"junk after the members", "trailing garbage"),
    ],
    ids=["corrupt-second-member", "trailing-garbage"],
)
def test_members_before_a_corrupt_one_are_read(tmp_path: Path, tail: bytes, detail: str) -> None:
    good = gzip.compress(orjson.dumps({"Records": [record(), record()]}))
    path = tmp_path / "joined.json.gz"
    path.write_bytes(good + tail)
    items, stats = read(path)
    assert len(items) == 2
    assert (stats.records_read, stats.truncated_files, stats.unreadable_files) == (2, 1, 0)
    message = stats.problems[0].message
    assert detail in message and f"from byte {len(good):,}" in message
    assert "2 complete records read, the rest lost" in message


def test_a_corrupt_only_member_yields_nothing_it_holds(tmp_path: Path) -> None:
    path = tmp_path / "one.json.gz"
    path.write_bytes(_corrupt(gzip.compress(orjson.dumps({"Records": [record()] * 3}))))
    items, stats = read(path)
    assert items == []
    assert (stats.unreadable_files, stats.truncated_files) == (1, 0)
    assert "cannot read: corrupt gzip stream at byte 0" in stats.problems[0].message


def test_hunt_reads_gzip_with_the_fastest_codec_installed() -> None:
    assert isal_zlib.error in GZIP_ERRORS  # isal is a dependency: the fast path is taken


def test_problem_list_is_capped_but_counts_stay_exact(tmp_path: Path) -> None:
    lines = b"\n".join([orjson.dumps(record()), *(b"{bad" for _ in range(MAX_PROBLEMS + 5))])
    _, stats = read(write(tmp_path / "bad.ndjson", lines))
    assert stats.records_read == 1
    assert stats.malformed == MAX_PROBLEMS + 5
    assert len(stats.problems) == MAX_PROBLEMS
    assert stats.problems_dropped == 5


def test_merge_adds_counters_and_problems() -> None:
    first, second = ReadStats(files=1, records_read=3), ReadStats(files=2, malformed=1)
    second.add_problem("f.json", 2, "invalid JSON")
    first.merge(second)
    assert (first.files, first.records_read, first.malformed) == (3, 3, 1)
    assert first.problems == [ReadProblem("f.json", 2, "invalid JSON")]
    assert str(first.problems[0]) == "f.json:2: invalid JSON"


@pytest.mark.slow
def test_a_100_mb_delivery_file_is_read_whole(tmp_path: Path) -> None:
    padding = "x" * 1000  # ~1.2 KB per record, like real CloudTrail records
    records = [record(f"E{i}", requestParameters={"pad": padding}) for i in range(85_000)]
    path = write(tmp_path / "big.json", {"Records": records})
    del records
    assert path.stat().st_size > 100_000_000
    stats = ReadStats()
    count = sum(1 for _ in read_file(path, stats))
    assert count == stats.records_read == 85_000
    assert (stats.malformed, stats.unreadable_files) == (0, 0)


def test_linked_folders_are_read_once_and_loops_end(tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    (archive / "2024" / "05").mkdir(parents=True)
    write(archive / "2024" / "05" / "a.json", {"Records": [record("A")]})
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    write(elsewhere / "b.json", {"Records": [record("B")]})
    (archive / "linked").symlink_to(elsewhere, target_is_directory=True)
    (archive / "2024" / "loop").symlink_to(archive, target_is_directory=True)
    stats = ReadStats()
    names = sorted(path.name for path in iter_paths([archive], stats))
    assert names == ["a.json", "b.json"]
    assert [problem.message for problem in stats.problems] == ["already read (same file or folder)"]


def test_concatenated_gzip_members_of_whole_documents_are_each_read(tmp_path: Path) -> None:
    # ``cat a.json.gz b.json.gz > all.json.gz``: two deliveries in one file
    first = gzip.compress(orjson.dumps({"Records": [record("A"), record("B")]}))
    second = gzip.compress(orjson.dumps({"Records": [record("C")]}))
    third = gzip.compress(b'\n[{"eventName": "D", "eventTime": "2024-05-01T12:00:00Z"}]\n')
    items, stats = read(write(tmp_path / "all.json.gz", first + second + third))
    assert [(event["eventName"], ref.position) for event, ref in items] == [
        ("A", 0),
        ("B", 1),
        ("C", 2),
        ("D", 3),
    ]
    assert (stats.unreadable_files, stats.problems) == (0, [])


@pytest.mark.parametrize(
    "data",
    [
        b'{"Records": []} 42',  # a scalar after a document
        b'{"Records": [] } garbage',
    ],
)
def test_documents_followed_by_anything_else_are_invalid_json(tmp_path: Path, data: bytes) -> None:
    items, stats = read(write(tmp_path / "bad.json", data))
    assert items == []
    assert stats.unreadable_files == 1
    assert stats.problems[0].message.startswith("invalid JSON")


def test_paths_named_twice_are_read_once(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir()
    write(real / "r.json", {"Records": [record("A")]})
    (tmp_path / "link").symlink_to(real, target_is_directory=True)
    (tmp_path / "dangling.json").symlink_to(tmp_path / "gone.json")
    stats = ReadStats()
    named = [real, tmp_path / "link", real / "r.json", tmp_path / "dangling.json"] * 2
    assert [path.name for path in iter_paths(named, stats)] == ["r.json"]
    assert stats.unreadable_files == 1  # the dangling link, once
    assert sum(problem.warning for problem in stats.problems) == 6


def test_a_folder_that_cannot_be_listed_is_unreadable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    write(locked / "hidden.json", {"Records": [record("B")]})
    write(tmp_path / "ok.json", {"Records": [record("A")]})
    real_scandir = os.scandir

    def scandir(path: Any = ".") -> Any:  # what chmod 000 does to a non-root user
        if Path(path) == locked:
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    stats = ReadStats()
    assert [path.name for path in iter_paths([tmp_path], stats)] == ["ok.json"]
    assert (stats.files, stats.unreadable_files) == (1, 1)  # the folder, as unreadable
    assert stats.problems[0].path == str(locked)
    assert "cannot list folder" in stats.problems[0].message


def test_deeply_nested_text_is_invalid_json_not_a_crash(tmp_path: Path) -> None:
    data = orjson.dumps({"Records": [record("A")]}) + b"[" * 5000 + b"]" * 5000
    items, stats = read(write(tmp_path / "deep.json", data))
    assert (items, stats.unreadable_files) == ([], 1)


@pytest.mark.parametrize(
    "layout",
    [
        b"D2\nD3D4",  # some documents end with a newline, some do not
        b"D2D3\nD4",
        b"D2\nD3\nD4",  # one per line: NDJSON of deliveries, same records
    ],
)
def test_documents_with_some_newlines_are_not_taken_for_ndjson(
    tmp_path: Path, layout: bytes
) -> None:
    deliveries = {
        f"D{n}".encode(): orjson.dumps({"Records": [record(f"E{n}{i}") for i in range(n)]})
        for n in (2, 3, 4)
    }
    data = layout
    for key, value in deliveries.items():
        data = data.replace(key, value)
    items, stats = read(write(tmp_path / "cat.json", data))
    assert len(items) == 9
    assert (stats.malformed, stats.unreadable_files) == (0, 0)


# Texts one value of one record may hold that the list decoder refuses to split past:
# JSON forbids them (RFC 8259 section 7: control characters must be escaped; msgspec
# refuses unpaired surrogate escapes), so that record is malformed, the others read.
BAD_VALUES = {
    "raw control character": b'"al\x01ce"',
    "raw tab": b'"al\tce"',
    "raw NUL": b'"al\x00ce"',
    "lone high surrogate escape": b'"al\\ud800ce"',
    "lone low surrogate escape": b'"\\udc00"',
    "invalid escape": b'"al\\xce"',
    "NaN literal": b"NaN",
    "number with a leading zero": b"012",
    "nested 5000 deep": b"[" * 5000 + b"]" * 5000,
}


@pytest.mark.parametrize("shape", ["delivery", "array", "delivery-gzip", "envelope-keys-around"])
@pytest.mark.parametrize("bad", sorted(BAD_VALUES))
def test_a_record_the_list_decoder_refuses_is_malformed_and_the_rest_read(
    tmp_path: Path, bad: str, shape: str
) -> None:
    texts = [orjson.dumps(record(f"E{n}")) for n in range(3)]
    texts[1] = texts[1][:-1] + b',"zzz":' + BAD_VALUES[bad] + b"}"
    body = b",".join(texts)
    if shape == "array":
        data = b"[" + body + b"]"
    elif shape == "envelope-keys-around":
        data = b'{"a":{"b":[1,"]"]},"Records":[' + body + b'],"c":null}'
    else:
        data = b'{"Records":[' + body + b"]}"
    path = write(tmp_path / "a.json", data, gz=shape.endswith("gzip"))
    items, stats = read(path)
    assert [(r["eventName"], ref.position) for r, ref in items] == [("E0", 0), ("E2", 2)]
    assert (stats.records_read, stats.malformed, stats.unreadable_files) == (2, 1, 0)
    assert [p.message.split(":")[0] for p in stats.problems] == ["record 1"]


@pytest.mark.parametrize(
    "data",
    [
        b'{"Records":[RECORD],"x":"\x01"}',  # the envelope itself is invalid
        b'{"eventName":"A","Records":[RECORD,{"y":"\x01"}]}',  # a record, not an envelope
        b'[RECORD,{"y":"\x01"},]',  # a trailing comma
        b'[RECORD {"y":"\x01"}]',  # no comma between items
        b'{"Records":[RECORD,{"y":"\x01"}]} 42',  # more after the document
    ],
)
def test_a_document_invalid_outside_its_records_stays_unreadable(
    tmp_path: Path, data: bytes
) -> None:
    text = data.replace(b"RECORD", orjson.dumps(record()))
    items, stats = read(write(tmp_path / "a.json", text))
    assert (items, stats.unreadable_files, stats.malformed) == ([], 1, 0)


@pytest.mark.parametrize(
    "layout",
    [
        b"R1\nA\nR2\n",  # NDJSON with an array of records on one line
        b"E\nA\n",  # cat delivery.json array.json: each document on its own line
        b"A\nE\n",
    ],
    ids=["ndjson-with-an-array-line", "delivery-then-array", "array-then-delivery"],
)
def test_an_array_of_records_on_one_line_is_read_like_an_envelope(
    tmp_path: Path, layout: bytes
) -> None:
    parts = {
        b"R1": orjson.dumps(record("R1")),
        b"R2": orjson.dumps(record("R2")),
        b"A": orjson.dumps([record("A1"), record("A2"), "junk"]),
        b"E": orjson.dumps({"Records": [record("E1")]}),
    }
    data = b"\n".join(parts.get(key, key) for key in layout.split(b"\n"))
    items, stats = read(write(tmp_path / "x.json", data))
    names = [r["eventName"] for r, _ in items]
    expected = [
        n
        for key in layout.split()
        for n in {b"R1": ["R1"], b"R2": ["R2"], b"A": ["A1", "A2"], b"E": ["E1"]}[key]
    ]
    assert names == expected
    assert (stats.records_read, stats.malformed, stats.unreadable_files) == (len(expected), 1, 0)
    assert [p.message for p in stats.problems] == ["not a JSON object (a str)"]


# Values Python's json accepts and msgspec (every other reader path) refuses.
STDLIB_ONLY = {
    "lone surrogate escape": b'"al\\ud800ce"',
    "NaN": b"NaN",
    "-Infinity": b"-Infinity",
    "1e400": b"1e400",
}


def with_bad_value(name: str, bad: bytes) -> bytes:
    return orjson.dumps(record(name))[:-1] + b',"zzz":' + bad + b"}"


@pytest.mark.parametrize("bad", sorted(STDLIB_ONLY))
def test_documents_back_to_back_are_each_decoded_as_a_whole_file_would_be(
    tmp_path: Path, bad: str
) -> None:
    text = (
        b'{"Records":['
        + orjson.dumps(record("A"))
        + b","
        + with_bad_value("B", STDLIB_ONLY[bad])
        + b"]}"
        + orjson.dumps({"Records": [record("C")]})
    )
    items, stats = read(write(tmp_path / "cat.json", text))
    assert [(r["eventName"], ref.position) for r, ref in items] == [("A", 0), ("C", 2)]
    assert (stats.records_read, stats.malformed, stats.unreadable_files) == (2, 1, 0)
    assert [p.message.split(":")[0] for p in stats.problems] == ["record 1"]


@pytest.mark.parametrize("bad", sorted(STDLIB_ONLY))
def test_an_ndjson_line_only_python_json_accepts_is_a_bad_line(tmp_path: Path, bad: str) -> None:
    text = b"\n".join(
        [
            orjson.dumps(record("A")),
            with_bad_value("B", STDLIB_ONLY[bad]),
            orjson.dumps(record("C")),
        ]
    )
    items, stats = read(write(tmp_path / "x.ndjson", text))
    assert [(r["eventName"], ref.position) for r, ref in items] == [("A", 1), ("C", 3)]
    assert (stats.records_read, stats.malformed, stats.unreadable_files) == (2, 1, 0)
    assert [p.line for p in stats.problems] == [2]


def test_a_file_removed_while_its_folder_is_read_is_named_as_such(tmp_path: Path) -> None:
    for name in ("a.json", "b.json", "c.json"):
        write(tmp_path / name, {"Records": [record(name)]})
    (tmp_path / "d.json").symlink_to(tmp_path / "gone.json")
    stats = ReadStats()
    paths = iter_paths([tmp_path], stats)
    assert next(paths).name == "a.json"
    (tmp_path / "b.json").unlink()  # after the folder was listed
    assert [path.name for path in paths] == ["c.json"]
    assert (stats.files, stats.unreadable_files) == (2, 2)
    assert [(Path(p.path).name, p.message) for p in stats.problems] == [
        ("b.json", "no such file (removed after its folder was listed)"),
        ("d.json", "dangling symbolic link"),
    ]
