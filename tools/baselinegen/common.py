"""Shared pieces of the baseline day: accounts, user agents, identities, record builder.

Every surface module builds its records with :func:`record` from a :class:`Day`, so key order
and the draw order of the seeded random generator are defined here once.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

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
