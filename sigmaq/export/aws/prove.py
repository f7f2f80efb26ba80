"""Convert every rule to an AWS-native target and prove each query by running it.

``convert_all`` converts rule by rule with one backend (plain rules first, so a
correlation reads its rules' conditions) and keeps every rule's query, including the
base rules a ``generate: false`` correlation silences (they ship no query of their
own, but their condition is part of the correlation's, so it is proven too).
``prove_target`` runs each query through the target's evaluator on the rule's
fixtures and the baseline (``sigmaq.export.proof``): proven / differs / refused.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from sigma.correlations import SigmaCorrelationRule
from sigma.exceptions import SigmaError

from sigmaq.core.layout import ProjectLayout
from sigmaq.core.loader import LoadedRule, load_rules
from sigmaq.core.model import WindowMode
from sigmaq.export.aws.backends import aws_backend
from sigmaq.export.proof import (
    Evaluator,
    ProofReport,
    baseline_case,
    fixture_cases,
    prove_rule,
    refused,
)

log = logging.getLogger(__name__)

# Window mode each target's correlation queries reproduce.
WINDOW_MODE = {
    "athena": WindowMode.SLIDING,
    "cloudtrail_lake": WindowMode.SLIDING,
    "logs_insights": WindowMode.TUMBLING,
}
WINDOW_NOTE = {
    "athena": "sliding windows (window frame), compared with replay's sliding windows",
    "cloudtrail_lake": "sliding windows (window frame), compared with replay's sliding windows",
    "logs_insights": "fixed bin() buckets, compared with replay's tumbling windows",
}


@dataclass(frozen=True)
class RuleQuery:
    """One rule's query for a target, or why it has none.

    ``query``: the query text ('' when refused or failed); ``shipped``: the rule has
    output of its own (False for rules silenced by a ``generate: false`` correlation);
    ``error``: the refusal or failure message; ``failed``: the error was unexpected.
    """

    loaded: LoadedRule
    query: str
    shipped: bool
    error: str = ""
    failed: bool = False


def convert_all(target: str, rule_paths: Sequence[Path | str]) -> list[RuleQuery]:
    """Every rule under ``rule_paths`` converted to ``target`` (load errors excluded)."""
    from sigmaq.export.convert import _classify, _message  # one classification everywhere

    loaded = load_rules(rule_paths)
    backend = aws_backend(target)
    backend.init_processing_pipeline("default")
    order = [r for r in loaded.rules if not r.is_correlation] + [
        r for r in loaded.rules if r.is_correlation
    ]
    results: dict[int, RuleQuery] = {}
    for item in order:
        rule = item.rule
        try:
            if isinstance(rule, SigmaCorrelationRule):
                blocked = [
                    results[id(other)]
                    for other in loaded.rules
                    if any(ref.rule is other.rule for ref in rule.rules or [])
                    and results.get(id(other)) is not None
                    and not results[id(other)].query
                ]
                if blocked:
                    reason = f"referenced rule was not converted: {blocked[0].error}"
                    results[id(item)] = RuleQuery(item, "", False, reason)
                    continue
                outputs = backend.convert_correlation_rule(rule, "default")
            else:
                outputs = backend.convert_rule(rule, "default")
            queries = rule.get_conversion_result()
            text = "\n\n".join(str(q) for q in queries)
            results[id(item)] = RuleQuery(item, text, bool(outputs))
        except (SigmaError, NotImplementedError) as error:
            failed = _classify(error) == "failed"
            results[id(item)] = RuleQuery(item, "", False, _message(error), failed)
        except Exception as error:  # a backend bug must not abort the batch
            log.exception("unexpected error converting %s", item.rule_id)
            results[id(item)] = RuleQuery(item, "", False, f"{type(error).__name__}: {error}", True)
    return [results[id(item)] for item in loaded.rules]


def prove_target(
    target: str,
    layout: ProjectLayout,
    converted: Sequence[RuleQuery],
    evaluator: Evaluator,
    model: str,
    *,
    progress: Callable[[str], None] | None = None,
) -> ProofReport:
    """Each rule's verdict on ``target``: its query run by ``evaluator`` on its fixtures
    and the baseline, compared with replay (in the target's window mode)."""
    report = ProofReport(target, model)
    baseline = baseline_case(layout)
    mode = WINDOW_MODE[target]
    for item in converted:
        loaded = item.loaded
        if not item.query:
            report.proofs.append(refused(loaded, target, item.error or "no query"))
            continue
        note = (
            "" if item.shipped else "no query of its own (generate: false): part of its correlation"
        )
        if loaded.is_correlation:
            note = WINDOW_NOTE[target]
        cases = [*fixture_cases(layout, loaded), baseline]
        report.proofs.append(
            prove_rule(loaded, target, item.query, evaluator, cases, window=mode, note=note)
        )
        if progress is not None:
            progress(loaded.rule_id)
    return report


def evaluator_for(target: str) -> tuple[Evaluator, str, Callable[[], None]]:
    """(evaluator, model description, close) for ``target``."""
    if target in ("athena", "cloudtrail_lake"):
        from sigmaq.export.aws.duck import DuckEvaluator

        duck = DuckEvaluator(target)
        return duck, duck.model, duck.close
    from sigmaq.export.aws.insights_eval import InsightsEvaluator

    insights = InsightsEvaluator()
    return insights, insights.model, lambda: None


def prove(
    target: str, layout: ProjectLayout, rule_paths: Sequence[Path | str] | None = None
) -> tuple[list[RuleQuery], ProofReport]:
    """Convert and prove every rule of the project on ``target``."""
    converted = convert_all(target, rule_paths or [layout.rules_dir])
    evaluator, model, close = evaluator_for(target)
    try:
        return converted, prove_target(target, layout, converted, evaluator, model)
    finally:
        close()
