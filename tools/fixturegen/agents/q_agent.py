"""Fixtures of the ``q_agent`` rules: the July 2025 wiper, Amazon Q agents acting through the
AWS CLI, and Amazon Q in the console acting on a user's behalf."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ..common.identities import ACCOUNT, REGION, Caller, iam_user
from ..common.records import Error, Record, host_of, shift
from ..common.user_agents import Q_CLI_ENV, WINDOWS_CHROME
from .iam_calls import iam
from .q_activity import cw_generate
from .records import Fixtures, ddenied, err_denied, event, s3_delete_objects, s3_extra
from .wiper import (
    DESTRUCTIVE,
    WIPER_START,
    from_ip,
    only,
    respace,
    wiper_all,
    wiper_profiles,
    wiper_run,
)
from .world import DEV_IDE, DEV_PLAIN, DEV_Q_CLI, POWER, T26, VIA_Q


def _one(records: list[Record], name: str) -> Record:
    return next(r for r in records if r["eventName"] == name and "errorCode" not in r)


def _conflict(records: list[Record]) -> Record:
    """The wiper's first DeleteUser, refused because the user still has a login profile."""
    return next(r for r in records if r.get("errorCode") == "DeleteConflict")


def _ide_create_bucket() -> Record:
    """The IDE agent creating a scratch bucket (a mutating call, not a destructive one)."""
    bucket = "scratch-ide-123456789012"
    return event(
        DEV_IDE,
        T26,
        "s3.amazonaws.com",
        "CreateBucket",
        ro=False,
        bucket=bucket,
        req={"bucketName": bucket, "Host": host_of("s3", bucket)},
        extra=s3_extra(),
        command="s3.mb",
    )


def _q_cli_put_role_policy(
    role: str, policy: str, document: str, err: Error | None = None
) -> Record:
    """The Q CLI agent writing an inline role policy through ``use_aws``."""
    req = {"roleName": role, "policyName": policy, "policyDocument": document}
    return iam(DEV_Q_CLI, T26, "PutRolePolicy", req, err=err)


def _stop_instances(c: Caller, req: Record, **kw: Any) -> Record:
    """``ec2:StopInstances`` by ``c`` at ``T26``."""
    return event(c, T26, "ec2.amazonaws.com", "StopInstances", ro=False, req=req, **kw)


def _plain_wipe() -> list[Record]:
    return wiper_all(None)


def _burst(objects: int) -> list[Record]:
    return wiper_run(wiper_profiles(None)[0], WIPER_START, objects=objects)


def _discovery_vs_destruction(
    gap: int, same_identity: bool = True, reverse: bool = False
) -> list[Record]:
    p0 = wiper_profiles(None)[0]
    other = replace(
        p0, caller=replace(p0.caller, identity=iam_user(ACCOUNT, "ops-bob", "AKIAI44QH8DHBEXAMPLE"))
    )
    run = wiper_run(p0, WIPER_START)
    disc = only(run, "GetCallerIdentity", "DescribeInstances", "ListBuckets", "ListUsers")
    destroy_run = run if same_identity else wiper_run(other, WIPER_START)
    destroy = only(destroy_run, "TerminateInstances", "DeleteObject", "DeleteUser")
    if reverse:
        return respace(destroy, WIPER_START, 4) + respace(disc, shift(WIPER_START, 60), 3)
    return respace(disc, WIPER_START, 3) + respace(destroy, shift(WIPER_START, gap), 4)


def _denials(c: Caller, start: str, step: int, n: int) -> list[Record]:
    calls = [
        ("iam.amazonaws.com", "ListUsers", "AccessDenied", "iam.list-users"),
        ("iam.amazonaws.com", "ListRoles", "AccessDenied", "iam.list-roles"),
        (
            "iam.amazonaws.com",
            "GetAccountAuthorizationDetails",
            "AccessDenied",
            "iam.get-account-authorization-details",
        ),
        ("s3.amazonaws.com", "ListBuckets", "AccessDenied", "s3.ls"),
        (
            "ec2.amazonaws.com",
            "DescribeInstances",
            "Client.UnauthorizedOperation",
            "ec2.describe-instances",
        ),
        (
            "ec2.amazonaws.com",
            "DescribeSecurityGroups",
            "Client.UnauthorizedOperation",
            "ec2.describe-security-groups",
        ),
        (
            "secretsmanager.amazonaws.com",
            "ListSecrets",
            "AccessDeniedException",
            "secretsmanager.list-secrets",
        ),
        ("kms.amazonaws.com", "ListKeys", "AccessDeniedException", "kms.list-keys"),
        ("dynamodb.amazonaws.com", "ListTables", "AccessDeniedException", "dynamodb.list-tables"),
        ("rds.amazonaws.com", "DescribeDBInstances", "AccessDenied", "rds.describe-db-instances"),
        ("iam.amazonaws.com", "ListPolicies", "AccessDenied", "iam.list-policies"),
    ]
    out = []
    for i, (src, name, code, cmd) in enumerate(calls[:n]):
        svc = src.split(".")[0]
        req = {"Host": f"s3.{REGION}.amazonaws.com"} if svc == "s3" else None
        out.append(
            event(
                c,
                shift(start, i * step),
                src,
                name,
                ro=True,
                command=cmd,
                req=req,
                err=ddenied(c, svc, name, code),
            )
        )
    return out


def q_agent() -> Fixtures:
    stop_req = {"instancesSet": {"items": [{"instanceId": "i-0123456789abcdef0"}]}, "force": False}
    q_wipe = wiper_all(Q_CLI_ENV)
    plain = wiper_run(wiper_profiles(None)[0], WIPER_START)
    return {
        "Destructive AWS API Call By Amazon Q Agent": {
            "pos_july2025_use_aws_wipe_three_accounts": q_wipe,
            "pos_ide_agent_delete_stack": event(
                DEV_IDE,
                T26,
                "cloudformation.amazonaws.com",
                "DeleteStack",
                ro=False,
                req={"stackName": "payments-dev"},
                command="cloudformation.delete-stack",
            ),
            "pos_cli_agent_delete_function": event(
                DEV_Q_CLI,
                T26,
                "lambda.amazonaws.com",
                "DeleteFunction20150331",
                ro=False,
                req={"functionName": "invoice-renderer"},
                command="lambda.delete-function",
            ),
            "neg_execute_bash_era_no_marker": _one(plain, "TerminateInstances"),
            "neg_delete_user_conflict_with_marker": _conflict(q_wipe),
            "neg_describe_instances_with_marker": _one(q_wipe, "DescribeInstances"),
            "neg_create_bucket_with_marker": _ide_create_bucket(),
        },
        "Destructive AWS API Call": {
            "pos_terminate_instances_plain_cli": _one(plain, "TerminateInstances"),
            "pos_delete_objects_batch": s3_delete_objects(
                DEV_PLAIN,
                "2025-07-18T09:13:40Z",
                "dev-alice-scratch-123456789012",
                ACCOUNT,
                command="s3api.delete-objects",
                version="1.10",
            ),
            "neg_delete_user_conflict": _conflict(plain),
            "neg_describe_instances": _one(plain, "DescribeInstances"),
            "neg_detach_user_policy": _one(plain, "DetachUserPolicy"),
        },
        "Cloud Discovery Call": {
            "pos_get_caller_identity": _one(plain, "GetCallerIdentity"),
            "pos_list_buckets": _one(plain, "ListBuckets"),
            "neg_list_users_denied": _denials(DEV_PLAIN, WIPER_START, 1, 1)[0],
            "neg_list_objects_data_event": _one(plain, "ListObjects"),
            "neg_list_access_keys": _one(plain, "ListAccessKeys"),
        },
        "Agent Wipe Across Multiple Accounts From One Source": {
            "pos_july2025_execute_bash_three_accounts": _plain_wipe(),
            "pos_july2025_use_aws_three_accounts": wiper_all(Q_CLI_ENV),
            "neg_single_account": plain,
            "neg_second_account_after_16_minutes": wiper_all(None, gaps=(0, 1000)),
            "neg_two_accounts_two_sources": wiper_run(wiper_profiles(None)[0], WIPER_START)
            + wiper_run(wiper_profiles(None, "198.51.100.23")[1], shift(WIPER_START, 75)),
        },
        "Burst Of Destructive AWS API Calls From One Source": {
            "pos_july2025_single_account_ten_deletions": _burst(6),
            "neg_nine_deletions": _burst(5),
            "neg_ten_deletions_over_20_minutes": respace(
                only(_burst(6), *DESTRUCTIVE), WIPER_START, 130
            ),
            "neg_split_across_two_sources": (lambda d: d[:5] + from_ip(d[5:], "198.51.100.23"))(
                only(_burst(6), *DESTRUCTIVE)
            ),
        },
        "Cloud Discovery Followed By Destruction": {
            "pos_july2025_list_then_delete": plain,
            "neg_destruction_before_discovery": _discovery_vs_destruction(0, reverse=True),
            "neg_destruction_20_minutes_after_discovery": _discovery_vs_destruction(1200),
            "neg_destruction_by_other_identity": _discovery_vs_destruction(30, same_identity=False),
        },
        "Mutating AWS Call Through Amazon Q Agent": {
            "pos_ide_agent_create_bucket": _ide_create_bucket(),
            "pos_cli_agent_put_role_policy": _q_cli_put_role_policy(
                "invoice-renderer-role",
                "s3-read",
                '{"Version":"2012-10-17","Statement":[{"Effect":"Allow",'
                '"Action":"s3:GetObject","Resource":"arn:aws:s3:::invoices-123456789012/*"}]}',
            ),
            "neg_q_cli_own_model_call": cw_generate(T26),
            "neg_read_only_with_marker": event(
                DEV_Q_CLI,
                T26,
                "ec2.amazonaws.com",
                "DescribeInstances",
                ro=True,
                req={"instancesSet": {}, "filterSet": {}},
                command="ec2.describe-instances",
            ),
            "neg_denied_with_marker": _q_cli_put_role_policy(
                "OrganizationAccountAccessRole",
                "agent-admin",
                '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}',
                err=err_denied(
                    DEV_Q_CLI, "iam:PutRolePolicy", "role OrganizationAccountAccessRole"
                ),
            ),
        },
        "Amazon Q Console Agent Write On Behalf Of User": {
            "pos_stop_instances_via_q_chat": _stop_instances(
                VIA_Q,
                stop_req,  # the call Q makes after its dry-run probe
                resp={
                    "instancesSet": {
                        "items": [
                            {
                                "instanceId": "i-0123456789abcdef0",
                                "currentState": {"code": 64, "name": "stopping"},
                                "previousState": {"code": 16, "name": "running"},
                            }
                        ]
                    }
                },
            ),
            "pos_create_bucket_via_q_chat": event(
                VIA_Q,
                T26,
                "s3.amazonaws.com",
                "CreateBucket",
                ro=False,
                extra=s3_extra(),
                req={"bucketName": "q-created-123456789012", "Host": "s3.amazonaws.com"},
            ),
            "neg_list_buckets_via_q_chat": event(
                VIA_Q,
                T26,
                "s3.amazonaws.com",
                "ListBuckets",
                ro=True,
                req={"Host": "s3.amazonaws.com"},
                extra=s3_extra(4054),
                version="1.09",
            ),
            "neg_pass_request": event(VIA_Q, T26, "q.amazonaws.com", "PassRequest", ro=False),
            "neg_dry_run_probe": _stop_instances(VIA_Q, {**stop_req, "dryRun": True}),
            "neg_dry_run_probe_ec2_error": _stop_instances(
                VIA_Q,
                {**stop_req, "dryRun": True},
                err=(
                    "Client.DryRunOperation",
                    "Request would have succeeded, but DryRun flag is set.",
                ),
            ),
            "neg_stop_instances_by_user": _stop_instances(
                Caller(POWER, WINDOWS_CHROME, "198.51.100.10", True), stop_req
            ),
        },
        "Amazon Q Agent Access Denied": {
            "pos_list_users_denied_q_cli": _denials(DEV_Q_CLI, T26, 1, 1)[0],
            "pos_describe_instances_unauthorized_ide": _denials(DEV_IDE, T26, 1, 5)[4],
            "neg_denied_plain_cli": _denials(DEV_PLAIN, T26, 1, 1)[0],
            "neg_delete_conflict_with_marker": _conflict(q_wipe),
            "neg_success_with_marker": _one(q_wipe, "ListUsers"),
        },
        "Access Denied Burst From Amazon Q Agent": {
            "pos_ten_denials_in_two_minutes": _denials(DEV_Q_CLI, T26, 12, 10),
            "neg_nine_denials": _denials(DEV_Q_CLI, T26, 12, 9),
            "neg_ten_denials_over_seven_minutes": _denials(DEV_Q_CLI, T26, 45, 10),
            "neg_split_across_two_identities": (
                _denials(DEV_Q_CLI, T26, 12, 10)[:5] + _denials(DEV_IDE, shift(T26, 60), 12, 10)[5:]
            ),
        },
    }


# AQ-22 detects the wiper *pattern* with or without the Amazon Q user agent (the
# execute_bash era left no marker), so these rules also fire on non-Q destruction:
# they live in the containment component, whose real-data matches are judged one by one.
AGENT_WIPE_PATTERN_RULES = frozenset(
    {
        "Destructive AWS API Call",
        "Cloud Discovery Call",
        "Agent Wipe Across Multiple Accounts From One Source",
        "Burst Of Destructive AWS API Calls From One Source",
        "Cloud Discovery Followed By Destruction",
    }
)


def q_agent_specific() -> Fixtures:
    """Fixtures of the rules keyed on Amazon Q markers (component ``q_agent``)."""
    return {t: f for t, f in q_agent().items() if t not in AGENT_WIPE_PATTERN_RULES}


def agent_wipe_patterns() -> Fixtures:
    """Fixtures of the marker-free AQ-22 pattern rules (component ``containment``)."""
    return {t: f for t, f in q_agent().items() if t in AGENT_WIPE_PATTERN_RULES}
