"""Render hunt findings and the run summary: table (rich), NDJSON, JSON, CSV.

Machine formats carry one object per finding (``finding_to_dict``); times are ISO 8601
UTC with ``Z``. Nothing here decides anything: ``hunt.py`` computes, this renders.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import IO, Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from sigmaq.core.model import EventRef, Level
from sigmaq.core.unseen import show_unseen
from sigmaq.hunt.details import EventDetails, json_bytes, utf8_text
from sigmaq.hunt.runner import HuntFinding, HuntResult

FORMATS = ("table", "ndjson", "json", "csv")
CSV_COLUMNS = (
    "rule_id",
    "rule_title",
    "level",
    "kind",
    "count",
    "first_seen",
    "last_seen",
    "principals",
    "source_addresses",
    "group",
    "event_ids",
    "files",
)
MAX_SHOWN = 3  # principals / addresses per table cell


def iso(moment: datetime | None) -> str | None:
    """``2024-05-01T12:00:00Z`` (UTC; microseconds kept when present), or None."""
    if moment is None:
        return None
    text = _ISO.get(moment)
    if text is None:
        text = (moment if moment.tzinfo is UTC else moment.astimezone(UTC)).isoformat()
        text = text[:-6] + "Z" if text.endswith("+00:00") else text
        if len(_ISO) >= 65_536:  # events repeat across findings; keep the cache bounded
            _ISO.clear()
        _ISO[moment] = text
    return text


_ISO: dict[datetime, str] = {}


def finding_to_dict(item: HuntFinding) -> dict[str, Any]:
    """One finding as JSON-ready data.

    Keys: ``rule_id``, ``rule_title``, ``level`` (or null), ``kind`` (event|correlation),
    ``count`` (events), ``first_seen``/``last_seen``, ``group`` (group-by values of a
    correlation, else null), ``event_ids`` (CloudTrail eventIDs, null where absent),
    ``files`` (distinct, in event order), ``principals``, ``source_addresses`` and
    ``events`` (``file``, ``position``, ``event_id``, ``event_time`` each, and where
    known ``event_name``, ``principal``, ``source_address`` and ``request_parameters``:
    the request parameters the rule matched on and identifying ones, bounded by
    ``sigmaq.hunt.details``).
    """
    finding = item.finding
    details = item.event_details
    return {
        "rule_id": finding.rule_id,
        "rule_title": finding.rule_title,
        "level": finding.level.value if finding.level else None,
        "kind": finding.kind.value,
        "count": len(finding.events),
        "first_seen": iso(finding.first_seen),
        "last_seen": iso(finding.last_seen),
        "group": dict(finding.group) if finding.group is not None else None,
        "event_ids": [ref.event_id for ref in finding.events],
        "files": list(dict.fromkeys(path_text(ref.source) for ref in finding.events)),
        "principals": list(item.principals),
        "source_addresses": list(item.source_addresses),
        "events": [
            _event_dict(ref, details[number] if number < len(details) else None)
            for number, ref in enumerate(finding.events)
        ],
    }


def _event_dict(ref: EventRef, details: EventDetails | None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "file": path_text(ref.source),
        "position": ref.position,
        "event_id": ref.event_id,
        "event_time": iso(ref.event_time),
    }
    if details is not None:
        data.update(details.to_dict())
    return data


def path_text(path: str) -> str:
    """A file path (or a message naming one) as text every UTF-8 writer accepts: the
    bytes of a name that is not UTF-8, which Python carries as lone surrogates (PEP 383),
    written as ``\\xNN`` escapes (the JSON encoders and UTF-8 files refuse surrogates)."""
    return utf8_text(path)


def _dumps(data: Any, *, indent: bool = False) -> str:
    return json_bytes(data, indent=indent).decode()


def write_ndjson(findings: Iterable[HuntFinding], out: IO[str]) -> None:
    """One JSON object per line per finding (``finding_to_dict``, compact, UTF-8); on a
    UTF-8 text file the bytes go to its binary buffer (no str round trip)."""
    buffer = getattr(out, "buffer", None)
    if buffer is not None and (getattr(out, "encoding", "") or "").lower() in ("utf-8", "utf8"):
        out.flush()
        for item in findings:
            buffer.write(json_bytes(finding_to_dict(item)))
            buffer.write(b"\n")
        buffer.flush()
        return
    for item in findings:
        out.write(_dumps(finding_to_dict(item)))
        out.write("\n")


def summary_dict(result: HuntResult) -> dict[str, Any]:
    """The run's counters (the same numbers the stderr summary shows)."""
    stats = result.stats
    return {
        "rules": result.rules,
        "files": stats.files,
        "unreadable_files": stats.unreadable_files,
        "truncated_files": stats.truncated_files,
        "empty_files": stats.empty_files,
        "ignored_files": stats.ignored_files,
        "records_read": stats.records_read,
        "skipped_digest": stats.skipped_digest,
        "skipped_no_event_name": stats.skipped_no_event_name,
        "malformed": stats.malformed,
        "invalid_event_time": stats.invalid_event_time,
        "oversized_records": stats.oversized_records,
        "filtered_out": result.filtered_out,
        "redelivered": result.redelivered,
        "events_evaluated": result.events_evaluated,
        "findings": len(result.findings),
        "findings_by_level": result.by_level(),
        "elapsed_seconds": round(result.elapsed, 3),
        "events_per_second": round(result.events_per_second),
        "problems": [
            {
                "path": path_text(p.path),
                "line": p.line,
                "message": path_text(p.message),
                "warning": p.warning,
            }
            for p in stats.problems
        ],
        "problems_dropped": stats.problems_dropped,
    }


def write_json(result: HuntResult, out: IO[str]) -> None:
    """``{"findings": [...], "summary": {...}}``, indented."""
    data = {
        "findings": [finding_to_dict(item) for item in result.findings],
        "summary": summary_dict(result),
    }
    out.write(_dumps(data, indent=True))
    out.write("\n")


def write_csv(findings: Iterable[HuntFinding], out: IO[str]) -> None:
    """One row per finding; list cells joined with ``;``, ``group`` as JSON. A text cell
    a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@`` first) gets a leading
    ``'``; ``json``/``ndjson`` carry the values unchanged. Rows end in CRLF (RFC 4180
    section 2): the writer quotes a cell holding any character of the line terminator,
    so a bare carriage return in a record value (attacker-chosen text) stays inside its
    quoted cell instead of starting a row a CSV reader would take as a finding."""
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for item in findings:
        data = finding_to_dict(item)
        writer.writerow(
            [
                data["rule_id"],
                _csv_text(data["rule_title"]),
                data["level"] or "",
                data["kind"],
                data["count"],
                data["first_seen"] or "",
                data["last_seen"] or "",
                _csv_text(";".join(data["principals"])),
                _csv_text(";".join(data["source_addresses"])),
                _csv_text(_dumps(data["group"])) if data["group"] is not None else "",
                _csv_text(";".join(i or "" for i in data["event_ids"])),
                _csv_text(";".join(data["files"])),
            ]
        )


def _level_rank(name: str | None) -> int:
    level = Level.parse(name)
    return level.rank if level is not None else -1


def printable(value: str) -> Text:
    """``value`` as terminal text that cannot act on the terminal: no Rich markup is
    interpreted (``[/red]`` in a forged session name would raise ``MarkupError``), and
    control and format characters and line separators (ESC sequences, bidi overrides,
    BEL, U+2028) are shown as ``\\xNN``/``\\uNNNN`` escapes (``sigmaq.core.unseen``)."""
    return Text(show_unseen(value))


# A spreadsheet reads a cell starting with one of these as a formula (OWASP "CSV
# Injection"); record values such as principals are attacker-influenced.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _csv_text(value: str) -> str:
    """``value`` with a leading ``'`` when a spreadsheet would run it as a formula."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def _cell(values: list[str]) -> str:
    shown = ", ".join(values[:MAX_SHOWN])
    return shown + (f" (+{len(values) - MAX_SHOWN})" if len(values) > MAX_SHOWN else "")


def findings_table(result: HuntResult) -> Table:
    """One row per rule: level, findings, events, first/last seen, principals, addresses."""
    rows: dict[str, dict[str, Any]] = {}
    for item in result.findings:
        finding = item.finding
        row = rows.setdefault(
            finding.rule_id,
            {
                "title": finding.rule_title,
                "level": finding.level.value if finding.level else None,
                "findings": 0,
                "events": 0,
                "first": None,
                "last": None,
                "principals": {},
                "addresses": {},
            },
        )
        row["findings"] += 1
        row["events"] += len(finding.events)
        if finding.first_seen and (row["first"] is None or finding.first_seen < row["first"]):
            row["first"] = finding.first_seen
        if finding.last_seen and (row["last"] is None or finding.last_seen > row["last"]):
            row["last"] = finding.last_seen
        row["principals"].update(dict.fromkeys(item.principals))
        row["addresses"].update(dict.fromkeys(item.source_addresses))
    table = Table(title=f"{len(result.findings)} findings", show_lines=False)
    for column in ("rule", "level", "count", "events", "first seen", "last seen"):
        table.add_column(column, overflow="fold")
    table.add_column("principal", overflow="fold")
    table.add_column("source address", overflow="fold")
    ordered = sorted(rows.values(), key=lambda r: (-_level_rank(r["level"]), -r["findings"]))
    for row in ordered:
        table.add_row(
            printable(row["title"]),
            row["level"] or "-",
            str(row["findings"]),
            str(row["events"]),
            iso(row["first"]) or "-",
            iso(row["last"]) or "-",
            printable(_cell(list(row["principals"])) or "-"),
            printable(_cell(list(row["addresses"])) or "-"),
        )
    return table


def write_table(result: HuntResult, console: Console) -> None:
    """The findings table, or a one-line note when there are none."""
    if not result.findings:
        console.print("no findings")
        return
    console.print(findings_table(result))


MAX_PROBLEMS_SHOWN = 20


def summary_lines(result: HuntResult) -> list[str]:
    """Human summary for stderr: problems with their paths first (errors, then warnings
    such as empty files; up to 20), then the counters."""
    stats = result.stats
    lines: list[str] = []
    problems = sorted(stats.problems, key=lambda problem: problem.warning)
    for problem in problems[:MAX_PROBLEMS_SHOWN]:
        lines.append(path_text(str(problem)))
    hidden = len(problems) - MAX_PROBLEMS_SHOWN + stats.problems_dropped
    if hidden > 0:
        lines.append(f"... {hidden} more problems")
    levels = ", ".join(
        f"{name} {count}"
        for name, count in sorted(result.by_level().items(), key=lambda kv: -_level_rank(kv[0]))
    )
    lines.append(
        f"rules {result.rules}; files {stats.files} ({stats.unreadable_files} unreadable, "
        + (f"{stats.truncated_files} truncated, " if stats.truncated_files else "")
        + f"{stats.empty_files} empty, {stats.ignored_files} ignored); records read "
        f"{stats.records_read}, skipped {stats.skipped} (digest {stats.skipped_digest}, "
        f"no eventName {stats.skipped_no_event_name}), malformed {stats.malformed}"
        + (f", outside time range {result.filtered_out}" if result.filtered_out else "")
        + (
            f", without a valid eventTime {stats.invalid_event_time}"
            if stats.invalid_event_time
            else ""
        )
        + (
            f", over CloudTrail's 256 KB event size {stats.oversized_records}"
            if stats.oversized_records
            else ""
        )
    )
    lines.append(
        f"findings {len(result.findings)}"
        + (f" ({levels})" if levels else "")
        + (f", {result.redelivered} repeated deliveries merged" if result.redelivered else "")
        + "; "
        f"{result.elapsed:.2f} s, {result.events_per_second:,.0f} events/s"
    )
    return lines
