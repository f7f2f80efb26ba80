"""How often exported rules run and how far back they read.

A correlation's search must read at least its ``timespan`` (Sigma correlation
specification, "timespan"), plus the CloudTrail delivery delay: CloudTrail
delivers log files typically within about 5 minutes of the call and makes no
promise beyond that (CloudTrail user guide, "How CloudTrail works"; records are
not ordered within or across files). Single-event rules read each event once,
when it is indexed, so late deliveries are neither missed nor alerted twice.

Splunk settings are ``savedsearches.conf`` keys (Splunk admin manual,
savedsearches.conf.spec: ``dispatch.earliest_time``, ``dispatch.index_earliest``,
``alert.suppress.*``); Kibana values are the detection rule's ``interval`` and
``from`` (Kibana detection rules API: rule schedule and additional look-back).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sigma.correlations import SigmaCorrelationRule

# Saved searches run every 10 minutes; Kibana rules every 5 (its default).
SPLUNK_CRON = "*/10 * * * *"
SPLUNK_INTERVAL_SECONDS = 600
KIBANA_INTERVAL_SECONDS = 300
# Extra look-back for events CloudTrail delivers late (seconds).
DELIVERY_SLACK_SECONDS = 1200
# Single-event Splunk searches: event-time bound of the index-time window.
SPLUNK_SINGLE_EVENT_EARLIEST = "-24h@m"


@dataclass(frozen=True)
class KibanaSchedule:
    """``interval`` and ``from`` of a Kibana detection rule."""

    interval: str
    lookback: str


def correlation_span(rule: Any) -> int | None:
    """A correlation rule's timespan in whole seconds, None for other rules."""
    if isinstance(rule, SigmaCorrelationRule) and rule.timespan is not None:
        return int(rule.timespan.seconds)
    return None


def _seconds(value: int) -> str:
    return f"{value // 60}m" if value % 60 == 0 else f"{value}s"


def splunk_schedule(rule: Any, group_fields: list[str]) -> dict[str, str]:
    """``savedsearches.conf`` schedule and window settings for one stanza.

    Single-event rules: every 10 minutes, events indexed in the last complete 10
    minutes (``dispatch.index_earliest = -10m@m``, ``dispatch.index_latest = @m``)
    within a 24 h event-time bound: each event is searched exactly once.
    Correlations (``bin _time span=<timespan>`` buckets): every 10 minutes over
    ``2 x timespan + 20 min`` of event time, so the latest complete bucket and late
    deliveries are read; alerts are suppressed per ``group_fields`` (the Splunk names of
    the group-by fields) for as long as a bucket stays in that window.
    """
    span = correlation_span(rule)
    if span is None:
        return {
            "cron_schedule": SPLUNK_CRON,
            "dispatch.earliest_time": SPLUNK_SINGLE_EVENT_EARLIEST,
            "dispatch.latest_time": "now",
            "dispatch.index_earliest": "-10m@m",
            "dispatch.index_latest": "@m",
            "alert.suppress": "0",
        }
    lookback = 2 * span + DELIVERY_SLACK_SECONDS
    settings = {
        "cron_schedule": SPLUNK_CRON,
        "dispatch.earliest_time": f"-{_seconds(lookback)}",
        "dispatch.latest_time": "now",
        "alert.suppress": "1",
        "alert.suppress.period": _seconds(lookback),
    }
    if group_fields:
        settings["alert.suppress.fields"] = ",".join(group_fields)
    return settings


def kibana_schedule(rule: Any) -> KibanaSchedule:
    """Kibana ``interval``/``from``: every 5 minutes; single-event rules look back 6
    minutes (Kibana's default 1 minute overlap), correlations ``timespan + 5 min``
    so a complete window is always read."""
    span = correlation_span(rule)
    lookback = 360 if span is None else span + KIBANA_INTERVAL_SECONDS
    return KibanaSchedule(_seconds(KIBANA_INTERVAL_SECONDS), _seconds(lookback))
