"""Who made a CloudTrail call, with which credentials, from which Amazon Q surface.

Facts follow the CloudTrail ``userIdentity`` reference
(https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-user-identity.html)
and the Amazon Q notes in ``../shared/docs/amazon-q-cloudtrail.md`` (§2.0 event sources,
§3.3 identity shapes, §6 user-agent markers).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# eventSource -> the Amazon Q surface it belongs to (amazon-q-cloudtrail.md §2.0).
Q_SURFACES: dict[str, str] = {
    "qbusiness.amazonaws.com": "Q Business",
    "qapps.amazonaws.com": "Q Apps",
    "q.amazonaws.com": "Q Developer console",
    "codewhisperer.amazonaws.com": "Q Developer IDE/CLI",
    "wisdom.amazonaws.com": "Q in Connect",
    "chatbot.amazonaws.com": "Q in chat applications",
}
ON_BEHALF_SURFACE = "Q console acting on behalf"
Q_SERVICE_HOST = "q.amazonaws.com"

# userAgent markers, most specific first (amazon-q-cloudtrail.md §6). The exec-env form is
# what AWS CLI v2 writes when the Q CLI or IDE agent runs it (AWS_EXECUTION_ENV).
_CLIENT_MARKERS: tuple[tuple[str, str], ...] = (
    ("exec-env/AmazonQ-For-CLI", "Q CLI agent (AWS CLI)"),
    ("exec-env/AmazonQ-For-IDE", "Q IDE agent (AWS CLI)"),
    # The agent appends to an AWS_EXECUTION_ENV already set (Amazon ECS: AWS_ECS_FARGATE):
    # ``exec-env/AWS_ECS_FARGATE-AmazonQ-For-CLI-Version-<ver>`` (botocore joins with ``-``).
    ("-AmazonQ-For-CLI-Version", "Q CLI agent (AWS CLI)"),
    ("-AmazonQ-For-IDE-Version", "Q IDE agent (AWS CLI)"),
    ("AmazonQ-For-IDE", "Q IDE agent (AWS CLI)"),
    ("AmazonQ-For-CLI", "Q Developer CLI"),
    ("AmazonQ-For-VSCode", "Q Developer for VS Code"),
    ("AmazonQ-For-JetBrains", "Q Developer for JetBrains"),
    ("Amazon Q For JetBrains", "Q Developer for JetBrains"),
    ("AmazonQ-For-", "Amazon Q client"),
)
AGENT_CLIENTS = frozenset(["Q CLI agent (AWS CLI)", "Q IDE agent (AWS CLI)"])
IDE_CLIENTS = frozenset(
    ["Q Developer for VS Code", "Q Developer for JetBrains", "Q IDE agent (AWS CLI)"]
)


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def identity_of(event: Mapping[str, Any]) -> Mapping[str, Any]:
    """``userIdentity`` as a mapping (empty when absent or not an object)."""
    identity = event.get("userIdentity")
    return identity if isinstance(identity, dict) else {}


def on_behalf_of(identity: Mapping[str, Any]) -> str | None:
    """The IAM Identity Center user id of an identity-enhanced session
    (``userIdentity.onBehalfOf.userId``), or None."""
    behalf = identity.get("onBehalfOf")
    return _text(behalf.get("userId")) if isinstance(behalf, dict) else None


def principal_label(identity: Mapping[str, Any]) -> str:
    """A stable name for who acted.

    ``arn`` when present (an IAM user, a role session ``arn:aws:sts::…:assumed-role/R/S``,
    the root user); ``idc:<userId>`` for an IAM Identity Center user without an ARN (Q
    Developer in the IDE/CLI); ``service:<host>`` for an AWS service acting by itself;
    else ``<type>:<principalId>``, the type alone, or ``(no userIdentity)``. The same
    rules as hunt's ``principal_of`` for ARNs; richer for the other shapes.
    """
    arn = _text(identity.get("arn"))
    if arn:
        return arn
    user = on_behalf_of(identity)
    if user:
        return f"idc:{user}"
    kind = _text(identity.get("type"))
    invoked = _text(identity.get("invokedBy"))
    if invoked and kind in (None, "AWSService"):
        return f"service:{invoked}"
    principal_id = _text(identity.get("principalId"))
    if kind and principal_id:
        return f"{kind}:{principal_id}"
    return kind or principal_id or "(no userIdentity)"


def principal_kind(identity: Mapping[str, Any]) -> str:
    """``userIdentity.type`` (``IAMUser``, ``AssumedRole``, ``Root``, …) or ``AWSService``
    for a service acting without a type, else ``Unknown``."""
    kind = _text(identity.get("type"))
    if kind:
        return kind
    return "AWSService" if _text(identity.get("invokedBy")) else "Unknown"


def user_name(identity: Mapping[str, Any]) -> str | None:
    """The IAM user name behind an ``IAMUser`` identity (``userName``, else the ARN's last
    segment), ``<root_account>`` for the root user (as the credential report names it)."""
    kind = identity.get("type")
    if kind == "Root":
        return "<root_account>"
    if kind != "IAMUser":
        return None
    name = _text(identity.get("userName"))
    if name:
        return name
    arn = _text(identity.get("arn"))
    return arn.rsplit("/", 1)[-1] if arn and ":user/" in arn else None


def session_issuer(identity: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """(role ARN, role name) of an assumed-role session's ``sessionContext.sessionIssuer``."""
    context = identity.get("sessionContext")
    issuer = context.get("sessionIssuer") if isinstance(context, dict) else None
    if not isinstance(issuer, dict) or issuer.get("type") != "Role":
        return (None, None)
    return (_text(issuer.get("arn")), _text(issuer.get("userName")))


def session_created(identity: Mapping[str, Any]) -> str | None:
    """``sessionContext.attributes.creationDate``: when temporary credentials were issued."""
    context = identity.get("sessionContext")
    attributes = context.get("attributes") if isinstance(context, dict) else None
    return _text(attributes.get("creationDate")) if isinstance(attributes, dict) else None


def source_identity(identity: Mapping[str, Any]) -> str | None:
    """``sessionContext.sourceIdentity``: the source identity set when the session was
    opened, kept by every role chained from it (CloudTrail userIdentity reference, "AWS
    STS source identity")."""
    context = identity.get("sessionContext")
    return _text(context.get("sourceIdentity")) if isinstance(context, dict) else None


def credential_id(identity: Mapping[str, Any]) -> str | None:
    """``userIdentity.credentialId`` of an IAM Identity Center bearer-token session."""
    return _text(identity.get("credentialId"))


def mfa_used(identity: Mapping[str, Any]) -> bool | None:
    """``sessionContext.attributes.mfaAuthenticated`` as a boolean (None when absent)."""
    context = identity.get("sessionContext")
    attributes = context.get("attributes") if isinstance(context, dict) else None
    value = attributes.get("mfaAuthenticated") if isinstance(attributes, dict) else None
    if value in ("true", True):
        return True
    if value in ("false", False):
        return False
    return None


def access_key_id(identity: Mapping[str, Any]) -> str | None:
    """``userIdentity.accessKeyId`` (``AKIA…`` long-term, ``ASIA…`` temporary)."""
    return _text(identity.get("accessKeyId"))


def is_long_term_key(key: str) -> bool:
    """True for IAM user or root access keys (``AKIA`` prefix; IAM identifiers page)."""
    return key.startswith("AKIA")


def q_client(user_agent: str | None) -> str | None:
    """The Amazon Q client named in a userAgent (``AmazonQ-For-…`` markers), or None."""
    if not user_agent or "Amazon" not in user_agent:
        return None
    for marker, label in _CLIENT_MARKERS:
        if marker in user_agent:
            return label
    return None


def q_surfaces(event: Mapping[str, Any], identity: Mapping[str, Any]) -> tuple[str, ...]:
    """Every Amazon Q surface a record shows: its Q eventSource, Q acting on a user's
    behalf (``invokedBy``/``sourceIPAddress`` ``q.amazonaws.com`` on another service) and
    the Q client in its userAgent."""
    found: list[str] = []
    source = event.get("eventSource")
    surface = Q_SURFACES.get(source) if isinstance(source, str) else None
    if surface:
        found.append(surface)
    elif (
        identity.get("invokedBy") == Q_SERVICE_HOST
        or event.get("sourceIPAddress") == Q_SERVICE_HOST
    ):
        found.append(ON_BEHALF_SURFACE)
    agent = event.get("userAgent")
    client = q_client(agent) if isinstance(agent, str) else None
    if client:
        found.append(client)
    return tuple(found)


def service_of(event_source: str | None) -> str:
    """``iam.amazonaws.com`` -> ``iam`` (the service prefix; ``?`` when absent)."""
    if not event_source:
        return "?"
    return event_source.split(".", 1)[0]
