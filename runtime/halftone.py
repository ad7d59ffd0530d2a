"""Halftones: an image dithered to a few levels is averaged back to grey before it is read.

A fax or a 1-bit archive scan dithers grey paper and soft strokes into dots of black and white (Floyd-Steinberg
error diffusion, ordered dither), and a GIF dithers a photo's greys into its palette. Each dot is ink to the ink
map: a dithered scene of MNIST test digits read 18 of 30 exactly, and a blank grey page as a GIF read rows of
'8's (a records office's trial). Averaging the dots back (descreening) gives the greys the dither stood for: the
same 30 scenes read 30 of 30.

A dithered image is told apart by three things together: it holds few grey levels, a palette's, far apart; and its
paper is sown with dots of one or two pixels. A clean 1-bit scan of writing has few levels too, but its dots are
strokes; a clean grey scan may have as few, but they are its paper's grain, one level next to the other.
"""

from __future__ import annotations

import statistics

import cv2
import numpy as np

from .config import DEFAULT, DetectConfig

# Every this-many-th pixel of each row and column is looked at to count the image's grey levels: a webcam frame
# is told from a dithered image on 1/64 of its pixels (about 10 us for 640x480).
LEVELS_STEP = 8


def is_dithered(gray: np.ndarray, config: DetectConfig = DEFAULT) -> bool:
    """Whether ``gray`` (uint8 [H, W]) is a halftone: at most ``config.dither_levels`` grey levels (counted on
    every LEVELS_STEP-th pixel), a palette's, ``config.dither_gap`` or more apart (the median step between them),
    and, split at the middle of its darkest and lightest level, at least
    ``config.dither_dots`` dots of 1 or 2 px (8-connected components of either side) per pixel of the image."""
    if min(gray.shape) < config.dither_min_side:
        return False
    sample = gray[::LEVELS_STEP, ::LEVELS_STEP]
    counts = np.bincount(sample.ravel(), minlength=256)
    if np.count_nonzero(counts) > config.dither_levels:
        return False
    levels = np.flatnonzero(counts)
    # (statistics.median: np.median's value for ints, without its ~30 us of overhead, paid by every small image)
    if len(levels) < 2 or statistics.median(np.diff(levels).tolist()) < config.dither_gap:
        return False  # (a clean scan's few levels are its paper's grain, one next to the other)
    dark = (gray < (int(levels[0]) + int(levels[-1])) / 2).view(np.uint8)
    dots = 0
    for side in (dark, 1 - dark):
        _, _, stats, _ = cv2.connectedComponentsWithStats(side, connectivity=8)
        dots += int(np.count_nonzero(stats[1:, cv2.CC_STAT_AREA] <= 2))
    return dots >= config.dither_dots * gray.size


def descreen(gray: np.ndarray, config: DetectConfig = DEFAULT) -> np.ndarray:
    """``gray`` (uint8 [H, W]) averaged back to grey when it is a halftone (``is_dithered``): a Gaussian blur of
    ``config.descreen_sigma`` px, as a descreening filter does (the dots' period is 2-4 px); else ``gray`` itself."""
    if not is_dithered(gray, config):
        return gray
    return cv2.GaussianBlur(gray, (0, 0), config.descreen_sigma)
