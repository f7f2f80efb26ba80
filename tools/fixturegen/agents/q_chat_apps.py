"""Fixtures of the ``q_chat_apps`` rule: Amazon Q Developer in chat applications (chatbot)."""

from __future__ import annotations

from typing import Any

from ..common.identities import ACCOUNT
from ..common.records import Record
from .records import Fixtures, ddenied, event
from .world import ADMIN, T26

CHATBOT = "chatbot.amazonaws.com"


def _chatbot(name: str, req: Record | None = None, **kw: Any) -> Record:
    """The administrator's console call ``name`` to chatbot at ``T26`` (all mutating)."""
    return event(ADMIN, T26, CHATBOT, name, ro=False, req=req, **kw)


def q_chat_apps() -> Fixtures:
    a = ADMIN
    chan_arn = f"arn:aws:chatbot::{ACCOUNT}:chat-configuration/slack-channel/ops-alerts"
    role_arn = f"arn:aws:iam::{ACCOUNT}:role/ChatbotOpsRole"
    slack = {
        "SlackTeamId": "T07EA123LEP",
        "SlackChannelId": "C07EZ1ABC23",
        "SlackChannelName": "HIDDEN_DUE_TO_SECURITY_REASONS",
        "IamRoleArn": role_arn,
        "ConfigurationName": "ops-alerts",
        "LoggingLevel": "ERROR",
    }
    teams = {
        "ChannelId": "19:EXAMPLEchannel@thread.tacv2",
        "ChannelName": "HIDDEN_DUE_TO_SECURITY_REASONS",
        "TeamId": "a1b2c3d4-0000-4000-8000-EXAMPLEteam1",
        "TenantId": "b2c3d4e5-0000-4000-8000-EXAMPLEten1",
        "IamRoleArn": role_arn,
        "ConfigurationName": "platform-ops",
        "LoggingLevel": "INFO",
    }
    admin_guard = ["arn:aws:iam::aws:policy/AdministratorAccess"]
    ro_guard = ["arn:aws:iam::aws:policy/ReadOnlyAccess"]
    resp = {"ChannelConfiguration": {"ChatConfigurationArn": chan_arn}}
    return {
        "Q Developer Chat Channel Given Admin Access Or Loosened": {
            "pos_slack_channel_admin_guardrail": _chatbot(
                "CreateSlackChannelConfiguration",
                {
                    **slack,
                    "GuardrailPolicyArns": admin_guard,
                    "UserAuthorizationRequired": True,
                },
                resp=resp,
            ),
            "pos_teams_channel_without_guardrail": _chatbot(
                "CreateMicrosoftTeamsChannelConfiguration",
                {**teams, "UserAuthorizationRequired": True},
            ),
            "pos_account_user_authorization_off": _chatbot(
                "UpdateAccountPreferences",
                {"UserAuthorizationRequired": False, "TrainingDataCollectionEnabled": False},
            ),
            "neg_slack_channel_read_only_guardrail": _chatbot(
                "CreateSlackChannelConfiguration",
                {**slack, "GuardrailPolicyArns": ro_guard, "UserAuthorizationRequired": True},
                resp=resp,
            ),
            "neg_update_channel_keeps_guardrails": _chatbot(
                "UpdateSlackChannelConfiguration",
                {
                    "ChatConfigurationArn": chan_arn,
                    "SlackChannelId": "C07EZ1ABC23",
                    "LoggingLevel": "INFO",
                    "UserAuthorizationRequired": True,
                },
            ),
            "neg_account_user_authorization_on": _chatbot(
                "UpdateAccountPreferences",
                {"UserAuthorizationRequired": True, "TrainingDataCollectionEnabled": False},
            ),
            "neg_admin_channel_denied": _chatbot(
                "CreateSlackChannelConfiguration",
                {**slack, "GuardrailPolicyArns": admin_guard},
                err=ddenied(a, "chatbot", "CreateSlackChannelConfiguration"),
            ),
        },
    }
