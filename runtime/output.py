"""Writing readings as a table (people), JSON lines or CSV (programs and spreadsheets), the run summary,
and the progress bar of a long run.

The JSON record is the interface other programs rely on (docs/command-line.md, "JSON lines"): one object per
input, ``{"path", "text", "digits": [{"digit", "confidence", "box": [x, y, w, h]}]}`` or ``{"path", "error"}``.
The CSV has one row per input with the columns of ``CSV_COLUMNS`` (see ``csv_row`` and docs/command-line.md,
"CSV").
"""

from __future__ import annotations

import json
import math
import sys
import time
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Protocol, TextIO

if TYPE_CHECKING:  # annotations only: importing the results here would load NumPy
    from .results import Reading

FORMATS = ("table", "jsonl", "csv")
# One row per input. digits: the record's "digits" list as JSON; lowest_confidence: of its digits (empty
# when none), for sorting a sheet by how sure the reading is; pages and page_texts (JSON), a file of several
# pages' (empty for an image of one), added last so that the columns before keep their places.
CSV_COLUMNS = ["path", "text", "digit_count", "lowest_confidence", "digits", "error", "pages", "page_texts"]


class TextSink(Protocol):
    """Where results are written: a text stream (``sys.stdout``, an open file) or anything with its two calls."""

    def write(self, text: str, /) -> int: ...

    def flush(self) -> None: ...


class Writer:
    """Writes one reading at a time to ``stream`` (default: stdout), so results stream out as they are read.
    A CSV starts with its header line (CSV_COLUMNS). Raises ValueError for an unknown format."""

    def __init__(self, fmt: str, stream: TextSink | None = None):
        if fmt not in FORMATS:
            raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
        self.fmt = fmt
        self.stream = sys.stdout if stream is None else stream
        if fmt == "csv":
            self._write_csv(CSV_COLUMNS)

    def _write_csv(self, row: list) -> None:
        import csv
        import io

        line = io.StringIO()
        csv.writer(line).writerow(row)  # quoting as the csv module does it: "" inside quoted cells, \r\n ends
        self.stream.write(line.getvalue())

    def write(self, reading: Reading) -> None:
        """Write one reading's record; a path whose bytes are not UTF-8 is written as ``results.shown_path`` gives
        it."""
        from .results import shown_path

        if isinstance(reading.path, str) and (shown := shown_path(reading.path)) != reading.path:
            reading = replace(reading, path=shown)
        if self.fmt == "jsonl":
            self.stream.write(json.dumps(reading.to_dict(), ensure_ascii=False) + "\n")
        elif self.fmt == "csv":
            self._write_csv(csv_row(reading))
        else:
            self.stream.write(table_row(reading) + "\n")
        self.stream.flush()


def csv_row(reading: Reading) -> list:
    """The CSV row of a reading, in the order of CSV_COLUMNS: path; text (lines separated by a newline inside
    the quoted cell, ``?`` for an uncertain digit); digit_count; lowest_confidence (4 decimals, empty when no
    digit); digits, the JSON list of the JSON-lines record (``[{"digit": 3, "confidence": 0.9981, "box":
    [x, y, w, h]}, ...]``); error (empty when the input was read; then text and digits are empty); pages, how many
    pages a file of several has, and page_texts, the JSON list of each page's text (``["12", "", "7"]``; both empty
    for an image of one page: a spreadsheet of scanned multi-page forms could not tell where a page ended)."""
    if not reading.ok:
        return [reading.path, "", 0, "", "", reading.error, "", ""]
    digits = [d.to_dict() for d in reading.digits]
    low = min((d["confidence"] for d in digits), default=None)
    texts = reading.page_texts
    return [
        reading.path,
        reading.text,
        len(digits),
        "" if low is None else f"{low:.4f}",
        json.dumps(digits, separators=(", ", ": ")),
        "",
        "" if reading.pages is None else reading.pages,
        "" if texts is None else json.dumps(texts, ensure_ascii=False),
    ]


def confidence_label(confidence: float, percent: bool = False) -> str:
    """A confidence in [0, 1] as the table and the drawn images show it, rounded *down* to hundredths (0.9996 ->
    "0.99", or "99%" with ``percent``): a digit shown as '?' under ``--min-confidence 1.0`` never has "1.00"
    beside it, and "1.00" means the model gave the digit all its probability."""
    hundredths = math.floor(confidence * 100 + 1e-9)  # 1e-9: 0.29 * 100 is 28.999999999999996 in floats
    return f"{hundredths}%" if percent else f"{hundredths / 100:.2f}"


# Control characters in a file name, as the table shows them: a name holding a newline split its row in two.
_CONTROLS = {c: f"\\x{c:02x}" for c in (*range(0x20), 0x7F)} | {0x0A: "\\n", 0x0D: "\\r", 0x09: "\\t"}


def shown_path(path: str | None) -> str:
    """A path as the table shows it: its control characters (a newline, a tab, ESC) escaped as in a Python string
    literal (``\\n``, ``\\t``, ``\\x1b``), so that each reading stays one row and no name can move the terminal's
    cursor; every other character as it is. JSON lines and CSV quote the path themselves and keep it whole."""
    return str(path).translate(_CONTROLS)


def table_row(reading: Reading) -> str:
    """The table's row of a reading: the path, the text (a page's lines joined by `` / ``) and each digit's
    confidence; a file of several pages (a PDF, a multi-page TIFF) each page's text after ``p1:``, ``p2:``, ...
    joined by `` | ``, a page with no digits as ``-`` (its pages ran together, and a blank page vanished: a new
    user's trial of scanned forms). The path as ``shown_path`` shows it."""
    if not reading.ok:
        return f"{shown_path(reading.path)}  ERROR: {reading.error}"
    if not reading.digits:
        return f"{shown_path(reading.path)}  (no digits found)"
    shown = reading.text.replace("\n", " / ")
    if reading.pages is not None and reading.pages > 1:
        texts = (text.replace("\n", " / ") for text in reading.page_texts or [])
        shown = " | ".join(f"p{n}: {text or '-'}" for n, text in enumerate(texts, 1))
    confidences = " ".join(confidence_label(d.confidence) for d in reading.digits)
    return f"{shown_path(reading.path)}  {shown}  [{confidences}]"


@dataclass
class Summary:
    images: int = 0
    failed: int = 0
    digits: int = 0
    empty: int = 0
    errors: list = field(default_factory=list)

    def add(self, reading: Reading) -> None:
        self.images += 1
        if not reading.ok:
            self.failed += 1
            self.errors.append(reading.path)
        else:
            self.digits += len(reading.digits)
            self.empty += not reading.digits

    def line(self, seconds: float, interrupted: bool = False) -> str:
        rate = self.images / seconds if seconds > 0 else 0.0
        text = (
            f"{self.images} image(s): {self.images - self.failed} read, {self.failed} failed, "
            f"{self.digits} digit(s), {self.empty} with no digits; {seconds:.2f} s ({rate:.0f} images/s)"
        )
        return ("interrupted after " + text) if interrupted else text


class ProgressBar:
    """A progress bar on stderr for a long run, drawn with rich (by default only when stderr is a terminal:
    the commands' --progress). Asked for on a stream that is no terminal (``--progress 2> run.log``), where a bar
    cannot be redrawn, it writes a line of the same counts every LINE_EVERY_S seconds and a last one at the end.

    With a total (``set_total``, e.g. the images of a folder, counted beside the run): bar, done/total,
    percent, images/s and the time left. Without (paths streaming in on stdin): the count, images/s and the
    time so far. Nothing is ever written to stdout: results that go to the same terminal are written through
    ``out`` (a file-like): they are held and, at each refresh (10 times a second), the bar is taken down,
    the lines are written to stdout, and the bar is put back. Results going elsewhere (a file, a pipe) are
    written at once. Rich is imported only when a bar is shown.
    """

    REFRESH_S = 0.1
    LINE_EVERY_S = 5.0  # a stream that is no terminal (--progress 2> run.log): a line of counts this often

    def __init__(self, stream: TextIO, results: TextIO):
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn

        self.stream = stream
        self.lines = not _is_terminal(stream)  # a bar cannot be redrawn in a file: lines of counts instead
        self.console = Console(file=stream, highlight=False, markup=False, emoji=False)
        self.progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            _counts_column(),
            console=self.console,
            transient=True,
            auto_refresh=False,
            redirect_stdout=False,
            redirect_stderr=False,
            disable=self.lines,  # (it still keeps the counts and the rate)
        )
        self.task = self.progress.add_task("reading", total=None)
        self.results = results
        self.shared = shares_terminal(stream, results)
        self.held = _Held() if self.shared else None  # result lines held back while the bar is drawn
        self.out: TextSink = self.held if self.held is not None else results
        self.failed = 0
        self._last = 0.0
        self._last_line = time.monotonic()
        self._lined = -1.0  # the count the last line of counts gave
        if not self.lines:
            self.progress.start()

    def set_total(self, total: int) -> None:
        """The number of results the run will give (may be called from another thread)."""
        self.progress.update(self.task, total=total)

    def advance(self, failed: bool = False) -> None:
        """One more result; redraws the bar (and writes held results) at most every REFRESH_S seconds."""
        self.failed += failed
        self.progress.update(
            self.task, advance=1, description=f"reading ({self.failed} failed)" if self.failed else "reading"
        )
        self._refresh()

    def set_done(self, done: int, description: str) -> None:
        """The results so far, ``done`` of them, and the bar's ``description``, from a run that counts them itself
        (``batch``: a shard at a time); redraws as ``advance`` does."""
        self.progress.update(self.task, completed=done, description=description)
        self._refresh()

    def _refresh(self) -> None:
        now = time.monotonic()
        if self.lines:
            if now - self._last_line >= self.LINE_EVERY_S:
                self._last_line = now
                self._write_line()
        elif now - self._last >= self.REFRESH_S:
            self._last = now
            self._redraw()

    def _redraw(self) -> None:
        if self.held is not None and self.held.lines:
            self.progress.stop()  # transient: the bar's line is erased, the cursor is back at its start
            self._write_held()
            self.progress.start()
        else:
            self.progress.refresh()

    def _write_held(self) -> None:
        assert self.held is not None
        self.results.write("".join(self.held.lines))
        self.results.flush()
        self.held.lines.clear()

    def _write_line(self) -> None:
        """The bar's counts as one line of text (a stream that is no terminal)."""
        task = self.progress.tasks[0]
        self._lined = task.completed
        elapsed = task.elapsed or 0.0
        speed = task.completed / elapsed if elapsed > 0 else None  # since the start: a line's rate is the run's
        left = (task.total - task.completed) / speed if speed and task.total is not None else None
        self.stream.write(f"{task.description}  {counts_text(task.completed, task.total, speed, elapsed, left)}\n")
        self.stream.flush()

    def close(self) -> None:
        """Take the bar down and write what is held (to a stream that is no terminal: a last line of counts).
        Safe to call twice."""
        if self.lines:
            if self.progress.tasks[0].completed != self._lined:  # (unless the last line says it already)
                self._write_line()
            return
        self.progress.stop()
        if self.held is not None and self.held.lines:
            self._write_held()


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # no isatty, or closed
        return False


def shares_terminal(a: TextIO, b: TextIO) -> bool:
    """Whether two streams are the same terminal (their writes would land on the same screen)."""
    import os

    try:
        return a.isatty() and b.isatty() and os.fstat(a.fileno()).st_rdev == os.fstat(b.fileno()).st_rdev
    except (AttributeError, OSError, ValueError):
        return False


class _Held:
    """Result lines held back while the bar is on the same terminal (see ProgressBar)."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def write(self, text: str) -> int:
        self.lines.append(text)
        return len(text)

    def flush(self) -> None:
        pass


def _counts_column():
    """A rich column instance (built here, where rich is imported): counts, rate and time left."""
    from rich.progress import ProgressColumn
    from rich.text import Text

    class Counts(ProgressColumn):
        """``1,234/4,000 31% 250 images/s 0:00:11 left``, or ``1,234 250 images/s 0:00:05`` without a total."""

        def render(self, task) -> Text:
            return Text(counts_text(task.completed, task.total, task.speed, task.elapsed, task.time_remaining))

    return Counts()


def counts_text(
    done: float, total: float | None, speed: float | None, elapsed: float | None, left: float | None
) -> str:
    """``1,234/4,000  31%  250 images/s  0:00:11 left``, or ``1,234  250 images/s  0:00:05`` (the time so far)
    without a ``total``. ``speed`` in images/s, ``elapsed`` and ``left`` in seconds; None: not known yet."""
    from datetime import timedelta

    rate = f"{speed:,.0f} images/s" if speed else "… images/s"
    if total is None:
        return f"{done:,.0f}  {rate}  {timedelta(seconds=int(elapsed or 0))}"
    eta = f"{timedelta(seconds=int(left))} left" if left is not None else "-:--:-- left"
    return f"{done:,.0f}/{total:,.0f}  {100 * done / total if total else 0:3.0f}%  {rate}  {eta}"
