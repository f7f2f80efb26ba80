"""Differential oracle on the pack itself: every single-event rule of rules/ against every
fixture record (fixtures and baseline), replay vs pySigma's SQLite backend.

A (rule, record) pair is compared when each field the rule reads is a scalar or absent
in the record (a list has no SQL column) and spelled with the rule's case (SQLite
column names ignore case); the documented semantic differences of
docs/replay-semantics.md do not arise on these records, so every compared pair agrees.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sigma.rule import SigmaRule
from sqlite_oracle import oracle_rows

from sigmaq.loader import load_rules
from sigmaq.replay import compile_rule, resolve
from sigmaq.replay.readers import ReadStats, iter_records

ROOT = Path(__file__).resolve().parents[2]
LOADED = load_rules([ROOT / "rules"]).rules if (ROOT / "rules").is_dir() else []
SINGLE = [loaded for loaded in LOADED if isinstance(loaded.rule, SigmaRule)]


def _fixture_records() -> list[dict[str, Any]]:
    stats = ReadStats()
    return [record for record, _ in iter_records([ROOT / "fixtures"], stats)]


@pytest.mark.skipif(not SINGLE, reason="rules/ holds no single-event rule yet")
def test_pack_rules_agree_with_sqlite_on_every_fixture_record() -> None:
    records = _fixture_records()
    selected, flats = oracle_rows([loaded.path for loaded in SINGLE], records)
    lower_keys = [{key.lower(): key for key in flat} for flat in flats]
    compared = matched = 0
    for loaded, oracle in zip(SINGLE, selected, strict=True):
        rule = compile_rule(loaded.rule)  # type: ignore[arg-type]
        fields = rule.fields or frozenset()
        eligible = {
            i
            for i, record in enumerate(records)
            if all(
                lower_keys[i].get(f.lower(), f) == f
                and len(resolve(record, f)) == (1 if f in flats[i] else 0)
                for f in fields
            )
        }
        ours = {i for i in eligible if rule.matches(records[i])}
        assert ours == oracle & eligible, loaded.path.name
        compared += len(eligible)
        matched += len(ours)
    # Nearly every pair is comparable and thousands match: not a vacuous check.
    assert len(records) > 1000 and compared > 20_000 and matched > 200, (compared, matched)
