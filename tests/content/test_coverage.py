"""The pack covers the catalogue, and the generated coverage documents are current.

* every catalogue item AQ-01 ... AQ-36 is implemented by a rule (``sigmaq.catalogue``)
  or excluded with a reason in ``docs/coverage-exclusions.yml``;
* every rule names known catalogue items and playbook keys;
* README.md's rule table and docs/coverage.md equal what ``sigmaq coverage`` generates.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from sigmaq.pack.coverage import (
    CATALOGUE_IDS,
    PLAYBOOK_KEYS,
    RuleInfo,
    build_report,
    generated_files,
    stale_files,
)

ROOT = Path(__file__).resolve().parents[2]
REPORT = build_report(ROOT)


def test_pack_has_rules() -> None:
    assert REPORT.rules, "no rule loaded from rules/"


@pytest.mark.parametrize("item", CATALOGUE_IDS)
def test_catalogue_item_is_covered(item: str) -> None:
    rules = REPORT.rules_for_item(item)
    assert rules or item in REPORT.exclusions, (
        f"{item} has no rule (sigmaq.catalogue) and no reason in docs/coverage-exclusions.yml"
    )


@pytest.mark.parametrize("rule", REPORT.rules, ids=lambda r: r.stem)
def test_rule_metadata_uses_known_keys(rule: RuleInfo) -> None:
    assert set(rule.catalogue) <= set(CATALOGUE_IDS), rule.catalogue
    assert set(rule.playbook) <= set(PLAYBOOK_KEYS), rule.playbook
    if rule.component != "containment":
        assert rule.catalogue, f"{rule.path}: pack rules name at least one catalogue item"


def test_generated_documents_are_current() -> None:
    stale = stale_files(generated_files(ROOT, REPORT))
    assert not stale, f"stale generated files (run `sigmaq coverage`): {stale}"
