"""Run a chosen Elastic query over a proof case: the evaluator the proof harness calls.

Each record becomes the ECS document the AWS integration (plus sigmaq's custom
pipeline, for the paths the rule reads from it) would index (``sigmaq.export.ecs``);
then the model of the rule type runs: Lucene/EQL/ES|QL per event, Kibana's threshold
(count or cardinality per group over the look-back, every schedule phase), EQL
sequences, or ES|QL aggregations over the look-back. These are models of
Elasticsearch and Kibana, not the products.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from itertools import product
from typing import Any

from sigmaq.export.ecs import to_ecs
from sigmaq.export.elastic import eql_eval, esql_eval, lucene_eval
from sigmaq.export.elastic.choose import ElasticQuery
from sigmaq.export.elastic.schedule import fired_groups
from sigmaq.export.elastic.values import UnsupportedQuery, field_values
from sigmaq.export.proof import Outcome, ProofCase

MODEL = (
    "sigmaq.export.elastic: models of Elasticsearch query_string (luqum parser), EQL (eql "
    "parser, sigmaq's case-aware evaluation), ES|QL (sigmaq's parser of the emitted subset) "
    "and Kibana's threshold/ES|QL schedules (every run phase), over ECS documents built by "
    "sigmaq.export.ecs from each fixture record (the AWS integration's pipeline and sigmaq's "
    "custom pipeline); not Elasticsearch or Kibana themselves"
)


def evaluate(choice: ElasticQuery, case: ProofCase) -> Outcome:
    """What the Kibana rule ``choice`` yields on ``case``. Raises UnsupportedQuery."""
    docs, times = _documents(case, choice.custom_paths, choice.lower_paths)
    if not choice.correlation:
        matched = frozenset(_single(choice, docs, times))
        return Outcome(bool(matched), records=matched)
    if choice.rule_type == "eql":
        groups = eql_eval.sequence_groups(choice.query, docs, times)
    elif choice.rule_type == "threshold":
        groups = _threshold(choice, docs, times)
    elif choice.rule_type == "esql":
        groups = _esql_aggregate(choice, docs, times)
    else:
        raise UnsupportedQuery(f"correlation as {choice.rule_type} is not modelled")
    return Outcome(bool(groups), groups=frozenset(groups))


_DOCS: dict[tuple[int, frozenset[str], frozenset[str]], tuple[ProofCase, list[Any], list[Any]]] = {}


def _documents(
    case: ProofCase, custom_paths: frozenset[str], lower_paths: frozenset[str] = frozenset()
) -> tuple[list[dict[str, Any]], list[datetime | None]]:
    """ECS documents and event times of ``case`` (cached: the baseline serves every rule);
    ``lower_paths``: the custom pipeline's lower-cased copies the rule reads."""
    key = (id(case), custom_paths, lower_paths)
    cached = _DOCS.get(key)
    if cached is not None and cached[0] is case:
        return cached[1], cached[2]
    if len(_DOCS) > 256:
        _DOCS.clear()
    docs = [to_ecs(dict(record), custom_paths, lower_paths) for record in case.records]
    times = [case.event_time(i) for i in range(len(docs))]
    _DOCS[key] = (case, docs, times)
    return docs, times


def _single(
    choice: ElasticQuery, docs: list[dict[str, Any]], times: list[datetime | None]
) -> set[int]:
    if choice.language == "lucene":
        return {i for i, doc in enumerate(docs) if lucene_eval.matches(choice.query, doc)}
    if choice.language == "eql":
        return {i for i, doc in enumerate(docs) if eql_eval.matches(choice.query, doc)}
    if choice.language == "esql":
        rows = esql_eval.run(choice.query, docs, times)
        if any("__pos__" not in row for row in rows):
            raise UnsupportedQuery("an aggregating ES|QL query used as a single-event rule")
        return {int(row["__pos__"]) for row in rows}
    raise UnsupportedQuery(f"language {choice.language}")


def _keys(doc: dict[str, Any], names: Sequence[str]) -> list[tuple[str, ...]]:
    """Terms-aggregation keys of a document: one per value combination; none if missing."""
    options = [[str(v) for v in field_values(doc, name)] for name in names]
    if any(not values for values in options):
        return []
    return [tuple(combo) for combo in product(*options)]


def _threshold(
    choice: ElasticQuery, docs: list[dict[str, Any]], times: list[datetime | None]
) -> set[tuple[str, ...]]:
    threshold = choice.threshold or {}
    names = list(threshold.get("field") or [])  # type: ignore[call-overload]
    value = int(threshold["value"])  # type: ignore[call-overload]
    cardinality = list(threshold.get("cardinality") or [])  # type: ignore[call-overload]
    if len(cardinality) > 1:
        raise UnsupportedQuery("more than one cardinality field")
    candidates = [i for i, doc in enumerate(docs) if lucene_eval.matches(choice.query, doc)]

    def run(window: Sequence[int]) -> set[tuple[str, ...]]:
        counts: dict[tuple[str, ...], int] = {}
        distinct: dict[tuple[str, ...], set[str]] = {}
        for position in window:
            for key in _keys(docs[position], names):
                counts[key] = counts.get(key, 0) + 1
                if cardinality:
                    seen = distinct.setdefault(key, set())
                    seen.update(
                        str(v) for v in field_values(docs[position], cardinality[0]["field"])
                    )
        fired = {k for k, n in counts.items() if n >= value}
        if cardinality:
            wanted = int(cardinality[0]["value"])
            fired = {k for k in fired if len(distinct.get(k, ())) >= wanted}
        return fired

    return fired_groups(times, candidates, choice.interval, choice.lookback, run)


def _esql_aggregate(
    choice: ElasticQuery, docs: list[dict[str, Any]], times: list[datetime | None]
) -> set[tuple[str, ...]]:
    commands = esql_eval.split_pipes(choice.query)
    if len(commands) < 2 or not commands[1].lower().startswith("where"):
        raise UnsupportedQuery("an aggregating ES|QL query without a leading where")
    selection = " | ".join(commands[:2])
    candidates = [int(row["__pos__"]) for row in esql_eval.run(selection, docs, times)]

    def run(window: Sequence[int]) -> set[tuple[str, ...]]:
        rows = esql_eval.run(choice.query, [docs[p] for p in window], [times[p] for p in window])
        return {
            tuple("" if row.get(g) is None else str(row.get(g)) for g in choice.group_fields)
            for row in rows
        }

    return fired_groups(times, candidates, choice.interval, choice.lookback, run)
