"""Coverage notes (``docs/coverage-notes.yml``): per catalogue item, what the rules catch and
what they cannot, and the behaviours CloudTrail cannot see with what would see them.

Read by ``sigmaq.pack.coverage`` and rendered into ``docs/coverage.md``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from sigmaq.core.errors import ConfigError


def _cell(text: str) -> str:
    """Escape a Markdown table cell."""
    return text.replace("|", "\\|").replace("\n", " ")


@dataclass(frozen=True)
class ItemNote:
    """What the rules of one catalogue item catch, and what they cannot (with what would)."""

    catches: str
    misses: str


@dataclass(frozen=True)
class BlindSpot:
    """A behaviour CloudTrail cannot see: why, and which other source would see it."""

    behaviour: str
    why: str
    seen_by: str


@dataclass(frozen=True)
class CoverageNotes:
    """``docs/coverage-notes.yml``: per-item notes and the CloudTrail blind spots."""

    items: Mapping[str, ItemNote] = field(default_factory=dict)
    blind_spots: tuple[BlindSpot, ...] = ()


def _text(value: Any, what: str, path: Path) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{what} must be a non-empty string", path=path)
    return " ".join(value.split())


def load_notes(path: Path, catalogue_ids: Sequence[str]) -> CoverageNotes:
    """Coverage notes; an absent file means none.

    Shape: ``{items: {AQ-NN: {catches: str, misses: str}}, blind_spots: [{behaviour, why,
    seen_by}]}``. Raises ConfigError for unknown catalogue items, missing or empty texts.
    """
    if not path.is_file():
        return CoverageNotes()
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise ConfigError("coverage notes must be a mapping", path=path)
    raw_items = data.get("items")
    raw_spots = data.get("blind_spots")
    raw_items = {} if raw_items is None else raw_items
    raw_spots = [] if raw_spots is None else raw_spots
    if not isinstance(raw_items, dict) or not isinstance(raw_spots, list):
        raise ConfigError("expected 'items' (mapping) and 'blind_spots' (list)", path=path)
    items: dict[str, ItemNote] = {}
    for key, note in raw_items.items():
        if str(key) not in catalogue_ids:
            raise ConfigError(f"unknown catalogue item {key!r}", path=path)
        if not isinstance(note, dict):
            raise ConfigError(f"{key}: expected catches and misses", path=path)
        items[str(key)] = ItemNote(
            catches=_text(note.get("catches"), f"{key}.catches", path),
            misses=_text(note.get("misses"), f"{key}.misses", path),
        )
    spots: list[BlindSpot] = []
    for number, spot in enumerate(raw_spots, start=1):
        if not isinstance(spot, dict):
            raise ConfigError(f"blind spot {number} must be a mapping", path=path)
        spots.append(
            BlindSpot(
                behaviour=_text(spot.get("behaviour"), f"blind spot {number} behaviour", path),
                why=_text(spot.get("why"), f"blind spot {number} why", path),
                seen_by=_text(spot.get("seen_by"), f"blind spot {number} seen_by", path),
            )
        )
    return CoverageNotes(items=items, blind_spots=tuple(spots))


def render_notes(notes: CoverageNotes, catalogue: Sequence[tuple[str, str]]) -> list[str]:
    """Lines of "What each item catches and cannot" and "What CloudTrail cannot see",
    items in ``catalogue`` order (``(id, title)`` pairs)."""
    lines = ["## What each item catches and cannot", ""]
    for item, title in catalogue:
        note = notes.items.get(item)
        lines.append(f"**{item} {title}.**")
        if note is None:
            lines += ["", "- No note yet.", ""]
            continue
        lines += ["", f"- Catches: {note.catches}", f"- Cannot: {note.misses}", ""]
    lines += ["## What CloudTrail cannot see", ""]
    if not notes.blind_spots:
        return [*lines, "No blind spot recorded."]
    lines += ["| Behaviour | Why CloudTrail misses it | What would see it |", "|---|---|---|"]
    for spot in notes.blind_spots:
        lines.append(f"| {_cell(spot.behaviour)} | {_cell(spot.why)} | {_cell(spot.seen_by)} |")
    return lines
