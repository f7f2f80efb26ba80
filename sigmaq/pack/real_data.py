"""The pack over real, public CloudTrail data, and the reviewed judgements of its matches.

No public data set holds Amazon Q records, so this measures false positives. One run
(``run_real_data``) replays every rule over each source of the data folder (by
default ``../shared/data/external`` beside the project; ``real_data:`` in
``sigmaq.yml`` overrides it, and ``SIGMAQ_REAL_DATA`` overrides both) and records every match.
``real_data_problems`` then says what is wrong:

* a record the schema rejects, except the hand-edited samples in
  ``SCHEMA_EXCEPTIONS`` (each with the reason it is not a record as CloudTrail
  delivers it), or an exception that no longer applies;
* an alerting Amazon Q rule (any component but ``containment``, level above
  ``informational``) matching a record that has nothing to do with Amazon Q
  (``is_q_related``);
* an alerting match without a reviewed judgement in ``docs/real-data-judgements.yml``,
  a judgement whose match no longer occurs, or a run summary there that is stale.

``write_judgements`` (run by ``sigmaq update``) rewrites the summary and the match
list, keeping existing judgements and marking new matches ``TODO`` (which still
fails until someone judges them). ``sigmaq build`` runs the check as its
``real-data`` stage; ``tests/content/test_real_data.py`` calls the same code.
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from sigmaq.core.loader import LoadedRule, load_rules
from sigmaq.core.model import EventRef
from sigmaq.validate.record_schema import validate_record

JUDGEMENTS_FILE = Path("docs") / "real-data-judgements.yml"
ENV_VAR = "SIGMAQ_REAL_DATA"
TODO = "TODO"
MIN_RECORDS = 3000

# Source name -> the inputs of that source (relative to the data folder). Each source is
# replayed by its own engine so correlations never mix unrelated data sets.
SOURCES: dict[str, tuple[str, ...]] = {
    "invictus-ir-aws_dataset": ("invictus-ir-aws_dataset/CloudTrail",),
    "stratus-red-team": ("stratus-red-team/detonation-logs",),
    "traildiscover": ("traildiscover/logExamples",),
    "panther-analysis": ("panther-analysis/cloudtrail_test_events.ndjson",),
    # the raw .log inputs only: the *-expected.json files are ECS documents, not CloudTrail
    "elastic-integrations-aws-cloudtrail": (
        "elastic-integrations-aws-cloudtrail/pipeline-tests/*.log",
    ),
}
# Only these sources hold records as CloudTrail delivers them (Panther's test logs are
# rule test cases, often trimmed to the fields a rule reads).
SCHEMA_SOURCES = (
    "invictus-ir-aws_dataset",
    "stratus-red-team",
    "traildiscover",
    "elastic-integrations-aws-cloudtrail",
)

# (file name, eventName) of real records the schema rejects on purpose, with why.
SCHEMA_EXCEPTIONS: dict[tuple[str, str], str] = {
    ("SendEmail.json.cloudtrail", "SendEmail"): (
        "TrailDiscover lab sample trimmed by hand: no eventVersion and no userIdentity, "
        "both present in every delivered record (record-contents doc: Optional False)"
    ),
    ("CreateSession.json.cloudtrail", "CreateSession"): (
        "TrailDiscover sample anonymised with a 15-digit account id in its ARNs"
    ),
    ("test-console-login-json.log", "ConsoleLogin"): (
        "Elastic pipeline-test input edited down: no eventType and no recipientAccountId "
        "although eventVersion is 1.05 (both exist since 1.02)"
    ),
    ("test-converse-json.log", "Converse"): (
        "Elastic pipeline-test input with the account id zeroed to 11 digits"
    ),
    ("test-get-caller-identity-json.log", "GetCallerIdentity"): (
        "Elastic pipeline-test input with the account id zeroed to 11 digits"
    ),
    ("test-put-object-json.log", "PutObject"): (
        "Elastic pipeline-test input with the account id zeroed to 9 digits"
    ),
    ("test-user-authentication.log", "UserAuthentication"): (
        "Elastic pipeline-test input with account id and source IP replaced by 'redacted'"
    ),
}

# Amazon Q markers in a record. An Amazon Q service as eventSource, invokedBy, source
# IP or user agent; a Q client marker in the user agent (AmazonQ-For-CLI/IDE/VSCode, the
# Q CLI's exec-env); or a Q service principal or Q resource ARN anywhere in the record
# (a role trusting qbusiness.amazonaws.com, a log delivery of a Q Business application).
Q_SERVICES = (
    "q.amazonaws.com",
    "qbusiness.amazonaws.com",
    "qapps.amazonaws.com",
    "codewhisperer.amazonaws.com",
    "wisdom.amazonaws.com",
    "chatbot.amazonaws.com",
)
_Q_TEXT = re.compile(
    r"(?<![A-Za-z0-9.-])(q|qbusiness|qapps|codewhisperer|wisdom|chatbot|qdeveloper)"
    r"\.amazonaws\.com"
    r"|arn:aws[a-z-]*:(q|qbusiness|qapps|codewhisperer|wisdom|qdeveloper):"
    r"|AmazonQ-For-"
)

JUDGEMENTS_HEADER = """\
# Reviewed results of replaying every rule over ../shared/data/external
# (sigmaq.pack.real_data; `sigmaq build` stage real-data). `summary` is checked against
# the current run; each match needs a one-line judgement: "true positive: ..." or
# "tuned away: ..." or why the match is acceptable. `sigmaq update` regenerates the
# lists (judgements are kept, new matches get TODO).
# docs/coverage.md renders this file (sigmaq update / sigmaq coverage).
"""


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def is_q_related(record: dict[str, Any]) -> bool:
    """True when a record has anything to do with Amazon Q (see ``_Q_TEXT``)."""
    if record.get("eventSource") in Q_SERVICES:
        return True
    return any(_Q_TEXT.search(text) for text in _strings(record))


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
    event_id: str
    source: str  # path relative to the data folder
    component: str
    level: str
    q_related: bool
    correlation: bool

    @property
    def alerting(self) -> bool:
        """Informational rules record context (correlation inputs); they do not alert."""
        return self.level != "informational"


@dataclass
class Run:
    """Everything the real-data checks look at, from one replay of the pack."""

    records: Counter[str] = field(default_factory=Counter)
    skipped: int = 0
    malformed: int = 0
    unreadable: int = 0
    problems: list[str] = field(default_factory=list)
    schema_failures: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    schema_checked: int = 0
    matches: dict[tuple[str, str], Match] = field(default_factory=dict)
    rule_count: int = 0
    refused: list[str] = field(default_factory=list)
    rule_components: dict[str, str] = field(default_factory=dict)


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


def _panther_records(path: Path) -> list[tuple[dict[str, Any], EventRef]]:
    """Panther's rule test cases: the CloudTrail record is under ``log``.

    Their eventIDs are placeholders ("1"), so the reference names the line instead.
    """
    from sigmaq.replay.readers import parse_event_time

    out = []
    for line_no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        case = json.loads(line)
        record = case.get("log")
        if not isinstance(record, dict) or "eventName" not in record:
            continue
        record = {k: v for k, v in record.items() if not k.startswith("p_")}
        ref = EventRef(
            str(path), line_no, f"line-{line_no}", parse_event_time(record.get("eventTime"))
        )
        out.append((record, ref))
    return out


def run_real_data(root: Path, data: Path) -> Run:
    """Replay every rule of ``<root>/rules`` over each source under ``data``.

    Sources missing from ``data`` are left out (``real_data_problems`` reports them).
    Raises OSError only when ``data`` itself cannot be listed.
    """
    from sigmaq.replay.engine import ReplayEngine
    from sigmaq.replay.readers import ReadStats, iter_records

    pack, refused = _replayable(_pack(root))
    by_id: dict[str, LoadedRule] = {loaded.rule_id: loaded for loaded in pack}
    keep = {str(loaded.path) for loaded in pack}
    result = Run(rule_count=len(pack), refused=refused)
    result.rule_components = {loaded.path.stem: loaded.path.parent.name for loaded in pack}
    base = data.resolve()
    for source, inputs in SOURCES.items():
        paths = sorted(p for rel in inputs for p in data.glob(rel))
        if not paths:
            continue
        stats = ReadStats()
        records = _panther_records(paths[0]) if source == "panther-analysis" else None
        # Rules are loaded per source: the engine keeps state in its compiled rules.
        fresh = [loaded.rule for loaded in _pack(root) if str(loaded.path) in keep]
        engine = ReplayEngine(fresh, emit_all=True)
        q_flags: dict[tuple[str, int], bool] = {}
        findings = []
        for record, ref in records if records is not None else iter_records(paths, stats):
            result.records[source] += 1
            q_flags[(ref.source, ref.position)] = is_q_related(record)
            if source in SCHEMA_SOURCES:
                result.schema_checked += 1
                problems = validate_record(record)
                if problems:
                    key = (Path(ref.source).name, str(record.get("eventName")))
                    result.schema_failures.setdefault(key, []).extend(problems)
            findings.extend(engine.feed(record, ref))
        findings.extend(engine.finish())
        result.skipped += stats.skipped
        result.malformed += stats.malformed
        result.unreadable += stats.unreadable_files
        result.problems += [str(p) for p in stats.problems if not p.warning]
        for finding in findings:
            loaded = by_id[finding.rule_id]
            refs: tuple[EventRef, ...] = finding.events
            first = refs[0]
            match = Match(
                rule=loaded.path.stem,
                event_id=first.event_id or f"{first.source}#{first.position}",
                source=Path(first.source).resolve().relative_to(base).as_posix(),
                component=loaded.path.parent.name,
                level=str(getattr(loaded.rule.level, "name", "")).lower(),
                q_related=any(q_flags.get((r.source, r.position), False) for r in refs),
                correlation=len(refs) > 1 or finding.group is not None,
            )
            result.matches[(match.rule, match.event_id)] = match
    return result


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


@dataclass(frozen=True)
class RealDataProblem:
    """One problem of a real-data run: ``kind`` (``read``, ``replay``, ``schema``,
    ``q-only``, ``unjudged``, ``stale-judgement``, ``stale-summary``) and what."""

    kind: str
    message: str


def real_data_problems(root: Path, run: Run) -> list[RealDataProblem]:
    """Everything wrong with ``run`` against the data and the judgements file."""
    problems: list[RealDataProblem] = []
    missing = sorted(set(SOURCES) - set(run.records))
    if missing:
        problems.append(RealDataProblem("read", f"sources missing or empty: {missing}"))
    if sum(run.records.values()) < MIN_RECORDS:
        problems.append(RealDataProblem("read", f"only {sum(run.records.values())} records read"))
    if run.malformed or run.unreadable:
        problems.append(
            RealDataProblem(
                "read",
                f"{run.malformed} malformed records, {run.unreadable} unreadable files: "
                f"{run.problems[:5]}",
            )
        )
    problems += [RealDataProblem("replay", f"cannot replay {text}") for text in run.refused]
    for key, messages in sorted(run.schema_failures.items()):
        if key not in SCHEMA_EXCEPTIONS:
            problems.append(
                RealDataProblem("schema", f"{key[0]} {key[1]} fails the schema: {messages[:3]}")
            )
    for key in sorted(set(SCHEMA_EXCEPTIONS) - set(run.schema_failures)):
        problems.append(RealDataProblem("schema", f"listed as exception but valid now: {key}"))
    for match in sorted(run.matches.values(), key=lambda m: (m.rule, m.event_id)):
        if match.alerting and match.component != "containment" and not match.q_related:
            problems.append(
                RealDataProblem(
                    "q-only",
                    f"{match.rule} ({match.component}) matched a record unrelated to Amazon Q: "
                    f"{match.source} eventID {match.event_id}: tune the rule",
                )
            )
    data = load_judgements(root)
    reviews = judged(data)
    for key, match in sorted(run.matches.items()):
        if not match.alerting or (match.component != "containment" and not match.q_related):
            continue
        judgement = str(reviews.get(key, {}).get("judgement") or "").strip()
        if not judgement or judgement.startswith(TODO):
            problems.append(
                RealDataProblem(
                    "unjudged",
                    f"{match.rule} {match.event_id} ({match.source}) has no judgement in "
                    f"{JUDGEMENTS_FILE}: run `sigmaq update`, then replace its TODO",
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
