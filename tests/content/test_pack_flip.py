"""``sigmaq test`` on a temporary copy of the real pack: exit 0 as shipped, exit 1 once a
fixture's expectation is flipped (issue "Replay engine", checked-by)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from sigmaq.cli import main

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(
    not any((ROOT / "rules").rglob("*.yml")), reason="rules/ holds no rule yet"
)


def test_flipped_fixture_fails_the_pack(tmp_path: Path) -> None:
    for folder in ("rules", "fixtures"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    shutil.copy(ROOT / "sigmaq.yml", tmp_path / "sigmaq.yml")
    cwd = Path.cwd()
    os.chdir(tmp_path)
    try:
        assert CliRunner().invoke(main, ["test"]).exit_code == 0
        positive = sorted((tmp_path / "fixtures").glob("q_business/*/pos_*.json"))[0]
        flipped = positive.with_name("neg_" + positive.name.removeprefix("pos_"))
        positive.rename(flipped)
        result = CliRunner().invoke(main, ["test", "--format", "json"])
    finally:
        os.chdir(cwd)
    assert result.exit_code == 1
    assert flipped.name in result.stdout
