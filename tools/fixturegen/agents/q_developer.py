"""Fixtures of the ``q_developer`` rules: customizations, profiles, prompt logs, plugins."""

from __future__ import annotations

from typing import Any

from ..common.identities import ACCOUNT, REGION
from ..common.records import Record, host_of
from .q_activity import q_send_message
from .records import Fixtures, ddenied, event, s3_extra, s3_object_event
from .world import ADMIN, CUSTOM_ARN, IDC_PRINCIPAL, PROFILE_ARN, QB_APP, SECOPS, T26


def _admin(
    source: str, name: str, req: Record | None = None, *, ro: bool = False, **kw: Any
) -> Record:
    """The administrator's console call ``name`` to ``source`` at ``T26``."""
    return event(ADMIN, T26, source, name, ro=ro, req=req, **kw)


def q_developer() -> Fixtures:
    cw, q, s3 = "codewhisperer.amazonaws.com", "q.amazonaws.com", "s3.amazonaws.com"
    a = ADMIN
    custom_req = {
        "profileArn": PROFILE_ARN,
        "customizationName": "payments-monorepo",
        "description": "Suggestions from the payments monorepo",
        "dataReference": {
            "codeStarReference": {
                "connectionArn": (
                    f"arn:aws:codeconnections:{REGION}:{ACCOUNT}:connection/EXAMPLE-1111"
                )
            }
        },
        "clientToken": "0c2d8e3f-4a5b-4c6d-8e9f-EXAMPLEtok01",
    }
    perm = {"identifier": CUSTOM_ARN, "permission": {"groupName": "all-engineers"}}
    prompt_bucket = "q-prompt-logs-123456789012"
    prompt_key = (
        "AWSLogs/123456789012/QDeveloperLogs/GenerateAssistantResponse/us-east-1/2026/11/18/"
        "13/123456789012_GenerateAssistantResponse_20261118T1355Z_EXAMPLE.json.gz"
    )
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "QDeveloperLogsWrite",
                "Effect": "Allow",
                "Principal": {"Service": "q.amazonaws.com"},
                "Action": "s3:PutObject",
                "Resource": f"arn:aws:s3:::{prompt_bucket}/*",
                "Condition": {
                    "StringEquals": {"aws:SourceAccount": ACCOUNT},
                    "ArnLike": {"aws:SourceArn": f"arn:aws:codewhisperer:{REGION}:{ACCOUNT}:*"},
                },
            },
            {
                "Sid": "StopQ",
                "Effect": "Deny",
                "Principal": {"Service": "q.amazonaws.com"},
                "Action": "s3:PutObject",
                "Resource": f"arn:aws:s3:::{prompt_bucket}/*",
            },
        ],
    }
    ct_policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AWSCloudTrailWrite",
                "Effect": "Allow",
                "Principal": {"Service": "cloudtrail.amazonaws.com"},
                "Action": "s3:PutObject",
                "Resource": "arn:aws:s3:::org-trail-123456789012/AWSLogs/*",
            }
        ],
    }

    def bucket_ev(name: str, pol: Record | None, bucket: str = prompt_bucket, **kw: Any) -> Record:
        req: Record = {"bucketName": bucket, "Host": host_of("s3", bucket), "policy": ""}
        if pol is not None:
            req = {"bucketPolicy": pol, **req}
        return event(
            SECOPS,
            T26,
            s3,
            name,
            ro=pol is None,
            req=req,
            extra=s3_extra(),
            bucket=bucket,
            resources=[
                {"accountId": ACCOUNT, "type": "AWS::S3::Bucket", "ARN": f"arn:aws:s3:::{bucket}"}
            ],
            command="s3api.put-bucket-policy",
            **kw,
        )

    plugin_req = {
        "pluginProvider": "DATADOG",
        "url": "https://api.datadoghq.example.com",
        "pluginCredentials": "HIDDEN_DUE_TO_SECURITY_REASONS",
    }
    plugin_resp = {"pluginId": "EXAMPLEPLUGIN1"}
    assign = {"principalId": IDC_PRINCIPAL, "principalType": "USER"}
    return {
        "Q Developer Customization Created Or Widened": {
            "pos_create_customization": _admin(
                cw, "CreateCustomization", custom_req, resp={"customizationArn": CUSTOM_ARN}
            ),
            "pos_associate_customization_permission": _admin(
                cw, "AssociateCustomizationPermission", perm
            ),
            "neg_disassociate_customization_permission": _admin(
                cw, "DisassociateCustomizationPermission", perm
            ),
            "neg_create_customization_denied": _admin(
                cw,
                "CreateCustomization",
                custom_req,
                err=ddenied(a, "codewhisperer", "CreateCustomization"),
            ),
            "neg_list_customizations": _admin(
                cw, "ListCustomizations", {"maxResults": 50}, ro=True
            ),
        },
        "Q Developer Profile Changed Or Deleted": {
            "pos_update_profile_references_allowed": _admin(
                cw,
                "UpdateProfile",
                {
                    "profileArn": PROFILE_ARN,
                    "profileName": "QDevProfile-us-east-1",
                    "referenceTrackerConfiguration": {"recommendationsWithReferences": "ALLOW"},
                },
                resp={"profileArn": PROFILE_ARN},
            ),
            "pos_delete_profile": _admin(cw, "DeleteProfile", {"profileArn": PROFILE_ARN}),
            "neg_create_profile": _admin(
                cw,
                "CreateProfile",
                {
                    "identitySource": {
                        "ssoIdentitySource": {
                            "instanceArn": "arn:aws:sso:::instance/ssoins-EXAMPLE1234567890"
                        }
                    },
                    "profileName": "QDevProfile-us-east-1",
                    "referenceTrackerConfiguration": {"recommendationsWithReferences": "BLOCK"},
                },
                resp={"profileArn": PROFILE_ARN},
            ),
            "neg_update_profile_denied": _admin(
                cw,
                "UpdateProfile",
                {"profileArn": PROFILE_ARN, "profileName": "x"},
                err=ddenied(a, "codewhisperer", "UpdateProfile"),
            ),
            "neg_list_profiles": _admin(cw, "ListProfiles", {"maxResults": 10}, ro=True),
        },
        "Q Developer Prompt Log Objects Deleted": {
            "pos_delete_prompt_log_object": s3_object_event(
                SECOPS, T26, "DeleteObject", prompt_bucket, prompt_key, ACCOUNT, command="s3.rm"
            ),
            "neg_delete_other_object": s3_object_event(
                SECOPS,
                T26,
                "DeleteObject",
                prompt_bucket,
                "exports/old-report.csv",
                ACCOUNT,
                command="s3.rm",
            ),
            "neg_get_prompt_log_object": s3_object_event(
                SECOPS,
                T26,
                "GetObject",
                prompt_bucket,
                prompt_key,
                ACCOUNT,
                ro=True,
                command="s3.cp",
            ),
            "neg_delete_prompt_log_denied": s3_object_event(
                SECOPS,
                T26,
                "DeleteObject",
                prompt_bucket,
                prompt_key,
                ACCOUNT,
                command="s3.rm",
                err=("AccessDenied", "Access Denied"),
            ),
        },
        "Q Developer Prompt Log Bucket Policy Changed": {
            "pos_deny_statement_added": bucket_ev("PutBucketPolicy", policy),
            "neg_cloudtrail_bucket_policy": bucket_ev(
                "PutBucketPolicy", ct_policy, "org-trail-123456789012"
            ),
            "neg_get_bucket_policy": bucket_ev("GetBucketPolicy", None),
            "neg_put_policy_denied": bucket_ev(
                "PutBucketPolicy", policy, err=("AccessDenied", "Access Denied")
            ),
        },
        "Q Developer Plugin Or OAuth Connection Registered": {
            "pos_create_plugin": _admin(q, "CreatePlugin", plugin_req, resp=plugin_resp),
            "pos_create_oauth_app_connection": _admin(
                q,
                "CreateOAuthAppConnection",
                {
                    "appName": "GITLAB",
                    "clientId": "HIDDEN_DUE_TO_SECURITY_REASONS",
                    "clientSecret": "HIDDEN_DUE_TO_SECURITY_REASONS",
                },
            ),
            "neg_delete_plugin": _admin(q, "DeletePlugin", {"pluginId": "EXAMPLEPLUGIN1"}),
            "neg_q_business_create_plugin": event(
                a,
                T26,
                "qbusiness.amazonaws.com",
                "CreatePlugin",
                ro=False,
                req={
                    "applicationId": QB_APP,
                    "displayName": "jira-cloud",
                    "type": "JIRA_CLOUD",
                    "serverUrl": "https://example.atlassian.net",
                    "authConfiguration": {
                        "oAuth2ClientCredentialConfiguration": {
                            "secretArn": (
                                f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:jira-EXAMPLE"
                            ),
                            "roleArn": f"arn:aws:iam::{ACCOUNT}:role/QBusinessPluginRole",
                        }
                    },
                },
            ),
            "neg_create_plugin_denied": _admin(
                q, "CreatePlugin", plugin_req, err=ddenied(a, "q", "CreatePlugin")
            ),
        },
        "Q Developer Profile Assignment Changed": {
            "pos_create_assignment": _admin(q, "CreateAssignment", assign),
            "pos_delete_assignment": _admin(q, "DeleteAssignment", assign),
            "neg_create_assignment_denied": _admin(
                q, "CreateAssignment", assign, err=ddenied(a, "q", "CreateAssignment")
            ),
            "neg_console_chat_message": q_send_message(a, T26),
        },
    }
