"""pySigma backend writing CloudWatch Logs Insights queries over CloudTrail in a log group.

CloudTrail delivers each record to the log group as one JSON log event; Logs
Insights flattens it into dotted fields named as in the record (``eventName``,
``userIdentity.arn``, ``requestParameters.roleArn``; array elements by index), which
is what the queries filter on. Sigma's meaning is kept with:

- ``=`` and ``in [...]`` for canonically spelt values of fields AWS writes in one case
  (``eventSource``, ``eventName``…); every other string test is an anchored,
  case-insensitive regular expression ``field =~ /(?i)^…$/`` (wildcards ``.*``/``.``,
  other characters escaped), since Logs Insights string comparison is case-sensitive;
- ``null``: ``not ispresent(field)``; ``|exists``: ``ispresent(field)``;
- booleans: ``tolower(field) = "true"``; ``|fieldref``: ``tolower(a) = tolower(b)``;
- correlations (``event_count``, ``value_count`` over one group-by field set) with
  ``stats … by …, bin(<timespan>)``: **fixed buckets** (tumbling), not sliding
  windows; ``dedup eventID`` counts a redelivered event once; group values are
  compared lower-cased and shown as the earliest event wrote them (``earliest``).
  ``value_count`` uses ``count_distinct``, which Logs Insights approximates for
  high-cardinality fields. ``temporal``/``temporal_ordered`` are refused (a stats
  row cannot tell which referenced rule an event matched, nor their order).

Sources: CloudWatch Logs User Guide, "CloudWatch Logs Insights language query
syntax" (filter, fields, stats, dedup, bin, earliest, count_distinct, ispresent,
tolower, ``=~``, ``in``), "Supported logs and discovered fields".
"""

from __future__ import annotations

import re
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
    SpecialChars,
)

from sigmaq.core import fields
from sigmaq.export.aws.pipelines import aws_pipeline, resolve_access
from sigmaq.export.aws.sql_values import exact_case_ok, has_wildcards, plain_text
from sigmaq.export.pipelines.errors import RuleRefused
from sigmaq.export.textsafety import (
    RE2_END,
    is_unsafe_char,
    regex_escape,
    unsafe_chars,
    unstable_case_chars,
)

RESULT_FIELDS = (
    "@timestamp",
    "eventSource",
    "eventName",
    "userIdentity.arn",
    "sourceIPAddress",
    "recipientAccountId",
    "awsRegion",
    "eventID",
)
_PLAIN_FIELD = re.compile(r"^[A-Za-z_@][A-Za-z0-9_.@]*$")
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


def field_name(path: str) -> str:
    """A Logs Insights field reference: backticks around names with other characters."""
    return path if _PLAIN_FIELD.match(path) else "`" + path.replace("`", "\\`") + "`"


def string_literal(text: str) -> str:
    """A double-quoted Logs Insights string."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def regex_body(value: SigmaString) -> str:
    """An anchored regex body for ``value`` (wildcards kept, everything else literal)."""
    out = ["^"]
    for part in value.s:
        if part is SpecialChars.WILDCARD_MULTI:
            out.append(".*")
        elif part is SpecialChars.WILDCARD_SINGLE:
            out.append(".")
        elif isinstance(part, str):
            out.append("".join(_regex_char(ch) for ch in part))
        else:
            raise RuleRefused(f"unsupported string part {part!r}")
    out.append(RE2_END)  # `$` may also match before a trailing newline (PCRE, Java)
    return "".join(out)


def _regex_char(ch: str) -> str:
    if is_unsafe_char(ch):  # a raw line break would end the query line (`#` comments)
        return regex_escape(ch)
    return ch if ch.isalnum() or ch in " _-:@," else "\\" + ch


def _regex(field: str, body: str, flags: str) -> str:
    if "/" in body:
        body = body.replace("\\/", "/").replace("/", "\\/")
    prefix = f"(?{flags})" if flags else ""
    return f"{field} =~ /{prefix}{body}/"


class SigmaqLogsInsightsBackend(TextQueryBackend):
    """CloudWatch Logs Insights over CloudTrail records in a log group."""

    name: ClassVar[str] = "sigmaq CloudWatch Logs Insights"
    formats: ClassVar[dict[str, str]] = {"default": "Plain Logs Insights queries"}
    requires_pipeline: ClassVar[bool] = False
    precedence: ClassVar[tuple[type[ConditionItem], type[ConditionItem], type[ConditionItem]]] = (
        ConditionNOT,
        ConditionAND,
        ConditionOR,
    )
    group_expression: ClassVar[str] = "({expr})"
    or_token: ClassVar[str] = "or"
    and_token: ClassVar[str] = "and"
    not_token: ClassVar[str] = "not"
    eq_token: ClassVar[str] = " = "
    str_quote: ClassVar[str] = '"'
    escape_char: ClassVar[str] = "\\"
    wildcard_multi: ClassVar[str] = ".*"
    wildcard_single: ClassVar[str] = "."
    correlation_methods: ClassVar[dict[str, str]] = {"default": "stats … by bin() (fixed buckets)"}
    default_correlation_method: ClassVar[str] = "default"

    def __init__(self, processing_pipeline: Any = None, collect_errors: bool = False) -> None:
        super().__init__(processing_pipeline, collect_errors)
        self.finalize_correlation_subqueries = True
        self._conditions: dict[int, list[str]] = {}

    def _field(self, path: str) -> tuple[str, bool]:
        resolve_access("logs_insights", path, None)
        resolved = fields.resolve(path)
        return field_name(path), bool(resolved and resolved.case_canonical)

    # -- conditions --------------------------------------------------------------
    def convert_condition_not(self, cond: ConditionNOT, state: ConversionState) -> Any:
        return f"not ({self.convert_condition(cond.args[0], state)})"

    def convert_condition_or(self, cond: ConditionOR, state: ConversionState) -> Any:
        args = cond.args
        if len(args) >= 2 and all(
            isinstance(a, ConditionFieldEqualsValueExpression)
            and isinstance(a.value, SigmaString)
            and not isinstance(a.value, SigmaRegularExpression)
            for a in args
        ):
            items = [a for a in args if isinstance(a, ConditionFieldEqualsValueExpression)]
            if len({a.field for a in items}) == 1:
                name, canonical = self._field(str(items[0].field))
                values = [a.value for a in items if isinstance(a.value, SigmaString)]
                if all(
                    not has_wildcards(v)
                    and exact_case_ok(v, canonical)
                    and not unsafe_chars(plain_text(v))
                    for v in values
                ):
                    return f"{name} in [{', '.join(string_literal(plain_text(v)) for v in values)}]"
        return super().convert_condition_or(cond, state)

    def convert_condition_field_eq_val_str(
        self, cond: ConditionFieldEqualsValueExpression, state: ConversionState
    ) -> Any:
        value = cond.value
        assert isinstance(value, SigmaString)
        name, canonical = self._field(str(cond.field))
        text = plain_text(value)
        if not has_wildcards(value) and exact_case_ok(value, canonical) and not unsafe_chars(text):
            return f"{name} = {string_literal(text)}"
        flags = "" if exact_case_ok(value, False) else "i"
        unstable = unstable_case_chars(text)
        if flags and unstable:
            raise RuleRefused(
                f"'{value}' holds {', '.join(unstable)}, whose case-insensitive match differs "
                "between regex engines and sigmaq's replay; match it with |cased or wildcards"
            )
        if has_wildcards(value):  # a Sigma wildcard matches line breaks too
            flags += "s"
        return _regex(name, regex_body(value), flags)

    def convert_condition_field_eq_val_str_case_sensitive(
        self, cond: ConditionFieldEqualsValueExpression, state: ConversionState
    ) -> Any:
        return self.convert_condition_field_eq_val_str(cond, state)

    def convert_condition_field_eq_val_num(
        self, cond: ConditionFieldEqualsValueExpression, state: ConversionState
    ) -> Any:
        assert isinstance(cond.value, SigmaNumber)
        name, _ = self._field(str(cond.field))
        return f"{name} = {cond.value.number}"

    def convert_condition_field_eq_val_bool(
        self, cond: ConditionFieldEqualsValueExpression, state: ConversionState
    ) -> Any:
        assert isinstance(cond.value, SigmaBool)
        name, _ = self._field(str(cond.field))
        return f'tolower({name}) = "{"true" if cond.value.boolean else "false"}"'

    def convert_condition_field_eq_val_re(
        self, cond: ConditionFieldEqualsValueExpression, state: ConversionState
    ) -> Any:
        value = cond.value
        assert isinstance(value, SigmaRegularExpression)
        name, _ = self._field(str(cond.field))
        unsafe = unsafe_chars(str(value.regexp))
        if unsafe:
            raise RuleRefused(
                f"'{cond.field}|re' holds {', '.join(unsafe)} raw; a Logs Insights query "
                "line cannot carry it: write it as \\x{HHHH} in the pattern"
            )
        flags = "".join(
            sorted(
                {
                    SigmaRegularExpressionFlag.IGNORECASE: "i",
                    SigmaRegularExpressionFlag.MULTILINE: "m",
                    SigmaRegularExpressionFlag.DOTALL: "s",
                }[flag]
                for flag in value.flags
            )
        )
        return _regex(name, str(value.regexp), flags)

    def convert_condition_field_eq_val_cidr(
        self, cond: ConditionFieldEqualsValueExpression, state: ConversionState
    ) -> Any:
        raise RuleRefused(f"'{cond.field}|cidr' is not exported to Logs Insights")

    def convert_condition_field_compare_op_val(
        self, cond: ConditionFieldEqualsValueExpression, state: ConversionState
    ) -> Any:
        assert isinstance(cond.value, SigmaCompareExpression)
        name, _ = self._field(str(cond.field))
        return f"{name} {_COMPARE[cond.value.op]} {cond.value.number.number}"

    def convert_condition_field_eq_field(
        self, cond: ConditionFieldEqualsValueExpression, state: ConversionState
    ) -> Any:
        reference = cond.value
        assert isinstance(reference, SigmaFieldReference)
        if reference.starts_with or reference.ends_with:
            raise RuleRefused("|fieldref with |startswith/|endswith is not exported")
        left, _ = self._field(str(cond.field))
        right, _ = self._field(reference.field)
        return f"tolower({left}) = tolower({right})"

    def convert_condition_field_eq_val_null(
        self, cond: ConditionFieldEqualsValueExpression, state: ConversionState
    ) -> Any:
        name, _ = self._field(str(cond.field))
        return f"not ispresent({name})"

    def convert_condition_field_exists(
        self, cond: ConditionFieldEqualsValueExpression, state: ConversionState
    ) -> Any:
        name, _ = self._field(str(cond.field))
        return f"ispresent({name})"

    def convert_condition_field_not_exists(
        self, cond: ConditionFieldEqualsValueExpression, state: ConversionState
    ) -> Any:
        name, _ = self._field(str(cond.field))
        return f"not ispresent({name})"

    def convert_condition_field_eq_query_expr(
        self, cond: ConditionFieldEqualsValueExpression, state: ConversionState
    ) -> Any:
        raise RuleRefused("query expressions are not exported to Logs Insights")

    def convert_condition_val_str(
        self, cond: ConditionValueExpression, state: ConversionState
    ) -> Any:
        raise RuleRefused("keyword (unbound) search is not exported to Logs Insights")

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
        return (
            f"{_header(rule)}fields {', '.join(RESULT_FIELDS)}\n| filter {query}\n"
            "| sort @timestamp desc"
        )

    def _condition_of(self, rule: SigmaRule) -> str:
        found = self._conditions.get(id(rule))
        if not found:
            raise RuleRefused(f"referenced rule '{rule.title}' has no converted condition")
        return found[0] if len(found) == 1 else " or ".join(f"({c})" for c in found)

    def convert_correlation_rule(
        self,
        rule: SigmaCorrelationRule,
        output_format: str | None = None,
        method: str | None = None,
        callback: Any = None,
    ) -> list[Any]:
        self.last_processing_pipeline.apply(rule)
        query = self.correlation_query(rule)
        rule.set_conversion_result([query])
        return [query]

    def correlation_query(self, rule: SigmaCorrelationRule) -> str:
        """The query of one correlation (see the module docstring); raises RuleRefused."""
        kind = rule.type
        if kind not in (SigmaCorrelationType.EVENT_COUNT, SigmaCorrelationType.VALUE_COUNT):
            raise RuleRefused(
                f"{kind.name.lower()} is not exported to Logs Insights: a stats row cannot "
                "tell which referenced rule an event matched, nor in which order"
            )
        op = getattr(rule.condition, "op", None)
        if op not in _LOWER_BOUNDS:
            raise RuleRefused("only gt/gte correlation conditions are exported to Logs Insights")
        if rule.aliases:
            raise RuleRefused(
                "field aliases (a different group-by field per referenced rule) are not "
                "exported to Logs Insights"
            )
        conditions = []
        for reference in rule.rules or []:
            if not isinstance(reference.rule, SigmaRule):
                raise RuleRefused("chained correlations are not exported to Logs Insights")
            conditions.append(self._condition_of(reference.rule))
        group_by = list(rule.group_by or [])
        names = [self._field(path)[0] for path in group_by]
        lines = [
            "filter "
            + (conditions[0] if len(conditions) == 1 else " or ".join(f"({c})" for c in conditions))
        ]
        lines.extend(f"filter ispresent({name})" for name in names)
        lines.append("dedup eventID")
        projected = [f"tolower({name}) as k{i}" for i, name in enumerate(names)]
        if kind is SigmaCorrelationType.VALUE_COUNT:
            fieldref = rule.condition.fieldref  # type: ignore[union-attr]
            if isinstance(fieldref, list):
                if len(fieldref) != 1:
                    raise RuleRefused("value_count over several fields is not exported")
                fieldref = fieldref[0]
            value, _ = self._field(str(fieldref))
            projected.append(f"tolower({value}) as v")
            metric = "count_distinct(v) as metric"
        else:
            metric = "count(*) as metric"
        if projected:
            lines.append("fields " + ", ".join(projected))
        span = int(rule.timespan.seconds)
        aggregates = [metric, *(f"earliest({name}) as g{i}" for i, name in enumerate(names))]
        keys = [f"k{i}" for i in range(len(names))]
        lines.append(
            f"stats {', '.join(aggregates)} by {', '.join([*keys, f'bin({span}s) as window'])}"
        )
        threshold = int(rule.condition.count)  # type: ignore[union-attr]
        lines.append(f"filter metric {_LOWER_BOUNDS[op]} {threshold}")
        extra = f"; fixed {span} s buckets (bin)"
        return _header(rule, extra) + "\n| ".join(lines)


def _header(rule: SigmaRule | SigmaCorrelationRule, extra: str = "") -> str:
    level = f", level {rule.level.name.lower()}" if rule.level else ""
    ident = f" ({rule.id})" if rule.id else ""
    return f"# {rule.title}{ident}{level}{extra}\n"


def insights_backend() -> SigmaqLogsInsightsBackend:
    """A fresh Logs Insights backend with its pipeline."""
    return SigmaqLogsInsightsBackend(aws_pipeline("logs_insights"))
