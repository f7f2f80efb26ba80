"""Playbook steps 6-7: the access keys to rotate or delete, the sessions to revoke, the
resources created in the window to delete and the Amazon Q resources changed in it to review
and revert, each with exact AWS CLI commands (never run).

Step 6 (``../shared/docs/playbook.md``): delete or rotate IAM user keys and root keys
(all of them if the exposed key is unknown: the credential report lists every one),
revoke temporary credentials (the IAM console's ``AWSRevokeOlderSessions`` inline policy,
IAM User Guide "Revoking IAM role temporary security credentials"). Step 7: delete
unrecognised IAM users, roles and policies and the Amazon Q resources created (Q Business
applications, indexes, retrievers, data sources, web experiences, plugins, data accessors,
uploaded documents; Q Apps; Q in Connect; Q in chat applications); an Amazon Q resource that
existed before the window and was changed in it (UpdateRetriever, UpdateIndex,
UpdateWebExperience, UpdateDataSource, UpdatePlugin…: the calls question 3 reads) is not
deleted but reviewed (its ``get-…`` command) and its change reverted. Keys are deactivated
before they are deleted (``update-access-key --status Inactive``), so a production break
shows before the key is gone. ``UpdateAccessKey``/``DeleteAccessKey`` without
``--user-name`` act on the caller's own keys, which is how root keys are managed (IAM API
Reference, UpdateAccessKey).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime

from sigmaq.investigate.commands import aws, revoke_sessions_policy
from sigmaq.investigate.credentials import ROOT_USER, CredentialRow
from sigmaq.investigate.model import (
    AccessKey,
    ChecklistItem,
    Evidence,
    PrincipalTimeline,
    ResourceState,
)
from sigmaq.investigate.plans import (
    CHECKLIST_TYPES,
    MANUAL_Q_DEVELOPER,
    MANUAL_Q_DEVELOPER_REVIEW,
    PLANS,
    REVIEW_PLANS,
    parent_id,
)
from sigmaq.investigate.qactivity import widen
from sigmaq.investigate.resources import REVOKE_SESSIONS_POLICY

PLAYBOOK_CAUTION = (
    "Deleting IAM users can break production (playbook, containment): confirm the resource "
    "is unrecognised and who depends on it before running. sigmaq never runs these commands."
)
DOCUMENT_BATCH = 10  # documents per batch-delete-document call (API limit)
REVOKE_LEVELS = frozenset(["low", "medium", "high", "critical"])
SERVICE_LINKED_PREFIX = "AWSServiceRoleFor"


def _when(evidence: Evidence | None) -> str:
    if evidence is None:
        return "?"
    moment = evidence.event_time.strftime("%Y-%m-%dT%H:%M:%SZ") if evidence.event_time else "?"
    return f"{moment} by {evidence.principal} (eventID {evidence.event_id or '?'})"


def _ids(*evidence: Evidence | None) -> tuple[str, ...]:
    return tuple(e.event_id for e in evidence if e is not None and e.event_id)


# --- access keys (step 6) -----------------------------------------------------------


@dataclass
class _Key:
    key_id: str | None
    user: str | None
    account: str | None
    sources: list[str]
    slot: int | None = None
    active: bool | None = None
    last_rotated: str | None = None
    last_used: str | None = None
    last_used_service: str | None = None
    last_used_region: str | None = None
    first: datetime | None = None
    last: datetime | None = None
    events: int = 0
    flagged: bool = False
    created: Evidence | None = None
    deleted: Evidence | None = None

    def freeze(self) -> AccessKey:
        return AccessKey(
            key_id=self.key_id,
            user=self.user,
            account=self.account,
            sources=tuple(dict.fromkeys(self.sources)),
            slot=self.slot,
            active=self.active,
            last_rotated=self.last_rotated,
            last_used=self.last_used,
            last_used_service=self.last_used_service,
            last_used_region=self.last_used_region,
            first_seen=self.first,
            last_seen=self.last,
            events=self.events,
            principal_has_findings=self.flagged,
            evidence_ids=_ids(self.created, self.deleted),
        )


def access_keys(
    principals: Iterable[PrincipalTimeline],
    resources: Iterable[ResourceState],
    report: Iterable[CredentialRow] | None,
) -> list[AccessKey]:
    """Every long-term access key the archive shows used, created or deleted, then every
    key slot of the credential report (active or ever used); keys of principals with
    findings first."""
    keys: dict[str, _Key] = {}
    for timeline in principals:
        for session in timeline.sessions:
            if session.kind != "long-term":
                continue
            entry = keys.setdefault(
                session.key,
                _Key(session.key, timeline.user_name, _first(timeline.accounts), []),
            )
            entry.sources.append("archive-used")
            entry.events += session.events
            entry.first, entry.last = widen((entry.first, entry.last), session.first_seen)
            entry.first, entry.last = widen((entry.first, entry.last), session.last_seen)
            entry.flagged = entry.flagged or timeline.findings > 0
    for resource in resources:
        if resource.type != "iam:access-key":
            continue
        attributes = dict(resource.attributes)
        entry = keys.setdefault(
            resource.id, _Key(resource.id, attributes.get("userName"), resource.account, [])
        )
        entry.user = entry.user or attributes.get("userName")
        if resource.created is not None:
            entry.sources.append("archive-created")
            entry.created = resource.created
        if resource.deleted is not None:
            entry.sources.append("archive-deleted")
            entry.deleted = resource.deleted
    ordered = sorted(keys.values(), key=lambda k: (not k.flagged, k.user or "", k.key_id or ""))
    out = [k.freeze() for k in ordered]
    for row in report or ():
        for slot in row.keys:
            if not slot.active and slot.last_used is None:
                continue
            out.append(
                AccessKey(
                    key_id=None,
                    user=row.user,
                    account=row.account,
                    sources=("credential-report",),
                    slot=slot.slot,
                    active=slot.active,
                    last_rotated=slot.last_rotated,
                    last_used=slot.last_used,
                    last_used_service=slot.last_used_service,
                    last_used_region=slot.last_used_region,
                    first_seen=None,
                    last_seen=None,
                    events=0,
                    principal_has_findings=False,
                    evidence_ids=(),
                )
            )
    return out


def _first(values: tuple[str, ...]) -> str | None:
    return values[0] if values else None


def _key_item(key: AccessKey, deleted_by: dict[str, str]) -> ChecklistItem:
    user_args: tuple[tuple[str, str], ...] = ()
    manual = None
    if key.user and key.user != ROOT_USER:
        user_args = (("user-name", key.user),)
    elif key.user == ROOT_USER:
        manual = "A root user key: run these with the root user's own credentials (no --user-name)."
    else:
        manual = "The archive does not name the key's user: add --user-name USER."
    assert key.key_id is not None
    reasons = []
    if "archive-created" in key.sources:
        reasons.append("created in the window")
    if "archive-used" in key.sources:
        reasons.append(f"used {key.events} time(s) in the window")
    reason = ", ".join(reasons) or "seen in the window"
    if key.principal_has_findings:
        reason += "; its principal took part in findings"
    return ChecklistItem(
        step="step-6",
        category="access-key",
        target=f"{key.key_id} ({key.user or 'user unknown'})",
        reason=reason,
        commands=(
            aws(
                "iam",
                "update-access-key",
                ("access-key-id", key.key_id),
                ("status", "Inactive"),
                *user_args,
            ),
            aws("iam", "delete-access-key", ("access-key-id", key.key_id), *user_args),
        ),
        manual=manual,
        caution=PLAYBOOK_CAUTION,
        evidence_ids=key.evidence_ids,
        priority=0 if key.principal_has_findings else 1,
        done=deleted_by.get(key.key_id),
    )


def _report_item(key: AccessKey) -> ChecklistItem:
    used = key.last_used or "never"
    where = ", ".join(v for v in (key.last_used_service, key.last_used_region) if v)
    state = "active" if key.active else "inactive"
    reason = f"credential report: key {key.slot} {state}, last used {used}"
    if where:
        reason += f" ({where})"
    if key.user == ROOT_USER:
        return ChecklistItem(
            step="step-6",
            category="root-access-key",
            target=f"root user key {key.slot} (account {key.account or '?'})",
            reason=reason,
            commands=(),
            manual=(
                "Sign in as the root user; list the keys with `aws iam list-access-keys` run "
                "with root credentials (no --user-name), then deactivate and delete each with "
                "`aws iam update-access-key --access-key-id ID --status Inactive` and "
                "`aws iam delete-access-key --access-key-id ID`."
            ),
            caution=PLAYBOOK_CAUTION,
            evidence_ids=(),
            priority=0,
        )
    return ChecklistItem(
        step="step-6",
        category="access-key",
        target=f"{key.user} key {key.slot} (credential report)",
        reason=reason,
        commands=(aws("iam", "list-access-keys", ("user-name", key.user or "")),),
        manual=(
            "The credential report names no key id: list them, then run `aws iam update-access-key "
            f"--access-key-id ID --status Inactive --user-name {key.user}` and "
            f"`aws iam delete-access-key --access-key-id ID --user-name {key.user}` for each."
        ),
        caution=PLAYBOOK_CAUTION,
        evidence_ids=(),
        priority=1,
    )


def _session_items(
    principals: Iterable[PrincipalTimeline], revoked: dict[str, str]
) -> list[ChecklistItem]:
    """Roles (and Identity Center users) whose sessions took part in findings of level low
    or above, or created or deleted something."""
    roles: dict[str, tuple[str, list[PrincipalTimeline]]] = {}
    items: list[ChecklistItem] = []
    for timeline in principals:
        acted = any(a.kind in ("created", "deleted") for a in timeline.actions)
        flagged = timeline.max_level in REVOKE_LEVELS
        if not (acted or flagged):
            continue
        if timeline.kind == "AssumedRole" and ":assumed-role/" in timeline.principal:
            role = timeline.principal.split(":assumed-role/", 1)[1].split("/", 1)[0]
            if role.startswith(SERVICE_LINKED_PREFIX):
                continue  # service-linked roles: AWS services assume them; IAM protects them
            roles.setdefault(role, (timeline.principal.split(":")[4], []))[1].append(timeline)
        elif timeline.kind == "IdentityCenterUser":
            items.append(
                ChecklistItem(
                    step="step-6",
                    category="identity-center-user",
                    target=timeline.principal,
                    reason=_why(timeline),
                    commands=(),
                    manual=(
                        "An IAM Identity Center user: disable the user or remove its assignments "
                        "in IAM Identity Center; its sessions cannot be revoked with an IAM policy."
                    ),
                    caution=PLAYBOOK_CAUTION,
                    evidence_ids=(),
                    priority=0 if timeline.findings else 1,
                )
            )
    for role, (account, sessions) in sorted(roles.items()):
        reason = "; ".join(f"{t.principal}: {_why(t)}" for t in sessions[:5])
        flagged = any(t.findings for t in sessions)
        if role.startswith("AWSReservedSSO_"):
            items.append(
                ChecklistItem(
                    step="step-6",
                    category="temporary-credentials",
                    target=f"role {role} (account {account}), IAM Identity Center permission set",
                    reason=reason,
                    commands=(),
                    manual=(
                        "AWSReservedSSO roles belong to IAM Identity Center permission sets (IAM "
                        "Identity Center creates and updates them): end these sessions there, by "
                        "removing the user's permission-set assignment or disabling the user, "
                        "rather than by editing the role in IAM."
                    ),
                    caution=PLAYBOOK_CAUTION,
                    evidence_ids=(),
                    priority=0 if flagged else 1,
                    done=revoked.get(role),
                )
            )
            continue
        items.append(
            ChecklistItem(
                step="step-6",
                category="temporary-credentials",
                target=f"role {role} (account {account})",
                reason=reason,
                commands=(
                    aws(
                        "iam",
                        "put-role-policy",
                        ("role-name", role),
                        ("policy-name", REVOKE_SESSIONS_POLICY),
                        ("policy-document", revoke_sessions_policy()),
                    ),
                ),
                manual=None,
                caution=PLAYBOOK_CAUTION
                + " Every session of this role issued before the command runs stops working.",
                evidence_ids=(),
                priority=0 if flagged else 1,
                done=revoked.get(role),
            )
        )
    return items


def _why(timeline: PrincipalTimeline) -> str:
    parts = []
    if timeline.findings:
        parts.append(f"{timeline.findings} finding(s), up to {timeline.max_level}")
    acted = sum(1 for a in timeline.actions if a.kind in ("created", "deleted"))
    if acted:
        parts.append(f"{acted} create/delete call(s)")
    return ", ".join(parts) or "active in the window"


def _documents(resources: list[ResourceState], flagged: set[str]) -> list[ChecklistItem]:
    groups: dict[tuple[str | None, str, str], list[ResourceState]] = {}
    for resource in resources:
        app = parent_id(resource, "applicationId")
        index = parent_id(resource, "indexId")
        if app and index:
            groups.setdefault((resource.account, app, index), []).append(resource)
    items = []
    for (_account, app, index), documents in sorted(groups.items(), key=lambda g: g[0][1:]):
        pending = [d for d in documents if d.deleted is None]
        commands = tuple(
            aws(
                "qbusiness",
                "batch-delete-document",
                ("application-id", app),
                ("index-id", index),
                ("documents", [f"documentId={d.id}" for d in pending[i : i + DOCUMENT_BATCH]]),
            )
            for i in range(0, len(pending), DOCUMENT_BATCH)
        )
        creators = {d.created.principal for d in documents if d.created is not None}
        items.append(
            ChecklistItem(
                step="step-7",
                category="q-business-documents",
                target=f"{len(documents)} document(s) in index {index} of application {app}: "
                + ", ".join(d.id for d in documents[:20])
                + (" …" if len(documents) > 20 else ""),
                reason="uploaded in the window by " + ", ".join(sorted(creators)),
                commands=commands,
                manual=None,
                caution=PLAYBOOK_CAUTION,
                evidence_ids=tuple(i for d in documents[:20] for i in _ids(d.created)),
                priority=0 if creators & flagged else 1,
                done=None if pending else "every document was already deleted in the window",
            )
        )
    return items


def _since(resource: ResourceState) -> str:
    """How often a resource created in the window was changed after (for its reason)."""
    if not resource.changes:
        return ""
    return f"; changed {resource.changes} time(s) since, last {_when(resource.last_change)}"


CHANGE_KEYS = 4  # request keys of the last change quoted in a changed item's reason


def _changed_item(
    resource: ResourceState, flagged: set[str], trusted: Collection[str]
) -> ChecklistItem | None:
    """Step 7 for an Amazon Q resource changed (not created) in the window, or a role whose
    trust policy was changed to name an Amazon Q service: review it and revert the change
    (``plans.REVIEW_PLANS``); None for anything else."""
    change = resource.last_change
    entry = REVIEW_PLANS.get(resource.type)
    if resource.created is not None or change is None or entry is None:
        return None
    if resource.type == "iam:role" and resource.id not in trusted:
        return None
    category, plan = entry
    if plan is None:
        commands: tuple[str, ...] = ()
        manual: str | None = MANUAL_Q_DEVELOPER_REVIEW
    else:
        commands, manual = plan(resource)
    reason = (
        f"changed {resource.changes} time(s) in the window, last by "
        f"{change.event_name or '?'} {_when(change)}"
    )
    located = {resource.id, *(value for _, value in resource.parents)}
    set_pairs = [(k, v) for k, v in change.request if v not in located][:CHANGE_KEYS]
    if set_pairs:
        reason += "; it set " + ", ".join(f"{k}={v}" for k, v in set_pairs)
    else:
        reason += "; the record names no value it set (see the evidence)"
    if resource.type == "iam:role":
        reason += "; its trust policy was made to name an Amazon Q service (question 3)"
    attributes = ", ".join(f"{k} {v}" for k, v in resource.attributes)
    return ChecklistItem(
        step="step-7",
        category=category,
        target=f"{resource.type} {resource.id}" + (f" ({attributes})" if attributes else ""),
        reason=reason,
        commands=commands,
        manual=manual,
        caution=PLAYBOOK_CAUTION,
        evidence_ids=_ids(change, resource.deleted),
        priority=0 if change.principal in flagged else 1,
        done=f"already deleted {_when(resource.deleted)}" if resource.deleted else None,
    )


def checklist(
    principals: list[PrincipalTimeline],
    resources: list[ResourceState],
    keys: list[AccessKey],
    q_trusts: Collection[str] = (),
) -> list[ChecklistItem]:
    """The step 6-7 checklist: keys, sessions, then resources created in the window (to
    delete) and Amazon Q resources changed in it (to review and revert); principals with
    findings first within each step. ``q_trusts``: names of the roles the archive shows
    created or changed to trust an Amazon Q service (``QActivity.trusts``)."""
    flagged = {t.principal for t in principals if t.findings}
    deleted_keys = {
        r.id: f"deleted {_when(r.deleted)}"
        for r in resources
        if r.type == "iam:access-key" and r.deleted is not None
    }
    revoked = {
        r.id: f"sessions revoked {_when(r.last_change)}"
        for r in resources
        if r.type == "iam:role" and ("sessions", "revoked") in r.attributes
    }
    items: list[ChecklistItem] = []
    for key in keys:
        if key.key_id is None:
            if key.active:
                items.append(_report_item(key))
        elif {"archive-used", "archive-created"} & set(key.sources):
            # a key the archive only shows deleted is gone: nothing left to do
            items.append(_key_item(key, deleted_keys))
    items.extend(_session_items(principals, revoked))
    documents: list[ResourceState] = []
    for resource in resources:
        if resource.type == "qbusiness:document":
            if resource.created is not None:
                documents.append(resource)
            continue
        if resource.type == "cloudtrail:trail" and resource.created is None:
            stopped = (
                resource.last_change is not None
                and resource.last_change.event_name == "StopLogging"
            )
            if stopped and resource.deleted is None:
                items.append(
                    ChecklistItem(
                        step="step-7",
                        category="cloudtrail",
                        target=f"trail {resource.id} (logging stopped)",
                        reason=f"StopLogging {_when(resource.last_change)}",
                        commands=(aws("cloudtrail", "start-logging", ("name", resource.id)),),
                        manual=None,
                        caution="Restores logging; check the trail's selectors too.",
                        evidence_ids=_ids(resource.last_change),
                        priority=0,
                    )
                )
            continue
        changed = _changed_item(resource, flagged, q_trusts)
        if changed is not None:
            items.append(changed)
            continue
        if resource.created is None or resource.type not in CHECKLIST_TYPES:
            continue
        step, category, plan = PLANS[resource.type]
        if plan is None:
            commands: tuple[str, ...] = ()
            manual: str | None = MANUAL_Q_DEVELOPER
        else:
            commands, manual = plan(resource)
        attributes = ", ".join(f"{k} {v}" for k, v in resource.attributes)
        items.append(
            ChecklistItem(
                step=step,
                category=category,
                target=f"{resource.type} {resource.id}"
                + (f" ({attributes})" if attributes else ""),
                reason=f"created {_when(resource.created)}" + _since(resource),
                commands=commands,
                manual=manual,
                caution=PLAYBOOK_CAUTION,
                evidence_ids=_ids(resource.created, resource.deleted),
                priority=0 if resource.created.principal in flagged else 1,
                done=f"already deleted {_when(resource.deleted)}" if resource.deleted else None,
            )
        )
    items.extend(_documents(documents, flagged))
    order = {"step-6": 0, "step-7": 1}
    items.sort(key=lambda item: (order.get(item.step, 2), item.done is not None, item.priority))
    return items
