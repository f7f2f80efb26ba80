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

from sigma.backends.sqlite import sqliteBackend
from sigma.collection import SigmaCollection

from sigmaq.validators.rule_walk import rule_fields


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
