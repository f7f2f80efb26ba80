"""Parse-only ceilings: read every record of the corpus and do nothing else.

``raw``: gunzip (``sigmaq.replay.readers.decompress``: the codec hunt uses, ISA-L) +
``orjson.loads`` of each file, count the records (the libraries' ceiling).
``lazy2``: gunzip + pysimdjson's lazy parser (a DOM tape, no Python objects) reading two
fields of every record (eventSource, eventName): the two-field lazy ceiling, what a
reader pays when it decodes almost nothing. ``readers``:
``sigmaq.replay.readers.iter_records`` (a full decode plus shape checks, counters and an
``EventRef`` with parsed ``eventTime`` per record). ``--tuned``: with the process tuned as
``sigmaq hunt`` tunes it (``sigmaq.core.runtime``: cyclic collector and glibc malloc), so the
ceiling gets the same help the hunt gets. Prints one JSON line of results.

Usage: python benchmarks/parse_only.py raw|lazy2|readers CORPUS_DIR [--tuned]
"""

from __future__ import annotations

import contextlib
import sys
import time
from pathlib import Path
from typing import Any

import orjson

from sigmaq.core.runtime import streaming_gc, tune_malloc
from sigmaq.replay.readers import ReadStats, decompress, iter_records


def _two_fields(parser: Any, data: bytes) -> int:
    """Read eventSource and eventName of every record lazily; the parsed document is
    released on return (pysimdjson refuses to reuse a parser while it is referenced)."""
    count = 0
    for record in parser.parse(data)["Records"]:
        record.get("eventSource")
        record.get("eventName")
        count += 1
    return count


def main() -> None:
    mode, corpus = sys.argv[1], Path(sys.argv[2])
    tuned: contextlib.AbstractContextManager[None] = contextlib.nullcontext()
    if "--tuned" in sys.argv[3:]:
        tune_malloc()
        tuned = streaming_gc()
    started = time.perf_counter()
    count = 0
    with tuned:
        if mode == "raw":
            for path in sorted(corpus.rglob("*.json.gz")):
                data = orjson.loads(decompress(path.read_bytes()))
                count += len(data["Records"])
        elif mode == "lazy2":
            import simdjson

            parser = simdjson.Parser()
            for path in sorted(corpus.rglob("*.json.gz")):
                count += _two_fields(parser, decompress(path.read_bytes()))
        else:
            stats = ReadStats()
            for _record, _ref in iter_records([corpus], stats):
                count += 1
    elapsed = time.perf_counter() - started
    print(orjson.dumps({"records": count, "seconds": elapsed}).decode())


if __name__ == "__main__":
    main()
