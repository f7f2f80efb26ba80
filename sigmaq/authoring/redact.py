"""Rewrite real CloudTrail records into documentation values, consistently.

``Redactor`` walks every string of every record (values, and the keys of the free-form
``requestParameters``/``responseElements``/``additionalEventData``/``serviceEventDetails``
maps) and rewrites, wherever they occur:

* e-mail addresses -> ``userN@example.com`` (RFC 2606);
* account ids (any 12-digit number, in ARNs or alone) -> the AWS documentation
  accounts, in order of first appearance (``123456789012``, ``111122223333``, ...);
* access key ids (``AKIA``/``ASIA`` + 16) -> ``AKIA``/``ASIA`` + ``EXAMPLE`` + a counter;
  IAM unique ids (``AROA``, ``AIDA``, ... + 16 or more) likewise;
* IPv4 addresses (public or private; loopback and 0.0.0.0 kept) -> RFC 5737
  addresses; IPv6 -> RFC 3849 ``2001:db8::/32`` addresses;
* UUIDs (eventID, requestID, application ids ...) -> UUIDs derived from a hash of the
  original (stable across runs, unique per value);
* EC2-style resource ids (``i-0abc...``, ``sg-...``) -> same prefix, hashed hex;
* names: the values of every ``*Name`` key (userName, roleName, bucketName, sessionName,
  displayName, ...), the session of a ``principalId``, the path segments of ARN
  resources, and the custom part of ``AWSReservedSSO_<set>_<hex>`` role names ->
  ``<kind>-N`` (``user-1``, ``role-2``, ``bucket-1``), wherever the name occurs.

AWS-owned values are kept: names of AWS-managed policies (ARNs in account ``aws``),
names starting with ``AWS``/``Amazon``/``aws-``, AWS service names
(``*.amazonaws.com``), regions. Every mapping is one-to-one and shared by all records
given to one ``Redactor``, so a principal keeps one identity across a capture.
Output satisfies the ``fixture_documentation_values`` check.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
import uuid
from collections.abc import Iterable
from typing import Any

from sigmaq.core.layout import FIXTURE_STUB_KEY

DOC_ACCOUNTS = (
    "123456789012",
    "111122223333",
    "444455556666",
    "777788889999",
    "555555555555",
    "666666666666",
    "999999999999",
    "222222222222",
    "333333333333",
    "888888888888",
)
DOC_V4_NETWORKS = ("192.0.2.", "198.51.100.", "203.0.113.")
EXAMPLE_DOMAINS = ("example.com", "example.org", "example.net")
FREE_FORM = frozenset(
    ["requestParameters", "responseElements", "additionalEventData", "serviceEventDetails"]
)
# AWS-managed IAM Identity Center permission sets (kept in AWSReservedSSO_ role names).
MANAGED_PERMISSION_SETS = frozenset(
    ["AdministratorAccess", "PowerUserAccess", "ReadOnlyAccess", "ViewOnlyAccess", "Billing"]
)
_NAMESPACE = uuid.UUID("6f5b1c2e-2f8e-4b7a-9d3c-5a4e3b2c1d0e")

_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_ARN = re.compile(r"arn:aws[a-z-]*:([a-z0-9-]*):[a-z0-9-]*:(\d{12}|aws)?:([^\s\"',;()\[\]{}]+)")
_ACCESS_KEY = re.compile(r"\b(AKIA|ASIA)[A-Z0-9*]{16}(?![A-Za-z0-9*])")
_UNIQUE_ID = re.compile(r"\b(AROA|AIDA|AGPA|AIPA|ANPA|ANVA|APKA|ASCA|ACCA)[A-Z0-9]{16,28}\b")
_UUID = re.compile(
    r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b"
)
_ACCOUNT = re.compile(r"(?<!\d)\d{12}(?!\d)")
_IPV4 = re.compile(r"(?<![\d.])(\d{1,3}(?:\.\d{1,3}){3})(?![\d.])")
# CloudTrail's own vocabulary: never rewritten, never taken for a name.
PROTECTED_KEYS = frozenset(
    [
        "eventVersion", "eventTime", "eventSource", "eventName", "awsRegion", "eventType",
        "eventCategory", "errorCode", "readOnly", "managementEvent", "apiVersion", "type",
        "creationDate", "mfaAuthenticated", "tlsVersion", "cipherSuite",
    ]
)  # fmt: skip
_IPV6 = re.compile(r"(?<![0-9A-Za-z:])((?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4})(?![0-9A-Za-z:])")
# A run that may hold an IPv6 address (at least two colons), bounded by other characters.
_HEX_COLON_RUN = re.compile(
    r"(?<![0-9A-Za-z:.])[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*(?![0-9A-Za-z:])"
)
_RESOURCE_ID = re.compile(
    r"\b(i|vol|sg|subnet|vpc|ami|eni|snap|igw|rtb|acl|nat|eipalloc|lt|vpce|tgw)-([0-9a-f]{8,17})\b"
)
_SSO_ROLE = re.compile(r"AWSReservedSSO_([A-Za-z0-9+=,.@-]+?)_([0-9a-f]{16})")
_NAME_KEY = re.compile(r"(?i)name$")
_NOT_NAME_KEYS = frozenset(["eventName", "eventSource", "awsRegion"])
_REGION = re.compile(r"^[a-z]{2}(-gov)?-[a-z]+-\d$")
# Numbers, times and ISO dates are not names ("T0" or "Z" may be).
_NOT_A_NAME = re.compile(r"^(?:[\d.+\-:]+|\d{4}-\d{2}-\d{2}(?:T[\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?)$")
# Resource-type words of ARNs and identity types: never taken for names.
_TYPE_WORDS = frozenset(
    [
        "root", "user", "role", "group", "policy", "assumed-role", "federated-user",
        "instance-profile", "mfa", "server-certificate", "saml-provider", "oidc-provider",
        "function", "table", "key", "alias", "secret", "trail", "bucket", "application",
        "index", "log-group", "log-stream", "stack", "instance", "volume", "snapshot",
        "image", "security-group", "subnet", "vpc", "cluster", "service", "task",
        "task-definition", "repository", "topic", "queue", "domain", "db", "snapshot",
        "data-source", "retriever", "plugin", "web-experience", "profile", "customization",
        "assistant", "knowledge-base", "ai-guardrail", "ai-prompt", "ai-agent", "library-item",
        "qapp", "session", "object", "resource", "name", "default", "true", "false", "null",
        "none", "unknown",
    ]
)  # fmt: skip
_WORD = "A-Za-z0-9_-"


def _kind(key: str) -> str:
    """``userName`` -> ``user``; ``bucketName`` -> ``bucket``; ``name`` -> ``name``."""
    stem = re.sub(r"(?i)name$", "", key)
    stem = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "-", stem).lower().strip("-_")
    return stem.split("-")[-1] if stem else "name"


def _hex(value: str, length: int) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()[:length]


def _aws_owned(value: str) -> bool:
    return (
        value.startswith(("AWS", "Amazon", "aws-", "amazon"))
        or value.endswith(".amazonaws.com")
        or bool(_REGION.match(value))
        or value == "HIDDEN_DUE_TO_SECURITY_REASONS"
    )


class Redactor:
    """One consistent rewrite of a set of records (see the module docstring).

    Call ``learn`` on every record first (names are learned from where they are
    structured, then replaced wherever they occur), then ``redact`` each record.
    """

    def __init__(self) -> None:
        self.accounts: dict[str, str] = {}
        self.emails: dict[str, str] = {}
        self.keys: dict[str, str] = {}
        self.ipv4: dict[str, str] = {}
        self.ipv6: dict[str, str] = {}
        self.names: dict[str, str] = {}
        self.kept: set[str] = set()
        self._counters: dict[str, int] = {}
        self._name_pattern: re.Pattern[str] | None = None
        self._folded: dict[str, str] = {}

    # ------------------------------------------------------------------ learning

    def _count(self, kind: str) -> int:
        self._counters[kind] = self._counters.get(kind, 0) + 1
        return self._counters[kind]

    def _learn_name(self, value: str, kind: str) -> None:
        value = value.strip()
        if (
            not value
            or value in self.names
            or value in self.kept
            or value.lower() in _TYPE_WORDS
            or _NOT_A_NAME.match(value)
            or _aws_owned(value)
            or _EMAIL.fullmatch(value)
            or _UUID.fullmatch(value)
            or _ACCOUNT.fullmatch(value)
            or "@" in value
        ):
            return
        self.names[value] = f"{kind}-{self._count('name:' + kind)}"
        self._name_pattern = None

    def _learn_arn(self, text: str) -> None:
        for match in _ARN.finditer(text):
            service, account, resource = match.group(1), match.group(2), match.group(3)
            segments = [s for s in re.split(r"[/:]", resource) if s]
            if account == "aws":  # AWS-managed: policy/AdministratorAccess stays
                self.kept.update(segments)
                for segment in segments:
                    self.names.pop(segment, None)
                continue
            if service == "s3":  # arn:aws:s3:::bucket/key/path: no resource type
                for index, segment in enumerate(segments):
                    self._learn_name(segment, "bucket" if index == 0 else "object")
                continue
            kind, names = "resource", segments
            if len(segments) > 1 and re.fullmatch(r"[a-z][a-z-]*", segments[0]):
                kind, names = segments[0].removeprefix("assumed-"), segments[1:]
            for segment in names:
                if segment not in ("aws-reserved", "service-role"):
                    self._learn_name(segment, kind)

    def learn(self, value: Any, key: str = "") -> None:
        """Collect the names of one record (or any JSON value) before redaction."""
        if isinstance(value, dict):
            for child_key, child in value.items():
                self.learn(child, str(child_key))
        elif isinstance(value, list):
            for child in value:
                self.learn(child, key)
        elif isinstance(value, str):
            if key in PROTECTED_KEYS:
                self.kept.add(value)
                self.names.pop(value, None)
                return
            self._learn_arn(value)
            for match in _SSO_ROLE.finditer(value):
                if match.group(1) not in MANAGED_PERMISSION_SETS:
                    self._learn_name(match.group(1), "permission-set")
            if key == "principalId" and ":" in value:
                self._learn_name(value.split(":", 1)[1], "session")
            elif _NAME_KEY.search(key) and key not in _NOT_NAME_KEYS:
                self._learn_name(value, _kind(key))

    # ------------------------------------------------------------------ rewriting

    def _account(self, original: str) -> str:
        if original not in self.accounts:
            index = len(self.accounts)
            if index < len(DOC_ACCOUNTS):
                self.accounts[original] = DOC_ACCOUNTS[index]
            else:  # more accounts than documentation examples: still 12 digits, unique
                self.accounts[original] = f"{100000000000 + index:012d}"
        return self.accounts[original]

    def _email(self, match: re.Match[str]) -> str:
        original = match.group(0)
        if original.lower().endswith(EXAMPLE_DOMAINS):
            return original
        if original not in self.emails:
            self.emails[original] = f"user{len(self.emails) + 1}@example.com"
        return self.emails[original]

    def _key(self, match: re.Match[str]) -> str:
        original = match.group(0)
        if "EXAMPLE" in original:
            return original
        if original not in self.keys:
            prefix = original[:4]
            self.keys[original] = f"{prefix}EXAMPLE{self._count('key:' + prefix):09d}"
        return self.keys[original]

    def _ipv4(self, match: re.Match[str]) -> str:
        text = match.group(1)
        octets = [int(part) for part in text.split(".")]
        if any(octet > 255 for octet in octets):
            return text  # not an address (a version string)
        address = ipaddress.IPv4Address(".".join(map(str, octets)))  # leading zeros allowed
        if address.is_loopback or address.is_unspecified or text.startswith(DOC_V4_NETWORKS):
            return text
        if text not in self.ipv4:
            index = len(self.ipv4)
            network = DOC_V4_NETWORKS[(index // 254) % len(DOC_V4_NETWORKS)]
            self.ipv4[text] = f"{network}{index % 254 + 1}"
        return self.ipv4[text]

    def _ipv6(self, match: re.Match[str]) -> str:
        text = match.group(1)
        try:
            address = ipaddress.IPv6Address(text)
        except ValueError:
            return text
        if (
            address.is_loopback
            or address.is_unspecified
            or address in ipaddress.ip_network("2001:db8::/32")
        ):
            return text
        if text not in self.ipv6:
            self.ipv6[text] = f"2001:db8::{len(self.ipv6) + 1:x}"
        return self.ipv6[text]

    def _ipv6_run(self, match: re.Match[str]) -> str:
        """The longest IPv6 address inside a run of hex digits and colons, rewritten: the
        address may be glued to text by a colon (``ip:2001:db8::1``, ``host:port``)."""
        run = match.group(0)
        starts = [0] + [i + 1 for i, ch in enumerate(run) if ch == ":"]
        ends = [i for i, ch in enumerate(run) if ch == ":"] + [len(run)]
        best: tuple[int, int] | None = None
        for start in starts:
            for end in ends:
                if end - start < 2 or (best is not None and end - start <= best[1] - best[0]):
                    continue
                try:
                    ipaddress.IPv6Address(run[start:end])
                except ValueError:
                    continue
                best = (start, end)
        if best is None:
            return run
        start, end = best
        inner = _IPV6.fullmatch(run[start:end])
        replaced = self._ipv6(inner) if inner is not None else run[start:end]
        return run[:start] + replaced + run[end:]

    def _names(self) -> re.Pattern[str] | None:
        if self._name_pattern is None and self.names:
            alternatives = "|".join(re.escape(n) for n in sorted(self.names, key=len, reverse=True))
            # Case-insensitive: IAM names are unique regardless of case, and a name
            # quoted in free text (an error message, a description) may change case.
            self._name_pattern = re.compile(
                f"(?<![{_WORD}])(?:{alternatives})(?![{_WORD}])", re.IGNORECASE
            )
            self._folded = {}
            for name, replacement in self.names.items():
                self._folded.setdefault(name.lower(), replacement)
        return self._name_pattern

    def _sso(self, match: re.Match[str]) -> str:
        permission_set, suffix = match.group(1), match.group(2)
        kept = permission_set if permission_set in MANAGED_PERMISSION_SETS else None
        name = kept or self.names.get(permission_set) or "PermissionSet"
        return f"AWSReservedSSO_{name}_{_hex(suffix, 16)}"

    def redact_text(self, text: str) -> str:
        """One string with every sensitive token rewritten."""
        text = _EMAIL.sub(self._email, text)
        text = _SSO_ROLE.sub(self._sso, text)
        text = _ACCESS_KEY.sub(self._key, text)
        text = _UNIQUE_ID.sub(
            lambda m: (
                m.group(0)
                if "EXAMPLE" in m.group(0)
                else self.keys.setdefault(
                    m.group(0), f"{m.group(1)}EXAMPLE{self._count('id:' + m.group(1)):09d}"
                )
            ),
            text,
        )
        text = _UUID.sub(lambda m: str(uuid.uuid5(_NAMESPACE, m.group(0).lower())), text)
        text = _RESOURCE_ID.sub(lambda m: f"{m.group(1)}-{_hex(m.group(0), len(m.group(2)))}", text)
        text = _ACCOUNT.sub(lambda m: self._account(m.group(0)), text)
        text = _IPV4.sub(self._ipv4, text)
        if ":" in text:
            text = _HEX_COLON_RUN.sub(self._ipv6_run, text)
        pattern = self._names()
        if pattern is not None:
            text = pattern.sub(lambda m: self._folded[m.group(0).lower()], text)
        return text

    def redact(self, value: Any, key: str = "", free: bool = False) -> Any:
        """A copy of a record (or any JSON value) with every string rewritten."""
        if isinstance(value, dict):
            out: dict[str, Any] = {}
            for child_key, child in value.items():
                new_key = self.redact_text(child_key) if free else child_key
                out[new_key] = self.redact(
                    child, str(child_key), free or (str(child_key) in FREE_FORM)
                )
            return out
        if isinstance(value, list):
            return [self.redact(child, key, free) for child in value]
        if isinstance(value, str) and key != FIXTURE_STUB_KEY and key not in PROTECTED_KEYS:
            return self.redact_text(value)
        return value


def redact_records(records: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rewrite ``records`` with one ``Redactor`` (learn all, then redact all)."""
    items = list(records)
    redactor = Redactor()
    for record in items:
        redactor.learn(record)
    return [redactor.redact(record) for record in items]
