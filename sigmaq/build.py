"""The main job: validate, replay every fixture, convert into ``dist/``.

Each stage runs even when an earlier one fails, so one build shows every
problem; the build fails when any stage fails. Refusals (a rule a target
cannot express correctly) are expected and listed, not failures.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

from sigmaq.convert import BuildReport, build_dist
from sigmaq.layout import ProjectLayout
from sigmaq.model import WindowMode
from sigmaq.testing import TestReport, run_tests
from sigmaq.validation import ValidationReport, validate_paths

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StageResult:
    """One stage's verdict: ``ok`` and a one-line ``summary``; ``seconds`` elapsed."""

    name: str
    ok: bool
    summary: str
    seconds: float


@dataclass
class BuildOutcome:
    """Everything a build produced, stage by stage."""

    stages: list[StageResult] = field(default_factory=list)
    validation: ValidationReport | None = None
    tests: TestReport | None = None
    dist: BuildReport | None = None

    @property
    def ok(self) -> bool:
        return all(stage.ok for stage in self.stages)


def run_build(
    root: Path,
    *,
    out_dir: Path | None = None,
    fail_on: str = "low",
    window: WindowMode = WindowMode.SLIDING,
) -> BuildOutcome:
    """Build the project at ``root`` (the folder holding ``rules/`` and ``fixtures/``).

    Writes converted rules under ``out_dir`` (default ``<root>/dist``). Raises
    SigmaqError subclasses only for unusable input (missing rules folder, bad
    validation config, unwritable output); rule problems are stage failures.
    """
    layout = ProjectLayout(root)
    outcome = BuildOutcome()

    started = time.perf_counter()
    validation = validate_paths([layout.rules_dir], project_root=root)
    failing = validation.failing(fail_on)
    outcome.validation = validation
    outcome.stages.append(
        StageResult(
            "validate",
            not failing,
            f"{validation.rules} rules, {len(validation.validators)} validators, "
            f"{len(failing)} findings at or above {fail_on}",
            time.perf_counter() - started,
        )
    )

    started = time.perf_counter()
    tests = run_tests(root, window=window)
    counts = tests.summary()
    outcome.tests = tests
    outcome.stages.append(
        StageResult(
            "test",
            not tests.failed,
            f"{counts['rules']} rules, {counts['fixtures_passed']}/{counts['fixtures']} fixtures "
            f"passed, {counts['rule_problems']} rule problems, "
            f"{counts['baseline_failures']} baseline failures over {counts['baseline_records']} "
            "records",
            time.perf_counter() - started,
        )
    )

    started = time.perf_counter()
    dist = build_dist([layout.rules_dir], out_dir or layout.dist_dir)
    outcome.dist = dist
    parts = [
        f"{name}: {len(target.converted)} converted, {len(target.refused)} refused, "
        f"{len(target.failed)} failed"
        for name, target in sorted(dist.targets.items())
    ]
    outcome.stages.append(
        StageResult("convert", dist.ok, "; ".join(parts), time.perf_counter() - started)
    )
    log.info("build %s", "ok" if outcome.ok else "failed")
    return outcome
