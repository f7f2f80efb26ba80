"""``sigmaq test``: replay rules against their fixtures and the baseline (rendering only)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from sigmaq.cli.common import (
    NonEmptyPath,
    default_rule_paths,
    exit_with_usage_error,
    reads_rule_or_fixture,
    refuse_overwriting_inputs,
    shown,
    write_output,
)

if TYPE_CHECKING:
    from sigmaq.testing.runner import TestReport

_MAX_IDS = 4  # event ids shown per table row
_PIPE_WIDTH = 200
_RULE_PREFIX = "aws_cloudtrail_"


@click.command()
@click.argument("paths", nargs=-1, type=NonEmptyPath(path_type=Path))
@click.option(
    "-k",
    "keyword",
    metavar="EXPR",
    help="Only rules whose title, file stem or id contains EXPR (case-insensitive; "
    "'not EXPR' inverts).",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["table", "json", "sarif"]),
    default="table",
    show_default=True,
    help="Human table, machine JSON or SARIF 2.1.0 (code scanning) on stdout.",
)
@click.option(
    "-o",
    "--output",
    type=NonEmptyPath(dir_okay=False, path_type=Path),
    help="Write the JSON or SARIF report here instead of stdout.",
)
@click.option(
    "--junit-xml", type=NonEmptyPath(dir_okay=False, path_type=Path), help="Also write JUnit XML."
)
@click.option(
    "--window",
    type=click.Choice(["sliding", "tumbling"]),
    default="sliding",
    show_default=True,
    help="Correlation windows: sliding (Sigma's timespan) or tumbling (what Splunk/ES|QL "
    "bucketed queries see).",
)
@click.option(
    "--missing-fixtures",
    type=click.Choice(["error", "skip"]),
    default="error",
    show_default=True,
    help="A rule without a positive and a negative fixture: an error (the pack's gate), "
    "or skipped and listed (a rule repository adopting fixtures rule by rule; the "
    "fixtures that exist are still replayed).",
)
def test(
    paths: tuple[Path, ...],
    keyword: str | None,
    output_format: str,
    output: Path | None,
    junit_xml: Path | None,
    window: str,
    missing_fixtures: str,
) -> None:
    """Replay every rule in PATHS (default: the project's rules/) against its pos_/neg_
    fixtures and the benign baseline in fixtures/_baseline/. Outside a project (no
    rules/ + fixtures/), fixtures sit beside each rule: <stem>.pos_*.json, <stem>.neg_*.json.

    Exit 0 when every expectation holds, 1 on a failed fixture, an unlisted baseline
    match, a broken rule or a rule without a positive and a negative fixture (unless
    --missing-fixtures skip), 2 on usage errors.
    """
    from sigmaq.core.errors import RuleLoadError
    from sigmaq.core.layout import find_project_root
    from sigmaq.core.model import WindowMode
    from sigmaq.testing.runner import run_tests

    start = paths[0] if paths else Path.cwd()
    if paths and not start.exists():
        exit_with_usage_error(f"no such file or directory: {start}")
    root = find_project_root(start)
    rule_paths = list(paths) or (None if root is not None else default_rule_paths())
    read = rule_paths or ([root / "rules", root / "fixtures"] if root is not None else [])
    for option, target in (("-o", output), ("--junit-xml", junit_xml)):
        refuse_overwriting_inputs(target, read, reads_rule_or_fixture, option)
    if rule_paths is not None:
        from sigmaq.core.loader import iter_rule_files

        try:
            found = iter_rule_files(rule_paths)
        except RuleLoadError as exc:
            exit_with_usage_error(str(exc))
        if not found:
            exit_with_usage_error(
                f"no rule files (*.yml, *.yaml) under {', '.join(map(str, rule_paths))}"
            )
    try:
        report = run_tests(
            root,
            rule_paths,
            keyword=keyword,
            window=WindowMode(window),
            missing_fixtures=missing_fixtures,
        )
    except RuleLoadError as exc:
        exit_with_usage_error(str(exc))
    if output_format == "json":
        write_output(json.dumps(report.to_dict(), indent=2) + "\n", output)
    elif output_format == "sarif":
        write_output(_sarif(report, root, start), output)
    else:
        _render(report)
    if junit_xml is not None:
        from sigmaq.testing.junit import write_junit

        try:
            write_junit(junit_xml, "sigmaq test", report.junit_cases())
        except OSError as exc:
            exit_with_usage_error(f"cannot write {junit_xml}: {exc}")
    if report.rules_tested == 0 and not report.problems:
        # Like pytest's "no tests ran": a CI gate that selects nothing must not pass.
        click.echo("error: no rule was selected (check PATHS and -k)", err=True)
        sys.exit(1)
    sys.exit(1 if report.failed else 0)


def _render(report: TestReport) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    console = Console()
    errors = Console(stderr=True)
    # Piped output (CI logs) gets wide lines instead of rich's 80-column default.
    if not console.is_terminal:
        console = Console(width=_PIPE_WIDTH)
    if not errors.is_terminal:
        errors = Console(stderr=True, width=_PIPE_WIDTH)
    table = Table(title=f"sigmaq test ({report.window.value} windows)", show_lines=False)
    for column in ("rule", "fixture", "expected", "got", "result", "matched events"):
        table.add_column(column, overflow="fold")
    for result in report.fixtures:
        ids = list(result.event_ids)
        listed = ", ".join(ids[:_MAX_IDS]) + (
            f" (+{len(ids) - _MAX_IDS})" if len(ids) > _MAX_IDS else ""
        )
        table.add_row(  # names, messages and event ids may hold anything: no markup
            escape(result.rule_path.stem.removeprefix(_RULE_PREFIX)),
            escape(result.fixture.name.removeprefix(f"{result.rule_path.stem}.")),  # flat layout
            "match" if result.expect_match else "no match",
            str(result.findings),
            "[green]pass[/]"
            if result.passed
            else f"[red]FAIL[/] {escape(shown(result.message or ''))}",
            escape(shown(listed)),
        )
    console.print(table)
    for problem in report.problems:
        where = f"{problem.location}: " if problem.location else ""
        errors.print(f"[red]error[/] {escape(shown(where + problem.message))}", highlight=False)
    for problem in report.untested:
        where = f"{problem.location}: " if problem.location else ""
        errors.print(
            f"[yellow]skipped[/] {escape(shown(where + problem.message))}", highlight=False
        )
    baseline = report.baseline
    if baseline is not None:
        for match in baseline.failures:
            level = match.level.value if match.level else "no level"
            errors.print(
                f"[red]baseline[/] {escape(match.rule_title)} ({level}) matched unlisted "
                f"events: {escape(', '.join(match.event_ids))}",
                highlight=False,
            )
        for stale in baseline.stale:
            errors.print(
                f"[red]baseline[/] known_matches.yml entry {stale.known.entry} "
                f"({escape(f'{stale.rule_id}, {stale.known.event_id}')}) no longer matches",
                highlight=False,
            )
        for text in baseline.problems:
            errors.print(f"[red]baseline[/] {escape(text)}", highlight=False)
        reported: dict[tuple[str, str], int] = {}
        for match in baseline.reported:
            key = (match.rule_title, match.verdict.value)
            reported[key] = reported.get(key, 0) + 1
        for (title, verdict_name), count in sorted(reported.items()):
            console.print(
                f"baseline: {escape(title)} ({verdict_name}): {count} match(es)", highlight=False
            )
    counts = report.summary()
    verdict = "[red]FAILED[/]" if report.failed else "[green]passed[/]"
    skipped = counts["rules_without_fixtures"]
    console.print(
        f"{verdict}: {counts['rules']} rules, {counts['fixtures_passed']}/{counts['fixtures']} "
        f"fixtures passed, {counts['rule_problems']} rule problems, "
        + (f"{skipped} rules without fixtures (skipped), " if skipped else "")
        + "baseline "
        f"{counts['baseline_records']} records: {counts['baseline_failures']} unlisted, "
        f"{counts['baseline_known']} known, {counts['baseline_reported']} reported",
        highlight=False,
    )


def _sarif(report: TestReport, root: Path | None, start: Path) -> str:
    """Failed fixtures (at the fixture file), rule problems (at the rule line) and
    baseline verdicts (at known_matches.yml) as SARIF results; uris relative to the
    repository around ``start`` (the first path tested, else the current folder)."""
    import shlex

    from sigmaq.cli.sarif import SarifResult, sarif_log, sarif_text, source_root

    results: list[SarifResult] = []
    for result in report.fixtures:
        if result.passed:
            continue
        results.append(
            SarifResult(
                rule="sigmaq-test/fixture",
                severity="error",
                message=f"{result.rule_path.name}: {result.fixture.name}: {result.message}",
                path=str(result.fixture),
                line=1,
                properties={"sigmaRuleId": result.rule_id, "sigmaRuleTitle": result.rule_title},
            )
        )
    for problem in report.problems:
        results.append(
            SarifResult(
                rule="sigmaq-test/rule",
                severity="error",
                message=problem.message,
                path=str(problem.path) if problem.path is not None else None,
                line=problem.line or 1,
                properties={"sigmaRuleId": problem.rule_id} if problem.rule_id else {},
            )
        )
    for problem in report.untested:
        results.append(
            SarifResult(
                rule="sigmaq-test/untested",
                severity="low",  # a SARIF note
                message=f"skipped: {problem.message}",
                path=str(problem.path) if problem.path is not None else None,
                line=problem.line or 1,
                properties={"sigmaRuleId": problem.rule_id} if problem.rule_id else {},
            )
        )
    baseline = report.baseline
    known = None
    if root is not None:
        from sigmaq.core.layout import KNOWN_MATCHES_FILE, ProjectLayout

        known = str(ProjectLayout(root).baseline_dir / KNOWN_MATCHES_FILE)
    if baseline is not None:
        for match in baseline.failures:
            results.append(
                SarifResult(
                    rule="sigmaq-test/baseline",
                    severity="error",
                    message=f"{match.rule_title} matched benign baseline events "
                    f"{', '.join(match.event_ids)} (list them in known_matches.yml with a "
                    "reason, or tune the rule)",
                    path=known,
                    line=1,
                    properties={"sigmaRuleId": match.rule_id},
                )
            )
        for text in baseline.problems:
            results.append(SarifResult("sigmaq-test/baseline", "error", text, known, 1))
    tool_rules = [
        ("sigmaq-test/fixture", "A positive fixture must match its rule, a negative must not"),
        ("sigmaq-test/rule", "A rule loads, replays and has positive and negative fixtures"),
        ("sigmaq-test/baseline", "No alerting rule matches the benign baseline unreviewed"),
        ("sigmaq-test/untested", "A rule skipped for want of fixtures (--missing-fixtures skip)"),
    ]
    log = sarif_log(
        tool_rules,
        results,
        base=source_root(start),
        command=shlex.join(["sigmaq", *sys.argv[1:]]),
    )
    return sarif_text(log)
