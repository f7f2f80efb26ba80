"""The pack marks its informational building blocks the SigmaHQ way, so exports can tell them
apart: every ``level: informational`` rule carries the tag ``detection.threat-hunting``
(the SigmaHQ ``rules-threat-hunting`` convention; pySigma's core tag validator accepts the
``detection`` namespace) and no alerting rule does."""

from __future__ import annotations

from pathlib import Path

import pytest

from sigmaq.core.loader import LoadedRule, load_rules

ROOT = Path(__file__).resolve().parents[2]
HUNTING_TAG = "detection.threat-hunting"


def _pack() -> list[LoadedRule]:
    return load_rules([ROOT / "rules"]).rules if (ROOT / "rules").is_dir() else []


PACK = _pack()


def _level(loaded: LoadedRule) -> str:
    return str(getattr(loaded.rule.level, "name", "")).lower()


def _tags(loaded: LoadedRule) -> set[str]:
    return {f"{tag.namespace}.{tag.name}" for tag in loaded.rule.tags or []}


@pytest.mark.parametrize("loaded", PACK, ids=lambda r: r.path.stem)
def test_hunting_tag_marks_exactly_the_informational_rules(loaded: LoadedRule) -> None:
    informational = _level(loaded) == "informational"
    tagged = HUNTING_TAG in _tags(loaded)
    assert informational == tagged, (
        f"{loaded.path.name}: level {_level(loaded)} but tag {HUNTING_TAG} "
        f"{'present' if tagged else 'missing'}"
    )


def test_pack_has_both_kinds() -> None:
    levels = {_level(loaded) for loaded in PACK}
    assert "informational" in levels and levels - {"informational"}
