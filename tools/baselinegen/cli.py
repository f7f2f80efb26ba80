"""Q CLI surface: ``q_developer_cli.json`` (``q chat`` calls, read-only ``use_aws`` calls)."""

from __future__ import annotations

from typing import Any

from .common import (
    CW_PROFILE_ARN,
    ENG,
    REGION,
    Day,
    Person,
    record,
)

CLI_VERSION = "1.12.4"
AWS_CLI_UA = (
    "aws-cli/2.27.50 md/awscrt#0.26.1 ua/2.1 os/linux#6.8.0-48-generic md/arch#x86_64 "
    "lang/python#3.13.4 md/pyimpl#CPython exec-env/AmazonQ-For-CLI-Version-{version} m/E "
    "cfg/retry-mode#standard md/installer#exe md/distrib#ubuntu.24 md/prompt#off "
    "md/command#{command}"
)
Q_CLI_SDK_UA = (
    "aws-sdk-rust/1.3.9 ua/2.1 api/codewhispererstreaming/0.1.11981 os/linux lang/rust/1.87.0 "
    "md/appVersion-{version} app/AmazonQ-For-CLI"
)

CLI_READS: tuple[tuple[str, str, str, dict[str, Any] | None, str], ...] = (
    (
        "sts.amazonaws.com",
        "GetCallerIdentity",
        "sts.get-caller-identity",
        None,
        f"sts.{REGION}.amazonaws.com",
    ),
    ("s3.amazonaws.com", "ListBuckets", "s3.ls", {"Host": "s3.amazonaws.com"}, "s3.amazonaws.com"),
    (
        "ec2.amazonaws.com",
        "DescribeInstances",
        "ec2.describe-instances",
        {
            "instancesSet": {},
            "filterSet": {
                "items": [
                    {"name": "instance-state-name", "valueSet": {"items": [{"value": "running"}]}}
                ]
            },
        },
        f"ec2.{REGION}.amazonaws.com",
    ),
    (
        "lambda.amazonaws.com",
        "ListFunctions20150331",
        "lambda.list-functions",
        None,
        f"lambda.{REGION}.amazonaws.com",
    ),
    (
        "logs.amazonaws.com",
        "DescribeLogGroups",
        "logs.describe-log-groups",
        {"logGroupNamePrefix": "/aws/lambda/"},
        f"logs.{REGION}.amazonaws.com",
    ),
    (
        "cloudformation.amazonaws.com",
        "DescribeStacks",
        "cloudformation.describe-stacks",
        None,
        f"cloudformation.{REGION}.amazonaws.com",
    ),
    ("iam.amazonaws.com", "ListRoles", "iam.list-roles", None, "iam.amazonaws.com"),
    (
        "s3.amazonaws.com",
        "GetBucketPolicy",
        "s3api.get-bucket-policy",
        {
            "bucketName": "amzn-s3-demo-bucket",
            "Host": "amzn-s3-demo-bucket.s3.us-east-1.amazonaws.com",
            "policy": "",
        },
        "amzn-s3-demo-bucket.s3.us-east-1.amazonaws.com",
    ),
    (
        "dynamodb.amazonaws.com",
        "ListTables",
        "dynamodb.list-tables",
        None,
        f"dynamodb.{REGION}.amazonaws.com",
    ),
)


def q_cli_session(day: Day, person: Person, sessions: int) -> None:
    """``q chat`` sessions: the CLI's own chat calls and read-only ``use_aws`` calls."""
    file = "q_developer_cli.json"
    for _ in range(sessions):
        when = day.start_between(8.5, 17.5)
        for _turn in range(day.rng.randint(2, 4)):
            when = day.after(when, 10, 120)
            day.emit(
                file,
                record(
                    day,
                    when=when,
                    identity=person.idc_user(),
                    source="codewhisperer.amazonaws.com",
                    name="SendMessage",
                    ip=person.ip,
                    agent=Q_CLI_SDK_UA.format(version=CLI_VERSION),
                    request={
                        "profileArn": CW_PROFILE_ARN,
                        "conversationState": {
                            "conversationId": day.uuid(),
                            "chatTriggerType": "MANUAL",
                            "currentMessage": "HIDDEN_DUE_TO_SECURITY_REASONS",
                        },
                        "source": "CLI",
                    },
                    response=None,
                    read_only=False,
                    recipient=ENG,
                    host=f"q.{REGION}.amazonaws.com",
                    category="Data",
                    resources=[
                        {
                            "accountId": ENG,
                            "type": "AWS::CodeWhisperer::Profile",
                            "ARN": CW_PROFILE_ARN,
                        }
                    ],
                ),
            )
            for _call in range(day.rng.randint(1, 3)):
                source, name, command, request, host = day.rng.choice(CLI_READS)
                when = day.after(when, 2, 25)
                error = None
                if name == "GetBucketPolicy":
                    error = ("NoSuchBucketPolicy", "The bucket policy does not exist")
                day.emit(
                    file,
                    record(
                        day,
                        when=when,
                        identity=person.sso_session(),
                        source=source,
                        name=name,
                        ip=person.ip,
                        agent=AWS_CLI_UA.format(version=CLI_VERSION, command=command),
                        request=request,
                        response=None,
                        read_only=True,
                        recipient=ENG,
                        host=host,
                        error=error,
                    ),
                )
