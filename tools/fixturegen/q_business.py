"""Generate the CloudTrail fixtures of the ``q_business`` rules, deterministically.

Usage::

    python tools/fixturegen/q_business.py          # (re)write fixtures/q_business/
    python tools/fixturegen/q_business.py --check  # exit 1 if a committed fixture differs

The records are SYNTHETIC: assembled from the facts in the Amazon Q CloudTrail brief
(record format §3, Q Business operations §2.1, templates §3.6) and the botocore
``qbusiness`` / ``logs`` service models, whose operation and member names every
``requestParameters`` block is checked against (``_check_params``) before anything is written.
Identifiers (``eventID``, ``requestID``, tokens) are uuid4-shaped values derived from a hash of
the fixture path, so a re-run reproduces every file byte for byte.
Only documentation values are used: accounts 123456789012 / 111122223333 / 444455556666,
RFC 5737 addresses, ``example.com``/``example.net`` names, ``...EXAMPLE`` key ids.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import sys
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "fixtures" / "q_business"
sys.path.insert(0, str(ROOT))

from sigmaq.jsonfmt import canonical_json  # noqa: E402

Record = dict[str, Any]

ACCOUNT = "123456789012"
ISV_ACCOUNT = "444455556666"
REGION = "us-east-1"
QB = "qbusiness.amazonaws.com"
LOGS = "logs.amazonaws.com"
QB_HOST = f"qbusiness.{REGION}.api.aws"
LOGS_HOST = f"logs.{REGION}.amazonaws.com"
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


def app_arn(app: str = APP) -> str:
    return f"arn:aws:qbusiness:{REGION}:{ACCOUNT}:application/{app}"


def index_arn() -> str:
    return f"{app_arn()}/index/{INDEX}"


# --------------------------------------------------------------------------- callers

CONSOLE_UA = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
)
WEB_UA = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0"
)
BOTO3_UA = (
    "Boto3/1.35.90 md/Botocore#1.35.90 ua/2.0 os/linux#6.1.119-129.201.amzn2023.x86_64 "
    "md/arch#x86_64 lang/python#3.12.8 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.35.90"
)


def cli_ua(command: str) -> str:
    """AWS CLI v2 user agent; ``command`` is ``service.operation-name``."""
    return (
        "aws-cli/2.22.35 md/awscrt#0.23.8 ua/2.1 os/linux#6.8.0-1021-aws md/arch#x86_64 "
        "lang/python#3.12.9 md/pyimpl#CPython m/E cfg/retry-mode#standard md/installer#exe "
        f"md/distrib#ubuntu.24 md/prompt#off md/command#{command}"
    )


@dataclass(frozen=True)
class Caller:
    """Who makes a call: ``userIdentity`` plus how the request reached AWS."""

    identity: dict[str, Any]
    user_agent: str
    source_ip: str
    console: bool = False
    via: str | None = None  # set when an AWS service made the call (no tlsDetails)

    @property
    def arn(self) -> str:
        return str(self.identity.get("arn", self.via or "service"))


def _role_identity(
    account: str, role: str, session: str, role_id: str, key: str, path: str = ""
) -> dict[str, Any]:
    return {
        "type": "AssumedRole",
        "principalId": f"{role_id}:{session}",
        "arn": f"arn:aws:sts::{account}:assumed-role/{role}/{session}",
        "accountId": account,
        "accessKeyId": key,
        "sessionContext": {
            "sessionIssuer": {
                "type": "Role",
                "principalId": role_id,
                "arn": f"arn:aws:iam::{account}:role/{path}{role}",
                "accountId": account,
                "userName": role,
            },
            "webIdFederationData": {},
            "attributes": {"creationDate": "", "mfaAuthenticated": "false"},
        },
    }


SSO_ADMIN_ROLE = "AWSReservedSSO_AdministratorAccess_0123456789abcdef"


def admin_console(session: str = "alice@example.com") -> Caller:
    identity = _role_identity(
        ACCOUNT,
        SSO_ADMIN_ROLE,
        session,
        "AROA5EXAMPLEADMIN0001",
        "ASIAZ4EXAMPLEADMIN01",
        "aws-reserved/sso.amazonaws.com/",
    )
    return Caller(identity, CONSOLE_UA, "198.51.100.23", console=True)


def cli_role(command: str, role: str = "QBusinessPlatformAdmin", session: str = "bob") -> Caller:
    identity = _role_identity(
        ACCOUNT, role, session, "AROA5EXAMPLEPLATFRM01", "ASIAZ4EXAMPLEPLATF02"
    )
    return Caller(identity, cli_ua(command), "203.0.113.17")


def sdk_role(role: str, session: str, ip: str = "192.0.2.44", role_id: str = "") -> Caller:
    rid = role_id or "AROA5EXAMPLE" + hashlib.sha256(role.encode()).hexdigest()[:9].upper()
    key = "ASIAZ4" + hashlib.sha256(session.encode()).hexdigest()[:7].upper() + "EXAMPLE"
    return Caller(_role_identity(ACCOUNT, role, session, rid, key), BOTO3_UA, ip)


def iam_user(command: str, user: str = "svc-reporting") -> Caller:
    identity = {
        "type": "IAMUser",
        "principalId": "AIDAJ45Q7YFFAREXAMPLE",
        "arn": f"arn:aws:iam::{ACCOUNT}:user/{user}",
        "accountId": ACCOUNT,
        "accessKeyId": "AKIAIOSFODNN7EXAMPLE",
        "userName": user,
    }
    return Caller(identity, cli_ua(command), "203.0.113.99")


def web_user(user_id: str = USERS[0], ip: str = "198.51.100.41") -> Caller:
    """Identity-enhanced web-experience session (AssumedRole + onBehalfOf)."""
    identity = _role_identity(
        ACCOUNT,
        "QBusinessWebExperienceRole",
        "qbusiness-web-experience",
        "AROA5EXAMPLEWEBEXP001",
        "ASIAZ4EXAMPLEWEBEX03",
    )
    identity["onBehalfOf"] = {"userId": user_id, "identityStoreArn": IDENTITY_STORE}
    return Caller(identity, WEB_UA, ip)


def saml_user(email: str = "carol@example.com") -> Caller:
    """IAM-federated (SAML) Q Business user: the session name identifies the person."""
    identity = _role_identity(
        ACCOUNT, "QBusinessSamlUsers", email, "AROA5EXAMPLESAMLUS01", "ASIAZ4EXAMPLESAML004"
    )
    return Caller(identity, WEB_UA, "198.51.100.77")


def isv_role() -> Caller:
    """Data-accessor role of an ISV in another account, identity-enhanced."""
    identity = _role_identity(
        ISV_ACCOUNT,
        "isv-data-accessor",
        "isv-search-session",
        "AROA5EXAMPLEISVROLE01",
        "ASIAZ4EXAMPLEISVR005",
    )
    identity["onBehalfOf"] = {"userId": USERS[2], "identityStoreArn": IDENTITY_STORE}
    return Caller(identity, BOTO3_UA, "203.0.113.200")


def qbusiness_service() -> Caller:
    return Caller({"type": "AWSService", "invokedBy": QB}, QB, QB, via=QB)


def cloudformation_role() -> Caller:
    identity = _role_identity(
        ACCOUNT,
        "CfnExecutionRole",
        "AWSCloudFormation",
        "AROA5EXAMPLECFNEXEC1",
        "ASIAZ4EXAMPLECFN0006",
    )
    identity["invokedBy"] = "cloudformation.amazonaws.com"
    return Caller(
        identity,
        "cloudformation.amazonaws.com",
        "cloudformation.amazonaws.com",
        via="cloudformation.amazonaws.com",
    )


# --------------------------------------------------------------------------- records

READ_PREFIXES = ("Get", "List", "Describe")
DATA_EVENTS = {
    "ListDataSourceSyncJobs", "StartDataSourceSyncJob", "StopDataSourceSyncJob",
    "BatchPutDocument", "BatchDeleteDocument", "PutFeedback", "ChatSync", "Chat",
    "DeleteConversation", "ListConversations", "ListMessages", "ListGroups", "DeleteGroup",
    "GetGroup", "PutGroup", "CreateUser", "DeleteUser", "GetUser", "UpdateUser", "ListDocuments",
}  # fmt: skip
INDEX_LEVEL = {"BatchPutDocument", "BatchDeleteDocument", "PutGroup", "DeleteGroup", "GetGroup",
               "ListGroups", "ListDocuments"}  # fmt: skip


class Ids:
    """uuid4-shaped identifiers derived from the fixture path (reproducible)."""

    def __init__(self, seed: str) -> None:
        self.seed = seed
        self.n = 0

    def __call__(self) -> str:
        self.n += 1
        digest = hashlib.sha256(f"sigmaq/q_business/{self.seed}/{self.n}".encode()).digest()
        return str(uuid.UUID(bytes=digest[:16], version=4))


def ts(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def error_message(caller: Caller, source: str, name: str) -> str:
    service = source.split(".")[0]
    resource = app_arn() if service == "qbusiness" else f"arn:aws:logs:{REGION}:{ACCOUNT}:*"
    return (
        f"User: {caller.arn} is not authorized to perform: {service}:{name} on resource: "
        f"{resource} because no identity-based policy allows the {service}:{name} action"
    )


def event(
    ids: Ids,
    when: datetime,
    caller: Caller,
    name: str,
    params: dict[str, Any] | None,
    response: dict[str, Any] | None = None,
    *,
    source: str = QB,
    error: tuple[str, str] | None = None,
    app: str = APP,
    recipient: str = ACCOUNT,
) -> Record:
    """One CloudTrail record, keys in CloudTrail's order (record-contents page)."""
    _check_params(source, name, params or {})
    identity = json.loads(json.dumps(caller.identity))
    attributes = identity.get("sessionContext", {}).get("attributes")
    if attributes is not None:
        attributes["creationDate"] = ts(when.replace(minute=0, second=0) - timedelta(hours=1))
    data = source == QB and name in DATA_EVENTS
    rec: Record = {
        "eventVersion": "1.11",
        "userIdentity": identity,
        "eventTime": ts(when),
        "eventSource": source,
        "eventName": name,
        "awsRegion": REGION,
        "sourceIPAddress": caller.source_ip,
        "userAgent": caller.user_agent,
    }
    if error is not None:
        code, message = error
        rec["errorCode"] = code
        rec["errorMessage"] = message or error_message(caller, source, name)
        response = None
    rec["requestParameters"] = params
    rec["responseElements"] = response
    rec["requestID"] = ids()
    rec["eventID"] = ids()
    rec["readOnly"] = name.startswith(READ_PREFIXES)
    if data:
        rec["resources"] = [
            {"accountId": ACCOUNT, "type": "AWS::QBusiness::Application", "ARN": app_arn(app)}
        ]
        if name in INDEX_LEVEL:
            rec["resources"].append(
                {"accountId": ACCOUNT, "type": "AWS::QBusiness::Index", "ARN": index_arn()}
            )
    rec["eventType"] = "AwsApiCall"
    rec["managementEvent"] = not data
    rec["recipientAccountId"] = recipient
    if identity.get("accountId", recipient) != recipient or recipient != ACCOUNT:
        rec["sharedEventID"] = ids()
    rec["eventCategory"] = "Data" if data else "Management"
    if caller.via is None:
        rec["tlsDetails"] = {
            "tlsVersion": "TLSv1.3",
            "cipherSuite": "TLS_AES_128_GCM_SHA256",
            "clientProvidedHostHeader": QB_HOST if source == QB else LOGS_HOST,
        }
    if caller.console:
        rec["sessionCredentialFromConsole"] = "true"
    return rec


DENIED = ("AccessDeniedException", "")


# --------------------------------------------------------------------------- model check

_MODELS: dict[str, dict[str, Any]] = {}


def _model(source: str) -> dict[str, Any]:
    """botocore service-2 model for an eventSource (installed botocore, read lazily)."""
    import botocore  # local import: only the generator needs it

    service = {QB: "qbusiness", LOGS: "logs"}[source]
    if service not in _MODELS:
        folder = Path(botocore.__file__).parent / "data" / service
        version = sorted(p for p in folder.iterdir() if p.is_dir())[-1]
        path = version / "service-2.json"
        raw = (
            path.read_bytes()
            if path.exists()
            else gzip.decompress((version / "service-2.json.gz").read_bytes())
        )
        _MODELS[service] = json.loads(raw)
    return _MODELS[service]


def _check_shape(model: dict[str, Any], shape_name: str, value: Any, where: str) -> None:
    shape = model["shapes"][shape_name]
    if shape.get("document") or value == "HIDDEN_DUE_TO_SECURITY_REASONS":
        return
    kind = shape["type"]
    if kind == "structure":
        if not isinstance(value, dict):
            raise ValueError(f"{where}: expected an object")
        for key, item in value.items():
            if key not in shape["members"]:
                raise ValueError(f"{where}.{key}: not a member of {shape_name}")
            _check_shape(model, shape["members"][key]["shape"], item, f"{where}.{key}")
    elif kind == "list":
        for i, item in enumerate(value):
            _check_shape(model, shape["member"]["shape"], item, f"{where}[{i}]")
    elif kind == "map":
        for key, item in value.items():
            _check_shape(model, shape["value"]["shape"], item, f"{where}.{key}")
    elif "enum" in shape and value not in shape["enum"]:
        raise ValueError(f"{where}: {value!r} not in {shape['enum']}")


def _check_params(source: str, name: str, params: dict[str, Any]) -> None:
    """Raise ValueError unless ``name`` is an operation and ``params`` fit its input shape."""
    model = _model(source)
    if name not in model["operations"]:
        raise ValueError(f"{source}: no operation {name}")
    shape = model["operations"][name].get("input", {}).get("shape")
    if shape is None:
        if params:
            raise ValueError(f"{name}: takes no input")
        return
    _check_shape(model, shape, params, f"{name}.requestParameters")


# --------------------------------------------------------------------------- registry

Builder = Callable[[Ids], Any]
FIXTURES: dict[str, dict[str, Builder]] = {}
PREFIX = "aws_cloudtrail_q_business_"


def fixture(rule: str, *names: str) -> Callable[[Builder], Builder]:
    """Register a builder under ``rule`` (stem without the common prefix) and ``names``."""

    def register(builder: Builder) -> Builder:
        stem = rule if rule.startswith("aws_cloudtrail_") else PREFIX + rule
        for name in names:
            FIXTURES.setdefault(stem, {})[name] = builder
        return builder

    return register


def at(day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, second, tzinfo=UTC)


def burst(ids: Ids, start: datetime, step: float, count: int, make: Callable[..., Record]) -> Any:
    """``{"Records": [...]}`` of ``count`` events ``step`` seconds apart; ``make(ids, when, i)``."""
    return {
        "Records": [make(ids, start + timedelta(seconds=round(i * step)), i) for i in range(count)]
    }


def token(ids: Ids) -> str:
    return ids()


# AQ-01 ----------------------------------------------------------------------------------


def _create_app(ids: Ids, identity_type: str, error: tuple[str, str] | None = None) -> Record:
    params: dict[str, Any] = {
        "displayName": "public-faq-bot" if identity_type == "ANONYMOUS" else "hr-assistant",
        "identityType": identity_type,
        "roleArn": f"arn:aws:iam::{ACCOUNT}:role/QBusinessApplicationRole",
        "description": "Answers questions from the public product FAQ",
        "attachmentsConfiguration": {"attachmentsControlMode": "ENABLED"},
        "clientToken": token(ids),
    }
    if identity_type == "AWS_IAM_IDC":
        params["identityCenterInstanceArn"] = "arn:aws:sso:::instance/ssoins-1234567890abcdef"
    response = {"applicationId": APP_ANON, "applicationArn": app_arn(APP_ANON)}
    return event(
        ids, at(3, 9, 14, 5), admin_console(), "CreateApplication", params, response, error=error
    )


@fixture("application_created_with_anonymous_access", "pos_console_anonymous_application")
def _(ids: Ids) -> Record:
    return _create_app(ids, "ANONYMOUS")


@fixture("application_created_with_anonymous_access", "neg_identity_center_application")
def _(ids: Ids) -> Record:
    return _create_app(ids, "AWS_IAM_IDC")


@fixture("application_created_with_anonymous_access", "neg_anonymous_access_denied")
def _(ids: Ids) -> Record:
    return _create_app(ids, "ANONYMOUS", DENIED)


@fixture("application_created_with_anonymous_access", "neg_update_application")
def _(ids: Ids) -> Record:
    params = {
        "applicationId": APP,
        "displayName": "public-faq-bot",
        "description": "Answers questions from the public product FAQ",
    }
    return event(ids, at(3, 9, 20), admin_console(), "UpdateApplication", params, None)


# AQ-02 ----------------------------------------------------------------------------------

EMBED = sdk_role("QBusinessEmbedBackend", "embed-web-01", "192.0.2.44")


def _mint(
    ids: Ids,
    when: datetime,
    caller: Caller = EMBED,
    minutes: int = 15,
    error: tuple[str, str] | None = None,
) -> Record:
    params = {
        "applicationId": APP_ANON,
        "webExperienceId": WEB_EXPERIENCE,
        "sessionDurationInMinutes": minutes,
    }
    response = {
        "anonymousUrl": f"https://{WEB_EXPERIENCE[:8]}.chat.qbusiness.{REGION}.on.aws/"
        f"anonymous?token={ids()}"
    }
    return event(
        ids,
        when,
        caller,
        "CreateAnonymousWebExperienceUrl",
        params,
        response,
        error=error,
        app=APP_ANON,
    )


@fixture("anonymous_web_experience_url_created", "pos_embedding_backend_mint")
def _(ids: Ids) -> Record:
    return _mint(ids, at(4, 13, 2, 11))


@fixture("anonymous_web_experience_url_created", "neg_get_web_experience")
def _(ids: Ids) -> Record:
    params = {"applicationId": APP_ANON, "webExperienceId": WEB_EXPERIENCE}
    return event(
        ids,
        at(4, 13, 5),
        cli_role("qbusiness.get-web-experience"),
        "GetWebExperience",
        params,
        None,
        app=APP_ANON,
    )


@fixture("anonymous_web_experience_url_created", "neg_session_duration_rejected")
def _(ids: Ids) -> Record:
    error = (
        "ValidationException",
        "1 validation error detected: Value '90' at "
        "'sessionDurationInMinutes' failed to satisfy constraint: Member must have value "
        "less than or equal to 60",
    )
    return _mint(ids, at(4, 13, 3), minutes=90, error=error)


STOLEN = sdk_role("QBusinessEmbedBackend", "embed-web-01", "203.0.113.61")


def _mint_series(ids: Ids, count: int, step: float, callers: list[Caller]) -> Any:
    return burst(
        ids,
        at(5, 2, 10),
        step,
        count,
        lambda ids, when, i: _mint(ids, when, callers[i % len(callers)]),
    )


@fixture("anonymous_web_experience_url_minting_burst", "pos_22_urls_in_8_minutes")
def _(ids: Ids) -> Any:
    return _mint_series(ids, 22, 21, [STOLEN])


@fixture("anonymous_web_experience_url_minting_burst", "neg_19_urls_one_short")
def _(ids: Ids) -> Any:
    return _mint_series(ids, 19, 20, [STOLEN])


@fixture("anonymous_web_experience_url_minting_burst", "neg_20_urls_over_11_minutes")
def _(ids: Ids) -> Any:
    return _mint_series(ids, 20, 35, [STOLEN])


@fixture("anonymous_web_experience_url_minting_burst", "neg_24_urls_split_over_two_roles")
def _(ids: Ids) -> Any:
    other = sdk_role("QBusinessEmbedBackendEu", "embed-web-02", "192.0.2.45")
    return _mint_series(ids, 24, 20, [STOLEN, other])


def _ip_caller(ip: str, role: str = "QBusinessEmbedBackend") -> Caller:
    return replace(sdk_role(role, "embed-web-01"), source_ip=ip)


@fixture("anonymous_web_experience_urls_minted_from_many_ips", "pos_three_addresses_in_4_minutes")
def _(ids: Ids) -> Any:
    callers = [_ip_caller("192.0.2.44"), _ip_caller("203.0.113.61"), _ip_caller("198.51.100.9")]
    return _mint_series(ids, 6, 45, callers)


@fixture("anonymous_web_experience_urls_minted_from_many_ips", "neg_two_addresses")
def _(ids: Ids) -> Any:
    return _mint_series(ids, 10, 30, [_ip_caller("192.0.2.44"), _ip_caller("192.0.2.45")])


@fixture("anonymous_web_experience_urls_minted_from_many_ips", "neg_third_address_after_11_minutes")
def _(ids: Ids) -> Any:
    ips = ["192.0.2.44", "203.0.113.61", "198.51.100.9"]
    return _mint_series(ids, 3, 330, [_ip_caller(ip) for ip in ips])


@fixture("anonymous_web_experience_urls_minted_from_many_ips", "neg_three_addresses_three_roles")
def _(ids: Ids) -> Any:
    callers = [
        _ip_caller("192.0.2.44", "EmbedA"),
        _ip_caller("203.0.113.61", "EmbedB"),
        _ip_caller("198.51.100.9", "EmbedC"),
    ]
    return _mint_series(ids, 6, 30, callers)


# AQ-03 ----------------------------------------------------------------------------------

RELAY_URL = "https://relay.example.net/api"


def _plugin_arn(plugin: str) -> str:
    return f"{app_arn()}/plugin/{plugin}"


def _create_plugin(
    ids: Ids, kind: str, auth: dict[str, Any], url: str, error: tuple[str, str] | None = None
) -> Record:
    params: dict[str, Any] = {
        "applicationId": APP,
        "displayName": "ticket-helper",
        "type": kind,
        "authConfiguration": auth,
        "serverUrl": url,
    }
    if kind == "CUSTOM":
        params["customPluginConfiguration"] = {
            "description": "Creates and looks up helpdesk tickets",
            "apiSchemaType": "OPEN_API_V3",
            "apiSchema": {"payload": "HIDDEN_DUE_TO_SECURITY_REASONS"},
        }
    params["clientToken"] = token(ids)
    response = {
        "pluginId": PLUGINS[0],
        "pluginArn": _plugin_arn(PLUGINS[0]),
        "buildStatus": "CREATE_IN_PROGRESS",
    }
    return event(
        ids,
        at(6, 10, 31, 44),
        cli_role("qbusiness.create-plugin"),
        "CreatePlugin",
        params,
        response,
        error=error,
    )


@fixture("custom_or_unauthenticated_plugin_created_or_changed", "pos_custom_plugin_without_auth")
def _(ids: Ids) -> Record:
    return _create_plugin(ids, "CUSTOM", {"noAuthConfiguration": {}}, RELAY_URL)


@fixture("custom_or_unauthenticated_plugin_created_or_changed", "pos_plugin_server_url_redirected")
def _(ids: Ids) -> Record:
    params = {"applicationId": APP, "pluginId": PLUGINS[1], "serverUrl": RELAY_URL}
    return event(
        ids, at(6, 11, 2, 9), admin_console("mallory@example.com"), "UpdatePlugin", params, None
    )


@fixture("custom_or_unauthenticated_plugin_created_or_changed", "pos_custom_plugin_schema_replaced")
def _(ids: Ids) -> Record:
    params = {
        "applicationId": APP,
        "pluginId": PLUGINS[0],
        "customPluginConfiguration": {
            "description": "Creates and looks up helpdesk tickets",
            "apiSchemaType": "OPEN_API_V3",
            "apiSchema": {
                "s3": {"bucket": "amzn-s3-demo-bucket", "key": "schemas/helpdesk-v2.yaml"}
            },
        },
    }
    return event(
        ids, at(6, 11, 3, 30), cli_role("qbusiness.update-plugin"), "UpdatePlugin", params, None
    )


@fixture("custom_or_unauthenticated_plugin_created_or_changed", "neg_jira_cloud_plugin_oauth")
def _(ids: Ids) -> Record:
    auth = {
        "oAuth2ClientCredentialConfiguration": {
            "secretArn": f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:qbusiness-jira-AbCdEf",
            "roleArn": f"arn:aws:iam::{ACCOUNT}:role/QBusinessPluginRole",
            "authorizationUrl": "https://auth.atlassian.com/authorize",
            "tokenUrl": "https://auth.atlassian.com/oauth/token",
        }
    }
    return _create_plugin(ids, "JIRA_CLOUD", auth, "https://example.atlassian.net")


@fixture("custom_or_unauthenticated_plugin_created_or_changed", "neg_plugin_disabled")
def _(ids: Ids) -> Record:
    params = {"applicationId": APP, "pluginId": PLUGINS[1], "state": "DISABLED"}
    return event(ids, at(6, 11, 5), admin_console(), "UpdatePlugin", params, None)


@fixture("custom_or_unauthenticated_plugin_created_or_changed", "neg_custom_plugin_access_denied")
def _(ids: Ids) -> Record:
    return _create_plugin(ids, "CUSTOM", {"noAuthConfiguration": {}}, RELAY_URL, DENIED)


# AQ-04 ----------------------------------------------------------------------------------


def _chat(
    ids: Ids,
    when: datetime,
    caller: Caller,
    mode: str = "RETRIEVAL_MODE",
    plugin: str | None = None,
    action: bool = False,
    error: tuple[str, str] | None = None,
    name: str = "ChatSync",
) -> Record:
    params: dict[str, Any] = {
        "applicationId": APP,
        "conversationId": "c0ffee00-1111-2222-3333-EXAMPLE22222",
        "parentMessageId": "0f1e2d3c-4b5a-6978-8a9b-EXAMPLE99999",
    }
    params["chatMode"] = mode
    if plugin is not None and not action:
        params["chatModeConfiguration"] = {"pluginConfiguration": {"pluginId": plugin}}
    if action and plugin is not None:
        params["actionExecution"] = {
            "pluginId": plugin,
            "payloadFieldNameSeparator": ".",
            "payload": {"summary": {"value": "VPN access request"}, "priority": {"value": "3"}},
        }
    params["clientToken"] = token(ids)
    return event(ids, when, caller, name, params, None, error=error)


@fixture("plugin_invoked_from_chat", "pos_plugin_mode_message")
def _(ids: Ids) -> Record:
    return _chat(ids, at(7, 14, 3, 27), web_user(), "PLUGIN_MODE", PLUGINS[0])


@fixture("plugin_invoked_from_chat", "pos_plugin_action_executed")
def _(ids: Ids) -> Record:
    return _chat(ids, at(7, 14, 4, 2), web_user(), "PLUGIN_MODE", PLUGINS[0], action=True)


@fixture("plugin_invoked_from_chat", "neg_retrieval_mode_message")
def _(ids: Ids) -> Record:
    return _chat(ids, at(7, 14, 1), web_user())


@fixture("plugin_invoked_from_chat", "neg_put_feedback")
def _(ids: Ids) -> Record:
    params = {
        "applicationId": APP,
        "conversationId": "c0ffee00-1111-2222-3333-EXAMPLE22222",
        "messageId": "0f1e2d3c-4b5a-6978-8a9b-EXAMPLE99999",
        "messageUsefulness": {"usefulness": "USEFUL", "submittedAt": "2026-11-07T14:05:00Z"},
    }
    return event(ids, at(7, 14, 5), web_user(), "PutFeedback", params, None)


@fixture("plugin_invoked_from_chat", "neg_plugin_mode_throttled")
def _(ids: Ids) -> Record:
    return _chat(
        ids,
        at(7, 14, 3),
        web_user(),
        "PLUGIN_MODE",
        PLUGINS[0],
        error=("ThrottlingException", "Rate exceeded"),
    )


def _plugin_series(ids: Ids, step: float, plan: list[tuple[str, str]]) -> Any:
    return burst(
        ids,
        at(8, 16, 0),
        step,
        len(plan),
        lambda ids, when, i: _chat(ids, when, web_user(plan[i][0]), "PLUGIN_MODE", plan[i][1]),
    )


@fixture("user_invoking_many_distinct_plugins", "pos_three_plugins_in_25_minutes")
def _(ids: Ids) -> Any:
    u = USERS[0]
    plan = [
        (u, PLUGINS[0]),
        (u, PLUGINS[0]),
        (u, PLUGINS[1]),
        (u, PLUGINS[1]),
        (u, PLUGINS[2]),
        (u, PLUGINS[2]),
    ]
    return _plugin_series(ids, 300, plan)


@fixture("user_invoking_many_distinct_plugins", "neg_two_plugins_many_times")
def _(ids: Ids) -> Any:
    return _plugin_series(ids, 120, [(USERS[0], PLUGINS[i % 2]) for i in range(10)])


@fixture("user_invoking_many_distinct_plugins", "neg_third_plugin_after_80_minutes")
def _(ids: Ids) -> Any:
    return _plugin_series(ids, 2400, [(USERS[0], p) for p in PLUGINS])


@fixture("user_invoking_many_distinct_plugins", "neg_three_plugins_three_users")
def _(ids: Ids) -> Any:
    return _plugin_series(ids, 120, [(USERS[i], PLUGINS[i]) for i in range(3)] * 2)


# AQ-05 / AQ-06 --------------------------------------------------------------------------


def _chat_controls(
    ids: Ids,
    extra: dict[str, Any],
    caller: Caller | None = None,
    error: tuple[str, str] | None = None,
) -> Record:
    params = {"applicationId": APP, **extra, "clientToken": token(ids)}
    return event(
        ids,
        at(9, 22, 47, 3),
        caller or admin_console("mallory@example.com"),
        "UpdateChatControlsConfiguration",
        params,
        None,
        error=error,
    )


WEAKEN = {
    "responseScope": "EXTENDED_KNOWLEDGE_ENABLED",
    "blockedPhrasesConfigurationUpdate": {"blockedPhrasesToDelete": ["confidential", "project-x"]},
    "topicConfigurationsToDelete": [
        {"name": "hr-salary", "rules": [{"ruleType": "CONTENT_BLOCKER_RULE"}]}
    ],
    "hallucinationReductionConfiguration": {"hallucinationReductionControl": "DISABLED"},
}


@fixture("chat_controls_weakened", "pos_scope_widened_and_guardrails_deleted")
def _(ids: Ids) -> Record:
    return _chat_controls(ids, WEAKEN)


@fixture("chat_controls_weakened", "pos_creator_mode_enabled_from_cli")
def _(ids: Ids) -> Record:
    extra = {"creatorModeConfiguration": {"creatorModeControl": "ENABLED"}}
    return _chat_controls(ids, extra, cli_role("qbusiness.update-chat-controls-configuration"))


@fixture("chat_controls_weakened", "pos_orchestration_enabled")
def _(ids: Ids) -> Record:
    return _chat_controls(ids, {"orchestrationConfiguration": {"control": "ENABLED"}})


@fixture("chat_controls_weakened", "neg_blocked_phrases_added")
def _(ids: Ids) -> Record:
    extra = {
        "responseScope": "ENTERPRISE_CONTENT_ONLY",
        "blockedPhrasesConfigurationUpdate": {
            "blockedPhrasesToCreateOrUpdate": ["project-x", "merger"],
            "systemMessageOverride": "I can't help with that topic.",
        },
        "hallucinationReductionConfiguration": {"hallucinationReductionControl": "ENABLED"},
        "creatorModeConfiguration": {"creatorModeControl": "DISABLED"},
    }
    return _chat_controls(ids, extra, admin_console())


@fixture("chat_controls_weakened", "neg_get_chat_controls")
def _(ids: Ids) -> Record:
    return event(
        ids,
        at(9, 22, 40),
        admin_console(),
        "GetChatControlsConfiguration",
        {"applicationId": APP},
        None,
    )


@fixture("chat_controls_weakened", "neg_weakening_access_denied")
def _(ids: Ids) -> Record:
    return _chat_controls(
        ids,
        WEAKEN,
        cli_role("qbusiness.update-chat-controls-configuration", "QBusinessReadOnly", "eve"),
        DENIED,
    )


def _delete_controls(ids: Ids, error: tuple[str, str] | None = None) -> Record:
    return event(
        ids,
        at(10, 3, 12, 40),
        cli_role("qbusiness.delete-chat-controls-configuration"),
        "DeleteChatControlsConfiguration",
        {"applicationId": APP},
        None,
        error=error,
    )


@fixture("chat_controls_configuration_deleted", "pos_cli_delete")
def _(ids: Ids) -> Record:
    return _delete_controls(ids)


@fixture("chat_controls_configuration_deleted", "neg_get_chat_controls")
def _(ids: Ids) -> Record:
    return event(
        ids,
        at(10, 3, 11),
        cli_role("qbusiness.get-chat-controls-configuration"),
        "GetChatControlsConfiguration",
        {"applicationId": APP},
        None,
    )


@fixture("chat_controls_configuration_deleted", "neg_delete_resource_not_found")
def _(ids: Ids) -> Record:
    return _delete_controls(
        ids,
        ("ResourceNotFoundException", f"Application {APP} does not have chat controls configured"),
    )


# AQ-07 / AQ-08 --------------------------------------------------------------------------

ISV_PRINCIPAL = f"arn:aws:iam::{ISV_ACCOUNT}:role/isv-data-accessor"
SEARCH_ACTION = {"action": "qbusiness:SearchRelevantContent"}


def _accessor_arn() -> str:
    return f"{app_arn()}/data-accessor/{DATA_ACCESSOR}"


def _create_accessor(ids: Ids, error: tuple[str, str] | None = None) -> Record:
    params = {
        "applicationId": APP,
        "principal": ISV_PRINCIPAL,
        "actionConfigurations": [SEARCH_ACTION],
        "clientToken": token(ids),
        "displayName": "HIDDEN_DUE_TO_SECURITY_REASONS",
        "authenticationDetail": {"authenticationType": "AWS_IAM_IDC_AUTH_CODE"},
    }
    response = {
        "dataAccessorId": DATA_ACCESSOR,
        "idcApplicationArn": (
            f"arn:aws:sso::{ACCOUNT}:application/ssoins-1234567890abcdef/apl-1234567890abcdef"
        ),
        "dataAccessorArn": _accessor_arn(),
    }
    return event(
        ids,
        at(11, 15, 20, 19),
        admin_console(),
        "CreateDataAccessor",
        params,
        response,
        error=error,
    )


@fixture("data_accessor_created_or_updated", "pos_external_isv_accessor_created")
def _(ids: Ids) -> Record:
    return _create_accessor(ids)


@fixture("data_accessor_created_or_updated", "pos_accessor_actions_widened")
def _(ids: Ids) -> Record:
    params = {
        "applicationId": APP,
        "dataAccessorId": DATA_ACCESSOR,
        "actionConfigurations": [SEARCH_ACTION, {"action": "qbusiness:ListRetrievers"}],
    }
    return event(
        ids,
        at(11, 16, 2),
        cli_role("qbusiness.update-data-accessor"),
        "UpdateDataAccessor",
        params,
        None,
    )


@fixture("data_accessor_created_or_updated", "neg_get_data_accessor")
def _(ids: Ids) -> Record:
    params = {"applicationId": APP, "dataAccessorId": DATA_ACCESSOR}
    return event(ids, at(11, 15, 25), admin_console(), "GetDataAccessor", params, None)


@fixture("data_accessor_created_or_updated", "neg_delete_data_accessor")
def _(ids: Ids) -> Record:
    params = {"applicationId": APP, "dataAccessorId": DATA_ACCESSOR}
    return event(ids, at(11, 17, 0), admin_console(), "DeleteDataAccessor", params, None)


@fixture("data_accessor_created_or_updated", "neg_create_access_denied")
def _(ids: Ids) -> Record:
    return _create_accessor(ids, DENIED)


STATEMENT_ID = "isv-search-access"


def _associate(ids: Ids, error: tuple[str, str] | None = None) -> Record:
    params = {
        "applicationId": APP,
        "statementId": STATEMENT_ID,
        "actions": ["qbusiness:SearchRelevantContent"],
        "principal": ISV_PRINCIPAL,
    }
    statement = json.dumps(
        {
            "Sid": STATEMENT_ID,
            "Effect": "Allow",
            "Principal": {"AWS": ISV_PRINCIPAL},
            "Action": ["qbusiness:SearchRelevantContent"],
            "Resource": app_arn(),
        },
        separators=(",", ":"),
    )
    return event(
        ids,
        at(11, 15, 22, 51),
        admin_console(),
        "AssociatePermission",
        params,
        {"statement": statement},
        error=error,
    )


def _disassociate(ids: Ids, error: tuple[str, str] | None = None) -> Record:
    params = {"applicationId": APP, "statementId": STATEMENT_ID}
    return event(
        ids,
        at(12, 8, 45, 2),
        admin_console("secops@example.com"),
        "DisassociatePermission",
        params,
        None,
        error=error,
    )


@fixture("application_resource_policy_permission_added", "pos_isv_granted_search")
def _(ids: Ids) -> Record:
    return _associate(ids)


@fixture("application_resource_policy_permission_added", "neg_statement_id_conflict")
def _(ids: Ids) -> Record:
    return _associate(
        ids,
        ("ConflictException", f"A statement with id {STATEMENT_ID} already exists in the policy"),
    )


@fixture("application_resource_policy_permission_added", "neg_disassociate_permission")
def _(ids: Ids) -> Record:
    return _disassociate(ids)


@fixture("application_resource_policy_permission_added", "neg_get_policy")
def _(ids: Ids) -> Record:
    return event(ids, at(11, 15, 23), admin_console(), "GetPolicy", {"applicationId": APP}, None)


@fixture("application_resource_policy_permission_removed", "pos_isv_access_removed")
def _(ids: Ids) -> Record:
    return _disassociate(ids)


@fixture("application_resource_policy_permission_removed", "neg_associate_permission")
def _(ids: Ids) -> Record:
    return _associate(ids)


@fixture("application_resource_policy_permission_removed", "neg_statement_not_found")
def _(ids: Ids) -> Record:
    return _disassociate(
        ids, ("ResourceNotFoundException", f"Statement {STATEMENT_ID} was not found in the policy")
    )


# AQ-09 ----------------------------------------------------------------------------------


def _search(
    ids: Ids,
    when: datetime,
    caller: Caller,
    recipient: str = ACCOUNT,
    error: tuple[str, str] | None = None,
) -> Record:
    params = {
        "applicationId": APP,
        "queryText": "2027 pricing strategy",
        "contentSource": {"retriever": {"retrieverId": RETRIEVER}},
        "maxResults": 10,
    }
    return event(
        ids, when, caller, "SearchRelevantContent", params, None, error=error, recipient=recipient
    )


INTERNAL_SEARCH = sdk_role("IntranetSearchBackend", "intranet-search", "192.0.2.80")


@fixture("cross_account_relevant_content_search", "pos_isv_search_in_owner_trail")
def _(ids: Ids) -> Record:
    return _search(ids, at(13, 1, 14, 55), isv_role())


@fixture("cross_account_relevant_content_search", "neg_same_account_search")
def _(ids: Ids) -> Record:
    return _search(ids, at(13, 1, 15), INTERNAL_SEARCH)


@fixture("cross_account_relevant_content_search", "neg_isv_copy_in_isv_trail")
def _(ids: Ids) -> Record:
    return _search(ids, at(13, 1, 14, 55), isv_role(), recipient=ISV_ACCOUNT)


@fixture("cross_account_relevant_content_search", "neg_cross_account_access_denied")
def _(ids: Ids) -> Record:
    return _search(ids, at(13, 1, 16), isv_role(), error=DENIED)


def _search_series(ids: Ids, count: int, step: float) -> Any:
    return burst(
        ids, at(14, 0, 0, 30), step, count, lambda ids, when, i: _search(ids, when, isv_role())
    )


@fixture("high_volume_cross_account_content_search", "pos_27_searches_in_13_minutes")
def _(ids: Ids) -> Any:
    return _search_series(ids, 27, 30)


@fixture("high_volume_cross_account_content_search", "neg_24_searches_one_short")
def _(ids: Ids) -> Any:
    return _search_series(ids, 24, 30)


@fixture("high_volume_cross_account_content_search", "neg_25_searches_over_16_minutes")
def _(ids: Ids) -> Any:
    return _search_series(ids, 25, 40)


# AQ-10 ----------------------------------------------------------------------------------

S3_CONNECTOR = {
    "type": "S3",
    "syncMode": "FULL_CRAWL",
    "connectionConfiguration": {
        "repositoryEndpointMetadata": {"BucketName": "amzn-s3-demo-bucket"}
    },
    "repositoryConfigurations": {
        "document": {
            "fieldMappings": [
                {
                    "indexFieldName": "s3_document_id",
                    "indexFieldType": "STRING",
                    "dataSourceFieldName": "s3_document_id",
                }
            ]
        }
    },
}
VPC = {"subnetIds": ["subnet-0a1b2c3d4e5f67890"], "securityGroupIds": ["sg-0123456789abcdef0"]}


def _hook(lambda_name: str) -> dict[str, Any]:
    return {
        "lambdaArn": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{lambda_name}",
        "s3BucketName": "amzn-s3-demo-bucket",
        "roleArn": f"arn:aws:iam::{ACCOUNT}:role/QBusinessEnrichmentRole",
    }


def _create_ds(ids: Ids, extra: dict[str, Any], error: tuple[str, str] | None = None) -> Record:
    params = {
        "applicationId": APP,
        "indexId": INDEX,
        "displayName": "finance-share",
        "configuration": S3_CONNECTOR,
        **extra,
        "roleArn": f"arn:aws:iam::{ACCOUNT}:role/QBusinessS3ConnectorRole",
        "clientToken": token(ids),
    }
    response = {
        "dataSourceId": DATA_SOURCE,
        "dataSourceArn": f"{index_arn()}/data-source/{DATA_SOURCE}",
    }
    return event(
        ids,
        at(15, 11, 8, 30),
        cli_role("qbusiness.create-data-source"),
        "CreateDataSource",
        params,
        response,
        error=error,
    )


@fixture("data_source_lambda_hook_or_vpc_change", "pos_pre_extraction_hook_added")
def _(ids: Ids) -> Record:
    return _create_ds(
        ids,
        {
            "documentEnrichmentConfiguration": {
                "preExtractionHookConfiguration": _hook("doc-preprocess")
            }
        },
    )


@fixture("data_source_lambda_hook_or_vpc_change", "pos_connector_vpc_changed")
def _(ids: Ids) -> Record:
    params = {
        "applicationId": APP,
        "indexId": INDEX,
        "dataSourceId": DATA_SOURCE,
        "vpcConfiguration": VPC,
    }
    return event(
        ids,
        at(15, 23, 51, 7),
        admin_console("mallory@example.com"),
        "UpdateDataSource",
        params,
        None,
    )


@fixture("data_source_lambda_hook_or_vpc_change", "pos_post_extraction_hook_on_update")
def _(ids: Ids) -> Record:
    params = {
        "applicationId": APP,
        "indexId": INDEX,
        "dataSourceId": DATA_SOURCE,
        "documentEnrichmentConfiguration": {
            "postExtractionHookConfiguration": _hook("doc-postprocess")
        },
    }
    return event(
        ids,
        at(15, 23, 55, 40),
        cli_role("qbusiness.update-data-source"),
        "UpdateDataSource",
        params,
        None,
    )


@fixture("data_source_lambda_hook_or_vpc_change", "neg_plain_connector_in_vpc")
def _(ids: Ids) -> Record:
    return _create_ds(ids, {"vpcConfiguration": VPC})


@fixture("data_source_lambda_hook_or_vpc_change", "neg_sync_schedule_changed")
def _(ids: Ids) -> Record:
    params = {
        "applicationId": APP,
        "indexId": INDEX,
        "dataSourceId": DATA_SOURCE,
        "syncSchedule": "cron(0 3 * * ? *)",
    }
    return event(ids, at(15, 12, 0), admin_console(), "UpdateDataSource", params, None)


@fixture("data_source_lambda_hook_or_vpc_change", "neg_post_hook_access_denied")
def _(ids: Ids) -> Record:
    return _create_ds(
        ids,
        {
            "documentEnrichmentConfiguration": {
                "postExtractionHookConfiguration": _hook("doc-postprocess")
            }
        },
        DENIED,
    )


# AQ-11 ----------------------------------------------------------------------------------

INJECTOR = iam_user("qbusiness.batch-put-document", "svc-reporting")


def _put_docs(
    ids: Ids, when: datetime, caller: Caller, n: int = 0, error: tuple[str, str] | None = None
) -> Record:
    doc_id = f"kb/policies/travel-policy-{n:03d}.txt"
    params: dict[str, Any] = {
        "applicationId": APP,
        "indexId": INDEX,
        "documents": [
            {
                "id": doc_id,
                "title": f"Travel policy update {n}",
                "contentType": "PLAIN_TEXT",
                "content": {"s3": {"bucket": "amzn-s3-demo-bucket", "key": doc_id}},
                "accessConfiguration": {
                    "accessControls": [
                        {
                            "principals": [
                                {
                                    "group": {
                                        "name": "all-employees",
                                        "access": "ALLOW",
                                        "membershipType": "INDEX",
                                    }
                                }
                            ]
                        }
                    ]
                },
            }
        ],
        "roleArn": f"arn:aws:iam::{ACCOUNT}:role/QBusinessDocumentPutRole",
    }
    return event(
        ids, when, caller, "BatchPutDocument", params, {"failedDocuments": []}, error=error
    )


@fixture("document_put_directly_into_index", "pos_iam_user_puts_document")
def _(ids: Ids) -> Record:
    return _put_docs(ids, at(16, 4, 12, 9), INJECTOR)


@fixture("document_put_directly_into_index", "neg_connector_sync_by_service")
def _(ids: Ids) -> Record:
    rec = _put_docs(ids, at(16, 3, 0, 12), qbusiness_service())
    rec["requestParameters"]["dataSourceSyncId"] = "5f0e9d8c-7b6a-4958-8372-EXAMPLE61ab2"
    return rec


@fixture("document_put_directly_into_index", "neg_batch_delete_document")
def _(ids: Ids) -> Record:
    params = {
        "applicationId": APP,
        "indexId": INDEX,
        "documents": [{"documentId": "kb/policies/travel-policy-000.txt"}],
    }
    return event(
        ids, at(16, 4, 20), INJECTOR, "BatchDeleteDocument", params, {"failedDocuments": []}
    )


@fixture("document_put_directly_into_index", "neg_put_access_denied")
def _(ids: Ids) -> Record:
    return _put_docs(ids, at(16, 4, 10), INJECTOR, error=DENIED)


def _put_series(ids: Ids, count: int, step: float, caller: Caller = INJECTOR) -> Any:
    return burst(
        ids, at(17, 4, 0), step, count, lambda ids, when, i: _put_docs(ids, when, caller, i)
    )


@fixture("bulk_direct_document_injection", "pos_55_puts_in_9_minutes")
def _(ids: Ids) -> Any:
    return _put_series(ids, 55, 10)


@fixture("bulk_direct_document_injection", "neg_49_puts_one_short")
def _(ids: Ids) -> Any:
    return _put_series(ids, 49, 10)


@fixture("bulk_direct_document_injection", "neg_50_puts_over_11_minutes")
def _(ids: Ids) -> Any:
    return _put_series(ids, 50, 13)


# AQ-12 ----------------------------------------------------------------------------------

DELETES: dict[str, dict[str, str]] = {
    "DeleteApplication": {"applicationId": APP},
    "DeleteIndex": {"applicationId": APP, "indexId": INDEX},
    "DeleteDataSource": {"applicationId": APP, "indexId": INDEX, "dataSourceId": DATA_SOURCE},
    "DeleteRetriever": {"applicationId": APP, "retrieverId": RETRIEVER},
    "DeleteWebExperience": {"applicationId": APP, "webExperienceId": WEB_EXPERIENCE},
    "DeletePlugin": {"applicationId": APP, "pluginId": PLUGINS[0]},
    "DeleteDataAccessor": {"applicationId": APP, "dataAccessorId": DATA_ACCESSOR},
}
WIPER = iam_user("qbusiness.delete-index", "svc-reporting")


def _delete(
    ids: Ids,
    when: datetime,
    name: str,
    caller: Caller = WIPER,
    error: tuple[str, str] | None = None,
) -> Record:
    return event(ids, when, caller, name, DELETES[name], None, error=error)


@fixture("resource_deleted", "pos_index_deleted_from_cli")
def _(ids: Ids) -> Record:
    return _delete(ids, at(18, 2, 33, 41), "DeleteIndex")


@fixture("resource_deleted", "neg_cloudformation_teardown")
def _(ids: Ids) -> Record:
    return _delete(ids, at(18, 9, 0, 3), "DeleteApplication", cloudformation_role())


@fixture("resource_deleted", "neg_batch_delete_document")
def _(ids: Ids) -> Record:
    params = {
        "applicationId": APP,
        "indexId": INDEX,
        "documents": [{"documentId": "kb/policies/travel-policy-000.txt"}],
    }
    return event(ids, at(18, 2, 30), WIPER, "BatchDeleteDocument", params, {"failedDocuments": []})


@fixture("resource_deleted", "neg_delete_conflict")
def _(ids: Ids) -> Record:
    return _delete(
        ids,
        at(18, 2, 31),
        "DeleteIndex",
        error=("ConflictException", "The index has data sources attached. Delete them first."),
    )


def _delete_series(ids: Ids, step: float, names: list[str], callers: list[Caller]) -> Any:
    return burst(
        ids,
        at(19, 2, 30),
        step,
        len(names),
        lambda ids, when, i: _delete(ids, when, names[i], callers[i % len(callers)]),
    )


MASS = [
    "DeletePlugin",
    "DeletePlugin",
    "DeleteDataSource",
    "DeleteDataSource",
    "DeleteIndex",
    "DeleteApplication",
]


@fixture("mass_resource_deletion", "pos_six_deletions_in_7_minutes")
def _(ids: Ids) -> Any:
    return _delete_series(ids, 80, MASS, [WIPER])


@fixture("mass_resource_deletion", "neg_four_deletions_one_short")
def _(ids: Ids) -> Any:
    return _delete_series(ids, 80, MASS[:4], [WIPER])


@fixture("mass_resource_deletion", "neg_five_deletions_over_17_minutes")
def _(ids: Ids) -> Any:
    return _delete_series(ids, 250, MASS[:5], [WIPER])


TYPES = ["DeleteWebExperience", "DeleteRetriever", "DeleteIndex", "DeleteApplication"]


@fixture("multiple_resource_types_deleted", "pos_stack_torn_down_in_4_minutes")
def _(ids: Ids) -> Any:
    return _delete_series(ids, 70, TYPES, [WIPER])


@fixture("multiple_resource_types_deleted", "neg_one_type_six_times")
def _(ids: Ids) -> Any:
    return _delete_series(ids, 40, ["DeleteDataSource"] * 6, [WIPER])


@fixture("multiple_resource_types_deleted", "neg_three_types_three_principals")
def _(ids: Ids) -> Any:
    callers = [WIPER, cli_role("qbusiness.delete-retriever"), admin_console()]
    return _delete_series(ids, 60, TYPES[:3], callers)


# AQ-13 / AQ-14 --------------------------------------------------------------------------


def _update_web(ids: Ids, extra: dict[str, Any], error: tuple[str, str] | None = None) -> Record:
    params = {"applicationId": APP, "webExperienceId": WEB_EXPERIENCE, **extra}
    return event(
        ids,
        at(20, 18, 5, 36),
        admin_console("mallory@example.com"),
        "UpdateWebExperience",
        params,
        None,
        error=error,
    )


SAML_SWAP = {
    "identityProviderConfiguration": {
        "samlConfiguration": {"authenticationUrl": "https://idp.example.net/saml2/sso"}
    }
}


@fixture("web_experience_identity_provider_or_embedding_changed", "pos_saml_login_url_swapped")
def _(ids: Ids) -> Record:
    return _update_web(ids, SAML_SWAP)


@fixture("web_experience_identity_provider_or_embedding_changed", "pos_embedding_origin_added")
def _(ids: Ids) -> Record:
    return _update_web(
        ids, {"origins": ["https://intranet.example.com", "https://portal.example.net"]}
    )


@fixture(
    "web_experience_identity_provider_or_embedding_changed", "pos_created_with_oidc_and_custom_css"
)
def _(ids: Ids) -> Record:
    params = {
        "applicationId": APP,
        "title": "Ask Finance",
        "roleArn": f"arn:aws:iam::{ACCOUNT}:role/QBusinessWebExperienceRole",
        "identityProviderConfiguration": {
            "openIDConnectConfiguration": {
                "secretsArn": (
                    f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:qbusiness-oidc-AbCdEf"
                ),
                "secretsRole": f"arn:aws:iam::{ACCOUNT}:role/QBusinessOidcSecretRole",
            }
        },
        "customizationConfiguration": {
            "customCSSUrl": "https://cdn.example.net/qbiz/theme.css",
            "logoUrl": "https://cdn.example.net/qbiz/logo.png",
        },
        "clientToken": token(ids),
    }
    response = {
        "webExperienceId": WEB_EXPERIENCE,
        "webExperienceArn": f"{app_arn()}/web-experience/{WEB_EXPERIENCE}",
    }
    return event(ids, at(20, 17, 40, 2), admin_console(), "CreateWebExperience", params, response)


@fixture(
    "web_experience_identity_provider_or_embedding_changed", "pos_legacy_saml_metadata_replaced"
)
def _(ids: Ids) -> Record:
    return _update_web(
        ids,
        {
            "authenticationConfiguration": {
                "samlConfiguration": {
                    "metadataXML": "HIDDEN_DUE_TO_SECURITY_REASONS",
                    "roleArn": f"arn:aws:iam::{ACCOUNT}:role/QBusinessSamlRole",
                    "userIdAttribute": "email",
                    "userGroupAttribute": "groups",
                }
            }
        },
    )


@fixture("web_experience_identity_provider_or_embedding_changed", "neg_branding_changed")
def _(ids: Ids) -> Record:
    return _update_web(
        ids,
        {
            "title": "Ask Finance",
            "subtitle": "Policies and procedures",
            "welcomeMessage": "Hi! Ask me about expense policy.",
            "samplePromptsControlMode": "ENABLED",
        },
    )


@fixture("web_experience_identity_provider_or_embedding_changed", "neg_get_web_experience")
def _(ids: Ids) -> Record:
    params = {"applicationId": APP, "webExperienceId": WEB_EXPERIENCE}
    return event(ids, at(20, 18, 4), admin_console(), "GetWebExperience", params, None)


@fixture("web_experience_identity_provider_or_embedding_changed", "neg_saml_swap_access_denied")
def _(ids: Ids) -> Record:
    return _update_web(ids, SAML_SWAP, DENIED)


def _update_app(ids: Ids, extra: dict[str, Any], error: tuple[str, str] | None = None) -> Record:
    params = {"applicationId": APP, **extra}
    return event(
        ids,
        at(21, 7, 55, 12),
        cli_role("qbusiness.update-application"),
        "UpdateApplication",
        params,
        None,
        error=error,
    )


LOOSEN = {
    "attachmentsConfiguration": {"attachmentsControlMode": "ENABLED"},
    "qAppsConfiguration": {"qAppsControlMode": "ENABLED"},
}


@fixture("application_settings_loosened", "pos_attachments_and_q_apps_enabled")
def _(ids: Ids) -> Record:
    return _update_app(ids, LOOSEN)


@fixture("application_settings_loosened", "pos_service_role_replaced")
def _(ids: Ids) -> Record:
    return _update_app(ids, {"roleArn": f"arn:aws:iam::{ACCOUNT}:role/QBusinessAppRoleV2"})


@fixture("application_settings_loosened", "pos_auto_subscribe_and_idc_instance_changed")
def _(ids: Ids) -> Record:
    return _update_app(
        ids,
        {
            "identityCenterInstanceArn": "arn:aws:sso:::instance/ssoins-fedcba0987654321",
            "autoSubscriptionConfiguration": {
                "autoSubscribe": "ENABLED",
                "defaultSubscriptionType": "Q_BUSINESS",
            },
        },
    )


@fixture("application_settings_loosened", "neg_attachments_disabled_and_renamed")
def _(ids: Ids) -> Record:
    return _update_app(
        ids,
        {
            "displayName": "hr-assistant-prod",
            "attachmentsConfiguration": {"attachmentsControlMode": "DISABLED"},
            "autoSubscriptionConfiguration": {"autoSubscribe": "DISABLED"},
        },
    )


@fixture("application_settings_loosened", "neg_create_application_with_attachments")
def _(ids: Ids) -> Record:
    return _create_app(ids, "AWS_IAM_IDC")


@fixture("application_settings_loosened", "neg_loosening_access_denied")
def _(ids: Ids) -> Record:
    return _update_app(ids, LOOSEN, DENIED)


# AQ-15 ----------------------------------------------------------------------------------


def _update_user(ids: Ids, caller: Caller, error: tuple[str, str] | None = None) -> Record:
    params = {
        "applicationId": APP,
        "userId": "eve@example.com",
        "userAliasesToUpdate": [
            {"indexId": INDEX, "dataSourceId": DATA_SOURCE, "userId": "cfo@example.com"}
        ],
    }
    response = {
        "userAliasesAdded": [],
        "userAliasesDeleted": [],
        "userAliasesUpdated": params["userAliasesToUpdate"],
    }
    return event(ids, at(22, 0, 41, 18), caller, "UpdateUser", params, response, error=error)


def _put_group(ids: Ids, caller: Caller) -> Record:
    params = {
        "applicationId": APP,
        "indexId": INDEX,
        "groupName": "finance-leadership",
        "dataSourceId": DATA_SOURCE,
        "type": "DATASOURCE",
        "groupMembers": {
            "memberUsers": [
                {"userId": "eve@example.com", "type": "DATASOURCE"},
                {"userId": "cfo@example.com", "type": "DATASOURCE"},
            ]
        },
    }
    return event(ids, at(22, 0, 43, 2), caller, "PutGroup", params, None)


@fixture("index_user_or_group_mapping_changed", "pos_user_alias_pointed_at_cfo")
def _(ids: Ids) -> Record:
    return _update_user(ids, iam_user("qbusiness.update-user"))


@fixture("index_user_or_group_mapping_changed", "pos_group_membership_put")
def _(ids: Ids) -> Record:
    return _put_group(ids, cli_role("qbusiness.put-group"))


@fixture("index_user_or_group_mapping_changed", "neg_connector_group_sync")
def _(ids: Ids) -> Record:
    return _put_group(ids, qbusiness_service())


@fixture("index_user_or_group_mapping_changed", "neg_get_group")
def _(ids: Ids) -> Record:
    params = {
        "applicationId": APP,
        "indexId": INDEX,
        "groupName": "finance-leadership",
        "dataSourceId": DATA_SOURCE,
    }
    return event(ids, at(22, 0, 40), cli_role("qbusiness.get-group"), "GetGroup", params, None)


@fixture("index_user_or_group_mapping_changed", "neg_update_user_access_denied")
def _(ids: Ids) -> Record:
    return _update_user(ids, iam_user("qbusiness.update-user"), DENIED)


# AQ-16 ----------------------------------------------------------------------------------


def _delete_conv(
    ids: Ids,
    when: datetime,
    caller: Caller,
    n: int = 0,
    attachment: bool = False,
    error: tuple[str, str] | None = None,
) -> Record:
    conversation = str(
        uuid.UUID(bytes=hashlib.sha256(f"conv-{n}".encode()).digest()[:16], version=4)
    )
    params: dict[str, Any] = {"applicationId": APP, "conversationId": conversation}
    name = "DeleteConversation"
    if attachment:
        params["attachmentId"] = "a77ac0de-0000-4000-8000-EXAMPLE00001"
        name = "DeleteAttachment"
    return event(ids, when, caller, name, params, None, error=error)


@fixture("conversation_or_attachment_deleted_by_user", "pos_web_user_deletes_conversation")
def _(ids: Ids) -> Record:
    return _delete_conv(ids, at(23, 19, 2, 40), web_user())


@fixture("conversation_or_attachment_deleted_by_user", "pos_web_user_deletes_attachment")
def _(ids: Ids) -> Record:
    return _delete_conv(ids, at(23, 19, 3, 5), web_user(), attachment=True)


@fixture("conversation_or_attachment_deleted_by_user", "neg_saml_user_without_idc_context")
def _(ids: Ids) -> Record:
    return _delete_conv(ids, at(23, 19, 4), saml_user())


@fixture("conversation_or_attachment_deleted_by_user", "neg_list_conversations")
def _(ids: Ids) -> Record:
    return event(ids, at(23, 19, 1), web_user(), "ListConversations", {"applicationId": APP}, None)


@fixture("conversation_or_attachment_deleted_by_user", "neg_conversation_not_found")
def _(ids: Ids) -> Record:
    return _delete_conv(
        ids,
        at(23, 19, 5),
        web_user(),
        error=("ResourceNotFoundException", "The conversation does not exist."),
    )


def _purge(ids: Ids, count: int, step: float, callers: list[Caller]) -> Any:
    return burst(
        ids,
        at(24, 21, 10),
        step,
        count,
        lambda ids, when, i: _delete_conv(ids, when, callers[i % len(callers)], i),
    )


@fixture("conversation_purge_by_one_user", "pos_12_conversations_in_3_minutes")
def _(ids: Ids) -> Any:
    return _purge(ids, 12, 15, [web_user()])


@fixture("conversation_purge_by_one_user", "neg_9_conversations_one_short")
def _(ids: Ids) -> Any:
    return _purge(ids, 9, 15, [web_user()])


@fixture("conversation_purge_by_one_user", "neg_12_conversations_two_users_same_role")
def _(ids: Ids) -> Any:
    return _purge(ids, 12, 15, [web_user(USERS[0]), web_user(USERS[1], "198.51.100.42")])


@fixture(
    "conversation_or_attachment_deleted_by_iam_principal", "pos_saml_user_deletes_conversation"
)
def _(ids: Ids) -> Record:
    return _delete_conv(ids, at(23, 20, 2, 40), saml_user())


@fixture("conversation_or_attachment_deleted_by_iam_principal", "neg_web_user_with_idc_context")
def _(ids: Ids) -> Record:
    return _delete_conv(ids, at(23, 20, 3), web_user())


@fixture("conversation_or_attachment_deleted_by_iam_principal", "neg_list_messages")
def _(ids: Ids) -> Record:
    params = {"applicationId": APP, "conversationId": "c0ffee00-1111-2222-3333-EXAMPLE22222"}
    return event(ids, at(23, 20, 1), saml_user(), "ListMessages", params, None)


@fixture("conversation_or_attachment_deleted_by_iam_principal", "neg_delete_access_denied")
def _(ids: Ids) -> Record:
    return _delete_conv(ids, at(23, 20, 4), saml_user(), error=DENIED)


@fixture("conversation_purge_by_one_iam_principal", "pos_11_conversations_in_4_minutes")
def _(ids: Ids) -> Any:
    return _purge(ids, 11, 24, [saml_user()])


@fixture("conversation_purge_by_one_iam_principal", "neg_9_conversations_one_short")
def _(ids: Ids) -> Any:
    return _purge(ids, 9, 24, [saml_user()])


@fixture("conversation_purge_by_one_iam_principal", "neg_10_conversations_over_11_minutes")
def _(ids: Ids) -> Any:
    return _purge(ids, 10, 70, [saml_user()])


# AQ-17 ----------------------------------------------------------------------------------

LOG_ADMIN = cli_role("logs.put-delivery-source", "ObservabilityAdmin", "dave")
SOURCE_NAME = "qbusiness-hr-assistant-event-logs"


def _put_source(
    ids: Ids,
    when: datetime,
    resource: str,
    log_type: str = "EVENT_LOGS",
    name: str = SOURCE_NAME,
    error: tuple[str, str] | None = None,
) -> Record:
    params = {"name": name, "resourceArn": resource, "logType": log_type}
    service = resource.split(":")[2]
    response = {
        "deliverySource": {
            "name": name,
            "arn": f"arn:aws:logs:{REGION}:{ACCOUNT}:delivery-source:{name}",
            "resourceArns": [resource],
            "service": service,
            "logType": log_type,
        }
    }
    return event(
        ids, when, LOG_ADMIN, "PutDeliverySource", params, response, source=LOGS, error=error
    )


def _delete_source(
    ids: Ids,
    when: datetime,
    name: str = SOURCE_NAME,
    caller: Caller | None = None,
    error: tuple[str, str] | None = None,
) -> Record:
    who = caller or replace(LOG_ADMIN, user_agent=cli_ua("logs.delete-delivery-source"))
    return event(
        ids, when, who, "DeleteDeliverySource", {"name": name}, None, source=LOGS, error=error
    )


WISDOM_ASSISTANT = (
    f"arn:aws:wisdom:{REGION}:{ACCOUNT}:assistant/1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"
)
KB_ARN = f"arn:aws:bedrock:{REGION}:{ACCOUNT}:knowledge-base/KBEXAMPLE01"


@fixture("aws_cloudtrail_amazon_q_log_delivery_source_registered", "pos_q_business_event_logs")
def _(ids: Ids) -> Record:
    return _put_source(ids, at(25, 9, 30, 12), app_arn())


@fixture("aws_cloudtrail_amazon_q_log_delivery_source_registered", "pos_q_connect_assistant_logs")
def _(ids: Ids) -> Record:
    return _put_source(ids, at(25, 9, 35), WISDOM_ASSISTANT, name="qconnect-assistant-event-logs")


@fixture(
    "aws_cloudtrail_amazon_q_log_delivery_source_registered", "neg_bedrock_knowledge_base_logs"
)
def _(ids: Ids) -> Record:
    return _put_source(ids, at(25, 9, 40), KB_ARN, "APPLICATION_LOGS", "kb-application-logs")


@fixture("aws_cloudtrail_amazon_q_log_delivery_source_registered", "neg_delete_delivery_source")
def _(ids: Ids) -> Record:
    return _delete_source(ids, at(25, 9, 45))


@fixture("aws_cloudtrail_amazon_q_log_delivery_source_registered", "neg_put_access_denied")
def _(ids: Ids) -> Record:
    return _put_source(ids, at(25, 9, 31), app_arn(), error=DENIED)


@fixture("aws_cloudtrail_cloudwatch_logs_delivery_source_deleted", "pos_delivery_source_deleted")
def _(ids: Ids) -> Record:
    return _delete_source(ids, at(26, 23, 58, 1))


@fixture(
    "aws_cloudtrail_cloudwatch_logs_delivery_source_deleted", "neg_delivery_destination_deleted"
)
def _(ids: Ids) -> Record:
    caller = replace(LOG_ADMIN, user_agent=cli_ua("logs.delete-delivery-destination"))
    return event(
        ids,
        at(26, 23, 59),
        caller,
        "DeleteDeliveryDestination",
        {"name": "qbusiness-logs-to-cwl"},
        None,
        source=LOGS,
    )


@fixture("aws_cloudtrail_cloudwatch_logs_delivery_source_deleted", "neg_deliveries_still_attached")
def _(ids: Ids) -> Record:
    return _delete_source(
        ids,
        at(26, 23, 57),
        error=(
            "ConflictException",
            "Delivery source has associated deliveries. "
            "Delete the deliveries before deleting the delivery source.",
        ),
    )


def _records(*records: Record) -> dict[str, list[Record]]:
    return {"Records": list(records)}


CORR = "aws_cloudtrail_amazon_q_log_delivery_source_deleted_after_registration"


@fixture(CORR, "pos_registered_then_deleted_after_3_hours")
def _(ids: Ids) -> Any:
    delivery = event(
        ids,
        at(27, 12, 40),
        replace(LOG_ADMIN, user_agent=cli_ua("logs.delete-delivery")),
        "DeleteDelivery",
        {"id": "AbCdEfGhIjKlMnOp"},
        None,
        source=LOGS,
    )
    return _records(
        _put_source(ids, at(27, 9, 30), app_arn()), delivery, _delete_source(ids, at(27, 12, 41))
    )


@fixture(CORR, "neg_deleted_before_registration")
def _(ids: Ids) -> Any:
    return _records(_delete_source(ids, at(27, 8, 0)), _put_source(ids, at(27, 9, 30), app_arn()))


@fixture(CORR, "neg_deleted_after_25_hours")
def _(ids: Ids) -> Any:
    return _records(_put_source(ids, at(27, 9, 30), app_arn()), _delete_source(ids, at(28, 10, 31)))


@fixture(CORR, "neg_other_delivery_source_deleted")
def _(ids: Ids) -> Any:
    return _records(
        _put_source(ids, at(27, 9, 30), app_arn()),
        _delete_source(ids, at(27, 10, 0), "cloudfront-access-logs"),
    )


# AQ-18 ----------------------------------------------------------------------------------

RECON_READS: list[tuple[str, dict[str, Any]]] = [
    ("ListApplications", {}),
    ("GetApplication", {"applicationId": APP}),
    ("ListIndices", {"applicationId": APP}),
    ("ListDataSources", {"applicationId": APP, "indexId": INDEX}),
    ("ListRetrievers", {"applicationId": APP}),
    ("ListPlugins", {"applicationId": APP}),
    ("ListPluginActions", {"applicationId": APP, "pluginId": PLUGINS[0]}),
    ("ListWebExperiences", {"applicationId": APP}),
    ("GetChatControlsConfiguration", {"applicationId": APP}),
    ("ListDataAccessors", {"applicationId": APP}),
    ("GetPolicy", {"applicationId": APP}),
]
RECON = iam_user("qbusiness.list-applications", "svc-reporting")


def _read(
    ids: Ids,
    when: datetime,
    name: str,
    params: dict[str, Any],
    caller: Caller = RECON,
    error: tuple[str, str] | None = None,
) -> Record:
    return event(ids, when, caller, name, params, None, error=error)


@fixture("configuration_read_outside_console", "pos_cli_lists_plugins")
def _(ids: Ids) -> Record:
    return _read(ids, at(28, 3, 2, 17), "ListPlugins", {"applicationId": APP})


@fixture("configuration_read_outside_console", "neg_console_page_load")
def _(ids: Ids) -> Record:
    return _read(ids, at(28, 3, 3), "ListPlugins", {"applicationId": APP}, admin_console())


@fixture("configuration_read_outside_console", "neg_list_tags_for_resource")
def _(ids: Ids) -> Record:
    return _read(ids, at(28, 3, 4), "ListTagsForResource", {"resourceARN": app_arn()})


@fixture("configuration_read_outside_console", "neg_list_data_accessors_denied")
def _(ids: Ids) -> Record:
    return _read(ids, at(28, 3, 5), "ListDataAccessors", {"applicationId": APP}, error=DENIED)


def _recon(
    ids: Ids, reads: list[tuple[str, dict[str, Any]]], step: float, caller: Caller = RECON
) -> Any:
    return burst(
        ids,
        at(29, 3, 0),
        step,
        len(reads),
        lambda ids, when, i: _read(ids, when, *reads[i], caller=caller),
    )


@fixture("configuration_reconnaissance", "pos_eleven_kinds_in_3_minutes")
def _(ids: Ids) -> Any:
    return _recon(ids, RECON_READS, 17)


@fixture("configuration_reconnaissance", "neg_same_reads_from_console")
def _(ids: Ids) -> Any:
    return _recon(ids, RECON_READS, 17, admin_console())


@fixture("configuration_reconnaissance", "neg_seven_kinds_repeated")
def _(ids: Ids) -> Any:
    return _recon(ids, RECON_READS[:7] * 2, 20)


@fixture("configuration_reconnaissance", "neg_eight_kinds_over_12_minutes")
def _(ids: Ids) -> Any:
    return _recon(ids, RECON_READS[:8], 100)


# AQ-19 ----------------------------------------------------------------------------------


@fixture("chat_message_by_user", "pos_web_user_chat_sync")
def _(ids: Ids) -> Record:
    return _chat(ids, at(2, 9, 15, 3), web_user())


@fixture("chat_message_by_user", "neg_saml_user_chat")
def _(ids: Ids) -> Record:
    return _chat(ids, at(2, 9, 16), saml_user())


@fixture("chat_message_by_user", "neg_list_messages")
def _(ids: Ids) -> Record:
    params = {"applicationId": APP, "conversationId": "c0ffee00-1111-2222-3333-EXAMPLE22222"}
    return event(ids, at(2, 9, 17), web_user(), "ListMessages", params, None)


@fixture("chat_message_by_user", "neg_chat_throttled")
def _(ids: Ids) -> Record:
    return _chat(ids, at(2, 9, 18), web_user(), error=("ThrottlingException", "Rate exceeded"))


@fixture("chat_message_by_iam_principal", "pos_saml_user_chat_sync")
def _(ids: Ids) -> Record:
    return _chat(ids, at(2, 10, 15, 3), saml_user())


@fixture("chat_message_by_iam_principal", "neg_web_user_with_idc_context")
def _(ids: Ids) -> Record:
    return _chat(ids, at(2, 10, 16), web_user())


@fixture("chat_message_by_iam_principal", "neg_put_feedback")
def _(ids: Ids) -> Record:
    params = {
        "applicationId": APP,
        "conversationId": "c0ffee00-1111-2222-3333-EXAMPLE22222",
        "messageId": "0f1e2d3c-4b5a-6978-8a9b-EXAMPLE99999",
        "messageUsefulness": {
            "usefulness": "NOT_USEFUL",
            "reason": "NOT_FACTUALLY_CORRECT",
            "submittedAt": "2026-11-02T10:16:30Z",
        },
    }
    return event(ids, at(2, 10, 16, 31), saml_user(), "PutFeedback", params, None)


@fixture("chat_message_by_iam_principal", "neg_chat_access_denied")
def _(ids: Ids) -> Record:
    return _chat(ids, at(2, 10, 17), saml_user(), error=DENIED)


def _chat_series(ids: Ids, count: int, step: float, callers: list[Caller]) -> Any:
    return burst(
        ids,
        at(1, 1, 0),
        step,
        count,
        lambda ids, when, i: _chat(ids, when, callers[i % len(callers)]),
    )


@fixture("high_volume_chat_by_one_user", "pos_78_messages_in_13_minutes")
def _(ids: Ids) -> Any:
    return _chat_series(ids, 78, 10, [web_user()])


@fixture("high_volume_chat_by_one_user", "neg_74_messages_one_short")
def _(ids: Ids) -> Any:
    return _chat_series(ids, 74, 10, [web_user()])


@fixture("high_volume_chat_by_one_user", "neg_80_messages_two_users_same_role")
def _(ids: Ids) -> Any:
    return _chat_series(ids, 80, 10, [web_user(USERS[0]), web_user(USERS[1], "198.51.100.42")])


@fixture("high_volume_chat_by_one_iam_principal", "pos_75_messages_in_12_minutes")
def _(ids: Ids) -> Any:
    return _chat_series(ids, 75, 10, [saml_user()])


@fixture("high_volume_chat_by_one_iam_principal", "neg_74_messages_one_short")
def _(ids: Ids) -> Any:
    return _chat_series(ids, 74, 10, [saml_user()])


@fixture("high_volume_chat_by_one_iam_principal", "neg_75_messages_over_16_minutes")
def _(ids: Ids) -> Any:
    return _chat_series(ids, 75, 13, [saml_user()])


# --------------------------------------------------------------------------- main


def render() -> Iterator[tuple[Path, str]]:
    """Every fixture path with its canonical JSON text."""
    for stem, scenarios in sorted(FIXTURES.items()):
        for name, builder in sorted(scenarios.items()):
            yield OUT / stem / f"{name}.json", canonical_json(builder(Ids(f"{stem}/{name}")))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare, do not write")
    args = parser.parse_args(argv)
    expected = dict(render())
    stale = [p for p in sorted(OUT.rglob("*.json")) if p not in expected] if OUT.exists() else []
    differing = [
        p for p, text in expected.items() if not p.exists() or p.read_text(encoding="utf-8") != text
    ]
    if args.check:
        for path in differing + stale:
            print(f"out of date: {path.relative_to(ROOT)}", file=sys.stderr)
        return 1 if differing or stale else 0
    for path in differing:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(expected[path], encoding="utf-8")
    for path in stale:
        print(f"not generated (left in place): {path.relative_to(ROOT)}", file=sys.stderr)
    print(f"{len(expected)} fixtures, {len(differing)} written", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
