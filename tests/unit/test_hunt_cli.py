"""``sigmaq hunt``: output formats, exit codes, usage errors."""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path
from typing import Any

import orjson
import pytest
from click.testing import CliRunner, Result

from sigmaq.cli import main
from sigmaq.hunt.output import printable

RULE = """\
title: Q Developer agent deleted a bucket
id: 5d0c7b0e-3a52-4c1c-8a51-000000000010
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
ARN = "arn:aws:sts::123456789012:assumed-role/Admin/alice@example.com"


def record(n: int, name: str = "DeleteBucket") -> dict[str, Any]:
    return {
        "eventVersion": "1.09",
        "eventTime": f"2024-05-01T12:0{n}:00Z",
        "eventSource": "s3.amazonaws.com",
        "eventName": name,
        "eventID": f"evt-{n}",
        "sourceIPAddress": "q.amazonaws.com",
        "userIdentity": {"type": "AssumedRole", "arn": ARN, "invokedBy": "q.amazonaws.com"},
    }


@pytest.fixture
def setup(tmp_path: Path) -> tuple[Path, Path]:
    rules = tmp_path / "rules.yml"
    rules.write_text(RULE)
    data = tmp_path / "trail.json"
    data.write_bytes(orjson.dumps({"Records": [record(1), record(2, "ListBuckets"), record(3)]}))
    return rules, data


def invoke(*args: str | Path) -> Result:
    return CliRunner().invoke(main, ["hunt", *map(str, args)])


def test_ndjson_has_one_object_per_finding_with_required_keys(setup: tuple[Path, Path]) -> None:
    rules, data = setup
    result = invoke("--rules", rules, "--format", "ndjson", data)
    assert result.exit_code == 0, result.output
    lines = [orjson.loads(line) for line in result.stdout.splitlines()]
    assert [line["event_ids"] for line in lines] == [["evt-1"], ["evt-3"]]
    first = lines[0]
    assert first["rule_id"] == "5d0c7b0e-3a52-4c1c-8a51-000000000010"
    assert first["rule_title"] == "Q Developer agent deleted a bucket"
    assert first["level"] == "high"
    assert first["group"] is None
    assert first["first_seen"] == first["last_seen"] == "2024-05-01T12:01:00Z"
    assert first["files"] == [str(data)]
    assert first["principals"] == [ARN]
    assert first["source_addresses"] == ["q.amazonaws.com"]
    assert first["events"] == [
        {
            "file": str(data),
            "position": 0,
            "event_id": "evt-1",
            "event_time": "2024-05-01T12:01:00Z",
            "event_name": "DeleteBucket",
            "principal": ARN,
            "source_address": "q.amazonaws.com",
            "request_parameters": {},
        }
    ]
    assert "records read 3" in result.stderr
    assert "findings 2 (high 2)" in result.stderr


def test_json_format_has_findings_and_summary(setup: tuple[Path, Path]) -> None:
    rules, data = setup
    result = invoke("--rules", rules, "--format", "json", data)
    assert result.exit_code == 0
    document = orjson.loads(result.stdout)
    assert len(document["findings"]) == 2
    assert document["summary"]["records_read"] == 3
    assert document["summary"]["findings_by_level"] == {"high": 2}


def test_csv_format_to_a_file(setup: tuple[Path, Path], tmp_path: Path) -> None:
    rules, data = setup
    out = tmp_path / "out.csv"
    result = invoke("--rules", rules, "--format", "csv", "-o", out, data)
    assert result.exit_code == 0
    assert result.stdout == ""
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert [row["event_ids"] for row in rows] == ["evt-1", "evt-3"]
    assert rows[0]["principals"] == ARN
    assert rows[0]["group"] == ""


def test_table_is_the_default(setup: tuple[Path, Path]) -> None:
    rules, data = setup
    result = invoke("--rules", rules, "--no-progress", data)
    assert result.exit_code == 0
    assert "Q Developer agent deleted a bucket" in result.stdout
    assert "2 findings" in result.stdout


def test_no_findings_is_exit_zero(setup: tuple[Path, Path], tmp_path: Path) -> None:
    rules, _ = setup
    quiet = tmp_path / "quiet.json"
    quiet.write_bytes(orjson.dumps(record(1, "ListBuckets")))
    result = invoke("--rules", rules, quiet)
    assert result.exit_code == 0
    assert "no findings" in result.stdout


def test_unreadable_input_is_exit_one_after_reading_the_rest(
    setup: tuple[Path, Path], tmp_path: Path
) -> None:
    rules, data = setup
    broken = tmp_path / "broken.json"
    broken.write_text('{"Records": [')
    result = invoke("--rules", rules, "--format", "ndjson", broken, data)
    assert result.exit_code == 1
    assert len(result.stdout.splitlines()) == 2
    assert f"{broken}: invalid JSON" in result.stderr


@pytest.mark.parametrize(
    ("window", "found"),
    [
        (["--since", "2024-05-01", "--until", "2024-05-01"], ["evt-1", "evt-3"]),
        (["--until", "2024-05-01"], ["evt-1", "evt-3"]),
        (["--until", "2024-04-30"], []),
        (["--until", "2024-05-01T12:02:00Z"], ["evt-1"]),
        (["--until", "2024-05-01T14:02:00+02:00"], ["evt-1"]),
        (["--since", "2024-05-01T12:02:00"], ["evt-3"]),
    ],
)
def test_a_date_until_covers_that_whole_day(
    setup: tuple[Path, Path], window: list[str], found: list[str]
) -> None:
    """`--until 2024-05-01` keeps the events of May 1 (a date is the whole day), as
    `--since 2024-05-01` starts at its first instant; a time is taken as given (UTC
    when it has no offset)."""
    rules, data = setup
    result = invoke("--rules", rules, "--format", "ndjson", *window, data)
    assert result.exit_code == 0, result.output
    ids = [orjson.loads(line)["event_ids"][0] for line in result.stdout.splitlines()]
    assert sorted(ids) == found


def test_a_window_that_keeps_no_record_says_so(setup: tuple[Path, Path]) -> None:
    """ "no findings" because --since/--until left out every record is not a clean
    archive: stderr says the window kept nothing."""
    rules, data = setup
    result = invoke("--rules", rules, "--since", "2024-05-02", data)
    assert result.exit_code == 0
    assert "none of the 3 records read is within --since/--until" in result.stderr
    kept = invoke("--rules", rules, "--since", "2024-05-01T12:02:00Z", data)
    assert "within --since/--until" not in kept.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["--rule", "no-such-rule"],
        ["--since", "not-a-time"],
        ["--since", "2024-05-02", "--until", "2024-05-01"],
        ["--format", "xml"],
        ["--window", "hopping"],
    ],
)
def test_usage_errors_exit_two(setup: tuple[Path, Path], args: list[str]) -> None:
    rules, data = setup
    result = invoke("--rules", rules, *args, data)
    assert result.exit_code == 2, result.output


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_missing_input_is_counted_unreadable_and_the_others_are_read(
    setup: tuple[Path, Path], tmp_path: Path, jobs: str
) -> None:
    """`hunt good/ missing/`: the missing path is reported and counted unreadable, the
    folder that exists is read in full, exit 1 (as for any unreadable input)."""
    rules, data = setup
    good = tmp_path / "good"
    good.mkdir()
    data.rename(good / "trail.json")
    missing = tmp_path / "missing"
    result = invoke("--rules", rules, "--format", "ndjson", "-j", jobs, good, missing)
    assert result.exit_code == 1, result.output
    ids = sorted(orjson.loads(line)["event_ids"][0] for line in result.stdout.splitlines())
    assert ids == ["evt-1", "evt-3"]
    assert f"{missing}: no such file or directory" in result.stderr
    assert "files 2 (1 unreadable," in result.stderr
    assert "records read 3," in result.stderr


def test_only_missing_inputs_is_exit_one_saying_nothing_was_read(
    setup: tuple[Path, Path], tmp_path: Path
) -> None:
    rules, _ = setup
    result = invoke("--rules", rules, tmp_path / "nope.json")
    assert result.exit_code == 1, result.output
    assert f"{tmp_path / 'nope.json'}: no such file or directory" in result.stderr
    assert "no CloudTrail record was read" in result.stderr


def test_min_level_above_every_rule_is_a_usage_error(setup: tuple[Path, Path]) -> None:
    rules, data = setup
    result = invoke("--rules", rules, "--min-level", "critical", data)
    assert result.exit_code == 2
    assert "no rules to hunt with" in result.output


def test_since_filters_events(setup: tuple[Path, Path]) -> None:
    rules, data = setup
    result = invoke("--rules", rules, "--format", "ndjson", "--since", "2024-05-01T12:02:00Z", data)
    assert result.exit_code == 0
    assert [orjson.loads(x)["event_ids"] for x in result.stdout.splitlines()] == [["evt-3"]]
    assert "outside time range 1" in result.stderr


def test_jobs_option_gives_the_same_output(setup: tuple[Path, Path]) -> None:
    rules, data = setup
    serial = invoke("--rules", rules, "--format", "ndjson", data)
    parallel = invoke("--rules", rules, "--format", "ndjson", "-j", "2", data)
    assert parallel.exit_code == 0
    assert parallel.stdout == serial.stdout


HOSTILE_ARN = (
    "arn:aws:sts::123456789012:assumed-role/Admin/[/red]\x1b]0;pwned\x07=cmd|' /C calc'!A0"
)


def test_forged_principal_cannot_act_on_the_terminal_or_a_spreadsheet(tmp_path: Path) -> None:
    """A forged archive's principal with Rich markup, an OSC escape sequence and a
    spreadsheet formula: the table shows it inert, the CSV cell is not a formula."""
    rules = tmp_path / "rules.yml"
    rules.write_text(RULE)
    forged = record(1)
    forged["userIdentity"]["arn"] = HOSTILE_ARN
    forged["sourceIPAddress"] = '=HYPERLINK("http://203.0.113.9")'
    data = tmp_path / "trail.json"
    data.write_bytes(orjson.dumps({"Records": [forged]}))

    table = invoke("--rules", rules, data)
    assert table.exit_code == 0, table.output
    assert "\x1b" not in table.stdout and "\x07" not in table.stdout
    assert printable(HOSTILE_ARN).plain == (
        "arn:aws:sts::123456789012:assumed-role/Admin/[/red]\\x1b]0;pwned\\x07=cmd|' /C calc'!A0"
    )

    out = tmp_path / "f.csv"
    as_csv = invoke("--rules", rules, "--format", "csv", "--output", out, data)
    assert as_csv.exit_code == 0, as_csv.output
    (row,) = list(csv.DictReader(io.StringIO(out.read_text())))
    assert row["source_addresses"] == '\'=HYPERLINK("http://203.0.113.9")'
    assert row["principals"] == HOSTILE_ARN  # not at the start of the cell: kept as is

    as_json = invoke("--rules", rules, "--format", "json", data)
    (finding,) = orjson.loads(as_json.stdout)["findings"]
    assert finding["source_addresses"] == ['=HYPERLINK("http://203.0.113.9")']  # exact


def test_no_record_read_is_exit_one_with_a_message(tmp_path: Path) -> None:
    """An empty folder (or one holding only unread files) gives no findings and exit 1:
    "no findings" over no evidence is not a clean result."""
    rules = tmp_path / "rules.yml"
    rules.write_text(RULE)
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    (evidence / "notes.txt").write_text("not CloudTrail")
    result = invoke("--rules", rules, "--format", "ndjson", evidence)
    assert result.exit_code == 1, result.output
    assert "no CloudTrail record was read" in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize("fmt", ["json", "ndjson", "csv", "table"])
def test_a_lone_surrogate_escape_in_documents_back_to_back_cannot_crash_the_output(
    setup: tuple[Path, Path], tmp_path: Path, fmt: str
) -> None:
    rules, _ = setup
    forged = orjson.dumps(record(1)).replace(b"evt-1", b"evt-\\ud800").replace(b"alice", b"\\udc00")
    data = tmp_path / "cat.json"
    data.write_bytes(b'{"Records":[' + forged + b"]}" + orjson.dumps({"Records": [record(3)]}))
    result = invoke("--rules", rules, "--format", fmt, data)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert result.exit_code == 1, result.output  # the forged record is malformed
    assert "malformed 1" in result.output
    assert fmt == "table" or "evt-3" in result.output  # the table shows no event ids


@pytest.mark.parametrize("fmt", ["json", "ndjson", "csv"])
def test_a_file_name_that_is_not_utf8_is_written_escaped_not_a_crash(
    setup: tuple[Path, Path], tmp_path: Path, fmt: str
) -> None:
    rules, data = setup
    folder = tmp_path / "logs"
    folder.mkdir()
    name = os.fsdecode(b"trail-\xff\xfe.json")  # Linux names are bytes: PEP 383 escapes
    try:
        (folder / name).write_bytes(data.read_bytes())
    except (OSError, UnicodeError):
        pytest.skip("this file system refuses names that are not UTF-8")
    out = tmp_path / f"out.{fmt}"
    result = invoke("--rules", rules, "--format", fmt, "-o", out, folder)
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert "trail-\\xff\\xfe.json" in text.replace("\\\\", "\\")
    if fmt == "json":
        summary = orjson.loads(text)
        assert summary["findings"][0]["files"] == [str(folder / "trail-\\xff\\xfe.json")]
