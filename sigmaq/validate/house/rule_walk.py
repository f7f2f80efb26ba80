"""Read what a rule's parsed condition says about fields and values.

pySigma flattens a rule's condition (``parsed_condition[i].parsed``) into a tree
of ``ConditionAND``/``ConditionOR``/``ConditionNOT`` over
``ConditionFieldEqualsValueExpression`` leaves (one field, one typed value) and
``ConditionValueExpression`` leaves (keywords). House validators read that tree
rather than the YAML, so they see exactly what the backends and replay see.

pySigma parses a condition again on every ``.parsed`` access (a deep copy of its
parse tree, then post-processing), since a processing pipeline may have changed the
rule meanwhile. Inside ``shared_condition_trees()`` (one validation run, where
validators only read the rules) each rule's trees are parsed once and shared.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from sigma.conditions import (
    ConditionAND,
    ConditionFieldEqualsValueExpression,
    ConditionNOT,
    ConditionOR,
)
from sigma.correlations import SigmaCorrelationRule
from sigma.rule import SigmaRule, SigmaRuleBase
from sigma.types import SigmaString


@dataclass(frozen=True)
class FieldValue:
    """One field = value leaf; ``negated`` when it sits under a NOT."""

    field: str
    value: Any
    negated: bool
    node: ConditionFieldEqualsValueExpression


# id(rule) -> (rule, its condition trees, its leaves), while shared_condition_trees() runs.
_SHARED: ContextVar[dict[int, tuple[SigmaRule, list[Any], list[FieldValue]]] | None] = ContextVar(
    "sigmaq_shared_condition_trees", default=None
)


@contextmanager
def shared_condition_trees() -> Iterator[None]:
    """Within the block, ``condition_roots`` and ``rule_field_values`` parse each rule's
    conditions once and return the same trees to every caller: the rules and the trees
    must not be changed inside (validators only read them). Nested use keeps the outer
    block's trees."""
    if _SHARED.get() is not None:
        yield
        return
    token = _SHARED.set({})
    try:
        yield
    finally:
        _SHARED.reset(token)


def _shared_entry(rule: SigmaRule) -> tuple[SigmaRule, list[Any], list[FieldValue]] | None:
    shared = _SHARED.get()
    if shared is None:
        return None
    entry = shared.get(id(rule))
    if entry is None or entry[0] is not rule:
        roots = [condition.parsed for condition in rule.detection.parsed_condition]
        leaves = [leaf for root in roots for leaf in iter_field_values(root)]
        entry = shared[id(rule)] = (rule, roots, leaves)
    return entry


def condition_roots(rule: SigmaRule) -> list[Any]:
    """The parsed condition trees of a rule (one per condition)."""
    entry = _shared_entry(rule)
    if entry is not None:
        return list(entry[1])
    return [condition.parsed for condition in rule.detection.parsed_condition]


def iter_field_values(node: Any, negated: bool = False) -> Iterator[FieldValue]:
    """Every field/value leaf under ``node``, depth first."""
    if isinstance(node, ConditionFieldEqualsValueExpression):
        yield FieldValue(node.field, node.value, negated, node)
    elif isinstance(node, ConditionNOT):
        for arg in node.args:
            yield from iter_field_values(arg, not negated)
    elif isinstance(node, ConditionAND | ConditionOR):
        for arg in node.args:
            yield from iter_field_values(arg, negated)


def rule_field_values(rule: SigmaRule) -> list[FieldValue]:
    """Every field/value leaf of every condition of ``rule``."""
    entry = _shared_entry(rule)
    if entry is not None:
        return list(entry[2])
    return [leaf for root in condition_roots(rule) for leaf in iter_field_values(root)]


def rule_fields(rule: SigmaRuleBase) -> set[str]:
    """Field names a rule reads: its detection fields, or a correlation's
    group-by, alias and value-count fields."""
    if isinstance(rule, SigmaCorrelationRule):
        aliases = rule.aliases.aliases if rule.aliases else {}
        # A group-by name that is an alias stands for a different field per base rule.
        fields = {name for name in rule.group_by or [] if name not in aliases}
        # The value_count field may be an alias too (Sigma correlation spec, "Field Name Aliases").
        fieldref = getattr(rule.condition, "fieldref", None)
        if isinstance(fieldref, str):
            fields.update({fieldref} - set(aliases))
        elif isinstance(fieldref, list):
            fields.update(str(item) for item in fieldref if str(item) not in aliases)
        for alias in aliases.values():
            fields.update(str(value) for value in alias.mapping.values())
        return fields
    if isinstance(rule, SigmaRule):
        return {leaf.field for leaf in rule_field_values(rule)}
    return set()


def requires_field(node: Any, field: str) -> bool:
    """True when every match of ``node`` needs a positive constraint on ``field``.

    AND needs one constrained branch, OR needs all branches constrained, NOT
    constrains nothing (Sigma condition semantics, specification "condition").
    """
    if isinstance(node, ConditionFieldEqualsValueExpression):
        return node.field == field and isinstance(node.value, SigmaString)
    if isinstance(node, ConditionAND):
        return any(requires_field(arg, field) for arg in node.args)
    if isinstance(node, ConditionOR):
        return all(requires_field(arg, field) for arg in node.args)
    return False


def sibling_values(leaf: FieldValue, field: str) -> list[Any]:
    """Values of ``field`` ANDed with ``leaf`` in its nearest enclosing AND group.

    Climbs the parent chain to the first ``ConditionAND`` holding ``field`` leaves.
    """
    node: Any = leaf.node.parent
    while node is not None:
        if isinstance(node, ConditionAND):
            values = [fv.value for fv in iter_field_values(node) if fv.field == field]
            if values:
                return values
        node = getattr(node, "parent", None)
    return []
