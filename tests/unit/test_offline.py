"""Validation runs every validator with the network unreachable."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest
from rulebuilder import write_rule

from sigmaq.core.offline import ATTACK_VERSION, use_vendored_data
from sigmaq.validate.registry import UNAVAILABLE, profile_validators
from sigmaq.validate.runner import validate_paths


@pytest.fixture()
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise OSError("network disabled by test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


def test_every_validator_runs_offline(tmp_path: Path, no_network: None) -> None:
    write_rule(tmp_path, tags=["attack.collection", "attack.t1213", "attack.t9999"])
    report = validate_paths([tmp_path], project_root=None, profile="amazon_q")
    expected = sorted(profile_validators("amazon_q"))
    assert report.validators == expected
    assert not set(UNAVAILABLE) & set(report.validators)
    # The ATT&CK validator really consulted the vendored data: an unknown technique is flagged.
    assert [f.validator for f in report.findings] == ["attacktag"]
    assert "t9999" in report.findings[0].message


def test_vendored_attack_version(no_network: None) -> None:
    use_vendored_data()
    from sigma.data import mitre_attack

    assert mitre_attack.mitre_attack_version == ATTACK_VERSION
    assert mitre_attack.mitre_attack_techniques_tactics_mapping["T1562.008"] == ["defense-evasion"]
