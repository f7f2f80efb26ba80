"""Small subclasses of the pySigma backends that fix or refuse known defects.

Each fix is listed in TOOLCHAIN.md ("Conversion") and has a unit test
(``tests/unit/test_backend_fixes.py``):

Splunk: ``sigmaq.export.splunk.backend``.
Elastic EQL (pysigma-backend-elasticsearch 2.1.1)
- hyphenated field names were emitted bare (``a.idc-application-arn``): quoted.
- booleans were compared with ``:`` (strings only in EQL): compared with ``==``.
- ``value_count`` counted repeats of one value, ``temporal`` lost its timespan
  (``sample``), ``temporal_ordered`` was malformed: refused.
ES|QL and EQL
- string values are escaped at each level they pass (``sigmaq.export.textsafety``): the
  LIKE pattern, then the string literal with the grammar's escapes (``\\n``, ``\\"``,
  ``\\\\``); EQL Kibana rules keep their ``any where``.
ES|QL
- values whose case may vary are compared as ``to_lower(field) == "value"`` (lower-cased).
- ``not f == "v"`` dropped events where ``f`` is missing (three-valued logic):
  emitted as ``not coalesce(f == "v", false)``.
- queries read ``from *``: the integration's index pattern is used.
Lucene
- a bare term spelt ``AND``/``OR``/``NOT`` was read as an operator: its first letter is
  escaped.
Kibana rules (Lucene, ES|QL and EQL ``siem_rule_ndjson``)
- ``informational`` is not a Kibana severity; the ATT&CK ``threat`` block paired
  tactics and techniques by position and removed ``attack.*`` tags from the rule
  (a mutation): rebuilt from ATT&CK's technique -> tactic mapping, offline.
"""

from __future__ import annotations

import re
import uuid
from typing import Any, ClassVar, cast

from sigma.backends.elasticsearch.elasticsearch_eql import EqlBackend
from sigma.backends.elasticsearch.elasticsearch_esql import ESQLBackend
from sigma.backends.elasticsearch.elasticsearch_lucene import LuceneBackend
from sigma.conditions import (
    ConditionAND,
    ConditionFieldEqualsValueExpression,
    ConditionNOT,
    ConditionOR,
)
from sigma.conversion.deferred import DeferredQueryExpression
from sigma.conversion.state import ConversionState
from sigma.correlations import (
    SigmaCorrelationCondition,
    SigmaCorrelationConditionOperator,
    SigmaCorrelationRule,
)
from sigma.rule import SigmaRule
from sigma.types import SigmaBool, SigmaCasedString, SigmaNull, SigmaString, SpecialChars

from sigmaq.export.pipelines.cloudtrail import ELASTIC_INDEX_PATTERN
from sigmaq.export.pipelines.errors import RuleRefused
from sigmaq.export.pipelines.transformations import ESQL_LOWER_MARKER
from sigmaq.export.schedules import kibana_schedule

AnyRule = SigmaRule | SigmaCorrelationRule

# Kibana detection-rule severities and the risk scores Elastic's prebuilt rules use.
KIBANA_SEVERITY: dict[str, tuple[str, int]] = {
    "informational": ("low", 1),
    "low": ("low", 21),
    "medium": ("medium", 47),
    "high": ("high", 73),
    "critical": ("critical", 99),
}


# String literal escapes of EQL (EqlBase.g4, STRING: '\\' [btnfr"'\\]; no raw CR/LF) and
# ES|QL (EsqlBaseLexer.g4, STRING: '\\' [tnr"\\]; no raw CR/LF).
_EQL_ESCAPES = {
    "\\": "\\\\",
    '"': '\\"',
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\b": "\\b",
    "\f": "\\f",
}
_ESQL_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}

_LUCENE_OPERATOR = re.compile(r"^(?:AND|OR|NOT)(?:$|[*?])")


def string_literal(text: str, escapes: dict[str, str]) -> str:
    """``text`` as a double-quoted string literal with the language's ``escapes``."""
    return '"' + "".join(escapes.get(ch, ch) for ch in text) + '"'


def _pattern_text(value: SigmaString, escape_literals: str) -> str:
    """A wildcard pattern: ``*``/``?`` for Sigma wildcards, ``escape_literals`` characters
    of the literal parts backslash-escaped (the pattern level, before string quoting)."""
    out: list[str] = []
    for part in value.s:
        if part is SpecialChars.WILDCARD_MULTI:
            out.append("*")
        elif part is SpecialChars.WILDCARD_SINGLE:
            out.append("?")
        else:
            out.append("".join("\\" + ch if ch in escape_literals else ch for ch in str(part)))
    return "".join(out)


def _is_null(cond: object) -> bool:
    return isinstance(cond, ConditionFieldEqualsValueExpression) and isinstance(
        cond.value, SigmaNull
    )


def _level(rule: AnyRule) -> str | None:
    return rule.level.name.lower() if rule.level is not None else None


def _rule_label(rule: AnyRule) -> str:
    return f"rule '{rule.title}'" + (f" ({rule.id})" if rule.id else "")


# --------------------------------------------------------------------------- Kibana rules
def attack_threat(tags: list[Any]) -> list[dict[str, Any]]:
    """Kibana ``threat`` entries from a rule's ``attack.*`` tags, read-only.

    Techniques are grouped under the rule's tactic tags that ATT&CK lists for
    them (all of the technique's ATT&CK tactics when the rule names none).
    Unknown ids are skipped. Needs ``sigmaq.core.offline.use_vendored_data()`` first.
    """
    from sigma.data import mitre_attack

    tactics_by_id: dict[str, str] = mitre_attack.mitre_attack_tactics
    techniques: dict[str, str] = mitre_attack.mitre_attack_techniques
    technique_tactics: dict[str, list[str]] = mitre_attack.mitre_attack_techniques_tactics_mapping
    tactic_id_of = {short: tid for tid, short in tactics_by_id.items()}

    attack = [str(tag.name) for tag in tags if tag.namespace == "attack"]
    rule_tactics = [name.replace("_", "-") for name in attack if name.lower() in _tactic_names()]
    technique_ids = [name.upper() for name in attack if re.fullmatch(r"[tT]\d{4}(\.\d{3})?", name)]

    grouped: dict[str, dict[str, list[str]]] = {}
    for technique in technique_ids:
        parent = technique.split(".")[0]
        if parent not in techniques:
            continue
        own = technique_tactics.get(parent, [])
        chosen = [t for t in rule_tactics if t in own] or own
        for tactic in chosen:
            subs = grouped.setdefault(tactic, {}).setdefault(parent, [])
            if technique != parent and technique in techniques and technique not in subs:
                subs.append(technique)
    threat: list[dict[str, Any]] = []
    for tactic, by_technique in grouped.items():
        tactic_id = tactic_id_of.get(tactic)
        if tactic_id is None:
            continue
        threat.append(
            {
                "framework": "MITRE ATT&CK",
                "tactic": {
                    "id": tactic_id,
                    "name": tactic.replace("-", " ").title(),
                    "reference": f"https://attack.mitre.org/tactics/{tactic_id}/",
                },
                "technique": [
                    {
                        "id": technique,
                        "name": techniques[technique],
                        "reference": f"https://attack.mitre.org/techniques/{technique}/",
                        "subtechnique": [
                            {
                                "id": sub,
                                "name": techniques[sub],
                                "reference": "https://attack.mitre.org/techniques/"
                                + sub.replace(".", "/")
                                + "/",
                            }
                            for sub in subs
                        ],
                    }
                    for technique, subs in by_technique.items()
                ],
            }
        )
    return threat


def _tactic_names() -> set[str]:
    from sigma.data import mitre_attack

    return {name.replace("-", "_") for name in mitre_attack.mitre_attack_tactics.values()} | set(
        mitre_attack.mitre_attack_tactics.values()
    )


def kibana_rule_id(rule: AnyRule, language: str) -> str:
    """Kibana ``rule_id``: the Sigma id for Lucene rules; for EQL and ES|QL a UUIDv5 of
    the Sigma id and the language, so importing several targets' files side by side
    creates distinct rules instead of overwriting one another (RFC 4122 name-based ids).
    """
    if rule.id is None:
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"sigmaq:{rule.title}:{language}"))
    if language == "lucene":
        return str(rule.id)
    return str(uuid.uuid5(rule.id, language))


def kibana_rule(
    rule: AnyRule,
    *,
    query: str,
    rule_type: str,
    language: str,
    index: list[str] | None,
    interval: str | None = None,
    lookback: str | None = None,
) -> dict[str, Any]:
    """One Kibana detection rule (Security > Rules > Import, NDJSON line).

    Fields follow the detection engine's import schema: ``rule_id``, ``name``,
    ``description``, ``risk_score``, ``severity``, ``type``, ``query``,
    ``language``, ``index`` (not for ES|QL), ``from``, ``interval``, ``enabled``…
    """
    severity, risk = KIBANA_SEVERITY.get(_level(rule) or "medium", ("medium", 47))
    if interval is None or lookback is None:
        schedule = kibana_schedule(rule)
        interval = interval or schedule.interval
        lookback = lookback or schedule.lookback
    description = (rule.description or "").strip() or str(rule.title)
    body: dict[str, Any] = {
        "rule_id": kibana_rule_id(rule, language),
        "name": str(rule.title),
        "description": description,
        "enabled": False,
        "type": rule_type,
        "language": language,
        "query": query,
        "severity": severity,
        "risk_score": risk,
        "interval": interval,
        "from": f"now-{lookback}",
        "to": "now",
        "max_signals": 100,
        "author": [rule.author] if getattr(rule, "author", None) else [],
        "license": getattr(rule, "license", None) or "",
        "false_positives": [str(fp) for fp in (getattr(rule, "falsepositives", None) or [])],
        "references": [str(ref) for ref in (getattr(rule, "references", None) or [])],
        "tags": [f"{tag.namespace}.{tag.name}" for tag in rule.tags],
        "threat": attack_threat(list(rule.tags)),
        "version": 1,
        "risk_score_mapping": [],
        "severity_mapping": [],
        "exceptions_list": [],
        "required_fields": [],
        "related_integrations": [],
        "setup": "",
        "actions": [],
    }
    if index is not None:
        body["index"] = index
    return body


class SigmaqLuceneBackend(LuceneBackend):
    """Lucene backend: Kibana rules and saved searches on the integration's index pattern."""

    def __init__(
        self,
        processing_pipeline: Any = None,
        collect_errors: bool = False,
        *,
        index_pattern: str = ELASTIC_INDEX_PATTERN,
        **kwargs: Any,
    ) -> None:
        super().__init__(processing_pipeline, collect_errors, index_names=[index_pattern], **kwargs)
        self.index_pattern = index_pattern

    # ``'`` is no query_string operator, but a term starting with it is refused by
    # luqum (the model's parser); an escaped character is itself in Lucene, so escape it.
    add_escaped: ClassVar[str] = LuceneBackend.add_escaped + "'"

    def convert_value_str(self, s: SigmaString, state: ConversionState) -> str:
        converted: str = super().convert_value_str(s, state)
        # A bare term spelt AND/OR/NOT (alone or before a wildcard) is an operator to the
        # query_string parser: escape its first letter (``\\AND`` is the term AND).
        if _LUCENE_OPERATOR.match(converted):
            return "\\" + converted
        return converted

    def convert_correlation_rule(
        self,
        rule: SigmaCorrelationRule,
        output_format: str | None = None,
        method: str | None = None,
        callback: Any = None,
    ) -> list[Any]:
        raise RuleRefused(
            f"{_rule_label(rule)}: Lucene query strings have no correlations; "
            "use the esql target (or splunk)"
        )

    def finalize_query_siem_rule_ndjson(
        self, rule: AnyRule, query: str, index: int, state: ConversionState
    ) -> dict[str, Any]:
        return kibana_rule(
            rule, query=query, rule_type="query", language="lucene", index=[self.index_pattern]
        )

    def finalize_query_kibana_ndjson(
        self, rule: AnyRule, query: str, index: int, state: ConversionState
    ) -> dict[str, Any]:
        import json

        saved: dict[str, Any] = super().finalize_query_kibana_ndjson(
            cast(SigmaRule, rule), query, index, state
        )
        source = json.loads(saved["attributes"]["kibanaSavedObjectMeta"]["searchSourceJSON"])
        source["index"] = self.index_pattern
        saved["attributes"]["kibanaSavedObjectMeta"]["searchSourceJSON"] = json.dumps(source)
        saved["attributes"]["title"] = str(rule.title)
        for reference in saved["references"]:
            reference["id"] = self.index_pattern
        return saved


class SigmaqEqlBackend(EqlBackend):
    """EQL backend: hyphenated fields quoted; only correlations EQL expresses correctly."""

    # Quote any field name with a hyphen, digit start or whitespace (the stock pattern
    # only caught a leading hyphen).
    field_quote_pattern: ClassVar[re.Pattern[str]] = re.compile(r"^\d.*|.*\s.*|.*-.*")

    def __init__(
        self,
        processing_pipeline: Any = None,
        collect_errors: bool = False,
        *,
        index_pattern: str = ELASTIC_INDEX_PATTERN,
        **kwargs: Any,
    ) -> None:
        super().__init__(processing_pipeline, collect_errors, index_names=[index_pattern], **kwargs)
        self.index_pattern = index_pattern

    def convert_value_str(self, s: SigmaString, state: ConversionState) -> str:
        # ``:`` patterns: ``*``/``?`` are wildcards and cannot be escaped (the pipeline
        # refuses literal ones); line breaks, quotes and backslashes take EQL's string
        # escapes (the stock backend wrote a backslash before a raw newline).
        return string_literal(_pattern_text(s, ""), _EQL_ESCAPES)

    def convert_condition_field_eq_val_str_case_sensitive(
        self, cond: ConditionFieldEqualsValueExpression, state: ConversionState
    ) -> str:
        # A |cased value with wildcards: EQL's '==' compares literally, its 'like' is the
        # case-sensitive wildcard match (EQL syntax reference: 'like' case-sensitive,
        # 'like~' case-insensitive). The stock backend wrote '== "a*"'.
        value = cast(SigmaString, cond.value)
        operator = "like" if value.contains_special() else "=="
        field = self.escape_and_quote_field(cond.field)
        return f"{field} {operator} {self.convert_value_str(value, state)}"

    def convert_condition_as_in_expression(
        self, cond: ConditionOR | ConditionAND, state: ConversionState
    ) -> str | DeferredQueryExpression:
        # A list of |cased values: case-sensitive 'like (...)', not the stock 'like~ (...)'.
        values = [cast(ConditionFieldEqualsValueExpression, arg).value for arg in cond.args]
        if isinstance(cond, ConditionOR) and any(isinstance(v, SigmaCasedString) for v in values):
            field = self.escape_and_quote_field(
                cast(ConditionFieldEqualsValueExpression, cond.args[0]).field
            )
            texts = [self.convert_value_str(cast(SigmaString, v), state) for v in values]
            return f"{field} like ({', '.join(texts)})"
        return super().convert_condition_as_in_expression(cond, state)

    def convert_condition_field_eq_val_bool(
        self, cond: ConditionFieldEqualsValueExpression, state: ConversionState
    ) -> str:
        # EQL's ':' takes strings only ("Expected string not boolean"): compare with ==.
        value = self.bool_values[cast(SigmaBool, cond.value).boolean]
        return f"{self.escape_and_quote_field(cond.field)} == {value}"

    def convert_correlation_event_count_rule(
        self, rule: SigmaCorrelationRule, output_format: str | None = None, method: str = "sequence"
    ) -> list[Any]:
        condition = rule.condition
        if (
            not isinstance(condition, SigmaCorrelationCondition)
            or condition.op is not SigmaCorrelationConditionOperator.GTE
            or not (2 <= condition.count <= 100)
        ):
            raise RuleRefused(
                f"{_rule_label(rule)}: EQL expresses event_count only as 'gte N' with "
                "2 <= N <= 100 (sequence … with runs=N); use the esql or splunk target"
            )
        queries: list[Any] = super().convert_correlation_event_count_rule(
            rule, output_format, method
        )
        return queries

    def convert_correlation_value_count_rule(
        self, rule: SigmaCorrelationRule, output_format: str | None = None, method: str = "sequence"
    ) -> list[Any]:
        raise RuleRefused(
            f"{_rule_label(rule)}: the EQL backend's value_count counts repeats of one value, "
            "not distinct values; use the esql or splunk target"
        )

    def convert_correlation_temporal_rule(
        self, rule: SigmaCorrelationRule, output_format: str | None = None, method: str = "sequence"
    ) -> list[Any]:
        raise RuleRefused(
            f"{_rule_label(rule)}: the EQL backend emits temporal as 'sample', which has no "
            "time window; use the esql or splunk target"
        )

    def convert_correlation_temporal_ordered_rule(
        self, rule: SigmaCorrelationRule, output_format: str | None = None, method: str = "sequence"
    ) -> list[Any]:
        raise RuleRefused(
            f"{_rule_label(rule)}: the EQL backend's temporal_ordered output is malformed "
            "('by  with runs=…'); no sigmaq target converts temporal_ordered yet"
        )

    def finalize_query_siem_rule_ndjson(
        self, rule: AnyRule, query: str, index: int, state: ConversionState
    ) -> dict[str, Any]:
        # Kibana runs the query as written: it needs its event category (``any where``).
        full = self.finalize_query_default(cast(SigmaRule, rule), query, index, state)
        return kibana_rule(
            rule, query=full, rule_type="eql", language="eql", index=[self.index_pattern]
        )


class SigmaqESQLBackend(ESQLBackend):
    """ES|QL backend: NOT keeps events with missing fields; integration index pattern."""

    def __init__(
        self,
        processing_pipeline: Any = None,
        collect_errors: bool = False,
        *,
        index_pattern: str = ELASTIC_INDEX_PATTERN,
        **kwargs: Any,
    ) -> None:
        super().__init__(processing_pipeline, collect_errors, **kwargs)
        self.index_pattern = index_pattern
        # Per-instance default index for `from` (the class default is "*").
        self.__dict__["state_defaults"] = {**ESQLBackend.state_defaults, "index": index_pattern}

    def convert_value_str(self, s: SigmaString, state: ConversionState) -> str:
        # Two levels, as ES|QL's reference says for LIKE ("foo \\\\* bar"): a pattern with
        # wildcards escapes literal ``*``/``?``/``\\`` for LIKE, then every value takes the
        # string literal's escapes (the stock backend escaped once, so ``\\`` and ``*``
        # changed meaning and ``==`` compared with ``\\*``; raw newlines broke the query).
        text = _pattern_text(s, "*?\\" if s.contains_special() else "")
        return string_literal(text, _ESQL_ESCAPES)

    def escape_and_quote_field(self, field_name: str) -> str:
        # The pipeline marks fields compared case-insensitively (values lower-cased).
        if field_name.startswith(ESQL_LOWER_MARKER):
            inner: str = super().escape_and_quote_field(field_name[len(ESQL_LOWER_MARKER) :])
            return f"to_lower({inner})"
        quoted: str = super().escape_and_quote_field(field_name)
        return quoted

    def convert_condition_not(
        self, cond: ConditionNOT, state: ConversionState
    ) -> str | DeferredQueryExpression:
        arg = cond.args[0]
        if _is_null(arg):
            assert isinstance(arg, ConditionFieldEqualsValueExpression)
            return f"{self.escape_and_quote_field(arg.field)} is not null"
        inner = self.convert_condition(arg, state)
        if isinstance(inner, DeferredQueryExpression):
            return inner.negate()
        # Three-valued logic: a comparison on a missing field is null and `not null`
        # drops the event, where Sigma's `not` keeps it. coalesce(…, false) restores that.
        return f"not coalesce({inner}, false)"

    def convert_correlation_aggregation_from_template(
        self,
        rule: SigmaCorrelationRule,
        correlation_type: Any,
        method: str,
        search: str,
    ) -> str:
        # Replay groups (and counts value_count's distinct values) case-insensitively;
        # STATS … BY and COUNT_DISTINCT compare exact values: keyword group-by fields
        # (and the counted field) are lower-cased in the bucket's eval first.
        aggregation: str = super().convert_correlation_aggregation_from_template(
            rule, correlation_type, method, search
        )
        from sigmaq.export.elastic.choose import lower_case_eval

        fields = [self.escape_and_quote_field(name) for name in rule.group_by or []]
        condition = rule.condition
        fieldref = getattr(condition, "fieldref", None)
        if correlation_type == "value_count" and isinstance(fieldref, str):
            fields.append(self.convert_correlation_fieldref(fieldref))
        lowered = lower_case_eval(fields)
        if lowered and " | stats " in aggregation:
            before, after = aggregation.split(" | stats ", 1)
            aggregation = f"{before},{lowered.removeprefix(' | eval')} | stats {after}"
        return aggregation

    def convert_correlation_temporal_ordered_rule(
        self, rule: SigmaCorrelationRule, output_format: str | None = None, method: str = "stats"
    ) -> list[Any]:
        raise RuleRefused(
            f"{_rule_label(rule)}: temporal_ordered is not supported by the ES|QL backend; "
            "no sigmaq target converts temporal_ordered yet"
        )

    def finalize_query_siem_rule_ndjson(
        self, rule: AnyRule, query: str, index: int, state: ConversionState
    ) -> dict[str, Any]:
        full = self.finalize_query_default(cast(SigmaRule, rule), query, index, state)
        return kibana_rule(rule, query=full, rule_type="esql", language="esql", index=None)
