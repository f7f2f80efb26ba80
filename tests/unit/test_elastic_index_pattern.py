"""The Elastic index pattern of ``dist/elastic/rules.ndjson`` is the SOC's to choose.

A SOC whose CloudTrail lands in another data stream than the AWS integration's default
(``logs-aws.cloudtrail-*``) sets it once at build time, as ``--splunk-index`` does for the
Splunk app: every Kibana rule's ``index``, every ES|QL ``from`` and the setup and
investigation texts then name it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from sigmaq.cli import main
from sigmaq.export.dist import build_dist
from sigmaq.export.pipelines.cloudtrail import ELASTIC_INDEX_PATTERN
from sigmaq.export.targets import TargetOptions

RULES = Path(__file__).resolve().parents[2] / "rules"
# One rule of each Kibana rule type the packager writes: query (single event), threshold
# (event_count), eql (temporal_ordered sequence) and esql (temporal), with their bases.
PICK = [
    "q_business/aws_cloudtrail_q_business_chat_controls_weakened.yml",
    "containment/aws_cloudtrail_destructive_aws_api_call.yml",
    "containment/aws_cloudtrail_burst_of_destructive_aws_api_calls_by_one_principal.yml",
    "containment/aws_cloudtrail_amazon_q_api_activity.yml",
    "containment/aws_cloudtrail_access_key_of_amazon_q_user_deactivated_or_deleted.yml",
    "containment/aws_cloudtrail_iam_access_key_deactivated_or_deleted.yml",
    "containment/aws_cloudtrail_iam_persistence_action.yml",
    "containment/aws_cloudtrail_amazon_q_administrative_change.yml",
    "containment/aws_cloudtrail_iam_persistence_right_after_amazon_q_admin_change.yml",
]
PATTERN = "cloudtrail-prod-*"


def kibana_rules(tmp_path: Path, options: TargetOptions) -> list[dict[str, Any]]:
    build_dist([RULES / p for p in PICK], tmp_path, options, targets=["elastic"])
    text = (tmp_path / "elastic" / "rules.ndjson").read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines()]


def test_every_kibana_rule_reads_the_chosen_index_pattern(tmp_path: Path) -> None:
    rules = kibana_rules(tmp_path, TargetOptions(elastic_index_pattern=PATTERN))
    types = {rule["type"] for rule in rules}
    assert {"query", "threshold", "eql", "esql"} <= types, types
    for rule in rules:
        if rule["type"] == "esql":
            assert "index" not in rule
            assert rule["query"].startswith(f"from {PATTERN} |"), rule["query"][:60]
        else:
            assert rule["index"] == [PATTERN], rule["name"]
        for text in (rule["setup"], rule["note"]):
            assert ELASTIC_INDEX_PATTERN not in text, (rule["name"], text)
        assert f"`{PATTERN}`" in rule["setup"], rule["name"]


def test_default_index_pattern_is_the_aws_integration_data_stream(tmp_path: Path) -> None:
    rules = kibana_rules(tmp_path, TargetOptions())
    assert all(
        rule.get("index", [ELASTIC_INDEX_PATTERN]) == [ELASTIC_INDEX_PATTERN] for rule in rules
    )
    assert all(f"`{ELASTIC_INDEX_PATTERN}`" in rule["setup"] for rule in rules)


def test_build_passes_the_index_pattern_to_the_elastic_packager(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import sigmaq.pack.build

    seen: list[TargetOptions] = []

    def fake_run_build(root: Path, **kwargs: Any) -> Any:
        seen.append(kwargs["options"])
        raise SystemExit(0)

    monkeypatch.setattr(sigmaq.pack.build, "run_build", fake_run_build)
    result = CliRunner().invoke(main, ["build", "--elastic-index-pattern", PATTERN])
    assert result.exit_code == 0, result.output
    assert [o.elastic_index_pattern for o in seen] == [PATTERN]


@pytest.mark.parametrize(
    "pattern",
    ["logs | drop *", 'a"b', "Logs-AWS", "a b", "-logs", "logs,other", "x\ny", ""],
)
@pytest.mark.parametrize("command", ["build", "convert"])
def test_index_pattern_that_would_break_a_query_is_a_usage_error(
    command: str, pattern: str
) -> None:
    args = [command, "--elastic-index-pattern" if command == "build" else "--index-pattern"]
    args.append(pattern)
    if command == "convert":
        args += ["-t", "esql"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2, result.output
    assert "index pattern" in result.output
