"""A recursive-descent parser for the subset of SPL that sigmaq emits.

The subset (Splunk Search Reference, "search", "multisearch", "regex", "rex", "eval",
"where", "bin", "stats", "streamstats", "sort", "rename", "table"):

- a search expression: ``field=value``, ``field!=value``, ``field>=value``… (value
  quoted or bare, ``*`` a wildcard), ``field IN (v, …)``, the term ``*``, ``NOT``,
  ``OR``, ``AND`` and juxtaposition (implicit AND), parentheses. Precedence is
  Splunk's for the search command: parentheses, then ``NOT``, then ``OR``, then
  ``AND`` (Search Manual, "Boolean expressions": "The order in which Boolean
  expressions are evaluated … NOT clauses, OR clauses, AND clauses");
- macros in backticks, expanded from a table before parsing (an unknown macro raises);
- eval expressions (for ``eval`` and ``where``): literals, fields (bare names; dotted
  names only in single quotes, since a bare ``.`` is eval's concatenation operator),
  ``if``, ``case``, ``isnull``, ``isnotnull``, ``null``, ``lower``, ``coalesce``,
  comparisons, arithmetic, ``AND``/``OR``/``NOT``.

Anything else raises ``UnmodelledSPL``: an unmodelled command must never evaluate to
"no match".
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from sigmaq.core.errors import SigmaqError


class UnmodelledSPL(SigmaqError):
    """SPL outside the modelled subset (or malformed): the query cannot be evaluated."""


# --------------------------------------------------------------------------- AST
@dataclass(frozen=True)
class Compare:
    """``field <op> value`` in a search expression; ``value`` unquoted, wildcards kept."""

    field: str
    op: str
    value: str


@dataclass(frozen=True)
class InList:
    field: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class MatchAll:
    """The search term ``*``."""


@dataclass(frozen=True)
class Not:
    arg: SearchExpr


@dataclass(frozen=True)
class And:
    args: tuple[SearchExpr, ...]


@dataclass(frozen=True)
class Or:
    args: tuple[SearchExpr, ...]


SearchExpr = Compare | InList | MatchAll | Not | And | Or


@dataclass(frozen=True)
class Lit:
    value: str | float | None


@dataclass(frozen=True)
class FieldRef:
    name: str


@dataclass(frozen=True)
class Call:
    name: str
    args: tuple[EvalExpr, ...]


@dataclass(frozen=True)
class BinOp:
    op: str
    left: EvalExpr
    right: EvalExpr


@dataclass(frozen=True)
class EvalNot:
    arg: EvalExpr


EvalExpr = Lit | FieldRef | Call | BinOp | EvalNot


@dataclass(frozen=True)
class SearchCmd:
    expr: SearchExpr


@dataclass(frozen=True)
class RegexCmd:
    field: str
    negate: bool
    pattern: str


@dataclass(frozen=True)
class RexCmd:
    field: str
    pattern: str


@dataclass(frozen=True)
class EvalCmd:
    assignments: tuple[tuple[str, EvalExpr], ...]


@dataclass(frozen=True)
class WhereCmd:
    expr: EvalExpr


@dataclass(frozen=True)
class BinCmd:
    field: str
    span_seconds: int


@dataclass(frozen=True)
class Agg:
    """A stats function: ``func(arg) as alias`` (``arg`` None for ``count``)."""

    func: str
    arg: str | None
    alias: str


@dataclass(frozen=True)
class StatsCmd:
    aggs: tuple[Agg, ...]
    by: tuple[str, ...]


@dataclass(frozen=True)
class StreamstatsCmd:
    time_window: int
    aggs: tuple[Agg, ...]
    by: tuple[str, ...]


@dataclass(frozen=True)
class SortCmd:
    limit: int
    keys: tuple[tuple[str, bool], ...]  # (field, ascending)


@dataclass(frozen=True)
class RenameCmd:
    pairs: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class TableCmd:
    fields: tuple[str, ...]


Command = (
    SearchCmd
    | RegexCmd
    | RexCmd
    | EvalCmd
    | WhereCmd
    | BinCmd
    | StatsCmd
    | StreamstatsCmd
    | SortCmd
    | RenameCmd
    | TableCmd
)


@dataclass(frozen=True)
class Query:
    """A pipeline: a head (a search, or ``multisearch`` of sub-queries) and commands."""

    head: SearchCmd | None
    subsearches: tuple[Query, ...] = ()
    commands: tuple[Command, ...] = field(default_factory=tuple)


# --------------------------------------------------------------------------- macros
_MACRO = re.compile(r"`([A-Za-z0-9_.:-]+)`")


def expand_macros(text: str, macros: Mapping[str, str], depth: int = 0) -> str:
    """Replace every `` `name` `` with its definition (recursively, at most 10 deep).

    Raises UnmodelledSPL for a macro missing from ``macros`` or macros with arguments.
    """
    if depth > 10:
        raise UnmodelledSPL("macro expansion deeper than 10 levels")

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in macros:
            raise UnmodelledSPL(f"unknown macro `{name}`")
        return " " + expand_macros(macros[name], macros, depth + 1) + " "

    return _MACRO.sub(replace, text)


# --------------------------------------------------------------------------- splitting
def split_pipes(text: str) -> list[str]:
    """Split ``text`` on ``|`` outside double quotes and square brackets."""
    parts: list[str] = []
    depth = 0
    quoted = False
    start = 0
    index = 0
    while index < len(text):
        char = text[index]
        if quoted:
            if char == "\\":
                index += 1
            elif char == '"':
                quoted = False
        elif char == '"':
            quoted = True
        elif char == "[":
            depth += 1
        elif char == "]":
            depth -= 1
            if depth < 0:
                raise UnmodelledSPL("unbalanced ']'")
        elif char == "|" and depth == 0:
            parts.append(text[start:index])
            start = index + 1
        index += 1
    if quoted or depth:
        raise UnmodelledSPL("unterminated quote or subsearch")
    parts.append(text[start:])
    return parts


def unquote(text: str) -> str:
    """The value of an SPL double-quoted string body: ``\\"`` -> ``"``, ``\\\\`` -> ``\\``,
    any other backslash kept (so ``\\d`` reaches a regex unchanged)."""
    out: list[str] = []
    index = 0
    while index < len(text):
        char = text[index]
        if char == "\\" and index + 1 < len(text) and text[index + 1] in '"\\':
            out.append(text[index + 1])
            index += 2
            continue
        out.append(char)
        index += 1
    return "".join(out)


# --------------------------------------------------------------------------- tokens
@dataclass(frozen=True)
class Token:
    kind: str  # word, quoted, squoted, num, op, lparen, rparen, comma, eof
    text: str


_SEARCH_OPS = ("!=", "<=", ">=", "=", "<", ">")
_EVAL_OPS = ("==", "!=", "<=", ">=", "=", "<", ">", "+", "-", "*", "/", ".")
_SEARCH_STOP = set(' \t\r\n()",=!<>')


def _read_quoted(text: str, index: int, quote: str) -> tuple[str, int]:
    end = index + 1
    while end < len(text):
        if text[end] == "\\":
            end += 2
            continue
        if text[end] == quote:
            return text[index + 1 : end], end + 1
        end += 1
    raise UnmodelledSPL(f"unterminated {quote} string in {text!r}")


def tokenize_search(text: str) -> list[Token]:
    """Tokens of a search expression (values keep their wildcards)."""
    tokens: list[Token] = []
    index = 0
    while index < len(text):
        char = text[index]
        if char.isspace():
            index += 1
        elif char == "(":
            tokens.append(Token("lparen", char))
            index += 1
        elif char == ")":
            tokens.append(Token("rparen", char))
            index += 1
        elif char == ",":
            tokens.append(Token("comma", char))
            index += 1
        elif char == '"':
            body, index = _read_quoted(text, index, '"')
            tokens.append(Token("quoted", unquote(body)))
        elif any(text.startswith(op, index) for op in _SEARCH_OPS):
            op = next(op for op in _SEARCH_OPS if text.startswith(op, index))
            tokens.append(Token("op", op))
            index += len(op)
        else:
            end = index
            while end < len(text) and text[end] not in _SEARCH_STOP:
                end += 1
            if end == index:
                raise UnmodelledSPL(f"unexpected character {char!r} in search {text!r}")
            tokens.append(Token("word", text[index:end]))
            index = end
    tokens.append(Token("eof", ""))
    return tokens


_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def tokenize_eval(text: str) -> list[Token]:
    """Tokens of an eval expression. A bare name stops at ``.`` (concatenation)."""
    tokens: list[Token] = []
    index = 0
    while index < len(text):
        char = text[index]
        if char.isspace():
            index += 1
            continue
        if char in "(),":
            kind = {"(": "lparen", ")": "rparen", ",": "comma"}[char]
            tokens.append(Token(kind, char))
            index += 1
            continue
        if char in "\"'":
            body, index = _read_quoted(text, index, char)
            tokens.append(Token("quoted" if char == '"' else "squoted", unquote(body)))
            continue
        number = _NUMBER.match(text, index)
        if number:
            tokens.append(Token("num", number.group()))
            index = number.end()
            continue
        ident = _IDENT.match(text, index)
        if ident:
            tokens.append(Token("word", ident.group()))
            index = ident.end()
            continue
        op = next((op for op in _EVAL_OPS if text.startswith(op, index)), None)
        if op is None:
            raise UnmodelledSPL(f"unexpected character {char!r} in eval expression {text!r}")
        tokens.append(Token("op", op))
        index += len(op)
    tokens.append(Token("eof", ""))
    return tokens


class _Cursor:
    def __init__(self, tokens: list[Token], source: str) -> None:
        self.tokens = tokens
        self.index = 0
        self.source = source

    @property
    def peek(self) -> Token:
        return self.tokens[self.index]

    def next(self) -> Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def is_word(self, *words: str) -> bool:
        return self.peek.kind == "word" and self.peek.text in words

    def expect(self, kind: str) -> Token:
        token = self.next()
        if token.kind != kind:
            raise UnmodelledSPL(f"expected {kind}, found {token.text!r} in {self.source!r}")
        return token


# --------------------------------------------------------------------------- search expressions
def parse_search_expression(text: str) -> SearchExpr:
    """Parse a search expression (the body of ``search``). Raises UnmodelledSPL."""
    cursor = _Cursor(tokenize_search(text), text)
    if cursor.peek.kind == "eof":
        raise UnmodelledSPL("empty search expression")
    expr = _search_and(cursor)
    if cursor.peek.kind != "eof":
        raise UnmodelledSPL(f"unexpected {cursor.peek.text!r} in search {text!r}")
    return expr


def _search_and(cursor: _Cursor) -> SearchExpr:
    items = [_search_or(cursor)]
    while cursor.peek.kind not in ("eof", "rparen"):
        if cursor.is_word("AND"):
            cursor.next()
        items.append(_search_or(cursor))
    return items[0] if len(items) == 1 else And(tuple(items))


def _search_or(cursor: _Cursor) -> SearchExpr:
    items = [_search_not(cursor)]
    while cursor.is_word("OR"):
        cursor.next()
        items.append(_search_not(cursor))
    return items[0] if len(items) == 1 else Or(tuple(items))


def _search_not(cursor: _Cursor) -> SearchExpr:
    if cursor.is_word("NOT"):
        cursor.next()
        return Not(_search_not(cursor))
    return _search_primary(cursor)


def _search_primary(cursor: _Cursor) -> SearchExpr:
    token = cursor.next()
    if token.kind == "lparen":
        expr = _search_and(cursor)
        cursor.expect("rparen")
        return expr
    if token.kind not in ("word", "quoted"):
        raise UnmodelledSPL(f"unexpected {token.text!r} in search {cursor.source!r}")
    if cursor.peek.kind == "op":
        op = cursor.next().text
        value = cursor.next()
        if value.kind not in ("word", "quoted"):
            raise UnmodelledSPL(f"missing value after {token.text}{op} in {cursor.source!r}")
        return Compare(token.text, op, value.text)
    if cursor.is_word("IN"):
        cursor.next()
        cursor.expect("lparen")
        values: list[str] = []
        while True:
            value = cursor.next()
            if value.kind not in ("word", "quoted"):
                raise UnmodelledSPL(f"bad IN list in {cursor.source!r}")
            values.append(value.text)
            if cursor.peek.kind == "comma":
                cursor.next()
                continue
            cursor.expect("rparen")
            break
        return InList(token.text, tuple(values))
    if token.kind == "word" and token.text == "*":
        return MatchAll()
    raise UnmodelledSPL(
        f"bare search term {token.text!r} (keyword search over _raw is not modelled)"
    )


# --------------------------------------------------------------------------- eval expressions
_COMPARISONS = ("=", "==", "!=", "<", "<=", ">", ">=")
EVAL_FUNCTIONS = frozenset({"if", "case", "isnull", "isnotnull", "null", "lower", "coalesce"})


def parse_eval_expression(text: str) -> EvalExpr:
    """Parse an eval expression (``eval`` right-hand side, ``where``). Raises UnmodelledSPL."""
    cursor = _Cursor(tokenize_eval(text), text)
    expr = _eval_or(cursor)
    if cursor.peek.kind != "eof":
        raise UnmodelledSPL(f"unexpected {cursor.peek.text!r} in eval expression {text!r}")
    return expr


def _eval_or(cursor: _Cursor) -> EvalExpr:
    left = _eval_and(cursor)
    while cursor.is_word("OR"):
        cursor.next()
        left = BinOp("OR", left, _eval_and(cursor))
    return left


def _eval_and(cursor: _Cursor) -> EvalExpr:
    left = _eval_not(cursor)
    while cursor.is_word("AND"):
        cursor.next()
        left = BinOp("AND", left, _eval_not(cursor))
    return left


def _eval_not(cursor: _Cursor) -> EvalExpr:
    if cursor.is_word("NOT"):
        cursor.next()
        return EvalNot(_eval_not(cursor))
    return _eval_comparison(cursor)


def _eval_comparison(cursor: _Cursor) -> EvalExpr:
    left = _eval_sum(cursor)
    if cursor.peek.kind == "op" and cursor.peek.text in _COMPARISONS:
        op = cursor.next().text
        return BinOp("=" if op == "==" else op, left, _eval_sum(cursor))
    return left


def _eval_sum(cursor: _Cursor) -> EvalExpr:
    left = _eval_product(cursor)
    while cursor.peek.kind == "op" and cursor.peek.text in ("+", "-", "."):
        op = cursor.next().text
        left = BinOp(op, left, _eval_product(cursor))
    return left


def _eval_product(cursor: _Cursor) -> EvalExpr:
    left = _eval_atom(cursor)
    while cursor.peek.kind == "op" and cursor.peek.text in ("*", "/"):
        op = cursor.next().text
        left = BinOp(op, left, _eval_atom(cursor))
    return left


def _eval_atom(cursor: _Cursor) -> EvalExpr:
    token = cursor.next()
    if token.kind == "lparen":
        expr = _eval_or(cursor)
        cursor.expect("rparen")
        return expr
    if token.kind == "quoted":
        return Lit(token.text)
    if token.kind == "squoted":
        return FieldRef(token.text)
    if token.kind == "num":
        return Lit(float(token.text))
    if token.kind == "word":
        if cursor.peek.kind == "lparen":
            name = token.text.lower()
            if name not in EVAL_FUNCTIONS:
                raise UnmodelledSPL(f"eval function {token.text}() is not modelled")
            cursor.next()
            args: list[EvalExpr] = []
            if cursor.peek.kind != "rparen":
                args.append(_eval_or(cursor))
                while cursor.peek.kind == "comma":
                    cursor.next()
                    args.append(_eval_or(cursor))
            cursor.expect("rparen")
            return Call(name, tuple(args))
        return FieldRef(token.text)
    raise UnmodelledSPL(f"unexpected {token.text!r} in eval expression {cursor.source!r}")


# --------------------------------------------------------------------------- commands
_SPAN = re.compile(r"^(\d+)(s|sec|m|min|h|hr|d|day)s?$")
_SPAN_SECONDS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "hr": 3600, "d": 86400}
_AGG = re.compile(r"^(\w+)(?:\((.*)\))?$")


def span_seconds(text: str) -> int:
    """Seconds in a Splunk span (``15m``, ``1h``, ``24h``). Raises UnmodelledSPL."""
    match = _SPAN.match(text.strip())
    if not match:
        raise UnmodelledSPL(f"time span {text!r} is not modelled")
    return int(match.group(1)) * _SPAN_SECONDS[match.group(2)]


def _field_name(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return unquote(text[1:-1])
    return text


def _parse_aggs(text: str) -> tuple[tuple[Agg, ...], tuple[str, ...]]:
    """``count as n dc(x) as m by a b`` -> aggregations and by-fields."""
    parts = re.split(r"\s+by\s+", text, maxsplit=1)
    head = parts[0]
    by = parts[1] if len(parts) > 1 else ""
    words = [w for w in re.split(r"[\s,]+", head.strip()) if w]
    aggs: list[Agg] = []
    index = 0
    while index < len(words):
        match = _AGG.match(words[index])
        if not match:
            raise UnmodelledSPL(f"stats function {words[index]!r} is not modelled")
        func, arg = match.group(1).lower(), match.group(2)
        if func not in ("count", "dc", "min", "max", "values"):
            raise UnmodelledSPL(f"stats function {func}() is not modelled")
        if arg is not None and ("(" in arg or arg.strip() == ""):
            raise UnmodelledSPL(f"stats argument {arg!r} is not modelled")
        if func != "count" and arg is None:
            raise UnmodelledSPL(f"{func} needs a field")
        alias = f"{func}({arg})" if arg is not None else func
        index += 1
        if index < len(words) and words[index].lower() == "as":
            if index + 1 >= len(words):
                raise UnmodelledSPL("'as' without a name")
            alias = _field_name(words[index + 1])
            index += 2
        aggs.append(Agg(func, _field_name(arg) if arg is not None else None, alias))
    if not aggs:
        raise UnmodelledSPL("stats without a function")
    fields = tuple(_field_name(f) for f in re.split(r"[\s,]+", by.strip()) if f)
    return tuple(aggs), fields


_OPTION = re.compile(r"^(\w+)=(\S+)\s*")


def parse_command(text: str) -> Command:
    """Parse one pipeline command (the text after ``|``). Raises UnmodelledSPL."""
    text = text.strip()
    name, _, rest = text.partition(" ")
    rest = rest.strip()
    if name == "search":
        return SearchCmd(parse_search_expression(rest))
    if name == "regex":
        match = re.match(r'^("?[\w.{}\-@]+"?)\s*(!?=)\s*"(.*)"$', rest, re.DOTALL)
        if not match:
            raise UnmodelledSPL(f"regex form not modelled: {text!r}")
        return RegexCmd(
            _field_name(match.group(1)), match.group(2) == "!=", unquote(match.group(3))
        )
    if name == "rex":
        match = re.match(r'^field=("?[\w.{}\-@]+"?)\s+"(.*)"$', rest, re.DOTALL)
        if not match:
            raise UnmodelledSPL(f"rex form not modelled: {text!r}")
        return RexCmd(_field_name(match.group(1)), unquote(match.group(2)))
    if name == "eval":
        return EvalCmd(tuple(_parse_assignments(rest)))
    if name == "where":
        return WhereCmd(parse_eval_expression(rest))
    if name == "bin":
        match = re.match(r"^(\S+)\s+span=(\S+)$", rest)
        if not match:
            raise UnmodelledSPL(f"bin form not modelled: {text!r}")
        return BinCmd(_field_name(match.group(1)), span_seconds(match.group(2)))
    if name == "stats":
        aggs, by = _parse_aggs(rest)
        return StatsCmd(aggs, by)
    if name == "streamstats":
        options: dict[str, str] = {}
        while (option := _OPTION.match(rest)) is not None:
            options[option.group(1)] = option.group(2)
            rest = rest[option.end() :]
        if set(options) != {"time_window"}:
            raise UnmodelledSPL(f"streamstats options {sorted(options)} are not modelled")
        aggs, by = _parse_aggs(rest)
        return StreamstatsCmd(span_seconds(options["time_window"]), aggs, by)
    if name == "sort":
        words = [w for w in re.split(r"[\s,]+", rest) if w]
        limit = 10000  # sort's default: only the first 10,000 results are kept
        if words and words[0].isdigit():
            limit = int(words.pop(0))
        keys = []
        for word in words:
            ascending = not word.startswith("-")
            keys.append((_field_name(word.lstrip("+-")), ascending))
        if not keys:
            raise UnmodelledSPL("sort without a field")
        return SortCmd(limit, tuple(keys))
    if name == "rename":
        pairs = []
        for chunk in rest.split(","):
            match = re.match(r"^\s*(\S+)\s+as\s+(\S+)\s*$", chunk, re.IGNORECASE)
            if not match or "*" in chunk:
                raise UnmodelledSPL(f"rename form not modelled: {text!r}")
            pairs.append((_field_name(match.group(1)), _field_name(match.group(2))))
        return RenameCmd(tuple(pairs))
    if name == "table":
        return TableCmd(tuple(_field_name(f) for f in re.split(r"[\s,]+", rest) if f))
    raise UnmodelledSPL(f"command {name!r} is not modelled")


def _parse_assignments(text: str) -> list[tuple[str, EvalExpr]]:
    """``a=expr, b=expr`` (commas inside parentheses or quotes do not split)."""
    chunks: list[str] = []
    depth = 0
    quote = ""
    start = 0
    for index, char in enumerate(text):
        if quote:
            if char == quote and text[index - 1] != "\\":
                quote = ""
        elif char in "\"'":
            quote = char
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "," and depth == 0:
            chunks.append(text[start:index])
            start = index + 1
    chunks.append(text[start:])
    assignments = []
    for chunk in chunks:
        match = re.match(r"^\s*(\"[^\"]+\"|'[^']+'|[\w.{}]+)\s*=(?!=)(.*)$", chunk, re.DOTALL)
        if not match:
            raise UnmodelledSPL(f"eval assignment not modelled: {chunk!r}")
        assignments.append((_field_name(match.group(1)), parse_eval_expression(match.group(2))))
    return assignments


def parse_query(text: str, macros: Mapping[str, str] | None = None) -> Query:
    """Parse a whole search (macros expanded first). Raises UnmodelledSPL."""
    expanded = expand_macros(text, macros or {})
    return _parse_pipeline(expanded)


def _parse_pipeline(text: str) -> Query:
    parts = split_pipes(text)
    head_text, rest = parts[0].strip(), parts[1:]
    subsearches: tuple[Query, ...] = ()
    head: SearchCmd | None
    if head_text:
        if head_text.startswith("search "):
            head_text = head_text[len("search ") :]
        head = SearchCmd(parse_search_expression(head_text))
    else:
        if not rest or not rest[0].strip().startswith("multisearch"):
            raise UnmodelledSPL("a search must start with a search or | multisearch")
        subsearches = tuple(_parse_subsearches(rest[0].strip()[len("multisearch") :]))
        head, rest = None, rest[1:]
    commands = tuple(parse_command(part) for part in rest)
    return Query(head, subsearches, commands)


def _parse_subsearches(text: str) -> list[Query]:
    queries: list[Query] = []
    index = 0
    text = text.strip()
    while index < len(text):
        if text[index].isspace():
            index += 1
            continue
        if text[index] != "[":
            raise UnmodelledSPL(f"multisearch expects [ subsearch ], found {text[index:][:20]!r}")
        depth, quoted, end = 0, False, index
        while end < len(text):
            char = text[end]
            if quoted:
                if char == "\\":
                    end += 1
                elif char == '"':
                    quoted = False
            elif char == '"':
                quoted = True
            elif char == "[":
                depth += 1
            elif char == "]":
                depth -= 1
                if depth == 0:
                    break
            end += 1
        body = text[index + 1 : end].strip()
        if not body.startswith("search "):
            raise UnmodelledSPL("a multisearch subsearch must start with 'search'")
        queries.append(_parse_pipeline(body))
        index = end + 1
    if len(queries) < 2:
        raise UnmodelledSPL("multisearch needs at least two subsearches")
    return queries
