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

from sigmaq.core.layout import ProjectLayout
from sigmaq.core.model import WindowMode
from sigmaq.export.dist import BuildReport, build_dist
from sigmaq.export.proof import Verdict
from sigmaq.export.targets import TargetOptions
from sigmaq.testing.runner import TestReport, run_tests
from sigmaq.validate.runner import ValidationReport, validate_paths

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
    options: TargetOptions | None = None,
) -> BuildOutcome:
    """Build the project at ``root`` (the folder holding ``rules/`` and ``fixtures/``).

    Writes converted rules under ``out_dir`` (default ``<root>/dist``); ``options``: data
    placement and Splunk actions (``TargetOptions``). Raises
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
        StageResult("convert", dist.ok, "; ".join(parts), time.perf_counter() - started)
    )
    write_refusals(dist, (out_dir or layout.dist_dir) / REFUSALS_FILE)
    proofs = {
        name: target.proof
        for name, target in sorted(dist.targets.items())
        if target.proof and target.proof.proofs
    }
    if proofs:
        outcome.stages.append(
            StageResult(
                "prove",
                not any(proof.count(Verdict.DIFFERS) for proof in proofs.values()),
                "; ".join(f"{name}: {proof.summary()}" for name, proof in proofs.items()),
                0.0,
            )
        )
    log.info("build %s", "ok" if outcome.ok else "failed")
    return outcome


REFUSALS_FILE = "REFUSED.md"


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
