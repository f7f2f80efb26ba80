"""Every fixture of the pack (``fixtures/**``, the baseline included) is a valid, canonical,
documentation-only CloudTrail record set.

Checks per file: canonical JSON text (``sigmaq.core.jsonfmt``); each record validates
against ``sigmaq/data/cloudtrail_record.schema.json``; account ids are documentation
accounts; ``sourceIPAddress`` is an RFC 5737 address, an AWS service DNS name or
``AWS Internal``; any other IPv4 literal is RFC 5737 or private; access keys are the
documentation example keys. Across the pack: eventIDs are unique.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sigmaq.core.jsonfmt import is_canonical
from sigmaq.validate.record_schema import validate_record

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures"

ALLOWED_ACCOUNTS = {"123456789012", "111122223333", "444455556666"}
DOC_NETWORKS = tuple(
    ipaddress.ip_network(n) for n in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24")
)
# RFC 3849 (IPv6 documentation prefix) for IPv6 literals.
DOC_NETWORKS_V6 = (ipaddress.ip_network("2001:db8::/32"),)
SERVICE_NAME = re.compile(r"^[a-z0-9-]+(\.[a-z0-9-]+)*\.amazonaws\.com$|^AWS Internal(/\d+)?$")
ARN_ACCOUNT = re.compile(r"arn:aws[a-z-]*:[a-z0-9-]*:[a-z0-9-]*:(\d{12}):")
IPV4_LITERAL = re.compile(r"(?<![\d.])(\d{1,3}(?:\.\d{1,3}){3})(?:/\d{1,2})?(?![\d.])")
EXAMPLE_KEY = re.compile(r"^((AKIA|ASIA)[A-Z0-9]*EXAMPLE[A-Z0-9]*)?$")


def fixture_files() -> list[Path]:
    if not FIXTURES.is_dir():
        return []
    return sorted(p for p in FIXTURES.rglob("*.json") if p.is_file())


def records_of(data: Any) -> list[Any]:
    """The records of a fixture: a ``{"Records": [...]}`` envelope or one record."""
    if isinstance(data, dict) and "Records" in data:
        records = data["Records"]
        return records if isinstance(records, list) else [records]
    return [data]


def _walk(value: Any, key: str = "") -> Iterator[tuple[str, Any]]:
    """(key, scalar) pairs of a JSON value, key being the nearest object key."""
    if isinstance(value, dict):
        for child_key, child in value.items():
            yield from _walk(child, str(child_key))
    elif isinstance(value, list):
        for child in value:
            yield from _walk(child, key)
    else:
        yield key, value


def documentation_problems(record: dict[str, Any]) -> list[str]:
    """Values in ``record`` that are not documentation values (empty list when clean)."""
    problems: list[str] = []
    source_ip = record.get("sourceIPAddress")
    if isinstance(source_ip, str) and not SERVICE_NAME.match(source_ip):
        try:
            address = ipaddress.ip_address(source_ip)
        except ValueError:
            problems.append(f"sourceIPAddress {source_ip!r} is neither an IP nor a service name")
        else:
            networks = DOC_NETWORKS if address.version == 4 else DOC_NETWORKS_V6
            if not any(address in net for net in networks):
                problems.append(f"sourceIPAddress {source_ip} is not a documentation address")
    for key, value in _walk(record):
        if not isinstance(value, str):
            continue
        if key.lower().endswith("accountid") and value and value not in ALLOWED_ACCOUNTS:
            problems.append(f"{key} {value} is not a documentation account")
        for account in ARN_ACCOUNT.findall(value):
            if account not in ALLOWED_ACCOUNTS:
                problems.append(f"ARN account {account} in {value!r}")
        if key == "accessKeyId" and not EXAMPLE_KEY.match(value):
            problems.append(f"accessKeyId {value} is not an AWS documentation example key")
        if key in {"userAgent", "sourceIPAddress"}:
            continue  # version strings in user agents look like dotted quads
        for literal in IPV4_LITERAL.findall(value):
            try:
                address = ipaddress.ip_address(literal)
            except ValueError:
                continue
            if not (
                any(address in n for n in DOC_NETWORKS)
                or address.is_private
                or address.is_unspecified
            ):
                problems.append(f"IPv4 literal {literal} in {key} is not a documentation address")
    return problems


FILES = fixture_files()


def _id(path: Path) -> str:
    return path.relative_to(FIXTURES).as_posix()


def test_pack_has_fixtures() -> None:
    assert FILES, f"no fixtures under {FIXTURES}"


@pytest.mark.parametrize("path", FILES, ids=_id)
def test_fixture_is_canonical_json(path: Path) -> None:
    assert is_canonical(path.read_text(encoding="utf-8")), (
        f"{_id(path)} is not canonical JSON (sigmaq.core.jsonfmt.canonical_json)"
    )


@pytest.mark.parametrize("path", FILES, ids=_id)
def test_fixture_records_validate(path: Path) -> None:
    records = records_of(json.loads(path.read_text(encoding="utf-8")))
    assert records, f"{_id(path)} holds no record"
    problems = [
        f"record {i}: {message}"
        for i, record in enumerate(records)
        for message in validate_record(record)
    ]
    assert not problems, problems[:20]


@pytest.mark.parametrize("path", FILES, ids=_id)
def test_fixture_uses_documentation_values(path: Path) -> None:
    records = records_of(json.loads(path.read_text(encoding="utf-8")))
    problems = [
        f"record {i}: {p}"
        for i, record in enumerate(records)
        if isinstance(record, dict)
        for p in documentation_problems(record)
    ]
    assert not problems, problems[:20]


def test_event_ids_unique_across_pack() -> None:
    counts: Counter[str] = Counter()
    where: dict[str, list[str]] = {}
    for path in FILES:
        for record in records_of(json.loads(path.read_text(encoding="utf-8"))):
            if isinstance(record, dict) and isinstance(record.get("eventID"), str):
                counts[record["eventID"]] += 1
                where.setdefault(record["eventID"], []).append(_id(path))
    duplicates = {event_id: where[event_id] for event_id, n in counts.items() if n > 1}
    assert not duplicates, dict(list(duplicates.items())[:20])


def test_documentation_checker_flags_real_values() -> None:
    """The checker itself: clean record passes, each kind of leak is named."""
    clean = {
        "sourceIPAddress": "198.51.100.7",
        "userIdentity": {
            "accountId": "123456789012",
            "accessKeyId": "ASIAEXAMPLEEXAMPLE01",
            "arn": "arn:aws:sts::123456789012:assumed-role/R/s",
        },
        "requestParameters": {"cidrIp": "10.0.0.0/16"},
        "userAgent": "aws-cli/2.27.50 os/linux#6.8.0",
    }
    assert documentation_problems(clean) == []
    assert documentation_problems({"sourceIPAddress": "q.amazonaws.com"}) == []
    leaks = {
        "sourceIPAddress": "8.8.8.8",
        "recipientAccountId": "742491224508",
        "userIdentity": {"accessKeyId": "AKIA2QWERTYUIOPASDFG"},
        "resources": [{"ARN": "arn:aws:iam::999988887777:role/x"}],
        "requestParameters": {"ipPermissions": "1.1.1.1/32"},
    }
    problems = documentation_problems(leaks)
    assert len(problems) == 5, problems
