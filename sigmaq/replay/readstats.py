"""Counters of one read of CloudTrail inputs, problems with their paths, and the
``eventTime`` parser every reader uses (``readers`` re-exports all of it)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

log = logging.getLogger(__name__)

__all__ = ["MAX_PROBLEMS", "ReadProblem", "ReadStats", "parse_event_time"]

MAX_PROBLEMS = 1000


@dataclass(frozen=True)
class ReadProblem:
    """One input problem: ``path``, 1-based ``line`` (NDJSON/CSV) or None, ``message``.

    ``warning`` is True for things that lose no record (an empty file).
    """

    path: str
    line: int | None
    message: str
    warning: bool = False

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line is not None else self.path
        return f"{where}: {'warning: ' if self.warning else ''}{self.message}"


@dataclass
class ReadStats:
    """Counters of one read (mutable: the readers add to it as they go).

    Invariant: ``records_seen == records_read + skipped_digest + skipped_no_event_name
    + malformed``; ``oversized_records`` (records longer than CloudTrail's event size
    limit, read anyway) and ``invalid_event_time`` count within ``records_read``.
    ``files`` counts files opened (readable or not); ``truncated_files`` counts files
    cut short (a truncated gzip stream, a JSON text ending mid-document) whose complete
    records were read and counted as usual, the rest being lost; ``ignored_files``
    counts files skipped in folders because of their suffix; ``problems`` keeps the
    first ``MAX_PROBLEMS`` problems, ``problems_dropped`` counts the rest.
    """

    files: int = 0
    unreadable_files: int = 0
    truncated_files: int = 0
    empty_files: int = 0
    ignored_files: int = 0
    records_read: int = 0
    skipped_digest: int = 0
    skipped_no_event_name: int = 0
    malformed: int = 0
    invalid_event_time: int = 0
    oversized_records: int = 0
    bytes_read: int = 0
    problems: list[ReadProblem] = field(default_factory=list)
    problems_dropped: int = 0

    @property
    def skipped(self) -> int:
        return self.skipped_digest + self.skipped_no_event_name

    @property
    def records_seen(self) -> int:
        return self.records_read + self.skipped + self.malformed

    @property
    def failed(self) -> bool:
        """True when some input could not be read (a file, a record or a file's cut tail
        was lost)."""
        return self.unreadable_files > 0 or self.truncated_files > 0 or self.malformed > 0

    def add_problem(
        self, path: str, line: int | None, message: str, *, warning: bool = False
    ) -> None:
        """Record a problem (kept up to ``MAX_PROBLEMS``); logged at debug level only,
        since callers report ``problems`` themselves."""
        problem = ReadProblem(path, line, message, warning)
        log.debug("%s", problem)
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(problem)
        else:
            self.problems_dropped += 1

    def merge(self, other: ReadStats) -> None:
        """Add ``other``'s counters and problems to this one (for worker processes)."""
        for name in (
            "files",
            "unreadable_files",
            "truncated_files",
            "empty_files",
            "ignored_files",
            "records_read",
            "skipped_digest",
            "skipped_no_event_name",
            "malformed",
            "invalid_event_time",
            "oversized_records",
            "bytes_read",
            "problems_dropped",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for problem in other.problems:
            if len(self.problems) < MAX_PROBLEMS:
                self.problems.append(problem)
            else:
                self.problems_dropped += 1


def parse_event_time(value: Any) -> datetime | None:
    """``eventTime`` as a tz-aware UTC datetime, or None when absent, not ISO 8601, or
    outside the years 1-9999 once converted to UTC (``0001-01-01T05:00+09:00``).

    A time without an offset is taken as UTC; any offset is converted to UTC, so times
    compare and print alike whatever offset a producer wrote.
    """
    if type(value) is not str:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    if parsed.tzinfo is UTC:
        return parsed
    try:
        return parsed.astimezone(UTC)
    except OverflowError:
        return None
