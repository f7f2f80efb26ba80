"""The target registry: which backend, pipeline and formats each target has.

``TARGETS`` is what ``sigmaq list targets`` shows and what ``sigmaq build``
iterates: every target lists its formats and its primary formats (written to
``dist/<target>/`` and snapshotted under ``backends/<target>/golden/``).
``build_backend`` is the one place a backend object is created.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sigmaq.core.errors import ConfigError
from sigmaq.export.pipelines.cloudtrail import ELASTIC_INDEX_PATTERN, SPLUNK_SOURCETYPE


@dataclass(frozen=True)
class FormatSpec:
    """One output format of a target.

    ``golden_extension``: extension of the per-rule snapshot
    (``backends/<target>/golden/<rule stem>.<ext>``); ``dist_file``: file name under
    ``dist/<target>/``; ``kind``: how the backend's output is rendered
    (``text`` queries, ``conf`` text, ``ndjson`` objects, ``json`` array).
    ``needs_attack``: the format embeds ATT&CK names (vendored data needed).
    """

    name: str
    description: str
    golden_extension: str
    dist_file: str
    kind: str
    needs_attack: bool = False


@dataclass(frozen=True)
class TargetSpec:
    """A conversion target: query language, formats and the primary ones."""

    name: str
    description: str
    language: str
    formats: tuple[FormatSpec, ...]
    primary_formats: tuple[str, ...]
    supports_correlations: str

    def format(self, name: str | None) -> FormatSpec:
        """The format called ``name`` (None: the first primary format).

        Raises ConfigError for a format the target does not have.
        """
        wanted = name or self.primary_formats[0]
        for spec in self.formats:
            if spec.name == wanted:
                return spec
        known = ", ".join(spec.name for spec in self.formats)
        raise ConfigError(f"target {self.name!r} has no format {wanted!r} (formats: {known})")

    @property
    def format_names(self) -> tuple[str, ...]:
        return tuple(spec.name for spec in self.formats)


@dataclass(frozen=True)
class TargetOptions:
    """Data-placement options shared by every conversion.

    Splunk: ``splunk_sourcetype`` and ``splunk_index`` become search terms, or a
    search macro ``splunk_macro`` replaces both (the ``savedsearches`` format always
    uses a macro, ``sigmaq_cloudtrail`` by default, whose definition the app's
    ``macros.conf`` holds); ``splunk_notable``/``splunk_risk`` switch on Enterprise
    Security's notable and risk actions in saved searches. Elastic:
    ``elastic_index_pattern`` is the index pattern of Kibana rules and ES|QL ``from``;
    ``elastic_custom_pipeline``: Kibana rules may read fields restored by sigmaq's
    ``logs-aws.cloudtrail@custom`` ingest pipeline (False: rules that need it are refused).
    """

    splunk_sourcetype: str | None = SPLUNK_SOURCETYPE
    splunk_index: str | None = None
    splunk_macro: str | None = None
    splunk_notable: bool = False
    splunk_risk: bool = False
    elastic_index_pattern: str = ELASTIC_INDEX_PATTERN
    elastic_custom_pipeline: bool = True


_SIEM = FormatSpec(
    "siem_rule_ndjson",
    "Kibana detection rules, NDJSON (Security > Rules > Import)",
    "json",
    "rules.ndjson",
    "ndjson",
    needs_attack=True,
)

TARGETS: dict[str, TargetSpec] = {
    "splunk": TargetSpec(
        name="splunk",
        description="Splunk SPL over the Splunk Add-on for AWS (sourcetype aws:cloudtrail)",
        language="spl",
        formats=(
            FormatSpec("default", "Plain SPL searches", "spl", "searches.spl", "text"),
            FormatSpec(
                "savedsearches",
                "savedsearches.conf for a Splunk app (one scheduled stanza per rule)",
                "conf",
                "savedsearches.conf",
                "conf",
            ),
        ),
        primary_formats=("savedsearches", "default"),
        supports_correlations="event_count, value_count, temporal, temporal_ordered "
        "(streamstats sliding windows)",
    ),
    "elastic": TargetSpec(
        name="elastic",
        description="Elasticsearch Lucene query strings over the Elastic AWS integration "
        "(logs-aws.cloudtrail-*)",
        language="lucene",
        formats=(
            FormatSpec("default", "Plain Lucene query strings", "lucene", "queries.lucene", "text"),
            FormatSpec(
                "dsl_lucene", "Query DSL with embedded Lucene", "json", "queries.json", "json"
            ),
            FormatSpec(
                "kibana_ndjson",
                "Kibana saved searches, NDJSON",
                "json",
                "saved_searches.ndjson",
                "ndjson",
            ),
            _SIEM,
        ),
        primary_formats=("siem_rule_ndjson", "default"),
        supports_correlations="none (Lucene has no correlations: use esql)",
    ),
    "esql": TargetSpec(
        name="esql",
        description="Elasticsearch ES|QL over the Elastic AWS integration; correlations",
        language="esql",
        formats=(
            FormatSpec("default", "Plain ES|QL queries", "esql", "queries.esql", "text"),
            _SIEM,
        ),
        primary_formats=("siem_rule_ndjson", "default"),
        supports_correlations="event_count, value_count, temporal (date_trunc fixed buckets)",
    ),
    "eql": TargetSpec(
        name="eql",
        description="Elasticsearch EQL over the Elastic AWS integration (case-insensitive ':')",
        language="eql",
        formats=(
            FormatSpec("default", "Plain EQL queries", "eql", "queries.eql", "text"),
            _SIEM,
        ),
        primary_formats=("default",),
        supports_correlations="event_count with gte N only (sequence … with runs=N)",
    ),
    "athena": TargetSpec(
        name="athena",
        description="Amazon Athena (Trino SQL) over the AWS-documented CloudTrail table "
        "(cloudtrail_logs_pp, partition projection)",
        language="athena_sql",
        formats=(FormatSpec("default", "Plain Athena SQL queries", "sql", "queries.sql", "text"),),
        primary_formats=("default",),
        supports_correlations="event_count, value_count, temporal, temporal_ordered "
        "(sliding windows: window frames)",
    ),
    "cloudtrail_lake": TargetSpec(
        name="cloudtrail_lake",
        description="CloudTrail Lake SQL over an event data store ($EDS_ID)",
        language="lake_sql",
        formats=(
            FormatSpec(
                "default", "Plain CloudTrail Lake SQL queries", "sql", "queries.sql", "text"
            ),
        ),
        primary_formats=("default",),
        supports_correlations="event_count, value_count, temporal, temporal_ordered "
        "(sliding windows: window frames)",
    ),
    "logs_insights": TargetSpec(
        name="logs_insights",
        description="CloudWatch Logs Insights over CloudTrail delivered to a log group",
        language="logs_insights",
        formats=(
            FormatSpec(
                "default", "Plain Logs Insights queries", "insights", "queries.insights", "text"
            ),
        ),
        primary_formats=("default",),
        supports_correlations="event_count, value_count (stats … by bin(): fixed buckets)",
    ),
}


def get_target(name: str) -> TargetSpec:
    """The target called ``name``; raises ConfigError naming the known ones."""
    try:
        return TARGETS[name]
    except KeyError:
        raise ConfigError(
            f"unknown target {name!r} (targets: {', '.join(sorted(TARGETS))})"
        ) from None


def build_backend(
    target: str, options: TargetOptions | None = None, format_name: str | None = None
) -> Any:
    """A fresh pySigma backend with sigmaq's pipeline and fixes for ``target``.

    ``format_name``: the output format (Splunk's ``savedsearches`` scopes every search
    with the source macro). Raises ConfigError for an unknown target. The backend raises
    on the first per-rule error (``collect_errors=False``); ``sigmaq.export.convert``
    catches per rule.
    """
    from sigmaq.export import backend_fixes
    from sigmaq.export.pipelines import elastic_pipeline, splunk_pipeline

    spec = get_target(target)
    opts = options or TargetOptions()
    if spec.language in ("athena_sql", "lake_sql", "logs_insights"):
        from sigmaq.export.aws.backends import aws_backend

        return aws_backend(spec.name)
    if spec.language == "spl":
        from sigmaq.export.splunk.backend import SigmaqSplunkBackend
        from sigmaq.export.splunk.settings import SOURCE_MACRO, ActionOptions

        macro = opts.splunk_macro or (SOURCE_MACRO if format_name == "savedsearches" else None)
        if macro:
            pipeline = splunk_pipeline(sourcetype=None, index=None)
        else:
            pipeline = splunk_pipeline(sourcetype=opts.splunk_sourcetype, index=opts.splunk_index)
        actions = ActionOptions(notable=opts.splunk_notable, risk=opts.splunk_risk)
        return SigmaqSplunkBackend(pipeline, macro=macro, actions=actions)
    pipeline = elastic_pipeline(spec.language)
    if spec.language == "lucene":
        return backend_fixes.SigmaqLuceneBackend(pipeline, index_pattern=opts.elastic_index_pattern)
    if spec.language == "esql":
        return backend_fixes.SigmaqESQLBackend(pipeline, index_pattern=opts.elastic_index_pattern)
    return backend_fixes.SigmaqEqlBackend(pipeline, index_pattern=opts.elastic_index_pattern)
