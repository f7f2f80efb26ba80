"""sigmaq.investigate: identities, resource actions, request keys, the credential report,
the caps that bound memory, and the filters, on small inline records."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest

from sigmaq.core.errors import ConfigError
from sigmaq.core.model import EventRef
from sigmaq.investigate.credentials import (
    MAX_CREDENTIAL_REPORT_BYTES,
    ROOT_USER,
    read_credential_report,
)
from sigmaq.investigate.identity import principal_label, q_client, q_surfaces
from sigmaq.investigate.inventory import ResourceTable
from sigmaq.investigate.params import request_keys
from sigmaq.investigate.principals import PrincipalTable
from sigmaq.investigate.records import Seen
from sigmaq.investigate.resources import actions_of
from sigmaq.investigate.runner import InvestigateOptions, investigate

USER = {
    "type": "IAMUser",
    "principalId": "AIDAJ45Q7YFFAREXAMPLE",
    "arn": "arn:aws:iam::123456789012:user/alice",
    "accountId": "123456789012",
    "accessKeyId": "AKIAIOSFODNN7EXAMPLE",
    "userName": "alice",
}
ROOT = {"type": "Root", "arn": "arn:aws:iam::123456789012:root", "accountId": "123456789012"}
IDC = {
    "type": "IdentityCenterUser",
    "accountId": "123456789012",
    "onBehalfOf": {"userId": "544894e8-80c1-707f-60e3-3ba6510dfac1"},
}


def record(name: str, source: str = "iam.amazonaws.com", **extra: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "eventVersion": "1.10",
        "eventTime": "2026-11-18T14:02:11Z",
        "eventSource": source,
        "eventName": name,
        "userIdentity": USER,
        "sourceIPAddress": "198.51.100.20",
        "recipientAccountId": "123456789012",
        "eventID": f"id-{name}",
    }
    base.update(extra)
    return base


def seen(event: dict[str, Any], position: int = 0) -> Seen:
    moment = datetime(2026, 11, 18, 14, 2, 11, tzinfo=UTC)
    return Seen(event, EventRef("t.json", position, event.get("eventID"), moment))


@pytest.mark.parametrize(
    ("identity", "expected"),
    [
        (USER, "arn:aws:iam::123456789012:user/alice"),
        (IDC, "idc:544894e8-80c1-707f-60e3-3ba6510dfac1"),
        ({"invokedBy": "ec2.amazonaws.com", "accountId": "1"}, "service:ec2.amazonaws.com"),
        ({"type": "AWSAccount", "principalId": "AIDAEXAMPLE"}, "AWSAccount:AIDAEXAMPLE"),
        ({}, "(no userIdentity)"),
    ],
)
def test_principal_label(identity: dict[str, Any], expected: str) -> None:
    assert principal_label(identity) == expected


@pytest.mark.parametrize(
    ("agent", "client"),
    [
        ("aws-cli/2.27.50 exec-env/AmazonQ-For-CLI-Version-1.12.4 m/E", "Q CLI agent (AWS CLI)"),
        ("aws-cli/2.27.50 exec-env/AmazonQ-For-IDE Version/1.94.0", "Q IDE agent (AWS CLI)"),
        (
            "aws-cli/2.27.50 exec-env/AWS_ECS_FARGATE-AmazonQ-For-CLI-Version-1.12.4 m/E",
            "Q CLI agent (AWS CLI)",
        ),
        (
            "aws-sdk-rust/1.3.9 exec-env/AWS_ECS_FARGATE md/appVersion-1.12.4 app/AmazonQ-For-CLI",
            "Q Developer CLI",
        ),
        ("aws-sdk-rust/1.3.9 md/appVersion-1.12.4 app/AmazonQ-For-CLI", "Q Developer CLI"),
        (
            "aws-sdk-js/3.693.0 AmazonQ-For-VSCode/1.94.0 Visual-Studio-Code/1.95.3",
            "Q Developer for VS Code",
        ),
        ("aws-cli/2.27.50 md/command#s3.ls", None),
    ],
)
def test_q_clients_from_user_agents(agent: str, client: str | None) -> None:
    assert q_client(agent) == client


def test_q_acting_on_a_users_behalf_is_a_surface() -> None:
    event = record("ListBuckets", "s3.amazonaws.com", sourceIPAddress="q.amazonaws.com")
    event["userIdentity"] = {**USER, "invokedBy": "q.amazonaws.com"}
    assert q_surfaces(event, event["userIdentity"]) == ("Q console acting on behalf",)


def test_create_access_key_without_user_name_is_the_callers_key() -> None:
    event = record(
        "CreateAccessKey",
        requestParameters=None,
        responseElements={"accessKey": {"accessKeyId": "AKIAI44QH8DHBEXAMPLE", "status": "Active"}},
    )
    (action,) = actions_of(event)
    assert (action.kind, action.rtype, action.rid) == (
        "created",
        "iam:access-key",
        "AKIAI44QH8DHBEXAMPLE",
    )
    assert ("userName", "alice") in action.attributes


def test_failed_calls_are_attempts_and_reads_touch_nothing() -> None:
    failed = record("DeleteUser", requestParameters={"userName": "bob"}, errorCode="DeleteConflict")
    assert [(a.kind, a.rid) for a in actions_of(failed)] == [("attempted", "bob")]
    assert actions_of(record("GetUser", requestParameters={"userName": "bob"}, readOnly=True)) == []
    success = record("DeleteUser", requestParameters={"userName": "bob"}, errorCode="success")
    assert [a.kind for a in actions_of(success)] == ["deleted"]


def test_revoking_role_sessions_is_a_role_change_not_a_new_policy() -> None:
    event = record(
        "PutRolePolicy",
        requestParameters={"roleName": "PowerUser", "policyName": "AWSRevokeOlderSessions"},
    )
    (action,) = actions_of(event)
    assert (action.kind, action.rtype, action.rid) == ("changed", "iam:role", "PowerUser")
    other = record("PutRolePolicy", requestParameters={"roleName": "R", "policyName": "x"})
    assert [(a.rtype, a.rid) for a in actions_of(other)] == [("iam:role-inline-policy", "R/x")]


def test_documents_trails_objects_and_the_generic_fallback() -> None:
    put = record(
        "BatchPutDocument",
        "qbusiness.amazonaws.com",
        requestParameters={
            "applicationId": "app",
            "indexId": "idx",
            "documents": [{"id": "a.pdf", "contentType": "PDF"}, {"id": "b.txt"}],
        },
    )
    actions = actions_of(put)
    assert [(a.rtype, a.rid) for a in actions] == [
        ("qbusiness:document", "a.pdf"),
        ("qbusiness:document", "b.txt"),
    ]
    assert actions[0].parents == (("applicationId", "app"), ("indexId", "idx"))
    trail = record(
        "StopLogging",
        "cloudtrail.amazonaws.com",
        requestParameters={"name": "arn:aws:cloudtrail:us-east-1:123456789012:trail/main"},
    )
    assert [(a.kind, a.rid) for a in actions_of(trail)] == [("changed", "main")]
    objects = record(
        "DeleteObjects",
        "s3.amazonaws.com",
        requestParameters={"bucketName": "b", "delete": {"Object": [{"Key": "k1"}, {"Key": "k2"}]}},
    )
    assert [a.rid for a in actions_of(objects)] == ["b/k1", "b/k2"]
    secret = record(
        "DeleteSecret", "secretsmanager.amazonaws.com", requestParameters={"secretId": "s"}
    )
    assert [(a.kind, a.rtype, a.rid) for a in actions_of(secret)] == [
        ("deleted", "secretsmanager:Secret", "s")
    ]
    # Q Business calls outside the table create nothing to contain
    feedback = record(
        "PutFeedback", "qbusiness.amazonaws.com", requestParameters={"messageId": "m"}
    )
    assert actions_of(feedback) == []


def test_request_keys_pick_the_keys_that_matter() -> None:
    chat = record(
        "ChatSync",
        "qbusiness.amazonaws.com",
        requestParameters={
            "applicationId": "app",
            "userMessage": "secret question",
            "chatMode": "PLUGIN_MODE",
            "actionExecution": {"pluginId": "p1", "payload": {"x": {"value": "y"}}},
        },
    )
    keys = dict(request_keys(chat))
    assert keys == {
        "applicationId": "app",
        "chatMode": "PLUGIN_MODE",
        "actionExecution.pluginId": "p1",
    }
    generic = record(
        "AttachUserPolicy",
        requestParameters={
            "userName": "bob",
            "policyArn": "arn:aws:iam::aws:policy/X",
            "Host": "h",
        },
    )
    assert dict(request_keys(generic)) == {
        "userName": "bob",
        "policyArn": "arn:aws:iam::aws:policy/X",
    }
    long = record("CreateRole", requestParameters={"roleName": "r" * 500})
    assert len(dict(request_keys(long))["roleName"]) == 120


CSV = (
    "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,"
    "password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,"
    "access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,"
    "access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,"
    "access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,"
    "cert_1_last_rotated,cert_2_active,cert_2_last_rotated\n"
    "<root_account>,arn:aws:iam::123456789012:root,2015-08-14T10:14:20+00:00,not_supported,"
    "2026-11-01T10:00:00+00:00,not_supported,not_supported,true,true,2020-01-01T00:00:00+00:00,"
    "2026-11-18T14:00:00+00:00,us-east-1,iam,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A\n"
    "alice,arn:aws:iam::123456789012:user/alice,2020-01-01T00:00:00+00:00,true,"
    "no_information,N/A,N/A,false,true,2024-01-01T00:00:00+00:00,N/A,N/A,N/A,true,"
    "2026-11-18T14:02:11+00:00,2026-11-18T15:00:00+00:00,eu-west-1,s3,false,N/A,false,N/A\n"
)


@pytest.mark.parametrize("shape", ["csv", "base64", "cli-json"])
def test_credential_report_shapes(tmp_path: Path, shape: str) -> None:
    encoded = base64.b64encode(CSV.encode()).decode()
    content = {
        "csv": CSV,
        "base64": encoded,
        "cli-json": json.dumps({"Content": encoded, "ReportFormat": "text/csv"}),
    }[shape]
    path = tmp_path / "report"
    path.write_text(content)
    rows = read_credential_report(path)
    assert [r.user for r in rows] == [ROOT_USER, "alice"]
    root, alice = rows
    assert root.is_root and root.keys[0].active and root.keys[0].last_used_service == "iam"
    assert alice.keys[0].active and alice.keys[0].last_used is None  # N/A
    assert alice.keys[1].last_used == "2026-11-18T15:00:00+00:00"
    assert alice.password_last_used is None and alice.account == "123456789012"


def test_credential_report_problems_name_the_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("user,arn\nalice,arn:aws:iam::1:user/alice\n")
    with pytest.raises(ConfigError, match="lacks columns") as caught:
        read_credential_report(path)
    assert caught.value.path == path
    path.write_text("not a report at all")
    with pytest.raises(ConfigError, match="not a credential report"):
        read_credential_report(path)


def test_credential_report_that_is_huge_or_odd_is_refused_not_a_crash(tmp_path: Path) -> None:
    # before: a field over csv's 131,072-character limit was a traceback (csv.Error), and
    # a device such as /dev/zero was read until the kernel killed sigmaq
    path = tmp_path / "long_field.csv"
    header, first = CSV.split("\n")[:2]
    path.write_text(f"{header}\n{'a' * 200_000}{first[first.index(',') :]}\n")
    with pytest.raises(ConfigError, match="field larger than") as caught:
        read_credential_report(path)
    assert (caught.value.path, caught.value.line) == (path, 2)
    with pytest.raises(ConfigError, match="not a regular file"):
        read_credential_report(Path("/dev/zero"))
    big = tmp_path / "big.csv"
    with big.open("wb") as out:
        out.truncate(MAX_CREDENTIAL_REPORT_BYTES + 1)  # sparse
    with pytest.raises(ConfigError, match="larger than"):
        read_credential_report(big)


def test_principal_table_is_capped_and_counts_what_it_left_out() -> None:
    table = PrincipalTable(cap=10)
    for n in range(1000):
        event = record(
            "GetUser", userIdentity={**USER, "arn": f"arn:aws:iam::123456789012:user/u{n}"}
        )
        state = table.of(seen(event))
        if state is not None:
            state.observe(seen(event))
    assert len(table.states) == 10 and table.untracked_records == 990


def test_one_principal_stays_bounded_whatever_its_record_count() -> None:
    table = PrincipalTable()
    for n in range(3000):
        event = record(f"Op{n}", sourceIPAddress=f"192.0.2.{n % 250}", userAgent=f"agent/{n}")
        event["userIdentity"] = {**USER, "accessKeyId": f"ASIA{n:016d}"}
        item = seen(event)
        state = table.of(item)
        assert state is not None
        state.observe(item)
        for action in actions_of(record("CreateRole", requestParameters={"roleName": f"r{n}"})):
            state.act(action, item)
    timeline = table.states[principal_label(USER)].freeze()
    assert timeline.events == 3000
    assert len(timeline.sessions) == 50 and timeline.sessions_total == 3000
    assert len(timeline.source_addresses) == 50 and len(timeline.user_agents) == 20
    assert len(timeline.actions) == 100 and timeline.actions_total == 3000


def test_resource_table_caps_per_type(tmp_path: Path) -> None:
    table = ResourceTable(cap=100, per_type=10)
    for n in range(50):
        event = record(
            "DeleteObject",
            "s3.amazonaws.com",
            requestParameters={"bucketName": "b", "key": f"k{n}"},
        )
        for action in actions_of(event):
            table.record(action, seen(event))
    user = record("CreateUser", requestParameters={"userName": "mallory"})
    for action in actions_of(user):
        table.record(action, seen(user))
    types = [s.type for s in table.states()]
    assert types.count("s3:object") == 10 and "iam:user" in types
    assert [(c.value, c.count) for c in table.limits()] == [
        ("resource actions past the cap (s3:object)", 40)
    ]


def _write(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_bytes(orjson.dumps({"Records": records}))
    return path


def test_filters_leave_records_out_of_everything(tmp_path: Path) -> None:
    bob = {
        **USER,
        "arn": "arn:aws:iam::123456789012:user/bob",
        "userName": "bob",
        "accessKeyId": "AKIAI44QH8DHBEXAMPLE",
    }
    events = [
        record(
            "CreateUser",
            requestParameters={"userName": "x1"},
            eventTime="2026-11-18T10:00:00Z",
            eventID="e1",
        ),
        record(
            "CreateUser",
            requestParameters={"userName": "x2"},
            eventTime="2026-11-18T12:00:00Z",
            eventID="e2",
            userIdentity=bob,
        ),
        record(
            "CreateUser",
            requestParameters={"userName": "x3"},
            eventTime="2026-11-18T14:00:00Z",
            eventID="e3",
        ),
    ]
    path = _write(tmp_path / "t.json", events)
    everything = investigate([path], [])
    assert everything.run.events_evaluated == 3 and everything.principals_total == 2
    by_key = investigate([path], [], InvestigateOptions(principal="AKIAI44QH8DHB*"))
    assert [t.principal for t in by_key.principals] == ["arn:aws:iam::123456789012:user/bob"]
    assert [r.id for r in by_key.resources] == ["x2"] and by_key.run.filtered_out == 2
    by_time = investigate(
        [path],
        [],
        InvestigateOptions(
            since=datetime(2026, 11, 18, 11, tzinfo=UTC),
            until=datetime(2026, 11, 18, 13, tzinfo=UTC),
        ),
    )
    assert [r.id for r in by_time.resources] == ["x2"]


def test_bad_input_is_counted_and_the_rest_is_read(tmp_path: Path) -> None:
    good = _write(
        tmp_path / "good.json", [record("CreateUser", requestParameters={"userName": "x"})]
    )
    (tmp_path / "broken.json").write_text('{"Records": [')
    (tmp_path / "lines.ndjson").write_text(
        json.dumps(record("DeleteUser", requestParameters={"userName": "x"})) + "\n{oops\n"
    )
    report = investigate([tmp_path], [])
    assert report.run.unreadable_files == 1 and report.run.malformed == 1
    assert report.run.records_read == 2 and good.exists()
    (resource,) = report.resources
    assert resource.status == "created-and-deleted"
    assert any("broken.json" in p for p in report.run.problems)


def test_credential_report_lists_every_key_in_step_6(tmp_path: Path) -> None:
    report_path = tmp_path / "credentials.csv"
    report_path.write_text(CSV)
    path = _write(tmp_path / "t.json", [record("ListUsers", readOnly=True)])
    rows = read_credential_report(report_path)
    report = investigate([path], [], credentials=rows, credential_source=str(report_path))
    sources = [(k.key_id, k.user, k.sources) for k in report.access_keys]
    assert ("AKIAIOSFODNN7EXAMPLE", "alice", ("archive-used",)) in sources
    assert (None, ROOT_USER, ("credential-report",)) in sources
    assert [k.slot for k in report.access_keys if k.user == "alice" and k.key_id is None] == [1, 2]
    root = next(i for i in report.checklist if i.category == "root-access-key")
    assert root.commands == () and "root user" in (root.manual or "")
    listed = [i for i in report.checklist if i.target.startswith("alice key")]
    assert [i.commands for i in listed] == [("aws iam list-access-keys --user-name alice",)] * 2
    assert report.run.credential_report == str(report_path)


def test_request_keys_reach_into_nested_lists() -> None:
    terminate = record(
        "TerminateInstances",
        "ec2.amazonaws.com",
        requestParameters={
            "instancesSet": {"items": [{"instanceId": "i-1"}, {"instanceId": "i-2"}]}
        },
    )
    assert request_keys(terminate) == (("instancesSet.items[].instanceId", "i-1,i-2"),)


def test_an_integer_past_64_bits_is_written_exactly_in_the_json_report(tmp_path: Path) -> None:
    """The readers keep integers of any size exact (JSON allows them, RFC 8259 section 6);
    orjson refuses to write one past 64 bits. A record carrying 2**70 reaches the report,
    and an integer cell of that size (``Cell`` is ``str | int``) is written exactly."""
    import dataclasses
    import io

    import msgspec

    from sigmaq.investigate.model import Table
    from sigmaq.investigate.render_json import validate, write_json

    big = 2**70
    path = tmp_path / "t.json"
    events = [record("CreateWidget", requestParameters={"widgetName": "x", "widgetId": big})]
    path.write_bytes(msgspec.json.encode({"Records": events}))
    report = investigate([path], [])
    first, *rest = report.answers
    wide = Table(("count",), ((big,), ("text",)), 2)
    report = dataclasses.replace(report, answers=(dataclasses.replace(first, table=wide), *rest))
    buffer = io.BytesIO()
    write_json(report, buffer)
    document = json.loads(buffer.getvalue())
    assert validate(document) == []
    assert document["answers"][0]["table"]["rows"] == [[big], ["text"]]
    evidence = document["answers"][0]["evidence"]
    assert {"widgetName": "x", "widgetId": str(big)} in [item["request"] for item in evidence]


def test_q3_lists_q_business_components_changed_in_the_window(tmp_path: Path) -> None:
    """Re-pointing a retriever (or changing an index or web experience) changes what
    Amazon Q can reach: question 3 lists the component and keeps the call as evidence,
    as it does for UpdateDataSource (the playbook's retrievers, native and Kendra)."""
    app = "a1b2c3d4-5678-90ab-cdef-EXAMPLE11111"
    qb = "qbusiness.amazonaws.com"
    events = [
        record(
            "UpdateRetriever",
            qb,
            eventID="e-ret",
            requestParameters={
                "applicationId": app,
                "retrieverId": "r1e2t3r4-5678-90ab-cdef-EXAMPLE44444",
                "configuration": {
                    "kendraIndexConfiguration": {"indexId": "k1e2n3d4-5678-90ab-cdef-EXAMPLE88888"}
                },
            },
        ),
        record(
            "UpdateIndex",
            qb,
            eventID="e-idx",
            requestParameters={
                "applicationId": app,
                "indexId": "i1d2x3a4-5678-90ab-cdef-EXAMPLE22222",
                "displayName": "hr",
            },
        ),
        record(
            "UpdateWebExperience",
            qb,
            eventID="e-web",
            requestParameters={
                "applicationId": app,
                "webExperienceId": "w1e2b3x4-5678-90ab-cdef-EXAMPLE66666",
                "origins": ["https://portal.example.com"],
            },
        ),
    ]
    report = investigate([_write(tmp_path / "t.json", events)], [])
    q3 = next(a for a in report.answers if a.id == "q3")
    rows = {(str(row[0]).strip(), row[1]): row[3] for row in q3.table.rows}
    assert rows[("retriever", "r1e2t3r4-5678-90ab-cdef-EXAMPLE44444")] == (
        "kendra index k1e2n3d4-5678-90ab-cdef-EXAMPLE88888"
    )
    assert rows[("index", "i1d2x3a4-5678-90ab-cdef-EXAMPLE22222")] == "hr"
    assert rows[("web experience", "w1e2b3x4-5678-90ab-cdef-EXAMPLE66666")] == (
        "origins https://portal.example.com"
    )
    assert {e.event_id for e in q3.evidence} == {"e-ret", "e-idx", "e-web"}


@pytest.mark.parametrize(
    ("group", "labels", "flagged"),
    [
        # grouped by account, several principals: nobody's (the checklist must not act)
        ({"recipientAccountId": "123456789012"}, ("alice", "bob"), set()),
        # grouped by a userIdentity field: that principal's
        ({"userIdentity.arn": "arn:aws:iam::123456789012:user/alice"}, ("alice",), {"alice"}),
        # one principal in every event: theirs, whatever the grouping
        ({"recipientAccountId": "123456789012"}, ("alice", "alice"), {"alice"}),
    ],
    ids=["account_group_many", "identity_group", "single_principal"],
)
def test_a_correlation_is_credited_only_to_the_principal_it_is_about(
    group: dict[str, str], labels: tuple[str, ...], flagged: set[str]
) -> None:
    from sigmaq.core.model import EventRef, Finding, FindingKind, Level
    from sigmaq.investigate.findings import FindingBook
    from sigmaq.investigate.principals import PrincipalState, PrincipalTable

    table = PrincipalTable()
    for label in ("alice", "bob"):
        table.states[label] = PrincipalState(label, "IAMUser", label)
    book = FindingBook(table)
    events = tuple(
        EventRef("f.json", n, f"e{n}", None, (label, "qbusiness.amazonaws.com", "ChatSync"))
        for n, label in enumerate(labels)
    )
    finding = Finding("c1", "Burst", Level.HIGH, FindingKind.CORRELATION, events, None, None, group)
    book.add_correlation(finding)
    assert {label for label, state in table.states.items() if state.findings} == flagged
    listed = book.freeze()[0]
    assert listed.total == 1
    assert set(listed.findings[0].principals) == set(labels)  # still listed for review
