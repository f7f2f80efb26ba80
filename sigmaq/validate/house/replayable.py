"""Rules that sigmaq's replay engine cannot run, flagged by ``sigmaq validate``.

Replay (``sigmaq.replay``) runs ``sigmaq test``, ``sigmaq hunt``, ``sigmaq investigate``
and every proof of a converted query. A rule pySigma loads can still be one replay
refuses: a field-less ``null`` value, a condition whose ``1 of x*`` selector matches no
detection, an ``|expand`` placeholder without values, a ``|re`` pattern RE2 cannot run
with Python's meaning, a correlation whose ``aliases`` give no field for one of its
rules. Without this validator such a rule passed ``sigmaq validate`` and was then
refused by hunt and test; now validate names it, at its detection or correlation.
"""

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

from sigmaq.core.errors import ReplayError
from sigmaq.validate.house.base import HouseIssue


@dataclass
class SigmaqReplayableIssue(HouseIssue):
    description: ClassVar[str] = (
        "Rule cannot be run by sigmaq's replay (test, hunt, investigate and the proofs)"
    )
    severity: ClassVar[SigmaValidationIssueSeverity] = SigmaValidationIssueSeverity.MEDIUM


class SigmaqReplayableValidator(SigmaRuleValidator):
    """Flags rules the replay engine refuses (``ReplayError`` from compiling them)."""

    def validate(self, rule: SigmaRule | SigmaCorrelationRule) -> list[SigmaValidationIssue]:
        from sigmaq.replay.compile import compile_rule, refusal_keys
        from sigmaq.replay.correlate import compile_correlation

        try:
            if isinstance(rule, SigmaCorrelationRule):
                if any(getattr(ref, "rule", None) is None for ref in rule.rules or []):
                    return []  # unresolved references are load errors already
                compile_correlation(rule)
            else:
                compile_rule(rule)
        except ReplayError as error:
            correlation = isinstance(rule, SigmaCorrelationRule)
            key = refusal_keys(error.message, correlation=correlation)[0]
            return [SigmaqReplayableIssue([rule], error.message, key)]
        return []
