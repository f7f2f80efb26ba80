"""AQ-04 and AQ-19: chat messages (plugin invocations, per-user and per-principal volume)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ..common.identities import Caller
from ..common.records import Error, Record
from .records import DENIED, Catalogue, Ids, at, burst, event, token
from .world import APP, CONVERSATION, MESSAGE, PLUGINS, USERS, saml_user, web_user

catalogue = Catalogue()
fixture = catalogue.fixture

# AQ-04 ----------------------------------------------------------------------------------


def chat(
    ids: Ids,
    when: datetime,
    caller: Caller,
    mode: str = "RETRIEVAL_MODE",
    plugin: str | None = None,
    action: bool = False,
    error: Error | None = None,
    name: str = "ChatSync",
) -> Record:
    """A chat message (``ChatSync``); ``plugin`` selects PLUGIN_MODE's plugin, or with ``action``
    the plugin action the message executes."""
    params: dict[str, Any] = {
        "applicationId": APP,
        "conversationId": CONVERSATION,
        "parentMessageId": MESSAGE,
    }
    params["chatMode"] = mode
    if plugin is not None and not action:
        params["chatModeConfiguration"] = {"pluginConfiguration": {"pluginId": plugin}}
    if action and plugin is not None:
        params["actionExecution"] = {
            "pluginId": plugin,
            "payloadFieldNameSeparator": ".",
            "payload": {"summary": {"value": "VPN access request"}, "priority": {"value": "3"}},
        }
    params["clientToken"] = token(ids)
    return event(ids, when, caller, name, params, None, error=error)


@fixture("plugin_invoked_from_chat", "pos_plugin_mode_message")
def _(ids: Ids) -> Record:
    return chat(ids, at(7, 14, 3, 27), web_user(), "PLUGIN_MODE", PLUGINS[0])


@fixture("plugin_invoked_from_chat", "pos_plugin_action_executed")
def _(ids: Ids) -> Record:
    return chat(ids, at(7, 14, 4, 2), web_user(), "PLUGIN_MODE", PLUGINS[0], action=True)


@fixture("plugin_invoked_from_chat", "neg_retrieval_mode_message")
def _(ids: Ids) -> Record:
    return chat(ids, at(7, 14, 1), web_user())


@fixture("plugin_invoked_from_chat", "neg_put_feedback")
def _(ids: Ids) -> Record:
    params = {
        "applicationId": APP,
        "conversationId": CONVERSATION,
        "messageId": MESSAGE,
        "messageUsefulness": {"usefulness": "USEFUL", "submittedAt": "2026-11-07T14:05:00Z"},
    }
    return event(ids, at(7, 14, 5), web_user(), "PutFeedback", params, None)


@fixture("plugin_invoked_from_chat", "neg_plugin_mode_throttled")
def _(ids: Ids) -> Record:
    return chat(
        ids,
        at(7, 14, 3),
        web_user(),
        "PLUGIN_MODE",
        PLUGINS[0],
        error=("ThrottlingException", "Rate exceeded"),
    )


def _plugin_series(ids: Ids, step: float, plan: list[tuple[str, str]]) -> Any:
    return burst(
        ids,
        at(8, 16, 0),
        step,
        len(plan),
        lambda ids, when, i: chat(ids, when, web_user(plan[i][0]), "PLUGIN_MODE", plan[i][1]),
    )


@fixture("user_invoking_many_distinct_plugins", "pos_three_plugins_in_25_minutes")
def _(ids: Ids) -> Any:
    u = USERS[0]
    plan = [
        (u, PLUGINS[0]),
        (u, PLUGINS[0]),
        (u, PLUGINS[1]),
        (u, PLUGINS[1]),
        (u, PLUGINS[2]),
        (u, PLUGINS[2]),
    ]
    return _plugin_series(ids, 300, plan)


@fixture("user_invoking_many_distinct_plugins", "neg_two_plugins_many_times")
def _(ids: Ids) -> Any:
    return _plugin_series(ids, 120, [(USERS[0], PLUGINS[i % 2]) for i in range(10)])


@fixture("user_invoking_many_distinct_plugins", "neg_third_plugin_after_80_minutes")
def _(ids: Ids) -> Any:
    return _plugin_series(ids, 2400, [(USERS[0], p) for p in PLUGINS])


@fixture("user_invoking_many_distinct_plugins", "neg_three_plugins_three_users")
def _(ids: Ids) -> Any:
    return _plugin_series(ids, 120, [(USERS[i], PLUGINS[i]) for i in range(3)] * 2)


# AQ-19 ----------------------------------------------------------------------------------


@fixture("chat_message_by_user", "pos_web_user_chat_sync")
def _(ids: Ids) -> Record:
    return chat(ids, at(2, 9, 15, 3), web_user())


@fixture("chat_message_by_user", "neg_saml_user_chat")
def _(ids: Ids) -> Record:
    return chat(ids, at(2, 9, 16), saml_user())


@fixture("chat_message_by_user", "neg_list_messages")
def _(ids: Ids) -> Record:
    params = {"applicationId": APP, "conversationId": CONVERSATION}
    return event(ids, at(2, 9, 17), web_user(), "ListMessages", params, None)


@fixture("chat_message_by_user", "neg_chat_throttled")
def _(ids: Ids) -> Record:
    return chat(ids, at(2, 9, 18), web_user(), error=("ThrottlingException", "Rate exceeded"))


@fixture("chat_message_by_iam_principal", "pos_saml_user_chat_sync")
def _(ids: Ids) -> Record:
    return chat(ids, at(2, 10, 15, 3), saml_user())


@fixture("chat_message_by_iam_principal", "neg_web_user_with_idc_context")
def _(ids: Ids) -> Record:
    return chat(ids, at(2, 10, 16), web_user())


@fixture("chat_message_by_iam_principal", "neg_put_feedback")
def _(ids: Ids) -> Record:
    params = {
        "applicationId": APP,
        "conversationId": CONVERSATION,
        "messageId": MESSAGE,
        "messageUsefulness": {
            "usefulness": "NOT_USEFUL",
            "reason": "NOT_FACTUALLY_CORRECT",
            "submittedAt": "2026-11-02T10:16:30Z",
        },
    }
    return event(ids, at(2, 10, 16, 31), saml_user(), "PutFeedback", params, None)


@fixture("chat_message_by_iam_principal", "neg_chat_access_denied")
def _(ids: Ids) -> Record:
    return chat(ids, at(2, 10, 17), saml_user(), error=DENIED)


def _chat_series(ids: Ids, count: int, step: float, callers: list[Caller]) -> Any:
    return burst(
        ids,
        at(1, 1, 0),
        step,
        count,
        lambda ids, when, i: chat(ids, when, callers[i % len(callers)]),
    )


@fixture("high_volume_chat_by_one_user", "pos_78_messages_in_13_minutes")
def _(ids: Ids) -> Any:
    return _chat_series(ids, 78, 10, [web_user()])


@fixture("high_volume_chat_by_one_user", "neg_74_messages_one_short")
def _(ids: Ids) -> Any:
    return _chat_series(ids, 74, 10, [web_user()])


@fixture("high_volume_chat_by_one_user", "neg_80_messages_two_users_same_role")
def _(ids: Ids) -> Any:
    return _chat_series(ids, 80, 10, [web_user(USERS[0]), web_user(USERS[1], "198.51.100.42")])


@fixture("high_volume_chat_by_one_iam_principal", "pos_75_messages_in_12_minutes")
def _(ids: Ids) -> Any:
    return _chat_series(ids, 75, 10, [saml_user()])


@fixture("high_volume_chat_by_one_iam_principal", "neg_74_messages_one_short")
def _(ids: Ids) -> Any:
    return _chat_series(ids, 74, 10, [saml_user()])


@fixture("high_volume_chat_by_one_iam_principal", "neg_75_messages_over_16_minutes")
def _(ids: Ids) -> Any:
    return _chat_series(ids, 75, 13, [saml_user()])
