"""``sigmaq.hunt.workers.run_workers``: order, queued files and workers that die."""

from __future__ import annotations

import os
import signal
from collections.abc import Callable

import pytest

from sigmaq.hunt.workers import QUEUED, WorkerFailure, run_workers


def _setup() -> Callable[[str], tuple[str, int]]:
    def work(path: str) -> tuple[str, int]:
        if path.startswith("kill"):
            os.kill(os.getpid(), signal.SIGKILL)
        if path.startswith("raise"):
            raise ValueError(path)
        return path.upper(), os.getpid()

    return work


@pytest.mark.parametrize("jobs", [1, 2, 3])
def test_results_come_back_in_the_order_of_the_paths(jobs: int) -> None:
    paths = [f"file{n}" for n in range(11)]
    out = list(run_workers(paths, jobs, _setup))
    assert [path for path, _ in out] == paths
    assert [result[0] for _, result in out] == [p.upper() for p in paths]
    assert len({result[1] for _, result in out}) == min(jobs, len(paths))


@pytest.mark.parametrize("poison", ["kill-me", "raise-me"])
def test_files_queued_behind_a_dying_worker_are_read_by_its_replacement(poison: str) -> None:
    # one worker: the file after the poison one is queued on it when it dies
    assert QUEUED >= 2
    paths = ["a", "b", poison, "c", "d", "e"]
    out = dict(run_workers(paths, 1, _setup))
    assert list(out) == paths
    failure = out.pop(poison)
    assert isinstance(failure, WorkerFailure)
    assert failure.path == poison
    assert ("SIGKILL" if poison == "kill-me" else "ValueError") in failure.reason
    assert {path: result[0] for path, result in out.items()} == {p: p.upper() for p in out}
    before = {out["a"][1], out["b"][1]}
    after = {out["c"][1], out["d"][1], out["e"][1]}
    assert len(before) == 1 and len(after) == 1 and before != after  # a new process


def test_no_paths_start_no_work() -> None:
    assert list(run_workers([], 2, _setup)) == []
