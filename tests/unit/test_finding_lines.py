"""A finding about a value names the line of that value (not its key, nor ``detection:``).

Another team's CloudTrail rules (SigmaHQ style) list eventNames under one key and put
selections in lists of maps: three wrong names under one ``eventName:`` were all reported
on the key's line, and a wrong name inside ``filter: [{eventSource: ...}, {eventName:
...}]`` on the line of ``detection:``. GitHub code scanning annotates the line SARIF
names, so each finding must point at its own value.
"""

from __future__ import annotations

from pathlib import Path

from sigmaq.core.yaml_source import read_yaml_documents
from sigmaq.validate.runner import validate_paths

RULE = """\
title: Bucket Settings Tampering
id: 7e9f3f61-4a3b-4b8e-9d7e-0c5b1f2a3d4e
status: test
description: Third-party style rule with list values and a list-of-maps filter.
author: Another Team
date: 2024-01-01
logsource:
    product: aws
    service: cloudtrail
detection:
    selection:
        eventSource: s3.amazonaws.com
        eventName:
            - PutBucketLogging
            - PutBucketWebsit
            - PutBucketPolicy
            - PutBucketVersionin
    filter_main:
        - userIdentity.type: 'AWSService'
        - eventName: 'PutBucketPolcy'
    filter_agent:
        userIdentity.type: assumedrole
    condition: selection and not 1 of filter_*
level: low
"""


def _line(text: str) -> int:
    return next(n for n, line in enumerate(RULE.splitlines(), 1) if text in line)


def test_each_value_finding_names_the_line_of_its_value(tmp_path: Path) -> None:
    rule = tmp_path / "rules" / "bucket.yml"
    rule.parent.mkdir()
    rule.write_text(RULE, encoding="utf-8")
    report = validate_paths([rule], profile="cloudtrail")
    found = {
        (f.validator, f.line)
        for f in report.findings
        if f.validator in ("sigmaq_catalog_values", "sigmaq_enum_case")
    }
    assert found == {
        ("sigmaq_catalog_values", _line("- PutBucketWebsit")),
        ("sigmaq_catalog_values", _line("- PutBucketVersionin")),
        ("sigmaq_catalog_values", _line("'PutBucketPolcy'")),
        ("sigmaq_enum_case", _line("assumedrole")),
    }, sorted(f"{f.line}: {f.validator}: {f.message}" for f in report.findings)


def test_yaml_document_records_the_line_of_each_scalar_value() -> None:
    document = read_yaml_documents(RULE)[0]
    assert document.value_lines[("detection.selection.eventName", "PutBucketWebsit")] == _line(
        "- PutBucketWebsit"
    )
    assert document.value_lines[("detection.filter_main.eventName", "PutBucketPolcy")] == _line(
        "'PutBucketPolcy'"
    )
    assert document.value_lines[("title", "Bucket Settings Tampering")] == 1
