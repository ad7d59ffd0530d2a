"""A text line's ink -> the line model's input, and the line model's output -> characters. NumPy and OpenCV.

    tensor = line_tensor(ink_crop)              # float32 [32, W], white on black, W a multiple of 4
    batch, widths = pad_batch([t1, t2])         # float32 [N, 32, max W], zeros on the right
    chars = ctc_greedy(posteriors[i], widths[i] // STRIDE)   # [(char, first frame, last frame, confidence)]
    line.frame_x(x)                             # a TextLine (cut out by segment.py): fitted column -> image column

The line recipe mirrors MNIST's for one digit (normalize.py), stretched along the line: crop to the ink,
widen hairline strokes, scale the line's height to ``INK_HEIGHT`` px keeping the aspect ratio, stretch the
intensity so strong strokes reach 1, and pad ``PAD`` px all round. The training lines of the ``line`` preset
(train/lines.py) go through this same function, so the network sees what it was trained on.

CTC (Graves et al. 2006): the network gives, for every ``STRIDE`` columns of the line, probabilities over the
alphabet plus a blank; greedy decoding takes the best class per frame, merges repeats and drops blanks.
"""

from __future__ import annotations

from typing import NamedTuple, Sequence

import cv2
import numpy as np

from .blobs import max_pool
from .normalize import POOL_SIDE, STROKE, clip_ink, ink_box, stretch_intensity, widen_strokes

# Bump when anything below changes what the line network sees; it is recorded in each exported line model.
LINE_PREPROCESSING_VERSION = "1"

HEIGHT = 32  # rows of the line model's input
INK_HEIGHT = 24  # the line's ink is scaled to this many rows (MNIST: a 20 px digit in a 28 px field)
PAD = 4  # px of background above, below, left and right of the ink
STRIDE = 4  # input columns per output frame (the network pools the width by 4)
LINE_STROKE = STROKE * INK_HEIGHT / 20  # MNIST's stroke width, at this height
ALPHABET = "0123456789/-.,:A"  # classes 0..15; 'A' is any letter or word; class 16 is the CTC blank
BLANK = len(ALPHABET)
DIGITS = frozenset("0123456789")
SEPARATORS = frozenset("/-.,:")  # what the line model reads between digit groups (ALPHABET's)


class Char(NamedTuple):
    char: str  # one of ALPHABET
    first: int  # first frame of the run of frames that gave it
    last: int  # last frame (inclusive)
    confidence: float  # its mean probability over those frames (the CTC path's own certainty)
    peak: int  # the frame where it is most probable


class LineTensor(NamedTuple):
    tensor: np.ndarray  # float32 [HEIGHT, W]
    left: float  # the crop column that tensor column PAD shows
    top: float  # the crop row that tensor row PAD shows
    scale: float  # tensor pixels per crop pixel

    def crop_columns(self, first_frame: int, end_frame: int) -> tuple[float, float]:
        """Crop columns [x0, x1) that frames [first_frame, end_frame) cover (each frame is STRIDE columns)."""
        return (
            self.left + (first_frame * STRIDE - PAD) / self.scale,
            self.left + (end_frame * STRIDE - PAD) / self.scale,
        )


class TextLine(NamedTuple):
    """One text line for the line model: its tensor, and what is needed to map its frames back to pixels."""

    fitted: LineTensor  # the line model's input, and where it came from in ``ink``
    ink: np.ndarray  # float32 [h, w]: the line's own ink (other lines masked out), in working-copy pixels
    origin: tuple[int, int]  # (x, y) of ``ink`` in the working copy
    scale: tuple[float, float]  # input-image pixels per working-copy pixel (x, y)
    members: list[int]  # indices (into Extraction.boxes) of the blobs of this line, left to right
    shift: tuple[int, int] = (0, 0)  # input-image pixels of the page's corner (the working copy is of the page)
    unrotate: np.ndarray | None = None  # float64 [2, 3]: deskewed-crop pixels -> ``ink`` pixels (None: level)
    row: int | None = None  # the row of writing this line is a run of, when a wide gap cut the row into runs read
    #   one by one (segment.word_runs; 0 = top); None: a whole row, its own
    own_share: tuple[float, ...] = ()  # per member blob, on a noisy image's map: the share of the line's ink in
    #   the blob's box that the blob's own mask holds (segment.own_ink_shares); empty: not measured (a clean map)

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


def rows(text_lines: Sequence[TextLine]) -> list[int]:
    """Each text line's row of writing (``TextLine.row``; a line without one is a row of its own), numbered
    0, 1, 2, ... in order: the runs of one row (segment.word_runs) share their number."""
    keys = [("row", line.row) if line.row is not None else ("own", n) for n, line in enumerate(text_lines)]
    numbers: dict[tuple[str, int], int] = {}
    return [numbers.setdefault(key, len(numbers)) for key in keys]


def fit_line(ink: np.ndarray, min_height: int = 0) -> LineTensor:
    """One text line's ink (float [h, w] in [0, 1], white on black, any size) -> LineTensor: the tensor
    float32 [HEIGHT, W] and where it came from in the crop.

    W = PAD + the scaled ink width + PAD, rounded up to a multiple of STRIDE (at least 4 * STRIDE). A crop
    with no ink gives a blank line of the minimum width. ``min_height`` (px of ``ink``): ink less tall is
    scaled as if it were this tall, centred (a run of a row, segment.word_runs, at the row's scale: a short
    word stays short beside the row's capitals and digits). Raises ValueError for a non-2-D array.
    """
    ink = clip_ink(ink)
    box = ink_box(ink)
    if box is None:
        return LineTensor(np.zeros((HEIGHT, 4 * STRIDE), np.float32), 0.0, 0.0, 1.0)
    x, y, w, h = box
    crop = ink[y : y + h, x : x + w]
    if h < min_height:
        above = (min_height - h) // 2
        crop = np.pad(crop, ((above, min_height - h - above), (0, 0)))
        y, h = y - above, min_height
    scale = INK_HEIGHT / h
    if scale < 1:
        # A line 2 * POOL_SIDE px tall or more (a page of grid paper taken for one blob) is max-pooled to about
        # POOL_SIDE first, as normalize_clean pools a digit: widening it in full dilated a 1200 px crop with a
        # 41 px disc, a second a line (a stress test's grid page took 1.1 s, 0.65 of it here)
        pool = h // POOL_SIDE if h >= 2 * POOL_SIDE else 1
        pooled = max_pool(crop, pool) if pool > 1 else crop
        widened = widen_strokes(pooled, scale * pool, LINE_STROKE)
        pad = pool * ((widened.shape[0] - pooled.shape[0]) // 2)  # widen_strokes pads every side by k // 2
        crop, x, y = widened, x - pad, y - pad
        h, w = crop.shape[0] * pool, crop.shape[1] * pool  # (in the line's own pixels)
        scale = INK_HEIGHT / h
    width = max(1, round(w * scale))
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    scaled = cv2.resize(crop, (width, INK_HEIGHT), interpolation=interpolation)
    scaled = stretch_intensity(scaled)
    total = max(4 * STRIDE, -(-(width + 2 * PAD) // STRIDE) * STRIDE)
    out = np.zeros((HEIGHT, total), np.float32)
    out[PAD : PAD + INK_HEIGHT, PAD : PAD + width] = scaled
    return LineTensor(out, float(x), float(y), width / w)


def line_tensor(ink: np.ndarray) -> np.ndarray:
    """fit_line's tensor alone: float32 [HEIGHT, W]."""
    return fit_line(ink).tensor


# px of zeros every line gets on its right in a batch: more than the line and orientation models see past a
# frame (measured: with 48 px, a line's outputs are bit for bit the same whatever else is in the batch; with
# 0-32 px, the line model's last frames moved by up to 0.35 and the orientation model's log-odds by up to 6.7).
# Without it a reading depended on the other images read with it (a server answering one request at a time
# read 3% of photos differently from read_batch).
BATCH_MARGIN = 48


def pad_batch(tensors: Sequence[np.ndarray], margin: int = BATCH_MARGIN) -> tuple[np.ndarray, list[int]]:
    """Line tensors of different widths -> (float32 [N, HEIGHT, max W + margin], the width of each). Zeros (no
    ink) on the right, which the networks read as blanks; ``margin`` px more than the widest line, so that no
    line's outputs depend on its neighbours in the batch (BATCH_MARGIN; a multiple of 8, the orientation
    model's frame)."""
    widths = [t.shape[1] for t in tensors]
    batch = np.zeros((len(tensors), HEIGHT, max(widths, default=4 * STRIDE) + margin), np.float32)
    for i, t in enumerate(tensors):
        batch[i, :, : t.shape[1]] = t
    return batch, widths


# px of a glance's line (reader.DigitReader._glance: the line model over a fast-path blob's 28x28 digit): each such
# tensor is padded with zeros to this width, whatever else is glanced at with it, so that its reading is its own (as
# BATCH_MARGIN does for whole lines) at about half the cost of BATCH_MARGIN's padding (the glance's tensors are
# 16-56 px wide). Measured 2026-12-07: the 10,000 MNIST test digits and 57 cropped touching pairs glanced at so
# read as several digits exactly where padded by BATCH_MARGIN.
GLANCE_WIDTH = 64


def pad_to_width(tensors: Sequence[np.ndarray], width: int) -> np.ndarray:
    """Line tensors float32 [HEIGHT, W_i] -> float32 [N, HEIGHT, width], zeros on the right of each: a batch whose
    every line's outputs depend on that line alone (the same zeros follow it whatever its neighbours). Raises
    ValueError when a tensor is wider than ``width``."""
    batch = np.zeros((len(tensors), HEIGHT, width), np.float32)
    for i, t in enumerate(tensors):
        if t.shape[1] > width:
            raise ValueError(f"pad_to_width: a line {t.shape[1]} px wide does not fit in {width} px")
        batch[i, :, : t.shape[1]] = t
    return batch


def ctc_greedy(posteriors: np.ndarray, frames: int | None = None) -> list[Char]:
    """Best-path CTC decoding of one line: float [T, len(ALPHABET) + 1] probabilities (blank last) ->
    the characters in order, each with the frames it came from and its confidence.

    ``frames``: only the first ``frames`` frames are the line (the rest is padding of the batch)."""
    posteriors = np.asarray(posteriors)[:frames]
    best = posteriors.argmax(axis=1)
    starts = np.flatnonzero(np.diff(best, prepend=-1))  # where each run of one best class begins
    ends = np.append(starts[1:], len(best))
    chars: list[Char] = []
    for start, end in zip(starts.tolist(), ends.tolist()):
        k = int(best[start])
        if k != BLANK:
            run = posteriors[start:end, k]
            chars.append(Char(ALPHABET[k], start, end - 1, run_mean(run), start + int(run.argmax())))
    return chars


def split_characters(posteriors: np.ndarray, chars: list[Char]) -> list[Char]:
    """Best-path characters ``chars`` of a line (ctc_greedy of float [T, len(ALPHABET) + 1] ``posteriors``, blank
    last), with each pair that follows on without a blank between judged as one glyph or two: over the pair's
    frames and the frame either side, the CTC probability (ctc_log_likelihood) of reading both, or only the
    first, or only the second; the likeliest is kept (the pair, or one of the two as the best path read it). The
    same list when no two characters touch.

    Such a pair may be one glyph whose frames the model split between two classes: a '7' whose stem reads '1' in
    the next frame (../shared/cases/cheque-amount-5743.jpg turned 8 degrees read '57143'). Best-path decoding
    reads the likeliest path, not the likeliest text (Graves et al. 2006, section 3.2); this compares the texts'
    probabilities where the two differ most often. recognize.line_digits reads a line's digits from these; the
    orientation stages keep the best path they were measured with."""
    touching = [k for k in range(len(chars) - 1) if chars[k + 1].first == chars[k].last + 1]
    if not touching:
        return chars
    logp = np.log(np.maximum(np.asarray(posteriors, np.float64), 1e-12))
    dropped: set[int] = set()
    for k in touching:
        if k in dropped:
            continue
        a, b = chars[k], chars[k + 1]
        window = logp[max(0, a.first - 1) : b.last + 2]
        la, lb = ALPHABET.index(a.char), ALPHABET.index(b.char)
        both, first, second = (ctc_log_likelihood(window, labels) for labels in ([la, lb], [la], [lb]))
        if max(first, second) > both:
            dropped.add(k + 1 if first >= second else k)
    return [c for k, c in enumerate(chars) if k not in dropped]


def ctc_log_likelihood(logp: np.ndarray, labels: Sequence[int]) -> float:
    """log P(labels | frames) under CTC: logp float64 [T, K] log-probabilities (blank = K - 1), labels
    indices into the alphabet. The forward recursion of Graves et al. 2006, section 4.1, in log space."""
    blank = logp.shape[1] - 1
    ext = [blank]
    for label in labels:
        ext += [label, blank]
    n = len(ext)
    alpha = np.full(n, -np.inf)
    alpha[0] = logp[0, blank]
    if n > 1:
        alpha[1] = logp[0, ext[1]]
    skip = np.array([s >= 2 and ext[s] != blank and ext[s] != ext[s - 2] for s in range(n)])
    for t in range(1, len(logp)):
        stay = alpha
        step = np.concatenate(([-np.inf], alpha[:-1]))
        jump = np.where(skip, np.concatenate(([-np.inf, -np.inf], alpha[:-2])), -np.inf)
        alpha = np.logaddexp(np.logaddexp(stay, step), jump) + logp[t, ext]
    return float(np.logaddexp(alpha[-1], alpha[-2]) if n > 1 else alpha[-1])


def run_mean(run: np.ndarray) -> float:
    """``float(run.mean())`` of a float32 [n] run, n >= 1, to the bit (the float32 sum over n, rounded to float32
    as np.mean rounds it), without np.mean's overhead (a third of greedy decoding's time)."""
    return float(np.float32(float(run.sum()) / len(run)))
