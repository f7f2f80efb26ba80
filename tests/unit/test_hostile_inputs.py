"""Logs built to hurt the reader, and workers that die (issue 17): each class of bad
input is built here, read without a crash, counted so that read + skipped + malformed
add up, and reported with its path."""

from __future__ import annotations

import gzip
import os
import signal
import tracemalloc
import zlib
from pathlib import Path
from typing import Any

import orjson
import pytest

from sigmaq.core.loader import LoadedRule, load_rules
from sigmaq.hunt import runner
from sigmaq.hunt.runner import HuntOptions, HuntResult, hunt
from sigmaq.replay.limits import ReadLimits, bounded_gunzip
from sigmaq.replay.readers import ReadStats, read_file

RULES = """\
title: Q Business application deleted
id: 0b6f4c55-8d1e-4d55-9f5e-0000000000a1
status: test
logsource: {product: aws, service: cloudtrail}
detection:
  sel: {eventSource: qbusiness.amazonaws.com, eventName: DeleteApplication}
  condition: sel
level: high
---
title: Long agent
id: 0b6f4c55-8d1e-4d55-9f5e-0000000000a2
status: test
logsource: {product: aws, service: cloudtrail}
detection:
  sel:
    eventName: ListApplications
    userAgent|re: '(a+)+$'
  condition: sel
level: low
"""


def record(name: str = "DeleteApplication", n: int = 1, **extra: Any) -> dict[str, Any]:
    return {
        "eventVersion": "1.08",
        "eventTime": "2024-05-01T12:00:00Z",
        "eventSource": "qbusiness.amazonaws.com",
        "eventName": name,
        "eventID": f"evt-{n}",
        "sourceIPAddress": "198.51.100.7",
        "userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::123456789012:user/alice"},
        **extra,
    }


@pytest.fixture
def rules(tmp_path: Path) -> list[LoadedRule]:
    path = tmp_path / "rules.yml"
    path.write_text(RULES)
    loaded = load_rules([path])
    assert loaded.errors == []
    return loaded.rules


def run(paths: list[Path], rules: list[LoadedRule], **options: Any) -> HuntResult:
    result = hunt(paths, [r.rule for r in rules], HuntOptions(**options))
    stats = result.stats
    assert stats.records_seen == stats.records_read + stats.skipped + stats.malformed
    return result


def read(path: Path, limits: ReadLimits | None = None) -> tuple[list[Any], ReadStats]:
    stats = ReadStats()
    items = list(read_file(path, stats, limits or ReadLimits()))
    assert stats.records_seen == stats.records_read + stats.skipped + stats.malformed
    return items, stats


def delivery(path: Path, raw: bytes) -> Path:
    path.write_bytes(gzip.compress(b'{"Records":[' + raw + b"]}"))
    return path


def dumps(*records: dict[str, Any]) -> bytes:
    return b",".join(orjson.dumps(r) for r in records)


# --- decompression bombs --------------------------------------------------------------


def bomb(path: Path, members: int = 160) -> Path:
    """About 10 MB of gzip expanding to about 10 GiB: one 64 MiB member, repeated."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    member = compressor.compress(b'{"Records":[' + b" " * (64 << 20)) + compressor.flush()
    path.write_bytes(member * members)
    return path


def test_a_gzip_bomb_is_refused_with_its_path_without_expanding(
    rules: list[LoadedRule], tmp_path: Path
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    bad = bomb(data / "bomb.json.gz")
    assert bad.stat().st_size > 9_000_000
    good = delivery(data / "good.json.gz", dumps(record()))
    tracemalloc.start()
    result = run([data], rules)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    # refused after ratio_floor (32 MiB) expanded bytes, not 10 GiB
    assert peak < 200 << 20
    assert result.stats.unreadable_files == 1
    problems = [str(p) for p in result.stats.problems]
    assert any(str(bad) in p and "decompression bomb" in p for p in problems), problems
    assert [f.finding.events[0].source for f in result.findings] == [str(good)]


def test_the_expanded_size_ceiling_holds_whatever_the_ratio(tmp_path: Path) -> None:
    path = delivery(tmp_path / "big.json.gz", dumps(*(record(n=i) for i in range(2000))))
    _, stats = read(path, ReadLimits(max_expanded_bytes=100_000, max_ratio=10**6))
    assert stats.unreadable_files == 1
    assert "100,000-byte limit" in stats.problems[0].message
    plain = tmp_path / "big.json"
    plain.write_bytes(b'{"Records":[' + dumps(*(record(n=i) for i in range(2000))) + b"]}")
    _, stats = read(plain, ReadLimits(max_expanded_bytes=100_000))
    assert stats.unreadable_files == 1


def test_bounded_gunzip_reads_members_and_padding_exactly() -> None:
    first, second = gzip.compress(b"a" * 5000), gzip.compress(b"b")
    assert bounded_gunzip(first + b"\x00\x00" + second) == b"a" * 5000 + b"b"
    with pytest.raises(EOFError):
        bounded_gunzip(first[:-5])


# --- nesting, size, encoding, duplicates, numbers ---------------------------------------


def nested(depth: int) -> dict[str, Any]:
    value: Any = "x"
    for _ in range(depth):
        value = {"k": [value]}
    return value  # type: ignore[no-any-return]


def test_records_nested_past_the_limit_are_malformed_and_the_rest_is_read(
    rules: list[LoadedRule], tmp_path: Path
) -> None:
    deep = record(n=2, requestParameters=nested(60))  # 120 levels of objects and arrays
    path = delivery(tmp_path / "deep.json.gz", dumps(record(n=1), deep))
    items, stats = read(path)
    assert (stats.records_read, stats.malformed) == (1, 1)
    assert "record 1: nested deeper than 100 levels" in stats.problems[0].message
    assert [r["eventID"] for r, _ in items] == ["evt-1"]
    result = run([path], rules)  # the deep record is a candidate: checked, not evaluated
    assert (result.stats.records_read, result.stats.malformed) == (1, 1)
    assert [f.finding.events[0].event_id for f in result.findings] == ["evt-1"]


def test_json_nested_thousands_deep_is_reported_not_a_crash(
    rules: list[LoadedRule], tmp_path: Path
) -> None:
    path = tmp_path / "abyss.json"
    path.write_bytes(b'{"Records":[' + b"[" * 100_000 + b"]" * 100_000 + b"]}")
    lines = tmp_path / "abyss.ndjson"
    lines.write_bytes(orjson.dumps(record()) + b"\n" + b"[" * 50_000 + b"]" * 50_000 + b"\n")
    result = run([path, lines], rules)
    # the abyss is the only record of its file's record list: that record is malformed
    assert result.stats.unreadable_files == 0
    assert result.stats.malformed == 2
    assert result.stats.records_read == 1
    assert {p.message for p in result.stats.problems} == {
        "record 0: nested deeper than 100 levels",
        "invalid JSON: nested deeper than 100 levels",
    }


def test_records_over_the_cloudtrail_size_limit_are_counted_and_still_evaluated(
    rules: list[LoadedRule], tmp_path: Path
) -> None:
    big = record(n=2, userAgent="u" * 300_000)
    path = delivery(tmp_path / "big.json.gz", dumps(record(n=1), big))
    _items, stats = read(path)
    assert (stats.records_read, stats.oversized_records) == (2, 1)
    assert any("over CloudTrail's 262,144-byte event limit" in p.message for p in stats.problems)
    result = run([path], rules)
    assert result.stats.oversized_records == 1
    assert sorted(f.finding.events[0].event_id or "" for f in result.findings) == [
        "evt-1",
        "evt-2",
    ]
    assert not result.stats.failed  # a warning: nothing was lost


def test_invalid_utf8_and_nul_bytes_do_not_crash(rules: list[LoadedRule], tmp_path: Path) -> None:
    escaped_nul = tmp_path / "nul.json"
    escaped_nul.write_bytes(b'{"Records":[' + dumps(record(userAgent="a\x00b")) + b"]}")
    items, stats = read(escaped_nul)
    assert items[0][0]["userAgent"] == "a\x00b"  # \u0000 in JSON text is a valid string
    bad_bytes = tmp_path / "latin1.json"
    bad_bytes.write_bytes(b'{"Records":[' + dumps(record()).replace(b"alice", b"al\xffce") + b"]}")
    raw_nul = tmp_path / "rawnul.json"
    raw_nul.write_bytes(b'{"Records":[' + dumps(record()).replace(b"alice", b"al\x00ce") + b"]}")
    lines = tmp_path / "mixed.ndjson"
    lines.write_bytes(
        orjson.dumps(record(n=1)) + b"\n" + dumps(record(n=2)).replace(b"alice", b"\xff") + b"\n"
    )
    _, stats = read(bad_bytes)  # the record is malformed, not the whole file
    assert (stats.records_read, stats.malformed, stats.unreadable_files) == (0, 1, 0)
    _, stats = read(raw_nul)  # a raw control character: that record is malformed too
    assert (stats.records_read, stats.malformed, stats.unreadable_files) == (0, 1, 0)
    result = run([escaped_nul, bad_bytes, raw_nul, lines], rules)
    stats = result.stats
    assert stats.unreadable_files == 0
    # the bad records (candidates, decoded in full), the raw NUL one, the line
    assert stats.malformed == 3
    assert stats.records_read == 2
    problems = {p.path for p in stats.problems}
    assert {str(bad_bytes), str(raw_nul), str(lines)} <= problems


def test_duplicate_keys_last_wins_in_both_paths(rules: list[LoadedRule], tmp_path: Path) -> None:
    text = orjson.dumps(record()).replace(
        b'"eventName":"DeleteApplication"',
        b'"eventName":"ListApplications","eventName":"DeleteApplication"',
    )
    path = tmp_path / "dup.json"
    path.write_bytes(b'{"Records":[' + text + b"]}")
    items, _ = read(path)
    assert items[0][0]["eventName"] == "DeleteApplication"
    result = run([path], rules)
    assert [f.finding.rule_title for f in result.findings] == ["Q Business application deleted"]


def test_numbers_beyond_64_bits_stay_exact(tmp_path: Path) -> None:
    path = tmp_path / "big.json"
    number = 123456789012345678901234567890
    path.write_bytes(b'{"Records":[' + dumps(record(requestParameters={"n": 0}))[:-1])
    path.write_bytes(path.read_bytes().replace(b'"n":0', f'"n":{number}'.encode()) + b"}]}")
    items, _stats = read(path)
    assert items[0][0]["requestParameters"]["n"] == number
    assert type(items[0][0]["requestParameters"]["n"]) is int


def test_a_catastrophic_regex_on_a_long_value_cannot_stall_a_hunt(
    rules: list[LoadedRule], tmp_path: Path
) -> None:
    path = delivery(
        tmp_path / "long.json.gz", dumps(record("ListApplications", userAgent="a" * 100_000 + "b"))
    )

    def expired(_signum: int, _frame: object) -> None:
        raise TimeoutError("the hunt stalled on a regex")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(30)
    try:
        result = run([path], rules)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    assert result.stats.records_read == 1
    assert result.findings == []


# --- workers that die -----------------------------------------------------------------


@pytest.mark.parametrize("how", ["sigkill", "segfault", "memoryerror"])
def test_a_worker_that_dies_is_reported_and_the_rest_is_read(
    how: str, rules: list[LoadedRule], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    for name in ("a", "b", "poison", "d", "e"):
        delivery(data / f"{name}.json.gz", dumps(record(n=ord(name[0]))))
    parent = os.getpid()
    original = runner._hunt_file

    def dying(engine: Any, path: Path, *args: Any) -> tuple[int, int]:
        if "poison" in path.name and os.getpid() != parent:
            if how == "sigkill":
                os.kill(os.getpid(), signal.SIGKILL)
            elif how == "segfault":
                import ctypes

                ctypes.string_at(0)
            else:
                raise MemoryError
        return original(engine, path, *args)

    monkeypatch.setattr(runner, "_hunt_file", dying)
    result = run([data], rules, jobs=2)
    stats = result.stats
    assert stats.unreadable_files == 1
    assert stats.failed
    assert stats.files == 5
    assert stats.records_read == 4
    [problem] = [p for p in stats.problems if not p.warning]
    assert problem.path == str(data / "poison.json.gz")
    expected = {"sigkill": "SIGKILL", "segfault": "SIGSEGV", "memoryerror": "MemoryError"}[how]
    assert expected in problem.message
    assert sorted(f.finding.events[0].event_id or "" for f in result.findings) == sorted(
        f"evt-{ord(c)}" for c in "abde"
    )


def test_a_deep_record_no_rule_looks_at_is_counted_read_by_the_hunt(
    rules: list[LoadedRule], tmp_path: Path
) -> None:
    # documented in replay/fastpath.py: nesting is checked when a record is decoded in
    # full; the hunt decodes in full only records some rule may match
    deep = record("GetObject", n=2, eventSource="s3.amazonaws.com", extra=nested(60))
    path = delivery(tmp_path / "deep.json.gz", dumps(record(n=1), deep))
    _, stats = read(path)
    assert (stats.records_read, stats.malformed) == (1, 1)
    result = run([path], rules)
    assert (result.stats.records_read, result.stats.malformed) == (2, 0)
    assert [f.finding.events[0].event_id for f in result.findings] == ["evt-1"]
