"""AQ-01 and AQ-02: applications with anonymous access and anonymous web-experience URLs."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from ..common.identities import REGION, Caller
from ..common.records import Error, Record
from .records import DENIED, Catalogue, Ids, at, burst, event, token
from .world import (
    APP,
    APP_ANON,
    WEB_EXPERIENCE,
    admin_console,
    app_arn,
    cli_role,
    role_arn,
    sdk_role,
)

catalogue = Catalogue()
fixture = catalogue.fixture

# AQ-01 ----------------------------------------------------------------------------------


def create_app(ids: Ids, identity_type: str, error: Error | None = None) -> Record:
    """CreateApplication in the console; ``identity_type`` ANONYMOUS or AWS_IAM_IDC."""
    params: dict[str, Any] = {
        "displayName": "public-faq-bot" if identity_type == "ANONYMOUS" else "hr-assistant",
        "identityType": identity_type,
        "roleArn": role_arn("QBusinessApplicationRole"),
        "description": "Answers questions from the public product FAQ",
        "attachmentsConfiguration": {"attachmentsControlMode": "ENABLED"},
        "clientToken": token(ids),
    }
    if identity_type == "AWS_IAM_IDC":
        params["identityCenterInstanceArn"] = "arn:aws:sso:::instance/ssoins-1234567890abcdef"
    response = {"applicationId": APP_ANON, "applicationArn": app_arn(APP_ANON)}
    return event(
        ids, at(3, 9, 14, 5), admin_console(), "CreateApplication", params, response, error=error
    )


@fixture("application_created_with_anonymous_access", "pos_console_anonymous_application")
def _(ids: Ids) -> Record:
    return create_app(ids, "ANONYMOUS")


@fixture("application_created_with_anonymous_access", "neg_identity_center_application")
def _(ids: Ids) -> Record:
    return create_app(ids, "AWS_IAM_IDC")


@fixture("application_created_with_anonymous_access", "neg_anonymous_access_denied")
def _(ids: Ids) -> Record:
    return create_app(ids, "ANONYMOUS", DENIED)


@fixture("application_created_with_anonymous_access", "neg_update_application")
def _(ids: Ids) -> Record:
    params = {
        "applicationId": APP,
        "displayName": "public-faq-bot",
        "description": "Answers questions from the public product FAQ",
    }
    return event(ids, at(3, 9, 20), admin_console(), "UpdateApplication", params, None)


# AQ-02 ----------------------------------------------------------------------------------

EMBED = sdk_role("QBusinessEmbedBackend", "embed-web-01", "192.0.2.44")


def _mint(
    ids: Ids,
    when: datetime,
    caller: Caller = EMBED,
    minutes: int = 15,
    error: Error | None = None,
) -> Record:
    params = {
        "applicationId": APP_ANON,
        "webExperienceId": WEB_EXPERIENCE,
        "sessionDurationInMinutes": minutes,
    }
    response = {
        "anonymousUrl": f"https://{WEB_EXPERIENCE[:8]}.chat.qbusiness.{REGION}.on.aws/"
        f"anonymous?token={ids()}"
    }
    return event(
        ids,
        when,
        caller,
        "CreateAnonymousWebExperienceUrl",
        params,
        response,
        error=error,
        app=APP_ANON,
    )


@fixture("anonymous_web_experience_url_created", "pos_embedding_backend_mint")
def _(ids: Ids) -> Record:
    return _mint(ids, at(4, 13, 2, 11))


@fixture("anonymous_web_experience_url_created", "neg_get_web_experience")
def _(ids: Ids) -> Record:
    params = {"applicationId": APP_ANON, "webExperienceId": WEB_EXPERIENCE}
    return event(
        ids,
        at(4, 13, 5),
        cli_role("qbusiness.get-web-experience"),
        "GetWebExperience",
        params,
        None,
        app=APP_ANON,
    )


@fixture("anonymous_web_experience_url_created", "neg_session_duration_rejected")
def _(ids: Ids) -> Record:
    error = (
        "ValidationException",
        "1 validation error detected: Value '90' at "
        "'sessionDurationInMinutes' failed to satisfy constraint: Member must have value "
        "less than or equal to 60",
    )
    return _mint(ids, at(4, 13, 3), minutes=90, error=error)


STOLEN = sdk_role("QBusinessEmbedBackend", "embed-web-01", "203.0.113.61")


def _mint_series(ids: Ids, count: int, step: float, callers: list[Caller]) -> Any:
    return burst(
        ids,
        at(5, 2, 10),
        step,
        count,
        lambda ids, when, i: _mint(ids, when, callers[i % len(callers)]),
    )


@fixture("anonymous_web_experience_url_minting_burst", "pos_22_urls_in_8_minutes")
def _(ids: Ids) -> Any:
    return _mint_series(ids, 22, 21, [STOLEN])


@fixture("anonymous_web_experience_url_minting_burst", "neg_19_urls_one_short")
def _(ids: Ids) -> Any:
    return _mint_series(ids, 19, 20, [STOLEN])


@fixture("anonymous_web_experience_url_minting_burst", "neg_20_urls_over_11_minutes")
def _(ids: Ids) -> Any:
    return _mint_series(ids, 20, 35, [STOLEN])


@fixture("anonymous_web_experience_url_minting_burst", "neg_24_urls_split_over_two_roles")
def _(ids: Ids) -> Any:
    other = sdk_role("QBusinessEmbedBackendEu", "embed-web-02", "192.0.2.45")
    return _mint_series(ids, 24, 20, [STOLEN, other])


def _ip_caller(ip: str, role: str = "QBusinessEmbedBackend") -> Caller:
    return replace(sdk_role(role, "embed-web-01"), source_ip=ip)


@fixture("anonymous_web_experience_urls_minted_from_many_ips", "pos_three_addresses_in_4_minutes")
def _(ids: Ids) -> Any:
    callers = [_ip_caller("192.0.2.44"), _ip_caller("203.0.113.61"), _ip_caller("198.51.100.9")]
    return _mint_series(ids, 6, 45, callers)


@fixture("anonymous_web_experience_urls_minted_from_many_ips", "neg_two_addresses")
def _(ids: Ids) -> Any:
    return _mint_series(ids, 10, 30, [_ip_caller("192.0.2.44"), _ip_caller("192.0.2.45")])


@fixture("anonymous_web_experience_urls_minted_from_many_ips", "neg_third_address_after_11_minutes")
def _(ids: Ids) -> Any:
    ips = ["192.0.2.44", "203.0.113.61", "198.51.100.9"]
    return _mint_series(ids, 3, 330, [_ip_caller(ip) for ip in ips])


@fixture("anonymous_web_experience_urls_minted_from_many_ips", "neg_three_addresses_three_roles")
def _(ids: Ids) -> Any:
    callers = [
        _ip_caller("192.0.2.44", "EmbedA"),
        _ip_caller("203.0.113.61", "EmbedB"),
        _ip_caller("198.51.100.9", "EmbedC"),
    ]
    return _mint_series(ids, 6, 30, callers)
