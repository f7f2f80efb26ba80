#!/usr/bin/env python3
"""Generate ``tests/data/prowler/``: Prowler findings in its own OCSF output, and its check ids.

sigmaq reads what ``prowler aws --output-formats json-ocsf`` writes. The samples are built
with the installed ``prowler`` package's own output model, not by guessing the shape: each
finding is a ``prowler.lib.outputs.finding.Finding`` carrying the real ``CheckMetadata`` of
the check (``CheckMetadata.get_bulk("aws")``, read from the check's metadata.json), and the
file is written by ``prowler.lib.outputs.ocsf.ocsf.OCSF`` exactly as the CLI writes it.

prowler pins botocore/boto3 1.40.x and jsonschema 4.23.0, which conflict with sigmaq's test
pins (botocore==1.44.8), so run this once in a throwaway virtual environment:

    python3 -m venv /tmp/prowler-venv
    /tmp/prowler-venv/bin/pip install prowler==5.46.0
    /tmp/prowler-venv/bin/python tools/prowler_samples.py

The prowler version is recorded in ``tests/data/prowler/SOURCE.md`` and in every finding
(``metadata.product.version``). Values are documentation values (account 123456789012,
example.com names); timestamps are fixed so the output is reproducible except for the
finding ``scan_id`` (a UUIDv7 derived from the timestamp) which prowler computes itself.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parents[1] / "tests" / "data" / "prowler"
ACCOUNT = "123456789012"
TRAIL_ARN = f"arn:aws:cloudtrail:us-east-1:{ACCOUNT}:trail/management-trail"
WHEN = datetime(2026, 11, 30, 9, 0, 0, tzinfo=UTC)

# (check id, status, region, resource uid, resource name, status_extended, muted)
ScenarioRow = tuple[str, str, str, str, str, str, bool]

SCENARIO: list[ScenarioRow] = [
    (
        "cloudtrail_multi_region_enabled",
        "PASS",
        "us-east-1",
        TRAIL_ARN,
        "management-trail",
        "Trail management-trail is multiregion and it is logging.",
        False,
    ),
    (
        "cloudtrail_multi_region_enabled_logging_management_events",
        "PASS",
        "us-east-1",
        TRAIL_ARN,
        "management-trail",
        "Trail management-trail from home region us-east-1 is multi-region, is logging and "
        "have management events enabled.",
        False,
    ),
    (
        "cloudtrail_log_file_validation_enabled",
        "FAIL",
        "us-east-1",
        TRAIL_ARN,
        "management-trail",
        "Multiregion trail management-trail log file validation disabled.",
        False,
    ),
    (
        "cloudtrail_kms_encryption_enabled",
        "FAIL",
        "us-east-1",
        TRAIL_ARN,
        "management-trail",
        "Multiregion trail management-trail has encryption disabled.",
        False,
    ),
    (
        "cloudtrail_cloudwatch_logging_enabled",
        "FAIL",
        "us-east-1",
        TRAIL_ARN,
        "management-trail",
        "Multiregion trail management-trail is not logging in the last 24h or not configured "
        "to deliver logs.",
        False,
    ),
    (
        "cloudtrail_s3_dataevents_write_enabled",
        "FAIL",
        "us-east-1",
        f"arn:aws:cloudtrail:us-east-1:{ACCOUNT}:trail",
        ACCOUNT,
        "No CloudTrail trails have a data event to record all S3 object-level API operations.",
        False,
    ),
    (
        "guardduty_is_enabled",
        "PASS",
        "us-east-1",
        f"arn:aws:guardduty:us-east-1:{ACCOUNT}:detector/12abc34d567e8fa901bc2d34eexample",
        "12abc34d567e8fa901bc2d34eexample",
        "GuardDuty detector 12abc34d567e8fa901bc2d34eexample enabled.",
        False,
    ),
    (
        "guardduty_is_enabled",
        "FAIL",
        "eu-central-1",
        f"arn:aws:guardduty:eu-central-1:{ACCOUNT}:detector/unknown",
        "unknown",
        "GuardDuty is not enabled.",
        False,
    ),
    (
        "iam_no_root_access_key",
        "PASS",
        "us-east-1",
        f"arn:aws:iam::{ACCOUNT}:root",
        "<root_account>",
        "User <root_account> does not have access keys.",
        False,
    ),
    (
        "iam_root_mfa_enabled",
        "PASS",
        "us-east-1",
        f"arn:aws:iam::{ACCOUNT}:root",
        "<root_account>",
        "MFA is enabled for root account.",
        False,
    ),
    (
        "iam_user_mfa_enabled_console_access",
        "FAIL",
        "us-east-1",
        f"arn:aws:iam::{ACCOUNT}:user/alice",
        "alice",
        "User alice has Console Password enabled but MFA disabled.",
        False,
    ),
    (
        "iam_rotate_access_key_90_days",
        "FAIL",
        "us-east-1",
        f"arn:aws:iam::{ACCOUNT}:user/ci-deployer",
        "ci-deployer",
        "User ci-deployer has not rotated access key 1 in over 90 days (212 days).",
        False,
    ),
    (
        "iam_user_accesskey_unused",
        "FAIL",
        "us-east-1",
        f"arn:aws:iam::{ACCOUNT}:user/legacy-reporting",
        "legacy-reporting",
        "User legacy-reporting has not used access key 1 in the last 45 days (120 days).",
        True,
    ),
    (
        "iam_password_policy_minimum_length_14",
        "FAIL",
        "us-east-1",
        f"arn:aws:iam:us-east-1:{ACCOUNT}:password-policy",
        "password_policy",
        "IAM password policy does not require minimum length of 14 characters.",
        False,
    ),
    (
        "accessanalyzer_enabled",
        "PASS",
        "us-east-1",
        f"arn:aws:access-analyzer:us-east-1:{ACCOUNT}:analyzer/ConsoleAnalyzer-example",
        "ConsoleAnalyzer-example",
        "IAM Access Analyzer ConsoleAnalyzer-example is enabled.",
        False,
    ),
    (
        "config_recorder_all_regions_enabled",
        "PASS",
        "us-east-1",
        f"arn:aws:config:us-east-1:{ACCOUNT}:recorder",
        "default",
        "AWS Config recorder default is enabled.",
        False,
    ),
    (
        "s3_bucket_default_encryption",
        "PASS",
        "us-east-1",
        "arn:aws:s3:::amzn-s3-demo-bucket",
        "amzn-s3-demo-bucket",
        "S3 Bucket amzn-s3-demo-bucket has Server Side Encryption with AES256.",
        False,
    ),
]


def build_findings() -> list[Any]:
    """``Finding`` objects with the real check metadata, one per scenario row."""
    from prowler.config.config import prowler_version
    from prowler.lib.check.models import CheckMetadata
    from prowler.lib.outputs.finding import Finding

    bulk = CheckMetadata.get_bulk("aws")
    findings = []
    for index, (check, status, region, uid, name, text, muted) in enumerate(SCENARIO):
        if check not in bulk:
            sys.exit(f"prowler {prowler_version} has no check {check}")
        findings.append(
            Finding(
                auth_method="profile: default",
                timestamp=WHEN,
                account_uid=ACCOUNT,
                account_name="engineering",
                metadata=bulk[check],
                uid=f"prowler-aws-{check}-{ACCOUNT}-{region}-{index:02d}",
                status=status,
                status_extended=text,
                muted=muted,
                resource_uid=uid,
                resource_name=name,
                resource_details="",
                region=region,
                partition="aws",
                compliance={},
            )
        )
    return findings


def main() -> None:
    from prowler.config.config import prowler_version
    from prowler.lib.outputs.ocsf.ocsf import OCSF

    OUT.mkdir(parents=True, exist_ok=True)
    stem = OUT / "prowler-output-123456789012"
    Path(f"{stem}.ocsf.json").unlink(missing_ok=True)  # prowler's writer appends
    writer = OCSF(findings=build_findings(), file_path=str(stem), file_extension=".ocsf.json")
    writer.batch_write_data_to_file()
    path = Path(f"{stem}.ocsf.json")
    data = json.loads(path.read_text(encoding="utf-8"))  # it must be one JSON array
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {path} ({len(data)} findings, prowler {prowler_version})")

    from prowler.lib.check.models import CheckMetadata

    checks = {
        "prowler_version": prowler_version,
        "provider": "aws",
        "checks": {
            check_id: meta.CheckTitle
            for check_id, meta in sorted(CheckMetadata.get_bulk("aws").items())
        },
    }
    index = OUT / "prowler-aws-checks.json"
    index.write_text(json.dumps(checks, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {index} ({len(checks['checks'])} check ids)")


if __name__ == "__main__":
    main()
