"""Containment step 7 for Amazon Q resources changed (not created) in the window.

A retriever re-pointed at another index, a web experience opened to another origin, a data
source given another bucket: deleting them is not the fix (they existed before the
incident), reviewing them and reverting the change is. The checklist has one item per such
resource, with the read-only AWS CLI command that shows it now, the request keys the change
set, and the change's eventID; a role whose trust policy was changed to name an Amazon Q
service (question 3) gets one too.
"""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from sigmaq.investigate.identity import Q_SURFACES
from sigmaq.investigate.model import ChecklistItem, Report
from sigmaq.investigate.resource_specs import SPECS
from sigmaq.investigate.runner import investigate

APP = "a1b2c3d4-5678-90ab-cdef-EXAMPLE11111"
INDEX = "i1d2x3a4-5678-90ab-cdef-EXAMPLE22222"
QB = "qbusiness.amazonaws.com"
USER = {
    "type": "IAMUser",
    "principalId": "AIDAJ45Q7YFFAREXAMPLE",
    "arn": "arn:aws:iam::123456789012:user/mallory",
    "accountId": "123456789012",
    "accessKeyId": "AKIAIOSFODNN7EXAMPLE",
    "userName": "mallory",
}
CHANNEL = "arn:aws:chatbot::123456789012:chat-configuration/slack-channel/ops"
CUSTOMIZATION = "arn:aws:codewhisperer:us-east-1:123456789012:customization/EXAMPLE0001"


def event(
    minute: int, source: str, name: str, request: dict[str, Any], **extra: Any
) -> dict[str, Any]:
    return {
        "eventVersion": "1.10",
        "userIdentity": USER,
        "eventTime": f"2026-11-18T14:{minute:02d}:00Z",
        "eventSource": source,
        "eventName": name,
        "awsRegion": "us-east-1",
        "sourceIPAddress": "198.51.100.20",
        "requestParameters": request,
        "responseElements": None,
        "eventID": f"e-{minute:02d}",
        "recipientAccountId": "123456789012",
        **extra,
    }


def changes() -> list[dict[str, Any]]:
    app = {"applicationId": APP}
    trust = (
        '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":'
        '"qbusiness.amazonaws.com"},"Action":"sts:AssumeRole"}]}'
    )
    return [
        event(
            1,
            QB,
            "UpdateRetriever",
            {
                **app,
                "retrieverId": "r1e2t3r4-5678-90ab-cdef-EXAMPLE44444",
                "configuration": {
                    "kendraIndexConfiguration": {"indexId": "k1e2n3d4-5678-90ab-cdef-EXAMPLE88888"}
                },
            },
        ),
        event(2, QB, "UpdateIndex", {**app, "indexId": INDEX, "displayName": "hr"}),
        event(
            3,
            QB,
            "UpdateWebExperience",
            {
                **app,
                "webExperienceId": "w1e2b3x4-5678-90ab-cdef-EXAMPLE66666",
                "origins": ["https://portal.example.com"],
            },
        ),
        event(
            4,
            QB,
            "UpdateDataSource",
            {
                **app,
                "indexId": INDEX,
                "dataSourceId": "d1a2t3a4-5678-90ab-cdef-EXAMPLE77777",
                "displayName": "s3-docs",
            },
        ),
        event(5, QB, "UpdateApplication", {**app, "displayName": "assistant"}),
        event(
            6,
            QB,
            "UpdatePlugin",
            {
                **app,
                "pluginId": "p1a2b3c4-5678-90ab-cdef-EXAMPLE33333",
                "serverUrl": "https://plugin.example.com",
            },
        ),
        event(
            7,
            QB,
            "UpdateChatControlsConfiguration",
            {**app, "responseScope": "EXTENDED_KNOWLEDGE_ENABLED"},
        ),
        event(
            8,
            "qapps.amazonaws.com",
            "UpdateQAppPermissions",
            {"instanceId": APP, "appId": "q1a2p3p4-5678-90ab-cdef-EXAMPLE99999"},
        ),
        event(
            9, "codewhisperer.amazonaws.com", "UpdateCustomization", {"identifier": CUSTOMIZATION}
        ),
        event(
            10,
            "chatbot.amazonaws.com",
            "UpdateSlackChannelConfiguration",
            {"ChatConfigurationArn": CHANNEL},
        ),
        event(
            11,
            "iam.amazonaws.com",
            "UpdateAssumeRolePolicy",
            {"roleName": "DataSourceRole", "policyDocument": trust},
        ),
        # not for review: a role changed without naming Amazon Q, a failed change, a
        # resource created in the window (its item deletes it), one changed then deleted
        event(12, "iam.amazonaws.com", "UpdateRole", {"roleName": "BuildRole", "description": "x"}),
        event(
            13,
            QB,
            "UpdateIndex",
            {**app, "indexId": "i9d9x9a9-5678-90ab-cdef-EXAMPLE00000"},
            errorCode="AccessDeniedException",
        ),
        event(
            14,
            QB,
            "CreateRetriever",
            {**app, "type": "NATIVE_INDEX"},
            responseElements={"retrieverId": "r9e9t9r9-5678-90ab-cdef-EXAMPLE00000"},
        ),
        event(
            15,
            QB,
            "UpdateRetriever",
            {**app, "retrieverId": "r9e9t9r9-5678-90ab-cdef-EXAMPLE00000"},
        ),
        event(
            16,
            QB,
            "UpdateWebExperience",
            {**app, "webExperienceId": "w9e9b9x9-5678-90ab-cdef-EXAMPLE00000"},
        ),
        event(
            17,
            QB,
            "DeleteWebExperience",
            {**app, "webExperienceId": "w9e9b9x9-5678-90ab-cdef-EXAMPLE00000"},
        ),
    ]


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Report:
    path = tmp_path_factory.mktemp("changed") / "trail.json"
    path.write_bytes(orjson.dumps({"Records": changes()}))
    return investigate([path], [])


def _changed(report: Report) -> dict[str, ChecklistItem]:
    return {
        item.target.split(" (", 1)[0]: item
        for item in report.checklist
        if item.step == "step-7" and item.category.endswith("-changed")
    }


def test_every_q_resource_changed_in_the_window_is_to_review(report: Report) -> None:
    items = _changed(report)
    assert set(items) == {
        "qbusiness:retriever r1e2t3r4-5678-90ab-cdef-EXAMPLE44444",
        f"qbusiness:index {INDEX}",
        "qbusiness:web-experience w1e2b3x4-5678-90ab-cdef-EXAMPLE66666",
        "qbusiness:data-source d1a2t3a4-5678-90ab-cdef-EXAMPLE77777",
        f"qbusiness:application {APP}",
        "qbusiness:plugin p1a2b3c4-5678-90ab-cdef-EXAMPLE33333",
        f"qbusiness:chat-controls {APP}",
        "qapps:q-app q1a2p3p4-5678-90ab-cdef-EXAMPLE99999",
        f"codewhisperer:customization {CUSTOMIZATION}",
        f"chatbot:slack-channel-configuration {CHANNEL}",
        "iam:role DataSourceRole",
        "qbusiness:web-experience w9e9b9x9-5678-90ab-cdef-EXAMPLE00000",
    }
    done = {target for target, item in items.items() if item.done}
    assert done == {"qbusiness:web-experience w9e9b9x9-5678-90ab-cdef-EXAMPLE00000"}


def test_each_item_shows_the_resource_and_what_the_change_set(report: Report) -> None:
    items = _changed(report)
    retriever = items["qbusiness:retriever r1e2t3r4-5678-90ab-cdef-EXAMPLE44444"]
    assert retriever.commands == (
        f"aws qbusiness get-retriever --application-id {APP} "
        "--retriever-id r1e2t3r4-5678-90ab-cdef-EXAMPLE44444",
    )
    assert "UpdateRetriever" in retriever.reason and "k1e2n3d4-5678" in retriever.reason
    assert retriever.evidence_ids == ("e-01",)
    source = items["qbusiness:data-source d1a2t3a4-5678-90ab-cdef-EXAMPLE77777"]
    assert source.commands == (
        f"aws qbusiness get-data-source --application-id {APP} --index-id {INDEX} "
        "--data-source-id d1a2t3a4-5678-90ab-cdef-EXAMPLE77777",
    )
    assert "revert" in (source.manual or "")
    assert items[f"qbusiness:chat-controls {APP}"].commands == (
        f"aws qbusiness get-chat-controls-configuration --application-id {APP}",
    )
    q_app = items["qapps:q-app q1a2p3p4-5678-90ab-cdef-EXAMPLE99999"]
    assert [c.split()[2] for c in q_app.commands] == ["get-q-app", "describe-q-app-permissions"]
    developer = items[f"codewhisperer:customization {CUSTOMIZATION}"]
    assert developer.commands == () and "console" in (developer.manual or "")
    role = items["iam:role DataSourceRole"]
    assert role.commands == ("aws iam get-role --role-name DataSourceRole",)
    assert "Amazon Q" in role.reason


def test_created_failed_and_unrelated_changes_get_no_review_item(report: Report) -> None:
    targets = " ".join(item.target for item in report.checklist)
    assert "BuildRole" not in targets and "i9d9x9a9" not in targets
    (created,) = [i for i in report.checklist if "r9e9t9r9" in i.target]
    assert created.category == "q-business" and created.commands[0].startswith(
        "aws qbusiness delete-retriever"
    )
    assert "changed 1 time(s) since" in created.reason


def test_every_amazon_q_type_a_call_changes_has_a_review_plan() -> None:
    from sigmaq.investigate.plans import REVIEW_PLANS

    changed = {
        spec.rtype
        for source, names in SPECS.items()
        if source in Q_SURFACES
        for specs in names.values()
        for spec in specs
        if spec.kind == "changed"
    }
    assert changed and changed <= set(REVIEW_PLANS), changed - set(REVIEW_PLANS)


def test_every_review_command_is_verified_against_botocore(report: Report) -> None:
    from test_investigate_commands import check_command

    commands = [c for item in _changed(report).values() for c in item.commands]
    assert len(commands) >= 12
    for command in commands:
        check_command(command)


def test_reports_render_the_review_items(report: Report) -> None:
    from sigmaq.investigate.render_markdown import render_markdown

    text = render_markdown(report)
    assert "**q\\-business\\-changed**" in text or "**q-business-changed**" in text
    assert "aws qbusiness get-retriever" in text
