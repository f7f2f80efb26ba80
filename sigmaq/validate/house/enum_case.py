"""Values of enumerated CloudTrail fields spelt in a non-canonical case.

AWS writes ``userIdentity.type``, ``eventType``, ``eventCategory``, ``errorCode`` …
in one fixed case (``AssumedRole``, ``AccessDeniedException``). Sigma matching is
case-insensitive, so ``userIdentity.type: assumedrole`` works in replay, Splunk and
EQL, but a case-sensitive keyword match (Lucene, ES|QL, Athena…) would silently miss
the real value. Conversion already emits a case-insensitive form or refuses; this
finding asks the author to write the canonical spelling. Enumerations:
``sigmaq.core.fields.CASE_ENUMERATIONS``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from sigma.correlations import SigmaCorrelationRule
from sigma.rule import SigmaRule
from sigma.types import SigmaCasedString, SigmaString
from sigma.validators.base import (
    SigmaRuleValidator,
    SigmaValidationIssue,
    SigmaValidationIssueSeverity,
)

from sigmaq.core.fields import canonical_spelling
from sigmaq.validate.house.base import HouseIssue, leaf_location
from sigmaq.validate.house.rule_walk import rule_field_values


@dataclass
class SigmaqEnumCaseIssue(HouseIssue):
    description: ClassVar[str] = (
        "Value of an enumerated CloudTrail field in a non-canonical case "
        "(case-sensitive targets would miss it)"
    )
    severity: ClassVar[SigmaValidationIssueSeverity] = SigmaValidationIssueSeverity.MEDIUM


class SigmaqEnumCaseValidator(SigmaRuleValidator):
    """Flags enumerated values (identity types, error codes…) not in AWS's canonical case."""

    def validate(self, rule: SigmaRule | SigmaCorrelationRule) -> list[SigmaValidationIssue]:
        if not isinstance(rule, SigmaRule):
            return []
        issues: list[SigmaValidationIssue] = []
        for leaf in rule_field_values(rule):
            value = leaf.value
            if not isinstance(value, SigmaString) or not leaf.field:
                continue
            if value.contains_special():
                continue
            text = str(value)
            canonical = canonical_spelling(leaf.field, text)
            if canonical is None or canonical == text:
                continue
            cased = (
                " (|cased makes it match nothing)" if isinstance(value, SigmaCasedString) else ""
            )
            issues.append(
                SigmaqEnumCaseIssue(
                    [rule],
                    f"{leaf.field}: '{text}' is written '{canonical}' by AWS{cased}",
                    *leaf_location(rule, leaf.field, value),
                )
            )
        return issues
