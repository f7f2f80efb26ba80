"""``sigmaq build``: the main job (rendering only; logic in ``sigmaq.pack.build``)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from sigmaq.cli.common import (
    PROFILE_OPTION,
    NonEmptyPath,
    elastic_index_pattern,
    exit_with_usage_error,
    project_or_installed_layout,
    shown,
    splunk_index_name,
)


@click.command()
@click.option(
    "-o",
    "--out",
    "out_dir",
    type=NonEmptyPath(file_okay=False, path_type=Path),
    help="Output folder (default: <project>/dist; ./dist for the pack installed with sigmaq).",
)
@click.option(
    "--fail-on",
    type=click.Choice(["low", "medium", "high", "error"]),
    default="low",
    show_default=True,
    help="Lowest validation severity that fails the build.",
)
@click.option(
    "--window",
    type=click.Choice(["sliding", "tumbling"]),
    default="sliding",
    show_default=True,
    help="Correlation windows used when replaying fixtures.",
)
@click.option(
    "--splunk-index",
    default=None,
    callback=splunk_index_name,
    help="Index of the Splunk app's source macro sigmaq_cloudtrail (default: index=*).",
)
@click.option(
    "--splunk-notable",
    is_flag=True,
    help="Splunk app: Enterprise Security notable action on every search (off by default).",
)
@click.option(
    "--splunk-risk",
    is_flag=True,
    help="Splunk app: Enterprise Security risk action on every search (off by default).",
)
@click.option(
    "--no-elastic-custom-pipeline",
    "no_custom_pipeline",
    is_flag=True,
    help="Refuse Kibana rules that need sigmaq's logs-aws.cloudtrail@custom ingest pipeline.",
)
@click.option(
    "--elastic-index-pattern",
    "index_pattern",
    default="logs-aws.cloudtrail-*",
    show_default=True,
    callback=elastic_index_pattern,
    help="Index pattern every Kibana rule of elastic/rules.ndjson reads (ES|QL `from`).",
)
@PROFILE_OPTION
def build(
    out_dir: Path | None,
    fail_on: str,
    window: str,
    splunk_index: str | None,
    splunk_notable: bool,
    splunk_risk: bool,
    no_custom_pipeline: bool,
    index_pattern: str,
    profile: str | None,
) -> None:
    """Run every check of the project and convert every rule into dist/.

    Stages: validate (rules and fixtures), test (fixtures and baseline), coverage,
    golden snapshots, real-data judgements, convert (the Splunk app
    splunk/sigmaq_amazon_q.tgz with its PROOF.md, elastic/rules.ndjson, ...), prove. A
    failing stage names its fix (often `sigmaq update`). Exit 1 when any stage fails."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from sigmaq.core.errors import SigmaqError
    from sigmaq.core.model import WindowMode
    from sigmaq.export.targets import TargetOptions
    from sigmaq.pack.build import run_build

    found = project_or_installed_layout()
    if found is None:
        exit_with_usage_error("no sigmaq project (rules/ and fixtures/) around the current folder")
    layout, installed = found
    if installed and out_dir is None:  # never write into the install
        out_dir = Path.cwd() / "dist"
    try:
        options = TargetOptions(
            splunk_index=splunk_index,
            splunk_notable=splunk_notable,
            splunk_risk=splunk_risk,
            elastic_custom_pipeline=not no_custom_pipeline,
            elastic_index_pattern=index_pattern,
        )
        outcome = run_build(
            layout.root,
            out_dir=out_dir,
            fail_on=fail_on,
            window=WindowMode(window),
            options=options,
            profile=profile,
        )
    except SigmaqError as exc:
        exit_with_usage_error(str(exc))

    console = Console(stderr=True, width=160)
    if outcome.validation is not None:
        for finding in outcome.validation.failing(fail_on):
            where = f"{finding.path}:{finding.line}" if finding.line else f"{finding.path}"
            console.print(
                f"[red]validate[/red] {escape(shown(where))}: "
                f"{finding.validator}: {escape(shown(finding.message))}",
                highlight=False,
            )
    if outcome.tests is not None:
        for result in outcome.tests.fixtures:
            if not result.passed:
                console.print(
                    f"[red]test[/red] {escape(shown(result.message or ''))}", highlight=False
                )
        for problem in outcome.tests.problems:
            console.print(
                f"[red]test[/red] {escape(shown(f'{problem.location}: {problem.message}'))}",
                highlight=False,
            )
        if outcome.tests.baseline is not None:
            for match in outcome.tests.baseline.failures:
                console.print(
                    f"[red]baseline[/red] {escape(str(match.to_dict()))}", highlight=False
                )
    for text in outcome.coverage:
        console.print(f"[red]coverage[/red] {escape(text)}", highlight=False)
    for difference in outcome.golden:
        console.print(
            f"[red]golden[/red] {difference.kind}: {escape(str(difference.path))} "
            "(run `sigmaq update`)",
            highlight=False,
        )
    for real in outcome.real_data:
        console.print(f"[red]real-data[/red] {real.kind}: {escape(real.message)}", highlight=False)
    if outcome.dist is not None:
        from collections import Counter

        from sigmaq.pack.build import REFUSALS_FILE, refusal_kind

        reasons: Counter[tuple[str, str]] = Counter()
        for name, target in sorted(outcome.dist.targets.items()):
            for _rule_id, reason in target.refused:
                reasons[(name, refusal_kind(reason))] += 1
            for rule_id, reason in target.failed:
                console.print(
                    f"[red]convert[/red] {name} {escape(f'{rule_id}: {reason}')}", highlight=False
                )
        if reasons:
            refusals = Table("target", "rules", "refused because", title="Refused conversions")
            for (name, reason), count in sorted(reasons.items()):
                refusals.add_row(name, str(count), escape(reason))
            console.print(refusals)
            out = out_dir or layout.dist_dir
            console.print(
                f"every refusal with its rule: {escape(str(out / REFUSALS_FILE))}", highlight=False
            )
        for name, target in sorted(outcome.dist.targets.items()):
            if target.proof is None:
                continue
            for proof in target.proof.proofs:
                if proof.verdict == "differs":
                    console.print(
                        f"[red]prove[/red] {name} {escape(f'{proof.title}: {proof.reason}')}",
                        highlight=False,
                    )
        files = [str(path) for target in outcome.dist.targets.values() for path in target.files]
        console.print("wrote " + escape(", ".join(files)), highlight=False)

    table = Table("stage", "result", "summary", "seconds", "fix", title="sigmaq build")
    for stage in outcome.stages:
        if stage.skipped:
            verdict = "[yellow]skipped[/yellow]"
        else:
            verdict = "[green]ok[/green]" if stage.ok else "[red]FAILED[/red]"
        table.add_row(
            stage.name,
            verdict,
            escape(stage.summary),
            f"{stage.seconds:.1f}",
            "" if stage.ok else stage.fix,
        )
    console.print(table)
    sys.exit(0 if outcome.ok else 1)
