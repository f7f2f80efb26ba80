"""``sigmaq investigate`` on an archive built from the pack's own attack fixtures.

The archive holds the July 2025 wiper (``fixtures/q_agent``), IAM persistence from
``fixtures/containment`` (a user, a role and an access key created), a custom Q Business
plugin created without authentication and then invoked from chat, and a data accessor
granted to another account (``fixtures/q_business``). Each question's answer must name
the planted resources and principals, with eventIDs that exist in the input, and the
checklist must list exactly the keys and resources the attackers created or used.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import orjson
import pytest

from sigmaq.core.loader import load_rules
from sigmaq.hunt.rules import replayable_rules
from sigmaq.investigate.model import Answer, Report
from sigmaq.investigate.render_json import to_dict, validate
from sigmaq.investigate.render_markdown import render_markdown
from sigmaq.investigate.runner import InvestigateOptions, investigate

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures"
WIPER = (
    "q_agent/aws_cloudtrail_destructive_aws_api_call_by_amazon_q_agent/"
    "pos_july2025_use_aws_wipe_three_accounts.json"
)
PLANTED = {
    "wiper": WIPER,
    "key": "containment/aws_cloudtrail_iam_access_key_created/pos_rotation_key_created.json",
    "user": "containment/aws_cloudtrail_iam_user_created_or_deleted/pos_create_user.json",
    "role": "containment/aws_cloudtrail_iam_role_or_policy_created_or_deleted/pos_create_role.json",
    "plugin": "q_business/aws_cloudtrail_q_business_custom_or_unauthenticated_plugin_created_"
    "or_changed/pos_custom_plugin_without_auth.json",
    "invoke": "q_business/aws_cloudtrail_q_business_plugin_action_executed_from_chat/"
    "pos_plugin_action_executed.json",
    "accessor": "q_business/aws_cloudtrail_q_business_data_accessor_created_or_updated/"
    "pos_external_isv_accessor_created.json",
}

SSO_ADMIN = "assumed-role/AWSReservedSSO_AdministratorAccess_0123456789abcdef"
DEV_ALICE = "arn:aws:iam::123456789012:user/dev-alice"
CI_DEPLOYER = "arn:aws:iam::444455556666:user/ci-deployer"
SSO_DEV = f"arn:aws:sts::111122223333:{SSO_ADMIN}/dev@example.com"
SECOPS = f"arn:aws:sts::123456789012:{SSO_ADMIN}/secops@example.com"
BOB = "arn:aws:sts::123456789012:assumed-role/QBusinessPlatformAdmin/bob"
WEB = "arn:aws:sts::123456789012:assumed-role/QBusinessWebExperienceRole/qbusiness-web-experience"
APP = "a1b2c3d4-5678-90ab-cdef-EXAMPLE11111"
PLUGIN = "0a1b2c3d-4e5f-6a7b-8c9d-EXAMPLE88881"
ACCESSOR = "da123456-7890-abcd-ef01-EXAMPLE66666"
ISV_ROLE = "arn:aws:iam::444455556666:role/isv-data-accessor"

# What the attackers created (the checklist must list exactly these) ...
CREATED = {
    ("iam:user", "svc-reporting"),
    ("iam:role", "InvoiceLambdaRole"),
    ("qbusiness:plugin", PLUGIN),
    ("qbusiness:data-accessor", ACCESSOR),
}
CREATED_KEY = "AKIAI44QH8DHEEXAMPLE"
# ... the long-term keys they used (step 6: rotate) ...
USED_KEYS = {"AKIAIOSFODNN7EXAMPLE", "AKIAI44QH8DHBEXAMPLE"}
# ... and what the wiper deleted.
DELETED_USERS = {"build-bot", "staging-svc", "reporting"}
DELETED_KEYS = {"AKIAIOSFODNN8EXAMPLE", "AKIAI44QH8DHCEXAMPLE", "AKIAI44QH8DHDEXAMPLE"}


def _records(relative: str) -> list[dict[str, Any]]:
    data = json.loads((FIXTURES / relative).read_text(encoding="utf-8"))
    return data["Records"] if isinstance(data, dict) and "Records" in data else [data]


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An S3-layout archive: the wiper as a gzip delivery file, the rest as NDJSON."""
    root = tmp_path_factory.mktemp("archive")
    folder = root / "AWSLogs" / "123456789012" / "CloudTrail" / "us-east-1" / "2026" / "11" / "18"
    folder.mkdir(parents=True)
    wiper = folder / "123456789012_CloudTrail_us-east-1_20261118T1400Z_wiperEXAMPLE0001.json.gz"
    wiper.write_bytes(gzip.compress(orjson.dumps({"Records": _records(WIPER)})))
    lines = [
        orjson.dumps(r) for name, path in PLANTED.items() if name != "wiper" for r in _records(path)
    ]
    (root / "planted.ndjson").write_bytes(b"\n".join(lines) + b"\n")
    return root


@pytest.fixture(scope="module")
def input_ids() -> set[str]:
    return {r["eventID"] for path in PLANTED.values() for r in _records(path)}


@pytest.fixture(scope="module")
def report(archive: Path) -> Report:
    loaded = load_rules([ROOT / "rules"])
    rules, refused = replayable_rules([r.rule for r in loaded.rules])
    assert not refused and not loaded.errors
    return investigate([archive], rules, InvestigateOptions())


def _answer(report: Report, question: str) -> Answer:
    return next(a for a in report.answers if a.id == question)


def _column(answer: Answer, name: str) -> list[object]:
    index = answer.table.columns.index(name)
    return [row[index] for row in answer.table.rows]


def _rows(answer: Answer) -> list[dict[str, object]]:
    return [dict(zip(answer.table.columns, row, strict=True)) for row in answer.table.rows]


def test_every_record_is_read_and_evidence_points_into_the_input(
    report: Report, input_ids: set[str]
) -> None:
    assert report.run.records_read == len(input_ids) and report.run.malformed == 0
    for answer in report.answers:
        for evidence in answer.evidence:
            assert evidence.event_id in input_ids, (answer.id, evidence)
    for item in report.checklist:
        assert set(item.evidence_ids) <= input_ids, item


def test_q1_names_what_was_created_and_deleted(report: Report, input_ids: set[str]) -> None:
    q1 = _answer(report, "q1")
    rows = _rows(q1)
    created = {
        (r["type"], r["id"]) for r in rows if r["status"] in ("created", "created-and-deleted")
    }
    assert CREATED | {("iam:access-key", CREATED_KEY)} <= created
    deleted = {(r["type"], r["id"]) for r in rows if r["status"] == "deleted"}
    assert {("iam:user", u) for u in DELETED_USERS} <= deleted
    assert {("iam:access-key", k) for k in DELETED_KEYS} <= deleted
    by_id = {(r["type"], r["id"]): r for r in rows}
    assert by_id[("iam:user", "svc-reporting")]["created by"] == SECOPS
    assert by_id[("qbusiness:plugin", PLUGIN)]["created by"] == BOB
    assert by_id[("iam:user", "build-bot")]["deleted by"] == DEV_ALICE
    assert by_id[("iam:user", "reporting")]["deleted by"] == CI_DEPLOYER
    assert by_id[("iam:user", "staging-svc")]["deleted by"] == SSO_DEV
    # the first DeleteUser of each failed with DeleteConflict, and the answer says so
    assert "DeleteConflict" in str(by_id[("iam:user", "build-bot")]["changes or failures"])
    for row in rows:
        assert set(str(row["eventIDs"]).split()) <= input_ids


def test_q2_names_the_plugin_its_creator_and_who_invoked_it(report: Report) -> None:
    q2 = _answer(report, "q2")
    (row,) = [r for r in _rows(q2) if r["plugin id"] == PLUGIN]
    assert row["name"] == "ticket-helper" and row["type"] == "CUSTOM"
    assert row["auth"] == "noAuthConfiguration" and row["created by"] == BOB
    assert row["invocations"] == 1 and WEB in str(row["invoked by"])
    assert {e.event_name for e in q2.evidence} >= {"CreatePlugin", "ChatSync"}


def test_q3_names_the_application_and_the_foreign_data_accessor(report: Report) -> None:
    rows = _rows(_answer(report, "q3"))
    app = next(r for r in rows if r["id"] == APP)
    assert app["kind"] == "Q Business application"
    accessor = next(r for r in rows if r["id"] == ACCESSOR)
    assert accessor["details"] == ISV_ROLE
    assert any(r["id"] == PLUGIN and "plugin" in str(r["kind"]) for r in rows)


def test_q4_names_what_the_q_agent_and_the_plugin_touched(report: Report) -> None:
    q4 = _answer(report, "q4")
    rows = _rows(q4)
    agent = {r["target"]: r for r in rows if r["channel"] == "Q CLI agent (AWS CLI)"}
    assert set(agent) == {
        "sts.amazonaws.com",
        "ec2.amazonaws.com",
        "s3.amazonaws.com",
        "iam.amazonaws.com",
    }
    for principal in (DEV_ALICE, CI_DEPLOYER, SSO_DEV):
        assert principal in str(agent["iam.amazonaws.com"]["principals"])
    iam_writes = [
        r for r in _records(WIPER) if r["eventSource"] == "iam.amazonaws.com" and not r["readOnly"]
    ]
    assert agent["iam.amazonaws.com"]["writes"] == len(iam_writes) == 15
    app = next(r for r in rows if r["target"] == APP)
    assert "plugin runs 1" in str(app["calls made"])


def test_q5_and_q6_say_what_this_archive_cannot_show(report: Report) -> None:
    q5 = _answer(report, "q5")
    assert not q5.table.rows and q5.answered == "no"
    index_gap = next(g for g in q5.gaps if g.resource_types == ("AWS::QBusiness::Index",))
    assert "Q Business Document Put Directly Into Index" in index_gap.rules
    # the ChatSync of the plugin run is a data event of the application: no gap for it
    assert not any(g.resource_types == ("AWS::QBusiness::Application",) for g in q5.gaps)
    q6 = _answer(report, "q6")
    assert not q6.table.rows and q6.answered == "no"
    assert any("AWS::CodeWhisperer::Profile" in g.resource_types for g in q6.gaps)


def test_principals_with_findings_lead_the_timeline(report: Report) -> None:
    order = [t.principal for t in report.principals]
    flagged = [t.principal for t in report.principals if t.findings]
    assert order[: len(flagged)] == flagged
    assert {DEV_ALICE, CI_DEPLOYER, SSO_DEV, BOB} <= set(flagged)
    alice = next(t for t in report.principals if t.principal == DEV_ALICE)
    assert [s.key for s in alice.sessions] == ["AKIAIOSFODNN7EXAMPLE"]
    assert [c.value for c in alice.source_addresses] == ["203.0.113.77"]
    assert "Q CLI agent (AWS CLI)" in {c.value for c in alice.surfaces}
    assert {a.resource_id for a in alice.actions if a.kind == "deleted"} >= {"build-bot"}


def test_findings_carry_event_details(report: Report) -> None:
    wipe = next(
        r
        for r in report.findings
        if r.rule_title.startswith("Destructive AWS API Calls In Several Accounts From One")
    )
    event = wipe.findings[0].events[0]
    assert event.principal in (DEV_ALICE, CI_DEPLOYER, SSO_DEV)
    assert event.source_address == "203.0.113.77" and event.event_name
    plugin = next(r for r in report.findings if "Unauthenticated Plugin" in r.rule_title)
    created = plugin.findings[0].events[0]
    assert (
        created.principal == BOB
        and ("serverUrl", "https://relay.example.net/api") in created.request
    )


def test_checklist_lists_exactly_what_the_attackers_created_and_used(report: Report) -> None:
    step7 = [i for i in report.checklist if i.step == "step-7"]
    targets = {(i.target.split(" ")[0], i.target.split(" ")[1]) for i in step7}
    assert targets == CREATED, step7
    keys = {i.target.split(" ")[0] for i in report.checklist if i.category == "access-key"}
    assert keys == USED_KEYS | {CREATED_KEY}
    for item in report.checklist:
        assert "Deleting IAM users can break production" in item.caution
        assert item.commands or item.manual
    plugin = next(i for i in report.checklist if PLUGIN in i.target)
    assert plugin.commands == (
        f"aws qbusiness delete-plugin --application-id {APP} --plugin-id {PLUGIN}",
    )
    key = next(i for i in report.checklist if i.target.startswith(CREATED_KEY))
    assert key.commands == (
        f"aws iam update-access-key --access-key-id {CREATED_KEY} --status Inactive "
        "--user-name alice",
        f"aws iam delete-access-key --access-key-id {CREATED_KEY} --user-name alice",
    )


def test_json_report_validates_and_markdown_names_the_plant(report: Report) -> None:
    document = json.loads(orjson.dumps(to_dict(report)))
    assert validate(document) == []
    text = render_markdown(report)
    for needle in (
        PLUGIN,
        ACCESSOR,
        "svc-reporting",
        "InvoiceLambdaRole",
        CREATED_KEY,
        "build-bot",
    ):
        assert needle in text
