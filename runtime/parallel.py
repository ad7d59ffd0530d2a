"""Reading chunks of inputs on every core, in input order, with a bounded number in flight.

    for reading in read_chunks(reader, chunks, workers=2, make_reader=partial(DigitReader, ..., threads=1)): ...

Where the chunks go:
  * ``workers == 1``, or a short job (fewer than ``workers * IN_FLIGHT`` chunks in all): read here, one
    chunk after the other. Starting worker processes costs about a second; a handful of images never
    repays it.
  * ``make_reader`` given and a long job: worker processes (``spawn``: no session or lock is inherited
    half-way), each with its own ``DigitReader`` on one core and one onnxruntime thread, fed tasks of up
    to ``TASK`` inputs and about ``TASK_SECONDS`` of work (sized as the run goes). The image stages hold
    Python's GIL most of the time, so this is what uses the cores. Like any code that starts processes with
    ``spawn``, the calling script needs the usual ``if __name__ == "__main__":`` guard; the ``edgedigits``
    command has it, so it turns this on.
  * otherwise: ``workers`` threads (OpenCV releases the GIL inside its calls, so large images gain some).

Worker processes that cannot start (a script without the guard, a sandbox that forbids processes) are
detected by a probe task before any input is handed over: the job is then read here instead, with a
warning. A worker that dies later (killed, out of memory, a crash in a decoder) costs nothing: a fresh pool
reads its task again, and an input that kills a worker each time it is read gets an error record
(``_next_result``). Ctrl-C in the parent stops
the workers (they ignore SIGINT themselves, so only the parent reports it).
"""

from __future__ import annotations

import contextlib
import os
from collections import deque
from itertools import chain, islice
from typing import TYPE_CHECKING, Callable, Generator, Iterable, Iterator, Protocol

from .results import Reading

if TYPE_CHECKING:  # concurrent.futures costs a cold one-image `classify` 10 ms: imported where it is used
    from concurrent.futures import Future, ProcessPoolExecutor
    from types import FrameType

    from .images import Decoding


class BatchReader(Protocol):
    """What this module needs of a reader (``DigitReader`` is one): a batch of inputs in, a Reading each out."""

    def read_batch(self, images: list) -> list[Reading]: ...


IN_FLIGHT = 2  # tasks queued per worker: enough to keep it busy, few enough to bound memory
TASK = 128  # inputs per task of a worker at most: handing a task over costs about a millisecond
TASK_SECONDS = 0.5  # ... and about this much of its time (big photos go a chunk at a time)
PROBE_TIMEOUT = 60.0  # s for the workers to start (import, load the model) before reading here instead

_worker_reader: BatchReader | None = None  # the reader of this worker process


def read_chunks(
    reader: BatchReader, chunks: Iterable[list], workers: int, make_reader: Callable[[], BatchReader] | None = None
) -> Iterator[Reading]:
    """Readings of every input of every chunk, in order (see the module docstring for where they run).

    ``make_reader``: a picklable call that builds a reader like ``reader`` in a worker process (with one
    onnxruntime thread), such as a ``functools.partial`` of ``DigitReader``; given, a long job is read in
    worker processes, otherwise in threads."""
    chunks = iter(chunks)
    head = list(islice(chunks, workers * IN_FLIGHT))
    rest = chain(head, chunks)
    if workers == 1 or len(head) < workers * IN_FLIGHT:
        for chunk in rest:
            yield from reader.read_batch(chunk)
    elif make_reader is not None:
        yield from _in_processes(reader, make_reader, rest, workers)
    else:
        yield from _in_threads(reader, rest, workers)


def _in_threads(reader: BatchReader, chunks: Iterator[list], workers: int) -> Iterator[Reading]:
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


class _TaskSize:
    """How many chunks make one task of a worker: as many as fit in about TASK_SECONDS of its time (measured
    as the run goes), at most TASK inputs. Small images go 128 at a time (a hand-over costs about a
    millisecond); big photos one chunk at a time, so results stream evenly and Ctrl-C is quick."""

    def __init__(self, chunk: int):
        self.most = max(1, TASK // chunk)
        self.seconds_per_chunk: float | None = None  # until the first task is back: one chunk per task

    def chunks(self) -> int:
        if self.seconds_per_chunk is None:
            return 1
        return max(1, min(self.most, int(TASK_SECONDS / max(self.seconds_per_chunk, 1e-6))))

    def measured(self, seconds: float, chunks: int) -> None:
        value = seconds / chunks
        previous = self.seconds_per_chunk
        self.seconds_per_chunk = value if previous is None else 0.7 * previous + 0.3 * value


def _tasks(chunks: Iterator[list], size: _TaskSize) -> Iterator[tuple[list, int]]:
    """(inputs, how many chunks they came in) for each task, sized as the run goes."""
    while group := list(islice(chunks, size.chunks())):
        yield list(chain.from_iterable(group)), len(group)


class _Task:
    """A task of a worker: its inputs, how many chunks they came in, its future (None while it is held back,
    see ``_next_result``) and whether it is being read alone, to find which input kills its worker."""

    def __init__(self, inputs: list, chunks: int, alone: bool = False):
        self.inputs, self.chunks, self.alone = inputs, chunks, alone
        self.future: Future | None = None


def _in_processes(
    reader: BatchReader, make_reader: Callable[[], BatchReader], chunks: Iterator[list], workers: int
) -> Iterator[Reading]:
    pool: ProcessPoolExecutor | _Here | None = _start_pool(make_reader, workers)
    if pool is None:
        yield from _in_threads(reader, chunks, workers)
        return
    first = next(chunks, None)
    if first is None:
        return
    size = _TaskSize(len(first))
    pending: deque[_Task] = deque()
    try:
        for inputs, count in _tasks(chain([first], chunks), size):
            task = _Task(inputs, count)
            if not any(waiting.future is None for waiting in pending):  # (none held back: hand it over)
                task.future = _submit(pool, task.inputs)
            pending.append(task)
            while len(pending) >= workers * IN_FLIGHT:
                pool = yield from _next_result(reader, make_reader, pool, pending, workers, size)
        while pending:
            pool = yield from _next_result(reader, make_reader, pool, pending, workers, size)
    finally:  # done, or stopped early (Ctrl-C, the consumer gave up): drop what has not started
        try:
            pool.shutdown(wait=True, cancel_futures=True)
        except KeyboardInterrupt:  # a second Ctrl-C while the workers finish their tasks: stop them now
            _terminate(pool)
            raise


def _terminate(pool: ProcessPoolExecutor | _Here) -> None:
    """Stop a pool's worker processes at once (SIGTERM) and let the pool go without waiting. A second Ctrl-C cut
    ``shutdown(wait=True)`` short, and the workers, which ignore SIGINT, went on waiting for work that would never
    come: the command hung at exit, joining them, and a third Ctrl-C left them running, orphaned (a fresh trial
    of the archive path: 10 of 12 double Ctrl-Cs). ``_processes`` is the executor's map of its worker processes
    (CPython's concurrent.futures.process, 3.8 to 3.13)."""
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        process.terminate()
    pool.shutdown(wait=False, cancel_futures=True)


def _submit(pool: ProcessPoolExecutor | _Here, inputs: list) -> Future:
    """``pool.submit(_read_chunk, inputs)``; when the pool broke since the last result (a worker died), a future
    that says so, which ``_next_result`` handles as it handles the pool breaking under a task."""
    from concurrent.futures import Future
    from concurrent.futures.process import BrokenProcessPool

    try:
        return pool.submit(_read_chunk, inputs)
    except BrokenProcessPool as exc:
        future: Future = Future()
        future.set_exception(exc)
        return future


def _next_result(
    reader: BatchReader,
    make_reader: Callable[[], BatchReader],
    pool: ProcessPoolExecutor | _Here,
    pending: deque[_Task],
    workers: int,
    size: _TaskSize,
) -> Generator[Reading, None, ProcessPoolExecutor | _Here]:
    """Yield the readings of the oldest task; returns the pool to go on with (a new one if it broke).

    A worker that dies (killed, out of memory, a crash in a decoder) breaks the whole pool, and every task in
    flight with it; the pool cannot tell whose input did it. So a fresh pool reads the oldest task again,
    alone, the others held back until it is done: a worker killed from outside costs nothing. A task that
    breaks the pool while alone is halved, and each half read alone in turn, down to the one input that does
    it, which gets an error record (Ray Data retries a killed task the same way: ``max_retries``)."""
    from concurrent.futures.process import BrokenProcessPool

    task = pending[0]
    assert task.future is not None, "the oldest task is always handed over"
    try:
        readings, seconds = task.future.result()
    except BrokenProcessPool:
        pool.shutdown(wait=False, cancel_futures=True)
        fresh = _start_pool(make_reader, workers)
        if fresh is None:  # no fresh pool: the suspect is lost, what was queued is read here
            pending.popleft()
            yield from _lost(
                task.inputs,
                "and no fresh one could start; read this file again on its own to see whether it is the cause",
            )
            for waiting in pending:
                yield from reader.read_batch(waiting.inputs)
            pending.clear()
            return _Here(reader)
        for waiting in pending:
            waiting.future = None
        if task.alone:  # it broke the pool by itself: narrow it down
            pending.popleft()
            if len(task.inputs) == 1:
                yield from _lost(
                    task.inputs,
                    "each time it read it, alone (a crash in its decoder, or out of "
                    "memory?); check the file: open it in an image viewer, or export it again",
                )
            else:
                half = len(task.inputs) // 2
                chunks = max(1, task.chunks // 2)  # (what a task's time is measured per: _TaskSize)
                pending.appendleft(_Task(task.inputs[half:], chunks, alone=True))
                pending.appendleft(_Task(task.inputs[:half], chunks, alone=True))
        else:
            task.alone = True
        _hand_over(fresh, pending)
        return fresh
    pending.popleft()
    size.measured(seconds, task.chunks)
    yield from readings
    _hand_over(pool, pending)
    return pool


def _hand_over(pool: ProcessPoolExecutor | _Here, pending: deque[_Task]) -> None:
    """Hand the held-back tasks to ``pool``: one alone when the oldest is suspect, else all of them."""
    if not pending or pending[0].future is not None:
        return
    if pending[0].alone:
        pending[0].future = _submit(pool, pending[0].inputs)
        return
    for task in pending:
        if task.future is None:
            task.future = _submit(pool, task.inputs)


def _lost(chunk: list, why: str) -> Iterator[Reading]:
    from .sources import SourceError

    for item in chunk:
        path = (
            item.path
            if isinstance(item, SourceError)
            else os.fspath(item)
            if isinstance(item, (str, os.PathLike))
            else None
        )
        yield Reading(
            text="",
            digits=[],
            path=path,
            error=f"the worker process reading this file stopped unexpectedly, {why}",
        )


def _start_pool(make_reader: Callable[[], BatchReader], workers: int) -> ProcessPoolExecutor | None:
    """A pool of started workers, or None (with a warning) when worker processes cannot run here."""
    import multiprocessing
    import warnings
    from concurrent.futures import ProcessPoolExecutor

    if getattr(multiprocessing.current_process(), "_inheriting", False):
        # We are a spawned worker re-running the parent's unguarded script: stop here, quietly (SystemExit
        # prints no traceback); the parent's probe notices, warns once and reads in its own process.
        raise SystemExit(1)
    from .images import decoding_settings

    pool = ProcessPoolExecutor(
        workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_start_worker,
        initargs=(make_reader, decoding_settings()),  # the parent's --max-pixels and --pdf-dpi, not the defaults
    )
    try:
        with ctrl_c_ignored():  # the workers start with Ctrl-C ignored (the first submit spawns them), so one
            # pressed while they import gives no traceback from each of them: the parent alone reports it
            probes = [pool.submit(_probe) for _ in range(workers)]
        for probe in probes:
            probe.result(timeout=PROBE_TIMEOUT)
        return pool
    except Exception as exc:  # BrokenProcessPool, a timeout, OSError from fork/exec
        pool.shutdown(wait=False, cancel_futures=True)
        warnings.warn(
            f"edgedigits: worker processes could not start ({type(exc).__name__}: {exc}); reading in this "
            'process instead. In a script, call read_many inside `if __name__ == "__main__":`.',
            RuntimeWarning,
            stacklevel=_caller_level(),
        )
        return None


@contextlib.contextmanager
def ctrl_c_ignored() -> Iterator[None]:
    """SIGINT ignored in this process for the block, in the main thread (elsewhere, as it is): for a few
    milliseconds' work that must not stop half-way (the summary of batch.read_archive), and to start the
    workers. A process started in it inherits the ignored signal through exec, and CPython installs its
    KeyboardInterrupt handler only where SIGINT is at its default (``signal`` module docs: "SIGINT is
    translated into a KeyboardInterrupt exception if the parent process has not changed it"); ``_start_worker``
    keeps it ignored."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _caller_level() -> int:
    """The ``stacklevel`` of the first frame outside this package, so a warning points at the user's line."""
    import sys

    here = os.path.dirname(os.path.abspath(__file__))
    frame: FrameType | None = sys._getframe(2)
    level = 2
    while frame is not None and os.path.dirname(os.path.abspath(frame.f_code.co_filename)) == here:
        frame, level = frame.f_back, level + 1
    return level


class _Here:
    """Stands in for a pool after worker processes failed: runs each task in this process."""

    def __init__(self, reader: BatchReader):
        self.reader = reader

    def submit(self, fn, chunk: list) -> Future:
        from concurrent.futures import Future

        future: Future = Future()
        future.set_result(_timed(self.reader, chunk))
        return future

    def shutdown(self, wait: bool = True, cancel_futures: bool = False) -> None:
        pass


def _probe() -> bool:
    return _worker_reader is not None


def _start_worker(make_reader: Callable[[], BatchReader], decoding: Decoding) -> None:
    import signal

    import cv2

    decoding.apply()  # the parent's limit (--max-pixels) and PDF resolution (--pdf-dpi), not the defaults

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    cv2.setNumThreads(1)  # one core per worker: the workers are the parallelism
    global _worker_reader
    _worker_reader = make_reader()


def _read_chunk(chunk: list) -> tuple[list[Reading], float]:
    assert _worker_reader is not None, "worker not started"
    return _timed(_worker_reader, chunk)


def _timed(reader: BatchReader, chunk: list) -> tuple[list[Reading], float]:
    """The readings of a task and the seconds it took (which size the next tasks)."""
    import time

    started = time.perf_counter()
    readings = reader.read_batch(chunk)
    return readings, time.perf_counter() - started
