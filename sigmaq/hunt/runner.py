"""Stream the rule pack over CloudTrail archives and collect findings (``sigmaq hunt``).

One pass over the input: files are read one at a time (``replay.readers``), each record
is fed to a ``ReplayEngine`` (which dispatches by eventSource/eventName), and
correlation findings are computed at the end, so files may come in any time order.

With ``jobs > 1`` files are shared out to worker processes (files are independent).
Each worker evaluates every record and sends back, per file, its single-event
findings and the compact base-rule matches the correlations need
(``ReplayEngine.take_matches``); the parent only merges those matches into one engine
(``absorb_matches``) and runs the correlations, so windows span files handled by
different workers and no record is evaluated twice.
"""

from __future__ import annotations

import logging
import math
import os
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any, Protocol

from sigma.correlations import SigmaCorrelationRule
from sigma.rule import SigmaRuleBase

from sigmaq.core.model import EventRef, Finding, FindingKind, WindowMode
from sigmaq.core.runtime import streaming_gc, tune_gc_for_streaming
from sigmaq.hunt.details import (  # re-exported: the hunt's public API
    EventDetails,
    details_tuple,
    event_details,
    principal_of,
    request_keys_of,
    source_address_of,
)
from sigmaq.hunt.rules import (  # re-exported: the hunt's public API
    RuleRoles,
    default_rules_dir,
    expand_rules,
    replayable_rules,
    rule_key,
    select_rules,
)
from sigmaq.hunt.workers import WorkerFailure, run_workers
from sigmaq.replay.limits import DEFAULT_LIMITS, ReadLimits
from sigmaq.replay.readers import (
    RawRecords,
    ReadStats,
    iter_paths,
    read_parts,
    record_outcomes,
)

log = logging.getLogger(__name__)

__all__ = [
    "EventDetails",
    "HuntFinding",
    "HuntOptions",
    "HuntResult",
    "RuleRoles",
    "default_rules_dir",
    "enrich",
    "expand_rules",
    "hunt",
    "principal_of",
    "replayable_rules",
    "request_keys_for",
    "rule_key",
    "scan",
    "select_rules",
    "source_address_of",
]

Record = dict[str, Any]


class Engine(Protocol):
    """What hunt needs of ``sigmaq.replay.engine.ReplayEngine``."""

    def feed(self, event: Mapping[str, Any], ref: EventRef) -> list[Finding]: ...

    def finish(self) -> list[Finding]: ...


EngineFactory = Callable[[Sequence[SigmaRuleBase], WindowMode, Callable[[str], bool]], Engine]


def default_engine_factory(
    rules: Sequence[SigmaRuleBase],
    window: WindowMode,
    reports: Callable[[str], bool] | None = None,
) -> Engine:
    """A ``ReplayEngine`` over ``rules`` in which the rules ``reports`` accepts (by id)
    produce findings; every rule when it is None.

    Hunt decides what it reports itself (``RuleRoles``: the selected rules, less those a
    ``generate: false`` correlation silences). Every event a correlation keeps is
    annotated with its ``EventDetails`` (eventName, principal, source address, the
    request parameters the correlated rules read and identifying ones) as the
    ``annotation`` of its ``EventRef``, so correlation findings are enriched without
    re-reading records. Imported late: it compiles pySigma rules.
    """
    from sigmaq.replay.engine import ReplayEngine

    emits = reports if reports is not None else (lambda _rule_id: True)
    engine = ReplayEngine(rules, window=window, emits=emits)
    keys: dict[str, None] = {}
    for slot in engine.slots:
        if slot.matches is not None:  # kept for a correlation
            keys.update(dict.fromkeys(request_keys_of(sorted(slot.compiled.fields or ()))))
    engine.annotate = partial(_annotation, keys=tuple(keys))
    return engine


# --- findings with enrichments -----------------------------------------------------


@dataclass(frozen=True, slots=True)
class HuntFinding:
    """A finding plus who acted and from where (distinct values, in event order), and
    ``event_details``: one ``EventDetails`` per event of the finding (same order as
    ``finding.events``; None where unknown), or () when none was recorded."""

    finding: Finding
    principals: tuple[str, ...] = ()
    source_addresses: tuple[str, ...] = ()
    event_details: tuple[EventDetails | None, ...] = ()

    @property
    def sort_key(self) -> tuple[float, str, str, int]:
        """First seen (the instant, untimed first), rule title, first event's place."""
        first = self.finding.first_seen
        ref = self.finding.events[0] if self.finding.events else None
        return (
            first.timestamp() if first is not None else -math.inf,
            self.finding.rule_title,
            ref.source if ref else "",
            ref.position if ref else 0,
        )


def _details_of(ref: EventRef) -> EventDetails | None:
    note = ref.annotation
    if isinstance(note, EventDetails):
        return note
    if isinstance(note, tuple):
        known = _DETAILS.get(id(note))
        if known is not None and known[0] is note:
            return known[1]
        if len(note) == 4:  # EventDetails.as_tuple()
            details = EventDetails(*note)
        elif len(note) == 2:  # (principal, source address)
            details = EventDetails(None, note[0], note[1])
        else:
            return None
        if len(_DETAILS) >= 100_000:
            _DETAILS.clear()
        _DETAILS[id(note)] = (note, details)  # annotations are shared: one object each
        return details
    return None


_DETAILS: dict[int, tuple[tuple[Any, ...], EventDetails]] = {}


def _distinct(values: Iterable[str | None]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v for v in values if v))


def enrich(
    finding: Finding, event: Mapping[str, Any] | None = None, request_keys: Sequence[str] = ()
) -> HuntFinding:
    """Attach the details of ``finding``'s events (principals and source addresses,
    and one ``EventDetails`` per event): from ``event`` (the record of a single-event
    finding; ``request_keys``: the ``requestParameters`` keys its rule reads) when
    given, else from each event reference's ``annotation``."""
    details: tuple[EventDetails | None, ...]
    if event is not None:
        details = (_enrichment(event, request_keys),)
    else:
        details = tuple(_details_of(ref) for ref in finding.events)
    known = [d for d in details if d is not None]
    return HuntFinding(
        finding,
        principals=_distinct(d.principal for d in known),
        source_addresses=_distinct(d.source_address for d in known),
        event_details=details,
    )


# --- the run -------------------------------------------------------------------------


@dataclass(frozen=True)
class HuntOptions:
    """``since``/``until``: keep events with ``since <= eventTime <= until`` (tz-aware;
    with either set, events without a valid eventTime are left out and counted).
    ``jobs``: worker processes (1 = in process). ``limits``: what one input file may
    cost (``sigmaq.replay.limits.ReadLimits``: expanded size, compression ratio,
    nesting depth, record size)."""

    since: datetime | None = None
    until: datetime | None = None
    window: WindowMode = WindowMode.SLIDING
    jobs: int = 1
    limits: ReadLimits = DEFAULT_LIMITS

    @property
    def timed(self) -> bool:
        """True when ``since`` or ``until`` is set."""
        return self.since is not None or self.until is not None

    def keeps(self, ref: EventRef) -> bool:
        return self.keeps_time(ref.event_time)

    def keeps_time(self, moment: datetime | None) -> bool:
        """True when an event at ``moment`` (None: no valid eventTime) is in range."""
        if self.since is None and self.until is None:
            return True
        if moment is None:
            return False
        if self.since is not None and moment < self.since:
            return False
        return not (self.until is not None and moment > self.until)


@dataclass
class HuntResult:
    """What a hunt produced: findings (sorted by first seen), read counters, timings."""

    findings: list[HuntFinding] = field(default_factory=list)
    stats: ReadStats = field(default_factory=ReadStats)
    rules: int = 0
    events_evaluated: int = 0
    filtered_out: int = 0
    redelivered: int = 0  # single-event findings dropped: same rule, same eventID again
    elapsed: float = 0.0

    @property
    def events_per_second(self) -> float:
        return self.stats.records_read / self.elapsed if self.elapsed > 0 else 0.0

    def by_level(self) -> dict[str, int]:
        """Finding counts per level name (``none`` for rules without a level)."""
        counts: dict[str, int] = {}
        for item in self.findings:
            name = item.finding.level.value if item.finding.level else "none"
            counts[name] = counts.get(name, 0) + 1
        return counts


@dataclass(frozen=True)
class ScanPlan:
    """Files and bytes a hunt will read (for a progress bar); computed without keeping paths."""

    files: int
    bytes: int


def scan(paths: Sequence[Path | str]) -> ScanPlan:
    """Count the files ``iter_paths`` would yield and their total size on disk."""
    files = size = 0
    for path in iter_paths(paths, ReadStats()):
        files += 1
        size += _file_size(path)
    return ScanPlan(files, size)


ProgressCallback = Callable[[Path, int], None]
"""Called after each file with its path and its size on disk (bytes)."""


def hunt(
    paths: Sequence[Path | str],
    rules: Sequence[SigmaRuleBase],
    options: HuntOptions | None = None,
    *,
    progress: ProgressCallback | None = None,
    engine_factory: EngineFactory = default_engine_factory,
) -> HuntResult:
    """Run ``rules`` over every CloudTrail record under ``paths``.

    ``rules``: the rules to report on (correlations may be among them; the rules they
    refer to are evaluated too but only reported when also in ``rules`` and not
    silenced by ``generate: false``). ``engine_factory`` gets the rules, the window
    mode and which rule ids to report. Never raises for bad input files: they are
    counted in ``result.stats``. Raises ReplayError (from the engine) for a rule feature the
    engine does not implement.
    """
    options = options or HuntOptions()
    started = time.perf_counter()
    roles = RuleRoles.of(rules)
    result = HuntResult(rules=len(rules))
    if options.jobs > 1:
        findings = _hunt_parallel(paths, rules, roles, options, result, progress)
    else:
        findings = _hunt_serial(paths, rules, roles, options, result, progress, engine_factory)
    result.findings = sorted(_without_redeliveries(findings, result), key=lambda f: f.sort_key)
    result.elapsed = time.perf_counter() - started
    return result


def _without_redeliveries(findings: list[HuntFinding], result: HuntResult) -> list[HuntFinding]:
    """Drop single-event findings for an eventID a rule already reported.

    CloudTrail may deliver an event more than once, and an organization trail and an
    account trail archive the same event twice; correlations already count an eventID
    once, and so do single-event findings (the count is in ``result.redelivered``).
    """
    seen: set[tuple[str, str]] = set()
    kept: list[HuntFinding] = []
    for item in findings:
        finding = item.finding
        event_id = finding.events[0].event_id if len(finding.events) == 1 else None
        if finding.kind is FindingKind.EVENT and event_id is not None:
            key = (finding.rule_id, event_id)
            if key in seen:
                result.redelivered += 1
                continue
            seen.add(key)
        kept.append(item)
    return kept


def _file_size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


# Distinct event details: a large archive repeats them (the same principal, address,
# API and resource), and every base-rule match a correlation keeps holds one until the
# correlations run, so they are shared, not copied (as plain tuples: hashed in C).
_ENRICHMENTS: dict[tuple[Any, ...], tuple[Any, ...]] = {}


def _enrichment(event: Mapping[str, Any], keys: Sequence[str] = ()) -> EventDetails:
    return event_details(event, keys)


def _annotation(event: Mapping[str, Any], keys: Sequence[str] = ()) -> tuple[Any, ...]:
    """The annotation of an event a correlation keeps: ``EventDetails`` as a tuple,
    shared between equal ones."""
    details = details_tuple(event, keys)
    shared = _ENRICHMENTS.get(details)
    if shared is None:
        if len(_ENRICHMENTS) >= 100_000:  # crafted input: stop sharing, stay bounded
            return details
        shared = _ENRICHMENTS[details] = details
    return shared


def request_keys_for(engine: Engine) -> Callable[[str], Sequence[str]]:
    """rule id -> the ``requestParameters`` keys that rule reads (none for an engine
    that is not a ``ReplayEngine``)."""
    slots = getattr(engine, "slots", None) or ()
    keys = {
        slot.rule_id: request_keys_of(sorted(slot.compiled.fields or ()))
        for slot in slots
        if hasattr(slot, "compiled")
    }
    return lambda rule_id: keys.get(rule_id, ())


def _hunt_file(
    engine: Engine,
    path: Path,
    stats: ReadStats,
    options: HuntOptions,
    roles: RuleRoles,
    findings: list[HuntFinding],
) -> tuple[int, int]:
    """Feed every record of one file that ``options`` keeps; (evaluated, filtered out).

    Record lists (delivery files, arrays) go through ``FastFeeder`` when the engine is
    a ``ReplayEngine``: records are decoded in full only when a rule is a candidate.
    """

    request_keys = request_keys_for(engine)

    def on_match(event: Record, matched: list[Finding]) -> None:
        for finding in matched:
            if roles.reports(finding.rule_id):
                findings.append(enrich(finding, event, request_keys(finding.rule_id)))

    feeder = _feeder(engine, options.limits)
    keeps = options.keeps_time if options.timed else None
    evaluated = filtered_out = 0
    for part in read_parts(path, stats, options.limits):
        if type(part) is RawRecords:
            if feeder is not None:
                done, dropped = feeder.feed(part, stats, on_match, keeps)
                evaluated += done
                filtered_out += dropped
                continue
            records: Iterable[tuple[Record, EventRef]] = (
                pair
                for index, raw in enumerate(part.items, part.start)
                for pair in record_outcomes(raw, part.source, index, stats, options.limits)
            )
        else:
            records = (part,)  # type: ignore[assignment]
        for event, ref in records:
            if keeps is not None and not keeps(ref.event_time):
                filtered_out += 1
                continue
            evaluated += 1
            matched = engine.feed(event, ref)
            if matched:
                on_match(event, matched)
    return evaluated, filtered_out


_FEEDERS: dict[int, Any] = {}


def _feeder(engine: Engine, limits: ReadLimits) -> Any:
    """The ``FastFeeder`` of a ``ReplayEngine`` (built once per engine and limits),
    or None for another engine."""
    from sigmaq.replay.engine import ReplayEngine
    from sigmaq.replay.fastpath import FastFeeder

    if not isinstance(engine, ReplayEngine):
        return None
    feeder = _FEEDERS.get(id(engine))
    if feeder is None or feeder.engine is not engine or feeder.limits != limits:
        _FEEDERS.clear()  # one engine per process at a time
        feeder = _FEEDERS[id(engine)] = FastFeeder(engine, limits)
    return feeder


def _hunt_serial(
    paths: Sequence[Path | str],
    rules: Sequence[SigmaRuleBase],
    roles: RuleRoles,
    options: HuntOptions,
    result: HuntResult,
    progress: ProgressCallback | None,
    engine_factory: EngineFactory,
) -> list[HuntFinding]:
    engine = engine_factory(rules, options.window, roles.reports)
    findings: list[HuntFinding] = []
    stats = result.stats
    with streaming_gc():
        for path in iter_paths(paths, stats):
            evaluated, filtered_out = _hunt_file(engine, path, stats, options, roles, findings)
            result.events_evaluated += evaluated
            result.filtered_out += filtered_out
            if progress is not None:
                progress(path, _file_size(path))
        findings.extend(enrich(f) for f in engine.finish() if roles.reports(f.rule_id))
    return findings


# --- worker processes ------------------------------------------------------------------


@dataclass
class _FileResult:
    path: str
    stats: ReadStats
    filtered_out: int
    evaluated: int
    findings: list[HuntFinding]
    # base-rule matches recorded for the correlations (ReplayEngine.take_matches, by
    # slot position), annotated with their principal and source address
    matches: dict[int, Any]


def _worker_setup(
    rules: Sequence[SigmaRuleBase], roles: RuleRoles, options: HuntOptions
) -> Callable[[str], _FileResult]:
    """In a worker: the whole rule set, as the parent's engine has it (matches are
    handed over by slot position): single-event findings come from here, and the
    base-rule matches the correlations need are recorded here and handed to the parent
    once per file."""
    engine: Any = default_engine_factory(rules, options.window, roles.reports)
    tune_gc_for_streaming()  # for the worker's life: it only streams files

    def one_file(path: str) -> _FileResult:
        out = _FileResult(path, ReadStats(), 0, 0, [], {})
        out.evaluated, out.filtered_out = _hunt_file(
            engine, Path(path), out.stats, options, roles, out.findings
        )
        out.matches = engine.take_matches()
        return out

    return one_file


def _hunt_parallel(
    paths: Sequence[Path | str],
    rules: Sequence[SigmaRuleBase],
    roles: RuleRoles,
    options: HuntOptions,
    result: HuntResult,
    progress: ProgressCallback | None,
) -> list[HuntFinding]:
    has_correlations = any(isinstance(rule, SigmaCorrelationRule) for rule in rules)
    parent: Any = (
        default_engine_factory(rules, options.window, roles.reports) if has_correlations else None
    )
    findings: list[HuntFinding] = []
    stats = result.stats
    jobs = max(1, min(options.jobs, os.cpu_count() or 1))
    files = (str(path) for path in iter_paths(paths, stats))
    setup = partial(_worker_setup, rules, roles, options)
    with streaming_gc():
        for path, part in run_workers(files, jobs, setup):
            if isinstance(part, WorkerFailure):
                # the worker died or raised on this file: reported, the others go on
                stats.files += 1
                stats.unreadable_files += 1
                stats.add_problem(path, None, f"not read: {part.reason}")
            else:
                stats.merge(part.stats)
                result.filtered_out += part.filtered_out
                result.events_evaluated += part.evaluated
                findings.extend(part.findings)
                if parent is not None:
                    # Matches only: the parent evaluates no record, it correlates.
                    parent.absorb_matches(part.path, part.matches)
            if progress is not None:
                progress(Path(path), _file_size(Path(path)))
        if parent is not None:
            findings.extend(
                enrich(f)
                for f in parent.finish()
                if f.kind is FindingKind.CORRELATION and roles.reports(f.rule_id)
            )
    return findings
