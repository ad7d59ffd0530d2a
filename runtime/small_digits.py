"""Small one-digit images read together: the fast path of ``detect.clean_digit``, vectorized across a batch.

    found = clean_digits(grays)     # one Extraction per image that takes the fast path, else None

An archive of small digit crops (form fields, MNIST-like scans) costs per image what ``clean_digit`` and
``normalize_digit`` cost one image at a time: about 40 NumPy and OpenCV calls on a few thousand pixels, each
paying Python's and the library's fixed cost. Here the images of a batch are stacked into one strip (rows of
zeros between them) and every step runs once over the strip: the split of ink and paper, one labelling of
all images, the paper statistics, the ink map, its box, the stroke width, the intensity stretch and the centre
of mass. Three calls stay per image: Otsu's threshold, the resize to 20 px and the placing into the 28x28
field.

The result is exactly ``detect.clean_digit(gray)`` for every image (the same checks, the same float32
arithmetic in the same order; ``tests/test_small_digits.py`` compares them on real MNIST PNGs): where the
vectorized arithmetic cannot promise the same value (a centre of mass within 1e-6 of a rounding boundary, a
thin stroke that needs widening), that image goes through the per-image code. Images the fast path refuses
give None, as ``clean_digit`` does; the caller reads those with the general stages.
The thresholds are those of the default configuration (``config.DEFAULT``), as ``detect.extract`` uses.
"""

from __future__ import annotations

from typing import Sequence

import cv2
import numpy as np

from .config import DEFAULT, DetectConfig
from .detect import Extraction
from .halftone import is_dithered
from .normalize import BOX, CENTRE, SIZE, STROKE, normalize_digit

SEP = 5  # zero rows between two images of the strip: no blob joins across it, no dilation reaches over it
GROUPS, GROUP_MIN = 4, 64  # up to 4 strips of like widths, each of 64 images or more
MIN_BATCH = 8  # fewer images than this are read one at a time (the strip's fixed cost is not worth it)


def fits(gray: np.ndarray, config: DetectConfig = DEFAULT) -> bool:
    """May this image take the batch fast path: a 2-D uint8 image of 8 to DEFAULT.clean_max_side px a side, read
    with the default configuration (the batched arithmetic is that of ``DEFAULT``'s thresholds; another
    ``config`` goes through ``detect.extract`` one image at a time), and no halftone (halftone.is_dithered)?"""
    return (
        (config is DEFAULT or config == DEFAULT)
        and gray.ndim == 2
        and gray.dtype == np.uint8
        and 8 <= min(gray.shape)
        and max(gray.shape) <= DEFAULT.clean_max_side
        and not is_dithered(gray)  # (extract descreens a halftone first: halftone.descreen)
    )


def clean_digits(grays: Sequence[np.ndarray], checked: bool = False) -> list[Extraction | None]:
    """``[detect.clean_digit(g) for g in grays]``, computed together.

    grays: 2-D uint8 arrays [H, W], 8 to DEFAULT.clean_max_side (128) px a side (see ``fits``; ValueError for any
    other, unless ``checked``: the caller has asked ``fits`` of each, as reader.DigitReader does as it decodes).
    Returns, per image, an Extraction with one digit (float32 [1, 28, 28], its box (x, y, w, h) in the image's
    pixels, line 0), or None where the fast path does not apply (not one clean digit on plain paper).
    """
    for g in () if checked else grays:
        if not fits(g):
            raise ValueError(
                f"clean_digits takes 2-D uint8 images of 8 to {DEFAULT.clean_max_side} px a side; "
                f"got {g.dtype} {g.shape}"
            )
    return _clean_digits(grays)


def _clean_digits(grays: Sequence[np.ndarray]) -> list[Extraction | None]:
    """clean_digits of images known to fit (``fits``), unchecked."""
    out: list[Extraction | None] = [None] * len(grays)
    # Images of like widths share a strip (as wide as its widest): less padding to carry through every step.
    order = sorted(range(len(grays)), key=lambda i: grays[i].shape[1])
    groups = max(1, min(GROUPS, len(grays) // GROUP_MIN))
    for group in range(groups):
        part = order[group * len(order) // groups : (group + 1) * len(order) // groups]
        for i, found in zip(part, _strip([grays[i] for i in part])):
            out[i] = found
    return out


def _strip(grays: list[np.ndarray]) -> list[Extraction | None]:
    """clean_digits of images stacked in one strip."""
    n = len(grays)
    out: list[Extraction | None] = [None] * n
    if n == 0:
        return out
    hs = np.array([g.shape[0] for g in grays], np.int64)
    ws = np.array([g.shape[1] for g in grays], np.int64)
    tops = np.concatenate([[0], np.cumsum(hs + SEP)[:-1]])
    width = int(ws.max())
    strip = np.zeros((int((hs + SEP).sum()), width), np.uint8)
    thresholds = np.empty(n + 1, np.float64)
    thresholds[n] = 255.0  # the separator rows: nothing is light there
    for i, g in enumerate(grays):
        t = int(tops[i])
        strip[t : t + g.shape[0], : g.shape[1]] = g
        thresholds[i] = cv2.threshold(g, 0, 1, cv2.THRESH_BINARY | cv2.THRESH_OTSU)[0]
    # The image each row belongs to (n for a separator row), and each row's width.
    owner = np.repeat(np.stack([np.arange(n), np.full(n, n)], 1).ravel(), np.stack([hs, np.full(n, SEP)], 1).ravel())
    row_w = np.append(ws, 0)[owner]
    columns = np.arange(width)
    valid = columns[None, :] < row_w[:, None]

    light = (strip > thresholds[owner][:, None].astype(np.uint8)) & valid  # cv2: src > thresh (an integer here)
    lit = np.add.reduceat(row_sums(light.view(np.uint8)), tops).astype(np.int64)
    size = hs * ws
    dark = lit >= size - lit  # light paper, dark ink
    mask = (light ^ np.append(dark, False)[owner][:, None]) & valid
    inked = np.where(dark, size - lit, lit)
    tiny = np.maximum(hs, ws) <= DEFAULT.tiny_side
    ok = (inked > 0) & (inked <= np.where(tiny, DEFAULT.tiny_max_ink, DEFAULT.clean_max_ink) * size)

    # One labelling of every image; each image's biggest blob is its main blob.
    mask8 = mask.view(np.uint8)
    count, labels, stats, _ = cv2.connectedComponentsWithStatsWithAlgorithm(mask8, 8, cv2.CV_32S, cv2.CCL_GRANA)
    comp = np.arange(1, count)
    image_of = owner[stats[1:, cv2.CC_STAT_TOP]]
    order = np.lexsort((comp, -stats[1:, cv2.CC_STAT_AREA], image_of))
    firsts, at = np.unique(image_of[order], return_index=True)
    main = np.zeros(n, np.int64)
    main[firsts] = comp[order[at]]
    ok &= main > 0
    x, y, w, h, area = (stats[main, k].astype(np.int64) for k in range(5))
    y = y - tops
    touches = (x == 0) | (y == 0) | (x + w >= ws) | (y + h >= hs)
    fill = area / np.maximum(w * h, 1).astype(np.float64)
    not_digit_like = (w > DEFAULT.digit_max_aspect * h) | ((fill > DEFAULT.solid_fill) & (w > DEFAULT.solid_aspect * h))
    ok &= ~(touches & ~tiny) & ~(area < DEFAULT.clean_main_share * inked) & ~(h < DEFAULT.min_height) & ~not_digit_like

    # Paper and ink levels (cv2.meanStdDev and cv2.mean over 8-bit pixels: exact integer sums, then scaled).
    gray_f = strip.astype(np.float32)
    squares = gray_f * gray_f  # exact: at most 255^2
    inky = mask.astype(np.float32)
    total_sum, total_sq = np.add.reduceat(row_sums(gray_f), tops), np.add.reduceat(row_sums(squares), tops)
    ink_sum, ink_sq = np.add.reduceat(row_sums(gray_f * inky), tops), np.add.reduceat(row_sums(squares * inky), tops)
    paper_n = size - inked
    paper_sum, paper_sq = total_sum - ink_sum, total_sq - ink_sq
    with np.errstate(divide="ignore", invalid="ignore"):
        paper_scale = np.where(paper_n > 0, 1.0 / paper_n, 0.0)
        paper_mean = paper_sum * paper_scale
        paper_sd = np.sqrt(np.maximum(paper_sq * paper_scale - paper_mean * paper_mean, 0.0))
        ink_mean = ink_sum * np.where(inked > 0, 1.0 / inked, 0.0)
    contrast = np.abs(paper_mean - ink_mean)
    ok &= ~(contrast < DEFAULT.clean_min_contrast) & ~(paper_sd > contrast / 8)
    if not ok.any():
        return out

    # The padded box (detect.pad_box) and the ink inside it: contrast to the paper, the main blob only.
    pad = np.maximum(1, np.round(0.02 * np.maximum(w, h))).astype(np.int64)
    bx, by = np.maximum(0, x - pad), np.maximum(0, y - pad)
    bw, bh = np.minimum(ws, x + w + pad) - bx, np.minimum(hs, y + h + pad) - by
    ok_row = np.append(ok, False)[owner]
    local = np.arange(strip.shape[0]) - np.append(tops, 0)[owner]  # row within its image
    in_box = (
        ((local >= np.append(by, 0)[owner]) & (local < np.append(by + bh, 0)[owner]) & ok_row)[:, None]
        & (columns[None, :] >= np.append(bx, 0)[owner][:, None])
        & (columns[None, :] < np.append(bx + bw, 0)[owner][:, None])
    )
    safe = np.where(ok, contrast, 1.0)
    level = np.append(paper_mean.astype(np.float32), np.float32(0))[owner][:, None]
    gain = np.append(np.where(dark, -1.0, 1.0) * (1.0 / safe).astype(np.float32), 0).astype(np.float32)[owner]
    ink = gray_f - level  # crop - paper_mean, as float32; for dark ink negated (exactly paper_mean - crop) by the gain
    ink *= gain[:, None]
    np.clip(ink, 0.0, 1.0, out=ink)
    blob = labels == np.append(main, -1)[owner][:, None]
    grow = np.maximum(3, np.round(0.06 * np.maximum(w, h)).astype(np.int64) | 1)
    grown = np.zeros_like(mask8)
    for k in np.unique(grow[ok]):
        these = blob & (np.append(grow == k, False)[owner])[:, None]
        grown |= cv2.dilate(these.view(np.uint8), cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (int(k), int(k))))
    ink *= grown & in_box

    # normalize_digit: the ink's box, the stroke width (do the strokes need widening?), the scale to 20 px.
    peak = np.maximum.reduceat(ink.max(1), tops).astype(np.float64)
    ok &= ~(peak <= 1e-3)  # no ink: normalize_digit gives zeros; left to the per-image code
    above = ink > np.append((0.05 * peak).astype(np.float32), np.float32(np.inf))[owner][:, None]
    cols_any = np.logical_or.reduceat(above, tops, axis=0)
    rows_any = above.any(1)
    ix0 = np.argmax(cols_any, 1)
    ix1 = width - np.argmax(cols_any[:, ::-1], 1)
    row_index = np.where(rows_any, np.arange(strip.shape[0]), -1)
    iy1 = np.maximum.reduceat(row_index, tops) + 1
    iy0 = np.minimum.reduceat(np.where(rows_any, np.arange(strip.shape[0]), strip.shape[0]), tops)
    iw, ih = ix1 - ix0, iy1 - iy0
    solid = ink > np.append((0.5 * peak).astype(np.float32), np.float32(np.inf))[owner][:, None]
    solid_n = np.add.reduceat(row_sums(solid.view(np.uint8)), tops)
    inner = cv2.erode(solid.view(np.uint8), np.ones((3, 3), np.uint8), borderType=cv2.BORDER_CONSTANT, borderValue=0)
    inner_n = np.add.reduceat(row_sums(inner), tops)
    longest = np.maximum(iw, ih)
    with np.errstate(divide="ignore", invalid="ignore"):
        stroke = 2.0 * solid_n / np.maximum(solid_n - inner_n, 1)
        scale = BOX / longest
        missing = STROKE / scale - stroke
    k = 2 * np.round(np.where(ok, missing, 0.0) / 2).astype(np.int64) + 1
    widen = ok & (k >= 3)  # thin strokes: normalize_digit dilates them, one image at a time
    batch = np.flatnonzero(ok & ~widen)
    new_w = np.minimum(BOX, np.maximum(1, np.round(iw * scale))).astype(np.int64)
    new_h = np.minimum(BOX, np.maximum(1, np.round(ih * scale))).astype(np.int64)

    digits = np.zeros((len(batch), BOX, BOX), np.float32)
    for j, i in enumerate(batch.tolist()):
        crop = ink[iy0[i] : iy1[i], ix0[i] : ix1[i]]
        size_i = (int(new_w[i]), int(new_h[i]))
        if size_i == (int(iw[i]), int(ih[i])):
            digits[j, : ih[i], : iw[i]] = crop
        else:
            digits[j, : size_i[1], : size_i[0]] = cv2.resize(
                crop, size_i, interpolation=cv2.INTER_AREA if scale[i] < 1 else cv2.INTER_LINEAR
            )
    digits = stretch_intensity(digits)
    fields = centre_of_mass_fields(digits, new_w[batch], new_h[batch])
    for j, i in enumerate(batch.tolist()):
        out[i] = Extraction(fields[j][None], [(int(bx[i]), int(by[i]), int(bw[i]), int(bh[i]))], [0])
    for i in np.flatnonzero(widen).tolist():
        t = int(tops[i])
        crop = ink[t + by[i] : t + by[i] + bh[i], bx[i] : bx[i] + bw[i]]
        out[i] = Extraction(normalize_digit(crop)[None], [(int(bx[i]), int(by[i]), int(bw[i]), int(bh[i]))], [0])
    return out


def row_sums(a: np.ndarray) -> np.ndarray:
    """The sum of each row of a 2-D uint8 or float32 array (float64 [R]; exact for integer values)."""
    return cv2.reduce(a, 1, cv2.REDUCE_SUM, dtype=cv2.CV_64F).ravel()


def stretch_intensity(digits: np.ndarray) -> np.ndarray:
    """normalize.stretch_intensity of each digit of float32 [N, 20, 20] (zero-padded): the strong strokes (the
    90th percentile of the pixels above 5% of the brightest) scaled to 1."""
    n = len(digits)
    if n == 0:
        return digits
    brightest = digits.reshape(n, -1).max(1).astype(np.float64)
    chosen = digits > (0.05 * brightest).astype(np.float32)[:, None, None]
    count = chosen.reshape(n, -1).sum(1)
    # The 90th percentile as ink.quantiles takes it (linear between two order statistics), from the top
    # few values of each digit: a partial sort, descending.
    top = np.where(chosen, -digits, np.float32(np.inf)).reshape(n, -1)
    position = 0.9 * (np.maximum(count, 1) - 1)
    below = np.floor(position).astype(np.int64)
    above = np.minimum(below + 1, np.maximum(count, 1) - 1)
    first = np.maximum(count - 1 - below, 0)  # below's place counted from the top
    last = np.maximum(count - 1 - above, 0)
    keep = min(int(first.max()) + 1, top.shape[1])
    if keep < top.shape[1]:
        top = np.partition(top, keep - 1, axis=1)[:, :keep]
    top = -np.sort(top, axis=1).astype(np.float64)
    rows = np.arange(n)
    strong = top[rows, first] + (position - below) * (top[rows, last] - top[rows, first])
    factor = (1.0 / np.maximum(np.where(count > 0, strong, 1.0), 1e-3)).astype(np.float32)
    out = digits * factor[:, None, None]
    np.clip(out, 0.0, 1.0, out=out)
    return np.where((count > 0)[:, None, None], out, digits)


def centre_of_mass_fields(digits: np.ndarray, ws: np.ndarray, hs: np.ndarray) -> np.ndarray:
    """normalize.centre_of_mass_field of each digit (float32 [N, 20, 20], each [h, w] in its top-left corner):
    float32 [N, 28, 28] with each centre of mass moved to (14, 14) by whole pixels."""
    n = len(digits)
    fields = np.zeros((n, SIZE, SIZE), np.float32)
    if n == 0:
        return fields
    d = digits.astype(np.float64)
    m00 = d.sum((1, 2))
    m10 = (d.sum(1) * np.arange(BOX)).sum(1)
    m01 = (d.sum(2) * np.arange(BOX)).sum(1)
    with np.errstate(divide="ignore", invalid="ignore"):
        cx = np.where(m00 <= 1e-6, (ws - 1) / 2, m10 / m00)
        cy = np.where(m00 <= 1e-6, (hs - 1) / 2, m01 / m00)
    # Sums in another order than cv2.moments' differ in the last bits: where that could change a rounding,
    # ask cv2.moments itself.
    doubtful = (
        (np.abs((CENTRE - cx) % 1 - 0.5) < 1e-6)
        | (np.abs((CENTRE - cy) % 1 - 0.5) < 1e-6)
        | (np.abs(m00 - 1e-6) < 1e-9)
    )
    for i in np.flatnonzero(doubtful).tolist():
        m = cv2.moments(digits[i, : hs[i], : ws[i]])
        if m["m00"] <= 1e-6:
            cx[i], cy[i] = (ws[i] - 1) / 2, (hs[i] - 1) / 2
        else:
            cx[i], cy[i] = m["m10"] / m["m00"], m["m01"] / m["m00"]
    dx = np.round(CENTRE - cx).astype(np.int64)
    dy = np.round(CENTRE - cy).astype(np.int64)
    for i in range(n):
        x0, y0 = max(0, int(dx[i])), max(0, int(dy[i]))
        x1, y1 = min(SIZE, int(dx[i] + ws[i])), min(SIZE, int(dy[i] + hs[i]))
        if x1 > x0 and y1 > y0:
            fields[i, y0:y1, x0:x1] = digits[i, y0 - dy[i] : y1 - dy[i], x0 - dx[i] : x1 - dx[i]]
    return fields
