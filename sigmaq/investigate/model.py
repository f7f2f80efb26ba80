"""The investigation report: frozen values the renderers turn into Markdown, HTML and JSON.

Times are tz-aware UTC ``datetime``s (rendered ISO 8601 with ``Z``). Every list that could
grow with the archive is capped where it is built (``limits``); the matching ``*_total``
field says how many there were, so a reader always knows what was left out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

Pairs = tuple[tuple[str, str], ...]
Cell = str | int | None
Answered = Literal["yes", "partly", "no"]
ActionKind = Literal["created", "changed", "deleted", "attempted"]


@dataclass(frozen=True, slots=True)
class Evidence:
    """One CloudTrail record as evidence: when, who, what, from where, and the request
    keys that matter (``params.request_keys``); ``file``/``position`` locate it
    (``EventRef`` semantics)."""

    event_time: datetime | None
    principal: str
    event_source: str | None
    event_name: str | None
    event_id: str | None
    source_address: str | None
    user_agent: str | None
    error_code: str | None
    request: Pairs
    file: str
    position: int


@dataclass(frozen=True, slots=True)
class Counted:
    """A value and how many records showed it."""

    value: str
    count: int


@dataclass(frozen=True, slots=True)
class Table:
    """Rows of one answer (``total``: rows before the cap)."""

    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    total: int


@dataclass(frozen=True, slots=True)
class Gap:
    """What the archive cannot show, and why: the CloudTrail data events
    (``resource_types``, advanced-selector ``resources.type`` values) that are absent, and
    the pack's rules (titles) that need them (their ``sigmaq.data_events``)."""

    statement: str
    resource_types: tuple[str, ...] = ()
    rules: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Answer:
    """One of the playbook's six analysis questions (``id`` ``q1``…``q6``)."""

    id: str
    question: str
    answered: Answered
    summary: str
    table: Table
    evidence: tuple[Evidence, ...]
    evidence_total: int
    gaps: tuple[Gap, ...]
    rules: tuple[str, ...]  # titles of the pack's rules tagged with this question that fired


@dataclass(frozen=True, slots=True)
class Session:
    """Credentials one principal used: ``key`` is the access key id (or the session's
    ``creationDate`` when no key is logged); ``kind`` ``long-term``/``temporary``/``none``."""

    key: str
    kind: str
    issued: str | None
    mfa: bool | None
    first_seen: datetime | None
    last_seen: datetime | None
    events: int
    source_addresses: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Action:
    """Something a principal created, changed, deleted or tried to (``attempted``: the
    call failed with ``evidence.error_code``)."""

    kind: ActionKind
    resource_type: str
    resource_id: str
    evidence: Evidence


@dataclass(frozen=True, slots=True)
class PrincipalTimeline:
    """Everything one principal did in the archive, bounded (``limits``)."""

    principal: str
    kind: str
    user_name: str | None
    accounts: tuple[str, ...]
    on_behalf_of: tuple[str, ...]
    first_seen: datetime | None
    last_seen: datetime | None
    events: int
    errors: int
    findings: int
    finding_rules: tuple[Counted, ...]
    max_level: str | None
    sessions: tuple[Session, ...]
    sessions_total: int
    source_addresses: tuple[Counted, ...]
    source_addresses_total: int
    user_agents: tuple[Counted, ...]
    user_agents_total: int
    event_names: tuple[Counted, ...]
    event_names_total: int
    surfaces: tuple[Counted, ...]
    actions: tuple[Action, ...]
    actions_total: int


@dataclass(frozen=True, slots=True)
class FollowedSession:
    """Credentials a call of the investigated principal (``depth`` 1), or of a session
    followed from it (``depth`` 2, 3…), obtained; its records are investigated with the
    principal's (``sessions``). ``session`` is the access key id the call returned, else
    the session ARN or Identity Center credential id. ``matched_by``: which links found
    its records (``accessKeyId``, ``credentialId``, ``session ARN``, ``sourceIdentity``);
    ``note`` says why a call's session could not be followed (then ``events`` is 0)."""

    session: str
    call: Evidence
    issued_by: str
    issued_with: str | None
    depth: int
    access_key_id: str | None
    session_arn: str | None
    role_arn: str | None
    source_identity: str | None
    events: int
    first_seen: datetime | None
    last_seen: datetime | None
    principals: tuple[str, ...]
    matched_by: tuple[str, ...]
    note: str | None = None


@dataclass(frozen=True, slots=True)
class ResourceState:
    """One resource touched in the window, keyed by account, ``type`` (``iam:user``,
    ``qbusiness:plugin``, ``cloudtrail:trail``…) and ``id``."""

    type: str
    id: str
    account: str | None
    region: str | None
    parents: Pairs
    attributes: Pairs
    status: str  # created | deleted | created-and-deleted | changed | attempted
    created: Evidence | None
    deleted: Evidence | None
    last_change: Evidence | None
    changes: int
    attempts: int
    last_attempt: Evidence | None


@dataclass(frozen=True, slots=True)
class AccessKey:
    """An access key for playbook step 6: seen in the archive (used or created) and/or
    listed in the IAM credential report (``slot`` 1 or 2; the report carries no key id)."""

    key_id: str | None
    user: str | None
    account: str | None
    sources: tuple[str, ...]  # archive-used, archive-created, archive-deleted, credential-report
    slot: int | None
    active: bool | None
    last_rotated: str | None
    last_used: str | None
    last_used_service: str | None
    last_used_region: str | None
    first_seen: datetime | None
    last_seen: datetime | None
    events: int
    principal_has_findings: bool
    evidence_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ChecklistItem:
    """One containment action (playbook step 6 or 7). ``commands`` are exact AWS CLI
    commands in the order to run them, never executed by sigmaq; ``manual`` says what to do
    where no CLI command exists; ``done`` is set when the archive shows it already done."""

    step: str
    category: str
    target: str
    reason: str
    commands: tuple[str, ...]
    manual: str | None
    caution: str
    evidence_ids: tuple[str, ...]
    priority: int
    done: str | None = None


@dataclass(frozen=True, slots=True)
class ReportFinding:
    """One finding of the pack, with its events as evidence (``events_total``: all)."""

    rule_id: str
    rule_title: str
    level: str | None
    kind: str
    first_seen: datetime | None
    last_seen: datetime | None
    group: Pairs
    principals: tuple[str, ...]
    source_addresses: tuple[str, ...]
    events: tuple[Evidence, ...]
    events_total: int


@dataclass(frozen=True, slots=True)
class RuleFindings:
    """Every finding of one rule: counts for all, details for the first ``findings``."""

    rule_id: str
    rule_title: str
    level: str | None
    kind: str
    total: int
    first_seen: datetime | None
    last_seen: datetime | None
    principals: tuple[Counted, ...]
    findings: tuple[ReportFinding, ...]


@dataclass(frozen=True, slots=True)
class Coverage:
    """What kinds of records the archive holds (does it log data events?)."""

    management_events: int
    data_events: int
    other_events: int
    data_resource_types: tuple[Counted, ...]
    q_event_sources: tuple[Counted, ...]


@dataclass(frozen=True, slots=True)
class RunInfo:
    """The inputs, options and read counters of one investigation."""

    version: str
    paths: tuple[str, ...]
    principal_filter: str | None
    since: datetime | None
    until: datetime | None
    credential_report: str | None
    rules: int
    rule_errors: tuple[str, ...]
    files: int
    records_read: int
    events_evaluated: int
    filtered_out: int
    malformed: int
    unreadable_files: int
    truncated_files: int  # cut files whose complete records were read (the rest lost)
    empty_files: int
    skipped: int
    invalid_event_time: int
    problems: tuple[str, ...]
    elapsed_seconds: float
    first_event: datetime | None
    last_event: datetime | None
    limits: tuple[Counted, ...] = field(default=())  # what a cap left out, by name
    follow_sessions: bool = False  # --principal also kept the sessions it opened


@dataclass(frozen=True, slots=True)
class Report:
    """The whole investigation."""

    run: RunInfo
    findings: tuple[RuleFindings, ...]
    findings_total: int
    answers: tuple[Answer, ...]
    principals: tuple[PrincipalTimeline, ...]
    principals_total: int
    resources: tuple[ResourceState, ...]
    resources_total: int
    access_keys: tuple[AccessKey, ...]
    checklist: tuple[ChecklistItem, ...]
    coverage: Coverage
    followed_sessions: tuple[FollowedSession, ...] = ()
    followed_sessions_total: int = 0
