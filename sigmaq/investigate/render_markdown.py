"""The report as Markdown (GitHub-flavoured tables; commands in ``sh`` blocks)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from sigmaq.core.unseen import show_unseen
from sigmaq.investigate.model import Answer, ChecklistItem, PrincipalTimeline, Report
from sigmaq.investigate.questions import iso
from sigmaq.investigate.render_common import (
    EVIDENCE_COLUMNS,
    FINDING_COLUMNS,
    KEY_COLUMNS,
    PRINCIPAL_COLUMNS,
    SESSION_COLUMNS,
    TITLE,
    VERDICT,
    counted,
    evidence_row,
    finding_row,
    key_row,
    principal_row,
    run_lines,
    session_row,
    sessions_lead,
    text,
)

MD_EVIDENCE = 25  # evidence rows per answer in Markdown (the JSON and HTML hold more)
MD_ROWS = 100
MD_PRINCIPALS = 50
MD_FINDINGS = 3  # findings detailed per rule
MD_EVENTS = 10  # events per detailed finding


# CommonMark punctuation that opens code spans, emphasis, links, images, raw HTML or
# table cells; a backslash before it makes it a literal character (CommonMark, "Backslash
# escapes").
_MD_SPECIAL = re.compile(r"([\\`*\[\]<>|!])")


class Md(str):
    """Markdown sigmaq wrote itself (a link to an anchor): put in as is."""

    __slots__ = ()


def md(value: object) -> str:
    """``value`` as inert Markdown text: control and format characters (a newline would
    end the line and let a forged value write headings or code blocks) are shown as
    ``\\xNN``/``\\uNNNN`` escapes, and Markdown punctuation is backslash-escaped."""
    if isinstance(value, Md):
        return str(value)
    return _MD_SPECIAL.sub(r"\\\1", show_unseen(text(value)))


def _cell(value: object) -> str:
    return md(value)


def table(columns: Sequence[str], rows: Iterable[Sequence[object]]) -> list[str]:
    """A Markdown table (cells escaped)."""
    lines = ["| " + " | ".join(_cell(c) for c in columns) + " |"]
    lines.append("|" + "---|" * len(columns))
    lines.extend("| " + " | ".join(_cell(c) for c in row) + " |" for row in rows)
    return lines


def _more(shown: int, total: int, what: str) -> list[str]:
    if total > shown:
        return [
            "",
            f"_{shown} of {total} {what} shown; the JSON report has them all up to its caps._",
        ]
    return []


def _answer(answer: Answer) -> list[str]:
    lines = [
        f"### {answer.id.upper()}. {answer.question}",
        "",
        f"**{VERDICT[answer.answered].capitalize()}.** {md(answer.summary)}",
        "",
    ]
    if answer.gaps:
        lines.append("What this archive cannot show:")
        lines.append("")
        for gap in answer.gaps:
            lines.append(f"- {md(gap.statement)}")
            if gap.rules:
                lines.append(f"  Rules that need it: {md(', '.join(gap.rules))}.")
        lines.append("")
    if answer.rules:
        lines += [
            f"Rules of the pack on this question that fired: {md(', '.join(answer.rules))}.",
            "",
        ]
    if answer.table.rows:
        rows = answer.table.rows[:MD_ROWS]
        lines += table(answer.table.columns, rows)
        lines += _more(len(rows), answer.table.total, "rows")
        lines.append("")
    if answer.evidence:
        lines += ["Evidence:", ""]
        shown = answer.evidence[:MD_EVIDENCE]
        lines += table(EVIDENCE_COLUMNS, (evidence_row(e) for e in shown))
        lines += _more(len(shown), answer.evidence_total, "evidence records")
        lines.append("")
    return lines


def _timeline(timeline: PrincipalTimeline) -> list[str]:
    lines = [
        f"### {md(timeline.principal)}",
        "",
        f"- kind {timeline.kind}"
        + (f", IAM user {md(timeline.user_name)}" if timeline.user_name else "")
        + (f", accounts {md(', '.join(timeline.accounts))}" if timeline.accounts else ""),
        f"- first seen {iso(timeline.first_seen)}, last seen {iso(timeline.last_seen)}; "
        f"{timeline.events} event(s), {timeline.errors} error(s)",
    ]
    if timeline.findings:
        lines.append(
            f"- {timeline.findings} finding(s), up to {timeline.max_level}: "
            + md(counted(timeline.finding_rules, 8))
        )
    if timeline.on_behalf_of:
        lines.append(
            f"- on behalf of Identity Center user(s) {md(', '.join(timeline.on_behalf_of))}"
        )
    if timeline.surfaces:
        lines.append(f"- Amazon Q surfaces: {md(counted(timeline.surfaces, 10))}")
    lines.append(
        f"- source addresses ({timeline.source_addresses_total}): "
        + md(counted(timeline.source_addresses, 8))
    )
    lines.append(
        f"- user agents ({timeline.user_agents_total}): " + md(counted(timeline.user_agents, 3))
    )
    lines.append(
        f"- calls ({timeline.event_names_total} kinds): " + md(counted(timeline.event_names, 10))
    )
    if timeline.sessions:
        lines += ["", "Sessions:", ""]
        lines += table(
            ("credentials", "kind", "issued", "MFA", "first seen", "last seen", "events", "from"),
            (
                (
                    s.key,
                    s.kind,
                    s.issued,
                    "" if s.mfa is None else ("yes" if s.mfa else "no"),
                    iso(s.first_seen),
                    iso(s.last_seen),
                    s.events,
                    ", ".join(s.source_addresses),
                )
                for s in timeline.sessions
            ),
        )
        lines += _more(len(timeline.sessions), timeline.sessions_total, "sessions")
    if timeline.actions:
        lines += ["", "Created, changed, deleted (in time order):", ""]
        lines += table(
            ("eventTime", "action", "type", "id", "eventName", "eventID"),
            (
                (
                    iso(a.evidence.event_time),
                    a.kind if a.kind != "attempted" else f"attempted ({a.evidence.error_code})",
                    a.resource_type,
                    a.resource_id,
                    a.evidence.event_name,
                    a.evidence.event_id,
                )
                for a in timeline.actions
            ),
        )
        lines += _more(len(timeline.actions), timeline.actions_total, "actions")
    lines.append("")
    return lines


def _item(item: ChecklistItem) -> list[str]:
    box = "x" if item.done else " "
    lines = [
        f"- [{box}] **{md(item.category)}**: {md(item.target)}",
        f"  - why: {md(item.reason)}",
    ]
    if item.done:
        lines.append(f"  - already done in the archive: {md(item.done)}")
    if item.manual:
        lines.append(f"  - {md(item.manual)}")
    lines.append(f"  - caution: {md(item.caution)}")
    if item.evidence_ids:
        lines.append(f"  - evidence: {md(', '.join(item.evidence_ids[:10]))}")
    if item.commands:
        lines += ["", "  ```sh", *(f"  {c}" for c in item.commands), "  ```"]
    return lines


def render_markdown(report: Report) -> str:
    """The whole report as one Markdown document."""
    out = [f"# {TITLE}", ""]
    out += table(("", ""), run_lines(report))
    out += ["", "## Answers at a glance", ""]
    out += table(
        ("question", "verdict", "summary"),
        (
            (Md(f"[{a.id.upper()}](#{a.id}) {md(a.question)}"), VERDICT[a.answered], a.summary)
            for a in report.answers
        ),
    )
    out += ["", "## Findings of the pack", ""]
    if report.findings:
        out += table(FINDING_COLUMNS, (finding_row(r) for r in report.findings))
        out.append("")
        for rule in report.findings:
            out += [f"### {md(rule.rule_title)} ({rule.level}, {rule.total} finding(s))", ""]
            for number, finding in enumerate(rule.findings[:MD_FINDINGS], start=1):
                group = ", ".join(f"{k}={v}" for k, v in finding.group)
                out.append(
                    f"Finding {number}: {iso(finding.first_seen)} .. {iso(finding.last_seen)}, "
                    f"{finding.events_total} event(s)" + (f", group {md(group)}" if group else "")
                )
                out.append("")
                events = finding.events[:MD_EVENTS]
                out += table(EVIDENCE_COLUMNS, (evidence_row(e) for e in events))
                out += _more(len(events), finding.events_total, "events")
                out.append("")
            out += _more(min(len(rule.findings), MD_FINDINGS), rule.total, "findings of this rule")
            out.append("")
    else:
        out += ["No rule of the pack fired.", ""]
    out += ["## Analysis questions", ""]
    for answer in report.answers:
        out += [f'<a id="{answer.id}"></a>', ""]
        out += _answer(answer)
    if report.run.principal_filter:
        out += ['<a id="sessions"></a>', "", "## Sessions the principal opened", ""]
        out += [md(sessions_lead(report)), ""]
        shown_sessions = report.followed_sessions[:MD_ROWS]
        if shown_sessions:
            out += table(SESSION_COLUMNS, (session_row(s) for s in shown_sessions))
            out += _more(len(shown_sessions), report.followed_sessions_total, "sessions")
            out += [""]
            out += [f"- {md(s.session)}: {md(s.note)}" for s in shown_sessions if s.note]
            out += [""] if any(s.note for s in shown_sessions) else []
    out += ["## Timeline by principal", "", "Principals with findings first.", ""]
    shown = report.principals[:MD_PRINCIPALS]
    out += table(PRINCIPAL_COLUMNS, (principal_row(t) for t in shown))
    out += _more(len(shown), report.principals_total, "principals")
    out.append("")
    for timeline in shown:
        out += _timeline(timeline)
    out += ["## Access keys (playbook step 6)", ""]
    if report.access_keys:
        out += table(KEY_COLUMNS, (key_row(k) for k in report.access_keys))
    else:
        out.append(
            "No long-term access key appears in the archive, and no credential report was given."
        )
    out += ["", "## Containment checklist (playbook steps 6-7)", ""]
    out += [
        "Commands are exact AWS CLI calls for you to review and run; sigmaq never runs them. "
        "Deleting IAM users can break production: do it with care.",
        "",
    ]
    for step, title in (("step-6", "Step 6: keys and sessions"), ("step-7", "Step 7: resources")):
        items = [i for i in report.checklist if i.step == step]
        out += [f"### {title}", ""]
        if not items:
            out += ["Nothing to do from this archive.", ""]
        for item in items:
            out += _item(item)
            out.append("")
    coverage = report.coverage
    out += ["## Coverage and limits", ""]
    out.append(
        f"{coverage.management_events:,} management, {coverage.data_events:,} data and "
        f"{coverage.other_events:,} other event(s). Data-event resource types: "
        + (md(counted(coverage.data_resource_types, 20)) or "none")
        + ". Amazon Q sources: "
        + (md(counted(coverage.q_event_sources, 20)) or "none")
        + "."
    )
    if report.run.limits:
        out += ["", "Left out by the memory caps:", ""]
        out += [f"- {md(c.value)}: {c.count:,}" for c in report.run.limits]
    if report.run.problems:
        out += ["", "Input problems:", ""]
        out += [f"- {md(p)}" for p in report.run.problems[:50]]
    if report.run.rule_errors:
        out += ["", "Rules that could not be used:", ""]
        out += [f"- {md(e)}" for e in report.run.rule_errors]
    out.append("")
    return "\n".join(out)
