"""Emit the event selectors that let the selected rules fire: exactly their missing data events.

For one target (a trail or an event data store), every data event a selected rule needs and
the target does not fully log is enabled by one advanced selector per ``resources.type``::

    eventCategory Equals [Data]; resources.type Equals [<type>]; eventName Equals [<names>]

(``eventName`` is left out when a rule needs every event of the type). When a data event can
be logged under several types (``BatchPutDocument``: ``AWS::QBusiness::Application`` or
``AWS::QBusiness::Index``), the type the rule lists first in ``sigmaq.data_events`` is used.

The new selectors are appended to the target's existing ones, none dropped. A trail on basic
``EventSelectors`` is converted to the equivalent advanced form first (a trail cannot use both,
and ``PutEventSelectors`` with advanced selectors overwrites the basic ones:
``selectors.BasicSelector.to_advanced``). Management-event gaps (WriteOnly trails, excluded
sources) are reported, not fixed: adding a second copy of management events is charged.

Outputs: the ``put-event-selectors`` request (``aws cloudtrail put-event-selectors
--cli-input-json file://...``, run in the trail's home region) or, for an event data store,
the ``update-event-data-store`` request; a CloudFormation snippet
(``AWS::CloudTrail::Trail``/``AWS::CloudTrail::EventDataStore`` ``AdvancedEventSelectors``)
and a Terraform snippet (``aws_cloudtrail``/``aws_cloudtrail_event_data_store``
``advanced_event_selector``/``field_selector`` blocks).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import yaml

from sigmaq.core.errors import SigmaqError
from sigmaq.readiness.exports import EVENT_DATA_STORE, LogSource
from sigmaq.readiness.needs import EventNeed, RuleNeeds
from sigmaq.readiness.selectors import (
    MAX_SELECTOR_VALUES,
    AdvancedSelector,
    FieldSelector,
    evaluate_selectors,
    total_values,
)

COST_CAVEAT = (
    "Data events are charged per event delivered (CloudTrail pricing: "
    "https://aws.amazon.com/cloudtrail/pricing/), unlike the first copy of management "
    "events. Chat, document and S3 object events can be high-volume: the selectors below "
    "are narrowed by eventName to what the rules use; narrow them further by resources.ARN "
    "(one Q Business application, the prompt-log bucket) where you can."
)

_TERRAFORM_OPERATORS = {
    "Equals": "equals",
    "StartsWith": "starts_with",
    "EndsWith": "ends_with",
    "NotEquals": "not_equals",
    "NotStartsWith": "not_starts_with",
    "NotEndsWith": "not_ends_with",
}


class FixError(SigmaqError):
    """The fix cannot be computed (target unknown, selectors not exported)."""


@dataclass(frozen=True)
class Fix:
    """The selectors to put on ``target``: ``existing`` (advanced form) + ``added``.

    ``rules_served`` maps each added selector's name to the rule titles that need it;
    ``unfixed`` lists management-event gaps left as they are; ``warnings`` quota breaches.
    """

    target: LogSource
    existing: tuple[AdvancedSelector, ...]
    added: tuple[AdvancedSelector, ...]
    rules_served: dict[str, tuple[str, ...]]
    unfixed: tuple[str, ...]
    warnings: tuple[str, ...]

    @property
    def merged(self) -> tuple[AdvancedSelector, ...]:
        return (*self.existing, *self.added)

    @property
    def converted_from_basic(self) -> bool:
        return bool(self.target.basic_selectors) and self.target.selector_origin in (
            "basic",
            "default",
        )


def choose_target(sources: Sequence[LogSource], name: str | None = None) -> LogSource:
    """The source to fix: the one named ``name`` (name or ARN), else the best trail.

    Best: logging, multi-region, organisation, selectors known. Raises FixError when no
    source fits.
    """
    if name is not None:
        for source in sources:
            if name in (source.name, source.arn):
                return source
        raise FixError(f"no trail or event data store named {name!r} in the exports")
    candidates = [s for s in sources if s.selectors is not None]
    if not candidates:
        raise FixError("no exported trail has known event selectors (export get-event-selectors)")
    return max(
        candidates,
        key=lambda s: (
            s.logging is not False,
            s.multi_region is True,
            s.organization is True,
            s.kind != EVENT_DATA_STORE,
        ),
    )


def _preferred_type(options: Sequence[str], rule: RuleNeeds) -> str:
    for kind in rule.declared_data_events:
        if kind in options:
            return kind
    return options[0]


def _any_of_source(need: EventNeed) -> bool:
    """A need of any data event of one source (a rule on ``eventCategory: Data``)."""
    return need.category == "Data" and need.event_name is None and need.event_source is not None


def compute_fix(needs: Sequence[RuleNeeds], target: LogSource) -> Fix:
    """Selectors that make ``target`` log every data event ``needs`` require.

    Raises FixError when the target's selectors are unknown.
    """
    if target.selectors is None:
        raise FixError(f"{target.label}: event selectors not exported (get-event-selectors)")
    wanted: dict[str, set[str] | None] = {}
    served: dict[str, list[str]] = {}
    unfixed: list[str] = []
    # Needs of any data event of a source (a rule on eventCategory: Data, no eventName) come
    # last: a selector added for a named need already logs some of them, and widening it to
    # every event of its type (chat, completions) would multiply the cost for them.
    ordered = sorted(
        ((rule, need) for rule in needs for need in rule.events),
        key=lambda pair: _any_of_source(pair[1]),
    )
    for rule, need in ordered:
        logged = [evaluate_selectors(target.selectors, p).logged for p in need.profiles()]
        if True in logged or (_any_of_source(need) and None in logged):
            continue  # (some events of the source already logged: not widened, see above)
        if need.category != "Data":
            unfixed.append(f"{rule.title}: {need.describe()}")
            continue
        if _any_of_source(need):
            chosen = [kind for kind in need.resource_types if kind in wanted]
            if chosen:
                if rule.title not in served[chosen[0]]:
                    served[chosen[0]].append(rule.title)
                continue
        kind = _preferred_type(need.resource_types, rule)
        names = wanted.get(kind, set())
        if need.event_name is None or names is None:
            wanted[kind] = None
        else:
            wanted[kind] = {*names, need.event_name}
        served.setdefault(kind, [])
        if rule.title not in served[kind]:
            served[kind].append(rule.title)
    added: list[AdvancedSelector] = []
    rules_served: dict[str, tuple[str, ...]] = {}
    for kind in sorted(wanted):
        names = wanted[kind]
        fields = [
            FieldSelector("eventCategory", equals=("Data",)),
            FieldSelector("resources.type", equals=(kind,)),
        ]
        if names:
            fields.append(FieldSelector("eventName", equals=tuple(sorted(names))))
        count = len(served[kind])
        name = f"sigmaq: {kind} data events for {count} rule{'s' if count != 1 else ''}"
        added.append(AdvancedSelector(name, tuple(fields)))
        rules_served[name] = tuple(served[kind])
    existing = tuple(target.selectors)
    warnings: list[str] = []
    total = total_values((*existing, *added))
    if total > MAX_SELECTOR_VALUES:
        warnings.append(
            f"{total} selector values exceed CloudTrail's quota of {MAX_SELECTOR_VALUES} per trail"
        )
    for selector in added:
        problems = selector.problems()
        if problems:  # our own output must be valid; a failure here is a bug
            raise FixError(f"{selector.name}: {problems}")
    return Fix(
        target,
        existing,
        tuple(added),
        rules_served,
        tuple(dict.fromkeys(unfixed)),
        tuple(warnings),
    )


def request_json(fix: Fix) -> dict[str, Any]:
    """The ``put-event-selectors`` (trail) or ``update-event-data-store`` request body."""
    selectors = [s.to_json() for s in fix.merged]
    if fix.target.kind == EVENT_DATA_STORE:
        return {
            "EventDataStore": fix.target.arn or fix.target.name,
            "AdvancedEventSelectors": selectors,
        }
    return {"TrailName": fix.target.arn or fix.target.name, "AdvancedEventSelectors": selectors}


def _logical_id(name: str) -> str:
    words = [w for w in "".join(c if c.isalnum() else " " for c in name).split() if w]
    return "".join(w[:1].upper() + w[1:] for w in words) or "Trail"


def cloudformation_snippet(fix: Fix) -> str:
    """YAML for the trail's (or store's) ``AdvancedEventSelectors`` property."""
    kind = (
        "AWS::CloudTrail::EventDataStore"
        if fix.target.kind == EVENT_DATA_STORE
        else "AWS::CloudTrail::Trail"
    )
    body = {
        "Resources": {
            _logical_id(fix.target.name): {
                "Type": kind,
                "Properties": {"AdvancedEventSelectors": [s.to_json() for s in fix.merged]},
            }
        }
    }
    head = (
        f"# Merge into your {kind} resource for {fix.target.name}: AdvancedEventSelectors\n"
        "# replaces EventSelectors (remove that property); keep your other properties.\n"
    )
    text = yaml.safe_dump(body, sort_keys=False, default_flow_style=False, width=100)
    return head + text


def _hcl_string(value: str) -> str:
    return json.dumps(value)  # HCL string literals share JSON's escapes for these values


def terraform_snippet(fix: Fix) -> str:
    """HCL ``advanced_event_selector`` blocks for ``aws_cloudtrail`` (or the event data store)."""
    resource = (
        "aws_cloudtrail_event_data_store"
        if fix.target.kind == EVENT_DATA_STORE
        else "aws_cloudtrail"
    )
    label = re.sub(r"[^a-z0-9]+", "_", fix.target.name.lower()).strip("_") or "this"
    lines = [
        f"# Merge into your {resource} resource for {fix.target.name}: replace its event_selector",
        "# and advanced_event_selector blocks with these; keep your other arguments.",
        f'resource "{resource}" "{label}" {{',
    ]
    for selector in fix.merged:
        lines.append("  advanced_event_selector {")
        lines.append(f"    name = {_hcl_string(selector.name)}")
        for field_selector in selector.field_selectors:
            lines.append("    field_selector {")
            lines.append(f"      field = {_hcl_string(field_selector.field)}")
            for operator, values in field_selector.operators().items():
                rendered = ", ".join(_hcl_string(v) for v in values)
                lines.append(f"      {_TERRAFORM_OPERATORS[operator]} = [{rendered}]")
            lines.append("    }")
        lines.append("  }")
    lines.append("}")
    return "\n".join(lines) + "\n"
