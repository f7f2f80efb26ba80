"""AQ-12: Q Business resources deleted, one at a time and en masse."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ..common.identities import Caller
from ..common.records import Error, Record
from .records import Catalogue, Ids, at, burst, event
from .world import (
    APP,
    DATA_ACCESSOR,
    DATA_SOURCE,
    INDEX,
    PLUGINS,
    RETRIEVER,
    WEB_EXPERIENCE,
    admin_console,
    cli_role,
    cli_user,
    cloudformation_role,
)

catalogue = Catalogue()
fixture = catalogue.fixture

# AQ-12 ----------------------------------------------------------------------------------

DELETES: dict[str, dict[str, str]] = {
    "DeleteApplication": {"applicationId": APP},
    "DeleteIndex": {"applicationId": APP, "indexId": INDEX},
    "DeleteDataSource": {"applicationId": APP, "indexId": INDEX, "dataSourceId": DATA_SOURCE},
    "DeleteRetriever": {"applicationId": APP, "retrieverId": RETRIEVER},
    "DeleteWebExperience": {"applicationId": APP, "webExperienceId": WEB_EXPERIENCE},
    "DeletePlugin": {"applicationId": APP, "pluginId": PLUGINS[0]},
    "DeleteDataAccessor": {"applicationId": APP, "dataAccessorId": DATA_ACCESSOR},
}
WIPER = cli_user("qbusiness.delete-index", "svc-reporting")


def _delete(
    ids: Ids,
    when: datetime,
    name: str,
    caller: Caller = WIPER,
    error: Error | None = None,
) -> Record:
    return event(ids, when, caller, name, DELETES[name], None, error=error)


@fixture("resource_deleted", "pos_index_deleted_from_cli")
def _(ids: Ids) -> Record:
    return _delete(ids, at(18, 2, 33, 41), "DeleteIndex")


@fixture("resource_deleted", "neg_cloudformation_teardown")
def _(ids: Ids) -> Record:
    return _delete(ids, at(18, 9, 0, 3), "DeleteApplication", cloudformation_role())


@fixture("resource_deleted", "neg_batch_delete_document")
def _(ids: Ids) -> Record:
    params = {
        "applicationId": APP,
        "indexId": INDEX,
        "documents": [{"documentId": "kb/policies/travel-policy-000.txt"}],
    }
    return event(ids, at(18, 2, 30), WIPER, "BatchDeleteDocument", params, {"failedDocuments": []})


@fixture("resource_deleted", "neg_delete_conflict")
def _(ids: Ids) -> Record:
    return _delete(
        ids,
        at(18, 2, 31),
        "DeleteIndex",
        error=("ConflictException", "The index has data sources attached. Delete them first."),
    )


def _delete_series(ids: Ids, step: float, names: list[str], callers: list[Caller]) -> Any:
    return burst(
        ids,
        at(19, 2, 30),
        step,
        len(names),
        lambda ids, when, i: _delete(ids, when, names[i], callers[i % len(callers)]),
    )


MASS = [
    "DeletePlugin",
    "DeletePlugin",
    "DeleteDataSource",
    "DeleteDataSource",
    "DeleteIndex",
    "DeleteApplication",
]


@fixture("mass_resource_deletion", "pos_six_deletions_in_7_minutes")
def _(ids: Ids) -> Any:
    return _delete_series(ids, 80, MASS, [WIPER])


@fixture("mass_resource_deletion", "neg_four_deletions_one_short")
def _(ids: Ids) -> Any:
    return _delete_series(ids, 80, MASS[:4], [WIPER])


@fixture("mass_resource_deletion", "neg_five_deletions_over_17_minutes")
def _(ids: Ids) -> Any:
    return _delete_series(ids, 250, MASS[:5], [WIPER])


TYPES = ["DeleteWebExperience", "DeleteRetriever", "DeleteIndex", "DeleteApplication"]


@fixture("multiple_resource_types_deleted", "pos_stack_torn_down_in_4_minutes")
def _(ids: Ids) -> Any:
    return _delete_series(ids, 70, TYPES, [WIPER])


@fixture("multiple_resource_types_deleted", "neg_one_type_six_times")
def _(ids: Ids) -> Any:
    return _delete_series(ids, 40, ["DeleteDataSource"] * 6, [WIPER])


@fixture("multiple_resource_types_deleted", "neg_three_types_three_principals")
def _(ids: Ids) -> Any:
    callers = [WIPER, cli_role("qbusiness.delete-retriever"), admin_console()]
    return _delete_series(ids, 60, TYPES[:3], callers)
