"""House validators: one valid rule is clean, each broken variant names its validator."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from rulebuilder import rule_dict, rule_text, write_rule

from sigmaq.validate.runner import ValidationFinding, validate_paths


def findings(folder: Path) -> list[ValidationFinding]:
    return validate_paths([folder], project_root=None, profile="amazon_q").findings


def by_validator(found: list[ValidationFinding]) -> dict[str, list[ValidationFinding]]:
    grouped: dict[str, list[ValidationFinding]] = {}
    for finding in found:
        grouped.setdefault(finding.validator, []).append(finding)
    return grouped


def test_template_rule_is_clean_under_every_validator(tmp_path: Path) -> None:
    write_rule(tmp_path)
    assert findings(tmp_path) == []


def _selection(**fields: Any) -> dict[str, Any]:
    return {"selection": fields, "condition": "selection"}


@pytest.mark.parametrize(
    ("detection", "message"),
    [
        (
            _selection(eventSource="q.amazonaws.com", eventName="getConversation"),
            "wrong case: q.amazonaws.com logs 'GetConversation'",
        ),
        (
            _selection(eventSource="qbusiness.amazonaws.com", eventName="StartDataSourceSyncJobs"),
            "'StartDataSourceSyncJobs' is not logged by qbusiness.amazonaws.com",
        ),
        (
            _selection(eventSource="q.amazonaws.com", eventName="q:SendMessage"),
            "IAM prefix; CloudTrail logs 'SendMessage'",
        ),
        (
            _selection(eventSource="q.amazonaws.com", eventName="CreateIndex"),
            "it belongs to qbusiness.amazonaws.com",
        ),
        (
            _selection(eventSource="QBusiness.amazonaws.com", eventName="CreateIndex"),
            "use 'qbusiness.amazonaws.com'",
        ),
        (
            _selection(
                **{"eventSource": "qbusiness.amazonaws.com", "eventName|startswith": "Nope"}
            ),
            "pattern 'Nope*' matches no name",
        ),
    ],
    ids=["case", "plural", "iam_prefix", "wrong_source", "source_case", "pattern"],
)
def test_catalog_values(tmp_path: Path, detection: dict[str, Any], message: str) -> None:
    write_rule(tmp_path, detection=detection)
    found = by_validator(findings(tmp_path))
    assert list(found) == ["sigmaq_catalog_values"], found
    assert message in found["sigmaq_catalog_values"][0].message


@pytest.mark.parametrize(
    ("source", "name", "severity", "message"),
    [
        # console-only: the reference links a user-guide page, no API operation
        ("sso.amazonaws.com", "AssociateDirectory", "medium", "'sso:AssociateDirectory' is an IAM"),
        ("s3.amazonaws.com", "ReplicateObject", "medium", "so it may be real"),
        # the action of an operation of another name: CloudTrail logs the operation's name
        (
            "s3.amazonaws.com",
            "PutLifecycleConfiguration",
            "high",
            "IAM action for the API operation 'PutBucketLifecycleConfiguration'",
        ),
        # ... whose older name S3 logs (real records say PutBucketLifecycle): both named
        (
            "s3.amazonaws.com",
            "PutLifecycleConfiguration",
            "high",
            "'PutBucketLifecycleConfiguration', 'PutBucketLifecycle'; check which in a real",
        ),
        # in neither the SDK models nor the IAM actions: still blocking
        ("sso.amazonaws.com", "AssociateDirectoryX", "high", "is not logged by sso.amazonaws.com"),
        # wrong case of an IAM-only name: blocking, names the spelling
        ("s3.amazonaws.com", "replicateObject", "high", "wrong case: the IAM action of"),
    ],
    ids=["console_only", "replication", "action_of_operation", "older_name", "unknown", "iam_case"],
)
def test_catalog_names_known_only_as_iam_actions(
    tmp_path: Path, source: str, name: str, severity: str, message: str
) -> None:
    """botocore has no operation for console-only calls that CloudTrail logs under their
    IAM action name (AWS Service Authorization Reference): medium, not blocking."""
    write_rule(tmp_path, detection=_selection(eventSource=source, eventName=name))
    found = by_validator(findings(tmp_path))["sigmaq_catalog_values"]
    assert [f.severity for f in found] == [severity]
    assert message in found[0].message


def test_catalog_pairs_names_with_their_and_group(tmp_path: Path) -> None:
    detection = {
        "q": {"eventSource": "q.amazonaws.com", "eventName": "SendMessage"},
        "biz": {"eventSource": "qbusiness.amazonaws.com", "eventName": "ChatSync"},
        "condition": "q or biz",
    }
    write_rule(
        tmp_path,
        detection=detection,
        sigmaq={
            "catalogue": ["AQ-19"],
            "playbook": ["q4"],
            "data_events": ["AWS::QBusiness::Application"],
        },
    )
    assert findings(tmp_path) == []


def test_filename_must_match_title(tmp_path: Path) -> None:
    write_rule(tmp_path, name="aws_cloudtrail_something_else.yml")
    found = by_validator(findings(tmp_path))
    assert "sigmaq_filename" in found
    assert "expected aws_cloudtrail_q_business_application_created_with_anonymous_access.yml" in (
        found["sigmaq_filename"][0].message
    )


def test_component_folder_checked_inside_rules_tree(tmp_path: Path) -> None:
    write_rule(tmp_path / "rules" / "not_a_component")
    found = by_validator(findings(tmp_path / "rules"))
    assert "component one of q_business" in found["sigmaq_filename"][0].message


def test_duplicate_id_title_and_name(tmp_path: Path) -> None:
    first = rule_dict(name="same_name")
    write_rule(tmp_path / "a", text=rule_text(**first))
    write_rule(
        tmp_path / "b", text=rule_text(**{**first, "description": "Another description of it."})
    )
    found = by_validator(findings(tmp_path))
    messages = sorted(f.message for f in found["sigmaq_unique_identity"])
    kinds = {message.split(": ")[1].split(" ")[0] for message in messages}
    assert kinds == {"id", "title", "name"}


def test_logsource_and_event_source_scoping(tmp_path: Path) -> None:
    write_rule(
        tmp_path,
        logsource={"product": "aws", "service": "s3"},
        detection={"selection": {"userAgent|contains": "AmazonQ-For-"}, "condition": "selection"},
    )
    found = by_validator(findings(tmp_path))
    assert "sigmaq_logsource" in found
    assert "sigmaq_event_source_constrained" in found


def test_event_source_opt_out_needs_a_reason(tmp_path: Path) -> None:
    write_rule(
        tmp_path,
        detection={"selection": {"userAgent|contains": "AmazonQ-For-"}, "condition": "selection"},
        sigmaq={
            "catalogue": ["AQ-23"],
            "playbook": ["q6"],
            "data_events": [],
            "any_event_source": "Q agents call every AWS service",
        },
    )
    assert "sigmaq_event_source_constrained" not in by_validator(findings(tmp_path))


def test_or_branch_without_event_source_is_flagged(tmp_path: Path) -> None:
    detection = {
        "a": {"eventSource": "q.amazonaws.com", "eventName": "SendMessage"},
        "b": {"userAgent|contains": "AmazonQ-For-"},
        "condition": "a or b",
    }
    write_rule(tmp_path, detection=detection)
    assert "sigmaq_event_source_constrained" in by_validator(findings(tmp_path))


def test_unknown_field_path(tmp_path: Path) -> None:
    write_rule(
        tmp_path,
        detection=_selection(eventSource="qbusiness.amazonaws.com", eventname="CreateApplication"),
    )
    found = by_validator(findings(tmp_path))
    message = found["sigmaq_field_path"][0].message
    assert "'eventname' is not a CloudTrail field path; did you mean 'eventName'?" in message


def test_data_event_must_be_declared(tmp_path: Path) -> None:
    write_rule(
        tmp_path, detection=_selection(eventSource="qbusiness.amazonaws.com", eventName="ChatSync")
    )
    found = by_validator(findings(tmp_path))
    assert "ChatSync is a data event (resources.type AWS::QBusiness::Application)" in (
        found["sigmaq_data_events"][0].message
    )


@pytest.mark.parametrize(
    ("metadata", "fragment"),
    [
        (None, "no sigmaq: metadata block"),
        (
            {"catalogue": ["AQ-1"], "playbook": ["q3"], "data_events": []},
            "catalogue values ['AQ-1']",
        ),
        (
            {"catalogue": [], "playbook": ["step-9"], "data_events": []},
            "playbook values ['step-9']",
        ),
        ({"catalogue": [], "playbook": ["q1"], "colour": "red"}, "unknown keys ['colour']"),
    ],
)
def test_metadata_block(tmp_path: Path, metadata: dict[str, Any] | None, fragment: str) -> None:
    write_rule(tmp_path, sigmaq=metadata)
    found = by_validator(findings(tmp_path))
    assert fragment in found["sigmaq_metadata"][0].message


def test_custom_attribute_other_than_sigmaq_is_unknown(tmp_path: Path) -> None:
    write_rule(tmp_path, colour="red")
    assert "sigmahq_unknown_field" not in by_validator(findings(tmp_path))
    assert "sigmaq_unknown_field" in by_validator(findings(tmp_path))


def test_target_expressibility_is_low(tmp_path: Path) -> None:
    detection = _selection(
        **{
            "eventSource": "qbusiness.amazonaws.com",
            "eventName": "CreateApplication",
            "userAgent|re": "^aws-cli/2",
        }
    )
    write_rule(tmp_path, detection=detection)
    found = by_validator(findings(tmp_path))
    assert [f.severity for f in found["sigmaq_target_expressible"]] == ["low"]


def test_fixtures_required_inside_a_project(tmp_path: Path) -> None:
    (tmp_path / "fixtures").mkdir()
    rule_path = write_rule(tmp_path / "rules" / "q_business")
    found = by_validator(validate_paths([tmp_path / "rules"], profile="amazon_q").findings)
    assert "0 positive and 0 negative" in found["sigmaq_fixtures"][0].message
    folder = tmp_path / "fixtures" / "q_business" / rule_path.stem
    folder.mkdir(parents=True)
    record = {
        "eventTime": "2026-11-24T10:00:00Z",
        "eventSource": "qbusiness.amazonaws.com",
        "eventName": "CreateApplication",
    }
    import json

    (folder / "pos_anonymous.json").write_text(json.dumps(record), encoding="utf-8")
    for name in ("neg_a.json", "neg_b.json"):
        (folder / name).write_text(json.dumps(record), encoding="utf-8")
    found = by_validator(validate_paths([tmp_path / "rules"], profile="amazon_q").findings)
    assert "fields ['requestParameters.identityType'] appear in no positive fixture" in (
        found["sigmaq_fixtures"][0].message
    )


def test_findings_carry_lines(tmp_path: Path) -> None:
    path = write_rule(
        tmp_path, detection=_selection(eventSource="q.amazonaws.com", eventName="getConversation")
    )
    finding = findings(tmp_path)[0]
    line = next(
        i for i, text in enumerate(path.read_text().splitlines(), 1) if "eventName:" in text
    )
    assert finding.line == line


def test_fields_to_cover_skips_null_tests_and_negated_filters(tmp_path: Path) -> None:
    from sigmaq.core.loader import load_rules
    from sigmaq.validate.house.fixtures import fields_to_cover

    detection = {
        "selection": {"eventSource": "qbusiness.amazonaws.com", "eventName": "CreateApplication"},
        "succeeded": [{"errorCode": None}, {"errorCode": "success"}],
        "filter_console": {"sessionCredentialFromConsole": "true"},
        "condition": "selection and succeeded and not filter_console",
    }
    path = write_rule(tmp_path, detection=detection)
    rule = load_rules([path]).rules[0].rule
    assert fields_to_cover(rule) == {"eventSource", "eventName"}


def test_correlation_alias_names_are_not_fields(tmp_path: Path) -> None:
    from sigmaq.core.loader import load_rules
    from sigmaq.validate.house.rule_walk import rule_fields

    (tmp_path / "a.yml").write_text(rule_text(name="base_a"), encoding="utf-8")
    (tmp_path / "b.yml").write_text(
        rule_text(name="base_b", title="Another Base Rule"), encoding="utf-8"
    )
    (tmp_path / "corr.yml").write_text(
        """title: Both In A Row
id: 2b6f9d7e-7d55-4b4a-9e34-2f1b2a3c4d5e
status: experimental
correlation:
  type: temporal
  rules: [base_a, base_b]
  aliases:
    principal:
      base_a: userIdentity.arn
      base_b: requestParameters.userName
  group-by: [principal, awsRegion]
  timespan: 1h
level: medium
""",
        encoding="utf-8",
    )
    correlation = next(r.rule for r in load_rules([tmp_path]).rules if r.is_correlation)
    assert rule_fields(correlation) == {
        "awsRegion",
        "userIdentity.arn",
        "requestParameters.userName",
    }


def test_value_count_field_may_be_an_alias(tmp_path: Path) -> None:
    from sigmaq.core.loader import load_rules
    from sigmaq.validate.house.rule_walk import rule_fields

    (tmp_path / "a.yml").write_text(rule_text(name="base_a"), encoding="utf-8")
    (tmp_path / "b.yml").write_text(
        rule_text(name="base_b", title="Another Base Rule"), encoding="utf-8"
    )
    (tmp_path / "corr.yml").write_text(
        """title: Many Distinct Values
id: 5d0c8f7a-2f7e-4b8e-9a51-6c3e2b1d0f9a
status: experimental
correlation:
  type: value_count
  rules: [base_a, base_b]
  aliases:
    thing:
      base_a: requestParameters.actionExecution.pluginId
      base_b: requestParameters.chatModeConfiguration.pluginConfiguration.pluginId
  group-by: [userIdentity.arn]
  timespan: 1h
  condition:
    gte: 3
    field: thing
level: low
""",
        encoding="utf-8",
    )
    correlation = next(r.rule for r in load_rules([tmp_path]).rules if r.is_correlation)
    assert rule_fields(correlation) == {
        "userIdentity.arn",
        "requestParameters.actionExecution.pluginId",
        "requestParameters.chatModeConfiguration.pluginConfiguration.pluginId",
    }


@pytest.mark.parametrize(
    ("pattern", "flagged"),
    [
        ("^(a+)+$", True),
        ("(\\w*)*x", True),
        ("(ab{1,})+", True),
        ("^aws-cli/2\\.\\d+", False),
        ("(foo|bar)+", False),
        ("(\\(a+\\))", False),
    ],
)
def test_nested_quantifiers(pattern: str, flagged: bool) -> None:
    from sigmaq.validate.house.regex import has_nested_quantifier

    assert has_nested_quantifier(pattern) is flagged


def test_backtracking_regex_is_reported(tmp_path: Path) -> None:
    detection = _selection(
        **{
            "eventSource": "qbusiness.amazonaws.com",
            "eventName": "CreateApplication",
            "userAgent|re": "^(a+)+$",
        }
    )
    write_rule(tmp_path, detection=detection)
    found = by_validator(findings(tmp_path))
    assert "repeats a repeated group" in found["sigmaq_regex_backtracking"][0].message


def test_falsepositives_entry_read_as_a_map_is_one_finding(tmp_path: Path) -> None:
    """An unquoted "Admins: ..." falsepositives line once crashed the SigmaHQ
    falsepositives validators (``'dict' object has no attribute 'split'``); it is one
    located load finding now, and the other rules are still validated."""
    text = rule_text().replace(
        "- Intended public FAQ bots", "- Admins: scheduled review of public FAQ bots"
    )
    broken = write_rule(tmp_path / "a", text, name="broken.yml")
    write_rule(tmp_path / "b")
    found = findings(tmp_path)
    assert [(f.validator, f.path, f.severity) for f in found] == [("load", str(broken), "error")], (
        found
    )
    assert (
        found[0].line
        == text.splitlines().index("- Admins: scheduled review of public FAQ bots") + 1
    )
    assert "quote the entry" in found[0].message
