"""AQ-16: conversations and attachments deleted, one at a time and purged."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ..common.identities import Caller
from ..common.ids import hashed_uuid
from ..common.records import Error, Record
from .records import DENIED, Catalogue, Ids, at, burst, event
from .world import APP, CONVERSATION, USERS, saml_user, web_user

catalogue = Catalogue()
fixture = catalogue.fixture

# AQ-16 ----------------------------------------------------------------------------------


def _delete_conv(
    ids: Ids,
    when: datetime,
    caller: Caller,
    n: int = 0,
    attachment: bool = False,
    error: Error | None = None,
) -> Record:
    params: dict[str, Any] = {"applicationId": APP, "conversationId": hashed_uuid(f"conv-{n}")}
    name = "DeleteConversation"
    if attachment:
        params["attachmentId"] = "a77ac0de-0000-4000-8000-EXAMPLE00001"
        name = "DeleteAttachment"
    return event(ids, when, caller, name, params, None, error=error)


@fixture("conversation_or_attachment_deleted_by_user", "pos_web_user_deletes_conversation")
def _(ids: Ids) -> Record:
    return _delete_conv(ids, at(23, 19, 2, 40), web_user())


@fixture("conversation_or_attachment_deleted_by_user", "pos_web_user_deletes_attachment")
def _(ids: Ids) -> Record:
    return _delete_conv(ids, at(23, 19, 3, 5), web_user(), attachment=True)


@fixture("conversation_or_attachment_deleted_by_user", "neg_saml_user_without_idc_context")
def _(ids: Ids) -> Record:
    return _delete_conv(ids, at(23, 19, 4), saml_user())


@fixture("conversation_or_attachment_deleted_by_user", "neg_list_conversations")
def _(ids: Ids) -> Record:
    return event(ids, at(23, 19, 1), web_user(), "ListConversations", {"applicationId": APP}, None)


@fixture("conversation_or_attachment_deleted_by_user", "neg_conversation_not_found")
def _(ids: Ids) -> Record:
    return _delete_conv(
        ids,
        at(23, 19, 5),
        web_user(),
        error=("ResourceNotFoundException", "The conversation does not exist."),
    )


def _purge(ids: Ids, count: int, step: float, callers: list[Caller]) -> Any:
    return burst(
        ids,
        at(24, 21, 10),
        step,
        count,
        lambda ids, when, i: _delete_conv(ids, when, callers[i % len(callers)], i),
    )


@fixture("conversation_purge_by_one_user", "pos_12_conversations_in_3_minutes")
def _(ids: Ids) -> Any:
    return _purge(ids, 12, 15, [web_user()])


@fixture("conversation_purge_by_one_user", "neg_9_conversations_one_short")
def _(ids: Ids) -> Any:
    return _purge(ids, 9, 15, [web_user()])


@fixture("conversation_purge_by_one_user", "neg_12_conversations_two_users_same_role")
def _(ids: Ids) -> Any:
    return _purge(ids, 12, 15, [web_user(USERS[0]), web_user(USERS[1], "198.51.100.42")])


@fixture(
    "conversation_or_attachment_deleted_by_iam_principal", "pos_saml_user_deletes_conversation"
)
def _(ids: Ids) -> Record:
    return _delete_conv(ids, at(23, 20, 2, 40), saml_user())


@fixture("conversation_or_attachment_deleted_by_iam_principal", "neg_web_user_with_idc_context")
def _(ids: Ids) -> Record:
    return _delete_conv(ids, at(23, 20, 3), web_user())


@fixture("conversation_or_attachment_deleted_by_iam_principal", "neg_list_messages")
def _(ids: Ids) -> Record:
    params = {"applicationId": APP, "conversationId": CONVERSATION}
    return event(ids, at(23, 20, 1), saml_user(), "ListMessages", params, None)


@fixture("conversation_or_attachment_deleted_by_iam_principal", "neg_delete_access_denied")
def _(ids: Ids) -> Record:
    return _delete_conv(ids, at(23, 20, 4), saml_user(), error=DENIED)


@fixture("conversation_purge_by_one_iam_principal", "pos_11_conversations_in_4_minutes")
def _(ids: Ids) -> Any:
    return _purge(ids, 11, 24, [saml_user()])


@fixture("conversation_purge_by_one_iam_principal", "neg_9_conversations_one_short")
def _(ids: Ids) -> Any:
    return _purge(ids, 9, 24, [saml_user()])


@fixture("conversation_purge_by_one_iam_principal", "neg_10_conversations_over_11_minutes")
def _(ids: Ids) -> Any:
    return _purge(ids, 10, 70, [saml_user()])
