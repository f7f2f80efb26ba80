"""The pack over real, public CloudTrail data (``sigmaq.pack.real_data``, build stage
``real-data``): the same run and the same checks, one test per kind of problem, and
the issue's acceptance check through the CLI.

* every source is read through hunt's readers, every Panther test case (461 lines) and
  every Elastic pipeline input accounted for, the malformed lines exactly the listed ones;
* every record validates against the record schema, except the listed hand-edited samples;
* no alerting Amazon Q rule matches a record unrelated to Amazon Q;
* every alerting match has a judgement naming the finding's records, every rule at
  ``medium`` or above is judged a true positive, and the file is current;
* ``sigmaq hunt --min-level medium`` over every folder of the data raises only findings
  judged true positive, run through the CLI and equal to what the build stage finds.

Skipped when the data folder is absent (by default ``../shared/data/external`` beside
the repository; ``SIGMAQ_REAL_DATA`` points elsewhere). ``sigmaq update`` rewrites
``docs/real-data-judgements.yml`` after a change.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sigmaq.pack.real_data import (
    PROBLEM_KINDS,
    Run,
    data_folder,
    hits_from_hunt_json,
    hunt_problems,
    is_q_related,
    real_data_problems,
    run_real_data,
)
from sigmaq.pack.real_data_sources import EXPECTED_MALFORMED, SCHEMA_EXCEPTIONS

ROOT = Path(__file__).resolve().parents[2]
DATA = data_folder(ROOT)

pytestmark = [
    pytest.mark.external,
    pytest.mark.skipif(not DATA.is_dir(), reason=f"shared real data absent: {DATA}"),
]


def test_q_marker_classification() -> None:
    """The classifier itself, on the shapes it must tell apart."""
    assert is_q_related({"eventSource": "qbusiness.amazonaws.com"})
    assert is_q_related({"eventSource": "qconnect.amazonaws.com"})
    assert is_q_related(
        {"eventSource": "s3.amazonaws.com", "userIdentity": {"invokedBy": "q.amazonaws.com"}}
    )
    assert is_q_related(
        {
            "eventSource": "ec2.amazonaws.com",
            "userAgent": "aws-cli/2 exec-env/AmazonQ-For-CLI-Version-1.12.4",
        }
    )
    assert is_q_related(
        {
            "eventSource": "iam.amazonaws.com",
            "requestParameters": {
                "assumeRolePolicyDocument": '{"Service":"qbusiness.amazonaws.com"}'
            },
        }
    )
    assert not is_q_related({"eventSource": "mq.amazonaws.com", "userAgent": "mq.amazonaws.com"})
    assert not is_q_related({"eventSource": "sqs.amazonaws.com", "eventName": "SendMessage"})
    assert not is_q_related(
        {"eventSource": "s3.amazonaws.com", "requestParameters": {"bucketName": "faq-bucket"}}
    )


@pytest.fixture(scope="module")
def run() -> Run:
    return run_real_data(ROOT, DATA)


@pytest.fixture(scope="module")
def problems(run: Run) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for problem in real_data_problems(ROOT, run):
        out.setdefault(problem.kind, []).append(problem.message)
    return out


def test_real_data_is_read_without_loss(run: Run, problems: dict[str, list[str]]) -> None:
    assert sum(run.records.values()) > 4000, dict(run.records)
    assert problems.get("read", []) == []
    assert run.malformed_lines == set(EXPECTED_MALFORMED), run.problems[:10]
    assert run.unreadable == 0


def test_every_panther_test_case_is_read(run: Run) -> None:
    """All 461 Panther test logs reach the rules or are accounted for (no eventName,
    or a lower-cased record listed in EXPECTED_MALFORMED)."""
    source = "panther-analysis"
    assert run.lines_by_source[source] == 461
    accounted = run.records[source] + run.skipped_by_source[source]
    assert accounted + run.malformed_by_source[source] == 461
    assert run.records[source] >= 450
    assert run.malformed_by_source[source] == len(EXPECTED_MALFORMED)


def test_elastic_pipeline_inputs_are_read(run: Run) -> None:
    """Every raw record of the Elastic pipeline tests: 8 API calls, 1 digest skipped."""
    assert run.records["elastic-integrations-aws-cloudtrail"] == 8
    assert run.skipped_by_source["elastic-integrations-aws-cloudtrail"] == 1


def test_every_rule_replays(problems: dict[str, list[str]]) -> None:
    assert problems.get("replay", []) == []


def test_real_records_validate_against_schema(run: Run, problems: dict[str, list[str]]) -> None:
    assert problems.get("schema", []) == []
    assert run.schema_checked > 3700
    assert set(SCHEMA_EXCEPTIONS) <= set(run.schema_failures)


def _pack_components() -> list[tuple[str, str]]:
    from sigmaq.core.loader import load_rules

    try:
        rules = load_rules([ROOT / "rules"]).rules
    except Exception:  # the loader has its own tests; collection must not die here
        return []
    return sorted((loaded.path.stem, loaded.path.parent.name) for loaded in rules)


@pytest.mark.parametrize(
    ("rule", "component"),
    [p for p in _pack_components() if p[1] != "containment"],
    ids=lambda value: str(value),
)
def test_q_rule_matches_only_q_related_records(
    problems: dict[str, list[str]], rule: str, component: str
) -> None:
    wrong = [text for text in problems.get("q-only", []) if text.startswith(f"{rule} ")]
    assert not wrong, wrong[:10]


def test_every_match_is_judged(problems: dict[str, list[str]]) -> None:
    assert problems.get("unjudged", []) == []


def test_medium_or_above_matches_are_true_positives(
    run: Run, problems: dict[str, list[str]]
) -> None:
    assert problems.get("not-true-positive", []) == []
    assert any(m.level in ("medium", "high") for m in run.matches.values())


def test_judgements_are_current(problems: dict[str, list[str]]) -> None:
    assert problems.get("stale-judgement", []) == []
    assert problems.get("stale-summary", []) == []


def test_acceptance_hunt_of_the_build_stage(run: Run, problems: dict[str, list[str]]) -> None:
    assert set(run.hunt) == {p.name for p in DATA.iterdir() if p.is_dir()}
    assert problems.get("hunt", []) == []


def test_every_problem_kind_is_tested(problems: dict[str, list[str]]) -> None:
    """No check of the build stage escapes the tests above."""
    assert set(problems) <= set(PROBLEM_KINDS)


def _data_folders() -> list[Path]:
    return sorted(p for p in DATA.iterdir() if p.is_dir()) if DATA.is_dir() else []


@pytest.mark.parametrize("folder", _data_folders(), ids=lambda p: p.name)
def test_cli_hunt_at_medium_raises_only_judged_true_positives(run: Run, folder: Path) -> None:
    """The acceptance check as a responder runs it: ``sigmaq hunt --min-level medium``;
    its findings are the build stage's, and each is judged a true positive."""
    from click.testing import CliRunner

    from sigmaq.cli import main

    result = CliRunner().invoke(
        main,
        [
            "hunt",
            str(folder),
            "--rules",
            str(ROOT / "rules"),
            "--min-level",
            "medium",
            "--format",
            "json",
            "-j",
            "1",
        ],
    )
    assert result.exit_code in (0, 1), result.output[-2000:]
    hits = hits_from_hunt_json(ROOT, json.loads(result.stdout)["findings"])
    assert hits == run.hunt[folder.name]
    assert hunt_problems(ROOT, folder.name, hits) == []
