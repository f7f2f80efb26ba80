"""Project configuration and profiles: sigmaq.yml / [tool.sigmaq], validator changes,
unavailable validators, config files never loaded as rules, flat fixture layout."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from rulebuilder import rule_text, write_rule

from sigmaq.cli import main
from sigmaq.core.errors import ConfigError
from sigmaq.validate.config import load_project_config
from sigmaq.validate.registry import (
    CLOUDTRAIL_FIXTURE_CHECKS,
    CLOUDTRAIL_RULE_VALIDATORS,
    profile_validators,
    resolve_validators,
)
from sigmaq.validate.runner import validate_paths

SIGMAHQ = Path(__file__).resolve().parents[2].parent / "shared/data/external/sigmahq-sigma/rules"
HOUSE_CONVENTIONS = {
    "sigmaq_filename",
    "sigmaq_metadata",
    "sigmaq_unknown_field",
    "sigmaq_data_events",
    "sigmaq_fixtures",
    "sigmaq_event_source_constrained",
}


def _invoke(cwd: Path, *args: str) -> tuple[int, str]:
    old = Path.cwd()
    os.chdir(cwd)
    try:
        result = CliRunner().invoke(main, list(args))
    finally:
        os.chdir(old)
    return result.exit_code, result.output


def test_yaml_and_pyproject_configs_are_found(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.sigmaq]\nprofile = "amazon_q"\nrules = ["sub"]\n',
        encoding="utf-8",
    )
    config = load_project_config(tmp_path / "sub")
    assert config.profile == "amazon_q"
    assert config.rules == (tmp_path / "sub",)
    (tmp_path / "sigmaq.yml").write_text("profile: cloudtrail\n", encoding="utf-8")
    assert load_project_config(tmp_path / "sub").profile == "cloudtrail"  # sigmaq.yml first


def test_no_config_means_cloudtrail_profile(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()  # the walk stops at the repository root
    config = load_project_config(tmp_path)
    assert config.source is None and config.profile == "cloudtrail"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("profile: sigmahq\n", "unknown profile 'sigmahq'"),
        ("profle: amazon_q\n", "unknown keys ['profle']"),
        ("exclusions: {not-a-uuid: x}\n", "is not a rule id"),
        ("validators: 3\n", "'validators' must be a list"),
    ],
)
def test_malformed_config_is_a_config_error(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / "sigmaq.yml").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=r"sigmaq\.yml") as error:
        load_project_config(tmp_path)
    assert message in str(error.value)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("sigmaq.yml", b"profile: amazon_q\n# caf\xe9\n", "not UTF-8"),
        ("pyproject.toml", b"[tool.sigmaq]\nprofile = 'amazon_q'\n# caf\xe9\n", "not UTF-8"),
        ("sigmaq.yml", b"profile: amazon_q\n" + b"# padding\n" * 110_000, "larger than"),
    ],
    ids=["yaml-latin1", "toml-latin1", "yaml-over-1-mib"],
)
def test_unreadable_config_is_a_config_error(
    tmp_path: Path, name: str, content: bytes, message: str
) -> None:
    # a traceback before (UnicodeDecodeError); a 5 MB file took 25 s and 600 MB to refuse
    (tmp_path / name).write_bytes(content)
    with pytest.raises(ConfigError, match=name.replace(".", r"\.")) as error:
        load_project_config(tmp_path)
    assert message in str(error.value)


def test_legacy_validation_file_says_how_to_migrate(tmp_path: Path) -> None:
    (tmp_path / "sigmaq-validation.yml").write_text("exclusions: {}\n", encoding="utf-8")
    write_rule(tmp_path)
    code, output = _invoke(tmp_path, "validate", ".")
    assert code == 2
    assert "sigmaq-validation.yml is no longer read" in output and "sigmaq.yml" in output


def test_config_files_in_the_rule_folder_are_not_rules(tmp_path: Path) -> None:
    write_rule(tmp_path)
    (tmp_path / "sigmaq.yml").write_text("profile: amazon_q\n", encoding="utf-8")
    (tmp_path / ".pre-commit-config.yaml").write_text("repos: []\n", encoding="utf-8")
    (tmp_path / ".github").mkdir()
    (tmp_path / ".github" / "ci.yml").write_text("on: push\n", encoding="utf-8")
    report = validate_paths([tmp_path])
    assert report.files == 1 and report.rules == 1
    assert [f for f in report.findings if f.validator == "load"] == []


def test_removing_a_validator_by_name(tmp_path: Path) -> None:
    write_rule(tmp_path, name="badly_named.yml")
    (tmp_path / "sigmaq.yml").write_text("profile: amazon_q\n", encoding="utf-8")
    assert {f.validator for f in validate_paths([tmp_path]).findings} == {
        "sigmaq_filename",
        "sigmahq_filename_prefix",
    }
    (tmp_path / "sigmaq.yml").write_text(
        "profile: amazon_q\nvalidators: [-sigmaq_filename, -sigmahq_filename_prefix]\n",
        encoding="utf-8",
    )
    report = validate_paths([tmp_path])
    assert report.findings == []
    assert "sigmaq_filename" not in report.validators


def test_validator_changes_and_groups() -> None:
    assert resolve_validators("cloudtrail", []) == set(CLOUDTRAIL_RULE_VALIDATORS) | set(
        CLOUDTRAIL_FIXTURE_CHECKS
    )
    with_core = resolve_validators("cloudtrail", ["core"])
    assert "attacktag" in with_core and "sigmahq_title_case" not in with_core
    assert "sigmaq_catalog_values" not in resolve_validators("amazon_q", ["-house"])
    with pytest.raises(ConfigError, match="did you mean sigmaq_filename"):
        resolve_validators("amazon_q", ["sigmaq_filenme"])


def test_unavailable_validator_is_listed_and_refused(tmp_path: Path) -> None:
    code, output = _invoke(tmp_path, "list", "validators", "--format", "json")
    rows = {row["validator"]: row for row in json.loads(output)}
    assert rows["d3_fendtag"]["status"].startswith("unavailable")
    assert rows["d3_fendtag"]["profiles"] == "-"
    assert "d3_fendtag" not in profile_validators("amazon_q")
    write_rule(tmp_path)
    (tmp_path / "sigmaq.yml").write_text("validators: [d3_fendtag]\n", encoding="utf-8")
    code, output = _invoke(tmp_path, "validate", ".")
    assert code == 2
    assert "d3_fendtag" in output and "cannot run offline" in output


def test_profiles_differ_only_by_house_conventions(tmp_path: Path) -> None:
    write_rule(tmp_path, name="badly_named.yml", sigmaq=None)
    amazon = {f.validator for f in validate_paths([tmp_path], profile="amazon_q").findings}
    cloudtrail = {f.validator for f in validate_paths([tmp_path], profile="cloudtrail").findings}
    assert amazon == {"sigmaq_filename", "sigmahq_filename_prefix", "sigmaq_metadata"}
    assert cloudtrail == set()


@pytest.mark.skipif(not SIGMAHQ.is_dir(), reason=f"third-party rules not present at {SIGMAHQ}")
def test_cloudtrail_profile_on_sigmahq_rules_reports_cloudtrail_facts_only() -> None:
    report = validate_paths([SIGMAHQ], profile="cloudtrail")
    assert report.rules >= 55 and report.profile == "cloudtrail"
    validators = {f.validator for f in report.findings}
    assert validators <= set(CLOUDTRAIL_RULE_VALIDATORS), validators
    assert not validators & HOUSE_CONVENTIONS
    assert "sigmaq_catalog_values" in validators  # real findings remain (names CloudTrail lacks)
    amazon = {f.validator for f in validate_paths([SIGMAHQ], profile="amazon_q").findings}
    assert {"sigmaq_filename", "sigmaq_metadata"} <= amazon


def _flat_repo(folder: Path) -> Path:
    """A plain rule folder: one rule and its fixtures beside it (<stem>.pos_*.json)."""
    rule = write_rule(folder)
    record = {
        "eventVersion": "1.11",
        "eventTime": "2026-11-24T10:00:00Z",
        "eventSource": "qbusiness.amazonaws.com",
        "eventName": "CreateApplication",
        "requestParameters": {"identityType": "ANONYMOUS"},
    }
    (folder / f"{rule.stem}.pos_anonymous.json").write_text(json.dumps(record), encoding="utf-8")
    other = {**record, "requestParameters": {"identityType": "AWS_IAM_IDC"}}
    (folder / f"{rule.stem}.neg_iam.json").write_text(json.dumps(other), encoding="utf-8")
    return rule


def test_sigmaq_test_on_a_flat_folder(tmp_path: Path) -> None:
    rule = _flat_repo(tmp_path / "rules")
    (tmp_path / ".git").mkdir()
    code, output = _invoke(tmp_path, "test", "rules", "--format", "json")
    assert code == 0, output
    report = json.loads(output)
    assert report["summary"]["fixtures"] == 2 and report["summary"]["fixtures_passed"] == 2
    positive = tmp_path / "rules" / f"{rule.stem}.pos_anonymous.json"
    positive.rename(positive.with_name(f"{rule.stem}.neg_flipped.json"))
    code, output = _invoke(tmp_path, "test", "rules", "--format", "json")
    assert code == 1
    assert "needs at least one pos_ fixture" in output
    # the flat pattern names both kinds of fixture file, not only pos_
    assert f"{rule.stem}.{{pos,neg}}_*.json" in output


def test_flat_fixtures_are_checked_by_validate(tmp_path: Path) -> None:
    _flat_repo(tmp_path)
    (tmp_path / "sigmaq.yml").write_text("profile: cloudtrail\n", encoding="utf-8")
    report = validate_paths([tmp_path])
    assert report.fixtures == 2
    schema = [f for f in report.findings if f.validator == "fixture_schema"]
    assert schema and all(f.path and f.path.endswith(".json") for f in schema)
    assert any("'userIdentity' is a required property" in f.message for f in schema)


def test_rule_text_is_used(tmp_path: Path) -> None:
    """rulebuilder's rule stays valid under both profiles (the fixtures above rely on it)."""
    (tmp_path / "r.yml").write_text(rule_text(), encoding="utf-8")
    assert [f.validator for f in validate_paths([tmp_path], profile="cloudtrail").findings] == []
