"""Per-principal timelines, bounded: counts plus capped samples (``LIMITS``).

Memory per principal is fixed by the caps below whatever its number of records; the
number of principals is capped by ``MAX_PRINCIPALS`` (records of principals past the cap
are counted in ``untracked_records``).
"""

from __future__ import annotations

from datetime import datetime

from sigmaq.core.model import Level
from sigmaq.investigate.bounded import CappedCounter, CappedList
from sigmaq.investigate.identity import (
    access_key_id,
    is_long_term_key,
    mfa_used,
    on_behalf_of,
    session_created,
    user_name,
)
from sigmaq.investigate.model import Action, Counted, PrincipalTimeline, Session
from sigmaq.investigate.records import Seen
from sigmaq.investigate.resources import ResourceAction

MAX_PRINCIPALS = 5_000
MAX_SESSIONS = 50
MAX_SESSION_ADDRESSES = 5
MAX_ADDRESSES = 50
MAX_AGENTS = 20
MAX_EVENT_NAMES = 200
MAX_ACTIONS = 100
MAX_ACCOUNTS = 10
MAX_ON_BEHALF = 20
MAX_FINDING_RULES = 50
SHOWN_EVENT_NAMES = 25


class _SessionState:
    __slots__ = ("addresses", "count", "first", "issued", "key", "kind", "last", "mfa")

    def __init__(self, key: str, kind: str, issued: str | None, mfa: bool | None) -> None:
        self.key = key
        self.kind = kind
        self.issued = issued
        self.mfa = mfa
        self.first: datetime | None = None
        self.last: datetime | None = None
        self.count = 0
        self.addresses: list[str] = []

    def freeze(self) -> Session:
        return Session(
            self.key,
            self.kind,
            self.issued,
            self.mfa,
            self.first,
            self.last,
            self.count,
            tuple(self.addresses),
        )


def _widen(
    first: datetime | None, last: datetime | None, moment: datetime | None
) -> tuple[datetime | None, datetime | None]:
    if moment is None:
        return first, last
    if first is None or moment < first:
        first = moment
    if last is None or moment > last:
        last = moment
    return first, last


class PrincipalState:
    """What one principal did (mutable while streaming; ``freeze`` gives the timeline)."""

    __slots__ = (
        "accounts",
        "actions",
        "addresses",
        "agents",
        "errors",
        "events",
        "finding_rules",
        "findings",
        "first",
        "kind",
        "label",
        "last",
        "max_level",
        "names",
        "on_behalf",
        "sessions",
        "sessions_dropped",
        "surfaces",
        "user_name",
    )

    def __init__(self, label: str, kind: str, name: str | None) -> None:
        self.label = label
        self.kind = kind
        self.user_name = name
        self.events = 0
        self.errors = 0
        self.first: datetime | None = None
        self.last: datetime | None = None
        self.accounts = CappedCounter(MAX_ACCOUNTS)
        self.on_behalf = CappedCounter(MAX_ON_BEHALF)
        self.sessions: dict[str, _SessionState] = {}
        self.sessions_dropped = 0
        self.addresses = CappedCounter(MAX_ADDRESSES)
        self.agents = CappedCounter(MAX_AGENTS)
        self.names = CappedCounter(MAX_EVENT_NAMES)
        self.surfaces = CappedCounter(32)
        self.actions: CappedList[Action] = CappedList(MAX_ACTIONS)
        self.findings = 0
        self.finding_rules = CappedCounter(MAX_FINDING_RULES)
        self.max_level: Level | None = None

    def observe(self, seen: Seen) -> None:
        """Count one record of this principal."""
        self.events += 1
        if seen.error:
            self.errors += 1
        moment = seen.ref.event_time
        self.first, self.last = _widen(self.first, self.last, moment)
        identity = seen.identity
        account = identity.get("accountId") or seen.event.get("recipientAccountId")
        if isinstance(account, str):
            self.accounts.add(account)
        if "onBehalfOf" in identity:
            behalf = on_behalf_of(identity)
            if behalf:
                self.on_behalf.add(behalf)
        if seen.address:
            self.addresses.add(seen.address)
        if seen.agent:
            self.agents.add(seen.agent)
        if seen.name:
            self.names.add(seen.call)
        for surface in seen.surfaces:
            self.surfaces.add(surface)
        self._session(seen, moment)

    def _session(self, seen: Seen, moment: datetime | None) -> None:
        identity = seen.identity
        key = access_key_id(identity)
        issued = session_created(identity)
        if key:
            kind = "long-term" if is_long_term_key(key) else "temporary"
        elif issued:
            key, kind = f"session issued {issued}", "temporary"
        else:
            return
        state = self.sessions.get(key)
        if state is None:
            if len(self.sessions) >= MAX_SESSIONS:
                self.sessions_dropped += 1
                return
            state = self.sessions[key] = _SessionState(key, kind, issued, mfa_used(identity))
        state.count += 1
        state.first, state.last = _widen(state.first, state.last, moment)
        address = seen.address
        if (
            address
            and address not in state.addresses
            and len(state.addresses) < MAX_SESSION_ADDRESSES
        ):
            state.addresses.append(address)

    def act(self, action: ResourceAction, seen: Seen) -> None:
        """Record a create/change/delete (or failed attempt) by this principal."""
        self.actions.add_lazy(
            lambda: Action(action.kind, action.rtype, action.rid, seen.evidence())
        )

    def flag(self, rule_title: str, level: Level | None) -> None:
        """Count one finding this principal took part in."""
        self.findings += 1
        self.finding_rules.add(rule_title)
        if level is not None and (self.max_level is None or level.rank > self.max_level.rank):
            self.max_level = level

    @property
    def sort_key(self) -> tuple[int, int, int, str]:
        """Principals with findings first (highest level, most findings), then busiest."""
        rank = self.max_level.rank if self.max_level is not None else -1
        return (-(1 if self.findings else 0) - rank, -self.findings, -self.events, self.label)

    def freeze(self) -> PrincipalTimeline:
        sessions = sorted(
            self.sessions.values(),
            key=lambda s: (s.first.timestamp() if s.first else 0.0, s.key),
        )
        actions = sorted(
            self.actions.items,
            key=lambda a: a.evidence.event_time.timestamp() if a.evidence.event_time else 0.0,
        )
        return PrincipalTimeline(
            principal=self.label,
            kind=self.kind,
            user_name=self.user_name,
            accounts=tuple(c.value for c in self.accounts.top()),
            on_behalf_of=tuple(c.value for c in self.on_behalf.top()),
            first_seen=self.first,
            last_seen=self.last,
            events=self.events,
            errors=self.errors,
            findings=self.findings,
            finding_rules=self.finding_rules.top(),
            max_level=self.max_level.value if self.max_level is not None else None,
            sessions=tuple(s.freeze() for s in sessions),
            sessions_total=len(self.sessions) + self.sessions_dropped,
            source_addresses=self.addresses.top(),
            source_addresses_total=len(self.addresses),
            user_agents=self.agents.top(),
            user_agents_total=len(self.agents),
            event_names=self.names.top(SHOWN_EVENT_NAMES),
            event_names_total=len(self.names),
            surfaces=self.surfaces.top(),
            actions=tuple(actions),
            actions_total=self.actions.total,
        )


class PrincipalTable:
    """Every principal's state, at most ``MAX_PRINCIPALS`` of them."""

    def __init__(self, cap: int = MAX_PRINCIPALS) -> None:
        self.cap = cap
        self.states: dict[str, PrincipalState] = {}
        self.untracked_records = 0

    def of(self, seen: Seen) -> PrincipalState | None:
        """The state of ``seen``'s principal (created on first sight), None past the cap."""
        state = self.states.get(seen.principal)
        if state is None:
            if len(self.states) >= self.cap:
                self.untracked_records += 1
                return None
            state = self.states[seen.principal] = PrincipalState(
                seen.principal, seen.kind, user_name(seen.identity)
            )
        return state

    def get(self, label: str) -> PrincipalState | None:
        return self.states.get(label)

    def ordered(self) -> list[PrincipalState]:
        return sorted(self.states.values(), key=lambda s: s.sort_key)

    def limits(self) -> list[Counted]:
        dropped: list[Counted] = []
        if self.untracked_records:
            dropped.append(
                Counted("records of principals past MAX_PRINCIPALS", self.untracked_records)
            )
        return dropped
