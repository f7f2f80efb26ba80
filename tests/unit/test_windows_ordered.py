"""temporal_ordered windows: the chain search finds exactly the windows of the anchored scan."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from sigmaq.replay.windows import OrderedSlots, Sample, _sliding_ordered, _sliding_scan


def _samples(events: list[tuple[int, int]]) -> list[Sample]:
    samples = [Sample(float(t), slot, seq, (), None) for seq, (t, slot) in enumerate(events)]
    return sorted(samples, key=lambda s: s.order_key)


def _windows(hits: list) -> list[tuple[tuple[float, int, int], ...]]:  # type: ignore[type-arg]
    return [(tuple(s.order_key for s in hit.samples), hit.metric, hit.trigger) for hit in hits]


@settings(max_examples=400, derandomize=True, deadline=None)
@given(
    events=st.lists(st.tuples(st.integers(0, 200), st.integers(0, 3)), min_size=0, max_size=40),
    span=st.integers(1, 60),
    needed=st.integers(0, 5),
)
def test_chain_search_equals_anchored_scan(
    events: list[tuple[int, int]], span: int, needed: int
) -> None:
    ordered = _samples(events)

    def predicate(metric: float | int | None) -> bool:
        return metric is not None and metric >= needed

    fast = _sliding_ordered(ordered, float(span), OrderedSlots, predicate)
    slow = _sliding_scan(ordered, float(span), OrderedSlots, predicate)
    assert _windows(fast) == _windows(slow)


def test_dense_day_of_activity_is_one_window() -> None:
    # 20,000 'A' events over a day and one 'B' at the end, 24 h span: the anchored scan
    # recomputes the ordered run per anchor (quadratic); the chain search is linear.
    # (Its speed is measured in benchmarks/, not asserted here.)
    events = [(i * 4, 0) for i in range(20_000)] + [(80_001, 1)]
    ordered = _samples(events)
    hits = _sliding_ordered(ordered, 86_400.0, OrderedSlots, lambda m: m is not None and m >= 2)
    assert len(hits) == 1
    assert hits[0].metric == 2
    assert len(hits[0].samples) == 20_001
