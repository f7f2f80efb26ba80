"""``sigmaq update``: regenerate every generated file (rendering only; logic in
``sigmaq.pack.update``)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from sigmaq.cli.common import PROFILE_OPTION, exit_with_usage_error, project_layout, shown


@click.command("update")
@PROFILE_OPTION
def update(profile: str | None) -> None:
    """Regenerate what `sigmaq build` checks is current: fixtures in canonical JSON,
    golden snapshots (backends/*/golden/), docs/real-data-judgements.yml (when the
    public data is there; new matches get TODO for a person to judge), the README
    rule table and docs/coverage.md. Review the diff, then commit it.

    Exit 1, rewriting only the fixtures, while a rule file does not load (each is
    named): regenerating would drop that rule's snapshots and table row.
    """
    from sigmaq.core.errors import SigmaqError
    from sigmaq.pack.update import update_project
    from sigmaq.validate.config import load_project_config

    layout = project_layout()
    if layout is None:
        exit_with_usage_error("no sigmaq project (rules/ and fixtures/) around the current folder")
    try:
        config = load_project_config(layout.root, profile=profile)
        report = update_project(
            layout.root, real_data=config.real_data, coverage=config.profile == "amazon_q"
        )
    except (SigmaqError, OSError) as exc:
        exit_with_usage_error(str(exc))
    for label, paths in (
        ("formatted", report.fixtures),
        ("wrote", report.golden_written),
        ("removed", report.golden_removed),
        ("wrote", report.judgements),
        ("wrote", report.coverage),
    ):
        for path in paths:
            click.echo(f"{label} {_relative(path, layout.root)}")
    for error in report.rule_errors:
        click.echo(f"error: {shown(error)}", err=True)
    for note in report.notes:
        click.echo(f"note: {note}", err=True)
    click.echo(f"{len(report.changed)} files changed", err=True)
    if report.rule_errors:
        sys.exit(1)  # broken rule files (README: exit 1), named above


def _relative(path: Path, root: Path) -> str:
    try:
        return str(path.resolve().relative_to(root.resolve()))
    except ValueError:
        return str(path)
