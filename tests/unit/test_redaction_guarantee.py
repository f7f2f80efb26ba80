"""The redaction guarantee of ``sigmaq fixture capture`` (property-based, derandomized).

Records are built with generated originals: account ids, ARNs (IAM users and roles,
assumed-role sessions, S3 buckets and objects, Amazon Q applications), IPv4 and IPv6
addresses, access key ids, IAM unique ids, e-mail addresses and names. Each name sits in
a place the redactor knows a name by (a ``*Name`` key, an ARN path, a ``principalId``
session) and is also written into free text everywhere else: user agents, descriptions,
tags, free-form keys, error messages, nested lists. After a capture's redaction
(``redact_records``, one ``Redactor`` over all records), no original may survive
anywhere in the written fixture: not as a value, not inside a longer string, not as a
key. What is intentionally kept is listed in ``sigmaq.authoring.redact`` (AWS-owned
names and principals, CloudTrail's own vocabulary, documentation values): the
generators draw no such value.
"""

from __future__ import annotations

import json
import re
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sigmaq.authoring.redact import DOC_ACCOUNTS, redact_records
from sigmaq.core.jsonfmt import canonical_json
from sigmaq.validate.fixtures.documentation import documentation_problems

_NAME_START = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
_NAME_REST = _NAME_START + "0123456789_-.+=@,"
# Words the redactor keeps on purpose (resource types, literals): not user data.
_KEPT_WORDS = {"root", "user", "role", "group", "policy", "true", "false", "null", "none"}

names = st.builds(
    lambda first, rest: first + rest,
    st.sampled_from(_NAME_START),
    st.text(alphabet=_NAME_REST, min_size=0, max_size=14),
).filter(
    lambda n: (
        not n.lower().startswith(("aws", "amazon"))
        and n.lower() not in _KEPT_WORDS
        and not n.endswith((".", "-", "@", "+", "=", ","))
        and "@" not in n
        and "," not in n
    )
)
accounts = st.from_regex(r"\A[0-9]{12}\Z").filter(lambda a: a not in DOC_ACCOUNTS)
ipv4 = (
    st.ip_addresses(v=4)
    .filter(
        lambda a: (
            not (
                a.is_loopback
                or a.is_unspecified
                or str(a).startswith(("192.0.2.", "198.51.100.", "203.0.113."))
            )
        )
    )
    .map(str)
)
ipv6 = (
    st.ip_addresses(v=6)
    .filter(
        lambda a: (
            not (
                a.is_loopback or a.is_unspecified or str(a).startswith("2001:db8:") or a.ipv4_mapped
            )
        )
    )
    .map(str)
)
access_keys = st.builds(
    lambda prefix, rest: prefix + rest,
    st.sampled_from(["AKIA", "ASIA"]),
    st.from_regex(r"\A[A-Z2-7]{16}\Z"),
).filter(lambda k: "EXAMPLE" not in k)
unique_ids = st.builds(
    lambda prefix, rest: prefix + rest,
    st.sampled_from(["AIDA", "AROA"]),
    st.from_regex(r"\A[A-Z2-7]{17}\Z"),
).filter(lambda k: "EXAMPLE" not in k)
emails = st.builds(
    lambda local, domain, tld: f"{local}@{domain}.{tld}",
    st.from_regex(r"\A[a-z][a-z0-9._]{1,10}[a-z0-9]\Z"),
    st.from_regex(r"\A[a-z][a-z0-9-]{1,10}[a-z0-9]\Z").filter(
        lambda d: d not in ("example", "amazonaws", "amazon")
    ),
    st.sampled_from(["com", "org", "io", "de"]),
)


def _record(s: dict[str, Any], free: list[str]) -> dict[str, Any]:
    """A CloudTrail record with every original at its structured place, and the ``free``
    texts (each holding originals) in every other string field."""
    user, role, session, bucket, app = s["user"], s["role"], s["session"], s["bucket"], s["app"]
    acct, other = s["account"], s["other"]
    return {
        "eventVersion": "1.09",
        "userIdentity": {
            "type": "AssumedRole",
            "principalId": f"{s['roleid']}:{session}",
            "arn": f"arn:aws:sts::{acct}:assumed-role/{role}/{session}",
            "accountId": acct,
            "accessKeyId": s["key"],
            "sessionContext": {
                "sessionIssuer": {
                    "type": "Role",
                    "principalId": s["roleid"],
                    "arn": f"arn:aws:iam::{acct}:role/{role}",
                    "accountId": acct,
                    "userName": role,
                },
                "attributes": {"creationDate": "2026-12-01T10:00:00Z", "mfaAuthenticated": "false"},
            },
        },
        "eventTime": "2026-12-01T10:05:00Z",
        "eventSource": "qbusiness.amazonaws.com",
        "eventName": "CreateApplication",
        "awsRegion": "eu-west-1",
        "sourceIPAddress": s["ip4"],
        "userAgent": f"aws-cli/2.22.35 md/{free[0]}",
        "requestParameters": {
            "displayName": app,
            "userName": user,
            "bucketName": bucket,
            "description": free[1],
            "roleArn": f"arn:aws:iam::{other}:role/{role}",
            "identityCenterInstanceArn": f"arn:aws:sso:::instance/{free[2]}",
            "email": s["email"],
            "clientIp": s["ip6"],
            "tags": [{"key": "owner", "value": free[3]}, {"key": free[4], "value": "42"}],
            "policy": json.dumps(
                {"Statement": [{"Principal": {"AWS": f"arn:aws:iam::{other}:user/{user}"}}]}
            ),
        },
        "responseElements": {
            "applicationArn": f"arn:aws:qbusiness:eu-west-1:{acct}:application/{app}",
            "credentials": {"accessKeyId": s["key2"]},
            free[5]: {"message": free[6], "items": [free[7], {"note": free[8]}]},
        },
        "additionalEventData": {"note": free[9], "sourceIp": f"{s['ip4']}, {s['ip6']}"},
        "errorMessage": free[10],
        "requestID": "0f6d1c2e-3b4a-4c5d-8e9f-0a1b2c3d4e5f",
        "eventID": "1a2b3c4d-3b4a-4c5d-8e9f-0a1b2c3d4e5f",
        "readOnly": False,
        "resources": [
            {
                "accountId": other,
                "type": "AWS::S3::Bucket",
                "ARN": f"arn:aws:s3:::{bucket}/{free[11]}",
            }
        ],
        "eventType": "AwsApiCall",
        "managementEvent": True,
        "recipientAccountId": acct,
        "eventCategory": "Management",
        "tlsDetails": {"clientProvidedHostHeader": f"{bucket}.s3.eu-west-1.amazonaws.com"},
    }


@st.composite
def captures(draw: st.DrawFn) -> tuple[list[dict[str, Any]], dict[str, str]]:
    n = draw(st.lists(names, min_size=5, max_size=5, unique_by=str.lower))
    s: dict[str, Any] = {
        "user": n[0],
        "role": n[1],
        "session": n[2],
        "bucket": n[3].lower().replace("_", "-").replace("+", "-").replace("=", "-"),
        "app": n[4],
        "account": draw(accounts),
        "other": draw(accounts),
        "ip4": draw(ipv4),
        "ip6": draw(ipv6),
        "key": draw(access_keys),
        "key2": draw(access_keys),
        "roleid": draw(unique_ids),
        "email": draw(emails),
    }
    originals = {k: str(v) for k, v in s.items()}
    pieces = list(originals.values())
    free = [
        " ".join(draw(st.lists(st.sampled_from(pieces), min_size=1, max_size=3)))
        + draw(st.sampled_from([",", " ", "/", ":", "; ", " (", "#", "="]))
        + draw(st.sampled_from(pieces))
        for _ in range(12)
    ]
    return [_record(s, free)], originals


_NAME_KINDS = ("user", "role", "session", "app", "bucket")
# Boundaries a token cannot extend across: an original is found only as a whole token
# (``::2`` inside ``2001:db8::2:2`` is part of a rewritten address, not an original).
_BOUNDARY = {
    "ip4": ("(?<![0-9.])", "(?![0-9])"),
    "ip6": ("(?<![0-9A-Fa-f:])", "(?![0-9A-Fa-f:])"),
    "account": ("(?<![0-9])", "(?![0-9])"),
    "other": ("(?<![0-9])", "(?![0-9])"),
}


def _survivors(text: str, originals: dict[str, str]) -> list[str]:
    found = []
    for kind, value in originals.items():
        if kind in _NAME_KINDS:
            before, after = "(?<![A-Za-z0-9_.+=@-])", "(?![A-Za-z0-9_+=@-])"
        else:
            before, after = _BOUNDARY.get(kind, ("", ""))
        if re.search(before + re.escape(value) + after, text, flags=re.IGNORECASE):
            found.append(f"{kind}={value!r}")
    return found


@settings(
    derandomize=True,
    database=None,
    deadline=None,
    max_examples=300,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(capture=captures())
def test_no_original_survives_anywhere_in_the_fixture(
    capture: tuple[list[dict[str, Any]], dict[str, str]],
) -> None:
    records, originals = capture
    out = redact_records(records)
    text = canonical_json({"Records": out})
    survivors = _survivors(text, originals)
    assert survivors == [], f"{survivors} in\n{text}"
    assert [p for record in out for p in documentation_problems(record)] == []
