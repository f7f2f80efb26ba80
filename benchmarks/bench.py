"""Run every benchmark once, each in its own process, on both corpora; report events/s,
CPU time and peak RSS, the ratios against the issue's targets, and whether the
findings are identical (``-j 1`` against ``-j 2``, and against a reference run).

Each measurement is a fresh process started with ``subprocess.Popen`` and reaped
with ``os.wait4``, whose rusage gives its CPU time and peak RSS (``ru_maxrss``: the
process or its largest waited-for child, i.e. per process, so a worker pool reports
its biggest member); wall time is measured around it. Events/s = records /
whole-process wall time (start-up and rule loading included). The load average is
recorded before and after every run: on a shared machine compare ratios within one
run, not absolute figures across runs.

Usage:
  python benchmarks/bench.py --markdown          # both corpora, README tables rewritten
  python benchmarks/bench.py --only hunt_j1 parse_raw_tuned --corpora issue
  python benchmarks/bench.py --save-findings DIR  # keep the hunt outputs (a reference)
  python benchmarks/bench.py --reference DIR      # compare findings with a saved run
The corpora are built first when missing (``make_corpus.py``), under /tmp.
"""

from __future__ import annotations

import argparse
import compileall
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
PY = sys.executable
SIGMAQ = str(Path(PY).with_name("sigmaq"))
README = HERE / "README.md"
START, END = "<!-- bench:results:start -->", "<!-- bench:results:end -->"

# name -> (default folder, make_corpus.py arguments, title)
CORPORA = {
    "issue": (
        Path("/tmp/sigmaq-benchmarks/corpus"),
        [],
        "The issue's corpus (invictus + fixtures, attack-dense)",
    ),
    "benign": (
        Path("/tmp/sigmaq-benchmarks/corpus_nofix"),
        ["--without-fixtures"],
        "Invictus only (`--without-fixtures`, benign)",
    ),
}
# targets of issue 16: hunt / parse_raw_tuned, per corpus, one and two processes
TARGETS = {"issue": {"hunt_j1": 1.0, "hunt_j2": 1.6}, "benign": {"hunt_j1": 1.5, "hunt_j2": 2.5}}
RSS_TARGET_MB = 300
DETAIL_KEYS = ("event_name", "principal", "source_address", "request_parameters")


def measure(cmd: list[str]) -> dict[str, Any]:
    load_before = os.getloadavg()[0]
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
        "load": (load_before, os.getloadavg()[0]),
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


def normalized_findings(path: Path) -> list[Any]:
    """The hunt's NDJSON findings without the per-event details added in issue 18, so
    that outputs of releases before and after compare."""
    findings = []
    with path.open("rb") as handle:
        for line in handle:
            finding = orjson.loads(line)
            for event in finding.get("events", []):
                for key in DETAIL_KEYS:
                    event.pop(key, None)
            findings.append(finding)
    return findings


def digest(findings: list[Any]) -> str:
    return hashlib.sha256(orjson.dumps(findings, option=orjson.OPT_SORT_KEYS)).hexdigest()[:16]


def ensure_corpus(name: str, folder: Path) -> None:
    if folder.is_dir() and any(folder.glob("*.json.gz")):
        return
    print(f"building the {name} corpus at {folder}", flush=True)
    subprocess.run(
        [PY, str(HERE / "make_corpus.py"), "--out", str(folder), *CORPORA[name][1]], check=True
    )


def runs_for(
    corpus: str, name: str, subset: int, outputs: Path, spark: bool = False
) -> dict[str, list[str]]:
    rules = str(REPO / "rules")

    def hunt(jobs: int) -> list[str]:
        out = str(outputs / f"{name}_hunt_j{jobs}.ndjson")
        return [SIGMAQ, "hunt", corpus, "--rules", rules, "--format", "ndjson", "-o", out]

    runs = {
        "parse_raw": [PY, str(HERE / "parse_only.py"), "raw", corpus],
        "parse_raw_tuned": [PY, str(HERE / "parse_only.py"), "raw", corpus, "--tuned"],
        "parse_lazy2": [PY, str(HERE / "parse_only.py"), "lazy2", corpus, "--tuned"],
        "hunt_j1": [*hunt(1), "--no-progress", "-j", "1"],
        "hunt_j2": [*hunt(2), "--no-progress", "-j", "2"],
        "sqlite_subset": [PY, str(HERE / "sqlite_method.py"), corpus, str(subset), rules],
        "duckdb_subset": [PY, str(HERE / "duckdb_method.py"), corpus, str(subset), rules, "2"],
    }
    if spark:  # Spark 4 local mode on both cores (pip install 'sigmaq[spark]', Java 17+)
        out = str(outputs / f"{name}_hunt_spark.ndjson")
        runs["hunt_spark"] = [
            *[SIGMAQ, "hunt", corpus, "--rules", rules, "--format", "ndjson", "-o", out],
            *["--no-progress", "--engine", "spark", "--spark-master", "local[2]"],
        ]
    return runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpora", nargs="*", choices=sorted(CORPORA), default=list(CORPORA))
    parser.add_argument("--corpus", type=Path, help="folder of the issue's corpus")
    parser.add_argument("--corpus-benign", type=Path, help="folder of the benign corpus")
    parser.add_argument("--subset", type=int, default=34, help="files for SQLite/DuckDB runs")
    parser.add_argument("--out", type=Path, default=Path("/tmp/sigmaq-benchmarks/results.json"))
    parser.add_argument("--only", nargs="*", help="run only these named benchmarks")
    parser.add_argument(
        "--markdown",
        nargs="?",
        const=README,
        type=Path,
        help="write the results as Markdown (default: into benchmarks/README.md)",
    )
    parser.add_argument("--spark", action="store_true", help="also run hunt --engine spark")
    parser.add_argument("--save-findings", type=Path, help="keep the hunts' NDJSON here")
    parser.add_argument("--reference", type=Path, help="compare findings with a saved run")
    args = parser.parse_args()
    precompile()
    folders = {"issue": args.corpus, "benign": args.corpus_benign}
    outputs = Path(tempfile.mkdtemp(prefix="sigmaq-bench-"))
    started = datetime.now(UTC)
    results: dict[str, dict[str, Any]] = {}
    try:
        for name in args.corpora:
            folder = folders[name] or CORPORA[name][0]
            ensure_corpus(name, folder)
            results[name] = {}
            runs = runs_for(str(folder), name, args.subset, outputs, args.spark)
            if name == "benign":
                runs.pop("duckdb_subset")
            for run, cmd in runs.items():
                if args.only and run not in args.only:
                    continue
                result = measure(cmd)
                records = result.get("records", 0)
                result["events_per_s"] = records / result["wall"]
                results[name][run] = result
                print(
                    f"{name:7s} {run:16s} {records:>9,} rec {result['wall']:7.2f} s "
                    f"{result['events_per_s']:>9,.0f} ev/s {result['max_rss_mb']:6.0f} MB "
                    f"load {result['load'][0]:.1f}->{result['load'][1]:.1f} rc={result['rc']}",
                    flush=True,
                )
        # after every measurement: a child inherits its parent's peak RSS on Linux
        # (ru_maxrss survives fork and exec), so the parent stays small while measuring
        for name in results:
            compare_findings(name, results[name], outputs, args.reference)
        if args.save_findings is not None:
            args.save_findings.mkdir(parents=True, exist_ok=True)
            for path in outputs.glob("*.ndjson"):
                shutil.copy(path, args.save_findings / path.name)
    finally:
        shutil.rmtree(outputs, ignore_errors=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(orjson.dumps(results, option=orjson.OPT_INDENT_2))
    text = markdown(results, started)
    print(text)
    if args.markdown is not None:
        write_markdown(args.markdown, text)


def precompile() -> None:
    """Write the bytecode of sigmaq's modules, as a non-editable ``pip install`` does:
    with ``PYTHONDONTWRITEBYTECODE`` set (as on this machine) an editable checkout would
    otherwise recompile every module in every measured process (about 0.07 s of an
    empty hunt's 0.55 s here). Python reads existing ``__pycache__`` files either way."""
    package = Path(__file__).resolve().parent.parent / "sigmaq"
    if not compileall.compile_dir(str(package), quiet=1):
        raise SystemExit(f"compileall failed on {package}")


def compare_findings(
    name: str, runs: dict[str, Any], outputs: Path, reference: Path | None
) -> None:
    """Digest of each hunt's findings; equal between -j 1 and -j 2, and to the
    reference run's (``--reference``) when given."""
    digests: dict[str, str] = {}
    for run in ("hunt_j1", "hunt_j2"):
        path = outputs / f"{name}_{run}.ndjson"
        if run in runs and path.exists():
            digests[run] = runs[run]["findings_digest"] = digest(normalized_findings(path))
    if reference is not None:
        saved = reference / f"{name}_hunt_j1.ndjson"
        if saved.exists():
            runs.setdefault("_checks", {})["reference"] = digest(normalized_findings(saved))
    runs.setdefault("_checks", {})["digests"] = digests


def ratio(runs: dict[str, Any], top: str, bottom: str) -> float | None:
    if top in runs and bottom in runs and runs[bottom]["events_per_s"]:
        return float(runs[top]["events_per_s"] / runs[bottom]["events_per_s"])
    return None


def cpu_ratio(runs: dict[str, Any], top: str, bottom: str) -> float:
    """``top``'s records per CPU second over ``bottom``'s."""
    first, second = runs[top], runs[bottom]
    return float(
        (first.get("records", 0) / max(first["cpu_s"], 1e-9))
        / max(second.get("records", 0) / max(second["cpu_s"], 1e-9), 1e-9)
    )


def markdown(results: dict[str, dict[str, Any]], started: datetime) -> str:
    """The README section of one run: per corpus, every measurement, then the targets."""
    loads = [r["load"] for runs in results.values() for k, r in runs.items() if k != "_checks"]
    peak = max((max(load) for load in loads), default=0.0)
    lines = [
        f"Run of {started:%Y-%m-%d %H:%M} UTC on this {os.cpu_count()}-core machine; "
        f"1-minute load average between runs up to {peak:.1f} (each run's own in the "
        "JSON). One run each; compare ratios within the run.",
        "",
    ]
    for name, runs in results.items():
        lines += [
            f"**{CORPORA[name][2]}**",
            "",
            "| run | records | wall s | CPU s | events/s (wall) | events/s (CPU) | peak RSS "
            "| findings | load |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for run, r in runs.items():
            if run == "_checks":
                continue
            records = r.get("records", 0)
            findings = f"{r['findings']:,}" if "findings" in r else ""
            lines.append(
                f"| {run} | {records:,} | {r['wall']:.2f} | {r['cpu_s']:.2f} | "
                f"{records / r['wall']:,.0f} | {records / max(r['cpu_s'], 1e-9):,.0f} | "
                f"{r['max_rss_mb']:.0f} MB | {findings} | {r['load'][0]:.1f} |"
            )
        lines += ["", *target_lines(name, runs), ""]
    return "\n".join(lines)


def target_lines(name: str, runs: dict[str, Any]) -> list[str]:
    out = []
    for run, target in TARGETS[name].items():
        value = ratio(runs, run, "parse_raw_tuned")
        if value is not None:
            verdict = "met" if value >= target else "MISSED"
            cpu = ""
            if run == "hunt_j1":  # one process each: CPU time compares even on a busy machine
                cpu = f"; on CPU time {cpu_ratio(runs, run, 'parse_raw_tuned'):.2f}x"
            out.append(
                f"- {run} / parse_raw_tuned: **{value:.2f}x** (target >= {target}x: {verdict}{cpu})"
            )
    for run in ("hunt_j1", "hunt_j2"):
        value = ratio(runs, run, "parse_lazy2")
        if value is not None:
            out.append(f"- {run} / parse_lazy2 (two-field lazy ceiling): **{value:.2f}x**")
        value = ratio(runs, run, "sqlite_subset")
        if value is not None:
            out.append(f"- {run} / sqlite_subset: **{value:.1f}x**")
        if run in runs:
            rss = runs[run]["max_rss_mb"]
            verdict = "met" if rss < RSS_TARGET_MB else "MISSED"
            out.append(
                f"- {run} peak RSS: **{rss:.0f} MB** (target < {RSS_TARGET_MB} MB: {verdict})"
            )
    checks = runs.get("_checks", {})
    digests = checks.get("digests", {})
    if len(digests) == 2:
        same = len(set(digests.values())) == 1
        out.append(
            f"- findings of hunt_j1 and hunt_j2: **{'identical' if same else 'DIFFERENT'}** "
            f"(digest {digests['hunt_j1']})"
        )
    if "reference" in checks and digests:
        same = checks["reference"] == digests.get("hunt_j1")
        out.append(
            f"- findings against the reference run: **{'identical' if same else 'DIFFERENT'}**"
        )
    return out


def write_markdown(path: Path, text: str) -> None:
    """Into ``path`` between the results markers when it has them, else the whole file."""
    if path.exists():
        current = path.read_text(encoding="utf-8")
        if START in current and END in current:
            head, rest = current.split(START, 1)
            _, tail = rest.split(END, 1)
            path.write_text(f"{head}{START}\n{text}\n{END}{tail}", encoding="utf-8")
            return
    path.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
