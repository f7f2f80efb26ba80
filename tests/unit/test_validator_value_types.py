"""Every pySigma value type through every house validator: findings, never a traceback.

Each case is one detection item whose value pySigma parses into a different type
(wildcard and escaped strings, numbers, booleans, null, regular expressions, CIDR,
field references, exists, expansions, comparisons, timestamp parts, cased strings,
keywords). Every house validator must accept every case without raising; and a
validator that does raise is reported as one finding naming rule, file and validator.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
import yaml
from sigma.types import (
    SigmaBool,
    SigmaCasedString,
    SigmaCIDRExpression,
    SigmaCompareExpression,
    SigmaExists,
    SigmaExpansion,
    SigmaFieldReference,
    SigmaNull,
    SigmaNumber,
    SigmaRegularExpression,
    SigmaString,
    SigmaTimestampPart,
)

from sigmaq.core.loader import load_rules
from sigmaq.validate.house import house_validators
from sigmaq.validate.runner import validate_paths

BASE_SELECTION = {"eventSource": "iam.amazonaws.com", "eventName": "PutRolePolicy"}

# (case id, extra detection items, the pySigma value type the extra item becomes)
CASES: list[tuple[str, dict[str, Any], type]] = [
    ("plain", {"userAgent": "aws-cli/2.15"}, SigmaString),
    ("wildcards", {"userAgent": "aws-cli/*?"}, SigmaString),
    (
        "escaped_wildcard",
        {"requestParameters.policyDocument|contains": 'Action":"\\*'},
        SigmaString,
    ),
    ("escaped_backslash", {"requestParameters.roleName": "a\\\\b"}, SigmaString),
    ("startswith", {"userAgent|startswith": "Boto3"}, SigmaString),
    (
        "contains_all",
        {"requestParameters.policyDocument|contains|all": ["s3:*", "Allow"]},
        SigmaString,
    ),
    ("number", {"requestParameters.durationSeconds": 3600}, SigmaNumber),
    ("float", {"eventVersion": 1.08}, SigmaNumber),
    ("bool", {"readOnly": False}, SigmaBool),
    ("null", {"errorCode": None}, SigmaNull),
    ("regex", {"userAgent|re": "^aws-cli/[0-9]+"}, SigmaRegularExpression),
    ("regex_flags", {"userAgent|re|i": "^AWS"}, SigmaRegularExpression),
    ("cidr", {"sourceIPAddress|cidr": "192.0.2.0/24"}, SigmaCIDRExpression),
    ("fieldref", {"userIdentity.arn|fieldref": "requestParameters.roleArn"}, SigmaFieldReference),
    ("exists", {"errorCode|exists": False}, SigmaExists),
    ("windash", {"userAgent|windash|contains": "-profile"}, SigmaExpansion),
    ("base64offset", {"requestParameters.userData|base64offset|contains": "curl"}, SigmaExpansion),
    ("compare", {"requestParameters.maxResults|gte": 100}, SigmaCompareExpression),
    ("timestamp_part", {"eventTime|hour": 3}, SigmaTimestampPart),
    ("cased", {"eventName|cased": "PutRolePolicy"}, SigmaCasedString),
]


def _rule(tmp_path: Path, case: str, detection: dict[str, Any]) -> Path:
    data = {
        "title": f"Value Type Case {case.replace('_', ' ').title()}",
        "id": str(uuid.uuid4()),
        "status": "experimental",
        "description": "One detection item of one pySigma value type.",
        "author": "sigmaq contributors",
        "date": "2026-11-29",
        "logsource": {"product": "aws", "service": "cloudtrail"},
        "detection": detection,
        "level": "low",
    }
    path = tmp_path / f"case_{case}.yml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def _cases(tmp_path: Path) -> list[tuple[str, Path]]:
    made = []
    for case, items, _ in CASES:
        detection = {"selection": {**BASE_SELECTION, **items}, "condition": "selection"}
        made.append((case, _rule(tmp_path, case, detection)))
    keywords = {
        "selection": BASE_SELECTION,
        "keywords": ["AccessDenied"],
        "condition": "selection and keywords",
    }
    made.append(("keywords", _rule(tmp_path, "keywords", keywords)))
    negated = {
        "selection": BASE_SELECTION,
        "filter": {"requestParameters.policyDocument|contains": "Deny\\*", "errorCode": None},
        "condition": "selection and not filter",
    }
    made.append(("negated_filter", _rule(tmp_path, "negated_filter", negated)))
    return made


def test_cases_produce_the_value_types(tmp_path: Path) -> None:
    """The cases really exercise the types they claim (else the test below is blind)."""
    for (case, path), (_, items, kind) in zip(_cases(tmp_path), CASES, strict=False):
        loaded = load_rules([path])
        assert not loaded.errors, (case, [str(e) for e in loaded.errors])
        rule = loaded.rules[0].rule
        field = next(iter(items)).split("|")[0]
        values = [
            value
            for detection in rule.detection.detections.values()
            for item in detection.detection_items
            if getattr(item, "field", None) == field
            for value in item.value
        ]
        assert any(isinstance(value, kind) for value in values), (case, values)


@pytest.mark.parametrize("validator", sorted(house_validators()))
def test_every_house_validator_accepts_every_value_type(tmp_path: Path, validator: str) -> None:
    cls = house_validators()[validator]
    for case, path in _cases(tmp_path):
        loaded = load_rules([path])
        assert not loaded.errors, (case, [str(e) for e in loaded.errors])
        instance = cls()
        instance.validate(loaded.rules[0].rule)
        instance.finalize()


def test_validate_reports_no_crash_for_any_value_type(tmp_path: Path) -> None:
    _cases(tmp_path)
    report = validate_paths([tmp_path], project_root=None, profile="amazon_q")
    crashes = [f for f in report.findings if f.severity == "error"]
    assert crashes == []
    assert report.rules == len(CASES) + 2


def test_escaped_wildcard_rule_is_reported_not_raised(tmp_path: Path) -> None:
    """The rule from the issue: it used to crash `sigmaq validate` with NotImplementedError."""
    detection = {
        "selection": {
            **BASE_SELECTION,
            "requestParameters.policyDocument|contains": 'Action":"\\*',
        },
        "condition": "selection",
    }
    path = _rule(tmp_path, "issue", detection)
    report = validate_paths([path], project_root=None, profile="amazon_q")
    expressible = [f for f in report.findings if f.validator == "sigmaq_target_expressible"]
    assert expressible and "literal '*'" in expressible[0].message
    assert expressible[0].line == 14  # the requestParameters.policyDocument|contains line


def test_a_raising_validator_is_one_finding(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sigmaq.validate.house import catalog_values

    def explode(self: Any, rule: Any) -> Any:
        raise NotImplementedError("SigmaString can only be compared with a string")

    monkeypatch.setattr(catalog_values.SigmaqCatalogValuesValidator, "validate", explode)
    paths = [path for _, path in _cases(tmp_path)[:2]]
    report = validate_paths(paths, project_root=None, profile="cloudtrail")
    crashes = [f for f in report.findings if f.severity == "error"]
    assert len(crashes) == 2
    for finding, path in zip(crashes, paths, strict=True):
        assert finding.validator == "sigmaq_catalog_values"
        assert finding.path == str(path)
        assert finding.rule_id is not None
        assert "NotImplementedError" in finding.message and path.name in finding.message
