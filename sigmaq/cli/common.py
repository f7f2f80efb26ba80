"""Small helpers shared by the CLI commands (paths, usage errors)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import NoReturn

import click

from sigmaq.core.layout import ProjectLayout, find_project_root


def project_layout() -> ProjectLayout | None:
    """The project around the current directory, or None."""
    root = find_project_root(Path.cwd())
    return ProjectLayout(root) if root is not None else None


def default_rule_paths() -> list[Path]:
    """``[<project>/rules]`` for the project around the current directory.

    Exits with code 2 (usage error) when no project is found.
    """
    layout = project_layout()
    if layout is None:
        exit_with_usage_error(
            "no PATHS given and no sigmaq project (rules/ and fixtures/) around the current folder"
        )
    return [layout.rules_dir]


def exit_with_usage_error(message: str) -> NoReturn:
    """Print ``message`` on stderr and exit with code 2."""
    click.echo(f"error: {message}", err=True)
    sys.exit(2)
