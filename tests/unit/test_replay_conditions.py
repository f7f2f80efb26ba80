"""Condition forms, keyword detections, refusals, and the dispatch index."""

from __future__ import annotations

import functools
import textwrap
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sigma.collection import SigmaCollection
from sigma.types import SigmaQueryExpression

from sigmaq.core.errors import ReplayError
from sigmaq.replay import CompiledRule, compile_rule, index_key

RULE_ID = "0c6c3a43-8f0f-4d43-a9b1-1d7b7c4a5e01"


def compiled(detection: str, **kwargs: Any) -> CompiledRule:
    body = textwrap.indent(textwrap.dedent(detection).strip("\n"), "    ")
    text = (
        f"title: Replay condition\nid: {RULE_ID}\n"
        "logsource:\n  product: aws\n  service: cloudtrail\n"
        f"detection:\n{body}\n"
    )
    return compile_rule(SigmaCollection.from_yaml(text).rules[0], **kwargs)


SELECTIONS = """
sel_a:
  a: 1
sel_b:
  b: 1
filter_c:
  c: 1
_hidden:
  h: 1
"""


def truth(condition: str) -> list[bool]:
    """The rule's verdict on all 16 records over fields a, b, c, h (in binary order)."""
    rule = compiled(SELECTIONS + f"condition: {condition}\n")
    verdicts = []
    for n in range(16):
        record = {k: 1 for i, k in enumerate("abch") if n >> i & 1}
        verdicts.append(rule.matches(record))
    return verdicts


def expected(fn: Any) -> list[bool]:
    return [bool(fn(n & 1, n >> 1 & 1, n >> 2 & 1, n >> 3 & 1)) for n in range(16)]


@pytest.mark.parametrize(
    ("condition", "oracle"),
    [
        ("sel_a", lambda a, b, c, h: a),
        ("sel_a and sel_b", lambda a, b, c, h: a and b),
        ("sel_a or sel_b", lambda a, b, c, h: a or b),
        ("not sel_a", lambda a, b, c, h: not a),
        ("sel_a and not filter_c", lambda a, b, c, h: a and not c),
        ("sel_a or sel_b and not filter_c", lambda a, b, c, h: a or (b and not c)),
        ("(sel_a or sel_b) and not filter_c", lambda a, b, c, h: (a or b) and not c),
        ("not (sel_a or sel_b)", lambda a, b, c, h: not (a or b)),
        ("not sel_a and not sel_b", lambda a, b, c, h: not a and not b),
        ("1 of sel_*", lambda a, b, c, h: a or b),
        ("any of sel_*", lambda a, b, c, h: a or b),
        ("all of sel_*", lambda a, b, c, h: a and b),
        ("1 of sel_* and not 1 of filter_*", lambda a, b, c, h: (a or b) and not c),
        # "them" skips identifiers starting with "_" (Sigma rules specification, Condition)
        ("1 of them", lambda a, b, c, h: a or b or c),
        ("all of them", lambda a, b, c, h: a and b and c),
        ("1 of _hid*", lambda a, b, c, h: h),
        ("sel_a and _hidden", lambda a, b, c, h: a and h),
    ],
)
def test_condition_forms(condition: str, oracle: Any) -> None:
    assert truth(condition) == expected(oracle)


def test_condition_list_is_or_linked() -> None:
    rule = compiled(SELECTIONS + "condition:\n  - sel_a and filter_c\n  - sel_b\n")
    assert [rule.matches(r) for r in ({"a": 1, "c": 1}, {"b": 1}, {"a": 1}, {})] == [
        True,
        True,
        False,
        False,
    ]


def test_map_is_and_and_list_of_maps_is_or() -> None:
    rule = compiled(
        """
        sel:
          - eventName: SendMessage
            eventSource: q.amazonaws.com
          - eventName: Chat
        condition: sel
        """
    )
    records = [
        {"eventName": "SendMessage", "eventSource": "q.amazonaws.com"},
        {"eventName": "SendMessage", "eventSource": "qbusiness.amazonaws.com"},
        {"eventName": "chat"},
        {},
    ]
    assert [rule.matches(r) for r in records] == [True, False, True, False]


def test_large_value_list_uses_set_lookup_with_identical_results() -> None:
    names = [f"Op{i}" for i in range(50)]
    rule = compiled(f"sel:\n  eventName: {names!r}\ncondition: sel\n")
    assert rule.matches({"eventName": "op49"}) is True
    assert rule.matches({"eventName": ["x", "OP3"]}) is True
    assert rule.matches({"eventName": "op50"}) is False
    assert rule.matches({}) is False


# --- keywords ---------------------------------------------------------------------------------

KEYWORD_CASES: list[tuple[str, dict[str, Any], bool]] = [
    ("keywords:\n  - evil\ncondition: keywords", {"a": {"b": "very EVIL thing"}}, True),
    ("keywords:\n  - evil\ncondition: keywords", {"evil": "key names are not searched"}, False),
    ("keywords:\n  - evil\ncondition: keywords", {"a": ["x", {"b": "xevil"}]}, True),
    ("keywords:\n  - 'ev?l'\ncondition: keywords", {"a": "the evel one"}, True),
    ("keywords:\n  - 42\ncondition: keywords", {"n": 1423}, True),
    ("keywords:\n  - 42\ncondition: keywords", {"n": 1432}, False),
    (
        "keywords:\n  '|all':\n    - foo\n    - bar\ncondition: keywords",
        {"x": "foo", "y": "bar"},
        True,
    ),
    ("keywords:\n  '|all':\n    - foo\n    - bar\ncondition: keywords", {"x": "foo"}, False),
    ("keywords:\n  '|re': 'ev.l'\ncondition: keywords", {"x": "an evil"}, True),
    ("keywords:\n  '|re': 'ev.l'\ncondition: keywords", {"x": "an EVIL"}, False),
    ("keywords:\n  '|cased': Evil\ncondition: keywords", {"x": "an evil"}, False),
    ("keywords:\n  '|cased': Evil\ncondition: keywords", {"x": "an Evil"}, True),
]


@pytest.mark.parametrize(("detection", "record", "expected"), KEYWORD_CASES)
def test_keywords(detection: str, record: dict[str, Any], expected: bool) -> None:
    rule = compiled(detection)
    assert rule.matches(record) is expected
    assert rule.fields is None  # a keyword search reads every field


# --- refusals: never a silent "no match" ------------------------------------------------------


@pytest.mark.parametrize(
    ("detection", "fragment"),
    [
        ("keywords:\n  - null\ncondition: keywords", "SigmaNull"),
        ("keywords:\n  - true\ncondition: keywords", "SigmaBool"),
        ("sel:\n  a: 1\ncondition: 1 of nothing*", "condition is empty"),
        ("sel:\n  a: 1\ncondition: sel and undefined", "not defined"),
        ("sel:\n  f|expand: '%Unknown%'\ncondition: sel", "%Unknown%"),
    ],
)
def test_unsupported_features_raise_replay_error(detection: str, fragment: str) -> None:
    with pytest.raises(ReplayError) as info:
        compiled(detection)
    assert fragment in str(info.value)
    assert info.value.rule_id == RULE_ID


def test_unknown_value_type_is_refused() -> None:
    rule = SigmaCollection.from_yaml(
        f"title: q\nid: {RULE_ID}\nlogsource: {{product: aws}}\n"
        "detection:\n  sel:\n    f: x\n  condition: sel\n"
    ).rules[0]
    item = rule.detection.detections["sel"].detection_items[0]
    item.value = [SigmaQueryExpression("lookup({field})", "x")]
    with pytest.raises(ReplayError, match="SigmaQueryExpression"):
        compile_rule(rule)


def test_rule_with_load_errors_is_refused() -> None:
    collection = SigmaCollection.from_yaml(
        "title: bad\nid: not-a-uuid\nlogsource: {product: aws}\n"
        "detection:\n  sel:\n    f: x\n  condition: sel\n",
        collect_errors=True,
    )
    with pytest.raises(ReplayError, match="load errors"):
        compile_rule(collection.rules[0])


def test_correlation_rule_is_refused() -> None:
    collection = SigmaCollection.from_yaml(
        f"title: base\nid: {RULE_ID}\nname: base\nlogsource: {{product: aws}}\n"
        "detection:\n  sel:\n    f: x\n  condition: sel\n"
        "---\n"
        "title: corr\nid: 3f1e7c55-2a4b-4a8e-9d3c-6b5a4f3e2d10\n"
        "correlation:\n  type: event_count\n  rules: [base]\n  group-by: [f]\n"
        "  timespan: 5m\n  condition: {gte: 3}\n"
    )
    with pytest.raises(ReplayError, match="correlation") as info:
        compile_rule(collection.rules[1])  # type: ignore[arg-type]
    assert info.value.rule_id == "3f1e7c55-2a4b-4a8e-9d3c-6b5a4f3e2d10"


def test_rule_without_id_is_named_by_title() -> None:
    rule = SigmaCollection.from_yaml(
        "title: No id here\nlogsource: {product: aws}\n"
        "detection:\n  sel:\n    f: x\n  condition: sel\n"
    ).rules[0]
    compiled_rule = compile_rule(rule)
    assert compiled_rule.rule_id == "No id here"
    assert compiled_rule.title == "No id here"
    assert compiled_rule.fields == frozenset({"f"})


def test_compiling_does_not_mutate_the_rule() -> None:
    text = (
        f"title: t\nid: {RULE_ID}\nlogsource: {{product: aws}}\n"
        "detection:\n  sel:\n    f|contains|expand: '%P%'\n  condition: sel\n"
    )
    rule = SigmaCollection.from_yaml(text).rules[0]
    before = rule.to_dict()
    compile_rule(rule, placeholders={"P": ["x"]})
    compile_rule(rule, placeholders={"P": ["y"]})
    assert rule.to_dict() == before


# --- dispatch index: derivation ---------------------------------------------------------------

INDEX_CASES: list[tuple[str, frozenset[str] | None, frozenset[str] | None]] = [
    (
        "sel:\n  eventSource: q.amazonaws.com\n  eventName: [SendMessage, PassRequest]\n"
        "condition: sel",
        frozenset({"q.amazonaws.com"}),
        frozenset({"sendmessage", "passrequest"}),
    ),
    ("sel:\n  eventName: Chat\ncondition: not sel", None, None),
    ("sel:\n  eventName|startswith: Chat\ncondition: sel", None, None),
    ("sel:\n  eventName|re: '^Chat$'\ncondition: sel", None, None),
    ("sel:\n  eventName|neq: Chat\ncondition: sel", None, None),
    ("sel:\n  eventName: 'Ch?t'\ncondition: sel", None, None),
    ("sel:\n  eventName: 30\ncondition: sel", None, None),
    ("sel:\n  eventName|cased: ChatSync\ncondition: sel", None, frozenset({"chatsync"})),
    (
        "a:\n  eventName: Chat\nb:\n  userIdentity.type: Root\ncondition: a or b",
        None,
        None,
    ),
    (
        "a:\n  eventName: [Chat, ChatSync]\nb:\n  eventName: [ChatSync, PutFeedback]\n"
        "condition: a and b",
        None,
        frozenset({"chatsync"}),
    ),
    (
        "a:\n  eventName: Chat\nb:\n  eventName: PutFeedback\ncondition: a and b",
        None,
        frozenset(),
    ),
    (
        "a:\n  eventName: Chat\nb:\n  eventName: PutFeedback\nf:\n  eventName: Chat\n"
        "condition: (a or b) and not f",
        None,
        frozenset({"chat", "putfeedback"}),
    ),
    (
        "sel:\n  - eventName: Chat\n  - eventName: ChatSync\ncondition: sel",
        None,
        frozenset({"chat", "chatsync"}),
    ),
    (
        "sel:\n  eventName|all: [Chat, ChatSync]\ncondition: sel",
        None,
        frozenset(),
    ),
    ("keywords:\n  - Chat\ncondition: keywords", None, None),
    (
        "a:\n  eventName: Chat\nb:\n  eventName: Chat2\ncondition:\n  - a\n  - b",
        None,
        frozenset({"chat", "chat2"}),
    ),
    ("a:\n  eventName: Chat\nb:\n  x: 1\ncondition:\n  - a\n  - b", None, None),
    (
        "sel:\n  eventName|windash: '-x'\ncondition: sel",
        None,
        frozenset({"-x", "/x"} | {"\u2013x", "\u2014x", "\u2015x"}),
    ),
]


@pytest.mark.parametrize(("detection", "sources", "names"), INDEX_CASES)
def test_index_derivation(
    detection: str, sources: frozenset[str] | None, names: frozenset[str] | None
) -> None:
    rule = compiled(detection)
    assert rule.event_sources == sources
    assert rule.event_names == names


def test_index_with_placeholders() -> None:
    rule = compiled(
        "sel:\n  eventName|expand: '%Ops%'\ncondition: sel", placeholders={"Ops": ["A", "B"]}
    )
    assert rule.event_names == frozenset({"a", "b"})
    wild = compiled(
        "sel:\n  eventName|expand: '%Ops%'\ncondition: sel", placeholders={"Ops": ["A*"]}
    )
    assert wild.event_names is None


def test_admits_handles_non_string_event_names() -> None:
    rule = compiled("sel:\n  eventName: ['30', Chat]\ncondition: sel")
    assert rule.event_names == frozenset({"30", "chat"})
    assert index_key(30) == "30"
    assert rule.matches({"eventName": 30}) and rule.admits({"eventName": 30})
    assert rule.matches({"eventName": ["x", "CHAT"]}) and rule.admits({"eventName": ["x", "CHAT"]})
    assert not rule.admits({"eventName": "Other"})
    assert not rule.admits({})


# --- dispatch index: soundness (hypothesis) ---------------------------------------------------

NAMES = ["Chat", "ChatSync", "SendMessage", "30", "chat*", "Ch?t"]
SOURCES = ["q.amazonaws.com", "qbusiness.amazonaws.com", "*.amazonaws.com"]


@st.composite
def index_items(draw: st.DrawFn) -> dict[str, Any]:
    field = draw(
        st.sampled_from(
            ["eventName", "eventName", "eventSource", "eventSource", "userIdentity.type"]
        )
    )
    vocab = NAMES if field != "eventSource" else SOURCES
    # plain values (the indexable kind) are drawn most often
    modifier = draw(
        st.sampled_from(["", "", "", "|cased", "|contains", "|startswith", "|neq", "|all"])
    )
    values: Any = draw(st.lists(st.sampled_from(vocab), min_size=1, max_size=2))
    if not modifier and draw(st.integers(0, 5)) == 0:
        values = draw(st.sampled_from([30, None, True]))
    return {field + modifier: values}


@st.composite
def index_rules(draw: st.DrawFn) -> str:
    # s1 usually pins eventName/eventSource to literals (the indexable shape);
    # s2 and f1 are free, so OR, NOT and wildcards break or narrow the bound.
    s1: dict[str, Any] = {}
    if draw(st.integers(0, 4)) > 0:
        s1["eventName"] = draw(st.lists(st.sampled_from(NAMES[:4]), min_size=1, max_size=3))
    if draw(st.booleans()):
        s1["eventSource"] = draw(st.lists(st.sampled_from(SOURCES[:2]), min_size=1, max_size=2))
    for item in draw(st.lists(index_items(), max_size=1 if s1 else 2, min_size=0 if s1 else 1)):
        s1.update(item)
    detection: dict[str, Any] = {"s1": s1}
    for name in ("s2", "f1"):
        items = draw(st.lists(index_items(), min_size=1, max_size=2))
        if draw(st.integers(0, 3)) > 0:
            merged: dict[str, Any] = {}
            for item in items:
                merged.update(item)
            detection[name] = merged
        else:
            detection[name] = items  # list of maps: OR
    detection["condition"] = draw(
        st.sampled_from(
            [
                "s1",
                "s1",
                "s1 and not f1",
                "s1 and s2",
                "s1 or s2",
                "(s1 or s2) and not f1",
                "s1 and not (s2 or f1)",
                "1 of s*",
                "all of them",
                "not s1",
            ]
        )
    )
    return yaml.safe_dump(detection, sort_keys=False)


@st.composite
def events(draw: st.DrawFn) -> dict[str, Any]:
    record: dict[str, Any] = {}
    if draw(st.integers(0, 7)) > 0:
        record["eventName"] = draw(
            st.one_of(
                st.sampled_from(["Chat", "chatsync", "SENDMESSAGE", "30"]),
                st.sampled_from(["chatter", "Chit", "", "Ch?t", "chat*"]),
                st.sampled_from([30, 30.0, None, True, ["chat", "x"]]),
            )
        )
    if draw(st.integers(0, 7)) > 0:
        record["eventSource"] = draw(
            st.sampled_from(["q.amazonaws.com", "QBUSINESS.amazonaws.com", "s3.amazonaws.com"])
        )
    if draw(st.booleans()):
        record["userIdentity"] = {"type": draw(st.sampled_from(NAMES))}
    return record


@settings(
    derandomize=True,
    max_examples=300,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(detection=index_rules(), records=st.lists(events(), min_size=1, max_size=8))
def test_index_is_sound(detection: str, records: list[dict[str, Any]]) -> None:
    rule = compiled(detection)
    for record in records:
        if not rule.matches(record):
            continue
        assert rule.admits(record), (detection, record)
        for key, bound in (("eventName", rule.event_names), ("eventSource", rule.event_sources)):
            value = record.get(key)
            if bound is not None and isinstance(value, str):
                assert value.lower() in bound, (detection, record)


# --- robustness: odd records never raise ------------------------------------------------------

ALL_FEATURES = """
sel:
  eventName|contains: chat
  eventSource|cased: q.amazonaws.com
  requestParameters.name|re|i: 'a.b'
  sourceIPAddress|cidr: [192.0.2.0/24, '2001:db8::/32']
  count|gt: 5
  readOnly: true
  errorCode: null
  userIdentity.type|exists: true
  a|fieldref|startswith: b
  eventTime|hour: 3
  n: 30
keywords:
  - evil
condition: 1 of them or not sel
"""

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True)
    | st.text(max_size=12)
    | st.sampled_from(["192.0.2.1", "2001:db8::1", "2024-01-01T03:00:00Z", "9" * 5000]),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.sampled_from(["type", "name", "x", "a.b"]), children, max_size=3)
    ),
    max_leaves=12,
)
FIELD_KEYS = [
    "eventName",
    "eventSource",
    "requestParameters",
    "sourceIPAddress",
    "count",
    "readOnly",
    "errorCode",
    "userIdentity",
    "a",
    "b",
    "eventTime",
    "n",
]


@functools.cache
def _all_features_rule() -> CompiledRule:
    return compiled(ALL_FEATURES)


@settings(derandomize=True, max_examples=300, deadline=None, database=None)
@given(record=st.dictionaries(st.sampled_from(FIELD_KEYS), json_values, max_size=8))
def test_odd_records_never_raise(record: dict[str, Any]) -> None:
    rule = _all_features_rule()
    assert rule.matches(record) in (True, False)
    assert rule.admits(record) in (True, False)


ROOT_TYPE = compiled(
    """
    selection:
        userIdentity.type: Root
    condition: selection
    """
)


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        ({"userIdentity": {"type": "Root"}}, True),
        ({"userIdentity": {"type": "root"}}, True),
        ({"userIdentity.type": "Root"}, True),  # a flat dotted key
        ({"userIdentity": {"type": "IAMUser"}, "userIdentity.type": "Root"}, True),
        ({"userIdentity": {"type": "Root"}, "userIdentity.type": "IAMUser"}, True),
        ({"userIdentity": [{"type": "IAMUser"}, {"type": "Root"}]}, True),
        ({"userIdentity": {"type": ["IAMUser", "ROOT"]}}, True),
        ({"userIdentity": {"type": "IAMUser"}}, False),
        ({"userIdentity": {"type": None}}, False),
        ({"userIdentity": {"type": {"name": "Root"}}}, False),
        ({"userIdentity": "Root"}, False),
        ({"userIdentity": None}, False),
        ({}, False),
    ],
)
def test_two_level_paths_match_like_the_general_walk(
    record: dict[str, Any], expected: bool
) -> None:
    # ``a.b`` paths take a two-lookup fast path; every shape the general walk handles
    # (lists, flat dotted keys, odd types) must give the same answer.
    assert ROOT_TYPE.matches(record) is expected
