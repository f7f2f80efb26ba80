"""Compile pySigma's parsed condition tree into one predicate over a record.

Input is ``SigmaRule.detection.parsed_condition[i].parsed``: pySigma has already
resolved identifiers, ``1 of x*`` / ``all of them`` selectors (to OR/AND of the
matching detections, skipping ``_``-prefixed names as the specification says),
maps (AND), lists (OR), ``|all`` (AND of values) and ``|neq`` (a NOT around the
item). What is left is a tree of ``ConditionAND``/``ConditionOR``/``ConditionNOT``
over ``ConditionFieldEqualsValueExpression`` (field-bound values) and
``ConditionValueExpression`` (keywords). Each node becomes a closure once; no
pySigma object is touched per event.

Field-level values handled here (Sigma rules specification, "Special Field
Values", "Field Existence"; modifiers appendix):

* ``SigmaNull`` (``field: null``): the path yields nothing (absent, or an empty
  list) or a JSON null.
* ``SigmaExists`` (``|exists: true/false``): the key exists, even with a null value.
* ``SigmaFieldReference`` (``|fieldref``, with ``|contains``/``|startswith``/
  ``|endswith``): some value of the field compared with some value of the
  referenced field, case-insensitively, on their text; absent or null on either
  side does not match.
* Keywords: the value is searched in the text of every non-null scalar of the
  record (see ``values.compile_keyword``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sigma.conditions import (
    ConditionAND,
    ConditionFieldEqualsValueExpression,
    ConditionNOT,
    ConditionOR,
    ConditionValueExpression,
)
from sigma.types import SigmaExists, SigmaFieldReference, SigmaNull

from sigmaq.core.errors import ReplayError
from sigmaq.replay.fields import FieldPath, compile_path, scalar_leaves
from sigmaq.replay.values import (
    LeafMatcher,
    Placeholders,
    compile_keyword,
    compile_leaf,
    plain_key,
    scalar_text,
)

__all__ = ["ConditionCompiler", "Predicate"]

Predicate = Callable[[Mapping[str, Any]], bool]

_MISSING: Any = object()


def _any_leaf(path: FieldPath, matcher: LeafMatcher) -> Predicate:
    """True when any value at ``path`` satisfies ``matcher``; fast path for top-level keys."""
    values = path.values
    if len(path.segments) == 1:
        key = path.segments[0]

        def top(event: Mapping[str, Any]) -> bool:
            value = event.get(key, _MISSING)
            if value is _MISSING:
                return False
            if type(value) is list:
                return any(matcher(v) for v in values(event))
            return matcher(value)

        return top

    def nested(event: Mapping[str, Any]) -> bool:
        # Explicit loops on the hot path: cheaper than any()/all() over a generator.
        for value in values(event):  # noqa: SIM110
            if matcher(value):
                return True
        return False

    if len(path.segments) != 2:
        return nested
    outer, inner = path.segments
    joined = path.path

    def pair(event: Mapping[str, Any]) -> bool:
        # ``userIdentity.type``-shaped paths, the commonest nested ones: answered with two
        # dict lookups when no list and no flat "a.b" key is involved (fields.py rules).
        obj = event.get(outer, _MISSING)
        if type(obj) is dict:
            if joined not in event:
                value = obj.get(inner, _MISSING)
                if value is _MISSING:
                    return False
                if type(value) is not list:
                    return matcher(value)
        elif obj is _MISSING and joined not in event:
            return False
        return nested(event)

    return pair


def _and_rank(node: object) -> int:
    """Evaluation order inside an AND: exact values (and lists of them, one set lookup
    each), other field matches, other ORs, null/exists tests, NOTs and field
    references, keywords last."""
    if isinstance(node, ConditionFieldEqualsValueExpression):
        value = node.value
        if isinstance(value, SigmaNull | SigmaExists):
            return 3
        if isinstance(value, SigmaFieldReference):
            return 4
        return 0 if plain_key(value) is not None else 1
    if isinstance(node, ConditionAND):
        return 1
    if isinstance(node, ConditionOR):
        exact = all(
            isinstance(arg, ConditionFieldEqualsValueExpression)
            and plain_key(arg.value) is not None
            for arg in node.args
        )
        return 0 if exact else 2
    if isinstance(node, ConditionNOT):
        return 4
    return 5


def _in_set(keys: frozenset[str]) -> LeafMatcher:
    def matcher(v: Any) -> bool:
        if type(v) is str:
            return v.lower() in keys
        text = scalar_text(v)
        return text is not None and text.lower() in keys

    return matcher


def _all_of(predicates: Sequence[Predicate]) -> Predicate:
    if len(predicates) == 1:
        return predicates[0]
    if len(predicates) == 2:
        a, b = predicates

        def both(event: Mapping[str, Any]) -> bool:
            return a(event) and b(event)

        return both
    ps = tuple(predicates)

    def every(event: Mapping[str, Any]) -> bool:
        for p in ps:  # noqa: SIM110
            if not p(event):
                return False
        return True

    return every


def _any_of(predicates: Sequence[Predicate]) -> Predicate:
    if len(predicates) == 1:
        return predicates[0]
    if len(predicates) == 2:
        a, b = predicates

        def either(event: Mapping[str, Any]) -> bool:
            return a(event) or b(event)

        return either
    ps = tuple(predicates)

    def some(event: Mapping[str, Any]) -> bool:
        for p in ps:  # noqa: SIM110
            if p(event):
                return True
        return False

    return some


class ConditionCompiler:
    """Compiles condition trees of one rule; records which fields they read.

    Attributes:
        fields: every field path the compiled conditions read (``|fieldref`` targets too).
        reads_all_fields: True once a keyword detection was compiled (it reads every leaf).
    """

    def __init__(self, placeholders: Placeholders | None = None) -> None:
        self._placeholders = placeholders
        self.fields: set[str] = set()
        self.reads_all_fields = False

    def compile(self, node: object) -> Predicate:
        """Compile a parsed condition (sub)tree.

        Raises:
            ReplayError: an empty condition (e.g. a selector matching no detection), a
                node or value type replay does not implement, or a bad placeholder.
        """
        if node is None:
            raise ReplayError("condition is empty (does a selector match no detection?)")
        if isinstance(node, ConditionAND):
            # AND is commutative and predicates are pure: test the cheap, selective
            # parts first so most records are rejected after one lookup.
            ordered = sorted(node.args, key=_and_rank)
            return _all_of([self.compile(arg) for arg in ordered])
        if isinstance(node, ConditionOR):
            return self._or(node)
        if isinstance(node, ConditionNOT):
            inner = self.compile(node.args[0])

            def negation(event: Mapping[str, Any]) -> bool:
                return not inner(event)

            return negation
        if isinstance(node, ConditionFieldEqualsValueExpression):
            return self._field(node)
        if isinstance(node, ConditionValueExpression):
            return self._keyword(node)
        raise ReplayError(f"condition element {type(node).__name__} is not supported by replay")

    def _or(self, node: ConditionOR) -> Predicate:
        # Plain case-insensitive equalities on one field become one set lookup
        # (eventName: [A, B, C, ...] is the commonest shape in the pack).
        groups: dict[str, list[str]] = {}
        others: list[Predicate] = []
        for arg in node.args:
            if isinstance(arg, ConditionFieldEqualsValueExpression):
                key = plain_key(arg.value)
                if key is not None:
                    groups.setdefault(arg.field, []).append(key)
                    continue
            others.append(self.compile(arg))
        merged: list[Predicate] = []
        for field_name, keys in groups.items():
            self.fields.add(field_name)
            merged.append(_any_leaf(compile_path(field_name), _in_set(frozenset(keys))))
        return _any_of(merged + others)

    def _field(self, node: ConditionFieldEqualsValueExpression) -> Predicate:
        self.fields.add(node.field)
        path = compile_path(node.field)
        value = node.value
        if isinstance(value, SigmaNull):
            return self._null(path)
        if isinstance(value, SigmaExists):
            return self._exists(path, value.exists)
        if isinstance(value, SigmaFieldReference):
            return self._fieldref(path, value)
        return _any_leaf(path, compile_leaf(value, self._placeholders))

    @staticmethod
    def _null(path: FieldPath) -> Predicate:
        values = path.values

        def is_null(event: Mapping[str, Any]) -> bool:
            found = values(event)
            return not found or any(v is None for v in found)

        return is_null

    @staticmethod
    def _exists(path: FieldPath, wanted: bool) -> Predicate:
        exists = path.exists

        def check(event: Mapping[str, Any]) -> bool:
            return exists(event) is wanted

        return check

    def _fieldref(self, path: FieldPath, ref: SigmaFieldReference) -> Predicate:
        self.fields.add(ref.field)
        other = compile_path(ref.field)
        compare: Callable[[str, str], bool]
        if ref.starts_with and ref.ends_with:

            def compare(left: str, right: str) -> bool:
                return right in left
        elif ref.starts_with:

            def compare(left: str, right: str) -> bool:
                return left.startswith(right)
        elif ref.ends_with:

            def compare(left: str, right: str) -> bool:
                return left.endswith(right)
        else:

            def compare(left: str, right: str) -> bool:
                return left == right

        def texts(found: list[Any]) -> list[str]:
            return [t.lower() for t in map(scalar_text, found) if t is not None]

        def check(event: Mapping[str, Any]) -> bool:
            lefts = texts(path.values(event))
            if not lefts:
                return False
            rights = texts(other.values(event))
            return any(compare(lt, rt) for lt in lefts for rt in rights)

        return check

    def _keyword(self, node: ConditionValueExpression) -> Predicate:
        self.reads_all_fields = True
        matcher = compile_keyword(node.value, self._placeholders)

        def search(event: Mapping[str, Any]) -> bool:
            return any(matcher(leaf) for leaf in scalar_leaves(event))

        return search
