"""Find the digits in a frame and turn them into MNIST-style tensors. NumPy and OpenCV only.

    found = extract(image)                  # .digits float32 [N, 28, 28], [(x, y, w, h)], text line of each digit

The stages, each a pure function on arrays (in the spirit of OpenCV's digits_video.py):

    to_gray -> clean_digit (small clean single digits: a fast path, or None)
    shrink to WORK_SIZE (and first to half that when the image is big: kept if the digits are tall enough)
    ink_map                                                          (normalize.py: paper, light, polarity)
    hysteresis -> digit_height -> remove_rules -> components         (one labelling; rules erased)
    merge_broken_strokes -> attach_fragments -> keep_digit_like      (pieces joined, non-digits dropped)
    reading_order -> normalize_batch                                 (lines, then MNIST 28x28 tensors)

Sizes are judged against the typical digit height in the image (area-weighted median of the blobs), so the
same rules work for a 28x28 MNIST digit, a 300 px drawing and a 12 MP photo of a page.

Boxes are (x, y, w, h) in the input image's pixels, in reading order: lines top to bottom, left to right
within a line.
"""

from __future__ import annotations

from typing import NamedTuple

import cv2
import numpy as np

from .lines import INK_HEIGHT, LineTensor, fit_line
from .normalize import ink_map, label, normalize_batch, normalize_digit, shrink, to_gray
from .page import find_page, isolate

Box = tuple[int, int, int, int]  # x, y, w, h

WORK_SIZE = 1600  # detection runs on a copy whose longer side is at most this
STRONG, WEAK = 0.5, 0.25  # hysteresis: a component needs a STRONG pixel; it extends over WEAK ones
MIN_HEIGHT = 5  # px at the working size: anything shorter is a speck
MIN_AREA = 6  # px
GRID_SPAN = 0.85  # share of a row of boxes' width (height) that its rules (walls) run across
RULE_LENGTH = 2.5  # a straight run longer than this many digit heights is a rule or a border
COARSE_MIN_SIDE = 240  # images at least twice this (shorter side) are first read at half resolution,
COARSE_MIN_HEIGHT = 20  # ... which is kept when the digits there are at least this tall (px at half size)
DESKEW_MIN_DEG = 3.0  # a text line steeper than this is turned level before the line model reads it
LINE_OVERLAP = 0.25  # a digit joins a text line when it shares this share of its rows with the line's last digit
PAGE_MIN_SIDE = 32  # px (shorter side): in smaller images no page is looked for (page.py: no sheet under 160)
CLEAN_MAX_SIDE = 128  # images up to this size may take the fast path of clean_digit
CLEAN_MAX_INK = 0.35  # ... when ink covers at most this share of them
CLEAN_MAIN_SHARE = 0.97  # ... one blob holds this share of the ink
CLEAN_MIN_CONTRAST = 40.0  # ... ink and paper differ by this many grey levels
TINY_SIDE = 32  # px: an image this small is a crop of one digit, which may fill it and touch its edges,
TINY_MAX_INK = 0.6  # ... and cover up to this share of it (a 16x16 binary scan of a bold 3: 0.38)


class TextLine(NamedTuple):
    """One text line for the line model: its tensor, and what is needed to map its frames back to pixels."""

    fitted: LineTensor  # the line model's input, and where it came from in ``ink``
    ink: np.ndarray  # float32 [h, w]: the line's own ink (other lines masked out), in working-copy pixels
    origin: tuple[int, int]  # (x, y) of ``ink`` in the working copy
    scale: tuple[float, float]  # input-image pixels per working-copy pixel (x, y)
    members: list[int]  # indices (into Extraction.boxes) of the blobs of this line, left to right
    shift: tuple[int, int] = (0, 0)  # input-image pixels of the page's corner (the working copy is of the page)
    unrotate: np.ndarray | None = None  # float64 [2, 3]: deskewed-crop pixels -> ``ink`` pixels (None: level)

    def frame_x(self, fitted_x: float) -> float:
        """A column of the fitted (deskewed) crop, on its middle row -> the input image's column."""
        x, y = fitted_x, self.fitted.top + INK_HEIGHT / 2 / self.fitted.scale
        if self.unrotate is not None:
            x, y = self.unrotate @ np.array([x, y, 1.0])
        return self.to_image(float(x), float(y))[0]

    def to_image(self, x: float, y: float) -> tuple[float, float]:
        """A point of ``ink`` (its pixels) -> the input image's pixels."""
        return (
            (self.origin[0] + x) * self.scale[0] + self.shift[0],
            (self.origin[1] + y) * self.scale[1] + self.shift[1],
        )

    def to_ink(self, x: float, y: float) -> tuple[float, float]:
        """A point of the input image -> ``ink``'s pixels."""
        return (
            (x - self.shift[0]) / self.scale[0] - self.origin[0],
            (y - self.shift[1]) / self.scale[1] - self.origin[1],
        )


class Extraction(NamedTuple):
    digits: np.ndarray  # float32 [N, 28, 28], white on black in [0, 1]: each blob, normalized as a digit
    boxes: list[Box]  # in the input image's pixels
    lines: list[int]  # text line of each blob, 0 = top
    text_lines: list[TextLine] = []  # with lines=True: the text lines, top to bottom, for the line model


class Blob(NamedTuple):
    x: int
    y: int
    w: int
    h: int
    area: int  # ink pixels
    labels: tuple[int, ...]  # connected-component labels it is made of


# --------------------------------------------------------------------------- the whole stage


def extract(image: np.ndarray, single: bool = False, lines: bool = False) -> Extraction:
    """Any image -> (digits [N, 28, 28] float32, boxes, line of each box[, text lines]). N = 0 when there is
    no ink.

    single: the whole image's ink is one digit (a crop or a drawing) — no detection.
    lines: keep every blob that may be writing (touching digits, separators, letters) and cut the text lines
    out for the line model (``Extraction.text_lines``); without it, only digit-like blobs are kept, each
    read alone by the digit model. A small clean single digit takes the fast path either way (no lines).
    """
    gray = to_gray(image)
    if max(gray.shape) <= CLEAN_MAX_SIDE:
        clean = clean_digit(gray)
        if clean is not None:
            return clean
    page = find_page(gray) if min(gray.shape) >= PAGE_MIN_SIDE else None
    if page is not None:  # read the page alone, then put its boxes back in the frame
        return shifted(extract_page(isolate(gray, page), single, lines), page.box[0], page.box[1])
    return extract_page(gray, single, lines)


def shifted(found: Extraction, dx: int, dy: int) -> Extraction:
    """The same extraction with its boxes and lines moved by (dx, dy) pixels."""
    if not dx and not dy:
        return found
    boxes = [(x + dx, y + dy, w, h) for x, y, w, h in found.boxes]
    text_lines = [line._replace(shift=(line.shift[0] + dx, line.shift[1] + dy)) for line in found.text_lines]
    return Extraction(found.digits, boxes, found.lines, text_lines)


def extract_page(gray: np.ndarray, single: bool, lines: bool) -> Extraction:
    """The general stages on a gray page: at half resolution first when that is enough, else in full."""
    work = shrink(gray, WORK_SIZE)
    half = half_copy(work) if not single else None
    if half is not None:
        coarse = extract_at(gray, half, single, lines)
        if tall_enough(coarse, gray, half):
            return coarse  # big digits: half the resolution reads them as well, at a quarter of the cost
    return extract_at(gray, work, single, lines)


def half_copy(work: np.ndarray) -> np.ndarray | None:
    """A half-size copy of a big enough image (a 640x480 frame, a photo), where big digits are read first."""
    if min(work.shape) < 2 * COARSE_MIN_SIDE:
        return None
    return cv2.resize(work, (work.shape[1] // 2, work.shape[0] // 2), interpolation=cv2.INTER_AREA)


def tall_enough(found: Extraction, gray: np.ndarray, copy: np.ndarray) -> bool:
    """Were the digits found in ``copy`` at least COARSE_MIN_HEIGHT px tall there (the median digit)?
    Then normalizing them loses nothing: MNIST's digits are 20 px."""
    heights = sorted(box[3] for box in found.boxes)  # in gray's pixels
    return bool(heights) and heights[len(heights) // 2] >= COARSE_MIN_HEIGHT * gray.shape[0] / copy.shape[0]


def extract_at(gray: np.ndarray, work: np.ndarray, single: bool, lines: bool = False) -> Extraction:
    """The general stages on ``work``, a reduced copy of ``gray``; boxes in ``gray``'s pixels."""
    scale = gray.shape[1] / work.shape[1], gray.shape[0] / work.shape[0]
    ink = ink_map(work)
    text_lines: list[TextLine] = []
    if single:
        boxes = whole_ink(ink)
        masks, line_of = None, [0] * len(boxes)
    elif lines:
        boxes, masks, line_of, text_lines = segment_lines(ink, scale)
    else:
        boxes, masks, line_of = segment(ink)
    digits = normalize_batch(ink, boxes, masks)
    return Extraction(digits, [to_original(b, scale, gray.shape) for b in boxes], line_of, text_lines)


def clean_digit(gray: np.ndarray) -> Extraction | None:
    """The fast path for the commonest small input: one digit, whole, on plain paper (a cropped form field,
    a scanned or drawn digit, an MNIST-like image), at 1/5 of the cost of the general stages. Returns None,
    and the general stages take over, unless every check below holds: two well separated levels (Otsu),
    ink a minority (not a tight crop), one blob carrying nearly all the ink (specks aside) and not touching
    the border, digit-like in shape, on paper whose grain is small against the ink.
    """
    if min(gray.shape) < 8:
        return None
    _, light = cv2.threshold(gray, 0, 1, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    lit = cv2.countNonZero(light)
    dark = lit >= gray.size - lit  # light paper, dark ink
    mask = (1 - light) if dark else light
    inked = gray.size - lit if dark else lit
    tiny = max(gray.shape) <= TINY_SIDE  # a tiny scan: its digit may fill it and touch its edges
    if not 0 < inked <= (TINY_MAX_INK if tiny else CLEAN_MAX_INK) * gray.size:
        return None
    _, labels, stats = label(mask)
    main = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    x, y, w, h, area = (int(v) for v in stats[main])
    blob = Blob(x, y, w, h, area, (main,))
    touches = x == 0 or y == 0 or x + w >= gray.shape[1] or y + h >= gray.shape[0]
    if (touches and not tiny) or area < CLEAN_MAIN_SHARE * inked or h < MIN_HEIGHT or not_digit_like(blob):
        return None
    paper_mean, paper_sd = (float(v.ravel()[0]) for v in cv2.meanStdDev(gray, mask=1 - mask))
    ink_mean = float(cv2.mean(gray, mask=mask)[0])
    contrast = abs(paper_mean - ink_mean)
    if contrast < CLEAN_MIN_CONTRAST or paper_sd > contrast / 8:
        return None
    box = pad_box((x, y, w, h), gray.shape)
    bx, by, bw, bh = box
    crop = gray[by : by + bh, bx : bx + bw].astype(np.float32)
    ink = (paper_mean - crop) if dark else (crop - paper_mean)
    ink *= np.float32(1.0 / contrast)
    ink = np.clip(ink, 0.0, 1.0, out=ink) * blob_mask(labels, blob, box)  # specks and neighbours out
    digit = normalize_digit(ink)
    return Extraction(digit[None], [box], [0])


def not_digit_like(b: Blob) -> bool:
    """A dash or a rule (much wider than tall) or a solid blob: the general stages judge those."""
    fill = b.area / float(b.w * b.h)
    return b.w > 2.5 * b.h or (fill > 0.85 and b.w > 0.35 * b.h)


def to_original(box: Box, scale: tuple[float, float], shape: tuple[int, ...]) -> Box:
    """Map a box from the working copy back to the original pixels, clipped to the image."""
    sx, sy = scale
    x0, y0 = int(np.floor(box[0] * sx)), int(np.floor(box[1] * sy))
    x1, y1 = int(np.ceil((box[0] + box[2]) * sx)), int(np.ceil((box[1] + box[3]) * sy))
    x0, y0 = min(max(x0, 0), shape[1] - 1), min(max(y0, 0), shape[0] - 1)
    x1, y1 = min(max(x1, x0 + 1), shape[1]), min(max(y1, y0 + 1), shape[0])
    return (x0, y0, x1 - x0, y1 - y0)


def whole_ink(ink: np.ndarray) -> list[Box]:
    """Single-digit mode: one box around all the ink that is not a speck, or none."""
    _, _, stats, strong = hysteresis(ink)
    keep = strong & (stats[:, cv2.CC_STAT_AREA] >= MIN_AREA)
    if not keep.any():
        return []
    x, y, w, h = (stats[keep, i] for i in range(4))
    x0, y0, x1, y1 = int(x.min()), int(y.min()), int((x + w).max()), int((y + h).max())
    return [pad_box((x0, y0, x1 - x0, y1 - y0), ink.shape)]


def pad_box(box: Box, shape: tuple[int, ...], pad: int | None = None) -> Box:
    """Grow a box by a couple of pixels (the faint anti-aliased rim below the threshold), inside the image."""
    x, y, w, h = box
    pad = max(1, round(0.02 * max(w, h))) if pad is None else pad
    x0, y0 = max(0, x - pad), max(0, y - pad)
    x1, y1 = min(shape[1], x + w + pad), min(shape[0], y + h + pad)
    return (x0, y0, x1 - x0, y1 - y0)


# --------------------------------------------------------------------------- detection


def segment(ink: np.ndarray) -> tuple[list[Box], list[np.ndarray], list[int]]:
    """Ink map -> (boxes, masks, line index) in reading order, in the ink map's pixels.

    Each mask is a uint8 array of its box's shape: 1 where the pixels belong to that digit.
    """
    blobs, labels, _ = candidates(ink)
    blobs = keep_digit_like(blobs, ink.shape)
    order, lines = reading_order([(b.x, b.y, b.w, b.h) for b in blobs])
    blobs = [blobs[i] for i in order]
    boxes, masks = [], []
    for b in blobs:
        box = pad_box((b.x, b.y, b.w, b.h), ink.shape)
        boxes.append(box)
        masks.append(blob_mask(labels, b, box))
    return boxes, masks, lines


def candidates(ink: np.ndarray) -> tuple[list[Blob], np.ndarray, float]:
    """Ink map -> (blobs that may be writing, the label image they refer to, the typical digit height in px,
    0 when unknown): binarization, connected components, rules erased, broken strokes joined."""
    binary, labels, stats, strong = hysteresis(ink)
    blobs = components(stats, strong)
    gridless = erase_grids(binary, blobs)
    if gridless is not binary:  # a row of printed boxes was erased around its digits: label what is left
        binary = gridless
        count, labels, stats = label(binary)
        blobs = components(stats)
    height = digit_height(binary, blobs)
    kept = remove_rules(binary, height)
    if kept is not binary:  # rules were erased: label what is left
        _, labels, stats = label(kept)
        blobs = drop_rule_remnants(components(stats), labels, binary & (1 - kept))
    height = typical_height(blobs, ink.shape) or height
    if kept is not binary:
        blobs = drop_form_ticks(blobs, labels, binary & (1 - kept), height)
        height = typical_height(blobs, ink.shape) or height
    blobs = [b for b in blobs if not is_rule(b, height, ink.shape)]
    blobs = merge_broken_strokes(blobs, height or max(ink.shape))
    blobs = attach_fragments(blobs, height or max(ink.shape))
    return blobs, labels, height


def segment_lines(
    ink: np.ndarray, scale: tuple[float, float] = (1.0, 1.0)
) -> tuple[list[Box], list[np.ndarray], list[int], list[TextLine]]:
    """Ink map -> (boxes, masks, line index of each box, text lines), in reading order, in the ink map's
    pixels: every blob that may be writing — digits, touching digits, separators, letters — grouped into
    text lines, each cut out (its own blobs only) and fitted for the line model. ``scale``: input-image
    pixels per ink-map pixel (x, y), recorded in each TextLine."""
    blobs, labels, _ = candidates(ink)
    blobs = keep_writing(blobs, ink.shape)
    order, line_of = reading_order([(b.x, b.y, b.w, b.h) for b in blobs])
    blobs = [blobs[i] for i in order]
    height = typical_height(blobs, ink.shape) or max(ink.shape)
    groups: dict[int, list[int]] = {}
    for i, n in enumerate(line_of):
        groups.setdefault(n, []).append(i)
    # A line of specks alone (dots, noise) holds no digit: drop it before anyone reads it.
    kept = [members for _, members in sorted(groups.items()) if any(blobs[i].h >= 0.4 * height for i in members)]
    blobs = [blobs[i] for members in kept for i in members]
    line_of = [n for n, members in enumerate(kept) for _ in members]
    boxes, masks = [], []
    for b in blobs:
        box = pad_box((b.x, b.y, b.w, b.h), ink.shape)
        boxes.append(box)
        masks.append(blob_mask(labels, b, box))
    text_lines, start = [], 0
    for members in kept:
        indices = list(range(start, start + len(members)))
        start += len(members)
        line = union([blobs[i] for i in indices])
        x, y, w, h = pad_box((line.x, line.y, line.w, line.h), ink.shape, pad=max(2, round(0.08 * line.h)))
        crop = ink[y : y + h, x : x + w] * blob_mask(labels, line, (x, y, w, h))
        level, unrotate = deskew(crop, [blobs[i] for i in indices], (x, y))
        text_lines.append(TextLine(fit_line(level), crop, (x, y), scale, indices, unrotate=unrotate))
    return boxes, masks, line_of, text_lines


def hysteresis(ink: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Hysteresis threshold -> (binary uint8 0/1, labels, stats, strong): the WEAK-ink components that
    contain some STRONG ink. ``labels`` and ``stats`` are those of the WEAK components; ``strong`` (bool per
    label) says which of them are kept, so the components of ``binary`` need no second labelling.

    ink_map has already removed the paper and its light, so a global threshold here acts like an adaptive
    one on the photo; the two levels keep faint stroke ends without letting faint noise in.
    """
    weak = (ink > WEAK).astype(np.uint8)
    count, labels, stats = label(weak)
    strong = np.zeros(count, bool)
    strong[labels[ink > STRONG]] = True
    strong[0] = False
    if count == 1 or strong[1:].all():
        return weak, labels, stats, strong
    return strong[labels].view(np.uint8), labels, stats, strong


def components(stats: np.ndarray, keep: np.ndarray | None = None) -> list[Blob]:
    """Connected components (rows of cv2 stats; only those ``keep`` marks, if given) minus the specks."""
    x, y, w, h, area = (stats[:, i] for i in range(5))
    ok = (area >= MIN_AREA) & (np.maximum(w, h) >= MIN_HEIGHT)
    ok[0] = False
    if keep is not None:
        ok &= keep
    return [Blob(int(x[i]), int(y[i]), int(w[i]), int(h[i]), int(area[i]), (int(i),)) for i in np.flatnonzero(ok)]


def is_line_like(b: Blob) -> bool:
    """Much longer than thick: a rule, a border, a crease — or a thin '1' (which height tells apart)."""
    return b.w > 4 * b.h or b.h > 12 * b.w


def spans_frame(b: Blob, shape: tuple[int, ...]) -> bool:
    """Touches the border and spans most of the image's width or height (paper edge, rules, shadow)."""
    h_img, w_img = shape[:2]
    touches = b.x == 0 or b.y == 0 or b.x + b.w >= w_img or b.y + b.h >= h_img
    return touches and (b.w > 0.8 * w_img or b.h > 0.8 * h_img)


def is_frame(b: Blob, blobs: list[Blob], shape: tuple[int, ...]) -> bool:
    """Part of the frame, not a digit: spans the image from its border (paper edge, the desk, a shadow, rules
    joined to them), is elongated, solid or huge, and other blobs of some size exist besides it — a tight crop
    of one digit also spans the image, but alone."""
    if not spans_frame(b, shape):
        return False
    fill = b.area / float(b.w * b.h)
    h_img, w_img = shape[:2]
    spans_both = min(b.w / w_img, b.h / h_img) > 0.6 and max(b.w / w_img, b.h / h_img) > 0.8  # a tight crop
    odd = max(b.w, b.h) > 2.5 * min(b.w, b.h) or fill > 0.6 or (b.area > 0.3 * h_img * w_img and not spans_both)
    others = any(o is not b and not spans_frame(o, shape) and o.area >= 0.02 * b.area for o in blobs)
    return odd and others


def typical_height(blobs: list[Blob], shape: tuple[int, ...]) -> float:
    """The height of a digit here: area-weighted median height of the blobs that could be digits
    (0 if none). Weighting by area makes fragments and specks count little."""
    candidates = [b for b in blobs if not is_line_like(b) and not is_frame(b, blobs, shape)]
    if not candidates:
        return 0.0
    half, seen = sum(b.area for b in candidates) / 2, 0
    for height, area in sorted((b.h, b.area) for b in candidates):  # a few blobs: plain Python is fastest
        seen += area
        if seen >= half:
            return float(height)
    return float(max(b.h for b in candidates))


def digit_height(binary: np.ndarray, plain: list[Blob]) -> float:
    """A first estimate of the digits' height, before the rules are known.

    Rules and paper edges that cross the whole image can join into one tall frame around the digits, so try
    with every straight run across 90% of the image removed, and trust that when it leaves two or more
    digit-like blobs that were not touching those runs (in a tight crop of one digit a stroke may cross the
    image too, and removing it leaves pieces of that digit, not whole blobs). ``plain``: the components of
    ``binary``."""
    without = remove_rules(binary, 0.0)
    if without is binary:  # no such runs
        return typical_height(plain, binary.shape)
    rough = components(label(without)[2])
    before = {b[:5] for b in plain}
    whole = [b for b in rough if b[:5] in before and not is_line_like(b) and not is_frame(b, rough, binary.shape)]
    return typical_height(rough if len(whole) >= 2 else plain, binary.shape)


def remove_rules(binary: np.ndarray, height: float) -> np.ndarray:
    """Erase straight horizontal and vertical runs much longer than a digit (ruled lines, table borders)
    that may touch the digits. With no digit height known, the runs across 90% of the image.

    Returns ``binary`` itself when there is nothing to erase.

    A run of ``length`` pixels needs at least that many ink pixels in its row (column), so the opening runs
    only over the band of rows (columns) that have them, usually none: a long opening of the whole frame
    costs milliseconds."""
    h_img, w_img = binary.shape
    out = binary
    for axis, size in ((1, w_img), (0, h_img)):
        length = int(RULE_LENGTH * height) if height else int(0.9 * size)
        if length < 8 or length >= size:
            continue
        counts = cv2.reduce(binary, axis, cv2.REDUCE_SUM, dtype=cv2.CV_32S).ravel()  # ink per row (column)
        candidates = np.flatnonzero(counts >= length)
        if candidates.size == 0:
            continue
        band = slice(int(candidates[0]), int(candidates[-1]) + 1)
        kernel = np.ones((1, length) if axis == 1 else (length, 1), np.uint8)
        rules = np.zeros_like(binary)
        if axis == 1:
            rules[band] = cv2.morphologyEx(binary[band], cv2.MORPH_OPEN, kernel)
        else:
            rules[:, band] = cv2.morphologyEx(binary[:, band], cv2.MORPH_OPEN, kernel)
        if rules.any():  # widen a little across the rule: a slanted or fuzzy rule leaves no slivers
            across = np.ones((5, 1) if axis == 1 else (1, 5), np.uint8)
            out = out & (1 - cv2.dilate(rules, across))
    return out


def erase_grids(binary: np.ndarray, blobs: list[Blob]) -> np.ndarray:
    """Erase printed rows of boxes (form fields of joined cells), which join the digits written in them into
    one wide blob: in each blob at least twice as wide as tall, the straight horizontal runs across GRID_SPAN
    of its width, when there is one near its top and one near its bottom (the cells' rules), and the vertical
    runs across GRID_SPAN of its height (the walls between them). The digits, which never span a cell from
    rule to rule, stay. uint8 0/1 [h, w] in, the same out; ``binary`` itself when there is no such row.

    The recipe is the classical one of form processing: long horizontal and vertical morphological openings
    find the form's lines (e.g. OpenCV's "Extract horizontal and vertical lines by using morphological
    operations" tutorial), here sized by the blob rather than the page so that the cells' short walls go too."""
    out = binary
    for b in blobs:
        if b.w < 2 * b.h or b.h < 4 * MIN_HEIGHT:  # not a row of cells big enough to write in
            continue
        box = binary[b.y : b.y + b.h, b.x : b.x + b.w]
        rules = cv2.morphologyEx(box, cv2.MORPH_OPEN, np.ones((1, int(GRID_SPAN * b.w)), np.uint8))
        rows = np.flatnonzero(rules.any(axis=1))
        middle = rows[(rows > 0.3 * b.h) & (rows < 0.7 * b.h)]
        if rows.size == 0 or rows[0] > 0.25 * b.h or rows[-1] < 0.75 * b.h or middle.size:
            continue  # a top and a bottom rule with the cells between them, or no row of boxes (a thick bar)
        walls = cv2.morphologyEx(box, cv2.MORPH_OPEN, np.ones((int(GRID_SPAN * b.h), 1), np.uint8))
        grid = cv2.dilate(rules, np.ones((5, 1), np.uint8)) | cv2.dilate(walls, np.ones((1, 5), np.uint8))
        if out is binary:
            out = binary.copy()
        out[b.y : b.y + b.h, b.x : b.x + b.w] &= 1 - grid
    return out


def drop_rule_remnants(blobs: list[Blob], labels: np.ndarray, removed: np.ndarray) -> list[Blob]:
    """Drop the slivers a removed rule leaves behind (its fuzzy or slanted edges): blobs that lie mostly
    along removed pixels. A digit that touched a rule borders it only over a short stretch."""
    if not removed.any() or not blobs:
        return blobs
    near = cv2.dilate(removed, np.ones((7, 7), np.uint8)).astype(bool)
    hits = np.bincount(labels[near], minlength=labels.max() + 1)
    return [b for b in blobs if hits[b.labels[0]] <= 0.5 * b.area]


def drop_form_ticks(blobs: list[Blob], labels: np.ndarray, removed: np.ndarray, height: float) -> list[Blob]:
    """Drop the ticks of a comb field and the walls of a row of boxes once their rule is erased: straight
    thin vertical strokes that stood on the rule, either short (a tick, under 0.6 of a digit) or taller than a
    digit (a wall). A '1' written on the line is as tall as the other digits and stays."""
    if not removed.any() or not blobs or not height:
        return blobs
    k = max(5, round(0.15 * height)) | 1  # the rule's fuzzy edge and the tick's blurred foot
    near = cv2.dilate(removed, np.ones((k, k), np.uint8)).astype(bool)
    touching = np.bincount(labels[near], minlength=labels.max() + 1) > 0

    def is_tick(b: Blob) -> bool:
        straight = b.w <= 0.2 * height and b.w <= 0.5 * b.h and b.area >= 0.7 * b.w * b.h
        return touching[b.labels[0]] and straight and (b.h <= 0.6 * height or b.h >= 1.15 * height)

    return [b for b in blobs if not is_tick(b)]


def is_rule(b: Blob, height: float, shape: tuple[int, ...]) -> bool:
    """A leftover rule or border: line-like and longer than a digit (or than half the image)."""
    if not is_line_like(b):
        return False
    longest = max(b.w, b.h)
    if height:
        return longest > 1.8 * height
    return b.w > 4 * b.h and b.w > 0.5 * shape[1]


def _root(parent: list[int], i: int) -> int:
    """The root of ``i`` in the union-find forest ``parent`` (paths halved on the way)."""
    while parent[i] != i:
        parent[i] = parent[parent[i]]
        i = parent[i]
    return i


def merge_broken_strokes(blobs: list[Blob], height: float) -> list[Blob]:
    """Join the pieces of one digit (a 5 whose top bar is separate, a 7's crossbar, a broken loop).

    Two pieces join when one sits above the other (they share most of the narrower one's columns, the
    vertical gap is small and the union is no taller than a digit), or when one's box lies mostly inside the
    other's. Side-by-side digits ("11", "2026") share no columns and stay apart.
    """
    blobs = list(blobs)
    changed = True
    while changed and len(blobs) > 1:
        changed = False
        b = np.array([(p.x, p.y, p.x + p.w, p.y + p.h) for p in blobs], np.float64)
        x0, y0, x1, y1 = (b[:, i] for i in range(4))
        w, h = x1 - x0, y1 - y0
        cols = np.minimum(x1[:, None], x1[None]) - np.maximum(x0[:, None], x0[None])
        rows = np.minimum(y1[:, None], y1[None]) - np.maximum(y0[:, None], y0[None])
        narrower = np.minimum(w[:, None], w[None])
        shorter = np.minimum(h[:, None], h[None])
        union_h = np.maximum(y1[:, None], y1[None]) - np.minimum(y0[:, None], y0[None])
        union_w = np.maximum(x1[:, None], x1[None]) - np.minimum(x0[:, None], x0[None])
        stacked = (cols >= 0.5 * narrower) & (rows >= -0.3 * height) & (rows <= 0.7 * shorter)
        inside = (np.maximum(cols, 0) * np.maximum(rows, 0)) >= 0.7 * (narrower * shorter)
        inside &= np.maximum(cols, 0) * np.maximum(rows, 0) >= 0.7 * np.minimum(
            w[:, None] * h[:, None], w[None] * h[None]
        )
        fits = (union_h <= 1.35 * height) & (union_w <= 1.5 * height)
        join = (stacked | inside) & fits
        np.fill_diagonal(join, False)
        if not join.any():
            break
        parent = list(range(len(blobs)))
        for i, j in zip(*np.nonzero(np.triu(join))):
            parent[_root(parent, i)] = _root(parent, j)
        groups: dict[int, list[Blob]] = {}
        for i, blob in enumerate(blobs):
            groups.setdefault(_root(parent, i), []).append(blob)
        changed = any(len(members) > 1 for members in groups.values())
        blobs = [union(members) for members in groups.values()]
    return blobs


def attach_fragments(blobs: list[Blob], height: float) -> list[Blob]:
    """Give a fragment too short to be a digit (a 5's top bar drawn off to the right) to the digit it sits
    on: the nearest blob within 12% of a digit height whose top or bottom it extends, if the union is still
    digit-sized. A dash between two digits sits at mid-height and is left alone (and dropped later)."""
    big = [b for b in blobs if b.h >= 0.4 * height]
    small = [b for b in blobs if b.h < 0.4 * height and b.w < height]  # a short bar counts, a rule not
    if not big or not small:
        return blobs
    parts: dict[int, list[Blob]] = {i: [b] for i, b in enumerate(big)}
    rest = [b for b in blobs if b not in big and b not in small]
    for f in small:
        best, best_gap = None, 0.12 * height
        for i, b in enumerate(big):
            gap = max(b.x - (f.x + f.w), f.x - (b.x + b.w), b.y - (f.y + f.h), f.y - (b.y + b.h), 0)
            x0, y0 = min(b.x, f.x), min(b.y, f.y)
            x1, y1 = max(b.x + b.w, f.x + f.w), max(b.y + b.h, f.y + f.h)
            level = (f.y + f.h / 2 - b.y) / b.h
            if (
                gap <= best_gap
                and (level < 0.35 or level > 0.65)
                and x1 - x0 <= 1.7 * height
                and y1 - y0 <= 1.35 * height
            ):
                best, best_gap = i, gap
        if best is None:
            rest.append(f)
        else:
            parts[best].append(f)
    joined = [union(members) for members in parts.values()]
    return joined + rest


def union(members: list[Blob]) -> Blob:
    if len(members) == 1:
        return members[0]
    x0, y0 = min(m.x for m in members), min(m.y for m in members)
    x1, y1 = max(m.x + m.w for m in members), max(m.y + m.h for m in members)
    return Blob(x0, y0, x1 - x0, y1 - y0, sum(m.area for m in members), tuple(lab for m in members for lab in m.labels))


def deskew(crop: np.ndarray, blobs: list[Blob], origin: tuple[int, int]) -> tuple[np.ndarray, np.ndarray | None]:
    """A line's ink turned level: the slope of its blobs' centres (least squares; the blobs at least half as
    tall as the tallest), when steeper than DESKEW_MIN_DEG. Returns (the level ink, the affine [2, 3] from its
    pixels back to ``crop``'s, or None when the line is level already)."""
    tallest = max(b.h for b in blobs)
    big = [b for b in blobs if b.h >= 0.5 * tallest]
    if len(big) < 2:
        return crop, None
    xs = np.array([b.x + b.w / 2 for b in big], np.float64)
    ys = np.array([b.y + b.h / 2 for b in big], np.float64)
    if np.ptp(xs) < 1:
        return crop, None
    angle = float(np.degrees(np.arctan(np.polyfit(xs, ys, 1)[0])))
    if abs(angle) < DESKEW_MIN_DEG:
        return crop, None
    h, w = crop.shape
    rotate = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)  # counter-clockwise by angle: the line levels
    cos, sin = abs(rotate[0, 0]), abs(rotate[0, 1])
    size = (int(np.ceil(w * cos + h * sin)), int(np.ceil(w * sin + h * cos)))
    rotate[:, 2] += (size[0] / 2 - w / 2, size[1] / 2 - h / 2)
    level = cv2.warpAffine(crop, rotate, size, flags=cv2.INTER_LINEAR, borderValue=0)
    return level, cv2.invertAffineTransform(rotate)


def keep_digit_like(blobs: list[Blob], shape: tuple[int, ...]) -> list[Blob]:
    """Drop what is not a digit, judged against the image and against the other blobs' typical height:
    specks and fragments (too short), dashes and rules (too wide for their height), solid blobs (too full),
    and big regions touching the border (paper edges, shadows, the desk)."""
    return keep_blobs(blobs, shape, writing=False)


def keep_writing(blobs: list[Blob], shape: tuple[int, ...]) -> list[Blob]:
    """Drop what cannot be part of a line of writing: the frame (paper edges, desk, shadow), specks, things
    much taller than the writing, big solid blobs, and big regions touching the border. Unlike
    keep_digit_like, wide blobs (touching digits, words) and small ones (separators) stay: the line model
    reads them."""
    return keep_blobs(blobs, shape, writing=True)


def keep_blobs(blobs: list[Blob], shape: tuple[int, ...], writing: bool) -> list[Blob]:
    """keep_digit_like (``writing=False``) or keep_writing (``writing=True``)."""
    if not blobs:
        return []
    h_img, w_img = shape[:2]
    height = typical_height(blobs, shape)
    keep = []
    for b in blobs:
        fill = b.area / float(b.w * b.h)
        touches = b.x == 0 or b.y == 0 or b.x + b.w >= w_img or b.y + b.h >= h_img
        if is_frame(b, blobs, shape):
            continue  # paper edge, desk, shadow
        if writing:
            if height and b.h > 2.0 * height and not has_row_neighbour(b, blobs):
                continue  # much taller than the writing, and alone (a pen); handwriting beside print has company
            if height and max(b.w, b.h) < 0.08 * height:
                continue  # a speck
            if fill > 0.85 and b.h >= 0.4 * height and b.w > 0.35 * b.h:
                continue  # a solid blob the size of a digit: a thumb, a hole, a shadow (a dot is small)
        else:
            if height and not (0.4 * height <= b.h <= 2.0 * height):
                continue  # a fragment, a speck, or something much bigger than the digits
            if not_digit_like(b):
                continue  # a dash, a rule; a solid blob: a thumb, a hole, a shadow
        if touches and b.area > (0.4 if len(blobs) > 1 else 0.75) * h_img * w_img:
            continue  # most of the frame is "ink": a dark region, not a digit (a tight crop can be ~50%)
        if touches and len(blobs) > 1:
            strip = max(b.w, b.h) > (8 if writing else 4) * min(b.w, b.h)
            solid = fill > 0.7 and (b.h >= 0.4 * height or not writing)
            if strip or solid:
                continue  # a strip or a solid piece at the border beside other blobs (paper edge, shadow)
        keep.append(b)
    return keep


def has_row_neighbour(b: Blob, blobs: list[Blob]) -> bool:
    """Is there another blob of about b's height (0.6-1.6x) beside it: sharing half the smaller one's rows and
    at most two of b's heights away? Big handwriting on a printed form is a row of such blobs; a pen lying on
    the page is alone."""
    for o in blobs:
        if o is b or not 0.6 * b.h <= o.h <= 1.6 * b.h:
            continue
        shared = min(b.y + b.h, o.y + o.h) - max(b.y, o.y)
        gap = max(o.x - (b.x + b.w), b.x - (o.x + o.w), 0)
        if shared >= 0.5 * min(b.h, o.h) and gap <= 2 * b.h:
            return True
    return False


def reading_order(boxes: list[Box]) -> tuple[list[int], list[int]]:
    """Order boxes as text: lines top to bottom, left to right within a line. Returns (order, line of each
    ordered box). A box joins the line whose last box (its left neighbour) shares most of its rows, so a
    slightly tilted line of digits stays one line."""
    if not boxes:
        return [], []
    by_x = sorted(range(len(boxes)), key=lambda i: (boxes[i][0], boxes[i][1]))
    lines: list[list[int]] = []
    for i in by_x:
        x, y, w, h = boxes[i]
        best, best_overlap = None, 0.0
        for line in lines:
            lx, ly, lw, lh = boxes[line[-1]]
            overlap = (min(y + h, ly + lh) - max(y, ly)) / float(min(h, lh))
            if overlap > best_overlap:
                best, best_overlap = line, overlap
        if best is not None and best_overlap >= LINE_OVERLAP:
            best.append(i)
        else:
            lines.append([i])
    lines = join_side_by_side(lines, boxes)
    lines.sort(key=lambda line: sum(boxes[i][1] + boxes[i][3] / 2 for i in line) / len(line))
    order = [i for line in lines for i in line]
    line_of = [n for n, line in enumerate(lines) for _ in line]
    return order, line_of


def join_side_by_side(lines: list[list[int]], boxes: list[Box]) -> list[list[int]]:
    """Join two lines that share some rows (half of LINE_OVERLAP) and whose digits lie side by side (no two
    share a column): one line whose digits jump up or down (a small digit written high between big ones),
    split by the neighbour rule. Lines one above the other share columns and stay apart."""

    def rows(line):
        return min(boxes[i][1] for i in line), max(boxes[i][1] + boxes[i][3] for i in line)

    def side_by_side(a, b):
        (a0, a1), (b0, b1) = rows(a), rows(b)
        shared = (min(a1, b1) - max(a0, b0)) / float(min(a1 - a0, b1 - b0))
        apart = all(
            boxes[i][0] + boxes[i][2] <= boxes[j][0] or boxes[j][0] + boxes[j][2] <= boxes[i][0] for i in a for j in b
        )
        return shared >= LINE_OVERLAP / 2 and apart

    lines = [list(line) for line in lines]
    while pair := next(
        ((a, b) for a in range(len(lines)) for b in range(a + 1, len(lines)) if side_by_side(lines[a], lines[b])), None
    ):
        a, b = pair
        lines[a] = sorted(lines[a] + lines.pop(b), key=lambda i: boxes[i][0])
    return lines


def blob_mask(labels: np.ndarray, blob: Blob, box: Box) -> np.ndarray:
    """1 where the box's pixels belong to the blob's components, grown a little to take in the faint rim."""
    x, y, w, h = box
    crop = labels[y : y + h, x : x + w]
    if len(blob.labels) == 1:
        mask = (crop == blob.labels[0]).view(np.uint8)
    else:
        mask = np.isin(crop, blob.labels).view(np.uint8)
    grow = max(3, (round(0.06 * max(blob.w, blob.h)) | 1))
    return cv2.dilate(mask, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (grow, grow)))
