"""``sigmaq fixture capture``: real records a rule matches, rewritten into a fixture.

The rule is replayed over the archive with the reference engine (``sigmaq.replay``,
any format the readers take). Each finding (one event, or a correlation's events)
becomes one positive fixture ``pos_captured_NN.json`` (``<rule stem>.pos_captured_NN.json``
when written beside the rule: the flat layout of ``sigmaq.core.layout``) holding its
records, rewritten by one ``sigmaq.authoring.redact.Redactor`` for the whole capture
(so a principal or account keeps one identity across files). Every written fixture is
replayed again: if the rewrite changed a value the rule reads and the rule no longer
matches, the result says so (``--keep FIELD`` keeps a field's original value).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sigmaq.authoring.redact import Redactor
from sigmaq.core.errors import ConfigError
from sigmaq.core.jsonfmt import canonical_json
from sigmaq.core.loader import LoadedRule, load_rules
from sigmaq.core.model import EventRef


@dataclass(frozen=True)
class CapturedFixture:
    """One written fixture: its path, record count, and whether the rule still matches."""

    path: Path
    records: int
    still_matches: bool


@dataclass
class CaptureReport:
    """What a capture read and wrote."""

    rule: str
    records_read: int = 0
    files: int = 0
    unreadable_files: int = 0  # a missing path, a file that cannot be read or parsed
    truncated_files: int = 0
    malformed: int = 0
    findings: int = 0
    written: list[CapturedFixture] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    accounts_beyond_examples: int = 0
    # The folder `sigmaq test` reads the rule's fixtures from, when the capture was
    # written elsewhere (those files are not replayed); None when written in place.
    where_tested: Path | None = None

    @property
    def input_failed(self) -> bool:
        """True when some input was lost: a path missing or unreadable, a file cut short,
        a malformed record (``ReadStats.failed``)."""
        return bool(self.unreadable_files or self.truncated_files or self.malformed)


def select_rule(rules: Sequence[LoadedRule], wanted: str) -> LoadedRule:
    """The one rule whose id, title, correlation name or file stem is ``wanted``.

    Raises ConfigError when none or several match.
    """
    lowered = wanted.lower()
    found = [
        loaded
        for loaded in rules
        if lowered
        in {
            loaded.rule_id.lower(),
            str(loaded.rule.title).lower(),
            (loaded.rule.name or "").lower(),
            loaded.path.stem.lower(),
        }
    ]
    if not found:
        raise ConfigError(f"no rule with id, title, name or file stem {wanted!r}")
    if len(found) > 1:
        raise ConfigError(f"{wanted!r} names {len(found)} rules: use the rule id")
    return found[0]


def _matches(loaded: LoadedRule, records: Sequence[tuple[dict[str, Any], EventRef]]) -> list[Any]:
    from sigmaq.replay.engine import ReplayEngine

    engine = ReplayEngine([loaded.rule], emit_all=True)
    findings = []
    for record, ref in records:
        findings.extend(engine.feed(record, ref))
    findings.extend(engine.finish())
    return [f for f in findings if f.rule_id == loaded.rule_id]


def _restore(original: Any, redacted: Any, path: Sequence[str]) -> None:
    """Put the original value of the dotted field ``path`` back into ``redacted``."""
    source, target = original, redacted
    for key in path[:-1]:
        if not isinstance(source, dict) or not isinstance(target, dict) or key not in source:
            return
        source, target = source[key], target.get(key)
    if isinstance(source, dict) and isinstance(target, dict) and path[-1] in source:
        target[path[-1]] = source[path[-1]]


def _naming(rule_path: Path, out_dir: Path) -> tuple[str, Path | None]:
    """(file-name prefix, the folder `sigmaq test` reads if not ``out_dir``) for
    fixtures of the rule at ``rule_path`` written into ``out_dir``: the pack's
    ``fixtures/<component>/<stem>/`` or, outside a pack, the rule's own folder
    (``sigmaq.core.layout``)."""
    from sigmaq.core.layout import ProjectLayout, find_project_root

    target = out_dir.resolve()
    if target == rule_path.resolve().parent:
        return f"{rule_path.stem}.pos_captured_", None
    root = find_project_root(rule_path)
    if root is not None:
        try:
            home = ProjectLayout(root).fixture_dir_for(rule_path)
        except ValueError:  # a rule outside rules/<component>/: fixtures beside it
            home = rule_path.parent
    else:
        home = rule_path.parent
    return "pos_captured_", None if home.resolve() == target else home


def capture(
    archives: Sequence[Path],
    rule_paths: Sequence[Path],
    wanted: str,
    out_dir: Path,
    *,
    limit: int = 3,
    keep: Sequence[str] = (),
) -> CaptureReport:
    """Write up to ``limit`` positive fixtures of rule ``wanted`` from ``archives``.

    ``rule_paths``: where the rule (and the rules a correlation references) are;
    ``keep``: dotted field paths whose values are kept as they are (they may leak:
    check them). Files are named ``pos_captured_NN.json``, or
    ``<rule stem>.pos_captured_NN.json`` when ``out_dir`` is the rule's own folder (flat
    layout); ``where_tested`` names the folder `sigmaq test` reads when ``out_dir`` is
    neither that nor the rule's pack fixture folder. Raises ConfigError for an unknown
    or ambiguous rule or a rule the engine cannot replay. Archives are read as `sigmaq
    hunt` reads them: a path that does not exist or cannot be read, a cut file and a
    malformed record are counted (``unreadable_files``, ``truncated_files``,
    ``malformed``) and named in ``problems``, and every other path is still read.
    """
    from sigmaq.core.errors import ReplayError
    from sigmaq.replay.readers import ReadStats, iter_records

    loaded = load_rules(rule_paths)
    if not loaded.rules and loaded.errors:
        raise ConfigError(f"no rule loaded: {loaded.errors[0]}")
    rule = select_rule(loaded.rules, wanted)
    report = CaptureReport(rule=rule.rule_id)
    prefix, report.where_tested = _naming(rule.path, out_dir)
    stats = ReadStats()
    try:
        findings = _matches(rule, list(iter_records(list(archives), stats)))
    except ReplayError as exc:
        raise ConfigError(f"the rule cannot be replayed: {exc}") from exc
    report.records_read = stats.records_read
    report.files = stats.files
    report.unreadable_files = stats.unreadable_files
    report.truncated_files = stats.truncated_files
    report.malformed = stats.malformed
    report.problems += [str(p) for p in stats.problems if not p.warning]
    if stats.problems_dropped:
        report.problems.append(f"... {stats.problems_dropped} more input problems")
    report.findings = len(findings)
    chosen = findings[:limit]
    wanted_refs = {(ref.source, ref.position) for f in chosen for ref in f.events}
    kept: dict[tuple[str, int], dict[str, Any]] = {}
    for record, ref in iter_records(list(archives), ReadStats()):
        if (ref.source, ref.position) in wanted_refs:
            kept[(ref.source, ref.position)] = record
    redactor = Redactor()
    for record in kept.values():
        redactor.learn(record)
    if chosen:
        out_dir.mkdir(parents=True, exist_ok=True)
    number = 1
    for finding in chosen:
        originals = [kept[(r.source, r.position)] for r in finding.events]
        records = [redactor.redact(record) for record in originals]
        for original, redacted in zip(originals, records, strict=True):
            for field_path in keep:
                _restore(original, redacted, field_path.split("."))
        while (out_dir / f"{prefix}{number:02d}.json").exists():
            number += 1
        path = out_dir / f"{prefix}{number:02d}.json"
        path.write_text(canonical_json({"Records": records}), encoding="utf-8")
        from sigmaq.replay.readers import parse_event_time

        replayed = [
            (
                record,
                EventRef(
                    str(path),
                    i,
                    str(record.get("eventID", "")),
                    parse_event_time(record.get("eventTime")),
                ),
            )
            for i, record in enumerate(records)
        ]
        fresh = select_rule(load_rules(rule_paths).rules, rule.rule_id)
        still = bool(_matches(fresh, replayed))
        report.written.append(CapturedFixture(path, len(records), still))
    from sigmaq.authoring.redact import DOC_ACCOUNTS

    report.accounts_beyond_examples = max(0, len(redactor.accounts) - len(DOC_ACCOUNTS))
    return report
