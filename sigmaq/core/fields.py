"""The CloudTrail field table: where each CloudTrail path lives in each target.

One table, read by the conversion pipelines (``sigmaq.export.pipelines``), the rule
validator (``known_cloudtrail_field``) and the ECS document builder
(``sigmaq.export.ecs``). Nothing else spells a target field name.

Targets:
- ``splunk``: Splunk Add-on for AWS, sourcetype ``aws:cloudtrail``; raw CloudTrail
  names with JSON auto-extraction: nested objects dotted, arrays as ``{}``
  (``resources{}.ARN``). A whole object is not a Splunk field.
- ``elastic``: Elastic AWS integration, data stream ``aws.cloudtrail``, ingest
  pipeline ``default.yml`` (elastic/integrations, ECS 8.11.0; TOOLCHAIN.md and
  external-data.md §3). ``requestParameters.X`` lives under the ``flattened``
  field ``aws.cloudtrail.flattened.request_parameters.X``; fields the pipeline
  does not keep carry the reason instead of a name, so conversion refuses.
- ``sql``: the dotted CloudTrail path (CloudTrail Lake, the SQLite oracle).

Top-level keys follow "CloudTrail record contents" (AWS CloudTrail User Guide,
eventVersion 1.11) and "userIdentity element".
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from enum import StrEnum

from sigmaq.core import aws_tables

TARGETS = ("splunk", "elastic", "sql", *aws_tables.AWS_TARGETS)


class ElasticKind(StrEnum):
    """How the Elastic integration stores a field (decides which queries work)."""

    KEYWORD = "keyword"
    """Keyword: exact, wildcard and regexp queries work; matching is case-sensitive."""
    FLATTENED = "flattened"
    """Leaf of a ``flattened`` field: term/prefix/exists only, case-sensitive,
    no wildcard or regexp queries (Elasticsearch rejects them on keyed flattened
    fields), and ES|QL cannot read keyed sub-fields."""
    BOOLEAN = "boolean"
    KEYWORD_BOOLEAN = "keyword_boolean"
    """A CloudTrail boolean the integration stores as keyword ``"true"``/``"false"``."""
    DATE = "date"


@dataclass(frozen=True)
class FieldSpec:
    """Where one CloudTrail path (or every path under a prefix) lives per target.

    ``path``: CloudTrail path, dotted; for a prefix spec, the prefix without the
    trailing dot. ``prefix``: the spec covers ``path.<anything>``.
    ``splunk``/``elastic``: target name (for a prefix: the target prefix), or None
    when the target does not keep the field; ``*_reason`` then says why.
    ``case_canonical``: AWS writes the value in one fixed case (event names,
    identity types, error codes…), so a case-sensitive exact match is safe when
    the rule spells the value canonically.
    ``elastic_cidr``: Elastic field to use for ``|cidr`` (an ``ip`` field).
    """

    path: str
    splunk: str | None
    elastic: str | None
    elastic_kind: ElasticKind = ElasticKind.KEYWORD
    case_canonical: bool = False
    prefix: bool = False
    splunk_reason: str = ""
    elastic_reason: str = ""
    elastic_cidr: str | None = None


@dataclass(frozen=True)
class ResolvedField:
    """A concrete CloudTrail path resolved for every target.

    ``splunk``/``elastic`` are None when the target cannot express the field; the
    matching ``*_reason`` then explains why. ``sql`` is the dotted path.
    """

    path: str
    splunk: str | None
    elastic: str | None
    sql: str
    elastic_kind: ElasticKind
    case_canonical: bool
    splunk_reason: str = ""
    elastic_reason: str = ""
    elastic_cidr: str | None = None

    def name_for(self, target: str) -> str | None:
        """Target field name, or None when ``target`` cannot express the field."""
        if target == "splunk":
            return self.splunk
        if target == "elastic":
            return self.elastic
        if target == "sql":
            return self.sql
        if target in aws_tables.AWS_TARGETS:
            found = aws_access(target, self.path)
            return found.describe() if isinstance(found, aws_tables.Access) else None
        raise ValueError(f"unknown field target {target!r} (known: {', '.join(TARGETS)})")

    def reason_for(self, target: str) -> str:
        """Why ``target`` cannot express the field ('' when it can)."""
        if target in aws_tables.AWS_TARGETS:
            found = aws_access(target, self.path)
            return found.reason if isinstance(found, aws_tables.NoAccess) else ""
        return {"splunk": self.splunk_reason, "elastic": self.elastic_reason}.get(target, "")


_UC = "aws.cloudtrail.user_identity"
_SC = f"{_UC}.session_context"
_NOT_KEPT = "the Elastic AWS integration does not keep this field (ingest pipeline drops it)"
_WHOLE = (
    "a whole object is not a searchable field: Splunk has no such field and Elastic stores it "
    "as a Java Map.toString() text, not JSON; match a nested key instead "
    "(e.g. requestParameters.roleArn)"
)


def _k(path: str, elastic: str, canonical: bool = False) -> FieldSpec:
    """Keyword field with the same Splunk name as the CloudTrail path."""
    return FieldSpec(path, path, elastic, ElasticKind.KEYWORD, canonical)


def _not_kept(path: str, reason: str = _NOT_KEPT) -> FieldSpec:
    return FieldSpec(path, path, None, elastic_reason=reason)


# Exact CloudTrail paths. Keep sorted by record order for review.
EXACT_FIELDS: tuple[FieldSpec, ...] = (
    _k("eventVersion", "aws.cloudtrail.event_version", canonical=True),
    FieldSpec(
        "eventTime",
        "eventTime",
        None,
        ElasticKind.DATE,
        elastic_reason="eventTime becomes @timestamp (a date); string matching on it is not "
        "meaningful in Elastic",
    ),
    _k("eventSource", "event.provider", canonical=True),
    _k("eventName", "event.action", canonical=True),
    _k("awsRegion", "cloud.region", canonical=True),
    FieldSpec(
        "sourceIPAddress",
        "sourceIPAddress",
        "source.address",
        ElasticKind.KEYWORD,
        # IPs, or AWS-written service names (q.amazonaws.com, AWS Internal).
        case_canonical=True,
        elastic_cidr="source.ip",
    ),
    _k("userAgent", "user_agent.original"),
    _k("errorCode", "aws.cloudtrail.error_code", canonical=True),
    _k("errorMessage", "aws.cloudtrail.error_message"),
    _k("requestID", "aws.cloudtrail.request_id", canonical=True),
    _k("eventID", "event.id", canonical=True),
    FieldSpec("readOnly", "readOnly", "aws.cloudtrail.read_only", ElasticKind.BOOLEAN, True),
    FieldSpec(
        "managementEvent",
        "managementEvent",
        "aws.cloudtrail.management_event",
        ElasticKind.KEYWORD_BOOLEAN,
        True,
    ),
    _k("eventType", "aws.cloudtrail.event_type", canonical=True),
    _k("eventCategory", "aws.cloudtrail.event_category", canonical=True),
    _k("apiVersion", "aws.cloudtrail.api_version", canonical=True),
    _k("recipientAccountId", "aws.cloudtrail.recipient_account_id", canonical=True),
    _k("vpcEndpointId", "aws.cloudtrail.vpc_endpoint_id", canonical=True),
    _not_kept(
        "sharedEventID",
        "the Elastic pipeline renames json.sharedEventId, but CloudTrail spells it "
        "sharedEventID, so the field is dropped",
    ),
    _not_kept("vpcEndpointAccountId"),
    _not_kept("sessionCredentialFromConsole"),
    _k("tlsDetails.cipherSuite", "tls.cipher", canonical=True),
    _k("tlsDetails.clientProvidedHostHeader", "tls.client.server_name"),
    _not_kept(
        "tlsDetails.tlsVersion",
        "Elastic splits tlsVersion into tls.version_protocol and tls.version "
        "(TLSv1.3 -> tls, 1.3); match those values in a native Elastic rule",
    ),
    _not_kept("tlsDetails.keyExchange"),
    # userIdentity
    _k("userIdentity.type", f"{_UC}.type", canonical=True),
    _k("userIdentity.principalId", "user.id"),
    _k("userIdentity.arn", f"{_UC}.arn"),
    _k("userIdentity.accountId", "cloud.account.id", canonical=True),
    _k("userIdentity.accessKeyId", f"{_UC}.access_key_id", canonical=True),
    _not_kept(
        "userIdentity.userName",
        "Elastic's user.name holds userIdentity.userName for IAM users but is overwritten with "
        "the session issuer's role name for assumed roles; use userIdentity.arn instead",
    ),
    _k("userIdentity.invokedBy", f"{_UC}.invoked_by", canonical=True),
    _not_kept("userIdentity.identityProvider"),
    _not_kept("userIdentity.credentialId"),
    _k("userIdentity.sessionContext.attributes.mfaAuthenticated", f"{_SC}.mfa_authenticated", True),
    FieldSpec(
        "userIdentity.sessionContext.attributes.creationDate",
        "userIdentity.sessionContext.attributes.creationDate",
        None,
        ElasticKind.DATE,
        elastic_reason="creationDate is stored as a date (non-ISO values dropped); string "
        "matching on it is not meaningful in Elastic",
    ),
    _k("userIdentity.sessionContext.sessionIssuer.type", f"{_SC}.session_issuer.type", True),
    _k(
        "userIdentity.sessionContext.sessionIssuer.principalId",
        f"{_SC}.session_issuer.principal_id",
    ),
    _k("userIdentity.sessionContext.sessionIssuer.arn", f"{_SC}.session_issuer.arn"),
    _k(
        "userIdentity.sessionContext.sessionIssuer.accountId",
        f"{_SC}.session_issuer.account_id",
        canonical=True,
    ),
    _not_kept(
        "userIdentity.sessionContext.sessionIssuer.userName",
        "Elastic moves sessionIssuer.userName into user.name, which also holds IAM user names; "
        "use userIdentity.sessionContext.sessionIssuer.arn instead",
    ),
    _not_kept("userIdentity.sessionContext.sourceIdentity"),
    _not_kept("userIdentity.sessionContext.ec2RoleDelivery"),
    _not_kept("userIdentity.onBehalfOf.userId"),
    _not_kept("userIdentity.onBehalfOf.identityStoreArn"),
    _not_kept(
        "additionalEventData.UserName",
        "newer Elastic pipelines move additionalEventData.UserName into user.name/user.email",
    ),
    # resources[] (an array: Splunk `{}`, Elastic object array with renamed keys)
    FieldSpec("resources.ARN", "resources{}.ARN", "aws.cloudtrail.resources.arn"),
    FieldSpec(
        "resources.accountId",
        "resources{}.accountId",
        "aws.cloudtrail.resources.account_id",
        case_canonical=True,
    ),
    FieldSpec(
        "resources.type",
        "resources{}.type",
        "aws.cloudtrail.resources.type",
        case_canonical=True,
    ),
    # whole objects: never a field
    *(
        FieldSpec(name, None, None, splunk_reason=_WHOLE, elastic_reason=_WHOLE)
        for name in (
            "requestParameters",
            "responseElements",
            "additionalEventData",
            "serviceEventDetails",
            "userIdentity",
            "userIdentity.sessionContext",
            "userIdentity.onBehalfOf",
            "resources",
            "tlsDetails",
            "addendum",
            "edgeDeviceDetails",
            "eventContext",
        )
    ),
)

_FLAT = "aws.cloudtrail.flattened"

# Prefix rules: ``path.<rest>`` -> ``target.<rest>``.
PREFIX_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec(
        "requestParameters",
        "requestParameters",
        f"{_FLAT}.request_parameters",
        ElasticKind.FLATTENED,
        prefix=True,
    ),
    FieldSpec(
        "responseElements",
        "responseElements",
        f"{_FLAT}.response_elements",
        ElasticKind.FLATTENED,
        prefix=True,
    ),
    FieldSpec(
        "additionalEventData",
        "additionalEventData",
        f"{_FLAT}.additional_eventdata",
        ElasticKind.FLATTENED,
        prefix=True,
    ),
    FieldSpec(
        "serviceEventDetails",
        "serviceEventDetails",
        f"{_FLAT}.service_event_details",
        ElasticKind.FLATTENED,
        prefix=True,
    ),
    FieldSpec("userIdentity.onBehalfOf", "userIdentity.onBehalfOf", None, prefix=True),
    FieldSpec(
        "userIdentity.sessionContext.webIdFederationData",
        "userIdentity.sessionContext.webIdFederationData",
        None,
        prefix=True,
    ),
    FieldSpec("addendum", "addendum", None, prefix=True),
    FieldSpec("edgeDeviceDetails", "edgeDeviceDetails", None, prefix=True),
    FieldSpec(
        "eventContext",
        "eventContext",
        None,
        prefix=True,
        elastic_reason="eventContext exists only in CloudTrail Lake enriched event data stores",
    ),
)

# Paths (under any prefix) known to hold JSON arrays. Splunk's JSON extraction names
# a value inside an array with ``{}`` after the array key (``items{}.instanceId``).
# Add a path here when a rule reaches into a new array.
KNOWN_ARRAY_PATHS: frozenset[str] = frozenset(
    {
        "resources",
        "requestParameters.actionConfigurations",
        "requestParameters.blockedPhrasesConfigurationUpdate.blockedPhrasesToCreate",
        "requestParameters.blockedPhrasesConfigurationUpdate.blockedPhrasesToDelete",
        "requestParameters.topicConfigurationsToCreateOrUpdate",
        "requestParameters.topicConfigurationsToDelete",
        "requestParameters.topicConfigurationsToDelete.rules",
        "requestParameters.documents",
        "requestParameters.containerDefinitions",
        "requestParameters.containerDefinitions.command",
        "requestParameters.layers",
        "requestParameters.eventSelectors",
        "requestParameters.advancedEventSelectors",
        "requestParameters.advancedEventSelectors.fieldSelectors",
        "requestParameters.ssoConfiguration.sessionConfiguration.extendedSessionEnabledAppProviders",
        # Amazon Q Developer in chat applications (AWS Chatbot) API: a list of policy ARNs
        "requestParameters.GuardrailPolicyArns",
        # lists in the botocore models of qbusiness (UpdateWebExperience, UpdateDataSource)
        # and qapps (UpdateQAppPermissions)
        "requestParameters.origins",
        "requestParameters.vpcConfiguration.subnetIds",
        "requestParameters.grantPermissions",
        # IAM policy grammar: Statement is one statement or a list of them
        "requestParameters.bucketPolicy.Statement",
        # Rule pack v2 (issue 14): selector values, topic rules, exemptions, browser extensions.
        "requestParameters.advancedEventSelectors.fieldSelectors.equals",
        "requestParameters.advancedEventSelectors.fieldSelectors.startsWith",
        "requestParameters.advancedEventSelectors.fieldSelectors.notEquals",
        "requestParameters.advancedEventSelectors.fieldSelectors.notStartsWith",
        "requestParameters.topicConfigurationsToCreateOrUpdate.rules",
        "requestParameters.topicConfigurationsToCreateOrUpdate.rules.excludedUsersAndGroups.userIds",
        "requestParameters.topicConfigurationsToCreateOrUpdate.rules.excludedUsersAndGroups.userGroups",
        "requestParameters.topicConfigurationsToCreateOrUpdate.rules.includedUsersAndGroups.userIds",
        "requestParameters.browserExtensionConfiguration.enabledBrowserExtensions",
    }
)
# EC2-style ``…Set.items`` lists: every ``items`` segment is an array.
_ARRAY_SEGMENTS = frozenset({"items"})

_EXACT_BY_PATH: dict[str, FieldSpec] = {spec.path: spec for spec in EXACT_FIELDS}
_TOP_LEVEL_KEYS = frozenset(
    {
        "eventVersion",
        "userIdentity",
        "eventTime",
        "eventSource",
        "eventName",
        "awsRegion",
        "sourceIPAddress",
        "userAgent",
        "errorCode",
        "errorMessage",
        "requestParameters",
        "responseElements",
        "additionalEventData",
        "requestID",
        "eventID",
        "readOnly",
        "resources",
        "eventType",
        "apiVersion",
        "managementEvent",
        "recipientAccountId",
        "sharedEventID",
        "vpcEndpointId",
        "vpcEndpointAccountId",
        "eventCategory",
        "addendum",
        "sessionCredentialFromConsole",
        "edgeDeviceDetails",
        "tlsDetails",
        "serviceEventDetails",
        "eventContext",
    }
)
_PATH_RE = re.compile(r"^[A-Za-z0-9_\-@:$]+(\.[A-Za-z0-9_\-@:$]+)*$")


def _prefix_spec(path: str) -> FieldSpec | None:
    for spec in PREFIX_FIELDS:
        if path.startswith(spec.path + ".") and len(path) > len(spec.path) + 1:
            return spec
    return None


def known_cloudtrail_field(path: str) -> bool:
    """True when ``path`` is a CloudTrail path the table knows.

    Known: every exact path (including whole objects, which conversion refuses) and
    any well-formed path under a known prefix (``requestParameters.<key>…``).
    Source: "CloudTrail record contents" and "userIdentity element" (AWS docs).
    """
    if path in _EXACT_BY_PATH:
        return True
    return _PATH_RE.match(path) is not None and _prefix_spec(path) is not None


def suggest_cloudtrail_field(path: str) -> str | None:
    """The known path ``path`` most likely misspells (the same path in other case, else
    the closest by ``difflib`` ratio 0.8 or more, a known prefix's remainder kept:
    ``requestParameter.x`` -> ``requestParameters.x``), or None."""
    candidates = sorted({*_EXACT_BY_PATH, *(spec.path for spec in PREFIX_FIELDS)})
    folded = {candidate.casefold(): candidate for candidate in candidates}
    if path.casefold() in folded:
        return folded[path.casefold()]
    for spec in PREFIX_FIELDS:  # a misspelt prefix, the rest kept: requestParameter.roleName
        segments = path.split(".")
        depth = spec.path.count(".") + 1
        head, rest = ".".join(segments[:depth]), ".".join(segments[depth:])
        if rest and head != spec.path:
            similar = head.casefold() == spec.path.casefold() or (
                difflib.SequenceMatcher(None, head, spec.path).ratio() >= 0.8
            )
            if similar and known_cloudtrail_field(f"{spec.path}.{rest}"):
                return f"{spec.path}.{rest}"
    close = difflib.get_close_matches(path, candidates, n=1, cutoff=0.8)
    return close[0] if close else None


def top_level_keys() -> frozenset[str]:
    """Top-level keys of a CloudTrail record (eventVersion 1.11)."""
    return _TOP_LEVEL_KEYS


def splunk_array_path(path: str) -> str:
    """Splunk's name for a CloudTrail path: ``{}`` after every known array segment.

    >>> splunk_array_path("requestParameters.instancesSet.items.instanceId")
    'requestParameters.instancesSet.items{}.instanceId'
    """
    parts = path.split(".")
    out: list[str] = []
    for index, part in enumerate(parts):
        prefix = ".".join(parts[: index + 1])
        suffix = "{}" if (prefix in KNOWN_ARRAY_PATHS or part in _ARRAY_SEGMENTS) else ""
        # A trailing array of scalars is addressed with {} too (Splunk multivalue).
        out.append(part + suffix)
    return ".".join(out)


def resolve(path: str) -> ResolvedField | None:
    """Resolve a CloudTrail path for every target, or None when the table does not know it.

    Exact entries win over prefix rules. Prefix rules append the rest of the path
    unchanged (Elastic flattened keys keep their case and have no ``[]``), with
    ``{}`` added on Splunk's side after known arrays.
    """
    spec = _EXACT_BY_PATH.get(path)
    if spec is not None:
        return ResolvedField(
            path=path,
            splunk=spec.splunk,
            elastic=spec.elastic,
            sql=path,
            elastic_kind=spec.elastic_kind,
            case_canonical=spec.case_canonical,
            splunk_reason=spec.splunk_reason,
            elastic_reason=spec.elastic_reason,
            elastic_cidr=spec.elastic_cidr,
        )
    if _PATH_RE.match(path) is None:
        return None
    spec = _prefix_spec(path)
    if spec is None:
        return None
    rest = path[len(spec.path) :]
    return ResolvedField(
        path=path,
        splunk=splunk_array_path(path) if spec.splunk is not None else None,
        elastic=spec.elastic + rest if spec.elastic is not None else None,
        sql=path,
        elastic_kind=spec.elastic_kind,
        case_canonical=spec.case_canonical,
        splunk_reason=spec.splunk_reason,
        elastic_reason=spec.elastic_reason or _NOT_KEPT,
        elastic_cidr=None,
    )


def elastic_field_names() -> frozenset[str]:
    """Every exact Elastic field name the table can emit (prefix fields excluded)."""
    names = {spec.elastic for spec in EXACT_FIELDS if spec.elastic}
    names.update(spec.elastic_cidr for spec in EXACT_FIELDS if spec.elastic_cidr)
    return frozenset(names)


def elastic_prefixes() -> tuple[str, ...]:
    """Elastic prefixes under which any sub-key is a field (``…flattened.request_parameters``)."""
    return tuple(spec.elastic for spec in PREFIX_FIELDS if spec.elastic)


def splunk_field_names() -> frozenset[str]:
    """Every exact Splunk field name the table can emit (prefix fields excluded)."""
    return frozenset(spec.splunk for spec in EXACT_FIELDS if spec.splunk)


def splunk_prefixes() -> tuple[str, ...]:
    """Splunk prefixes under which any sub-key is a valid field."""
    return tuple(spec.splunk for spec in PREFIX_FIELDS if spec.splunk)


# --------------------------------------------------------------------------- case enumerations
# Values AWS writes in one fixed case, per field. A rule value that equals one of them
# case-insensitively but not exactly is a wrong-case spelling: case-insensitive targets
# (Splunk, EQL ``:``, replay) still match, case-sensitive keyword fields (Lucene, ES|QL)
# silently do not. Sources: "CloudTrail userIdentity element" (identity types),
# "CloudTrail record contents" (eventType, eventCategory, readOnly, managementEvent),
# and AWS error codes common to the services the pack watches (IAM, STS, EC2, S3 and
# the botocore service models' error shapes for the Amazon Q services).
CASE_ENUMERATIONS: dict[str, tuple[str, ...]] = {
    "userIdentity.type": (
        "Root",
        "IAMUser",
        "AssumedRole",
        "Role",
        "FederatedUser",
        "Directory",
        "AWSAccount",
        "AWSService",
        "Unknown",
        "IdentityCenterUser",
        "SAMLUser",
        "WebIdentityUser",
    ),
    "userIdentity.sessionContext.sessionIssuer.type": ("Root", "IAMUser", "Role"),
    "eventType": (
        "AwsApiCall",
        "AwsServiceEvent",
        "AwsConsoleAction",
        "AwsConsoleSignIn",
        "AwsCloudTrailInsight",
        "AwsVpceEvent",
    ),
    "eventCategory": ("Management", "Data", "NetworkActivity", "Insight"),
    "readOnly": ("true", "false"),
    "managementEvent": ("true", "false"),
    "userIdentity.sessionContext.attributes.mfaAuthenticated": ("true", "false"),
    "errorCode": (
        "AccessDenied",
        "AccessDeniedException",
        "UnauthorizedOperation",
        "Client.UnauthorizedOperation",
        "UnauthorizedAccess",
        "InvalidClientTokenId",
        "ExpiredToken",
        "ExpiredTokenException",
        "SignatureDoesNotMatch",
        "ThrottlingException",
        "Throttling",
        "ValidationException",
        "ResourceNotFoundException",
        "ConflictException",
        "ServiceQuotaExceededException",
        "InternalServerException",
        "NoSuchEntity",
        "NoSuchEntityException",
        "NoSuchBucket",
        "NoSuchKey",
        "EntityAlreadyExists",
        "LimitExceeded",
        "LimitExceededException",
        "MalformedPolicyDocument",
        "InvalidParameterValue",
        "InvalidParameterValueException",
        "RequestExpired",
        "OptInRequired",
        "LicenseAccessException",
        "ExternalResourceException",
        "success",
    ),
}


def canonical_spelling(path: str, text: str) -> str | None:
    """The canonical AWS spelling of ``text`` for ``path``, or None when not enumerated.

    Returns the enumeration member equal to ``text`` ignoring case (``assumedrole`` ->
    ``AssumedRole``); None when ``path`` has no enumeration here or ``text`` is not a
    member in any case. Source of the lists: ``CASE_ENUMERATIONS``.
    """
    members = CASE_ENUMERATIONS.get(path)
    if members is None:
        return None
    folded = text.casefold()
    for member in members:
        if member.casefold() == folded:
            return member
    return None


def is_wrong_case(path: str, text: str) -> bool:
    """True when ``text`` names an enumerated AWS value for ``path`` in a non-canonical case."""
    canonical = canonical_spelling(path, text)
    return canonical is not None and canonical != text


# --------------------------------------------------------------------------- Elastic custom
# The ingest pipeline ``logs-aws.cloudtrail@custom`` that sigmaq ships restores CloudTrail
# values the integration drops, and keyword copies of ``flattened`` leaves, under one
# namespace: ``sigmaq.cloudtrail.<CloudTrail path, unchanged>`` (keyword).
ELASTIC_CUSTOM_PREFIX = "sigmaq.cloudtrail"


def elastic_custom_name(path: str) -> str:
    """The keyword field the sigmaq custom pipeline writes for CloudTrail ``path``."""
    return f"{ELASTIC_CUSTOM_PREFIX}.{path}"


# Lower-cased keyword copies the same pipeline writes (Elasticsearch ``lowercase``
# processor) for the fields Kibana threshold rules group on and EQL sequences join by:
# ``sigmaq.lower.<CloudTrail path, unchanged>``.
ELASTIC_LOWER_PREFIX = "sigmaq.lower"


def elastic_lower_name(path: str) -> str:
    """The lower-cased keyword copy the sigmaq custom pipeline writes for ``path``."""
    return f"{ELASTIC_LOWER_PREFIX}.{path}"


def elastic_custom_restorable(path: str) -> bool:
    """True when the sigmaq custom pipeline can provide ``path`` as a keyword field.

    Restorable: a leaf the integration drops (``userIdentity.onBehalfOf.userId``,
    ``sessionCredentialFromConsole``, ``userIdentity.userName`` …), or a leaf of a
    ``flattened`` object (``requestParameters.policyArn``), which then becomes an
    ordinary keyword (wildcards, regexps, EQL and ES|QL work on it). Not restorable:
    whole objects, dates, unknown paths.
    """
    resolved = resolve(path)
    if resolved is None or path in _WHOLE_OBJECTS:
        return False
    if resolved.elastic_kind is ElasticKind.DATE:
        return False
    if resolved.elastic_kind is ElasticKind.FLATTENED:
        return True
    return (
        resolved.elastic is None and path != "eventContext" and not path.startswith("eventContext.")
    )


_WHOLE_OBJECTS = frozenset(
    spec.path for spec in EXACT_FIELDS if spec.elastic is None and spec.elastic_reason == _WHOLE
)


def aws_access(target: str, path: str) -> aws_tables.Access | aws_tables.NoAccess:
    """How an AWS-native target (``athena``, ``cloudtrail_lake``, ``logs_insights``) reads
    ``path``, with the arrays this table knows (``KNOWN_ARRAY_PATHS``); see
    ``sigmaq.core.aws_tables``. Raises ValueError for another target."""
    return aws_tables.access(target, path, KNOWN_ARRAY_PATHS)
