"""The report as one self-contained HTML page: no server, no external asset (a Content
Security Policy forbids loading any), inline CSS, an inline SVG timeline and a little
vanilla JavaScript for sortable tables and a filter box. Every section has a stable id
(``findings``, ``q1``…``q6``, ``sessions`` with ``--principal``, ``timeline``,
``principals``, ``keys``, ``checklist``)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from html import escape

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

HTML_FINDINGS = 10  # findings detailed per rule
HTML_EVENTS = 25  # events per detailed finding
HTML_PRINCIPALS = 200
HTML_SESSIONS = 500
TIMELINE_PRINCIPALS = 40
TIMELINE_WIDTH = 1100
LABEL_WIDTH = 330
ROW_HEIGHT = 22
COLOURS = {"created": "#1a7f37", "deleted": "#cf222e", "changed": "#bf8700", "attempted": "#6e7781"}

CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
    "img-src data:; base-uri 'none'; form-action 'none'"
)
STYLE = """
body{
  font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;
  margin:0;
  color:#1f2328;
  background:#fff;
}
header{background:#232f3e;color:#fff;padding:14px 24px}
header h1{margin:0;font-size:20px}
nav{
  position:sticky;
  top:0;
  background:#f6f8fa;
  border-bottom:1px solid #d0d7de;
  padding:6px 24px;
  z-index:2;
}
nav a{margin-right:14px;color:#0969da;text-decoration:none}
nav input{float:right;padding:2px 6px;width:260px}
main{padding:8px 24px 40px}
section{margin-top:18px}
h2{border-bottom:1px solid #d0d7de;padding-bottom:4px}
table{border-collapse:collapse;margin:8px 0;font-size:12.5px;max-width:100%}
th,td{
  border:1px solid #d0d7de;
  padding:3px 6px;
  vertical-align:top;
  text-align:left;
  overflow-wrap:break-word;
  max-width:560px;
}
th{background:#f6f8fa;cursor:pointer;user-select:none;white-space:nowrap}
th[aria-sort=ascending]::after{content:" \\25B2"}
th[aria-sort=descending]::after{content:" \\25BC"}
.verdict{
  display:inline-block;
  padding:1px 8px;
  border-radius:10px;
  font-weight:600;
  font-size:12px;
}
.v-yes{background:#dafbe1;color:#1a7f37}
.v-partly{background:#fff8c5;color:#7d4e00}
.v-no{background:#ffebe9;color:#cf222e}
.gap{background:#fff8c5;border-left:4px solid #bf8700;padding:4px 10px;margin:4px 0}
.level-high,.level-critical{color:#cf222e;font-weight:600}
.level-medium{color:#bc4c00;font-weight:600}
pre{
  background:#f6f8fa;
  border:1px solid #d0d7de;
  padding:8px;
  overflow-x:auto;
  font-size:12px;
  white-space:pre-wrap;
}
.item{border:1px solid #d0d7de;border-radius:6px;padding:6px 12px;margin:8px 0}
.done{opacity:.6}
.caution{color:#9a6700}
details summary{cursor:pointer;font-weight:600}
.muted{color:#57606a}
svg text{font:11px system-ui,sans-serif}
.scroll{overflow-x:auto;max-width:100%}
.scroll table{max-width:none}
"""
SCRIPT = """
(function(){
  function key(cell){
    var t=(cell.getAttribute('data-sort')||cell.textContent).trim();
    var n=Number(t.replace(/,/g,''));
    return (t!==''&&!isNaN(n))?[0,n]:[1,t.toLowerCase()];
  }
  function sortBy(table,index,th){
    var body=table.tBodies[0];if(!body){return;}
    var rows=Array.prototype.slice.call(body.rows);
    var dir=th.getAttribute('aria-sort')==='ascending'?-1:1;
    Array.prototype.forEach.call(table.tHead.rows[0].cells,function(o){o.removeAttribute('aria-sort');});
    th.setAttribute('aria-sort',dir===1?'ascending':'descending');
    rows.sort(function(a,b){
      var x=key(a.cells[index]),y=key(b.cells[index]);
      if(x[0]!==y[0]){return x[0]-y[0];}
      return x[1]<y[1]?-dir:(x[1]>y[1]?dir:0);
    });
    rows.forEach(function(r){body.appendChild(r);});
  }
  Array.prototype.forEach.call(document.querySelectorAll('table.sortable'),function(table){
    if(!table.tHead){return;}
    Array.prototype.forEach.call(table.tHead.rows[0].cells,function(th,index){
      th.addEventListener('click',function(){sortBy(table,index,th);});
    });
  });
  var box=document.getElementById('filter');
  if(box){box.addEventListener('input',function(){
    var needle=box.value.toLowerCase();
    Array.prototype.forEach.call(document.querySelectorAll('table.sortable tbody tr'),function(row){
      row.style.display=(!needle||row.textContent.toLowerCase().indexOf(needle)>=0)?'':'none';
    });
  });}
  document.documentElement.setAttribute('data-ready','1');
})();
"""


def _e(value: object) -> str:
    return escape(text(value), quote=True)


def _table(columns: Sequence[str], rows: Iterable[Sequence[object]], cls: str = "sortable") -> str:
    body = "".join(
        "<tr>" + "".join(f"<td>{_e(cell)}</td>" for cell in row) + "</tr>" for row in rows
    )
    if not any(columns):  # a key/value table: no header
        return f'<table class="{cls}"><tbody>{body}</tbody></table>'
    head = "".join(f"<th>{_e(c)}</th>" for c in columns)
    return (
        f'<div class="scroll"><table class="{cls}"><thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table></div>"
    )


def _more(shown: int, total: int, what: str) -> str:
    if total > shown:
        return (
            f'<p class="muted">{shown} of {total} {_e(what)} shown (the JSON report has more).</p>'
        )
    return ""


def _answer(answer: Answer) -> str:
    parts = [
        f'<section id="{answer.id}" class="question" data-answered="{answer.answered}">',
        f"<h3>{answer.id.upper()}. {_e(answer.question)}</h3>",
        f'<p><span class="verdict v-{answer.answered}">{_e(VERDICT[answer.answered])}</span> '
        f"{_e(answer.summary)}</p>",
    ]
    for gap in answer.gaps:
        rules = (
            f"<br><span class=muted>Rules that need it: {_e(', '.join(gap.rules))}</span>"
            if gap.rules
            else ""
        )
        parts.append(f'<div class="gap">{_e(gap.statement)}{rules}</div>')
    if answer.rules:
        parts.append(
            f"<p class=muted>Rules on this question that fired: {_e(', '.join(answer.rules))}</p>"
        )
    if answer.table.rows:
        parts.append(_table(answer.table.columns, answer.table.rows))
        parts.append(_more(len(answer.table.rows), answer.table.total, "rows"))
    if answer.evidence:
        parts.append(f"<details><summary>Evidence ({answer.evidence_total})</summary>")
        parts.append(_table(EVIDENCE_COLUMNS, (evidence_row(e) for e in answer.evidence)))
        parts.append(_more(len(answer.evidence), answer.evidence_total, "evidence records"))
        parts.append("</details>")
    parts.append("</section>")
    return "".join(parts)


def _findings(report: Report) -> str:
    if not report.findings:
        return "<p>No rule of the pack fired.</p>"
    parts = [_table(FINDING_COLUMNS, (finding_row(r) for r in report.findings))]
    for rule in report.findings:
        parts.append(
            f'<details><summary class="level-{_e(rule.level)}">{_e(rule.rule_title)} '
            f"({_e(rule.level)}, {rule.total})</summary>"
        )
        for finding in rule.findings[:HTML_FINDINGS]:
            group = ", ".join(f"{k}={v}" for k, v in finding.group)
            parts.append(
                f"<p>{_e(iso(finding.first_seen))} .. {_e(iso(finding.last_seen))}, "
                f"{finding.events_total} event(s){_e(', group ' + group) if group else ''}</p>"
            )
            events = finding.events[:HTML_EVENTS]
            parts.append(_table(EVIDENCE_COLUMNS, (evidence_row(e) for e in events)))
            parts.append(_more(len(events), finding.events_total, "events"))
        parts.append(_more(min(len(rule.findings), HTML_FINDINGS), rule.total, "findings"))
        parts.append("</details>")
    return "".join(parts)


def _x(moment: datetime | None, start: float, span: float) -> float:
    if moment is None:
        return float(LABEL_WIDTH)
    width = TIMELINE_WIDTH - LABEL_WIDTH - 10
    return (
        LABEL_WIDTH + (moment.timestamp() - start) / span * width
        if span
        else LABEL_WIDTH + width / 2
    )


def timeline_svg(report: Report) -> str:
    """Each principal (findings first) as a lane: a grey bar from first to last seen,
    session bars, and a mark per create (green), delete (red), change (amber) or failed
    attempt (grey), each with a tooltip."""
    lanes = [t for t in report.principals[:TIMELINE_PRINCIPALS] if t.first_seen is not None]
    first, last = report.run.first_event, report.run.last_event
    if not lanes or first is None or last is None:
        return "<p>No timed event.</p>"
    start, span = first.timestamp(), max(last.timestamp() - first.timestamp(), 0.0)
    height = 30 + ROW_HEIGHT * len(lanes)
    out = [
        f'<svg id="timeline-svg" xmlns="http://www.w3.org/2000/svg" width="{TIMELINE_WIDTH}" '
        f'height="{height}" role="img" aria-label="timeline by principal">'
    ]
    for tick in range(5):
        x = LABEL_WIDTH + tick * (TIMELINE_WIDTH - LABEL_WIDTH - 10) / 4
        moment = datetime.fromtimestamp(start + span * tick / 4, tz=first.tzinfo)
        label = moment.strftime("%Y-%m-%d" if span > 2 * 86400 else "%m-%d %H:%M:%S")
        out.append(f'<line x1="{x:.1f}" y1="14" x2="{x:.1f}" y2="{height}" stroke="#eaeef2"/>')
        anchor = "start" if tick == 0 else ("end" if tick == 4 else "middle")
        out.append(f'<text x="{x:.1f}" y="11" text-anchor="{anchor}">{_e(label)}</text>')
    for row, lane in enumerate(lanes):
        y = 24 + row * ROW_HEIGHT
        label = lane.principal if len(lane.principal) <= 48 else "…" + lane.principal[-47:]
        weight = ' font-weight="bold"' if lane.findings else ""
        out.append(
            f'<text x="4" y="{y + 9}"{weight}><title>{_e(lane.principal)}: {lane.events} events, '
            f"{lane.findings} findings</title>{_e(label)}</text>"
        )
        x1, x2 = _x(lane.first_seen, start, span), _x(lane.last_seen, start, span)
        tip = f"{iso(lane.first_seen)} .. {iso(lane.last_seen)}"
        out.append(
            f'<rect class="lane" x="{x1:.1f}" y="{y + 3}" width="{max(x2 - x1, 2):.1f}" '
            f'height="8" fill="#d0d7de"><title>{_e(tip)}</title></rect>'
        )
        for session in lane.sessions[:10]:
            s1, s2 = _x(session.first_seen, start, span), _x(session.last_seen, start, span)
            out.append(
                f'<rect x="{s1:.1f}" y="{y + 12}" width="{max(s2 - s1, 2):.1f}" height="3" '
                f'fill="#8c959f"><title>{_e(session.key)} ({session.events} events)</title></rect>'
            )
        for action in lane.actions:
            ax = _x(action.evidence.event_time, start, span)
            colour = COLOURS.get(action.kind, "#6e7781")
            tip = (
                f"{iso(action.evidence.event_time)} {action.kind} {action.resource_type} "
                f"{action.resource_id} ({action.evidence.event_name}, {action.evidence.event_id})"
            )
            out.append(
                f'<circle class="mark mark-{action.kind}" cx="{ax:.1f}" cy="{y + 7}" r="4" '
                f'fill="{colour}"><title>{_e(tip)}</title></circle>'
            )
    out.append("</svg>")
    legend = " ".join(f'<span style="color:{c}">&#9679; {k}</span>' for k, c in COLOURS.items())
    return (
        f"<p class=muted>{legend}; grey bar: first to last seen; thin bars: sessions.</p>"
        + "".join(out)
    )


def _principal(timeline: PrincipalTimeline) -> str:
    rows = [
        (
            "kind",
            timeline.kind + (f", IAM user {timeline.user_name}" if timeline.user_name else ""),
        ),
        ("accounts", ", ".join(timeline.accounts)),
        ("seen", f"{iso(timeline.first_seen)} .. {iso(timeline.last_seen)}"),
        ("events", f"{timeline.events} ({timeline.errors} errors)"),
        ("findings", counted(timeline.finding_rules, 10)),
        ("on behalf of", ", ".join(timeline.on_behalf_of)),
        ("Amazon Q surfaces", counted(timeline.surfaces, 10)),
        ("source addresses", counted(timeline.source_addresses, 10)),
        ("user agents", counted(timeline.user_agents, 5)),
        ("calls", counted(timeline.event_names, 15)),
    ]
    parts = [
        f'<details class="principal"><summary>{_e(timeline.principal)} <span class=muted>'
        f"({timeline.findings} findings, {timeline.events} events)</span></summary>",
        _table(("", ""), ((k, v) for k, v in rows if v), cls="plain"),
    ]
    if timeline.sessions:
        parts.append(
            _table(
                ("credentials", "kind", "issued", "first seen", "last seen", "events", "from"),
                (
                    (
                        s.key,
                        s.kind,
                        s.issued,
                        iso(s.first_seen),
                        iso(s.last_seen),
                        s.events,
                        ", ".join(s.source_addresses),
                    )
                    for s in timeline.sessions
                ),
            )
        )
    if timeline.actions:
        parts.append(
            _table(
                ("eventTime", "action", "type", "id", "eventName", "eventID"),
                (
                    (
                        iso(a.evidence.event_time),
                        a.kind,
                        a.resource_type,
                        a.resource_id,
                        a.evidence.event_name,
                        a.evidence.event_id,
                    )
                    for a in timeline.actions
                ),
            )
        )
    parts.append("</details>")
    return "".join(parts)


def _item(item: ChecklistItem) -> str:
    parts = [
        f'<div class="item{" done" if item.done else ""}" data-step="{item.step}">',
        f"<p><b>{_e(item.category)}</b>: {_e(item.target)}<br>why: {_e(item.reason)}</p>",
    ]
    if item.done:
        parts.append(f"<p>Already done in the archive: {_e(item.done)}</p>")
    if item.manual:
        parts.append(f"<p>{_e(item.manual)}</p>")
    if item.commands:
        parts.append("<pre>" + _e("\n".join(item.commands)) + "</pre>")
    parts.append(f'<p class="caution">Caution: {_e(item.caution)}</p>')
    if item.evidence_ids:
        parts.append(f"<p class=muted>evidence: {_e(', '.join(item.evidence_ids[:10]))}</p>")
    parts.append("</div>")
    return "".join(parts)


def _sessions(report: Report) -> str:
    """The sessions the investigated principal opened ('' without --principal)."""
    if not report.run.principal_filter:
        return ""
    shown = report.followed_sessions[:HTML_SESSIONS]
    notes = "".join(f"<li>{_e(s.session)}: {_e(s.note)}</li>" for s in shown if s.note)
    return "".join(
        [
            '<section id="sessions"><h2>Sessions the principal opened</h2>',
            f"<p>{_e(sessions_lead(report))}</p>",
            _table(SESSION_COLUMNS, (session_row(s) for s in shown)) if shown else "",
            _more(len(shown), report.followed_sessions_total, "sessions"),
            f"<ul>{notes}</ul>" if notes else "",
            "</section>",
        ]
    )


def render_html(report: Report) -> str:
    """The whole report as one HTML document (UTF-8 text)."""
    nav = "".join(
        f'<a href="#{anchor}">{_e(name)}</a>'
        for anchor, name in (
            ("summary", "Summary"),
            ("findings", "Findings"),
            ("questions", "Questions"),
            *((("sessions", "Sessions"),) if report.run.principal_filter else ()),
            ("timeline", "Timeline"),
            ("principals", "Principals"),
            ("keys", "Access keys"),
            ("checklist", "Checklist"),
            ("coverage", "Coverage"),
        )
    )
    checklist = []
    for step, title in (("step-6", "Step 6: keys and sessions"), ("step-7", "Step 7: resources")):
        items = [i for i in report.checklist if i.step == step]
        checklist.append(f"<h3>{_e(title)} ({len(items)})</h3>")
        checklist.extend(_item(i) for i in items)
        if not items:
            checklist.append("<p>Nothing to do from this archive.</p>")
    coverage = report.coverage
    limits = "".join(f"<li>{_e(c.value)}: {c.count}</li>" for c in report.run.limits)
    problems = "".join(f"<li>{_e(p)}</li>" for p in report.run.problems[:100])
    body = [
        f"<header><h1>{_e(TITLE)}</h1></header>",
        f'<nav>{nav}<input id="filter" type="search" placeholder="filter table rows" '
        'aria-label="filter table rows"></nav><main>',
        '<section id="summary"><h2>Summary</h2>',
        _table(("", ""), run_lines(report), cls="plain"),
        _table(
            ("question", "verdict", "summary"),
            (
                (f"{a.id.upper()}. {a.question}", VERDICT[a.answered], a.summary)
                for a in report.answers
            ),
        ),
        "</section>",
        f'<section id="findings"><h2>Findings of the pack ({report.findings_total})</h2>',
        _findings(report),
        "</section>",
        '<section id="questions"><h2>Analysis questions</h2>',
        *(_answer(a) for a in report.answers),
        "</section>",
        _sessions(report),
        '<section id="timeline"><h2>Timeline by principal</h2>',
        timeline_svg(report),
        "</section>",
        f'<section id="principals"><h2>Principals ({report.principals_total}), findings first</h2>',
        _table(PRINCIPAL_COLUMNS, (principal_row(t) for t in report.principals[:HTML_PRINCIPALS])),
        *(_principal(t) for t in report.principals[:HTML_PRINCIPALS]),
        _more(min(len(report.principals), HTML_PRINCIPALS), report.principals_total, "principals"),
        "</section>",
        '<section id="keys"><h2>Access keys (playbook step 6)</h2>',
        _table(KEY_COLUMNS, (key_row(k) for k in report.access_keys))
        if report.access_keys
        else "<p>No long-term access key in the archive and no credential report.</p>",
        "</section>",
        '<section id="checklist"><h2>Containment checklist (playbook steps 6-7)</h2>',
        "<p>Exact AWS CLI commands for you to review and run; sigmaq never runs them. "
        "Deleting IAM users can break production: do it with care.</p>",
        *checklist,
        "</section>",
        '<section id="coverage"><h2>Coverage and limits</h2>',
        f"<p>{coverage.management_events} management, {coverage.data_events} data and "
        f"{coverage.other_events} other event(s). Data-event resource types: "
        f"{_e(counted(coverage.data_resource_types, 20) or 'none')}. Amazon Q sources: "
        f"{_e(counted(coverage.q_event_sources, 20) or 'none')}.</p>",
        f"<ul>{limits}</ul>" if limits else "<p>No memory cap was reached.</p>",
        f"<h3>Input problems</h3><ul>{problems}</ul>" if problems else "",
        "</section></main>",
    ]
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(TITLE)}</title><style>{STYLE}</style></head><body>"
        + "".join(body)
        + f"<script>{SCRIPT}</script></body></html>\n"
    )
