"""The main job: every check of the project, then ``dist/``.

Stages, each run even when an earlier one fails so one build shows every problem:

* ``validate``: rule validators and fixture checks of the profile (``sigmaq.validate``);
* ``test``: every rule against its fixtures and the baseline (``sigmaq.testing``);
* ``coverage`` (amazon_q profile): catalogue items covered, README table and
  ``docs/coverage.md`` current;
* ``golden`` (when ``backends/<target>/golden/`` exist): snapshots current;
* ``real-data`` (when ``docs/real-data-judgements.yml`` and the public data exist):
  no unrelated match of an Amazon Q rule, every match judged, summary current;
* ``convert``: every target's primary formats into ``dist/``; ``prove`` when a
  packager proved its queries.

A failing stage names the command that fixes it (``StageResult.fix``). Refusals (a
rule a target cannot express correctly) are expected and listed, not failures.
``tests/content`` calls the same functions, so a green build means green pack tests.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from sigmaq.core.layout import ProjectLayout, is_installed_pack
from sigmaq.core.model import WindowMode
from sigmaq.export.convert import GoldenDifference
from sigmaq.export.dist import BuildReport, build_dist
from sigmaq.export.proof import ProofReport, Verdict
from sigmaq.export.targets import TargetOptions
from sigmaq.pack.coverage import coverage_problems
from sigmaq.pack.golden import (
    golden_differences,
    golden_formats,
    has_golden,
    pipeline_differences,
)
from sigmaq.pack.real_data import (
    JUDGEMENTS_FILE,
    RealDataProblem,
    data_folder,
    real_data_problems,
    run_real_data,
)
from sigmaq.testing.runner import TestReport, run_tests
from sigmaq.validate.config import ProjectConfig, load_project_config
from sigmaq.validate.runner import ValidationReport, validate_paths

log = logging.getLogger(__name__)

UPDATE_FIX = "sigmaq update"
T = TypeVar("T")


@dataclass(frozen=True)
class StageResult:
    """One stage's verdict: ``ok`` and a one-line ``summary``; ``seconds`` elapsed;
    ``fix``: the command (or action) that fixes a failure; ``skipped``: not run, with
    the reason in ``summary``."""

    name: str
    ok: bool
    summary: str
    seconds: float
    fix: str = ""
    skipped: bool = False


@dataclass
class BuildOutcome:
    """Everything a build produced, stage by stage."""

    stages: list[StageResult] = field(default_factory=list)
    validation: ValidationReport | None = None
    tests: TestReport | None = None
    dist: BuildReport | None = None
    coverage: list[str] = field(default_factory=list)
    golden: list[GoldenDifference] = field(default_factory=list)
    real_data: list[RealDataProblem] = field(default_factory=list)
    config: ProjectConfig | None = None

    @property
    def ok(self) -> bool:
        return all(stage.ok for stage in self.stages)


def _timed(action: Callable[[], T]) -> tuple[T, float]:
    started = time.perf_counter()
    value = action()
    return value, time.perf_counter() - started


def run_build(
    root: Path,
    *,
    out_dir: Path | None = None,
    fail_on: str = "low",
    window: WindowMode = WindowMode.SLIDING,
    options: TargetOptions | None = None,
    profile: str | None = None,
) -> BuildOutcome:
    """Build the project at ``root`` (the folder holding ``rules/`` and ``fixtures/``).

    Writes converted rules under ``out_dir`` (default ``<root>/dist``); ``options``: data
    placement and Splunk actions (``TargetOptions``); ``profile`` overrides the
    project's configured profile. Raises SigmaqError subclasses only for unusable input
    (missing rules folder, bad configuration, unwritable output); rule problems are
    stage failures.
    """
    layout = ProjectLayout(root)
    outcome = BuildOutcome()
    config = load_project_config(root, profile=profile)
    outcome.config = config

    validation, seconds = _timed(
        lambda: validate_paths([layout.rules_dir], project_root=root, config=config)
    )
    failing = validation.failing(fail_on)
    outcome.validation = validation
    outcome.stages.append(
        StageResult(
            "validate",
            not failing,
            f"{validation.rules} rules, {validation.fixtures} fixtures, "
            f"{len(validation.validators)} validators ({config.profile}), "
            f"{len(failing)} findings at or above {fail_on}",
            seconds,
            fix="fix each finding above (CONTRIBUTING.md explains every check)",
        )
    )

    tests, seconds = _timed(lambda: run_tests(root, window=window))
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
            seconds,
            fix="edit the rule or its fixtures; `sigmaq test -k <rule>` replays one rule",
        )
    )

    if is_installed_pack(root):
        outcome.stages.append(
            StageResult(
                "coverage",
                True,
                "skipped: the pack installed with sigmaq (its README and docs/ are not shipped)",
                0.0,
                skipped=True,
            )
        )
    elif config.profile == "amazon_q":
        problems, seconds = _timed(lambda: coverage_problems(root))
        outcome.coverage = problems
        outcome.stages.append(
            StageResult(
                "coverage",
                not problems,
                f"{len(problems)} problems" if problems else "catalogue covered, documents current",
                seconds,
                fix=UPDATE_FIX + " (catalogue items need a rule or a reason in "
                "docs/coverage-exclusions.yml)",
            )
        )
    else:
        outcome.stages.append(
            StageResult("coverage", True, f"skipped: profile {config.profile}", 0.0, skipped=True)
        )

    if has_golden(root):

        def check_golden() -> list[GoldenDifference]:
            queries = [d for t, f in golden_formats() for d in golden_differences(root, t, f)]
            return queries + pipeline_differences(root)

        differences, seconds = _timed(check_golden)
        outcome.golden = differences
        outcome.stages.append(
            StageResult(
                "golden",
                not differences,
                f"{len(differences)} snapshots differ" if differences else "snapshots current",
                seconds,
                fix=UPDATE_FIX
                + " (then review the diff of backends/*/golden/ and backends/elastic/)",
            )
        )
    else:
        outcome.stages.append(
            StageResult("golden", True, "skipped: no backends/<target>/golden/", 0.0, skipped=True)
        )

    data = data_folder(root, config.real_data)
    if (root / JUDGEMENTS_FILE).is_file() and data.is_dir():
        problems_rd, seconds = _timed(lambda: real_data_problems(root, run_real_data(root, data)))
        outcome.real_data = problems_rd
        outcome.stages.append(
            StageResult(
                "real-data",
                not problems_rd,
                f"{len(problems_rd)} problems"
                if problems_rd
                else f"pack quiet or judged on {data}",
                seconds,
                fix=UPDATE_FIX + f", then judge every TODO in {JUDGEMENTS_FILE} (or tune the rule)",
            )
        )
    else:
        reason = f"no {JUDGEMENTS_FILE}" if not (root / JUDGEMENTS_FILE).is_file() else ""
        reason = reason or f"no public data at {data}"
        outcome.stages.append(
            StageResult("real-data", True, f"skipped: {reason}", 0.0, skipped=True)
        )

    started = time.perf_counter()
    dist = build_dist([layout.rules_dir], out_dir or layout.dist_dir, options, layout=layout)
    outcome.dist = dist
    parts = [
        f"{name}: {len(target.converted)} converted, {len(target.refused)} refused, "
        f"{len(target.failed)} failed"
        + (
            " (" + ", ".join(f"{k} {v}" for k, v in sorted(target.rule_types.items())) + ")"
            if target.rule_types
            else ""
        )
        for name, target in sorted(dist.targets.items())
    ]
    outcome.stages.append(
        StageResult(
            "convert",
            dist.ok,
            "; ".join(parts),
            time.perf_counter() - started,
            fix="a failed conversion is a sigmaq bug or an unmapped field: see the errors above",
        )
    )
    write_refusals(dist, (out_dir or layout.dist_dir) / REFUSALS_FILE)
    proofs = {
        name: target.proof
        for name, target in sorted(dist.targets.items())
        if target.proof and target.proof.proofs
    }
    if proofs:
        outcome.stages.append(prove_stage(proofs))
    log.info("build %s", "ok" if outcome.ok else "failed")
    return outcome


REFUSALS_FILE = "REFUSED.md"

PROVE_FIX = (
    "each query above differs from replay on the named fixture (dist/<target>/PROOF.md "
    "shows the case): rewrite the rule in a form the target expresses, or report the "
    "backend bug; `sigmaq test -k <rule>` shows replay's answer"
)


def prove_stage(proofs: Mapping[str, ProofReport]) -> StageResult:
    """The ``prove`` stage of the per-target ``proofs`` (target name -> report): failed
    when any query differs from replay, with the fix to print."""
    return StageResult(
        "prove",
        not any(proof.count(Verdict.DIFFERS) for proof in proofs.values()),
        "; ".join(f"{name}: {proof.summary()}" for name, proof in proofs.items()),
        0.0,
        fix=PROVE_FIX,
    )


def refusal_reason(message: str) -> str:
    """A refusal message without its leading ``rule 'Title' (id): `` label."""
    head, separator, rest = message.partition("): ")
    return rest if separator and head.startswith("rule '") else message


# (substring of a refusal message, its kind) in the order they are tried.
_REFUSAL_KINDS = (
    ("referenced rule", "a rule the correlation refers to was refused"),
    ("temporal_ordered", "temporal_ordered correlations are not supported"),
    ("no correlations", "the query language has no correlations"),
    ("does not keep this field", "field dropped by the Elastic AWS integration"),
    ("may vary in case", "value whose case may vary, on a case-sensitive field"),
    ("keyed flattened field", "wildcard match on a flattened field"),
    ("keyed sub-fields", "ES|QL cannot read flattened sub-fields"),
    ("fieldref", "|fieldref (field-to-field comparison)"),
    ("exists expressions", "field-exists tests (|exists, null) unsupported by the backend"),
    ("proof differs", "the exported query differs from replay on a fixture (PROOF.md)"),
    ("|re", "|re regular expressions"),
)


def refusal_kind(message: str) -> str:
    """A short category for a refusal message (for summaries; ``REFUSED.md`` keeps all)."""
    for fragment, kind in _REFUSAL_KINDS:
        if fragment in message:
            return kind
    return refusal_reason(message)[:80]


def write_refusals(dist: BuildReport, path: Path) -> None:
    """``dist/REFUSED.md``: every rule a target refused, with the reason (a table).

    Raises OSError when the file cannot be written.
    """
    lines = [
        "# Rules a target refused",
        "",
        "Each row is a rule that target cannot express correctly; the replay and the other",
        "targets still run it. Generated by `sigmaq build`.",
        "",
        "| target | rule id | reason |",
        "|---|---|---|",
    ]
    for name, target in sorted(dist.targets.items()):
        for rule_id, reason in sorted(target.refused):
            lines.append(f"| {name} | {rule_id} | {reason.replace('|', chr(92) + '|')} |")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
