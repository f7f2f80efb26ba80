"""``sigmaq convert``: render and wire only; the work is in ``sigmaq.export.convert``."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from sigmaq.cli.common import (
    NO_VALIDATE_OPTION,
    PROFILE_OPTION,
    NonEmptyPath,
    default_rule_paths,
    elastic_index_pattern,
    reads_rule_or_fixture,
    refuse_overwriting_inputs,
    shown,
    splunk_index_name,
    splunk_macro_name,
    validate_first,
)


@click.command("convert")
@click.option(
    "-t",
    "--target",
    required=True,
    help="Target: see `sigmaq list targets` (splunk, elastic, esql, eql, athena, ...).",
)
@click.option("-f", "--format", "format_name", default=None, help="Output format of the target.")
@click.option(
    "-o", "--output", type=NonEmptyPath(dir_okay=False, path_type=Path), help="Write here."
)
@click.option(
    "--check-golden", is_flag=True, help="Compare golden snapshots (CI); exit 1 on drift."
)
@click.option("--write-golden", is_flag=True, help="Rewrite golden snapshots.")
@click.option(
    "--splunk-index",
    default=None,
    callback=splunk_index_name,
    help="Splunk index to scope searches to.",
)
@click.option("--splunk-sourcetype", default="aws:cloudtrail", show_default=True)
@click.option(
    "--splunk-macro",
    default=None,
    callback=splunk_macro_name,
    help="Search macro replacing index/sourcetype.",
)
@click.option(
    "--splunk-notable", is_flag=True, help="savedsearches: Enterprise Security notable action."
)
@click.option("--splunk-risk", is_flag=True, help="savedsearches: Enterprise Security risk action.")
@click.option(
    "--index-pattern",
    default="logs-aws.cloudtrail-*",
    show_default=True,
    callback=elastic_index_pattern,
    help="Elastic index pattern (Kibana rules, ES|QL from).",
)
@click.option(
    "--fail-on-refused",
    is_flag=True,
    help="Exit 1 when a rule is refused (the target cannot express it), e.g. as a CI gate.",
)
@NO_VALIDATE_OPTION
@PROFILE_OPTION
@click.argument("paths", nargs=-1, type=NonEmptyPath(exists=True, path_type=Path))
def convert(
    target: str,
    format_name: str | None,
    output: Path | None,
    check_golden: bool,
    write_golden: bool,
    splunk_index: str | None,
    splunk_sourcetype: str,
    splunk_macro: str | None,
    splunk_notable: bool,
    splunk_risk: bool,
    index_pattern: str,
    fail_on_refused: bool,
    no_validate: bool,
    profile: str | None,
    paths: tuple[Path, ...],
) -> None:
    """Convert rules (default: the project's rules/) for TARGET.

    The rules are validated first: load errors and high findings (an eventName
    CloudTrail never logs, an unknown field) stop the conversion (--no-validate skips
    this). Refused rules (the target cannot express them faithfully) are listed on
    stderr with the reason; exit 0 unless a rule failed unexpectedly, golden snapshots
    drifted, or --fail-on-refused and a rule was refused (exit 1).
    """
    from sigmaq.core.errors import ConfigError, SigmaqError
    from sigmaq.core.layout import ProjectLayout, find_project_root
    from sigmaq.export import convert as conv
    from sigmaq.export.pipelines.cloudtrail import SPLUNK_SOURCETYPE
    from sigmaq.export.splunk.settings import SOURCE_MACRO
    from sigmaq.export.targets import TargetOptions, get_target

    if check_golden and write_golden:
        raise click.UsageError("--check-golden and --write-golden exclude each other")
    options = TargetOptions(
        splunk_sourcetype=splunk_sourcetype or None,
        splunk_index=splunk_index,
        splunk_macro=splunk_macro,
        splunk_notable=splunk_notable,
        splunk_risk=splunk_risk,
        elastic_index_pattern=index_pattern,
    )
    rule_paths = list(paths) or default_rule_paths(bundled=True)
    refuse_overwriting_inputs(output, rule_paths, reads_rule_or_fixture, "-o")
    from sigmaq.core.loader import iter_rule_files

    try:
        if not iter_rule_files(rule_paths):
            raise click.UsageError(
                f"no rule files (*.yml, *.yaml) under {', '.join(map(str, rule_paths))}"
            )
    except SigmaqError as exc:
        raise click.UsageError(str(exc)) from exc
    try:
        spec = get_target(target)
        chosen = spec.format(format_name)
    except ConfigError as exc:
        raise click.UsageError(str(exc)) from exc
    scoped = splunk_index is not None or splunk_sourcetype != SPLUNK_SOURCETYPE
    if chosen.name == "savedsearches" and scoped and splunk_macro is None:
        raise click.UsageError(
            "--splunk-index/--splunk-sourcetype do not reach -f savedsearches: every stanza "
            f"starts with the macro `{SOURCE_MACRO}`, which the app's macros.conf defines "
            "(`sigmaq build --splunk-index NAME` writes the app with it); pass --splunk-macro "
            "NAME for a macro of yours, or -f default for plain SPL scoped to the index"
        )
    if not no_validate:
        validate_first(rule_paths, profile, "convert")

    failed = False
    try:
        if check_golden or write_golden:
            root = find_project_root(rule_paths[0])
            if root is None:
                raise click.UsageError("golden snapshots need a project (rules/ + fixtures/)")
            layout = ProjectLayout(root)
            formats = [format_name] if format_name else list(spec.primary_formats)
            for name in formats:
                result = conv.convert_rules(rule_paths, target, name, options)
                failed |= _summary(result, fail_on_refused)
                if write_golden:
                    written = conv.write_golden(layout, result)
                    click.echo(f"{target}/{name}: {len(written)} golden files written", err=True)
                else:
                    differences = conv.check_golden(layout, result)
                    for diff in differences:
                        click.echo(f"golden {diff.kind}: {diff.path}", err=True)
                    if differences:
                        click.echo(
                            "golden snapshots drifted: review, then run "
                            f"`sigmaq convert -t {target} --write-golden`",
                            err=True,
                        )
                        failed = True
        else:
            result = conv.convert_rules(rule_paths, target, format_name, options)
            failed |= _summary(result, fail_on_refused)
            if output is not None:
                try:
                    output.parent.mkdir(parents=True, exist_ok=True)
                    output.write_text(result.text, encoding="utf-8")
                except OSError as exc:
                    raise ConfigError(f"cannot write output: {exc}", path=output) from exc
            else:
                sys.stdout.write(result.text)
    except SigmaqError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2 if isinstance(exc, ConfigError) else 1)
    sys.exit(1 if failed else 0)


def _summary(result: object, fail_on_refused: bool = False) -> bool:
    """Print the per-rule summary on stderr; True when a rule failed (or, with
    ``fail_on_refused``, was refused)."""
    from sigmaq.export.convert import ConversionResult

    assert isinstance(result, ConversionResult)
    click.echo(
        f"{result.target}/{result.format}: {len(result.converted)} converted, "
        f"{len(result.refused)} refused, {len(result.failed)} failed",
        err=True,
    )
    for outcome in result.refused:
        click.echo(f"  refused {shown(outcome.path)}: {shown(outcome.message)}", err=True)
    for outcome in result.failed:
        click.echo(f"  FAILED  {shown(outcome.path)}: {shown(outcome.message)}", err=True)
    return bool(result.failed) or (fail_on_refused and bool(result.refused))
