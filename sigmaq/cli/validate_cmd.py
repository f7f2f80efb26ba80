"""``sigmaq validate``: offline validation of Sigma rules (rendering only)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from sigmaq.cli.common import default_rule_paths, exit_with_usage_error


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Human text or machine JSON on stdout.",
)
@click.option(
    "--junit-xml", type=click.Path(dir_okay=False, path_type=Path), help="Also write JUnit XML."
)
@click.option(
    "--fail-on",
    type=click.Choice(["low", "medium", "high", "error"]),
    default="low",
    show_default=True,
    help="Lowest severity that makes the exit code 1.",
)
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Validation config (default: <project>/sigmaq-validation.yml when present).",
)
def validate(
    paths: tuple[Path, ...],
    output_format: str,
    junit_xml: Path | None,
    fail_on: str,
    config_path: Path | None,
) -> None:
    """Validate rules in PATHS (default: the project's rules/) with pySigma's core,
    the SigmaHQ and the sigmaq house validators, offline.

    Exit 0 when clean, 1 on issues at or above --fail-on or on broken rule files,
    2 on usage errors.
    """
    from sigmaq.core.errors import SigmaqError
    from sigmaq.validate.runner import validate_paths

    rule_paths = list(paths) or default_rule_paths()
    try:
        report = validate_paths(rule_paths, config_path=config_path)
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
            "validators": report.validators,
            "findings": [finding.as_dict() for finding in report.findings],
            "failed": bool(failing),
        }
        click.echo(json.dumps(payload, indent=2))
    else:
        for finding in report.findings:
            location = f"{finding.path}:{finding.line}" if finding.line else str(finding.path)
            rule = f" [{finding.rule_id}]" if finding.rule_id else ""
            click.echo(
                f"{location}: {finding.severity}: {finding.validator}{rule}: {finding.message}"
            )
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
        f"{report.files} files, {report.rules} rules, {len(report.validators)} validators: "
        f"{by_severity}",
        err=True,
    )
    sys.exit(1 if failing else 0)
