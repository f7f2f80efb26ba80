"""``sigmaq.hunt.runner``: findings, correlations across files, selection, time range, workers."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest

from sigmaq.core.errors import ConfigError
from sigmaq.core.loader import LoadedRule, load_rules
from sigmaq.core.model import FindingKind, Level
from sigmaq.hunt.runner import (
    HuntOptions,
    HuntResult,
    default_rules_dir,
    hunt,
    principal_of,
    select_rules,
    source_address_of,
)

RULES = """\
title: Q Business application deleted
id: 0b6f4c55-8d1e-4d55-9f5e-000000000001
name: qbusiness_app_deleted
status: test
logsource: {product: aws, service: cloudtrail}
detection:
  sel: {eventSource: qbusiness.amazonaws.com, eventName: DeleteApplication}
  condition: sel
level: high
---
title: Q Business chat denied
id: 0b6f4c55-8d1e-4d55-9f5e-000000000002
name: qbusiness_chat_denied
status: test
logsource: {product: aws, service: cloudtrail}
detection:
  sel: {eventSource: qbusiness.amazonaws.com, eventName: ChatSync, errorCode: AccessDenied}
  condition: sel
level: low
---
title: Q Business chat denied burst
id: 0b6f4c55-8d1e-4d55-9f5e-000000000003
status: test
correlation:
  type: event_count
  rules: [qbusiness_chat_denied]
  group-by: [userIdentity.arn]
  timespan: 10m
  condition: {gte: 3}
level: medium
"""
ALICE = "arn:aws:iam::123456789012:user/alice"
T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def event(name: str, minute: float, n: int, *, arn: str = ALICE, **extra: Any) -> dict[str, Any]:
    return {
        "eventVersion": "1.08",
        "eventTime": (T0 + timedelta(minutes=minute)).isoformat().replace("+00:00", "Z"),
        "eventSource": "qbusiness.amazonaws.com",
        "eventName": name,
        "eventID": f"evt-{n}",
        "sourceIPAddress": "198.51.100.7",
        "userIdentity": {"type": "IAMUser", "arn": arn},
        **extra,
    }


def denied(minute: float, n: int, **kw: Any) -> dict[str, Any]:
    return event("ChatSync", minute, n, errorCode="AccessDenied", **kw)


@pytest.fixture
def rules(tmp_path: Path) -> list[LoadedRule]:
    path = tmp_path / "rules" / "q_business" / "rules.yml"
    path.parent.mkdir(parents=True)
    path.write_text(RULES)
    loaded = load_rules([path])
    assert loaded.errors == []
    return loaded.rules


def write_delivery(path: Path, records: list[dict[str, Any]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(orjson.dumps({"Records": records})))
    return path


def run(paths: list[Path], rules: list[LoadedRule], **options: Any) -> HuntResult:
    return hunt(paths, [r.rule for r in rules], HuntOptions(**options))


def summary(result: HuntResult) -> list[tuple[str, str, tuple[str | None, ...]]]:
    return [
        (f.finding.rule_title, f.finding.kind.value, tuple(r.event_id for r in f.finding.events))
        for f in result.findings
    ]


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """Two files; the denied burst spans both, and the later file sorts first by name."""
    data = tmp_path / "data"
    write_delivery(
        data / "a_late.json.gz", [denied(5, 3), denied(6, 4), event("DeleteApplication", 7, 5)]
    )
    write_delivery(
        data / "b_early.json.gz", [denied(1, 1), denied(2, 2), event("ListApplications", 3, 6)]
    )
    return data


def test_single_event_and_correlation_findings_across_files(
    rules: list[LoadedRule], corpus: Path
) -> None:
    result = run([corpus], rules)
    assert summary(result) == [
        ("Q Business chat denied burst", "correlation", ("evt-1", "evt-2", "evt-3", "evt-4")),
        ("Q Business application deleted", "event", ("evt-5",)),
    ]
    burst = result.findings[0]
    assert burst.finding.group == {"userIdentity.arn": ALICE}
    assert burst.finding.first_seen == T0 + timedelta(minutes=1)
    assert burst.principals == (ALICE,)
    assert burst.source_addresses == ("198.51.100.7",)
    assert result.stats.records_read == 6
    assert result.events_evaluated == 6
    assert result.by_level() == {"medium": 1, "high": 1}


def test_base_rule_of_a_correlation_is_silenced_by_generate_false(
    rules: list[LoadedRule], corpus: Path
) -> None:
    titles = {f.finding.rule_title for f in run([corpus], rules).findings}
    assert "Q Business chat denied" not in titles
    only_base = select_rules(rules, ["qbusiness_chat_denied"])
    result = run([corpus], only_base)
    assert [f.finding.kind for f in result.findings] == [FindingKind.EVENT] * 4


def test_file_order_does_not_change_findings(rules: list[LoadedRule], corpus: Path) -> None:
    forward = run(sorted(corpus.iterdir()), rules)
    backward = run(sorted(corpus.iterdir(), reverse=True), rules)
    assert summary(forward) == summary(backward)


def test_two_workers_give_the_same_findings(rules: list[LoadedRule], corpus: Path) -> None:
    serial = run([corpus], rules)
    parallel = run([corpus], rules, jobs=2)
    assert summary(parallel) == summary(serial)
    assert [f.principals for f in parallel.findings] == [f.principals for f in serial.findings]
    assert parallel.stats.records_read == serial.stats.records_read == 6
    assert parallel.stats.files == 2


def test_since_until_leave_events_out_and_count_them(rules: list[LoadedRule], corpus: Path) -> None:
    result = run([corpus], rules, since=T0 + timedelta(minutes=2), until=T0 + timedelta(minutes=6))
    # kept: evt-2 (2m), evt-6 (3m), evt-3 (5m), evt-4 (6m); left out: evt-1 (1m), evt-5 (7m)
    assert summary(result) == [
        ("Q Business chat denied burst", "correlation", ("evt-2", "evt-3", "evt-4"))
    ]
    assert (result.filtered_out, result.events_evaluated) == (2, 4)


def test_progress_callback_is_called_once_per_file(rules: list[LoadedRule], corpus: Path) -> None:
    seen: list[tuple[str, int]] = []
    hunt([corpus], [r.rule for r in rules], progress=lambda p, size: seen.append((p.name, size)))
    assert [name for name, _ in seen] == ["a_late.json.gz", "b_early.json.gz"]
    assert all(size > 0 for _, size in seen)


def test_bad_inputs_are_counted_and_the_run_finishes(
    rules: list[LoadedRule], tmp_path: Path
) -> None:
    data = tmp_path / "data"
    write_delivery(data / "good.json.gz", [event("DeleteApplication", 1, 1)])
    (data / "truncated.json.gz").write_bytes(gzip.compress(b'{"Records": []}' * 100)[:30])
    (data / "invalid.json").write_text('{"Records": [')
    (data / "other.json").write_text('{"hello": "world"}')
    (data / "empty.json").write_text("")
    (data / "empty_records.json").write_text('{"Records": []}')
    odd = [
        event("DeleteApplication", 2, 2, userIdentity="root", sourceIPAddress=7),
        {**event("DeleteApplication", 3, 3), "eventSource": ["qbusiness.amazonaws.com"]},
        {**event("DeleteApplication", 4, 4), "eventTime": 12, "eventID": None},
    ]
    write_delivery(data / "odd_types.json.gz", odd)
    result = run([data], rules)
    stats = result.stats
    assert stats.files == 7
    # truncated.json.gz: whole (empty) documents before the cut, so truncated, not
    # unreadable; the document begun at the cut is one malformed item
    assert (stats.unreadable_files, stats.truncated_files) == (1, 1)
    assert (stats.empty_files, stats.malformed) == (2, 2)
    assert stats.records_read == 4
    assert stats.records_seen == stats.records_read + stats.skipped + stats.malformed
    assert {Path(p.path).name for p in stats.problems if not p.warning} == {
        "truncated.json.gz",
        "invalid.json",
        "other.json",
    }
    deleted = [f for f in result.findings if f.finding.rule_title.endswith("deleted")]
    # eventSource as a list matches by any element (DESIGN.md section 4); no eventTime sorts first
    assert [f.finding.events[0].event_id for f in deleted] == [None, "evt-1", "evt-2", "evt-3"]
    assert deleted[2].principals == () and deleted[2].source_addresses == ()
    assert stats.failed


def test_select_rules_by_id_title_glob_name_and_level(rules: list[LoadedRule]) -> None:
    def titles(chosen: list[LoadedRule]) -> list[str]:
        return [str(r.rule.title) for r in chosen]

    assert titles(select_rules(rules, ["0b6f4c55-8d1e-4d55-9f5e-000000000001"])) == [
        "Q Business application deleted"
    ]
    assert titles(select_rules(rules, ["*BURST"])) == ["Q Business chat denied burst"]
    assert titles(select_rules(rules, ["qbusiness_chat_denied"])) == ["Q Business chat denied"]
    assert len(select_rules(rules, ["rules"])) == 3  # file stem
    assert titles(select_rules(rules, min_level=Level.MEDIUM)) == [
        "Q Business application deleted",
        "Q Business chat denied burst",
    ]
    with pytest.raises(ConfigError, match="matches no rule"):
        select_rules(rules, ["no-such-rule"])


def test_correlation_selected_alone_still_evaluates_its_base_rule(
    rules: list[LoadedRule], corpus: Path
) -> None:
    result = run([corpus], select_rules(rules, ["*burst"]))
    assert summary(result) == [
        ("Q Business chat denied burst", "correlation", ("evt-1", "evt-2", "evt-3", "evt-4"))
    ]


@pytest.mark.parametrize(
    ("identity", "expected"),
    [
        ({"arn": ALICE, "principalId": "AIDA"}, ALICE),
        ({"arn": "", "principalId": "AIDAEXAMPLE"}, "AIDAEXAMPLE"),
        ({"type": "AWSService", "invokedBy": "q.amazonaws.com"}, "q.amazonaws.com"),
        ({"type": "Root"}, "Root"),
        ("root", None),
        (None, None),
    ],
)
def test_principal_of(identity: Any, expected: str | None) -> None:
    assert principal_of({"userIdentity": identity}) == expected


def test_source_address_of() -> None:
    assert source_address_of({"sourceIPAddress": "q.amazonaws.com"}) == "q.amazonaws.com"
    assert source_address_of({"sourceIPAddress": ["192.0.2.1"]}) is None
    assert source_address_of({}) is None


def test_default_rules_dir_prefers_the_project(tmp_path: Path) -> None:
    (tmp_path / "rules").mkdir()
    (tmp_path / "fixtures").mkdir()
    (tmp_path / "sub").mkdir()
    assert default_rules_dir(tmp_path / "sub") == tmp_path / "rules"


def test_default_rules_dir_outside_a_project_is_the_pack_beside_the_package(
    tmp_path: Path,
) -> None:
    """Outside any project (an editable or source install), the pack's own rules/."""
    pack = Path(__file__).resolve().parents[2] / "rules"
    assert default_rules_dir(tmp_path) == pack


def test_redelivered_events_report_once(rules: list[LoadedRule], tmp_path: Path) -> None:
    # An organization trail and an account trail archive the same event twice.
    records = [event("DeleteApplication", 7, 5), denied(1, 1), denied(2, 2), denied(3, 3)]
    write_delivery(tmp_path / "org" / "a.json.gz", records)
    write_delivery(tmp_path / "account" / "a.json.gz", records)
    result = run([tmp_path / "org", tmp_path / "account"], rules)
    assert result.stats.records_read == 8
    assert summary(result) == [
        ("Q Business chat denied burst", "correlation", ("evt-1", "evt-2", "evt-3")),
        ("Q Business application deleted", "event", ("evt-5",)),
    ]
    assert result.redelivered == 1


def test_rule_the_engine_refuses_is_left_out_and_named(
    rules: list[LoadedRule], tmp_path: Path
) -> None:
    from sigmaq.hunt.runner import replayable_rules

    extra = tmp_path / "expand.yml"
    extra.write_text(
        "title: Expand\nid: 0b6f4c55-8d1e-4d55-9f5e-000000000009\nstatus: test\n"
        "logsource: {product: aws, service: cloudtrail}\n"
        "detection:\n  sel:\n    userIdentity.arn|expand: '%admins%'\n  condition: sel\n"
        "level: high\n"
    )
    every = [r.rule for r in rules] + [load_rules([extra]).rules[0].rule]
    runnable, errors = replayable_rules(every)
    assert [str(r.title) for r in runnable] == [str(r.rule.title) for r in rules]
    assert len(errors) == 1
    assert errors[0].rule_id == "0b6f4c55-8d1e-4d55-9f5e-000000000009"
    assert "%admins%" in errors[0].message


def test_fifo_and_api_catalogues_are_reported_not_read(
    rules: list[LoadedRule], tmp_path: Path
) -> None:
    import os

    folder = tmp_path / "data"
    write_delivery(folder / "a.json.gz", [event("DeleteApplication", 7, 5)])
    os.mkfifo(folder / "pipe.json")
    (folder / "catalogue.json").write_bytes(
        orjson.dumps(
            [
                {
                    "eventName": "DeleteApplication",
                    "eventSource": "qbusiness.amazonaws.com",
                    "description": "Deletes an application.",
                }
            ]
        )
    )
    result = run([folder], rules)
    assert result.stats.records_read == 1
    assert result.stats.unreadable_files == 1
    # the FIFO counts among the files: "files 2 (1 unreadable)" read as if both were bad
    assert result.stats.files == 3
    assert result.stats.malformed == 1
    assert [f.finding.rule_title for f in result.findings] == ["Q Business application deleted"]


TWIN_TITLES = """\
title: Same Title
name: twin_a
logsource: {product: aws, service: cloudtrail}
detection:
  sel: {eventSource: qbusiness.amazonaws.com, eventName: DeleteIndex}
  condition: sel
---
title: Same Title
name: twin_b
logsource: {product: aws, service: cloudtrail}
detection:
  sel: {eventSource: qbusiness.amazonaws.com, eventName: DeleteRetriever}
  condition: sel
---
title: Burst A
id: 0b6f4c55-8d1e-4d55-9f5e-0000000000a1
correlation:
  type: event_count
  rules: [twin_a]
  group-by: [userIdentity.arn]
  timespan: 10m
  condition: {gte: 2}
---
title: Burst B
id: 0b6f4c55-8d1e-4d55-9f5e-0000000000b1
correlation:
  type: event_count
  rules: [twin_b]
  group-by: [userIdentity.arn]
  timespan: 10m
  condition: {gte: 2}
"""


def test_rules_sharing_an_identity_keep_their_matches_apart_in_workers(tmp_path: Path) -> None:
    # Two id-less rules with one title have one rule id; workers hand matches over by
    # slot position, so each correlation still gets only its own rule's matches.
    path = tmp_path / "rules.yml"
    path.write_text(TWIN_TITLES)
    loaded = load_rules([path])
    assert loaded.errors == []
    data = tmp_path / "data"
    write_delivery(data / "1.json.gz", [event("DeleteIndex", 0, 1), event("DeleteRetriever", 1, 2)])
    write_delivery(data / "2.json.gz", [event("DeleteIndex", 2, 3), event("DeleteRetriever", 3, 4)])
    expected = [
        ("Burst A", "correlation", ("evt-1", "evt-3")),
        ("Burst B", "correlation", ("evt-2", "evt-4")),
    ]
    correlations = [item for item in loaded.rules if item.rule.title.startswith("Burst")]
    for jobs in (1, 2):
        assert summary(run([data], correlations, jobs=jobs)) == expected


def test_findings_are_ordered_by_the_instant_whatever_the_offset(
    rules: list[LoadedRule], tmp_path: Path
) -> None:
    late = event("DeleteApplication", 0, 1)  # 12:00Z
    early = event("DeleteApplication", 0, 2, eventTime="2024-05-01T20:30:00+09:00")  # 11:30Z
    write_delivery(tmp_path / "a.json.gz", [late, early])
    result = run([tmp_path], rules)
    assert [f.finding.events[0].event_id for f in result.findings] == ["evt-2", "evt-1"]
    assert result.findings[0].finding.first_seen == T0 - timedelta(minutes=30)


BIG = 123456789012345678901234567890  # JSON allows it; the readers keep it exact


@pytest.mark.parametrize("jobs", [1, 2])
def test_integers_past_64_bits_in_records_reach_every_output(
    rules: list[LoadedRule], tmp_path: Path, jobs: int
) -> None:
    import csv
    import io
    import json

    from sigmaq.hunt.output import write_csv, write_json, write_ndjson

    records = [denied(m, m, userIdentity={"type": "IAMUser", "arn": BIG}) for m in (1, 2, 3)]
    deleted = event("DeleteApplication", 4, 4, requestParameters={"applicationId": [BIG, 7]})
    path = tmp_path / "big.json"
    path.write_text(json.dumps({"Records": [*records, deleted]}))  # orjson cannot write BIG
    result = run([path], rules, jobs=jobs)
    assert summary(result) == [
        ("Q Business chat denied burst", "correlation", ("evt-1", "evt-2", "evt-3")),
        ("Q Business application deleted", "event", ("evt-4",)),
    ]
    assert result.findings[0].finding.group == {"userIdentity.arn": BIG}
    details = result.findings[1].event_details[0]
    assert details is not None and details.request == (("applicationId", f"[{BIG},7]"),)
    as_json = io.StringIO()
    write_json(result, as_json)
    assert json.loads(as_json.getvalue())["findings"][0]["group"] == {"userIdentity.arn": BIG}
    as_ndjson = io.StringIO()
    write_ndjson(result.findings, as_ndjson)
    lines = [json.loads(line) for line in as_ndjson.getvalue().splitlines()]
    assert lines[1]["events"][0]["request_parameters"] == {"applicationId": f"[{BIG},7]"}
    as_csv = io.StringIO()
    write_csv(result.findings, as_csv)
    rows = list(csv.DictReader(io.StringIO(as_csv.getvalue())))
    assert json.loads(rows[0]["group"]) == {"userIdentity.arn": BIG}


def test_spark_confirmation_decodes_integers_past_64_bits_exactly() -> None:
    """The spark engine re-checks each Spark SQL hit with replay on the record's text and
    builds the finding from it; that text is decoded as the readers decode it (integers
    exact), not by orjson (a float), so the finding's details match the local engine's."""
    import json

    from sigma.rule import SigmaRule

    from sigmaq.hunt.rules import RuleRoles
    from sigmaq.hunt.spark.engine import SparkHuntResult, _findings

    rule = SigmaRule.from_yaml(
        "title: Application deleted\nid: 5d0c7b0e-3a52-4c1c-8a51-000000000077\n"
        "logsource: {product: aws, service: cloudtrail}\n"
        "detection:\n  sel:\n    eventName: DeleteApplication\n  condition: sel\nlevel: low\n"
    )
    wide = BIG + 1  # not a float
    text = json.dumps(event("DeleteApplication", 4, 4, requestParameters={"applicationId": wide}))
    result = SparkHuntResult(rules=1)
    roles = RuleRoles.of([rule])
    hits = [("t.json", 0, text, [0])]
    (found,) = _findings(hits, [rule], [(0, rule)], roles, HuntOptions(), result)
    assert result.disagreements == []
    details = found.event_details[0]
    assert details is not None and details.request == (("applicationId", str(wide)),)
