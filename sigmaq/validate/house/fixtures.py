"""Every rule has fixtures, and every field it uses appears in a positive fixture.

Fixtures are found in both layouts (``sigmaq.core.layout.rule_fixtures``): a rule
inside a project (``rules/`` beside ``fixtures/``) is always checked; a rule outside
one only when fixtures sit beside it (``<stem>.pos_*.json``), so third-party folders
without fixtures are skipped. Configure with ``project_root``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from sigma.correlations import SigmaCorrelationRule
from sigma.rule import SigmaRule
from sigma.types import SigmaNull
from sigma.validators.base import (
    SigmaRuleValidator,
    SigmaValidationIssue,
    SigmaValidationIssueSeverity,
)

from sigmaq.core.errors import FixtureError
from sigmaq.core.layout import ProjectLayout, find_project_root, fixture_home, rule_fixtures
from sigmaq.validate.house.base import HouseIssue
from sigmaq.validate.house.rule_walk import rule_field_values, rule_fields

MIN_POSITIVE = 1
MIN_NEGATIVE = 2


@dataclass
class SigmaqFixturesIssue(HouseIssue):
    description: ClassVar[str] = "Rule lacks positive/negative fixtures or fixture field coverage"
    severity: ClassVar[SigmaValidationIssueSeverity] = SigmaValidationIssueSeverity.MEDIUM


def _project_of(rule_path: Path, root: str | None) -> Path | None:
    """The project holding ``rule_path`` in its ``rules/<component>/``, or None."""
    project = Path(root) if root else find_project_root(rule_path)
    if project is None:
        return None
    try:
        ProjectLayout(project).component_of(rule_path)
    except ValueError:
        return None
    return project


def _records(path: Path) -> list[dict[str, Any]]:
    from sigmaq.replay.readers import ReadStats, read_file

    return [record for record, _ in read_file(path, ReadStats())]


def fields_to_cover(rule: SigmaRule | SigmaCorrelationRule) -> set[str]:
    """Fields a positive fixture must carry.

    Left out: fields tested for ``null`` anywhere in the rule (absence is then one
    of the accepted states, e.g. the ``errorCode: null`` succeeded test) and fields
    that appear only under a NOT (filters a positive record does not trip).
    """
    if not isinstance(rule, SigmaRule):
        return rule_fields(rule)
    leaves = rule_field_values(rule)
    nullable = {leaf.field for leaf in leaves if isinstance(leaf.value, SigmaNull)}
    positive = {leaf.field for leaf in leaves if not leaf.negated}
    return positive - nullable


class SigmaqFixturesValidator(SigmaRuleValidator):
    """≥1 positive and ≥2 negative fixtures per rule (CONTRIBUTING.md), and each field the
    rule requires (``fields_to_cover``) present in at least one positive fixture
    record, so the positive proof exercises every field."""

    def __init__(self, project_root: str | None = None) -> None:
        self.project_root = project_root

    def validate(self, rule: SigmaRule | SigmaCorrelationRule) -> list[SigmaValidationIssue]:
        if rule.source is None:
            return []
        from sigmaq.replay.fields import has_field

        project = _project_of(rule.source.path, self.project_root)
        try:
            positives, negatives = rule_fixtures(rule.source.path, project)
        except FixtureError as exc:  # its folder cannot be listed: no fixture can be judged
            return [SigmaqFixturesIssue([rule], str(exc), "title")]
        if project is None and not positives and not negatives:
            return []
        issues: list[SigmaValidationIssue] = []
        folder = fixture_home(rule.source.path, project)
        if len(positives) < MIN_POSITIVE or len(negatives) < MIN_NEGATIVE:
            issues.append(
                SigmaqFixturesIssue(
                    [rule],
                    f"{folder} has {len(positives)} positive and {len(negatives)} negative "
                    f"fixtures (need >= {MIN_POSITIVE} and >= {MIN_NEGATIVE})",
                    "title",
                )
            )
        if positives:
            records = [record for path in positives for record in _records(path)]
            missing = sorted(
                field
                for field in fields_to_cover(rule)
                if not any(has_field(record, field) for record in records)
            )
            if missing:
                issues.append(
                    SigmaqFixturesIssue(
                        [rule],
                        f"fields {missing} appear in no positive fixture under {folder}",
                        "detection",
                    )
                )
        return issues
