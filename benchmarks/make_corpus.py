"""Build the benchmark corpus: >= 1,000,000 CloudTrail records as ``.json.gz`` delivery files.

Source records: the invictus-ir dataset (``../shared/data/external/invictus-ir-aws_dataset``)
plus every record of the pack's ``fixtures/`` (baseline included). They are replicated;
replica ``k`` is shifted ``k`` days later and gets unique eventIDs (UUIDs, as CloudTrail
writes them), so correlations see distinct, non-overlapping copies. Files hold 3,000
records each (like busy S3 delivery files) and are written under ``OUT`` (default
``/tmp/sigmaq-benchmarks/corpus``), never into the repository. Deterministic: the same
inputs give the same corpus.

Usage: python benchmarks/make_corpus.py [--records 1000000] [--out DIR] [--without-fixtures]

The default corpus is the issue's: invictus plus every fixture record, replicated alike.
The pack's fixtures are attack scenarios (bursts of Amazon Q calls for the correlations),
so they make up about 42 % of it and most of its findings; ``--without-fixtures`` builds
the contrasting archive with no Amazon Q activity at all.
"""

from __future__ import annotations

import argparse
import gzip
import shutil
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import orjson

from sigmaq.replay.readers import ReadStats, iter_records, parse_event_time

REPO = Path(__file__).resolve().parents[1]
INVICTUS = REPO.parent / "shared" / "data" / "external" / "invictus-ir-aws_dataset" / "CloudTrail"
PER_FILE = 3000


def source_records(with_fixtures: bool = True) -> list[dict[str, Any]]:
    stats = ReadStats()
    sources = [INVICTUS, REPO / "fixtures"] if with_fixtures else [INVICTUS]
    records = [rec for rec, _ in iter_records(sources, stats)]
    if not records:
        raise SystemExit(f"no source records found under {INVICTUS} or fixtures/")
    return records


_ID_NAMESPACE = uuid.UUID("5d1e6a0c-6f4b-4b8e-9a57-2f3b1c9d7e10")


def retime(record: dict[str, Any], replica: int, index: int) -> dict[str, Any]:
    copy = dict(record)
    moment = parse_event_time(record.get("eventTime"))
    if moment is not None:
        shifted = moment + timedelta(days=replica)
        copy["eventTime"] = shifted.strftime("%Y-%m-%dT%H:%M:%SZ")
    # A UUID, as CloudTrail writes eventIDs, unique per copy and deterministic.
    copy["eventID"] = str(uuid.uuid5(_ID_NAMESPACE, f"{replica}:{index}"))
    return copy


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--out", type=Path, default=Path("/tmp/sigmaq-benchmarks/corpus"))
    parser.add_argument(
        "--without-fixtures",
        action="store_true",
        help="replicate the invictus records only (an archive with no Amazon Q attack in it)",
    )
    args = parser.parse_args()
    base = source_records(with_fixtures=not args.without_fixtures)
    if args.out.exists():
        shutil.rmtree(args.out)
    args.out.mkdir(parents=True)
    batch: list[dict[str, Any]] = []
    written = files = 0
    replica = 0
    while written < args.records:
        for index, record in enumerate(base):
            if written >= args.records:
                break
            batch.append(retime(record, replica, index))
            written += 1
            if len(batch) == PER_FILE:
                files += 1
                name = args.out / f"123456789012_CloudTrail_us-east-1_{files:05d}.json.gz"
                name.write_bytes(gzip.compress(orjson.dumps({"Records": batch}), 6))
                batch = []
        replica += 1
    if batch:
        files += 1
        name = args.out / f"123456789012_CloudTrail_us-east-1_{files:05d}.json.gz"
        name.write_bytes(gzip.compress(orjson.dumps({"Records": batch}), 6))
    size = sum(p.stat().st_size for p in args.out.iterdir())
    print(
        f"{written} records from {len(base)} sources x {replica} replicas in {files} files, "
        f"{size / 1e6:.0f} MB compressed, at {args.out}"
    )


if __name__ == "__main__":
    main()
