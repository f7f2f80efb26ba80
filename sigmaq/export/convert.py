"""Convert CloudTrail Sigma rules to every target: the only adapter over pySigma backends.

Each conversion loads a fresh rule collection (backends mutate rules), converts
rule by rule so one bad rule never aborts the batch, and classifies every rule:

- ``converted``: queries produced (a rule referenced by a correlation and not
  ``generate: true`` is converted inside the correlation and has no own output);
- ``refused``: expected: the target cannot express the rule faithfully (a
  ``RuleRefused`` from sigmaq, a backend "not supported" error, or pySigma's
  ``NotImplementedError`` for a correlation type); the message says why;
- ``failed``: unexpected: a field missing from the table, a load error, or any
  other error. A CLI exits 1 when any rule failed.

Golden snapshots (``backends/<target>/golden/<rule stem>.<ext>``) and
``build_dist`` for ``sigmaq build`` live here too.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sigma.correlations import SigmaCorrelationRule
from sigma.exceptions import SigmaError, SigmaFeatureNotSupportedByBackendError
from sigma.rule import SigmaRule

from sigmaq.core.jsonfmt import canonical_json
from sigmaq.core.layout import ProjectLayout
from sigmaq.core.loader import LoadedRule, load_rules
from sigmaq.export.pipelines.errors import RuleRefused
from sigmaq.export.targets import FormatSpec, TargetOptions, build_backend, get_target

log = logging.getLogger(__name__)

CONVERTED = "converted"
REFUSED = "refused"
FAILED = "failed"


@dataclass(frozen=True)
class RuleOutcome:
    """What one rule became for one target and format.

    ``outputs``: the backend's per-rule finalized items (query strings, stanza
    text or rule dicts), empty when refused/failed or emitted inside a correlation.
    ``message``: the reason for a refusal or failure, '' otherwise.
    """

    rule_id: str
    title: str
    path: Path | None
    status: str
    outputs: tuple[Any, ...] = ()
    message: str = ""
    is_correlation: bool = False


@dataclass(frozen=True)
class ConversionResult:
    """All outcomes of converting a rule set to one target and format, and the output file text."""

    target: str
    format: str
    outcomes: tuple[RuleOutcome, ...]
    text: str

    def by_status(self, status: str) -> list[RuleOutcome]:
        return [outcome for outcome in self.outcomes if outcome.status == status]

    @property
    def converted(self) -> list[RuleOutcome]:
        return self.by_status(CONVERTED)

    @property
    def refused(self) -> list[RuleOutcome]:
        return self.by_status(REFUSED)

    @property
    def failed(self) -> list[RuleOutcome]:
        return self.by_status(FAILED)


def _message(error: BaseException) -> str:
    text = str(error.args[0]) if error.args else str(error)
    return text or type(error).__name__


def _classify(error: BaseException) -> str:
    if isinstance(error, (RuleRefused, SigmaFeatureNotSupportedByBackendError)):
        return REFUSED
    if isinstance(error, NotImplementedError):
        return REFUSED
    return FAILED


def _outcome(
    loaded: LoadedRule, status: str, outputs: Sequence[Any] = (), message: str = ""
) -> RuleOutcome:
    return RuleOutcome(
        rule_id=loaded.rule_id,
        title=str(loaded.rule.title),
        path=loaded.path,
        status=status,
        outputs=tuple(outputs),
        message=message,
        is_correlation=loaded.is_correlation,
    )


def convert_rules(
    paths: Sequence[Path | str],
    target: str,
    format_name: str | None = None,
    options: TargetOptions | None = None,
) -> ConversionResult:
    """Convert every rule under ``paths`` to ``target`` in ``format_name``.

    Loads a fresh collection (``sigmaq.core.loader.load_rules``); load errors become
    ``failed`` outcomes. Raises ConfigError for an unknown target or format,
    RuleLoadError for a missing path. Never raises for a bad rule.
    """
    spec = get_target(target)
    fmt = spec.format(format_name)
    if fmt.needs_attack:
        from sigmaq.core.offline import use_vendored_data

        use_vendored_data()
    loaded = load_rules(paths)
    outcomes: list[RuleOutcome] = [
        RuleOutcome(
            rule_id=error.rule_id or "",
            title=error.rule_id or (error.path.name if error.path else ""),
            path=error.path,
            status=FAILED,
            message=f"load error: {error}",
        )
        for error in loaded.errors
    ]
    rules = loaded.rules
    from sigmaq.export.splunk.backend import reset_splunk_state

    reset_splunk_state()
    backend = build_backend(target, options, fmt.name)
    backend.init_processing_pipeline(fmt.name)
    results: dict[int, RuleOutcome] = {}
    # Plain rules first: a correlation reads its rules' conversion results.
    order = [r for r in rules if not r.is_correlation] + [r for r in rules if r.is_correlation]
    for item in order:
        results[id(item)] = _convert_one(backend, item, fmt, results, rules)
    reset_splunk_state()
    outcomes.extend(results[id(item)] for item in rules)
    items = [output for outcome in outcomes for output in outcome.outputs]
    text = render(fmt, backend.finalize(items, fmt.name)) if items else ""
    for outcome in outcomes:
        if outcome.status != CONVERTED:
            log.info("%s %s for %s: %s", outcome.rule_id, outcome.status, target, outcome.message)
    return ConversionResult(target, fmt.name, tuple(outcomes), text)


def _convert_one(
    backend: Any,
    loaded: LoadedRule,
    fmt: FormatSpec,
    done: dict[int, RuleOutcome],
    rules: list[LoadedRule],
) -> RuleOutcome:
    rule = loaded.rule
    try:
        if isinstance(rule, SigmaCorrelationRule):
            blocked = _blocked_references(rule, done, rules)
            if blocked:
                return _outcome(loaded, REFUSED, message=blocked)
            outputs = backend.convert_correlation_rule(rule, fmt.name)
        elif isinstance(rule, SigmaRule):
            outputs = backend.convert_rule(rule, fmt.name)
        else:
            return _outcome(loaded, FAILED, message=f"unsupported rule type {type(rule).__name__}")
    except (SigmaError, NotImplementedError) as error:
        return _outcome(loaded, _classify(error), message=_message(error))
    except Exception as error:  # a backend bug must not abort the batch
        log.exception("unexpected error converting %s", loaded.rule_id)
        return _outcome(loaded, FAILED, message=f"{type(error).__name__}: {_message(error)}")
    return _outcome(loaded, CONVERTED, outputs)


def _blocked_references(
    rule: SigmaCorrelationRule, done: dict[int, RuleOutcome], rules: list[LoadedRule]
) -> str:
    """Why a correlation cannot convert because a rule it reads did not ('' if none)."""
    by_rule = {id(item.rule): done.get(id(item)) for item in rules}
    for reference in rule.rules or []:
        outcome = by_rule.get(id(reference.rule))
        if outcome is not None and outcome.status != CONVERTED:
            return f"referenced rule '{outcome.title}' was {outcome.status}: {outcome.message}"
    return ""


# --------------------------------------------------------------------------- rendering
def render(fmt: FormatSpec, output: Any) -> str:
    """Text of a whole output file for ``fmt`` from the backend's finalized output."""
    if fmt.kind == "conf":
        return str(output).lstrip("\n") + "\n"
    if fmt.kind == "ndjson":
        return "".join(json.dumps(item, ensure_ascii=False) + "\n" for item in output)
    if fmt.kind == "json":
        return canonical_json(list(output))
    return "".join(f"{query}\n\n" for query in output).rstrip("\n") + "\n"


def render_rule(fmt: FormatSpec, outputs: Sequence[Any]) -> str:
    """Reviewable per-rule snapshot text for ``fmt`` (golden file content)."""
    if fmt.kind in ("ndjson", "json"):
        return canonical_json(outputs[0] if len(outputs) == 1 else list(outputs))
    return "\n\n".join(str(item).strip("\n") for item in outputs) + "\n"


# --------------------------------------------------------------------------- golden files
@dataclass(frozen=True)
class GoldenDifference:
    """A golden snapshot that differs from the current conversion.

    ``kind``: ``missing`` (no file), ``changed`` (content differs), ``stale`` (file
    for a rule that no longer converts or exists).
    """

    path: Path
    kind: str
    rule_id: str = ""


def golden_files(layout: ProjectLayout, result: ConversionResult) -> dict[Path, tuple[str, str]]:
    """Expected golden files: path -> (rule id, text), for rules with their own output."""
    fmt = get_target(result.target).format(result.format)
    expected: dict[Path, tuple[str, str]] = {}
    for outcome in result.converted:
        if outcome.outputs and outcome.path is not None:
            path = layout.golden_path(result.target, outcome.path, fmt.golden_extension)
            expected[path] = (outcome.rule_id, render_rule(fmt, outcome.outputs))
    return expected


def _existing(layout: ProjectLayout, target: str, extension: str) -> set[Path]:
    folder = layout.backends_dir / target / "golden"
    if not folder.is_dir():
        return set()
    return {p for p in folder.iterdir() if p.is_file() and p.name.endswith("." + extension)}


def check_golden(layout: ProjectLayout, result: ConversionResult) -> list[GoldenDifference]:
    """Differences between committed golden files and ``result`` (empty: all match).

    Only meaningful for a conversion of the whole pack (stale files are reported).
    """
    fmt = get_target(result.target).format(result.format)
    expected = golden_files(layout, result)
    differences: list[GoldenDifference] = []
    for path, (rule_id, text) in sorted(expected.items()):
        if not path.is_file():
            differences.append(GoldenDifference(path, "missing", rule_id))
        elif path.read_text(encoding="utf-8") != text:
            differences.append(GoldenDifference(path, "changed", rule_id))
    for path in sorted(_existing(layout, result.target, fmt.golden_extension) - set(expected)):
        differences.append(GoldenDifference(path, "stale"))
    return differences


def write_golden(layout: ProjectLayout, result: ConversionResult) -> list[Path]:
    """Write every golden file of ``result`` and delete stale ones; returns paths written."""
    fmt = get_target(result.target).format(result.format)
    expected = golden_files(layout, result)
    for path in _existing(layout, result.target, fmt.golden_extension) - set(expected):
        path.unlink()
    written: list[Path] = []
    for path, (_rule_id, text) in sorted(expected.items()):
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
