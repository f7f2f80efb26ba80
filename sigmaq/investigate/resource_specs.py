"""The table of calls that create, change or delete each resource type (``resources``).

One ``Spec`` per (eventSource, eventName) and resource type: where the identifier is
(``requestParameters``, or ``responseElements`` for creations, with the member names of
the API models in botocore and the Amazon Q notes §2.1.3), what locates the resource
(``parents``) and what else to keep (``attributes``).
"""

from __future__ import annotations

from dataclasses import dataclass

from sigmaq.investigate.model import ActionKind


@dataclass(frozen=True, slots=True)
class Spec:
    """How one eventName touches one resource type. ``ident``: one tuple of alternative
    paths per identifier segment (joined with ``/``); ``req:``/``resp:`` say where a path
    reads (``req:`` by default)."""

    kind: ActionKind
    rtype: str
    ident: tuple[tuple[str, ...], ...]
    parents: tuple[tuple[str, tuple[str, ...]], ...] = ()
    attributes: tuple[tuple[str, tuple[str, ...]], ...] = ()


def _s(
    kind: ActionKind,
    rtype: str,
    *ident: str | tuple[str, ...],
    parents: tuple[tuple[str, tuple[str, ...]], ...] = (),
    attributes: tuple[tuple[str, tuple[str, ...]], ...] = (),
) -> Spec:
    segments = tuple(part if isinstance(part, tuple) else (part,) for part in ident)
    return Spec(kind, rtype, segments, parents, attributes)


APP = (("applicationId", ("applicationId",)),)
APP_INDEX = (("applicationId", ("applicationId",)), ("indexId", ("indexId",)))
QAPPS_INSTANCE = (("instanceId", ("instance-id", "instanceId", "application-id")),)


def _q_business() -> dict[str, list[Spec]]:
    out: dict[str, list[Spec]] = {
        "CreateApplication": [
            _s(
                "created",
                "qbusiness:application",
                "resp:applicationId",
                attributes=(
                    ("displayName", ("displayName", "name")),
                    ("identityType", ("identityType",)),
                ),
            )
        ],
        "AssociatePermission": [
            _s(
                "created",
                "qbusiness:permission",
                "statementId",
                parents=APP,
                attributes=(("principal", ("principal",)), ("actions", ("actions",))),
            )
        ],
        "DisassociatePermission": [
            _s("deleted", "qbusiness:permission", "statementId", parents=APP)
        ],
        "DeleteChatControlsConfiguration": [
            _s("deleted", "qbusiness:chat-controls", "applicationId", parents=APP)
        ],
        "UpdateChatControlsConfiguration": [
            _s("changed", "qbusiness:chat-controls", "applicationId", parents=APP)
        ],
        "PutGroup": [_s("created", "qbusiness:group", "groupName", parents=APP_INDEX)],
        "DeleteGroup": [_s("deleted", "qbusiness:group", "groupName", parents=APP_INDEX)],
        "CreateUser": [_s("created", "qbusiness:user", "userId", parents=APP)],
        "UpdateUser": [_s("changed", "qbusiness:user", "userId", parents=APP)],
        "DeleteUser": [_s("deleted", "qbusiness:user", "userId", parents=APP)],
        "DeleteConversation": [
            _s("deleted", "qbusiness:conversation", "conversationId", parents=APP)
        ],
        "DeleteAttachment": [_s("deleted", "qbusiness:attachment", "attachmentId", parents=APP)],
    }
    for noun, rtype, key, parents, attributes in (
        ("Index", "qbusiness:index", "indexId", APP, (("displayName", ("displayName",)),)),
        (
            "DataSource",
            "qbusiness:data-source",
            "dataSourceId",
            APP_INDEX,
            (("displayName", ("displayName",)), ("connector", ("configuration.type",))),
        ),
        (
            "Retriever",
            "qbusiness:retriever",
            "retrieverId",
            APP,
            (("displayName", ("displayName",)), ("type", ("type",))),
        ),
        (
            "WebExperience",
            "qbusiness:web-experience",
            "webExperienceId",
            APP,
            (("title", ("title",)), ("origins", ("origins",))),
        ),
        (
            "Plugin",
            "qbusiness:plugin",
            "pluginId",
            APP,
            (("displayName", ("displayName",)), ("type", ("type",)), ("serverUrl", ("serverUrl",))),
        ),
        (
            "DataAccessor",
            "qbusiness:data-accessor",
            "dataAccessorId",
            APP,
            (("principal", ("principal",)),),
        ),
        (
            "ChatResponseConfiguration",
            "qbusiness:chat-response-configuration",
            "chatResponseConfigurationId",
            APP,
            (),
        ),
        ("Subscription", "qbusiness:subscription", "subscriptionId", APP, ()),
    ):
        out[f"Create{noun}"] = [
            _s("created", rtype, f"resp:{key}", parents=parents, attributes=attributes)
        ]
        out[f"Delete{noun}"] = [_s("deleted", rtype, key, parents=parents)]
        out[f"Update{noun}"] = [_s("changed", rtype, key, parents=parents, attributes=attributes)]
    out["CancelSubscription"] = [_s("deleted", "qbusiness:subscription", "subscriptionId")]
    out["DeleteApplication"] = [_s("deleted", "qbusiness:application", "applicationId")]
    out["UpdateApplication"] = [_s("changed", "qbusiness:application", "applicationId")]
    return out


def _iam() -> dict[str, list[Spec]]:
    user = (("userName", ("userName",)),)
    out: dict[str, list[Spec]] = {
        "CreateUser": [_s("created", "iam:user", "userName")],
        "DeleteUser": [_s("deleted", "iam:user", "userName")],
        "UpdateUser": [_s("changed", "iam:user", "userName")],
        "CreateAccessKey": [
            _s(
                "created",
                "iam:access-key",
                "resp:accessKey.accessKeyId",
                attributes=(("userName", ("resp:accessKey.userName", "userName")),),
            )
        ],
        "DeleteAccessKey": [_s("deleted", "iam:access-key", "accessKeyId", attributes=user)],
        "UpdateAccessKey": [
            _s(
                "changed",
                "iam:access-key",
                "accessKeyId",
                attributes=(*user, ("status", ("status",))),
            )
        ],
        "CreateRole": [_s("created", "iam:role", "roleName")],
        "CreateServiceLinkedRole": [_s("created", "iam:role", "resp:role.roleName")],
        "DeleteRole": [_s("deleted", "iam:role", "roleName")],
        "DeleteServiceLinkedRole": [_s("deleted", "iam:role", "roleName")],
        "CreatePolicy": [
            _s(
                "created",
                "iam:policy",
                ("resp:policy.arn", "policyName"),
                attributes=(("policyName", ("policyName",)),),
            )
        ],
        "DeletePolicy": [_s("deleted", "iam:policy", "policyArn")],
        "CreatePolicyVersion": [_s("changed", "iam:policy", "policyArn")],
        "SetDefaultPolicyVersion": [_s("changed", "iam:policy", "policyArn")],
        "CreateLoginProfile": [_s("created", "iam:login-profile", "userName")],
        "UpdateLoginProfile": [_s("changed", "iam:login-profile", "userName")],
        "DeleteLoginProfile": [_s("deleted", "iam:login-profile", "userName")],
        "CreateGroup": [_s("created", "iam:group", "groupName")],
        "DeleteGroup": [_s("deleted", "iam:group", "groupName")],
        "AddUserToGroup": [_s("changed", "iam:group", "groupName", attributes=user)],
        "CreateInstanceProfile": [_s("created", "iam:instance-profile", "instanceProfileName")],
        "DeleteInstanceProfile": [_s("deleted", "iam:instance-profile", "instanceProfileName")],
        "CreateOpenIDConnectProvider": [
            _s("created", "iam:oidc-provider", "resp:openIDConnectProviderArn", "url")
        ],
        "DeleteOpenIDConnectProvider": [
            _s("deleted", "iam:oidc-provider", "openIDConnectProviderArn")
        ],
        "CreateSAMLProvider": [
            _s("created", "iam:saml-provider", ("resp:sAMLProviderArn", "resp:SAMLProviderArn"))
        ],
        "DeleteSAMLProvider": [
            _s("deleted", "iam:saml-provider", ("sAMLProviderArn", "SAMLProviderArn"))
        ],
    }
    for name in ("UpdateAssumeRolePolicy", "UpdateRole", "UpdateRoleDescription", "TagRole"):
        out[name] = [_s("changed", "iam:role", "roleName")]
    for holder in ("User", "Role", "Group"):
        key = f"{holder.lower()}Name"
        out[f"Put{holder}Policy"] = [
            _s("created", f"iam:{holder.lower()}-inline-policy", key, "policyName")
        ]
        out[f"Delete{holder}Policy"] = [
            _s("deleted", f"iam:{holder.lower()}-inline-policy", key, "policyName")
        ]
        out[f"Attach{holder}Policy"] = [
            _s("created", f"iam:{holder.lower()}-policy-attachment", key, "policyArn")
        ]
        out[f"Detach{holder}Policy"] = [
            _s("deleted", f"iam:{holder.lower()}-policy-attachment", key, "policyArn")
        ]
    return out


def _cloudtrail() -> dict[str, list[Spec]]:
    name = ("name", "trailName")
    out: dict[str, list[Spec]] = {
        "CreateTrail": [
            _s(
                "created",
                "cloudtrail:trail",
                name,
                attributes=(("s3BucketName", ("s3BucketName",)),),
            )
        ],
        "DeleteTrail": [_s("deleted", "cloudtrail:trail", name)],
        "CreateEventDataStore": [
            _s("created", "cloudtrail:event-data-store", ("resp:eventDataStoreArn", "name"))
        ],
        "DeleteEventDataStore": [_s("deleted", "cloudtrail:event-data-store", "eventDataStore")],
    }
    for verb in ("UpdateTrail", "StopLogging", "StartLogging", "PutEventSelectors"):
        out[verb] = [_s("changed", "cloudtrail:trail", name)]
    out["PutInsightSelectors"] = [_s("changed", "cloudtrail:trail", name)]
    return out


def _q_apps() -> dict[str, list[Spec]]:
    return {
        "CreateQApp": [
            _s(
                "created",
                "qapps:q-app",
                "resp:appId",
                parents=QAPPS_INSTANCE,
                attributes=(("title", ("title",)),),
            )
        ],
        "DeleteQApp": [_s("deleted", "qapps:q-app", "appId", parents=QAPPS_INSTANCE)],
        "UpdateQApp": [_s("changed", "qapps:q-app", "appId", parents=QAPPS_INSTANCE)],
        "UpdateQAppPermissions": [_s("changed", "qapps:q-app", "appId", parents=QAPPS_INSTANCE)],
        "CreateLibraryItem": [
            _s(
                "created",
                "qapps:library-item",
                "resp:libraryItemId",
                parents=QAPPS_INSTANCE,
                attributes=(("appId", ("appId",)),),
            )
        ],
        "DeleteLibraryItem": [
            _s("deleted", "qapps:library-item", "libraryItemId", parents=QAPPS_INSTANCE)
        ],
        "UpdateLibraryItem": [
            _s("changed", "qapps:library-item", "libraryItemId", parents=QAPPS_INSTANCE)
        ],
        "UpdateLibraryItemMetadata": [
            _s("changed", "qapps:library-item", "libraryItemId", parents=QAPPS_INSTANCE)
        ],
        "UpdateQAppSessionMetadata": [
            _s("changed", "qapps:session", "sessionId", parents=QAPPS_INSTANCE)
        ],
        "ImportDocument": [
            _s(
                "created",
                "qapps:document",
                ("resp:fileId", "fileName"),
                parents=QAPPS_INSTANCE,
                attributes=(("fileName", ("fileName",)), ("appId", ("appId",))),
            )
        ],
    }


def _q_developer() -> dict[str, dict[str, list[Spec]]]:
    codewhisperer = {
        "CreateProfile": [
            _s("created", "codewhisperer:profile", ("resp:profileArn", "profileName"))
        ],
        "UpdateProfile": [_s("changed", "codewhisperer:profile", "profileArn")],
        "DeleteProfile": [_s("deleted", "codewhisperer:profile", "profileArn")],
        "CreateCustomization": [
            _s(
                "created",
                "codewhisperer:customization",
                ("resp:customizationArn", "customizationName"),
                attributes=(("customizationName", ("customizationName",)),),
            )
        ],
        "UpdateCustomization": [
            _s("changed", "codewhisperer:customization", ("identifier", "customizationArn"))
        ],
        "DeleteCustomization": [
            _s("deleted", "codewhisperer:customization", ("identifier", "customizationArn"))
        ],
        "AssociateCustomizationPermission": [
            _s(
                "changed",
                "codewhisperer:customization",
                ("identifier", "customizationArn"),
                attributes=(("groupName", ("permission.groupName",)),),
            )
        ],
    }
    q = {
        "CreatePlugin": [
            _s(
                "created",
                "q:plugin",
                ("resp:pluginId", "pluginProvider"),
                attributes=(("pluginProvider", ("pluginProvider",)), ("url", ("url",))),
            )
        ],
        "UpdatePlugin": [_s("changed", "q:plugin", "pluginId")],
        "DeletePlugin": [_s("deleted", "q:plugin", "pluginId")],
        "CreateOAuthAppConnection": [
            _s("created", "q:oauth-app-connection", ("resp:oAuthAppConnectionId", "appName"))
        ],
        "UpdateOAuthAppConnection": [_s("changed", "q:oauth-app-connection", "appName")],
        "CreateAuthGrant": [_s("created", "q:auth-grant", ("resp:authGrantId", "appName"))],
        "CreateAssignment": [
            _s(
                "created",
                "q:assignment",
                "principalId",
                attributes=(("principalType", ("principalType",)),),
            )
        ],
        "DeleteAssignment": [_s("deleted", "q:assignment", "principalId")],
    }
    return {"codewhisperer.amazonaws.com": codewhisperer, "q.amazonaws.com": q}


def _others() -> dict[str, dict[str, list[Spec]]]:
    wisdom: dict[str, list[Spec]] = {
        "CreateKnowledgeBase": [
            _s("created", "qconnect:knowledge-base", "resp:knowledgeBase.knowledgeBaseId")
        ],
        "DeleteKnowledgeBase": [_s("deleted", "qconnect:knowledge-base", "knowledgeBaseId")],
        "CreateAssistant": [_s("created", "qconnect:assistant", "resp:assistant.assistantId")],
        "DeleteAssistant": [_s("deleted", "qconnect:assistant", "assistantId")],
        "CreateContent": [
            _s(
                "created",
                "qconnect:content",
                ("resp:content.contentId", "name"),
                parents=(("knowledgeBaseId", ("knowledgeBaseId",)),),
                attributes=(("title", ("title",)),),
            )
        ],
        "DeleteContent": [
            _s(
                "deleted",
                "qconnect:content",
                "contentId",
                parents=(("knowledgeBaseId", ("knowledgeBaseId",)),),
            )
        ],
    }
    chatbot: dict[str, list[Spec]] = {}
    for kind, rtype in (
        ("Slack", "chatbot:slack-channel-configuration"),
        ("MicrosoftTeams", "chatbot:teams-channel-configuration"),
    ):
        chatbot[f"Create{kind}ChannelConfiguration"] = [
            _s(
                "created",
                rtype,
                ("resp:ChannelConfiguration.ChatConfigurationArn", "ConfigurationName"),
                attributes=(("IamRoleArn", ("IamRoleArn",)),),
            )
        ]
        chatbot[f"Delete{kind}ChannelConfiguration"] = [
            _s("deleted", rtype, "ChatConfigurationArn")
        ]
        chatbot[f"Update{kind}ChannelConfiguration"] = [
            _s("changed", rtype, "ChatConfigurationArn")
        ]
    logs: dict[str, list[Spec]] = {
        "PutDeliverySource": [
            _s(
                "created",
                "logs:delivery-source",
                "name",
                attributes=(("resourceArn", ("resourceArn",)), ("logType", ("logType",))),
            )
        ],
        "DeleteDeliverySource": [_s("deleted", "logs:delivery-source", "name")],
        "CreateDelivery": [_s("created", "logs:delivery", ("resp:delivery.id",))],
        "DeleteDelivery": [_s("deleted", "logs:delivery", "id")],
    }
    s3: dict[str, list[Spec]] = {
        "CreateBucket": [_s("created", "s3:bucket", "bucketName")],
        "DeleteBucket": [_s("deleted", "s3:bucket", "bucketName")],
        "PutBucketPolicy": [_s("changed", "s3:bucket", "bucketName")],
        "DeleteBucketPolicy": [_s("changed", "s3:bucket", "bucketName")],
        "PutObject": [_s("created", "s3:object", "bucketName", "key")],
        "DeleteObject": [_s("deleted", "s3:object", "bucketName", "key")],
    }
    ec2: dict[str, list[Spec]] = {
        "RunInstances": [_s("created", "ec2:instance", "resp:instancesSet.items[].instanceId")],
        "TerminateInstances": [_s("deleted", "ec2:instance", "instancesSet.items[].instanceId")],
        "StopInstances": [_s("changed", "ec2:instance", "instancesSet.items[].instanceId")],
    }
    return {
        "wisdom.amazonaws.com": wisdom,
        "chatbot.amazonaws.com": chatbot,
        "logs.amazonaws.com": logs,
        "s3.amazonaws.com": s3,
        "ec2.amazonaws.com": ec2,
        "lambda.amazonaws.com": {
            "CreateFunction20150331": [_s("created", "lambda:function", "functionName")],
            "DeleteFunction20150331": [_s("deleted", "lambda:function", "functionName")],
        },
        "cloudformation.amazonaws.com": {
            "CreateStack": [_s("created", "cloudformation:stack", "stackName")],
            "DeleteStack": [_s("deleted", "cloudformation:stack", "stackName")],
        },
    }


SPECS: dict[str, dict[str, list[Spec]]] = {
    "qbusiness.amazonaws.com": _q_business(),
    "iam.amazonaws.com": _iam(),
    "cloudtrail.amazonaws.com": _cloudtrail(),
    "qapps.amazonaws.com": _q_apps(),
    **_q_developer(),
    **_others(),
}

# Sources whose resource calls SPECS lists in full: their other calls (PutFeedback, Chat,
# CreateAnonymousWebExperienceUrl, CreateUploadUrl…) create no resource to contain.
EXACT_SOURCES = frozenset(
    [
        "qbusiness.amazonaws.com",
        "qapps.amazonaws.com",
        "q.amazonaws.com",
        "codewhisperer.amazonaws.com",
    ]
)
