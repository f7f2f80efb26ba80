"""sigmaq.export.convert: per-rule outcomes, fresh collections, golden files, build_dist."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from sigmaq.cli.convert_cmd import convert as convert_command
from sigmaq.core.layout import ProjectLayout
from sigmaq.export.convert import (
    CONVERTED,
    FAILED,
    REFUSED,
    check_golden,
    convert_rules,
    write_golden,
)
from sigmaq.export.dist import build_dist

GOOD = """title: Good rule
id: bbbbbbbb-0000-4000-8000-000000000001
status: test
logsource: {product: aws, service: cloudtrail}
detection:
  sel:
    eventSource: q.amazonaws.com
    eventName: SendMessage
  condition: sel
level: medium
"""
REFUSED_RULE = (
    GOOD.replace("Good rule", "Refused rule")
    .replace("0001", "0002")
    .replace("eventName: SendMessage", "userIdentity.onBehalfOf.userId: abc")
)
UNMAPPED = (
    GOOD.replace("Good rule", "Unmapped rule")
    .replace("0001", "0003")
    .replace("eventName: SendMessage", "status: success")
)


def _project(tmp_path: Path) -> Path:
    rules = tmp_path / "rules" / "q_developer"
    rules.mkdir(parents=True)
    (tmp_path / "fixtures").mkdir()
    (rules / "aws_cloudtrail_good_rule.yml").write_text(GOOD, encoding="utf-8")
    (rules / "aws_cloudtrail_refused_rule.yml").write_text(REFUSED_RULE, encoding="utf-8")
    (rules / "aws_cloudtrail_unmapped_rule.yml").write_text(UNMAPPED, encoding="utf-8")
    (rules / "aws_cloudtrail_broken.yml").write_text("title: [unclosed", encoding="utf-8")
    return tmp_path


def test_outcomes_are_classified(tmp_path: Path) -> None:
    root = _project(tmp_path)
    result = convert_rules([root / "rules"], "elastic", "default")
    status = {o.title: o.status for o in result.outcomes}
    assert status["Good rule"] == CONVERTED
    assert status["Refused rule"] == REFUSED
    assert status["Unmapped rule"] == FAILED
    assert sum(1 for o in result.failed if o.message.startswith("load error")) == 1
    assert result.text == "event.provider:q.amazonaws.com AND event.action:SendMessage\n"


def test_splunk_then_lucene_equals_lucene_alone(tmp_path: Path) -> None:
    root = _project(tmp_path)
    alone = convert_rules([root / "rules"], "elastic", "default").text
    convert_rules([root / "rules"], "splunk", "default")
    convert_rules([root / "rules"], "splunk", "savedsearches")
    assert convert_rules([root / "rules"], "elastic", "default").text == alone


def test_converting_twice_does_not_double_scope(tmp_path: Path) -> None:
    root = _project(tmp_path)
    first = convert_rules([root / "rules"], "splunk", "default").text
    assert convert_rules([root / "rules"], "splunk", "default").text == first
    queries = [o.outputs[0] for o in convert_rules([root / "rules"], "splunk", "default").converted]
    assert len(queries) == 2
    assert all(query.count("sourcetype=") == 1 for query in queries)


def test_golden_write_then_check_is_clean(tmp_path: Path) -> None:
    root = _project(tmp_path)
    layout = ProjectLayout(root)
    result = convert_rules([root / "rules"], "elastic", "default")
    written = write_golden(layout, result)
    assert [p.name for p in written] == ["aws_cloudtrail_good_rule.lucene"]
    assert check_golden(layout, result) == []
    written[0].write_text("changed\n", encoding="utf-8")
    (written[0].parent / "aws_cloudtrail_gone.lucene").write_text("x\n", encoding="utf-8")
    kinds = sorted(d.kind for d in check_golden(layout, result))
    assert kinds == ["changed", "stale"]


def test_build_dist_writes_primary_formats(tmp_path: Path) -> None:
    root = _project(tmp_path)
    report = build_dist([root / "rules"], tmp_path / "dist")
    splunk = report.targets["splunk"]
    assert "bbbbbbbb-0000-4000-8000-000000000001" in splunk.converted
    assert (
        tmp_path / "dist" / "splunk" / "sigmaq_amazon_q" / "default" / "savedsearches.conf"
    ).is_file()
    lines = (tmp_path / "dist" / "elastic" / "rules.ndjson").read_text().splitlines()
    rules = {json.loads(line)["rule_id"]: json.loads(line) for line in lines}
    # The onBehalfOf rule reads the field from sigmaq's custom ingest pipeline.
    assert sorted(rules) == [
        "bbbbbbbb-0000-4000-8000-000000000001",
        "bbbbbbbb-0000-4000-8000-000000000002",
    ]
    assert "logs-aws.cloudtrail@custom" in rules["bbbbbbbb-0000-4000-8000-000000000002"]["setup"]
    failed_ids = [rule_id for rule_id, _ in report.targets["elastic"].failed]
    assert "bbbbbbbb-0000-4000-8000-000000000003" in failed_ids
    assert not report.ok  # the unmapped rule failed


def test_cli_exit_codes_and_summary(tmp_path: Path) -> None:
    root = _project(tmp_path)
    runner = CliRunner()
    good = root / "rules" / "q_developer" / "aws_cloudtrail_good_rule.yml"
    refused = root / "rules" / "q_developer" / "aws_cloudtrail_refused_rule.yml"
    ok = runner.invoke(convert_command, ["-t", "elastic", "-f", "default", str(good), str(refused)])
    assert ok.exit_code == 0
    assert ok.stdout == "event.provider:q.amazonaws.com AND event.action:SendMessage\n"
    assert "1 converted, 1 refused, 0 failed" in ok.stderr
    bad = runner.invoke(convert_command, ["-t", "elastic", str(root / "rules")])
    assert bad.exit_code == 1
    usage = runner.invoke(convert_command, ["-t", "qradar", str(good)])
    assert usage.exit_code == 2


def test_value_count_over_an_alias_converts_for_splunk(tmp_path: Path) -> None:
    """A value_count whose field is a correlation alias is not a record field: the field
    table must not fail it closed (Sigma correlation spec, "Field Name Aliases")."""
    rules = tmp_path / "rules" / "q_business"
    rules.mkdir(parents=True)
    base = GOOD.replace("title: Good rule", "title: Base A\nname: base_a").replace(
        "eventName: SendMessage", "requestParameters.actionExecution.pluginId|exists: true"
    )
    other = (
        GOOD.replace("title: Good rule", "title: Base B\nname: base_b")
        .replace("0001", "0004")
        .replace(
            "eventName: SendMessage",
            "requestParameters.chatModeConfiguration.pluginConfiguration.pluginId|exists: true",
        )
    )
    correlation = """title: Many plugins
id: bbbbbbbb-0000-4000-8000-000000000005
status: test
correlation:
  type: value_count
  rules: [base_a, base_b]
  aliases:
    plugin:
      base_a: requestParameters.actionExecution.pluginId
      base_b: requestParameters.chatModeConfiguration.pluginConfiguration.pluginId
  group-by: [userIdentity.arn]
  timespan: 1h
  condition: {gte: 3, field: plugin}
level: low
"""
    for name, text in (("a", base), ("b", other), ("c", correlation)):
        (rules / f"aws_cloudtrail_{name}.yml").write_text(text, encoding="utf-8")
    result = convert_rules([tmp_path / "rules"], "splunk", "default")
    outcome = next(o for o in result.outcomes if o.rule_id.endswith("0005"))
    assert outcome.status == CONVERTED, outcome
    query = "\n".join(str(output) for output in outcome.outputs)
    assert "as plugin" in query and "lower('plugin')" in query and "dc(sigmaq_value)" in query


def test_splunk_index_is_not_silently_dropped_from_saved_searches(tmp_path: Path) -> None:
    # savedsearches stanzas start with the macro `sigmaq_cloudtrail` (defined by the
    # app's macros.conf, which convert does not write): an index given here would vanish.
    good = _project(tmp_path) / "rules" / "q_developer" / "aws_cloudtrail_good_rule.yml"
    runner = CliRunner()
    args = ["-t", "splunk", "--no-validate", "--splunk-index", "cloudtrail"]
    refused = runner.invoke(convert_command, [*args, str(good)])
    assert refused.exit_code == 2
    assert "--splunk-index" in refused.stderr and "sigmaq build" in refused.stderr
    plain = runner.invoke(convert_command, [*args, "-f", "default", str(good)])
    assert plain.exit_code == 0 and plain.stdout.startswith('index="cloudtrail" ')
    own = runner.invoke(convert_command, [*args[:3], "--splunk-macro", "my_ct", str(good)])
    assert own.exit_code == 0 and "search = `my_ct` " in own.stdout
