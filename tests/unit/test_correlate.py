"""Correlation plans over hand-made occurrences, checked against hand-computed windows.

Times are minutes after T0 = 2025-01-01T00:00:00Z, which is epoch-aligned for every
timespan used here, so tumbling buckets are [0, 10), [10, 20), ... minutes.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sigma.collection import SigmaCollection
from sigma.correlations import SigmaCorrelationRule

from sigmaq.core.errors import ReplayError
from sigmaq.core.model import EventRef, FindingKind, Level, WindowMode
from sigmaq.replay.correlate import (
    CorrelationHit,
    CorrelationPlan,
    CorrelationStats,
    Occurrence,
    compile_correlation,
    epoch_seconds,
    rule_identity,
)

T0 = datetime(2025, 1, 1, tzinfo=UTC)
ARN_A = "arn:aws:iam::123456789012:user/alice"
ARN_B = "arn:aws:iam::123456789012:user/bob"


def base(name: str, event_name: str) -> str:
    return f"""
title: Base {name}
name: {name}
logsource: {{product: aws, service: cloudtrail}}
detection:
  sel: {{eventName: {event_name}}}
  condition: sel
"""


def correlation(body: str, *, title: str = "Corr", extra: str = "") -> str:
    return f"title: {title}\nlevel: high\n{extra}correlation:\n{body}"


def load(*docs: str) -> list[Any]:
    return list(SigmaCollection.from_yaml("\n---\n".join(docs)).rules)


def plan_of(*docs: str) -> CorrelationPlan:
    rules = load(*docs)
    corr = [r for r in rules if isinstance(r, SigmaCorrelationRule)][-1]
    return compile_correlation(corr)


_seq = 0


def occ(minute: float, *, event_id: str | None = None, **fields: Any) -> Occurrence:
    """An occurrence at T0 + minute; keyword fields use '__' for dots."""
    global _seq
    _seq += 1
    moment = T0 + timedelta(minutes=minute)
    ref = EventRef("test.json", _seq, event_id or f"ev-{_seq}", moment)
    values = {
        key.replace("__", "."): list(v) if isinstance(v, list) else [v] for key, v in fields.items()
    }
    return Occurrence(epoch_seconds(moment), _seq, (ref,), values)


def minutes(hit: CorrelationHit) -> list[float]:
    return [(s.time - epoch_seconds(T0)) / 60 for s in hit.window.samples]


def run(
    plan: CorrelationPlan,
    *slots: Sequence[Occurrence],
    mode: WindowMode = WindowMode.SLIDING,
    stats: CorrelationStats | None = None,
) -> list[CorrelationHit]:
    return plan.evaluate(list(slots), mode=mode, stats=stats)


EVENT_COUNT_3 = """  type: event_count
  rules: [rule_a]
  group-by: [userIdentity.arn]
  timespan: 10m
  condition: {gte: 3}
"""


def count_plan(condition: str = "gte: 3", timespan: str = "10m") -> CorrelationPlan:
    body = EVENT_COUNT_3.replace("gte: 3", condition).replace("10m", timespan)
    return plan_of(base("rule_a", "Chat"), correlation(body))


# --- event_count ---------------------------------------------------------------


def test_event_count_per_group_window_and_finding() -> None:
    plan = count_plan()
    occurrences = [occ(m, userIdentity__arn=ARN_A) for m in (0, 2, 4)] + [
        occ(m, userIdentity__arn=ARN_B) for m in (0, 20)
    ]
    hits = run(plan, occurrences)
    assert len(hits) == 1
    assert minutes(hits[0]) == [0, 2, 4]
    assert hits[0].group == {"userIdentity.arn": ARN_A}
    assert hits[0].window.metric == 3
    # The threshold is reached by the third event, at minute 4.
    assert hits[0].window.trigger == epoch_seconds(T0 + timedelta(minutes=4))
    finding = hits[0].finding()
    assert finding.kind is FindingKind.CORRELATION
    assert finding.rule_title == "Corr"
    assert finding.level is Level.HIGH
    assert finding.first_seen == T0
    assert finding.last_seen == T0 + timedelta(minutes=4)
    assert [ref.event_time for ref in finding.events] == [
        T0,
        T0 + timedelta(minutes=2),
        T0 + timedelta(minutes=4),
    ]
    assert finding.group == {"userIdentity.arn": ARN_A}


def test_burst_straddling_bucket_edge_sliding_catches_tumbling_misses() -> None:
    plan = count_plan("gte: 4")
    burst = [occ(m, userIdentity__arn=ARN_A) for m in (8, 9, 11, 12)]
    sliding = run(plan, burst)
    assert [minutes(h) for h in sliding] == [[8, 9, 11, 12]]
    # Buckets [0,10) and [10,20) hold two events each: the exported query misses it.
    assert run(plan, burst, mode=WindowMode.TUMBLING) == []


def test_tumbling_reports_each_satisfying_bucket() -> None:
    plan = count_plan("gte: 2")
    events = [occ(m, userIdentity__arn=ARN_A) for m in (1, 2, 9.5, 10, 25)]
    hits = run(plan, events, mode=WindowMode.TUMBLING)
    assert [minutes(h) for h in hits] == [[1, 2, 9.5]]
    # minute 10 opens the second bucket, alone there; minute 25 is alone in the third
    events = [occ(m, userIdentity__arn=ARN_A) for m in (1, 2, 10, 19, 25)]
    hits = run(plan, events, mode=WindowMode.TUMBLING)
    assert [minutes(h) for h in hits] == [[1, 2], [10, 19]]


def test_out_of_order_input_gives_the_same_windows() -> None:
    plan = count_plan()
    events = [occ(m, userIdentity__arn=ARN_A) for m in (0, 1, 2, 30, 31, 33, 60)]
    expected = [[0, 1, 2], [30, 31, 33]]
    assert [minutes(h) for h in run(plan, events)] == expected
    shuffled = list(events)
    random.Random(7).shuffle(shuffled)
    assert shuffled != events
    assert [minutes(h) for h in run(plan, shuffled)] == expected
    assert [minutes(h) for h in run(plan, list(reversed(events)))] == expected


def test_windows_do_not_overlap_and_resume_after_the_reported_one() -> None:
    plan = count_plan()
    # Window from minute 0 spans [0, 10] (inclusive): 0,1,2,9,10; the search resumes
    # at 11, which is alone.
    events = [occ(m, userIdentity__arn=ARN_A) for m in (0, 1, 2, 9, 10, 11)]
    assert [minutes(h) for h in run(plan, events)] == [[0, 1, 2, 9, 10]]
    # six events within ten minutes: one finding, not four
    events = [occ(m, userIdentity__arn=ARN_A) for m in range(6)]
    assert [minutes(h) for h in run(plan, events)] == [[0, 1, 2, 3, 4, 5]]


def test_window_end_is_inclusive() -> None:
    plan = count_plan("gte: 2")
    assert len(run(plan, [occ(m, userIdentity__arn=ARN_A) for m in (0, 10)])) == 1
    assert run(plan, [occ(m, userIdentity__arn=ARN_A) for m in (0, 10.01)]) == []


# (condition, expected hit) for a group with exactly three events in one window.
OPERATOR_TABLE = [
    ("gt: 2", True),
    ("gt: 3", False),
    ("gte: 3", True),
    ("gte: 4", False),
    ("lt: 4", True),
    ("lt: 3", False),
    ("lte: 3", True),
    ("lte: 2", False),
    ("eq: 3", True),
    ("eq: 2", False),
    ("neq: 2", True),
    ("neq: 3", False),
]


@pytest.mark.parametrize(("condition", "expected"), OPERATOR_TABLE)
@pytest.mark.parametrize("mode", list(WindowMode))
def test_every_condition_operator(condition: str, expected: bool, mode: WindowMode) -> None:
    plan = count_plan(condition)
    hits = run(plan, [occ(m, userIdentity__arn=ARN_A) for m in (1, 2, 3)], mode=mode)
    assert len(hits) == (1 if expected else 0)
    if expected:
        assert minutes(hits[0]) == [1, 2, 3]


def test_lt_judges_whole_windows_not_the_tail_of_a_burst() -> None:
    plan = count_plan("lt: 3")
    busy = [occ(m, userIdentity__arn=ARN_A) for m in (0, 1, 2, 3, 4)]
    quiet = [occ(m, userIdentity__arn=ARN_B) for m in (0, 30)]
    hits = run(plan, busy + quiet)
    # alice: one window of five events (not "fewer than 3" at its tail); bob: two
    # windows of one event each.
    assert [(h.group["userIdentity.arn"], minutes(h)) for h in hits] == [
        (ARN_B, [0]),
        (ARN_B, [30]),
    ]


def test_missing_group_field_is_left_out_and_counted() -> None:
    plan = count_plan("gte: 2")
    stats = CorrelationStats()
    events = [occ(0), occ(1), occ(2, userIdentity__arn=None), occ(3, userIdentity__arn=ARN_A)]
    assert run(plan, events, stats=stats) == []
    assert stats.missing_group == 3


def test_group_values_compare_case_insensitively_and_lists_split() -> None:
    plan = count_plan("gte: 2")
    events = [
        occ(0, userIdentity__arn=ARN_A),
        occ(1, userIdentity__arn=ARN_A.upper()),
        occ(2, userIdentity__arn=[ARN_B, ARN_A]),
    ]
    hits = run(plan, events)
    assert [(h.group["userIdentity.arn"], minutes(h)) for h in hits] == [(ARN_A, [0, 1, 2])]


def test_no_group_by_means_one_group() -> None:
    body = "  type: event_count\n  rules: [rule_a]\n  timespan: 5m\n  condition: {gte: 2}\n"
    plan = plan_of(base("rule_a", "Chat"), correlation(body))
    hits = run(plan, [occ(0, x=1), occ(4, x=2)])
    assert [(h.group, minutes(h)) for h in hits] == [({}, [0, 4])]


def test_event_count_counts_an_event_matching_two_rules_once() -> None:
    body = (
        "  type: event_count\n  rules: [rule_a, rule_b]\n  group-by: [userIdentity.arn]\n"
        "  timespan: 10m\n  condition: {gte: 2}\n"
    )
    plan = plan_of(base("rule_a", "Chat"), base("rule_b", "ChatSync"), correlation(body))
    shared = occ(0, userIdentity__arn=ARN_A)
    assert run(plan, [shared], [shared]) == []
    hits = run(plan, [shared], [shared, occ(1, userIdentity__arn=ARN_A)])
    assert [minutes(h) for h in hits] == [[0, 1]]


# --- value_count and numeric aggregations --------------------------------------

VALUE_COUNT = """  type: value_count
  rules: [rule_a]
  group-by: [userIdentity.arn]
  timespan: 10m
  condition: {field: eventName, gte: 3}
"""


def test_value_count_distinct_values_case_insensitive() -> None:
    plan = plan_of(base("rule_a", "List*"), correlation(VALUE_COUNT))
    names = ["ListApplications", "listapplications", "ListIndices", "ListIndices"]
    events = [occ(i, userIdentity__arn=ARN_A, eventName=n) for i, n in enumerate(names)]
    events.append(occ(5, userIdentity__arn=ARN_A))  # no value: in the window, not counted
    assert run(plan, events) == []
    events.append(occ(6, userIdentity__arn=ARN_A, eventName="ListPlugins"))
    hits = run(plan, events)
    assert len(hits) == 1
    assert hits[0].window.metric == 3
    assert minutes(hits[0]) == [0, 1, 2, 3, 5, 6]


def test_value_count_with_alias_as_field() -> None:
    body = """  type: value_count
  rules: [rule_a, rule_b]
  group-by: [userIdentity.arn]
  timespan: 10m
  aliases:
    target:
      rule_a: requestParameters.bucketName
      rule_b: requestParameters.applicationId
  condition: {field: target, gte: 2}
"""
    plan = plan_of(base("rule_a", "GetObject"), base("rule_b", "Chat"), correlation(body))
    a = [occ(0, userIdentity__arn=ARN_A, requestParameters__bucketName="docs")]
    b = [occ(1, userIdentity__arn=ARN_A, requestParameters__applicationId="app-1")]
    assert len(run(plan, a, b)) == 1
    assert run(plan, a, []) == []


@pytest.mark.parametrize(
    ("kind", "condition", "expected"),
    [
        ("value_sum", "gt: 100", 150.0),
        ("value_sum", "gt: 150", None),
        ("value_avg", "gte: 50", 50.0),
        ("value_avg", "gt: 50", None),
        ("value_median", "eq: 40", 40.0),
    ],
)
def test_numeric_aggregations(kind: str, condition: str, expected: float | None) -> None:
    body = f"""  type: {kind}
  rules: [rule_a]
  group-by: [userIdentity.arn]
  timespan: 1h
  condition: {{field: bytes, {condition}}}
"""
    plan = plan_of(base("rule_a", "GetObject"), correlation(body))
    # 40 (number), "70" (numeric string), 40, "n/a" (ignored), True (ignored)
    values: list[Any] = [40, "70", 40, "n/a", True]
    events = [occ(i, userIdentity__arn=ARN_A, bytes=v) for i, v in enumerate(values)]
    hits = run(plan, events)
    if expected is None:
        assert hits == []
    else:
        assert len(hits) == 1
        assert hits[0].window.metric == pytest.approx(expected)


# --- temporal -------------------------------------------------------------------

TEMPORAL = """  type: {kind}
  rules: [rule_a, rule_b]
  group-by: [userIdentity.arn]
  timespan: 10m
"""


def temporal_plan(kind: str = "temporal", rules: str = "[rule_a, rule_b]") -> CorrelationPlan:
    body = TEMPORAL.format(kind=kind).replace("[rule_a, rule_b]", rules)
    return plan_of(
        base("rule_a", "CreatePlugin"),
        base("rule_b", "CreateAccessKey"),
        base("rule_c", "AttachUserPolicy"),
        correlation(body),
    )


@pytest.mark.parametrize(
    ("a_minutes", "b_minutes", "expected"),
    [
        ([0], [5], [[0, 5]]),  # A then B
        ([5], [0], [[0, 5]]),  # B then A: order does not matter
        ([0], [15], []),  # too far apart
        ([0, 1], [], []),  # only one rule
        ([0], [10], [[0, 10]]),  # exactly at the timespan
    ],
)
def test_temporal(a_minutes: list[int], b_minutes: list[int], expected: list[list[int]]) -> None:
    plan = temporal_plan()
    a = [occ(m, userIdentity__arn=ARN_A) for m in a_minutes]
    b = [occ(m, userIdentity__arn=ARN_A) for m in b_minutes]
    assert [minutes(h) for h in run(plan, a, b)] == expected


def test_temporal_requires_the_same_group() -> None:
    plan = temporal_plan()
    assert run(plan, [occ(0, userIdentity__arn=ARN_A)], [occ(1, userIdentity__arn=ARN_B)]) == []


@pytest.mark.parametrize(
    ("a_minutes", "b_minutes", "expected"),
    [
        ([0], [5], [[0, 5]]),
        ([5], [0], []),  # wrong order
        ([0], [0], [[0, 0]]),  # same second: counted as in order
        ([3, 12], [8], [[3, 8, 12]]),  # window from 3 spans [3, 13]
        ([20], [8, 25], [[20, 25]]),  # the early B alone is no sequence
    ],
)
def test_temporal_ordered(
    a_minutes: list[int], b_minutes: list[int], expected: list[list[int]]
) -> None:
    plan = temporal_plan("temporal_ordered")
    a = [occ(m, userIdentity__arn=ARN_A) for m in a_minutes]
    b = [occ(m, userIdentity__arn=ARN_A) for m in b_minutes]
    assert [minutes(h) for h in run(plan, a, b)] == expected


def test_temporal_ordered_same_second_does_not_depend_on_arrival_order() -> None:
    plan = temporal_plan("temporal_ordered")
    b = [occ(0, userIdentity__arn=ARN_A)]  # arrives first
    a = [occ(0, userIdentity__arn=ARN_A)]
    assert len(run(plan, a, b)) == 1


def test_temporal_ordered_three_rules_and_partial_condition() -> None:
    plan = temporal_plan("temporal_ordered", "[rule_a, rule_b, rule_c]")
    a = [occ(0, userIdentity__arn=ARN_A)]
    c = [occ(1, userIdentity__arn=ARN_A)]
    b = [occ(2, userIdentity__arn=ARN_A)]
    assert run(plan, a, b, c) == []  # A, C, B is not A, B, C
    assert len(run(plan, a, b, [occ(3, userIdentity__arn=ARN_A)])) == 1
    body = TEMPORAL.format(kind="temporal_ordered").replace("[rule_a, rule_b]", "[a, b, c]")
    body = body.replace("rules: [a, b, c]", "rules: [rule_a, rule_b, rule_c]")
    body += "  condition: {gte: 2}\n"
    two_of_three = plan_of(
        base("rule_a", "X"), base("rule_b", "Y"), base("rule_c", "Z"), correlation(body)
    )
    assert two_of_three.threshold == 2
    assert len(run(two_of_three, a, b, c)) == 1  # A then B is an ordered pair


def test_aliases_group_different_fields_per_rule() -> None:
    body = """  type: temporal
  rules: [rule_a, rule_b]
  group-by: [actor]
  timespan: 10m
  aliases:
    actor:
      rule_a: userIdentity.arn
      rule_b: requestParameters.userArn
"""
    plan = plan_of(
        base("rule_a", "CreatePlugin"), base("rule_b", "AttachUserPolicy"), correlation(body)
    )
    assert [spec.group_paths for spec in plan.inputs] == [
        ("userIdentity.arn",),
        ("requestParameters.userArn",),
    ]
    a = [occ(0, userIdentity__arn=ARN_A)]
    hits = run(plan, a, [occ(3, requestParameters__userArn=ARN_A, userIdentity__arn=ARN_B)])
    assert [(h.group, minutes(h)) for h in hits] == [({"actor": ARN_A}, [0, 3])]
    assert run(plan, a, [occ(3, requestParameters__userArn=ARN_B, userIdentity__arn=ARN_A)]) == []


# --- chained correlations -------------------------------------------------------


def test_correlation_over_correlation_uses_the_inner_trigger_time() -> None:
    inner = """title: Many failed
name: many_failed
correlation:
  type: event_count
  rules: [failed]
  group-by: [userIdentity.arn]
  timespan: 10m
  condition: {gte: 3}
"""
    outer = correlation(
        """  type: temporal_ordered
  rules: [many_failed, success]
  group-by: [userIdentity.arn]
  timespan: 10m
"""
    )
    rules = load(base("failed", "ConsoleLogin"), base("success", "GetSession"), inner, outer)
    inner_plan = compile_correlation(rules[2])
    outer_plan = compile_correlation(rules[3])
    # failures at 0, 1, 2 (threshold met at 2), success at 4, more failures at 8
    failures = [occ(m, userIdentity__arn=ARN_A) for m in (0, 1, 2, 8)]
    inner_hits = run(inner_plan, failures)
    assert [minutes(h) for h in inner_hits] == [[0, 1, 2, 8]]
    chained = [hit.occurrence(1000 + i) for i, hit in enumerate(inner_hits)]
    assert chained[0].time == epoch_seconds(T0 + timedelta(minutes=2))
    assert chained[0].fields == {"userIdentity.arn": [ARN_A]}
    hits = run(outer_plan, chained, [occ(4, userIdentity__arn=ARN_A)])
    assert len(hits) == 1
    finding = hits[0].finding()
    assert finding.group == {"userIdentity.arn": ARN_A}
    assert len(finding.events) == 5  # the four failures and the success
    assert finding.last_seen == T0 + timedelta(minutes=8)


def test_chained_correlation_grouping_by_unknown_inner_field_is_refused() -> None:
    inner = """title: Many failed
name: many_failed
correlation:
  type: event_count
  rules: [failed]
  group-by: [sourceIPAddress]
  timespan: 10m
  condition: {gte: 3}
"""
    outer = correlation(
        "  type: event_count\n  rules: [many_failed]\n  group-by: [userIdentity.arn]\n"
        "  timespan: 1h\n  condition: {gte: 2}\n",
        extra="id: 6f4bd4a4-5a11-4e63-9a0e-0e3a5dbf8a01\n",
    )
    rules = load(base("failed", "ConsoleLogin"), inner, outer)
    with pytest.raises(ReplayError, match="does not group by") as info:
        compile_correlation(rules[2])
    assert info.value.rule_id == "6f4bd4a4-5a11-4e63-9a0e-0e3a5dbf8a01"


# --- refusals -------------------------------------------------------------------


def test_value_percentile_is_refused_naming_the_rule() -> None:
    body = """  type: value_percentile
  rules: [rule_a]
  group-by: [userIdentity.arn]
  timespan: 1h
  condition: {field: bytes, lte: 1}
"""
    with pytest.raises(ReplayError, match="value_percentile") as info:
        plan_of(base("rule_a", "X"), correlation(body, title="Rare"))
    assert info.value.rule_id == "Rare"


def test_extended_condition_is_refused() -> None:
    body = """  type: temporal
  rules: [rule_a, rule_b]
  group-by: [userIdentity.arn]
  timespan: 10m
  condition: rule_a and not rule_b
"""
    with pytest.raises(ReplayError, match="extended correlation condition"):
        plan_of(base("rule_a", "X"), base("rule_b", "Y"), correlation(body))


def test_alias_without_field_for_a_rule_is_refused() -> None:
    body = """  type: temporal
  rules: [rule_a, rule_b]
  group-by: [actor]
  timespan: 10m
  aliases:
    actor:
      rule_a: userIdentity.arn
"""
    with pytest.raises(
        ReplayError, match="alias 'actor' gives no field for referenced rule 'rule_b'"
    ):
        plan_of(base("rule_a", "X"), base("rule_b", "Y"), correlation(body))


def test_multi_field_value_count_is_refused() -> None:
    body = VALUE_COUNT.replace("field: eventName", "field: [eventName, awsRegion]")
    with pytest.raises(ReplayError, match="several fields"):
        plan_of(base("rule_a", "X"), correlation(body))


def test_rule_identity_prefers_id_then_title() -> None:
    rules = load(base("rule_a", "X"))
    assert rule_identity(rules[0]) == "Base rule_a"
    rules = load("id: 0a0e5d8e-0d3b-4a52-9a3e-2b8f9d0f7c11\n" + base("rule_b", "Y"))
    assert rule_identity(rules[0]) == "0a0e5d8e-0d3b-4a52-9a3e-2b8f9d0f7c11"


def test_describe() -> None:
    assert count_plan().describe() == "event_count gte 3 in 600s by userIdentity.arn"
