"""Prowler's own findings mapped to the playbook's preparation items.

The playbook's preparation stage integrates Prowler for posture. sigmaq does not re-implement
Prowler's checks: it reads what ``prowler aws --output-formats json-ocsf`` writes (a JSON
array of OCSF 1.x Detection Findings: ``metadata.event_code`` is the Prowler check id,
``status_code`` PASS/FAIL/MANUAL, ``status`` ``Suppressed`` for muted findings,
``resources[0]`` the resource, ``cloud.account.uid`` the account) and maps the check ids
below to the preparation items. The ids are those of Prowler 5.46.0
(``tests/data/prowler/prowler-aws-checks.json``; a test keeps them in sync).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

PASS = "pass"
FAIL = "fail"
MANUAL = "manual"
NOT_ASSESSED = "not assessed"


@dataclass(frozen=True)
class PreparationItem:
    """A playbook preparation item and the Prowler checks that assess it (empty: sigmaq's)."""

    key: str
    title: str
    checks: tuple[str, ...] = ()

    @property
    def origin(self) -> str:
        return "prowler" if self.checks else "sigmaq"


# Playbook preparation (playbook.md): posture (Prowler), asset inventory, GuardDuty, CIS AWS
# Foundations (credential expiry and rotation), MFA, password policy, IAM credential report,
# IAM Access Analyzer; plus the trail properties investigation depends on.
PROWLER_ITEMS: tuple[PreparationItem, ...] = (
    PreparationItem(
        "trail-multi-region",
        "A multi-region trail logs management events",
        (
            "cloudtrail_multi_region_enabled",
            "cloudtrail_multi_region_enabled_logging_management_events",
        ),
    ),
    PreparationItem(
        "trail-log-file-validation",
        "CloudTrail log file validation is on",
        ("cloudtrail_log_file_validation_enabled",),
    ),
    PreparationItem(
        "trail-kms",
        "CloudTrail logs are encrypted with KMS",
        ("cloudtrail_kms_encryption_enabled",),
    ),
    PreparationItem(
        "trail-cloudwatch-logs",
        "CloudTrail delivers to CloudWatch Logs (playbook step 5)",
        ("cloudtrail_cloudwatch_logging_enabled",),
    ),
    PreparationItem(
        "trail-bucket",
        "The CloudTrail bucket is not public, logs access and needs MFA delete",
        (
            "cloudtrail_logs_s3_bucket_is_not_publicly_accessible",
            "cloudtrail_logs_s3_bucket_access_logging_enabled",
            "cloudtrail_bucket_requires_mfa_delete",
        ),
    ),
    PreparationItem(
        "s3-data-events",
        "S3 object-level data events are logged",
        ("cloudtrail_s3_dataevents_read_enabled", "cloudtrail_s3_dataevents_write_enabled"),
    ),
    PreparationItem(
        "guardduty",
        "GuardDuty is enabled (every region) with no open high findings",
        (
            "guardduty_is_enabled",
            "guardduty_centrally_managed",
            "guardduty_no_high_severity_findings",
        ),
    ),
    PreparationItem(
        "root-keys",
        "The root user has no access keys",
        ("iam_no_root_access_key", "iam_avoid_root_usage"),
    ),
    PreparationItem(
        "mfa",
        "MFA on the root user and on console users",
        (
            "iam_root_mfa_enabled",
            "iam_root_hardware_mfa_enabled",
            "iam_user_mfa_enabled_console_access",
            "iam_user_hardware_mfa_enabled",
            "iam_administrator_access_with_mfa",
        ),
    ),
    PreparationItem(
        "credential-rotation",
        "Credentials expire and rotate (CIS AWS Foundations; from the IAM credential report)",
        (
            "iam_rotate_access_key_90_days",
            "iam_user_accesskey_unused",
            "iam_user_console_access_unused",
            "iam_user_two_active_access_key",
            "iam_password_policy_expires_passwords_within_90_days_or_less",
        ),
    ),
    PreparationItem(
        "password-policy",
        "A strong IAM password policy",
        (
            "iam_password_policy_minimum_length_14",
            "iam_password_policy_lowercase",
            "iam_password_policy_uppercase",
            "iam_password_policy_number",
            "iam_password_policy_symbol",
            "iam_password_policy_reuse_24",
        ),
    ),
    PreparationItem(
        "access-analyzer",
        "IAM Access Analyzer is enabled",
        ("accessanalyzer_enabled", "accessanalyzer_enabled_without_findings"),
    ),
    PreparationItem(
        "asset-inventory",
        "A full asset inventory (AWS Config recording in every region)",
        ("config_recorder_all_regions_enabled",),
    ),
)
MAPPED_CHECKS = frozenset(check for item in PROWLER_ITEMS for check in item.checks)


@dataclass(frozen=True)
class ProwlerFinding:
    """One Prowler finding: check id, PASS/FAIL/MANUAL, muted, resource and message."""

    check_id: str
    status: str
    muted: bool
    severity: str
    region: str
    resource: str
    message: str
    account: str
    prowler_version: str
    path: str


def _get(data: Any, *keys: Any) -> Any:
    for key in keys:
        if isinstance(data, Mapping):
            data = data.get(key)
        elif isinstance(data, list) and isinstance(key, int) and len(data) > key:
            data = data[key]
        else:
            return None
    return data


def parse_ocsf(items: Sequence[Any], path: str) -> tuple[list[ProwlerFinding], list[str]]:
    """Findings of one ``json-ocsf`` document; problems for entries that are not findings."""
    findings: list[ProwlerFinding] = []
    problems: list[str] = []
    for index, item in enumerate(items):
        check = _get(item, "metadata", "event_code")
        status = _get(item, "status_code")
        if not isinstance(check, str) or status not in ("PASS", "FAIL", "MANUAL"):
            problems.append(
                f"{path}: entry {index} is not a Prowler finding (event_code/status_code)"
            )
            continue
        findings.append(
            ProwlerFinding(
                check_id=check,
                status=str(status),
                muted=_get(item, "status") == "Suppressed",
                severity=str(_get(item, "severity") or ""),
                region=str(
                    _get(item, "resources", 0, "region") or _get(item, "cloud", "region") or ""
                ),
                resource=str(_get(item, "resources", 0, "uid") or ""),
                message=str(_get(item, "status_detail") or _get(item, "message") or ""),
                account=str(_get(item, "cloud", "account", "uid") or ""),
                prowler_version=str(_get(item, "metadata", "product", "version") or ""),
                path=path,
            )
        )
    return findings, problems


@dataclass(frozen=True)
class ItemResult:
    """The state of one preparation item: ``status`` pass/fail/manual/not assessed."""

    item: PreparationItem
    status: str
    details: tuple[str, ...] = ()


def assess_prowler_items(findings: Iterable[ProwlerFinding]) -> list[ItemResult]:
    """Each Prowler-assessed item: fail on any unmuted FAIL, manual when only MANUAL
    findings are open, pass when every finding passed, not assessed without findings.
    Muted FAILs are listed but do not fail the item (Prowler's own muting)."""
    by_check: dict[str, list[ProwlerFinding]] = {}
    for finding in findings:
        by_check.setdefault(finding.check_id, []).append(finding)
    results: list[ItemResult] = []
    for item in PROWLER_ITEMS:
        found = [f for check in item.checks for f in by_check.get(check, [])]
        if not found:
            results.append(
                ItemResult(
                    item, NOT_ASSESSED, (f"no Prowler finding for {', '.join(item.checks)}",)
                )
            )
            continue
        failing = [f for f in found if f.status == "FAIL" and not f.muted]
        muted = [f for f in found if f.status == "FAIL" and f.muted]
        manual = [f for f in found if f.status == "MANUAL"]
        details = [f"{f.check_id} FAIL {f.region} {f.resource}: {f.message}" for f in failing]
        details += [f"{f.check_id} FAIL (muted) {f.region} {f.resource}" for f in muted]
        details += [f"{f.check_id} MANUAL {f.region} {f.resource}" for f in manual]
        passed = sum(1 for f in found if f.status == "PASS")
        details.append(f"{passed} of {len(found)} findings pass")
        status = FAIL if failing else MANUAL if manual else PASS
        results.append(ItemResult(item, status, tuple(details)))
    return results
