"""Kibana ``setup`` text: what a rule needs CloudTrail to log."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from sigmaq.core.loader import load_rules
from sigmaq.export.elastic.kibana import setup_guide

RULES = Path(__file__).resolve().parents[2] / "rules"


def guide(*paths: str) -> str:
    loaded = load_rules([RULES / p for p in paths]).rules
    assert len(loaded) == len(paths)
    return setup_guide(SimpleNamespace(custom_paths=(), lower_paths=()), loaded)  # type: ignore[arg-type]


def test_rule_reading_management_and_data_events_does_not_claim_it_needs_data_events() -> None:
    # TerminateInstances, DeleteBucket, DeleteUser... are management events; only the S3
    # object deletions among them are data events, so the rule works on a default trail.
    text = guide(
        "containment/aws_cloudtrail_burst_of_destructive_aws_api_calls_by_one_principal.yml",
        "containment/aws_cloudtrail_destructive_aws_api_call.yml",
    )
    assert "`AWS::S3::Object`" in text
    assert "management events alone never match" not in text
    assert "misses the events of those types" in text


def test_data_event_rule_names_its_resource_types() -> None:
    text = guide("q_business/aws_cloudtrail_q_business_chat_message_by_user.yml")
    assert "**data events** for `AWS::QBusiness::Application`" in text
