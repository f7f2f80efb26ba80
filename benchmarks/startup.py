"""Fixed start-up cost of the CLI: median of N fresh processes per command, as JSON.

Commands (each run from the repository root, on the pack's ``rules/``):
  hunt_empty             sigmaq hunt EMPTY --rules rules --format ndjson -o FILE --no-progress -j 1
  hunt_empty_novalidate  the same with --no-validate (what validation adds is the difference)
  validate_rules         sigmaq validate rules --format json -o FILE (rule validators and
                         the fixture checks of the amazon_q profile)

An empty folder holds no CloudTrail file, so ``hunt_empty`` is start-up only: load the
rules, validate them, compile them, read nothing, exit (status 1: nothing was read).
Each run is its own process, reaped with ``os.wait4``: wall time around it, CPU time
(user + system) and peak RSS from its rusage. The machine may be shared: the load
average before and after is printed; compare runs made together.

Python reads the package's modules from bytecode caches when it may write them; with
``PYTHONDONTWRITEBYTECODE=1`` and an editable install they are compiled again in every
process. ``env.sigmaq_bytecode_cached`` says which case was measured.

Usage:
  python benchmarks/startup.py                 # 5 runs of each command
  python benchmarks/startup.py --runs 9 --only hunt_empty
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
SIGMAQ = str(Path(sys.executable).with_name("sigmaq"))


def commands(scratch: Path) -> dict[str, list[str]]:
    """Command name -> argv (``scratch``: an empty folder and the output files)."""
    empty = scratch / "empty"
    empty.mkdir(exist_ok=True)
    hunt = [SIGMAQ, "hunt", str(empty), "--rules", "rules", "--format", "ndjson"]
    hunt += ["-o", str(scratch / "findings.ndjson"), "--no-progress", "-j", "1"]
    return {
        "hunt_empty": hunt,
        "hunt_empty_novalidate": [*hunt, "--no-validate"],
        "validate_rules": [
            *(SIGMAQ, "validate", "rules", "--format", "json"),
            *("-o", str(scratch / "validate.json")),
        ],
    }


def run_once(argv: list[str]) -> dict[str, Any]:
    """One fresh process: wall and CPU seconds, peak RSS (MB) and exit status."""
    started = time.perf_counter()
    process = subprocess.Popen(argv, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    return {
        "wall": wall,
        "cpu": usage.ru_utime + usage.ru_stime,
        "rss_mb": usage.ru_maxrss / 1024,
        "exit": os.waitstatus_to_exitcode(status),
    }


def measure(argv: list[str], runs: int) -> dict[str, Any]:
    """Median, min and max over ``runs`` processes (after one unmeasured warm-up run
    that fills the page cache)."""
    run_once(argv)
    samples = [run_once(argv) for _ in range(runs)]
    walls = [s["wall"] for s in samples]
    cpus = [s["cpu"] for s in samples]
    return {
        "wall_median_s": round(statistics.median(walls), 3),
        "wall_min_s": round(min(walls), 3),
        "wall_max_s": round(max(walls), 3),
        "cpu_median_s": round(statistics.median(cpus), 3),
        "rss_max_mb": round(max(s["rss_mb"] for s in samples), 1),
        "exit_codes": sorted({s["exit"] for s in samples}),
    }


def environment() -> dict[str, Any]:
    """What the numbers depend on besides the code."""
    cached = any((REPO / "sigmaq" / "cli" / "__pycache__").glob("__init__.*.pyc"))
    return {
        "python": sys.version.split()[0],
        "libyaml": bool(getattr(yaml, "__with_libyaml__", False)),
        "dont_write_bytecode": bool(os.environ.get("PYTHONDONTWRITEBYTECODE")),
        "sigmaq_bytecode_cached": cached,
        "cpus": os.cpu_count(),
        "load_before": round(os.getloadavg()[0], 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="measured runs per command")
    parser.add_argument("--only", nargs="+", metavar="COMMAND", help="only these commands")
    args = parser.parse_args()
    report: dict[str, Any] = {"runs": args.runs, "env": environment(), "results": {}}
    with tempfile.TemporaryDirectory(prefix="sigmaq-startup-") as scratch:
        for name, argv in commands(Path(scratch)).items():
            if args.only and name not in args.only:
                continue
            report["results"][name] = measure(argv, args.runs)
    report["env"]["load_after"] = round(os.getloadavg()[0], 2)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
