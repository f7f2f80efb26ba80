"""``sigmaq investigate --principal`` follows the sessions the principal opened.

The archive below is a small incident in the fixture style (documentation accounts,
addresses and keys): IAM user alice assumes a role with a source identity, creates a
Q Business plugin from that session, chains into a role of a second account that creates
a user; she also mints a federation token whose session creates a bucket. Bob assumes the
same role with the same session name (another session, same ARN) and deletes an index;
carol acts under her own source identity. Records are written in reverse time order, so
each session's calls are read before the call that opened it.

Shapes follow the IAM User Guide, "Logging IAM and AWS STS API calls with AWS CloudTrail"
(AssumeRole, role chaining, AssumeRoleWithSAML, AssumeRoleWithWebIdentity examples), the
CloudTrail userIdentity reference (source identity, credentialId) and, for
GetFederationToken, Stratus Red Team's detonation log ``aws.persistence.sts-federation-token``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

from sigmaq.investigate.model import Report
from sigmaq.investigate.runner import InvestigateOptions, investigate

A = "123456789012"
B = "111122223333"
APP = "a1b2c3d4-5678-90ab-cdef-EXAMPLE11111"
ALICE = {
    "type": "IAMUser",
    "principalId": "AIDAJ45Q7YFFAREXAMPLE",
    "arn": f"arn:aws:iam::{A}:user/alice",
    "accountId": A,
    "accessKeyId": "AKIAIOSFODNN7EXAMPLE",
    "userName": "alice",
}
BOB = {
    **ALICE,
    "principalId": "AIDAI44QH8DHBEXAMPLE",
    "arn": f"arn:aws:iam::{A}:user/bob",
    "accessKeyId": "AKIAI44QH8DHBEXAMPLE",
    "userName": "bob",
}
ADMIN_ARN = f"arn:aws:sts::{A}:assumed-role/QBusinessAdmin/admin-7"
OPS_ARN = f"arn:aws:sts::{B}:assumed-role/CrossAccountOps/ops"
FED_ARN = f"arn:aws:sts::{A}:federated-user/fed-7"
AUDIT_ARN = f"arn:aws:sts::{B}:assumed-role/Auditor/audit"


def role_session(
    arn: str, key: str, source_identity: str | None = None, **extra: Any
) -> dict[str, Any]:
    """``userIdentity`` of a role session (``arn:aws:sts::ACCT:assumed-role/ROLE/NAME``)."""
    account, rest = arn.split("::", 1)[1].split(":", 1)
    role = rest.split("/")[1]
    context: dict[str, Any] = {
        "sessionIssuer": {
            "type": "Role",
            "principalId": "AROAIDPPEZS35WEXAMPLE",
            "arn": f"arn:aws:iam::{account}:role/{role}",
            "accountId": account,
            "userName": role,
        },
        "attributes": {"creationDate": "2026-11-18T10:00:00Z", "mfaAuthenticated": "false"},
    }
    if source_identity:
        context["sourceIdentity"] = source_identity
    return {
        "type": "AssumedRole",
        "principalId": f"AROAIDPPEZS35WEXAMPLE:{arn.rsplit('/', 1)[1]}",
        "arn": arn,
        "accountId": account,
        "accessKeyId": key,
        "sessionContext": context,
        **extra,
    }


def event(
    minute: int,
    ident: dict[str, Any],
    source: str,
    name: str,
    request: dict[str, Any] | None = None,
    response: dict[str, Any] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    account = ident.get("accountId", A)
    return {
        "eventVersion": "1.10",
        "userIdentity": ident,
        "eventTime": f"2026-11-18T10:{minute:02d}:00Z",
        "eventSource": source,
        "eventName": name,
        "awsRegion": "us-east-1",
        "sourceIPAddress": "203.0.113.77",
        "userAgent": "aws-cli/2.27.50 md/command#test",
        "requestParameters": request,
        "responseElements": response,
        "eventID": f"e-{minute:02d}-{name}",
        "eventType": "AwsApiCall",
        "recipientAccountId": account,
        **extra,
    }


def assume(
    minute: int,
    ident: dict[str, Any],
    role_arn: str,
    session: str,
    key: str,
    source_identity: str | None = None,
) -> dict[str, Any]:
    account = role_arn.split("::", 1)[1].split(":", 1)[0]
    role = role_arn.rsplit("/", 1)[1]
    request: dict[str, Any] = {"roleArn": role_arn, "roleSessionName": session}
    response: dict[str, Any] = {
        "credentials": {"accessKeyId": key, "expiration": "Nov 18, 2026, 11:00:00 AM"},
        "assumedRoleUser": {
            "assumedRoleId": f"AROAIDPPEZS35WEXAMPLE:{session}",
            "arn": f"arn:aws:sts::{account}:assumed-role/{role}/{session}",
        },
    }
    if source_identity:
        request["sourceIdentity"] = response["sourceIdentity"] = source_identity
    return event(minute, ident, "sts.amazonaws.com", "AssumeRole", request, response)


def incident(source: str | None = "alice") -> list[dict[str, Any]]:
    """The records; ``source``: the source identity alice sets on her first AssumeRole
    (it persists into the role she chains to)."""
    admin = role_session(ADMIN_ARN, "ASIAIOSFODNN7EXAMPLE", source)
    ops = role_session(OPS_ARN, "ASIAI44QH8DHBEXAMPLE", source)
    bobs = role_session(ADMIN_ARN, "ASIAI44QH8DHCEXAMPLE")
    federated = {
        "type": "FederatedUser",
        "principalId": f"{A}:fed-7",
        "arn": FED_ARN,
        "accountId": A,
        "accessKeyId": "ASIAIOSFODNN8EXAMPLE",
        "sessionContext": {
            "sessionIssuer": {
                "type": "IAMUser",
                "principalId": "AIDAJ45Q7YFFAREXAMPLE",
                "arn": ALICE["arn"],
                "accountId": A,
                "userName": "alice",
            },
            "attributes": {"creationDate": "2026-11-18T10:30:00Z", "mfaAuthenticated": "false"},
        },
    }
    console = {**admin, "accessKeyId": "", "invokedBy": "qbusiness.amazonaws.com"}
    records = [
        assume(
            0,
            ALICE,
            f"arn:aws:iam::{A}:role/QBusinessAdmin",
            "admin-7",
            "ASIAIOSFODNN7EXAMPLE",
            source,
        ),
        event(
            5,
            admin,
            "qbusiness.amazonaws.com",
            "CreatePlugin",
            {"applicationId": APP, "displayName": "exfil", "type": "CUSTOM"},
            {"pluginId": "p1a2b3c4-5678-90ab-cdef-EXAMPLE33333"},
        ),
        assume(
            10,
            admin,
            f"arn:aws:iam::{B}:role/CrossAccountOps",
            "ops",
            "ASIAI44QH8DHBEXAMPLE",
            source,
        ),
        event(15, ops, "iam.amazonaws.com", "CreateUser", {"userName": "backdoor"}),
        assume(20, BOB, f"arn:aws:iam::{A}:role/QBusinessAdmin", "admin-7", "ASIAI44QH8DHCEXAMPLE"),
        event(
            25,
            bobs,
            "qbusiness.amazonaws.com",
            "DeleteIndex",
            {"applicationId": APP, "indexId": "i1d2x3a4-5678-90ab-cdef-EXAMPLE22222"},
        ),
        event(
            30,
            ALICE,
            "sts.amazonaws.com",
            "GetFederationToken",
            {"name": "fed-7"},
            {
                "credentials": {"accessKeyId": "ASIAIOSFODNN8EXAMPLE"},
                "federatedUser": {"arn": FED_ARN, "federatedUserId": f"{A}:fed-7"},
            },
        ),
        event(
            35, federated, "s3.amazonaws.com", "CreateBucket", {"bucketName": "amzn-s3-demo-bucket"}
        ),
        event(
            40,
            console,
            "qbusiness.amazonaws.com",
            "CreateWebExperience",
            {"applicationId": APP, "title": "portal"},
            {"webExperienceId": "w1e2b3x4-5678-90ab-cdef-EXAMPLE66666"},
        ),
        event(
            45,
            role_session(AUDIT_ARN, "ASIAIOSFODNN9EXAMPLE", "alice"),
            "iam.amazonaws.com",
            "CreateUser",
            {"userName": "shadow"},
        ),
        event(
            50,
            role_session(
                f"arn:aws:sts::{B}:assumed-role/Auditor/carol", "ASIAI44QH8DHDEXAMPLE", "carol"
            ),
            "iam.amazonaws.com",
            "CreateUser",
            {"userName": "carol-tmp"},
        ),
    ]
    return records


def write(folder: Path, records: list[dict[str, Any]]) -> Path:
    """One delivery file per record, named so that later records are read first."""
    folder.mkdir(parents=True, exist_ok=True)
    for number, record in enumerate(reversed(records)):
        (folder / f"{number:03d}.json").write_bytes(orjson.dumps({"Records": [record]}))
    return folder


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    return write(tmp_path / "trail", incident())


def created(report: Report) -> set[str]:
    return {r.id for r in report.resources if r.created is not None or r.deleted is not None}


@pytest.mark.parametrize(
    "principal", ["AKIAIOSFODNN7EXAMPLE", "arn:aws:iam::123456789012:user/alice", "alice"]
)
def test_sessions_the_principal_opened_are_investigated_with_it(
    archive: Path, principal: str
) -> None:
    """The user's access key, its ARN or its name: none of them appears in the sessions'
    own identities (only the source identity carries ``alice``)."""
    report = investigate([archive], [], InvestigateOptions(principal=principal))
    # alice's own calls, the role session (by key, and its keyless console call by ARN),
    # the chained session in the other account, the federated session, and a session
    # carrying the source identity alice set
    assert created(report) == {
        "p1a2b3c4-5678-90ab-cdef-EXAMPLE33333",
        "w1e2b3x4-5678-90ab-cdef-EXAMPLE66666",
        "backdoor",
        "amzn-s3-demo-bucket",
        "shadow",
    }
    labels = {t.principal for t in report.principals}
    assert labels == {ALICE["arn"], ADMIN_ARN, OPS_ARN, FED_ARN, AUDIT_ARN}
    # bob's session has the same ARN but its own key: his DeleteIndex is not alice's
    admin = next(t for t in report.principals if t.principal == ADMIN_ARN)
    assert admin.events == 3
    assert report.run.events_evaluated == 8


def test_without_following_only_the_principals_own_records_are_kept(archive: Path) -> None:
    options = InvestigateOptions(principal="AKIAIOSFODNN7EXAMPLE", follow_sessions=False)
    report = investigate([archive], [], options)
    assert created(report) == set()
    assert {t.principal for t in report.principals} == {ALICE["arn"]}
    assert report.followed_sessions == ()


def test_the_report_says_which_call_opened_each_session(archive: Path) -> None:
    report = investigate([archive], [], InvestigateOptions(principal="AKIAIOSFODNN7EXAMPLE"))
    sessions = {s.session: s for s in report.followed_sessions}
    assert set(sessions) == {
        "ASIAIOSFODNN7EXAMPLE",
        "ASIAI44QH8DHBEXAMPLE",
        "ASIAIOSFODNN8EXAMPLE",
    }
    admin = sessions["ASIAIOSFODNN7EXAMPLE"]
    assert (admin.call.event_name, admin.call.event_id) == ("AssumeRole", "e-00-AssumeRole")
    assert (admin.issued_by, admin.depth, admin.session_arn) == (ALICE["arn"], 1, ADMIN_ARN)
    assert admin.source_identity == "alice"
    # 2 calls with its key, 1 keyless call by its ARN, 1 call of another session that
    # carries the source identity alice set on this one
    assert admin.events == 4
    assert set(admin.matched_by) == {"accessKeyId", "session ARN", "sourceIdentity"}
    assert set(admin.principals) == {ADMIN_ARN, AUDIT_ARN}
    ops = sessions["ASIAI44QH8DHBEXAMPLE"]
    assert (ops.issued_by, ops.issued_with, ops.depth) == (ADMIN_ARN, "ASIAIOSFODNN7EXAMPLE", 2)
    assert (ops.call.event_id, ops.events, ops.role_arn) == (
        "e-10-AssumeRole",
        1,
        f"arn:aws:iam::{B}:role/CrossAccountOps",
    )
    federated = sessions["ASIAIOSFODNN8EXAMPLE"]
    assert (federated.call.event_name, federated.session_arn, federated.events) == (
        "GetFederationToken",
        FED_ARN,
        1,
    )


def test_chains_are_followed_up_to_the_bound(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without a source identity the chained session is reached only through the
    AssumeRole its parent session made: one hop past the bound."""
    from sigmaq.investigate import sessions

    archive = write(tmp_path / "t", incident(source=None))
    options = InvestigateOptions(principal="AKIAIOSFODNN7EXAMPLE")
    assert "backdoor" in created(investigate([archive], [], options))
    monkeypatch.setattr(sessions, "MAX_CHAIN_DEPTH", 1)
    report = investigate([archive], [], options)
    assert "backdoor" not in created(report)
    assert "p1a2b3c4-5678-90ab-cdef-EXAMPLE33333" in created(report)
    assert {s.depth for s in report.followed_sessions} == {1}
    (cut,) = [c for c in report.run.limits if "MAX_CHAIN_DEPTH" in c.value]
    assert cut.count == 1


def test_a_session_opened_before_the_window_is_still_followed(archive: Path) -> None:
    from datetime import UTC, datetime

    options = InvestigateOptions(
        principal="alice", since=datetime(2026, 11, 18, 10, 12, tzinfo=UTC)
    )
    report = investigate([archive], [], options)
    assert "backdoor" in created(report)
    assert "p1a2b3c4-5678-90ab-cdef-EXAMPLE33333" not in created(report)  # before --since


def test_a_failed_call_opens_no_session(tmp_path: Path) -> None:
    records = incident()
    records[0] = {**records[0], "errorCode": "AccessDenied", "responseElements": None}
    options = InvestigateOptions(principal="AKIAIOSFODNN7EXAMPLE")
    report = investigate([write(tmp_path / "t", records)], [], options)
    # the federation token still opened a session; the denied AssumeRole opened none, so
    # neither its "session", nor the role chained from it, nor its source identity count
    assert created(report) == {"amzn-s3-demo-bucket"}
    assert [s.call.event_name for s in report.followed_sessions] == ["GetFederationToken"]


SAML_USER = {
    "type": "SAMLUser",
    "principalId": "SampleUkh1i4+ExamplexL/jEvs=:dana@example.com",
    "userName": "dana@example.com",
    "identityProvider": "bdGOnTesti4+ExamplexL/jEvs=",
}
WEB_USER = {
    "type": "WebIdentityUser",
    "principalId": f"arn:aws:iam::{A}:oidc-provider/token.example.com:app:runner-7",
    "userName": "runner-7",
    "identityProvider": f"arn:aws:iam::{A}:oidc-provider/token.example.com",
}
APP_ROLE = role_session(
    f"arn:aws:sts::{A}:assumed-role/QBusinessWebAppRole/app", "ASIAI44QH8DHEEXAMPLE"
)
IDC_USER = {
    "type": "IdentityCenterUser",
    "accountId": A,
    "onBehalfOf": {
        "userId": "94d00cd8-e9e6-4810-b177-b08e84775435",
        "identityStoreArn": f"arn:aws:identitystore::{A}:identitystore/d-1234567890",
    },
    "credentialId": "EXAMPLEVHULjJdTUdPJfofVa1sufHDoj7aYcOYcxFVllWR_Whr1fEXAMPLE",
}


def _issuing_case(name: str) -> tuple[str, list[dict[str, Any]]]:
    """(the --principal, the records) of one way to obtain credentials, each followed by
    one CreateUser made with them."""
    session = role_session(f"arn:aws:sts::{A}:assumed-role/Federated/s", "ASIAIOSFODNN7EXAMPLE")
    credentials = {"credentials": {"accessKeyId": "ASIAIOSFODNN7EXAMPLE"}}
    user = {"userName": f"made-by-{name}"}
    if name == "AssumeRoleWithSAML":
        call = event(
            1,
            SAML_USER,
            "sts.amazonaws.com",
            name,
            {"roleArn": f"arn:aws:iam::{A}:role/Federated", "principalArn": "x"},
            {**credentials, "assumedRoleUser": {"arn": session["arn"]}, "subject": "dana"},
        )
        return "dana@example.com", [
            call,
            event(2, session, "iam.amazonaws.com", "CreateUser", user),
        ]
    if name == "AssumeRoleWithWebIdentity":
        call = event(
            1,
            WEB_USER,
            "sts.amazonaws.com",
            name,
            {"roleArn": f"arn:aws:iam::{A}:role/Federated", "roleSessionName": "s"},
            {**credentials, "assumedRoleUser": {"arn": session["arn"]}},
        )
        return "runner-7", [call, event(2, session, "iam.amazonaws.com", "CreateUser", user)]
    if name == "GetSessionToken":
        # The session's calls carry the user's own ARN, but a temporary key: an
        # investigation of the long-term key must follow it.
        mfa = {**ALICE, "accessKeyId": "ASIAIOSFODNN7EXAMPLE"}
        call = event(1, ALICE, "sts.amazonaws.com", name, {"durationSeconds": 900}, credentials)
        return "AKIAIOSFODNN7EXAMPLE", [
            call,
            event(2, mfa, "iam.amazonaws.com", "CreateUser", user),
        ]
    if name == "AssumeRoot":
        root = {
            "type": "Root",
            "principalId": B,
            "arn": f"arn:aws:iam::{B}:root",
            "accountId": B,
            "accessKeyId": "ASIAIOSFODNN7EXAMPLE",
        }
        task = "arn:aws:iam::aws:policy/root-task/IAMDeleteRootUserCredentials"
        request = {"targetPrincipal": B, "taskPolicyArn": {"arn": task}}
        call = event(1, ALICE, "sts.amazonaws.com", name, request, credentials)
        return "alice", [call, event(2, root, "iam.amazonaws.com", "CreateUser", user)]
    assert name == "CreateTokenWithIAM"
    call = event(
        1,
        APP_ROLE,
        "sso-oauth.amazonaws.com",
        name,
        {"clientId": f"arn:aws:sso::{A}:application/ssoins-EXAMPLE/apl-EXAMPLE"},
        {"accessToken": "HIDDEN_DUE_TO_SECURITY_REASONS"},
        additionalEventData={"identitycenter:CredentialId": IDC_USER["credentialId"]},
    )
    return "QBusinessWebAppRole", [
        call,
        event(2, IDC_USER, "iam.amazonaws.com", "CreateUser", user),
    ]


@pytest.mark.parametrize(
    "name",
    [
        "AssumeRoleWithSAML",
        "AssumeRoleWithWebIdentity",
        "GetSessionToken",
        "AssumeRoot",
        "CreateTokenWithIAM",
    ],
)
def test_every_way_to_obtain_credentials_is_followed(tmp_path: Path, name: str) -> None:
    principal, records = _issuing_case(name)
    archive = write(tmp_path / "t", records)
    report = investigate([archive], [], InvestigateOptions(principal=principal))
    assert f"made-by-{name}" in created(report)
    (session,) = report.followed_sessions
    assert session.call.event_name == name and session.events == 1
    unfollowed = InvestigateOptions(principal=principal, follow_sessions=False)
    assert f"made-by-{name}" not in created(investigate([archive], [], unfollowed))


def test_identity_center_role_credentials_are_named_not_guessed(tmp_path: Path) -> None:
    """``sso:GetRoleCredentials`` logs no credentials (responseElements null; the role and
    account are in serviceEventDetails): the report names the permission-set session to
    look for instead of guessing which session it was."""
    call = event(
        1,
        IDC_USER,
        "sso.amazonaws.com",
        "GetRoleCredentials",
        None,
        None,
        serviceEventDetails={"role_name": "AdministratorAccess", "account_id": B},
        eventType="AwsServiceEvent",
    )
    other = role_session(
        f"arn:aws:sts::{B}:assumed-role/AWSReservedSSO_AdministratorAccess_0123456789abcdef/eve",
        "ASIAIOSFODNN7EXAMPLE",
    )
    records = [call, event(2, other, "iam.amazonaws.com", "CreateUser", {"userName": "eve-x"})]
    options = InvestigateOptions(principal="94d00cd8-e9e6-4810-b177-b08e84775435")
    report = investigate([write(tmp_path / "t", records)], [], options)
    assert created(report) == set()
    (session,) = report.followed_sessions
    assert session.events == 0 and session.note is not None
    assert "AWSReservedSSO_AdministratorAccess_" in session.note and B in session.note


def test_every_format_shows_the_sessions_and_their_calls(archive: Path, tmp_path: Path) -> None:
    """Through the CLI: the JSON report validates and lists each session with its call;
    the Markdown and HTML name the call's eventID beside the session; the summary says
    how many were followed, and ``--no-follow-sessions`` turns it off."""
    import json

    from click.testing import CliRunner

    from sigmaq.cli import main
    from sigmaq.investigate.render_json import validate

    rules = tmp_path / "rules"
    rules.mkdir()  # no rule: the investigation alone
    out = tmp_path / "out"
    base = ["investigate", "--rules", str(rules), "--principal", "AKIAIOSFODNN7EXAMPLE"]
    result = CliRunner().invoke(main, [*base, "-o", str(out), str(archive)])
    assert result.exit_code == 0, result.output
    assert "3 sessions of the principal followed" in result.output
    document = json.loads((out / "report.json").read_text("utf-8"))
    assert validate(document) == []
    assert document["run"]["follow_sessions"] is True
    calls = {s["session"]: s["call"]["event_id"] for s in document["followed_sessions"]}
    assert calls == {
        "ASIAIOSFODNN7EXAMPLE": "e-00-AssumeRole",
        "ASIAI44QH8DHBEXAMPLE": "e-10-AssumeRole",
        "ASIAIOSFODNN8EXAMPLE": "e-30-GetFederationToken",
    }
    markdown = (out / "report.md").read_text("utf-8")
    section = markdown.split("## Sessions the principal opened", 1)[1].split("\n## ", 1)[0]
    html = (out / "report.html").read_text("utf-8")
    for session, event_id in calls.items():
        row = next(line for line in section.splitlines() if line.startswith(f"| {session} "))
        assert event_id in row
        assert session in html and event_id in html
    assert '<section id="sessions">' in html
    off = tmp_path / "off"
    result = CliRunner().invoke(main, [*base, "--no-follow-sessions", "-o", str(off), str(archive)])
    document = json.loads((off / "report.json").read_text("utf-8"))
    assert document["followed_sessions"] == [] and document["run"]["follow_sessions"] is False
    assert "not followed" in (off / "report.md").read_text("utf-8")
