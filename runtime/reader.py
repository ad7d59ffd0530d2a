"""The embeddable API: ``DigitReader`` turns images into ``Reading`` results.

    from edgedigits.runtime import DigitReader

    reader = DigitReader()                      # the shipped default model
    reading = reader.read("photo.jpg")          # a path, a NumPy array (gray/BGR/BGRA) or encoded bytes
    print(reading.text)                         # "2026"
    for digit in reading.digits:
        print(digit.value, digit.confidence, digit.box)

    for reading in reader.read_many(["a.png", "b.png"], workers=2):   # streamed, in input order
        ...

One onnxruntime session per model (the digit model's opened with the reader, the line and orientation models'
with the first text line read), each created once and shared by every thread; every digit of an image (and,
in ``read_batch`` and ``read_many``, of a chunk of images) goes through each network in one batch. A reader
is thread-safe: reading changes none of its settings (the sessions opened with the first text line are opened
under a lock; a thread that sets ``min_confidence`` or ``single`` changes them for every thread:
``Reading.with_min_confidence`` is the per-call way). ``read_many(..., processes=True)``
reads long runs of inputs in worker processes (see parallel.py), each with its own sessions.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, replace
from itertools import islice
from pathlib import Path
from typing import Generator, Iterable, Iterator, Literal, NamedTuple, Sequence, Union, cast

import numpy as np

from . import detect, small_digits
from .config import DEFAULT, DEFAULT_READ, DetectConfig, ReadConfig
from .images import FOLDER_ERROR, ImageError, Pages, check_array, load_image, load_pages
from .ink import to_gray
from .lines import GLANCE_WIDTH, STRIDE, Char, ctc_greedy, fit_line, pad_batch, pad_to_width, rows
from .model import (
    DigitOrientationModel,
    LazyModel,
    LineModel,
    Model,
    ModelError,
    OnnxModel,
    OrientationModel,
    check_count,
    not_a_digit_model,
    resolve_model,
    shipped_digit_orientation_model,
    shipped_line_model,
    shipped_orientation_model,
    shipped_pencil_model,
)
from .orientation import page_log_odds, turned_180
from .recognize import (
    WORD,
    axis_vote,
    digit_count,
    digit_turn_gain,
    drop_stray_marks,
    keep_axis_turn,
    keep_column_turn,
    keep_turned,
    keep_voted_turn,
    line_digits,
    may_lie_turned,
    median_aspect,
    page_chars,
    peak_score,
    quarter_turn_search,
    quarter_turned_lines,
    sideways,
    turn_vote,
    turned_over,
    upright_lead,
)
from .results import (  # noqa: F401  (the API's names, re-exported)
    UNCERTAIN,
    Digit,
    Reading,
    check_fraction,
    compose_text,
    int_box,
    join_pages,
)
from .sources import SourceError, iter_paths

ImageLike = Union[str, os.PathLike, bytes, bytearray, memoryview, np.ndarray]

CHUNK = 16  # inputs per network pass in read_many (a worker process's task is one or more chunks)


def check_model_argument(name: str, value: object, kind: type, default: str, *, none: str | None = None) -> None:
    """Raise TypeError naming the argument ``name`` and what it accepts unless ``value`` is a model's name or
    path (str, os.PathLike), a ``kind`` object, None (``default``), or False when ``none`` says what that means
    (``DigitReader(line_model=True)`` said only "expected str, bytes or os.PathLike object, not bool"). For a digit
    model (``kind`` Model), another model's session (a line model's as ``model``) is refused too."""
    if kind is Model and isinstance(value, OnnxModel) and (problem := not_a_digit_model(value)):
        raise TypeError(f"{name} must be a digit model (output [N, 10]); got {problem}")
    if value is None or isinstance(value, (str, os.PathLike, kind)) or (none is not None and value is False):
        return
    no_model = f", False ({none})" if none is not None else ""
    article = "an" if kind.__name__[0] in "AEIOU" else "a"
    raise TypeError(
        f"{name} must be a shipped model's name or an .onnx file's path (str or os.PathLike), {article} "
        f"{kind.__name__}{no_model} or None ({default}); got {value!r}"
    )


def no_model_if_none(value):
    """``"none"`` (any case) -> False: the command line's word for no line or orientation model means the same
    to the API (``DigitReader(line_model="none")`` was "none: unknown model"); anything else as it is."""
    return False if isinstance(value, str) and value.lower() == "none" else value


class DigitReader:
    """Reads handwritten digits from images with one shared ONNX model (and the line model).

    - ``model``: a shipped model's name (``edgedigits models``), a path to an ``.onnx`` file, or None for the
      default.
    - ``line_model``: the line recognizer (a name or path; None: the shipped ``line`` model when installed; False or
      ``"none"``: none, every digit-like blob is read alone by ``model``).
    - ``orientation_model``: the text-orientation classifier that tells an upside-down page (None: the shipped
      ``orientation`` model when installed; False or ``"none"``: none, a page is never read turned 180 degrees).
      Used only by a reader of text lines: without a line model it is None, and naming one is a ModelError.
    - ``digit_orientation_model``: the digits' quarter-turn classifier, whose votes find a page lying on its side
      (None: the shipped ``digit-orientation`` model when installed; False or ``"none"``: none, a page on its side
      is found by how its lines lie alone). Used only by a reader of text lines, as ``orientation_model``.
    - ``pencil_model``: the digit model for the digits of an image whose ink map is noisy (detect.Extraction.noisy:
      faint pencil, a dark or grainy webcam frame), a digit model trained with broken, grainy strokes too (the
      ``pencil`` preset). None: the shipped ``pencil`` model when ``model`` is the shipped default (None, its name
      or its file) and it is installed, else ``model`` itself; False or ``"none"``: ``model`` reads every image.
      Figures: docs/accuracy.md, "The pencil model".
    - ``min_confidence``: a number from 0 to 1; digits below it show as ``?`` in ``text`` (they stay in ``digits``).
    - ``single``: treat every image as one digit (a crop or a drawing) instead of detecting digits in it.
    - ``threads``: onnxruntime threads per session (None or 0: onnxruntime's choice).
    - ``read_config``: the thresholds of reading (config.ReadConfig: how the two models' readings are weighed, when a
      page is read turned; worker processes read with it too).
    - ``detect_config``: the thresholds of detection (config.DetectConfig: the page, the ink map, binarization,
      blobs, form lines, text lines; worker processes detect with it too; with another than the default, small
      images are found one at a time, not by small_digits' batched fast path, which is exact for the default only).

    Raises ModelError for a model that cannot be used: a missing file, a shipped model of another kind (its card
    says what it is: ``line_model="default"``), an orientation or digit-orientation model named for a reader without
    a line model (``line_model="none"``, ``orientation_model="orientation"``). The line, orientation,
    digit-orientation and pencil models' sessions are opened with the first text line (or page voted on, or noisy
    image) read, and a file that is not such a model raises ModelError then (the ``line_model``,
    ``orientation_model``, ``digit_orientation_model`` and ``pencil_model`` properties open them at once, to check
    early). Raises ValueError for a ``min_confidence`` that
    is not a number from 0 to 1, or ``threads`` that is not None or a whole number >= 0; TypeError, naming the
    argument and what it accepts, for a ``model``, ``line_model``, ``orientation_model``, ``digit_orientation_model``
    or ``pencil_model`` of another type (``line_model=True``; a line, orientation or digit-orientation model's
    session as ``model`` or ``pencil_model``) and a ``single`` that is not True or False."""

    def __init__(
        self,
        model: str | os.PathLike | Model | None = None,
        *,
        min_confidence: float = 0.5,
        single: bool = False,
        threads: int | None = None,
        line_model: str | os.PathLike | LineModel | Literal[False] | None = None,
        orientation_model: str | os.PathLike | OrientationModel | Literal[False] | None = None,
        digit_orientation_model: str | os.PathLike | DigitOrientationModel | Literal[False] | None = None,
        pencil_model: str | os.PathLike | Model | Literal[False] | None = None,
        read_config: ReadConfig = DEFAULT_READ,
        detect_config: DetectConfig = DEFAULT,
    ):
        line_model, orientation_model = no_model_if_none(line_model), no_model_if_none(orientation_model)
        digit_orientation_model = no_model_if_none(digit_orientation_model)
        pencil_model = no_model_if_none(pencil_model)
        check_fraction("min_confidence", min_confidence)  # before any model is opened (set again below)
        check_count("threads", threads, 0)
        check_model_argument("model", model, Model, "the default model")
        check_model_argument("line_model", line_model, LineModel, "the shipped 'line' model", none="no line model")
        check_model_argument(
            "orientation_model",
            orientation_model,
            OrientationModel,
            "the shipped 'orientation' model",
            none="no orientation model",
        )
        check_model_argument(
            "digit_orientation_model",
            digit_orientation_model,
            DigitOrientationModel,
            "the shipped 'digit-orientation' model",
            none="no digit-orientation model",
        )
        check_model_argument(
            "pencil_model",
            pencil_model,
            Model,
            "the shipped 'pencil' model with the default model",
            none="model reads all",
        )
        check_single(single)
        for name, value, kind in (
            ("read_config", read_config, ReadConfig),
            ("detect_config", detect_config, DetectConfig),
        ):
            if not isinstance(value, kind):
                raise TypeError(f"{name} must be a config.{kind.__name__}, got {value!r}")
        self.model = model if isinstance(model, Model) else Model(model, threads=threads)
        # The other models' sessions are opened on first use (LazyModel); their files are found, or refused, now.
        # None is the shipped model of each: the line and orientation models read text lines, the digit-orientation
        # model votes on pages of two blobs or more, and the pencil model reads noisy images when ``model`` is the
        # shipped default (a model of the caller's reads them all).
        if line_model is None:
            line_model = shipped_line_model() or False
        if line_model is False:  # the two turn pages of text lines: without a line model neither runs
            for name, option, given in (
                ("orientation_model", "--orientation-model", orientation_model),
                ("digit_orientation_model", "--digit-orientation-model", digit_orientation_model),
            ):
                if given not in (None, False):
                    shown = given if isinstance(given, (str, os.PathLike)) else type(given).__name__
                    raise ModelError(
                        f"{option} {shown} ({name}=): it tells which way up a page of text lines lies, and this "
                        "reader reads no text lines (--line-model none, line_model False or 'none', or no line "
                        "model installed); leave it out, or read with a line model."
                    )
            orientation_model = digit_orientation_model = False
        if orientation_model is None:
            orientation_model = shipped_orientation_model() or False
        if digit_orientation_model is None:
            digit_orientation_model = shipped_digit_orientation_model() or False
        if pencil_model is None:
            pencil_model = (shipped_pencil_model() if self._reads_with_the_default() else None) or False
        self._line = LazyModel(LineModel, line_model, threads)
        self._orientation = LazyModel(OrientationModel, orientation_model, threads)
        self._digit_orientation = LazyModel(DigitOrientationModel, digit_orientation_model, threads)
        self._pencil = LazyModel(Model, pencil_model, threads)
        self._min_confidence = float(min_confidence)  # (checked above, before any model was opened)
        self.single = single
        self.read_config = read_config
        self.detect_config = detect_config

    def __getstate__(self) -> object:
        """Refused, with what to do: a reader holds onnxruntime sessions, which cannot be pickled (pickle,
        copy.deepcopy, a process pool's arguments). Raises TypeError."""
        raise TypeError(
            "a DigitReader cannot be pickled or deep-copied (it holds onnxruntime sessions); make one reader in each "
            "process, or use read_many(..., processes=True), which does"
        )

    @property
    def min_confidence(self) -> float:
        """The confidence (0 to 1) below which a digit shows as ``?`` in ``text``; settable, and checked when set
        (ValueError for anything but a number from 0 to 1)."""
        return self._min_confidence

    @min_confidence.setter
    def min_confidence(self, value: float) -> None:
        self._min_confidence = check_fraction("min_confidence", value)

    @property
    def single(self) -> bool:
        """Read every image as one digit (a crop or a drawing), without detection? Settable, and checked when set
        (TypeError for anything but True or False: ``"false"`` from a query string is no False)."""
        return self._single

    @single.setter
    def single(self, value: bool) -> None:
        self._single = check_single(value)

    @property
    def line_model(self) -> LineModel | None:
        """The line recognizer (its session opened on first use), or None when this reader has none."""
        return self._line.get()

    @property
    def orientation_model(self) -> OrientationModel | None:
        """The text-orientation classifier (its session opened on first use), or None when this reader has none."""
        return self._orientation.get()

    @property
    def digit_orientation_model(self) -> DigitOrientationModel | None:
        """The digits' quarter-turn classifier (its session opened on first use), or None when this reader has
        none."""
        return self._digit_orientation.get()

    def _reads_with_the_default(self) -> bool:
        """Is ``model`` the shipped default model: its file, however it was named, or a copy of it (the same bytes:
        a clone's models/default.onnx given to an installed package, a copy on a cluster's share)?"""
        try:
            default = resolve_model(None)
        except ModelError:  # (an install without the default model)
            return False
        mine = Path(self.model.path)
        if mine.resolve() == default.resolve():
            return True
        try:
            return mine.stat().st_size == default.stat().st_size and mine.read_bytes() == default.read_bytes()
        except OSError:
            return False

    @property
    def pencil_model(self) -> Model | None:
        """The digit model of noisy images (its session opened on first use), or None when ``model`` reads them."""
        return self._pencil.get()

    @property
    def pencil_model_file(self) -> str | Literal[False]:
        """The pencil model's file (without opening its session), or False when ``model`` reads noisy images."""
        return self._pencil.file

    def predict_digits(self, pages: list[np.ndarray], noisy: list[bool]) -> np.ndarray:
        """The digit probabilities of each page's digits (float32 [N_i, 28, 28] each), one float32 [sum N_i, 10]
        array in their order: a noisy page's (``noisy``, detect.Extraction.noisy) by the pencil model, when this
        reader has one, the others by ``model``; one call of each model. ValueError when ``noisy`` does not hold
        one flag per page."""
        if len(noisy) != len(pages):
            raise ValueError(f"predict_digits takes one noisy flag per page: {len(pages)} pages, {len(noisy)} flags")
        pencil = self.pencil_model if any(noisy) else None
        chosen = [bool(n) and pencil is not None for n in noisy]
        out = np.zeros((sum(len(d) for d in pages), 10), np.float32)
        starts = np.cumsum([0] + [len(d) for d in pages])
        for model, flag in ((self.model, False), (pencil, True)):
            mine = [i for i, c in enumerate(chosen) if c == flag and len(pages[i])]
            if model is None or not mine:
                continue
            probabilities = model.predict(np.concatenate([pages[i] for i in mine]))
            offset = 0
            for i in mine:
                out[starts[i] : starts[i + 1]] = probabilities[offset : offset + len(pages[i])]
                offset += len(pages[i])
        return out

    @property
    def orientation_model_file(self) -> str | Literal[False]:
        """The orientation model's file (without opening its session), or False when this reader has none."""
        return self._orientation.file

    @property
    def digit_orientation_model_file(self) -> str | Literal[False]:
        """The digit-orientation model's file (without opening its session), or False when this reader has none."""
        return self._digit_orientation.file

    @property
    def line_model_file(self) -> str | Literal[False]:
        """The line model's file (without opening its session), or False when this reader has none."""
        return self._line.file

    @property
    def reads_lines(self) -> bool:
        """Does this reader read text lines with a line model (without opening its session)?"""
        return self._line.file is not False

    def warm_up(self) -> float:
        """Open every model's onnxruntime session and run each once, so that the first image a caller reads costs
        what the next ones do (the first ``read`` of a fresh reader opened the line and orientation models and ran
        each session for the first time: ``samples/photo_2026.jpg`` 33-35 ms, against 6-8 ms after; docs/api.md,
        "DigitReader"). It reads a frame of six digits drawn with OpenCV's script font (synth.make_scene), and runs
        the orientation model, when the reader has one, on a blank line (an upright page does not need it).
        Returns the time it took, in ms. Raises ModelError for a line or orientation model file that is not such
        a model, as the first read would. A service calls it as it starts, before its first request."""
        from . import synth

        started = time.perf_counter()
        rng = np.random.default_rng(0)
        digits = np.stack([synth.drawn_digit(value, rng) for value in (2, 0, 2, 6, 7, 1)])
        frame = synth.make_scene(digits, seed=0)
        self.read(frame, single=False)
        self.read(frame[:64, :64], single=True)
        orientation = self.orientation_model  # (None without a line model, as the digit-orientation model)
        if orientation is not None:  # any line will do: a blank one (the frame's were extracted in read already)
            orientation.predict(pad_batch([fit_line(np.zeros((8, 8), np.float32)).tensor])[0])
        turns = self.digit_orientation_model
        if turns is not None:  # (the frame's six digits were voted on in read already; one blank digit more)
            turns.predict(np.zeros((1, 28, 28), np.float32))
        if self.pencil_model is not None:  # (the frame is clean: its digits went to ``model``)
            self.pencil_model.predict(np.zeros((1, 28, 28), np.float32))
        return (time.perf_counter() - started) * 1e3

    def read(
        self, image: ImageLike, *, path: str | os.PathLike[str] | None = None, single: bool | None = None
    ) -> Reading:
        """Read one image: a file path (str or os.PathLike); encoded image bytes (bytes, bytearray, memoryview;
        for an open file pass ``f.read()``); or a NumPy array, not empty, of shape [H, W] gray, [H, W, 1] gray,
        [H, W, 2] gray + alpha, [H, W, 3] BGR or [H, W, 4] BGRA, and dtype bool, any integer or any float
        (ink.to_uint8 maps it to 8 bits: uint8 as is; bool to 0/255; float all in [0, 1] times 255; other
        values all in [0, 255] as they are; uint16 beyond 255 divided by 257; anything else stretched from its
        minimum and maximum; NaN and infinities as 0). Boxes are in the pixels of the image as displayed (EXIF
        orientation applied). A multi-page TIFF is read page by page into one Reading (``Reading.pages``, each
        Digit's ``page``, its box in that page's pixels). ``path``: the name ``Reading.path`` gets, a str or
        os.PathLike (as its str; default: the path read, else None).

        Raises ImageError (a ValueError) when the input cannot be read: a missing or unreadable file, bytes
        that are no image, an image above the pixel limit. Its message names the input and says what to do.
        Raises TypeError for a ``single`` that is not True, False or None, or a ``path`` that is not a str or
        an os.PathLike.
        The streaming calls (``read_batch``, ``read_many``, ``read_paths``) never raise for a bad input: it
        becomes a Reading with ``error`` set, so one bad file never stops a batch.
        """
        reading = self.read_batch([image], single=single, paths=[path])[0]
        if reading.error is not None:
            what = {np.ndarray: "image array", bytes: "image bytes", bytearray: "image bytes"}.get(type(image), "input")
            error = reading.error
            if error == FOLDER_ERROR:  # (classify's wording tells to pass the folder on the command line)
                error = f"is a folder, not an image file; use read_paths([{reading.path!r}]) to read every image in it"
            elif isinstance(image, (bytes, bytearray)) and names_a_file(image):
                error = (
                    f"these bytes name a file ({os.fsdecode(bytes(image))!r}), but bytes are taken as an image's "
                    "encoded data; pass the path as a str or a pathlib.Path"
                )
            raise ImageError(f"{reading.path or what}: {error}")
        return reading

    def read_batch(
        self,
        images: Iterable[ImageLike | SourceError],
        *,
        single: bool | None = None,
        paths: Iterable[str | os.PathLike[str] | None] | None = None,
    ) -> list[Reading]:
        """Read several images with one pass of each network over all their digits and lines, in input order.

        ``images``: a list (or any iterable, read whole) of inputs as ``read`` takes them. Faster than one
        ``read`` per image when the images are small: the networks' fixed cost per call is shared. An input
        that cannot be read (a bad file, bytes that are no image, an array that is no image) gives a Reading
        with ``error`` set; the others are unaffected. ``paths``: one name (or None) per image, in order, for
        ``Reading.path`` (a ``Path`` as its str); raises ValueError when it is not as long as ``images``. Raises
        TypeError for one input passed alone (a path, bytes or an array: use ``read``) or anything not iterable.
        """
        refuse_one(images, "read_batch")
        images = list(images)
        names = batch_paths(paths, len(images))
        single = self.single if single is None else check_single(single)
        per_input = [self._prepare(image, path, single, together=True) for image, path in zip(images, names)]
        prepared = [p for pages in per_input for p in pages]  # a multi-page TIFF: each page read as an image
        self._find_small(prepared)  # small one-digit images: found together
        started = time.perf_counter()
        outputs = self._infer(prepared, check_orientation=True)
        # Each stage looks again at some pages and, where it reads one better, replaces its extraction and
        # reading (prepared[i], outputs[i]) in place; the order matters (a turned page is read unsurely until
        # it is turned, so the faint pages are taken last).
        if self.reads_lines:
            self._look_again_at_wide_blobs(prepared, outputs)
        self._turn_by_digit_votes(prepared, outputs)
        self._turn_columns(prepared, outputs)
        self._turn_upside_down(prepared, outputs)
        self._search_quarter_turns(prepared, outputs)
        self._read_faint_in_full(prepared, outputs)
        infer_ms = (time.perf_counter() - started) * 1e3
        readings = [self._reading(p, out, infer_ms / len(prepared)) for p, out in zip(prepared, outputs)]
        if len(readings) == len(per_input):
            return readings
        pages = iter(readings)  # one Reading per input: a file's pages joined
        return [
            join_pages([next(pages) for _ in each], self.min_confidence) if len(each) > 1 else next(pages)
            for each in per_input
        ]

    def _find_small(self, prepared: list[_Prepared]) -> None:
        """Fill in ``found`` (and ``extract_ms``) of the inputs ``_prepare`` decoded but left for later (small images,
        small_digits.fits): small_digits' batched fast path for all of them at once (when there are
        small_digits.MIN_BATCH or more), ``detect.extract`` one at a time for those it refuses. The same Extraction,
        bit for bit, as ``_prepare`` finds one at a time."""
        pending = [p for p in prepared if p.error is None and p.found is None]
        if not pending:
            return
        started = time.perf_counter()
        arrays = [cast(np.ndarray, p.array) for p in pending]  # (_prepare keeps the array of an input it leaves)
        many = len(pending) >= small_digits.MIN_BATCH
        found = small_digits.clean_digits(arrays, checked=True) if many else [None] * len(pending)
        each = (time.perf_counter() - started) * 1e3 / len(pending)
        for p, array, f in zip(pending, arrays, found):
            if f is None:
                started = time.perf_counter()
                f = self._extract(array, p.single, p.zoom)
                p.extract_ms = (time.perf_counter() - started) * 1e3
            else:
                p.extract_ms = each
            p.found = f
            p.drop_decoded()  # as _prepare: a decoded file or page is not kept (an array passed in is)

    def _extract(self, array: np.ndarray, single: bool, zoom: int) -> detect.Extraction:
        """``detect.extract`` as this reader finds an input's digits the first time: text lines for the line model
        (unless ``single``), a page looked for unless the input was enlarged from a tiny one (``zoom`` > 1)."""
        return detect.extract(
            array, single=single, lines=self.reads_lines and not single, config=self.detect_config, page=zoom == 1
        )

    def _look_again_at_wide_blobs(self, prepared: list[_Prepared], outputs: list[_Outputs | None]) -> None:
        """A wide blob the fast path took for one digit, which the digit model doubts (or is sure of, but the line
        model glancing at it reads several digits): a touching pair or a short word, perhaps. The general stages
        and the line model look again, and are believed when they read several digits, or a word and no digit."""
        config = self.read_config
        again = [i for i, out in enumerate(outputs) if out is not None and may_be_several(prepared[i], out, config)]
        wide = [i for i, out in enumerate(outputs) if out is not None and sure_but_wide(prepared[i], out, config)]
        if wide:  # a glance first: does the line model read several digits in the blob's 28x28 digit?
            again += [i for i, yes in zip(wide, self._glance([prepared[i] for i in wide])) if yes]
        if again:
            for i, p, out in zip(again, *self._second_look([prepared[i] for i in again])):
                digits, raw = self._digits(p, out) if out is not None else ([], None)
                if len(digits) >= 2 or (not digits and WORD in (raw or "")):
                    prepared[i], outputs[i] = p, out

    def _turn_by_digit_votes(self, prepared: list[_Prepared], outputs: list[_Outputs | None]) -> None:
        """Pages whose blobs vote, to the digit-orientation model, for lying a quarter-turn (recognize.turn_vote;
        pages of ``read_config.vote_min_blobs`` blobs or more whose median is wider than ``vote_min_aspect`` of its
        height, with text lines, as they lie): read turned upright,
        and kept so when the models read the turn more surely than the page as it lies (recognize.keep_voted_turn).
        Pages whose blobs agree they lie on their side but not which way (recognize.axis_vote) are read at both
        quarter-turns, and the one the orientation model calls upright (by ``sideways_pick_odds``; else the one the
        line model reads more surely: ``_likelier_turn``) is kept when it reads as one line of digits, more surely
        than the page as it lies (recognize.keep_axis_turn).
        One call of the digit-orientation model for all the pages' blobs, and the pages voted turned found and read
        again. A page kept turned is still asked about 180 degrees, as any page is (``_turn_upside_down``): the
        model's likeliest mistake is the other quarter-turn (90 for 270 degrees: 642 and 764 of the card's 10,000
        turned test digits), which leaves a page upside down."""
        model = self.digit_orientation_model if self.reads_lines else None
        if model is None:
            return
        config = self.read_config
        pages = [
            i
            for i, (p, out) in enumerate(zip(prepared, outputs))
            if out is not None
            and out.lines
            and p.turn == 0
            and not p.single
            and p.found is not None
            and len(p.found.digits) >= config.vote_min_blobs
            and median_aspect(p.found.boxes) > config.vote_min_aspect
        ]
        if not pages:
            return
        digits = [prepared[i].found.digits for i in pages]  # type: ignore[union-attr]
        probabilities = model.predict(np.concatenate(digits))
        voted: list[tuple[int, float, list[int]]] = []  # (page, the vote's lead, the turns to read it at)
        offset = 0
        for i, d in zip(pages, digits):
            mine = probabilities[offset : offset + len(d)]
            offset += len(d)
            vote = turn_vote(mine, config)
            if vote.turn:
                voted.append((i, vote.lead, [4 - vote.turn]))  # turned back upright
            elif lead := axis_vote(mine, config):
                voted.append((i, lead, [1, 3]))  # on its side, either way
        if not voted:
            return
        turned = [q for i, _, ks in voted for q in prepared[i].turns(ks, self.detect_config)]
        outs = iter(zip(turned, self._infer(turned, check_orientation=True)))
        for i, lead, ks in voted:
            read = [next(outs) for _ in ks]
            if len(ks) == 2:  # both quarter-turns found: _quarter_turn and _search_turns need not find them again
                prepared[i].quarter_turns = [t for t, _ in read]
            q, out = self._likelier_turn(read)
            before = outputs[i]
            assert before is not None, "only pages that were read vote"
            if out is None or not out.lines:
                continue
            surer = peak_score(out.lines, q.widths) - peak_score(before.lines, prepared[i].widths)
            gain = (
                float(out.probabilities.max(axis=1).mean() - before.probabilities.max(axis=1).mean())
                if len(out.probabilities)
                else 0.0
            )  # (a turn with text lines but no blob: the digit model has nothing to be surer of)
            counts = (sum(map(digit_count, before.chars)), sum(map(digit_count, out.chars)))
            if len(ks) == 1:
                keep = keep_voted_turn(lead, surer, gain, counts, config)
            else:  # on its side either way: the turn picked must read as one line of digits
                assert q.found is not None, "a turn read with text lines was found"
                chars = [c for line in out.chars for c in line]  # (page_chars, as _infer decoded them)
                turned_rows = len({row for row, line in zip(rows(q.found.text_lines), out.chars) if line})
                keep = keep_axis_turn(surer, turned_rows, digit_count(chars), len(chars), counts, config)
            if keep:
                prepared[i], outputs[i] = q, out  # (still asked about 180 degrees: _turn_upside_down)

    def _likelier_turn(self, read: list[tuple[_Prepared, _Outputs | None]]) -> tuple[_Prepared, _Outputs | None]:
        """Of a page read at one turn or at both quarter-turns ((the turned page, its outputs) each), the one to
        keep: the one the orientation model calls upright, when it tells the two apart by
        ``read_config.sideways_pick_odds`` in log-odds; else the one the line model reads more surely
        (recognize.peak_score). The two quarter-turns of a page are each other turned 180 degrees."""
        if len(read) == 1:
            return read[0]
        (a, first), (b, second) = read
        if first is None or not first.lines or second is None or not second.lines:
            return (a, first) if first is not None and first.lines else (b, second)
        if self.orientation_model is not None and abs(first.log_odds - second.log_odds) >= (
            self.read_config.sideways_pick_odds
        ):
            return (a, first) if first.log_odds <= second.log_odds else (b, second)
        return (a, first) if peak_score(first.lines, a.widths) >= peak_score(second.lines, b.widths) else (b, second)

    def _turn_columns(self, prepared: list[_Prepared], outputs: list[_Outputs | None]) -> None:
        """Digits stacked in a column, or several lines lying flat (recognize.sideways), on a page not turned so far:
        the page may lie a quarter-turned; read so (``_quarter_turn``)."""
        for i, (p, out) in enumerate(zip(prepared, outputs)):
            if out is not None and p.turn == 0 and sideways(p.found, self.read_config, (out.lines, p.widths)):
                prepared[i], outputs[i] = self._quarter_turn(p, out)

    def _turn_upside_down(self, prepared: list[_Prepared], outputs: list[_Outputs | None]) -> None:
        """Pages the orientation model leans towards turned 180 degrees: first their text lines turned in place
        (cheap: the line model alone, ``_may_be_turned``), then those that may be turned are found and read again
        turned, and kept turned when recognize's rules say so (``reads_turned``; boxes are mapped back by
        _Prepared.unturn)."""
        leaning = [i for i, out in enumerate(outputs) if out is not None and out.leans_turned]
        if leaning:
            passes = self._may_be_turned([prepared[i] for i in leaning], [outputs[i] for i in leaning])
            leaning = [i for i, yes in zip(leaning, passes) if yes]
        if not leaning:
            return
        flipped = [prepared[i].turned(2, self.detect_config) for i in leaning]
        for i, p, out in zip(leaning, flipped, self._infer(flipped, check_orientation=False)):
            upright = outputs[i]
            assert upright is not None, "only pages that were read lean"
            if out is not None and reads_turned(upright, prepared[i].widths, out.lines, p.widths, self.read_config):
                prepared[i], outputs[i] = p, out

    def _search_quarter_turns(self, prepared: list[_Prepared], outputs: list[_Outputs | None]) -> None:
        """Pages read unsurely as they lie (``_reads_unsurely``) are read at both quarter-turns too, in one batch
        (``_search_turns``), but not pages whose digits read clearly better as they lie than on their side (one
        cheap call, ``_favour_a_quarter_turn``)."""
        unsure = [i for i, (p, out) in enumerate(zip(prepared, outputs)) if self._reads_unsurely(p, out)]
        if unsure:
            favoured = self._favour_a_quarter_turn([prepared[i] for i in unsure], [outputs[i] for i in unsure])  # type: ignore[misc]
            unsure = [i for i, yes in zip(unsure, favoured) if yes]
        if unsure:
            searched = self._search_turns([prepared[i] for i in unsure], [outputs[i] for i in unsure])  # type: ignore[misc]
            for i, turn in zip(unsure, searched):
                if turn is not None:
                    prepared[i], outputs[i] = turn

    def _read_faint_in_full(self, prepared: list[_Prepared], outputs: list[_Outputs | None]) -> None:
        """Digits found at half size on a noisy image and read unsurely (``_unsure_at_half``): found and read again
        in full, the page as it was finally turned, and kept when they are two or more digits, surer by
        ``read_config.faint_full_margin``."""
        faint = {i: sure for i, (p, out) in enumerate(zip(prepared, outputs)) if (sure := self._unsure_at_half(p, out))}
        if not faint:
            return
        for i, p, out in zip(faint, *self._read_in_full([prepared[i] for i in faint])):
            digits = self._digits(p, out)[0] if out is not None else []
            if len(digits) >= 2 and least_sure(digits) > faint[i] + self.read_config.faint_full_margin:
                prepared[i], outputs[i] = p, out

    def _reading(self, p: _Prepared, out: _Outputs | None, infer_ms: float) -> Reading:
        """One page's Reading: its digits in the input's pixels, capped at ``read_config.disputed_confidence``
        when its way up is disputed (way_up_disputed), or an error record for an input that could not be read
        (``out`` None: ``p.error`` says why). ``infer_ms``: its share of the batch's time after the first
        extraction (the networks, and any second look), so that the timings add up to the read."""
        if out is None:
            return Reading(text="", digits=[], path=p.path, error=p.error)
        digits, raw = self._digits(p, out)
        if way_up_disputed(out, self.read_config):  # (a page read turned 180 degrees was not asked again)
            most = self.read_config.disputed_confidence
            digits = [replace(d, confidence=min(d.confidence, most)) for d in digits]
        timings = {"decode": p.decode_ms, "extract": p.extract_ms, "infer": infer_ms}
        text = compose_text(digits, self.min_confidence)
        return Reading(text, digits, path=p.path, timings_ms=timings, raw=raw)

    def _may_be_turned(self, prepared: list[_Prepared], outputs: list[_Outputs | None]) -> list[bool]:
        """For each page: do its text lines, each turned 180 degrees where it lies (orientation.turned_180), read
        by the line model so that recognize.keep_turned would keep the page turned? One line-model call; a page
        found again turned has the same lines, in the reverse order, so the same characters and certainty
        (nearly: it is extracted afresh)."""
        tensors = [turned_180(line.fitted.tensor) for p in prepared for line in p.found.text_lines]  # type: ignore[union-attr]
        line_model = self.line_model
        assert line_model is not None and tensors, "only pages with text lines lean"
        posteriors = line_model.predict(pad_batch(tensors)[0])
        passes, offset = [], 0
        for p, out in zip(prepared, outputs):
            assert out is not None
            widths = p.widths
            lines = list(posteriors[offset : offset + len(widths)])
            offset += len(widths)
            passes.append(reads_turned(out, widths, lines, widths, self.read_config))
        return passes

    def _glance(self, prepared: list[_Prepared]) -> list[bool]:
        """For each fast-path input (one blob, no text lines): does the line model read two or more digits in its
        blob as the fast path normalized it (``Extraction.digits[0]``, float32 [28, 28], cut by lines.fit_line)?
        One line-model call for all; the blob's digit is all the ink there is, so the input is not decoded again."""
        line_model = self.line_model
        assert line_model is not None, "only a reader with a line model glances"
        tensors = [fit_line(p.found.digits[0]).tensor for p in prepared]  # type: ignore[union-attr]
        widths = [t.shape[1] for t in tensors]
        # padded to GLANCE_WIDTH (16 px of zeros at least after each): each its own reading at half the cost of
        # pad_batch's margin; a flat blob wider than that (5 of the 10,000 MNIST test digits) is padded by
        # pad_batch's margin instead, in a call of its own
        fits = [w <= GLANCE_WIDTH - 4 * STRIDE for w in widths]
        posteriors: list[np.ndarray] = [np.empty(0)] * len(tensors)
        for wanted, pad in ((True, lambda ts: pad_to_width(ts, GLANCE_WIDTH)), (False, lambda ts: pad_batch(ts)[0])):
            group = [i for i, fit in enumerate(fits) if fit == wanted]
            if group:
                for i, post in zip(group, line_model.predict(pad([tensors[i] for i in group]))):
                    posteriors[i] = post
        return [digit_count(ctc_greedy(post, w // STRIDE)) >= 2 for post, w in zip(posteriors, widths)]

    def _unsure_at_half(self, p: _Prepared, out: _Outputs | None) -> float:
        """The confidence of the least sure of ``p``'s digits when they were found on the half-size copy of a noisy
        image (detect.Extraction.noisy_half) by a reader of text lines, two or more, and it is under
        ``read_config.faint_full_below``; else 0.0 (not to be read again). Nothing or one unsure digit there is a
        blank page's noise as often: read in full, it became digits."""
        if out is None or p.found is None or not p.found.noisy_half or not self.reads_lines:
            return 0.0
        digits = self._digits(p, out)[0]
        sure = least_sure(digits)
        return sure if len(digits) >= 2 and 0.0 < sure < self.read_config.faint_full_below else 0.0

    def _read_in_full(self, prepared: list[_Prepared]) -> tuple[list[_Prepared], list[_Outputs | None]]:
        """The inputs found again from the full-size copy (never the half-size one), and read. Faint pencil's
        fainter digits, lost at half size beside bolder ones, or read apart there, may stand out in full."""
        again = [p.turned(0, self.detect_config, half=False) for p in prepared]
        return again, self._infer(again, check_orientation=True)

    def _second_look(self, prepared: list[_Prepared]) -> tuple[list[_Prepared], list[_Outputs | None]]:
        """The inputs extracted again by the general stages (text lines for the line model), and read."""
        again = [p.turned(0, self.detect_config, fast=False) for p in prepared]
        return again, self._infer(again, check_orientation=True)

    def _quarter_turn(self, p: _Prepared, out: _Outputs) -> tuple[_Prepared, _Outputs]:
        """A page whose digits are stacked in a column (recognize.sideways), read turned a quarter either way: the
        turn the orientation model calls upright (lower log-odds of being upside down; without that model, the
        one the line model reads more surely), kept when it is one text line of at least as many digits as the
        column has lines, and the line model reads it more surely than the page as it lies, by over
        ``sideways_margin`` nats per character (recognize.peak_score); of one digit fewer, by over
        ``sideways_sure_margin``. Or, with as many digits, when the orientation model tells the two turns apart by
        ``sideways_turn_odds``, the turn reads digits alone, and the line model reads it at most
        ``sideways_tolerance`` less surely. Never when the blobs, to the digit-orientation model, stand upright as they
        lie (``column_upright_margin``) and the turn reads no more digits than there are blobs. The thresholds are
        ``self.read_config``'s; which turn is tried first, ``sideways_pick_odds`` (``_likelier_turn``)."""
        config = self.read_config
        turns = p.quarter_turns or p.turns((1, 3), self.detect_config)  # (found already when its blobs voted)
        first, second = self._infer(turns, check_orientation=self.orientation_model is not None)
        if first is None or second is None:
            return p, out
        apart = abs(first.log_odds - second.log_odds)  # how far the orientation model tells the two turns apart
        turned, turned_out = self._likelier_turn([(turns[0], first), (turns[1], second)])
        assert turned_out is not None and turned.found is not None and p.found is not None, "both were read"
        chars = page_chars(turned_out.lines, turned.widths)
        votes = self.digit_orientation_model  # the blobs' own vote on their way up (one call of a tiny model)
        keep = keep_column_turn(
            column=len({row for row, line in zip(rows(p.found.text_lines), out.chars) if line}),
            turned_rows=len(set(rows(turned.found.text_lines))),
            digits=digit_count(chars),
            char_count=len(chars),
            surer=peak_score(turned_out.lines, turned.widths) - peak_score(out.lines, p.widths),
            apart=apart if self.orientation_model is not None else None,
            several=quarter_turned_lines(p.found.boxes),
            blobs=len(p.found.boxes),
            config=config,
            upright=upright_lead(votes.predict(p.found.digits)) if votes is not None and len(p.found.digits) else None,
        )
        if keep:
            return turned, turned_out._replace(leans_turned=False)
        if self._reads_unsurely(p, out):  # _search_turns reads the page at both quarter-turns again: found once
            p.quarter_turns = turns
        return p, out

    def _reads_unsurely(self, p: _Prepared, out: _Outputs | None) -> bool:
        """Is a page, not turned a quarter so far, read so unsurely as it lies (or turned 180 degrees: peak_score
        below ``-search_margin``) that it may lie a quarter-turned? Only pages with text lines and an orientation
        model (_search_turns), and whose blobs may lie turned (recognize.may_lie_turned). After the 180-degree
        stage: an upside-down page read unsurely is first read turned 180 degrees, where it reads surely, not at a
        quarter-turn that reads surer than upside down."""
        if out is None or p.turn % 2 or not out.lines or self.orientation_model is None:
            return False
        if p.found is None or not may_lie_turned(p.found.boxes, self.read_config):
            return False
        return peak_score(out.lines, p.widths) < -self.read_config.search_margin

    def _favour_a_quarter_turn(self, prepared: list[_Prepared], outputs: list[_Outputs]) -> list[bool]:
        """For each page read unsurely (_reads_unsurely): may a quarter-turn read it better? Its blobs' 28x28 digits
        (Extraction.digits), each turned a quarter either way where it lies, must read at most
        ``search_digit_margin`` nats per blob less surely to the digit model than as they lie
        (recognize.digit_turn_gain); one digit-model call for all the pages. A page that fails is not read at both
        quarter-turns (_search_turns: two more extractions, a 640x480 frame's 4 ms became 15-18 ms)."""
        digits = [p.found.digits for p in prepared]  # type: ignore[union-attr]
        turned = [np.ascontiguousarray(np.rot90(d, k, axes=(1, 2)), dtype=np.float32) for d in digits for k in (1, 3)]
        noisy = [p.found.noisy for p in prepared for _ in (1, 3)]  # type: ignore[union-attr]
        probabilities = self.predict_digits(turned, noisy)
        favoured, offset = [], 0
        for d, out in zip(digits, outputs):
            mine = probabilities[offset : offset + 2 * len(d)]
            offset += 2 * len(d)
            favoured.append(digit_turn_gain(out.probabilities, mine) >= -self.read_config.search_digit_margin)
        return favoured

    def _search_turns(
        self, prepared: list[_Prepared], outputs: list[_Outputs]
    ) -> list[tuple[_Prepared, _Outputs] | None]:
        """Each page (read as it lies: ``outputs``) read at both quarter-turns, one call of each network for all;
        the turn recognize.quarter_turn_search keeps, with its reading, or None to read the page as it lies."""
        turns = [q for p in prepared for q in (p.quarter_turns or p.turns((1, 3), self.detect_config))]
        outs = self._infer(turns, check_orientation=True)
        kept: list[tuple[_Prepared, _Outputs] | None] = []
        for n, (p, out) in enumerate(zip(prepared, outputs)):
            (one, three), (first, third) = turns[2 * n : 2 * n + 2], outs[2 * n : 2 * n + 2]
            turn = 0
            if first is not None and third is not None:
                peaks = (peak_score(first.lines, one.widths), peak_score(third.lines, three.widths))
                odds = (first.log_odds, third.log_odds)
                digits = (
                    digit_count(page_chars(first.lines, one.widths)),
                    digit_count(page_chars(third.lines, three.widths)),
                )
                blobs = len(p.found.boxes) if p.found is not None else 0
                turn = quarter_turn_search(
                    peak_score(out.lines, p.widths), peaks, odds, digits, blobs, self.read_config
                )
            if turn == 0:
                kept.append(None)
            else:  # the orientation model vouched for the turn's way up: it is not asked about 180 degrees again
                q, o = (one, first) if turn == 1 else (three, third)
                kept.append((q, o._replace(leans_turned=False)))  # type: ignore[union-attr]
        return kept

    def _infer(self, prepared: list[_Prepared], check_orientation: bool) -> list[_Outputs | None]:
        """Both networks over every blob and line of ``prepared`` (one call each); with ``check_orientation``,
        the orientation model over the same lines: each page's log-odds of being turned 180 degrees (see
        recognize.keep_turned)."""
        ok = [p.found for p in prepared if p.found is not None]  # (found is None exactly when error is set)
        probabilities = self.predict_digits([e.digits for e in ok], [e.noisy for e in ok])
        tensors = [line.fitted.tensor for e in ok for line in e.text_lines]
        posteriors = log_odds = None
        if tensors:
            batch, _ = pad_batch(tensors)
            line_model = self.line_model
            assert line_model is not None, "text lines are found only for a reader with a line model"
            posteriors = line_model.predict(batch)
            if check_orientation and self.orientation_model is not None:
                log_odds = self.orientation_model.predict(batch)
        outputs: list[_Outputs | None] = []
        offset = line_offset = 0
        for p in prepared:
            if p.found is None:
                outputs.append(None)
                continue
            n_blobs, n_lines = len(p.found.boxes), len(p.found.text_lines)
            mine = slice(line_offset, line_offset + n_lines)
            lines = list(posteriors[mine]) if n_lines and posteriors is not None else []
            widths = [line.fitted.tensor.shape[1] for line in p.found.text_lines]
            chars = [ctc_greedy(posteriors, width // STRIDE) for posteriors, width in zip(lines, widths)]
            odds = page_log_odds(log_odds[mine], widths) if n_lines and log_odds is not None else 0.0
            leans = bool(n_lines) and log_odds is not None and odds > 0
            outputs.append(_Outputs(probabilities[offset : offset + n_blobs], lines, leans, odds, chars))
            offset += n_blobs
            line_offset += n_lines
        return outputs

    def _digits(self, p: _Prepared, out: _Outputs) -> tuple[list[Digit], str | None]:
        """The digits of one image (in the input's pixels) and its raw reading (None without the line model)."""
        assert p.found is not None, "only inputs that were read have digits"
        if not p.found.text_lines:
            blobs = [
                Digit(int(q.argmax()), float(q.max()), int_box(box), line, q)
                for q, box, line in zip(out.probabilities, p.found.boxes, p.found.lines)
            ]
            return p.unturn(blobs), None
        digits: list[Digit] = []
        raws: dict[int, list[str]] = {}  # per row of writing, its runs' raw readings (segment.word_runs)
        lines = p.found.text_lines
        for line, row, posteriors, chars in zip(lines, rows(lines), out.lines, out.chars):
            got, line_raw = line_digits(
                line, posteriors, out.probabilities[line.members], p.found.boxes, row, chars, self.read_config
            )
            if got or line_raw:
                digits += got
                raws.setdefault(row, []).append(line_raw)
        raw = "\n".join(" ".join(runs) for runs in raws.values())  # a row's runs, apart: a space
        return p.unturn(renumber_lines(drop_stray_marks(digits, self.read_config))), raw

    def _prepare(
        self, image: ImageLike | SourceError, path: str | None, single: bool, together: bool = False
    ) -> list[_Prepared]:
        """Decode and find the digits of one input (everything but the networks): one _Prepared, or one per page
        of a multi-page TIFF or a PDF (images.load_pages; each page decoded in turn, and again when needed:
        ``_Prepared.page``). ``together``: a small image
        (small_digits.fits) is only decoded, its digits found with the others' by ``_find_small``."""
        if isinstance(image, SourceError):
            return [_Prepared(image.path, error=image.error)]
        if isinstance(image, (str, os.PathLike)):
            path = path or os.fspath(image)
        started = time.perf_counter()
        try:
            if isinstance(image, np.ndarray):
                check_array(image)  # a malformed array is an error record too, not the end of a read_many stream
                array = image
            else:
                pages = load_pages(image)
                if pages.kind != "image":  # a PDF or a TIFF of pages: each page decoded, its digits found, and
                    # dropped before the next, so a long PDF is never held whole; a page turned or looked at again
                    # is decoded again from its Pages (_Prepared.turned; a one-page PDF turned sideways was decoded
                    # again from its file as an image, and the read raised ImageError)
                    opened = (time.perf_counter() - started) * 1e3 / len(pages)
                    prepared = []
                    for index in range(len(pages)):
                        page_started = time.perf_counter()
                        page = pages[index]
                        decode_ms = opened + (time.perf_counter() - page_started) * 1e3
                        for p in self._prepare(page, path, single, together):
                            p.decode_ms += decode_ms
                            p.page = (pages, index)
                            if p.found is not None:
                                p.drop_decoded()
                            prepared.append(p)
                    return prepared
                array = pages[0]
        except ImageError as exc:
            return [_Prepared(path, error=str(exc))]
        decoded = time.perf_counter()
        size = (array.shape[1], array.shape[0])
        try:
            array, zoom = detect.enlarge_tiny(array, self.detect_config)  # an 8x8 scan: read 4x as big
        except ImageError as exc:
            return [_Prepared(path, error=str(exc))]
        if together and small_digits.fits(array, self.detect_config):
            return [
                _Prepared(
                    path,
                    decode_ms=(decoded - started) * 1e3,
                    array=array,
                    single=single,
                    source=None if isinstance(image, np.ndarray) else image,
                    size=size,
                    zoom=zoom,
                )
            ]
        found = self._extract(array, single, zoom)
        return [
            _Prepared(
                path,
                found=found,
                decode_ms=(decoded - started) * 1e3,
                extract_ms=(time.perf_counter() - decoded) * 1e3,
                single=single,
                source=None if isinstance(image, np.ndarray) else image,
                array=array if isinstance(image, np.ndarray) else None,  # a decoded photo is not kept
                size=size,
                zoom=zoom,
            )
        ]

    def read_paths(
        self,
        inputs: Iterable[str | bytes | os.PathLike[str] | os.PathLike[bytes]],
        *,
        recursive: bool = False,
        workers: int | None = None,
        processes: bool = False,
    ) -> Iterator[Reading]:
        """Read every image named by ``inputs`` (files, folders, glob patterns: str, bytes or os.PathLike), streamed
        in order.

        A path that cannot be listed or read yields a Reading with ``error`` set; the rest go on.
        ``workers`` and ``processes``: as in ``read_many``. Raises TypeError for one path passed alone (pass
        ``[path]``) or an input that is no path.
        """
        refuse_one(inputs, "read_paths")
        check_count("workers", workers, 0)
        names = [path_name(item) for item in inputs]
        return self.read_many(iter_paths(names, recursive=recursive), workers=workers, processes=processes)

    def read_many(
        self, images: Iterable[ImageLike | SourceError], workers: int | None = None, *, processes: bool = False
    ) -> Generator[Reading, None, None]:
        """Read many images on ``workers`` threads or processes (None or 0: all cores), in input order.

        Inputs go in chunks of 16, each read with one pass of the network. ``processes=True`` reads a long
        run in worker processes, each with its own session: the image stages hold Python's GIL most of the
        time, so only processes use every core (about 2x on 2 cores). Like any multiprocessing code, call
        it under ``if __name__ == "__main__":`` in a script. A short run (or ``workers=1``) is read here.
        Inputs are pulled lazily and only a few chunks are in flight, so an endless or huge iterable (a
        folder of a million files) never sits in memory. A bad input yields a Reading with ``error`` set;
        the rest go on; ``close()`` the generator to stop the worker processes at once. See parallel.py. Raises
        TypeError, at the call, for one input passed alone (a path, bytes or an array: use ``read``) or anything
        not iterable; ValueError for ``workers`` below 0 or not a whole number.
        """
        refuse_one(images, "read_many")
        check_count("workers", workers, 0)
        return self._read_many(images, workers, processes)

    def _read_many(
        self, images: Iterable[ImageLike | SourceError], workers: int | None, processes: bool
    ) -> Generator[Reading, None, None]:
        from functools import partial

        from .parallel import read_chunks

        workers = max(1, workers or os.cpu_count() or 1)
        # The workers' readers: built again from what is picklable (a session is not), one thread each.
        make_reader = partial(
            DigitReader,
            str(self.model.path),
            min_confidence=self.min_confidence,
            single=self.single,
            threads=1,
            line_model=self.line_model_file,
            orientation_model=self.orientation_model_file,
            digit_orientation_model=self.digit_orientation_model_file,
            pencil_model=self.pencil_model_file,
            read_config=self.read_config,
            detect_config=self.detect_config,
        )
        yield from read_chunks(self, chunked(images, CHUNK), workers, make_reader if processes else None)


@dataclass
class _Prepared:
    """One input between decoding and the networks."""

    path: str | None
    error: str | None = None
    found: detect.Extraction | None = None
    decode_ms: float = 0.0
    extract_ms: float = 0.0
    array: np.ndarray | None = None  # the decoded image, when the caller passed an array or it was turned
    source: str | os.PathLike | bytes | bytearray | memoryview | None = None  # what was passed when it was not
    # an array (that is kept in ``array``): decoded again for a second look, rarely
    single: bool = False
    turn: int = 0  # quarter-turns (counter-clockwise, np.rot90) of ``array`` that ``found`` was read at
    size: tuple[int, int] = (0, 0)  # (w, h) of the input as decoded
    zoom: int = 1  # how many times the input was enlarged to be read (detect.enlarge_tiny): ``array`` and every
    # box found are in the enlarged image's pixels until unturn maps them back
    page: tuple[Pages, int] | None = None  # a page of a file of several: its Pages and index, decoded again when
    # needed (its array is not kept)
    quarter_turns: list[_Prepared] | None = None  # the page turned 1 and 3 quarter-turns (``turns((1, 3))``) when
    # they were found and the page kept as it lies: by _turn_by_digit_votes (its blobs on their side either way), or
    # by _quarter_turn when it reads so unsurely that _search_turns will read them too

    def drop_decoded(self) -> None:
        """Forget the decoded image once its digits are found, when it can be decoded again (from ``source`` or
        its ``page``): a batch holds no decoded photo or page longer than its own extraction. An array passed in
        is kept (there is nothing to decode it again from)."""
        if self.source is not None or self.page is not None:
            self.array = None

    @property
    def widths(self) -> list[int]:
        """The width in px of each text line's tensor (what the line model's outputs are cut to)."""
        return [line.fitted.tensor.shape[1] for line in self.found.text_lines] if self.found is not None else []

    def turned(self, k: int, config: DetectConfig = DEFAULT, fast: bool = True, half: bool = True) -> _Prepared:
        """The same input turned ``k`` quarter-turns counter-clockwise (from its own orientation) and extracted
        again with ``config`` (``fast=False``: by the general stages, never detect.clean_digit's fast path;
        ``half=False``: in full, never on detect.extract_page's half-size copy)."""
        return self.turns((k,), config, fast, half)[0]

    def turns(
        self, ks: Sequence[int], config: DetectConfig = DEFAULT, fast: bool = True, half: bool = True
    ) -> list[_Prepared]:
        """``[self.turned(k, config, fast, half) for k in ks]``, the input decoded (when it is not kept) and made gray
        once for all of them. Detection reads the gray image alone (detect.extract begins with ink.to_gray, a
        per-pixel map), so a turned page is kept and turned as gray: a third of a colour photo's bytes to copy
        (a 12 MP photo: 36 MB a turn before)."""
        if self.array is not None:
            own = self.array  # as it was read (enlarged, when it was tiny)
        else:
            if self.page is not None:
                pages, index = self.page
                own = pages[index]
            else:
                assert self.source is not None, "an input is kept as its array or its source"
                own = load_image(self.source)
            own = detect.enlarge_tiny(own, config)[0]  # decoded again: enlarged again, as _prepare read it
        gray = to_gray(own)
        out = []
        for k in ks:
            array = np.ascontiguousarray(np.rot90(gray, k))
            found = detect.extract(
                array, single=self.single, lines=True, config=config, fast=fast, page=self.zoom == 1, half=half
            )
            out.append(
                _Prepared(
                    self.path,
                    found=found,
                    decode_ms=self.decode_ms,
                    extract_ms=self.extract_ms,  # the first extraction: this one is within read_batch's infer time
                    array=array,  # (kept: the turned gray image is decoded from nothing)
                    single=self.single,
                    turn=(self.turn + k) % 4,
                    size=self.size,
                    zoom=self.zoom,
                )
            )
        return out

    def unturn(self, digits: list[Digit]) -> list[Digit]:
        """Boxes of a turned or enlarged page back in the input's pixels (the reading order is the page's own):
        turned back in the enlarged image, then shrunk, each box covering every input pixel it touched."""
        if self.turn == 0 and self.zoom == 1:
            return digits
        z = self.zoom
        w, h = self.size[0] * z, self.size[1] * z
        out = []
        for d in digits:
            x, y, bw, bh = d.box
            if self.turn == 0:
                box = (x, y, bw, bh)
            elif self.turn == 1:  # np.rot90 once: new (x, y) shows old (w - 1 - y, x)
                box = (w - y - bh, x, bh, bw)
            elif self.turn == 2:
                box = (w - x - bw, h - y - bh, bw, bh)
            else:  # three times: new (x, y) shows old (y, h - 1 - x)
                box = (y, h - x - bw, bh, bw)
            if z > 1:
                x0, y0 = box[0] // z, box[1] // z
                box = (x0, y0, -(-(box[0] + box[2]) // z) - x0, -(-(box[1] + box[3]) // z) - y0)
            out.append(Digit(d.value, d.confidence, box, d.line, d.probabilities))
        return out


class _Outputs(NamedTuple):
    probabilities: np.ndarray  # float32 [blobs, 10]: the digit model's
    lines: list[np.ndarray]  # float32 [T, 17] per text line: the line model's
    leans_turned: bool  # the orientation model leans towards the page being turned 180 degrees (log-odds > 0)
    log_odds: float  # the orientation model's log-odds that the page is turned 180 degrees (0.0 when not asked)
    chars: list[list[Char]]  # the line model's greedy CTC reading of each text line (lines.ctc_greedy)


def fast_path_blob(p: _Prepared) -> tuple[int, int, int, int] | None:
    """The box of the one blob an input found by the fast path holds (detect.clean_digit: one blob, no text
    lines; not ``--single``), else None."""
    if p.single or p.found is None or p.found.text_lines or len(p.found.boxes) != 1:
        return None
    return p.found.boxes[0]


def sure_but_wide(p: _Prepared, out: _Outputs, config: ReadConfig = DEFAULT_READ) -> bool:
    """Is a fast-path blob (one blob, no text lines) ``config.glance_wide`` times as wide as tall, with a digit model
    sure of one digit (from ``second_look_below``, which may_be_several leaves, up to ``glance_below``)? The line model
    glances at it (DigitReader._glance) before any second look."""
    box = fast_path_blob(p)
    if box is None:
        return False
    _, _, w, h = box
    sure = float(out.probabilities[0].max())
    return w >= config.glance_wide * h and config.second_look_below <= sure <= config.glance_below


def may_be_several(p: _Prepared, out: _Outputs, config: ReadConfig = DEFAULT_READ) -> bool:
    """Did the fast path (detect.clean_digit: one blob, no text lines) take a blob for one digit that may hold several?
    It is wide enough for two digits (``config.narrow_alone`` heights per digit, as recognize.line_digits judges a blob
    alone on its line) and the digit model doubts it (``second_look_below``). Such a blob is looked at again by the
    general stages and the line model, whose reading is kept when it holds several digits, or a word and no digit.
    Measured on benchmarks/accuracy.py's 100 tight crops of each kind: touching pairs 0.68 -> 0.83 exact, touching
    strings 0.81 -> 0.84, words alone 0.94 -> 0.96; the 10,000 MNIST test digits as dark-on-light scans 0.9931 -> 0.9928
    exact (two read as two digits, a 6 as a word)."""
    box = fast_path_blob(p)
    if box is None:
        return False
    _, _, w, h = box
    return w >= 2 * config.narrow_alone * h and float(out.probabilities[0].max()) < config.second_look_below


def least_sure(digits: Sequence[Digit]) -> float:
    """The confidence of the least sure of ``digits`` (0-1); 0.0 for none."""
    return min((d.confidence for d in digits), default=0.0)


def way_up_disputed(out: _Outputs, config: ReadConfig = DEFAULT_READ) -> bool:
    """Do the two models dispute a page's way up as it lies? The orientation model is sure it is turned 180
    degrees, with log-odds of at least ``config.sure_turn_odds`` (recognize.turned_over on what the line model
    reads on it as it lies), and a page still lying so is one whose turned reading the line model found less
    sure by more than ``sure_turn_tolerance`` (keep_turned). Or the page holds ``many_chars`` characters or more
    (a form with printed labels) and the orientation model calls it turned with log-odds of at least
    ``many_chars_dispute_odds``: upright pages of that many characters stand far below 0. Such a page's digits
    keep confidences of at most ``disputed_confidence``: issue 10's "never return a confident reading of an
    upside-down page".

    Not below ``sure_turn_odds``: with the first orientation model (runs/orientation2), an upright, clean '8106'
    (mostly digits that read as digits turned; its turned '9018' 0.02-0.03 nats per character less sure) stood
    at 6.8-7.2, as did ../shared/cases' upside-down-064468.jpg (7.4, 0.013 less sure), and seed 1's rotated_180
    photos at 4.2 and 6.9 read upside down, next to an upright dark webcam frame at 4.5 read right. runs/orient3
    put the '8106' at 0.5 and the case at 11.5, the shipped one (runs/orient6) the case at 10.0, but upright
    webcam-like frames still reach 6.7 (``flip_log_odds``)."""
    chars = [c for cs in out.chars for c in cs]
    if len(chars) >= config.many_chars and out.log_odds >= config.many_chars_dispute_odds:
        return True
    return out.log_odds >= config.sure_turn_odds and turned_over(chars, out.log_odds, config)


def reads_turned(
    upright: _Outputs,
    widths: list[int],
    turned: list[np.ndarray],
    turned_widths: list[int],
    config: ReadConfig = DEFAULT_READ,
) -> bool:
    """recognize.keep_turned for a page read as it lies (``upright``, its lines ``widths`` px wide) and turned
    180 degrees (the line model's posteriors ``turned``, float32 [T, 17] per line, ``turned_widths`` px)."""
    return keep_turned(
        [c for cs in upright.chars for c in cs],
        peak_score(upright.lines, widths),
        page_chars(turned, turned_widths),
        peak_score(turned, turned_widths),
        upright.log_odds,
        config,
    )


def names_a_file(image: bytes | bytearray) -> bool:
    """Are these bytes the name of an existing file, not image data (``read(b'scan.png')``)?"""
    if not 0 < len(image) <= 4096 or b"\x00" in image:
        return False
    try:
        return os.path.isfile(os.fsdecode(bytes(image)))
    except (OSError, ValueError):
        return False


def renumber_lines(digits: list[Digit]) -> list[Digit]:
    """Number the text lines that hold digits 0, 1, 2, ... (a line of words alone gives no digit)."""
    numbers = {line: n for n, line in enumerate(sorted({d.line for d in digits}))}
    return [
        d if d.line == numbers[d.line] else Digit(d.value, d.confidence, d.box, numbers[d.line], d.probabilities)
        for d in digits
    ]


def check_single(value: object) -> bool:
    """``value`` as ``single`` takes it (True or False, NumPy's too); TypeError for anything else, which would read
    as true or false by accident (the string ``"false"`` is true)."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"single must be True or False, got {value!r}")
    return bool(value)


def batch_paths(paths: Iterable[str | os.PathLike[str] | None] | None, count: int) -> list[str | None]:
    """``read_batch``'s ``paths`` -> one name (or None) per image, ``count`` of them (a ``Path`` as its str).
    Raises TypeError for one path passed alone or a name that is not a str, os.PathLike or None; ValueError when
    there are not ``count`` of them."""
    if isinstance(paths, (str, os.PathLike, bytes)):
        raise TypeError(f"read_batch: paths takes a list of paths, one per image, got {paths!r}; pass [{paths!r}]")
    names: list[str | None] = (
        [None] * count if paths is None else [os.fspath(p) if isinstance(p, os.PathLike) else p for p in paths]
    )
    if len(names) != count:
        raise ValueError(f"read_batch got {count} images but {len(names)} paths; pass one path (or None) per image")
    for name in names:
        if name is not None and not isinstance(name, str):
            raise TypeError(f"path must be a str, an os.PathLike or None (the name in Reading.path), got {name!r}")
    return names


def path_name(item: object, call: str = "read_paths", takes: str = "paths") -> str:
    """One input of ``read_paths`` (or ``batch.read_archive``: ``call``, which ``takes`` paths or URIs) as a str
    path: bytes (a name listed with ``os.listdir(b".")``, perhaps not UTF-8) decoded as the file system does
    (``os.fsdecode``), so it is read as a file and not as image bytes; raises TypeError, saying what to pass, for
    anything that is no path."""
    if isinstance(item, (str, bytes, os.PathLike)):
        return os.fsdecode(item)
    raise TypeError(f"{call} takes {takes} (str, bytes or os.PathLike), got {type(item).__name__} {item!r}")


def refuse_one(inputs: object, call: str) -> None:
    """Raise TypeError, saying what to pass, unless ``inputs`` is a collection of inputs for ``call``
    (read_batch, read_many, read_paths): a lone path, bytes or array would be iterated item by item, each
    character, byte or row taken for an input."""
    got = type(inputs).__name__
    if isinstance(inputs, (str, os.PathLike)):
        if call == "read_paths":
            raise TypeError(
                f"read_paths takes a list of paths, got one {got} {os.fspath(inputs)!r}; for one file, folder "
                f"or pattern pass [{os.fspath(inputs)!r}]"
            )
        raise TypeError(
            f"{call} takes a list of images, got one path {os.fspath(inputs)!r}; use read() for one image, "
            f"or read_paths([{os.fspath(inputs)!r}]) for a folder"
        )
    what = "paths" if call == "read_paths" else "images"
    if isinstance(inputs, (bytes, bytearray, memoryview)):
        raise TypeError(
            f"{call} takes a list of {what}, got one {got}; use read() for one image's bytes, or pass [data]"
        )
    # One image is (H, W) or (H, W, C) with C <= 4. A stack of images, (N, H, W) or (N, H, W, C), is a
    # collection: it iterates image by image, as a list of them would.
    if isinstance(inputs, np.ndarray) and (inputs.ndim <= 2 or (inputs.ndim == 3 and inputs.shape[2] <= 4)):
        raise TypeError(
            f"{call} takes a list of {what}, got one image array of shape {inputs.shape}; use read() for one "
            "image, or pass [image]"
        )
    try:
        iter(inputs)  # type: ignore[call-overload]
    except TypeError:
        raise TypeError(f"{call} takes a list (or any iterable) of {what}, got {got}") from None


def chunked(items: Iterable, size: int) -> Iterator[list]:
    """Lists of up to ``size`` consecutive items, pulled lazily."""
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk
