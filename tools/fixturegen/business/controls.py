"""AQ-05 and AQ-06: chat controls weakened or deleted."""

from __future__ import annotations

from typing import Any

from ..common.identities import Caller
from ..common.records import Error, Record
from .records import DENIED, Catalogue, Ids, at, event, token
from .world import APP, admin_console, cli_role

catalogue = Catalogue()
fixture = catalogue.fixture

# AQ-05 / AQ-06 --------------------------------------------------------------------------


def _chat_controls(
    ids: Ids,
    extra: dict[str, Any],
    caller: Caller | None = None,
    error: Error | None = None,
) -> Record:
    params = {"applicationId": APP, **extra, "clientToken": token(ids)}
    return event(
        ids,
        at(9, 22, 47, 3),
        caller or admin_console("mallory@example.com"),
        "UpdateChatControlsConfiguration",
        params,
        None,
        error=error,
    )


WEAKEN = {
    "responseScope": "EXTENDED_KNOWLEDGE_ENABLED",
    "blockedPhrasesConfigurationUpdate": {"blockedPhrasesToDelete": ["confidential", "project-x"]},
    "topicConfigurationsToDelete": [
        {"name": "hr-salary", "rules": [{"ruleType": "CONTENT_BLOCKER_RULE"}]}
    ],
    "hallucinationReductionConfiguration": {"hallucinationReductionControl": "DISABLED"},
}


@fixture("chat_controls_weakened", "pos_scope_widened_and_guardrails_deleted")
def _(ids: Ids) -> Record:
    return _chat_controls(ids, WEAKEN)


@fixture("chat_controls_weakened", "pos_creator_mode_enabled_from_cli")
def _(ids: Ids) -> Record:
    extra = {"creatorModeConfiguration": {"creatorModeControl": "ENABLED"}}
    return _chat_controls(ids, extra, cli_role("qbusiness.update-chat-controls-configuration"))


@fixture("chat_controls_weakened", "pos_orchestration_enabled")
def _(ids: Ids) -> Record:
    return _chat_controls(ids, {"orchestrationConfiguration": {"control": "ENABLED"}})


@fixture("chat_controls_weakened", "neg_blocked_phrases_added")
def _(ids: Ids) -> Record:
    extra = {
        "responseScope": "ENTERPRISE_CONTENT_ONLY",
        "blockedPhrasesConfigurationUpdate": {
            "blockedPhrasesToCreateOrUpdate": ["project-x", "merger"],
            "systemMessageOverride": "I can't help with that topic.",
        },
        "hallucinationReductionConfiguration": {"hallucinationReductionControl": "ENABLED"},
        "creatorModeConfiguration": {"creatorModeControl": "DISABLED"},
    }
    return _chat_controls(ids, extra, admin_console())


@fixture("chat_controls_weakened", "neg_get_chat_controls")
def _(ids: Ids) -> Record:
    return event(
        ids,
        at(9, 22, 40),
        admin_console(),
        "GetChatControlsConfiguration",
        {"applicationId": APP},
        None,
    )


@fixture("chat_controls_weakened", "neg_weakening_access_denied")
def _(ids: Ids) -> Record:
    return _chat_controls(
        ids,
        WEAKEN,
        cli_role("qbusiness.update-chat-controls-configuration", "QBusinessReadOnly", "eve"),
        DENIED,
    )


def _delete_controls(ids: Ids, error: Error | None = None) -> Record:
    return event(
        ids,
        at(10, 3, 12, 40),
        cli_role("qbusiness.delete-chat-controls-configuration"),
        "DeleteChatControlsConfiguration",
        {"applicationId": APP},
        None,
        error=error,
    )


@fixture("chat_controls_configuration_deleted", "pos_cli_delete")
def _(ids: Ids) -> Record:
    return _delete_controls(ids)


@fixture("chat_controls_configuration_deleted", "neg_get_chat_controls")
def _(ids: Ids) -> Record:
    return event(
        ids,
        at(10, 3, 11),
        cli_role("qbusiness.get-chat-controls-configuration"),
        "GetChatControlsConfiguration",
        {"applicationId": APP},
        None,
    )


@fixture("chat_controls_configuration_deleted", "neg_delete_resource_not_found")
def _(ids: Ids) -> Record:
    return _delete_controls(
        ids,
        ("ResourceNotFoundException", f"Application {APP} does not have chat controls configured"),
    )
