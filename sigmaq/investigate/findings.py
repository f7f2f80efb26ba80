"""The pack's findings with their events as evidence, bounded per rule.

Every finding is counted (per rule and per principal that took part); the first
``MAX_FINDINGS_PER_RULE`` of each rule keep their details, each with at most
``MAX_EVENTS_PER_FINDING`` events. A single-event finding for an eventID its rule already
reported (CloudTrail redelivery, an organization and an account trail archiving the same
event) is dropped and counted, as hunt does.
"""

from __future__ import annotations

from datetime import datetime

from sigmaq.core.model import Finding, FindingKind
from sigmaq.investigate.bounded import CappedCounter
from sigmaq.investigate.model import Evidence, ReportFinding, RuleFindings
from sigmaq.investigate.principals import PrincipalTable
from sigmaq.investigate.qactivity import widen
from sigmaq.investigate.records import Seen, evidence_from_note

MAX_FINDINGS_PER_RULE = 25
MAX_EVENTS_PER_FINDING = 50


def _distinct(values: list[str | None]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v for v in values if v))


class _RuleEntry:
    __slots__ = ("kept", "kind", "level", "principals", "rule_id", "span", "title", "total")

    def __init__(self, finding: Finding) -> None:
        self.rule_id = finding.rule_id
        self.title = finding.rule_title
        self.level = finding.level
        self.kind = finding.kind
        self.total = 0
        self.span: tuple[datetime | None, datetime | None] = (None, None)
        self.principals = CappedCounter(50)
        self.kept: list[ReportFinding] = []


def credited_principals(finding: Finding, principals: tuple[str, ...]) -> tuple[str, ...]:
    """The principals a correlation finding is held against (their timelines count it,
    and the step 6 checklist acts on them).

    A correlation grouped by a ``userIdentity`` field, or whose events are all one
    principal's, is that principal's. One grouped only by other fields (an account, an
    application) and spanning several principals is not credited to any of them: its
    events may be other users' ordinary calls (every Amazon Q data-event user of an
    account, for a rule grouped by ``recipientAccountId``), and the checklist must not
    revoke or disable them for it. The finding still lists them all for review.
    """
    if len(principals) <= 1:
        return principals
    group = finding.group or {}
    if any(str(field).startswith("userIdentity.") for field in group):
        return principals
    return ()


class FindingBook:
    """Findings by rule, with each one credited to the principals that took part."""

    def __init__(self, principals: PrincipalTable) -> None:
        self.principals = principals
        self.rules: dict[str, _RuleEntry] = {}
        self.seen_ids: set[tuple[str, str]] = set()
        self.redelivered = 0
        self.total = 0

    def _entry(self, finding: Finding) -> _RuleEntry:
        entry = self.rules.get(finding.rule_id)
        if entry is None:
            entry = self.rules[finding.rule_id] = _RuleEntry(finding)
        return entry

    def _count(
        self,
        entry: _RuleEntry,
        finding: Finding,
        principals: tuple[str, ...],
        credited: tuple[str, ...] | None = None,
    ) -> bool:
        """Count ``finding``; list ``principals`` under its rule and flag the timelines
        of ``credited`` (default: all of them)."""
        self.total += 1
        entry.total += 1
        entry.span = widen(entry.span, finding.first_seen)
        entry.span = widen(entry.span, finding.last_seen)
        for label in principals:
            entry.principals.add(label)
        for label in principals if credited is None else credited:
            state = self.principals.get(label)
            if state is not None:
                state.flag(finding.rule_title, finding.level)
        return len(entry.kept) < MAX_FINDINGS_PER_RULE

    def add_event(self, finding: Finding, seen: Seen) -> None:
        """A single-event finding on the record ``seen``."""
        event_id = seen.ref.event_id
        if event_id is not None:
            key = (finding.rule_id, event_id)
            if key in self.seen_ids:
                self.redelivered += 1
                return
            self.seen_ids.add(key)
        entry = self._entry(finding)
        if self._count(entry, finding, (seen.principal,)):
            evidence = seen.evidence()
            entry.kept.append(_report(finding, (evidence,), 1))

    def add_correlation(self, finding: Finding) -> None:
        """A correlation finding (its events annotated with ``records.note_of``)."""
        entry = self._entry(finding)
        principals = _distinct(
            [
                str(ref.annotation[0])
                if isinstance(ref.annotation, tuple) and ref.annotation
                else None
                for ref in finding.events
            ]
        )
        if self._count(entry, finding, principals, credited_principals(finding, principals)):
            shown = finding.events[:MAX_EVENTS_PER_FINDING]
            events = tuple(evidence_from_note(ref) for ref in shown)
            addresses = _distinct(
                [
                    ref.annotation[3]
                    if isinstance(ref.annotation, tuple) and len(ref.annotation) > 3
                    else None
                    for ref in finding.events
                ]
            )
            entry.kept.append(_report(finding, events, len(finding.events), principals, addresses))

    def freeze(self) -> list[RuleFindings]:
        """Rules by highest level, then most findings."""
        out = []
        for entry in self.rules.values():
            out.append(
                RuleFindings(
                    rule_id=entry.rule_id,
                    rule_title=entry.title,
                    level=entry.level.value if entry.level else None,
                    kind=entry.kind.value,
                    total=entry.total,
                    first_seen=entry.span[0],
                    last_seen=entry.span[1],
                    principals=entry.principals.top(),
                    findings=tuple(sorted(entry.kept, key=_finding_time)),
                )
            )
        ranks = {rule_id: (e.level.rank if e.level else -1) for rule_id, e in self.rules.items()}
        out.sort(key=lambda r: (-ranks[r.rule_id], -r.total, r.rule_title))
        return out


def _finding_time(finding: ReportFinding) -> float:
    return finding.first_seen.timestamp() if finding.first_seen else 0.0


def _report(
    finding: Finding,
    events: tuple[Evidence, ...],
    total: int,
    principals: tuple[str, ...] | None = None,
    addresses: tuple[str, ...] | None = None,
) -> ReportFinding:
    group = tuple((str(k), str(v)) for k, v in (finding.group or {}).items())
    return ReportFinding(
        rule_id=finding.rule_id,
        rule_title=finding.rule_title,
        level=finding.level.value if finding.level else None,
        kind=FindingKind(finding.kind).value,
        first_seen=finding.first_seen,
        last_seen=finding.last_seen,
        group=group,
        principals=principals
        if principals is not None
        else _distinct([e.principal for e in events]),
        source_addresses=addresses
        if addresses is not None
        else _distinct([e.source_address for e in events]),
        events=events,
        events_total=total,
    )
