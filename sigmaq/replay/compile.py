"""Public entry point: compile a pySigma ``SigmaRule`` once, then match records cheaply.

``compile_rule`` walks the rule's parsed conditions (pySigma's objects, never the
YAML), builds one predicate, and derives a dispatch index (the ``eventSource`` and
``eventName`` values the rule requires) that the hunt uses to send each record
only to rules that can match it. Semantics: docs/replay-semantics.md.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sigma.conditions import (
    ConditionAND,
    ConditionFieldEqualsValueExpression,
    ConditionOR,
)
from sigma.exceptions import SigmaError
from sigma.rule import SigmaRule
from sigma.types import (
    SigmaBool,
    SigmaCasedString,
    SigmaExists,
    SigmaExpansion,
    SigmaFieldReference,
    SigmaNull,
    SigmaType,
)

from sigmaq.core.errors import ReplayError
from sigmaq.replay.conditions import ConditionCompiler, Predicate
from sigmaq.replay.fields import compile_path
from sigmaq.replay.values import (
    LeafMatcher,
    Placeholders,
    compile_leaf,
    expand_placeholders,
    plain_key,
    scalar_text,
)

__all__ = ["CompiledRule", "compile_rule", "index_key", "refusal_keys"]

EVENT_SOURCE = "eventSource"
EVENT_NAME = "eventName"


def refusal_keys(message: str, *, correlation: bool) -> tuple[str, ...]:
    """The YAML keys (best first) that locate a replay refusal ``message`` in its rule,
    for a line number: the condition, the aliases, else the detection or correlation."""
    if correlation:
        return ("correlation.aliases", "correlation") if "alias" in message else ("correlation",)
    if "condition" in message:
        return ("detection.condition", "detection")
    return ("detection",)


def index_key(value: Any) -> str | None:
    """The dispatch key of one ``eventSource``/``eventName`` value: its lower-cased text.

    Strings are lower-cased; numbers and booleans use their JSON text; null and
    containers have no key. Match ``event_names`` against this, not ``str(value)``.
    """
    text = scalar_text(value)
    return None if text is None else text.lower()


@dataclass(frozen=True)
class CompiledRule:
    """A Sigma rule compiled for replay.

    Attributes:
        rule: the pySigma rule it was compiled from (not mutated).
        rule_id: ``str(rule.id)``, or the title when the rule has no id.
        title: the rule title.
        event_sources: lower-cased ``eventSource`` values the rule requires, or None
            when it cannot be indexed. Sound: a record whose ``eventSource`` key
            (``index_key``) is not in the set cannot match. An empty set means the
            rule can never match.
        event_names: the same for ``eventName``.
        fields: every field path the rule reads, or None when a keyword detection
            searches the whole record.
        guard: for a rule with neither of the two, another field the rule requires
            literal values of, and those values' keys (``index_key``), or None. Sound
            in the same way: a record with no value at that path whose key is in the
            set cannot match.
        required: tests on top-level fields (no dot in the name) that every record
            the rule matches passes: ``(field, leaf matcher)``, the matcher being the
            one the rule's condition applies to that field's value. A record whose
            scalar value at ``field`` fails one (or that lacks the field) cannot match;
            a pre-filter for readers that decode a few fields first.
    """

    rule: SigmaRule
    rule_id: str
    title: str
    event_sources: frozenset[str] | None
    event_names: frozenset[str] | None
    fields: frozenset[str] | None = None
    guard: tuple[str, frozenset[str]] | None = None
    # (top-level field, leaf matcher) tests every match passes (see ``_required``)
    required: tuple[tuple[str, LeafMatcher], ...] = field(default=(), repr=False, compare=False)
    # required and keyword-only: a CompiledRule cannot exist without its predicate
    _predicate: Predicate = field(kw_only=True, repr=False, compare=False)

    def matches(self, event: Mapping[str, Any]) -> bool:
        """True when ``event`` (one decoded CloudTrail record) satisfies the rule.

        Never raises for odd records: missing or oddly typed fields just do not match.
        """
        return self._predicate(event)

    def admits(self, event: Mapping[str, Any]) -> bool:
        """True unless the dispatch index proves the rule cannot match ``event``.

        Handles the rare record whose ``eventSource``/``eventName`` is not a string
        (a list admits when any element is indexed). ``matches`` implies ``admits``.
        """
        return _admitted(event, EVENT_SOURCE, self.event_sources) and _admitted(
            event, EVENT_NAME, self.event_names
        )


def _admitted(event: Mapping[str, Any], name: str, allowed: frozenset[str] | None) -> bool:
    if allowed is None:
        return True
    for value in compile_path(name).values(event):
        key = index_key(value)
        if key is not None and key in allowed:
            return True
    return False


def _rule_id(rule: Any) -> str:
    rid = getattr(rule, "id", None)
    if rid is not None:
        return str(rid)
    return str(getattr(rule, "title", "") or "<untitled>")


def _rule_path(rule: Any) -> Any:
    source = getattr(rule, "source", None)
    return getattr(source, "path", None)


def compile_rule(
    rule: SigmaRule, *, placeholders: Mapping[str, Sequence[str]] | None = None
) -> CompiledRule:
    """Compile one pySigma detection rule for single-event replay.

    Args:
        rule: a ``SigmaRule`` parsed without errors (correlation rules are the
            correlation engine's; they are refused here).
        placeholders: values for ``|expand`` placeholders, by name without ``%``;
            each value is parsed as a Sigma string (wildcards allowed), and the
            values of one placeholder are OR-linked.

    Several conditions (a ``condition:`` list) are OR-linked (Sigma rules
    specification, "Condition").

    Raises:
        ReplayError: with ``rule_id`` and ``path``, for a rule with load errors, a
            condition pySigma cannot parse, or any feature replay does not implement
            (keyword nulls, query expressions, unresolved placeholders, ...).
            Nothing unsupported is ever compiled to "no match".
    """
    rule_id = _rule_id(rule)
    path = _rule_path(rule)
    if not isinstance(rule, SigmaRule):
        raise ReplayError(
            f"{type(rule).__name__} is not a single-event Sigma rule "
            "(correlations are evaluated over windows, not by compile_rule)",
            rule_id=rule_id,
            path=path,
        )
    if rule.errors:
        raise ReplayError(
            f"rule has load errors: {'; '.join(str(e) for e in rule.errors)}",
            rule_id=rule_id,
            path=path,
        )
    compiler = ConditionCompiler(placeholders)
    try:
        trees = [condition.parsed for condition in rule.detection.parsed_condition]
        predicates = [compiler.compile(tree) for tree in trees]
        sources = _bound_any(trees, EVENT_SOURCE, placeholders)
        names = _bound_any(trees, EVENT_NAME, placeholders)
        guard = None
        if sources is None and names is None:
            guard = _guard(trees, compiler.fields, placeholders)
        required = _required(trees[0], placeholders) if len(trees) == 1 else ()
    except ReplayError as exc:
        raise ReplayError(exc.message, rule_id=rule_id, path=path) from exc
    except SigmaError as exc:
        raise ReplayError(
            f"condition cannot be evaluated: {exc}", rule_id=rule_id, path=path
        ) from exc
    if not predicates:
        raise ReplayError("rule has no condition", rule_id=rule_id, path=path)

    predicate: Predicate
    if len(predicates) == 1:
        predicate = predicates[0]
    else:
        ps = tuple(predicates)

        def predicate(event: Mapping[str, Any]) -> bool:
            return any(p(event) for p in ps)

    return CompiledRule(
        rule=rule,
        rule_id=rule_id,
        title=str(rule.title),
        event_sources=sources,
        event_names=names,
        fields=None if compiler.reads_all_fields else frozenset(compiler.fields),
        guard=guard,
        required=required,
        _predicate=predicate,
    )


# --- dispatch index -------------------------------------------------------------------------


def _required(
    node: object, placeholders: Placeholders | None
) -> tuple[tuple[str, LeafMatcher], ...]:
    """Tests on top-level fields that ``node`` requires: the field tests directly under
    its top-level ANDs (a value, or an OR of values on one field), with the leaf matcher
    the condition compiler builds for them. NOT, keywords, null/exists/fieldref and
    dotted fields require nothing here (sound, never complete)."""
    if isinstance(node, ConditionAND):
        found: list[tuple[str, LeafMatcher]] = []
        for arg in node.args:
            found.extend(_required(arg, placeholders))
        return tuple(found)
    if isinstance(node, ConditionFieldEqualsValueExpression):
        leaf = _leaf_test(node, placeholders)
        return ((node.field, leaf),) if leaf is not None else ()
    if isinstance(node, ConditionOR) and node.args:
        items = [arg for arg in node.args if isinstance(arg, ConditionFieldEqualsValueExpression)]
        fields = {arg.field for arg in items}
        if len(fields) != 1 or len(items) != len(node.args):
            return ()
        leaves = [_leaf_test(arg, placeholders) for arg in items]
        if any(leaf is None for leaf in leaves):
            return ()
        tests = tuple(leaf for leaf in leaves if leaf is not None)

        def any_of(value: Any) -> bool:
            for test in tests:  # noqa: SIM110 - a loop is cheaper than any() on a genexpr
                if test(value):
                    return True
            return False

        return ((str(fields.pop()), any_of),)
    return ()


def _leaf_test(
    node: ConditionFieldEqualsValueExpression, placeholders: Placeholders | None
) -> LeafMatcher | None:
    if "." in node.field or isinstance(node.value, SigmaNull | SigmaExists | SigmaFieldReference):
        return None
    try:
        return compile_leaf(node.value, placeholders)
    except ReplayError:
        return None


def _bound_any(
    trees: Sequence[object], name: str, placeholders: Placeholders | None
) -> frozenset[str] | None:
    """Union of the per-condition bounds (conditions are OR-linked)."""
    result: set[str] = set()
    for tree in trees:
        bound = _bound(tree, name, placeholders)
        if bound is None:
            return None
        result |= bound
    return frozenset(result)


_BOOLEAN_KEYS = (frozenset({"true"}), frozenset({"false"}))


def _guard(
    trees: Sequence[object], fields: Iterable[str], placeholders: Placeholders | None
) -> tuple[str, frozenset[str]] | None:
    """The most selective-looking bounded field of a rule: fewest keys, a boolean last
    (``readOnly: false`` holds for a large share of events), then by name."""
    bounded = [
        (path, bound)
        for path in sorted(fields)
        if (bound := _bound_any(trees, path, placeholders)) is not None
    ]
    if not bounded:
        return None
    return min(bounded, key=lambda item: (item[1] in _BOOLEAN_KEYS, len(item[1]), item[0]))


def _value_bound(value: SigmaType, placeholders: Placeholders | None) -> frozenset[str] | None:
    """Keys a single value can equal, or None when it is not a finite set of literals."""
    if isinstance(value, SigmaExpansion):
        keys: set[str] = set()
        for item in value.values:
            bound = _value_bound(item, placeholders)
            if bound is None:
                return None
            keys |= bound
        return frozenset(keys)
    if isinstance(value, SigmaBool):  # JSON true/false or the strings, any case
        return frozenset({"true" if value.boolean else "false"})
    alternatives = expand_placeholders(value, placeholders)
    keys = set()
    for alt in alternatives:
        # plain_key covers case-insensitive literals; a |cased literal matches only
        # its exact text, so its lower-cased text is a sound key too.
        key = plain_key(alt)
        if key is None:
            key = _cased_key(alt)
        if key is None:
            return None
        keys.add(key)
    return frozenset(keys)


def _cased_key(value: SigmaType) -> str | None:
    if isinstance(value, SigmaCasedString) and all(isinstance(p, str) for p in value.s):
        return "".join(p for p in value.s if isinstance(p, str)).lower()
    return None


def _bound(node: object, name: str, placeholders: Placeholders | None) -> frozenset[str] | None:
    """Keys of field ``name`` that ``node`` requires, or None when unconstrained.

    AND: intersection of the constrained arguments. OR: union, unconstrained if any
    branch is. NOT, keywords, wildcards, regexes, numbers and field-level tests:
    unconstrained (None) -- a missing bound costs speed, a wrong one costs detections.
    """
    if isinstance(node, ConditionFieldEqualsValueExpression):
        if node.field != name:
            return None
        return _value_bound(node.value, placeholders)
    if isinstance(node, ConditionAND):
        bounds = [b for b in (_bound(a, name, placeholders) for a in node.args) if b is not None]
        if not bounds:
            return None
        return frozenset.intersection(*bounds)
    if isinstance(node, ConditionOR):
        union: set[str] = set()
        for arg in node.args:
            bound = _bound(arg, name, placeholders)
            if bound is None:
                return None
            union |= bound
        return frozenset(union)
    return None
