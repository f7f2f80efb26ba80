"""File naming and uniqueness (house convention, CONTRIBUTING.md "Layout")."""

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

from sigmaq.core.layout import COMPONENTS, expected_rule_filename, resolved
from sigmaq.validate.house.base import HouseIssue


@dataclass
class SigmaqFilenameIssue(HouseIssue):
    description: ClassVar[str] = (
        "Rule file must be named aws_cloudtrail_<slug of title>.yml inside rules/<component>/"
    )
    severity: ClassVar[SigmaValidationIssueSeverity] = SigmaValidationIssueSeverity.MEDIUM


class SigmaqFilenameValidator(SigmaRuleValidator):
    """File name is ``aws_cloudtrail_<slug of title>.yml``; inside a ``rules/`` tree the
    parent folder is a known component (``sigmaq.core.layout.COMPONENTS``)."""

    def validate(self, rule: SigmaRule | SigmaCorrelationRule) -> list[SigmaValidationIssue]:
        if rule.source is None:
            return []
        path = rule.source.path
        issues: list[SigmaValidationIssue] = []
        expected = expected_rule_filename(rule.title)
        if path.name != expected:
            issues.append(
                SigmaqFilenameIssue([rule], f"file is {path.name}, expected {expected}", "title")
            )
        parts = resolved(path).parts
        if "rules" in parts:
            below = parts[len(parts) - 1 - parts[::-1].index("rules") + 1 :]
            if len(below) != 2 or below[0] not in COMPONENTS:
                issues.append(
                    SigmaqFilenameIssue(
                        [rule],
                        f"rule must sit directly in rules/<component>/ with component one of "
                        f"{', '.join(COMPONENTS)}; found rules/{'/'.join(below)}",
                        "title",
                    )
                )
        return issues


@dataclass
class SigmaqDuplicateIdentityIssue(HouseIssue):
    description: ClassVar[str] = "Rule id, title and correlation name must be unique in the pack"
    severity: ClassVar[SigmaValidationIssueSeverity] = SigmaValidationIssueSeverity.HIGH


class SigmaqUniqueIdentityValidator(SigmaRuleValidator):
    """Unique ``id``, ``title`` and ``name`` across all validated rules.

    pySigma does not flag a duplicate ``name``; a correlation then silently binds
    to one of the two rules.
    """

    def __init__(self) -> None:
        self.seen: dict[tuple[str, str], list[SigmaRule | SigmaCorrelationRule]] = {}

    def validate(self, rule: SigmaRule | SigmaCorrelationRule) -> list[SigmaValidationIssue]:
        keys = [("title", rule.title.strip().lower())]
        if rule.id is not None:
            keys.append(("id", str(rule.id)))
        if rule.name:
            keys.append(("name", rule.name))
        for key in keys:
            self.seen.setdefault(key, []).append(rule)
        return []

    def finalize(self) -> list[SigmaValidationIssue]:
        issues: list[SigmaValidationIssue] = []
        for (kind, value), rules in sorted(self.seen.items()):
            if len(rules) > 1:
                issues.append(
                    SigmaqDuplicateIdentityIssue(
                        list(rules), f"{kind} '{value}' used by {len(rules)} rules", kind
                    )
                )
        self.seen = {}
        return issues
