"""Every fixture of the pack (``fixtures/**``, the baseline included) passes every fixture
check of the amazon_q profile (``sigmaq.validate.fixtures``: the same code `sigmaq validate`
and `sigmaq build` run): readable, no stub left, valid against the CloudTrail record schema,
a real eventSource/eventName pair, requestParameters that fit the botocore input shape,
canonical JSON, documentation values only; and eventIDs unique across the pack.
One test per file, so a broken fixture names itself.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from sigmaq.core.loader import load_rules
from sigmaq.validate.fixtures.checks import FIXTURE_CHECKS
from sigmaq.validate.fixtures.documentation import documentation_problems
from sigmaq.validate.fixtures.runner import (
    FixtureFinding,
    FixtureTarget,
    fixture_targets,
    run_fixture_checks,
)

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures"
PER_FILE = {
    name
    for name, check in FIXTURE_CHECKS.items()
    if check.run is not None or name == "fixture_read"
}


def _targets() -> list[FixtureTarget]:
    rules = load_rules([ROOT / "rules"]).rules if (ROOT / "rules").is_dir() else []
    targets, _ = fixture_targets(rules, ROOT, whole_project=True)
    return targets


TARGETS = _targets()


def _id(target: FixtureTarget) -> str:
    return target.path.relative_to(FIXTURES).as_posix()


def _text(findings: list[FixtureFinding]) -> str:
    return "\n".join(f"{f.path}:{f.line}: {f.check}: {f.message}" for f in findings[:20])


def test_pack_has_fixtures() -> None:
    assert len(TARGETS) > 300, f"no fixtures under {FIXTURES}"


@pytest.mark.parametrize("target", TARGETS, ids=_id)
def test_fixture_passes_every_check(target: FixtureTarget) -> None:
    findings = run_fixture_checks([target], PER_FILE)
    assert not findings, _text(findings)


@cache
def _pack_findings() -> list[FixtureFinding]:
    rules = load_rules([ROOT / "rules"]).rules
    targets, orphans = fixture_targets(rules, ROOT, whole_project=True)
    return run_fixture_checks(
        targets, {"fixture_unique_event_ids", "fixture_orphan"}, orphans=orphans
    )


def test_event_ids_unique_across_pack() -> None:
    findings = [f for f in _pack_findings() if f.check == "fixture_unique_event_ids"]
    assert not findings, _text(findings)


def test_every_fixture_folder_has_a_rule() -> None:
    findings = [f for f in _pack_findings() if f.check == "fixture_orphan"]
    assert not findings, _text(findings)


def test_documentation_checker_flags_real_values() -> None:
    """The checker itself: clean record passes, each kind of leak is named."""
    clean = {
        "sourceIPAddress": "198.51.100.7",
        "userIdentity": {
            "accountId": "123456789012",
            "accessKeyId": "ASIAEXAMPLEEXAMPLE01",
            "arn": "arn:aws:sts::123456789012:assumed-role/R/alice@example.com",
        },
        "requestParameters": {"cidrIp": "10.0.0.0/16", "channelId": "19:abc@thread.tacv2"},
        "userAgent": "aws-cli/2.27.50 os/linux#6.8.0",
    }
    assert documentation_problems(clean) == []
    assert documentation_problems({"sourceIPAddress": "q.amazonaws.com"}) == []
    leaks = {
        "sourceIPAddress": "8.8.8.8",
        "recipientAccountId": "742491224508",
        "userIdentity": {"accessKeyId": "AKIA2QWERTYUIOPASDFG", "userName": "bob@corp.io"},
        "resources": [{"ARN": "arn:aws:iam::999988887777:role/x"}],
        "requestParameters": {"ipPermissions": "1.1.1.1/32"},
    }
    problems = documentation_problems(leaks)
    assert len(problems) == 6, problems
    assert {path for path, _ in problems} == {
        ("sourceIPAddress",),
        ("recipientAccountId",),
        ("userIdentity", "accessKeyId"),
        ("userIdentity", "userName"),
        ("resources", 0, "ARN"),
        ("requestParameters", "ipPermissions"),
    }
