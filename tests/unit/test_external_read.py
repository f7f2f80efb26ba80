"""Reading and hunting real third-party CloudTrail data (``../shared/data/external``).

Each folder must be read to the end with exact counts (numbers from external-data.md
and from the files themselves), and a hunt with the pack's rules must finish with
counters that add up. Skipped when the shared folder is absent.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from sigmaq.core.loader import load_rules
from sigmaq.hunt.runner import HuntOptions, hunt
from sigmaq.replay.readers import ReadStats, iter_records

REPO = Path(__file__).resolve().parents[2]
EXTERNAL = REPO.parent / "shared" / "data" / "external"
ELASTIC = EXTERNAL / "elastic-integrations-aws-cloudtrail" / "pipeline-tests"

pytestmark = pytest.mark.external

# name -> (paths, records read, digests skipped, malformed, empty files)
SOURCES: dict[str, tuple[list[Path], int, int, int, int]] = {
    "invictus": ([EXTERNAL / "invictus-ir-aws_dataset" / "CloudTrail"], 2900, 0, 0, 0),
    "stratus": ([EXTERNAL / "stratus-red-team" / "detonation-logs"], 310, 0, 0, 0),
    # 563 records in 584 files; 21 files are an empty array
    "traildiscover": ([EXTERNAL / "traildiscover" / "logExamples"], 563, 0, 0, 21),
    # Panther test cases wrap the record under "log" with test metadata: not a CloudTrail
    # shape, so every line is reported (with its line number), none is silently dropped.
    "panther": ([EXTERNAL / "panther-analysis" / "cloudtrail_test_events.ndjson"], 0, 0, 461, 0),
    # 7 NDJSON .log inputs: 8 records and 1 digest file (two files lack a final newline)
    "elastic": (sorted(ELASTIC.glob("*.log")) if ELASTIC.is_dir() else [], 8, 1, 0, 0),
}


def _require_external() -> None:
    if not EXTERNAL.is_dir():
        pytest.skip(f"external data not found at {EXTERNAL} (shared folder absent)")


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_external_folder_is_read_with_exact_counts(name: str) -> None:
    _require_external()
    paths, read, digests, malformed, empty = SOURCES[name]
    stats = ReadStats()
    records = list(iter_records(paths, stats))
    assert len(records) == stats.records_read == read
    assert stats.skipped_digest == digests
    assert stats.malformed == malformed
    assert stats.empty_files == empty
    assert stats.unreadable_files == 0
    assert stats.records_seen == stats.records_read + stats.skipped + stats.malformed
    assert all(ref.event_time is not None for _, ref in records)
    assert len({(ref.source, ref.position) for _, ref in records}) == read


def test_hunting_every_external_folder_with_the_pack_finishes() -> None:
    _require_external()
    loaded = load_rules([REPO / "rules"])
    if not loaded.rules:
        pytest.skip("the pack has no loadable rules yet")
    paths = [p for entry in SOURCES.values() for p in entry[0]]
    result = hunt(paths, [r.rule for r in loaded.rules], HuntOptions())
    stats = result.stats
    assert stats.records_read == sum(entry[1] for entry in SOURCES.values())
    assert stats.records_seen == stats.records_read + stats.skipped + stats.malformed
    assert result.events_evaluated == stats.records_read
    assert stats.files == 55 + 35 + 584 + 1 + len(SOURCES["elastic"][0])
    for item in result.findings:
        assert item.finding.events, item.finding.rule_id
