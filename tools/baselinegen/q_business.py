"""Q Business and Q Apps surfaces: ``q_business_chat.json``, ``q_business_admin_reads.json``,
``q_apps_reads.json``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from .common import (
    IDC_APP_ARN,
    QAPP_IDS,
    QBIZ,
    QBIZ_APP_ARN,
    QBIZ_APP_ID,
    QBIZ_DATASOURCE_ID,
    QBIZ_INDEX_ID,
    QBIZ_RETRIEVER_ID,
    REGION,
    Day,
    Person,
    record,
    ts,
)

QBIZ_HOST = f"qbusiness.{REGION}.api.aws"
QBIZ_APP_RESOURCE = [
    {"accountId": QBIZ, "type": "AWS::QBusiness::Application", "ARN": QBIZ_APP_ARN}
]


def q_business_chat(day: Day, person: Person, conversations: int) -> None:
    """Web-experience chat: ChatSync/Chat data events plus conversation reads."""
    file = "q_business_chat.json"
    identity = person.web_experience_session()

    def qbiz(
        name: str,
        moment: datetime,
        request: dict[str, Any],
        response: dict[str, Any] | None,
        read_only: bool,
    ) -> None:
        day.emit(
            file,
            record(
                day,
                when=moment,
                identity=identity,
                source="qbusiness.amazonaws.com",
                name=name,
                ip=person.ip,
                agent=person.browser,
                request=request,
                response=response,
                read_only=read_only,
                recipient=QBIZ,
                host=QBIZ_HOST,
                category="Data",
                resources=QBIZ_APP_RESOURCE,
            ),
        )

    first = day.start_between(8.0, 9.5)
    qbiz("ListConversations", first, {"applicationId": QBIZ_APP_ID, "maxResults": 20}, None, True)
    for _ in range(conversations):
        when = day.start_between(8.5, 17.7)
        conversation = day.uuid()
        moment = when
        for turn in range(day.rng.randint(1, 4)):
            moment = day.after(moment, 30, 240)
            request: dict[str, Any] = {
                "applicationId": QBIZ_APP_ID,
                "userMessage": "***",
                "chatMode": "RETRIEVAL_MODE",
                "clientToken": day.uuid(),
            }
            if turn:
                request["conversationId"] = conversation
                request["parentMessageId"] = day.uuid()
            name = day.rng.choice(["ChatSync", "ChatSync", "Chat"])
            response = None
            if name == "ChatSync":
                response = {
                    "conversationId": conversation,
                    "systemMessage": "***",
                    "systemMessageId": day.uuid(),
                    "userMessageId": day.uuid(),
                }
            qbiz(name, moment, request, response, False)
        if day.rng.random() < 0.3:
            moment = day.after(moment, 5, 60)
            qbiz(
                "PutFeedback",
                moment,
                {
                    "applicationId": QBIZ_APP_ID,
                    "conversationId": conversation,
                    "messageId": day.uuid(),
                    "messageUsefulness": {
                        "usefulness": day.rng.choice(["USEFUL", "NOT_USEFUL"]),
                        "submittedAt": ts(moment),
                    },
                },
                None,
                False,
            )
        if day.rng.random() < 0.4:
            moment = day.after(moment, 120, 1800)
            qbiz(
                "ListMessages",
                moment,
                {"applicationId": QBIZ_APP_ID, "conversationId": conversation, "maxResults": 50},
                None,
                True,
            )


ADMIN_READS: tuple[tuple[str, dict[str, Any]], ...] = (
    ("ListApplications", {"maxResults": 10}),
    ("GetApplication", {"applicationId": QBIZ_APP_ID}),
    ("ListIndices", {"applicationId": QBIZ_APP_ID, "maxResults": 10}),
    ("GetIndex", {"applicationId": QBIZ_APP_ID, "indexId": QBIZ_INDEX_ID}),
    ("ListRetrievers", {"applicationId": QBIZ_APP_ID, "maxResults": 10}),
    ("GetRetriever", {"applicationId": QBIZ_APP_ID, "retrieverId": QBIZ_RETRIEVER_ID}),
    ("ListDataSources", {"applicationId": QBIZ_APP_ID, "indexId": QBIZ_INDEX_ID}),
    (
        "GetDataSource",
        {
            "applicationId": QBIZ_APP_ID,
            "indexId": QBIZ_INDEX_ID,
            "dataSourceId": QBIZ_DATASOURCE_ID,
        },
    ),
    ("ListWebExperiences", {"applicationId": QBIZ_APP_ID, "maxResults": 10}),
)


def q_business_admin_reads(day: Day, person: Person, visits: int) -> None:
    """An administrator opening Q Business console pages: a few reads per page."""
    file = "q_business_admin_reads.json"
    pages = (
        (0, 1, 2),  # application overview
        (1, 2, 3),  # index page
        (1, 4, 5),  # retriever page
        (1, 6, 7),  # data source page
        (1, 8),  # web experience page
    )
    for _ in range(visits):
        when = day.start_between(8.3, 17.5)
        for index in day.rng.choice(pages):
            name, request = ADMIN_READS[index]
            when = day.after(when, 0, 4)
            day.emit(
                file,
                record(
                    day,
                    when=when,
                    identity=person.sso_session(),
                    source="qbusiness.amazonaws.com",
                    name=name,
                    ip=person.ip,
                    agent=person.browser,
                    request=request,
                    response=None,
                    read_only=True,
                    recipient=person.account,
                    host=QBIZ_HOST,
                    console=True,
                ),
            )


def q_apps_reads(day: Day, person: Person, visits: int) -> None:
    """Q Apps library browsing and app runs' reads in the web experience."""
    file = "q_apps_reads.json"
    identity = person.web_experience_session()
    header_keys = {"idc-application-arn": IDC_APP_ARN, "application-id": QBIZ_APP_ID}
    for _ in range(visits):
        when = day.start_between(8.5, 17.5)
        day.emit(
            file,
            record(
                day,
                when=when,
                identity=identity,
                source="qapps.amazonaws.com",
                name="ListLibraryItems",
                ip=person.ip,
                agent=person.browser,
                request={**header_keys, "limit": 20},
                response=None,
                read_only=True,
                recipient=QBIZ,
                host=f"data.qapps.{REGION}.amazonaws.com",
            ),
        )
        app_id = day.rng.choice(QAPP_IDS)
        when = day.after(when, 5, 90)
        day.emit(
            file,
            record(
                day,
                when=when,
                identity=identity,
                source="qapps.amazonaws.com",
                name="GetLibraryItem",
                ip=person.ip,
                agent=person.browser,
                request={**header_keys, "libraryItemId": day.uuid()},
                response=None,
                read_only=True,
                recipient=QBIZ,
                host=f"data.qapps.{REGION}.amazonaws.com",
            ),
        )
        for name, request in (
            ("ListQApps", {**header_keys, "limit": 25}),
            ("GetQApp", {**header_keys, "appId": app_id}),
        ):
            when = day.after(when, 1, 30)
            day.emit(
                file,
                record(
                    day,
                    when=when,
                    identity=identity,
                    source="qapps.amazonaws.com",
                    name=name,
                    ip=person.ip,
                    agent=person.browser,
                    request=request,
                    response=None,
                    read_only=True,
                    recipient=QBIZ,
                    host=f"data.qapps.{REGION}.amazonaws.com",
                    category="Data",
                    resources=[
                        {
                            "accountId": QBIZ,
                            "type": "AWS::QApps::QApp",
                            "ARN": f"arn:aws:qapps:{REGION}:{QBIZ}:application/{QBIZ_APP_ID}/qapp/"
                            f"{app_id}",
                        }
                    ],
                ),
            )
