"""Every ``savedsearches.conf`` setting of one rule's stanza, and the keys the spec allows.

Sources (cited in ``backends/splunk/README.md``):

- Splunk ``savedsearches.conf.spec`` (Admin Manual): ``disabled``, ``enableSched``,
  ``cron_schedule``, ``dispatch.earliest_time``/``dispatch.latest_time``,
  ``counttype``/``relation``/``quantity``, ``alert.digest_mode`` ("whether Splunk applies
  the alert actions to the entire result set or on each individual result"),
  ``alert.suppress``, ``alert.suppress.period``, ``alert.suppress.fields`` ("must be
  specified if the digest mode is disabled and suppression is enabled": fields only
  throttle per-result alerts), ``alert.severity`` (1 debug … 6 fatal), ``alert.track``,
  ``action.<name> = <boolean>`` and ``action.<name>.<parameter> = <value>``;
- Enterprise Security's actions as splunk/contentctl writes them
  (``contentctl/output/templates/savedsearches_detections.j2``):
  ``action.correlationsearch.enabled``/``label``/``annotations``
  (``{"mitre_attack": ["T1485"]}``), ``action.notable`` with
  ``action.notable.param.rule_title``/``rule_description``/``security_domain``/``severity``,
  ``action.risk`` with ``action.risk.param._risk`` (``[{"risk_object_field": …,
  "risk_object_type": …, "risk_score": …}]``), ``_risk_message``, ``_risk_score = 0``,
  ``verbose``; the notable drill-down parameters (``drilldown_name``,
  ``drilldown_search``, ``drilldown_earliest_offset``, ``drilldown_latest_offset``) as
  ES's REST API names them (ansible-collections/splunk.es,
  ``adaptive_response_notable_events``).

Schedule and windows. CloudTrail delivers a record typically within 5 minutes of the
call and makes no promise beyond that (CloudTrail User Guide, "How CloudTrail works");
S3/SQS ingestion backlogs and forwarder outages add more. Every search runs each
``INTERVAL`` (10 minutes) at a minute spread per rule (``cron_schedule`` from the rule
id, so the searches do not start together). A scheduled search resolves relative
times against its scheduled time and ``@m`` snaps to the minute, so consecutive runs
read consecutive, non-overlapping slices.

- **Single-event rules read slices of index time** (``savedsearches.conf.spec``:
  ``dispatch.index_earliest`` / ``dispatch.index_latest``, "the earliest / latest index
  time for this search"; in the spec since Splunk 7.x at least, the 7.2.1 spec has them):
  ``dispatch.index_earliest = -11m@m``, ``dispatch.index_latest = -1m@m``
  (``INDEX_LAG``: one minute for an event to become searchable, as the spec advises for
  ``durable.lag_time``), with a wide **event-time** range ``dispatch.earliest_time =
  -7d@m`` (``LATENESS_BOUND``), ``dispatch.latest_time = +1h@m`` (an indexer clock up to
  an hour behind AWS's). Every event indexed at most ``LATENESS_BOUND`` after its
  ``eventTime`` is read by exactly one run, 1 to 11 minutes after it is indexed,
  whatever its lateness: never missed, never alerted twice, no fixed wait.
- **Durable search** (``savedsearches.conf.spec``, "durable search options"; Reporting
  Manual "Make scheduled reports durable to prevent event loss", in the Splunk
  Enterprise 8.2 manual and later): ``durable.track_time_type = _indextime`` (values
  ``_time | _indextime | none``) makes the scheduler re-run, over the same period, a
  run that failed or was skipped (indexer down, scheduler overloaded), instead of
  losing its slice; ``durable.backfill_type = auto`` (``auto | time_interval |
  time_whole``; auto = one job over the whole gap for streaming searches, one per
  missed run otherwise); ``durable.lag_time = 60`` (seconds, the spec's advice for
  ``_indextime``; the spec does not say whether it shifts the dispatch range or only
  delays the job: at worst the wait is 2 minutes, the slices stay contiguous either
  way); ``durable.max_backfill_intervals`` = the runs in ``LATENESS_BOUND`` (default
  0 = unlimited), so a week-long outage is backfilled and a longer one is not replayed
  without end. Before durable search (Splunk < 8.2) the slices still hold; only a
  skipped or failed run's slice is lost (not verified on such a version).
- **Correlations keep event-time windows**: ``dispatch.earliest_time =
  -(25m + timespan)@m``, ``dispatch.latest_time = -15m@m`` (``DELIVERY_DELAY``). An
  index-time slice cannot bound a window: a late event can complete a window whose
  other events were read by earlier runs. Each window is evaluated complete by the one
  run whose slice holds its last event, so every event of the window must be indexed
  within ``DELIVERY_DELAY`` (15 minutes) of the window's last ``eventTime``; later
  events do not count (backends/splunk/README.md says exactly what is missed). A window
  that keeps firing while it stays in range is throttled per group
  (``alert.digest_mode = 0``, ``alert.suppress.fields`` = the group-by fields) for
  ``timespan + INTERVAL``. Durable with ``_time`` and ``time_interval`` backfill
  (stats/streamstats searches are not streaming) re-runs their skipped runs.
  A correlation whose timespan is ``LONG_TIMESPAN`` (6 hours) or more runs hourly
  (``LONG_INTERVAL``, 60-minute slices, same contiguity): rerunning a 24-hour search
  every 10 minutes costs six times the scan for at most 50 minutes less delay.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sigma.correlations import SigmaCorrelationRule
from sigma.rule import SigmaRule

AnyRule = SigmaRule | SigmaCorrelationRule

INTERVAL_MINUTES = 10
LONG_INTERVAL_MINUTES = 60
LONG_TIMESPAN_SECONDS = 6 * 3600
DELIVERY_DELAY_MINUTES = 15
# Single-event rules: index-time slices, one minute behind, over a week of event time.
INDEX_LAG_MINUTES = 1
LATENESS_BOUND_DAYS = 7
CLOCK_SKEW_ALLOWANCE = "+1h@m"
DURABLE_LAG_SECONDS = 60
APP_NAME = "sigmaq_amazon_q"
SOURCE_MACRO = "sigmaq_cloudtrail"

# Splunk alert.severity: 1 debug, 2 info, 3 warning, 4 error, 5 severe, 6 fatal.
ALERT_SEVERITY: dict[str, int] = {
    "informational": 2,
    "low": 3,
    "medium": 4,
    "high": 5,
    "critical": 6,
}
# ES risk scores by Sigma level (ES scores run 0-100; contentctl's detections use 1-100).
RISK_SCORE: dict[str, int] = {
    "informational": 10,
    "low": 25,
    "medium": 50,
    "high": 75,
    "critical": 100,
}

# Every key a stanza may carry: savedsearches.conf.spec keys, plus ES's action parameters.
SPEC_KEYS = frozenset(
    {
        "action.correlationsearch.annotations",
        "action.correlationsearch.enabled",
        "action.correlationsearch.label",
        "action.notable",
        "action.notable.param.drilldown_earliest_offset",
        "action.notable.param.drilldown_latest_offset",
        "action.notable.param.drilldown_name",
        "action.notable.param.drilldown_search",
        "action.notable.param.rule_description",
        "action.notable.param.rule_title",
        "action.notable.param.security_domain",
        "action.notable.param.severity",
        "action.risk",
        "action.risk.param._risk",
        "action.risk.param._risk_message",
        "action.risk.param._risk_score",
        "action.risk.param.verbose",
        "alert.digest_mode",
        "alert.severity",
        "alert.suppress",
        "alert.suppress.fields",
        "alert.suppress.period",
        "alert.track",
        "counttype",
        "cron_schedule",
        "description",
        "disabled",
        "dispatch.earliest_time",
        "dispatch.index_earliest",
        "dispatch.index_latest",
        "dispatch.latest_time",
        "durable.backfill_type",
        "durable.lag_time",
        "durable.max_backfill_intervals",
        "durable.track_time_type",
        "enableSched",
        "quantity",
        "relation",
        "request.ui_dispatch_app",
        "search",
    }
)
_ACTION_SHAPE = re.compile(r"^action\.[A-Za-z_]\w*(\.param\.\w+|\.\w+)?$")


@dataclass(frozen=True)
class ActionOptions:
    """Enterprise Security actions, all off by default (``sigmaq build --splunk-notable``…)."""

    notable: bool = False
    risk: bool = False


def level_of(rule: AnyRule) -> str:
    return rule.level.name.lower() if rule.level is not None else "medium"


def stanza_name(rule: AnyRule) -> str:
    """``sigmaq - <title> - Rule`` (brackets removed: they end a stanza name)."""
    title = str(rule.title).translate({ord(c): None for c in "[]"})
    return f"sigmaq - {title} - Rule"


def slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", title.lower()).strip("_")


def filter_macro(rule: AnyRule) -> str:
    """The rule's tuning macro (``sigmaq_<slug of title>_filter``), empty on install."""
    return f"sigmaq_{slug(str(rule.title))}_filter"


def timespan_seconds(rule: AnyRule) -> int | None:
    if isinstance(rule, SigmaCorrelationRule) and rule.timespan is not None:
        return int(rule.timespan.seconds)
    return None


def _minutes(seconds: int) -> int:
    return -(-seconds // 60)


def interval_minutes(rule: AnyRule) -> int:
    """Minutes between runs: LONG_INTERVAL for correlations over LONG_TIMESPAN or more."""
    span = timespan_seconds(rule)
    return LONG_INTERVAL_MINUTES if span and span >= LONG_TIMESPAN_SECONDS else INTERVAL_MINUTES


def cron_minutes(rule: AnyRule) -> str:
    """Minutes of the hour the rule runs at: every interval, offset by a hash of its id."""
    key = str(rule.id) if rule.id else str(rule.title)
    interval = interval_minutes(rule)
    offset = int(hashlib.sha256(key.encode()).hexdigest()[:8], 16) % interval
    return ",".join(str(m) for m in range(offset, 60, interval))


def max_backfill_intervals(rule: AnyRule) -> int:
    """Runs of the rule in ``LATENESS_BOUND_DAYS`` (``durable.max_backfill_intervals``)."""
    return LATENESS_BOUND_DAYS * 24 * 60 // interval_minutes(rule)


def schedule(rule: AnyRule, group_fields: Sequence[str]) -> dict[str, str]:
    """Schedule, windows, durability and throttling of one stanza (module docstring)."""
    span = timespan_seconds(rule)
    interval = interval_minutes(rule)
    settings = {
        "cron_schedule": f"{cron_minutes(rule)} * * * *",
        "durable.max_backfill_intervals": str(max_backfill_intervals(rule)),
    }
    if span is None:
        lag = INDEX_LAG_MINUTES
        settings.update(
            {
                "dispatch.index_earliest": f"-{lag + interval}m@m",
                "dispatch.index_latest": f"-{lag}m@m",
                "dispatch.earliest_time": f"-{LATENESS_BOUND_DAYS}d@m",
                "dispatch.latest_time": CLOCK_SKEW_ALLOWANCE,
                "durable.track_time_type": "_indextime",
                "durable.backfill_type": "auto",
                "durable.lag_time": str(DURABLE_LAG_SECONDS),
                "alert.digest_mode": "1",
                "alert.suppress": "0",
            }
        )
        return settings
    latest = DELIVERY_DELAY_MINUTES
    settings.update(
        {
            "dispatch.earliest_time": f"-{latest + interval + _minutes(span)}m@m",
            "dispatch.latest_time": f"-{latest}m@m",
            "durable.track_time_type": "_time",
            "durable.backfill_type": "time_interval",
            "alert.suppress": "1",
            "alert.suppress.period": f"{_minutes(span) + interval}m",
        }
    )
    if group_fields:
        settings["alert.digest_mode"] = "0"
        settings["alert.suppress.fields"] = ",".join(group_fields)
    else:
        settings["alert.digest_mode"] = "1"
    return settings


def attack_ids(rule: AnyRule) -> list[str]:
    """ATT&CK technique ids of the rule's ``attack.tNNNN`` tags (upper case, sorted)."""
    ids = {
        tag.name.upper()
        for tag in rule.tags
        if tag.namespace == "attack" and re.fullmatch(r"[tT]\d{4}(\.\d{3})?", tag.name)
    }
    return sorted(ids)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def risk_object(rule: AnyRule, group_fields: Sequence[str]) -> tuple[str, str]:
    """(field, ES risk object type) naming the principal a finding is about."""
    candidates = list(group_fields) if group_fields else ["userIdentity.arn"]
    for name in candidates:
        if name.startswith("userIdentity.") or name in ("principal", "role"):
            return name, "user"
    name = candidates[0]
    return name, "system" if name == "sourceIPAddress" else "other"


def es_actions(
    rule: AnyRule,
    group_fields: Sequence[str],
    actions: ActionOptions,
    macro: str = SOURCE_MACRO,
    aliases: Sequence[str] = (),
) -> dict[str, str]:
    """ES correlation-search, notable and risk settings (empty when both are off)."""
    if not (actions.notable or actions.risk):
        return {}
    level = level_of(rule)
    field, kind = risk_object(rule, group_fields)
    settings = {
        "action.correlationsearch.enabled": "1",
        "action.correlationsearch.label": stanza_name(rule),
    }
    if actions.notable:
        # Drill down to the rule's events: by eventID (one event), or by the group-by
        # fields that are CloudTrail fields (an alias is not a field of the raw events).
        raw = [name for name in group_fields if name not in aliases]
        tokens = " ".join(f'{name}="${name}$"' for name in raw) if group_fields else ""
        drilldown = f"`{macro}` " + (tokens if group_fields else 'eventID="$eventID$"')
        settings.update(
            {
                "action.notable": "1",
                "action.notable.param.rule_title": str(rule.title)
                + (f" (${field}$)" if field else ""),
                "action.notable.param.rule_description": _one_line(
                    rule.description or str(rule.title)
                ),
                "action.notable.param.security_domain": "threat",
                "action.notable.param.severity": level,
                "action.notable.param.drilldown_name": f"CloudTrail events of ${field}$",
                "action.notable.param.drilldown_search": drilldown.strip(),
                "action.notable.param.drilldown_earliest_offset": "$info_min_time$",
                "action.notable.param.drilldown_latest_offset": "$info_max_time$",
            }
        )
    if actions.risk:
        risk = [
            {"risk_object_field": field, "risk_object_type": kind, "risk_score": RISK_SCORE[level]}
        ]
        settings.update(
            {
                "action.risk": "1",
                "action.risk.param._risk": json.dumps(risk),
                "action.risk.param._risk_message": f"{rule.title}: ${field}$",
                "action.risk.param._risk_score": "0",
                "action.risk.param.verbose": "0",
            }
        )
    return settings


def stanza_settings(
    rule: AnyRule,
    search: str,
    group_fields: Sequence[str],
    actions: ActionOptions,
    macro: str = SOURCE_MACRO,
    aliases: Sequence[str] = (),
) -> dict[str, str]:
    """Every setting of the rule's stanza, ``search`` included (keys in ``SPEC_KEYS``)."""
    description = _one_line(rule.description or str(rule.title))
    if rule.id:
        description += f" (Sigma rule {rule.id})"
    settings: dict[str, str] = {
        "action.correlationsearch.annotations": json.dumps({"mitre_attack": attack_ids(rule)}),
        "alert.severity": str(ALERT_SEVERITY.get(level_of(rule), 4)),
        "alert.track": "1",
        "counttype": "number of events",
        "description": description,
        "disabled": "1",
        "enableSched": "1",
        "quantity": "0",
        "relation": "greater than",
        # The app has no views ([ui] is_visible = false): "View results" opens in Search.
        "request.ui_dispatch_app": "search",
        "search": search,
    }
    settings.update(schedule(rule, group_fields))
    settings.update(es_actions(rule, group_fields, actions, macro, aliases))
    return dict(sorted(settings.items()))


def render_stanza(name: str, settings: Mapping[str, Any]) -> str:
    """``[name]`` and ``key = value`` lines; a multi-line value continues with `` \\``."""
    lines = [f"[{name}]"]
    for key, value in settings.items():
        lines.append(f"{key} = " + " \\\n".join(str(value).split("\n")))
    return "\n".join(lines) + "\n"


def key_problems(settings: Mapping[str, str]) -> list[str]:
    """Keys outside ``SPEC_KEYS`` or not of the spec's ``action.<name>[.<param>]`` shape."""
    problems = []
    for key in settings:
        if key not in SPEC_KEYS:
            problems.append(f"{key}: not a savedsearches.conf.spec key sigmaq knows")
        elif key.startswith("action.") and not _ACTION_SHAPE.match(key):
            problems.append(f"{key}: not of the shape action.<name>[.<param>]")
    return problems
