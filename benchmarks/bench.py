"""Run every benchmark once in its own process; report events/s and peak RSS.

Each measurement is a fresh process started with ``subprocess.Popen`` and reaped
with ``os.wait4``, whose rusage gives its wall time (measured here) and peak RSS
(``ru_maxrss``: the process or its largest waited-for child, i.e. per process, so a
worker pool reports its biggest member). Events/s = records / whole-process wall time
(start-up and rule loading included). The SQLite and DuckDB methods run on the first
``--subset`` files and are scaled linearly (stated in the output).

Usage: python benchmarks/bench.py [--corpus DIR] [--subset FILES] [--out results.json]
Build the corpus first: python benchmarks/make_corpus.py
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import orjson

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
PY = sys.executable
SIGMAQ = str(Path(PY).with_name("sigmaq"))


def measure(cmd: list[str]) -> dict[str, Any]:
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)  # this child's own rusage
        wall = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
    result: dict[str, Any] = {
        "wall": wall,
        "max_rss_mb": usage.ru_maxrss / 1024,
        "rc": proc.returncode,
        "cpu_s": usage.ru_utime + usage.ru_stime,
    }
    lines = stdout.strip().splitlines()
    if lines and lines[-1].startswith("{"):
        result.update(orjson.loads(lines[-1]))
    result["stderr_tail"] = stderr.strip().splitlines()[-2:]
    # sigmaq hunt's summary: the records it read and the findings it made
    if found := re.search(r"records read (\d+)", stderr):
        result["records"] = int(found.group(1))
    if found := re.search(r"^findings (\d+)", stderr, re.MULTILINE):
        result["findings"] = int(found.group(1))
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=Path("/tmp/sigmaq-benchmarks/corpus"))
    parser.add_argument("--subset", type=int, default=34, help="files for SQLite/DuckDB runs")
    parser.add_argument("--out", type=Path, default=Path("/tmp/sigmaq-benchmarks/results.json"))
    parser.add_argument("--only", nargs="*", help="run only these named benchmarks")
    parser.add_argument(
        "--markdown", type=Path, help="also write the results table and ratios as Markdown"
    )
    args = parser.parse_args()
    corpus = str(args.corpus)
    rules = str(REPO / "rules")
    hunt = [
        SIGMAQ,
        "hunt",
        corpus,
        "--rules",
        rules,
        "--format",
        "ndjson",
        "-o",
        "/dev/null",
        "--no-progress",
    ]
    runs: dict[str, list[str]] = {
        "parse_raw": [PY, str(HERE / "parse_only.py"), "raw", corpus],
        "parse_raw_tuned": [PY, str(HERE / "parse_only.py"), "raw", corpus, "--tuned"],
        "parse_readers": [PY, str(HERE / "parse_only.py"), "readers", corpus, "--tuned"],
        "hunt_j1": [*hunt, "-j", "1"],
        "hunt_j2": [*hunt, "-j", "2"],
        # Spark 4 local mode on both cores (pip install 'sigmaq[spark]', Java 17+)
        "hunt_spark": [*hunt, "--engine", "spark", "--spark-master", "local[2]"],
        "sqlite_subset": [PY, str(HERE / "sqlite_method.py"), corpus, str(args.subset), rules],
        "duckdb_subset": [PY, str(HERE / "duckdb_method.py"), corpus, str(args.subset), rules, "2"],
        "duckdb_full": [PY, str(HERE / "duckdb_method.py"), corpus, "100000", rules, "2"],
    }
    results: dict[str, Any] = {}
    for name, cmd in runs.items():
        if args.only and name not in args.only:
            continue
        result = measure(cmd)
        records_here = result.get("records", 0)
        result["events_per_s"] = records_here / result["wall"]
        results[name] = result
        print(
            f"{name:22s} {records_here:>9,} rec {result['wall']:8.2f} s "
            f"{result['events_per_s']:>10,.0f} ev/s {result['max_rss_mb']:8.0f} MB "
            f"rc={result['rc']} {result.get('stderr_tail', '')[-1:]}",
            flush=True,
        )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(orjson.dumps(results, option=orjson.OPT_INDENT_2))
    table = markdown(results)
    print(table)
    if args.markdown is not None:
        args.markdown.write_text(table, encoding="utf-8")


def markdown(results: dict[str, Any]) -> str:
    """The README table of one run: every measurement, then the target ratios."""
    lines = [
        "| run | records | wall s | CPU s | events/s (wall) | events/s (CPU) | peak RSS "
        "| findings |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, r in results.items():
        records = r.get("records", 0)
        findings = f"{r['findings']:,}" if "findings" in r else ""
        lines.append(
            f"| {name} | {records:,} | {r['wall']:.2f} | {r['cpu_s']:.2f} | "
            f"{records / r['wall']:,.0f} | {records / r['cpu_s']:,.0f} | "
            f"{r['max_rss_mb']:.0f} MB | {findings} |"
        )
    ratios = []
    if "hunt_j1" in results and "hunt_j2" in results:
        same = results["hunt_j1"].get("findings") == results["hunt_j2"].get("findings")
        ratios.append(f"- hunt_j1 and hunt_j2 findings: **{'equal' if same else 'DIFFERENT'}**")
    if "hunt_j1" in results and "hunt_spark" in results:
        same = results["hunt_j1"].get("findings") == results["hunt_spark"].get("findings")
        ratios.append(f"- hunt_j1 and hunt_spark findings: **{'equal' if same else 'DIFFERENT'}**")
    # against both ceilings: parse_raw_tuned gets the process tuning hunt applies
    for parse_run in ("parse_raw", "parse_raw_tuned"):
        if "hunt_j1" in results and parse_run in results:
            value = results["hunt_j1"]["events_per_s"] / results[parse_run]["events_per_s"]
            ratios.append(f"- hunt_j1 / {parse_run}: **{value:.2f}x** (target >= 0.5x)")
        if "hunt_j2" in results and parse_run in results:
            value = results["hunt_j2"]["events_per_s"] / results[parse_run]["events_per_s"]
            ratios.append(f"- hunt_j2 (2 processes) / {parse_run} (1 process): **{value:.2f}x**")
    for hunt_run in ("hunt_j1", "hunt_j2"):
        if hunt_run in results and "sqlite_subset" in results:
            value = results[hunt_run]["events_per_s"] / results["sqlite_subset"]["events_per_s"]
            ratios.append(f"- {hunt_run} / sqlite_subset: **{value:.1f}x** (target >= 5x)")
    for hunt_run in ("hunt_j1", "hunt_j2"):
        if hunt_run in results:
            rss = results[hunt_run]["max_rss_mb"]
            ratios.append(f"- {hunt_run} peak RSS: **{rss:.0f} MB** (target < 300 MB)")
    return "\n".join([*lines, "", *ratios]) + "\n"


if __name__ == "__main__":
    main()
