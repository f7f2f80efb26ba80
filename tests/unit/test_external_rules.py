"""Third-party SigmaHQ AWS CloudTrail rules: load, reject legacy syntax cleanly, never crash."""

from __future__ import annotations

from pathlib import Path

import pytest

from sigmaq.validate.runner import validate_paths

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
SIGMAHQ = SHARED / "data" / "external" / "sigmahq-sigma"

pytestmark = pytest.mark.skipif(
    not SIGMAHQ.is_dir(), reason=f"third-party rules not present at {SIGMAHQ}"
)


def test_sigmahq_aws_rules_validate_without_crash() -> None:
    report = validate_paths([SIGMAHQ], project_root=None)
    load_errors = [f for f in report.findings if f.validator == "load"]
    # The 'unsupported/' folder holds the legacy count() rules: each rejected with its line.
    assert load_errors, "legacy count() rules must be reported"
    for finding in load_errors:
        assert "/unsupported/" in (finding.path or ""), finding
        assert finding.line is not None and finding.line > 1
        assert "pipe syntax" in finding.message
    assert report.rules >= 55
    # Pack conventions (file name, sigmaq: metadata) cannot hold for third-party rules;
    # the content checks (catalogue, fields, scoping, data events) can.
    content = (
        "sigmaq_catalog_values",
        "sigmaq_field_path",
        "sigmaq_event_source_constrained",
        "sigmaq_logsource",
        "sigmaq_data_events",
    )
    flagged = {f.path for f in report.findings if f.validator in content}
    per_validator = {
        name: len({f.path for f in report.findings if f.validator == name}) for name in content
    }
    print(
        f"SigmaHQ AWS rules: {report.files} files, {report.rules} loaded, {len(load_errors)} "
        f"rejected (legacy); {report.rules - len(flagged)} pass the house content validators; "
        f"rules flagged per validator: {per_validator}"
    )
    catalog = [f for f in report.findings if f.validator == "sigmaq_catalog_values"]
    # Real SigmaHQ rules use real API names: catalogue findings are rare, not the norm.
    assert len(catalog) < report.rules // 4, [f.message for f in catalog]
