"""Canonical JSON text for committed fixtures and generated data files.

Canonical form: UTF-8, two-space indent, keys in the order written, non-ASCII
kept, one trailing newline. A test keeps every fixture in this form so diffs
stay reviewable.
"""

from __future__ import annotations

import json
from typing import Any


def canonical_json(data: Any) -> str:
    """Serialise ``data`` (JSON-compatible) to the canonical text form."""
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def is_canonical(text: str) -> bool:
    """True when ``text`` parses as JSON and equals its canonical form."""
    try:
        return canonical_json(json.loads(text)) == text
    except ValueError:
        return False
