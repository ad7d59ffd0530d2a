"""Requests read together: concurrent ``POST /v1/read`` requests share one ``read_batch`` call.

Each reading thread takes every image waiting (up to ``MAX_BATCH``) and reads them with one call of
``DigitReader.read_batch``: one pass of the network for all their digits, and one hand-off between the event
loop and the thread for the lot instead of one per request. A lone request is read at once, as a batch of one;
under load, batches form by themselves from what arrived while the previous one was being read.
"""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import Executor
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

    ``threads`` loops take batches from one queue and read them on ``pool`` (which must have that many
    threads). ``start()`` and ``stop()`` run in the event loop (the app's lifespan). An exception from the
    reader (a broken model) is raised to every request of its batch.
    """

    def __init__(self, reader: DigitReader, pool: Executor, threads: int):
        self.reader, self.pool, self.threads = reader, pool, threads
        self.queue: asyncio.Queue[_Job] | None = None
        self.tasks: list[asyncio.Task] = []

    def start(self) -> None:
        self.queue = asyncio.Queue()
        self.tasks = [asyncio.create_task(self._serve()) for _ in range(self.threads)]

    async def stop(self) -> None:
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)

    async def read(self, data: bytes, single: bool) -> tuple[Reading, float]:
        job = _Job(data, single, asyncio.get_running_loop().create_future())
        assert self.queue is not None, "Batcher.start() first"
        self.queue.put_nowait(job)
        return await job.future

    async def _serve(self) -> None:
        loop = asyncio.get_running_loop()
        queue = self.queue
        assert queue is not None, "Batcher.start() first"
        while True:
            batch = [await queue.get()]
            while len(batch) < MAX_BATCH and not queue.empty():
                batch.append(queue.get_nowait())
            batch = [job for job in batch if not job.future.cancelled()]  # clients that left
            if not batch:
                continue
            started = time.perf_counter()
            try:
                readings = await loop.run_in_executor(self.pool, self._read, batch)
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
