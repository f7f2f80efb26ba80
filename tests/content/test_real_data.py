"""The pack over real, public CloudTrail data (../shared/data/external).

No public data set holds Amazon Q records, so this measures false positives:

* every record validates against the record schema, except the hand-edited samples
  listed in ``SCHEMA_EXCEPTIONS`` (each with the reason it is not a record as
  CloudTrail delivers it);
* no alerting Amazon Q rule (any component but ``containment``, level above
  ``informational``) matches a record that has nothing to do with Amazon Q (see
  ``is_q_related``). Informational rules are context and correlation inputs, some
  Q-agnostic on purpose (the AQ-22 discovery and destruction bases); their matches
  are only counted, per rule, in the summary;
* every other alerting match (containment rules, or a Q rule on a Q-related record)
  has a reviewed judgement in ``docs/real-data-judgements.yml`` that names the records
  (eventIDs) of the finding, every judgement there still corresponds to a match, and
  every match of a rule at ``medium`` or above is judged a true positive; the run
  summary recorded there is current;
* ``sigmaq hunt --min-level medium`` over every folder of the shared data raises only
  findings judged true positive (the issue's acceptance check, run through the CLI).

Every source is read by the readers ``sigmaq hunt`` uses (``replay.readers``): the
Panther test logs as ``panther-analysis/cloudtrail_records.ndjson`` (their ``log``
objects as plain CloudTrail records, 461 lines), the Elastic pipeline-test inputs as
their ``*.log`` files. Panther's eventIDs are placeholders ("1", "1111"...) repeated
across test cases, so a match on a record whose eventID is not unique in its file is
named by its line (``line-N``).

``SIGMAQ_UPDATE_REAL_DATA=1 pytest tests/content/test_real_data.py`` rewrites the
summary and match list of the judgements file, keeping existing judgements and
marking new matches ``TODO`` (which still fails until someone judges them).
Skipped when the shared folder is absent (it sits beside the repository in CI).
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

import pytest
import yaml

from sigmaq.core.loader import LoadedRule, load_rules
from sigmaq.core.model import EventRef
from sigmaq.validate.record_schema import validate_record

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared"
EXTERNAL = SHARED / "data" / "external"
JUDGEMENTS = ROOT / "docs" / "real-data-judgements.yml"
UPDATE = os.environ.get("SIGMAQ_UPDATE_REAL_DATA") == "1"
TODO = "TODO"

pytestmark = [
    pytest.mark.external,
    pytest.mark.skipif(not EXTERNAL.is_dir(), reason=f"shared real data absent: {EXTERNAL}"),
]

# Source name -> the inputs of that source (relative to EXTERNAL). Each source is
# replayed by its own engine so correlations never mix unrelated data sets.
SOURCES: dict[str, tuple[str, ...]] = {
    "invictus-ir-aws_dataset": ("invictus-ir-aws_dataset/CloudTrail",),
    "stratus-red-team": ("stratus-red-team/detonation-logs",),
    "traildiscover": ("traildiscover/logExamples",),
    "panther-analysis": ("panther-analysis/cloudtrail_records.ndjson",),
    # the raw .log inputs only: the *-expected.json files are ECS documents, not CloudTrail
    "elastic-integrations-aws-cloudtrail": (
        "elastic-integrations-aws-cloudtrail/pipeline-tests/*.log",
    ),
}
# Lines of the shared data that are not CloudTrail records, with why (read as malformed).
EXPECTED_MALFORMED: dict[tuple[str, int], str] = {
    ("cloudtrail_records.ndjson", line): (
        "Panther test log with every key lower-cased (eventname, eventsource...): a record "
        "already normalised by a log pipeline, not CloudTrail as delivered"
    )
    for line in (32, 33, 128, 130)
}
# Panther test cases in all: 461 lines = records read + skipped (no eventName) + malformed.
PANTHER_LINES = 461

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
    "qconnect.amazonaws.com",
    "wisdom.amazonaws.com",
    "chatbot.amazonaws.com",
)
_Q_TEXT = re.compile(
    r"(?<![A-Za-z0-9.-])(q|qbusiness|qapps|codewhisperer|qconnect|wisdom|chatbot|qdeveloper)"
    r"\.amazonaws\.com"
    r"|arn:aws[a-z-]*:(q|qbusiness|qapps|codewhisperer|qconnect|wisdom|qdeveloper):"
    r"|AmazonQ-For-"
)


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


# --------------------------------------------------------------------------- the run


@dataclass(frozen=True)
class Match:
    """One rule firing on real data, keyed like the judgements file."""

    rule: str  # rule file stem
    event_id: str  # eventID of the first record, or line-N / record-N when not unique
    source: str  # path relative to EXTERNAL
    events: tuple[str, ...]  # the same key for every record of the finding
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
    """Everything the real-data tests look at, computed once per session."""

    records: Counter[str] = field(default_factory=Counter)
    skipped_by_source: Counter[str] = field(default_factory=Counter)
    malformed_by_source: Counter[str] = field(default_factory=Counter)
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


def _pack() -> list[LoadedRule]:
    return load_rules([ROOT / "rules"]).rules if (ROOT / "rules").is_dir() else []


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


def _component(loaded: LoadedRule) -> str:
    return loaded.path.parent.name


@pytest.fixture(scope="module")
def run() -> Run:
    from sigmaq.replay.engine import ReplayEngine
    from sigmaq.replay.readers import ReadStats, iter_records

    pack, refused = _replayable(_pack())
    by_id: dict[str, LoadedRule] = {loaded.rule_id: loaded for loaded in pack}
    keep = {str(loaded.path) for loaded in pack}
    result = Run(rule_count=len(pack), refused=refused)
    for source, inputs in SOURCES.items():
        paths = sorted(p for rel in inputs for p in EXTERNAL.glob(rel))
        if not paths:
            continue
        stats = ReadStats()
        # Rules are loaded per source: the engine keeps state in its compiled rules.
        fresh = [loaded.rule for loaded in _pack() if str(loaded.path) in keep]
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
        result.malformed_lines.update(
            (Path(str(p.path)).name, int(p.line or 0)) for p in stats.problems if not p.warning
        )
        result.unreadable += stats.unreadable_files
        result.problems += [str(p) for p in stats.problems if not p.warning]
        for finding in findings:
            loaded = by_id[finding.rule_id]
            refs: tuple[EventRef, ...] = finding.events
            first = refs[0]
            keys = tuple(_record_key(ref, id_counts) for ref in refs)
            match = Match(
                rule=loaded.path.stem,
                event_id=keys[0],
                events=keys,
                source=Path(first.source).resolve().relative_to(EXTERNAL.resolve()).as_posix(),
                component=_component(loaded),
                level=str(getattr(loaded.rule.level, "name", "")).lower(),
                q_related=any(q_flags.get((r.source, r.position), False) for r in refs),
                correlation=len(refs) > 1 or finding.group is not None,
            )
            result.matches[(match.rule, match.event_id)] = match
    if UPDATE:
        _write_judgements(result)
    return result


def _record_key(ref: EventRef, id_counts: Counter[tuple[str, str]]) -> str:
    """The record's eventID when it names one record of its file, else its place in the
    file: ``line-N`` (NDJSON, 1-based) or ``record-N`` (position in a JSON document)."""
    if ref.event_id and id_counts[(ref.source, ref.event_id)] == 1:
        return ref.event_id
    return f"line-{ref.position}" if ref.source.endswith(".ndjson") else f"record-{ref.position}"


def _load_judgements() -> dict[str, Any]:
    if not JUDGEMENTS.is_file():
        return {"summary": {}, "matches": []}
    data = yaml.safe_load(JUDGEMENTS.read_text(encoding="utf-8")) or {}
    data.setdefault("summary", {})
    data["matches"] = data.get("matches") or []
    return data


def _judged(data: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(str(m["rule"]), str(m["event_id"])): m for m in data["matches"]}


def _summary(result: Run) -> dict[str, Any]:
    return {
        "rules": result.rule_count,
        "records scanned": sum(result.records.values()),
        "records skipped (digest or no eventName)": result.skipped,
        "records validated against the schema": result.schema_checked,
        "schema exceptions (hand-edited samples)": sum(
            1 for key in result.schema_failures if key in SCHEMA_EXCEPTIONS
        ),
        "alerting matches": sum(1 for m in result.matches.values() if m.alerting),
        "records per source": dict(sorted(result.records.items())),
        "informational matches per rule (not judged)": dict(
            sorted(Counter(m.rule for m in result.matches.values() if not m.alerting).items())
        ),
    }


JUDGEMENTS_HEADER = """\
# Reviewed results of replaying every rule over ../shared/data/external
# (tests/content/test_real_data.py). `summary` is checked against the current run;
# each match names every record of the finding (`events`: eventIDs, or line-N where the
# file repeats an eventID) and needs a judgement written by reading those records:
# "true positive: ..." (required at medium and above) or, for low rules, why the match
# is acceptable. Regenerate the lists (judgements are kept) with
#   SIGMAQ_UPDATE_REAL_DATA=1 pytest tests/content/test_real_data.py
# docs/coverage.md renders this file (sigmaq coverage).
"""


def _write_judgements(result: Run) -> None:
    judged = _judged(_load_judgements())
    entries = []
    for key, match in sorted(result.matches.items()):
        if not match.alerting:
            continue
        old = judged.get(key, {})
        entries.append(
            {
                "rule": match.rule,
                "event_id": match.event_id,
                "source": match.source,
                "events": list(match.events),
                "judgement": old.get("judgement") or TODO,
            }
        )
    body = yaml.safe_dump(
        {"summary": _summary(result), "matches": entries},
        sort_keys=False,
        allow_unicode=True,
        width=100,
    )
    JUDGEMENTS.parent.mkdir(parents=True, exist_ok=True)
    JUDGEMENTS.write_text(JUDGEMENTS_HEADER + body, encoding="utf-8")


# --------------------------------------------------------------------------- tests


def test_real_data_is_read_without_loss(run: Run) -> None:
    assert sum(run.records.values()) > 4000, dict(run.records)
    assert set(run.records) == set(SOURCES), "a source folder is missing or empty"
    assert run.malformed_lines == set(EXPECTED_MALFORMED), run.problems[:10]
    assert run.malformed == len(EXPECTED_MALFORMED), run.problems[:10]
    assert run.unreadable == 0, run.problems[:10]


def test_every_panther_test_case_is_read() -> None:
    """All 461 Panther test logs reach the rules or are accounted for (no eventName,
    or a lower-cased record listed in EXPECTED_MALFORMED)."""
    from sigmaq.replay.readers import ReadStats, iter_records

    path = EXTERNAL / "panther-analysis" / "cloudtrail_records.ndjson"
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(lines) == PANTHER_LINES
    stats = ReadStats()
    read = sum(1 for _ in iter_records([path], stats))
    assert read + stats.skipped + stats.malformed == PANTHER_LINES
    assert read >= 450 and stats.malformed == len(EXPECTED_MALFORMED)


def test_elastic_pipeline_inputs_are_read(run: Run) -> None:
    """Every raw record of the Elastic pipeline tests: 8 API calls, 1 digest skipped."""
    assert run.records["elastic-integrations-aws-cloudtrail"] == 8
    assert run.skipped_by_source["elastic-integrations-aws-cloudtrail"] == 1


def test_every_rule_replays(run: Run) -> None:
    assert not run.refused, run.refused


def test_real_records_validate_against_schema(run: Run) -> None:
    unexpected = {k: v[:3] for k, v in run.schema_failures.items() if k not in SCHEMA_EXCEPTIONS}
    assert not unexpected, unexpected
    stale = sorted(set(SCHEMA_EXCEPTIONS) - set(run.schema_failures))
    assert not stale, f"listed as exceptions but valid now: {stale}"
    assert run.schema_checked > 3700


def _pack_stems() -> list[tuple[str, str]]:
    try:
        return sorted((loaded.path.stem, _component(loaded)) for loaded in _pack())
    except Exception:  # the loader has its own tests; collection must not die here
        return []


@pytest.mark.parametrize(
    ("rule", "component"),
    [p for p in _pack_stems() if p[1] != "containment"],
    ids=lambda value: str(value),
)
def test_q_rule_matches_only_q_related_records(run: Run, rule: str, component: str) -> None:
    wrong = [
        f"{m.source} eventID {m.event_id}"
        for m in run.matches.values()
        if m.rule == rule and m.alerting and not m.q_related
    ]
    assert not wrong, f"{rule} ({component}) matched records unrelated to Amazon Q: {wrong[:10]}"


def test_every_match_is_judged(run: Run) -> None:
    judged = _judged(_load_judgements())
    missing = []
    for key, match in sorted(run.matches.items()):
        if not match.alerting:
            continue
        if match.component != "containment" and not match.q_related:
            continue  # reported by test_q_rule_matches_only_q_related_records
        entry = judged.get(key, {})
        judgement = str(entry.get("judgement") or "").strip()
        if not judgement or judgement.startswith(TODO):
            missing.append(f"{match.rule} {match.event_id} ({match.source})")
        elif [str(e) for e in entry.get("events") or []] != list(match.events):
            missing.append(
                f"{match.rule} {match.event_id}: judged records differ from the finding's"
            )
    assert not missing, (
        f"{len(missing)} real-data matches without a judgement in {JUDGEMENTS.name}: {missing[:20]}"
    )


def test_judgements_are_current(run: Run) -> None:
    data = _load_judgements()
    alerting = {key for key, match in run.matches.items() if match.alerting}
    stale = sorted(set(_judged(data)) - alerting)
    assert not stale, f"judged matches that no longer occur: {stale}"
    assert data["summary"] == _summary(run), (
        "summary in docs/real-data-judgements.yml is stale; rerun with SIGMAQ_UPDATE_REAL_DATA=1"
    )


MEDIUM_OR_ABOVE = ("medium", "high", "critical")


def test_medium_or_above_matches_are_true_positives(run: Run) -> None:
    judged = _judged(_load_judgements())
    wrong = [
        f"{m.rule} {m.event_id}: {judged.get(key, {}).get('judgement')!r}"
        for key, m in sorted(run.matches.items())
        if m.level in MEDIUM_OR_ABOVE
        and not str(judged.get(key, {}).get("judgement") or "").startswith("true positive")
    ]
    assert not wrong, wrong


def _external_folders() -> list[Path]:
    return sorted(p for p in EXTERNAL.iterdir() if p.is_dir()) if EXTERNAL.is_dir() else []


@pytest.mark.parametrize("folder", _external_folders(), ids=lambda p: p.name)
def test_hunt_at_medium_raises_only_judged_true_positives(folder: Path) -> None:
    """The acceptance check: ``sigmaq hunt --min-level medium <folder>``."""
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
    findings = json.loads(result.stdout)["findings"]
    stems = {loaded.rule_id: loaded.path.stem for loaded in _pack()}
    true_positive = {
        (str(m["rule"]), str(e))
        for m in _load_judgements()["matches"]
        if str(m.get("judgement") or "").startswith("true positive")
        for e in [m["event_id"], *(m.get("events") or [])]
    }
    unjudged = []
    for finding in findings:
        stem = stems[finding["rule_id"]]
        first = finding["events"][0]
        event_id = first.get("event_id") or first.get("eventID")
        position = first.get("position")
        candidates = {str(event_id), f"line-{position}", f"record-{position}"}
        if not any((stem, key) in true_positive for key in candidates):
            unjudged.append(f"{stem} {event_id} ({first.get('file')})")
    assert not unjudged, unjudged
