"""The SQLite oracle shared by the differential tests.

pySigma's SQLite backend (pysigma-backend-sqlite 2.0.0) turns a rule into SQL over a
table of dotted columns; these helpers build that table the way the backend expects:
``COLLATE NOCASE`` text, a Python ``REGEXP`` function, JSON booleans as
``'true'``/``'false'``, JSON null and absent both NULL, lists left out.
"""

from __future__ import annotations

import functools
import re
import sqlite3
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml
from sigma.backends.sqlite import sqliteBackend
from sigma.collection import SigmaCollection

from sigmaq.replay import compile_rule
from sigmaq.validate.house.rule_walk import rule_fields


@functools.lru_cache(maxsize=1024)
def _pattern(expr: str) -> re.Pattern[str]:
    return re.compile(expr)


def regexp(expr: str, value: Any) -> int | None:
    if value is None:
        return None
    return 1 if _pattern(expr).search(str(value)) else 0


def sql_value(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def quote(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def scalar_columns(record: Any, prefix: str = "") -> dict[str, Any]:
    """Dotted scalar leaves of a real record; lists are left out (no single column)."""
    out: dict[str, Any] = {}
    if isinstance(record, dict):
        for key, value in record.items():
            out.update(scalar_columns(value, f"{prefix}{key}."))
    elif not isinstance(record, list):
        out[prefix[:-1]] = sql_value(record)
    return out


def oracle_rows(
    rules: Sequence[Any], records: Sequence[Mapping[str, Any]]
) -> tuple[list[set[int]], list[dict[str, Any]]]:
    """Rows each rule's SQLite queries select over ``records`` (scalar leaves only).

    ``rules`` are rule files (Path) or YAML texts; returns one set of record indexes per
    rule and the flattened records (for deciding which pairs are comparable).
    """
    flats = [scalar_columns(record) for record in records]
    collections = [
        SigmaCollection.from_yaml(r.read_text() if isinstance(r, Path) else r) for r in rules
    ]
    names = {k.lower(): k for flat in flats for k in flat}
    for collection in collections:  # columns for fields no record has (all NULL)
        for rule in collection.rules:
            names.update({f.lower(): f for f in rule_fields(rule) if f.lower() not in names})
    conn = sqlite3.connect(":memory:")
    try:
        conn.create_function("regexp", 2, regexp, deterministic=True)
        cols = ", ".join(f"{quote(c)} TEXT COLLATE NOCASE" for c in names.values())
        conn.execute(f"CREATE TABLE logs (row_index INTEGER{', ' + cols if cols else ''})")
        for index, flat in enumerate(flats):
            row = {names[k.lower()]: v for k, v in flat.items()}
            keys = ["row_index", *row]
            conn.execute(
                f"INSERT INTO logs ({', '.join(quote(k) for k in keys)}) "
                f"VALUES ({', '.join('?' for _ in keys)})",
                [index, *row.values()],
            )
        selected: list[set[int]] = []
        for collection in collections:
            hits: set[int] = set()
            for query in sqliteBackend().convert(collection):
                where = query.split(" WHERE ", 1)[1]
                hits |= {
                    row[0] for row in conn.execute(f"SELECT row_index FROM logs WHERE {where}")
                }
            selected.append(hits)
        return selected, flats
    finally:
        conn.close()


# --- a fixed table for generated records ------------------------------------------------------

COLUMNS: dict[str, str] = {
    "eventSource": "TEXT",
    "eventName": "TEXT",
    "userIdentity.type": "TEXT",
    "requestParameters.name": "TEXT",
    "errorCode": "TEXT",
    "sourceIPAddress": "TEXT",
    "readOnly": "TEXT",
    "eventTime": "TEXT",
    "count": "NUMERIC",
}
NULLABLE = {"requestParameters.name", "errorCode", "count"}

HEADER = (
    "title: Differential\nid: 9d7c3a1e-4b2f-4e6a-8c5d-2f1e0a9b8c7d\n"
    "logsource:\n  product: aws\n  service: cloudtrail\n"
)


def flatten(record: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested objects to dotted columns; a list has no column (not generated here)."""
    flat: dict[str, Any] = {}
    for key, value in record.items():
        name = prefix + key
        if isinstance(value, dict):
            flat.update(flatten(value, name + "."))
        elif isinstance(value, list):
            raise AssertionError(f"lists cannot be flattened to one column: {name}")
        else:
            flat[name] = value
    return flat


def sqlite_matches(rule_yaml: str, records: Sequence[Mapping[str, Any]]) -> set[int]:
    """Indexes of ``records`` that the SQLite backend's queries for the rule select."""
    queries = sqliteBackend().convert(SigmaCollection.from_yaml(rule_yaml))
    conn = sqlite3.connect(":memory:")
    try:
        conn.create_function("regexp", 2, regexp, deterministic=True)
        cols = ", ".join(f"{quote(c)} {t} COLLATE NOCASE" for c, t in COLUMNS.items())
        conn.execute(f"CREATE TABLE logs (row_index INTEGER, {cols})")
        for index, record in enumerate(records):
            flat = flatten(record)
            unknown = set(flat) - set(COLUMNS)
            assert not unknown, unknown
            names = ["row_index", *flat]
            conn.execute(
                f"INSERT INTO logs ({', '.join(quote(n) for n in names)}) "
                f"VALUES ({', '.join('?' for _ in names)})",
                [index, *(sql_value(v) for v in flat.values())],
            )
        hits: set[int] = set()
        for query in queries:
            head, where = query.split(" WHERE ", 1)
            assert head == "SELECT * FROM logs", query
            hits |= {row[0] for row in conn.execute(f"SELECT row_index FROM logs WHERE {where}")}
        return hits
    finally:
        conn.close()


def replay_matches(rule_yaml: str, records: Sequence[Mapping[str, Any]]) -> set[int]:
    rule = compile_rule(SigmaCollection.from_yaml(rule_yaml).rules[0])
    return {i for i, record in enumerate(records) if rule.matches(record)}


def rule_text(detection: Mapping[str, Any]) -> str:
    return HEADER + yaml.safe_dump({"detection": dict(detection)}, sort_keys=False)


def nested(flat: Mapping[str, Any]) -> dict[str, Any]:
    """Dotted keys back to nested objects (the shape CloudTrail records have)."""
    record: dict[str, Any] = {}
    for key, value in flat.items():
        *parents, leaf = key.split(".")
        node = record
        for parent in parents:
            node = node.setdefault(parent, {})
        node[leaf] = value
    return record
