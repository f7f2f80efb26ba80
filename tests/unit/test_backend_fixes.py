"""Each known backend defect: fixed or refused, with the reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from sigmaq.export.backend_fixes import KIBANA_SEVERITY, attack_threat
from sigmaq.export.convert import CONVERTED, REFUSED, convert_rules
from sigmaq.export.splunk.backend import hoist_scope_terms

HEADER = """title: {title}
id: {id}
status: test
logsource: {{product: aws, service: cloudtrail}}
level: {level}
"""


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _rule(tmp_path: Path, detection: str, level: str = "high", tags: str = "") -> Path:
    head = HEADER.format(title="Fix test", id="aaaaaaaa-0000-4000-8000-000000000001", level=level)
    return _write(tmp_path, "r.yml", head + tags + "detection:\n" + detection)


REGEX_OR = """  sel:
    eventSource: q.amazonaws.com
  re1:
    userAgent|re: 'AmazonQ-For-CLI'
  re2:
    userAgent|re: 'Q-Dev'
  condition: sel and (re1 or re2)
"""


def test_savedsearches_search_never_starts_with_rex(tmp_path: Path) -> None:
    result = convert_rules([_rule(tmp_path, REGEX_OR)], "splunk", "savedsearches")
    assert [o.status for o in result.outcomes] == [CONVERTED]
    stanza = str(result.outcomes[0].outputs[0])
    search = stanza.split("search = ", 1)[1]
    assert search.startswith('`sigmaq_cloudtrail` eventSource="q.amazonaws.com"')
    assert "| rex field=userAgent" in search
    default = convert_rules([_rule(tmp_path, REGEX_OR)], "splunk", "default")
    assert str(default.outcomes[0].outputs[0]).startswith(
        'sourcetype="aws:cloudtrail" eventSource="q.amazonaws.com"'
    )


def test_hoist_keeps_deferred_condition_fields_after_preamble() -> None:
    query = '\n| rex field=a "(?<aMatch>x)"\n| eval aCondition=1\n| search st="x" aCondition=true'
    assert hoist_scope_terms(query, {"aCondition"}).startswith('st="x"\n| rex')
    assert hoist_scope_terms("plain=1", set()) == "plain=1"


def test_splunk_not_null_is_field_exists(tmp_path: Path) -> None:
    detection = (
        "  sel:\n    eventName: Chat\n  f:\n    userAgent: null\n  condition: sel and not f\n"
    )
    query = convert_rules([_rule(tmp_path, detection)], "splunk", "default").outcomes[0].outputs[0]
    assert query == 'sourcetype="aws:cloudtrail" eventName="Chat" userAgent=*'
    assert "NOT NOT" not in query


def test_splunk_macro_scope(tmp_path: Path) -> None:
    from sigmaq.export.targets import TargetOptions

    detection = "  sel:\n    eventName: Chat\n  condition: sel\n"
    result = convert_rules(
        [_rule(tmp_path, detection)], "splunk", "default", TargetOptions(splunk_macro="cloudtrail")
    )
    assert result.outcomes[0].outputs[0] == '`cloudtrail` eventName="Chat"'


def test_esql_not_keeps_events_with_missing_field(tmp_path: Path) -> None:
    detection = (
        "  sel:\n    eventName: Chat\n  f:\n    userIdentity.type: AWSService\n"
        "  condition: sel and not f\n"
    )
    query = convert_rules([_rule(tmp_path, detection)], "esql", "default").outcomes[0].outputs[0]
    assert query == (
        "from logs-aws.cloudtrail-* metadata _id, _index, _version | where "
        'event.action=="Chat" and not coalesce(aws.cloudtrail.user_identity.type=="AWSService", '
        "false)"
    )


def test_eql_quotes_hyphenated_fields() -> None:
    from sigmaq.export.targets import build_backend

    backend = build_backend("eql")
    assert (
        backend.escape_and_quote_field("sigmaq.cloudtrail.requestParameters.application-id")
        == "`sigmaq.cloudtrail.requestParameters.application-id`"
    )
    assert backend.escape_and_quote_field("event.action") == "event.action"


def test_eql_refuses_flattened_fields(tmp_path: Path) -> None:
    # EQL rejects the flattened type (elastic/elasticsearch#101985).
    detection = "  sel:\n    requestParameters.application-id: ABC\n  condition: sel\n"
    outcome = convert_rules([_rule(tmp_path, detection)], "eql", "default").outcomes[0]
    assert outcome.status == "refused"
    assert "flattened field type" in outcome.message


def test_esql_lowers_values_whose_case_may_vary(tmp_path: Path) -> None:
    detection = "  sel:\n    userAgent|contains: AmazonQ\n  condition: sel\n"
    query = convert_rules([_rule(tmp_path, detection)], "esql", "default").outcomes[0].outputs[0]
    assert query.endswith('where to_lower(user_agent.original) like "*amazonq*"')


def test_esql_wrong_case_enum_is_lowered_not_silently_wrong(tmp_path: Path) -> None:
    detection = "  sel:\n    userIdentity.type: assumedrole\n  condition: sel\n"
    esql = convert_rules([_rule(tmp_path, detection)], "esql", "default").outcomes[0].outputs[0]
    assert esql.endswith('where to_lower(aws.cloudtrail.user_identity.type)=="assumedrole"')
    lucene = convert_rules([_rule(tmp_path, detection)], "elastic", "default")
    assert lucene.outcomes[0].outputs[0] == (
        "aws.cloudtrail.user_identity.type:/[aA][sS][sS][uU][mM][eE][dD][rR][oO][lL][eE]/"
    )


def test_esql_fieldref_to_flattened_field_is_refused(tmp_path: Path) -> None:
    detection = (
        "  sel:\n    userIdentity.arn|fieldref: requestParameters.roleArn\n  condition: sel\n"
    )
    outcome = convert_rules([_rule(tmp_path, detection)], "esql", "default").outcomes[0]
    assert outcome.status == "refused"
    assert "cannot read" in outcome.message


CORRELATIONS = """title: Base
name: base
id: aaaaaaaa-0000-4000-8000-0000000000b1
status: test
logsource: {product: aws, service: cloudtrail}
detection:
  sel:
    eventName: Chat
  condition: sel
---
title: Base two
name: base_two
id: aaaaaaaa-0000-4000-8000-0000000000b2
status: test
logsource: {product: aws, service: cloudtrail}
detection:
  sel:
    eventName: DeleteApplication
  condition: sel
---
title: Values
id: aaaaaaaa-0000-4000-8000-0000000000c1
status: test
correlation:
  type: value_count
  rules: [base]
  group-by: [userIdentity.arn]
  timespan: 10m
  condition: {gte: 3, field: awsRegion}
---
title: Ordered
id: aaaaaaaa-0000-4000-8000-0000000000c2
status: test
correlation:
  type: temporal_ordered
  rules: [base, base_two]
  group-by: [userIdentity.arn]
  timespan: 1h
---
title: Unordered
id: aaaaaaaa-0000-4000-8000-0000000000c3
status: test
correlation:
  type: temporal
  rules: [base, base_two]
  group-by: [userIdentity.arn]
  timespan: 1h
---
title: Count lt
id: aaaaaaaa-0000-4000-8000-0000000000c4
status: test
correlation:
  type: event_count
  rules: [base]
  group-by: [userIdentity.arn]
  timespan: 1h
  condition: {lt: 3}
"""


@pytest.mark.parametrize(
    ("target", "title", "fragment"),
    [
        ("eql", "Values", "counts repeats"),
        ("eql", "Ordered", "malformed"),
        ("eql", "Unordered", "no time window"),
        ("eql", "Count lt", "gte N"),
        ("esql", "Ordered", "temporal_ordered"),
        ("elastic", "Values", "no correlations"),
    ],
)
def test_correlation_defects_are_refused(
    tmp_path: Path, target: str, title: str, fragment: str
) -> None:
    path = _write(tmp_path, "c.yml", CORRELATIONS)
    result = convert_rules([path], target, "default")
    outcome = next(o for o in result.outcomes if o.title == title)
    assert outcome.status == REFUSED
    assert fragment in outcome.message


def test_splunk_correlations_slide_and_keep_order(tmp_path: Path) -> None:
    path = _write(tmp_path, "c.yml", CORRELATIONS)
    result = convert_rules([path], "splunk", "default")
    queries = {o.title: str(o.outputs[0]) for o in result.outcomes if o.outputs}
    assert queries["Ordered"].count("| streamstats time_window=1h") == 1
    assert "| sort 0 _time sigmaq_rank" in queries["Ordered"]
    assert "| where isnotnull(sigmaq_start2)" in queries["Ordered"]
    assert "| streamstats time_window=1h dc(event_type)" in queries["Unordered"]
    # A condition that is not a lower bound keeps the backend's fixed buckets.
    assert "| bin _time span=1h" in queries["Count lt"]


def test_esql_value_count_converts_with_distinct_count(tmp_path: Path) -> None:
    path = _write(tmp_path, "c.yml", CORRELATIONS)
    result = convert_rules([path], "esql", "default")
    outcome = next(o for o in result.outcomes if o.title == "Values")
    assert outcome.status == CONVERTED
    assert "count_distinct(cloud.region)" in outcome.outputs[0]


def test_kibana_rule_severity_and_threat(tmp_path: Path) -> None:
    tags = "tags:\n  - attack.persistence\n  - attack.t1098.001\n"
    detection = "  sel:\n    eventName: Chat\n  condition: sel\n"
    result = convert_rules(
        [_rule(tmp_path, detection, level="informational", tags=tags)],
        "elastic",
        "siem_rule_ndjson",
    )
    rule = result.outcomes[0].outputs[0]
    assert (rule["severity"], rule["risk_score"]) == KIBANA_SEVERITY["informational"]
    assert rule["index"] == ["logs-aws.cloudtrail-*"]
    assert rule["tags"] == ["attack.persistence", "attack.t1098.001"]
    threat = rule["threat"]
    assert [t["tactic"]["id"] for t in threat] == ["TA0003"]
    technique = threat[0]["technique"][0]
    assert technique["id"] == "T1098"
    assert [s["id"] for s in technique["subtechnique"]] == ["T1098.001"]


def test_attack_threat_ignores_unknown_ids() -> None:
    from sigma.rule import SigmaRuleTag

    from sigmaq.core.offline import use_vendored_data

    use_vendored_data()
    assert attack_threat([SigmaRuleTag("attack", "t9999")]) == []


def test_eql_booleans_use_double_equals(tmp_path: Path) -> None:
    import eql

    detection = "  sel:\n    readOnly: false\n  condition: sel\n"
    query = convert_rules([_rule(tmp_path, detection)], "eql", "default").outcomes[0].outputs[0]
    assert query == "any where aws.cloudtrail.read_only == false"
    with eql.parser.elasticsearch_syntax, eql.parser.ignore_missing_functions:
        eql.parse_query(query)
