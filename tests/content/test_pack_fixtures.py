"""Every rule of the pack against its own fixtures (what ``sigmaq test`` checks), one test each.

Parametrized over whatever ``rules/`` holds, so a broken rule or fixture names itself;
skipped when ``rules/`` holds no rule yet. The baseline half is in test_baseline.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sigmaq.core.layout import ProjectLayout
from sigmaq.core.loader import LoadedRule, LoadResult, load_rules
from sigmaq.core.model import WindowMode
from sigmaq.replay.engine import ReplayEngine
from sigmaq.testing.runner import replay_fixture, subject_rules

ROOT = Path(__file__).resolve().parents[2]
LAYOUT = ProjectLayout(ROOT)


def _load() -> LoadResult:
    rules_dir = LAYOUT.rules_dir
    if not rules_dir.is_dir() or not any(rules_dir.rglob("*.yml")):
        return LoadResult()
    return load_rules([rules_dir])


RESULT = _load()
SUBJECTS: list[LoadedRule] = [
    loaded for _, rules in sorted(RESULT.by_path().items()) for loaded in subject_rules(rules)
]
EMPTY = pytest.param(None, marks=pytest.mark.skip(reason="rules/ holds no rule yet"))


def _rule_params() -> list[Any]:
    if not SUBJECTS:
        return [EMPTY]
    return [pytest.param(loaded, id=loaded.path.stem) for loaded in SUBJECTS]


def _fixture_params() -> list[Any]:
    params: list[Any] = []
    for loaded in SUBJECTS:
        try:
            positives, negatives = LAYOUT.fixtures_for(loaded.path)
        except ValueError:
            continue  # reported by test_rule_has_positive_and_negative_fixtures
        for fixture, expect in [(p, True) for p in positives] + [(n, False) for n in negatives]:
            params.append(
                pytest.param(loaded, fixture, expect, id=f"{loaded.path.stem}/{fixture.name}")
            )
    return params or [pytest.param(None, None, None, marks=EMPTY.marks)]


def _file_params() -> list[Any]:
    if not RESULT.files:
        return [EMPTY]
    return [pytest.param(path, id=path.stem) for path in RESULT.files]


@pytest.mark.parametrize("path", _file_params())
def test_rule_file_loads(path: Path) -> None:
    errors = [str(error) for error in RESULT.errors if error.path == path]
    assert errors == []


@pytest.mark.parametrize("loaded", _rule_params())
def test_rule_compiles_for_replay(loaded: LoadedRule) -> None:
    engine = ReplayEngine([loaded.rule])
    assert engine.slots or engine.correlations


@pytest.mark.parametrize("loaded", _rule_params())
def test_rule_has_positive_and_negative_fixtures(loaded: LoadedRule) -> None:
    positives, negatives = LAYOUT.fixtures_for(loaded.path)
    folder = LAYOUT.fixture_dir_for(loaded.path).relative_to(ROOT)
    assert positives, f"no pos_*.json fixture in {folder}"
    assert negatives, f"no neg_*.json fixture in {folder}"


@pytest.mark.parametrize(("loaded", "fixture", "expect_match"), _fixture_params())
def test_fixture(loaded: LoadedRule, fixture: Path, expect_match: bool) -> None:
    result = replay_fixture(loaded, fixture, expect_match=expect_match, window=WindowMode.SLIDING)
    assert result.problems == ()
    assert result.records > 0
    assert result.passed, result.message
