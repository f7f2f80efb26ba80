"""AQ-13 to AQ-15: web-experience identity and embedding, application settings, user mappings."""

from __future__ import annotations

from typing import Any

from ..common.identities import ACCOUNT, REGION, Caller
from ..common.records import Error, Record
from .applications import create_app
from .records import DENIED, Catalogue, Ids, at, event, token
from .world import (
    APP,
    DATA_SOURCE,
    INDEX,
    WEB_EXPERIENCE,
    admin_console,
    app_arn,
    cli_role,
    cli_user,
    qbusiness_service,
    role_arn,
)

catalogue = Catalogue()
fixture = catalogue.fixture

# AQ-13 / AQ-14 --------------------------------------------------------------------------


def _update_web(ids: Ids, extra: dict[str, Any], error: Error | None = None) -> Record:
    params = {"applicationId": APP, "webExperienceId": WEB_EXPERIENCE, **extra}
    return event(
        ids,
        at(20, 18, 5, 36),
        admin_console("mallory@example.com"),
        "UpdateWebExperience",
        params,
        None,
        error=error,
    )


SAML_SWAP = {
    "identityProviderConfiguration": {
        "samlConfiguration": {"authenticationUrl": "https://idp.example.net/saml2/sso"}
    }
}


@fixture("web_experience_identity_provider_or_embedding_changed", "pos_saml_login_url_swapped")
def _(ids: Ids) -> Record:
    return _update_web(ids, SAML_SWAP)


@fixture("web_experience_identity_provider_or_embedding_changed", "pos_embedding_origin_added")
def _(ids: Ids) -> Record:
    return _update_web(
        ids, {"origins": ["https://intranet.example.com", "https://portal.example.net"]}
    )


@fixture(
    "web_experience_identity_provider_or_embedding_changed", "pos_created_with_oidc_and_custom_css"
)
def _(ids: Ids) -> Record:
    params = {
        "applicationId": APP,
        "title": "Ask Finance",
        "roleArn": role_arn("QBusinessWebExperienceRole"),
        "identityProviderConfiguration": {
            "openIDConnectConfiguration": {
                "secretsArn": (
                    f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:qbusiness-oidc-AbCdEf"
                ),
                "secretsRole": role_arn("QBusinessOidcSecretRole"),
            }
        },
        "customizationConfiguration": {
            "customCSSUrl": "https://cdn.example.net/qbiz/theme.css",
            "logoUrl": "https://cdn.example.net/qbiz/logo.png",
        },
        "clientToken": token(ids),
    }
    response = {
        "webExperienceId": WEB_EXPERIENCE,
        "webExperienceArn": f"{app_arn()}/web-experience/{WEB_EXPERIENCE}",
    }
    return event(ids, at(20, 17, 40, 2), admin_console(), "CreateWebExperience", params, response)


@fixture(
    "web_experience_identity_provider_or_embedding_changed", "pos_legacy_saml_metadata_replaced"
)
def _(ids: Ids) -> Record:
    return _update_web(
        ids,
        {
            "authenticationConfiguration": {
                "samlConfiguration": {
                    "metadataXML": "HIDDEN_DUE_TO_SECURITY_REASONS",
                    "roleArn": role_arn("QBusinessSamlRole"),
                    "userIdAttribute": "email",
                    "userGroupAttribute": "groups",
                }
            }
        },
    )


@fixture("web_experience_identity_provider_or_embedding_changed", "neg_branding_changed")
def _(ids: Ids) -> Record:
    return _update_web(
        ids,
        {
            "title": "Ask Finance",
            "subtitle": "Policies and procedures",
            "welcomeMessage": "Hi! Ask me about expense policy.",
            "samplePromptsControlMode": "ENABLED",
        },
    )


@fixture("web_experience_identity_provider_or_embedding_changed", "neg_get_web_experience")
def _(ids: Ids) -> Record:
    params = {"applicationId": APP, "webExperienceId": WEB_EXPERIENCE}
    return event(ids, at(20, 18, 4), admin_console(), "GetWebExperience", params, None)


@fixture("web_experience_identity_provider_or_embedding_changed", "neg_saml_swap_access_denied")
def _(ids: Ids) -> Record:
    return _update_web(ids, SAML_SWAP, DENIED)


def _update_app(ids: Ids, extra: dict[str, Any], error: Error | None = None) -> Record:
    params = {"applicationId": APP, **extra}
    return event(
        ids,
        at(21, 7, 55, 12),
        cli_role("qbusiness.update-application"),
        "UpdateApplication",
        params,
        None,
        error=error,
    )


LOOSEN = {
    "attachmentsConfiguration": {"attachmentsControlMode": "ENABLED"},
    "qAppsConfiguration": {"qAppsControlMode": "ENABLED"},
}


@fixture("application_settings_loosened", "pos_attachments_and_q_apps_enabled")
def _(ids: Ids) -> Record:
    return _update_app(ids, LOOSEN)


@fixture("application_settings_loosened", "pos_service_role_replaced")
def _(ids: Ids) -> Record:
    return _update_app(ids, {"roleArn": role_arn("QBusinessAppRoleV2")})


@fixture("application_settings_loosened", "pos_auto_subscribe_and_idc_instance_changed")
def _(ids: Ids) -> Record:
    return _update_app(
        ids,
        {
            "identityCenterInstanceArn": "arn:aws:sso:::instance/ssoins-fedcba0987654321",
            "autoSubscriptionConfiguration": {
                "autoSubscribe": "ENABLED",
                "defaultSubscriptionType": "Q_BUSINESS",
            },
        },
    )


@fixture("application_settings_loosened", "neg_attachments_disabled_and_renamed")
def _(ids: Ids) -> Record:
    return _update_app(
        ids,
        {
            "displayName": "hr-assistant-prod",
            "attachmentsConfiguration": {"attachmentsControlMode": "DISABLED"},
            "autoSubscriptionConfiguration": {"autoSubscribe": "DISABLED"},
        },
    )


@fixture("application_settings_loosened", "neg_create_application_with_attachments")
def _(ids: Ids) -> Record:
    return create_app(ids, "AWS_IAM_IDC")


@fixture("application_settings_loosened", "neg_loosening_access_denied")
def _(ids: Ids) -> Record:
    return _update_app(ids, LOOSEN, DENIED)


# AQ-15 ----------------------------------------------------------------------------------


def _update_user(ids: Ids, caller: Caller, error: Error | None = None) -> Record:
    params = {
        "applicationId": APP,
        "userId": "eve@example.com",
        "userAliasesToUpdate": [
            {"indexId": INDEX, "dataSourceId": DATA_SOURCE, "userId": "cfo@example.com"}
        ],
    }
    response = {
        "userAliasesAdded": [],
        "userAliasesDeleted": [],
        "userAliasesUpdated": params["userAliasesToUpdate"],
    }
    return event(ids, at(22, 0, 41, 18), caller, "UpdateUser", params, response, error=error)


def _put_group(ids: Ids, caller: Caller) -> Record:
    params = {
        "applicationId": APP,
        "indexId": INDEX,
        "groupName": "finance-leadership",
        "dataSourceId": DATA_SOURCE,
        "type": "DATASOURCE",
        "groupMembers": {
            "memberUsers": [
                {"userId": "eve@example.com", "type": "DATASOURCE"},
                {"userId": "cfo@example.com", "type": "DATASOURCE"},
            ]
        },
    }
    return event(ids, at(22, 0, 43, 2), caller, "PutGroup", params, None)


@fixture("index_user_or_group_mapping_changed", "pos_user_alias_pointed_at_cfo")
def _(ids: Ids) -> Record:
    return _update_user(ids, cli_user("qbusiness.update-user"))


@fixture("index_user_or_group_mapping_changed", "pos_group_membership_put")
def _(ids: Ids) -> Record:
    return _put_group(ids, cli_role("qbusiness.put-group"))


@fixture("index_user_or_group_mapping_changed", "neg_connector_group_sync")
def _(ids: Ids) -> Record:
    return _put_group(ids, qbusiness_service())


@fixture("index_user_or_group_mapping_changed", "neg_get_group")
def _(ids: Ids) -> Record:
    params = {
        "applicationId": APP,
        "indexId": INDEX,
        "groupName": "finance-leadership",
        "dataSourceId": DATA_SOURCE,
    }
    return event(ids, at(22, 0, 40), cli_role("qbusiness.get-group"), "GetGroup", params, None)


@fixture("index_user_or_group_mapping_changed", "neg_update_user_access_denied")
def _(ids: Ids) -> Record:
    return _update_user(ids, cli_user("qbusiness.update-user"), DENIED)
