"""The pack validates clean: one test per rule file, so a broken rule names itself."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pytest

from sigmaq.core.loader import iter_rule_files
from sigmaq.validate.runner import ValidationReport, validate_paths

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "rules"
RULE_FILES = iter_rule_files([RULES]) if RULES.is_dir() else []


@lru_cache(maxsize=1)
def pack_report() -> ValidationReport:
    return validate_paths([RULES], project_root=ROOT)


@pytest.mark.skipif(not RULE_FILES, reason="rules/ holds no rule yet")
@pytest.mark.parametrize("rule_file", RULE_FILES, ids=lambda p: p.stem)
def test_rule_has_no_validation_finding(rule_file: Path) -> None:
    findings = [f for f in pack_report().findings if f.path == str(rule_file)]
    assert findings == [], "\n".join(
        f"{f.path}:{f.line}: {f.severity}: {f.validator}: {f.message}" for f in findings
    )


@pytest.mark.skipif(not RULE_FILES, reason="rules/ holds no rule yet")
def test_every_rule_file_loaded() -> None:
    report = pack_report()
    assert report.files == len(RULE_FILES)
    assert report.rules == len(RULE_FILES), "one rule per file"
