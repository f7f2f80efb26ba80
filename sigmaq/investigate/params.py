"""The request keys that matter in one CloudTrail record, as short ``(key, value)`` pairs.

Evidence shows these next to eventTime, principal and eventName. Nested keys come from a
small table of Amazon Q and IAM calls (key names from the API models, see
``../shared/docs/amazon-q-cloudtrail.md`` §2.1.3); everything else falls back to the
top-level identifiers of ``requestParameters`` (names ending in ``Name``, ``Id``, ``Arn``…)
and, for create calls, the identifiers of ``responseElements`` (prefixed ``response.``).
Values are flattened to text and cut to ``MAX_VALUE`` characters; at most ``MAX_PAIRS``
pairs are returned, so evidence stays small whatever the record holds.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

MAX_VALUE = 120
MAX_PAIRS = 8
MAX_LIST = 3

Pairs = tuple[tuple[str, str], ...]

# (eventSource, eventName) -> dotted paths ("[]" walks a list) in requestParameters,
# "response." paths in responseElements.
_SPECIFIC: dict[tuple[str, str], tuple[str, ...]] = {
    ("qbusiness.amazonaws.com", "CreateApplication"): (
        "displayName",
        "identityType",
        "roleArn",
        "response.applicationId",
    ),
    ("qbusiness.amazonaws.com", "CreatePlugin"): (
        "applicationId",
        "displayName",
        "type",
        "serverUrl",
        "authConfiguration",
        "response.pluginId",
    ),
    ("qbusiness.amazonaws.com", "UpdatePlugin"): (
        "applicationId",
        "pluginId",
        "state",
        "serverUrl",
        "authConfiguration",
    ),
    ("qbusiness.amazonaws.com", "Chat"): (
        "applicationId",
        "chatMode",
        "chatModeConfiguration.pluginConfiguration.pluginId",
        "actionExecution.pluginId",
        "attachments[].name",
        "conversationId",
    ),
    ("qbusiness.amazonaws.com", "BatchPutDocument"): (
        "applicationId",
        "indexId",
        "documents[].id",
        "documents[].contentType",
        "documents[].content.s3.bucket",
    ),
    ("qbusiness.amazonaws.com", "BatchDeleteDocument"): (
        "applicationId",
        "indexId",
        "documents[].documentId",
    ),
    ("qbusiness.amazonaws.com", "CreateDataAccessor"): (
        "applicationId",
        "principal",
        "actionConfigurations[].action",
        "response.dataAccessorId",
    ),
    ("qbusiness.amazonaws.com", "UpdateDataAccessor"): (
        "applicationId",
        "dataAccessorId",
        "actionConfigurations[].action",
    ),
    ("qbusiness.amazonaws.com", "CreateDataSource"): (
        "applicationId",
        "indexId",
        "displayName",
        "configuration.type",
        "documentEnrichmentConfiguration.preExtractionHookConfiguration.lambdaArn",
        "documentEnrichmentConfiguration.postExtractionHookConfiguration.lambdaArn",
        "response.dataSourceId",
    ),
    ("qbusiness.amazonaws.com", "CreateRetriever"): (
        "applicationId",
        "type",
        "displayName",
        "configuration.nativeIndexConfiguration.indexId",
        "configuration.kendraIndexConfiguration.indexId",
        "response.retrieverId",
    ),
    ("qbusiness.amazonaws.com", "CreateWebExperience"): (
        "applicationId",
        "title",
        "origins",
        "identityProviderConfiguration",
        "response.webExperienceId",
    ),
    ("qbusiness.amazonaws.com", "AssociatePermission"): (
        "applicationId",
        "statementId",
        "actions",
        "principal",
    ),
    # Changes (containment step 7 quotes what they set): the botocore input members that
    # re-point, widen or weaken what Amazon Q reaches.
    ("qbusiness.amazonaws.com", "UpdateApplication"): (
        "applicationId",
        "displayName",
        "roleArn",
        "identityCenterInstanceArn",
        "attachmentsConfiguration.attachmentsControlMode",
        "qAppsConfiguration.qAppsControlMode",
        "personalizationConfiguration.personalizationControlMode",
        "autoSubscriptionConfiguration.autoSubscribe",
    ),
    ("qbusiness.amazonaws.com", "UpdateIndex"): (
        "applicationId",
        "indexId",
        "displayName",
        "capacityConfiguration.units",
        "documentAttributeConfigurations[].name",
    ),
    ("qbusiness.amazonaws.com", "UpdateRetriever"): (
        "applicationId",
        "retrieverId",
        "displayName",
        "configuration.nativeIndexConfiguration.indexId",
        "configuration.kendraIndexConfiguration.indexId",
        "roleArn",
    ),
    ("qbusiness.amazonaws.com", "UpdateDataSource"): (
        "applicationId",
        "indexId",
        "dataSourceId",
        "displayName",
        "configuration.type",
        "roleArn",
        "documentEnrichmentConfiguration.preExtractionHookConfiguration.lambdaArn",
        "documentEnrichmentConfiguration.postExtractionHookConfiguration.lambdaArn",
    ),
    ("qbusiness.amazonaws.com", "UpdateWebExperience"): (
        "applicationId",
        "webExperienceId",
        "origins",
        "roleArn",
        "identityProviderConfiguration",
        "authenticationConfiguration",
        "browserExtensionConfiguration.enabledBrowserExtensions",
        "title",
    ),
    ("qbusiness.amazonaws.com", "UpdateChatControlsConfiguration"): (
        "applicationId",
        "responseScope",
        "orchestrationConfiguration.control",
        "creatorModeConfiguration.creatorModeControl",
        "hallucinationReductionConfiguration.hallucinationReductionControl",
        "blockedPhrasesConfigurationUpdate.blockedPhrasesToDelete",
        "topicConfigurationsToDelete[].name",
        "topicConfigurationsToCreateOrUpdate[].name",
    ),
    ("qbusiness.amazonaws.com", "SearchRelevantContent"): (
        "applicationId",
        "contentSource.retriever.retrieverId",
    ),
    ("qapps.amazonaws.com", "ImportDocument"): ("appId", "fileName", "scope"),
    ("qapps.amazonaws.com", "CreatePresignedUrl"): ("appId", "fileName", "scope"),
    ("qapps.amazonaws.com", "UpdateQAppPermissions"): (
        "appId",
        "grantPermissions[].action",
        "grantPermissions[].principal",
    ),
    ("codewhisperer.amazonaws.com", "CreateUploadUrl"): (
        "artifactType",
        "uploadIntent",
        "uploadContext",
        "profileArn",
    ),
    ("codewhisperer.amazonaws.com", "GenerateCompletions"): (
        "userContext.ideCategory",
        "fileContext.programmingLanguage.languageName",
        "customizationArn",
        "profileArn",
    ),
    ("ec2.amazonaws.com", "TerminateInstances"): ("instancesSet.items[].instanceId",),
    ("ec2.amazonaws.com", "StopInstances"): ("instancesSet.items[].instanceId", "force"),
    ("ec2.amazonaws.com", "RebootInstances"): ("instancesSet.items[].instanceId", "dryRun"),
    ("ec2.amazonaws.com", "RunInstances"): (
        "instancesSet.items[].imageId",
        "instanceType",
        "response.instancesSet.items[].instanceId",
    ),
    ("s3.amazonaws.com", "DeleteObjects"): ("bucketName", "delete.Object[].Key"),
    ("iam.amazonaws.com", "CreateAccessKey"): ("userName", "response.accessKey.accessKeyId"),
    ("iam.amazonaws.com", "CreatePolicy"): ("policyName", "response.policy.arn"),
    ("iam.amazonaws.com", "CreateUser"): ("userName", "response.user.arn"),
}

_ID_SUFFIXES = (
    "Name",
    "Id",
    "Ids",
    "Arn",
    "ARN",
    "Identifier",
    "Type",
    "Status",
    "Mode",
    "key",
    "Key",
    "Url",
)
_ALWAYS = frozenset(["principal", "type", "status", "key", "bucketName", "name", "title"])
_SKIP = frozenset(["clientToken", "Host", "userMessage", "utterance", "conversationToken"])


def _flat(value: Any) -> str:
    if isinstance(value, dict):
        text = ",".join(sorted(str(k) for k in value)) or "{}"
    elif isinstance(value, list):
        parts = [_flat(v) for v in value[:MAX_LIST]]
        more = f",+{len(value) - MAX_LIST}" if len(value) > MAX_LIST else ""
        text = ",".join(parts) + more
    elif isinstance(value, bool):
        text = "true" if value else "false"
    else:
        text = str(value)
    return text if len(text) <= MAX_VALUE else text[: MAX_VALUE - 1] + "…"


Segments = tuple[tuple[str, bool], ...]
_COMPILED: dict[str, Segments] = {}


def _segments(path: str) -> Segments:
    """``a[].b`` -> ``(("a", True), ("b", False))`` (cached: paths come from tables)."""
    found = _COMPILED.get(path)
    if found is None:
        found = tuple(
            (part[:-2], True) if part.endswith("[]") else (part, False) for part in path.split(".")
        )
        if len(_COMPILED) < 10_000:
            _COMPILED[path] = found
    return found


def values_at(obj: Any, path: str) -> list[Any]:
    """Every non-empty value at a dotted ``path`` of ``obj``; ``name[]`` walks each list
    element.

    >>> values_at({"a": [{"b": 1}, {"b": 2}]}, "a[].b")
    [1, 2]
    """
    current = [obj]
    for key, walk in _segments(path):
        following: list[Any] = []
        for item in current:
            if type(item) is dict and key in item:
                value = item[key]
                if walk and type(value) is list:
                    following.extend(value)
                else:
                    following.append(value)
        if not following:
            return following
        current = following
    return [v for v in current if v is not None and v != ""]


def first_text(obj: Any, *paths: str) -> str | None:
    """The first non-empty string (or number, as text) found at any of ``paths``."""
    for path in paths:
        for value in values_at(obj, path):
            if isinstance(value, str) and value:
                return value
            if isinstance(value, int | float) and not isinstance(value, bool):
                return str(value)
    return None


def _at(event: Mapping[str, Any], path: str) -> list[Any]:
    if path.startswith("response."):
        return values_at(event.get("responseElements"), path[len("response.") :])
    return values_at(event.get("requestParameters"), path)


def request_keys(event: Mapping[str, Any]) -> Pairs:
    """The ``(key, value)`` pairs evidence shows for ``event`` (at most ``MAX_PAIRS``)."""
    source = event.get("eventSource")
    name = event.get("eventName")
    if name == "ChatSync":
        name = "Chat"
    specific = (
        _SPECIFIC.get((source, name)) if isinstance(source, str) and isinstance(name, str) else None
    )
    pairs: list[tuple[str, str]] = []
    if specific:
        for path in specific:
            found = _at(event, path)
            if found:
                pairs.append((path, _flat(found if len(found) > 1 else found[0])))
    else:
        pairs.extend(_generic(event.get("requestParameters"), ""))
        if isinstance(name, str) and name.startswith("Create"):
            pairs.extend(_generic(event.get("responseElements"), "response.", depth=1))
    unique = list(dict.fromkeys(pairs))
    return tuple(unique[:MAX_PAIRS])


def _generic(params: Any, prefix: str, depth: int = 0) -> Iterator[tuple[str, str]]:
    if not isinstance(params, dict):
        return
    for key, value in params.items():
        if not isinstance(key, str) or key in _SKIP:
            continue
        if isinstance(value, dict) and depth > 0:
            yield from _generic(value, f"{prefix}{key}.", depth - 1)
            continue
        if not (key in _ALWAYS or key.endswith(_ID_SUFFIXES)):
            continue
        if value is None or value == "" or isinstance(value, dict):
            continue
        if isinstance(value, list) and not all(isinstance(v, str | int) for v in value):
            continue
        yield (f"{prefix}{key}", _flat(value))
