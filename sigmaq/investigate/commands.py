"""Exact AWS CLI commands for the containment checklist (playbook steps 6-7). Never run.

Every command is built by ``aws(service, operation, ...)`` from an entry of ``SPECS``:
the CLI service, the operation in the CLI's kebab case, the botocore service model and
operation it maps to, and the parameters the command passes. A test checks each entry
against the botocore service models installed with the test extras (operation exists,
every required member is passed, every passed parameter is a member), and checks every
command a report emits the same way. Values are shell-quoted (``shell_quote``).

The AWS CLI names operations and parameters with botocore's ``xform_name(name, "-")``
(``DeleteDataSource`` -> ``delete-data-source``, ``applicationId`` -> ``--application-id``).
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Sequence
from dataclasses import dataclass

from sigmaq.core.errors import SigmaqError
from sigmaq.core.unseen import is_unseen


@dataclass(frozen=True, slots=True)
class CommandSpec:
    """One AWS CLI operation sigmaq may emit."""

    cli_service: str
    operation: str  # CLI kebab case
    model_service: str  # botocore service name
    model_operation: str  # botocore operation name
    params: tuple[str, ...]  # CLI parameter names it passes (without --)


def _spec(
    service: str, operation: str, model_operation: str, *params: str, model: str | None = None
) -> CommandSpec:
    return CommandSpec(service, operation, model or service, model_operation, params)


SPECS: dict[tuple[str, str], CommandSpec] = {
    (s.cli_service, s.operation): s
    for s in (
        # IAM (step 6: keys and sessions; step 7: users, roles, policies)
        _spec(
            "iam", "update-access-key", "UpdateAccessKey", "access-key-id", "status", "user-name"
        ),
        _spec("iam", "delete-access-key", "DeleteAccessKey", "access-key-id", "user-name"),
        _spec("iam", "list-access-keys", "ListAccessKeys", "user-name"),
        _spec(
            "iam", "put-role-policy", "PutRolePolicy", "role-name", "policy-name", "policy-document"
        ),
        _spec("iam", "list-attached-user-policies", "ListAttachedUserPolicies", "user-name"),
        _spec("iam", "list-user-policies", "ListUserPolicies", "user-name"),
        _spec("iam", "list-groups-for-user", "ListGroupsForUser", "user-name"),
        _spec("iam", "delete-login-profile", "DeleteLoginProfile", "user-name"),
        _spec("iam", "delete-user", "DeleteUser", "user-name"),
        _spec("iam", "list-attached-role-policies", "ListAttachedRolePolicies", "role-name"),
        _spec("iam", "list-role-policies", "ListRolePolicies", "role-name"),
        _spec("iam", "list-instance-profiles-for-role", "ListInstanceProfilesForRole", "role-name"),
        _spec("iam", "delete-role", "DeleteRole", "role-name"),
        _spec("iam", "list-entities-for-policy", "ListEntitiesForPolicy", "policy-arn"),
        _spec("iam", "list-policy-versions", "ListPolicyVersions", "policy-arn"),
        _spec("iam", "delete-policy", "DeletePolicy", "policy-arn"),
        _spec("iam", "delete-user-policy", "DeleteUserPolicy", "user-name", "policy-name"),
        _spec("iam", "delete-role-policy", "DeleteRolePolicy", "role-name", "policy-name"),
        _spec("iam", "delete-group-policy", "DeleteGroupPolicy", "group-name", "policy-name"),
        _spec("iam", "detach-user-policy", "DetachUserPolicy", "user-name", "policy-arn"),
        _spec("iam", "detach-role-policy", "DetachRolePolicy", "role-name", "policy-arn"),
        _spec("iam", "detach-group-policy", "DetachGroupPolicy", "group-name", "policy-arn"),
        _spec("iam", "get-group", "GetGroup", "group-name"),
        _spec("iam", "delete-group", "DeleteGroup", "group-name"),
        _spec("iam", "get-instance-profile", "GetInstanceProfile", "instance-profile-name"),
        _spec("iam", "delete-instance-profile", "DeleteInstanceProfile", "instance-profile-name"),
        _spec(
            "iam",
            "delete-open-id-connect-provider",
            "DeleteOpenIDConnectProvider",
            "open-id-connect-provider-arn",
        ),
        _spec("iam", "delete-saml-provider", "DeleteSAMLProvider", "saml-provider-arn"),
        # Amazon Q Business
        _spec("qbusiness", "delete-application", "DeleteApplication", "application-id"),
        _spec("qbusiness", "delete-index", "DeleteIndex", "application-id", "index-id"),
        _spec(
            "qbusiness",
            "delete-data-source",
            "DeleteDataSource",
            "application-id",
            "index-id",
            "data-source-id",
        ),
        _spec("qbusiness", "delete-retriever", "DeleteRetriever", "application-id", "retriever-id"),
        _spec(
            "qbusiness",
            "delete-web-experience",
            "DeleteWebExperience",
            "application-id",
            "web-experience-id",
        ),
        _spec("qbusiness", "delete-plugin", "DeletePlugin", "application-id", "plugin-id"),
        _spec(
            "qbusiness",
            "delete-data-accessor",
            "DeleteDataAccessor",
            "application-id",
            "data-accessor-id",
        ),
        _spec(
            "qbusiness",
            "disassociate-permission",
            "DisassociatePermission",
            "application-id",
            "statement-id",
        ),
        _spec(
            "qbusiness",
            "batch-delete-document",
            "BatchDeleteDocument",
            "application-id",
            "index-id",
            "documents",
        ),
        _spec(
            "qbusiness",
            "delete-chat-response-configuration",
            "DeleteChatResponseConfiguration",
            "application-id",
            "chat-response-configuration-id",
        ),
        _spec(
            "qbusiness",
            "cancel-subscription",
            "CancelSubscription",
            "application-id",
            "subscription-id",
        ),
        _spec("qbusiness", "delete-user", "DeleteUser", "application-id", "user-id"),
        _spec(
            "qbusiness", "delete-group", "DeleteGroup", "application-id", "index-id", "group-name"
        ),
        # Amazon Q Apps, Q in Connect, Q in chat applications
        _spec("qapps", "delete-q-app", "DeleteQApp", "instance-id", "app-id"),
        _spec(
            "qapps", "delete-library-item", "DeleteLibraryItem", "instance-id", "library-item-id"
        ),
        _spec("qconnect", "delete-knowledge-base", "DeleteKnowledgeBase", "knowledge-base-id"),
        _spec("qconnect", "delete-content", "DeleteContent", "knowledge-base-id", "content-id"),
        _spec("qconnect", "delete-assistant", "DeleteAssistant", "assistant-id"),
        _spec(
            "chatbot",
            "delete-slack-channel-configuration",
            "DeleteSlackChannelConfiguration",
            "chat-configuration-arn",
        ),
        _spec(
            "chatbot",
            "delete-microsoft-teams-channel-configuration",
            "DeleteMicrosoftTeamsChannelConfiguration",
            "chat-configuration-arn",
        ),
        # Review what a change set (step 7, resources changed in the window)
        _spec("iam", "get-role", "GetRole", "role-name"),
        _spec("qbusiness", "get-application", "GetApplication", "application-id"),
        _spec("qbusiness", "get-index", "GetIndex", "application-id", "index-id"),
        _spec(
            "qbusiness",
            "get-data-source",
            "GetDataSource",
            "application-id",
            "index-id",
            "data-source-id",
        ),
        _spec("qbusiness", "get-retriever", "GetRetriever", "application-id", "retriever-id"),
        _spec(
            "qbusiness",
            "get-web-experience",
            "GetWebExperience",
            "application-id",
            "web-experience-id",
        ),
        _spec("qbusiness", "get-plugin", "GetPlugin", "application-id", "plugin-id"),
        _spec(
            "qbusiness",
            "get-data-accessor",
            "GetDataAccessor",
            "application-id",
            "data-accessor-id",
        ),
        _spec(
            "qbusiness",
            "get-chat-response-configuration",
            "GetChatResponseConfiguration",
            "application-id",
            "chat-response-configuration-id",
        ),
        _spec(
            "qbusiness",
            "get-chat-controls-configuration",
            "GetChatControlsConfiguration",
            "application-id",
        ),
        _spec("qbusiness", "get-user", "GetUser", "application-id", "user-id"),
        _spec("qbusiness", "list-subscriptions", "ListSubscriptions", "application-id"),
        _spec("qapps", "get-q-app", "GetQApp", "instance-id", "app-id"),
        _spec(
            "qapps",
            "describe-q-app-permissions",
            "DescribeQAppPermissions",
            "instance-id",
            "app-id",
        ),
        _spec("qapps", "get-library-item", "GetLibraryItem", "instance-id", "library-item-id"),
        _spec(
            "qapps",
            "get-q-app-session-metadata",
            "GetQAppSessionMetadata",
            "instance-id",
            "session-id",
        ),
        _spec(
            "chatbot",
            "describe-slack-channel-configurations",
            "DescribeSlackChannelConfigurations",
            "chat-configuration-arn",
        ),
        _spec(
            "chatbot",
            "get-microsoft-teams-channel-configuration",
            "GetMicrosoftTeamsChannelConfiguration",
            "chat-configuration-arn",
        ),
        # CloudTrail and log delivery
        _spec("cloudtrail", "delete-trail", "DeleteTrail", "name"),
        _spec("cloudtrail", "start-logging", "StartLogging", "name"),
        _spec("cloudtrail", "delete-event-data-store", "DeleteEventDataStore", "event-data-store"),
        _spec("logs", "delete-delivery-source", "DeleteDeliverySource", "name"),
        _spec("logs", "delete-delivery", "DeleteDelivery", "id"),
    )
}


class ShellWord(str):
    """A value already written as one shell word (quoted by its maker, not quoted again)."""

    __slots__ = ()


Value = str | Sequence[str]


def shell_quote(value: str) -> str:
    """``value`` as one shell word: ``shlex.quote``, or, when it holds a control or format
    character (a newline in a forged resource name), bash's ANSI-C quoting ``$'...'`` with
    that character escaped, so the command stays on one visible line (a report's code
    block cannot be ended from inside it) and still names exactly ``value`` (bash manual,
    "ANSI-C Quoting"; also POSIX.1-2024 ``sh``)."""
    if not any(is_unseen(ch) for ch in value):
        return shlex.quote(value)
    out = []
    for ch in value:
        code = ord(ch)
        if ch in "\\'":
            out.append("\\" + ch)
        elif not is_unseen(ch):
            out.append(ch)
        elif code < 0x80:  # \xHH above 0x7f would be a raw byte, not the character
            out.append(f"\\x{code:02x}")
        elif code < 0x10000:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    return "$'" + "".join(out) + "'"


def aws(service: str, operation: str, *params: tuple[str, Value]) -> str:
    """``aws SERVICE OPERATION --param value ...``, values shell-quoted; a list value
    becomes several words (CLI list shorthand). Raises SigmaqError for an operation or
    parameter ``SPECS`` does not list (a programming error: every emitted command must be
    one the tests verified)."""
    spec = SPECS.get((service, operation))
    if spec is None:
        raise SigmaqError(f"aws {service} {operation} is not a verified command")
    words = ["aws", service, operation]
    for name, value in params:
        if name not in spec.params:
            raise SigmaqError(f"aws {service} {operation} has no verified --{name}")
        words.append(f"--{name}")
        values = [value] if isinstance(value, str) else list(value)
        words.extend(v if isinstance(v, ShellWord) else shell_quote(v) for v in values)
    return " ".join(words)


def revoke_sessions_policy() -> ShellWord:
    """The policy document the IAM console puts on a role to revoke its active sessions
    (inline policy ``AWSRevokeOlderSessions``: deny everything to credentials issued before
    a time; IAM User Guide, "Revoking IAM role temporary security credentials"), as a
    double-quoted shell word whose time is the moment the command runs (``date -u``)."""
    document = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Deny",
                "Action": ["*"],
                "Resource": ["*"],
                "Condition": {"DateLessThan": {"aws:TokenIssueTime": "@NOW@"}},
            }
        ],
    }
    text = json.dumps(document, separators=(",", ":")).replace('"', '\\"')
    return ShellWord('"' + text.replace("@NOW@", "$(date -u +%Y-%m-%dT%H:%M:%SZ)") + '"')
