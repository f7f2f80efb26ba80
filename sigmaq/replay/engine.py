"""The replay engine: a set of Sigma rules run over a stream of CloudTrail records.

``feed`` evaluates one record against the rules that can match it and returns
single-event findings at once; base-rule matches that correlations need are
recorded (time, event reference and the few field values the correlations read),
nothing else, so memory grows with matches, not with events. ``finish`` evaluates
the correlations, inner ones first, and returns their findings.

Which findings a rule produces follows pySigma's ``generate`` handling
(``SigmaCorrelationRule.resolve_rule_references`` disables the output of every rule
a correlation with ``generate: false`` references): a rule referenced by any such
correlation in the engine's rule set produces no findings of its own; every other
rule does. ``emit_all=True`` makes every rule produce its findings (``sigmaq test``
uses it to replay the baseline once for all rules).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sigma.correlations import SigmaCorrelationRule
from sigma.rule import SigmaRule, SigmaRuleBase

from sigmaq.core.errors import ReplayError
from sigmaq.core.model import EventRef, Finding, FindingKind, Level, WindowMode
from sigmaq.replay.compile import CompiledRule, compile_rule, index_key
from sigmaq.replay.correlate import (
    CorrelationPlan,
    CorrelationStats,
    Occurrence,
    OccurrenceList,
    Occurrences,
    compile_correlation,
    rule_identity,
)
from sigmaq.replay.fields import compile_path
from sigmaq.replay.matches import (
    MatchBatch,
    MatchColumns,
    MatchTables,
    RowStamp,
    stamp,
    to_micros,
)

log = logging.getLogger(__name__)

# (eventSource, eventName) pairs whose candidate list is cached; real CloudTrail has a
# few thousand, so the cap only matters for crafted input.
MAX_CACHED_PAIRS = 100_000


@dataclass(eq=False)
class RuleSlot:
    """One base rule inside the engine: its compiled form and what to do on a match.

    ``emits``: a match is a finding; ``record_fields``: field paths to keep for the
    correlations that use it (None when no correlation uses it); ``matches``: the
    recorded matches (set by the engine); ``duplicates``: matches dropped at ``finish``
    because the rule already had their eventID (CloudTrail may deliver an event more
    than once; correlations count it once).
    """

    compiled: CompiledRule
    rule_id: str
    title: str
    level: Level | None
    emits: bool
    record_fields: tuple[str, ...] | None
    matches: MatchColumns | None = None
    duplicates: int = 0
    untimed: int = 0
    # Group-by paths of each correlation input fed by this rule; a match lacking a value
    # for every input is counted in ``ungrouped`` and not stored (it can join no group).
    group_paths: tuple[tuple[str, ...], ...] = ()
    ungrouped: int = 0
    field_index: dict[str, int] = field(default_factory=dict)
    field_getters: tuple[Callable[[Mapping[str, Any]], list[Any]], ...] = ()
    # group_paths as positions in record_fields (the hot path indexes tuples).
    group_positions: tuple[tuple[int, ...], ...] = ()
    # event -> the recorded values (per path of record_fields), or None when ungroupable
    record: Callable[[Mapping[str, Any]], tuple[tuple[Any, ...], ...] | None] = field(
        default=lambda _event: (), repr=False
    )

    def __post_init__(self) -> None:
        paths = self.record_fields or ()
        self.field_index = {path: i for i, path in enumerate(paths)}
        self.field_getters = tuple(compile_path(path).values for path in paths)
        self.group_positions = tuple(
            tuple(self.field_index[path] for path in group) for group in self.group_paths
        )
        self.record = _recorder(self.field_getters, self.group_positions)


class RuleIndex:
    """Dispatch of base rules by lower-cased ``eventSource`` and ``eventName``.

    A rule whose ``event_names`` is known is listed under each name; otherwise under each
    of its ``event_sources``; otherwise under the keys of its ``guard`` (another field
    it requires literal values of, e.g. ``userIdentity.type: Root``); otherwise it is
    unindexed and sees every event. ``lookup`` returns the candidates for one (source,
    name) pair, cached per raw pair, so the hot path costs two dict lookups;
    ``candidates`` adds the guarded rules a record's guard fields admit. The index is a
    pre-filter only: candidates still run their full condition.
    """

    def __init__(self, slots: Sequence[RuleSlot]) -> None:
        self.by_name: dict[str, list[RuleSlot]] = {}
        self.by_source: dict[str, list[RuleSlot]] = {}
        self.unindexed: list[RuleSlot] = []
        by_guard: dict[str, dict[str, list[RuleSlot]]] = {}
        for slot in slots:
            names = slot.compiled.event_names
            sources = slot.compiled.event_sources
            guard = slot.compiled.guard
            if names is not None:
                for name in names:
                    self.by_name.setdefault(name, []).append(slot)
            elif sources is not None:
                for source in sources:
                    self.by_source.setdefault(source, []).append(slot)
            elif guard is not None:
                keyed = by_guard.setdefault(guard[0], {})
                for key in guard[1]:
                    keyed.setdefault(key, []).append(slot)
            else:
                self.unindexed.append(slot)
        # (path, index key -> rules) of every guard, for probes over other record forms
        self.guard_table: tuple[tuple[str, dict[str, tuple[RuleSlot, ...]]], ...] = tuple(
            (path, {key: tuple(found) for key, found in keyed.items()})
            for path, keyed in sorted(by_guard.items())
        )
        self.guards = tuple(_guard_probe(path, keyed) for path, keyed in self.guard_table)
        self._all = tuple(slots)
        self._order = {id(slot): position for position, slot in enumerate(slots)}
        self._merged: dict[tuple[tuple[RuleSlot, ...], tuple[RuleSlot, ...]], list[RuleSlot]] = {}
        self._cache: dict[Any, dict[Any, tuple[RuleSlot, ...]]] = {}
        self._cached = 0

    def lookup(self, event_source: Any, event_name: Any) -> tuple[RuleSlot, ...]:
        """Rules that may match an event with these raw ``eventSource``/``eventName``.

        A value that is neither a string nor missing (a list, a number) gets every rule:
        the rules' own conditions decide, as the index cannot.
        """
        try:
            by_source = self._cache.get(event_source)
            if by_source is None:
                if not isinstance(event_source, str | None):
                    return self._all
                by_source = self._cache[event_source] = {}
            found = by_source.get(event_name)
        except TypeError:  # unhashable (a list or an object)
            return self._all
        if found is None:
            if not isinstance(event_name, str | None):
                return self._all
            found = self._candidates(event_source, event_name)
            if self._cached < MAX_CACHED_PAIRS:  # bound memory on hostile input
                by_source[event_name] = found
                self._cached += 1
        return found

    def candidates(self, event: Mapping[str, Any]) -> Sequence[RuleSlot]:
        """Every rule that may match ``event``, in the rules' order: ``lookup`` by
        eventSource/eventName plus the guarded rules its guard fields admit."""
        found = self.lookup(event.get("eventSource"), event.get("eventName"))
        if not self.guards or found is self._all:
            return found
        extra: tuple[RuleSlot, ...] = ()
        for probe in self.guards:
            hit = probe(event)
            if hit:
                extra += hit
        if not extra:
            return found
        return self.merged(found, extra)

    def merged(
        self, found: tuple[RuleSlot, ...], extra: tuple[RuleSlot, ...]
    ) -> Sequence[RuleSlot]:
        """``found`` (a ``lookup`` answer) and the guarded rules ``extra``, each once, in
        the rules' order (cached)."""
        if found is self._all:
            return found
        key = (found, extra)
        merged = self._merged.get(key)
        if merged is None:
            chosen = {id(slot): slot for slot in (*found, *extra)}
            merged = sorted(chosen.values(), key=lambda slot: self._order[id(slot)])
            if len(self._merged) < MAX_CACHED_PAIRS:
                self._merged[key] = merged
        return merged

    def _candidates(self, event_source: str | None, event_name: str | None) -> tuple[RuleSlot, ...]:
        name = event_name.lower() if event_name else ""
        source = event_source.lower() if event_source else ""
        chosen = {
            id(slot)
            for slot in (
                *self.by_name.get(name, ()),
                *self.by_source.get(source, ()),
                *self.unindexed,
            )
        }
        # keep the rules' original order so findings come out deterministically
        return tuple(slot for slot in self._all if id(slot) in chosen)

    def rules_for(self, event: Mapping[str, Any]) -> list[CompiledRule]:
        """The compiled rules ``candidates`` dispatches ``event`` to."""
        return [slot.compiled for slot in self.candidates(event)]


GuardProbe = Callable[[Mapping[str, Any]], "tuple[RuleSlot, ...] | None"]


def _guard_probe(path: str, keyed: Mapping[str, tuple[RuleSlot, ...]]) -> GuardProbe:
    """The rules a record's values at ``path`` admit (``keyed``: ``index_key`` -> rules).

    Strings and booleans directly under one or two plain keys (``readOnly``,
    ``userIdentity.type``) take a dict lookup or two; anything else (lists, flat dotted
    keys, numbers) goes through the general field resolution.
    """
    resolve = compile_path(path).values

    def general(event: Mapping[str, Any]) -> tuple[RuleSlot, ...] | None:
        hits: tuple[RuleSlot, ...] = ()
        for value in resolve(event):
            key = index_key(value)
            if key is not None and key in keyed:
                hits += keyed[key]
        return hits

    def direct(value: Any, event: Mapping[str, Any]) -> tuple[RuleSlot, ...] | None:
        if type(value) is str:
            return keyed.get(value.lower())
        if type(value) is bool:
            return keyed.get("true" if value else "false")
        return None if value is None else general(event)

    segments = path.split(".")
    if len(segments) == 1:

        def top(event: Mapping[str, Any]) -> tuple[RuleSlot, ...] | None:
            return direct(event.get(path), event)

        return top
    if len(segments) == 2:
        outer, inner = segments

        def pair(event: Mapping[str, Any]) -> tuple[RuleSlot, ...] | None:
            obj = event.get(outer)
            if type(obj) is dict and path not in event:
                return direct(obj.get(inner), event)
            return general(event)

        return pair
    return general


class ReplayEngine:
    """Run base and correlation rules over CloudTrail records.

    ``rules``: pySigma rules (``SigmaRule`` or ``SigmaCorrelationRule`` with resolved
    references); rules a correlation references are added automatically. ``window``:
    sliding (default) or tumbling correlation windows. ``placeholders``: values for
    ``|expand`` placeholders. ``emit_all``: every rule produces findings, whatever
    ``generate`` says. ``emits``: which rule ids produce findings (overrides both:
    hunt reports only the rules a user selected). ``annotate``: called with each
    record a correlation keeps; its (hashable) result becomes the ``annotation`` of
    that event's ``EventRef`` in correlation findings (hunt attaches the principal
    and source address).

    Raises ReplayError (naming the rule) when a rule uses a feature the engine does not
    implement, or a correlation references itself through a cycle.
    """

    def __init__(
        self,
        rules: Sequence[SigmaRuleBase],
        *,
        window: WindowMode = WindowMode.SLIDING,
        placeholders: Mapping[str, Sequence[str]] | None = None,
        emit_all: bool = False,
        emits: Callable[[str], bool] | None = None,
        annotate: Callable[[Mapping[str, Any]], Hashable] | None = None,
    ) -> None:
        self.window = WindowMode(window)
        self.annotate = annotate
        self._tables = MatchTables.empty()
        ordered = _expand(rules)
        silenced = set() if emit_all or emits is not None else _silenced(ordered)

        def emitting(rule: SigmaRuleBase) -> bool:
            if emits is not None:
                return emits(rule_identity(rule))
            return id(rule) not in silenced

        consumers: dict[int, list[CorrelationPlan]] = {}
        self.correlations: list[CorrelationPlan] = []
        self._correlation_emits: dict[int, bool] = {}
        for rule in ordered:
            if isinstance(rule, SigmaCorrelationRule):
                plan = compile_correlation(rule)
                self.correlations.append(plan)
                self._correlation_emits[id(plan)] = emitting(rule)
                for spec in plan.inputs:
                    consumers.setdefault(id(spec.rule), []).append(plan)
        self.slots: list[RuleSlot] = []
        self._slot_of: dict[int, RuleSlot] = {}
        for rule in ordered:
            if not isinstance(rule, SigmaRule):
                continue
            compiled = compile_rule(rule, placeholders=placeholders)
            fields = _fields_for(rule, consumers.get(id(rule), []))
            slot = RuleSlot(
                compiled=compiled,
                rule_id=rule_identity(rule),
                title=str(rule.title),
                level=Level.parse(rule.level),
                emits=emitting(rule),
                record_fields=fields,
                group_paths=_group_paths_for(rule, consumers.get(id(rule), [])),
            )
            if fields is not None:
                slot.matches = MatchColumns(self._tables, slot.field_index)
            self.slots.append(slot)
            self._slot_of[id(rule)] = slot
        self.index = RuleIndex(self.slots)
        self.correlation_stats: dict[str, CorrelationStats] = {}
        self._seq = 0
        self._finished = False

    @property
    def compiled_rules(self) -> list[CompiledRule]:
        """Every base rule of the engine, compiled (order of the rule set)."""
        return [slot.compiled for slot in self.slots]

    def feed(self, event: Mapping[str, Any], ref: EventRef) -> list[Finding]:
        """Evaluate one record; return the single-event findings it produces (maybe none)."""
        candidates = self.index.candidates(event)
        if not candidates:
            return []
        return self.feed_candidates(event, candidates, ref)

    def feed_candidates(
        self,
        event: Mapping[str, Any],
        candidates: Iterable[RuleSlot],
        ref: EventRef | Callable[[], EventRef],
    ) -> list[Finding]:
        """``feed`` for a record whose candidate rules are known already
        (``index.candidates`` or an equivalent dispatch over another form of the same
        record). ``ref``: the record's reference, or a function building it, called
        once, at the first match (records that match nothing cost no reference)."""
        findings: list[Finding] = []
        row: RowStamp | None = None
        for slot in candidates:
            if not slot.compiled.matches(event):
                continue
            if not isinstance(ref, EventRef):
                ref = ref()
            if slot.emits:
                findings.append(
                    Finding(
                        rule_id=slot.rule_id,
                        rule_title=slot.title,
                        level=slot.level,
                        kind=FindingKind.EVENT,
                        events=(ref,),
                        first_seen=ref.event_time,
                        last_seen=ref.event_time,
                    )
                )
            if slot.matches is not None:
                if ref.event_time is None:
                    slot.untimed += 1
                    continue
                values = slot.record(event)
                if values is None:
                    slot.ungrouped += 1
                    continue
                if row is None:  # once per event, however many rules keep it
                    note = self.annotate(event) if self.annotate is not None else None
                    row = stamp(self._tables, ref, to_micros(ref.event_time), note)
                slot.matches.append(row, self._tables.values.id(values))
        return findings

    def take_matches(self) -> dict[int, MatchBatch]:
        """Hand over the base-rule matches recorded so far, compactly, and forget them.

        Returns slot position (in ``slots``) -> ``MatchBatch`` (columns, the rule id and
        the untimed/ungrouped counts), cheap to send between processes; every match must
        come from one source file (a worker calls this once per file). Positions, not
        rule ids, because two id-less rules may share a title. The engine's match state
        starts afresh.
        """
        taken: dict[int, MatchBatch] = {}
        for position, slot in enumerate(self.slots):
            if slot.matches is not None and (len(slot.matches) or slot.untimed or slot.ungrouped):
                taken[position] = slot.matches.batch(
                    slot.rule_id, untimed=slot.untimed, ungrouped=slot.ungrouped
                )
        self._tables = MatchTables.empty()
        for slot in self.slots:
            if slot.matches is not None:
                slot.matches = MatchColumns(self._tables, slot.field_index)
            slot.untimed = slot.ungrouped = 0
        return taken

    def absorb_matches(self, source: str, taken: Mapping[int, MatchBatch]) -> None:
        """Add the matches another engine built from the same rules (same slot order)
        recorded in file ``source`` (``take_matches``). Redelivered eventIDs are dropped
        at ``finish``, as for ``feed``. Raises ReplayError when a position does not hold
        a correlated rule with the batch's rule id (engines built from different rules).
        """
        tables = self._tables
        source_id = tables.sources.id(source)
        # the file's events, numbered from 0 in every batch, get numbers of this engine
        count = max((max(batch.events, default=-1) for batch in taken.values()), default=-1)
        first = tables.events.reserve(count + 1)
        for position, batch in taken.items():
            slot = self.slots[position] if 0 <= position < len(self.slots) else None
            if slot is None or slot.matches is None or slot.rule_id != batch.rule_id:
                raise ReplayError(
                    f"matches for slot {position} do not fit this engine's rules "
                    "(engines must be built from the same rules)",
                    rule_id=batch.rule_id,
                )
            slot.untimed += batch.untimed
            slot.ungrouped += batch.ungrouped
            values = [tables.values.id(value) for value in batch.value_table]
            notes = [tables.notes.id(note) for note in batch.note_table]
            slot.matches.extend(batch, source_id, values, notes, first)

    def finish(self) -> list[Finding]:
        """Evaluate every correlation over the recorded matches; return their findings.

        Inner correlations are evaluated before the correlations that use them. Findings
        come out in time order of their windows. Call once, after the last ``feed``.
        """
        if self._finished:
            raise ReplayError("ReplayEngine.finish() called twice")
        self._finished = True
        for slot in self.slots:
            if slot.matches is not None:
                slot.duplicates += slot.matches.dedupe()
        produced: dict[int, list[Occurrence]] = {}
        consumed = {id(spec.rule) for plan in self.correlations for spec in plan.inputs}
        # (trigger time, rule id, finding): the hits themselves (every window sample)
        # are dropped as soon as their findings are built
        findings: list[tuple[float, str, Finding]] = []
        for plan in self.correlations:  # _expand puts inner correlations first
            stats = CorrelationStats()
            inputs = [self._inputs_of(spec.rule, produced, stats) for spec in plan.inputs]
            hits = plan.evaluate(inputs, mode=self.window, stats=stats)
            self.correlation_stats[plan.rule_id] = stats
            if stats.missing_group or stats.untimed:
                # Expected for alias rules (each base rule fills only its own field);
                # the counts stay in ``correlation_stats`` for callers to report.
                log.info(
                    "correlation %s: %d matches without a group-by value, %d without "
                    "eventTime were left out",
                    plan.rule_id,
                    stats.missing_group,
                    stats.untimed,
                )
            emits = self._correlation_emits[id(plan)]
            feeds_outer = id(plan.rule) in consumed
            occurrences = []
            for hit in hits:
                refs = hit.refs
                if feeds_outer:
                    self._seq += 1
                    occurrences.append(hit.occurrence(self._seq, refs))
                if emits:
                    findings.append((hit.window.trigger, plan.rule_id, hit.finding(refs)))
            del hits
            if feeds_outer:
                produced[id(plan.rule)] = occurrences
        self._tables.events.forget()  # every column's shared references at once
        findings.sort(key=lambda item: (item[0], item[1]))
        return [finding for _, _, finding in findings]

    def _inputs_of(
        self,
        rule: SigmaRuleBase,
        produced: Mapping[int, list[Occurrence]],
        stats: CorrelationStats,
    ) -> Occurrences:
        slot = self._slot_of.get(id(rule))
        if slot is not None and slot.matches is not None:
            stats.untimed += slot.untimed
            stats.missing_group += slot.ungrouped
            return slot.matches
        return OccurrenceList(produced.get(id(rule), []))

    def matches_recorded(self) -> int:
        """Base-rule matches held for correlations (the engine's only growing state)."""
        return sum(len(slot.matches) for slot in self.slots if slot.matches is not None)


Getter = Callable[[Mapping[str, Any]], list[Any]]


def _recorder(
    getters: tuple[Getter, ...], groups: tuple[tuple[int, ...], ...]
) -> Callable[[Mapping[str, Any]], tuple[tuple[Any, ...], ...] | None]:
    """The values one rule records of an event (per field, all of them), or None when
    the event can join no group (``_ungroupable``). The common shape (one field, the
    group-by field itself) gets a function of its own: it runs once per kept match."""
    if len(getters) == 1 and groups == ((0,),):
        (getter,) = getters

        def record_one(event: Mapping[str, Any]) -> tuple[tuple[Any, ...], ...] | None:
            found = tuple(getter(event))
            for value in found:
                if value is not None:
                    return (found,)
            return None

        return record_one

    def record(event: Mapping[str, Any]) -> tuple[tuple[Any, ...], ...] | None:
        values = tuple([tuple(getter(event)) for getter in getters])
        if groups and _ungroupable(values, groups):
            return None
        return values

    return record


def _ungroupable(values: tuple[tuple[Any, ...], ...], groups: tuple[tuple[int, ...], ...]) -> bool:
    """True when every consuming input lacks a non-null value for one of its group paths."""
    for group in groups:
        usable = True
        for position in group:
            if all(value is None for value in values[position]):
                usable = False
                break
        if usable:
            return False
    return True


def _group_paths_for(
    rule: SigmaRule, plans: Sequence[CorrelationPlan]
) -> tuple[tuple[str, ...], ...]:
    """Group-by paths of every correlation input ``rule`` feeds; () when one input has
    no group-by (then every match is usable)."""
    specs = [spec.group_paths for plan in plans for spec in plan.inputs if spec.rule is rule]
    if not specs or any(not paths for paths in specs):
        return ()
    return tuple(specs)


def _expand(rules: Iterable[SigmaRuleBase]) -> list[SigmaRuleBase]:
    """``rules`` plus everything they reference, each once, referenced rules first."""
    ordered: list[SigmaRuleBase] = []
    done: set[int] = set()
    active: set[int] = set()

    def visit(rule: SigmaRuleBase) -> None:
        if id(rule) in done:
            return
        if id(rule) in active:
            raise ReplayError("correlation references form a cycle", rule_id=rule_identity(rule))
        active.add(id(rule))
        if isinstance(rule, SigmaCorrelationRule):
            references = rule.referenced_rules or rule.rules or []
            for reference in references:
                target = getattr(reference, "rule", None)
                if target is None:
                    raise ReplayError(
                        f"reference {reference.reference!r} is not resolved "
                        "(load rules with sigmaq.core.loader.load_rules)",
                        rule_id=rule_identity(rule),
                    )
                visit(target)
        elif not isinstance(rule, SigmaRule):
            raise ReplayError(
                f"unsupported rule type {type(rule).__name__}", rule_id=rule_identity(rule)
            )
        active.discard(id(rule))
        done.add(id(rule))
        ordered.append(rule)

    for rule in rules:
        visit(rule)
    return ordered


def _silenced(rules: Sequence[SigmaRuleBase]) -> set[int]:
    """Ids of rules referenced by a correlation with ``generate: false`` (pySigma's rule)."""
    silenced: set[int] = set()
    for rule in rules:
        if isinstance(rule, SigmaCorrelationRule) and not rule.generate:
            for reference in rule.referenced_rules or rule.rules or []:
                silenced.add(id(reference.rule))
    return silenced


def _fields_for(rule: SigmaRule, plans: Sequence[CorrelationPlan]) -> tuple[str, ...] | None:
    """Field paths to record for ``rule``'s matches, or None when no correlation uses it."""
    if not plans:
        return None
    paths: dict[str, None] = {}
    for plan in plans:
        for spec in plan.inputs:
            if spec.rule is rule:
                paths.update(dict.fromkeys(spec.fields))
    return tuple(paths)
