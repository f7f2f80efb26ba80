"""SARIF 2.1.0 logs of ``sigmaq validate`` and ``sigmaq test`` (for code-scanning annotations).

One run per log; ``tool.driver.rules`` lists each reporting rule (a validator, a
fixture check, or a test verdict kind) with its description; every result has a
``ruleId``, a level, a message and a physical location (file and line), so GitHub
code scanning annotates the YAML or JSON line. A file's ``uri`` is relative to the
repository root (``source_root``: the folder holding ``.git``), under ``uriBaseId``
``%SRCROOT%``, which ``run.originalUriBaseIds`` maps to that folder's absolute URI
(SARIF 3.4.4, 3.14.14): the same file gets the same ``uri`` whatever folder the
command ran in, as code scanning needs to match alerts across runs ("Reporting
consistent filepaths", GitHub's "SARIF support for code scanning"). A file outside
that root gets its absolute ``file:`` URI and no ``uriBaseId``. The Sigma rule's id and
title go in ``properties``. OASIS SARIF 2.1.0 (errata 01): sections 3.13 (sarifLog),
3.14 (run), 3.19 (toolComponent), 3.27 (result), 3.28-3.30 (locations, regions).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sigmaq import __version__

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
# sigmaq severities -> SARIF result levels (3.27.10).
LEVELS = {"error": "error", "high": "error", "medium": "warning", "low": "note"}


@dataclass(frozen=True)
class SarifResult:
    """One result: which reporting rule, how severe, what and where."""

    rule: str
    severity: str
    message: str
    path: str | None
    line: int | None = None
    properties: dict[str, Any] = field(default_factory=dict)


def source_root(start: Path | None = None) -> Path:
    """The folder ``%SRCROOT%`` names: the nearest at or above ``start`` (default: the
    current folder) holding ``.git`` (a folder, or a worktree's file), else the nearest
    holding ``rules/`` and ``fixtures/`` (``layout.find_project_root``), else the current
    folder. ``start`` is the first path the command analyses, so running from another
    folder with an absolute path finds the same root."""
    from sigmaq.core.layout import find_project_root

    cwd = Path.cwd()
    try:
        here = (start or cwd).resolve()
    except (OSError, RuntimeError):
        return cwd
    folder = here if here.is_dir() else here.parent
    for candidate in (folder, *folder.parents):
        if (candidate / ".git").exists():
            return candidate
    return find_project_root(folder) or cwd


def _uri(path: str, base: Path) -> tuple[str, bool]:
    """(URI, relative to base?) of a file path."""
    resolved = Path(path).resolve()
    try:
        return resolved.relative_to(base.resolve()).as_posix(), True
    except ValueError:
        return resolved.as_uri(), False


def sarif_log(
    tool_rules: Iterable[tuple[str, str]],
    results: Sequence[SarifResult],
    *,
    base: Path,
    command: str,
) -> dict[str, Any]:
    """The SARIF log object.

    ``tool_rules``: (id, short description) of every reporting rule that ran;
    ``base``: the folder relative paths start from (``%SRCROOT%``, ``source_root``); ``command``:
    the sigmaq command line, recorded in the run's invocation.
    """
    rules = {rule_id: text for rule_id, text in tool_rules}
    for result in results:
        rules.setdefault(result.rule, result.rule)
    ordered = sorted(rules)
    index = {rule_id: i for i, rule_id in enumerate(ordered)}
    sarif_results = []
    for result in results:
        entry: dict[str, Any] = {
            "ruleId": result.rule,
            "ruleIndex": index[result.rule],
            "level": LEVELS.get(result.severity, "warning"),
            "message": {"text": result.message},
        }
        if result.path:
            uri, relative = _uri(result.path, base)
            location: dict[str, Any] = {"artifactLocation": {"uri": uri}}
            if relative:
                location["artifactLocation"]["uriBaseId"] = "%SRCROOT%"
            if result.line:
                location["region"] = {"startLine": result.line}
            entry["locations"] = [{"physicalLocation": location}]
        if result.properties:
            entry["properties"] = result.properties
        sarif_results.append(entry)
    return {
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "sigmaq",
                        "version": __version__,
                        "rules": [
                            {
                                "id": rule_id,
                                "shortDescription": {"text": rules[rule_id] or rule_id},
                            }
                            for rule_id in ordered
                        ],
                    }
                },
                "invocations": [{"executionSuccessful": True, "commandLine": command}],
                "originalUriBaseIds": {"%SRCROOT%": {"uri": base.resolve().as_uri() + "/"}},
                "results": sarif_results,
            }
        ],
    }


def sarif_text(log: dict[str, Any]) -> str:
    """The log as indented JSON text with a trailing newline."""
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"
