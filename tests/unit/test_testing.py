"""``sigmaq test`` on a tiny pack written to tmp_path: library report and CLI exit codes."""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from sigmaq.cli import main
from sigmaq.core.jsonfmt import canonical_json
from sigmaq.core.model import WindowMode
from sigmaq.testing.baseline import Verdict, load_known_matches
from sigmaq.testing.runner import keyword_matches, run_tests

ALICE = "arn:aws:sts::123456789012:assumed-role/QAdmin/alice@example.com"
DELETE_ID = "a1111111-1111-4111-8111-111111111111"
BURST_ID = "b2222222-2222-4222-8222-222222222222"

DELETE_RULE = f"""title: Q Business Index Deleted
id: {DELETE_ID}
name: q_index_deleted
status: experimental
logsource:
  product: aws
  service: cloudtrail
detection:
  selection:
    eventSource: qbusiness.amazonaws.com
    eventName: DeleteIndex
  condition: selection
level: LEVEL
"""

BURST_RULE = f"""title: Q Business Index Deletion Burst
id: {BURST_ID}
status: experimental
correlation:
  type: event_count
  rules:
    - q_index_deleted
  group-by:
    - userIdentity.arn
  timespan: 10m
  condition:
    gte: 3
  generate: GENERATE
level: high
"""


def record(minute: int, name: str = "DeleteIndex", event_id: str | None = None) -> dict[str, Any]:
    return {
        "eventVersion": "1.09",
        "userIdentity": {"type": "AssumedRole", "arn": ALICE, "accountId": "123456789012"},
        "eventTime": f"2025-06-02T10:{minute:02d}:00Z",
        "eventSource": "qbusiness.amazonaws.com",
        "eventName": name,
        "awsRegion": "us-east-1",
        "sourceIPAddress": "192.0.2.10",
        "eventID": event_id or f"00000000-0000-4000-8000-0000000000{minute:02d}",
        "recipientAccountId": "123456789012",
    }


def write(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(data if isinstance(data, str) else canonical_json(data), encoding="utf-8")


def make_pack(root: Path, *, level: str = "medium", generate: bool = False) -> Path:
    """Two rules (a base rule and an event_count over it) with fixtures and a baseline."""
    rules = root / "rules" / "q_business"
    write(
        rules / "aws_cloudtrail_q_business_index_deleted.yml", DELETE_RULE.replace("LEVEL", level)
    )
    burst_rule = BURST_RULE.replace("GENERATE", "true" if generate else "false")
    write(rules / "aws_cloudtrail_q_business_index_deletion_burst.yml", burst_rule)
    base = root / "fixtures" / "q_business" / "aws_cloudtrail_q_business_index_deleted"
    write(base / "pos_index_deleted.json", record(1))
    write(base / "neg_index_listed.json", record(1, "ListIndices"))
    burst = root / "fixtures" / "q_business" / "aws_cloudtrail_q_business_index_deletion_burst"
    # 10:08, 10:09, 10:11: inside 10 minutes, across the 10:10 bucket edge
    write(burst / "pos_three_deletions.json", {"Records": [record(m) for m in (8, 9, 11)]})
    write(burst / "neg_spread_out.json", {"Records": [record(m) for m in (0, 20, 40)]})
    write(
        root / "fixtures" / "_baseline" / "session.json", {"Records": [record(30, "ListIndices")]}
    )
    write(root / "fixtures" / "_baseline" / "known_matches.yml", "[]\n")
    return root


@pytest.fixture
def pack(tmp_path: Path) -> Path:
    return make_pack(tmp_path / "pack")


def invoke(*args: str) -> Any:
    return CliRunner().invoke(main, ["test", *args])


def test_passing_pack_report(pack: Path) -> None:
    report = run_tests(pack)
    assert not report.failed
    assert report.problems == []
    assert [(r.fixture.name, r.expect_match, r.findings, r.passed) for r in report.fixtures] == [
        ("pos_index_deleted.json", True, 1, True),
        ("neg_index_listed.json", False, 0, True),
        ("pos_three_deletions.json", True, 1, True),
        ("neg_spread_out.json", False, 0, True),
    ]
    burst = report.fixtures[2]
    assert burst.event_ids == (
        "00000000-0000-4000-8000-000000000008",
        "00000000-0000-4000-8000-000000000009",
        "00000000-0000-4000-8000-000000000011",
    )
    assert report.summary()["rules"] == 2
    assert report.baseline is not None
    assert (report.baseline.files, report.baseline.records) == (1, 1)
    assert report.baseline.matches == []


def test_cli_exit_0_on_passing_pack_and_1_when_an_expectation_is_flipped(pack: Path) -> None:
    result = invoke(str(pack / "rules"))
    assert result.exit_code == 0, result.output
    assert "4/4 fixtures passed" in result.output
    folder = pack / "fixtures" / "q_business" / "aws_cloudtrail_q_business_index_deleted"
    shutil.copy(folder / "pos_index_deleted.json", folder / "neg_index_deleted.json")
    (folder / "pos_index_deleted.json").unlink()
    (folder / "neg_index_listed.json").rename(folder / "pos_index_listed.json")
    result = invoke(str(pack / "rules"))
    assert result.exit_code == 1
    assert "FAILED: 2 rules, 2/4 fixtures passed" in result.output
    data = json.loads(invoke(str(pack / "rules"), "--format", "json").output)
    assert {f["fixture"].rsplit("/", 1)[-1]: f["message"] for f in data["fixtures"]} == {
        "pos_index_listed.json": "expected a match, got none (1 records replayed)",
        "neg_index_deleted.json": (
            "expected no match, got 1 finding(s): 00000000-0000-4000-8000-000000000001"
        ),
        "pos_three_deletions.json": None,
        "neg_spread_out.json": None,
    }


def test_cli_json_and_junit(pack: Path, tmp_path: Path) -> None:
    junit = tmp_path / "out" / "junit.xml"
    result = invoke(str(pack / "rules"), "--format", "json", "--junit-xml", str(junit))
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["failed"] is False
    assert data["window"] == "sliding"
    assert data["summary"]["fixtures"] == 4
    assert {f["fixture"].rsplit("/", 1)[-1]: f["passed"] for f in data["fixtures"]} == {
        "pos_index_deleted.json": True,
        "neg_index_listed.json": True,
        "pos_three_deletions.json": True,
        "neg_spread_out.json": True,
    }
    suite = ET.parse(junit).getroot().find("testsuite")
    assert suite is not None
    assert (suite.get("tests"), suite.get("failures")) == ("6", "0")  # 4 fixtures + 2 baseline


def test_tumbling_window_misses_the_burst_across_the_bucket_edge(pack: Path) -> None:
    result = invoke(str(pack / "rules"), "--window", "tumbling", "--format", "json")
    assert result.exit_code == 1
    data = json.loads(result.output)
    failed = [f for f in data["fixtures"] if not f["passed"]]
    assert [f["fixture"].rsplit("/", 1)[-1] for f in failed] == ["pos_three_deletions.json"]
    assert run_tests(pack, window=WindowMode.SLIDING).failed is False


def test_keyword_filter(pack: Path) -> None:
    report = run_tests(pack, keyword="burst")
    assert {r.rule_id for r in report.fixtures} == {BURST_ID}
    report = run_tests(pack, keyword="not burst")
    assert {r.rule_id for r in report.fixtures} == {DELETE_ID}
    report = run_tests(pack, keyword=DELETE_ID[:8])
    assert {r.rule_id for r in report.fixtures} == {DELETE_ID}
    assert keyword_matches(None, "x") and keyword_matches("", "x")
    assert keyword_matches("INDEX", "q_business_index_deleted")
    assert not keyword_matches("not index", "q_business_index_deleted")


def test_missing_negative_fixture_fails(pack: Path) -> None:
    folder = pack / "fixtures" / "q_business" / "aws_cloudtrail_q_business_index_deleted"
    (folder / "neg_index_listed.json").unlink()
    report = run_tests(pack)
    assert report.failed
    assert [(p.rule_id, p.message.split(" in ")[0]) for p in report.problems] == [
        (DELETE_ID, "needs at least one neg_ fixture")
    ]
    assert invoke(str(pack / "rules")).exit_code == 1


def test_missing_fixtures_can_be_skipped_and_listed(pack: Path, tmp_path: Path) -> None:
    folder = pack / "fixtures" / "q_business" / "aws_cloudtrail_q_business_index_deleted"
    (folder / "neg_index_listed.json").unlink()
    report = run_tests(pack, missing_fixtures="skip")
    assert not report.failed and report.problems == []
    assert [(p.rule_id, p.message.split(" in ")[0]) for p in report.untested] == [
        (DELETE_ID, "needs at least one neg_ fixture")
    ]
    assert report.fixtures and all(r.passed for r in report.fixtures)  # the rest still ran
    assert report.summary()["rules_without_fixtures"] == 1
    junit = tmp_path / "junit.xml"
    result = invoke(str(pack / "rules"), "--missing-fixtures", "skip", "--junit-xml", str(junit))
    assert result.exit_code == 0, result.output
    assert "1 rules without fixtures (skipped)" in result.output
    skipped = [
        case
        for case in ET.parse(junit).getroot().iter("testcase")
        if case.find("skipped") is not None
    ]
    assert len(skipped) == 1
    with pytest.raises(ValueError, match="missing_fixtures"):
        run_tests(pack, missing_fixtures="ignore")


def test_rule_load_error_fails(pack: Path) -> None:
    broken = pack / "rules" / "q_business" / "aws_cloudtrail_broken.yml"
    write(broken, "title: Broken\nlogsource: {product: aws}\ndetection:\n  condition: missing\n")
    report = run_tests(pack)
    assert report.failed
    assert [p.path for p in report.problems] == [broken]
    assert invoke(str(pack / "rules")).exit_code == 1


def test_unreadable_fixture_fails(pack: Path) -> None:
    folder = pack / "fixtures" / "q_business" / "aws_cloudtrail_q_business_index_deleted"
    write(folder / "neg_truncated.json", '{"Records": [')
    write(folder / "neg_empty.json", {"Records": []})
    report = run_tests(pack)
    bad = {r.fixture.name: r.message for r in report.fixtures if not r.passed}
    assert set(bad) == {"neg_truncated.json", "neg_empty.json"}
    assert "fixture holds no CloudTrail record" in (bad["neg_empty.json"] or "")
    assert "cannot" in (bad["neg_truncated.json"] or "") or "invalid" in (
        bad["neg_truncated.json"] or ""
    )


def test_baseline_unlisted_match_fails_until_listed(tmp_path: Path) -> None:
    pack = make_pack(tmp_path / "pack", generate=True)
    event_id = "11111111-2222-4333-8444-555555555555"
    write(pack / "fixtures" / "_baseline" / "cleanup.json", record(45, event_id=event_id))
    report = run_tests(pack)
    assert report.failed and report.baseline is not None
    assert [(m.rule_id, m.event_ids, m.verdict) for m in report.baseline.matches] == [
        (DELETE_ID, (event_id,), Verdict.FAILURE)
    ]
    known = pack / "fixtures" / "_baseline" / "known_matches.yml"
    write(known, f"- rule_id: {DELETE_ID}\n  event_id: {event_id}\n  reason: nightly cleanup\n")
    report = run_tests(pack)
    assert not report.failed and report.baseline is not None
    assert [(m.verdict, m.reason) for m in report.baseline.matches] == [
        (Verdict.KNOWN, "nightly cleanup")
    ]
    # listing by title works too; a listed event that no longer matches is stale
    write(
        known,
        f"- title: q business index deleted\n  event_id: {event_id}\n  reason: ok\n"
        f"- rule_id: {DELETE_ID}\n  event_id: gone\n  reason: old review\n",
    )
    report = run_tests(pack)
    assert report.failed and report.baseline is not None
    assert [(s.rule_id, s.known.event_id) for s in report.baseline.stale] == [(DELETE_ID, "gone")]


def test_baseline_informational_matches_are_reported_not_failed(tmp_path: Path) -> None:
    pack = make_pack(tmp_path / "pack", level="informational", generate=True)
    write(pack / "fixtures" / "_baseline" / "cleanup.json", record(45))
    report = run_tests(pack)
    assert report.baseline is not None
    assert [m.verdict for m in report.baseline.matches] == [Verdict.INFORMATIONAL]
    assert not report.failed


def test_baseline_building_block_matches_are_reported(tmp_path: Path) -> None:
    pack = make_pack(tmp_path / "pack", level="high")
    # the burst correlation (generate: false by default) switches the base rule's output off
    write(pack / "fixtures" / "_baseline" / "cleanup.json", record(45))
    report = run_tests(pack)
    assert report.baseline is not None
    assert [(m.rule_id, m.verdict) for m in report.baseline.matches] == [
        (DELETE_ID, Verdict.BUILDING_BLOCK)
    ]
    assert not report.failed


def test_bad_known_matches_file_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "known_matches.yml"
    write(path, "- rule_id: x\n  event_id: y\n- {rule_id: z}\n")
    entries, problems = load_known_matches(path)
    assert entries == []
    assert problems == [
        f"{path}: entry 1 needs rule_id (or rule/title), event_id and a reason",
        f"{path}: entry 2 needs rule_id (or rule/title), event_id and a reason",
    ]
    write(path, "rule_id: x\n")
    assert load_known_matches(path)[1] == [
        f"{path}: expected a YAML list of {{rule_id, event_id, reason}} entries"
    ]


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    assert invoke(str(tmp_path / "nowhere")).exit_code == 2
    (tmp_path / "empty").mkdir()
    assert invoke(str(tmp_path / "empty")).exit_code == 2
    assert invoke("--window", "hourly").exit_code == 2
