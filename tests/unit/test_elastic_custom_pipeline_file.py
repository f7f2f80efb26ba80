"""backends/elastic/logs-aws.cloudtrail@custom*.json equal what sigmaq build generates."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sigmaq.core.loader import load_rules
from sigmaq.export.elastic.choose import Chooser
from sigmaq.export.elastic.custom_pipeline import component_template_body, pipeline_body
from sigmaq.export.elastic.package import building_block_bases, deployable

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def paths() -> list[str]:
    rules = load_rules([ROOT / "rules"]).rules
    own, _ = deployable(rules)
    chooser = Chooser(rules, "logs-aws.cloudtrail-*", True)
    found: set[str] = set()
    for item in own + building_block_bases(rules):
        choice = chooser.correlation(item) if item.is_correlation else chooser.single(item)
        found.update(getattr(choice, "custom_paths", ()))
    return sorted(found)


def test_shipped_pipeline_is_current(paths: list[str]) -> None:
    shipped = json.loads((ROOT / "backends/elastic/logs-aws.cloudtrail@custom.json").read_text())
    assert shipped == pipeline_body(paths)
    template = ROOT / "backends/elastic/logs-aws.cloudtrail@custom.component_template.json"
    assert json.loads(template.read_text()) == component_template_body(paths)
    assert "userIdentity.onBehalfOf.userId" in paths
