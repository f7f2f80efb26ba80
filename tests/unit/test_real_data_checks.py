"""The real-data checks of ``sigmaq.pack.real_data`` on hand-made runs (no public data):
each kind of problem is raised when it should be and only then."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import yaml

from sigmaq.core.model import EventRef
from sigmaq.pack.real_data import (
    JUDGEMENTS_FILE,
    HuntHit,
    Match,
    Run,
    hunt_problems,
    real_data_problems,
    record_key,
    summary,
)


def _match(level: str = "medium", events: tuple[str, ...] = ("e-1",), q: bool = True) -> Match:
    return Match(
        rule="aws_cloudtrail_x",
        event_id=events[0],
        source="src/file.json",
        events=events,
        component="q_business",
        level=level,
        q_related=q,
        correlation=len(events) > 1,
    )


def _root(tmp_path: Path, run: Run, matches: list[dict[str, object]]) -> Path:
    path = tmp_path / JUDGEMENTS_FILE
    path.parent.mkdir(parents=True)
    path.write_text(yaml.safe_dump({"summary": summary(run), "matches": matches}), "utf-8")
    return tmp_path


def _kinds(root: Path, run: Run) -> Counter[str]:
    # a hand-made run read no data: its read and schema problems are not looked at here
    return Counter(
        p.kind for p in real_data_problems(root, run) if p.kind not in ("read", "schema")
    )


def _entry(judgement: str, events: list[str] | None = None) -> dict[str, object]:
    return {
        "rule": "aws_cloudtrail_x",
        "event_id": "e-1",
        "source": "src/file.json",
        "events": events or ["e-1"],
        "judgement": judgement,
    }


def test_medium_match_judged_true_positive_is_clean(tmp_path: Path) -> None:
    run = Run(matches={("aws_cloudtrail_x", "e-1"): _match()})
    root = _root(tmp_path, run, [_entry("true positive: the lab's StopLogging")])
    assert _kinds(root, run) == Counter()


def test_medium_match_not_judged_true_positive(tmp_path: Path) -> None:
    run = Run(matches={("aws_cloudtrail_x", "e-1"): _match()})
    root = _root(tmp_path, run, [_entry("acceptable: a console deletion")])
    assert _kinds(root, run) == Counter({"not-true-positive": 1})


def test_low_match_may_be_acceptable(tmp_path: Path) -> None:
    run = Run(matches={("aws_cloudtrail_x", "e-1"): _match(level="low")})
    root = _root(tmp_path, run, [_entry("acceptable: a console deletion")])
    assert _kinds(root, run) == Counter()


def test_todo_and_other_records_are_unjudged(tmp_path: Path) -> None:
    run = Run(matches={("aws_cloudtrail_x", "e-1"): _match(events=("e-1", "e-2"))})
    assert _kinds(_root(tmp_path / "a", run, [_entry("TODO")]), run) == Counter({"unjudged": 1})
    root = _root(tmp_path / "b", run, [_entry("true positive: x", ["e-1", "e-3"])])
    assert _kinds(root, run) == Counter({"unjudged": 1})


def test_q_rule_on_unrelated_record_and_stale_judgement(tmp_path: Path) -> None:
    run = Run(matches={("aws_cloudtrail_x", "e-1"): _match(q=False)})
    root = _root(tmp_path, run, [_entry("true positive: x")])
    assert _kinds(root, run) == Counter({"q-only": 1})
    quiet = Run()
    stale = _root(tmp_path / "stale", quiet, [_entry("true positive: x")])
    assert _kinds(stale, quiet) == Counter({"stale-judgement": 1})


def test_acceptance_hunt_findings_need_a_true_positive_naming_a_record(tmp_path: Path) -> None:
    run = Run(matches={("aws_cloudtrail_x", "e-1"): _match(events=("e-1", "line-7"))})
    root = _root(tmp_path, run, [_entry("true positive: x", ["e-1", "line-7"])])
    judged_by_line = HuntHit("aws_cloudtrail_x", "1", 7, "records.ndjson")
    judged_by_id = HuntHit("aws_cloudtrail_x", "e-1", 3, "file.json")
    other_rule = HuntHit("aws_cloudtrail_y", "e-1", 3, "file.json")
    unknown = HuntHit("aws_cloudtrail_x", "e-9", 4, "file.json")
    problems = hunt_problems(root, "data", [judged_by_line, judged_by_id, other_rule, unknown])
    assert [p.kind for p in problems] == ["hunt", "hunt"]
    assert "aws_cloudtrail_y" in problems[0].message and "e-9" in problems[1].message
    run.hunt = {"data": [unknown]}
    assert _kinds(root, run) == Counter({"hunt": 1})


def test_records_are_named_by_unique_event_id_else_by_place() -> None:
    counts = {("a.ndjson", "1"): 2, ("b.json", "x"): 1, ("c.json", "y"): 3}
    assert record_key(EventRef("a.ndjson", 12, "1", None), counts) == "line-12"
    assert record_key(EventRef("b.json", 4, "x", None), counts) == "x"
    assert record_key(EventRef("c.json", 5, "y", None), counts) == "record-5"
    assert record_key(EventRef("c.json", 6, None, None), counts) == "record-6"
