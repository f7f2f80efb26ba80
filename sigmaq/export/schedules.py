"""How often exported rules run and how far back they read.

A correlation's search must read at least its ``timespan`` (Sigma correlation
specification, "timespan"), plus the CloudTrail delivery delay: CloudTrail
delivers log files typically within about 5 minutes of the call and makes no
promise beyond that (CloudTrail user guide, "How CloudTrail works"; records are
not ordered within or across files). Single-event rules read each event once,
when it is indexed, so late deliveries are neither missed nor alerted twice.

Kibana values are the detection rule's ``interval`` and ``from`` (Kibana detection
rules API: rule schedule and additional look-back). Splunk's schedules, windows and
throttling are in ``sigmaq.export.splunk.settings``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sigma.correlations import SigmaCorrelationRule

# Kibana rules run every 5 minutes (its default).
KIBANA_INTERVAL_SECONDS = 300
# Extra look-back for events CloudTrail delivers late (seconds).
DELIVERY_SLACK_SECONDS = 1200


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


def kibana_schedule(rule: Any) -> KibanaSchedule:
    """Kibana ``interval``/``from``: every 5 minutes; single-event rules look back 6
    minutes (Kibana's default 1 minute overlap), correlations ``timespan + 5 min``
    so a complete window is always read."""
    span = correlation_span(rule)
    lookback = 360 if span is None else span + KIBANA_INTERVAL_SECONDS
    return KibanaSchedule(_seconds(KIBANA_INTERVAL_SECONDS), _seconds(lookback))
