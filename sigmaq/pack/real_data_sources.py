"""What the real-data run reads, and the facts about that data it checks.

The public data folder (``../shared/data/external``; each sub-folder has a SOURCE file
naming its origin) holds CloudTrail records from five projects. This module names the inputs of each
source, the lines that are not CloudTrail records, the hand-edited samples the record
schema rejects on purpose, and how a record is recognised as having anything to do
with Amazon Q (``is_q_related``). ``sigmaq.pack.real_data`` runs and checks.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

# Source name -> the inputs of that source (globs relative to the data folder). Each
# source is replayed by its own engine so correlations never mix unrelated data sets.
# Every input is read by the readers ``sigmaq hunt`` uses (``sigmaq.replay.readers``).
SOURCES: dict[str, tuple[str, ...]] = {
    "invictus-ir-aws_dataset": ("invictus-ir-aws_dataset/CloudTrail",),
    "stratus-red-team": ("stratus-red-team/detonation-logs",),
    "traildiscover": ("traildiscover/logExamples",),
    # the `log` object of each Panther test case as a plain record, one per line
    # (the folder's SOURCE notes, "Derived file"); the test-case file beside it wraps
    # the same records with Panther's verdicts
    "panther-analysis": ("panther-analysis/cloudtrail_records.ndjson",),
    # the raw .log inputs only: the *-expected.json files are ECS documents, not CloudTrail
    "elastic-integrations-aws-cloudtrail": (
        "elastic-integrations-aws-cloudtrail/pipeline-tests/*.log",
    ),
}

# Lines of the shared data that are not CloudTrail records, with why (read as malformed).
EXPECTED_MALFORMED: dict[tuple[str, int], str] = {
    ("cloudtrail_records.ndjson", line): (
        "Panther test log with every key lower-cased (eventname, eventsource...): a record "
        "already normalised by a log pipeline, not CloudTrail as delivered"
    )
    for line in (32, 33, 128, 130)
}

# Source -> (records read, records skipped) every input of it must give: the 461
# Panther test cases (read + no eventName + the malformed lines above = 461 lines) and
# the Elastic pipeline-test inputs (8 API calls and 1 digest record).
EXPECTED_LINES: dict[str, int] = {"panther-analysis": 461}
EXPECTED_COUNTS: dict[str, tuple[int, int]] = {"elastic-integrations-aws-cloudtrail": (8, 1)}

# Only these sources hold records as CloudTrail delivers them (Panther's test logs are
# rule test cases, often trimmed to the fields a rule reads).
SCHEMA_SOURCES = (
    "invictus-ir-aws_dataset",
    "stratus-red-team",
    "traildiscover",
    "elastic-integrations-aws-cloudtrail",
)

# (file name, eventName) of real records the schema rejects on purpose, with why.
SCHEMA_EXCEPTIONS: dict[tuple[str, str], str] = {
    ("SendEmail.json.cloudtrail", "SendEmail"): (
        "TrailDiscover lab sample trimmed by hand: no eventVersion and no userIdentity, "
        "both present in every delivered record (record-contents doc: Optional False)"
    ),
    ("CreateSession.json.cloudtrail", "CreateSession"): (
        "TrailDiscover sample anonymised with a 15-digit account id in its ARNs"
    ),
    ("test-console-login-json.log", "ConsoleLogin"): (
        "Elastic pipeline-test input edited down: no eventType and no recipientAccountId "
        "although eventVersion is 1.05 (both exist since 1.02)"
    ),
    ("test-converse-json.log", "Converse"): (
        "Elastic pipeline-test input with the account id zeroed to 11 digits"
    ),
    ("test-get-caller-identity-json.log", "GetCallerIdentity"): (
        "Elastic pipeline-test input with the account id zeroed to 11 digits"
    ),
    ("test-put-object-json.log", "PutObject"): (
        "Elastic pipeline-test input with the account id zeroed to 9 digits"
    ),
    ("test-user-authentication.log", "UserAuthentication"): (
        "Elastic pipeline-test input with account id and source IP replaced by 'redacted'"
    ),
}

# Amazon Q markers in a record. An Amazon Q service as eventSource, invokedBy, source
# IP or user agent; a Q client marker in the user agent (AmazonQ-For-CLI/IDE/VSCode, the
# Q CLI's exec-env); or a Q service principal or Q resource ARN anywhere in the record
# (a role trusting qbusiness.amazonaws.com, a log delivery of a Q Business application).
# Q in Connect records as qconnect.amazonaws.com (EventBridge reference) and, for the
# older Wisdom APIs, wisdom.amazonaws.com.
Q_SERVICES = (
    "q.amazonaws.com",
    "qbusiness.amazonaws.com",
    "qapps.amazonaws.com",
    "codewhisperer.amazonaws.com",
    "qconnect.amazonaws.com",
    "wisdom.amazonaws.com",
    "chatbot.amazonaws.com",
)
_Q_TEXT = re.compile(
    r"(?<![A-Za-z0-9.-])(q|qbusiness|qapps|codewhisperer|qconnect|wisdom|chatbot|qdeveloper)"
    r"\.amazonaws\.com"
    r"|arn:aws[a-z-]*:(q|qbusiness|qapps|codewhisperer|qconnect|wisdom|qdeveloper):"
    r"|AmazonQ-For-"
)


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def is_q_related(record: dict[str, Any]) -> bool:
    """True when a record has anything to do with Amazon Q (see ``_Q_TEXT``)."""
    if record.get("eventSource") in Q_SERVICES:
        return True
    return any(_Q_TEXT.search(text) for text in _strings(record))
