"""A subset evaluator of CloudWatch Logs Insights: a model, to prove exported queries.

It runs exactly the commands and functions ``sigmaq.export.aws.insights`` emits and
raises ``InsightsUnsupported`` on anything else (never a silent "no match"):

- commands ``fields`` (computed ``expr as name`` items are added; every field stays
  readable), ``filter``, ``dedup`` (keeps the first event of each non-empty value),
  ``stats`` (``count(*)``, ``count_distinct(f)``, ``earliest(f)``; ``by`` fields and
  ``bin(<n>s|m|h)``), ``sort`` (accepted, order is not compared);
- expressions ``and``/``or``/``not``, parentheses, ``=``/``!=``/``<``/``<=``/``>``/``>=``,
  ``=~ /regex/`` (Python ``re.search``; the emitted patterns are anchored and use only
  syntax Python and RE2 share, ``\\z`` and ``\\x{HHHH}`` read as Python's ``\\Z`` and
  ``\\uHHHH``), ``in [...]``, ``ispresent(f)``, ``tolower(f)``.

The log events are the fixture records flattened as Logs Insights discovers JSON
fields: dotted names, array elements by index (``resources.0.ARN``), strings as is,
numbers and booleans as their JSON text, JSON null, empty objects and empty arrays
absent. ``@timestamp`` is ``eventTime`` (CloudTrail sets the log event time to it);
``bin`` buckets are aligned to the Unix epoch. A comparison on an absent field is false
and ``not`` negates it. These are assumptions of the model, stated in ``PROOF.md``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from sigmaq.export.proof import Outcome, ProofCase
from sigmaq.export.textsafety import python_regex

Row = dict[str, Any]


class InsightsUnsupported(ValueError):
    """The query uses a command, function or syntax outside the modelled subset."""


def flatten(record: Mapping[str, Any]) -> Row:
    """A CloudTrail record as Logs Insights fields (see the module docstring)."""
    out: Row = {}

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), item)
        elif isinstance(value, list):
            for index, item in enumerate(value):
                walk(f"{prefix}.{index}", item)
        elif value is None:
            return
        elif isinstance(value, str):
            out[prefix] = value
        else:
            out[prefix] = json.dumps(value)

    walk("", record)
    return out


# ------------------------------------------------------------------ tokens
_TOKEN = re.compile(
    r"""\s*(?:
    (?P<string>"(?:[^"\\]|\\.)*")
  | (?P<name>`(?:[^`\\]|\\.)*`)
  | (?P<number>-?\d+(?:\.\d+)?(?![A-Za-z_]))
  | (?P<op>=~|!=|<=|>=|=|<|>|\(|\)|\[|\]|,|\*)
  | (?P<word>[A-Za-z_@][A-Za-z0-9_.@]*)
    )""",
    re.VERBOSE,
)


@dataclass
class Token:
    kind: str
    text: str


def tokenize(text: str) -> list[Token]:
    """Tokens of one command's arguments; ``/regex/`` follows ``=~`` only."""
    tokens: list[Token] = []
    position = 0
    while position < len(text):
        if text[position:].strip() == "":
            break
        if tokens and tokens[-1].text == "=~":
            start = text.index("/", position)
            if text[position:start].strip():
                raise InsightsUnsupported("=~ must be followed by /regex/")
            end = start + 1
            while end < len(text) and text[end] != "/":
                end += 2 if text[end] == "\\" else 1
            if end >= len(text):
                raise InsightsUnsupported("unterminated /regex/")
            tokens.append(Token("regex", text[start + 1 : end].replace("\\/", "/")))
            position = end + 1
            continue
        found = _TOKEN.match(text, position)
        if found is None or found.end() == position:
            raise InsightsUnsupported(f"cannot read {text[position : position + 20]!r}")
        kind = found.lastgroup or ""
        tokens.append(Token(kind, found.group(kind)))
        position = found.end()
    return tokens


Expr = Callable[[Row], Any]


class _Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.index = 0

    def peek(self) -> Token | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def take(self, text: str | None = None) -> Token:
        token = self.peek()
        if token is None or (text is not None and token.text.lower() != text):
            raise InsightsUnsupported(
                f"expected {text or 'more'}, got {token.text if token else 'end'}"
            )
        self.index += 1
        return token

    def at(self, text: str) -> bool:
        token = self.peek()
        return token is not None and token.text.lower() == text

    def done(self) -> bool:
        return self.index >= len(self.tokens)

    # expr := and ('or' and)*
    def expr(self) -> Expr:
        parts = [self.conj()]
        while self.at("or"):
            self.take()
            parts.append(self.conj())
        if len(parts) == 1:
            return parts[0]
        return lambda row: any(part(row) for part in parts)

    def conj(self) -> Expr:
        parts = [self.neg()]
        while self.at("and"):
            self.take()
            parts.append(self.neg())
        if len(parts) == 1:
            return parts[0]
        return lambda row: all(part(row) for part in parts)

    def neg(self) -> Expr:
        if self.at("not"):
            self.take()
            inner = self.neg()
            return lambda row: not _truth(inner(row))
        return self.comparison()

    def comparison(self) -> Expr:
        left = self.primary()
        token = self.peek()
        if token is None or token.text.lower() not in ("=", "!=", "<", "<=", ">", ">=", "=~", "in"):
            return left
        operator = self.take().text.lower()
        if operator == "=~":
            pattern_token = self.take()
            if pattern_token.kind != "regex":
                raise InsightsUnsupported("=~ needs a /regex/")
            pattern = re.compile(python_regex(pattern_token.text))
            return lambda row: (v := left(row)) is not None and pattern.search(str(v)) is not None
        if operator == "in":
            self.take("[")
            items = [self.literal()]
            while self.at(","):
                self.take()
                items.append(self.literal())
            self.take("]")
            wanted = {str(item) for item in items}
            return lambda row: (v := left(row)) is not None and str(v) in wanted
        right = self.primary()
        return lambda row: _compare(operator, left(row), right(row))

    def literal(self) -> Any:
        token = self.take()
        if token.kind == "string":
            return _unquote(token.text)
        if token.kind == "number":
            return token.text
        raise InsightsUnsupported(f"expected a literal, got {token.text}")

    def primary(self) -> Expr:
        token = self.peek()
        if token is None:
            raise InsightsUnsupported("expression ends early")
        if token.text == "(":
            self.take()
            inner = self.expr()
            self.take(")")
            return inner
        if token.kind == "string":
            text = _unquote(self.take().text)
            return lambda row: text
        if token.kind == "number":
            number = self.take().text
            return lambda row: number
        if token.kind in ("word", "name"):
            name = self.take().text
            if self.at("("):
                return self.call(name.lower())
            field = name[1:-1].replace("\\`", "`") if token.kind == "name" else name
            return lambda row: row.get(field)
        raise InsightsUnsupported(f"unexpected {token.text!r}")

    def call(self, function: str) -> Expr:
        self.take("(")
        argument = self.expr()
        self.take(")")
        if function == "ispresent":
            return lambda row: argument(row) is not None
        if function == "tolower":
            return lambda row: None if (v := argument(row)) is None else str(v).lower()
        raise InsightsUnsupported(f"function {function}() is outside the modelled subset")


def _unquote(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text[1:-1])


def _truth(value: Any) -> bool:
    return bool(value) if isinstance(value, bool) else value is not None


_NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")


def _compare(operator: str, left: Any, right: Any) -> bool:
    if left is None or right is None:
        return False
    a: Any = str(left)
    b: Any = str(right)
    if _NUMBER.fullmatch(a) and _NUMBER.fullmatch(b):  # JSON number text only (not " 7\n")
        a, b = float(a), float(b)
    outcome: bool = {
        "=": a == b,
        "!=": a != b,
        "<": a < b,
        "<=": a <= b,
        ">": a > b,
        ">=": a >= b,
    }[operator]
    return outcome


# ------------------------------------------------------------------ commands
def split_commands(query: str) -> list[str]:
    """Commands of a query: ``#`` comment lines dropped, split on ``|`` outside strings
    and regexes."""
    text = "\n".join(line for line in query.splitlines() if not line.lstrip().startswith("#"))
    commands, current, quote, previous = [], [], "", ""
    for index, ch in enumerate(text):
        if quote:
            current.append(ch)
            if ch == quote and previous != "\\":
                quote = ""
        elif ch in '"`':
            quote = ch
            current.append(ch)
        elif ch == "/" and "".join(current).rstrip().endswith("=~"):
            quote = "/"
            current.append(ch)
        elif ch == "|":
            commands.append("".join(current).strip())
            current = []
        else:
            current.append(ch)
        previous = ch if previous != "\\" else ""
        del index
    commands.append("".join(current).strip())
    return [c for c in commands if c]


_DURATION = re.compile(r"^(\d+)(s|m|h)$")
_UNIT = {"s": 1, "m": 60, "h": 3600}


def run_query(query: str, rows: list[Row]) -> tuple[list[Row], bool]:
    """Run ``query`` over ``rows``; returns (result rows, whether ``stats`` ran).

    Raises InsightsUnsupported for anything outside the subset.
    """
    aggregated = False
    for command in split_commands(query):
        word, _, rest = command.partition(" ")
        word = word.lower()
        if word == "filter":
            parser = _Parser(tokenize(rest))
            predicate = parser.expr()
            if not parser.done():
                raise InsightsUnsupported(f"trailing text in filter: {rest!r}")
            rows = [row for row in rows if _truth(predicate(row))]
        elif word == "fields":
            rows = _fields(rest, rows)
        elif word == "dedup":
            names = [name.strip() for name in rest.split(",")]
            seen: set[tuple[Any, ...]] = set()
            kept = []
            for row in rows:
                key = tuple(row.get(name) for name in names)
                if all(v is None for v in key):
                    kept.append(row)
                elif key not in seen:
                    seen.add(key)
                    kept.append(row)
            rows = kept
        elif word == "stats":
            rows = _stats(rest, rows)
            aggregated = True
        elif word == "sort":
            continue
        else:
            raise InsightsUnsupported(f"command {word!r} is outside the modelled subset")
    return rows, aggregated


def _items(text: str) -> Iterator[tuple[str, str | None]]:
    depth = 0
    current: list[str] = []
    for ch in text + ",":
        if ch == "," and depth == 0:
            item = "".join(current).strip()
            expression, separator, alias = item.rpartition(" as ")
            yield (expression, alias.strip()) if separator else (item, None)
            current = []
            continue
        depth += ch == "(" or ch == "["
        depth -= ch == ")" or ch == "]"
        current.append(ch)


def _fields(text: str, rows: list[Row]) -> list[Row]:
    computed = []
    for expression, alias in _items(text):
        if alias is None:
            continue
        parser = _Parser(tokenize(expression))
        computed.append((alias, parser.expr()))
        if not parser.done():
            raise InsightsUnsupported(f"cannot read field item {expression!r}")
    out = []
    for row in rows:
        new = dict(row)
        for alias, function in computed:
            new[alias] = function(row)
        out.append(new)
    return out


def _stats(text: str, rows: list[Row]) -> list[Row]:
    aggregates_text, separator, by_text = text.partition(" by ")
    if not separator:
        raise InsightsUnsupported("stats without by is outside the modelled subset")
    groupers: list[tuple[str, Callable[[Row], Any]]] = []
    for expression, alias in _items(by_text):
        bin_match = re.fullmatch(r"bin\((\w+)\)", expression.strip())
        if bin_match:
            duration = _DURATION.match(bin_match.group(1))
            if duration is None:
                raise InsightsUnsupported(f"bin({bin_match.group(1)})")
            size = int(duration.group(1)) * _UNIT[duration.group(2)]
            groupers.append((alias or "bin", _bucket(size)))
        else:
            name = expression.strip()
            groupers.append((alias or name, _getter(name)))
    aggregates = list(_items(aggregates_text))
    groups: dict[tuple[Any, ...], list[Row]] = {}
    for row in rows:
        key = tuple(function(row) for _, function in groupers)
        groups.setdefault(key, []).append(row)
    out = []
    for key, members in groups.items():
        result: Row = dict(zip((name for name, _ in groupers), key, strict=True))
        for expression, alias in aggregates:
            result[alias or expression] = _aggregate(expression.strip(), members)
        out.append(result)
    return out


def _bucket(size: int) -> Callable[[Row], Any]:
    def bucket(row: Row) -> Any:
        moment = row.get("@timestamp")
        return None if moment is None else int(moment // size * size)

    return bucket


def _getter(name: str) -> Callable[[Row], Any]:
    def get(row: Row) -> Any:
        return row.get(name)

    return get


def _aggregate(expression: str, rows: list[Row]) -> Any:
    found = re.fullmatch(r"(\w+)\((.*)\)", expression)
    if found is None:
        raise InsightsUnsupported(f"aggregate {expression!r}")
    function, argument = found.group(1).lower(), found.group(2).strip()
    if function == "count" and argument == "*":
        return str(len(rows))
    name = argument[1:-1] if argument.startswith("`") else argument
    if function == "count_distinct":
        return str(len({row.get(name) for row in rows if row.get(name) is not None}))
    if function == "earliest":
        timed = [row for row in rows if row.get("@timestamp") is not None]
        timed.sort(key=lambda row: (row["@timestamp"], row.get("__pos", 0)))
        return timed[0].get(name) if timed else None
    raise InsightsUnsupported(f"aggregate {function}() is outside the modelled subset")


class InsightsEvaluator:
    """Evaluator (``sigmaq.export.proof.Evaluator``) of exported Logs Insights queries."""

    model = (
        "a Python subset evaluator of CloudWatch Logs Insights (sigmaq/export/aws/"
        "insights_eval.py), a model of Logs Insights over CloudTrail in a log group: records "
        "flattened into dotted fields, array elements by index, numbers and booleans as JSON "
        "text, JSON null absent, @timestamp = eventTime, bin() buckets aligned to the epoch, "
        "count_distinct exact (Logs Insights approximates it for high cardinality)"
    )

    def __call__(self, query: Any, case: ProofCase) -> Outcome:
        rows = []
        for position, record in enumerate(case.records):
            row = flatten(record)
            moment = case.event_time(position)
            row["@timestamp"] = moment.timestamp() if moment is not None else None
            row["__pos"] = position
            rows.append(row)
        result, aggregated = run_query(str(query), rows)
        if aggregated:
            groups = frozenset(
                tuple(
                    "" if row.get(name) is None else str(row[name])
                    for name in sorted(
                        (k for k in row if re.fullmatch(r"g\d+", k)), key=lambda k: int(k[1:])
                    )
                )
                for row in result
            )
            return Outcome(bool(result), groups=groups)
        positions = frozenset(int(row["__pos"]) for row in result)
        return Outcome(bool(positions), records=positions)
