"""``sigmaq new``: scaffold a rule and its fixture stubs (rendering only; logic in
``sigmaq.authoring.scaffold``)."""

from __future__ import annotations

import shlex
from pathlib import Path

import click

from sigmaq.cli.common import NonEmptyPath, exit_with_usage_error


@click.command("new")
@click.argument("title")
@click.option(
    "-c",
    "--component",
    default="",
    help="Component folder: q_business, q_apps, q_developer, q_agent, q_connect, q_chat_apps, "
    "containment (pack layout).",
)
@click.option(
    "--event-source",
    "event_sources",
    multiple=True,
    metavar="SOURCE",
    help="eventSource (e.g. qbusiness.amazonaws.com); repeatable. Default: the component's "
    "service, else the one service that logs the eventNames.",
)
@click.option(
    "--event-name",
    "event_names",
    multiple=True,
    required=True,
    metavar="NAME",
    help="eventName to detect (e.g. DeleteChatControlsConfiguration); repeatable.",
)
@click.option(
    "--level",
    type=click.Choice(["informational", "low", "medium", "high", "critical"]),
    default="medium",
    show_default=True,
)
@click.option(
    "--catalogue",
    multiple=True,
    metavar="AQ-NN",
    help="Detection catalogue item the rule implements; repeatable (required outside containment).",
)
@click.option(
    "--playbook",
    multiple=True,
    metavar="KEY",
    help="Playbook step or question (step-4..step-7, q1..q6); repeatable. Default: step-4.",
)
@click.option("--attack", multiple=True, metavar="TNNNN", help="ATT&CK technique id; repeatable.")
@click.option(
    "--author",
    default=None,
    help="Default: `author:` of the project's sigmaq.yml, else git config user.name.",
)
@click.option("--description", default=None, help="Rule description (default: a sentence to edit).")
@click.option(
    "--dir",
    "out_dir",
    type=NonEmptyPath(file_okay=False, path_type=Path),
    default=None,
    help="Flat layout: write the rule here and its fixtures beside it (<stem>.pos_*.json).",
)
@click.option("--dry-run", is_flag=True, help="Print what would be written; write nothing.")
def new(
    title: str,
    component: str,
    event_sources: tuple[str, ...],
    event_names: tuple[str, ...],
    level: str,
    catalogue: tuple[str, ...],
    playbook: tuple[str, ...],
    attack: tuple[str, ...],
    author: str | None,
    description: str | None,
    out_dir: Path | None,
    dry_run: bool,
) -> None:
    """Scaffold a rule called TITLE and three fixture stubs (one positive, two negatives).

    The rule is valid as written; the stubs are CloudTrail records of the call from the
    API catalogue and fail `sigmaq validate` until you have edited them (each says how,
    in its "sigmaqStub" key, which you then delete). Next: edit, `sigmaq update`,
    `sigmaq build` (CONTRIBUTING.md, "Add a rule"); with --dir: edit, `sigmaq fixture
    format DIR`, `sigmaq validate DIR`, `sigmaq test DIR`.
    """
    from sigmaq.authoring.scaffold import NewRule, build_scaffold, write_scaffold
    from sigmaq.core.errors import SigmaqError
    from sigmaq.core.layout import find_project_root
    from sigmaq.validate.config import load_project_config

    root = find_project_root(Path.cwd())
    if author is None:  # the project's convention (sigmaq.yml `author:`), else git's name
        try:
            author = load_project_config(out_dir or root or Path.cwd()).author
        except SigmaqError as exc:
            exit_with_usage_error(str(exc))
    request = NewRule(
        title=title,
        component=component,
        event_names=event_names,
        event_sources=event_sources,
        level=level,
        catalogue=catalogue,
        playbook=playbook or ("step-4",),
        attack=attack,
        author=author,
        description=description,
    )
    try:
        scaffold = build_scaffold(request, root=root, out_dir=out_dir)
        if dry_run:
            for path, text in scaffold.files.items():
                click.echo(f"# {path}\n{text}")
            return
        written = write_scaffold(scaffold)
    except (SigmaqError, OSError) as exc:
        exit_with_usage_error(str(exc))
    base = Path.cwd()
    for path in written:
        try:
            shown = path.resolve().relative_to(base.resolve())
        except ValueError:
            shown = path
        click.echo(f"wrote {shown}")
    if out_dir is None:
        then = "`sigmaq update` and `sigmaq build` (CONTRIBUTING.md, 'Add a rule')"
    else:  # a flat rule folder: update and build need a pack (rules/ and fixtures/)
        folder = shlex.quote(str(out_dir))
        then = (
            f"`sigmaq fixture format {folder}`, `sigmaq validate {folder}` and "
            f"`sigmaq test {folder}`"
        )
    click.echo(
        "next: edit the rule and each fixture (delete its sigmaqStub key when done), then run "
        + then,
        err=True,
    )
