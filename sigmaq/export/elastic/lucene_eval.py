"""A model of Elasticsearch's ``query_string`` (Lucene syntax) over ECS documents.

Not Elasticsearch: a test-grade model of the subset sigmaq emits, parsed with luqum.
Semantics modelled (Elasticsearch reference, "Query string query" and "Regexp
syntax"; field types from ``values.es_type``):

- ``field:term`` / ``field:"phrase"`` on keyword fields: exact, case-sensitive match of
  any value; unescaped ``*``/``?`` are wildcards (whole term); ``field:/re/`` is a
  Lucene regexp anchored to the whole term;
- keyed ``flattened`` leaves: exact terms and a trailing-``*`` prefix only; a wildcard or
  regexp there raises (Elasticsearch rejects them, FlattenedFieldMapper);
- ``ip`` fields: an address or a CIDR range; ``boolean`` fields: ``true``/``false``;
- ``_exists_:field``; ``AND``/``OR``/``NOT``, ``+``/``-``, groups, and the default
  operator ``OR`` between juxtaposed clauses (Kibana's default for Lucene rules).

Anything else (ranges, fuzzy, proximity, boosts, unqualified terms) raises
``UnsupportedQuery``: an unmodelled query is never "no match".
"""

from __future__ import annotations

import ipaddress
import re
from functools import lru_cache
from typing import Any

from luqum import tree
from luqum.parser import parser

from sigmaq.export.elastic.values import EsType, UnsupportedQuery, es_type, field_values

_MULTI = object()
_SINGLE = object()


@lru_cache(maxsize=512)
def parse(query: str) -> tree.Item:
    """The luqum tree of ``query``; raises UnsupportedQuery when luqum cannot parse it."""
    try:
        return parser.parse(query)
    except Exception as error:  # luqum raises its own ParseError/IllegalCharacterError
        raise UnsupportedQuery(f"luqum cannot parse the Lucene query: {error}") from error


def matches(query: str, doc: dict[str, Any]) -> bool:
    """Whether ``doc`` (an ECS document) matches ``query``. Raises UnsupportedQuery."""
    return _eval(parse(query), doc, None)


def fields_of(query: str) -> list[str]:
    """Field names ``query`` reads, in order of first use (``_exists_`` targets included)."""
    found: list[str] = []

    def walk(node: tree.Item) -> None:
        if isinstance(node, tree.SearchField):
            name = _field_name(node)
            if name == "_exists_" and isinstance(node.expr, tree.Word):
                name = _unescape(node.expr.value)
            if name not in found:
                found.append(name)
        for child in node.children:
            walk(child)

    walk(parse(query))
    return found


def _field_name(node: tree.SearchField) -> str:
    return _unescape(str(node.name))


def _eval(node: tree.Item, doc: dict[str, Any], field: str | None) -> bool:
    if isinstance(node, tree.AndOperation):
        return all(_eval(child, doc, field) for child in node.children)
    if isinstance(node, (tree.OrOperation, tree.UnknownOperation)):
        if isinstance(node, tree.UnknownOperation) and any(
            isinstance(c, (tree.Plus, tree.Prohibit)) for c in node.children
        ):
            raise UnsupportedQuery("mixed +/- clauses with the default operator")
        return any(_eval(child, doc, field) for child in node.children)
    if isinstance(node, (tree.Not, tree.Prohibit)):
        return not _eval(node.a, doc, field)
    if isinstance(node, tree.Plus):
        return _eval(node.a, doc, field)
    if isinstance(node, (tree.Group, tree.FieldGroup)):
        return _eval(node.expr, doc, field)
    if isinstance(node, tree.SearchField):
        if field is not None:
            raise UnsupportedQuery(f"nested field {node.name} inside {field}")
        name = _field_name(node)
        if name == "_exists_":
            if not isinstance(node.expr, tree.Word):
                raise UnsupportedQuery("_exists_ takes a field name")
            return bool(field_values(doc, _unescape(node.expr.value)))
        return _eval(node.expr, doc, name)
    if isinstance(node, (tree.Word, tree.Phrase, tree.Regex)):
        if field is None:
            raise UnsupportedQuery(f"term {node} without a field (default_field not modelled)")
        return _term(node, doc, field)
    raise UnsupportedQuery(f"{type(node).__name__} ({node}) is outside the modelled subset")


def _term(node: tree.Term, doc: dict[str, Any], field: str) -> bool:
    if getattr(node, "_boost", None) or getattr(node, "fuzzy", None):
        raise UnsupportedQuery(f"boost/fuzzy on {field}")
    kind = es_type(field)
    values = field_values(doc, field)
    if isinstance(node, tree.Regex):
        if kind is not EsType.KEYWORD:
            raise UnsupportedQuery(f"regexp on {kind} field {field} (Elasticsearch rejects it)")
        pattern = _lucene_regexp(node.value[1:-1])
        return any(pattern.fullmatch(v) is not None for v in values)
    if isinstance(node, tree.Phrase):
        text: list[Any] = list(_unescape(node.value[1:-1]))
    else:
        text = _word_parts(node.value)
    if kind is EsType.IP:
        return _ip_match("".join(p for p in text if isinstance(p, str)), values, text)
    if kind is EsType.BOOLEAN:
        literal = "".join(p for p in text if isinstance(p, str))
        if literal not in ("true", "false") or len(literal) != len(text):
            raise UnsupportedQuery(f"boolean field {field} compared with {node.value}")
        return any(v is (literal == "true") for v in values)
    wild = [i for i, p in enumerate(text) if p is _MULTI or p is _SINGLE]
    if kind is EsType.FLATTENED and wild and not (wild == [len(text) - 1] and text[-1] is _MULTI):
        raise UnsupportedQuery(
            f"wildcard query on keyed flattened field {field} (Elasticsearch rejects it)"
        )
    if kind is EsType.DATE:
        raise UnsupportedQuery(f"term query on date field {field}")
    if not wild:
        literal = "".join(text)
        return any(v == literal for v in values)
    regex = re.compile(
        "".join(".*" if p is _MULTI else "." if p is _SINGLE else re.escape(p) for p in text),
        re.DOTALL,
    )
    return any(regex.fullmatch(v) is not None for v in values)


def _word_parts(value: str) -> list[Any]:
    parts: list[Any] = []
    escaped = False
    for char in value:
        if escaped:
            parts.append(char)
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "*":
            parts.append(_MULTI)
        elif char == "?":
            parts.append(_SINGLE)
        else:
            parts.append(char)
    if escaped:
        raise UnsupportedQuery(f"dangling escape in {value!r}")
    return parts


def _unescape(value: str) -> str:
    return re.sub(r"\\(.)", r"\1", value)


def _ip_match(literal: str, values: list[Any], parts: list[Any]) -> bool:
    if len(literal) != len(parts):
        raise UnsupportedQuery("wildcard on an ip field")
    try:
        network = ipaddress.ip_network(literal, strict=False)
    except ValueError as error:
        raise UnsupportedQuery(f"not an IP or CIDR: {literal!r}") from error
    for value in values:
        try:
            if ipaddress.ip_address(str(value)) in network:
                return True
        except ValueError:
            continue
    return False


# Lucene RegExp (default flags ALL) -> Python: the constructs sigmaq emits, checked.
_REGEX_ALLOWED = re.compile(
    r"^(?:\\.|\[[^\]\\]*\]|[A-Za-z0-9 _,'\"/:;=@%!&<>~#`-]|[^\x00-\x7f]|\.\*|\.|[*+?|()])*$"
)


@lru_cache(maxsize=512)
def _lucene_regexp(body: str) -> re.Pattern[str]:
    """Python equivalent of a Lucene regexp body (whole-term match) for the emitted subset.

    Supported: literals (non-ASCII characters too), ``\\c`` escapes (a literal ``c``),
    character classes without ranges or negation, ``.``, ``*``, ``+``, ``?``, ``|`` and groups.
    Raises UnsupportedQuery for anything else (intervals ``<1-5>``, ``~``, ``&``, ``@``, ``#``
    operators of Lucene's RegExp, which Python reads differently).
    """
    if _REGEX_ALLOWED.match(body) is None or re.search(r"(?<!\\)[~&@#<>\"]", body):
        raise UnsupportedQuery(f"Lucene regexp /{body}/ is outside the modelled subset")
    out: list[str] = []
    index = 0
    while index < len(body):
        char = body[index]
        if char == "\\":
            out.append(re.escape(body[index + 1]))
            index += 2
            continue
        if char == "[":
            end = body.index("]", index)
            members = body[index + 1 : end]
            if members.startswith("^") or "-" in members[1:-1]:
                raise UnsupportedQuery(f"character class [{members}] not modelled")
            out.append("[" + "".join(re.escape(m) for m in members) + "]")
            index = end + 1
            continue
        out.append(char if char in ".*+?|()" else re.escape(char))
        index += 1
    return re.compile("".join(out), re.DOTALL)
