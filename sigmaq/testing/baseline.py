"""The baseline half of ``sigmaq test``: benign Amazon Q sessions against every rule.

``fixtures/_baseline/`` holds realistic benign activity. Every tested rule is replayed
over all of it at once. ``fixtures/_baseline/known_matches.yml`` lists the matches a
reviewer accepted, as a YAML list of mappings::

    - rule_id: a217aae9-baff-4747-980a-76111333521e   # or ``rule:``/``title:`` (id or title)
      event_id: 3a2e0c1d-...                           # the baseline record's eventID
      reason: why this benign match is acceptable

``event_id: "*"`` reviews every baseline match of a non-alerting rule at once (an
informational rule, or a building block of a ``generate: false`` correlation, that
matches ordinary use by design); it never covers a match of an alerting rule.

Verdicts per finding: ``known`` (listed; for a correlation, listing any event of the
window is enough), ``building_block`` (the rule's own output is switched off by a
``generate: false`` correlation, as pySigma does), ``informational`` (level
informational), otherwise ``failure`` (an unknown level counts as alerting). An entry
for a tested rule that matches nothing is ``stale`` and fails too, so the list never
hides a rule change.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from sigma.correlations import SigmaCorrelationRule
from sigma.rule import SigmaRuleBase

from sigmaq.core.errors import SigmaqError
from sigmaq.core.layout import KNOWN_MATCHES_FILE, ProjectLayout
from sigmaq.core.loader import LoadedRule
from sigmaq.core.model import EventRef, Finding, Level, WindowMode
from sigmaq.core.yaml_source import YamlSourceError, read_yaml_documents
from sigmaq.replay.engine import ReplayEngine
from sigmaq.replay.readers import ReadStats, read_file
from sigmaq.testing.junit import JUnitCase

_RULE_KEYS = ("rule_id", "rule", "title")


class Verdict(StrEnum):
    KNOWN = "known"
    BUILDING_BLOCK = "building_block"
    INFORMATIONAL = "informational"
    FAILURE = "failure"


def event_label(ref: EventRef) -> str:
    """How a report names an event: its ``eventID``, else ``file#position``."""
    return ref.event_id if ref.event_id is not None else f"{ref.source}#{ref.position}"


@dataclass(frozen=True)
class KnownMatch:
    """One reviewed entry of ``known_matches.yml`` (``entry``: 1-based position)."""

    rule: str
    event_id: str
    reason: str
    entry: int

    def covers(self, rule_id: str, rule_title: str) -> bool:
        """True when the entry names this rule by id or (case-insensitively) title."""
        return self.rule == rule_id or self.rule.casefold() == rule_title.casefold()

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "event_id": self.event_id, "reason": self.reason}


@dataclass(frozen=True)
class BaselineMatch:
    """A finding on the baseline with its verdict (``reason``: the known entry's)."""

    rule_id: str
    rule_title: str
    level: Level | None
    event_ids: tuple[str, ...]
    verdict: Verdict
    reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule_id": self.rule_id,
            "rule_title": self.rule_title,
            "level": self.level.value if self.level is not None else None,
            "event_ids": list(self.event_ids),
            "verdict": self.verdict.value,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class StaleEntry:
    """A ``known_matches.yml`` entry for tested rule ``rule_id`` that matched nothing."""

    rule_id: str
    known: KnownMatch

    def to_dict(self) -> dict[str, Any]:
        return {"rule_id": self.rule_id, "entry": self.known.entry, **self.known.to_dict()}


@dataclass
class BaselineReport:
    """Outcome of the baseline replay.

    ``files``/``records``: what was read; ``matches``: every finding with its verdict;
    ``stale``: entries for tested rules that matched nothing; ``problems``: unreadable
    baseline files or records, a bad ``known_matches.yml``; ``rule_files``: rule id ->
    rule file stem (for JUnit class names).
    """

    files: int = 0
    records: int = 0
    matches: list[BaselineMatch] = field(default_factory=list)
    stale: list[StaleEntry] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    rule_files: dict[str, str] = field(default_factory=dict)

    @property
    def failures(self) -> list[BaselineMatch]:
        return [m for m in self.matches if m.verdict is Verdict.FAILURE]

    @property
    def reported(self) -> list[BaselineMatch]:
        """Matches shown but not failing (informational rules, building blocks)."""
        return [
            m for m in self.matches if m.verdict in (Verdict.INFORMATIONAL, Verdict.BUILDING_BLOCK)
        ]

    @property
    def known(self) -> list[BaselineMatch]:
        return [m for m in self.matches if m.verdict is Verdict.KNOWN]

    @property
    def failed(self) -> bool:
        return bool(self.failures or self.stale or self.problems)

    def to_dict(self) -> dict[str, Any]:
        return {
            "files": self.files,
            "records": self.records,
            "matches": [m.to_dict() for m in self.matches],
            "stale_known_matches": [s.to_dict() for s in self.stale],
            "problems": list(self.problems),
        }

    def junit_cases(self) -> list[JUnitCase]:
        """One ``baseline`` case per tested rule, plus one for unreadable input."""
        cases: list[JUnitCase] = []
        for rule_id, stem in sorted(self.rule_files.items(), key=lambda item: item[1]):
            lines = [
                f"unlisted baseline match ({m.level.value if m.level else 'no level'}): "
                f"{', '.join(m.event_ids)}"
                for m in self.failures
                if m.rule_id == rule_id
            ]
            lines += [
                f"known_matches.yml entry {s.known.entry} no longer matches: "
                f"event {s.known.event_id}"
                for s in self.stale
                if s.rule_id == rule_id
            ]
            cases.append(
                JUnitCase(name="baseline", classname=stem, failure="\n".join(lines) or None)
            )
        if self.problems:
            cases.append(
                JUnitCase(
                    name="baseline input", classname="_baseline", failure="\n".join(self.problems)
                )
            )
        return cases


ANY_EVENT = "*"


def load_known_matches(path: Path) -> tuple[list[KnownMatch], list[str]]:
    """Entries of ``known_matches.yml`` and the problems found in it (none if absent)."""
    if not path.is_file():
        return [], []
    try:
        documents = read_yaml_documents(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        return [], [f"{path}: cannot read: {exc}"]
    except YamlSourceError as exc:
        where = f"{path}:{exc.line}" if exc.line is not None else str(path)
        return [], [f"{where}: {exc}"]
    data: Any = documents[0].data if documents else []
    if data is None:
        data = []
    if not isinstance(data, list):
        return [], [f"{path}: expected a YAML list of {{rule_id, event_id, reason}} entries"]
    entries: list[KnownMatch] = []
    problems: list[str] = []
    for number, item in enumerate(data, start=1):
        rule = next(
            (item.get(k) for k in _RULE_KEYS if isinstance(item, dict) and item.get(k)), None
        )
        event_id = item.get("event_id") if isinstance(item, dict) else None
        reason = item.get("reason") if isinstance(item, dict) else None
        if not (rule and event_id and isinstance(reason, str) and reason.strip()):
            problems.append(
                f"{path}: entry {number} needs rule_id (or rule/title), event_id and a reason"
            )
            continue
        entries.append(KnownMatch(str(rule), str(event_id), reason.strip(), number))
    return entries, problems


def silenced_rules(rules: Sequence[SigmaRuleBase]) -> set[int]:
    """``id()`` of rules referenced by a ``generate: false`` correlation among ``rules``."""
    silenced: set[int] = set()
    for rule in rules:
        if isinstance(rule, SigmaCorrelationRule) and not rule.generate:
            silenced.update(id(reference.rule) for reference in rule.referenced_rules or [])
    return silenced


def evaluate_baseline(
    layout: ProjectLayout,
    tested: Sequence[LoadedRule],
    *,
    all_rules: Sequence[SigmaRuleBase],
    window: WindowMode = WindowMode.SLIDING,
) -> BaselineReport:
    """Replay ``tested`` rules over the baseline folder and judge each finding.

    ``all_rules`` is the whole loaded pack (to know which rules are building blocks).
    Never raises for bad input: problems are in the report.
    """
    report = BaselineReport(rule_files={loaded.rule_id: loaded.path.stem for loaded in tested})
    walk = layout.baseline_walk()
    files = walk.files
    unlisted = [f"{folder}: {reason}" for folder, reason in walk.unlisted]
    if not files or not tested:
        report.files = len(files)
        report.problems += unlisted
        return report
    known, report.problems = load_known_matches(layout.baseline_dir / KNOWN_MATCHES_FILE)
    report.problems += unlisted
    try:
        engine = ReplayEngine([loaded.rule for loaded in tested], window=window, emit_all=True)
    except SigmaqError as exc:
        report.problems.append(f"cannot replay the baseline: {exc}")
        return report
    stats = ReadStats()
    findings: list[Finding] = []
    for path in files:
        for record, ref in read_file(path, stats):
            findings.extend(engine.feed(record, ref))
    findings.extend(engine.finish())
    report.files = stats.files
    report.records = stats.records_read
    report.problems += [str(p) for p in stats.problems if not p.warning]
    by_id = {loaded.rule_id: loaded for loaded in tested}
    silenced = silenced_rules(all_rules)
    used: set[int] = set()
    for finding in findings:
        loaded = by_id.get(finding.rule_id)
        if loaded is None:  # a referenced rule that is not itself under test
            continue
        labels = tuple(dict.fromkeys(event_label(ref) for ref in finding.events))
        alerting = id(loaded.rule) not in silenced and finding.level is not Level.INFORMATIONAL
        entry = next(
            (
                k
                for k in known
                if k.covers(finding.rule_id, finding.rule_title)
                and (k.event_id in labels or (k.event_id == ANY_EVENT and not alerting))
            ),
            None,
        )
        if entry is not None:
            used.add(entry.entry)
            verdict, reason = Verdict.KNOWN, entry.reason
        elif id(loaded.rule) in silenced:
            verdict, reason = Verdict.BUILDING_BLOCK, None
        elif finding.level is Level.INFORMATIONAL:
            verdict, reason = Verdict.INFORMATIONAL, None
        else:
            verdict, reason = Verdict.FAILURE, None
        report.matches.append(
            BaselineMatch(
                finding.rule_id, finding.rule_title, finding.level, labels, verdict, reason
            )
        )
    for entry in known:
        if entry.entry in used:
            continue
        for loaded in tested:
            if entry.covers(loaded.rule_id, str(loaded.rule.title)):
                report.stale.append(StaleEntry(loaded.rule_id, entry))
                break
    return report
