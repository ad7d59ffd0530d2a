"""Reading chunks of inputs on every core, in input order, with a bounded number in flight.

    for reading in read_chunks(reader, chunks, workers=2, processes=True): ...

Where the chunks go:
  * ``workers == 1``, or a short job (fewer than ``workers * IN_FLIGHT`` chunks in all): read here, one
    chunk after the other. Starting worker processes costs about a second; a handful of images never
    repays it.
  * ``processes=True`` and a long job: worker processes (``spawn``: no session or lock is inherited
    half-way), each with its own ``DigitReader`` on one core and one onnxruntime thread, fed tasks of
    ``TASK`` inputs. The image stages hold Python's GIL most of the time, so this is what uses the cores.
    Like any code that starts processes with ``spawn``, the calling script needs the usual
    ``if __name__ == "__main__":`` guard; the ``edgedigits`` command has it, so it turns this on.
  * otherwise: ``workers`` threads (OpenCV releases the GIL inside its calls, so large images gain some).

Worker processes that cannot start (a script without the guard, a sandbox that forbids processes) are
detected by a probe task before any input is handed over: the job is then read here instead, with a
warning. A worker that dies later (killed, out of memory, a crash in a decoder) costs only the inputs it
held: they get error records, a fresh pool takes over and the run goes on. Ctrl-C in the parent stops
the workers (they ignore SIGINT themselves, so only the parent reports it).
"""

from __future__ import annotations

import os
from collections import deque
from itertools import chain, islice
from typing import TYPE_CHECKING, Iterable, Iterator

if TYPE_CHECKING:  # concurrent.futures costs a cold one-image `classify` 10 ms: imported where it is used
    from concurrent.futures import Future, ProcessPoolExecutor

    from .reader import DigitReader, Reading

IN_FLIGHT = 2  # tasks queued per worker: enough to keep it busy, few enough to bound memory
TASK = 128  # inputs per task of a worker: handing a task over costs about a millisecond
PROBE_TIMEOUT = 60.0  # s for the workers to start (import, load the model) before reading here instead

_worker_reader: "DigitReader | None" = None  # the reader of this worker process


def read_chunks(reader: "DigitReader", chunks: Iterable[list], workers: int,
                processes: bool = False) -> Iterator["Reading"]:
    """Readings of every input of every chunk, in order (see the module docstring for where they run)."""
    chunks = iter(chunks)
    head = list(islice(chunks, workers * IN_FLIGHT))
    rest = chain(head, chunks)
    if workers == 1 or len(head) < workers * IN_FLIGHT:
        for chunk in rest:
            yield from reader.read_batch(chunk)
    elif processes:
        tasks = (list(chain.from_iterable(group)) for group in _groups(rest, max(1, TASK // len(head[0]))))
        yield from _in_processes(reader, tasks, workers)
    else:
        yield from _in_threads(reader, rest, workers)


def _in_threads(reader: "DigitReader", chunks: Iterator[list], workers: int) -> Iterator["Reading"]:
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(workers, thread_name_prefix="edgedigits") as pool:
        pending: deque = deque()
        try:
            for chunk in chunks:
                pending.append(pool.submit(reader.read_batch, chunk))
                if len(pending) >= workers * IN_FLIGHT:
                    yield from pending.popleft().result()
            while pending:
                yield from pending.popleft().result()
        finally:  # stopped early (Ctrl-C, the consumer gave up): drop what has not started
            for future in pending:
                future.cancel()


def _groups(chunks: Iterator[list], size: int) -> Iterator[list[list]]:
    while group := list(islice(chunks, size)):
        yield group


def _in_processes(reader: "DigitReader", chunks: Iterator[list], workers: int) -> Iterator["Reading"]:
    pool = _start_pool(reader, workers)
    if pool is None:
        yield from _in_threads(reader, chunks, workers)
        return
    pending: deque = deque()  # (future, its chunk)
    try:
        for chunk in chunks:
            pending.append((pool.submit(_read_chunk, chunk), chunk))
            while len(pending) >= workers * IN_FLIGHT:
                pool = yield from _next_result(reader, pool, pending, workers)
        while pending:
            pool = yield from _next_result(reader, pool, pending, workers)
    finally:  # done, or stopped early (Ctrl-C, the consumer gave up): drop what has not started
        pool.shutdown(wait=True, cancel_futures=True)


def _next_result(reader, pool: "ProcessPoolExecutor", pending: deque, workers: int):
    """Yield the readings of the oldest chunk; returns the pool to go on with (a new one if it broke)."""
    from concurrent.futures.process import BrokenProcessPool

    future, chunk = pending.popleft()
    try:
        readings = future.result()
    except BrokenProcessPool:
        yield from _lost(reader, chunk)
        # Every queued chunk was lost with the pool: give them to a fresh one.
        pool.shutdown(wait=False, cancel_futures=True)
        pool = _start_pool(reader, workers)
        if pool is None:  # no fresh pool: read what was queued here
            for _, waiting in pending:
                yield from reader.read_batch(waiting)
            pending.clear()
            return _Here(reader)
        for i, (_, waiting) in enumerate(pending):
            pending[i] = (pool.submit(_read_chunk, waiting), waiting)
        return pool
    yield from readings
    return pool


def _lost(reader: "DigitReader", chunk: list) -> Iterator["Reading"]:
    from .reader import Reading
    from .sources import SourceError

    for item in chunk:
        path = item.path if isinstance(item, SourceError) else os.fspath(item) if isinstance(item, (str, os.PathLike)) \
            else None
        yield Reading(text="", digits=[], path=path,
                      error="the worker process reading this file stopped unexpectedly (killed or out of memory?); "
                            "read this file again on its own to see whether it is the cause")


def _start_pool(reader: "DigitReader", workers: int) -> "ProcessPoolExecutor | None":
    """A pool of started workers, or None (with a warning) when worker processes cannot run here."""
    import multiprocessing
    import warnings
    from concurrent.futures import ProcessPoolExecutor

    if getattr(multiprocessing.current_process(), "_inheriting", False):
        # We are a spawned worker re-running the parent's unguarded script: stop here, the parent's probe
        # notices and reads in its own process.
        raise RuntimeError("edgedigits: read_many(processes=True) ran while a worker process was starting; "
                           "call it inside `if __name__ == \"__main__\":`")
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"), initializer=_start_worker,
                               initargs=(str(reader.model.path), reader.min_confidence, reader.single))
    try:
        probes = [pool.submit(_probe) for _ in range(workers)]
        for probe in probes:
            probe.result(timeout=PROBE_TIMEOUT)
        return pool
    except Exception as exc:  # BrokenProcessPool, a timeout, OSError from fork/exec
        pool.shutdown(wait=False, cancel_futures=True)
        warnings.warn(f"edgedigits: worker processes could not start ({type(exc).__name__}: {exc}); reading in this "
                      "process instead. In a script, call read_many inside `if __name__ == \"__main__\":`.",
                      RuntimeWarning, stacklevel=4)
        return None


class _Here:
    """Stands in for a pool after worker processes failed: runs each task in this process."""

    def __init__(self, reader: "DigitReader"):
        self.reader = reader

    def submit(self, fn, chunk: list) -> "Future":
        from concurrent.futures import Future

        future = Future()
        future.set_result(self.reader.read_batch(chunk))
        return future

    def shutdown(self, wait: bool = True, cancel_futures: bool = False) -> None:
        pass


def _probe() -> bool:
    return _worker_reader is not None


def _start_worker(model_path: str, min_confidence: float, single: bool) -> None:
    import signal

    import cv2

    from .reader import DigitReader

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    cv2.setNumThreads(1)  # one core per worker: the workers are the parallelism
    global _worker_reader
    _worker_reader = DigitReader(model_path, min_confidence=min_confidence, single=single, threads=1)


def _read_chunk(chunk: list) -> list["Reading"]:
    assert _worker_reader is not None, "worker not started"
    return _worker_reader.read_batch(chunk)
