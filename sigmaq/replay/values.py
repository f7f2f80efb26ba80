"""Leaf matchers compiled from pySigma's typed detection values.

A *leaf matcher* is a ``Callable[[Any], bool]`` applied to one value that
``fields.resolve`` returned (a JSON scalar, ``None``, or an object/list container).
Everything that can be decided once per rule (lower-casing, regex compilation,
CIDR parsing) happens here at compile time; the returned closures only compare.

Semantics (docs/replay-semantics.md; Sigma rules specification "General",
"Escaping"; Sigma modifiers appendix):

* Strings (``SigmaString``): case-insensitive (``str.lower`` on both sides), ``*``
  and ``?`` wildcards as pySigma parsed them (escaped wildcards and a trailing
  backslash are already literal characters in ``SigmaString.s``); ``|cased``
  (``SigmaCasedString``) compares exact case. A number or boolean in the record is
  compared through its JSON text (``30``, ``1.5``, ``true``); ``null`` and
  objects/lists never match a string.
* Numbers (``SigmaNumber``): numeric equality with JSON numbers and with strings
  in decimal notation (``"30"``, ``"030"``, ``"3e1"``); booleans are not numbers.
* Booleans (``SigmaBool``): JSON ``true``/``false`` or the strings
  ``"true"``/``"false"`` in any case; never numbers.
* ``|re``: ``re.search`` (substring) on the text of a scalar, flags ``i``/``m``/``s``,
  run by RE2 in linear time (``replay.regex``: patterns RE2 cannot run with Python's
  meaning, such as backreferences or lookaround, are refused at compile time).
* ``|cidr``: the value must parse as an IP address of the network's version
  (Python ``ipaddress``, strict: ``035.249.253.232`` is not an address); any other
  value, ``q.amazonaws.com`` or ``AWS Internal`` included, does not match.
* ``|gt/gte/lt/lte``: numeric; a value that is not a number does not match.
* ``|minute``..``|year``: the value must be an ISO 8601 timestamp string; the part
  is taken in UTC (naive timestamps are read as UTC); ``week`` is the ISO week.
* ``SigmaExpansion`` (``windash``, ``base64offset``) and ``|expand`` placeholders:
  OR of the alternatives.
"""

from __future__ import annotations

import ipaddress
import operator
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from sigma.types import (
    CompareOperators,
    Placeholder,
    SigmaBool,
    SigmaCasedString,
    SigmaCIDRExpression,
    SigmaCompareExpression,
    SigmaExpansion,
    SigmaNull,
    SigmaNumber,
    SigmaRegularExpression,
    SigmaRegularExpressionFlag,
    SigmaString,
    SigmaTimestampPart,
    SigmaType,
    SpecialChars,
    TimestampPart,
)

from sigmaq.core.errors import ReplayError
from sigmaq.replay.regex import compile_search

__all__ = [
    "LeafMatcher",
    "compile_keyword",
    "compile_leaf",
    "expand_placeholders",
    "parse_number",
    "plain_key",
    "scalar_text",
]

LeafMatcher = Callable[[Any], bool]
Placeholders = Mapping[str, Sequence[str]]

_INT_RE = re.compile(r"[+-]?[0-9]+")
_FLOAT_RE = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")

_RE_FLAGS = {
    SigmaRegularExpressionFlag.IGNORECASE: re.IGNORECASE,
    SigmaRegularExpressionFlag.MULTILINE: re.MULTILINE,
    SigmaRegularExpressionFlag.DOTALL: re.DOTALL,
}

_COMPARE: dict[CompareOperators, Callable[[Any, Any], bool]] = {
    CompareOperators.LT: operator.lt,
    CompareOperators.LTE: operator.le,
    CompareOperators.GT: operator.gt,
    CompareOperators.GTE: operator.ge,
    CompareOperators.NEQ: operator.ne,
}


def scalar_text(value: Any) -> str | None:
    """The text a string pattern is matched against, or None for null and containers.

    Strings as they are; booleans as JSON ``true``/``false``; integers in decimal;
    floats as Python ``repr`` (``1.5``, ``30.0``).
    """
    t = type(value)
    if t is str:
        return value  # type: ignore[no-any-return]
    if t is bool:
        return "true" if value else "false"
    if t is int or t is float:
        return repr(value)
    if isinstance(value, str):
        return str(value)
    return None


@lru_cache(maxsize=8192)
def _parse_number_text(text: str) -> int | float | None:
    if _INT_RE.fullmatch(text):
        try:
            return int(text)
        except ValueError:  # beyond Python's int-from-text digit limit: read it as a float
            pass
    if _FLOAT_RE.fullmatch(text):
        number = float(text)
        return number if number not in (float("inf"), float("-inf")) else None
    return None


def parse_number(value: Any) -> int | float | None:
    """A JSON number (not a boolean) or a string in decimal notation as a number, else None.

    Accepted strings: optional sign, digits, optional fraction and exponent
    (``"30"``, ``"-2"``, ``"030"``, ``"1.5"``, ``"3e1"``); no spaces, no ``0x``,
    no ``nan``/``inf``, no ``_`` separators.
    """
    t = type(value)
    if t is int or t is float:
        return value  # type: ignore[no-any-return]
    if t is str:
        return _parse_number_text(value)
    return None


# --- placeholders ---------------------------------------------------------------------------


def expand_placeholders(value: SigmaType, placeholders: Placeholders | None) -> list[SigmaType]:
    """Replace ``|expand`` placeholders by their values (OR-linked alternatives).

    Each placeholder value is parsed as a ``SigmaString`` (so ``*``/``?`` in it are
    wildcards), exactly as pySigma's ``ValueListPlaceholderTransformation`` does;
    ``|cased`` survives the replacement.

    Raises:
        ReplayError: a placeholder has no entry in ``placeholders`` or an empty list.
    """
    if not isinstance(value, (SigmaString, SigmaRegularExpression)):
        return [value]
    if not value.contains_placeholder():
        return [value]

    def callback(p: Placeholder) -> list[SigmaString]:
        values = (placeholders or {}).get(p.name)
        if not values:
            raise ReplayError(
                f"placeholder %{p.name}% (|expand) has no values; pass them as placeholders"
            )
        return [SigmaString(str(v)) for v in values]

    if isinstance(value, SigmaRegularExpression):
        return list(value.replace_placeholders(callback))  # type: ignore[arg-type]
    expanded = value.replace_placeholders(callback)  # type: ignore[arg-type]
    if isinstance(value, SigmaCasedString):
        return [SigmaCasedString.from_sigma_string(s) for s in expanded]
    return list(expanded)


# --- strings --------------------------------------------------------------------------------


def plain_key(value: SigmaType) -> str | None:
    """Lower-cased literal of a case-insensitive string without wildcards, else None.

    Such values are plain equality tests, which the condition compiler merges
    into one set lookup per field.
    """
    if type(value) is not SigmaString:
        return None
    if not all(isinstance(part, str) for part in value.s):
        return None
    return "".join(part for part in value.s if isinstance(part, str)).lower()


def _pattern_regex(parts: Sequence[object], cased: bool) -> re.Pattern[str]:
    pieces: list[str] = []
    for part in parts:
        if part is SpecialChars.WILDCARD_MULTI:
            pieces.append(".*")
        elif part is SpecialChars.WILDCARD_SINGLE:
            pieces.append(".")
        elif isinstance(part, str):
            pieces.append(re.escape(part if cased else part.lower()))
        else:  # pragma: no cover - placeholders are expanded before
            raise ReplayError(f"unexpanded placeholder in string value: {part!r}")
    # DOTALL: a Sigma wildcard matches any character, newlines included.
    return re.compile("".join(pieces), re.DOTALL)


def _compile_string(value: SigmaString) -> LeafMatcher:
    cased = isinstance(value, SigmaCasedString)
    parts = list(value.s)
    for part in parts:
        if isinstance(part, Placeholder):
            raise ReplayError(f"unexpanded placeholder %{part.name}% in value '{value}'")
    multi = SpecialChars.WILDCARD_MULTI

    def fold(s: str) -> str:
        return s if cased else s.lower()

    def literal(ps: Sequence[object]) -> str | None:
        if all(isinstance(p, str) for p in ps):
            return fold("".join(p for p in ps if isinstance(p, str)))
        return None

    # Literal tests are str methods called unbound: one Python frame per value, not two.
    method: Callable[[str, Any], bool]
    operand: Any
    whole = literal(parts)
    if whole is not None:
        method, operand = str.__eq__, whole
    elif parts == [multi]:
        return _anything
    elif parts[-1] is multi and (prefix := literal(parts[:-1])) is not None:
        method, operand = str.startswith, prefix
    elif parts[0] is multi and (suffix := literal(parts[1:])) is not None:
        method, operand = str.endswith, suffix
    elif (
        len(parts) >= 3
        and parts[0] is multi
        and parts[-1] is multi
        and (inner := literal(parts[1:-1])) is not None
    ):
        method, operand = str.__contains__, inner
    else:
        method, operand = _fullmatch, _pattern_regex(parts, cased)

    if cased:

        def match_cased(v: Any) -> bool:
            if type(v) is str:
                return method(v, operand)
            text = scalar_text(v)
            return text is not None and method(text, operand)

        return match_cased

    def match(v: Any) -> bool:
        if type(v) is str:
            return method(v.lower(), operand)
        text = scalar_text(v)
        return text is not None and method(text.lower(), operand)

    return match


def _anything(v: Any) -> bool:
    """``*`` alone: any value with a text form (not null, not an object)."""
    return type(v) is str or scalar_text(v) is not None


def _fullmatch(text: str, pattern: Any) -> bool:
    return pattern.fullmatch(text) is not None


# --- other value types ----------------------------------------------------------------------


def _compile_number(value: SigmaNumber) -> LeafMatcher:
    number = value.number

    def match(v: Any) -> bool:
        parsed = parse_number(v)
        return parsed is not None and parsed == number

    return match


def _compile_bool(value: SigmaBool) -> LeafMatcher:
    target = value.boolean
    text = "true" if target else "false"

    def match(v: Any) -> bool:
        if type(v) is bool:
            return v is target
        return type(v) is str and v.lower() == text

    return match


def _compile_regex(value: SigmaRegularExpression) -> LeafMatcher:
    """``re.search`` semantics, run by RE2 in linear time (``replay.regex``); a pattern
    RE2 cannot run with Python's meaning raises ReplayError (``RegexRefused``)."""
    flags = 0
    for flag in value.flags:
        flags |= _RE_FLAGS[flag]
    search = compile_search(str(value.regexp), flags)

    def match(v: Any) -> bool:
        text = v if type(v) is str else scalar_text(v)
        return text is not None and search(text)

    return match


@lru_cache(maxsize=8192)
def _parse_ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _compile_cidr(value: SigmaCIDRExpression) -> LeafMatcher:
    network = value.network
    version = network.version

    def match(v: Any) -> bool:
        if type(v) is not str:
            return False
        address = _parse_ip(v)
        return address is not None and address.version == version and address in network

    return match


@lru_cache(maxsize=8192)
def _timestamp(text: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment


_PARTS: dict[TimestampPart, Callable[[datetime], int]] = {
    TimestampPart.MINUTE: lambda d: d.minute,
    TimestampPart.HOUR: lambda d: d.hour,
    TimestampPart.DAY: lambda d: d.day,
    TimestampPart.WEEK: lambda d: d.isocalendar().week,
    TimestampPart.MONTH: lambda d: d.month,
    TimestampPart.YEAR: lambda d: d.year,
}


def _compile_timestamp_part(
    value: SigmaTimestampPart, compare: Callable[[Any, Any], bool] = operator.eq
) -> LeafMatcher:
    extract = _PARTS[value.timestamp_part]
    number = value.number

    def match(v: Any) -> bool:
        if type(v) is not str:
            return False
        moment = _timestamp(v)
        return moment is not None and compare(extract(moment), number)

    return match


def _compile_compare(value: SigmaCompareExpression) -> LeafMatcher:
    compare = _COMPARE[value.op]
    if isinstance(value.number, SigmaTimestampPart):
        return _compile_timestamp_part(value.number, compare)
    number = value.number.number

    def match(v: Any) -> bool:
        parsed = parse_number(v)
        return parsed is not None and compare(parsed, number)

    return match


def _any_of(matchers: Sequence[LeafMatcher]) -> LeafMatcher:
    if len(matchers) == 1:
        return matchers[0]
    ms = tuple(matchers)

    def match(v: Any) -> bool:
        return any(m(v) for m in ms)

    return match


def compile_leaf(value: SigmaType, placeholders: Placeholders | None = None) -> LeafMatcher:
    """Compile one field-bound pySigma value into a leaf matcher.

    Handles ``SigmaString``/``SigmaCasedString``, ``SigmaNumber``, ``SigmaTimestampPart``,
    ``SigmaBool``, ``SigmaRegularExpression``, ``SigmaCIDRExpression``,
    ``SigmaCompareExpression`` and ``SigmaExpansion`` (OR of its values), after
    ``|expand`` placeholder substitution. Field-level values (``SigmaNull``,
    ``SigmaExists``, ``SigmaFieldReference``) are the condition compiler's job.

    Raises:
        ReplayError: any other value type (e.g. ``SigmaQueryExpression``), an
            unresolved placeholder, or an invalid regular expression.
    """
    alternatives = expand_placeholders(value, placeholders)
    if len(alternatives) != 1 or alternatives[0] is not value:
        return _any_of([compile_leaf(alt, placeholders) for alt in alternatives])
    if isinstance(value, SigmaExpansion):
        return _any_of([compile_leaf(v, placeholders) for v in value.values])
    if isinstance(value, SigmaString):
        return _compile_string(value)
    if isinstance(value, SigmaTimestampPart):
        return _compile_timestamp_part(value)
    if isinstance(value, SigmaNumber):
        return _compile_number(value)
    if isinstance(value, SigmaBool):
        return _compile_bool(value)
    if isinstance(value, SigmaRegularExpression):
        return _compile_regex(value)
    if isinstance(value, SigmaCIDRExpression):
        return _compile_cidr(value)
    if isinstance(value, SigmaCompareExpression):
        return _compile_compare(value)
    raise ReplayError(
        f"value type {type(value).__name__} ({_shown(value)}) is not supported by replay"
    )


def _shown(value: SigmaType) -> str:
    """``value`` as the rule wrote it, for a message: ``null`` for a null (pySigma's
    ``SigmaNull`` has no text of its own, its repr is an object address), else quoted."""
    if isinstance(value, SigmaNull):
        return "null"
    return f"'{value}'"


def compile_keyword(value: SigmaType, placeholders: Placeholders | None = None) -> LeafMatcher:
    """Compile a keyword (field-less) value: a substring search of one scalar's text.

    Strings get implicit ``*`` on both sides (their own wildcards still apply);
    numbers search their decimal text; ``|re`` searches as usual.

    Raises:
        ReplayError: keyword values of other types (null, boolean, CIDR, comparisons).
    """
    alternatives = expand_placeholders(value, placeholders)
    if len(alternatives) != 1 or alternatives[0] is not value:
        return _any_of([compile_keyword(alt, placeholders) for alt in alternatives])
    if isinstance(value, SigmaExpansion):
        return _any_of([compile_keyword(v, placeholders) for v in value.values])
    if isinstance(value, SigmaString):
        wrapped = value
        if not wrapped.startswith(SpecialChars.WILDCARD_MULTI):
            wrapped = SpecialChars.WILDCARD_MULTI + wrapped
        if not wrapped.endswith(SpecialChars.WILDCARD_MULTI):
            wrapped = wrapped + SpecialChars.WILDCARD_MULTI
        return _compile_string(wrapped)
    if isinstance(value, SigmaNumber) and not isinstance(value, SigmaTimestampPart):
        # the decimal text, searched like a string: 30 finds "port 30" and 30 itself
        return compile_keyword(SigmaString(str(value.number)), placeholders)
    if isinstance(value, SigmaRegularExpression):
        return _compile_regex(value)
    raise ReplayError(
        f"keyword (field-less) value of type {type(value).__name__} ({_shown(value)}) "
        "is not supported by replay: give the value a field (a null needs one: "
        "'field: null')"
    )
