"""The ``sigmaq:`` metadata block and the data-event prerequisite it declares.

Shape (CONTRIBUTING.md "The sigmaq: block"; read by the coverage generator)::

    sigmaq:
      catalogue: [AQ-01]            # detection catalogue items implemented (sigmaq.core.amazon_q)
      playbook: [q3, step-7]        # playbook steps 4-7 and analysis questions 1-6
      data_events: [AWS::QBusiness::Application]   # resources.type logged as data events
      any_event_source: "<why>"     # optional opt-out of the eventSource scoping check

Every rule names at least one playbook key; every rule outside ``rules/containment/``
names at least one catalogue item.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, ClassVar

from sigma.correlations import SigmaCorrelationRule
from sigma.rule import SigmaRule
from sigma.types import SigmaString
from sigma.validators.base import (
    SigmaRuleValidator,
    SigmaValidationIssue,
    SigmaValidationIssueSeverity,
)
from sigma.validators.sigmahq.fields import SigmahqUnknownFieldIssue

from sigmaq.core.amazon_q import (
    CATALOGUE,
    CATALOGUE_IDS,
    CATALOGUE_OPTIONAL_COMPONENTS,
    PLAYBOOK_KEYS,
)
from sigmaq.core.catalog import OTHER_DATA_EVENTS, load_catalog
from sigmaq.core.layout import resolved
from sigmaq.validate.house.base import SIGMAQ_ATTRIBUTE, HouseIssue, sigmaq_metadata
from sigmaq.validate.house.rule_walk import rule_field_values, sibling_values

PLAYBOOK_TAGS = frozenset(PLAYBOOK_KEYS)
CATALOGUE_ID = re.compile(r"^AQ-\d{2}$")
GUIDE = "CONTRIBUTING.md, 'The sigmaq: block'"
METADATA_KEYS = frozenset(["catalogue", "playbook", "data_events", "any_event_source"])
RESOURCE_TYPE = re.compile(r"^AWS::[A-Za-z0-9]+::[A-Za-z0-9]+$")


@dataclass
class SigmaqMetadataIssue(HouseIssue):
    description: ClassVar[str] = "The sigmaq metadata block is missing or malformed"
    severity: ClassVar[SigmaValidationIssueSeverity] = SigmaValidationIssueSeverity.MEDIUM


def _string_list(value: Any) -> list[str] | None:
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return value
    return None


def _component(rule: SigmaRule | SigmaCorrelationRule) -> str | None:
    """The ``rules/<component>/`` folder of a rule file, None outside a rules/ tree."""
    if rule.source is None:
        return None
    parts = resolved(rule.source.path).parts
    if "rules" not in parts[:-1]:
        return None
    below = parts[len(parts) - 1 - parts[::-1].index("rules") + 1 :]
    return below[0] if len(below) == 2 else None


class SigmaqMetadataValidator(SigmaRuleValidator):
    """``sigmaq`` is a map with known keys; ``catalogue`` names detection catalogue items
    (at least one outside ``rules/containment/``); ``playbook`` uses the playbook
    vocabulary; ``data_events`` are resources.type values (CONTRIBUTING.md)."""

    def validate(self, rule: SigmaRule | SigmaCorrelationRule) -> list[SigmaValidationIssue]:
        raw = (rule.custom_attributes or {}).get(SIGMAQ_ATTRIBUTE)
        if raw is None:
            return [
                SigmaqMetadataIssue(
                    [rule], f"rule has no sigmaq: metadata block (see {GUIDE})", "title"
                )
            ]
        if not isinstance(raw, dict):
            return [SigmaqMetadataIssue([rule], "sigmaq: must be a map", SIGMAQ_ATTRIBUTE)]
        problems: list[str] = []
        unknown = sorted(set(raw) - METADATA_KEYS)
        if unknown:
            problems.append(f"unknown keys {unknown} (known: {', '.join(sorted(METADATA_KEYS))})")
        catalogue = _string_list(raw.get("catalogue", []))
        if catalogue is not None:
            for item in catalogue:
                if CATALOGUE_ID.match(item) and item not in CATALOGUE_IDS:
                    problems.append(
                        f"catalogue item {item} does not exist (AQ-01 ... {CATALOGUE_IDS[-1]}; "
                        f"see {GUIDE})"
                    )
            component = _component(rule)
            if not catalogue and component and component not in CATALOGUE_OPTIONAL_COMPONENTS:
                titles = "; ".join(f"{item} {title}" for item, title in CATALOGUE)
                problems.append(
                    f"a rule in rules/{component}/ names at least one catalogue item it "
                    f"implements, e.g. `catalogue: [AQ-05]` (items: {titles})"
                )
        for key, check, what in (
            ("catalogue", CATALOGUE_ID.match, "catalogue ids like AQ-01"),
            ("playbook", PLAYBOOK_TAGS.__contains__, f"one of {', '.join(PLAYBOOK_KEYS)}"),
            (
                "data_events",
                RESOURCE_TYPE.match,
                "resources.type values like AWS::QBusiness::Index",
            ),
        ):
            values = _string_list(raw.get(key, []))
            if values is None:
                problems.append(f"{key} must be a list of strings")
                continue
            bad = [value for value in values if not check(value)]
            if bad:
                problems.append(f"{key} values {bad} are not {what}")
        if not raw.get("playbook"):
            problems.append(
                f"playbook must name at least one step or analysis question "
                f"({', '.join(PLAYBOOK_KEYS)}; see {GUIDE})"
            )
        return [SigmaqMetadataIssue([rule], problem, f"{SIGMAQ_ATTRIBUTE}") for problem in problems]


@dataclass
class SigmaqDataEventsIssue(HouseIssue):
    description: ClassVar[str] = (
        "Rule keys on CloudTrail data events but does not declare them in sigmaq.data_events"
    )
    severity: ClassVar[SigmaValidationIssueSeverity] = SigmaValidationIssueSeverity.MEDIUM


class SigmaqDataEventsValidator(SigmaRuleValidator):
    """A rule whose eventNames are data events must list a ``resources.type`` that logs
    them in ``sigmaq.data_events`` (so users know which trail selectors they need),
    and must not declare data events it does not use."""

    def __init__(self) -> None:
        self.catalog = load_catalog()

    def _required(self, rule: SigmaRule) -> dict[str, set[str]]:
        """eventName -> resources.type options, for each data event the rule keys on."""
        leaves = rule_field_values(rule)
        all_sources = [
            leaf.value.to_plain()
            for leaf in leaves
            if leaf.field == "eventSource" and isinstance(leaf.value, SigmaString)
        ]
        required: dict[str, set[str]] = {}
        for leaf in leaves:
            if leaf.field != "eventName" or leaf.negated or not isinstance(leaf.value, SigmaString):
                continue
            name = leaf.value.to_plain()
            paired = [
                v.to_plain()
                for v in sibling_values(leaf, "eventSource")
                if isinstance(v, SigmaString)
            ]
            for source in paired or all_sources:
                info = self.catalog.info(source, name)
                if info is not None and info.category == "Data":
                    required.setdefault(name, set()).update(info.resource_types)
                elif (source, name) in OTHER_DATA_EVENTS:
                    required.setdefault(name, set()).add(OTHER_DATA_EVENTS[(source, name)])
        return required

    def validate(self, rule: SigmaRule | SigmaCorrelationRule) -> list[SigmaValidationIssue]:
        if not isinstance(rule, SigmaRule):
            return []
        declared = set(_string_list(sigmaq_metadata(rule).get("data_events", [])) or [])
        issues: list[SigmaValidationIssue] = []
        for name, options in sorted(self._required(rule).items()):
            if options and not options & declared:
                issues.append(
                    SigmaqDataEventsIssue(
                        [rule],
                        f"{name} is a data event (resources.type {' or '.join(sorted(options))}); "
                        "add one to sigmaq.data_events and say so in the description",
                        f"{SIGMAQ_ATTRIBUTE}",
                    )
                )
        return issues


class SigmaqUnknownFieldValidator(SigmaRuleValidator):
    """SigmaHQ's ``sigmahq_unknown_field`` minus the ``sigmaq`` attribute.

    SigmaHQ allows no custom top-level attributes in its own repository; sigmaq
    defines exactly one (``sigmaq:``), so this variant replaces that validator.
    """

    allowed: ClassVar[frozenset[str]] = frozenset(
        ["regression_tests_path", "simulation", SIGMAQ_ATTRIBUTE]
    )

    def validate(self, rule: SigmaRule | SigmaCorrelationRule) -> list[SigmaValidationIssue]:
        allowed = set(self.allowed)
        if isinstance(rule, SigmaCorrelationRule):
            allowed.add("correlation")
        unknown = [key for key in (rule.custom_attributes or {}) if key not in allowed]
        return [SigmahqUnknownFieldIssue([rule], unknown)] if unknown else []
