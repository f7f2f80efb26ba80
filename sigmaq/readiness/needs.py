"""What a rule needs a trail to log, read from the rule itself.

A rule's parsed condition (pySigma's condition tree, the same one replay evaluates) is
reduced to *event patterns*: the ``eventSource``, ``eventName``, ``readOnly`` and
``eventCategory`` values one match requires (AND intersects, OR unions, anything under NOT or
on another field constrains nothing). A pattern on ``eventCategory: Data`` without an
eventName needs any data event of its source (under any of the source's ``resources.type``
values). Each (eventSource, eventName) is then classed as a management or data event:

- Amazon Q sources: the API catalogue (``sigmaq.core.catalog``: category, readOnly and the
  data-event ``resources.type`` values, from the AWS CloudTrail pages);
- S3 object-level calls and Lambda ``Invoke``: data events (CloudTrail User Guide, "Logging
  data events": ``AWS::S3::Object``, ``AWS::Lambda::Function``);
- everything else: a management event.

The rule's ``sigmaq.data_events`` is authoritative for what it declares: a declared
``resources.type`` that no named event explains becomes a need for any data event of that
type. A correlation needs what the rules it references need; a ``value_count`` over an
account field (``recipientAccountId``, ``userIdentity.accountId``) needs events of several
accounts in one place (an organisation trail).
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sigmaq.core.catalog import Catalog, load_catalog
from sigmaq.readiness.selectors import EventProfile

log = logging.getLogger(__name__)

# S3 object-level and Lambda invoke calls: data events outside the Amazon Q catalogue
# (CloudTrail User Guide, "Logging data events", data-event types table).
OTHER_DATA_EVENTS: dict[tuple[str, str], str] = {
    **{
        ("s3.amazonaws.com", name): "AWS::S3::Object"
        for name in (
            "GetObject",
            "PutObject",
            "DeleteObject",
            "DeleteObjects",
            "CopyObject",
            "HeadObject",
            "GetObjectAcl",
            "PutObjectAcl",
            "RestoreObject",
            "GetObjectTagging",
            "PutObjectTagging",
            "DeleteObjectTagging",
            "CreateMultipartUpload",
            "UploadPart",
            "CompleteMultipartUpload",
        )
    },
    ("lambda.amazonaws.com", "Invoke"): "AWS::Lambda::Function",
}
# Services whose events CloudTrail records as global service events (IAM, global STS
# endpoint, CloudFront, Route 53): a trail sees them only with IncludeGlobalServiceEvents.
GLOBAL_SERVICE_SOURCES = frozenset(
    [
        "iam.amazonaws.com",
        "sts.amazonaws.com",
        "cloudfront.amazonaws.com",
        "route53.amazonaws.com",
    ]
)
ACCOUNT_FIELDS = frozenset(["recipientAccountId", "userIdentity.accountId"])
_READ_PREFIXES = ("Get", "List", "Describe", "Head", "Lookup", "Search", "BatchGet", "Scan")
_WRITE_PREFIXES = (
    "Create",
    "Delete",
    "Put",
    "Update",
    "Attach",
    "Detach",
    "Associate",
    "Disassociate",
    "Add",
    "Remove",
    "Set",
    "Start",
    "Stop",
    "Terminate",
    "Enable",
    "Disable",
    "Tag",
    "Untag",
    "Modify",
    "Reset",
    "Schedule",
    "Cancel",
    "Register",
    "Deregister",
    "Revoke",
    "Authorize",
    "Restore",
    "Copy",
    "Run",
    "Import",
    "Upload",
    "Deactivate",
    "Rotate",
    "Replace",
)
_MAX_PATTERNS = 4096


def read_only_from_name(event_name: str) -> bool | None:
    """CloudTrail's readOnly guessed from the verb of ``event_name``; None when unsure.

    Only a fallback: the catalogue's value (Amazon Q) or the rule's own ``readOnly``
    constraint wins. ``Get*``/``List*``/``Describe*`` are reads, ``Create*``/``Delete*``/
    ``Put*``... writes (CloudTrail User Guide, "Read and write events").
    """
    if event_name.startswith(_READ_PREFIXES):
        return True
    if event_name.startswith(_WRITE_PREFIXES):
        return False
    return None


@dataclass(frozen=True)
class EventNeed:
    """One kind of event a rule keys on.

    ``event_source``/``event_name``: None means any. ``category``: ``Management`` or
    ``Data``. ``resource_types``: for a data event, the ``resources.type`` values any one of
    which logs it. ``read_only``: CloudTrail's readOnly, None when unknown.
    """

    event_source: str | None
    event_name: str | None
    category: str
    read_only: bool | None = None
    resource_types: tuple[str, ...] = ()

    def profiles(self) -> list[EventProfile]:
        """Event profiles to evaluate selectors on: one per resource type for data events."""
        if self.category == "Data":
            return [
                EventProfile("Data", self.event_source, self.event_name, self.read_only, kind)
                for kind in self.resource_types or (None,)
            ]
        return [EventProfile("Management", self.event_source, self.event_name, self.read_only)]

    @property
    def is_global_service(self) -> bool:
        return self.event_source in GLOBAL_SERVICE_SOURCES

    def describe(self) -> str:
        what = f"{self.event_source or 'any source'}:{self.event_name or '*'}"
        if self.category == "Data":
            return f"data event {what} ({' or '.join(self.resource_types) or 'any type'})"
        rw = {True: " (read)", False: " (write)", None: ""}[self.read_only]
        return f"management event {what}{rw}"


@dataclass(frozen=True)
class RuleNeeds:
    """Everything readiness needs to know about one rule.

    ``path`` is as loaded; ``playbook`` holds the rule's ``sigmaq.playbook`` keys;
    ``declared_data_events`` its ``sigmaq.data_events``; ``spans_accounts`` is True for a
    correlation counting distinct accounts.
    """

    rule_id: str
    title: str
    path: str
    level: str
    is_correlation: bool
    playbook: tuple[str, ...]
    declared_data_events: tuple[str, ...]
    events: tuple[EventNeed, ...]
    spans_accounts: bool = False

    @property
    def data_events(self) -> tuple[EventNeed, ...]:
        return tuple(e for e in self.events if e.category == "Data")

    @property
    def management_events(self) -> tuple[EventNeed, ...]:
        return tuple(e for e in self.events if e.category == "Management")


# --------------------------------------------------------------------------- condition walk


@dataclass(frozen=True)
class _Pattern:
    sources: frozenset[str] | None = None
    names: frozenset[str] | None = None
    read_only: bool | None = None
    category: str | None = None  # eventCategory (Management, Data...) when the rule fixes it

    def merge(self, other: _Pattern) -> _Pattern | None:
        """AND of two patterns; None when they cannot both hold."""
        sources = _intersect(self.sources, other.sources)
        names = _intersect(self.names, other.names)
        if (sources is not None and not sources) or (names is not None and not names):
            return None
        if None not in (self.read_only, other.read_only) and self.read_only != other.read_only:
            return None
        if None not in (self.category, other.category) and self.category != other.category:
            return None
        read_only = self.read_only if self.read_only is not None else other.read_only
        category = self.category if self.category is not None else other.category
        return _Pattern(sources, names, read_only, category)


_ANY = _Pattern()


def _intersect(a: frozenset[str] | None, b: frozenset[str] | None) -> frozenset[str] | None:
    if a is None:
        return b
    if b is None:
        return a
    return a & b


def _plain(value: Any) -> str | None:
    """A SigmaString without wildcards as text; None for anything else."""
    from sigma.types import SigmaString

    if isinstance(value, SigmaString) and not value.contains_special():
        return str(value.to_plain())
    return None


def _leaf_pattern(field: str, value: Any) -> _Pattern:
    from sigma.types import SigmaBool

    if field == "readOnly":
        if isinstance(value, SigmaBool):
            return _Pattern(read_only=bool(value.boolean))
        text = _plain(value)
        if text is not None and text.lower() in ("true", "false"):
            return _Pattern(read_only=text.lower() == "true")
        return _ANY
    text = _plain(value)
    if text is None:
        return _ANY
    if field == "eventSource":
        return _Pattern(sources=frozenset([text]))
    if field == "eventName":
        return _Pattern(names=frozenset([text]))
    if field == "eventCategory":
        return _Pattern(category=text)
    return _ANY


def _patterns(node: Any) -> list[_Pattern]:
    """Event patterns of a pySigma condition node (see the module docstring)."""
    from sigma.conditions import (
        ConditionAND,
        ConditionFieldEqualsValueExpression,
        ConditionOR,
    )

    if isinstance(node, ConditionFieldEqualsValueExpression):
        return [_leaf_pattern(node.field, node.value)]
    if isinstance(node, ConditionOR):
        found: list[_Pattern] = []
        for arg in node.args:
            for pattern in _patterns(arg):
                if pattern == _ANY:
                    return [_ANY]
                if pattern not in found:
                    found.append(pattern)
        return found
    if isinstance(node, ConditionAND):
        combined: list[_Pattern] = [_ANY]
        for arg in node.args:
            merged: list[_Pattern] = []
            for left, right in itertools.product(combined, _patterns(arg)):
                both = left.merge(right)
                if both is not None and both not in merged:
                    merged.append(both)
            if len(merged) > _MAX_PATTERNS:
                log.debug("condition too wide to enumerate; reading it as any event")
                return [_ANY]
            combined = merged
        return combined
    return [_ANY]  # NOT, keywords, anything else constrains nothing


def rule_patterns(rule: Any) -> list[_Pattern]:
    """Event patterns of a pySigma ``SigmaRule`` (all its conditions)."""
    found: list[_Pattern] = []
    for condition in rule.detection.parsed_condition:
        for pattern in _patterns(condition.parsed):
            if pattern not in found:
                found.append(pattern)
    return found


# --------------------------------------------------------------------------- classification


def classify(
    event_source: str | None,
    event_name: str | None,
    read_only: bool | None,
    catalog: Catalog,
) -> EventNeed:
    """The ``EventNeed`` of one (eventSource, eventName); see the module docstring."""
    if event_source is not None and event_name is not None:
        info = catalog.info(event_source, event_name)
        if info is not None:
            return EventNeed(
                event_source,
                event_name,
                info.category,
                read_only if read_only is not None else info.read_only,
                info.resource_types if info.category == "Data" else (),
            )
        other = OTHER_DATA_EVENTS.get((event_source, event_name))
        if other is not None:
            guess = read_only if read_only is not None else read_only_from_name(event_name)
            return EventNeed(event_source, event_name, "Data", guess, (other,))
    if event_name is not None and read_only is None:
        read_only = read_only_from_name(event_name)
    return EventNeed(event_source, event_name, "Management", read_only)


def _events_of_patterns(patterns: Iterable[_Pattern], catalog: Catalog) -> list[EventNeed]:
    out: list[EventNeed] = []
    for pattern in patterns:
        if pattern.names is None:
            for source in sorted(pattern.sources) if pattern.sources else [None]:
                if pattern.category == "Data":
                    # any data event of the source: logged under any of its types
                    types = _source_data_types(source, catalog)
                    out.append(EventNeed(source, None, "Data", pattern.read_only, types))
                else:
                    out.append(EventNeed(source, None, "Management", pattern.read_only))
            continue
        for name in sorted(pattern.names):
            sources: list[str | None] = (
                list(sorted(pattern.sources))
                if pattern.sources
                else list(sorted(catalog.sources_for_name(name))) or [None]
            )
            out.extend(classify(source, name, pattern.read_only, catalog) for source in sources)
    return out


def _source_data_types(source: str | None, catalog: Catalog) -> tuple[str, ...]:
    """Every ``resources.type`` under which ``source`` logs a data event (catalogue order;
    empty, meaning any type, for a source outside it)."""
    if source is None:
        return ()
    found: dict[str, None] = {}
    for name in sorted(catalog.names(source)):
        found.update(dict.fromkeys(catalog.data_event_types(source, name)))
    for (other_source, _), kind in OTHER_DATA_EVENTS.items():
        if other_source == source:
            found[kind] = None
    return tuple(found)


def _dedupe(events: Iterable[EventNeed]) -> tuple[EventNeed, ...]:
    seen: list[EventNeed] = []
    for event in events:
        if event not in seen:
            seen.append(event)
    return tuple(seen)


def _metadata(rule: Any, document: Any) -> dict[str, Any]:
    meta = (rule.custom_attributes or {}).get("sigmaq")
    if meta is None and isinstance(getattr(document, "data", None), dict):
        meta = document.data.get("sigmaq")
    return meta if isinstance(meta, dict) else {}


def _strings(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list):
        return tuple(str(v) for v in value)
    return ()


def _rule_events(rule: Any, catalog: Catalog) -> list[EventNeed]:
    from sigma.correlations import SigmaCorrelationRule

    if isinstance(rule, SigmaCorrelationRule):
        events: list[EventNeed] = []
        for reference in rule.rules or ():
            target = getattr(reference, "rule", None)
            if target is not None:
                events.extend(_rule_events(target, catalog))
        return events
    return _events_of_patterns(rule_patterns(rule), catalog)


def _spans_accounts(rule: Any) -> bool:
    from sigma.correlations import SigmaCorrelationRule

    if not isinstance(rule, SigmaCorrelationRule):
        return False
    fieldref = getattr(rule.condition, "fieldref", None)
    fields = {fieldref} if isinstance(fieldref, str) else set(fieldref or [])
    return bool(fields & ACCOUNT_FIELDS)


def rule_needs(loaded: Any, catalog: Catalog | None = None) -> RuleNeeds:
    """``RuleNeeds`` of one ``sigmaq.core.loader.LoadedRule``."""
    catalog = catalog if catalog is not None else load_catalog()
    rule = loaded.rule
    meta = _metadata(rule, loaded.document)
    if loaded.is_correlation:
        # A correlation inherits its base rules' declared data events as well.
        for reference in rule.rules or ():
            target = getattr(reference, "rule", None)
            if target is not None:
                inherited = _strings(_metadata(target, None).get("data_events"))
                meta = {**meta, "data_events": [*_strings(meta.get("data_events")), *inherited]}
    declared = tuple(dict.fromkeys(_strings(meta.get("data_events"))))
    events = _rule_events(rule, catalog)
    explained = {kind for event in events for kind in event.resource_types}
    for kind in declared:
        if kind not in explained:
            events.append(EventNeed(None, None, "Data", None, (kind,)))
    level = getattr(rule.level, "name", None)
    return RuleNeeds(
        rule_id=loaded.rule_id,
        title=str(rule.title),
        path=str(loaded.path),
        level=str(level).lower() if level else "",
        is_correlation=loaded.is_correlation,
        playbook=_strings(meta.get("playbook")),
        declared_data_events=declared,
        events=_dedupe(events),
        spans_accounts=_spans_accounts(rule),
    )


def pack_needs(loaded_rules: Sequence[Any]) -> list[RuleNeeds]:
    """``rule_needs`` of every loaded rule, sorted by path then title."""
    catalog = load_catalog()
    needs = [rule_needs(loaded, catalog) for loaded in loaded_rules]
    return sorted(needs, key=lambda n: (n.path, n.title.lower()))
