"""Write the bundled sample images for `make demo` (deterministic; run: python samples/make_samples.py).

Every sample is rendered from MNIST *test* digits (fixed indices, never training digits) or from pen strokes
(edgedigits.runtime.synth's stroke font), then given the look of its source: a tablet drawing, a transparent PNG, a
low-resolution scan, a phone photo, a dim webcam frame, a form. `expected.json` maps each file to the text a
reader should give (lines joined by "\\n").
"""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np

from edgedigits.runtime import mnist, synth  # synth: the scene renderer the tests use

HERE = Path(__file__).resolve().parent

# MNIST test-set indices of clear examples of each digit (first ones the seed model reads with p > 0.995).
CLEAR = {
    0: [3, 10, 13],
    1: [2, 5, 14],
    2: [1, 35, 38],
    3: [30, 32, 44],
    4: [4, 6, 19],
    5: [15, 23, 45],
    6: [11, 21, 22],
    7: [0, 17, 26],
    8: [61, 84, 110],
    9: [7, 9, 12],
}


def digits_for(split, text: str) -> list[np.ndarray]:
    """MNIST test digits spelling `text`, a different example for each repeat of a digit."""
    used: dict[int, int] = {}
    out = []
    for c in text:
        d = int(c)
        out.append(split.images[CLEAR[d][used.get(d, 0) % len(CLEAR[d])]])
        used[d] = used.get(d, 0) + 1
    return out


def drawing_7() -> np.ndarray:
    """A digit drawn with smooth pen strokes, dark on white, like a tablet drawing."""
    ink = synth.pen_digit(7, 220, width=9.0, rng=np.random.default_rng(7), jitter=0.015, slant=0.08)
    return synth.on_canvas(ink, 0.15, True, 255, 20)


def drawing_3_transparent() -> np.ndarray:
    """Black strokes on a transparent background (BGRA): the alpha channel carries the drawing."""
    ink = synth.pen_digit(3, 200, width=7.0, rng=np.random.default_rng(3), jitter=0.015)
    ink = cv2.copyMakeBorder(ink, 30, 30, 30, 30, cv2.BORDER_CONSTANT, value=0)
    bgra = np.zeros(ink.shape + (4,), np.uint8)
    bgra[:, :, 3] = np.clip(ink * 255 + 0.5, 0, 255).astype(np.uint8)
    return bgra


def scan_4(split) -> np.ndarray:
    """A small, soft, slightly noisy gray scan of one handwritten digit."""
    rng = np.random.default_rng(4)
    page = synth.on_canvas(synth.render_digit(digits_for(split, "4")[0], 40), 0.35, True, 228, 60)
    page = cv2.GaussianBlur(page, (0, 0), 0.7).astype(np.float32) + rng.normal(0, 3, page.shape)
    return np.clip(page + 0.5, 0, 255).astype(np.uint8)


def photo_2026(split) -> np.ndarray:
    """A phone photo of 2026 written on paper: perspective, uneven light, a shadow, noise, JPEG."""
    rng = np.random.default_rng(2026)
    image, text = synth.paper_scene(digits_for(split, "2026"), rng, labels=[2, 0, 2, 6], height=70, tilt=3)
    assert text == "2026"
    return synth.photo_effects(image, rng, perspective=0.05, light=0.5, noise=4, blur=1.0, jpeg_quality=None)


def webcam_dark_815(split) -> np.ndarray:
    """A dim, noisy webcam frame: chalk-white 815 on a dark board."""
    rng = np.random.default_rng(815)
    scene = synth.render_scene(
        digits_for(split, "815"), rng, labels=[8, 1, 5], height=60, tilt=2, ink=(0, 0, 0), margin=0.6
    )
    board = 255 - cv2.cvtColor(scene.image, cv2.COLOR_BGR2GRAY).astype(np.float32)  # chalk on a dark board
    board = board * 0.45 + 8  # dim: the board ~15, the chalk ~110
    frame = cv2.resize(board, (320, int(round(320 * board.shape[0] / board.shape[1]))), interpolation=cv2.INTER_AREA)
    frame = synth.photo_effects(
        cv2.cvtColor(np.clip(frame, 0, 255).astype(np.uint8), cv2.COLOR_GRAY2BGR),
        rng,
        perspective=0.03,
        light=0.3,
        noise=3,
        blur=0.8,
        jpeg_quality=None,
        shadow=False,
    )
    return cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)


def form_two_lines(split) -> np.ndarray:
    """Two lines of digits on ruled paper with the desk showing along the left edge."""
    rng = np.random.default_rng(12)
    scene = synth.render_scene(
        digits_for(split, "3141592"),
        rng,
        labels=[3, 1, 4, 1, 5, 9, 2],
        lines=2,
        height=48,
        tilt=1.5,
        ruled=True,
        paper_edge=True,
    )
    assert scene.text == "3141\n592"
    return cv2.cvtColor(scene.image, cv2.COLOR_BGR2GRAY)


def main() -> None:
    split = mnist.load("test")
    samples = {
        "drawing_7.png": (drawing_7(), "7"),
        "drawing_3_transparent.png": (drawing_3_transparent(), "3"),
        "scan_4.png": (scan_4(split), "4"),
        "photo_2026.jpg": (photo_2026(split), "2026"),
        "webcam_dark_815.png": (webcam_dark_815(split), "815"),
        "form_two_lines.png": (form_two_lines(split), "3141\n592"),
    }
    expected = {}
    total = 0
    for name, (image, text) in samples.items():
        path = HERE / name
        params = [cv2.IMWRITE_JPEG_QUALITY, 80] if name.endswith(".jpg") else [cv2.IMWRITE_PNG_COMPRESSION, 9]
        if not cv2.imwrite(str(path), image, params):
            raise SystemExit(f"could not write {path}")
        expected[name] = text
        total += path.stat().st_size
        print(f"{name:28s} {image.shape[1]}x{image.shape[0]}  {path.stat().st_size / 1024:6.1f} KB  {text!r}")
    (HERE / "expected.json").write_text(json.dumps(expected, indent=2) + "\n")
    print(f"{len(samples)} samples, {total / 1024:.0f} KB, expected readings in expected.json")


if __name__ == "__main__":
    main()
