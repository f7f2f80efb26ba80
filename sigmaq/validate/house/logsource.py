"""Logsource and eventSource scoping (README "Validation")."""

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

from sigmaq.validate.house.base import HouseIssue, sigmaq_metadata
from sigmaq.validate.house.rule_walk import condition_roots, requires_field

ANY_EVENT_SOURCE_KEY = "any_event_source"


@dataclass
class SigmaqLogsourceIssue(HouseIssue):
    description: ClassVar[str] = "Rule logsource must be product: aws, service: cloudtrail"
    severity: ClassVar[SigmaValidationIssueSeverity] = SigmaValidationIssueSeverity.HIGH


class SigmaqLogsourceValidator(SigmaRuleValidator):
    """Single-event rules use ``logsource: {product: aws, service: cloudtrail}``."""

    def validate(self, rule: SigmaRule | SigmaCorrelationRule) -> list[SigmaValidationIssue]:
        if not isinstance(rule, SigmaRule):
            return []
        logsource = rule.logsource
        if logsource.product == "aws" and logsource.service == "cloudtrail":
            return []
        found = f"product={logsource.product} service={logsource.service}"
        if logsource.category:
            found += f" category={logsource.category}"
        return [SigmaqLogsourceIssue([rule], f"found {found}", "logsource")]


@dataclass
class SigmaqEventSourceConstrainedIssue(HouseIssue):
    description: ClassVar[str] = "Single-event rule does not constrain eventSource"
    severity: ClassVar[SigmaValidationIssueSeverity] = SigmaValidationIssueSeverity.MEDIUM


class SigmaqEventSourceConstrainedValidator(SigmaRuleValidator):
    """Every match of a single-event rule must require a literal ``eventSource``.

    A rule about actions on any service (e.g. calls Amazon Q makes on a user's
    behalf) opts out with ``sigmaq: {any_event_source: "<why>"}``; the reason is
    then required and shown in reviews.
    """

    def validate(self, rule: SigmaRule | SigmaCorrelationRule) -> list[SigmaValidationIssue]:
        if not isinstance(rule, SigmaRule):
            return []
        reason = sigmaq_metadata(rule).get(ANY_EVENT_SOURCE_KEY)
        if isinstance(reason, str) and reason.strip():
            return []
        roots = condition_roots(rule)
        if roots and all(requires_field(root, "eventSource") for root in roots):
            return []
        return [
            SigmaqEventSourceConstrainedIssue(
                [rule],
                "some match of the condition needs no eventSource value; constrain it, or set "
                f"sigmaq.{ANY_EVENT_SOURCE_KEY} to the reason the rule spans services",
                "detection.condition",
            )
        ]
