"""Athena (Trino) conditions as Spark SQL over the same table shape.

The Spark engine evaluates the ``WHERE`` condition of each rule's exported Athena
query (``sigmaq.export.aws``, handed in by the CLI) over a DataFrame in the Athena
table's shape. sqlglot parses the Trino text and writes Spark SQL; JSON functions are
rewritten to Spark 4 VARIANT functions so that Trino's meaning holds:

- ``json_extract_scalar(s, p)`` -> NULL when the value at ``p`` is an object or array
  (``schema_of_variant``), else ``try_variant_get(…, p, 'string')`` (Spark's
  ``get_json_object`` would return an object's JSON text, which Trino never does);
- ``json_extract(s, p)`` -> ``variant_get(try_parse_json(s), p)`` (a JSON null stays a
  non-NULL variant, so ``|exists`` tells a null value from an absent key, as in Trino);
- ``json_format(x)`` -> ``to_json(x)``; ``try_cast(x AS ARRAY(JSON))`` ->
  ``try_variant_get(x, '$', 'array<variant>')``; ``any_match`` -> ``exists``.

Numbers read through a VARIANT print without a trailing ``.0`` (``30.0`` -> ``30``),
where Trino keeps the JSON text; no rule of the pack compares JSON numbers as text.
"""

from __future__ import annotations

import re

import sqlglot
from sqlglot import exp

_LAMBDA_VAR = re.compile(r"^x\d+$")
JSON_COLUMNS = (
    "requestparameters",
    "responseelements",
    "additionaleventdata",
    "serviceeventdetails",
    "edgedevicedetails",
)


def _variant(node: exp.Expression) -> exp.Expression:
    """A VARIANT for ``node``: lambda variables already are; columns are parsed."""
    if isinstance(node, (exp.Column, exp.Identifier)) and _LAMBDA_VAR.match(node.name or ""):
        return node
    if isinstance(node, exp.Anonymous) and str(node.this).lower() in (
        "variant_get",
        "try_variant_get",
    ):
        return node
    return exp.Anonymous(this="try_parse_json", expressions=[node])


def _path(node: exp.Expression) -> exp.Expression:
    text = node.sql(dialect="trino")
    if text.startswith("'") and text.endswith("'"):
        text = text[1:-1].replace("''", "'")
    return exp.Literal.string(text)


def _rewrite(node: exp.Expression) -> exp.Expression:
    if isinstance(node, exp.JSONExtractScalar):
        value = _variant(node.this.transform(_rewrite))
        path = _path(node.expression)
        shape = exp.Anonymous(
            this="schema_of_variant",
            expressions=[exp.Anonymous(this="variant_get", expressions=[value, path])],
        )
        container = exp.RegexpLike(this=shape, expression=exp.Literal.string("^(OBJECT|ARRAY)"))
        text = exp.Anonymous(
            this="try_variant_get", expressions=[value, path.copy(), exp.Literal.string("string")]
        )
        return exp.Case(ifs=[exp.If(this=container, true=exp.Null())], default=text)
    if isinstance(node, exp.JSONExtract):
        return exp.Anonymous(
            this="variant_get",
            expressions=[_variant(node.this.transform(_rewrite)), _path(node.expression)],
        )
    if isinstance(node, exp.JSONFormat):
        return exp.Anonymous(this="to_json", expressions=[node.this.transform(_rewrite)])
    if isinstance(node, exp.TryCast) and node.to.sql(dialect="trino").upper() == "ARRAY(JSON)":
        return exp.Anonymous(
            this="try_variant_get",
            expressions=[
                node.this.transform(_rewrite),
                exp.Literal.string("$"),
                exp.Literal.string("array<variant>"),
            ],
        )
    if isinstance(node, exp.Anonymous) and str(node.this).lower() == "any_match":
        node.set("this", "exists")  # in place: transform then visits its arguments
    return node


def where_of(query: str) -> str:
    """The ``WHERE`` condition text (Trino) of an exported single-event Athena query.

    Raises ValueError when ``query`` is not a single-event ``SELECT … WHERE``.
    """
    tree = sqlglot.parse_one(query, read="trino")
    where = tree.args.get("where") if isinstance(tree, exp.Select) else None
    if where is None or tree.args.get("with") is not None:
        raise ValueError("not a single-event SELECT … WHERE query")
    return str(where.this.sql(dialect="trino"))


def spark_condition(condition: str) -> str:
    """A Trino condition over the Athena table as a Spark SQL boolean expression.

    Raises sqlglot.errors.ParseError for text that is not a Trino condition.
    """
    tree = sqlglot.parse_one(f"SELECT 1 FROM t WHERE {condition}", read="trino")
    where = tree.args["where"].this
    return str(where.transform(_rewrite).sql(dialect="spark"))
