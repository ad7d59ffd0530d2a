"""Synthetic test images, the one home of the material the tests, ``edgedigits bench`` and ``benchmarks/`` read:
realistic pages rendered from MNIST *test* digits (never training ones) and pen strokes.

    rng = np.random.default_rng(0)
    digits, labels = pick_digits(mnist_test, "2026", rng)
    image, text = paper_scene(digits, rng, labels=labels, lines=1)       # BGR uint8, "2026"
    photo = photo_effects(image, rng, perspective=0.05, light=0.5, noise=5, blur=1.0, jpeg_quality=70)
    for name, img in single_digit_variants(digits[0]): ...               # sizes, polarities, strokes, alpha

Everything is deterministic given the rng (numpy Generator). `text` has one line per text line, joined by
"\\n" (the reader's `Reading.text`). `render_scene` also returns the true boxes and line of each digit.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

SCENE_SIZE = (640, 480)  # (w, h) of make_scene's frames
PAPER = (236, 240, 242)  # BGR, a slightly warm white
INKS = ((40, 30, 25), (90, 40, 20), (30, 30, 30))  # black, blue ballpoint, pencil-ish (BGR)


# --------------------------------------------------------------------------- digits


def pick_digits(split, text: str | int, rng: np.random.Generator) -> tuple[list[np.ndarray], list[int]]:
    """MNIST test digits for the characters of `text` (or `text` random digits if an int)."""
    labels = [int(c) for c in text] if isinstance(text, str) else [int(v) for v in rng.integers(0, 10, text)]
    images = split.images
    out = []
    for label in labels:
        index = np.flatnonzero(split.labels == label)
        out.append(images[int(rng.choice(index))])
    return out, labels


def ink_box(ink: np.ndarray) -> tuple[int, int, int, int]:
    return cv2.boundingRect((ink > 0).astype(np.uint8))


def render_digit(digit28: np.ndarray, height: int, *, stroke: float = 0.0) -> np.ndarray:
    """An MNIST digit as float32 ink (white on black) whose ink box is `height` px tall (tight, no margin).

    stroke > 0 widens the strokes by about that fraction of the height (dilation); stroke < 0 thins them to a
    pen line about -stroke of the height wide (skeleton, then dilated).
    """
    x, y, w, h = ink_box(digit28)
    crop = digit28[y : y + h, x : x + w].astype(np.float32) / 255.0
    scale = height / h
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    ink = cv2.resize(crop, size, interpolation=cv2.INTER_CUBIC if scale > 1 else cv2.INTER_AREA)
    ink = np.clip(ink, 0, 1)
    if stroke > 0:
        k = max(3, int(round(stroke * height)) | 1)
        pad = k
        ink = cv2.copyMakeBorder(ink, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=0)
        ink = cv2.dilate(ink, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k)))
    elif stroke < 0:
        skeleton = morphological_skeleton((ink > 0.5).astype(np.uint8))
        width = max(1, int(round(-stroke * height)))
        if width > 1:
            skeleton = cv2.dilate(skeleton, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (width, width)))
        ink = cv2.GaussianBlur(skeleton.astype(np.float32), (3, 3), 0.6)
        ink = np.clip(ink * 1.5, 0, 1)
    x, y, w, h = ink_box(ink)
    return ink[y : y + h, x : x + w]


def morphological_skeleton(binary: np.ndarray) -> np.ndarray:
    """Zhang-Suen thinning (vectorized): a connected 1 px centre line of a 0/1 image."""
    img = np.pad(binary.astype(np.uint8) & 1, 1)
    while True:
        changed = False
        for step in (0, 1):
            p = img
            n = [p[:-2, 1:-1], p[:-2, 2:], p[1:-1, 2:], p[2:, 2:], p[2:, 1:-1], p[2:, :-2], p[1:-1, :-2], p[:-2, :-2]]
            count = sum(v.astype(np.int32) for v in n)
            transitions = sum(((n[k] == 0) & (n[(k + 1) % 8] == 1)).astype(np.int32) for k in range(8))
            if step == 0:
                cond = (n[0] * n[2] * n[4] == 0) & (n[2] * n[4] * n[6] == 0)
            else:
                cond = (n[0] * n[2] * n[6] == 0) & (n[0] * n[4] * n[6] == 0)
            remove = (p[1:-1, 1:-1] == 1) & (count >= 2) & (count <= 6) & (transitions == 1) & cond
            if remove.any():
                img = img.copy()
                img[1:-1, 1:-1][remove] = 0
                changed = True
        if not changed:
            return img[1:-1, 1:-1]


# A hand-drawn stroke font: each digit is a few polylines through control points in a box 0.6 wide, 1 tall.
def _ellipse(cx, cy, rx, ry, start=0.0, end=360.0, n=13):
    t = np.deg2rad(np.linspace(start, end, n))
    return [(cx + rx * np.sin(a), cy - ry * np.cos(a)) for a in t]


PEN_STROKES: dict[int, list[list[tuple[float, float]]]] = {
    0: [_ellipse(0.3, 0.5, 0.27, 0.48)],
    1: [[(0.18, 0.18), (0.36, 0.0), (0.36, 1.0)]],
    2: [
        [
            (0.04, 0.24),
            (0.14, 0.06),
            (0.32, 0.0),
            (0.5, 0.08),
            (0.55, 0.26),
            (0.44, 0.46),
            (0.24, 0.7),
            (0.03, 0.98),
            (0.3, 0.97),
            (0.6, 0.99),
        ]
    ],
    3: [
        [
            (0.05, 0.1),
            (0.25, 0.0),
            (0.48, 0.06),
            (0.52, 0.24),
            (0.28, 0.45),
            (0.5, 0.56),
            (0.56, 0.78),
            (0.38, 0.98),
            (0.16, 0.99),
            (0.02, 0.88),
        ]
    ],
    4: [[(0.42, 0.0), (0.22, 0.34), (0.02, 0.66), (0.3, 0.66), (0.6, 0.65)], [(0.46, 0.22), (0.46, 1.0)]],
    5: [
        [(0.56, 0.02), (0.32, 0.01), (0.1, 0.02)],
        [(0.1, 0.02), (0.07, 0.44), (0.3, 0.36), (0.52, 0.48), (0.56, 0.72), (0.42, 0.94), (0.2, 1.0), (0.02, 0.9)],
    ],
    6: [
        [
            (0.5, 0.02),
            (0.26, 0.18),
            (0.09, 0.5),
            (0.09, 0.82),
            (0.3, 1.0),
            (0.5, 0.88),
            (0.53, 0.66),
            (0.32, 0.52),
            (0.1, 0.64),
        ]
    ],
    7: [[(0.02, 0.03), (0.3, 0.02), (0.58, 0.02), (0.42, 0.3), (0.3, 0.62), (0.2, 1.0)]],
    8: [_ellipse(0.3, 0.25, 0.2, 0.24), _ellipse(0.3, 0.74, 0.26, 0.26, start=0, end=360)],
    9: [_ellipse(0.3, 0.26, 0.23, 0.25), [(0.53, 0.2), (0.52, 0.55), (0.46, 0.8), (0.4, 1.0)]],
}


def smooth_stroke(points: list[tuple[float, float]], steps: int = 8) -> np.ndarray:
    """Catmull-Rom through the control points: a smooth pen path."""
    p = np.asarray(points, np.float64)
    if len(p) < 3:
        return p
    p = np.vstack([p[0], p, p[-1]])
    out = []
    t = np.linspace(0, 1, steps, endpoint=False)[:, None]
    for i in range(1, len(p) - 2):
        p0, p1, p2, p3 = p[i - 1], p[i], p[i + 1], p[i + 2]
        out.append(
            0.5
            * (2 * p1 + (-p0 + p2) * t + (2 * p0 - 5 * p1 + 4 * p2 - p3) * t**2 + (-p0 + 3 * p1 - 3 * p2 + p3) * t**3)
        )
    out.append(p[-2][None])
    return np.vstack(out)


def pen_digit(
    digit: int,
    height: int,
    width: float = 2.0,
    *,
    rng: np.random.Generator | None = None,
    jitter: float = 0.02,
    slant: float = 0.0,
    strokes=None,
) -> np.ndarray:
    """A digit drawn with smooth pen strokes: float32 ink (white on black), a tight box `height` px tall.

    width: pen width in px; jitter: random wobble of the control points (fraction of the height);
    slant: shear (0.2 leans the top right); strokes: override PEN_STROKES[digit] (e.g. a broken 5).
    """
    strokes = PEN_STROKES[digit] if strokes is None else strokes
    paths = []
    for stroke in strokes:
        pts = np.asarray(stroke, np.float64)
        if rng is not None and jitter:
            pts = pts + rng.normal(0, jitter, pts.shape)
        path = smooth_stroke([tuple(p) for p in pts])
        paths.append(np.stack([path[:, 0] + slant * (1 - path[:, 1]), path[:, 1]], 1) * (height - 1))
    low = np.min([p.min(0) for p in paths], 0)
    high = np.max([p.max(0) for p in paths], 0)
    pad = int(np.ceil(width)) + 2
    canvas = np.zeros((int(high[1] - low[1]) + 2 * pad + 1, int(high[0] - low[0]) + 2 * pad + 1), np.uint8)
    shift = 4  # sub-pixel precision for polylines
    for path in paths:
        poly = np.round((path - low + pad) * (1 << shift)).astype(np.int32)
        cv2.polylines(canvas, [poly], False, 255, max(1, int(round(width))), cv2.LINE_AA, shift)
    ink = canvas.astype(np.float32) / 255.0
    x, y, w, h = ink_box(ink)
    return ink[y : y + h, x : x + w]


# --------------------------------------------------------------------------- scenes


@dataclass
class Scene:
    image: np.ndarray  # BGR uint8
    text: str  # expected reading, lines joined by "\n"
    boxes: list[tuple[int, int, int, int]] = field(default_factory=list)  # true ink boxes, reading order
    lines: list[int] = field(default_factory=list)  # line index of each box


def paper_texture(shape: tuple[int, int], rng: np.random.Generator, colour=PAPER, grain: float = 3.0):
    """Paper: a tinted base, low-frequency blotches and fine grain. BGR float32."""
    h, w = shape
    low = cv2.resize(
        rng.normal(0, 1, (max(2, h // 64), max(2, w // 64))).astype(np.float32), (w, h), interpolation=cv2.INTER_CUBIC
    )
    base = np.asarray(colour, np.float32) + rng.uniform(-12, 6)
    paper = base[None, None, :] + (low * 3.0)[:, :, None] + rng.normal(0, grain, (h, w, 1)).astype(np.float32)
    return paper


def render_scene(
    digits: list[np.ndarray],
    rng: np.random.Generator,
    *,
    labels=None,
    lines: int = 1,
    height: float | tuple[float, float] = (30, 120),
    spacing: tuple[float, float] = (0.15, 0.5),
    tilt: float = 2.0,
    ink: tuple[int, int, int] | None = None,
    ruled: bool = False,
    paper_edge: bool = False,
    margin: float = 0.8,
    pen: bool = False,
    stroke: float = 0.0,
) -> Scene:
    """Digits in `lines` lines, dark ink on paper, natural spacing, a slight tilt. See paper_scene."""
    n = len(digits)
    labels = list(labels) if labels is not None else [None] * n
    per_line = np.array_split(np.arange(n), lines)
    H = float(rng.uniform(*height)) if isinstance(height, tuple) else float(height)
    # Render every digit's ink, then lay them out.
    inks = []
    for d in digits:
        h = max(6, int(round(H * rng.uniform(0.88, 1.12))))
        if pen:
            inks.append(pen_digit(int(d), h, width=max(1.0, H * 0.06), rng=rng, slant=rng.uniform(0, 0.15)))
        else:
            inks.append(render_digit(d, h, stroke=stroke))
    line_gap = H * rng.uniform(0.5, 0.9)
    placements = []  # (line, x, y, ink)
    widths = []
    y = 0.0
    angle = np.deg2rad(rng.uniform(-tilt, tilt))
    for li, idx in enumerate(per_line):
        x = 0.0
        for i in idx:
            g = inks[i]
            dy = (H - g.shape[0]) * rng.uniform(0.3, 0.9) + H * rng.uniform(-0.05, 0.05) + np.tan(angle) * x
            placements.append((li, x, y + dy, g))
            x += g.shape[1] + H * rng.uniform(*spacing)
        widths.append(x - H * spacing[0])
        y += H + line_gap
    m = int(H * margin) + 4
    ys = [p[2] for p in placements]
    y_min = min(ys)
    height_px = int(max(p[2] + p[3].shape[0] for p in placements) - y_min) + 2 * m
    width_px = int(max(p[1] + p[3].shape[1] for p in placements)) + 2 * m
    layer = np.zeros((height_px, width_px), np.float32)
    boxes = []
    for _, x, yy, g in placements:
        x0, y0 = int(round(x)) + m, int(round(yy - y_min)) + m
        region = layer[y0 : y0 + g.shape[0], x0 : x0 + g.shape[1]]
        np.maximum(region, g[: region.shape[0], : region.shape[1]], out=region)
        bx, by, bw, bh = ink_box(g)
        boxes.append((x0 + bx, y0 + by, bw, bh))
    paper = paper_texture(layer.shape, rng)
    colour = np.asarray(ink if ink is not None else INKS[int(rng.integers(len(INKS)))], np.float32)
    opacity = rng.uniform(0.85, 1.0)
    alpha = (layer * opacity)[:, :, None]
    image = paper * (1 - alpha) + colour[None, None, :] * alpha
    if ruled:  # light blue rules under each line (not touching), and one across the page above the text
        rule = np.array([200, 170, 150], np.float32)
        for li in range(lines):
            line_boxes = [b for b, p in zip(boxes, placements) if p[0] == li]
            base = max(b[1] + b[3] for b in line_boxes) + max(3, int(0.12 * H))
            cv2.line(
                image,
                (0, base),
                (width_px - 1, base + int(np.tan(angle) * width_px)),
                rule.tolist(),
                max(1, int(H / 40)),
                cv2.LINE_AA,
            )
        top = max(2, min(b[1] for b in boxes) - max(4, int(0.3 * H)))
        cv2.line(image, (0, top), (width_px - 1, top), rule.tolist(), max(1, int(H / 40)), cv2.LINE_AA)
    if paper_edge:  # the desk shows along the left side: a dark band with a slanted paper edge
        edge = int(m * rng.uniform(0.3, 0.6))
        desk = np.full(3, rng.uniform(30, 60), np.float32)
        pts = np.array(
            [[0, 0], [edge, 0], [edge + int(rng.uniform(-0.2, 0.2) * edge), height_px], [0, height_px]], np.int32
        )
        mask = np.zeros(layer.shape, np.uint8)
        cv2.fillPoly(mask, [pts], 255)
        mask = cv2.GaussianBlur(mask, (5, 5), 0).astype(np.float32)[:, :, None] / 255
        image = image * (1 - mask) + desk * mask
    image = np.clip(image + 0.5, 0, 255).astype(np.uint8)
    text = "\n".join("".join(str(labels[i]) for i in idx) for idx in per_line) if labels[0] is not None else ""
    line_of = [p[0] for p in placements]
    return Scene(image, text, boxes, line_of)


def paper_scene(
    digits: list[np.ndarray], rng: np.random.Generator, *, lines: int = 1, labels=None, **options
) -> tuple[np.ndarray, str]:
    """Place MNIST test digits (uint8 28x28, white on black) as dark ink on paper, in `lines` lines.

    Each scene draws a digit height from 30-120 px (+-12% per digit), gaps of 0.15-0.5 of it, a tilt of up
    to +-2 degrees. labels: the digits' values, for the expected text (lines joined by "\\n"); "" without.
    Options (see render_scene): height, spacing, tilt, ink (BGR), ruled, paper_edge, margin, pen, stroke.
    """
    scene = render_scene(digits, rng, labels=labels, lines=lines, **options)
    return scene.image, scene.text


def photo_effects(
    img: np.ndarray,
    rng: np.random.Generator,
    *,
    perspective: float = 0.05,
    light: float = 0.4,
    noise: float = 4.0,
    blur: float = 0.8,
    jpeg_quality: int | None = 75,
    shadow: bool = True,
) -> np.ndarray:
    """What a phone camera adds: perspective (corner shift, fraction of the size), uneven light (gradient +
    vignette + an optional soft shadow, `light` = darkest loss), Gaussian noise (sigma), blur (sigma) and a
    JPEG round trip. Returns BGR uint8 of the same size."""
    img = img if img.ndim == 3 else cv2.cvtColor(img, cv2.COLOR_GRAY2BGR)
    h, w = img.shape[:2]
    out = img
    if perspective > 0:
        src = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32)
        dst = src + rng.uniform(-perspective, perspective, (4, 2)).astype(np.float32) * np.array([w, h], np.float32)
        matrix = cv2.getPerspectiveTransform(src, dst)
        out = cv2.warpPerspective(out, matrix, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    out = out.astype(np.float32)
    if light > 0:
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        theta = rng.uniform(0, 2 * np.pi)
        ramp = np.cos(theta) * xx / w + np.sin(theta) * yy / h
        ramp = (ramp - ramp.min()) / max(float(np.ptp(ramp)), 1e-6)
        gain = 1 - light * 0.6 * ramp
        r2 = ((xx - w / 2) / (w / 2)) ** 2 + ((yy - h / 2) / (h / 2)) ** 2
        gain *= 1 - light * 0.35 * np.clip(r2 / 2, 0, 1)
        if shadow:
            # a soft-edged shadow across one part of the frame (a hand or a phone)
            a = rng.uniform(0, 2 * np.pi)
            d = np.cos(a) * (xx - w / 2) + np.sin(a) * (yy - h / 2) - rng.uniform(0.1, 0.4) * max(w, h)
            soft = 0.08 * max(w, h)
            gain *= 1 - light * 0.5 / (1 + np.exp(-d / soft))
        out *= gain[:, :, None]
    if blur > 0:
        out = cv2.GaussianBlur(out, (0, 0), blur)
    if noise > 0:
        out += rng.normal(0, noise, out.shape).astype(np.float32)
    out = np.clip(out + 0.5, 0, 255).astype(np.uint8)
    if jpeg_quality:
        ok, data = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, int(jpeg_quality)])
        out = cv2.imdecode(data, cv2.IMREAD_COLOR)
    return out


# --------------------------------------------------------------------------- single digits


def on_canvas(
    ink: np.ndarray, margin: float, dark_on_light: bool = True, paper: int = 235, ink_level: int = 25
) -> np.ndarray:
    """Ink (float, white on black) on a plain canvas with `margin` (fraction of the longer side) around it."""
    pad = int(round(margin * max(ink.shape)))
    ink = cv2.copyMakeBorder(ink, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=0)
    if dark_on_light:
        values = paper - (paper - ink_level) * ink
    else:
        values = (255 - paper) + (paper - ink_level) * ink
    return np.clip(values + 0.5, 0, 255).astype(np.uint8)


def single_digit_variants(
    digit28: np.ndarray, *, sizes=(8, 12, 20, 28, 48, 100, 200, 400), rng: np.random.Generator | None = None
) -> list[tuple[str, np.ndarray]]:
    """One MNIST digit as many different single-digit images, each (name, image):

    for every size (digit height in px): dark on light and light on dark, with a margin of 30%;
    at 100 and 300 px: thin pen (skeleton, ~1% of the height), thick marker (+12% of the height),
    a tight crop (the ink touches the borders), a transparent PNG (BGRA, black strokes, alpha = ink),
    a colour BGR photo-like version, float [0, 1] and uint16 versions.
    """
    rng = rng if rng is not None else np.random.default_rng(0)
    out = []
    for size in sizes:
        ink = render_digit(digit28, size)
        out.append((f"dark_{size}", on_canvas(ink, 0.3, True)))
        out.append((f"light_{size}", on_canvas(ink, 0.3, False)))
    for size in (100, 300):
        out.append((f"thin_{size}", on_canvas(render_digit(digit28, size, stroke=-0.01), 0.25, True, 250, 10)))
        out.append((f"thick_{size}", on_canvas(render_digit(digit28, size, stroke=0.12), 0.25, True)))
        ink = render_digit(digit28, size)
        out.append((f"tight_{size}", on_canvas(ink, 0.0, True)))
        bgra = np.zeros(ink.shape + (4,), np.uint8)
        bgra[:, :, 3] = np.clip(ink * 255 + 0.5, 0, 255).astype(np.uint8)
        bgra = cv2.copyMakeBorder(bgra, size // 5, size // 5, size // 5, size // 5, cv2.BORDER_CONSTANT, value=0)
        out.append((f"transparent_{size}", bgra))
        gray = on_canvas(ink, 0.3, True, 210, 50)
        colour = cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR)
        out.append(
            (
                f"photo_{size}",
                photo_effects(colour, rng, perspective=0.03, light=0.4, noise=4, blur=1.0, jpeg_quality=80),
            )
        )
    ink = render_digit(digit28, 60)
    out.append(("float01_60", on_canvas(ink, 0.3, True).astype(np.float32) / 255.0))
    out.append(("uint16_60", on_canvas(ink, 0.3, True).astype(np.uint16) * 257))
    out.append(("mnist_28", digit28.copy()))
    return out


# --------------------------------------------------------------------------- the inputs of `edgedigits bench`


def sample_digits(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, str]:
    """``n`` digits uint8 [n, 28, 28] (white on black), their labels, and where they come from.

    Real MNIST test digits when the files are already on disk (never downloads); otherwise digits drawn with
    OpenCV's script font, so ``edgedigits bench`` works offline on a fresh install.
    """
    from .mnist import MnistError, load

    rng = np.random.default_rng(seed)
    try:
        split = load("test", download=False)
        index = rng.integers(0, len(split.images), n)
        return split.images[index], split.labels[index].astype(np.int64), "MNIST test digits"
    except (MnistError, OSError):
        labels = rng.integers(0, 10, n)
        return np.stack([drawn_digit(int(d), rng) for d in labels]), labels, "drawn digits (MNIST not on disk)"


def drawn_digit(value: int, rng: np.random.Generator) -> np.ndarray:
    """The digit ``value`` (0-9) drawn with OpenCV's script font (FONT_HERSHEY_SCRIPT_SIMPLEX) at a scale, place and
    stroke width drawn from ``rng``, as an MNIST-style uint8 [28, 28], white on black: a digit without MNIST on
    disk (sample_digits, DigitReader.warm_up)."""
    canvas = np.zeros((56, 56), np.uint8)
    scale = rng.uniform(1.3, 1.7)
    cv2.putText(
        canvas,
        str(value),
        (int(rng.integers(8, 16)), 46),
        cv2.FONT_HERSHEY_SCRIPT_SIMPLEX,
        scale,
        255,
        thickness=int(rng.integers(3, 6)),
        lineType=cv2.LINE_AA,
    )
    return cv2.resize(canvas, (28, 28), interpolation=cv2.INTER_AREA)


def on_paper(digit: np.ndarray, size: int, rng: np.random.Generator) -> np.ndarray:
    """An MNIST-style digit (white on black) as dark ink on light, slightly noisy paper, ``size`` px square."""
    ink = cv2.resize(digit, (size, size), interpolation=cv2.INTER_LINEAR).astype(np.float32) / 255.0
    paper = rng.uniform(205, 245)
    gray = paper - ink * (paper - rng.uniform(20, 70)) + rng.normal(0, 2.0, ink.shape)
    return np.clip(gray + 0.5, 0, 255).astype(np.uint8)


def digit_png(seed: int = 0, size: int = 64) -> bytes:
    """One digit on paper as PNG bytes (the single-digit input of the stage timings)."""
    digits, _, _ = sample_digits(1, seed)
    return cv2.imencode(".png", on_paper(digits[0], size, np.random.default_rng(seed)))[1].tobytes()


def make_scene(
    digits: np.ndarray | None = None, seed: int = 0, size: tuple[int, int] = SCENE_SIZE, per_line: int = 3
) -> np.ndarray:
    """A BGR frame (default 640x480) with six digits in lines of ``per_line`` (default two lines of three;
    6: one line of six) on unevenly lit paper."""
    rng = np.random.default_rng(seed)
    if digits is None:
        digits = sample_digits(6, seed)[0]
    width, height = size
    light = (
        np.linspace(0.78, 1.0, width, dtype=np.float32)[None, :]
        * np.linspace(1.0, 0.88, height, dtype=np.float32)[:, None]
    )
    paper = np.array([205, 222, 232], np.float32)  # warm paper, BGR
    frame = light[:, :, None] * paper + rng.normal(0, 3.0, (height, width, 3)).astype(np.float32)
    ink_colour = np.array([90, 40, 30], np.float32)  # blue-black pen
    for i, digit in enumerate(digits):
        row, col = divmod(i, per_line)
        side = int(rng.integers(height // 8, height // 5))
        if per_line == 3:
            x = int(width * (0.12 + 0.27 * col) + rng.integers(-15, 15))
            y = int(height * (0.15 + 0.42 * row) + rng.integers(-15, 15))
        else:  # one line across the frame
            x = int(width * (0.06 + 0.9 / per_line * col) + rng.integers(-5, 5))
            y = int(height * (0.35 + 0.42 * row) + rng.integers(-10, 10))
        ink = cv2.resize(digit, (side, side), interpolation=cv2.INTER_LINEAR).astype(np.float32)[:, :, None] / 255
        patch = frame[y : y + side, x : x + side]
        frame[y : y + side, x : x + side] = patch * (1 - ink) + ink_colour * ink
    return np.clip(frame + 0.5, 0, 255).astype(np.uint8)
