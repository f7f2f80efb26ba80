"""DuckDB: ``read_json`` of the delivery files + pysigma-backend-duckdb queries.

The files are read by DuckDB itself (``read_json`` with ``Records`` as ``JSON[]``,
``unnest``), then flattened into a table ``logs`` holding one column per field the pack's
rules use (``json_extract_string``; the backend quotes a dotted name as one identifier),
then each rule is converted by the DuckDB backend (fresh collection per rule) and run.
Rules the backend refuses are counted. Prints one JSON line.

Usage: python benchmarks/duckdb_method.py CORPUS_DIR MAX_FILES RULES_DIR THREADS
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import orjson


def main() -> None:
    corpus, max_files, rules_dir = Path(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3])
    threads = int(sys.argv[4])
    import duckdb
    from sigma.collection import SigmaCollection
    from sigma.correlations import SigmaCorrelationRule
    from sigma_backend_duckdb.backend import DuckDBBackend

    from sigmaq.core.loader import load_rules
    from sigmaq.replay.compile import compile_rule

    rules = load_rules([rules_dir])
    fields: dict[str, None] = {"eventTime": None, "eventID": None}
    for loaded in rules.rules:
        rule = loaded.rule
        if isinstance(rule, SigmaCorrelationRule):
            fields.update(dict.fromkeys(str(f) for f in rule.group_by or []))
        else:
            fields.update(dict.fromkeys(compile_rule(rule).fields or ()))
    started = time.perf_counter()
    db = duckdb.connect()
    db.execute(f"SET threads={threads}")
    files = [str(p) for p in sorted(corpus.rglob("*.json.gz"))[:max_files]]
    selects = ", ".join(f"json_extract_string(r, '$.{name}') AS \"{name}\"" for name in fields)
    db.execute(
        "CREATE TABLE logs AS SELECT " + selects + " FROM (SELECT unnest(Records) AS r FROM "
        "read_json(?, columns={'Records': 'JSON[]'}, maximum_object_size=1000000000))",
        [files],
    )
    count = db.execute("SELECT count(*) FROM logs").fetchone()[0]
    loaded_at = time.perf_counter()
    converted = failed = hits = 0
    for loaded in rules.rules:
        try:
            queries = DuckDBBackend().convert(SigmaCollection.from_yaml(loaded.path.read_text()))
        except Exception:  # count every refusal (SigmaError, NotImplementedError, ...)
            failed += 1
            continue
        for query in queries:
            try:
                hits += len(db.execute(query).fetchall())
                converted += 1
            except duckdb.Error:
                failed += 1
    finished = time.perf_counter()
    print(
        orjson.dumps(
            {
                "records": count,
                "seconds": finished - started,
                "load_seconds": loaded_at - started,
                "query_seconds": finished - loaded_at,
                "queries": converted,
                "failed": failed,
                "hits": hits,
                "columns": len(fields),
            }
        ).decode()
    )


if __name__ == "__main__":
    main()
