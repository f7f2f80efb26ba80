"""What the Markdown and HTML reports show, decided once: columns and cell text."""

from __future__ import annotations

from sigmaq.investigate.model import (
    AccessKey,
    Counted,
    Evidence,
    FollowedSession,
    PrincipalTimeline,
    Report,
    RuleFindings,
)
from sigmaq.investigate.questions import iso

TITLE = "Amazon Q incident investigation"
EVIDENCE_COLUMNS = (
    "eventTime",
    "principal",
    "eventName",
    "source address",
    "request keys",
    "error",
    "eventID",
)
FINDING_COLUMNS = ("level", "rule", "kind", "findings", "first seen", "last seen", "principals")
KEY_COLUMNS = (
    "access key",
    "user",
    "account",
    "seen as",
    "active",
    "last used",
    "used in archive",
    "first/last in archive",
    "principal has findings",
)
PRINCIPAL_COLUMNS = (
    "principal",
    "kind",
    "findings",
    "max level",
    "events",
    "errors",
    "first seen",
    "last seen",
    "Q surfaces",
    "created/changed/deleted",
)
SESSION_COLUMNS = (
    "session",
    "opened by",
    "with",
    "call",
    "eventTime",
    "eventID",
    "role or session ARN",
    "source identity",
    "hop",
    "records kept",
    "first/last",
    "found by",
)
VERDICT = {"yes": "answered", "partly": "partly answered", "no": "cannot be answered"}


def text(value: object) -> str:
    """A cell as text ('' for None)."""
    return "" if value is None else str(value)


def evidence_row(evidence: Evidence) -> list[str]:
    source = (evidence.event_source or "?").split(".", 1)[0]
    return [
        iso(evidence.event_time) or "",
        evidence.principal,
        f"{source}:{evidence.event_name or '?'}",
        text(evidence.source_address),
        ", ".join(f"{k}={v}" for k, v in evidence.request),
        text(evidence.error_code),
        text(evidence.event_id),
    ]


def counted(values: tuple[Counted, ...], limit: int = 5) -> str:
    shown = ", ".join(f"{c.value} ({c.count})" for c in values[:limit])
    more = len(values) - limit
    return shown + (f", +{more} more" if more > 0 else "")


def finding_row(rule: RuleFindings) -> list[str]:
    return [
        text(rule.level),
        rule.rule_title,
        rule.kind,
        str(rule.total),
        iso(rule.first_seen) or "",
        iso(rule.last_seen) or "",
        counted(rule.principals, 3),
    ]


def actions_summary(timeline: PrincipalTimeline) -> str:
    counts: dict[str, int] = {}
    for action in timeline.actions:
        counts[action.kind] = counts.get(action.kind, 0) + 1
    shown = ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items()))
    if timeline.actions_total > len(timeline.actions):
        shown += f" (first {len(timeline.actions)} of {timeline.actions_total})"
    return shown


def principal_row(timeline: PrincipalTimeline) -> list[str]:
    return [
        timeline.principal,
        timeline.kind,
        str(timeline.findings),
        text(timeline.max_level),
        str(timeline.events),
        str(timeline.errors),
        iso(timeline.first_seen) or "",
        iso(timeline.last_seen) or "",
        ", ".join(c.value for c in timeline.surfaces),
        actions_summary(timeline),
    ]


def key_row(key: AccessKey) -> list[str]:
    span = ""
    if key.first_seen is not None:
        span = f"{iso(key.first_seen)} .. {iso(key.last_seen)}"
    ident = key.key_id or (f"slot {key.slot}" if key.slot else "?")
    used = key.last_used or ""
    where = ", ".join(v for v in (key.last_used_service, key.last_used_region) if v)
    return [
        ident,
        text(key.user),
        text(key.account),
        ", ".join(key.sources),
        "" if key.active is None else ("yes" if key.active else "no"),
        f"{used} ({where})" if where else used,
        str(key.events) if key.events else "",
        span,
        "yes" if key.principal_has_findings else "",
    ]


def session_row(session: FollowedSession) -> list[str]:
    call = session.call
    span = ""
    if session.first_seen is not None:
        span = f"{iso(session.first_seen)} .. {iso(session.last_seen)}"
    return [
        session.session,
        session.issued_by,
        text(session.issued_with),
        f"{(call.event_source or '?').split('.', 1)[0]}:{call.event_name or '?'}",
        iso(call.event_time) or "",
        text(call.event_id),
        session.session_arn or session.role_arn or "",
        text(session.source_identity),
        str(session.depth),
        str(session.events),
        span,
        ", ".join(session.matched_by) or text(session.note),
    ]


def sessions_lead(report: Report) -> str:
    """The sentence above the followed-sessions table."""
    run = report.run
    if not run.principal_filter:
        return ""
    if not run.follow_sessions:
        return "Sessions the principal opened were not followed (--no-follow-sessions)."
    if not report.followed_sessions:
        return (
            "The principal opened no session in the archive (no successful sts:AssumeRole*, "
            "GetFederationToken, GetSessionToken, AssumeRoot or Identity Center token call)."
        )
    return (
        f"{report.followed_sessions_total} session(s) opened by the principal or by a session "
        "followed from it (hop 2, 3…); their records are investigated with the principal's. "
        "Found by: accessKeyId (the key the call returned), session ARN (calls logged without "
        "a key), sourceIdentity (set on the call; it persists through role chaining), "
        "credentialId (Identity Center)."
    )


def run_lines(report: Report) -> list[tuple[str, str]]:
    """(label, value) lines describing the run."""
    run = report.run
    window = ""
    if run.first_event is not None:
        window = f"{iso(run.first_event)} .. {iso(run.last_event)}"
    lines = [
        ("inputs", ", ".join(run.paths)),
        (
            "records read",
            f"{run.records_read:,} in {run.files:,} file(s); {run.events_evaluated:,} investigated",
        ),
        ("events span", window or "no timed event"),
        ("rules", f"{run.rules} selected; {report.findings_total:,} finding(s)"),
        ("principals", f"{report.principals_total:,}"),
        ("resources touched", f"{report.resources_total:,}"),
    ]
    if run.principal_filter:
        followed = (
            f"; {report.followed_sessions_total} session(s) it opened followed"
            if run.follow_sessions
            else "; sessions it opened not followed"
        )
        lines.append(("principal filter", run.principal_filter + followed))
    if run.since or run.until:
        lines.append(("time filter", f"{iso(run.since) or '…'} .. {iso(run.until) or '…'}"))
    if run.filtered_out:
        lines.append(("left out by filters", f"{run.filtered_out:,}"))
    lines.append(("credential report", run.credential_report or "not given"))
    problems = run.malformed + run.unreadable_files + run.truncated_files
    lines.append(
        (
            "input problems",
            f"{run.malformed} malformed record(s), {run.unreadable_files} unreadable file(s), "
            f"{run.truncated_files} truncated file(s) (complete records read), "
            f"{run.empty_files} empty file(s), {run.skipped} skipped (digests, no eventName)"
            if problems or run.empty_files or run.skipped
            else "none",
        )
    )
    lines.append(("generated by", f"sigmaq {run.version} in {run.elapsed_seconds:.1f} s"))
    return lines
