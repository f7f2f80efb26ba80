"""The July 2025 wiper (Amazon Q CLI extension incident, brief §4.1): one agent run per profile.

The injected prompt told the agent to find the local AWS CLI profiles and, through each, discover
and destroy: terminate instances, empty buckets, delete IAM users. Shapes follow real records in
``../shared/data/external`` (S3 ``x-id``, IAM ``DeleteConflict``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..common.identities import (
    ACCOUNT,
    EXTERNAL_ACCOUNT,
    REGION,
    SECOND_ACCOUNT,
    Caller,
    iam_user,
    sso_user,
)
from ..common.records import Error, Record, host_of, shift
from .iam_calls import iam
from .records import event, s3_extra, s3_object_event
from .world import WIPER_IP, cli

WIPER_START = "2025-07-18T09:12:05Z"
DESTRUCTIVE = (
    "TerminateInstances",
    "DeleteObject",
    "DeleteAccessKey",
    "DeleteLoginProfile",
    "DeleteUser",
)


@dataclass(frozen=True)
class Profile:
    """One local AWS CLI profile the wiper agent walks: its caller and the resources it finds."""

    caller: Caller
    account: str
    instance: str
    bucket: str
    victim_user: str
    victim_key: str


def wiper_profiles(env: str | None, ip: str = WIPER_IP) -> list[Profile]:
    ua = cli(env)
    dev = iam_user(ACCOUNT, "dev-alice")
    staging = sso_user(SECOND_ACCOUNT, "dev@example.com", "2025-07-18T08:00:00Z")
    prod = iam_user(EXTERNAL_ACCOUNT, "ci-deployer", "AKIAI44QH8DHBEXAMPLE")
    return [
        Profile(
            Caller(dev, ua, ip),
            ACCOUNT,
            "i-0123456789abcdef0",
            "dev-alice-scratch-123456789012",
            "build-bot",
            "AKIAIOSFODNN8EXAMPLE",
        ),
        Profile(
            Caller(staging, ua, ip),
            SECOND_ACCOUNT,
            "i-0abcdef1234567890",
            "staging-assets-111122223333",
            "staging-svc",
            "AKIAI44QH8DHCEXAMPLE",
        ),
        Profile(
            Caller(prod, ua, ip),
            EXTERNAL_ACCOUNT,
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
            c, shift(start, next(t)), source, name, account=a, command=cmd, version=version, **kw
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
            req={"Host": f"s3.{REGION}.amazonaws.com"},
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
                shift(start, next(t)),
                "DeleteObject",
                p.bucket,
                f"reports/2025/q2-{i:02d}.csv",
                a,
                command="s3.rm",
                version=version,
            )
        )
    user = {"userName": p.victim_user}
    conflict = ("DeleteConflict", "Cannot delete entity, must delete login profile first.")
    read_only = "ReadOnlyAccess"
    calls: list[tuple[str, Record | None, Error | None]] = [
        ("ListUsers", None, None),
        ("DeleteUser", user, conflict),  # refused: the user still has a login profile
        ("ListAccessKeys", user, None),
        ("DeleteAccessKey", {**user, "accessKeyId": p.victim_key}, None),
        ("DeleteLoginProfile", user, None),
        ("ListAttachedUserPolicies", user, None),
        ("DetachUserPolicy", {**user, "policyArn": f"arn:aws:iam::aws:policy/{read_only}"}, None),
        ("DeleteUser", user, None),
    ]
    for name, req, err in calls:
        when = shift(start, next(t))
        ro = name.startswith("List")
        out.append(iam(c, when, name, req, ro, err=err, account=a, version=version))
    return out


def wiper_all(
    env: str | None, gaps: tuple[int, ...] = (0, 75, 150), ip: str = WIPER_IP
) -> list[Record]:
    out: list[Record] = []
    for p, gap in zip(wiper_profiles(env, ip), gaps, strict=False):
        out += wiper_run(p, shift(WIPER_START, gap))
    return out


def only(records: list[Record], *names: str) -> list[Record]:
    return [r for r in records if r["eventName"] in names and "errorCode" not in r]


def respace(records: list[Record], start: str, step: int) -> list[Record]:
    """Copies of ``records`` re-timed ``step`` seconds apart from ``start``."""
    return [{**r, "eventTime": shift(start, i * step)} for i, r in enumerate(records)]


def from_ip(records: list[Record], ip: str) -> list[Record]:
    return [{**r, "sourceIPAddress": ip} for r in records]
