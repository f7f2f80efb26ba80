"""A wheel (``pip install .``) ships the rule pack, and sigmaq finds it outside a checkout.

The wheel is built offline from a copy of the source (``pip wheel --no-deps
--no-build-isolation --no-index``, with the setuptools of this environment: the test
extra's ``setuptools>=77``), then unpacked and run from a folder outside any project, as
after ``pip install .``. About 10 s.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from sigmaq.core.loader import load_rules
from sigmaq.hunt.rules import replayable_rules

ROOT = Path(__file__).resolve().parents[2]
SOURCE_FILES = ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md", "sigmaq.yml")
SOURCE_FOLDERS = ("sigmaq", "sigma", "rules", "fixtures")
PACK = "sigmaq/_pack/"


def _backend_missing() -> str | None:
    """Why the wheel cannot be built offline here, or None."""
    try:
        import setuptools
    except ImportError:
        return "setuptools (the build backend, test extra) is not installed"
    major = int(setuptools.__version__.split(".")[0])
    if major < 77:
        return f"setuptools {setuptools.__version__} < 77 cannot build pyproject's license field"
    return None


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    reason = _backend_missing()
    if reason:
        pytest.skip(reason)
    work = tmp_path_factory.mktemp("wheel")
    source = work / "src"
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", ".*")
    for name in SOURCE_FOLDERS:
        shutil.copytree(ROOT / name, source / name, ignore=ignore)
    for name in SOURCE_FILES:
        if (ROOT / name).is_file():
            shutil.copy2(ROOT / name, source / name)
    out = work / "out"
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation"]
    done = subprocess.run(
        [*command, "--no-index", "-q", "-w", str(out), str(source)],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    (built,) = out.glob("sigmaq-*.whl")
    return built


def _digests(folder: Path) -> dict[str, str]:
    return {
        path.relative_to(folder.parent).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts
    }


def test_the_wheel_carries_every_rule_and_fixture(wheel: Path) -> None:
    expected = {**_digests(ROOT / "rules"), **_digests(ROOT / "fixtures")}
    expected["sigmaq.yml"] = hashlib.sha256((ROOT / "sigmaq.yml").read_bytes()).hexdigest()
    with zipfile.ZipFile(wheel) as archive:
        shipped = {
            name[len(PACK) :]: hashlib.sha256(archive.read(name)).hexdigest()
            for name in archive.namelist()
            if name.startswith(PACK) and not name.endswith("/")
        }
    assert sorted(shipped) == sorted(expected)
    assert shipped == expected


def test_a_wheel_install_hunts_with_the_bundled_rules(wheel: Path, tmp_path: Path) -> None:
    """Outside any project, `sigmaq hunt` of a wheel install runs the shipped pack (it
    found no rules before: the wheel had none and the package has no checkout beside it)."""
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(site)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    evidence = next((ROOT / "fixtures" / "q_business").glob("*/pos_*.json"))
    env = {"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    hunted = subprocess.run(
        [sys.executable, "-m", "sigmaq", "hunt", "--no-validate", "-j", "1", str(evidence)],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert hunted.returncode == 0, hunted.stderr[-3000:]
    runnable, _ = replayable_rules([r.rule for r in load_rules([ROOT / "rules"]).rules])
    found = re.search(r"^rules (\d+); files 1 \(0 unreadable", hunted.stderr, re.MULTILINE)
    assert found is not None, hunted.stderr[-3000:]
    assert int(found.group(1)) == len(runnable)
    where = subprocess.run(
        [sys.executable, "-c", "import sigmaq.core.layout as l; print(l.bundled_pack_root())"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert where.stdout.strip() == str(site / "sigmaq" / "_pack")
