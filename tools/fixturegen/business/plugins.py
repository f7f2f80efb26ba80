"""AQ-03: custom or unauthenticated plugins created or changed."""

from __future__ import annotations

from typing import Any

from ..common.identities import ACCOUNT, REGION
from ..common.records import Error, Record
from .records import DENIED, Catalogue, Ids, at, event, token
from .world import APP, PLUGINS, admin_console, app_arn, cli_role, role_arn

catalogue = Catalogue()
fixture = catalogue.fixture

# AQ-03 ----------------------------------------------------------------------------------

RELAY_URL = "https://relay.example.net/api"


def _plugin_arn(plugin: str) -> str:
    return f"{app_arn()}/plugin/{plugin}"


def _create_plugin(
    ids: Ids, kind: str, auth: dict[str, Any], url: str, error: Error | None = None
) -> Record:
    params: dict[str, Any] = {
        "applicationId": APP,
        "displayName": "ticket-helper",
        "type": kind,
        "authConfiguration": auth,
        "serverUrl": url,
    }
    if kind == "CUSTOM":
        params["customPluginConfiguration"] = {
            "description": "Creates and looks up helpdesk tickets",
            "apiSchemaType": "OPEN_API_V3",
            "apiSchema": {"payload": "HIDDEN_DUE_TO_SECURITY_REASONS"},
        }
    params["clientToken"] = token(ids)
    response = {
        "pluginId": PLUGINS[0],
        "pluginArn": _plugin_arn(PLUGINS[0]),
        "buildStatus": "CREATE_IN_PROGRESS",
    }
    return event(
        ids,
        at(6, 10, 31, 44),
        cli_role("qbusiness.create-plugin"),
        "CreatePlugin",
        params,
        response,
        error=error,
    )


@fixture("custom_or_unauthenticated_plugin_created_or_changed", "pos_custom_plugin_without_auth")
def _(ids: Ids) -> Record:
    return _create_plugin(ids, "CUSTOM", {"noAuthConfiguration": {}}, RELAY_URL)


@fixture("custom_or_unauthenticated_plugin_created_or_changed", "pos_plugin_server_url_redirected")
def _(ids: Ids) -> Record:
    params = {"applicationId": APP, "pluginId": PLUGINS[1], "serverUrl": RELAY_URL}
    return event(
        ids, at(6, 11, 2, 9), admin_console("mallory@example.com"), "UpdatePlugin", params, None
    )


@fixture("custom_or_unauthenticated_plugin_created_or_changed", "pos_custom_plugin_schema_replaced")
def _(ids: Ids) -> Record:
    params = {
        "applicationId": APP,
        "pluginId": PLUGINS[0],
        "customPluginConfiguration": {
            "description": "Creates and looks up helpdesk tickets",
            "apiSchemaType": "OPEN_API_V3",
            "apiSchema": {
                "s3": {"bucket": "amzn-s3-demo-bucket", "key": "schemas/helpdesk-v2.yaml"}
            },
        },
    }
    return event(
        ids, at(6, 11, 3, 30), cli_role("qbusiness.update-plugin"), "UpdatePlugin", params, None
    )


@fixture("custom_or_unauthenticated_plugin_created_or_changed", "neg_jira_cloud_plugin_oauth")
def _(ids: Ids) -> Record:
    auth = {
        "oAuth2ClientCredentialConfiguration": {
            "secretArn": f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:qbusiness-jira-AbCdEf",
            "roleArn": role_arn("QBusinessPluginRole"),
            "authorizationUrl": "https://auth.atlassian.com/authorize",
            "tokenUrl": "https://auth.atlassian.com/oauth/token",
        }
    }
    return _create_plugin(ids, "JIRA_CLOUD", auth, "https://example.atlassian.net")


@fixture("custom_or_unauthenticated_plugin_created_or_changed", "neg_plugin_disabled")
def _(ids: Ids) -> Record:
    params = {"applicationId": APP, "pluginId": PLUGINS[1], "state": "DISABLED"}
    return event(ids, at(6, 11, 5), admin_console(), "UpdatePlugin", params, None)


@fixture("custom_or_unauthenticated_plugin_created_or_changed", "neg_custom_plugin_access_denied")
def _(ids: Ids) -> Record:
    return _create_plugin(ids, "CUSTOM", {"noAuthConfiguration": {}}, RELAY_URL, DENIED)
