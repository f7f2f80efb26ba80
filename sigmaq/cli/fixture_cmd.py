"""``sigmaq fixture``: format fixtures, capture fixtures from a real archive (rendering only)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from sigmaq.cli.common import (
    NonEmptyPath,
    default_rule_paths,
    exit_with_usage_error,
    project_layout,
)


@click.group("fixture")
def fixture_group() -> None:
    """Fixture tools: format (canonical JSON) and capture (from a real archive)."""


@fixture_group.command("format")
@click.argument("paths", nargs=-1, type=NonEmptyPath(exists=True, path_type=Path))
@click.option("--check", is_flag=True, help="Write nothing; exit 1 when a file would change.")
def format_command(paths: tuple[Path, ...], check: bool) -> None:
    """Rewrite .json fixtures in PATHS (default: the project's fixtures/) as canonical JSON
    (2-space indent, keys in written order, one trailing newline)."""
    from sigmaq.authoring.fixture_format import format_fixtures

    targets = list(paths)
    if not targets:
        layout = project_layout()
        if layout is None:
            exit_with_usage_error("no PATHS given and no sigmaq project here")
        targets = [layout.fixtures_dir]
    report = format_fixtures(targets, check=check)
    for path in report.rewritten:
        click.echo(f"{'would format' if check else 'formatted'} {path}")
    for path, why in report.skipped:
        click.echo(f"skipped {path}: {why}", err=True)
    click.echo(
        f"{len(report.rewritten)} {'to format' if check else 'formatted'}, "
        f"{len(report.unchanged)} already canonical, {len(report.skipped)} skipped",
        err=True,
    )
    sys.exit(1 if (check and report.rewritten) or report.skipped else 0)


@fixture_group.command("capture")
# not checked for existence: a missing path is counted unreadable by the read (as hunt)
@click.argument("archives", nargs=-1, required=True, type=NonEmptyPath(path_type=Path))
@click.option(
    "--rule",
    "wanted",
    required=True,
    metavar="ID",
    help="Rule id, title, correlation name or file stem.",
)
@click.option(
    "-o",
    "--out",
    "out_dir",
    required=True,
    type=NonEmptyPath(file_okay=False, path_type=Path),
    help="Folder to write pos_captured_NN.json into (e.g. fixtures/<component>/<rule stem>/); "
    "the rule's own folder gets <rule stem>.pos_captured_NN.json (flat layout).",
)
@click.option(
    "--rules",
    "rule_paths",
    multiple=True,
    type=NonEmptyPath(exists=True, path_type=Path),
    help="Rule files or folders (default: the project's rules/).",
)
@click.option("--max", "limit", type=click.IntRange(min=1), default=3, show_default=True)
@click.option(
    "--keep",
    multiple=True,
    metavar="FIELD",
    help="Dotted field kept as recorded (not rewritten); repeatable. Check it leaks nothing.",
)
def capture_command(
    archives: tuple[Path, ...],
    wanted: str,
    out_dir: Path,
    rule_paths: tuple[Path, ...],
    limit: int,
    keep: tuple[str, ...],
) -> None:
    """Write positive fixtures of a rule from real CloudTrail ARCHIVES (files or folders in
    any format `sigmaq hunt` reads): one fixture per finding, every account, ARN, IP,
    access key, id, e-mail and name rewritten to documentation values, consistently.

    Exit 0 when every written fixture still matches the rule, 1 when none matched, a
    rewrite changed a value the rule reads (then use --keep FIELD) or an input could not
    be used (a missing or unreadable path, a malformed record: named on stderr, the rest
    still read), 2 on usage errors.
    """
    from sigmaq.authoring.capture import capture
    from sigmaq.core.errors import SigmaqError

    try:
        report = capture(
            list(archives),
            list(rule_paths) or default_rule_paths(bundled=True),
            wanted,
            out_dir,
            limit=limit,
            keep=keep,
        )
    except (SigmaqError, OSError) as exc:
        exit_with_usage_error(str(exc))
    for problem in report.problems:
        click.echo(problem, err=True)
    for written in report.written:
        status = "" if written.still_matches else "  (NO LONGER MATCHES: see --keep)"
        click.echo(f"wrote {written.path} ({written.records} records){status}")
    if report.where_tested is not None and report.written:
        click.echo(
            f"note: `sigmaq test` reads this rule's fixtures from {report.where_tested}/ only: "
            f"capture with `-o {report.where_tested}` to have them replayed",
            err=True,
        )
    if report.accounts_beyond_examples:
        click.echo(
            f"warning: {report.accounts_beyond_examples} accounts beyond the documentation "
            "examples got other 12-digit ids: capture fewer findings (--max)",
            err=True,
        )
    click.echo(
        f"rule {report.rule}: {report.files} files ({report.unreadable_files} unreadable"
        + (f", {report.truncated_files} truncated" if report.truncated_files else "")
        + f"), {report.records_read} records read, {report.malformed} malformed, "
        f"{report.findings} findings, {len(report.written)} fixtures written",
        err=True,
    )
    if not report.records_read:
        # "nothing captured" over no evidence must not read as "the rule never matches".
        click.echo(
            "error: no CloudTrail record was read: check the path (a folder of delivery "
            "files, .json/.json.gz/.ndjson) and the problems above",
            err=True,
        )
    failed = not report.written or any(not w.still_matches for w in report.written)
    sys.exit(1 if failed or report.input_failed else 0)
