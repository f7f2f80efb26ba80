"""Every AWS CLI command the containment checklist can emit exists, with its required
parameters, in the botocore service models (the AWS CLI is built on them: operation and
parameter names are botocore's ``xform_name(name, "-")``)."""

from __future__ import annotations

import json
import shlex
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import botocore.session
import pytest
from botocore import xform_name

from sigmaq.core.errors import SigmaqError
from sigmaq.core.loader import load_rules
from sigmaq.hunt.rules import replayable_rules
from sigmaq.investigate.commands import SPECS, CommandSpec, aws, revoke_sessions_policy
from sigmaq.investigate.model import Evidence, ResourceState
from sigmaq.investigate.plans import PLANS, REVIEW_PLANS
from sigmaq.investigate.runner import investigate

ROOT = Path(__file__).resolve().parents[2]
CHAT = "arn:aws:chatbot::123456789012:chat-configuration"

SESSION = botocore.session.get_session()


def _operation(service: str, name: str):  # type: ignore[no-untyped-def]
    return SESSION.get_service_model(service).operation_model(name)


@pytest.mark.parametrize(
    "spec", list(SPECS.values()), ids=lambda s: f"{s.cli_service}-{s.operation}"
)
def test_spec_matches_the_botocore_model(spec: CommandSpec) -> None:
    operation = _operation(spec.model_service, spec.model_operation)
    assert xform_name(spec.model_operation, "-") == spec.operation
    members = {xform_name(m, "-") for m in operation.input_shape.members}
    required = {xform_name(m, "-") for m in operation.input_shape.required_members}
    assert set(spec.params) <= members, set(spec.params) - members
    assert required <= set(spec.params), required - set(spec.params)


def check_command(command: str) -> None:
    """Parse ``command`` as the shell would and check it against botocore."""
    words = shlex.split(command)
    assert words[0] == "aws", command
    spec = SPECS[(words[1], words[2])]
    operation = _operation(spec.model_service, spec.model_operation)
    members = {xform_name(m, "-") for m in operation.input_shape.members}
    required = {xform_name(m, "-") for m in operation.input_shape.required_members}
    given = [w[2:] for w in words[3:] if w.startswith("--")]
    assert len(given) == len(set(given)), command
    assert set(given) <= members, (command, set(given) - members)
    assert required <= set(given), (command, required - set(given))
    for index, word in enumerate(words[3:], start=3):
        if word.startswith("--"):
            assert index + 1 < len(words) and not words[index + 1].startswith("--"), command


def _evidence() -> Evidence:
    return Evidence(
        datetime(2026, 1, 1, tzinfo=UTC),
        "arn:aws:iam::123456789012:user/x",
        "iam.amazonaws.com",
        "CreateX",
        "e-1",
        "192.0.2.1",
        None,
        None,
        (),
        "f.json",
        0,
    )


def _resource(rtype: str) -> ResourceState:
    ident = {
        "iam:policy": "arn:aws:iam::123456789012:policy/p",
        "iam:oidc-provider": "arn:aws:iam::123456789012:oidc-provider/example.com",
        "iam:saml-provider": "arn:aws:iam::123456789012:saml-provider/example",
        "chatbot:slack-channel-configuration": f"{CHAT}/slack-channel/x",
        "chatbot:teams-channel-configuration": f"{CHAT}/teams-channel/x",
    }.get(rtype, "holder/arn:aws:iam::aws:policy/P" if "attachment" in rtype else "holder/name")
    parents = (
        ("applicationId", "a1b2c3d4-5678-90ab-cdef-EXAMPLE11111"),
        ("indexId", "c3d4e5f6-7890-abcd-ef12-EXAMPLE22222"),
        ("instanceId", "a1b2c3d4-5678-90ab-cdef-EXAMPLE11111"),
        ("knowledgeBaseId", "b1c2d3e4-f5a6-4b7c-8d9e-EXAMPLEkb001"),
    )
    return ResourceState(
        rtype,
        ident,
        "123456789012",
        "us-east-1",
        parents,
        (),
        "created",
        _evidence(),
        None,
        None,
        0,
        0,
        None,
    )


@pytest.mark.parametrize("rtype", sorted(t for t, (_, _, plan) in PLANS.items() if plan))
def test_every_plan_emits_verified_commands(rtype: str) -> None:
    plan = PLANS[rtype][2]
    assert plan is not None
    commands, _manual = plan(_resource(rtype))
    assert commands, rtype
    for command in commands:
        check_command(command)


@pytest.mark.parametrize("rtype", sorted(t for t, (_, plan) in REVIEW_PLANS.items() if plan))
def test_every_review_plan_emits_verified_read_only_commands(rtype: str) -> None:
    plan = REVIEW_PLANS[rtype][1]
    assert plan is not None
    commands, manual = plan(_resource(rtype))
    assert commands and manual, rtype
    for command in commands:
        check_command(command)
        assert command.split()[2].startswith(("get-", "describe-", "list-")), command


def test_a_plan_refuses_a_name_where_an_arn_is_needed() -> None:
    plan = PLANS["chatbot:teams-channel-configuration"][2]
    assert plan is not None
    base = _resource("chatbot:teams-channel-configuration")
    named = ResourceState(
        base.type,
        "platform-ops",
        base.account,
        base.region,
        base.parents,
        (),
        "created",
        base.created,
        None,
        None,
        0,
        0,
        None,
    )
    commands, manual = plan(named)
    assert commands == () and manual is not None and "ARN" in manual


def test_every_command_a_report_on_the_fixtures_emits_is_verified() -> None:
    loaded = load_rules([ROOT / "rules"])
    rules, _ = replayable_rules([r.rule for r in loaded.rules])
    report = investigate([ROOT / "fixtures"], rules)
    commands = [c for item in report.checklist for c in item.commands]
    assert len(commands) > 40
    assert {c.split()[1] for c in commands} >= {"iam", "qbusiness", "qapps", "qconnect", "chatbot"}
    for command in commands:
        check_command(command)


def test_unverified_commands_cannot_be_built() -> None:
    with pytest.raises(SigmaqError):
        aws("iam", "delete-account-password-policy")
    with pytest.raises(SigmaqError):
        aws("iam", "delete-user", ("user", "x"))


def test_values_are_shell_quoted() -> None:
    command = aws("iam", "delete-user", ("user-name", "o'brien; rm -rf /"))
    assert shlex.split(command)[-1] == "o'brien; rm -rf /"


def test_revoke_sessions_policy_is_the_console_policy_dated_when_it_runs() -> None:
    command = aws(
        "iam",
        "put-role-policy",
        ("role-name", "R"),
        ("policy-name", "AWSRevokeOlderSessions"),
        ("policy-document", revoke_sessions_policy()),
    )
    check_command(command)
    word = command.split("--policy-document ", 1)[1]
    before = datetime.now(UTC).replace(microsecond=0)
    printed = subprocess.run(
        ["sh", "-c", f"printf %s {word}"], capture_output=True, text=True, check=True
    ).stdout
    document = json.loads(printed)
    (statement,) = document["Statement"]
    assert statement["Effect"] == "Deny" and statement["Action"] == ["*"]
    issued = statement["Condition"]["DateLessThan"]["aws:TokenIssueTime"]
    moment = datetime.strptime(issued, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert before <= moment <= datetime.now(UTC)
