"""Accuracy on your own labelled images: a CSV of ``file,text`` rows, read with a DigitReader and scored as
``benchmarks/accuracy.py`` scores its material.

    from edgedigits.runtime.labelled import read_labels, score
    report = score(DigitReader(), read_labels("scans/expected.csv"))
    report["exact_rate"], report["digit_accuracy"], report["misses"]

``edgedigits evaluate --labels scans/expected.csv`` prints the same report. The CSV is the one
``../shared/cases/expected.csv`` uses: a header with the columns ``file`` and ``text`` (others are ignored), then
one row per image. ``file`` is relative to the CSV's own folder (or absolute); ``text`` is what the image should
read, as ``Reading.text`` gives it: its digits, and a line break between text lines (a quoted field may hold
one). A spreadsheet that stored ``070`` as a number has lost its leading zero: keep the column as text.
``classify --format csv``'s output is such a CSV too (its ``path`` column is the file's): written in the folder
it was run from, with its readings checked and corrected by hand, it is a labelled set.

Two figures, the field's usual pair for a recognizer of strings:
- the exact rate: the share of images whose whole text is right;
- the digit accuracy, 1 - CER: one less the character error rate, the Levenshtein edit distance between the
  text read and the label (insertions, deletions, substitutions), summed over the images and divided by the
  number of labelled digits, each image's distance capped at its label's length (an image that read noise
  costs its own digits, not more).
"""

from __future__ import annotations

import csv
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, NamedTuple, Sequence

if TYPE_CHECKING:
    from .reader import DigitReader

FILE_COLUMNS = ("file", "path")  # the image's column: "file" (../shared/cases), or "path" (classify's CSV)
MISSES_SHOWN = 20  # misses format_report lists (the JSON report has them all)


class LabelsError(ValueError):
    """A labels CSV that cannot be used: it names the file, the line and what to do."""


class Label(NamedTuple):
    path: str  # the image: the CSV's ``file``, joined to the CSV's folder when it is relative
    text: str  # what it should read: digits, text lines joined by "\n" (as ``Reading.text``)
    file: str  # the CSV's ``file`` as written there (the report names images so)
    row: int  # the CSV line the row starts on (1 = the header)


def read_labels(csv_path: str | os.PathLike) -> list[Label]:
    """The labelled images of a CSV (see the module's docstring) -> one Label per row, in order.

    Read as UTF-8 (a spreadsheet's byte-order mark is skipped); spaces around a field are dropped, a text's line
    breaks kept ("\\r\\n" is "\\n"). Raises LabelsError (a ValueError) naming the file and line for: a file that
    cannot be read, no header with ``file`` and ``text``, a row without a file, a text that holds anything but
    digits and line breaks (the reader reads digits only: label "Box 76" as 76), and a CSV with no rows. A
    labelled image that does not exist is not an error here: ``score`` counts it as unreadable, with the
    reader's message."""
    path = Path(csv_path)
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            rows = list(_rows(path, handle))
    except UnicodeDecodeError as exc:
        raise LabelsError(
            f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start}); save the CSV as UTF-8."
        ) from None
    except OSError as exc:
        raise LabelsError(f"{path}: cannot read the labels ({exc.strerror or exc}); check the path.") from None
    if not rows:
        raise LabelsError(f"{path}: no labelled images (only a header); add one 'file,text' row per image.")
    return rows


def _rows(path: Path, handle: Iterable[str]) -> Iterable[Label]:
    reader = csv.DictReader(handle)
    header = [name.strip().lower() for name in reader.fieldnames or []]
    column = next((name for name in FILE_COLUMNS if name in header), None)
    if column is None or "text" not in header:
        found = ", ".join(repr(name) for name in reader.fieldnames or []) or "nothing"
        raise LabelsError(
            f"{path}: line 1 should be a header with the columns 'file' and 'text' (found {found}); "
            "add the line 'file,text' at the top."
        )
    reader.fieldnames = header  # ('File', ' text' are the same columns)
    folder = path.parent
    for row in reader:
        # the line the row starts on: a quoted text of two lines spans two lines of the file
        line = reader.line_num - sum(value.count("\n") for value in row.values() if isinstance(value, str))
        file = (row.get(column) or "").strip()
        text = (row.get("text") or "").strip().replace("\r\n", "\n")
        if not file and not text:
            continue  # a blank line at the end of a spreadsheet's export
        if not file:
            raise LabelsError(f"{path}, line {line}: no file named; give each row an image and its text.")
        if text.replace("\n", "") and not text.replace("\n", "").isdecimal() or not text.isascii():
            raise LabelsError(
                f"{path}, line {line}: the text {text!r} of {file} holds more than digits; the reader reads digits "
                "only (and a line break between text lines): label it with its digits alone."
            )
        yield Label(os.path.join(folder, file) if not os.path.isabs(file) else file, text, file, line)


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance (Levenshtein 1966): the fewest insertions, deletions and substitutions of single
    characters that turn ``a`` into ``b``; dynamic programming (Wagner and Fischer 1974), O(len(a) * len(b))."""
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def digit_errors(want: str, got: str) -> int:
    """Character errors of a reading against its label, capped at the label's length (``want``; line breaks
    count as characters, so a number read on two lines costs one)."""
    return min(edit_distance(want, got), len(want))


def score(reader: DigitReader, labels: Sequence[Label], workers: int | None = None) -> dict:
    """Read every labelled image with ``reader`` (``read_many`` on ``workers`` processes; None: all cores; 1:
    here, in this process; as for any multiprocessing code, call it under ``if __name__ == "__main__":`` in a
    script) and score the readings. Returns a JSON-ready dict:

    - ``images``, ``exact`` and ``exact_rate``: images whose whole text is the label;
    - ``digits``, ``digit_errors`` and ``digit_accuracy`` (1 - CER, see the module's docstring);
    - ``unreadable``: images that could not be read (each is a miss, all its digits errors);
    - ``seconds`` (wall time of the reading, s) and ``images_per_s``;
    - ``model``, ``line_model``, ``min_confidence``, ``single``: what read them;
    - ``misses``: every image not read exactly, in the CSV's order: ``{"file", "want", "got"}``, plus ``"error"``
      for an unreadable one.

    A ``?`` in a text (a digit under ``reader.min_confidence``) is a character like any other: it counts as an
    error unless the label holds one. Raises ValueError for no labels."""
    if not labels:
        raise ValueError("no labelled images to score")
    started = time.perf_counter()
    readings = reader.read_many([label.path for label in labels], workers=workers, processes=True)
    exact = errors = unreadable = 0
    misses = []
    for label, reading in zip(labels, readings):
        got = reading.text if reading.ok else ""
        errors += digit_errors(label.text, got)
        if reading.ok and got == label.text:
            exact += 1
            continue
        miss = {"file": label.file, "want": label.text, "got": got}
        if reading.error is not None:
            unreadable += 1
            miss["error"] = reading.error
        misses.append(miss)
    seconds = time.perf_counter() - started
    digits = sum(len(label.text) for label in labels)
    return {
        "images": len(labels),
        "exact": exact,
        "exact_rate": exact / len(labels),
        "digits": digits,
        "digit_errors": errors,
        "digit_accuracy": 1.0 - errors / digits if digits else float(errors == 0),
        "unreadable": unreadable,
        "seconds": round(seconds, 3),
        "images_per_s": round(len(labels) / seconds, 1) if seconds > 0 else None,
        "model": reader.model.name,
        "line_model": reader.line_model_file or None,
        "min_confidence": reader.min_confidence,
        "single": reader.single,
        "misses": misses,
    }


def format_report(report: dict, labels: str | os.PathLike | None = None) -> str:
    """``score``'s report as text: the two figures, then up to MISSES_SHOWN misses (want, got)."""
    out = []
    if labels is not None:
        out.append(f"labels: {labels}")
    out.append(f"exact:  {report['exact']} of {report['images']} images ({report['exact_rate']:.1%}) read exactly")
    out.append(
        f"digits: {report['digit_accuracy']:.1%} right (1 - CER: {report['digit_errors']} errors in "
        f"{report['digits']} labelled digits)"
    )
    if report["unreadable"]:
        out.append(f"unreadable: {report['unreadable']} image(s), each a miss")
    out.append(
        f"read in {report['seconds']:.1f} s by {report['model']}"
        + (f" and {Path(report['line_model']).stem}" if report["line_model"] else "")
    )
    misses = report["misses"]
    if misses:
        out.append(f"misses ({len(misses)}{f', the first {MISSES_SHOWN}' if len(misses) > MISSES_SHOWN else ''}):")
        width = max(len(m["file"]) for m in misses[:MISSES_SHOWN])
        for miss in misses[:MISSES_SHOWN]:
            got = f"error: {miss['error']}" if "error" in miss else repr(miss["got"])
            out.append(f"  {miss['file']:<{width}}  want {miss['want']!r:<12} read {got}")
    return "\n".join(out)
