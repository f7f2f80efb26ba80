"""IAM calls of the containment fixtures: the call builder, access-key responses, policies."""

from __future__ import annotations

from typing import Any

from ..common.identities import Caller
from ..common.records import Record
from .records import event

IAM = "iam.amazonaws.com"
TRUST_Q = (
    '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":'
    '"qbusiness.amazonaws.com"},"Action":"sts:AssumeRole","Condition":{"StringEquals":'
    '{"aws:SourceAccount":"123456789012"}}}]}'
)
TRUST_LAMBDA = TRUST_Q.replace("qbusiness.amazonaws.com", "lambda.amazonaws.com")
# The inline policy the IAM console's "Revoke active sessions" writes.
REVOKE_POLICY = (
    '{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":["*"],"Resource":["*"],'
    '"Condition":{"DateLessThan":{"aws:TokenIssueTime":"2026-11-18T16:10:00.000Z"}}}]}'
)
REVOKE_SESSIONS = {
    "roleName": "PowerUser",
    "policyName": "AWSRevokeOlderSessions",
    "policyDocument": REVOKE_POLICY,
}
ALICE_KEY = {"userName": "alice", "accessKeyId": "AKIAIOSFODNN7EXAMPLE", "status": "Inactive"}


def iam(c: Caller, when: str, name: str, req: Record | None, ro: bool = False, **kw: Any) -> Record:
    """An IAM call; the CLI command is derived from ``name`` (``CreateAccessKey`` ->
    ``iam.create-access-key``)."""
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
