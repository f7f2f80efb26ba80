"""Every rule has fixtures, and every field it uses appears in a positive fixture.

Both need the project layout (``rules/`` beside ``fixtures/``); rules outside a
project (third-party folders) are skipped. Configure with ``project_root``.
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

from sigmaq.core.layout import ProjectLayout, find_project_root
from sigmaq.validate.house.base import HouseIssue
from sigmaq.validate.house.rule_walk import rule_field_values, rule_fields

MIN_POSITIVE = 1
MIN_NEGATIVE = 2


@dataclass
class SigmaqFixturesIssue(HouseIssue):
    description: ClassVar[str] = "Rule lacks positive/negative fixtures or fixture field coverage"
    severity: ClassVar[SigmaValidationIssueSeverity] = SigmaValidationIssueSeverity.MEDIUM


def _layout_for(rule: SigmaRule | SigmaCorrelationRule, root: str | None) -> ProjectLayout | None:
    if rule.source is None:
        return None
    path = rule.source.path
    project = Path(root) if root else find_project_root(path)
    if project is None:
        return None
    layout = ProjectLayout(project)
    try:
        layout.component_of(path)
    except ValueError:
        return None
    return layout


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
    """≥1 positive and ≥2 negative fixtures per rule (DESIGN.md §2), and each field the
    rule requires (``fields_to_cover``) present in at least one positive fixture
    record, so the positive proof exercises every field."""

    def __init__(self, project_root: str | None = None) -> None:
        self.project_root = project_root

    def validate(self, rule: SigmaRule | SigmaCorrelationRule) -> list[SigmaValidationIssue]:
        layout = _layout_for(rule, self.project_root)
        if layout is None or rule.source is None:
            return []
        from sigmaq.replay.fields import has_field

        positives, negatives = layout.fixtures_for(rule.source.path)
        issues: list[SigmaValidationIssue] = []
        folder = layout.fixture_dir_for(rule.source.path)
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
