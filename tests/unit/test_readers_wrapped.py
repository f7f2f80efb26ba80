"""Records held as JSON text: CloudTrail LookupEvents responses and CloudTrail delivered to
CloudWatch Logs (subscription payloads as Firehose writes them, GetLogEvents and
FilterLogEvents responses, export task text files). Every one of them was unreadable
before ("not a CloudTrail record" or "invalid JSON"), so a responder with the event
history or the playbook's step 5 logs hunted nothing."""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Any

import msgspec
import orjson
import pytest

from sigmaq.replay.readers import ReadStats, read_file


def record(name: str, index: int) -> dict[str, Any]:
    return {
        "eventVersion": "1.08",
        "eventTime": f"2024-05-01T12:00:{index:02d}Z",
        "eventSource": "qbusiness.amazonaws.com",
        "eventName": name,
        "eventID": f"00000000-0000-4000-8000-{index:012d}",
        "sourceIPAddress": "192.0.2.10",
        "userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::123456789012:user/alice"},
        "requestParameters": {"applicationId": "app-1", "big": 2**70 + 1},
    }


RECORDS = [record(name, i) for i, name in enumerate(["CreateApplication", "Chat", "ListIndices"])]


def text_of(item: dict[str, Any]) -> str:
    return msgspec.json.encode(item).decode()  # exact integers of any size (orjson: 64 bits)


def lookup_events(records: list[dict[str, Any]]) -> bytes:
    events = [
        {
            "EventId": r["eventID"],
            "EventName": r["eventName"],
            "ReadOnly": "false",
            "EventTime": "2024-05-01T12:00:00+00:00",
            "EventSource": r["eventSource"],
            "Username": "alice",
            "Resources": [],
            "CloudTrailEvent": text_of(r),
        }
        for r in records
    ]
    return orjson.dumps({"Events": events, "NextToken": "token"})


def subscription(records: list[dict[str, Any]]) -> bytes:
    return orjson.dumps(
        {
            "messageType": "DATA_MESSAGE",
            "owner": "123456789012",
            "logGroup": "aws-cloudtrail-logs-123456789012",
            "logStream": "123456789012_CloudTrail_us-east-1",
            "subscriptionFilters": ["to-firehose"],
            "logEvents": [
                {"id": str(i), "timestamp": 1714564800000, "message": text_of(r)}
                for i, r in enumerate(records)
            ],
        }
    )


def firehose_object(records: list[dict[str, Any]]) -> bytes:
    """What Firehose writes to S3 without decompression: one gzip member per payload,
    back to back, and a control message CloudWatch Logs sends to check the stream."""
    control = orjson.dumps(
        {
            "messageType": "CONTROL_MESSAGE",
            "owner": "CloudwatchLogs",
            "logGroup": "",
            "logStream": "",
            "subscriptionFilters": [],
            "logEvents": [{"id": "", "timestamp": 1714564800000, "message": "CWL CONTROL MESSAGE"}],
        }
    )
    members = [subscription(records[:2]), control, subscription(records[2:])]
    return b"".join(gzip.compress(member) for member in members)


def log_events(records: list[dict[str, Any]]) -> bytes:
    events = [
        {
            "logStreamName": "123456789012_CloudTrail_us-east-1",
            "timestamp": 1714564800000,
            "message": text_of(r),
            "ingestionTime": 1714564801000,
            "eventId": str(i),
        }
        for i, r in enumerate(records)
    ]
    return orjson.dumps({"events": events, "searchedLogStreams": []})


def export_task(records: list[dict[str, Any]]) -> bytes:
    lines = [f"{r['eventTime'][:-1]}.000Z {text_of(r)}" for r in records]
    return gzip.compress(("\n".join(lines) + "\n").encode())


SHAPES = {
    "lookup_events.json": lookup_events,
    "subscription_payload.json": subscription,
    "firehose_object.gz": firehose_object,
    "filter_log_events.json": log_events,
    "export_task_000000.gz": export_task,
}


def read(path: Path) -> tuple[list[tuple[dict[str, Any], Any]], ReadStats]:
    stats = ReadStats()
    items = list(read_file(path, stats))
    assert stats.records_seen == stats.records_read + stats.skipped + stats.malformed
    return items, stats


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_records_held_as_json_text_are_read_exactly(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(SHAPES[name](RECORDS))
    items, stats = read(path)
    assert [event for event, _ in items] == RECORDS  # integers past 64 bits stay exact
    assert [ref.event_id for _, ref in items] == [r["eventID"] for r in RECORDS]
    assert (stats.records_read, stats.malformed, stats.unreadable_files) == (3, 0, 0)


def test_a_log_event_that_is_not_a_record_is_counted_malformed(tmp_path: Path) -> None:
    payload = msgspec.json.decode(subscription(RECORDS))
    payload["logEvents"][1]["message"] = "START RequestId: 1234 Version: $LATEST"
    payload["logEvents"].append({"id": "9", "timestamp": 1, "message": '"just a string"'})
    payload["logEvents"].append({"id": "10", "timestamp": 1})
    items, stats = read(_write(tmp_path, payload))
    assert [event["eventName"] for event, _ in items] == ["CreateApplication", "ListIndices"]
    assert stats.malformed == 3
    messages = [problem.message for problem in stats.problems]
    assert any("'START RequestId" in message and "is not JSON" in message for message in messages)
    assert any("without a message text" in message for message in messages)


def test_a_control_message_is_a_warning_not_a_record(tmp_path: Path) -> None:
    items, stats = read(_write(tmp_path, {"messageType": "CONTROL_MESSAGE", "logEvents": []}))
    assert items == []
    assert (stats.records_read, stats.malformed) == (0, 0)
    assert [p.warning for p in stats.problems] == [True]


def test_an_object_with_an_events_key_of_its_own_is_not_taken_for_a_response(
    tmp_path: Path,
) -> None:
    unrelated = {"events": [{"message": text_of(RECORDS[0])}], "owner": "someone"}
    items, stats = read(_write(tmp_path, unrelated))
    assert items == []
    assert stats.malformed == 1


def test_an_export_line_that_is_not_json_names_its_line(tmp_path: Path) -> None:
    good = f"2024-05-01T12:00:00.000Z {text_of(RECORDS[0])}"
    bad = "2024-05-01T12:00:01.000Z {not json"
    path = tmp_path / "000001.gz"
    path.write_bytes(gzip.compress(f"{good}\n{bad}\n{good}\n".encode()))
    items, stats = read(path)
    assert len(items) == 2
    assert [ref.position for _, ref in items] == [1, 3]
    assert stats.malformed == 1
    assert [p.line for p in stats.problems] == [2]


def test_a_record_nested_too_deep_inside_a_text_is_malformed(tmp_path: Path) -> None:
    deep: Any = "x"
    for _ in range(200):
        deep = {"a": deep}
    payload = msgspec.json.decode(lookup_events([{**RECORDS[0], "requestParameters": deep}]))
    items, stats = read(_write(tmp_path, payload))
    assert items == []
    assert stats.malformed == 1
    assert "nested deeper than" in stats.problems[0].message


def _write(folder: Path, value: Any) -> Path:
    path = folder / "doc.json"
    path.write_bytes(orjson.dumps(value))
    return path


def test_firehose_objects_without_an_extension_are_found_in_folders(tmp_path: Path) -> None:
    """Firehose names its S3 objects without an extension; they were counted as ignored,
    so a folder of them hunted nothing. Extensionless files that are not gzip or JSON
    (a LICENSE, a Makefile) are still ignored."""
    from sigmaq.replay.paths import iter_paths

    day = tmp_path / "2024" / "05" / "01" / "12"
    day.mkdir(parents=True)
    gzipped = day / "ct-to-s3-1-2024-05-01-12-00-00-0a1b2c3d-0000-4000-8000-000000000001"
    gzipped.write_bytes(firehose_object(RECORDS))
    plain = day / "ct-to-s3-1-2024-05-01-12-05-00-0a1b2c3d-0000-4000-8000-000000000002"
    plain.write_bytes(subscription(RECORDS[:1]))
    (tmp_path / "LICENSE").write_text("Apache License", encoding="utf-8")
    stats = ReadStats()
    found = list(iter_paths([tmp_path], stats))
    assert found == [gzipped, plain]
    assert stats.ignored_files == 1
    events = [event for path in found for event, _ in read_file(path, ReadStats())]
    assert events == [*RECORDS, RECORDS[0]]
