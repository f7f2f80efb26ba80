"""CloudTrail event selectors: values, faithful evaluation, basic-to-advanced conversion.

Shapes follow botocore's CloudTrail model (``cloudtrail/2013-11-01``): an
``AdvancedEventSelector`` is ``{Name, FieldSelectors: [{Field, Equals, StartsWith,
EndsWith, NotEquals, NotStartsWith, NotEndsWith}]}``; a basic ``EventSelector`` is
``{ReadWriteType, IncludeManagementEvents, DataResources: [{Type, Values}],
ExcludeManagementEventSources}``.

Semantics (CloudTrail API reference, ``PutEventSelectors`` and ``AdvancedFieldSelector``;
User Guide, "Logging data events", "Filtering data events by using advanced event selectors"):

- an event is logged when it matches ANY selector; a selector matches when ALL of its field
  selectors match;
- ``Equals``/``StartsWith``/``EndsWith`` *include* events whose field matches one of the
  values (values are ORed); ``NotEquals``/``NotStartsWith``/``NotEndsWith`` *exclude*
  events whose field matches one of the values. A field selector holding both kinds
  matches when some include value matches (or there is none) and no exclude value does;
- comparisons are exact and case-sensitive; selectors have no wildcards.

A rule's event is known only in part (its eventSource, eventName, category, readOnly and
resources.type; never the ARN or caller of a future event), so evaluation is three-valued:
``True`` logged, ``False`` not logged, ``None`` logged for some events only (a field
selector on a value we cannot know). The field selectors that made it ``None`` are returned
so a report can say "logged only where resources.ARN StartsWith ...".
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sigmaq.core.errors import SigmaqError

OPERATORS = ("Equals", "StartsWith", "EndsWith", "NotEquals", "NotStartsWith", "NotEndsWith")
INCLUDE_OPERATORS = OPERATORS[:3]
EXCLUDE_OPERATORS = OPERATORS[3:]
# Fields whose only valid operator is Equals (AdvancedFieldSelector, "Equals").
EQUALS_ONLY_FIELDS = frozenset(["readOnly", "eventCategory", "resources.type"])
# Fields of a CloudTrail event record that advanced selectors may name (API reference).
KNOWN_FIELDS = frozenset(
    [
        "eventCategory",
        "eventSource",
        "eventName",
        "eventType",
        "readOnly",
        "resources.type",
        "resources.ARN",
        "sessionCredentialFromConsole",
        "userIdentity.arn",
        "errorCode",
        "vpcEndpointId",
    ]
)
READ_WRITE_TYPES = ("ReadOnly", "WriteOnly", "All")
# Per-trail quota: 500 values across all conditions of all advanced selectors.
MAX_SELECTOR_VALUES = 500
# Basic DataResources values that mean "every resource of the type" (DataResource.Values).
_ALL_RESOURCES = re.compile(r"^arn:[a-z-]+:(s3|lambda|dynamodb)$")
# Basic data-resource types whose Values are exact ARNs rather than prefixes.
_EXACT_ARN_TYPES = frozenset(["AWS::Lambda::Function", "AWS::DynamoDB::Table"])

Tri = bool | None


class SelectorError(SigmaqError):
    """An event selector in an export is malformed (wrong type, unknown operator...)."""


@dataclass(frozen=True)
class FieldSelector:
    """One ``AdvancedFieldSelector``: a field and its operator values."""

    field: str
    equals: tuple[str, ...] = ()
    starts_with: tuple[str, ...] = ()
    ends_with: tuple[str, ...] = ()
    not_equals: tuple[str, ...] = ()
    not_starts_with: tuple[str, ...] = ()
    not_ends_with: tuple[str, ...] = ()

    @classmethod
    def from_json(cls, data: Any, where: str = "") -> FieldSelector:
        """Parse the API/CLI shape. Raises SelectorError on a malformed selector."""
        if not isinstance(data, Mapping) or not isinstance(data.get("Field"), str):
            raise SelectorError(f"{where}: a field selector needs a string 'Field'")
        unknown = sorted(set(data) - {"Field", *OPERATORS})
        if unknown:
            raise SelectorError(f"{where}: unknown keys {unknown} in field selector")
        values: dict[str, tuple[str, ...]] = {}
        for operator in OPERATORS:
            raw = data.get(operator) or []
            if not isinstance(raw, list) or not all(isinstance(v, str) for v in raw):
                raise SelectorError(f"{where}: {operator} must be a list of strings")
            values[operator] = tuple(raw)
        return cls(
            field=data["Field"],
            equals=values["Equals"],
            starts_with=values["StartsWith"],
            ends_with=values["EndsWith"],
            not_equals=values["NotEquals"],
            not_starts_with=values["NotStartsWith"],
            not_ends_with=values["NotEndsWith"],
        )

    def operators(self) -> dict[str, tuple[str, ...]]:
        """Operator name -> values, API names, empty operators left out."""
        pairs = zip(
            OPERATORS,
            (
                self.equals,
                self.starts_with,
                self.ends_with,
                self.not_equals,
                self.not_starts_with,
                self.not_ends_with,
            ),
            strict=True,
        )
        return {name: values for name, values in pairs if values}

    def to_json(self) -> dict[str, Any]:
        """The API/CLI shape (``Field`` first, then the non-empty operators)."""
        out: dict[str, Any] = {"Field": self.field}
        out.update({name: list(values) for name, values in self.operators().items()})
        return out

    def value_count(self) -> int:
        """Values this condition uses, as counted against the 500-value quota."""
        return sum(len(values) for values in self.operators().values())

    def matches(self, value: str) -> bool:
        """Does a known field ``value`` pass this condition (exact, case-sensitive)?"""
        includes = (
            value in self.equals
            or any(value.startswith(v) for v in self.starts_with)
            or any(value.endswith(v) for v in self.ends_with)
        )
        has_includes = bool(self.equals or self.starts_with or self.ends_with)
        excluded = (
            value in self.not_equals
            or any(value.startswith(v) for v in self.not_starts_with)
            or any(value.endswith(v) for v in self.not_ends_with)
        )
        return (includes or not has_includes) and not excluded

    def evaluate(self, value: str | None) -> Tri:
        """``matches(value)``, or None when the value is unknown."""
        return None if value is None else self.matches(value)

    def evaluate_prefix(self, prefix: str) -> Tri:
        """Does a value known only to start with ``prefix`` pass? (three-valued)

        An include value decides True when ``prefix`` already starts with it, is possible
        (None) when it extends ``prefix``, impossible otherwise; excludes mirror that.
        """
        include: Tri = False
        if not (self.equals or self.starts_with or self.ends_with):
            include = True
        for value in self.starts_with:
            if prefix.startswith(value):
                include = True
                break
            if value.startswith(prefix):
                include = None
        extendable = any(v.startswith(prefix) for v in self.equals) or self.ends_with
        if include is not True and extendable:
            include = None
        exclude: Tri = False
        for value in self.not_starts_with:
            if prefix.startswith(value):
                return False
            if value.startswith(prefix):
                exclude = None
        if any(v.startswith(prefix) for v in self.not_equals) or self.not_ends_with:
            exclude = None
        if include is False:
            return False
        if include is True and exclude is False:
            return True
        return None

    def describe(self) -> str:
        """``resources.ARN StartsWith [a, b]`` style text."""
        parts = [f"{name} [{', '.join(values)}]" for name, values in self.operators().items()]
        return f"{self.field} {' and '.join(parts)}" if parts else f"{self.field} (no operator)"


@dataclass(frozen=True)
class EventProfile:
    """What is known of an event a rule needs logged.

    ``category``: ``Management`` or ``Data``; ``read_only``: CloudTrail's readOnly, None when
    unknown; ``resource_type``: the data event's ``resources.type``. ``None`` anywhere means
    "unknown": an event of any value could occur. Fields not modelled here (resources.ARN,
    userIdentity.arn, errorCode, ...) are always unknown.
    """

    category: str
    event_source: str | None = None
    event_name: str | None = None
    read_only: bool | None = None
    resource_type: str | None = None
    resource_arn_prefix: str | None = None

    def value(self, name: str) -> str | None:
        """The record value of selector field ``name``, None when unknown."""
        if name == "eventCategory":
            return self.category
        if name == "eventSource":
            return self.event_source
        if name == "eventName":
            return self.event_name
        if name == "readOnly":
            return None if self.read_only is None else str(self.read_only).lower()
        if name == "resources.type":
            return self.resource_type
        return None

    def describe(self) -> str:
        parts = [self.category.lower()]
        if self.resource_type:
            parts.append(self.resource_type)
        parts.append(f"{self.event_source or 'any source'}:{self.event_name or '*'}")
        if self.read_only is not None:
            parts.append("read" if self.read_only else "write")
        return " ".join(parts)


@dataclass(frozen=True)
class SelectorVerdict:
    """Is an event logged? ``logged``: True, False or None (only where ``conditions`` hold)."""

    logged: Tri
    conditions: tuple[str, ...] = ()


@dataclass(frozen=True)
class AdvancedSelector:
    """One ``AdvancedEventSelector``: a name and ANDed field selectors."""

    name: str
    field_selectors: tuple[FieldSelector, ...]

    @classmethod
    def from_json(cls, data: Any, where: str = "") -> AdvancedSelector:
        """Parse the API/CLI shape. Raises SelectorError on a malformed selector."""
        if not isinstance(data, Mapping):
            raise SelectorError(f"{where}: an advanced event selector must be an object")
        raw = data.get("FieldSelectors")
        if not isinstance(raw, list) or not raw:
            raise SelectorError(f"{where}: FieldSelectors must be a non-empty list")
        name = data.get("Name", "")
        if not isinstance(name, str):
            raise SelectorError(f"{where}: Name must be a string")
        return cls(
            name=name,
            field_selectors=tuple(
                FieldSelector.from_json(item, f"{where}.FieldSelectors[{i}]")
                for i, item in enumerate(raw)
            ),
        )

    def to_json(self) -> dict[str, Any]:
        return {"Name": self.name, "FieldSelectors": [f.to_json() for f in self.field_selectors]}

    def value_count(self) -> int:
        return sum(f.value_count() for f in self.field_selectors)

    def fields(self, name: str) -> list[FieldSelector]:
        return [f for f in self.field_selectors if f.field == name]

    def evaluate(self, event: EventProfile) -> SelectorVerdict:
        """ALL field selectors must match (Kleene AND)."""
        unknown: list[str] = []
        for selector in self.field_selectors:
            if selector.field == "resources.ARN" and event.resource_arn_prefix is not None:
                result = selector.evaluate_prefix(event.resource_arn_prefix)
            else:
                result = selector.evaluate(event.value(selector.field))
            if result is False:
                return SelectorVerdict(False)
            if result is None:
                unknown.append(selector.describe())
        return SelectorVerdict(None, tuple(unknown)) if unknown else SelectorVerdict(True)

    def problems(self) -> list[str]:
        """Rule breaches the API would reject (required fields, Equals-only fields)."""
        out: list[str] = []
        categories = self.fields("eventCategory")
        if len(categories) != 1 or not categories[0].equals:
            out.append("needs exactly one eventCategory field selector using Equals")
        for selector in self.field_selectors:
            if selector.field not in KNOWN_FIELDS:
                out.append(f"unknown field {selector.field!r}")
            if not selector.operators():
                out.append(f"{selector.field}: no operator values")
            if selector.field in EQUALS_ONLY_FIELDS and set(selector.operators()) - {"Equals"}:
                out.append(f"{selector.field} accepts only Equals")
        if categories and "Data" in categories[0].equals and not self.fields("resources.type"):
            out.append("a data-event selector needs resources.type")
        return out


def evaluate_selectors(
    selectors: Sequence[AdvancedSelector], event: EventProfile
) -> SelectorVerdict:
    """ANY selector must match (Kleene OR). No selector at all logs nothing."""
    conditions: list[str] = []
    for selector in selectors:
        verdict = selector.evaluate(event)
        if verdict.logged is True:
            return verdict
        if verdict.logged is None:
            label = selector.name or "unnamed selector"
            conditions.append(f"{label}: {' and '.join(verdict.conditions)}")
    return SelectorVerdict(None, tuple(conditions)) if conditions else SelectorVerdict(False)


@dataclass(frozen=True)
class DataResource:
    """A basic ``DataResource``: a resource type and ARN values (prefixes or exact)."""

    type: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class BasicSelector:
    """A basic ``EventSelector``."""

    read_write_type: str = "All"
    include_management_events: bool = True
    data_resources: tuple[DataResource, ...] = ()
    exclude_management_event_sources: tuple[str, ...] = field(default_factory=tuple)

    @classmethod
    def from_json(cls, data: Any, where: str = "") -> BasicSelector:
        """Parse the API/CLI shape (defaults per the API: All, management events on).

        Raises SelectorError on a malformed selector.
        """
        if not isinstance(data, Mapping):
            raise SelectorError(f"{where}: an event selector must be an object")
        rwt = data.get("ReadWriteType", "All")
        if rwt not in READ_WRITE_TYPES:
            raise SelectorError(f"{where}: ReadWriteType must be one of {READ_WRITE_TYPES}")
        include = data.get("IncludeManagementEvents", True)
        if not isinstance(include, bool):
            raise SelectorError(f"{where}: IncludeManagementEvents must be true or false")
        resources = []
        for i, item in enumerate(data.get("DataResources") or []):
            values = item.get("Values") if isinstance(item, Mapping) else None
            kind = item.get("Type") if isinstance(item, Mapping) else None
            if not isinstance(kind, str) or not isinstance(values, list):
                raise SelectorError(f"{where}.DataResources[{i}]: needs Type and Values")
            resources.append(DataResource(kind, tuple(str(v) for v in values)))
        excluded = data.get("ExcludeManagementEventSources") or []
        if not isinstance(excluded, list):
            raise SelectorError(f"{where}: ExcludeManagementEventSources must be a list")
        return cls(rwt, include, tuple(resources), tuple(str(s) for s in excluded))

    def to_json(self) -> dict[str, Any]:
        return {
            "ReadWriteType": self.read_write_type,
            "IncludeManagementEvents": self.include_management_events,
            "DataResources": [
                {"Type": r.type, "Values": list(r.values)} for r in self.data_resources
            ],
            "ExcludeManagementEventSources": list(self.exclude_management_event_sources),
        }

    def _read_only(self) -> list[FieldSelector]:
        if self.read_write_type == "ReadOnly":
            return [FieldSelector("readOnly", equals=("true",))]
        if self.read_write_type == "WriteOnly":
            return [FieldSelector("readOnly", equals=("false",))]
        return []

    def to_advanced(self, label: str = "Basic event selector") -> list[AdvancedSelector]:
        """The equivalent advanced selectors (one for management events, one per data type).

        Mapping (CloudTrail User Guide, "Logging management events" and "Logging data
        events", CLI examples): management events -> ``eventCategory Equals Management``
        plus ``readOnly Equals true|false`` for ReadOnly/WriteOnly and ``eventSource
        NotEquals`` the excluded sources; a data resource -> ``eventCategory Equals Data``,
        ``resources.type Equals <Type>``, the same readOnly, and ``resources.ARN`` StartsWith
        the values (S3 prefixes) or Equals them (Lambda functions and DynamoDB tables take
        exact ARNs), nothing when a value is the all-resources prefix (``arn:aws:s3``...).
        """
        out: list[AdvancedSelector] = []
        if self.include_management_events:
            fields = [FieldSelector("eventCategory", equals=("Management",)), *self._read_only()]
            if self.exclude_management_event_sources:
                fields.append(
                    FieldSelector("eventSource", not_equals=self.exclude_management_event_sources)
                )
            out.append(AdvancedSelector(f"{label}: management events", tuple(fields)))
        for resource in self.data_resources:
            fields = [
                FieldSelector("eventCategory", equals=("Data",)),
                FieldSelector("resources.type", equals=(resource.type,)),
                *self._read_only(),
            ]
            if not any(_ALL_RESOURCES.match(v) for v in resource.values):
                if resource.type in _EXACT_ARN_TYPES:
                    fields.append(FieldSelector("resources.ARN", equals=resource.values))
                else:
                    fields.append(FieldSelector("resources.ARN", starts_with=resource.values))
            out.append(AdvancedSelector(f"{label}: {resource.type} data events", tuple(fields)))
        return out


def basic_to_advanced(selectors: Iterable[BasicSelector]) -> list[AdvancedSelector]:
    """Every basic selector converted (``BasicSelector.to_advanced``), in order."""
    out: list[AdvancedSelector] = []
    for index, selector in enumerate(selectors, start=1):
        out.extend(selector.to_advanced(f"Basic event selector {index}"))
    return out


def total_values(selectors: Iterable[AdvancedSelector]) -> int:
    """Values used across ``selectors`` (the per-trail quota is ``MAX_SELECTOR_VALUES``)."""
    return sum(selector.value_count() for selector in selectors)
