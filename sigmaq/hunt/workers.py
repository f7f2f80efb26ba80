"""Worker processes for ``sigmaq hunt -j N`` that survive their workers dying.

``multiprocessing.Pool`` waits forever for the answer of a worker the kernel killed
(out of memory, a segmentation fault in an extension): the parent hangs. Here each
worker is a process with its own pipe, given one file at a time; the parent waits on
the pipes and on the processes' sentinels together (``multiprocessing.connection.wait``),
so a worker that dies wakes it at once. The file that worker was reading is reported
(``WorkerFailure``: its path and how the worker ended), a new worker takes its place,
and the other files are still read. A worker that raises (``MemoryError`` included)
reports the exception for its file and is replaced too (its memory may be in a bad
state). Results are handed over in file order, so runs are reproducible.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import signal
import traceback
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any

log = logging.getLogger(__name__)

__all__ = ["WorkerFailure", "run_workers"]


@dataclass(frozen=True)
class WorkerFailure:
    """A file whose worker did not return a result: ``path`` and ``reason`` (a signal,
    an exit code or an exception, in words)."""

    path: str
    reason: str


def _describe(exitcode: int | None) -> str:
    if exitcode is None:
        return "the worker process vanished"
    if exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"signal {-exitcode}"
        hint = {
            "SIGKILL": " (killed, e.g. by the kernel's out-of-memory killer)",
            "SIGSEGV": " (segmentation fault)",
        }.get(name, "")
        return f"the worker process died of {name}{hint}"
    return f"the worker process exited with code {exitcode}"


def _serve(conn: Connection, work: Callable[[str], Any]) -> None:
    """Worker loop: read a path, answer ("ok", result) or ("error", message); None ends."""
    while True:
        try:
            path = conn.recv()
        except EOFError:
            return
        if path is None:
            return
        try:
            result = work(path)
        except MemoryError:
            conn.send(("error", "out of memory (MemoryError) while reading it"))
            os._exit(3)  # memory may be in a bad state: the parent starts a new worker
        except Exception as exc:
            detail = "".join(traceback.format_exception_only(exc)).strip()
            conn.send(("error", f"the worker raised {detail}"))
            os._exit(4)
        conn.send(("ok", result))


@dataclass
class _Worker:
    process: Any
    conn: Connection
    task: tuple[int, str] | None = None


def run_workers(
    paths: Iterable[str],
    jobs: int,
    setup: Callable[[], Callable[[str], Any]],
    context: Any | None = None,
) -> Iterator[tuple[str, Any | WorkerFailure]]:
    """Run ``setup()`` once in each of ``jobs`` worker processes, then the function it
    returns on every path (one path at a time per worker). Yields ``(path, result)`` in
    the order of ``paths``, ``result`` being a ``WorkerFailure`` for a path whose worker
    died or raised. Never blocks on a dead worker; all workers are ended on exit.

    ``context``: a ``multiprocessing`` context (default: fork where available, so
    workers inherit the parsed rules instead of unpickling them).
    """
    if context is None:
        method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
        context = multiprocessing.get_context(method)
    ctx: Any = context
    pending = iter(enumerate(paths))
    done: dict[int, tuple[str, Any]] = {}
    next_out = 0
    workers: list[_Worker] = []

    def start() -> _Worker:
        parent_end, child_end = ctx.Pipe()
        process = ctx.Process(target=_child, args=(child_end, setup), daemon=True)
        process.start()
        child_end.close()
        return _Worker(process, parent_end)

    def assign(worker: _Worker) -> bool:
        task = next(pending, None)
        if task is None:
            return False
        worker.task = task
        # a dead worker cannot take it: its sentinel reports it
        with contextlib.suppress(BrokenPipeError, OSError):
            worker.conn.send(task[1])
        return True

    try:
        for _ in range(max(1, jobs)):
            worker = start()
            workers.append(worker)
            if not assign(worker):
                break
        while any(w.task is not None for w in workers):
            busy = [w for w in workers if w.task is not None]
            ready = wait([w.conn for w in busy] + [w.process.sentinel for w in busy])
            for worker in busy:
                if worker.task is None:
                    continue
                index, path = worker.task
                outcome: Any = None
                if worker.conn in ready:
                    try:
                        status, payload = worker.conn.recv()
                        outcome = payload if status == "ok" else WorkerFailure(path, payload)
                    except (EOFError, OSError):
                        outcome = None
                if outcome is None and worker.process.sentinel not in ready:
                    continue
                if outcome is None or isinstance(outcome, WorkerFailure):
                    worker.process.join(5)
                    if outcome is None:
                        outcome = WorkerFailure(path, _describe(worker.process.exitcode))
                    log.warning("%s: %s", path, outcome.reason)
                    worker.conn.close()
                    replacement = start()
                    workers[workers.index(worker)] = replacement
                    worker = replacement
                done[index] = (path, outcome)
                worker.task = None
                assign(worker)
            while next_out in done:
                yield done.pop(next_out)
                next_out += 1
    finally:
        for worker in workers:
            with contextlib.suppress(BrokenPipeError, OSError):
                worker.conn.send(None)
            worker.conn.close()
        for worker in workers:
            worker.process.join(5)
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join()


def _child(conn: Connection, setup: Callable[[], Callable[[str], Any]]) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C
    _serve(conn, setup())
