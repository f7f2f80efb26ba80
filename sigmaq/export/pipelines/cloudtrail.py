"""Processing pipelines for CloudTrail rules, one factory per query language.

Each pipeline is built from ``sigmaq.core.fields`` at call time (never hand-copied
names) and fails closed: a non-CloudTrail logsource is refused, a field without
a mapping is an error naming rule and field, and a value the target cannot match
faithfully is refused with the reason (``sigmaq.export.pipelines.transformations``).
Scoping (Splunk ``sourcetype``/``index``) is added after field mapping so the
scope fields are never looked up in the CloudTrail table.
"""

from __future__ import annotations

from sigma.processing.pipeline import ProcessingItem, ProcessingPipeline
from sigma.processing.transformations.condition import AddConditionTransformation

from sigmaq.export.pipelines.transformations import (
    CloudTrailFieldMapping,
    RequireCloudTrailLogsource,
    SplunkErrorCodeSuccess,
)

SPLUNK_SOURCETYPE = "aws:cloudtrail"
ELASTIC_INDEX_PATTERN = "logs-aws.cloudtrail-*"
_PRIORITY = 20


def _base_items(language: str) -> list[ProcessingItem]:
    return [
        ProcessingItem(
            identifier="sigmaq_require_cloudtrail_logsource",
            transformation=RequireCloudTrailLogsource(),
        ),
    ]


def splunk_pipeline(
    *, sourcetype: str | None = SPLUNK_SOURCETYPE, index: str | None = None
) -> ProcessingPipeline:
    """Pipeline for the Splunk Add-on for AWS (sourcetype ``aws:cloudtrail``).

    ``sourcetype``/``index``: scope conditions ANDed to every rule (None omits one).
    A search macro scope is applied by the backend (``sigmaq.export.splunk.backend``),
    since a macro is not a field condition.
    """
    items = _base_items("spl")
    items.append(
        ProcessingItem(
            identifier="sigmaq_splunk_errorcode_success",
            transformation=SplunkErrorCodeSuccess(),
        )
    )
    items.append(
        ProcessingItem(
            identifier="sigmaq_cloudtrail_fields_splunk",
            transformation=CloudTrailFieldMapping(language="spl"),
        )
    )
    scope: dict[str, int | str | list[str]] = {}
    if index:
        scope["index"] = index
    if sourcetype:
        scope["sourcetype"] = sourcetype
    if scope:
        items.append(
            ProcessingItem(
                identifier="sigmaq_splunk_scope",
                transformation=AddConditionTransformation(scope, name="sigmaq_scope"),
            )
        )
    return ProcessingPipeline(
        name="sigmaq CloudTrail -> Splunk Add-on for AWS",
        priority=_PRIORITY,
        items=items,
        allowed_backends=frozenset({"splunk"}),
    )


def elastic_pipeline(
    language: str = "lucene", custom_paths: frozenset[str] = frozenset()
) -> ProcessingPipeline:
    """Pipeline for the Elastic AWS integration (data stream ``aws.cloudtrail``).

    ``language``: ``lucene``, ``eql`` or ``esql``; the checks differ per language
    (flattened fields, case sensitivity). The index pattern is a backend option.
    ``custom_paths``: CloudTrail paths read from sigmaq's custom ingest pipeline
    (``sigmaq.cloudtrail.*`` keywords, ``sigmaq.export.elastic.custom_pipeline``).
    Raises ValueError for another language.
    """
    if language not in ("lucene", "eql", "esql"):
        raise ValueError(f"unknown Elastic query language {language!r}")
    items = _base_items(language)
    items.append(
        ProcessingItem(
            identifier=f"sigmaq_cloudtrail_fields_{language}",
            transformation=CloudTrailFieldMapping(language=language, custom_paths=custom_paths),
        )
    )
    return ProcessingPipeline(
        name=f"sigmaq CloudTrail -> Elastic AWS integration ({language})",
        priority=_PRIORITY,
        items=items,
    )
