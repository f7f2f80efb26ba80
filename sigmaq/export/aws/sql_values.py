"""Trino SQL predicates for one CloudTrail field test (Athena and CloudTrail Lake).

Sigma's meaning (``docs/replay-semantics.md``) is reproduced with these choices:

- strings match case-insensitively: ``lower(x) = 'value'`` / ``lower(x) LIKE 'pat%'``
  (``*`` -> ``%``, ``?`` -> ``_``, ``%``/``_``/``\\`` escaped with ``ESCAPE '\\'``); a
  ``|cased`` value, a value without cased letters, or a canonically spelt value of a
  field AWS writes in one case (``eventName``, ``eventSource``… the field table's
  ``case_canonical``) is compared exactly, so partition-friendly ``IN`` lists stay;
- a JSON key is read with ``json_extract_scalar`` (Trino returns the text of strings,
  numbers and booleans, NULL for objects, arrays and JSON null: containers never match,
  as in replay); in CloudTrail Lake the first key is ``element_at(map, 'key')`` and
  deeper keys ``json_extract_scalar`` of that map value;
- a path through a known JSON array (``KNOWN_ARRAY_PATHS``) or an array column
  (``resources``) matches when any element matches (``any_match``);
- ``null``: the value is SQL NULL (Athena and Lake read absent keys and JSON null alike);
  for a JSON key also JSON ``null`` and ``[]``; ``|exists``: the key is present
  (``json_extract`` is NULL only for an absent key; for a column or struct member a key
  present with JSON null reads as absent: the table cannot tell them apart);
- every negation is ``NOT coalesce(…, false)``: a test on a missing value is false, so
  its negation is true (Sigma's two-valued logic; SQL's three-valued NOT would drop it).

Sources: Trino "JSON functions and operators" (json_extract_scalar, json_extract,
json_format), "Array functions" (any_match), "Comparison functions" (LIKE … ESCAPE);
Athena User Guide "Query CloudTrail logs" (json_extract_scalar over requestparameters);
CloudTrail Lake sample queries (element_at over requestParameters).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from sigma.types import SigmaCasedString, SigmaString, SpecialChars

from sigmaq.core.aws_tables import Access, Kind
from sigmaq.export.pipelines.errors import RuleRefused
from sigmaq.export.textsafety import unstable_case_chars

_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_PLAIN_COLUMN = re.compile(r"^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)*$")


def sql_string(text: str) -> str:
    """A Trino string literal: single quotes doubled."""
    return "'" + text.replace("'", "''") + "'"


def json_path(keys: tuple[str, ...]) -> str:
    """A Trino JSON path for ``keys``: ``$.a.b``, with ``["k-y"]`` for other key text."""
    out = "$"
    for key in keys:
        if _KEY.match(key):
            out += "." + key
        else:
            out += '["' + key.replace("\\", "\\\\").replace('"', '\\"') + '"]'
    return out


def like_pattern(value: SigmaString) -> str:
    """A LIKE pattern for ``ESCAPE '\\'``: Sigma wildcards -> ``%``/``_``, literals escaped."""
    out = []
    for part in value.s:
        if part is SpecialChars.WILDCARD_MULTI:
            out.append("%")
        elif part is SpecialChars.WILDCARD_SINGLE:
            out.append("_")
        elif isinstance(part, str):
            out.append(part.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_"))
        else:
            raise RuleRefused(f"unsupported string part {part!r}")
    return "".join(out)


def has_wildcards(value: SigmaString) -> bool:
    return any(isinstance(part, SpecialChars) for part in value.s)


def plain_text(value: SigmaString) -> str:
    return "".join(part for part in value.s if isinstance(part, str))


def exact_case_ok(value: SigmaString, canonical: bool) -> bool:
    """True when comparing ``value`` case-sensitively equals Sigma's case-insensitive test."""
    if isinstance(value, SigmaCasedString):
        return True
    text = plain_text(value)
    if not any(ch.lower() != ch.upper() for ch in text):
        return True
    return canonical


@dataclass(frozen=True)
class SqlDialect:
    """What differs between the Athena table and a CloudTrail Lake event data store."""

    target: str
    table: str
    time_seconds: str  # SQL giving eventTime as epoch seconds (DOUBLE), NULL when invalid

    @property
    def lake(self) -> bool:
        return self.target == "cloudtrail_lake"


ATHENA = SqlDialect(
    "athena",
    "cloudtrail_logs_pp",
    "to_unixtime(try(from_iso8601_timestamp(eventtime)))",
)
LAKE = SqlDialect("cloudtrail_lake", "$EDS_ID", "to_unixtime(eventtime)")

Predicate = Callable[[str], str]
"""Builds a boolean SQL test from the SQL text of one scalar value."""


def _as_array(source: str, keys: tuple[str, ...]) -> str:
    """The JSON value at ``keys`` as ARRAY(JSON); a single value becomes a one-element array
    (a policy's ``Statement`` is one object or a list), absent gives NULL."""
    value = f"json_extract({source}, {sql_string(json_path(keys))})"
    return f"coalesce(try_cast({value} AS ARRAY(JSON)), ARRAY[{value}])"


class FieldSql:
    """SQL for tests on one resolved CloudTrail field (an ``Access``)."""

    def __init__(self, dialect: SqlDialect, access: Access, canonical: bool) -> None:
        self.dialect = dialect
        self.access = access
        self.canonical = canonical
        self._lambda = 0

    # -- reading values --------------------------------------------------------------
    def _source(self) -> str:
        """The JSON text (or, for Lake with no deeper key, the map value) being read."""
        access = self.access
        if access.map_key is not None:
            return f"element_at({access.column}, {sql_string(access.map_key)})"
        return access.column

    def _var(self) -> str:
        self._lambda += 1
        return f"x{self._lambda}"

    def test(self, predicate: Predicate, *, leaf_type: str = "string") -> str:
        """``predicate`` applied to every value the field yields (true when any passes)."""
        access = self.access
        if access.kind is Kind.SCALAR:
            if access.sql_type == "timestamp":
                raise RuleRefused(
                    f"'{access.path}' is a timestamp column in CloudTrail Lake; string "
                    "matching on it is not meaningful"
                )
            value = access.column
            if access.sql_type == "boolean":
                value = f"CAST({value} AS VARCHAR)"
            return predicate(value)
        if access.kind is Kind.ELEMENT:
            var = self._var()
            return f"any_match({access.column}, {var} -> {predicate(f'{var}.{access.element}')})"
        return self._json_test(predicate)

    def _json_test(self, predicate: Predicate) -> str:
        access = self.access
        keys = access.json_path
        cuts = sorted(set(access.arrays))
        if self.dialect.lake and not keys and not cuts:
            return predicate(self._source())
        source = self._source()
        start = 0
        # Each array cut: any_match over the elements, then the rest of the path inside.
        wrappers: list[tuple[str, str]] = []
        for cut in cuts:
            var = self._var()
            wrappers.append((var, _as_array(source, keys[start:cut])))
            source, start = var, cut
        inner = predicate(f"json_extract_scalar({source}, {sql_string(json_path(keys[start:]))})")
        for var, array in reversed(wrappers):
            inner = f"any_match({array}, {var} -> {inner})"
        return inner

    # -- value tests -----------------------------------------------------------------
    def equals(self, value: SigmaString) -> str:
        exact = exact_case_ok(value, self.canonical and self.access.kind is Kind.SCALAR)
        unstable = unstable_case_chars(plain_text(value))
        if unstable and not exact:
            raise RuleRefused(
                f"'{value}' holds {', '.join(unstable)}, whose lower case differs between "
                "Trino and sigmaq's replay; match it with |cased or wildcards"
            )
        if has_wildcards(value):
            pattern = sql_string(like_pattern(value) if exact else like_pattern(value).lower())
            if exact:
                return self.test(lambda v: f"{v} LIKE {pattern} ESCAPE '\\'")
            return self.test(lambda v: f"lower({v}) LIKE {pattern} ESCAPE '\\'")
        text = plain_text(value)
        if exact:
            return self.test(lambda v: f"{v} = {sql_string(text)}")
        return self.test(lambda v: f"lower({v}) = {sql_string(text.lower())}")

    def in_list(self, values: list[SigmaString]) -> str:
        """``field IN (…)`` for exact-case literal values (callers check ``in_list_ok``)."""
        items = ", ".join(sql_string(plain_text(v)) for v in values)
        return self.test(lambda v: f"{v} IN ({items})")

    def in_list_ok(self, values: list[SigmaString]) -> bool:
        return (
            self.access.kind is Kind.SCALAR
            and self.access.sql_type == "string"
            and all(not has_wildcards(v) and exact_case_ok(v, self.canonical) for v in values)
        )

    def boolean(self, flag: bool) -> str:
        if self.access.kind is Kind.SCALAR and self.access.sql_type == "boolean":
            return f"{self.access.column} = {'true' if flag else 'false'}"
        word = "true" if flag else "false"
        return self.test(lambda v: f"lower({v}) = '{word}'")

    def number(self, number: float | int) -> str:
        return self.test(lambda v: f"try_cast({v} AS DOUBLE) = {number}")

    def compare(self, operator: str, number: float | int) -> str:
        return self.test(lambda v: f"try_cast({v} AS DOUBLE) {operator} {number}")

    def regex(self, pattern: str, flags: str) -> str:
        prefix = f"(?{flags})" if flags else ""
        return self.test(lambda v: f"regexp_like({v}, {sql_string(prefix + pattern)})")

    def is_null(self) -> str:
        access = self.access
        if access.kind is Kind.SCALAR:
            return f"{access.column} IS NULL"
        if access.kind is Kind.ELEMENT or any(c < len(access.json_path) for c in access.arrays):
            raise RuleRefused(
                f"'{access.path}: null' reaches into an array; exported queries cannot test "
                "that no element has a value"
            )
        if self.dialect.lake and not access.json_path:
            return f"{self._source()} IS NULL"
        extracted = f"json_extract({self._source()}, {sql_string(json_path(access.json_path))})"
        return f"({extracted} IS NULL OR json_format({extracted}) IN ('null', '[]'))"

    def exists(self) -> str:
        access = self.access
        if access.kind is Kind.SCALAR:
            return f"{access.column} IS NOT NULL"
        if access.kind is Kind.ELEMENT:
            var = self._var()
            return f"any_match({access.column}, {var} -> {var}.{access.element} IS NOT NULL)"
        keys = access.json_path
        if self.dialect.lake and not keys:
            return f"{self._source()} IS NOT NULL"
        cuts = [cut for cut in sorted(set(access.arrays)) if cut < len(keys)]
        source, start = self._source(), 0
        wrappers: list[tuple[str, str]] = []
        for cut in cuts:
            var = self._var()
            wrappers.append((var, _as_array(source, keys[start:cut])))
            source, start = var, cut
        inner = f"json_extract({source}, {sql_string(json_path(keys[start:]))}) IS NOT NULL"
        for var, array in reversed(wrappers):
            inner = f"any_match({array}, {var} -> {inner})"
        return inner

    def scalar_expression(self) -> str:
        """The field as one SQL value (for group-by and value_count); refuses arrays."""
        access = self.access
        if access.kind is Kind.ELEMENT or access.arrays:
            raise RuleRefused(
                f"'{access.path}' holds several values (an array); a correlation cannot "
                "group or count by it in SQL"
            )
        if access.kind is Kind.SCALAR:
            if access.sql_type != "string":
                return f"CAST({access.column} AS VARCHAR)"
            return access.column
        if self.dialect.lake and not access.json_path:
            return self._source()
        return f"json_extract_scalar({self._source()}, {sql_string(json_path(access.json_path))})"
