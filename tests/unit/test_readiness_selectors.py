"""CloudTrail event selectors: operator truth tables, Kleene AND/OR, basic-to-advanced.

Semantics under test (CloudTrail API reference ``AdvancedFieldSelector``, ``PutEventSelectors``):
include operators OR their values, exclude operators remove matches, field selectors of one
selector are ANDed, selectors are ORed; unknown values give None (logged for some events).
"""

from __future__ import annotations

from typing import Any

import pytest

from sigmaq.readiness.selectors import (
    AdvancedSelector,
    BasicSelector,
    DataResource,
    EventProfile,
    FieldSelector,
    SelectorError,
    basic_to_advanced,
    evaluate_selectors,
    total_values,
)

F = FieldSelector

# (field selector, value, expected match)
FIELD_TRUTH_TABLE: list[tuple[FieldSelector, str, bool]] = [
    (F("eventName", equals=("Chat",)), "Chat", True),
    (F("eventName", equals=("Chat",)), "ChatSync", False),
    (F("eventName", equals=("Chat",)), "chat", False),  # case-sensitive
    (F("eventName", equals=("Chat", "ChatSync")), "ChatSync", True),
    (F("eventName", starts_with=("Delete",)), "DeleteObject", True),
    (F("eventName", starts_with=("Delete",)), "PutObject", False),
    (F("eventName", ends_with=("Object",)), "PutObject", True),
    (F("eventName", ends_with=("Object",)), "PutObjects", False),
    (F("eventName", not_equals=("GetObject",)), "GetObject", False),
    (F("eventName", not_equals=("GetObject",)), "PutObject", True),
    (F("eventName", not_starts_with=("Get", "Head")), "HeadObject", False),
    (F("eventName", not_starts_with=("Get", "Head")), "DeleteObject", True),
    (F("eventName", not_ends_with=("Acl",)), "PutObjectAcl", False),
    (F("eventName", not_ends_with=("Acl",)), "PutObject", True),
    # include and exclude in one field selector: some include matches, no exclude does
    (F("eventName", starts_with=("Delete",), not_equals=("DeleteObjects",)), "DeleteObject", True),
    (
        F("eventName", starts_with=("Delete",), not_equals=("DeleteObjects",)),
        "DeleteObjects",
        False,
    ),
    (F("eventName", starts_with=("Delete",), not_equals=("DeleteObjects",)), "PutObject", False),
    # several include operators are ORed
    (F("eventName", equals=("Chat",), starts_with=("Batch",)), "BatchPutDocument", True),
    (F("eventName", equals=("Chat",), starts_with=("Batch",)), "Chat", True),
    (F("eventName", equals=("Chat",), starts_with=("Batch",)), "ChatSync", False),
    # no wildcard: '*' is a literal character
    (F("eventName", equals=("*",)), "Chat", False),
    (F("eventName", starts_with=("",)), "anything", True),
]


@pytest.mark.parametrize(
    ("selector", "value", "expected"),
    FIELD_TRUTH_TABLE,
    ids=[f"{s.describe()}|{v}" for s, v, _ in FIELD_TRUTH_TABLE],
)
def test_field_selector_truth_table(selector: FieldSelector, value: str, expected: bool) -> None:
    assert selector.matches(value) is expected
    assert selector.evaluate(value) is expected
    assert selector.evaluate(None) is None  # an unknown value is never decided


PREFIX = "arn:aws:s3:::amzn-s3-demo-bucket/"
PREFIX_TABLE: list[tuple[FieldSelector, bool | None]] = [
    (F("resources.ARN", starts_with=(PREFIX,)), True),
    (F("resources.ARN", starts_with=("arn:aws:s3:::amzn-s3-demo-bucket",)), True),
    (F("resources.ARN", starts_with=(PREFIX + "logs/",)), None),
    (F("resources.ARN", starts_with=("arn:aws:s3:::other/",)), False),
    (F("resources.ARN", equals=(PREFIX + "key.json",)), None),
    (F("resources.ARN", equals=("arn:aws:s3:::other/key",)), False),
    (F("resources.ARN", ends_with=(".json",)), None),
    (F("resources.ARN", not_starts_with=(PREFIX,)), False),
    (F("resources.ARN", not_starts_with=("arn:aws:s3:::other/",)), True),
    (F("resources.ARN", not_starts_with=(PREFIX + "tmp/",)), None),
    (F("resources.ARN", not_equals=(PREFIX + "x",)), None),
    (F("resources.ARN", starts_with=(PREFIX,), not_starts_with=(PREFIX + "tmp/",)), None),
]


@pytest.mark.parametrize(("selector", "expected"), PREFIX_TABLE, ids=lambda x: str(x))
def test_field_selector_on_a_known_prefix(selector: FieldSelector, expected: bool | None) -> None:
    assert selector.evaluate_prefix(PREFIX) is expected


MGMT = F("eventCategory", equals=("Management",))
DATA = F("eventCategory", equals=("Data",))
WRITE = F("readOnly", equals=("false",))
ARN = F("resources.ARN", starts_with=("arn:aws:qbusiness:us-east-1:123456789012:application/a",))

# Kleene AND over the field selectors of one selector.
AND_TABLE: list[tuple[tuple[FieldSelector, ...], EventProfile, bool | None]] = [
    ((MGMT,), EventProfile("Management", "iam.amazonaws.com", "CreateUser", False), True),
    ((MGMT,), EventProfile("Data", resource_type="AWS::S3::Object"), False),
    ((MGMT, WRITE), EventProfile("Management", "iam.amazonaws.com", "CreateUser", False), True),
    ((MGMT, WRITE), EventProfile("Management", "iam.amazonaws.com", "GetUser", True), False),
    ((MGMT, WRITE), EventProfile("Management", "iam.amazonaws.com", None, None), None),
    ((DATA, ARN), EventProfile("Data", resource_type="AWS::QBusiness::Application"), None),
    ((MGMT, ARN), EventProfile("Data", resource_type="AWS::QBusiness::Application"), False),
]


@pytest.mark.parametrize(("fields", "event", "expected"), AND_TABLE)
def test_selector_is_an_and(
    fields: tuple[FieldSelector, ...], event: EventProfile, expected: bool | None
) -> None:
    verdict = AdvancedSelector("s", fields).evaluate(event)
    assert verdict.logged is expected
    assert bool(verdict.conditions) is (expected is None)


def _sel(logged: bool | None) -> AdvancedSelector:
    """A selector whose verdict on EVENT is ``logged``."""
    category = F("eventCategory", equals=("Management",) if logged is not False else ("Data",))
    extra = (F("userIdentity.arn", not_starts_with=("arn:aws:iam::111122223333:",)),)
    return AdvancedSelector(str(logged), (category, *(extra if logged is None else ())))


EVENT = EventProfile("Management", "iam.amazonaws.com", "CreateUser", False)


@pytest.mark.parametrize(
    ("verdicts", "expected"),
    [
        ((), False),
        ((False,), False),
        ((None,), None),
        ((True,), True),
        ((False, False), False),
        ((False, None), None),
        ((None, True), True),
        ((False, True), True),
        ((None, None, False), None),
    ],
)
def test_selectors_are_an_or(verdicts: tuple[bool | None, ...], expected: bool | None) -> None:
    for logged in verdicts:
        assert _sel(logged).evaluate(EVENT).logged is logged
    verdict = evaluate_selectors([_sel(v) for v in verdicts], EVENT)
    assert verdict.logged is expected
    if expected is None:
        assert verdict.conditions and all("userIdentity.arn" in c for c in verdict.conditions)


# Basic selector -> advanced (CloudTrail User Guide examples), as API JSON.
CONVERSIONS: list[tuple[BasicSelector, list[list[dict[str, Any]]]]] = [
    (BasicSelector(), [[{"Field": "eventCategory", "Equals": ["Management"]}]]),
    (
        BasicSelector("WriteOnly", exclude_management_event_sources=("kms.amazonaws.com",)),
        [
            [
                {"Field": "eventCategory", "Equals": ["Management"]},
                {"Field": "readOnly", "Equals": ["false"]},
                {"Field": "eventSource", "NotEquals": ["kms.amazonaws.com"]},
            ]
        ],
    ),
    (
        BasicSelector(
            "ReadOnly",
            False,
            (DataResource("AWS::S3::Object", ("arn:aws:s3:::b1/p", "arn:aws:s3:::b2/")),),
        ),
        [
            [
                {"Field": "eventCategory", "Equals": ["Data"]},
                {"Field": "resources.type", "Equals": ["AWS::S3::Object"]},
                {"Field": "readOnly", "Equals": ["true"]},
                {"Field": "resources.ARN", "StartsWith": ["arn:aws:s3:::b1/p", "arn:aws:s3:::b2/"]},
            ]
        ],
    ),
    (
        BasicSelector(
            "All",
            True,
            (
                DataResource("AWS::S3::Object", ("arn:aws:s3",)),
                DataResource(
                    "AWS::Lambda::Function",
                    ("arn:aws:lambda:us-east-1:123456789012:function:helloworld",),
                ),
            ),
        ),
        [
            [{"Field": "eventCategory", "Equals": ["Management"]}],
            [
                {"Field": "eventCategory", "Equals": ["Data"]},
                {"Field": "resources.type", "Equals": ["AWS::S3::Object"]},
            ],
            [
                {"Field": "eventCategory", "Equals": ["Data"]},
                {"Field": "resources.type", "Equals": ["AWS::Lambda::Function"]},
                {
                    "Field": "resources.ARN",
                    "Equals": ["arn:aws:lambda:us-east-1:123456789012:function:helloworld"],
                },
            ],
        ],
    ),
    (BasicSelector("All", False), []),
]


@pytest.mark.parametrize(("basic", "expected"), CONVERSIONS)
def test_basic_selector_converts_to_the_equivalent_advanced_form(
    basic: BasicSelector, expected: list[list[dict[str, Any]]]
) -> None:
    converted = basic.to_advanced()
    assert [s.to_json()["FieldSelectors"] for s in converted] == expected
    for selector in converted:
        assert selector.problems() == []
    # Equivalence on sample events: the basic semantics, restated by hand.
    samples = [
        EventProfile("Management", "iam.amazonaws.com", "CreateUser", False),
        EventProfile("Management", "iam.amazonaws.com", "GetUser", True),
        EventProfile("Management", "kms.amazonaws.com", "Decrypt", True),
        EventProfile("Management", "kms.amazonaws.com", "ScheduleKeyDeletion", False),
        EventProfile(
            "Data", "s3.amazonaws.com", "GetObject", True, "AWS::S3::Object", "arn:aws:s3:::b2/"
        ),
        EventProfile(
            "Data", "s3.amazonaws.com", "PutObject", False, "AWS::S3::Object", "arn:aws:s3:::b3/"
        ),
        EventProfile(
            "Data", "qbusiness.amazonaws.com", "Chat", False, "AWS::QBusiness::Application"
        ),
    ]
    for event in samples:
        got = evaluate_selectors(converted, event).logged
        assert got is _basic_logs(basic, event), (basic, event)


def _basic_logs(basic: BasicSelector, event: EventProfile) -> bool | None:
    rw_ok = (
        basic.read_write_type == "All"
        or (basic.read_write_type == "ReadOnly" and event.read_only is True)
        or (basic.read_write_type == "WriteOnly" and event.read_only is False)
    )
    if not rw_ok:
        return False
    if event.category == "Management":
        return (
            basic.include_management_events
            and event.event_source not in basic.exclude_management_event_sources
        )
    for resource in basic.data_resources:
        if resource.type != event.resource_type:
            continue
        if any(v in ("arn:aws:s3", "arn:aws:lambda") for v in resource.values):
            return True
        prefix = event.resource_arn_prefix or ""
        if any(prefix.startswith(v) for v in resource.values):
            return True
        return False if prefix else None
    return False


def test_parse_round_trips_and_rejects_malformed_selectors() -> None:
    raw = {
        "Name": "n",
        "FieldSelectors": [
            {"Field": "eventCategory", "Equals": ["Data"]},
            {"Field": "resources.type", "Equals": ["AWS::S3::Object"]},
            {"Field": "resources.ARN", "StartsWith": ["arn:aws:s3:::b/"], "NotEndsWith": [".tmp"]},
        ],
    }
    parsed = AdvancedSelector.from_json(raw)
    assert parsed.to_json() == raw
    assert total_values([parsed]) == 4
    for bad in (
        {"FieldSelectors": []},
        {"FieldSelectors": [{"Equals": ["Data"]}]},
        {"FieldSelectors": [{"Field": "eventName", "Contains": ["x"]}]},
        {"FieldSelectors": [{"Field": "eventName", "Equals": "Chat"}]},
        ["not", "an", "object"],
    ):
        with pytest.raises(SelectorError):
            AdvancedSelector.from_json(bad, "AdvancedEventSelectors[0]")
    with pytest.raises(SelectorError):
        BasicSelector.from_json({"ReadWriteType": "Sometimes"})


def test_problems_flag_what_the_api_rejects() -> None:
    assert AdvancedSelector("x", (F("eventName", equals=("Chat",)),)).problems()
    assert "a data-event selector needs resources.type" in AdvancedSelector("x", (DATA,)).problems()
    bad_operator = AdvancedSelector("x", (MGMT, F("readOnly", starts_with=("t",))))
    assert "readOnly accepts only Equals" in bad_operator.problems()
    assert basic_to_advanced([BasicSelector(), BasicSelector("ReadOnly")])[1].name.startswith(
        "Basic event selector 2"
    )
