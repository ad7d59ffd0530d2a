"""Reading chunks of inputs on every core, in input order, with a bounded number in flight.

    for reading in read_chunks(reader, chunks, workers=2): ...

Where the chunks go:
  * ``workers == 1``, or a short job (fewer than ``workers * 2`` chunks in all): read here, one chunk after
    the other. Starting worker processes costs about half a second; a handful of images never repays it.
  * a long job: worker processes (``spawn``: no session or lock is inherited half-way), each with its own
    ``DigitReader`` on one core and one onnxruntime thread. Threads would not help: the image stages hold
    Python's GIL about 70% of the time (benchmarks/folder_designs.py measured no gain from a second thread).

A worker that dies (killed, out of memory, a crash in a decoder) costs only the chunks it held: their inputs
get error records, a fresh pool takes over and the run goes on. Ctrl-C in the parent stops the workers
(they ignore SIGINT themselves, so only the parent reports it).
"""

from __future__ import annotations

import os
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from itertools import chain, islice
from typing import TYPE_CHECKING, Iterable, Iterator

if TYPE_CHECKING:
    from .reader import DigitReader, Reading

IN_FLIGHT = 2  # chunks queued per worker: enough to keep it busy, few enough to bound memory

_worker_reader: "DigitReader | None" = None  # the reader of this worker process


def read_chunks(reader: "DigitReader", chunks: Iterable[list], workers: int) -> Iterator["Reading"]:
    """Readings of every input of every chunk, in order (see the module docstring for where they run)."""
    chunks = iter(chunks)
    head = list(islice(chunks, workers * IN_FLIGHT))
    if workers == 1 or len(head) < workers * IN_FLIGHT:
        for chunk in chain(head, chunks):
            yield from reader.read_batch(chunk)
        return
    yield from _in_processes(reader, chain(head, chunks), workers)


def _in_processes(reader: "DigitReader", chunks: Iterator[list], workers: int) -> Iterator["Reading"]:
    pool = _start_pool(reader, workers)
    pending: deque[tuple[Future, list]] = deque()
    try:
        for chunk in chunks:
            pending.append((pool.submit(_read_chunk, chunk), chunk))
            while len(pending) >= workers * IN_FLIGHT:
                pool = yield from _next_result(reader, pool, pending, workers)
        while pending:
            pool = yield from _next_result(reader, pool, pending, workers)
    finally:  # done, or stopped early (Ctrl-C, the consumer gave up): drop what has not started
        pool.shutdown(wait=True, cancel_futures=True)


def _next_result(reader, pool: ProcessPoolExecutor, pending: deque, workers: int):
    """Yield the readings of the oldest chunk; returns the pool to go on with (a new one if it broke)."""
    future, chunk = pending.popleft()
    try:
        readings = future.result()
    except BrokenProcessPool:
        yield from _lost(reader, chunk)
        # Every queued chunk was lost with the pool: give them to a fresh one.
        pool.shutdown(wait=False, cancel_futures=True)
        pool = _start_pool(reader, workers)
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


def _start_pool(reader: "DigitReader", workers: int) -> ProcessPoolExecutor:
    import multiprocessing

    return ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"), initializer=_start_worker,
                               initargs=(str(reader.model.path), reader.min_confidence, reader.single))


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
