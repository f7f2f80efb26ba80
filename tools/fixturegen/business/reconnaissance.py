"""AQ-18: configuration reads outside the console and reconnaissance bursts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ..common.identities import Caller
from ..common.records import Error, Record
from .records import DENIED, Catalogue, Ids, at, burst, event
from .world import APP, INDEX, PLUGINS, admin_console, app_arn, cli_user

catalogue = Catalogue()
fixture = catalogue.fixture

# AQ-18 ----------------------------------------------------------------------------------

RECON_READS: list[tuple[str, dict[str, Any]]] = [
    ("ListApplications", {}),
    ("GetApplication", {"applicationId": APP}),
    ("ListIndices", {"applicationId": APP}),
    ("ListDataSources", {"applicationId": APP, "indexId": INDEX}),
    ("ListRetrievers", {"applicationId": APP}),
    ("ListPlugins", {"applicationId": APP}),
    ("ListPluginActions", {"applicationId": APP, "pluginId": PLUGINS[0]}),
    ("ListWebExperiences", {"applicationId": APP}),
    ("GetChatControlsConfiguration", {"applicationId": APP}),
    ("ListDataAccessors", {"applicationId": APP}),
    ("GetPolicy", {"applicationId": APP}),
]
RECON = cli_user("qbusiness.list-applications", "svc-reporting")


def _read(
    ids: Ids,
    when: datetime,
    name: str,
    params: dict[str, Any],
    caller: Caller = RECON,
    error: Error | None = None,
) -> Record:
    return event(ids, when, caller, name, params, None, error=error)


@fixture("configuration_read_outside_console", "pos_cli_lists_plugins")
def _(ids: Ids) -> Record:
    return _read(ids, at(28, 3, 2, 17), "ListPlugins", {"applicationId": APP})


@fixture("configuration_read_outside_console", "neg_console_page_load")
def _(ids: Ids) -> Record:
    return _read(ids, at(28, 3, 3), "ListPlugins", {"applicationId": APP}, admin_console())


@fixture("configuration_read_outside_console", "neg_list_tags_for_resource")
def _(ids: Ids) -> Record:
    return _read(ids, at(28, 3, 4), "ListTagsForResource", {"resourceARN": app_arn()})


@fixture("configuration_read_outside_console", "neg_list_data_accessors_denied")
def _(ids: Ids) -> Record:
    return _read(ids, at(28, 3, 5), "ListDataAccessors", {"applicationId": APP}, error=DENIED)


def _recon(
    ids: Ids, reads: list[tuple[str, dict[str, Any]]], step: float, caller: Caller = RECON
) -> Any:
    return burst(
        ids,
        at(29, 3, 0),
        step,
        len(reads),
        lambda ids, when, i: _read(ids, when, *reads[i], caller=caller),
    )


@fixture("configuration_reconnaissance", "pos_eleven_kinds_in_3_minutes")
def _(ids: Ids) -> Any:
    return _recon(ids, RECON_READS, 17)


@fixture("configuration_reconnaissance", "neg_same_reads_from_console")
def _(ids: Ids) -> Any:
    return _recon(ids, RECON_READS, 17, admin_console())


@fixture("configuration_reconnaissance", "neg_seven_kinds_repeated")
def _(ids: Ids) -> Any:
    return _recon(ids, RECON_READS[:7] * 2, 20)


@fixture("configuration_reconnaissance", "neg_eight_kinds_over_12_minutes")
def _(ids: Ids) -> Any:
    return _recon(ids, RECON_READS[:8], 100)
