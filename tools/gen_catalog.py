#!/usr/bin/env python3
"""Regenerate ``sigmaq/data/catalog.json`` and ``sigmaq/data/request_shapes.json.gz``.

The first is the CloudTrail API catalogue sigmaq validates rules against; the second
the input shapes of every operation (members, required members, enum values), which
``sigmaq validate`` checks fixtures' ``requestParameters`` against
(``sigmaq.validate.fixtures.request_params``). Both come from one pinned botocore,
so users need no botocore at run time.

Inputs:
- botocore's service models (the catalogue of real API names; ``pip install botocore``):
  every service's operations become eventNames of ``<signingName>.amazonaws.com``;
- ``tools/catalog_sources.yml``: the Amazon Q eventSources with their management/data
  split and data-event ``resources.type`` (AWS CloudTrail pages), the q/codewhisperer
  names that have no public model, and names CloudTrail logs that no operation carries.

readOnly for Amazon Q operations is derived from the HTTP verb (GET/HEAD) or the
operation's verb prefix (Get/List/Describe/Check) where a model exists; CloudTrail sets
the real value per API (VERIFY on real data).

    python tools/gen_catalog.py            # write both files
    python tools/gen_catalog.py --check    # exit 1 when a committed file is stale
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from pathlib import Path
from typing import Any

import botocore
import botocore.session
import yaml

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ROOT / "tools" / "catalog_sources.yml"
OUT = ROOT / "sigmaq" / "data" / "catalog.json"
SHAPES_OUT = ROOT / "sigmaq" / "data" / "request_shapes.json.gz"
sys.path.insert(0, str(ROOT))

from sigmaq.core.jsonfmt import canonical_json  # noqa: E402

READ_PREFIXES = ("Get", "List", "Describe", "Check")


def _models() -> dict[str, dict[str, Any]]:
    session = botocore.session.get_session()
    loader = session.get_component("data_loader")
    models: dict[str, dict[str, Any]] = {}
    for service in loader.list_available_services("service-2"):
        models[service] = loader.load_service_model(service, "service-2")
    return models


def _event_source(service: str, model: dict[str, Any], overrides: dict[str, str]) -> str:
    metadata = model["metadata"]
    prefix = metadata.get("endpointPrefix", service)
    if prefix in overrides:
        return overrides[prefix]
    return f"{metadata.get('signingName') or prefix}.amazonaws.com"


def build() -> dict[str, Any]:
    """The catalogue as a JSON-compatible dict (deterministic ordering)."""
    sources_spec = yaml.safe_load(SOURCES.read_text(encoding="utf-8"))
    models = _models()
    overrides: dict[str, str] = sources_spec.get("event_source_overrides", {})
    names: dict[str, set[str]] = {}
    services: dict[str, set[str]] = {}
    for service, model in models.items():
        source = _event_source(service, model, overrides)
        names.setdefault(source, set()).update(model["operations"])
        services.setdefault(source, set()).add(service)
    for source, extra in sources_spec.get("extra_names", {}).items():
        names.setdefault(source, set()).update(extra)
    for source, suffixes in sources_spec.get("event_name_suffixes", {}).items():
        base = {
            name for service in services.get(source, ()) for name in models[service]["operations"]
        }
        names[source].update(f"{name}{suffix}" for name in base for suffix in suffixes)

    amazon_q: dict[str, Any] = {}
    for source, spec in sources_spec["amazon_q"].items():
        events: dict[str, dict[str, Any]] = {}
        model_services = (
            [spec["service"], *spec.get("also_services", [])] if "service" in spec else []
        )
        for service in model_services:
            for op_name, op in models[service]["operations"].items():
                method = op.get("http", {}).get("method", "POST")
                # RPC-style models (chatbot) send reads as POST: the verb prefix decides.
                reads = method in ("GET", "HEAD") or op_name.startswith(READ_PREFIXES)
                events[op_name] = {"read_only": reads}
        read_only = set(spec.get("read_only", []))
        for name in [*spec.get("names", []), *spec.get("extra_names", [])]:
            events.setdefault(name, {"read_only": name in read_only or None})
        resource_types: dict[str, list[str]] = {}
        for resource_type, data_names in spec.get("data_events", {}).items():
            for name in data_names:
                resource_types.setdefault(name, []).append(resource_type)
                events.setdefault(name, {"read_only": name.startswith(("Get", "List")) or None})
        for name, info in events.items():
            info["category"] = "Data" if name in resource_types else "Management"
            info["resource_types"] = sorted(resource_types.get(name, []))
        amazon_q[source] = {
            "services": sorted(model_services),
            "events": {name: events[name] for name in sorted(events)},
        }
        names.setdefault(source, set()).update(events)

    return {
        "description": "CloudTrail eventSource -> eventNames; generated by tools/gen_catalog.py",
        "botocore_version": botocore.__version__,
        "amazon_q": amazon_q,
        "event_sources": {source: sorted(names[source]) for source in sorted(names)},
    }


def _compact_shapes(model: dict[str, Any], roots: list[str]) -> dict[str, Any]:
    """The shapes reachable from ``roots``, trimmed to what the fixture check reads.

    structure -> ``{"m": {member: shape}, "r": [required]}``, plus ``"a": {wire name:
    member}`` for members sent in the URI, query string or a header under another name
    (CloudTrail logs EKS's ``clusterName`` as ``name``) and ``"s": 1`` when a member is an
    event stream (CloudTrail logs the streamed event's fields instead); list ->
    ``{"l": shape}``; map -> ``{"v": shape}``; enum -> ``{"e": [values]}``; document ->
    ``{"d": 1}``. Other scalars are left out (any value is accepted for them).
    """
    shapes = model["shapes"]
    keep: dict[str, Any] = {}
    pending = list(roots)
    while pending:
        name = pending.pop()
        if name in keep:
            continue
        shape = shapes[name]
        kind = shape["type"]
        if shape.get("document"):
            keep[name] = {"d": 1}
        elif kind == "structure":
            specs = shape.get("members", {})
            members = {key: spec["shape"] for key, spec in specs.items()}
            entry: dict[str, Any] = {"m": members, "r": sorted(shape.get("required", []))}
            aliases = {
                spec["locationName"]: key
                for key, spec in specs.items()
                if spec.get("location") in ("uri", "querystring", "header")
                and spec.get("locationName", key) != key
            }
            if aliases:
                entry["a"] = dict(sorted(aliases.items()))
            if any(shapes[spec["shape"]].get("eventstream") for spec in specs.values()):
                entry["s"] = 1
            keep[name] = entry
            pending.extend(members.values())
        elif kind == "list":
            keep[name] = {"l": shape["member"]["shape"]}
            pending.append(shape["member"]["shape"])
        elif kind == "map":
            keep[name] = {"v": shape["value"]["shape"]}
            pending.append(shape["value"]["shape"])
        elif "enum" in shape:
            keep[name] = {"e": list(shape["enum"])}
        else:
            keep[name] = None
    return {name: value for name, value in sorted(keep.items()) if value is not None}


def build_shapes() -> dict[str, Any]:
    """Input shapes of every operation of every service, keyed by eventSource."""
    spec = yaml.safe_load(SOURCES.read_text(encoding="utf-8"))
    overrides: dict[str, str] = spec.get("event_source_overrides", {})
    services: dict[str, Any] = {}
    sources: dict[str, list[str]] = {}
    for service, model in sorted(_models().items()):
        operations = {
            name: op.get("input", {}).get("shape") for name, op in model["operations"].items()
        }
        services[service] = {
            "protocol": model["metadata"].get("protocol", ""),
            "operations": dict(sorted(operations.items())),
            "shapes": _compact_shapes(model, [s for s in operations.values() if s]),
        }
        sources.setdefault(_event_source(service, model, overrides), []).append(service)
    return {
        "description": "botocore input shapes per operation; generated by tools/gen_catalog.py",
        "botocore_version": botocore.__version__,
        "event_sources": {source: sorted(names) for source, names in sorted(sources.items())},
        "services": services,
    }


def shapes_bytes(data: dict[str, Any]) -> bytes:
    """Deterministic gzip of the compact JSON (no timestamp in the gzip header)."""
    text = json.dumps(data, separators=(",", ":"), sort_keys=True).encode("utf-8")
    return gzip.compress(text, compresslevel=9, mtime=0)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if a committed file is stale")
    args = parser.parse_args()
    text = canonical_json(build())
    shapes = shapes_bytes(build_shapes())
    if args.check:
        stale = []
        if (OUT.read_text(encoding="utf-8") if OUT.exists() else "") != text:
            stale.append(OUT)
        if (SHAPES_OUT.read_bytes() if SHAPES_OUT.exists() else b"") != shapes:
            stale.append(SHAPES_OUT)
        for path in stale:
            print(f"{path} is stale: run python tools/gen_catalog.py", file=sys.stderr)
        return 1 if stale else 0
    OUT.write_text(text, encoding="utf-8")
    SHAPES_OUT.write_bytes(shapes)
    print(f"wrote {OUT} and {SHAPES_OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
