"""``event_id: "*"`` in known_matches.yml reviews non-alerting rules only."""

from __future__ import annotations

import json
from pathlib import Path

from rulebuilder import write_rule

from sigmaq.core.layout import ProjectLayout
from sigmaq.core.loader import load_rules
from sigmaq.core.model import WindowMode
from sigmaq.testing.baseline import Verdict, evaluate_baseline

RECORD = {
    "eventVersion": "1.11",
    "eventTime": "2026-11-24T10:00:00Z",
    "eventSource": "qbusiness.amazonaws.com",
    "eventName": "CreateApplication",
    "eventID": "0c1f8d4e-2222-4a5b-9c3d-000000000001",
    "requestParameters": {"identityType": "ANONYMOUS"},
}


def test_wildcard_covers_informational_but_not_alerting_rules(tmp_path: Path) -> None:
    rules_dir = tmp_path / "rules" / "q_business"
    info = write_rule(rules_dir, level="informational")
    high = write_rule(rules_dir, title="Q Business Anonymous App Created Loudly", level="high")
    baseline = tmp_path / "fixtures" / "_baseline"
    baseline.mkdir(parents=True)
    (baseline / "day.json").write_text(json.dumps({"Records": [RECORD]}), encoding="utf-8")
    loaded = load_rules([rules_dir]).rules
    ids = {item.path: item.rule_id for item in loaded}
    (baseline / "known_matches.yml").write_text(
        "".join(
            f"- rule_id: {ids[path]}\n  event_id: '*'\n  reason: reviewed\n"
            for path in (info, high)
        ),
        encoding="utf-8",
    )
    report = evaluate_baseline(
        ProjectLayout(tmp_path),
        loaded,
        all_rules=[item.rule for item in loaded],
        window=WindowMode.SLIDING,
    )
    verdicts = {match.rule_id: match.verdict for match in report.matches}
    assert verdicts == {ids[info]: Verdict.KNOWN, ids[high]: Verdict.FAILURE}
    assert report.failed
