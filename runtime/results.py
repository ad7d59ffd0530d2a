"""What was read: ``Reading`` (one input) holds ``Digit``s (one digit each). Frozen dataclasses; the JSON
record that other programs rely on (docs/command-line.md, "JSON lines"; the project's design document) is
``Reading.to_dict()``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from numbers import Integral, Real

import numpy as np

UNCERTAIN = "?"


def int_box(box) -> tuple[int, int, int, int]:
    """A box (x, y, w, h) of any integer type (NumPy's too) as four Python ints."""
    x, y, w, h = box
    return int(x), int(y), int(w), int(h)


@dataclass(frozen=True)
class Digit:
    """One digit read: ``value`` 0-9; ``confidence`` in [0, 1], its probability in ``probabilities``;
    ``box`` (x, y, w, h) in px of the input as displayed (EXIF orientation applied), x and y its top-left
    corner; ``line`` the index of its text line, 0 = top, in reading order; ``probabilities`` float32 [10]
    over the digits 0-9: the digit model's softmax, the line model's CTC posterior, or both pooled
    (``recognize.pooled``); None only for a Digit made by hand. ``page``: in a file of several pages (a
    multi-page TIFF), which page the digit is on, 1 = first, its ``box`` in that page's pixels; None for an
    image of one page."""

    value: int
    confidence: float
    box: tuple[int, int, int, int]  # x, y, w, h in the image's pixels
    line: int = 0  # which text line, 0 = top
    probabilities: np.ndarray | None = field(default=None, repr=False, compare=False)
    page: int | None = None  # which page of a multi-page file, 1 = first (None: an image of one page)

    def to_dict(self) -> dict:
        """The digit's JSON record: ``{"digit", "confidence", "box", "line"}``, and ``"page"`` in a file of several
        pages. ``line`` is the index of the line of ``text`` the digit is on (0 = first): which digits make a line
        (a teacher's trial: a record could not say, so the digits of a page could not be split by line)."""
        record: dict[str, object] = {
            "digit": self.value,
            "confidence": shown_confidence(self.confidence),
            "box": list(self.box),
            "line": self.line,
        }
        if self.page is not None:
            record["page"] = self.page
        return record


@dataclass(frozen=True)
class Reading:
    """What was read from one input. ``error`` is set (and ``digits`` empty) when the input was unreadable."""

    text: str
    digits: list[Digit]
    path: str | None = None
    error: str | None = None
    timings_ms: dict = field(default_factory=dict, repr=False, compare=False)
    raw: str | None = None  # everything the line model read: digits, separators, ``*`` for a word; lines by "\n"
    pages: int | None = None  # a file of several pages (a multi-page TIFF): how many, read in order, their lines
    #   one after another in ``text``; None for an image of one page

    def __hash__(self) -> int:
        """A Reading is hashable, as a frozen dataclass is (a set of readings, a dict keyed by them): its fields
        hashed as ``==`` compares them, ``digits`` as a tuple (a list is not hashable; a new user's trial)."""
        return hash((self.text, tuple(self.digits), self.path, self.error, self.raw, self.pages))

    @property
    def ok(self) -> bool:
        """Was the input read (no ``error``)?"""
        return self.error is None

    @property
    def lines(self) -> list[str]:
        """``text`` split into its text lines, top first ([] when nothing was read)."""
        return self.text.split("\n") if self.text else []

    def on_page(self, number: int) -> Reading:
        """The part of a multi-page file's Reading on page ``number`` (1 = first): its digits and their text lines,
        boxes in that page's pixels, each digit's ``line`` counted on that page (0 = its top line: an index into
        the page's own ``lines``), ``pages`` None, ``raw`` None (the file's ``raw`` joins the pages' raw readings
        without saying which page each came from: a page the line model did not read adds nothing). The Reading
        itself for an image of one page and ``number`` 1. Raises ValueError for a page the file does not have,
        TypeError for a ``number`` that is no whole number (a str, a float, None)."""
        if isinstance(number, bool) or not isinstance(number, Integral):
            raise TypeError(
                f"page {number!r}: a page number is a whole number, 1 = first (got {type(number).__name__}); "
                "pass int(...) of it"
            )
        number = int(number)
        if self.pages is None and number == 1:
            return self
        if not 1 <= number <= (self.pages or 1):
            raise ValueError(f"page {number!r}: {self.path or 'this input'} has {self.pages or 1} page(s)")
        digits = [d for d in self.digits if d.page == number]
        lines = self.lines
        on_page = self._page_lines()[number - 1]
        text = "\n".join(lines[n] for n in on_page)
        # (the file's line numbers run on from page to page: page 2's top line was line 1 of a file whose first
        # page had one, and page.lines[digit.line] was out of range; a new user's trial)
        renumbered = {n: i for i, n in enumerate(on_page)}
        digits = [replace(d, line=renumbered.get(d.line, d.line)) for d in digits]
        return Reading(text, digits, self.path, self.error, self.timings_ms, None)

    def with_min_confidence(self, min_confidence: float) -> Reading:
        """This Reading with its ``text`` (and each page's) composed at another threshold: a digit whose confidence
        is below ``min_confidence`` (a number from 0 to 1) shows as ``?``; ``digits`` are unchanged. A threshold
        per call for a reader that threads share (a service: ``reader.read(data).with_min_confidence(0.9)``),
        where setting ``reader.min_confidence`` would change every thread's. An error record is returned as it
        is. Raises ValueError for a threshold that is not a number from 0 to 1, as DigitReader does."""
        threshold = check_fraction("min_confidence", min_confidence)
        if self.error is not None:
            return self
        return replace(self, text=compose_text(self.digits, threshold))

    def to_dict(self) -> dict:
        """The JSON record (docs/command-line.md, "JSON lines"): ``{"path", "text", "digits": [...]}`` (plus
        ``raw`` when the line model read the image, ``pages`` and ``page_texts``, each page's text, for a file of
        several pages) or ``{"path", "error"}``; ``path``
        is always there, None when the input had no name (an array or bytes); a path whose bytes are not UTF-8
        as ``shown_path`` writes it."""
        path = shown_path(self.path) if isinstance(self.path, str) else self.path
        if self.error is not None:
            return {"path": path, "error": self.error}
        record: dict[str, object] = {"path": path, "text": self.text, "digits": [d.to_dict() for d in self.digits]}
        if self.raw is not None:
            record["raw"] = self.raw
        if self.pages is not None:
            record["pages"] = self.pages
            # each page's text, "" for a page with no digits: `text` runs the pages' lines together, and a program
            # filling a table by page could not tell where a page ended (a new user's trial)
            record["page_texts"] = self.page_texts
        return record

    @property
    def page_texts(self) -> list[str] | None:
        """Each page's ``text``, first page first, "" for a page with no digits: ``on_page(n).text`` for every
        page, in one pass over the digits (one ``on_page`` per page passed over every digit of the file each time);
        None for an image of one page."""
        if self.pages is None:
            return None
        lines = self.lines
        return ["\n".join(lines[n] for n in numbers) for numbers in self._page_lines()]

    def _page_lines(self) -> list[list[int]]:
        """For each page of a file of several (one page for an image of one), the indices into ``lines`` of its
        text lines, top first: the lines its digits are on. One pass over the digits."""
        count = self.pages or 1
        lines = len(self.lines)
        on_page: list[set[int]] = [set() for _ in range(count)]
        for d in self.digits:
            page = d.page or 1
            if 1 <= page <= count and d.line < lines:
                on_page[page - 1].add(d.line)
        return [sorted(numbers) for numbers in on_page]


def shown_confidence(confidence: float) -> float:
    """A confidence as the JSON record writes it: to 4 decimals, never above itself (0.99996 -> 0.9999, not
    1.0), so that a threshold of up to 4 decimals puts it on the same side as ``text``'s ``?`` does (rounded,
    0.49996 showed 0.5 beside a '?' at the default ``min_confidence`` 0.5)."""
    shown = round(confidence, 4)
    return round(shown - 1e-4, 4) if shown > confidence else shown


def shown_path(path: str) -> str:
    """``path`` as the records write it: itself, unless the file name's bytes are not UTF-8 (a Latin-1 name of
    an old archive, which Python holds as lone surrogates): then each such byte as ``\\xNN`` (b'caf\\xe9.png'
    -> 'caf\\\\xe9.png'), so that every record (``Reading.to_dict``, a batch shard in JSON lines or Parquet, a
    ``classify`` result as a table, JSON lines or CSV) is valid UTF-8."""
    try:
        return path.encode("utf-8").decode("utf-8")
    except UnicodeEncodeError:
        pass
    try:
        return path.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:  # a surrogate no file name makes ('\ud800'): as its escape
        return path.encode("utf-8", "backslashreplace").decode("utf-8")


def check_fraction(name: str, value: object, *, below_one: bool = False) -> float:
    """``value`` as a float in [0, 1] ([0, 1) with ``below_one``); ValueError naming ``name`` and the value
    for anything else (NaN, a string, a bool, None)."""
    ok = isinstance(value, Real) and not isinstance(value, bool) and not math.isnan(value)
    if not ok or not (0 <= value <= 1) or (below_one and value == 1):  # type: ignore[operator]
        span = "0 to 1 (1 excluded)" if below_one else "0 to 1"
        raise ValueError(f"{name} must be a number from {span}, got {value!r}")
    return float(value)  # type: ignore[arg-type]


def compose_text(digits: list[Digit], min_confidence: float) -> str:
    """Digits in reading order; a line break between text lines; ``?`` for a digit below ``min_confidence``."""
    lines: dict[int, list[str]] = {}
    for digit in digits:
        lines.setdefault(digit.line, []).append(str(digit.value) if digit.confidence >= min_confidence else UNCERTAIN)
    return "\n".join("".join(chars) for _, chars in sorted(lines.items()))


def join_pages(pages: list[Reading], min_confidence: float) -> Reading:
    """The Readings of the pages of one file, in page order -> one Reading of the file: every page's digits, each
    with its ``page`` (1 = first) and its line numbered after the lines of the pages before it, so that ``text``
    holds the pages' lines one after another; ``raw`` the pages' raw readings joined by newlines; ``pages`` their
    count. A page that could not be read makes the file's Reading an error naming the page (pages of one file come from
    one decoded file, so this is rare)."""
    first = pages[0]
    for number, page in enumerate(pages, 1):
        if page.error is not None:
            return Reading("", [], first.path, f"page {number} of {len(pages)}: {page.error}")
    digits: list[Digit] = []
    lines = 0
    for number, page in enumerate(pages, 1):
        digits += [replace(d, line=lines + d.line, page=number) for d in page.digits]
        lines += max((d.line for d in page.digits), default=-1) + 1
    raws = [page.raw for page in pages if page.raw]
    timings: dict = {}
    for page in pages:
        for stage, ms in page.timings_ms.items():
            timings[stage] = timings.get(stage, 0.0) + ms
    raw = "\n".join(raws) if raws else (None if all(page.raw is None for page in pages) else "")
    return Reading(compose_text(digits, min_confidence), digits, first.path, None, timings, raw, len(pages))
