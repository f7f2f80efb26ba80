"""Console chat surface: ``q_console_chat.json`` (q.amazonaws.com conversations)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from .common import (
    CONSOLE_ORIGIN,
    Q_SERVICE,
    REGION,
    Day,
    Person,
    record,
    ts,
)


def redacted_answer(conversation_id: str, utterance_id: str, expires: datetime) -> dict[str, Any]:
    """Response of console-chat SendMessage as the Q Developer doc sample shows it."""
    return {
        "result": {
            "content": {"text": {"body": "***", "references": []}},
            "format": "PLAINTEXT",
            "intents": {},
            "type": "TEXT",
        },
        "Access-Control-Expose-Headers": (
            "x-amzn-RequestId,x-amzn-ErrorType,x-amzn-ErrorMessage,Date"
        ),
        "metadata": {
            "conversationExpirationTime": ts(expires),
            "conversationId": conversation_id,
            "conversationToken": "***",
            "utteranceId": utterance_id,
        },
        "resultCode": "LLM",
    }


def console_chat(day: Day, person: Person, sessions: int) -> None:
    """Console chat conversations, some with console troubleshooting."""
    file = "q_console_chat.json"
    for _ in range(sessions):
        when = day.start_between(8.1, 17.5)
        conversation = day.uuid()
        expires = when + timedelta(days=90)

        def q_call(
            name: str,
            moment: datetime,
            request: dict[str, Any] | None,
            response: dict[str, Any] | None,
            read_only: bool,
            extra: dict[str, Any] | None = None,
        ) -> None:
            day.emit(
                file,
                record(
                    day,
                    when=moment,
                    identity=person.sso_session(),
                    source=Q_SERVICE,
                    name=name,
                    ip=person.ip,
                    agent=person.browser,
                    request=request,
                    response=response,
                    read_only=read_only,
                    recipient=person.account,
                    host=f"q.{REGION}.amazonaws.com",
                    extra=extra,
                    console=True,
                ),
            )

        q_call(
            "StartConversation",
            when,
            {"Origin": CONSOLE_ORIGIN, "source": "CONSOLE"},
            {
                "conversationId": conversation,
                "conversationToken": "***",
                "conversationExpirationTime": ts(expires),
            },
            False,
        )
        moment = when
        for _turn in range(day.rng.randint(2, 5)):
            moment = day.after(moment, 20, 180)
            q_call(
                "SendMessage",
                moment,
                {
                    "Origin": CONSOLE_ORIGIN,
                    "conversationId": conversation,
                    "source": "CONSOLE",
                    "conversationToken": "***",
                    "utterance": "***",
                },
                redacted_answer(conversation, day.uuid(), expires),
                False,
                {"quickAction": day.rng.choice(["dev", "none", "none"])},
            )
        if day.rng.random() < 0.6:
            moment = day.after(moment, 30, 600)
            q_call("GetConversation", moment, {"conversationId": conversation}, None, True)
        if day.rng.random() < 0.35:
            # Console error troubleshooting (runs in us-west-2 per the playbook, but the
            # CloudTrail record is written in the region of the q endpoint the console used).
            session_id = day.uuid()
            moment = day.after(moment, 60, 900)
            q_call(
                "StartTroubleshootingAnalysis",
                moment,
                {
                    "errorDetail": {
                        "errorCode": "AccessDenied",
                        "errorMessage": "***",
                        "service": "lambda",
                    },
                    "resourceArn": "***",
                },
                {"sessionId": session_id},
                False,
            )
            for _ in range(day.rng.randint(1, 3)):
                moment = day.after(moment, 3, 15)
                q_call("GetTroubleshootingResults", moment, {"sessionId": session_id}, None, True)
            if day.rng.random() < 0.5:
                moment = day.after(moment, 20, 120)
                q_call(
                    "StartTroubleshootingResolutionExplanation",
                    moment,
                    {"sessionId": session_id},
                    None,
                    False,
                )
