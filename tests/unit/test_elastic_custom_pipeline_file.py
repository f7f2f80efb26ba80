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
def paths() -> tuple[list[str], list[str]]:
    rules = load_rules([ROOT / "rules"]).rules
    own, _ = deployable(rules)
    chooser = Chooser(rules, "logs-aws.cloudtrail-*", True)
    found: set[str] = set()
    lowered: set[str] = set()
    for item in own + building_block_bases(rules):
        choice = chooser.correlation(item) if item.is_correlation else chooser.single(item)
        found.update(getattr(choice, "custom_paths", ()))
        lowered.update(getattr(choice, "lower_paths", ()))
    return sorted(found), sorted(lowered)


def test_shipped_pipeline_is_current(paths: tuple[list[str], list[str]]) -> None:
    restored, lowered = paths
    shipped = json.loads((ROOT / "backends/elastic/logs-aws.cloudtrail@custom.json").read_text())
    assert shipped == pipeline_body(restored, lowered)
    template = ROOT / "backends/elastic/logs-aws.cloudtrail@custom.component_template.json"
    assert json.loads(template.read_text()) == component_template_body(restored, lowered)
    assert "userIdentity.onBehalfOf.userId" in restored
    # Threshold group-by and EQL join fields get lower-cased copies.
    assert {"userIdentity.arn", "requestParameters.userName", "recipientAccountId"} <= set(lowered)
    targets = [p["lowercase"]["target_field"] for p in shipped["processors"] if "lowercase" in p]
    assert targets == [f"sigmaq.lower.{path}" for path in lowered]


def test_build_reports_a_stale_pipeline_and_update_rewrites_it(tmp_path: Path) -> None:
    """The shipped pipeline is a golden file: ``sigmaq build``'s golden stage names it
    when it lags the rules, ``sigmaq update`` (``update_golden``) rewrites it."""
    import shutil

    from sigmaq.pack.golden import pipeline_differences, update_golden

    shutil.copytree(ROOT / "rules", tmp_path / "rules")
    shutil.copytree(ROOT / "backends" / "elastic", tmp_path / "backends" / "elastic")
    assert pipeline_differences(tmp_path) == []
    shipped = tmp_path / "backends/elastic/logs-aws.cloudtrail@custom.json"
    shipped.write_text("{}\n", encoding="utf-8")
    (difference,) = pipeline_differences(tmp_path)
    assert (difference.path, difference.kind) == (shipped, "changed")
    assert shipped in update_golden(tmp_path).written
    assert pipeline_differences(tmp_path) == []
