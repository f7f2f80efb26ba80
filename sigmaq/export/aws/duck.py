"""Run exported Athena and CloudTrail Lake SQL on DuckDB: a model of Trino over those tables.

Each proof case becomes a DuckDB table in exactly the target's shape (the columns and
types of ``sigmaq.core.aws_tables``, rows by ``sigmaq.export.aws.tables``) plus one
``__pos`` column (the record's position, to name the records a query returned). The
exported query text is parsed as Trino by sqlglot and written as DuckDB SQL, with the
table placeholder bound (``$EDS_ID`` -> ``eds``) and these rewrites where sqlglot's
mapping would not keep Trino's meaning (each pinned by ``tests/unit/test_aws_duck.py``):

- ``json_extract_scalar``: sqlglot writes DuckDB ``->>``, which returns the JSON text of
  an object or array; Trino returns NULL for them ("JSON functions": "the value
  referenced by json_path must be a scalar"). Rewritten to ``trino_json_extract_scalar``,
  a macro that returns NULL for objects and arrays.
- ``any_match(array, lambda)``: not a DuckDB function; rewritten to
  ``list_bool_or(list_transform(array, lambda))`` (true when an element matches; an
  empty or NULL array is not true, as in Trino).

Everything else is sqlglot's Trino -> DuckDB mapping (``try``, ``from_iso8601_timestamp``
-> ``CAST AS TIMESTAMPTZ``, ``to_unixtime`` -> ``epoch``, ``min_by`` -> ``arg_min``,
``array_agg … OVER`` with a ``RANGE`` frame, ``filter`` -> ``list_filter``,
``element_at(map, k)`` -> ``map[k]``, ``LIKE … ESCAPE``, ``lower``). DuckDB is not Trino:
this evaluator is a model of Athena and CloudTrail Lake, and ``PROOF.md`` says so.
"""

from __future__ import annotations

import json
import re
import tempfile
from datetime import datetime
from typing import Any

import duckdb
import sqlglot
from sqlglot import exp

from sigmaq.core.aws_tables import ATHENA_COLUMNS, LAKE_COLUMNS, parse_type
from sigmaq.export.aws.tables import POSITION_COLUMN, athena_rows, lake_rows
from sigmaq.export.proof import Outcome, ProofCase

ATHENA_TABLE = "cloudtrail_logs_pp"
LAKE_TABLE = "eds"
LAKE_PLACEHOLDER = "$EDS_ID"
_NON_GROUP_COLUMNS = frozenset({"first_window_start", "metric"})

_MACROS = (
    "CREATE OR REPLACE MACRO trino_json_extract_scalar(j, p) AS "
    "CASE WHEN json_type(j, p) IN ('OBJECT', 'ARRAY') THEN NULL ELSE j ->> p END",
)


def duck_type(tree: object) -> str:
    """DuckDB type text of a parsed Hive/Trino type tree."""
    if isinstance(tree, str):
        return {"string": "VARCHAR", "boolean": "BOOLEAN", "timestamp": "TIMESTAMP"}[tree]
    assert isinstance(tree, tuple)
    if tree[0] == "struct":
        members: dict[str, object] = tree[1]
        inner = ", ".join(f'"{name}" {duck_type(kind)}' for name, kind in members.items())
        return f"STRUCT({inner})"
    if tree[0] == "array":
        return f"{duck_type(tree[1])}[]"
    return f"MAP({duck_type(tree[1])}, {duck_type(tree[2])})"


def _rewrite(node: exp.Expression) -> exp.Expression:
    if isinstance(node, exp.JSONExtractScalar):
        path = node.expression.sql(dialect="duckdb")
        literal = path[1:-1].replace("''", "'") if path.startswith("'") else path
        return exp.Anonymous(
            this="trino_json_extract_scalar",
            expressions=[node.this, exp.Literal.string(literal)],
        )
    if isinstance(node, exp.Anonymous) and str(node.this).lower() == "any_match":
        # in place, so that the arguments are still visited (nested json_extract_scalar)
        array, function = node.expressions
        transformed = exp.Anonymous(this="list_transform", expressions=[array, function])
        node.set("this", "list_bool_or")
        node.set("expressions", [transformed])
    return node


def to_duckdb(query: str, *, lake: bool = False) -> str:
    """The DuckDB text of an exported Trino query (placeholder bound, rewrites applied).

    Raises sqlglot.errors.ParseError when ``query`` is not valid Trino SQL.
    """
    text = query.replace(LAKE_PLACEHOLDER, LAKE_TABLE) if lake else query
    tree = sqlglot.parse_one(text, read="trino")
    return tree.transform(_rewrite).sql(dialect="duckdb")


def single_event_duckdb(query: str, *, lake: bool = False) -> str:
    """A single-event query's DuckDB text with its projection replaced by ``__pos``."""
    text = query.replace(LAKE_PLACEHOLDER, LAKE_TABLE) if lake else query
    tree = sqlglot.parse_one(text, read="trino")
    if not isinstance(tree, exp.Select):
        raise ValueError("not a single-event SELECT")
    tree = tree.select(POSITION_COLUMN, append=False)
    return tree.transform(_rewrite).sql(dialect="duckdb")


class DuckEvaluator:
    """Evaluator (``sigmaq.export.proof.Evaluator``) of Athena or Lake SQL on DuckDB.

    One DuckDB table per proof case, built on first use and kept for the other rules.
    """

    def __init__(self, target: str) -> None:
        if target not in ("athena", "cloudtrail_lake"):
            raise ValueError(f"no DuckDB model for target {target!r}")
        self.target = target
        self.lake = target == "cloudtrail_lake"
        self._connections: dict[str, str] = {}
        self._duck: duckdb.DuckDBPyConnection | None = None
        self._sql: dict[str, tuple[bool, str]] = {}

    @property
    def model(self) -> str:
        engine = "CloudTrail Lake (Trino)" if self.lake else "Amazon Athena (Trino)"
        version = getattr(sqlglot, "__version__", "?")
        return (
            f"DuckDB {duckdb.__version__} as a model of {engine}: the exported query parsed "
            f"as Trino by sqlglot {version} and run on DuckDB over a table in "
            "the target's documented shape built from the fixtures (json_extract_scalar and "
            "any_match rewritten to Trino's meaning; see sigmaq/export/aws/duck.py)"
        )

    def connection(self, case: ProofCase) -> duckdb.DuckDBPyConnection:
        """The DuckDB connection with ``case``'s records as the target table (a schema per
        case, selected with ``search_path``)."""
        if self._duck is None:
            self._duck = duckdb.connect()
            self._duck.execute("SET TimeZone = 'UTC'")
            for macro in _MACROS:
                self._duck.execute(macro)
        schema = self._connections.get(case.label)
        if schema is None:
            schema = self._connections[case.label] = f"case{len(self._connections)}"
            self._build(self._duck, schema, case)
        self._duck.execute(f"SET search_path = '{schema},main'")
        return self._duck

    def _build(self, connection: duckdb.DuckDBPyConnection, schema: str, case: ProofCase) -> None:
        columns = LAKE_COLUMNS if self.lake else ATHENA_COLUMNS
        table = f"{schema}.{LAKE_TABLE if self.lake else ATHENA_TABLE}"
        definition = ", ".join(f'"{name}" {duck_type(parse_type(kind))}' for name, kind in columns)
        connection.execute(f"CREATE SCHEMA {schema}")
        connection.execute(f'CREATE TABLE {table} ({definition}, "{POSITION_COLUMN}" INTEGER)')
        built = lake_rows(case.records) if self.lake else athena_rows(case.records)
        if not built:
            return
        names = [name for name, _ in columns] + [POSITION_COLUMN]
        # One read_json per case (executemany costs milliseconds per nested row).
        with tempfile.NamedTemporaryFile("w", suffix=".ndjson", encoding="utf-8") as handle:
            for row in built:
                handle.write(json.dumps(dict(zip(names, row, strict=True)), default=_iso) + "\n")
            handle.flush()
            types = ", ".join(
                f"'{name}': '{duck_type(parse_type(kind))}'" for name, kind in columns
            )
            connection.execute(
                f"INSERT INTO {table} SELECT * FROM read_json(?, format = 'newline_delimited', "
                f"columns = {{{types}, '{POSITION_COLUMN}': 'INTEGER'}})",
                [handle.name],
            )

    def __call__(self, query: Any, case: ProofCase) -> Outcome:
        correlation, sql = self.duckdb_sql(str(query))
        connection = self.connection(case)
        if correlation:
            cursor = connection.execute(sql)
            names = [d[0] for d in cursor.description or ()]
            keep = [i for i, name in enumerate(names) if name not in _NON_GROUP_COLUMNS]
            groups = frozenset(
                tuple("" if row[i] is None else str(row[i]) for i in keep)
                for row in cursor.fetchall()
            )
            return Outcome(bool(groups), groups=groups)
        positions = frozenset(int(row[0]) for row in connection.execute(sql).fetchall())
        return Outcome(bool(positions), records=positions)

    def duckdb_sql(self, query: str) -> tuple[bool, str]:
        """(is a correlation, DuckDB text) of an exported query, transpiled once."""
        found = self._sql.get(query)
        if found is None:
            if _is_correlation(query):
                found = (True, to_duckdb(query, lake=self.lake))
            else:
                found = (False, single_event_duckdb(query, lake=self.lake))
            self._sql[query] = found
        return found

    def close(self) -> None:
        if self._duck is not None:
            self._duck.close()
            self._duck = None
        self._connections.clear()


def _iso(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


_WITH = re.compile(r"^\s*(--[^\n]*\n\s*)*WITH\b", re.IGNORECASE)


def _is_correlation(query: str) -> bool:
    return _WITH.match(query) is not None
