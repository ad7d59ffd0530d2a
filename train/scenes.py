"""Realistic photos of the kinds of issue 10 (desks, borders, form boxes, rules, rotation, low light, pencil,
tiny scans, a label's barcode), built from MNIST digits. NumPy and OpenCV only (no TensorFlow): tests and
benchmarks import it.

    split = load("test", "/work/shared/data/mnist")      # MNIST *test* digits for evaluation, never train
    rng = np.random.default_rng(0)
    image, text = make_form_boxes(split, rng)            # or KINDS["form_boxes"](split, rng)
    image                                                # uint8 BGR [H, W, 3] (``tiny``: gray [h, w])
    text                                                 # "4071": the digits in reading order, lines by "\\n"

Every ``make_<kind>(split, rng)`` draws everything it needs from ``rng``, so a seed gives the same image.
Digits are MNIST images cropped to their ink, scaled with ``cv2.resize`` (cubic when enlarging) and laid on
the paper as ink: the paper is darkened toward the ink colour by the ink strength. Printed matter (words, form
lines, rules, pens) is drawn with OpenCV and never contains a digit, so ``text`` is exactly what a reader must
return. The photos then get what a camera adds: uneven light, blur, noise and a JPEG round trip.
"""

from __future__ import annotations

import os
import zlib
from typing import Callable, Iterator, NamedTuple

import cv2
import numpy as np

Image = np.ndarray
FONTS = (cv2.FONT_HERSHEY_SIMPLEX, cv2.FONT_HERSHEY_DUPLEX, cv2.FONT_HERSHEY_COMPLEX, cv2.FONT_HERSHEY_TRIPLEX)
FORM_WORDS = (
    "Customer",
    "Remarks",
    "Name",
    "Date",
    "Signature",
    "Office",
    "use",
    "only",
    "received",
    "the",
    "checked",
    "by",
    "order",
    "reference",
    "approved",
    "desk",
    "please",
    "return",
    "this",
    "form",
    "to",
    "Front",
    "in",
    "delivery",
    "address",
    "Department",
    "of",
    "and",
    "copy",
    "Notes",
)
LABELS = ("Room:", "Customer No:", "Ref:", "Order:", "Account:", "Code:", "Amount:", "Ticket:", "Unit:")


# --------------------------------------------------------------------------- digits as ink


def pick(split, rng: np.random.Generator, lo: int, hi: int) -> tuple[list[np.ndarray], str]:
    """lo-hi random digits of the split: their uint8 28x28 images and their labels as a string."""
    index = rng.integers(0, len(split.images), int(rng.integers(lo, hi + 1)))
    return [split.images[i] for i in index], "".join(str(int(split.labels[i])) for i in index)


def digit_ink(digit28: np.ndarray, height: int, width_scale: float = 1.0) -> np.ndarray:
    """An MNIST digit cropped to its ink and scaled to ``height`` px: float32 [height, w] in [0, 1]. A digit with no
    ink (``blank``'s) is a blank of a digit's width, 0.6 heights."""
    ys, xs = np.nonzero(digit28 > 20)
    if ys.size == 0:
        return np.zeros((height, max(1, round(0.6 * height * width_scale))), np.float32)
    crop = digit28[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1].astype(np.float32) / 255
    width = max(1, round(height * width_scale * crop.shape[1] / crop.shape[0]))
    grow = height >= crop.shape[0]
    out = cv2.resize(crop, (width, height), interpolation=cv2.INTER_CUBIC if grow else cv2.INTER_AREA)
    return np.clip(out, 0, 1)


def number_ink(
    digits: list[np.ndarray], height: float, rng: np.random.Generator, gap: tuple[float, float] = (0.12, 0.4)
) -> np.ndarray:
    """Digits written left to right (heights +-10%, gaps ``gap`` x height, a wobbling baseline) as one ink
    strip: float32 [~1.2 height, w] in [0, 1]."""
    inks = [digit_ink(d, max(4, round(height * rng.uniform(0.9, 1.1)))) for d in digits]
    gaps = [round(height * rng.uniform(*gap)) for _ in inks[1:]] + [0]
    strip = np.zeros(
        (max(i.shape[0] for i in inks) + round(0.08 * height) + 1, sum(i.shape[1] for i in inks) + sum(gaps)),
        np.float32,
    )
    x = 0
    for ink, g in zip(inks, gaps):
        bottom = strip.shape[0] - round(rng.uniform(0, 0.08) * height)
        region = strip[bottom - ink.shape[0] : bottom, x : x + ink.shape[1]]
        np.maximum(region, ink, out=region)
        x += ink.shape[1] + g
    return strip


def fit(ink: np.ndarray, max_w: float, max_h: float = 1e9) -> np.ndarray:
    """Shrink an ink strip to fit max_w x max_h px (never enlarges)."""
    scale = min(1.0, max_w / ink.shape[1], max_h / ink.shape[0])
    if scale >= 1.0:
        return ink
    size = (max(1, round(ink.shape[1] * scale)), max(1, round(ink.shape[0] * scale)))
    return cv2.resize(ink, size, interpolation=cv2.INTER_AREA)


def put_ink(canvas: np.ndarray, ink: np.ndarray, x: int, y: int, colour, strength: float = 1.0) -> None:
    """Darken the float32 BGR ``canvas`` toward ``colour`` where ``ink`` (float [h, w] in [0, 1], top left at
    x, y) is: alpha = strength x ink. Clipped at the canvas edges; in place."""
    h, w = ink.shape
    x0, y0, x1, y1 = max(x, 0), max(y, 0), min(x + w, canvas.shape[1]), min(y + h, canvas.shape[0])
    if x1 <= x0 or y1 <= y0:
        return
    alpha = strength * ink[y0 - y : y1 - y, x0 - x : x1 - x, None]
    roi = canvas[y0:y1, x0:x1]
    roi *= 1 - alpha
    roi += alpha * np.float32(colour)


def pen_colour(rng: np.random.Generator) -> tuple[float, float, float]:
    """Ballpoint blue or black ink, BGR."""
    if rng.random() < 0.5:
        return rng.uniform(110, 170), rng.uniform(35, 80), rng.uniform(10, 40)
    grey = rng.uniform(15, 45)
    return grey, grey, grey


def drawn(shape: tuple[int, int], draw: Callable[[np.ndarray], None]) -> np.ndarray:
    """Printed matter drawn by ``draw`` (OpenCV calls, white 255 on a uint8 mask) as float32 ink [0, 1]."""
    mask = np.zeros(shape, np.uint8)
    draw(mask)
    return mask.astype(np.float32) / 255


# --------------------------------------------------------------------------- surfaces


def smooth_noise(h: int, w: int, rng: np.random.Generator, cell: int) -> np.ndarray:
    """Low-frequency noise (features ~``cell`` px), float32 [h, w], about unit scale."""
    small = rng.standard_normal((max(2, h // cell), max(2, w // cell)), dtype=np.float32)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC)


def paper(h: int, w: int, rng: np.random.Generator, level: float | None = None) -> np.ndarray:
    """Paper: float32 BGR [h, w, 3], a slightly tinted ``level`` (default 215-245) with soft blotches."""
    level = rng.uniform(215, 245) if level is None else level
    tint = np.array([rng.uniform(-4, 6), rng.uniform(-3, 3), rng.uniform(-6, 4)], np.float32)
    base = np.clip(level + tint, 0, 255)
    return base + (2.5 * smooth_noise(h, w, rng, 64))[:, :, None]


def desk(h: int, w: int, rng: np.random.Generator, kind: str | None = None) -> np.ndarray:
    """A desk top filling the frame: float32 BGR [h, w, 3]. ``kind`` "wood" (brown grain) or "dark" (a dark
    laminate, 20-70 grey); random when None. Made at <= 500 px and enlarged: it is out of focus anyway."""
    kind = kind or ("wood" if rng.random() < 0.5 else "dark")
    s = min(1.0, 500 / max(h, w))
    hs, ws = max(8, round(h * s)), max(8, round(w * s))
    if kind == "wood":
        yy = np.arange(hs, dtype=np.float32)[:, None]
        wobble = 3 * smooth_noise(hs, ws, rng, 60)
        grain = 0.5 + 0.5 * np.sin(2 * np.pi * (yy + wobble) / rng.uniform(6, 15))
        streaks = cv2.GaussianBlur(rng.standard_normal((hs, 1), dtype=np.float32), (0, 0), 0.8)
        shade = 0.78 + 0.16 * grain + 0.05 * streaks + 0.03 * smooth_noise(hs, ws, rng, 20)
        colour = np.array([rng.uniform(35, 70), rng.uniform(90, 130), rng.uniform(145, 195)], np.float32)
    else:
        shade = 1 + 0.08 * smooth_noise(hs, ws, rng, 40) + 0.04 * rng.standard_normal((hs, ws), dtype=np.float32)
        level = rng.uniform(20, 70)
        colour = np.array([level + rng.uniform(-5, 8), level, level + rng.uniform(-5, 5)], np.float32)
    top = shade[:, :, None] * colour
    return cv2.resize(top, (w, h), interpolation=cv2.INTER_LINEAR) if s < 1 else top


def quad(cx: float, cy: float, w: float, h: float, angle: float, jitter: float, rng: np.random.Generator) -> np.ndarray:
    """Corners (TL, TR, BR, BL; float32 [4, 2]) of a w x h rectangle centred at cx, cy, turned ``angle``
    degrees (counter-clockwise on screen), each corner moved by up to ``jitter`` x the size (perspective)."""
    a = np.deg2rad(angle)
    rot = np.array([[np.cos(a), np.sin(a)], [-np.sin(a), np.cos(a)]], np.float32)
    corners = np.array([[-w / 2, -h / 2], [w / 2, -h / 2], [w / 2, h / 2], [-w / 2, h / 2]], np.float32) @ rot.T
    corners += rng.uniform(-jitter, jitter, (4, 2)).astype(np.float32) * np.array([w, h], np.float32)
    return corners + np.array([cx, cy], np.float32)


def lay(
    frame: np.ndarray, sheet: np.ndarray, corners: np.ndarray, rng: np.random.Generator, shadow: float = 0.35
) -> tuple[np.ndarray, np.ndarray]:
    """Lay a flat ``sheet`` (float32 BGR) onto ``frame`` (float32 BGR) with its corners at ``corners``, over a
    soft shadow. Returns the new frame and the 3x3 sheet-to-frame matrix."""
    H, W = frame.shape[:2]
    h, w = sheet.shape[:2]
    matrix = cv2.getPerspectiveTransform(np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32), corners)
    warped = cv2.warpPerspective(sheet, matrix, (W, H), flags=cv2.INTER_LINEAR)
    mask = np.zeros((H, W), np.uint8)
    cv2.fillConvexPoly(mask, np.int32(np.round(corners * 16)), 255, cv2.LINE_AA, shift=4)
    if shadow > 0:  # the sheet's shadow, offset away from the light, made small and enlarged
        s = min(1.0, 400 / max(H, W))
        small = cv2.resize(mask, (max(2, round(W * s)), max(2, round(H * s))), interpolation=cv2.INTER_AREA)
        dx, dy = rng.uniform(-0.012, 0.012) * max(H, W) * s, rng.uniform(0.004, 0.015) * max(H, W) * s
        small = cv2.warpAffine(small, np.array([[1, 0, dx], [0, 1, dy]], np.float32), small.shape[::-1])
        small = cv2.GaussianBlur(small, (0, 0), 0.01 * max(H, W) * s + 0.5)
        frame = frame * (1 - shadow / 255 * cv2.resize(small, (W, H)).astype(np.float32))[:, :, None]
    alpha = mask.astype(np.float32) / 255
    return cv2.blendLinear(warped, frame.astype(np.float32), alpha, 1 - alpha), matrix


def draw_pen(
    frame: np.ndarray,
    rng: np.random.Generator,
    length: float,
    width: float,
    avoid: tuple[float, float, float, float] | None = None,
) -> None:
    """A pen lying in ``frame`` (float32 BGR, in place): a long dark body with round ends, a highlight along
    it, a clip, a metal tip and a soft shadow. ``avoid``: an x0, y0, x1, y1 box it must not cover."""
    H, W = frame.shape[:2]
    for _ in range(60):
        centre = np.array([rng.uniform(0.15, 0.85) * W, rng.uniform(0.15, 0.85) * H], np.float64)
        a = rng.uniform(0, 2 * np.pi)
        direction = np.array([np.cos(a), np.sin(a)], np.float64)
        points = centre + np.linspace(-0.6, 0.6, 40)[:, None] * length * direction
        if avoid is None:
            break
        x0, y0, x1, y1 = avoid
        m = 1.5 * width
        if not np.any(
            (points[:, 0] > x0 - m) & (points[:, 0] < x1 + m) & (points[:, 1] > y0 - m) & (points[:, 1] < y1 + m)
        ):
            break
    back, front = centre - 0.5 * length * direction, centre + 0.5 * length * direction
    tip = front + 1.6 * width * direction
    normal = np.array([-direction[1], direction[0]], np.float64)
    pad = 2 * width + 10
    bx0, by0 = int(max(0, min(back[0], tip[0]) - pad)), int(max(0, min(back[1], tip[1]) - pad))
    bx1, by1 = int(min(W, max(back[0], tip[0]) + pad)), int(min(H, max(back[1], tip[1]) + pad))
    if bx1 <= bx0 or by1 <= by0:
        return
    roi = frame[by0:by1, bx0:bx1]
    o = np.array([bx0, by0], np.float64)

    def pt(p):
        return tuple(int(v) for v in np.round((p - o) * 16))

    def mask_of(draw) -> np.ndarray:
        return drawn(roi.shape[:2], draw)

    thick = max(1, round(width))
    body = mask_of(lambda m: cv2.line(m, pt(back), pt(front), 255, thick, cv2.LINE_AA, shift=4))
    cone = np.array([front + 0.45 * width * normal, tip, front - 0.45 * width * normal], np.float64)
    metal = mask_of(lambda m: cv2.fillConvexPoly(m, np.int32(np.round((cone - o) * 16)), 255, cv2.LINE_AA, 4))
    shade = cv2.GaussianBlur(np.maximum(body, metal), (0, 0), 0.5 * width + 1)
    shift = np.array([[1, 0, 0.4 * width], [0, 1, 0.6 * width]], np.float32)
    put_ink(roi, cv2.warpAffine(shade, shift, shade.shape[::-1]), 0, 0, (0, 0, 0), 0.45)
    put_ink(roi, metal, 0, 0, [rng.uniform(165, 205)] * 3)
    point = mask_of(lambda m: cv2.circle(m, pt(tip), max(1, round(0.12 * width)) * 16, 255, -1, cv2.LINE_AA, 4))
    put_ink(roi, point, 0, 0, (20, 20, 20))
    dark = rng.uniform(12, 40)
    put_ink(roi, body, 0, 0, (dark + rng.uniform(0, 25), dark, dark))
    shine = back + 0.1 * length * direction + 0.22 * width * normal
    gleam = mask_of(
        lambda m: cv2.line(
            m,
            pt(shine),
            pt(front - 0.08 * length * direction + 0.22 * width * normal),
            255,
            max(1, round(0.12 * width)),
            cv2.LINE_AA,
            shift=4,
        )
    )
    put_ink(roi, gleam, 0, 0, [dark + 70] * 3, 0.7)
    clip_a, clip_b = back + 0.05 * length * direction, back + 0.3 * length * direction
    clip = mask_of(
        lambda m: cv2.line(
            m,
            pt(clip_a - 0.1 * width * normal),
            pt(clip_b - 0.1 * width * normal),
            255,
            max(1, round(0.25 * width)),
            cv2.LINE_AA,
            shift=4,
        )
    )
    put_ink(roi, clip, 0, 0, [rng.uniform(150, 200)] * 3, 0.9)


def draw_hand(frame: np.ndarray, rng: np.random.Generator, x: float, y: float, size: float) -> np.ndarray:
    """A hand coming into ``frame`` (float32 BGR, in place) from its bottom edge, as one holding a sheet up to a
    webcam: a palm (an ellipse ``size`` px tall, its centre at ``x``, ``y`` px) tilted up to 25 degrees, four
    fingers and a thumb (capsules), and the wrist down to the edge; a skin tone from light to dark (BGR), shaded
    across the palm as a lamp lights it, the outline softened as a camera focused on the paper sees a hand
    nearer to it, and its soft shadow on the paper. Returns where it lies: float32 [H, W] in [0, 1]."""
    H, W = frame.shape[:2]
    tone = rng.uniform(0.35, 1.0)  # dark to light skin
    skin = np.array([150 * tone + 10, 175 * tone + 20, 215 * tone + 30], np.float32) * rng.uniform(0.9, 1.05, 3)
    tilt = rng.uniform(-25, 25)
    mask = np.zeros((H, W), np.uint8)
    centre = (int(x), int(y))
    cv2.ellipse(mask, centre, (int(0.36 * size), int(0.5 * size)), tilt, 0, 360, 255, -1, cv2.LINE_AA)
    wrist = 0.22 * size
    cv2.rectangle(mask, (int(x - wrist), int(y)), (int(x + wrist), H), 255, -1)
    up = np.array([np.sin(np.radians(tilt)), -np.cos(np.radians(tilt))])
    across = np.array([-up[1], up[0]])
    for k, (offset, length) in enumerate(((-0.24, 0.5), (-0.08, 0.58), (0.08, 0.55), (0.24, 0.45))):
        if rng.random() < 0.2 * k:  # some fingers folded behind the sheet
            continue
        base = np.array([x, y]) + 0.42 * size * up + offset * size * across
        tip = base + length * size * up
        cv2.line(mask, tuple(int(v) for v in base), tuple(int(v) for v in tip), 255, max(2, int(0.13 * size)))
    side = rng.choice([-1, 1])
    thumb = np.array([x, y]) + 0.3 * side * size * across
    cv2.line(
        mask,
        tuple(int(v) for v in thumb),
        tuple(int(v) for v in thumb + 0.35 * size * (side * across + 0.6 * up)),
        255,
        max(2, int(0.15 * size)),
    )
    soft = float(rng.uniform(0.01, 0.04) * size) + 0.5
    alpha = cv2.GaussianBlur(mask.astype(np.float32) / 255, (0, 0), soft)
    shadow = cv2.GaussianBlur(np.roll(alpha, (int(0.06 * size), int(0.04 * size)), axis=(0, 1)), (0, 0), 0.08 * size)
    frame *= (1 - 0.35 * shadow)[:, :, None]
    yy, xx = np.mgrid[0:H, 0:W].astype(np.float32)
    lit = 1 + 0.18 * ((xx - x) * across[0] + (yy - y) * across[1]) / size  # lit from one side
    lit += 0.06 * smooth_noise(H, W, rng, max(4, int(0.2 * size)))
    frame *= 1 - alpha[:, :, None]
    frame += alpha[:, :, None] * skin * np.clip(lit, 0.6, 1.3)[:, :, None]
    return alpha


# --------------------------------------------------------------------------- the camera


def light_gain(h: int, w: int, rng: np.random.Generator, light: float) -> np.ndarray:
    """Uneven light: a gradient, a vignette and, half the time, a soft shadow; float32 gain [h, w] in
    (1 - light, 1]. Made at 64 px and enlarged."""
    sh, sw = (48, 64) if w >= h else (64, 48)
    yy, xx = np.mgrid[0:sh, 0:sw].astype(np.float32)
    yy, xx = yy / (sh - 1), xx / (sw - 1)
    theta = rng.uniform(0, 2 * np.pi)
    ramp = np.cos(theta) * xx + np.sin(theta) * yy
    ramp = (ramp - ramp.min()) / max(float(np.ptp(ramp)), 1e-6)
    gain = 1 - light * 0.6 * ramp
    gain *= 1 - light * 0.3 * np.clip(((xx - 0.5) ** 2 + (yy - 0.5) ** 2) * 2, 0, 1)
    if rng.random() < 0.5:
        a = rng.uniform(0, 2 * np.pi)
        d = np.cos(a) * (xx - 0.5) + np.sin(a) * (yy - 0.5) - rng.uniform(0.1, 0.4)
        gain *= 1 - light * 0.5 / (1 + np.exp(-d / 0.08))
    return cv2.resize(gain, (w, h), interpolation=cv2.INTER_LINEAR)


def photograph(
    image: np.ndarray,
    rng: np.random.Generator,
    *,
    light: float = 0.3,
    blur: float = 0.8,
    motion: int = 0,
    noise: float = 3.0,
    jpeg: int | None = 80,
    size: tuple[int, int] | None = None,
) -> np.ndarray:
    """What a camera adds to a float32 BGR scene: uneven light (darkest loss ``light``), Gaussian blur
    (sigma px), motion blur (a ``motion`` px streak at a random angle), enlargement to ``size`` (W, H; the
    softness of a phone's demosaicing, and cheap 12 MP photos), Gaussian noise (sigma, grey levels) and a
    JPEG round trip (quality). Returns uint8 BGR [H, W, 3]."""
    h, w = image.shape[:2]
    out = image * light_gain(h, w, rng, light)[:, :, None] if light > 0 else image.astype(np.float32)
    if motion > 1:
        kernel = np.zeros((motion, motion), np.float32)
        c = (motion - 1) / 2
        a = rng.uniform(0, np.pi)
        d = (c * np.cos(a), c * np.sin(a))
        cv2.line(kernel, (round(c - d[0]), round(c - d[1])), (round(c + d[0]), round(c + d[1])), 1.0, 1)
        out = cv2.filter2D(out, -1, kernel / kernel.sum())
    if blur > 0:
        out = cv2.GaussianBlur(out, (0, 0), blur)
    if size is not None and tuple(size) != (w, h):
        out = cv2.resize(out, tuple(size), interpolation=cv2.INTER_LINEAR)
        h, w = out.shape[:2]
    if noise > 0:
        out += (noise * rng.standard_normal((h, w), dtype=np.float32))[:, :, None]
    out = cv2.add(out, 0.0, dtype=cv2.CV_8U)  # rounds and saturates, 20x faster than np.clip
    if jpeg:
        out = cv2.imdecode(cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, int(jpeg)])[1], cv2.IMREAD_COLOR)
    return out


def page(
    split, rng: np.random.Generator, w: int, h: int, lo: int = 3, hi: int = 6, height: tuple[float, float] = (40, 100)
) -> tuple[np.ndarray, str]:
    """Flat paper w x h (float32 BGR) with one handwritten number of lo-hi digits somewhere on it."""
    sheet = paper(h, w, rng)
    digits, text = pick(split, rng, lo, hi)
    ink = fit(number_ink(digits, rng.uniform(*height), rng), 0.85 * w, 0.5 * h)
    x = round(rng.uniform(0.05 * w, max(0.05 * w, 0.95 * w - ink.shape[1])))
    y = round(rng.uniform(0.1 * h, max(0.1 * h, 0.9 * h - ink.shape[0])))
    put_ink(sheet, ink, x, y, pen_colour(rng), rng.uniform(0.85, 0.97))
    return sheet, text


def page_photo(split, rng: np.random.Generator, w: int, h: int, lo: int = 3, hi: int = 6) -> tuple[Image, str]:
    """A phone photo of paper filling the frame, w x h, with one number of lo-hi digits: uint8 BGR."""
    sheet, text = page(split, rng, w, h, lo, hi)
    image = photograph(
        sheet,
        rng,
        light=rng.uniform(0.15, 0.4),
        blur=rng.uniform(0.5, 1.0),
        noise=rng.uniform(2, 5),
        jpeg=int(rng.integers(70, 93)),
    )
    return image, text


# --------------------------------------------------------------------------- the kinds


def make_desk_photo(split, rng: np.random.Generator, size: tuple[int, int] = (4000, 3000)) -> tuple[Image, str]:
    """A phone photo (``size`` = W x H, default 12 MP) of a white printed form lying on a wooden or dark desk,
    slightly turned and in perspective: a title and lines of printed words (Hershey fonts, no digits), one
    printed label ("Room:") with a handwritten number of 3-6 digits in blue or black ink beside it, and a pen
    on the sheet or beside it (never over the number). Uneven light, blur, noise, JPEG. uint8 BGR [H, W, 3];
    text: the handwritten number. The scene is drawn at <= 2000 px and enlarged before the noise."""
    W, H = size
    r = min(1.0, 2000 / max(W, H))
    Wr, Hr = round(W * r), round(H * r)
    frame = desk(Hr, Wr, rng)
    sheet_h = round(Hr * rng.uniform(0.75, 0.9))
    sheet_w = round(sheet_h / 1.414)
    sheet = paper(sheet_h, sheet_w, rng, rng.uniform(225, 248))
    font = int(rng.choice(FONTS))
    cap = sheet_h * rng.uniform(0.012, 0.018)
    thickness = max(1, round(cap / 12))
    scale = cv2.getFontScaleFromHeight(font, round(cap), thickness)
    left, step = round(0.09 * sheet_w), cap * rng.uniform(2.0, 2.6)
    digits, text = pick(split, rng, 3, 6)
    number = number_ink(digits, cap * rng.uniform(1.8, 2.8), rng)
    label, label_at = str(rng.choice(LABELS)), int(rng.integers(1, 5))
    number = fit(number, 0.85 * sheet_w - left - cv2.getTextSize(label, font, scale, thickness)[0][0] - cap)
    title = " ".join(str(w).capitalize() for w in rng.choice(FORM_WORDS, int(rng.integers(2, 4))))
    lines = [
        " ".join(str(w) for w in rng.choice(FORM_WORDS, int(rng.integers(3, 8))))
        for _ in range(int(rng.integers(6, 13)))
    ]
    y, baselines = 0.1 * sheet_h + 1.6 * step, []
    for i in range(len(lines)):  # the label's line leaves room above it for the handwritten number
        y += max(0.0, number.shape[0] + 0.3 * cap - step) if i == label_at else 0.0
        baselines.append(round(y))
        y += step

    def print_form(mask: np.ndarray) -> None:
        def put(words: str, x: int, base: int, size: float, weight: int) -> None:
            while cv2.getTextSize(words, font, size, weight)[0][0] > 0.82 * sheet_w and " " in words:
                words = words.rsplit(" ", 1)[0]
            cv2.putText(mask, words, (x, base), font, size, 255, weight, cv2.LINE_AA)

        put(title, left, round(0.1 * sheet_h), scale * 1.5, thickness * 2 + 1)
        for i, (line, base) in enumerate(zip(lines, baselines)):
            if base < 0.93 * sheet_h:
                put(label if i == label_at else line, left, base, scale, thickness)

    put_ink(sheet, drawn((sheet_h, sheet_w), print_form), 0, 0, [rng.uniform(15, 40)] * 3, 0.95)
    nx = round(left + cv2.getTextSize(label, font, scale, thickness)[0][0] + cap * rng.uniform(0.6, 1.5))
    ny = round(baselines[label_at] + 0.25 * cap - number.shape[0])
    put_ink(sheet, number, nx, ny, pen_colour(rng), rng.uniform(0.85, 0.97))
    corners = quad(
        Wr * rng.uniform(0.4, 0.6), Hr * rng.uniform(0.48, 0.52), sheet_w, sheet_h, rng.uniform(-8, 8), 0.02, rng
    )
    frame, matrix = lay(frame, sheet, corners, rng)
    nh, nw = number.shape
    box = cv2.perspectiveTransform(
        np.array([[[nx, ny], [nx + nw, ny], [nx + nw, ny + nh], [nx, ny + nh]]], np.float32), matrix
    )[0]
    draw_pen(frame, rng, Hr * rng.uniform(0.28, 0.45), Hr * rng.uniform(0.011, 0.017), avoid=(*box.min(0), *box.max(0)))
    image = photograph(
        frame,
        rng,
        light=rng.uniform(0.2, 0.45),
        blur=rng.uniform(0.4, 1.0),
        noise=rng.uniform(2, 5),
        jpeg=int(rng.integers(75, 93)),
        size=(W, H),
    )
    return image, text


def make_border(split, rng: np.random.Generator) -> tuple[Image, str]:
    """A photo of paper with 3-5 digits (320-640 x 240-480 px) inside a flat border, 3-40 px on each side,
    white (235-255) or dark (0-50), as a scan's margin or a mat around a print. uint8 BGR."""
    image, text = page_photo(split, rng, int(rng.integers(320, 641)), int(rng.integers(240, 481)), 3, 5)
    width = int(rng.integers(3, 41))
    top, bottom, left, right = (max(3, min(40, round(width * rng.uniform(0.8, 1.2)))) for _ in range(4))
    level = int(rng.integers(235, 256)) if rng.random() < 0.5 else int(rng.integers(0, 51))
    return cv2.copyMakeBorder(image, top, bottom, left, right, cv2.BORDER_CONSTANT, value=(level,) * 3), text


def make_card_on_desk(split, rng: np.random.Generator) -> tuple[Image, str]:
    """A white card, 200-450 px a side and turned up to 6 degrees, with 1-3 digits in thick dark ink, lying on
    a dark desk that fills the rest of the frame (card 40-75% of the frame's size). uint8 BGR."""
    cw, ch = (int(v) for v in rng.integers(200, 451, 2))
    W, H = round(cw * rng.uniform(1.35, 2.4)), round(ch * rng.uniform(1.35, 2.4))
    card = paper(ch, cw, rng, rng.uniform(238, 252))
    digits, text = pick(split, rng, 1, 3)
    ink = fit(number_ink(digits, ch * rng.uniform(0.35, 0.7), rng), 0.85 * cw, 0.8 * ch)
    x = round((cw - ink.shape[1]) * rng.uniform(0.3, 0.7))
    y = round((ch - ink.shape[0]) * rng.uniform(0.3, 0.7))
    put_ink(card, ink, x, y, [rng.uniform(10, 35)] * 3, 0.97)
    corners = quad(
        W / 2 + rng.uniform(-0.05, 0.05) * W,
        H / 2 + rng.uniform(-0.05, 0.05) * H,
        cw,
        ch,
        rng.uniform(-6, 6),
        0.01,
        rng,
    )
    frame, _ = lay(desk(H, W, rng, "dark"), card, corners, rng)
    jpeg = int(rng.integers(80, 96)) if rng.random() < 0.5 else None
    return photograph(
        frame, rng, light=rng.uniform(0, 0.2), blur=rng.uniform(0.3, 0.8), noise=rng.uniform(1, 3), jpeg=jpeg
    ), text


def form_ink(rng: np.random.Generator) -> tuple[float, float, float]:
    """Printed form colour, BGR: black, navy or a red/orange drop-out colour."""
    return [(30, 30, 30), (110, 50, 20), (60, 70, 200), (50, 120, 230)][int(rng.integers(4))]


def cells_photo(split, rng: np.random.Generator, comb: bool) -> tuple[Image, str]:
    """Digits one per cell of a printed row of cells (boxes, or a comb when ``comb``), the rest empty."""
    digits, text = pick(split, rng, 3, 6)
    empty = int(rng.integers(1, 4)) if not comb else int(rng.integers(0, 3))
    n = len(digits) + empty
    first = 0 if rng.random() < 0.6 else empty  # left-aligned, or right-aligned like an amount
    cell_w = rng.uniform(40, 80) if not comb else rng.uniform(50, 110)
    cell_h = cell_w * (rng.uniform(1.1, 1.4) if not comb else rng.uniform(0.9, 1.3))
    margin_x, margin_y = rng.uniform(40, 120), rng.uniform(50, 130)
    W, H = round(n * cell_w + 2 * margin_x), round(cell_h + 2 * margin_y)
    sheet = paper(H, W, rng)
    wall = max(1, round(rng.uniform(0.02, 0.045) * cell_w))
    tick = cell_h * rng.uniform(0.2, 0.45)

    def print_cells(mask: np.ndarray) -> None:
        x0, y0, y1 = margin_x, margin_y, margin_y + cell_h
        p = lambda x, y: (round(x * 16), round(y * 16))  # noqa: E731
        for i in range(n + 1):
            x = x0 + i * cell_w
            top = y0 if not comb or i in (0, n) else y1 - tick
            cv2.line(mask, p(x, top), p(x, y1), 255, wall, cv2.LINE_AA, shift=4)
        cv2.line(mask, p(x0, y1), p(x0 + n * cell_w, y1), 255, wall, cv2.LINE_AA, shift=4)
        if not comb:
            cv2.line(mask, p(x0, y0), p(x0 + n * cell_w, y0), 255, wall, cv2.LINE_AA, shift=4)

    put_ink(sheet, drawn((H, W), print_cells), 0, 0, form_ink(rng), rng.uniform(0.8, 0.95))
    colour, strength = pen_colour(rng), rng.uniform(0.85, 0.97)
    for i, digit in enumerate(digits):
        ink = fit(digit_ink(digit, round(cell_h * rng.uniform(0.6, 0.95))), 0.9 * cell_w)
        left = margin_x + (first + i) * cell_w  # anywhere in the cell, up to touching (or just crossing) a wall
        x = rng.uniform(left - 0.03 * cell_w, left + 1.03 * cell_w - ink.shape[1])
        if comb:  # sits on the baseline, or a little above it
            y = margin_y + cell_h - ink.shape[0] - rng.uniform(0, 0.12) * cell_h
        else:
            y = margin_y + (cell_h - ink.shape[0]) * rng.uniform(-0.05, 1.05)
        put_ink(sheet, ink, round(x), round(y), colour, strength)
    return printed_photo(sheet, rng), text


def printed_photo(sheet: np.ndarray, rng: np.random.Generator) -> Image:
    """A phone photo of a printed sheet (a form, a label) lying flat and filling the frame: photograph with uneven
    light (darkest loss 0.1-0.35), blur 0.5-1 px, noise 2-4 grey levels and JPEG quality 70-92. uint8 BGR."""
    return photograph(
        sheet,
        rng,
        light=rng.uniform(0.1, 0.35),
        blur=rng.uniform(0.5, 1.0),
        noise=rng.uniform(2, 4),
        jpeg=int(rng.integers(70, 93)),
    )


def make_form_boxes(split, rng: np.random.Generator) -> tuple[Image, str]:
    """A photo of a printed row of 4-9 joined rectangular cells (walls in black, navy or a red drop-out
    colour), one handwritten digit per cell for 3-6 of them (60-95% of the cell's height, off-centre, often
    touching a wall), the other 1-3 cells empty (left- or right-aligned number). uint8 BGR; text: the digits."""
    return cells_photo(split, rng, comb=False)


def make_comb_field(split, rng: np.random.Generator) -> tuple[Image, str]:
    """A photo of a printed comb field: a baseline, short ticks between the cells and taller end walls, with
    3-6 handwritten digits standing on the baseline one per cell (0-2 cells left empty), often touching the
    ticks. uint8 BGR; text: the digits."""
    return cells_photo(split, rng, comb=True)


def rule_colour(rng: np.random.Generator, grey: tuple[float, float], grey_share: float) -> list[float]:
    """A ruled paper's printed rule colour, BGR: light blue, or (with probability ``grey_share``) a grey level
    drawn from ``grey``. Draws three numbers, one, then one from ``rng``, whichever it returns."""
    blue = [rng.uniform(200, 240), rng.uniform(160, 200), rng.uniform(120, 160)]
    level = rng.uniform(*grey)
    return [level] * 3 if rng.random() < grey_share else blue


def ruled_photo(split, rng: np.random.Generator, squared: bool) -> tuple[Image, str]:
    """1-2 numbers of 3-6 digits written across ruled lines or a grid, right of a red margin line."""
    W, H = int(rng.integers(560, 900)), int(rng.integers(420, 700))
    sheet = paper(H, W, rng, rng.uniform(225, 248))
    step = rng.uniform(18, 35) if squared else rng.uniform(28, 50)
    top = rng.uniform(0.3, 1.0) * step + (0 if squared else rng.uniform(40, 80))
    margin = rng.uniform(50, 110)
    rule = rule_colour(rng, grey=(150, 190), grey_share=0.3)

    def print_rules(mask: np.ndarray) -> None:
        thickness = int(rng.integers(1, 3))
        for y in np.arange(top, H, step):
            cv2.line(mask, (0, round(y * 16)), (W * 16, round(y * 16)), 255, thickness, cv2.LINE_AA, shift=4)
        for x in np.arange(margin % step, W, step) if squared else ():
            cv2.line(mask, (round(x * 16), 0), (round(x * 16), H * 16), 255, thickness, cv2.LINE_AA, shift=4)

    put_ink(sheet, drawn((H, W), print_rules), 0, 0, rule, rng.uniform(0.45, 0.8))
    red = drawn(
        (H, W), lambda m: cv2.line(m, (round(margin), 0), (round(margin), H), 255, int(rng.integers(1, 3)), cv2.LINE_AA)
    )
    put_ink(sheet, red, 0, 0, (70, 70, rng.uniform(190, 230)), rng.uniform(0.6, 0.9))
    height = step * (rng.uniform(1.5, 3.0) if squared else rng.uniform(0.9, 1.6))
    colour, strength = pen_colour(rng), rng.uniform(0.85, 0.97)
    texts, rule_y = [], top + step * np.ceil(1.3 * height / step)
    for _ in range(int(rng.integers(1, 3))):
        if rule_y + 0.3 * step > H - 10:
            break
        digits, text = pick(split, rng, 3, 6)
        ink = fit(number_ink(digits, height, rng), W - margin - 20)
        x = round(margin + rng.uniform(-0.3, 1.5) * height)
        y = round(rule_y + rng.uniform(-0.3, 0.2) * step - ink.shape[0])
        put_ink(sheet, ink, min(x, W - ink.shape[1] - 5), y, colour, strength)
        texts.append(text)
        rule_y += step * (np.ceil(1.3 * height / step) + int(rng.integers(1, 3)))
    image = photograph(
        sheet,
        rng,
        light=rng.uniform(0.15, 0.4),
        blur=rng.uniform(0.5, 1.0),
        noise=rng.uniform(2, 4),
        jpeg=int(rng.integers(70, 93)),
    )
    return image, "\n".join(texts)


def make_lined_paper(split, rng: np.random.Generator) -> tuple[Image, str]:
    """A photo of ruled paper (light blue or grey rules 28-50 px apart, a red margin line) with 1-2 numbers
    of 3-6 digits written on the rules: 0.9-1.6 rule spacings tall, so a rule runs through their feet and
    another through their tops; the first digit may cross the margin. uint8 BGR; lines joined by "\\n"."""
    return ruled_photo(split, rng, squared=False)


def make_squared_paper(split, rng: np.random.Generator) -> tuple[Image, str]:
    """A photo of squared paper (a 18-35 px grid in light blue or grey, a red margin line) with 1-2 numbers
    of 3-6 digits 1.5-3 squares tall, grid lines crossing every digit. uint8 BGR; lines joined by "\\n"."""
    return ruled_photo(split, rng, squared=True)


def make_ruled_scan(split, rng: np.random.Generator) -> tuple[Image, str]:
    """A scan (or a screenshot) of ruled paper: 1-2 px grey or light blue rules 40-60 px apart across a clean
    sheet, 700-1000 x 300-500 px, and 1-2 numbers of 3-6 digits 0.7-1.0 rule spacings tall, each written so that
    a rule runs through the lower half of its digits (45-80 % of their height down) and no other touches them.
    A flat scan: no light, blur or noise but a little, JPEG or none. uint8 BGR; lines joined by "\\n".

    A new user's lined paper (2026-12-06): every digit joined the rule through it, and those numbers lost digits
    ('533' read '3', '945' read '11'); the photos of ``make_lined_paper``, with their rules through the digits'
    feet and tops, never showed it."""
    W, H = int(rng.integers(700, 1001)), int(rng.integers(300, 501))
    sheet = paper(H, W, rng, rng.uniform(235, 250))
    step = rng.uniform(40, 60)
    rule = rule_colour(rng, grey=(150, 200), grey_share=0.5)
    rules = np.arange(rng.uniform(0.3, 1.0) * step, H, step)
    thickness = int(rng.integers(1, 3))

    def print_rules(mask: np.ndarray) -> None:
        for y in rules:
            cv2.line(mask, (0, round(y)), (W, round(y)), 255, thickness)

    put_ink(sheet, drawn((H, W), print_rules), 0, 0, rule, 1.0)
    colour, strength = pen_colour(rng), rng.uniform(0.9, 1.0)
    texts, row = [], int(rng.integers(1, 3))
    for _ in range(int(rng.integers(1, 3))):
        if row >= len(rules) - 1:
            break
        digits, text = pick(split, rng, 3, 6)
        height = step * rng.uniform(0.7, 1.0)
        ink = fit(number_ink(digits, height, rng, gap=(0.15, 0.5)), W - 40)
        y = round(rules[row] - rng.uniform(0.45, 0.8) * ink.shape[0])  # the rule through the lower half
        x = round(rng.uniform(20, max(21, W - 20 - ink.shape[1])))
        put_ink(sheet, ink, x, y, colour, strength)
        texts.append(text)
        row += int(rng.integers(2, 4))
    jpeg = int(rng.integers(80, 96)) if rng.random() < 0.5 else None
    return photograph(sheet, rng, light=0.0, blur=rng.uniform(0, 0.5), noise=rng.uniform(0, 2), jpeg=jpeg), "\n".join(
        texts
    )


def scanned_form(split, rng: np.random.Generator, dpi: int = 200) -> tuple[Image, str]:
    """A scanned meter-reading form: an A4 page at ``dpi`` (uint8 gray [2339, 1654] at 200 dpi) with printed
    labels, a header rule and two rules, an account number of 8 digits written in printed boxes and a meter
    reading of 5-6 digits written on a rule; and the text of the two numbers, "account" and "reading" joined by
    a newline. After the new-user trial of 2026-12-03 (a records clerk's archive of scanned forms), without its
    header's '&', which the line model reads as 8. benchmarks/accuracy.py reads such pages turned each quarter
    (a scan fed in sideways or upside down)."""
    scale = dpi / 200
    page = np.full((int(2339 * scale), int(1654 * scale)), 250, np.uint8)

    def at(x: float, y: float) -> tuple[int, int]:
        return int(x * scale), int(y * scale)

    font, thick = cv2.FONT_HERSHEY_SIMPLEX, max(1, int(2 * scale))
    cv2.putText(page, "NORTHERN WATER AND POWER CO.", at(150, 200), font, 1.6 * scale, 20, max(1, int(3 * scale)))
    cv2.putText(page, "Meter reading form", at(150, 270), font, 1.0 * scale, 40, thick)
    cv2.line(page, at(150, 300), at(1500, 300), 0, max(1, int(3 * scale)))
    for label, y in (("Account number", 500), ("Meter reading (kWh)", 800), ("Customer signature", 1900)):
        cv2.putText(page, label, at(150, y), font, 0.9 * scale, 30, thick)
    for y in (830, 1910):
        cv2.line(page, at(650, y), at(1400, y), 0, thick)
    height = int(rng.integers(44, 58) * scale)
    numbers = ["".join(str(d) for d in rng.integers(0, 10, n)) for n in (8, int(rng.integers(5, 7)))]
    for number, (x, y), boxes in zip(numbers, (at(650, 505), at(680, 815)), (True, False)):
        x, y = x, y - height
        for char in number:
            index = rng.choice(np.flatnonzero(split.labels == int(char)))
            digit = split.images[index]
            ys, xs = np.nonzero(digit > 30)
            digit = digit[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
            width = max(3, round(digit.shape[1] * height / digit.shape[0]))
            digit = cv2.resize(digit, (width, height), interpolation=cv2.INTER_CUBIC)
            left = x
            if boxes:
                cell = int(height * 1.3)
                cv2.rectangle(page, (x, y - height // 5), (x + cell, y + int(height * 1.2)), 0, thick)
                left, step = x + (cell - width) // 2, cell
            else:
                step = width + int(height * rng.uniform(0.15, 0.35))
            region = page[y : y + height, left : left + width]
            np.minimum(region, (255 - digit.astype(np.float32) / 255 * 215).astype(np.uint8), out=region)
            x += step
    page = cv2.GaussianBlur(page, (3, 3), 0.6)
    noisy = page.astype(np.float32) + rng.normal(0, 4.0, page.shape)
    return np.clip(noisy, 0, 255).astype(np.uint8), "\n".join(numbers)


def scanned_worksheet(split, rng: np.random.Generator, font: str | None = None) -> tuple[Image, list[str]]:
    """A scanned arithmetic worksheet, as a teacher's trial drew them (2026-12-06): an A4 page at 150 dpi (uint8 gray
    [1754, 1240]) with a printed title and 8 rows of two printed questions ("9 x 6 =", "648 + 196 =", in DejaVu Sans,
    matplotlib's: train.lines.font_files "train"), each beside a printed answer box (a 3 px frame) holding its
    handwritten answer (a long one, now and then, runs over the frame, as a child's does) (MNIST digits of ``split``,
    35-75 px tall, in blue-black ink); and the answers in reading order. The shipped line model reads such printed
    digits unsurely upright and as words upside down; the first orientation model, which never saw printed text,
    leant the wrong way on these pages both ways up, and pages turned 180 degrees were read as they lay at
    confidences of 0.99 (recognize.keep_turned, ReadConfig.many_chars_turn_odds). The shipped one trained on printed
    lines and on small print beside handwriting as well (train.orientation_fit.TRAIN_STYLE).
    The page's printed digits are digits too, so its reading holds more than the answers: score it by the answers found
    in order (``answers_in_order``). ``font``: another TrueType file for the print (the orientation model trains on
    printed lines in matplotlib's fonts, DejaVu Sans among them; a held-out font, Liberation Sans, tests the way up
    on a font it never saw); FileNotFoundError when it does not exist."""
    from PIL import Image as PilImage
    from PIL import ImageDraw, ImageFont

    from .lines import font_file

    if font is None:
        font = font_file("DejaVuSans.ttf", "train")
    elif not os.path.isfile(font):
        raise FileNotFoundError(f"{font}: no such font file")
    height, width = 1754, 1240
    page = np.full((height, width), float(rng.integers(236, 253)), np.float32)
    page += rng.normal(0, 2, page.shape).astype(np.float32)

    def text(x: int, y: int, words: str, size: int) -> int:
        """``words`` printed at (x, y), ``size`` px; the width of its box."""
        picture = PilImage.fromarray(np.clip(page, 0, 255).astype(np.uint8))
        draw, face = ImageDraw.Draw(picture), ImageFont.truetype(font, size)
        draw.text((x, y), words, font=face, fill=20)
        page[:] = np.asarray(picture, np.float32)
        left, _, right, _ = draw.textbbox((x, y), words, font=face)
        return int(right - left)

    def write(x: int, baseline: int, answer: str, digit_px: int) -> None:
        """MNIST digits of ``answer`` pasted as whole 28x28 tiles scaled to ``digit_px`` of ink (20 of 28 px)."""
        scale = digit_px / 20.0
        size = int(round(28 * scale))
        for char in answer:
            tile = split.images[rng.choice(np.flatnonzero(split.labels == int(char)))]
            ink = cv2.resize(tile, (size, size), interpolation=cv2.INTER_CUBIC).astype(np.float32) / 255
            columns = np.flatnonzero(ink.max(0) > 0.2)
            ink = ink[:, columns[0] : columns[-1] + 1]
            jitter = int(rng.integers(-int(digit_px * 0.08), int(digit_px * 0.08) + 1))
            top = int(baseline - size + 4 * scale + jitter)
            h, w = ink.shape
            region = page[top : top + h, x : x + w]
            region[:] = region * (1 - ink) + 48 * ink  # blue-black ink (BGR 110, 45, 30) in gray
            x += w + int(rng.integers(int(digit_px * 0.05), int(digit_px * 0.35) + 1))

    text(80, 60, "Name: ____________   Maths practice", 40)
    answers = []
    for row in range(8):
        for column in range(2):
            question, answer = arithmetic(rng)
            x0, y0 = 80 + column * 580, 200 + row * 190
            bx, bw, bh = x0 + text(x0, y0 + 40, question, 44) + 30, 230, 130
            cv2.rectangle(page, (bx, y0), (bx + bw, y0 + bh), 30, 3)
            digit_px = min(int(rng.integers(35, 76)), int((bw - 40) / (len(answer) * 0.95)))
            write(bx + 15 + int(rng.integers(0, 21)), y0 + bh // 2 + digit_px // 2 + 8, answer, digit_px)
            answers.append(answer)
    return np.clip(page, 0, 255).astype(np.uint8), answers


def answer_box(split, rng: np.random.Generator, frame: int, margin: int) -> tuple[Image, str]:
    """A printed answer box cut out of a scanned form: a frame ``frame`` px thick round 1-4 MNIST digits of
    ``split`` (40-70 px tall, dark on light paper), with ``margin`` px of paper outside the frame (0: cut on the
    frame's outer edge), slightly blurred (uint8 gray, about [100, 300]); and its digits. A new user's crops of
    answer boxes (2026-12-06) read nothing with a frame of 3 px or more: the frame, cut at the image's edge,
    passed for a border (page.flat_border) or swamped the paper level (ink.framed)."""
    digits = [int(d) for d in rng.integers(0, 10, int(rng.integers(1, 5)))]
    height = int(rng.integers(40, 71))
    width = 100 + int(0.7 * height) * len(digits)
    box = np.full((height + 40, width), int(rng.integers(236, 251)), np.uint8)
    x = 25
    for digit in digits:
        tile = split.images[rng.choice(np.flatnonzero(split.labels == digit))]
        ink = cv2.resize(tile, (height, height), interpolation=cv2.INTER_CUBIC)
        region = box[20 : 20 + height, x : x + height]
        np.minimum(region, 255 - ink, out=region)
        x += int(height * 0.7)
    if frame > 0:  # (box[-0:] is the whole box)
        box[:frame], box[-frame:], box[:, :frame], box[:, -frame:] = 30, 30, 30, 30
    paper = int(rng.integers(236, 251))
    image = cv2.copyMakeBorder(box, margin, margin, margin, margin, cv2.BORDER_CONSTANT, value=paper)
    return cv2.GaussianBlur(image, (3, 3), 0.7), "".join(map(str, digits))


def arithmetic(rng: np.random.Generator) -> tuple[str, str]:
    """A worksheet's question ("7 x 9 =", "35 + 42 =", "648 + 196 =") and its answer: a sum, a difference or a
    product of small numbers, as often, and now and then (15%) a sum of two 3-digit numbers."""
    op = str(rng.choice(["+", "-", "x"]))
    if rng.random() < 0.15:
        a, b = (int(v) for v in rng.integers(100, 1000, 2))
        return f"{a} + {b} =", str(a + b)
    if op == "+":
        a, b = (int(v) for v in rng.integers(2, 61, 2))
        return f"{a} + {b} =", str(a + b)
    if op == "-":
        a = int(rng.integers(10, 100))
        b = int(rng.integers(1, a + 1))
        return f"{a} - {b} =", str(a - b)
    a, b = (int(v) for v in rng.integers(2, 13, 2))
    return f"{a} x {b} =", str(a * b)


def answers_in_order(text: str, answers: list[str]) -> int:
    """How many of ``answers`` a reading's ``text`` holds in order: the most of them that can be matched, each
    within one line, each after the end of the one before (a page's printed digits may sit between them), as a
    longest common subsequence is aligned (dynamic programming over the answers and the places in ``text``). An
    answer that is not there costs only itself (a greedy match from the first, used before 2026-12-06, could
    match it by chance further on and lose every answer between: a page whose small '5' was not read counted 5
    of 16). The printed questions' digits hold some answers by chance: a reading of them alone finds a few."""
    best = [0] * (len(text) + 1)  # best[p]: the most answers matched so far, the last ending at or before p
    for answer in answers:
        found = best[:]
        start = text.find(answer) if answer else -1
        while start >= 0:  # every place it is found (digits only: never across a line's end)
            end = start + len(answer)
            found[end] = max(found[end], best[start] + 1)
            start = text.find(answer, start + 1)
        for place in range(1, len(found)):
            found[place] = max(found[place], found[place - 1])
        best = found
    return best[-1]


def rotated(split, rng: np.random.Generator, turn: int) -> tuple[Image, str]:
    """A page photo of 3-6 digits turned clockwise by ``turn`` quarter-turns (as a phone stores it)."""
    w, h = [(640, 480), (800, 600), (1024, 768)][int(rng.integers(3))]
    image, text = page_photo(split, rng, w, h, 3, 6)
    return np.ascontiguousarray(np.rot90(image, -turn)), text


def make_rotated_90(split, rng: np.random.Generator) -> tuple[Image, str]:
    """A 640x480-1024x768 page photo of 3-6 digits turned 90 degrees clockwise (so portrait: H > W).
    uint8 BGR; text: the digits as written, upright."""
    return rotated(split, rng, 1)


def make_rotated_180(split, rng: np.random.Generator) -> tuple[Image, str]:
    """A page photo of 3-6 digits upside down (6 and 9 swap, order reverses if read as is). uint8 BGR."""
    return rotated(split, rng, 2)


def make_rotated_270(split, rng: np.random.Generator) -> tuple[Image, str]:
    """A page photo of 3-6 digits turned 90 degrees counter-clockwise (portrait). uint8 BGR."""
    return rotated(split, rng, 3)


def make_tilted(split, rng: np.random.Generator) -> tuple[Image, str]:
    """A 640x480-1024x768 photo of a page tilted 15-30 degrees (either way) lying on a wooden or dark table that
    shows all around it; the page holds 3-6 digits written along its own lines. uint8 BGR."""
    W, H = [(640, 480), (800, 600), (1024, 768)][int(rng.integers(3))]
    angle = rng.uniform(15, 30) * rng.choice([-1, 1])
    pw = W * rng.uniform(0.45, 0.65)
    ph = pw * rng.uniform(0.65, 1.0)
    a = np.deg2rad(abs(angle))
    shrink = min(1.0, 0.92 * W / (pw * np.cos(a) + ph * np.sin(a)), 0.92 * H / (pw * np.sin(a) + ph * np.cos(a)))
    pw, ph = round(pw * shrink), round(ph * shrink)
    sheet, text = page(split, rng, pw, ph, 3, 6, height=(0.1 * ph, 0.22 * ph))
    corners = quad(
        W / 2 + rng.uniform(-0.03, 0.03) * W, H / 2 + rng.uniform(-0.03, 0.03) * H, pw, ph, angle, 0.015, rng
    )
    frame, _ = lay(desk(H, W, rng), sheet, corners, rng)
    return photograph(
        frame,
        rng,
        light=rng.uniform(0.15, 0.4),
        blur=rng.uniform(0.5, 1.0),
        noise=rng.uniform(2, 5),
        jpeg=int(rng.integers(70, 93)),
    ), text


def make_dark_webcam(split, rng: np.random.Generator) -> tuple[Image, str]:
    """A 640x480 webcam frame in a dim room: a sheet covering most of the frame (turned up to 8 degrees, its
    edges and a near-black surround showing), paper at mean grey 30-70, 3-5 dark digits 30-80 px tall, a
    colour cast, motion blur (4-12 px), noise sigma 5-12, JPEG 50-80. uint8 BGR [480, 640, 3]."""
    W, H = 640, 480
    sw, sh = round(W * rng.uniform(0.7, 1.1)), round(H * rng.uniform(0.7, 1.1))
    sheet = paper(sh, sw, rng, 220)
    digits, text = pick(split, rng, 3, 5)
    ink = fit(number_ink(digits, rng.uniform(30, 80), rng), min(0.8 * sw, 480))
    x = round((sw - ink.shape[1]) / 2 + rng.uniform(-0.1, 0.1) * sw)
    y = round((sh - ink.shape[0]) / 2 + rng.uniform(-0.15, 0.15) * sh)
    put_ink(sheet, ink, x, y, pen_colour(rng), rng.uniform(0.8, 0.95))
    corners = quad(W / 2 + rng.uniform(-40, 40), H / 2 + rng.uniform(-30, 30), sw, sh, rng.uniform(-8, 8), 0.02, rng)
    surround = desk(H, W, rng, "dark") * rng.uniform(0.2, 0.6)
    frame, _ = lay(surround, sheet, corners, rng, shadow=0.2)
    gain = light_gain(H, W, rng, rng.uniform(0.1, 0.35))
    cast = np.array([rng.uniform(0.95, 1.2), rng.uniform(0.85, 1.0), rng.uniform(0.85, 1.05)], np.float32)
    level = rng.uniform(30, 70) / (220 * float(gain.mean()) * float(cast.mean()))  # the paper's mean grey
    frame *= (gain * level)[:, :, None] * cast
    image = photograph(
        frame,
        rng,
        light=0,
        motion=int(rng.integers(4, 13)),
        blur=rng.uniform(0.6, 1.2),
        noise=rng.uniform(5, 12),
        jpeg=int(rng.integers(50, 81)),
    )
    return image, text


def barcode_ink(rng: np.random.Generator, height: float) -> np.ndarray:
    """A printed 1-D barcode as ink (float32 [h, w] in [0, 1], white on black): 31-71 bars and the spaces between
    them, each 1-4 modules wide (Code 128's widths, ISO/IEC 15417) of 1.5-4.5 px, ``height`` px tall, drawn 8x
    larger and shrunk (INTER_AREA), so that thin bars and spaces land between pixels as a camera sees them."""
    module = rng.uniform(1.5, 4.5)
    widths = rng.integers(1, 5, size=2 * int(rng.integers(15, 36)) + 1)  # bar, space, bar, ... a bar at each end
    k = 8
    edges = np.concatenate([[0], np.cumsum(widths)]) * module * k
    big = np.zeros((round(height * k), int(np.ceil(edges[-1])) + k), np.float32)
    for i in range(0, len(widths), 2):  # the bars
        big[:, round(edges[i]) : round(edges[i + 1])] = 1.0
    return cv2.resize(big, (big.shape[1] // k, big.shape[0] // k), interpolation=cv2.INTER_AREA)


def make_barcode_label(split, rng: np.random.Generator) -> tuple[Image, str]:
    """A photo (640x480 or 800x600) of a printed label: a barcode (barcode_ink, 40-140 px tall) and a handwritten
    number of 3-6 digits (40-90 px) below it, or beside it, on white paper turned up to 4 degrees either way;
    uneven light, blur, noise, JPEG.
    A form's or a parcel's label: the bars are no digits (a new user's barcode read as 27 ones). uint8 BGR."""
    W, H = [(640, 480), (800, 600)][int(rng.integers(2))]
    sheet = paper(H, W, rng)
    bars = fit(barcode_ink(rng, rng.uniform(40, 140)), 0.8 * W, 0.4 * H)
    digits, text = pick(split, rng, 3, 6)
    height = rng.uniform(40, 90)
    ink = fit(number_ink(digits, height, rng), 0.85 * W, 0.4 * H)
    beside = rng.random() < 0.3 and bars.shape[1] + ink.shape[1] + 1.5 * height < 0.95 * W
    if beside:  # the number right of the bars, level with them
        x = round(rng.uniform(0.03 * W, 0.97 * W - bars.shape[1] - ink.shape[1] - height))
        y = round(rng.uniform(0.1 * H, 0.9 * H - max(bars.shape[0], ink.shape[0])))
        put_ink(sheet, bars, x, y, (30, 30, 30), rng.uniform(0.85, 0.97))
        nx = x + bars.shape[1] + round(rng.uniform(0.5, 1.5) * height)
        ny = y + round((bars.shape[0] - ink.shape[0]) * rng.uniform(0.2, 0.8))
    else:  # the number below the bars
        gap = rng.uniform(0.3, 1.0) * height
        top = rng.uniform(0.05 * H, max(0.05 * H, 0.95 * H - bars.shape[0] - gap - ink.shape[0]))
        x = round(rng.uniform(0.03 * W, 0.97 * W - bars.shape[1]))
        put_ink(sheet, bars, x, round(top), (30, 30, 30), rng.uniform(0.85, 0.97))
        nx = round(rng.uniform(0.03 * W, 0.97 * W - ink.shape[1]))
        ny = round(top + bars.shape[0] + gap)
    put_ink(sheet, ink, nx, ny, pen_colour(rng), rng.uniform(0.85, 0.97))
    turn = cv2.getRotationMatrix2D((W / 2, H / 2), rng.uniform(-4, 4), 1.0)  # the label a little askew
    sheet = cv2.warpAffine(sheet, turn, (W, H), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    return printed_photo(sheet, rng), text


def pencil_ink(ink: np.ndarray, height: float, rng: np.random.Generator) -> np.ndarray:
    """Pencil from pen ink: thinned (eroded), grainy (graphite on the paper's tooth) and here and there broken."""
    k = round(height / 28 * rng.uniform(1.0, 1.8))
    if k >= 2:
        ink = cv2.erode(ink, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k)))
    tooth = rng.random(ink.shape, dtype=np.float32)
    gaps = smooth_noise(ink.shape[0], ink.shape[1], rng, max(3, round(height / 8)))
    ink = ink * np.clip(0.35 + 0.9 * tooth, 0, 1) * np.clip(gaps + 1.6, 0.15, 1)
    return cv2.GaussianBlur(ink, (0, 0), 0.6)


def make_pencil(split, rng: np.random.Generator) -> tuple[Image, str]:
    """A photo of 3-5 digits in faint pencil on paper (640x480-800x600): grey, thin, grainy, slightly broken
    strokes darkening the paper by only 15-40 grey levels, 40-100 px tall. Uneven light, noise, JPEG.
    uint8 BGR."""
    W, H = [(640, 480), (800, 600)][int(rng.integers(2))]
    level = rng.uniform(200, 240)
    sheet = paper(H, W, rng, level)
    digits, text = pick(split, rng, 3, 5)
    height = rng.uniform(40, 100)
    ink = fit(pencil_ink(number_ink(digits, height, rng), height, rng), 0.85 * W)
    x = round(rng.uniform(0.05 * W, 0.95 * W - ink.shape[1]))
    y = round(rng.uniform(0.1 * H, 0.9 * H - ink.shape[0]))
    contrast = rng.uniform(15, 40)
    put_ink(sheet, ink, x, y, [level - contrast] * 3)
    image = photograph(
        sheet,
        rng,
        light=rng.uniform(0.15, 0.4),
        blur=rng.uniform(0.4, 0.8),
        noise=rng.uniform(1.5, 3.5),
        jpeg=int(rng.integers(70, 91)),
    )
    return image, text


def make_tiny(split, rng: np.random.Generator) -> tuple[Image, str]:
    """A binary scan 12-24 px square of one digit filling the frame: black (0) on white (255), the digit as
    tall as the image (touching its top and bottom) and as wide as its shape allows (often touching the sides
    too). uint8 gray [s, s]."""
    digits, text = pick(split, rng, 1, 1)
    s = int(rng.integers(12, 25))
    ink = (digit_ink(digits[0], s, rng.uniform(1.0, 1.35)) > 0.35).astype(np.uint8)
    ys, xs = np.nonzero(ink)
    if ys.size == 0:  # (a blank split's: nothing written)
        return np.full((s, s), 255, np.uint8), text
    ink = ink[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]  # the threshold may have eaten an edge row
    ink = cv2.resize(ink, (min(s, ink.shape[1]), s), interpolation=cv2.INTER_NEAREST)
    image = np.full((s, s), 255, np.uint8)
    x = int(rng.integers(0, s - ink.shape[1] + 1))
    image[:, x : x + ink.shape[1]][ink > 0] = 0
    return image, text


KINDS: dict[str, Callable[..., tuple[Image, str]]] = {
    "desk_photo": make_desk_photo,
    "border": make_border,
    "card_on_desk": make_card_on_desk,
    "form_boxes": make_form_boxes,
    "comb_field": make_comb_field,
    "lined_paper": make_lined_paper,
    "ruled_scan": make_ruled_scan,
    "squared_paper": make_squared_paper,
    "rotated_90": make_rotated_90,
    "rotated_180": make_rotated_180,
    "rotated_270": make_rotated_270,
    "tilted": make_tilted,
    "dark_webcam": make_dark_webcam,
    "pencil": make_pencil,
    "tiny": make_tiny,
    "barcode_label": make_barcode_label,
}


def hand_frame(split, rng: np.random.Generator, size: tuple[int, int], hand: str) -> tuple[Image, str]:
    """A webcam frame (uint8 BGR, ``size`` W x H px) of a number of 3-6 digits of ``split`` on paper, and its text;
    ``hand``: "none", "beside" (a hand held up that comes no nearer than its soft edge to the number's box) or "over"
    (a hand over part of the number). benchmarks/robustness.py's hands; the material of tests/test_webcam.py."""
    W, H = size
    digits, text = pick(split, rng, 3, 6)
    ink = number_ink(digits, H * rng.uniform(0.1, 0.16), rng)
    x, y = int(rng.uniform(0.05, 0.95) * (W - ink.shape[1])), int(rng.uniform(0.15, 0.35) * H)
    box = (x, y, x + ink.shape[1], y + ink.shape[0])
    for _ in range(200):
        frame = paper(H, W, rng)
        put_ink(frame, ink, x, y, pen_colour(rng))
        if hand == "none":
            break
        alpha = draw_hand(frame, rng, rng.uniform(0.1, 0.9) * W, rng.uniform(0.6, 0.9) * H, H * rng.uniform(0.4, 0.6))
        covered = float(alpha[box[1] : box[3], box[0] : box[2]].max())
        if (hand == "beside" and covered < 0.02) or (hand == "over" and covered > 0.9):
            break
    image = photograph(frame, rng, light=0.3, blur=0.8, noise=3.0, jpeg=80)
    return image, text


class Blank(NamedTuple):
    """A split with every digit's ink taken out (``blank``): the same scenes with nothing written."""

    images: np.ndarray  # uint8 [N, 28, 28], all 0
    labels: np.ndarray


def blank(split) -> Blank:
    """``split`` with its digits' ink taken out: kind_photos of it are the same photos (the same random stream:
    the paper, the rules, the desk, the light), with nothing written on them."""
    return Blank(np.zeros_like(split.images), split.labels)


def kind_photos(split, kind: str, seed: int = 0, n: int = 100, empty: bool = False) -> Iterator[tuple[Image, str]]:
    """The first ``n`` photos of one kind (a key of KINDS) that benchmarks/accuracy.py reads with ``seed``, in
    order, as (image, text). Each kind draws from its own random stream, seeded by (seed, 10, CRC-32 of its
    name), so the i-th photo of a kind is the same in every benchmark and test whatever other kinds are read.
    Made one at a time: 100 desk photos of 12 MP would not fit in memory at once. ``empty``: the same photos with
    nothing written (``blank``), text "": a blank form, page or frame must read nothing. Raises KeyError for an
    unknown kind."""
    make = KINDS[kind]
    rng = np.random.default_rng([seed, 10, zlib.crc32(kind.encode())])
    source = blank(split) if empty else split
    for _ in range(n):
        image, text = make(source, rng)
        yield image, "" if empty else text


# Forms photographed a little askew (benchmarks/accuracy.py's "forms askew"): the kinds with printed form lines,
# each photo turned by ASKEW_DEGREES either way, as a phone held by hand turns a form on a table.
ASKEW_KINDS = ("form_boxes", "comb_field", "lined_paper", "squared_paper")
ASKEW_DEGREES = (2.0, 6.0)


def turned(image: Image, degrees: float) -> Image:
    """``image`` turned ``degrees`` counter-clockwise about its centre (cv2.getRotationMatrix2D's sense), on a
    canvas that holds all of it, the corners filled with its edge pixels (BORDER_REPLICATE: the paper goes on)."""
    h, w = image.shape[:2]
    turn = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)
    cos, sin = abs(turn[0, 0]), abs(turn[0, 1])
    size = (int(h * sin + w * cos), int(h * cos + w * sin))
    turn[:, 2] += (size[0] / 2 - w / 2, size[1] / 2 - h / 2)
    return cv2.warpAffine(image, turn, size, borderMode=cv2.BORDER_REPLICATE)


# Photos pasted turned on a flat canvas (benchmarks/accuracy.py's "pasted turned"): an image editor's rotate fills
# the corners it uncovers with one colour, as a print scanned askew on a scanner's white lid shows it.
PASTED_KINDS = ("border", "card_on_desk", "tilted", "dark_webcam")
PASTED_DEGREES = (4.0, 14.0)
PASTED_CANVAS = ((255, 0.5), (0, 0.2), (90, 0.15), (200, 0.15))  # (grey, how often): white, black, greys


def pasted_turned(image: Image, degrees: float, level: int, margin: int = 0) -> Image:
    """``image`` turned ``degrees`` counter-clockwise about its centre on a flat canvas of grey ``level`` that holds
    all of it, ``margin`` px to spare on each side (0: its corners touch the frame's edge)."""
    h, w = image.shape[:2]
    turn = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)
    cos, sin = abs(turn[0, 0]), abs(turn[0, 1])
    size = (int(h * sin + w * cos) + 2 * margin, int(h * cos + w * sin) + 2 * margin)
    turn[:, 2] += (size[0] / 2 - w / 2, size[1] / 2 - h / 2)
    return cv2.warpAffine(image, turn, size, borderMode=cv2.BORDER_CONSTANT, borderValue=(level,) * 3)


def pasted_photos(split, kind: str, seed: int = 0, n: int = 100) -> Iterator[tuple[Image, str]]:
    """``kind_photos(split, kind, seed, n)``, each pasted turned (``pasted_turned``) by an angle drawn from
    PASTED_DEGREES (either way) on a canvas drawn from PASTED_CANVAS, 0-40 px to spare, from a stream of its own,
    seeded by (seed, 12, CRC-32 of the kind's name): (image, text)."""
    rng = np.random.default_rng([seed, 12, zlib.crc32(kind.encode())])
    levels, shares = zip(*PASTED_CANVAS)
    for image, text in kind_photos(split, kind, seed, n):
        degrees = float(rng.uniform(*PASTED_DEGREES) * rng.choice([-1, 1]))
        level = int(rng.choice(levels, p=shares))
        yield pasted_turned(image, degrees, level, int(rng.integers(0, 41))), text


def askew_photos(split, kind: str, seed: int = 0, n: int = 100) -> Iterator[tuple[Image, str]]:
    """``kind_photos(split, kind, seed, n)``, each turned by an angle drawn from ASKEW_DEGREES (either way), from
    a stream of its own, seeded by (seed, 11, CRC-32 of the kind's name): (image, text)."""
    rng = np.random.default_rng([seed, 11, zlib.crc32(kind.encode())])
    for image, text in kind_photos(split, kind, seed, n):
        yield turned(image, float(rng.uniform(*ASKEW_DEGREES) * rng.choice([-1, 1]))), text
