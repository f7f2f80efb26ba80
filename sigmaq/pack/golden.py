"""Golden query snapshots of the whole pack: every target's primary formats, per rule.

``backends/<target>/golden/<rule stem>.<ext>`` holds each rule's converted query so
a review sees every change in the generated SPL/Lucene/ES|QL/EQL. ``sigmaq build``
reports drift (stage ``golden``) and ``sigmaq update`` rewrites the snapshots
(``sigmaq.export.convert.write_golden``); ``tests/content/test_golden.py`` calls
the same functions. The shipped Elastic ingest pipeline and component template
(``backends/elastic/logs-aws.cloudtrail@custom*.json``, for users who import without
building) are kept current the same way: they restore exactly the fields the pack's
Elastic rules read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sigmaq.core.jsonfmt import canonical_json
from sigmaq.core.layout import ProjectLayout
from sigmaq.core.loader import load_rules
from sigmaq.export.convert import GoldenDifference, check_golden, convert_rules, write_golden
from sigmaq.export.elastic.choose import Chooser
from sigmaq.export.elastic.custom_pipeline import component_template_body, pipeline_body
from sigmaq.export.elastic.package import building_block_bases, deployable
from sigmaq.export.targets import TARGETS

# backends/elastic/ files built from the custom paths the pack's Elastic rules read.
SHIPPED_PIPELINE = {
    "logs-aws.cloudtrail@custom.json": pipeline_body,
    "logs-aws.cloudtrail@custom.component_template.json": component_template_body,
}


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


def custom_pipeline_paths(root: Path) -> list[str]:
    """Field paths the pack's deployable Elastic rules (building blocks included) need
    restored by ``logs-aws.cloudtrail@custom``, sorted. Raises what loading rules raises."""
    return custom_pipeline_fields(root)[0]


def custom_pipeline_fields(root: Path) -> tuple[list[str], list[str]]:
    """(restored paths, lower-cased paths) the pack's deployable Elastic rules (building
    blocks included) read through ``logs-aws.cloudtrail@custom``, each sorted. Raises
    what loading rules raises."""
    rules = load_rules([ProjectLayout(root).rules_dir]).rules
    own, _ = deployable(rules)
    chooser = Chooser(rules, "logs-aws.cloudtrail-*", True)
    found: set[str] = set()
    lowered: set[str] = set()
    for item in own + building_block_bases(rules):
        choice = chooser.correlation(item) if item.is_correlation else chooser.single(item)
        found.update(getattr(choice, "custom_paths", ()))
        lowered.update(getattr(choice, "lower_paths", ()))
    return sorted(found), sorted(lowered)


def _shipped_pipeline(root: Path) -> dict[Path, str]:
    """Expected text of each shipped pipeline file (only where the project ships one)."""
    folder = ProjectLayout(root).backends_dir / "elastic"
    if not any((folder / name).is_file() for name in SHIPPED_PIPELINE):
        return {}
    paths, lowered = custom_pipeline_fields(root)
    builders: dict[str, Any] = SHIPPED_PIPELINE
    return {
        folder / name: canonical_json(build(paths, lowered)) for name, build in builders.items()
    }


def pipeline_differences(root: Path) -> list[GoldenDifference]:
    """Shipped ``backends/elastic`` pipeline files that differ from the pack's rules."""
    out = []
    for path, text in _shipped_pipeline(root).items():
        if not path.is_file():
            out.append(GoldenDifference(path, "missing"))
        elif path.read_text(encoding="utf-8") != text:
            out.append(GoldenDifference(path, "changed"))
    return out


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
    expected = _shipped_pipeline(root)
    for difference in pipeline_differences(root):
        difference.path.write_text(expected[difference.path], encoding="utf-8")
        update.written.append(difference.path)
    return update
