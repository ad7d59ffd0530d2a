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
from dataclasses import dataclass
from itertools import islice
from typing import Iterable, Iterator, Sequence, Union

import numpy as np

from . import detect
from .images import ImageError, load_image
from .lines import pad_batch
from .model import LineModel, Model, shipped_line_model
from .recognize import line_digits
from .results import UNCERTAIN, Digit, Reading, compose_text  # noqa: F401  (the API's names, re-exported)
from .sources import SourceError, iter_paths

ImageLike = Union[str, os.PathLike, bytes, bytearray, memoryview, np.ndarray]

CHUNK = 16  # inputs per network pass in read_many (a worker process's task is one or more chunks)


class DigitReader:
    """Reads handwritten digits from images with one shared ONNX model (and the line model).

    ``model``: a shipped model's name (``edgedigits models``), a path to an ``.onnx`` file, or None for the
    default. ``line_model``: the line recognizer (a name or path; None: the shipped ``line`` model when
    installed; False: none, every digit-like blob is read alone by ``model``). ``min_confidence``: digits
    below it show as ``?`` in ``text`` (they stay in ``digits``). ``single``: treat every image as one digit
    (a crop or a drawing) instead of detecting digits in it. Raises ModelError for a model that cannot be
    used.
    """

    def __init__(self, model: str | os.PathLike | Model | None = None, *, min_confidence: float = 0.5,
                 single: bool = False, threads: int | None = None,
                 line_model: str | os.PathLike | LineModel | bool | None = None):
        self.model = model if isinstance(model, Model) else Model(model, threads=threads)
        if line_model is None:
            line_model = shipped_line_model() or False
        if line_model is False:
            self.line_model = None
        else:
            self.line_model = line_model if isinstance(line_model, LineModel) else LineModel(line_model, threads)
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
        """Read several images with one pass of each network over all their digits and lines, in input order.

        Faster than one ``read`` per image when the images are small: the networks' fixed cost per call is
        shared. An input that cannot be read gives a Reading with ``error`` set; the others are unaffected.
        """
        single = self.single if single is None else single
        paths = list(paths) if paths is not None else [None] * len(images)
        prepared = [self._prepare(image, path, single) for image, path in zip(images, paths)]
        found = [p.found.digits for p in prepared if p.error is None]
        text_lines = [line for p in prepared if p.error is None for line in p.found.text_lines]
        started = time.perf_counter()
        probabilities = self.model.predict(np.concatenate(found) if found else np.zeros((0, 28, 28), np.float32))
        posteriors = None
        if text_lines:
            batch, _ = pad_batch([line.fitted.tensor for line in text_lines])
            posteriors = self.line_model.predict(batch)
        infer_ms = (time.perf_counter() - started) * 1e3
        readings, offset, line_offset = [], 0, 0
        for p in prepared:
            if p.error is not None:
                readings.append(Reading(text="", digits=[], path=p.path, error=p.error))
                continue
            mine = probabilities[offset:offset + len(p.found.boxes)]
            offset += len(p.found.boxes)
            raw = None
            if p.found.text_lines:
                digits, raws = [], []
                for n, line in enumerate(p.found.text_lines):
                    line_p = posteriors[line_offset + n]
                    got, line_raw = line_digits(line, line_p, mine[line.members], p.found.boxes, len(raws))
                    if got or line_raw:
                        digits += got
                        raws.append(line_raw)
                line_offset += len(p.found.text_lines)
                raw = "\n".join(raws)
                digits = renumber_lines(digits)
            else:
                digits = [Digit(int(q.argmax()), float(q.max()), tuple(int(v) for v in box), line, q)
                          for q, box, line in zip(mine, p.found.boxes, p.found.lines)]
            timings = {"decode": p.decode_ms, "extract": p.extract_ms, "infer": infer_ms / len(prepared)}
            readings.append(Reading(compose_text(digits, self.min_confidence), digits, p.path, None, timings, raw))
        return readings

    def _prepare(self, image: ImageLike | SourceError, path: str | None, single: bool) -> _Prepared:
        """Decode and find the digits of one input (everything but the networks)."""
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
        found = detect.extract(array, single=single, lines=self.line_model is not None and not single)
        return _Prepared(path, found=found, decode_ms=(decoded - started) * 1e3,
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
    """One input between decoding and the networks."""

    path: str | None
    error: str | None = None
    found: detect.Extraction | None = None
    decode_ms: float = 0.0
    extract_ms: float = 0.0


def renumber_lines(digits: list[Digit]) -> list[Digit]:
    """Number the text lines that hold digits 0, 1, 2, ... (a line of words alone gives no digit)."""
    numbers = {line: n for n, line in enumerate(sorted({d.line for d in digits}))}
    return [d if d.line == numbers[d.line] else Digit(d.value, d.confidence, d.box, numbers[d.line], d.probabilities)
            for d in digits]


def chunked(items: Iterable, size: int) -> Iterator[list]:
    """Lists of up to ``size`` consecutive items, pulled lazily."""
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk
