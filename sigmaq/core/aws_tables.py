"""Where a CloudTrail path lives in the AWS-native query targets.

Three targets hold CloudTrail records in shapes AWS documents:

- ``athena``: the table of the Athena User Guide, "Create the table for CloudTrail
  logs in Athena using partition projection" (``cloudtrail_logs_pp``): lower-case
  columns, ``useridentity`` a struct (with ``sessioncontext``), ``requestparameters``,
  ``responseelements``, ``additionaleventdata``, ``serviceeventdetails`` and
  ``edgedevicedetails`` JSON text read with ``json_extract_scalar``, ``resources`` an
  ``ARRAY<STRUCT<arn, accountid, type>>``, ``readonly`` a string, no
  ``managementevent`` column, partitioned by a projected ``timestamp`` (yyyy/MM/dd).
- ``cloudtrail_lake``: the CloudTrail Lake SQL schema of an event data store
  ("Supported SQL schemas for event data stores", CloudTrail User Guide):
  ``eventtime`` a timestamp, ``readonly``/``managementevent`` booleans,
  ``requestparameters``/``responseelements``/``additionaleventdata``/
  ``serviceeventdetails``/``addendum`` ``map<string,string>`` (a top-level key is
  ``element_at(requestparameters, 'key')``; a nested value is JSON text in the map),
  ``resources`` ``array<struct<accountid,type,arn,arnprefix>>``.
- ``logs_insights``: CloudWatch Logs Insights over CloudTrail records delivered to a
  log group: JSON events are flattened at ingestion into dotted fields named as in
  the record (``userIdentity.arn``, ``requestParameters.roleArn``), array elements
  by index (``resources.0.ARN``) ("Supported logs and discovered fields", "parse":
  CloudWatch Logs User Guide).

``access(target, path)`` says how a target reads a path, or why it cannot.
Column types are kept as AWS writes them (``ATHENA_COLUMNS``, ``LAKE_COLUMNS``) so
the same text makes the ``CREATE TABLE`` bundle and the evaluators' tables.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

AWS_TARGETS = ("athena", "cloudtrail_lake", "logs_insights")

# Athena User Guide, create-cloudtrail-table-partition-projection (column order kept).
ATHENA_COLUMNS: tuple[tuple[str, str], ...] = (
    ("eventversion", "STRING"),
    (
        "useridentity",
        "STRUCT<type:STRING,principalid:STRING,arn:STRING,accountid:STRING,"
        "invokedby:STRING,accesskeyid:STRING,username:STRING,"
        "onbehalfof:STRUCT<userid:STRING,identitystorearn:STRING>,"
        "sessioncontext:STRUCT<attributes:STRUCT<mfaauthenticated:STRING,creationdate:STRING>,"
        "sessionissuer:STRUCT<type:STRING,principalid:STRING,arn:STRING,accountid:STRING,"
        "username:STRING>,ec2roledelivery:STRING,"
        "webidfederationdata:STRUCT<federatedprovider:STRING,attributes:MAP<STRING,STRING>>>>",
    ),
    ("eventtime", "STRING"),
    ("eventsource", "STRING"),
    ("eventname", "STRING"),
    ("awsregion", "STRING"),
    ("sourceipaddress", "STRING"),
    ("useragent", "STRING"),
    ("errorcode", "STRING"),
    ("errormessage", "STRING"),
    ("requestparameters", "STRING"),
    ("responseelements", "STRING"),
    ("additionaleventdata", "STRING"),
    ("requestid", "STRING"),
    ("eventid", "STRING"),
    ("readonly", "STRING"),
    ("resources", "ARRAY<STRUCT<arn:STRING,accountid:STRING,type:STRING>>"),
    ("eventtype", "STRING"),
    ("apiversion", "STRING"),
    ("recipientaccountid", "STRING"),
    ("serviceeventdetails", "STRING"),
    ("sharedeventid", "STRING"),
    ("vpcendpointid", "STRING"),
    ("vpcendpointaccountid", "STRING"),
    ("eventcategory", "STRING"),
    (
        "addendum",
        "STRUCT<reason:STRING,updatedfields:STRING,originalrequestid:STRING,"
        "originaleventid:STRING>",
    ),
    ("sessioncredentialfromconsole", "STRING"),
    ("edgedevicedetails", "STRING"),
    ("tlsdetails", "STRUCT<tlsversion:STRING,ciphersuite:STRING,clientprovidedhostheader:STRING>"),
)
# Athena STRING columns that hold a JSON object as text (read with json_extract_scalar).
ATHENA_JSON_COLUMNS = frozenset(
    {
        "requestparameters",
        "responseelements",
        "additionaleventdata",
        "serviceeventdetails",
        "edgedevicedetails",
    }
)

# CloudTrail User Guide, query-supported-event-schemas (CloudTrail event record fields).
LAKE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("eventversion", "string"),
    (
        "useridentity",
        "struct<type:string,principalid:string,arn:string,accountid:string,accesskeyid:string,"
        "username:string,sessioncontext:struct<attributes:struct<creationdate:timestamp,"
        "mfaauthenticated:string>,sessionissuer:struct<type:string,principalid:string,"
        "arn:string,accountid:string,username:string>,webidfederationdata:struct<"
        "federatedprovider:string,attributes:map<string,string>>,sourceidentity:string,"
        "ec2roledelivery:string,ec2issuedinvpc:string>,onbehalfof:struct<userid:string,"
        "identitystorearn:string>,inscopeof:struct<sourcearn:string,sourceaccount:string,"
        "issuertype:string,credentiaisissuedto:string>,invokedby:string,"
        "identityprovider:string>",
    ),
    ("eventtime", "timestamp"),
    ("eventsource", "string"),
    ("eventname", "string"),
    ("awsregion", "string"),
    ("sourceipaddress", "string"),
    ("useragent", "string"),
    ("errorcode", "string"),
    ("errormessage", "string"),
    ("requestparameters", "map<string,string>"),
    ("responseelements", "map<string,string>"),
    ("additionaleventdata", "map<string,string>"),
    ("requestid", "string"),
    ("eventid", "string"),
    ("readonly", "boolean"),
    ("resources", "array<struct<accountid:string,type:string,arn:string,arnprefix:string>>"),
    ("eventtype", "string"),
    ("apiversion", "string"),
    ("managementevent", "boolean"),
    ("recipientaccountid", "string"),
    ("sharedeventid", "string"),
    ("annotation", "string"),
    ("vpcendpointid", "string"),
    ("vpcendpointaccountid", "string"),
    ("serviceeventdetails", "map<string,string>"),
    ("addendum", "map<string,string>"),
    ("edgedevicedetails", "map<string,string>"),
    ("insightdetails", "map<string,string>"),
    ("eventcategory", "string"),
    ("tlsdetails", "struct<tlsversion:string,ciphersuite:string,clientprovidedhostheader:string>"),
    ("sessioncredentialfromconsole", "string"),
    ("eventjson", "string"),
    ("eventjsonchecksum", "string"),
)


class Kind(StrEnum):
    """How a target reads one CloudTrail path."""

    SCALAR = "scalar"
    """A column or struct member holding the value (``useridentity.arn``)."""
    JSON = "json"
    """A key path inside JSON text (Athena: a JSON column; Lake: a map value)."""
    ELEMENT = "element"
    """A member of every element of an array column (``resources[].arn``)."""
    FIELD = "field"
    """A Logs Insights discovered field (dotted name)."""


@dataclass(frozen=True)
class Access:
    """How one target reads one CloudTrail path.

    ``kind``: see ``Kind``. ``column``: the column or struct path (SQL, lower case) or
    the Logs Insights field name. ``sql_type``: the type of that column/member as AWS
    documents it (lower case: ``string``, ``boolean``, ``timestamp``, ``map<…>``…).
    ``map_key``: Lake only, the first key (``element_at(requestparameters, 'key')``).
    ``json_path``: keys below the column (or below ``map_key``), in record case.
    ``arrays``: indexes into ``json_path`` after which the value is a JSON array (from
    ``sigmaq.core.fields.KNOWN_ARRAY_PATHS``), counted as ``len`` of the prefix.
    ``element``: the member of each array element (``arn``) for ``ELEMENT``.
    """

    target: str
    path: str
    kind: Kind
    column: str
    sql_type: str = "string"
    map_key: str | None = None
    json_path: tuple[str, ...] = ()
    arrays: tuple[int, ...] = ()
    element: str | None = None

    def describe(self) -> str:
        """A human form: ``json_extract_scalar(requestparameters, '$.roleArn')``…"""
        if self.kind is Kind.JSON:
            base = self.column if self.map_key is None else f"{self.column}['{self.map_key}']"
            return f"{base} $.{'.'.join(self.json_path)}" if self.json_path else base
        if self.kind is Kind.ELEMENT:
            return f"{self.column}[].{self.element}"
        return self.column


@dataclass(frozen=True)
class NoAccess:
    """Why a target cannot read a path (conversion refuses the rule with ``reason``)."""

    target: str
    path: str
    reason: str


# ------------------------------------------------------------------ type parsing
_TOKEN = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*|[<>,:])")


def parse_type(text: str) -> object:
    """A Hive/Trino type text as a tree: ``"string"``, ``("struct", {name: tree})``,
    ``("array", tree)``, ``("map", key, value)``. Raises ValueError when malformed."""
    tokens = [m.group(1) for m in _TOKEN.finditer(text)]
    if "".join(tokens).replace(" ", "") != re.sub(r"\s+", "", text):
        raise ValueError(f"cannot parse type {text!r}")
    tree, rest = _parse(tokens)
    if rest:
        raise ValueError(f"trailing text in type {text!r}")
    return tree


def _parse(tokens: list[str]) -> tuple[object, list[str]]:
    head, rest = tokens[0].lower(), tokens[1:]
    if head == "struct":
        members: dict[str, object] = {}
        rest = rest[1:]  # <
        while True:
            name, rest = rest[0].lower(), rest[2:]  # name :
            members[name], rest = _parse(rest)
            sep, rest = rest[0], rest[1:]
            if sep == ">":
                return ("struct", members), rest
    if head == "array":
        inner, rest = _parse(rest[1:])
        return ("array", inner), rest[1:]
    if head == "map":
        key, rest = _parse(rest[1:])
        value, rest = _parse(rest[1:])
        return ("map", key, value), rest[1:]
    return head, rest


def render_type(tree: object) -> str:
    """Lower-case type text of a parsed tree (``struct<a:string>``)."""
    if isinstance(tree, str):
        return tree
    assert isinstance(tree, tuple)
    if tree[0] == "struct":
        members: dict[str, object] = tree[1]
        return "struct<" + ",".join(f"{k}:{render_type(v)}" for k, v in members.items()) + ">"
    if tree[0] == "array":
        return f"array<{render_type(tree[1])}>"
    return f"map<{render_type(tree[1])},{render_type(tree[2])}>"


_ATHENA = {name: parse_type(kind) for name, kind in ATHENA_COLUMNS}
_LAKE = {name: parse_type(kind) for name, kind in LAKE_COLUMNS}


def _array_positions(path: str, start: int, known_arrays: frozenset[str]) -> tuple[int, ...]:
    """Lengths of the JSON-path prefixes (below the first ``start`` parts) that are arrays."""
    parts = path.split(".")
    found = []
    for end in range(start, len(parts) + 1):
        prefix = ".".join(parts[:end])
        if prefix in known_arrays or parts[end - 1] == "items":
            found.append(end - start)
    return tuple(found)


def _sql_access(
    target: str, path: str, columns: dict[str, object], known_arrays: frozenset[str]
) -> Access | NoAccess:
    parts = path.split(".")
    table = (
        "the AWS-documented Athena CloudTrail table"
        if target == "athena"
        else ("the CloudTrail Lake event data store schema")
    )
    tree: object = ("struct", columns)
    walked: list[str] = []
    for index, part in enumerate(parts):
        if isinstance(tree, tuple) and tree[0] == "struct":
            members: dict[str, object] = tree[1]
            key = part.lower()
            if key not in members:
                where = ".".join(walked) or "the table"
                return NoAccess(target, path, f"{where} has no '{key}' in {table}")
            walked.append(key)
            tree = members[key]
            column = ".".join(walked)
            rest = tuple(parts[index + 1 :])
            if target == "athena" and index == 0 and key in ATHENA_JSON_COLUMNS:
                if not rest:
                    return NoAccess(target, path, _WHOLE_OBJECT)
                arrays = _array_positions(path, 1, known_arrays)
                return Access(target, path, Kind.JSON, column, "string", None, rest, arrays)
            if isinstance(tree, tuple) and tree[0] == "map" and index == 0:
                if not rest:
                    return NoAccess(target, path, _WHOLE_OBJECT)
                arrays = _array_positions(path, 2, known_arrays)
                return Access(
                    target, path, Kind.JSON, column, "map<string,string>", rest[0], rest[1:], arrays
                )
            if isinstance(tree, tuple) and tree[0] == "array":
                element = tree[1]
                if len(rest) != 1 or not (isinstance(element, tuple) and element[0] == "struct"):
                    return NoAccess(target, path, f"{column} is an array in {table}")
                members = element[1]
                if rest[0].lower() not in members:
                    return NoAccess(target, path, f"{column} elements have no '{rest[0]}'")
                return Access(
                    target,
                    path,
                    Kind.ELEMENT,
                    column,
                    render_type(members[rest[0].lower()]),
                    element=rest[0].lower(),
                )
            if isinstance(tree, str) and rest:
                return NoAccess(target, path, f"{column} is a {tree}, not an object, in {table}")
            continue
        return NoAccess(target, path, f"'{path}' is not a column of {table}")
    if not isinstance(tree, str):
        return NoAccess(target, path, _WHOLE_OBJECT)
    return Access(target, path, Kind.SCALAR, ".".join(walked), tree)


_WHOLE_OBJECT = (
    "a whole object is not a value a query can match; match a nested key instead "
    "(e.g. requestParameters.roleArn)"
)


def access(target: str, path: str, known_arrays: frozenset[str] = frozenset()) -> Access | NoAccess:
    """How ``target`` (one of ``AWS_TARGETS``) reads the CloudTrail ``path``.

    ``known_arrays``: CloudTrail paths known to hold JSON arrays (the field table's
    ``KNOWN_ARRAY_PATHS``). Raises ValueError for an unknown target. Sources: the
    Athena and CloudTrail Lake schemas above; Logs Insights flattens JSON into dotted
    fields and cannot reach "any element" of an array in one field name.
    """
    if target == "athena":
        return _sql_access(target, path, _ATHENA, known_arrays)
    if target == "cloudtrail_lake":
        return _sql_access(target, path, _LAKE, known_arrays)
    if target == "logs_insights":
        parts = path.split(".")
        for end in range(1, len(parts) + 1):
            prefix = ".".join(parts[:end])
            if prefix in known_arrays or parts[end - 1] == "items" or prefix == "resources":
                return NoAccess(
                    target,
                    path,
                    f"{prefix} is an array, which Logs Insights flattens into one field per "
                    f"index ({prefix}.0, {prefix}.1…): a match on any element is not one field",
                )
        return Access(target, path, Kind.FIELD, path)
    raise ValueError(f"unknown AWS target {target!r} (known: {', '.join(AWS_TARGETS)})")


def athena_type_tree() -> dict[str, object]:
    """Column name -> parsed type tree of the Athena table (for evaluators)."""
    return dict(_ATHENA)


def lake_type_tree() -> dict[str, object]:
    """Column name -> parsed type tree of the CloudTrail Lake schema (for evaluators)."""
    return dict(_LAKE)
