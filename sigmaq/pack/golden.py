"""Golden query snapshots of the whole pack: every target's primary formats, per rule.

``backends/<target>/golden/<rule stem>.<ext>`` holds each rule's converted query so
a review sees every change in the generated SPL/Lucene/ES|QL/EQL. ``sigmaq build``
reports drift (stage ``golden``) and ``sigmaq update`` rewrites the snapshots
(``sigmaq.export.convert.write_golden``); ``tests/content/test_golden.py`` calls
the same functions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sigmaq.core.layout import ProjectLayout
from sigmaq.export.convert import GoldenDifference, check_golden, convert_rules, write_golden
from sigmaq.export.targets import TARGETS


def golden_formats() -> list[tuple[str, str]]:
    """(target, format) of every primary format, the snapshots the pack keeps."""
    return [(name, fmt) for name, spec in sorted(TARGETS.items()) for fmt in spec.primary_formats]


def has_golden(root: Path) -> bool:
    """True when the project keeps golden snapshots (some ``backends/*/golden/`` exists)."""
    backends = ProjectLayout(root).backends_dir
    return backends.is_dir() and any((p / "golden").is_dir() for p in backends.iterdir())


def golden_differences(root: Path, target: str, format_name: str) -> list[GoldenDifference]:
    """Snapshots of one target format that differ from converting ``<root>/rules`` now."""
    layout = ProjectLayout(root)
    return check_golden(layout, convert_rules([layout.rules_dir], target, format_name))


@dataclass
class GoldenUpdate:
    """What ``update_golden`` changed: files written (new or changed) and removed."""

    written: list[Path] = field(default_factory=list)
    removed: list[Path] = field(default_factory=list)


def update_golden(root: Path) -> GoldenUpdate:
    """Rewrite every snapshot that differs and delete stale ones (all primary formats)."""
    layout = ProjectLayout(root)
    update = GoldenUpdate()
    for target, format_name in golden_formats():
        result = convert_rules([layout.rules_dir], target, format_name)
        differences = check_golden(layout, result)
        if not differences:
            continue
        write_golden(layout, result)
        for difference in differences:
            target_list = update.removed if difference.kind == "stale" else update.written
            target_list.append(difference.path)
    return update
