"""The SPL model: Splunk's search semantics on the cases where a wrong guess changes verdicts."""

from __future__ import annotations

from typing import Any

import pytest

from sigmaq.export.splunk.events import ORIGIN, flatten, splunk_event
from sigmaq.export.splunk.spl_eval import run_query
from sigmaq.export.splunk.spl_parser import (
    And,
    Compare,
    Not,
    Or,
    UnmodelledSPL,
    parse_query,
    parse_search_expression,
)

RECORD: dict[str, Any] = {
    "eventTime": "2026-11-24T10:00:00Z",
    "eventSource": "iam.amazonaws.com",
    "eventName": "CreateRole",
    "userIdentity": {"type": "AssumedRole", "arn": "arn:aws:sts::123456789012:assumed-role/A/b"},
    "readOnly": False,
    "resources": [{"ARN": "arn:aws:iam::123456789012:role/x"}, {"ARN": "arn:aws:iam::1:role/y"}],
    "requestParameters": {"roleName": "Admin", "tags": [], "description": None},
    "eventID": "e1",
}


def _matches(search: str, record: dict[str, Any] | None = None) -> bool:
    event = splunk_event(record or RECORD, 0)
    return bool(run_query(parse_query(search), [event]))


def test_json_extraction_names_and_types() -> None:
    fields = flatten(RECORD)
    assert fields["userIdentity.arn"] == ["arn:aws:sts::123456789012:assumed-role/A/b"]
    assert fields["resources{}.ARN"] == [
        "arn:aws:iam::123456789012:role/x",
        "arn:aws:iam::1:role/y",
    ]
    assert fields["readOnly"] == ["false"]
    assert fields["requestParameters.description"] == ["null"]
    assert "requestParameters.tags" not in fields and "requestParameters.tags{}" not in fields


def test_addon_adds_errorcode_success_so_not_exists_never_matches() -> None:
    event = splunk_event(RECORD, 0)
    assert event["errorCode"] == "success"
    assert not _matches("NOT errorCode=*")
    assert _matches('NOT errorCode=* OR errorCode="success"')
    failed = {**RECORD, "errorCode": "AccessDenied"}
    assert not _matches('NOT errorCode=* OR errorCode="success"', failed)
    console = {**RECORD, "responseElements": {"ConsoleLogin": "Failure"}}
    assert splunk_event(console, 0)["errorCode"] == "failure"


def test_precedence_not_then_or_then_and() -> None:
    expr = parse_search_expression("a=1 b=2 OR c=3 NOT d=4")
    assert expr == And(
        (
            Compare("a", "=", "1"),
            Or((Compare("b", "=", "2"), Compare("c", "=", "3"))),
            Not(Compare("d", "=", "4")),
        )
    )
    # implicit AND is the loosest: x=1 OR y=2 z=3 is (x OR y) AND z
    assert not _matches('eventName="Nope" OR eventSource="iam.amazonaws.com" readOnly=true')
    assert _matches('eventName="Nope" OR eventSource="iam.amazonaws.com" readOnly=false')


def test_values_case_insensitive_field_names_not() -> None:
    assert _matches('eventname="x" OR eventName="createrole"')
    assert not _matches('eventname="createrole"')


def test_wildcards_whole_value_and_multivalue() -> None:
    assert _matches('userIdentity.arn="*assumed-role*"')
    assert not _matches('userIdentity.arn="assumed-role*"')
    assert _matches('"resources{}.ARN"="*:role/y"')
    assert _matches('eventName IN ("DeleteRole", "Create*")')


def test_not_keeps_missing_fields_but_not_equal_needs_the_field() -> None:
    assert _matches('NOT requestParameters.userName="x"')
    assert not _matches('requestParameters.userName!="x"')


def test_regex_needs_dotall_for_multiline_values() -> None:
    record = {
        **RECORD,
        "requestParameters": {"policyDocument": '{\n"Action":"*",\n"Effect":"Allow"\n}'},
    }
    with_s = '`m` | regex requestParameters.policyDocument="(?is)^.*\\"Action\\":\\"\\*\\".*$"'
    without = '`m` | regex requestParameters.policyDocument="(?i)^.*\\"Action\\":\\"\\*\\".*$"'
    events = [splunk_event(record, 0)]
    macros = {"m": "sourcetype=aws:cloudtrail"}
    assert run_query(parse_query(with_s, macros), events)
    assert not run_query(parse_query(without, macros), events)


def test_where_is_three_valued_and_case_sensitive() -> None:
    assert not _matches("* | where NOT 'requestParameters.userName'='eventName'")
    assert _matches("* | where 'eventName'=\"CreateRole\"")
    assert not _matches("* | where 'eventName'=\"createrole\"")
    with pytest.raises(UnmodelledSPL, match="multivalue"):
        _matches("* | where 'resources{}.ARN'=\"x\"")


def _burst(times: list[str], arn: str = "arn:a") -> list[dict[str, Any]]:
    return [
        {**RECORD, "eventTime": t, "eventID": f"id{i}", "userIdentity": {"arn": arn}}
        for i, t in enumerate(times)
    ]


SLIDING = (
    "* | sort 0 _time | streamstats time_window=10m dc(eventID) as n by userIdentity.arn "
    "| where n >= 3 | stats max(n) as n by userIdentity.arn"
)
TUMBLING = (
    "* | bin _time span=10m | stats dc(eventID) as n by _time userIdentity.arn | where n >= 3"
)


def test_streamstats_is_a_sliding_window_bin_is_not() -> None:
    # 10:08, 10:09, 10:11: three events within 10 minutes, across a bucket edge.
    events = [
        splunk_event(r, i)
        for i, r in enumerate(
            _burst(["2026-11-24T10:08:00Z", "2026-11-24T10:09:00Z", "2026-11-24T10:11:00Z"])
        )
    ]
    assert [row["userIdentity.arn"] for row in run_query(parse_query(SLIDING), events)] == ["arn:a"]
    assert run_query(parse_query(TUMBLING), events) == []
    spread = [
        splunk_event(r, i)
        for i, r in enumerate(
            _burst(["2026-11-24T10:00:00Z", "2026-11-24T10:09:00Z", "2026-11-24T10:10:01Z"])
        )
    ]
    assert run_query(parse_query(SLIDING), spread) == []


def test_stats_by_drops_events_without_the_field() -> None:
    events = [splunk_event({**RECORD, "userIdentity": {}}, 0)]
    assert run_query(parse_query("* | stats count as n by userIdentity.arn"), events) == []
    assert run_query(parse_query("* | stats count as n"), events) == [{"n": 1.0}]


def test_multisearch_unions_and_keeps_origins() -> None:
    query = parse_query(
        '| multisearch [ search eventName="CreateRole" | eval t="a" ] '
        '[ search eventSource="iam.amazonaws.com" | eval t="b" ]'
    )
    rows = run_query(query, [splunk_event(RECORD, 7)])
    assert sorted(row["t"] for row in rows) == ["a", "b"]
    assert {row[ORIGIN] for row in rows} == {7}


@pytest.mark.parametrize(
    "search",
    [
        "CreateRole",  # bare keyword over _raw
        "* | tstats count",
        "* | lookup x y",
        "* | eval x=md5(eventName)",
        "* | stats avg(x) as y",
        "`unknown_macro` x=1",
        '* | regex requestParameters.x="a++"',
    ],
)
def test_outside_the_subset_raises_never_no_match(search: str) -> None:
    with pytest.raises(UnmodelledSPL):
        run_query(parse_query(search), [splunk_event(RECORD, 0)])
