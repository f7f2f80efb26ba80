"""What keeps the start-up of validate/convert/hunt short gives the same answers.

Validator discovery without ``sigma.plugins`` finds what pySigma's autodiscovery finds
(third-party plugins included), pySigma's data loaders keep their data in memory,
condition trees and resolved paths are shared only inside a validation run, fixture
listings are the same as with ``Path.iterdir``, and only the process entry freezes the
collector. The timing itself is ``benchmarks/startup.py``.
"""

from __future__ import annotations

import gc
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import sigma.validators
from click.testing import CliRunner
from rulebuilder import rule_text

from sigmaq.cli import main
from sigmaq.core.condition_trees import shared_condition_trees
from sigmaq.core.layout import (
    flat_fixtures_for,
    is_fixture_file,
    resolve_paths_once,
    resolved,
)
from sigmaq.core.loader import load_rules
from sigmaq.core.offline import MemoryCache, use_vendored_data
from sigmaq.validate.house.rule_walk import condition_roots, rule_field_values
from sigmaq.validate.registry import plugin_validator_classes


def _autodiscovered() -> dict[str, type]:
    from sigma.plugins import InstalledSigmaPlugins

    found = InstalledSigmaPlugins.autodiscover(include_backends=False, include_pipelines=False)
    return dict(found.validators)  # type: ignore[arg-type]


def test_validators_found_as_pysigma_autodiscovery_finds_them() -> None:
    found = plugin_validator_classes()
    assert list(found.items()) == list(_autodiscovered().items())
    assert "attacktag" in found and "sigmahq_title_case" in found


def test_third_party_validator_plugin_still_discovered(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "sqtest_plugin.py").write_text(
        textwrap.dedent(
            """
            from sigma.validators.base import SigmaRuleValidator

            class SqtestDummyValidator(SigmaRuleValidator):
                def validate(self, rule):
                    return []

            validators = {"sqtest_dummy": SqtestDummyValidator}
            """
        ),
        encoding="utf-8",
    )
    monkeypatch.setattr(sigma.validators, "__path__", [*sigma.validators.__path__, str(tmp_path)])
    try:
        found = plugin_validator_classes()
        assert "sqtest_dummy" in found
        assert list(found.items()) == list(_autodiscovered().items())
    finally:
        sys.modules.pop("sigma.validators.sqtest_plugin", None)


def test_registry_does_not_import_sigma_plugins() -> None:
    code = (
        "import sys\n"
        "from sigmaq.validate.registry import resolve_validators\n"
        "resolve_validators('amazon_q', [])\n"
        "print('sigma.plugins' in sys.modules, 'requests' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.split() == ["False", "False"]


def test_pysigma_data_held_in_memory_once() -> None:
    use_vendored_data()
    from sigma.data import mitre_attack
    from sigma.validators.sigmahq.data import data_filename, data_taxonomy

    assert isinstance(mitre_attack._cache, MemoryCache)
    for module in (data_taxonomy, data_filename):
        assert isinstance(module.set_url.__self__._cache, MemoryCache)
    # parsed once: every access returns the same object, not a fresh decode
    assert mitre_attack.mitre_attack_techniques is mitre_attack.mitre_attack_techniques
    taxonomy = data_taxonomy.sigmahq_taxonomy_fieldsname
    assert taxonomy is data_taxonomy.sigmahq_taxonomy_fieldsname
    assert "aws_None_cloudtrail" in taxonomy


def test_condition_trees_shared_only_inside_a_run(tmp_path: Path) -> None:
    path = tmp_path / "rule.yml"
    path.write_text(rule_text(), encoding="utf-8")
    (loaded,) = load_rules([path]).rules
    rule = loaded.rule
    assert condition_roots(rule)[0] is not condition_roots(rule)[0]
    with shared_condition_trees():
        first = condition_roots(rule)[0]
        assert condition_roots(rule)[0] is first
        leaves = rule_field_values(rule)
        assert [leaf.node for leaf in leaves] == [leaf.node for leaf in rule_field_values(rule)]
        assert {leaf.field for leaf in leaves} == {
            "eventSource",
            "eventName",
            "requestParameters.identityType",
        }
    assert condition_roots(rule)[0] is not first


def test_paths_resolved_once_only_inside_the_block(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    link = tmp_path / "link"
    link.symlink_to(tmp_path / "a")
    with resolve_paths_once():
        assert resolved(link) == tmp_path.resolve() / "a"
        link.unlink()
        link.symlink_to(tmp_path / "b")
        assert resolved(link) == tmp_path.resolve() / "a"  # the block's answer stands
    assert resolved(link) == tmp_path.resolve() / "b"


def test_fixture_listing_as_iterdir(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    rule = rules / "r.yml"
    rule.write_text("title: x\n", encoding="utf-8")
    elsewhere = tmp_path / "elsewhere.json"
    elsewhere.write_text("{}", encoding="utf-8")
    for name in (
        "r.pos_a.json",
        "r.neg_b.json.gz",
        "r.neg_c.ndjson",
        "r.pos_d.txt",
        "s.pos_e.json",
    ):
        (rules / name).write_text("{}", encoding="utf-8")
    (rules / "r.pos_link.json").symlink_to(elsewhere)
    (rules / "r.neg_dangling.json").symlink_to(tmp_path / "missing.json")
    (rules / "r.pos_folder.json").mkdir()
    prefix = "r."
    expected = sorted(
        p
        for p in rules.iterdir()
        if p.is_file() and p.name.startswith(prefix) and is_fixture_file(p)
    )
    positives, negatives = flat_fixtures_for(rule)
    assert sorted(positives + negatives) == expected
    assert [p.name for p in positives] == ["r.pos_a.json", "r.pos_link.json"]
    assert [p.name for p in negatives] == ["r.neg_b.json.gz", "r.neg_c.ndjson"]


def test_only_the_process_entry_freezes_the_collector(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    monkeypatch.setattr(gc, "freeze", lambda: calls.append("freeze"))
    assert CliRunner().invoke(main, ["--version"]).exit_code == 0
    assert calls == []  # the test runner calls main.main: this process keeps collecting
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert calls == ["freeze"]
