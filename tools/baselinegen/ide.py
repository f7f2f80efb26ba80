"""IDE surface: ``q_developer_ide.json`` (codewhisperer data events from Amazon Q for VS Code)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from .common import (
    CW_PROFILE_ARN,
    ENG,
    REGION,
    Day,
    Person,
    record,
)


def ide_agent(version: str, streaming: bool, os_token: str) -> str:
    api = "codewhispererstreaming#1.0.0" if streaming else "codewhispererruntime#1.0.0"
    return (
        f"aws-sdk-js/3.693.0 ua/2.1 os/{os_token} lang/js md/nodejs#20.18.1 api/{api} "
        f"AmazonQ-For-VSCode/{version} Visual-Studio-Code/1.95.3 "
        "ClientId/0f1e2d3c-4b5a-4968-8776-5a4b3c2d1e0f"
    )


def ide_session(day: Day, person: Person, version: str, os_token: str, hours: float) -> None:
    """A developer's IDE day: bursts of inline completions and some chat turns."""
    file = "q_developer_ide.json"
    identity = person.idc_user()
    resource = [{"accountId": ENG, "type": "AWS::CodeWhisperer::Profile", "ARN": CW_PROFILE_ARN}]
    user_context = {
        "ideCategory": "VSCODE",
        "operatingSystem": "MAC" if os_token.startswith("darwin") else "WINDOWS",
        "product": "QDeveloper",
        "clientId": "0f1e2d3c-4b5a-4968-8776-5a4b3c2d1e0f",
        "ideVersion": "1.95.3",
        "pluginVersion": version,
    }

    def cw(
        name: str,
        moment: datetime,
        request: dict[str, Any],
        read_only: bool,
        streaming: bool = False,
    ) -> None:
        day.emit(
            file,
            record(
                day,
                when=moment,
                identity=identity,
                source="codewhisperer.amazonaws.com",
                name=name,
                ip=person.ip,
                agent=ide_agent(version, streaming, os_token),
                request=request,
                response=None,
                read_only=read_only,
                recipient=ENG,
                host=f"q.{REGION}.amazonaws.com",
                category="Data",
                resources=resource,
            ),
        )

    start = day.start_between(8.0, 9.0)
    cw("ListAvailableProfiles", start, {"maxResults": 10}, True)
    cw(
        "ListAvailableCustomizations",
        day.after(start, 1, 3),
        {"profileArn": CW_PROFILE_ARN, "maxResults": 10},
        True,
    )
    bursts = int(hours * 2)
    for _ in range(bursts):
        moment = day.start_between(8.2, 8.2 + hours)
        for _ in range(day.rng.randint(3, 7)):
            moment = day.after(moment, 4, 45)
            cw(
                "GenerateCompletions",
                moment,
                {
                    "profileArn": CW_PROFILE_ARN,
                    "fileContext": {
                        "filename": "HIDDEN_DUE_TO_SECURITY_REASONS",
                        "programmingLanguage": {
                            "languageName": day.rng.choice(
                                ["python", "typescript", "python", "java"]
                            )
                        },
                        "leftFileContent": "HIDDEN_DUE_TO_SECURITY_REASONS",
                        "rightFileContent": "HIDDEN_DUE_TO_SECURITY_REASONS",
                    },
                    "maxResults": 1,
                    "predictionTypes": ["COMPLETIONS"],
                    "optOutPreference": "OPTOUT",
                    "userContext": user_context,
                },
                False,
            )
        if day.rng.random() < 0.5:
            moment = day.after(moment, 30, 300)
            conversation = day.uuid()
            name = day.rng.choice(["GenerateAssistantResponse", "SendMessage"])
            cw(
                name,
                moment,
                {
                    "profileArn": CW_PROFILE_ARN,
                    "conversationState": {
                        "conversationId": conversation,
                        "chatTriggerType": "MANUAL",
                        "currentMessage": "HIDDEN_DUE_TO_SECURITY_REASONS",
                    },
                    "source": "IDE",
                },
                False,
                streaming=True,
            )
