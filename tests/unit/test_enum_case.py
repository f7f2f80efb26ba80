"""Wrong-case values of enumerated CloudTrail fields: a finding, never a silent miss."""

from __future__ import annotations

import pytest
from sigma.rule import SigmaRule

from sigmaq.validate.house import house_validators
from sigmaq.validate.house.enum_case import SigmaqEnumCaseValidator


def _rule(field: str, value: str) -> SigmaRule:
    return SigmaRule.from_dict(
        {
            "title": "T",
            "logsource": {"product": "aws", "service": "cloudtrail"},
            "detection": {
                "sel": {"eventSource": "iam.amazonaws.com", field: value},
                "condition": "sel",
            },
        }
    )


@pytest.mark.parametrize(
    ("field", "value", "canonical"),
    [
        ("userIdentity.type", "assumedrole", "AssumedRole"),
        ("errorCode", "accessdeniedexception", "AccessDeniedException"),
        ("eventType", "AWSAPICALL", "AwsApiCall"),
        ("eventCategory", "data", "Data"),
    ],
)
def test_wrong_case_is_a_finding(field: str, value: str, canonical: str) -> None:
    issues = SigmaqEnumCaseValidator().validate(_rule(field, value))
    assert len(issues) == 1
    assert canonical in issues[0].detail


@pytest.mark.parametrize(
    ("field", "value"),
    [("userIdentity.type", "AssumedRole"), ("errorCode", "AccessDenied"), ("userAgent", "aws-cli")],
)
def test_canonical_values_pass(field: str, value: str) -> None:
    assert SigmaqEnumCaseValidator().validate(_rule(field, value)) == []


def test_registered() -> None:
    assert house_validators()["sigmaq_enum_case"] is SigmaqEnumCaseValidator
