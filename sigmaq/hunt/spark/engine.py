"""``sigmaq hunt --engine spark``: the rule pack as Spark SQL over CloudTrail archives.

Input: S3 delivery files (``{"Records": [...]}``, ``.json`` or ``.json.gz``) under the
archive layout ``AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/``, local folders or
``s3://`` URIs, read by Spark (local mode or a cluster). The work:

1. **Read** every file whole (``text`` with ``wholetext``, gzip by extension;
   ``spark.sql.files.ignoreCorruptFiles`` so one bad file does not stop the job: a file
   Spark could not read is counted unreadable by comparing the files read with the
   files listed). ``from_json(value, 'struct<Records: array<string>>')`` keeps each
   record's JSON text; a file without a ``Records`` list is counted unreadable (this
   engine reads delivery files; the local engine also reads NDJSON, EventBridge and
   Lake results).
2. **Classify** each item as the local reader does (``sigmaq.replay.shapes``): a record
   (a JSON object with a non-empty string ``eventName`` and one of the anchor keys),
   a digest, an item without ``eventName``, or **malformed** (anything else): counted
   and reported with file and position, never dropped silently. Spark's
   ``_corrupt_record`` does not apply: a delivery file is one JSON document, so a
   broken file is a file problem and a broken record is an item that is not a record.
3. **Evaluate** every single-event rule (reported ones and those correlations read) in
   one Spark SQL pass: the ``WHERE`` condition of the rule's exported Athena query
   (``sigmaq.export.aws``; the records are parsed into the Athena table's shape, with
   CloudTrail's key spelling, which Spark resolves case-insensitively), translated by
   ``sigmaq.hunt.spark.sql``.
4. **Findings**: the matched records (few, next to the archive) come back to the driver,
   where the replay engine (``sigmaq.hunt.runner.default_engine_factory``) confirms each
   match and computes the correlation windows (Sigma's sliding windows, or tumbling),
   so findings have exactly the local engine's form and content. A record Spark
   selected for a rule that replay does not match is counted in
   ``SparkHuntResult.disagreements`` (tests require zero).
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from sigma.rule import SigmaRule, SigmaRuleBase

from sigmaq.core.aws_tables import ATHENA_COLUMNS
from sigmaq.core.errors import ConfigError
from sigmaq.core.model import EventRef, FindingKind
from sigmaq.hunt.runner import (
    HuntFinding,
    HuntOptions,
    HuntResult,
    RuleRoles,
    default_engine_factory,
    enrich,
    expand_rules,
    request_keys_for,
    rule_key,
)
from sigmaq.hunt.spark import is_remote
from sigmaq.hunt.spark.sql import spark_condition, where_of
from sigmaq.replay.readers import ReadStats, decode_json, iter_paths, parse_event_time
from sigmaq.replay.shapes import CLOUDTRAIL_KEYS, DIGEST_KEYS, RECORD_ANCHOR_KEYS

log = logging.getLogger(__name__)

# CloudTrail's spelling of the Athena table's lower-case names (JSON keys are matched
# exactly by Spark's JSON parser; Spark SQL then resolves names case-insensitively).
_SPELLING = {
    name.lower(): name
    for name in [
        "eventVersion",
        "userIdentity",
        "principalId",
        "accountId",
        "invokedBy",
        "accessKeyId",
        "userName",
        "onBehalfOf",
        "userId",
        "identityStoreArn",
        "sessionContext",
        "mfaAuthenticated",
        "creationDate",
        "sessionIssuer",
        "ec2RoleDelivery",
        "webIdFederationData",
        "federatedProvider",
        "eventTime",
        "eventSource",
        "eventName",
        "awsRegion",
        "sourceIPAddress",
        "userAgent",
        "errorCode",
        "errorMessage",
        "requestParameters",
        "responseElements",
        "additionalEventData",
        "requestID",
        "eventID",
        "readOnly",
        "ARN",
        "eventType",
        "apiVersion",
        "recipientAccountId",
        "serviceEventDetails",
        "sharedEventID",
        "vpcEndpointId",
        "vpcEndpointAccountId",
        "eventCategory",
        "updatedFields",
        "originalRequestID",
        "originalEventID",
        "sessionCredentialFromConsole",
        "edgeDeviceDetails",
        "tlsDetails",
        "tlsVersion",
        "cipherSuite",
        "clientProvidedHostHeader",
    ]
}


def spark_schema() -> str:
    """The Athena CloudTrail table as a Spark DDL schema in CloudTrail's key spelling."""
    from sigmaq.core.aws_tables import parse_type

    def render(tree: object) -> str:
        if isinstance(tree, str):
            return tree
        assert isinstance(tree, tuple)
        if tree[0] == "struct":
            members: dict[str, object] = tree[1]
            inner = ",".join(f"`{_SPELLING.get(k, k)}`:{render(v)}" for k, v in members.items())
            return f"struct<{inner}>"
        if tree[0] == "array":
            return f"array<{render(tree[1])}>"
        return f"map<{render(tree[1])},{render(tree[2])}>"

    return ", ".join(
        f"`{_SPELLING.get(name, name)}` {render(parse_type(kind))}" for name, kind in ATHENA_COLUMNS
    )


def spark_session(master: str | None = None) -> Any:
    """The active SparkSession (as ``spark-submit`` provides it), or a new local one.

    ``master``: e.g. ``local[*]`` (default when no session is active). Raises
    ConfigError when pyspark is not installed (``pip install 'sigmaq[spark]'``).
    """
    try:
        from pyspark.sql import SparkSession
    except ImportError as error:  # pragma: no cover - depends on the extra
        raise ConfigError(
            "the spark engine needs pyspark: pip install 'sigmaq[spark]' (and Java 17+)"
        ) from error
    active = SparkSession.getActiveSession()
    if active is not None and master is None:
        return active
    builder = (
        SparkSession.builder.appName("sigmaq hunt")
        .master(master or "local[*]")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", str(max(2, os.cpu_count() or 2)))
        # local mode: the driver is the executor; the 1 GB default is too small for the
        # ~10 MB delivery files read whole
        .config("spark.driver.memory", os.environ.get("SIGMAQ_SPARK_DRIVER_MEMORY", "4g"))
    )
    return builder.getOrCreate()


@dataclass
class SparkHuntResult(HuntResult):
    """A ``HuntResult`` plus what only the Spark engine knows.

    ``disagreements``: (rule id, file, position) of records Spark SQL selected for a rule
    that replay does not match; ``refused``: rules without a Spark SQL condition (the
    Athena export refused them), with the reason.
    """

    disagreements: list[tuple[str, str, int]] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)


def _list_files(paths: Sequence[str | Path], stats: ReadStats) -> tuple[list[str], dict[str, str]]:
    """Files to read (local ones through the local reader's walk) and URI -> shown path."""
    files: list[str] = []
    shown: dict[str, str] = {}
    for raw in paths:
        if is_remote(raw):
            files.append(str(raw))
            continue
        for path in iter_paths([raw], stats):
            uri = Path(os.path.realpath(path)).as_uri()
            files.append(uri)
            shown[_normal_uri(uri)] = str(path)
    return files, shown


def _normal_uri(uri: str) -> str:
    parsed = urlparse(uri)
    if parsed.scheme in ("", "file"):
        return "file:" + unquote(parsed.path)
    return uri


def _local_size(uri: str) -> int | None:
    try:
        return os.path.getsize(unquote(urlparse(uri).path))
    except OSError:
        return None


def _quoted(values: Sequence[str]) -> str:
    return ", ".join("'" + v.replace("'", "\\'") + "'" for v in sorted(values))


def _classify_sql() -> str:
    anchors = _quoted(list(RECORD_ANCHOR_KEYS))
    digests = _quoted(list(DIGEST_KEYS))
    cloudtrail = _quoted(list(CLOUDTRAIL_KEYS))
    named = 'rec RLIKE \'"eventName"\\\\s*:\\\\s*"\''
    return f"""
    SELECT path, pos, rec,
      CASE
        WHEN rec IS NULL OR substr(ltrim(rec), 1, 1) <> '{{' OR json_object_keys(rec) IS NULL
          THEN 'malformed'
        WHEN coalesce(get_json_object(rec, '$.eventName'), '') <> '' AND {named}
          THEN CASE WHEN arrays_overlap(json_object_keys(rec), array({anchors}))
                    THEN 'record' ELSE 'malformed' END
        WHEN get_json_object(rec, '$.eventName') IS NOT NULL AND NOT {named} THEN 'malformed'
        WHEN arrays_overlap(json_object_keys(rec), array({digests}))
          OR (array_contains(json_object_keys(rec), 'hashSignature')
              AND array_contains(json_object_keys(rec), 'files')) THEN 'digest'
        WHEN arrays_overlap(json_object_keys(rec), array({cloudtrail})) THEN 'no_event_name'
        ELSE 'malformed'
      END AS kind
    FROM items
    """


def base_rules(rules: Sequence[SigmaRuleBase]) -> list[SigmaRule]:
    """Every single-event rule a hunt of ``rules`` evaluates (correlations' rules too)."""
    return [rule for rule in expand_rules(rules) if isinstance(rule, SigmaRule)]


def spark_hunt(
    paths: Sequence[str | Path],
    rules: Sequence[SigmaRuleBase],
    queries: Mapping[str, str],
    options: HuntOptions | None = None,
    *,
    spark: Any = None,
    refusals: Mapping[str, str] | None = None,
) -> SparkHuntResult:
    """Run ``rules`` over every CloudTrail delivery file under ``paths`` with Spark.

    ``queries``: rule id -> the rule's exported single-event Athena query (or its
    ``WHERE`` condition), for every rule ``base_rules(rules)`` lists; a rule without one
    is left out and listed in ``refused`` (``refusals`` gives the reason). ``spark``: a
    SparkSession (default: ``spark_session()``). Never raises for bad input files or
    records (counted in ``stats``). Raises ConfigError when pyspark is missing.
    """
    options = options or HuntOptions()
    started = time.perf_counter()
    spark = spark or spark_session()
    roles = RuleRoles.of(rules)
    result = SparkHuntResult(rules=len(rules))
    stats = result.stats
    files, shown = _list_files(paths, stats)
    evaluated: list[tuple[int, SigmaRule]] = []
    conditions: list[str] = []
    for rule in base_rules(rules):
        key = rule_key(rule)
        query = queries.get(key)
        if query is None:
            result.refused.append((key, (refusals or {}).get(key, "no Athena query")))
            continue
        condition = query if "SELECT" not in query.upper().split("WHERE")[0] else where_of(query)
        conditions.append(f"coalesce(({spark_condition(condition)}), false)")
        evaluated.append((len(evaluated), rule))
    matched: Iterable[tuple[str, int, str, list[int]]] = (
        _run(spark, files, conditions, options, stats, result, shown) if files else ()
    )
    findings = _findings(matched, rules, evaluated, roles, options, result)
    result.findings = sorted(_without_redeliveries(findings, result), key=lambda f: f.sort_key)
    result.elapsed = time.perf_counter() - started
    return result


def _run(
    spark: Any,
    files: list[str],
    conditions: list[str],
    options: HuntOptions,
    stats: ReadStats,
    result: SparkHuntResult,
    shown: dict[str, str],
) -> Iterator[tuple[str, int, str, list[int]]]:
    """Read, classify and evaluate in Spark (counters into ``stats``/``result`` before the
    first match is yielded); yields (file, position, record text, rule indexes)."""
    spark.conf.set("spark.sql.files.ignoreCorruptFiles", "true")
    raw = spark.read.text(files, wholetext=True)
    raw.createOrReplaceTempView("sigmaq_raw")
    spark.sql(
        "SELECT path, size, CASE "
        "WHEN env.Records IS NOT NULL AND get_json_object(value, '$.eventName') IS NULL "
        "THEN env.Records "
        "WHEN substr(ltrim(value), 1, 1) = '[' THEN from_json(value, 'array<string>') "
        "WHEN substr(ltrim(value), 1, 1) = '{' AND json_object_keys(value) IS NOT NULL "
        "THEN array(value) END AS items "
        "FROM (SELECT input_file_name() AS path, value, length(value) AS size, "
        "from_json(value, 'struct<Records: array<string>>') AS env FROM sigmaq_raw)"
    ).createOrReplaceTempView("sigmaq_files")  # not cached: files are read again
    file_rows = spark.sql(
        "SELECT path, size, items IS NOT NULL, coalesce(size(items), 0) FROM sigmaq_files"
    ).collect()
    for path, size, has_items, count in file_rows:
        name = shown.get(_normal_uri(path), path)
        stats.bytes_read += int(size or 0)
        if not has_items:
            if size and str(size) != "0":
                stats.unreadable_files += 1
                stats.add_problem(
                    name,
                    None,
                    "not a CloudTrail delivery file, record or JSON array (the spark engine "
                    "does not read NDJSON, EventBridge, Lake results, LookupEvents or "
                    "CloudWatch Logs exports: the default engine does), or invalid JSON",
                )
            else:
                stats.empty_files += 1
                stats.add_problem(name, None, "empty file", warning=True)
        elif count == 0:
            stats.empty_files += 1
            stats.add_problem(name, None, "no records in file", warning=True)
    seen = {_normal_uri(row[0]) for row in file_rows}
    order = {uri: rank for rank, uri in enumerate(_normal_uri(u) for u in files)}
    ranks = [(row[0], order.get(_normal_uri(row[0]), len(order))) for row in file_rows]
    spark.createDataFrame(ranks or [("", 0)], "path string, file_rank int").createOrReplaceTempView(
        "sigmaq_ranks"
    )
    local = [uri for uri in files if not is_remote(uri)]
    stats.files += len(local) + len(seen - {_normal_uri(u) for u in local})
    for uri in local:
        if _normal_uri(uri) not in seen:
            name = shown.get(_normal_uri(uri), uri)
            if _local_size(uri) == 0:  # Spark yields no row for a zero-byte file
                stats.empty_files += 1
                stats.add_problem(name, None, "empty file", warning=True)
                continue
            stats.unreadable_files += 1
            stats.add_problem(name, None, "Spark could not read it (corrupt or truncated gzip?)")
    spark.sql(
        "SELECT path, pos, rec FROM sigmaq_files "
        "LATERAL VIEW posexplode(items) exploded AS pos, rec"
    ).createOrReplaceTempView("items")
    from pyspark import StorageLevel

    items = spark.sql(_classify_sql()).persist(StorageLevel.MEMORY_AND_DISK)
    items.createOrReplaceTempView("sigmaq_items")
    for kind, count in spark.sql("SELECT kind, count(*) FROM sigmaq_items GROUP BY kind").collect():
        if kind == "record":
            stats.records_read += int(count)
        elif kind == "digest":
            stats.skipped_digest += int(count)
        elif kind == "no_event_name":
            stats.skipped_no_event_name += int(count)
        else:
            stats.malformed += int(count)
    for path, pos in spark.sql(
        "SELECT path, pos FROM sigmaq_items WHERE kind = 'malformed' ORDER BY path, pos LIMIT 1000"
    ).collect():
        stats.add_problem(
            shown.get(_normal_uri(path), path),
            None,
            f"record {pos}: not a CloudTrail record (malformed)",
        )
    time_sql = "try_cast(get_json_object(rec, '$.eventTime') AS TIMESTAMP)"
    timing = [f"sum(CASE WHEN {time_sql} IS NULL THEN 1 ELSE 0 END)"]
    if options.since or options.until:
        bounds = []
        if options.since:
            bounds.append(f"{time_sql} < TIMESTAMP '{options.since.isoformat()}'")
        if options.until:
            bounds.append(f"{time_sql} > TIMESTAMP '{options.until.isoformat()}'")
        timing.append(
            f"sum(CASE WHEN {time_sql} IS NULL OR {' OR '.join(bounds)} THEN 1 ELSE 0 END)"
        )
    counts = spark.sql(
        f"SELECT {', '.join(timing)} FROM sigmaq_items WHERE kind = 'record'"
    ).collect()[0]
    stats.invalid_event_time += int(counts[0] or 0)
    result.filtered_out = int(counts[1] or 0) if len(counts) > 1 else 0
    result.events_evaluated = stats.records_read - result.filtered_out
    if not conditions:
        items.unpersist()
        return
    hits = ", ".join(
        f"IF({condition}, {index}, NULL)" for index, condition in enumerate(conditions)
    )
    spark.sql(
        f"SELECT path, pos, rec, from_json(rec, '{spark_schema()}') AS r "
        "FROM sigmaq_items WHERE kind = 'record'"
    ).createOrReplaceTempView("sigmaq_parsed")
    spark.sql("SELECT path, pos, rec, r.* FROM sigmaq_parsed").createOrReplaceTempView(
        "cloudtrail_logs_pp"
    )
    selected = spark.sql(
        f"SELECT m.path, pos, rec, hits FROM (SELECT path, pos, rec, "
        f"filter(array({hits}), x -> x IS NOT NULL) AS hits FROM cloudtrail_logs_pp) m "
        "JOIN sigmaq_ranks r ON m.path = r.path WHERE size(hits) > 0 ORDER BY file_rank, pos"
    )
    # Streamed to the driver in file order (the local engine's order), one partition at a time.
    for path, pos, rec, found in selected.toLocalIterator():
        yield shown.get(_normal_uri(path), path), int(pos), rec, list(found)
    items.unpersist()


def _findings(
    matched: Iterable[tuple[str, int, str, list[int]]],
    rules: Sequence[SigmaRuleBase],
    evaluated: list[tuple[int, SigmaRule]],
    roles: RuleRoles,
    options: HuntOptions,
    result: SparkHuntResult,
) -> list[HuntFinding]:
    from sigmaq.replay.compile import compile_rule

    compiled = {index: compile_rule(rule) for index, rule in evaluated}
    keys = {index: rule_key(rule) for index, rule in evaluated}
    engine = default_engine_factory(rules, options.window, roles.reports)
    request_keys = request_keys_for(engine)
    findings: list[HuntFinding] = []
    for path, position, text, hit_indexes in matched:
        event = decode_json(text.encode())  # as the local readers: integers exact
        event_id = event.get("eventID")
        ref = EventRef(
            source=path,
            position=position,
            event_id=event_id if type(event_id) is str and event_id else None,
            event_time=parse_event_time(event.get("eventTime")),
        )
        for index in hit_indexes:
            if not compiled[index].matches(event):
                result.disagreements.append((keys[index], path, position))
        if not options.keeps(ref):
            continue
        for finding in engine.feed(event, ref):
            if roles.reports(finding.rule_id):
                findings.append(enrich(finding, event, request_keys(finding.rule_id)))
    findings.extend(enrich(f) for f in engine.finish() if roles.reports(f.rule_id))
    return findings


def _without_redeliveries(findings: list[HuntFinding], result: HuntResult) -> list[HuntFinding]:
    """Drop single-event findings for an eventID a rule already reported (as the local
    engine does: CloudTrail may deliver an event twice)."""
    seen: set[tuple[str, str]] = set()
    kept: list[HuntFinding] = []
    for item in findings:
        finding = item.finding
        event_id = finding.events[0].event_id if len(finding.events) == 1 else None
        if finding.kind is FindingKind.EVENT and event_id is not None:
            key = (finding.rule_id, event_id)
            if key in seen:
                result.redelivered += 1
                continue
            seen.add(key)
        kept.append(item)
    return kept
