"""A rule's parsed condition trees, parsed once inside a block.

pySigma parses a condition again on every ``SigmaCondition.parsed`` access (a deep copy
of its cached parse tree, then post-processing against the rule's detections), since a
processing pipeline may have changed the rule meanwhile. Loading then validating a rule
set reads each rule's trees many times over without changing any rule: inside
``shared_condition_trees()`` each rule's conditions are parsed once and every caller
gets the same trees, which it must not change.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from sigma.rule import SigmaRule

# id(rule) -> (rule, its condition trees), while shared_condition_trees() runs.
_SHARED: ContextVar[dict[int, tuple[SigmaRule, list[Any]]] | None] = ContextVar(
    "sigmaq_shared_condition_trees", default=None
)


@contextmanager
def shared_condition_trees() -> Iterator[None]:
    """Within the block, ``condition_trees`` parses each rule's conditions once and
    returns the same trees to every caller: the rules and the trees must not be changed
    inside (loading and validation only read them). Nested use keeps the outer block's
    trees."""
    if _SHARED.get() is not None:
        yield
        return
    token = _SHARED.set({})
    try:
        yield
    finally:
        _SHARED.reset(token)


def condition_trees(rule: SigmaRule) -> list[Any]:
    """The parsed condition trees of ``rule``, one per condition (pySigma's
    ``parsed_condition[i].parsed``); shared inside ``shared_condition_trees``.

    Raises what pySigma raises for a condition it cannot parse (``SigmaConditionError``
    for an undefined detection name, ...); nothing is kept then.
    """
    shared = _SHARED.get()
    if shared is None:
        return [condition.parsed for condition in rule.detection.parsed_condition]
    entry = shared.get(id(rule))
    if entry is None or entry[0] is not rule:
        entry = shared[id(rule)] = (
            rule,
            [condition.parsed for condition in rule.detection.parsed_condition],
        )
    return list(entry[1])
