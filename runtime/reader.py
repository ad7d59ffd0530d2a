"""The embeddable API: ``DigitReader`` turns images into ``Reading`` results.

    from edgedigits.runtime import DigitReader

    reader = DigitReader()                      # the shipped default model
    reading = reader.read("photo.jpg")          # a path, a NumPy array (gray/BGR/BGRA) or encoded bytes
    print(reading.text)                         # "2026"
    for digit in reading.digits:
        print(digit.value, digit.confidence, digit.box)

    for reading in reader.read_many(["a.png", "b.png"], workers=2):   # streamed, in input order
        ...

One onnxruntime session per reader, created once and shared by every thread; every digit of an image (and,
in ``read_batch`` and ``read_many``, of a chunk of images) goes through the network in one batch. A reader
is thread-safe: its only state is that session. ``read_many(..., processes=True)`` reads long runs of inputs
in worker processes (see parallel.py), each with its own session.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from itertools import islice
from typing import Iterable, Iterator, Sequence, Union

import numpy as np

from . import detect
from .images import ImageError, load_image
from .model import Model
from .sources import SourceError, iter_paths

ImageLike = Union[str, os.PathLike, bytes, bytearray, memoryview, np.ndarray]

UNCERTAIN = "?"
CHUNK = 16  # inputs per network pass in read_many (a worker process's task is one or more chunks)


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
        """Read one image: a file path, encoded image bytes, or a NumPy uint8 array [H, W] (gray), [H, W, 3]
        (BGR) or [H, W, 4] (BGRA). Boxes are in the pixels of the image as displayed (EXIF orientation applied).

        Raises ImageError (a ValueError) when the input cannot be read: a missing or unreadable file, bytes
        that are no image, an image above the pixel limit. Its message names the input and says what to do.
        The streaming calls (``read_batch``, ``read_many``, ``read_paths``) never raise for a bad input: it
        becomes a Reading with ``error`` set, so one bad file never stops a batch.
        """
        reading = self.read_batch([image], single=single, paths=[path])[0]
        if reading.error is not None:
            raise ImageError(f"{reading.path or 'image bytes'}: {reading.error}")
        return reading

    def read_batch(self, images: Sequence[ImageLike | SourceError], *, single: bool | None = None,
                   paths: Sequence[str | None] | None = None) -> list[Reading]:
        """Read several images with one pass of the network over all their digits, in input order.

        Faster than one ``read`` per image when the images are small: the network's fixed cost per call is
        shared. An input that cannot be read gives a Reading with ``error`` set; the others are unaffected.
        """
        single = self.single if single is None else single
        paths = list(paths) if paths is not None else [None] * len(images)
        prepared = [self._prepare(image, path, single) for image, path in zip(images, paths)]
        found = [p.digits for p in prepared if p.error is None]
        started = time.perf_counter()
        probabilities = self.model.predict(np.concatenate(found) if found else np.zeros((0, 28, 28), np.float32))
        infer_ms = (time.perf_counter() - started) * 1e3
        readings, offset = [], 0
        for p in prepared:
            if p.error is not None:
                readings.append(Reading(text="", digits=[], path=p.path, error=p.error))
                continue
            mine = probabilities[offset:offset + len(p.boxes)]
            offset += len(p.boxes)
            digits = [Digit(int(q.argmax()), float(q.max()), tuple(int(v) for v in box), line, q)
                      for q, box, line in zip(mine, p.boxes, p.lines)]
            timings = {"decode": p.decode_ms, "extract": p.extract_ms, "infer": infer_ms / len(prepared)}
            readings.append(Reading(compose_text(digits, self.min_confidence), digits, p.path, None, timings))
        return readings

    def _prepare(self, image: ImageLike | SourceError, path: str | None, single: bool) -> _Prepared:
        """Decode and find the digits of one input (everything but the network)."""
        if isinstance(image, SourceError):
            return _Prepared(image.path, error=image.error)
        if isinstance(image, (str, os.PathLike)):
            path = path or os.fspath(image)
        started = time.perf_counter()
        try:
            array = image if isinstance(image, np.ndarray) else load_image(image)
        except ImageError as exc:
            return _Prepared(path, error=str(exc))
        decoded = time.perf_counter()
        digits, boxes, lines = detect.extract(array, single=single)
        return _Prepared(path, digits=digits, boxes=boxes, lines=lines, decode_ms=(decoded - started) * 1e3,
                         extract_ms=(time.perf_counter() - decoded) * 1e3)

    def read_paths(self, inputs: Iterable[str], *, recursive: bool = False, workers: int | None = None,
                   processes: bool = False) -> Iterator[Reading]:
        """Read every image named by ``inputs`` (files, folders, glob patterns), streamed in order.

        A path that cannot be listed or read yields a Reading with ``error`` set; the rest go on.
        ``workers`` and ``processes``: as in ``read_many``.
        """
        return self.read_many(iter_paths(list(inputs), recursive=recursive), workers=workers, processes=processes)

    def read_many(self, images: Iterable[ImageLike | SourceError], workers: int | None = None, *,
                  processes: bool = False) -> Iterator[Reading]:
        """Read many images on ``workers`` threads or processes (default: all cores), in input order.

        Inputs go in chunks of 16, each read with one pass of the network. ``processes=True`` reads a long
        run in worker processes, each with its own session: the image stages hold Python's GIL most of the
        time, so only processes use every core (about 2x on 2 cores). Like any multiprocessing code, call
        it under ``if __name__ == "__main__":`` in a script. A short run (or ``workers=1``) is read here.
        Inputs are pulled lazily and only a few chunks are in flight, so an endless or huge iterable (a
        folder of a million files) never sits in memory. A bad input yields a Reading with ``error`` set;
        the rest go on. See parallel.py.
        """
        from .parallel import read_chunks

        workers = max(1, workers or os.cpu_count() or 1)
        yield from read_chunks(self, chunked(images, CHUNK), workers, processes)


@dataclass
class _Prepared:
    """One input between decoding and the network."""

    path: str | None
    error: str | None = None
    digits: np.ndarray | None = None
    boxes: list = field(default_factory=list)
    lines: list = field(default_factory=list)
    decode_ms: float = 0.0
    extract_ms: float = 0.0


def chunked(items: Iterable, size: int) -> Iterator[list]:
    """Lists of up to ``size`` consecutive items, pulled lazily."""
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk
