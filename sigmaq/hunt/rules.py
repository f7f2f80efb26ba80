"""Which rules a hunt runs, and the role each plays (``sigmaq hunt --rules/--rule``).

Selection by id, title, name, file or glob and by minimum level; the references a
correlation pulls in; which rules the replay engine can run; and which rules report,
rest under a correlation, or stay silent (``generate: false``).
"""

from __future__ import annotations

import fnmatch
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sigma.correlations import SigmaCorrelationRule
from sigma.rule import SigmaRuleBase

from sigmaq.core.errors import ConfigError, ReplayError
from sigmaq.core.layout import bundled_pack_root, find_project_root
from sigmaq.core.loader import LoadedRule
from sigmaq.core.model import Level


def default_rules_dir(cwd: Path) -> Path:
    """The ``rules/`` folder to hunt with when ``--rules`` is not given.

    The project at or above ``cwd`` (``layout.find_project_root``), else the pack that
    comes with sigmaq (``layout.bundled_pack_root``: inside a wheel install, or beside
    the package in a checkout or editable install). Raises ConfigError when neither
    exists.
    """
    root = find_project_root(cwd) or bundled_pack_root()
    if root is not None:
        return root / "rules"
    raise ConfigError("no rules/ folder found here or in the sigmaq install; use --rules")


def rule_key(rule: SigmaRuleBase) -> str:
    """The id a finding carries for ``rule``: its ``id``, else its title."""
    return str(rule.id) if rule.id is not None else str(rule.title)


def _rule_names(loaded: LoadedRule) -> list[str]:
    names = [rule_key(loaded.rule), str(loaded.rule.title), loaded.path.stem, str(loaded.path)]
    name = getattr(loaded.rule, "name", None)
    if name:
        names.append(str(name))
    return names


def select_rules(
    loaded: Sequence[LoadedRule],
    patterns: Sequence[str] = (),
    min_level: Level | None = None,
) -> list[LoadedRule]:
    """The rules to report on.

    ``patterns``: rule ids, titles, correlation names, file stems or paths, each an
    exact value or a shell glob (case-insensitive); empty means every rule. A pattern
    that matches no rule raises ConfigError (a typo must not hunt with nothing).
    ``min_level``: drop rules below this Sigma level (rules without a level are kept
    only when no minimum is given).
    """
    selected = list(loaded)
    if patterns:
        chosen: list[LoadedRule] = []
        for pattern in patterns:
            lowered = pattern.lower()
            hits = [
                rule
                for rule in loaded
                if any(fnmatch.fnmatchcase(n.lower(), lowered) for n in _rule_names(rule))
            ]
            if not hits:
                raise ConfigError(f"--rule {pattern!r} matches no rule")
            chosen.extend(hit for hit in hits if hit not in chosen)
        selected = chosen
    if min_level is not None:
        selected = [
            rule
            for rule in selected
            if (level := Level.parse(rule.rule.level)) is not None and level.rank >= min_level.rank
        ]
    return selected


def _references(rule: SigmaCorrelationRule) -> list[SigmaRuleBase]:
    # Extended conditions list their rules in referenced_rules (as the engine reads them).
    references = rule.referenced_rules or rule.rules or []
    return [ref.rule for ref in references if getattr(ref, "rule", None) is not None]


def expand_rules(rules: Sequence[SigmaRuleBase]) -> list[SigmaRuleBase]:
    """``rules`` plus every rule their correlations refer to (each once)."""
    ordered: list[SigmaRuleBase] = []
    pending = list(rules)
    while pending:
        rule = pending.pop(0)
        if any(rule is seen for seen in ordered):
            continue
        ordered.append(rule)
        if isinstance(rule, SigmaCorrelationRule):
            pending.extend(_references(rule))
    return ordered


def replayable_rules(
    rules: Sequence[SigmaRuleBase],
) -> tuple[list[SigmaRuleBase], list[ReplayError]]:
    """Split ``rules`` into those the replay engine can run and one error per other rule.

    A rule the engine refuses (an ``|expand`` placeholder without values, an
    unsupported modifier or correlation type) is left out with its ReplayError, and so
    is a correlation resting on such a rule; the others still hunt.
    """
    from sigmaq.replay.compile import compile_rule
    from sigmaq.replay.correlate import compile_correlation

    errors: list[ReplayError] = []
    broken: set[int] = set()
    for rule in expand_rules(rules):
        try:
            if isinstance(rule, SigmaCorrelationRule):
                compile_correlation(rule)
            else:
                compile_rule(rule)  # type: ignore[arg-type]
        except ReplayError as error:
            errors.append(error)
            broken.add(id(rule))
    changed = True
    while changed:  # correlations over refused rules cannot run either
        changed = False
        for rule in expand_rules(rules):
            if id(rule) in broken or not isinstance(rule, SigmaCorrelationRule):
                continue
            if any(id(ref) in broken for ref in _references(rule)):
                broken.add(id(rule))
                errors.append(
                    ReplayError(
                        "a rule this correlation refers to cannot be replayed",
                        rule_id=rule_key(rule),
                    )
                )
                changed = True
    return [rule for rule in rules if id(rule) not in broken], errors


def located(errors: Sequence[ReplayError], rules: Sequence[LoadedRule]) -> list[ReplayError]:
    """``errors`` of ``replayable_rules`` with the file and line of their rule (the key
    ``replay.compile.refusal_keys`` picks), so each names where to look."""
    from sigmaq.replay.compile import refusal_keys

    by_key = {rule_key(loaded.rule): loaded for loaded in rules}
    out: list[ReplayError] = []
    for error in errors:
        loaded = by_key.get(error.rule_id or "")
        if loaded is None:
            out.append(error)
            continue
        keys = refusal_keys(error.message, correlation=loaded.is_correlation)
        out.append(
            ReplayError(
                error.message,
                path=loaded.path,
                line=loaded.document.line_of(*keys),
                rule_id=error.rule_id,
            )
        )
    return out


@dataclass(frozen=True)
class RuleRoles:
    """Rule ids by role in one hunt.

    ``wanted``: reported; ``silenced``: rules a ``generate: false``
    correlation refers to, which report nothing of their own (Sigma correlation
    specification, "generate"; pySigma ``resolve_rule_references``).
    """

    wanted: frozenset[str]
    silenced: frozenset[str]

    @classmethod
    def of(cls, rules: Sequence[SigmaRuleBase]) -> RuleRoles:
        everything = expand_rules(rules)
        silenced: set[str] = set()
        for rule in everything:
            if isinstance(rule, SigmaCorrelationRule) and not rule.generate:
                silenced.update(rule_key(target) for target in _references(rule))
        return cls(
            wanted=frozenset(rule_key(rule) for rule in rules),
            silenced=frozenset(silenced),
        )

    def reports(self, rule_id: str) -> bool:
        return rule_id in self.wanted and rule_id not in self.silenced
