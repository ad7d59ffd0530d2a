"""The thresholds of detection, in one place: ``DetectConfig``, one field per setting.

    found = extract(image)                                          # the defaults: DEFAULT
    found = extract(image, config=DetectConfig(clean_max_side=0))   # no fast path for small clean digits

Each field gives its meaning, its unit, and where its value comes from (the commit that set it, with what it
measured). Lengths in px are at the working size (the copy detection runs on, at most ``work_size``), unless
said otherwise; sizes relative to the typical digit height are judged by the stages themselves (rules.py,
segment.py). The values are those detection has always used: changing one changes readings, and the ink
map's (``background_*``, ``min_contrast``, ``dark_floor``) changes what the networks see (normalize.py's
PREPROCESSING_VERSION, train/lines.py), so they are settings to experiment with, not to tune per image.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DetectConfig:
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
    blotch_compact: float = 0.5  # share of a box's longer side: a piece of the strong ink whose widest inscribed
    #   disc is this wide is compact (a blotch, a speck), not a stroke, and is left out of the stroke width that
    #   sizes the blotch filter (ink.stroke_width). A stroke is over twice as long as it is thick. (2026-12-02:
    #   pencil 0.73 -> 0.74 and 0.60 -> 0.62, two seeds of 100 photos, every other kind the same; 0.35 read
    #   0.74 and 0.63)
    blotch_min_side: int = 240  # px, shorter side: ... in an image this big (a page, not a tight crop of a line,
    #   where benchmarks/accuracy.py's line crops read 2 fewer exactly of 500 with it, before that clip)
    dark_floor: float = 16.0  # grey levels: paper darker than this counts as this dark (light ink on black: no
    #   division by ~0)
    # --- binarization and blobs (segment.py, blobs.py; set with the first image stages, 33b131b)
    strong: float = 0.5  # ink strength, 0-1: hysteresis seeds; a component needs at least one such pixel ...
    weak: float = 0.25  # ink strength, 0-1: ... and extends over pixels at least this strong
    faint_weak: float = 0.05  # ink strength, 0-1: on a noisy map, a text line also takes the ink this strong
    # joined to its strokes (segment.with_faint_strokes; measured on issue 10's pencil photos, two seeds: 0.025
    # read 0.72 / 0.58 exact, 0.05 0.72 / 0.58, 0.1 0.70 / 0.58, 0.15 0.70 / 0.54)
    faint_beside_gap: float = 1.0  # digit heights: on a noisy map, a weak component as tall as a digit this close
    # beside a kept one, in its line, is kept too (segment.beside_strong; issue 10's photos, two seeds of 100:
    # pencil 0.72 / 0.58 -> 0.74 / 0.59 exact, dark webcam frames 0.91 / 0.90 -> 0.91 / 0.92)
    min_height: int = 5  # px: a blob whose longer side is shorter than this is a speck
    min_area: int = 6  # px: ... and so is a blob of fewer ink pixels than this
    # --- form lines (rules.py)
    rule_length: float = 2.5  # digit heights: a straight run longer than this is a rule or a border (set with
    #   the first image stages, 33b131b)
    grid_span: float = 0.85  # share of a row of boxes' width (height) that its rules (walls) run across
    #   (778e6c4: form boxes 0.07 -> 0.67 exact, 15 photos)
    # --- text lines and reading order (segment.py, order.py)
    deskew_min_deg: float = 3.0  # degrees: a text line steeper than this is turned level before the line model
    #   reads it (dae487e: tilted pages 0.73 -> 0.87 exact)
    line_overlap: float = 0.25  # share of the shorter box's rows: a box joins a text line when it shares this
    #   much with the line's last box; lines side by side sharing half this are one line (39e3722)
    dash_length: float = 0.6  # digit heights: a text line of specks alone is dropped, but one holding a flat
    #   stroke at least this long is kept (segment.is_dash): a '1' lying flat in a quarter-turned column. Issue
    #   10's photos, seeds 0 and 1, 100 of each kind: rotated_90 / rotated_270 0.92 / 0.92 -> 0.93 / 0.94 and
    #   0.95 / 0.95 -> 0.97 / 0.98 exact; no photo of another kind went from right to wrong or back
    dash_flat: float = 3.0  # ... and at least this many times as long as it is thick (not a dot: a 'j''s tittle
    #   on its own line read '0' in benchmarks/accuracy.py's words alone)


DEFAULT = DetectConfig()
