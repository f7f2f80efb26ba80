"""pySigma backends writing Trino SQL for Amazon Athena and CloudTrail Lake.

Single-event rules become ``SELECT … FROM <table> WHERE <condition>`` (the condition
from ``sigmaq.export.aws.sql_values``). Correlations become one query with **sliding**
windows, as the Sigma specification means ``timespan`` ("not restricted to
boundaries") and as replay computes by default: every matching event anchors a window
``[t, t + timespan]`` (a ``RANGE BETWEEN CURRENT ROW AND <seconds> FOLLOWING`` window
frame over epoch seconds; no ``INTERVAL`` literal, which older CloudTrail Lake SQL
refused), and a group is reported when some window satisfies the condition:

- ``event_count``: events in the window (an eventID counted once, even if matched by
  two referenced rules or delivered twice);
- ``value_count``: distinct lower-cased non-null values of the condition field;
- ``temporal``: distinct referenced rules seen;
- ``temporal_ordered`` (all rules, in order): a self-join chain ``t1 <= t2 <= … <= t1 +
  timespan`` (events in one second count in the listed order, as in replay).

Only lower-bound conditions (``gt``/``gte``) are exported: for ``lt``/``lte``/``eq``/
``neq`` replay judges consecutive windows, which a window frame does not reproduce.
Groups are compared case-insensitively (``lower``); events without a group value are
left out (replay does the same). One row per group that fired: its group values (as
the earliest event wrote them), the start of its first satisfying window and the
largest window metric. Sources: Trino "Window functions" (RANGE frames with numeric
offsets), "Aggregate functions" (array_agg, min_by); Sigma correlation specification.
"""

from __future__ import annotations

from typing import Any, ClassVar

from sigma.conditions import (
    ConditionAND,
    ConditionFieldEqualsValueExpression,
    ConditionItem,
    ConditionNOT,
    ConditionOR,
    ConditionValueExpression,
)
from sigma.conversion.base import TextQueryBackend
from sigma.conversion.state import ConversionState
from sigma.correlations import (
    SigmaCorrelationConditionOperator,
    SigmaCorrelationRule,
    SigmaCorrelationType,
)
from sigma.rule import SigmaRule
from sigma.types import (
    SigmaBool,
    SigmaCompareExpression,
    SigmaFieldReference,
    SigmaNumber,
    SigmaRegularExpression,
    SigmaRegularExpressionFlag,
    SigmaString,
)

from sigmaq.core import fields
from sigmaq.export.aws.pipelines import aws_pipeline, resolve_access
from sigmaq.export.aws.sql_values import ATHENA, LAKE, FieldSql, SqlDialect, sql_string
from sigmaq.export.pipelines.errors import RuleRefused

# Columns shown for a single-event match (present in both tables).
RESULT_COLUMNS = (
    "eventtime",
    "eventsource",
    "eventname",
    "useridentity.arn",
    "sourceipaddress",
    "recipientaccountid",
    "awsregion",
    "eventid",
)
_COMPARE = {
    SigmaCompareExpression.CompareOperators.LT: "<",
    SigmaCompareExpression.CompareOperators.LTE: "<=",
    SigmaCompareExpression.CompareOperators.GT: ">",
    SigmaCompareExpression.CompareOperators.GTE: ">=",
}
_LOWER_BOUNDS = {
    SigmaCorrelationConditionOperator.GT: ">",
    SigmaCorrelationConditionOperator.GTE: ">=",
}
_RE_FLAGS = {
    SigmaRegularExpressionFlag.IGNORECASE: "i",
    SigmaRegularExpressionFlag.MULTILINE: "m",
    SigmaRegularExpressionFlag.DOTALL: "s",
}


def quote_identifier(name: str) -> str:
    """A Trino quoted identifier (``"userIdentity.arn"``)."""
    return '"' + name.replace('"', '""') + '"'


def _header(rule: SigmaRule | SigmaCorrelationRule, extra: str = "") -> str:
    level = f", level {rule.level.name.lower()}" if rule.level else ""
    ident = f" ({rule.id})" if rule.id else ""
    return f"-- {rule.title}{ident}{level}{extra}\n"


class SigmaqTrinoBackend(TextQueryBackend):
    """Trino SQL over one CloudTrail table shape (``dialect``)."""

    name: ClassVar[str] = "sigmaq Trino SQL for CloudTrail"
    formats: ClassVar[dict[str, str]] = {"default": "Plain SQL queries"}
    requires_pipeline: ClassVar[bool] = False
    dialect: ClassVar[SqlDialect] = ATHENA

    precedence: ClassVar[tuple[type[ConditionItem], type[ConditionItem], type[ConditionItem]]] = (
        ConditionNOT,
        ConditionAND,
        ConditionOR,
    )
    group_expression: ClassVar[str] = "({expr})"
    or_token: ClassVar[str] = "OR"
    and_token: ClassVar[str] = "AND"
    not_token: ClassVar[str] = "NOT"
    eq_token: ClassVar[str] = " = "
    str_quote: ClassVar[str] = "'"
    escape_char: ClassVar[str] = "\\"
    wildcard_multi: ClassVar[str] = "%"
    wildcard_single: ClassVar[str] = "_"
    correlation_methods: ClassVar[dict[str, str]] = {
        "default": "Sliding windows (window frames over epoch seconds)"
    }
    default_correlation_method: ClassVar[str] = "default"

    def __init__(self, processing_pipeline: Any = None, collect_errors: bool = False) -> None:
        super().__init__(processing_pipeline, collect_errors)
        self.finalize_correlation_subqueries = True
        self._conditions: dict[int, list[str]] = {}

    # -- fields ------------------------------------------------------------------
    def _field(self, path: str) -> FieldSql:
        access = resolve_access(self.dialect.target, path, None)
        resolved = fields.resolve(path)
        canonical = bool(resolved and resolved.case_canonical)
        return FieldSql(self.dialect, access, canonical)

    # -- conditions --------------------------------------------------------------
    def convert_condition_not(self, cond: ConditionNOT, state: ConversionState) -> Any:
        inner = self.convert_condition(cond.args[0], state)
        return f"NOT coalesce({inner}, false)"

    def convert_condition_or(self, cond: ConditionOR, state: ConversionState) -> Any:
        as_list = self._in_list(cond)
        if as_list is not None:
            return as_list
        return super().convert_condition_or(cond, state)

    def _in_list(self, cond: ConditionOR) -> str | None:
        args = cond.args
        if len(args) < 2 or not all(
            isinstance(arg, ConditionFieldEqualsValueExpression)
            and isinstance(arg.value, SigmaString)
            and not isinstance(arg.value, SigmaRegularExpression)
            for arg in args
        ):
            return None
        names = {arg.field for arg in args if isinstance(arg, ConditionFieldEqualsValueExpression)}
        if len(names) != 1:
            return None
        field = self._field(str(names.pop()))
        values = [arg.value for arg in args if isinstance(arg, ConditionFieldEqualsValueExpression)]
        strings = [v for v in values if isinstance(v, SigmaString)]
        return field.in_list(strings) if field.in_list_ok(strings) else None

    def convert_condition_field_eq_val_str(
        self, cond: ConditionFieldEqualsValueExpression, state: ConversionState
    ) -> Any:
        assert isinstance(cond.value, SigmaString)
        return self._field(str(cond.field)).equals(cond.value)

    def convert_condition_field_eq_val_str_case_sensitive(
        self, cond: ConditionFieldEqualsValueExpression, state: ConversionState
    ) -> Any:
        return self.convert_condition_field_eq_val_str(cond, state)

    def convert_condition_field_eq_val_num(
        self, cond: ConditionFieldEqualsValueExpression, state: ConversionState
    ) -> Any:
        assert isinstance(cond.value, SigmaNumber)
        return self._field(str(cond.field)).number(cond.value.number)

    def convert_condition_field_eq_val_bool(
        self, cond: ConditionFieldEqualsValueExpression, state: ConversionState
    ) -> Any:
        assert isinstance(cond.value, SigmaBool)
        return self._field(str(cond.field)).boolean(cond.value.boolean)

    def convert_condition_field_eq_val_re(
        self, cond: ConditionFieldEqualsValueExpression, state: ConversionState
    ) -> Any:
        assert isinstance(cond.value, SigmaRegularExpression)
        flags = "".join(sorted(_RE_FLAGS[flag] for flag in cond.value.flags))
        return self._field(str(cond.field)).regex(str(cond.value.regexp), flags)

    def convert_condition_field_eq_val_cidr(
        self, cond: ConditionFieldEqualsValueExpression, state: ConversionState
    ) -> Any:
        raise RuleRefused(f"'{cond.field}|cidr' is not exported to {self.dialect.target}")

    def convert_condition_field_compare_op_val(
        self, cond: ConditionFieldEqualsValueExpression, state: ConversionState
    ) -> Any:
        assert isinstance(cond.value, SigmaCompareExpression)
        operator = _COMPARE[cond.value.op]
        return self._field(str(cond.field)).compare(operator, cond.value.number.number)

    def convert_condition_field_eq_field(
        self, cond: ConditionFieldEqualsValueExpression, state: ConversionState
    ) -> Any:
        reference = cond.value
        assert isinstance(reference, SigmaFieldReference)
        if reference.starts_with or reference.ends_with:
            raise RuleRefused("|fieldref with |startswith/|endswith is not exported to SQL")
        left = self._field(str(cond.field)).scalar_expression()
        right = self._field(reference.field).scalar_expression()
        return f"lower({left}) = lower({right})"

    def convert_condition_field_eq_val_null(
        self, cond: ConditionFieldEqualsValueExpression, state: ConversionState
    ) -> Any:
        return self._field(str(cond.field)).is_null()

    def convert_condition_field_exists(
        self, cond: ConditionFieldEqualsValueExpression, state: ConversionState
    ) -> Any:
        return self._field(str(cond.field)).exists()

    def convert_condition_field_not_exists(
        self, cond: ConditionFieldEqualsValueExpression, state: ConversionState
    ) -> Any:
        return f"NOT coalesce({self._field(str(cond.field)).exists()}, false)"

    def convert_condition_field_eq_query_expr(
        self, cond: ConditionFieldEqualsValueExpression, state: ConversionState
    ) -> Any:
        raise RuleRefused("query expressions are not exported to SQL")

    def convert_condition_val_str(
        self, cond: ConditionValueExpression, state: ConversionState
    ) -> Any:
        raise RuleRefused("keyword (unbound) search is not exported to SQL")

    convert_condition_val_num = convert_condition_val_str
    convert_condition_val_re = convert_condition_val_str

    # -- queries -----------------------------------------------------------------
    def finish_query(
        self, rule: SigmaRule | SigmaCorrelationRule, query: Any, state: ConversionState
    ) -> Any:
        if isinstance(rule, SigmaRule):
            self._conditions.setdefault(id(rule), []).append(str(query))
        return query

    def finalize_query_default(
        self,
        rule: SigmaRule | SigmaCorrelationRule,
        query: Any,
        index: int,
        state: ConversionState,
    ) -> Any:
        if isinstance(rule, SigmaCorrelationRule):
            return query
        columns = ", ".join(RESULT_COLUMNS)
        return f"{_header(rule)}SELECT {columns}\nFROM {self.dialect.table}\nWHERE {query}"

    def condition_of(self, rule: SigmaRule) -> str:
        """The WHERE condition a converted rule got (its conditions OR-ed)."""
        found = self._conditions.get(id(rule))
        if not found:
            raise RuleRefused(f"referenced rule '{rule.title}' has no converted condition")
        return found[0] if len(found) == 1 else " OR ".join(f"({c})" for c in found)

    # -- correlations --------------------------------------------------------------
    def convert_correlation_rule(
        self,
        rule: SigmaCorrelationRule,
        output_format: str | None = None,
        method: str | None = None,
        callback: Any = None,
    ) -> list[Any]:
        self.last_processing_pipeline.apply(rule)
        query = self.correlation_sql(rule)
        rule.set_conversion_result([query])
        return [query]

    def correlation_sql(self, rule: SigmaCorrelationRule) -> str:
        """The whole query of one correlation rule (see the module docstring).

        Raises RuleRefused for what cannot be exported faithfully.
        """
        kind = rule.type
        condition = rule.condition
        op = getattr(condition, "op", None)
        if op not in _LOWER_BOUNDS:
            raise RuleRefused(
                f"correlation condition {op!r}: only gt/gte are exported to SQL (replay judges "
                "lt/lte/eq/neq over consecutive windows, which a window frame does not model)"
            )
        threshold = int(getattr(condition, "count", 0))
        references = list(rule.rules or [])
        for reference in references:
            if not isinstance(reference.rule, SigmaRule):
                raise RuleRefused(
                    "chained correlations (a correlation of correlations) are not exported to SQL"
                )
        group_by = list(rule.group_by or [])
        span = int(rule.timespan.seconds)
        value_name = None
        if kind is SigmaCorrelationType.VALUE_COUNT:
            fieldref = condition.fieldref  # type: ignore[union-attr]
            if isinstance(fieldref, list):
                if len(fieldref) != 1:
                    raise RuleRefused("value_count over several fields is not exported")
                fieldref = fieldref[0]
            value_name = str(fieldref)
        elif kind not in (
            SigmaCorrelationType.EVENT_COUNT,
            SigmaCorrelationType.TEMPORAL,
            SigmaCorrelationType.TEMPORAL_ORDERED,
        ):
            raise RuleRefused(f"correlation type {kind.name.lower()} is not exported to SQL")
        branches = []
        for slot, reference in enumerate(references):
            assert isinstance(reference.rule, SigmaRule)
            aliases = _aliases_for(rule, reference)
            columns = [f"{slot} AS rule_slot", "eventid", f"{self.dialect.time_seconds} AS t"]
            for index, name in enumerate(group_by):
                path = aliases.get(name, name)
                columns.append(f"{self._field(path).scalar_expression()} AS g{index}")
            if value_name is not None:
                path = aliases.get(value_name, value_name)
                columns.append(f"{self._field(path).scalar_expression()} AS v")
            branches.append(
                f"  SELECT {', '.join(columns)}\n  FROM {self.dialect.table}\n"
                f"  WHERE {self.condition_of(reference.rule)}"
            )
        keys = [f"lower(g{i})" for i in range(len(group_by))]
        present = " AND ".join(
            ["t IS NOT NULL", *(f"g{i} IS NOT NULL" for i in range(len(group_by)))]
        )
        matches = "\n  UNION ALL\n".join(branches)
        key_columns = "".join(f", {key} AS k{i}" for i, key in enumerate(keys))
        ctes = [
            f"matches AS (\n{matches}\n)",
            f"grouped AS (\n  SELECT *{key_columns}\n  FROM matches\n  WHERE {present}\n)",
        ]
        partition = ", ".join(f"k{i}" for i in range(len(group_by)))
        over_partition = f"PARTITION BY {partition} " if partition else ""
        frame = f"OVER ({over_partition}ORDER BY t RANGE BETWEEN CURRENT ROW AND {span} FOLLOWING)"
        outputs = [
            f"min_by(g{i}, t) AS {quote_identifier(name)}" for i, name in enumerate(group_by)
        ]
        group_clause = f"\nGROUP BY {partition}" if partition else ""
        comparison = _LOWER_BOUNDS[op]
        extra = f"; sliding {span} s windows"
        if kind is SigmaCorrelationType.TEMPORAL_ORDERED:
            return _header(rule, extra) + self._ordered_sql(
                ctes, references, group_by, span, threshold, op, outputs
            )
        if kind is SigmaCorrelationType.TEMPORAL:
            metric = f"cardinality(array_distinct(array_agg(rule_slot) {frame}))"
            source = "grouped"
        else:
            partition_keys = ", ".join(["eventid", *(f"k{i}" for i in range(len(group_by)))])
            ctes.append(
                "events AS (\n  SELECT *, row_number() OVER (PARTITION BY "
                f"{partition_keys} ORDER BY t, rule_slot) AS copy\n  FROM grouped\n)"
            )
            source = "(SELECT * FROM events WHERE eventid IS NULL OR copy = 1)"
            if kind is SigmaCorrelationType.EVENT_COUNT:
                metric = f"count(*) {frame}"
            else:
                metric = (
                    "cardinality(filter(array_distinct(array_agg(lower(v)) "
                    f"{frame}), x -> x IS NOT NULL))"
                )
        window_columns = ", ".join(
            [*(f"g{i}" for i in range(len(group_by))), *(f"k{i}" for i in range(len(group_by)))]
        )
        window_columns = f"{window_columns}, " if window_columns else ""
        ctes.append(
            f"windows AS (\n  SELECT {window_columns}t, {metric} AS metric\n  FROM {source}\n)"
        )
        select = ", ".join(
            [*outputs, "from_unixtime(min(t)) AS first_window_start", "max(metric) AS metric"]
        )
        return (
            _header(rule, extra)
            + "WITH "
            + ",\n".join(ctes)
            + f"\nSELECT {select}\nFROM windows\nWHERE metric {comparison} {threshold}"
            + group_clause
        )

    def _ordered_sql(
        self,
        ctes: list[str],
        references: list[Any],
        group_by: list[str],
        span: int,
        threshold: int,
        op: SigmaCorrelationConditionOperator,
        outputs: list[str],
    ) -> str:
        needed = len(references)
        satisfied = (
            threshold > needed - 1
            if op is SigmaCorrelationConditionOperator.GT
            else (threshold >= needed)
        )
        if needed < 2 or not satisfied or (threshold > needed):
            raise RuleRefused(
                "temporal_ordered is exported only when its condition asks for every "
                f"referenced rule in order (here {op.name.lower()} {threshold} of {needed})"
            )
        joins = []
        for step in range(1, needed):
            on = [f"e{step}.t >= e{step - 1}.t", f"e{step}.t <= e0.t + {span}"]
            on.extend(f"e{step}.k{i} = e0.k{i}" for i in range(len(group_by)))
            on.append(f"e{step}.rule_slot = {step}")
            joins.append(f"JOIN grouped AS e{step} ON " + " AND ".join(on))
        outputs = [o.replace("min_by(g", "min_by(e0.g").replace(", t)", ", e0.t)") for o in outputs]
        select = ", ".join([*outputs, "from_unixtime(min(e0.t)) AS first_window_start"])
        group = ", ".join(f"e0.k{i}" for i in range(len(group_by)))
        group_clause = f"\nGROUP BY {group}" if group else ""
        return (
            "WITH "
            + ",\n".join(ctes)
            + f"\nSELECT {select}\nFROM grouped AS e0\n"
            + "\n".join(joins)
            + "\nWHERE e0.rule_slot = 0"
            + group_clause
        )


def _aliases_for(rule: SigmaCorrelationRule, reference: Any) -> dict[str, str]:
    """Alias name -> field for one referenced rule (matched by reference, name or id)."""
    referenced = reference.rule
    names = {reference.reference, str(referenced.id) if referenced.id else None, referenced.name}
    found: dict[str, str] = {}
    for alias in rule.aliases:
        for alias_reference, field_name in alias.mapping.items():
            if alias_reference.reference in names:
                found[alias.alias] = str(field_name)
    return found


class SigmaqAthenaBackend(SigmaqTrinoBackend):
    """Athena (Trino) SQL over the AWS-documented CloudTrail table ``cloudtrail_logs_pp``."""

    name: ClassVar[str] = "sigmaq Amazon Athena"
    dialect: ClassVar[SqlDialect] = ATHENA


class SigmaqLakeBackend(SigmaqTrinoBackend):
    """CloudTrail Lake SQL over an event data store (``$EDS_ID``)."""

    name: ClassVar[str] = "sigmaq CloudTrail Lake"
    dialect: ClassVar[SqlDialect] = LAKE


def athena_backend() -> SigmaqAthenaBackend:
    """A fresh Athena backend with its pipeline."""
    return SigmaqAthenaBackend(aws_pipeline("athena"))


def lake_backend() -> SigmaqLakeBackend:
    """A fresh CloudTrail Lake backend with its pipeline."""
    return SigmaqLakeBackend(aws_pipeline("cloudtrail_lake"))


__all__ = [
    "RESULT_COLUMNS",
    "SigmaqAthenaBackend",
    "SigmaqLakeBackend",
    "SigmaqTrinoBackend",
    "athena_backend",
    "lake_backend",
    "quote_identifier",
    "sql_string",
]
