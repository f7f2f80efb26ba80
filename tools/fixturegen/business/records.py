"""Q Business records and the registry the scenario modules fill.

Every ``requestParameters`` block is checked against the botocore ``qbusiness`` / ``logs`` model
(:func:`~..common.service_models.check_params`) before a record exists. Identifiers come from
:class:`~..common.ids.HashedIds` seeded with ``<rule stem>/<scenario>``, drawn in call order.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from ..common.identities import ACCOUNT, REGION, Caller
from ..common.ids import HashedIds
from ..common.records import Error, Record, cloudtrail_record, iso, not_authorized
from ..common.service_models import check_params
from .world import APP, QB, app_arn, index_arn

Ids = HashedIds
Builder = Callable[[Ids], Any]
PREFIX = "aws_cloudtrail_q_business_"
DENIED: Error = ("AccessDeniedException", "")  # "" = IAM's message for this caller and call

READ_PREFIXES = ("Get", "List", "Describe")
# Q Business operations CloudTrail logs as data events (AWS::QBusiness::Application resources).
DATA_EVENTS = {
    "ListDataSourceSyncJobs", "StartDataSourceSyncJob", "StopDataSourceSyncJob",
    "BatchPutDocument", "BatchDeleteDocument", "PutFeedback", "ChatSync", "Chat",
    "DeleteConversation", "ListConversations", "ListMessages", "ListGroups", "DeleteGroup",
    "GetGroup", "PutGroup", "CreateUser", "DeleteUser", "GetUser", "UpdateUser", "ListDocuments",
}  # fmt: skip
# ... of which these also name the index (AWS::QBusiness::Index).
INDEX_LEVEL = {"BatchPutDocument", "BatchDeleteDocument", "PutGroup", "DeleteGroup", "GetGroup",
               "ListGroups", "ListDocuments"}  # fmt: skip


def new_ids(stem: str, scenario: str) -> Ids:
    return HashedIds("sigmaq/q_business", f"{stem}/{scenario}")


def at(day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    """A moment in November 2026 (UTC)."""
    return datetime(2026, 11, day, hour, minute, second, tzinfo=UTC)


def token(ids: Ids) -> str:
    """A ``clientToken``."""
    return ids()


def burst(ids: Ids, start: datetime, step: float, count: int, make: Callable[..., Record]) -> Any:
    """``{"Records": [...]}`` of ``count`` events ``step`` seconds apart; ``make(ids, when, i)``."""
    return {
        "Records": [make(ids, start + timedelta(seconds=round(i * step)), i) for i in range(count)]
    }


def envelope(*items: Record) -> dict[str, list[Record]]:
    """A ``{"Records": [...]}`` envelope."""
    return {"Records": list(items)}


def _denial(caller: Caller, source: str, name: str) -> str:
    service = source.split(".")[0]
    resource = app_arn() if service == "qbusiness" else f"arn:aws:logs:{REGION}:{ACCOUNT}:*"
    return not_authorized(caller.arn, f"{service}:{name}", resource)


def event(
    ids: Ids,
    when: datetime,
    caller: Caller,
    name: str,
    params: dict[str, Any] | None,
    response: dict[str, Any] | None = None,
    *,
    source: str = QB,
    error: Error | None = None,
    app: str = APP,
    recipient: str = ACCOUNT,
) -> Record:
    """One record of ``caller`` calling ``name`` on ``source`` at ``when``.

    Raises ValueError when ``params`` do not fit the operation's botocore input shape. The role
    session started on the hour before ``when``; a recipient other than the caller's account
    gets a ``sharedEventID``; an ``error`` whose message is "" gets IAM's denial message.
    """
    check_params(source, name, params or {})
    identity = json.loads(json.dumps(caller.identity))
    attributes = identity.get("sessionContext", {}).get("attributes")
    if attributes is not None:
        attributes["creationDate"] = iso(when.replace(minute=0, second=0) - timedelta(hours=1))
    if error is not None:
        error = (error[0], error[1] or _denial(caller, source, name))
    data = source == QB and name in DATA_EVENTS
    resources = None
    if data:
        resources = [
            {"accountId": ACCOUNT, "type": "AWS::QBusiness::Application", "ARN": app_arn(app)}
        ]
        if name in INDEX_LEVEL:
            resources.append(
                {"accountId": ACCOUNT, "type": "AWS::QBusiness::Index", "ARN": index_arn()}
            )
    request_id, event_id = ids(), ids()
    shared = identity.get("accountId", recipient) != recipient or recipient != ACCOUNT
    return cloudtrail_record(
        caller,
        identity=identity,
        time=iso(when),
        source=source,
        name=name,
        read_only=name.startswith(READ_PREFIXES),
        recipient=recipient,
        params=params,
        response=response,
        error=error,
        request_id=request_id,
        event_id=event_id,
        shared_event_id=ids() if shared else None,
        resources=resources,
        data=data,
    )


class Catalogue:
    """The fixture builders of one scenario module: rule stem -> scenario -> builder."""

    def __init__(self) -> None:
        self.builders: dict[str, dict[str, Builder]] = {}

    def fixture(self, rule: str, *names: str) -> Callable[[Builder], Builder]:
        """Register a builder under ``rule`` (stem, or stem without ``PREFIX``) and ``names``."""

        def register(builder: Builder) -> Builder:
            stem = rule if rule.startswith("aws_cloudtrail_") else PREFIX + rule
            for name in names:
                self.builders.setdefault(stem, {})[name] = builder
            return builder

        return register

    def items(self) -> Iterator[tuple[str, str, Builder]]:
        for stem, scenarios in self.builders.items():
            for name, builder in scenarios.items():
                yield stem, name, builder
