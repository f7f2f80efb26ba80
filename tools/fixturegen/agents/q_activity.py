"""Amazon Q's own activity: a console chat turn and the Q CLI's model call.

These are the "this identity used Amazon Q" records the containment correlations start from and
the agent rules must not mistake for agent actions.
"""

from __future__ import annotations

from ..common.identities import ACCOUNT, Caller
from ..common.records import Record
from ..common.user_agents import Q_CLI_SDK
from .records import event
from .world import IDC_USER, PROFILE_ARN, WIPER_IP


def q_send_message(c: Caller, when: str) -> Record:
    """Console chat turn (Q Developer CloudTrail page sample shape; text redacted as ***)."""
    conv = "a298ec0d-0a49-4d2e-92bd-7d6e629b4619"
    return event(
        c,
        when,
        "q.amazonaws.com",
        "SendMessage",
        ro=False,
        req={
            "Origin": "https://conversational-experience-worker.widget.console.aws.amazon.com",
            "conversationId": conv,
            "source": "CONSOLE",
            "conversationToken": "***",
            "utterance": "***",
        },
        resp={
            "result": {
                "content": {"text": {"body": "***", "references": []}},
                "format": "PLAINTEXT",
                "intents": {},
                "type": "TEXT",
            },
            "metadata": {
                "conversationId": conv,
                "conversationToken": "***",
                "utteranceId": "3b87b46f-04a9-41ef-b8fe-8abf52d2c053",
            },
            "resultCode": "LLM",
        },
        extra={"quickAction": "dev"},
    )


def cw_generate(when: str) -> Record:
    """Q CLI's own model call: IdentityCenterUser data event, `app/AmazonQ-For-CLI` user agent."""
    c = Caller(IDC_USER, Q_CLI_SDK, WIPER_IP)
    return event(
        c,
        when,
        "codewhisperer.amazonaws.com",
        "GenerateAssistantResponse",
        ro=False,
        data=True,
        req={
            "conversationState": {
                "conversationId": "c7a1f0e2-6d3b-4e5a-9f8c-EXAMPLEconv1",
                "chatTriggerType": "MANUAL",
                "currentMessage": "HIDDEN_DUE_TO_SECURITY_REASONS",
            },
            "profileArn": PROFILE_ARN,
        },
        resources=[
            {"accountId": ACCOUNT, "type": "AWS::CodeWhisperer::Profile", "ARN": PROFILE_ARN}
        ],
    )
