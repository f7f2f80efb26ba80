"""``dist/`` packagers of the AWS-native targets (registered in ``sigmaq.export.dist``).

Each writes ``dist/<target>/``:

- ``queries.sql`` / ``queries.insights``: one query per rule with output of its own;
- ``PROOF.md``: every rule's verdict (proven / differs / refused) from running its query
  through the target's evaluator over the fixtures and the baseline (when the rules
  belong to a project);
- Athena only, ``bundle/``: ``create_table.sql`` (the CloudTrail table with partition
  projection, as the Athena User Guide gives it, with placeholders to replace),
  ``named_queries.cfn.json`` (a CloudFormation template with one ``AWS::Athena::NamedQuery``
  per rule: ``aws cloudformation deploy --template-file …``) and ``README.md``.
"""

from __future__ import annotations

import re

from sigmaq.core.aws_tables import ATHENA_COLUMNS
from sigmaq.core.jsonfmt import canonical_json
from sigmaq.export.aws.prove import RuleQuery, convert_all, evaluator_for, prove_target
from sigmaq.export.dist import DistRequest, TargetBuild, write_text
from sigmaq.export.proof import render_proof_markdown
from sigmaq.export.targets import get_target

ATHENA_DATABASE = "default"
_PROOF_INTRO = {
    "athena": (
        "Every rule's Athena query, run on DuckDB over a table in the AWS-documented "
        "CloudTrail table shape built from the rule's fixtures and the baseline, compared "
        "with replay (sliding windows)."
    ),
    "cloudtrail_lake": (
        "Every rule's CloudTrail Lake query, run on DuckDB over a table in the event data "
        "store schema built from the rule's fixtures and the baseline, compared with replay "
        "(sliding windows)."
    ),
    "logs_insights": (
        "Every rule's Logs Insights query, run by a subset evaluator over the rule's "
        "fixtures and the baseline flattened as Logs Insights discovers JSON fields, "
        "compared with replay (tumbling windows, as bin() buckets)."
    ),
}


def create_table_sql(
    table: str = "cloudtrail_logs_pp",
    location: str = "s3://amzn-s3-demo-bucket/AWSLogs/account-id/CloudTrail/aws-region",
    start: str = "2020/01/01",
) -> str:
    """The Athena ``CREATE EXTERNAL TABLE`` for CloudTrail with partition projection.

    Columns, SerDe, input format and table properties as the Athena User Guide gives
    them ("Create the table for CloudTrail logs in Athena using partition projection").
    """
    columns = ",\n".join(f"    {name} {kind}" for name, kind in ATHENA_COLUMNS)
    return (
        f"CREATE EXTERNAL TABLE {table}(\n{columns}\n  )\n"
        "PARTITIONED BY (\n   `timestamp` string)\n"
        "ROW FORMAT SERDE 'org.apache.hive.hcatalog.data.JsonSerDe'\n"
        "STORED AS INPUTFORMAT 'com.amazon.emr.cloudtrail.CloudTrailInputFormat'\n"
        "OUTPUTFORMAT 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat'\n"
        f"LOCATION\n  '{location}'\n"
        "TBLPROPERTIES (\n"
        "  'projection.enabled'='true',\n"
        "  'projection.timestamp.format'='yyyy/MM/dd',\n"
        "  'projection.timestamp.interval'='1',\n"
        "  'projection.timestamp.interval.unit'='DAYS',\n"
        f"  'projection.timestamp.range'='{start},NOW',\n"
        "  'projection.timestamp.type'='date',\n"
        f"  'storage.location.template'='{location}/${{timestamp}}')\n"
    )


def named_queries_template(queries: list[RuleQuery], database: str = ATHENA_DATABASE) -> str:
    """A CloudFormation template: one ``AWS::Athena::NamedQuery`` per shipped query."""
    resources = {}
    for item in queries:
        if not item.shipped or not item.query:
            continue
        rule = item.loaded.rule
        level = rule.level.name.lower() if rule.level else "-"
        name = "Sigmaq" + re.sub(r"[^A-Za-z0-9]", "", str(rule.title).title())[:200]
        resources[name] = {
            "Type": "AWS::Athena::NamedQuery",
            "Properties": {
                "Database": {"Ref": "Database"},
                "Name": f"sigmaq: {rule.title}"[:128],
                "Description": f"{rule.id or ''} level {level}"[:1024],
                "QueryString": item.query,
            },
        }
    template = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": "sigmaq Amazon Q detection queries as Athena saved (named) queries over "
        "the CloudTrail table of create_table.sql",
        "Parameters": {
            "Database": {
                "Type": "String",
                "Default": database,
                "Description": "Athena database holding the cloudtrail_logs_pp table",
            }
        },
        "Resources": resources,
    }
    return canonical_json(template)


_BUNDLE_README = """# Athena bundle

1. Create the table (Athena query editor, or `aws athena start-query-execution`): edit
   `create_table.sql` first, replacing `amzn-s3-demo-bucket`, `account-id` and `aws-region`
   with your trail's S3 location and `2020/01/01` with the first day to query. It is the
   table of the Athena User Guide ("Create the table for CloudTrail logs in Athena using
   partition projection"): the queries rely on its column names and types.
2. Save every query in the workgroup's saved queries:
   `aws cloudformation deploy --stack-name sigmaq-athena-queries \\
   --template-file named_queries.cfn.json --parameter-overrides Database=<your database>`.
3. Bound the scan (Athena charges per byte scanned): add the partition filter, e.g.
   `AND "timestamp" >= '2025/01/01'`, to the `WHERE` of every `FROM cloudtrail_logs_pp`
   select of the query (a correlation has one per rule it reads, inside its `WITH`).

Correlation queries use sliding windows (window frames); see `backends/athena/README.md`.
"""


_LAKE_README = """# CloudTrail Lake queries

`queries.sql` holds one query per rule (CloudTrail Lake SQL), each after a `--` comment with
the rule's title, id and level.

1. Replace `$EDS_ID` with the ID of your event data store (the last part of its ARN, from
   `aws cloudtrail list-event-data-stores`); the data store must record the events the rule
   reads (management events; data events where the rule says so, see `sigmaq readiness`).
2. Bound the scan (Lake charges per GB scanned): add `AND eventtime > timestamp '2025-01-01
   00:00:00'` to the `WHERE` of every `FROM $EDS_ID` select of the query (a correlation has
   one per rule it reads, inside its `WITH`).
3. Run it in the console's query editor or with
   `aws cloudtrail start-query --query-statement file://query.sql`.

Correlation queries use sliding windows (window frames); data assumptions and what the
proof model is are in `backends/cloudtrail_lake/README.md` and `PROOF.md`.
"""

_INSIGHTS_README = """# CloudWatch Logs Insights queries

`queries.insights` holds one query per rule, each after a `#` comment line with the rule's
title, id and level. They read CloudTrail delivered to a CloudWatch Logs log group (one JSON
log event per record).

1. Select that log group and a time range: in the console, or
   `aws logs start-query --log-group-name <group> --start-time <epoch s> --end-time <epoch s>
   --query-string file://query.insights`. Logs Insights always scans a time range; a
   correlation only sees events inside it.
2. Rules that read fields Logs Insights cannot address after flattening are refused; they are
   listed in `../REFUSED.md`.

Data assumptions and what the proof model is: `backends/logs_insights/README.md`, `PROOF.md`.
"""
_DIST_README = {"cloudtrail_lake": _LAKE_README, "logs_insights": _INSIGHTS_README}


def _package(target: str, request: DistRequest) -> list[TargetBuild]:
    spec = get_target(target)
    fmt = spec.format(None)
    converted = convert_all(target, request.rule_paths)
    build = TargetBuild(target)
    for item in converted:
        if item.query:
            build.converted.append(item.loaded.rule_id)
        elif item.failed:
            build.failed.append((item.loaded.rule_id, item.error))
        else:
            build.refused.append((item.loaded.rule_id, item.error))
    folder = request.out_dir / target
    shipped = [item.query for item in converted if item.shipped and item.query]
    if shipped:
        text = "".join(f"{query}\n\n" for query in shipped).rstrip("\n") + "\n"
        build.files.append(write_text(folder / fmt.dist_file, text))
    if target == "athena":
        bundle = folder / "bundle"
        build.files.append(write_text(bundle / "create_table.sql", create_table_sql()))
        build.files.append(
            write_text(bundle / "named_queries.cfn.json", named_queries_template(converted))
        )
        build.files.append(write_text(bundle / "README.md", _BUNDLE_README))
    if target in _DIST_README:
        build.files.append(write_text(folder / "README.md", _DIST_README[target]))
    if request.layout is not None:
        evaluator, model, close = evaluator_for(target)
        try:
            report = prove_target(target, request.layout, converted, evaluator, model)
        finally:
            close()
        build.proof = report
        title = f"{spec.description.split(' (')[0]}: proof by execution"
        build.files.append(
            write_text(
                folder / "PROOF.md",
                render_proof_markdown(report, title=title, intro=_PROOF_INTRO[target]),
            )
        )
    return [build]


def package_athena(request: DistRequest) -> list[TargetBuild]:
    """``dist/athena/``: queries, the ``CREATE TABLE``/saved-queries bundle, ``PROOF.md``."""
    return _package("athena", request)


def package_lake(request: DistRequest) -> list[TargetBuild]:
    """``dist/cloudtrail_lake/``: queries, ``README.md`` (how to run them) and ``PROOF.md``."""
    return _package("cloudtrail_lake", request)


def package_insights(request: DistRequest) -> list[TargetBuild]:
    """``dist/logs_insights/``: queries, ``README.md`` (how to run them) and ``PROOF.md``."""
    return _package("logs_insights", request)
