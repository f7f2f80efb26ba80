"""Fixtures of the ``q_business`` rules (catalogue AQ-01..AQ-19), one module per catalogue group.

Run ``python tools/fixturegen/q_business.py [--check]``. The records are SYNTHETIC, assembled from
the Amazon Q CloudTrail brief (record format §3, Q Business operations §2.1, templates §3.6); every
``requestParameters`` block is checked against the botocore ``qbusiness`` / ``logs`` models.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

from sigmaq.core.jsonfmt import canonical_json

from ..common.output import FIXTURES, fixture_path
from . import (
    applications,
    chat,
    configuration,
    controls,
    conversations,
    data_access,
    deletion,
    documents,
    log_delivery,
    plugins,
    reconnaissance,
)
from .records import Builder, new_ids

COMPONENT = "q_business"
ROOTS = (FIXTURES / COMPONENT,)
SCENARIO_MODULES: tuple[ModuleType, ...] = (
    applications,
    plugins,
    chat,
    controls,
    data_access,
    documents,
    deletion,
    configuration,
    conversations,
    log_delivery,
    reconnaissance,
)


def builders() -> Iterator[tuple[str, str, Builder]]:
    """Every (rule stem, scenario, builder); raises ValueError if two modules claim one fixture."""
    seen: set[tuple[str, str]] = set()
    for module in SCENARIO_MODULES:
        for stem, name, builder in module.catalogue.items():
            if (stem, name) in seen:
                raise ValueError(f"{stem}/{name}: built by two scenario modules")
            seen.add((stem, name))
            yield stem, name, builder


def plan() -> dict[Path, str]:
    """Every fixture path with its canonical JSON text."""
    return {
        fixture_path(COMPONENT, stem, name): canonical_json(builder(new_ids(stem, name)))
        for stem, name, builder in builders()
    }
