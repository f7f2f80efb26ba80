"""Processing pipelines for the AWS-native targets, generated from the field table.

Each pipeline fails closed: a non-CloudTrail logsource is refused, a field the
field table (``sigmaq.core.fields``) does not know is an ``UnmappedFieldError``, a
field the target's table does not hold (``sigmaq.core.aws_tables``: the Athena
table has no ``managementevent``, Logs Insights cannot address "any element" of an
array…) refuses the rule with the reason, and so do keyword searches and value types
the target cannot match faithfully. Field names are left as CloudTrail paths: the
backends read each path's ``Access`` from the same table when they write SQL or
Logs Insights filters.
"""

from __future__ import annotations

from dataclasses import dataclass

from sigma.correlations import SigmaCorrelationRule
from sigma.processing.pipeline import ProcessingItem, ProcessingPipeline
from sigma.processing.transformations.base import DetectionItemTransformation
from sigma.rule import SigmaDetection, SigmaDetectionItem, SigmaRule
from sigma.types import SigmaCIDRExpression, SigmaFieldReference

from sigmaq.core import fields
from sigmaq.core.aws_tables import AWS_TARGETS, Access, NoAccess
from sigmaq.export.pipelines.errors import RuleRefused, UnmappedFieldError
from sigmaq.export.pipelines.transformations import RequireCloudTrailLogsource

TARGET_NAMES = {
    "athena": "Amazon Athena (CloudTrail table)",
    "cloudtrail_lake": "CloudTrail Lake SQL",
    "logs_insights": "CloudWatch Logs Insights",
}


def _rule_name(rule: SigmaRule | SigmaCorrelationRule | None) -> str:
    if rule is None:
        return "rule"
    return f"rule '{rule.title}'" + (f" ({rule.id})" if rule.id else "")


def resolve_access(target: str, path: str, rule: SigmaRule | SigmaCorrelationRule | None) -> Access:
    """The ``Access`` of ``path`` in ``target``.

    Raises UnmappedFieldError when the field table does not know ``path`` and
    RuleRefused (naming the rule) when ``target`` cannot read it.
    """
    if fields.resolve(path) is None:
        raise UnmappedFieldError(
            f"{_rule_name(rule)}: field '{path}' has no mapping in sigmaq.core.fields for "
            f"{target} (fail closed: add it to the field table)"
        )
    found = fields.aws_access(target, path)
    if isinstance(found, NoAccess):
        raise RuleRefused(
            f"{_rule_name(rule)}: field '{path}' cannot be used with {TARGET_NAMES[target]}: "
            f"{found.reason}"
        )
    return found


# The event data store placeholder of CloudTrail Lake queries (replaced by the user).
LAKE_PLACEHOLDER = "$EDS_ID"


@dataclass
class AwsFieldCheck(DetectionItemTransformation):
    """Check every field (and correlation group-by/alias field) against ``target``."""

    target: str

    def __post_init__(self) -> None:
        if self.target not in AWS_TARGETS:
            raise ValueError(f"unknown AWS target {self.target!r}")
        self._rule: SigmaRule | SigmaCorrelationRule | None = None

    def apply(self, rule: SigmaRule | SigmaCorrelationRule) -> None:
        self._rule = rule
        if isinstance(rule, SigmaCorrelationRule):
            aliases = {alias.alias for alias in rule.aliases}
            paths = [p for p in (rule.group_by or []) if p not in aliases]
            for alias in rule.aliases:
                paths.extend(str(v) for v in alias.mapping.values())
            fieldref = getattr(rule.condition, "fieldref", None)
            if isinstance(fieldref, str) and fieldref not in aliases:
                paths.append(fieldref)
            for path in paths:
                resolve_access(self.target, path, rule)
            return
        super().apply(rule)

    def apply_detection_item(
        self, detection_item: SigmaDetectionItem
    ) -> SigmaDetection | SigmaDetectionItem | None:
        path = detection_item.field
        if path is None:
            raise RuleRefused(
                f"{_rule_name(self._rule)}: keyword (unbound) search has no defined meaning "
                "over CloudTrail's structured fields in any target; name the field"
            )
        resolve_access(self.target, path, self._rule)
        for value in detection_item.value:
            if isinstance(value, SigmaCIDRExpression):
                raise RuleRefused(
                    f"{_rule_name(self._rule)}: '{path}|cidr' is not exported to "
                    f"{TARGET_NAMES[self.target]} (sourceIPAddress also holds service names "
                    "such as 'AWS Internal', which an IP cast rejects); match strings instead"
                )
            if isinstance(value, SigmaFieldReference):
                resolve_access(self.target, value.field, self._rule)
            text = str(getattr(value, "regexp", "")) or "".join(
                part for part in getattr(value, "s", ()) if isinstance(part, str)
            )
            if self.target == "cloudtrail_lake" and LAKE_PLACEHOLDER in text:
                raise RuleRefused(
                    f"{_rule_name(self._rule)}: a '{path}' value holds {LAKE_PLACEHOLDER}, the "
                    "placeholder CloudTrail Lake queries name their event data store with "
                    "(replaced by text substitution); match the text around it"
                )
        return None


def aws_pipeline(target: str) -> ProcessingPipeline:
    """The pipeline of one AWS-native target (``athena``, ``cloudtrail_lake``,
    ``logs_insights``). Raises ValueError for another target."""
    if target not in AWS_TARGETS:
        raise ValueError(f"unknown AWS target {target!r} (known: {', '.join(AWS_TARGETS)})")
    return ProcessingPipeline(
        name=f"sigmaq CloudTrail -> {TARGET_NAMES[target]}",
        priority=20,
        items=[
            ProcessingItem(
                identifier="sigmaq_require_cloudtrail_logsource",
                transformation=RequireCloudTrailLogsource(),
            ),
            ProcessingItem(
                identifier=f"sigmaq_cloudtrail_fields_{target}",
                transformation=AwsFieldCheck(target=target),
            ),
        ],
    )
