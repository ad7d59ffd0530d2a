"""The thresholds of detection, in one place: ``DetectConfig``, one field per setting; and those of reading the
models' outputs, ``ReadConfig`` (at the end).

    found = extract(image)                                          # the defaults: DEFAULT
    found = extract(image, config=DetectConfig(clean_max_side=0))   # no fast path for small clean digits

Every tunable threshold of the detection stages lives here, grouped by stage: the working copy and the fast
path (detect.py), the page (page.py), the ink map (ink.py), binarization and blobs (segment.py, blobs.py), the
pieces of one digit and what is kept (segment.py), form lines (rules.py), text lines and reading order
(segment.py, order.py). Every function of those stages that uses one takes ``config: DetectConfig = DEFAULT``;
tests pass a configuration instead of patching module globals. What stays a module constant there is no
threshold: exact kernels and memory caps of a computation whose result does not depend on them (ink.TWO_FIFTHS,
ink.TWO_FIFTHS_MAX_PIXELS, page.FIRST_ROWS, segment.LEVEL_MARGIN_DEG), and the networks' input geometry
(normalize.py, lines.py), which the models were trained on.

``ReadConfig`` holds the thresholds of recognize.py and reader.py: how the digit model's and the line model's
readings of a blob are weighed, when a page is read turned 180 degrees or a quarter, and when a small blob gets a
second look. ``DigitReader(read_config=...)`` reads with it, its worker processes too; recognize.py's functions
take ``config: ReadConfig = DEFAULT_READ``.

Each field gives its meaning, its unit, and where its value comes from (the commit that set it, with what it
measured). Lengths in px are at the working size (the copy detection runs on, at most ``work_size``), unless
said otherwise; sizes relative to the typical digit height are judged by the stages themselves (rules.py,
segment.py). The values are those detection has always used: changing one changes readings, and the ink
map's (``background_*``, ``min_contrast``, ``dark_floor``) changes what the networks see (normalize.py's
PREPROCESSING_VERSION, train/lines.py), so they are settings to experiment with, not to tune per image.

A configuration checks its fields when it is made (``DETECT_ALLOWED``, ``READ_ALLOWED``, after each class): each
of its annotated type (an ``int`` field an int, not a bool or a str; a ``float`` field an int or a float) and
finite, within the range its meaning allows, else a TypeError or ValueError naming the field, the value and what
is allowed: a mistyped threshold fails where it is set, not deep inside a read (where it lost a whole read_batch).
"""

from __future__ import annotations

import math
import operator
from dataclasses import dataclass, fields
from numbers import Integral, Real
from typing import NamedTuple


class Allowed(NamedTuple):
    """The values a numeric field takes, besides being finite and of its type: from ``low`` to ``high``
    (``low`` itself excluded when ``above_low``)."""

    low: float = -math.inf
    high: float = math.inf
    above_low: bool = False

    def describe(self, whole: bool) -> str:
        kind = "an int" if whole else "a number"
        if self.low == -math.inf and self.high == math.inf:
            return "an int" if whole else "a finite number"
        if self.high == math.inf:
            return f"{kind} {'>' if self.above_low else '>='} {self.low:g}"
        if self.low == -math.inf:
            return f"{kind} <= {self.high:g}"
        if self.above_low:
            return f"{kind} > {self.low:g} and <= {self.high:g}"
        return f"{kind} from {self.low:g} to {self.high:g}"

    def admits(self, value: float) -> bool:
        return (self.low < value if self.above_low else self.low <= value) and value <= self.high


# The kinds of range; every field's is in DETECT_ALLOWED or READ_ALLOWED (tests/test_config.py checks that each
# field has one), derived from its meaning and from how the stages use it.
ANY = Allowed()  # log-odds, tolerances and margins: a negative one asks for more, not less
AT_LEAST_0 = Allowed(0)  # lengths in px or digit heights, ratios of sides, noise sigmas, distances of log-odds
POSITIVE = Allowed(0, above_low=True)  # divisors
AT_LEAST_1 = Allowed(1)  # sizes a copy or a window is made at, counts; ratios of a larger to a smaller thing
SHARE = Allowed(0, 1)  # shares, ink strengths (0-1) and probabilities
GREY = Allowed(0, 255)  # grey levels of 8-bit images


def _checked_number(where: str, value: object, whole: bool, allowed: Allowed) -> float | int:
    """``value`` as an int (``whole``) or a float, or a TypeError (not a number of that kind; a bool is none) or
    ValueError (NaN, an infinity, out of range) naming ``where`` (e.g. "DetectConfig.min_height"), the value and
    what is allowed. NumPy's numbers are numbers.Integral and numbers.Real too, and become Python's."""
    wanted = allowed.describe(whole)
    if isinstance(value, bool) or not isinstance(value, Real) or (whole and not isinstance(value, Integral)):
        raise TypeError(f"{where} must be {wanted}, got {value!r} ({type(value).__name__})")
    number = float(value)
    if not math.isfinite(number) or not allowed.admits(number):
        raise ValueError(f"{where} must be {wanted}, got {value!r}")
    return operator.index(value) if isinstance(value, Integral) and whole else number


def _changed_fields_repr(config: DetectConfig | ReadConfig) -> str:
    """A configuration's repr with only the fields that differ from the defaults (``DetectConfig(min_height=40)``;
    ``DetectConfig()`` for the defaults), which construct it again. The dataclass's own repr listed all 150-odd
    fields, and ``help(DigitReader)`` opened with a signature of 4,212 characters (a new user's trial)."""
    default = type(config)()
    changed = [
        f"{f.name}={getattr(config, f.name)!r}"
        for f in fields(config)
        if getattr(config, f.name) != getattr(default, f.name)
    ]
    return f"{type(config).__name__}({', '.join(changed)})"


def _check(config: object, allowed: dict[str, Allowed]) -> None:
    """Check every field of a frozen ``config`` against its annotation (``int``, ``float``, ``tuple[float,
    float]``, ``tuple[int, ...]``) and its range in ``allowed``; numbers of NumPy's kinds become Python's."""
    cls = type(config).__name__
    for f in fields(config):  # type: ignore[arg-type]
        where, value, rule = f"{cls}.{f.name}", getattr(config, f.name), allowed[f.name]
        if f.type in ("int", "float"):
            value = _checked_number(where, value, f.type == "int", rule)
        elif f.type == "tuple[float, float]":
            if not isinstance(value, tuple) or len(value) != 2:
                raise TypeError(f"{where} must be a tuple of two numbers, got {value!r}")
            value = tuple(_checked_number(f"{where}[{i}]", v, False, rule) for i, v in enumerate(value))
        elif f.type == "tuple[int, ...]":  # denoise_sizes: Gaussian kernels, odd, tried from the smallest up
            if not isinstance(value, tuple) or not value:
                error = TypeError if not isinstance(value, tuple) else ValueError
                raise error(f"{where} must be a non-empty tuple of odd ints >= 1, increasing, got {value!r}")
            value = tuple(_checked_number(f"{where}[{i}]", v, True, rule) for i, v in enumerate(value))
            if any(v % 2 == 0 for v in value) or list(value) != sorted(set(value)):
                raise ValueError(f"{where} must hold odd ints >= 1, increasing (kernel sizes), got {value!r}")
        else:  # a new kind of field: teach _check about it
            raise TypeError(f"{where}: no check for a field annotated {f.type!r}")
        object.__setattr__(config, f.name, value)


@dataclass(frozen=True)
class DetectConfig:
    """The thresholds of detection (finding the digits in an image, before any network reads them), one field per
    threshold: a frozen dataclass. ``DEFAULT`` (``DetectConfig()``) holds the values detection has always used.

    Use one with a reader, ``DigitReader(detect_config=DetectConfig(min_height=8))`` (its worker processes use it
    too), or with detection alone, ``edgedigits.runtime.detect.extract(image, config=...)``. It is frozen: make a
    changed copy with ``dataclasses.replace``::

        import dataclasses
        from edgedigits.runtime import DetectConfig, DigitReader

        config = dataclasses.replace(DetectConfig(), min_height=8, work_size=1200)
        reader = DigitReader(detect_config=config)

    Each field's meaning, unit and source (the commit that set it, with what it measured) is the comment beside it
    in runtime/config.py (``inspect.getsource(DetectConfig)``); ``DETECT_ALLOWED`` gives its range. Every field is
    checked when the configuration is made: a value of the wrong type (``min_height="8"``), NaN or an infinity, or
    one out of its range (``work_size=0``, ``clean_max_ink=7.0``) is a TypeError or ValueError naming the field.
    Changing a field changes readings: the shipped figures are measured with the defaults.
    """

    # --- the working copy (detect.py)
    work_size: int = 1600  # px: detection runs on a copy whose longer side is at most this (set with the first
    #   image stages, 33b131b)
    coarse_min_side: int = 240  # px: copies whose shorter side is at least twice this are first read at half size
    coarse_min_height: int = 20  # px at half size: ... kept when the median digit there is this tall (MNIST's
    #   digits are 20 px; 8a3a9d9: a 640x480 frame 5.3 -> 2.8 ms, same readings)
    coarse_max_lead: float = 1.6  # ... and when its tallest blob is at most this many times the next tallest (a
    #   digit joined to a grid's or margin's lines at half size stands out; detect.tall_enough). Measured on
    #   issue 10's photos (train.scenes, 100 of each kind): squared paper 0.88 -> 0.90 on seed 1 ('600' read
    #   '', '439' read '4'); no other photo of either seed went from right to wrong or back
    coarse_max_span: float = 0.9  # share of the image's width and height: ... and when no blob spans this much of
    #   both (at half size a ruled page's rules, margin line and digits joined into one blob round the whole image,
    #   which the full-size copy, its rules broken by the paper's grain, does not: '240' on lined paper read '5')
    coarse_factor: float = 4.0  # shrink factor: a copy shrunk by this much or more (ink.shrink) is first made of
    #   plain n x n means (n the whole part), then a fractional INTER_AREA does the rest: 6x faster (a 4000x3000
    #   photo to the page's 256x192 copy on one core: 30 -> 5 ms), the grid shifted by under one output pixel at the
    #   far edge. Issue 10's desk photos (train.scenes, 100 each): 0.92 -> 0.93 exact on seeds 0 and 1, every other
    #   kind unchanged (bee8f28)
    page_min_side: int = 32  # px, shorter side: in smaller images no page is looked for (492a15c; page.py
    #   itself looks for a sheet on a desk only from 160 px)
    # --- the fast path for a small clean single digit (detect.clean_digit, small_digits.py; 9f8357e: 5x cheaper,
    #   same readings)
    clean_max_side: int = 128  # px, longer side: images up to this size may take the fast path (0: never)
    clean_max_ink: float = 0.35  # share of the image: ... when ink covers at most this much (not a tight crop)
    clean_main_share: float = 0.97  # share of the ink: ... and one blob holds this much of it (specks aside)
    clean_min_contrast: float = 40.0  # grey levels: ... and ink and paper differ by at least this
    tiny_side: int = 32  # px, longer side: an image this small is a crop of one digit, which may fill it and
    #   touch its edges (2b68dba: a 16x16 binary scan was not read)
    tiny_max_ink: float = 0.6  # share of the image: ... and cover up to this much (a 16x16 scan of a bold 3: 0.38)
    clean_whole_max_side: int = 1024  # px, longer side: with --single, images up to this size may take the fast path
    #   whatever their size, tight crops too (clean_digit's ``whole``; 0: never); above it the attempt costs more
    #   than it can save (a 12 MP photo: 70-135 ms for Otsu and components, which decline it)
    clean_whole_erode: int = 5  # px, a square's side: ... where the paper's grain is measured this far off the ink
    #   (an erosion of the paper's mask): the strokes' soft edges fill a tight crop's little paper, and a tight
    #   300 px crop of a bold MNIST '0' measured 29 grey levels of "grain" on it, over the contrast's eighth (1: none)
    clean_whole_paper: float = 0.05  # share of the image: ... when that much paper is left after the erosion (else
    #   all of the paper's pixels)
    enlarge_below: int = 12  # px, longer side: a smaller image is enlarged ``enlarge_factor`` times (bicubic) before
    #   it is read (detect.enlarge_tiny, by the reader; 0: never). MNIST test digits shrunk to s x s px (INTER_AREA,
    #   dark on white, 600, seed 1), exact as they were read before / enlarged: 6 px 0.553 / 0.737, 7 px 0.853 /
    #   0.910, 8 px 0.915 / 0.947, 9 px 0.963 / 0.980, 10 px 0.972 / 0.977, 11 px 0.988 / 0.988 (12 and 16 px
    #   read the same). scikit-learn's 8x8 digits (load_digits, the first 600): its float images 0.925 / 0.963,
    #   light on black 0.918 / 0.943, dark on white 0.943 / 0.973 (/tmp experiments of 2026-12-04, c54c30a against
    #   this commit)
    enlarge_factor: int = 4  # times: ... by this factor, bicubic (those dark 8x8 digits enlarged before they were
    #   read: bicubic 0.968, bilinear 0.928, nearest 0.862, not enlarged 0.943)
    # --- the page: a sheet on a desk or a flat border cut off (page.py; set with its first version, 2b68dba,
    #   unless said)
    page_size: int = 256  # px, longer side: the page is looked for on a copy at most this big
    sheet_min_side: int = 160  # px, shorter side: only an image this big may show a sheet on a desk; a smaller one
    #   is a crop of the writing, where a light blob is part of a digit (492a15c)
    frame_ring: float = 0.6  # share: an image whose outermost 2 px are this much on the ink's side of Otsu's threshold,
    #   and a ring a tenth of its shorter side further in at most a third as much, is framed (ink.framed_at_edge: a
    #   printed answer box cut out on its frame; its paper level is then padded by reflection, not by replicating the
    #   frame). benchmarks/accuracy.py --only worksheets, answer boxes of 3-7 px frames (2026-12-06): 0.25-0.58 exact
    #   before this and page.flat_border's test of what a border frames, 0.925-1.0 after. Reflection for every image
    #   changed 101 of accuracy.py's 5,400 line readings (seeds 0-2, net -1) and read garbage on blank pages with dark
    #   corners; a ring alone, without the inner one, read blank pages turned or in shadow
    border_flat_sd: float = 6.0  # grey levels (std): a flat border's row or column is at most this uneven ...
    border_step: float = 20.0  # grey levels: ... and differs by at least this much from the band inside it (less:
    #   a plain margin of the paper itself)
    canvas_sd: float = 1.0  # grey levels (std): a canvas's rows and columns have no grain at all (issue 10's
    #   photos, seed 0, 30 of each kind: the flattest outer row of a photographed desk or sheet stood at 1.2+) ...
    canvas_step: float = 10.0  # grey levels: ... and differ by at least this much from the median of what they frame
    #   (a clean scan's margin is its paper) ...
    canvas_ground: float = 0.2  # share: ... and at most this much of the edge of what they frame is of their level
    #   (a '1' on a flat ground, framed by its ink's box: accuracy.py's single digits, seed 0, 0.30-0.48 of the box's
    #   edge; samples/photo_2026.jpg pasted on grey 128, 200 and 230: 0.06, 0.12, 0), and of what they frame, flat
    #   (tests/test_page.py's printed box rows on clean paper, framed by their outline: 0.32-0.48; the photo: 0-0.04)
    canvas_min_side: int = 16  # px of the page's copy: ... and what they frame is this big both ways (a thin '1' on a
    #   flat ground is framed by its ink's box: tests/test_detect.py's 84x42 clean digit 154, 8 px wide) ...
    canvas_flat: float = 0.2  # share: ... and at most this much of it is flat (3x3 sd under canvas_sd) at one level
    #   (within 2): a photo has grain or a gradient (samples/photo_2026.jpg 0.06, ../shared/cases/touching-070.jpg
    #   0.06, slash-2468.jpg 0.07, form_two_lines.png 0.09), a drawing or clean page a ground of its own
    #   (drawing_7.png 0.88, a '1' drawn with a broad brush 0.95, printed boxes on clean paper 0.32)
    turned_canvas_ring: float = 0.6  # share: an image pasted turned on a flat canvas (page.turned_canvas) leaves at
    #   least this much of the frame's outermost pixels at the canvas's level (2 canvas_sd) ...
    turned_canvas_fill: float = 0.9  # share of its minimum-area rectangle: ... and the image fills at least this much
    #   (a picture is a rectangle; a digit drawn big on flat paper, a '0' with its loop filled, 0.785 of it) ...
    turned_canvas_aspect: float = 0.2  # ... whose shorter side is at least this share of its longer (a thick '1' is
    #   a narrow rectangle) ...
    turned_canvas_frame: float = 0.25  # share of its outline: ... and at most this much of it lies on the frame's edge
    #   (issue 10's dark webcam frames, seeds 0-1: their corners clipped black framed the rest of the frame, 36 of 200)
    turned_canvas_flat: float = 0.5  # share: ... and at most this much of it is flat at one level (as canvas_flat;
    #   scenes.pasted_photos, seed 5, 30 of each kind: 0-0.31, a dark desk's crushed blacks; a bold '0' drawn on white
    #   with a pen 40-60 px wide, its loop filled: 0.60-0.76)
    turned_canvas_depth: int = 2  # images pasted turned, one inside the other, cut out (a photo with a border of its
    #   own, pasted turned on a grey slide, is two: test_page; 0: none is looked for)
    min_page: float = 0.12  # share of the frame (the page's copy): a sheet covers at least this much ...
    max_page: float = 0.95  # ... and at most this much (more: the sheet is the frame; 0.92 until 92c33a3,
    #   2026-12-01, which lost a lit sheet on a dark desk at 0.923)
    sheet_solidity: float = 0.8  # share of its convex hull: the sheet fills at least this much (holes for ink count
    #   as sheet)
    sheet_min_step: float = 25.0  # grey levels between the sheet's median and its surround's, at least (a shadow is
    #   no desk) ...
    sheet_min_dim_step: float = 12.0  # grey levels: ... or this many for a dim sheet in a dark room, when the
    #   surround is under ``sheet_dim_ratio`` of the paper's brightness ...
    sheet_dim_ratio: float = 0.5  # share of the paper's brightness: ... (a shadow on lit paper keeps well over half
    #   of it). 6daa9f9: dark webcam frames (train.scenes make_dark) had sheets at 29-31 grey levels on desks 23-24
    #   below them, and nothing was read; 100 each, 0.87 -> 0.88 (seed 0), 0.83 -> 0.88 (seed 1), every other kind
    #   unchanged
    min_surround: float = 0.05  # share of the frame outside the sheet's convex hull, at least
    surround_width: float = 0.08  # share of the frame's shorter side: the surround is broader than this (an opening
    #   this wide wipes out strokes, not a desk)
    edge_steepness: float = 0.12  # share of the step per px of the page's copy: the sheet's edge rises at least
    #   this steeply (uneven light: ~0.01) ...
    edge_median: int = 5  # px of the page's copy (an even one made odd): the steepness is measured after a median
    #   filter this wide, which removes thin printed lines (rules, 1-2 px there) and keeps a step (shaded lined
    #   paper's Otsu boundary ran along its rules and margin, steep enough, and a "sheet" cut '8864 / 315' to '5';
    #   1: no filter) ...
    near_step: float = 0.5  # share of the step: ... and 1-4 px either side of the edge (the copy's pixels) differ by
    #   at least this much (the Otsu boundary of shaded squared paper runs along its grid lines, both sides nearly
    #   alike; 9882a8b: squared paper 0.87 -> 0.90 of 30 photos, desk, card and dark webcam unchanged)
    sheet_min_ink: float = 0.002  # share of the sheet's hull that is dark (writing), at least: else it is a light
    #   blob (a chalk stroke, a lamp), not a page
    sheet_edge: float = 0.02  # share of the sheet's shorter side taken off its outline, at least 7 px (its shadowed,
    #   blurred edge)
    # --- the ink map (ink.py; set with the first image stages, 33b131b, except min_contrast)
    background_size: int = 256  # px, longer side: the paper's brightness is estimated on a copy at most this big
    background_kernel: int = 5  # ... with a window of 1/this of its longer side: wider than any stroke
    min_contrast: float = 0.06  # share of the paper's level: ink weaker than this never reaches full strength
    #   (b519e91: faint pencil is found; was 0.25)
    denoise_below: float = 16.0  # noise sigmas: a map whose strongest ink is weaker is smoothed (ink.ink_map) ...
    denoise_keep: float = 6.0  # noise sigmas: ... and the smoothed map kept when its ink is at least this strong
    #   (measured 2026-11-30: dark webcam frames reach 4-23 smoothed, from 1-14; blank noisy paper at most 3.6 (so 4.5
    #   read the same 0.70 of 30 dark frames; 6 keeps a margin); a cheque's security pattern stands at 8.5 unsmoothed.
    #   denoise_below was 8 until the paper's noise was measured on the sheet alone (page.isolate); then 100 dark
    #   webcam frames read 76 exact at 16, 75 at 12, 66 at 8; webcam frames of clean paper stand at 67-70)
    lit_paper: float = 100.0  # grey levels, median of the ink map's small copy: a noisy map of paper this light
    #   (faint pencil) has its paper's blotches removed (ink.without_blotches); dark webcam frames (paper at
    #   25-75) do not (2026-12-01: pencil 0.64 -> 0.68 exact, 100 photos; dark frames 0.89 -> 0.81 without it)
    bright_paper: float = 150.0  # grey levels, median of the small copy: a frame this bright is lit paper, and its
    #   ink is dark (ink.ink_polarity): what stands out light on it is glare or the paper's blotches (2026-12-01:
    #   issue 10's pencil photos stand at 163-204, dark webcam frames at 25-75; pencil 0.59 -> 0.60, seed 1)
    blotch_strokes: float = 3.0  # stroke widths: ... ink wider than this is a blotch (3 and 5 measured, before
    #   the clip at 0 in ink.without_blotches: pencil 0.78 at 3, 0.77 at 5)
    blotch_disc: int = 31  # px: ... a disc wider than this (strokes over 10 px wide) opens a copy shrunk to fit it,
    #   enlarged back (ink.without_blotches): a 1600x1200 pencil photo on a desk whose strokes measured 100 px
    #   wide spent 2.2 s in one opening (a stress test's photo)
    blotch_compact: float = 0.5  # share of a box's longer side: a piece of the strong ink whose widest inscribed
    #   disc is this wide is compact (a blotch, a speck), not a stroke, and is left out of the stroke width that
    #   sizes the blotch filter (ink.stroke_width). A stroke is over twice as long as it is thick. (2026-12-02:
    #   pencil 0.73 -> 0.74 and 0.60 -> 0.62, two seeds of 100 photos, every other kind the same; 0.35 read
    #   0.74 and 0.63)
    blotch_min_side: int = 240  # px, shorter side: ... in an image this big (a page, not a tight crop of a line,
    #   where benchmarks/accuracy.py's line crops read 2 fewer exactly of 500 with it, before that clip)
    dark_floor: float = 16.0  # grey levels: paper darker than this counts as this dark (light ink on black: no
    #   division by ~0)
    polarity_sure: float = 4.0  # energy ratio: the polarity is sure when the stronger polarity's outliers carry
    #   at least this many times the weaker's (ink.ink_polarity); else a noisy image is denoised both ways and the
    #   ink standing further out of its noise wins. Measured on issue 10's photos (train.scenes, benchmarks' seed):
    #   dark webcam frames 8-290x; faint pencil 0.4-80x, three of eight failures judged light at 0.4-1.0x (blotchy
    #   paper outshines the strokes). fd504ce: 100 pencil photos 0.60 -> 0.62, every other kind unchanged
    denoise_sizes: tuple[int, ...] = (3, 5, 7, 9, 13)  # px: the Gaussian kernels a noisy image is smoothed with, in
    #   turn (sigma 0.8-2.3 px: OpenCV's default for the size). Strokes of webcam digits 30-80 px tall are 4-10 px
    #   wide and survive a 13x13 kernel. 100 dark webcam frames (train.scenes, benchmarks' seed), the noise measured
    #   on the sheet: 3 and 5 only, 66 exact; up to 9, 76; up to 13, 80 (83 once judged and scaled away from the
    #   edges; 4eba784)
    denoise_side: int = 24  # px of the image's shorter side per px of kernel, at least: a smaller image is a crop
    #   around a few digits (a cheque's amount 47 px tall read '5743' unsmoothed, '5?43' smoothed 3x3 and 5x5: its
    #   security pattern is no noise; 4eba784)
    # --- binarization and blobs (segment.py, blobs.py; set with the first image stages, 33b131b)
    strong: float = 0.5  # ink strength, 0-1: hysteresis seeds; a component needs at least one such pixel ...
    weak: float = 0.25  # ink strength, 0-1: ... and extends over pixels at least this strong
    faint_weak: float = 0.05  # ink strength, 0-1: on a noisy map, a text line also takes the ink this strong
    # joined to its strokes (segment.with_faint_strokes; measured on issue 10's pencil photos, two seeds: 0.025
    # read 0.72 / 0.58 exact, 0.05 0.72 / 0.58, 0.1 0.70 / 0.58, 0.15 0.70 / 0.54)
    faint_tall: float = 0.3  # share of a line's height (its blobs' rows): on a noisy map, a component of the ink
    # at least ``faint_weak`` strong inside a text line's box that is not joined to its strokes but is this tall,
    # and lies at least half within its rows, is part of the line too (segment.with_faint_strokes: a faint digit
    # between two kept ones, broken off from everything). Issue 10's pencil photos, 100 each of seeds 0-3:
    # 0.77 / 0.66 / 0.69 / 0.70 -> 0.80 / 0.66 / 0.70 / 0.72 exact (6 fixed, none broken; 0.4 and 0.5: 0.79 on seed
    # 0); every other kind the same, photo by photo (2026-12-05). 1 or more: off
    faint_reach: float = 0.15  # share of a line's blobs' height: ... within their rows and this much above and
    # below (segment.within_strong_rows; a tilted line's box holds paper under its digits at one end, where faint
    # ink made the levelled line half again as tall as its digits: a dimmed dark webcam frame read '', b8e9bb0)
    faint_beside_gap: float = 1.0  # digit heights: on a noisy map (and for a clean map's lighter digits: see
    # lighter_max_height), a weak component as tall as a digit this close beside a kept one, in its line, is kept
    # too (segment.beside_strong; issue 10's photos, two seeds of 100: pencil 0.72 / 0.58 -> 0.74 / 0.59 exact,
    # dark webcam frames 0.91 / 0.90 -> 0.91 / 0.92)
    lighter_max_height: float = 1.25  # digit heights (the median of the kept components at least min_height tall):
    #   on a clean map, a weak component this tall at most, at least ``lighter_min_width`` digit heights wide and
    #   ``lighter_min_fill`` of its box inked, beside a kept one as beside_strong keeps them on a noisy map, is a
    #   lighter digit and kept too (segment.lighter_digits: a digit written with less pressure than its neighbours,
    #   whose strokes never reach ``strong``, was dropped). The bounds keep a rule's faint stub, a stroke's halo and
    #   a grid's square out (unbounded, issue 10's lined and squared photos lost digits to their rules). Above 1.6
    #   changes nothing (beside_strong's own bound). 0: off
    lighter_min_width: float = 0.15  # digit heights: ... (see lighter_max_height)
    lighter_min_fill: float = 0.12  # share of its box: ... (see lighter_max_height)
    faint_low_strong: float = 0.25  # ink strength, 0-1: on a noisy map, a component of the ink at least
    #   ``faint_low_weak`` strong that reaches this level, shaped like a digit, beside a kept digit in its line, is a
    #   digit too (segment.with_faint_digits): beside_strong again at half its levels. Issue 10's pencil photos, 100
    #   of each seed: 0.74 / 0.61 -> 0.75 / 0.63 exact (3 fixed, 0 broken; at 0.2 / 0.1: 0.75 / 0.60, 0.3 / 0.15:
    #   0.75 / 0.62, 0.15 / 0.08: 0.73 / 0.58); every other kind, line, single digit and scene the same (2026-12-04)
    faint_low_weak: float = 0.12  # ink strength, 0-1: ... (see faint_low_strong)
    faint_bridge: float = 0.15  # ink strength, 0-1: on a noisy map, the ink this strong that joins 2 to
    #   ``bridge_max_pieces`` kept components, its longer side at most ``bridge_max_side`` of the map's shorter side,
    #   joins them into one blob (segment.with_bridges: the pieces of a faint pencil digit). Issue 10's pencil photos,
    #   seeds 0-1 of 100: 148 exact without, 148 at 0.2, 151 at 0.15, 148 at 0.12, 144 at 0.1 (2026-12-06). 1.0: off
    bridge_max_pieces: int = 4  # components: ... (a faint grid or a blotchy paper joins dozens: without a limit, a
    #   blank tilted page read lines of digits) ...
    bridge_max_side: float = 0.3  # share of the map's shorter side: ... (pencil digits 40-100 px tall in a 640x480
    #   photo are at most a fifth of it)
    dither_levels: int = 16  # grey levels: an image with at most this many (halftone.is_dithered, on 1/64 of its
    #   pixels) may be a halftone ...
    dither_gap: float = 2.0  # grey levels: ... spread this far apart (the median step between them: a palette's, not a
    #   clean scan's grain, whose few levels lie next to each other, median step 1; 2026-12-06, a blank ruled scan of
    #   16 levels read a digit once blurred; grainy paper dithered to a GIF's 4 colours, 231-239, steps 3) ...
    dither_dots: float = 0.01  # dots per pixel: ... and is one when it holds this many dots of 1-2 px (either side of
    #   its middle level). Floyd-Steinberg 1-bit scenes of MNIST test digits 0.09, a blank grey page as a GIF 0.19, the
    #   same scenes thresholded at 128 0.00001 (2026-12-06) ...
    dither_min_side: int = 32  # px: ... in an image at least this big both ways (a tiny crop is left as it is) ...
    descreen_sigma: float = 1.2  # px: ... and is blurred this much (halftone.descreen): 30 dithered scenes read 18
    #   exactly as they were, 30 blurred by 1.2 px (2026-12-06)
    focus_big: float = 1.5  # times the median height of the components: one this tall is looked at for focus
    #   (focus.out_of_focus) ...
    focus_writing: int = 3  # components: ... against the median steepness of at least this many of writing size, clear
    #   of the image's border (fewer: nothing is judged; 2026-12-06, cards on a desk: two blurry digits judged against
    #   a sliver at the frame's edge were dropped) ...
    focus_ratio: float = 0.4  # share of the writing's edge steepness: ... and dropped when its edges rise less
    #   steeply than this, out of focus: a hand holding the sheet up, nearer the camera. focus.edge_focus on
    #   robustness.py's hand frames (2026-12-06): the hand's pieces 0.15-0.36 of the digits'; a marker's bold digit
    #   on a printed form, enlarged MNIST and soft beside the print, 0.47 (issue 10's desk photos, seed 0: at 0.5 it
    #   was dropped). 0: off
    min_height: int = 5  # px: a blob whose longer side is shorter than this is a speck
    min_area: int = 6  # px: ... and so is a blob of fewer ink pixels than this
    # A run of five or six touching digits is one blob more than 4 times as wide as tall: by its box alone, a rule
    #   (blobs.is_line_like). Its ink tells it apart (blobs.mark_writing): digits have upright strokes, and it is
    #   several strokes tall. b73e543: of 300 lines of each kind of benchmarks/accuracy.py, touching strings 258 ->
    #   259 crops, 262 -> 263 photos, words next to numbers 273 -> 274 crops, 274 -> 276 photos, none lost; comb
    #   fields 0.91 -> 0.93 of 100 photos, every other kind the same
    upright_span: float = 0.5  # share of the blob's height: a column "stands" when its ink spans at least this much
    upright_share: float = 0.3  # share of its columns: writing when at least this many stand (touching digits
    #   alone: 0.6-0.9; a word and a number joined, or digits joined to a long underline: 0.33-0.4) ...
    upright_strokes: float = 3.0  # stroke widths: ... and it is at least this tall (the stroke width: twice the 95th
    #   percentile of its ink's distance to the paper; a straight rule: 1-2)
    outlier_area: float = 4.0  # median blob areas: in the digit height (blobs.typical_height), with 5 blobs or more,
    #   a blob weighs at most this much: one huge blob (a pen on the page, a shadow) must not set it (issue 10's
    #   desk photos: a pen of 658 x 247 px among 28 blobs of print made the height 247 px and joined every column
    #   of words into one blob; 72f36e6, with two other changes: desk photos 0.33 -> 0.60 of 30)
    grow: float = 0.06  # share of a blob's longer side: its mask is grown this much to take in its faint rim
    #   (blobs.blob_mask; at least 3 px) ...
    max_grow_side: float = 6.0  # digit heights (the blob's): ... that side taken at most this long: a text line of
    #   many words is as wide as the page, and its mask took in the print round it (f12c8cc; issue 10's desk
    #   photos, 100 each: 0.90 -> 0.92 on seed 1 at 6; 0.92 unchanged on the benchmark's seed; every other kind
    #   unchanged on both; at 3, lined paper and faint pencil lost the faint ends of their strokes: -2 and -3)
    max_grow_px: int = 31  # px: a blob's mask grown by a wider disc than this (a blob as big as a page) is grown on a
    #   copy shrunk to fit this disc, then enlarged back (blobs.blob_mask; a 72 px disc over a 1200 px box took
    #   0.2 s of a stress test's grid page, read as one blob)
    # --- faint writing beside a dark rule (segment.is_underline, beside_rules; 564eccb). The ink map is scaled by
    #   its strongest ink: a printed rule far darker than the writing beside it set that scale, the writing fell
    #   under ``weak``, and the line read as nothing (benchmarks/accuracy.py, 300 lines of each kind: 5 such
    #   lines). When every blob is such a rule (not one crossing the image: lined paper), the map is rescaled by
    #   the ink away from it
    ruled_writing: float = 0.05  # ink strength, 0-1: the strongest ink away from the rules taken for writing (the
    #   writing beside them stands at 0.08-0.4 of their strength; blank paper's noise under a rule below 0.01)
    rule_margin: int = 3  # px: how far around a rule's box its own fuzzy edge reaches
    rule_strokes: float = 2.0  # stroke widths (blobs.strokes_tall): the thickest rule (a bold printed word, as
    #   wide, is 3-4: the paper beside it was rescaled into digits)
    # --- a pen across the sheet's edge (segment.candidates, page.across_edge; e13fa8c)
    pen_width: float = 0.3  # digit heights: a component covering this much of the sheet's edge lies across it and
    #   is dropped (issue 10's desk photos' pens are 0.4-0.6 digit heights wide); a digit's stroke cut by a sheet
    #   found too tight covers a stroke's width, about a tenth ...
    # --- a pen's ends, once its straight body was erased as a rule (rules.drop_pen_ends; 2026-12-05)
    pen_end_width: float = 0.6  # digit heights: a blob touching an erased run at least this thick ...
    pen_end_strokes: float = 2.0  # stroke widths (the blobs' median widest inscribed disc): ... and this many of
    #   the writing's strokes thick (a printed rule is thinner than the strokes beside it; blurred, at most 1.3 of
    #   them and 0.42 digit heights: benchmarks/accuracy.py's line crops; the pens of train.scenes' blank desk
    #   photos: 1.2-1.9 heights and 2.3-6 strokes of the print) ...
    pen_end_length: float = 3.0  # that thickness: ... and at most this long either way is the pen's cap or tip
    pen_min_side: int = 240  # px, shorter side of the ink map: ... only in a map this big (a photo of a page): a
    #   close-up of one digit whose shading was taken for a sheet's edge had its stroke along that edge, 160 px
    #   (benchmarks/accuracy.py single digits, photo variant 0.973 -> 0.980)
    rim_px: int = 3  # px of the ink map: a blob with rim_share of its pixels this near the sheet's edge lies along
    #   it (page.along_edge): the sheet's own rim, a thin dark line where the paper meets the desk, read as a '1'
    #   on blank cards and pages (2026-12-05: 9 of 30 blank cards on a desk, 5 of 30 blank dark webcam frames) ...
    rim_share: float = 0.8  # share of its pixels: ... and is dropped; a digit by the edge has most of its strokes
    #   further in
    # --- the pieces of one digit (segment.flag_and_body; c29a927). Two blobs alone are one digit when one is a
    #   flat flag off the top or bottom of an upright body: a 5 written in two strokes and cropped alone, whose
    #   flag read '1' or '7'. The 10,000 MNIST test digits as 100 px images read without --single: 4 more read
    #   right (three 5s, a 3), none fewer; issue 10's photo kinds and benchmarks/accuracy.py's lines and scenes
    #   (300 each, seed 0) the same. Only two blobs: with three, pages turned 270 degrees lost 2 of 100
    flag_flat: float = 0.6  # height over width: a flag is at most this flat (3552's flag: 0.32; 6573's: 0.53)
    body_upright: float = 1.0  # height over width: the body is at least this upright (sideways digits are mostly
    #   wider than tall)
    flag_gap: tuple[float, float] = (0.2, 0.3)  # body heights: the largest gap between flag and body, across and
    #   down
    flag_end: float = 0.3  # share of the body's height: the flag's middle lies in its top or bottom this much (a
    #   dash beside a digit lies at mid-height)
    # --- what is kept as writing (segment.keep_writing)
    lone_digit_tall: float = 3.5  # heights of the writing (print) around it: a blob much taller than the writing,
    #   with no neighbour of its size in its row, is a pen unless it is at most this long either way: a handwritten
    #   digit beside a printed word ('Page 2'); a pen is 5-20 heights of print long (e1a0af7: of 300 lines of
    #   benchmarks/accuracy.py's words next to numbers, 274 -> 283 crops, 276 -> 281 photos; none lost)
    # --- form lines (rules.py)
    rule_length: float = 2.5  # digit heights: a straight run longer than this is a rule or a border (set with
    #   the first image stages, 33b131b)
    crossed_rule: float = 0.12  # digit heights: the runs across the image a line of digits was written across are
    #   rules when they are at most this thick (the median run's area over its length; rules.rule_crossed). A new
    #   user's lined pages, a faint 1-2 px rule through 43 px digits: at most 0.035; train.scenes' ruled scans, seed
    #   0: 0.04-0.11; the grid's bits left on blank squared pages 1 and 3 of seed 0: 0.42 and 0.17; a separator
    #   line's crop whose underline touches its 14 px digits (accuracy.py's lines, seed 0): 0.13 ...
    lying_contrast: float = 2.0  # times: when the kept ink (the writing) is this much stronger in the ink map than
    #   the ink erased as form lines (medians; rules.pen_level), the erased pixels halfway strong or more are pen:
    #   those along a rule are given back (rules.lying_strokes) and a blob of them is no rule's remnant (rules.
    #   pen_blobs; 0: off). The ratio on 40 photos of each kind (seed 0, 10th / 50th / 90th percentile): ruled
    #   scans 1.96 / 2.49 / 2.97, lined paper 1.58 / 1.81 / 2.10, squared 1.45 / 1.85 / 2.09, comb fields 0.95 /
    #   1.09 / 2.32 (a red drop-out comb is faint), desk photos 0.56 / 0.74 / 1.11. At 1.5 a black comb's rule
    #   came back beside blue digits ('152' read '?25')
    lying_length: float = 0.2  # digit heights: ... a piece of pen given back is at least this long along the rule,
    #   and touches the kept writing (a 4's bar, a 2's foot: 0.3-0.6 heights)
    grid_span: float = 0.85  # share of a row of boxes' width (height) that its rules (walls) run across
    #   (778e6c4: form boxes 0.07 -> 0.67 exact, 15 photos)
    grid_level_deg: float = 0.5  # degrees: a row of boxes more askew is turned level before its rules and walls
    #   are found (rules.erase_grids); at 2 degrees a row 900 px long drifts 30 px and no rule was found
    rule_span: float = 0.3  # share of the image's width: a component this wide may be a printed rule, whose tilt
    #   is measured (rules.rule_slope) ...
    rule_aspect: float = 2.0  # width over height: ... when it is this much wider than tall (with the digits and
    #   ticks joined to it) ...
    rule_min_strokes: float = 20.0  # strokes: ... and this many times as long as its stroke is thick: a bold '5' in a
    #   tight crop is neither, and its levelled bar was taken for a rule (read '8'; accuracy.py's single digits)
    rule_tilt_max_deg: float = 15.0  # degrees: ... and levelled before its runs are looked for when it is askew by
    #   grid_level_deg to this much (a page tilted further is read line by line, deskewed: deskew_min_deg)
    wall_drift: float = 0.04  # share of a row of boxes' height: how far sideways a wall may drift over it (a form
    #   photographed in perspective), when no wall stands straight; 1 px, as before, kept a new user's
    #   photographed form's walls, which read as 1s (3 of 10 exact; 5 with this and grid_level_deg). Tried on
    #   every row, it cost issue 10's form boxes 4 of 100 (a digit's stroke beside a wall taken for it)
    box_sides: float = 0.85  # share of each side of a blob's outline (its convex hull simplified to four corners)
    #   its ink runs along: a printed box, one cell, erased around the digit in it (rules.erase_boxes). A new
    #   user's photos of a form with one box per digit read each box as '0' (0 of 10 exact; 10 with these)
    box_edges: float = 0.7  # share of each band along a box's edges (a sixth of its side deep) its ink crosses, at
    #   least: a first, cheap test (rules.framed) that 1,996 of 2,000 MNIST test digits fail ...
    box_run: float = 0.6  # share of each edge a straight run of its ink covers, at least (rules.straight_edges): a
    #   touching '83' in a line photo passed every other test (benchmarks/accuracy.py's touching strings, seed 1)
    box_band: float = 0.015  # share of the box's shortest side: how far from the box's outline its ink may lie
    #   and be on it. A printed line lies on it; a digit's curved strokes, even a thin pen's touching pair ('54'),
    #   only touch it here and there ...
    box_band_px: int = 2  # px: ... and at least this far (a line's edge blurred by a px either way)
    box_stroke: float = 0.12  # share of the box's shortest side: its lines are at most this wide (a printed box of
    #   95 px has lines of 2; MNIST digits' strokes are 0.1-0.2 of their height; a rectangle drawn 8 px wide round
    #   50 px is a digit's loop, tests/test_line_reading.py)
    box_outline: float = 0.4  # share of a box's blob's ink along its outline, at least: a digit touching the box
    #   has the rest (a box 1.3 digit heights wide in print half the pen's width has about 0.5); squared paper's
    #   grid, one blob whose lines cross the outline everywhere, has under 0.2 there
    sliver_height: float = 0.1  # digit heights: a flat blob (3 times as wide as tall or more) at most this tall,
    #   touching an erased form line, is a sliver of a faint rule that crossed it (rules.drop_rule_slivers; a margin
    #   line's crossings on lined paper: '240' read '4240'). Strokes are 0.1-0.2 of a digit's height (box_stroke)
    frame_share: float = 0.9  # share of the image's height: a first digit height this tall may be a frame of rules
    #   joined across the image (rules.digit_height), and is tried again with bent rules erased ...
    margin_share: float = 0.6  # share of a blob's ink: a blob as tall as frame_share of the image with this much
    #   in straight vertical runs that long, within thin_band of the image's width, is a margin line
    #   (rules.margin_line; a blank page's margin with faint rules' ends joined to it: 0.84) ...
    bent_run: float = 0.3  # share of the image's shorter side: ... runs this long, which are rules when rules bend
    #   across the image by a pixel or two (a lens, a curled page; rules.under_bent_rules) ...
    bent_rules: int = 3  # parallel runs: ... when there are at least this many (lined or squared paper's rules; a
    #   digit filling a tight crop has a stroke or two that long). 3270c30: lined paper that read '0' for
    #   '837 / 2530' reads '831 / 2530'; no exact rate changed on seeds 0 and 1 (2,800 photos)
    thin_band: float = 0.03  # share of the image's side: a rule's band of rows (columns) is at most this thick
    #   (rules.straight_runs; 3270c30) ...
    band_gap: float = 0.05  # share of the image's side: ... and bands closer than this are one (the runs through a
    #   thick, wavy stroke filling a tight crop; 1a5a1f3: benchmarks/accuracy.py's tight_300 7, MNIST test 9576, read
    #   '' and reads '7' again; lined, squared, form and comb photos unchanged on seeds 0 and 1)
    lattice_tolerance: float = 1.5  # px: ... unless they stand at equal steps, each centre this close to its place
    #   (rules.lattice_runs: a blank squared page's 5 mm grid, rules 21 px apart in 700, is no thick band; 2026-12-05)
    # --- a squared page's grid found in the ink's projection profiles (rules.lattice_step, lattice_bands,
    #   grid_bands, drop_grid_debris)
    lattice_strength: float = 0.3  # share of the profile's variance: the rows' (columns') ink profile is printed
    #   lines at equal steps when its autocorrelation at the step reaches this (a squared page's faint grid, broken
    #   into pieces, 0.4-0.9; text lines and digits below it or too thick: lattice_thin) ...
    lattice_thin: float = 0.3  # share of the step: ... and the lines, on the profile folded on the step, are at most
    #   this thick (printed rules 2-5 px in steps of 18-33 px; a row of digits is half its step tall or more) ...
    lattice_periods: int = 5  # steps: ... and the image holds this many steps at least ...
    lattice_min_step: int = 8  # px: ... of at least this (the profile's noise and a rule's own thickness repeat at
    #   shorter lags)
    grid_square: float = 0.05  # share of the shorter step: a grid's rows and columns stand at steps this close
    #   (rules.grid_bands: square cells) ...
    lattice_drift: float = 2.0  # px: a lattice line's band is its thickness and this much either side (a photo's
    #   lines bend a pixel or two across the page)
    debris_min_blobs: int = 8  # blobs: a lattice's pieces are looked for among this many blobs or more (a blank
    #   squared page's faint grid leaves dozens; a webcam frame of a number, a few) ...
    debris_share: float = 0.9  # share of a blob's ink: a blob with this much inside a lattice's bands is a piece of
    #   the lattice (rules.drop_grid_debris; MNIST test digits 0-4 written 60 px tall on tests/test_page.py's 21 px
    #   grid have 0.35-0.72 there)
    # --- printed barcodes (barcodes.py; issue 10's barcode labels, train.scenes.make_barcode_label)
    barcode_bars: int = 6  # bars: a run of this many straight upright bars or more, level and close, is a barcode
    #   (a label's 1-D barcode has 16-36; handwriting never puts six straight strokes level side by side) ...
    barcode_level: float = 0.06  # share of the run's height: ... each bar's top and bottom this close, plus 1 px,
    #   to the last bar's (bar to bar: a label turned a few degrees drifts its tops along the barcode) ...
    barcode_gap: float = 0.5  # share of the run's height: ... each at most this far from the last (Code 128's widest
    #   space is 4 modules, its bars at least 10 modules tall; ISO/IEC 15417) ...
    barcode_lean: float = 0.1  # share of a bar's height: ... and each bar's box no wider than its mean row of ink
    #   by more than this, plus 1 px (a bar up to about 5 degrees off upright; a printed '1' has a flag and a foot)
    barcode_end_height: float = 1.25  # ratio to a barcode's end bar's height: a blob beside the end that spans the
    #   bar's rows, and is at most this much taller, is the barcode's too (bars a tilt or blur joined into a block;
    #   barcodes.extended)
    crossing_margin: int = 4  # px beyond a margin line's thickness a run across it must reach to be writing, kept
    #   when the line is erased (a fuzzy rim; rules.crossings) ...
    band_reach: int = 11  # px: ... and a horizontal rule's band is at most this thick (a rule of 7 px widened by
    #   2 px each side): ink touching it from above and below within it crosses it. 8e7b6ea: 100 photos each, desk
    #   0.69 -> 0.82, squared paper 0.89 -> 0.94, lined 0.88 -> 0.91, every other kind unchanged
    along_reach: float = 0.5  # digit heights: a margin line's ink between two touches of writing this far apart is
    #   a stroke running along it, kept when the line is erased (rules.along_rule; a '9' whose loop's side lies on
    #   the line, 0.4 of its height; 0: none kept) ...
    along_span: float = 0.6  # share of the image's height: ... when the line is at least this tall (a margin line
    #   runs down the page; a shadow's edge, a pen do not) ...
    rule_wobble: int = 1  # px: ... and on a copy levelled by whole-pixel shears (a form askew), a rule may step
    #   this far across itself and still be one run (rules.remove_rules)
    comb_ticks: int = 3  # ticks: a comb field's lattice is fitted on at least this many free-standing ticks and
    #   walls (rules.erase_comb_ticks): digits written evenly on an underline put their stems on a lattice by
    #   chance (9dc7a8a: 4 of 500 test-line crops read differently, '781006' as '7')
    # --- the ticks and walls left standing on an erased rule (rules.drop_form_ticks, rule_ends, is_rule)
    tick_foot: float = 0.15  # digit heights: a blob within this of an erased form line (and 5 px at least) stands on
    #   it (the rule's fuzzy edge and the tick's blurred foot; e87d3c8, from the first detector)
    tick_width: float = 0.2  # digit heights: a blob standing on an erased rule is a straight stroke when at most this
    #   wide (its lean taken out: wall_lean) ...
    tick_slim: float = 0.5  # share of its own height: ... and at most this wide (6214636) ...
    tick_fill: float = 0.7  # share of its box (lean taken out): ... and inked this much; or, at most thin_wall_px
    #   wide, this many pixels per row: thin_wall_fill (a1bc262: a faint 1-2 px wall breaks up under binarization)
    thin_wall_px: int = 3  # px: ... a stroke this thin or thinner ...
    thin_wall_fill: float = 0.9  # pixels per row of its height: ... inked at least this much is solid too
    tick_height: float = 0.6  # digit heights: such a straight stroke no taller than this is a comb field's tick
    #   (e87d3c8) ...
    wall_height: float = 1.15  # digit heights: ... one at least this tall a wall of a row of boxes (a '1' written
    #   on the line is as tall as the other digits, and stays) ...
    wall_ruled: float = 0.05  # share of its own height: ... and one at most this wide a printed wall, whatever its
    #   height (009e2fc: a 3 x 116 px end wall beside digits whose typical height came out at 104 read '1') ...
    wall_lean: float = 0.05  # columns per row: ... a stroke whose rows' middles lean as the form's walls do (the
    #   rules' slope, turned) within this is judged on its width less that lean (6214636: comb fields photographed
    #   8 degrees askew, 81 -> 87 of 100 exact)
    tick_alike: float = 0.06  # share of their median height: solid upright strokes standing on an erased rule, at
    #   least comb_ticks of them at equal steps, whose heights all lie this close to their median (and widths within
    #   2 px) are a comb's ticks whatever the digit height (rules.alike_ticks): on a blank comb field the ticks are
    #   the only blobs and set the digit height themselves (2026-12-05: 15 of 30 blank comb fields read '1111');
    #   handwritten digits, even a row of '1's, differ in height by more ...
    tick_alike_px: int = 2  # px: ... and whose widths lie this close to their median (a printed stroke's width
    #   varies by a pixel of blur either way)
    ended_rule: float = 2.0  # digit heights: an erased run of form line longer than this and ``ended_rule_flat``
    #   times as long as thick is a rule whose two ends may hold a comb's or a row of boxes' end walls: a straight
    #   stroke standing there is a wall whatever its height (a1bc262: comb fields read '28761' for '2876') ...
    ended_rule_flat: float = 4.0  # times its own thickness: ... (the rule, not a wall's stub)
    leftover_rule: float = 1.8  # digit heights: a line-like blob (blobs.is_line_like) left after the form lines were
    #   erased and longer than this is a rule or a border (rules.is_rule; e87d3c8, from the first detector); with no
    #   digit height, one 4 times as wide as tall spanning half the image
    # --- which blobs may be writing (segment.keep_blobs, attach_fragments, has_row_neighbour, word_runs)
    fragment_height: float = 0.4  # digit heights: a blob shorter than this is a fragment or a speck, no digit
    #   (segment.keep_digit_like; 33b131b, the first detector): given to the digit it sits on (attach_fragments), a
    #   run of them alone joins its neighbour run (word_runs, d3d7df0) ...
    fragment_gap: float = 0.12  # digit heights: ... a fragment is given to the nearest digit within this (33b131b) ...
    fragment_level: float = 0.35  # share of the digit's height: ... whose top or bottom it extends, its middle above
    #   this or below 1 less this (a dash between two digits sits at mid-height and is left alone; 33b131b) ...
    fragment_width: float = 1.7  # digit heights: ... when the two together are at most this wide ...
    fragment_span: float = 1.35  # digit heights: ... and this tall (33b131b: a 5's top bar drawn off to the right)
    digit_max_height: float = 2.0  # digit heights: a blob taller than this is no digit (keep_digit_like; 33b131b);
    #   in text lines (keep_writing), one that has no neighbour of its height in its row (``row_neighbour_*``) and is
    #   no lone_digit is a pen lying on the page (dd9b644: desk photos) ...
    row_neighbour_low: float = 0.6  # its height: ... a neighbour is at least this tall ...
    row_neighbour_high: float = 1.6  # its height: ... and at most this tall ...
    row_neighbour_gap: float = 2.0  # its heights: ... at most this far beside it, sharing half the smaller one's rows
    #   and not half the narrower one's columns (72f36e6: big handwriting on a printed form has company; a pen, whose
    #   two strips split by its highlight lie over each other, has none)
    speck_size: float = 0.08  # digit heights: a blob whose longer side is shorter than this is a speck, no writing
    #   (keep_writing; 2b68dba, the line recognizer's groundwork) ...
    solid_fill: float = 0.85  # share of its box: ... and one inked this much, a fragment's height or taller, wider
    #   than ``solid_aspect`` of its height, a thumb, a hole, a shadow (a dot is small; 2b68dba) ...
    solid_aspect: float = 0.35  # width over height: ... (a thin upright '1' fills its box)
    digit_max_aspect: float = 2.5  # width over height: a blob wider than this is a dash or a rule, no digit
    #   (blobs.not_digit_like, which also refuses a solid blob: solid_fill, solid_aspect; 9f8357e, the first fast
    #   path for small clean digits)
    frame_span: float = 0.8  # share of the image's width or height: a blob touching the image's border and spanning
    #   this much of it is part of the frame, a paper edge, rules, a shadow (blobs.spans_frame; 33b131b) ...
    frame_aspect: float = 2.5  # times as long as wide: ... and no writing (blobs.is_frame) when this elongated ...
    frame_fill: float = 0.6  # share of its box: ... or inked this much ...
    frame_area: float = 0.3  # share of the image: ... or this big, unless it spans ``frame_tight`` of the image both
    #   ways and ``frame_span`` one way (a tight crop of one digit) ...
    frame_tight: float = 0.6  # share of the image's width and height: ... (33b131b) ...
    frame_company: float = 0.02  # share of its area: ... and only beside another blob at least this big (a tight
    #   crop of one digit also spans the image, but alone; 33b131b)
    frame_ink: float = 0.4  # share of the image: a blob touching the image's border and this big is a dark region,
    #   no digit (33b131b) ...
    frame_ink_alone: float = 0.75  # share of the image: ... or this big when it is the image's only blob (a tight
    #   crop of a bold digit can be about half ink)
    border_strip: float = 8.0  # times as long as thick: a blob touching the image's border beside other blobs and
    #   this elongated is a paper edge or a shadow's (keep_writing; a328d4c) ...
    border_strip_digits: float = 4.0  # times as long as thick: ... or this elongated, for keep_digit_like ...
    border_fill: float = 0.7  # share of its box: ... or inked this much (a solid piece at the border; a328d4c)
    # --- text lines and reading order (segment.py, order.py)
    deskew_min_deg: float = 3.0  # degrees: a text line steeper than this is turned level before the line model
    #   reads it (dae487e: tilted pages 0.73 -> 0.87 exact)
    line_overlap: float = 0.25  # share of the shorter box's rows: a box joins a text line when it shares this
    #   much with the line's last box; lines side by side sharing half this are one line (39e3722)
    far_line: float = 5.0  # heights of the taller of a new box and a line's last box: a line whose last box is
    #   further than this from it comes after the lines nearer, though it shares more rows (order.reading_order).
    #   ../shared/cases' desk photo turned 5-12 degrees further: its number took in the end of a printed line 15
    #   heights away and read '' or '86' (2026-12-04; now '86569' at +5, +8, +12, -12). train.scenes desk photos
    #   (seed 0, 50) turned 10 degrees either way: 73 -> 75 of 100. Issue 10's kinds (seeds 0-1, 2,800 photos):
    #   one pencil photo broken, a piece of a 3 6.5 heights of a speck from its line ('58534' read '538574'; at
    #   7 heights it reads, but the desk photo at -12 degrees reads '6'); seeds 2-3 of pencil, dark webcam, desk
    #   and tilted (800) and accuracy.py's lines, singles and scenes (seeds 0-1) read the same
    word_gap: float = 2.0  # digit heights (segment.word_runs): a text line is cut where the gap between two
    #   neighbouring blobs is wider than this, and each run is read by the line model on its own (its row keeps
    #   one line of the reading). The line model is trained on gaps of at most about 1.4 heights (train/lines.py:
    #   a space of 0.3-0.9 plus a glyph's 0.1-0.5); digits written far apart, or of unlike sizes and baselines,
    #   made one tall, sparse line that it read as words and the digit was lost ('4 4 4 7' read '4')
    word_run_blobs: int = 2  # blobs (specks aside): ... only when no run holds more than this many: a row of lone
    #   digits or pairs spread out. Cut, a run of printed letters far from the rest of its row ('sum   Lot', a
    #   form's words on a desk photo) read as digits at its own scale: of issue 10's desk photos, seeds 0 and 1,
    #   100 each, 3 gained a number ('599' read '599\n55'); none with this
    unlike_runs: float = 0.7  # share of a height (segment.unlike_runs): a row of words is cut at its wide gaps all
    #   the same when a run's tallest blob is under this share of the row's tallest, and each run is read at its
    #   own scale. A worksheet's row, a printed question and a small answer beside another question and a big
    #   answer, was one line scaled to the big answer: the small answer, a third of the line model's height, read
    #   as a word ('89 - 17 = 72   3 x 6 = 18' read '718') ...
    unlike_run_blobs: int = 4  # blobs (specks aside): ... a run of fewer joins its nearer neighbour first (an answer
    #   written apart from its question joins it; a worksheet row is a question and its answer beside another). A
    #   piece of a row of printed words cut off at a wide gap and read at its own scale read its letters as digits
    #   (issue 10's blank desk photos, seeds 0-1: an 'e' read '0' in 3 of 200; accuracy.py's words alone: 'Ex   Box'
    #   read '?')
    dash_length: float = 0.6  # digit heights: a text line of specks alone is dropped, but one holding a flat
    #   stroke at least this long is kept (segment.is_dash): a '1' lying flat in a quarter-turned column. Issue
    #   10's photos, seeds 0 and 1, 100 of each kind: rotated_90 / rotated_270 0.92 / 0.92 -> 0.93 / 0.94 and
    #   0.95 / 0.95 -> 0.97 / 0.98 exact; no photo of another kind went from right to wrong or back
    dash_flat: float = 3.0  # ... and at least this many times as long as it is thick (not a dot: a 'j''s tittle
    #   on its own line read '0' in benchmarks/accuracy.py's words alone)
    stacked_columns: float = 0.5  # share of the narrower box's (line's) columns: a box sharing this many with a
    #   line's last box sits above or below it, a broken digit's other piece, and is matched against the line's last
    #   two boxes' rows (order.line_rows); two lines sharing this many may be one line of broken digits' tops and
    #   bottoms (order.join_stacked_pieces; faint pencil, 2026-12-01: 22 -> 26 of 40 exact, tests/test_page.py) ...
    stacked_span: float = 1.4  # their tallest box's height: ... when together they span no more rows than this (a
    #   whole digit among them; two lines of writing span two heights and a gap) ...
    stacked_speck: float = 0.3  # share of that tallest box's height: ... and neither is a line of specks (paper
    #   grain, a dot): its tallest box at least this tall
    carry_slope: float = 0.84  # rows per column, tan(40 degrees): a line steeper than this at its end (its last two
    #   boxes' centres) is carried on by no other (order.join_continuations: a page tilted 25-30 degrees breaks
    #   where its wide digits stop sharing rows with their neighbours) ...
    carry_gap: float = 1.0  # digit heights (the line's median box): ... the line that carries it on starts at most
    #   this far right of its last box ...
    carry_overlap: float = 0.33  # digit heights: ... or overlaps it by at most this much ...
    carry_rise: float = 0.5  # digit heights: ... within this of where the line's slope puts it ...
    carry_turn: float = 0.3  # rows per column: ... and, of two boxes or more, at a slope within this of the line's
    #   (tilted pages 0.73 -> 0.87 exact with deskewing, dae487e; lines of print under each other start at one
    #   margin, not where the line above ends, and stay apart)
    far_neighbour: float = 2.0  # heights of the taller of a new box and a line's last box: a line whose last box
    #   is further than this from it, and under half or over twice as tall, comes after the others, though it
    #   shares more rows (order.reading_order: a handwritten number written up to the end of a printed line put its
    #   last digit at that line's end, 475 px and three heights away). 9ddc686, train.scenes photos, 100 of each
    #   kind, seeds 0 and 1: desk photos 0.94 -> 0.95, dark webcam frames 0.91 -> 0.92 (seed 0), pencil 0.74 ->
    #   0.73 (seed 0: the pieces of a broken 8 ended up in a line of specks, which is dropped). With every far line
    #   after the near ones (not only one of unlike boxes) faint pencil lost 1-2 more (again on 2026-12-02: a 5's
    #   flag left its line). Over twice as tall since 2026-12-02: the last word of a sloping printed line went to
    #   the number below it, 3.6 of the digits' heights away, and the number read as nothing (desk photos drawn
    #   with OpenCV 5.1, seed 0: 0.93 -> 0.94; every other kind, and 1,400 lines and scenes, the same)

    def __post_init__(self) -> None:
        _check(self, DETECT_ALLOWED)

    def __repr__(self) -> str:
        return _changed_fields_repr(self)


# What each field of DetectConfig takes (a tuple field: each of its numbers), from its meaning above.
DETECT_ALLOWED: dict[str, Allowed] = {
    # sizes a copy or a window is made at (0 divides by zero), the smallest speck, counts of rules and ticks
    **dict.fromkeys(["work_size", "page_size", "background_size", "background_kernel", "denoise_sizes"], AT_LEAST_1),
    **dict.fromkeys(["min_height", "min_area", "bent_rules", "edge_median"], AT_LEAST_1),
    "comb_ticks": Allowed(2),  # a lattice is fitted on two ticks at least
    "enlarge_factor": AT_LEAST_1,  # 1: never enlarged
    "enlarge_below": AT_LEAST_0,  # px (0: never)
    # px: images at least this big, margins and reaches (0: every image, no margin)
    **dict.fromkeys(
        ["coarse_min_side", "coarse_min_height", "page_min_side", "canvas_min_side", "clean_max_side", "tiny_side"],
        AT_LEAST_0,
    ),
    "clean_whole_max_side": AT_LEAST_0,  # px (0: never)
    "clean_whole_erode": AT_LEAST_1,  # px (1: no erosion)
    "clean_whole_paper": SHARE,
    **dict.fromkeys(["sheet_min_side", "blotch_min_side", "denoise_side", "pen_min_side"], AT_LEAST_0),
    **dict.fromkeys(
        ["rule_margin", "crossing_margin", "band_reach", "thin_wall_px", "along_reach", "rule_wobble"], AT_LEAST_0
    ),
    "along_span": SHARE,
    # ratios of a larger thing to a smaller one, 1 or more: the tallest blob to the next, a shrink factor, the
    # stronger polarity's energy to the weaker's, the most a blob weighs to the median blob
    **dict.fromkeys(["coarse_max_lead", "coarse_factor", "polarity_sure", "outlier_area"], AT_LEAST_1),
    # shares of an image, a sheet, a blob, a side; ink strengths 0-1
    **dict.fromkeys(
        ["clean_max_ink", "clean_main_share", "tiny_max_ink", "min_page", "max_page", "canvas_ground", "canvas_flat"],
        SHARE,
    ),
    **dict.fromkeys(["sheet_dim_ratio", "min_surround", "surround_width", "sheet_min_ink", "sheet_edge"], SHARE),
    **dict.fromkeys(
        [
            "turned_canvas_ring",
            "turned_canvas_fill",
            "turned_canvas_aspect",
            "turned_canvas_frame",
            "turned_canvas_flat",
        ],
        SHARE,
    ),
    "turned_canvas_depth": AT_LEAST_0,
    **dict.fromkeys(["blotch_compact", "strong", "weak", "faint_weak", "upright_span", "upright_share"], SHARE),
    **dict.fromkeys(["faint_reach", "faint_tall"], AT_LEAST_0),
    **dict.fromkeys(["lighter_max_height", "lighter_min_width"], AT_LEAST_0),
    "lighter_min_fill": SHARE,
    **dict.fromkeys(["faint_low_strong", "faint_low_weak", "faint_bridge", "bridge_max_side"], SHARE),
    "bridge_max_pieces": AT_LEAST_1,
    **dict.fromkeys(["grow", "ruled_writing", "bent_run", "thin_band", "band_gap", "line_overlap"], SHARE),
    "grid_span": SHARE,
    **dict.fromkeys(["box_sides", "box_band", "box_outline", "box_stroke", "wall_drift"], SHARE),
    **dict.fromkeys(["box_edges", "box_run"], SHARE),
    **dict.fromkeys(["tick_slim", "tick_fill", "wall_ruled", "tick_alike", "rim_share"], SHARE),
    "rim_px": AT_LEAST_0,
    "tick_alike_px": AT_LEAST_0,
    "lattice_tolerance": AT_LEAST_0,
    **dict.fromkeys(["lattice_strength", "lattice_thin", "debris_share", "grid_square", "margin_share"], SHARE),
    **dict.fromkeys(["lattice_periods", "debris_min_blobs"], AT_LEAST_1),
    "barcode_bars": AT_LEAST_1,
    **dict.fromkeys(["barcode_level", "barcode_gap", "barcode_lean"], AT_LEAST_0),
    "barcode_end_height": AT_LEAST_1,
    **dict.fromkeys(["lattice_min_step", "lattice_drift"], AT_LEAST_0),
    "box_band_px": AT_LEAST_1,
    "min_contrast": Allowed(0, 1, above_low=True),  # the ink map is divided by at least this
    # shares a blob or a height must reach, where above 1 turns the check off (tests/test_config.py does so)
    **dict.fromkeys(["sheet_solidity", "frame_share", "coarse_max_span", "sliver_height"], AT_LEAST_0),
    # grey levels of 8-bit images (dark_floor: the paper level ink is divided by, above 0)
    **dict.fromkeys(
        ["clean_min_contrast", "border_flat_sd", "border_step", "sheet_min_step", "canvas_sd", "canvas_step"], GREY
    ),
    **dict.fromkeys(["sheet_min_dim_step", "lit_paper", "bright_paper"], GREY),
    "dark_floor": Allowed(0, 255, above_low=True),
    # noise sigmas, shares of the sheet's step, stroke widths, digit heights, ratios of sides
    **dict.fromkeys(["denoise_below", "denoise_keep", "edge_steepness", "near_step", "blotch_strokes"], AT_LEAST_0),
    **dict.fromkeys(["faint_beside_gap", "upright_strokes", "max_grow_side", "rule_strokes", "pen_width"], AT_LEAST_0),
    **dict.fromkeys(["pen_end_width", "pen_end_strokes", "pen_end_length"], AT_LEAST_0),
    "max_grow_px": AT_LEAST_1,
    "blotch_disc": AT_LEAST_1,
    **dict.fromkeys(["flag_flat", "body_upright", "lone_digit_tall", "dash_length", "dash_flat"], AT_LEAST_0),
    **dict.fromkeys(["far_neighbour", "word_gap", "far_line"], AT_LEAST_0),
    **dict.fromkeys(
        ["stacked_span", "carry_slope", "carry_gap", "carry_overlap", "carry_rise", "carry_turn"], AT_LEAST_0
    ),
    **dict.fromkeys(["stacked_columns", "stacked_speck"], SHARE),
    **dict.fromkeys(["fragment_height", "fragment_gap", "fragment_width", "fragment_span"], AT_LEAST_0),
    **dict.fromkeys(["digit_max_height", "row_neighbour_gap", "speck_size", "solid_aspect"], AT_LEAST_0),
    **dict.fromkeys(["border_strip", "border_strip_digits", "digit_max_aspect", "frame_aspect"], AT_LEAST_0),
    **dict.fromkeys(["frame_span", "frame_fill", "frame_area", "frame_tight", "frame_company"], SHARE),
    "row_neighbour_low": SHARE,
    "row_neighbour_high": AT_LEAST_1,
    "fragment_level": Allowed(0, 0.5),
    **dict.fromkeys(["solid_fill", "frame_ink", "frame_ink_alone", "border_fill", "frame_ring"], SHARE),
    "dither_levels": Allowed(2, 256),  # grey levels (256: every image is looked at for dots)
    "dither_gap": AT_LEAST_0,  # grey levels (0: any levels)
    "dither_dots": AT_LEAST_0,  # dots per pixel (0: every image of few levels is a halftone; above 1: none)
    "dither_min_side": AT_LEAST_0,  # px
    "descreen_sigma": Allowed(0.1),  # px: a blur
    "focus_big": AT_LEAST_1,  # times the median height (1: every component taller than the median)
    "focus_ratio": SHARE,
    "focus_writing": AT_LEAST_1,  # components
    **dict.fromkeys(["tick_foot", "tick_width", "tick_height", "wall_height", "wall_lean"], AT_LEAST_0),
    **dict.fromkeys(["thin_wall_fill", "ended_rule", "ended_rule_flat", "leftover_rule"], AT_LEAST_0),
    "word_run_blobs": AT_LEAST_1,
    "unlike_runs": SHARE,
    "unlike_run_blobs": AT_LEAST_1,
    "rule_length": POSITIVE,  # the digit height is divided by it
    "crossed_rule": AT_LEAST_0,
    "lying_contrast": AT_LEAST_0,
    "lying_length": AT_LEAST_0,
    "flag_gap": ANY,  # body heights; negative: the flag must overlap the body
    "flag_end": Allowed(high=0.5),  # share of the body's height at each end; negative: past the body's end
    "deskew_min_deg": Allowed(0, 90),
    "grid_level_deg": Allowed(0, 90),
    "rule_tilt_max_deg": Allowed(0, 90),
    "rule_span": Allowed(0, 1),
    "rule_aspect": Allowed(0),
    "rule_min_strokes": Allowed(0),
}

DEFAULT = DetectConfig()


@dataclass(frozen=True)
class ReadConfig:
    """The thresholds of reading, in one place: how the digit model's and the line model's readings of the blobs
    detection found are weighed (recognize.line_digits), when a page is read turned (recognize.keep_turned,
    sideways) and when a small blob gets a second look (reader.py). One field per setting, as DetectConfig's: a
    frozen dataclass. ``DEFAULT_READ`` (``ReadConfig()``) holds the values reading has always used.

    Use one with a reader, ``DigitReader(read_config=ReadConfig(stray_height=0.5))`` (its worker processes use it
    too); recognize.py's functions take ``config=``. It is frozen: make a changed copy with ``dataclasses.replace``::

        import dataclasses
        from edgedigits.runtime import DigitReader, ReadConfig

        config = dataclasses.replace(ReadConfig(), stray_height=0.5, flip_log_odds=7.0)
        reader = DigitReader(read_config=config)

    Each field's meaning, unit and source is the comment beside it in runtime/config.py
    (``inspect.getsource(ReadConfig)``); ``READ_ALLOWED`` gives its range. Every field is checked when the
    configuration is made: a value of the wrong type, NaN or an infinity, or one out of its range
    (``narrow=-1.0``, ``certain=1.5``) is a TypeError or ValueError naming the field. Changing a field changes
    readings: the shipped figures are measured with the defaults.
    """

    # --- blob heights on a line, and its ink (recognize.line_digits and the rules it calls)
    full_share: float = 0.5  # share of the line's tallest blob's height: a blob at least this tall is one of the
    #   line's characters, not a speck, a dot or a comma (6a390e9, 2026-11-30)
    tall_share: float = 0.75  # share of the line's tallest blob's height: a blob at least this tall is a digit
    #   written at the line's size, not a short mark beside the digits: a separator, a small letter (cda6008)
    ink_level: float = 0.25  # ink strength (0-1) in a line's own ink map (lines.TextLine.ink): a pixel above this is
    #   ink, not a stroke's faint edge or the paper's noise (zero_loops, solid, ink_rows; 41b9547)
    # --- one digit or several in a blob (recognize.line_digits, favours_one)
    narrow: float = 0.5  # digit heights of width per digit: a blob narrower than this for the digits the line
    #   model read in it is one digit when the digit model is ``certain`` of one (cda6008, d16bb13)
    narrow_alone: float = 0.4  # digit heights of width per digit: a blob alone on its line holds several only when
    #   at least this wide for them (MNIST digits: w/h 0.3-0.9; 6a390e9); also a fast-path blob's width for a second
    #   look (reader.may_be_several) ...
    alone_one: float = 0.15  # digit heights of width: ... and per '1' among them: MNIST train '1's are 0.2-0.8 as
    #   wide as tall (5th to 95th percentile; the other digits 0.5-1.4). At narrow_alone a touching '141' (1.08
    #   heights wide) was too narrow for three and read '4' (8819778). A '1' counts this much in ``narrow`` too
    #   (2026-12-02): an '8' and a '1' touching, 0.86 heights wide, were one '8' ('4681' read '468'); line kinds of
    #   benchmarks/accuracy.py, 300 each, seed 1, crop/photo exact: touching strings 257/262 -> 263/265, separators
    #   262/258 -> 263/260 (14 lines fixed, 2 broken), touching pairs the same; at seed 0 (100 each of every line
    #   kind) 1 fixed and 2 broken
    certain: float = 0.995  # probability: a digit model this sure of one digit in a narrow blob (or one alone on
    #   its line) overrules a split (6a390e9, e1adf7c)
    split_odds: float = 2.0  # log-odds for one digit (both models) over the line model's split, above which a blob
    #   is one digit (recognize.one_digit_odds; 778e6c4)
    alone_split_odds: float = 0.0  # log-odds: the same for a blob alone on its line whose digit model is
    #   ``certain`` of one digit: the split must be the likelier outright. Measured on benchmarks/accuracy.py (100
    #   of each kind, seed 0): touching pairs 0.83 -> 0.86 crop and 0.86 -> 0.91 photo exact; at split_odds (2.0)
    #   a lone '2' with a long tail in a scene (odds 1.43) read '22' (27c8367)
    lone_flat: float = 2.5  # width over height: a blob alone on its line at least this flat, in which the
    #   line model read no digit, is a dash or an underline's end, not a digit (recognize.line_digits; MNIST digits
    #   are 0.3-1.4 as wide as tall). Measured 2026-12-03 against fa5ae14, image by image, on benchmarks/accuracy.py's
    #   material (lines 200 of each kind as crop and photo, issue 10's kinds 100 each, single digits 150 x 29, scenes
    #   300 each; seeds 0 and 1: 26,200 readings): 6 fixed (a printed word's underline piece read '2' at 0.62; a
    #   single digit's photos read '2\n5' four times; a desk photo's '093123\n2'), none broken
    lone_letter: float = 0.8  # probability: a blob alone on its line in which the line model read only a
    #   letter, at least this surely, is a letter (recognize.line_digits): a printed 'ID' in one blob read '0'. On the
    #   same 26,200 readings: 3 words alone fixed, none broken
    letter_digit_width: float = 1.0  # digit heights: a blob no wider than this for its own height, of full height,
    #   in which the line model read only a letter, is the digit model's digit when that model is ``certain`` of
    #   it and every other blob of full height on the line holds a digit the line model read (a line of digits
    #   with no word in it): a slim, slanted '9' first on its line read as a word ('*71268') and was lost
    #   without a '?' (a new user's 30 pages of MNIST test digits: 3 such); a word is wider, or leaves blobs
    #   of its letters in which the line model read nothing (recognize.line_digits)
    letter_digit_height: float = 0.6  # the tallest blob's height: ... and at least this tall (was 0.75, fixed). A
    #   digit written smaller than its neighbours, first on its line or between them, read as a word and was lost:
    #   benchmarks/frame_latency.py's frames (synth.make_scene, 200 seeds) lost 5 such digits standing 0.67-0.71 of
    #   the tallest; accuracy.py's lines (seed 0, 100 of each kind, crops and photos) read the same down to 0.5, and
    #   at 0.4 and 0.3 read a lowercase letter next to a number as a digit, 4 and 6 times (letters at 0.31-0.46)
    digit_gap: float = 0.25  # the tallest blob's height: a blob the line model read as (part of) a word carries on the
    #   number beside it (recognize.digits_read_as_word) when no gap between them is wider than this. Printed
    #   digits stand 0.04-0.2 heights apart in train.lines; a space before a word is 0.3-0.9 heights there, more
    #   with the word's own gap. Chosen on benchmarks/accuracy.py's lines (seeds 0-1, 150 per kind, crop and
    #   photo; 2026-12-04): 12 printed numbers fixed at 0.2-0.25; at 0.3 an italic 'EH 1262' read '41262' (9 px
    #   of space, 0.29 heights)
    digit_align: float = 0.15  # the tallest blob's height: ... and when its top and bottom lie within this of the
    #   number's digit beside it: printed digits share both. 'mky 470770' in italics read '4470770', the 'y'
    #   0.3 heights lower (seed 2). Handwritten tops vary 0.1 heights or so (train.lines)
    dot_fill: float = 0.65  # share of its box: a blob alone on its line inked over this much of its box ...
    dot_aspect: float = 1.5  # ... and no more than this much wider than tall or taller than wide, where the line
    #   model read a full stop or a comma, is a dot or a blot, no digit (recognize.solid): a tap of the pen on the
    #   web page's Draw tab read '0' at 0.996 (a new user's trial). Filled discs of 11-41 px fill 0.67-0.75 of
    #   their ink's box; of the 7,050 roundish MNIST test digits, 49 fill 0.65 or more (bold 0s and 8s: the line
    #   model reads no full stop in those)
    doubt_floor: float = 0.01  # probability: the digit model's doubt counts as at least this (it is overconfident
    #   on touching pairs; 778e6c4)
    piece: float = 0.6  # share of its line's tallest blob: a blob shorter, where the line model reads one digit,
    #   is a piece of a broken digit (faint pencil, a blurred photo), read by the line model alone; and a piece
    #   inside a taller blob's box owns no peak (recognize.nearest_blob). Measured on 12 MP desk photos
    #   (train.scenes, seeds 100-109): a 6's loop 44 px tall beside digits of 99-114 px, read '6' by the line model
    #   (0.98) and '0' by the digit model, came out '?' (0.49; 50c2d57)
    faint_piece: float = 0.93  # share of the line's ink in a blob's box: on a noisy image's map (faint pencil, a
    #   dark webcam frame), a blob whose own mask holds less of it is a piece of a digit whose fainter strokes no
    #   blob took (segment.own_ink_shares), read by the line model alone (recognize.faint_piece). On issue 10's
    #   pencil photos the line model alone read 0.76 / 0.72 exact (seeds 0 / 1) where both models read 0.75 / 0.63:
    #   the digit model sees the piece. Measured 2026-12-04 (train.scenes, 100 photos per kind and seed), pencil and
    #   dark webcam frames, seeds 0-3, 632 of 800 exact before: 650 at 0.93 with faint_piece_sure 0.7, 653 at 0.95
    #   (seeds 0-1, where it was chosen: 0.9 329, 0.93 330, 0.95 332, 0.96 331, 0.98 328 of 400, every noisy blob
    #   327, without faint_piece_sure). Not 0.95: a touching-strings crop of benchmarks/accuracy.py (seed 0,
    #   '26739'), its faint 3 at 0.948 read '5' by the line model, the only line of 3,600 (seeds 0-1) it broke
    faint_piece_sure: float = 0.7  # probability: ... when the line model reads each of the blob's digits at least
    #   this surely. Joined to a patterned background by faint strokes (a guilloche, benchmarks/accuracy.py's
    #   separators, seed 0: '25.093'), a line read unsurely (0.44-0.65) by the line model gave '2635806' where both
    #   models gave '25096'; with this, '2506' (no extra digit); 653 of 800 photos at faint_piece 0.95 either way
    sure: float = 0.9  # probability: a model this sure of what it read is not overruled by the other: the digit
    #   model, this sure of a digit of full height where the line model read nothing or an unsure '/', gives that
    #   digit (cda6008)
    slash_sure: float = 0.9  # probability: a '/' the line model reads less surely than this, in a line of digits, is
    #   such a digit (a thin '1' taken for a slash); at or above it, a slash. Lower, slashes of digit height read at
    #   0.77-0.87 stay slashes ('0/34' read '0134'), but turned pages' slanted '1's are lost: measured 2026-12-02,
    #   benchmarks/accuracy.py's line kinds (300 each, seed 0, crop/photo exact) and issue 10's photo kinds (100
    #   each, seed 0): at 0.7 separators 263/274 -> 265/277 and printed numbers 243/235 -> 244/236, but pages
    #   turned 90 and 270 degrees lost one each ('91489' read '9489'); at 0.5 tilted pages lost two more ...
    loop_height: float = 0.3  # share of a blob's ink height: a hole this tall is a loop (recognize.zero_loops): a
    #   blob the line model read only zeros in, less than ``sure``ly, holding more loops side by side than zeros,
    #   is a zero a loop. The looped zeros of ../shared/cases/cheque-amount-3000.jpg's "3 000" are 0.56-0.72 of it
    loop_width: float = 0.75  # digit heights of width per loop: ... when the blob is this wide for its loops. An
    #   MNIST '0' whose stroke crosses itself holds two holes side by side: at 0.5, six of 2,400 scenes read '00'
    loop_hole: float = 0.4  # share of a blob's height: ... and a blob the line model read as a word, in a line
    #   of digits, when each of its loops (at least two) is this wide (recognize.joined_zeros). Measured 2026-12-04:
    #   tests' looped_zeros (seeds 5-7, 120 amounts) read as a word held loops 0.41-0.65 of it wide; the words of
    #   benchmarks/accuracy.py's line kinds (seeds 0-1, 150 each, crops and photos: 766 blobs read as a word in a
    #   line of digits) held two or more loops in 16 blobs, each with a loop under 0.4 or covering under 0.45
    loop_cover: float = 0.45  # share of its width: ... and when its loops together cover this much of it (looped
    #   zeros 0.47-0.66, ../shared/cases/cheque-amount-3000.jpg blurred 0.52; those 16 words 0.12-0.43)
    piece_gap: float = 0.0  # the taller blob's heights: a blob the line model read nothing in and the digit model
    #   reads as a '1', whose columns come this near those of a blob the line model read one digit in (0: touching
    #   or overlapping), is a piece of that digit (recognize.piece_of_a_digit), no '1' it missed. Measured
    #   2026-12-05: issue 10's pencil photos, seeds 0-3, 5 more read exactly of 400 (0.80 / 0.66 / 0.70 / 0.72 ->
    #   0.80 / 0.68 / 0.70 / 0.75) and separators crops of benchmarks/accuracy.py seed 1 two more, nothing lost in
    #   the other kinds and the lines, seeds 0-1; at 0.05, 3 more pencil photos, but a '1' 2 px from a '7' on
    #   squared paper and a printed '11' were lost
    slash_height: float = 1.12  # share of the median height of its line's other digits: ... unless the blob
    #   stands at least this much taller than them: a slash reaches past the digits, a '1' stands as tall as they do
    #   (the pen-drawn slashes of train/lines.py are 0.8-1.35 digit heights; shared case slash-2468.jpg's is 1.19).
    #   Not where the line model read nothing: a sure '1' taller than its round neighbours stays (MNIST '1's stand up
    #   to 1.2 of them: '8186' read '886'; 2026-12-03, one scene fixed, nothing else changed in 8,400 line readings)
    # --- stray marks (recognize.drop_stray_marks)
    stray_height: float = 0.7  # share of the page's number (the median height of the digits on its lines of two
    #   or more): a digit alone on its line shorter than this is a stray mark: a pen's tip, a printed letter cut
    #   off its word, the edge of the sheet. Issue 10's desk photos (12 MP, seed 0): strays stood 0.15-0.65 of the
    #   number's height; 0.5 left two of 0.62 and 0.65: desk photos 0.67 -> 0.70 exact at 0.7 (f019711)
    # --- a page turned 180 degrees (recognize.turned_over, keep_turned, turn_tolerance)
    flip_min_chars: int = 3  # characters a page must hold before it is ever read turned (6a390e9)
    flip_log_odds: float = 5.5  # log-odds: the page's mean log-odds of being turned above which it is read turned
    #   (if the line model does not disagree: turn_tolerance). benchmarks/orientation.py (200 page photos of MNIST
    #   test digits each way, runs/orient3, lines padded by lines.BATCH_MARGIN): upright pages reach at most 3.34;
    #   at 5.5 none is turned and 95.8 % of the upside-down ones are caught (4.0: 96.4 %, and the old
    #   runs/orientation2 model 91 %). The model shipped since 2026-12-06 (runs/orient6, trained with printed lines
    #   too): upright pages at most 3.15, at 5.5 none turned and 92.2 % caught (4.0: 94.8 %; issue 10's rotated_180
    #   photos, seeds 0-1, read 184 of 200 exactly with either model: the line model's agreement turns the rest).
    #   Webcam-like frames of six spaced digits (synth.make_scene, 400) reach 5.3
    #   and 6.7: at 4.0 one was read turned, as the line model read it turned a little more surely
    #   (tests/test_orientation.py: test_upright_frames_are_never_turned). Issue 10's photos, seeds 0 and 1, 100 of
    #   each kind: 5.5 against 4.0 read one rotated_180 page fewer on each seed (a '284' and a '321' at 5.3 and
    #   4.6), nothing else changed (e3f1f9c)
    flip_log_odds_symmetric: float = 8.0  # log-odds: the same for a page of 0, 1 and 8 alone, which look alike
    #   either way up: its turned strokes still tell, more weakly. Upside-down rotated_180 photos of those digits
    #   reach 9.0 and 20.1; upright photos and frames stay under 4 (tests/test_orientation.py), and the line model
    #   must agree as for any page (turn_tolerance; 25ce8ab)
    turn_tolerance: float = 0.0  # nats per character a page's turned reading may be less sure than its upright one
    #   and still be turned when the orientation model says so: on rotated_180 photos the turned reading was surer
    #   in 24 of 24; upright photos and frames the orientation model wrongly called turned read 0.04-0.27 less
    #   surely turned (benchmarks' frame_latency scene 2: 0.044; dbc57bd, df28c60). ../shared/cases/
    #   upside-down-064468.jpg reads 0.013 less surely turned with the shipped line model: at log-odds 7.4 (the
    #   first orientation model, runs/orientation2) it stayed upside down; runs/orient3 put it at 11.5, the shipped
    #   runs/orient6 at 10.0 ...
    sure_turn_odds: float = 8.0  # log-odds: ... unless the orientation model is this sure (upright pages stay under
    #   3.4, frames under 6.7) ...
    sure_turn_tolerance: float = 0.1  # nats per character: ... then the turned reading may be this much less sure.
    #   100 rotated_180 photos (train.scenes, benchmarks' seed): 3 pages at log-odds 10.9-20.6 were read upside
    #   down, their turned readings 0.011-0.065 less sure (a faint or broken digit reads unsurely either way); a
    #   fourth, at 0.114, stays upside down (7cf4200)
    unsure_turn_margin: float = 0.1  # nats per character: a page the orientation model only leans towards turned
    #   (log-odds above 0) is kept turned when the line model reads it turned this much more surely, with no fewer
    #   characters. train.scenes photos, seeds 0 and 1, 100 of each kind: 9 rotated_180 pages at log-odds 0.45-3.1
    #   read 0.115-0.67 more surely turned and were read upside down; of the upright pages at log-odds above 0
    #   (1-12 % of each kind), the few that read over 0.1 more surely turned were misread either way, but one (a
    #   faint '569' read '5690', turned '695': 0.24) read fewer characters turned (ec14376)
    # --- a page whose digits vote for a quarter-turn (recognize.turn_vote, reader.DigitReader._turn_by_digit_votes)
    vote_min_blobs: int = 2  # blobs: a page with at least this many, and text lines, is voted on (one blob turned
    #   is a different digit as often as not: see search_min_digits)
    vote_min_aspect: float = 0.8  # width / height: ... and whose blobs' median is wider than this (median_aspect;
    #   the vote costs a 640x480 frame 0.2-0.3 ms). 2026-12-07, benchmarks/accuracy.py's scenes (seeds 0 and 1):
    #   the 398 turned 90 or 270 degrees with two blobs or more stood at 0.83 or more (1 % under 0.93), the 400
    #   upright ones (clean and photo) at 0.40-1.14, 42 % over 0.8; benchmarks/frame_latency.py's 100 frames 36 %
    vote_margin: float = 5.0  # nats: the digit-orientation model's log-probabilities, summed over the page's blobs,
    #   must favour a quarter-turn over each other turn by at least this much ...
    vote_agree: float = 0.6  # share of blobs: ... and at least this share of the blobs must call that turn on their
    #   own (both of two blobs, two of three, three of four or five). Chosen 2026-12-07 with the shipped model on
    #   seed 0's material (benchmarks/accuracy.py's scenes, clean and photo, and clean turned 90 and 270 degrees,
    #   100 each; its line kinds, crop and photo, and issue 10's kinds, 100 each): every page voted a quarter-turn
    #   logged, and counted turned by keep_voted_turn. Of the 198 turned scenes voted on, 177 turned (21 of them
    #   misread by the rules below) and no page that lies upright. At an agreement of 0.5, 183 and three lines
    #   upright (two blobs of a touching string, a word, a string with a full stop); at a margin of 4.0, 179, and on
    #   seed 1 a tight crop of a touching '17909', two blobs of several digits each, voted at 4.4 and read '5 8'.
    #   Seeds 0 and 1, that material read with the model and without it: of each seed's 2,800 readings of lines and
    #   issue 10's kinds, none changed. vote_margin and vote_agree are recognize.axis_vote's thresholds too (either
    #   quarter-turn against upright or upside down), with recognize.keep_axis_turn after it: 2026-12-07, ad-hoc,
    #   600 lines of 2-4 MNIST test digits turned 90 or 270 degrees, 562 -> 573 exact; seeds 0-1's 12,400 readings
    #   of accuracy.py's line kinds and issue 10's kinds the same
    vote_sure_margin: float = 10.0  # nats: a vote leading by this much keeps its turn when the digit model is surer
    #   of the turn's blobs by ``vote_digit_gain`` (recognize.keep_voted_turn), though the line model is not: 5 more
    #   of the 198 turned scenes above, none upright (8 to 12 nats: the same five; 16: four)
    vote_digit_gain: float = 0.15  # probability: see vote_sure_margin (0.2: the same pages; 0.1 an upright desk
    #   photo too)
    vote_keep_share: float = 0.4  # share of digits: a voted turn reading fewer than this share of the digits read
    #   as the page lies is not kept (2026-12-07: of the turns kept on seeds 0 and 1 of benchmarks/accuracy.py's
    #   line kinds, 300 crops and photos each, and issue 10's kinds, 100 each, the 361 of pages turned 90 or 270
    #   degrees read at least 0.57 of the digits read as they lay, the two of upright lines 0.2: a touching
    #   '54510' read '88', a '64478' with separators '1')
    # --- a page turned a quarter (recognize.sideways, reader.DigitReader._quarter_turn)
    sideways_max_gap: float = 1.2  # digit heights: the stacked digits of a turned number are at most this far apart
    #   (60 quarter-turned photos: at most 1.07, mostly under 0.5; lines of writing on a page are further; 25ce8ab)
    sideways_max_gap_two: float = 0.5  # digit heights: ... two stacked blobs only: they must touch nearly (a form's
    #   two fields are apart; 25ce8ab)
    sideways_margin: float = 0.005  # nats per character (recognize.peak_score): a column is kept turned when the
    #   line model reads the turn this much more surely than upright. Seed 0: on 60 quarter-turned photos
    #   (rotated_90 / rotated_270) the right turn read 0.010-0.82 more surely in 59 (one 0.19 less: a digit
    #   misread); on 32 upright columns of 2-4 MNIST test digits stacked 0.3-0.6 digit heights apart, which look
    #   the same, the turn read at most 0.004 more surely (25ce8ab)
    sideways_sure_margin: float = 0.1  # nats per character: ... and by this much a turn that reads one digit fewer
    #   than the column has lines (100 photos each of rotated_90 and rotated_270: 3 such pages read 0.19-0.32 more
    #   surely turned, 2 of them then right (0.89 -> 0.90 each), one 0.001; upright columns at most 0.004;
    #   87bb942): a '1' joined to a neighbour once turned, a speck in the column
    sideways_turn_odds: float = 8.0  # log-odds gap between the two quarter-turns' odds of being upside down: ... or
    #   when the orientation model tells them apart by this much, the turn it calls upright reads digits only ...
    sideways_tolerance: float = 0.01  # nats per character: ... and the line model reads it no less surely than the
    #   column, less this. rotated_90 and rotated_270 photos, seeds 0 and 1, 100 each: 6 pages turned right 0.004
    #   less to 0.004 more surely were left lying, at gaps of 8.3-35.2; 39 upright columns turn into letters and
    #   dashes, or into digits at gaps of at most 6.8 and 0.13-0.52 less surely (ea73164)
    sideways_pick_odds: float = 4.0  # log-odds gap: the quarter-turn tried as the way up is the one the
    #   orientation model calls upright when the two turns differ by this much, else the one the line model reads
    #   more surely (runs/orient3 put the two turns of a '9151' at -2.6 and -0.6 and picked the wrong one; issue
    #   10's rotated_90 and rotated_270 photos, seeds 0 and 1, 100 each: one more read right on each seed; e3f1f9c).
    #   The same pick for a page the digit-orientation model puts on its side either way (reader._likelier_turn)
    sideways_lines_margin: float = 0.03  # nats per character: a page of several lines turned (its blobs make columns:
    #   recognize.quarter_turned_lines) is kept turned when the line model reads the turn this much more surely.
    #   benchmarks/accuracy.py's clean scenes turned 90 and 270 degrees (300 each, seed 0): the turns it kept read
    #   right 0.006-0.6 more surely, 253 of 261 above 0.03; a line photo of a word, a touching '2691' and an
    #   underline, upright, read 0.027 more surely turned, and was kept turned at 0.005 ('83|2'). A page read
    #   within this margin of certainty as it lies is therefore not tried turned by this rule (recognize.sideways)
    column_upright_margin: float = 10.0  # nats (recognize.upright_lead): a column is never kept turned when the
    #   digit-orientation model's votes say its blobs stand upright as they lie by this much. 2026-12-07, ad-hoc: 600
    #   upright columns of 2-4 MNIST test digits one a line (synth.paper_scene) and 600 lines of the same digits
    #   turned 90 or 270 degrees, and issue 10's rotated_90 and rotated_270 photos, 100 each (seeds 0 and 1): the 5
    #   columns kept turned (misread: '3 8' read '94') voted upright by 15.4-28.0, the 117 turned pages kept turned
    #   at most 3.1, but for one photo of touching digits, 13.9 (so the rule asks the turn to read no more digits
    #   than the page has blobs)
    # --- any page read unsurely, read at both quarter-turns too (recognize.quarter_turn_search, reader.py)
    search_margin: float = 0.1  # nats per character (recognize.peak_score): a page whose text lines read less
    #   surely than this below certainty, and that no stage above turned, is also read at both quarter-turns; the
    #   one the line model reads surer is kept when it reads it surer by more than this ...
    search_odds: float = 6.0  # log-odds gap: ... and the orientation model calls that turn upright by at least this
    #   much against the opposite turn. 2026-12-03, accuracy.py's scenes (seed 0, 100 of each) and issue 10's
    #   kinds (seed 1, 15 of each): 47 turned scenes left misread; the rule turned 23 of them the right way and
    #   no other page (at 4.0: 26). Upright scenes that read 0.14-0.17 surer at a quarter-turn stood at gaps of
    #   0.2-0.6 (a faint pencil page, 0.28 surer turned: -3.5). Full form pages with printed labels lying on
    #   their side (A4 at 200 dpi): the right way up read 0.19-0.35 surer, at gaps of 7-14 ...
    search_min_digits: int = 2  # digits: ... and the turn kept reads at least this many, and no more than the page
    #   has blobs. Without it, 19 of 12,900 upright readings of accuracy.py's lines, single digits and scenes
    #   (seed 0) were turned: single digits ('7' on its side reads '7' or '71' more surely than upright, at gaps of
    #   6.6-9.5) and lines whose turn read one digit or none; the turned scenes turned right read 2 or more. With
    #   it, on seed 1 one line of two printed words read '204' turned (3 digits, 2 blobs), hence the upper bound.
    #   recognize.keep_axis_turn asks as many of a turn it keeps
    search_min_aspect: float = 0.7  # width / height: only a page whose blobs' median is wider than this is searched
    #   (recognize.may_lie_turned): upright MNIST digits stand 0.3-0.9 as wide as tall, on their side 1.1-3.3.
    #   Accuracy.py's lines, singles, scenes and scanned forms and issue 10's kinds, seeds 0 and 1 (2026-12-04): the
    #   149 pages the search turned stood at 0.80 or more; of the 589 it searched for nothing, 304 had one blob and
    #   72 more stood at 0.7 or less. Each such search cost a 640x480 frame two extractions (4 ms -> 14-24 ms)
    search_digit_margin: float = 0.05  # nats per blob: ... and only a page whose blobs' 28x28 digits, turned a quarter
    #   either way where they lie, the digit model reads at most this much less surely than as they lie (mean log
    #   max-probability per blob, recognize.digit_turn_gain: one call of the digit model, 0.2 ms). Logged every
    #   search (2026-12-05): the 92 pages the search turned (accuracy.py's scenes turned 90 and 270 degrees, 300
    #   each; its scanned forms turned, 20 each; issue 10's rotated, tilted and six more kinds, seeds 0-1) gained
    #   0.01 to 0.88 turned; benchmarks/frame_latency.py's upright frames (synth.make_scene, 200 seeds) searched for
    #   nothing, 38 of 200 at 15-18 ms instead of 4-5, gained -0.53 to +0.02, 35 of them under -0.05
    # --- a page of many characters turned 180 degrees (recognize.keep_turned)
    many_chars: int = 15  # characters the line model reads on a page as it lies: with this many or more ...
    many_chars_margin: float = -0.08  # nats per character: ... a page the orientation model calls turned
    #   (many_chars_turn_odds) is kept turned when the line model reads it turned at most this much less surely
    #   (negative: the line model may read it less surely), whatever it reads there. Until 2026-12-06 +0.02 (turned
    #   only when the line model read it turned more surely): full form pages turned 180 degrees (20-28 characters)
    #   read their turned readings 0.04-0.15 surer. But the line model reads a worksheet's printed questions upside
    #   down as words, surely: worksheets turned 180 degrees read 0.061 less surely to 0.052 more surely turned
    #   back (train.scenes.scanned_worksheet, DejaVu Sans seeds [0, 150] and Liberation Sans [0, 151], 6 and 8
    #   pages), so the orientation model, which now tells them apart, decides; -0.08 leaves a margin
    many_chars_turn_odds: float = 1.5  # log-odds: ... when the orientation model calls it turned at least this
    #   surely. The orientation model of 2026-12-06 (runs/orient6, trained with printed lines and worksheet lines)
    #   on pages of 15 or more characters: upright, scanned forms (train.scenes.scanned_form, seeds 0-2, 60 pages)
    #   -5.06 or less, issue 10's desk photos (seed 0, 53 pages) -2.13 or less, worksheets in DejaVu Sans (6)
    #   -2.39 or less and in Liberation Sans (8) -0.53 or less; turned 180 degrees, the forms 5.1 or more and the
    #   worksheets 2.06 and 1.82 or more. The first model (runs/orient3) leant the wrong way on worksheets both
    #   ways (upright 0.05-3.66, turned -2.4 to 0.7): this was 4.0, and leaning (over 0) before that read 8 of a
    #   teacher's 48 upright worksheets upside down at confidences of 0.99
    many_chars_dispute_odds: float = 1.5  # log-odds: a page of ``many_chars`` or more characters read as it lies
    #   while the orientation model calls it turned this surely is disputed (reader.way_up_disputed; its digits keep
    #   at most ``disputed_confidence``). Scanned forms (train.scenes.scanned_form, seeds 0-2, 20 pages each) and
    #   issue 10's desk photos (seeds 0 and 1, 100 each), with runs/orient3: the 244 upright pages of 15+
    #   characters stood at -0.17 or less, the 60 forms turned 180 degrees at 4.58 or more; seed 0's page 17
    #   stayed upside down at 5.04 and read '062171' for '161290' at confidences of 0.92-1.0 (2026-12-04; it turns
    #   at 5.1 with runs/orient6 and reads right). 2.0 until 2026-12-06: the upright worksheets
    #   above, at 2.0-3.66 with runs/orient3, had every digit capped; then 4.0 (the forms' 4.58). With runs/orient6
    #   upright pages of 15+ characters stand at -0.53 or less (``many_chars_turn_odds``' evidence), so 1.5, the
    #   odds that turn such a page: one the line model keeps as it lies is disputed. Of 20 worksheets turned 180
    #   degrees per seed (benchmarks/accuracy.py --only worksheets, seeds 0-4), 3 stayed upside down and read
    #   confidently wrong at 4.0; now all '?'. Issue 10's kinds, seeds 0-1 (2,800 photos): two blank pages' garbage
    #   is all '?' now, no photo written on changed; scanned forms (240 readings) the same
    # --- a small wide blob on the fast path (reader.may_be_several, sure_but_wide, way_up_disputed)
    second_look_below: float = 0.98  # probability: a fast-path blob wide enough for two digits (narrow_alone) whose
    #   digit model is less sure than this of one is looked at again by the general stages and the line model
    #   (f978c8d: 100 tight crops of touching pairs read the same at 0.98 as at ``certain``, 0.83 exact, and 0.81 at
    #   0.95; of 10,000 small digit PNGs (runtime.bench) 98 get the look at 0.98, 171 at 0.995, 65 at 0.95)
    glance_wide: float = 1.0  # width over height: a fast-path blob at least this wide whose digit model is sure of
    #   one digit (from second_look_below) ...
    glance_below: float = 1.0  # probability: ... but at most this sure gets a glance from the line model on its
    #   28x28 digit, and a second look when it reads two digits or more (782cf21, 2026-12-02, at 0.999: of 300 tight
    #   crops of touching pairs, accuracy.py's seed 0, 15 such blobs at 1.0 and any sureness, 10 below 0.999; of the
    #   10,000 MNIST test digits as scans, 1,552 and 80; the 300 crops 265 -> 273 exact). 1.0, every sure wide blob
    #   (2026-12-07): the pairs the digit model was surest of were read as one digit ('64' read '4' at 1.0, '98' '8'
    #   at 0.99999), and the glance and the second look read them right; accuracy.py's 300 crops of touching pairs,
    #   seed 1, 272 -> 279 exact, nothing else changed; of the 10,000 MNIST test digits, 2 more read as two digits (a
    #   '4' read '21', a '2' '22') and read_batch of small digits takes 12-19 % longer (the glance is about 155 us a
    #   blob; docs/batch.md)
    # --- digits found at half size on a noisy image (reader.DigitReader._read_in_full)
    faint_full_below: float = 0.8  # probability: a reading of two digits or more found on the half-size copy of a
    #   noisy image (faint pencil, a dark frame: detect.Extraction.noisy_half) whose least sure digit is less sure
    #   than this is read again from the full-size copy (once its way up is settled: an upside-down page reads
    #   unsurely until it is turned, and read in full first it read surer upside down, '1627' as '6291'), and that
    #   reading kept when it holds two digits or more and its least sure digit is surer by over
    #   ``faint_full_margin`` (fewer digits are surer for nothing: '813' read '3'). Issue 10's pencil photos,
    #   seeds 0-5 (600; benchmarks/accuracy.py --only kinds --kind pencil --kinds 100 --seed S): 437 exact, 451
    #   with it (turned 180 degrees, seeds 0-2: 186, 191); read in full throughout, 439, but 40 read right either
    #   way only; the surer of the two for the 125 under 0.8, 449 without the margin (0.9: 189 read twice, 450;
    #   all 600, 448). Dark webcam frames (--kind dark_webcam): 544, 549. A blank page's noise read as nothing or
    #   one unsure digit at half size read as digits in full (issue 10's blank photos turned 180 degrees, seeds
    #   0-1: 7 of 200): hence two digits or more (2026-12-06)
    faint_full_margin: float = 0.1  # probability: see faint_full_below. Without it the pencil photos' 17 mended
    #   readings came with 5 broken, two of them at margins of 0.04 and 0.09; with it 16 and 3 (17 and 3 once
    #   read after the page's turn)
    disputed_confidence: float = 0.25  # probability: the most confidence a digit keeps on a page whose way up the
    #   two models dispute (the orientation model sure it is turned, sure_turn_odds; the line model reading it
    #   surer as it lies): issue 10's "never return a confident reading of an upside-down page" (4810790). Issue
    #   10's photos, 100 of each kind, seeds 0 and 1: two such pages, both turned 180 degrees and read upside down
    #   at 0.95-1.0. Under the default min_confidence (0.5): each digit shows as '?'

    def __post_init__(self) -> None:
        _check(self, READ_ALLOWED)

    def __repr__(self) -> str:
        return _changed_fields_repr(self)


# What each field of ReadConfig takes, from its meaning above.
READ_ALLOWED: dict[str, Allowed] = {
    # log-odds, tolerances and margins in nats per character: any sign
    **dict.fromkeys(["split_odds", "alone_split_odds", "flip_log_odds", "flip_log_odds_symmetric"], ANY),
    **dict.fromkeys(
        ["sure_turn_odds", "turn_tolerance", "sure_turn_tolerance", "unsure_turn_margin", "many_chars_dispute_odds"],
        ANY,
    ),
    **dict.fromkeys(["sideways_margin", "sideways_sure_margin", "sideways_tolerance", "sideways_lines_margin"], ANY),
    **dict.fromkeys(["search_margin", "search_digit_margin", "many_chars_margin", "many_chars_turn_odds"], ANY),
    # gaps between two log-odds (their distance), widths and heights in digit heights, shares of a height
    **dict.fromkeys(["sideways_turn_odds", "sideways_pick_odds", "narrow", "narrow_alone", "alone_one"], AT_LEAST_0),
    **dict.fromkeys(
        ["slash_height", "stray_height", "sideways_max_gap", "sideways_max_gap_two", "loop_width"], AT_LEAST_0
    ),
    "piece_gap": ANY,  # (negative: the columns must overlap by as much)
    **dict.fromkeys(
        [
            "glance_wide",
            "lone_flat",
            "letter_digit_width",
            "letter_digit_height",
            "search_odds",
            "search_min_aspect",
            "digit_gap",
            "digit_align",
        ],
        AT_LEAST_0,
    ),
    "dot_fill": SHARE,
    "dot_aspect": AT_LEAST_1,
    # probabilities and shares
    **dict.fromkeys(
        [
            "certain",
            "piece",
            "faint_piece",
            "faint_piece_sure",
            "sure",
            "slash_sure",
            "loop_height",
            "loop_hole",
            "loop_cover",
            "disputed_confidence",
            "faint_full_below",
            "faint_full_margin",
            "lone_letter",
        ],
        SHARE,
    ),
    "doubt_floor": Allowed(0, 1, above_low=True),  # its log is taken
    "vote_margin": AT_LEAST_0,
    "column_upright_margin": AT_LEAST_0,
    "vote_min_aspect": AT_LEAST_0,
    "vote_sure_margin": AT_LEAST_0,
    "vote_agree": SHARE,
    "vote_digit_gain": ANY,
    "vote_keep_share": SHARE,
    # probabilities a digit model's is compared with (second_look_below: below it; glance_below: at most it); above
    # 1, every blob is (tests/test_config.py does so)
    **dict.fromkeys(["second_look_below", "glance_below"], AT_LEAST_0),
    **dict.fromkeys(["flip_min_chars", "many_chars", "search_min_digits", "vote_min_blobs"], AT_LEAST_1),
    **dict.fromkeys(["full_share", "tall_share", "ink_level"], SHARE),
}

DEFAULT_READ = ReadConfig()
