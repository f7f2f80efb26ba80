"""Adding a rule as CONTRIBUTING.md says, in a temporary copy of the project (issue 11):
`sigmaq new`, hand-edited fixtures, `sigmaq update`, `sigmaq build`; then the pack tests
pass on that copy. No Python written, no other file touched by hand.

Also the other direction: before `sigmaq update` the build fails, naming the stages and
the fix. The pack tests run on the copy are those about the new rule and every
pack-level test (ids without a rule stem): the per-rule tests of the unchanged rules are
the main suite's.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from sigmaq.cli import main

ROOT = Path(__file__).resolve().parents[2]
COPIED = (
    "rules",
    "fixtures",
    "backends",
    "docs",
    "tests",
    "README.md",
    "sigmaq.yml",
    "pyproject.toml",
)
STEM = "aws_cloudtrail_q_business_chat_controls_configuration_removed"
FOLDER = Path("fixtures") / "q_business" / STEM
SHARED_DATA = ROOT.parent / "shared" / "data" / "external"

pytestmark = pytest.mark.slow


def _sigmaq(project: Path, *args: str) -> tuple[int, str]:
    cwd = Path.cwd()
    os.chdir(project)
    try:
        result = CliRunner().invoke(main, list(args))
    finally:
        os.chdir(cwd)
    return result.exit_code, result.output


def _hand_edit(project: Path) -> None:
    """What the author does in an editor: fill in the positive's request, make the first
    negative a near miss, keep the denied one, delete every sigmaqStub note. The files
    are saved with 4-space indentation, as an editor might."""
    folder = project / FOLDER
    for path in sorted(folder.glob("*.json")):
        record = json.loads(path.read_text(encoding="utf-8"))
        assert record.pop("sigmaqStub")
        if path.name.startswith("pos_"):
            record["requestParameters"]["applicationId"] = "a1b2c3d4-5678-90ab-cdef-EXAMPLEapp01"
        path.write_text(json.dumps(record, indent=4), encoding="utf-8")


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    copy = tmp_path_factory.mktemp("project")
    for name in COPIED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, copy / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, copy / name)
    return copy


def test_add_a_rule_then_build_and_pack_tests_pass(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # No real data until the final build (the copy's ../shared does not exist): the
    # failing build below is about validate, coverage and golden.
    monkeypatch.setenv("SIGMAQ_REAL_DATA", str(project / "no-real-data"))
    code, output = _sigmaq(
        project,
        "new",
        "Q Business Chat Controls Configuration Removed",
        "-c",
        "q_business",
        "--event-name",
        "DeleteChatControlsConfiguration",
        "--catalogue",
        "AQ-06",
        "--attack",
        "T1562.001",
        "--level",
        "high",
    )
    assert code == 0, output
    rule = project / "rules" / "q_business" / f"{STEM}.yml"
    assert rule.is_file()
    assert len(list((project / FOLDER).glob("pos_*.json"))) == 1
    assert len(list((project / FOLDER).glob("neg_*.json"))) == 2

    # Unedited stubs fail validation, each naming itself.
    code, output = _sigmaq(project, "validate")
    assert code == 1
    assert output.count("fixture_stub") == 3, output

    _hand_edit(project)
    # Before `sigmaq update`: the build fails and says what fixes it.
    code, output = _sigmaq(project, "build")
    assert code == 1
    for stage in ("validate", "coverage", "golden"):
        assert any(
            line.startswith(f"│ {stage}") and "FAILED" in line for line in output.splitlines()
        ), (stage, output)
    assert "sigmaq update" in output

    if SHARED_DATA.is_dir():
        monkeypatch.setenv("SIGMAQ_REAL_DATA", str(SHARED_DATA))
    code, output = _sigmaq(project, "update")
    assert code == 0, output
    assert f"backends/splunk/golden/{STEM}.spl" in output
    code, output = _sigmaq(project, "build")
    assert code == 0, output

    # Same truth in the pack tests, on the copy.
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    if SHARED_DATA.is_dir():
        env["SIGMAQ_REAL_DATA"] = str(SHARED_DATA)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-v",
            "-p",
            "no:cacheprovider",
            "tests/content",
            "-k",
            f"{STEM.removeprefix('aws_cloudtrail_')} or not aws_cloudtrail_",
            "--deselect",
            "tests/content/test_add_rule_end_to_end.py",
        ],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert " passed" in done.stdout and " failed" not in done.stdout
    # the new rule's own tests ran, not only the pack-level ones
    own = [
        line
        for line in done.stdout.splitlines()
        if STEM.removeprefix("aws_cloudtrail_") in line and "PASSED" in line
    ]
    assert len(own) >= 10, done.stdout[-3000:]
