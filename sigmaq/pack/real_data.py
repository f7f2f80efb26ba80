"""The pack over real, public CloudTrail data, and the reviewed judgements of its matches.

No public data set holds Amazon Q records, so this measures false positives. One run
(``run_real_data``) replays every rule over each source of the data folder (by
default ``../shared/data/external`` beside the project; ``real_data:`` in
``sigmaq.yml`` overrides it, and ``SIGMAQ_REAL_DATA`` overrides both) through the
readers ``sigmaq hunt`` uses, records every match, and runs the acceptance hunt:
``sigmaq hunt --min-level medium`` (``sigmaq.hunt.runner``, as the CLI calls it) over
every folder of the data. ``real_data_problems`` then says what is wrong:

* ``read``: a source missing, too few records, a malformed line that is not listed in
  ``EXPECTED_MALFORMED`` (or a listed one that reads now), an unreadable file, or a
  source whose inputs do not give the counts in ``EXPECTED_LINES``/``EXPECTED_COUNTS``
  (every Panther test case and every Elastic pipeline input is accounted for);
* ``replay``: a rule the engine refuses;
* ``schema``: a record the schema rejects, except the hand-edited samples in
  ``SCHEMA_EXCEPTIONS``, or an exception that no longer applies;
* ``q-only``: an alerting Amazon Q rule (any component but ``containment``, level above
  ``informational``) matching a record that has nothing to do with Amazon Q
  (``is_q_related``). Informational rules are context and correlation inputs, some
  Q-agnostic on purpose; their matches are only counted, per rule, in the summary;
* ``unjudged``: an alerting match without a reviewed judgement in
  ``docs/real-data-judgements.yml``, or one whose judged records (``events``) are not
  the finding's;
* ``not-true-positive``: a match of a rule at ``medium`` or above not judged
  "true positive";
* ``hunt``: a finding of the acceptance hunt that no true-positive judgement names;
* ``stale-judgement``, ``stale-summary``: the file no longer describes the run.

Records are named by eventID; Panther's eventIDs are placeholders ("1", "1111"...)
repeated across test cases, so a record whose eventID is not unique in its file is
named by its place: ``line-N`` (NDJSON, 1-based) or ``record-N`` (JSON document).

``write_judgements`` (run by ``sigmaq update``) rewrites the summary and the match
list, keeping existing judgements and marking new matches ``TODO`` (which still
fails until someone judges them by reading the records). ``sigmaq build`` runs the
checks as its ``real-data`` stage; ``tests/content/test_real_data.py`` calls the same
code and also runs the acceptance hunt through the CLI.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from sigmaq.core.loader import LoadedRule, load_rules
from sigmaq.core.model import EventRef
from sigmaq.pack.real_data_sources import (
    EXPECTED_COUNTS,
    EXPECTED_LINES,
    EXPECTED_MALFORMED,
    SCHEMA_EXCEPTIONS,
    SCHEMA_SOURCES,
    SOURCES,
    is_q_related,
)
from sigmaq.validate.record_schema import validate_record

__all__ = [
    "ENV_VAR",
    "JUDGEMENTS_FILE",
    "SCHEMA_EXCEPTIONS",
    "SOURCES",
    "HuntHit",
    "Match",
    "RealDataProblem",
    "Run",
    "acceptance_hunt",
    "data_folder",
    "hits_from_hunt_json",
    "hunt_problems",
    "is_q_related",
    "judgements_text",
    "load_judgements",
    "real_data_problems",
    "run_real_data",
    "summary",
    "write_judgements",
]

JUDGEMENTS_FILE = Path("docs") / "real-data-judgements.yml"
ENV_VAR = "SIGMAQ_REAL_DATA"
TODO = "TODO"
TRUE_POSITIVE = "true positive"
MIN_RECORDS = 4000
MEDIUM_OR_ABOVE = ("medium", "high", "critical")
HUNT_MIN_LEVEL = "medium"

JUDGEMENTS_HEADER = """\
# Reviewed results of replaying every rule over ../shared/data/external
# (sigmaq.pack.real_data; `sigmaq build` stage real-data). `summary` is checked against
# the current run; each match names every record of the finding (`events`: eventIDs, or
# line-N / record-N where the file repeats an eventID) and needs a judgement written by
# reading those records: "true positive: ..." (required at medium and above, and for
# every finding of `sigmaq hunt --min-level medium` over each folder) or, for low rules,
# why the match is acceptable. `sigmaq update` regenerates the lists (judgements are
# kept, new matches get TODO). docs/coverage.md renders this file.
"""


def data_folder(root: Path, configured: Path | None = None) -> Path:
    """Where the public CloudTrail data is: ``$SIGMAQ_REAL_DATA``, else ``configured``
    (``real_data:`` of the config), else ``<root>/../shared/data/external``."""
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env)
    if configured is not None:
        return configured
    return root.parent / "shared" / "data" / "external"


@dataclass(frozen=True)
class Match:
    """One rule firing on real data, keyed like the judgements file."""

    rule: str  # rule file stem
    event_id: str  # key of the first record (see ``record_key``)
    source: str  # path of the first record's file, relative to the data folder
    events: tuple[str, ...]  # the key of every record of the finding, in order
    component: str
    level: str
    q_related: bool
    correlation: bool

    @property
    def alerting(self) -> bool:
        """Informational rules record context (correlation inputs); they do not alert."""
        return self.level != "informational"


@dataclass(frozen=True)
class HuntHit:
    """One finding of the acceptance hunt, named by its first event: rule file stem,
    eventID (None when the record has none), position in its file, the file."""

    rule: str
    event_id: str | None
    position: int
    file: str

    def names(self) -> set[str]:
        """Every name a judgement may give the record (``record_key``'s forms)."""
        out = {f"line-{self.position}", f"record-{self.position}"}
        if self.event_id:
            out.add(self.event_id)
        return out


@dataclass
class Run:
    """Everything the real-data checks look at, from one replay of the pack.

    ``hunt``: data sub-folder name -> findings of the acceptance hunt over it (empty
    when the run was made without it)."""

    records: Counter[str] = field(default_factory=Counter)
    skipped_by_source: Counter[str] = field(default_factory=Counter)
    malformed_by_source: Counter[str] = field(default_factory=Counter)
    lines_by_source: Counter[str] = field(default_factory=Counter)
    malformed_lines: set[tuple[str, int]] = field(default_factory=set)
    skipped: int = 0
    malformed: int = 0
    unreadable: int = 0
    problems: list[str] = field(default_factory=list)
    schema_failures: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    schema_checked: int = 0
    matches: dict[tuple[str, str], Match] = field(default_factory=dict)
    rule_count: int = 0
    refused: list[str] = field(default_factory=list)
    hunt: dict[str, list[HuntHit]] = field(default_factory=dict)
    hunted: bool = False


def _pack(root: Path) -> list[LoadedRule]:
    rules = root / "rules"
    return load_rules([rules]).rules if rules.is_dir() else []


def _replayable(pack: list[LoadedRule]) -> tuple[list[LoadedRule], list[str]]:
    """The rules the engine accepts, and one message per rule it refuses."""
    from sigmaq.core.errors import ReplayError
    from sigmaq.replay.engine import ReplayEngine

    ok: list[LoadedRule] = []
    errors: list[str] = []
    for loaded in pack:
        try:
            ReplayEngine([loaded.rule], emit_all=True)
        except ReplayError as exc:
            errors.append(f"{loaded.path.name}: {exc}")
        else:
            ok.append(loaded)
    return ok, errors


def record_key(ref: EventRef, id_counts: Mapping[tuple[str, str], int]) -> str:
    """The record's eventID when it names one record of its file, else its place in the
    file: ``line-N`` (NDJSON, 1-based) or ``record-N`` (position in a JSON document)."""
    if ref.event_id and id_counts.get((ref.source, ref.event_id), 0) == 1:
        return ref.event_id
    return f"line-{ref.position}" if ref.source.endswith(".ndjson") else f"record-{ref.position}"


def _count_lines(paths: Sequence[Path]) -> int:
    total = 0
    for path in paths:
        with path.open("rb") as handle:
            total += sum(1 for line in handle if line.strip())
    return total


def run_real_data(root: Path, data: Path, *, hunt: bool = True) -> Run:
    """Replay every rule of ``<root>/rules`` over each source under ``data``; with
    ``hunt``, also run the acceptance hunt over every folder of ``data``.

    Sources missing from ``data`` are left out (``real_data_problems`` reports them).
    Raises OSError only when ``data`` itself cannot be listed.
    """
    from sigmaq.replay.engine import ReplayEngine
    from sigmaq.replay.readers import ReadStats, iter_records

    pack, refused = _replayable(_pack(root))
    by_id: dict[str, LoadedRule] = {loaded.rule_id: loaded for loaded in pack}
    keep = {str(loaded.path) for loaded in pack}
    result = Run(rule_count=len(pack), refused=refused)
    base = data.resolve()
    for source, inputs in SOURCES.items():
        paths = sorted(p for rel in inputs for p in data.glob(rel))
        if not paths:
            continue
        if source in EXPECTED_LINES:
            result.lines_by_source[source] = _count_lines(paths)
        stats = ReadStats()
        # Rules are loaded per source: the engine keeps state in its compiled rules.
        fresh = [loaded.rule for loaded in _pack(root) if str(loaded.path) in keep]
        engine = ReplayEngine(fresh, emit_all=True)
        q_flags: dict[tuple[str, int], bool] = {}
        id_counts: Counter[tuple[str, str]] = Counter()
        findings = []
        for record, ref in iter_records(paths, stats):
            result.records[source] += 1
            q_flags[(ref.source, ref.position)] = is_q_related(record)
            if ref.event_id:
                id_counts[(ref.source, ref.event_id)] += 1
            if source in SCHEMA_SOURCES:
                result.schema_checked += 1
                problems = validate_record(record)
                if problems:
                    key = (Path(ref.source).name, str(record.get("eventName")))
                    result.schema_failures.setdefault(key, []).extend(problems)
            findings.extend(engine.feed(record, ref))
        findings.extend(engine.finish())
        result.skipped += stats.skipped
        result.skipped_by_source[source] += stats.skipped
        result.malformed += stats.malformed
        result.malformed_by_source[source] += stats.malformed
        failures = [p for p in stats.problems if not p.warning]
        result.malformed_lines.update((Path(p.path).name, int(p.line or 0)) for p in failures)
        result.unreadable += stats.unreadable_files
        result.problems += [str(p) for p in failures]
        for finding in findings:
            loaded = by_id[finding.rule_id]
            refs: tuple[EventRef, ...] = finding.events
            keys = tuple(record_key(ref, id_counts) for ref in refs)
            match = Match(
                rule=loaded.path.stem,
                event_id=keys[0],
                source=Path(refs[0].source).resolve().relative_to(base).as_posix(),
                events=keys,
                component=loaded.path.parent.name,
                level=str(getattr(loaded.rule.level, "name", "")).lower(),
                q_related=any(q_flags.get((r.source, r.position), False) for r in refs),
                correlation=len(refs) > 1 or finding.group is not None,
            )
            result.matches[(match.rule, match.event_id)] = match
    if hunt:
        result.hunted = True
        for folder in sorted(p for p in data.iterdir() if p.is_dir()):
            result.hunt[folder.name] = acceptance_hunt(root, folder)
    return result


def acceptance_hunt(root: Path, folder: Path) -> list[HuntHit]:
    """What ``sigmaq hunt --min-level medium --rules <root>/rules <folder>`` finds,
    through the functions the CLI calls (rule selection, replayable rules, one process)."""
    from sigmaq.core.model import Level
    from sigmaq.hunt.runner import HuntOptions, replayable_rules, select_rules
    from sigmaq.hunt.runner import hunt as run_hunt

    pack = _pack(root)
    chosen = select_rules(pack, (), Level.parse(HUNT_MIN_LEVEL))
    runnable, _refused = replayable_rules([loaded.rule for loaded in chosen])
    stems = {loaded.rule_id: loaded.path.stem for loaded in pack}
    result = run_hunt([folder], runnable, HuntOptions(jobs=1))
    hits = []
    for item in result.findings:
        first = item.finding.events[0]
        hits.append(
            HuntHit(stems[item.finding.rule_id], first.event_id, first.position, first.source)
        )
    return hits


def hits_from_hunt_json(root: Path, findings: Iterable[Mapping[str, Any]]) -> list[HuntHit]:
    """``HuntHit``s of the ``findings`` list of ``sigmaq hunt --format json`` output."""
    stems = {loaded.rule_id: loaded.path.stem for loaded in _pack(root)}
    hits = []
    for finding in findings:
        first = finding["events"][0]
        event_id = first.get("event_id")
        hits.append(
            HuntHit(
                stems.get(str(finding["rule_id"]), str(finding["rule_id"])),
                str(event_id) if event_id is not None else None,
                int(first.get("position") or 0),
                str(first.get("file")),
            )
        )
    return hits


# --------------------------------------------------------------------------- judgements


def load_judgements(root: Path) -> dict[str, Any]:
    """``docs/real-data-judgements.yml`` as ``{summary: {...}, matches: [...]}``."""
    path = root / JUDGEMENTS_FILE
    if not path.is_file():
        return {"summary": {}, "matches": []}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    data.setdefault("summary", {})
    data["matches"] = data.get("matches") or []
    return dict(data)


def judged(data: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    """(rule stem, eventID) -> judgement entry."""
    return {(str(m["rule"]), str(m["event_id"])): m for m in data["matches"]}


def _judgement(entry: Mapping[str, Any]) -> str:
    return str(entry.get("judgement") or "").strip()


def summary(run: Run) -> dict[str, Any]:
    """The run summary recorded in the judgements file."""
    return {
        "rules": run.rule_count,
        "records scanned": sum(run.records.values()),
        "records skipped (digest or no eventName)": run.skipped,
        "records validated against the schema": run.schema_checked,
        "schema exceptions (hand-edited samples)": sum(
            1 for key in run.schema_failures if key in SCHEMA_EXCEPTIONS
        ),
        "alerting matches": sum(1 for m in run.matches.values() if m.alerting),
        "records per source": dict(sorted(run.records.items())),
        "informational matches per rule (not judged)": dict(
            sorted(Counter(m.rule for m in run.matches.values() if not m.alerting).items())
        ),
    }


def judgements_text(root: Path, run: Run) -> str:
    """The judgements file as it should be after ``run`` (existing judgements kept)."""
    old = judged(load_judgements(root))
    entries = []
    for key, match in sorted(run.matches.items()):
        if not match.alerting:
            continue
        entries.append(
            {
                "rule": match.rule,
                "event_id": match.event_id,
                "source": match.source,
                "events": list(match.events),
                "judgement": old.get(key, {}).get("judgement") or TODO,
            }
        )
    body = yaml.safe_dump(
        {"summary": summary(run), "matches": entries},
        sort_keys=False,
        allow_unicode=True,
        width=100,
    )
    return JUDGEMENTS_HEADER + body


def write_judgements(root: Path, run: Run) -> bool:
    """Rewrite the judgements file for ``run``; True when its text changed."""
    path = root / JUDGEMENTS_FILE
    text = judgements_text(root, run)
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return True


# --------------------------------------------------------------------------- checks


@dataclass(frozen=True)
class RealDataProblem:
    """One problem of a real-data run: ``kind`` (``read``, ``replay``, ``schema``,
    ``q-only``, ``unjudged``, ``not-true-positive``, ``hunt``, ``stale-judgement``,
    ``stale-summary``) and what."""

    kind: str
    message: str


PROBLEM_KINDS = (
    "read",
    "replay",
    "schema",
    "q-only",
    "unjudged",
    "not-true-positive",
    "hunt",
    "stale-judgement",
    "stale-summary",
)


def _read_problems(run: Run) -> list[RealDataProblem]:
    problems: list[RealDataProblem] = []
    missing = sorted(set(SOURCES) - set(run.records))
    if missing:
        problems.append(RealDataProblem("read", f"sources missing or empty: {missing}"))
    if sum(run.records.values()) < MIN_RECORDS:
        problems.append(RealDataProblem("read", f"only {sum(run.records.values())} records read"))
    unexpected = sorted(run.malformed_lines - set(EXPECTED_MALFORMED))
    if unexpected or run.malformed != len(run.malformed_lines):
        problems.append(
            RealDataProblem(
                "read",
                f"{run.malformed} malformed records, not listed in EXPECTED_MALFORMED: "
                f"{unexpected[:5]}; {run.problems[:5]}",
            )
        )
    gone = sorted(set(EXPECTED_MALFORMED) - run.malformed_lines)
    if gone and not missing:
        problems.append(RealDataProblem("read", f"listed as malformed but read now: {gone}"))
    if run.unreadable:
        problems.append(
            RealDataProblem("read", f"{run.unreadable} unreadable files: {run.problems[:5]}")
        )
    for source, lines in sorted(EXPECTED_LINES.items()):
        seen = run.records[source] + run.skipped_by_source[source]
        seen += run.malformed_by_source[source]
        if source in run.records and (run.lines_by_source[source], seen) != (lines, lines):
            problems.append(
                RealDataProblem(
                    "read",
                    f"{source}: {run.lines_by_source[source]} lines, {seen} accounted for "
                    f"(read, skipped, malformed); expected {lines}",
                )
            )
    for source, (records, skipped) in sorted(EXPECTED_COUNTS.items()):
        got = (run.records[source], run.skipped_by_source[source])
        if source in run.records and got != (records, skipped):
            problems.append(
                RealDataProblem(
                    "read",
                    f"{source}: {got[0]} records read and {got[1]} skipped; "
                    f"expected {records} and {skipped}",
                )
            )
    return problems


def _schema_problems(run: Run) -> list[RealDataProblem]:
    problems = []
    for key, messages in sorted(run.schema_failures.items()):
        if key not in SCHEMA_EXCEPTIONS:
            problems.append(
                RealDataProblem("schema", f"{key[0]} {key[1]} fails the schema: {messages[:3]}")
            )
    for key in sorted(set(SCHEMA_EXCEPTIONS) - set(run.schema_failures)):
        problems.append(RealDataProblem("schema", f"listed as exception but valid now: {key}"))
    return problems


def _judgement_problems(run: Run, data: dict[str, Any]) -> list[RealDataProblem]:
    problems: list[RealDataProblem] = []
    reviews = judged(data)
    for key, match in sorted(run.matches.items()):
        if not match.alerting:
            continue
        if match.component != "containment" and not match.q_related:
            problems.append(
                RealDataProblem(
                    "q-only",
                    f"{match.rule} ({match.component}) matched a record unrelated to Amazon Q: "
                    f"{match.source} eventID {match.event_id}: tune the rule",
                )
            )
            continue
        entry = reviews.get(key, {})
        judgement = _judgement(entry)
        if not judgement or judgement.startswith(TODO):
            problems.append(
                RealDataProblem(
                    "unjudged",
                    f"{match.rule} {match.event_id} ({match.source}) has no judgement in "
                    f"{JUDGEMENTS_FILE}: run `sigmaq update`, then read the records and "
                    "replace its TODO",
                )
            )
            continue
        if [str(e) for e in entry.get("events") or []] != list(match.events):
            problems.append(
                RealDataProblem(
                    "unjudged",
                    f"{match.rule} {match.event_id}: the judged records differ from the "
                    "finding's: run `sigmaq update`, then re-read them",
                )
            )
        if match.level in MEDIUM_OR_ABOVE and not judgement.startswith(TRUE_POSITIVE):
            problems.append(
                RealDataProblem(
                    "not-true-positive",
                    f"{match.rule} ({match.level}) {match.event_id} is not judged a true "
                    f"positive ({judgement[:80]!r}): tune the rule or lower its level",
                )
            )
    alerting = {key for key, match in run.matches.items() if match.alerting}
    for key in sorted(set(reviews) - alerting):
        problems.append(
            RealDataProblem(
                "stale-judgement", f"judged match {key} no longer occurs: run `sigmaq update`"
            )
        )
    if data["summary"] != summary(run):
        problems.append(
            RealDataProblem(
                "stale-summary", f"the summary in {JUDGEMENTS_FILE} is stale: run `sigmaq update`"
            )
        )
    return problems


def hunt_problems(root: Path, folder: str, hits: Iterable[HuntHit]) -> list[RealDataProblem]:
    """One ``hunt`` problem per finding of the acceptance hunt over ``folder`` that no
    true-positive judgement names (by any record of the judged finding)."""
    true_positive = {
        (str(m["rule"]), str(e))
        for m in load_judgements(root)["matches"]
        if _judgement(m).startswith(TRUE_POSITIVE)
        for e in [m["event_id"], *(m.get("events") or [])]
    }
    return [
        RealDataProblem(
            "hunt",
            f"sigmaq hunt --min-level {HUNT_MIN_LEVEL} {folder}: {hit.rule} on "
            f"{hit.file} record {hit.position} (eventID {hit.event_id}) is not judged a "
            "true positive",
        )
        for hit in hits
        if not any((hit.rule, key) in true_positive for key in hit.names())
    ]


def real_data_problems(root: Path, run: Run) -> list[RealDataProblem]:
    """Everything wrong with ``run`` against the data and the judgements file."""
    problems = _read_problems(run)
    problems += [RealDataProblem("replay", f"cannot replay {text}") for text in run.refused]
    problems += _schema_problems(run)
    problems += _judgement_problems(run, load_judgements(root))
    for folder, hits in sorted(run.hunt.items()):
        problems += hunt_problems(root, folder, hits)
    return problems
