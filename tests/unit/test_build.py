"""``sigmaq build`` on a tiny project: every stage runs, dist/ is written, failures fail it."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from rulebuilder import write_rule

from sigmaq.cli import main
from sigmaq.pack.build import run_build

RECORD = {
    "eventVersion": "1.11",
    "userIdentity": {
        "type": "AssumedRole",
        "principalId": "AROAIDPPEZS35WEXAMPLE:admin@example.com",
        "arn": "arn:aws:sts::123456789012:assumed-role/Admin/admin@example.com",
        "accountId": "123456789012",
        "sessionContext": {
            "sessionIssuer": {
                "type": "Role",
                "principalId": "AROAIDPPEZS35WEXAMPLE",
                "arn": "arn:aws:iam::123456789012:role/Admin",
                "accountId": "123456789012",
                "userName": "Admin",
            },
            "attributes": {"creationDate": "2026-11-24T09:00:00Z", "mfaAuthenticated": "false"},
        },
    },
    "eventTime": "2026-11-24T10:00:00Z",
    "eventSource": "qbusiness.amazonaws.com",
    "eventName": "CreateApplication",
    "awsRegion": "us-east-1",
    "sourceIPAddress": "198.51.100.10",
    "userAgent": "aws-cli/2.27.50",
    "requestParameters": {"displayName": "faq", "identityType": "ANONYMOUS"},
    "responseElements": {"applicationId": "a1b2c3d4-5678-90ab-cdef-EXAMPLE11111"},
    "requestID": "0c1f8d4e-1111-4a5b-9c3d-000000000001",
    "eventID": "0c1f8d4e-2222-4a5b-9c3d-000000000001",
    "readOnly": False,
    "eventType": "AwsApiCall",
    "managementEvent": True,
    "recipientAccountId": "123456789012",
    "eventCategory": "Management",
}


def _variant(**changes: object) -> dict[str, object]:
    record = json.loads(json.dumps(RECORD))
    for key, value in changes.items():
        record[key] = value
    return record


@pytest.fixture()
def project(tmp_path: Path) -> Iterator[Path]:
    rule = write_rule(tmp_path / "rules" / "q_business")
    fixtures = tmp_path / "fixtures" / "q_business" / rule.stem
    fixtures.mkdir(parents=True)
    cases = {
        "pos_anonymous.json": RECORD,
        "neg_iam_identity.json": _variant(
            requestParameters={"displayName": "faq", "identityType": "AWS_IAM_IDC"}
        ),
        "neg_sibling_event.json": _variant(
            eventName="UpdateApplication", requestParameters={"displayName": "faq"}
        ),
    }
    for name, record in cases.items():
        (fixtures / name).write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    (tmp_path / "fixtures" / "_baseline").mkdir()
    cwd = Path.cwd()
    os.chdir(tmp_path)
    try:
        yield tmp_path
    finally:
        os.chdir(cwd)


def test_build_writes_dist_for_every_target(project: Path) -> None:
    outcome = run_build(project)
    names = [stage.name for stage in outcome.stages]
    assert names == ["validate", "test", "coverage", "golden", "real-data", "convert", "prove"]
    # no sigmaq.yml: cloudtrail profile, no golden folder, no judgements file
    assert [s.name for s in outcome.stages if s.skipped] == ["coverage", "golden", "real-data"]
    assert outcome.ok, [stage for stage in outcome.stages if not stage.ok]
    assert outcome.validation is not None and outcome.validation.fixtures == 3
    assert outcome.stages[-1].summary == (
        "athena: 1 proven, 0 differs, 0 refused; cloudtrail_lake: 1 proven, 0 differs, "
        "0 refused; elastic: 1 proven, 0 differs, 0 refused; logs_insights: 1 proven, "
        "0 differs, 0 refused; splunk: 1 proven, 0 differs, 0 refused"
    )
    app = project / "dist" / "splunk" / "sigmaq_amazon_q"
    conf = (app / "default" / "savedsearches.conf").read_text(encoding="utf-8")
    stanzas = [line for line in conf.splitlines() if line.startswith("[")]
    assert stanzas == ["[sigmaq - Q Business Application Created With Anonymous Access - Rule]"]
    assert (project / "dist" / "splunk" / "sigmaq_amazon_q.tgz").is_file()
    assert "1 proven" in (project / "dist" / "splunk" / "PROOF.md").read_text(encoding="utf-8")
    assert 'requestParameters.identityType="ANONYMOUS"' in conf
    lines = (project / "dist" / "elastic" / "rules.ndjson").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1
    kibana_rule = json.loads(lines[0])
    assert "aws.cloudtrail.flattened.request_parameters.identityType" in kibana_rule["query"]


def test_build_cli_fails_when_a_fixture_expectation_is_wrong(project: Path) -> None:
    folder = next((project / "fixtures" / "q_business").iterdir())
    (folder / "neg_iam_identity.json").rename(folder / "pos_iam_identity.json")
    result = CliRunner().invoke(main, ["build"])
    assert result.exit_code == 1
    assert "FAILED" in result.stderr
    assert (project / "dist" / "splunk" / "sigmaq_amazon_q.tgz").is_file()


def test_build_outside_a_project_without_an_installed_pack_is_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """(With a pack installed, build builds it: tests/unit/test_packaging.py.)"""
    import sigmaq.cli.common

    monkeypatch.setattr(sigmaq.cli.common, "bundled_pack_root", lambda: None)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["build"])
    assert result.exit_code == 2
    assert "no sigmaq project" in result.output


def test_refusals_are_grouped_by_kind_and_listed_in_full(tmp_path: Path) -> None:
    from sigmaq.export.dist import build_dist
    from sigmaq.pack.build import REFUSALS_FILE, refusal_kind

    message = (
        "rule 'Burst' (1ebd4e56-2830-4000-b25f-f27ce13e9073): Lucene query strings have no "
        "correlations; use the esql target (or splunk)"
    )
    assert refusal_kind(message) == "the query language has no correlations"
    assert refusal_kind("rule 'X' (id): something new") == "something new"

    from sigmaq.pack.build import write_refusals

    root = Path(__file__).resolve().parents[2]
    from sigmaq.export.targets import TargetOptions

    # Without sigmaq's custom ingest pipeline, rules on dropped fields are refused.
    options = TargetOptions(elastic_custom_pipeline=False)
    report = build_dist([root / "rules"], tmp_path / "dist", options, targets=["elastic"])
    refused = report.targets["elastic"].refused
    assert refused, "the pack has rules Elastic cannot express without the custom pipeline"
    write_refusals(report, tmp_path / "dist" / REFUSALS_FILE)
    rows = [
        line
        for line in (tmp_path / "dist" / REFUSALS_FILE).read_text(encoding="utf-8").splitlines()
        if line.startswith("| elastic |")
    ]
    assert len(rows) == len(refused)


def test_failed_prove_stage_names_its_fix() -> None:
    """A query that differs from replay fails `prove`, and the stage says what to do."""
    from sigmaq.export.proof import ProofReport, RuleProof, Verdict
    from sigmaq.pack.build import prove_stage

    def report(verdict: Verdict) -> ProofReport:
        return ProofReport("splunk", "model", [RuleProof("r1", "Rule", "splunk", verdict)])

    good = prove_stage({"splunk": report(Verdict.PROVEN)})
    bad = prove_stage({"splunk": report(Verdict.DIFFERS)})
    assert good.ok and not bad.ok
    assert bad.summary == "splunk: 0 proven, 1 differs, 0 refused"
    assert "PROOF.md" in bad.fix and "sigmaq test -k" in bad.fix
