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
  has a reviewed judgement in ``docs/real-data-judgements.yml``, and every judgement
  there still corresponds to a match; the run summary recorded there is current.

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
    event_id: str
    source: str  # path relative to EXTERNAL
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
        records = _panther_records(paths[0]) if source == "panther-analysis" else None
        # Rules are loaded per source: the engine keeps state in its compiled rules.
        fresh = [loaded.rule for loaded in _pack() if str(loaded.path) in keep]
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
# each match needs a one-line judgement: "true positive: ..." or "tuned away: ..." or
# why the match is acceptable. Regenerate the lists (judgements are kept) with
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
    assert sum(run.records.values()) > 3000, dict(run.records)
    assert set(run.records) == set(SOURCES), "a source folder is missing or empty"
    assert run.malformed == 0, run.problems[:10]
    assert run.unreadable == 0, run.problems[:10]


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
        judgement = str(judged.get(key, {}).get("judgement") or "").strip()
        if not judgement or judgement.startswith(TODO):
            missing.append(f"{match.rule} {match.event_id} ({match.source})")
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
