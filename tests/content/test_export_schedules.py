"""Exported rules read at least their correlation timespan, and Kibana rule ids never collide."""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

import pytest

from sigmaq.core.loader import load_rules
from sigmaq.export.dist import build_dist
from sigmaq.export.schedules import DELIVERY_SLACK_SECONDS, correlation_span

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "rules"
LOADED = load_rules([RULES]).rules if RULES.is_dir() else []
SPANS = {str(loaded.rule.title): correlation_span(loaded.rule) for loaded in LOADED}
CORRELATIONS = sorted(title for title, span in SPANS.items() if span is not None)

pytestmark = pytest.mark.skipif(not LOADED, reason="rules/ holds no rule yet")

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def _seconds(text: str) -> int:
    match = re.fullmatch(r"(?:now)?-?(\d+)([smhd])(?:@m)?", text)
    assert match, text
    return int(match.group(1)) * _UNITS[match.group(2)]


@lru_cache(maxsize=1)
def _dist(tmp: str) -> Path:
    build_dist([RULES], Path(tmp))
    return Path(tmp)


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _dist(str(tmp_path_factory.mktemp("dist")))


def _stanzas(dist: Path) -> dict[str, dict[str, str]]:
    """Stanzas of savedsearches.conf (.conf syntax: a trailing backslash continues a line)."""
    text = (dist / "splunk" / "savedsearches.conf").read_text(encoding="utf-8")
    stanzas: dict[str, dict[str, str]] = {}
    current: dict[str, str] = {}
    for line in text.replace("\\\n", " ").splitlines():
        if line.startswith("[") and line.endswith("]"):
            current = stanzas.setdefault(line[1:-1], {})
        elif " = " in line:
            key, _, value = line.partition(" = ")
            current[key.strip()] = value.strip()
    return stanzas


def _kibana_rules(dist: Path, target: str) -> list[dict[str, object]]:
    path = dist / target / "rules.ndjson"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


@pytest.mark.parametrize("title", CORRELATIONS)
def test_splunk_correlation_reads_its_timespan(dist: Path, title: str) -> None:
    stanza = _stanzas(dist).get(title)
    if stanza is None:
        pytest.skip(f"{title} is refused by the splunk target (listed by sigmaq build)")
    span = SPANS[title]
    assert span is not None
    assert _seconds(stanza["dispatch.earliest_time"]) >= span + DELIVERY_SLACK_SECONDS
    assert stanza["alert.suppress"] == "1"
    assert _seconds(stanza["alert.suppress.period"]) >= span


def test_splunk_single_event_rules_read_each_indexed_event_once(dist: Path) -> None:
    singles = {t: s for t, s in _stanzas(dist).items() if SPANS.get(t) is None and t != "default"}
    assert singles
    for title, stanza in singles.items():
        assert stanza["dispatch.index_earliest"] == "-10m@m", title
        assert stanza["dispatch.index_latest"] == "@m", title
        assert stanza["cron_schedule"] == "*/10 * * * *", title


def test_kibana_rules_look_back_at_least_their_window(dist: Path) -> None:
    # One file for the Elastic family. Single-event and EQL sequence rules read their
    # window plus a run interval; threshold and aggregating ES|QL rules count over
    # exactly their timespan, run every minute (sigmaq.export.elastic.schedule proves
    # each burst fires whatever the schedule phase).
    rules = _kibana_rules(dist, "elastic")
    assert rules, "no Kibana rules were written"
    assert not _kibana_rules(dist, "esql") and not _kibana_rules(dist, "eql")
    for rule in rules:
        span = SPANS.get(str(rule["name"])) or 0
        lookback = _seconds(str(rule["from"]))
        interval = _seconds("-" + str(rule["interval"]))
        aggregate = rule["type"] == "threshold" or "stats" in str(rule["query"])
        if aggregate:
            assert lookback == span and interval == 60, rule["name"]
        else:
            assert lookback >= span + interval, rule["name"]


def test_kibana_rule_ids_are_unique(dist: Path) -> None:
    ids = [rule["rule_id"] for rule in _kibana_rules(dist, "elastic")]
    assert ids and len(ids) == len(set(ids))
