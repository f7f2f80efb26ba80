"""``sigmaq hunt --engine spark`` gives the local engine's findings and counts bad input alike.

One SparkSession (local[2]) for the module; it needs pyspark (test extra) and Java 17+
(``.ci/run`` installs it). Two hunts: the pack's fixtures, and a holdout-style archive
built here in the ``AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/`` layout with a
digest file, malformed records, a corrupt gzip file and an empty file.
"""

from __future__ import annotations

import gzip
import json
import random
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sigmaq.core.loader import load_rules
from sigmaq.export.aws.prove import convert_all
from sigmaq.hunt.runner import HuntOptions, hunt, replayable_rules
from sigmaq.hunt.spark.sql import spark_condition
from sigmaq.replay.readers import ReadStats, iter_records

ROOT = Path(__file__).resolve().parents[2]
pyspark = pytest.importorskip("pyspark", reason="pyspark not installed (the spark extra)")
if shutil.which("java") is None:
    pytest.skip("no java on PATH (pyspark needs Java 17+)", allow_module_level=True)


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    from sigmaq.hunt.spark.engine import spark_session

    session = spark_session("local[2]")
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture(scope="module")
def pack() -> tuple[list[Any], dict[str, str]]:
    loaded = load_rules([ROOT / "rules"])
    rules, refused = replayable_rules([r.rule for r in loaded.rules])
    assert not refused
    queries = {
        item.loaded.rule_id: item.query
        for item in convert_all("athena", [ROOT / "rules"])
        if item.query and not item.loaded.is_correlation
    }
    return rules, queries


COUNTERS = (
    "records_read",
    "malformed",
    "skipped_digest",
    "skipped_no_event_name",
    "unreadable_files",
    "empty_files",
    "invalid_event_time",
)


def _compare(paths: list[Path], spark: Any, pack: tuple[list[Any], dict[str, str]]) -> Any:
    from sigmaq.hunt.spark.engine import spark_hunt

    rules, queries = pack
    remote = spark_hunt([str(p) for p in paths], rules, queries, HuntOptions(jobs=1), spark=spark)
    local = hunt([str(p) for p in paths], rules, HuntOptions(jobs=1))
    assert not remote.refused
    assert not remote.disagreements
    assert [f.finding for f in remote.findings] == [f.finding for f in local.findings]
    assert remote.findings == local.findings  # principals and source addresses too
    for name in COUNTERS:
        assert getattr(remote.stats, name) == getattr(local.stats, name), name
    return remote, local


def test_fixture_findings_equal_the_local_engine(spark: Any, pack: Any) -> None:
    remote, local = _compare([ROOT / "fixtures"], spark, pack)
    assert len(local.findings) > 100
    assert {f.finding.kind.value for f in remote.findings} == {"event", "correlation"}


def _archive(root: Path) -> Path:
    stats = ReadStats()
    records = [record for record, _ in iter_records([ROOT / "fixtures"], stats)]
    random.Random(15).shuffle(records)
    base = root / "AWSLogs" / "123456789012" / "CloudTrail" / "us-east-1"
    by_day: dict[str, list[dict[str, Any]]] = {}
    for record in records:
        day = str(record.get("eventTime", "2026-01-01"))[:10].replace("-", "/")
        by_day.setdefault(day, []).append(record)
    for number, (day, items) in enumerate(sorted(by_day.items())):
        folder = base / day
        folder.mkdir(parents=True, exist_ok=True)
        for part in range(0, len(items), 40):
            chunk = items[part : part + 40]
            name = f"123456789012_CloudTrail_us-east-1_{number}_{part}.json.gz"
            (folder / name).write_bytes(gzip.compress(json.dumps({"Records": chunk}).encode()))
    bad = base / "2026" / "12" / "01"  # fixtures may have records of that day too
    bad.mkdir(parents=True, exist_ok=True)
    malformed = {
        "Records": [
            5,
            "text",
            {"eventName": "X"},
            {"eventName": 7, "eventTime": "x"},
            {"eventSource": "s3.amazonaws.com"},
        ]
    }
    (bad / "malformed.json.gz").write_bytes(gzip.compress(json.dumps(malformed).encode()))
    (bad / "corrupt.json.gz").write_bytes(gzip.compress(b'{"Records": []}')[:12])
    (bad / "empty.json").write_bytes(b"")
    digest = root / "AWSLogs" / "123456789012" / "CloudTrail-Digest" / "us-east-1" / "2026"
    digest.mkdir(parents=True)
    (digest / "digest.json.gz").write_bytes(
        gzip.compress(
            json.dumps({"digestStartTime": "2026-01-01T00:00:00Z", "digestS3Bucket": "b"}).encode()
        )
    )
    return root


def test_holdout_archive_findings_and_bad_input_counts(
    spark: Any, pack: Any, tmp_path: Path
) -> None:
    remote, _local = _compare([_archive(tmp_path)], spark, pack)
    assert remote.stats.malformed == 4  # 5, "text", an object without anchors, eventName 7
    assert remote.stats.skipped_no_event_name == 1
    assert remote.stats.skipped_digest == 1
    assert remote.stats.unreadable_files == 1
    assert remote.stats.empty_files == 1
    assert len(remote.findings) > 100
    problems = [str(p) for p in remote.stats.problems]
    assert any("malformed.json.gz" in p for p in problems)
    assert any("corrupt.json.gz" in p for p in problems)


def test_spark_sql_translation_uses_variant_semantics() -> None:
    text = spark_condition("lower(json_extract_scalar(requestparameters, '$.a')) = 'x'")
    assert "SCHEMA_OF_VARIANT" in text and "GET_JSON_OBJECT" not in text
    exists = spark_condition("json_extract(requestparameters, '$.a') IS NOT NULL")
    assert "VARIANT_GET(TRY_PARSE_JSON(requestparameters), '$.a')" in exists
    lam = spark_condition("any_match(resources, x1 -> lower(x1.arn) = 'a')")
    assert lam.startswith("EXISTS(resources")
