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
    evidence = next((ROOT / "fixtures" / "q_business").glob("*/pos_*.json"))
    hunted, _ = _run_installed(wheel, tmp_path, "hunt", "--no-validate", "-j", "1", str(evidence))
    assert hunted.returncode == 0, hunted.stderr[-3000:]
    site = tmp_path / "site"
    assert (
        f"using the rule pack installed with sigmaq ({site / 'sigmaq' / '_pack'})" in hunted.stderr
    )
    runnable, _ = replayable_rules([r.rule for r in load_rules([ROOT / "rules"]).rules])
    found = re.search(r"^rules (\d+); files 1 \(0 unreadable", hunted.stderr, re.MULTILINE)
    assert found is not None, hunted.stderr[-3000:]
    assert int(found.group(1)) == len(runnable)
    where, _ = _run_installed(
        wheel, tmp_path, "-c", "import sigmaq.core.layout as l; print(l.bundled_pack_root())"
    )
    assert where.stdout.strip() == str(site / "sigmaq" / "_pack")


def _run_installed(
    wheel: Path, tmp_path: Path, *args: str
) -> tuple[subprocess.CompletedProcess[str], Path]:
    """``python -m sigmaq ARGS`` (``python -c CODE`` for ``-c CODE``) of the unpacked wheel,
    from a folder outside any project."""
    site = tmp_path / "site"
    if not site.is_dir():
        with zipfile.ZipFile(wheel) as archive:
            archive.extractall(site)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir(exist_ok=True)
    env = {"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    command = (
        [sys.executable, *args] if args[0] == "-c" else [sys.executable, "-m", "sigmaq", *args]
    )
    done = subprocess.run(
        command,
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    return done, elsewhere


def test_a_wheel_install_converts_the_bundled_rules(wheel: Path, tmp_path: Path) -> None:
    """`sigmaq convert` outside a project converts the shipped pack, and says so (it
    stopped with "no PATHS given" before, so `pip install sigmaq` gave a SOC nothing)."""
    done, elsewhere = _run_installed(wheel, tmp_path, "convert", "-t", "splunk", "-o", "out.spl")
    assert done.returncode == 0, done.stderr[-3000:]
    assert "using the rule pack installed with sigmaq" in done.stderr
    searches = (elsewhere / "out.spl").read_text(encoding="utf-8")
    rules = load_rules([ROOT / "rules"]).rules
    assert f"{len(rules)} converted, 0 refused, 0 failed" in done.stderr
    reference = tmp_path / "checkout.spl"
    subprocess.run(
        [sys.executable, "-m", "sigmaq", "convert", "-t", "splunk", "-o", str(reference), "rules"],
        cwd=ROOT,
        capture_output=True,
        check=True,
        timeout=600,
    )
    assert searches == reference.read_text(encoding="utf-8")


def test_a_wheel_install_never_validates_the_bundled_pack_in_place_of_a_missing_one(
    wheel: Path, tmp_path: Path
) -> None:
    """A CI gate run where its rules are missing must fail, not check our pack and pass."""
    for command in ("validate", "test"):
        done, _ = _run_installed(wheel, tmp_path, command)
        assert done.returncode == 2, (command, done.stderr[-3000:])
        assert "no PATHS given" in done.stderr


def test_a_wheel_install_builds_the_bundled_pack_into_the_current_folder(
    wheel: Path, tmp_path: Path
) -> None:
    """`sigmaq build` outside a project builds the shipped pack into ./dist (it stopped
    with "no sigmaq project" before); the stages that need the checkout's README, docs/
    and backends/ skip, the others pass. About 35 s (the whole main job)."""
    done, elsewhere = _run_installed(wheel, tmp_path, "build")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert (elsewhere / "dist" / "splunk" / "sigmaq_amazon_q.tgz").is_file()
    assert (elsewhere / "dist" / "elastic" / "rules.ndjson").is_file()
    site_pack = tmp_path / "site" / "sigmaq" / "_pack"
    assert not (site_pack / "dist").exists()  # nothing written into the install
    table = done.stdout + done.stderr
    assert re.search(r"coverage\s*│\s*skipped", table), table[-3000:]
    assert re.search(r"validate\s*│\s*ok", table), table[-3000:]
    assert re.search(r"test\s*│\s*ok", table), table[-3000:]
