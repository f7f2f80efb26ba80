"""A model of a Kibana rule's schedule: which groups fire, run after run.

A Kibana rule runs every ``interval`` and reads the events whose time (here the
``timestamp_override`` field, ``event.ingested``) lies in ``[run - lookback, run]``.
For threshold rules and aggregating ES|QL rules the count is over that look-back, so
whether a burst fires can depend on where the runs fall. The model tries every
schedule phase (1-second steps within one interval) and reports the groups that fire
for *every* phase; a group that fires for some phases only makes the answer
phase-dependent, which the model reports as an error (never a guess).

Model assumption: ``event.ingested`` = ``eventTime`` + a constant delivery delay, so
windows over ingestion time are windows over ``eventTime``. Real CloudTrail delivery
batches events (about every 5 minutes, AWS CloudTrail User Guide, "CloudTrail
supported services and integrations" / FAQ); that can merge or split a burst.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from sigmaq.export.elastic.values import UnsupportedQuery

# (events in the look-back: positions) -> groups that fire
WindowRun = Callable[[Sequence[int]], set[tuple[str, ...]]]


def fired_groups(
    times: Sequence[datetime | None],
    candidates: Sequence[int],
    interval: timedelta,
    lookback: timedelta,
    run_window: WindowRun,
) -> set[tuple[str, ...]]:
    """Groups that fire whatever the schedule phase (runs on whole seconds).

    ``candidates``: positions of the events the rule's query can select (the others
    never count); ``run_window`` evaluates one run over the positions in its look-back
    ``[run - lookback, run]``. The contents of the look-back only change at an event's
    time ``e`` and at ``e + lookback``, so each distinct window is evaluated once and a
    group's firing runs form intervals; the group fires for every phase when those
    intervals meet every residue of the run time modulo ``interval``. Raises
    UnsupportedQuery when a candidate has no time, or when some group fires for some
    phases only (the verdict would depend on the schedule).
    """
    stamped: list[tuple[float, int]] = []
    for position in candidates:
        when = times[position]
        if when is None:
            raise UnsupportedQuery(f"record #{position} has no usable eventTime")
        stamped.append((when.timestamp(), position))
    if not stamped:
        return run_window([])
    stamped.sort()
    span = lookback.total_seconds()
    period = max(1, int(interval.total_seconds()))
    marks = sorted({t for t, _ in stamped} | {t + span for t, _ in stamped})
    # (start, end, closed point?) pieces of run time with constant look-back contents
    pieces: list[tuple[float, float]] = []
    for index, mark in enumerate(marks):
        pieces.append((mark, mark))
        if index + 1 < len(marks):
            pieces.append((mark, marks[index + 1]))
    residues: dict[tuple[str, ...], set[int]] = {}
    sometimes: set[tuple[str, ...]] = set()
    for start, end in pieces:
        probe = start if start == end else (start + end) / 2
        window = [p for t, p in stamped if probe - span <= t <= probe]
        if not window:
            continue
        for group in run_window(window):
            sometimes.add(group)
            covered = residues.setdefault(group, set())
            if len(covered) == period:
                continue
            if start == end:
                if float(start).is_integer():
                    covered.add(int(start) % period)
            elif end - start > period:
                covered.update(range(period))
            else:
                first = int(start) + 1
                last = int(end) if not float(end).is_integer() else int(end) - 1
                covered.update(second % period for second in range(first, last + 1))
    always = {group for group, covered in residues.items() if len(covered) == period}
    if sometimes != always:
        shaky = sorted(sometimes - always)
        raise UnsupportedQuery(
            f"groups {shaky} fire for some schedule phases only (interval {interval}, "
            f"look-back {lookback}): the verdict depends on when the rule runs"
        )
    return always
