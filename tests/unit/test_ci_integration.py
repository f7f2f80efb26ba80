"""CI integration: SARIF 2.1.0 output (checked against the OASIS schema in tests/data),
the pre-commit hooks (.pre-commit-hooks.yaml) and the composite action (action.yml), each
run the way its host runs it, offline."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from jsonschema import Draft4Validator
from rulebuilder import write_rule

from sigmaq.cli import main

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((ROOT / "tests" / "data" / "sarif-schema-2.1.0.json").read_text("utf-8"))
SIGMAHQ = ROOT.parent / "shared" / "data" / "external" / "sigmahq-sigma" / "rules"
BIN = Path(sys.executable).parent


def _sarif_errors(log: Any) -> list[str]:
    return [error.message for error in Draft4Validator(SCHEMA).iter_errors(log)]


def _invoke(cwd: Path, *args: str) -> tuple[int, str, str]:
    old = Path.cwd()
    os.chdir(cwd)
    try:
        result = CliRunner().invoke(main, list(args))
    finally:
        os.chdir(old)
    return result.exit_code, result.stdout, result.stderr


def _flat_repo(folder: Path) -> Path:
    rule = write_rule(folder / "rules")
    record = {
        "eventTime": "2026-11-24T10:00:00Z",
        "eventSource": "qbusiness.amazonaws.com",
        "eventName": "CreateApplication",
        "requestParameters": {"identityType": "ANONYMOUS"},
    }
    (folder / "rules" / f"{rule.stem}.pos_a.json").write_text(json.dumps(record), "utf-8")
    negative = {**record, "requestParameters": {"identityType": "AWS_IAM_IDC"}}
    (folder / "rules" / f"{rule.stem}.neg_b.json").write_text(json.dumps(negative), "utf-8")
    (folder / "sigmaq.yml").write_text(
        "profile: cloudtrail\nrules: [rules]\nvalidators: [-fixture_schema]\n", "utf-8"
    )
    (folder / ".git").mkdir()
    return rule


def test_validate_sarif_is_valid_and_locates_findings(tmp_path: Path) -> None:
    detection = {
        "selection": {"eventSource": "q.amazonaws.com", "eventName": "getConversation"},
        "condition": "selection",
    }
    path = write_rule(tmp_path, detection=detection)
    (tmp_path / "broken.yml").write_text("title: [\n", encoding="utf-8")
    code, out, _ = _invoke(tmp_path, "validate", ".", "--format", "sarif")
    assert code == 1
    log = json.loads(out)
    assert _sarif_errors(log) == []
    results = log["runs"][0]["results"]
    by_rule = {result["ruleId"]: result for result in results}
    assert set(by_rule) == {"sigmaq_catalog_values", "load"}
    catalog = by_rule["sigmaq_catalog_values"]
    location = catalog["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": path.name, "uriBaseId": "%SRCROOT%"}
    line = next(i for i, t in enumerate(path.read_text().splitlines(), 1) if "eventName" in t)
    assert location["region"]["startLine"] == line
    assert catalog["level"] == "error" and "GetConversation" in catalog["message"]["text"]
    assert catalog["properties"]["sigmaRuleId"]
    ids = [rule["id"] for rule in log["runs"][0]["tool"]["driver"]["rules"]]
    assert catalog["ruleIndex"] == ids.index("sigmaq_catalog_values")


def test_test_sarif_is_valid_and_names_failed_fixtures(tmp_path: Path) -> None:
    rule = _flat_repo(tmp_path)
    code, out, _ = _invoke(tmp_path, "test", "--format", "sarif", "-o", "out/test.sarif")
    assert code == 0 and out == ""
    log = json.loads((tmp_path / "out" / "test.sarif").read_text("utf-8"))
    assert _sarif_errors(log) == [] and log["runs"][0]["results"] == []
    positive = tmp_path / "rules" / f"{rule.stem}.pos_a.json"
    positive.rename(tmp_path / "rules" / f"{rule.stem}.neg_a.json")
    code, out, _ = _invoke(tmp_path, "test", "--format", "sarif")
    assert code == 1
    log = json.loads(out)
    assert _sarif_errors(log) == []
    results = log["runs"][0]["results"]
    assert {r["ruleId"] for r in results} == {"sigmaq-test/fixture", "sigmaq-test/rule"}
    fixture = next(r for r in results if r["ruleId"] == "sigmaq-test/fixture")
    uri = fixture["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == f"rules/{rule.stem}.neg_a.json"


def _location(result: dict[str, Any]) -> dict[str, Any]:
    location = result["locations"][0]["physicalLocation"]["artifactLocation"]
    assert isinstance(location, dict)
    return location


def test_sarif_uris_are_relative_to_the_repository_root_whatever_the_cwd(tmp_path: Path) -> None:
    """GitHub code scanning matches alerts across runs by file path, relative to the
    repository root: the same finding gets the same ``uri`` under ``%SRCROOT%`` (the
    folder holding ``.git``) whether the gate runs at the root, in a subfolder or
    elsewhere with an absolute path."""
    repo = tmp_path / "repo"
    rule = _flat_repo(repo)
    bad = write_rule(
        repo / "rules",
        detection={
            "selection": {"eventSource": "q.amazonaws.com", "eventName": "getConversation"},
            "condition": "selection",
        },
        title="Q Conversation Read",
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    root_uri = {"%SRCROOT%": {"uri": repo.resolve().as_uri() + "/"}}
    for cwd, path in [(repo, "rules"), (repo / "rules", "."), (elsewhere, str(repo / "rules"))]:
        code, out, _ = _invoke(cwd, "validate", path, "--format", "sarif")
        assert code == 1, (cwd, out)
        run = json.loads(out)["runs"][0]
        assert _sarif_errors({"version": "2.1.0", "runs": [run]}) == []
        assert run["originalUriBaseIds"] == root_uri, cwd
        uris = {json.dumps(_location(r), sort_keys=True) for r in run["results"]}
        assert uris == {json.dumps({"uri": f"rules/{bad.name}", "uriBaseId": "%SRCROOT%"})}
    bad.unlink()
    positive = repo / "rules" / f"{rule.stem}.pos_a.json"
    positive.rename(repo / "rules" / f"{rule.stem}.neg_a.json")
    for cwd, args in [(repo, []), (repo / "rules", ["."]), (elsewhere, [str(repo / "rules")])]:
        code, out, _ = _invoke(cwd, "test", *args, "--format", "sarif")
        assert code == 1, (cwd, out)
        run = json.loads(out)["runs"][0]
        assert run["originalUriBaseIds"] == root_uri, cwd
        fixture = next(r for r in run["results"] if r["ruleId"] == "sigmaq-test/fixture")
        assert _location(fixture) == {
            "uri": f"rules/{rule.stem}.neg_a.json",
            "uriBaseId": "%SRCROOT%",
        }


def _hooks() -> list[dict[str, Any]]:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert isinstance(hooks, list)
    return hooks


def _run_hook(hook: dict[str, Any], cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run a hook as pre-commit does for ``language: python``: its entry (the console
    script pip installed) plus ``args``; no file names (``pass_filenames: false``)."""
    argv = shlex.split(hook["entry"])
    argv[0] = str(BIN / argv[0])
    return subprocess.run(
        [*argv, *args], cwd=cwd, capture_output=True, text=True, check=False, timeout=300
    )


def test_pre_commit_manifest_declares_both_hooks() -> None:
    hooks = {hook["id"]: hook for hook in _hooks()}
    assert set(hooks) == {"sigmaq-validate", "sigmaq-test"}
    for hook in hooks.values():
        assert {"id", "name", "entry", "language"} <= hook.keys()
        assert hook["language"] == "python" and hook["pass_filenames"] is False
        assert hook["entry"].split()[0] == "sigmaq"


def test_pre_commit_hooks_pass_on_a_clean_repo(tmp_path: Path) -> None:
    _flat_repo(tmp_path)
    for hook in _hooks():
        done = _run_hook(hook, tmp_path)
        assert done.returncode == 0, (hook["id"], done.stdout[-2000:], done.stderr[-2000:])


@pytest.mark.skipif(not SIGMAHQ.is_dir(), reason=f"third-party rules not present at {SIGMAHQ}")
def test_sigmahq_rules_through_the_hook_and_sarif(tmp_path: Path) -> None:
    """Issue 11: a repo of plain SigmaHQ CloudTrail rules with the cloudtrail profile gets
    CloudTrail findings only, through the pre-commit hook and as schema-valid SARIF."""
    shutil.copytree(SIGMAHQ, tmp_path / "rules")
    (tmp_path / "sigmaq.yml").write_text("profile: cloudtrail\nrules: [rules]\n", "utf-8")
    (tmp_path / ".git").mkdir()
    hook = next(h for h in _hooks() if h["id"] == "sigmaq-validate")
    done = _run_hook(hook, tmp_path, "--format", "sarif", "--output", "sigmaq.sarif")
    assert done.returncode == 1, done.stderr[-2000:]  # real findings: names CloudTrail lacks
    log = json.loads((tmp_path / "sigmaq.sarif").read_text("utf-8"))
    assert _sarif_errors(log) == []
    rule_ids = {result["ruleId"] for result in log["runs"][0]["results"]}
    assert rule_ids and rule_ids <= {
        "sigmaq_catalog_values",
        "sigmaq_enum_case",
        "sigmaq_field_path",
        "sigmaq_target_expressible",
        "sigmaq_logsource",
        "sigmaq_regex_backtracking",
        "sigmaq_unique_identity",
    }
    for rule in log["runs"][0]["tool"]["driver"]["rules"]:  # code scanning shows it as is
        text = rule["shortDescription"]["text"]
        assert "``" not in text and "\n" not in text, text
    for result in log["runs"][0]["results"]:
        location = result["locations"][0]["physicalLocation"]
        assert location["artifactLocation"]["uri"].startswith("rules/cloud/aws/cloudtrail/")
        assert location["region"]["startLine"] > 1


def test_composite_action_runs_its_script(tmp_path: Path) -> None:
    action = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    assert action["runs"]["using"] == "composite"
    steps = action["runs"]["steps"]
    assert all("shell" in step for step in steps if "run" in step)
    script = next(step for step in steps if step.get("id") == "sigmaq")
    assert "args" in action["inputs"]
    _flat_repo(tmp_path)
    # a rule without fixtures: `test` fails unless the `args` input skips it
    write_rule(tmp_path / "rules", title="Q Business Index Created For The Action Test")
    output_file = tmp_path / "github_output"
    for command, args, expected in (
        ("validate", "", 0),
        ("test", "", 1),
        ("test", "--missing-fixtures skip", 0),
    ):
        env = {
            **os.environ,
            "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
            "GITHUB_OUTPUT": str(output_file),
            **{
                key: str(value)
                .replace("${{ inputs.command }}", command)
                .replace("${{ inputs.paths }}", "")
                .replace("${{ inputs.profile }}", "cloudtrail")
                .replace("${{ inputs.sarif }}", f"{command}.sarif")
                .replace("${{ inputs.fail-on }}", "high")
                .replace("${{ inputs.args }}", args)
                for key, value in script["env"].items()
            },
        }
        done = subprocess.run(
            ["bash", "-e", "-c", script["run"]],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            check=False,
            timeout=300,
        )
        assert done.returncode == expected, done.stderr[-2000:]
        log = json.loads((tmp_path / f"{command}.sarif").read_text("utf-8"))
        assert _sarif_errors(log) == []
    assert "sarif=test.sarif" in output_file.read_text("utf-8")


def test_flat_fixture_names_in_the_test_table_drop_the_rule_stem(tmp_path: Path) -> None:
    """The table's rule column already names the rule: the fixture column shows
    `pos_a.json`, not `<rule stem>.pos_a.json` again (which wraps every row)."""
    rule = _flat_repo(tmp_path)
    code, out, err = _invoke(tmp_path, "test")
    assert code == 0, (out, err)
    cells = [line.split("│")[2].strip() for line in out.splitlines() if line.startswith("│ q_")]
    assert cells == ["pos_a.json", "neg_b.json"], (out, rule.stem)


def test_rules_folder_without_config_or_fixtures_is_the_default(tmp_path: Path) -> None:
    """A SigmaHQ-style repository (rules/, no sigmaq.yml, no fixtures/) is validated
    without PATHS, as README's "CI integration" and action.yml's `paths` input say."""
    write_rule(tmp_path / "rules", sigmaq=None)
    (tmp_path / ".git").mkdir()
    code, out, err = _invoke(tmp_path, "validate", "--profile", "cloudtrail")
    assert code == 0, (out, err)
    assert "1 rules" in err


@pytest.mark.parametrize(
    ("args", "hint"),
    [
        (("validate", "--profile", "cloudtrail"), "`sigmaq validate detections/`"),
        (("test",), "`sigmaq test detections/`"),
        (("convert", "-t", "splunk"), "`sigmaq convert detections/`"),
        (("list", "rules"), "`sigmaq list rules detections/`"),
        (
            ("fixture", "capture", ".", "--rule", "x", "-o", "out"),
            "`sigmaq fixture capture ... --rules detections/`",
        ),
    ],
)
def test_no_rules_anywhere_says_what_to_pass(
    tmp_path: Path, args: tuple[str, ...], hint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The hint names the command that was run, and its way of taking rule paths (here no
    pack is installed either: convert, list and capture fall back to an installed one,
    tests/unit/test_packaging.py; validate and test never do)."""
    import sigmaq.cli.common

    if args[0] not in ("validate", "test"):
        monkeypatch.setattr(sigmaq.cli.common, "bundled_pack_root", lambda: None)
    (tmp_path / ".git").mkdir()
    code, _, err = _invoke(tmp_path, *args)
    assert code == 2
    assert hint in err and "rules: [detections]" in err


def _anonymous_app_trail(folder: Path) -> None:
    """``trail.json``: one CreateApplication with anonymous access (one finding of the
    pack's rule, or of ``write_rule``'s)."""
    record = {
        "eventTime": "2026-11-24T10:00:00Z",
        "eventSource": "qbusiness.amazonaws.com",
        "eventName": "CreateApplication",
        "eventID": "3a7c1e52-0d5b-4c0e-9d64-5f4b2f0f7a11",
        "requestParameters": {"identityType": "ANONYMOUS"},
    }
    (folder / "trail.json").write_text(json.dumps({"Records": [record]}), "utf-8")


def test_convert_and_hunt_default_to_the_configured_rules(tmp_path: Path) -> None:
    """sigmaq.yml's `rules:` is the default rule path of convert and hunt too."""
    write_rule(tmp_path / "detections", sigmaq=None)
    (tmp_path / "sigmaq.yml").write_text("profile: cloudtrail\nrules: [detections]\n", "utf-8")
    (tmp_path / ".git").mkdir()
    code, out, err = _invoke(tmp_path, "convert", "-t", "splunk", "--no-validate")
    assert code == 0, err
    assert 'eventName="CreateApplication"' in out
    _anonymous_app_trail(tmp_path)
    code, out, err = _invoke(tmp_path, "hunt", "trail.json", "--no-validate", "--format", "json")
    assert code == 0, err
    assert [f["rule_title"] for f in json.loads(out)["findings"]] == [
        "Q Business Application Created With Anonymous Access"
    ]


def test_hunt_defaults_to_a_rules_folder_without_fixtures(tmp_path: Path) -> None:
    """In a SigmaHQ-style repository (rules/, no fixtures/, no sigmaq.yml) hunt runs those
    rules, as validate and convert do; it ran the pack installed with sigmaq instead."""
    write_rule(tmp_path / "rules", sigmaq=None)
    (tmp_path / ".git").mkdir()
    _anonymous_app_trail(tmp_path)
    code, out, err = _invoke(tmp_path, "hunt", "trail.json", "--no-validate", "--format", "json")
    assert code == 0, err
    assert "installed with sigmaq" not in err
    assert json.loads(out)["summary"]["rules"] == 1


@pytest.mark.parametrize("command", ["build", "convert"])
@pytest.mark.parametrize("index", ['cloud"trail', "aws logs", "_internal", "AWS"])
def test_splunk_index_that_would_break_the_macro_is_a_usage_error(command: str, index: str) -> None:
    from click.testing import CliRunner

    from sigmaq.cli import main

    args = [command, "--splunk-index", index] + (["-t", "splunk"] if command == "convert" else [])
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2, result.output
    assert "not a Splunk index name" in result.output
