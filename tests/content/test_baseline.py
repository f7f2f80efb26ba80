"""The benign baseline day (``fixtures/_baseline``) and what the pack does on it.

* it holds at least 300 records covering every Amazon Q surface (the files are plain
  data: edit them by hand, then `sigmaq validate` checks them like any fixture), among
  them the benign days in ``HAND_WRITTEN`` (a Q Business roll-out by its usual
  administrator; a CI role's ``terraform destroy`` of a dev stack next to Auto Scaling
  and CloudFormation deletions);
* no rule above ``informational`` matches it, except the reviewed matches listed in
  ``fixtures/_baseline/known_matches.yml``; a listed match that no longer happens is
  stale and fails too.

Every rule is replayed with ``emit_all=True``: base rules that a correlation silences
(``generate: false``) are checked on their own as well.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from sigmaq.core.loader import LoadedRule, load_rules
from sigmaq.core.model import Level

ROOT = Path(__file__).resolve().parents[2]
BASELINE = ROOT / "fixtures" / "_baseline"
KNOWN = BASELINE / "known_matches.yml"
MIN_RECORDS = 300
HAND_WRITTEN = frozenset({"q_business_rollout.json", "infrastructure_teardown.json"})


def _records() -> Iterator[dict[str, Any]]:
    for path in sorted(BASELINE.glob("*.json")):
        yield from json.loads(path.read_text(encoding="utf-8"))["Records"]


def test_baseline_size() -> None:
    records = list(_records())
    assert len(records) >= MIN_RECORDS, len(records)
    sources = {r["eventSource"] for r in records}
    # every Amazon Q surface the baseline claims to cover is there
    assert {
        "q.amazonaws.com",
        "qbusiness.amazonaws.com",
        "qapps.amazonaws.com",
        "codewhisperer.amazonaws.com",
        "iam.amazonaws.com",
        "sts.amazonaws.com",
    } <= sources
    assert any(r["userIdentity"].get("invokedBy") == "q.amazonaws.com" for r in records)
    assert any("exec-env/AmazonQ-For-CLI-Version-" in r["userAgent"] for r in records)
    assert any((r.get("requestParameters") or {}).get("dryRun") is True for r in records)


def test_hand_written_days_are_in_the_baseline() -> None:
    """The benign days the issue-14 review asked for stay in the replayed folder."""
    on_disk = {p.name for p in BASELINE.glob("*.json")}
    assert on_disk >= HAND_WRITTEN, sorted(HAND_WRITTEN - on_disk)


def test_baseline_cli_calls_are_read_only() -> None:
    """The Q CLI agent only reads on a benign day (AQ-23 watches its writes)."""
    writes = [
        r["eventID"]
        for r in _records()
        if "exec-env/AmazonQ-For-" in r["userAgent"] and r.get("readOnly") is not True
    ]
    assert writes == []


# --------------------------------------------------------------------------- replay


@dataclass(frozen=True)
class KnownMatch:
    rule_id: str
    event_id: str
    reason: str


def _known() -> list[KnownMatch]:
    data = yaml.safe_load(KNOWN.read_text(encoding="utf-8")) or []
    assert isinstance(data, list), f"{KNOWN.name} must be a list"
    out = []
    for entry in data:
        assert isinstance(entry, dict) and {"rule_id", "event_id", "reason"} <= entry.keys(), entry
        assert str(entry["reason"]).strip(), f"empty reason: {entry}"
        out.append(KnownMatch(str(entry["rule_id"]), str(entry["event_id"]), str(entry["reason"])))
    return out


def _pack() -> list[LoadedRule]:
    return load_rules([ROOT / "rules"]).rules if (ROOT / "rules").is_dir() else []


@pytest.fixture(scope="module")
def baseline_matches() -> dict[str, set[str]]:
    """rule id -> eventIDs of the baseline records in its findings."""
    from sigmaq.replay.engine import ReplayEngine
    from sigmaq.replay.readers import ReadStats, iter_records

    engine = ReplayEngine([loaded.rule for loaded in _pack()], emit_all=True)
    stats = ReadStats()
    findings = []
    for record, ref in iter_records(sorted(BASELINE.glob("*.json")), stats):
        findings.extend(engine.feed(record, ref))
    findings.extend(engine.finish())
    assert stats.malformed == 0 and stats.unreadable_files == 0, stats.problems[:5]
    assert stats.records_read >= MIN_RECORDS
    out: dict[str, set[str]] = {}
    for finding in findings:
        ids = {ref.event_id for ref in finding.events if ref.event_id is not None}
        out.setdefault(finding.rule_id, set()).update(ids)
    return out


def _alerting_rules() -> list[LoadedRule]:
    try:
        pack = _pack()
    except Exception:  # loader problems are reported by the loader's own tests
        return []
    return [r for r in pack if (Level.parse(r.rule.level) or Level.INFORMATIONAL).rank > 0]


ALERTING = _alerting_rules()


def test_known_matches_file_is_well_formed() -> None:
    known = _known()
    assert len({(k.rule_id, k.event_id) for k in known}) == len(known), "duplicate entries"


@pytest.mark.parametrize("loaded", ALERTING, ids=lambda r: r.path.stem)
def test_rule_is_quiet_on_baseline(
    loaded: LoadedRule, baseline_matches: dict[str, set[str]]
) -> None:
    matched = baseline_matches.get(loaded.rule_id, set())
    allowed = {k.event_id for k in _known() if k.rule_id == loaded.rule_id}
    unexpected = sorted(matched - allowed)
    assert not unexpected, (
        f"{loaded.path.name} ({loaded.rule.level}) matched {len(unexpected)} benign baseline "
        f"events: {unexpected[:10]}"
    )


def test_known_matches_still_happen(baseline_matches: dict[str, set[str]]) -> None:
    # ``event_id: "*"`` reviews every match of a non-alerting rule: stale once it matches nothing.
    stale = [
        k
        for k in _known()
        if (k.event_id == "*" and not baseline_matches.get(k.rule_id))
        or (k.event_id != "*" and k.event_id not in baseline_matches.get(k.rule_id, set()))
    ]
    assert not stale, f"known_matches.yml entries that no longer match: {stale}"


def test_wildcard_entries_only_for_non_alerting_rules() -> None:
    alerting = {loaded.rule_id for loaded in ALERTING}
    wildcards = [k for k in _known() if k.event_id == "*"]
    assert wildcards, "the reviewed informational matches are listed"
    assert not [k for k in wildcards if k.rule_id in alerting]
