"""Frozen value objects and enums shared across stages.

Replay, hunt and test all speak in ``EventRef`` (where a CloudTrail record came
from) and ``Finding`` (a rule that fired, on one event or on a correlation window).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class WindowMode(StrEnum):
    """How correlation timespans are applied.

    SLIDING: a window may start at any event (what Sigma's ``timespan`` means).
    TUMBLING: fixed buckets aligned to the epoch, as the Splunk ``bin _time`` and
    ES|QL ``date_trunc`` outputs compute them; shows what an exported query misses.
    """

    SLIDING = "sliding"
    TUMBLING = "tumbling"


class Level(StrEnum):
    """Sigma rule levels in increasing severity (Sigma specification, 'level')."""

    INFORMATIONAL = "informational"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return list(Level).index(self)

    @classmethod
    def parse(cls, value: object) -> Level | None:
        """Level from a pySigma level object, a string or None (case-insensitive)."""
        if value is None:
            return None
        name = getattr(value, "name", value)
        try:
            return cls(str(name).lower())
        except ValueError:
            return None


class FindingKind(StrEnum):
    EVENT = "event"
    CORRELATION = "correlation"


@dataclass(frozen=True, slots=True)
class EventRef:
    """Where one CloudTrail record came from.

    ``source``: the file path as given (str); ``position``: 0-based record index in
    the file, or the 1-based line for NDJSON; ``event_id``: CloudTrail ``eventID``;
    ``event_time``: parsed ``eventTime`` (UTC, tz-aware) or None when absent/invalid;
    ``annotation``: what the caller attached to the event (hunt: its principal and
    source address), carried through correlations; not part of equality.
    """

    source: str
    position: int
    event_id: str | None
    event_time: datetime | None
    annotation: Hashable | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Finding:
    """A rule that fired.

    For single-event rules ``events`` has one element and ``group`` is None; for
    correlations ``events`` lists every event in the window and ``group`` maps
    each group-by field to its value. ``first_seen``/``last_seen`` span ``events``.
    """

    rule_id: str
    rule_title: str
    level: Level | None
    kind: FindingKind
    events: tuple[EventRef, ...]
    first_seen: datetime | None
    last_seen: datetime | None
    group: Mapping[str, Any] | None = None
