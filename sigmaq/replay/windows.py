"""Window search for correlations: which spans of one group's samples satisfy a condition.

Pure functions over samples already grouped and sorted by time; no Sigma objects here
(``correlate.py`` builds the samples). Two window modes (``WindowMode``):

* sliding, monotone conditions (``gt``/``gte`` on event_count, value_count, value_sum,
  temporal, temporal_ordered: adding a sample can only help): every sample anchors a
  candidate window ``[t_i, t_i + span]`` (both ends inclusive). The earliest satisfying
  window is reported whole; the search resumes with the first sample after its end, so
  reported windows never overlap (no alert flood), and every burst that satisfies the
  condition lies at least partly inside a reported window.
* sliding, other conditions (``lt``/``lte``/``eq``/``neq``, and value_avg/value_median):
  the group's timeline is cut into consecutive windows, each starting at the first
  sample after the previous one (``[t_first, t_first + span]``); each is judged once.
  Anchoring at every sample would report the shrinking tail of every burst as "fewer
  than N events", which no reader of ``lt`` means.
* tumbling: fixed buckets ``[k*span, (k+1)*span)`` aligned to the Unix epoch (UTC), as
  Splunk ``bin _time span=`` and ES|QL ``DATE_TRUNC`` compute them; every non-empty
  satisfying bucket is reported.

A window holds only observed samples: a group with no sample has no window (as a SIEM
``stats``/``STATS ... BY`` produces no row for it), so ``lt``/``lte`` judge the count of
what a window did contain (Sigma correlation spec, "Condition").
"""

from __future__ import annotations

import bisect
import math
import statistics
from collections import Counter, deque
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple, Protocol

from sigmaq.core.model import WindowMode

Metric = float | int | None
Predicate = Callable[[Metric], bool]


class Sample(NamedTuple):
    """One input of a correlation within one group.

    ``time``: epoch seconds; ``slot``: index of the referenced rule it came from;
    ``seq``: arrival order (tie-break); ``values``: the normalised values it contributes
    (distinct keys for value_count, numbers for value_sum/avg/median, empty otherwise);
    ``payload``: opaque back-reference for the caller (the occurrence). A named tuple:
    correlations build one per kept match per group, and tuples are the cheapest to
    build.
    """

    time: float
    slot: int
    seq: int
    values: tuple[Hashable, ...]
    payload: Any

    @property
    def order_key(self) -> tuple[float, int, int]:
        """Sort key: time, then rule slot (same-second events count as in order), then arrival."""
        return (self.time, self.slot, self.seq)


class Aggregator(Protocol):
    """Incremental metric over the samples currently inside a window."""

    def add(self, sample: Sample) -> None: ...

    def remove(self, sample: Sample) -> None: ...

    def value(self) -> Metric: ...


class EventCount:
    """Number of samples (event_count)."""

    def __init__(self) -> None:
        self.count = 0

    def add(self, sample: Sample) -> None:
        self.count += 1

    def remove(self, sample: Sample) -> None:
        self.count -= 1

    def value(self) -> Metric:
        return self.count


class DistinctCount:
    """Number of distinct values (value_count; temporal counts distinct rule slots)."""

    def __init__(self, *, slots: bool = False) -> None:
        self.counter: Counter[Hashable] = Counter()
        self.slots = slots

    def _keys(self, sample: Sample) -> tuple[Hashable, ...]:
        return (sample.slot,) if self.slots else sample.values

    def add(self, sample: Sample) -> None:
        for key in self._keys(sample):
            self.counter[key] += 1

    def remove(self, sample: Sample) -> None:
        for key in self._keys(sample):
            left = self.counter[key] - 1
            if left:
                self.counter[key] = left
            else:
                del self.counter[key]

    def value(self) -> Metric:
        return len(self.counter)


class NumericSum:
    """Sum (value_sum) or mean (value_avg) of the numeric values; None when there are none."""

    def __init__(self, *, mean: bool = False) -> None:
        self.total = 0.0
        self.count = 0
        self.mean = mean

    def add(self, sample: Sample) -> None:
        for number in sample.values:
            self.total += float(number)  # type: ignore[arg-type]
            self.count += 1

    def remove(self, sample: Sample) -> None:
        for number in sample.values:
            self.total -= float(number)  # type: ignore[arg-type]
            self.count -= 1

    def value(self) -> Metric:
        if not self.count:
            return None
        return self.total / self.count if self.mean else self.total


class NumericMedian:
    """Median of the numeric values (value_median); None when there are none."""

    def __init__(self) -> None:
        self.values: list[float] = []

    def add(self, sample: Sample) -> None:
        for number in sample.values:
            bisect.insort(self.values, float(number))  # type: ignore[arg-type]

    def remove(self, sample: Sample) -> None:
        for number in sample.values:
            del self.values[bisect.bisect_left(self.values, float(number))]  # type: ignore[arg-type]

    def value(self) -> Metric:
        return statistics.median(self.values) if self.values else None


class OrderedSlots:
    """Longest run of referenced rules seen in their listed order (temporal_ordered).

    The metric is the length of the longest strictly increasing subsequence of rule
    slots in time order: 3 of 3 rules means "A, then B, then C" happened in the window.
    Appends update the patience-sorting tails in O(log k); a removal marks them stale
    and the next ``value`` rebuilds them from the window.
    """

    def __init__(self) -> None:
        self.slots: deque[int] = deque()
        self.tails: list[int] = []
        self.stale = False

    def add(self, sample: Sample) -> None:
        self.slots.append(sample.slot)
        if not self.stale:
            _extend_tails(self.tails, sample.slot)

    def remove(self, sample: Sample) -> None:
        self.slots.popleft()
        self.stale = True

    def value(self) -> Metric:
        if self.stale:
            self.tails = []
            for slot in self.slots:
                _extend_tails(self.tails, slot)
            self.stale = False
        return len(self.tails)


def _extend_tails(tails: list[int], slot: int) -> None:
    index = bisect.bisect_left(tails, slot)
    if index == len(tails):
        tails.append(slot)
    else:
        tails[index] = slot


def _next_ordered_start(
    ordered: Sequence[Sample], times: Sequence[float], start: int, span: float, needed: int
) -> int | None:
    """Smallest index ``i >= start`` whose window ``[t_i, t_i + span]`` holds rule slots
    in increasing order ``needed`` long, or None; O(n * needed * k) instead of the
    O(n * window) rescans of anchoring every sample (temporal_ordered over long spans).

    ``latest[length][slot]``: the latest start time of an increasing chain of that
    length ending with ``slot`` among the samples scanned so far. The first chain of
    ``needed`` that fits in ``span`` fixes the earliest anchor: the first sample at or
    after ``end - span`` (anchors only move later as chains end later).
    """
    latest: list[dict[int, float]] = [{} for _ in range(needed + 1)]
    for j in range(start, len(ordered)):
        sample = ordered[j]
        starts: dict[int, float] = {1: sample.time}
        for length in range(2, needed + 1):
            earlier = [t for slot, t in latest[length - 1].items() if slot < sample.slot]
            if not earlier:
                break
            starts[length] = max(earlier)
        for length, chain_start in starts.items():
            previous = latest[length].get(sample.slot)
            if previous is None or chain_start > previous:
                latest[length][sample.slot] = chain_start
        chain_start_time = starts.get(needed)
        if chain_start_time is not None and sample.time - chain_start_time <= span:
            return bisect.bisect_left(times, sample.time - span, lo=start)
    return None


@dataclass(frozen=True, slots=True)
class WindowHit:
    """A reported window: ``samples`` in time order, its ``metric``, ``trigger`` time.

    ``trigger`` (epoch seconds) is when the condition became true: for monotone
    conditions the first sample at which the window prefix satisfied it, otherwise the
    window's last sample (the verdict needs the whole window). Chained correlations use
    it as the time of this occurrence.
    """

    samples: tuple[Sample, ...]
    metric: Metric
    trigger: float


def find_windows(
    samples: Sequence[Sample],
    *,
    span: float,
    mode: WindowMode,
    make_aggregator: Callable[[], Aggregator],
    predicate: Predicate,
    monotone: bool,
) -> list[WindowHit]:
    """Windows of ``samples`` (one group, any order) that satisfy ``predicate``.

    ``span`` is the timespan in seconds (> 0). ``monotone`` says the metric can only grow
    as samples are added and the predicate is a lower-bound test (``gt``/``gte``): it
    selects the anchored search and lets ``trigger`` be the first satisfying prefix.
    Returns hits in time order.
    """
    ordered = sorted(samples, key=lambda s: s.order_key)
    if mode is WindowMode.TUMBLING:
        return _tumbling(ordered, span, make_aggregator, predicate, monotone)
    return _sliding(ordered, span, make_aggregator, predicate, monotone)


def _sliding(
    ordered: Sequence[Sample],
    span: float,
    make_aggregator: Callable[[], Aggregator],
    predicate: Predicate,
    monotone: bool,
) -> list[WindowHit]:
    if not monotone:
        return _partition(ordered, span, make_aggregator, predicate)
    if isinstance(make_aggregator(), OrderedSlots):
        return _sliding_ordered(ordered, span, make_aggregator, predicate)
    return _sliding_scan(ordered, span, make_aggregator, predicate)


def _sliding_scan(
    ordered: Sequence[Sample],
    span: float,
    make_aggregator: Callable[[], Aggregator],
    predicate: Predicate,
) -> list[WindowHit]:
    """Anchor a window at every sample (monotone conditions), report the first that holds."""
    hits: list[WindowHit] = []
    count = len(ordered)
    start = end = 0  # the aggregator holds ordered[start:end]
    aggregator = make_aggregator()
    while start < count:
        limit = ordered[start].time + span
        while end < count and ordered[end].time <= limit:
            aggregator.add(ordered[end])
            end += 1
        metric = aggregator.value()
        if predicate(metric):
            window = tuple(ordered[start:end])
            hits.append(_hit(window, metric, make_aggregator, predicate, True))
            start = end  # resume after the reported window
            aggregator = make_aggregator()
            continue
        aggregator.remove(ordered[start])
        start += 1
    return hits


def _sliding_ordered(
    ordered: Sequence[Sample],
    span: float,
    make_aggregator: Callable[[], Aggregator],
    predicate: Predicate,
) -> list[WindowHit]:
    """``_sliding`` for temporal_ordered: same windows, found by ``_next_ordered_start``."""
    slots = max((sample.slot for sample in ordered), default=-1) + 1
    needed = next((n for n in range(slots + 1) if predicate(n)), slots + 1)
    if needed == 0:
        # Every window satisfies: the anchored scan reports consecutive windows.
        return _sliding_scan(ordered, span, make_aggregator, predicate)
    hits: list[WindowHit] = []
    times = [sample.time for sample in ordered]
    start = 0
    while needed <= slots and start < len(ordered):
        anchor = _next_ordered_start(ordered, times, start, span, needed)
        if anchor is None:
            break
        end = bisect.bisect_right(times, ordered[anchor].time + span, lo=anchor)
        window = tuple(ordered[anchor:end])
        aggregator = make_aggregator()
        for sample in window:
            aggregator.add(sample)
        hits.append(_hit(window, aggregator.value(), make_aggregator, predicate, True))
        start = end
    return hits


def _partition(
    ordered: Sequence[Sample],
    span: float,
    make_aggregator: Callable[[], Aggregator],
    predicate: Predicate,
) -> list[WindowHit]:
    hits: list[WindowHit] = []
    count = len(ordered)
    start = 0
    while start < count:
        limit = ordered[start].time + span
        end = start
        aggregator = make_aggregator()
        while end < count and ordered[end].time <= limit:
            aggregator.add(ordered[end])
            end += 1
        metric = aggregator.value()
        if predicate(metric):
            hits.append(_hit(tuple(ordered[start:end]), metric, make_aggregator, predicate, False))
        start = end
    return hits


def _tumbling(
    ordered: Sequence[Sample],
    span: float,
    make_aggregator: Callable[[], Aggregator],
    predicate: Predicate,
    monotone: bool,
) -> list[WindowHit]:
    buckets: dict[int, list[Sample]] = {}
    for sample in ordered:
        buckets.setdefault(math.floor(sample.time / span), []).append(sample)
    hits: list[WindowHit] = []
    for bucket in sorted(buckets):
        window = tuple(buckets[bucket])
        aggregator = make_aggregator()
        for sample in window:
            aggregator.add(sample)
        metric = aggregator.value()
        if predicate(metric):
            hits.append(_hit(window, metric, make_aggregator, predicate, monotone))
    return hits


def _hit(
    window: tuple[Sample, ...],
    metric: Metric,
    make_aggregator: Callable[[], Aggregator],
    predicate: Predicate,
    monotone: bool,
) -> WindowHit:
    trigger = window[-1].time
    if monotone:
        prefix = make_aggregator()
        for sample in window:
            prefix.add(sample)
            if predicate(prefix.value()):
                trigger = sample.time
                break
    return WindowHit(window, metric, trigger)
