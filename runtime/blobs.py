"""Connected components and what a blob is: the unit every later stage works on. NumPy and OpenCV only.

    count, labels, stats = label(binary)      # 8-connected components of a uint8 0/1 image
    mask, blob = largest_component(binary)    # ... or only the largest one (None: no component)
    blobs = components(stats)                 # [Blob(x, y, w, h, area, labels)], specks left out
    height = typical_height(blobs, shape)     # the height of a digit here (area-weighted median), 0 if none

A blob is one or more components (a digit broken into pieces is one blob of several labels). The tests of a
blob's shape used by several stages live here: line-like (a rule or a thin '1'), part of the frame (a paper
edge, the desk), digit-like; and the box around a blob, with the mask of its own pixels inside it.
"""

from __future__ import annotations

from typing import NamedTuple

import cv2
import numpy as np

from .config import DEFAULT, DetectConfig

Box = tuple[int, int, int, int]  # x, y, w, h


class Blob(NamedTuple):
    x: int
    y: int
    w: int
    h: int
    area: int  # ink pixels
    labels: tuple[int, ...]  # connected-component labels it is made of
    writing: bool = False  # much wider than tall, but its strokes stand upright: touching digits, not a rule
    # (mark_writing)


def label(binary: np.ndarray) -> tuple[int, np.ndarray, np.ndarray]:
    """8-connected components of a uint8 image (non-zero: foreground) -> (count, labels int32 [H, W], stats
    int32 [count, 5]: x, y, w, h, area; row 0 is the background). Grana's BBDT algorithm: with stats it is 3x
    faster than OpenCV's default (0.7 against 2.3 ms on a 640x480 frame); the labels are the same.

    When the foreground lies within half the image, only the box around it is labelled, its corner moved to
    even coordinates (BBDT works in 2x2 blocks: the labels are then the same as the whole image's): OpenCV's
    stats visit every background pixel, and a frame's ink fills a band of it (the bench frame's 320x240 ink
    map: 144 -> 70 us). The background's row of stats is measured on the whole image."""
    x, y, w, h = cv2.boundingRect(binary)
    x0, y0 = x - x % 2, y - y % 2
    if w == 0 or (x + w - x0) * (y + h - y0) > binary.size // 2:
        count, labels, stats, _ = cv2.connectedComponentsWithStatsWithAlgorithm(binary, 8, cv2.CV_32S, cv2.CCL_GRANA)
        return count, labels, stats
    box = binary[y0 : y + h, x0 : x + w]
    count, inside, stats, _ = cv2.connectedComponentsWithStatsWithAlgorithm(box, 8, cv2.CV_32S, cv2.CCL_GRANA)
    labels = np.zeros(binary.shape, np.int32)
    labels[y0 : y + h, x0 : x + w] = inside
    stats[1:, cv2.CC_STAT_LEFT] += x0
    stats[1:, cv2.CC_STAT_TOP] += y0
    background = cv2.boundingRect((binary == 0).view(np.uint8))
    stats[0] = (*background, binary.size - int(stats[1:, cv2.CC_STAT_AREA].sum()))
    return count, labels, stats


def largest_component(binary: np.ndarray) -> tuple[np.ndarray, Blob] | None:
    """The largest 8-connected component of a uint8 0/1 image: (its mask, uint8 0/1 [H, W]; its Blob), or None
    when the image has no component. The same labels and stats as ``label``'s (of equal areas the first label
    wins, as np.argmax over its stats), at 60% of the cost on a dense image: OpenCV's stats of every
    component cost 4x the labelling itself (170 against 40 us on a 256x192 Otsu mask)."""
    count, labels = cv2.connectedComponentsWithAlgorithm(binary, 8, cv2.CV_32S, cv2.CCL_GRANA)
    if count < 2:
        return None
    areas = np.bincount(labels.ravel(), minlength=count)
    biggest = 1 + int(np.argmax(areas[1:]))
    mask = (labels == biggest).view(np.uint8)
    x, y, w, h = cv2.boundingRect(mask)
    return mask, Blob(x, y, w, h, int(areas[biggest]), (biggest,))


def components(stats: np.ndarray, keep: np.ndarray | None = None, config: DetectConfig = DEFAULT) -> list[Blob]:
    """Connected components (rows of cv2 stats; only those ``keep`` marks, if given) minus the specks."""
    x, y, w, h, area = (stats[:, i] for i in range(5))
    ok = (area >= config.min_area) & (np.maximum(w, h) >= config.min_height)
    ok[0] = False
    if keep is not None:
        ok &= keep
    return [Blob(int(x[i]), int(y[i]), int(w[i]), int(h[i]), int(area[i]), (int(i),)) for i in np.flatnonzero(ok)]


def is_line_like(b: Blob) -> bool:
    """Much longer than thick: a rule, a border, a crease — or a thin '1' (which height tells apart). A wide
    blob marked as writing (mark_writing: a run of touching digits) is not."""
    return (b.w > 4 * b.h and not b.writing) or b.h > 12 * b.w


def mark_writing(blobs: list[Blob], labels: np.ndarray, config: DetectConfig = DEFAULT) -> list[Blob]:
    """The blobs, those more than 4 times as wide as tall whose ink stands upright marked ``writing`` (see
    ``config.upright_span``, ``upright_share``, ``upright_strokes``): a run of five or six touching digits is such a
    blob, by its box alone a rule, but its strokes stand upright and it is several strokes tall; a rule's columns
    hold a stroke's width (slanted) or its whole height, which is a stroke or two (straight; blurred in a photo).
    ``labels``: int32 [H, W], the labelling the blobs come from."""
    out = []
    for b in blobs:
        if b.w > 4 * b.h and not b.writing:
            ink = member_mask(labels, b, (b.x, b.y, b.w, b.h))
            inked = ink.any(axis=0)
            top = ink.argmax(axis=0)
            bottom = b.h - 1 - ink[::-1].argmax(axis=0)
            standing = float(np.mean((bottom - top + 1)[inked] >= config.upright_span * b.h)) if inked.any() else 0.0
            if standing >= config.upright_share and strokes_tall(b, labels, ink) >= config.upright_strokes:
                b = b._replace(writing=True)
        out.append(b)
    return out


def strokes_tall(b: Blob, labels: np.ndarray, ink: np.ndarray | None = None) -> float:
    """How many stroke widths tall a blob is: its height over twice the 95th percentile of its ink's distance
    to the paper (L2 distance transform). A straight rule: 1-2; a run of digits: 3 and more. ``labels``: int32
    [H, W], the labelling the blob comes from; ``ink``: its member_mask over its box, when the caller has it."""
    ink = member_mask(labels, b, (b.x, b.y, b.w, b.h)) if ink is None else ink
    depth = cv2.distanceTransform(np.pad(ink, 1), cv2.DIST_L2, 3)[1:-1, 1:-1][ink > 0]
    return b.h / max(2 * float(np.percentile(depth, 95)), 1.0) if depth.size else 0.0


def not_digit_like(b: Blob, config: DetectConfig = DEFAULT) -> bool:
    """A dash or a rule (wider than ``config.digit_max_aspect`` times its height) or a solid blob (``solid_fill``
    of its box inked, wider than ``solid_aspect`` of its height): the general stages judge those."""
    fill = b.area / float(b.w * b.h)
    return b.w > config.digit_max_aspect * b.h or (fill > config.solid_fill and b.w > config.solid_aspect * b.h)


def spans_frame(b: Blob, shape: tuple[int, ...], config: DetectConfig = DEFAULT) -> bool:
    """Touches the border and spans ``config.frame_span`` of the image's width or height (paper edge, rules,
    shadow)."""
    h_img, w_img = shape[:2]
    touches = b.x == 0 or b.y == 0 or b.x + b.w >= w_img or b.y + b.h >= h_img
    return touches and (b.w > config.frame_span * w_img or b.h > config.frame_span * h_img)


def is_frame(b: Blob, blobs: list[Blob], shape: tuple[int, ...], config: DetectConfig = DEFAULT) -> bool:
    """Part of the frame, not a digit: spans the image from its border (spans_frame: paper edge, the desk, a
    shadow, rules joined to them), is elongated (``config.frame_aspect``), solid (``frame_fill``) or huge
    (``frame_area`` of the image, unless it spans ``frame_tight`` of the image both ways and ``frame_span`` one way:
    a tight crop), and other blobs of some size (``frame_company`` of its area) exist besides it — a tight crop of
    one digit also spans the image, but alone."""
    if not spans_frame(b, shape, config):
        return False
    fill = b.area / float(b.w * b.h)
    h_img, w_img = shape[:2]
    tight, span = config.frame_tight, config.frame_span
    spans_both = min(b.w / w_img, b.h / h_img) > tight and max(b.w / w_img, b.h / h_img) > span  # a tight crop
    huge = b.area > config.frame_area * h_img * w_img and not spans_both
    odd = max(b.w, b.h) > config.frame_aspect * min(b.w, b.h) or fill > config.frame_fill or huge
    others = any(
        o is not b and not spans_frame(o, shape, config) and o.area >= config.frame_company * b.area for o in blobs
    )
    return odd and others


def may_be_writing(blobs: list[Blob], shape: tuple[int, ...], config: DetectConfig = DEFAULT) -> list[Blob]:
    """The blobs that could be writing, judged by shape alone: neither line-like (a rule) nor part of the frame
    (a paper edge, the desk), in their order."""
    return [b for b in blobs if not is_line_like(b) and not is_frame(b, blobs, shape, config)]


def typical_height(blobs: list[Blob], shape: tuple[int, ...], config: DetectConfig = DEFAULT) -> float:
    """The height of a digit here: area-weighted median height of the blobs that could be digits
    (0 if none). Weighting by area makes fragments and specks count little; with 5 blobs or more, a blob
    weighs at most ``config.outlier_area`` times the median area (a pen lying on the page must not set it)."""
    candidates = may_be_writing(blobs, shape, config)
    if not candidates:
        return 0.0
    areas = sorted(b.area for b in candidates)
    cap = config.outlier_area * areas[len(areas) // 2] if len(candidates) >= 5 else float("inf")
    weights = [min(b.area, cap) for b in candidates]
    half, seen = sum(weights) / 2, 0.0
    for height, area in sorted((b.h, w) for b, w in zip(candidates, weights)):  # a few blobs: plain Python
        seen += area
        if seen >= half:
            return float(height)
    return float(max(b.h for b in candidates))


def box_union(boxes: list[Box]) -> Box:
    """The box (x, y, w, h, px) around several boxes."""
    x0, y0 = min(b[0] for b in boxes), min(b[1] for b in boxes)
    return (x0, y0, max(b[0] + b[2] for b in boxes) - x0, max(b[1] + b[3] for b in boxes) - y0)


def union(members: list[Blob]) -> Blob:
    if len(members) == 1:
        return members[0]
    x0, y0 = min(m.x for m in members), min(m.y for m in members)
    x1, y1 = max(m.x + m.w for m in members), max(m.y + m.h for m in members)
    return Blob(
        x0,
        y0,
        x1 - x0,
        y1 - y0,
        sum(m.area for m in members),
        tuple(lab for m in members for lab in m.labels),
        any(m.writing for m in members),
    )


def box_intersection(a: Box, b: Box) -> Box | None:
    """The intersection of two boxes (x, y, w, h), or None when they share no pixel."""
    left, top = max(a[0], b[0]), max(a[1], b[1])
    right, bottom = min(a[0] + a[2], b[0] + b[2]), min(a[1] + a[3], b[1] + b[3])
    return (left, top, right - left, bottom - top) if right > left and bottom > top else None


def box_slices(part: Box, whole: Box) -> tuple[slice, slice]:
    """The (rows, columns) slices of an array over box ``whole`` that hold box ``part`` (inside it)."""
    x, y = part[0] - whole[0], part[1] - whole[1]
    return slice(y, y + part[3]), slice(x, x + part[2])


def pad_box(box: Box, shape: tuple[int, ...], pad: int | None = None) -> Box:
    """Grow a box by a couple of pixels (the faint anti-aliased rim below the threshold), inside the image."""
    x, y, w, h = box
    pad = max(1, round(0.02 * max(w, h))) if pad is None else pad
    x0, y0 = max(0, x - pad), max(0, y - pad)
    x1, y1 = min(shape[1], x + w + pad), min(shape[0], y + h + pad)
    return (x0, y0, x1 - x0, y1 - y0)


def label_counts(labels: np.ndarray, where: np.ndarray) -> np.ndarray:
    """How many pixels of ``where`` (bool [H, W]) each label of ``labels`` (int32 [H, W]) holds: int64 [count],
    the background (0) counted 0."""
    out = np.bincount(labels[where], minlength=int(labels.max()) + 1)
    out[0] = 0
    return out


def labels_near(labels: np.ndarray, mask: np.ndarray, size: int) -> np.ndarray:
    """How many pixels of each label of ``labels`` (int32 [H, W]) lie within a ``size`` x ``size`` px square
    around ``mask``'s (uint8 0/1 [H, W]: erased rules, a sheet's outline): int64 [count], the background counted
    0 (label_counts over ``mask`` dilated by the square)."""
    return label_counts(labels, cv2.dilate(mask, np.ones((size, size), np.uint8)) > 0)


def widest_discs(labels: np.ndarray, depth: np.ndarray) -> np.ndarray:
    """The largest value of ``depth`` (float32 [H, W], a distance transform of the ink: each pixel's distance to
    the paper) over each label of ``labels`` (int32 [H, W]): float32 [count], the radius of the widest disc
    inscribed in each component; 0 for the background."""
    widest = np.zeros(int(labels.max()) + 1, np.float32)
    ink = labels > 0
    np.maximum.at(widest, labels[ink], depth[ink])
    return widest


def member_mask(labels: np.ndarray, blob: Blob, box: Box) -> np.ndarray:
    """1 where the box's pixels belong to the blob's components: uint8 0/1, the box's shape."""
    x, y, w, h = box
    crop = labels[y : y + h, x : x + w]
    if len(blob.labels) == 1:
        return (crop == blob.labels[0]).view(np.uint8)
    # a lookup table over the labels: 3x faster than np.isin for a text line's several components
    member = np.zeros(max(int(crop.max()), *blob.labels) + 1, np.uint8)
    member[list(blob.labels)] = 1
    return member[crop]


def blob_mask(labels: np.ndarray, blob: Blob, box: Box, config: DetectConfig = DEFAULT) -> np.ndarray:
    """1 where the box's pixels belong to the blob's components (uint8 0/1, the box's shape), grown a little to
    take in the faint rim: by ``config.grow`` of its longer side, that side taken at most ``config.max_grow_side``
    times its height (a text line of many words is as wide as the page)."""
    mask = member_mask(labels, blob, box)
    grow = max(3, (round(config.grow * min(max(blob.w, blob.h), config.max_grow_side * blob.h)) | 1))
    if grow <= config.max_grow_px:
        return cv2.dilate(mask, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (grow, grow)))
    # A blob as big as a page (a grid taken for one blob): grown at 1/n of the size, by a disc n times smaller
    # (a 72 px disc over a 1200 px box cost 0.2 s), then enlarged back, its edge in steps of n px
    n = -(-grow // config.max_grow_px)
    h, w = mask.shape
    disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, ((grow // n) | 1,) * 2)
    grown = cv2.dilate(max_pool(mask, n), disc)
    return np.repeat(np.repeat(grown, n, axis=0), n, axis=1)[:h, :w]


def frame_edge(image: np.ndarray) -> np.ndarray:
    """An image's outermost pixels, each once: [2 (H + W) - 4] of its dtype (its first and last rows, then its
    first and last columns without their ends), for any [H, W] array with H, W >= 2."""
    return np.concatenate([image[0], image[-1], image[1:-1, 0], image[1:-1, -1]])


def max_pool(ink: np.ndarray, n: int) -> np.ndarray:
    """[H, W] (ink or a mask, any dtype) -> [ceil(H/n), ceil(W/n)]: the maximum of each n x n cell, the last
    cells padded with 0. A 1 px line stays a full-strength line (an average would fade it), so a dilation then
    works on a copy n^2 times smaller with an n times narrower kernel: normalize.widen_strokes on a 1600 px tablet
    drawing took a second at full size, and blob_mask's growing of a page-sized blob 0.2 s."""
    h, w = ink.shape
    padded = cv2.copyMakeBorder(ink, 0, (-h) % n, 0, (-w) % n, cv2.BORDER_CONSTANT, value=0)
    return padded.reshape(padded.shape[0] // n, n, padded.shape[1] // n, n).max(axis=(1, 3))
