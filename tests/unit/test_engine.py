"""ReplayEngine: dispatch, generate handling, correlations end to end, bounded state."""

from __future__ import annotations

import json
import pickle
import sqlite3
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sigma.backends.sqlite import sqliteBackend  # type: ignore[attr-defined]
from sigma.collection import SigmaCollection
from sigma.correlations import SigmaCorrelationRule
from sigma.rule import SigmaRule

from sigmaq.core.errors import ReplayError
from sigmaq.core.model import EventRef, FindingKind, Level, WindowMode
from sigmaq.replay.compile import compile_rule
from sigmaq.replay.engine import ReplayEngine

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
ALICE = "arn:aws:sts::123456789012:assumed-role/QAdmin/alice@example.com"
BOB = "arn:aws:sts::123456789012:assumed-role/QAdmin/bob@example.com"


def rules_of(text: str) -> list[Any]:
    return list(SigmaCollection.from_yaml(text).rules)


def record(
    name: str,
    minute: float,
    *,
    source: str = "qbusiness.amazonaws.com",
    arn: str = ALICE,
    **extra: Any,
) -> dict[str, Any]:
    moment = T0 + timedelta(minutes=minute)
    event = {
        "eventVersion": "1.09",
        "eventTime": moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "eventSource": source,
        "eventName": name,
        "awsRegion": "us-east-1",
        "sourceIPAddress": "192.0.2.10",
        "userIdentity": {"type": "AssumedRole", "arn": arn, "accountId": "123456789012"},
        "eventID": f"{name}-{minute}-{arn[-20:]}",
    }
    event.update(extra)
    return event


def ref_of(event: dict[str, Any], position: int, source: str = "file.json") -> EventRef:
    moment = datetime.fromisoformat(event["eventTime"]) if "eventTime" in event else None
    return EventRef(source, position, event.get("eventID"), moment)


def feed_all(
    engine: ReplayEngine, events: list[dict[str, Any]], source: str = "f.json"
) -> list[Any]:
    findings = []
    for position, event in enumerate(events):
        findings.extend(engine.feed(event, ref_of(event, position, source)))
    return findings


BASE_RULES = """
title: Q Business application deleted
id: 11111111-1111-4111-8111-111111111111
name: app_deleted
level: high
logsource: {product: aws, service: cloudtrail}
detection:
  sel:
    eventSource: qbusiness.amazonaws.com
    eventName: DeleteApplication
  condition: sel
---
title: Any Q Business call
id: 22222222-2222-4222-8222-222222222222
level: informational
logsource: {product: aws, service: cloudtrail}
detection:
  sel:
    eventSource: qbusiness.amazonaws.com
  condition: sel
---
title: Any call by alice
id: 33333333-3333-4333-8333-333333333333
level: low
logsource: {product: aws, service: cloudtrail}
detection:
  sel:
    userIdentity.arn|endswith: /alice@example.com
  condition: sel
"""


def test_dispatch_index_by_name_source_and_unindexed() -> None:
    engine = ReplayEngine(rules_of(BASE_RULES))
    ids = {slot.rule_id: slot for slot in engine.slots}
    by_name, by_source, unindexed = (
        ids["11111111-1111-4111-8111-111111111111"],
        ids["22222222-2222-4222-8222-222222222222"],
        ids["33333333-3333-4333-8333-333333333333"],
    )
    index = engine.index
    assert index.lookup("qbusiness.amazonaws.com", "DeleteApplication") == (
        by_name,
        by_source,
        unindexed,
    )
    assert index.lookup("QBUSINESS.amazonaws.com", "ListApplications") == (by_source, unindexed)
    assert index.lookup("s3.amazonaws.com", "DeleteApplication") == (by_name, unindexed)
    assert index.lookup("s3.amazonaws.com", "GetObject") == (unindexed,)
    assert index.lookup(None, None) == (unindexed,)
    # odd, non-string values go to every rule, which then decide themselves
    assert index.lookup("s3.amazonaws.com", ["GetObject"]) == (by_name, by_source, unindexed)
    get_object = {"eventSource": "s3.amazonaws.com", "eventName": "GetObject"}
    assert [r.rule_id for r in index.rules_for(get_object)] == [
        "33333333-3333-4333-8333-333333333333"
    ]


GUARDED_RULES = """
title: Root call
id: 55555555-5555-4555-8555-555555555555
logsource: {product: aws, service: cloudtrail}
detection:
  sel:
    userIdentity.type: Root
    userIdentity.accessKeyId|startswith: AKIA
  condition: sel
---
title: Write through Q
id: 66666666-6666-4666-8666-666666666666
logsource: {product: aws, service: cloudtrail}
detection:
  sel:
    userIdentity.invokedBy: q.amazonaws.com
    readOnly: false
  condition: sel
---
title: Any write
id: 77777777-7777-4777-8777-777777777777
logsource: {product: aws, service: cloudtrail}
detection:
  sel:
    readOnly: false
  condition: sel
---
title: Denied or root
id: 88888888-8888-4888-8888-888888888888
logsource: {product: aws, service: cloudtrail}
detection:
  denied:
    errorCode: AccessDenied
  root:
    userIdentity.type: Root
  condition: denied or root
"""


def test_rules_without_source_or_name_are_guarded_by_another_required_field() -> None:
    root, write_q, write, either = (
        compile_rule(rule) for rule in rules_of(GUARDED_RULES) if isinstance(rule, SigmaRule)
    )
    assert root.guard == ("userIdentity.type", frozenset({"root"}))
    # the non-boolean field wins: readOnly: false holds for most events
    assert write_q.guard == ("userIdentity.invokedBy", frozenset({"q.amazonaws.com"}))
    assert write.guard == ("readOnly", frozenset({"false"}))
    assert either.guard is None  # an OR of two fields bounds neither
    assert (root.event_sources, root.event_names) == (None, None)


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        ({"userIdentity": {"type": "Root", "accessKeyId": "AKIAIOSFODNN7EXAMPLE"}}, ["55", "88"]),
        ({"userIdentity": {"type": "ROOT"}, "readOnly": "FALSE"}, ["77", "88"]),
        ({"userIdentity": [{"type": "IAMUser"}, {"type": "root"}]}, ["88"]),
        ({"userIdentity": {"invokedBy": "q.amazonaws.com"}, "readOnly": False}, ["66", "77"]),
        ({"userIdentity": {"invokedBy": "q.amazonaws.com"}, "readOnly": True}, []),
        ({"userIdentity.type": "Root", "userIdentity.accessKeyId": "AKIAX"}, ["55", "88"]),
        ({"errorCode": "AccessDenied", "readOnly": "false"}, ["77", "88"]),
        ({"userIdentity": {"type": {"odd": "Root"}}, "readOnly": [True, False]}, ["77"]),
        ({}, []),
    ],
)
def test_guarded_dispatch_finds_exactly_what_every_rule_finds(
    record: dict[str, Any], expected: list[str]
) -> None:
    engine = ReplayEngine(rules_of(GUARDED_RULES))
    event = {"eventSource": "iam.amazonaws.com", "eventName": "CreateUser", **record}
    dispatched = engine.index.candidates(event)
    matched = [slot.rule_id[:2] for slot in dispatched if slot.compiled.matches(event)]
    by_brute_force = [slot.rule_id[:2] for slot in engine.slots if slot.compiled.matches(event)]
    assert matched == by_brute_force == expected
    # guards only pre-filter: every rule the index leaves out really does not match
    left_out = [slot for slot in engine.slots if slot not in dispatched]
    assert not any(slot.compiled.matches(event) for slot in left_out)


def test_feed_returns_single_event_findings() -> None:
    engine = ReplayEngine(rules_of(BASE_RULES))
    event = record("DeleteApplication", 0)
    ref = ref_of(event, 4)
    findings = engine.feed(event, ref)
    assert [(f.rule_title, f.level, f.kind) for f in findings] == [
        ("Q Business application deleted", Level.HIGH, FindingKind.EVENT),
        ("Any Q Business call", Level.INFORMATIONAL, FindingKind.EVENT),
        ("Any call by alice", Level.LOW, FindingKind.EVENT),
    ]
    assert all(f.events == (ref,) and f.first_seen == T0 == f.last_seen for f in findings)
    assert engine.feed(record("GetObject", 1, source="s3.amazonaws.com", arn=BOB), ref) == []
    assert engine.finish() == []


BURST = """
title: Q Business resource deleted
name: q_delete
logsource: {product: aws, service: cloudtrail}
detection:
  sel:
    eventSource: qbusiness.amazonaws.com
    eventName|startswith: Delete
  condition: sel
---
title: Mass deletion of Q Business resources
id: 44444444-4444-4444-8444-444444444444
level: high
correlation:
  type: event_count
  rules: [q_delete]
  group-by: [userIdentity.arn]
  timespan: 15m
  condition: {gte: 3}
  generate: GENERATE
"""


@pytest.mark.parametrize("generate", [False, True])
def test_generate_controls_base_rule_findings(generate: bool) -> None:
    engine = ReplayEngine(rules_of(BURST.replace("GENERATE", str(generate).lower())))
    events = [
        record(n, m) for m, n in enumerate(["DeleteIndex", "DeleteDataSource", "DeletePlugin"])
    ]
    single = feed_all(engine, events)
    assert len(single) == (3 if generate else 0)
    correlated = engine.finish()
    assert [(f.rule_id, f.kind, len(f.events)) for f in correlated] == [
        ("44444444-4444-4444-8444-444444444444", FindingKind.CORRELATION, 3)
    ]


@pytest.mark.parametrize(
    ("chosen", "singles", "correlated"),
    [
        ({"q_delete"}, 0, 0),  # a name is not an identity
        ({"Q Business resource deleted"}, 3, 0),  # no id: the title is its identity
        ({"44444444-4444-4444-8444-444444444444"}, 0, 1),
        (set(), 0, 0),
    ],
)
def test_emits_chooses_which_rules_report_whatever_generate_says(
    chosen: set[str], singles: int, correlated: int
) -> None:
    engine = ReplayEngine(rules_of(BURST.replace("GENERATE", "true")), emits=chosen.__contains__)
    events = [record(n, m) for m, n in enumerate(["DeleteIndex", "DeleteIndex2", "DeletePlugin"])]
    assert len(feed_all(engine, events)) == singles
    assert len(engine.finish()) == correlated
    assert engine.matches_recorded() == 3  # the correlation ran either way


def test_base_rule_alone_emits_even_when_its_correlation_says_generate_false() -> None:
    rules = rules_of(BURST.replace("GENERATE", "false"))
    engine = ReplayEngine([rules[0]])
    assert len(engine.feed(record("DeleteIndex", 0), ref_of(record("DeleteIndex", 0), 0))) == 1
    assert engine.correlations == []
    everything = ReplayEngine(rules, emit_all=True)
    assert len(everything.feed(record("DeleteIndex", 0), ref_of(record("DeleteIndex", 0), 0))) == 1


def test_correlation_alone_pulls_in_its_base_rules() -> None:
    rules = rules_of(BURST.replace("GENERATE", "false"))
    engine = ReplayEngine([rules[1]])
    assert [slot.title for slot in engine.slots] == ["Q Business resource deleted"]
    feed_all(engine, [record("DeleteIndex", m) for m in (0, 1, 2)])
    assert len(engine.finish()) == 1


def test_correlation_over_out_of_order_events_across_files() -> None:
    engine = ReplayEngine(rules_of(BURST.replace("GENERATE", "false")))
    # file 2 holds the later half, read first; bob's deletions are spread out
    file_one = [record("DeleteIndex", 0), record("DeleteApplication", 2, arn=BOB)]
    file_two = [
        record("DeletePlugin", 9),
        record("DeleteDataSource", 4),
        record("DeleteRetriever", 30, arn=BOB),
        record("ListApplications", 5),
    ]
    feed_all(engine, file_two, "two.json")
    feed_all(engine, file_one, "one.json")
    findings = engine.finish()
    assert len(findings) == 1
    finding = findings[0]
    assert finding.group == {"userIdentity.arn": ALICE}
    assert [(ref.source, ref.position) for ref in finding.events] == [
        ("one.json", 0),
        ("two.json", 1),
        ("two.json", 0),
    ]
    assert finding.first_seen == T0
    assert finding.last_seen == T0 + timedelta(minutes=9)
    assert finding.level is Level.HIGH


def test_tumbling_mode_misses_a_burst_across_a_bucket_edge() -> None:
    text = BURST.replace("GENERATE", "false")
    # 12:10 is a 15-minute bucket edge (epoch aligned); burst 12:13..12:16
    events = [record("DeleteIndex", m) for m in (13, 14, 16)]
    sliding = ReplayEngine(rules_of(text))
    feed_all(sliding, events)
    assert len(sliding.finish()) == 1
    tumbling = ReplayEngine(rules_of(text), window=WindowMode.TUMBLING)
    feed_all(tumbling, events)
    assert tumbling.finish() == []


def test_duplicate_deliveries_count_once_and_untimed_matches_are_counted() -> None:
    engine = ReplayEngine(rules_of(BURST.replace("GENERATE", "false")))
    event = record("DeleteIndex", 0)
    engine.feed(event, ref_of(event, 0, "org-trail.json"))
    engine.feed(event, ref_of(event, 0, "account-trail.json"))
    second = record("DeletePlugin", 1)
    engine.feed(second, ref_of(second, 1))
    untimed = record("DeleteIndex", 2)
    engine.feed(untimed, EventRef("f.json", 2, untimed["eventID"], None))
    assert engine.finish() == []  # only two distinct timed events
    stats = engine.correlation_stats["44444444-4444-4444-8444-444444444444"]
    assert stats.untimed == 1
    assert engine.slots[0].duplicates == 1


def test_state_holds_only_matches() -> None:
    engine = ReplayEngine(rules_of(BURST.replace("GENERATE", "false")))
    for i in range(5000):
        event = record("ListApplications", i / 100)
        engine.feed(event, ref_of(event, i))
    assert engine.matches_recorded() == 0
    match = record("DeleteIndex", 1)
    engine.feed(match, ref_of(match, 9999))
    assert engine.matches_recorded() == 1
    assert engine.slots[0].record_fields == ("userIdentity.arn",)


CHAIN = """
title: Console login failed
name: failed_login
logsource: {product: aws, service: cloudtrail}
detection:
  sel:
    eventName: ConsoleLogin
    responseElements.ConsoleLogin: Failure
  condition: sel
---
title: Console login succeeded
name: successful_login
logsource: {product: aws, service: cloudtrail}
detection:
  sel:
    eventName: ConsoleLogin
    responseElements.ConsoleLogin: Success
  condition: sel
---
title: Multiple failed logins
name: multiple_failed_login
correlation:
  type: event_count
  rules: [failed_login]
  group-by: [userIdentity.arn]
  timespan: 10m
  condition: {gte: 3}
---
title: Failed logins followed by success
id: 55555555-5555-4555-8555-555555555555
level: high
correlation:
  type: temporal_ordered
  rules: [multiple_failed_login, successful_login]
  group-by: [userIdentity.arn]
  timespan: 10m
"""


def login(minute: float, outcome: str, arn: str = ALICE) -> dict[str, Any]:
    return record(
        "ConsoleLogin",
        minute,
        source="signin.amazonaws.com",
        arn=arn,
        responseElements={"ConsoleLogin": outcome},
    )


@pytest.mark.parametrize(
    ("events", "expected"),
    [
        ([(0, "Failure"), (1, "Failure"), (2, "Failure"), (4, "Success")], 1),
        ([(0, "Success"), (1, "Failure"), (2, "Failure"), (3, "Failure")], 0),
        ([(0, "Failure"), (1, "Failure"), (4, "Success")], 0),
        ([(0, "Failure"), (1, "Failure"), (2, "Failure"), (30, "Success")], 0),
    ],
)
def test_chained_correlation_spec_example(events: list[tuple[int, str]], expected: int) -> None:
    engine = ReplayEngine(rules_of(CHAIN))
    assert feed_all(engine, [login(m, o) for m, o in events]) == []
    findings = engine.finish()
    # the inner correlation is silenced (generate false); only the outer reports
    assert [f.rule_id for f in findings] == ["55555555-5555-4555-8555-555555555555"] * expected
    if expected:
        assert len(findings[0].events) == len(events)
        assert findings[0].group == {"userIdentity.arn": ALICE}


def test_unsupported_correlation_raises_replay_error_naming_it() -> None:
    text = BURST.replace("GENERATE", "false").replace("type: event_count", "type: value_percentile")
    text = text.replace("condition: {gte: 3}", "condition: {field: eventName, lte: 1}")
    with pytest.raises(ReplayError) as info:
        ReplayEngine(rules_of(text))
    assert info.value.rule_id == "44444444-4444-4444-8444-444444444444"


def test_finish_twice_is_an_error() -> None:
    engine = ReplayEngine(rules_of(BASE_RULES))
    engine.finish()
    with pytest.raises(ReplayError, match="twice"):
        engine.finish()


def test_unresolved_reference_is_an_error() -> None:
    # a correlation parsed on its own has unresolved references
    lone = SigmaCorrelationRule.from_yaml(BURST.replace("GENERATE", "false").split("---")[1])
    with pytest.raises(ReplayError, match="not resolved") as info:
        ReplayEngine([lone])
    assert info.value.rule_id == "44444444-4444-4444-8444-444444444444"


# --- differential: engine vs pySigma's SQLite backend (sliding windows) ------------------------
#
# The SQLite backend (pysigma-backend-sqlite 2.0.0, test dependency) compiles correlations to
# window SQL: windows [t - span, t] ending at every event, group keys lower-cased, events
# without a group key dropped. Its alerts overlap (one per anchor) while the engine reports
# non-overlapping windows, so the comparison is on *which groups fire*. Kept out of the zones
# that differ by design (docs/replay-correlations.md): lt/lte/eq/neq judgement, and events of
# two rules in the same second for temporal_ordered (distinct times are generated).

DIFF_BASES = "\n---\n".join(
    f"""title: Diff base {name}
name: base_{name.lower()}
logsource: {{product: aws, service: cloudtrail}}
detection:
  sel: {{eventName: {name}}}
  condition: sel"""
    for name in ("A", "B", "C")
)
DIFF_USERS = ("u1", "U1", "u2", "u3", None)
DIFF_VALUES = ("x", "X", "y", "z", None)


def _diff_rule(kind: str, op: str, count: int, span: str, rules: list[str]) -> str:
    condition = {
        "event_count": f"  condition: {{{op}: {count}}}\n",
        "value_count": f"  condition: {{field: src, {op}: {count}}}\n",
        "temporal": "",
        "temporal_ordered": "",
    }[kind]
    listed = ", ".join(f"base_{r.lower()}" for r in rules)
    return (
        f"{DIFF_BASES}\n---\ntitle: Diff correlation\nid: 77777777-7777-4777-8777-777777777777\n"
        f"correlation:\n  type: {kind}\n  rules: [{listed}]\n  group-by: [user]\n"
        f"  timespan: {span}\n{condition}"
    )


DiffEvent = tuple[int, str, str | None, str | None]  # seconds, eventName, user, src


def _sqlite_groups(text: str, events: Sequence[DiffEvent]) -> set[str]:
    backend = sqliteBackend(  # type: ignore[no-untyped-call]
        timestamp_field="ts", timestamp_format="unix", event_id_field="eid"
    )
    query = backend.convert(SigmaCollection.from_yaml(text))[-1]
    connection = sqlite3.connect(":memory:")
    connection.execute(
        "CREATE TABLE logs (eid TEXT, ts NUMERIC, eventName TEXT COLLATE NOCASE, "
        "user TEXT COLLATE NOCASE, src TEXT COLLATE NOCASE)"
    )
    connection.executemany(
        "INSERT INTO logs VALUES (?, ?, ?, ?, ?)",
        [(f"e{i}", t, name, user, src) for i, (t, name, user, src) in enumerate(events)],
    )
    groups = {json.loads(row[1])["user"].lower() for row in connection.execute(query)}
    connection.close()
    return groups


def _engine_groups(text: str, events: Sequence[DiffEvent]) -> set[str]:
    engine = ReplayEngine(rules_of(text))
    for i, (t, name, user, src) in enumerate(events):
        moment = T0 + timedelta(seconds=t)
        event: dict[str, Any] = {"eventName": name, "eventID": f"e{i}"}
        if user is not None:
            event["user"] = user
        if src is not None:
            event["src"] = src
        engine.feed(event, EventRef("d.json", i, f"e{i}", moment))
    return {str(f.group["user"]).lower() for f in engine.finish() if f.group}


def _diff_case(draw: Any) -> tuple[str, list[DiffEvent]]:
    kind = draw(st.sampled_from(["event_count", "value_count", "temporal", "temporal_ordered"]))
    rules = ["A", "B", "C"][: draw(st.integers(2, 3))] if kind.startswith("temporal") else ["A"]
    op = draw(st.sampled_from(["gt", "gte"]))
    count = draw(st.integers(1, 4))
    span = draw(st.sampled_from(["1m", "5m", "10m"]))
    size = draw(st.integers(3, 16))
    times = draw(st.lists(st.integers(0, 600), min_size=size, max_size=size, unique=True))
    events = [
        (
            t,
            draw(st.sampled_from(["A", "B", "C"])),
            draw(st.sampled_from(DIFF_USERS)),
            draw(st.sampled_from(DIFF_VALUES)),
        )
        for t in times
    ]
    return _diff_rule(kind, op, count, span, rules), events


def test_groups_that_fire_agree_with_sqlite_backend() -> None:
    fired: list[int] = []

    @settings(
        max_examples=100,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(st.data())
    def check(data: Any) -> None:
        text, events = _diff_case(data.draw)
        expected = _sqlite_groups(text, events)
        assert _engine_groups(text, events) == expected, (text, events)
        fired.append(len(expected))

    check()
    assert sum(1 for n in fired if n) >= 20  # the comparison is not vacuous (31 fire)


def test_differential_fixed_case() -> None:
    text = _diff_rule("temporal_ordered", "gte", 2, "5m", ["A", "B"])
    events = [
        (0, "A", "u1", None),
        (120, "B", "U1", None),
        (0, "B", "u2", None),
        (60, "A", "u2", None),
    ]
    assert _sqlite_groups(text, events) == _engine_groups(text, events) == {"u1"}


def test_matches_handed_between_engines_give_the_same_correlations() -> None:
    # What hunt's worker processes do: each records one file's base-rule matches and
    # hands them over; the parent engine only absorbs them and correlates.
    rules = rules_of(BURST.replace("GENERATE", "false"))
    file_one = [record("DeleteIndex", 0), record("DeleteApplication", 2, arn=BOB)]
    file_two = [record("DeletePlugin", 9), record("DeleteDataSource", 4), record("DeleteIndex", 0)]
    direct = ReplayEngine(rules)
    feed_all(direct, file_two, "two.json")
    feed_all(direct, file_one, "one.json")
    expected = direct.finish()

    parent = ReplayEngine(rules)
    for source, events in (("two.json", file_two), ("one.json", file_one)):
        worker = ReplayEngine(rules)
        feed_all(worker, events, source)
        taken = worker.take_matches()
        assert worker.matches_recorded() == 0
        parent.absorb_matches(source, taken)
    got = parent.finish()
    assert [(f.rule_id, f.events, f.group) for f in got] == [
        (f.rule_id, f.events, f.group) for f in expected
    ]
    # the repeated DeleteIndex (same eventID in both files) counted once in both engines
    assert len(got[0].events) == 3


def test_annotations_follow_each_event_into_correlation_findings() -> None:
    # hunt attaches (principal, source address); the engine keeps it per kept match,
    # in process and across a worker hand-over alike.
    rules = rules_of(BURST.replace("GENERATE", "false"))
    events = [
        record("DeleteIndex", 0, sourceIPAddress="203.0.113.5"),
        record("DeletePlugin", 2),
        record("DeleteDataSource", 4, sourceIPAddress="198.51.100.9"),
    ]

    def annotate(event: Any) -> tuple[str, str]:
        return (event["userIdentity"]["arn"], event["sourceIPAddress"])

    expected = [
        (ALICE, "203.0.113.5"),
        (ALICE, "192.0.2.10"),
        (ALICE, "198.51.100.9"),
    ]
    direct = ReplayEngine(rules, annotate=annotate)
    feed_all(direct, events)
    (finding,) = direct.finish()
    assert [ref.annotation for ref in finding.events] == expected

    worker = ReplayEngine(rules, annotate=annotate)
    feed_all(worker, events, "w.json")
    parent = ReplayEngine(rules)  # the parent annotates nothing itself
    parent.absorb_matches("w.json", worker.take_matches())
    (handed,) = parent.finish()
    assert [ref.annotation for ref in handed.events] == expected
    assert handed.events == tuple(
        EventRef("w.json", i, ref.event_id, ref.event_time) for i, ref in enumerate(finding.events)
    )


@pytest.mark.parametrize("handed_over", [False, True])
def test_objects_in_group_by_fields_are_kept_not_a_crash(handed_over: bool) -> None:
    # A JSON object where a principal's ARN should be cannot be hashed; it is still a
    # group value (compared as canonical JSON), in process and across a hand-over.
    rules = rules_of(BURST.replace("GENERATE", "false"))
    odd = {"odd": ["x", {"y": 1}]}
    events = [
        record(name, minute, arn="")
        for minute, name in enumerate(("DeleteIndex", "DeletePlugin", "DeleteRetriever"))
    ]
    for event in events:
        event["userIdentity"]["arn"] = dict(odd)
    engine = ReplayEngine(rules)
    if handed_over:
        worker = ReplayEngine(rules)
        feed_all(worker, events)
        engine.absorb_matches("f.json", pickle.loads(pickle.dumps(worker.take_matches())))
    else:
        feed_all(engine, events)
    (finding,) = engine.finish()
    assert finding.group == {"userIdentity.arn": odd}
    assert len(finding.events) == 3
