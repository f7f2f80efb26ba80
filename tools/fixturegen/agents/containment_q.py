"""Fixtures of the containment rules about Amazon Q: admin changes, root, follow-up containment.

The correlations start from Amazon Q activity (:mod:`.q_activity`) or a Q Business admin change at
``T0`` and follow with the IAM call the playbook's containment steps make (or an intruder's).
"""

from __future__ import annotations

from typing import Any

from ..common.identities import ACCOUNT, EXTERNAL_ACCOUNT, Caller, iam_user
from ..common.records import Record, shift
from ..common.user_agents import WINDOWS_CHROME
from .iam_calls import ALICE_KEY, REVOKE_SESSIONS, iam, key_resp
from .q_activity import cw_generate, q_send_message
from .q_agent import q_agent
from .q_developer import q_developer
from .records import Fixtures, ddenied, event
from .world import (
    ADMIN,
    IAM_CONSOLE,
    IDC_PRINCIPAL,
    POWER,
    QB_APP,
    QB_APP_ARN,
    ROOT_CONSOLE,
    SECOPS,
    T26,
)

QB = "qbusiness.amazonaws.com"
T0 = "2026-11-18T15:05:09Z"  # start of the correlation windows
ALICE = Caller(iam_user(ACCOUNT, "alice"), WINDOWS_CHROME, "198.51.100.40", True)
POWER_USER = Caller(POWER, WINDOWS_CHROME, "198.51.100.41", True)
BOB_KEY = {"userName": "bob", "accessKeyId": "AKIAI44QH8DHBEXAMPLE", "status": "Inactive"}
ACCESSOR = {
    "principal": f"arn:aws:iam::{EXTERNAL_ACCOUNT}:role/isv-data-accessor",
    "actionConfigurations": [{"action": "qbusiness:SearchRelevantContent"}],
    "displayName": "HIDDEN_DUE_TO_SECURITY_REASONS",
}
PLUGIN = {
    "displayName": "ticket-helper",
    "type": "CUSTOM",
    "serverUrl": "https://api.example.net",
    "authConfiguration": {"noAuthConfiguration": {}},
    "customPluginConfiguration": {
        "description": "helper",
        "apiSchemaType": "OPEN_API_V3",
        "apiSchema": {"payload": "HIDDEN_DUE_TO_SECURITY_REASONS"},
    },
}


def qb_admin(c: Caller, when: str, name: str, req: Record, ro: bool = False, **kw: Any) -> Record:
    """A Q Business call on the application ``QB_APP``."""
    return event(c, when, QB, name, ro=ro, req={"applicationId": QB_APP, **req}, **kw)


def _create_application(c: Caller, token: str) -> Record:
    """An Identity Center Q Business application created in the console."""
    req = {
        "displayName": "hr-assistant",
        "identityType": "AWS_IAM_IDC",
        "identityCenterInstanceArn": "arn:aws:sso:::instance/ssoins-EXAMPLE1234567890",
        "clientToken": token,
    }
    resp = {"applicationId": QB_APP, "applicationArn": QB_APP_ARN}
    return event(c, T26, QB, "CreateApplication", ro=False, req=req, resp=resp)


def _plugin_then_key(key_creator: Caller, seconds: int) -> list[Record]:
    """SECOPS adds a plugin at ``T0``; ``key_creator`` creates an access key ``seconds`` later."""
    return [
        qb_admin(SECOPS, T0, "CreatePlugin", PLUGIN),
        iam(
            key_creator,
            shift(T0, seconds),
            "CreateAccessKey",
            {"userName": "svc-reporting"},
            resp=key_resp("svc-reporting", "AKIAI44QH8DHEEXAMPLE"),
        ),
    ]


def _q_then_iam(user: Caller, seconds: int, name: str, req: Record) -> list[Record]:
    """``user`` chats with Amazon Q at ``T0``; the IAM console calls ``name`` ``seconds`` later
    (negative: before the chat)."""
    chat = q_send_message(user, shift(T0, max(0, -seconds)))
    containment = iam(IAM_CONSOLE, shift(T0, max(0, seconds)), name, req)
    return [chat, containment] if seconds >= 0 else [containment, chat]


def q_fixtures() -> Fixtures:
    s, a = SECOPS, ADMIN
    developer = q_developer()
    return {
        "Amazon Q Administrative Change": {
            "pos_q_business_create_data_accessor": qb_admin(a, T26, "CreateDataAccessor", ACCESSOR),
            "pos_q_developer_create_customization": developer[
                "Q Developer Customization Created Or Widened"
            ]["pos_create_customization"],
            "neg_q_business_get_plugin": qb_admin(
                a, T26, "GetPlugin", {"pluginId": "EXAMPLEPLUGIN2"}, ro=True
            ),
            "neg_q_business_create_plugin_denied": qb_admin(
                a, T26, "CreatePlugin", PLUGIN, err=ddenied(a, "qbusiness", "CreatePlugin")
            ),
            "neg_q_developer_console_plugin": developer[
                "Q Developer Plugin Or OAuth Connection Registered"
            ]["pos_create_plugin"],
        },
        "IAM Persistence Right After Amazon Q Admin Change": {
            "pos_plugin_then_access_key_20_minutes_later": _plugin_then_key(s, 1200),
            "neg_61_minutes_apart": _plugin_then_key(s, 3660),
            "neg_different_identities": _plugin_then_key(a, 600),
            "neg_admin_change_only": [
                qb_admin(s, T0, "CreatePlugin", PLUGIN),
                qb_admin(s, shift(T0, 300), "CreateDataAccessor", ACCESSOR),
            ],
        },
        "Root User Administering Amazon Q": {
            "pos_root_creates_q_business_application": _create_application(
                ROOT_CONSOLE, "7a8b9c0d-1e2f-4a3b-8c4d-EXAMPLEtok04"
            ),
            "pos_root_assigns_q_developer": event(
                ROOT_CONSOLE,
                T26,
                "q.amazonaws.com",
                "CreateAssignment",
                ro=False,
                req={"principalId": IDC_PRINCIPAL, "principalType": "USER"},
            ),
            "neg_admin_creates_q_business_application": _create_application(
                a, "7a8b9c0d-1e2f-4a3b-8c4d-EXAMPLEtok05"
            ),
            "neg_root_iam_call": iam(ROOT_CONSOLE, T26, "GetAccountSummary", None, ro=True),
        },
        "Amazon Q API Activity": {
            "pos_console_chat_message": q_send_message(ALICE, T0),
            "pos_q_cli_model_call": cw_generate(T0),
            "neg_s3_call_made_by_q": q_agent()["Amazon Q Console Agent Write On Behalf Of User"][
                "neg_list_buckets_via_q_chat"
            ],
            "neg_iam_get_user": iam(s, T26, "GetUser", {"userName": "alice"}, ro=True),
        },
        "Access Key Of Amazon Q User Deactivated Or Deleted": {
            "pos_q_user_key_deactivated_3_hours_later": _q_then_iam(
                ALICE, 10800, "UpdateAccessKey", ALICE_KEY
            ),
            "neg_other_user_key_deactivated": _q_then_iam(ALICE, 10800, "UpdateAccessKey", BOB_KEY),
            "neg_key_deactivated_25_hours_later": _q_then_iam(
                ALICE, 90000, "UpdateAccessKey", ALICE_KEY
            ),
            "neg_key_deactivated_before_q_activity": _q_then_iam(
                ALICE, -600, "UpdateAccessKey", ALICE_KEY
            ),
        },
        "Sessions Of Amazon Q Role Revoked": {
            "pos_q_role_sessions_revoked_2_hours_later": _q_then_iam(
                POWER_USER, 7200, "PutRolePolicy", REVOKE_SESSIONS
            ),
            "neg_other_role_revoked": _q_then_iam(
                POWER_USER, 7200, "PutRolePolicy", {**REVOKE_SESSIONS, "roleName": "ReadOnly"}
            ),
            "neg_revoked_25_hours_later": _q_then_iam(
                POWER_USER, 90000, "PutRolePolicy", REVOKE_SESSIONS
            ),
        },
    }
