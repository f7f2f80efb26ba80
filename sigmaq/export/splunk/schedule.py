"""Which scheduled runs of a saved search read an event: a model of Splunk's scheduler.

A **model, not Splunk**: it takes a stanza's ``cron_schedule`` (the minute list
sigmaq writes: ``M1,M2,... * * * *``), its event-time range
(``dispatch.earliest_time`` / ``dispatch.latest_time``) and index-time range
(``dispatch.index_earliest`` / ``dispatch.index_latest``), and says which runs read an
event whose ``_time`` is ``t`` and whose ``_indextime`` is ``i``:

- a run is dispatched at its scheduled minute ``T`` and resolves relative times
  against ``T`` (``savedsearches.conf.spec``; Search Manual, "Time modifiers":
  ``earliest`` inclusive, ``latest`` exclusive, the same for ``_index_earliest`` /
  ``_index_latest``);
- it sees only events already indexed: ``i < T`` (an event indexed after the run
  started is not in it; Splunk needs a moment more, which the model does not count);
- it reads the event when ``T + earliest <= t < T + latest`` and, when an index-time
  range is set, ``T + index_earliest <= i < T + index_latest``.

Relative times: ``now``, ``[+-]N<unit>`` with units ``s m h d``, optionally ``@m``
(``@m`` is exact on a whole-minute run time with whole-minute offsets, the only kind
sigmaq writes); anything else raises ``ValueError``. Not modelled: durable search's
backfill of failed runs (every run is assumed to succeed), ``allow_skew``, runs
delayed past their slot, indexer clustering.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass

_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_RELATIVE = re.compile(r"^(?:(?P<sign>[+-])(?P<count>\d+)(?P<unit>[smhd]))?(?P<snap>@m)?$")


def relative_offset(text: str) -> int:
    """Seconds a relative time adds to a whole-minute run time (``-25m@m`` -> -1500).

    Raises ValueError for a form the model does not know (``@d``, absolute times…).
    """
    value = text.strip()
    if value == "now":
        return 0
    match = _RELATIVE.fullmatch(value)
    if match is None or not value:
        raise ValueError(f"relative time {text!r} is not modelled")
    if match.group("count") is None:
        return 0
    seconds = int(match.group("count")) * _UNIT_SECONDS[match.group("unit")]
    if match.group("snap") and seconds % 60:
        raise ValueError(f"relative time {text!r}: @m after a non-minute offset")
    return -seconds if match.group("sign") == "-" else seconds


def cron_minutes(cron: str) -> tuple[int, ...]:
    """Minutes of the hour of ``M1,M2,... * * * *``. Raises ValueError for other crons."""
    parts = cron.split()
    if len(parts) != 5 or parts[1:] != ["*", "*", "*", "*"]:
        raise ValueError(f"cron_schedule {cron!r} is not modelled")
    minutes = tuple(sorted({int(m) for m in parts[0].split(",")}))
    if not minutes or any(not 0 <= m < 60 for m in minutes):
        raise ValueError(f"cron_schedule {cron!r}: minutes out of range")
    return minutes


@dataclass(frozen=True)
class Schedule:
    """A stanza's run times and ranges, as offsets in seconds from the run time."""

    minutes: tuple[int, ...]
    earliest: int | None
    latest: int | None
    index_earliest: int | None
    index_latest: int | None

    @classmethod
    def from_settings(cls, settings: Mapping[str, str]) -> Schedule:
        """From a stanza's settings. Raises ValueError (missing cron, unknown time form)."""
        if "cron_schedule" not in settings:
            raise ValueError("the stanza has no cron_schedule")

        def offset(key: str) -> int | None:
            return relative_offset(settings[key]) if settings.get(key) else None

        return cls(
            cron_minutes(settings["cron_schedule"]),
            offset("dispatch.earliest_time"),
            offset("dispatch.latest_time"),
            offset("dispatch.index_earliest"),
            offset("dispatch.index_latest"),
        )

    def runs_reading(self, event_time: float, index_time: float) -> list[int]:
        """Run times (epoch seconds, whole minutes) of every run that reads the event.

        ``event_time`` is ``_time``, ``index_time`` ``_indextime`` (epoch seconds).
        """
        low = index_time  # T > low: the event is indexed when the run starts
        high = math.inf  # T <= high
        if self.latest is not None:
            low = max(low, event_time - self.latest)
        if self.earliest is not None:
            high = min(high, event_time - self.earliest)
        if self.index_latest is not None:
            low = max(low, index_time - self.index_latest)
        if self.index_earliest is not None:
            high = min(high, index_time - self.index_earliest)
        if math.isinf(high):
            raise ValueError("a range without an earliest bound reads an event in every run")
        runs = []
        hour = math.floor(low / 3600) * 3600
        while hour <= high:
            for minute in self.minutes:
                moment = hour + 60 * minute
                if low < moment <= high:
                    runs.append(int(moment))
            hour += 3600
        return runs
