"""A model of ES|QL over ECS documents: the subset sigmaq emits.

Not Elasticsearch: a small parser and interpreter of the commands and functions
sigmaq's ES|QL output uses (Elasticsearch reference, "ES|QL commands/functions and
operators"):

- ``from <index pattern> [metadata …]`` (rows are the case's documents),
  ``where``, ``eval``, ``stats … [by …]``, ``keep``;
- ``and``/``or``/``not`` with three-valued logic (``null`` is neither true nor false;
  ``where`` keeps true rows only), comparisons ``== != < <= > >=``, ``like`` (``*``/``?``
  wildcards, case-sensitive, whole value), ``rlike`` (Lucene regexp, whole value),
  ``in (…)``, ``is null``/``is not null``;
- functions ``to_lower``, ``coalesce``, ``case``, ``starts_with``, ``ends_with``,
  ``date_trunc``; aggregations
  ``count(*)``, ``count(f)``, ``count_distinct(f)``, ``max(f)``, ``sum(f)``;
- a multi-valued field is ``null`` in comparisons and functions (ES|QL returns null with a
  warning), except ``to_lower``, which lower-cases each value; ``eval`` may overwrite a
  column (``eval f = to_lower(f)``); ``stats … by`` groups null keys together and
  expands multi-valued keys (exact values: case-sensitive);
- keyed ``flattened`` fields raise (ES|QL cannot read them).

Anything else raises ``UnsupportedQuery``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any

from sigmaq.export.elastic.lucene_eval import _lucene_regexp
from sigmaq.export.elastic.values import EsType, UnsupportedQuery, es_type, field_values

Row = dict[str, Any]
Expr = Callable[[Row], Any]

_TOKEN = re.compile(
    r"""\s*(?:
    (?P<string>"(?:[^"\\\r\n]|\\[tnr"\\])*")
  | (?P<number>\d+(?:\.\d+)?)
  | (?P<quoted>`[^`]+`)
  | (?P<op>==|!=|<=|>=|<|>|\(|\)|,|=|\*|\+|-)
  | (?P<word>[@A-Za-z_][\w.@-]*)
  )""",
    re.VERBOSE,
)
_KEYWORDS = {"and", "or", "not", "like", "rlike", "in", "is", "null", "true", "false", "by"}


@dataclass
class Command:
    name: str
    text: str


@dataclass
class Query:
    """A parsed ES|QL query: its commands in order (``from`` first)."""

    commands: list[Command] = field(default_factory=list)


def split_pipes(query: str) -> list[str]:
    """The ``|``-separated commands of ``query`` (pipes inside strings kept)."""
    parts, current, in_string, escaped = [], [], False, False
    for char in query:
        if in_string:
            current.append(char)
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
            current.append(char)
        elif char == "|":
            parts.append("".join(current).strip())
            current = []
        else:
            current.append(char)
    parts.append("".join(current).strip())
    return parts


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens: list[tuple[str, str]] = []
        position = 0
        text = text.strip()
        while position < len(text):
            match = _TOKEN.match(text, position)
            if match is None or match.end() == position:
                raise UnsupportedQuery(f"ES|QL token not modelled at {text[position:][:30]!r}")
            kind = match.lastgroup or ""
            value = match.group(kind)
            if kind == "word" and value.lower() in _KEYWORDS:
                kind, value = "kw", value.lower()
            self.tokens.append((kind, value))
            position = match.end()
            while position < len(text) and text[position].isspace():
                position += 1
        self.index = 0

    def peek(self, offset: int = 0) -> tuple[str, str]:
        at = self.index + offset
        return self.tokens[at] if at < len(self.tokens) else ("end", "")

    def take(self, kind: str | None = None, value: str | None = None) -> str:
        token_kind, token_value = self.peek()
        if (kind and token_kind != kind) or (value and token_value != value):
            raise UnsupportedQuery(f"ES|QL: expected {value or kind}, found {token_value!r}")
        self.index += 1
        return token_value

    def accept(self, kind: str, value: str) -> bool:
        if self.peek() == (kind, value):
            self.index += 1
            return True
        return False

    def done(self) -> None:
        if self.peek()[0] != "end":
            raise UnsupportedQuery(f"ES|QL: unexpected {self.peek()[1]!r}")

    # expressions -------------------------------------------------------------
    def expression(self) -> Expr:
        left = self.conjunction()
        while self.accept("kw", "or"):
            right = self.conjunction()
            left = _or(left, right)
        return left

    def conjunction(self) -> Expr:
        left = self.negation()
        while self.accept("kw", "and"):
            right = self.negation()
            left = _and(left, right)
        return left

    def negation(self) -> Expr:
        if self.accept("kw", "not"):
            inner = self.negation()
            return lambda row: None if (v := inner(row)) is None else not v
        return self.comparison()

    def comparison(self) -> Expr:
        left = self.atom()
        kind, value = self.peek()
        if kind == "op" and value in ("==", "!=", "<", "<=", ">", ">="):
            self.index += 1
            return _compare(value, left, self.atom())
        negate = False
        if (kind, value) == ("kw", "not") and self.peek(1)[1] in ("like", "rlike", "in"):
            self.index += 1
            negate = True
            kind, value = self.peek()
        if (kind, value) == ("kw", "like") or (kind, value) == ("kw", "rlike"):
            self.index += 1
            pattern = _unquote(self.take("string"))
            test = _like(left, pattern) if value == "like" else _rlike(left, pattern)
            return _not(test) if negate else test
        if (kind, value) == ("kw", "in"):
            self.index += 1
            self.take("op", "(")
            items = [self.atom()]
            while self.accept("op", ","):
                items.append(self.atom())
            self.take("op", ")")
            test = _in(left, items)
            return _not(test) if negate else test
        if (kind, value) == ("kw", "is"):
            self.index += 1
            wanted_null = not self.accept("kw", "not")
            self.take("kw", "null")
            return lambda row: (left(row) is None) == wanted_null
        return left

    def atom(self) -> Expr:
        kind, value = self.peek()
        if kind == "op" and value == "(":
            self.index += 1
            inner = self.expression()
            self.take("op", ")")
            return inner
        if kind == "string":
            self.index += 1
            text = _unquote(value)
            return lambda row: text
        if kind == "number":
            self.index += 1
            number = float(value) if "." in value else int(value)
            if self.peek()[0] == "word" and self.peek()[1] in _DURATION_UNITS:
                unit = self.take()
                seconds = number * _DURATION_UNITS[unit]
                return lambda row: ("duration", seconds)
            return lambda row: number
        if kind == "kw" and value in ("true", "false", "null"):
            self.index += 1
            constant = {"true": True, "false": False, "null": None}[value]
            return lambda row: constant
        if kind in ("word", "quoted"):
            self.index += 1
            name = value.strip("`")
            if self.peek() == ("op", "("):
                return self.function(name.lower())
            return _column(name)
        raise UnsupportedQuery(f"ES|QL: unexpected {value!r}")

    def function(self, name: str) -> Expr:
        self.take("op", "(")
        args: list[Expr] = []
        if not self.accept("op", ")"):
            args.append(self.expression())
            while self.accept("op", ","):
                args.append(self.expression())
            self.take("op", ")")
        if name == "to_lower" and len(args) == 1:
            return _to_lower(args[0])
        if name == "coalesce" and args:
            return lambda row: next((v for a in args if (v := a(row)) is not None), None)
        if name == "case" and len(args) >= 2:
            return _case(args)
        if name in ("starts_with", "ends_with") and len(args) == 2:
            text, affix = args
            test = str.startswith if name == "starts_with" else str.endswith

            def run(row: Row) -> Any:
                value, part = _scalar(text(row)), _scalar(affix(row))
                if value is None or part is None:
                    return None
                return test(str(value), str(part))

            return run
        if name == "date_trunc" and len(args) == 2:
            return _date_trunc(args[0], args[1])
        raise UnsupportedQuery(f"ES|QL function {name}() is not modelled")


_DURATION_UNITS = {
    "second": 1, "seconds": 1, "minute": 60, "minutes": 60, "hour": 3600, "hours": 3600,
    "day": 86400, "days": 86400,
}  # fmt: skip


def _unquote(token: str) -> str:
    """A string token's value: the escapes ES|QL's grammar allows (EsqlBaseLexer.g4,
    ``'\\\\' [tnr"\\\\]``; the tokenizer rejects any other escape and raw line breaks)."""
    return re.sub(
        r"\\(.)",
        lambda m: {"n": "\n", "t": "\t", "r": "\r"}.get(m.group(1), m.group(1)),
        token[1:-1],
    )


def _column(name: str) -> Expr:
    def read(row: Row) -> Any:
        if name in row:
            return row[name]
        doc = row.get("__doc__")
        if doc is None:
            raise UnsupportedQuery(f"ES|QL: unknown column {name}")
        if es_type(name) is EsType.FLATTENED:
            raise UnsupportedQuery(f"ES|QL cannot read flattened field {name}")
        if name == "@timestamp":
            return row.get("__time__")
        values = field_values(doc, name)
        if not values:
            return None
        if len(values) > 1:
            return _MultiValue(values)
        return values[0]

    return read


class _MultiValue(list[Any]):
    """A multi-valued field: null for comparisons and functions, expanded by STATS BY."""


def _scalar(value: Any) -> Any:
    return None if isinstance(value, _MultiValue) else value


def _and(left: Expr, right: Expr) -> Expr:
    def run(row: Row) -> Any:
        a, b = left(row), right(row)
        if a is False or b is False:
            return False
        if a is None or b is None:
            return None
        return True

    return run


def _or(left: Expr, right: Expr) -> Expr:
    def run(row: Row) -> Any:
        a, b = left(row), right(row)
        if a is True or b is True:
            return True
        if a is None or b is None:
            return None
        return False

    return run


def _not(inner: Expr) -> Expr:
    return lambda row: None if (v := inner(row)) is None else not v


def _compare(op: str, left: Expr, right: Expr) -> Expr:
    def run(row: Row) -> Any:
        a, b = _scalar(left(row)), _scalar(right(row))
        if a is None or b is None:
            return None
        if isinstance(a, bool) != isinstance(b, bool):
            raise UnsupportedQuery(f"ES|QL: comparing {a!r} with {b!r}")
        if isinstance(a, str) != isinstance(b, str):
            raise UnsupportedQuery(f"ES|QL: comparing {a!r} with {b!r} (types differ)")
        return {
            "==": a == b, "!=": a != b, "<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b,
        }[op]  # fmt: skip

    return run


def _like(left: Expr, pattern: str) -> Expr:
    parts, escaped = [], False
    for char in pattern:
        if escaped:
            parts.append(re.escape(char))
            escaped = False
        elif char == "\\":
            escaped = True
        else:
            parts.append(".*" if char == "*" else "." if char == "?" else re.escape(char))
    regex = re.compile("".join(parts), re.DOTALL)
    return lambda row: None if (v := _scalar(left(row))) is None else bool(regex.fullmatch(str(v)))


def _rlike(left: Expr, pattern: str) -> Expr:
    regex = _lucene_regexp(pattern)
    return lambda row: None if (v := _scalar(left(row))) is None else bool(regex.fullmatch(str(v)))


def _in(left: Expr, items: list[Expr]) -> Expr:
    def run(row: Row) -> Any:
        value = _scalar(left(row))
        if value is None:
            return None
        return any(value == item(row) for item in items)

    return run


def _to_lower(arg: Expr) -> Expr:
    """``to_lower(x)``: null stays null; a multi-valued input is lower-cased per value
    (ES|QL reference, "TO_LOWER": "The input can be a single-valued column or
    expression, or a multi-valued column or expression"); strings only (ES|QL refuses
    other types when it plans the query). Python ``str.lower`` stands in for Java's
    ``String.toLowerCase`` (both apply Unicode's full lower-case mapping, final sigma
    included; Java's Turkish/Lithuanian locale rules are not modelled)."""

    def lower(value: Any) -> str:
        if not isinstance(value, str):
            raise UnsupportedQuery(f"ES|QL to_lower() of a non-string value {value!r}")
        return value.lower()

    def run(row: Row) -> Any:
        value = arg(row)
        if value is None:
            return None
        if isinstance(value, _MultiValue):
            return _MultiValue(lower(item) for item in value)
        return lower(value)

    return run


def _case(args: list[Expr]) -> Expr:
    def run(row: Row) -> Any:
        pairs = len(args) // 2
        for index in range(pairs):
            if args[2 * index](row) is True:
                return args[2 * index + 1](row)
        return args[-1](row) if len(args) % 2 else None

    return run


def _date_trunc(interval: Expr, value: Expr) -> Expr:
    def run(row: Row) -> Any:
        step, moment = interval(row), value(row)
        if not (isinstance(step, tuple) and step[0] == "duration"):
            raise UnsupportedQuery("date_trunc needs a duration literal")
        if not isinstance(moment, datetime):
            return None
        seconds = int(step[1])
        epoch = int(moment.timestamp())
        return epoch - epoch % seconds

    return run


# --------------------------------------------------------------------------- running
@lru_cache(maxsize=256)
def parse(query: str) -> Query:
    """Split ``query`` into commands; raises UnsupportedQuery for an unknown command."""
    parsed = Query()
    for number, text in enumerate(split_pipes(query)):
        name = text.split(None, 1)[0].lower() if text else ""
        if name not in ("from", "where", "eval", "stats", "keep") or (number == 0) != (
            name == "from"
        ):
            raise UnsupportedQuery(f"ES|QL command {name!r} here is not modelled")
        parsed.commands.append(Command(name, text[len(name) :].strip()))
    return parsed


def run(query: str, docs: Sequence[dict[str, Any]], times: Sequence[datetime | None]) -> list[Row]:
    """Rows ``query`` returns over ``docs`` (each doc a row; ``__pos__`` keeps its position).

    Raises UnsupportedQuery for anything outside the modelled subset.
    """
    rows: list[Row] = [
        {"__doc__": doc, "__pos__": index, "__time__": times[index]}
        for index, doc in enumerate(docs)
    ]
    for command in parse(query).commands:
        if command.name == "from":
            continue
        parser = _Parser(command.text)
        if command.name == "where":
            test = parser.expression()
            parser.done()
            rows = [row for row in rows if test(row) is True]
        elif command.name == "eval":
            assignments = _assignments(parser)
            for row in rows:
                for name, expr in assignments:
                    row[name] = expr(row)
        elif command.name == "stats":
            rows = _stats(parser, rows)
        elif command.name == "keep":
            continue
    return rows


def _assignments(parser: _Parser) -> list[tuple[str, Expr]]:
    out = []
    while True:
        name = parser.take().strip("`")
        parser.take("op", "=")
        out.append((name, parser.expression()))
        if not parser.accept("op", ","):
            break
    parser.done()
    return out


def _stats(parser: _Parser, rows: list[Row]) -> list[Row]:
    aggregates: list[tuple[str, str, Expr | None]] = []
    while True:
        name = parser.take().strip("`")
        parser.take("op", "=")
        function = parser.take("word").lower()
        parser.take("op", "(")
        argument: Expr | None = None
        if not parser.accept("op", "*"):
            argument = parser.expression()
        parser.take("op", ")")
        if function not in ("count", "count_distinct", "max", "sum"):
            raise UnsupportedQuery(f"ES|QL aggregation {function}() is not modelled")
        aggregates.append((name, function, argument))
        if not parser.accept("op", ","):
            break
    keys: list[str] = []
    if parser.accept("kw", "by"):
        keys.append(parser.take().strip("`"))
        while parser.accept("op", ","):
            keys.append(parser.take().strip("`"))
    parser.done()
    groups: dict[tuple[Any, ...], list[Row]] = {}
    for row in rows:
        combos: list[tuple[Any, ...]] = [()]
        for key in keys:
            value = _column(key)(row)
            options = list(value) if isinstance(value, _MultiValue) else [value]
            combos = [(*combo, option) for combo in combos for option in options]
        for combo in combos:
            groups.setdefault(combo, []).append(row)
    if not keys and not groups:
        groups[()] = []
    out: list[Row] = []
    for combo, members in groups.items():
        result: Row = dict(zip(keys, combo, strict=True))
        for name, function, argument in aggregates:
            result[name] = _aggregate(function, argument, members)
        out.append(result)
    return out


def _aggregate(function: str, argument: Expr | None, rows: list[Row]) -> Any:
    if argument is None:
        if function != "count":
            raise UnsupportedQuery(f"{function}(*) is not ES|QL")
        return len(rows)
    values: list[Any] = []
    for row in rows:
        value = argument(row)
        if value is None:
            continue
        values.extend(value if isinstance(value, _MultiValue) else [value])
    if function == "count":
        return len(values)
    if function == "count_distinct":
        return len({str(v) for v in values})
    if not values:
        return None
    return max(values) if function == "max" else sum(values)
