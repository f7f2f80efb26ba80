"""The Zircolite approach: records flattened into SQLite, pySigma SQLite backend queries.

As Zircolite does: every record is flattened to dotted column names (lists and nested
lists stored as JSON text), all columns ``TEXT COLLATE NOCASE``, rows inserted into one
table ``logs`` (plus ``timestamp`` = eventTime for correlations), a Python ``REGEXP``
function registered, then each rule of the pack converted by pysigma-backend-sqlite
(a fresh collection per rule) and run. Rules the backend refuses are counted. Times
reported: load (read+flatten+insert) and query. Prints one JSON line.

Usage: python benchmarks/sqlite_method.py CORPUS_DIR MAX_FILES RULES_DIR
"""

from __future__ import annotations

import re
import sqlite3
import sys
import time
from pathlib import Path
from typing import Any

import orjson


def flatten(value: Any, prefix: str, out: dict[str, Any]) -> None:
    if isinstance(value, dict):
        for key, inner in value.items():
            flatten(inner, f"{prefix}.{key}" if prefix else str(key), out)
    elif isinstance(value, list):
        out[prefix] = orjson.dumps(value).decode()
    elif isinstance(value, bool):
        out[prefix] = "true" if value else "false"
    else:
        out[prefix] = value


def main() -> None:
    corpus, max_files, rules_dir = Path(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3])
    from sigma.backends.sqlite import sqliteBackend
    from sigma.collection import SigmaCollection

    from sigmaq.core.loader import load_rules
    from sigmaq.replay.readers import ReadStats, iter_records

    started = time.perf_counter()
    db = sqlite3.connect(":memory:")
    db.create_function(
        "regexp",
        2,
        lambda pattern, value: value is not None and re.search(pattern, str(value)) is not None,
    )
    columns: dict[str, None] = {"timestamp": None}
    db.execute('CREATE TABLE logs ("timestamp" TEXT COLLATE NOCASE)')
    files = sorted(corpus.rglob("*.json.gz"))[:max_files]
    count = 0
    for path in files:
        rows = []
        for record, _ref in iter_records([path], ReadStats()):
            flat: dict[str, Any] = {}
            flatten(record, "", flat)
            flat["timestamp"] = record.get("eventTime")
            rows.append(flat)
            for key in flat:
                if key.lower() not in columns:  # SQLite column names ignore case
                    columns[key.lower()] = None
                    db.execute(f'ALTER TABLE logs ADD COLUMN "{key}" TEXT COLLATE NOCASE')
        for flat in rows:
            keys = list(flat)
            names = ",".join(f'"{k}"' for k in keys)
            sql = f"INSERT INTO logs ({names}) VALUES ({','.join('?' * len(keys))})"
            db.execute(
                sql,
                [flat[k] if not isinstance(flat[k], (dict, list)) else str(flat[k]) for k in keys],
            )
        count += len(rows)
    db.commit()
    loaded_at = time.perf_counter()
    rules = load_rules([rules_dir])
    converted = failed = hits = 0
    for loaded in rules.rules:
        text = loaded.path.read_text()
        try:
            collection = SigmaCollection.from_yaml(text)
            queries = sqliteBackend().convert(collection)
        except Exception:  # count every refusal (SigmaError, NotImplementedError, ...)
            failed += 1
            continue
        for query in queries:
            while True:
                try:
                    hits += len(db.execute(query).fetchall())
                    converted += 1
                    break
                except sqlite3.OperationalError as err:
                    match = re.match(r"no such column: (.+)", str(err))
                    if not match:
                        failed += 1
                        break
                    name = match.group(1).strip('`"')
                    columns[name.lower()] = None
                    db.execute(f'ALTER TABLE logs ADD COLUMN "{name}" TEXT COLLATE NOCASE')
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
                "columns": len(columns),
            }
        ).decode()
    )


if __name__ == "__main__":
    main()
