"""``sigmaq investigate`` on real CloudTrail: the invictus-ir dataset (Stratus Red Team
attacks in one account, ../shared/data/external/invictus-ir-aws_dataset).

An independent reading of the raw records (successful CreateUser/DeleteUser,
CreateAccessKey/DeleteAccessKey, CreateTrail/DeleteTrail) says which IAM users, access
keys and trails were created or deleted; the report's question 1 must name every one of
them, with eventIDs that exist in the input, and the checklist must hold each created
user and trail (already deleted in the window) and each key.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from sigmaq.core.loader import load_rules
from sigmaq.hunt.rules import replayable_rules
from sigmaq.investigate.model import Report
from sigmaq.investigate.render_json import to_dict, validate
from sigmaq.investigate.runner import InvestigateOptions, investigate

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT.parent / "shared" / "data" / "external" / "invictus-ir-aws_dataset" / "CloudTrail"

pytestmark = [
    pytest.mark.external,
    pytest.mark.skipif(not DATA.is_dir(), reason=f"shared real data absent: {DATA}"),
]


def _records() -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for path in sorted(DATA.glob("*.json")):
        out.extend(json.loads(path.read_text(encoding="utf-8"))["Records"])
    return out


def _truth(records: list[dict[str, Any]]) -> dict[tuple[str, str], set[str]]:
    """(resource type, status word) -> identifiers, from the raw records alone."""
    truth: dict[tuple[str, str], set[str]] = {}
    for record in records:
        if record.get("errorCode"):
            continue
        name = record.get("eventName")
        request = record.get("requestParameters") or {}
        response = record.get("responseElements") or {}
        found: tuple[str, str, str] | None = None
        if name in ("CreateUser", "DeleteUser") and record["eventSource"] == "iam.amazonaws.com":
            found = ("iam:user", name[:6].lower(), request["userName"])
        elif name == "CreateAccessKey":
            found = ("iam:access-key", "create", response["accessKey"]["accessKeyId"])
        elif name == "DeleteAccessKey":
            found = ("iam:access-key", "delete", request["accessKeyId"])
        elif name in ("CreateTrail", "DeleteTrail"):
            found = ("cloudtrail:trail", name[:6].lower(), request["name"])
        if found:
            truth.setdefault(found[:2], set()).add(found[2])
    return truth


@pytest.fixture(scope="module")
def records() -> list[dict[str, Any]]:
    return _records()


@pytest.fixture(scope="module")
def report() -> Report:
    loaded = load_rules([ROOT / "rules"])
    rules, _ = replayable_rules([r.rule for r in loaded.rules])
    return investigate([DATA], rules)


def test_q1_names_every_iam_user_key_and_trail_created_or_deleted(
    report: Report, records: list[dict[str, Any]]
) -> None:
    truth = _truth(records)
    assert truth[("iam:user", "create")] >= {
        "malicious-iam-user",
        "stratus-red-team-backdoor-u-user",
    }
    assert truth[("cloudtrail:trail", "delete")] >= {"stratus-red-team-ctes-trail-qyxyekjbtk"}
    ids = {r["eventID"] for r in records}
    q1 = report.answers[0]
    rows = [dict(zip(q1.table.columns, row, strict=True)) for row in q1.table.rows]
    by_key = {(r["type"], r["id"]): r for r in rows}
    for (rtype, word), names in truth.items():
        for name in names:
            row = by_key[(rtype, name)]
            column = "created" if word == "create" else "deleted"
            assert row[column], (rtype, name, word, row)
            assert row[f"{column} by"] == "arn:aws:iam::123837392027:user/bert-jan"
            assert set(str(row["eventIDs"]).split()) <= ids
    for evidence in q1.evidence:
        assert evidence.event_id in ids


def test_checklist_holds_the_created_users_keys_and_trails(
    report: Report, records: list[dict[str, Any]]
) -> None:
    truth = _truth(records)
    targets = " ".join(item.target for item in report.checklist)
    for name in truth[("iam:user", "create")] | truth[("cloudtrail:trail", "create")]:
        assert name in targets
    for key in truth[("iam:access-key", "create")]:
        item = next(i for i in report.checklist if i.target.startswith(key))
        assert item.done and "deleted" in item.done  # the attack cleaned up after itself
    used = next(t for t in report.principals if t.principal.endswith(":user/bert-jan"))
    assert used.findings and report.principals[0] is used
    long_term = [s.key for s in used.sessions if s.kind == "long-term"]
    assert long_term and all(
        any(i.target.startswith(k) for i in report.checklist) for k in long_term
    )


def test_report_validates_against_the_schema(report: Report) -> None:
    assert validate(json.loads(json.dumps(to_dict(report)))) == []
    assert report.run.records_read == 2900 and report.run.malformed == 0


def test_investigating_the_user_follows_the_roles_it_assumed(
    records: list[dict[str, Any]],
) -> None:
    """bert-jan assumed Stratus Red Team's roles (sts:AssumeRole, 10 keys issued); the
    calls made with those keys name the roles' sessions, not bert-jan, so only following
    the keys AssumeRole returned puts them in bert-jan's investigation."""
    issued = {
        r["responseElements"]["credentials"]["accessKeyId"]
        for r in records
        if r["eventSource"] == "sts.amazonaws.com"
        and r["userIdentity"].get("userName") == "bert-jan"
        and not r.get("errorCode")
        and (r.get("responseElements") or {}).get("credentials")
    }
    used = [r for r in records if r["userIdentity"].get("accessKeyId") in issued]
    assert len(issued) == 10 and len(used) == 47
    assert not any("bert-jan" in json.dumps(r["userIdentity"]).lower() for r in used)
    alone = investigate([DATA], [], InvestigateOptions(principal="bert-jan", follow_sessions=False))
    followed = investigate([DATA], [], InvestigateOptions(principal="bert-jan"))
    assert followed.run.events_evaluated == alone.run.events_evaluated + len(used)
    assert {s.access_key_id for s in followed.followed_sessions} == issued
    assert sum(s.events for s in followed.followed_sessions) == len(used)
    sessions = {r["userIdentity"]["arn"] for r in used}
    assert sessions <= {t.principal for t in followed.principals}
    assert validate(json.loads(json.dumps(to_dict(followed)))) == []
