"""Robustness probes outside the benchmark's own material: the real inputs of ../shared/cases, each changed the
way a second photo of it would be, and numbers typeset in fonts no training line used.

    python benchmarks/robustness.py [--cases DIR] [--json FILE]

cases        every file of ``DIR`` (default ``../shared/cases``, its ``expected.csv``; the EXIF-rotated one left
             out: a re-encoded copy loses its EXIF) as it is and under eleven changes: half and double size
             (INTER_AREA / INTER_CUBIC), turned 8 degrees either way (``train.scenes.turned``: on a canvas holding
             it all, the edge pixels carried on), JPEG quality 25, dimmed to 0.45 of its light, washed out (0.6
             of its light plus 110), a Gaussian blur of sigma 1.5 px, Gaussian noise of sigma 12 levels, pasted
             on a flat canvas 1.6 times its size (grey 128; a white slide, 235). Exact, per change, and what each
             failing file read.
typeset      16 numbers of 2-7 digits set in each of the held-out Liberation fonts (``train.lines.font_files``:
             ``apt-get install fonts-liberation``) at 36 px, dark grey on light paper: exact, per font family;
             and 8 printed labels before or after a number ('Box 76', '1262 EUR'): exact (the number's digits
             alone), and with no extra digit (the number's digits, or fewer).
hands        webcam frames (640x480 and 1280x720) of a number of 3-6 MNIST test digits on paper, with a hand
             held up beside it (``train.scenes.hand_frame`` and ``draw_hand``: palm, fingers, wrist to the bottom
             edge, light to dark skin), none of it over the number: exact; with the hand over part of the
             number: no digit that is not there (the number's digits in order, some perhaps missing); and with
             no hand, the baseline.

Nothing here is a goal of an issue: it shows where the reader is fragile. No figure depends on the machine.
"""

from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np

from _common import machine, needs_train_extra, parser, table, write_json

from edgedigits.runtime.labelled import read_labels
from edgedigits.runtime.reader import DigitReader
from edgedigits.train.scenes import turned

CHANGES = {
    "as is": lambda image: image,
    "half size": lambda image: cv2.resize(image, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA),
    "double size": lambda image: cv2.resize(image, None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC),
    "turned +8°": lambda image: turned(image, 8.0),
    "turned -8°": lambda image: turned(image, -8.0),
    "JPEG 25": lambda image: cv2.imdecode(cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 25])[1], -1),
    "dim (x0.45)": lambda image: (image.astype(np.float32) * 0.45).astype(np.uint8),
    "washed out": lambda image: np.clip(image.astype(np.float32) * 0.6 + 110, 0, 255).astype(np.uint8),
    "blur 1.5 px": lambda image: cv2.GaussianBlur(image, (0, 0), 1.5),
    "noise 12": lambda image: np.clip(
        image.astype(np.float32) + np.random.default_rng(0).normal(0, 12, image.shape), 0, 255
    ).astype(np.uint8),
    "on a grey canvas": lambda image: pasted(image, 128),
    "on a white slide": lambda image: pasted(image, 235),
}


def pasted(image: np.ndarray, level: int) -> np.ndarray:
    """``image`` pasted on a flat canvas of grey ``level``, 1.6 times its size, a third of the way across (a photo
    on a slide, in a document, in a video frame). An alpha channel is opaque on the canvas."""
    h, w = image.shape[:2]
    canvas = np.full((int(h * 1.6), int(w * 1.6), *image.shape[2:]), level, image.dtype)
    if image.ndim == 3 and image.shape[2] == 4:
        canvas[..., 3] = 255
    y, x = (canvas.shape[0] - h) // 2, (canvas.shape[1] - w) // 3
    canvas[y : y + h, x : x + w] = image
    return canvas


NUMBERS = ["272006", "8734", "2149", "129", "83149", "218499", "87559", "128790"]
NUMBERS += ["4469", "8266", "966", "92", "486", "1840290", "5569", "40"]
LABELS = ["Box 76", "No. 57", "Room 214", "1262 EUR", "NO 1262", "ID 4490", "76 BOX", "EH 1262"]


def changed_cases(reader: DigitReader, folder: Path) -> dict:
    """Each change's exact count over the case files, and each failing file's reading."""
    expected = {label.file: label.text for label in read_labels(folder / "expected.csv")}
    files = [name for name in sorted(expected) if not name.startswith("exif")]
    images = {name: cv2.imread(str(folder / name), cv2.IMREAD_UNCHANGED) for name in files}  # read once
    out = {}
    for change, apply in CHANGES.items():
        failed = {}
        for name, image in images.items():
            text = reader.read(apply(image)).text.replace("\n", "")
            if text != expected[name]:
                failed[name] = text
        out[change] = {"files": len(files), "exact": len(files) - len(failed), "failed": failed}
    return out


def typeset(text: str, font: str, height: int = 36) -> np.ndarray:
    """``text`` in ``font`` (a TrueType file), digits ``height`` px tall, dark grey on light paper: uint8 [H, W]."""
    from edgedigits.train.lines import font_glyph

    ink, _, digit_px = font_glyph(font, text)
    ink = cv2.resize(ink, None, fx=height / digit_px, fy=height / digit_px, interpolation=cv2.INTER_AREA)
    page = np.full((ink.shape[0] + 60, ink.shape[1] + 60), 235, np.uint8)
    page[30:-30, 30:-30] -= (ink * 200).astype(np.uint8)
    return page


def typeset_numbers(reader: DigitReader, quick: bool) -> dict:
    """Per font family (Sans, Serif, Mono, Sans Narrow; all their styles): numbers read exactly, and labelled
    numbers read with no extra digit."""
    from edgedigits.train.lines import font_files

    fonts = font_files("held_out")
    if not fonts:
        raise SystemExit("no Liberation fonts: apt-get install fonts-liberation")
    numbers, labels = (NUMBERS[:3], LABELS[:2]) if quick else (NUMBERS, LABELS)
    out: dict[str, dict] = {}
    for font in fonts:
        family = os.path.basename(font).split("-")[0].replace("Liberation", "Liberation ")
        row = out.setdefault(
            family, {"numbers": 0, "exact": 0, "labelled": 0, "labelled exact": 0, "no extra digit": 0, "misread": []}
        )
        for text in numbers:
            got = reader.read(typeset(text, font)).text
            row["numbers"] += 1
            row["exact"] += got == text
            if got != text:
                row["misread"].append([os.path.basename(font), text, got])
        for text in labels:
            digits = "".join(c for c in text if c.isdigit())
            got = reader.read(typeset(text, font)).text
            row["labelled"] += 1
            row["labelled exact"] += got == digits
            row["no extra digit"] += len(got) <= len(digits)
    return out


def only_digits_there(got: str, want: str) -> bool:
    """Is ``got`` the digits of ``want`` in order, some perhaps missing (a subsequence)?"""
    rest = iter(want)
    return all(c in rest for c in got)


def hands(reader: DigitReader, quick: bool) -> dict:
    """Per frame size and hand: frames, exact, and read no digit that is not there."""
    from edgedigits.runtime.mnist import load
    from edgedigits.train.scenes import hand_frame

    split = load("test")
    n = 5 if quick else 30
    out = {}
    for size in ((640, 480), (1280, 720)):
        for hand in ("none", "beside", "over"):
            rng = np.random.default_rng([size[0], ("none", "beside", "over").index(hand), 17])
            row = {"frames": n, "exact": 0, "no digit not there": 0, "misread": []}
            for _ in range(n):
                image, want = hand_frame(split, rng, size, hand)
                got = reader.read(image).text.replace("\n", "")
                row["exact"] += got == want
                row["no digit not there"] += only_digits_there(got, want)
                if got != want:
                    row["misread"].append([want, got])
            out[f"{size[0]}x{size[1]}, hand {hand}"] = row
    return out


def main() -> None:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--cases", default=str(Path(__file__).resolve().parents[2] / "shared" / "cases"))
    p.add_argument("--model", default=None, help="a shipped model's name or an .onnx file (default: default)")
    args = p.parse_args()
    needs_train_extra()  # its material is typeset with Pillow in matplotlib's fonts
    reader = DigitReader(args.model)
    report = {"machine": machine()}
    folder = Path(args.cases)
    if (folder / "expected.csv").is_file():
        cases = changed_cases(reader, folder)
        report["cases"] = cases
        rows = [
            [change, f"{r['exact']} of {r['files']}", ", ".join(f"{k}: {v!r}" for k, v in r["failed"].items())]
            for change, r in cases.items()
        ]
        print(table(["change", "exact", "failed (what it read)"], rows) + "\n")
    else:
        print(f"no {folder / 'expected.csv'}: the cases are left out (--cases DIR)")
    fonts = typeset_numbers(reader, args.quick)
    report["typeset"] = fonts
    rows = [
        [family, f"{r['exact']} of {r['numbers']}", f"{r['labelled exact']} / {r['no extra digit']} of {r['labelled']}"]
        for family, r in fonts.items()
    ]
    print(table(["font family", "numbers exact", "labelled numbers: exact / no extra digit"], rows) + "\n")
    held = hands(reader, args.quick)
    report["hands"] = held
    rows = [
        [name, f"{r['exact']} of {r['frames']}", f"{r['no digit not there']} of {r['frames']}", r["misread"][:4]]
        for name, r in held.items()
    ]
    print(table(["webcam frame", "exact", "no digit that is not there", "misread (first 4)"], rows))
    write_json(args.json, report)


if __name__ == "__main__":
    main()
