"""Generate the fixtures of the agent, Q Developer/Apps/Connect, chat-app and containment rules.

Usage::

    python tools/fixturegen/agents_containment.py          # (re)write the fixtures
    python tools/fixturegen/agents_containment.py --check  # exit 1 if a committed fixture differs

Covers ``fixtures/{q_agent,q_developer,q_apps,q_connect,q_chat_apps,containment}/``. The records are
SYNTHETIC, assembled from the Amazon Q CloudTrail brief (record format §3, services §2.2-2.6, the
July 2025 wiper incident §4.1, user agents §6) and from the shapes of real records in
``../shared/data/external`` (S3 data events with ``x-id`` and bracketed user agents, Lambda's
``DeleteFunction20150331``, IAM ``DeleteConflict``). Request keys follow botocore's service models
(camelCase as CloudTrail logs them; PascalCase for chatbot). Identifiers (``eventID``,
``requestID``) are uuid4-shaped values derived from a hash of the fixture path, so a re-run is
byte-identical.
Documentation values only: accounts 123456789012 / 111122223333 / 444455556666, RFC 5737 addresses,
``example.com`` names, ``...EXAMPLE`` key ids.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import sys
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from sigmaq.jsonfmt import canonical_json  # noqa: E402
from sigmaq.layout import expected_rule_filename  # noqa: E402

Record = dict[str, Any]
Fixture = Record | list[Record]

A1, A2, A3 = "123456789012", "111122223333", "444455556666"
R = "us-east-1"
IDSTORE = f"arn:aws:identitystore::{A1}:identitystore/d-9067642ac7"
Q_CLI_VERSION = "1.12.4"
IDE_VERSION = "1.94.0"
BROWSER = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
SERVICE_HOSTS = {
    "iam.amazonaws.com": "iam.amazonaws.com",
    "qbusiness.amazonaws.com": f"qbusiness.{R}.api.aws",
    "qapps.amazonaws.com": f"data.qapps.{R}.amazonaws.com",
}


def cli_ua(command: str, exec_env: str | None = None, version: str = "2.27.50") -> str:
    """AWS CLI v2 user agent; ``exec_env``: sanitised AWS_EXECUTION_ENV (botocore useragent.py)."""
    env = f" exec-env/{exec_env}" if exec_env else ""
    return (
        f"aws-cli/{version} md/awscrt#0.26.1 ua/2.1 os/linux#6.8.0-60-generic md/arch#x86_64 "
        f"lang/python#3.13.4 md/pyimpl#CPython{env} m/E cfg/retry-mode#standard md/installer#exe "
        f"md/distrib#ubuntu.24 md/prompt#off md/command#{command}"
    )


Q_CLI_ENV = f"AmazonQ-For-CLI-Version-{Q_CLI_VERSION}"
Q_IDE_ENV = f"AmazonQ-For-IDE-Version-{IDE_VERSION}"
Q_CLI_SDK_UA = (
    "aws-sdk-rust/1.3.9 ua/2.1 api/codewhispererstreaming/0.1.11532 os/linux lang/rust/1.87.0 "
    f"md/appVersion-{Q_CLI_VERSION} app/AmazonQ-For-CLI"
)


# --------------------------------------------------------------------------- identities


def iam_user(account: str, name: str, key: str = "AKIAIOSFODNN7EXAMPLE") -> Record:
    pid = "AIDAJ45Q7YFFAREXAMPLE" if account == A1 else "AIDACKCEVSQ6C2EXAMPLE"
    return {
        "type": "IAMUser",
        "principalId": pid,
        "arn": f"arn:aws:iam::{account}:user/{name}",
        "accountId": account,
        "accessKeyId": key,
        "userName": name,
    }


def role(account: str, name: str, session: str, created: str, path: str = "") -> Record:
    rid = "AROAIDPPEZS35WEXAMPLE"
    return {
        "type": "AssumedRole",
        "principalId": f"{rid}:{session}",
        "arn": f"arn:aws:sts::{account}:assumed-role/{name}/{session}",
        "accountId": account,
        "accessKeyId": "ASIAIOSFODNN7EXAMPLE",
        "sessionContext": {
            "sessionIssuer": {
                "type": "Role",
                "principalId": rid,
                "arn": f"arn:aws:iam::{account}:role/{path}{name}",
                "accountId": account,
                "userName": name,
            },
            "webIdFederationData": {},
            "attributes": {"creationDate": created, "mfaAuthenticated": "false"},
        },
    }


def sso(account: str, email: str, created: str, permset: str = "AdministratorAccess") -> Record:
    name = f"AWSReservedSSO_{permset}_0123456789abcdef"
    return role(account, name, email, created, "aws-reserved/sso.amazonaws.com/")


def root(account: str, key: str = "ASIAIOSFODNN7EXAMPLE") -> Record:
    return {
        "type": "Root",
        "principalId": account,
        "arn": f"arn:aws:iam::{account}:root",
        "accountId": account,
        "accessKeyId": key,
    }


def with_invoked_by(identity: Record, service: str) -> Record:
    return {**identity, "invokedBy": service}


@dataclass(frozen=True)
class Caller:
    """``userIdentity`` plus how the request reached AWS."""

    identity: Record
    ua: str
    ip: str
    console: bool = False
    via: str | None = None  # an AWS service calling on the user's behalf: no tlsDetails

    def ua_for(self, command: str) -> str:
        return self.ua.replace("{cmd}", command)


# --------------------------------------------------------------------------- records


def ts(base: str, seconds: float = 0) -> str:
    start = datetime.strptime(base, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    return (start + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")


def host_of(source: str, bucket: str | None = None) -> str:
    if bucket:
        return f"{bucket}.s3.{R}.amazonaws.com"
    return SERVICE_HOSTS.get(source, f"{source.split('.')[0]}.{R}.amazonaws.com")


def event(
    c: Caller,
    when: str,
    source: str,
    name: str,
    *,
    ro: bool,
    req: Record | None = None,
    resp: Record | None = None,
    extra: Record | None = None,
    err: tuple[str, str] | None = None,
    data: bool = False,
    resources: list[Record] | None = None,
    bucket: str | None = None,
    account: str | None = None,
    command: str = "",
    version: str = "1.11",
) -> Record:
    """One CloudTrail record, keys in the order CloudTrail writes them; ids are filled on write."""
    ua = c.ua_for(command)
    if source == "s3.amazonaws.com" and c.via is None and not ua.startswith("["):
        ua = f"[{ua}]"  # S3 logs SDK/CLI user agents in brackets (real records, external data)
    r: Record = {
        "eventVersion": version,
        "userIdentity": c.identity,
        "eventTime": when,
        "eventSource": source,
        "eventName": name,
        "awsRegion": R,
        "sourceIPAddress": c.via or c.ip,
        "userAgent": c.via or ua,
    }
    if err:
        r["errorCode"], r["errorMessage"] = err
    r["requestParameters"] = req
    r["responseElements"] = None if err else resp
    if extra is not None:
        r["additionalEventData"] = extra
    r["requestID"] = ""
    r["eventID"] = ""
    r["readOnly"] = ro
    if resources is not None:
        r["resources"] = resources
    r["eventType"] = "AwsApiCall"
    r["managementEvent"] = not data
    r["recipientAccountId"] = account or c.identity.get("accountId", A1)
    r["eventCategory"] = "Data" if data else "Management"
    if c.via is None:
        r["tlsDetails"] = {
            "tlsVersion": "TLSv1.3",
            "cipherSuite": "TLS_AES_128_GCM_SHA256",
            "clientProvidedHostHeader": host_of(source, bucket),
        }
    if c.console:
        r["sessionCredentialFromConsole"] = "true"
    return r


def s3_extra(bytes_out: int = 0) -> Record:
    return {
        "SignatureVersion": "SigV4",
        "CipherSuite": "TLS_AES_128_GCM_SHA256",
        "bytesTransferredIn": 0,
        "AuthenticationMethod": "AuthHeader",
        "x-amz-id-2": "ExampleRequestId123456789",
        "bytesTransferredOut": bytes_out,
    }


def s3_object_event(
    c: Caller,
    when: str,
    name: str,
    bucket: str,
    key: str,
    account: str,
    *,
    ro: bool = False,
    **kw: Any,
) -> Record:
    """S3 object-level data event (DeleteObject, GetObject): key logged, Object+Bucket resources."""
    req = {"bucketName": bucket, "Host": host_of("s3", bucket), "key": key, "x-id": name}
    res = [
        {"type": "AWS::S3::Object", "ARN": f"arn:aws:s3:::{bucket}/{key}"},
        {"accountId": account, "type": "AWS::S3::Bucket", "ARN": f"arn:aws:s3:::{bucket}"},
    ]
    return event(
        c,
        when,
        "s3.amazonaws.com",
        name,
        ro=ro,
        req=req,
        extra=s3_extra(),
        data=True,
        resources=res,
        bucket=bucket,
        account=account,
        **kw,
    )


def s3_delete_objects(c: Caller, when: str, bucket: str, account: str, **kw: Any) -> Record:
    """Batch delete: CloudTrail logs no keys, only an ARNPrefix (stratus-red-team sample)."""
    req = {
        "bucketName": bucket,
        "Host": host_of("s3", bucket),
        "delete": "",
        "x-id": "DeleteObjects",
    }
    res = [
        {"type": "AWS::S3::Object", "ARNPrefix": f"arn:aws:s3:::{bucket}/"},
        {"accountId": account, "type": "AWS::S3::Bucket", "ARN": f"arn:aws:s3:::{bucket}"},
    ]
    return event(
        c,
        when,
        "s3.amazonaws.com",
        "DeleteObjects",
        ro=False,
        req=req,
        extra=s3_extra(),
        data=True,
        resources=res,
        bucket=bucket,
        account=account,
        **kw,
    )


def err_denied(c: Caller, action: str, resource: str) -> tuple[str, str]:
    arn = c.identity.get("arn", "")
    return (
        "AccessDenied",
        f"User: {arn} is not authorized to perform: {action} on resource: {resource} "
        f"because no identity-based policy allows the {action} action",
    )


# --------------------------------------------------------------------------- the July 2025 wiper


@dataclass(frozen=True)
class Profile:
    """One local AWS CLI profile the wiper agent walks: its caller and the resources it finds."""

    caller: Caller
    account: str
    instance: str
    bucket: str
    victim_user: str
    victim_key: str


WIPER_IP = "203.0.113.77"
WIPER_START = "2025-07-18T09:12:05Z"


def wiper_profiles(env: str | None, ip: str = WIPER_IP) -> list[Profile]:
    ua = cli_ua("{cmd}", env)
    dev = iam_user(A1, "dev-alice")
    staging = sso(A2, "dev@example.com", "2025-07-18T08:00:00Z")
    prod = iam_user(A3, "ci-deployer", "AKIAI44QH8DHBEXAMPLE")
    return [
        Profile(
            Caller(dev, ua, ip),
            A1,
            "i-0123456789abcdef0",
            "dev-alice-scratch-123456789012",
            "build-bot",
            "AKIAIOSFODNN8EXAMPLE",
        ),
        Profile(
            Caller(staging, ua, ip),
            A2,
            "i-0abcdef1234567890",
            "staging-assets-111122223333",
            "staging-svc",
            "AKIAI44QH8DHCEXAMPLE",
        ),
        Profile(
            Caller(prod, ua, ip),
            A3,
            "i-0fedcba9876543210",
            "prod-reports-444455556666",
            "reporting",
            "AKIAI44QH8DHDEXAMPLE",
        ),
    ]


def wiper_run(p: Profile, start: str, objects: int = 3, version: str = "1.10") -> list[Record]:
    """Discovery, then destruction, through one profile, as the agent runs `aws ...` commands."""
    c, a = p.caller, p.account
    t = iter(range(0, 10_000, 3))

    def ev(source: str, name: str, cmd: str, **kw: Any) -> Record:
        return event(
            c, ts(start, next(t)), source, name, account=a, command=cmd, version=version, **kw
        )

    out = [
        ev("sts.amazonaws.com", "GetCallerIdentity", "sts.get-caller-identity", ro=True),
        ev(
            "ec2.amazonaws.com",
            "DescribeInstances",
            "ec2.describe-instances",
            ro=True,
            req={"instancesSet": {}, "filterSet": {}},
        ),
        ev(
            "ec2.amazonaws.com",
            "TerminateInstances",
            "ec2.terminate-instances",
            ro=False,
            req={"instancesSet": {"items": [{"instanceId": p.instance}]}},
            resp={
                "instancesSet": {
                    "items": [
                        {
                            "instanceId": p.instance,
                            "currentState": {"code": 32, "name": "shutting-down"},
                            "previousState": {"code": 16, "name": "running"},
                        }
                    ]
                }
            },
        ),
        ev(
            "s3.amazonaws.com",
            "ListBuckets",
            "s3.ls",
            ro=True,
            req={"Host": f"s3.{R}.amazonaws.com"},
            extra=s3_extra(412),
        ),
        ev(
            "s3.amazonaws.com",
            "ListObjects",
            "s3.rm",
            ro=True,
            data=True,
            bucket=p.bucket,
            req={
                "list-type": "2",
                "bucketName": p.bucket,
                "encoding-type": "url",
                "prefix": "",
                "Host": host_of("s3", p.bucket),
            },
            extra=s3_extra(1620),
            resources=[
                {"accountId": a, "type": "AWS::S3::Bucket", "ARN": f"arn:aws:s3:::{p.bucket}"}
            ],
        ),
    ]
    for i in range(objects):
        out.append(
            s3_object_event(
                c,
                ts(start, next(t)),
                "DeleteObject",
                p.bucket,
                f"reports/2025/q2-{i:02d}.csv",
                a,
                command="s3.rm",
                version=version,
            )
        )
    out += [
        ev("iam.amazonaws.com", "ListUsers", "iam.list-users", ro=True),
        ev(
            "iam.amazonaws.com",
            "DeleteUser",
            "iam.delete-user",
            ro=False,
            req={"userName": p.victim_user},
            err=("DeleteConflict", "Cannot delete entity, must delete login profile first."),
        ),
        ev(
            "iam.amazonaws.com",
            "ListAccessKeys",
            "iam.list-access-keys",
            ro=True,
            req={"userName": p.victim_user},
        ),
        ev(
            "iam.amazonaws.com",
            "DeleteAccessKey",
            "iam.delete-access-key",
            ro=False,
            req={"userName": p.victim_user, "accessKeyId": p.victim_key},
        ),
        ev(
            "iam.amazonaws.com",
            "DeleteLoginProfile",
            "iam.delete-login-profile",
            ro=False,
            req={"userName": p.victim_user},
        ),
        ev(
            "iam.amazonaws.com",
            "ListAttachedUserPolicies",
            "iam.list-attached-user-policies",
            ro=True,
            req={"userName": p.victim_user},
        ),
        ev(
            "iam.amazonaws.com",
            "DetachUserPolicy",
            "iam.detach-user-policy",
            ro=False,
            req={"userName": p.victim_user, "policyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"},
        ),
        ev(
            "iam.amazonaws.com",
            "DeleteUser",
            "iam.delete-user",
            ro=False,
            req={"userName": p.victim_user},
        ),
    ]
    return out


def wiper_all(
    env: str | None, gaps: tuple[int, ...] = (0, 75, 150), ip: str = WIPER_IP
) -> list[Record]:
    out: list[Record] = []
    for p, gap in zip(wiper_profiles(env, ip), gaps, strict=False):
        out += wiper_run(p, ts(WIPER_START, gap))
    return out


def only(records: list[Record], *names: str) -> list[Record]:
    return [r for r in records if r["eventName"] in names and "errorCode" not in r]


def respace(records: list[Record], start: str, step: int) -> list[Record]:
    """Copies of ``records`` re-timed ``step`` seconds apart from ``start``."""
    return [{**r, "eventTime": ts(start, i * step)} for i, r in enumerate(records)]


def from_ip(records: list[Record], ip: str) -> list[Record]:
    return [{**r, "sourceIPAddress": ip} for r in records]


# --------------------------------------------------------------------------- common callers

T26 = "2026-11-18T14:02:11Z"  # recent events (eventVersion 1.11)
ADMIN = Caller(sso(A1, "admin@example.com", "2026-11-18T13:40:02Z"), BROWSER, "198.51.100.10", True)
SECOPS = Caller(
    sso(A1, "secops@example.com", "2026-11-18T13:51:40Z"), cli_ua("{cmd}"), "198.51.100.20"
)
DEV = iam_user(A1, "dev-alice")
DEV_Q_CLI = Caller(DEV, cli_ua("{cmd}", Q_CLI_ENV), WIPER_IP)
DEV_PLAIN = Caller(DEV, cli_ua("{cmd}"), WIPER_IP)
DEV_IDE = Caller(
    sso(A1, "dev@example.com", "2026-11-18T13:30:00Z", "PowerUserAccess"),
    cli_ua("{cmd}", Q_IDE_ENV),
    "192.0.2.44",
)
POWER = role(A1, "PowerUser", "aws-user", "2026-11-18T13:55:00Z")
VIA_Q = Caller(with_invoked_by(POWER, "q.amazonaws.com"), "", "", via="q.amazonaws.com")
IDC_USER: Record = {
    "type": "IdentityCenterUser",
    "accountId": A1,
    "onBehalfOf": {"userId": "544894e8-80c1-707f-60e3-3ba6510dfac1", "identityStoreArn": IDSTORE},
    "credentialId": "EXAMPLEVHULjJdTUdPJfofVa1sufHDoj7aYcOYcxFVllWR_Whr1fEXAMPLE",
}
QAPPS_ROLE = {
    **role(A1, "QBusinessWebExperienceRole", "qbiz-websession", "2026-11-18T13:58:10Z"),
    "onBehalfOf": {"userId": "94d00cd8-e9e6-4810-b177-b08e84775435", "identityStoreArn": IDSTORE},
}
QAPPS_USER = Caller(QAPPS_ROLE, BROWSER, "198.51.100.23")
PROFILE_ARN = f"arn:aws:codewhisperer:{R}:{A1}:profile/EXAMPLEPROFILE1"
CUSTOM_ARN = f"arn:aws:codewhisperer:{R}:{A1}:customization/EXAMPLECUSTOM1"
QB_APP = "a1b2c3d4-5678-90ab-cdef-EXAMPLE11111"
QAPPS_HDR = {
    "idc-application-arn": f"arn:aws:sso::{A1}:application/ssoins-EXAMPLE/apl-EXAMPLE",
    "application-id": QB_APP,
}
APP_ID = "7b1e2a7c-0d5e-4b9f-8c11-EXAMPLE0app1"
ASSISTANT = "a0b1c2d3-e4f5-4a6b-8c7d-EXAMPLEassis"
KB = "b1c2d3e4-f5a6-4b7c-8d9e-EXAMPLEkb001"


def ddenied(
    c: Caller, service: str, action: str, code: str = "AccessDeniedException"
) -> tuple[str, str]:
    arn = c.identity.get("arn", "")
    return code, f"User: {arn} is not authorized to perform: {service}:{action}"


def q_send_message(c: Caller, when: str) -> Record:
    """Console chat turn (Q Developer CloudTrail page sample shape; text redacted as ***)."""
    conv = "a298ec0d-0a49-4d2e-92bd-7d6e629b4619"
    return event(
        c,
        when,
        "q.amazonaws.com",
        "SendMessage",
        ro=False,
        req={
            "Origin": "https://conversational-experience-worker.widget.console.aws.amazon.com",
            "conversationId": conv,
            "source": "CONSOLE",
            "conversationToken": "***",
            "utterance": "***",
        },
        resp={
            "result": {
                "content": {"text": {"body": "***", "references": []}},
                "format": "PLAINTEXT",
                "intents": {},
                "type": "TEXT",
            },
            "metadata": {
                "conversationId": conv,
                "conversationToken": "***",
                "utteranceId": "3b87b46f-04a9-41ef-b8fe-8abf52d2c053",
            },
            "resultCode": "LLM",
        },
        extra={"quickAction": "dev"},
    )


def cw_generate(when: str) -> Record:
    """Q CLI's own model call: IdentityCenterUser data event, `app/AmazonQ-For-CLI` user agent."""
    c = Caller(IDC_USER, Q_CLI_SDK_UA, WIPER_IP)
    return event(
        c,
        when,
        "codewhisperer.amazonaws.com",
        "GenerateAssistantResponse",
        ro=False,
        data=True,
        req={
            "conversationState": {
                "conversationId": "c7a1f0e2-6d3b-4e5a-9f8c-EXAMPLEconv1",
                "chatTriggerType": "MANUAL",
                "currentMessage": "HIDDEN_DUE_TO_SECURITY_REASONS",
            },
            "profileArn": PROFILE_ARN,
        },
        resources=[{"accountId": A1, "type": "AWS::CodeWhisperer::Profile", "ARN": PROFILE_ARN}],
    )


# --------------------------------------------------------------------------- q_agent fixtures


def _one(records: list[Record], name: str) -> Record:
    return next(r for r in records if r["eventName"] == name and "errorCode" not in r)


def _plain_wipe() -> list[Record]:
    return wiper_all(None)


def _burst(objects: int) -> list[Record]:
    return wiper_run(wiper_profiles(None)[0], WIPER_START, objects=objects)


def _discovery_vs_destruction(
    gap: int, same_identity: bool = True, reverse: bool = False
) -> list[Record]:
    p0 = wiper_profiles(None)[0]
    other = replace(
        p0, caller=replace(p0.caller, identity=iam_user(A1, "ops-bob", "AKIAI44QH8DHBEXAMPLE"))
    )
    run = wiper_run(p0, WIPER_START)
    disc = only(run, "GetCallerIdentity", "DescribeInstances", "ListBuckets", "ListUsers")
    destroy_run = run if same_identity else wiper_run(other, WIPER_START)
    destroy = only(destroy_run, "TerminateInstances", "DeleteObject", "DeleteUser")
    if reverse:
        return respace(destroy, WIPER_START, 4) + respace(disc, ts(WIPER_START, 60), 3)
    return respace(disc, WIPER_START, 3) + respace(destroy, ts(WIPER_START, gap), 4)


def _denials(c: Caller, start: str, step: int, n: int) -> list[Record]:
    calls = [
        ("iam.amazonaws.com", "ListUsers", "AccessDenied", "iam.list-users"),
        ("iam.amazonaws.com", "ListRoles", "AccessDenied", "iam.list-roles"),
        (
            "iam.amazonaws.com",
            "GetAccountAuthorizationDetails",
            "AccessDenied",
            "iam.get-account-authorization-details",
        ),
        ("s3.amazonaws.com", "ListBuckets", "AccessDenied", "s3.ls"),
        (
            "ec2.amazonaws.com",
            "DescribeInstances",
            "Client.UnauthorizedOperation",
            "ec2.describe-instances",
        ),
        (
            "ec2.amazonaws.com",
            "DescribeSecurityGroups",
            "Client.UnauthorizedOperation",
            "ec2.describe-security-groups",
        ),
        (
            "secretsmanager.amazonaws.com",
            "ListSecrets",
            "AccessDeniedException",
            "secretsmanager.list-secrets",
        ),
        ("kms.amazonaws.com", "ListKeys", "AccessDeniedException", "kms.list-keys"),
        ("dynamodb.amazonaws.com", "ListTables", "AccessDeniedException", "dynamodb.list-tables"),
        ("rds.amazonaws.com", "DescribeDBInstances", "AccessDenied", "rds.describe-db-instances"),
        ("iam.amazonaws.com", "ListPolicies", "AccessDenied", "iam.list-policies"),
    ]
    out = []
    for i, (src, name, code, cmd) in enumerate(calls[:n]):
        svc = src.split(".")[0]
        req = {"Host": f"s3.{R}.amazonaws.com"} if svc == "s3" else None
        out.append(
            event(
                c,
                ts(start, i * step),
                src,
                name,
                ro=True,
                command=cmd,
                req=req,
                err=(code, f"User: {c.identity['arn']} is not authorized to perform: {svc}:{name}"),
            )
        )
    return out


def q_agent() -> dict[str, dict[str, Fixture]]:
    stop_req = {"instancesSet": {"items": [{"instanceId": "i-0123456789abcdef0"}]}, "force": False}
    stop_real = {**stop_req, "dryRun": False}  # the call Q makes after its dry-run probe
    q_wipe = wiper_all(Q_CLI_ENV)
    plain = wiper_run(wiper_profiles(None)[0], WIPER_START)
    return {
        "Destructive AWS API Call By Amazon Q Agent": {
            "pos_july2025_use_aws_wipe_three_accounts": q_wipe,
            "pos_ide_agent_delete_stack": event(
                DEV_IDE,
                T26,
                "cloudformation.amazonaws.com",
                "DeleteStack",
                ro=False,
                req={"stackName": "payments-dev"},
                command="cloudformation.delete-stack",
            ),
            "pos_cli_agent_delete_function": event(
                DEV_Q_CLI,
                T26,
                "lambda.amazonaws.com",
                "DeleteFunction20150331",
                ro=False,
                req={"functionName": "invoice-renderer"},
                command="lambda.delete-function",
            ),
            "neg_execute_bash_era_no_marker": _one(plain, "TerminateInstances"),
            "neg_delete_user_conflict_with_marker": next(
                r for r in q_wipe if r.get("errorCode") == "DeleteConflict"
            ),
            "neg_describe_instances_with_marker": _one(q_wipe, "DescribeInstances"),
            "neg_create_bucket_with_marker": event(
                DEV_IDE,
                T26,
                "s3.amazonaws.com",
                "CreateBucket",
                ro=False,
                bucket="scratch-ide-123456789012",
                req={
                    "bucketName": "scratch-ide-123456789012",
                    "Host": host_of("s3", "scratch-ide-123456789012"),
                },
                extra=s3_extra(),
                command="s3.mb",
            ),
        },
        "Destructive AWS API Call": {
            "pos_terminate_instances_plain_cli": _one(plain, "TerminateInstances"),
            "pos_delete_objects_batch": s3_delete_objects(
                DEV_PLAIN,
                "2025-07-18T09:13:40Z",
                "dev-alice-scratch-123456789012",
                A1,
                command="s3api.delete-objects",
                version="1.10",
            ),
            "neg_delete_user_conflict": next(
                r for r in plain if r.get("errorCode") == "DeleteConflict"
            ),
            "neg_describe_instances": _one(plain, "DescribeInstances"),
            "neg_detach_user_policy": _one(plain, "DetachUserPolicy"),
        },
        "Cloud Discovery Call": {
            "pos_get_caller_identity": _one(plain, "GetCallerIdentity"),
            "pos_list_buckets": _one(plain, "ListBuckets"),
            "neg_list_users_denied": _denials(DEV_PLAIN, WIPER_START, 1, 1)[0],
            "neg_list_objects_data_event": _one(plain, "ListObjects"),
            "neg_list_access_keys": _one(plain, "ListAccessKeys"),
        },
        "Agent Wipe Across Multiple Accounts From One Source": {
            "pos_july2025_execute_bash_three_accounts": _plain_wipe(),
            "pos_july2025_use_aws_three_accounts": wiper_all(Q_CLI_ENV),
            "neg_single_account": plain,
            "neg_second_account_after_16_minutes": wiper_all(None, gaps=(0, 1000)),
            "neg_two_accounts_two_sources": wiper_run(wiper_profiles(None)[0], WIPER_START)
            + wiper_run(wiper_profiles(None, "198.51.100.23")[1], ts(WIPER_START, 75)),
        },
        "Burst Of Destructive AWS API Calls From One Source": {
            "pos_july2025_single_account_ten_deletions": _burst(6),
            "neg_nine_deletions": _burst(5),
            "neg_ten_deletions_over_20_minutes": respace(
                only(_burst(6), *DESTRUCTIVE), WIPER_START, 130
            ),
            "neg_split_across_two_sources": (lambda d: d[:5] + from_ip(d[5:], "198.51.100.23"))(
                only(_burst(6), *DESTRUCTIVE)
            ),
        },
        "Cloud Discovery Followed By Destruction": {
            "pos_july2025_list_then_delete": plain,
            "neg_destruction_before_discovery": _discovery_vs_destruction(0, reverse=True),
            "neg_destruction_20_minutes_after_discovery": _discovery_vs_destruction(1200),
            "neg_destruction_by_other_identity": _discovery_vs_destruction(30, same_identity=False),
        },
        "Mutating AWS Call Through Amazon Q Agent": {
            "pos_ide_agent_create_bucket": event(
                DEV_IDE,
                T26,
                "s3.amazonaws.com",
                "CreateBucket",
                ro=False,
                bucket="scratch-ide-123456789012",
                req={
                    "bucketName": "scratch-ide-123456789012",
                    "Host": host_of("s3", "scratch-ide-123456789012"),
                },
                extra=s3_extra(),
                command="s3.mb",
            ),
            "pos_cli_agent_put_role_policy": event(
                DEV_Q_CLI,
                T26,
                "iam.amazonaws.com",
                "PutRolePolicy",
                ro=False,
                command="iam.put-role-policy",
                req={
                    "roleName": "invoice-renderer-role",
                    "policyName": "s3-read",
                    "policyDocument": '{"Version":"2012-10-17","Statement":[{"Effect":"Allow",'
                    '"Action":"s3:GetObject","Resource":"arn:aws:s3:::invoices-123456789012/*"}]}',
                },
            ),
            "neg_q_cli_own_model_call": cw_generate(T26),
            "neg_read_only_with_marker": event(
                DEV_Q_CLI,
                T26,
                "ec2.amazonaws.com",
                "DescribeInstances",
                ro=True,
                req={"instancesSet": {}, "filterSet": {}},
                command="ec2.describe-instances",
            ),
            "neg_denied_with_marker": event(
                DEV_Q_CLI,
                T26,
                "iam.amazonaws.com",
                "PutRolePolicy",
                ro=False,
                command="iam.put-role-policy",
                req={
                    "roleName": "OrganizationAccountAccessRole",
                    "policyName": "agent-admin",
                    "policyDocument": '{"Version":"2012-10-17","Statement":[{"Effect":"Allow",'
                    '"Action":"*",'
                    '"Resource":"*"}]}',
                },
                err=err_denied(
                    DEV_Q_CLI, "iam:PutRolePolicy", "role OrganizationAccountAccessRole"
                ),
            ),
        },
        "Amazon Q Console Agent Write On Behalf Of User": {
            "pos_stop_instances_via_q_chat": event(
                VIA_Q,
                T26,
                "ec2.amazonaws.com",
                "StopInstances",
                ro=False,
                req=stop_real,
                resp={
                    "instancesSet": {
                        "items": [
                            {
                                "instanceId": "i-0123456789abcdef0",
                                "currentState": {"code": 64, "name": "stopping"},
                                "previousState": {"code": 16, "name": "running"},
                            }
                        ]
                    }
                },
            ),
            "pos_create_bucket_via_q_chat": event(
                VIA_Q,
                T26,
                "s3.amazonaws.com",
                "CreateBucket",
                ro=False,
                extra=s3_extra(),
                req={"bucketName": "q-created-123456789012", "Host": "s3.amazonaws.com"},
            ),
            "neg_list_buckets_via_q_chat": event(
                VIA_Q,
                T26,
                "s3.amazonaws.com",
                "ListBuckets",
                ro=True,
                req={"Host": "s3.amazonaws.com"},
                extra=s3_extra(4054),
                version="1.09",
            ),
            "neg_pass_request": event(VIA_Q, T26, "q.amazonaws.com", "PassRequest", ro=False),
            "neg_dry_run_probe": event(
                VIA_Q,
                T26,
                "ec2.amazonaws.com",
                "StopInstances",
                ro=False,
                req={**stop_req, "dryRun": True},
            ),
            "neg_dry_run_probe_ec2_error": event(
                VIA_Q,
                T26,
                "ec2.amazonaws.com",
                "StopInstances",
                ro=False,
                req={**stop_req, "dryRun": True},
                err=(
                    "Client.DryRunOperation",
                    "Request would have succeeded, but DryRun flag is set.",
                ),
            ),
            "neg_stop_instances_by_user": event(
                Caller(POWER, BROWSER, "198.51.100.10", True),
                T26,
                "ec2.amazonaws.com",
                "StopInstances",
                ro=False,
                req=stop_req,
            ),
        },
        "Amazon Q Agent Access Denied": {
            "pos_list_users_denied_q_cli": _denials(DEV_Q_CLI, T26, 1, 1)[0],
            "pos_describe_instances_unauthorized_ide": _denials(DEV_IDE, T26, 1, 5)[4],
            "neg_denied_plain_cli": _denials(DEV_PLAIN, T26, 1, 1)[0],
            "neg_delete_conflict_with_marker": next(
                r for r in q_wipe if r.get("errorCode") == "DeleteConflict"
            ),
            "neg_success_with_marker": _one(q_wipe, "ListUsers"),
        },
        "Access Denied Burst From Amazon Q Agent": {
            "pos_ten_denials_in_two_minutes": _denials(DEV_Q_CLI, T26, 12, 10),
            "neg_nine_denials": _denials(DEV_Q_CLI, T26, 12, 9),
            "neg_ten_denials_over_seven_minutes": _denials(DEV_Q_CLI, T26, 45, 10),
            "neg_split_across_two_identities": (
                _denials(DEV_Q_CLI, T26, 12, 10)[:5] + _denials(DEV_IDE, ts(T26, 60), 12, 10)[5:]
            ),
        },
    }


DESTRUCTIVE = (
    "TerminateInstances",
    "DeleteObject",
    "DeleteAccessKey",
    "DeleteLoginProfile",
    "DeleteUser",
)


# --------------------------------------------------------------------------- Q Apps, Q Developer


def q_apps() -> dict[str, dict[str, Fixture]]:
    c, src = QAPPS_USER, "qapps.amazonaws.com"
    item = "5f0e1d2c-3b4a-4958-8776-EXAMPLEitem1"
    session = "9a8b7c6d-5e4f-4a3b-9c2d-EXAMPLEsess1"

    def qa(name: str, req: Record, ro: bool = False, **kw: Any) -> Record:
        return event(c, T26, src, name, ro=ro, req={**req, **QAPPS_HDR}, **kw)

    share = {"sessionId": session, "sessionName": "Team offsite survey"}
    grant = [{"action": "read", "principal": "f4a8e4c8-1071-7067-d1a2-8f0e6b3c2a22"}]
    denied = ddenied(c, "qapps", "UpdateQAppPermissions")
    return {
        "Q App Published Or Verified In Library": {
            "pos_create_library_item": qa(
                "CreateLibraryItem",
                {"appId": APP_ID, "appVersion": 3, "categories": []},
                resp={"libraryItemId": item, "status": "PUBLISHED"},
            ),
            "pos_library_item_verified": qa(
                "UpdateLibraryItemMetadata", {"libraryItemId": item, "isVerified": True}
            ),
            "pos_library_item_republished": qa(
                "UpdateLibraryItem", {"libraryItemId": item, "status": "PUBLISHED"}
            ),
            "neg_library_item_unverified": qa(
                "UpdateLibraryItemMetadata", {"libraryItemId": item, "isVerified": False}
            ),
            "neg_library_item_disabled": qa(
                "UpdateLibraryItem", {"libraryItemId": item, "status": "DISABLED"}
            ),
            "neg_create_library_item_denied": qa(
                "CreateLibraryItem",
                {"appId": APP_ID, "appVersion": 3, "categories": []},
                err=ddenied(c, "qapps", "CreateLibraryItem"),
            ),
            "neg_get_library_item": qa(
                "GetLibraryItem", {"libraryItemId": item, "appId": APP_ID}, ro=True, version="1.09"
            ),
        },
        "Q App Permissions Granted Or Session Shared": {
            "pos_permissions_granted": qa(
                "UpdateQAppPermissions",
                {"appId": APP_ID, "grantPermissions": grant},
                resp={
                    "resourceArn": f"arn:aws:qapps:{R}:{A1}:application/{QB_APP}/qapp/{APP_ID}",
                    "appId": APP_ID,
                },
            ),
            "pos_session_sharing_enabled": qa(
                "UpdateQAppSessionMetadata",
                {
                    **share,
                    "sharingConfiguration": {
                        "enabled": True,
                        "acceptResponses": True,
                        "revealCards": False,
                    },
                },
            ),
            "neg_permissions_revoked_only": qa(
                "UpdateQAppPermissions", {"appId": APP_ID, "revokePermissions": grant}
            ),
            "neg_session_sharing_disabled": qa(
                "UpdateQAppSessionMetadata", {**share, "sharingConfiguration": {"enabled": False}}
            ),
            "neg_grant_denied": qa(
                "UpdateQAppPermissions", {"appId": APP_ID, "grantPermissions": grant}, err=denied
            ),
        },
    }


def q_developer() -> dict[str, dict[str, Fixture]]:
    cw, q, s3 = "codewhisperer.amazonaws.com", "q.amazonaws.com", "s3.amazonaws.com"
    a = ADMIN
    custom_req = {
        "profileArn": PROFILE_ARN,
        "customizationName": "payments-monorepo",
        "description": "Suggestions from the payments monorepo",
        "dataReference": {
            "codeStarReference": {
                "connectionArn": f"arn:aws:codeconnections:{R}:{A1}:connection/EXAMPLE-1111"
            }
        },
        "clientToken": "0c2d8e3f-4a5b-4c6d-8e9f-EXAMPLEtok01",
    }
    perm = {"identifier": CUSTOM_ARN, "permission": {"groupName": "all-engineers"}}
    prompt_bucket = "q-prompt-logs-123456789012"
    prompt_key = (
        "AWSLogs/123456789012/QDeveloperLogs/GenerateAssistantResponse/us-east-1/2026/11/18/"
        "13/123456789012_GenerateAssistantResponse_20261118T1355Z_EXAMPLE.json.gz"
    )
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "QDeveloperLogsWrite",
                "Effect": "Allow",
                "Principal": {"Service": "q.amazonaws.com"},
                "Action": "s3:PutObject",
                "Resource": f"arn:aws:s3:::{prompt_bucket}/*",
                "Condition": {
                    "StringEquals": {"aws:SourceAccount": A1},
                    "ArnLike": {"aws:SourceArn": f"arn:aws:codewhisperer:{R}:{A1}:*"},
                },
            },
            {
                "Sid": "StopQ",
                "Effect": "Deny",
                "Principal": {"Service": "q.amazonaws.com"},
                "Action": "s3:PutObject",
                "Resource": f"arn:aws:s3:::{prompt_bucket}/*",
            },
        ],
    }
    ct_policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AWSCloudTrailWrite",
                "Effect": "Allow",
                "Principal": {"Service": "cloudtrail.amazonaws.com"},
                "Action": "s3:PutObject",
                "Resource": "arn:aws:s3:::org-trail-123456789012/AWSLogs/*",
            }
        ],
    }

    def bucket_ev(name: str, pol: Record | None, bucket: str = prompt_bucket, **kw: Any) -> Record:
        req: Record = {"bucketName": bucket, "Host": host_of("s3", bucket), "policy": ""}
        if pol is not None:
            req = {"bucketPolicy": pol, **req}
        return event(
            SECOPS,
            T26,
            s3,
            name,
            ro=pol is None,
            req=req,
            extra=s3_extra(),
            bucket=bucket,
            resources=[
                {"accountId": A1, "type": "AWS::S3::Bucket", "ARN": f"arn:aws:s3:::{bucket}"}
            ],
            command="s3api.put-bucket-policy",
            **kw,
        )

    plugin_req = {
        "pluginProvider": "DATADOG",
        "url": "https://api.datadoghq.example.com",
        "pluginCredentials": "HIDDEN_DUE_TO_SECURITY_REASONS",
    }
    plugin_resp = {"pluginId": "EXAMPLEPLUGIN1"}
    assign = {"principalId": "544894e8-80c1-707f-60e3-3ba6510dfac1", "principalType": "USER"}
    return {
        "Q Developer Customization Created Or Widened": {
            "pos_create_customization": event(
                a,
                T26,
                cw,
                "CreateCustomization",
                ro=False,
                req=custom_req,
                resp={"customizationArn": CUSTOM_ARN},
            ),
            "pos_associate_customization_permission": event(
                a, T26, cw, "AssociateCustomizationPermission", ro=False, req=perm
            ),
            "neg_disassociate_customization_permission": event(
                a, T26, cw, "DisassociateCustomizationPermission", ro=False, req=perm
            ),
            "neg_create_customization_denied": event(
                a,
                T26,
                cw,
                "CreateCustomization",
                ro=False,
                req=custom_req,
                err=ddenied(a, "codewhisperer", "CreateCustomization"),
            ),
            "neg_list_customizations": event(
                a, T26, cw, "ListCustomizations", ro=True, req={"maxResults": 50}
            ),
        },
        "Q Developer Profile Changed Or Deleted": {
            "pos_update_profile_references_allowed": event(
                a,
                T26,
                cw,
                "UpdateProfile",
                ro=False,
                req={
                    "profileArn": PROFILE_ARN,
                    "profileName": "QDevProfile-us-east-1",
                    "referenceTrackerConfiguration": {"recommendationsWithReferences": "ALLOW"},
                },
                resp={"profileArn": PROFILE_ARN},
            ),
            "pos_delete_profile": event(
                a, T26, cw, "DeleteProfile", ro=False, req={"profileArn": PROFILE_ARN}
            ),
            "neg_create_profile": event(
                a,
                T26,
                cw,
                "CreateProfile",
                ro=False,
                req={
                    "identitySource": {
                        "ssoIdentitySource": {
                            "instanceArn": "arn:aws:sso:::instance/ssoins-EXAMPLE1234567890"
                        }
                    },
                    "profileName": "QDevProfile-us-east-1",
                    "referenceTrackerConfiguration": {"recommendationsWithReferences": "BLOCK"},
                },
                resp={"profileArn": PROFILE_ARN},
            ),
            "neg_update_profile_denied": event(
                a,
                T26,
                cw,
                "UpdateProfile",
                ro=False,
                req={"profileArn": PROFILE_ARN, "profileName": "x"},
                err=ddenied(a, "codewhisperer", "UpdateProfile"),
            ),
            "neg_list_profiles": event(a, T26, cw, "ListProfiles", ro=True, req={"maxResults": 10}),
        },
        "Q Developer Prompt Log Objects Deleted": {
            "pos_delete_prompt_log_object": s3_object_event(
                SECOPS, T26, "DeleteObject", prompt_bucket, prompt_key, A1, command="s3.rm"
            ),
            "neg_delete_other_object": s3_object_event(
                SECOPS,
                T26,
                "DeleteObject",
                prompt_bucket,
                "exports/old-report.csv",
                A1,
                command="s3.rm",
            ),
            "neg_get_prompt_log_object": s3_object_event(
                SECOPS, T26, "GetObject", prompt_bucket, prompt_key, A1, ro=True, command="s3.cp"
            ),
            "neg_delete_prompt_log_denied": s3_object_event(
                SECOPS,
                T26,
                "DeleteObject",
                prompt_bucket,
                prompt_key,
                A1,
                command="s3.rm",
                err=("AccessDenied", "Access Denied"),
            ),
        },
        "Q Developer Prompt Log Bucket Policy Changed": {
            "pos_deny_statement_added": bucket_ev("PutBucketPolicy", policy),
            "neg_cloudtrail_bucket_policy": bucket_ev(
                "PutBucketPolicy", ct_policy, "org-trail-123456789012"
            ),
            "neg_get_bucket_policy": bucket_ev("GetBucketPolicy", None),
            "neg_put_policy_denied": bucket_ev(
                "PutBucketPolicy", policy, err=("AccessDenied", "Access Denied")
            ),
        },
        "Q Developer Plugin Or OAuth Connection Registered": {
            "pos_create_plugin": event(
                a, T26, q, "CreatePlugin", ro=False, req=plugin_req, resp=plugin_resp
            ),
            "pos_create_oauth_app_connection": event(
                a,
                T26,
                q,
                "CreateOAuthAppConnection",
                ro=False,
                req={
                    "appName": "GITLAB",
                    "clientId": "HIDDEN_DUE_TO_SECURITY_REASONS",
                    "clientSecret": "HIDDEN_DUE_TO_SECURITY_REASONS",
                },
            ),
            "neg_delete_plugin": event(
                a, T26, q, "DeletePlugin", ro=False, req={"pluginId": "EXAMPLEPLUGIN1"}
            ),
            "neg_q_business_create_plugin": event(
                a,
                T26,
                "qbusiness.amazonaws.com",
                "CreatePlugin",
                ro=False,
                req={
                    "applicationId": QB_APP,
                    "displayName": "jira-cloud",
                    "type": "JIRA_CLOUD",
                    "serverUrl": "https://example.atlassian.net",
                    "authConfiguration": {
                        "oAuth2ClientCredentialConfiguration": {
                            "secretArn": f"arn:aws:secretsmanager:{R}:{A1}:secret:jira-EXAMPLE",
                            "roleArn": f"arn:aws:iam::{A1}:role/QBusinessPluginRole",
                        }
                    },
                },
            ),
            "neg_create_plugin_denied": event(
                a,
                T26,
                q,
                "CreatePlugin",
                ro=False,
                req=plugin_req,
                err=ddenied(a, "q", "CreatePlugin"),
            ),
        },
        "Q Developer Profile Assignment Changed": {
            "pos_create_assignment": event(a, T26, q, "CreateAssignment", ro=False, req=assign),
            "pos_delete_assignment": event(a, T26, q, "DeleteAssignment", ro=False, req=assign),
            "neg_create_assignment_denied": event(
                a,
                T26,
                q,
                "CreateAssignment",
                ro=False,
                req=assign,
                err=ddenied(a, "q", "CreateAssignment"),
            ),
            "neg_console_chat_message": q_send_message(a, T26),
        },
    }


# ------------------------------------------------------------------------- Q in Connect, chat apps


def q_connect() -> dict[str, dict[str, Fixture]]:
    w, a = (
        "wisdom.amazonaws.com",
        Caller(
            sso(A1, "cc-admin@example.com", "2026-11-18T13:20:00Z"), BROWSER, "198.51.100.31", True
        ),
    )
    guard = {"assistantId": ASSISTANT, "aiGuardrailId": "c2d3e4f5-a6b7-4c8d-9e0f-EXAMPLEguard"}
    hidden = "HIDDEN_DUE_TO_SECURITY_REASONS"
    upd_guard = {
        **guard,
        "visibilityStatus": "PUBLISHED",
        "blockedInputMessaging": hidden,
        "blockedOutputsMessaging": hidden,
        "topicPolicyConfig": hidden,
    }
    content = {
        "knowledgeBaseId": KB,
        "name": "refund-policy-2026",
        "title": "Refund policy",
        "uploadId": "EXAMPLEUPLOAD1",
        "clientToken": "5e6f7a8b-9c0d-4e1f-8a2b-EXAMPLEtok02",
    }
    return {
        "Q In Connect Guardrail Prompt Or Agent Tampering": {
            "pos_delete_ai_guardrail": event(a, T26, w, "DeleteAIGuardrail", ro=False, req=guard),
            "pos_update_ai_prompt": event(
                a,
                T26,
                w,
                "UpdateAIPrompt",
                ro=False,
                req={
                    "assistantId": ASSISTANT,
                    "aiPromptId": "d3e4f5a6-b7c8-4d9e-8f0a-EXAMPLEprmpt",
                    "visibilityStatus": "PUBLISHED",
                    "templateConfiguration": hidden,
                },
            ),
            "pos_remove_assistant_ai_agent": event(
                a,
                T26,
                w,
                "RemoveAssistantAIAgent",
                ro=False,
                req={"assistantId": ASSISTANT, "aiAgentType": "ANSWER_RECOMMENDATION"},
            ),
            "neg_create_ai_guardrail": event(
                a, T26, w, "CreateAIGuardrail", ro=False, req={**upd_guard, "name": "pii-guard"}
            ),
            "neg_get_ai_guardrail": event(a, T26, w, "GetAIGuardrail", ro=True, req=guard),
            "neg_update_ai_guardrail_denied": event(
                a,
                T26,
                w,
                "UpdateAIGuardrail",
                ro=False,
                req=upd_guard,
                err=ddenied(a, "wisdom", "UpdateAIGuardrail"),
            ),
        },
        "Q In Connect Knowledge Base Content Added Or Changed": {
            "pos_create_content": event(a, T26, w, "CreateContent", ro=False, req=content),
            "pos_start_import_job": event(
                a,
                T26,
                w,
                "StartImportJob",
                ro=False,
                req={
                    "knowledgeBaseId": KB,
                    "importJobType": "QUICK_RESPONSES",
                    "uploadId": "EXAMPLEUPLOAD2",
                    "clientToken": "6f7a8b9c-0d1e-4f2a-8b3c-EXAMPLEtok03",
                },
            ),
            "neg_search_content": event(
                a,
                T26,
                w,
                "SearchContent",
                ro=False,
                req={"knowledgeBaseId": KB, "searchExpression": {"filters": []}},
            ),
            "neg_delete_content": event(
                a,
                T26,
                w,
                "DeleteContent",
                ro=False,
                req={"knowledgeBaseId": KB, "contentId": "EXAMPLECONTENT1"},
            ),
            "neg_start_content_upload_denied": event(
                a,
                T26,
                w,
                "StartContentUpload",
                ro=False,
                req={"knowledgeBaseId": KB, "contentType": "text/html"},
                err=ddenied(a, "wisdom", "StartContentUpload"),
            ),
        },
    }


def q_chat_apps() -> dict[str, dict[str, Fixture]]:
    cb, a = "chatbot.amazonaws.com", ADMIN
    chan_arn = f"arn:aws:chatbot::{A1}:chat-configuration/slack-channel/ops-alerts"
    role_arn = f"arn:aws:iam::{A1}:role/ChatbotOpsRole"
    slack = {
        "SlackTeamId": "T07EA123LEP",
        "SlackChannelId": "C07EZ1ABC23",
        "SlackChannelName": "HIDDEN_DUE_TO_SECURITY_REASONS",
        "IamRoleArn": role_arn,
        "ConfigurationName": "ops-alerts",
        "LoggingLevel": "ERROR",
    }
    teams = {
        "ChannelId": "19:EXAMPLEchannel@thread.tacv2",
        "ChannelName": "HIDDEN_DUE_TO_SECURITY_REASONS",
        "TeamId": "a1b2c3d4-0000-4000-8000-EXAMPLEteam1",
        "TenantId": "b2c3d4e5-0000-4000-8000-EXAMPLEten1",
        "IamRoleArn": role_arn,
        "ConfigurationName": "platform-ops",
        "LoggingLevel": "INFO",
    }
    admin_guard = ["arn:aws:iam::aws:policy/AdministratorAccess"]
    ro_guard = ["arn:aws:iam::aws:policy/ReadOnlyAccess"]
    resp = {"ChannelConfiguration": {"ChatConfigurationArn": chan_arn}}
    return {
        "Q Developer Chat Channel Given Admin Access Or Loosened": {
            "pos_slack_channel_admin_guardrail": event(
                a,
                T26,
                cb,
                "CreateSlackChannelConfiguration",
                ro=False,
                req={
                    **slack,
                    "GuardrailPolicyArns": admin_guard,
                    "UserAuthorizationRequired": True,
                },
                resp=resp,
            ),
            "pos_teams_channel_without_guardrail": event(
                a,
                T26,
                cb,
                "CreateMicrosoftTeamsChannelConfiguration",
                ro=False,
                req={**teams, "UserAuthorizationRequired": True},
            ),
            "pos_account_user_authorization_off": event(
                a,
                T26,
                cb,
                "UpdateAccountPreferences",
                ro=False,
                req={"UserAuthorizationRequired": False, "TrainingDataCollectionEnabled": False},
            ),
            "neg_slack_channel_read_only_guardrail": event(
                a,
                T26,
                cb,
                "CreateSlackChannelConfiguration",
                ro=False,
                req={**slack, "GuardrailPolicyArns": ro_guard, "UserAuthorizationRequired": True},
                resp=resp,
            ),
            "neg_update_channel_keeps_guardrails": event(
                a,
                T26,
                cb,
                "UpdateSlackChannelConfiguration",
                ro=False,
                req={
                    "ChatConfigurationArn": chan_arn,
                    "SlackChannelId": "C07EZ1ABC23",
                    "LoggingLevel": "INFO",
                    "UserAuthorizationRequired": True,
                },
            ),
            "neg_account_user_authorization_on": event(
                a,
                T26,
                cb,
                "UpdateAccountPreferences",
                ro=False,
                req={"UserAuthorizationRequired": True, "TrainingDataCollectionEnabled": False},
            ),
            "neg_admin_channel_denied": event(
                a,
                T26,
                cb,
                "CreateSlackChannelConfiguration",
                ro=False,
                req={**slack, "GuardrailPolicyArns": admin_guard},
                err=ddenied(a, "chatbot", "CreateSlackChannelConfiguration"),
            ),
        },
    }


# --------------------------------------------------------------------------- containment

IAM, CT, QB = "iam.amazonaws.com", "cloudtrail.amazonaws.com", "qbusiness.amazonaws.com"
IAM_CONSOLE = replace(ADMIN, ua="AWS Internal")
ROOT_CONSOLE = Caller(root(A1), BROWSER, "192.0.2.10", True)
ROOT_KEY = Caller(root(A1, "AKIAIOSFODNN9EXAMPLE"), cli_ua("{cmd}"), "192.0.2.200")
TRAIL = f"arn:aws:cloudtrail:{R}:{A1}:trail/org-management-events"
TRUST_Q = (
    '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":'
    '"qbusiness.amazonaws.com"},"Action":"sts:AssumeRole","Condition":{"StringEquals":'
    '{"aws:SourceAccount":"123456789012"}}}]}'
)
TRUST_LAMBDA = TRUST_Q.replace("qbusiness.amazonaws.com", "lambda.amazonaws.com")
REVOKE = (
    '{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":["*"],"Resource":["*"],'
    '"Condition":{"DateLessThan":{"aws:TokenIssueTime":"2026-11-18T16:10:00.000Z"}}}]}'
)


def iam(c: Caller, when: str, name: str, req: Record | None, ro: bool = False, **kw: Any) -> Record:
    cmd = "iam." + "".join("-" + ch.lower() if ch.isupper() else ch for ch in name).lstrip("-")
    return event(c, when, IAM, name, ro=ro, req=req, command=cmd, **kw)


def key_resp(user: str | None, key: str) -> Record:
    """CreateAccessKey response; a root user's own key carries no userName."""
    named = {"userName": user} if user else {}
    return {
        "accessKey": {
            "accessKeyId": key,
            "status": "Active",
            **named,
            "createDate": "Nov 18, 2026 2:02:11 PM",
        }
    }


def qb_admin(c: Caller, when: str, name: str, req: Record, ro: bool = False, **kw: Any) -> Record:
    return event(c, when, QB, name, ro=ro, req={"applicationId": QB_APP, **req}, **kw)


def containment() -> dict[str, dict[str, Fixture]]:
    s, a = SECOPS, ADMIN
    accessor = {
        "principal": f"arn:aws:iam::{A3}:role/isv-data-accessor",
        "actionConfigurations": [{"action": "qbusiness:SearchRelevantContent"}],
        "displayName": "HIDDEN_DUE_TO_SECURITY_REASONS",
    }
    plugin = {
        "displayName": "ticket-helper",
        "type": "CUSTOM",
        "serverUrl": "https://api.example.net",
        "authConfiguration": {"noAuthConfiguration": {}},
        "customPluginConfiguration": {
            "description": "helper",
            "apiSchemaType": "OPEN_API_V3",
            "apiSchema": {"payload": "HIDDEN_DUE_TO_SECURITY_REASONS"},
        },
    }
    custom = q_developer()["Q Developer Customization Created Or Widened"][
        "pos_create_customization"
    ]
    q_attach = {
        "userName": "svc-reporting",
        "policyArn": "arn:aws:iam::aws:policy/AmazonQFullAccess",
    }
    ro_attach = {"userName": "svc-reporting", "policyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}
    t0 = "2026-11-18T15:05:09Z"
    alice = Caller(iam_user(A1, "alice"), BROWSER, "198.51.100.40", True)
    bob_key = {"userName": "bob", "accessKeyId": "AKIAI44QH8DHBEXAMPLE", "status": "Inactive"}
    alice_key = {"userName": "alice", "accessKeyId": "AKIAIOSFODNN7EXAMPLE", "status": "Inactive"}
    power = Caller(POWER, BROWSER, "198.51.100.41", True)
    selector: Record = {
        "dataResources": [],
        "excludeManagementEventSources": [],
        "includeManagementEvents": False,
        "readWriteType": "All",
    }
    selectors: Record = {"eventSelectors": [selector], "trailName": TRAIL}
    keep = {
        **selectors,
        "eventSelectors": [{**selector, "includeManagementEvents": True}],
    }
    revoke = {
        "roleName": "PowerUser",
        "policyName": "AWSRevokeOlderSessions",
        "policyDocument": REVOKE,
    }
    return {
        "Amazon Q Administrative Change": {
            "pos_q_business_create_data_accessor": qb_admin(a, T26, "CreateDataAccessor", accessor),
            "pos_q_developer_create_customization": custom,
            "neg_q_business_get_plugin": qb_admin(
                a, T26, "GetPlugin", {"pluginId": "EXAMPLEPLUGIN2"}, ro=True
            ),
            "neg_q_business_create_plugin_denied": qb_admin(
                a, T26, "CreatePlugin", plugin, err=ddenied(a, "qbusiness", "CreatePlugin")
            ),
            "neg_q_developer_console_plugin": q_developer()[
                "Q Developer Plugin Or OAuth Connection Registered"
            ]["pos_create_plugin"],
        },
        "IAM Persistence Action": {
            "pos_attach_amazon_q_full_access": iam(s, T26, "AttachUserPolicy", q_attach),
            "pos_create_login_profile": iam(
                s,
                T26,
                "CreateLoginProfile",
                {"userName": "svc-reporting", "passwordResetRequired": False},
            ),
            "neg_attach_read_only_access": iam(s, T26, "AttachUserPolicy", ro_attach),
            "neg_create_user_denied": iam(
                s,
                T26,
                "CreateUser",
                {"userName": "svc-reporting"},
                err=err_denied(s, "iam:CreateUser", "user svc-reporting"),
            ),
            "neg_get_user": iam(s, T26, "GetUser", {"userName": "svc-reporting"}, ro=True),
        },
        "IAM Persistence Right After Amazon Q Admin Change": {
            "pos_plugin_then_access_key_20_minutes_later": [
                qb_admin(s, t0, "CreatePlugin", plugin),
                iam(
                    s,
                    ts(t0, 1200),
                    "CreateAccessKey",
                    {"userName": "svc-reporting"},
                    resp=key_resp("svc-reporting", "AKIAI44QH8DHEEXAMPLE"),
                ),
            ],
            "neg_61_minutes_apart": [
                qb_admin(s, t0, "CreatePlugin", plugin),
                iam(
                    s,
                    ts(t0, 3660),
                    "CreateAccessKey",
                    {"userName": "svc-reporting"},
                    resp=key_resp("svc-reporting", "AKIAI44QH8DHEEXAMPLE"),
                ),
            ],
            "neg_different_identities": [
                qb_admin(s, t0, "CreatePlugin", plugin),
                iam(
                    a,
                    ts(t0, 600),
                    "CreateAccessKey",
                    {"userName": "svc-reporting"},
                    resp=key_resp("svc-reporting", "AKIAI44QH8DHEEXAMPLE"),
                ),
            ],
            "neg_admin_change_only": [
                qb_admin(s, t0, "CreatePlugin", plugin),
                qb_admin(s, ts(t0, 300), "CreateDataAccessor", accessor),
            ],
        },
        "IAM Trust Policy Grants Amazon Q Service Principal": {
            "pos_create_role_trusting_qbusiness": iam(
                s,
                T26,
                "CreateRole",
                {"roleName": "QBusinessAppRole", "assumeRolePolicyDocument": TRUST_Q},
                resp={
                    "role": {
                        "path": "/",
                        "roleName": "QBusinessAppRole",
                        "roleId": "AROAEXAMPLEQBAPPROLE1",
                        "arn": f"arn:aws:iam::{A1}:role/QBusinessAppRole",
                        "createDate": "Nov 18, 2026 2:02:11 PM",
                        "assumeRolePolicyDocument": TRUST_Q,
                    }
                },
            ),
            "pos_update_trust_to_q_developer": iam(
                s,
                T26,
                "UpdateAssumeRolePolicy",
                {
                    "roleName": "OpsAutomation",
                    "policyDocument": TRUST_Q.replace("qbusiness.", "q."),
                },
            ),
            "neg_create_role_trusting_lambda": iam(
                s,
                T26,
                "CreateRole",
                {"roleName": "InvoiceLambdaRole", "assumeRolePolicyDocument": TRUST_LAMBDA},
            ),
            "neg_create_role_denied": iam(
                s,
                T26,
                "CreateRole",
                {"roleName": "QBusinessAppRole", "assumeRolePolicyDocument": TRUST_Q},
                err=err_denied(s, "iam:CreateRole", f"arn:aws:iam::{A1}:role/QBusinessAppRole"),
            ),
            "neg_inline_policy_naming_q": iam(
                s,
                T26,
                "PutRolePolicy",
                {"roleName": "OpsAutomation", "policyName": "pass-to-q", "policyDocument": TRUST_Q},
            ),
        },
        "Root User Administering Amazon Q": {
            "pos_root_creates_q_business_application": event(
                ROOT_CONSOLE,
                T26,
                QB,
                "CreateApplication",
                ro=False,
                req={
                    "displayName": "hr-assistant",
                    "identityType": "AWS_IAM_IDC",
                    "identityCenterInstanceArn": "arn:aws:sso:::instance/ssoins-EXAMPLE1234567890",
                    "clientToken": "7a8b9c0d-1e2f-4a3b-8c4d-EXAMPLEtok04",
                },
                resp={
                    "applicationId": QB_APP,
                    "applicationArn": f"arn:aws:qbusiness:{R}:{A1}:application/{QB_APP}",
                },
            ),
            "pos_root_assigns_q_developer": event(
                ROOT_CONSOLE,
                T26,
                "q.amazonaws.com",
                "CreateAssignment",
                ro=False,
                req={
                    "principalId": "544894e8-80c1-707f-60e3-3ba6510dfac1",
                    "principalType": "USER",
                },
            ),
            "neg_admin_creates_q_business_application": event(
                a,
                T26,
                QB,
                "CreateApplication",
                ro=False,
                req={
                    "displayName": "hr-assistant",
                    "identityType": "AWS_IAM_IDC",
                    "identityCenterInstanceArn": "arn:aws:sso:::instance/ssoins-EXAMPLE1234567890",
                    "clientToken": "7a8b9c0d-1e2f-4a3b-8c4d-EXAMPLEtok05",
                },
                resp={
                    "applicationId": QB_APP,
                    "applicationArn": f"arn:aws:qbusiness:{R}:{A1}:application/{QB_APP}",
                },
            ),
            "neg_root_iam_call": iam(ROOT_CONSOLE, T26, "GetAccountSummary", None, ro=True),
        },
        "CloudTrail Logging Stopped Or Trail Deleted": {
            "pos_stop_logging": event(
                s,
                T26,
                CT,
                "StopLogging",
                ro=False,
                req={"name": TRAIL},
                command="cloudtrail.stop-logging",
            ),
            "pos_delete_event_data_store": event(
                s,
                T26,
                CT,
                "DeleteEventDataStore",
                ro=False,
                command="cloudtrail.delete-event-data-store",
                req={
                    "eventDataStore": f"arn:aws:cloudtrail:{R}:{A1}:eventdatastore/"
                    "EXAMPLE-f852-4e8f-8bd1-bcf6cEXAMPLE"
                },
            ),
            "neg_start_logging": event(s, T26, CT, "StartLogging", ro=False, req={"name": TRAIL}),
            "neg_stop_logging_denied": event(
                s,
                T26,
                CT,
                "StopLogging",
                ro=False,
                req={"name": TRAIL},
                err=ddenied(s, "cloudtrail", "StopLogging", "AccessDenied"),
            ),
            "neg_update_trail": event(
                s, T26, CT, "UpdateTrail", ro=False, req={"name": TRAIL, "isMultiRegionTrail": True}
            ),
        },
        "CloudTrail Trail Or Event Selectors Changed": {
            "pos_put_event_selectors": event(
                s, T26, CT, "PutEventSelectors", ro=False, req=keep, resp=None
            ),
            "pos_update_trail": event(
                s,
                T26,
                CT,
                "UpdateTrail",
                ro=False,
                req={"name": TRAIL, "isMultiRegionTrail": False},
            ),
            "neg_get_event_selectors": event(
                s, T26, CT, "GetEventSelectors", ro=True, req={"trailName": TRAIL}
            ),
            "neg_put_event_selectors_denied": event(
                s,
                T26,
                CT,
                "PutEventSelectors",
                ro=False,
                req=selectors,
                err=ddenied(s, "cloudtrail", "PutEventSelectors", "AccessDenied"),
            ),
        },
        "CloudTrail Management Events Excluded By Event Selectors": {
            "pos_management_events_excluded": event(
                s,
                T26,
                CT,
                "PutEventSelectors",
                ro=False,
                req=selectors,
                resp={**selectors, "trailARN": TRAIL},
            ),
            "neg_management_events_included": event(
                s,
                T26,
                CT,
                "PutEventSelectors",
                ro=False,
                req=keep,
                resp={**keep, "trailARN": TRAIL},
            ),
            "neg_exclusion_denied": event(
                s,
                T26,
                CT,
                "PutEventSelectors",
                ro=False,
                req=selectors,
                err=ddenied(s, "cloudtrail", "PutEventSelectors", "AccessDenied"),
            ),
            "neg_get_event_selectors": event(
                s, T26, CT, "GetEventSelectors", ro=True, req={"trailName": TRAIL}
            ),
        },
        "IAM Access Key Created": {
            "pos_rotation_key_created": iam(
                s,
                T26,
                "CreateAccessKey",
                {"userName": "alice"},
                resp=key_resp("alice", "AKIAI44QH8DHEEXAMPLE"),
            ),
            "neg_root_creates_own_key": iam(
                ROOT_CONSOLE,
                T26,
                "CreateAccessKey",
                None,
                resp=key_resp(None, "AKIAIOSFODNN9EXAMPLE"),
            ),
            "neg_create_key_denied": iam(
                s,
                T26,
                "CreateAccessKey",
                {"userName": "alice"},
                err=err_denied(s, "iam:CreateAccessKey", "user alice"),
            ),
            "neg_list_access_keys": iam(s, T26, "ListAccessKeys", {"userName": "alice"}, ro=True),
        },
        "IAM Access Key Deactivated Or Deleted": {
            "pos_key_deactivated": iam(IAM_CONSOLE, T26, "UpdateAccessKey", alice_key),
            "pos_key_deleted": iam(
                s,
                T26,
                "DeleteAccessKey",
                {"userName": "alice", "accessKeyId": "AKIAIOSFODNN7EXAMPLE"},
            ),
            "neg_key_reactivated": iam(
                IAM_CONSOLE, T26, "UpdateAccessKey", {**alice_key, "status": "Active"}
            ),
            "neg_deactivate_denied": iam(
                s,
                T26,
                "UpdateAccessKey",
                None,
                err=err_denied(s, "iam:UpdateAccessKey", "user alice"),
            ),
            "neg_list_access_keys": iam(s, T26, "ListAccessKeys", {"userName": "alice"}, ro=True),
        },
        "IAM User Created Or Deleted": {
            "pos_create_user": iam(
                s,
                T26,
                "CreateUser",
                {"userName": "svc-reporting"},
                resp={
                    "user": {
                        "path": "/",
                        "userName": "svc-reporting",
                        "userId": "AIDAEXAMPLESVCREPORT1",
                        "arn": f"arn:aws:iam::{A1}:user/svc-reporting",
                        "createDate": "Nov 18, 2026 2:02:11 PM",
                    }
                },
            ),
            "pos_delete_user": iam(s, T26, "DeleteUser", {"userName": "svc-reporting"}),
            "neg_delete_user_conflict": iam(
                s,
                T26,
                "DeleteUser",
                {"userName": "svc-reporting"},
                err=("DeleteConflict", "Cannot delete entity, must delete access keys first."),
            ),
            "neg_get_user": iam(s, T26, "GetUser", {"userName": "svc-reporting"}, ro=True),
        },
        "IAM Role Or Policy Created Or Deleted": {
            "pos_create_role": iam(
                s,
                T26,
                "CreateRole",
                {"roleName": "InvoiceLambdaRole", "assumeRolePolicyDocument": TRUST_LAMBDA},
            ),
            "pos_delete_policy": iam(
                s, T26, "DeletePolicy", {"policyArn": f"arn:aws:iam::{A1}:policy/agent-admin"}
            ),
            "neg_update_role": iam(
                s, T26, "UpdateRole", {"roleName": "InvoiceLambdaRole", "maxSessionDuration": 3600}
            ),
            "neg_delete_role_denied": iam(
                s,
                T26,
                "DeleteRole",
                {"roleName": "InvoiceLambdaRole"},
                err=err_denied(s, "iam:DeleteRole", f"arn:aws:iam::{A1}:role/InvoiceLambdaRole"),
            ),
        },
        "Role Sessions Revoked With AWSRevokeOlderSessions": {
            "pos_console_revoke_sessions": iam(IAM_CONSOLE, T26, "PutRolePolicy", revoke),
            "neg_other_inline_policy": iam(
                IAM_CONSOLE, T26, "PutRolePolicy", {**revoke, "policyName": "deny-all-temporary"}
            ),
            "neg_revoke_denied": iam(
                IAM_CONSOLE,
                T26,
                "PutRolePolicy",
                revoke,
                err=err_denied(
                    IAM_CONSOLE, "iam:PutRolePolicy", f"arn:aws:iam::{A1}:role/PowerUser"
                ),
            ),
            "neg_revocation_policy_removed": iam(
                IAM_CONSOLE,
                T26,
                "DeleteRolePolicy",
                {"roleName": "PowerUser", "policyName": "AWSRevokeOlderSessions"},
            ),
        },
        "Root User Access Key Created": {
            "pos_root_creates_own_key": iam(
                ROOT_CONSOLE,
                T26,
                "CreateAccessKey",
                None,
                resp=key_resp(None, "AKIAIOSFODNN9EXAMPLE"),
            ),
            "pos_root_creates_key_for_user": iam(
                ROOT_CONSOLE,
                T26,
                "CreateAccessKey",
                {"userName": "alice"},
                resp=key_resp("alice", "AKIAI44QH8DHEEXAMPLE"),
            ),
            "neg_admin_creates_key": iam(
                s,
                T26,
                "CreateAccessKey",
                {"userName": "alice"},
                resp=key_resp("alice", "AKIAI44QH8DHEEXAMPLE"),
            ),
            "neg_root_key_create_denied": iam(
                ROOT_CONSOLE,
                T26,
                "CreateAccessKey",
                None,
                err=("LimitExceeded", "Cannot exceed quota for AccessKeysPerUser: 2"),
            ),
        },
        "Root User API Call With Access Key": {
            "pos_root_key_lists_buckets": event(
                ROOT_KEY,
                T26,
                "s3.amazonaws.com",
                "ListBuckets",
                ro=True,
                req={"Host": f"s3.{R}.amazonaws.com"},
                extra=s3_extra(980),
                command="s3.ls",
            ),
            "neg_root_console_session": iam(ROOT_CONSOLE, T26, "GetAccountSummary", None, ro=True),
            "neg_iam_user_long_term_key": event(
                DEV_PLAIN,
                T26,
                "s3.amazonaws.com",
                "ListBuckets",
                ro=True,
                req={"Host": f"s3.{R}.amazonaws.com"},
                extra=s3_extra(980),
                command="s3.ls",
            ),
        },
        "Amazon Q API Activity": {
            "pos_console_chat_message": q_send_message(alice, t0),
            "pos_q_cli_model_call": cw_generate(t0),
            "neg_s3_call_made_by_q": q_agent()["Amazon Q Console Agent Write On Behalf Of User"][
                "neg_list_buckets_via_q_chat"
            ],
            "neg_iam_get_user": iam(s, T26, "GetUser", {"userName": "alice"}, ro=True),
        },
        "Access Key Of Amazon Q User Deactivated Or Deleted": {
            "pos_q_user_key_deactivated_3_hours_later": [
                q_send_message(alice, t0),
                iam(IAM_CONSOLE, ts(t0, 10800), "UpdateAccessKey", alice_key),
            ],
            "neg_other_user_key_deactivated": [
                q_send_message(alice, t0),
                iam(IAM_CONSOLE, ts(t0, 10800), "UpdateAccessKey", bob_key),
            ],
            "neg_key_deactivated_25_hours_later": [
                q_send_message(alice, t0),
                iam(IAM_CONSOLE, ts(t0, 90000), "UpdateAccessKey", alice_key),
            ],
            "neg_key_deactivated_before_q_activity": [
                iam(IAM_CONSOLE, t0, "UpdateAccessKey", alice_key),
                q_send_message(alice, ts(t0, 600)),
            ],
        },
        "Sessions Of Amazon Q Role Revoked": {
            "pos_q_role_sessions_revoked_2_hours_later": [
                q_send_message(power, t0),
                iam(IAM_CONSOLE, ts(t0, 7200), "PutRolePolicy", revoke),
            ],
            "neg_other_role_revoked": [
                q_send_message(power, t0),
                iam(IAM_CONSOLE, ts(t0, 7200), "PutRolePolicy", {**revoke, "roleName": "ReadOnly"}),
            ],
            "neg_revoked_25_hours_later": [
                q_send_message(power, t0),
                iam(IAM_CONSOLE, ts(t0, 90000), "PutRolePolicy", revoke),
            ],
        },
    }


# --------------------------------------------------------------------------- writing

COMPONENTS: dict[str, Callable[[], dict[str, dict[str, Fixture]]]] = {
    "q_agent": q_agent,
    "q_apps": q_apps,
    "q_developer": q_developer,
    "q_connect": q_connect,
    "q_chat_apps": q_chat_apps,
    "containment": containment,
}


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def render(rel: str, fixture: Fixture) -> str:
    """Canonical JSON of one fixture with uuid4-shaped ids seeded from its relative path."""
    rng = random.Random(hashlib.sha256(rel.encode()).digest())
    records = [fixture] if isinstance(fixture, dict) else fixture
    filled = []
    for rec in records:
        copy = dict(rec)
        copy["requestID"], copy["eventID"] = _uuid(rng), _uuid(rng)
        filled.append(copy)
    body: Any = filled[0] if isinstance(fixture, dict) else {"Records": filled}
    return canonical_json(body)


def planned() -> dict[Path, str]:
    """Every fixture file this generator owns, path -> canonical text."""
    out: dict[Path, str] = {}
    for component, build in COMPONENTS.items():
        for title, fixtures in build().items():
            stem = expected_rule_filename(title).removesuffix(".yml")
            for name, fixture in fixtures.items():
                rel = f"fixtures/{component}/{stem}/{name}.json"
                out[ROOT / rel] = render(rel, fixture)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="report differences, write nothing")
    args = parser.parse_args(argv)
    files = planned()
    dirs = {p.parent for p in files}
    stale = sorted(p for d in dirs if d.is_dir() for p in d.glob("*.json") if p not in files)
    changed = sorted(
        p for p, text in files.items() if not p.is_file() or p.read_text("utf-8") != text
    )
    if args.check:
        for p in changed + stale:
            print(f"{'stale' if p in stale else 'differs'}: {p.relative_to(ROOT)}", file=sys.stderr)
        return 1 if changed or stale else 0
    for p in stale:
        p.unlink()
    for p in changed:
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(files[p], encoding="utf-8")
    print(
        f"{len(files)} fixtures, {len(changed)} written, {len(stale)} stale removed",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
