"""One CloudTrail record, with its keys in the order CloudTrail writes them.

Record contents: https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-record-contents.html
(and the Amazon Q CloudTrail brief §3). Both generators build every record through
:func:`cloudtrail_record`; they differ only in where the identifiers come from.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from .identities import REGION, Caller

Record = dict[str, Any]
Error = tuple[str, str]  # (errorCode, errorMessage)

TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
# Endpoints whose host name is not ``<service>.<region>.amazonaws.com``.
SERVICE_HOSTS = {
    "iam.amazonaws.com": "iam.amazonaws.com",
    "qbusiness.amazonaws.com": f"qbusiness.{REGION}.api.aws",
    "qapps.amazonaws.com": f"data.qapps.{REGION}.amazonaws.com",
}


def iso(moment: datetime) -> str:
    """``eventTime`` text of an aware UTC datetime (whole seconds, ``Z``)."""
    return moment.strftime(TIME_FORMAT)


def shift(base: str, seconds: float = 0) -> str:
    """The ``eventTime`` ``seconds`` after ``base`` (an ``eventTime`` text)."""
    start = datetime.strptime(base, TIME_FORMAT).replace(tzinfo=UTC)
    return iso(start + timedelta(seconds=seconds))


def host_of(source: str, bucket: str | None = None) -> str:
    """``tlsDetails.clientProvidedHostHeader`` of a call to ``source`` (S3: virtual-hosted)."""
    if bucket:
        return f"{bucket}.s3.{REGION}.amazonaws.com"
    return SERVICE_HOSTS.get(source, f"{source.split('.')[0]}.{REGION}.amazonaws.com")


def not_authorized(arn: str, action: str, resource: str | None = None) -> str:
    """IAM's denial message for ``arn`` calling ``action`` (``service:Operation``)."""
    if resource is None:
        return f"User: {arn} is not authorized to perform: {action}"
    return (
        f"User: {arn} is not authorized to perform: {action} on resource: {resource} "
        f"because no identity-based policy allows the {action} action"
    )


def cloudtrail_record(
    caller: Caller,
    *,
    time: str,
    source: str,
    name: str,
    read_only: bool,
    recipient: str,
    params: Record | None = None,
    response: Record | None = None,
    error: Error | None = None,
    additional: Record | None = None,
    identity: Record | None = None,
    user_agent: str | None = None,
    request_id: str = "",
    event_id: str = "",
    shared_event_id: str | None = None,
    resources: list[Record] | None = None,
    data: bool = False,
    bucket: str | None = None,
    version: str = "1.11",
) -> Record:
    """One ``AwsApiCall`` record of ``caller`` calling ``source`` ``name`` at ``time``.

    ``identity`` and ``user_agent`` override the caller's; a failed call (``error``) has no
    ``responseElements``; ``data`` makes it a data event (``managementEvent: false``); a call
    made by an AWS service (``caller.via``) has no ``tlsDetails``.
    """
    record: Record = {
        "eventVersion": version,
        "userIdentity": caller.identity if identity is None else identity,
        "eventTime": time,
        "eventSource": source,
        "eventName": name,
        "awsRegion": REGION,
        "sourceIPAddress": caller.source_ip,
        "userAgent": caller.user_agent if user_agent is None else user_agent,
    }
    if error is not None:
        record["errorCode"], record["errorMessage"] = error
    record["requestParameters"] = params
    record["responseElements"] = None if error else response
    if additional is not None:
        record["additionalEventData"] = additional
    record["requestID"] = request_id
    record["eventID"] = event_id
    record["readOnly"] = read_only
    if resources is not None:
        record["resources"] = resources
    record["eventType"] = "AwsApiCall"
    record["managementEvent"] = not data
    record["recipientAccountId"] = recipient
    if shared_event_id is not None:
        record["sharedEventID"] = shared_event_id
    record["eventCategory"] = "Data" if data else "Management"
    if caller.via is None:
        record["tlsDetails"] = {
            "tlsVersion": "TLSv1.3",
            "cipherSuite": "TLS_AES_128_GCM_SHA256",
            "clientProvidedHostHeader": host_of(source, bucket),
        }
    if caller.console:
        record["sessionCredentialFromConsole"] = "true"
    return record
