"""sigma-cli uses sigmaq's CloudTrail pipelines (pySigma plugin ``sigma.pipelines.sigmaq``).

``sigma convert -t splunk -p sigmaq_cloudtrail_splunk`` (pySigma's stock Splunk backend
with sigmaq's pipeline) must give the SPL ``sigmaq convert -t splunk`` gives (format
``default``) for every single-event rule sigmaq converts; correlations differ by design
(sigmaq's Splunk backend computes sliding windows, the stock one fixed buckets). With
sigmaq's backend plugin, ``-t sigmaq_splunk``, every rule is identical, correlations
included (each converted with the rules it references in one folder). Lucene
(``-t lucene -p sigmaq_cloudtrail_elastic``): every rule identical. ES|QL and EQL are
only required to convert: sigmaq's backends add documented fixes there (index pattern,
``coalesce`` for negations, ``==`` for booleans; ``sigmaq.export.backend_fixes``).

Plugin discovery reads the ``sigma.pipelines`` namespace from sys.path entries, as in an
installed wheel; with an editable install the folder is found through ``PYTHONPATH`` set to
the repository (README "sigma-cli"). sigma-cli runs in one subprocess for all rules.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sigmaq.core.loader import load_rules
from sigmaq.export.convert import convert_rules

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "rules"

pytest.importorskip("sigma.cli", reason="sigma-cli is in the test extra")

DRIVER = r"""
import json, sys
from click.testing import CliRunner
from sigma.cli.convert import convert
jobs = json.loads(sys.stdin.read())
out = {}
for key, args in jobs.items():
    result = CliRunner().invoke(convert, args)
    out[key] = [result.exit_code, result.output]
print(json.dumps(out))
"""


def _run_sigma_cli(jobs: dict[str, list[str]]) -> dict[str, tuple[int, str]]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", DRIVER],
        input=json.dumps(jobs),
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return {key: (value[0], value[1]) for key, value in json.loads(done.stdout).items()}


def _jobs(
    sigma_target: str, pipeline: str, target: str, folder: Path
) -> tuple[dict[str, list[str]], dict[str, str]]:
    """sigma-cli argument lists per converted rule, and sigmaq's text for each.

    Each rule gets its own folder under ``folder`` holding it and the rules it
    references: sigma-cli merges the collections of several input paths without
    resolving references across them, so a correlation needs one folder input.
    """
    import shutil

    result = convert_rules([RULES], target, "default")
    outputs = {str(o.path): o.outputs for o in result.outcomes if o.path is not None}
    loaded = {str(item.path): item for item in load_rules([RULES]).rules}
    jobs: dict[str, list[str]] = {}
    expected: dict[str, str] = {}
    for outcome in result.converted:
        if not outcome.outputs or outcome.path is None:
            continue
        rule = loaded[str(outcome.path)].rule
        bases = [
            str(reference.rule.source.path)
            for reference in getattr(rule, "rules", None) or []
            if reference.rule.source is not None
        ]
        key = outcome.path.stem
        here = folder / key
        here.mkdir()
        for path in [*bases, str(outcome.path)]:
            shutil.copy(path, here)
        jobs[key] = ["-t", sigma_target, "-p", pipeline, "-f", "default", str(here)]
        queries = [q for base in bases for q in outputs.get(base, ())] + list(outcome.outputs)
        expected[key] = "\n\n".join(str(item) for item in queries)
    return jobs, expected


@pytest.mark.parametrize(
    ("sigma_target", "pipeline", "target", "single_only"),
    [
        ("splunk", "sigmaq_cloudtrail_splunk", "splunk", True),
        ("sigmaq_splunk", "sigmaq_cloudtrail_splunk", "splunk", False),
        ("lucene", "sigmaq_cloudtrail_elastic", "elastic", False),
    ],
)
def test_sigma_cli_gives_sigmaq_queries(
    sigma_target: str, pipeline: str, target: str, single_only: bool, tmp_path: Path
) -> None:
    jobs, expected = _jobs(sigma_target, pipeline, target, tmp_path)
    if single_only:
        jobs = {k: v for k, v in jobs.items() if len(list(Path(v[-1]).iterdir())) == 1}
    assert len(jobs) > 30
    got = _run_sigma_cli(jobs)
    differing = {
        key: (got[key], expected[key])
        for key in jobs
        if got[key][0] != 0 or got[key][1].strip() != expected[key].strip()
    }
    assert not differing, list(differing.items())[:3]


def test_esql_and_eql_pipelines_convert_through_sigma_cli(tmp_path: Path) -> None:
    for sigma_target, pipeline, target in (
        ("esql", "sigmaq_cloudtrail_esql", "esql"),
        ("eql", "sigmaq_cloudtrail_eql", "eql"),
    ):
        (tmp_path / target).mkdir()
        jobs, _ = _jobs(sigma_target, pipeline, target, tmp_path / target)
        single = {k: v for k, v in jobs.items() if len(list(Path(v[-1]).iterdir())) == 1}
        got = _run_sigma_cli(single)
        failed = {key: value for key, value in got.items() if value[0] != 0 or not value[1].strip()}
        assert not failed, list(failed.items())[:3]


def test_pipelines_are_listed_by_sigma_cli() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "from sigma.plugins import InstalledSigmaPlugins as P;"
            "print(sorted(k for k in P.autodiscover().pipelines if k.startswith('sigmaq')))",
        ],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert done.stdout.strip() == str(
        sorted(
            [
                "sigmaq_cloudtrail_elastic",
                "sigmaq_cloudtrail_eql",
                "sigmaq_cloudtrail_esql",
                "sigmaq_cloudtrail_splunk",
            ]
        )
    ), done.stderr[-2000:]


def test_plugin_is_packaged() -> None:
    """The wheel carries sigma/pipelines/sigmaq and sigma/backends/sigmaq."""
    import tomllib

    from setuptools import find_namespace_packages

    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    include = config["tool"]["setuptools"]["packages"]["find"]["include"]
    packages = find_namespace_packages(str(ROOT), include=include)
    assert {"sigma.pipelines.sigmaq", "sigma.backends.sigmaq", "sigmaq"} <= set(packages)
