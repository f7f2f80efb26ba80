"""One record as the aggregators see it (``Seen``), and records as evidence.

``Seen`` computes the fields every aggregator needs once per record. Evidence is built
only when it will be kept (the aggregators' caps). Correlation findings carry their
events' details through the replay engine as an ``annotation`` (``note_of``), so a
finding's events become evidence without reading any record twice.
"""

from __future__ import annotations

import sys
from collections.abc import Hashable, Mapping
from datetime import datetime
from typing import Any

from sigmaq.core.model import EventRef
from sigmaq.investigate.identity import (
    identity_of,
    principal_kind,
    principal_label,
    q_surfaces,
)
from sigmaq.investigate.model import Evidence, Pairs
from sigmaq.investigate.params import request_keys
from sigmaq.investigate.resources import failed

MAX_USER_AGENT = 300


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _agent(value: Any) -> str | None:
    text = _text(value)
    if text is None:
        return None
    return text if len(text) <= MAX_USER_AGENT else text[: MAX_USER_AGENT - 1] + "…"


_CALLS: dict[tuple[str | None, str | None], str] = {}


def _call(source: str | None, name: str | None) -> str:
    """``iam:CreateUser`` for (``iam.amazonaws.com``, ``CreateUser``), interned: an archive
    has a few thousand distinct calls (capped for crafted input)."""
    key = (source, name)
    found = _CALLS.get(key)
    if found is None:
        found = sys.intern(f"{(source or '?').split('.', 1)[0]}:{name or '?'}")
        if len(_CALLS) < 100_000:
            _CALLS[key] = found
    return found


class Seen:
    """The fields of one record the investigation reads (computed once)."""

    __slots__ = (
        "_request",
        "address",
        "agent",
        "call",
        "error",
        "event",
        "identity",
        "kind",
        "name",
        "principal",
        "ref",
        "source",
        "surfaces",
    )

    def __init__(self, event: Mapping[str, Any], ref: EventRef) -> None:
        self.event = event
        self.ref = ref
        self.identity = identity_of(event)
        self.principal = principal_label(self.identity)
        self.kind = principal_kind(self.identity)
        self.source = _text(event.get("eventSource"))
        self.name = _text(event.get("eventName"))
        self.call = _call(self.source, self.name)
        self.address = _text(event.get("sourceIPAddress"))
        self.agent = _agent(event.get("userAgent"))
        self.error = failed(event)
        self.surfaces = q_surfaces(event, self.identity)
        self._request: Pairs | None = None

    @property
    def request(self) -> Pairs:
        """The record's request keys (``params.request_keys``), computed once."""
        if self._request is None:
            self._request = request_keys(self.event)
        return self._request

    def note(self) -> Hashable:
        """``note_of`` this record, from the fields already read."""
        return (
            sys.intern(self.principal),
            self.source,
            self.name,
            self.address,
            sys.intern(self.agent) if self.agent else None,
            self.error,
            self.request,
        )

    @property
    def time(self) -> datetime | None:
        return self.ref.event_time

    def evidence(self) -> Evidence:
        """This record as evidence."""
        return Evidence(
            event_time=self.ref.event_time,
            principal=self.principal,
            event_source=self.source,
            event_name=self.name,
            event_id=self.ref.event_id,
            source_address=self.address,
            user_agent=self.agent,
            error_code=self.error,
            request=self.request,
            file=self.ref.source,
            position=self.ref.position,
        )


Note = tuple[str, str | None, str | None, str | None, str | None, str | None, Pairs]


def note_of(event: Mapping[str, Any]) -> Hashable:
    """What a correlation keeps of one event: (principal, eventSource, eventName, source
    address, userAgent, errorCode, request keys). Interned by the engine (equal notes
    are stored once); strings are interned here for the same reason."""
    identity = identity_of(event)
    agent = _agent(event.get("userAgent"))
    return (
        sys.intern(principal_label(identity)),
        _text(event.get("eventSource")),
        _text(event.get("eventName")),
        _text(event.get("sourceIPAddress")),
        sys.intern(agent) if agent else None,
        failed(event),
        request_keys(event),
    )


def evidence_from_note(ref: EventRef) -> Evidence:
    """A correlation event (``EventRef`` with a ``note_of`` annotation) as evidence."""
    note = ref.annotation
    if isinstance(note, tuple) and len(note) == 7:
        principal, source, name, address, agent, error, request = note
    else:
        principal, source, name, address, agent, error, request = (
            "(unknown)",
            None,
            None,
            None,
            None,
            None,
            (),
        )
    return Evidence(
        event_time=ref.event_time,
        principal=str(principal),
        event_source=source,
        event_name=name,
        event_id=ref.event_id,
        source_address=address,
        user_agent=agent,
        error_code=error,
        request=tuple(request),
        file=ref.source,
        position=ref.position,
    )
