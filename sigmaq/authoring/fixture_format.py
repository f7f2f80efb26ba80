"""Rewrite hand-edited ``.json`` fixtures into canonical JSON (``sigmaq.core.jsonfmt``).

Canonical text keeps diffs reviewable; the ``fixture_canonical_json`` check reports
a file that is not. Only files that parse as JSON are rewritten (a broken file is left
for ``sigmaq validate`` to report); keys keep the order they were written in.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from sigmaq.core.jsonfmt import canonical_json
from sigmaq.core.walk import walk_files


@dataclass
class FormatReport:
    """Files rewritten, already canonical, and left alone with the reason."""

    rewritten: list[Path] = field(default_factory=list)
    unchanged: list[Path] = field(default_factory=list)
    skipped: list[tuple[Path, str]] = field(default_factory=list)


def fixture_json_files(paths: Iterable[Path]) -> tuple[list[Path], list[tuple[Path, str]]]:
    """Every ``.json`` file under ``paths`` (files taken as given), sorted, and each
    folder that could not be listed, or named path that is neither a file nor a folder,
    with the reason (``sigmaq.core.walk``)."""
    found: set[Path] = set()
    unlisted: list[tuple[Path, str]] = []
    for path in paths:
        if path.is_file():
            found.add(path)
        elif path.is_dir():
            walk = walk_files(path, lambda relative: relative.name.endswith(".json"))
            found.update(p for p in walk.files if p.is_file())
            unlisted += walk.unlisted
        else:  # named, but a FIFO, a device or a broken link: never opened (it could block)
            unlisted.append((path, "not a regular file or folder: not read"))
    return sorted(found), unlisted


def format_fixtures(paths: Iterable[Path], *, check: bool = False) -> FormatReport:
    """Rewrite every ``.json`` file under ``paths`` in canonical form.

    ``check``: write nothing, only report what would change. Never raises for a bad
    file: unreadable or invalid JSON is in ``skipped``, and so is a folder that could
    not be listed.
    """
    report = FormatReport()
    files, report.skipped = fixture_json_files(paths)
    for path in files:
        try:
            text = path.read_text(encoding="utf-8")
            canonical = canonical_json(json.loads(text))
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            report.skipped.append((path, str(exc)))
            continue
        except RecursionError:
            report.skipped.append((path, "not valid JSON: nested too deeply to read"))
            continue
        if canonical == text:
            report.unchanged.append(path)
            continue
        if not check:
            try:
                path.write_text(canonical, encoding="utf-8")
            except OSError as exc:
                report.skipped.append((path, str(exc)))
                continue
        report.rewritten.append(path)
    return report
