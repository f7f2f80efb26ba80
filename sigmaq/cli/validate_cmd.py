"""``sigmaq validate``: offline validation of Sigma rules and their fixtures (rendering only)."""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from sigmaq.cli.common import (
    PROFILE_OPTION,
    NonEmptyPath,
    default_rule_paths,
    exit_with_usage_error,
    reads_rule_or_fixture,
    refuse_overwriting_inputs,
    shown,
    write_output,
)

if TYPE_CHECKING:
    from sigmaq.validate.runner import ValidationReport


@click.command()
@click.argument("paths", nargs=-1, type=NonEmptyPath(path_type=Path))
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json", "sarif"]),
    default="text",
    show_default=True,
    help="Human text, machine JSON or SARIF 2.1.0 (code scanning).",
)
@click.option(
    "-o",
    "--output",
    type=NonEmptyPath(dir_okay=False, path_type=Path),
    help="Write the report here instead of stdout.",
)
@click.option(
    "--junit-xml", type=NonEmptyPath(dir_okay=False, path_type=Path), help="Also write JUnit XML."
)
@click.option(
    "--fail-on",
    type=click.Choice(["low", "medium", "high", "error"]),
    default="low",
    show_default=True,
    help="Lowest severity that makes the exit code 1.",
)
@PROFILE_OPTION
@click.option(
    "--config",
    "config_path",
    type=NonEmptyPath(dir_okay=False, path_type=Path),
    help="sigmaq.yml or pyproject.toml to read (default: the nearest one above PATHS).",
)
def validate(
    paths: tuple[Path, ...],
    output_format: str,
    output: Path | None,
    junit_xml: Path | None,
    fail_on: str,
    profile: str | None,
    config_path: Path | None,
) -> None:
    """Validate rules in PATHS (default: the configured rules, else the project's rules/)
    and their fixtures, offline: pySigma's core, SigmaHQ and sigmaq's validators as the
    profile selects them.

    Exit 0 when clean, 1 on findings at or above --fail-on or on broken rule files,
    2 on usage errors.
    """
    from sigmaq.core.errors import SigmaqError
    from sigmaq.core.runtime import start_up_gc
    from sigmaq.validate.runner import validate_paths

    rule_paths = list(paths) or default_rule_paths()
    for option, target in (("-o", output), ("--junit-xml", junit_xml)):
        refuse_overwriting_inputs(target, rule_paths, reads_rule_or_fixture, option)
    try:
        with start_up_gc():
            report = validate_paths(rule_paths, config_path=config_path, profile=profile)
    except SigmaqError as exc:
        exit_with_usage_error(str(exc))
    if report.files == 0:
        exit_with_usage_error(
            f"no rule files (*.yml, *.yaml) under {', '.join(map(str, rule_paths))}"
        )
    failing = report.failing(fail_on)
    if output_format == "json":
        payload = {
            "files": report.files,
            "rules": report.rules,
            "fixtures": report.fixtures,
            "profile": report.profile,
            "validators": report.validators,
            "findings": [finding.as_dict() for finding in report.findings],
            "failed": bool(failing),
        }
        write_output(json.dumps(payload, indent=2) + "\n", output)
    elif output_format == "sarif":
        write_output(_sarif(report, rule_paths[0] if rule_paths else None), output)
    else:
        lines = []
        for finding in report.findings:
            location = f"{finding.path}:{finding.line}" if finding.line else str(finding.path)
            rule = f" [{shown(finding.rule_id)}]" if finding.rule_id else ""
            lines.append(  # one line per finding, whatever the rule's keys hold
                f"{shown(location)}: {finding.severity}: {finding.validator}{rule}: "
                f"{shown(finding.message)}\n"
            )
        write_output("".join(lines), output)
    if junit_xml is not None:
        from sigmaq.testing.junit import JUnitCase, write_junit

        cases = [
            JUnitCase(
                name=f"{finding.validator}:{finding.rule_id or finding.path}",
                classname=f"sigmaq.validate.{Path(finding.path or 'unknown').stem}",
                failure=f"{finding.path}:{finding.line}: {finding.message}",
            )
            for finding in failing
        ] or [JUnitCase(name="all rules", classname="sigmaq.validate")]
        try:
            write_junit(junit_xml, "sigmaq validate", cases)
        except OSError as exc:
            exit_with_usage_error(f"cannot write {junit_xml}: {exc}")
    by_severity = ", ".join(
        f"{report.count(level)} {level}" for level in ("error", "high", "medium", "low")
    )
    click.echo(
        f"{report.files} files, {report.rules} rules, {report.fixtures} fixtures, "
        f"{len(report.validators)} validators ({report.profile} profile): {by_severity}",
        err=True,
    )
    sys.exit(1 if failing else 0)


def _sarif(report: ValidationReport, start: Path | None) -> str:
    from sigmaq.cli.sarif import SarifResult, sarif_log, sarif_text, source_root
    from sigmaq.validate.registry import validator_infos

    descriptions = {info.name: info.description for info in validator_infos()}
    descriptions["load"] = "Rule file loads: YAML syntax, Sigma structure, references"
    results = [
        SarifResult(
            rule=finding.validator,
            severity=finding.severity,
            message=finding.message,
            path=finding.path,
            line=finding.line,
            properties={
                key: value
                for key, value in (
                    ("sigmaRuleId", finding.rule_id),
                    ("sigmaRuleTitle", finding.title),
                )
                if value
            },
        )
        for finding in report.findings
    ]
    tool_rules = [(name, descriptions.get(name, name)) for name in [*report.validators, "load"]]
    log = sarif_log(
        tool_rules,
        results,
        base=source_root(start),
        command=shlex.join(["sigmaq", *sys.argv[1:]]),
    )
    return sarif_text(log)
