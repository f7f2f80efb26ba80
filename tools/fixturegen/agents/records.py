"""Records of the agent, Q Developer/Apps/Connect, chat-app and containment fixtures.

Shapes follow the Amazon Q CloudTrail brief (§3, services §2.2-2.6, user agents §6) and real records
in ``../shared/data/external`` (S3 data events with ``x-id`` and bracketed user agents). Request
keys follow botocore's service models (camelCase as CloudTrail logs them; PascalCase for chatbot).
Records are built with empty ``requestID``/``eventID``; :func:`render` fills them from the
fixture's path, so a re-run is byte-identical.
"""

from __future__ import annotations

from typing import Any

from sigmaq.core.jsonfmt import canonical_json

from ..common.identities import ACCOUNT, Caller
from ..common.ids import SeededIds
from ..common.records import Error, Record, cloudtrail_record, host_of, not_authorized

Fixture = Record | list[Record]  # one record, or the records of a {"Records": [...]} file
Fixtures = dict[str, dict[str, Fixture]]  # rule title -> scenario -> fixture
S3 = "s3.amazonaws.com"


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
    err: Error | None = None,
    data: bool = False,
    resources: list[Record] | None = None,
    bucket: str | None = None,
    account: str | None = None,
    command: str = "",
    version: str = "1.11",
) -> Record:
    """One record of ``c`` running ``command`` (fills the user agent's ``{cmd}``) at ``when``.

    ``account`` is the recipient (default: the caller's account); ``extra`` becomes
    ``additionalEventData``; ``bucket`` sets the S3 virtual-hosted TLS host.
    """
    ua = c.user_agent_for(command)
    if source == S3 and c.via is None and not ua.startswith("["):
        ua = f"[{ua}]"  # S3 logs SDK/CLI user agents in brackets (real records, external data)
    return cloudtrail_record(
        c,
        time=when,
        source=source,
        name=name,
        read_only=ro,
        recipient=account or c.identity.get("accountId", ACCOUNT),
        params=req,
        response=resp,
        error=err,
        additional=extra,
        user_agent=ua,
        resources=resources,
        data=data,
        bucket=bucket,
        version=version,
    )


def s3_extra(bytes_out: int = 0) -> Record:
    """S3's ``additionalEventData``."""
    return {
        "SignatureVersion": "SigV4",
        "CipherSuite": "TLS_AES_128_GCM_SHA256",
        "bytesTransferredIn": 0,
        "AuthenticationMethod": "AuthHeader",
        "x-amz-id-2": "ExampleRequestId123456789",
        "bytesTransferredOut": bytes_out,
    }


def _s3_data_event(
    c: Caller,
    when: str,
    name: str,
    bucket: str,
    account: str,
    req: Record,
    objects: Record,
    **kw: Any,
) -> Record:
    bucket_resource = {
        "accountId": account,
        "type": "AWS::S3::Bucket",
        "ARN": f"arn:aws:s3:::{bucket}",
    }
    return event(
        c,
        when,
        S3,
        name,
        req=req,
        extra=s3_extra(),
        data=True,
        resources=[objects, bucket_resource],
        bucket=bucket,
        account=account,
        **kw,
    )


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
    objects = {"type": "AWS::S3::Object", "ARN": f"arn:aws:s3:::{bucket}/{key}"}
    return _s3_data_event(c, when, name, bucket, account, req, objects, ro=ro, **kw)


def s3_delete_objects(c: Caller, when: str, bucket: str, account: str, **kw: Any) -> Record:
    """Batch delete: CloudTrail logs no keys, only an ARNPrefix (stratus-red-team sample)."""
    req = {
        "bucketName": bucket,
        "Host": host_of("s3", bucket),
        "delete": "",
        "x-id": "DeleteObjects",
    }
    objects = {"type": "AWS::S3::Object", "ARNPrefix": f"arn:aws:s3:::{bucket}/"}
    return _s3_data_event(c, when, "DeleteObjects", bucket, account, req, objects, ro=False, **kw)


def err_denied(c: Caller, action: str, resource: str) -> Error:
    """IAM's ``AccessDenied`` for ``action`` (``iam:CreateUser``) on ``resource``."""
    return "AccessDenied", not_authorized(c.arn, action, resource)


def ddenied(c: Caller, service: str, action: str, code: str = "AccessDeniedException") -> Error:
    """A service's short denial (no resource), e.g. ``qapps`` ``CreateLibraryItem``."""
    return code, not_authorized(c.arn, f"{service}:{action}")


def render(rel: str, fixture: Fixture) -> str:
    """Canonical JSON of one fixture with uuid4-shaped ids seeded from its relative path."""
    ids = SeededIds(rel)
    items = [fixture] if isinstance(fixture, dict) else fixture
    filled = [{**rec, "requestID": ids(), "eventID": ids()} for rec in items]
    body: Any = filled[0] if isinstance(fixture, dict) else {"Records": filled}
    return canonical_json(body)
