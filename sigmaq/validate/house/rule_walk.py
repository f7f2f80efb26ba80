"""Read what a rule's parsed condition says about fields and values.

pySigma flattens a rule's condition (``parsed_condition[i].parsed``) into a tree
of ``ConditionAND``/``ConditionOR``/``ConditionNOT`` over
``ConditionFieldEqualsValueExpression`` leaves (one field, one typed value) and
``ConditionValueExpression`` leaves (keywords). House validators read that tree
rather than the YAML, so they see exactly what the backends and replay see.
"""

from __future__ import annotations

from collections.abc import Iterator
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

from sigmaq.core.condition_trees import condition_trees


@dataclass(frozen=True)
class FieldValue:
    """One field = value leaf; ``negated`` when it sits under a NOT."""

    field: str
    value: Any
    negated: bool
    node: ConditionFieldEqualsValueExpression


def condition_roots(rule: SigmaRule) -> list[Any]:
    """The parsed condition trees of a rule (one per condition); parsed once per rule
    inside ``sigmaq.core.condition_trees.shared_condition_trees``."""
    return condition_trees(rule)


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
