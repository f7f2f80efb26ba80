"""The pack over real, public CloudTrail data (``sigmaq.pack.real_data``, build stage
``real-data``): the same run and the same checks, one test per kind of problem.

Skipped when the data folder is absent (by default ``../shared/data/external`` beside
the repository; ``SIGMAQ_REAL_DATA`` points elsewhere). ``sigmaq update`` rewrites
``docs/real-data-judgements.yml`` after a change.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from sigmaq.pack.real_data import (
    SCHEMA_EXCEPTIONS,
    Run,
    data_folder,
    is_q_related,
    real_data_problems,
    run_real_data,
)

ROOT = Path(__file__).resolve().parents[2]
DATA = data_folder(ROOT)

pytestmark = [
    pytest.mark.external,
    pytest.mark.skipif(not DATA.is_dir(), reason=f"shared real data absent: {DATA}"),
]


def test_q_marker_classification() -> None:
    """The classifier itself, on the shapes it must tell apart."""
    assert is_q_related({"eventSource": "qbusiness.amazonaws.com"})
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


def _problems(run: Run, kind: str) -> list[str]:
    return [p.message for p in real_data_problems(ROOT, run) if p.kind == kind]


def test_real_data_is_read_without_loss(run: Run) -> None:
    assert sum(run.records.values()) > 3000, dict(run.records)
    assert _problems(run, "read") == []


def test_every_rule_replays(run: Run) -> None:
    assert _problems(run, "replay") == []


def test_real_records_validate_against_schema(run: Run) -> None:
    assert _problems(run, "schema") == []
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
def test_q_rule_matches_only_q_related_records(run: Run, rule: str, component: str) -> None:
    wrong = [text for text in _problems(run, "q-only") if text.startswith(f"{rule} ")]
    assert not wrong, wrong[:10]


def test_every_match_is_judged(run: Run) -> None:
    assert _problems(run, "unjudged") == []


def test_judgements_are_current(run: Run) -> None:
    assert _problems(run, "stale-judgement") == []
    assert _problems(run, "stale-summary") == []


def test_every_problem_kind_is_tested(run: Run) -> None:
    """No check of the build stage escapes the tests above."""
    kinds = {p.kind for p in real_data_problems(ROOT, run)}
    assert kinds <= {
        "read",
        "replay",
        "schema",
        "q-only",
        "unjudged",
        "stale-judgement",
        "stale-summary",
    }
