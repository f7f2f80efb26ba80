"""The IAM credential report (``aws iam get-credential-report``), for playbook step 6.

The report is a CSV, one row per IAM user plus the root user (``user`` =
``<root_account>``), with columns ``user``, ``arn``, ``user_creation_time``,
``password_enabled``, ``password_last_used``, ``password_last_changed``,
``password_next_rotation``, ``mfa_active``, ``access_key_1_active``,
``access_key_1_last_rotated``, ``access_key_1_last_used_date``,
``access_key_1_last_used_region``, ``access_key_1_last_used_service``, the same five for
``access_key_2``, and ``cert_1/2_active``/``_last_rotated`` (IAM User Guide, "Generate
credential reports for your AWS account",
https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_getting-report.html; IAM API
Reference GetCredentialReport: ``Content`` is Base64-encoded). The root user's row is named
``<root_account>`` (as tools that read the report, e.g. Prowler, expect). Timestamps are
ISO 8601; ``N/A``, ``no_information`` and ``not_supported`` mean no value. The report
names no access key id: step 6 lists the keys by user and slot, with
``aws iam list-access-keys`` to get their ids.

Accepted files: the decoded CSV, the Base64 ``Content`` alone, or the JSON that
``aws iam get-credential-report`` prints (``{"Content": "...", ...}``).
"""

from __future__ import annotations

import base64
import binascii
import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path

from sigmaq.core.errors import ConfigError

ROOT_USER = "<root_account>"
# One row per IAM user (5,000 per account by default, IAM quotas) of a few hundred bytes:
# a file this large is not a credential report, and it would be held whole.
MAX_CREDENTIAL_REPORT_BYTES = 64 * 1024 * 1024
REQUIRED_COLUMNS = (
    "user",
    "arn",
    "access_key_1_active",
    "access_key_1_last_rotated",
    "access_key_1_last_used_date",
    "access_key_1_last_used_region",
    "access_key_1_last_used_service",
    "access_key_2_active",
    "access_key_2_last_rotated",
    "access_key_2_last_used_date",
    "access_key_2_last_used_region",
    "access_key_2_last_used_service",
)
_NO_VALUE = frozenset(["", "N/A", "no_information", "not_supported"])


@dataclass(frozen=True, slots=True)
class KeySlot:
    """Access key slot 1 or 2 of one user."""

    slot: int
    active: bool
    last_rotated: str | None
    last_used: str | None
    last_used_region: str | None
    last_used_service: str | None


@dataclass(frozen=True, slots=True)
class CredentialRow:
    """One user (or the root user) of the report."""

    user: str
    arn: str
    password_enabled: bool | None
    password_last_used: str | None
    mfa_active: bool | None
    keys: tuple[KeySlot, ...]

    @property
    def account(self) -> str | None:
        parts = self.arn.split(":")
        return parts[4] if len(parts) > 4 and parts[4] else None

    @property
    def is_root(self) -> bool:
        return self.user == ROOT_USER


def _value(text: str | None) -> str | None:
    text = (text or "").strip()
    return None if text in _NO_VALUE else text


def _flag(text: str | None) -> bool | None:
    value = _value(text)
    if value is None:
        return None
    return value.lower() == "true"


def _decode(raw: bytes, path: Path) -> str:
    text = raw.decode("utf-8-sig", errors="strict").strip()
    if text.startswith("{"):
        try:
            content = json.loads(text).get("Content")
        except (ValueError, AttributeError) as error:
            raise ConfigError(f"not a credential report: {error}", path=path) from error
        if not isinstance(content, str):
            raise ConfigError("JSON without a Content string", path=path)
        text = content
    if not text.startswith("user,"):
        try:
            text = base64.b64decode(text, validate=True).decode("utf-8-sig").strip()
        except (binascii.Error, UnicodeDecodeError, ValueError) as error:
            raise ConfigError(
                "not a credential report CSV (no 'user,' header) nor its Base64", path=path
            ) from error
    return text


def read_credential_report(path: Path) -> list[CredentialRow]:
    """Every row of the credential report at ``path``.

    Raises ConfigError (naming the file, and the line for a bad row) when the file cannot
    be read, is not a credential report, or lacks a required column.
    """
    try:
        if not path.is_file():  # a FIFO or device would block or never end
            raise ConfigError("cannot read the credential report: not a regular file", path=path)
        size = path.stat().st_size
        if size > MAX_CREDENTIAL_REPORT_BYTES:
            raise ConfigError(
                f"cannot read the credential report: larger than "
                f"{MAX_CREDENTIAL_REPORT_BYTES} bytes ({size})",
                path=path,
            )
        raw = path.read_bytes()
    except OSError as error:
        raise ConfigError(f"cannot read the credential report: {error}", path=path) from error
    try:
        text = _decode(raw, path)
    except UnicodeDecodeError as error:
        raise ConfigError(f"credential report is not UTF-8: {error}", path=path) from error
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in REQUIRED_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise ConfigError(f"credential report lacks columns {', '.join(missing)}", path=path)
    rows: list[CredentialRow] = []
    try:
        for line, row in enumerate(reader, start=2):
            rows.append(_row(row, path, line))
    except csv.Error as error:  # a field over csv.field_size_limit(), a NUL in old Pythons
        raise ConfigError(
            f"not a credential report: {error}", path=path, line=reader.reader.line_num
        ) from error
    return rows


def _row(row: dict[str, str], path: Path, line: int) -> CredentialRow:
    user = _value(row.get("user"))
    if user is None:
        raise ConfigError("row without a user", path=path, line=line)
    keys = tuple(
        KeySlot(
            slot=slot,
            active=bool(_flag(row.get(f"access_key_{slot}_active"))),
            last_rotated=_value(row.get(f"access_key_{slot}_last_rotated")),
            last_used=_value(row.get(f"access_key_{slot}_last_used_date")),
            last_used_region=_value(row.get(f"access_key_{slot}_last_used_region")),
            last_used_service=_value(row.get(f"access_key_{slot}_last_used_service")),
        )
        for slot in (1, 2)
    )
    return CredentialRow(
        user=user,
        arn=_value(row.get("arn")) or "",
        password_enabled=_flag(row.get("password_enabled")),
        password_last_used=_value(row.get("password_last_used")),
        mfa_active=_flag(row.get("mfa_active")),
        keys=keys,
    )
