"""Models of Elasticsearch used to prove Elastic exports: truth tables on ECS documents."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sigmaq.export.ecs import to_ecs
from sigmaq.export.elastic import eql_eval, esql_eval, lucene_eval
from sigmaq.export.elastic.custom_pipeline import component_template_body, pipeline_body
from sigmaq.export.elastic.schedule import fired_groups
from sigmaq.export.elastic.values import UnsupportedQuery

RECORD = {
    "eventSource": "iam.amazonaws.com",
    "eventName": "CreateUser",
    "userIdentity": {"type": "AssumedRole", "arn": "arn:aws:sts::123456789012:assumed-role/R/s"},
    "userAgent": "aws-cli/2 exec-env/AmazonQ-For-CLI",
    "sourceIPAddress": "192.0.2.10",
    "readOnly": False,
    "requestParameters": {"userName": "Alice", "tags": [{"key": "a"}, {"key": "b"}]},
}
DOC = to_ecs(RECORD)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("event.action:CreateUser", True),
        ("event.action:createuser", False),  # keyword terms are case-sensitive
        ("aws.cloudtrail.user_identity.type:/[aA][sS]sumedRole/", True),
        ("user_agent.original:*AmazonQ\\-For\\-*", True),
        ("user_agent.original:*amazonq\\-for\\-*", False),
        ("NOT _exists_:aws.cloudtrail.error_code", True),
        ("source.ip:192.0.2.0\\/24", True),
        ("aws.cloudtrail.read_only:false", True),
        ("aws.cloudtrail.flattened.request_parameters.userName:Alice", True),
        ("aws.cloudtrail.flattened.request_parameters.userName:Ali*", True),
        ("event.action:(DeleteUser OR CreateUser)", True),
        ("event.action:DeleteUser event.provider:iam.amazonaws.com", True),  # default OR
    ],
)
def test_lucene_model(query: str, expected: bool) -> None:
    assert lucene_eval.matches(query, DOC) is expected


@pytest.mark.parametrize(
    "query",
    [
        "aws.cloudtrail.flattened.request_parameters.userName:*lice",  # rejected by ES
        "aws.cloudtrail.flattened.request_parameters.userName:/Al.*/",
        "CreateUser",  # no field
        "event.action:[a TO z]",
    ],
)
def test_lucene_model_raises_outside_its_subset(query: str) -> None:
    with pytest.raises(UnsupportedQuery):
        lucene_eval.matches(query, DOC)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ('any where event.action : "createuser"', True),  # ':' ignores case
        ('any where event.action == "createuser"', False),  # '==' does not
        ('any where user_agent.original like~ "*amazonq-for-*"', True),
        ('any where event.action like "create*"', False),  # 'like' keeps case
        ('any where event.action like ("X", "Create?ser")', True),
        ('any where event.action like~ "create*"', True),
        ('any where event.action in ("CreateUser", "X")', True),
        ("any where ?aws.cloudtrail.error_code == null", True),
        ('any where not event.provider : "s3.amazonaws.com"', True),
        ("any where aws.cloudtrail.read_only == false", True),
    ],
)
def test_eql_model(query: str, expected: bool) -> None:
    assert eql_eval.matches(query, DOC) is expected


@pytest.mark.parametrize(
    "query",
    [
        'any where event.action like "create*" or like "x"',  # not field like pattern(s)
        'any where aws.cloudtrail.flattened.request_parameters.userName : "Alice"',
        'any where event.action : "x" | head 1',
    ],
)
def test_eql_model_raises_outside_its_subset(query: str) -> None:
    with pytest.raises(UnsupportedQuery):
        eql_eval.matches(query, DOC)


def test_eql_sequence_maxspan_and_keys() -> None:
    later = dict(RECORD, eventName="DeleteUser")
    other = dict(RECORD, eventName="DeleteUser", sourceIPAddress="198.51.100.1")
    docs = [to_ecs(RECORD), to_ecs(later), to_ecs(other)]
    start = datetime(2026, 1, 1, tzinfo=UTC)
    query = (
        'sequence with maxspan=10m [any where event.action == "CreateUser"] by source.address '
        '[any where event.action == "DeleteUser"] by source.address'
    )
    near = [start, start + timedelta(minutes=9), start + timedelta(minutes=1)]
    far = [start, start + timedelta(minutes=11), start + timedelta(minutes=1)]
    assert eql_eval.sequence_groups(query, docs, near) == {("192.0.2.10",)}
    assert eql_eval.sequence_groups(query, docs, far) == set()


def test_esql_three_valued_not_and_lower() -> None:
    docs = [DOC, to_ecs(dict(RECORD, errorCode="AccessDenied"))]
    times = [None, None]
    plain = 'from x | where not aws.cloudtrail.error_code == "AccessDenied"'
    kept = 'from x | where not coalesce(aws.cloudtrail.error_code == "AccessDenied", false)'
    assert [r["__pos__"] for r in esql_eval.run(plain, docs, times)] == []
    assert [r["__pos__"] for r in esql_eval.run(kept, docs, times)] == [0]
    lowered = 'from x | where to_lower(user_agent.original) like "*amazonq-for-*"'
    assert len(esql_eval.run(lowered, docs, times)) == 2
    with pytest.raises(UnsupportedQuery):
        esql_eval.run(
            'from x | where aws.cloudtrail.flattened.request_parameters.userName == "a"',
            docs,
            times,
        )
    with pytest.raises(UnsupportedQuery):
        esql_eval.run("from x | sort @timestamp", docs, times)


def test_esql_stats_by() -> None:
    docs = [DOC, DOC, to_ecs(dict(RECORD, eventName="GetUser"))]
    rows = esql_eval.run(
        "from x | stats n = count(*), k = count_distinct(event.action) by source.address",
        docs,
        [None] * 3,
    )
    assert rows == [{"source.address": "192.0.2.10", "n": 3, "k": 2}]


def _count_run(threshold: int):  # type: ignore[no-untyped-def]
    def run(window):  # type: ignore[no-untyped-def]
        return {("g",)} if len(window) >= threshold else set()

    return run


def test_threshold_schedule_every_phase() -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    tight = [start + timedelta(seconds=10 * i) for i in range(10)]  # 90 s burst
    spread = [start + timedelta(minutes=i) for i in range(10)]  # 9 minutes
    lookback, interval = timedelta(minutes=5), timedelta(minutes=1)
    assert fired_groups(tight, range(10), interval, lookback, _count_run(10)) == {("g",)}
    assert fired_groups(spread, range(10), interval, lookback, _count_run(10)) == set()
    edge = [start + timedelta(seconds=30 * i) for i in range(10)]  # 4.5 minutes: phase-dependent
    with pytest.raises(UnsupportedQuery, match="schedule phases"):
        fired_groups(edge, range(10), interval, lookback, _count_run(10))


def test_custom_pipeline_model_and_body() -> None:
    record = dict(
        RECORD, userIdentity={"type": "IdentityCenterUser", "onBehalfOf": {"userId": "u-1"}}
    )
    doc = to_ecs(record, ["userIdentity.onBehalfOf.userId", "requestParameters.tags.key"])
    assert lucene_eval.matches("sigmaq.cloudtrail.userIdentity.onBehalfOf.userId:u\\-1", doc)
    assert lucene_eval.matches("sigmaq.cloudtrail.requestParameters.tags.key:b", doc)
    body = pipeline_body(["requestParameters.tags.key"])
    assert body["processors"][1]["script"]["params"]["paths"] == ["requestParameters.tags.key"]
    template = component_template_body(["a.b"])
    props = template["template"]["mappings"]["properties"]["sigmaq"]["properties"]
    assert props["cloudtrail"]["properties"]["a.b"]["type"] == "keyword"
    with pytest.raises(ValueError):
        component_template_body(["a", "a.b"])


def test_lowercase_copies_model_and_body() -> None:
    """The lowercase processors' model: strings reached through objects, lower-cased;
    numbers, arrays, empty strings and missing paths leave no copy. A threshold or EQL
    sequence on the copies groups values that differ only in case."""
    record = dict(
        RECORD,
        userIdentity={"type": "IAMUser", "userName": "Alice", "arn": ""},
        requestParameters={"userName": "ALICE", "count": 3, "tags": [{"key": "B"}]},
    )
    paths = [
        "userIdentity.userName",
        "userIdentity.arn",
        "requestParameters.userName",
        "requestParameters.count",
        "requestParameters.tags.key",
        "requestParameters.missing",
    ]
    doc = to_ecs(record, (), paths)
    assert doc["sigmaq"]["lower"] == {
        "userIdentity": {"userName": "alice"},
        "requestParameters": {"userName": "alice"},
    }
    assert lucene_eval.matches("sigmaq.lower.userIdentity.userName:alice", doc)
    body = pipeline_body([], ["requestParameters.userName"])
    kinds = [next(iter(p)) for p in body["processors"]]
    assert kinds == ["json", "lowercase", "remove"]
    processor = body["processors"][1]["lowercase"]
    assert processor["field"] == "sigmaq_tmp_original.requestParameters.userName"
    assert processor["target_field"] == "sigmaq.lower.requestParameters.userName"
    assert processor["ignore_missing"] is True
    assert "['requestParameters', 'userName']" in processor["if"]
    with pytest.raises(ValueError):
        pipeline_body([], ["requestParameters.bad-name"])
    template = component_template_body([], ["userIdentity.arn", "userIdentity.userName"])
    lower = template["template"]["mappings"]["properties"]["sigmaq"]["properties"]["lower"]
    assert set(lower["properties"]["userIdentity"]["properties"]) == {"arn", "userName"}
