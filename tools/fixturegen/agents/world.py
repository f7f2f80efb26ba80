"""Callers and resource names shared by the agent, Q Developer/Apps/Connect, containment fixtures.

Recent events happen at ``T26`` (2026-11-18, eventVersion 1.11) in account 123456789012; the July
2025 wiper's addresses and profiles are in :mod:`.wiper`.
"""

from __future__ import annotations

from dataclasses import replace

from ..common.identities import (
    ACCOUNT,
    REGION,
    Caller,
    Identity,
    assumed_role,
    iam_user,
    root,
    service_caller,
    sso_user,
    with_invoked_by,
)
from ..common.user_agents import CLI_ON_LAPTOP, COMMAND, Q_CLI_ENV, Q_IDE_ENV, WINDOWS_CHROME

IDSTORE = f"arn:aws:identitystore::{ACCOUNT}:identitystore/d-9067642ac7"
T26 = "2026-11-18T14:02:11Z"  # recent events (eventVersion 1.11)
WIPER_IP = "203.0.113.77"  # the developer laptop the July 2025 wiper ran on


def cli(exec_env: str | None = None) -> str:
    """AWS CLI user agent with the ``{cmd}`` placeholder (filled per call)."""
    return CLI_ON_LAPTOP.user_agent(COMMAND, exec_env)


ADMIN = Caller(
    sso_user(ACCOUNT, "admin@example.com", "2026-11-18T13:40:02Z"),
    WINDOWS_CHROME,
    "198.51.100.10",
    True,
)
IAM_CONSOLE = replace(ADMIN, user_agent="AWS Internal")  # IAM console calls
SECOPS = Caller(
    sso_user(ACCOUNT, "secops@example.com", "2026-11-18T13:51:40Z"), cli(), "198.51.100.20"
)
DEV = iam_user(ACCOUNT, "dev-alice")
DEV_Q_CLI = Caller(DEV, cli(Q_CLI_ENV), WIPER_IP)
DEV_PLAIN = Caller(DEV, cli(), WIPER_IP)
DEV_IDE = Caller(
    sso_user(ACCOUNT, "dev@example.com", "2026-11-18T13:30:00Z", "PowerUserAccess"),
    cli(Q_IDE_ENV),
    "192.0.2.44",
)
POWER = assumed_role(ACCOUNT, "PowerUser", "aws-user", created="2026-11-18T13:55:00Z")
VIA_Q = service_caller(with_invoked_by(POWER, "q.amazonaws.com"), "q.amazonaws.com")
ROOT_CONSOLE = Caller(root(ACCOUNT), WINDOWS_CHROME, "192.0.2.10", True)
ROOT_KEY = Caller(root(ACCOUNT, "AKIAIOSFODNN9EXAMPLE"), cli(), "192.0.2.200")
IDC_USER: Identity = {
    "type": "IdentityCenterUser",
    "accountId": ACCOUNT,
    "onBehalfOf": {"userId": "544894e8-80c1-707f-60e3-3ba6510dfac1", "identityStoreArn": IDSTORE},
    "credentialId": "EXAMPLEVHULjJdTUdPJfofVa1sufHDoj7aYcOYcxFVllWR_Whr1fEXAMPLE",
}
QAPPS_ROLE = {
    **assumed_role(
        ACCOUNT, "QBusinessWebExperienceRole", "qbiz-websession", created="2026-11-18T13:58:10Z"
    ),
    "onBehalfOf": {"userId": "94d00cd8-e9e6-4810-b177-b08e84775435", "identityStoreArn": IDSTORE},
}
QAPPS_USER = Caller(QAPPS_ROLE, WINDOWS_CHROME, "198.51.100.23")

PROFILE_ARN = f"arn:aws:codewhisperer:{REGION}:{ACCOUNT}:profile/EXAMPLEPROFILE1"
CUSTOM_ARN = f"arn:aws:codewhisperer:{REGION}:{ACCOUNT}:customization/EXAMPLECUSTOM1"
QB_APP = "a1b2c3d4-5678-90ab-cdef-EXAMPLE11111"
QB_APP_ARN = f"arn:aws:qbusiness:{REGION}:{ACCOUNT}:application/{QB_APP}"
QAPPS_HDR = {
    "idc-application-arn": f"arn:aws:sso::{ACCOUNT}:application/ssoins-EXAMPLE/apl-EXAMPLE",
    "application-id": QB_APP,
}
APP_ID = "7b1e2a7c-0d5e-4b9f-8c11-EXAMPLE0app1"
ASSISTANT = "a0b1c2d3-e4f5-4a6b-8c7d-EXAMPLEassis"
KB = "b1c2d3e4-f5a6-4b7c-8d9e-EXAMPLEkb001"
IDC_PRINCIPAL = "544894e8-80c1-707f-60e3-3ba6510dfac1"  # an Identity Center user id
