"""Day and file assembly: run every surface on one seeded :class:`Day`, sort and render files."""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterator
from typing import Any

from .cli import q_cli_session
from .common import (
    ALICE,
    BOB,
    CAROL,
    DAVE,
    DAY_END,
    DAY_START,
    ERIN,
    FRANK,
    GRACE,
    HEIDI,
    Day,
    ts,
)
from .console_chat import console_chat
from .iam_reads import iam_reads
from .ide import ide_session
from .on_behalf import q_on_behalf
from .q_business import q_apps_reads, q_business_admin_reads, q_business_chat

SEED = 20261124

SURFACES: tuple[Callable[[Day], None], ...] = (
    lambda day: console_chat(day, ALICE, 9),
    lambda day: console_chat(day, HEIDI, 7),
    lambda day: q_on_behalf(day, ALICE, 8),
    lambda day: q_on_behalf(day, HEIDI, 6),
    lambda day: q_business_chat(day, CAROL, 14),
    lambda day: q_business_chat(day, DAVE, 11),
    lambda day: q_business_admin_reads(day, ERIN, 6),
    lambda day: q_apps_reads(day, CAROL, 4),
    lambda day: q_apps_reads(day, DAVE, 3),
    lambda day: ide_session(day, BOB, "1.94.0", "darwin#24.1.0", 8.0),
    lambda day: ide_session(day, GRACE, "1.90.0", "win32#10.0.22631", 6.5),
    lambda day: q_cli_session(day, FRANK, 7),
    lambda day: iam_reads(day, 30),
)


def build_baseline(seed: int = SEED) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """File name -> ``{"Records": [...]}`` for the whole baseline day.

    Records in each file are sorted by eventTime (then eventID) for readable diffs;
    real delivery files are unordered, and nothing downstream relies on the order.
    Raises ValueError when an eventID repeats or a record falls outside the day.
    """
    day = Day(random.Random(seed))
    for surface in SURFACES:
        surface(day)
    seen: set[str] = set()
    out: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for name in sorted(day.files):
        records = sorted(day.files[name], key=lambda r: (r["eventTime"], r["eventID"]))
        for rec in records:
            if rec["eventID"] in seen:
                raise ValueError(f"duplicate eventID {rec['eventID']}")
            seen.add(rec["eventID"])
            if not ts(DAY_START) <= rec["eventTime"] <= ts(DAY_END):
                raise ValueError(f"{rec['eventName']} at {rec['eventTime']} is outside the day")
        out[name] = {"Records": records}
    return out


def canonical(data: Any) -> str:
    """Same text as ``sigmaq.core.jsonfmt.canonical_json`` (standalone: no sigmaq import)."""
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def iter_rendered(seed: int = SEED) -> Iterator[tuple[str, str]]:
    """(file name, canonical text) for every baseline file."""
    for name, envelope in build_baseline(seed).items():
        yield name, canonical(envelope)
