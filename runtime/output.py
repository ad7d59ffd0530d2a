"""Writing readings as a table (people), JSON lines or CSV (programs), plus the run summary.

The JSON record is the interface of DESIGN.md: one object per input,
``{"path", "text", "digits": [{"digit", "confidence", "box": [x, y, w, h]}]}`` or ``{"path", "error"}``.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:  # annotations only: importing the reader here would load NumPy, OpenCV and onnxruntime
    from .reader import Reading

FORMATS = ("table", "jsonl", "csv")
CSV_COLUMNS = ["path", "text", "count", "min_confidence", "digits", "error"]


class Writer:
    """Writes one reading at a time, so results stream out as they are read."""

    def __init__(self, fmt: str, stream: TextIO = sys.stdout):
        if fmt not in FORMATS:
            raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
        self.fmt, self.stream = fmt, stream
        self._csv = None
        if fmt == "csv":
            import csv

            self._csv = csv.writer(stream)
        if self._csv:
            self._csv.writerow(CSV_COLUMNS)

    def write(self, reading: Reading) -> None:
        if self.fmt == "jsonl":
            self.stream.write(json.dumps(reading.to_dict(), ensure_ascii=False) + "\n")
        elif self.fmt == "csv":
            self._csv.writerow(csv_row(reading))
        else:
            self.stream.write(table_row(reading) + "\n")
        self.stream.flush()


def csv_row(reading: Reading) -> list:
    if not reading.ok:
        return [reading.path, "", 0, "", "", reading.error]
    digits = ";".join(f"{d.value}@{d.confidence:.3f}@{' '.join(map(str, d.box))}" for d in reading.digits)
    low = min((d.confidence for d in reading.digits), default=None)
    return [reading.path, reading.text, len(reading.digits), "" if low is None else f"{low:.4f}", digits, ""]


def table_row(reading: Reading) -> str:
    if not reading.ok:
        return f"{reading.path}  ERROR: {reading.error}"
    if not reading.digits:
        return f"{reading.path}  (no digits found)"
    shown = reading.text.replace("\n", " / ")
    confidences = " ".join(f"{d.confidence:.2f}" for d in reading.digits)
    return f"{reading.path}  {shown}  [{confidences}]"


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
        text = (f"{self.images} image(s): {self.images - self.failed} read, {self.failed} failed, "
                f"{self.digits} digit(s), {self.empty} with no digits; {seconds:.2f} s ({rate:.0f} images/s)")
        return ("interrupted after " + text) if interrupted else text


class Progress:
    """A one-line progress counter on stderr, only when stderr is a terminal (never in piped output)."""

    def __init__(self, enabled: bool | None = None, stream: TextIO = sys.stderr):
        self.stream = stream
        self.enabled = stream.isatty() if enabled is None else enabled
        self.count = 0

    def step(self, summary: Summary) -> None:
        self.count += 1
        if self.enabled and self.count % 50 == 0:
            self.stream.write(f"\r{summary.images} read, {summary.failed} failed ...")
            self.stream.flush()

    def close(self) -> None:
        if self.enabled and self.count >= 50:
            self.stream.write("\r" + " " * 40 + "\r")
            self.stream.flush()
