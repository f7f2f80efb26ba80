"""``sigmaq hunt PATH...``: run the rule pack over CloudTrail files and folders.

Wiring and rendering only; the work is ``sigmaq.hunt.runner``. Findings go to stdout (or
``-o``), diagnostics, progress and the summary to stderr. Exit 0 when the hunt ran
(with or without findings), 1 when an input file, record or rule could not be read
(after everything else was read), 2 on usage errors.
"""

from __future__ import annotations

import contextlib
import os
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from sigmaq.cli.common import (
    NO_VALIDATE_OPTION,
    PROFILE_OPTION,
    NonEmptyPath,
    archive_rule_paths,
    exit_with_usage_error,
    refuse_overwriting_inputs,
    shown,
    validate_first,
)

if TYPE_CHECKING:
    from rich.console import Console

    from sigmaq.hunt.runner import HuntResult, ProgressCallback

LEVELS = ("informational", "low", "medium", "high", "critical")


class Timestamp(click.ParamType[datetime]):
    """An ISO 8601 date or date-time (``2024-05-01``, ``2024-05-01T12:00:00Z``); UTC if
    no zone is given. A date alone is its first instant, or with ``end_of_day`` (for
    ``--until``, "at or before") its last, so ``--since D --until D`` is the day D."""

    name = "timestamp"

    def __init__(self, *, end_of_day: bool = False) -> None:
        self.end_of_day = end_of_day

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> datetime:
        if isinstance(value, datetime):
            return value
        try:
            moment = datetime.fromisoformat(str(value))
        except ValueError:
            self.fail(f"{value!r} is not an ISO 8601 date or time", param, ctx)
        if self.end_of_day and _is_date_only(str(value)):
            moment += timedelta(days=1, microseconds=-1)
        return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _is_date_only(text: str) -> bool:
    """True when ``text`` is an ISO 8601 calendar date without a time (``2024-05-01``)."""
    try:
        date.fromisoformat(text.strip())
    except ValueError:
        return False
    return True


SINCE_OPTION = click.option(
    "--since",
    type=Timestamp(),
    help="Only events at or after this time (ISO 8601; UTC without an offset).",
)
UNTIL_OPTION = click.option(
    "--until",
    type=Timestamp(end_of_day=True),
    help="Only events at or before this time (ISO 8601; UTC without an offset; a date "
    "alone includes that whole day).",
)


class InputPath(click.ParamType[Path | str]):
    """A local file or folder, or a URI Spark reads (``s3://…``).

    A local path is not checked here: one that does not exist is reported and counted
    unreadable by the read (``replay.paths.iter_paths``), after every other input is
    read, and the exit code is 1, as for any unreadable input.
    """

    name = "path"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> Path | str:
        from sigmaq.hunt.spark import is_remote

        if is_remote(str(value)):
            return str(value)
        local: Path = NonEmptyPath(path_type=Path).convert(value, param, ctx)
        return local


@click.command(name="hunt")
@click.argument("paths", nargs=-1, required=True, type=InputPath())
@click.option(
    "--rules",
    "rule_paths",
    multiple=True,
    type=NonEmptyPath(exists=True, path_type=Path),
    help="Rule files or folders (default: the project's rules/).",
)
@SINCE_OPTION
@UNTIL_OPTION
@click.option("--min-level", type=click.Choice(LEVELS), help="Only rules of this level or above.")
@click.option(
    "--rule",
    "rule_patterns",
    multiple=True,
    metavar="GLOB_OR_ID",
    help="Only these rules: id, title, correlation name or file stem; globs allowed. Repeatable.",
)
@click.option(
    "--window",
    type=click.Choice(["sliding", "tumbling"]),
    default="sliding",
    show_default=True,
    help="Correlation windows: sliding (Sigma) or tumbling (as Splunk/ES|QL bucket them).",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["table", "ndjson", "json", "csv"]),
    default="table",
    show_default=True,
)
@click.option(
    "-o", "--output", type=NonEmptyPath(dir_okay=False, path_type=Path), help="Write findings here."
)
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Worker processes over files (0 = one per CPU; 1 = no workers). Findings are "
    "the same for any value.",
)
@click.option("--no-progress", is_flag=True, help="No progress bar (it is off when not a TTY).")
@NO_VALIDATE_OPTION
@PROFILE_OPTION
@click.option(
    "--engine",
    type=click.Choice(["local", "spark"]),
    default="local",
    show_default=True,
    help="local: this machine; spark: Spark SQL (pip install 'sigmaq[spark]'), local mode or "
    "the cluster of spark-submit; reads s3:// URIs.",
)
@click.option(
    "--spark-master",
    metavar="URL",
    help="Spark master for --engine spark when not run by spark-submit (default local[*]).",
)
def hunt(
    paths: tuple[Path | str, ...],
    rule_paths: tuple[Path, ...],
    since: datetime | None,
    until: datetime | None,
    min_level: str | None,
    rule_patterns: tuple[str, ...],
    window: str,
    output_format: str,
    output: Path | None,
    jobs: int,
    no_progress: bool,
    no_validate: bool,
    profile: str | None,
    engine: str,
    spark_master: str | None,
) -> None:
    """Run the rule pack over CloudTrail archives (files or folders) and report findings.

    Reads S3 delivery files, JSON arrays, NDJSON, EventBridge events and CloudTrail
    Lake results, gzip-compressed or not; digest files are skipped. The rules are
    validated first: load errors and high findings stop the hunt (--no-validate).
    """

    from rich.console import Console
    from rich.markup import escape

    from sigmaq.core.errors import ConfigError, SigmaqError
    from sigmaq.core.loader import load_rules
    from sigmaq.core.model import Level, WindowMode
    from sigmaq.core.runtime import tune_malloc
    from sigmaq.hunt.rules import located
    from sigmaq.hunt.runner import HuntOptions, replayable_rules, select_rules
    from sigmaq.hunt.runner import hunt as run_hunt

    err = Console(stderr=True, highlight=False)
    if since and until and since > until:
        raise click.BadParameter("--since is after --until", param_hint="--since")
    try:
        sources = archive_rule_paths(rule_paths)
    except ConfigError as error:
        raise click.UsageError(error.message) from error
    loaded = validate_first(sources, profile, "hunt") if not no_validate else load_rules(sources)
    for load_error in loaded.errors:
        err.print(f"[red]rule error[/red] {escape(shown(load_error))}", markup=True, soft_wrap=True)
    try:
        chosen = select_rules(loaded.rules, rule_patterns, Level.parse(min_level))
    except ConfigError as error:
        raise click.UsageError(error.message) from error
    if not chosen and loaded.errors:  # every rule file broken: named above, not a usage error
        err.print("[red]error[/red] no rule loaded (see the errors above)", markup=True)
        sys.exit(1)
    if not chosen:
        raise click.UsageError("no rules to hunt with (check --rules, --rule and --min-level)")
    runnable, refused = replayable_rules([r.rule for r in chosen])
    refused = located(refused, loaded.rules)
    for replay_error in refused:
        err.print(
            f"[red]rule error[/red] {escape(shown(replay_error))}", markup=True, soft_wrap=True
        )
    if not runnable:  # broken rules (README: exit 1 when a rule could not be used)
        err.print(
            "[red]error[/red] none of the selected rules can be replayed (see the errors above)",
            markup=True,
        )
        sys.exit(1)
    if output is not None:
        _check_output(output, [p for p in paths if isinstance(p, Path)])
    options = HuntOptions(
        since=since,
        until=until,
        window=WindowMode(window),
        jobs=jobs or os.cpu_count() or 1,
    )
    if engine == "spark":
        result = _spark_hunt(paths, sources, runnable, options, spark_master, err)
        _write_findings(result, output_format, output)
        from sigmaq.hunt.output import printable, summary_lines

        for line in summary_lines(result):
            err.print(printable(line), soft_wrap=True)
        sys.exit(1 if result.stats.failed or loaded.errors or refused or result.refused else 0)
    remote = [str(p) for p in paths if not isinstance(p, Path)]
    if remote:
        raise click.UsageError(f"{remote[0]}: remote URIs need --engine spark")
    local_paths = tuple(p for p in paths if isinstance(p, Path))
    show_progress = not no_progress and sys.stderr.isatty()
    tune_malloc()  # this command owns its process: glibc keeps freed buffers for reuse
    try:
        if show_progress:
            result = _hunt_with_progress(local_paths, runnable, options, err)
        else:
            result = run_hunt(local_paths, runnable, options)
    except SigmaqError as error:
        err.print(f"[red]error[/red] {escape(str(error))}", markup=True, soft_wrap=True)
        sys.exit(1)
    _write_findings(result, output_format, output)
    from sigmaq.hunt.output import printable, summary_lines

    for line in summary_lines(result):
        err.print(printable(line), soft_wrap=True)
    nothing_read = result.stats.records_read == 0
    if options.timed and not nothing_read and result.events_evaluated == 0:
        err.print(
            f"[yellow]warning[/yellow] none of the {result.stats.records_read:,} records read "
            "is within --since/--until (eventTime, UTC): nothing was hunted; check the window",
            markup=True,
            soft_wrap=True,
        )
    if nothing_read:
        # "no findings" over no evidence must not read as a clean bill of health.
        err.print(
            "[red]error[/red] no CloudTrail record was read: check the path (a folder of "
            "delivery files, .json/.json.gz/.ndjson) and the problems above",
            markup=True,
            soft_wrap=True,
        )
    sys.exit(1 if result.stats.failed or loaded.errors or refused or nothing_read else 0)


def _spark_hunt(
    paths: tuple[Path | str, ...],
    sources: list[Path],
    rules: list[Any],
    options: Any,
    master: str | None,
    err: Console,
) -> Any:
    """Wire the Spark engine: the rules' Athena queries from the export stage."""
    from rich.markup import escape

    from sigmaq.core.errors import SigmaqError
    from sigmaq.export.aws.prove import convert_all
    from sigmaq.hunt.spark.engine import spark_hunt, spark_session

    converted = convert_all("athena", sources)
    queries = {
        item.loaded.rule_id: item.query
        for item in converted
        if item.query and not item.loaded.is_correlation
    }
    refusals = {item.loaded.rule_id: item.error for item in converted if not item.query}
    try:
        result = spark_hunt(
            list(paths), rules, queries, options, spark=spark_session(master), refusals=refusals
        )
    except SigmaqError as error:
        err.print(f"[red]error[/red] {escape(str(error))}", markup=True, soft_wrap=True)
        sys.exit(1)
    for rule_id, reason in result.refused:
        err.print(
            f"[red]rule error[/red] {rule_id}: not run by the spark engine: {escape(reason)}",
            markup=True,
            soft_wrap=True,
        )
    for rule_id, path, position in result.disagreements[:20]:
        err.print(
            f"[yellow]warning[/yellow] {escape(str(path))} record {position}: "
            f"Spark SQL matched rule {rule_id}, replay does not (finding not reported)",
            markup=True,
            soft_wrap=True,
        )
    return result


def _hunt_with_progress(
    paths: tuple[Path, ...], rules: list[Any], options: Any, err: Console
) -> HuntResult:
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    from sigmaq.hunt.runner import hunt as run_hunt
    from sigmaq.hunt.runner import scan

    plan = scan(paths)
    columns = (
        TextColumn("hunting {task.fields[files]}/" + str(plan.files) + " files"),
        BarColumn(),
        DownloadColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=err, transient=True) as bar:
        task = bar.add_task("hunt", total=plan.bytes or None, files=0)
        done = 0

        def advance(_path: Path, size: int) -> None:
            nonlocal done
            done += 1
            bar.update(task, advance=size, files=done)

        callback: ProgressCallback = advance
        return run_hunt(paths, rules, options, progress=callback)


def _check_output(output: Path, inputs: list[Path]) -> None:
    """Fail before the run, not after it: ``output`` must be writable and must not be a
    file the hunt reads (named, or a data file inside a folder it reads): writing the
    findings there would overwrite the very records they came from. A file that did not
    exist is removed again, so that the run does not read it as an empty input."""
    from sigmaq.replay.paths import DATA_SUFFIXES

    refuse_overwriting_inputs(
        output, inputs, lambda path: path.name.lower().endswith(DATA_SUFFIXES), "-o"
    )
    existed = output.exists()
    try:
        output.open("a", encoding="utf-8").close()
    except OSError as error:
        raise click.UsageError(f"cannot write {output}: {error}") from error
    if not existed:
        with contextlib.suppress(OSError):
            output.unlink()


def _write_findings(result: HuntResult, output_format: str, output: Path | None) -> None:
    """Findings to ``output`` (or stdout). A file that cannot be written after all (a
    full disk: the check before the run only opened it) exits 2 naming it, as the check
    does; stdout's failures are the command group's (``sigmaq.cli.LazyGroup.main``)."""
    if output is None:
        _write_findings_to(result, output_format, sys.stdout, to_file=False)
        return
    try:
        with output.open("w", encoding="utf-8", newline="") as handle:
            _write_findings_to(result, output_format, handle, to_file=True)
    except OSError as error:
        exit_with_usage_error(f"cannot write {output}: {error}")


def _write_findings_to(
    result: HuntResult, output_format: str, handle: Any, *, to_file: bool
) -> None:
    from sigmaq.hunt import output as hunt_output

    if output_format == "ndjson":
        hunt_output.write_ndjson(result.findings, handle)
    elif output_format == "json":
        hunt_output.write_json(result, handle)
    elif output_format == "csv":
        hunt_output.write_csv(result.findings, handle)
    else:
        console = _table_console(handle, to_file=to_file)
        hunt_output.write_table(result, console)


def _table_console(handle: Any, *, to_file: bool) -> Console:
    from rich.console import Console

    # Not a terminal (a file or a pipe): wide enough that rows do not wrap, no colour.
    if to_file or not getattr(handle, "isatty", lambda: False)():
        return Console(file=handle, width=200, no_color=True, highlight=False)
    return Console(file=handle, highlight=False)
