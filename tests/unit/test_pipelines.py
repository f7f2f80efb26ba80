"""Pipelines: field mapping, fail-closed behaviour, scoping and value rewrites."""

from __future__ import annotations

import pytest
from sigma.backends.elasticsearch import EqlBackend, ESQLBackend, LuceneBackend
from sigma.backends.splunk import SplunkBackend
from sigma.collection import SigmaCollection

from sigmaq.export.pipelines import (
    RuleRefused,
    UnmappedFieldError,
    elastic_pipeline,
    splunk_pipeline,
)

RULE = """
title: Inline test rule
id: 11111111-1111-4111-8111-111111111111
status: test
logsource: {{product: aws, service: cloudtrail}}
detection:
  sel:
{body}
  condition: sel
level: high
"""


def _rule(body: str) -> SigmaCollection:
    indented = "\n".join("    " + line for line in body.strip().splitlines())
    return SigmaCollection.from_yaml(RULE.format(body=indented))


def spl(body: str, **scope: str | None) -> str:
    return str(SplunkBackend(splunk_pipeline(**scope)).convert(_rule(body))[0])


def lucene(body: str) -> str:
    return str(LuceneBackend(elastic_pipeline("lucene")).convert(_rule(body))[0])


def test_splunk_maps_and_scopes() -> None:
    query = spl("eventSource: q.amazonaws.com\nresources.ARN|endswith: ':application/x'")
    assert query == (
        'sourcetype="aws:cloudtrail" eventSource="q.amazonaws.com" '
        '"resources{}.ARN"="*:application/x"'
    )


def test_splunk_index_scope() -> None:
    query = spl("eventName: Chat", index="aws", sourcetype="aws:cloudtrail")
    assert query == 'index="aws" sourcetype="aws:cloudtrail" eventName="Chat"'


def test_splunk_errorcode_null_also_accepts_success() -> None:
    query = spl("eventName: Chat\nerrorCode: null")
    assert query.endswith('(NOT errorCode=* OR errorCode="success")') or query.endswith(
        'NOT errorCode=* OR errorCode="success"'
    )


def test_splunk_errorcode_success_written_by_the_rule_is_not_added_twice() -> None:
    """The pack's ``succeeded`` blocks list ``errorCode: success`` themselves; the pipeline
    appended it again: 148 searches read ``OR errorCode="success" OR errorCode="success"``."""
    rule = SigmaCollection.from_yaml(
        RULE.format(body="    eventName: Chat").replace(
            "  condition: sel",
            "  succeeded:\n    - errorCode: null\n    - errorCode: success\n"
            "  condition: sel and succeeded",
        )
    )
    query = str(SplunkBackend(splunk_pipeline()).convert(rule)[0])
    assert query.count('errorCode="success"') == 1, query
    assert "NOT errorCode=*" in query


def test_splunk_single_char_wildcard_becomes_anchored_regex() -> None:
    query = spl("userAgent|startswith: 'aws-cli/2.?'")
    assert '| regex userAgent="(?is)^aws\\\\-cli/2\\\\.' in query
    assert "aws-cli/2.**" not in query


def test_splunk_literal_star_becomes_regex() -> None:
    query = spl("requestParameters.policyDocument|contains: 'Action\":\"\\*'")
    assert "| regex requestParameters.policyDocument=" in query
    assert "\\\\*" in query


def test_elastic_maps_ecs_names() -> None:
    query = lucene("eventSource: q.amazonaws.com\nuserIdentity.invokedBy: q.amazonaws.com")
    assert query == (
        "event.provider:q.amazonaws.com AND aws.cloudtrail.user_identity.invoked_by:q.amazonaws.com"
    )


def test_elastic_cidr_uses_source_ip() -> None:
    assert lucene("sourceIPAddress|cidr: 192.0.2.0/24") == "source.ip:192.0.2.0\\/24"


def test_elastic_string_source_ip_uses_source_address() -> None:
    assert lucene("sourceIPAddress: q.amazonaws.com") == "source.address:q.amazonaws.com"


def test_lucene_case_variable_keyword_becomes_case_insensitive_regex() -> None:
    assert lucene("userAgent|contains: 'AmazonQ'") == (
        "user_agent.original:/.*[aA][mM][aA][zZ][oO][nN][qQ].*/"
    )


def test_lucene_flattened_enum_value_is_kept_exact() -> None:
    assert lucene("requestParameters.identityType: ANONYMOUS") == (
        "aws.cloudtrail.flattened.request_parameters.identityType:ANONYMOUS"
    )


def test_lucene_flattened_prefix_is_allowed() -> None:
    assert lucene("requestParameters.serverUrl|startswith: 'HTTP'") == (
        "aws.cloudtrail.flattened.request_parameters.serverUrl:HTTP*"
    )


def test_management_event_boolean_is_a_keyword_string() -> None:
    assert lucene("managementEvent: false") == "aws.cloudtrail.management_event:false"
    query = EqlBackend(elastic_pipeline("eql")).convert(_rule("managementEvent: false"))[0]
    assert query == 'any where aws.cloudtrail.management_event:"false"'


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ("requestParameters.key|contains: prompt", "rejects wildcard queries"),
        ("requestParameters.name: MyApp", "may vary in case"),
        ("userIdentity.onBehalfOf.userId: abc", "does not keep this field"),
        ("userAgent|re: '^aws-cli'", "unanchored PCRE"),
        ("requestParameters|contains: conversationId", "whole object"),
        ("userAgent: ''", "drops empty strings"),
    ],
)
def test_lucene_refusals_name_the_reason(body: str, fragment: str) -> None:
    with pytest.raises(RuleRefused, match=fragment):
        lucene(body)


def test_esql_refuses_flattened_fields() -> None:
    with pytest.raises(RuleRefused, match="ES\\|QL cannot read keyed sub-fields"):
        ESQLBackend(elastic_pipeline("esql")).convert(_rule("requestParameters.chatMode: X"))


def test_unmapped_field_fails_closed_naming_rule_and_field() -> None:
    with pytest.raises(UnmappedFieldError, match=r"Inline test rule.*'status'"):
        spl("status: success")


def test_non_cloudtrail_logsource_is_refused() -> None:
    collection = SigmaCollection.from_yaml(
        RULE.format(body="    Image: x").replace(
            "product: aws, service: cloudtrail", "product: windows, category: process_creation"
        )
    )
    with pytest.raises(RuleRefused, match="logsource"):
        SplunkBackend(splunk_pipeline()).convert(collection)


def test_keyword_search_is_refused() -> None:
    text = RULE.format(body="    - qbusiness").replace(
        "  sel:\n    - qbusiness", "  sel:\n    - qbusiness"
    )
    with pytest.raises(RuleRefused, match="keyword"):
        LuceneBackend(elastic_pipeline("lucene")).convert(SigmaCollection.from_yaml(text))


def test_unknown_elastic_language_raises() -> None:
    with pytest.raises(ValueError, match="unknown Elastic query language"):
        elastic_pipeline("kql")
