"""Text orientation, 0 or 180 degrees, from the orientation model's output. NumPy only.

    batch, widths = pad_batch(tensors)               # the line model's batch (lines.py)
    log_odds = orientation_model.predict(batch)      # float32 [N, ceil(W / 8)]: per frame, turned vs upright
    per_line = line_log_odds(log_odds, widths)       # float64 [N]: each line's mean over its own frames
    page = page_log_odds(log_odds, widths)           # the page's: the lines' means weighted by their frames

The orientation model (preset ``orientation``, train/orientation_fit.py) reads the very line tensors the line
model reads (``lines.fit_line``: float32 [32, W], white ink on black) and scores every ``FRAME`` columns: the
log-odds that the line is turned 180 degrees (positive) rather than upright (negative). A line's evidence is
the mean over its frames, which is what the model was trained on (global average pooling over the width,
then logistic regression; the pooling is done here, after the linear layer, so the zero padding of a batch
never counts). The recipe is PaddleOCR's text-direction classifier (0 / 180 degrees per text line), made
tiny and convolutional so it runs over a whole padded batch at once.

``turned_180`` makes the turned line the way a turned page gives it: ``t[::-1, ::-1]`` shifted back so the
ink starts ``lines.PAD`` columns from the left, as ``fit_line`` would have cut it (``fit_line`` rounds the
width up on the right; a plain flip would move that rounding to the left, a cue no real page has).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from .lines import PAD

FRAME = 8  # input columns per output frame of the orientation model (it pools the width by 8)
SYMMETRIC = frozenset("018/-: ")  # characters that look the same turned 180 degrees (nearly: MNIST 8s and 1s)
ASYMMETRIC_DIGITS = frozenset("2345679")  # digits that tell a line's way up (6 and 9 by their shape alone)


def frames(width: int) -> int:
    """Output frames of a line ``width`` px wide: ceil(width / FRAME) (the model's pooling pads on the right)."""
    return -(-int(width) // FRAME)


def turned_180(tensor: np.ndarray) -> np.ndarray:
    """A line tensor (float [32, W] or uint8) turned 180 degrees, its ink starting ``PAD`` columns from the
    left as ``fit_line`` places it; same shape and dtype. A line with no ink is returned flipped."""
    out = tensor[::-1, ::-1]
    columns = np.flatnonzero(out.max(axis=0) > 0)
    if columns.size and columns[0] > PAD:
        out = np.roll(out, PAD - int(columns[0]), axis=1)  # the columns rolled round are empty
    return np.ascontiguousarray(out)


def line_log_odds(log_odds: np.ndarray, widths: Sequence[int]) -> np.ndarray:
    """Each line's log-odds of being turned 180 degrees: the mean of ``log_odds`` (float [N, T], the model's
    output for a padded batch) over the line's own ``frames(width)`` frames -> float64 [N]."""
    return np.array([float(np.mean(row[: frames(w)])) for row, w in zip(np.asarray(log_odds), widths)])


def page_log_odds(log_odds: np.ndarray, widths: Sequence[int]) -> float:
    """A page's log-odds of being turned 180 degrees: its lines' log-odds weighted by their widths in frames
    (0.0, no evidence, for no lines)."""
    counts = np.array([frames(w) for w in widths], np.float64)
    if not counts.sum():
        return 0.0
    return float((line_log_odds(log_odds, widths) * counts).sum() / counts.sum())


def asymmetric(text: str) -> bool:
    """Does a line's text hold a character that tells its way up (any but ``SYMMETRIC``: 2-7, 9, '.', ',',
    letters)? Lines of 0, 1, 8, '/', '-', ':' alone, or nothing, read nearly the same turned 180 degrees."""
    return any(c not in SYMMETRIC for c in text)


def has_asymmetric_digit(text: str) -> bool:
    """Does a line's text hold one of ``ASYMMETRIC_DIGITS``? (What the test-line accuracy is reported on.)"""
    return any(c in ASYMMETRIC_DIGITS for c in text)
