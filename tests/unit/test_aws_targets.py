"""AWS-native targets: table shapes, conversion of the pack, DuckDB/Insights models, dist."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from sigmaq.core import fields
from sigmaq.core.aws_tables import ATHENA_COLUMNS, LAKE_COLUMNS, Access, Kind, NoAccess
from sigmaq.core.layout import ProjectLayout
from sigmaq.export.aws.duck import DuckEvaluator, duck_type, to_duckdb
from sigmaq.export.aws.insights_eval import InsightsUnsupported, flatten, run_query
from sigmaq.export.aws.package import create_table_sql, named_queries_template
from sigmaq.export.aws.prove import convert_all, prove
from sigmaq.export.convert import convert_rules
from sigmaq.export.dist import PACKAGERS, build_dist
from sigmaq.export.proof import ProofCase, Verdict
from sigmaq.export.targets import TARGETS

ROOT = Path(__file__).resolve().parents[2]
LAYOUT = ProjectLayout(ROOT)
AWS = ("athena", "cloudtrail_lake", "logs_insights")


# ------------------------------------------------------------------ field access
@pytest.mark.parametrize(
    ("target", "path", "kind", "column"),
    [
        ("athena", "eventName", Kind.SCALAR, "eventname"),
        (
            "athena",
            "userIdentity.sessionContext.sessionIssuer.arn",
            Kind.SCALAR,
            "useridentity.sessioncontext.sessionissuer.arn",
        ),
        ("athena", "requestParameters.roleArn", Kind.JSON, "requestparameters"),
        ("athena", "resources.ARN", Kind.ELEMENT, "resources"),
        ("cloudtrail_lake", "requestParameters.roleArn", Kind.JSON, "requestparameters"),
        ("cloudtrail_lake", "managementEvent", Kind.SCALAR, "managementevent"),
        ("logs_insights", "userIdentity.arn", Kind.FIELD, "userIdentity.arn"),
    ],
)
def test_access_follows_the_documented_tables(
    target: str, path: str, kind: Kind, column: str
) -> None:
    found = fields.aws_access(target, path)
    assert isinstance(found, Access)
    assert (found.kind, found.column) == (kind, column)


@pytest.mark.parametrize(
    ("target", "path", "words"),
    [
        ("athena", "managementEvent", "managementevent"),  # not in the Athena DDL
        ("athena", "userIdentity.identityProvider", "identityprovider"),
        ("athena", "requestParameters", "whole object"),
        ("logs_insights", "resources.ARN", "array"),
    ],
)
def test_paths_a_target_does_not_hold_are_refused(target: str, path: str, words: str) -> None:
    found = fields.aws_access(target, path)
    assert isinstance(found, NoAccess)
    assert words in found.reason


def test_lake_map_column_splits_first_key_from_the_json_path() -> None:
    found = fields.aws_access("cloudtrail_lake", "requestParameters.a.b")
    assert isinstance(found, Access)
    assert (found.map_key, found.json_path) == ("a", ("b",))


def test_column_types_render_for_duckdb() -> None:
    from sigmaq.core.aws_tables import parse_type

    types = {name: duck_type(parse_type(kind)) for name, kind in ATHENA_COLUMNS}
    assert types["resources"] == 'STRUCT("arn" VARCHAR, "accountid" VARCHAR, "type" VARCHAR)[]'
    lake = {name: duck_type(parse_type(kind)) for name, kind in LAKE_COLUMNS}
    assert lake["requestparameters"] == "MAP(VARCHAR, VARCHAR)"
    assert lake["eventtime"] == "TIMESTAMP"


# ------------------------------------------------------------------ the pack converts
@pytest.mark.parametrize("target", AWS)
def test_every_rule_converts_or_is_refused_with_a_reason(target: str) -> None:
    result = convert_rules([LAYOUT.rules_dir], target)
    assert not result.failed, [(o.rule_id, o.message) for o in result.failed]
    assert result.converted
    for outcome in result.refused:
        assert len(outcome.message) > 20, outcome.rule_id


def test_targets_are_registered_with_packagers() -> None:
    for target in AWS:
        assert target in TARGETS
        assert target in PACKAGERS


# ------------------------------------------------------------------ proofs (the models run)
@pytest.mark.parametrize("target", AWS)
def test_pack_proof_has_no_differing_rule(target: str) -> None:
    converted, report = prove(target, LAYOUT)
    assert len(report.proofs) == len(converted)
    differing = [(p.title, p.reason) for p in report.proofs if p.verdict is Verdict.DIFFERS]
    assert not differing
    proven = report.count(Verdict.PROVEN)
    assert proven >= (75 if target != "logs_insights" else 60)
    assert all(len(p.cases) >= 3 for p in report.proofs if p.verdict is Verdict.PROVEN)


def test_a_flipped_fixture_label_makes_the_rule_differ() -> None:
    converted = [c for c in convert_all("athena", [LAYOUT.rules_dir]) if c.query and c.shipped]
    item = next(c for c in converted if not c.loaded.is_correlation)
    positive = next(p for p in LAYOUT.fixtures_for(item.loaded.path)[0])
    from sigmaq.export.proof import prove_rule, read_case

    case = read_case(positive, "flipped", False)  # a positive labelled negative
    evaluator = DuckEvaluator("athena")
    try:
        proof = prove_rule(item.loaded, "athena", item.query, evaluator, [case])
    finally:
        evaluator.close()
    assert proof.verdict is Verdict.DIFFERS
    assert "fires on a negative fixture" in proof.reason


# ------------------------------------------------------------------ Trino's meaning kept
def _duck(sql: str, rows: list[str]) -> list[tuple[object, ...]]:
    connection = duckdb.connect()
    connection.execute(
        "CREATE MACRO trino_json_extract_scalar(j, p) AS "
        "CASE WHEN json_type(j, p) IN ('OBJECT', 'ARRAY') THEN NULL ELSE j ->> p END"
    )
    connection.execute("CREATE TABLE t (requestparameters VARCHAR, n INTEGER)")
    for index, row in enumerate(rows):
        connection.execute("INSERT INTO t VALUES (?, ?)", [row, index])
    return connection.execute(to_duckdb(sql)).fetchall()


def test_json_extract_scalar_is_null_for_objects_and_arrays_as_in_trino() -> None:
    # Trino "JSON functions": json_extract_scalar returns NULL unless the value is a scalar;
    # sqlglot alone writes DuckDB ->>, which returns the object's JSON text.
    rows = ['{"a":{"b":1}}', '{"a":[1]}', '{"a":"x"}', '{"a":true}', '{"a":null}', "{}"]
    got = _duck("SELECT json_extract_scalar(requestparameters, '$.a') FROM t ORDER BY n", rows)
    assert [r[0] for r in got] == [None, None, "x", "true", None, None]


def test_any_match_and_lax_array_wrapping() -> None:
    rows = ['{"s":[{"p":"Q"},{"p":"x"}]}', '{"s":{"p":"q"}}', '{"s":[]}', "{}"]
    sql = (
        "SELECT n FROM t WHERE any_match(coalesce(try_cast(json_extract(requestparameters, '$.s') "
        "AS ARRAY(JSON)), ARRAY[json_extract(requestparameters, '$.s')]), x1 -> "
        "lower(json_extract_scalar(x1, '$.p')) = 'q') ORDER BY n"
    )
    assert [r[0] for r in _duck(sql, rows)] == [0, 1]


def test_like_escape_and_not_coalesce_keep_sigma_meaning() -> None:
    rows = ['{"k":"a%b"}', '{"k":"axb"}', "{}"]
    like = (
        "SELECT n FROM t WHERE lower(json_extract_scalar(requestparameters, '$.k')) "
        "LIKE 'a\\%b' ESCAPE '\\' ORDER BY n"
    )
    assert [r[0] for r in _duck(like, rows)] == [0]
    negated = (
        "SELECT n FROM t WHERE NOT coalesce(json_extract_scalar(requestparameters, '$.k') = 'axb', "
        "false) ORDER BY n"
    )
    assert [r[0] for r in _duck(negated, rows)] == [0, 2]  # absent key: the negation holds


def test_sliding_frame_includes_both_ends() -> None:
    connection = duckdb.connect()
    connection.execute("CREATE TABLE w AS SELECT * FROM (VALUES (0.0), (600.0), (601.0)) v(t)")
    sql = to_duckdb(
        "SELECT t, count(*) OVER (ORDER BY t RANGE BETWEEN CURRENT ROW AND 600 FOLLOWING) FROM w"
    )
    assert dict(connection.execute(sql).fetchall()) == {0.0: 2, 600.0: 2, 601.0: 1}


# ------------------------------------------------------------------ the Logs Insights model
def test_insights_flattening_and_filter_subset() -> None:
    record = {"a": {"b": "X"}, "l": ["p", {"q": 1}], "n": None, "t": True}
    row = flatten(record)
    assert row == {"a.b": "X", "l.0": "p", "l.1.q": "1", "t": "true"}
    rows, aggregated = run_query("filter a.b =~ /(?i)^x$/ and not ispresent(n)", [row])
    assert rows == [row] and not aggregated


@pytest.mark.parametrize(
    "query",
    [
        "parse @message 'x*' as y",
        "filter x = 1 | limit 5",
        "stats avg(x) by y",
        "filter isblank(x)",
    ],
)
def test_insights_evaluator_refuses_what_it_does_not_model(query: str) -> None:
    with pytest.raises(InsightsUnsupported):
        run_query(query, [{"x": "1", "y": "2"}])


def test_insights_stats_by_bin_counts_per_bucket() -> None:
    rows = [{"k": "a", "@timestamp": t, "__pos": i} for i, t in enumerate([0, 100, 899, 900])]
    result, aggregated = run_query(
        "stats count(*) as metric, earliest(k) as g0 by k, bin(15m) as window | filter metric >= 3",
        rows,
    )
    assert aggregated and result == [{"k": "a", "window": 0, "metric": "3", "g0": "a"}]


# ------------------------------------------------------------------ dist
def test_athena_bundle_and_proof_are_written(tmp_path: Path) -> None:
    rules = LAYOUT.rules_dir / "q_business"
    report = build_dist([rules], tmp_path, targets=["athena"], layout=LAYOUT)
    build = report.targets["athena"]
    assert build.proof is not None and build.proof.count(Verdict.DIFFERS) == 0
    names = {p.relative_to(tmp_path).as_posix() for p in build.files}
    assert {
        "athena/queries.sql",
        "athena/PROOF.md",
        "athena/bundle/create_table.sql",
        "athena/bundle/named_queries.cfn.json",
    } <= names
    template = json.loads((tmp_path / "athena/bundle/named_queries.cfn.json").read_text())
    kinds = {r["Type"] for r in template["Resources"].values()}
    assert kinds == {"AWS::Athena::NamedQuery"}
    shipped = [c for c in convert_all("athena", [rules]) if c.shipped and c.query]
    assert len(template["Resources"]) == len(shipped)


def test_create_table_is_the_documented_partition_projection_table() -> None:
    ddl = create_table_sql()
    for name, kind in ATHENA_COLUMNS:
        assert f"    {name} {kind}" in ddl
    for prop in (
        "'projection.enabled'='true'",
        "'projection.timestamp.type'='date'",
        "'projection.timestamp.format'='yyyy/MM/dd'",
        "'storage.location.template'=",
    ):
        assert prop in ddl
    assert "PARTITIONED BY (\n   `timestamp` string)" in ddl


def test_named_queries_skip_silenced_rules() -> None:
    converted = convert_all("athena", [LAYOUT.rules_dir / "q_business"])
    silenced = [c for c in converted if c.query and not c.shipped]
    assert silenced  # base rules of generate: false correlations
    template = json.loads(named_queries_template(converted))
    bodies = {r["Properties"]["QueryString"] for r in template["Resources"].values()}
    assert not any(c.query in bodies for c in silenced)


def test_duck_evaluator_reads_group_columns_of_a_correlation() -> None:
    converted = convert_all("athena", [LAYOUT.rules_dir / "q_business"])
    item = next(c for c in converted if c.loaded.is_correlation and "event_count" not in c.query)
    case = ProofCase("empty", (), None)
    evaluator = DuckEvaluator("athena")
    try:
        outcome = evaluator(item.query, case)
    finally:
        evaluator.close()
    assert not outcome.fired and outcome.groups == frozenset()


@pytest.mark.parametrize(
    ("target", "placeholder"), [("cloudtrail_lake", "$EDS_ID"), ("logs_insights", "log group")]
)
def test_dist_readme_says_how_to_run_the_queries(
    tmp_path: Path, target: str, placeholder: str
) -> None:
    rules = LAYOUT.rules_dir / "containment"
    report = build_dist([rules], tmp_path, targets=[target], layout=None)
    names = {p.relative_to(tmp_path).as_posix() for p in report.targets[target].files}
    assert f"{target}/README.md" in names
    text = (tmp_path / target / "README.md").read_text(encoding="utf-8")
    assert placeholder in text
    queries = next(tmp_path.glob(f"{target}/queries.*")).read_text(encoding="utf-8")
    if placeholder == "$EDS_ID":  # the README names what the queries really contain
        assert "FROM $EDS_ID" in queries
