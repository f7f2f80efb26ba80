"""The ATT&CK Navigator layer: valid against the layer-format 4.5 schema, and as the Navigator
expects it (known technique ids, parent rows for sub-techniques, scores from rule levels)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from sigmaq.core.offline import ATTACK_VERSION
from sigmaq.pack.coverage import build_report, generated_files
from sigmaq.pack.navigator import LEVEL_WEIGHT, NAVIGATOR_FILE, attack_techniques, navigator_layer

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads(
    (ROOT / "tests" / "data" / "navigator" / "layer-4.5.schema.json").read_text(encoding="utf-8")
)
REPORT = build_report(ROOT)


@pytest.fixture(scope="module")
def layer() -> dict[str, Any]:
    return navigator_layer(REPORT.rules)


def test_the_schema_is_itself_valid_and_rejects_broken_layers(layer: dict[str, Any]) -> None:
    Draft202012Validator.check_schema(SCHEMA)
    validator = Draft202012Validator(SCHEMA)
    broken: list[dict[str, Any]] = [
        {k: v for k, v in layer.items() if k != "domain"},
        {**layer, "versions": {**layer["versions"], "layer": "4.4"}},
        {**layer, "versions": {**layer["versions"], "navigator": "4.8.2"}},
        {**layer, "techniques": [{"techniqueID": "1059"}]},
        {**layer, "techniques": [{"techniqueID": "T1059", "scor": 1}]},
        {**layer, "gradient": {"colors": ["#ffffff"], "minValue": 0, "maxValue": 1}},
        {**layer, "legendItems": [{"label": "x"}]},
    ]
    for bad in broken:
        assert list(validator.iter_errors(bad)), bad


def test_layer_validates_against_the_layer_format_schema(layer: dict[str, Any]) -> None:
    errors = sorted(Draft202012Validator(SCHEMA).iter_errors(layer), key=lambda e: e.path)
    assert [e.message for e in errors] == []


def test_layer_has_the_structure_the_navigator_expects(layer: dict[str, Any]) -> None:
    assert layer["versions"] == {
        "attack": ATTACK_VERSION.split(".")[0],
        "navigator": "5.2.0",
        "layer": "4.5",
    }
    assert layer["domain"] == "enterprise-attack"
    assert layer["gradient"]["maxValue"] > layer["gradient"]["minValue"]
    known = attack_techniques()
    ids = [t["techniqueID"] for t in layer["techniques"]]
    assert ids == sorted(set(ids)), "one row per technique, sorted"
    assert all(t in known for t in ids), [t for t in ids if t not in known]
    scored = {t["techniqueID"]: t for t in layer["techniques"] if "score" in t}
    for technique_id in scored:
        if "." in technique_id:
            parent = next(t for t in layer["techniques"] if t["techniqueID"] == technique_id[:5])
            assert parent["showSubtechniques"] is True
    assert max(t["score"] for t in scored.values()) == layer["gradient"]["maxValue"]


def test_scores_are_rule_counts_weighted_by_level(layer: dict[str, Any]) -> None:
    expected: dict[str, list[str]] = {}
    for rule in REPORT.rules:
        for technique in rule.attack:
            expected.setdefault(technique, []).append(rule.level)
    scored = {t["techniqueID"]: t for t in layer["techniques"] if "score" in t}
    assert set(scored) == set(expected)
    for technique, levels in expected.items():
        entry = scored[technique]
        assert entry["score"] == sum(LEVEL_WEIGHT[level] for level in levels)
        assert f": {len(levels)} rule" in entry["comment"]
        assert len(entry["metadata"]) == len(levels)
    # T1213 is tagged by several Q Business rules: a real, non-trivial score
    assert scored["T1213"]["score"] >= 10


def test_unknown_techniques_are_left_out() -> None:
    rule = replace(REPORT.rules[0], attack=("T9999", "T1485"))
    layer = navigator_layer([rule])
    assert [t["techniqueID"] for t in layer["techniques"]] == ["T1485"]


def test_committed_layer_is_current() -> None:
    files = {g.path: g.text for g in generated_files(ROOT, REPORT)}
    path = ROOT / NAVIGATOR_FILE
    assert path in files
    assert path.read_text(encoding="utf-8") == files[path], "run `sigmaq coverage`"


def test_playbook_matrix_in_the_coverage_page() -> None:
    from sigmaq.pack.coverage import PLAYBOOK_KEYS, render_coverage_doc, render_playbook_matrix

    lines = render_playbook_matrix(REPORT.rules)
    header = next(line for line in lines if line.startswith("| Rule |"))
    assert header == f"| Rule | {' | '.join(PLAYBOOK_KEYS)} |"
    rows = [line for line in lines if line.startswith("| [")]
    assert len(rows) == len(REPORT.rules)
    counts = lines[-1].split("|")[2:-1]
    assert [int(c) for c in counts] == [len(REPORT.rules_for_playbook(k)) for k in PLAYBOOK_KEYS]
    for rule, row in zip(REPORT.rules, rows, strict=True):
        marks = [cell.strip() for cell in row.split("|")[2:-1]]
        assert marks == ["x" if k in rule.playbook else "" for k in PLAYBOOK_KEYS], rule.title
    assert "\n".join(lines) in render_coverage_doc(REPORT)
