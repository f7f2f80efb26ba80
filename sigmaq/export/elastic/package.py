"""``sigmaq build`` packager for the Elastic family (targets ``elastic``, ``esql``, ``eql``).

Writes one ``dist/elastic/rules.ndjson`` (one Kibana rule per deployable Sigma rule, in
the rule type ``choose`` picked, ``rule_id`` = Sigma id; plus building-block rules for
base rules worth indexing), ``dist/elastic/PROOF.md`` (every rule's verdict on its
fixtures and the baseline), and, when some rule needs it, sigmaq's custom ingest
pipeline and component template. Per-language query files stay available through
``sigmaq convert``.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from typing import Any

from sigma.correlations import (
    SigmaCorrelationCondition,
    SigmaCorrelationRule,
    SigmaCorrelationType,
)

from sigmaq.core.jsonfmt import canonical_json
from sigmaq.core.loader import LoadedRule, load_rules
from sigmaq.export.dist import DistRequest, TargetBuild, write_text
from sigmaq.export.elastic.choose import Chooser, ElasticQuery, Refusal
from sigmaq.export.elastic.custom_pipeline import component_template_body, pipeline_body
from sigmaq.export.elastic.evaluate import MODEL, evaluate
from sigmaq.export.elastic.kibana import build_rule
from sigmaq.export.proof import (
    ProofCase,
    ProofReport,
    RuleProof,
    Verdict,
    baseline_case,
    fixture_cases,
    prove_rule,
    refused,
    render_proof_markdown,
)

log = logging.getLogger(__name__)

TARGET_OF_LANGUAGE = {"lucene": "elastic", "eql": "eql", "esql": "esql"}
# A base rule of a count correlation is indexed as a building block when the count is
# small: each event of such a burst is worth seeing next to the alert; bigger counts
# (chat volume, URL minting) would flood the alerts index.
BUILDING_BLOCK_MAX_COUNT = 10


def deployable(rules: list[LoadedRule]) -> tuple[list[LoadedRule], list[LoadedRule]]:
    """(deployable rules, base rules): a base rule is referenced by a correlation and not
    ``generate: true``; it alerts through that correlation only."""
    referenced: set[int] = set()
    for loaded in rules:
        rule = loaded.rule
        if isinstance(rule, SigmaCorrelationRule) and not rule.generate:
            referenced.update(id(reference.rule) for reference in rule.rules or [])
    own = [r for r in rules if id(r.rule) not in referenced]
    return own, [r for r in rules if id(r.rule) in referenced]


def building_block_bases(rules: list[LoadedRule]) -> list[LoadedRule]:
    """Base rules worth indexing as building blocks (see ``BUILDING_BLOCK_MAX_COUNT``)."""
    chosen: list[LoadedRule] = []
    for loaded in rules:
        rule = loaded.rule
        if not isinstance(rule, SigmaCorrelationRule) or not isinstance(
            rule.condition, SigmaCorrelationCondition
        ):
            continue
        if rule.type not in (SigmaCorrelationType.EVENT_COUNT, SigmaCorrelationType.VALUE_COUNT):
            continue
        if int(rule.condition.count) > BUILDING_BLOCK_MAX_COUNT:
            continue
        for reference in rule.rules or []:
            base = next((r for r in rules if r.rule is reference.rule), None)
            if base is not None and base not in chosen:
                chosen.append(base)
    return chosen


def package(request: DistRequest) -> list[TargetBuild]:
    """Write ``dist/elastic/`` and return the builds of ``elastic``, ``esql`` and ``eql``.

    Raises ConversionError when a file cannot be written.
    """
    from sigmaq.core.offline import use_vendored_data

    use_vendored_data()
    options = request.options
    loaded = load_rules(request.rule_paths)
    builds = {name: TargetBuild(name) for name in ("elastic", "esql", "eql")}
    for error in loaded.errors:
        builds["elastic"].failed.append((error.rule_id or str(error.path), f"load error: {error}"))
    rules = loaded.rules
    own, bases = deployable(rules)
    chooser = Chooser(rules, options.elastic_index_pattern, options.elastic_custom_pipeline)
    cases = _Cases(request)
    lines: list[dict[str, Any]] = []
    proofs: list[RuleProof] = []
    custom_paths: set[str] = set()
    lower_paths: set[str] = set()
    blocks = {id(b) for b in building_block_bases(rules)}
    for item in own + [b for b in bases if id(b) in blocks]:
        block = item in bases
        choice = chooser.correlation(item) if item.is_correlation else chooser.single(item)
        if isinstance(choice, Refusal):
            if choice.failed and not block:
                builds["elastic"].failed.append((item.rule_id, choice.reason))
            elif not block:
                builds["elastic"].refused.append((item.rule_id, choice.reason))
                proofs.append(refused(item, "elastic", choice.reason))
            continue
        target = TARGET_OF_LANGUAGE[choice.language]
        kind = choice.rule_type + (" (building block)" if block else "")
        if request.layout is not None:
            proof = _prove(item, choice, target, cases, kind)
            if proof.verdict is Verdict.DIFFERS:
                # Never ship a query known to be wrong: refused, with the differing case,
                # in PROOF.md and REFUSED.md.
                reason = f"proof differs, not exported ({kind}): {proof.reason}"
                builds[target].refused.append((item.rule_id, reason))
                proofs.append(refused(item, target, reason))
                continue
            proofs.append(proof)
        read = [item] + [r for r in rules if r.rule_id in choice.base_ids]
        lines.append(
            build_rule(item, choice, options.elastic_index_pattern, read, building_block=block)
        )
        custom_paths.update(choice.custom_paths)
        lower_paths.update(choice.lower_paths)
        builds[target].converted.append(item.rule_id)
        builds[target].rule_types[kind] = builds[target].rule_types.get(kind, 0) + 1
    out = request.out_dir / "elastic"
    text = "".join(json.dumps(line, ensure_ascii=False, sort_keys=True) + "\n" for line in lines)
    files = [write_text(out / "rules.ndjson", text)]
    if custom_paths or lower_paths:
        files.append(
            write_text(
                out / "logs-aws.cloudtrail@custom.pipeline.json",
                canonical_json(pipeline_body(custom_paths, lower_paths)),
            )
        )
        files.append(
            write_text(
                out / "logs-aws.cloudtrail@custom.component_template.json",
                canonical_json(component_template_body(custom_paths, lower_paths)),
            )
        )
    if request.layout is not None:
        report = ProofReport("elastic", MODEL, proofs)
        files.append(write_text(out / "PROOF.md", proof_markdown(report, lines)))
        for name, build in builds.items():
            build.proof = ProofReport(name, MODEL, [p for p in proofs if p.target == name])
    builds["elastic"].files.extend(files)
    return list(builds.values())


class _Cases:
    """Proof cases, each file read once per build; the baseline once."""

    def __init__(self, request: DistRequest) -> None:
        self.layout = request.layout
        self._baseline: ProofCase | None = None

    def of(self, loaded: LoadedRule) -> list[ProofCase]:
        assert self.layout is not None
        if self._baseline is None:
            self._baseline = baseline_case(self.layout)
        return [*fixture_cases(self.layout, loaded), self._baseline]


def _prove(
    loaded: LoadedRule, choice: ElasticQuery, target: str, cases: _Cases, kind: str
) -> RuleProof:
    try:
        proof_cases = cases.of(loaded)
    except ValueError as error:
        return RuleProof(
            loaded.rule_id, str(loaded.rule.title), target, Verdict.DIFFERS, str(error)
        )
    return prove_rule(
        loaded,
        target,
        choice,
        _evaluate,
        proof_cases,
        note=f"{kind}: {choice.reason}",
    )


def _evaluate(choice: ElasticQuery, case: ProofCase) -> Any:
    return evaluate(choice, case)


def proof_markdown(report: ProofReport, lines: list[dict[str, Any]]) -> str:
    """``PROOF.md``: counts per rule type, then the harness's table of every rule."""
    types = Counter(
        line["type"] + (" (building block)" if line.get("building_block_type") else "")
        for line in lines
    )
    intro = (
        "Every rule of `rules.ndjson` run over the ECS document of each of its fixture "
        "records and of the whole baseline, by models of Elasticsearch and Kibana "
        "(not the products), and compared with sigmaq's replay and the fixture labels. "
        "Rules the Elastic targets cannot express are listed as refused, with the reason.\n\n"
        "Kibana rules by type: "
        + ", ".join(f"{name} {count}" for name, count in sorted(types.items()))
        + "."
    )
    return render_proof_markdown(report, title="Elastic rules: proof", intro=intro)
