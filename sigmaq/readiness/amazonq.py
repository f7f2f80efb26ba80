"""The Amazon Q preparation checks Prowler lacks, from the same configuration exports.

Prowler 5.46.0 has no Amazon Q check. sigmaq adds three, each saying what it could and could
not see:

``q-data-events``
    Q Business, Q Apps and Q Developer log their user activity only as CloudTrail data
    events (off by default). Passes when every Q data event the selected rules need is logged
    by a logging trail or event data store; lists the Q ``resources.type`` values logged by
    none (from the API catalogue).
``q-log-delivery``
    Q Business chat/feedback logs (and Q Developer / Q in Connect logs) leave AWS only through
    CloudWatch Logs vended log delivery. From ``aws logs describe-delivery-sources`` and
    ``describe-deliveries`` (and ``describe-delivery-destinations`` when given): every Q
    delivery source (``resourceArns`` under ``qbusiness``, ``codewhisperer`` or ``wisdom``)
    must feed a delivery; with ``aws qbusiness list-applications``, every application must
    have one. Vended delivery is regional: export each region where Q runs.
``q-prompt-log-bucket``
    Q Developer prompt logging writes to an S3 bucket whose policy lets the service principal
    ``q.amazonaws.com`` call ``s3:PutObject``; that is how the bucket is found in the
    ``s3api get-bucket-policy`` exports (no public API exports the Q Developer settings
    themselves: botocore has no codewhisperer model; name the bucket with
    ``--prompt-log-bucket`` if its policy is not exported). Protected means: versioning
    enabled, object lock enabled, public access fully blocked, no policy statement allowing
    ``*`` unconditionally, the ``q.amazonaws.com`` grant scoped with ``aws:SourceAccount`` or
    ``aws:SourceArn``, and object deletions in it logged (S3 data events).

None of these can see: whether Q Developer prompt logging is switched on in the Q console,
object-lock retention periods in force on each object, who can change the bucket's policy,
or the content of the logs.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sigmaq.core.catalog import AMAZON_Q_EVENT_SOURCES, load_catalog
from sigmaq.readiness.assess import Assessment
from sigmaq.readiness.exports import ExportDocument, ExportSet, LogSource
from sigmaq.readiness.prowler import FAIL, NOT_ASSESSED, PASS, ItemResult, PreparationItem
from sigmaq.readiness.selectors import EventProfile, evaluate_selectors

PARTIAL = "partial"
Q_ITEMS: tuple[PreparationItem, ...] = (
    PreparationItem("q-data-events", "Amazon Q data events are logged"),
    PreparationItem("q-log-delivery", "Q Business / Q Developer log delivery is configured"),
    PreparationItem("q-prompt-log-bucket", "The Q Developer prompt-logging bucket is protected"),
)
_Q_ARN_SERVICES = ("qbusiness", "codewhisperer", "wisdom", "qapps")
Q_SERVICE_PRINCIPAL = "q.amazonaws.com"


def q_data_types() -> list[str]:
    """Every ``resources.type`` of an Amazon Q data event in the catalogue, sorted."""
    catalog = load_catalog()
    return sorted(
        {
            kind
            for (source, _), info in catalog.q_events.items()
            if source in AMAZON_Q_EVENT_SOURCES
            for kind in info.resource_types
        }
    )


def _type_logged(kind: str, sources: Sequence[LogSource]) -> bool | None:
    """Does any logging source log (some of) the data events of ``kind``?"""
    best: bool | None = False
    for source in sources:
        if source.logging is False or source.selectors is None:
            continue
        verdict = evaluate_selectors(source.selectors, EventProfile("Data", resource_type=kind))
        if verdict.logged is True:
            return True
        if verdict.logged is None:
            best = None
    return best


def check_q_data_events(assessment: Assessment) -> ItemResult:
    item = Q_ITEMS[0]
    if not assessment.sources:
        return ItemResult(item, NOT_ASSESSED, ("no trail or event data store exported",))
    missing: list[str] = []
    for verdict in assessment.rules:
        for event in verdict.events:
            need = event.need
            q_data = need.category == "Data" and need.event_source in AMAZON_Q_EVENT_SOURCES
            if q_data and event.logged is not True:
                missing.append(f"{verdict.needs.title}: {need.describe()}")
    details = sorted(set(missing))
    for kind in q_data_types():
        state = _type_logged(kind, assessment.sources)
        text = {True: "logged", None: "logged for some events", False: "not logged"}[state]
        details.append(f"{kind}: {text}")
    return ItemResult(item, FAIL if missing else PASS, tuple(details))


def _arn_service(arn: str) -> str:
    parts = arn.split(":")
    return parts[2] if len(parts) > 2 else ""


def _items(documents: Iterable[ExportDocument], key: str) -> list[Mapping[str, Any]]:
    out: list[Mapping[str, Any]] = []
    for doc in documents:
        values = doc.data.get(key)
        if isinstance(values, list):
            out.extend(v for v in values if isinstance(v, Mapping))
    return out


def check_q_log_delivery(exports: ExportSet) -> ItemResult:
    item = Q_ITEMS[1]
    sources = _items(exports.of_kind("delivery-sources"), "deliverySources")
    deliveries = _items(exports.of_kind("deliveries"), "deliveries")
    if not exports.of_kind("delivery-sources") or not exports.of_kind("deliveries"):
        return ItemResult(
            item,
            NOT_ASSESSED,
            ("export aws logs describe-delivery-sources and describe-deliveries (each Q region)",),
        )
    destinations = {
        str(d.get("arn")): d
        for d in _items(exports.of_kind("delivery-destinations"), "deliveryDestinations")
    }
    delivered_sources = {str(d.get("deliverySourceName")) for d in deliveries}
    details: list[str] = []
    q_sources: list[Mapping[str, Any]] = []
    for source in sources:
        arns = [str(a) for a in source.get("resourceArns") or []]
        if (
            any(_arn_service(a) in _Q_ARN_SERVICES for a in arns)
            and source.get("status") != "INACTIVE"
        ):
            q_sources.append(source)
    covered: list[str] = []
    for source in q_sources:
        name = str(source.get("name"))
        arns = [str(a) for a in source.get("resourceArns") or []]
        if name not in delivered_sources:
            details.append(f"delivery source {name} ({', '.join(arns)}) feeds no delivery")
            continue
        targets = [
            str(d.get("deliveryDestinationArn"))
            for d in deliveries
            if str(d.get("deliverySourceName")) == name
        ]
        if destinations:
            unknown = [t for t in targets if t not in destinations]
            if unknown:
                details.append(f"delivery source {name}: destination not exported: {unknown[0]}")
        covered.extend(arns)
        details.append(f"{name} ({source.get('logType') or '?'}) -> {', '.join(targets)}")
    applications = _items(exports.of_kind("qbusiness-applications"), "applications")
    uncovered = [
        str(app.get("applicationId"))
        for app in applications
        if not any(arn.endswith(f"application/{app.get('applicationId')}") for arn in covered)
    ]
    for app_id in uncovered:
        details.insert(0, f"Q Business application {app_id} has no log delivery")
    developer = [a for a in covered if _arn_service(a) == "codewhisperer"]
    if not developer:
        details.append("no Q Developer (codewhisperer) delivery source: only prompt logging to S3")
    if not covered:
        return ItemResult(item, FAIL, ("no Amazon Q delivery source feeds a delivery", *details))
    if uncovered:
        return ItemResult(item, FAIL, tuple(details))
    if not applications:
        details.append("export aws qbusiness list-applications to check every application")
        return ItemResult(item, PARTIAL, tuple(details))
    return ItemResult(item, PASS, tuple(details))


def _statements(policy: Any) -> list[Mapping[str, Any]]:
    statements = policy.get("Statement") if isinstance(policy, Mapping) else None
    if isinstance(statements, Mapping):
        statements = [statements]
    return [s for s in statements or [] if isinstance(s, Mapping)]


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _principals(statement: Mapping[str, Any]) -> list[str]:
    principal = statement.get("Principal")
    if principal == "*":
        return ["*"]
    if isinstance(principal, Mapping):
        return [str(p) for values in principal.values() for p in _as_list(values)]
    return []


def _actions(statement: Mapping[str, Any]) -> list[str]:
    return [str(a).lower() for a in _as_list(statement.get("Action"))]


def _grants_q(statement: Mapping[str, Any]) -> bool:
    return (
        statement.get("Effect") == "Allow"
        and Q_SERVICE_PRINCIPAL in _principals(statement)
        and any(a in ("s3:putobject", "s3:*", "*") for a in _actions(statement))
    )


def parse_policy(doc: ExportDocument) -> Any:
    """The policy object inside a ``get-bucket-policy`` output (its ``Policy`` is a string)."""
    try:
        return json.loads(doc.data["Policy"])
    except (ValueError, KeyError, TypeError):
        return None


def prompt_log_buckets(exports: ExportSet, named: Iterable[str] = ()) -> list[str]:
    """Buckets named by the user plus those whose policy grants q.amazonaws.com PutObject."""
    found = list(dict.fromkeys(named))
    for doc in exports.of_kind("bucket-policy"):
        if any(_grants_q(s) for s in _statements(parse_policy(doc))):
            bucket = doc.folder_name()
            if bucket not in found:
                found.append(bucket)
    return found


def _bucket_docs(exports: ExportSet, bucket: str) -> dict[str, ExportDocument]:
    kinds = ("bucket-policy", "bucket-versioning", "object-lock", "public-access-block")
    return {d.kind: d for d in exports.documents if d.kind in kinds and d.folder_name() == bucket}


def _bucket_problems(bucket: str, docs: Mapping[str, ExportDocument]) -> list[str]:
    problems: list[str] = []
    versioning = docs.get("bucket-versioning")
    if versioning is None:
        problems.append("versioning not exported (s3api get-bucket-versioning)")
    elif versioning.data.get("Status") != "Enabled":
        problems.append("versioning is not enabled: deleted prompt logs cannot be recovered")
    lock = docs.get("object-lock")
    if lock is None:
        problems.append(
            "object lock not exported (get-object-lock-configuration; "
            "ObjectLockConfigurationNotFoundError means it is off)"
        )
    elif lock.data.get("ObjectLockConfiguration", {}).get("ObjectLockEnabled") != "Enabled":
        problems.append("object lock is not enabled")
    block = docs.get("public-access-block")
    if block is None:
        problems.append("public access block not exported (s3api get-public-access-block)")
    else:
        config = block.data.get("PublicAccessBlockConfiguration") or {}
        off = [
            k
            for k in (
                "BlockPublicAcls",
                "IgnorePublicAcls",
                "BlockPublicPolicy",
                "RestrictPublicBuckets",
            )
            if config.get(k) is not True
        ]
        if off:
            problems.append(f"public access not fully blocked: {', '.join(off)} off")
    policy_doc = docs.get("bucket-policy")
    if policy_doc is None:
        problems.append("bucket policy not exported (s3api get-bucket-policy)")
    else:
        statements = _statements(parse_policy(policy_doc))
        for statement in statements:
            public = statement.get("Effect") == "Allow" and "*" in _principals(statement)
            if public and not statement.get("Condition"):
                problems.append("the policy allows Principal * without a condition")
        for statement in filter(_grants_q, statements):
            condition = json.dumps(statement.get("Condition") or {}).lower()
            if "aws:sourceaccount" not in condition and "aws:sourcearn" not in condition:
                problems.append(
                    "the q.amazonaws.com grant has no aws:SourceAccount/aws:SourceArn condition"
                )
    return problems


def _deletions_logged(bucket: str, sources: Sequence[LogSource]) -> bool | None:
    profile = EventProfile(
        "Data",
        "s3.amazonaws.com",
        "DeleteObject",
        False,
        "AWS::S3::Object",
        resource_arn_prefix=f"arn:aws:s3:::{bucket}/",
    )
    best: bool | None = False
    for source in sources:
        if source.logging is False or source.selectors is None:
            continue
        logged = evaluate_selectors(source.selectors, profile).logged
        if logged is True:
            return True
        if logged is None:
            best = None
    return best


def check_prompt_log_bucket(
    exports: ExportSet, sources: Sequence[LogSource], named: Iterable[str] = ()
) -> ItemResult:
    item = Q_ITEMS[2]
    buckets = prompt_log_buckets(exports, named)
    if not buckets:
        return ItemResult(
            item,
            NOT_ASSESSED,
            (
                "no bucket policy grants q.amazonaws.com s3:PutObject; export "
                "s3api get-bucket-policy of the prompt-log bucket or pass --prompt-log-bucket",
            ),
        )
    details: list[str] = []
    for bucket in buckets:
        problems = _bucket_problems(bucket, _bucket_docs(exports, bucket))
        deletions = _deletions_logged(bucket, sources)
        if deletions is not True:
            text = "not logged" if deletions is False else "logged only in part"
            problems.append(f"DeleteObject data events on the bucket are {text}")
        details.extend(f"{bucket}: {p}" for p in problems)
        if not problems:
            details.append(f"{bucket}: protected")
    failed = any(not d.endswith(": protected") for d in details)
    return ItemResult(item, FAIL if failed else PASS, tuple(details))


def check_amazon_q(
    exports: ExportSet, assessment: Assessment, prompt_buckets: Iterable[str] = ()
) -> list[ItemResult]:
    """The three sigmaq checks, in ``Q_ITEMS`` order."""
    return [
        check_q_data_events(assessment),
        check_q_log_delivery(exports),
        check_prompt_log_bucket(exports, assessment.sources, prompt_buckets),
    ]
