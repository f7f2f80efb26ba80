"""Fixtures of the ``q_apps`` rules: library publishing and sharing of Amazon Q Apps."""

from __future__ import annotations

from typing import Any

from ..common.identities import ACCOUNT, REGION
from ..common.records import Record
from .records import Fixtures, ddenied, event
from .world import APP_ID, QAPPS_HDR, QAPPS_USER, QB_APP, T26


def q_apps() -> Fixtures:
    c, src = QAPPS_USER, "qapps.amazonaws.com"
    item = "5f0e1d2c-3b4a-4958-8776-EXAMPLEitem1"
    session = "9a8b7c6d-5e4f-4a3b-9c2d-EXAMPLEsess1"

    def qa(name: str, req: Record, ro: bool = False, **kw: Any) -> Record:
        return event(c, T26, src, name, ro=ro, req={**req, **QAPPS_HDR}, **kw)

    share = {"sessionId": session, "sessionName": "Team offsite survey"}
    grant = [{"action": "read", "principal": "f4a8e4c8-1071-7067-d1a2-8f0e6b3c2a22"}]
    denied = ddenied(c, "qapps", "UpdateQAppPermissions")
    return {
        "Q App Published Or Verified In Library": {
            "pos_create_library_item": qa(
                "CreateLibraryItem",
                {"appId": APP_ID, "appVersion": 3, "categories": []},
                resp={"libraryItemId": item, "status": "PUBLISHED"},
            ),
            "pos_library_item_verified": qa(
                "UpdateLibraryItemMetadata", {"libraryItemId": item, "isVerified": True}
            ),
            "pos_library_item_republished": qa(
                "UpdateLibraryItem", {"libraryItemId": item, "status": "PUBLISHED"}
            ),
            "neg_library_item_unverified": qa(
                "UpdateLibraryItemMetadata", {"libraryItemId": item, "isVerified": False}
            ),
            "neg_library_item_disabled": qa(
                "UpdateLibraryItem", {"libraryItemId": item, "status": "DISABLED"}
            ),
            "neg_create_library_item_denied": qa(
                "CreateLibraryItem",
                {"appId": APP_ID, "appVersion": 3, "categories": []},
                err=ddenied(c, "qapps", "CreateLibraryItem"),
            ),
            "neg_get_library_item": qa(
                "GetLibraryItem", {"libraryItemId": item, "appId": APP_ID}, ro=True, version="1.09"
            ),
        },
        "Q App Permissions Granted Or Session Shared": {
            "pos_permissions_granted": qa(
                "UpdateQAppPermissions",
                {"appId": APP_ID, "grantPermissions": grant},
                resp={
                    "resourceArn": f"arn:aws:qapps:{REGION}:{ACCOUNT}:application/{QB_APP}"
                    f"/qapp/{APP_ID}",
                    "appId": APP_ID,
                },
            ),
            "pos_session_sharing_enabled": qa(
                "UpdateQAppSessionMetadata",
                {
                    **share,
                    "sharingConfiguration": {
                        "enabled": True,
                        "acceptResponses": True,
                        "revealCards": False,
                    },
                },
            ),
            "neg_permissions_revoked_only": qa(
                "UpdateQAppPermissions", {"appId": APP_ID, "revokePermissions": grant}
            ),
            "neg_session_sharing_disabled": qa(
                "UpdateQAppSessionMetadata", {**share, "sharingConfiguration": {"enabled": False}}
            ),
            "neg_grant_denied": qa(
                "UpdateQAppPermissions", {"appId": APP_ID, "grantPermissions": grant}, err=denied
            ),
        },
    }
