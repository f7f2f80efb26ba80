"""Shared pieces of the house validators.

House validators are ordinary pySigma ``SigmaRuleValidator`` subclasses returning
``SigmaValidationIssue`` dataclasses, so pySigma's ``SigmaValidator`` runs them
next to its own and SigmaHQ's. Each house issue names a ``key_path`` (a dotted
YAML key such as ``detection.selection.eventName``) that the report turns into
a line number.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from sigma.validators.base import SigmaValidationIssue, SigmaValidationIssueSeverity

SIGMAQ_ATTRIBUTE = "sigmaq"


@dataclass
class HouseIssue(SigmaValidationIssue):
    """Base of house issues: ``detail`` says what is wrong, ``key_path`` where."""

    description: ClassVar[str] = "sigmaq house rule issue"
    severity: ClassVar[SigmaValidationIssueSeverity] = SigmaValidationIssueSeverity.MEDIUM
    detail: str
    key_path: str


def sigmaq_metadata(rule: Any) -> dict[str, Any]:
    """The rule's ``sigmaq:`` custom attribute as a dict (empty when absent or not a map)."""
    value = (getattr(rule, "custom_attributes", None) or {}).get(SIGMAQ_ATTRIBUTE)
    return value if isinstance(value, dict) else {}


def detection_key_for_field(rule: Any, field: str) -> str:
    """Best YAML key path of ``field`` inside the rule's detection (for line lookup)."""
    detection = getattr(rule, "detection", None)
    for name, definition in getattr(detection, "detections", {}).items():
        for item in getattr(definition, "detection_items", []):
            if getattr(item, "field", None) == field:
                return f"detection.{name}.{field}"
    return "detection"
