"""Form lines: find the printed rules, borders, rows of boxes and comb fields in a binary ink image and erase
them, keeping the handwriting that crosses them. NumPy and OpenCV only.

    height = digit_height(binary, blobs)          # a first digit height, not fooled by rules joined into a frame
    gridless = erase_grids(binary, blobs)         # printed rows of boxes (joined cells) erased around their digits
    kept = remove_rules(binary, height)           # straight runs much longer than a digit erased, the strokes
                                                  # that cross them kept (crossings)
    kept = erase_comb_ticks(kept, removed, height)            # a comb's ticks at equal steps on its erased rule
    blobs = drop_rule_remnants(blobs, labels, removed)        # the slivers an erased rule leaves
    blobs = drop_form_ticks(blobs, labels, removed, height)   # comb ticks and box walls that stood on a rule
                                                  # (or on its end: rule_ends)
    is_rule(blob, height, shape)                  # a leftover rule or border

Lengths are judged against the typical digit height, so the same rules work at any resolution. A row of boxes'
walls and a comb's ticks stand at equal steps (``fit_lattice``): only strokes on that lattice are taken for
them, so a digit's stem that touches a rule, or a '1' written on it, stays. The recipe is
the classical one of form processing: long horizontal and vertical morphological openings find the lines.
"""

from __future__ import annotations

import cv2
import numpy as np

from .blobs import Blob, components, is_line_like, label, may_be_writing, typical_height
from .config import DEFAULT, DetectConfig


def digit_height(binary: np.ndarray, plain: list[Blob], config: DetectConfig = DEFAULT) -> float:
    """A first estimate of the digits' height, before the rules are known.

    Rules and paper edges that cross the whole image can join into one tall frame around the digits, so try
    with every straight run across 90% of the image removed, and trust that when it leaves two or more
    digit-like blobs that were not touching those runs (in a tight crop of one digit a stroke may cross the
    image too, and removing it leaves pieces of that digit, not whole blobs). A height that is the whole
    image's is tried again with shorter runs (under_bent_rules). ``plain``: the components of ``binary``."""
    without = remove_rules(binary, 0.0, config)
    if without is binary:  # no such runs
        height = typical_height(plain, binary.shape, config) or under_one_frame(binary, plain, config)
    else:
        rough = components(label(without)[2], config=config)
        before = {b[:5] for b in plain}
        whole = [b for b in may_be_writing(rough, binary.shape) if b[:5] in before]
        height = typical_height(rough if len(whole) >= 2 else plain, binary.shape, config)
        height = height or under_one_frame(binary, plain, config)
    return under_bent_rules(binary, height, config) if height >= config.frame_share * binary.shape[0] else height


def under_bent_rules(binary: np.ndarray, height: float, config: DetectConfig = DEFAULT) -> float:
    """The digits' height when the first estimate, ``height``, is the whole image's (``config.frame_share``): lined
    or squared paper whose rules and margin join into one frame across the image, but bend by a pixel or two over
    its width (a photo's lens or a curled page), so that no straight run crosses 90 % of it. Runs across
    ``bent_run`` of the image's shorter side are erased instead, and the height is taken from what is left, when
    there are ``bent_rules`` such runs or more (a digit filling a tight crop has a stroke or two that long) and
    they leave two or more blobs that may be writing; else ``height``. Issue 10's lined paper read '0' for
    '837 / 2530' and squared paper '5' for '4532': the frame was taken for one digit."""
    length = int(config.bent_run * min(binary.shape))
    if length < 8 or straight_runs(binary, length, config) < config.bent_rules:
        return height
    without = remove_rules(binary, length / config.rule_length, config)
    if without is binary:
        return height
    rough = may_be_writing(components(label(without)[2], config=config), binary.shape)
    found = typical_height(rough, binary.shape, config) if len(rough) >= 2 else 0.0
    return found if 0 < found < config.frame_share * binary.shape[0] else height


def under_one_frame(binary: np.ndarray, plain: list[Blob], config: DetectConfig = DEFAULT) -> float:
    """The digits' height when every blob is a frame or a line (0 when it cannot be told): all the writing
    touches one comb field or box, whose baseline runs its whole width. Runs across 90 % of the widest blob
    are erased and the height taken from what is left (issue 10: 6 of 100 comb fields read nothing)."""
    if not plain:
        return 0.0
    widest = max(b.w for b in plain)
    without = remove_rules(binary, 0.9 * widest / config.rule_length, config)
    if without is binary:
        return 0.0
    return typical_height(components(label(without)[2], config=config), binary.shape, config)


def straight_runs(binary: np.ndarray, length: int, config: DetectConfig = DEFAULT) -> int:
    """How many thin parallel straight runs of at least ``length`` px ``binary`` (uint8 0/1) holds, in the
    direction that has more: the bands of rows (columns) that a horizontal (vertical) morphological opening of
    that length leaves ink in, bands closer than ``config.band_gap`` of the image's side taken as one, each at
    most ``thin_band`` of the side thick (a printed rule, not a thick stroke of a digit filling a tight crop)."""
    most = 0
    for kernel, axis in (((1, length), 1), ((length, 1), 0)):
        opened = cv2.morphologyEx(binary, cv2.MORPH_OPEN, np.ones(kernel, np.uint8))
        hit = opened.any(axis=axis).astype(np.uint8)
        side = hit.size
        hit = cv2.morphologyEx(
            hit.reshape(1, -1), cv2.MORPH_CLOSE, np.ones((1, int(config.band_gap * side) | 1), np.uint8)
        )
        hit = np.concatenate([[0], hit.ravel().astype(np.int8), [0]])
        starts, ends = np.flatnonzero(np.diff(hit) == 1), np.flatnonzero(np.diff(hit) == -1)
        most = max(most, int(np.count_nonzero(ends - starts <= config.thin_band * side)))
    return most


def rule_height(blobs: list[Blob], shape: tuple[int, ...], height: float) -> float:
    """The height, in px, a rule is judged long against (remove_rules): the digit height ``height``, or the
    median height of the three tallest blobs that may be writing (not line-like, not the frame) when that is
    taller. Handwriting on a printed form: the print is most of the blobs and sets the digit height, and a
    handwritten '1' three print lines tall, or a 4's stem, was erased as a rule (issue 10's desk photos:
    0.83 -> 0.92 exact, 100 photos; every other kind unchanged). The median of three: a pen lying on the page
    is one tall blob."""
    tall = sorted(b.h for b in may_be_writing(blobs, shape))[-3:]
    return max(height, float(np.median(tall))) if len(tall) == 3 else height


def remove_rules(binary: np.ndarray, height: float, config: DetectConfig = DEFAULT) -> np.ndarray:
    """Erase straight horizontal and vertical runs much longer than a digit (ruled lines, table borders)
    that may touch the digits. With no digit height known, the runs across 90% of the image.

    Returns ``binary`` itself when there is nothing to erase.

    A run of ``length`` pixels needs at least that many ink pixels in its row (column), so the opening runs
    only over the band of rows (columns) that have them, usually none: a long opening of the whole frame
    costs milliseconds."""
    h_img, w_img = binary.shape
    out = binary
    for axis, size in ((1, w_img), (0, h_img)):
        length = int(config.rule_length * height) if height else int(0.9 * size)
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
            band = cv2.dilate(rules, across)
            out = out & (1 - band * (1 - crossings(binary, rules, band, axis, config)))  # the writing crossing it stays
    return out


def crossings(
    binary: np.ndarray, rules: np.ndarray, band: np.ndarray, axis: int, config: DetectConfig = DEFAULT
) -> np.ndarray:
    """Where handwriting crosses a rule: the pixels of ``band`` (the rule widened, uint8 0/1) that stay ink
    when the rule is erased. uint8 0/1, ``binary``'s shape. ``axis``: 1 for horizontal rules, 0 for vertical.

    The reconstruction of strokes under an erased line of form processing, judged on the ink across the rule:

    - a horizontal rule: ink touches the band from above and from below in the same columns (a stroke
      crossing the line). A tick or a box wall standing on it, or a digit sitting on it, reaches it from one
      side only and goes with it. A ruled line through a row of digits had cut each in two;
    - a vertical rule (a margin line): the ink runs across it further than it is thick, plus ``crossing_margin`` px
      (a stroke crossing the line or running along it). A margin line through a '9' took the loop's side
      with it, and the '9' read as '7'."""
    if axis == 1:
        return touched_from_both_sides(binary, band, config)
    count, _, stats = label(rules)
    widths = stats[1:, cv2.CC_STAT_AREA] / np.maximum(stats[1:, cv2.CC_STAT_HEIGHT], 1)  # each rule's thickness
    margin = config.crossing_margin
    run = int(np.ceil(float(np.median(widths)))) + margin + 1 if count > 1 else margin + 1
    return cv2.morphologyEx(binary, cv2.MORPH_OPEN, np.ones((1, run), np.uint8)) & band


def touched_from_both_sides(binary: np.ndarray, band: np.ndarray, config: DetectConfig = DEFAULT) -> np.ndarray:
    """The pixels of a horizontal ``band`` (uint8 0/1) in columns where ink touches it from above and from
    below (uint8 0/1, ``binary``'s shape). One pass of shifts and a vertical dilation within the band, reaching
    ``config.band_reach`` px (the thickest band)."""
    above = np.zeros_like(binary)
    above[1:] = binary[:-1] & (1 - band[:-1])  # ink just above a band pixel (outside the band)
    below = np.zeros_like(binary)
    below[:-1] = binary[1:] & (1 - band[1:])  # ink just below one
    spread = np.ones((2 * config.band_reach + 1, 1), np.uint8)
    from_above = cv2.dilate(above & band, spread) & band
    from_below = cv2.dilate(below & band, spread) & band
    return from_above & from_below


def erase_grids(binary: np.ndarray, blobs: list[Blob], config: DetectConfig = DEFAULT) -> np.ndarray:
    """Erase printed rows of boxes (form fields of joined cells), which join the digits written in them into
    one wide blob: in each blob at least twice as wide as tall, the straight horizontal runs across ``grid_span``
    of its width, when there is one near its top and one near its bottom (the cells' rules), and the vertical
    runs across ``grid_span`` of its height (the walls between them). The digits, which never span a cell from
    rule to rule, stay. uint8 0/1 [h, w] in, the same out; ``binary`` itself when there is no such row.

    The recipe is the classical one of form processing: long horizontal and vertical morphological openings
    find the form's lines (e.g. OpenCV's "Extract horizontal and vertical lines by using morphological
    operations" tutorial), here sized by the blob rather than the page so that the cells' short walls go too."""
    out = binary
    for b in blobs:
        if b.w < 2 * b.h or b.h < 4 * config.min_height:  # not a row of cells big enough to write in
            continue
        box = binary[b.y : b.y + b.h, b.x : b.x + b.w]
        rules = cv2.morphologyEx(box, cv2.MORPH_OPEN, np.ones((1, int(config.grid_span * b.w)), np.uint8))
        rows = np.flatnonzero(rules.any(axis=1))
        middle = rows[(rows > 0.3 * b.h) & (rows < 0.7 * b.h)]
        if rows.size == 0 or rows[0] > 0.25 * b.h or rows[-1] < 0.75 * b.h or middle.size:
            continue  # a top and a bottom rule with the cells between them, or no row of boxes (a thick bar)
        walls = cv2.morphologyEx(box, cv2.MORPH_OPEN, np.ones((int(config.grid_span * b.h), 1), np.uint8))
        lattice = wall_lattice(walls, rules)
        if lattice is not None:  # equal cells: only the runs where walls belong are walls (not a digit's stem)
            walls = walls * on_lattice(walls, *lattice)
        grid = cv2.dilate(rules, np.ones((5, 1), np.uint8)) | cv2.dilate(walls, np.ones((1, 5), np.uint8))
        if out is binary:
            out = binary.copy()
        cells = box & (1 - grid)
        if lattice is not None:  # and what is left of a wall where one belongs goes too
            cells = cells * (1 - on_lattice(cells, *lattice, slivers=True))
        out[b.y : b.y + b.h, b.x : b.x + b.w] = cells
    return out


def wall_lattice(walls: np.ndarray, rules: np.ndarray) -> tuple[float, float, float] | None:
    """Where the walls of a row of equal cells stand: (origin, step, tolerance) in px of the row, from the
    vertical runs an opening found (``walls``, uint8 0/1) that are as thin as the printed rules; or None
    when fewer than three are. A digit's stem touching a rule is such a run too, off the lattice
    (fit_lattice, within a rule's width + 2 px)."""
    used = rules.sum(axis=0)
    if not (used > 0).any():
        return None
    thick = max(1.0, float(np.median(used[used > 0])) / 2)  # two rules, top and bottom, in each column
    columns = np.asarray(walls.any(axis=0), np.uint8).reshape(1, -1)
    _, _, spans = label(columns)
    centres = sorted(x + w / 2 for x, _, w, _, _ in spans[1:] if w <= 2 * thick + 2)
    if len(centres) < 3:
        return None
    tolerance = thick + 2
    fitted = fit_lattice(centres, tolerance, 4 * tolerance)
    return None if fitted is None else (*fitted, tolerance)


def on_grid(x: float, origin: float, step: float, tolerance: float) -> bool:
    """Is ``x`` within ``tolerance`` of a place origin + k * step (px)?"""
    offset = (x - origin) / step
    return abs(offset - round(offset)) * step <= tolerance


def fit_lattice(centres: list[float], tolerance: float, min_step: float, least: int = 3) -> tuple[float, float] | None:
    """The equal steps that strokes stand at (a form's walls or ticks): (origin, step) in px, from the pair
    of ``centres`` (px, sorted) that puts the most of them within ``tolerance`` of a place origin + k * step,
    less the places between the outermost ones that hold none (a step that fits by chance leaves many empty),
    the longer step on a tie; None when no lattice holds ``least`` or more. A digit's stroke among them is
    off the lattice."""

    def score(origin: float, step: float) -> tuple[int, int]:
        on = [c for c in centres if on_grid(c, origin, step, tolerance)]
        if len(on) < least:
            return (-1, 0)
        places = round((on[-1] - on[0]) / step) + 1
        return (len(on) - (places - len(on)), len(on))

    pairs = [(a, b - a) for i, a in enumerate(centres) for b in centres[i + 1 :] if b - a >= min_step]
    if not pairs:
        return None
    origin, step = max(pairs, key=lambda p: (score(*p), p[1]))
    return (origin, step) if score(origin, step)[1] >= least else None


def on_lattice(binary: np.ndarray, origin: float, step: float, tolerance: float, slivers: bool = False) -> np.ndarray:
    """The components of ``binary`` (uint8 0/1) centred within ``tolerance`` px of a wall's place (origin +
    k * step): a uint8 0/1 mask. With ``slivers``, only thin upright pieces at least 0.15 of the row
    tall (at most 1.5 tolerances wide, or a fifth of their height): what a leaning wall leaves beside a digit
    that touches it, read as a '1' otherwise; a digit is written in the middle of its cell."""
    count, labels, stats = label(binary)
    keep = np.zeros(count, bool)
    for i in range(1, count):
        x, _, w, h, _ = (int(v) for v in stats[i])
        near = on_grid(x + w / 2, origin, step, tolerance)
        thin = (w <= 1.5 * tolerance or w <= 0.2 * h) and h >= 0.15 * binary.shape[0]
        keep[i] = near and (thin or not slivers)
    return keep[labels].astype(np.uint8)


def erase_comb_ticks(
    kept: np.ndarray, removed: np.ndarray, height: float, config: DetectConfig = DEFAULT
) -> np.ndarray:
    """A comb field's ticks and end walls, once its rule is erased: the thin strokes standing on the erased
    rule (uint8 0/1 ``removed``) at equal steps, erased from ``kept`` (uint8 0/1) from the rule up as far as
    they run. A tick a digit touches is joined to it, and drop_form_ticks cannot drop the blob; a '1' written
    on the rule stands off the ticks' lattice and stays. The lattice is fitted on the ticks that stand free
    (``config.comb_ticks`` or more), so digits written evenly on an underline, their stems on it, are no comb. ``kept``
    itself when there is no such lattice."""
    if not height or not removed.any():
        return kept
    h, w = kept.shape
    has = removed.any(axis=0)
    top = np.where(has, removed.argmax(axis=0), -1)  # the rule's top edge in each column
    runs = np.zeros(w, np.int32)
    for col in np.flatnonzero(has):
        column = kept[max(0, top[col] - int(1.3 * height)) : max(0, top[col] - 1), col][::-1]  # up from the rule
        start = int(np.argmax(column[:4])) if column[:4].any() else -1  # the foot, past the erased edge
        if start < 0:
            continue
        gaps = np.flatnonzero(column[start:] == 0)
        runs[col] = start + (int(gaps[0]) if gaps.size else column.size - start)
    standing = (runs >= 0.15 * height).astype(np.uint8).reshape(1, -1)
    _, _, spans = label(standing)
    thin = [(int(x), int(sw)) for x, _, sw, _, _ in spans[1:] if sw <= max(3, 0.12 * height)]
    # The lattice is fitted on the ticks that stand free (their own blob, no wider than the tick): a digit's
    # stem standing on an underline is part of a wider blob, and digits written evenly put stems on a lattice.
    _, labels, stats = label(kept)
    free = []
    for x, sw in thin:
        c = x + sw // 2
        foot = top[c] - 2 - int(np.argmax(kept[: max(0, top[c] - 1), c][::-1][:4]))
        blob = labels[max(0, foot), c]
        if blob and stats[blob, cv2.CC_STAT_WIDTH] <= sw + 2:
            free.append(x + sw / 2)
    if len(free) < config.comb_ticks:
        return kept
    tolerance = float(np.median([sw for _, sw in thin])) / 2 + 2
    fitted = fit_lattice(free, tolerance, 0.5 * height, least=config.comb_ticks)
    if fitted is None:
        return kept
    out = kept.copy()
    for x, sw in thin:
        if on_grid(x + sw / 2, *fitted, tolerance):
            for c in range(max(0, x - 1), min(w, x + sw + 1)):
                if runs[c]:
                    out[max(0, top[c] - 1 - runs[c] - 4) : top[c], c] = 0
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
    thin vertical strokes that stood on the rule, either short (a tick, under 0.6 of a digit), taller than a
    digit (a wall), or ruler-straight (at most 1/20 as wide as tall: issue 10's comb field photo 2 had a 3 x 116
    px end wall beside digits whose typical height came out at 104). A '1' written on the line is as tall as the
    other digits, and its pen stroke wider than 1/20 of it, and it stays."""
    if not removed.any() or not blobs or not height:
        return blobs
    k = max(5, round(0.15 * height)) | 1  # the rule's fuzzy edge and the tick's blurred foot
    near = cv2.dilate(removed, np.ones((k, k), np.uint8)).astype(bool)
    touching = np.bincount(labels[near], minlength=labels.max() + 1) > 0
    ends = rule_ends(removed, height)

    def is_tick(b: Blob) -> bool:
        solid = b.area >= 0.7 * b.w * b.h or (b.w <= 3 and b.area >= 0.9 * b.h)  # (a faint 1-2 px wall breaks up)
        straight = b.w <= 0.2 * height and b.w <= 0.5 * b.h and solid
        ruled = b.w <= 0.05 * b.h  # as thin and upright as a printed line, whatever its height
        at_end = bool(np.any(np.abs(ends - (b.x + b.w / 2)) <= b.w / 2 + 2))
        form_like = b.h <= 0.6 * height or b.h >= 1.15 * height or ruled or at_end  # a tick's height, a wall's
        return touching[b.labels[0]] and straight and form_like

    return [b for b in blobs if not is_tick(b)]


def rule_ends(removed: np.ndarray, height: float) -> np.ndarray:
    """The x of both ends of each erased horizontal rule (float64 [2 * rules], px): ``removed`` (uint8 0/1) the
    erased form lines; a rule is a run of them wider than two digit heights and four times its own height. A
    thin straight stroke standing on such an end is the end wall of a comb field or of a row of boxes
    (drop_form_ticks): a wall no taller than the digits, issue 10's comb fields read '28761' for '2876'."""
    _, _, stats = label(removed)
    x, w, h = stats[1:, cv2.CC_STAT_LEFT], stats[1:, cv2.CC_STAT_WIDTH], stats[1:, cv2.CC_STAT_HEIGHT]
    rule = (w > 2 * height) & (w > 4 * h)
    return np.concatenate([x[rule], x[rule] + w[rule] - 1]).astype(np.float64)


def is_rule(b: Blob, height: float, shape: tuple[int, ...]) -> bool:
    """A leftover rule or border: line-like and longer than a digit (or than half the image)."""
    if not is_line_like(b):
        return False
    longest = max(b.w, b.h)
    if height:
        return longest > 1.8 * height
    return b.w > 4 * b.h and b.w > 0.5 * shape[1]
