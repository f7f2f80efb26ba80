"""Small helpers shared by the CLI commands (paths, configuration, usage errors)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import NoReturn

import click

from sigmaq.core.layout import ProjectLayout, find_project_root

PROFILE_OPTION = click.option(
    "--profile",
    type=click.Choice(["amazon_q", "cloudtrail"]),
    default=None,
    help="Validator profile: amazon_q (this pack's conventions) or cloudtrail (CloudTrail "
    "facts only). Default: the project's sigmaq.yml, else cloudtrail.",
)


def project_layout() -> ProjectLayout | None:
    """The project around the current directory, or None."""
    root = find_project_root(Path.cwd())
    return ProjectLayout(root) if root is not None else None


def default_rule_paths() -> list[Path]:
    """The rule paths of the configuration around the current directory (``rules:``),
    else ``[<project>/rules]``.

    Exits with code 2 (usage error) when neither exists or the config is broken.
    """
    from sigmaq.core.errors import ConfigError
    from sigmaq.validate.config import load_project_config

    try:
        config = load_project_config(Path.cwd())
    except ConfigError as exc:
        exit_with_usage_error(str(exc))
    if config.rules:
        return list(config.rules)
    layout = project_layout()
    if layout is None:
        exit_with_usage_error(
            "no PATHS given, no `rules:` in a sigmaq.yml and no sigmaq project (rules/ and "
            "fixtures/) around the current folder"
        )
    return [layout.rules_dir]


def exit_with_usage_error(message: str) -> NoReturn:
    """Print ``message`` on stderr and exit with code 2."""
    click.echo(f"error: {message}", err=True)
    sys.exit(2)


def write_output(text: str, output: Path | None) -> None:
    """``text`` to ``output`` (parents created) or stdout; exit 2 when unwritable."""
    if output is None:
        click.echo(text, nl=False)
        return
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        exit_with_usage_error(f"cannot write {output}: {exc}")
