"""The sessions an investigated principal opened (``--principal``), followed transitively.

When the principal under investigation (an IAM user, an access key, a role, a SAML, web
identity or Identity Center user) obtains temporary credentials, what those credentials
do is its activity too. CloudTrail links a session to the call that opened it (IAM User
Guide, "Logging IAM and AWS STS API calls with AWS CloudTrail"; CloudTrail userIdentity
reference, "AWS STS source identity"):

- ``sts:AssumeRole``, ``AssumeRoleWithSAML``, ``AssumeRoleWithWebIdentity``,
  ``GetFederationToken``, ``GetSessionToken`` and ``AssumeRoot`` log the temporary access
  key they returned in ``responseElements.credentials.accessKeyId``; every call made with
  it carries that key in ``userIdentity.accessKeyId`` (link ``accessKeyId``);
- a role session or federated user is named by ``responseElements.assumedRoleUser.arn``
  (``federatedUser.arn``), the ``userIdentity.arn`` of its calls. Another AssumeRole with
  the same role and session name gives the same ARN with another key, so the ARN links
  only calls logged without an access key, or every call when the opening call logged
  none (link ``session ARN``);
- a source identity set on the call (``requestParameters.sourceIdentity``, or from the
  SAML assertion or OIDC token, ``responseElements.sourceIdentity``) is in
  ``userIdentity.sessionContext.sourceIdentity`` of every call of the session and of every
  role chained from it, and cannot be changed (link ``sourceIdentity``);
- ``sso-oauth:CreateTokenWithIAM`` (an application exchanging a user's token, as Amazon Q
  Business web applications do for identity-aware sessions) logs the Identity Center
  credential it issued in ``additionalEventData["identitycenter:CredentialId"]``; the
  user's calls with it carry ``userIdentity.credentialId`` (link ``credentialId``; the
  key name is from a public write-up of these events, not an AWS page: unverified);
- ``sso:GetRoleCredentials`` (the access portal, ``aws sso login``) logs no credentials
  (``responseElements`` null, role and account in ``serviceEventDetails``): its session
  is named, not followed (``Issued.note``).

``discover`` reads the inputs once before the investigation (file order does not matter:
a chained session's AssumeRole may be read before the one that opened its parent) and
ignores ``--since``/``--until`` (a session opened before the window acts in it). Calls of
the principal open sessions at depth 1; a call made by a followed session opens one a
level deeper, up to ``MAX_CHAIN_DEPTH``. Memory: at most ``MAX_CANDIDATE_CALLS`` calls by
temporary credentials are kept while reading (calls by AWS services, which cannot be a
followed session, are not), and ``MAX_FOLLOWED`` sessions; what a cap left out is counted
(``SessionLinks.limits``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sigmaq.core.model import EventRef
from sigmaq.investigate.bounded import CappedCounter
from sigmaq.investigate.identity import access_key_id, credential_id, source_identity
from sigmaq.investigate.model import Counted, Evidence, FollowedSession
from sigmaq.investigate.records import Seen
from sigmaq.investigate.resources import failed

MAX_CHAIN_DEPTH = 8
MAX_FOLLOWED = 1_000
MAX_CANDIDATE_CALLS = 20_000
MAX_SESSION_PRINCIPALS = 5

STS = "sts.amazonaws.com"
STS_CALLS = frozenset(
    [
        "AssumeRole",
        "AssumeRoleWithSAML",
        "AssumeRoleWithWebIdentity",
        "GetFederationToken",
        "GetSessionToken",
        "AssumeRoot",
    ]
)
# Their sessions act under the caller's own ARN (the IAM user, the member account's root).
SAME_ARN_CALLS = frozenset(["GetSessionToken", "AssumeRoot"])
TOKEN_CALL = ("sso-oauth.amazonaws.com", "CreateTokenWithIAM")
PORTAL_CALL = ("sso.amazonaws.com", "GetRoleCredentials")
SOURCES = frozenset([STS, TOKEN_CALL[0], PORTAL_CALL[0]])

LINKS = ("accessKeyId", "credentialId", "session ARN", "sourceIdentity")

ProgressCallback = Callable[[Path, int], None]


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _object(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


@dataclass(frozen=True, slots=True)
class Issued:
    """What one successful call issued: the temporary access key, the session (or
    federated user) ARN, the role, the source identity, the Identity Center credential
    id; ``note`` when the call's session cannot be followed."""

    call: str
    key: str | None
    arn: str | None
    role_arn: str | None
    source_identity: str | None
    credential_id: str | None = None
    note: str | None = None


def _session_arn(role_arn: str | None, session: Any) -> str | None:
    """``arn:aws:sts::ACCT:assumed-role/NAME/SESSION`` for role ``arn:aws:iam::ACCT:role/
    [PATH/]NAME`` (the session ARN drops the role's path)."""
    name = _text(session)
    if not role_arn or not name or ":role/" not in role_arn:
        return None
    parts = role_arn.split(":", 5)
    if len(parts) != 6:
        return None
    role = parts[5].rsplit("/", 1)[-1]
    return f"arn:{parts[1]}:sts::{parts[4]}:assumed-role/{role}/{name}"


def issued_of(event: Mapping[str, Any]) -> Issued | None:
    """What ``event`` issued when it is a successful credential call (module docstring),
    else None."""
    source, name = event.get("eventSource"), event.get("eventName")
    if source not in SOURCES or not isinstance(name, str) or failed(event):
        return None
    request = _object(event.get("requestParameters"))
    response = _object(event.get("responseElements"))
    if source == STS and name in STS_CALLS:
        key = _text(_object(response.get("credentials")).get("accessKeyId"))
        role_arn = _text(request.get("roleArn"))
        arn = None
        if name not in SAME_ARN_CALLS:
            arn = (
                _text(_object(response.get("assumedRoleUser")).get("arn"))
                or _text(_object(response.get("federatedUser")).get("arn"))
                or _session_arn(role_arn, request.get("roleSessionName"))
            )
        source_id = _text(response.get("sourceIdentity")) or _text(request.get("sourceIdentity"))
        if key is None and arn is None:
            return None
        return Issued(name, key, arn, role_arn, source_id)
    if (source, name) == TOKEN_CALL:
        extra = _object(event.get("additionalEventData"))
        issued = _text(extra.get("identitycenter:CredentialId"))
        return Issued(name, None, None, None, None, issued) if issued else None
    if (source, name) == PORTAL_CALL:
        details = _object(event.get("serviceEventDetails"))
        role = _text(details.get("role_name")) or "?"
        account = _text(details.get("account_id")) or "?"
        note = (
            f"IAM Identity Center issued credentials for permission set {role} in account "
            f"{account}; CloudTrail logs none of them (responseElements is null), so this "
            f"session is not followed. It acts as role AWSReservedSSO_{role}_… in account "
            f"{account} with the user's Identity Center user name as session name: "
            "investigate it with --principal <that user name>."
        )
        return Issued(name, None, None, None, None, None, note)
    return None


@dataclass(frozen=True, slots=True)
class _Handles:
    """How a caller (or a record) names its credentials."""

    key: str | None
    arn: str | None
    source_identity: str | None
    credential_id: str | None

    @classmethod
    def of(cls, identity: Mapping[str, Any]) -> _Handles:
        return cls(
            access_key_id(identity),
            _text(identity.get("arn")),
            source_identity(identity),
            credential_id(identity),
        )

    @property
    def temporary(self) -> bool:
        """Could these be credentials a followed session issued?"""
        arn = self.arn or ""
        return bool(
            (self.key and not self.key.startswith("AKIA"))
            or self.credential_id
            or self.source_identity
            or ":assumed-role/" in arn
            or ":federated-user/" in arn
        )


@dataclass(frozen=True, slots=True)
class _Call:
    """One credential call: what it issued, by whom, as evidence."""

    issued: Issued
    caller: _Handles
    label: str
    evidence: Evidence


class _Session:
    __slots__ = ("call", "depth", "events", "first", "last", "matched", "principals")

    def __init__(self, call: _Call, depth: int) -> None:
        self.call = call
        self.depth = depth
        self.events = 0
        self.first: datetime | None = None
        self.last: datetime | None = None
        self.principals = CappedCounter(MAX_SESSION_PRINCIPALS)
        self.matched: dict[str, None] = {}

    def freeze(self) -> FollowedSession:
        issued = self.call.issued
        name = issued.key or issued.credential_id or issued.arn or f"{issued.call} (not followed)"
        return FollowedSession(
            session=name,
            call=self.call.evidence,
            issued_by=self.call.label,
            issued_with=self.call.caller.key,
            depth=self.depth,
            access_key_id=issued.key,
            session_arn=issued.arn,
            role_arn=issued.role_arn,
            source_identity=issued.source_identity,
            events=self.events,
            first_seen=self.first,
            last_seen=self.last,
            principals=tuple(c.value for c in self.principals.top()),
            matched_by=tuple(link for link in LINKS if link in self.matched),
            note=issued.note,
        )


class SessionLinks:
    """The followed sessions and the handles their records are recognised by."""

    def __init__(self) -> None:
        self.sessions: list[_Session] = []
        self.by_key: dict[str, int] = {}
        self.by_credential: dict[str, int] = {}
        self.by_arn: dict[str, int] = {}  # for records logged without an access key
        self.by_arn_any: dict[str, int] = {}  # sessions whose call logged no key
        self.by_source: dict[str, int] = {}
        self.notes: set[str] = set()
        self.dropped = 0  # sessions past MAX_FOLLOWED
        self.cut = 0  # sessions opened deeper than MAX_CHAIN_DEPTH
        self.calls_dropped = 0  # credential calls past MAX_CANDIDATE_CALLS

    def __bool__(self) -> bool:
        """True when some record could belong to a followed session."""
        return bool(
            self.by_key or self.by_credential or self.by_arn_any or self.by_arn or self.by_source
        )

    def add(self, call: _Call, depth: int) -> bool:
        """Follow the session ``call`` opened (False when already followed or past a cap)."""
        issued = call.issued
        if (
            (issued.key and issued.key in self.by_key)
            or (issued.credential_id and issued.credential_id in self.by_credential)
            or (issued.note and issued.note in self.notes)
        ):
            return False  # one call logged twice (in both accounts of a cross-account call)
        if len(self.sessions) >= MAX_FOLLOWED:
            self.dropped += 1
            return False
        index = len(self.sessions)
        self.sessions.append(_Session(call, depth))
        if issued.key:
            self.by_key[issued.key] = index
        if issued.credential_id:
            self.by_credential[issued.credential_id] = index
        if issued.arn:
            (self.by_arn if issued.key else self.by_arn_any).setdefault(issued.arn, index)
        if issued.source_identity:
            self.by_source.setdefault(issued.source_identity, index)
        if issued.note:
            self.notes.add(issued.note)
        return True

    def find(self, handles: _Handles) -> tuple[int, str] | None:
        """(session index, link) of the followed session ``handles`` belong to, or None."""
        if handles.key:
            found = self.by_key.get(handles.key)
            if found is not None:
                return found, "accessKeyId"
        if handles.credential_id:
            found = self.by_credential.get(handles.credential_id)
            if found is not None:
                return found, "credentialId"
        if handles.arn:
            found = self.by_arn_any.get(handles.arn)
            if found is None and not handles.key:
                found = self.by_arn.get(handles.arn)
            if found is not None:
                return found, "session ARN"
        if handles.source_identity:
            found = self.by_source.get(handles.source_identity)
            if found is not None:
                return found, "sourceIdentity"
        return None

    def observe(self, seen: Seen) -> bool:
        """Count ``seen`` for the followed session it belongs to; False when none."""
        if not self:
            return False
        found = self.find(_Handles.of(seen.identity))
        if found is None:
            return False
        index, link = found
        state = self.sessions[index]
        state.events += 1
        moment = seen.ref.event_time
        if moment is not None:
            if state.first is None or moment < state.first:
                state.first = moment
            if state.last is None or moment > state.last:
                state.last = moment
        state.principals.add(seen.principal)
        state.matched[link] = None
        return True

    def freeze(self) -> list[FollowedSession]:
        """The followed sessions, shallowest first, then by the time of their call."""

        def order(session: _Session) -> tuple[int, float, str]:
            moment = session.call.evidence.event_time
            return (session.depth, moment.timestamp() if moment else 0.0, session.call.label)

        return [session.freeze() for session in sorted(self.sessions, key=order)]

    @property
    def total(self) -> int:
        return len(self.sessions) + self.dropped

    def limits(self) -> list[Counted]:
        found = []
        deeper = f"sessions opened deeper than MAX_CHAIN_DEPTH ({MAX_CHAIN_DEPTH}), not followed"
        for name, count in (
            ("sessions past MAX_FOLLOWED (not followed)", self.dropped),
            (deeper, self.cut),
            ("credential calls by temporary credentials past the cap", self.calls_dropped),
        ):
            if count:
                found.append(Counted(name, count))
        return found


class SessionDiscovery:
    """Gathers credential calls while reading (``observe``), then follows them (``links``).

    ``matches``: the ``--principal`` predicate. A call it matches opens a session at depth
    1; a call made with temporary credentials is kept (bounded) in case those are a
    followed session's."""

    def __init__(self, matches: Callable[[Seen], bool]) -> None:
        self.matches = matches
        self.roots: list[_Call] = []
        self.candidates: list[_Call] = []
        self.roots_dropped = 0
        self.candidates_dropped = 0

    def observe(self, event: Mapping[str, Any], ref: EventRef) -> None:
        if event.get("eventSource") not in SOURCES:
            return
        issued = issued_of(event)
        if issued is None:
            return
        seen = Seen(event, ref)
        handles = _Handles.of(seen.identity)
        if self.matches(seen):
            if len(self.roots) < MAX_FOLLOWED:
                self.roots.append(_Call(issued, handles, seen.principal, seen.evidence()))
            else:
                self.roots_dropped += 1
        elif handles.temporary:
            if len(self.candidates) < MAX_CANDIDATE_CALLS:
                self.candidates.append(_Call(issued, handles, seen.principal, seen.evidence()))
            else:
                self.candidates_dropped += 1

    def links(self) -> SessionLinks:
        """Follow the principal's calls, then, round by round, the calls of the sessions
        followed so far (so the order the calls were read in does not matter)."""
        links = SessionLinks()
        links.dropped = self.roots_dropped
        links.calls_dropped = self.candidates_dropped
        for call in _by_time(self.roots):
            links.add(call, 1)
        pending = _by_time(self.candidates)
        while pending:
            remaining: list[_Call] = []
            added = False
            for call in pending:
                found = links.find(call.caller)
                if found is None:
                    remaining.append(call)
                    continue
                depth = links.sessions[found[0]].depth + 1
                if depth > MAX_CHAIN_DEPTH:
                    links.cut += 1
                    continue
                added = links.add(call, depth) or added
            if not added:
                break
            pending = remaining
        return links


def _by_time(calls: Iterable[_Call]) -> list[_Call]:
    return sorted(
        calls,
        key=lambda c: c.evidence.event_time.timestamp() if c.evidence.event_time else 0.0,
    )


def discover(
    paths: Iterable[Path | str],
    matches: Callable[[Seen], bool],
    progress: ProgressCallback | None = None,
) -> SessionLinks:
    """Read ``paths`` once for the sessions the principal (``matches``) opened. Input
    problems are not counted here: the investigation's own pass reads the same files and
    counts them."""
    from sigmaq.replay.readers import ReadStats, iter_paths, read_file

    finder = SessionDiscovery(matches)
    stats = ReadStats()
    for path in iter_paths(paths, stats):
        for event, ref in read_file(path, stats):
            finder.observe(event, ref)
        if progress is not None:
            try:
                size = path.stat().st_size
            except OSError:
                size = 0
            progress(path, size)
    return finder.links()
