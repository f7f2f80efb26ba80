"""Build small, valid pack-style Sigma rules for unit tests.

``rule_text(**overrides)`` returns YAML for a rule that passes every validator
(when written under the right file name outside a project); tests override one
part to break exactly one thing.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import yaml

from sigmaq.core.layout import expected_rule_filename

BASE: dict[str, Any] = {
    "title": "Q Business Application Created With Anonymous Access",
    "status": "experimental",
    "description": "Detects an Amazon Q Business application created with anonymous access, "
    "which exposes indexed content without identity.",
    "references": [
        "https://docs.aws.amazon.com/amazonq/latest/qbusiness-ug/logging-using-cloudtrail.html"
    ],
    "author": "sigmaq contributors",
    "date": "2026-11-29",
    "tags": ["attack.collection", "attack.t1213"],
    "logsource": {"product": "aws", "service": "cloudtrail"},
    "detection": {
        "selection": {
            "eventSource": "qbusiness.amazonaws.com",
            "eventName": "CreateApplication",
            "requestParameters.identityType": "ANONYMOUS",
        },
        "condition": "selection",
    },
    "falsepositives": ["Intended public FAQ bots"],
    "level": "medium",
    "sigmaq": {"catalogue": ["AQ-01"], "playbook": ["q3"], "data_events": []},
}


def rule_dict(**overrides: Any) -> dict[str, Any]:
    """A fresh valid rule dict with a new uuid4; ``overrides`` replace top-level keys
    (a value of None removes the key)."""
    data = {**BASE, "id": str(uuid.uuid4())}
    data = {key: value for key, value in data.items()}
    for key, value in overrides.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    order = ["title", "id", "name"] + [k for k in data if k not in ("title", "id", "name")]
    return {key: data[key] for key in order if key in data}


def rule_text(**overrides: Any) -> str:
    """YAML text of ``rule_dict(**overrides)``."""
    return yaml.safe_dump(rule_dict(**overrides), sort_keys=False)


def write_rule(
    folder: Path, text: str | None = None, name: str | None = None, **overrides: Any
) -> Path:
    """Write a rule into ``folder`` under its expected file name (or ``name``)."""
    body = text if text is not None else rule_text(**overrides)
    title = yaml.safe_load(body).get("title", "untitled") if text is None else None
    filename = name or expected_rule_filename(str(title or "untitled"))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / filename
    path.write_text(body, encoding="utf-8")
    return path
