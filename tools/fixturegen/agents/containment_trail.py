"""Fixtures of the containment rules on CloudTrail itself: logging stopped, selectors changed.

Every call is made by the security operator ``SECOPS`` with the AWS CLI.
"""

from __future__ import annotations

from typing import Any

from ..common.identities import ACCOUNT, REGION
from ..common.records import Record
from .records import Fixtures, ddenied, event
from .world import SECOPS, T26

CT = "cloudtrail.amazonaws.com"
TRAIL = f"arn:aws:cloudtrail:{REGION}:{ACCOUNT}:trail/org-management-events"
EVENT_DATA_STORE = (
    f"arn:aws:cloudtrail:{REGION}:{ACCOUNT}:eventdatastore/EXAMPLE-f852-4e8f-8bd1-bcf6cEXAMPLE"
)
SELECTOR: Record = {
    "dataResources": [],
    "excludeManagementEventSources": [],
    "includeManagementEvents": False,
    "readWriteType": "All",
}
EXCLUDE: Record = {"eventSelectors": [SELECTOR], "trailName": TRAIL}  # management events off
KEEP = {**EXCLUDE, "eventSelectors": [{**SELECTOR, "includeManagementEvents": True}]}


def _trail_call(name: str, req: Record, **kw: Any) -> Record:
    """SECOPS calling CloudTrail ``name`` at ``T26`` (read-only for ``Get...``)."""
    return event(SECOPS, T26, CT, name, ro=name.startswith("Get"), req=req, **kw)


def _denied(name: str, req: Record) -> Record:
    return _trail_call(name, req, err=ddenied(SECOPS, "cloudtrail", name, "AccessDenied"))


def trail_fixtures() -> Fixtures:
    return {
        "CloudTrail Logging Stopped Or Trail Deleted": {
            "pos_stop_logging": _trail_call(
                "StopLogging", {"name": TRAIL}, command="cloudtrail.stop-logging"
            ),
            "pos_delete_event_data_store": _trail_call(
                "DeleteEventDataStore",
                {"eventDataStore": EVENT_DATA_STORE},
                command="cloudtrail.delete-event-data-store",
            ),
            "neg_start_logging": _trail_call("StartLogging", {"name": TRAIL}),
            "neg_stop_logging_denied": _denied("StopLogging", {"name": TRAIL}),
            "neg_update_trail": _trail_call(
                "UpdateTrail", {"name": TRAIL, "isMultiRegionTrail": True}
            ),
        },
        "CloudTrail Trail Or Event Selectors Changed": {
            "pos_put_event_selectors": _trail_call("PutEventSelectors", KEEP),
            "pos_update_trail": _trail_call(
                "UpdateTrail", {"name": TRAIL, "isMultiRegionTrail": False}
            ),
            "neg_get_event_selectors": _trail_call("GetEventSelectors", {"trailName": TRAIL}),
            "neg_put_event_selectors_denied": _denied("PutEventSelectors", EXCLUDE),
        },
        "CloudTrail Management Events Excluded By Event Selectors": {
            "pos_management_events_excluded": _trail_call(
                "PutEventSelectors", EXCLUDE, resp={**EXCLUDE, "trailARN": TRAIL}
            ),
            "neg_management_events_included": _trail_call(
                "PutEventSelectors", KEEP, resp={**KEEP, "trailARN": TRAIL}
            ),
            "neg_exclusion_denied": _denied("PutEventSelectors", EXCLUDE),
            "neg_get_event_selectors": _trail_call("GetEventSelectors", {"trailName": TRAIL}),
        },
    }
