"""``sigmaq.validate.record_schema``: the CloudTrail record schema on inline records."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from sigmaq.validate.record_schema import is_valid_record, record_schema, validate_record


def assumed_role() -> dict[str, Any]:
    return {
        "type": "AssumedRole",
        "principalId": "AROAEXAMPLE:alice@example.com",
        "arn": "arn:aws:sts::123456789012:assumed-role/PowerUser/alice@example.com",
        "accountId": "123456789012",
        "accessKeyId": "ASIAEXAMPLEEXAMPLE01",
        "sessionContext": {
            "sessionIssuer": {
                "type": "Role",
                "principalId": "AROAEXAMPLE",
                "arn": "arn:aws:iam::123456789012:role/PowerUser",
                "accountId": "123456789012",
                "userName": "PowerUser",
            },
            "webIdFederationData": {},
            "attributes": {"creationDate": "2026-11-24T08:00:00Z", "mfaAuthenticated": "false"},
        },
    }


def base_record() -> dict[str, Any]:
    """A Q Developer console-chat SendMessage as the AWS doc sample shows it."""
    return {
        "eventVersion": "1.11",
        "userIdentity": assumed_role(),
        "eventTime": "2026-11-24T09:15:03Z",
        "eventSource": "q.amazonaws.com",
        "eventName": "SendMessage",
        "awsRegion": "us-east-1",
        "sourceIPAddress": "198.51.100.23",
        "userAgent": "Mozilla/5.0",
        "requestParameters": {"utterance": "***", "source": "CONSOLE"},
        "responseElements": None,
        "requestID": "19b3c30e-906e-4b7f-b5c3-509f67248655",
        "eventID": "a552c487-7d97-403a-8ec4-d49539c7a03d",
        "readOnly": False,
        "eventType": "AwsApiCall",
        "managementEvent": True,
        "recipientAccountId": "123456789012",
        "eventCategory": "Management",
        "tlsDetails": {
            "tlsVersion": "TLSv1.3",
            "cipherSuite": "TLS_AES_128_GCM_SHA256",
            "clientProvidedHostHeader": "q.us-east-1.amazonaws.com",
        },
        "sessionCredentialFromConsole": "true",
    }


def data_event() -> dict[str, Any]:
    """A Q Developer IDE completion: a data event by an IdentityCenterUser."""
    record = base_record()
    record.pop("sessionCredentialFromConsole")
    record.update(
        {
            "eventSource": "codewhisperer.amazonaws.com",
            "eventName": "GenerateCompletions",
            "userIdentity": {
                "type": "IdentityCenterUser",
                "accountId": "123456789012",
                "onBehalfOf": {
                    "userId": "94d00cd8-e9e6-4810-b177-b08e84775435",
                    "identityStoreArn": (
                        "arn:aws:identitystore::123456789012:identitystore/d-1234567890"
                    ),
                },
                "credentialId": "EXAMPLEcredentialEXAMPLE",
            },
            "managementEvent": False,
            "eventCategory": "Data",
            "resources": [
                {
                    "accountId": "123456789012",
                    "type": "AWS::CodeWhisperer::Profile",
                    "ARN": "arn:aws:codewhisperer:us-east-1:123456789012:profile/EXAMPLE",
                }
            ],
        }
    )
    return record


def test_valid_records_pass() -> None:
    assert validate_record(base_record()) == []
    assert validate_record(data_event()) == []
    assert is_valid_record(base_record())


def test_schema_is_cached_and_draft_2020_12() -> None:
    assert record_schema() is record_schema()
    assert record_schema()["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def _set(record: dict[str, Any], path: str, value: Any) -> None:
    target: Any = record
    keys = path.split(".")
    for key in keys[:-1]:
        target = target[int(key)] if isinstance(target, list) else target[key]
    if value is _DELETE:
        del target[keys[-1]]
    else:
        target[keys[-1]] = value


_DELETE = object()

# (what is wrong, record factory, dotted path to change, new value, expected message path)
BROKEN = [
    ("readOnly as string", base_record, "readOnly", "false", "$.readOnly"),
    ("managementEvent as string", base_record, "managementEvent", "true", "$.managementEvent"),
    (
        "console flag as boolean",
        base_record,
        "sessionCredentialFromConsole",
        True,
        "$.sessionCredentialFromConsole",
    ),
    ("category casing", base_record, "eventCategory", "management", "$.eventCategory"),
    ("unknown eventType", base_record, "eventType", "ApiCall", "$.eventType"),
    ("time with offset", base_record, "eventTime", "2026-11-24T09:15:03+00:00", "$.eventTime"),
    ("time with fraction", base_record, "eventTime", "2026-11-24T09:15:03.123Z", "$.eventTime"),
    ("impossible month", base_record, "eventTime", "2026-13-24T09:15:03Z", "$.eventTime"),
    ("one-digit minor version", base_record, "eventVersion", "1.8", "$.eventVersion"),
    ("missing eventID", base_record, "eventID", _DELETE, "$"),
    ("missing userIdentity", base_record, "userIdentity", _DELETE, "$"),
    ("typo in top-level key", base_record, "sourceIpAddress", "198.51.100.23", "$"),
    ("11-digit account", base_record, "recipientAccountId", "12345678901", "$.recipientAccountId"),
    (
        "mfa as boolean",
        base_record,
        "userIdentity.sessionContext.attributes.mfaAuthenticated",
        False,
        "$.userIdentity.sessionContext.attributes.mfaAuthenticated",
    ),
    (
        "assumed role without session",
        base_record,
        "userIdentity.sessionContext",
        _DELETE,
        "$.userIdentity",
    ),
    (
        "assumed role with user ARN",
        base_record,
        "userIdentity.arn",
        "arn:aws:iam::123456789012:user/Mary",
        "$.userIdentity.arn",
    ),
    ("unknown tls key", base_record, "tlsDetails.tlsCipher", "x", "$.tlsDetails"),
    ("bad source ip", base_record, "sourceIPAddress", "not an address!", "$.sourceIPAddress"),
    ("data event flagged management", data_event, "managementEvent", True, "$.managementEvent"),
    (
        "idc user without onBehalfOf",
        data_event,
        "userIdentity.onBehalfOf",
        _DELETE,
        "$.userIdentity",
    ),
    ("lower-case resource arn key", data_event, "resources.0.ARN", _DELETE, "$.resources[0]"),
    (
        "bad resource type",
        data_event,
        "resources.0.type",
        "QBusiness Application",
        "$.resources[0].type",
    ),
    ("requestParameters as string", base_record, "requestParameters", "x=1", "$.requestParameters"),
]


@pytest.mark.parametrize(
    ("factory", "path", "value", "where"),
    [case[1:] for case in BROKEN],
    ids=[case[0] for case in BROKEN],
)
def test_broken_record_is_reported_with_path(
    factory: Any, path: str, value: Any, where: str
) -> None:
    record = factory()
    _set(record, path, value)
    messages = validate_record(record)
    assert messages, "expected a schema violation"
    assert any(m.startswith(f"{where}: ") for m in messages), messages


@pytest.mark.parametrize(
    "address", ["q.amazonaws.com", "AWS Internal", "2001:db8::1", "035.249.253.232"]
)
def test_source_ip_forms_seen_in_real_data_are_accepted(address: str) -> None:
    record = base_record()
    record["sourceIPAddress"] = address
    assert validate_record(record) == []


def test_service_event_without_identity_type() -> None:
    """Service events in real trails carry only accountId and invokedBy."""
    record = base_record()
    record["userIdentity"] = {"accountId": "123456789012", "invokedBy": "ec2.amazonaws.com"}
    record["eventType"] = "AwsServiceEvent"
    assert validate_record(record) == []
    del record["userIdentity"]["invokedBy"]
    assert validate_record(record) == ["$.userIdentity: 'invokedBy' is a required property"]


def test_identity_enhanced_role_session_is_accepted() -> None:
    record = base_record()
    record["userIdentity"]["onBehalfOf"] = copy.deepcopy(data_event()["userIdentity"]["onBehalfOf"])
    assert validate_record(record) == []


@pytest.mark.parametrize("value", [None, [], "record", 3])
def test_non_object_is_reported_not_raised(value: Any) -> None:
    assert validate_record(value) == [f"$: {value!r} is not of type 'object'"]


def test_event_category_required_from_1_07() -> None:
    record = base_record()
    del record["eventCategory"]
    assert validate_record(record) == ["$: 'eventCategory' is a required property"]
    record["eventVersion"] = "1.05"
    assert validate_record(record) == []
