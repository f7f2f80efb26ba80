"""``sigmaq investigate``: files written, formats, exit codes, usage errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import orjson
import pytest
from click.testing import CliRunner, Result

from sigmaq.cli import main
from sigmaq.investigate.render_json import validate

RULE = """\
title: IAM user created for the test
id: 5d0c7b0e-3a52-4c1c-8a51-000000000099
status: test
logsource: {product: aws, service: cloudtrail}
detection:
  sel:
    eventSource: iam.amazonaws.com
    eventName: CreateUser
  condition: sel
level: high
sigmaq:
  playbook: [q1, step-7]
  data_events: []
"""
USER = {
    "type": "IAMUser",
    "arn": "arn:aws:iam::123456789012:user/mallory",
    "userName": "mallory",
    "accountId": "123456789012",
    "accessKeyId": "AKIAIOSFODNN7EXAMPLE",
}


def record(n: int, name: str, params: dict[str, Any]) -> dict[str, Any]:
    return {
        "eventVersion": "1.10",
        "eventTime": f"2026-11-18T14:0{n}:00Z",
        "eventSource": "iam.amazonaws.com",
        "eventName": name,
        "eventID": f"evt-{n}",
        "sourceIPAddress": "203.0.113.9",
        "userIdentity": USER,
        "recipientAccountId": "123456789012",
        "requestParameters": params,
    }


@pytest.fixture
def setup(tmp_path: Path) -> tuple[Path, Path]:
    rules = tmp_path / "rules.yml"
    rules.write_text(RULE)
    data = tmp_path / "trail.json"
    data.write_bytes(
        orjson.dumps(
            {
                "Records": [
                    record(1, "CreateUser", {"userName": "backdoor"}),
                    record(2, "CreateLoginProfile", {"userName": "backdoor"}),
                ]
            }
        )
    )
    return rules, data


def invoke(*args: str | Path) -> Result:
    return CliRunner().invoke(main, ["investigate", *map(str, args)])


def test_writes_the_three_reports(setup: tuple[Path, Path], tmp_path: Path) -> None:
    rules, data = setup
    out = tmp_path / "out"
    result = invoke("--rules", rules, "-o", out, data)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["report.html", "report.json", "report.md"]
    document = json.loads((out / "report.json").read_text())
    assert validate(document) == []
    assert document["findings_total"] == 1
    assert document["findings"][0]["findings"][0]["events"][0]["request"] == {
        "userName": "backdoor"
    }
    (user,) = [r for r in document["resources"] if r["type"] == "iam:user"]
    assert user["id"] == "backdoor" and user["created"]["event_id"] == "evt-1"
    checklist = [c["commands"][-1] for c in document["checklist"] if c["step"] == "step-7"]
    assert "aws iam delete-user --user-name backdoor" in checklist
    assert "aws iam delete-login-profile --user-name backdoor" in checklist
    markdown = (out / "report.md").read_text()
    assert "### Q1. Which resources were created and deleted?" in markdown
    html = (out / "report.html").read_text()
    assert all(f'<section id="q{n}"' in html for n in range(1, 7))
    # no data event in the archive: S3 objects and Q Business documents stay unseen
    assert "wrote" in result.stderr and "q1: partly answered" in result.stderr


def test_one_format_and_a_principal_filter(setup: tuple[Path, Path], tmp_path: Path) -> None:
    rules, data = setup
    out = tmp_path / "only"
    result = invoke("--rules", rules, "-o", out, "--format", "json", "--principal", "nobody", data)
    assert result.exit_code == 0, result.output
    assert [p.name for p in out.iterdir()] == ["report.json"]
    document = json.loads((out / "report.json").read_text())
    assert document["run"]["filtered_out"] == 2 and document["principals"] == []


def test_malformed_input_is_reported_and_exits_1(setup: tuple[Path, Path], tmp_path: Path) -> None:
    rules, data = setup
    broken = tmp_path / "broken.ndjson"
    line = orjson.dumps(record(3, "DeleteUser", {"userName": "backdoor"})).decode()
    broken.write_text(line + '\n{"eventName": "CreateUser"\n')
    out = tmp_path / "out"
    result = invoke("--rules", rules, "-o", out, "--format", "json", data, broken)
    assert result.exit_code == 1, result.output
    document = json.loads((out / "report.json").read_text())
    assert document["run"]["malformed"] == 1 and document["run"]["records_read"] == 3
    assert "broken.ndjson" in result.stderr


def test_stderr_verdicts_and_input_counts_match_the_report(
    setup: tuple[Path, Path], tmp_path: Path
) -> None:
    # The terminal summary words each verdict as the report does ("cannot be answered",
    # not a bare "no" that reads as a negative answer) and counts skipped and empty inputs.
    rules, data = setup
    folder = tmp_path / "archive"
    folder.mkdir()
    (folder / "trail.json").write_bytes(data.read_bytes())
    (folder / "empty.json").write_bytes(b"")
    digest = {
        "awsAccountId": "123456789012",
        "digestStartTime": "2026-11-18T13:00:00Z",
        "digestEndTime": "2026-11-18T14:00:00Z",
        "digestS3Bucket": "amzn-s3-demo-bucket",
        "digestS3Object": "digest.json.gz",
        "logFiles": [],
    }
    (folder / "digest.json").write_bytes(orjson.dumps(digest))
    result = invoke("--rules", rules, "-o", tmp_path / "out", "--format", "json", folder)
    assert result.exit_code == 0, result.output
    document = json.loads((tmp_path / "out" / "report.json").read_text())
    assert document["run"]["skipped"] == 1 and document["run"]["empty_files"] == 1
    assert "1 skipped (digests, no eventName), 1 empty" in result.stderr
    assert "q1: partly answered:" in result.stderr
    assert "q2: cannot be answered:" in result.stderr
    assert "q2: no:" not in result.stderr


def test_usage_errors(setup: tuple[Path, Path], tmp_path: Path) -> None:
    rules, data = setup
    bad = tmp_path / "credentials.csv"
    bad.write_text("user,arn\n")
    result = invoke("--rules", rules, "--credential-report", bad, "-o", tmp_path / "o", data)
    assert result.exit_code == 2 and "credentials.csv" in result.output
    result = invoke("--since", "2026-11-19", "--until", "2026-11-18", data)
    assert result.exit_code == 2 and "--since is after --until" in result.output


def test_listed_in_help() -> None:
    result = CliRunner().invoke(main, ["--help"])
    assert "investigate" in result.output


def test_progress_bar_on_a_terminal(setup: tuple[Path, Path], tmp_path: Path) -> None:
    import io

    from rich.console import Console

    from sigmaq.cli.investigate_cmd import _with_progress
    from sigmaq.investigate.runner import InvestigateOptions

    _, data = setup
    second = tmp_path / "second.json"
    second.write_bytes(data.read_bytes())
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=True, width=120)
    report = _with_progress((data, second), [], InvestigateOptions(), {}, console)
    assert report.run.files == 2
    assert "investigating 2/2 files" in buffer.getvalue()
