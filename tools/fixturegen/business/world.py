"""The Q Business tenant of the fixtures: resource ids and ARNs, and the callers that act on it.

Account 123456789012 owns application ``APP`` (index, data source, retriever, web experience,
plugins, data accessor); an ISV in 444455556666 reads it through a data accessor.
"""

from __future__ import annotations

import hashlib

from ..common.identities import (
    ACCOUNT,
    EXTERNAL_ACCOUNT,
    REGION,
    SSO_PATH,
    Caller,
    assumed_role,
    iam_user,
    service_caller,
    sso_role_name,
)
from ..common.user_agents import BOTO3, CLI_ON_EC2, MAC_CHROME, WINDOWS_EDGE

ISV_ACCOUNT = EXTERNAL_ACCOUNT
QB = "qbusiness.amazonaws.com"
LOGS = "logs.amazonaws.com"
IDENTITY_STORE = f"arn:aws:identitystore::{ACCOUNT}:identitystore/d-1234567890"

APP = "a1b2c3d4-5678-90ab-cdef-EXAMPLE11111"
APP_ANON = "b2c3d4e5-6789-0abc-def1-EXAMPLE77777"
INDEX = "c3d4e5f6-7890-abcd-ef12-EXAMPLE22222"
DATA_SOURCE = "d4e5f6a7-890a-bcde-f123-EXAMPLE33333"
RETRIEVER = "e5f6a7b8-90ab-cdef-1234-EXAMPLE44444"
WEB_EXPERIENCE = "f6a7b8c9-0abc-def1-2345-EXAMPLE55555"
DATA_ACCESSOR = "da123456-7890-abcd-ef01-EXAMPLE66666"
PLUGINS = (
    "0a1b2c3d-4e5f-6a7b-8c9d-EXAMPLE88881",
    "0a1b2c3d-4e5f-6a7b-8c9d-EXAMPLE88882",
    "0a1b2c3d-4e5f-6a7b-8c9d-EXAMPLE88883",
)
USERS = (
    "94d00cd8-e9e6-4810-b177-b08e84775435",
    "5458a4b8-4021-70d5-3c41-2b7cd5a1e0f9",
    "e4c8f4d8-9071-7067-d1a2-8f0e6b3c2a11",
)
CONVERSATION = "c0ffee00-1111-2222-3333-EXAMPLE22222"
MESSAGE = "0f1e2d3c-4b5a-6978-8a9b-EXAMPLE99999"


def app_arn(app: str = APP) -> str:
    return f"arn:aws:qbusiness:{REGION}:{ACCOUNT}:application/{app}"


def index_arn() -> str:
    return f"{app_arn()}/index/{INDEX}"


def role_arn(role: str) -> str:
    return f"arn:aws:iam::{ACCOUNT}:role/{role}"


# --------------------------------------------------------------------------- callers
# Role sessions get their creationDate from the call (records.event), so "" here.


def admin_console(session: str = "alice@example.com") -> Caller:
    """An Identity Center administrator in the console."""
    identity = assumed_role(
        ACCOUNT,
        sso_role_name("AdministratorAccess"),
        session,
        path=SSO_PATH,
        role_id="AROA5EXAMPLEADMIN0001",
        key="ASIAZ4EXAMPLEADMIN01",
    )
    return Caller(identity, MAC_CHROME, "198.51.100.23", console=True)


def cli_role(command: str, role: str = "QBusinessPlatformAdmin", session: str = "bob") -> Caller:
    """A platform role running ``aws <command>``."""
    identity = assumed_role(
        ACCOUNT, role, session, role_id="AROA5EXAMPLEPLATFRM01", key="ASIAZ4EXAMPLEPLATF02"
    )
    return Caller(identity, CLI_ON_EC2.user_agent(command), "203.0.113.17")


def sdk_role(role: str, session: str, ip: str = "192.0.2.44") -> Caller:
    """A backend calling through boto3; role id and key derive from the names."""
    role_id = "AROA5EXAMPLE" + hashlib.sha256(role.encode()).hexdigest()[:9].upper()
    key = "ASIAZ4" + hashlib.sha256(session.encode()).hexdigest()[:7].upper() + "EXAMPLE"
    return Caller(assumed_role(ACCOUNT, role, session, role_id=role_id, key=key), BOTO3, ip)


def cli_user(command: str, user: str = "svc-reporting") -> Caller:
    """An IAM user with a long-term key running ``aws <command>``."""
    return Caller(iam_user(ACCOUNT, user), CLI_ON_EC2.user_agent(command), "203.0.113.99")


def web_user(user_id: str = USERS[0], ip: str = "198.51.100.41") -> Caller:
    """Identity-enhanced web-experience session (AssumedRole + onBehalfOf)."""
    identity = assumed_role(
        ACCOUNT,
        "QBusinessWebExperienceRole",
        "qbusiness-web-experience",
        role_id="AROA5EXAMPLEWEBEXP001",
        key="ASIAZ4EXAMPLEWEBEX03",
    )
    identity["onBehalfOf"] = {"userId": user_id, "identityStoreArn": IDENTITY_STORE}
    return Caller(identity, WINDOWS_EDGE, ip)


def saml_user(email: str = "carol@example.com") -> Caller:
    """IAM-federated (SAML) Q Business user: the session name identifies the person."""
    identity = assumed_role(
        ACCOUNT,
        "QBusinessSamlUsers",
        email,
        role_id="AROA5EXAMPLESAMLUS01",
        key="ASIAZ4EXAMPLESAML004",
    )
    return Caller(identity, WINDOWS_EDGE, "198.51.100.77")


def isv_role() -> Caller:
    """Data-accessor role of an ISV in another account, identity-enhanced."""
    identity = assumed_role(
        ISV_ACCOUNT,
        "isv-data-accessor",
        "isv-search-session",
        role_id="AROA5EXAMPLEISVROLE01",
        key="ASIAZ4EXAMPLEISVR005",
    )
    identity["onBehalfOf"] = {"userId": USERS[2], "identityStoreArn": IDENTITY_STORE}
    return Caller(identity, BOTO3, "203.0.113.200")


def qbusiness_service() -> Caller:
    """Q Business itself (connector syncs)."""
    return service_caller({"type": "AWSService", "invokedBy": QB}, QB)


def cloudformation_role() -> Caller:
    """A stack's execution role, called by CloudFormation."""
    cfn = "cloudformation.amazonaws.com"
    identity = assumed_role(
        ACCOUNT,
        "CfnExecutionRole",
        "AWSCloudFormation",
        role_id="AROA5EXAMPLECFNEXEC1",
        key="ASIAZ4EXAMPLECFN0006",
    )
    identity["invokedBy"] = cfn
    return service_caller(identity, cfn)
