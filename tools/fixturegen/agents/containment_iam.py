"""Fixtures of the containment rules on IAM: persistence, keys, users, roles, root, revocation."""

from __future__ import annotations

from ..common.identities import ACCOUNT, REGION, Caller
from ..common.records import Record
from .iam_calls import ALICE_KEY, REVOKE_SESSIONS, TRUST_LAMBDA, TRUST_Q, iam, key_resp
from .records import Fixtures, err_denied, event, s3_extra
from .world import DEV_PLAIN, IAM_CONSOLE, ROOT_CONSOLE, ROOT_KEY, SECOPS, T26

ALICE = {"userName": "alice"}
SVC = {"userName": "svc-reporting"}


def _create_key(c: Caller, user: str | None) -> Record:
    """CreateAccessKey by ``c``: for IAM user ``user``, or (None) for the caller itself."""
    key = "AKIAI44QH8DHEEXAMPLE" if user else "AKIAIOSFODNN9EXAMPLE"
    req = {"userName": user} if user else None
    return iam(c, T26, "CreateAccessKey", req, resp=key_resp(user, key))


def _list_buckets(c: Caller) -> Record:
    """``aws s3 ls`` with ``c``'s credentials."""
    return event(
        c,
        T26,
        "s3.amazonaws.com",
        "ListBuckets",
        ro=True,
        req={"Host": f"s3.{REGION}.amazonaws.com"},
        extra=s3_extra(980),
        command="s3.ls",
    )


def iam_fixtures() -> Fixtures:
    s = SECOPS
    q_attach = {
        "userName": "svc-reporting",
        "policyArn": "arn:aws:iam::aws:policy/AmazonQFullAccess",
    }
    ro_attach = {"userName": "svc-reporting", "policyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}
    return {
        "IAM Persistence Action": {
            "pos_attach_amazon_q_full_access": iam(s, T26, "AttachUserPolicy", q_attach),
            "pos_create_login_profile": iam(
                s,
                T26,
                "CreateLoginProfile",
                {"userName": "svc-reporting", "passwordResetRequired": False},
            ),
            "neg_attach_read_only_access": iam(s, T26, "AttachUserPolicy", ro_attach),
            "neg_create_user_denied": iam(
                s,
                T26,
                "CreateUser",
                SVC,
                err=err_denied(s, "iam:CreateUser", "user svc-reporting"),
            ),
            "neg_get_user": iam(s, T26, "GetUser", SVC, ro=True),
        },
        "IAM Trust Policy Grants Amazon Q Service Principal": {
            "pos_create_role_trusting_qbusiness": iam(
                s,
                T26,
                "CreateRole",
                {"roleName": "QBusinessAppRole", "assumeRolePolicyDocument": TRUST_Q},
                resp={
                    "role": {
                        "path": "/",
                        "roleName": "QBusinessAppRole",
                        "roleId": "AROAEXAMPLEQBAPPROLE1",
                        "arn": f"arn:aws:iam::{ACCOUNT}:role/QBusinessAppRole",
                        "createDate": "Nov 18, 2026 2:02:11 PM",
                        "assumeRolePolicyDocument": TRUST_Q,
                    }
                },
            ),
            "pos_update_trust_to_q_developer": iam(
                s,
                T26,
                "UpdateAssumeRolePolicy",
                {
                    "roleName": "OpsAutomation",
                    "policyDocument": TRUST_Q.replace("qbusiness.", "q."),
                },
            ),
            "pos_create_web_experience_role": iam(
                s,
                T26,
                "CreateRole",
                {
                    "roleName": "QBusinessWebExperienceRole",
                    "assumeRolePolicyDocument": TRUST_Q.replace(
                        '"qbusiness.amazonaws.com"', '"application.qbusiness.amazonaws.com"'
                    ),
                },
            ),
            "neg_create_role_trusting_lambda": iam(
                s,
                T26,
                "CreateRole",
                {"roleName": "InvoiceLambdaRole", "assumeRolePolicyDocument": TRUST_LAMBDA},
            ),
            "neg_create_role_denied": iam(
                s,
                T26,
                "CreateRole",
                {"roleName": "QBusinessAppRole", "assumeRolePolicyDocument": TRUST_Q},
                err=err_denied(
                    s, "iam:CreateRole", f"arn:aws:iam::{ACCOUNT}:role/QBusinessAppRole"
                ),
            ),
            "neg_inline_policy_naming_q": iam(
                s,
                T26,
                "PutRolePolicy",
                {"roleName": "OpsAutomation", "policyName": "pass-to-q", "policyDocument": TRUST_Q},
            ),
        },
        "IAM Access Key Created": {
            "pos_rotation_key_created": _create_key(s, "alice"),
            "neg_root_creates_own_key": _create_key(ROOT_CONSOLE, None),
            "neg_create_key_denied": iam(
                s,
                T26,
                "CreateAccessKey",
                ALICE,
                err=err_denied(s, "iam:CreateAccessKey", "user alice"),
            ),
            "neg_list_access_keys": iam(s, T26, "ListAccessKeys", ALICE, ro=True),
        },
        "IAM Access Key Deactivated Or Deleted": {
            "pos_key_deactivated": iam(IAM_CONSOLE, T26, "UpdateAccessKey", ALICE_KEY),
            "pos_key_deleted": iam(
                s,
                T26,
                "DeleteAccessKey",
                {"userName": "alice", "accessKeyId": "AKIAIOSFODNN7EXAMPLE"},
            ),
            "neg_key_reactivated": iam(
                IAM_CONSOLE, T26, "UpdateAccessKey", {**ALICE_KEY, "status": "Active"}
            ),
            "neg_deactivate_denied": iam(
                s,
                T26,
                "UpdateAccessKey",
                None,
                err=err_denied(s, "iam:UpdateAccessKey", "user alice"),
            ),
            "neg_list_access_keys": iam(s, T26, "ListAccessKeys", ALICE, ro=True),
        },
        "IAM User Created Or Deleted": {
            "pos_create_user": iam(
                s,
                T26,
                "CreateUser",
                SVC,
                resp={
                    "user": {
                        "path": "/",
                        "userName": "svc-reporting",
                        "userId": "AIDAEXAMPLESVCREPORT1",
                        "arn": f"arn:aws:iam::{ACCOUNT}:user/svc-reporting",
                        "createDate": "Nov 18, 2026 2:02:11 PM",
                    }
                },
            ),
            "pos_delete_user": iam(s, T26, "DeleteUser", SVC),
            "neg_delete_user_conflict": iam(
                s,
                T26,
                "DeleteUser",
                SVC,
                err=("DeleteConflict", "Cannot delete entity, must delete access keys first."),
            ),
            "neg_get_user": iam(s, T26, "GetUser", SVC, ro=True),
        },
        "IAM Role Or Policy Created Or Deleted": {
            "pos_create_role": iam(
                s,
                T26,
                "CreateRole",
                {"roleName": "InvoiceLambdaRole", "assumeRolePolicyDocument": TRUST_LAMBDA},
            ),
            "pos_delete_policy": iam(
                s, T26, "DeletePolicy", {"policyArn": f"arn:aws:iam::{ACCOUNT}:policy/agent-admin"}
            ),
            "neg_update_role": iam(
                s, T26, "UpdateRole", {"roleName": "InvoiceLambdaRole", "maxSessionDuration": 3600}
            ),
            "neg_delete_role_denied": iam(
                s,
                T26,
                "DeleteRole",
                {"roleName": "InvoiceLambdaRole"},
                err=err_denied(
                    s, "iam:DeleteRole", f"arn:aws:iam::{ACCOUNT}:role/InvoiceLambdaRole"
                ),
            ),
        },
        "Role Sessions Revoked With AWSRevokeOlderSessions": {
            "pos_console_revoke_sessions": iam(IAM_CONSOLE, T26, "PutRolePolicy", REVOKE_SESSIONS),
            "neg_other_inline_policy": iam(
                IAM_CONSOLE,
                T26,
                "PutRolePolicy",
                {**REVOKE_SESSIONS, "policyName": "deny-all-temporary"},
            ),
            "neg_revoke_denied": iam(
                IAM_CONSOLE,
                T26,
                "PutRolePolicy",
                REVOKE_SESSIONS,
                err=err_denied(
                    IAM_CONSOLE, "iam:PutRolePolicy", f"arn:aws:iam::{ACCOUNT}:role/PowerUser"
                ),
            ),
            "neg_revocation_policy_removed": iam(
                IAM_CONSOLE,
                T26,
                "DeleteRolePolicy",
                {"roleName": "PowerUser", "policyName": "AWSRevokeOlderSessions"},
            ),
        },
        "Root User Access Key Created": {
            "pos_root_creates_own_key": _create_key(ROOT_CONSOLE, None),
            "neg_admin_creates_key": _create_key(s, "alice"),
            # the root user creating a key for an IAM user is not a root access key
            "neg_root_creates_key_for_iam_user": _create_key(ROOT_CONSOLE, "alice"),
            "neg_root_key_create_denied": iam(
                ROOT_CONSOLE,
                T26,
                "CreateAccessKey",
                None,
                err=("LimitExceeded", "Cannot exceed quota for AccessKeysPerUser: 2"),
            ),
        },
        "Root User API Call With Access Key": {
            "pos_root_key_lists_buckets": _list_buckets(ROOT_KEY),
            "neg_root_console_session": iam(ROOT_CONSOLE, T26, "GetAccountSummary", None, ro=True),
            "neg_iam_user_long_term_key": _list_buckets(DEV_PLAIN),
        },
    }
