"""sigmaq readiness: exports, rule needs, assessment, the fix and its round trip.

The sample exports under ``tests/data/readiness`` are validated against botocore's
CloudTrail/Logs/S3/QBusiness output shapes, so they are the AWS CLI's JSON, not a guess.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import yaml

from sigmaq.core.loader import LoadedRule, load_rules
from sigmaq.readiness.assess import BLIND, PARTIAL, READY, assess, assess_rule
from sigmaq.readiness.exports import LogSource, load_exports
from sigmaq.readiness.fix import (
    FixError,
    choose_target,
    cloudformation_snippet,
    compute_fix,
    request_json,
    terraform_snippet,
)
from sigmaq.readiness.needs import RuleNeeds, pack_needs
from sigmaq.readiness.selectors import AdvancedSelector, FieldSelector

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data" / "readiness"
MANAGEMENT_ONLY = DATA / "management-only"
ADVANCED_ORG = DATA / "advanced-org"

# export kind -> (botocore service, operation whose output shape it is)
SHAPES = {
    "describe-trails": ("cloudtrail", "DescribeTrails"),
    "trail-status": ("cloudtrail", "GetTrailStatus"),
    "event-selectors": ("cloudtrail", "GetEventSelectors"),
    "event-data-store": ("cloudtrail", "GetEventDataStore"),
    "deliveries": ("logs", "DescribeDeliveries"),
    "delivery-sources": ("logs", "DescribeDeliverySources"),
    "delivery-destinations": ("logs", "DescribeDeliveryDestinations"),
    "bucket-policy": ("s3", "GetBucketPolicy"),
    "bucket-versioning": ("s3", "GetBucketVersioning"),
    "object-lock": ("s3", "GetObjectLockConfiguration"),
    "public-access-block": ("s3", "GetPublicAccessBlock"),
    "qbusiness-applications": ("qbusiness", "ListApplications"),
}


@pytest.fixture(scope="module")
def pack() -> list[LoadedRule]:
    result = load_rules([ROOT / "rules"])
    assert not result.errors
    return result.rules


@pytest.fixture(scope="module")
def needs(pack: list[LoadedRule]) -> list[RuleNeeds]:
    return pack_needs(pack)


def _validate(service: str, operation: str, data: Any) -> None:
    botocore_session = pytest.importorskip("botocore.session")
    from botocore.validate import ParamValidator

    model = botocore_session.get_session().get_service_model(service)
    shape = model.operation_model(operation).output_shape
    report = ParamValidator().validate(data, shape)
    assert not report.has_errors(), report.generate_report()


def _documents() -> Iterator[Any]:
    for folder in (MANAGEMENT_ONLY, ADVANCED_ORG):
        yield from load_exports([folder]).documents


@pytest.mark.parametrize("doc", list(_documents()), ids=lambda d: d.path.name)
def test_sample_exports_have_the_aws_cli_output_shape(doc: Any) -> None:
    service, operation = SHAPES[doc.kind]
    _validate(service, operation, doc.data)


def test_samples_load_without_problems() -> None:
    for folder in (MANAGEMENT_ONLY, ADVANCED_ORG):
        exports = load_exports([folder])
        assert exports.problems == ()
    trail = load_exports([MANAGEMENT_ONLY]).sources[0]
    assert (trail.name, trail.logging, trail.selector_origin) == ("management-trail", True, "basic")
    assert [s.to_json() for s in trail.selectors or ()] == [
        {
            "Name": "Basic event selector 1: management events",
            "FieldSelectors": [{"Field": "eventCategory", "Equals": ["Management"]}],
        }
    ]
    org = load_exports([ADVANCED_ORG])
    assert [(s.kind, s.name) for s in org.sources] == [
        ("trail", "org-trail"),
        ("event-data-store", "q-developer-activity"),
    ]
    assert org.sources[0].cloudwatch_log_group and org.sources[0].organization is True


def test_bad_exports_are_reported_and_the_rest_is_read(tmp_path: Path) -> None:
    shutil.copytree(MANAGEMENT_ONLY, tmp_path / "m")
    (tmp_path / "m" / "broken.json").write_text("{not json", encoding="utf-8")
    (tmp_path / "m" / "other.json").write_text('{"Something": 1}', encoding="utf-8")
    (tmp_path / "m" / "stray").mkdir()
    (tmp_path / "m" / "stray" / "get-trail-status.json").write_text(
        '{"IsLogging": false}', encoding="utf-8"
    )
    exports = load_exports([tmp_path / "m", tmp_path / "missing"])
    messages = sorted(p.message.split(":")[0] for p in exports.problems)
    assert messages == [
        "no such file or folder",
        "not JSON",
        "not a recognised AWS CLI or Prowler export",
    ]
    # one trail only: the stray status matches it (last wins in file order)
    assert exports.sources[0].name == "management-trail"


def test_trail_without_custom_selectors_logs_the_default(tmp_path: Path) -> None:
    trails = json.loads((MANAGEMENT_ONLY / "describe-trails.json").read_text())
    trails["trailList"][0]["HasCustomEventSelectors"] = False
    (tmp_path / "describe-trails.json").write_text(json.dumps(trails), encoding="utf-8")
    source = load_exports([tmp_path]).sources[0]
    assert source.selector_origin == "default"
    assert source.logging is None  # no get-trail-status exported
    trails["trailList"][0]["HasCustomEventSelectors"] = True
    (tmp_path / "describe-trails.json").write_text(json.dumps(trails), encoding="utf-8")
    assert load_exports([tmp_path]).sources[0].selectors is None


def test_rule_needs_read_the_condition_and_the_catalogue(needs: list[RuleNeeds]) -> None:
    by_title = {n.title: n for n in needs}
    destructive = by_title["Destructive AWS API Call"]
    data = {(e.event_source, e.event_name, e.resource_types) for e in destructive.data_events}
    assert data == {
        ("s3.amazonaws.com", "DeleteObject", ("AWS::S3::Object",)),
        ("s3.amazonaws.com", "DeleteObjects", ("AWS::S3::Object",)),
    }
    assert all(e.read_only is False for e in destructive.events)  # the rule's readOnly: false
    assert ("iam.amazonaws.com", "DeleteUser") in {
        (e.event_source, e.event_name) for e in destructive.management_events
    }
    injection = by_title["Q Business Document Put Directly Into Index"]
    assert [e.resource_types for e in injection.events] == [
        ("AWS::QBusiness::Application", "AWS::QBusiness::Index")
    ]
    assert by_title["Destructive AWS API Calls In Several Accounts By One Principal"].spans_accounts
    anywhere = by_title["Root User API Call With Access Key"]
    assert [(e.event_source, e.event_name, e.category) for e in anywhere.events] == [
        (None, None, "Management")
    ]


def _data_rules(needs: list[RuleNeeds]) -> list[RuleNeeds]:
    return [n for n in needs if n.data_events]


def test_management_only_leaves_every_data_event_rule_blind_and_the_fix_round_trips(
    needs: list[RuleNeeds], tmp_path: Path
) -> None:
    before = assess(needs, load_exports([MANAGEMENT_ONLY]).sources)
    data_rules = {n.title for n in _data_rules(needs)}
    assert len(data_rules) >= 15
    for verdict in before.rules:
        data_events = [e for e in verdict.events if e.need.category == "Data"]
        if verdict.needs.title in data_rules:
            # blind to every data event it needs; blind overall when it needs nothing else
            assert all(e.logged is False for e in data_events), verdict.needs.title
            expected = BLIND if not verdict.needs.management_events else PARTIAL
            assert verdict.status == expected, verdict.needs.title
        else:
            assert verdict.status == READY, (verdict.needs.title, verdict.gaps)

    source = load_exports([MANAGEMENT_ONLY]).sources[0]
    fix = compute_fix(needs, choose_target([source]))
    assert fix.converted_from_basic and fix.existing == source.selectors  # nothing dropped
    added = {s.fields("resources.type")[0].equals[0]: s for s in fix.added}
    assert set(added) == {
        "AWS::QBusiness::Application",
        "AWS::S3::Object",
        "AWS::CodeWhisperer::Profile",  # Q Developer chat before a secret read (AQ-37)
    }
    assert added["AWS::S3::Object"].fields("eventName")[0].equals == (
        "DeleteObject",
        "DeleteObjects",
        "PutObject",  # prompt-log deliveries name the prompt-log bucket (AQ-28)
    )

    # Feed the emitted put-event-selectors request back in place of the selectors export.
    folder = tmp_path / "after"
    shutil.copytree(MANAGEMENT_ONLY, folder)
    (folder / "management-trail" / "get-event-selectors.json").unlink()
    request = request_json(fix)
    _validate_request("PutEventSelectors", request)
    (folder / "management-trail" / "put-event-selectors.json").write_text(
        json.dumps(request), encoding="utf-8"
    )
    after = assess(needs, load_exports([folder]).sources)
    # A rule taking any data event of a source (eventCategory: Data, no eventName) is served
    # by the selectors the named needs add, which log some of its events, not all: the fix
    # does not widen them to every chat or completion for it, so it stays partial.
    any_event = {
        v.needs.title
        for v in after.rules
        if any(e.category == "Data" and e.event_source and not e.event_name for e in v.needs.events)
    }
    assert any_event == {
        "Amazon Q Data Event Recorded",
        "Amazon Q Data Events Then Event Selectors Without Amazon Q",
    }
    assert {v.status for v in after.rules if v.needs.title not in any_event} == {READY}, [
        (v.needs.title, v.gaps) for v in after.rules if v.status != READY
    ]
    for verdict in after.rules:
        if verdict.needs.title in any_event:
            assert verdict.status in (READY, PARTIAL)
            assert all(e.logged is not False for e in verdict.events), verdict.gaps
    # and the fix on the fixed trail adds nothing
    assert compute_fix(needs, load_exports([folder]).sources[0]).added == ()


def _validate_request(operation: str, request: dict[str, Any]) -> None:
    botocore_session = pytest.importorskip("botocore.session")
    from botocore.validate import ParamValidator

    model = botocore_session.get_session().get_service_model("cloudtrail")
    report = ParamValidator().validate(request, model.operation_model(operation).input_shape)
    assert not report.has_errors(), report.generate_report()


def test_fix_keeps_existing_advanced_selectors_and_renders_cfn_and_terraform(
    needs: list[RuleNeeds],
) -> None:
    sources = load_exports([ADVANCED_ORG]).sources
    target = choose_target(sources)
    assert target.name == "org-trail"
    fix = compute_fix(needs, target)
    original = json.loads((ADVANCED_ORG / "org-trail" / "get-event-selectors.json").read_text())
    merged = request_json(fix)["AdvancedEventSelectors"]
    assert merged[: len(original["AdvancedEventSelectors"])] == original["AdvancedEventSelectors"]
    assert len(merged) == len(original["AdvancedEventSelectors"]) + len(fix.added)
    assert not fix.converted_from_basic

    cfn = yaml.safe_load(cloudformation_snippet(fix))
    (resource,) = cfn["Resources"].values()
    assert resource["Type"] == "AWS::CloudTrail::Trail"
    assert resource["Properties"]["AdvancedEventSelectors"] == merged

    hcl = terraform_snippet(fix)
    assert hcl.startswith("# Merge") and 'resource "aws_cloudtrail" "org_trail" {' in hcl
    assert hcl.count("advanced_event_selector {") == len(merged)
    assert hcl.count("field_selector {") == sum(len(s["FieldSelectors"]) for s in merged)
    assert 'starts_with = ["arn:aws:s3:::amzn-s3-demo-bucket-qdev-prompts/"]' in hcl
    assert hcl.count("{") == hcl.count("}")

    store = next(s for s in sources if s.kind == "event-data-store")
    store_fix = compute_fix(needs, store)
    _validate_request("UpdateEventDataStore", request_json(store_fix))
    assert "aws_cloudtrail_event_data_store" in terraform_snippet(store_fix)
    with pytest.raises(FixError):
        compute_fix(needs, replace(store, selectors=None))
    with pytest.raises(FixError):
        choose_target(sources, "no-such-trail")


def _source(**changes: Any) -> LogSource:
    base = load_exports([MANAGEMENT_ONLY]).sources[0]
    return replace(base, **changes)


@pytest.mark.parametrize(
    ("changes", "title", "status", "reason"),
    [
        ({"logging": False}, "IAM User Created Or Deleted", BLIND, "is not logging"),
        (
            {"include_global_service_events": False},
            "IAM User Created Or Deleted",
            BLIND,
            "excludes global service events",
        ),
        ({"multi_region": False}, "IAM Access Key Created", PARTIAL, "covers only us-east-1"),
        (
            {"multi_region": False, "home_region": "eu-west-1"},
            "IAM Access Key Created",
            PARTIAL,
            "recorded in us-east-1",
        ),
        (
            {"organization": False},
            "Destructive AWS API Calls In Several Accounts By One Principal",
            PARTIAL,
            "not an organisation trail",
        ),
        ({}, "Q Business Chat Controls Weakened", READY, ""),
        (
            {
                "selectors": (
                    AdvancedSelector(
                        "write only",
                        (
                            FieldSelector("eventCategory", equals=("Management",)),
                            FieldSelector("readOnly", equals=("false",)),
                        ),
                    ),
                )
            },
            "Q Business Configuration Read Outside Console",
            BLIND,
            "no event selector selects it",
        ),
    ],
)
def test_trail_properties_change_the_verdict(
    needs: list[RuleNeeds], changes: dict[str, Any], title: str, status: str, reason: str
) -> None:
    rule = next(n for n in needs if n.title == title)
    verdict = assess_rule(rule, [_source(**changes)])
    assert verdict.status == status, verdict.gaps
    assert any(reason in gap for gap in verdict.gaps) if reason else verdict.gaps == ()


def test_playbook_lines(needs: list[RuleNeeds]) -> None:
    before = {p.key: p for p in assess(needs, load_exports([MANAGEMENT_ONLY]).sources).playbook}
    assert [p for p in before] == [
        "step-4",
        "step-5",
        "step-6",
        "step-7",
        "q1",
        "q2",
        "q3",
        "q4",
        "q5",
        "q6",
    ]
    assert before["step-5"].answer == "no"  # no CloudWatch Logs delivery
    assert "CloudWatchLogsLogGroupArn" in before["step-5"].reasons[0]
    assert before["q4"].answer == "partly" and before["q4"].counts[BLIND] > 0
    assert any("AWS::QBusiness::Application" in r for r in before["q4"].reasons)
    org = {p.key: p for p in assess(needs, load_exports([ADVANCED_ORG]).sources).playbook}
    assert org["step-5"].answer == "yes"
    # step-4 includes "Amazon Q Data Events Then Event Selectors Without Amazon Q", which needs
    # every application's Q Business data events; the org trail logs one application's only.
    assert org["step-4"].answer == "partly"
    assert any("AWS::QBusiness::Application" in r for r in org["step-4"].reasons)


def test_a_rule_on_eventcategory_data_needs_data_events_not_management_events(
    needs: list[RuleNeeds],
) -> None:
    # "Amazon Q Data Event Recorded" keys on eventSource (Q Business, Q Apps, Q Developer)
    # AND eventCategory: Data. A management-only trail can never show it; a trail logging
    # only Q Business application data events shows it in part (not Q Developer's).
    rule = next(n for n in needs if n.title == "Amazon Q Data Event Recorded")
    assert not rule.management_events
    by_source = {e.event_source: e for e in rule.data_events}
    assert set(by_source) == {
        "qbusiness.amazonaws.com",
        "qapps.amazonaws.com",
        "codewhisperer.amazonaws.com",
    }
    assert all(e.event_name is None for e in rule.data_events)
    assert "AWS::QBusiness::Application" in by_source["qbusiness.amazonaws.com"].resource_types
    assert "AWS::CodeWhisperer::Profile" in by_source["codewhisperer.amazonaws.com"].resource_types
    management_only = assess([rule], load_exports([MANAGEMENT_ONLY]).sources).rules[0]
    assert management_only.status == BLIND, management_only.gaps
    application_data = replace(
        load_exports([MANAGEMENT_ONLY]).sources[0],
        selectors=(
            AdvancedSelector(
                "q business",
                (
                    FieldSelector("eventCategory", equals=("Data",)),
                    FieldSelector("resources.type", equals=("AWS::QBusiness::Application",)),
                ),
            ),
        ),
    )
    verdict = assess([rule], [application_data]).rules[0]
    assert verdict.status == PARTIAL, verdict.gaps
    # (some Q Apps calls are logged under AWS::QBusiness::Application too: the catalogue)
    assert {e.need.event_source for e in verdict.events if e.logged} == {
        "qbusiness.amazonaws.com",
        "qapps.amazonaws.com",
    }
