"""Characters a query text must never carry raw, and regex text shared by exporters and models.

Every exported query is text in a line-oriented container (a ``savedsearches.conf``
line, a Logs Insights query whose ``#`` lines are comments, an ES|QL or EQL string
literal, which may not hold a raw line break: Elasticsearch ``EsqlBaseLexer.g4`` and
``EqlBase.g4``, rule ``STRING``). A rule value holding such a character is written with
an escape the target language defines, or the rule is refused naming the character.

``python_regex`` turns the PCRE/RE2 text sigmaq emits (``\\z``, ``\\x{HHHH}``) into
Python's ``re`` syntax for the models that run it.
"""

from __future__ import annotations

import re
import unicodedata

# Characters a query text must never carry raw: C0/C1 controls and Unicode line breaks
# (a savedsearches.conf value, a Logs Insights or SPL line, an ES|QL/EQL string end there).
_LINE_BREAKS = frozenset("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")


def is_unsafe_char(ch: str) -> bool:
    """True for a character that breaks a line or is a control character (U+0000-U+001F,
    U+007F-U+009F, U+2028, U+2029): never written raw into a query."""
    code = ord(ch)
    return ch in _LINE_BREAKS or code < 0x20 or 0x7F <= code <= 0x9F


def unsafe_chars(text: str) -> list[str]:
    """``U+XXXX NAME`` of each distinct unsafe character of ``text`` (see ``is_unsafe_char``)."""
    found = dict.fromkeys(ch for ch in text if is_unsafe_char(ch))
    return [f"U+{ord(ch):04X} {unicodedata.name(ch, 'control character')}" for ch in found]


def regex_escape(ch: str) -> str:
    """One unsafe character as a regex escape: ``\\xHH`` below U+0100 (PCRE, RE2, Java and
    Python agree), else ``\\x{HHHH}`` (PCRE, RE2, Java; ``python_regex`` for Python)."""
    code = ord(ch)
    return f"\\x{code:02X}" if code < 0x100 else f"\\x{{{code:04X}}}"


def pcre_literal(text: str) -> str:
    """``text`` as a regex literal: metacharacters backslash-escaped (``re.escape``), unsafe
    characters (``is_unsafe_char``) as ``regex_escape`` so that the pattern stays on one line."""
    return "".join(regex_escape(ch) if is_unsafe_char(ch) else re.escape(ch) for ch in text)


# PCRE's `$` (and Python's) also matches before a final newline: `$(?!\n)` is the end of
# the value in both. RE2 has no lookahead; its `$` (without `m`) and `\z` are the end.
PCRE_END = "$(?!\\n)"
RE2_END = "\\z"


# Lower-casing that is not one character to one character, context-free: U+0130 lowers to
# two characters in Python and Java (SpecialCasing.txt) but to one in engines using the
# simple mapping (DuckDB, utf8proc); U+03A3 lowers to final sigma at a word's end in Python.
def unstable_case_chars(text: str) -> list[str]:
    """``U+XXXX NAME`` of each character of ``text`` whose lower case differs between engines."""
    found = dict.fromkeys(ch for ch in text if len(ch.lower()) != 1 or ch == "\u03a3")
    return [f"U+{ord(ch):04X} {unicodedata.name(ch, '?')}" for ch in found]


def python_regex(pattern: str) -> str:
    """``pattern`` (PCRE or RE2 syntax) with ``\\z`` and ``\\x{HHHH}`` in Python ``re`` form
    (``\\Z`` and ``\\uHHHH``/``\\UHHHHHHHH``); everything else unchanged."""
    out: list[str] = []
    index = 0
    while index < len(pattern):
        ch = pattern[index]
        if ch != "\\" or index + 1 >= len(pattern):
            out.append(ch)
            index += 1
            continue
        following = pattern[index + 1]
        if following == "z":
            out.append("\\Z")
            index += 2
            continue
        if following == "x" and pattern.startswith("{", index + 2):
            close = pattern.index("}", index + 3)
            code = int(pattern[index + 3 : close], 16)
            out.append(f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}")
            index = close + 1
            continue
        out.append(pattern[index : index + 2])
        index += 2
    return "".join(out)
