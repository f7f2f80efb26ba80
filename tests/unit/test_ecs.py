"""sigmaq.export.ecs: CloudTrail record -> the document the Elastic integration indexes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sigmaq.export.ecs import java_map_string, lookup, to_ecs

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
PIPELINE_TESTS = (
    SHARED / "data" / "external" / "elastic-integrations-aws-cloudtrail" / "pipeline-tests"
)

RECORD = {
    "eventVersion": "1.09",
    "userIdentity": {
        "type": "AssumedRole",
        "arn": "arn:aws:sts::123456789012:assumed-role/QRole/s",
        "accountId": "123456789012",
        "invokedBy": "q.amazonaws.com",
        "onBehalfOf": {
            "userId": "u-1",
            "identityStoreArn": "arn:aws:identitystore::123456789012:identitystore/d-1",
        },
        "sessionContext": {"sessionIssuer": {"type": "Role", "userName": "QRole"}},
    },
    "eventTime": "2026-03-02T09:15:03Z",
    "eventSource": "qbusiness.amazonaws.com",
    "eventName": "ChatSync",
    "sourceIPAddress": "q.amazonaws.com",
    "requestParameters": {"applicationId": "a1", "chatMode": "PLUGIN_MODE"},
    "responseElements": None,
    "resources": [
        {"accountId": "123456789012", "type": "AWS::QBusiness::Application", "ARN": "arn:x"}
    ],
    "managementEvent": False,
    "errorCode": "",
}


def test_placement_of_core_fields() -> None:
    doc = to_ecs(RECORD)
    assert lookup(doc, "event.provider") == "qbusiness.amazonaws.com"
    assert lookup(doc, "aws.cloudtrail.user_identity.invoked_by") == "q.amazonaws.com"
    assert lookup(doc, "source.address") == "q.amazonaws.com"
    assert lookup(doc, "source.ip") is None  # not an IP
    assert lookup(doc, "aws.cloudtrail.flattened.request_parameters.chatMode") == "PLUGIN_MODE"
    assert lookup(doc, "aws.cloudtrail.resources.arn") == ["arn:x"]
    assert lookup(doc, "user.name") == "QRole"
    assert lookup(doc, "@timestamp") == "2026-03-02T09:15:03.000Z"


def test_dropped_fields_and_empty_values() -> None:
    doc = to_ecs(RECORD)
    assert "onBehalfOf" not in json.dumps(doc)
    assert lookup(doc, "aws.cloudtrail.error_code") is None  # '' dropped
    assert lookup(doc, "event.outcome") == "success"
    assert lookup(doc, "aws.cloudtrail.response_elements") is None


def test_java_map_string_uses_hashmap_order() -> None:
    value = {"MobileVersion": "No", "LoginTo": "https://x", "MFAUsed": "No"}
    assert java_map_string(value) == "{LoginTo=https://x, MobileVersion=No, MFAUsed=No}"
    assert java_map_string({"a": [True, 1, {"b": None}]}) == "{a=[true, 1, {b=null}]}"


def test_rejects_non_objects() -> None:
    with pytest.raises(TypeError):
        to_ecs([])  # type: ignore[arg-type]


def _leaves(node: object, prefix: str = "") -> list[tuple[str, object]]:
    if isinstance(node, dict):
        out: list[tuple[str, object]] = []
        for key, value in node.items():
            out.extend(_leaves(value, f"{prefix}{key}."))
        return out
    return [(prefix[:-1], node)]


def _expected_cases() -> list[tuple[str, int]]:
    if not PIPELINE_TESTS.is_dir():
        return []
    cases = []
    for expected in sorted(PIPELINE_TESTS.glob("*-expected.json")):
        count = len(json.loads(expected.read_text())["expected"])
        cases.extend((expected.name, index) for index in range(count))
    return cases


@pytest.mark.external
@pytest.mark.parametrize(("name", "index"), _expected_cases() or [("absent", 0)])
def test_matches_elastic_pipeline_expected_documents(name: str, index: int) -> None:
    if not PIPELINE_TESTS.is_dir():
        pytest.skip(f"shared data absent: {PIPELINE_TESTS}")
    expected_path = PIPELINE_TESTS / name
    raw_path = PIPELINE_TESTS / name.removesuffix("-expected.json")
    records = [json.loads(line) for line in raw_path.read_text().splitlines() if line.strip()]
    expected = json.loads(expected_path.read_text())["expected"][index]
    got = to_ecs(records[index])
    leaves = _leaves(got)
    assert leaves, "empty document"
    for field, value in leaves:
        assert lookup(expected, field) == value, field
