"""One readiness run: exports + rules -> assessment, preparation items and the fix, as data.

``run`` ties the modules together; ``to_json`` gives the machine-readable shape the CLI
prints with ``--format json``::

    {"sources": [...], "problems": [...], "rules": [...], "summary": {status: count},
     "playbook": [...], "preparation": [...], "fix": {...} | null}
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from sigmaq.readiness.amazonq import check_amazon_q
from sigmaq.readiness.assess import STATUSES, Assessment, assess
from sigmaq.readiness.exports import ExportSet, LogSource, load_exports
from sigmaq.readiness.fix import (
    COST_CAVEAT,
    Fix,
    FixError,
    choose_target,
    cloudformation_snippet,
    compute_fix,
    request_json,
    terraform_snippet,
)
from sigmaq.readiness.needs import RuleNeeds, pack_needs
from sigmaq.readiness.prowler import (
    NOT_ASSESSED,
    ItemResult,
    ProwlerFinding,
    assess_prowler_items,
    parse_ocsf,
)


@dataclass(frozen=True)
class ReadinessReport:
    """Everything ``sigmaq readiness`` shows."""

    exports: ExportSet
    assessment: Assessment
    preparation: tuple[ItemResult, ...]
    prowler_findings: tuple[ProwlerFinding, ...]
    fix: Fix | None
    fix_error: str | None
    problems: tuple[str, ...]

    def summary(self) -> dict[str, int]:
        return {s: len(self.assessment.by_status(s)) for s in STATUSES}


def run(
    export_paths: Iterable[Path | str],
    loaded_rules: Sequence[Any],
    *,
    target: str | None = None,
    prompt_log_buckets: Iterable[str] = (),
) -> ReadinessReport:
    """Read the exports, assess ``loaded_rules`` (``LoadedRule``s), map Prowler, compute the fix."""
    exports = load_exports(export_paths)
    needs: list[RuleNeeds] = pack_needs(loaded_rules)
    assessment = assess(needs, exports.sources)
    problems = [str(p) for p in exports.problems]
    findings: list[ProwlerFinding] = []
    for doc in exports.of_kind("prowler-ocsf"):
        parsed, bad = parse_ocsf(doc.data, str(doc.path))
        findings.extend(parsed)
        problems.extend(bad)
    preparation = [
        *with_export_evidence(assess_prowler_items(findings), exports.sources),
        *check_amazon_q(exports, assessment, prompt_log_buckets),
    ]
    fix: Fix | None = None
    fix_error: str | None = None
    if exports.sources:
        try:
            fix = compute_fix(needs, choose_target(exports.sources, target))
        except FixError as exc:
            fix_error = exc.message
    else:
        fix_error = "no trail or event data store exported"
    return ReadinessReport(
        exports, assessment, tuple(preparation), tuple(findings), fix, fix_error, tuple(problems)
    )


_EVIDENCE: dict[str, tuple[str, str]] = {
    "trail-multi-region": ("multi_region", "multi-region"),
    "trail-log-file-validation": ("log_file_validation", "log file validation"),
    "trail-kms": ("kms_key", "KMS key"),
    "trail-cloudwatch-logs": ("cloudwatch_log_group", "CloudWatch Logs group"),
}


def with_export_evidence(
    results: Sequence[ItemResult], sources: Sequence[LogSource]
) -> list[ItemResult]:
    """Prowler items it did not assess, with what the trail exports say (not a verdict)."""
    out: list[ItemResult] = []
    for result in results:
        attribute = _EVIDENCE.get(result.item.key)
        trails = [s for s in sources if s.kind == "trail"]
        if result.status != NOT_ASSESSED or attribute is None or not trails:
            out.append(result)
            continue
        name, text = attribute
        lines = []
        for trail in trails:
            value = getattr(trail, name)
            shown = (
                value if isinstance(value, str) else {True: "yes", False: "no"}.get(value, "none")
            )
            lines.append(f"exports: trail {trail.name}: {text}: {shown}")
        out.append(replace(result, details=(*result.details, *lines)))
    return out


def _source_json(source: LogSource) -> dict[str, Any]:
    return {
        "kind": source.kind,
        "name": source.name,
        "arn": source.arn,
        "home_region": source.home_region,
        "multi_region": source.multi_region,
        "organization": source.organization,
        "include_global_service_events": source.include_global_service_events,
        "log_file_validation": source.log_file_validation,
        "cloudwatch_log_group": source.cloudwatch_log_group,
        "kms_key": source.kms_key,
        "logging": source.logging,
        "selectors": source.selector_origin,
        "files": list(source.files),
    }


def fix_files(fix: Fix) -> dict[str, str]:
    """File name -> text of the three fix artefacts."""
    import json

    request = (
        "update-event-data-store.json"
        if fix.target.kind == "event-data-store"
        else "put-event-selectors.json"
    )
    return {
        request: json.dumps(request_json(fix), indent=2) + "\n",
        "cloudformation.yaml": cloudformation_snippet(fix),
        "terraform.tf": terraform_snippet(fix),
    }


def to_json(report: ReadinessReport) -> dict[str, Any]:
    """The machine-readable report (see the module docstring)."""
    assessment = report.assessment
    fix: dict[str, Any] | None = None
    if report.fix is not None:
        fix = {
            "target": report.fix.target.label,
            "added": [s.to_json() for s in report.fix.added],
            "rules_served": {k: list(v) for k, v in report.fix.rules_served.items()},
            "request": request_json(report.fix),
            "converted_from_basic": report.fix.converted_from_basic,
            "unfixed": list(report.fix.unfixed),
            "warnings": list(report.fix.warnings),
            "cost_caveat": COST_CAVEAT,
        }
    return {
        "sources": [
            {**_source_json(s), "notes": list(assessment.source_notes.get(s.label, ()))}
            for s in assessment.sources
        ],
        "problems": list(report.problems),
        "summary": report.summary(),
        "rules": [
            {
                "id": v.needs.rule_id,
                "title": v.needs.title,
                "path": v.needs.path,
                "level": v.needs.level,
                "status": v.status,
                "missing_data_types": list(v.missing_data_types),
                "gaps": list(v.gaps),
            }
            for v in assessment.rules
        ],
        "playbook": [
            {
                "key": p.key,
                "text": p.text,
                "answer": p.answer,
                "counts": p.counts,
                "reasons": list(p.reasons),
            }
            for p in assessment.playbook
        ],
        "preparation": [
            {
                "key": r.item.key,
                "title": r.item.title,
                "origin": r.item.origin,
                "checks": list(r.item.checks),
                "status": r.status,
                "details": list(r.details),
            }
            for r in report.preparation
        ],
        "fix": fix,
        "fix_error": report.fix_error,
    }
