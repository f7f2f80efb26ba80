"""``sigmaq coverage``: regenerate (or check) the README rule table, docs/coverage.md and the
ATT&CK Navigator layer (docs/attack-navigator-layer.json)."""

from __future__ import annotations

from pathlib import Path

import click

from sigmaq.cli.common import NonEmptyPath, shown


@click.command("coverage")
@click.option(
    "--root",
    type=NonEmptyPath(file_okay=False, path_type=Path),
    default=None,
    help="Project folder (holding rules/ and fixtures/); default: found from the current folder.",
)
@click.option("--check", is_flag=True, help="Write nothing; exit 1 when a generated file is stale.")
@click.option(
    "--navigator",
    is_flag=False,
    flag_value="",
    default=None,
    metavar="[FILE]",
    help="Only the ATT&CK Navigator layer: to FILE ('-' for stdout), or alone for "
    "docs/attack-navigator-layer.json.",
)
def coverage(root: Path | None, check: bool, navigator: str | None) -> None:
    """Generate the rule table (README.md, between the rule-table markers), docs/coverage.md
    and the ATT&CK Navigator layer (docs/attack-navigator-layer.json)."""
    from sigmaq.core.errors import ConfigError
    from sigmaq.core.layout import find_project_root
    from sigmaq.pack.coverage import build_report, generated_files, stale_files, write_files

    project = root if root is not None else find_project_root(Path.cwd())
    if project is None or not (project / "rules").is_dir():
        raise click.UsageError("no project found: pass --root (a folder holding rules/)")
    report = build_report(project)
    for error in report.load_errors:
        click.echo(f"error: rule left out: {shown(error)}", err=True)
    if report.load_errors:
        # Written now, the table, the pages and the layer would drop those rules as if
        # they had been removed on purpose: nothing is written until they load.
        click.echo("error: nothing written: fix the rule files above first", err=True)
        raise SystemExit(1)
    if navigator is not None:
        from sigmaq.pack.coverage import GeneratedFile
        from sigmaq.pack.navigator import NAVIGATOR_FILE, navigator_text

        text = navigator_text(report.rules)
        if navigator == "-":
            click.echo(text, nl=False)
            return
        layer = [GeneratedFile(Path(navigator) if navigator else project / NAVIGATOR_FILE, text)]
        if check:
            stale_layer = stale_files(layer)
            for path in stale_layer:
                click.echo(f"stale: {path} (run `sigmaq coverage --navigator`)", err=True)
            raise SystemExit(1 if stale_layer else 0)
        for path in write_files(layer):
            click.echo(f"wrote {path}")
        return
    try:
        files = generated_files(project, report)
    except ConfigError as exc:
        click.echo(f"error: {exc}", err=True)
        raise SystemExit(1) from exc
    open_items = report.uncovered_items()
    if open_items:
        click.echo(
            f"warning: catalogue items with no rule and no exclusion: {', '.join(open_items)}",
            err=True,
        )
    if check:
        stale = stale_files(files)
        for path in stale:
            click.echo(f"stale: {path} (run `sigmaq coverage`)", err=True)
        raise SystemExit(1 if stale else 0)
    for path in write_files(files):
        click.echo(f"wrote {path}")
