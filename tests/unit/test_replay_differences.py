"""Documented semantic differences between replay and pySigma's SQLite backend.

Each test pins one difference listed in docs/replay-semantics.md by asserting what both
engines return, so a change on either side shows up here.
"""

from __future__ import annotations

from typing import Any

import pytest
from sigma.backends.sqlite import sqliteBackend
from sigma.collection import SigmaCollection
from sigma.exceptions import SigmaFeatureNotSupportedByBackendError
from sqlite_oracle import HEADER, replay_matches, sqlite_matches


def both(detection: str, records: list[dict[str, Any]]) -> tuple[set[int], set[int]]:
    text = HEADER + "detection:\n" + "\n".join("  " + line for line in detection.splitlines())
    text += "\n  condition: sel\n"
    return replay_matches(text, records), sqlite_matches(text, records)


def test_difference_exists_on_json_null() -> None:
    """Replay: the key exists (Sigma: presence, not value). SQL: NULL is NULL."""
    ours, oracle = both("sel:\n  errorCode|exists: true", [{"errorCode": None}, {}])
    assert (ours, oracle) == ({0}, set())


def test_difference_cidr_on_ipv4_looking_non_addresses() -> None:
    """Replay parses the address; SQL's LIKE prefix accepts any text with the prefix."""
    records = [{"sourceIPAddress": "10.1.2.300"}, {"sourceIPAddress": "010.1.2.3"}]
    ours, oracle = both("sel:\n  sourceIPAddress|cidr: 10.0.0.0/8", records)
    assert (ours, oracle) == (set(), {0})


def test_difference_ipv6_cidr_spelling_and_zero_groups() -> None:
    """SQL compares IPv6 text prefixes: other spellings miss, zero groups over-match."""
    records = [{"sourceIPAddress": "2001:0db8::1"}, {"sourceIPAddress": "2001:db8:1::1"}]
    ours, oracle = both("sel:\n  sourceIPAddress|cidr: '2001:db8:0::/48'", records)
    assert (ours, oracle) == ({0}, {1})


def test_difference_numbers_in_other_spellings() -> None:
    """Replay compares numbers numerically; a TEXT column compares their text."""
    records = [{"eventName": "030"}, {"eventName": "3e1"}, {"eventName": 30.0}, {"eventName": 30}]
    ours, oracle = both("sel:\n  eventName: 30", records)
    assert (ours, oracle) == ({0, 1, 2, 3}, {3})


def test_difference_boolean_rule_vs_numeric_one() -> None:
    """The backend also accepts 1 for true (tables may store booleans as 0/1); replay does not."""
    ours, oracle = both("sel:\n  readOnly: true", [{"readOnly": 1}, {"readOnly": "1"}])
    assert (ours, oracle) == (set(), {0, 1})


def test_difference_non_ascii_case_folding() -> None:
    """Replay lower-cases Unicode; SQLite NOCASE and LIKE fold ASCII letters only."""
    ours, oracle = both("sel:\n  eventName: ÄRGER", [{"eventName": "ärger"}])
    assert (ours, oracle) == ({0}, set())


def test_difference_comparison_on_non_numeric_text() -> None:
    """SQLite orders any text above any number, so 'abc' > 5; replay: not a number, no match."""
    ours, oracle = both("sel:\n  count|gt: 5", [{"count": "abc"}, {"count": 6}])
    assert (ours, oracle) == ({1}, {0, 1})


def test_difference_week_numbering() -> None:
    """Replay uses the ISO week (1-53); the backend uses SQLite's %W (Monday weeks, 0-53)."""
    records = [{"eventTime": "2023-01-01T00:00:00Z"}]
    ours, oracle = both("sel:\n  eventTime|week: 52", records)
    assert (ours, oracle) == ({0}, set())
    ours, oracle = both("sel:\n  eventTime|week: 0", records)
    assert (ours, oracle) == (set(), {0})


def test_difference_float_text() -> None:
    """A float's text: replay uses Python repr ('1e+20'), SQLite its own ('1.0e+20')."""
    ours, oracle = both("sel:\n  eventName: '1e+20'", [{"eventName": 1e20}])
    assert (ours, oracle) == ({0}, set())


def test_difference_keywords_are_refused_by_the_backend() -> None:
    text = HEADER + "detection:\n  keywords:\n    - evil\n  condition: keywords\n"
    with pytest.raises(SigmaFeatureNotSupportedByBackendError):
        sqliteBackend().convert(SigmaCollection.from_yaml(text))
    assert replay_matches(text, [{"a": {"b": "so evil"}}, {"a": "good"}]) == {0}


def test_difference_field_name_case() -> None:
    """Replay field names are case-sensitive (JSON keys); SQLite column names are not."""
    text = HEADER + "detection:\n  sel:\n    eventname: Chat\n  condition: sel\n"
    records = [{"eventName": "Chat"}]
    assert replay_matches(text, records) == set()
    assert sqlite_matches(text, records) == {0}
