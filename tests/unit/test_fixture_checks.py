"""The fixture checks (``sigmaq.validate.fixtures``): each names the fixture file, the line
and the JSON path of the offending key, with a readable message, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from sigmaq.core.jsonfmt import canonical_json
from sigmaq.replay.readers import ReadStats, iter_records
from sigmaq.validate.fixtures.checks import FIXTURE_CHECKS
from sigmaq.validate.fixtures.request_params import check_request_parameters
from sigmaq.validate.fixtures.runner import FixtureTarget, run_fixture_checks
from sigmaq.validate.fixtures.source import key_lines

ROOT = Path(__file__).resolve().parents[2]
EXTERNAL = ROOT.parent / "shared" / "data" / "external"
GOOD = json.loads(
    (ROOT / "fixtures/q_business/aws_cloudtrail_q_business_chat_controls_configuration_deleted")
    .glob("pos_*.json")
    .__next__()
    .read_text(encoding="utf-8")
)


def _write(
    tmp_path: Path, record: Any, name: str = "pos_case.json", text: str | None = None
) -> Path:
    path = tmp_path / name
    path.write_text(text if text is not None else canonical_json(record), encoding="utf-8")
    return path


def _run(path: Path, *checks: str) -> list[Any]:
    return run_fixture_checks(
        [FixtureTarget(path, "rule-id", "Rule")], set(checks or FIXTURE_CHECKS)
    )


def _line_of(path: Path, needle: str) -> int:
    return next(
        i for i, text in enumerate(path.read_text("utf-8").splitlines(), 1) if needle in text
    )


def test_a_pack_fixture_is_clean(tmp_path: Path) -> None:
    assert _run(_write(tmp_path, GOOD)) == []


def test_unknown_request_key_names_file_key_and_line(tmp_path: Path) -> None:
    record = json.loads(json.dumps(GOOD))
    record["requestParameters"]["applicationIdd"] = record["requestParameters"].pop("applicationId")
    path = _write(tmp_path, record)
    findings = _run(path, "fixture_request_parameters")
    assert len(findings) == 1
    finding = findings[0]
    assert finding.path == path and finding.check == "fixture_request_parameters"
    assert finding.line == _line_of(path, '"applicationIdd"')
    assert "$.requestParameters.applicationIdd" in finding.message
    assert "did you mean applicationId" in finding.message
    assert finding.rule_id == "rule-id"


def test_enum_values_are_checked(tmp_path: Path) -> None:
    problems = check_request_parameters(
        "qbusiness.amazonaws.com", "CreateApplication", {"identityType": "ANONYMOUSLY"}
    )
    assert len(problems) == 1
    assert problems[0].path == ("requestParameters", "identityType")
    assert "'ANONYMOUSLY' is not a IdentityType value" in problems[0].message
    assert "ANONYMOUS" in problems[0].message


def test_cloudtrail_spellings_are_accepted() -> None:
    # KMS (json protocol): CloudTrail lower-cases the first letter of KeyId.
    assert check_request_parameters("kms.amazonaws.com", "DisableKey", {"keyId": "k"}) == []
    # EKS: the URI member clusterName is logged under its wire name.
    assert check_request_parameters("eks.amazonaws.com", "DescribeCluster", {"name": "c"}) == []
    # Lambda's versioned eventNames, and a key CloudTrail adds.
    assert (
        check_request_parameters(
            "lambda.amazonaws.com",
            "UpdateFunctionCode20150331v2",
            {"functionName": "f", "fullyQualifiedArn": "arn"},
        )
        == []
    )
    # HIDDEN_DUE_TO_SECURITY_REASONS stands for any value.
    assert (
        check_request_parameters(
            "qbusiness.amazonaws.com",
            "CreateApplication",
            {"identityType": "HIDDEN_DUE_TO_SECURITY_REASONS"},
        )
        == []
    )
    # Not checked: protocols CloudTrail does not render as the model (EC2, S3, IAM).
    assert check_request_parameters("ec2.amazonaws.com", "RunInstances", {"x": 1}) == []
    assert check_request_parameters("s3.amazonaws.com", "GetObject", {"bucketName": "b"}) == []


@pytest.mark.skipif(not EXTERNAL.is_dir(), reason=f"shared real data absent: {EXTERNAL}")
def test_request_check_on_real_cloudtrail_data() -> None:
    """Measured: on delivered public records the check flags only hand-edited samples."""
    paths = [
        EXTERNAL / "invictus-ir-aws_dataset/CloudTrail",
        EXTERNAL / "stratus-red-team/detonation-logs",
        EXTERNAL / "traildiscover/logExamples",
    ]
    checked, flagged = 0, []
    for record, ref in iter_records(paths, ReadStats()):
        source, name = record.get("eventSource"), record.get("eventName")
        if not isinstance(source, str) or not isinstance(name, str):
            continue
        checked += 1
        if check_request_parameters(source, name, record.get("requestParameters")):
            flagged.append(Path(ref.source).name)
    assert checked > 3500
    # TrailDiscover lab samples edited by hand (an enum 'TrailDiscoverFrequency', a
    # lower-case 'json' enum value, a trimmed SendEmail request).
    assert set(flagged) <= {
        "GuardDuty-UpdateDetector.json.cloudtrail",
        "UpdateDetector.json.cloudtrail",
        "AppSync-GetIntrospectionSchema.json.cloudtrail",
        "GetIntrospectionSchema.json.cloudtrail",
        "SendEmail.json.cloudtrail",
    }, flagged
    assert len(flagged) <= 6


def test_event_catalog_suggests_the_right_name(tmp_path: Path) -> None:
    record = {**GOOD, "eventSource": "cloudtrail.amazonaws.com", "eventName": "StopLoging"}
    path = _write(tmp_path, record)
    findings = _run(path, "fixture_event_catalog")
    assert [f.message for f in findings] == [
        "cloudtrail.amazonaws.com does not log an eventName 'StopLoging' "
        "(did you mean StopLogging?)"
    ]
    assert findings[0].line == _line_of(path, '"eventName"')
    record = {**GOOD, "eventSource": "cloudtrial.amazonaws.com"}
    findings = _run(_write(tmp_path, record), "fixture_event_catalog")
    assert "did you mean cloudtrail.amazonaws.com" in findings[0].message


@pytest.mark.parametrize(
    ("source", "name", "flagged"),
    [
        ("sso.amazonaws.com", "AssociateDirectory", False),  # console-only IAM action
        ("s3.amazonaws.com", "PutLifecycleConfiguration", True),  # logged as its operation
        ("sso.amazonaws.com", "AssociateDirectorie", True),
    ],
)
def test_event_catalog_accepts_console_only_iam_actions(
    tmp_path: Path, source: str, name: str, flagged: bool
) -> None:
    record = {**GOOD, "eventSource": source, "eventName": name}
    findings = _run(_write(tmp_path, record), "fixture_event_catalog")
    assert bool(findings) is flagged, [f.message for f in findings]


def test_schema_canonical_documentation_and_stub(tmp_path: Path) -> None:
    record = json.loads(json.dumps(GOOD))
    record["readOnly"] = "false"
    record["sourceIPAddress"] = "8.8.8.8"
    record["sigmaqStub"] = "positive: edit me"
    path = _write(tmp_path, record, text=json.dumps(record, indent=4))
    findings = {f.check: f for f in _run(path)}
    assert set(findings) == {
        "fixture_schema",
        "fixture_canonical_json",
        "fixture_documentation_values",
        "fixture_stub",
    }
    assert "$.readOnly" in findings["fixture_schema"].message
    assert findings["fixture_schema"].line == _line_of(path, '"readOnly"')
    assert "sigmaq fixture format" in findings["fixture_canonical_json"].message
    assert (
        "8.8.8.8 is not a documentation address" in findings["fixture_documentation_values"].message
    )
    assert "still a stub" in findings["fixture_stub"].message


def test_unreadable_fixtures_are_findings(tmp_path: Path) -> None:
    broken = _write(tmp_path, None, "pos_broken.json", text='{"Records": [')
    empty = _write(tmp_path, None, "neg_empty.json", text='{"Records": []}')
    findings = run_fixture_checks(
        [FixtureTarget(broken), FixtureTarget(empty)], set(FIXTURE_CHECKS)
    )
    assert [(f.path.name, f.check, f.severity) for f in findings] == [
        ("neg_empty.json", "fixture_read", "error"),
        ("pos_broken.json", "fixture_read", "error"),
    ]
    assert "not valid JSON" in findings[1].message


def test_json_syntax_error_names_its_line(tmp_path: Path) -> None:
    """A fixture that is not JSON is located at the line of the syntax error."""
    text = '{\n  "eventName": "StopLogging",\n  "eventSource" "cloudtrail.amazonaws.com"\n}\n'
    broken = _write(tmp_path, None, "pos_broken.json", text=text)
    empty = _write(tmp_path, None, "neg_empty.json", text='{"Records": []}')
    findings = run_fixture_checks([FixtureTarget(broken), FixtureTarget(empty)], {"fixture_read"})
    assert [(f.path.name, f.line) for f in findings] == [
        ("neg_empty.json", None),
        ("pos_broken.json", 3),
    ]


def test_duplicate_event_ids_across_files(tmp_path: Path) -> None:
    first = _write(tmp_path, GOOD, "pos_a.json")
    second = _write(tmp_path, GOOD, "neg_b.json")
    findings = run_fixture_checks(
        [FixtureTarget(first), FixtureTarget(second)], {"fixture_unique_event_ids"}
    )
    assert len(findings) == 2
    assert all("is used 2 times" in f.message for f in findings)


def test_key_lines_of_nested_json() -> None:
    text = canonical_json({"Records": [{"a": {"b": [1, {"c": "x"}]}, "d": None}]})
    lines = key_lines(text)
    assert lines[("Records", 0, "a", "b", 1, "c")] == 8
    assert lines[("Records", 0, "d")] == 12
    assert key_lines("{not json") == {}
