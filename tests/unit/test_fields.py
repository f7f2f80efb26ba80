"""The CloudTrail field table (sigmaq.core.fields)."""

from __future__ import annotations

import pytest

from sigmaq.core import fields
from sigmaq.core.fields import ElasticKind


@pytest.mark.parametrize(
    ("path", "splunk", "elastic"),
    [
        ("eventSource", "eventSource", "event.provider"),
        ("eventName", "eventName", "event.action"),
        ("userIdentity.accountId", "userIdentity.accountId", "cloud.account.id"),
        (
            "userIdentity.invokedBy",
            "userIdentity.invokedBy",
            "aws.cloudtrail.user_identity.invoked_by",
        ),
        ("resources.ARN", "resources{}.ARN", "aws.cloudtrail.resources.arn"),
        ("resources.accountId", "resources{}.accountId", "aws.cloudtrail.resources.account_id"),
        ("sourceIPAddress", "sourceIPAddress", "source.address"),
        (
            "tlsDetails.clientProvidedHostHeader",
            "tlsDetails.clientProvidedHostHeader",
            "tls.client.server_name",
        ),
        (
            "requestParameters.applicationId",
            "requestParameters.applicationId",
            "aws.cloudtrail.flattened.request_parameters.applicationId",
        ),
        (
            "additionalEventData.MFAUsed",
            "additionalEventData.MFAUsed",
            "aws.cloudtrail.flattened.additional_eventdata.MFAUsed",
        ),
        (
            "requestParameters.instancesSet.items.instanceId",
            "requestParameters.instancesSet.items{}.instanceId",
            "aws.cloudtrail.flattened.request_parameters.instancesSet.items.instanceId",
        ),
    ],
)
def test_resolve_maps_each_target(path: str, splunk: str, elastic: str) -> None:
    resolved = fields.resolve(path)
    assert resolved is not None
    assert resolved.name_for("splunk") == splunk
    assert resolved.name_for("elastic") == elastic
    assert resolved.name_for("sql") == path


@pytest.mark.parametrize(
    "path",
    [
        "userIdentity.onBehalfOf.userId",
        "userIdentity.onBehalfOf.identityStoreArn",
        "userIdentity.credentialId",
        "userIdentity.userName",
        "sharedEventID",
        "sessionCredentialFromConsole",
    ],
)
def test_fields_the_elastic_integration_drops_carry_a_reason(path: str) -> None:
    resolved = fields.resolve(path)
    assert resolved is not None and resolved.elastic is None
    assert resolved.reason_for("elastic")
    assert resolved.splunk == path


@pytest.mark.parametrize("path", ["requestParameters", "responseElements", "userIdentity"])
def test_whole_objects_are_known_but_not_fields(path: str) -> None:
    resolved = fields.resolve(path)
    assert resolved is not None
    assert resolved.splunk is None and resolved.elastic is None
    assert "whole object" in resolved.reason_for("splunk")
    assert fields.known_cloudtrail_field(path)


@pytest.mark.parametrize(
    ("path", "known"),
    [
        ("eventName", True),
        ("requestParameters.idc-application-arn", True),
        ("responseElements.result.content.text.body", True),
        ("status", False),
        ("src_ip", False),
        ("requestParameters.", False),
        ("userIdentity.nonsense", False),
        ("requestParameters..x", False),
    ],
)
def test_known_cloudtrail_field(path: str, known: bool) -> None:
    assert fields.known_cloudtrail_field(path) is known


def test_unknown_path_resolves_to_none() -> None:
    assert fields.resolve("status") is None


def test_kinds_follow_the_integration_mapping() -> None:
    assert fields.resolve("readOnly").elastic_kind is ElasticKind.BOOLEAN  # type: ignore[union-attr]
    managed = fields.resolve("managementEvent")
    assert managed is not None and managed.elastic_kind is ElasticKind.KEYWORD_BOOLEAN
    flat = fields.resolve("requestParameters.x")
    assert flat is not None and flat.elastic_kind is ElasticKind.FLATTENED
    source = fields.resolve("sourceIPAddress")
    assert source is not None and source.elastic_cidr == "source.ip"


def test_every_top_level_key_is_known() -> None:
    for key in fields.top_level_keys():
        assert fields.known_cloudtrail_field(key), key


def test_name_for_unknown_target_raises() -> None:
    resolved = fields.resolve("eventName")
    assert resolved is not None
    with pytest.raises(ValueError, match="unknown field target"):
        resolved.name_for("qradar")


@pytest.mark.parametrize(
    ("path", "suggestion"),
    [
        ("eventSorce", "eventSource"),
        ("errorcode", "errorCode"),
        ("sourceIpAddress", "sourceIPAddress"),
        ("userIdentity.arm", "userIdentity.arn"),
        ("requestParameter.roleName", "requestParameters.roleName"),
        ("additionalEventdata.x", "additionalEventData.x"),
        ("somethingElse", None),
    ],
)
def test_a_misspelt_path_gets_the_known_one_it_is_closest_to(
    path: str, suggestion: str | None
) -> None:
    assert not fields.known_cloudtrail_field(path)
    found = fields.suggest_cloudtrail_field(path)
    assert found == suggestion
    assert found is None or fields.known_cloudtrail_field(found)
