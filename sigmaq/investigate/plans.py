"""How to remove each resource type created in the window (playbook step 7): the AWS CLI
commands, in order, and what to do by hand where the archive lacks an identifier or no
CLI command exists. Every command comes from ``commands.aws`` (verified against botocore).
"""

from __future__ import annotations

from collections.abc import Callable

from sigmaq.investigate.commands import aws
from sigmaq.investigate.model import ResourceState

Plan = Callable[[ResourceState], tuple[tuple[str, ...], str | None]]


def parent_id(resource: ResourceState, key: str) -> str | None:
    """The identifier ``key`` (``applicationId``, ``indexId``…) that locates ``resource``."""
    return dict(resource.parents).get(key)


def _qbusiness(operation: str, id_param: str | None, *parents: str) -> Plan:
    def plan(resource: ResourceState) -> tuple[tuple[str, ...], str | None]:
        args: list[tuple[str, str]] = []
        for parent in parents:
            value = parent_id(resource, parent)
            if value is None:
                return (), f"The archive does not show its {parent}; find it in the console."
            args.append((_kebab(parent), value))
        if id_param is not None:
            args.append((id_param, resource.id))
        return (aws("qbusiness", operation, *args),), None

    return plan


def _kebab(name: str) -> str:
    return "".join(f"-{c.lower()}" if c.isupper() else c for c in name)


def _iam_holder(kind: str, attached: bool) -> Plan:
    def plan(resource: ResourceState) -> tuple[tuple[str, ...], str | None]:
        parts = resource.id.split("/", 1)
        if len(parts) != 2:
            return (), None
        holder, policy = parts
        if attached:
            return (
                aws(
                    "iam", f"detach-{kind}-policy", (f"{kind}-name", holder), ("policy-arn", policy)
                ),
            ), None
        return (
            aws("iam", f"delete-{kind}-policy", (f"{kind}-name", holder), ("policy-name", policy)),
        ), None

    return plan


def _user(resource: ResourceState) -> tuple[tuple[str, ...], str | None]:
    name = ("user-name", resource.id)
    return (
        aws("iam", "list-access-keys", name),
        aws("iam", "list-attached-user-policies", name),
        aws("iam", "list-user-policies", name),
        aws("iam", "list-groups-for-user", name),
        aws("iam", "delete-user", name),
    ), (
        "delete-user fails (DeleteConflict) while the user has access keys, a login profile, "
        "MFA devices, attached or inline policies or group memberships: remove what the list "
        "commands show first."
    )


def _role(resource: ResourceState) -> tuple[tuple[str, ...], str | None]:
    name = ("role-name", resource.id)
    return (
        aws("iam", "list-attached-role-policies", name),
        aws("iam", "list-role-policies", name),
        aws("iam", "list-instance-profiles-for-role", name),
        aws("iam", "delete-role", name),
    ), "Detach and delete its policies and remove it from instance profiles first."


def _policy(resource: ResourceState) -> tuple[tuple[str, ...], str | None]:
    if not resource.id.startswith("arn:"):
        return (
            (),
            "The archive does not show the policy ARN: find it with "
            "aws iam list-policies --scope Local.",
        )
    arn = ("policy-arn", resource.id)
    return (
        aws("iam", "list-entities-for-policy", arn),
        aws("iam", "list-policy-versions", arn),
        aws("iam", "delete-policy", arn),
    ), "Detach it from every entity and delete its non-default versions first."


def _simple(service: str, operation: str, param: str) -> Plan:
    def plan(resource: ResourceState) -> tuple[tuple[str, ...], str | None]:
        if param.endswith("-arn") and not resource.id.startswith("arn:"):
            return (), (
                f"The archive shows only its name ({resource.id}), not the ARN "
                f"--{param} needs: find the ARN in the console or a list call."
            )
        return (aws(service, operation, (param, resource.id)),), None

    return plan


def _qapps(operation: str, param: str) -> Plan:
    def plan(resource: ResourceState) -> tuple[tuple[str, ...], str | None]:
        instance = parent_id(resource, "instanceId")
        if instance is None:
            return (), "The archive does not show the Q Apps instance (Q Business application) id."
        return (aws("qapps", operation, ("instance-id", instance), (param, resource.id)),), None

    return plan


def _content(resource: ResourceState) -> tuple[tuple[str, ...], str | None]:
    base = parent_id(resource, "knowledgeBaseId")
    if base is None:
        return (), "The archive does not show the knowledge base id."
    return (
        aws("qconnect", "delete-content", ("knowledge-base-id", base), ("content-id", resource.id)),
    ), None


MANUAL_Q_DEVELOPER = (
    "No AWS CLI command: there is no public SDK model for this Amazon Q Developer API "
    "(botocore has no codewhisperer or q service). Remove it in the Amazon Q Developer "
    "console (Settings) as an administrator."
)

PLANS: dict[str, tuple[str, str, Plan | None]] = {
    # type -> (step, category, plan); plan None -> manual only (MANUAL_Q_DEVELOPER)
    "iam:access-key": ("step-6", "access-key", None),  # handled as keys
    "iam:user": ("step-7", "iam-user", _user),
    "iam:role": ("step-7", "iam-role", _role),
    "iam:policy": ("step-7", "iam-policy", _policy),
    "iam:login-profile": (
        "step-7",
        "iam-login-profile",
        _simple("iam", "delete-login-profile", "user-name"),
    ),
    "iam:user-inline-policy": ("step-7", "iam-policy", _iam_holder("user", False)),
    "iam:role-inline-policy": ("step-7", "iam-policy", _iam_holder("role", False)),
    "iam:group-inline-policy": ("step-7", "iam-policy", _iam_holder("group", False)),
    "iam:user-policy-attachment": ("step-7", "iam-policy-attachment", _iam_holder("user", True)),
    "iam:role-policy-attachment": ("step-7", "iam-policy-attachment", _iam_holder("role", True)),
    "iam:group-policy-attachment": ("step-7", "iam-policy-attachment", _iam_holder("group", True)),
    "iam:group": ("step-7", "iam-group", _simple("iam", "delete-group", "group-name")),
    "iam:instance-profile": (
        "step-7",
        "iam-instance-profile",
        _simple("iam", "delete-instance-profile", "instance-profile-name"),
    ),
    "iam:oidc-provider": (
        "step-7",
        "iam-identity-provider",
        _simple("iam", "delete-open-id-connect-provider", "open-id-connect-provider-arn"),
    ),
    "iam:saml-provider": (
        "step-7",
        "iam-identity-provider",
        _simple("iam", "delete-saml-provider", "saml-provider-arn"),
    ),
    "qbusiness:application": (
        "step-7",
        "q-business",
        _qbusiness("delete-application", "application-id"),
    ),
    "qbusiness:index": (
        "step-7",
        "q-business",
        _qbusiness("delete-index", "index-id", "applicationId"),
    ),
    "qbusiness:data-source": (
        "step-7",
        "q-business",
        _qbusiness("delete-data-source", "data-source-id", "applicationId", "indexId"),
    ),
    "qbusiness:retriever": (
        "step-7",
        "q-business",
        _qbusiness("delete-retriever", "retriever-id", "applicationId"),
    ),
    "qbusiness:web-experience": (
        "step-7",
        "q-business",
        _qbusiness("delete-web-experience", "web-experience-id", "applicationId"),
    ),
    "qbusiness:plugin": (
        "step-7",
        "q-business",
        _qbusiness("delete-plugin", "plugin-id", "applicationId"),
    ),
    "qbusiness:data-accessor": (
        "step-7",
        "q-business",
        _qbusiness("delete-data-accessor", "data-accessor-id", "applicationId"),
    ),
    "qbusiness:permission": (
        "step-7",
        "q-business",
        _qbusiness("disassociate-permission", "statement-id", "applicationId"),
    ),
    "qbusiness:chat-response-configuration": (
        "step-7",
        "q-business",
        _qbusiness(
            "delete-chat-response-configuration", "chat-response-configuration-id", "applicationId"
        ),
    ),
    "qbusiness:subscription": (
        "step-7",
        "q-business",
        _qbusiness("cancel-subscription", "subscription-id", "applicationId"),
    ),
    "qbusiness:user": (
        "step-7",
        "q-business",
        _qbusiness("delete-user", "user-id", "applicationId"),
    ),
    "qbusiness:group": (
        "step-7",
        "q-business",
        _qbusiness("delete-group", "group-name", "applicationId", "indexId"),
    ),
    "qapps:q-app": ("step-7", "q-apps", _qapps("delete-q-app", "app-id")),
    "qapps:library-item": ("step-7", "q-apps", _qapps("delete-library-item", "library-item-id")),
    "qconnect:knowledge-base": (
        "step-7",
        "q-connect",
        _simple("qconnect", "delete-knowledge-base", "knowledge-base-id"),
    ),
    "qconnect:assistant": (
        "step-7",
        "q-connect",
        _simple("qconnect", "delete-assistant", "assistant-id"),
    ),
    "qconnect:content": ("step-7", "q-connect", _content),
    "chatbot:slack-channel-configuration": (
        "step-7",
        "q-chat-applications",
        _simple("chatbot", "delete-slack-channel-configuration", "chat-configuration-arn"),
    ),
    "chatbot:teams-channel-configuration": (
        "step-7",
        "q-chat-applications",
        _simple(
            "chatbot", "delete-microsoft-teams-channel-configuration", "chat-configuration-arn"
        ),
    ),
    "codewhisperer:customization": ("step-7", "q-developer", None),
    "codewhisperer:profile": ("step-7", "q-developer", None),
    "q:plugin": ("step-7", "q-developer", None),
    "q:oauth-app-connection": ("step-7", "q-developer", None),
    "q:auth-grant": ("step-7", "q-developer", None),
    "q:assignment": ("step-7", "q-developer", None),
    "cloudtrail:trail": ("step-7", "cloudtrail", _simple("cloudtrail", "delete-trail", "name")),
    "cloudtrail:event-data-store": (
        "step-7",
        "cloudtrail",
        _simple("cloudtrail", "delete-event-data-store", "event-data-store"),
    ),
    "logs:delivery-source": (
        "step-7",
        "log-delivery",
        _simple("logs", "delete-delivery-source", "name"),
    ),
}
CHECKLIST_TYPES = frozenset(t for t in PLANS if t != "iam:access-key")


# --- resources changed in the window (step 7: review, then revert) -----------------------

REVIEW_MANUAL = (
    "Changed in the window: compare its configuration (the command shows it as it is now) "
    "with the known-good one, and revert what the change set (`aws {service} update-…`), or "
    "delete it if it should not exist. CloudTrail logs what a change set (the request keys "
    "in the reason and the evidence), not what it replaced."
)
MANUAL_Q_DEVELOPER_REVIEW = (
    "Changed in the window. No AWS CLI command: there is no public SDK model for this Amazon "
    "Q Developer API (botocore has no codewhisperer or q service). Review it in the Amazon Q "
    "Developer console (Settings) as an administrator, and revert what the change set (the "
    "request keys in the reason and the evidence) or remove it."
)


def _review(plan: Plan, service: str) -> Plan:
    """``plan`` (read-only commands), with ``REVIEW_MANUAL`` unless the plan says why it
    cannot run."""

    def review(resource: ResourceState) -> tuple[tuple[str, ...], str | None]:
        commands, manual = plan(resource)
        return commands, manual or REVIEW_MANUAL.format(service=service)

    return review


def _qapps_app(resource: ResourceState) -> tuple[tuple[str, ...], str | None]:
    instance = parent_id(resource, "instanceId")
    if instance is None:
        return (), "The archive does not show the Q Apps instance (Q Business application) id."
    args = (("instance-id", instance), ("app-id", resource.id))
    return (
        aws("qapps", "get-q-app", *args),
        aws("qapps", "describe-q-app-permissions", *args),
    ), None


REVIEW_PLANS: dict[str, tuple[str, Plan | None]] = {
    # type -> (category, plan of read-only commands); None -> MANUAL_Q_DEVELOPER_REVIEW.
    # Every Amazon Q type a call changes (resource_specs, kind "changed") has an entry
    # (tests/unit/test_investigate_changed.py), and so does a role changed to trust Amazon Q.
    "qbusiness:application": (
        "q-business-changed",
        _review(_qbusiness("get-application", "application-id"), "qbusiness"),
    ),
    "qbusiness:index": (
        "q-business-changed",
        _review(_qbusiness("get-index", "index-id", "applicationId"), "qbusiness"),
    ),
    "qbusiness:data-source": (
        "q-business-changed",
        _review(
            _qbusiness("get-data-source", "data-source-id", "applicationId", "indexId"),
            "qbusiness",
        ),
    ),
    "qbusiness:retriever": (
        "q-business-changed",
        _review(_qbusiness("get-retriever", "retriever-id", "applicationId"), "qbusiness"),
    ),
    "qbusiness:web-experience": (
        "q-business-changed",
        _review(
            _qbusiness("get-web-experience", "web-experience-id", "applicationId"), "qbusiness"
        ),
    ),
    "qbusiness:plugin": (
        "q-business-changed",
        _review(_qbusiness("get-plugin", "plugin-id", "applicationId"), "qbusiness"),
    ),
    "qbusiness:data-accessor": (
        "q-business-changed",
        _review(_qbusiness("get-data-accessor", "data-accessor-id", "applicationId"), "qbusiness"),
    ),
    "qbusiness:chat-response-configuration": (
        "q-business-changed",
        _review(
            _qbusiness(
                "get-chat-response-configuration",
                "chat-response-configuration-id",
                "applicationId",
            ),
            "qbusiness",
        ),
    ),
    "qbusiness:chat-controls": (
        "q-business-changed",
        _review(_qbusiness("get-chat-controls-configuration", None, "applicationId"), "qbusiness"),
    ),
    "qbusiness:user": (
        "q-business-changed",
        _review(_qbusiness("get-user", "user-id", "applicationId"), "qbusiness"),
    ),
    "qbusiness:subscription": (
        "q-business-changed",
        _review(_qbusiness("list-subscriptions", None, "applicationId"), "qbusiness"),
    ),
    "qapps:q-app": ("q-apps-changed", _review(_qapps_app, "qapps")),
    "qapps:library-item": (
        "q-apps-changed",
        _review(_qapps("get-library-item", "library-item-id"), "qapps"),
    ),
    "qapps:session": (
        "q-apps-changed",
        _review(_qapps("get-q-app-session-metadata", "session-id"), "qapps"),
    ),
    "chatbot:slack-channel-configuration": (
        "q-chat-applications-changed",
        _review(
            _simple("chatbot", "describe-slack-channel-configurations", "chat-configuration-arn"),
            "chatbot",
        ),
    ),
    "chatbot:teams-channel-configuration": (
        "q-chat-applications-changed",
        _review(
            _simple(
                "chatbot", "get-microsoft-teams-channel-configuration", "chat-configuration-arn"
            ),
            "chatbot",
        ),
    ),
    "codewhisperer:profile": ("q-developer-changed", None),
    "codewhisperer:customization": ("q-developer-changed", None),
    "q:plugin": ("q-developer-changed", None),
    "q:oauth-app-connection": ("q-developer-changed", None),
    "iam:role": ("iam-role-trust-changed", _review(_simple("iam", "get-role", "role-name"), "iam")),
}
