"""The Kibana rule type that expresses each Sigma rule, and why.

Order of preference (the first that expresses the rule exactly wins):

- single-event rule: ``query`` (Lucene) — exact wherever sigmaq's Lucene pipeline
  converts (case-insensitive values become whole-term regexps on keyword fields);
  then ``eql``; then ``esql`` (field-to-field ``|fieldref``, ``to_lower``);
- ``event_count`` / ``value_count`` with ``gte``/``gt``: ``threshold`` (count, or
  cardinality of one field, per up to three group-by fields, over the look-back);
  ``esql`` (``stats count(*)``/``count_distinct`` by the group-by) when the rules it
  counts need ES|QL;
- ``temporal_ordered``: ``eql`` ``sequence … with maxspan`` (stage ``by`` keys carry
  aliases);
- ``temporal``: ``esql`` (one flag per rule, ``max`` per group, all flags set);
- ``new_terms``: no rule in the pack expresses first-seen logic, so none is chosen.

A rule whose fields the AWS integration drops or keeps only as ``flattened`` fields is
retried with sigmaq's custom ingest pipeline (``custom_pipeline``) unless the build
opts out; the rule then lists that prerequisite.

Correlation groups: replay compares group-by values case-insensitively
(docs/replay-correlations.md, "Groups"). A Kibana threshold rule groups with a terms
aggregation and an EQL sequence joins ``by`` keys on exact keyword values, so with the
custom pipeline they group on (and count distinct values of, join by) the pipeline's
lower-cased copies ``sigmaq.lower.<path>`` (``lower_paths``); without it (build option
``--no-elastic-custom-pipeline``) they group by exact case and their ``reason`` says so.
ES|QL rules lower-case in the query (``lower_case_eval``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from sigma.correlations import (
    SigmaCorrelationCondition,
    SigmaCorrelationConditionOperator,
    SigmaCorrelationRule,
    SigmaCorrelationType,
)

from sigmaq.core.fields import ElasticKind, elastic_lower_name, resolve
from sigmaq.core.loader import LoadedRule
from sigmaq.export.elastic.queries import (
    backend_for,
    convert_single,
    ecs_name,
    restorable,
    rule_paths,
)
from sigmaq.export.elastic.values import EsType, es_type

SINGLE_INTERVAL = timedelta(minutes=5)
# Look-back of single-event and sequence rules beyond their window: covers indexing
# and refresh lag on event.ingested, and events without event.ingested read through
# the @timestamp fallback up to 15 minutes late (CloudTrail delivers within about 5
# minutes on average, not guaranteed: AWS CloudTrail FAQ). Kibana writes one alert per
# source event and rule, so overlapping look-backs do not duplicate alerts.
SINGLE_LOOKBACK = timedelta(minutes=20)


@dataclass(frozen=True)
class ElasticQuery:
    """One Kibana rule's query and schedule, as chosen for a Sigma rule.

    ``rule_type``: Kibana ``type`` (``query``, ``eql``, ``threshold``, ``esql``);
    ``language``: ``lucene``, ``eql`` or ``esql``; ``query``: the text Kibana runs;
    ``threshold``: Kibana's threshold object; ``group_fields``: ECS fields whose values
    identify a correlation's groups, in the rule's group-by order; ``custom_paths``:
    CloudTrail paths read from the custom pipeline; ``lower_paths``: CloudTrail paths
    read through the custom pipeline's lower-cased copies (``sigmaq.lower.<path>``);
    ``fields``: ECS fields the query reads; ``reason``: why this type.
    """

    rule_id: str
    rule_type: str
    language: str
    query: str
    reason: str
    interval: timedelta
    lookback: timedelta
    custom_paths: frozenset[str] = frozenset()
    lower_paths: frozenset[str] = frozenset()
    threshold: dict[str, object] | None = None
    group_fields: tuple[str, ...] = ()
    fields: tuple[str, ...] = ()
    correlation: bool = False
    aggregate: bool = False
    timespan: timedelta | None = None
    base_ids: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Refusal:
    """A rule no Kibana rule type expresses exactly: why, per language tried."""

    rule_id: str
    reason: str
    failed: bool = False
    """True when a conversion failed unexpectedly (an unmapped field), not a refusal."""


AGGREGATE_INTERVAL = timedelta(minutes=1)

CASE_INSENSITIVE_NOTE = (
    "groups case-insensitively, as replay, on the custom pipeline's lower-cased copies "
    "(sigmaq.lower.*); alerts show the lower-cased value"
)
CASE_SENSITIVE_NOTE = (
    "groups by exact case (the custom pipeline is disabled, --no-elastic-custom-pipeline): "
    "values differing only in case make separate groups, unlike replay"
)


def aggregate_interval(timespan: timedelta) -> timedelta:
    """Run interval of a count over a ``timespan`` look-back: one minute, so any burst
    that fits in ``timespan`` minus a minute fires whatever the schedule phase."""
    return AGGREGATE_INTERVAL


class Chooser:
    """Chooses and builds the Elastic query of every rule of one rule set.

    ``allow_custom``: whether rules may rely on sigmaq's custom ingest pipeline.
    """

    def __init__(self, rules: list[LoadedRule], index_pattern: str, allow_custom: bool) -> None:
        self.rules = rules
        self.index_pattern = index_pattern
        self.allow_custom = allow_custom

    # ------------------------------------------------------------------ singles
    def single(self, loaded: LoadedRule) -> ElasticQuery | Refusal:
        """A single-event rule as a ``query``, ``eql`` or ``esql`` Kibana rule."""
        attempts: list[str] = []
        failed = False
        custom = restorable(rule_paths(loaded)) if self.allow_custom else frozenset()
        for language, rule_type in (("lucene", "query"), ("eql", "eql"), ("esql", "esql")):
            for paths in (frozenset(), custom) if custom else (frozenset(),):
                result = convert_single(loaded, language, self.index_pattern, paths)
                if result.status == "converted" and result.query is not None:
                    reason = _single_reason(language, attempts)
                    if paths:
                        reason += (
                            "; reads " + ", ".join(sorted(paths)) + " from the custom pipeline"
                        )
                    return ElasticQuery(
                        rule_id=loaded.rule_id,
                        rule_type=rule_type,
                        language=language,
                        query=result.query,
                        reason=reason,
                        interval=SINGLE_INTERVAL,
                        lookback=SINGLE_LOOKBACK,
                        custom_paths=paths,
                        fields=self._fields(loaded, paths),
                    )
                label = language + (" with the custom pipeline" if paths else "")
                attempts.append(f"{label}: {result.message}")
                failed = failed or result.status == "failed"
        if not self.allow_custom and restorable(rule_paths(loaded)):
            attempts.append("the custom pipeline is disabled (--no-elastic-custom-pipeline)")
        return Refusal(loaded.rule_id, " | ".join(attempts), failed)

    def _fields(self, loaded: LoadedRule, custom: frozenset[str]) -> tuple[str, ...]:
        names: list[str] = []
        for path in rule_paths(loaded):
            name = ecs_name(path, custom)
            resolved = resolve(path)
            if name is None:
                continue
            if resolved is not None and resolved.elastic_cidr and path not in custom:
                names.append(resolved.elastic_cidr)
            if name not in names:
                names.append(name)
        return tuple(names)

    # ------------------------------------------------------------------ correlations
    def correlation(self, loaded: LoadedRule) -> ElasticQuery | Refusal:
        rule = loaded.rule
        assert isinstance(rule, SigmaCorrelationRule)
        bases = [self._loaded(ref.rule) for ref in rule.rules or []]
        if any(base is None for base in bases):
            return Refusal(loaded.rule_id, "a referenced rule is not in the rule set")
        base_rules = [b for b in bases if b is not None]
        custom_all = restorable(rule_paths(loaded)) if self.allow_custom else frozenset()
        if rule.type in (SigmaCorrelationType.EVENT_COUNT, SigmaCorrelationType.VALUE_COUNT):
            return self._count(loaded, rule, base_rules, custom_all)
        if rule.type is SigmaCorrelationType.TEMPORAL_ORDERED:
            return self._sequence(loaded, rule, base_rules, custom_all)
        if rule.type is SigmaCorrelationType.TEMPORAL:
            return self._temporal(loaded, rule, base_rules, custom_all)
        return Refusal(loaded.rule_id, f"correlation type {rule.type} has no Kibana rule type")

    def _loaded(self, rule: object) -> LoadedRule | None:
        return next((item for item in self.rules if item.rule is rule), None)

    def _base_queries(
        self, bases: list[LoadedRule], language: str, custom_all: frozenset[str]
    ) -> tuple[list[str], frozenset[str]] | str:
        """Every base rule's query in ``language`` (custom pipeline only if needed)."""
        for paths in (frozenset(), custom_all) if custom_all else (frozenset(),):
            queries, problems = [], []
            for base in bases:
                result = convert_single(base, language, self.index_pattern, paths)
                if result.query is None:
                    problems.append(f"{base.rule.title}: {result.message}")
                else:
                    queries.append(result.query)
            if not problems:
                return queries, paths
        return "; ".join(problems)

    def _group(
        self, rule: SigmaCorrelationRule, custom: frozenset[str], language: str
    ) -> list[str] | str:
        names = []
        aliases = {alias.alias for alias in rule.aliases}
        for path in rule.group_by or []:
            if path in aliases:
                return f"group-by alias {path!r} needs per-rule fields"
            name = ecs_name(path, custom)
            resolved = resolve(path)
            if name is None:
                return f"group-by field {path} is not kept by the integration"
            if (
                path not in custom
                and resolved is not None
                and resolved.elastic_kind is ElasticKind.FLATTENED
                and language != "lucene"
            ):
                return f"group-by field {path} is a flattened field"
            names.append(name)
        return names

    def _count(
        self,
        loaded: LoadedRule,
        rule: SigmaCorrelationRule,
        bases: list[LoadedRule],
        custom_all: frozenset[str],
    ) -> ElasticQuery | Refusal:
        condition = rule.condition
        if not isinstance(condition, SigmaCorrelationCondition):
            return Refusal(loaded.rule_id, "an extended correlation condition is not a threshold")
        op, count = condition.op, int(condition.count)
        if op is SigmaCorrelationConditionOperator.GT:
            count += 1
        elif op is not SigmaCorrelationConditionOperator.GTE:
            return Refusal(loaded.rule_id, f"condition {op.name.lower()} is not a threshold")
        if rule.timespan is None:
            return Refusal(loaded.rule_id, "no timespan")
        timespan = timedelta(seconds=rule.timespan.seconds)
        group_paths = list(rule.group_by or [])
        value_field = getattr(condition, "fieldref", None)
        if isinstance(value_field, list):
            value_field = value_field[0] if len(value_field) == 1 else None
        problems = []
        for language in ("lucene", "esql"):
            converted = self._base_queries(bases, language, custom_all)
            if isinstance(converted, str):
                problems.append(f"{language}: {converted}")
                continue
            queries, base_custom = converted
            custom = base_custom | (
                restorable(group_paths + ([value_field] if value_field else []))
                if self.allow_custom
                else frozenset()
            )
            group = self._group(rule, custom, language)
            if isinstance(group, str) or len(group) > 3:
                problems.append(
                    f"{language}: {group if isinstance(group, str) else 'over 3 group-by fields'}"
                )
                continue
            distinct = ecs_name(value_field, custom) if value_field else None
            if value_field and distinct is None:
                problems.append(f"{language}: {value_field} is not kept by the integration")
                continue
            fields_read = tuple(dict.fromkeys([*self._base_fields(bases, custom), *group]))
            common = {
                "rule_id": loaded.rule_id,
                "interval": aggregate_interval(timespan),
                "lookback": timespan,
                "custom_paths": custom,
                "group_fields": tuple(group),
                "fields": fields_read,
                "correlation": True,
                "aggregate": True,
                "timespan": timespan,
                "base_ids": tuple(b.rule_id for b in bases),
            }
            measure = f"cardinality of {distinct}" if distinct else "count"
            if language == "lucene":
                query = queries[0] if len(queries) == 1 else " OR ".join(f"({q})" for q in queries)
                case_note = CASE_SENSITIVE_NOTE
                if self.allow_custom:
                    # Terms aggregations compare exact values: group on lower-cased copies.
                    lower = [*group_paths, *([value_field] if value_field else [])]
                    group = [elastic_lower_name(path) for path in group_paths]
                    distinct = elastic_lower_name(value_field) if value_field else None
                    measure = f"cardinality of {distinct}" if distinct else "count"
                    common["group_fields"] = tuple(group)
                    common["lower_paths"] = frozenset(lower)
                    # The copies come from the raw record: the group paths need no
                    # sigmaq.cloudtrail restore of their own.
                    common["custom_paths"] = base_custom
                    common["fields"] = tuple(
                        dict.fromkeys([*self._base_fields(bases, base_custom), *group])
                    )
                    case_note = CASE_INSENSITIVE_NOTE
                threshold: dict[str, object] = {"field": group, "value": 1 if distinct else count}
                if distinct:
                    threshold["cardinality"] = [{"field": distinct, "value": count}]
                return ElasticQuery(
                    rule_type="threshold",
                    language="lucene",
                    query=query,
                    reason=f"{rule.type.name.lower()}: threshold ({measure} >= {count} per "
                    f"{', '.join(group) or 'all events'}) over a {_span(timespan)} look-back"
                    + (f"; {case_note}" if group or distinct else ""),
                    threshold=threshold,
                    **common,  # type: ignore[arg-type]
                )
            wheres = [q.split("| where ", 1)[1] for q in queries]
            where = wheres[0] if len(wheres) == 1 else " or ".join(f"({w})" for w in wheres)
            aggregate = f"count_distinct({distinct})" if distinct else "count(*)"
            by = f" by {', '.join(group)}" if group else ""
            lowered = lower_case_eval([*group, *([distinct] if distinct else [])])
            query = (
                f"from {self.index_pattern} | where {where}{lowered}"
                f" | stats sigmaq_count = {aggregate}{by} | where sigmaq_count >= {count}"
            )
            return ElasticQuery(
                rule_type="esql",
                language="esql",
                query=query,
                reason=f"{rule.type.name.lower()}: ES|QL stats over a {_span(timespan)} "
                "look-back, because " + problems[-1],
                **common,  # type: ignore[arg-type]
            )
        return Refusal(loaded.rule_id, " | ".join(problems))

    def _base_fields(self, bases: list[LoadedRule], custom: frozenset[str]) -> list[str]:
        return [name for base in bases for name in self._fields(base, custom)]

    def _stage_keys(
        self, rule: SigmaCorrelationRule, base: LoadedRule, custom: frozenset[str]
    ) -> list[tuple[str, str]] | str:
        """(CloudTrail path, ECS field) of each join key of ``base``'s stage, or why not."""
        aliases = {alias.alias: alias for alias in rule.aliases}
        names = []
        for name in rule.group_by or []:
            path = name
            if name in aliases:
                mapping = {ref.reference: p for ref, p in aliases[name].mapping.items()}
                base_name = getattr(base.rule, "name", None)
                path = mapping.get(base_name or "") or mapping.get(base.rule_id) or ""
                if not path:
                    return f"alias {name!r} has no field for {base.rule.title}"
            ecs = ecs_name(path, custom)
            resolved = resolve(path)
            if ecs is None:
                return f"join field {path} is not kept by the integration"
            if (
                path not in custom
                and resolved is not None
                and resolved.elastic_kind is ElasticKind.FLATTENED
            ):
                return f"join field {path} is a flattened field (EQL cannot read it)"
            names.append((path, ecs))
        return names

    def _sequence(
        self,
        loaded: LoadedRule,
        rule: SigmaCorrelationRule,
        bases: list[LoadedRule],
        custom_all: frozenset[str],
    ) -> ElasticQuery | Refusal:
        if rule.timespan is None:
            return Refusal(loaded.rule_id, "no timespan")
        if _required_rules(rule) != len(bases):
            return Refusal(loaded.rule_id, "a sequence needs every referenced rule once")
        attempts = []
        for custom in (frozenset(), custom_all) if custom_all else (frozenset(),):
            converted = self._base_queries(bases, "eql", custom)
            if isinstance(converted, str):
                attempts.append(converted)
                continue
            queries, used = converted
            custom = used | custom
            backend = backend_for("eql", self.index_pattern, custom)
            stages = []
            problem = ""
            lowered: set[str] = set()
            for base, query in zip(bases, queries, strict=True):
                keys = self._stage_keys(rule, base, custom)
                if isinstance(keys, str):
                    problem = keys
                    break
                if self.allow_custom:
                    # EQL joins by exact values: join on the lower-cased copies.
                    lowered.update(path for path, _ in keys)
                    names = [elastic_lower_name(path) for path, _ in keys]
                else:
                    names = [ecs for _, ecs in keys]
                quoted = ", ".join(backend.escape_and_quote_field(k) for k in names)
                condition = query.split("where ", 1)[1]
                stages.append(f"[any where {condition}]" + (f" by {quoted}" if keys else ""))
            if problem:
                attempts.append(problem)
                continue
            timespan = timedelta(seconds=rule.timespan.seconds)
            query = f"sequence with maxspan={rule.timespan.spec}\n  " + "\n  ".join(stages)
            return ElasticQuery(
                rule_id=loaded.rule_id,
                rule_type="eql",
                language="eql",
                query=query,
                reason=f"temporal_ordered: EQL sequence with maxspan={rule.timespan.spec}, "
                "stage by-keys from the group-by"
                + (
                    ""
                    if not rule.group_by
                    else f"; {CASE_INSENSITIVE_NOTE if self.allow_custom else CASE_SENSITIVE_NOTE}"
                ),
                interval=SINGLE_INTERVAL,
                lookback=timespan + SINGLE_INTERVAL,
                custom_paths=custom,
                lower_paths=frozenset(lowered),
                group_fields=(),
                fields=tuple(dict.fromkeys(self._base_fields(bases, custom))),
                correlation=True,
                timespan=timespan,
                base_ids=tuple(b.rule_id for b in bases),
            )
        return Refusal(loaded.rule_id, "eql: " + " | ".join(attempts))

    def _temporal(
        self,
        loaded: LoadedRule,
        rule: SigmaCorrelationRule,
        bases: list[LoadedRule],
        custom_all: frozenset[str],
    ) -> ElasticQuery | Refusal:
        if rule.timespan is None:
            return Refusal(loaded.rule_id, "no timespan")
        if _required_rules(rule) != len(bases):
            return Refusal(loaded.rule_id, "only 'every referenced rule' temporal is modelled")
        converted = self._base_queries(bases, "esql", custom_all)
        if isinstance(converted, str):
            return Refusal(loaded.rule_id, "esql: " + converted)
        queries, custom = converted
        group = self._group(rule, custom, "esql")
        if isinstance(group, str):
            return Refusal(loaded.rule_id, "esql: " + group)
        wheres = [q.split("| where ", 1)[1] for q in queries]
        flags = [f"sigmaq_rule_{i + 1}" for i in range(len(wheres))]
        timespan = timedelta(seconds=rule.timespan.seconds)
        query = (
            f"from {self.index_pattern} | where "
            + " or ".join(f"({w})" for w in wheres)
            + " | eval "
            + ", ".join(f"{f} = case({w}, 1, 0)" for f, w in zip(flags, wheres, strict=True))
            + lower_case_eval(group)
            + " | stats "
            + ", ".join(f"{f} = max({f})" for f in flags)
            + (f" by {', '.join(group)}" if group else "")
            + " | where "
            + " and ".join(f"{f} == 1" for f in flags)
        )
        return ElasticQuery(
            rule_id=loaded.rule_id,
            rule_type="esql",
            language="esql",
            query=query,
            reason=f"temporal: ES|QL flags every rule per group over a {_span(timespan)} "
            "look-back (EQL sequences are ordered)",
            interval=aggregate_interval(timespan),
            lookback=timespan,
            custom_paths=custom,
            group_fields=tuple(group),
            fields=tuple(dict.fromkeys([*self._base_fields(bases, custom), *group])),
            correlation=True,
            aggregate=True,
            timespan=timespan,
            base_ids=tuple(b.rule_id for b in bases),
        )


def lower_case_eval(fields: list[str]) -> str:
    """`` | eval f = to_lower(f), …`` for the keyword ``fields`` ('' when none).

    Replay compares group-by values (and value_count's distinct values)
    case-insensitively (docs/replay-correlations.md, "Groups"); ES|QL ``STATS … BY`` and
    ``COUNT_DISTINCT`` compare exact values, so keyword fields are lower-cased first
    (``TO_LOWER``: Java ``String.toLowerCase`` in the query's locale, multi-valued input
    lower-cased per value; Elasticsearch ES|QL reference, "TO_LOWER"). ``ip`` fields are
    left as they are: ``TO_LOWER`` takes strings only and Elasticsearch stores addresses
    in one canonical form.
    """
    names = [name for name in dict.fromkeys(fields) if es_type(name) is EsType.KEYWORD]
    if not names:
        return ""
    return " | eval " + ", ".join(f"{name} = to_lower({name})" for name in names)


def _required_rules(rule: SigmaCorrelationRule) -> int:
    """How many referenced rules a temporal correlation needs (all when unstated)."""
    condition = rule.condition
    if isinstance(condition, SigmaCorrelationCondition):
        return int(condition.count)
    return len(rule.rules or [])


def _single_reason(language: str, attempts: list[str]) -> str:
    if language == "lucene":
        return "single event: Lucene query, exact"
    return (
        f"single event: {language.upper() if language == 'eql' else 'ES|QL'}, because "
        + "; ".join(attempts)
    )


def _span(timespan: timedelta) -> str:
    minutes = int(timespan.total_seconds() // 60)
    return f"{minutes // 60}h" if minutes % 60 == 0 and minutes >= 60 else f"{minutes}m"
