"""Worker processes for ``sigmaq hunt -j N`` that survive their workers dying.

``multiprocessing.Pool`` waits forever for the answer of a worker the kernel killed
(out of memory, a segmentation fault in an extension): the parent hangs. Here each
worker is a process with its own pipe, holding at most ``QUEUED`` files at a time (the
next path waits in its pipe, so a worker never idles while the parent reads its last
result); the parent waits on the pipes and on the processes' sentinels together
(``multiprocessing.connection.wait``), so a worker that dies wakes it at once. The file
that worker was reading is reported (``WorkerFailure``: its path and how the worker
ended), a new worker takes its place and the files queued behind it, and the other
files are still read. A worker that raises (``MemoryError`` included)
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
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from typing import Any

log = logging.getLogger(__name__)

__all__ = ["QUEUED", "WorkerFailure", "run_workers"]

QUEUED = 2
"""Files handed to a worker before its first answer: the one it reads and the next.
(Measured on 2 cores, benign corpus: with one at a time each worker waited for the parent
between files, and ``-j 2`` ran about 20 % slower than two separate processes.)"""


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
    # files sent and not answered yet, in the order the worker reads them
    tasks: deque[tuple[int, str]] = field(default_factory=deque)


def run_workers(
    paths: Iterable[str],
    jobs: int,
    setup: Callable[[], Callable[[str], Any]],
    context: Any | None = None,
) -> Iterator[tuple[str, Any | WorkerFailure]]:
    """Run ``setup()`` once in each of ``jobs`` worker processes, then the function it
    returns on every path (``QUEUED`` paths at most per worker). Yields ``(path, result)`` in
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
    returned: deque[tuple[int, str]] = deque()  # queued on a worker that died, not read
    done: dict[int, tuple[str, Any]] = {}
    next_out = 0
    workers: list[_Worker] = []

    def start() -> _Worker:
        parent_end, child_end = ctx.Pipe()
        process = ctx.Process(target=_child, args=(child_end, setup), daemon=True)
        process.start()
        child_end.close()
        return _Worker(process, parent_end)

    def assign(worker: _Worker) -> None:
        while len(worker.tasks) < QUEUED:
            task = returned.popleft() if returned else next(pending, None)
            if task is None:
                return
            worker.tasks.append(task)
            # a dead worker cannot take it: its sentinel reports it
            with contextlib.suppress(BrokenPipeError, OSError):
                worker.conn.send(task[1])

    try:
        for _ in range(max(1, jobs)):
            worker = start()
            workers.append(worker)
            assign(worker)
            if not worker.tasks:
                break
        while any(w.tasks for w in workers):
            busy = [w for w in workers if w.tasks]
            ready = wait([w.conn for w in busy] + [w.process.sentinel for w in busy])
            for worker in busy:
                index, path = worker.tasks[0]
                outcome: Any = None
                if worker.conn in ready:
                    try:
                        status, payload = worker.conn.recv()
                        outcome = payload if status == "ok" else WorkerFailure(path, payload)
                    except (EOFError, OSError):
                        outcome = None
                if outcome is None and worker.process.sentinel not in ready:
                    continue
                worker.tasks.popleft()
                if outcome is None or isinstance(outcome, WorkerFailure):
                    worker.process.join(5)
                    if outcome is None:
                        outcome = WorkerFailure(path, _describe(worker.process.exitcode))
                    log.warning("%s: %s", path, outcome.reason)
                    worker.conn.close()
                    returned.extendleft(reversed(worker.tasks))  # never started: read again
                    replacement = start()
                    workers[workers.index(worker)] = replacement
                    worker = replacement
                done[index] = (path, outcome)
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
