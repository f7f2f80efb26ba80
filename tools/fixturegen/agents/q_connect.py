"""Fixtures of the ``q_connect`` rules: Amazon Q in Connect guardrails, prompts, content."""

from __future__ import annotations

from typing import Any

from ..common.identities import ACCOUNT, Caller, sso_user
from ..common.records import Record
from ..common.user_agents import WINDOWS_CHROME
from .records import Fixtures, ddenied, event
from .world import ASSISTANT, KB, T26

WISDOM = "wisdom.amazonaws.com"
CC_ADMIN = Caller(
    sso_user(ACCOUNT, "cc-admin@example.com", "2026-11-18T13:20:00Z"),
    WINDOWS_CHROME,
    "198.51.100.31",
    True,
)


def _wisdom(name: str, req: Record | None = None, *, ro: bool = False, **kw: Any) -> Record:
    """The contact-center administrator's console call ``name`` at ``T26``."""
    return event(CC_ADMIN, T26, WISDOM, name, ro=ro, req=req, **kw)


def q_connect() -> Fixtures:
    a = CC_ADMIN
    guard = {"assistantId": ASSISTANT, "aiGuardrailId": "c2d3e4f5-a6b7-4c8d-9e0f-EXAMPLEguard"}
    hidden = "HIDDEN_DUE_TO_SECURITY_REASONS"
    upd_guard = {
        **guard,
        "visibilityStatus": "PUBLISHED",
        "blockedInputMessaging": hidden,
        "blockedOutputsMessaging": hidden,
        "topicPolicyConfig": hidden,
    }
    content = {
        "knowledgeBaseId": KB,
        "name": "refund-policy-2026",
        "title": "Refund policy",
        "uploadId": "EXAMPLEUPLOAD1",
        "clientToken": "5e6f7a8b-9c0d-4e1f-8a2b-EXAMPLEtok02",
    }
    return {
        "Q In Connect Guardrail Prompt Or Agent Tampering": {
            "pos_delete_ai_guardrail": _wisdom("DeleteAIGuardrail", guard),
            "pos_update_ai_prompt": _wisdom(
                "UpdateAIPrompt",
                {
                    "assistantId": ASSISTANT,
                    "aiPromptId": "d3e4f5a6-b7c8-4d9e-8f0a-EXAMPLEprmpt",
                    "visibilityStatus": "PUBLISHED",
                    "templateConfiguration": hidden,
                },
            ),
            "pos_remove_assistant_ai_agent": _wisdom(
                "RemoveAssistantAIAgent",
                {"assistantId": ASSISTANT, "aiAgentType": "ANSWER_RECOMMENDATION"},
            ),
            "neg_create_ai_guardrail": _wisdom(
                "CreateAIGuardrail", {**upd_guard, "name": "pii-guard"}
            ),
            "neg_get_ai_guardrail": _wisdom("GetAIGuardrail", guard, ro=True),
            "neg_update_ai_guardrail_denied": _wisdom(
                "UpdateAIGuardrail", upd_guard, err=ddenied(a, "wisdom", "UpdateAIGuardrail")
            ),
        },
        "Q In Connect Knowledge Base Content Added Or Changed": {
            "pos_create_content": _wisdom("CreateContent", content),
            "pos_start_import_job": _wisdom(
                "StartImportJob",
                {
                    "knowledgeBaseId": KB,
                    "importJobType": "QUICK_RESPONSES",
                    "uploadId": "EXAMPLEUPLOAD2",
                    "clientToken": "6f7a8b9c-0d1e-4f2a-8b3c-EXAMPLEtok03",
                },
            ),
            "neg_search_content": _wisdom(
                "SearchContent", {"knowledgeBaseId": KB, "searchExpression": {"filters": []}}
            ),
            "neg_delete_content": _wisdom(
                "DeleteContent", {"knowledgeBaseId": KB, "contentId": "EXAMPLECONTENT1"}
            ),
            "neg_start_content_upload_denied": _wisdom(
                "StartContentUpload",
                {"knowledgeBaseId": KB, "contentType": "text/html"},
                err=ddenied(a, "wisdom", "StartContentUpload"),
            ),
        },
    }
