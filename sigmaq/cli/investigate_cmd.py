"""``sigmaq investigate PATH...``: answer the playbook's questions from CloudTrail archives.

Wiring and rendering only; the work is ``sigmaq.investigate.runner``. The report files go
to ``-o DIR`` (``report.md``, ``report.html``, ``report.json``); progress, problems and a
summary to stderr. Exit 0 when the investigation ran, 1 when an input file, record or rule
could not be used (after everything else was read), 2 on usage errors.
"""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from sigmaq.cli.common import NonEmptyPath, archive_rule_paths, shown
from sigmaq.cli.hunt_cmd import LEVELS, SINCE_OPTION, UNTIL_OPTION

if TYPE_CHECKING:
    from rich.console import Console

    from sigmaq.investigate.model import Report

FORMATS = ("markdown", "html", "json")
FILE_NAMES = {"markdown": "report.md", "html": "report.html", "json": "report.json"}


@click.command(name="investigate")
# not checked for existence: a missing path is counted unreadable by the read (as hunt)
@click.argument("paths", nargs=-1, required=True, type=NonEmptyPath(path_type=Path))
@click.option(
    "--principal",
    metavar="PATTERN",
    help="Only records of this principal: ARN, IAM user, role, access key id, Identity "
    "Center user id or source identity; a substring, or a glob with * ? [].",
)
@click.option(
    "--follow-sessions/--no-follow-sessions",
    default=True,
    show_default=True,
    help="With --principal, also investigate the sessions it opened (sts:AssumeRole*, "
    "GetFederationToken, GetSessionToken, AssumeRoot, Identity Center tokens), and those "
    "they opened, found by the access key, session ARN or source identity the call "
    "returned; the inputs are read twice.",
)
@SINCE_OPTION
@UNTIL_OPTION
@click.option(
    "--credential-report",
    type=NonEmptyPath(exists=True, dir_okay=False, path_type=Path),
    help="IAM credential report (the CSV of `aws iam get-credential-report`, its Base64 "
    "Content, or the command's JSON) so step 6 lists every user's and the root user's keys.",
)
@click.option(
    "-o",
    "--output",
    "output_dir",
    type=NonEmptyPath(file_okay=False, path_type=Path),
    default=Path("investigation"),
    show_default=True,
    help="Folder for the report files.",
)
@click.option(
    "--format",
    "formats",
    type=click.Choice(FORMATS),
    multiple=True,
    help="Report formats (repeatable; default: all three).",
)
@click.option(
    "--rules",
    "rule_paths",
    multiple=True,
    type=NonEmptyPath(exists=True, path_type=Path),
    help="Rule files or folders (default: the project's rules/).",
)
@click.option("--min-level", type=click.Choice(LEVELS), help="Only rules of this level or above.")
@click.option("--no-progress", is_flag=True, help="No progress bar (it is off when not a TTY).")
def investigate(
    paths: tuple[Path, ...],
    principal: str | None,
    follow_sessions: bool,
    since: datetime | None,
    until: datetime | None,
    credential_report: Path | None,
    output_dir: Path,
    formats: tuple[str, ...],
    rule_paths: tuple[Path, ...],
    min_level: str | None,
    no_progress: bool,
) -> None:
    """Answer the Amazon Q playbook's six analysis questions from CloudTrail archives, with
    a timeline per principal and a containment checklist (steps 6-7) of AWS CLI commands
    that are never run. Reads the same inputs as `sigmaq hunt`."""
    from rich.console import Console
    from rich.markup import escape

    from sigmaq.core.errors import ConfigError, SigmaqError
    from sigmaq.core.loader import load_rules
    from sigmaq.core.model import Level
    from sigmaq.core.runtime import tune_malloc
    from sigmaq.hunt.rules import located, replayable_rules, select_rules
    from sigmaq.investigate.credentials import read_credential_report
    from sigmaq.investigate.runner import InvestigateOptions

    err = Console(stderr=True, highlight=False)
    if since and until and since > until:
        raise click.BadParameter("--since is after --until", param_hint="--since")
    try:
        sources = archive_rule_paths(rule_paths)
        credentials = read_credential_report(credential_report) if credential_report else None
    except ConfigError as error:
        raise click.UsageError(str(error)) from error
    loaded = load_rules(sources)
    messages = [str(e) for e in loaded.errors]
    chosen = select_rules(loaded.rules, (), Level.parse(min_level))
    runnable, refused = replayable_rules([r.rule for r in chosen])
    messages += [str(e) for e in located(refused, loaded.rules)]
    for message in messages:
        err.print(f"[red]rule error[/red] {escape(shown(message))}", markup=True, soft_wrap=True)
    try:
        output_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise click.UsageError(f"cannot create {output_dir}: {error}") from error
    options = InvestigateOptions(
        since=since, until=until, principal=principal, follow_sessions=follow_sessions
    )
    tune_malloc()  # this command owns its process (as hunt)
    kwargs: dict[str, Any] = {
        "credentials": credentials,
        "credential_source": str(credential_report) if credential_report else None,
        "rule_errors": messages,
    }
    try:
        if not no_progress and sys.stderr.isatty():
            report = _with_progress(paths, runnable, options, kwargs, err)
        else:
            from sigmaq.investigate.runner import investigate as run

            report = run(paths, runnable, options, **kwargs)
    except SigmaqError as error:
        err.print(f"[red]error[/red] {escape(str(error))}", markup=True, soft_wrap=True)
        sys.exit(1)
    wanted = formats or FORMATS
    written = _write(report, output_dir, wanted)
    _summary(report, written, err)
    info = report.run
    if (since or until or principal) and info.records_read and not info.events_evaluated:
        err.print(
            f"[yellow]warning[/yellow] none of the {info.records_read:,} records read is "
            "within --since/--until/--principal: nothing was investigated; check them",
            markup=True,
            soft_wrap=True,
        )
    if not info.records_read:
        # Six "cannot be answered" over no evidence must not read as "nothing happened".
        err.print(
            "[red]error[/red] no CloudTrail record was read: check the path (a folder of "
            "delivery files, .json/.json.gz/.ndjson) and the problems above",
            markup=True,
            soft_wrap=True,
        )
    if len(written) < len(dict.fromkeys(wanted)):
        sys.exit(2)  # a report could not be written (named above), as every "cannot write"
    failed = info.malformed or info.unreadable_files or info.truncated_files or messages
    sys.exit(1 if failed or not info.records_read else 0)


def _with_progress(
    paths: tuple[Path, ...], rules: list[Any], options: Any, kwargs: dict[str, Any], err: Console
) -> Report:
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

    from sigmaq.hunt.runner import scan
    from sigmaq.investigate.runner import investigate as run

    plan = scan(paths)
    passes = 2 if options.principal and options.follow_sessions else 1  # sessions, then all
    columns = (
        TextColumn("investigating {task.fields[files]}/" + str(plan.files * passes) + " files"),
        BarColumn(),
        DownloadColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=err, transient=True) as bar:
        task = bar.add_task("investigate", total=plan.bytes * passes or None, files=0)
        done = 0

        def advance(_path: Path, size: int) -> None:
            nonlocal done
            done += 1
            bar.update(task, advance=size, files=done)

        return run(paths, rules, options, progress=advance, **kwargs)


def _write(report: Report, folder: Path, formats: tuple[str, ...]) -> list[Path]:
    from sigmaq.investigate.render_html import render_html
    from sigmaq.investigate.render_json import write_json
    from sigmaq.investigate.render_markdown import render_markdown

    written = []
    for name in dict.fromkeys(formats):
        path = folder / FILE_NAMES[name]
        try:
            if name == "json":
                with path.open("wb") as handle:
                    write_json(report, handle)
            elif name == "html":
                path.write_text(render_html(report), encoding="utf-8")
            else:
                path.write_text(render_markdown(report), encoding="utf-8")
        except OSError as error:  # one report that cannot be written: the others still are
            click.echo(f"error: cannot write {path}: {error}", err=True)
            continue
        written.append(path)
    return written


def _summary(report: Report, written: list[Path], err: Console) -> None:
    from sigmaq.investigate.render_common import VERDICT

    run = report.run
    for problem in run.problems:
        err.print(problem, markup=False, soft_wrap=True)
    err.print(
        f"{run.files} files, {run.records_read:,} records read, {run.events_evaluated:,} "
        f"investigated, {run.malformed} malformed, {run.unreadable_files} unreadable, "
        f"{run.truncated_files} truncated, "
        f"{run.skipped} skipped (digests, no eventName), {run.empty_files} empty; "
        f"{report.findings_total:,} findings; {report.principals_total:,} principals; "
        f"{report.resources_total:,} resources; {len(report.checklist)} checklist items; "
        + (
            f"{report.followed_sessions_total:,} sessions of the principal followed; "
            if run.follow_sessions
            else ""
        )
        + f"{run.elapsed_seconds:.1f} s",
        markup=False,
        soft_wrap=True,
    )
    for answer in report.answers:
        verdict = VERDICT.get(answer.answered, answer.answered)
        err.print(f"{answer.id}: {verdict}: {answer.summary}", markup=False, soft_wrap=True)
    for path in written:
        err.print(f"wrote {path}", markup=False, soft_wrap=True)
