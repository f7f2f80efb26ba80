"""The pack covers the catalogue, and the generated coverage documents are current
(``sigmaq.pack.coverage``, build stage ``coverage``).

* every catalogue item AQ-01 ... AQ-42 is implemented by a rule (``sigmaq: catalogue``)
  or excluded with a reason in ``docs/coverage-exclusions.yml``;
* every catalogue item says what its rules catch and what they cannot
  (``docs/coverage-notes.yml``), and the behaviours CloudTrail cannot see are listed
  with what would see them (``--trust-all-tools`` among them);
* every rule names known catalogue items and playbook keys (also the
  ``sigmaq_metadata`` validator);
* README.md's rule table and docs/coverage.md equal what ``sigmaq update`` generates.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from sigmaq.pack.coverage import (
    CATALOGUE_IDS,
    PLAYBOOK_KEYS,
    RuleInfo,
    build_report,
    coverage_problems,
)

ROOT = Path(__file__).resolve().parents[2]
REPORT = build_report(ROOT)


def test_pack_has_rules() -> None:
    assert REPORT.rules, "no rule loaded from rules/"


PROBLEMS = coverage_problems(ROOT, REPORT)


@pytest.mark.parametrize("item", CATALOGUE_IDS)
def test_catalogue_item_is_covered(item: str) -> None:
    assert not [p for p in PROBLEMS if p.startswith(f"catalogue item {item} ")]


@pytest.mark.parametrize("item", CATALOGUE_IDS)
def test_catalogue_item_has_coverage_note(item: str) -> None:
    note = REPORT.notes.items.get(item)
    assert note is not None, f"{item} has no entry in docs/coverage-notes.yml"
    assert len(note.catches) > 20 and len(note.misses) > 20, note


def test_cloudtrail_blind_spots_are_listed() -> None:
    spots = REPORT.notes.blind_spots
    assert any("--trust-all-tools" in spot.behaviour for spot in spots), spots
    assert all(spot.seen_by for spot in spots)


@pytest.mark.parametrize("rule", REPORT.rules, ids=lambda r: r.stem)
def test_rule_metadata_uses_known_keys(rule: RuleInfo) -> None:
    assert set(rule.catalogue) <= set(CATALOGUE_IDS), rule.catalogue
    assert set(rule.playbook) <= set(PLAYBOOK_KEYS), rule.playbook
    if rule.component != "containment":
        assert rule.catalogue, f"{rule.path}: pack rules name at least one catalogue item"


def test_generated_documents_are_current() -> None:
    stale = [p for p in PROBLEMS if "is stale" in p or "README" in p]
    assert not stale, stale


def test_no_other_coverage_problem() -> None:
    assert PROBLEMS == []
