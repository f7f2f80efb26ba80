"""Accounts, ``userIdentity`` blocks and the :class:`Caller` that makes a call.

``userIdentity`` shapes follow the CloudTrail userIdentity element reference
(https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-user-identity.html).
Documentation values only: accounts 123456789012 / 111122223333 / 444455556666 and
``...EXAMPLE`` key ids.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .user_agents import COMMAND

Identity = dict[str, Any]

ACCOUNT = "123456789012"
SECOND_ACCOUNT = "111122223333"
EXTERNAL_ACCOUNT = "444455556666"
REGION = "us-east-1"
SSO_PATH = "aws-reserved/sso.amazonaws.com/"


@dataclass(frozen=True)
class Caller:
    """Who makes a call: ``userIdentity`` plus how the request reached AWS.

    ``user_agent`` may carry the ``{cmd}`` placeholder (filled per call by
    :meth:`user_agent_for`). ``via`` names the AWS service that made the call for the
    identity; such records have no ``tlsDetails`` and the service as address and user agent.
    """

    identity: Identity
    user_agent: str
    source_ip: str
    console: bool = False
    via: str | None = None

    @property
    def arn(self) -> str:
        """The caller's ARN; an AWS service principal (no ARN) is named by its service."""
        return str(self.identity.get("arn", self.via or "service"))

    def user_agent_for(self, command: str) -> str:
        """The user agent of one call; ``command`` replaces the ``{cmd}`` placeholder."""
        return self.user_agent.replace(COMMAND, command)


def service_caller(identity: Identity, service: str) -> Caller:
    """An AWS service calling for ``identity``: it is address and user agent (no TLS details)."""
    return Caller(identity, service, service, via=service)


def iam_user(account: str, name: str, key: str = "AKIAIOSFODNN7EXAMPLE") -> Identity:
    """``IAMUser`` identity signing with the long-term access key ``key``."""
    principal = "AIDAJ45Q7YFFAREXAMPLE" if account == ACCOUNT else "AIDACKCEVSQ6C2EXAMPLE"
    return {
        "type": "IAMUser",
        "principalId": principal,
        "arn": f"arn:aws:iam::{account}:user/{name}",
        "accountId": account,
        "accessKeyId": key,
        "userName": name,
    }


def assumed_role(
    account: str,
    role: str,
    session: str,
    *,
    created: str = "",
    path: str = "",
    role_id: str = "AROAIDPPEZS35WEXAMPLE",
    key: str = "ASIAIOSFODNN7EXAMPLE",
) -> Identity:
    """``AssumedRole`` session ``session`` of ``role``; ``created``: its ``creationDate``."""
    return {
        "type": "AssumedRole",
        "principalId": f"{role_id}:{session}",
        "arn": f"arn:aws:sts::{account}:assumed-role/{role}/{session}",
        "accountId": account,
        "accessKeyId": key,
        "sessionContext": {
            "sessionIssuer": {
                "type": "Role",
                "principalId": role_id,
                "arn": f"arn:aws:iam::{account}:role/{path}{role}",
                "accountId": account,
                "userName": role,
            },
            "webIdFederationData": {},
            "attributes": {"creationDate": created, "mfaAuthenticated": "false"},
        },
    }


def sso_role_name(permission_set: str) -> str:
    """The role IAM Identity Center creates for a permission set."""
    return f"AWSReservedSSO_{permission_set}_0123456789abcdef"


def sso_user(
    account: str, email: str, created: str = "", permission_set: str = "AdministratorAccess"
) -> Identity:
    """An IAM Identity Center user's role session (session name = the user's e-mail)."""
    return assumed_role(
        account, sso_role_name(permission_set), email, created=created, path=SSO_PATH
    )


def root(account: str, key: str = "ASIAIOSFODNN7EXAMPLE") -> Identity:
    """The account's root user (``ASIA...`` key: console session; ``AKIA...``: root access key)."""
    return {
        "type": "Root",
        "principalId": account,
        "arn": f"arn:aws:iam::{account}:root",
        "accountId": account,
        "accessKeyId": key,
    }


def with_invoked_by(identity: Identity, service: str) -> Identity:
    """``identity`` as recorded when ``service`` made the call on its behalf."""
    return {**identity, "invokedBy": service}
