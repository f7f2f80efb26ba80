"""Which kinds of records the archive holds, and what the pack's rules say they need.

CloudTrail logs data events only when a trail's advanced event selectors ask for their
``resources.type`` (CloudTrail User Guide, "Logging data events"); the Amazon Q Business
and Q Developer IDE/CLI calls that answer several playbook questions are data events
(``../shared/docs/playbook.md``, "CloudTrail data events"). Rules that key on them declare
the types in ``sigmaq.data_events``; ``rule_infos`` reads that metadata (and the
``sigmaq.playbook`` tags ``q1``…``q6``) so an answer can say which rules could not fire.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sigma.rule import SigmaRuleBase

from sigmaq.core.model import Level
from sigmaq.hunt.rules import rule_key
from sigmaq.investigate.bounded import CappedCounter
from sigmaq.investigate.identity import Q_SURFACES
from sigmaq.investigate.model import Coverage, Gap
from sigmaq.investigate.records import Seen


@dataclass(frozen=True, slots=True)
class RuleInfo:
    """A rule's id, title, level and ``sigmaq:`` metadata (playbook tags, data events)."""

    rule_id: str
    title: str
    level: Level | None
    playbook: tuple[str, ...]
    data_events: tuple[str, ...]


def _strings(value: object) -> tuple[str, ...]:
    if isinstance(value, list):
        return tuple(str(item) for item in value if isinstance(item, str))
    return ()


def rule_infos(rules: Iterable[SigmaRuleBase]) -> dict[str, RuleInfo]:
    """RuleInfo by rule id (``hunt.rules.rule_key``) for ``rules``."""
    infos: dict[str, RuleInfo] = {}
    for rule in rules:
        meta = (getattr(rule, "custom_attributes", None) or {}).get("sigmaq")
        meta = meta if isinstance(meta, dict) else {}
        key = rule_key(rule)
        infos[key] = RuleInfo(
            rule_id=key,
            title=str(rule.title),
            level=Level.parse(rule.level),
            playbook=_strings(meta.get("playbook")),
            data_events=_strings(meta.get("data_events")),
        )
    return infos


class CoverageState:
    """Record counts by category and the data-event ``resources.type`` values seen."""

    def __init__(self) -> None:
        self.management = 0
        self.data = 0
        self.other = 0
        self.data_types = CappedCounter(200)
        self.q_sources = CappedCounter(50)

    def observe(self, seen: Seen) -> None:
        category = seen.event.get("eventCategory")
        if category == "Data" or (category is None and seen.event.get("managementEvent") is False):
            self.data += 1
            resources = seen.event.get("resources")
            if isinstance(resources, list):
                kinds = {r.get("type") for r in resources if isinstance(r, dict)}
                for kind in kinds:
                    if isinstance(kind, str):
                        self.data_types.add(kind)
            label = "Data"
        elif category in ("Management", None):
            self.management += 1
            label = "Management"
        else:
            self.other += 1
            label = str(category)
        if seen.source in Q_SURFACES:
            self.q_sources.add(f"{seen.source} ({label})")

    def seen_type(self, resource_type: str) -> int:
        return self.data_types.counts.get(resource_type, 0)

    def freeze(self) -> Coverage:
        return Coverage(
            management_events=self.management,
            data_events=self.data,
            other_events=self.other,
            data_resource_types=self.data_types.top(),
            q_event_sources=self.q_sources.top(),
        )


def data_event_gaps(
    coverage: CoverageState,
    question: str,
    infos: Iterable[RuleInfo],
    needs: dict[str, str],
) -> list[Gap]:
    """One gap per data-event type that ``question`` depends on and the archive lacks.

    ``needs``: resources.type -> what stays invisible without it (for this question);
    the types the pack's rules tagged ``question`` declare are added, each with the
    titles of those rules.
    """
    rules_by_type: dict[str, list[str]] = {}
    for info in infos:
        if question in info.playbook:
            for kind in info.data_events:
                rules_by_type.setdefault(kind, []).append(info.title)
    wanted = dict(needs)
    for kind in rules_by_type:
        wanted.setdefault(kind, "the calls the rules below key on")
    gaps: list[Gap] = []
    for kind in sorted(wanted):
        if coverage.seen_type(kind):
            continue
        rules = tuple(sorted(rules_by_type.get(kind, [])))
        statement = (
            f"No {kind} data events are in the archive (the trail did not log them, or they "
            f"were not exported), so {wanted[kind]} cannot be seen"
        )
        if rules:
            statement += f"; {len(rules)} rule(s) of the pack need them and could not fire"
        gaps.append(Gap(statement + ".", (kind,), rules))
    return gaps
