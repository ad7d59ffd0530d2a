"""Drawing a reading onto its image: a box, the digit and its confidence for each digit, the text on top.

    shown = annotate(image, reading)            # for the live window, a saved video, `classify --save-dir`
    copies = AnnotatedCopies("out/")            # `classify --save-dir out/`: copies.save(reading, path)

Pure NumPy/OpenCV; sizes scale with the image, so a 12 MP photo and a 320x240 frame are both legible.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import cv2
import numpy as np

from .output import confidence_label

if TYPE_CHECKING:
    from .results import Reading

SURE, UNSURE, DOUBTFUL = (0, 200, 0), (0, 200, 255), (0, 0, 255)  # BGR: green >= 0.8, orange >= 0.5, red below


def to_bgr(image: np.ndarray) -> np.ndarray:
    """A uint8 BGR copy [H, W, 3] of a gray [H, W], BGR [H, W, 3] or BGRA [H, W, 4] image; transparent pixels
    are shown on white paper (as a viewer would show a transparent drawing)."""
    if image.ndim == 2:
        return cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    if image.shape[2] == 4:
        alpha = image[:, :, 3:4].astype(np.float32) / 255
        return (image[:, :, :3] * alpha + 255 * (1 - alpha)).astype(np.uint8)
    if image.shape[2] == 1:
        return cv2.cvtColor(image[:, :, 0], cv2.COLOR_GRAY2BGR)
    return image.copy()


def annotate(image: np.ndarray, reading: Reading, fps: float | None = None) -> np.ndarray:
    """A BGR copy of ``image`` (uint8 gray, BGR or BGRA, in the pixels the reading's boxes refer to) with a
    box, the digit and its confidence (e.g. ``7 98%``) drawn for each digit, coloured by confidence, and
    the reading's text (and ``fps``, frames per second, when given) in a banner at the top left."""
    out = to_bgr(image)
    scale = max(0.5, min(out.shape[:2]) / 600)
    for digit in reading.digits:
        x, y, w, h = digit.box
        colour = SURE if digit.confidence >= 0.8 else UNSURE if digit.confidence >= 0.5 else DOUBTFUL
        thickness = max(1, int(2 * scale))
        cv2.rectangle(out, (x, y), (x + w, y + h), colour, thickness)
        stroke = max(1, round(2 * scale))  # a label's strokes: 1 px at 640x480 was too thin to read in a window
        label, size = box_label(digit.value, digit.confidence, w, 0.7 * scale, stroke)
        top = cv2.getTextSize(label, cv2.FONT_HERSHEY_SIMPLEX, size, stroke)[0][1] + stroke + 2
        # in the box's colour with a dark rim: readable on white paper and on a dark webcam frame alike
        outlined_text(out, label, (x, max(top, y - 2 * stroke - 2)), size, stroke, colour, (20, 20, 20))
    banner = reading.text.replace("\n", " / ") or "-"  # lines as the table shows them ('3141 592' read as one number)
    if fps is not None:
        banner += f"   {fps:.0f} FPS"
    outlined_text(out, banner, (10, int(30 * scale)), 0.9 * scale, max(1, int(2 * scale)))
    return out


def box_label(
    value: int, confidence: float, width: int, size: float, thickness: int, legible: float = 0.45
) -> tuple[str, float]:
    """The label drawn over a digit's box, ``width`` px wide, and its font scale (OpenCV's Hershey simplex, at most
    ``size``): "7 98%" shrunk to the box's width, down to two thirds of ``size``; then the digit alone, shrunk
    to that width down to half of ``size`` (its box's colour tells the confidence). Neither is shrunk below
    ``legible`` (font scale; at 0.45 a digit is 10 px tall), unless ``size`` itself is: the digit alone is drawn
    then, wider than its box if need be. Labels as wide as the image's scale made them ran over their neighbours'
    on a line of small digits (a new user's annotated copies); shrunk to a 640x480 frame's 35 px boxes, "3 99%"
    was 7 px tall, too small to read in a live window (a new user's webcam trial)."""
    for label, least in ((f"{value} {confidence_label(confidence, percent=True)}", 2 / 3), (str(value), 0.5)):
        fits, floor = size, min(size, max(least * size, legible))
        while fits >= floor:  # (the width is not quite proportional to the scale: the stroke adds to it)
            if cv2.getTextSize(label, cv2.FONT_HERSHEY_SIMPLEX, fits, thickness)[0][0] <= width:
                return label, fits
            fits *= 0.95
    return str(value), min(size, max(0.5 * size, legible))


def outlined_text(
    image: np.ndarray,
    text: str,
    origin: tuple[int, int],
    font_scale: float,
    thickness: int,
    colour: tuple[int, int, int] = (40, 40, 40),
    outline: tuple[int, int, int] = (255, 255, 255),
) -> None:
    """Draw ``text`` in place on ``image`` (uint8 BGR [H, W, 3]) at ``origin`` (x, y of the baseline's left end,
    px), in ``colour`` with an ``outline`` ``thickness`` px wide all round, readable on any background. The
    outline is the text's own strokes dilated, not the text drawn again thicker: OpenCV 5 advances a thicker
    text further, so the second drawing drifted right of the first (a ghost "5" after "4815")."""
    font = cv2.FONT_HERSHEY_SIMPLEX
    (w, h), base = cv2.getTextSize(text, font, font_scale, thickness)
    pad = 2 * thickness + 2
    ink = np.zeros((h + base + 2 * pad, w + 2 * pad), np.uint8)
    cv2.putText(ink, text, (pad, pad + h), font, font_scale, 255, thickness, cv2.LINE_AA)
    ring = cv2.dilate(ink, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * thickness + 1, 2 * thickness + 1)))
    x0, y0 = origin[0] - pad, origin[1] - h - pad  # the patch's top left in the image
    ix0, iy0 = max(0, x0), max(0, y0)
    ix1, iy1 = min(image.shape[1], x0 + ink.shape[1]), min(image.shape[0], y0 + ink.shape[0])
    if ix1 <= ix0 or iy1 <= iy0:
        return
    region = image[iy0:iy1, ix0:ix1].astype(np.float32)
    for alpha, paint in ((ring, outline), (ink, colour)):
        a = alpha[iy0 - y0 : iy1 - y0, ix0 - x0 : ix1 - x0, None].astype(np.float32) / 255.0
        region = region * (1 - a) + np.array(paint, np.float32) * a
    image[iy0:iy1, ix0:ix1] = np.clip(region + 0.5, 0, 255).astype(np.uint8)


class AnnotatedCopies:
    """``classify --save-dir DIR``: a copy of each image read, with its reading drawn (``annotate``).

    ``photo.jpg`` becomes ``DIR/photo.jpg``, any other format ``DIR/<name>.png`` (the drawing is in colour,
    which PGM or a 1-bit TIFF cannot hold). Two inputs with the same name (``a/1.png``, ``b/1.png``) get
    ``1.png`` and ``1-2.png``; an input is never overwritten by its own copy (``--save-dir`` of the input's
    own folder gives ``<name>-2``). Each further page of a multi-page TIFF or a PDF gets its own copy,
    ``<name>-page2.png`` and on (``<name>-page2-2.png`` when an input's copy took that name first). The image
    is decoded again here (as displayed: EXIF orientation applied), so the copies cost one more decode per image.
    Creates DIR (raises OSError when it cannot).
    """

    def __init__(self, folder: str | os.PathLike):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.taken: set[str] = set()
        self.written = 0
        self.problems: list[str] = []

    def target(self, path: str | None) -> Path:
        """The file the copy of ``path`` (None: an image from stdin) goes to."""
        name = Path(path).name if path and path != "-" else "stdin.png"
        stem, suffix = os.path.splitext(name)
        suffix = ".jpg" if suffix.lower() in (".jpg", ".jpeg", ".jpe") else ".png"
        return self._unused(stem, suffix, path if path and path != "-" else None)

    def _unused(self, stem: str, suffix: str, source: str | None = None) -> Path:
        """``<stem><suffix>`` in the folder, else ``<stem>-2<suffix>`` and on: the first name no copy took and that
        is not the input ``source`` itself; taken from now on."""
        n = 1
        while True:
            candidate = f"{stem}{suffix}" if n == 1 else f"{stem}-{n}{suffix}"
            if candidate not in self.taken and not (source and _same_file(self.folder / candidate, source)):
                break
            n += 1
        self.taken.add(candidate)
        return self.folder / candidate

    def save(self, reading: Reading, source: str | os.PathLike | bytes) -> Path | None:
        """Write the annotated copy of ``source`` (the path or bytes ``reading`` was read from); None, with the
        reason kept in ``problems``, when it could not be written (the run goes on)."""
        from .images import ImageError, cv_path, load_pages

        target = self.target(reading.path)
        try:
            pages = load_pages(source)
            ok = True
            for number, image in enumerate(pages, 1):  # a multi-page TIFF: page 2 to <name>-page2.png, ...
                into = target if number == 1 else self._unused(f"{target.stem}-page{number}", target.suffix)
                ok = ok and cv2.imwrite(cv_path(into), annotate(image, reading.on_page(number)))
        except (ImageError, cv2.error, OSError, ValueError) as exc:
            ok, reason = False, str(exc)
        else:
            reason = "OpenCV could not write it (disk full or not writable?)"
        if not ok:
            self.problems.append(f"{target}: annotated copy not written ({reason})")
            return None
        self.written += len(pages)  # files: one a page
        return target


def _same_file(a: str | os.PathLike, b: str | os.PathLike) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False
