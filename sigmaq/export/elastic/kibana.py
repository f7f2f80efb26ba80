"""The Kibana detection rule (Security > Rules > Import, one NDJSON line) for a choice.

Fields follow Kibana's rule import schema (``RuleToImport``: the create props of each
rule type plus a required ``rule_id``; elastic/kibana ``…/detection_engine/model/
rule_schema/*.schema.yaml``); ``tests/data/kibana_rule_import.schema.json`` is the
JSON Schema sigmaq's tests check every line against.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sigma.correlations import SigmaCorrelationRule

from sigmaq.core.fields import ELASTIC_CUSTOM_PREFIX, ELASTIC_LOWER_PREFIX
from sigmaq.core.loader import LoadedRule
from sigmaq.export.backend_fixes import kibana_rule
from sigmaq.export.elastic.choose import ElasticQuery
from sigmaq.export.elastic.custom_pipeline import PIPELINE_NAME
from sigmaq.export.elastic.values import FLATTENED_ROOT, es_type
from sigmaq.export.pipelines.cloudtrail import ELASTIC_INDEX_PATTERN

# The AWS integration versions whose CloudTrail field layout sigmaq's field table and
# ECS model follow: 2.17.0 (ECS 8.11.0 mappings) to 2.25.0-preview01, the pipeline read
# for external-data.md (elastic/integrations packages/aws changelog.yml). Newer majors
# were not checked, so they are not claimed.
AWS_INTEGRATION_VERSION = "^2.17.0"
TIMESTAMP_OVERRIDE = "event.ingested"

_PLAYBOOK = {
    "q1": "Analysis question 1: which resources were created and deleted?",
    "q2": "Analysis question 2: which plugins were used?",
    "q3": "Analysis question 3: which applications could Q access during the incident?",
    "q4": "Analysis question 4: did Q access those applications?",
    "q5": "Analysis question 5: what kinds of files were uploaded to Q?",
    "q6": "Analysis question 6: can Q reach any IDE environment?",
    "step-4": "Step 4: detect and analyse unrecognised API events in CloudTrail.",
    "step-5": "Step 5: detect and analyse unrecognised events in CloudWatch.",
    "step-6": "Step 6 (containment): delete or rotate IAM user keys (root keys too if unsure).",
    "step-7": "Step 7 (containment): delete or rotate unrecognised resources (users, roles, "
    "policies, Q applications, retrievers, data sources, web experiences).",
}
_WHO = (
    "aws.cloudtrail.user_identity.arn",
    "aws.cloudtrail.user_identity.type",
    "aws.cloudtrail.user_identity.invoked_by",
    "source.address",
    "user_agent.original",
)


def duration(value: timedelta) -> str:
    """Kibana date-math duration: ``5m``, ``1h``, ``90s``."""
    seconds = int(value.total_seconds())
    if seconds % 3600 == 0:
        return f"{seconds // 3600}h"
    if seconds % 60 == 0:
        return f"{seconds // 60}m"
    return f"{seconds}s"


def _suppression_duration(value: timedelta) -> dict[str, Any]:
    seconds = int(value.total_seconds())
    if seconds % 3600 == 0:
        return {"value": seconds // 3600, "unit": "h"}
    if seconds % 60 == 0:
        return {"value": seconds // 60, "unit": "m"}
    return {"value": seconds, "unit": "s"}


def required_fields(choice: ElasticQuery) -> list[dict[str, str]]:
    """``required_fields``: every ECS field the query reads, with its mapping type."""
    out: dict[str, str] = {}
    for name in (*choice.fields, *choice.group_fields, TIMESTAMP_OVERRIDE):
        if name.startswith(FLATTENED_ROOT):
            parts = name[len(FLATTENED_ROOT) :].split(".", 1)
            out.setdefault(FLATTENED_ROOT + parts[0], "flattened")
        else:
            out.setdefault(name, str(es_type(name)))
    threshold = choice.threshold or {}
    for item in threshold.get("cardinality", []) or []:  # type: ignore[attr-defined]
        out.setdefault(item["field"], str(es_type(item["field"])))
    return [{"name": name, "type": kind} for name, kind in sorted(out.items())]


def data_events(rules: list[LoadedRule]) -> list[str]:
    """Data-event resource types (``sigmaq.data_events``) the rules need, in order."""
    found: list[str] = []
    for loaded in rules:
        block = (
            loaded.document.data.get("sigmaq") if isinstance(loaded.document.data, dict) else None
        )
        for item in (block or {}).get("data_events") or []:
            if str(item) not in found:
                found.append(str(item))
    return found


def setup_guide(
    choice: ElasticQuery, rules: list[LoadedRule], index_pattern: str = ELASTIC_INDEX_PATTERN
) -> str:
    """``setup``: integration, data events, custom pipeline, timestamp prerequisites;
    ``index_pattern``: where the rule reads CloudTrail (the rule's ``index``)."""
    lines = [
        "## Setup",
        "",
        f"- Elastic AWS integration (package `aws` {AWS_INTEGRATION_VERSION}), CloudTrail data "
        f"stream (`{index_pattern}`), collecting the trail's S3 deliveries.",
        f"- The rule reads `{TIMESTAMP_OVERRIDE}` (timestamp override), which Fleet's final "
        "pipeline sets at ingest; CloudTrail delivers events minutes after they happen.",
    ]
    events = data_events(rules)
    if events:
        lines.append(
            "- CloudTrail **data events** for "
            + ", ".join(f"`{e}`" for e in events)
            + " (trail advanced event selectors; not logged by default): without them the rule"
            " misses the events of those types it reads (its management events, if any, still"
            " match)."
        )
    else:
        lines.append("- CloudTrail management events (logged by default).")
    if choice.custom_paths:
        lines.append(
            f"- sigmaq's ingest pipeline `{PIPELINE_NAME}` and its component template "
            "(`dist/elastic/logs-aws.cloudtrail@custom.pipeline.json`, "
            "`…component_template.json`), with the integration's **Preserve original event** "
            f"option on: it writes `{ELASTIC_CUSTOM_PREFIX}.<path>` keywords for "
            + ", ".join(f"`{p}`" for p in sorted(choice.custom_paths))
            + ", which the integration drops or keeps only as flattened fields."
        )
    if choice.lower_paths:
        lines.append(
            f"- sigmaq's ingest pipeline `{PIPELINE_NAME}` and its component template, with "
            "**Preserve original event** on: its `lowercase` processors write the lower-cased "
            f"keyword copies `{ELASTIC_LOWER_PREFIX}.<path>` of "
            + ", ".join(f"`{p}`" for p in sorted(choice.lower_paths))
            + ", on which this rule groups (or joins) case-insensitively, as sigmaq's replay;"
            " events indexed before the pipeline was installed have no copy and are not"
            " grouped."
        )
    return "\n".join(lines) + "\n"


def investigation_guide(
    loaded: LoadedRule, choice: ElasticQuery, index_pattern: str = ELASTIC_INDEX_PATTERN
) -> str:
    """``note``: what the alert means for the playbook and what to check next
    (``index_pattern``: where to look the group's events up)."""
    rule = loaded.rule
    block = loaded.document.data.get("sigmaq") if isinstance(loaded.document.data, dict) else None
    playbook = [str(p) for p in (block or {}).get("playbook") or []]
    lines = [f"## Triage and analysis: {rule.title}", "", "### What the alert means", ""]
    lines.append((rule.description or str(rule.title)).strip())
    if playbook:
        lines += ["", "Amazon Q incident-response playbook:"]
        lines += [f"- {_PLAYBOOK.get(p, p)}" for p in playbook]
    lines += ["", "### What to check next", ""]
    if isinstance(rule, SigmaCorrelationRule):
        window = duration(choice.timespan) if choice.timespan else "the window"
        keys = ", ".join(f"`{g}`" for g in choice.group_fields) or "the join keys"
        lines.append(
            f"- The group ({keys}): list its events of the last {window} and before, in "
            f"Discover or Timeline on `{index_pattern}`."
        )
    lines.append("- Who: " + ", ".join(f"`{f}`" for f in _WHO) + ".")
    lines.append(
        "- What: `event.provider`, `event.action`, `aws.cloudtrail.request_parameters`, "
        "`aws.cloudtrail.error_code`; was the caller an Amazon Q agent (user agent "
        "`AmazonQ-For-…`, `invoked_by`) or a person?"
    )
    lines.append(
        "- Scope: other calls by the same identity and source address in the hour around "
        "the alert; the same activity in other accounts (`cloud.account.id`)."
    )
    false_positives = [str(fp) for fp in getattr(rule, "falsepositives", None) or []]
    if false_positives:
        lines += ["", "### Known benign causes", ""] + [f"- {fp}" for fp in false_positives]
    lines += [
        "",
        "### Response",
        "",
        "- If the activity is not recognised: follow the playbook's containment steps "
        "(rotate or delete IAM user and root keys, revoke temporary credentials, delete "
        "unrecognised users, policies, roles and Amazon Q resources), then recover with "
        "least-privilege identities.",
        "",
        f"Rule type: {choice.rule_type} ({choice.reason}). Generated by sigmaq.",
    ]
    return "\n".join(lines) + "\n"


def build_rule(
    loaded: LoadedRule,
    choice: ElasticQuery,
    index_pattern: str,
    rules_read: list[LoadedRule],
    *,
    building_block: bool = False,
) -> dict[str, Any]:
    """The Kibana rule (import NDJSON object) for ``loaded`` as chosen.

    Needs ATT&CK data loaded (``sigmaq.core.offline.use_vendored_data``) for ``threat``.
    """
    rule = loaded.rule
    body = kibana_rule(
        rule,
        query=choice.query,
        rule_type=choice.rule_type,
        language=choice.language,
        index=None if choice.language == "esql" else [index_pattern],
        interval=duration(choice.interval),
        lookback=duration(choice.lookback),
    )
    body["rule_id"] = loaded.rule_id
    body["timestamp_override"] = TIMESTAMP_OVERRIDE
    body["timestamp_override_fallback_disabled"] = False
    body["required_fields"] = required_fields(choice)
    body["related_integrations"] = [
        {"package": "aws", "integration": "cloudtrail", "version": AWS_INTEGRATION_VERSION}
    ]
    body["setup"] = setup_guide(choice, rules_read, index_pattern)
    body["note"] = investigation_guide(loaded, choice, index_pattern)
    body["meta"] = {"sigmaq": {"rule_type_reason": choice.reason, "sigma_id": loaded.rule_id}}
    if choice.threshold is not None:
        body["threshold"] = choice.threshold
        if choice.timespan is not None:
            body["alert_suppression"] = {"duration": _suppression_duration(choice.timespan)}
    elif choice.rule_type == "esql" and choice.aggregate and choice.group_fields:
        body["alert_suppression"] = {
            "group_by": list(choice.group_fields[:3]),
            "duration": _suppression_duration(choice.timespan or choice.lookback),
            "missing_fields_strategy": "suppress",
        }
    if building_block:
        body["building_block_type"] = "default"
    return body
