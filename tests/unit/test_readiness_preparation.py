"""Preparation: Prowler's OCSF findings mapped to playbook items, sigmaq's Amazon Q checks, CLI.

The Prowler samples were written by prowler 5.46.0's own OCSF writer
(``tools/prowler_samples.py``, run in a throwaway venv: prowler pins botocore 1.40.x).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from sigmaq.cli import main
from sigmaq.core.loader import load_rules
from sigmaq.readiness.amazonq import (
    check_amazon_q,
    check_prompt_log_bucket,
    check_q_log_delivery,
    prompt_log_buckets,
    q_data_types,
)
from sigmaq.readiness.assess import assess
from sigmaq.readiness.exports import load_exports
from sigmaq.readiness.needs import pack_needs
from sigmaq.readiness.prowler import (
    FAIL,
    MAPPED_CHECKS,
    NOT_ASSESSED,
    PASS,
    PROWLER_ITEMS,
    assess_prowler_items,
    parse_ocsf,
)

ROOT = Path(__file__).resolve().parents[2]
PROWLER = ROOT / "tests" / "data" / "prowler"
SAMPLE = PROWLER / "prowler-output-123456789012.ocsf.json"
DATA = ROOT / "tests" / "data" / "readiness"


def test_every_mapped_check_id_is_a_real_prowler_check() -> None:
    index = json.loads((PROWLER / "prowler-aws-checks.json").read_text(encoding="utf-8"))
    assert index["prowler_version"] == "5.46.0"
    unknown = sorted(MAPPED_CHECKS - set(index["checks"]))
    assert unknown == []
    assert not any(c.startswith(("qbusiness", "codewhisperer", "q_")) for c in index["checks"])


def test_ocsf_sample_parses_into_findings() -> None:
    data = json.loads(SAMPLE.read_text(encoding="utf-8"))
    findings, problems = parse_ocsf(data, str(SAMPLE))
    assert problems == [] and len(findings) == len(data) == 17
    assert {f.prowler_version for f in findings} == {"5.46.0"}
    muted = [f for f in findings if f.muted]
    assert [(f.check_id, f.status) for f in muted] == [("iam_user_accesskey_unused", "FAIL")]
    first = findings[0]
    assert (first.check_id, first.status, first.account) == (
        "cloudtrail_multi_region_enabled",
        "PASS",
        "123456789012",
    )
    assert first.resource == "arn:aws:cloudtrail:us-east-1:123456789012:trail/management-trail"
    _, bad = parse_ocsf([{"metadata": {}}], "x.json")
    assert bad == ["x.json: entry 0 is not a Prowler finding (event_code/status_code)"]


def test_prowler_items_follow_the_findings() -> None:
    findings, _ = parse_ocsf(json.loads(SAMPLE.read_text(encoding="utf-8")), "s")
    results = {r.item.key: r for r in assess_prowler_items(findings)}
    assert [i.key for i in PROWLER_ITEMS] == list(results)
    expected = {
        "trail-multi-region": PASS,
        "trail-log-file-validation": FAIL,
        "trail-kms": FAIL,
        "trail-cloudwatch-logs": FAIL,
        "trail-bucket": NOT_ASSESSED,
        "s3-data-events": FAIL,
        "guardduty": FAIL,  # enabled in us-east-1, not in eu-central-1
        "root-keys": PASS,
        "mfa": FAIL,
        "credential-rotation": FAIL,  # the rotation FAIL; the unused-key FAIL is muted
        "password-policy": FAIL,
        "access-analyzer": PASS,
        "asset-inventory": PASS,
    }
    assert {k: r.status for k, r in results.items()} == expected
    assert any("(muted)" in d for d in results["credential-rotation"].details)
    only_muted = [f for f in findings if f.check_id == "iam_user_accesskey_unused"]
    rotation = {r.item.key: r for r in assess_prowler_items(only_muted)}["credential-rotation"]
    assert rotation.status == PASS  # a muted FAIL does not fail the item


@pytest.fixture(scope="module")
def org_assessment():  # type: ignore[no-untyped-def]
    rules = load_rules([ROOT / "rules"]).rules
    exports = load_exports([DATA / "advanced-org"])
    return exports, assess(pack_needs(rules), exports.sources)


def test_amazon_q_checks_on_the_org_sample(org_assessment) -> None:  # type: ignore[no-untyped-def]
    exports, assessment = org_assessment
    data_events, delivery, bucket = check_amazon_q(exports, assessment)
    assert data_events.status == FAIL  # Q Business data events only for one application
    assert "AWS::CodeWhisperer::Profile: logged" in data_events.details  # the Lake store
    assert "AWS::QBusiness::Application: logged for some events" in data_events.details
    assert set(q_data_types()) >= {"AWS::QBusiness::Application", "AWS::CodeWhisperer::Profile"}
    assert delivery.status == FAIL
    assert delivery.details[0] == (
        "Q Business application c3d4e5f6-7890-12ab-cdef-EXAMPLE33333 has no log delivery"
    )
    assert any(
        "qconnect-assistant-events" in d and "feeds no delivery" in d for d in delivery.details
    )
    assert bucket.status == PASS
    assert bucket.details == ("amzn-s3-demo-bucket-qdev-prompts: protected",)
    assert prompt_log_buckets(exports) == ["amzn-s3-demo-bucket-qdev-prompts"]


def test_prompt_log_bucket_weaknesses_are_named(tmp_path: Path, org_assessment) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "org"
    shutil.copytree(DATA / "advanced-org", folder)
    bucket = folder / "s3" / "amzn-s3-demo-bucket-qdev-prompts"
    (bucket / "get-bucket-versioning.json").write_text("", encoding="utf-8")  # never versioned
    (bucket / "get-object-lock-configuration.json").unlink()
    policy = json.loads(json.loads((bucket / "get-bucket-policy.json").read_text())["Policy"])
    del policy["Statement"][0]["Condition"]
    policy["Statement"].append(
        {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*"}
    )
    (bucket / "get-bucket-policy.json").write_text(
        json.dumps({"Policy": json.dumps(policy)}), encoding="utf-8"
    )
    exports = load_exports([folder])
    assert exports.problems == ()
    result = check_prompt_log_bucket(exports, exports.sources)
    problems = [d.split(": ", 1)[1] for d in result.details]
    assert result.status == FAIL
    assert problems == [
        "versioning is not enabled: deleted prompt logs cannot be recovered",
        "object lock not exported (get-object-lock-configuration; "
        "ObjectLockConfigurationNotFoundError means it is off)",
        "the policy allows Principal * without a condition",
        "the q.amazonaws.com grant has no aws:SourceAccount/aws:SourceArn condition",
    ]
    # A named bucket that no trail logs deletions for.
    other = check_prompt_log_bucket(exports, exports.sources, ["amzn-s3-demo-bucket-other"])
    assert any("DeleteObject data events on the bucket are not logged" in d for d in other.details)
    assert check_q_log_delivery(load_exports([DATA / "management-only"])).status == NOT_ASSESSED


def test_cli_readiness_reports_and_writes_the_fix(tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "fix"
    args = ["readiness", str(DATA / "management-only"), str(SAMPLE), "--rules", str(ROOT / "rules")]
    result = runner.invoke(main, [*args, "--format", "json", "--fix-out", str(out)])
    assert result.exit_code == 1, result.output  # blind data-event rules
    report = json.loads(result.stdout)
    assert report["summary"]["blind"] > 0 and report["problems"] == []
    assert {p["origin"] for p in report["preparation"]} == {"prowler", "sigmaq"}
    assert report["fix"]["cost_caveat"].startswith("Data events are charged")
    assert sorted(p.name for p in out.iterdir()) == [
        "cloudformation.yaml",
        "put-event-selectors.json",
        "terraform.tf",
    ]
    never = runner.invoke(main, [*args, "--fail-on", "never"])
    assert never.exit_code == 0
    assert "Playbook" in never.stdout and "Fix for trail management-trail" in never.stdout
    one = runner.invoke(main, [*args, "--rule", "IAM User Created Or Deleted", "--format", "json"])
    assert one.exit_code == 0 and json.loads(one.stdout)["summary"]["ready"] == 1


def test_cli_readiness_names_a_missing_export_and_reads_the_rest(tmp_path: Path) -> None:
    """A missing export path is an export problem (named on stderr, exit 1) and every other
    export is still read and assessed, as the README says; it was a usage error before."""
    missing = tmp_path / "missing-export.json"
    args = [
        "readiness",
        str(DATA / "management-only"),
        str(missing),
        "--rules",
        str(ROOT / "rules"),
    ]
    result = CliRunner().invoke(main, [*args, "--fail-on", "never", "--format", "json"])
    assert result.exit_code == 1, result.output
    report = json.loads(result.stdout)
    assert report["problems"] == [f"{missing}: no such file or folder"]
    assert report["summary"]["ready"] > 0  # the management-only export was read
    assert f"export problem: {missing}: no such file or folder" in result.stderr
