"""``sigmaq.pack.coverage`` and ``sigmaq coverage`` on a small inline project."""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent

import pytest
from click.testing import CliRunner

from sigmaq.cli import main
from sigmaq.core.errors import ConfigError
from sigmaq.pack.coverage import (
    RULE_TABLE_END,
    RULE_TABLE_START,
    build_report,
    load_exclusions,
    load_judgements,
    load_notes,
    render_coverage_doc,
    render_rule_table,
    replace_rule_table,
)

BASE_RULE = """\
title: Q Business Application Created With Anonymous Access
id: 0b7c2f1e-5d7a-4b0e-9a51-3f1c7e2d9a01
name: q_business_anonymous_application
status: experimental
description: Test rule.
author: sigmaq contributors
date: 2026-11-29
tags:
  - attack.collection
  - attack.t1213
  - attack.t1530
logsource:
  product: aws
  service: cloudtrail
detection:
  selection:
    eventSource: qbusiness.amazonaws.com
    eventName: CreateApplication
    requestParameters.identityType: ANONYMOUS
  condition: selection
level: medium
sigmaq:
  catalogue: [AQ-01]
  playbook: [q3, step-7]
  data_events: []
"""

CORRELATION = """\
title: Many Anonymous Applications
id: 6f1d2c3b-4a5e-4f60-8b7c-9d0e1f2a3b4c
status: experimental
description: Test correlation.
author: sigmaq contributors
date: 2026-11-29
tags:
  - attack.collection
  - attack.t1213
correlation:
  type: event_count
  rules:
    - q_business_anonymous_application
  group-by:
    - userIdentity.arn
  timespan: 1h
  condition:
    gte: 3
level: high
sigmaq:
  catalogue: [AQ-02]
  playbook: [q4]
  data_events: [AWS::QBusiness::Application]
"""

README = f"""\
# Project

Intro text.

{RULE_TABLE_START}
old table
{RULE_TABLE_END}

Footer text.
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "rules" / "q_business").mkdir(parents=True)
    (tmp_path / "fixtures").mkdir()
    (tmp_path / "docs").mkdir()
    rules = tmp_path / "rules" / "q_business"
    (rules / "aws_cloudtrail_q_business_application_created_with_anonymous_access.yml").write_text(
        BASE_RULE
    )
    (rules / "aws_cloudtrail_many_anonymous_applications.yml").write_text(CORRELATION)
    (tmp_path / "README.md").write_text(README)
    (tmp_path / "docs" / "coverage-exclusions.yml").write_text(
        "AQ-36: Root activity is covered by the account's root-usage alarm.\n"
    )
    return tmp_path


def test_rule_info_from_base_and_correlation(project: Path) -> None:
    report = build_report(project)
    assert report.load_errors == ()
    by_title = {r.title: r for r in report.rules}
    base = by_title["Q Business Application Created With Anonymous Access"]
    assert base.component == "q_business"
    assert base.level == "medium"
    assert base.attack == ("T1213", "T1530")
    assert base.event_sources == ("qbusiness.amazonaws.com",)
    assert base.catalogue == ("AQ-01",)
    assert base.playbook == ("q3", "step-7")
    assert base.data_events == ()
    assert base.path == (
        "rules/q_business/aws_cloudtrail_q_business_application_created_with_anonymous_access.yml"
    )
    correlation = by_title["Many Anonymous Applications"]
    assert correlation.is_correlation
    # a correlation's services are those of the rules it counts
    assert correlation.event_sources == ("qbusiness.amazonaws.com",)
    assert correlation.data_events == ("AWS::QBusiness::Application",)


def test_uncovered_items(project: Path) -> None:
    report = build_report(project)
    open_items = report.uncovered_items()
    assert "AQ-01" not in open_items and "AQ-02" not in open_items
    assert "AQ-36" not in open_items  # excluded with a reason
    assert "AQ-03" in open_items
    assert len(open_items) == 39


def test_rule_table_rows(project: Path) -> None:
    table = render_rule_table(build_report(project).rules)
    lines = table.splitlines()
    assert lines[0].startswith("| Rule | Component | Level | ATT&CK | eventSource |")
    assert len(lines) == 4
    assert (
        "| [Many Anonymous Applications](rules/q_business/aws_cloudtrail_many_anonymous_"
        "applications.yml) (correlation) | q_business | high | T1213 | "
        "`qbusiness.amazonaws.com` | `AWS::QBusiness::Application` |"
    ) in lines


def test_replace_rule_table_touches_only_the_marked_block() -> None:
    out = replace_rule_table(README, "| new |\n")
    assert out == README.replace("old table\n", "| new |\n")
    assert replace_rule_table(out, "| new |\n") == out


@pytest.mark.parametrize(
    "text",
    [
        "no markers",
        f"{RULE_TABLE_START}\n{RULE_TABLE_START}\n{RULE_TABLE_END}",
        f"{RULE_TABLE_END}\nx\n{RULE_TABLE_START}",
    ],
    ids=["missing", "doubled", "reversed"],
)
def test_replace_rule_table_refuses_bad_markers(text: str) -> None:
    with pytest.raises(ConfigError):
        replace_rule_table(text, "| t |\n")


def test_coverage_doc_states(project: Path) -> None:
    doc = render_coverage_doc(build_report(project))
    assert (
        "2 rules. Catalogue: 2 of 42 items implemented, 1 excluded with a reason, 39 open." in doc
    )
    assert (
        "| AQ-03 | Custom or unauthenticated Q Business plugin created or changed | — | **open** |"
        in doc
    )
    assert "excluded: Root activity is covered by the account's root-usage alarm." in doc
    assert "| step-7 | Delete or rotate unrecognised resources | [Q Business Application" in doc
    assert "No real-data run has been recorded" in doc


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("- AQ-01\n", "mapping"),
        ("AQ-99: reason\n", "unknown catalogue item"),
        ("AQ-01: ''\n", "non-empty"),
    ],
)
def test_bad_exclusions_are_refused(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "exclusions.yml"
    path.write_text(content)
    with pytest.raises(ConfigError, match=message):
        load_exclusions(path)


def test_missing_inputs_mean_empty(tmp_path: Path) -> None:
    assert load_exclusions(tmp_path / "none.yml") == {}
    assert load_judgements(tmp_path / "none.yml") is None


def test_judgements_are_parsed_and_rendered(project: Path) -> None:
    (project / "docs" / "real-data-judgements.yml").write_text(
        dedent(
            """\
            summary:
              records scanned: 10
              records per source: {a: 4, b: 6}
            matches:
              - rule: aws_cloudtrail_x
                event_id: e-1
                source: a/file.json
                judgement: "true positive: the Stratus detonation deletes the trail"
            """
        )
    )
    results = load_judgements(project / "docs" / "real-data-judgements.yml")
    assert results is not None
    assert results.matches[0].event_id == "e-1"
    doc = render_coverage_doc(build_report(project))
    assert "| records scanned | 10 |" in doc
    assert "| b | 6 |" in doc
    assert (
        "| aws_cloudtrail_x | `e-1` | a/file.json | true positive: the Stratus detonation "
        "deletes the trail |"
    ) in doc


def test_bad_judgements_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "j.yml"
    path.write_text("matches:\n  - rule: x\n")
    with pytest.raises(ConfigError, match="rule and event_id"):
        load_judgements(path)


def test_cli_check_write_check(project: Path) -> None:
    runner = CliRunner()
    stale = runner.invoke(main, ["coverage", "--root", str(project), "--check"])
    assert stale.exit_code == 1
    assert "stale:" in stale.output
    assert not (project / "docs" / "coverage.md").exists()  # --check writes nothing

    written = runner.invoke(main, ["coverage", "--root", str(project)])
    assert written.exit_code == 0, written.output
    readme = (project / "README.md").read_text()
    assert readme.startswith("# Project\n\nIntro text.\n\n")
    assert readme.endswith(f"{RULE_TABLE_END}\n\nFooter text.\n")
    assert "old table" not in readme
    assert (project / "docs" / "coverage.md").is_file()

    clean = runner.invoke(main, ["coverage", "--root", str(project), "--check"])
    assert clean.exit_code == 0, clean.output


def test_cli_reports_missing_markers(project: Path) -> None:
    (project / "README.md").write_text("# no markers\n")
    result = CliRunner().invoke(main, ["coverage", "--root", str(project)])
    assert result.exit_code == 1
    assert "rule-table:start" in result.output


def test_cli_without_project_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["coverage", "--root", str(tmp_path)])
    assert result.exit_code == 2


def test_coverage_notes_load_and_render(tmp_path: Path) -> None:
    from sigmaq.pack.coverage import CATALOGUE_IDS
    from sigmaq.pack.coverage_notes import render_notes

    path = tmp_path / "notes.yml"
    path.write_text(
        dedent(
            """\
            items:
              AQ-01:
                catches: CreateApplication with identityType ANONYMOUS.
                misses: >-
                  What the application indexes.
            blind_spots:
              - behaviour: q chat --trust-all-tools
                why: client side | local
                seen_by: EDR
            """
        ),
        encoding="utf-8",
    )
    notes = load_notes(path, CATALOGUE_IDS)
    assert notes.items["AQ-01"].misses == "What the application indexes."
    lines = render_notes(notes, [("AQ-01", "Anonymous"), ("AQ-02", "Minting")])
    assert "- Catches: CreateApplication with identityType ANONYMOUS." in lines
    assert "- No note yet." in lines  # AQ-02 has none
    assert "| q chat --trust-all-tools | client side \\| local | EDR |" in lines


@pytest.mark.parametrize(
    "text",
    [
        "items: {AQ-99: {catches: a, misses: b}}",
        "items: {AQ-01: {catches: a}}",
        "blind_spots: [{behaviour: a, why: b}]",
        "items: []",
    ],
)
def test_coverage_notes_reject_bad_shapes(tmp_path: Path, text: str) -> None:
    from sigmaq.pack.coverage import CATALOGUE_IDS

    path = tmp_path / "notes.yml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError):
        load_notes(path, CATALOGUE_IDS)
