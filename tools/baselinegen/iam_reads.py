"""IAM/STS reads surface: ``iam_reads.json`` (audit script and console IAM page loads)."""

from __future__ import annotations

from typing import Any

from .common import (
    ALICE,
    AUDITOR_IAM_USER,
    ENG,
    HEIDI,
    REGION,
    Day,
    record,
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
