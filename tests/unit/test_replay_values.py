"""Truth tables for value matching, per modifier and per edge case.

Every row compiles a real rule with ``SigmaCollection.from_yaml`` and matches one
record, so the whole path (pySigma modifiers -> typed values -> replay) is covered.
The semantics are documented in docs/replay-semantics.md.
"""

from __future__ import annotations

import textwrap
from base64 import b64encode
from typing import Any

import pytest
from sigma.collection import SigmaCollection

from sigmaq.core.errors import ReplayError
from sigmaq.replay import CompiledRule, compile_rule
from sigmaq.replay.values import parse_number, scalar_text

MISSING = object()


def compiled(detection: str, **kwargs: Any) -> CompiledRule:
    """Compile a rule whose ``detection:`` block is ``detection`` (YAML, dedented)."""
    body = textwrap.indent(textwrap.dedent(detection).strip("\n"), "    ")
    text = (
        "title: Replay truth table\n"
        "id: 5b0a2f0e-1c55-4d0f-9a51-3e1f2f6b7a10\n"
        "logsource:\n  product: aws\n  service: cloudtrail\n"
        f"detection:\n{body}\n"
    )
    return compile_rule(SigmaCollection.from_yaml(text).rules[0], **kwargs)


def check(detection: str, value: Any, expected: bool, field: str = "f", **kwargs: Any) -> None:
    rule = compiled(detection, **kwargs)
    record: dict[str, Any] = {"other": "x"}
    if value is not MISSING:
        record[field] = value
    assert rule.matches(record) is expected, (detection, value)


def sel(item: str) -> str:
    return f"sel:\n  {item}\ncondition: sel\n"


# --- strings: case, wildcards, escaping -------------------------------------------------------

STRING_CASES = [
    # plain equality is case-insensitive and whole-value
    ("f: SendMessage", "SendMessage", True),
    ("f: SendMessage", "sendmessage", True),
    ("f: SendMessage", "SENDMESSAGE", True),
    ("f: SendMessage", "SendMessages", False),
    ("f: SendMessage", " SendMessage", False),
    ("f: SendMessage", MISSING, False),
    ("f: SendMessage", None, False),
    ("f: SendMessage", {"SendMessage": 1}, False),
    ("f: SendMessage", ["x", "sendMessage"], True),  # any element of a list
    ("f: SendMessage", [], False),
    # * and ? wildcards
    ("f: Send*", "SendMessage", True),
    ("f: Send*", "send", True),
    ("f: Send*", "xSend", False),
    ("f: '*Message'", "sendmessage", True),
    ("f: 'S*d*e'", "SendMessage", True),
    ("f: 'S*d*e'", "SendMessages", False),
    ("f: S?nd", "Send", True),
    ("f: S?nd", "Snd", False),
    ("f: S?nd", "Seend", False),
    ("f: a*b", "a\nb", True),  # a wildcard matches newlines too
    ("f: '*'", "", True),
    ("f: '*'", None, False),
    ("f: '*'", MISSING, False),
    ("f: '*'", {"k": "v"}, False),
    # regex metacharacters in a Sigma string are literal
    ("f: a.b", "axb", False),
    ("f: a.b", "A.B", True),
    ("f: '(x)+'", "(x)+", True),
    # escaped wildcards are literal characters
    ("f: 'a\\*b'", "a*b", True),
    ("f: 'a\\*b'", "axxb", False),
    ("f: 'a\\?b'", "a?b", True),
    ("f: 'a\\?b'", "axb", False),
    # an escaped backslash before a wildcard: literal backslash, then the wildcard
    ("f: 'C:\\\\*'", "C:\\Windows", True),
    ("f: 'C:\\\\*'", "C:Windows", False),
    # a backslash before an ordinary character, or trailing, stays a literal backslash
    ("f: 'C:\\Users'", "c:\\users", True),
    ("f: 'C:\\'", "C:\\", True),
    ("f: 'C:\\'", "C:", False),
    # empty string matches only the empty string
    ("f: ''", "", True),
    ("f: ''", " ", False),
    ("f: ''", None, False),
    ("f: ''", MISSING, False),
    # non-string record values are compared through their JSON text
    ("f: 'true'", True, True),
    ("f: 'TRUE'", True, True),
    ("f: 'false'", True, False),
    ("f: '30'", 30, True),
    ("f: '3*'", 30, True),
    ("f: '30'", 30.0, False),  # JSON 30.0 reads back as the float 30.0, text "30.0"
    ("f: '1.5'", 1.5, True),
    # Unicode case folding (str.lower on both sides)
    ("f: ÄRGER", "ärger", True),
    # modifiers
    ("f|contains: Message", "xxMESSAGExx", True),
    ("f|contains: Message", "Mess", False),
    ("f|startswith: Send", "sendmessage", True),
    ("f|startswith: Send", "xsend", False),
    ("f|endswith: Message", "SendMESSAGE", True),
    ("f|endswith: Message", "Messages", False),
    ("f|contains: 'a*b'", "xxaZZbxx", True),
    ("f|contains: 'a\\*b'", "xxa*bxx", True),
    ("f|contains: 'a\\*b'", "xxaZbxx", False),
    ("f|contains: ''", "anything", True),
    ("f|contains: ''", None, False),
    # |cased
    ("f|cased: SendMessage", "SendMessage", True),
    ("f|cased: SendMessage", "sendmessage", False),
    ("f|contains|cased: Msg", "xMsgx", True),
    ("f|contains|cased: Msg", "xmsgx", False),
    ("f|startswith|cased: Se*d", "SeXXd-more", True),
    ("f|startswith|cased: Se*d", "seXXd-more", False),
    ("f|cased: 'TRUE'", True, False),  # JSON true reads as "true"
]


@pytest.mark.parametrize(("item", "value", "expected"), STRING_CASES)
def test_strings(item: str, value: Any, expected: bool) -> None:
    check(sel(item), value, expected)


# --- numbers and booleans ---------------------------------------------------------------------

NUMBER_CASES = [
    ("f: 30", 30, True),
    ("f: 30", 30.0, True),
    ("f: 30", "30", True),
    ("f: 30", "030", True),
    ("f: 30", "3e1", True),
    ("f: 30", "+30", True),
    ("f: 30", " 30", False),
    ("f: 30", "30x", False),
    ("f: 30", "0x1e", False),
    ("f: 30", "3_0", False),
    ("f: 30", 31, False),
    ("f: 30", None, False),
    ("f: 30", MISSING, False),
    ("f: 1", True, False),  # booleans are not numbers
    ("f: 0", False, False),
    ("f: 1.5", "1.50", True),
    ("f: 1.5", 1.5, True),
    ("f: -2", "-2", True),
    ("f: 123456789012", "123456789012", True),
    ("f: 123456789012", 123456789012, True),
    ("f: 30", [1, "30"], True),
    ("f: 30", {"v": 30}, False),
]


@pytest.mark.parametrize(("item", "value", "expected"), NUMBER_CASES)
def test_numbers(item: str, value: Any, expected: bool) -> None:
    check(sel(item), value, expected)


BOOL_CASES = [
    ("f: true", True, True),
    ("f: true", "true", True),
    ("f: true", "True", True),
    ("f: true", "TRUE", True),
    ("f: true", False, False),
    ("f: true", 1, False),
    ("f: true", "1", False),
    ("f: true", "yes", False),
    ("f: true", None, False),
    ("f: true", MISSING, False),
    ("f: false", False, True),
    ("f: false", "False", True),
    ("f: false", 0, False),
    ("f: false", "", False),
    ("f: false", None, False),
]


@pytest.mark.parametrize(("item", "value", "expected"), BOOL_CASES)
def test_booleans(item: str, value: Any, expected: bool) -> None:
    check(sel(item), value, expected)


# --- null, exists -----------------------------------------------------------------------------

NULL_EXISTS_CASES = [
    ("f: null", MISSING, True),
    ("f: null", None, True),
    ("f: null", "", False),
    ("f: null", "null", False),
    ("f: null", 0, False),
    ("f: null", [], True),  # an empty list holds no value
    ("f: null", [None, "x"], True),
    ("f: null", ["x"], False),
    ("f: null", {}, False),
    ("f|exists: true", "x", True),
    ("f|exists: true", "", True),
    ("f|exists: true", None, True),  # the key exists; its value does not matter
    ("f|exists: true", [], True),
    ("f|exists: true", MISSING, False),
    ("f|exists: false", MISSING, True),
    ("f|exists: false", None, False),
    ("f|exists: false", "x", False),
]


@pytest.mark.parametrize(("item", "value", "expected"), NULL_EXISTS_CASES)
def test_null_and_exists(item: str, value: Any, expected: bool) -> None:
    check(sel(item), value, expected)


def test_null_on_a_nested_path_through_a_null_object() -> None:
    rule = compiled(sel("requestParameters.name: null"))
    assert rule.matches({"requestParameters": None}) is True
    assert rule.matches({"requestParameters": {"name": None}}) is True
    assert rule.matches({"requestParameters": {"name": "n"}}) is False


# --- lists of objects on the path (resources[].ARN) -------------------------------------------

RESOURCES = [
    {"accountId": "123456789012", "type": "AWS::QBusiness::Application", "ARN": "arn:app"},
    {"accountId": "444455556666", "type": "AWS::QBusiness::Index", "ARN": "arn:idx"},
]


@pytest.mark.parametrize(
    ("item", "expected"),
    [
        ("resources.ARN: arn:idx", True),
        ("resources.ARN|startswith: 'arn:'", True),
        ("resources.type: AWS::QApps::QApp", False),
        ("resources.accountId|neq: 123456789012", False),  # NOT(any element equals)
        ("resources.accountId|neq: 111122223333", True),
        ("resources.ARN|exists: true", True),
        ("resources.missing|exists: true", False),
        ("resources.missing: null", True),
        ("resources.ARN: null", False),
        ("resources.ARN|all: [arn:app, arn:idx]", True),  # each value, any element
    ],
)
def test_lists_of_objects(item: str, expected: bool) -> None:
    assert compiled(sel(item)).matches({"resources": RESOURCES}) is expected


def test_two_conditions_on_one_list_are_not_scoped_to_one_element() -> None:
    """Documented choice: any element per condition, not the same element for both."""
    rule = compiled(
        """
        sel:
          resources.accountId: '444455556666'
          resources.type: AWS::QBusiness::Application
        condition: sel
        """
    )
    assert rule.matches({"resources": RESOURCES}) is True


# --- |re --------------------------------------------------------------------------------------

RE_CASES = [
    ("f|re: 'ab+c'", "xxabbcxx", True),  # search, not full match
    ("f|re: 'ab+c'", "xxABBCxx", False),  # case-sensitive by default
    ("f|re|i: 'ab+c'", "xxABBCxx", True),
    ("f|re: '^abc$'", "abc", True),
    ("f|re: '^abc$'", "xabc", False),
    ("f|re: '^b$'", "a\nb\nc", False),
    ("f|re|m: '^b$'", "a\nb\nc", True),
    ("f|re: 'a.b'", "a\nb", False),
    ("f|re|s: 'a.b'", "a\nb", True),
    ("f|re: '^3\\d$'", 30, True),  # numbers through their JSON text
    ("f|re: '^true$'", True, True),
    ("f|re: '.*'", None, False),
    ("f|re: '.*'", MISSING, False),
    ("f|re: '.*'", {"a": "b"}, False),
    ("f|re|i: '^send(message|event)$'", "SendEvent", True),
]


@pytest.mark.parametrize(("item", "value", "expected"), RE_CASES)
def test_regular_expressions(item: str, value: Any, expected: bool) -> None:
    check(sel(item), value, expected)


# --- |cidr ------------------------------------------------------------------------------------

CIDR_CASES = [
    ("192.0.2.0/24", "192.0.2.55", True),
    ("192.0.2.0/24", "192.0.3.1", False),
    ("192.0.2.0/24", "q.amazonaws.com", False),
    ("192.0.2.0/24", "AWS Internal", False),
    ("192.0.2.0/24", "redacted", False),
    ("192.0.2.0/24", "", False),
    ("192.0.2.0/24", "192.0.2.300", False),
    ("192.0.2.0/24", "192.0.2.5 ", False),
    ("192.0.2.0/24", 3221225989, False),  # a number is not an address
    ("192.0.2.0/24", None, False),
    ("192.0.2.0/24", MISSING, False),
    ("192.0.2.0/24", ["q.amazonaws.com", "192.0.2.9"], True),
    # IPv4 with leading zeros is not an address (Python ipaddress, strict)
    ("35.0.0.0/8", "035.249.253.232", False),
    ("35.0.0.0/8", "35.249.253.232", True),
    # non-octet prefixes are exact
    ("10.0.0.0/12", "10.15.255.255", True),
    ("10.0.0.0/12", "10.16.0.0", False),
    ("203.0.113.7/32", "203.0.113.7", True),
    ("203.0.113.7/32", "203.0.113.70", False),
    # IPv6, any spelling of the address
    ("2001:db8::/32", "2001:db8::1", True),
    ("2001:db8::/32", "2001:0DB8:0000::1", True),
    ("2001:db8::/32", "2001:db9::1", False),
    ("2001:db8::/32", "192.0.2.1", False),
    ("2001:db8:0::/48", "2001:db8:1::1", False),
    # an IPv4-mapped IPv6 address is not in an IPv4 network (versions differ)
    ("192.0.2.0/24", "::ffff:192.0.2.1", False),
]


@pytest.mark.parametrize(("network", "value", "expected"), CIDR_CASES)
def test_cidr(network: str, value: Any, expected: bool) -> None:
    check(sel(f"sourceIPAddress|cidr: '{network}'"), value, expected, field="sourceIPAddress")


def test_cidr_list_is_any_network() -> None:
    rule = compiled(sel("ip|cidr: ['192.0.2.0/24', '2001:db8::/32']"))
    assert [rule.matches({"ip": v}) for v in ("192.0.2.1", "2001:db8::5", "198.51.100.1")] == [
        True,
        True,
        False,
    ]


# --- numeric comparisons ----------------------------------------------------------------------

COMPARE_CASES = [
    ("f|gt: 5", 6, True),
    ("f|gt: 5", 5, False),
    ("f|gt: 5", 5.5, True),
    ("f|gt: 5", "6", True),
    ("f|gt: 5", "10", True),  # numeric, not lexicographic
    ("f|gt: 5", "abc", False),
    ("f|gt: 5", "", False),
    ("f|gt: 5", None, False),
    ("f|gt: 5", MISSING, False),
    ("f|gt: 0", True, False),
    ("f|gte: 5", 5, True),
    ("f|gte: 5", 4, False),
    ("f|lt: 5", 4, True),
    ("f|lt: 5", 5, False),
    ("f|lt: 5", -1, True),
    ("f|lte: 5", "5.0", True),
    ("f|lte: 5", 6, False),
    ("f|gt: 1.5", 2, True),
    ("f|gt: 5", [1, 9], True),
]


@pytest.mark.parametrize(("item", "value", "expected"), COMPARE_CASES)
def test_numeric_comparisons(item: str, value: Any, expected: bool) -> None:
    check(sel(item), value, expected)


# --- neq --------------------------------------------------------------------------------------

NEQ_CASES = [
    ("f|neq: Root", "IAMUser", True),
    ("f|neq: Root", "root", False),  # case-insensitive like any string
    ("f|neq: Root", MISSING, True),  # a NOT: an absent field is "not equal"
    ("f|neq: Root", None, True),
    ("f|neq: [Root, IAMUser]", "IAMUser", False),
    ("f|neq: [Root, IAMUser]", "AssumedRole", True),
    ("f|neq: 5", 5, False),
    ("f|neq: 5", "6", True),
    ("f|contains|neq: adm", "xADMx", False),
    ("f|contains|neq: adm", "user", True),
]


@pytest.mark.parametrize(("item", "value", "expected"), NEQ_CASES)
def test_neq(item: str, value: Any, expected: bool) -> None:
    check(sel(item), value, expected)


# --- fieldref ---------------------------------------------------------------------------------

FIELDREF_CASES: list[tuple[str, dict[str, Any], bool]] = [
    ("a|fieldref: b", {"a": "Alice", "b": "alice"}, True),
    ("a|fieldref: b", {"a": "alice", "b": "bob"}, False),
    ("a|fieldref: b", {"a": "alice"}, False),
    ("a|fieldref: b", {}, False),
    ("a|fieldref: b", {"a": None, "b": None}, False),
    ("a|fieldref: b", {"a": "", "b": ""}, True),
    ("a|fieldref: b", {"a": 30, "b": "30"}, True),
    ("a|fieldref: b", {"a": ["x", "y"], "b": "Y"}, True),
    ("a|fieldref: b.c", {"a": "v", "b": {"c": "V"}}, True),
    ("a|fieldref|contains: b", {"a": "xxALICExx", "b": "alice"}, True),
    ("a|fieldref|contains: b", {"a": "xxalixx", "b": "alice"}, False),
    ("a|fieldref|startswith: b", {"a": "alice-admin", "b": "Alice"}, True),
    ("a|fieldref|startswith: b", {"a": "x-alice", "b": "alice"}, False),
    ("a|fieldref|endswith: b", {"a": "x-alice", "b": "ALICE"}, True),
    ("a|fieldref|endswith: b", {"a": "alice-x", "b": "alice"}, False),
    ("a|fieldref|contains: b", {"a": "100%", "b": "%"}, True),  # no wildcard meaning
    ("a|fieldref|contains: b", {"a": "abc", "b": "%"}, False),
    ("a|fieldref|neq: b", {"a": "x", "b": "y"}, True),
    ("a|fieldref|neq: b", {"a": "x", "b": "X"}, False),
    ("a|fieldref|neq: b", {"a": "x"}, True),
]


@pytest.mark.parametrize(("item", "record", "expected"), FIELDREF_CASES)
def test_fieldref(item: str, record: dict[str, Any], expected: bool) -> None:
    assert compiled(sel(item)).matches(record) is expected


# --- |all, value lists ------------------------------------------------------------------------

ALL_CASES = [
    ("f|contains|all: [adm, usr]", "x-ADM-usr", True),
    ("f|contains|all: [adm, usr]", "x-adm", False),
    ("f|contains: [adm, usr]", "x-adm", True),
    ("f: [a, b, c]", "B", True),
    ("f: [a, b, c]", "d", False),
    ("f: [a, 5, true]", 5, True),
    ("f: [a, 5, true]", True, True),
    ("f: [a, 5, true]", "5", True),
    ("f|all: [a, b]", ["A", "b"], True),  # each value matched by some element
    ("f|all: [a, b]", ["a"], False),
]


@pytest.mark.parametrize(("item", "value", "expected"), ALL_CASES)
def test_all_and_value_lists(item: str, value: Any, expected: bool) -> None:
    check(sel(item), value, expected)


# --- |expand placeholders ---------------------------------------------------------------------


def test_expand_substitutes_placeholder_values_as_alternatives() -> None:
    rule = compiled(
        sel("userIdentity.userName|expand: '%Administrators%'"),
        placeholders={"Administrators": ["alice", "ops-*"]},
    )
    names = ["Alice", "ops-bob", "carol", "ops"]
    assert [rule.matches({"userIdentity": {"userName": n}}) for n in names] == [
        True,
        True,
        False,
        False,
    ]


def test_expand_inside_a_longer_value_and_with_cased() -> None:
    rule = compiled(
        sel("f|expand|cased: 'arn:%Partition%:iam'"), placeholders={"Partition": ["aws"]}
    )
    assert rule.matches({"f": "arn:aws:iam"}) is True
    assert rule.matches({"f": "ARN:aws:iam"}) is False


def test_expand_with_all_keeps_placeholder_alternatives_or_linked() -> None:
    """Documented choice: a placeholder's values are alternatives even under |all."""
    rule = compiled(sel("f|contains|all|expand: ['%X%', 'tail']"), placeholders={"X": ["a1", "b2"]})
    assert rule.matches({"f": "b2-tail"}) is True
    assert rule.matches({"f": "a1-b2"}) is False


def test_expand_in_a_regular_expression() -> None:
    rule = compiled(sel("f|re|expand: '^%Prefix%-[0-9]+$'"), placeholders={"Prefix": ["srv"]})
    assert rule.matches({"f": "srv-42"}) is True
    assert rule.matches({"f": "srv-x"}) is False


@pytest.mark.parametrize("placeholders", [None, {}, {"Administrators": []}, {"Other": ["x"]}])
def test_expand_without_values_is_an_error(placeholders: dict[str, list[str]] | None) -> None:
    with pytest.raises(ReplayError) as info:
        compiled(sel("f|expand: '%Administrators%'"), placeholders=placeholders)
    assert "%Administrators%" in info.value.message
    assert info.value.rule_id == "5b0a2f0e-1c55-4d0f-9a51-3e1f2f6b7a10"


def test_percent_without_expand_is_literal() -> None:
    rule = compiled(sel("f: '%Administrators%'"))
    assert rule.matches({"f": "%administrators%"}) is True
    assert rule.matches({"f": "alice"}) is False


# --- encoding modifiers (pySigma expands them into plain strings) -----------------------------


def b64(s: bytes) -> str:
    return b64encode(s).decode()


ENCODING_CASES = [
    ("f|base64: 'hello'", b64(b"hello"), True),
    ("f|base64: 'hello'", "hello", False),
    ("f|base64|contains: 'hello'", "xx" + b64(b"hello") + "yy", True),
    ("f|base64offset|contains: 'hello'", b64(b"hello world"), True),
    ("f|base64offset|contains: 'hello'", b64(b"x hello world"), True),
    ("f|base64offset|contains: 'hello'", b64(b"xy hello world"), True),
    ("f|base64offset|contains: 'hello'", b64(b"goodbye"), False),
    ("f|wide|contains: 'cmd'", "x c\x00m\x00d\x00 y", True),
    ("f|wide|contains: 'cmd'", "cmd", False),
    ("f|utf16be|contains: 'cmd'", "\x00c\x00m\x00d", True),
    ("f|utf16|contains: 'cmd'", "\ufeffc\x00m\x00d\x00", True),
    ("f|windash|contains: ' -force'", "run /force", True),
    ("f|windash|contains: ' -force'", "run \u2013force", True),
    ("f|windash|contains: ' -force'", "run -force", True),
    ("f|windash|contains: ' -force'", "run +force", False),
]


@pytest.mark.parametrize(("item", "value", "expected"), ENCODING_CASES)
def test_encoding_modifiers(item: str, value: Any, expected: bool) -> None:
    check(sel(item), value, expected)


# --- timestamp parts --------------------------------------------------------------------------

TIME_CASES = [
    ("eventTime|hour: 13", "2024-05-01T13:45:10Z", True),
    ("eventTime|hour: 13", "2024-05-01T14:45:10Z", False),
    ("eventTime|hour: 13", "2024-05-01T15:45:10+02:00", True),  # converted to UTC
    ("eventTime|hour: 13", "2024-05-01T13:45:10", True),  # naive: read as UTC
    ("eventTime|hour: 0", "2024-05-01", True),
    ("eventTime|minute: 45", "2024-05-01T13:45:10.123Z", True),
    ("eventTime|day: 1", "2024-05-01T13:45:10Z", True),
    ("eventTime|month: 5", "2024-05-01T13:45:10Z", True),
    ("eventTime|year: 2024", "2024-05-01T13:45:10Z", True),
    ("eventTime|week: 18", "2024-05-01T13:45:10Z", True),  # ISO week
    ("eventTime|week: 52", "2023-01-01T00:00:00Z", True),  # ISO week of 2022
    ("eventTime|hour: 13", "not a date", False),
    ("eventTime|hour: 13", 1714571110, False),  # epoch numbers are not read
    ("eventTime|hour: 13", None, False),
    ("eventTime|hour: 13", MISSING, False),
    ("eventTime|hour|gte: 12", "2024-05-01T13:45:10Z", True),
    ("eventTime|hour|lt: 12", "2024-05-01T13:45:10Z", False),
]


@pytest.mark.parametrize(("item", "value", "expected"), TIME_CASES)
def test_timestamp_parts(item: str, value: Any, expected: bool) -> None:
    check(sel(item), value, expected, field="eventTime")


# --- helpers ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        *[("30", 30), ("-2", -2), ("1.5", 1.5), ("3e1", 30.0), (".5", 0.5), ("1e999", None)],
        *[(" 1", None), ("nan", None), ("inf", None), ("", None), (True, None), (None, None)],
        *[(7, 7), (2.5, 2.5), ("0x10", None), ("9" * 5000, None), ("1" + "0" * 300, 10**300)],
    ],
)
def test_parse_number(value: Any, expected: Any) -> None:
    assert parse_number(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        *[("x", "x"), (True, "true"), (False, "false"), (30, "30"), (1.5, "1.5")],
        *[(30.0, "30.0"), (None, None), ({}, None), ([], None)],
    ],
)
def test_scalar_text(value: Any, expected: str | None) -> None:
    assert scalar_text(value) == expected
