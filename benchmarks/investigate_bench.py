"""``sigmaq investigate`` on the benchmark corpus: speed and peak memory as the archive grows.

Runs ``sigmaq investigate`` (JSON only) over the first 25 %, 50 % and 100 % of the
corpus files (``make_corpus.py``), and ``sigmaq hunt -j 1`` over the whole corpus for
comparison, each as its own process reaped with ``os.wait4``: wall time around it, CPU
time and peak RSS (``ru_maxrss``) from its rusage. The corpus replicates the same
principals and resources 200 times, so a report whose memory is bounded by principals
and resources keeps its own state flat while records grow; what still grows is the
replay engine's correlation state (its base-rule matches, hunt's bound) and the eventID
set that de-duplicates single-event findings. Prints a Markdown table; with ``--json``
also writes every measurement.

Usage: python benchmarks/investigate_bench.py [--corpus DIR] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
SIGMAQ = Path(sys.executable).parent / "sigmaq"


def measure(command: list[str]) -> dict[str, float]:
    """Wall seconds, CPU seconds (user + system) and peak RSS (MB) of one process."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert process.stderr is not None
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    stderr = process.stderr.read().decode(errors="replace")
    process.stderr.close()
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        raise SystemExit(f"{' '.join(command)} exited {code}:\n{stderr[-2000:]}")
    return {
        "wall": wall,
        "cpu": usage.ru_utime + usage.ru_stime,
        "peak_mb": usage.ru_maxrss / 1024,
    }


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=Path("/tmp/sigmaq-benchmarks/corpus"))
    parser.add_argument("--json", type=Path)
    parser.add_argument("--fractions", type=float, nargs="*", default=[0.25, 0.5, 1.0])
    parser.add_argument("--no-hunt", action="store_true", help="skip the hunt -j 1 comparison")
    args = parser.parse_args()
    files = sorted(p for p in args.corpus.glob("*.json.gz"))
    if not files:
        raise SystemExit(f"no corpus under {args.corpus}: run benchmarks/make_corpus.py")
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="sigmaq-investigate-bench-") as scratch:
        for fraction in args.fractions:
            chosen = files[: max(1, round(len(files) * fraction))]
            out = Path(scratch) / f"report-{fraction}"
            load = load_average()
            options = ["-o", str(out), "--format", "json", "--no-progress", "--rules", "rules"]
            result = measure([str(SIGMAQ), "investigate", *map(str, chosen), *options])
            report = json.loads((out / "report.json").read_text())
            run = report["run"]
            rows.append(
                {
                    "run": f"investigate {len(chosen)} files",
                    "records": run["records_read"],
                    "findings": report["findings_total"],
                    "principals": report["principals_total"],
                    "resources": report["resources_total"],
                    "report_mb": (out / "report.json").stat().st_size / 1e6,
                    "load_before": load,
                    **result,
                }
            )
        if not args.no_hunt:
            load = load_average()
            options = ["--rules", "rules", "--format", "ndjson", "-o", os.devnull, "--no-progress"]
            result = measure([str(SIGMAQ), "hunt", *map(str, files), *options, "-j", "1"])
            rows.append({"run": f"hunt -j 1, {len(files)} files", "load_before": load, **result})
    columns = [
        "run",
        "records",
        "wall s",
        "CPU s",
        "events/s (CPU)",
        "peak RSS MB",
        "findings",
        "principals",
        "resources",
        "load before",
    ]
    print("| " + " | ".join(columns) + " |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    records = max((r.get("records", 0) for r in rows), default=0)
    for row in rows:
        count = row.get("records", records)
        print(
            f"| {row['run']} | {count:,} | {row['wall']:.1f} | {row['cpu']:.1f} | "
            f"{count / row['cpu']:,.0f} | {row['peak_mb']:.0f} | {row.get('findings', '')} | "
            f"{row.get('principals', '')} | {row.get('resources', '')} | {row['load_before']} |"
        )
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
