"""The proof harness: verdicts from replay's answer and the fixture labels."""

from __future__ import annotations

from pathlib import Path

import pytest

from sigmaq.core.layout import ProjectLayout
from sigmaq.core.loader import LoadedRule, load_rules
from sigmaq.export.proof import (
    Outcome,
    ProofCase,
    ProofReport,
    Verdict,
    baseline_case,
    fixture_cases,
    prove_rule,
    render_proof_markdown,
    replay_outcome,
)

ROOT = Path(__file__).resolve().parents[2]
LAYOUT = ProjectLayout(ROOT)
SINGLE = "aws_cloudtrail_q_business_application_created_with_anonymous_access"
CORRELATION = "aws_cloudtrail_q_business_resources_of_several_applications_deleted"


def _rule(stem: str) -> LoadedRule:
    path = next(LAYOUT.rules_dir.rglob(f"{stem}.yml"))
    result = load_rules([LAYOUT.rules_dir])
    return next(r for r in result.rules if r.path == path and not _is_referenced(r, result.rules))


def _is_referenced(loaded: LoadedRule, rules: list[LoadedRule]) -> bool:
    for other in rules:
        if other.path == loaded.path and other.is_correlation and other is not loaded:
            refs = [ref.rule for ref in other.rule.rules or []]  # type: ignore[union-attr]
            if loaded.rule in refs:
                return True
    return False


def _replaying(loaded: LoadedRule):  # an evaluator that agrees with replay by construction
    return lambda query, case: replay_outcome(loaded, case)


def test_single_event_outcome_names_matching_positions() -> None:
    loaded = _rule(SINGLE)
    cases = fixture_cases(LAYOUT, loaded)
    assert {c.expect for c in cases} == {True, False}
    for case in cases:
        outcome = replay_outcome(loaded, case)
        assert outcome.fired == case.expect, case.label
        assert all(0 <= p < len(case.records) for p in outcome.records)
        assert outcome.groups is None


def test_correlation_outcome_names_groups() -> None:
    loaded = _rule(CORRELATION)
    assert loaded.is_correlation
    positive = next(c for c in fixture_cases(LAYOUT, loaded) if c.expect)
    outcome = replay_outcome(loaded, positive)
    assert outcome.fired and outcome.groups
    width = len(loaded.rule.group_by or ())  # type: ignore[union-attr]
    assert all(len(group) == width for group in outcome.groups)


def test_agreeing_evaluator_is_proven_and_silent_one_differs() -> None:
    loaded = _rule(SINGLE)
    cases = [*fixture_cases(LAYOUT, loaded), baseline_case(LAYOUT)]
    proof = prove_rule(loaded, "model", None, _replaying(loaded), cases)
    assert proof.verdict is Verdict.PROVEN, proof.reason
    silent = prove_rule(loaded, "model", None, lambda q, c: Outcome(False), cases)
    assert silent.verdict is Verdict.DIFFERS
    assert "does not fire on a positive fixture" in silent.reason


def test_flipped_label_changes_the_verdict() -> None:
    loaded = _rule(SINGLE)
    cases = fixture_cases(LAYOUT, loaded)
    flipped = [ProofCase(c.label, c.records, not c.expect) if c.expect else c for c in cases]
    proof = prove_rule(loaded, "model", None, _replaying(loaded), flipped)
    assert proof.verdict is Verdict.DIFFERS
    assert "fires on a negative fixture" in proof.reason


def test_extra_record_is_named() -> None:
    loaded = _rule(SINGLE)
    negative = next(c for c in fixture_cases(LAYOUT, loaded) if c.expect is False)
    unlabelled = ProofCase(negative.label, negative.records, None)
    proof = prove_rule(
        loaded, "model", None, lambda q, c: Outcome(True, frozenset({0})), [unlabelled]
    )
    assert proof.verdict is Verdict.DIFFERS
    assert "also matches records #0" in proof.reason


def test_evaluator_error_is_never_proven() -> None:
    loaded = _rule(SINGLE)

    def broken(query: object, case: ProofCase) -> Outcome:
        raise ValueError("unsupported command")

    proof = prove_rule(loaded, "model", None, broken, fixture_cases(LAYOUT, loaded))
    assert proof.verdict is Verdict.DIFFERS
    assert "unsupported command" in proof.reason


@pytest.mark.parametrize("verdict", list(Verdict))
def test_markdown_counts(verdict: Verdict) -> None:
    loaded = _rule(SINGLE)
    report = ProofReport("t", "a model")
    if verdict is Verdict.REFUSED:
        from sigmaq.export.proof import refused

        report.proofs.append(refused(loaded, "t", "a | reason"))
    else:
        report.proofs.append(
            prove_rule(
                loaded,
                "t",
                None,
                _replaying(loaded) if verdict is Verdict.PROVEN else (lambda q, c: Outcome(False)),
                fixture_cases(LAYOUT, loaded),
            )
        )
    text = render_proof_markdown(report, title="Proof", intro="intro")
    assert f"1 {verdict}" in text
    assert f"| {verdict} |" in text
    if verdict is Verdict.REFUSED:
        assert "a \\| reason" in text
