"""A CloudTrail record as the Elastic AWS integration would index it (ECS subset).

Reproduces the field placement of the integration's ingest pipeline
(elastic/integrations ``packages/aws/data_stream/cloudtrail/elasticsearch/
ingest_pipeline/default.yml``, ECS 8.11.0) for every field ``sigmaq.core.fields``
maps, so a converted Elastic query can be checked against a fixture. Not
reproduced: geo/ASN enrichment, user-agent parsing, ``related.*``, ``entity``
fields and ECS categorisation beyond ``event.outcome``.

Pipeline facts encoded here: null and empty values are dropped recursively
before mapping; ``requestParameters``/``responseElements``/``additionalEventData``/
``serviceEventDetails`` are kept twice, as a Java ``Map.toString()`` text and as a
``flattened`` object (only when that text is shorter than 32766 characters);
``userIdentity.userName`` then ``sessionContext.sessionIssuer.userName`` both land
in ``user.name`` (rename does not override: the first present wins); ``source.ip``
only when ``sourceIPAddress`` is an IP; ``resources[]`` keys ``ARN``/``accountId``
become ``arn``/``account_id``.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from datetime import datetime
from typing import Any

_MAX_FLATTENED_TEXT = 32766


def _drop_empty(value: Any) -> Any:
    """Remove nulls and empty strings recursively (the pipeline's first script)."""
    if isinstance(value, dict):
        kept = {k: _drop_empty(v) for k, v in value.items()}
        return {k: v for k, v in kept.items() if not _is_empty(v)}
    if isinstance(value, list):
        kept_list = [_drop_empty(v) for v in value]
        return [v for v in kept_list if not _is_empty(v)]
    return value


def _is_empty(value: Any) -> bool:
    return value is None or value == "" or value == {} or value == []


def _java_hash(text: str) -> int:
    h = 0
    for unit in text.encode("utf-16-le").decode("utf-16-le"):
        h = (31 * h + ord(unit)) & 0xFFFFFFFF
    return h


def _hashmap_order(keys: list[str]) -> list[str]:
    """Iteration order of a ``java.util.HashMap`` holding ``keys`` (inserted in order).

    The integration parses JSON into HashMaps, so ``toString()`` lists keys by
    bucket (``(h ^ h >>> 16) & (capacity - 1)``), insertion order within a bucket;
    capacity starts at 16 and doubles past a 0.75 load factor.
    """
    capacity = 16
    while len(keys) > capacity * 0.75:
        capacity *= 2

    def bucket(key: str) -> int:
        h = _java_hash(key)
        return (h ^ (h >> 16)) & (capacity - 1)

    position = {key: index for index, key in enumerate(keys)}
    return sorted(keys, key=lambda key: (bucket(key), position[key]))


def java_map_string(value: Any) -> str:
    """Java ``toString()`` of a parsed JSON value (``{k=v, …}``, ``[a, b]``)."""
    if isinstance(value, dict):
        parts = [f"{key}={java_map_string(value[key])}" for key in _hashmap_order(list(value))]
        return "{" + ", ".join(parts) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(java_map_string(item) for item in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    return str(value)


def _put(doc: dict[str, Any], dotted: str, value: Any) -> None:
    node = doc
    parts = dotted.split(".")
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = value


def _get(record: dict[str, Any], dotted: str) -> Any:
    node: Any = record
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def _iso_date(text: str) -> str | None:
    """``@timestamp`` form of an ISO 8601 time, or None when not ISO (then dropped)."""
    if not re.match(r"^\d{4}-\d{2}-\d{2}T", text):
        return None
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.strftime("%Y-%m-%dT%H:%M:%S.") + f"{parsed.microsecond // 1000:03d}Z"


# CloudTrail path -> ECS field, for plain renames (default.yml).
_RENAMES: tuple[tuple[str, str], ...] = (
    ("eventVersion", "aws.cloudtrail.event_version"),
    ("userIdentity.type", "aws.cloudtrail.user_identity.type"),
    ("userIdentity.userName", "user.name"),
    ("userIdentity.principalId", "user.id"),
    ("userIdentity.arn", "aws.cloudtrail.user_identity.arn"),
    ("userIdentity.accountId", "cloud.account.id"),
    ("userIdentity.accessKeyId", "aws.cloudtrail.user_identity.access_key_id"),
    (
        "userIdentity.sessionContext.attributes.mfaAuthenticated",
        "aws.cloudtrail.user_identity.session_context.mfa_authenticated",
    ),
    (
        "userIdentity.sessionContext.sessionIssuer.type",
        "aws.cloudtrail.user_identity.session_context.session_issuer.type",
    ),
    ("userIdentity.sessionContext.sessionIssuer.userName", "user.name"),
    (
        "userIdentity.sessionContext.sessionIssuer.principalId",
        "aws.cloudtrail.user_identity.session_context.session_issuer.principal_id",
    ),
    (
        "userIdentity.sessionContext.sessionIssuer.arn",
        "aws.cloudtrail.user_identity.session_context.session_issuer.arn",
    ),
    (
        "userIdentity.sessionContext.sessionIssuer.accountId",
        "aws.cloudtrail.user_identity.session_context.session_issuer.account_id",
    ),
    ("userIdentity.invokedBy", "aws.cloudtrail.user_identity.invoked_by"),
    ("eventSource", "event.provider"),
    ("eventName", "event.action"),
    ("eventCategory", "aws.cloudtrail.event_category"),
    ("awsRegion", "cloud.region"),
    ("sourceIPAddress", "source.address"),
    ("userAgent", "user_agent.original"),
    ("errorCode", "aws.cloudtrail.error_code"),
    ("errorMessage", "aws.cloudtrail.error_message"),
    ("requestID", "aws.cloudtrail.request_id"),
    ("eventID", "event.id"),
    ("eventType", "aws.cloudtrail.event_type"),
    ("apiVersion", "aws.cloudtrail.api_version"),
    ("managementEvent", "aws.cloudtrail.management_event"),
    ("readOnly", "aws.cloudtrail.read_only"),
    ("recipientAccountId", "aws.cloudtrail.recipient_account_id"),
    ("vpcEndpointId", "aws.cloudtrail.vpc_endpoint_id"),
    ("tlsDetails.cipherSuite", "tls.cipher"),
    ("tlsDetails.clientProvidedHostHeader", "tls.client.server_name"),
)
_OBJECTS: tuple[tuple[str, str], ...] = (
    ("requestParameters", "request_parameters"),
    ("responseElements", "response_elements"),
    ("additionalEventData", "additional_eventdata"),
    ("serviceEventDetails", "service_event_details"),
)


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def to_ecs(
    record: dict[str, Any], custom_paths: Iterable[str] = (), lower_paths: Iterable[str] = ()
) -> dict[str, Any]:
    """The ECS document (subset, see module doc) for one raw CloudTrail record.

    ``managementEvent`` keeps its JSON type here; in the index it is a keyword
    (``"true"``/``"false"``). ``custom_paths``: CloudTrail paths that sigmaq's
    ``logs-aws.cloudtrail@custom`` pipeline restores from ``event.original`` as
    ``sigmaq.cloudtrail.<path>`` keywords (``sigmaq.export.elastic.custom_pipeline``);
    ``lower_paths``: CloudTrail paths that pipeline copies lower-cased to
    ``sigmaq.lower.<path>`` (nested objects, as the ``lowercase`` processor writes them);
    the document then models that pipeline's output too. Raises TypeError when
    ``record`` is not a dict.
    """
    if not isinstance(record, dict):
        raise TypeError(f"a CloudTrail record is a JSON object, not {type(record).__name__}")
    doc = _integration_doc(record)
    paths = tuple(custom_paths)
    lowered = tuple(lower_paths)
    if paths or lowered:
        from sigmaq.export.elastic.custom_pipeline import custom_values, lower_values

        restored = custom_values(record, paths)
        if restored:
            doc["sigmaq"] = {"cloudtrail": {k.split(".", 2)[2]: v for k, v in restored.items()}}
        for name, value in lower_values(record, lowered).items():
            _put(doc, name, value)
    return doc


def _integration_doc(record: dict[str, Any]) -> dict[str, Any]:
    raw = _drop_empty(record)
    doc: dict[str, Any] = {}
    extra = raw.get("additionalEventData")
    if isinstance(extra, dict) and isinstance(extra.get("UserName"), str):
        # Newer pipelines (expected docs at 18ca47af) move UserName to user.name/user.email.
        extra = dict(extra)
        user_name = extra.pop("UserName")
        raw = (
            {**raw, "additionalEventData": extra}
            if extra
            else {k: v for k, v in raw.items() if k != "additionalEventData"}
        )
        _put(doc, "user.name", user_name)
        if "@" in user_name:
            _put(doc, "user.email", user_name)
    event_time = raw.get("eventTime")
    if isinstance(event_time, str) and (stamp := _iso_date(event_time)):
        doc["@timestamp"] = stamp
    created = _get(raw, "userIdentity.sessionContext.attributes.creationDate")
    if isinstance(created, str) and (stamp := _iso_date(created)):
        _put(doc, "aws.cloudtrail.user_identity.session_context.creation_date", stamp)
    for path, target in _RENAMES:
        value = _get(raw, path)
        # rename without override: a second rename onto user.name fails (ignored).
        if value is not None and lookup(doc, target) is None:
            _put(doc, target, value)
    address = raw.get("sourceIPAddress")
    if isinstance(address, str) and _is_ip(address):
        _put(doc, "source.ip", address)
    flattened: dict[str, Any] = {}
    for path, name in _OBJECTS:
        value = raw.get(path)
        if value is None:
            continue
        text = java_map_string(value)
        _put(doc, f"aws.cloudtrail.{name}", text)
        if len(text) < _MAX_FLATTENED_TEXT:
            flattened[name] = value
    _put(doc, "aws.cloudtrail.flattened", flattened)
    resources = raw.get("resources")
    if isinstance(resources, list):
        renamed = []
        for resource in resources:
            if isinstance(resource, dict):
                item = dict(resource)
                if "ARN" in item:
                    item["arn"] = item.pop("ARN")
                if "accountId" in item:
                    item["account_id"] = item.pop("accountId")
                if item not in renamed:
                    renamed.append(item)
        _put(doc, "aws.cloudtrail.resources", renamed)
    tls_version = _get(raw, "tlsDetails.tlsVersion")
    if isinstance(tls_version, str) and "v" in tls_version:
        protocol, _, version = tls_version.partition("v")
        _put(doc, "tls.version_protocol", protocol.lower())
        _put(doc, "tls.version", version)
    failed = "errorCode" in raw or "errorMessage" in raw
    outcome = "failure" if failed else "success"
    console = _get(raw, "responseElements.ConsoleLogin")
    if raw.get("eventName") == "ConsoleLogin" and isinstance(console, str):
        outcome = console.lower()
    _put(doc, "event.outcome", outcome)
    return doc


def lookup(doc: dict[str, Any], field: str) -> Any:
    """Value of a dotted ECS field in ``doc``; keys containing dots are tried whole.

    Returns None when absent. Lists on the path yield a list of the values found.
    """
    return _lookup(doc, field.split("."))


def _lookup(node: Any, parts: list[str]) -> Any:
    if not parts:
        return node
    if isinstance(node, list):
        found = [_lookup(item, parts) for item in node]
        flat = [v for v in found if v is not None]
        return flat or None
    if not isinstance(node, dict):
        return None
    for cut in range(len(parts), 0, -1):
        key = ".".join(parts[:cut])
        if key in node:
            return _lookup(node[key], parts[cut:])
    return None
