"""Authoring: `sigmaq new` scaffolds, `sigmaq fixture capture` and its redaction,
`sigmaq fixture format`."""

from __future__ import annotations

import gzip
import json
import os
import re
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from sigmaq.authoring.capture import capture
from sigmaq.authoring.redact import Redactor, redact_records
from sigmaq.authoring.scaffold import NewRule, build_scaffold, write_scaffold
from sigmaq.cli import main
from sigmaq.core.errors import ConfigError
from sigmaq.core.layout import expected_rule_filename, flat_fixtures_for
from sigmaq.replay.readers import ReadStats, read_file
from sigmaq.validate.fixtures.checks import FIXTURE_CHECKS
from sigmaq.validate.fixtures.documentation import documentation_problems
from sigmaq.validate.fixtures.runner import FixtureTarget, run_fixture_checks
from sigmaq.validate.record_schema import validate_record
from sigmaq.validate.runner import validate_paths

ROOT = Path(__file__).resolve().parents[2]
EXTERNAL = ROOT.parent / "shared" / "data" / "external"


# --------------------------------------------------------------------------- redaction

SECRETS = {
    "account": "742491224508",
    "other_account": "210987654322",
    "ip": "8.8.4.4",
    "private_ip": "10.20.30.40",
    "ipv6": "2a00:1450:4001:81c::200e",
    "key": "AKIA2QWERTYUIOPASDFG",
    "session_key": "ASIA5ZXCVBNMLKJHGFDS",
    "email": "jane.doe@corp-example.io",
    "user": "jdoe-admin",
    "role": "PayrollDeployer",
    "session": "build-runner-7",
    "bucket": "acme-payroll-exports",
    "unique": "AROA3XYZABCDEFGHIJKLM",
    "instance": "i-0a1b2c3d4e5f60718",
    "uuid": "c7f1c2d4-90ab-4cde-8f01-23456789abcd",
}


def _real_record() -> dict[str, Any]:
    s = SECRETS
    return {
        "eventVersion": "1.09",
        "userIdentity": {
            "type": "AssumedRole",
            "principalId": f"{s['unique']}:{s['session']}",
            "arn": f"arn:aws:sts::{s['account']}:assumed-role/{s['role']}/{s['session']}",
            "accountId": s["account"],
            "accessKeyId": s["session_key"],
            "sessionContext": {
                "sessionIssuer": {
                    "type": "Role",
                    "principalId": s["unique"],
                    "arn": f"arn:aws:iam::{s['account']}:role/{s['role']}",
                    "accountId": s["account"],
                    "userName": s["role"],
                },
                "attributes": {"creationDate": "2025-01-02T03:04:05Z", "mfaAuthenticated": "false"},
            },
        },
        "eventTime": "2025-01-02T03:05:06Z",
        "eventSource": "s3.amazonaws.com",
        "eventName": "PutBucketPolicy",
        "awsRegion": "eu-west-1",
        "sourceIPAddress": s["ip"],
        "userAgent": f"aws-cli/2.15 via {s['private_ip']} by {s['email']}",
        "requestParameters": {
            "bucketName": s["bucket"],
            "bucketPolicy": {
                "Statement": [
                    {
                        "Principal": {"AWS": f"arn:aws:iam::{s['other_account']}:user/{s['user']}"},
                        "Resource": f"arn:aws:s3:::{s['bucket']}/*",
                        "Condition": {"IpAddress": {"aws:SourceIp": [s["ipv6"], s["ip"]]}},
                    }
                ]
            },
            "notes": f"requested by {s['user']} for {s['instance']} ({s['uuid']})",
            s["user"]: f"a key named after {s['email']}",
        },
        "responseElements": None,
        "additionalEventData": {"AuthenticationMethod": "AuthHeader", "x-amz-id-2": s["key"]},
        "requestID": s["uuid"],
        "eventID": "0f6d1c2e-3b4a-4c5d-8e9f-0a1b2c3d4e5f",
        "readOnly": False,
        "resources": [
            {
                "accountId": s["account"],
                "type": "AWS::S3::Bucket",
                "ARN": f"arn:aws:s3:::{s['bucket']}",
            }
        ],
        "eventType": "AwsApiCall",
        "managementEvent": True,
        "recipientAccountId": s["account"],
        "eventCategory": "Management",
        "tlsDetails": {"clientProvidedHostHeader": f"{s['bucket']}.s3.eu-west-1.amazonaws.com"},
    }


def _survivors(text: str, values: list[str]) -> list[str]:
    return [
        v for v in values if re.search(rf"(?<![A-Za-z0-9_-]){re.escape(v)}(?![A-Za-z0-9_-])", text)
    ]


def test_no_original_value_survives_anywhere() -> None:
    out = redact_records([_real_record()])[0]
    text = json.dumps(out)
    assert _survivors(text, list(SECRETS.values())) == []
    assert documentation_problems(out) == []
    assert validate_record(out) == validate_record(_real_record())
    # CloudTrail's own vocabulary is kept
    assert (out["eventName"], out["eventSource"], out["awsRegion"]) == (
        "PutBucketPolicy",
        "s3.amazonaws.com",
        "eu-west-1",
    )


def test_rewrites_are_consistent_across_records() -> None:
    first, second = _real_record(), _real_record()
    second["sourceIPAddress"] = "9.9.9.9"
    a, b = redact_records([first, second])
    assert a["userIdentity"] == b["userIdentity"]
    assert a["userIdentity"]["accountId"] == "123456789012"
    assert a["requestParameters"]["bucketPolicy"]["Statement"][0]["Principal"]["AWS"].startswith(
        "arn:aws:iam::111122223333:user/"
    )
    assert a["sourceIPAddress"] != b["sourceIPAddress"]
    role = a["userIdentity"]["sessionContext"]["sessionIssuer"]["userName"]
    assert a["userIdentity"]["arn"].endswith(
        f"assumed-role/{role}/" + a["userIdentity"]["principalId"].split(":")[1]
    )
    assert a["requestParameters"]["bucketName"] in a["tlsDetails"]["clientProvidedHostHeader"]
    # the same input gives the same output (deterministic)
    assert redact_records([_real_record()]) == redact_records([_real_record()])


def test_aws_owned_names_are_kept() -> None:
    record = {
        "eventName": "AttachRolePolicy",
        "requestParameters": {
            "policyArn": "arn:aws:iam::aws:policy/AdministratorAccess",
            "roleName": "AWSServiceRoleForAmazonQDeveloper",
        },
        "userIdentity": {"invokedBy": "q.amazonaws.com"},
    }
    out = redact_records([record])[0]
    assert out == record


@pytest.mark.skipif(not EXTERNAL.is_dir(), reason=f"shared real data absent: {EXTERNAL}")
def test_real_files_become_documentation_only() -> None:
    folder = EXTERNAL / "stratus-red-team" / "detonation-logs"
    files = sorted(p for p in folder.iterdir() if p.is_file())[:25]
    assert files
    for path in files:
        records = [record for record, _ in read_file(path, ReadStats())]
        redactor = Redactor()
        for record in records:
            redactor.learn(record)
        out = [redactor.redact(record) for record in records]
        text = json.dumps(out)
        originals = [*redactor.accounts, *redactor.ipv4, *redactor.emails, *redactor.names]
        assert _survivors(text, [o for o in originals if o not in redactor.accounts.values()]) == []
        problems = [p for record in out for p in documentation_problems(record)]
        assert problems == [], (path.name, problems[:3])
        for before, after in zip(records, out, strict=True):
            if not validate_record(before):
                assert validate_record(after) == [], path.name


def test_capture_writes_matching_documentation_fixtures(tmp_path: Path) -> None:
    rule = (
        ROOT
        / "rules"
        / "containment"
        / "aws_cloudtrail_cloudtrail_logging_stopped_or_trail_deleted.yml"
    )
    pack_fixture = next((ROOT / "fixtures" / "containment" / rule.stem).glob("pos_*.json"))
    real = json.loads(pack_fixture.read_text("utf-8"))
    records = real.get("Records", [real])
    leaked = json.loads(
        json.dumps(records)
        .replace("123456789012", SECRETS["account"])
        .replace("198.51.100.", "8.8.8.")
    )
    noise = {**_real_record(), "eventID": "11111111-2222-4333-8444-555555555555"}
    archive = tmp_path / "archive" / "trail.json.gz"
    archive.parent.mkdir()
    archive.write_bytes(gzip.compress(json.dumps({"Records": [noise, *leaked]}).encode()))
    out = tmp_path / "out"
    report = capture([archive.parent], [ROOT / "rules"], rule.stem, out)
    assert report.findings >= 1 and report.written
    assert all(written.still_matches for written in report.written)
    for written in report.written:
        text = written.path.read_text("utf-8")
        assert SECRETS["account"] not in text and "8.8.8." not in text
    findings = run_fixture_checks(
        [FixtureTarget(w.path) for w in report.written],
        set(FIXTURE_CHECKS) - {"fixture_orphan"},
    )
    assert findings == []
    with pytest.raises(ConfigError, match="no rule"):
        capture([archive], [ROOT / "rules"], "no such rule", out)


def test_capture_beside_a_flat_rule_names_fixtures_after_it(tmp_path: Path) -> None:
    """Flat layout: fixtures captured into the rule's own folder are named
    ``<rule stem>.pos_captured_NN.json``, so `sigmaq test` replays them; captured
    anywhere else, the report says where `sigmaq test` looks."""
    source = (
        ROOT
        / "rules"
        / "containment"
        / "aws_cloudtrail_cloudtrail_logging_stopped_or_trail_deleted.yml"
    )
    rules = tmp_path / "detections"
    rules.mkdir()
    rule = rules / "trail_stopped.yml"
    rule.write_text(source.read_text("utf-8"), encoding="utf-8")
    archive = next((ROOT / "fixtures" / "containment" / source.stem).glob("pos_*.json"))
    report = capture([archive], [rules], rule.stem, rules)
    assert report.written and report.where_tested is None
    assert [w.path.name for w in report.written] == ["trail_stopped.pos_captured_01.json"]
    assert flat_fixtures_for(rule)[0] == [w.path for w in report.written]
    elsewhere = capture([archive], [rules], rule.stem, tmp_path / "elsewhere")
    assert [w.path.name for w in elsewhere.written] == ["pos_captured_01.json"]
    assert elsewhere.where_tested == rules


def test_capture_reads_what_exists_and_counts_a_missing_archive_unreadable(
    tmp_path: Path,
) -> None:
    """As hunt, investigate and readiness: a missing archive path is named and counted
    unreadable, every other path is still read and its fixtures written, and the exit
    code is 1 (input was lost), not click's usage error 2."""
    rule = "aws_cloudtrail_cloudtrail_logging_stopped_or_trail_deleted"
    archive = next((ROOT / "fixtures" / "containment" / rule).glob("pos_*.json"))
    missing = tmp_path / "no-such-archive"
    report = capture([missing, archive], [ROOT / "rules"], rule, tmp_path / "lib")
    assert report.unreadable_files == 1 and report.written
    assert any(str(missing) in p and "no such file" in p for p in report.problems)
    out = tmp_path / "out"
    args = ["fixture", "capture", str(missing), str(archive), "--rule", rule, "-o", str(out)]
    result = CliRunner().invoke(main, [*args, "--rules", str(ROOT / "rules")])
    assert result.exit_code == 1, result.output
    assert f"{missing}: no such file or directory" in result.output
    assert "1 unreadable" in result.output
    assert sorted(p.name for p in out.iterdir()) == ["pos_captured_01.json"]
    alone = ["fixture", "capture", str(missing), "--rule", rule, "-o", str(tmp_path / "none")]
    result = CliRunner().invoke(main, [*alone, "--rules", str(ROOT / "rules")])
    assert result.exit_code == 1, result.output
    assert "no CloudTrail record was read" in result.output
    assert not (tmp_path / "none").exists()


# --------------------------------------------------------------------------- scaffold


def _project(tmp_path: Path) -> Path:
    for name in ("sigmaq.yml",):
        shutil.copy(ROOT / name, tmp_path / name)
    (tmp_path / "rules").mkdir()
    (tmp_path / "fixtures" / "_baseline").mkdir(parents=True)
    (tmp_path / ".git").mkdir()
    return tmp_path


@pytest.mark.parametrize(
    ("component", "source", "names", "catalogue", "data_event"),
    [
        ("q_business", None, ("DeleteChatControlsConfiguration",), ("AQ-06",), None),
        (
            "q_developer",
            "codewhisperer.amazonaws.com",
            ("GenerateCompletions",),
            ("AQ-26",),
            "AWS::CodeWhisperer::Profile",
        ),
        ("containment", None, ("CreateAccessKey", "DeleteAccessKey"), (), None),
        ("q_business", None, ("ChatSync",), ("AQ-19",), "AWS::QBusiness::Application"),
    ],
)
def test_scaffold_is_valid_and_its_stubs_fail_clearly(
    tmp_path: Path,
    component: str,
    source: str | None,
    names: tuple[str, ...],
    catalogue: tuple[str, ...],
    data_event: str | None,
) -> None:
    root = _project(tmp_path)
    request = NewRule(
        title=f"Scaffolded {names[0]} Rule",
        component=component,
        event_names=names,
        event_sources=(source,) if source else (),
        catalogue=catalogue,
        attack=("T1098",),
        author="Tester",
    )
    scaffold = build_scaffold(request, root=root, today=date(2026, 12, 1))
    written = write_scaffold(scaffold)
    assert scaffold.rule_path == root / "rules" / component / expected_rule_filename(request.title)
    assert len(written) == 4
    rule_text = scaffold.rule_path.read_text("utf-8")
    assert "author: Tester" in rule_text and "date: 2026-12-01" in rule_text
    assert "#   AQ-01  Q Business application created with anonymous access" in rule_text
    if data_event:
        data_line = next(line for line in rule_text.splitlines() if "data_events:" in line)
        assert data_event in data_line
    report = validate_paths([root / "rules"], project_root=root)
    by_validator: dict[str, int] = {}
    for finding in report.findings:
        by_validator[finding.validator] = by_validator.get(finding.validator, 0) + 1
    assert by_validator == {"fixture_stub": 3}, [f.message for f in report.findings]
    for path in scaffold.fixture_paths:
        record = json.loads(path.read_text("utf-8"))
        assert record["eventSource"] == (source or record["eventSource"])
        if record["eventName"] == names[0]:  # the positive and the denied call
            assert record["eventCategory"] == ("Data" if data_event else "Management")
            assert record["managementEvent"] is (not data_event)
    positive = next(p for p in scaffold.fixture_paths if p.name.startswith("pos_"))
    assert json.loads(positive.read_text("utf-8"))["eventName"] == names[0]
    denied = json.loads(
        next(p for p in scaffold.fixture_paths if p.name.endswith("_denied.json")).read_text(
            "utf-8"
        )
    )
    # the error names the caller of the record, as CloudTrail's AccessDenied message does
    caller = denied["userIdentity"].get("arn")
    assert denied["errorMessage"].startswith(f"User: {caller} is not" if caller else "User is not")
    assert f":{names[0]}" in denied["errorMessage"]


def test_scaffold_refuses_bad_input_with_hints(tmp_path: Path) -> None:
    root = _project(tmp_path)
    with pytest.raises(ConfigError, match="did you mean StopLogging"):
        build_scaffold(
            NewRule("Trail Stopped", "containment", ("StopLoging",), ("cloudtrail.amazonaws.com",)),
            root=root,
        )
    with pytest.raises(ConfigError, match="give --catalogue"):
        build_scaffold(NewRule("X Y", "q_business", ("CreatePlugin",)), root=root)
    with pytest.raises(ConfigError, match="several eventSources"):
        build_scaffold(NewRule("X Y", "containment", ("CreateUser",)), root=root)
    # the IAM action of an operation of another name is not what CloudTrail logs
    with pytest.raises(ConfigError, match="is not logged by s3"):
        build_scaffold(
            NewRule("X Y", "containment", ("PutLifecycleConfiguration",), ("s3.amazonaws.com",)),
            root=root,
        )


def test_scaffold_takes_a_console_only_iam_action(tmp_path: Path) -> None:
    """CloudTrail logs console-only calls under their IAM action name (no SDK model)."""
    root = _project(tmp_path)
    scaffold = build_scaffold(
        NewRule(
            "Identity Center Directory Associated",
            "containment",
            ("AssociateDirectory",),
            ("sso.amazonaws.com",),
        ),
        root=root,
    )
    assert "AssociateDirectory" in scaffold.files[scaffold.rule_path]
    assert "sso.amazonaws.com" in scaffold.files[scaffold.rule_path]


def test_sigmaq_new_cli_flat_layout(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    cwd = Path.cwd()
    os.chdir(tmp_path)
    try:
        result = CliRunner().invoke(
            main,
            ["new", "Trail Logging Stopped", "--event-name", "StopLogging", "--dir", "rules"],
        )
    finally:
        os.chdir(cwd)
    assert result.exit_code == 0, result.output
    # the next steps are commands that work on a flat folder (update/build need a pack)
    assert "sigmaq update" not in result.stderr and "sigmaq build" not in result.stderr
    for step in ("sigmaq fixture format rules", "sigmaq validate rules", "sigmaq test rules"):
        assert step in result.stderr
    files = sorted(p.name for p in (tmp_path / "rules").iterdir())
    assert files[-1] == "aws_cloudtrail_trail_logging_stopped.yml"
    assert any(name.startswith("aws_cloudtrail_trail_logging_stopped.pos_") for name in files)
    assert sum(".neg_" in name for name in files) == 2


def test_fixture_format_cli(tmp_path: Path) -> None:
    path = tmp_path / "pos_x.json"
    path.write_text(json.dumps({"b": 1, "a": [1, 2]}), encoding="utf-8")
    runner = CliRunner()
    assert runner.invoke(main, ["fixture", "format", "--check", str(tmp_path)]).exit_code == 1
    assert runner.invoke(main, ["fixture", "format", str(tmp_path)]).exit_code == 0
    assert path.read_text("utf-8") == '{\n  "b": 1,\n  "a": [\n    1,\n    2\n  ]\n}\n'
    assert runner.invoke(main, ["fixture", "format", "--check", str(tmp_path)]).exit_code == 0


@pytest.mark.parametrize(
    ("source", "name"),
    [
        ("qbusiness.amazonaws.com", "CreateChatResponseConfiguration"),
        ("qapps.amazonaws.com", "CreateQApp"),
        ("wisdom.amazonaws.com", "CreateAssistant"),
        ("chatbot.amazonaws.com", "CreateSlackChannelConfiguration"),
        ("iam.amazonaws.com", "CreateRole"),
    ],
)
def test_stub_host_header_is_the_endpoint_botocore_resolves(source: str, name: str) -> None:
    """A stub's tlsDetails.clientProvidedHostHeader is the host the SDK calls: Q Business
    is dual-stack by default (``qbusiness.<region>.api.aws``), Q Apps is
    ``data.qapps.<region>.amazonaws.com`` (endpoint rule sets of the botocore models)."""
    botocore_session = pytest.importorskip("botocore.session")
    from sigmaq.authoring.scaffold import REGION, stub_record
    from sigmaq.core.request_shapes import services_for

    client = botocore_session.get_session().create_client(
        services_for(source)[0],
        region_name=REGION,
        aws_access_key_id="AKIAIOSFODNN7EXAMPLE",
        aws_secret_access_key="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    )
    expected = client.meta.endpoint_url.removeprefix("https://")
    record = stub_record(source, name, when="2026-12-06T10:15:00Z", note="n", new_id=lambda: "x")
    assert record["tlsDetails"]["clientProvidedHostHeader"] == expected


@pytest.mark.parametrize(
    ("config", "option", "expected"),
    [
        ("author: Detection Engineering\n", [], "Detection Engineering"),
        ("author: Detection Engineering\n", ["--author", "Jane Doe"], "Jane Doe"),
        ("", [], "Git Name From Config"),
    ],
)
def test_new_takes_the_author_of_sigmaq_yml_before_git(
    tmp_path: Path, config: str, option: list[str], expected: str
) -> None:
    """A pack states its authorship convention once (this pack: `author: sigmaq
    contributors`); `sigmaq new` wrote each contributor's `git config user.name` instead."""
    project = _project(tmp_path)
    (project / "sigmaq.yml").write_text(
        "profile: amazon_q\nrules: [rules]\n" + config, encoding="utf-8"
    )
    shutil.rmtree(project / ".git")
    import subprocess

    subprocess.run(["git", "init", "-q", str(project)], check=True)
    subprocess.run(
        ["git", "-C", str(project), "config", "user.name", "Git Name From Config"], check=True
    )
    cwd = Path.cwd()
    os.chdir(project)
    try:
        result = CliRunner().invoke(
            main,
            [
                *("new", "Q Business Index Updated", "-c", "q_business"),
                *("--event-name", "UpdateIndex", "--catalogue", "AQ-14", *option),
            ],
        )
    finally:
        os.chdir(cwd)
    assert result.exit_code == 0, result.output
    path = project / "rules" / "q_business" / "aws_cloudtrail_q_business_index_updated.yml"
    rule = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert rule["author"] == expected


def test_the_pack_states_its_author_convention() -> None:
    from sigmaq.validate.config import load_project_config

    config = load_project_config(ROOT / "rules")
    authors = {
        yaml.safe_load(path.read_text(encoding="utf-8"))["author"]
        for path in (ROOT / "rules").rglob("*.yml")
    }
    assert authors == {config.author}
