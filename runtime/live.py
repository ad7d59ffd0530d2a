"""Live reading of video: a camera, a video file or a stream, frame by frame.

    for index, frame in iter_frames(0):                 # sources.py
        reading = stabilizer.update(reader.read(frame))  # steady over frames
        show(annotate(frame, reading, fps))

``Stabilizer`` keeps each digit's identity across frames by box overlap and averages its class
probabilities over time, so a digit that reads as another for a single frame does not flicker in the output.
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass, field, replace
from typing import Callable

import cv2
import numpy as np

from .reader import Digit, DigitReader, Reading, compose_text
from .sources import VideoError, iter_frames

WINDOW = "edgedigits  (q or Esc to quit)"


def iou(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> float:
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    w = min(ax + aw, bx + bw) - max(ax, bx)
    h = min(ay + ah, by + bh) - max(ay, by)
    inter = max(0, w) * max(0, h)
    union = aw * ah + bw * bh - inter
    return inter / union if union > 0 else 0.0


@dataclass
class _Track:
    box: tuple[int, int, int, int]
    probabilities: np.ndarray
    missed: int = 0


@dataclass
class Stabilizer:
    """Smooths digit values over frames: exponential average of each tracked digit's probabilities.

    ``memory`` is the weight of the past (0 = no smoothing). With 0.6, one frame that reads a steady 3 as an
    8 with full confidence still leaves the 3 ahead; a real change wins on the second frame.
    """

    memory: float = 0.6
    min_iou: float = 0.3
    max_missed: int = 5
    min_confidence: float = 0.5
    tracks: list[_Track] = field(default_factory=list)

    def update(self, reading: Reading) -> Reading:
        if not reading.ok:
            return reading
        unmatched = list(range(len(self.tracks)))
        digits = []
        for digit in reading.digits:
            probabilities = digit.probabilities if digit.probabilities is not None else np.eye(10)[digit.value]
            best = max(unmatched, key=lambda t: iou(self.tracks[t].box, digit.box), default=None)
            if best is not None and iou(self.tracks[best].box, digit.box) >= self.min_iou:
                track = self.tracks[best]
                unmatched.remove(best)
                track.probabilities = self.memory * track.probabilities + (1 - self.memory) * probabilities
                track.box, track.missed = digit.box, 0
            else:
                track = _Track(digit.box, np.asarray(probabilities, np.float32))
                self.tracks.append(track)
            smoothed = track.probabilities
            digits.append(replace(digit, value=int(smoothed.argmax()), confidence=float(smoothed.max()),
                                  probabilities=smoothed))
        for index in unmatched:
            self.tracks[index].missed += 1
        self.tracks = [t for t in self.tracks if t.missed <= self.max_missed]
        return replace(reading, digits=digits, text=compose_text(digits, self.min_confidence))


def annotate(frame: np.ndarray, reading: Reading, fps: float | None = None) -> np.ndarray:
    """A copy of ``frame`` with a box, the digit and its confidence drawn for each digit, and the FPS."""
    out = frame.copy() if frame.ndim == 3 else cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR)
    scale = max(0.5, min(out.shape[:2]) / 600)
    for digit in reading.digits:
        x, y, w, h = digit.box
        colour = (0, 200, 0) if digit.confidence >= 0.8 else (0, 200, 255) if digit.confidence >= 0.5 else (0, 0, 255)
        cv2.rectangle(out, (x, y), (x + w, y + h), colour, max(1, int(2 * scale)))
        cv2.putText(out, f"{digit.value} {digit.confidence:.0%}", (x, max(12, y - 6)), cv2.FONT_HERSHEY_SIMPLEX,
                    0.6 * scale, colour, max(1, int(2 * scale)), cv2.LINE_AA)
    banner = reading.text.replace("\n", " ") or "-"
    if fps is not None:
        banner += f"   {fps:.0f} FPS"
    cv2.putText(out, banner, (10, int(30 * scale)), cv2.FONT_HERSHEY_SIMPLEX, 0.9 * scale, (255, 255, 255),
                max(2, int(4 * scale)), cv2.LINE_AA)
    cv2.putText(out, banner, (10, int(30 * scale)), cv2.FONT_HERSHEY_SIMPLEX, 0.9 * scale, (40, 40, 40),
                max(1, int(2 * scale)), cv2.LINE_AA)
    return out


def has_display() -> bool:
    return sys.platform in ("win32", "darwin") or bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


@dataclass
class LiveStats:
    frames: int = 0
    seconds: float = 0.0

    @property
    def fps(self) -> float:
        return self.frames / self.seconds if self.seconds > 0 else 0.0


def run(reader: DigitReader, source: int | str, *, headless: bool = False, max_frames: int | None = None,
        save: str | None = None, on_reading: Callable[[int, Reading], None] | None = None,
        stabilizer: Stabilizer | None = None) -> LiveStats:
    """Read frames until the video ends, ``max_frames``, or q/Esc in the window. Raises VideoError."""
    if not headless and not has_display():
        raise VideoError("no display to open a window on; add --headless to print readings as JSON lines")
    stabilizer = stabilizer or Stabilizer(min_confidence=reader.min_confidence)
    writer = None
    stats = LiveStats()
    started = last = time.perf_counter()
    fps = None
    try:
        for index, frame in iter_frames(source, max_frames):
            reading = stabilizer.update(reader.read(frame))
            now = time.perf_counter()
            fps = 1 / max(now - last, 1e-6) if fps is None else 0.9 * fps + 0.1 / max(now - last, 1e-6)
            last = now
            stats.frames += 1
            if on_reading:
                on_reading(index, reading)
            if save or not headless:
                shown = annotate(frame, reading, fps)
                if save:
                    writer = writer or _open_writer(save, shown.shape)
                    writer.write(shown)
                if not headless:
                    cv2.imshow(WINDOW, shown)
                    if cv2.waitKey(1) & 0xFF in (ord("q"), 27):
                        break
    finally:
        stats.seconds = time.perf_counter() - started
        if writer is not None:
            writer.release()
        if not headless:
            cv2.destroyAllWindows()
    return stats


def _open_writer(path: str, shape: tuple[int, ...], fps: float = 30.0) -> cv2.VideoWriter:
    fourcc = cv2.VideoWriter_fourcc(*("MJPG" if path.lower().endswith(".avi") else "mp4v"))
    writer = cv2.VideoWriter(path, fourcc, fps, (shape[1], shape[0]))
    if not writer.isOpened():
        raise VideoError(f"{path}: cannot write a video there; check the folder exists and is writable, and use "
                         "a .mp4 or .avi name")
    return writer
