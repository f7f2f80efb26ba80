#!/usr/bin/env python3
"""Generate ``fixtures/_baseline/``: one working day of ordinary Amazon Q use in CloudTrail.

The baseline is the pack's benign corpus: every rule above ``informational`` is
replayed over it and must stay silent (``tests/content/test_baseline.py``), except
for the matches reviewed in ``fixtures/_baseline/known_matches.yml``.

The day is 2026-11-24, 08:00-18:00 UTC, in the documentation accounts
123456789012 (engineering) and 111122223333 (the Q Business tenant). Surfaces, one
``{"Records": [...]}`` file each:

* ``q_console_chat.json``: console chat (q.amazonaws.com StartConversation,
  SendMessage, GetConversation, troubleshooting) with utterances redacted as ``***``.
* ``q_on_behalf.json``: Q acting for a console user (q PassRequest plus the target
  service's read call with ``invokedBy``/``sourceIPAddress``/``userAgent`` =
  ``q.amazonaws.com``) and Q's permission probes (``requestParameters.dryRun: true``,
  ``errorCode: Client.DryRunOperation``).
* ``q_business_chat.json``: Q Business web-experience chat (Chat/ChatSync data
  events, identity-enhanced role sessions with ``onBehalfOf``), conversation lists,
  feedback.
* ``q_business_admin_reads.json``: an administrator browsing the Q Business console
  (GetApplication, ListIndices, ListRetrievers, GetIndex ...).
* ``q_apps_reads.json``: Q Apps library and app reads.
* ``q_developer_ide.json``: IDE inline completions and chat (codewhisperer data
  events, IdentityCenterUser, ``AmazonQ-For-VSCode/...`` user agents).
* ``q_developer_cli.json``: the Q CLI's own chat calls and ordinary read-only AWS
  CLI calls it runs through ``use_aws`` (``exec-env/AmazonQ-For-CLI-Version-...``).
* ``iam_reads.json``: routine IAM reads and ``sts:GetCallerIdentity``.

Shapes follow the AWS documentation samples (Q Developer, Q Business and Q Apps
"Logging ... using AWS CloudTrail" pages) and CloudTrail record-contents rules;
see /work/shared/docs/amazon-q-cloudtrail.md sections 2, 3 and 6. Values are
documentation values only (RFC 5737 IPs, example accounts and keys,
``example.com`` users).

Deterministic: a fixed seed, no clock, no environment. ``python tools/make_baseline.py``
rewrites the files; ``--check`` exits 1 when a committed file differs.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
OUT_DIR = ROOT / "fixtures" / "_baseline"
SEED = 20261124
DAY_START = datetime(2026, 11, 24, 8, 0, 0, tzinfo=UTC)
DAY_END = datetime(2026, 11, 24, 18, 0, 0, tzinfo=UTC)

ENG = "123456789012"  # engineering account: console chat, IDE, CLI, IAM reads
QBIZ = "111122223333"  # Q Business tenant account
REGION = "us-east-1"
IDENTITY_STORE = "d-1234567890"
CONSOLE_ORIGIN = "https://conversational-experience-worker.widget.console.aws.amazon.com"
FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:132.0) Gecko/20100101 Firefox/132.0"
CHROME_MAC = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6_1) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
CHROME_WIN = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
Q_SERVICE = "q.amazonaws.com"
TLS13 = {"tlsVersion": "TLSv1.3", "cipherSuite": "TLS_AES_128_GCM_SHA256"}

QBIZ_APP_ID = "a1b2c3d4-5678-90ab-cdef-EXAMPLE11111"
QBIZ_INDEX_ID = "b2c3d4e5-6789-0abc-def1-EXAMPLE22222"
QBIZ_RETRIEVER_ID = "c3d4e5f6-7890-abcd-ef12-EXAMPLE33333"
QBIZ_DATASOURCE_ID = "d4e5f6a7-890a-bcde-f123-EXAMPLE44444"
QBIZ_WEBEXP_ID = "e5f6a7b8-90ab-cdef-1234-EXAMPLE55555"
QBIZ_APP_ARN = f"arn:aws:qbusiness:{REGION}:{QBIZ}:application/{QBIZ_APP_ID}"
IDC_APP_ARN = f"arn:aws:sso::{QBIZ}:application/ssoins-1234567890abcdef/apl-1234567890abcdef"
QAPP_IDS = (
    "f6a7b8c9-0abc-def1-2345-EXAMPLE66666",
    "a7b8c9d0-abcd-ef12-3456-EXAMPLE77777",
)
CW_PROFILE_ARN = f"arn:aws:codewhisperer:{REGION}:{ENG}:profile/EXAMPLEPROFILE1"


# --------------------------------------------------------------------------- identities


@dataclass(frozen=True)
class Person:
    """A human and how CloudTrail names them in each surface they use."""

    email: str
    ip: str
    idc_user_id: str  # IAM Identity Center user id (onBehalfOf.userId)
    account: str
    permission_set: str  # AWSReservedSSO_<set>_<hash> role used in the console/CLI
    browser: str
    role_key_suffix: str  # keeps ASIA...EXAMPLE keys distinct per person

    @property
    def sso_role(self) -> str:
        return f"AWSReservedSSO_{self.permission_set}"

    def sso_session(self, *, invoked_by: str | None = None) -> dict[str, Any]:
        """AssumedRole identity of a console/CLI session through an IdC permission set."""
        principal = f"AROA{self.role_key_suffix}EXAMPLE"
        identity: dict[str, Any] = {
            "type": "AssumedRole",
            "principalId": f"{principal}:{self.email}",
            "arn": f"arn:aws:sts::{self.account}:assumed-role/{self.sso_role}/{self.email}",
            "accountId": self.account,
            "accessKeyId": f"ASIA{self.role_key_suffix}EXAMPLE",
            "sessionContext": {
                "sessionIssuer": {
                    "type": "Role",
                    "principalId": principal,
                    "arn": (
                        f"arn:aws:iam::{self.account}:role/aws-reserved/sso.amazonaws.com/"
                        f"{self.sso_role}"
                    ),
                    "accountId": self.account,
                    "userName": self.sso_role,
                },
                "webIdFederationData": {},
                "attributes": {"creationDate": "2026-11-24T07:55:12Z", "mfaAuthenticated": "false"},
            },
        }
        if invoked_by is not None:
            identity["invokedBy"] = invoked_by
        return identity

    def idc_user(self) -> dict[str, Any]:
        """IdentityCenterUser identity of Q Developer Pro IDE/CLI calls."""
        return {
            "type": "IdentityCenterUser",
            "accountId": self.account,
            "onBehalfOf": {
                "userId": self.idc_user_id,
                "identityStoreArn": (
                    f"arn:aws:identitystore::{self.account}:identitystore/{IDENTITY_STORE}"
                ),
            },
            "credentialId": f"EXAMPLE{self.role_key_suffix}credentialEXAMPLE",
        }

    def web_experience_session(self) -> dict[str, Any]:
        """Identity-enhanced role session of the Q Business web experience."""
        role = "QBusinessWebExperienceRole"
        principal = "AROAQBIZWEBEXPEXAMPLE"
        return {
            "type": "AssumedRole",
            "principalId": f"{principal}:{self.idc_user_id}",
            "arn": f"arn:aws:sts::{QBIZ}:assumed-role/{role}/{self.idc_user_id}",
            "accountId": QBIZ,
            "accessKeyId": f"ASIAQBIZ{self.role_key_suffix}EXAMPLE",
            "sessionContext": {
                "sessionIssuer": {
                    "type": "Role",
                    "principalId": principal,
                    "arn": f"arn:aws:iam::{QBIZ}:role/{role}",
                    "accountId": QBIZ,
                    "userName": role,
                },
                "attributes": {"creationDate": "2026-11-24T08:01:40Z", "mfaAuthenticated": "false"},
            },
            "onBehalfOf": {
                "userId": self.idc_user_id,
                "identityStoreArn": f"arn:aws:identitystore::{QBIZ}:identitystore/{IDENTITY_STORE}",
            },
        }


ALICE = Person(
    "alice@example.com",
    "198.51.100.23",
    "94d00cd8-e9e6-4810-b177-b08e84775435",
    ENG,
    "PowerUserAccess_0123456789abcdef",
    FIREFOX,
    "ALICE",
)
BOB = Person(
    "bob@example.com",
    "203.0.113.45",
    "2c5a1e7f-3b8d-4f61-9e0a-7d4c8b2f1a36",
    ENG,
    "DeveloperAccess_fedcba9876543210",
    CHROME_MAC,
    "BOBDEV",
)
GRACE = Person(
    "grace@example.com",
    "203.0.113.88",
    "7e1f9a2b-4c6d-4e8f-a0b1-c2d3e4f5a6b7",
    ENG,
    "DeveloperAccess_fedcba9876543210",
    CHROME_WIN,
    "GRACE",
)
FRANK = Person(
    "frank@example.com",
    "192.0.2.77",
    "5b6c7d8e-9f0a-4b1c-8d2e-3f4a5b6c7d8e",
    ENG,
    "DeveloperAccess_fedcba9876543210",
    CHROME_MAC,
    "FRANK",
)
CAROL = Person(
    "carol@example.com",
    "198.51.100.140",
    "3a4b5c6d-7e8f-4a9b-8c0d-1e2f3a4b5c6d",
    QBIZ,
    "ReadOnlyAccess_00112233aabbccdd",
    CHROME_MAC,
    "CAROL",
)
DAVE = Person(
    "dave@example.com",
    "198.51.100.201",
    "8f9e0d1c-2b3a-4c5d-9e6f-7a8b9c0d1e2f",
    QBIZ,
    "ReadOnlyAccess_00112233aabbccdd",
    FIREFOX,
    "DAVE",
)
ERIN = Person(
    "erin@example.com",
    "192.0.2.15",
    "1d2e3f4a-5b6c-4d7e-8f9a-0b1c2d3e4f5a",
    QBIZ,
    "AdministratorAccess_4455667788990011",
    CHROME_WIN,
    "ERIN",
)
HEIDI = Person(
    "heidi@example.com",
    "198.51.100.77",
    "6a7b8c9d-0e1f-4a2b-9c3d-4e5f6a7b8c9d",
    ENG,
    "PowerUserAccess_0123456789abcdef",
    CHROME_WIN,
    "HEIDI",
)

AUDITOR_IAM_USER = {
    "type": "IAMUser",
    "principalId": "AIDAJ45Q7YFFAREXAMPLE",
    "arn": f"arn:aws:iam::{ENG}:user/audit-reader",
    "accountId": ENG,
    "accessKeyId": "AKIAIOSFODNN7EXAMPLE",
    "userName": "audit-reader",
}


# --------------------------------------------------------------------------- record building


@dataclass
class Day:
    """The seeded randomness and the records written so far."""

    rng: random.Random
    files: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def emit(self, file: str, record: dict[str, Any]) -> None:
        self.files.setdefault(file, []).append(record)

    def start_between(self, start_hour: float, end_hour: float) -> datetime:
        seconds = self.rng.randint(int(start_hour * 3600), int(end_hour * 3600))
        return DAY_START.replace(hour=0) + timedelta(seconds=seconds)

    def after(self, moment: datetime, low: int, high: int) -> datetime:
        """A moment ``low``..``high`` seconds later, never past the end of the working day."""
        return min(moment + timedelta(seconds=self.rng.randint(low, high)), DAY_END)


def ts(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def record(
    day: Day,
    *,
    when: datetime,
    identity: dict[str, Any],
    source: str,
    name: str,
    ip: str,
    agent: str,
    request: dict[str, Any] | None,
    response: dict[str, Any] | None,
    read_only: bool,
    recipient: str,
    host: str | None,
    category: str = "Management",
    resources: list[dict[str, Any]] | None = None,
    extra: dict[str, Any] | None = None,
    error: tuple[str, str] | None = None,
    console: bool = False,
) -> dict[str, Any]:
    """One CloudTrail record with keys in the order CloudTrail writes them."""
    rec: dict[str, Any] = {
        "eventVersion": "1.11",
        "userIdentity": identity,
        "eventTime": ts(when),
        "eventSource": source,
        "eventName": name,
        "awsRegion": REGION,
        "sourceIPAddress": ip,
        "userAgent": agent,
    }
    if error is not None:
        rec["errorCode"], rec["errorMessage"] = error
    rec["requestParameters"] = request
    rec["responseElements"] = response
    if extra is not None:
        rec["additionalEventData"] = extra
    rec["requestID"] = day.uuid()
    rec["eventID"] = day.uuid()
    rec["readOnly"] = read_only
    if resources is not None:
        rec["resources"] = resources
    rec["eventType"] = "AwsApiCall"
    rec["managementEvent"] = category == "Management"
    rec["recipientAccountId"] = recipient
    rec["eventCategory"] = category
    if host is not None:
        # CloudTrail omits tlsDetails when an AWS service called on the user's behalf.
        rec["tlsDetails"] = {**TLS13, "clientProvidedHostHeader": host}
    if console:
        rec["sessionCredentialFromConsole"] = "true"
    return rec


def redacted_answer(conversation_id: str, utterance_id: str, expires: datetime) -> dict[str, Any]:
    """Response of console-chat SendMessage as the Q Developer doc sample shows it."""
    return {
        "result": {
            "content": {"text": {"body": "***", "references": []}},
            "format": "PLAINTEXT",
            "intents": {},
            "type": "TEXT",
        },
        "Access-Control-Expose-Headers": (
            "x-amzn-RequestId,x-amzn-ErrorType,x-amzn-ErrorMessage,Date"
        ),
        "metadata": {
            "conversationExpirationTime": ts(expires),
            "conversationId": conversation_id,
            "conversationToken": "***",
            "utteranceId": utterance_id,
        },
        "resultCode": "LLM",
    }


# --------------------------------------------------------------------------- surfaces


def console_chat(day: Day, person: Person, sessions: int) -> None:
    """Console chat conversations, some with console troubleshooting."""
    file = "q_console_chat.json"
    for _ in range(sessions):
        when = day.start_between(8.1, 17.5)
        conversation = day.uuid()
        expires = when + timedelta(days=90)

        def q_call(
            name: str,
            moment: datetime,
            request: dict[str, Any] | None,
            response: dict[str, Any] | None,
            read_only: bool,
            extra: dict[str, Any] | None = None,
        ) -> None:
            day.emit(
                file,
                record(
                    day,
                    when=moment,
                    identity=person.sso_session(),
                    source=Q_SERVICE,
                    name=name,
                    ip=person.ip,
                    agent=person.browser,
                    request=request,
                    response=response,
                    read_only=read_only,
                    recipient=person.account,
                    host=f"q.{REGION}.amazonaws.com",
                    extra=extra,
                    console=True,
                ),
            )

        q_call(
            "StartConversation",
            when,
            {"Origin": CONSOLE_ORIGIN, "source": "CONSOLE"},
            {
                "conversationId": conversation,
                "conversationToken": "***",
                "conversationExpirationTime": ts(expires),
            },
            False,
        )
        moment = when
        for _turn in range(day.rng.randint(2, 5)):
            moment = day.after(moment, 20, 180)
            q_call(
                "SendMessage",
                moment,
                {
                    "Origin": CONSOLE_ORIGIN,
                    "conversationId": conversation,
                    "source": "CONSOLE",
                    "conversationToken": "***",
                    "utterance": "***",
                },
                redacted_answer(conversation, day.uuid(), expires),
                False,
                {"quickAction": day.rng.choice(["dev", "none", "none"])},
            )
        if day.rng.random() < 0.6:
            moment = day.after(moment, 30, 600)
            q_call("GetConversation", moment, {"conversationId": conversation}, None, True)
        if day.rng.random() < 0.35:
            # Console error troubleshooting (runs in us-west-2 per the playbook, but the
            # CloudTrail record is written in the region of the q endpoint the console used).
            session_id = day.uuid()
            moment = day.after(moment, 60, 900)
            q_call(
                "StartTroubleshootingAnalysis",
                moment,
                {
                    "errorDetail": {
                        "errorCode": "AccessDenied",
                        "errorMessage": "***",
                        "service": "lambda",
                    },
                    "resourceArn": "***",
                },
                {"sessionId": session_id},
                False,
            )
            for _ in range(day.rng.randint(1, 3)):
                moment = day.after(moment, 3, 15)
                q_call("GetTroubleshootingResults", moment, {"sessionId": session_id}, None, True)
            if day.rng.random() < 0.5:
                moment = day.after(moment, 20, 120)
                q_call(
                    "StartTroubleshootingResolutionExplanation",
                    moment,
                    {"sessionId": session_id},
                    None,
                    False,
                )


ON_BEHALF_READS: tuple[tuple[str, str, dict[str, Any] | None, str], ...] = (
    ("s3.amazonaws.com", "ListBuckets", {"Host": "s3.amazonaws.com"}, "S3"),
    ("ec2.amazonaws.com", "DescribeInstances", {"instancesSet": {}, "filterSet": {}}, "EC2"),
    ("lambda.amazonaws.com", "ListFunctions20150331", None, "Lambda"),
    ("cloudwatch.amazonaws.com", "DescribeAlarms", {"stateValue": "ALARM"}, "CloudWatch"),
    (
        "ce.amazonaws.com",
        "GetCostAndUsage",
        {
            "timePeriod": {"start": "2026-11-01", "end": "2026-11-24"},
            "granularity": "MONTHLY",
            "metrics": ["UnblendedCost"],
        },
        "CostExplorer",
    ),
)

DRY_RUN_PROBES: tuple[tuple[str, bool, dict[str, Any]], ...] = (
    ("DescribeInstances", True, {"instancesSet": {}, "filterSet": {}, "dryRun": True}),
    (
        "RebootInstances",
        False,
        {"instancesSet": {"items": [{"instanceId": "i-0123456789abcdef0"}]}, "dryRun": True},
    ),
    (
        "StopInstances",
        False,
        {
            "instancesSet": {"items": [{"instanceId": "i-0fedcba9876543210"}]},
            "force": False,
            "dryRun": True,
        },
    ),
)


def q_on_behalf(day: Day, person: Person, episodes: int) -> None:
    """Console chat asking Q to look something up: PassRequest + the delegated read."""
    file = "q_on_behalf.json"
    for _ in range(episodes):
        when = day.start_between(8.2, 17.8)
        source, name, request, _label = day.rng.choice(ON_BEHALF_READS)
        day.emit(
            file,
            record(
                day,
                when=when,
                identity=person.sso_session(invoked_by=Q_SERVICE),
                source=Q_SERVICE,
                name="PassRequest",
                ip=Q_SERVICE,
                agent=Q_SERVICE,
                request=None,
                response=None,
                read_only=False,
                recipient=person.account,
                host=None,
            ),
        )
        extra = None
        if source == "s3.amazonaws.com":
            extra = {
                "SignatureVersion": "SigV4",
                "CipherSuite": "TLS_AES_128_GCM_SHA256",
                "bytesTransferredIn": 0,
                "AuthenticationMethod": "AuthHeader",
                "x-amz-id-2": "ExampleRequestId123456789",
                "bytesTransferredOut": day.rng.randint(900, 6000),
            }
        day.emit(
            file,
            record(
                day,
                when=day.after(when, 0, 2),
                identity=person.sso_session(invoked_by=Q_SERVICE),
                source=source,
                name=name,
                ip=Q_SERVICE,
                agent=Q_SERVICE,
                request=request,
                response=None,
                read_only=True,
                recipient=person.account,
                host=None,
                extra=extra,
            ),
        )
        if day.rng.random() < 0.7:
            # Q checks whether the user could act before proposing it (doc: dry-run calls
            # are logged with "dryRun": true and fail with Client.DryRunOperation).
            probe, read_only, probe_request = day.rng.choice(DRY_RUN_PROBES)
            day.emit(
                file,
                record(
                    day,
                    when=day.after(when, 3, 20),
                    identity=person.sso_session(invoked_by=Q_SERVICE),
                    source="ec2.amazonaws.com",
                    name=probe,
                    ip=Q_SERVICE,
                    agent=Q_SERVICE,
                    request=probe_request,
                    response=None,
                    read_only=read_only,
                    recipient=person.account,
                    host=None,
                    error=(
                        "Client.DryRunOperation",
                        "Request would have succeeded, but DryRun flag is set.",
                    ),
                ),
            )


QBIZ_HOST = f"qbusiness.{REGION}.api.aws"
QBIZ_APP_RESOURCE = [
    {"accountId": QBIZ, "type": "AWS::QBusiness::Application", "ARN": QBIZ_APP_ARN}
]


def q_business_chat(day: Day, person: Person, conversations: int) -> None:
    """Web-experience chat: ChatSync/Chat data events plus conversation reads."""
    file = "q_business_chat.json"
    identity = person.web_experience_session()

    def qbiz(
        name: str,
        moment: datetime,
        request: dict[str, Any],
        response: dict[str, Any] | None,
        read_only: bool,
    ) -> None:
        day.emit(
            file,
            record(
                day,
                when=moment,
                identity=identity,
                source="qbusiness.amazonaws.com",
                name=name,
                ip=person.ip,
                agent=person.browser,
                request=request,
                response=response,
                read_only=read_only,
                recipient=QBIZ,
                host=QBIZ_HOST,
                category="Data",
                resources=QBIZ_APP_RESOURCE,
            ),
        )

    first = day.start_between(8.0, 9.5)
    qbiz("ListConversations", first, {"applicationId": QBIZ_APP_ID, "maxResults": 20}, None, True)
    for _ in range(conversations):
        when = day.start_between(8.5, 17.7)
        conversation = day.uuid()
        moment = when
        for turn in range(day.rng.randint(1, 4)):
            moment = day.after(moment, 30, 240)
            request: dict[str, Any] = {
                "applicationId": QBIZ_APP_ID,
                "userMessage": "***",
                "chatMode": "RETRIEVAL_MODE",
                "clientToken": day.uuid(),
            }
            if turn:
                request["conversationId"] = conversation
                request["parentMessageId"] = day.uuid()
            name = day.rng.choice(["ChatSync", "ChatSync", "Chat"])
            response = None
            if name == "ChatSync":
                response = {
                    "conversationId": conversation,
                    "systemMessage": "***",
                    "systemMessageId": day.uuid(),
                    "userMessageId": day.uuid(),
                }
            qbiz(name, moment, request, response, False)
        if day.rng.random() < 0.3:
            moment = day.after(moment, 5, 60)
            qbiz(
                "PutFeedback",
                moment,
                {
                    "applicationId": QBIZ_APP_ID,
                    "conversationId": conversation,
                    "messageId": day.uuid(),
                    "messageUsefulness": {
                        "usefulness": day.rng.choice(["USEFUL", "NOT_USEFUL"]),
                        "submittedAt": ts(moment),
                    },
                },
                None,
                False,
            )
        if day.rng.random() < 0.4:
            moment = day.after(moment, 120, 1800)
            qbiz(
                "ListMessages",
                moment,
                {"applicationId": QBIZ_APP_ID, "conversationId": conversation, "maxResults": 50},
                None,
                True,
            )


ADMIN_READS: tuple[tuple[str, dict[str, Any]], ...] = (
    ("ListApplications", {"maxResults": 10}),
    ("GetApplication", {"applicationId": QBIZ_APP_ID}),
    ("ListIndices", {"applicationId": QBIZ_APP_ID, "maxResults": 10}),
    ("GetIndex", {"applicationId": QBIZ_APP_ID, "indexId": QBIZ_INDEX_ID}),
    ("ListRetrievers", {"applicationId": QBIZ_APP_ID, "maxResults": 10}),
    ("GetRetriever", {"applicationId": QBIZ_APP_ID, "retrieverId": QBIZ_RETRIEVER_ID}),
    ("ListDataSources", {"applicationId": QBIZ_APP_ID, "indexId": QBIZ_INDEX_ID}),
    (
        "GetDataSource",
        {
            "applicationId": QBIZ_APP_ID,
            "indexId": QBIZ_INDEX_ID,
            "dataSourceId": QBIZ_DATASOURCE_ID,
        },
    ),
    ("ListWebExperiences", {"applicationId": QBIZ_APP_ID, "maxResults": 10}),
)


def q_business_admin_reads(day: Day, person: Person, visits: int) -> None:
    """An administrator opening Q Business console pages: a few reads per page."""
    file = "q_business_admin_reads.json"
    pages = (
        (0, 1, 2),  # application overview
        (1, 2, 3),  # index page
        (1, 4, 5),  # retriever page
        (1, 6, 7),  # data source page
        (1, 8),  # web experience page
    )
    for _ in range(visits):
        when = day.start_between(8.3, 17.5)
        for index in day.rng.choice(pages):
            name, request = ADMIN_READS[index]
            when = day.after(when, 0, 4)
            day.emit(
                file,
                record(
                    day,
                    when=when,
                    identity=person.sso_session(),
                    source="qbusiness.amazonaws.com",
                    name=name,
                    ip=person.ip,
                    agent=person.browser,
                    request=request,
                    response=None,
                    read_only=True,
                    recipient=person.account,
                    host=QBIZ_HOST,
                    console=True,
                ),
            )


def q_apps_reads(day: Day, person: Person, visits: int) -> None:
    """Q Apps library browsing and app runs' reads in the web experience."""
    file = "q_apps_reads.json"
    identity = person.web_experience_session()
    header_keys = {"idc-application-arn": IDC_APP_ARN, "application-id": QBIZ_APP_ID}
    for _ in range(visits):
        when = day.start_between(8.5, 17.5)
        day.emit(
            file,
            record(
                day,
                when=when,
                identity=identity,
                source="qapps.amazonaws.com",
                name="ListLibraryItems",
                ip=person.ip,
                agent=person.browser,
                request={**header_keys, "limit": 20},
                response=None,
                read_only=True,
                recipient=QBIZ,
                host=f"data.qapps.{REGION}.amazonaws.com",
            ),
        )
        app_id = day.rng.choice(QAPP_IDS)
        when = day.after(when, 5, 90)
        day.emit(
            file,
            record(
                day,
                when=when,
                identity=identity,
                source="qapps.amazonaws.com",
                name="GetLibraryItem",
                ip=person.ip,
                agent=person.browser,
                request={**header_keys, "libraryItemId": day.uuid()},
                response=None,
                read_only=True,
                recipient=QBIZ,
                host=f"data.qapps.{REGION}.amazonaws.com",
            ),
        )
        for name, request in (
            ("ListQApps", {**header_keys, "limit": 25}),
            ("GetQApp", {**header_keys, "appId": app_id}),
        ):
            when = day.after(when, 1, 30)
            day.emit(
                file,
                record(
                    day,
                    when=when,
                    identity=identity,
                    source="qapps.amazonaws.com",
                    name=name,
                    ip=person.ip,
                    agent=person.browser,
                    request=request,
                    response=None,
                    read_only=True,
                    recipient=QBIZ,
                    host=f"data.qapps.{REGION}.amazonaws.com",
                    category="Data",
                    resources=[
                        {
                            "accountId": QBIZ,
                            "type": "AWS::QApps::QApp",
                            "ARN": f"arn:aws:qapps:{REGION}:{QBIZ}:application/{QBIZ_APP_ID}/qapp/"
                            f"{app_id}",
                        }
                    ],
                ),
            )


def ide_agent(version: str, streaming: bool, os_token: str) -> str:
    api = "codewhispererstreaming#1.0.0" if streaming else "codewhispererruntime#1.0.0"
    return (
        f"aws-sdk-js/3.693.0 ua/2.1 os/{os_token} lang/js md/nodejs#20.18.1 api/{api} "
        f"AmazonQ-For-VSCode/{version} Visual-Studio-Code/1.95.3 "
        "ClientId/0f1e2d3c-4b5a-4968-8776-5a4b3c2d1e0f"
    )


def ide_session(day: Day, person: Person, version: str, os_token: str, hours: float) -> None:
    """A developer's IDE day: bursts of inline completions and some chat turns."""
    file = "q_developer_ide.json"
    identity = person.idc_user()
    resource = [{"accountId": ENG, "type": "AWS::CodeWhisperer::Profile", "ARN": CW_PROFILE_ARN}]
    user_context = {
        "ideCategory": "VSCODE",
        "operatingSystem": "MAC" if os_token.startswith("darwin") else "WINDOWS",
        "product": "QDeveloper",
        "clientId": "0f1e2d3c-4b5a-4968-8776-5a4b3c2d1e0f",
        "ideVersion": "1.95.3",
        "pluginVersion": version,
    }

    def cw(
        name: str,
        moment: datetime,
        request: dict[str, Any],
        read_only: bool,
        streaming: bool = False,
    ) -> None:
        day.emit(
            file,
            record(
                day,
                when=moment,
                identity=identity,
                source="codewhisperer.amazonaws.com",
                name=name,
                ip=person.ip,
                agent=ide_agent(version, streaming, os_token),
                request=request,
                response=None,
                read_only=read_only,
                recipient=ENG,
                host=f"q.{REGION}.amazonaws.com",
                category="Data",
                resources=resource,
            ),
        )

    start = day.start_between(8.0, 9.0)
    cw("ListAvailableProfiles", start, {"maxResults": 10}, True)
    cw(
        "ListAvailableCustomizations",
        day.after(start, 1, 3),
        {"profileArn": CW_PROFILE_ARN, "maxResults": 10},
        True,
    )
    bursts = int(hours * 2)
    for _ in range(bursts):
        moment = day.start_between(8.2, 8.2 + hours)
        for _ in range(day.rng.randint(3, 7)):
            moment = day.after(moment, 4, 45)
            cw(
                "GenerateCompletions",
                moment,
                {
                    "profileArn": CW_PROFILE_ARN,
                    "fileContext": {
                        "filename": "HIDDEN_DUE_TO_SECURITY_REASONS",
                        "programmingLanguage": {
                            "languageName": day.rng.choice(
                                ["python", "typescript", "python", "java"]
                            )
                        },
                        "leftFileContent": "HIDDEN_DUE_TO_SECURITY_REASONS",
                        "rightFileContent": "HIDDEN_DUE_TO_SECURITY_REASONS",
                    },
                    "maxResults": 1,
                    "predictionTypes": ["COMPLETIONS"],
                    "optOutPreference": "OPTOUT",
                    "userContext": user_context,
                },
                False,
            )
        if day.rng.random() < 0.5:
            moment = day.after(moment, 30, 300)
            conversation = day.uuid()
            name = day.rng.choice(["GenerateAssistantResponse", "SendMessage"])
            cw(
                name,
                moment,
                {
                    "profileArn": CW_PROFILE_ARN,
                    "conversationState": {
                        "conversationId": conversation,
                        "chatTriggerType": "MANUAL",
                        "currentMessage": "HIDDEN_DUE_TO_SECURITY_REASONS",
                    },
                    "source": "IDE",
                },
                False,
                streaming=True,
            )


CLI_VERSION = "1.12.4"
AWS_CLI_UA = (
    "aws-cli/2.27.50 md/awscrt#0.26.1 ua/2.1 os/linux#6.8.0-48-generic md/arch#x86_64 "
    "lang/python#3.13.4 md/pyimpl#CPython exec-env/AmazonQ-For-CLI-Version-{version} m/E "
    "cfg/retry-mode#standard md/installer#exe md/distrib#ubuntu.24 md/prompt#off "
    "md/command#{command}"
)
Q_CLI_SDK_UA = (
    "aws-sdk-rust/1.3.9 ua/2.1 api/codewhispererstreaming/0.1.11981 os/linux lang/rust/1.87.0 "
    "md/appVersion-{version} app/AmazonQ-For-CLI"
)

CLI_READS: tuple[tuple[str, str, str, dict[str, Any] | None, str], ...] = (
    (
        "sts.amazonaws.com",
        "GetCallerIdentity",
        "sts.get-caller-identity",
        None,
        f"sts.{REGION}.amazonaws.com",
    ),
    ("s3.amazonaws.com", "ListBuckets", "s3.ls", {"Host": "s3.amazonaws.com"}, "s3.amazonaws.com"),
    (
        "ec2.amazonaws.com",
        "DescribeInstances",
        "ec2.describe-instances",
        {
            "instancesSet": {},
            "filterSet": {
                "items": [
                    {"name": "instance-state-name", "valueSet": {"items": [{"value": "running"}]}}
                ]
            },
        },
        f"ec2.{REGION}.amazonaws.com",
    ),
    (
        "lambda.amazonaws.com",
        "ListFunctions20150331",
        "lambda.list-functions",
        None,
        f"lambda.{REGION}.amazonaws.com",
    ),
    (
        "logs.amazonaws.com",
        "DescribeLogGroups",
        "logs.describe-log-groups",
        {"logGroupNamePrefix": "/aws/lambda/"},
        f"logs.{REGION}.amazonaws.com",
    ),
    (
        "cloudformation.amazonaws.com",
        "DescribeStacks",
        "cloudformation.describe-stacks",
        None,
        f"cloudformation.{REGION}.amazonaws.com",
    ),
    ("iam.amazonaws.com", "ListRoles", "iam.list-roles", None, "iam.amazonaws.com"),
    (
        "s3.amazonaws.com",
        "GetBucketPolicy",
        "s3api.get-bucket-policy",
        {
            "bucketName": "amzn-s3-demo-bucket",
            "Host": "amzn-s3-demo-bucket.s3.us-east-1.amazonaws.com",
            "policy": "",
        },
        "amzn-s3-demo-bucket.s3.us-east-1.amazonaws.com",
    ),
    (
        "dynamodb.amazonaws.com",
        "ListTables",
        "dynamodb.list-tables",
        None,
        f"dynamodb.{REGION}.amazonaws.com",
    ),
)


def q_cli_session(day: Day, person: Person, sessions: int) -> None:
    """``q chat`` sessions: the CLI's own chat calls and read-only ``use_aws`` calls."""
    file = "q_developer_cli.json"
    for _ in range(sessions):
        when = day.start_between(8.5, 17.5)
        for _turn in range(day.rng.randint(2, 4)):
            when = day.after(when, 10, 120)
            day.emit(
                file,
                record(
                    day,
                    when=when,
                    identity=person.idc_user(),
                    source="codewhisperer.amazonaws.com",
                    name="SendMessage",
                    ip=person.ip,
                    agent=Q_CLI_SDK_UA.format(version=CLI_VERSION),
                    request={
                        "profileArn": CW_PROFILE_ARN,
                        "conversationState": {
                            "conversationId": day.uuid(),
                            "chatTriggerType": "MANUAL",
                            "currentMessage": "HIDDEN_DUE_TO_SECURITY_REASONS",
                        },
                        "source": "CLI",
                    },
                    response=None,
                    read_only=False,
                    recipient=ENG,
                    host=f"q.{REGION}.amazonaws.com",
                    category="Data",
                    resources=[
                        {
                            "accountId": ENG,
                            "type": "AWS::CodeWhisperer::Profile",
                            "ARN": CW_PROFILE_ARN,
                        }
                    ],
                ),
            )
            for _call in range(day.rng.randint(1, 3)):
                source, name, command, request, host = day.rng.choice(CLI_READS)
                when = day.after(when, 2, 25)
                error = None
                if name == "GetBucketPolicy":
                    error = ("NoSuchBucketPolicy", "The bucket policy does not exist")
                day.emit(
                    file,
                    record(
                        day,
                        when=when,
                        identity=person.sso_session(),
                        source=source,
                        name=name,
                        ip=person.ip,
                        agent=AWS_CLI_UA.format(version=CLI_VERSION, command=command),
                        request=request,
                        response=None,
                        read_only=True,
                        recipient=ENG,
                        host=host,
                        error=error,
                    ),
                )


IAM_READS: tuple[tuple[str, str, dict[str, Any] | None, str], ...] = (
    ("iam.amazonaws.com", "GetUser", None, "iam.amazonaws.com"),
    ("iam.amazonaws.com", "ListRoles", {"maxItems": 100}, "iam.amazonaws.com"),
    ("iam.amazonaws.com", "GetAccountSummary", None, "iam.amazonaws.com"),
    ("iam.amazonaws.com", "ListUsers", {"maxItems": 100}, "iam.amazonaws.com"),
    (
        "iam.amazonaws.com",
        "ListAttachedRolePolicies",
        {"roleName": "QBusinessWebExperienceRole"},
        "iam.amazonaws.com",
    ),
    (
        "iam.amazonaws.com",
        "GetRole",
        {"roleName": "QBusinessWebExperienceRole"},
        "iam.amazonaws.com",
    ),
    ("sts.amazonaws.com", "GetCallerIdentity", None, f"sts.{REGION}.amazonaws.com"),
)


def iam_reads(day: Day, count: int) -> None:
    """An audit script's reads with an IAM user key, and console IAM page loads."""
    file = "iam_reads.json"
    for _ in range(count):
        when = day.start_between(8.0, 18.0 - 1 / 60)
        source, name, request, host = day.rng.choice(IAM_READS)
        if day.rng.random() < 0.6:
            identity, ip, console = AUDITOR_IAM_USER, "192.0.2.200", False
            agent = (
                "Boto3/1.35.68 md/Botocore#1.35.68 ua/2.0 os/linux#6.1.0 md/arch#x86_64 "
                "lang/python#3.12.7 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.35.68"
            )
        else:
            person = day.rng.choice([ALICE, HEIDI])
            identity, ip, agent, console = person.sso_session(), person.ip, person.browser, True
        day.emit(
            file,
            record(
                day,
                when=when,
                identity=identity,
                source=source,
                name=name,
                ip=ip,
                agent=agent,
                request=request,
                response=None,
                read_only=True,
                recipient=ENG,
                host=host,
                console=console,
            ),
        )


# --------------------------------------------------------------------------- assembly

SURFACES: tuple[Callable[[Day], None], ...] = (
    lambda day: console_chat(day, ALICE, 9),
    lambda day: console_chat(day, HEIDI, 7),
    lambda day: q_on_behalf(day, ALICE, 8),
    lambda day: q_on_behalf(day, HEIDI, 6),
    lambda day: q_business_chat(day, CAROL, 14),
    lambda day: q_business_chat(day, DAVE, 11),
    lambda day: q_business_admin_reads(day, ERIN, 6),
    lambda day: q_apps_reads(day, CAROL, 4),
    lambda day: q_apps_reads(day, DAVE, 3),
    lambda day: ide_session(day, BOB, "1.94.0", "darwin#24.1.0", 8.0),
    lambda day: ide_session(day, GRACE, "1.90.0", "win32#10.0.22631", 6.5),
    lambda day: q_cli_session(day, FRANK, 7),
    lambda day: iam_reads(day, 30),
)


def build_baseline(seed: int = SEED) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """File name -> ``{"Records": [...]}`` for the whole baseline day.

    Records in each file are sorted by eventTime (then eventID) for readable diffs;
    real delivery files are unordered, and nothing downstream relies on the order.
    Raises ValueError when an eventID repeats or a record falls outside the day.
    """
    day = Day(random.Random(seed))
    for surface in SURFACES:
        surface(day)
    seen: set[str] = set()
    out: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for name in sorted(day.files):
        records = sorted(day.files[name], key=lambda r: (r["eventTime"], r["eventID"]))
        for rec in records:
            if rec["eventID"] in seen:
                raise ValueError(f"duplicate eventID {rec['eventID']}")
            seen.add(rec["eventID"])
            if not ts(DAY_START) <= rec["eventTime"] <= ts(DAY_END):
                raise ValueError(f"{rec['eventName']} at {rec['eventTime']} is outside the day")
        out[name] = {"Records": records}
    return out


def canonical(data: Any) -> str:
    """Same text as ``sigmaq.jsonfmt.canonical_json`` (kept standalone: no import path games)."""
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def iter_rendered(seed: int = SEED) -> Iterator[tuple[str, str]]:
    """(file name, canonical text) for every baseline file."""
    for name, envelope in build_baseline(seed).items():
        yield name, canonical(envelope)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=OUT_DIR, help="output folder")
    parser.add_argument("--check", action="store_true", help="exit 1 if committed files differ")
    args = parser.parse_args(argv)
    out: Path = args.out
    stale: list[str] = []
    expected_names: set[str] = set()
    for name, text in iter_rendered():
        expected_names.add(name)
        path = out / name
        if args.check:
            if not path.is_file() or path.read_text(encoding="utf-8") != text:
                stale.append(name)
        else:
            out.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    extra = sorted(p.name for p in out.glob("*.json") if p.name not in expected_names)
    if args.check:
        problems = [f"stale: {n}" for n in stale] + [f"not generated: {n}" for n in extra]
        for problem in problems:
            print(problem, file=sys.stderr)
        return 1 if problems else 0
    for name in extra:
        print(f"warning: {out / name} is not produced by this generator", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
