"""``sigmaq investigate``: one streaming pass over CloudTrail archives into a ``Report``.

The same inputs and readers as hunt (``replay.readers.iter_paths``/``read_file``, every
malformed record counted in ``ReadStats``), the pack's rules run by the replay engine with
hunt's rule roles (a base rule a ``generate: false`` correlation refers to reports nothing
of its own), and the bounded aggregators of this package fed with every record kept by
``--since``/``--until``/``--principal``. Correlations are computed once every file is
read, so file order does not matter; their events carry what the report shows of them as
annotations (``records.note_of``), so nothing is read twice.

Memory: the aggregators are bounded by their caps (principals, resources, applications,
plugins…; ``docs/investigate.md``), never by the number of records. On top of them sit
the replay engine's correlation state (hunt's bound: about 60 bytes per base-rule match a
correlation keeps, plus its annotation interned once per distinct value) and one eventID
per single-event finding for redelivery de-duplication.
"""

from __future__ import annotations

import fnmatch
import logging
import time
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sigma.rule import SigmaRuleBase

from sigmaq import __version__
from sigmaq.core.model import EventRef, FindingKind, WindowMode
from sigmaq.core.runtime import streaming_gc
from sigmaq.hunt.rules import RuleRoles, expand_rules
from sigmaq.investigate.containment import access_keys, checklist
from sigmaq.investigate.coverage import CoverageState, rule_infos
from sigmaq.investigate.credentials import CredentialRow
from sigmaq.investigate.findings import FindingBook
from sigmaq.investigate.identity import (
    access_key_id,
    on_behalf_of,
    session_issuer,
    source_identity,
    user_name,
)
from sigmaq.investigate.inventory import ResourceTable
from sigmaq.investigate.model import Counted, Report, RunInfo
from sigmaq.investigate.principals import PrincipalTable
from sigmaq.investigate.qactivity import QActivity, widen
from sigmaq.investigate.questions import Context, answers
from sigmaq.investigate.records import Seen, note_of
from sigmaq.investigate.resources import actions_of
from sigmaq.investigate.sessions import SessionLinks, discover
from sigmaq.replay.readers import ReadStats, iter_paths, read_file

log = logging.getLogger(__name__)

ProgressCallback = Callable[[Path, int], None]
"""Called after each file with its path and its size on disk (bytes)."""


@dataclass(frozen=True)
class InvestigateOptions:
    """``since``/``until``: keep events with ``since <= eventTime <= until`` (tz-aware; with
    either set, events without a valid eventTime are left out and counted). ``principal``:
    keep only records whose principal matches (a shell glob when it holds ``*?[``, else a
    case-insensitive substring) the principal name, IAM user name, role ARN, access key id,
    Identity Center user id or source identity; every other record is left out of
    everything, rules included, as with the time window. ``follow_sessions`` (with
    ``principal``): also keep the records of the sessions the principal opened, and of
    those they opened in turn (``sessions``; the inputs are read twice)."""

    since: datetime | None = None
    until: datetime | None = None
    principal: str | None = None
    window: WindowMode = WindowMode.SLIDING
    follow_sessions: bool = True

    def keeps_time(self, ref: EventRef) -> bool:
        if self.since is None and self.until is None:
            return True
        moment = ref.event_time
        if moment is None:
            return False
        if self.since is not None and moment < self.since:
            return False
        return not (self.until is not None and moment > self.until)


def principal_matcher(pattern: str) -> Callable[[Seen], bool]:
    """A predicate on ``Seen`` records for ``--principal`` (see ``InvestigateOptions``)."""
    lowered = pattern.lower()
    is_glob = any(c in pattern for c in "*?[")

    def names(seen: Seen) -> list[str]:
        identity = seen.identity
        found = [seen.principal]
        for value in (
            user_name(identity),
            session_issuer(identity)[0],
            access_key_id(identity),
            on_behalf_of(identity),
            source_identity(identity),
            _text(identity.get("userName")),  # SAML, web identity and portal users
        ):
            if value:
                found.append(value)
        return found

    def matches(seen: Seen) -> bool:
        for name in names(seen):
            text = name.lower()
            if fnmatch.fnmatchcase(text, lowered) if is_glob else lowered in text:
                return True
        return False

    return matches


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _file_size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def investigate(
    paths: Sequence[Path | str],
    rules: Sequence[SigmaRuleBase],
    options: InvestigateOptions | None = None,
    *,
    credentials: Sequence[CredentialRow] | None = None,
    credential_source: str | None = None,
    rule_errors: Sequence[str] = (),
    progress: ProgressCallback | None = None,
) -> Report:
    """Investigate every CloudTrail record under ``paths`` with ``rules``.

    ``rules``: the rules to report on (as for ``hunt.runner.hunt``); ``credentials``: the
    rows of an IAM credential report, when given; ``rule_errors``: messages of rules that
    could not be used (shown in the report). Never raises for bad input files (they are
    counted in the report's run info). Raises ReplayError (from the engine) for a rule
    feature the engine does not implement.
    """
    from sigmaq.replay.engine import ReplayEngine

    options = options or InvestigateOptions()
    started = time.perf_counter()
    roles = RuleRoles.of(rules)
    infos = rule_infos(expand_rules(rules))
    current: list[Seen | None] = [None]  # the record being fed, for its annotation

    def annotate(event: Mapping[str, Any]) -> Hashable:
        seen = current[0]
        return seen.note() if seen is not None and seen.event is event else note_of(event)

    engine = ReplayEngine(rules, window=options.window, emits=roles.reports, annotate=annotate)
    principals = PrincipalTable()
    inventory = ResourceTable()
    activity = QActivity()
    coverage = CoverageState()
    book = FindingBook(principals)
    stats = ReadStats()
    keep_principal = principal_matcher(options.principal) if options.principal else None
    following = keep_principal is not None and options.follow_sessions
    timed = options.since is not None or options.until is not None
    evaluated = filtered = 0
    span: tuple[datetime | None, datetime | None] = (None, None)
    with streaming_gc():
        links = SessionLinks()
        if following and keep_principal is not None:
            links = discover(paths, keep_principal, progress)
        for path in iter_paths(paths, stats):
            for event, ref in read_file(path, stats):
                if timed and not options.keeps_time(ref):
                    filtered += 1
                    continue
                seen = Seen(event, ref)
                if keep_principal is not None:
                    followed = links.observe(seen)  # counted for its session either way
                    if not (keep_principal(seen) or followed):
                        filtered += 1
                        continue
                evaluated += 1
                span = widen(span, ref.event_time)
                state = principals.of(seen)
                if state is not None:
                    state.observe(seen)
                coverage.observe(seen)
                for action in actions_of(event):
                    inventory.record(action, seen)
                    if state is not None:
                        state.act(action, seen)
                activity.observe(seen)
                current[0] = seen
                for finding in engine.feed(event, ref):
                    if roles.reports(finding.rule_id):
                        book.add_event(finding, seen)
            if progress is not None:
                progress(path, _file_size(path))
        for finding in engine.finish():  # correlations only: single events came from feed
            if finding.kind is FindingKind.CORRELATION and roles.reports(finding.rule_id):
                book.add_correlation(finding)
    timelines = [state.freeze() for state in principals.ordered()]
    resources = inventory.states()
    keys = access_keys(timelines, resources, credentials)
    context = Context(resources, activity, coverage, infos, set(book.rules))
    limits: list[Counted] = [*principals.limits(), *inventory.limits(), *links.limits()]
    for name, capped in (
        ("applications past the cap", activity.apps.dropped),
        ("plugins past the cap", activity.plugins.dropped),
        ("Q targets past the cap", activity.targets.dropped),
        ("upload kinds past the cap", activity.uploads.dropped),
        ("IDE clients past the cap", activity.clients.dropped),
        ("evidence categories past the cap", activity.book.dropped),
        ("single-event findings dropped as redelivered eventIDs", book.redelivered),
        ("input problems not listed (past the first 1,000)", stats.problems_dropped),
    ):
        if capped:
            limits.append(Counted(name, capped))
    run = RunInfo(
        version=__version__,
        paths=tuple(str(p) for p in paths),
        principal_filter=options.principal,
        since=options.since,
        until=options.until,
        credential_report=credential_source,
        rules=len(rules),
        rule_errors=tuple(rule_errors),
        files=stats.files,
        records_read=stats.records_read,
        events_evaluated=evaluated,
        filtered_out=filtered,
        malformed=stats.malformed,
        unreadable_files=stats.unreadable_files,
        truncated_files=stats.truncated_files,
        empty_files=stats.empty_files,
        skipped=stats.skipped,
        invalid_event_time=stats.invalid_event_time,
        problems=tuple(str(p) for p in stats.problems),
        elapsed_seconds=round(time.perf_counter() - started, 3),
        first_event=span[0],
        last_event=span[1],
        limits=tuple(limits),
        follow_sessions=following,
    )
    log.info(
        "investigated %d of %d records in %d files: %d findings, %d principals, %d resources",
        evaluated,
        stats.records_read,
        stats.files,
        book.total,
        len(timelines),
        len(resources),
    )
    return Report(
        run=run,
        findings=tuple(book.freeze()),
        findings_total=book.total,
        answers=answers(context),
        principals=tuple(timelines),
        principals_total=len(timelines),
        resources=tuple(resources),
        resources_total=len(resources),
        access_keys=tuple(keys),
        checklist=tuple(checklist(timelines, resources, keys, activity.trusts.items.keys())),
        coverage=coverage.freeze(),
        followed_sessions=tuple(links.freeze()),
        followed_sessions_total=links.total,
    )
