"""Find the digits in a frame and turn them into MNIST-style tensors: the stages composed. NumPy and OpenCV only.

    found = extract(image)                  # .digits float32 [N, 28, 28], [(x, y, w, h)], text line of each digit

The stages, each a pure function on arrays in its own module (in the spirit of OpenCV's digits_video.py):

    (enlarge_tiny: an image under 12 px a side enlarged 4x first, by the reader)        here
    to_gray -> clean_digit (small clean single digits: a fast path, or None)            ink.py, here
    find_page -> isolate (a border cut off, a sheet on a desk cropped)                   page.py
    shrink to work_size (and first to half that when the image is big: kept if the digits are tall enough)
    find_ink                                        (paper, light, polarity, noise)      ink.py
    hysteresis -> components                        (binarization, one labelling)        segment.py, blobs.py
    erase_grids -> erase_boxes -> digit_height -> remove_rules  (form lines erased,      rules.py
                                                     levelled first when askew)
    merge_broken_strokes -> attach_fragments -> keep_digit_like                          segment.py
    reading_order                                   (lines, top to bottom)               order.py
    normalize_batch                                 (MNIST 28x28 tensors)                normalize.py

Sizes are judged against the typical digit height in the image (area-weighted median of the blobs), so the
same rules work for a 28x28 MNIST digit, a 300 px drawing and a 12 MP photo of a page.

Boxes are (x, y, w, h) in the input image's pixels, in reading order: lines top to bottom, left to right
within a line.
"""

from __future__ import annotations

from typing import NamedTuple

import cv2
import numpy as np

from .blobs import Blob, Box, blob_mask, frame_edge, label, not_digit_like, pad_box
from .config import DEFAULT, DetectConfig
from .halftone import descreen
from .ink import find_ink, shrink, to_gray
from .lines import TextLine
from .normalize import normalize_batch, normalize_digit
from .page import find_page, isolate
from .segment import segment, segment_lines, whole_ink


class Extraction(NamedTuple):
    digits: np.ndarray  # float32 [N, 28, 28], white on black in [0, 1]: each blob, normalized as a digit
    boxes: list[Box]  # in the input image's pixels
    lines: list[int]  # text line of each blob, 0 = top
    text_lines: list[TextLine] = []  # with lines=True: the text lines, top to bottom, for the line model
    noisy_half: bool = False  # found on the half-size copy of a noisy image (faint pencil, a dark frame): the
    # full-size copy may find fainter digits, or read them apart (reader.DigitReader's second look in full)
    noisy: bool = False  # the ink map was a noisy image's (ink.InkMap.noisy: faint pencil, a dark frame): its digits
    # are read by the pencil model (reader.DigitReader's pencil_model)


def extract(
    image: np.ndarray,
    single: bool = False,
    lines: bool = False,
    config: DetectConfig = DEFAULT,
    fast: bool = True,
    page: bool = True,
    half: bool = True,
) -> Extraction:
    """Any image -> (digits [N, 28, 28] float32, boxes, line of each box[, text lines]). N = 0 when there is
    no ink.

    single: the whole image's ink is one digit (a crop or a drawing) — no detection; a clean one of up to
    ``config.clean_whole_max_side`` px a side, tight or not, takes clean_digit's fast path (``whole``).
    lines: keep every blob that may be writing (touching digits, separators, letters) and cut the text lines
    out for the line model (``Extraction.text_lines``); without it, only digit-like blobs are kept, each
    read alone by the digit model. A small clean single digit takes the fast path either way (no lines),
    unless ``fast`` is False (a second look at a blob that may hold several digits: reader.DigitReader).
    page: look for a page (a border, a sheet on a desk) in an image of ``page_min_side`` px or more; False for an
    image the reader enlarged from a tiny one (enlarge_tiny), where, as in any image that small, there is none
    (scikit-learn's 8x8 digits, light on black, enlarged to 32x32: 0.865 exact with a page looked for, 0.943
    without).
    half: big digits may be found on a half-size copy first (extract_page); False: in full only.
    config: the thresholds of every stage (config.DetectConfig; the default's fields give their units and sources).
    Raises ImageError (a ValueError) for an array that is no image (images.check_array, via ink.to_gray).
    """
    gray = descreen(to_gray(image), config)  # (a dithered fax or GIF: its dots averaged back to grey)
    if fast and max(gray.shape) <= config.clean_max_side:
        clean = clean_digit(gray, config)
        if clean is not None:
            return clean
    if fast and single and max(gray.shape) <= config.clean_whole_max_side:  # a crop of one digit, a tight one too
        clean = clean_digit(gray, config, whole=True)
        if clean is not None:
            return clean
    found = find_page(gray, config) if page and min(gray.shape) >= config.page_min_side else None
    if found is not None:  # read the page alone, then put its boxes back in the frame
        crop, sheet = isolate(gray, found, config)
        inside = extract_page(crop, single, lines, config, sheet, half)
        if inside.boxes or not found.pasted or not blank(crop, sheet, config):
            return shifted(inside, found.box[0], found.box[1])
        # A "picture pasted turned" in which nothing at all stands out is the writing itself: a bold glyph drawn
        # big on a flat ground (page.turned_canvas takes a marker's '1', '8' or '5' at 200-400 px for a picture;
        # its inside, the stroke alone, holds no ink, and the digit was lost even with --single): the frame is
        # read instead.
    return extract_page(gray, single, lines, config, half=half)


def blank(gray: np.ndarray, sheet: np.ndarray | None = None, config: DetectConfig = DEFAULT) -> bool:
    """Does nothing at all stand out on a page (uint8 gray [H, W]; ``sheet``: bool [H, W], its own pixels, or
    None): is its ink map (ink.find_ink, on the working copy) zero everywhere? A bold stroke's inside, cut out as
    a page, is (6 MNIST test digits drawn big, 0.0); a photo of a card on a desk pasted turned whose close-up
    digit is no blob is not (issue 10's pasted cards, seeds 0-1: ink 0.09 to 0.37 at its strongest)."""
    work = shrink(gray, config.work_size, config=config)
    return not find_ink(work, config, sheet_at(sheet, work.shape)).ink.any()


def sheet_at(sheet: np.ndarray | None, shape: tuple[int, ...]) -> np.ndarray | None:
    """A sheet's mask (bool, or None: all sheet) at the size of a copy of its page (``shape``), nearest pixels."""
    if sheet is None or sheet.shape == shape:
        return sheet
    return cv2.resize(sheet.view(np.uint8), (shape[1], shape[0]), interpolation=cv2.INTER_NEAREST) > 0


def enlarge_tiny(image: np.ndarray, config: DetectConfig = DEFAULT) -> tuple[np.ndarray, int]:
    """A tiny image made big enough to read: one whose longer side is under ``config.enlarge_below`` px (an 8x8
    scan, scikit-learn's digits) -> (its gray, enlarged ``config.enlarge_factor`` times, bicubic: uint8 [f H, f W];
    f). Any other image -> (itself, untouched, 1). At 8 px a stroke is one or two pixels wide; the MNIST recipe
    scales the digit's box to 20 px bilinearly, which leaves it blocky, and the digit model reads it worse than the
    smooth strokes a bicubic enlargement makes (figures: DetectConfig.enlarge_below). Raises ImageError (a
    ValueError) for an array that is no image (ink.to_gray). The reader maps its boxes back (reader._Prepared)."""
    h, w = image.shape[:2]
    factor = config.enlarge_factor
    if max(h, w) >= config.enlarge_below or factor <= 1:
        return image, 1
    gray = to_gray(image)
    return cv2.resize(gray, (w * factor, h * factor), interpolation=cv2.INTER_CUBIC), factor


def shifted(found: Extraction, dx: int, dy: int) -> Extraction:
    """The same extraction with its boxes and lines moved by (dx, dy) pixels."""
    if not dx and not dy:
        return found
    boxes = [(x + dx, y + dy, w, h) for x, y, w, h in found.boxes]
    text_lines = [line._replace(shift=(line.shift[0] + dx, line.shift[1] + dy)) for line in found.text_lines]
    return found._replace(boxes=boxes, text_lines=text_lines)


def extract_page(
    gray: np.ndarray,
    single: bool,
    lines: bool,
    config: DetectConfig = DEFAULT,
    sheet: np.ndarray | None = None,
    half: bool = True,
) -> Extraction:
    """The general stages on a gray page: at half resolution first when that is enough (and ``half``), else in
    full. ``sheet``: bool [H, W], the sheet's own pixels of ``gray`` (page.isolate; None: all). Digits found at
    half size on a noisy map are marked (``Extraction.noisy_half``).

    A noisy image (ink.InkMap.noisy: a webcam on an empty sheet, a dark frame) in which the half-size copy holds
    no blob at all is not read again in full: that copy keeps every blob of ``min_height`` px (a digit of twice
    that in full) and its 2x2 means halve the pixel noise's sigma, so writing that does not stand out of it
    stands out less in full. Blank 640x480 frames cost 13.5 / 17.0 / 28.7 ms (white, white noisy, grey noisy;
    benchmarks/frame_latency.py's) read twice, 3.6 / 5.4 / 5.8 ms now (2026-12-04, idle); issue 10's photo kinds
    (100 of each, seeds 0-1), accuracy.py's lines, singles and scenes (seeds 0-1) read the same, image by image."""
    work = shrink(gray, config.work_size, config=config)
    copy = half_copy(work, config) if half and not single else None
    if copy is not None:
        coarse = locate_at(gray, copy, single, lines, config, sheet)
        if tall_enough(coarse, gray, copy, config):  # big digits: half the resolution reads them as well, at a
            return coarse.extraction()._replace(noisy_half=coarse.noisy)  # quarter of the cost
        if coarse.noisy and not coarse.boxes:  # a noisy frame blank at half size is blank in full (above)
            return coarse.extraction()
    return extract_at(gray, work, single, lines, config, sheet)


def half_copy(work: np.ndarray, config: DetectConfig = DEFAULT) -> np.ndarray | None:
    """A half-size copy of a big enough image (a 640x480 frame, a photo), where big digits are read first."""
    if min(work.shape) < 2 * config.coarse_min_side:
        return None
    return cv2.resize(work, (work.shape[1] // 2, work.shape[0] // 2), interpolation=cv2.INTER_AREA)


def tall_enough(
    found: Extraction | Located, gray: np.ndarray, copy: np.ndarray, config: DetectConfig = DEFAULT
) -> bool:
    """Were the digits found in ``copy`` at least ``coarse_min_height`` px tall there (the median digit)?
    Then normalizing them loses nothing: MNIST's digits are 20 px. And do its blobs agree on a height: is the
    tallest at most ``coarse_max_lead`` times the next tallest? At half size a grid's or a margin's faint
    lines can pass the weak threshold and join one digit into a blob that stands out, which the full-size copy
    does not (its lines stay under it). And does no blob span ``coarse_max_span`` of the image both ways (a ruled
    page's rules and margin joined round the whole image)? Judged on the boxes alone (a Located will do: its
    digits are normalized only once it is kept)."""
    heights = sorted(box[3] for box in found.boxes)  # in gray's pixels
    if len(heights) >= 2 and heights[-1] > config.coarse_max_lead * heights[-2]:
        return False
    span_w, span_h = config.coarse_max_span * gray.shape[1], config.coarse_max_span * gray.shape[0]
    if any(w >= span_w and h >= span_h for _, _, w, h in found.boxes):
        return False
    return bool(heights) and heights[len(heights) // 2] >= config.coarse_min_height * gray.shape[0] / copy.shape[0]


class Located(NamedTuple):
    """The general stages on a working copy up to the digits' normalization (``locate_at``): what
    ``tall_enough`` judges a half-size copy by, and what ``extraction`` normalizes once it is kept."""

    ink: np.ndarray  # float32 [h, w]: the working copy's ink map
    work_boxes: list[Box]  # each blob's box in the working copy's pixels
    masks: list[np.ndarray] | None  # uint8 per box, its shape: the blob's own pixels (None: all)
    boxes: list[Box]  # the same boxes in the input image's pixels
    lines: list[int]  # text line of each blob, 0 = top
    text_lines: list[TextLine]
    noisy: bool = False  # the working copy's ink map was a noisy image's (ink.InkMap.noisy)

    def extraction(self) -> Extraction:
        """The Extraction, its digits normalized (normalize_batch)."""
        return Extraction(
            normalize_batch(self.ink, self.work_boxes, self.masks),
            self.boxes,
            self.lines,
            self.text_lines,
            noisy=self.noisy,
        )


def extract_at(
    gray: np.ndarray,
    work: np.ndarray,
    single: bool,
    lines: bool = False,
    config: DetectConfig = DEFAULT,
    sheet: np.ndarray | None = None,
) -> Extraction:
    """The general stages on ``work``, a reduced copy of ``gray``; boxes in ``gray``'s pixels. ``sheet``: bool
    [H, W] of ``gray``, the sheet's own pixels (None: all), where the ink map measures the paper's grain."""
    return locate_at(gray, work, single, lines, config, sheet).extraction()


def locate_at(
    gray: np.ndarray,
    work: np.ndarray,
    single: bool,
    lines: bool = False,
    config: DetectConfig = DEFAULT,
    sheet: np.ndarray | None = None,
) -> Located:
    """``extract_at`` but the digits' normalization: the ink map of ``work`` and its blobs, boxes in ``work``'s
    and in ``gray``'s pixels."""
    scale = gray.shape[1] / work.shape[1], gray.shape[0] / work.shape[0]
    sheet = sheet_at(sheet, work.shape)
    ink, noisy = find_ink(work, config, sheet)
    text_lines: list[TextLine] = []
    if single:
        boxes = whole_ink(ink, config)
        masks, line_of = None, [0] * len(boxes)
    elif lines:
        boxes, masks, line_of, text_lines = segment_lines(ink, scale, config, faint=noisy, sheet=sheet)
    else:
        boxes, masks, line_of = segment(ink, config, sheet, noisy=noisy)
    return Located(ink, boxes, masks, [to_original(b, scale, gray.shape) for b in boxes], line_of, text_lines, noisy)


def clean_digit(gray: np.ndarray, config: DetectConfig = DEFAULT, whole: bool = False) -> Extraction | None:
    """The fast path for the commonest small input: one digit, whole, on plain paper (a cropped form field,
    a scanned or drawn digit, an MNIST-like image), at 1/5 of the cost of the general stages. Returns None,
    and the general stages take over, unless every check below holds: two well separated levels (Otsu),
    ink a minority (not a tight crop), one blob carrying nearly all the ink (specks aside) and not touching
    the border, digit-like in shape, on paper whose grain is small against the ink.

    ``whole``: the image is known to be one digit (``--single``), of any size: its digit may touch the border and
    cover up to ``tiny_max_ink`` of it, as a tiny scan's; the ink is the side the frame's outermost pixels are
    mostly not (a tight crop of a bold digit is mostly ink, but its edge is mostly paper); the paper's grain is
    measured off the strokes' soft edges (``clean_whole_erode``), which fill a tight crop's little paper. The
    general stages' paper window (ink.bold_stroke_window) is narrower than a 300 px crop's strokes, which broke:
    benchmarks/accuracy.py's single digits with --single, seeds 0-2 (13,050): 21 more right (tight 300 px crops,
    light-on-dark '7's whose bar a flat border's cut left at the edge), 2 more wrong (a thin '6', a bold '7').
    """
    if min(gray.shape) < 8:
        return None
    _, light = cv2.threshold(gray, 0, 1, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    lit = cv2.countNonZero(light)
    dark = lit >= gray.size - lit  # light paper, dark ink
    if whole:  # a crop of one digit, perhaps tight: its ink may be the majority, but its edge is mostly paper
        edge = frame_edge(light)
        dark = 2 * int(np.count_nonzero(edge)) >= edge.size
    mask = (1 - light) if dark else light
    inked = gray.size - lit if dark else lit
    tiny = whole or max(gray.shape) <= config.tiny_side  # a tiny scan: its digit may fill it and touch its edges
    if not 0 < inked <= (config.tiny_max_ink if tiny else config.clean_max_ink) * gray.size:
        return None
    _, labels, stats = label(mask)
    main = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    x, y, w, h, area = (int(v) for v in stats[main])
    blob = Blob(x, y, w, h, area, (main,))
    touches = x == 0 or y == 0 or x + w >= gray.shape[1] or y + h >= gray.shape[0]
    if (
        (touches and not tiny)
        or area < config.clean_main_share * inked
        or h < config.min_height
        or not_digit_like(blob, config)
    ):
        return None
    paper = 1 - mask
    if whole:  # (the paper's grain off the strokes' soft edges, which fill a tight crop's little paper)
        eroded = cv2.erode(paper, np.ones((config.clean_whole_erode,) * 2, np.uint8))
        paper = eroded if cv2.countNonZero(eroded) >= config.clean_whole_paper * gray.size else paper
    paper_mean, paper_sd = (float(v.ravel()[0]) for v in cv2.meanStdDev(gray, mask=paper))
    ink_mean = float(cv2.mean(gray, mask=mask)[0])
    contrast = abs(paper_mean - ink_mean)
    if contrast < config.clean_min_contrast or paper_sd > contrast / 8:
        return None
    box = pad_box((x, y, w, h), gray.shape)
    bx, by, bw, bh = box
    crop = gray[by : by + bh, bx : bx + bw].astype(np.float32)
    ink = (paper_mean - crop) if dark else (crop - paper_mean)
    ink *= np.float32(1.0 / contrast)
    ink = np.clip(ink, 0.0, 1.0, out=ink) * blob_mask(labels, blob, box, config)  # specks and neighbours out
    digit = normalize_digit(ink)
    return Extraction(digit[None], [box], [0])


def to_original(box: Box, scale: tuple[float, float], shape: tuple[int, ...]) -> Box:
    """Map a box from the working copy back to the original pixels, clipped to the image."""
    sx, sy = scale
    x0, y0 = int(np.floor(box[0] * sx)), int(np.floor(box[1] * sy))
    x1, y1 = int(np.ceil((box[0] + box[2]) * sx)), int(np.ceil((box[1] + box[3]) * sy))
    x0, y0 = min(max(x0, 0), shape[1] - 1), min(max(y0, 0), shape[0] - 1)
    x1, y1 = min(max(x1, x0 + 1), shape[1]), min(max(y1, y0 + 1), shape[0])
    return (x0, y0, x1 - x0, y1 - y0)
