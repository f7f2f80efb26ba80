"""``dist/``: every target's deployable output, written by one packager per target family.

A target with no packager gets its primary formats converted and written as
files (``dist/<target>/<format dist_file>``). A target family that ships more than
query files (a Splunk app, one Kibana rules file across query languages, an
Athena bundle) registers a packager in ``PACKAGERS``; the packager writes that
family's folder and returns one ``TargetBuild`` per target it covers, with the
proof of its queries when it ran one (``sigmaq.export.proof``).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sigmaq.core.errors import ConversionError
from sigmaq.core.layout import ProjectLayout
from sigmaq.export.convert import CONVERTED, REFUSED, convert_rules
from sigmaq.export.proof import ProofReport
from sigmaq.export.targets import TARGETS, TargetOptions, get_target


@dataclass
class TargetBuild:
    """Per-target result of ``build_dist``: rule ids by status, files written, proof.

    ``proof``: the verdict of every rule's exported query, when the target's
    packager proved them (None: not proven, only converted).
    """

    target: str
    converted: list[str] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    proof: ProofReport | None = None
    rule_types: dict[str, int] = field(default_factory=dict)
    """Rules written per deployed rule type (``query``, ``threshold``…), when the
    packager writes several types for one target."""


@dataclass
class BuildReport:
    """What ``build_dist`` produced: one ``TargetBuild`` per target."""

    targets: dict[str, TargetBuild] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when no rule failed unexpectedly (refusals are expected)."""
        return not any(build.failed for build in self.targets.values())


@dataclass(frozen=True)
class DistRequest:
    """What a packager gets: rules, where to write, data-placement options, and the
    project (for proofs over its fixtures; None when the rules have no project)."""

    rule_paths: tuple[Path, ...]
    out_dir: Path
    options: TargetOptions
    layout: ProjectLayout | None


Packager = Callable[[DistRequest], list[TargetBuild]]

# target name -> "module:function" of the packager that writes it (and maybe others).
PACKAGERS: dict[str, str] = {
    "splunk": "sigmaq.export.splunk.package:package_splunk",
    "elastic": "sigmaq.export.elastic.package:package",
    "esql": "sigmaq.export.elastic.package:package",
    "eql": "sigmaq.export.elastic.package:package",
    "athena": "sigmaq.export.aws.package:package_athena",
    "cloudtrail_lake": "sigmaq.export.aws.package:package_lake",
    "logs_insights": "sigmaq.export.aws.package:package_insights",
}


def _packager(name: str) -> Packager | None:
    spec = PACKAGERS.get(name)
    if spec is None:
        return None
    module_name, attribute = spec.split(":")
    packager: Packager = getattr(importlib.import_module(module_name), attribute)
    return packager


def build_dist(
    rule_paths: Sequence[Path | str],
    out_dir: Path,
    options: TargetOptions | None = None,
    targets: Sequence[str] | None = None,
    layout: ProjectLayout | None = None,
) -> BuildReport:
    """Write every target's deployable output for ``rule_paths`` under ``out_dir``.

    Targets with a packager are written by it (a packager covering several targets
    runs once); the others get their primary formats (``splunk/savedsearches.conf``…),
    a format with no converted rule writing no file. A rule counts as converted for
    a target when every primary format converted it. Raises ConversionError when
    ``out_dir`` cannot be written.
    """
    report = BuildReport()
    request = DistRequest(
        tuple(Path(p) for p in rule_paths), out_dir, options or TargetOptions(), layout
    )
    for name in targets or sorted(TARGETS):
        if name in report.targets:
            continue
        packager = _packager(name)
        if packager is not None:
            for build in packager(request):
                report.targets[build.target] = build
            continue
        report.targets[name] = _convert_primary_formats(request, name)
    return report


def _convert_primary_formats(request: DistRequest, name: str) -> TargetBuild:
    spec = get_target(name)
    build = TargetBuild(name)
    status: dict[str, tuple[str, str]] = {}
    for format_name in spec.primary_formats:
        result = convert_rules(request.rule_paths, name, format_name, request.options)
        fmt = spec.format(format_name)
        for outcome in result.outcomes:
            previous = status.get(outcome.rule_id)
            if previous is None or previous[0] == CONVERTED:
                status[outcome.rule_id] = (outcome.status, outcome.message)
        if result.text:
            build.files.append(write_text(request.out_dir / name / fmt.dist_file, result.text))
    for rule_id, (state, message) in status.items():
        if state == CONVERTED:
            build.converted.append(rule_id)
        elif state == REFUSED:
            build.refused.append((rule_id, message))
        else:
            build.failed.append((rule_id, message))
    return build


def write_text(path: Path, text: str) -> Path:
    """Write ``text`` to ``path`` (parents created); returns ``path``.

    Raises ConversionError naming the path when it cannot be written.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise ConversionError(f"cannot write {path}: {exc}", path=path) from exc
    return path
