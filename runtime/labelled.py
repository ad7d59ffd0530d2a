"""Accuracy on your own labelled images: a CSV of ``file,text`` rows, read with a DigitReader and scored as
``benchmarks/accuracy.py`` scores its material.

    from edgedigits.runtime.labelled import read_labels, score
    report = score(DigitReader(), read_labels("scans/expected.csv"))
    report["exact_rate"], report["digit_accuracy"], report["misses"]

``edgedigits evaluate --labels scans/expected.csv`` prints the same report. The CSV is the one
``../shared/cases/expected.csv`` uses: a header with the columns ``file`` and ``text`` (in any order and case;
others are ignored), then one row per image. ``file`` is relative to the CSV's own folder (or absolute); ``text``
is what the image should read, as ``Reading.text`` gives it: its digits, and a line break between text lines (a
quoted field may hold one); empty for an image that should read nothing. A spreadsheet that stored ``070`` as a
number has lost its leading zero: keep the column as text. ``classify --format csv``'s output is such a CSV too
(its ``path`` column is the file's): written in the folder it was run from, with its readings checked and
corrected by hand, it is a labelled set. A CSV separated by ``;`` or tabs (a spreadsheet set to a European
locale) is read as well, when its header line holds no comma.

The figures, as benchmarks/accuracy.py gives them for its material:
- the exact rate: the share of images whose whole text is right, line breaks included;
- the digit accuracy, 1 - CER: one less the character error rate, the Levenshtein edit distance between the
  digits read and the labelled digits (line breaks left out: a number read on one line that was written on two
  has every digit right), summed over the images and divided by the number of labelled digits, each image's
  distance capped at its label's digit count (an image that read noise costs its own digits, not more); None
  when no digit is labelled;
- images with digits too many: more digits read than labelled, the error the cap leaves out (a blank form
  field read as ``1``).
"""

from __future__ import annotations

import csv
import os
import time
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, NamedTuple, Sequence

from .output import shown_path

if TYPE_CHECKING:
    from .reader import DigitReader
    from .results import Reading

FILE_COLUMNS = ("file", "path")  # the image's column: "file" (../shared/cases), or "path" (classify's CSV)
MISSES_SHOWN = 20  # misses format_report lists (the JSON report has them all)
PROBLEMS_SHOWN = 10  # bad rows a LabelsError names (it counts them all)
CONFUSIONS_SHOWN = 5  # the commonest substitutions a report gives, as `evaluate`'s worst confusions


class LabelsError(ValueError):
    """A labels CSV that cannot be used: it names the file, the line and what to do."""


class Label(NamedTuple):
    path: str  # the image: the CSV's ``file``, joined to the CSV's folder when it is relative
    text: str  # what it should read: digits, text lines joined by "\n" (as ``Reading.text``)
    file: str  # the CSV's ``file`` as written there (the report names images so)
    row: int  # the CSV line the row starts on (1 = the header)


def read_labels(csv_path: str | os.PathLike) -> list[Label]:
    """The labelled images of a CSV (see the module's docstring) -> one Label per row, in order.

    Read as UTF-8 (a spreadsheet's byte-order mark is skipped); spaces around a field are dropped, and any whitespace
    inside a text's lines too (two answers side by side, "844 905", read as one line "844905"; a no-break space, a stray
    carriage return), a text's line breaks kept (an empty line dropped) ("\\r\\n" is "\\n"); blank rows skipped. A
    ``file`` written with backslashes (a Windows export) that does not exist so is taken with slashes. Raises
    LabelsError (a ValueError) for a file that cannot be read, is no CSV (an unclosed quote, a field over the csv
    module's limit), has no header with ``file`` and ``text`` (or has one of them twice), or no rows; and, naming every
    bad row's line (the first PROBLEMS_SHOWN), for a row without a file or without a text cell, or with a text that
    holds anything but digits and line breaks (the reader reads digits only: label "Box 76" as 76). A labelled
    image that does not exist is not an error here: ``score`` counts it as unreadable, with the reader's message."""
    path = Path(csv_path)
    if path.is_dir():
        raise LabelsError(f"{path}: a folder; give the CSV file of its labels (e.g. {path / 'expected.csv'}).")
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            rows, problems = _rows(path, handle)
    except UnicodeDecodeError as exc:
        raise LabelsError(
            f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start}); save the CSV as UTF-8."
        ) from None
    except OSError as exc:
        raise LabelsError(f"{path}: cannot read the labels ({exc.strerror or exc}); check the path.") from None
    if problems:
        shown = "\n".join(f"  line {line}: {problem}" for line, problem in problems[:PROBLEMS_SHOWN])
        more = f"\n  ... and {len(problems) - PROBLEMS_SHOWN} more" if len(problems) > PROBLEMS_SHOWN else ""
        raise LabelsError(f"{path}: {len(problems)} row(s) cannot be used; mend them and run again:\n{shown}{more}")
    if not rows:
        raise LabelsError(f"{path}: no labelled images (only a header); add one 'file,text' row per image.")
    return rows


def _rows(path: Path, handle) -> tuple[list[Label], list[tuple[int, str]]]:
    """The Labels of an open CSV and its bad rows, (line, what is wrong). Raises LabelsError for a bad header."""
    first = handle.readline()
    handle.seek(0)
    delimiter = "," if "," in first else next((d for d in ";\t" if d in first), ",")
    reader = csv.DictReader(handle, delimiter=delimiter, strict=True)
    try:
        header = [name.strip().lower() for name in reader.fieldnames or []]
    except csv.Error as exc:
        raise LabelsError(f"{path}, line 1: not a CSV header ({exc}); the first line should be 'file,text'.") from None
    column = next((name for name in FILE_COLUMNS if name in header), None)
    if column is None or "text" not in header:
        found = ", ".join(repr(name) for name in reader.fieldnames or []) or "nothing"
        raise LabelsError(
            f"{path}: line 1 should be a header with the columns 'file' and 'text' (found {found}); "
            "add the line 'file,text' at the top."
        )
    twice = [name for name in (column, "text") if header.count(name) > 1]
    if twice:
        raise LabelsError(f"{path}: line 1 names the column {twice[0]!r} twice; keep one of them.")
    reader.fieldnames = header  # ('File', ' text' are the same columns)
    folder = path.parent
    rows: list[Label] = []
    problems: list[tuple[int, str]] = []
    ended = 1  # the last line of the last row read
    try:
        for row in reader:
            ended = reader.line_num
            # the line the row starts on: a quoted text of two lines spans two lines of the file
            line = reader.line_num - sum(value.count("\n") for value in row.values() if isinstance(value, str))
            file = (row.get(column) or "").strip()
            raw = row.get("text")
            text = (raw or "").strip().replace("\r\n", "\n")
            if not file and not text:
                continue  # a row of empty cells: a spreadsheet's export ends with some
            if None in row:  # cells past the header's (csv's restkey): an unquoted text with a comma, '1,234'
                cells = len(header) + len(row[None])
                problems.append((line, f"{cells} cells where the header has {len(header)}; quote a text with a comma"))
                continue
            if not file:
                problems.append((line, f"no file named (text {text!r}); give each row an image and its text"))
            elif raw is None:
                problems.append((line, f"{file} has no text cell; write '{file},' for an image that reads nothing"))
            elif (digits := "".join(text.split())) and not (digits.isascii() and digits.isdigit()):
                problems.append(
                    (
                        line,
                        f"the text {text!r} of {file} holds more than digits; the reader reads digits only (and a "
                        "line break between text lines): label it with its digits alone",
                    )
                )
            else:  # spaces between numbers are no text: '844 905' labels two answers side by side, read '844905'
                lines = ("".join(part.split()) for part in text.split("\n"))  # (any whitespace: a no-break space too)
                rows.append(Label(_image_path(folder, file), "\n".join(part for part in lines if part), file, line))
    except csv.Error as exc:
        raise LabelsError(
            f"{path}, line {ended + 1}: not CSV from there on ({exc}); a quote opened on that line or soon after may "
            "never be closed."
        ) from None
    return rows, problems


def _image_path(folder: Path, file: str) -> str:
    """The image a row names: ``file`` joined to the CSV's folder unless absolute, normalized; written with
    backslashes (a Windows export) and not found so, with slashes."""
    joined = os.path.normpath(os.path.join(folder, file))  # (a CSV in the current folder: no "./" before it)
    if "\\" in file and os.sep == "/" and not os.path.exists(joined):
        return os.path.normpath(os.path.join(folder, file.replace("\\", "/")))
    return joined


def _costs(a: str, b: str) -> list[list[int]]:
    """The Wagner-Fischer table (Wagner and Fischer 1974): costs[i][j], the fewest edits turning a[:i] into b[:j]."""
    costs = [[i + j if not i or not j else 0 for j in range(len(b) + 1)] for i in range(len(a) + 1)]
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            costs[i][j] = min(costs[i - 1][j] + 1, costs[i][j - 1] + 1, costs[i - 1][j - 1] + (a[i - 1] != b[j - 1]))
    return costs


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance (Levenshtein 1966): the fewest insertions, deletions and substitutions of single
    characters that turn ``a`` into ``b``; dynamic programming (Wagner and Fischer 1974), O(len(a) * len(b))."""
    return _costs(a, b)[-1][-1]


def aligned(a: str, b: str) -> list[tuple[str | None, str | None]]:
    """A Levenshtein alignment of ``a`` with ``b``: pairs (x, y) in order, x from ``a`` and y from ``b``; (x, None) a
    deletion, (None, y) an insertion, x != y a substitution. One of the cheapest alignments (edit_distance of
    them: the pairs that are not matches); on ties a substitution is preferred, then a deletion. The standard
    backtrace of the Wagner-Fischer table."""
    cost = _costs(a, b)
    pairs: list[tuple[str | None, str | None]] = []
    i, j = len(a), len(b)
    while i or j:
        if i and j and cost[i][j] == cost[i - 1][j - 1] + (a[i - 1] != b[j - 1]):
            pairs.append((a[i - 1], b[j - 1]))
            i, j = i - 1, j - 1
        elif i and cost[i][j] == cost[i - 1][j] + 1:
            pairs.append((a[i - 1], None))
            i -= 1
        else:
            pairs.append((None, b[j - 1]))
            j -= 1
    return pairs[::-1]


def digit_errors(want: str, got: str) -> int:
    """Character errors of a reading against its label, line breaks left out of both, capped at the label's
    digit count (what the digit accuracy counts)."""
    want, got = want.replace("\n", ""), got.replace("\n", "")
    return min(edit_distance(want, got), len(want))


class Tally:
    """The figures of ``score``, gathered one reading at a time (``add``), so that a run stopped part-way (Ctrl-C)
    still has its report (``report``) for what was read."""

    def __init__(self, labels: Sequence[Label]) -> None:
        self.labels = labels
        self.done = self.exact = self.errors = self.digits = self.unreadable = self.extra = 0
        self.misses: list[dict] = []
        self.confused: Counter = Counter()  # (labelled digit, read character) substitutions
        self.missed: Counter = Counter()  # labelled digits with nothing read for them
        self.added: Counter = Counter()  # characters read where no digit was labelled
        self.started = time.perf_counter()

    def add(self, label: Label, reading: Reading) -> None:
        """Score one labelled image's reading (digits compared with line breaks left out, as ``digit_errors``)."""
        got = reading.text if reading.ok else ""
        digits, read_digits = label.text.replace("\n", ""), got.replace("\n", "")
        self.done += 1
        self.digits += len(digits)
        self.extra += len(read_digits) > len(digits)
        if reading.ok and got == label.text:
            self.exact += 1
            return
        pairs = aligned(digits, read_digits)
        self.errors += min(sum(x != y for x, y in pairs), len(digits))  # digit_errors, from the alignment
        if reading.ok:  # (an unreadable image's digits are errors, but no digit model confused them)
            for want, read in pairs:
                if want is None:
                    self.added[read] += 1
                elif read is None:
                    self.missed[want] += 1
                elif want != read:
                    self.confused[want, read] += 1
        miss = {"file": label.file, "path": label.path, "want": label.text, "got": got}
        if reading.error is not None:
            self.unreadable += 1
            miss["error"] = reading.error
        self.misses.append(miss)

    def report(self, reader: DigitReader) -> dict:
        """The report of the images added so far (see ``score``)."""
        seconds = time.perf_counter() - self.started
        resolved = [os.path.normpath(label.path) for label in self.labels]
        return {
            "images": self.done,
            "labelled": len(self.labels),
            "exact": self.exact,
            "exact_rate": round(self.exact / self.done, 6) if self.done else None,
            "digits": self.digits,
            "digit_errors": self.errors,
            "digit_accuracy": round(1.0 - self.errors / self.digits, 6) if self.digits else None,
            "extra_digits": self.extra,
            "unreadable": self.unreadable,
            "repeated": len(resolved) - len(set(resolved)),
            "leading_zeros_lost": sum(
                1
                for m in self.misses
                if "error" not in m and m["want"] and m["got"].lstrip("0") == m["want"] and m["got"] != m["want"]
            ),
            "confusions": [
                {"true": want, "read": read, "count": n}
                for (want, read), n in self.confused.most_common(CONFUSIONS_SHOWN)
            ],
            "missed": dict(self.missed.most_common()),
            "added": dict(self.added.most_common()),
            "seconds": round(seconds, 3),
            "images_per_s": round(self.done / seconds, 1) if seconds > 0 else None,
            "model": reader.model.name,
            "line_model": None if reader.single or not reader.line_model_file else Path(reader.line_model_file).stem,
            **{  # (the two turn pages of text lines: none without the line model, nor with ``single``)
                f"{kind}_model": None if reader.single or not file else Path(file).stem
                for kind, file in (
                    ("orientation", reader.orientation_model_file),
                    ("digit_orientation", reader.digit_orientation_model_file),
                )
            },
            "pencil_model": Path(reader.pencil_model_file).stem if reader.pencil_model_file else None,
            "min_confidence": reader.min_confidence,
            "single": reader.single,
            "misses": self.misses,
        }


def score(reader: DigitReader, labels: Sequence[Label], workers: int | None = None) -> dict:
    """Read every labelled image with ``reader`` (``read_many`` on ``workers`` processes; None: all cores; 1:
    here, in this process; as for any multiprocessing code, call it under ``if __name__ == "__main__":`` in a
    script) and score the readings. Returns a JSON-ready dict:

    - ``images``: images read (``labelled``: rows in the CSV, the same unless the run was stopped);
    - ``exact`` and ``exact_rate``: images whose whole text is the label;
    - ``digits``, ``digit_errors`` and ``digit_accuracy`` (1 - CER, see the module's docstring; None for no
      labelled digit);
    - ``extra_digits``: images read with more digits than labelled (a mark on a blank field read as a digit);
    - ``confusions``: the CONFUSIONS_SHOWN commonest substitutions over the misses read, ``{"true", "read",
      "count"}`` (``read`` may be ``?``); ``missed``: labelled digits nothing was read for, and ``added``:
      characters read where no digit was labelled, each ``{digit: count}``, commonest first (from a Levenshtein
      alignment of each miss: ``aligned``);
    - ``unreadable``: images that could not be read (each is a miss, all its digits errors);
    - ``repeated``: rows naming an image another row names too (each row is scored);
    - ``leading_zeros_lost``: misses whose reading is the label with zeros before it (``070`` labelled ``70``:
      a spreadsheet took the text for a number);
    - ``seconds`` (wall time of the reading, s) and ``images_per_s``;
    - ``model``, ``line_model`` (its name; None when it reads nothing: --single, or no line model),
      ``orientation_model`` and ``digit_orientation_model`` (likewise), ``pencil_model`` (None: none),
      ``min_confidence``, ``single``: what read them;
    - ``misses``: every image not read exactly, in the CSV's order: ``{"file", "path", "want", "got"}`` (``file``
      as the CSV writes it, ``path`` where it was looked for), plus ``"error"`` for an unreadable one.

    A ``?`` in a text (a digit under ``reader.min_confidence``) is a character like any other: it counts as an
    error. A multi-page file (a TIFF, a PDF) is one image: its pages' lines one after another, as in
    ``Reading.text``. Raises ValueError for no labels."""
    if not labels:
        raise ValueError("no labelled images to score")
    tally = Tally(labels)
    readings = reader.read_many([label.path for label in labels], workers=workers, processes=True)
    for label, reading in zip(labels, readings):
        tally.add(label, reading)
    return tally.report(reader)


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n:,} {one if n == 1 else (many or one + 's')}"


def format_report(report: dict, labels: str | os.PathLike | None = None) -> str:
    """``score``'s report as text: the figures, notes on what may be the labels' fault, then up to MISSES_SHOWN
    misses (the file as the CSV names it, what it should read and what was read, with repr's escapes)."""
    out = []
    if labels is not None:
        out.append(f"labels: {labels}")
    if report["images"] < report["labelled"]:
        out.append(f"interrupted: {report['images']:,} of the {report['labelled']:,} labelled images read")
    if not report["images"]:
        out.append("no image read")
        return "\n".join(out)
    out.append(f"exact:  {report['exact']:,} of {_plural(report['images'], 'image')} ({report['exact_rate']:.1%})")
    if report["digit_accuracy"] is None:
        out.append("digits: no digit labelled in the images read (every label empty), so no digit accuracy")
    else:
        out.append(
            f"digits: {report['digit_accuracy']:.1%} right (1 - CER: {_plural(report['digit_errors'], 'error')} in "
            f"{_plural(report['digits'], 'labelled digit')}, line breaks left out)"
        )
    out.append(f"digits too many: {_plural(report['extra_digits'], 'image')} read with more digits than labelled")
    if report["confusions"]:
        worst = ", ".join(f"{c['true']} read {c['read']} ({c['count']})" for c in report["confusions"])
        out.append(f"worst confusions: {worst}")
    for key, what in (("missed", "labelled digits not read"), ("added", "read where none was labelled")):
        if report[key]:
            # ("0 (1)" read as a count of none: a new user's trial)
            shown = list(report[key].items())[:CONFUSIONS_SHOWN]
            counts = ", ".join(f"'{digit}' {_plural(n, 'time')}" for digit, n in shown)
            out.append(f"{what}: {counts}")
    if report["unreadable"]:
        out.append(f"unreadable: {_plural(report['unreadable'], 'image')}, each a miss")
        missing = sum(1 for m in report["misses"] if m.get("error", "").startswith("no such file"))
        if missing and missing == report["images"]:
            folder = os.path.dirname(report["misses"][0]["path"]) or "."
            out.append(
                f"note: no labelled image was found; the files are looked for relative to the CSV's folder "
                f"(the first in {folder})"
            )
    if report["leading_zeros_lost"]:
        out.append(
            f"note: {_plural(report['leading_zeros_lost'], 'miss', 'misses')} read as the label with zeros before "
            "it: was the text column saved as a number (070 as 70)?"
        )
    if report["repeated"]:
        rows = "1 row names" if report["repeated"] == 1 else f"{report['repeated']:,} rows name"
        out.append(f"note: {rows} an image another row names too; each is scored")
    line_model = f", line model {report['line_model']}" if report["line_model"] else ""
    single = " (--single)" if report["single"] else ""
    out.append(f"read in {report['seconds']:.1f} s by model {report['model']}{line_model}{single}")
    misses = report["misses"]
    if misses:
        shown = misses[:MISSES_SHOWN]
        cut = f", the first {MISSES_SHOWN}; -f json has all" if len(misses) > MISSES_SHOWN else ""
        out.append(f"misses ({len(misses):,}{cut}):")
        names = [shown_path(m["file"]) for m in shown]
        width = max(len(name) for name in names)
        for name, miss in zip(names, shown):
            if "error" in miss:
                got = (
                    f"error: {miss['error']} ({miss['path']})"
                    if miss["path"] != miss["file"]
                    else f"error: {miss['error']}"
                )
            else:
                got = repr(miss["got"])
            out.append(f"  {name:<{width}}  want {miss['want']!r:<12} read {got}")
    return "\n".join(out)


def multi_digit_labels(labels: Iterable[Label]) -> int:
    """How many labels hold more than one digit (what ``--single``, which reads each image as one digit, cannot
    read)."""
    return sum(1 for label in labels if len(label.text.replace("\n", "")) > 1)
