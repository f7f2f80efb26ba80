"""Kibana rules read at least their correlation timespan, and their ids never collide.

Splunk's schedules and windows: ``tests/content/test_splunk_app.py``.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

import pytest

from sigmaq.core.loader import load_rules
from sigmaq.export.dist import build_dist
from sigmaq.export.schedules import correlation_span

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "rules"
LOADED = load_rules([RULES]).rules if RULES.is_dir() else []
SPANS = {str(loaded.rule.title): correlation_span(loaded.rule) for loaded in LOADED}

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


def _kibana_rules(dist: Path, target: str) -> list[dict[str, object]]:
    path = dist / target / "rules.ndjson"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


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
