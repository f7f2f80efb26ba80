"""``sigmaq readiness CONFIG...``: can these trails see what the pack needs?

Wiring and rendering only; the work is ``sigmaq.readiness``. Reads exported configuration
(files or folders of AWS CLI JSON and Prowler OCSF output); makes no AWS call. The report
goes to stdout, problems with exports to stderr. Exit 0 when every selected rule passes the
``--fail-on`` bar, 1 when one does not or an export or a rule file could not be used, 2 on
usage errors.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import click

from sigmaq.cli.common import NonEmptyPath, archive_rule_paths, shown

if TYPE_CHECKING:
    from sigmaq.readiness.report import ReadinessReport

_MARK = {"ready": "READY", "partial": "PARTIAL", "blind": "BLIND", "unknown": "UNKNOWN"}


@click.command(name="readiness")
# not checked for existence: a missing export is an export problem, the rest still read
@click.argument("exports", nargs=-1, required=True, type=NonEmptyPath(path_type=Path))
@click.option(
    "--rules",
    "rule_paths",
    multiple=True,
    type=NonEmptyPath(exists=True, path_type=Path),
    help="Rule files or folders (default: the project's rules/).",
)
@click.option(
    "--rule",
    "rule_patterns",
    multiple=True,
    metavar="GLOB_OR_ID",
    help="Only these rules: id, title, correlation name or file stem; globs allowed. Repeatable.",
)
@click.option(
    "--target",
    metavar="NAME_OR_ARN",
    help="The trail or event data store to emit the fix for (default: the best trail).",
)
@click.option(
    "--fix-out",
    type=NonEmptyPath(file_okay=False, path_type=Path),
    help="Write put-event-selectors.json, cloudformation.yaml and terraform.tf here.",
)
@click.option(
    "--prompt-log-bucket",
    "prompt_buckets",
    multiple=True,
    metavar="BUCKET",
    help="A Q Developer prompt-logging bucket (when its policy is not exported). Repeatable.",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
)
@click.option("--all", "show_all", is_flag=True, help="List ready rules too.")
@click.option(
    "--fail-on",
    type=click.Choice(["blind", "partial", "never"]),
    default="blind",
    show_default=True,
    help="Exit 1 when a rule is blind or unknown (blind), also partial (partial), or never.",
)
def readiness(
    exports: tuple[Path, ...],
    rule_paths: tuple[Path, ...],
    rule_patterns: tuple[str, ...],
    target: str | None,
    fix_out: Path | None,
    prompt_buckets: tuple[str, ...],
    output_format: str,
    show_all: bool,
    fail_on: str,
) -> None:
    """Check exported CloudTrail configuration against the rules' needs; emit the fix.

    CONFIG: JSON of `aws cloudtrail describe-trails`, `get-trail-status`,
    `get-event-selectors`, `get-event-data-store` (and, for the Amazon Q checks,
    `aws logs describe-delivery-sources`/`describe-deliveries`, `aws s3api get-bucket-*`,
    `aws qbusiness list-applications`, Prowler's json-ocsf output), as files or folders.
    """
    from sigmaq.core.errors import SigmaqError
    from sigmaq.core.loader import load_rules
    from sigmaq.hunt.rules import select_rules
    from sigmaq.readiness.report import fix_files, run, to_json

    try:
        paths = archive_rule_paths(rule_paths)
        loaded = load_rules(paths)
        selected = select_rules(loaded.rules, rule_patterns)
    except SigmaqError as exc:
        click.echo(f"error: {exc}", err=True)
        raise SystemExit(2) from exc
    for error in loaded.errors:
        click.echo(f"error: rule left out: {shown(error)}", err=True)
    report = run(exports, selected, target=target, prompt_log_buckets=prompt_buckets)
    for problem in report.problems:
        click.echo(f"export problem: {problem}", err=True)
    if fix_out is not None and report.fix is not None:
        for name, text in fix_files(report.fix).items():
            try:
                fix_out.mkdir(parents=True, exist_ok=True)
                (fix_out / name).write_text(text, encoding="utf-8")
            except OSError as error:
                click.echo(f"error: cannot write {fix_out / name}: {error}", err=True)
                raise SystemExit(2) from error
            click.echo(f"wrote {fix_out / name}", err=True)
    if output_format == "json":
        click.echo(json.dumps(to_json(report), indent=2))
    else:
        _render_text(report, show_all, fix_out)
    bad = {"blind": ("blind", "unknown"), "partial": ("blind", "unknown", "partial")}
    failing = [v for v in report.assessment.rules if v.status in bad.get(fail_on, ())]
    # A broken rule file is a problem whatever --fail-on says (README: exit 1 for broken
    # rules): its needs are missing from every verdict above.
    raise SystemExit(1 if failing or report.problems or loaded.errors else 0)


def _render_text(report: ReadinessReport, show_all: bool, fix_out: Path | None) -> None:
    from sigmaq.readiness.fix import COST_CAVEAT

    echo = click.echo
    assessment = report.assessment
    echo("Log sources")
    if not assessment.sources:
        echo("  none exported")
    for source in assessment.sources:
        props = [
            source.home_region or "region ?",
            {True: "multi-region", False: "single-region", None: "regions ?"}[source.multi_region],
            {True: "organisation", False: "one account", None: "organisation ?"}[
                source.organization
            ],
            {True: "logging", False: "NOT LOGGING", None: "logging ?"}[source.logging],
            f"selectors: {source.selector_origin}",
        ]
        echo(f"  {source.label}: {', '.join(props)}")
        for note in assessment.source_notes.get(source.label, ()):
            echo(f"    - {note}")
    summary = report.summary()
    echo("")
    echo(
        f"Rules: {len(assessment.rules)} - "
        + ", ".join(f"{status} {count}" for status, count in summary.items())
    )
    for verdict in assessment.rules:
        if verdict.status == "ready" and not show_all:
            continue
        echo(f"  {_MARK[verdict.status]:8} {verdict.needs.title}")
        for gap in verdict.gaps[:6]:
            echo(f"           {gap}")
        if len(verdict.gaps) > 6:
            echo(f"           ... {len(verdict.gaps) - 6} more (--format json lists all)")
    echo("")
    echo("Playbook")
    for line in assessment.playbook:
        counts = ", ".join(f"{k} {v}" for k, v in line.counts.items() if v)
        echo(f"  {line.key:7} {line.answer:8} {line.text} ({counts or 'no rule'})")
        for reason in line.reasons:
            echo(f"          {reason}")
    echo("")
    echo("Preparation (origin: prowler = Prowler's finding, sigmaq = sigmaq's own check)")
    for result in report.preparation:
        echo(f"  [{result.item.origin}] {result.status:12} {result.item.title}")
        for detail in result.details[:8]:
            echo(f"      {detail}")
    echo("")
    if report.fix is None:
        echo(f"Fix: none ({report.fix_error})")
        return
    fix = report.fix
    if not fix.added:
        echo(f"Fix: {fix.target.label} already logs every data event the selected rules need.")
    else:
        echo(f"Fix for {fix.target.label}: {len(fix.added)} advanced selector(s) to add")
        for selector in fix.added:
            echo(f"  + {selector.name}")
            for field_selector in selector.field_selectors:
                echo(f"      {field_selector.describe()}")
        if fix.converted_from_basic:
            echo("  (the trail's basic event selectors are converted to their advanced form)")
        echo(f"  {len(fix.existing)} existing selector(s) kept")
        echo(f"  Cost: {COST_CAVEAT}")
        if fix_out is None:
            echo(
                "  Write the put-event-selectors JSON, CloudFormation and Terraform: --fix-out DIR"
            )
    for warning in fix.warnings:
        echo(f"  warning: {warning}")
    if fix.unfixed:
        echo(f"  Not fixed (management events: change the management selector): {len(fix.unfixed)}")
        for unfixed in fix.unfixed[:5]:
            echo(f"    {unfixed}")
