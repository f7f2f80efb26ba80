"""The fast path (``replay.fastpath``: heads first, records decoded in full only for
candidate rules) gives exactly the findings and counters of the full path
(``read_file`` + ``ReplayEngine.feed`` on every record), over every corpus the tests
use: the pack's fixtures, the baseline and the external data."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from sigmaq.core.loader import load_rules
from sigmaq.core.model import EventRef, Finding, WindowMode
from sigmaq.hunt.output import finding_to_dict
from sigmaq.hunt.rules import replayable_rules
from sigmaq.hunt.runner import HuntOptions, HuntResult, default_engine_factory, hunt

REPO = Path(__file__).resolve().parents[2]
EXTERNAL = REPO.parent / "shared" / "data" / "external"


class FullPathEngine:
    """A ``ReplayEngine`` behind another type: hunt then feeds every record in full."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.slots = inner.slots  # the rules' fields: the same request parameters shown

    def feed(self, event: Mapping[str, Any], ref: EventRef) -> list[Finding]:
        found: list[Finding] = self.inner.feed(event, ref)
        return found

    def finish(self) -> list[Finding]:
        found: list[Finding] = self.inner.finish()
        return found


def full_path_factory(
    rules: Sequence[Any], window: WindowMode, reports: Callable[[str], bool]
) -> FullPathEngine:
    return FullPathEngine(default_engine_factory(rules, window, reports))


@pytest.fixture(scope="module")
def pack_rules() -> list[Any]:
    loaded = load_rules([REPO / "rules"])
    runnable, refused = replayable_rules([r.rule for r in loaded.rules])
    assert refused == []
    return runnable


def counters(result: HuntResult) -> dict[str, Any]:
    stats = result.stats
    return {
        name: getattr(stats, name)
        for name in (
            "files",
            "unreadable_files",
            "empty_files",
            "records_read",
            "skipped_digest",
            "skipped_no_event_name",
            "malformed",
            "invalid_event_time",
            "oversized_records",
        )
    } | {"evaluated": result.events_evaluated, "filtered": result.filtered_out}


CORPORA = {
    "fixtures": [REPO / "fixtures"],
    "invictus": [EXTERNAL / "invictus-ir-aws_dataset" / "CloudTrail"],
    "stratus": [EXTERNAL / "stratus-red-team" / "detonation-logs"],
    "traildiscover": [EXTERNAL / "traildiscover" / "logExamples"],
    "elastic": [EXTERNAL / "elastic-integrations-aws-cloudtrail" / "pipeline-tests"],
    "panther": [EXTERNAL / "panther-analysis" / "cloudtrail_test_events.ndjson"],
}


@pytest.mark.parametrize("name", sorted(CORPORA))
def test_fast_path_equals_full_decode(name: str, pack_rules: list[Any]) -> None:
    paths = CORPORA[name]
    if not all(path.exists() for path in paths):
        pytest.skip(f"{paths[0]} not found (shared external data absent)")
    fast = hunt(paths, pack_rules, HuntOptions())
    full = hunt(paths, pack_rules, HuntOptions(), engine_factory=full_path_factory)
    assert counters(fast) == counters(full)
    assert [finding_to_dict(f) for f in fast.findings] == [
        finding_to_dict(f) for f in full.findings
    ]
    if name in ("fixtures", "invictus"):
        assert fast.findings  # the comparison is not vacuous


def test_fast_path_equals_full_decode_with_a_time_range(pack_rules: list[Any]) -> None:
    from datetime import UTC, datetime

    options = HuntOptions(since=datetime(2026, 11, 10, tzinfo=UTC))
    fast = hunt([REPO / "fixtures"], pack_rules, options)
    full = hunt([REPO / "fixtures"], pack_rules, options, engine_factory=full_path_factory)
    assert counters(fast) == counters(full)
    assert fast.filtered_out > 0
    assert [finding_to_dict(f) for f in fast.findings] == [
        finding_to_dict(f) for f in full.findings
    ]


def odd_records() -> list[dict[str, Any]]:
    """Records the head struct cannot type, or types only partly: each must take the
    full path or be dispatched exactly as ``RuleIndex.candidates`` would."""
    base = {
        "eventVersion": "1.08",
        "eventTime": "2026-11-03T09:14:05Z",
        "eventSource": "signin.amazonaws.com",
        "eventName": "ConsoleLogin",
        "eventID": "e-0",
        "awsRegion": "us-east-1",
        "sourceIPAddress": "203.0.113.9",
        "userIdentity": {"type": "Root", "accessKeyId": "AKIAIOSFODNN7EXAMPLE"},
        "responseElements": {"ConsoleLogin": "Success"},
    }
    variants: list[dict[str, Any]] = [
        {},
        {"userIdentity": {"accessKeyId": "AKIAIOSFODNN7EXAMPLE"}, "userIdentity.type": "Root"},
        {"userIdentity": {"type": "IAMUser"}, "userIdentity.type": None},
        {"userIdentity": [{"type": "Root"}]},
        {"userIdentity": "Root"},
        {"userIdentity": {"type": ["Root"]}},
        {"userIdentity": {"type": 7}},
        {"eventSource": ["signin.amazonaws.com"]},
        {"eventSource": None},
        {"eventName": 5},
        {"eventName": ""},
        {"readOnly": "false", "userAgent": "exec-env/AmazonQ-For-CLI"},
        {"readOnly": False, "userAgent": "exec-env/AmazonQ-For-CLI", "errorCode": "success"},
        {"errorCode": "AccessDenied", "userAgent": "AmazonQ-For-VSCode"},
        {"errorCode": ["AccessDenied"], "userAgent": "AmazonQ-For-VSCode"},
        {"eventTime": "not a time"},
        {"eventTime": 1700000000},
        {"eventTime": None},
    ]
    records = []
    for number, change in enumerate(variants):
        record = {**base, **change, "eventID": f"e-{number}"}
        records.append(record)
    no_time = dict(base, eventID="e-no-time")
    del no_time["eventTime"]
    records.append(no_time)
    records.append({"eventName": "DeleteApplication", "eventSource": "qbusiness.amazonaws.com"})
    records.append({"digestStartTime": "2026-11-03T00:00:00Z", "digestS3Bucket": "b"})
    records.append(["not", "a", "record"])
    return records


@pytest.mark.parametrize("shape", ["delivery", "array", "one_per_file"])
def test_odd_records_are_dispatched_exactly(
    shape: str, pack_rules: list[Any], tmp_path: Path
) -> None:
    import orjson

    records = odd_records()
    if shape == "delivery":
        (tmp_path / "a.json").write_bytes(orjson.dumps({"Records": records}))
    elif shape == "array":
        (tmp_path / "a.json").write_bytes(orjson.dumps(records))
    else:
        for number, record in enumerate(records):
            (tmp_path / f"{number:02d}.json").write_bytes(orjson.dumps({"Records": [record]}))
    fast = hunt([tmp_path], pack_rules, HuntOptions())
    full = hunt([tmp_path], pack_rules, HuntOptions(), engine_factory=full_path_factory)
    assert counters(fast) == counters(full)
    found = [finding_to_dict(f) for f in fast.findings]
    assert found == [finding_to_dict(f) for f in full.findings]
    # the root access-key rule is guarded by userIdentity.type: a flat key admits it too
    ids = {e for f in found for e in f["event_ids"]}
    assert {"e-0", "e-1"} <= ids


# --- records that only decoding in full shows malformed ---------------------------------

BASE_TEXT = (
    b'{"eventVersion":"1.08","eventSource":"signin.amazonaws.com","eventName":"ConsoleLogin",'
    b'"awsRegion":"us-east-1","sourceIPAddress":"203.0.113.9",'
    b'"userIdentity":{"type":"Root","accessKeyId":"AKIAIOSFODNN7EXAMPLE"},'
    b'"responseElements":{"ConsoleLogin":"Success"}'
)
# JSON texts of one more key each, in a part of the record no rule reads: the head
# decoder skips them unchecked, decoding in full refuses them
UNREAD_BAD_PARTS = {
    "invalid UTF-8": b'"zzz":"al\xffce"',
    "nested past the limit": b'"zzz":' + b"[" * 101 + b"]" * 101,
}


def raw_record(number: int, event_time: bytes, *more: bytes) -> bytes:
    """The JSON text of a record some pack rules are candidates for (Root, signin),
    with eventID ``e-<number>``, ``event_time`` as the eventTime JSON text, and the
    JSON texts ``more`` of further keys appended."""
    parts = [BASE_TEXT, b'"eventID":"e-%d"' % number, b'"eventTime":' + event_time, *more]
    return b",".join(parts) + b"}"


def write_list(path: Path, items: list[bytes], shape: str) -> None:
    body = b",".join(items)
    path.write_bytes(b'{"Records":[' + body + b"]}" if shape == "delivery" else b"[" + body + b"]")


def assert_same_hunt(paths: list[Path], rules: list[Any], options: HuntOptions) -> HuntResult:
    fast = hunt(paths, rules, options)
    full = hunt(paths, rules, options, engine_factory=full_path_factory)
    assert counters(fast) == counters(full)
    assert [finding_to_dict(f) for f in fast.findings] == [
        finding_to_dict(f) for f in full.findings
    ]
    return fast


@pytest.mark.parametrize("bad", sorted(UNREAD_BAD_PARTS))
@pytest.mark.parametrize("event_time", [b'"2026-11-03T09:14:05Z"', b'"not a time"', b"17"])
@pytest.mark.parametrize("shape", ["delivery", "array", "item_by_item"])
def test_a_candidate_malformed_in_full_is_neither_evaluated_nor_timed(
    bad: str, event_time: bytes, shape: str, pack_rules: list[Any], tmp_path: Path
) -> None:
    items = [
        raw_record(1, b'"2026-11-03T09:14:05Z"'),
        raw_record(2, event_time, UNREAD_BAD_PARTS[bad]),
        raw_record(3, event_time),
    ]
    if shape == "item_by_item":  # an item the head cannot type: the batch is fed one by one
        items.append(raw_record(4, b'"2026-11-03T09:14:05Z"', b'"userIdentity.type":"Root"'))
    write_list(tmp_path / "a.json", items, "array" if shape == "array" else "delivery")
    result = assert_same_hunt([tmp_path / "a.json"], pack_rules, HuntOptions())
    assert result.stats.malformed == 1
    assert result.events_evaluated == result.stats.records_read == len(items) - 1
    ids = {e for f in result.findings for e in finding_to_dict(f)["event_ids"]}
    assert "e-1" in ids and "e-2" not in ids


@pytest.mark.parametrize(
    "bad", [b'"zzz":"a\x01b"', b'"zzz":"\\ud800"', b'"eventName":"Console\\udc00Login"']
)
@pytest.mark.parametrize("shape", ["delivery", "array"])
def test_a_record_the_list_decoder_refuses_costs_only_itself(
    bad: bytes, shape: str, pack_rules: list[Any], tmp_path: Path
) -> None:
    when = b'"2026-11-03T09:14:05Z"'
    items = [raw_record(1, when), raw_record(2, when, bad), raw_record(3, when)]
    write_list(tmp_path / "a.json", items, shape)
    result = assert_same_hunt([tmp_path / "a.json"], pack_rules, HuntOptions())
    assert (result.stats.records_read, result.stats.malformed) == (2, 1)
    assert result.stats.unreadable_files == 0
    ids = {e for f in result.findings for e in finding_to_dict(f)["event_ids"]}
    assert {"e-1", "e-3"} <= ids and "e-2" not in ids


def escaped(text: str) -> bytes:
    """``text`` as a JSON string with every character \\u-escaped."""
    return b'"' + b"".join(b"\\u%04x" % ord(c) for c in text) + b'"'


def hostile_texts() -> dict[str, bytes]:
    """Record texts odd at the byte level (what a dict cannot hold): duplicate keys at
    the top level and inside userIdentity (the last wins, in both paths), flat dotted
    keys beside nested ones, \\u-escaped keys and values, values of every JSON type
    where dispatch reads strings, and odd eventTimes."""
    when = b'"2026-11-03T09:14:05Z"'
    ui = b'"userIdentity":{"type":"IAMUser","accessKeyId":"AKIAIOSFODNN7EXAMPLE"'
    texts = {
        "name twice, the last a rule's": b'"eventName":"ListBuckets","eventName":"ConsoleLogin"',
        "name twice, the last no rule's": b'"eventName":"ListBuckets"',
        "source twice, the last null": b'"eventSource":null',
        "source twice, the last a number": b'"eventSource":7',
        "userIdentity twice, the last a string": b'"userIdentity":"Root"',
        "userIdentity twice, the last not Root": ui + b"}",
        "type twice inside userIdentity, Root last": ui + b',"type":"Root"}',
        "type twice inside userIdentity, Root first": b'"userIdentity":{"type":"Root",'
        b'"type":"IAMUser"}',
        "type twice inside userIdentity, a list last": ui + b',"type":["Root"]}',
        "flat type beside a nested one": ui + b'},"userIdentity.type":"Root"',
        "flat type null beside a nested one": b'"userIdentity.type":null',
        "flat type as an object": b'"userIdentity.type":{"x":"Root"}',
        "flat invokedBy beside a nested one": b'"userIdentity.invokedBy":"q.amazonaws.com"',
        "dotted key inside userIdentity": ui + b',"type.x":"Root"}',
        "escaped eventName value": b'"eventName":' + escaped("ConsoleLogin"),
        "escaped eventSource value": b'"eventSource":' + escaped("signin.amazonaws.com"),
        "escaped keys": escaped("eventName")
        + b':"ListBuckets",'
        + escaped("userIdentity")
        + b':{"type":"IAMUser"}',
        "escaped Root inside userIdentity": b'"userIdentity":{'
        + escaped("type")
        + b":"
        + escaped("ROOT")
        + b"}",
        "eventName an object": b'"eventName":{"a":"ConsoleLogin"}',
        "eventName a list": b'"eventName":["ConsoleLogin"]',
        "eventName null": b'"eventName":null',
        "eventName a number": b'"eventName":12',
        "readOnly a number": b'"readOnly":0',
        "readOnly a string": b'"readOnly":"FALSE"',
        "errorCode a list": b'"errorCode":["AccessDenied"],"userAgent":"AmazonQ-For-VSCode"',
        "errorCode and agent": b'"errorCode":"AccessDenied","userAgent":"AmazonQ-For-VSCode"',
        "userAgent a big integer": b'"userAgent":' + b"9" * 40,
        "time twice, a bad one last": b'"eventTime":"not a time"',
        "time with an offset": b'"eventTime":"2026-11-03T18:14:05+09:00"',
        "time a leap second": b'"eventTime":"2026-12-31T23:59:60Z"',
        "time past year 9999 in UTC": b'"eventTime":"9999-12-31T23:00:00-05:00"',
        "time far future": b'"eventTime":"9999-12-31T23:59:59.999999Z"',
        "time without zone": b'"eventTime":"2026-11-03T09:14:05"',
        "time a number": b'"eventTime":1762161245',
        "time a list": b'"eventTime":["2026-11-03T09:14:05Z"]',
        "time escaped": b'"eventTime":' + escaped("2026-11-03T09:14:05Z"),
    }
    records = {"plain": raw_record(0, when)}
    for number, (name, more) in enumerate(sorted(texts.items()), 1):
        records[name] = raw_record(number, when, more)
    return records


def _types_as_a_head(text: bytes, rules: list[Any]) -> bool:
    """True when the fast path's head struct types ``text`` (so a list of such records
    takes the batch path, dispatched by C-level maps)."""
    import msgspec

    from sigmaq.replay.fastpath import FastFeeder

    feeder = _FEEDERS.get(id(rules))
    if feeder is None:
        engine = default_engine_factory(rules, WindowMode.SLIDING)
        feeder = _FEEDERS[id(rules)] = FastFeeder(engine)  # type: ignore[arg-type]
    try:
        feeder._decode(text)
    except msgspec.DecodeError:
        return False
    return True


_FEEDERS: dict[int, Any] = {}


@pytest.mark.parametrize("shape", ["delivery", "array", "typed_only", "one_per_file"])
def test_byte_level_oddities_are_dispatched_exactly(
    shape: str, pack_rules: list[Any], tmp_path: Path
) -> None:
    records = hostile_texts()
    texts = list(records.values())
    if shape == "typed_only":  # only the records a head types: the batch path
        texts = [text for text in texts if _types_as_a_head(text, pack_rules)]
        assert len(texts) > len(records) // 2
    if shape == "one_per_file":
        for number, text in enumerate(texts):
            write_list(tmp_path / f"{number:02d}.json", [text], "delivery")
    else:
        write_list(tmp_path / "a.json", texts, "array" if shape == "array" else "delivery")
    result = assert_same_hunt([tmp_path], pack_rules, HuntOptions())
    ids = {e for f in result.findings for e in finding_to_dict(f)["event_ids"]}
    assert "e-0" in ids  # the plain record matches: the comparison is not vacuous
    for name, matches in (
        ("name twice, the last a rule's", True),
        ("eventName null", False),
        ("type twice inside userIdentity, Root last", True),
        ("flat type beside a nested one", True),
    ):
        event_id = re.search(rb'"eventID":"(e-\d+)"', records[name])
        assert event_id is not None
        if records[name] not in texts:
            continue
        assert (event_id.group(1).decode() in ids) is matches, name
    if shape == "delivery":  # and worker processes find the same
        parallel = hunt([tmp_path], pack_rules, HuntOptions(jobs=2))
        assert counters(parallel) == counters(result)
        assert [finding_to_dict(f) for f in parallel.findings] == [
            finding_to_dict(f) for f in result.findings
        ]
