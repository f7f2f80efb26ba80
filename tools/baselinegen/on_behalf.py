"""On-behalf and dry-run surface: ``q_on_behalf.json`` (PassRequest, invokedBy q, DryRun probes)."""

from __future__ import annotations

from typing import Any

from .common import (
    Q_SERVICE,
    Day,
    Person,
    record,
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
