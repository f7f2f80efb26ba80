"""Shared pieces of the house validators.

House validators are ordinary pySigma ``SigmaRuleValidator`` subclasses returning
``SigmaValidationIssue`` dataclasses, so pySigma's ``SigmaValidator`` runs them
next to its own and SigmaHQ's. Each house issue names a ``key_path`` (a dotted
YAML key such as ``detection.selection.eventName``) that the report turns into
a line number.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

from sigma.types import SigmaString
from sigma.validators.base import SigmaValidationIssue, SigmaValidationIssueSeverity

SIGMAQ_ATTRIBUTE = "sigmaq"


@dataclass
class HouseIssue(SigmaValidationIssue):
    """Base of house issues: ``detail`` says what is wrong, ``key_path`` where, and
    ``value`` (the value's text, when the issue is about one value of the key) which
    line under that key."""

    description: ClassVar[str] = "sigmaq house rule issue"
    severity: ClassVar[SigmaValidationIssueSeverity] = SigmaValidationIssueSeverity.MEDIUM
    detail: str
    key_path: str
    value: str | None = None


def sigmaq_metadata(rule: Any) -> dict[str, Any]:
    """The rule's ``sigmaq:`` custom attribute as a dict (empty when absent or not a map)."""
    value = (getattr(rule, "custom_attributes", None) or {}).get(SIGMAQ_ATTRIBUTE)
    return value if isinstance(value, dict) else {}


def _items(definition: Any) -> Iterator[Any]:
    """Every detection item of a detection, those of nested detections (a list of maps,
    ``filter: [{eventSource: ...}, {eventName: ...}]``) included."""
    for item in getattr(definition, "detection_items", []):
        if hasattr(item, "detection_items"):
            yield from _items(item)
        else:
            yield item


def value_text(value: Any) -> str | None:
    """The text a rule's YAML holds for one Sigma value (a string as written, a
    ``|re`` pattern, a ``|fieldref`` field), or None for other types."""
    regexp = getattr(value, "regexp", None)
    if regexp is not None:
        return str(regexp)
    field = getattr(value, "field", None)
    if isinstance(field, str):
        return field
    return str(value) if isinstance(value, SigmaString) else None


def detection_key_for_field(rule: Any, field: str, value: Any = None) -> str:
    """Best YAML key path of ``field`` inside the rule's detection (for line lookup):
    the detection whose item reads ``field`` and, when given, holds ``value``; nested
    detections (lists of maps) included."""
    detection = getattr(rule, "detection", None)
    wanted = value_text(value) if value is not None else None
    fallback = None
    for name, definition in getattr(detection, "detections", {}).items():
        for item in _items(definition):
            if getattr(item, "field", None) != field:
                continue
            key = f"detection.{name}.{field}"
            if wanted is None or any(value_text(v) == wanted for v in item.value):
                return key
            fallback = fallback or key
    return fallback or "detection"


def leaf_location(rule: Any, field: str, value: Any) -> tuple[str, str | None]:
    """(key path, value text) of one field/value leaf of ``rule``: the ``key_path`` and
    ``value`` of a ``HouseIssue`` about that value."""
    return detection_key_for_field(rule, field, value), value_text(value)
