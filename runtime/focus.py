"""Depth of field: ink that is out of focus is nearer the camera than the page, not writing on it.

A webcam or a phone is focused on the paper. A hand holding the sheet up, a finger or a sleeve is nearer the lens
and out of focus: in the ink map its outline is a wide, soft band several times the digits' height. Kept as a
blob, it set the digit height and joined the number's text line, whose digits the line model then read at a
fraction of their size (benchmarks/robustness.py's hands: '33943' read '17').

The measure is the edge's steepness: how fast the ink rises across a blob's edge, against how dark the blob is.
A pen stroke in focus rises over a pixel or two; a blurred edge over several. Comparing each big blob with the
writing of the same image makes it independent of the camera's resolution and of the photo's own blur.
"""

from __future__ import annotations

import cv2
import numpy as np

from .config import DEFAULT, DetectConfig

# Percentile of a blob's pixels at which its gradient and its ink level are read: the steep part of its edges and
# its dark core, not a stray pixel of noise.
EDGE_PERCENTILE = 90


def edge_focus(ink: np.ndarray, labels: np.ndarray, stats: np.ndarray, i: int) -> float:
    """How steep connected component ``i``'s edges are, in 1/px: the 90th percentile of the ink map's gradient
    magnitude (Sobel 3x3, divided by 8: ink levels per pixel) over its pixels, over the 90th percentile of its
    ink. A sharp stroke rises from paper to ink over one or two pixels (about 0.2-0.3 at the working copy's
    scale); a blurred hand over several (0.03-0.1).

    ink: float32 [H, W] in [0, 1] (ink.find_ink); labels: int32 [H, W] and stats: int32 [count, 5] (x, y, w, h,
    area), its connected components (segment.hysteresis); i: a label, 1 <= i < count."""
    x, y, w, h = (int(v) for v in stats[i, :4])
    x0, y0 = max(x - 2, 0), max(y - 2, 0)  # the edge's outer side too
    x1, y1 = min(x + w + 2, ink.shape[1]), min(y + h + 2, ink.shape[0])
    crop = ink[y0:y1, x0:x1]
    mine = labels[y0:y1, x0:x1] == i
    gradient = cv2.magnitude(cv2.Sobel(crop, cv2.CV_32F, 1, 0, ksize=3), cv2.Sobel(crop, cv2.CV_32F, 0, 1, ksize=3))
    level = float(np.percentile(crop[mine], EDGE_PERCENTILE))
    return float(np.percentile(gradient[mine], EDGE_PERCENTILE)) / 8.0 / max(level, 1e-3)


def out_of_focus(
    ink: np.ndarray, labels: np.ndarray, stats: np.ndarray, strong: np.ndarray, config: DetectConfig = DEFAULT
) -> np.ndarray:
    """Which of the kept connected components are out of focus: bool [count], True for a component at least
    ``config.focus_big`` times the median height of the kept components (of ``config.min_area`` px or more),
    whose edge_focus is below ``config.focus_ratio`` times the median edge_focus of the kept components of
    writing size (half that median height up to ``focus_big`` times it, not touching the image's border; at least
    ``config.focus_writing`` of them: a card's two digits, blurred by enlarging, against a sharp sliver at the
    frame's edge, are no reference). When one is, the components of writing size below that share are out of focus
    too: the same hand's thumb, a finger's tip. All False when no component is that big: a frame without one pays
    only the heights' median.

    ink: float32 [H, W]; labels, stats, strong: segment.hysteresis's (strong: bool [count], the components kept).
    """
    count = len(stats)
    out = np.zeros(count, bool)
    kept = np.flatnonzero(strong & (stats[:, cv2.CC_STAT_AREA] >= config.min_area))
    if len(kept) < 3:
        return out
    heights = stats[kept, cv2.CC_STAT_HEIGHT]
    median = float(np.median(heights))
    big = kept[heights >= config.focus_big * median]
    if not len(big):
        return out
    x, y, w, h = (stats[kept, i] for i in range(4))
    inside = (x > 0) & (y > 0) & (x + w < ink.shape[1]) & (y + h < ink.shape[0])  # (a sliver at the edge is no writing)
    writing = kept[inside & (heights >= 0.5 * median) & (heights < config.focus_big * median)]
    if len(writing) < config.focus_writing:
        return out
    steepness = np.array([edge_focus(ink, labels, stats, int(i)) for i in writing])
    blurred = config.focus_ratio * float(np.median(steepness))
    for i in big:
        out[i] = edge_focus(ink, labels, stats, int(i)) < blurred
    if out.any():  # something out of focus is in the frame: its smaller pieces too (a thumb, a finger's tip)
        out[writing[steepness < blurred]] = True
    return out
