"""Can each rule fire on these log sources, and can each playbook question be answered?

For every event a rule needs (``needs.EventNeed``) and every log source (trail or event data
store), the event is:

- not logged when the source is not logging (``get-trail-status`` IsLogging false, or an
  event data store whose Status is not ENABLED), when its selectors do not select it
  (``selectors.evaluate_selectors``), or when it is a global service event (IAM...) and the
  trail does not include global service events;
- logged only in part when the selectors select it only for some resources or callers, when
  the source covers one region (``IsMultiRegionTrail``/``MultiRegionEnabled`` false), or when
  the rule correlates several accounts and the source is not an organisation trail/store;
- logged otherwise.

An event is as well logged as its best source. A rule is ``ready`` when every event it needs
is logged, ``blind`` when none is, ``partial`` in between, ``unknown`` when no source tells
(selectors not exported). Log file validation and KMS do not change whether a rule fires;
they are reported as caveats of the source (integrity of the evidence, playbook preparation).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sigmaq.readiness.exports import TRAIL, LogSource
from sigmaq.readiness.needs import EventNeed, RuleNeeds
from sigmaq.readiness.selectors import evaluate_selectors

READY = "ready"
PARTIAL = "partial"
BLIND = "blind"
UNKNOWN = "unknown"
STATUSES = (READY, PARTIAL, BLIND, UNKNOWN)

# Playbook vocabulary (playbook.md; the same keys as ``sigmaq.playbook`` in the rules).
PLAYBOOK: tuple[tuple[str, str], ...] = (
    ("step-4", "Detect and analyse unrecognised API events in CloudTrail"),
    ("step-5", "Detect and analyse unrecognised events in CloudWatch"),
    ("step-6", "Delete or rotate IAM user keys"),
    ("step-7", "Delete or rotate unrecognised resources"),
    ("q1", "Which resources were created and deleted?"),
    ("q2", "Which plugins were used?"),
    ("q3", "Which applications could Q access during the incident?"),
    ("q4", "Did Q access those applications?"),
    ("q5", "What kinds of files were uploaded to Q?"),
    ("q6", "Can Q reach any IDE environment?"),
)

_RANK = {True: 2, None: 1, False: 0}


@dataclass(frozen=True)
class EventVerdict:
    """Is one needed event logged (True/None=in part/False), by which source, and why not."""

    need: EventNeed
    logged: bool | None
    source: str | None = None
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True)
class RuleVerdict:
    """A rule's readiness: ``status`` (one of STATUSES), per-event verdicts, what is missing."""

    needs: RuleNeeds
    status: str
    events: tuple[EventVerdict, ...]
    gaps: tuple[str, ...] = ()

    @property
    def missing_data_types(self) -> tuple[str, ...]:
        """resources.type values whose data events the rule needs and no source logs."""
        out: list[str] = []
        for verdict in self.events:
            if verdict.need.category == "Data" and verdict.logged is not True:
                for kind in verdict.need.resource_types:
                    if kind not in out:
                        out.append(kind)
        return tuple(out)


@dataclass(frozen=True)
class PlaybookLine:
    """Whether one playbook step or question can be answered: ``answer`` yes/partly/no."""

    key: str
    text: str
    answer: str
    counts: dict[str, int]
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True)
class Assessment:
    """Per-rule verdicts, playbook lines and source caveats for one set of exports."""

    sources: tuple[LogSource, ...]
    rules: tuple[RuleVerdict, ...]
    playbook: tuple[PlaybookLine, ...]
    source_notes: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def by_status(self, status: str) -> list[RuleVerdict]:
        return [r for r in self.rules if r.status == status]


def _source_event(
    need: EventNeed, source: LogSource, spans_accounts: bool
) -> tuple[bool | None, tuple[str, ...]]:
    """(logged, reasons) of one need on one source."""
    if source.logging is False:
        state = source.status or "IsLogging false"
        return False, (f"{source.label} is not logging ({state})",)
    if source.selectors is None:
        return None, (f"{source.label}: selectors not exported (get-event-selectors)",)
    verdicts = [evaluate_selectors(source.selectors, p) for p in need.profiles()]
    best = max(verdicts, key=lambda v: _RANK[v.logged])
    if best.logged is False:
        return False, (f"{source.label}: no event selector selects it",)
    reasons: list[str] = []
    logged: bool | None = best.logged
    if best.logged is None:
        reasons.append(f"{source.label} logs it only where " + "; ".join(best.conditions))
    if need.is_global_service and source.kind == TRAIL:
        if source.include_global_service_events is False:
            return False, (f"{source.label} excludes global service events (IAM)",)
        if source.multi_region is False and source.home_region not in (None, "us-east-1"):
            logged = None
            reasons.append(
                f"{source.label} is single-region in {source.home_region}; "
                "global service events (IAM) are recorded in us-east-1"
            )
    if source.multi_region is False:
        logged = None
        reasons.append(f"{source.label} covers only {source.home_region or 'its home region'}")
    if spans_accounts and source.organization is not True:
        logged = None
        reasons.append(f"{source.label} is not an organisation trail: one account only")
    if source.logging is None:
        reasons.append(f"{source.label}: logging state not exported (get-trail-status)")
    return logged, tuple(reasons)


def _event_verdict(
    need: EventNeed, sources: Sequence[LogSource], spans_accounts: bool
) -> EventVerdict:
    best = EventVerdict(need, False, None, ("no log source exported",))
    all_reasons: list[str] = []
    for source in sources:
        logged, reasons = _source_event(need, source, spans_accounts)
        all_reasons.extend(reasons)
        if best.source is None or _RANK[logged] > _RANK[best.logged]:
            best = EventVerdict(need, logged, source.label, reasons)
    if best.logged is False and all_reasons:
        best = EventVerdict(need, False, None, tuple(dict.fromkeys(all_reasons)))
    return best


def assess_rule(needs: RuleNeeds, sources: Sequence[LogSource]) -> RuleVerdict:
    """The ``RuleVerdict`` of one rule over ``sources`` (see the module docstring)."""
    events = tuple(_event_verdict(n, sources, needs.spans_accounts) for n in needs.events)
    if not sources:
        return RuleVerdict(needs, UNKNOWN, events, ("no trail or event data store exported",))
    states = [e.logged for e in events]
    selectors_unknown = all(s.selectors is None for s in sources)
    if states and all(s is True for s in states):
        status = READY
    elif selectors_unknown and not any(s is True for s in states):
        status = UNKNOWN
    elif states and all(s is False for s in states):
        status = BLIND
    else:
        status = PARTIAL
    gaps: list[str] = []
    labels = {False: "not logged", None: "logged in part", True: "logged"}
    for verdict in events:
        if verdict.logged is not True or verdict.reasons:
            label = labels[verdict.logged]
            gaps.append(f"{verdict.need.describe()}: {label}: {'; '.join(verdict.reasons)}")
    return RuleVerdict(needs, status, events, tuple(dict.fromkeys(gaps)))


def _cloudwatch(sources: Sequence[LogSource]) -> tuple[bool, str]:
    delivering = [
        s for s in sources if s.kind == TRAIL and s.cloudwatch_log_group and s.logging is not False
    ]
    if not delivering:
        return False, "no logging trail delivers to CloudWatch Logs (CloudWatchLogsLogGroupArn)"
    errors = [s for s in delivering if s.cloudwatch_error]
    if errors and len(errors) == len(delivering):
        return False, f"CloudWatch Logs delivery fails: {errors[0].cloudwatch_error}"
    names = ", ".join(s.name for s in delivering)
    return True, f"CloudWatch Logs delivery from {names}"


def playbook_lines(
    verdicts: Sequence[RuleVerdict], sources: Sequence[LogSource]
) -> list[PlaybookLine]:
    """One line per playbook step 4-7 and question 1-6.

    ``yes`` when every rule tagged with the key is ready, ``no`` when none is ready or
    partial (or, for step 5, when no trail delivers to CloudWatch Logs), ``partly`` otherwise.
    """
    lines: list[PlaybookLine] = []
    for key, text in PLAYBOOK:
        tagged = [v for v in verdicts if key in v.needs.playbook]
        counts = {status: sum(1 for v in tagged if v.status == status) for status in STATUSES}
        reasons: list[str] = []
        if not tagged:
            answer = "no"
            reasons.append("no rule of the selection addresses it")
        elif counts[READY] == len(tagged):
            answer = "yes"
        elif counts[READY] + counts[PARTIAL] == 0:
            answer = "no" if counts[UNKNOWN] == 0 else "unknown"
        else:
            answer = "partly"
        missing = sorted({t for v in tagged for t in v.missing_data_types})
        if missing:
            reasons.append(f"data events not (fully) logged: {', '.join(missing)}")
        not_ready = [v.needs.title for v in tagged if v.status in (BLIND, UNKNOWN)]
        if not_ready:
            reasons.append(f"{len(not_ready)} rule(s) blind or unknown")
        if key == "step-5":
            ok, why = _cloudwatch(sources)
            reasons.insert(0, why)
            if not ok:
                answer = "no"
        lines.append(PlaybookLine(key, text, answer, counts, tuple(reasons)))
    return lines


def source_notes(source: LogSource) -> tuple[str, ...]:
    """Caveats of one source that do not change whether rules fire (evidence quality)."""
    notes: list[str] = []
    if source.kind == TRAIL:
        if source.log_file_validation is False:
            notes.append("log file validation is off: delivered logs cannot be proven unaltered")
        if source.cloudwatch_log_group is None:
            notes.append("no CloudWatch Logs delivery: playbook step 5 cannot run on this trail")
        if source.include_global_service_events is False:
            notes.append("global service events (IAM, STS) are not included")
    if source.kms_key is None and source.kind == TRAIL:
        notes.append("logs are not encrypted with a KMS key (SSE-S3 only)")
    if source.multi_region is False:
        notes.append(f"single-region: only {source.home_region or 'its home region'} is logged")
    if source.organization is False:
        notes.append("not organisation-wide: other accounts need their own trails or stores")
    if source.logging is None:
        notes.append("logging state unknown: export get-trail-status")
    if source.selectors is None:
        notes.append("event selectors unknown: export get-event-selectors")
    return tuple(notes)


def assess(needs: Sequence[RuleNeeds], sources: Sequence[LogSource]) -> Assessment:
    """Verdicts for every rule, the playbook lines and the source caveats."""
    verdicts = tuple(assess_rule(n, sources) for n in needs)
    return Assessment(
        sources=tuple(sources),
        rules=verdicts,
        playbook=tuple(playbook_lines(verdicts, sources)),
        source_notes={s.label: source_notes(s) for s in sources},
    )
