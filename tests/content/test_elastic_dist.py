"""The Elastic packager on the whole pack: rules.ndjson, its schema, PROOF.md, a flip."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import jsonschema
import pytest

from sigmaq.core.layout import ProjectLayout
from sigmaq.core.loader import load_rules
from sigmaq.export.dist import build_dist
from sigmaq.export.elastic.package import deployable
from sigmaq.export.proof import Verdict
from sigmaq.export.targets import TargetOptions

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((ROOT / "tests" / "data" / "kibana_rule_import.schema.json").read_text())


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    out = tmp_path_factory.mktemp("dist")
    report = build_dist([ROOT / "rules"], out, targets=["elastic"], layout=ProjectLayout(ROOT))
    lines = [json.loads(x) for x in (out / "elastic" / "rules.ndjson").read_text().splitlines()]
    return report, lines, out


def test_one_rule_per_deployable_rule(built) -> None:  # type: ignore[no-untyped-def]
    report, lines, _ = built
    own, _bases = deployable(load_rules([ROOT / "rules"]).rules)
    own_ids = {r.rule_id for r in own}
    ids = [line["rule_id"] for line in lines]
    assert len(ids) == len(set(ids))
    exported = own_ids & set(ids)
    assert len(exported) >= 53, sorted(own_ids - set(ids))
    assert set(report.targets) == {"elastic", "esql", "eql"}
    for line in lines:
        assert line["rule_id"] in own_ids or line.get("building_block_type") == "default"


def test_every_line_is_a_valid_kibana_import(built) -> None:  # type: ignore[no-untyped-def]
    _, lines, _ = built
    validator = jsonschema.Draft202012Validator(SCHEMA)
    for line in lines:
        errors = [e.message for e in validator.iter_errors(line)]
        assert not errors, (line["name"], errors)
        assert line["timestamp_override"] == "event.ingested"
        assert line["enabled"] is False
        assert line["required_fields"] and line["related_integrations"]
        assert line["setup"].startswith("## Setup") and line["note"]
        if line["type"] in ("threshold",) or (line["type"] == "esql" and "stats" in line["query"]):
            assert "alert_suppression" in line


def test_schema_rejects_a_broken_line(built) -> None:  # type: ignore[no-untyped-def]
    _, lines, _ = built
    threshold = next(dict(line) for line in lines if line["type"] == "threshold")
    del threshold["threshold"]
    assert list(jsonschema.Draft202012Validator(SCHEMA).iter_errors(threshold))


def test_proof_lists_every_deployable_rule(built) -> None:  # type: ignore[no-untyped-def]
    report, lines, out = built
    proofs = [p for b in report.targets.values() if b.proof for p in b.proof.proofs]
    own, _ = deployable(load_rules([ROOT / "rules"]).rules)
    listed = {p.rule_id for p in proofs}
    assert {r.rule_id for r in own} <= listed
    exported = {line["rule_id"] for line in lines}
    for proof in proofs:
        if proof.rule_id in exported:
            assert proof.verdict is Verdict.PROVEN, (proof.title, proof.reason)
        else:
            assert proof.verdict is Verdict.REFUSED and proof.reason
    text = (out / "elastic" / "PROOF.md").read_text()
    assert "models of Elasticsearch" in text


def test_flipping_a_fixture_changes_the_verdict(tmp_path: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(ROOT / "rules", project / "rules")
    shutil.copytree(ROOT / "fixtures", project / "fixtures")
    folder = project / "fixtures" / "containment" / "aws_cloudtrail_iam_user_created_or_deleted"
    negative = sorted(folder.glob("neg_*.json"))[0]
    negative.rename(folder / ("pos_" + negative.name[4:]))
    rule = project / "rules" / "containment" / "aws_cloudtrail_iam_user_created_or_deleted.yml"
    report = build_dist(
        [rule], tmp_path / "dist", targets=["elastic"], layout=ProjectLayout(project)
    )
    proof = report.targets["elastic"].proof
    assert proof is not None
    (verdict,) = [p for p in proof.proofs]
    assert verdict.verdict is Verdict.REFUSED
    assert "does not fire on a positive fixture" in verdict.reason


def test_opting_out_of_the_custom_pipeline_refuses_rules_that_need_it(tmp_path: Path) -> None:
    rule = (
        ROOT / "rules" / "q_developer" / "aws_cloudtrail_q_developer_prompt_log_objects_deleted.yml"
    )
    with_pipeline = build_dist([rule], tmp_path / "a", targets=["elastic"])
    without = build_dist(
        [rule], tmp_path / "b", TargetOptions(elastic_custom_pipeline=False), targets=["elastic"]
    )
    assert with_pipeline.targets["elastic"].converted
    assert (tmp_path / "a" / "elastic" / "logs-aws.cloudtrail@custom.pipeline.json").is_file()
    assert not without.targets["elastic"].converted
    assert "custom pipeline is disabled" in without.targets["elastic"].refused[0][1]
