"""The ``splunk`` packager of ``sigmaq build``: the app, its ``.tgz``, and ``PROOF.md``.

Writes ``dist/splunk/sigmaq_amazon_q/``, ``dist/splunk/sigmaq_amazon_q.tgz``,
``dist/splunk/searches.spl`` (plain SPL for ad-hoc use) and ``dist/splunk/PROOF.md``.
Every saved search is then run, as written in the app (macros expanded from the app's
own ``macros.conf``), by the SPL model (``spl_eval``) over its rule's fixtures and the
baseline, and compared with the replay (``sigmaq.export.proof``). A search that differs
stays in the app (disabled, as every search) but is marked: its ``description`` starts
with ``NOT PROVEN`` and the difference, and ``PROOF.md`` lists it (the build's prove
stage fails until it is fixed).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from sigmaq.core.loader import LoadedRule, load_rules
from sigmaq.core.model import WindowMode
from sigmaq.export.convert import CONVERTED, REFUSED, ConversionResult, RuleOutcome, convert_rules
from sigmaq.export.dist import DistRequest, TargetBuild, write_text
from sigmaq.export.proof import (
    Outcome,
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
from sigmaq.export.splunk.app import TuningMacro, read_conf, source_macro_definition, write_app
from sigmaq.export.splunk.backend import group_fields
from sigmaq.export.splunk.events import EXTRACTION_CUTOFF, ORIGIN, Row, raw_length, splunk_event
from sigmaq.export.splunk.schedule import Schedule
from sigmaq.export.splunk.settings import SOURCE_MACRO, filter_macro, render_stanza, stanza_name
from sigmaq.export.splunk.spl_eval import run_query
from sigmaq.export.splunk.spl_parser import Query, parse_query

log = logging.getLogger(__name__)

TARGET = "splunk"
MODEL = (
    "sigmaq.export.splunk.spl_eval, a test-grade model of Splunk search (not Splunk) for the "
    "SPL sigmaq emits, over CloudTrail records shaped as the Splunk Add-on for AWS "
    "indexes them (KV_MODE=json, errorCode=success calculated field); single-event searches "
    "run as their scheduled runs would (sigmaq.export.splunk.schedule, a model of the "
    "scheduler) with each record indexed late by a lateness from PROOF_LATENESS_SECONDS"
)
# Lateness (``_indextime - _time``, seconds) the proof gives the record at position p:
# PROOF_LATENESS_SECONDS[p % 7]. Fixtures have no index time; these cover on time, the
# documented ~5 minutes, 26 minutes (past any run of the old 25-to-15-minute event-time
# slice), 47 minutes, hours, and days (< 7 days).
PROOF_LATENESS_SECONDS = (0, 240, 1560, 2820, 10800, 172800, 518400)


class ReadTwice(Exception):
    """A scheduled search matched one event in two runs (it would alert twice)."""


@dataclass(frozen=True)
class SplunkSearch:
    """A saved search as the model runs it: parsed text and the fields naming a group."""

    search: str
    query: Query
    group_fields: tuple[str, ...] | None  # None: a single-event rule
    schedule: Schedule | None = None  # runs modelled (single-event rules) when set


def scheduled_matches(
    query: Query, events: list[Row], schedule: Schedule, lateness: tuple[int, ...]
) -> frozenset[int]:
    """Origins of the events ``query`` matches over every run of ``schedule``.

    Event ``k`` of ``events`` is indexed ``lateness[k % len(lateness)]`` seconds after
    its ``_time``; each run reads the events its ranges select (``Schedule.runs_reading``)
    and the query runs on those alone. Raises ReadTwice when two runs match one event
    (two alerts), ValueError when the schedule is not modelled.
    """
    runs: dict[int, list[Row]] = {}
    for number, event in enumerate(events):
        moment = event.get("_time")
        event_time = float(moment) if moment is not None else 0.0
        index_time = event_time + lateness[number % len(lateness)]
        for run in schedule.runs_reading(event_time, index_time):
            runs.setdefault(run, []).append(event)
    found: dict[int, int] = {}
    for run in sorted(runs):
        for row in run_query(query, runs[run]):
            if ORIGIN not in row:
                continue
            origin = int(row[ORIGIN])
            if origin in found and found[origin] != run:
                raise ReadTwice(
                    f"record {origin} matched by the runs at {found[origin]} and {run} "
                    "(epoch seconds): alerted twice"
                )
            found[origin] = run
    return frozenset(found)


def splunk_evaluator(index: str | None) -> Callable[[Any, ProofCase], Outcome]:
    """The proof evaluator: ``SplunkSearch`` × case -> Outcome (events cached per case)."""
    # id(case) -> (case, events); the case is kept so its id is never reused meanwhile.
    cache: dict[int, tuple[ProofCase, list[Row]]] = {}
    event_index = index or "main"

    def evaluate(search: Any, case: ProofCase) -> Outcome:
        assert isinstance(search, SplunkSearch)
        cached = cache.get(id(case))
        if cached is not None and cached[0] is case:
            events = cached[1]
        else:
            events = [
                splunk_event(record, position, index=event_index)
                for position, record in enumerate(case.records)
            ]
            cache[id(case)] = (case, events)
        if search.group_fields is None:
            if search.schedule is not None:
                positions = scheduled_matches(
                    search.query, events, search.schedule, PROOF_LATENESS_SECONDS
                )
                return Outcome(bool(positions), records=positions)
            rows = run_query(search.query, events)
            positions = frozenset(int(row[ORIGIN]) for row in rows if ORIGIN in row)
            return Outcome(bool(rows), records=positions)
        rows = run_query(search.query, events)
        groups = frozenset(
            tuple(_group_value(row.get(name)) for name in search.group_fields) for row in rows
        )
        return Outcome(bool(rows), groups=groups)

    return evaluate


def _group_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, list):
        return str(value[0])
    return str(value)


def package_splunk(request: DistRequest) -> list[TargetBuild]:
    """Write the Splunk app and its proof under ``request.out_dir / "splunk"``.

    Raises ConversionError when the output cannot be written.
    """
    out = request.out_dir / TARGET
    build = TargetBuild(TARGET)
    options = request.options
    app_options = replace(options, splunk_macro=options.splunk_macro or SOURCE_MACRO)
    saved = convert_rules(request.rule_paths, TARGET, "savedsearches", app_options)
    plain = convert_rules(request.rule_paths, TARGET, "default", options)
    if plain.text:
        build.files.append(write_text(out / "searches.spl", plain.text))
    macro_name = app_options.splunk_macro or SOURCE_MACRO
    loaded = {item.rule_id: item for item in load_rules(list(request.rule_paths)).rules}
    exported = [o for o in saved.outcomes if o.status == CONVERTED and o.outputs]
    macros = {macro_name: source_macro_definition(options.splunk_index)}
    macros.update({filter_macro(loaded[o.rule_id].rule): "search *" for o in exported})

    report = ProofReport(TARGET, MODEL)
    differing: dict[str, str] = {}
    if request.layout is not None:
        report, differing = _prove(request, saved, loaded, macros)
    kept = exported
    text = _savedsearches_text(saved, kept, differing)
    tuning = [
        TuningMacro(filter_macro(loaded[o.rule_id].rule), str(loaded[o.rule_id].rule.title))
        for o in kept
    ]
    folder, archive = write_app(
        out,
        savedsearches=text,
        index=options.splunk_index if macro_name == SOURCE_MACRO else None,
        macros=tuning,
    )
    build.files.extend([folder, archive])
    _classify(build, saved)
    if request.layout is not None:
        build.proof = report
        build.files.append(write_text(out / "PROOF.md", _proof_markdown(report, request)))
    return [build]


def _savedsearches_text(
    saved: ConversionResult, kept: list[RuleOutcome], differing: dict[str, str]
) -> str:
    header = saved.text.split("\n[", 1)[0].rstrip("\n")
    stanzas = []
    for outcome in kept:
        for output in outcome.outputs:
            text = str(output)
            if outcome.rule_id in differing:
                text = "\n" + mark_not_proven(text, differing[outcome.rule_id])
            stanzas.append(text)
    return header + "\n" + "".join(stanzas)


def mark_not_proven(stanza_text: str, reason: str) -> str:
    """The stanza with ``NOT PROVEN (…)`` at the head of its description."""
    ((name, settings),) = read_conf(stanza_text).items()
    settings["description"] = (
        f"NOT PROVEN on Splunk's semantics, see PROOF.md ({' '.join(reason.split())}). "
        + settings.get("description", "")
    )
    return render_stanza(name, settings)


def _classify(build: TargetBuild, saved: ConversionResult) -> None:
    for outcome in saved.outcomes:
        if outcome.status == CONVERTED:
            build.converted.append(outcome.rule_id)
        elif outcome.status == REFUSED:
            build.refused.append((outcome.rule_id, outcome.message))
        else:
            build.failed.append((outcome.rule_id, outcome.message))


def _prove(
    request: DistRequest,
    saved: ConversionResult,
    loaded: dict[str, LoadedRule],
    macros: dict[str, str],
) -> tuple[ProofReport, dict[str, str]]:
    assert request.layout is not None
    report = ProofReport(TARGET, MODEL)
    evaluator = splunk_evaluator(request.options.splunk_index)
    baseline = baseline_case(request.layout)
    differing: dict[str, str] = {}
    for outcome in saved.outcomes:
        rule = loaded.get(outcome.rule_id)
        if rule is None:
            continue
        if outcome.status == REFUSED:
            report.proofs.append(refused(rule, TARGET, outcome.message))
            continue
        if outcome.status != CONVERTED or not outcome.outputs:
            continue
        proof = prove_search(rule, str(outcome.outputs[0]), macros, evaluator, baseline, request)
        report.proofs.append(proof)
        if proof.verdict is Verdict.DIFFERS:
            differing[rule.rule_id] = proof.reason
    return report, differing


def stanza_search(stanza_text: str, rule: LoadedRule) -> str:
    """The ``search`` setting of the rule's stanza in ``stanza_text``."""
    return stanza_settings_of(stanza_text, rule)["search"]


def stanza_settings_of(stanza_text: str, rule: LoadedRule) -> dict[str, str]:
    """Every setting of the rule's stanza in ``stanza_text``."""
    return read_conf(stanza_text)[stanza_name(rule.rule)]


def prove_search(
    rule: LoadedRule,
    stanza_text: str,
    macros: dict[str, str],
    evaluator: Callable[[Any, ProofCase], Outcome],
    baseline: ProofCase,
    request: DistRequest,
) -> RuleProof:
    """Run one rule's saved search over its fixtures and the baseline (see ``prove_rule``)."""
    assert request.layout is not None
    settings = stanza_settings_of(stanza_text, rule)
    search_text = settings["search"]
    tumbling = "| bin _time" in search_text
    note = "fixed buckets (bin _time): proven against tumbling windows" if tumbling else ""
    try:
        query = parse_query(search_text, macros)
    except Exception as error:  # unparsable is never proven
        return RuleProof(
            rule.rule_id, str(rule.rule.title), TARGET, Verdict.DIFFERS, f"cannot parse: {error}"
        )
    fields = tuple(group_fields(rule.rule)) if rule.is_correlation else None
    try:
        schedule = None if rule.is_correlation else Schedule.from_settings(settings)
    except ValueError as error:  # a schedule the model cannot run is not proven
        return RuleProof(
            rule.rule_id, str(rule.rule.title), TARGET, Verdict.DIFFERS, f"schedule: {error}"
        )
    search = SplunkSearch(search_text, query, fields, schedule)
    cases = [*fixture_cases(request.layout, rule), baseline]
    return prove_rule(
        rule,
        TARGET,
        search,
        evaluator,
        cases,
        window=WindowMode.TUMBLING if tumbling else WindowMode.SLIDING,
        note=note,
    )


def _proof_markdown(report: ProofReport, request: DistRequest) -> str:
    intro = (
        "Each saved search of `sigmaq_amazon_q/default/savedsearches.conf`, as written there "
        "(macros expanded from the app's `macros.conf`), was run over its rule's fixtures and "
        "the whole baseline by a model of Splunk, and compared with the sigmaq replay and the "
        "fixtures' labels (`sigmaq.export.proof`). **The model is not Splunk**: what it "
        "models, and where it had to choose, is in `backends/splunk/README.md`. A search that "
        "differs is still in the app (disabled, like every search) with a description that "
        "starts with `NOT PROVEN` and the difference."
    )
    text = render_proof_markdown(report, title="Splunk: proof of the saved searches", intro=intro)
    long_records = _records_over_cutoff(request)
    if long_records:
        text += (
            f"\n{len(long_records)} fixture records are longer than {EXTRACTION_CUTOFF} bytes "
            "(Splunk's default `[spath] extraction_cutoff`; raise it in `limits.conf` so "
            "fields late in such events are extracted): "
            + ", ".join(long_records[:10])
            + (" …" if len(long_records) > 10 else "")
            + "\n"
        )
    return text


def _records_over_cutoff(request: DistRequest) -> list[str]:
    if request.layout is None:
        return []
    from sigmaq.replay.readers import ReadStats, read_file

    found = []
    for path in sorted(request.layout.fixtures_dir.rglob("*.json")):
        for position, (record, _) in enumerate(read_file(path, ReadStats())):
            if raw_length(record) > EXTRACTION_CUTOFF:
                found.append(f"{path.relative_to(request.layout.root)}#{position}")
    return found
