"""Values some export targets cannot express, reported per target (README "Validation").

These are warnings for the rule author (severity low): the conversion stage
refuses such a rule for that target with the same reason (``dist/REFUSED.md``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from sigma.correlations import SigmaCorrelationRule
from sigma.rule import SigmaRule
from sigma.types import SigmaFieldReference, SigmaRegularExpression, SigmaString, SpecialChars
from sigma.validators.base import (
    SigmaRuleValidator,
    SigmaValidationIssue,
    SigmaValidationIssueSeverity,
)

from sigmaq.validate.house.base import HouseIssue, leaf_location
from sigmaq.validate.house.rule_walk import rule_field_values


@dataclass
class SigmaqTargetExpressibleIssue(HouseIssue):
    description: ClassVar[str] = "A value cannot be expressed exactly by an export target"
    severity: ClassVar[SigmaValidationIssueSeverity] = SigmaValidationIssueSeverity.LOW


def _has_literal_wildcard(value: SigmaString) -> bool:
    """True when the string holds an escaped (literal) ``*`` or ``?``."""
    return any(isinstance(part, str) and ("*" in part or "?" in part) for part in value.s)


def _has_single_char_wildcard(value: SigmaString) -> bool:
    return any(part is SpecialChars.WILDCARD_SINGLE for part in value.s)


class SigmaqTargetExpressibleValidator(SigmaRuleValidator):
    """Flags literal ``*``/``?`` and ``?`` wildcards (Splunk search terms cannot
    escape ``*`` and widen ``?`` to ``*``), ``|re`` (Lucene regex is anchored and
    not PCRE) and ``|fieldref`` (unsupported in Lucene and EQL)."""

    def validate(self, rule: SigmaRule | SigmaCorrelationRule) -> list[SigmaValidationIssue]:
        if not isinstance(rule, SigmaRule):
            return []
        issues: list[SigmaValidationIssue] = []
        for leaf in rule_field_values(rule):
            value = leaf.value
            problem = None
            if isinstance(value, SigmaString) and _has_literal_wildcard(value):
                problem = f"literal '*' or '?' in {leaf.field} value: splunk cannot express it"
            elif isinstance(value, SigmaString) and _has_single_char_wildcard(value):
                problem = f"'?' wildcard in {leaf.field}: splunk widens it to '*'"
            elif isinstance(value, SigmaRegularExpression):
                problem = f"|re on {leaf.field}: elastic lucene regex is anchored and not PCRE"
            elif isinstance(value, SigmaFieldReference):
                problem = f"|fieldref on {leaf.field}: elastic lucene and eql cannot compare fields"
            if problem:
                issues.append(
                    SigmaqTargetExpressibleIssue(
                        [rule], problem, *leaf_location(rule, leaf.field, value)
                    )
                )
        return issues
