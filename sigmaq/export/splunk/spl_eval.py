"""Run parsed SPL over modelled events: a test-grade model of Splunk, not Splunk.

Semantics modelled (Splunk Search Reference; where Splunk's documentation is silent
the choice is written down and listed in ``backends/splunk/README.md``):

- ``field=value``: field names case-sensitive, values case-insensitive, ``*`` matches
  any run of characters (newlines included), the whole value must match; a multivalue
  field matches when any value does; ``field=*`` means the field exists. ``NOT x``
  is true when ``x`` is false, so ``NOT field=v`` keeps events without ``field``;
  ``field!=v`` needs the field. ``<``, ``>``… compare numbers when both sides are
  numbers, else strings.
- ``regex field="re"``: Python ``re.search`` stands in for PCRE (they agree on the
  constructs sigmaq emits: literals, escapes, ``.*``, anchors, classes, ``(?i)``,
  ``(?s)``; they differ on possessive quantifiers, ``\\Z`` vs ``\\z``, Unicode case
  folding and ``\\d``/``\\w`` beyond ASCII, none of which sigmaq emits). An event without
  the field is dropped (``!=``: kept). A multivalue field raises (not modelled).
- ``rex field=f "(?<name>re)"``: the first match's named groups become fields.
- ``eval``/``where``: three-valued logic (a comparison with a null is null, ``NOT null``
  is null, ``where`` keeps only true), ``=`` on strings is case-sensitive, numbers compare
  numerically. A multivalue field in a comparison raises.
- ``bin _time span=S``: ``_time`` floored to a multiple of S seconds (epoch-aligned,
  as Splunk does for spans under a day in UTC).
- ``stats … by f``: results with a null by-field are dropped; a multivalue by-field
  gives one row per value; ``count``, ``dc``, ``min``, ``max``, ``values``.
- ``streamstats time_window=S … by f``: for each event, the events of its group whose
  ``_time`` is within ``[t - S, t]`` (inclusive ends, as the replay's windows) among
  those already seen; events must arrive sorted by ``_time`` (else it raises, as the
  window needs time order). An event with a null by-field gets no aggregate.
- ``sort [N] f …``: stable, numbers before strings; without N only 10,000 results kept.
- ``multisearch``: the union of its subsearches.
"""

from __future__ import annotations

import math
import re
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from sigmaq.export.splunk.events import ORIGIN, Row, Value
from sigmaq.export.splunk.spl_parser import (
    And,
    BinCmd,
    BinOp,
    Call,
    Command,
    Compare,
    EvalCmd,
    EvalExpr,
    EvalNot,
    FieldRef,
    InList,
    Lit,
    MatchAll,
    Not,
    Or,
    Query,
    RegexCmd,
    RenameCmd,
    RexCmd,
    SearchCmd,
    SearchExpr,
    SortCmd,
    StatsCmd,
    StreamstatsCmd,
    TableCmd,
    UnmodelledSPL,
    WhereCmd,
)
from sigmaq.export.textsafety import python_regex

# --------------------------------------------------------------------------- values


def _values(value: Value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return value
    return [_text(value)]


def _text(value: str | float) -> str:
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return value


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, float | int):
        return float(value)
    if isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            return None
        return number if math.isfinite(number) else None
    return None


_PATTERNS: dict[str, re.Pattern[str]] = {}


def wildcard_match(pattern: str, value: str) -> bool:
    """Splunk's ``field=pattern`` on one value: whole value, case-insensitive, ``*`` any run."""
    compiled = _PATTERNS.get(pattern)
    if compiled is None:
        body = ".*".join(re.escape(part) for part in pattern.split("*"))
        compiled = re.compile(body, re.IGNORECASE | re.DOTALL)
        _PATTERNS[pattern] = compiled
    return compiled.fullmatch(value) is not None


def _ordered(op: str, left: Any, right: Any) -> bool:
    a, b = _number(left), _number(right)
    pair: tuple[Any, Any] = (a, b) if a is not None and b is not None else (str(left), str(right))
    x, y = pair
    if op == "<":
        return bool(x < y)
    if op == "<=":
        return bool(x <= y)
    if op == ">":
        return bool(x > y)
    if op == ">=":
        return bool(x >= y)
    raise UnmodelledSPL(f"operator {op} is not modelled")


# --------------------------------------------------------------------------- search
def search_matches(expr: SearchExpr, row: Row) -> bool:
    """True when ``row`` satisfies the search expression ``expr``."""
    if isinstance(expr, MatchAll):
        return True
    if isinstance(expr, Not):
        return not search_matches(expr.arg, row)
    if isinstance(expr, And):
        return all(search_matches(arg, row) for arg in expr.args)
    if isinstance(expr, Or):
        return any(search_matches(arg, row) for arg in expr.args)
    if isinstance(expr, InList):
        values = _values(row.get(expr.field))
        return any(wildcard_match(p, v) for p in expr.values for v in values)
    if isinstance(expr, Compare):
        values = _values(row.get(expr.field))
        if expr.op == "=":
            return any(wildcard_match(expr.value, v) for v in values)
        if expr.op == "!=":
            return bool(values) and not any(wildcard_match(expr.value, v) for v in values)
        return any(_ordered(expr.op, v, expr.value) for v in values)
    raise UnmodelledSPL(f"search expression {expr!r} is not modelled")


# --------------------------------------------------------------------------- eval
def _scalar(value: Any, what: str) -> Any:
    if isinstance(value, list):
        raise UnmodelledSPL(f"multivalue field in {what} is not modelled")
    return value


def evaluate(expr: EvalExpr, row: Row) -> Any:
    """Value of an eval expression on ``row``: str, float, bool, list or None (null)."""
    if isinstance(expr, Lit):
        return expr.value
    if isinstance(expr, FieldRef):
        value = row.get(expr.name)
        return value
    if isinstance(expr, EvalNot):
        inner = _scalar(evaluate(expr.arg, row), "NOT")
        return None if inner is None else not _truth(inner)
    if isinstance(expr, BinOp):
        return _binop(expr, row)
    if isinstance(expr, Call):
        return _call(expr, row)
    raise UnmodelledSPL(f"eval expression {expr!r} is not modelled")


def _truth(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    raise UnmodelledSPL(f"a non-boolean value ({value!r}) used as a condition")


def _binop(expr: BinOp, row: Row) -> Any:
    if expr.op in ("AND", "OR"):
        left = _scalar(evaluate(expr.left, row), expr.op)
        right = _scalar(evaluate(expr.right, row), expr.op)
        truths = [None if v is None else _truth(v) for v in (left, right)]
        if expr.op == "AND":
            if False in truths:
                return False
            return None if None in truths else True
        if True in truths:
            return True
        return None if None in truths else False
    left = _scalar(evaluate(expr.left, row), f"'{expr.op}'")
    right = _scalar(evaluate(expr.right, row), f"'{expr.op}'")
    if left is None or right is None:
        return None
    if expr.op in ("=", "!="):
        a, b = _number(left), _number(right)
        equal = a == b if a is not None and b is not None else _plain(left) == _plain(right)
        return equal if expr.op == "=" else not equal
    if expr.op in ("<", "<=", ">", ">="):
        return _ordered(expr.op, left, right)
    if expr.op == ".":
        return _plain(left) + _plain(right)
    a, b = _number(left), _number(right)
    if a is None or b is None:
        if expr.op == "+":
            return _plain(left) + _plain(right)
        return None
    if expr.op == "+":
        return a + b
    if expr.op == "-":
        return a - b
    if expr.op == "*":
        return a * b
    if expr.op == "/":
        return a / b if b else None
    raise UnmodelledSPL(f"eval operator {expr.op} is not modelled")


def _plain(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return _text(value)
    return str(value)


def _call(expr: Call, row: Row) -> Any:
    name, args = expr.name, expr.args
    if name == "null":
        return None
    if name in ("isnull", "isnotnull"):
        _arity(expr, 1)
        present = evaluate(args[0], row) is not None
        return present if name == "isnotnull" else not present
    if name == "if":
        _arity(expr, 3)
        condition = _scalar(evaluate(args[0], row), "if()")
        chosen = args[1] if condition is not None and _truth(condition) else args[2]
        return evaluate(chosen, row)
    if name == "case":
        if len(args) % 2:
            raise UnmodelledSPL("case() needs condition/value pairs")
        for index in range(0, len(args), 2):
            condition = _scalar(evaluate(args[index], row), "case()")
            if condition is not None and _truth(condition):
                return evaluate(args[index + 1], row)
        return None
    if name == "lower":
        _arity(expr, 1)
        value = _scalar(evaluate(args[0], row), "lower()")
        return None if value is None else _plain(value).lower()
    if name == "coalesce":
        for arg in args:
            value = evaluate(arg, row)
            if value is not None:
                return value
        return None
    raise UnmodelledSPL(f"eval function {name}() is not modelled")


def _arity(expr: Call, count: int) -> None:
    if len(expr.args) != count:
        raise UnmodelledSPL(f"{expr.name}() takes {count} argument(s)")


# --------------------------------------------------------------------------- commands
def run_query(query: Query, events: Sequence[Row]) -> list[Row]:
    """Results of ``query`` over ``events`` (each a copy; inputs are not changed)."""
    if query.head is not None:
        rows = [dict(e) for e in events if search_matches(query.head.expr, e)]
    else:
        rows = [row for sub in query.subsearches for row in run_query(sub, events)]
    for command in query.commands:
        rows = run_command(command, rows)
    return rows


def run_command(command: Command, rows: list[Row]) -> list[Row]:
    """Apply one command to the result rows."""
    handler = _HANDLERS.get(type(command))
    if handler is None:
        raise UnmodelledSPL(f"command {type(command).__name__} is not modelled")
    return handler(command, rows)


def _search(command: Any, rows: list[Row]) -> list[Row]:
    return [row for row in rows if search_matches(command.expr, row)]


def _regex(command: Any, rows: list[Row]) -> list[Row]:
    compiled = _compile_pcre(command.pattern)
    kept = []
    for row in rows:
        value = row.get(command.field)
        if isinstance(value, list):
            raise UnmodelledSPL(f"regex on the multivalue field {command.field} is not modelled")
        found = value is not None and compiled.search(_plain(value)) is not None
        if found != command.negate:
            kept.append(row)
    return kept


def _compile_pcre(pattern: str) -> re.Pattern[str]:
    if re.search(r"\(\?<[A-Za-z]", pattern):
        pattern = re.sub(r"\(\?<([A-Za-z_]\w*)>", r"(?P<\1>", pattern)
    if re.search(r"[*+?}]\+|\\Z", pattern):
        raise UnmodelledSPL(f"PCRE construct outside the modelled subset in {pattern!r}")
    try:
        return re.compile(python_regex(pattern))
    except re.error as error:
        raise UnmodelledSPL(f"regex {pattern!r} does not compile: {error}") from error


def _rex(command: Any, rows: list[Row]) -> list[Row]:
    compiled = _compile_pcre(command.pattern)
    for row in rows:
        value = row.get(command.field)
        if isinstance(value, list):
            raise UnmodelledSPL(f"rex on the multivalue field {command.field} is not modelled")
        if value is None:
            continue
        match = compiled.search(_plain(value))
        if match:
            for name, text in match.groupdict().items():
                if text is not None:
                    row[name] = text
    return rows


def _eval(command: Any, rows: list[Row]) -> list[Row]:
    for row in rows:
        for name, expr in command.assignments:
            value = evaluate(expr, row)
            if isinstance(value, bool):
                raise UnmodelledSPL(f"eval {name}= assigns a boolean (not modelled)")
            if value is None:
                row.pop(name, None)
            else:
                row[name] = value
    return rows


def _where(command: Any, rows: list[Row]) -> list[Row]:
    kept = []
    for row in rows:
        value = _scalar(evaluate(command.expr, row), "where")
        if value is not None and _truth(value):
            kept.append(row)
    return kept


def _bin(command: Any, rows: list[Row]) -> list[Row]:
    for row in rows:
        number = _number(row.get(command.field))
        if number is None:
            row.pop(command.field, None)
        else:
            row[command.field] = float(math.floor(number / command.span_seconds)) * (
                command.span_seconds
            )
    return rows


def _group_keys(row: Row, by: Sequence[str]) -> list[tuple[str, ...]]:
    keys: list[tuple[str, ...]] = [()]
    for name in by:
        values = _values(row.get(name))
        if not values:
            return []
        keys = [(*key, value) for key in keys for value in dict.fromkeys(values)]
    return keys


def _aggregate(func: str, arg: str | None, rows: Iterable[Row]) -> Any:
    rows = list(rows)
    if func == "count":
        if arg is None:
            return float(len(rows))
        return float(sum(len(_values(r.get(arg))) for r in rows))
    assert arg is not None
    values = [v for r in rows for v in _values(r.get(arg))]
    if func == "dc":
        return float(len(set(values)))
    if func == "values":
        return sorted(set(values)) or None
    if not values:
        return None
    numbers = [_number(v) for v in values]
    if all(n is not None for n in numbers):
        chosen = min(numbers) if func == "min" else max(numbers)  # type: ignore[type-var]
        return chosen
    return min(values) if func == "min" else max(values)


def _stats(command: Any, rows: list[Row]) -> list[Row]:
    groups: dict[tuple[str, ...], list[Row]] = {}
    for row in rows:
        for key in _group_keys(row, command.by):
            groups.setdefault(key, []).append(row)
    if not command.by and not groups:
        groups[()] = []
    results = []
    for key in sorted(groups):
        result: Row = dict(zip(command.by, key, strict=True))
        for agg in command.aggs:
            value = _aggregate(agg.func, agg.arg, groups[key])
            if value is not None:
                result[agg.alias] = value
        results.append(result)
    return results


def _streamstats(command: Any, rows: list[Row]) -> list[Row]:
    windows: dict[tuple[str, ...], deque[Row]] = {}
    previous: float | None = None
    for row in rows:
        moment = _number(row.get("_time"))
        if moment is None:
            raise UnmodelledSPL("streamstats time_window over an event without _time")
        if previous is not None and moment < previous:
            raise UnmodelledSPL("streamstats time_window needs events sorted by _time")
        previous = moment
        keys = _group_keys(row, command.by)
        if len(keys) > 1:
            raise UnmodelledSPL("streamstats by a multivalue field is not modelled")
        if not keys:
            continue
        window = windows.setdefault(keys[0], deque())
        window.append(row)
        start = moment - command.time_window
        while window and (_number(window[0].get("_time")) or 0.0) < start:
            window.popleft()
        for agg in command.aggs:
            value = _aggregate(agg.func, agg.arg, window)
            if value is None:
                row.pop(agg.alias, None)
            else:
                row[agg.alias] = value
    return rows


def _sort_key(value: Any) -> tuple[int, Any]:
    number = _number(value)
    if number is not None:
        return (0, number)
    if value is None:
        return (2, "")
    return (1, _plain(value) if not isinstance(value, list) else value[0])


def _key_of(name: str) -> Callable[[Row], tuple[int, Any]]:
    return lambda row: _sort_key(row.get(name))


def _sort(command: Any, rows: list[Row]) -> list[Row]:
    ordered = list(rows)
    for name, ascending in reversed(command.keys):
        ordered.sort(key=_key_of(name), reverse=not ascending)
    return ordered[: command.limit] if command.limit else ordered


def _rename(command: Any, rows: list[Row]) -> list[Row]:
    for row in rows:
        for old, new in command.pairs:
            if old in row:
                row[new] = row.pop(old)
            else:
                row.pop(new, None)
    return rows


def _table(command: Any, rows: list[Row]) -> list[Row]:
    keep = set(command.fields) | {ORIGIN}
    return [{k: v for k, v in row.items() if k in keep} for row in rows]


_HANDLERS: dict[type, Callable[[Any, list[Row]], list[Row]]] = {
    SearchCmd: _search,
    RegexCmd: _regex,
    RexCmd: _rex,
    EvalCmd: _eval,
    WhereCmd: _where,
    BinCmd: _bin,
    StatsCmd: _stats,
    StreamstatsCmd: _streamstats,
    SortCmd: _sort,
    RenameCmd: _rename,
    TableCmd: _table,
}
