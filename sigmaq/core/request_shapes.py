"""botocore input shapes of every AWS API operation, vendored and read offline.

``sigmaq/data/request_shapes.json.gz`` is written by ``tools/gen_catalog.py`` from the
same pinned botocore as the API catalogue (``sigmaq.core.catalog``): per service its
protocol, each operation's input shape name, and the shapes reachable from the
inputs trimmed to members, required members, wire names, enum values and lists/maps
(layout in the generator's ``_compact_shapes``). Read once, on first use.
"""

from __future__ import annotations

import gzip
import re
from functools import cache
from importlib import resources
from typing import Any

import orjson

# Lambda's API-version suffix on eventNames (GetFunction20150331v2 is GetFunction).
_VERSION_SUFFIX = re.compile(r"\d{8}(v\d+)?$")


@cache
def shapes_data() -> dict[str, Any]:
    """The whole vendored file (``event_sources``, ``services``, ``botocore_version``).

    Raises FileNotFoundError when the package data is missing (a broken install).
    """
    raw = resources.files("sigmaq").joinpath("data", "request_shapes.json.gz").read_bytes()
    data: dict[str, Any] = orjson.loads(gzip.decompress(raw))
    return data


def services_for(event_source: str) -> list[str]:
    """botocore service names logged under ``event_source`` (empty when unknown)."""
    return list(shapes_data()["event_sources"].get(event_source, []))


def service(name: str) -> dict[str, Any]:
    """One service: ``protocol``, ``operations`` (name -> input shape), ``shapes``."""
    value: dict[str, Any] = shapes_data()["services"][name]
    return value


def operation_name(model: dict[str, Any], event_name: str) -> str | None:
    """The operation of ``model`` that ``event_name`` logs, or None (suffixes dropped)."""
    if event_name in model["operations"]:
        return event_name
    stripped = _VERSION_SUFFIX.sub("", event_name)
    return stripped if stripped in model["operations"] else None


def find_operation(event_source: str, event_name: str) -> tuple[str, str] | None:
    """(service, operation) of a call, the first service of the eventSource that has it."""
    for name in services_for(event_source):
        operation = operation_name(service(name), event_name)
        if operation is not None:
            return name, operation
    return None


def lower_first(name: str) -> str:
    """``KeyId`` -> ``keyId``: how CloudTrail writes most model member names."""
    return name[:1].lower() + name[1:]
