"""Ink map -> the blobs that are writing, and the text lines they form. NumPy and OpenCV only.

    boxes, masks, line_of = segment(ink)                            # digit-like blobs, each read alone
    boxes, masks, line_of, text_lines = segment_lines(ink, scale)   # every blob of writing, and its lines

The stages, in ``candidates`` and then in ``segment`` / ``segment_lines``:

    hysteresis                                   binarization: strong seeds, grown over weak ink
    components                                   connected components minus specks (blobs.py)
    erase_grids -> erase_boxes                   rows of joined boxes, and single printed boxes, erased (rules.py)
    digit_height -> remove_rules                 form lines erased, with their remnants and ticks (rules.py), on
                                                 a levelled copy when the rules are askew (erase_form_lines)
    pen_level -> lying_strokes                   the pen lying along a faint rule given back (rules.py)
    merge_broken_strokes -> attach_fragments     the pieces of one digit joined
    keep_digit_like / keep_writing               what is not a digit (or not writing) dropped
    reading_order                                lines top to bottom, left to right (order.py)
    deskew -> fit_line                           each text line levelled and fitted for the line model

Sizes are judged against the typical digit height (blobs.typical_height), in the ink map's pixels.
"""

from __future__ import annotations

from typing import NamedTuple

import cv2
import numpy as np

from .barcodes import drop_barcodes
from .blobs import (
    Blob,
    Box,
    blob_mask,
    box_intersection,
    box_slices,
    components,
    is_frame,
    is_line_like,
    label,
    mark_writing,
    not_digit_like,
    pad_box,
    spans_frame,
    strokes_tall,
    typical_height,
    union,
)
from .config import DEFAULT, DetectConfig
from .focus import out_of_focus
from .ink import strongest_ink
from .lines import TextLine, fit_line
from .order import reading_order
from .page import across_edge, along_edge
from .rules import (
    Levelling,
    digit_height,
    drop_form_ticks,
    drop_grid_debris,
    drop_pen_ends,
    drop_rule_remnants,
    drop_rule_slivers,
    erase_boxes,
    erase_comb_ticks,
    erase_grids,
    grid_bands,
    is_rule,
    lying_strokes,
    page_lines,
    pen_blobs,
    pen_level,
    remove_rules,
    rule_height,
    rule_slope,
)


def segment(
    ink: np.ndarray, config: DetectConfig = DEFAULT, sheet: np.ndarray | None = None, noisy: bool = False
) -> tuple[list[Box], list[np.ndarray], list[int]]:
    """Ink map -> (boxes, masks, line index) in reading order, in the ink map's pixels (no line model).

    Each mask is a uint8 array of its box's shape: 1 where the pixels belong to that digit. ``sheet``: bool,
    the ink map's shape: the sheet's own pixels (page.isolate; None: all), whose edge no writing crosses.
    ``noisy``: the map is a noisy image's (ink.InkMap.noisy): no lighter digit is looked for (lighter_digits).
    """
    blobs, labels, _, _ = candidates(ink, config, sheet=sheet, lighter=not noisy)
    blobs = keep_digit_like(blobs, ink.shape, config)
    order, lines = reading_order([(b.x, b.y, b.w, b.h) for b in blobs], config)
    blobs = [blobs[i] for i in order]
    boxes, masks = [], []
    for b in blobs:
        box = pad_box((b.x, b.y, b.w, b.h), ink.shape)
        boxes.append(box)
        masks.append(blob_mask(labels, b, box, config))
    return boxes, masks, lines


def segment_lines(
    ink: np.ndarray,
    scale: tuple[float, float] = (1.0, 1.0),
    config: DetectConfig = DEFAULT,
    faint: bool = False,
    sheet: np.ndarray | None = None,
) -> tuple[list[Box], list[np.ndarray], list[int], list[TextLine]]:
    """Ink map -> (boxes, masks, line index of each box, text lines), in reading order, in the ink map's
    pixels: every blob that may be writing — digits, touching digits, separators, letters — grouped into
    text lines, each cut out (its own blobs only) and fitted for the line model. ``scale``: input-image
    pixels per ink-map pixel (x, y), recorded in each TextLine. ``faint``: the map is a noisy image's
    (ink.InkMap.noisy): each line also takes the faint ink joined to its strokes (with_faint_strokes).
    ``sheet``: as in ``segment``."""
    blobs, labels, _, ink = candidates(ink, config, faint, sheet)
    blobs = keep_writing(blobs, ink.shape, config)
    order, line_of = reading_order([(b.x, b.y, b.w, b.h) for b in blobs], config)
    blobs = [blobs[i] for i in order]
    # when no blob could be a digit by its shape alone (a straight upright '1' has a rule's: blobs.is_line_like),
    # the tallest sets the height: the page's side did, and the line was dropped as specks
    height = typical_height(blobs, ink.shape, config) or max((b.h for b in blobs), default=0) or max(ink.shape)
    groups: dict[int, list[int]] = {}
    for i, n in enumerate(line_of):
        groups.setdefault(n, []).append(i)
    # A line of specks alone (dots, noise) holds no digit: drop it before anyone reads it. A line of one dash is
    # kept (is_dash): on a page turned a quarter, a '1' lies flat between the digits of the column
    # (recognize.sideways needs it to see the column whole), and upright, the line model reads a dash as '-'.
    kept = [
        members
        for _, members in sorted(groups.items())
        if any(blobs[i].h >= config.fragment_height * height or is_dash(blobs[i], height, config) for i in members)
    ]
    blobs = [blobs[i] for members in kept for i in members]
    line_of = [n for n, members in enumerate(kept) for _ in members]
    boxes, masks = [], []
    for b in blobs:
        box = pad_box((b.x, b.y, b.w, b.h), ink.shape)
        boxes.append(box)
        masks.append(blob_mask(labels, b, box, config))
    text_lines, start = [], 0
    for row, members in enumerate(kept):
        row_indices = list(range(start, start + len(members)))
        start += len(members)
        row_blobs = [blobs[i] for i in row_indices]
        runs = word_runs(row_blobs, height, config)
        own_scale = False  # a row of words not cut into runs may still hold runs of unlike sizes
        if len(runs) == 1:
            runs = unlike_runs(row_blobs, height, config)
            own_scale = len(runs) > 1
        cut = len(runs) > 1  # then each run keeps the row's number, and is read at the row's scale or its own
        tallest = max(blobs[i].h for i in row_indices) if cut and not own_scale else 0
        run_row = row if cut else None
        for run in runs:
            indices = [row_indices[i] for i in run]
            line = union([blobs[i] for i in indices])
            x, y, w, h = pad_box((line.x, line.y, line.w, line.h), ink.shape, pad=max(2, round(0.08 * line.h)))
            own = blob_mask(labels, line, (x, y, w, h), config)
            mask, top = own, 0
            shares: tuple[float, ...] = ()
            if faint:
                mask = with_faint_strokes(ink[y : y + h, x : x + w], own, config)
                shares = own_ink_shares(ink, mask, (x, y), [boxes[i] for i in indices], [masks[i] for i in indices])
            crop = ink[y : y + h, x : x + w] * mask
            line_blobs = [blobs[i] for i in indices]
            level, unrotate = deskew(crop, line_blobs, (x, y), config)
            if faint:  # the faint ink no taller than the blobs' own, levelled the same way
                strong_level = deskew(ink[y : y + h, x : x + w] * own, line_blobs, (x, y), config)[0]
                level, top = within_strong_rows(level, strong_level, config)
            fitted = fit_line(level, tallest)
            if top:
                fitted = fitted._replace(top=fitted.top + top)
            text_lines.append(
                TextLine(
                    fitted,
                    crop,
                    (x, y),
                    scale,
                    indices,
                    unrotate=unrotate,
                    row=run_row,
                    own_share=shares,
                )
            )
    return boxes, masks, line_of, text_lines


def gap_runs(blobs: list[Blob], height: float, config: DetectConfig = DEFAULT) -> list[list[int]]:
    """A text line's blobs, left to right -> runs of them (lists of indices into ``blobs``), cut where a blob starts
    more than ``config.word_gap`` digit heights (``height``, px) right of every blob before it (the rightmost ink so
    far: a wide blob's overhang is no gap). One run for a line without such a gap."""
    runs: list[list[int]] = []
    right = -np.inf
    for i, b in enumerate(blobs):
        if not runs or b.x - right > config.word_gap * height:
            runs.append([])
        runs[-1].append(i)
        right = max(right, b.x + b.w)
    return runs


def word_runs(blobs: list[Blob], height: float, config: DetectConfig = DEFAULT) -> list[list[int]]:
    """A text line's blobs, left to right -> runs of them (lists of indices into ``blobs``), cut where a blob
    starts more than ``config.word_gap`` digit heights (``height``, px) right of every blob before it: the
    words of the line, as an OCR engine cuts a line at its spaces (Smith 2007, "An Overview of the Tesseract OCR
    Engine", section 3.4, proportional word finding). One run for a line without such a gap.

    The line model reads each run on its own, scaled as the row's tallest blob is (lines.fit_line's
    ``min_height``: a short word stays short beside the row's capitals): digits written far apart, of unlike
    sizes or baselines, are no longer one long, sparse line, a shape it never saw in training
    (DetectConfig.word_gap). A run of specks alone (shorter than ``config.fragment_height`` of ``height``: an i's
    dot, a full stop far from its word) joins the run before it, or after it when it comes first. A row with a run
    of more than ``config.word_run_blobs`` blobs (specks aside) is not cut: it is words, whose letters read as
    digits at their own scale ('sum' read '547'), and the whole row's context tells them from digits."""
    runs = gap_runs(blobs, height, config)

    # a run of specks alone (an i's dot, a full stop far from its word) is no run: it joins its neighbour
    def specks(run: list[int]) -> bool:
        return all(blobs[i].h < config.fragment_height * height for i in run)

    merged: list[list[int]] = []
    for run in runs:
        if merged and (specks(run) or specks(merged[-1])):
            merged[-1] += run
        else:
            merged.append(run)
    # words: runs of three letters or more; only a row of lone digits (or pairs) is cut
    if any(sum(blobs[i].h >= config.fragment_height * height for i in run) > config.word_run_blobs for run in merged):
        return [list(range(len(blobs)))]
    return merged


def unlike_runs(blobs: list[Blob], height: float, config: DetectConfig = DEFAULT) -> list[list[int]]:
    """A text line's blobs, left to right -> its runs of unlike sizes, each to be read at its own scale; or one
    run, the whole line, read as before. The line is cut where a blob starts more than ``config.word_gap`` digit
    heights (``height``, px) right of every blob before it (gap_runs); a run of fewer than
    ``config.unlike_run_blobs`` blobs that are no specks (a word's piece, an answer written apart from its
    question) joins its nearer neighbour, across the narrower gap. The runs left are kept when one's tallest blob
    is under ``config.unlike_runs`` of the row's tallest.

    A worksheet's row: a printed question and a small handwritten answer beside another question and a big
    answer. A line's text is scaled to its tallest ink: read as one line, the small answer was a third of the
    line model's digit height and read as a word. A short run read at its own scale is not kept apart: a printed
    word's end cut off at a wide gap read its letters as digits."""
    runs = gap_runs(blobs, height, config)

    def short(run: list[int]) -> bool:
        return sum(blobs[i].h >= config.fragment_height * height for i in run) < config.unlike_run_blobs

    def gap(left: list[int], right: list[int]) -> float:
        return blobs[right[0]].x - max(blobs[i].x + blobs[i].w for i in left)

    while len(runs) > 1 and any(short(run) for run in runs):
        k = next(k for k, run in enumerate(runs) if short(run))
        leftwards = k == len(runs) - 1 or (k > 0 and gap(runs[k - 1], runs[k]) <= gap(runs[k], runs[k + 1]))
        first = k - 1 if leftwards else k  # the short run and its nearer neighbour become one
        runs[first : first + 2] = [runs[first] + runs[first + 1]]
    tallest = [max(blobs[i].h for i in run) for run in runs]
    if len(runs) > 1 and min(tallest) < config.unlike_runs * max(tallest):
        return runs
    return [list(range(len(blobs)))]


def is_dash(blob: Blob, height: float, config: DetectConfig = DEFAULT) -> bool:
    """Is ``blob`` a flat stroke nearly as long as a digit is tall: at least ``config.dash_length`` of the typical
    digit ``height`` (px) long, and ``config.dash_flat`` times as long as it is thick? (A '1' on a page turned
    a quarter, a dash; not a dot or an i's tittle.)"""
    return blob.w >= config.dash_length * height and blob.w >= config.dash_flat * blob.h


class Candidates(NamedTuple):
    blobs: list[Blob]  # the blobs that may be writing
    labels: np.ndarray  # int32 [H, W]: the label image they refer to
    height: float  # the typical digit height in px, 0 when unknown
    ink: np.ndarray  # float32 [H, W]: the ink map with the erased form lines (and their faint rims) at 0


def candidates(
    ink: np.ndarray,
    config: DetectConfig = DEFAULT,
    faint: bool = False,
    sheet: np.ndarray | None = None,
    *,
    rescale: bool = True,
    lighter: bool = True,
) -> Candidates:
    """Ink map (float32 [H, W]) -> the blobs that may be writing: binarization, connected components, big
    out-of-focus ones dropped (focus.out_of_focus: a hand held up nearer the camera), rules erased, what lies
    across the edge of the ``sheet`` (bool [H, W], None: no sheet) dropped, broken strokes joined (see
    Candidates). When only rules are found, the map is rescaled once by the ink beside them and read again
    (``beside_rules``; ``rescale=False``: not), and the Candidates carry the rescaled map. On a clean map
    (``faint`` False) a digit written lighter than its neighbours is kept too (lighter_digits), unless the page is
    squared (rules.grid_bands) or ``lighter`` is False (a noisy map read without its faint stages)."""
    binary, labels, stats, strong = hysteresis(ink, config)
    if faint:  # a faint digit whose strokes never reach the strong level, beside one that does
        strong = beside_strong(stats, strong, config)
        binary = strong[labels].view(np.uint8)
        fainter = with_faint_digits(ink, binary, config)
        if fainter is not None:
            binary = fainter
        bridged = with_bridges(ink, binary, config)  # the pieces of a digit that faint ink joins: one blob
        if bridged is not None:
            binary = bridged
        if fainter is not None or bridged is not None:
            _, labels, stats = label(binary)
            strong = np.ones(len(stats), bool)
            strong[0] = False
    elif lighter and (kept := lighter_digits(stats, strong, config)) is not None and not faint_grid(labels, config):
        strong = kept  # a clean map's lighter digit (not on a squared page, whose faint grid's pieces pass for them)
        binary = strong[labels].view(np.uint8)
    blurred = out_of_focus(ink, labels, stats, strong, config)  # a hand nearer the camera than the page
    if blurred.any():
        strong = strong & ~blurred
        binary = strong[labels].view(np.uint8)
    blobs = mark_writing(components(stats, strong, config), labels, config)
    # only underlines, one or two strokes thick: fainter writing may lie beside them
    if rescale and blobs and all(is_underline(b, labels, ink.shape, config) for b in blobs):
        rescaled = beside_rules(ink, blobs, config)
        if rescaled is not None:
            return candidates(rescaled, config, faint, sheet, rescale=False, lighter=lighter)
    gridless = erase_boxes(erase_grids(binary, blobs, config), blobs, labels, config)
    if gridless is not binary:  # printed boxes were erased around their digits: label what is left
        ink = without_erased(ink, binary, gridless)
        binary = gridless
        count, labels, stats = label(binary)
        blobs = mark_writing(components(stats, config=config), labels, config)
    height, kept, slope = erase_form_lines(binary, labels, stats, blobs, config)
    removed = binary & (1 - kept) if kept is not binary else None  # the form lines erased
    level = None
    if removed is not None:  # rules were erased: the pen lying along them given back, and what is left labelled
        level = pen_level(ink, removed, kept, height, config)  # (None unless the rules are faint beside the pen)
        if level is not None:
            kept = lying_strokes(ink, removed, kept, level, height, config)
            removed = binary & (1 - kept)
        _, labels, stats = label(kept)
        blobs = mark_writing(components(stats, config=config), labels, config)
        slivers = {b.labels[0] for b in blobs} - {b.labels[0] for b in drop_rule_remnants(blobs, labels, removed)}
        if level is not None:  # pen is writing, however much of it lies along a rule
            slivers -= pen_blobs(blobs, labels, ink, level)
        blobs = [b for b in blobs if b.labels[0] not in slivers]
    blobs = drop_barcodes(blobs, config)  # before the digits' height: a barcode's bars are many and tall
    height = typical_height(blobs, ink.shape, config) or height
    if removed is not None:
        blobs = drop_form_ticks(blobs, labels, removed, height, slope, config)
        blobs = drop_rule_slivers(blobs, labels, removed, height, config)
        blobs = drop_pen_ends(blobs, labels, removed, height, config)
        height = typical_height(blobs, ink.shape, config) or height
    blobs = [
        b for b in blobs if not is_rule(b, height, ink.shape, config) and not page_lines(b, labels, ink.shape, config)
    ]
    blobs = drop_grid_debris(blobs, labels, binary, config)
    if sheet is not None and height and min(ink.shape) >= config.pen_min_side:  # a pen lying across the sheet's edge
        crossing = across_edge(labels, sheet)
        blobs = [b for b in blobs if crossing[list(b.labels)].max() < config.pen_width * height]
    if sheet is not None and blobs:  # the sheet's own rim, a thin line along its edge
        near = along_edge(labels, sheet, config.rim_px)
        blobs = [b for b in blobs if near[list(b.labels)].sum() < config.rim_share * b.area]
    blobs = merge_broken_strokes(blobs, height or max(ink.shape), config)
    blobs = attach_fragments(blobs, height or max(ink.shape), config)
    return Candidates(blobs, labels, height, ink)


def erase_form_lines(
    binary: np.ndarray, labels: np.ndarray, stats: np.ndarray, blobs: list[Blob], config: DetectConfig = DEFAULT
) -> tuple[float, np.ndarray, float]:
    """(A first digit height in px, ``binary`` without its rules and a comb's ticks: ``binary`` itself when it
    has none, the rules' slope in rows per column: 0.0 when level). ``labels``, ``stats``: ``binary``'s
    connected components; ``blobs``: the blobs made of them. Where
    the rules are askew (rules.rule_slope, on a wide rule or a margin line: a form photographed a few degrees off
    level), all of it is done
    on a levelled copy (rules.Levelling) and the result taken back: the opening that finds a rule needs a level
    run of ink as long as the rule, and a comb photographed 3 degrees askew read its ticks as 1s."""
    slope = rule_slope(labels, stats, config)
    levelling = Levelling.of(binary.shape, slope) if slope else None
    work = binary if levelling is None else levelling.level(binary)
    if levelling is not None:  # the blobs of the levelled copy
        _, work_labels, work_stats = label(work)
        blobs = mark_writing(components(work_stats, config=config), work_labels, config)
    height = digit_height(work, blobs, config)
    kept = remove_rules(
        work, rule_height(blobs, work.shape, height, config, work), config, config.rule_wobble if slope else 0
    )
    if kept is not work:  # a comb field's ticks stand on its erased rule
        kept = erase_comb_ticks(kept, work & (1 - kept), height, config)
    if kept is work:
        return height, binary, slope
    return height, kept if levelling is None else levelling.unlevel(kept), slope


# The ink map is scaled by its strongest ink (ink.find_ink). A printed rule far darker than the writing beside it
# (a black underline under a pencil or a faint ballpoint number) sets that scale, and the writing falls under the
# weak level: only the rule was found, and the line read as nothing (benchmarks/accuracy.py, 300 lines of each
# kind: 5 such lines). The writing beside the rules stands at 0.08-0.4 of their strength there; on blank paper
# under a rule, the noise left by the ink map stands below 0.01. Not when a rule crosses the image (lined paper:
# its other, fainter rules were made strong, and '042985' written on a rule read '08'). The thresholds:
# DetectConfig's ruled_writing, rule_margin, rule_strokes.


def is_underline(b: Blob, labels: np.ndarray, shape: tuple[int, ...], config: DetectConfig = DEFAULT) -> bool:
    """A rule of beside_rules: line-like, at most ``config.rule_strokes`` stroke widths thick, and not crossing
    the image (``shape``; a ruled page's lines do). ``labels``: int32 [H, W], the labelling ``b`` comes from."""
    return is_line_like(b) and not spans_frame(b, shape, config) and strokes_tall(b, labels) <= config.rule_strokes


def beside_rules(ink: np.ndarray, rules: list[Blob], config: DetectConfig = DEFAULT) -> np.ndarray | None:
    """When an ink map (float32 [H, W], 0-1) holds only ``rules`` (line-like blobs) and ink of at least
    ``config.ruled_writing`` lies away from them (``rule_margin`` px round their boxes): the map rescaled so that
    this ink is full strength (float32 [H, W], 0-1, a new array); else None."""
    away = np.ones(ink.shape, bool)
    margin = config.rule_margin
    for b in rules:
        away[max(b.y - margin, 0) : b.y + b.h + margin, max(b.x - margin, 0) : b.x + b.w + margin] = False
    strongest = strongest_ink(np.where(away, ink, np.float32(0)))
    if strongest < config.ruled_writing:
        return None
    return np.minimum(ink * np.float32(1.0 / strongest), np.float32(1.0))


def without_erased(ink: np.ndarray, binary: np.ndarray, kept: np.ndarray) -> np.ndarray:
    """The ink map (float32 [H, W]) with the form lines that were erased from ``binary`` (uint8 0/1) to give
    ``kept`` set to 0, and the faint rim one pixel round them; the strokes kept stay whole. ``ink`` itself when
    nothing was erased.

    Used for the walls of rows of boxes (rules.erase_grids). A blob's mask is grown to take in its own faint
    rim (blobs.blob_mask), by 6 % of its box's longer side: a text line's is as wide as the line, and took
    back the walls of the boxes its digits were written in. Issue 10's form boxes (train.scenes, 100 photos):
    0.88 -> 0.96 exact, and 0.86 -> 0.89 on another seed; every other kind unchanged. Not for ruled lines
    (rules.remove_rules): the grown mask gives back the foot of a digit standing on the rule, and comb fields
    went 0.83 -> 0.78 without it."""
    if kept is binary:
        return ink
    erased = cv2.dilate(binary & (1 - kept), np.ones((3, 3), np.uint8)) & (1 - kept)
    return ink * (1 - erased)


def beside_strong(
    stats: np.ndarray,
    strong: np.ndarray,
    config: DetectConfig = DEFAULT,
    eligible: np.ndarray | None = None,
    chain: bool = True,
    height: float | None = None,
) -> np.ndarray:
    """Hysteresis continued at the level of components (a noisy map's; on a clean map, lighter_digits'):
    ``strong`` (bool per label of the weak components, ``stats`` their int32 [count, 5] x, y, w, h, area) with
    the weak components kept too that stand beside a kept one, in its line, like a digit. A copy; ``strong``
    itself has label 0 (background) False.

    A weak component is a digit beside a kept one when it is 0.5-1.6 times the kept digits' median height,
    at most 2 heights wide, fills at most 60 % of its box (strokes, not a blotch of the paper), shares at least
    half its height with a kept component of at least half that median height, and the gap between them is
    at most ``faint_beside_gap`` heights. Repeated until no more join, so a row of faint digits joins one by
    one. Issue 10's faint pencil: a digit fainter than its neighbours (uneven pressure) was lost ('021' read
    '02', '73722' read '22', '2885' in a dark frame read '285': seed 1's photos, read right with it)."""
    strong = strong.copy()
    x, y, w, h, area = (stats[:, i].astype(np.float64) for i in range(5))
    if height is None:
        seeds = h[1:][strong[1:] & (h[1:] >= config.min_height)]
        if seeds.size == 0:
            return strong
        height = float(np.median(seeds))
    fill = area / np.maximum(w * h, 1.0)
    like_digit = (h >= 0.5 * height) & (h <= 1.6 * height) & (w <= 2.0 * height) & (fill <= 0.6)
    waiting = np.flatnonzero(~strong & like_digit & (True if eligible is None else eligible))
    waiting = waiting[waiting > 0]
    while waiting.size:  # one round per step along the line: [waiting, kept] pairs at once
        kept = np.flatnonzero(strong)
        kept = kept[h[kept] >= 0.5 * height]
        c, k = waiting[:, None], kept[None, :]
        overlap = np.minimum(y[c] + h[c], y[k] + h[k]) - np.maximum(y[c], y[k])
        gap = np.maximum(x[c], x[k]) - np.minimum(x[c] + w[c], x[k] + w[k])
        beside = (overlap >= 0.5 * np.minimum(h[c], h[k])) & (gap <= config.faint_beside_gap * np.maximum(h[c], h[k]))
        joined = beside.any(axis=1)
        if not joined.any():
            break
        strong[waiting[joined]] = True
        waiting = waiting[~joined]
        if not chain:
            break
    return strong


def lighter_digits(stats: np.ndarray, strong: np.ndarray, config: DetectConfig = DEFAULT) -> np.ndarray | None:
    """On a clean map: ``strong`` (bool per label of the weak components, background's label 0 included and
    False; ``stats`` int32 [count, 5] x, y, w, h, area, as hysteresis returns them) with the weak components kept
    too that are a lighter digit beside kept ones; None when none is, or when ``lighter_max_height`` is 0. A copy.
    A weak component is one when its height is at most ``lighter_max_height`` times the kept components' median
    height (of those at least ``min_height`` tall), its width at least ``lighter_min_width`` times it, at least
    ``lighter_min_fill`` of its box is inked, and beside_strong keeps it (0.5-1.6 heights tall, at most 2 wide,
    at most 0.6 of its box inked, beside a kept digit in its line, at most ``faint_beside_gap`` heights away; in
    turn along the line).

    A digit written with less pressure than its neighbours reaches the weak level but not the strong one, and
    hysteresis dropped it whole: of benchmarks/accuracy.py's lines (seeds 0-1, 300 of each kind), a touching
    string '856246' read '86246', a separator line '8804522' read '880452', '372/654' lost its faint '4'. An
    upright '1' written lighter stays lost: it fills more of its box than beside_strong lets a weak component
    fill (a slanted one does not)."""
    if config.lighter_max_height <= 0 or len(stats) <= 2 or strong[1:].all():
        return None
    w, h, area = (stats[:, i].astype(np.float64) for i in (cv2.CC_STAT_WIDTH, cv2.CC_STAT_HEIGHT, cv2.CC_STAT_AREA))
    seeds = h[1:][strong[1:] & (h[1:] >= config.min_height)]
    if seeds.size == 0:
        return None
    height = float(np.median(seeds))
    eligible = (
        (h <= config.lighter_max_height * height)
        & (w >= config.lighter_min_width * height)
        & (area >= config.lighter_min_fill * w * h)
    )
    joined = beside_strong(stats, strong, config, eligible=eligible, height=height)
    return joined if (joined != strong).any() else None


def faint_grid(labels: np.ndarray, config: DetectConfig = DEFAULT) -> bool:
    """Does the weak ink (``labels``: hysteresis' int32 [H, W] labels of the weak components, 0 background) hold a
    grid of squared paper (rules.grid_bands)? Its faint lines pass the weak level but seldom the strong one."""
    return grid_bands((labels > 0).view(np.uint8), config) is not None


def with_faint_digits(ink: np.ndarray, binary: np.ndarray, config: DetectConfig = DEFAULT) -> np.ndarray | None:
    """``binary`` (uint8 0/1, the kept components of a noisy map's hysteresis) with the digits added that are
    fainter still: components of the ink at least ``faint_low_weak`` strong that reach ``faint_low_strong``, hold no
    kept ink, and stand beside a kept digit in its line like a digit (beside_strong's test, at these levels). None
    when none is added. Faint pencil's uneven pressure leaves a digit or two of a number at a third of the others'
    strength: beside_strong's levels lose them ('5205' read '0')."""
    low = (ink > config.faint_low_weak).view(np.uint8)
    count, labels, stats = label(low)
    if count <= 2:
        return None
    kept = np.zeros(count, bool)
    kept[labels[binary > 0]] = True
    kept[0] = False
    seeded = np.zeros(count, bool)
    seeded[labels[ink > config.faint_low_strong]] = True
    tall = stats[kept, cv2.CC_STAT_HEIGHT]
    if tall.size == 0 or tall.max() < config.min_height:
        return None
    height = float(np.median(tall[tall >= 0.5 * tall.max()]))  # the digits' (not a textured paper's specks)
    joined = beside_strong(stats, kept, config, eligible=seeded, chain=False, height=height)
    added = joined & ~kept
    if not added.any():
        return None
    return binary | added[labels].view(np.uint8)


def with_bridges(ink: np.ndarray, binary: np.ndarray, config: DetectConfig = DEFAULT) -> np.ndarray | None:
    """``binary`` (uint8 0/1 [H, W], the kept components of a noisy map; ``ink`` float32 [H, W]) with the fainter
    ink added that joins pieces of one digit: each 8-connected component of the ink at least ``faint_bridge``
    strong (with ``binary``) that holds 2 to ``bridge_max_pieces`` kept components, and is no longer on its longer
    side than ``bridge_max_side`` of the map's shorter side. None when none is added, or on a squared page
    (rules.grid_bands), whose faint grid joins its own pieces into crosses that read as digits.

    Faint pencil's uneven pressure leaves a stretch of a stroke under the weak level: the digit falls into pieces
    that are read apart, or on text lines of their own ('87035' read '25' over '870', '765' read '71' over '165',
    a '3' whose top arc was lost read '2')."""
    low = (ink >= config.faint_bridge).view(np.uint8) | binary
    count, low_labels, stats = label(low)
    own_count, own = cv2.connectedComponents(binary, connectivity=8)
    inked = binary > 0
    pairs = np.unique(low_labels[inked].astype(np.int64) * own_count + own[inked])  # (low, own) pairs, each once
    pieces = np.bincount(pairs // own_count, minlength=count)
    side = np.maximum(stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT])
    bridge = (pieces >= 2) & (pieces <= config.bridge_max_pieces) & (side <= config.bridge_max_side * min(ink.shape))
    bridge[0] = False
    if not bridge.any() or grid_bands(binary, config) is not None:
        return None
    return binary | bridge[low_labels].view(np.uint8)


def with_faint_strokes(ink: np.ndarray, mask: np.ndarray, config: DetectConfig = DEFAULT) -> np.ndarray:
    """A text line's mask (uint8 0/1, the shape of ``ink``, its box's float32 ink map) grown over the ink at
    least ``faint_weak`` strong that is connected to it (8-connected): hysteresis continued from the line's
    strokes down to a lower level, inside the line's box only; and over the components of that ink, inside the
    box, that are not connected to it but are at least ``faint_tall`` of the mask's rows tall and lie mostly
    (half their height or more) within those rows: a faint digit between the line's kept ones, none of whose
    strokes reached a blob. Same shape and dtype.

    On a noisy image (faint pencil, a dark webcam frame: ink.InkMap.noisy), the weak level (``weak``) cuts
    grey, grainy strokes into pieces and the line model reads half a ``0`` or a ``6``. Measured on issue 10's
    photos (train.scenes, 100 of each kind, two seeds): pencil 0.68 -> 0.72 and 0.48 -> 0.58 exact, dark
    webcam frames 0.89 -> 0.91 and 0.88 -> 0.90, every other kind unchanged. On every image instead, desk
    photos went 0.92 -> 0.85 (printed words' faint edges joined into digit-like shapes): noisy maps only."""
    faint = (ink >= config.faint_weak).view(np.uint8) | mask
    count, labels, stats, _ = cv2.connectedComponentsWithStats(faint, connectivity=8)
    touched = np.zeros(count, bool)
    touched[labels[mask > 0]] = True
    rows = np.flatnonzero(mask.any(axis=1))
    if rows.size and config.faint_tall < 1:
        top, bottom = int(rows[0]), int(rows[-1]) + 1
        y, h = stats[:, cv2.CC_STAT_TOP], stats[:, cv2.CC_STAT_HEIGHT]
        within = np.minimum(y + h, bottom) - np.maximum(y, top)  # rows shared with the mask's
        touched |= (h >= config.faint_tall * (bottom - top)) & (2 * within >= h)
    touched[0] = False
    return touched[labels].view(np.uint8)


def within_strong_rows(level: np.ndarray, strong: np.ndarray, config: DetectConfig = DEFAULT) -> tuple[np.ndarray, int]:
    """A noisy line's levelled ink (float32 [h, w]) cut to the rows of its blobs' own ink (``strong``: the same
    line without the fainter ink grown onto it, levelled the same way; its rows reaching ``config.weak``) widened
    by ``config.faint_reach`` of their height, when the fainter ink reaches further than that: (the rows kept,
    the first row's index in ``level``). A tilted line's box holds paper under its digits at one end: faint ink
    grown there made the levelled line taller than its digits, and lines.fit_line scaled them to 60% of the line
    model's height (a dimmed dark webcam frame, '3943', read as one word)."""
    inked = np.flatnonzero(strong.max(axis=1) >= config.weak) if strong.size else np.zeros(0, int)
    if inked.size == 0:
        return level, 0
    span = int(inked[-1] - inked[0] + 1)
    reach = int(round(config.faint_reach * span))
    first, last = max(0, int(inked[0]) - reach), min(level.shape[0], int(inked[-1]) + 1 + reach)
    if first == 0 and last == level.shape[0]:
        return level, 0
    return level[first:last], first


def own_ink_shares(
    ink: np.ndarray,
    line_mask: np.ndarray,
    origin: tuple[int, int],
    boxes: list[Box],
    masks: list[np.ndarray],
) -> tuple[float, ...]:
    """For each blob of a text line: the share of the line's ink inside the blob's box that the blob's own mask
    holds, in [0, 1] (1.0 where the box holds no ink of the line). ``ink``: the working copy's ink map, float32
    [H, W]; ``line_mask``: uint8 0/1, the line's mask over its box, whose top-left corner is ``origin`` (x, y) in
    ``ink`` (on a noisy map, with_faint_strokes': the line's blobs and the fainter ink joined to their strokes);
    ``boxes``, ``masks``: each blob's box (x, y, w, h) in ``ink`` and its uint8 mask of the box's shape
    (blob_mask).

    A blob that holds much less than all of it is a piece of a digit whose other strokes are too faint to be
    part of any blob (faint pencil): the digit model, which sees the blob's own pixels only, reads the piece,
    while the line model reads the line's ink, the faint strokes too (recognize.faint_piece, ReadConfig.faint_piece)."""
    line_box = (origin[0], origin[1], line_mask.shape[1], line_mask.shape[0])
    out = []
    for (bx, by, bw, bh), mask in zip(boxes, masks):
        patch = ink[by : by + bh, bx : bx + bw]
        own = float((patch * mask).sum())
        # the part of the blob's box that lies in the line's box (a blob's pad may reach past the line's)
        inside = box_intersection((bx, by, bw, bh), line_box)
        line = own
        if inside is not None:
            x, y, w, h = inside
            line = float((ink[y : y + h, x : x + w] * line_mask[box_slices(inside, line_box)]).sum())
        out.append(own / max(line, own) if max(line, own) > 0 else 1.0)
    return tuple(out)


def hysteresis(
    ink: np.ndarray, config: DetectConfig = DEFAULT
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Hysteresis threshold -> (binary uint8 0/1, labels, stats, strong): the weak-ink components that
    contain some strong ink. ``labels`` and ``stats`` are those of the weak components; ``strong`` (bool per
    label) says which of them are kept, so the components of ``binary`` need no second labelling.

    ink_map has already removed the paper and its light, so a global threshold here acts like an adaptive
    one on the photo; the two levels keep faint stroke ends without letting faint noise in.
    """
    weak = (ink > config.weak).astype(np.uint8)
    count, labels, stats = label(weak)
    strong = np.zeros(count, bool)
    strong[labels[ink > config.strong]] = True
    strong[0] = False
    if count == 1 or strong[1:].all():
        return weak, labels, stats, strong
    return strong[labels].view(np.uint8), labels, stats, strong


def whole_ink(ink: np.ndarray, config: DetectConfig = DEFAULT) -> list[Box]:
    """Single-digit mode: one box around all the ink that is not a speck, or none."""
    _, _, stats, strong = hysteresis(ink, config)
    keep = strong & (stats[:, cv2.CC_STAT_AREA] >= config.min_area)
    if not keep.any():
        return []
    x, y, w, h = (stats[keep, i] for i in range(4))
    x0, y0, x1, y1 = int(x.min()), int(y.min()), int((x + w).max()), int((y + h).max())
    return [pad_box((x0, y0, x1 - x0, y1 - y0), ink.shape)]


def merge_broken_strokes(blobs: list[Blob], height: float, config: DetectConfig = DEFAULT) -> list[Blob]:
    """Join the pieces of one digit (a 5 whose top bar is separate, a 7's crossbar, a broken loop).

    Two pieces join when one sits above the other (they share most of the narrower one's columns, the
    vertical gap is small and the union is no taller than a digit), or when one's box lies mostly inside the
    other's. Side-by-side digits ("11", "2026") share no columns and stay apart. Two blobs alone are also joined
    when they are a digit's flag and body (``flag_and_body``).
    """
    if len(blobs) == 2 and (flag_and_body(blobs[0], blobs[1], config) or flag_and_body(blobs[1], blobs[0], config)):
        return [union(blobs)]
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


# A digit written in two strokes and cropped alone: a 5 whose flag stands off its body, above and to its right.
# With only these two blobs in the image the typical height is one of the pieces (often the flag's), so
# merge_broken_strokes' test (the union no taller than 1.35 typical heights) keeps them apart, and the flag reads
# '1' or '7'. Measured on the 10,000 MNIST test digits as 100 px dark-on-white images read without --single:
# 4 more read right (three 5s, a 3), none fewer; issue 10's photo kinds and benchmarks/accuracy.py's lines and
# scenes (300 each, seed 0) read the same. Only two blobs: on a page turned a quarter, a column of 3-5 sideways
# digits has flat blobs stacked like this, and joining them there lost 2 of 100 pages turned 270 degrees. The
# thresholds: DetectConfig's flag_flat, body_upright, flag_gap, flag_end.


def flag_and_body(flag: Blob, body: Blob, config: DetectConfig = DEFAULT) -> bool:
    """Are these two blobs one digit: a flat stroke (``flag``, ``config.flag_flat``) off the top or bottom
    (``flag_end``) of an upright ``body`` (``body_upright``), within ``flag_gap`` of it, whose union is
    digit-shaped (at most 1.3 times as wide as tall, at most twice the body's height)? Boxes in pixels of one
    image."""
    if flag.h > config.flag_flat * flag.w or body.h < config.body_upright * body.w:
        return False
    x0, y0 = min(flag.x, body.x), min(flag.y, body.y)
    w, h = max(flag.x + flag.w, body.x + body.w) - x0, max(flag.y + flag.h, body.y + body.h) - y0
    across = max(flag.x - (body.x + body.w), body.x - (flag.x + flag.w))  # > 0: a gap between their columns
    down = max(flag.y - (body.y + body.h), body.y - (flag.y + flag.h))  # > 0: a gap between their rows
    level = (flag.y + flag.h / 2 - body.y) / body.h  # the flag's middle, in the body's height
    return (
        w <= 1.3 * h
        and h <= 2 * body.h
        and across <= config.flag_gap[0] * body.h
        and down <= config.flag_gap[1] * body.h
        and not config.flag_end <= level <= 1 - config.flag_end
    )


def _root(parent: list[int], i: int) -> int:
    """The root of ``i`` in the union-find forest ``parent`` (paths halved on the way)."""
    while parent[i] != i:
        parent[i] = parent[parent[i]]
        i = parent[i]
    return i


def attach_fragments(blobs: list[Blob], height: float, config: DetectConfig = DEFAULT) -> list[Blob]:
    """Give a fragment too short to be a digit (under ``config.fragment_height`` digit heights, ``height`` px: a 5's
    top bar drawn off to the right) to the digit it sits on: the nearest blob within ``fragment_gap`` heights whose
    top or bottom it extends (``fragment_level``), if the union is still digit-sized (``fragment_width``,
    ``fragment_span``). A dash between two digits sits at mid-height and is left alone (and dropped later)."""
    big = [b for b in blobs if b.h >= config.fragment_height * height]
    small = [b for b in blobs if b.h < config.fragment_height * height and b.w < height]  # a short bar, not a rule
    if not big or not small:
        return blobs
    parts: dict[int, list[Blob]] = {i: [b] for i, b in enumerate(big)}
    rest = [b for b in blobs if b not in big and b not in small]
    for f in small:
        best, best_gap = None, config.fragment_gap * height
        for i, b in enumerate(big):
            gap = max(b.x - (f.x + f.w), f.x - (b.x + b.w), b.y - (f.y + f.h), f.y - (b.y + b.h), 0)
            x0, y0 = min(b.x, f.x), min(b.y, f.y)
            x1, y1 = max(b.x + b.w, f.x + f.w), max(b.y + b.h, f.y + f.h)
            level = (f.y + f.h / 2 - b.y) / b.h
            if (
                gap <= best_gap
                and (level < config.fragment_level or level > 1 - config.fragment_level)
                and x1 - x0 <= config.fragment_width * height
                and y1 - y0 <= config.fragment_span * height
            ):
                best, best_gap = i, gap
        if best is None:
            rest.append(f)
        else:
            parts[best].append(f)
    joined = [union(members) for members in parts.values()]
    return joined + rest


def deskew(
    crop: np.ndarray, blobs: list[Blob], origin: tuple[int, int], config: DetectConfig = DEFAULT
) -> tuple[np.ndarray, np.ndarray | None]:
    """A line's ink turned level: the slope of its blobs' centres (least squares; the blobs at least half as
    tall as the tallest), when steeper than ``deskew_min_deg``. Returns (the level ink, the affine [2, 3] from its
    pixels back to ``crop``'s, or None when the line is level already)."""
    tallest = max(b.h for b in blobs)
    big = [b for b in blobs if b.h >= 0.5 * tallest]
    if len(big) < 2:
        return crop, None
    xs = np.array([b.x + b.w / 2 for b in big], np.float64)
    ys = np.array([b.y + b.h / 2 for b in big], np.float64)
    if np.ptp(xs) < 1:
        return crop, None
    if abs(float(np.degrees(np.arctan(slope(xs, ys))))) < config.deskew_min_deg - LEVEL_MARGIN_DEG:
        return crop, None  # level, whatever the last bits of np.polyfit's slope
    angle = float(np.degrees(np.arctan(np.polyfit(xs, ys, 1)[0])))
    if abs(angle) < config.deskew_min_deg:
        return crop, None
    h, w = crop.shape
    rotate = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)  # counter-clockwise by angle: the line levels
    cos, sin = abs(rotate[0, 0]), abs(rotate[0, 1])
    size = (int(np.ceil(w * cos + h * sin)), int(np.ceil(w * sin + h * cos)))
    rotate[:, 2] += (size[0] / 2 - w / 2, size[1] / 2 - h / 2)
    level = cv2.warpAffine(crop, rotate, size, flags=cv2.INTER_LINEAR, borderValue=0)
    return level, cv2.invertAffineTransform(rotate)


# Degrees below deskew_min_deg under which ``slope``'s angle says a line is level without np.polyfit. The two
# slopes are the same least-squares fit computed two ways: they differ by rounding (~1e-12 degrees here), not by
# a thousandth of a degree. np.polyfit (LAPACK) costs 0.1-0.15 ms inside a frame's reading (20 us in a tight loop);
# its slope, to the bit, is what a line that needs turning is turned by.
LEVEL_MARGIN_DEG = 0.01


def slope(xs: np.ndarray, ys: np.ndarray) -> float:
    """The least-squares slope of ys against xs (float64 [n], n >= 2, xs not all equal): the closed form
    sum((x - mean x) (y - mean y)) / sum((x - mean x) ** 2)."""
    dx = xs - xs.mean()
    return float(dx @ (ys - ys.mean()) / (dx @ dx))


def keep_digit_like(blobs: list[Blob], shape: tuple[int, ...], config: DetectConfig = DEFAULT) -> list[Blob]:
    """Drop what is not a digit, judged against the image and against the other blobs' typical height:
    specks and fragments (too short), dashes and rules (too wide for their height), solid blobs (too full),
    and big regions touching the border (paper edges, shadows, the desk)."""
    return keep_blobs(blobs, shape, writing=False, config=config)


def keep_writing(blobs: list[Blob], shape: tuple[int, ...], config: DetectConfig = DEFAULT) -> list[Blob]:
    """Drop what cannot be part of a line of writing: the frame (paper edges, desk, shadow), specks, things
    much taller than the writing, big solid blobs, and big regions touching the border. Unlike
    keep_digit_like, wide blobs (touching digits, words) and small ones (separators) stay: the line model
    reads them."""
    return keep_blobs(blobs, shape, writing=True, config=config)


def keep_blobs(blobs: list[Blob], shape: tuple[int, ...], writing: bool, config: DetectConfig = DEFAULT) -> list[Blob]:
    """keep_digit_like (``writing=False``) or keep_writing (``writing=True``)."""
    if not blobs:
        return []
    h_img, w_img = shape[:2]
    height = typical_height(blobs, shape, config)
    keep = []
    for b in blobs:
        fill = b.area / float(b.w * b.h)
        touches = b.x == 0 or b.y == 0 or b.x + b.w >= w_img or b.y + b.h >= h_img
        if is_frame(b, blobs, shape, config):
            continue  # paper edge, desk, shadow
        if writing:
            tall = height and b.h > config.digit_max_height * height
            if tall and not has_row_neighbour(b, blobs, config) and not lone_digit(b, height, config):
                continue  # much taller than the writing, and alone (a pen); handwriting beside print has company
            if height and max(b.w, b.h) < config.speck_size * height:
                continue  # a speck
            if fill > config.solid_fill and b.h >= config.fragment_height * height and b.w > config.solid_aspect * b.h:
                continue  # a solid blob the size of a digit: a thumb, a hole, a shadow (a dot is small)
        else:
            if height and not (config.fragment_height * height <= b.h <= config.digit_max_height * height):
                continue  # a fragment, a speck, or something much bigger than the digits
            if not_digit_like(b, config):
                continue  # a dash, a rule; a solid blob: a thumb, a hole, a shadow
        if touches and b.area > (config.frame_ink if len(blobs) > 1 else config.frame_ink_alone) * h_img * w_img:
            continue  # most of the frame is "ink": a dark region, not a digit (a tight crop can be ~50%)
        if touches and len(blobs) > 1:
            strip = max(b.w, b.h) > (config.border_strip if writing else config.border_strip_digits) * min(b.w, b.h)
            solid = fill > config.border_fill and (b.h >= config.fragment_height * height or not writing)
            if strip or solid:
                continue  # a strip or a solid piece at the border beside other blobs (paper edge, shadow)
        elif (
            touches
            and fill > config.border_fill
            and b.w > config.solid_aspect * b.h
            and min(h_img, w_img) >= config.sheet_min_side
        ):
            continue  # alone, solid and coming in from the edge of a photo or a frame: a hand, an arm (a webcam
            # user's trial: a hand over blank paper read '0'); a tight crop of a digit, which touches its edges too,
            # is smaller than a photo, and a thin upright '1' fills its box (a crop of one, 200 px, read '')
        keep.append(b)
    return keep


def lone_digit(b: Blob, height: float, config: DetectConfig = DEFAULT) -> bool:
    """Could ``b``, much taller than the writing around it (``height``, px), be one handwritten digit beside
    printed words ("Page 2", "Room 5")? At most ``config.lone_digit_tall`` heights long either way; a pen lying
    on the page is 5-20 of the print's heights long. benchmarks/accuracy.py's words next to numbers, a
    handwritten digit 2-3 times as tall as the printed word beside it, was dropped as a pen: 11 of 300 crops
    read as nothing."""
    return max(b.w, b.h) <= config.lone_digit_tall * height


def has_row_neighbour(b: Blob, blobs: list[Blob], config: DetectConfig = DEFAULT) -> bool:
    """Is there another blob of about b's height (``config.row_neighbour_low`` to ``row_neighbour_high`` times)
    beside it: sharing half the smaller one's rows, at most ``row_neighbour_gap`` of b's heights away, and not half
    the narrower one's columns (the two strips of a pen split by its highlight lie over each other)? Big
    handwriting on a printed form is a row of such blobs; a pen lying on the page is alone."""
    for o in blobs:
        if o is b or not config.row_neighbour_low * b.h <= o.h <= config.row_neighbour_high * b.h:
            continue
        shared = min(b.y + b.h, o.y + o.h) - max(b.y, o.y)
        gap = max(o.x - (b.x + b.w), b.x - (o.x + o.w), 0)
        beside = min(b.x + b.w, o.x + o.w) - max(b.x, o.x) < 0.5 * min(b.w, o.w)  # not a piece of b's object
        if shared >= 0.5 * min(b.h, o.h) and gap <= config.row_neighbour_gap * b.h and beside:
            return True
    return False
