"""The embeddable API: ``DigitReader`` turns images into ``Reading`` results.

    from edgedigits.runtime import DigitReader

    reader = DigitReader()                      # the shipped default model
    reading = reader.read("photo.jpg")          # a path, a NumPy array (gray/BGR/BGRA) or encoded bytes
    print(reading.text)                         # "2026"
    for digit in reading.digits:
        print(digit.value, digit.confidence, digit.box)

    for reading in reader.read_many(["a.png", "b.png"], workers=4):   # streamed, in input order
        ...

One onnxruntime session per reader, created once and shared by every thread; every digit of an image goes
through the network in one batch. A reader is thread-safe: its only state is that session.
"""

from __future__ import annotations

import os
import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Iterable, Iterator, Union

import numpy as np

from . import detect
from .images import ImageError, load_image
from .model import Model
from .sources import SourceError, iter_paths

ImageLike = Union[str, os.PathLike, bytes, bytearray, memoryview, np.ndarray]

UNCERTAIN = "?"


@dataclass(frozen=True)
class Digit:
    value: int
    confidence: float
    box: tuple[int, int, int, int]  # x, y, w, h in the image's pixels
    line: int = 0  # which text line, 0 = top
    probabilities: np.ndarray | None = field(default=None, repr=False, compare=False)

    def to_dict(self) -> dict:
        return {"digit": self.value, "confidence": round(self.confidence, 4), "box": list(self.box)}


@dataclass(frozen=True)
class Reading:
    """What was read from one input. ``error`` is set (and ``digits`` empty) when the input was unreadable."""

    text: str
    digits: list[Digit]
    path: str | None = None
    error: str | None = None
    timings_ms: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def lines(self) -> list[str]:
        return self.text.split("\n") if self.text else []

    def to_dict(self) -> dict:
        """The JSON record of DESIGN.md: ``{"path", "text", "digits": [...]}`` or ``{"path", "error"}``."""
        if self.error is not None:
            return {"path": self.path, "error": self.error}
        record = {"path": self.path} if self.path is not None else {}
        record.update({"text": self.text, "digits": [d.to_dict() for d in self.digits]})
        return record


def compose_text(digits: list[Digit], min_confidence: float) -> str:
    """Digits in reading order; a line break between text lines; ``?`` for a digit below ``min_confidence``."""
    lines: dict[int, list[str]] = {}
    for digit in digits:
        lines.setdefault(digit.line, []).append(str(digit.value) if digit.confidence >= min_confidence else UNCERTAIN)
    return "\n".join("".join(chars) for _, chars in sorted(lines.items()))


class DigitReader:
    """Reads handwritten digits from images with one shared ONNX model.

    ``model``: a shipped model's name (``edgedigits models``), a path to an ``.onnx`` file, or None for the
    default. ``min_confidence``: digits below it show as ``?`` in ``text`` (they stay in ``digits``).
    ``single``: treat every image as one digit (a crop or a drawing) instead of detecting digits in it.
    """

    def __init__(self, model: str | os.PathLike | Model | None = None, *, min_confidence: float = 0.5,
                 single: bool = False, threads: int | None = None):
        self.model = model if isinstance(model, Model) else Model(model, threads=threads)
        self.min_confidence = min_confidence
        self.single = single

    def read(self, image: ImageLike, *, path: str | None = None, single: bool | None = None) -> Reading:
        """Read one image: a file path, encoded image bytes, or a NumPy array (gray, BGR or BGRA)."""
        started = time.perf_counter()
        if isinstance(image, (str, os.PathLike)):
            path = path or os.fspath(image)
        try:
            array = image if isinstance(image, np.ndarray) else load_image(image)
        except ImageError as exc:
            return Reading(text="", digits=[], path=path, error=str(exc))
        decoded = time.perf_counter()
        batch, boxes, lines = detect.extract(array, single=self.single if single is None else single)
        extracted = time.perf_counter()
        probabilities = self.model.predict(batch)
        inferred = time.perf_counter()
        digits = [
            Digit(int(p.argmax()), float(p.max()), tuple(int(v) for v in box), line, p)
            for p, box, line in zip(probabilities, boxes, lines)
        ]
        timings = {"decode": (decoded - started) * 1e3, "extract": (extracted - decoded) * 1e3,
                   "infer": (inferred - extracted) * 1e3}
        return Reading(compose_text(digits, self.min_confidence), digits, path, None, timings)

    def read_paths(self, inputs: Iterable[str], *, recursive: bool = False,
                   workers: int | None = None) -> Iterator[Reading]:
        """Read every image named by ``inputs`` (files, folders, glob patterns), streamed in order.

        A path that cannot be listed or read yields a Reading with ``error`` set; the rest go on.
        """
        return self.read_many(iter_paths(list(inputs), recursive=recursive), workers=workers)

    def _read_item(self, item: ImageLike | SourceError) -> Reading:
        if isinstance(item, SourceError):
            return Reading(text="", digits=[], path=item.path, error=item.error)
        return self.read(item)

    def read_many(self, images: Iterable[ImageLike], workers: int | None = None) -> Iterator[Reading]:
        """Read many images on ``workers`` threads (default: all cores), yielding results in input order.

        Inputs are pulled lazily and at most a few per worker are in flight, so an endless or huge iterable
        (a folder of a million files) never sits in memory. A bad input yields a Reading with ``error`` set.
        """
        workers = max(1, workers or os.cpu_count() or 1)
        if workers == 1:
            yield from (self._read_item(image) for image in images)
            return
        window = workers * 4
        with ThreadPoolExecutor(workers, thread_name_prefix="edgedigits") as pool:
            pending: deque = deque()
            try:
                for image in images:
                    pending.append(pool.submit(self._read_item, image))
                    if len(pending) >= window:
                        yield pending.popleft().result()
                while pending:
                    yield pending.popleft().result()
            finally:  # stopped early (Ctrl-C, consumer gave up): drop what has not started
                for future in pending:
                    future.cancel()
