"""Per-rule conversion for the Elastic family: one language, with or without the
custom pipeline, through pySigma and sigmaq's pipeline and backend fixes.

Each conversion builds a fresh pySigma rule from the rule's YAML document (backends
mutate rules), so conversions never leak into one another. A rule referenced by a
correlation is converted on its own here (its condition is what the correlation's
query embeds).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sigma.correlations import SigmaCorrelationRule
from sigma.exceptions import SigmaError, SigmaFeatureNotSupportedByBackendError
from sigma.rule import SigmaDetection, SigmaDetectionItem, SigmaRule
from sigma.types import SigmaFieldReference

from sigmaq.core import fields
from sigmaq.core.loader import LoadedRule
from sigmaq.export.pipelines import elastic_pipeline
from sigmaq.export.pipelines.errors import RuleRefused

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Converted:
    """One rule in one language: ``query`` (None unless converted) or why not.

    ``status``: ``converted``, ``refused`` (expected) or ``failed`` (a bug or a gap).
    """

    status: str
    query: str | None = None
    message: str = ""


def backend_for(language: str, index_pattern: str, custom_paths: frozenset[str]) -> Any:
    """A fresh sigmaq backend for ``language`` (``lucene``, ``eql``, ``esql``)."""
    from sigmaq.export import backend_fixes

    pipeline = elastic_pipeline(language, custom_paths)
    if language == "lucene":
        return backend_fixes.SigmaqLuceneBackend(pipeline, index_pattern=index_pattern)
    if language == "eql":
        return backend_fixes.SigmaqEqlBackend(pipeline, index_pattern=index_pattern)
    return backend_fixes.SigmaqESQLBackend(pipeline, index_pattern=index_pattern)


def convert_single(
    loaded: LoadedRule, language: str, index_pattern: str, custom_paths: frozenset[str]
) -> Converted:
    """The ``default``-format query of the single-event rule ``loaded`` in ``language``."""
    try:
        rule = SigmaRule.from_dict(loaded.document.data)
        backend = backend_for(language, index_pattern, custom_paths)
        backend.init_processing_pipeline("default")
        outputs = backend.convert_rule(rule, "default")
    except (RuleRefused, SigmaFeatureNotSupportedByBackendError, NotImplementedError) as error:
        return Converted("refused", message=_message(error))
    except SigmaError as error:
        return Converted("failed", message=_message(error))
    except Exception as error:  # a backend bug must not abort the build
        log.exception("unexpected error converting %s to %s", loaded.rule_id, language)
        return Converted("failed", message=f"{type(error).__name__}: {error}")
    if len(outputs) != 1 or not isinstance(outputs[0], str):
        return Converted("failed", message=f"expected one query, got {outputs!r}")
    return Converted("converted", outputs[0])


def _message(error: BaseException) -> str:
    text = str(error.args[0]) if error.args else str(error)
    head, separator, rest = text.partition("): ")
    return rest if separator and head.startswith("rule '") else text


def rule_paths(loaded: LoadedRule) -> list[str]:
    """CloudTrail paths a rule reads (detection fields, |fieldref targets, group-by,
    alias targets), in order of first use; for a correlation, its rules' paths too."""
    found: list[str] = []

    def add(path: str | None) -> None:
        if path and path not in found:
            found.append(path)

    rule = loaded.rule
    if isinstance(rule, SigmaCorrelationRule):
        aliases = {alias.alias for alias in rule.aliases}
        for name in rule.group_by or []:
            if name not in aliases:
                add(name)
        for alias in rule.aliases:
            for path in alias.mapping.values():
                add(path)
        condition_field = getattr(rule.condition, "fieldref", None)
        if isinstance(condition_field, str):
            add(condition_field)
        for reference in rule.rules or []:
            if isinstance(reference.rule, SigmaRule):
                for path in _detection_paths(reference.rule):
                    add(path)
        return found
    for path in _detection_paths(rule):
        add(path)
    return found


def _detection_paths(rule: SigmaRule) -> Iterable[str]:
    def walk(item: SigmaDetection | SigmaDetectionItem) -> Iterable[str]:
        if isinstance(item, SigmaDetection):
            for child in item.detection_items:
                yield from walk(child)
            return
        if item.field:
            yield item.field
        for value in item.value:
            if isinstance(value, SigmaFieldReference):
                yield value.field

    for detection in rule.detection.detections.values():
        yield from walk(detection)


def restorable(paths: Iterable[str]) -> frozenset[str]:
    """The paths sigmaq's custom pipeline can provide as keywords (dropped or flattened)."""
    return frozenset(p for p in paths if fields.elastic_custom_restorable(p))


def ecs_name(path: str, custom_paths: frozenset[str]) -> str | None:
    """The ECS field of a CloudTrail path (the custom keyword when listed), or None."""
    if path in custom_paths:
        return fields.elastic_custom_name(path)
    resolved = fields.resolve(path)
    return resolved.elastic if resolved is not None else None
