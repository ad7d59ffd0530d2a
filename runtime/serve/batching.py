"""Requests read together: concurrent ``POST /v1/read`` requests share one ``read_batch`` call.

Each reading thread takes every image waiting (up to ``MAX_BATCH``) and reads them with one call of
``DigitReader.read_batch``: one pass of the network for all their digits, and one hand-off between the event
loop and the thread for the lot instead of one per request. A lone request is read at once, as a batch of one;
under load, batches form by themselves from what arrived while the previous one was being read.
"""

from __future__ import annotations

import asyncio
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from ..reader import DigitReader, Reading

MAX_BATCH = 16  # the reader's own chunk size (reader.CHUNK): a network pass of up to ~100 digits


@dataclass
class _Job:
    data: bytes
    single: bool
    future: asyncio.Future
    submitted: float = field(default_factory=time.perf_counter)


class Batcher:
    """``await batcher.read(data, single)`` -> (Reading, ms the image waited for its batch to start).

    ``threads`` loops (asyncio tasks) take batches from one queue and read them on the batcher's pool of as many
    reading threads (``pool()``, which ``/v1/read/batch`` shares). Nothing runs until it is needed: ``start()``
    starts the loops in the running event loop, and ``read()`` calls it, so the app reads without its lifespan
    (mounted in another app, or ``lifespan="off"``). ``stop()`` (the lifespan's shutdown, when it runs) ends the
    loops and the pool; without it, the loops end with their event loop and the pool's idle threads with the
    interpreter. An exception from the reader (a broken model) is raised to every request of its batch.
    """

    def __init__(self, reader: DigitReader, threads: int):
        self.reader, self.threads = reader, threads
        self.loop: asyncio.AbstractEventLoop | None = None  # where the loops run
        self.queue: asyncio.Queue[_Job] | None = None
        self.tasks: list[asyncio.Task] = []
        self._pool: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()  # an app served by event loops on two threads starts things once

    def pool(self) -> ThreadPoolExecutor:
        """The reading threads (started on first use; again after ``stop()``)."""
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self.threads, thread_name_prefix="edgedigits-read")
                self._pool.submit(int)  # its first thread starts now, not in the first read
            return self._pool

    def start(self) -> asyncio.Queue[_Job] | None:
        """Make sure the reading loops run in the running event loop: start them unless they already run there
        (one call or many, from any number of requests). An event loop that no longer runs took its loops with
        it: they start again in this one (a test client's loop per request). Returns their queue; None, starting
        nothing, while they run in another event loop that is still running (the app served on two threads at
        once): ``read()`` then reads its image alone."""
        loop = asyncio.get_running_loop()
        with self._lock:
            if self.loop is not loop:
                if self.loop is not None and self.loop.is_running():
                    return None
                self.loop, self.queue, self.tasks = loop, asyncio.Queue(), []
            queue = self.queue
            assert queue is not None
            self.tasks = [task for task in self.tasks if not task.done()]  # none ends but by stop(), or a BaseException
            self.tasks += [loop.create_task(self._serve(queue)) for _ in range(self.threads - len(self.tasks))]
        self.pool()
        return queue

    async def stop(self) -> None:
        """End the reading loops (when they run in this event loop) and shut the pool down; a later ``read()``
        starts them again."""
        with self._lock:
            tasks = self.tasks if self.loop is asyncio.get_running_loop() else []
            pool, self._pool = self._pool, None
            self.loop, self.queue, self.tasks = None, None, []
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)

    async def read(self, data: bytes, single: bool) -> tuple[Reading, float]:
        loop = asyncio.get_running_loop()
        job = _Job(data, single, loop.create_future())
        queue = self.start()
        if queue is None:
            started = time.perf_counter()
            reading = (await loop.run_in_executor(self.pool(), self._read, [job]))[0]
            return reading, (started - job.submitted) * 1e3
        queue.put_nowait(job)
        return await job.future

    async def _serve(self, queue: asyncio.Queue[_Job]) -> None:
        loop = asyncio.get_running_loop()
        while True:
            batch = [await queue.get()]
            while len(batch) < MAX_BATCH and not queue.empty():
                batch.append(queue.get_nowait())
            batch = [job for job in batch if not job.future.cancelled()]  # clients that left
            if not batch:
                continue
            started = time.perf_counter()
            try:
                readings = await loop.run_in_executor(self.pool(), self._read, batch)
            except Exception as exc:  # noqa: BLE001 - handed to each request, whose handler answers 500
                for job in batch:
                    if not job.future.done():
                        job.future.set_exception(exc)
                continue
            for job, reading in zip(batch, readings):
                if not job.future.done():
                    job.future.set_result((reading, (started - job.submitted) * 1e3))

    def _read(self, batch: list[_Job]) -> list[Reading]:
        """On a reading thread: the batch's images in order, one ``read_batch`` per value of ``single``."""
        readings: dict[int, Reading] = {}
        for single in (False, True):
            indices = [i for i, job in enumerate(batch) if job.single == single]
            if indices:
                for i, reading in zip(indices, self.reader.read_batch([batch[i].data for i in indices], single=single)):
                    readings[i] = reading
        return [readings[i] for i in range(len(batch))]
