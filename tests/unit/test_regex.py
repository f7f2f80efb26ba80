"""``|re`` through RE2: Python's meaning, linear time, clear refusals."""

from __future__ import annotations

import re
import signal
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sigmaq.replay.regex import RegexRefused, compile_search

PATTERNS = [
    ("ab+c", 0),
    ("^abc$", 0),
    ("^b$", 0),
    ("^b$", re.M),
    ("a.b", 0),
    ("a.b", re.S),
    ("^send(message|event)$", re.I),
    ("Sync$|^role", 0),
    ("^3\\d$", 0),
    ("\\d+", 0),
    ("\\D", 0),
    ("\\s", 0),
    ("\\S+x", 0),
    ("\\w+@\\w+", 0),
    ("[\\w.-]+", 0),
    ("[^\\s]", 0),
    ("[a-f0-9]{8}-[a-f0-9]{4}", re.I),
    ("(?i)chat", 0),
    ("x(?i:ab)y", 0),
    ("a{2,3}?b", 0),
    ("colou?r", 0),
    ("\\Aab", 0),
    ("ab\\Z", 0),
    ("(a|b)*c$", 0),
    ("[^a]", 0),
    ("é+", re.I),
    ("\\.", 0),
    ("[$]", 0),
]
TEXTS = [
    "",
    "abc",
    "xabbcx",
    "abc\n",
    "a\nb\nc",
    "a\nb",
    "SendEvent",
    "roleSync",
    "30",
    "3٣",  # ARABIC-INDIC DIGIT THREE: \d in Python str patterns
    "٣٤",
    "a\u00a0b",  # no-break space: \s in Python
    "\u2003x",
    "naïve@exämple",
    "ÉÉ",
    "DEADBEEF-1234",
    "xABy",
    "xaBy",
    "aab",
    "color colour",
    "ab\n",
    "abab c\n",
    "$",
    "a.b",
]


@pytest.mark.parametrize(("pattern", "flags"), PATTERNS, ids=[p for p, _ in PATTERNS])
def test_re2_finds_what_python_re_finds(pattern: str, flags: int) -> None:
    search = compile_search(pattern, flags)
    for text in TEXTS:
        assert search(text) == (re.search(pattern, text, flags) is not None), repr(text)


@settings(max_examples=300, derandomize=True, deadline=None)
@given(
    st.sampled_from(PATTERNS),
    st.text(alphabet=st.sampled_from("abcdeABé3٣ \n\u00a0_.-@$xyz"), max_size=12),
)
def test_re2_agrees_on_generated_text(case: tuple[str, int], text: str) -> None:
    pattern, flags = case
    assert compile_search(pattern, flags)(text) == (re.search(pattern, text, flags) is not None)


@pytest.mark.parametrize(
    ("pattern", "names"),
    [
        ("(a)\\1", "groupref"),
        ("a(?=b)", "assert"),
        ("(?<!x)a", "assert not"),
        ("\\bword", "\\b"),
        ("a$b", "'$' followed"),
        ("(?>a+)b", "atomic"),
        ("a*+b", "possessive"),
        ("(?a)\\w", "a/L flags"),
        ("a{1001}", "repeat count"),
        ("(a)?(?(1)b|c)", "groupref exists"),
    ],
)
def test_constructs_without_an_re2_meaning_are_refused(pattern: str, names: str) -> None:
    with pytest.raises(RegexRefused) as caught:
        compile_search(pattern)
    assert names in caught.value.message
    assert pattern in caught.value.message


@pytest.fixture
def alarm() -> Iterator[None]:
    """Fail (instead of hanging the suite) if a match runs past 20 s."""

    def expired(_signum: int, _frame: object) -> None:
        raise TimeoutError("the match stalled")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(20)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def test_a_catastrophic_pattern_on_a_long_value_cannot_stall(alarm: None) -> None:
    # Python's re needs about 2**n steps for (a+)+$ on n a's followed by a b: with
    # n = 40 it would run for hours. RE2 answers in time linear in the text.
    search = compile_search("(a+)+$")
    assert search("a" * 200_000 + "b") is False
    assert search("a" * 200_000) is True
    nested = compile_search("^(([a-z])+.)+[A-Z]([a-z])+$")
    assert nested("a" * 100_000 + "!") is False
