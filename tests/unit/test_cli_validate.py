"""``sigmaq validate`` and ``sigmaq list``: exit codes and output formats."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

from click.testing import CliRunner
from rulebuilder import write_rule

from sigmaq.cli import main


def test_clean_rule_exits_zero(tmp_path: Path) -> None:
    write_rule(tmp_path)
    result = CliRunner().invoke(main, ["validate", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "1 files, 1 rules" in result.stderr


def test_issues_exit_one_with_json_and_junit(tmp_path: Path) -> None:
    write_rule(
        tmp_path,
        detection={
            "sel": {"eventSource": "q.amazonaws.com", "eventName": "getConversation"},
            "condition": "sel",
        },
    )
    (tmp_path / "broken.yml").write_text("title: [\n", encoding="utf-8")
    junit = tmp_path / "out" / "junit.xml"
    result = CliRunner().invoke(
        main, ["validate", str(tmp_path), "--format", "json", "--junit-xml", str(junit)]
    )
    assert result.exit_code == 1
    payload = json.loads(result.stdout)
    assert payload["failed"] is True
    validators = sorted(f["validator"] for f in payload["findings"])
    assert validators == ["load", "sigmaq_catalog_values"]
    load = next(f for f in payload["findings"] if f["validator"] == "load")
    assert load["path"].endswith("broken.yml") and load["line"] == 2
    cases = ET.parse(junit).getroot().iter("testcase")
    assert len([case for case in cases if case.find("failure") is not None]) == 2


def test_fail_on_threshold(tmp_path: Path) -> None:
    detection = {
        "sel": {
            "eventSource": "qbusiness.amazonaws.com",
            "eventName": "CreateApplication",
            "userAgent|re": "^aws",
        },
        "condition": "sel",
    }
    write_rule(tmp_path, detection=detection)
    assert CliRunner().invoke(main, ["validate", str(tmp_path)]).exit_code == 1
    assert (
        CliRunner().invoke(main, ["validate", str(tmp_path), "--fail-on", "medium"]).exit_code == 0
    )


def test_usage_errors_exit_two(tmp_path: Path) -> None:
    assert CliRunner().invoke(main, ["validate", str(tmp_path / "missing")]).exit_code == 2
    assert CliRunner().invoke(main, ["validate", "--format", "xml", str(tmp_path)]).exit_code == 2
    bad_config = tmp_path / "cfg.yml"
    bad_config.write_text("validators: [no_such_validator]\n", encoding="utf-8")
    write_rule(tmp_path)
    result = CliRunner().invoke(main, ["validate", "--config", str(bad_config), str(tmp_path)])
    assert result.exit_code == 2
    assert "no_such_validator" in result.stderr


def test_list_validators_and_rules(tmp_path: Path) -> None:
    write_rule(tmp_path)
    validators = CliRunner().invoke(main, ["list", "validators", "--format", "json"])
    names = {row["validator"] for row in json.loads(validators.stdout)}
    assert {"sigmaq_catalog_values", "attacktag", "sigmahq_title_case"} <= names
    rules = CliRunner().invoke(main, ["list", "rules", str(tmp_path), "--format", "json"])
    assert [row["title"] for row in json.loads(rules.stdout)] == [
        "Q Business Application Created With Anonymous Access"
    ]
