"""``|re`` patterns run by RE2 (linear time), with Python ``re``'s meaning.

A Sigma ``|re`` value is a regular expression searched in a field's text (Sigma
modifiers appendix). Python's ``re`` backtracks: ``(a+)+$`` on a long run of ``a``
takes exponential time, so one rule could stall a hunt over attacker-written values.
RE2 (google-re2) answers in time linear in the text, but some of its constructs mean
something else than Python's (``\\d``, ``\\w``, ``\\s`` and ``\\b`` are ASCII-only in
RE2 and Unicode in Python; ``$`` without ``m`` also matches before a final newline in
Python only) and it lacks backreferences and lookaround.

So a pattern is parsed with Python's own parser (``re._parser``, the one ``re.compile``
uses) and re-emitted in RE2 syntax node by node, each node with Python's meaning:
``\\d`` becomes ``\\p{Nd}`` (what ``str`` patterns use), ``\\s`` and ``\\w`` the exact
sets of code points ``str.isspace`` / ``str.isalnum`` (+ ``_``) accept, a final ``$``
``\\n?\\z``. A pattern using a construct RE2 cannot express with the same meaning
(backreferences, lookaround, ``\\b``, atomic groups, possessive repeats, conditionals,
``$`` before more pattern without ``m``, the ``a``/``L`` flags, repeats over 1000) is
refused when the rule is compiled (``ReplayError`` naming the construct): a refused
rule is reported, never run slowly. Flags ``i``/``m``/``s`` are the rule's modifiers.

Why refuse rather than a time budget: CPython's ``re`` cannot be interrupted while it
matches (no signal is checked inside the C matcher), so a budget would need a process
per match; a refusal costs nothing at run time and names the rule to fix.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import Any

import re2

from sigmaq.core.errors import ReplayError

__all__ = ["RegexRefused", "compile_search", "to_re2"]

_parser: Any = getattr(re, "_parser", None) or __import__("sre_parse")
_constants: Any = getattr(re, "_constants", None) or __import__("sre_constants")
C = _constants

_MAX_REPEAT = 1000  # RE2's largest counted repetition
_FLAG_LETTERS = ((re.IGNORECASE, "i"), (re.MULTILINE, "m"), (re.DOTALL, "s"))


class RegexRefused(ReplayError):
    """A ``|re`` pattern RE2 cannot run with Python's meaning (message says why)."""


@lru_cache(maxsize=8)
def _ranges(kind: str) -> tuple[tuple[int, int], ...]:
    """Code point ranges of a Python ``str`` category: ``space`` (``str.isspace``) or
    ``word`` (``str.isalnum`` or ``_``), computed from Python itself (once)."""
    test: Callable[[str], bool]
    if kind == "space":
        test = str.isspace
    else:

        def test(ch: str) -> bool:
            return ch.isalnum() or ch == "_"

    found: list[tuple[int, int]] = []
    start = -1
    for code in range(sys.maxunicode + 1):
        # surrogates are never in text RE2 sees
        inside = not 0xD800 <= code <= 0xDFFF and test(chr(code))
        if inside and start < 0:
            start = code
        elif not inside and start >= 0:
            found.append((start, code - 1))
            start = -1
    if start >= 0:
        found.append((start, sys.maxunicode))
    return tuple(found)


def _complement(ranges: Iterable[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    out: list[tuple[int, int]] = []
    low = 0
    for start, end in ranges:
        if start > low:
            out.append((low, start - 1))
        low = end + 1
    if low <= sys.maxunicode:
        out.append((low, sys.maxunicode))
    return tuple(out)


def _char(code: int) -> str:
    if code < 128 and chr(code).isalnum():
        return chr(code)
    return f"\\x{{{code:x}}}"


def _set(ranges: Iterable[tuple[int, int]]) -> str:
    return "".join(
        _char(start) if start == end else f"{_char(start)}-{_char(end)}" for start, end in ranges
    )


_CATEGORY_IN_CLASS: dict[Any, Callable[[], str]] = {
    C.CATEGORY_DIGIT: lambda: "\\p{Nd}",
    C.CATEGORY_NOT_DIGIT: lambda: "\\P{Nd}",
    C.CATEGORY_SPACE: lambda: _set(_ranges("space")),
    C.CATEGORY_NOT_SPACE: lambda: _set(_complement(_ranges("space"))),
    C.CATEGORY_WORD: lambda: _set(_ranges("word")),
    C.CATEGORY_NOT_WORD: lambda: _set(_complement(_ranges("word"))),
}


def _name(op: Any) -> str:
    return str(op).lower().replace("_", " ")


class _Emitter:
    def __init__(self, flags: int) -> None:
        if flags & (re.ASCII | re.LOCALE):
            raise RegexRefused("the a/L flags (ASCII or locale classes) have no RE2 equivalent")
        self.flags = flags

    def sequence(self, items: Any, flags: int, final: bool) -> str:
        nodes = list(items)
        return "".join(
            self.node(op, av, flags, final and number == len(nodes) - 1)
            for number, (op, av) in enumerate(nodes)
        )

    def node(self, op: Any, av: Any, flags: int, final: bool) -> str:
        if op is C.LITERAL:
            return _char(av)
        if op is C.NOT_LITERAL:
            return f"[^{_char(av)}]"
        if op is C.ANY:
            return "."
        if op is C.IN:
            return self.klass(av)
        if op is C.CATEGORY:
            return f"[{self.category(av)}]"
        if op is C.BRANCH:
            return "(?:" + "|".join(self.sequence(alt, flags, final) for alt in av[1]) + ")"
        if op is C.SUBPATTERN:
            _group, add, remove, content = av
            if (add | remove) & (re.ASCII | re.LOCALE | re.UNICODE):
                raise RegexRefused("inline a/L/u flags have no RE2 equivalent")
            inner = (flags | add) & ~remove
            on = "".join(letter for bit, letter in _FLAG_LETTERS if add & bit)
            off = "".join(letter for bit, letter in _FLAG_LETTERS if remove & bit)
            prefix = f"(?{on}{'-' + off if off else ''}:" if on or off else "(?:"
            return prefix + self.sequence(content, inner, final) + ")"
        if op in (C.MAX_REPEAT, C.MIN_REPEAT):
            low, high, content = av
            if low > _MAX_REPEAT or (high is not C.MAXREPEAT and high > _MAX_REPEAT):
                raise RegexRefused(f"a repeat count over {_MAX_REPEAT}")
            body = "(?:" + self.sequence(content, flags, False) + ")"
            if high is C.MAXREPEAT:
                count = "*" if low == 0 else "+" if low == 1 else f"{{{low},}}"
            elif low == 0 and high == 1:
                count = "?"
            else:
                count = f"{{{low},{high}}}"
            return body + count + ("?" if op is C.MIN_REPEAT else "")
        if op is C.AT:
            return self.at(av, flags, final)
        raise RegexRefused(f"{_name(op)} (no linear-time equivalent with the same meaning)")

    def at(self, where: Any, flags: int, final: bool) -> str:
        if where is C.AT_BEGINNING:
            return "(?m:^)" if flags & re.MULTILINE else "\\A"
        if where is C.AT_BEGINNING_STRING:
            return "\\A"
        if where is C.AT_END_STRING:
            return "\\z"
        if where is C.AT_END:
            if flags & re.MULTILINE:
                return "(?m:$)"
            if final:  # Python: at the end, or before a newline that ends the text
                return "\\n?\\z"
            raise RegexRefused("'$' followed by more pattern (without the m flag)")
        raise RegexRefused(f"{_name(where)} (\\b and \\B are ASCII-only in RE2)")

    def category(self, name: Any) -> str:
        build = _CATEGORY_IN_CLASS.get(name)
        if build is None:  # pragma: no cover - every str category is listed
            raise RegexRefused(f"category {_name(name)}")
        return str(build())

    def klass(self, items: Any) -> str:
        parts: list[str] = []
        negate = False
        for op, av in items:
            if op is C.NEGATE:
                negate = True
            elif op is C.LITERAL:
                parts.append(_char(av))
            elif op is C.RANGE:
                parts.append(f"{_char(av[0])}-{_char(av[1])}")
            elif op is C.CATEGORY:
                parts.append(self.category(av))
            else:
                raise RegexRefused(f"{_name(op)} inside a character class")
        body = "".join(parts)
        if not body:
            return "[^\\x{0}-\\x{10ffff}]" if not negate else "(?s:.)"
        return f"[{'^' if negate else ''}{body}]"


def to_re2(pattern: str, flags: int = 0) -> str:
    """``pattern`` (Python syntax, with ``flags`` among ``re.I``/``re.M``/``re.S``) as an
    RE2 pattern that finds a match in exactly the texts Python's ``re.search`` does.

    Raises RegexRefused for a construct with no such equivalent, ReplayError for a
    pattern Python itself rejects.
    """
    try:
        parsed = _parser.parse(pattern, flags)
    except (re.error, OverflowError, RecursionError) as exc:
        raise ReplayError(f"regular expression '{pattern}' is invalid: {exc}") from exc
    all_flags = parsed.state.flags
    emitter = _Emitter(all_flags)
    body = emitter.sequence(parsed, all_flags, True)
    on = "".join(letter for bit, letter in _FLAG_LETTERS if all_flags & bit)
    return (f"(?{on})" if on else "") + body


def compile_search(pattern: str, flags: int = 0) -> Callable[[str], bool]:
    """A linear-time test ``text -> bool``: does ``re.search(pattern, text, flags)`` find
    a match? Raises RegexRefused or ReplayError as ``to_re2`` does (the message names
    the pattern)."""
    try:
        translated = to_re2(pattern, flags)
    except RegexRefused as exc:
        raise RegexRefused(
            f"regular expression '{pattern}' is refused: {exc.message}; replay runs |re "
            "with RE2 (linear time) and this construct has no RE2 form with Python's meaning"
        ) from exc
    options = re2.Options()
    options.log_errors = False  # RE2 would print its own log lines (absl) on stderr
    try:
        compiled: Any = re2.compile(translated, options=options)
    except re2.error as exc:  # RE2's own limits, e.g. a repetition over 1000 in all
        detail = exc.args[0] if exc.args else exc
        if isinstance(detail, bytes):
            detail = detail.decode("utf-8", "replace")
        raise RegexRefused(f"regular expression '{pattern}' is refused by RE2: {detail}") from exc
    search = compiled.search

    def test(text: str) -> bool:
        try:
            return search(text) is not None
        except UnicodeEncodeError:  # a lone surrogate: no reader produces one
            return False

    return test
