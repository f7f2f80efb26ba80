"""``sigmaq test``: replay every rule against its fixtures and the benign baseline.

Each rule file's *subject* rules (the rules of the file that no other correlation of
the same file references; in this pack, the one rule of the file) are evaluated on
their own: a fresh ``ReplayEngine`` per fixture, holding the rule and whatever it
references, with every subject producing findings whatever ``generate`` says.

* ``fixtures/<component>/<rule stem>/pos_*.json`` (pack layout) and
  ``<rule stem>.pos_*.json`` beside the rule (flat layout) must give at least one
  finding of the rule (a correlation: at least one window); ``neg_*.json`` must give
  none. A rule file
  without at least one of each, a rule that fails to load or compile, and a fixture that
  cannot be read or holds no record are failures.
* ``fixtures/_baseline/`` (every fixture file under it) is replayed once with all the
  tested rules. A finding of a rule above ``informational`` is a failure unless
  ``known_matches.yml`` lists it (``baseline.py``); informational findings, and findings
  of building blocks whose output a ``generate: false`` correlation switches off, are
  reported only. A listed entry that no longer matches is a failure (stale review).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sigma.correlations import SigmaCorrelationRule

from sigmaq.core.errors import FixtureError, RuleLoadError, SigmaqError
from sigmaq.core.layout import ProjectLayout, fixture_home, rule_fixtures
from sigmaq.core.loader import LoadedRule, LoadResult, load_rules
from sigmaq.core.model import Finding, WindowMode
from sigmaq.replay.engine import ReplayEngine
from sigmaq.replay.readers import ReadStats, read_file
from sigmaq.testing.baseline import BaselineReport, KnownMatch, evaluate_baseline, event_label
from sigmaq.testing.junit import JUnitCase

log = logging.getLogger(__name__)

__all__ = [
    "BaselineReport",
    "FixtureResult",
    "KnownMatch",
    "RuleProblem",
    "TestReport",
    "event_label",
    "keyword_matches",
    "replay_fixture",
    "run_tests",
    "subject_rules",
]


@dataclass(frozen=True)
class FixtureResult:
    """One rule replayed over one fixture file.

    ``expect_match``: True for ``pos_`` fixtures; ``findings``: findings of the rule;
    ``event_ids``: the events behind them (``eventID``, or ``file#position``);
    ``records``: CloudTrail records read; ``problems``: why the fixture could not be
    used (unreadable, malformed records, no record); ``seconds``: replay time.
    """

    rule_id: str
    rule_title: str
    rule_path: Path
    fixture: Path
    expect_match: bool
    findings: int
    event_ids: tuple[str, ...]
    records: int
    problems: tuple[str, ...] = ()
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return not self.problems and (self.findings > 0) == self.expect_match

    @property
    def message(self) -> str | None:
        """Why it failed, or None when it passed."""
        if self.problems:
            return "; ".join(self.problems)
        if self.passed:
            return None
        if self.expect_match:
            return f"expected a match, got none ({self.records} records replayed)"
        return f"expected no match, got {self.findings} finding(s): {', '.join(self.event_ids)}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule_id": self.rule_id,
            "rule_title": self.rule_title,
            "rule_path": str(self.rule_path),
            "fixture": str(self.fixture),
            "expected": "match" if self.expect_match else "no match",
            "findings": self.findings,
            "event_ids": list(self.event_ids),
            "records": self.records,
            "passed": self.passed,
            "message": self.message,
        }


@dataclass(frozen=True)
class RuleProblem:
    """A rule-level failure: load or compile error, missing fixtures, misplaced file."""

    path: Path | None
    rule_id: str | None
    message: str
    line: int | None = None

    @property
    def location(self) -> str:
        if self.path is None:
            return ""
        return f"{self.path}:{self.line}" if self.line is not None else str(self.path)

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": str(self.path) if self.path is not None else None,
            "line": self.line,
            "rule_id": self.rule_id,
            "message": self.message,
        }


@dataclass
class TestReport:
    """Everything ``run_tests`` found; ``failed`` decides the exit code."""

    __test__ = False  # not a pytest test class

    window: WindowMode
    fixtures: list[FixtureResult] = field(default_factory=list)
    problems: list[RuleProblem] = field(default_factory=list)
    baseline: BaselineReport | None = None
    rules_tested: int = 0
    # rules without a positive and a negative fixture, when run_tests was told to skip
    # them (missing_fixtures="skip"): listed, not failed
    untested: list[RuleProblem] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return (
            bool(self.problems)
            or any(not result.passed for result in self.fixtures)
            or (self.baseline is not None and self.baseline.failed)
        )

    def summary(self) -> dict[str, int]:
        """Counts for the summary line and JSON output."""
        baseline = self.baseline
        return {
            "rules": self.rules_tested,
            "fixtures": len(self.fixtures),
            "fixtures_passed": sum(1 for r in self.fixtures if r.passed),
            "fixtures_failed": sum(1 for r in self.fixtures if not r.passed),
            "rule_problems": len(self.problems),
            "rules_without_fixtures": len(self.untested),
            "baseline_files": baseline.files if baseline else 0,
            "baseline_records": baseline.records if baseline else 0,
            "baseline_failures": len(baseline.failures) if baseline else 0,
            "baseline_reported": len(baseline.reported) if baseline else 0,
            "baseline_known": len(baseline.known) if baseline else 0,
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "window": self.window.value,
            "failed": self.failed,
            "summary": self.summary(),
            "fixtures": [result.to_dict() for result in self.fixtures],
            "problems": [problem.to_dict() for problem in self.problems],
            "untested": [problem.to_dict() for problem in self.untested],
            "baseline": self.baseline.to_dict() if self.baseline is not None else None,
        }

    def junit_cases(self) -> list[JUnitCase]:
        """One case per fixture replay, rule problem and baseline verdict."""
        cases = [
            JUnitCase(
                name=result.fixture.name,
                classname=result.rule_path.stem,
                failure=result.message,
                time=result.seconds,
            )
            for result in self.fixtures
        ]
        for problem in self.problems:
            classname = problem.path.stem if problem.path is not None else "sigmaq"
            text = f"{problem.location}: {problem.message}" if problem.location else problem.message
            cases.append(JUnitCase(name="rule", classname=classname, failure=text))
        for problem in self.untested:
            classname = problem.path.stem if problem.path is not None else "sigmaq"
            cases.append(JUnitCase(name="rule", classname=classname, skipped=problem.message))
        if self.baseline is not None:
            cases.extend(self.baseline.junit_cases())
        return cases


def keyword_matches(expression: str | None, *texts: str) -> bool:
    """``-k`` filter: case-insensitive substring of any text; ``not X`` negates.

    None or an empty expression selects everything.
    """
    if expression is None or not expression.strip():
        return True
    words = expression.strip()
    negate = words.lower().startswith("not ")
    needle = (words[4:] if negate else words).strip().lower()
    found = any(needle in text.lower() for text in texts)
    return found != negate


def subject_rules(rules: Sequence[LoadedRule]) -> list[LoadedRule]:
    """The rules of one file that no correlation of the same file references."""
    referenced: set[int] = set()
    for loaded in rules:
        if isinstance(loaded.rule, SigmaCorrelationRule):
            for reference in loaded.rule.referenced_rules or []:
                referenced.add(id(reference.rule))
    return [loaded for loaded in rules if id(loaded.rule) not in referenced]


def replay_fixture(
    loaded: LoadedRule,
    fixture: Path,
    *,
    expect_match: bool,
    window: WindowMode = WindowMode.SLIDING,
) -> FixtureResult:
    """Replay one rule (with what it references) over one fixture file.

    Raises ReplayError when the rule cannot be compiled.
    """
    started = time.perf_counter()
    engine = ReplayEngine([loaded.rule], window=window, emit_all=True)
    stats = ReadStats()
    findings: list[Finding] = []
    for record, ref in read_file(fixture, stats):
        findings.extend(engine.feed(record, ref))
    findings.extend(engine.finish())
    own = [finding for finding in findings if finding.rule_id == loaded.rule_id]
    labels = dict.fromkeys(event_label(ref) for finding in own for ref in finding.events)
    problems = [str(problem) for problem in stats.problems if not problem.warning]
    if stats.problems_dropped:
        problems.append(f"{stats.problems_dropped} more problems")
    if stats.records_read == 0:
        problems.append("fixture holds no CloudTrail record")
    return FixtureResult(
        rule_id=loaded.rule_id,
        rule_title=str(loaded.rule.title),
        rule_path=loaded.path,
        fixture=fixture,
        expect_match=expect_match,
        findings=len(own),
        event_ids=tuple(labels),
        records=stats.records_read,
        problems=tuple(problems),
        seconds=time.perf_counter() - started,
    )


def run_tests(
    root: Path | None,
    paths: Sequence[Path] | None = None,
    *,
    keyword: str | None = None,
    window: WindowMode = WindowMode.SLIDING,
    baseline: bool = True,
    missing_fixtures: str = "error",
) -> TestReport:
    """Test the rules under ``paths`` (default ``<root>/rules``) against their fixtures.

    ``root`` is the project folder, or None for a plain rule folder (flat layout:
    fixtures beside the rules, no baseline); ``keyword`` the ``-k`` filter over rule
    title, file stem and id. Rules of the project outside ``paths`` are loaded too, so
    correlation references resolve, but only rules under ``paths`` are tested. Raises
    RuleLoadError when a path does not exist (or no path is given without a project);
    every other problem is in the report. ``missing_fixtures``: ``"error"`` (a rule
    without a positive and a negative fixture is a problem: the pack's gate) or
    ``"skip"`` (such a rule is listed in ``report.untested``, its fixtures that exist
    still replayed: a rule repository adopting fixtures rule by rule).
    """
    if missing_fixtures not in ("error", "skip"):
        raise ValueError(f"missing_fixtures must be 'error' or 'skip', not {missing_fixtures!r}")
    if root is None:
        if not paths:
            raise RuleLoadError("no rule paths given and no project")
        wanted = [Path(p) for p in paths]
        sources = list(wanted)
    else:
        layout = ProjectLayout(root)
        wanted = [Path(p) for p in paths] if paths else [layout.rules_dir]
        sources = [layout.rules_dir] if layout.rules_dir.is_dir() else []
        sources += [p for p in wanted if not _is_within(p, layout.rules_dir)]
    result = load_rules(sources) if sources else LoadResult()
    report = TestReport(window=WindowMode(window))
    in_scope = [p.resolve() for p in wanted]

    def selected(path: Path) -> bool:
        return any(_is_within(path, scope) for scope in in_scope)

    for error in result.errors:
        if (
            error.path is not None
            and selected(error.path)
            and keyword_matches(keyword, error.path.stem, error.rule_id or "")
        ):
            report.problems.append(
                RuleProblem(error.path, error.rule_id, error.message, error.line)
            )
    tested: list[LoadedRule] = []
    for path, rules in sorted(result.by_path().items()):
        if not selected(path):
            continue
        for loaded in subject_rules(rules):
            if not keyword_matches(keyword, str(loaded.rule.title), path.stem, loaded.rule_id):
                continue
            report.rules_tested += 1
            if _test_rule(root, loaded, window, report, skip_missing=missing_fixtures == "skip"):
                tested.append(loaded)
    if baseline and root is not None:
        report.baseline = evaluate_baseline(
            ProjectLayout(root),
            tested,
            all_rules=[loaded.rule for loaded in result.rules],
            window=window,
        )
    return report


def _test_rule(
    root: Path | None,
    loaded: LoadedRule,
    window: WindowMode,
    report: TestReport,
    *,
    skip_missing: bool = False,
) -> bool:
    """Replay one rule's fixtures into ``report``; False when the rule cannot run."""
    try:
        ReplayEngine([loaded.rule], window=window, emit_all=True)
    except SigmaqError as exc:
        report.problems.append(
            RuleProblem(loaded.path, loaded.rule_id, f"cannot replay: {exc.message}")
        )
        return False
    try:
        positives, negatives = rule_fixtures(loaded.path, root)
    except FixtureError as exc:
        report.problems.append(RuleProblem(loaded.path, loaded.rule_id, str(exc)))
        return True
    missing = [kind for kind, found in (("pos_", positives), ("neg_", negatives)) if not found]
    if missing:
        (report.untested if skip_missing else report.problems).append(
            RuleProblem(
                loaded.path,
                loaded.rule_id,
                f"needs at least one {' and one '.join(missing)} fixture in "
                f"{fixture_home(loaded.path, root)}",
            )
        )
    for fixture, expect in _labelled(positives, negatives):
        report.fixtures.append(replay_fixture(loaded, fixture, expect_match=expect, window=window))
    return True


def _labelled(positives: Iterable[Path], negatives: Iterable[Path]) -> list[tuple[Path, bool]]:
    return [(p, True) for p in positives] + [(n, False) for n in negatives]


def _is_within(path: Path, folder: Path) -> bool:
    resolved, base = path.resolve(), folder.resolve()
    return resolved == base or base in resolved.parents
