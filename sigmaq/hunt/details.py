"""What a responder needs to know of each event in a finding, without the raw file.

``EventDetails``: the event's ``eventName``, who acted (``principal_of``), from where
(``source_address_of``) and a few request parameters: those the rule matched on
(``requestParameters.X`` fields the rule reads) and identifying ones (keys naming a
resource: ``…Name``, ``…Id``, ``…Arn``, ``key``, ``bucket…``), bounded in number and
length so that a finding's size does not grow with what an attacker wrote. Built only
for records that matched (a single-event finding, or an event a correlation keeps).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import msgspec
import orjson

__all__ = [
    "MAX_PARAMETERS",
    "MAX_VALUE_CHARS",
    "EventDetails",
    "details_tuple",
    "event_details",
    "json_bytes",
    "principal_of",
    "request_keys_of",
    "source_address_of",
]

MAX_PARAMETERS = 8  # request parameters kept per event
MAX_VALUE_CHARS = 200  # characters kept of one parameter's value
_IDENTIFYING = re.compile(r"(?:name|id|ids|arn|arns)$|^(?:key|bucket)", re.IGNORECASE)
_REQUEST = "requestParameters"


def principal_of(event: Mapping[str, Any]) -> str | None:
    """Who acted: ``userIdentity.arn``, else ``principalId``, ``invokedBy`` or ``type``."""
    identity = event.get("userIdentity")
    if not isinstance(identity, dict):
        return None
    for key in ("arn", "principalId", "invokedBy", "type"):
        value = identity.get(key)
        if isinstance(value, str) and value:
            return value
    return None


def source_address_of(event: Mapping[str, Any]) -> str | None:
    """``sourceIPAddress`` (an IP, or a service name such as ``q.amazonaws.com``)."""
    value = event.get("sourceIPAddress")
    return value if isinstance(value, str) and value else None


@dataclass(frozen=True, slots=True)
class EventDetails:
    """One event of a finding, as a responder reads it.

    ``request``: (key, value text) pairs of ``requestParameters``, at most
    ``MAX_PARAMETERS``, each value at most ``MAX_VALUE_CHARS`` characters (longer ones
    end with ``…``); strings as they are, other values as compact JSON.
    """

    event_name: str | None
    principal: str | None
    source_address: str | None
    request: tuple[tuple[str, str], ...] = ()

    def as_tuple(self) -> tuple[Any, ...]:
        """The four fields as a plain tuple (``EventDetails(*t)`` rebuilds it)."""
        return (self.event_name, self.principal, self.source_address, self.request)

    def to_dict(self) -> dict[str, Any]:
        """``event_name``, ``principal``, ``source_address``, ``request_parameters``."""
        return {
            "event_name": self.event_name,
            "principal": self.principal,
            "source_address": self.source_address,
            "request_parameters": dict(self.request),
        }


def request_keys_of(fields: Iterable[str]) -> tuple[str, ...]:
    """The ``requestParameters`` keys a rule's field paths read (first segment after
    ``requestParameters.``), in order, each once."""
    keys: dict[str, None] = {}
    prefix = _REQUEST + "."
    for path in fields:
        if path.startswith(prefix):
            keys[path[len(prefix) :].split(".", 1)[0]] = None
    return tuple(keys)


def json_bytes(data: Any, *, indent: bool = False) -> bytes:
    """``data`` (values from records included) as compact JSON, or indented by two
    spaces; types JSON lacks as their ``str``. orjson writes it, or msgspec when it
    holds an integer past 64 bits, which orjson refuses: JSON allows any integer
    (RFC 8259 section 6) and the readers keep them exact."""
    try:
        return orjson.dumps(data, default=str, option=orjson.OPT_INDENT_2 if indent else 0)
    except orjson.JSONEncodeError:
        try:
            text = msgspec.json.encode(data, enc_hook=str)
        except UnicodeEncodeError:  # a lone surrogate: a file name that is not UTF-8
            return json_bytes(_utf8_safe(data), indent=indent)
        return msgspec.json.format(text, indent=2) if indent else text


def utf8_text(text: str) -> str:
    """``text`` as text every UTF-8 writer accepts: the bytes of a file name that is not
    UTF-8, which Python carries as lone surrogates (PEP 383), become ``\\xNN`` escapes
    (the JSON encoders and UTF-8 files refuse surrogates)."""
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        try:
            raw = text.encode("utf-8", "surrogateescape")
        except UnicodeEncodeError:  # a surrogate no file system byte stands for
            return text.encode("utf-8", "backslashreplace").decode("utf-8")
        return raw.decode("utf-8", "backslashreplace")
    return text


def _utf8_safe(data: Any) -> Any:
    """``data`` with every string (keys included) passed through ``utf8_text``."""
    if isinstance(data, str):
        return utf8_text(data)
    if isinstance(data, dict):
        return {_utf8_safe(key): _utf8_safe(value) for key, value in data.items()}
    if isinstance(data, list | tuple):
        return [_utf8_safe(item) for item in data]
    return data


def _text(value: Any) -> str:
    text = value if isinstance(value, str) else json_bytes(value).decode()
    if len(text) > MAX_VALUE_CHARS:
        return text[: MAX_VALUE_CHARS - 1] + "…"
    return text


_IDENTIFYING_KEYS: dict[str, bool] = {}


def _identifying(key: str) -> bool:
    known = _IDENTIFYING_KEYS.get(key)
    if known is None:
        known = bool(_IDENTIFYING.search(key))
        if len(_IDENTIFYING_KEYS) < 10_000:
            _IDENTIFYING_KEYS[key] = known
    return known


def event_details(event: Mapping[str, Any], matched_keys: Iterable[str] = ()) -> EventDetails:
    """``EventDetails`` of one record; ``matched_keys``: ``requestParameters`` keys the
    rule matched on (``request_keys_of``), listed first."""
    return EventDetails(*details_tuple(event, matched_keys))


def details_tuple(
    event: Mapping[str, Any], matched_keys: Iterable[str] = ()
) -> tuple[str | None, str | None, str | None, tuple[tuple[str, str], ...]]:
    """``event_details(event, matched_keys).as_tuple()`` without building the object
    (a hunt annotates every event a correlation keeps: hundreds of thousands)."""
    name = event.get("eventName")
    request: list[tuple[str, str]] = []
    parameters = event.get(_REQUEST)
    if isinstance(parameters, dict) and parameters:
        chosen: dict[str, None] = {}
        for key in matched_keys:
            if key in parameters:
                chosen[key] = None
        for key in parameters:
            if len(chosen) >= MAX_PARAMETERS:
                break
            if type(key) is str and _identifying(key):
                chosen[key] = None
        for key in list(chosen)[:MAX_PARAMETERS]:
            value = parameters[key]
            if value is not None:
                request.append((sys.intern(key), _text(value)))
    return (
        sys.intern(name) if type(name) is str else None,
        principal_of(event),
        source_address_of(event),
        tuple(request),
    )
