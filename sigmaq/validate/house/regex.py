"""``|re`` values that can backtrack catastrophically (nested quantifiers).

Python's ``re`` (used by replay and hunt) and Splunk's PCRE have no match timeout: a
group that is itself repeated and contains a repeated element, such as ``(a+)+`` or
``(\\w*)*``, takes exponential time on a non-matching value ("ReDoS", OWASP). A rule
author rarely needs one; flagging it keeps a single rule from stalling a hunt.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import ClassVar

from sigma.correlations import SigmaCorrelationRule
from sigma.rule import SigmaRule
from sigma.types import SigmaRegularExpression
from sigma.validators.base import (
    SigmaRuleValidator,
    SigmaValidationIssue,
    SigmaValidationIssueSeverity,
)

from sigmaq.validate.house.base import HouseIssue, leaf_location
from sigmaq.validate.house.rule_walk import rule_field_values

# A parenthesised group whose body repeats something (+, *, {n,}) and that is repeated itself.
_NESTED_QUANTIFIER = re.compile(
    r"\((?:[^()\\]|\\.)*(?:[+*]|\{\d+,\d*\})(?:[^()\\]|\\.)*\)(?:[+*]|\{\d+,\d*\})"
)


@dataclass
class SigmaqRegexBacktrackingIssue(HouseIssue):
    description: ClassVar[str] = (
        "Regular expression with nested quantifiers (catastrophic backtracking)"
    )
    severity: ClassVar[SigmaValidationIssueSeverity] = SigmaValidationIssueSeverity.MEDIUM


def has_nested_quantifier(pattern: str) -> bool:
    """True when ``pattern`` repeats a group that itself repeats (``(a+)+``, ``(x*y)*``)."""
    return _NESTED_QUANTIFIER.search(pattern) is not None


class SigmaqRegexBacktrackingValidator(SigmaRuleValidator):
    """Flags ``|re`` values with a repeated group that contains a repetition."""

    def validate(self, rule: SigmaRule | SigmaCorrelationRule) -> list[SigmaValidationIssue]:
        if not isinstance(rule, SigmaRule):
            return []
        issues: list[SigmaValidationIssue] = []
        for leaf in rule_field_values(rule):
            value = leaf.value
            if isinstance(value, SigmaRegularExpression):
                pattern = str(value.regexp)
                if has_nested_quantifier(pattern):
                    issues.append(
                        SigmaqRegexBacktrackingIssue(
                            [rule],
                            f"|re on {leaf.field}: {pattern!r} repeats a repeated group",
                            *leaf_location(rule, leaf.field, value),
                        )
                    )
        return issues
