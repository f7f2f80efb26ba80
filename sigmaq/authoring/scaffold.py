"""``sigmaq new``: a valid rule and three fixture stubs, built from the API catalogue.

The rule gets a fresh UUIDv4, today's date, the author (``git config user.name``), the
CloudTrail logsource, a detection on the given eventSource/eventName values, the
file name the validators want (``aws_cloudtrail_<slug of title>.yml``) and the
``sigmaq:`` block with every allowed value listed in comments (CONTRIBUTING.md).

The fixtures are CloudTrail records of the call as CloudTrail logs it: the right
eventSource, eventName, eventCategory, readOnly, ``resources`` for data events, a
userIdentity of the shape that service logs (IAM Identity Center user for Q
Developer data events, an identity-aware role session for Q Business/Q Apps data
events, an SSO role session otherwise), the call's required request members from the
botocore model, and documentation values only. Each carries a ``sigmaqStub`` note
saying what to make of it, so ``sigmaq validate`` fails clearly until a person has
edited it (and the negative stubs, which match the scaffold rule, fail ``sigmaq test``
until the rule or the fixture says what must not match).
"""

from __future__ import annotations

import re
import subprocess
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from sigmaq.core.amazon_q import (
    CATALOGUE,
    CATALOGUE_IDS,
    CATALOGUE_OPTIONAL_COMPONENTS,
    PLAYBOOK_QUESTIONS,
    PLAYBOOK_STEPS,
)
from sigmaq.core.catalog import (
    AMAZON_Q_EVENT_SOURCES,
    Catalog,
    iam_action_names,
    iam_action_operation,
    load_catalog,
)
from sigmaq.core.errors import ConfigError
from sigmaq.core.jsonfmt import canonical_json
from sigmaq.core.layout import (
    COMPONENTS,
    FIXTURE_STUB_KEY,
    NEGATIVE_PREFIX,
    POSITIVE_PREFIX,
    ProjectLayout,
    expected_rule_filename,
    slugify,
)
from sigmaq.core.request_shapes import find_operation, lower_first, service
from sigmaq.core.unseen import first_unseen

ACCOUNT = "123456789012"
REGION = "us-east-1"
SOURCE_IP = "198.51.100.24"
LEVELS = ("informational", "low", "medium", "high", "critical")
# The eventSource a component's rules usually watch, when the author gives none.
COMPONENT_SOURCES = {
    "q_business": "qbusiness.amazonaws.com",
    "q_apps": "qapps.amazonaws.com",
    "q_connect": "wisdom.amazonaws.com",
    "q_chat_apps": "chatbot.amazonaws.com",
}
READ_PREFIXES = ("Get", "List", "Describe", "Check", "Head", "Search", "Lookup")
_CONSOLE_AGENT = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
_CLI_AGENT = (
    "aws-cli/2.27.50 md/awscrt#0.26.1 ua/2.1 os/linux#6.8.0 md/arch#x86_64 lang/python#3.13.4"
)


@dataclass(frozen=True)
class NewRule:
    """What ``sigmaq new`` was asked for (the CLI's options)."""

    title: str
    component: str
    event_names: tuple[str, ...]
    event_sources: tuple[str, ...] = ()
    level: str = "medium"
    catalogue: tuple[str, ...] = ()
    playbook: tuple[str, ...] = ("step-4",)
    attack: tuple[str, ...] = ()
    author: str | None = None
    description: str | None = None


@dataclass
class Scaffold:
    """The files to write: path -> text, the rule first."""

    rule_path: Path
    files: dict[Path, str] = field(default_factory=dict)

    @property
    def fixture_paths(self) -> list[Path]:
        return [path for path in self.files if path != self.rule_path]


def git_author(cwd: Path) -> str | None:
    """``git config user.name`` in ``cwd``, None when git or the setting is missing."""
    try:
        done = subprocess.run(
            ["git", "config", "user.name"],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    name = done.stdout.strip()
    return name or None


def _pair_sources(request: NewRule, catalog: Catalog) -> dict[str, list[str]]:
    """eventSource -> its eventNames of the request; raises ConfigError explaining why not."""
    if not request.event_names:
        raise ConfigError("give at least one --event-name (the CloudTrail eventName to detect)")
    sources = list(request.event_sources)
    if not sources and request.component in COMPONENT_SOURCES:
        sources = [COMPONENT_SOURCES[request.component]]
    for source in sources:
        if source not in catalog.event_sources:
            hints = catalog.similar_sources(source)
            raise ConfigError(
                f"unknown eventSource {source!r}"
                + (f": did you mean {', '.join(hints)}?" if hints else "")
            )
    pairs: dict[str, list[str]] = {}
    for name in request.event_names:
        candidates = [s for s in sources if catalog.has(s, name)] or [
            # a console-only call CloudTrail logs under its IAM action name (the
            # validator reports it at medium: check it against a real record)
            s
            for s in sources
            if name in iam_action_names(s) and iam_action_operation(s, name) is None
        ]
        if not sources:
            candidates = sorted(
                catalog.sources_for_name(name), key=lambda s: (s not in AMAZON_Q_EVENT_SOURCES, s)
            )
            if len(candidates) > 1:
                raise ConfigError(
                    f"eventName {name!r} is logged by several eventSources "
                    f"({', '.join(candidates[:8])}): choose one with --event-source"
                )
        if not candidates:
            scope = sources or list(catalog.event_sources)
            hints = catalog.similar_names(scope, name)
            raise ConfigError(
                f"eventName {name!r} is not logged by {', '.join(sources) or 'any eventSource'}"
                + (f": did you mean {', '.join(hints)}?" if hints else "")
            )
        pairs.setdefault(candidates[0], []).append(name)
    return pairs


def snake_case(name: str) -> str:
    """``DeleteChatControlsConfiguration`` -> ``delete_chat_controls_configuration``."""
    return slugify(re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name))


def _yaml_scalar(value: Any) -> str:
    text = yaml.safe_dump(value, default_flow_style=True, width=10_000, allow_unicode=True)
    return text.removesuffix("\n").removesuffix("\n...")


def _yaml_value(values: Sequence[str]) -> str:
    return _yaml_scalar(values[0]) if len(values) == 1 else _yaml_scalar(list(values))


def _attack_tags(techniques: Sequence[str]) -> list[str]:
    """``attack.<tactic>`` and ``attack.tNNNN`` tags from ATT&CK ids (vendored data).

    Raises ConfigError for an id that ATT&CK does not know.
    """
    if not techniques:
        return []
    from sigmaq.core.offline import use_vendored_data

    use_vendored_data()
    from sigma.data import mitre_attack

    mapping: dict[str, list[str]] = mitre_attack.mitre_attack_techniques_tactics_mapping
    tactics: list[str] = []
    tags: list[str] = []
    for technique in techniques:
        key = technique.upper()
        if key not in mapping:
            raise ConfigError(f"ATT&CK technique {technique!r} is unknown (ATT&CK v18 ids)")
        tactics += [t for t in mapping[key] if t not in tactics]
        tags.append(f"attack.{key.lower()}")
    return [f"attack.{tactic}" for tactic in tactics] + tags


def render_rule(
    request: NewRule, pairs: dict[str, list[str]], rule_id: str, today: date, author: str
) -> str:
    """The rule file text (YAML with comments)."""
    catalog = load_catalog()
    data_events = sorted(
        {
            t
            for source, names in pairs.items()
            for n in names
            for t in catalog.data_event_types(source, n)
        }
    )
    names = [n for ns in pairs.values() for n in ns]
    description = request.description or (
        f"Detects {', '.join(names)} calls logged by {', '.join(pairs)}. "
        "Say here why the call matters to an investigation and what to check next."
    )
    lines = [
        f"title: {_yaml_scalar(request.title)}",
        f"id: {rule_id}",
        "status: experimental",
        f"description: {_yaml_scalar(description)}",
        "references:",
        "  - https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-record-contents.html",
        f"author: {_yaml_scalar(author)}",
        f"date: {today.isoformat()}",
    ]
    tags = _attack_tags(request.attack)
    if tags:
        lines.append("tags:")
        lines += [f"  - {tag}" for tag in tags]
    lines += ["logsource:", "  product: aws", "  service: cloudtrail", "detection:"]
    selections = []
    for index, (source, source_names) in enumerate(pairs.items(), start=1):
        name = "selection" if len(pairs) == 1 else f"selection_{index}"
        selections.append(name)
        lines += [
            f"  {name}:",
            f"    eventSource: {_yaml_scalar(source)}",
            f"    eventName: {_yaml_value(source_names)}",
        ]
    condition = selections[0] if len(selections) == 1 else "1 of selection_*"
    lines += [
        "  succeeded:  # CloudTrail logs failed calls too: keep only calls that succeeded",
        "    - errorCode: null",
        "    - errorCode: success",
        f"  condition: {condition} and succeeded",
        "falsepositives:",
        "  - Administrators making the change on purpose (check the change ticket)",
        f"level: {request.level}",
        "sigmaq:",
        "  # Detection catalogue items this rule implements (one at least, except in",
        "  # rules/containment/):",
    ]
    lines += [f"  #   {item}  {title}" for item, title in CATALOGUE]
    lines.append(f"  catalogue: {_yaml_scalar(list(request.catalogue))}")
    lines.append("  # Playbook steps and analysis questions the rule serves (at least one):")
    lines += [f"  #   {key}  {text}" for key, text in PLAYBOOK_STEPS + PLAYBOOK_QUESTIONS]
    lines.append(f"  playbook: {_yaml_scalar(list(request.playbook))}")
    lines.append(
        "  # resources.type values the trail must log as data events (filled from the catalogue):"
    )
    lines.append(f"  data_events: {_yaml_scalar(data_events)}")
    lines.append('  # any_event_source: "<why>"   # only for a rule that spans services on purpose')
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- fixtures


def _identity(source: str, data_event: bool) -> dict[str, Any]:
    """A userIdentity of the shape ``source`` logs (documentation values)."""
    if source == "codewhisperer.amazonaws.com" and data_event:
        return {
            "type": "IdentityCenterUser",
            "accountId": ACCOUNT,
            "onBehalfOf": {
                "userId": "a1b2c3d4-5678-90ab-cdef-EXAMPLE11111",
                "identityStoreArn": f"arn:aws:identitystore::{ACCOUNT}:identitystore/d-1234567890",
            },
            "credentialId": "EXAMPLEcredentialEXAMPLE",
        }
    role = "AWSReservedSSO_AdministratorAccess_0123456789abcdef"
    session = "alice@example.com"
    identity: dict[str, Any] = {
        "type": "AssumedRole",
        "principalId": f"AROAIDPPEZS35WEXAMPLE:{session}",
        "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/{role}/{session}",
        "accountId": ACCOUNT,
        "accessKeyId": "ASIAIOSFODNN7EXAMPLE",
        "sessionContext": {
            "sessionIssuer": {
                "type": "Role",
                "principalId": "AROAIDPPEZS35WEXAMPLE",
                "arn": f"arn:aws:iam::{ACCOUNT}:role/aws-reserved/sso.amazonaws.com/{role}",
                "accountId": ACCOUNT,
                "userName": role,
            },
            "attributes": {"creationDate": "", "mfaAuthenticated": "false"},
        },
    }
    if source in ("qbusiness.amazonaws.com", "qapps.amazonaws.com") and data_event:
        identity["onBehalfOf"] = {
            "userId": "a1b2c3d4-5678-90ab-cdef-EXAMPLE11111",
            "identityStoreArn": f"arn:aws:identitystore::{ACCOUNT}:identitystore/d-1234567890",
        }
    return identity


def _placeholder(member: str, shapes: dict[str, Any], shape_name: str, depth: int) -> Any:
    """A documentation value for a request member (by its shape, else its name)."""
    shape = shapes.get(shape_name)
    if shape is not None:
        if "e" in shape:
            return shape["e"][0]
        if "m" in shape:
            return _members(shapes, shape, depth + 1) if depth < 3 else {}
        if "l" in shape:
            return []
        if "v" in shape or "d" in shape:
            return {}
    lowered = member.lower()
    if lowered.endswith("accesskeyid"):
        return "AKIAIOSFODNN7EXAMPLE"
    if lowered.endswith("accountid"):
        return ACCOUNT
    if lowered.endswith("arn"):
        return (
            f"arn:aws:example:{REGION}:{ACCOUNT}:{lower_first(member)[:-3] or 'resource'}/example"
        )
    if lowered.endswith("id"):
        return "a1b2c3d4-5678-90ab-cdef-EXAMPLE22222"
    if lowered.endswith("token"):
        return "a1b2c3d4-5678-90ab-cdef-EXAMPLE33333"
    return f"example-{slugify(member).replace('_', '-')}"


def _members(shapes: dict[str, Any], shape: dict[str, Any], depth: int) -> dict[str, Any]:
    members: dict[str, str] = shape["m"]
    return {
        lower_first(name): _placeholder(name, shapes, members[name], depth)
        for name in shape.get("r", [])
        if name in members
    }


def request_parameters(source: str, name: str) -> dict[str, Any] | None:
    """The required input members of the call, with placeholder values (None: no model)."""
    found = find_operation(source, name)
    if found is None:
        return None
    model = service(found[0])
    shape_name = model["operations"][found[1]]
    if shape_name is None:
        return None
    shape = model["shapes"].get(shape_name)
    if shape is None or "m" not in shape:
        return {}
    return _members(model["shapes"], shape, 0)


# Hosts that are not ``<service>.<region>.amazonaws.com``, from the endpoint rule sets of
# the botocore models (tests/unit/test_authoring.py resolves them with botocore): Q Business
# is dual-stack by default, Q Apps' endpoint prefix is ``data.qapps``.
_HOSTS = {
    "iam.amazonaws.com": "iam.amazonaws.com",
    "qbusiness.amazonaws.com": f"qbusiness.{REGION}.api.aws",
    "qapps.amazonaws.com": f"data.qapps.{REGION}.amazonaws.com",
}


def _host(source: str) -> str:
    """tlsDetails.clientProvidedHostHeader of a call to ``source`` from an SDK."""
    prefix = source.removesuffix(".amazonaws.com")
    return _HOSTS.get(source, f"{prefix}.{REGION}.amazonaws.com")


def stub_record(
    source: str,
    name: str,
    *,
    when: str,
    note: str,
    new_id: Callable[[], str],
    error: str | None = None,
) -> dict[str, Any]:
    """One CloudTrail record of ``name`` on ``source`` as CloudTrail logs it; ``error``:
    an errorCode (``AccessDenied``), with the errorMessage naming the record's caller."""
    catalog = load_catalog()
    resource_types = catalog.data_event_types(source, name)
    data_event = bool(resource_types)
    info = catalog.info(source, name)
    read_only = (
        info.read_only
        if info is not None and info.read_only is not None
        else name.startswith(READ_PREFIXES)
    )
    identity = _identity(source, data_event)
    if "sessionContext" in identity:
        identity["sessionContext"]["attributes"]["creationDate"] = when.replace("T10:", "T09:")
    record: dict[str, Any] = {
        FIXTURE_STUB_KEY: note,
        "eventVersion": "1.11",
        "userIdentity": identity,
        "eventTime": when,
        "eventSource": source,
        "eventName": name,
        "awsRegion": REGION,
        "sourceIPAddress": SOURCE_IP,
        "userAgent": _CONSOLE_AGENT if source in AMAZON_Q_EVENT_SOURCES else _CLI_AGENT,
    }
    if error is not None:
        caller = identity.get("arn")
        record["errorCode"] = error
        record["errorMessage"] = (
            f"User{f': {caller}' if caller else ''} is not authorized to perform: "
            f"{source.split('.')[0]}:{name}"
        )
    record["requestParameters"] = request_parameters(source, name)
    record["responseElements"] = None
    record["requestID"] = new_id()
    record["eventID"] = new_id()
    record["readOnly"] = bool(read_only)
    if resource_types:
        service_name = source.split(".")[0]
        kind = resource_types[0].split("::")[-1].lower()
        record["resources"] = [
            {
                "accountId": ACCOUNT,
                "type": resource_types[0],
                "ARN": f"arn:aws:{service_name}:{REGION}:{ACCOUNT}:{kind}/example",
            }
        ]
    record["eventType"] = "AwsApiCall"
    record["managementEvent"] = not data_event
    record["recipientAccountId"] = ACCOUNT
    record["eventCategory"] = "Data" if data_event else "Management"
    record["tlsDetails"] = {
        "tlsVersion": "TLSv1.3",
        "cipherSuite": "TLS_AES_128_GCM_SHA256",
        "clientProvidedHostHeader": _host(source),
    }
    return record


def _near_miss(catalog: Catalog, source: str, names: Sequence[str]) -> str | None:
    """Another eventName of ``source`` that shares the most with the detected ones."""
    taken = set(names)
    first = names[0]
    noun = first.removeprefix("Create").removeprefix("Delete").removeprefix("Update")
    candidates = sorted(n for n in catalog.names(source) if n not in taken)
    same_noun = [n for n in candidates if noun and n.endswith(noun) and n.startswith(READ_PREFIXES)]
    reads = [n for n in candidates if n.startswith(READ_PREFIXES)]
    for pool in (same_noun, reads, candidates):
        if pool:
            return pool[0]
    return None


# Sigma's JSON schemas (sigma-detection-rule-schema.json, "title"): a string, maxLength 256.
MAX_TITLE_CHARS = 256


def _check_title(title: str) -> None:
    """Raise ConfigError for a title the written rule could not carry: empty, holding a
    line break or another control character (``sigmaq validate`` refuses such a title,
    and ``new`` promises a rule valid as written), over the schema's 256 characters, or
    without a letter or digit to name the file ``aws_cloudtrail_<slug>.yml``."""
    if not title.strip():
        raise ConfigError("the title is empty: give the rule a brief title")
    shown = first_unseen(title)
    if shown is not None:
        raise ConfigError(
            f"the title must be one line of text: it holds a control character ({shown})"
        )
    if len(title) > MAX_TITLE_CHARS:
        raise ConfigError(
            f"the title has {len(title)} characters, over Sigma's {MAX_TITLE_CHARS}: make it brief"
        )
    if not slugify(title):
        raise ConfigError(
            f"the title {title!r} has no letter or digit to name the rule file after "
            "(aws_cloudtrail_<slug of title>.yml)"
        )


def build_scaffold(
    request: NewRule,
    *,
    root: Path | None,
    out_dir: Path | None = None,
    today: date | None = None,
    new_id: Callable[[], str] = lambda: str(uuid.uuid4()),
) -> Scaffold:
    """The rule and fixture files for ``request`` (nothing written).

    Pack layout (``root`` a project, ``out_dir`` None): ``rules/<component>/`` and
    ``fixtures/<component>/<stem>/``. Flat layout (``out_dir``): the rule in
    ``out_dir`` and ``<stem>.pos_*.json``/``<stem>.neg_*.json`` beside it. Raises
    ConfigError for an unknown component, level, catalogue item, eventSource or
    eventName (with "did you mean" hints), and for a rule file that already exists.
    """
    _check_title(request.title)
    catalog = load_catalog()
    if request.level not in LEVELS:
        raise ConfigError(f"level must be one of {', '.join(LEVELS)}")
    unknown_items = [item for item in request.catalogue if item not in CATALOGUE_IDS]
    if unknown_items:
        raise ConfigError(
            f"unknown catalogue items {unknown_items} (AQ-01 ... {CATALOGUE_IDS[-1]})"
        )
    if out_dir is None:
        if root is None:
            raise ConfigError("no sigmaq project here: give --dir for a flat rule folder")
        if request.component not in COMPONENTS:
            raise ConfigError(f"component must be one of {', '.join(COMPONENTS)}")
        if not request.catalogue and request.component not in CATALOGUE_OPTIONAL_COMPONENTS:
            choices = "\n".join(f"  {item}  {title}" for item, title in CATALOGUE)
            raise ConfigError(
                f"a rule in rules/{request.component}/ implements a detection catalogue item: "
                f"give --catalogue AQ-NN (repeatable), one of:\n{choices}"
            )
    pairs = _pair_sources(request, catalog)
    today = today or date.today()
    author = request.author or (git_author(root or out_dir or Path.cwd())) or "sigmaq contributors"
    file_name = expected_rule_filename(request.title)
    stem = file_name.removesuffix(".yml")
    if out_dir is None:
        assert root is not None
        layout = ProjectLayout(root)
        rule_path = layout.rules_dir / request.component / file_name
        fixture_dir = layout.fixtures_dir / request.component / stem

        def fixture(kind: str, name: str) -> Path:
            return fixture_dir / f"{kind}{name}.json"

    else:
        rule_path = out_dir / file_name

        def fixture(kind: str, name: str) -> Path:
            return out_dir / f"{stem}.{kind}{name}.json"

    if rule_path.exists():
        raise ConfigError("rule file already exists", path=rule_path)
    scaffold = Scaffold(rule_path)
    scaffold.files[rule_path] = render_rule(request, pairs, new_id(), today, author)

    source, names = next(iter(pairs.items()))
    name = names[0]
    when = f"{today.isoformat()}T10:15:00Z"
    snake = snake_case(name)
    scaffold.files[fixture(POSITIVE_PREFIX, snake)] = canonical_json(
        stub_record(
            source,
            name,
            when=when,
            new_id=new_id,
            note=(
                f"positive: a successful {name} call that the rule must match. Set "
                "requestParameters (and any field the rule tests) to what the attack looks like"
            ),
        )
    )
    other = _near_miss(catalog, source, names)
    if other is not None:
        scaffold.files[fixture(NEGATIVE_PREFIX, f"other_call_{snake_case(other)}")] = (
            canonical_json(
                stub_record(
                    source,
                    other,
                    when=when.replace("T10:15", "T10:20"),
                    new_id=new_id,
                    note=(
                        f"negative: {other} on the same service, which the rule must not match. "
                        "Make it the closest benign call your rule must ignore"
                    ),
                )
            )
        )
    scaffold.files[fixture(NEGATIVE_PREFIX, f"{snake}_denied")] = canonical_json(
        stub_record(
            source,
            name,
            when=when.replace("T10:15", "T10:25"),
            new_id=new_id,
            error="AccessDenied",
            note=(
                f"negative: the same {name} call, denied (errorCode AccessDenied); the rule's "
                "`succeeded` selection keeps it quiet. Keep it, or make it another near miss"
            ),
        )
    )
    return scaffold


def write_scaffold(scaffold: Scaffold) -> list[Path]:
    """Write every file (parents created); refuses to overwrite an existing one.

    Raises ConfigError naming the first file that exists and OSError when a file
    cannot be written.
    """
    for path in scaffold.files:
        if path.exists():
            raise ConfigError("file already exists", path=path)
    for path, text in scaffold.files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return list(scaffold.files)
