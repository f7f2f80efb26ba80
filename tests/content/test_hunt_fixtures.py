"""Hunting the pack's own fixtures finds every positive fixture's rule and no negative one.

One hunt runs every rule over all of ``fixtures/`` (so fixtures also meet each other's
events, as in a real archive). A rule that a ``generate: false`` correlation silences
reports nothing in that hunt; its fixtures are checked in a second hunt with only
those rules. Negative fixtures: a single-event rule must have no finding on any of the
file's events; a correlation no finding made only of the file's events (a window may
legitimately join a negative file's events to another fixture's).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from sigmaq.core.layout import (
    NEGATIVE_PREFIX,
    POSITIVE_PREFIX,
    RULE_SUFFIX,
    ProjectLayout,
    is_fixture_file,
)
from sigmaq.core.loader import LoadedRule, load_rules
from sigmaq.core.model import FindingKind
from sigmaq.hunt.runner import HuntFinding, HuntOptions, hunt, rule_key

LAYOUT = ProjectLayout(Path(__file__).resolve().parents[2])


def _fixture_files() -> list[Path]:
    if not LAYOUT.fixtures_dir.is_dir():
        return []
    return sorted(
        path
        for path in LAYOUT.fixtures_dir.glob("*/*/*")
        if path.is_file()
        and is_fixture_file(path)
        and path.name.startswith((POSITIVE_PREFIX, NEGATIVE_PREFIX))
        and path.parts[-3] != "_baseline"
    )


FIXTURES = _fixture_files()


def _rule_file(fixture: Path) -> Path:
    return LAYOUT.rules_dir / fixture.parts[-3] / f"{fixture.parts[-2]}{RULE_SUFFIX}"


@dataclass
class PackHunt:
    rules_by_file: dict[Path, list[LoadedRule]]
    findings: dict[str, list[HuntFinding]]


def _by_rule(findings: list[HuntFinding]) -> dict[str, list[HuntFinding]]:
    grouped: dict[str, list[HuntFinding]] = {}
    for item in findings:
        grouped.setdefault(item.finding.rule_id, []).append(item)
    return grouped


@pytest.fixture(scope="module")
def pack_hunt() -> Iterator[PackHunt]:
    from sigmaq.replay.engine import ReplayEngine

    loaded = load_rules([LAYOUT.rules_dir])
    rules = [r.rule for r in loaded.rules]
    findings = _by_rule(hunt([LAYOUT.fixtures_dir], rules, HuntOptions()).findings)
    silenced_ids = {slot.rule_id for slot in ReplayEngine(rules).slots if not slot.emits}
    silenced = [rule for rule in rules if rule_key(rule) in silenced_ids]
    if silenced:
        findings.update(_by_rule(hunt([LAYOUT.fixtures_dir], silenced, HuntOptions()).findings))
    by_file = {path.resolve(): rules for path, rules in loaded.by_path().items()}
    yield PackHunt(by_file, findings)


def _rules_of(fixture: Path, pack: PackHunt) -> list[LoadedRule]:
    rule_file = _rule_file(fixture)
    rules = pack.rules_by_file.get(rule_file.resolve())
    if not rules:
        pytest.fail(f"{fixture}: its rule {rule_file} is missing or does not load")
    return rules


@pytest.mark.parametrize(
    "fixture",
    [f for f in FIXTURES if f.name.startswith(POSITIVE_PREFIX)]
    or [pytest.param(None, marks=pytest.mark.skip(reason="the pack has no positive fixtures"))],
    ids=lambda f: str(f.relative_to(LAYOUT.fixtures_dir)) if isinstance(f, Path) else "none",
)
def test_hunt_finds_positive_fixture(fixture: Path, pack_hunt: PackHunt) -> None:
    source = str(fixture)
    for loaded in _rules_of(fixture, pack_hunt):
        hits = [
            item
            for item in pack_hunt.findings.get(loaded.rule_id, [])
            if any(ref.source == source for ref in item.finding.events)
        ]
        assert hits, f"{loaded.rule_id} ({loaded.rule.title}) found nothing in {fixture}"


@pytest.mark.parametrize(
    "fixture",
    [f for f in FIXTURES if f.name.startswith(NEGATIVE_PREFIX)]
    or [pytest.param(None, marks=pytest.mark.skip(reason="the pack has no negative fixtures"))],
    ids=lambda f: str(f.relative_to(LAYOUT.fixtures_dir)) if isinstance(f, Path) else "none",
)
def test_hunt_ignores_negative_fixture(fixture: Path, pack_hunt: PackHunt) -> None:
    source = str(fixture)
    for loaded in _rules_of(fixture, pack_hunt):
        for item in pack_hunt.findings.get(loaded.rule_id, []):
            sources = {ref.source for ref in item.finding.events}
            if item.finding.kind is FindingKind.CORRELATION:
                wrong = sources == {source}
            else:
                wrong = source in sources
            assert not wrong, (
                f"{loaded.rule_id} ({loaded.rule.title}) fired on {fixture}: "
                f"events {[ref.event_id for ref in item.finding.events]}"
            )


def test_two_workers_find_what_one_process_finds() -> None:
    """Correlations stay correct when files are shared out to worker processes."""
    loaded = load_rules([LAYOUT.rules_dir])
    if not loaded.rules or not FIXTURES:
        pytest.skip("the pack has no rules or fixtures yet")
    rules = [r.rule for r in loaded.rules]

    def outline(jobs: int) -> list[tuple[str, tuple[tuple[str, int], ...], tuple[str, ...]]]:
        result = hunt([LAYOUT.fixtures_dir], rules, HuntOptions(jobs=jobs))
        return [
            (
                item.finding.rule_id,
                tuple((ref.source, ref.position) for ref in item.finding.events),
                item.principals,
            )
            for item in result.findings
        ]

    serial = outline(1)
    assert serial, "hunting the fixtures found nothing at all"
    assert outline(2) == serial
