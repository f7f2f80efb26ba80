"""``sigmaq list``: targets, formats, validators and rules (rendering only)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from sigmaq.cli.common import NonEmptyPath, default_rule_paths, exit_with_usage_error, shown

_FORMAT = click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
)


def _emit(rows: list[dict[str, str]], output_format: str, columns: list[str]) -> None:
    if output_format == "json":
        click.echo(json.dumps(rows, indent=2))
        return
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    table = Table(*columns)
    for row in rows:  # a rule title is another team's text: shown as written, no markup
        table.add_row(*(Text(str(row.get(column, ""))) for column in columns))
    Console(width=160).print(table)


@click.group("list")
def list_group() -> None:
    """List targets, formats, validators or rules."""


@list_group.command("targets")
@_FORMAT
def list_targets(output_format: str) -> None:
    """Conversion targets with their formats (primary formats marked *)."""
    from sigmaq.export.targets import TARGETS

    rows = [
        {
            "target": name,
            "formats": ", ".join(
                f"{fmt.name}*" if fmt.name in target.primary_formats else fmt.name
                for fmt in target.formats
            ),
            "description": target.description,
        }
        for name, target in sorted(TARGETS.items())
    ]
    _emit(rows, output_format, ["target", "formats", "description"])


@list_group.command("formats")
@click.argument("target", required=False)
@_FORMAT
def list_formats(target: str | None, output_format: str) -> None:
    """Output formats per target (or of one TARGET)."""
    from sigmaq.export.targets import TARGETS

    rows = [
        {
            "target": name,
            "format": fmt.name,
            "primary": "yes" if fmt.name in spec.primary_formats else "",
            "description": fmt.description,
        }
        for name, spec in sorted(TARGETS.items())
        if target is None or name == target
        for fmt in spec.formats
    ]
    if target is not None and not rows:
        raise click.UsageError(f"unknown target '{target}' (known: {', '.join(sorted(TARGETS))})")
    _emit(rows, output_format, ["target", "format", "primary", "description"])


@list_group.command("validators")
@_FORMAT
def list_validators(output_format: str) -> None:
    """Every validator and fixture check `sigmaq validate` knows: origin, the profiles
    that run it, and whether it can run here (offline)."""
    from sigmaq.validate.registry import REPLACED, profile_validators, validator_infos

    profiles = {name: profile_validators(name) for name in ("amazon_q", "cloudtrail")}
    rows = []
    for info in validator_infos():
        if info.unavailable:
            status = f"unavailable: {info.unavailable}"
        elif info.name in REPLACED:
            status = f"off in amazon_q: {REPLACED[info.name]}"
        else:
            status = "runnable"
        rows.append(
            {
                "validator": info.name,
                "kind": info.kind,
                "origin": info.origin,
                "profiles": ", ".join(p for p, names in profiles.items() if info.name in names)
                or "-",
                "status": status,
                "description": info.description,
            }
        )
    _emit(rows, output_format, ["validator", "kind", "origin", "profiles", "status", "description"])


@list_group.command("rules")
@click.argument("paths", nargs=-1, type=NonEmptyPath(path_type=Path))
@_FORMAT
def list_rules(paths: tuple[Path, ...], output_format: str) -> None:
    """Rules under PATHS (default: the project's rules/) with id, level and file.

    Exit 1 when a rule file is broken (each is named on stderr, as by `sigmaq
    validate`), 2 on usage errors.
    """
    from sigmaq.core.errors import RuleLoadError
    from sigmaq.core.loader import load_rules

    try:
        result = load_rules(list(paths) or default_rule_paths(bundled=True))
    except RuleLoadError as exc:  # a path that does not exist
        exit_with_usage_error(str(exc))
    rows = [
        {
            "id": loaded.rule_id,
            "title": str(loaded.rule.title),
            "level": str(loaded.rule.level.name.lower()) if loaded.rule.level else "",
            "type": "correlation" if loaded.is_correlation else "single",
            "file": str(loaded.path),
        }
        for loaded in result.rules
    ]
    _emit(rows, output_format, ["id", "title", "level", "type", "file"])
    for error in result.errors:
        click.echo(f"error: {shown(error)}", err=True)
    if result.errors:
        sys.exit(1)
