"""What a CloudTrail record created, changed or deleted (playbook question 1).

``actions_of(event)`` turns one record into ``ResourceAction``s. Amazon Q, IAM, CloudTrail
and the resources the containment steps delete have an exact table (``SPECS``): the
identifier comes from the request (``requestParameters``) or, for creations, the response
(``responseElements``), with the key names of the API models (botocore; the Amazon Q
notes §2.1.3). Any other mutating call falls back to its verb (``Create…``, ``Delete…``,
``Terminate…``) and the first identifier-looking request key, typed ``<service>:<Noun>``.
A failed call (``errorCode`` other than ``success``) becomes an ``attempted`` action.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sigmaq.investigate.identity import identity_of, service_of, user_name
from sigmaq.investigate.model import ActionKind, Pairs
from sigmaq.investigate.params import first_text, values_at
from sigmaq.investigate.resource_specs import APP_INDEX, EXACT_SOURCES, SPECS, Spec

MAX_PER_RECORD = 50  # documents in one BatchPutDocument, objects in one DeleteObjects…
READ_PREFIXES = ("Get", "List", "Describe", "Head", "Lookup", "Search", "Check", "Batch Get")
REVOKE_SESSIONS_POLICY = "AWSRevokeOlderSessions"


@dataclass(frozen=True, slots=True)
class ResourceAction:
    """``kind`` done to resource ``rtype``/``rid`` (``parents``: the identifiers that
    locate it, e.g. ``applicationId`` and ``indexId`` of a Q Business data source;
    ``attributes``: what else the record says about it)."""

    kind: ActionKind
    rtype: str
    rid: str
    parents: Pairs = ()
    attributes: Pairs = ()


# Verbs of the generic fallback (eventName prefix -> kind).
_VERBS: tuple[tuple[str, ActionKind], ...] = (
    ("Create", "created"),
    ("Run", "created"),
    ("Register", "created"),
    ("Import", "created"),
    ("Allocate", "created"),
    ("Delete", "deleted"),
    ("Terminate", "deleted"),
    ("Deregister", "deleted"),
    ("Remove", "deleted"),
    ("Release", "deleted"),
    ("ScheduleKeyDeletion", "deleted"),
    ("Put", "changed"),
    ("Update", "changed"),
    ("Modify", "changed"),
    ("Attach", "changed"),
    ("Detach", "changed"),
    ("Stop", "changed"),
    ("Start", "changed"),
    ("Disable", "changed"),
    ("Enable", "changed"),
    ("Associate", "changed"),
    ("Disassociate", "changed"),
    ("Authorize", "changed"),
    ("Revoke", "changed"),
    ("Set", "changed"),
    ("Tag", "changed"),
    ("Untag", "changed"),
)
_ID_KEY = re.compile(r"(Name|Id|Arn|ARN|Identifier)$")
_VERSION_SUFFIX = re.compile(r"\d{8}(v\d+)?$")  # Lambda's CreateFunction20150331


def failed(event: Mapping[str, Any]) -> str | None:
    """The ``errorCode`` of a failed call, None when it succeeded (absent, null or
    ``success``, as the Splunk add-on writes it)."""
    code = event.get("errorCode")
    if isinstance(code, str) and code and code.lower() != "success":
        return code
    return None


def is_read_only(event: Mapping[str, Any]) -> bool:
    """True when a record reads only: ``readOnly: true``, else a Get/List/Describe… name."""
    flag = event.get("readOnly")
    if isinstance(flag, bool):
        return flag
    name = event.get("eventName")
    return isinstance(name, str) and name.startswith(READ_PREFIXES)


def _read(event: Mapping[str, Any], path: str) -> list[Any]:
    if path.startswith("resp:"):
        return list(values_at(event.get("responseElements"), path[5:]))
    return list(values_at(event.get("requestParameters"), path.removeprefix("req:")))


def _scalars(values: list[Any]) -> list[str]:
    out: list[str] = []
    for value in values:
        items = value if isinstance(value, list) else [value]
        for item in items:
            if isinstance(item, str) and item:
                out.append(item)
            elif isinstance(item, int | float) and not isinstance(item, bool):
                out.append(str(item))
    return out


def _texts(event: Mapping[str, Any], paths: tuple[str, ...]) -> list[str]:
    """The text values at the first of ``paths`` that has any."""
    for path in paths:
        found = _scalars(_read(event, path))
        if found:
            return found
    return []


def _pairs(
    event: Mapping[str, Any], wanted: tuple[tuple[str, tuple[str, ...]], ...]
) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for label, paths in wanted:
        found = _texts(event, paths)
        if found:
            text = ",".join(found[:3])
            out.append((label, text if len(text) <= 200 else text[:199] + "…"))
    return out


def _trail_name(value: str) -> str:
    # A trail may be named by its ARN (arn:aws:cloudtrail:region:acct:trail/NAME).
    return value.rsplit(":trail/", 1)[-1] if value.startswith("arn:") else value


def _from_spec(event: Mapping[str, Any], spec: Spec) -> list[ResourceAction]:
    segments: list[list[str]] = []
    for alternatives in spec.ident:
        found = _texts(event, alternatives)
        if not found:
            return []
        segments.append(found)
    parents = tuple(_pairs(event, spec.parents))
    attributes = _pairs(event, spec.attributes)
    if spec.rtype == "iam:access-key" and not any(k == "userName" for k, _ in attributes):
        # No userName: the caller's own key (IAM UpdateAccessKey/DeleteAccessKey reference).
        caller = user_name(identity_of(event))
        if caller:
            attributes.append(("userName", caller))
    ids = segments[0] if len(segments) == 1 else ["/".join(s[0] for s in segments)]
    if spec.rtype == "cloudtrail:trail":
        ids = [_trail_name(value) for value in ids]
    return [
        ResourceAction(spec.kind, spec.rtype, rid, parents, tuple(attributes))
        for rid in ids[:MAX_PER_RECORD]
    ]


def _documents(event: Mapping[str, Any], kind: ActionKind, key: str) -> list[ResourceAction]:
    params = event.get("requestParameters")
    parents = tuple(_pairs(event, APP_INDEX))
    out: list[ResourceAction] = []
    documents = params.get("documents") if isinstance(params, dict) else None
    for document in documents if isinstance(documents, list) else []:
        if not isinstance(document, dict):
            continue
        rid = document.get(key)
        if not isinstance(rid, str) or not rid:
            continue
        attributes: list[tuple[str, str]] = []
        content_type = document.get("contentType")
        if isinstance(content_type, str):
            attributes.append(("contentType", content_type))
        title = document.get("title")
        if isinstance(title, str):
            attributes.append(("title", title[:200]))
        out.append(ResourceAction(kind, "qbusiness:document", rid, parents, tuple(attributes)))
        if len(out) >= MAX_PER_RECORD:
            break
    return out


def _delete_objects(event: Mapping[str, Any]) -> list[ResourceAction]:
    bucket = first_text(event.get("requestParameters"), "bucketName")
    keys = list(values_at(event.get("requestParameters"), "delete.Object[].Key"))
    if not bucket:
        return []
    if not keys:
        return [ResourceAction("deleted", "s3:object", f"{bucket}/*")]
    return [
        ResourceAction("deleted", "s3:object", f"{bucket}/{key}")
        for key in keys[:MAX_PER_RECORD]
        if isinstance(key, str)
    ]


_SPECIAL: dict[tuple[str, str], Callable[[Mapping[str, Any]], list[ResourceAction]]] = {
    ("qbusiness.amazonaws.com", "BatchPutDocument"): lambda e: _documents(e, "created", "id"),
    ("qbusiness.amazonaws.com", "BatchDeleteDocument"): lambda e: _documents(
        e, "deleted", "documentId"
    ),
    ("s3.amazonaws.com", "DeleteObjects"): _delete_objects,
}


def _verb(name: str) -> tuple[ActionKind, str] | None:
    """(kind, noun) of a mutating eventName by its verb, None for other names."""
    for verb, kind in _VERBS:
        if name.startswith(verb) and (len(name) == len(verb) or name[len(verb)].isupper()):
            return kind, _VERSION_SUFFIX.sub("", name[len(verb) :]) or name
    return None


_NOT_IDS = frozenset(["requestId", "ownerId", "clientToken", "accountId", "keyName"])


def _find_key(obj: Any, names: tuple[str, ...], depth: int) -> str | None:
    """The first string value under one of ``names`` in ``obj`` (``depth`` levels of
    nested objects searched, breadth first)."""
    level = [obj]
    for _ in range(depth + 1):
        following: list[Any] = []
        for item in level:
            if not isinstance(item, dict):
                continue
            for name in names:
                value = item.get(name)
                if isinstance(value, str) and value:
                    return value
            following.extend(v for v in item.values() if isinstance(v, dict))
        level = following
    return None


def _first_id(obj: Any) -> str | None:
    if not isinstance(obj, dict):
        return None
    for key, value in obj.items():
        if (
            isinstance(key, str)
            and key not in _NOT_IDS
            and _ID_KEY.search(key)
            and isinstance(value, str)
            and value
        ):
            return value
    return None


def _generic(event: Mapping[str, Any], source: str, name: str) -> list[ResourceAction]:
    """A resource action for a call outside ``SPECS``: the noun of its verb, identified by
    ``<noun>Id``/``Arn``/``Name`` (the response first for a creation), else by the first
    identifier-looking request key."""
    verb = _verb(name)
    if verb is None:
        return []
    kind, noun = verb
    stem = noun[:1].lower() + noun[1:]
    own = (f"{stem}Id", f"{stem}Arn", f"{stem}Name", f"{noun}Id", f"{noun}Arn", f"{noun}Name")
    request = event.get("requestParameters")
    response = event.get("responseElements")
    if kind == "created":
        rid = _find_key(response, own, 2) or _find_key(request, own, 0)
        rid = rid or _first_id(response) or _first_id(request)
    else:
        rid = _find_key(request, own, 1) or _first_id(request)
    if rid is None:
        return []
    return [ResourceAction(kind, f"{service_of(source)}:{noun}", rid[:300])]


def actions_of(event: Mapping[str, Any]) -> list[ResourceAction]:
    """The resource actions of one record (empty for reads and unrecognised calls).

    A failed call yields its actions with kind ``attempted``; a ``PutRolePolicy`` of
    ``AWSRevokeOlderSessions`` (the IAM console's revoke-sessions action) is reported as a
    change of the role, not as a new inline policy.
    """
    source = event.get("eventSource")
    name = event.get("eventName")
    if not isinstance(source, str) or not isinstance(name, str):
        return []
    if is_read_only(event) and not name.startswith(("Create", "Delete", "Put")):
        return []
    special = _SPECIAL.get((source, name))
    if special is not None:
        found = special(event)
    else:
        specs = SPECS.get(source, {}).get(name)
        if specs is not None:
            found = [action for spec in specs for action in _from_spec(event, spec)]
        elif source in EXACT_SOURCES:
            found = []
        else:
            found = _generic(event, source, name)
    if name == "PutRolePolicy":
        policy = first_text(event.get("requestParameters"), "policyName")
        role = first_text(event.get("requestParameters"), "roleName")
        if policy == REVOKE_SESSIONS_POLICY and role:
            found = [ResourceAction("changed", "iam:role", role, (), (("sessions", "revoked"),))]
    if failed(event):
        return [ResourceAction("attempted", a.rtype, a.rid, a.parents, a.attributes) for a in found]
    return found
