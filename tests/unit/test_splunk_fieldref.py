"""``|fieldref`` in SPL means what replay means: both fields present, equal ignoring case.

The stock ``| where 'a'='b'`` is null when a field is absent and ``where`` drops null,
so ``not <fieldref>`` missed every event without the referenced field (an AssumedRole
identity has no ``userIdentity.userName``); ``=`` also compared case. Judged by the SPL
model (``sigmaq.export.splunk.spl_eval``, not Splunk) against replay.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sigmaq.core.loader import load_file
from sigmaq.export.convert import CONVERTED, convert_rules
from sigmaq.export.proof import ProofCase, replay_outcome
from sigmaq.export.splunk.events import ORIGIN, splunk_event
from sigmaq.export.splunk.spl_eval import run_query
from sigmaq.export.splunk.spl_parser import parse_query

RULE = """\
title: Login Profile Changed For Another User
id: 0b9a0d7e-9f7e-4c0e-8a55-7f0f8d1c2a01
status: test
description: A login profile changed by someone other than its user.
author: sigmaq tests
date: 2026-12-05
tags: [attack.persistence, attack.t1098]
logsource: {product: aws, service: cloudtrail}
detection:
  selection:
    eventSource: iam.amazonaws.com
    eventName: UpdateLoginProfile
  self:
    requestParameters.userName|fieldref: userIdentity.userName
  condition: selection and %s self
level: medium
"""


def _record(n: int, identity: dict[str, Any], target: str | None) -> dict[str, Any]:
    parameters = {} if target is None else {"userName": target}
    return {
        "eventVersion": "1.09",
        "eventTime": f"2026-12-01T10:00:{n:02d}Z",
        "eventSource": "iam.amazonaws.com",
        "eventName": "UpdateLoginProfile",
        "eventID": f"0000000{n}-0000-4000-8000-000000000000",
        "awsRegion": "us-east-1",
        "sourceIPAddress": "192.0.2.10",
        "userIdentity": {"accountId": "123456789012", **identity},
        "requestParameters": parameters,
    }


ALICE = {"type": "IAMUser", "userName": "alice", "arn": "arn:aws:iam::123456789012:user/alice"}
ROLE = {"type": "AssumedRole", "arn": "arn:aws:sts::123456789012:assumed-role/Admin/bob"}
RECORDS = (
    _record(1, ALICE, "alice"),  # self
    _record(2, ALICE, "ALICE"),  # self, other case
    _record(3, ALICE, "carol"),  # someone else
    _record(4, ROLE, "carol"),  # no userIdentity.userName
    _record(5, ALICE, None),  # no requestParameters.userName
)


@pytest.mark.parametrize("negation", ["", "not"], ids=["fieldref", "not-fieldref"])
def test_spl_fieldref_matches_what_replay_matches(tmp_path: Path, negation: str) -> None:
    path = tmp_path / "login_profile_rule.yml"
    path.write_text(RULE % negation, encoding="utf-8")
    (loaded,), errors = load_file(path)
    assert not errors, errors
    case = ProofCase("fieldref", RECORDS)
    expected = replay_outcome(loaded, case).records
    assert expected == ({0, 1} if not negation else {2, 3, 4})
    (outcome,) = convert_rules([path], "splunk", "default").outcomes
    assert outcome.status == CONVERTED, outcome.message
    (query,) = outcome.outputs
    events = [splunk_event(r, i) for i, r in enumerate(case.records)]
    rows = run_query(parse_query(str(query)), events)
    assert {int(row[ORIGIN]) for row in rows} == expected, query
