"""AQ-07 to AQ-09: data accessors, resource-policy permissions, cross-account search."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from ..common.identities import ACCOUNT, Caller
from ..common.records import Error, Record
from .records import DENIED, Catalogue, Ids, at, burst, event, token
from .world import (
    APP,
    DATA_ACCESSOR,
    ISV_ACCOUNT,
    RETRIEVER,
    admin_console,
    app_arn,
    cli_role,
    isv_role,
    sdk_role,
)

catalogue = Catalogue()
fixture = catalogue.fixture

# AQ-07 / AQ-08 --------------------------------------------------------------------------

ISV_PRINCIPAL = f"arn:aws:iam::{ISV_ACCOUNT}:role/isv-data-accessor"
SEARCH_ACTION = {"action": "qbusiness:SearchRelevantContent"}


def _accessor_arn() -> str:
    return f"{app_arn()}/data-accessor/{DATA_ACCESSOR}"


def _create_accessor(ids: Ids, error: Error | None = None) -> Record:
    params = {
        "applicationId": APP,
        "principal": ISV_PRINCIPAL,
        "actionConfigurations": [SEARCH_ACTION],
        "clientToken": token(ids),
        "displayName": "HIDDEN_DUE_TO_SECURITY_REASONS",
        "authenticationDetail": {"authenticationType": "AWS_IAM_IDC_AUTH_CODE"},
    }
    response = {
        "dataAccessorId": DATA_ACCESSOR,
        "idcApplicationArn": (
            f"arn:aws:sso::{ACCOUNT}:application/ssoins-1234567890abcdef/apl-1234567890abcdef"
        ),
        "dataAccessorArn": _accessor_arn(),
    }
    return event(
        ids,
        at(11, 15, 20, 19),
        admin_console(),
        "CreateDataAccessor",
        params,
        response,
        error=error,
    )


@fixture("data_accessor_created_or_updated", "pos_external_isv_accessor_created")
def _(ids: Ids) -> Record:
    return _create_accessor(ids)


@fixture("data_accessor_created_or_updated", "pos_accessor_actions_widened")
def _(ids: Ids) -> Record:
    params = {
        "applicationId": APP,
        "dataAccessorId": DATA_ACCESSOR,
        "actionConfigurations": [SEARCH_ACTION, {"action": "qbusiness:ListRetrievers"}],
    }
    return event(
        ids,
        at(11, 16, 2),
        cli_role("qbusiness.update-data-accessor"),
        "UpdateDataAccessor",
        params,
        None,
    )


@fixture("data_accessor_created_or_updated", "neg_get_data_accessor")
def _(ids: Ids) -> Record:
    params = {"applicationId": APP, "dataAccessorId": DATA_ACCESSOR}
    return event(ids, at(11, 15, 25), admin_console(), "GetDataAccessor", params, None)


@fixture("data_accessor_created_or_updated", "neg_delete_data_accessor")
def _(ids: Ids) -> Record:
    params = {"applicationId": APP, "dataAccessorId": DATA_ACCESSOR}
    return event(ids, at(11, 17, 0), admin_console(), "DeleteDataAccessor", params, None)


@fixture("data_accessor_created_or_updated", "neg_create_access_denied")
def _(ids: Ids) -> Record:
    return _create_accessor(ids, DENIED)


STATEMENT_ID = "isv-search-access"


def _associate(ids: Ids, error: Error | None = None) -> Record:
    params = {
        "applicationId": APP,
        "statementId": STATEMENT_ID,
        "actions": ["qbusiness:SearchRelevantContent"],
        "principal": ISV_PRINCIPAL,
    }
    statement = json.dumps(
        {
            "Sid": STATEMENT_ID,
            "Effect": "Allow",
            "Principal": {"AWS": ISV_PRINCIPAL},
            "Action": ["qbusiness:SearchRelevantContent"],
            "Resource": app_arn(),
        },
        separators=(",", ":"),
    )
    return event(
        ids,
        at(11, 15, 22, 51),
        admin_console(),
        "AssociatePermission",
        params,
        {"statement": statement},
        error=error,
    )


def _disassociate(ids: Ids, error: Error | None = None) -> Record:
    params = {"applicationId": APP, "statementId": STATEMENT_ID}
    return event(
        ids,
        at(12, 8, 45, 2),
        admin_console("secops@example.com"),
        "DisassociatePermission",
        params,
        None,
        error=error,
    )


@fixture("application_resource_policy_permission_added", "pos_isv_granted_search")
def _(ids: Ids) -> Record:
    return _associate(ids)


@fixture("application_resource_policy_permission_added", "neg_statement_id_conflict")
def _(ids: Ids) -> Record:
    return _associate(
        ids,
        ("ConflictException", f"A statement with id {STATEMENT_ID} already exists in the policy"),
    )


@fixture("application_resource_policy_permission_added", "neg_disassociate_permission")
def _(ids: Ids) -> Record:
    return _disassociate(ids)


@fixture("application_resource_policy_permission_added", "neg_get_policy")
def _(ids: Ids) -> Record:
    return event(ids, at(11, 15, 23), admin_console(), "GetPolicy", {"applicationId": APP}, None)


@fixture("application_resource_policy_permission_removed", "pos_isv_access_removed")
def _(ids: Ids) -> Record:
    return _disassociate(ids)


@fixture("application_resource_policy_permission_removed", "neg_associate_permission")
def _(ids: Ids) -> Record:
    return _associate(ids)


@fixture("application_resource_policy_permission_removed", "neg_statement_not_found")
def _(ids: Ids) -> Record:
    return _disassociate(
        ids, ("ResourceNotFoundException", f"Statement {STATEMENT_ID} was not found in the policy")
    )


# AQ-09 ----------------------------------------------------------------------------------


def _search(
    ids: Ids,
    when: datetime,
    caller: Caller,
    recipient: str = ACCOUNT,
    error: Error | None = None,
) -> Record:
    params = {
        "applicationId": APP,
        "queryText": "2027 pricing strategy",
        "contentSource": {"retriever": {"retrieverId": RETRIEVER}},
        "maxResults": 10,
    }
    return event(
        ids, when, caller, "SearchRelevantContent", params, None, error=error, recipient=recipient
    )


INTERNAL_SEARCH = sdk_role("IntranetSearchBackend", "intranet-search", "192.0.2.80")


@fixture("cross_account_relevant_content_search", "pos_isv_search_in_owner_trail")
def _(ids: Ids) -> Record:
    return _search(ids, at(13, 1, 14, 55), isv_role())


@fixture("cross_account_relevant_content_search", "neg_same_account_search")
def _(ids: Ids) -> Record:
    return _search(ids, at(13, 1, 15), INTERNAL_SEARCH)


@fixture("cross_account_relevant_content_search", "neg_isv_copy_in_isv_trail")
def _(ids: Ids) -> Record:
    return _search(ids, at(13, 1, 14, 55), isv_role(), recipient=ISV_ACCOUNT)


@fixture("cross_account_relevant_content_search", "neg_cross_account_access_denied")
def _(ids: Ids) -> Record:
    return _search(ids, at(13, 1, 16), isv_role(), error=DENIED)


def _search_series(ids: Ids, count: int, step: float) -> Any:
    return burst(
        ids, at(14, 0, 0, 30), step, count, lambda ids, when, i: _search(ids, when, isv_role())
    )


@fixture("high_volume_cross_account_content_search", "pos_27_searches_in_13_minutes")
def _(ids: Ids) -> Any:
    return _search_series(ids, 27, 30)


@fixture("high_volume_cross_account_content_search", "neg_24_searches_one_short")
def _(ids: Ids) -> Any:
    return _search_series(ids, 24, 30)


@fixture("high_volume_cross_account_content_search", "neg_25_searches_over_16_minutes")
def _(ids: Ids) -> Any:
    return _search_series(ids, 25, 40)
