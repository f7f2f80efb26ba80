"""Field names a rule uses must be real CloudTrail paths (``sigmaq.core.fields``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from sigma.correlations import SigmaCorrelationRule
from sigma.rule import SigmaRule
from sigma.validators.base import (
    SigmaRuleValidator,
    SigmaValidationIssue,
    SigmaValidationIssueSeverity,
)

from sigmaq.core.fields import known_cloudtrail_field, suggest_cloudtrail_field
from sigmaq.validate.house.base import HouseIssue, detection_key_for_field
from sigmaq.validate.house.rule_walk import rule_fields


@dataclass
class SigmaqFieldPathIssue(HouseIssue):
    description: ClassVar[str] = "Field is not a known CloudTrail record path"
    severity: ClassVar[SigmaValidationIssueSeverity] = SigmaValidationIssueSeverity.HIGH


class SigmaqFieldPathValidator(SigmaRuleValidator):
    """Every field is a CloudTrail top-level key or lies under a known nested prefix
    (``requestParameters.*``, ``userIdentity.sessionContext.*`` …; CloudTrail record
    contents reference). Field names are case-sensitive in CloudTrail JSON."""

    def validate(self, rule: SigmaRule | SigmaCorrelationRule) -> list[SigmaValidationIssue]:
        issues: list[SigmaValidationIssue] = []
        for field in sorted(rule_fields(rule)):
            if not known_cloudtrail_field(field):
                key = (
                    "correlation"
                    if isinstance(rule, SigmaCorrelationRule)
                    else detection_key_for_field(rule, field)
                )
                guess = suggest_cloudtrail_field(field)
                hint = f"; did you mean '{guess}'?" if guess else ""
                issues.append(
                    SigmaqFieldPathIssue(
                        [rule], f"'{field}' is not a CloudTrail field path{hint}", key
                    )
                )
        return issues
