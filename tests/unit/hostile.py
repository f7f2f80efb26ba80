"""One hostile single-event rule, converted to every target and format, read back
structurally and run by the target models (a helper of ``test_hostile_queries``).

The models are models of the engines, not the engines: ``spl_eval`` (Splunk search),
``lucene_eval`` / ``eql_eval`` / ``esql_eval`` (Elasticsearch query_string, EQL, ES|QL
over ECS documents), DuckDB through sqlglot (Athena and CloudTrail Lake, Trino SQL) and
``insights_eval`` (CloudWatch Logs Insights). Replay (``sigmaq.replay``) is the reference.

``export(rule_path, target)`` converts the rule to each format of ``target`` and returns
one ``Exported`` per format: refused (with the message), or the query the format ships
after a structural reading that fails (``Broken``) on any command, clause, pipe stage,
statement, stanza, key or field the rule did not ask for; ``Exported.run(case)`` is the
set of record positions the model matches.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlglot
import yaml
from sqlglot import exp

from sigmaq.core import fields
from sigmaq.export.convert import CONVERTED, convert_rules
from sigmaq.export.proof import ProofCase
from sigmaq.export.targets import TARGETS

RULE_ID = "5f0c3c56-6f4e-4f39-9d7c-1d2a4c6b7e10"
TITLE = "Hostile Value Rule"


class Broken(AssertionError):
    """The emitted query carries something the rule did not ask for, or cannot be read."""


def rule_yaml(field: str, modifiers: Sequence[str], value: str) -> str:
    """A single-event CloudTrail rule whose one selection item is ``field|mods: value``."""
    key = "|".join([field, *modifiers])
    document = {
        "title": TITLE,
        "id": RULE_ID,
        "status": "test",
        "description": "A rule value built to break out of the target query.",
        "author": "sigmaq tests",
        "date": "2026-12-01",
        "tags": ["attack.collection", "attack.t1213"],
        "logsource": {"product": "aws", "service": "cloudtrail"},
        "detection": {"selection": {key: value}, "condition": "selection"},
        "level": "medium",
    }
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True)


def write_rule(folder: Path, field: str, modifiers: Sequence[str], value: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "hostile_value_rule.yml"
    path.write_text(rule_yaml(field, modifiers, value), encoding="utf-8")
    return path


def record(field: str, value: str, position: int) -> dict[str, Any]:
    """A CloudTrail record (documentation values) holding ``value`` at ``field``."""
    base: dict[str, Any] = {
        "eventVersion": "1.11",
        "userIdentity": {
            "type": "IAMUser",
            "principalId": "AIDAEXAMPLEHOSTILE01",
            "arn": "arn:aws:iam::123456789012:user/alice",
            "accountId": "123456789012",
            "userName": "alice",
        },
        "eventTime": f"2026-12-01T10:{position // 60:02d}:{position % 60:02d}Z",
        "eventSource": "qbusiness.amazonaws.com",
        "eventName": "CreateApplication",
        "awsRegion": "us-east-1",
        "sourceIPAddress": "203.0.113.17",
        "userAgent": "aws-cli/2.22.35",
        "requestParameters": {"displayName": "hr-assistant"},
        "responseElements": None,
        "eventID": f"00000000-0000-4000-8000-{position:012d}",
        "eventType": "AwsApiCall",
        "recipientAccountId": "123456789012",
    }
    if field == "userAgent":
        base["userAgent"] = value
    else:
        prefix, key = field.split(".", 1)
        base[prefix] = {key: value}
    return base


# --------------------------------------------------------------------------- exports
@dataclass(frozen=True)
class Exported:
    """One format's output: ``refused`` with ``message``, or ``query`` and its runner."""

    target: str
    format: str
    refused: bool
    message: str = ""
    query: str = ""
    runner: Callable[[str, ProofCase], frozenset[int]] | None = None

    def run(self, case: ProofCase) -> frozenset[int]:
        assert self.runner is not None
        return self.runner(self.query, case)


def export(rule_path: Path, target: str, field: str) -> list[Exported]:
    """Every format of ``target`` for the rule at ``rule_path`` (structure checked).

    Raises Broken for output that carries more than the rule asked for; AssertionError
    for a conversion that failed (not a refusal).
    """
    out = []
    for format_name in TARGETS[target].format_names:
        result = convert_rules([rule_path], target, format_name)
        (outcome,) = result.outcomes
        if outcome.status != CONVERTED:
            assert outcome.status == "refused", f"{target}/{format_name}: {outcome.message}"
            out.append(Exported(target, format_name, True, outcome.message))
            continue
        reader = READERS[(target, format_name)]
        query, runner = reader(result.text, field)
        out.append(Exported(target, format_name, False, "", query, runner))
    return out


def _fail(what: str, text: str) -> Broken:
    return Broken(f"{what}:\n{text}")


_LINE_BREAKS = {"\n", "\r", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"}


def _control(text: str) -> list[str]:
    return [
        f"U+{ord(ch):04X}" for ch in text if ch in _LINE_BREAKS or unicodedata.category(ch) == "Cc"
    ]


# ---- Splunk ------------------------------------------------------------------------
def _splunk_fields(field: str) -> set[str]:
    resolved = fields.resolve(field)
    assert resolved is not None and resolved.splunk is not None
    return {"sourcetype", "index", resolved.splunk}


def _walk_search(expr: Any) -> list[str]:
    from sigmaq.export.splunk import spl_parser as p

    if isinstance(expr, (p.Compare, p.InList)):
        return [expr.field]
    if isinstance(expr, p.MatchAll):
        return []
    if isinstance(expr, p.Not):
        return _walk_search(expr.arg)
    return [name for arg in expr.args for name in _walk_search(arg)]


def _check_spl(search: str, field: str, macros: dict[str, str]) -> Any:
    """Parse ``search`` and check it is one search and at most one ``regex`` on the field."""
    from sigmaq.export.splunk import spl_parser as p

    lines = search.split("\n")
    if any(not line.startswith("| ") for line in lines[1:]) or _control(lines[0]):
        raise _fail("SPL line that is not a pipe stage the backend wrote", search)
    try:
        query = p.parse_query(search, macros)
    except p.UnmodelledSPL as error:
        raise _fail(f"SPL the model cannot read ({error})", search) from error
    if query.head is None or query.subsearches:
        raise _fail("SPL without a plain leading search", search)
    allowed = _splunk_fields(field)
    names = set(_walk_search(query.head.expr))
    regexes = [c for c in query.commands if isinstance(c, p.RegexCmd)]
    searches = [c for c in query.commands if isinstance(c, p.SearchCmd)]
    if len(regexes) + len(searches) != len(query.commands) or len(regexes) > 1:
        raise _fail("SPL pipe stage the rule did not ask for", search)
    for command in searches:
        if not isinstance(command.expr, p.MatchAll):  # only the empty tuning macro
            raise _fail("SPL search stage the rule did not ask for", search)
    names.update(c.field for c in regexes)
    if not names <= allowed:
        raise _fail(f"SPL reads fields {sorted(names - allowed)}", search)
    return query


def _splunk_runner(query: Any) -> Callable[[str, ProofCase], frozenset[int]]:
    from sigmaq.export.splunk.events import ORIGIN, splunk_event
    from sigmaq.export.splunk.spl_eval import run_query

    def run(_text: str, case: ProofCase) -> frozenset[int]:
        events = [splunk_event(r, i) for i, r in enumerate(case.records)]
        return frozenset(int(row[ORIGIN]) for row in run_query(query, events))

    return run


def read_spl(text: str, field: str) -> tuple[str, Callable[[str, ProofCase], frozenset[int]]]:
    search = text.rstrip("\n")
    query = _check_spl(search, field, {})
    return search, _splunk_runner(query)


def strict_conf(text: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """Stanzas of a ``.conf`` text read the way Splunk reads them: ``#`` comment lines,
    ``[stanza]`` lines, ``key = value`` lines; a line ending in ``\\`` continues on the
    next line (the newline kept in the value). Lines split on ``\\n`` only; any other
    line-breaking or control character is an error, as is a line of another shape.
    """
    stanzas: list[tuple[str, list[tuple[str, str]]]] = []
    lines = text.split("\n")
    index = 0
    while index < len(lines):
        line = lines[index]
        index += 1
        if _control(line.replace("\t", " ")):
            raise _fail(f"control character in a conf line ({_control(line)})", text)
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.startswith("[") and stripped.endswith("]"):
            stanzas.append((stripped[1:-1], []))
            continue
        match = re.fullmatch(r"([A-Za-z0-9_.:-]+) = (.*)", line)
        if match is None or not stanzas:
            raise _fail(f"not a conf line: {line!r}", text)
        key, value = match.group(1), match.group(2)
        while value.endswith("\\"):
            if index >= len(lines):
                raise _fail("continuation at the end of the file", text)
            value = value[:-1] + "\n" + lines[index]
            index += 1
        stanzas[-1][1].append((key, value))
    return stanzas


_CONF_KEYS: dict[str, frozenset[str]] = {}


def read_savedsearches(
    text: str, field: str
) -> tuple[str, Callable[[str, ProofCase], frozenset[int]]]:
    from sigmaq.export.splunk.app import source_macro_definition

    stanzas = strict_conf(text)
    if len(stanzas) != 1:
        raise _fail(f"{len(stanzas)} stanzas for one rule", text)
    name, settings = stanzas[0]
    keys = [key for key, _ in settings]
    if len(set(keys)) != len(keys):
        raise _fail("a key set twice", text)
    expected = _CONF_KEYS.setdefault(name, frozenset(keys))
    if set(keys) != expected:
        raise _fail(f"keys {sorted(set(keys) ^ expected)} differ from a benign rule's", text)
    search = dict(settings)["search"].replace(" \n", "\n")
    filters = re.findall(r"`(sigmaq_[a-z0-9_]+_filter)`", search)
    if len(filters) != 1 or not search.endswith(f"| `{filters[0]}`"):
        raise _fail("the search does not end with its tuning macro", text)
    macros = {"sigmaq_cloudtrail": source_macro_definition(None), filters[0]: "search *"}
    query = _check_spl(search, field, macros)
    return search, _splunk_runner(query)


# ---- Elastic ----------------------------------------------------------------------
def _ecs_docs(case: ProofCase) -> list[dict[str, Any]]:
    from sigmaq.export.ecs import to_ecs

    return [to_ecs(dict(r), frozenset()) for r in case.records]


def _elastic_field(field: str) -> str:
    resolved = fields.resolve(field)
    assert resolved is not None and resolved.elastic is not None
    return resolved.elastic


def _check_lucene(query: str, field: str) -> None:
    from luqum import tree

    from sigmaq.export.elastic import lucene_eval
    from sigmaq.export.elastic.values import UnsupportedQuery

    try:
        node = lucene_eval.parse(query)
    except UnsupportedQuery as error:
        raise _fail(f"luqum cannot parse ({error})", query) from error
    while isinstance(node, tree.Group):
        node = node.expr
    if not isinstance(node, tree.SearchField):
        raise _fail(f"Lucene query is a {type(node).__name__}, not one field clause", query)
    term = node.expr
    if not isinstance(term, (tree.Word, tree.Phrase, tree.Regex)):
        raise _fail(f"Lucene clause holds a {type(term).__name__}, not one term", query)
    names = lucene_eval.fields_of(query)
    if names != [_elastic_field(field)]:
        raise _fail(f"Lucene reads fields {names}", query)


def _lucene_runner(query: str, case: ProofCase) -> frozenset[int]:
    from sigmaq.export.elastic import lucene_eval

    return frozenset(i for i, d in enumerate(_ecs_docs(case)) if lucene_eval.matches(query, d))


def read_lucene(text: str, field: str) -> tuple[str, Callable[[str, ProofCase], frozenset[int]]]:
    query = text.rstrip("\n")
    _check_lucene(query, field)
    return query, _lucene_runner


def _one_json_line(text: str) -> dict[str, Any]:
    lines = text.rstrip("\n").split("\n")
    if len(lines) != 1:
        raise _fail(f"{len(lines)} NDJSON lines for one rule", text)
    try:
        item = json.loads(lines[0])
    except ValueError as error:
        raise _fail(f"not JSON ({error})", text) from error
    if not isinstance(item, dict):
        raise _fail("an NDJSON line that is not an object", text)
    return item


def read_dsl(text: str, field: str) -> tuple[str, Callable[[str, ProofCase], frozenset[int]]]:
    items = json.loads(text)
    if not isinstance(items, list) or len(items) != 1:
        raise _fail("not one query document", text)
    (clause,) = items[0]["query"]["bool"]["must"]
    query = str(clause["query_string"]["query"])
    if set(items[0]) != {"query"} or set(items[0]["query"]["bool"]) != {"must"}:
        raise _fail("query DSL with clauses the rule did not ask for", text)
    _check_lucene(query, field)
    return query, _lucene_runner


def read_kibana_search(
    text: str, field: str
) -> tuple[str, Callable[[str, ProofCase], frozenset[int]]]:
    item = _one_json_line(text)
    source = json.loads(item["attributes"]["kibanaSavedObjectMeta"]["searchSourceJSON"])
    if source.get("filter"):
        raise _fail("a saved search with filters", text)
    query = str(source["query"]["query_string"]["query"])
    _check_lucene(query, field)
    return query, _lucene_runner


def _kibana_rule(text: str, language: str) -> str:
    item = _one_json_line(text)
    if item.get("language") != language:
        raise _fail(f"a Kibana rule in {item.get('language')}, not {language}", text)
    return str(item["query"])


def read_siem_lucene(
    text: str, field: str
) -> tuple[str, Callable[[str, ProofCase], frozenset[int]]]:
    query = _kibana_rule(text, "lucene")
    _check_lucene(query, field)
    return query, _lucene_runner


def _check_eql(query: str, field: str) -> None:
    from sigmaq.export.elastic import eql_eval
    from sigmaq.export.elastic.values import UnsupportedQuery

    try:
        parsed = eql_eval.parse(query)
    except UnsupportedQuery as error:
        raise _fail(f"the eql parser rejects the query ({error})", query) from error
    if parsed.pipes:
        raise _fail("EQL pipes the rule did not ask for", query)
    fields_seen = _eql_fields(parsed)
    if fields_seen != {_elastic_field(field)}:
        raise _fail(f"EQL reads fields {sorted(fields_seen)}", query)


def _eql_fields(parsed: Any) -> set[str]:
    import eql

    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, eql.ast.Field):
            found.add(".".join([str(node.base), *map(str, node.path)]))
            return
        if isinstance(node, eql.ast.BaseNode):
            for name in getattr(node, "__slots__", ()):
                walk(getattr(node, name, None))
        elif isinstance(node, (list, tuple)):
            for child in node:
                walk(child)

    walk(parsed)
    return found


def _eql_runner(query: str, case: ProofCase) -> frozenset[int]:
    from sigmaq.export.elastic import eql_eval

    return frozenset(i for i, d in enumerate(_ecs_docs(case)) if eql_eval.matches(query, d))


def read_eql(text: str, field: str) -> tuple[str, Callable[[str, ProofCase], frozenset[int]]]:
    query = text.rstrip("\n")
    if "\n" in query:
        raise _fail("an EQL query over several lines", query)
    _check_eql(query, field)
    return query, _eql_runner


def read_siem_eql(text: str, field: str) -> tuple[str, Callable[[str, ProofCase], frozenset[int]]]:
    query = _kibana_rule(text, "eql")
    _check_eql(query, field)
    return query, _eql_runner


ESQL_FROM = "from logs-aws.cloudtrail-* metadata _id, _index, _version"


def _check_esql(query: str, field: str) -> None:
    from sigmaq.export.elastic import esql_eval
    from sigmaq.export.elastic.values import UnsupportedQuery

    commands = esql_eval.split_pipes(query)
    if len(commands) != 2 or commands[0] != ESQL_FROM or not commands[1].startswith("where "):
        raise _fail(f"ES|QL with {len(commands)} commands, not 'from | where'", query)
    try:
        tokens = esql_eval._Parser(commands[1][len("where ") :]).tokens
    except UnsupportedQuery as error:
        raise _fail(f"ES|QL the model cannot read ({error})", query) from error
    names = set()
    for index, (kind, value) in enumerate(tokens):
        following = tokens[index + 1][1] if index + 1 < len(tokens) else ""
        if kind in ("word", "quoted") and following != "(":
            names.add(value.strip("`"))
    if names != {_elastic_field(field)}:
        raise _fail(f"ES|QL reads fields {sorted(names)}", query)


def _esql_runner(query: str, case: ProofCase) -> frozenset[int]:
    from sigmaq.export.elastic import esql_eval

    docs = _ecs_docs(case)
    times = [case.event_time(i) for i in range(len(docs))]
    return frozenset(int(row["__pos__"]) for row in esql_eval.run(query, docs, times))


def read_esql(text: str, field: str) -> tuple[str, Callable[[str, ProofCase], frozenset[int]]]:
    query = text.rstrip("\n")
    _check_esql(query, field)
    return query, _esql_runner


def read_siem_esql(text: str, field: str) -> tuple[str, Callable[[str, ProofCase], frozenset[int]]]:
    query = _kibana_rule(text, "esql")
    _check_esql(query, field)
    return query, _esql_runner


# ---- AWS -----------------------------------------------------------------------------
_DUCK: dict[str, Any] = {}


def _sql_reader(target: str) -> Callable[[str, str], tuple[str, Any]]:
    from sigmaq.export.aws.duck import DuckEvaluator

    table = "cloudtrail_logs_pp" if target == "athena" else "$EDS_ID"

    def read(text: str, field: str) -> tuple[str, Callable[[str, ProofCase], frozenset[int]]]:
        query = text.rstrip("\n")
        try:
            statements = [s for s in sqlglot.parse(query.replace("$EDS_ID", "eds"), read="trino")]
        except sqlglot.errors.SqlglotError as error:
            raise _fail(f"sqlglot cannot parse the Trino SQL ({error})", query) from error
        statements = [s for s in statements if s is not None]
        if len(statements) != 1 or not isinstance(statements[0], exp.Select):
            raise _fail(f"{len(statements)} SQL statements, not one SELECT", query)
        tree = statements[0]
        tables = {t.name for t in tree.find_all(exp.Table)}
        if tables != {table.replace("$EDS_ID", "eds")}:
            raise _fail(f"SQL reads tables {sorted(tables)}", query)
        where = tree.args.get("where")
        columns = {c.sql() for c in where.find_all(exp.Column)} if where else set()
        allowed = _sql_columns(field)
        if not columns <= allowed or not columns:
            raise _fail(f"SQL WHERE reads columns {sorted(columns)}", query)
        if any(tree.args.get(k) for k in ("group", "having", "joins", "with", "limit")):
            raise _fail("SQL clauses the rule did not ask for", query)

        def run(text: str, case: ProofCase) -> frozenset[int]:
            duck = _DUCK.get(target)
            if duck is None:
                duck = _DUCK[target] = DuckEvaluator(target)
            return duck(text, case).records

        return query, run

    return read


def _sql_columns(field: str) -> set[str]:
    return {"useragent"} if field == "userAgent" else {"requestparameters"}


def read_insights(text: str, field: str) -> tuple[str, Callable[[str, ProofCase], frozenset[int]]]:
    from sigmaq.export.aws import insights_eval as model

    query = text.rstrip("\n")
    commands = model.split_commands(query)
    words = [c.split(" ", 1)[0].lower() for c in commands]
    if words != ["fields", "filter", "sort"]:
        raise _fail(f"Logs Insights commands {words}, not fields | filter | sort", query)
    lines = query.split("\n")
    if len(lines) != 4 or not lines[0].startswith("# ") or _control(lines[0]):
        raise _fail("Logs Insights query with lines the backend did not write", query)
    try:
        tokens = model.tokenize(commands[1].split(" ", 1)[1])
    except model.InsightsUnsupported as error:
        raise _fail(f"Logs Insights the model cannot read ({error})", query) from error
    names = {t.text.strip("`") for t in tokens if t.kind in ("word", "name")}
    names -= {"and", "or", "not", "in", "like", "lower"}
    if names - {field}:
        raise _fail(f"Logs Insights filter reads {sorted(names)}", query)

    def run(text: str, case: ProofCase) -> frozenset[int]:
        return model.InsightsEvaluator()(text, case).records

    return query, run


READERS: dict[tuple[str, str], Callable[[str, str], tuple[str, Any]]] = {
    ("splunk", "default"): read_spl,
    ("splunk", "savedsearches"): read_savedsearches,
    ("elastic", "default"): read_lucene,
    ("elastic", "dsl_lucene"): read_dsl,
    ("elastic", "kibana_ndjson"): read_kibana_search,
    ("elastic", "siem_rule_ndjson"): read_siem_lucene,
    ("esql", "default"): read_esql,
    ("esql", "siem_rule_ndjson"): read_siem_esql,
    ("eql", "default"): read_eql,
    ("eql", "siem_rule_ndjson"): read_siem_eql,
    ("athena", "default"): _sql_reader("athena"),
    ("cloudtrail_lake", "default"): _sql_reader("cloudtrail_lake"),
    ("logs_insights", "default"): read_insights,
}
