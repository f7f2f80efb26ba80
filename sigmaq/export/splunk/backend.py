"""pySigma's Splunk backend with sigmaq's fixes, source macro, app stanzas and sliding windows.

Fixes of pysigma-backend-splunk 2.1.0 (TOOLCHAIN.md, "Conversion"; each has a test in
``tests/unit/test_backend_fixes.py`` or ``tests/unit/test_splunk_backend.py``):

- ``savedsearches`` stanzas for rules with ``|re`` under OR began with ``| rex`` (a search
  must start with a search): the leading scope terms are hoisted in front;
- ``not field: null`` became ``NOT NOT field=*``: emitted as ``field=*``;
- ``savedsearches`` wrote a ``[default]`` stanza (it changes the defaults of every saved
  search of the app, users' own included) and ``action.sigmaq_rule_id`` (not of the spec's
  ``action.<name> = <boolean>`` shape): every setting is now on its stanza
  (``sigmaq.export.splunk.settings``), each search starts with the source macro and ends
  with the rule's empty tuning macro, as ESCU's do;
- correlations were ``bin _time span=… | stats`` (fixed buckets, a burst across a bucket
  edge is missed) and ``temporal_ordered`` was refused: correlations whose condition is
  ``gt``/``gte`` are now **sliding** windows, ``sort 0 _time | streamstats
  time_window=<timespan> … by <group-by>`` (each event closes a window of the timespan
  before it, so a burst is found wherever it falls), and ``temporal_ordered`` checks
  order with one ``streamstats max(start)`` step per referenced rule. Other conditions
  keep the backend's fixed buckets (``bin``), documented as tumbling.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar, cast

from sigma.backends.splunk.splunk import (
    SplunkBackend,
    SplunkDeferredFieldRefExpression,
    SplunkDeferredORRegularExpression,
)
from sigma.conditions import ConditionFieldEqualsValueExpression, ConditionNOT, ConditionOR
from sigma.conversion.base import TextQueryBackend
from sigma.conversion.deferred import DeferredQueryExpression
from sigma.conversion.state import ConversionState
from sigma.correlations import (
    SigmaCorrelationCondition,
    SigmaCorrelationConditionOperator,
    SigmaCorrelationRule,
)
from sigma.exceptions import SigmaFeatureNotSupportedByBackendError
from sigma.rule import SigmaRule
from sigma.types import SigmaNull

from sigmaq.core.fields import resolve as resolve_field
from sigmaq.export.pipelines.errors import RuleRefused
from sigmaq.export.splunk.settings import (
    SOURCE_MACRO,
    ActionOptions,
    filter_macro,
    render_stanza,
    stanza_name,
    stanza_settings,
)

AnyRule = SigmaRule | SigmaCorrelationRule
SLIDING = "sliding"
TUMBLING = "stats"


def _is_null(cond: object) -> bool:
    return isinstance(cond, ConditionFieldEqualsValueExpression) and isinstance(
        cond.value, SigmaNull
    )


def rule_label(rule: AnyRule) -> str:
    return f"rule '{rule.title}'" + (f" ({rule.id})" if rule.id else "")


def alias_names(rule: AnyRule) -> list[str]:
    if not isinstance(rule, SigmaCorrelationRule) or not rule.aliases:
        return []
    return list(rule.aliases.aliases)


def splunk_field(name: str, aliases: list[str] | None = None) -> str:
    """Splunk name of a CloudTrail path (alias names and unknown names stay as they are)."""
    if aliases and name in aliases:
        return name
    resolved = resolve_field(name)
    return resolved.splunk if resolved is not None and resolved.splunk else name


def group_fields(rule: AnyRule) -> list[str]:
    """Splunk names of a correlation's group-by fields, in order (empty otherwise)."""
    if not isinstance(rule, SigmaCorrelationRule):
        return []
    aliases = alias_names(rule)
    return [splunk_field(name, aliases) for name in rule.group_by or []]


def group_keys(rule: AnyRule) -> list[str]:
    """Names of the lower-cased group-by copies a sliding correlation groups by
    (``sigmaq_group1``…, one per ``group_fields`` entry)."""
    return [f"sigmaq_group{number}" for number in range(1, len(group_fields(rule)) + 1)]


def _rename_keys(rule: SigmaCorrelationRule) -> str:
    """``| rename sigmaq_group1 as <field>, …``: results carry the group-by field names
    (alert throttling, drill-down and risk objects read them), lower-cased values."""
    pairs = zip(group_keys(rule), group_fields(rule), strict=True)
    return "| rename " + ", ".join(f"{key} as {name}" for key, name in pairs)


_LEADING_TERM = re.compile(r'([\w.]+)(?:="[^"]*"|=[^\s")]+)\s*')


def hoist_scope_terms(query: str, deferred_fields: set[str]) -> str:
    """Move leading ``field=value`` terms before a ``\\n| rex …\\n| search`` preamble.

    The Splunk backend emits OR-ed ``|re`` conditions as ``\\n| rex …\\n| eval …\\n|
    search <terms>``; its ``default`` format hoists the leading terms (the scope) in
    front, its ``savedsearches`` format did not, leaving a search that starts with a
    pipe. ``deferred_fields`` are the eval'd condition fields that must stay after.
    """
    marker = "\n| search "
    if marker not in query or not query.startswith("\n|"):
        return query
    cut = query.index(marker)
    preamble, search = query[:cut], query[cut + len(marker) :]
    position = 0
    hoisted: list[str] = []
    while position < len(search):
        match = _LEADING_TERM.match(search, position)
        if match is None or match.group(1) in deferred_fields:
            break
        hoisted.append(match.group().strip())
        position = match.end()
    if not hoisted:
        return query
    return " ".join(hoisted) + preamble + marker + search[position:]


class NullSafeFieldRefExpression(SplunkDeferredFieldRefExpression):
    """``| where`` for ``|fieldref`` with replay's meaning: both fields present and equal
    ignoring case (docs/replay-semantics.md). The stock ``'a'='b'`` is null when a field
    is absent, and ``where`` drops null, so a negated fieldref (``not same_account``)
    missed every event without the referenced field; ``=`` also compared case."""

    template = "where {op}(isnotnull('{field}') AND isnotnull('{value}') AND lower('{field}')=lower('{value}'))"  # noqa: E501


class SigmaqSplunkBackend(SplunkBackend):
    """Splunk backend with sigmaq's fixes, macro scope, app stanzas and sliding correlations.

    ``macro``: search macro prepended to every rule query (the app's ``sigmaq_cloudtrail``);
    ``actions``: Enterprise Security actions of the ``savedsearches`` stanzas.
    """

    correlation_methods: ClassVar[dict[str, str]] = {
        SLIDING: "Sliding windows (sort _time | streamstats time_window), Sigma's meaning",
        TUMBLING: "Fixed buckets (bin _time | stats)",
    }
    default_correlation_method: ClassVar[str] = SLIDING

    def __init__(
        self,
        processing_pipeline: Any = None,
        collect_errors: bool = False,
        *,
        macro: str | None = None,
        actions: ActionOptions | None = None,
        **kwargs: Any,
    ) -> None:
        self.macro = macro
        self.actions = actions or ActionOptions()
        super().__init__(processing_pipeline, collect_errors, **kwargs)

    # ------------------------------------------------------------------ conditions
    def convert_condition_not(
        self, cond: ConditionNOT, state: ConversionState
    ) -> str | DeferredQueryExpression:
        arg = cond.args[0]
        if _is_null(arg):
            assert isinstance(arg, ConditionFieldEqualsValueExpression)
            return self.field_exists_expression.format(field=self.escape_and_quote_field(arg.field))
        result = super().convert_condition_not(cond, state)
        if result is None:
            raise RuleRefused(f"cannot negate {arg!r} in SPL")
        return result

    def convert_condition_field_eq_field(
        self, cond: ConditionFieldEqualsValueExpression, state: ConversionState
    ) -> SplunkDeferredFieldRefExpression:
        # The stock SplunkBackend method with a null-safe, case-insensitive template.
        if cond.parent_condition_chain_contains(ConditionOR):
            raise SigmaFeatureNotSupportedByBackendError(
                "ORing FieldRef matching is not yet supported by Splunk backend",
                source=cond.source,
            )
        referenced = TextQueryBackend.convert_condition_field_eq_field(self, cond, state)
        expression = NullSafeFieldRefExpression(state, cond.field, str(referenced))
        # postprocess links the parent chain, as the stock method does (its typing says
        # detections; the stock call passes None and the condition too).
        return cast(SplunkDeferredFieldRefExpression, cast(Any, expression).postprocess(None, cond))

    def finish_query(
        self, rule: AnyRule, query: str | DeferredQueryExpression, state: ConversionState
    ) -> str | DeferredQueryExpression:
        result = super().finish_query(rule, query, state)
        if isinstance(rule, SigmaRule) and isinstance(result, str):
            deferred = state.processing_state.get("deferred_or_condition_fields") or set()
            result = hoist_scope_terms(result, set(deferred))
            if self.macro:
                separator = "" if result.startswith("\n") else " "
                result = f"`{self.macro}`{separator}{result}"
        return result

    # ------------------------------------------------------------------ savedsearches
    def finalize_query_savedsearches(
        self, rule: AnyRule, query: str, index: int, state: ConversionState
    ) -> str:
        if query.lstrip().startswith("|") and not query.lstrip().startswith("| multisearch"):
            raise RuleRefused(
                f"{rule_label(rule)}: the saved search would start with a pipe "
                f"({query.strip().splitlines()[0]!r}); give the rule a scope"
            )
        if isinstance(rule, SigmaRule) and rule.fields:
            query += "\n| table " + ",".join(rule.fields)
        search = f"{query.strip()}\n| `{filter_macro(rule)}`"
        settings = stanza_settings(
            rule,
            search,
            group_fields(rule),
            self.actions,
            self.macro or SOURCE_MACRO,
            alias_names(rule),
        )
        return "\n" + render_stanza(stanza_name(rule), settings)

    def finalize_output_savedsearches(self, queries: list[str]) -> str:
        header = (
            "# sigmaq detections for Amazon Q in AWS CloudTrail (generated by sigmaq; edit the\n"
            "# source macro and the <rule>_filter macros in macros.conf, not these searches).\n"
            "# No default stanza: every setting is on its own stanza."
        )
        return header + "\n" + "".join(queries)

    # ------------------------------------------------------------------ correlations
    def _sliding_ok(self, rule: SigmaCorrelationRule) -> bool:
        condition = _simple(rule)
        return condition is not None and condition.op in (
            SigmaCorrelationConditionOperator.GT,
            SigmaCorrelationConditionOperator.GTE,
        )

    def _window(self, rule: SigmaCorrelationRule) -> tuple[str, str, str]:
        """(search, time_window text, `` by …`` clause) of a sliding correlation.

        The search ends with ``| eval sigmaq_group1=lower('<field>')…`` and the clause
        groups by those lower-cased copies: group-by values compare case-insensitively,
        as in replay (docs/replay-correlations.md, "Groups"); Splunk's ``stats``/
        ``streamstats by`` compare exact values.
        """
        search = self.convert_correlation_search(rule)
        span = self.convert_timespan(rule.timespan, TUMBLING)
        fields = group_fields(rule)
        if fields:
            search += "\n| eval " + ", ".join(
                f"{key}=lower('{name}')" for key, name in zip(group_keys(rule), fields, strict=True)
            )
        by = f" by {' '.join(group_keys(rule))}" if fields else ""
        return search, span, by

    def _condition(self, rule: SigmaCorrelationRule, metric: str) -> str:
        condition = _simple(rule)
        assert condition is not None
        op = ">=" if condition.op is SigmaCorrelationConditionOperator.GTE else ">"
        return f"| where {metric} {op} {condition.count}"

    def _finish_sliding(self, rule: SigmaCorrelationRule, lines: list[str], metric: str) -> str:
        if group_fields(rule):
            lines.append(
                f"| stats min(_time) as firstTime max(_time) as lastTime max({metric}) as "
                f"{metric} by {' '.join(group_keys(rule))}"
            )
            lines.append(_rename_keys(rule))
        return "\n".join(lines)

    def convert_correlation_event_count_rule(
        self, rule: SigmaCorrelationRule, output_format: str | None = None, method: str = SLIDING
    ) -> list[Any]:
        if method != SLIDING or not self._sliding_ok(rule):
            return list(super().convert_correlation_event_count_rule(rule, output_format, TUMBLING))
        search, span, by = self._window(rule)
        lines = [
            search,
            "| sort 0 _time",
            f"| streamstats time_window={span} dc(eventID) as event_count{by}",
            self._condition(rule, "event_count"),
        ]
        return [self._finish_sliding(rule, lines, "event_count")]

    def convert_correlation_value_count_rule(
        self, rule: SigmaCorrelationRule, output_format: str | None = None, method: str = SLIDING
    ) -> list[Any]:
        if method != SLIDING or not self._sliding_ok(rule):
            return list(super().convert_correlation_value_count_rule(rule, output_format, TUMBLING))
        condition = _simple(rule)
        assert condition is not None and condition.fieldref
        value_field = splunk_field(str(condition.fieldref), alias_names(rule))
        search, span, by = self._window(rule)
        lines = [
            search,
            f"| eval sigmaq_value=lower('{value_field}')",
            "| sort 0 _time",
            f"| streamstats time_window={span} dc(sigmaq_value) as value_count{by}",
            self._condition(rule, "value_count"),
        ]
        return [self._finish_sliding(rule, lines, "value_count")]

    def convert_correlation_temporal_rule(
        self, rule: SigmaCorrelationRule, output_format: str | None = None, method: str = SLIDING
    ) -> list[Any]:
        if method != SLIDING or not self._sliding_ok(rule):
            return list(super().convert_correlation_temporal_rule(rule, output_format, TUMBLING))
        search, span, by = self._window(rule)
        lines = [
            search,
            "| sort 0 _time",
            f"| streamstats time_window={span} dc(event_type) as event_type_count{by}",
            self._condition(rule, "event_type_count"),
        ]
        return [self._finish_sliding(rule, lines, "event_type_count")]

    def convert_correlation_temporal_ordered_rule(
        self, rule: SigmaCorrelationRule, output_format: str | None = None, method: str = SLIDING
    ) -> list[Any]:
        """A then B (then C…) within the timespan, per group (sliding).

        Each referenced rule's events carry ``event_type`` (multisearch) and their rank;
        events are sorted by time then rank (CloudTrail has one-second resolution: events of
        one second are taken in the listed order, as the replay does). Step k keeps, per
        event of rule k, the latest start of a chain 1..k-1 seen in the timespan before it;
        the rule fires at an event of the last rule whose chain started within the timespan.
        """
        names = [str(ref.reference) for ref in rule.rules or []]
        condition = _simple(rule)
        if (
            len(names) < 2
            or condition is None
            or condition.op is not SigmaCorrelationConditionOperator.GTE
            or condition.count != len(names)
        ):
            raise RuleRefused(
                f"{rule_label(rule)}: temporal_ordered is exported only with its default "
                f"condition (gte: number of rules, here {len(names)}) over two or more rules"
            )
        search, span, by = self._window(rule)
        seconds = int(rule.timespan.seconds)
        ranks = ", ".join(f'event_type="{name}", {rank}' for rank, name in enumerate(names, 1))
        lines = [search, f"| eval sigmaq_rank=case({ranks})", "| sort 0 _time sigmaq_rank"]
        lines.append("| eval sigmaq_start1=if(sigmaq_rank=1, _time, null())")
        for rank in range(2, len(names) + 1):
            lines.append(
                f"| streamstats time_window={span} max(sigmaq_start{rank - 1}) as "
                f"sigmaq_run{rank - 1}{by}"
            )
            lines.append(
                f"| eval sigmaq_start{rank}=if(sigmaq_rank={rank} AND "
                f"_time - sigmaq_run{rank - 1} <= {seconds}, sigmaq_run{rank - 1}, null())"
            )
        last = f"sigmaq_start{len(names)}"
        lines.append(f"| where isnotnull({last})")
        if group_fields(rule):
            lines.append(
                f"| stats min({last}) as firstTime max(_time) as lastTime by "
                f"{' '.join(group_keys(rule))}"
            )
            lines.append(_rename_keys(rule))
        return ["\n".join(lines)]


def _simple(rule: SigmaCorrelationRule) -> SigmaCorrelationCondition | None:
    """The rule's one-operator condition (None for extended conditions or none)."""
    condition = rule.condition
    return condition if isinstance(condition, SigmaCorrelationCondition) else None


def reset_splunk_state() -> None:
    """Clear the Splunk backend's class-level regex counters (leak across conversions)."""
    SplunkDeferredORRegularExpression.reset()  # type: ignore[no-untyped-call]
