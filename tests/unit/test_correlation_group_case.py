"""Correlation group-by values compare case-insensitively in every export, as in replay.

IAM names are not distinguished by case (IAM User Guide, "IAM object names"), so a
correlation grouped on a role or user name must not split when an attacker varies the
case. Replay casefolds group keys (``sigmaq.replay.correlate``); these tests run the
Splunk and ES|QL exports through their models on groups that differ only by case.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sigmaq.export.convert import CONVERTED, convert_rules
from sigmaq.export.ecs import to_ecs
from sigmaq.export.elastic import esql_eval
from sigmaq.export.elastic.choose import lower_case_eval
from sigmaq.export.elastic.values import UnsupportedQuery
from sigmaq.export.proof import Outcome, ProofCase, difference
from sigmaq.export.splunk.events import splunk_event
from sigmaq.export.splunk.spl_eval import run_query
from sigmaq.export.splunk.spl_parser import UnmodelledSPL, parse_query

ROOT = Path(__file__).resolve().parents[2]
CHAT_ROLE_ID = "85b9bc03-211f-4509-b26d-df0659603ccc"
CHAT_ROLE_RULE = (
    ROOT
    / "rules/q_chat_apps/aws_cloudtrail_iam_admin_policy_attached_to_amazon_q_chat_channel_role.yml"
)


def _record(name: str, role: str, second: int, **extra: Any) -> dict[str, Any]:
    return {
        "eventTime": f"2026-11-26T13:00:{second:02d}Z",
        "eventSource": "iam.amazonaws.com",
        "eventName": name,
        "requestParameters": {"roleName": role, **extra},
        "userIdentity": {"arn": "arn:aws:sts::123456789012:assumed-role/Ops/alice"},
        "eventID": f"e{second}",
    }


def _chat_role_records(attached_as: str) -> list[dict[str, Any]]:
    trust = '{"Principal": {"Service": "chatbot.amazonaws.com"}}'
    return [
        _record("CreateRole", "ChatOpsChannelRole", 0, assumeRolePolicyDocument=trust),
        _record(
            "AttachRolePolicy",
            attached_as,
            5,
            policyArn="arn:aws:iam::aws:policy/AdministratorAccess",
        ),
    ]


def _splunk_search() -> str:
    result = convert_rules([CHAT_ROLE_RULE.parent], "splunk", "default")
    (outcome,) = [o for o in result.outcomes if o.rule_id == CHAT_ROLE_ID]
    assert outcome.status == CONVERTED, outcome.message
    return str(outcome.outputs[0])


@pytest.mark.parametrize("attached_as", ["ChatOpsChannelRole", "CHATOPSCHANNELROLE"])
def test_splunk_temporal_groups_ignore_case(attached_as: str) -> None:
    search = _splunk_search()
    assert "| eval sigmaq_group1=lower('requestParameters.roleName')" in search
    events = [splunk_event(r, i) for i, r in enumerate(_chat_role_records(attached_as))]
    rows = run_query(parse_query(search), events)
    assert [row["requestParameters.roleName"] for row in rows] == ["chatopschannelrole"]


def test_splunk_stats_by_is_case_sensitive_without_lowering() -> None:
    # The model of `stats by` keeps exact values apart: the lowering is what merges.
    events = [splunk_event(r, i) for i, r in enumerate(_chat_role_records("CHATOPSCHANNELROLE"))]
    rows = run_query(
        parse_query("eventSource=* | stats count as n by requestParameters.roleName"), events
    )
    assert sorted(row["requestParameters.roleName"] for row in rows) == [
        "CHATOPSCHANNELROLE",
        "ChatOpsChannelRole",
    ]


def test_splunk_lower_of_a_multivalue_field_is_not_modelled() -> None:
    record = _record("CreateRole", "x", 0)
    record["requestParameters"]["roleName"] = ["A", "B"]  # Splunk names it roleName{}
    query = parse_query("eventSource=* | eval k=lower('requestParameters.roleName{}')")
    with pytest.raises(UnmodelledSPL):
        run_query(query, [splunk_event(record, 0)])


def test_esql_to_lower_before_stats_merges_cases() -> None:
    field = "sigmaq.cloudtrail.requestParameters.roleName"  # sigmaq's custom pipeline
    docs = [
        to_ecs(r, frozenset({"requestParameters.roleName"}))
        for r in _chat_role_records("CHATOPSCHANNELROLE")
    ]
    exact = esql_eval.run(f"from x | stats n = count(*) by {field}", docs, [None, None])
    assert sorted(row[field] for row in exact) == ["CHATOPSCHANNELROLE", "ChatOpsChannelRole"]
    lowered = esql_eval.run(
        f"from x{lower_case_eval([field])} | stats n = count(*) by {field}", docs, [None, None]
    )
    assert lowered == [{field: "chatopschannelrole", "n": 2}]


def test_esql_to_lower_per_value_and_strings_only() -> None:
    doc = to_ecs(_record("CreateRole", "x", 0))
    doc["tags"] = ["Some", "TEXT"]
    rows = esql_eval.run("from x | eval t = to_lower(tags)", [doc], [None])
    assert list(rows[0]["t"]) == ["some", "text"]
    with pytest.raises(UnsupportedQuery):
        esql_eval.run("from x | eval t = to_lower(1)", [doc], [None])


def test_lower_case_eval_skips_ip_fields() -> None:
    assert lower_case_eval(["source.ip", "aws.cloudtrail.user_identity.arn"]) == (
        " | eval aws.cloudtrail.user_identity.arn = to_lower(aws.cloudtrail.user_identity.arn)"
    )
    assert lower_case_eval(["source.ip"]) == ""


def test_proof_compares_groups_as_replay_does() -> None:
    case = ProofCase("pos_x.json", (), True)
    replay = Outcome(True, groups=frozenset({("ChatOpsChannelRole",)}))
    same = Outcome(True, groups=frozenset({("chatopschannelrole",)}))
    other = Outcome(True, groups=frozenset({("OtherRole",)}))
    assert difference(case, replay, same, correlation=True) == ""
    assert "groups differ" in difference(case, replay, other, correlation=True)
