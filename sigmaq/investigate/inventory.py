"""Every resource created, changed or deleted in the window (bounded: ``MAX_RESOURCES`` in
all, ``MAX_PER_TYPE`` per type, so a million deleted S3 objects cannot crowd out the IAM
users and Q resources the checklist needs)."""

from __future__ import annotations

from datetime import datetime

from sigmaq.investigate.model import Counted, Evidence, Pairs, ResourceState
from sigmaq.investigate.records import Seen
from sigmaq.investigate.resources import ResourceAction

MAX_RESOURCES = 20_000
MAX_PER_TYPE = 2_000

Key = tuple[str | None, str, str]  # account, type, id


def _merge(old: Pairs, new: Pairs) -> Pairs:
    if not new:
        return old
    merged = dict(old)
    for key, value in new:
        merged.setdefault(key, value)
    return tuple(merged.items())


class _ResourceEntry:
    __slots__ = (
        "account",
        "attempts",
        "attributes",
        "changes",
        "created",
        "deleted",
        "last_attempt",
        "last_change",
        "parents",
        "region",
        "rid",
        "rtype",
    )

    def __init__(self, account: str | None, rtype: str, rid: str, region: str | None) -> None:
        self.account = account
        self.rtype = rtype
        self.rid = rid
        self.region = region
        self.parents: Pairs = ()
        self.attributes: Pairs = ()
        self.created: Evidence | None = None
        self.deleted: Evidence | None = None
        self.last_change: Evidence | None = None
        self.changes = 0
        self.attempts = 0
        self.last_attempt: Evidence | None = None

    def status(self) -> str:
        if self.created and self.deleted:
            return "created-and-deleted"
        if self.created:
            return "created"
        if self.deleted:
            return "deleted"
        if self.changes:
            return "changed"
        return "attempted"

    def freeze(self) -> ResourceState:
        return ResourceState(
            type=self.rtype,
            id=self.rid,
            account=self.account,
            region=self.region,
            parents=self.parents,
            attributes=self.attributes,
            status=self.status(),
            created=self.created,
            deleted=self.deleted,
            last_change=self.last_change,
            changes=self.changes,
            attempts=self.attempts,
            last_attempt=self.last_attempt,
        )


def _later(old: Evidence | None, moment: datetime | None) -> bool:
    """True when a record at ``moment`` should replace ``old`` as the latest (untimed
    records lose to timed ones)."""
    if old is None:
        return True
    if old.event_time is None or moment is None:
        return moment is not None
    return moment >= old.event_time


def _earlier(old: Evidence | None, moment: datetime | None) -> bool:
    """True when a record at ``moment`` should replace ``old`` as the earliest."""
    if old is None:
        return True
    if old.event_time is None or moment is None:
        return moment is not None
    return moment < old.event_time


class ResourceTable:
    """Resources keyed by (account, type, id) with their lifecycle evidence."""

    def __init__(self, cap: int = MAX_RESOURCES, per_type: int = MAX_PER_TYPE) -> None:
        self.cap = cap
        self.per_type = per_type
        self.entries: dict[Key, _ResourceEntry] = {}
        self.by_type: dict[str, int] = {}
        self.dropped: dict[str, int] = {}

    def record(self, action: ResourceAction, seen: Seen) -> None:
        """Apply one action. The earliest creation and the latest deletion are kept (so a
        resource created and deleted in the window reads that way whatever the file order)."""
        account = seen.event.get("recipientAccountId") or seen.identity.get("accountId")
        account = account if isinstance(account, str) else None
        key = (account, action.rtype, action.rid)
        entry = self.entries.get(key)
        if entry is None:
            count = self.by_type.get(action.rtype, 0)
            if len(self.entries) >= self.cap or count >= self.per_type:
                self.dropped[action.rtype] = self.dropped.get(action.rtype, 0) + 1
                return
            region = seen.event.get("awsRegion")
            entry = self.entries[key] = _ResourceEntry(
                account, action.rtype, action.rid, region if isinstance(region, str) else None
            )
            self.by_type[action.rtype] = count + 1
        entry.parents = _merge(entry.parents, action.parents)
        entry.attributes = _merge(entry.attributes, action.attributes)
        kind = action.kind
        moment = seen.ref.event_time
        if kind == "attempted":
            entry.attempts += 1
            if _later(entry.last_attempt, moment):
                entry.last_attempt = seen.evidence()
        elif kind == "created":
            if _earlier(entry.created, moment):
                entry.created = seen.evidence()
        elif kind == "deleted":
            if _later(entry.deleted, moment):
                entry.deleted = seen.evidence()
        else:
            entry.changes += 1
            if _later(entry.last_change, moment):
                entry.last_change = seen.evidence()

    def states(self) -> list[ResourceState]:
        """Every kept resource, by first evidence time."""

        def moment(entry: _ResourceEntry) -> float:
            for evidence in (entry.created, entry.last_change, entry.deleted, entry.last_attempt):
                if evidence is not None and evidence.event_time is not None:
                    return evidence.event_time.timestamp()
            return 0.0

        ordered = sorted(self.entries.values(), key=lambda e: (moment(e), e.rtype, e.rid))
        return [entry.freeze() for entry in ordered]

    def limits(self) -> list[Counted]:
        return [
            Counted(f"resource actions past the cap ({rtype})", count)
            for rtype, count in sorted(self.dropped.items())
        ]
