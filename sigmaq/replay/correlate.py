"""Sigma correlation rules evaluated over recorded rule matches.

A ``CorrelationPlan`` is compiled from pySigma's parsed ``SigmaCorrelationRule``
(references resolved): which inputs (referenced rules, by slot), which field each
group-by name means for each input (``aliases``), the metric and the condition.
The engine records ``Occurrence``s (base-rule matches, or windows of an inner
correlation) and calls ``evaluate`` once all events are read, so events may arrive
in any order and memory holds only matches.

Semantics (Sigma correlation specification v2, "Correlation Types", "Field Name
Aliases"; the window rules are in ``windows.py`` and ``docs/replay-correlations.md``):

* group-by values are compared case-insensitively (Sigma's default string matching;
  the SQLite backend's ``lower()`` keys do the same); a field holding a list puts the
  occurrence in one group per element (as Splunk ``stats by`` and ES|QL ``STATS BY`` do
  with multi-value fields). An occurrence whose group-by field is missing or null is
  left out and counted in ``CorrelationStats.missing_group`` (Splunk ``stats by`` drops
  such events too).
* event_count counts distinct events (an event matching two referenced rules counts
  once); value_count counts distinct non-null values of the condition field,
  case-insensitively; value_sum/value_avg/value_median use numeric values (numbers or
  numeric strings, other values ignored); temporal counts distinct referenced rules in
  the window; temporal_ordered counts the longest run of referenced rules matched in
  their listed order (events in the same second count as in order).
* a correlation over a correlation sees each inner window as one occurrence at the
  time the inner condition became true, carrying the inner group-by values; the outer
  may only group by (or count) names the inner groups by.
"""

from __future__ import annotations

import itertools
import json
import math
import operator
from array import array
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from sigma.correlations import (
    SigmaCorrelationConditionOperator,
    SigmaCorrelationRule,
    SigmaCorrelationType,
    SigmaExtendedCorrelationCondition,
    SigmaRuleReference,
)
from sigma.rule import SigmaRuleBase

from sigmaq.core.errors import ReplayError
from sigmaq.core.model import EventRef, Finding, FindingKind, Level, WindowMode
from sigmaq.replay.matches import MatchColumns
from sigmaq.replay.windows import (
    Aggregator,
    DistinctCount,
    EventCount,
    Metric,
    NumericMedian,
    NumericSum,
    OrderedSlots,
    Sample,
    WindowHit,
    find_windows,
)

_OPERATORS: dict[SigmaCorrelationConditionOperator, Callable[[Any, Any], bool]] = {
    SigmaCorrelationConditionOperator.GT: operator.gt,
    SigmaCorrelationConditionOperator.GTE: operator.ge,
    SigmaCorrelationConditionOperator.LT: operator.lt,
    SigmaCorrelationConditionOperator.LTE: operator.le,
    SigmaCorrelationConditionOperator.EQ: operator.eq,
    SigmaCorrelationConditionOperator.NEQ: operator.ne,
}
_LOWER_BOUND_OPS = {SigmaCorrelationConditionOperator.GT, SigmaCorrelationConditionOperator.GTE}
# Types whose metric never shrinks when a sample is added (value_sum assumes the
# non-negative quantities Sigma examples sum, e.g. bytes).
_GROWING_TYPES = {
    SigmaCorrelationType.EVENT_COUNT,
    SigmaCorrelationType.VALUE_COUNT,
    SigmaCorrelationType.VALUE_SUM,
    SigmaCorrelationType.TEMPORAL,
    SigmaCorrelationType.TEMPORAL_ORDERED,
}
_VALUE_TYPES = {
    SigmaCorrelationType.VALUE_COUNT,
    SigmaCorrelationType.VALUE_SUM,
    SigmaCorrelationType.VALUE_AVG,
    SigmaCorrelationType.VALUE_MEDIAN,
}
_NUMERIC_TYPES = {
    SigmaCorrelationType.VALUE_SUM,
    SigmaCorrelationType.VALUE_AVG,
    SigmaCorrelationType.VALUE_MEDIAN,
}
_TEMPORAL_TYPES = {SigmaCorrelationType.TEMPORAL, SigmaCorrelationType.TEMPORAL_ORDERED}


def rule_identity(rule: SigmaRuleBase) -> str:
    """The id findings carry: the rule's ``id``, or its title when it has none."""
    return str(rule.id) if rule.id is not None else str(rule.title)


@dataclass(frozen=True, slots=True)
class Occurrence:
    """One input to correlations: a base-rule match or an inner correlation window.

    ``time``: epoch seconds (``eventTime``, or the inner window's trigger time);
    ``seq``: arrival order; ``refs``: the events behind it; ``fields``: for each field
    path a consuming correlation needs, its resolved leaf values (``fields.resolve``).
    """

    time: float
    seq: int
    refs: tuple[EventRef, ...]
    fields: Mapping[str, Sequence[Any]]


class Occurrences(Protocol):
    """The occurrences of one correlation input, addressed by row (0 .. len-1).

    ``MatchColumns`` (recorded base-rule matches) and ``OccurrenceList`` (inner
    correlation windows, tests) implement it. ``fields_keys()[row]``: rows with equal
    keys carry equal ``fields`` (so group keys are computed once per distinct key);
    ``event_key(row)``: equal for rows that are the same event(s); ``seq(row)``:
    arrival order among the rows.
    """

    def __len__(self) -> int: ...

    def time(self, row: int) -> float: ...

    def seq(self, row: int) -> int: ...

    def fields_keys(self) -> Sequence[Hashable]: ...

    def fields(self, row: int) -> Mapping[str, Sequence[Any]]: ...

    def event_key(self, row: int) -> Hashable: ...

    def refs(self, row: int) -> tuple[EventRef, ...]: ...


class OccurrenceList:
    """``Occurrences`` over a list of ``Occurrence`` objects."""

    __slots__ = ("items",)

    def __init__(self, items: Iterable[Occurrence]) -> None:
        self.items = list(items)

    def __len__(self) -> int:
        return len(self.items)

    def time(self, row: int) -> float:
        return self.items[row].time

    def seq(self, row: int) -> int:
        return self.items[row].seq

    def fields_keys(self) -> Sequence[Hashable]:
        return range(len(self.items))

    def fields(self, row: int) -> Mapping[str, Sequence[Any]]:
        return self.items[row].fields

    def event_key(self, row: int) -> Hashable:
        return self.items[row].refs

    def refs(self, row: int) -> tuple[EventRef, ...]:
        return self.items[row].refs


def as_occurrences(source: Occurrences | Iterable[Occurrence]) -> Occurrences:
    """``source`` itself when it is row-addressed, else an ``OccurrenceList`` of it."""
    if isinstance(source, MatchColumns | OccurrenceList):
        return source
    return OccurrenceList(source)  # type: ignore[arg-type]


@dataclass(frozen=True)
class CorrelationInput:
    """One referenced rule (``slot`` = its position in ``correlation.rules``).

    ``group_paths``: per group-by name, the field (after aliases) read from this input's
    occurrences; ``value_path``: the condition field for value_* types, or None.
    """

    slot: int
    rule: SigmaRuleBase
    group_paths: tuple[str, ...]
    value_path: str | None

    @property
    def fields(self) -> tuple[str, ...]:
        """Every field path this input's occurrences must carry."""
        paths = self.group_paths + ((self.value_path,) if self.value_path else ())
        return tuple(dict.fromkeys(paths))


@dataclass
class CorrelationStats:
    """What a correlation could not use, so nothing is dropped silently.

    ``missing_group``: occurrences without a value for a group-by field;
    ``untimed``: matches without a parseable ``eventTime``.
    """

    missing_group: int = 0
    untimed: int = 0


@dataclass(frozen=True)
class CorrelationHit:
    """A reported window of one correlation, for one group."""

    plan: CorrelationPlan
    group: Mapping[str, Any]
    window: WindowHit

    @property
    def refs(self) -> tuple[EventRef, ...]:
        """Every event in the window, de-duplicated, in time order."""
        # by identity first (match columns share one reference per event), then by
        # equality over what is left (the first of equal references is kept)
        seen: dict[int, EventRef] = {}
        for sample in self.window.samples:
            source, row = sample.payload
            for ref in source.refs(row):
                seen.setdefault(id(ref), ref)
        return tuple(sorted(dict.fromkeys(seen.values()), key=_ref_order))

    def finding(self, refs: tuple[EventRef, ...] | None = None) -> Finding:
        """The hit as a ``Finding`` (kind CORRELATION, group dict, first/last seen);
        ``refs``: ``self.refs`` when the caller already has them."""
        refs = self.refs if refs is None else refs
        times = [ref.event_time for ref in refs if ref.event_time is not None]
        return Finding(
            rule_id=self.plan.rule_id,
            rule_title=self.plan.title,
            level=self.plan.level,
            kind=FindingKind.CORRELATION,
            events=refs,
            first_seen=min(times) if times else None,
            last_seen=max(times) if times else None,
            group=dict(self.group),
        )

    def occurrence(self, seq: int, refs: tuple[EventRef, ...] | None = None) -> Occurrence:
        """The hit as an input of an outer correlation (time = trigger time)."""
        return Occurrence(
            time=self.window.trigger,
            seq=seq,
            refs=self.refs if refs is None else refs,
            fields={name: [value] for name, value in self.group.items()},
        )


def _ref_order(ref: EventRef) -> tuple[float, str, int]:
    stamp = ref.event_time.timestamp() if ref.event_time is not None else -math.inf
    return (stamp, ref.source, ref.position)


@dataclass(frozen=True)
class CorrelationPlan:
    """A compiled correlation rule; build with ``compile_correlation``."""

    rule: SigmaCorrelationRule
    rule_id: str
    title: str
    level: Level | None
    type: SigmaCorrelationType
    span: int
    group_by: tuple[str, ...]
    inputs: tuple[CorrelationInput, ...]
    op: SigmaCorrelationConditionOperator
    threshold: int

    @property
    def monotone(self) -> bool:
        """True when adding a sample can only help satisfy the condition."""
        return self.op in _LOWER_BOUND_OPS and self.type in _GROWING_TYPES

    def predicate(self, metric: Metric) -> bool:
        """The condition applied to a window metric (None never satisfies)."""
        return metric is not None and _OPERATORS[self.op](metric, self.threshold)

    def make_aggregator(self) -> Aggregator:
        """A fresh metric accumulator for this correlation type."""
        kind = self.type
        if kind is SigmaCorrelationType.EVENT_COUNT:
            return EventCount()
        if kind is SigmaCorrelationType.VALUE_COUNT:
            return DistinctCount()
        if kind is SigmaCorrelationType.TEMPORAL:
            return DistinctCount(slots=True)
        if kind is SigmaCorrelationType.TEMPORAL_ORDERED:
            return OrderedSlots()
        if kind is SigmaCorrelationType.VALUE_MEDIAN:
            return NumericMedian()
        return NumericSum(mean=kind is SigmaCorrelationType.VALUE_AVG)

    def describe(self) -> str:
        """Short human form, e.g. ``event_count gte 10 in 600s by userIdentity.arn``."""
        by = f" by {', '.join(self.group_by)}" if self.group_by else ""
        return (
            f"{self.type.name.lower()} {self.op.name.lower()} {self.threshold} in {self.span}s{by}"
        )

    def evaluate(
        self,
        occurrences: Sequence[Occurrences | Iterable[Occurrence]],
        *,
        mode: WindowMode = WindowMode.SLIDING,
        stats: CorrelationStats | None = None,
    ) -> list[CorrelationHit]:
        """Windows satisfying the condition, per group, in time order.

        ``occurrences[slot]`` are the occurrences of input ``slot`` (any order;
        ``MatchColumns`` already deduplicated, as ``ReplayEngine.finish`` leaves them).
        Occurrences without a group-by value are counted in ``stats.missing_group``.
        Two passes keep memory near the input's: rows are first sorted into groups
        (one 8-byte entry per row and group), then each group's samples are built,
        searched and dropped before the next group's.
        """
        stats = stats if stats is not None else CorrelationStats()
        sources = [as_occurrences(source) for source in occurrences]
        width = len(sources)
        groups: dict[tuple[Hashable, ...], array[int]] = {}
        originals: dict[tuple[Hashable, ...], tuple[Any, ...]] = {}
        values_of: list[dict[Hashable, tuple[Hashable, ...]]] = []
        for index, (spec, source) in enumerate(zip(self.inputs, sources, strict=True)):
            # per distinct fields key: the group row lists a row joins (None: no group)
            targets_of: dict[Hashable, list[array[int]] | None] = {}
            values: dict[Hashable, tuple[Hashable, ...]] = {}
            values_of.append(values)
            for row, key in enumerate(source.fields_keys()):
                if key in targets_of:
                    targets = targets_of[key]
                else:
                    fields = source.fields(row)
                    values[key] = self._values(fields, spec.value_path)
                    combinations = _group_combinations(fields, spec.group_paths)
                    targets = None
                    if combinations is not None:
                        targets = []
                        for group_key, original in combinations:
                            rows = groups.get(group_key)
                            if rows is None:
                                rows = groups[group_key] = array("q")
                                originals[group_key] = original
                            targets.append(rows)
                    targets_of[key] = targets
                if targets is None:
                    stats.missing_group += 1
                    continue
                packed = row * width + index
                for rows in targets:
                    rows.append(packed)
        # An event matching two referenced rules counts once. Recorded matches of one
        # rule are already unique by eventID (``MatchColumns.dedupe``), so a single
        # such input needs no check.
        dedupe = self.type not in _TEMPORAL_TYPES and not (
            width == 1 and isinstance(sources[0], MatchColumns)
        )
        slots = [spec.slot for spec in self.inputs]
        times = [source.time for source in sources]
        seqs = [source.seq for source in sources]
        keys = [source.fields_keys() for source in sources]
        hits: list[CorrelationHit] = []
        for group_key, rows in groups.items():
            group = dict(zip(self.group_by, originals[group_key], strict=True))
            samples: list[Sample] = []
            seen: set[Hashable] = set()
            for packed in rows:
                row, index = divmod(packed, width)
                if dedupe:
                    marker = sources[index].event_key(row)
                    if marker in seen:
                        continue
                    seen.add(marker)
                samples.append(
                    Sample(
                        times[index](row),
                        slots[index],
                        seqs[index](row),
                        values_of[index][keys[index][row]],
                        (sources[index], row),
                    )
                )
            for window in find_windows(
                samples,
                span=self.span,
                mode=mode,
                make_aggregator=self.make_aggregator,
                predicate=self.predicate,
                monotone=self.monotone,
            ):
                hits.append(CorrelationHit(self, group, window))
        hits.sort(key=lambda hit: (hit.window.samples[0].order_key, hit.window.trigger))
        return hits

    def _values(
        self, fields: Mapping[str, Sequence[Any]], path: str | None
    ) -> tuple[Hashable, ...]:
        if path is None:
            return ()
        raw = [value for value in fields.get(path, ()) if value is not None]
        if self.type in _NUMERIC_TYPES:
            return tuple(number for number in map(_as_number, raw) if number is not None)
        return tuple(dict.fromkeys(_normalise(value) for value in raw))


_Combinations = list[tuple[tuple[Hashable, ...], tuple[Any, ...]]]


def _group_combinations(
    fields: Mapping[str, Sequence[Any]], paths: Sequence[str]
) -> _Combinations | None:
    """(normalised key, original values) per group an occurrence with ``fields`` belongs
    to; None when a group-by field has no value."""
    if not paths:
        return [((), ())]
    per_field: list[list[tuple[Hashable, Any]]] = []
    for path in paths:
        options: dict[Hashable, Any] = {}
        for value in fields.get(path, ()):
            if value is not None:
                options.setdefault(_normalise(value), value)
        if not options:
            return None
        per_field.append(list(options.items()))
    return [
        (tuple(norm for norm, _ in combo), tuple(orig for _, orig in combo))
        for combo in itertools.product(*per_field)
    ]


def _normalise(value: Any) -> Hashable:
    """Comparison key: strings case-folded; bool kept apart from 1/0; objects as JSON."""
    if isinstance(value, str):
        return value.casefold()
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, int | float):
        return value
    return json.dumps(value, sort_keys=True, default=str)


def _as_number(value: Any) -> float | None:
    """A finite number from a JSON number or numeric string; None otherwise (bool too)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return None
    else:
        return None
    return number if math.isfinite(number) else None


def epoch_seconds(moment: datetime) -> float:
    """Epoch seconds of ``moment`` (naive datetimes are taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def compile_correlation(rule: SigmaCorrelationRule) -> CorrelationPlan:
    """Compile a pySigma correlation rule (references resolved) into a plan.

    Raises ReplayError (with the rule id) for what the engine does not implement:
    extended (boolean string) conditions, value_percentile, a multi-field value
    condition, unresolved references, an alias without a field for a referenced rule,
    and a chained correlation grouping by a name its inner correlation does not group by.
    """
    rule_id = rule_identity(rule)

    def refuse(message: str) -> ReplayError:
        location = rule.source.path if rule.source is not None else None
        return ReplayError(message, path=location, rule_id=rule_id)

    kind = rule.type
    if not isinstance(kind, SigmaCorrelationType):
        raise refuse(f"correlation type {kind!r} is not supported by the replay engine")
    if kind is SigmaCorrelationType.VALUE_PERCENTILE:
        raise refuse(
            "value_percentile correlations are not supported by the replay engine "
            "(the Sigma specification does not define their window semantics)"
        )
    condition = rule.condition
    if isinstance(condition, SigmaExtendedCorrelationCondition):
        raise refuse(
            f"extended correlation condition {condition.expression!r} is not supported by "
            "the replay engine; list the rules and use a count condition"
        )
    references: list[SigmaRuleReference] = list(rule.referenced_rules or rule.rules or [])
    if not references:
        raise refuse("correlation references no rules")
    value_field = _value_field(rule, kind, refuse)
    group_by = tuple(rule.group_by or ())
    inputs: list[CorrelationInput] = []
    for slot, reference in enumerate(references):
        referenced = getattr(reference, "rule", None)
        if referenced is None:
            raise refuse(f"reference {reference.reference!r} is not resolved")
        aliases = _alias_fields(rule, reference, refuse)
        group_paths = tuple(aliases.get(name, name) for name in group_by)
        value_path = aliases.get(value_field, value_field) if value_field else None
        if isinstance(referenced, SigmaCorrelationRule):
            inner = set(referenced.group_by or ())
            for needed in (*group_paths, *((value_path,) if value_path else ())):
                if needed not in inner:
                    raise refuse(
                        f"uses {needed!r} of correlation {reference.reference!r}, which does "
                        "not group by it (a chained correlation only sees the inner group-by)"
                    )
        inputs.append(CorrelationInput(slot, referenced, group_paths, value_path))
    return CorrelationPlan(
        rule=rule,
        rule_id=rule_id,
        title=str(rule.title),
        level=Level.parse(rule.level),
        type=kind,
        span=int(rule.timespan.seconds),
        group_by=group_by,
        inputs=tuple(inputs),
        op=condition.op,
        threshold=int(condition.count),
    )


def _value_field(
    rule: SigmaCorrelationRule,
    kind: SigmaCorrelationType,
    refuse: Callable[[str], ReplayError],
) -> str | None:
    if kind not in _VALUE_TYPES:
        return None
    fieldref = getattr(rule.condition, "fieldref", None)
    if isinstance(fieldref, list):
        if len(fieldref) != 1:
            raise refuse(
                f"{kind.name.lower()} over several fields {fieldref!r} is not supported "
                "by the replay engine"
            )
        fieldref = fieldref[0]
    if not fieldref:
        raise refuse(f"{kind.name.lower()} correlation without a condition field")
    return str(fieldref)


def _alias_fields(
    rule: SigmaCorrelationRule,
    reference: SigmaRuleReference,
    refuse: Callable[[str], ReplayError],
) -> dict[str, str]:
    """Alias name -> field for one referenced rule (matched by reference, name or id)."""
    referenced = reference.rule
    names = {reference.reference, str(referenced.id) if referenced.id else None, referenced.name}
    fields: dict[str, str] = {}
    for alias in rule.aliases:
        for alias_reference, field_name in alias.mapping.items():
            if alias_reference.reference in names:
                fields[alias.alias] = str(field_name)
        used = alias.alias in (rule.group_by or ()) or alias.alias == getattr(
            rule.condition, "fieldref", None
        )
        if used and alias.alias not in fields:
            raise refuse(
                f"alias {alias.alias!r} gives no field for referenced rule {reference.reference!r}"
            )
    return fields
