"""Prove exported queries by running them, not by parsing them.

A query is *proven* for a rule when a model of its target's semantics (an
evaluator: ``sigmaq.export.<family>`` ships one per query language) ran it over
every proof case of the rule and got replay's answer on each. Proof cases are the
rule's own fixtures (``pos_*``/``neg_*``) and the whole benign baseline. Each case
is compared twice:

* with replay (``sigmaq.replay``, the reference semantics): the same records match
  (single-event rules, by position in the case) or the same correlation groups fire
  (group-by values compared case-insensitively, as replay groups them);
* with the fixture's label: a ``pos_`` case must fire and a ``neg_`` case must not,
  so a fixture whose expectation is flipped changes the verdict even where replay
  and the query agree with each other.

Verdicts: ``proven``; ``differs`` (which case, and how); ``refused`` (the target
cannot express the rule; the reason comes from conversion). An evaluator is a
test-grade model of a SIEM or query engine, not the engine itself; each
``PROOF.md`` says which model ran.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from sigma.correlations import SigmaCorrelationRule

from sigmaq.core.errors import FixtureError
from sigmaq.core.layout import ProjectLayout
from sigmaq.core.loader import LoadedRule
from sigmaq.core.model import EventRef, WindowMode
from sigmaq.replay.engine import ReplayEngine
from sigmaq.replay.readers import ReadStats, parse_event_time, read_file

BASELINE_LABEL = "baseline"


class Verdict(StrEnum):
    PROVEN = "proven"
    DIFFERS = "differs"
    REFUSED = "refused"


@dataclass(frozen=True)
class ProofCase:
    """Records a rule is proven on: one fixture file, or the whole baseline.

    ``label``: the fixture's path relative to the project (or ``baseline``);
    ``records``: CloudTrail records as read (dicts, in file order);
    ``expect``: True for ``pos_``, False for ``neg_``, None for the baseline
    (no label: replay alone decides).
    """

    label: str
    records: tuple[Mapping[str, Any], ...]
    expect: bool | None = None
    # Why the fixture could not be read (then ``records`` is empty): no rule is proven on it.
    problem: str | None = None

    def event_time(self, position: int) -> datetime | None:
        """``eventTime`` of the record at ``position`` as an aware UTC datetime, or None."""
        return parse_event_time(self.records[position].get("eventTime"))


@dataclass(frozen=True)
class Outcome:
    """What a rule yields on one case.

    ``records``: positions (0-based, in ``ProofCase.records``) of the records a
    single-event rule matched; ``groups``: for a correlation, the group-by values
    (as strings, in the rule's ``group-by`` order; ``""`` for a missing value) of
    every window that fired, or None when the evaluator cannot tell groups apart
    (then only ``fired`` is compared); ``fired``: at least one result.
    """

    fired: bool
    records: frozenset[int] = frozenset()
    groups: frozenset[tuple[str, ...]] | None = None


# An evaluator runs one rule's exported query (as conversion produced it) over a case.
Evaluator = Callable[[Any, ProofCase], Outcome]


@dataclass(frozen=True)
class CaseResult:
    """One case of one rule: replay's outcome, the query's, and the difference ('' if none)."""

    label: str
    expected: Outcome
    actual: Outcome
    difference: str = ""


@dataclass(frozen=True)
class RuleProof:
    """The verdict for one rule on one target, with every case that led to it."""

    rule_id: str
    title: str
    target: str
    verdict: Verdict
    reason: str = ""
    cases: tuple[CaseResult, ...] = ()
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule_id": self.rule_id,
            "title": self.title,
            "target": self.target,
            "verdict": str(self.verdict),
            "reason": self.reason,
            "note": self.note,
            "cases": len(self.cases),
            "differing_cases": [c.label for c in self.cases if c.difference],
        }


@dataclass
class ProofReport:
    """Every rule's proof for one target."""

    target: str
    model: str
    proofs: list[RuleProof] = field(default_factory=list)

    def count(self, verdict: Verdict) -> int:
        return sum(1 for proof in self.proofs if proof.verdict is verdict)

    def summary(self) -> str:
        """``53 proven, 1 differs, 1 refused``."""
        return ", ".join(f"{self.count(v)} {v}" for v in Verdict)


# --------------------------------------------------------------------------- cases
def read_case(path: Path, label: str, expect: bool | None) -> ProofCase:
    """A fixture file as a proof case. Raises ValueError when it holds no usable record."""
    stats = ReadStats()
    records = tuple(record for record, _ in read_file(path, stats))
    problems = [str(p) for p in stats.problems if not p.warning]
    if problems or not records:
        raise ValueError(f"{path}: not a usable fixture ({'; '.join(problems) or 'no record'})")
    return ProofCase(label, records, expect)


def baseline_case(layout: ProjectLayout) -> ProofCase:
    """Every baseline record, in file order, as one case (no label)."""
    stats = ReadStats()
    records: list[Mapping[str, Any]] = []
    for path in layout.baseline_files():
        records.extend(record for record, _ in read_file(path, stats))
    return ProofCase(BASELINE_LABEL, tuple(records), None)


def fixture_cases(layout: ProjectLayout, loaded: LoadedRule) -> list[ProofCase]:
    """The rule's ``pos_``/``neg_`` fixtures as proof cases (labels relative to the project).

    A fixture that cannot be read (``read_case``), or a fixture folder that cannot be
    listed, is a case with its ``problem`` set and no record: ``prove_rule`` then calls
    the rule ``differs`` with that reason, and the other rules are still proven (the
    validate and test stages name the same fixture).
    """

    def label_of(path: Path) -> str:
        return str(path.relative_to(layout.root)) if path.is_relative_to(layout.root) else str(path)

    try:
        positives, negatives = layout.fixtures_for(loaded.path)
    except FixtureError as error:
        folder = error.path or loaded.path
        return [ProofCase(label_of(folder), (), None, problem=error.message)]
    cases = []
    for path, expect in [(p, True) for p in positives] + [(n, False) for n in negatives]:
        try:
            cases.append(read_case(path, label_of(path), expect))
        except ValueError as error:
            cases.append(ProofCase(label_of(path), (), expect, problem=str(error)))
    return cases


# --------------------------------------------------------------------------- replay side
def group_by_fields(rule: Any) -> tuple[str, ...]:
    """A correlation's ``group-by`` field names in order (empty for single-event rules)."""
    if isinstance(rule, SigmaCorrelationRule):
        return tuple(rule.group_by or ())
    return ()


def replay_outcome(
    loaded: LoadedRule, case: ProofCase, window: WindowMode = WindowMode.SLIDING
) -> Outcome:
    """Replay's answer for ``loaded`` (with the rules it references) on ``case``.

    Raises ReplayError when the rule cannot be compiled.
    """
    engine = ReplayEngine([loaded.rule], window=window, emit_all=True)
    findings = []
    for position, record in enumerate(case.records):
        ref = EventRef(case.label, position, _event_id(record), case.event_time(position))
        findings.extend(engine.feed(record, ref))
    findings.extend(engine.finish())
    own = [f for f in findings if f.rule_id == loaded.rule_id]
    if loaded.is_correlation:
        names = group_by_fields(loaded.rule)
        groups = frozenset(
            tuple(_group_text((f.group or {}).get(name)) for name in names) for f in own
        )
        return Outcome(bool(own), groups=groups)
    positions = frozenset(ref.position for f in own for ref in f.events)
    return Outcome(bool(positions), records=positions)


def _event_id(record: Mapping[str, Any]) -> str | None:
    value = record.get("eventID")
    return value if isinstance(value, str) and value else None


def _group_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


# --------------------------------------------------------------------------- comparing
def difference(case: ProofCase, expected: Outcome, actual: Outcome, *, correlation: bool) -> str:
    """How ``actual`` differs from replay's ``expected`` and from the case's label ('' if not)."""
    problems = []
    if case.expect is not None and actual.fired != case.expect:
        problems.append(
            "query does not fire on a positive fixture"
            if case.expect
            else "query fires on a negative fixture"
        )
    if correlation:
        if actual.groups is not None and expected.groups is not None:
            if _group_identities(actual.groups) != _group_identities(expected.groups):
                replayed, queried = sorted(expected.groups), sorted(actual.groups)
                problems.append(f"groups differ: replay {replayed}, query {queried}")
        elif actual.fired != expected.fired:
            problems.append(f"replay {'fires' if expected.fired else 'is silent'}, query does not")
    elif actual.records != expected.records:
        missed = sorted(expected.records - actual.records)
        extra = sorted(actual.records - expected.records)
        detail = []
        if missed:
            detail.append(f"misses records {_positions(case, missed)}")
        if extra:
            detail.append(f"also matches records {_positions(case, extra)}")
        problems.append("; ".join(detail))
    return "; ".join(problems)


def _group_identities(groups: Iterable[tuple[str, ...]]) -> frozenset[tuple[str, ...]]:
    """Groups as replay tells them apart: values case-folded (replay compares group-by
    values case-insensitively and shows the first value seen; an export may show
    another case of the same group, e.g. Splunk's lower-cased values)."""
    return frozenset(tuple(value.casefold() for value in group) for group in groups)


def _positions(case: ProofCase, positions: Iterable[int]) -> str:
    shown = []
    for position in list(positions)[:5]:
        event_id = _event_id(case.records[position])
        shown.append(f"#{position}" + (f" ({event_id})" if event_id else ""))
    return ", ".join(shown)


def prove_rule(
    loaded: LoadedRule,
    target: str,
    query: Any,
    evaluator: Evaluator,
    cases: Sequence[ProofCase],
    *,
    window: WindowMode = WindowMode.SLIDING,
    note: str = "",
) -> RuleProof:
    """Run ``query`` through ``evaluator`` on every case and compare with replay.

    ``window``: the replay window mode the export claims to reproduce (tumbling for
    fixed-bucket exports; ``note`` says so). An evaluator that raises (a query it
    cannot model) makes the rule ``differs`` with the error as reason: never proven.
    """
    results: list[CaseResult] = []
    correlation = loaded.is_correlation
    for case in cases:
        if case.problem is not None:  # a case that could not be read proves nothing
            return RuleProof(
                loaded.rule_id,
                str(loaded.rule.title),
                target,
                Verdict.DIFFERS,
                f"proof case {case.label} cannot be used: {case.problem}",
                tuple(results),
                note,
            )
        expected = replay_outcome(loaded, case, window)
        try:
            actual = evaluator(query, case)
        except Exception as error:  # a query the model cannot run is not proven
            reason = f"evaluator could not run the query on {case.label}: {error}"
            return RuleProof(
                loaded.rule_id,
                str(loaded.rule.title),
                target,
                Verdict.DIFFERS,
                reason,
                tuple(results),
                note,
            )
        results.append(
            CaseResult(
                case.label,
                expected,
                actual,
                difference(case, expected, actual, correlation=correlation),
            )
        )
    differing = [r for r in results if r.difference]
    verdict = Verdict.DIFFERS if differing else Verdict.PROVEN
    reason = "; ".join(f"{r.label}: {r.difference}" for r in differing[:3])
    if len(differing) > 3:
        reason += f"; and {len(differing) - 3} more cases"
    return RuleProof(
        loaded.rule_id, str(loaded.rule.title), target, verdict, reason, tuple(results), note
    )


def refused(loaded: LoadedRule, target: str, reason: str) -> RuleProof:
    """The proof entry of a rule the target refused at conversion."""
    return RuleProof(loaded.rule_id, str(loaded.rule.title), target, Verdict.REFUSED, reason)


# --------------------------------------------------------------------------- PROOF.md
def render_proof_markdown(report: ProofReport, *, title: str, intro: str) -> str:
    """``PROOF.md`` text: counts, the model that ran, and one row per rule."""
    lines = [
        f"# {title}",
        "",
        intro.strip(),
        "",
        f"Evaluator: {report.model}",
        "",
        f"**{report.summary()}** (generated by `sigmaq build`).",
        "",
        "| rule | rule id | verdict | cases | reason / note |",
        "|---|---|---|---:|---|",
    ]
    for proof in sorted(report.proofs, key=lambda p: (p.verdict != Verdict.DIFFERS, p.title)):
        text = "; ".join(part for part in (proof.reason, proof.note) if part)
        lines.append(
            f"| {_cell(proof.title)} | `{proof.rule_id}` | {proof.verdict} | {len(proof.cases)} "
            f"| {_cell(text)} |"
        )
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
