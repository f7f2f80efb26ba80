"""Parse-only ceilings: read every record of the corpus and do nothing else.

``raw``: gunzip (``sigmaq.replay.readers.decompress``: the codec hunt uses, ISA-L) +
``orjson.loads`` of each file, count the records (the libraries' ceiling).
``readers``: ``sigmaq.replay.readers.iter_records`` (the same, plus shape checks,
counters and an ``EventRef`` with parsed ``eventTime`` per record), i.e. what
``sigmaq hunt`` does before any rule runs. ``--tuned``: with the process tuned as
``sigmaq hunt`` tunes it (``sigmaq.core.runtime``: cyclic collector and glibc malloc), so the
ceiling gets the same help the hunt gets. Prints one JSON line of results.

Usage: python benchmarks/parse_only.py raw|readers CORPUS_DIR [--tuned]
"""

from __future__ import annotations

import contextlib
import sys
import time
from pathlib import Path

import orjson

from sigmaq.core.runtime import streaming_gc, tune_malloc
from sigmaq.replay.readers import ReadStats, decompress, iter_records


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
        else:
            stats = ReadStats()
            for _record, _ref in iter_records([corpus], stats):
                count += 1
    elapsed = time.perf_counter() - started
    print(orjson.dumps({"records": count, "seconds": elapsed}).decode())


if __name__ == "__main__":
    main()
