"""A model of Elasticsearch EQL over ECS documents: event queries and sequences.

Not Elasticsearch: the ``eql`` package (Elastic's reference parser, AGPL-3.0, an
optional dependency: ``pip install sigmaq[eql]``) parses the query; the evaluation here
is sigmaq's own, because ``eql``'s engine ignores case everywhere. The parser folds
``:``, ``like`` and ``like~`` into one ``wildcard()`` call and ``in~`` into ``==``, so
the raw text is checked first: ``in~`` raises, and case-sensitive ``field like …`` is
rewritten into a function call of its own before parsing.

Semantics modelled (Elasticsearch reference, "EQL syntax reference"):

- ``field : "v"`` / ``field like~ "v*"``: case-insensitive, ``*``/``?`` wildcards, whole
  value; ``field like "v*"`` / ``like ("a*", "b")``: the same, case-sensitive; ``==``,
  ``!=`` and ``in (…)``: case-sensitive on strings; any value of a multi-valued field may
  match; ``not`` and ``!=`` are plain negations (Elasticsearch pushes them down as
  ``must_not`` queries, so a missing field satisfies them);
- ``field == null`` / ``!= null``, ``?field`` (optional field: missing is null);
- ``cidrMatch(field, "net"…)``;
- ``sequence [by k…] with maxspan=T [q1] by a… [q2] by b…``: ordered stages whose join
  keys are equal, the last within ``T`` of the first; events without a join key value
  do not join;
- keyed ``flattened`` fields raise (EQL rejects the type, elastic/elasticsearch#101985).

Anything else (pipes, ``sample``, ``until``, ``runs``, other functions) raises.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from sigmaq.export.elastic.values import EsType, UnsupportedQuery, es_type, field_values

_STRING_RE = re.compile(r'"(?:[^"\\]|\\.)*"')
_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}


def _eql() -> Any:
    try:
        import eql
    except ImportError as error:  # optional dependency (AGPL): the model needs its parser
        raise UnsupportedQuery(
            "the EQL model needs the 'eql' package (pip install 'sigmaq[eql]')"
        ) from error
    return eql


_CASED_LIKE_FUNCTION = "sigmaqLikeCased"
# ``field like "…"`` or ``field like ("…", …)`` in code whose strings are blanked.
_CASED_LIKE = re.compile(
    r"(?P<field>`[^`]*`|[A-Za-z_@][\w.@]*)\s+like\s+(?P<rhs>\([^()]*\)|\"[^\"]*\")"
)


def _blank_strings(query: str) -> str:
    """``query`` with every string literal's content replaced by ``x`` (same length)."""
    return _STRING_RE.sub(lambda m: '"' + "x" * (len(m.group(0)) - 2) + '"', query)


def _rewrite_cased_like(query: str) -> str:
    """Case-sensitive ``like`` as a ``sigmaqLikeCased(field, patterns…)`` call, which the
    parser keeps apart from the ``wildcard()`` it makes of ``:`` and ``like~``."""
    code = _blank_strings(query)
    out, last = [], 0
    for match in _CASED_LIKE.finditer(code):
        field = query[match.start("field") : match.end("field")]
        rhs = query[match.start("rhs") : match.end("rhs")]
        patterns = rhs[1:-1] if rhs.startswith("(") else rhs
        out += [query[last : match.start()], f"{_CASED_LIKE_FUNCTION}({field}, {patterns})"]
        last = match.end()
    return "".join(out) + query[last:]


@lru_cache(maxsize=256)
def parse(query: str) -> Any:
    """The ``eql`` AST of ``query`` (Elasticsearch syntax). Raises UnsupportedQuery."""
    query = _rewrite_cased_like(query)
    code = _STRING_RE.sub('""', query)
    for pattern, what in (
        (r"\blike\b(?!~)", "a 'like' not of the form field like pattern(s)"),
        (r"\bin~", "'in~'"),
        (r"\|", "pipes"),
        (r"\bsample\b", "sample"),
        (r"\buntil\b", "until"),
        (r"\bruns\s*=", "runs"),
    ):
        if re.search(pattern, code):
            raise UnsupportedQuery(f"{what} is outside the modelled EQL subset")
    eql = _eql()
    try:
        with eql.parser.elasticsearch_syntax, eql.parser.ignore_missing_functions:
            return eql.parse_query(query)
    except eql.errors.EqlError as error:
        raise UnsupportedQuery(f"the eql parser rejects the query: {error}") from error


def matches(query: str, doc: dict[str, Any]) -> bool:
    """Whether ``doc`` matches the event query ``query``. Raises UnsupportedQuery."""
    eql = _eql()
    parsed = parse(query)
    if not isinstance(parsed.first, eql.ast.EventQuery) or parsed.pipes:
        raise UnsupportedQuery("not a plain event query")
    return _event(parsed.first, doc)


def sequence_groups(
    query: str, docs: Sequence[dict[str, Any]], times: Sequence[datetime | None]
) -> set[tuple[str, ...]]:
    """Join-key tuples of every sequence ``query`` finds in ``docs`` (file order, ``times``).

    Key tuples list the sequence-level ``by`` values then the stage's own ``by``
    values, as text. Raises UnsupportedQuery for anything not modelled, including an
    event without a time.
    """
    eql = _eql()
    parsed = parse(query)
    sequence = parsed.first
    if not isinstance(sequence, eql.ast.Sequence) or parsed.pipes or sequence.close is not None:
        raise UnsupportedQuery("not a plain sequence")
    if sequence.max_span is None:
        raise UnsupportedQuery("a sequence without maxspan is not modelled")
    span = timedelta(seconds=sequence.max_span.quantity * _UNITS[sequence.max_span.unit.value])
    order = sorted(range(len(docs)), key=lambda i: (_time(times[i], i), i))
    stages = list(sequence.queries)
    found: set[tuple[str, ...]] = set()
    # partial[stage][key] = time of the earliest start of a partial match that reached it
    partial: list[dict[tuple[str, ...], datetime]] = [{} for _ in stages]
    for index in order:
        doc, when = docs[index], _time(times[index], index)
        for number in range(len(stages) - 1, -1, -1):
            stage = stages[number]
            if not _event(stage.query, doc):
                continue
            key = _join_key(stage.join_values, doc)
            if key is None:
                continue
            start = when if number == 0 else partial[number - 1].get(key)
            if start is None or when - start > span:
                continue
            if number == len(stages) - 1:
                found.add(key)
            else:
                previous = partial[number].get(key)
                partial[number][key] = start if previous is None else max(previous, start)
    return found


def _time(when: datetime | None, index: int) -> datetime:
    if when is None:
        raise UnsupportedQuery(f"record #{index} has no usable eventTime for a sequence")
    return when


def _join_key(values: Sequence[Any], doc: dict[str, Any]) -> tuple[str, ...] | None:
    key: list[str] = []
    for node in values:
        found = field_values(doc, _field_name(node))
        if not found:
            return None
        if len(found) > 1:
            raise UnsupportedQuery(f"multi-valued join key {_field_name(node)}")
        key.append(str(found[0]))
    return tuple(key)


def _event(node: Any, doc: dict[str, Any]) -> bool:
    if node.event_type != "any":
        raise UnsupportedQuery(f"event category {node.event_type!r} (only 'any' is modelled)")
    return _truth(node.query, doc)


def _field_name(node: Any) -> str:
    eql = _eql()
    if not isinstance(node, eql.ast.Field):
        raise UnsupportedQuery(f"{node} is not a field")
    name = ".".join([node.base, *[str(p) for p in node.path]])
    if es_type(name) is EsType.FLATTENED:
        raise UnsupportedQuery(f"EQL cannot read flattened field {name}")
    return name


def _literal(node: Any) -> Any:
    eql = _eql()
    if isinstance(node, (eql.ast.String, eql.ast.Number, eql.ast.Boolean)):
        return node.value
    raise UnsupportedQuery(f"{node} is not a literal")


def _equal(value: Any, literal: Any) -> bool:
    if isinstance(literal, bool) or isinstance(value, bool):
        return value is literal if isinstance(value, bool) else str(value) == str(literal).lower()
    return str(value) == str(literal)


def _truth(node: Any, doc: dict[str, Any]) -> bool:
    eql = _eql()
    ast = eql.ast
    if isinstance(node, ast.And):
        return all(_truth(term, doc) for term in node.terms)
    if isinstance(node, ast.Or):
        return any(_truth(term, doc) for term in node.terms)
    if isinstance(node, ast.Not):
        return not _truth(node.term, doc)
    if isinstance(node, ast.IsNull):
        return not field_values(doc, _field_name(node.expr))
    if isinstance(node, ast.IsNotNull):
        return bool(field_values(doc, _field_name(node.expr)))
    if isinstance(node, ast.Comparison):
        values = field_values(doc, _field_name(node.left))
        if isinstance(node.right, ast.Null):
            present = bool(values)
            return {"==": not present, "!=": present}[_comparator(node.comparator)]
        literal = _literal(node.right)
        hit = any(_equal(v, literal) for v in values)
        return {"==": hit, "!=": not hit}[_comparator(node.comparator)]
    if isinstance(node, ast.InSet):
        values = field_values(doc, _field_name(node.expression))
        literals = [_literal(item) for item in node.container]
        return any(_equal(v, lit) for v in values for lit in literals)
    if isinstance(node, ast.FunctionCall):
        return _function(node, doc)
    raise UnsupportedQuery(f"{type(node).__name__} ({node}) is outside the modelled EQL subset")


def _comparator(text: str) -> str:
    if text not in ("==", "!="):
        raise UnsupportedQuery(f"comparison {text!r} is not modelled")
    return text


def _function(node: Any, doc: dict[str, Any]) -> bool:
    name = node.name
    field, *patterns = node.arguments
    values = field_values(doc, _field_name(field))
    texts = [str(_literal(p)) for p in patterns]
    if name in ("wildcard", _CASED_LIKE_FUNCTION):  # ':'/'like~' ignore case, 'like' not
        cased = name == _CASED_LIKE_FUNCTION
        regexes = [_wildcard_regex(t, cased) for t in texts]
        return any(r.fullmatch(str(v)) is not None for v in values for r in regexes)
    if name == "cidrMatch":
        networks = [ipaddress.ip_network(t, strict=False) for t in texts]
        for value in values:
            try:
                address = ipaddress.ip_address(str(value))
            except ValueError:
                continue
            if any(address in network for network in networks):
                return True
        return False
    raise UnsupportedQuery(f"EQL function {name}() is not modelled")


@lru_cache(maxsize=1024)
def _wildcard_regex(pattern: str, cased: bool = False) -> re.Pattern[str]:
    parts = ["." if c == "?" else ".*" if c == "*" else re.escape(c) for c in pattern]
    return re.compile("".join(parts), re.DOTALL if cased else re.IGNORECASE | re.DOTALL)
