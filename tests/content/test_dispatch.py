"""The engine's dispatch index never hides a match: every pack rule, every fixture record.

``RuleIndex.candidates`` sends each record only to the rules its eventSource, eventName
or guard field admit (what makes hunt fast); a wrong bound would silently lose
detections. Each single-event rule of the pack is run over every record under
``fixtures/`` (baseline included) by brute force, and each match must have been
dispatched. One test per rule, so a rule with an unsound bound names itself.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sigmaq.core.layout import ProjectLayout
from sigmaq.core.loader import load_rules
from sigmaq.replay.engine import ReplayEngine, RuleSlot
from sigmaq.replay.readers import ReadStats, iter_records

ROOT = Path(__file__).resolve().parents[2]
LAYOUT = ProjectLayout(ROOT)
LOADED = load_rules([LAYOUT.rules_dir]) if LAYOUT.rules_dir.is_dir() else None
ENGINE = ReplayEngine([item.rule for item in LOADED.rules], emit_all=True) if LOADED else None
RECORDS = (
    [event for event, _ in iter_records([LAYOUT.fixtures_dir], ReadStats())]
    if LAYOUT.fixtures_dir.is_dir()
    else []
)


def _slots() -> list[Any]:
    if ENGINE is None or not ENGINE.slots or not RECORDS:
        return [pytest.param(None, marks=pytest.mark.skip(reason="no rules or fixtures yet"))]
    return [pytest.param(slot, id=slot.title) for slot in ENGINE.slots]


@pytest.mark.parametrize("slot", _slots())
def test_every_match_is_dispatched(slot: RuleSlot) -> None:
    assert ENGINE is not None
    matching = [event for event in RECORDS if slot.compiled.matches(event)]
    assert matching, "the rule matches no fixture record: the check would be vacuous"
    missed = [
        event.get("eventID")
        for event in matching
        if not any(found is slot for found in ENGINE.index.candidates(event))
    ]
    assert missed == []
