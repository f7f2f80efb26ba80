"""eventSource/eventName values checked against the API catalogue (``sigmaq.core.catalog``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import ClassVar

from sigma.correlations import SigmaCorrelationRule
from sigma.rule import SigmaRule
from sigma.types import SigmaString, SpecialChars
from sigma.validators.base import (
    SigmaRuleValidator,
    SigmaValidationIssue,
    SigmaValidationIssueSeverity,
)

from sigmaq.core.catalog import (
    AMAZON_Q_EVENT_SOURCES,
    Catalog,
    iam_action_names,
    iam_action_operation,
    iam_prefix,
    load_catalog,
)
from sigmaq.validate.house.base import HouseIssue, leaf_location
from sigmaq.validate.house.rule_walk import FieldValue, rule_field_values, sibling_values


@dataclass
class SigmaqCatalogValueIssue(HouseIssue):
    description: ClassVar[str] = "eventSource/eventName value is not a real CloudTrail name"
    severity: ClassVar[SigmaValidationIssueSeverity] = SigmaValidationIssueSeverity.HIGH


@dataclass
class SigmaqCatalogIamOnlyIssue(HouseIssue):
    description: ClassVar[str] = (
        "eventName is in no SDK model of its eventSource but is an IAM action of that service"
    )
    # not blocking: CloudTrail logs console-only calls under their IAM action name
    severity: ClassVar[SigmaValidationIssueSeverity] = SigmaValidationIssueSeverity.MEDIUM


def _pattern(value: SigmaString) -> re.Pattern[str] | None:
    """Regex for a wildcard value (Sigma ``*``/``?``), None for a plain value."""
    if not value.contains_special():
        return None
    parts = []
    for part in value.s:
        if part is SpecialChars.WILDCARD_MULTI:
            parts.append(".*")
        elif part is SpecialChars.WILDCARD_SINGLE:
            parts.append(".")
        else:
            parts.append(re.escape(str(part)))
    return re.compile("".join(parts), re.IGNORECASE)


def _describe_missing(catalog: Catalog, name: str, sources: list[str]) -> str:
    for source in sources:
        canonical = catalog.canonical_name(source, name)
        if canonical is not None:
            return f"eventName '{name}' has the wrong case: {source} logs '{canonical}'"
    if ":" in name:
        return f"eventName '{name}' carries an IAM prefix; CloudTrail logs '{name.split(':')[-1]}'"
    hints = catalog.similar_names(sources, name)
    if hints:
        return (
            f"eventName '{name}' is not logged by {', '.join(sources) or 'any known eventSource'}"
            f"; did you mean {' or '.join(repr(h) for h in hints)}?"
        )
    # Amazon Q sources first: they are what a pack rule most likely meant.
    elsewhere = sorted(
        catalog.sources_for_name(name), key=lambda s: (s not in AMAZON_Q_EVENT_SOURCES, s)
    )
    if elsewhere:
        return (
            f"eventName '{name}' is not logged by {', '.join(sources)}; "
            f"it belongs to {', '.join(elsewhere[:5])}"
        )
    return f"eventName '{name}' is not logged by {', '.join(sources) or 'any known eventSource'}"


class SigmaqCatalogValuesValidator(SigmaRuleValidator):
    """Every ``eventSource`` value is a known eventSource and every ``eventName`` value
    is logged by the eventSource it is paired with, in canonical casing.

    Pairing: the eventSource values ANDed with the eventName (nearest AND group),
    else every eventSource value of the rule, else any source. Wildcard values must
    match at least one catalogue name. Catches ``getConversation``,
    ``StartDataSourceSyncJobs``, ``q:SendMessage`` and a name under the wrong source
    (high). A name no SDK model has but the service's IAM actions do
    (``sso:AssociateDirectory``, ``s3:ReplicateObject``: console-only or internal calls,
    which CloudTrail logs under the action name) is reported at medium: it may be real.
    """

    def __init__(self) -> None:
        self.catalog = load_catalog()

    def validate(self, rule: SigmaRule | SigmaCorrelationRule) -> list[SigmaValidationIssue]:
        if not isinstance(rule, SigmaRule):
            return []
        leaves = rule_field_values(rule)
        issues: list[SigmaValidationIssue] = []
        all_sources = [
            leaf.value.to_plain()
            for leaf in leaves
            if leaf.field == "eventSource"
            and isinstance(leaf.value, SigmaString)
            and not leaf.value.contains_special()
        ]
        for leaf in leaves:
            if not isinstance(leaf.value, SigmaString):
                continue
            found: tuple[type[HouseIssue], str] | None
            if leaf.field == "eventSource":
                message = self._check_source(leaf.value)
                found = (SigmaqCatalogValueIssue, message) if message else None
            elif leaf.field == "eventName":
                found = self._check_name(leaf, all_sources)
            else:
                continue
            if found:
                kind, message = found
                issues.append(kind([rule], message, *leaf_location(rule, leaf.field, leaf.value)))
        return issues

    def _check_source(self, value: SigmaString) -> str | None:
        pattern = _pattern(value)
        if pattern is not None:
            if any(pattern.fullmatch(source) for source in self.catalog.event_sources):
                return None
            return f"eventSource pattern '{value}' matches no known eventSource"
        plain = value.to_plain()
        if plain in self.catalog.event_sources:
            return None
        canonical = self.catalog.canonical_source(plain)
        if canonical is not None:
            return f"eventSource '{plain}' has the wrong case: use '{canonical}'"
        hints = self.catalog.similar_sources(plain)
        if hints:
            return (
                f"eventSource '{plain}' is not a known CloudTrail eventSource; did you mean "
                f"{' or '.join(repr(h) for h in hints)}?"
            )
        return f"eventSource '{plain}' is not a known CloudTrail eventSource"

    def _check_name(
        self, leaf: FieldValue, all_sources: list[str]
    ) -> tuple[type[HouseIssue], str] | None:
        value = leaf.value
        assert isinstance(value, SigmaString)
        paired = [
            v.to_plain()
            for v in sibling_values(leaf, "eventSource")
            if isinstance(v, SigmaString) and not v.contains_special()
        ]
        sources = [s for s in (paired or all_sources) if s in self.catalog.event_sources]
        candidates = (
            {name for source in sources for name in self.catalog.names(source)}
            if sources
            else {
                name for source in self.catalog.event_sources for name in self.catalog.names(source)
            }
        )
        pattern = _pattern(value)
        if pattern is not None:
            if any(pattern.fullmatch(name) for name in candidates):
                return None
            scope = ", ".join(sources) or "any source"
            return (
                SigmaqCatalogValueIssue,
                f"eventName pattern '{value}' matches no name of {scope}",
            )
        name = value.to_plain()
        if name in candidates:
            return None
        message = _describe_missing(self.catalog, name, sources)
        if any(self.catalog.canonical_name(source, name) for source in sources):
            return SigmaqCatalogValueIssue, message  # wrong case
        for source in sources:
            actions = iam_action_names(source)
            if name not in actions:
                spelt = next((a for a in actions if a.lower() == name.lower()), None)
                if spelt is not None:
                    return SigmaqCatalogValueIssue, (
                        f"eventName '{name}' has the wrong case: the IAM action of "
                        f"{source}'s service is '{iam_prefix(source)}:{spelt}'"
                    )
                continue
            action = f"'{iam_prefix(source)}:{name}'"
            operation = iam_action_operation(source, name)
            if operation is not None:
                older = _older_names(self.catalog.names(source), operation)
                logged = (
                    f"under the operation's name, or (Amazon S3 does) an older name of it: "
                    f"{', '.join(repr(n) for n in (operation, *older))}; check which in a real "
                    "record"
                    if older
                    else "under its operation's name"
                )
                return SigmaqCatalogValueIssue, (
                    f"eventName '{name}' is not logged by {source}: {action} is the IAM action "
                    f"for the API operation '{operation}' (AWS Service Authorization "
                    f"Reference), and CloudTrail logs a call {logged}"
                )
            return SigmaqCatalogIamOnlyIssue, (
                f"eventName '{name}' is in no SDK model of {', '.join(sources)}, but {action} "
                "is an IAM action (AWS Service Authorization Reference): CloudTrail logs "
                "console-only and internal calls under their action name, so it may be real; "
                "check it against a real record"
            )
        return SigmaqCatalogValueIssue, message


def _older_names(names: frozenset[str], operation: str) -> list[str]:
    """Operations of the same service whose name ``operation`` extends
    (``PutBucketLifecycle`` for ``PutBucketLifecycleConfiguration``): the older API an
    SDK operation replaced, whose name CloudTrail may still log (invictus-ir's public
    records of Stratus Red Team, whose Go SDK v2 has only
    ``PutBucketLifecycleConfiguration``, log ``PutBucketLifecycle``)."""
    return sorted(n for n in names if n != operation and operation.startswith(n))
