"""Form lines: find the printed rules, borders, rows of boxes and comb fields in a binary ink image and erase
them, keeping the handwriting that crosses them. NumPy and OpenCV only.

    height = digit_height(binary, blobs)          # a first digit height, not fooled by rules joined into a frame
    gridless = erase_grids(binary, blobs)         # printed rows of boxes (joined cells) erased around their digits
    boxless = erase_boxes(binary, blobs, labels)  # printed boxes, one cell each, erased around their digits
    kept = remove_rules(binary, height)           # straight runs much longer than a digit erased, the strokes
                                                  # that cross them kept (crossings)
    kept = erase_comb_ticks(kept, removed, height)            # a comb's ticks at equal steps on its erased rule
    blobs = drop_rule_remnants(blobs, labels, removed)        # the slivers an erased rule leaves
    blobs = drop_form_ticks(blobs, labels, removed, height, slope)  # comb ticks, box walls that stood on a rule
                                                  # (or on its end: rule_ends)
    is_rule(blob, height, shape)                  # a leftover rule or border
    grid_sheet(blob, labels, shape)               # a squared page's grid as big as the page, too bent to erase
    margin_line(blob, labels, shape)              # a page's margin line, with the rules' ends joined to it
    page_lines(blob, labels, shape)               # either of the two above
    blobs = drop_grid_debris(blobs, labels, binary)  # the pieces of a faint grid, found on its lattice in the
                                                  # ink's row and column profiles (grid_bands)

Lengths are judged against the typical digit height, so the same rules work at any resolution. A row of boxes'
walls and a comb's ticks stand at equal steps (``fit_lattice``): only strokes on that lattice are taken for
them, so a digit's stem that touches a rule, or a '1' written on it, stays. The recipe is
the classical one of form processing: long horizontal and vertical morphological openings find the lines.
"""

from __future__ import annotations

from typing import NamedTuple

import cv2
import numpy as np

from .blobs import (
    Blob,
    components,
    is_line_like,
    label,
    label_counts,
    labels_near,
    may_be_writing,
    member_mask,
    typical_height,
    widest_discs,
)
from .config import DEFAULT, DetectConfig
from .ink import quantiles


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
        if rules_alone(binary, without, rough, config):  # no writing: what is left of the rules (their ends,
            return float(config.min_height)  # joined to the margin line) is erased as rules too
        before = {b[:5] for b in plain}
        writing = may_be_writing(rough, binary.shape, config)
        whole = [b for b in writing if b[:5] in before]
        new = [b for b in writing if b[:5] not in before]  # (they touched the runs)
        trusted = len(whole) >= 2 or rule_crossed(binary, without, plain, rough, new, config)
        height = typical_height(rough if trusted else plain, binary.shape, config)
        height = height or under_one_frame(binary, plain, config)
    return under_bent_rules(binary, height, config) if height >= config.frame_share * binary.shape[0] else height


def rule_crossed(
    binary: np.ndarray,
    without: np.ndarray,
    plain: list[Blob],
    rough: list[Blob],
    new: list[Blob],
    config: DetectConfig = DEFAULT,
) -> bool:
    """Were the runs across the image erased from ``binary`` (uint8 0/1 [H, W]) to give ``without`` rules that a
    line of digits was written across? ``plain``: ``binary``'s blobs; ``rough``: ``without``'s; ``new``: those of
    ``rough`` that may be writing and are not among ``plain`` (they touched the runs). True when two or more are, no
    blob before filled ``frame_share`` of the image both ways, and the new blobs' height makes the runs rules: the
    shorter side of the image is at least ``rule_length`` of those heights over ``frame_share``, and the runs (the
    median of their thicknesses, each one's area over its length) are at most ``crossed_rule`` of them thick. A digit
    filling a tight crop, one of whose strokes crosses it, is no such line: it fills the crop, and its pieces stand
    a good part of the crop tall. Nor are the grid's bits left on a blank squared page: runs a third to half as
    thick as they are tall; a run down half the page (a margin line) or a grid at all (grid_bands) rules it out
    (the grid's cells beside a margin line stood as blobs of one size). Nor a comb field's ticks (alike_ticks among
    the new blobs): the comb's own height, its walls', is what its stages judge by.

    A new user's lined paper: a faint rule through the lower third of every digit joined them all into one blob
    with the rule, and the only digit height left was that of a 5's separate top bar (9 px for 44 px digits):
    the rules erased at that height took the digits' strokes with them ('533' read '3', '945' read '11')."""
    if len(new) < 2 or alike_ticks(new, config):  # (a comb field's ticks stand on its rule: it is a form's)
        return False
    shape = binary.shape
    if any(b.w >= config.frame_share * shape[1] and b.h >= config.frame_share * shape[0] for b in plain):
        return False  # a blob filling the image: a digit filling a tight crop, or rules joined into a frame
    height = typical_height(rough, shape, config)
    if not height or config.rule_length * height > config.frame_share * min(shape):
        return False
    erased = binary & (1 - without)  # the runs
    down = cv2.reduce(erased, 0, cv2.REDUCE_SUM, dtype=cv2.CV_32S).max() >= 0.5 * shape[0]
    if down or grid_bands(binary, config) is not None:
        return False  # a run down the page (a margin line), or a grid: its cells are no digits
    _, _, stats = label(erased)
    runs = stats[1:]
    thickness = runs[:, cv2.CC_STAT_AREA] / np.maximum(
        np.maximum(runs[:, cv2.CC_STAT_WIDTH], runs[:, cv2.CC_STAT_HEIGHT]), 1
    )
    return thickness.size > 0 and float(np.median(thickness)) <= config.crossed_rule * height


def under_bent_rules(binary: np.ndarray, height: float, config: DetectConfig = DEFAULT) -> float:
    """The digits' height when the first estimate, ``height``, is the whole image's (``config.frame_share``): lined
    or squared paper whose rules and margin join into one frame across the image, but bend by a pixel or two over
    its width (a photo's lens or a curled page), so that no straight run crosses 90 % of it. Runs across
    ``bent_run`` of the image's shorter side are erased instead, and the height is taken from what is left, when
    there are ``bent_rules`` such runs or more (a digit filling a tight crop has a stroke or two that long) and
    they leave two or more blobs that may be writing; else ``height``. Issue 10's lined paper read '0' for
    '837 / 2530' and squared paper '5' for '4532': the frame was taken for one digit."""
    length = int(config.bent_run * min(binary.shape))
    if length < 8:
        return height
    profiles = run_profiles(binary, length)  # (opened once for both counts)
    dense = straight_runs(binary, length, config, profiles=profiles) < config.bent_rules
    if dense and straight_runs(binary, length, config, lattice=True, profiles=profiles) < config.bent_rules:
        return height  # (too few runs, and too few on a lattice)
    without = remove_rules(binary, length / config.rule_length, config)
    if without is binary:
        return height
    rough = may_be_writing(components(label(without)[2], config=config), binary.shape, config)
    if not rough:  # a blank ruled page: the rules are all there is, erased at that height
        return length / config.rule_length
    if dense:  # writing on a grid too dense for straight_runs' bands: judged as before (the rules erased at the
        return height  # half size cut the bar of a '4' lying on one: '240' read '20', issue 10's lined paper)
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


def run_profiles(binary: np.ndarray, length: int) -> tuple[np.ndarray, np.ndarray]:
    """The rows and the columns of ``binary`` (uint8 0/1) holding a straight run of at least ``length`` px (a
    horizontal, a vertical morphological opening of that length): uint8 [H], uint8 [W]."""
    rows = cv2.morphologyEx(binary, cv2.MORPH_OPEN, np.ones((1, length), np.uint8)).any(axis=1)
    columns = cv2.morphologyEx(binary, cv2.MORPH_OPEN, np.ones((length, 1), np.uint8)).any(axis=0)
    return rows.astype(np.uint8), columns.astype(np.uint8)


def straight_runs(
    binary: np.ndarray,
    length: int,
    config: DetectConfig = DEFAULT,
    lattice: bool = False,
    profiles: tuple[np.ndarray, np.ndarray] | None = None,
) -> int:
    """How many thin parallel straight runs of at least ``length`` px ``binary`` (uint8 0/1) holds, in the
    direction that has more: the bands of rows (columns) that a horizontal (vertical) morphological opening of
    that length leaves ink in, bands closer than ``config.band_gap`` of the image's side taken as one, each at
    most ``thin_band`` of the side thick (a printed rule, not a thick stroke of a digit filling a tight crop).
    ``lattice``: instead, the thin runs that stand at equal steps, however close (lattice_runs). ``profiles``:
    ``run_profiles(binary, length)``, when already made."""
    most = 0
    for hit in profiles or run_profiles(binary, length):
        side = hit.size
        if lattice:
            most = max(most, lattice_runs(hit, config))
            continue
        hit = cv2.morphologyEx(
            hit.reshape(1, -1), cv2.MORPH_CLOSE, np.ones((1, int(config.band_gap * side) | 1), np.uint8)
        )
        starts, ends = bands(hit.ravel())
        most = max(most, int(np.count_nonzero(ends - starts <= config.thin_band * side)))
    return most


def rules_alone(binary: np.ndarray, without: np.ndarray, rough: list[Blob], config: DetectConfig = DEFAULT) -> bool:
    """Whether ``binary`` (uint8 0/1) holds rules and nothing else, once its runs across 90% of the image are erased
    (``without``, whose components are ``rough``): those runs thin (thin_runs: a margin line, not the stroke of a
    digit filling a tight crop), and every blob left thin too, at most ``config.thin_band`` of the image's shorter
    side across (a rule's end; not a piece of a rule with a digit on it, line-like by its box) and none that may be
    writing. A blank lined page's margin line, with the rules' ends joined to it, set the digit height at the
    page's, so that nothing was erased and it read '1' (37 of 100 blank lined pages, train.scenes seed 0)."""
    if may_be_writing(rough, binary.shape, config):
        return False
    if any(min(b.w, b.h) > config.thin_band * min(binary.shape) for b in rough):
        return False
    return thin_runs(binary & (1 - without), config)


def thin_runs(runs: np.ndarray, config: DetectConfig = DEFAULT) -> bool:
    """Whether the straight runs ``runs`` (uint8 0/1 [H, W], erased from an image) are all thin: the horizontal ones
    in bands of rows, the vertical ones in bands of columns, each at most ``config.thin_band`` of the image's side
    thick (printed rules and a margin line, not the stroke of a digit that fills a tight crop)."""
    if not runs.any():
        return False
    h, w = runs.shape
    for kernel, axis in (((1, max(1, w // 2)), 1), ((max(1, h // 2), 1), 0)):
        hit = cv2.morphologyEx(runs, cv2.MORPH_OPEN, np.ones(kernel, np.uint8)).any(axis=axis)
        starts, ends = bands(hit)
        if np.any(ends - starts > config.thin_band * hit.size):
            return False
    return True


def bands(hit: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(starts, ends) of the runs of nonzero values of a 1-D array: index of each run's first value and one past
    its last."""
    edges = np.diff(np.concatenate([[0], (hit > 0).astype(np.int8), [0]]))
    return np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)


def lattice_runs(hit: np.ndarray, config: DetectConfig = DEFAULT) -> int:
    """How many of the thin bands of ``hit`` (uint8 [side], the rows or columns holding a long straight run) stand
    at equal steps of at least ``config.band_gap`` / 2 of the side: a squared or lined page's rules, whose bands
    ``straight_runs`` would take as one where they are closer than ``band_gap`` (a 5 mm grid photographed whole,
    21 px apart in 700: a blank squared page read '0', the grid taken for one digit). The step is the median gap
    between neighbouring bands, and a band counts when a gap beside it is that step within ``lattice_tolerance``
    (so a photo's rules a pixel off their places do not add up to a drift). The runs through a thick stroke are
    one thick band, not thin ones at equal steps. 0 when fewer than ``bent_rules`` count."""
    side = hit.size
    starts, ends = bands(hit)
    thin = ends - starts <= config.thin_band * side
    centres = (starts[thin] + ends[thin] - 1) / 2
    if centres.size < config.bent_rules:
        return 0
    gaps = np.diff(centres)
    step = float(np.median(gaps))
    if step < max(4.0, config.band_gap * side / 2):
        return 0
    regular = np.abs(gaps - step) <= config.lattice_tolerance
    on = np.zeros(centres.size, bool)
    on[:-1] |= regular
    on[1:] |= regular
    count = int(np.count_nonzero(on))
    return count if count >= config.bent_rules else 0


def rule_height(
    blobs: list[Blob],
    shape: tuple[int, ...],
    height: float,
    config: DetectConfig = DEFAULT,
    binary: np.ndarray | None = None,
) -> float:
    """The height, in px, a rule is judged long against (remove_rules): the digit height ``height``, or the
    median height of the three tallest blobs that may be writing (not line-like, not the frame) when that is
    taller. Handwriting on a printed form: the print is most of the blobs and sets the digit height, and a
    handwritten '1' three print lines tall, or a 4's stem, was erased as a rule (issue 10's desk photos:
    0.83 -> 0.92 exact, 100 photos; every other kind unchanged). The median of three: a pen lying on the page
    is one tall blob. Not on squared paper (``binary``: uint8 0/1 [H, W], the ink the blobs are of; None: not
    looked at): rules of ``height``'s length stand on a lattice both ways (squared). A faint grid breaks into
    patches of joined cells, taller than any digit; taken for tall writing, they raised the rule length past the
    patches' own rules, nothing was erased, and a blank squared page read dozens of digits."""
    tall = sorted(b.h for b in may_be_writing(blobs, shape, config))[-3:]
    if len(tall) < 3 or tall[1] <= height:  # (tall[1]: the median of three)
        return height
    if binary is not None and squared(binary, int(config.rule_length * height), config):
        return height
    return float(tall[1])


def squared(binary: np.ndarray, length: int, config: DetectConfig = DEFAULT) -> bool:
    """Whether ``binary`` (uint8 0/1 [H, W]) holds a grid: straight runs of ``length`` px or more, horizontal and
    vertical, each way at least ``config.bent_rules`` of them at equal steps (lattice_runs)."""
    if length < 8 or length >= min(binary.shape):
        return False
    for axis in (1, 0):  # a run of ``length`` px needs that many ink pixels in its row (column): mostly none
        counts = cv2.reduce(binary, axis, cv2.REDUCE_SUM, dtype=cv2.CV_32S).ravel()
        if np.count_nonzero(counts >= length) < config.bent_rules:
            return False
    return all(lattice_runs(hit, config) for hit in run_profiles(binary, length))


def grid_sheet(blob: Blob, labels: np.ndarray, shape: tuple[int, ...], config: DetectConfig = DEFAULT) -> bool:
    """Whether ``blob`` is a page's grid: it spans ``config.frame_share`` of the image (``shape``) both ways, and
    its own pixels (``labels``: int32 [H, W], its components) are a lattice of straight runs of ``bent_run`` of
    the image's shorter side, both ways (squared). A squared page's grid, bent a pixel or two by the lens so that
    no rule was erased, stayed one blob as big as the page, and a blank squared page read '0' (14 of 100 blank
    squared pages, train.scenes seed 0; 2 still read '0')."""
    height, width = shape[:2]
    if blob.w < config.frame_share * width or blob.h < config.frame_share * height:
        return False
    own = member_mask(labels, blob, (blob.x, blob.y, blob.w, blob.h))
    return squared(own, int(config.bent_run * min(height, width)), config)


def page_lines(blob: Blob, labels: np.ndarray, shape: tuple[int, ...], config: DetectConfig = DEFAULT) -> bool:
    """Whether ``blob`` (of the components ``labels``, int32 [H, W], in an image of ``shape``) is a page's own
    lines left whole: a grid as big as the page (grid_sheet) or a margin line (margin_line)."""
    return grid_sheet(blob, labels, shape, config) or margin_line(blob, labels, shape, config)


def margin_line(blob: Blob, labels: np.ndarray, shape: tuple[int, ...], config: DetectConfig = DEFAULT) -> bool:
    """Whether ``blob`` is a page's margin line: it spans ``config.frame_share`` of the image's height (``shape``),
    at least ``margin_share`` of its own pixels (``labels``: int32 [H, W], its components) lie in straight
    vertical runs that long (stepping at most a pixel aside), and those runs stand in at most ``thin_band`` of the
    image's width. A blank lined or squared page whose faint rules or grid bits stay joined to the margin line set
    the digit height at the page's, nothing was erased, and the line read '1' at 1.00 (box 115-169 px wide, as
    tall as the photo: 4 of the blank lined and squared pages of train.scenes seed 0). A '1' filling a tight crop
    is as tall, but its stroke is a large share of the crop's width."""
    height, width = shape[:2]
    length = int(config.frame_share * height)
    if blob.h < length or length < 8:
        return False
    own = member_mask(labels, blob, (blob.x, blob.y, blob.w, blob.h))
    across = np.ones((1, 3), np.uint8)  # (a line stepping a pixel aside along its length is still one run)
    runs = cv2.morphologyEx(cv2.dilate(own, across), cv2.MORPH_OPEN, np.ones((length, 1), np.uint8))
    runs = cv2.dilate(runs, across) & own
    if cv2.countNonZero(runs) < config.margin_share * blob.area:
        return False
    return int(np.count_nonzero(runs.any(axis=0))) <= config.thin_band * width


def lattice_step(profile: np.ndarray, config: DetectConfig = DEFAULT) -> float | None:
    """The step, in px, of printed lines at equal steps in an ink profile (int or float [n]: ink pixels per row,
    or per column), or None when it shows none: the highest peak of the profile's autocorrelation at lags of
    ``config.lattice_min_step`` to n / ``lattice_periods`` px, which reaches ``lattice_strength`` and has a dip
    before it (one broad bump of ink, a line of digits, only falls off), refined between pixels to the period of
    the profile's largest Fourier coefficient within half a pixel of it. The profile is capped at its 90th
    percentile: one strong line (a margin) does not rule it. The highest lag may be a multiple of the step (lines
    a fraction of a pixel off whole places overlap best after a few steps): a peak at a half, a third or a
    quarter of it of at least half its height is taken instead."""
    n = profile.size
    longest, shortest = n // max(config.lattice_periods, 1), max(config.lattice_min_step, 2)
    if longest <= shortest + 1:
        return None
    capped = capped_profile(profile)
    centred = capped - capped.mean()
    if not centred.any():
        return None
    spectrum = np.fft.rfft(centred, 2 * n)  # (zero-padded: the linear, not the circular, autocorrelation)
    correlation = np.fft.irfft(spectrum.real**2 + spectrum.imag**2)[: longest + 2]
    correlation /= correlation[0]
    lags = correlation[shortest : longest + 1]
    best = float(lags.max())
    if best < config.lattice_strength:
        return None
    lag = shortest + int(np.argmax(lags))
    for parts in (4, 3, 2):  # the step, not a multiple of it: lines a fraction of a pixel off whole places
        near = int(round(lag / parts))  # overlap less at one step than at the multiple that brings them back
        if near - 1 >= shortest and correlation[near - 1 : near + 2].max() >= 0.5 * best:
            lag = near - 1 + int(np.argmax(correlation[near - 1 : near + 2]))
            break
    while lag + 1 <= longest and correlation[lag + 1] > correlation[lag]:  # up to the peak, either way
        lag += 1
    while lag - 1 >= shortest and correlation[lag - 1] > correlation[lag]:
        lag -= 1
    if lag == shortest or correlation[1:lag].min() > 0.5 * correlation[lag]:
        return None
    # between pixels: the period whose Fourier coefficient is the largest, within half a pixel (a tenth of a pixel
    # off a step drifts by 3 px across 30 of them)
    steps = lag + np.linspace(-0.5, 0.5, 51)
    coefficients = np.exp(-2j * np.pi * np.outer(1 / steps, np.arange(n))) @ centred
    return float(steps[int(np.argmax(np.abs(coefficients)))])


def capped_profile(profile: np.ndarray) -> np.ndarray:
    """An ink profile (int or float [n]) capped at its 90th percentile, float64 [n]: one strong line (a margin)
    does not rule the lattice found in it (lattice_step, lattice_bands)."""
    return np.minimum(profile, quantiles(profile, 0.9)[0]).astype(np.float64)


def lattice_bands(profile: np.ndarray, step: float, config: DetectConfig = DEFAULT) -> np.ndarray | None:
    """The rows (columns) of printed lines about ``step`` px apart in an ink profile (int or float [n], ink pixels
    per row or column): bool [n], or None when the lines are not thin or not there. The phase of the profile's
    Fourier coefficient at the step places the lines; folded on the step, the profile gives their thickness, at
    most ``config.lattice_thin`` of the step (rows of handwriting are half their step tall or more), and they must
    hold ink on ``lattice_periods`` steps at least. Then a straight line fitted through the lines' centres (least
    squares, each line's ink-weighted mean row) gives their places to a fraction of a pixel. Each band is the
    lines' thickness plus ``lattice_drift`` px either side."""
    n = profile.size
    if step * config.lattice_periods > n:
        return None
    capped = capped_profile(profile)
    x = np.arange(n)
    origin = -float(np.angle((capped * np.exp(-2j * np.pi * x / step)).sum())) / (2 * np.pi) * step
    offset, lines = _lattice_places(x, origin, step)
    bins = int(np.ceil(step))
    where = np.minimum((offset * bins / step).astype(np.int64), bins - 1)
    folded = np.bincount(where, capped, bins) / np.maximum(np.bincount(where, minlength=bins), 1)
    floor = float(np.median(folded))
    thick = np.count_nonzero(folded > floor + 0.5 * (folded.max() - floor)) * step / bins
    if thick > config.lattice_thin * step:
        return None
    reach = thick / 2 + config.lattice_drift
    weight = np.where(np.abs(offset - step / 2) <= reach, np.maximum(capped - floor, 0.0), 0.0)
    mass = np.bincount(lines, weight)
    found = np.flatnonzero(mass > 0)
    if found.size < config.lattice_periods:
        return None
    centres = np.bincount(lines, weight * x)[found] / mass[found]
    step, origin = (float(v) for v in np.polyfit(found, centres, 1))
    offset, _ = _lattice_places(x, origin, step)
    return np.abs(offset - step / 2) <= reach


def _lattice_places(x: np.ndarray, origin: float, step: float) -> tuple[np.ndarray, np.ndarray]:
    """For positions ``x`` (px) and lines at ``origin`` + k ``step``: each position's place within its step, the
    line's centre at step / 2 (float [n]), and the index of its line, counted from 0 at the first position
    (int64 [n])."""
    shifted = x - origin + step / 2
    lines = np.floor(shifted / step).astype(np.int64)
    return shifted - lines * step, lines - lines.min()


def grid_bands(binary: np.ndarray, config: DetectConfig = DEFAULT) -> np.ndarray | None:
    """Where a squared page's grid lies in ``binary`` (uint8 0/1 [H, W]): bool [H, W], the bands of its rows and of
    its columns, or None when there is no grid. The classical projection-profile analysis of ruled forms, made
    robust to breaks: a faint grid that binarization breaks into pieces, or leaves only as specks where its lines
    cross, still piles its ink up at equal steps in both profiles. Each profile must show lines at a step of its
    own (lattice_step), the two steps within ``config.grid_square`` of each other (a grid's cells are square),
    and thin lines there (lattice_bands). One way alone is no grid: a printed form's text lines stand at equal
    steps, and a line of digits written at equal steps puts its columns at them (taking one way's step for both,
    a desk photo's form read its printed words as a grid, and a digit beside them was lost)."""
    profiles = [cv2.reduce(binary, axis, cv2.REDUCE_SUM, dtype=cv2.CV_32S).ravel() for axis in (1, 0)]
    steps = []
    for profile in profiles:
        step = lattice_step(profile, config)
        if step is None:
            return None
        steps.append(step)
    if abs(steps[0] - steps[1]) > config.grid_square * min(steps):
        return None
    rows, columns = (lattice_bands(profile, step, config) for profile, step in zip(profiles, steps))
    if rows is None or columns is None:
        return None
    inside = np.zeros(binary.shape, bool)
    inside[rows] = True
    inside[:, columns] = True
    return inside


def drop_grid_debris(
    blobs: list[Blob], labels: np.ndarray, binary: np.ndarray, config: DetectConfig = DEFAULT
) -> list[Blob]:
    """``blobs`` without the pieces of a squared page's grid: a blob with ``config.debris_share`` of its ink or
    more inside the grid's bands (grid_bands) of ``binary`` (uint8 0/1 [H, W], the ink before any rule was
    erased). ``labels``: int32 [H, W], the components the blobs are made of. A faint grid breaks into pieces too
    short to be erased as rules, and specks where its lines cross: a blank squared page read lines of '1's and
    '4's. A digit written across the grid's lines has much of its ink between them (MNIST test digits 0-4, 60 px
    tall on a 21 px grid: 0.35-0.72 inside). Looked for among ``config.debris_min_blobs`` blobs or more (a grid's
    pieces are many; grid_bands costs 0.23-0.27 ms on a 640x480 frame's 320x240 working copy, which a frame of a
    number never pays)."""
    if len(blobs) < config.debris_min_blobs:
        return blobs
    inside = grid_bands(binary, config)
    if inside is None:
        return blobs
    counts = label_counts(labels, inside)
    return [b for b in blobs if counts[list(b.labels)].sum() < config.debris_share * b.area]


def remove_rules(binary: np.ndarray, height: float, config: DetectConfig = DEFAULT, wobble: int = 0) -> np.ndarray:
    """Erase straight horizontal and vertical runs much longer than a digit (ruled lines, table borders)
    that may touch the digits. With no digit height known, the runs across 90% of the image.

    Returns ``binary`` itself when there is nothing to erase.

    The strokes crossing a rule stay (crossings), judged on the ink without the rules of the other way: a grid's
    vertical rule touches each horizontal rule from both sides as a stroke does, and every crossing of a squared
    page stayed a '+' speck that read '1' or '4'.

    A run of ``length`` pixels needs at least that many ink pixels in its row (column), so the opening runs
    only over the band of rows (columns) that have them, usually none: a long opening of the whole frame
    costs milliseconds. ``wobble`` (px): a rule may step this far across itself along its length and still be
    one run (a copy levelled by whole-pixel shears, Levelling, turns a rule askew into a staircase that steps a
    pixel either way): the image is widened across the rule by that much for the opening, and the rule found
    taken back to the ink within it."""
    h_img, w_img = binary.shape
    found = []  # (axis, the rules' pixels, their band, the widening) of each axis that has rules
    for axis, size in ((1, w_img), (0, h_img)):
        length = int(config.rule_length * height) if height else int(0.9 * size)
        if length < 8 or length >= size:
            continue
        wide = np.ones((2 * wobble + 1, 1) if axis == 1 else (1, 2 * wobble + 1), np.uint8)
        source = cv2.dilate(binary, wide) if wobble else binary
        counts = cv2.reduce(source, axis, cv2.REDUCE_SUM, dtype=cv2.CV_32S).ravel()  # ink per row (column)
        candidates = np.flatnonzero(counts >= length)
        if candidates.size == 0:
            continue
        band = slice(int(candidates[0]), int(candidates[-1]) + 1)
        kernel = np.ones((1, length) if axis == 1 else (length, 1), np.uint8)
        rules = np.zeros_like(binary)
        if axis == 1:
            rules[band] = cv2.morphologyEx(source[band], cv2.MORPH_OPEN, kernel)
        else:
            rules[:, band] = cv2.morphologyEx(source[:, band], cv2.MORPH_OPEN, kernel)
        if wobble:  # the staircase's own pixels: the run found, widened back, on the ink
            rules = cv2.dilate(rules, wide) & binary
        if rules.any():  # widen a little across the rule: a slanted or fuzzy rule leaves no slivers
            across = np.ones((5, 1) if axis == 1 else (1, 5), np.uint8)
            found.append((axis, rules, cv2.dilate(rules, across), across))
    out = binary
    for axis, rules, band, across in found:
        # the writing crossing it stays; a rule of the other way (a grid's) crossing it is no writing
        others = [other for a, _, other, _ in found if a != axis]
        kept = crossings(binary & (1 - others[0]) if others else binary, rules, band, axis, config)
        if axis == 0 and height:  # and the writing running along a margin line, between its touches
            kept |= along_rule(out, long_rules(rules, across, config), height, config)
        out = out & (1 - band * (1 - kept))
    return out


def long_rules(rules: np.ndarray, across: np.ndarray, config: DetectConfig = DEFAULT) -> np.ndarray:
    """The band (``rules``, uint8 0/1, dilated by ``across``) of the vertical rules at least ``config.along_span``
    of the image tall: a margin line runs down the page (a dark webcam frame's shadow edge, half the frame tall,
    read a '1' of its own ragged end; a pen on a desk photo, one of its highlight's edge)."""
    count, labels, stats = label(rules)
    short = stats[:, cv2.CC_STAT_HEIGHT] < config.along_span * rules.shape[0]
    short[0] = True
    return cv2.dilate(np.where(short[labels], 0, rules).astype(np.uint8), across)


def along_rule(binary: np.ndarray, band: np.ndarray, height: float, config: DetectConfig = DEFAULT) -> np.ndarray:
    """The ink of a vertical rule's ``band`` (uint8 0/1, the rule widened) that a stroke runs along: the band's
    pixels in the rows between two places where ink outside the band touches it (from either side) at most
    ``config.along_reach`` digit heights (``height``, px) apart, and in the rows of each touch (none at 0; none
    when the ink beside the rules is specks, under ``config.min_height`` px both ways). uint8 0/1, ``binary``'s
    shape (the ink with the horizontal rules already erased: a grid's lines cross the rule everywhere, and would
    touch it).

    A '9' whose loop's side lies on the margin line, a '1' written along it: the run across the line (crossings)
    is no longer than the line is thick there, and the line took the stroke with it ('920' read '720', '1265'
    '265'). The stroke's ends touch the band; the rows between them are the stroke's. This is the reconstruction
    of a stroke under an erased line by its ends, as crossings does it across a rule (form processing's line
    removal with stroke reconstruction)."""
    if config.along_reach <= 0:
        return np.zeros_like(binary)
    outside = binary & (1 - band)
    sides = label(outside)[2][1:, [cv2.CC_STAT_WIDTH, cv2.CC_STAT_HEIGHT]]
    if sides.size == 0 or sides.max() < config.min_height:  # no writing beside the rules, specks at most (a thin
        return np.zeros_like(binary)  # '1' alone in a crop, taken for a rule, kept pieces of itself where its
        # rim's specks touched it, and they read as nothing)
    touch = np.zeros_like(binary)
    touch[:, 1:] |= outside[:, :-1]  # ink just left of a pixel
    touch[:, :-1] |= outside[:, 1:]  # ink just right of one
    touch &= band
    if not touch.any():
        return touch
    across = cv2.dilate(touch, np.ones((1, 2 * config.band_reach + 1), np.uint8)) & band  # the band's width
    reach = max(3, int(config.along_reach * height)) | 1
    return cv2.morphologyEx(across, cv2.MORPH_CLOSE, np.ones((reach, 1), np.uint8)) & band & binary


def rule_slope(labels: np.ndarray, stats: np.ndarray, config: DetectConfig = DEFAULT) -> float:
    """The tilt of the printed rules, in rows per column, when they are askew by ``config.grid_level_deg`` to
    ``rule_tilt_max_deg``; else 0.0. ``labels``, ``stats``: the connected components of the binary ink image
    (``label``). Measured on the widest component (``rule_tilt``), or, when that is no rule askew, on the
    tallest, when that is ``config.rule_length`` times as tall as the next (a margin line beside the writing: a
    page turned by an angle turns its upright lines by the same angle, and a rule rising ``s`` rows per column
    goes with a margin line leaning ``-s`` columns per row)."""
    across = rule_tilt(labels, stats, config)
    if across:
        return across
    heights = np.sort(stats[1:, cv2.CC_STAT_HEIGHT])
    if heights.size < 2 or heights[-1] < config.rule_length * max(heights[-2], 8):
        return 0.0  # the tallest is no longer than a rule beside the writing: a '1' filling a crop, a digit
    upright = stats[:, [cv2.CC_STAT_TOP, cv2.CC_STAT_LEFT, cv2.CC_STAT_HEIGHT, cv2.CC_STAT_WIDTH]]
    return -rule_tilt(labels.T, upright, config)


def rule_tilt(labels: np.ndarray, stats: np.ndarray, config: DetectConfig = DEFAULT) -> float:
    """The tilt of the widest component's rule, in rows per column, when it is askew by ``config.grid_level_deg``
    to ``rule_tilt_max_deg``, else 0.0 (``stats``: x, y, w, h of each label of ``labels`` in its first 4 columns).
    A rule's component is at least ``rule_span`` of the image wide, ``rule_aspect`` times as wide as tall and
    ``rule_min_strokes`` times as long as its stroke is thick; the digits and ticks joined to it thicken some of
    its columns, so the tilt is fitted (least squares, then again without the columns more than a stroke off) on
    the middles of the columns no thicker than 1.5 strokes plus 1 px (a stroke: the 10th percentile of its
    columns' thickness), when those are ``rule_span`` of its width or more. Where digits stand on the rule along
    most of it (a cheque's baseline, a ruled page's line under the writing), few columns are that thin from top
    to bottom: then the fit is made on each column's lowest run of ink, or else its highest (the rule alone, under
    or over the digits joined to it)."""
    widths = stats[1:, 2]
    if widths.size == 0 or widths.max() < max(8, config.rule_span * labels.shape[1]):
        return 0.0
    k = int(np.argmax(widths)) + 1
    x, y, w, h = (int(v) for v in stats[k, :4])
    own = labels[y : y + h, x : x + w] == k
    top = own.argmax(axis=0)
    bottom = h - 1 - own[::-1].argmax(axis=0)
    stroke = float(np.percentile(bottom - top + 1, 10))  # the rule's own thickness: digits joined to it thicken columns
    if w < config.rule_aspect * h or w < config.rule_min_strokes * stroke:
        return 0.0  # a digit's bar, a bold touching pair: not long enough for a rule
    rise = fitted_rise(top, bottom, config)
    if rise is None:  # digits on the rule: its lowest run (an underline), or its highest
        lowest = h - 1 - last_run(own[::-1], h - 1 - bottom)
        rise = fitted_rise(lowest, bottom, config)
        if rise is None:
            rise = fitted_rise(top, last_run(own, top), config)
    if rise is None:
        return 0.0
    degrees = abs(float(np.degrees(np.arctan(rise))))
    return rise if config.grid_level_deg <= degrees <= config.rule_tilt_max_deg else 0.0


def last_run(own: np.ndarray, first: np.ndarray) -> np.ndarray:
    """For each column of ``own`` (bool [h, w]), the last row of the run of ink that starts at row ``first`` (int
    [w], a row with ink in every column)."""
    rows = np.arange(own.shape[0])[:, None]
    gap = ~own & (rows >= first[None, :])
    return np.where(gap.any(axis=0), gap.argmax(axis=0), own.shape[0]) - 1


def fitted_rise(top: np.ndarray, bottom: np.ndarray, config: DetectConfig = DEFAULT) -> float | None:
    """The rise (rows per column) of a rule whose ink spans rows ``top`` to ``bottom`` (int [w]) in each column,
    fitted as ``rule_tilt`` says on its thin columns; None when too few are thin, or lie on one line."""
    thickness = bottom - top + 1
    stroke = float(np.percentile(thickness, 10))
    thin = thickness <= 1.5 * stroke + 1
    if np.count_nonzero(thin) < config.rule_span * top.size:
        return None
    xs = np.flatnonzero(thin).astype(np.float64)
    ys = (top + bottom)[thin] / 2.0
    fit = np.polyfit(xs, ys, 1)
    near = np.abs(ys - np.polyval(fit, xs)) <= max(1.0, stroke)
    if np.count_nonzero(near) < config.rule_span * top.size:
        return None
    return float(np.polyfit(xs[near], ys[near], 1)[0])


class Levelling(NamedTuple):
    """Where each pixel of an image whose rules rise ``slope`` rows per column goes so that they lie level and
    its walls upright: each column shifted by round(-slope * x) rows, then each row of that by round(slope * y)
    columns (a turn by a small angle, as two shears of whole pixels: ``unlevel`` puts every pixel back where it
    was). ``rows``, ``columns``: int [H, W], each pixel's place in the levelled image of ``shape``."""

    rows: np.ndarray
    columns: np.ndarray
    shape: tuple[int, int]

    @classmethod
    def of(cls, shape: tuple[int, ...], slope: float) -> "Levelling":
        h, w = shape[:2]
        down = np.round(slope * np.arange(w)).astype(np.int64)
        rows = np.arange(h)[:, None] - (down - down.max())[None, :]
        height = int(rows.max()) + 1
        across = np.round(slope * np.arange(height)).astype(np.int64)
        across -= across.min()
        columns = np.arange(w)[None, :] + across[rows]
        return cls(rows, columns, (height, int(columns.max()) + 1))

    def level(self, image: np.ndarray) -> np.ndarray:
        """``image`` [H, W] levelled: [self.shape], zeros where no pixel lands."""
        out = np.zeros(self.shape, image.dtype)
        out[self.rows, self.columns] = image
        return out

    def unlevel(self, levelled: np.ndarray) -> np.ndarray:
        """The inverse of ``level``: [H, W], each pixel taken back from its place."""
        return levelled[self.rows, self.columns]


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

    A row more than ``grid_level_deg`` askew (a photographed form) is turned level first, by the angle of the
    minimum-area rectangle round its ink, and what is erased is turned back.

    The recipe is the classical one of form processing: long horizontal and vertical morphological openings
    find the form's lines (e.g. OpenCV's "Extract horizontal and vertical lines by using morphological
    operations" tutorial), here sized by the blob rather than the page so that the cells' short walls go too."""
    out = binary
    for b in blobs:
        if b.w < 2 * b.h or b.h < 4 * config.min_height:  # not a row of cells big enough to write in
            continue
        box = binary[b.y : b.y + b.h, b.x : b.x + b.w]
        angle = row_angle(box)
        if abs(angle) < config.grid_level_deg:
            cells = grid_cells(box, config)
        else:  # a row a little askew (a photographed form): read level, and what was erased turned back
            turn = cv2.getRotationMatrix2D((b.w / 2, b.h / 2), angle, 1.0)
            level = cv2.warpAffine(box, turn, (b.w, b.h), flags=cv2.INTER_NEAREST)
            ys, xs = np.nonzero(level)
            y0, x0 = ys.min(), xs.min()
            crop = level[y0 : ys.max() + 1, x0 : xs.max() + 1]
            kept = grid_cells(crop, config)
            if kept is None:
                continue
            erased = np.zeros_like(level)
            erased[y0 : ys.max() + 1, x0 : xs.max() + 1] = crop & (1 - kept)
            back = cv2.warpAffine(erased, turn, (b.w, b.h), flags=cv2.INTER_NEAREST | cv2.WARP_INVERSE_MAP)
            cells = box & (1 - cv2.dilate(back, np.ones((3, 3), np.uint8)))
        if cells is None:
            continue
        if out is binary:
            out = binary.copy()
        out[b.y : b.y + b.h, b.x : b.x + b.w] = cells
    return out


def row_angle(box: np.ndarray) -> float:
    """The slope, in degrees (-90 to 90; positive: falling to the right, the image's y pointing down), of the
    longer side of the minimum-area rectangle round a blob's ink (``box``: uint8 0/1 [h, w]).
    cv2.getRotationMatrix2D turns counter-clockwise by its angle, so turning by the slope levels the row."""
    corners = cv2.boxPoints(cv2.minAreaRect(cv2.findNonZero(box)))
    dx, dy = max((corners[(i + 1) % 4] - corners[i] for i in range(2)), key=lambda e: float(np.hypot(*e)))
    return (float(np.degrees(np.arctan2(dy, dx))) + 90.0) % 180.0 - 90.0


def grid_cells(box: np.ndarray, config: DetectConfig = DEFAULT) -> np.ndarray | None:
    """A level row of joined boxes (uint8 0/1 [h, w], its blob's box) without its rules and walls, its digits
    kept (uint8 0/1, the same shape); None when it holds no such row (see erase_grids)."""
    h, w = box.shape
    rules = cv2.morphologyEx(box, cv2.MORPH_OPEN, np.ones((1, int(config.grid_span * w)), np.uint8))
    rows = np.flatnonzero(rules.any(axis=1))
    middle = rows[(rows > 0.3 * h) & (rows < 0.7 * h)]
    if rows.size == 0 or rows[0] > 0.25 * h or rows[-1] < 0.75 * h or middle.size:
        return None  # a top and a bottom rule with the cells between them, or no row of boxes (a thick bar)
    upright = np.ones((int(config.grid_span * h), 1), np.uint8)
    walls = cv2.morphologyEx(box, cv2.MORPH_OPEN, upright)
    if not walls.any():  # walls a little askew (a form photographed in perspective) drift a few px over their
        # height: opened on the ink widened that much, and a piece of a digit's stroke beside a wall, far shorter
        # than the wall, given back
        drift = np.ones((1, max(3, round(config.wall_drift * h)) | 1), np.uint8)
        walls = cv2.morphologyEx(cv2.dilate(box, drift), cv2.MORPH_OPEN, upright) & box
        count, labels, stats, _ = cv2.connectedComponentsWithStats(walls, connectivity=8)
        tall = stats[:, cv2.CC_STAT_HEIGHT] >= 0.7 * config.grid_span * h
        tall[0] = False
        walls = tall[labels].view(np.uint8) if count > 1 else walls
    lattice = wall_lattice(walls, rules)
    if lattice is not None:  # equal cells: only the runs where walls belong are walls (not a digit's stem)
        walls = walls * on_lattice(walls, *lattice)
    grid = cv2.dilate(rules, np.ones((5, 1), np.uint8)) | cv2.dilate(walls, np.ones((1, 5), np.uint8))
    cells = box & (1 - grid)
    if lattice is not None:  # and what is left of a wall where one belongs goes too
        cells = cells * (1 - on_lattice(cells, *lattice, slivers=True))
    return cells


def erase_boxes(
    binary: np.ndarray, blobs: list[Blob], labels: np.ndarray, config: DetectConfig = DEFAULT
) -> np.ndarray:
    """Erase printed boxes, one cell each (a form's field for one digit, an empty box). A box is a blob
    - whose outline simplifies to four corners (``quadrilateral``: a box askew or in perspective still is one);
    - whose ink runs along ``box_sides`` of each of those four sides and reaches each corner, within ``box_band``
      of its shortest side (a printed line lies on its outline; a digit's curved strokes only touch it);
    - whose lines are at most ``box_stroke`` of that side wide (a digit's strokes are wider for its size);
    - whose ink crosses ``box_edges`` of each band along its box's edges (``framed``, a cheap first test), and runs
      straight along ``box_run`` of each edge (``straight_edges``: touching round digits come close to their
      outline all round, in curves);
    - and that has at least ``box_outline`` of its ink there (a digit touching the box has the rest).
    Only the ink along the sides goes, so a digit touching the box keeps the rest of its strokes; a digit inside
    it, a blob of its own, stays. None of the 10,000 MNIST test digits, at 28 and 84 px, is a box
    (tests/test_page.py). ``binary``: uint8 0/1 [H, W]; ``labels``: int32 [H, W], the labelling ``blobs`` come
    from. Returns a new array, or ``binary`` itself when there is no box. Rows of joined cells are erase_grids';
    rules and frames across the page, remove_rules'.

    The test is contours' classical use in form reading (Suzuki and Abe 1985, OpenCV's findContours): a cell is
    a connected component whose outline simplifies to four corners and whose ink follows all four sides."""
    out = binary
    for b in blobs:
        if min(b.w, b.h) < 2 * config.min_height or max(b.w, b.h) > 3 * min(b.w, b.h) or b.area > 0.5 * b.w * b.h:
            continue  # too small to write in, a row of cells or a rule, or solid: no box
        if not framed(binary[b.y : b.y + b.h, b.x : b.x + b.w], config.box_edges):
            continue  # (cheap: a digit's ink leaves a band along its box's edge half empty)
        own = member_mask(labels, b, (b.x, b.y, b.w, b.h)).astype(bool).view(np.uint8)
        # (framed in 2 px of paper: its outline's sides and their bands stay inside the array)
        own = cv2.copyMakeBorder(own, 2, 2, 2, 2, cv2.BORDER_CONSTANT, value=0)
        corners = quadrilateral(own)
        if corners is None:
            continue
        side = min(float(np.hypot(*(a - c))) for a, c in zip(corners, np.roll(corners, -1, 0)))
        # the lines' width, px, measured on the ink along the outline (not a digit touching the box): the distance to
        # the background runs evenly from 0 to half the width across a flat line, so its median is a quarter of it
        along = np.zeros_like(own)
        cv2.polylines(along, [np.round(corners).astype(np.int32)], True, 1, 2 * max(2, round(0.03 * side)) + 1)
        depth = cv2.distanceTransform(own, cv2.DIST_L2, 3)[(own & along) > 0]
        stroke = 4.0 * float(np.median(depth)) if depth.size else float("inf")
        if stroke > config.box_stroke * side:
            continue  # strokes thick for its size: a digit (a bold '0'), a '1', a dash; a printed box is thin
        band = max(config.box_band_px, round(config.box_band * side))
        near = cv2.dilate(own, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * band + 1, 2 * band + 1)))
        if not all(along_side(near, a, c) >= config.box_sides for a, c in zip(corners, np.roll(corners, -1, 0))):
            continue
        if not all(along_side(near, a, a, samples=1) for a in corners):
            continue  # a corner left empty: round, a '0'
        if not straight_edges(near, config.box_run):
            continue  # round strokes close to the outline, none straight along it: touching digits ('83')
        outline = np.zeros_like(own)
        reach = band + int(np.ceil(stroke))  # the line lies inside the outline: all of it goes
        cv2.polylines(outline, [np.round(corners).astype(np.int32)], True, 1, 2 * reach + 1)
        on_outline = own & outline
        if cv2.countNonZero(on_outline) < config.box_outline * b.area:
            continue  # most of its ink inside: a grid of cells (squared paper), writing, not one box
        if out is binary:
            out = binary.copy()
        region = out[b.y : b.y + b.h, b.x : b.x + b.w]
        region[on_outline[2:-2, 2:-2] > 0] = 0
    return out


def edge_bands(box: np.ndarray) -> tuple[tuple[np.ndarray, int], ...]:
    """The four bands of ``box`` (a 2-D array [h, w]) a sixth of its shorter side deep (at least 2 px) along its
    edges, top, bottom, left, right, each as rows that run along its edge (the side bands transposed), with that
    edge's length in px: what ``framed`` and ``straight_edges`` look along."""
    k = max(2, min(box.shape) // 6)
    h, w = box.shape
    return (box[:k], w), (box[-k:], w), (box[:, :k].T, h), (box[:, -k:].T, h)


def framed(box: np.ndarray, share: float) -> bool:
    """Does ink (``box``: uint8 0/1 [h, w], a blob's box) cross at least ``share`` of each of the four bands, a
    sixth of the shorter side deep, along its edges (the rows of the top and bottom bands, the columns of the
    side bands)? A box is ink along all four edges, even a few degrees askew; most digits are not."""
    return all(np.count_nonzero(band.any(axis=0)) >= share * length for band, length in edge_bands(box))


def straight_edges(near: np.ndarray, share: float) -> bool:
    """Does ``near`` (uint8 0/1 [h, w]: a blob's ink, widened) hold an unbroken straight run along each of its four
    edges: a row in its top sixth and one in its bottom sixth with a run of at least ``share`` of its width, and
    a column in each side's sixth with one of ``share`` of its height? A box's lines are such runs (widened, a
    line a few degrees askew still is one); round digits touching one another, whose strokes come close to
    their outline all round, have none."""
    return all(longest_run(band) >= share * length for band, length in edge_bands(near))


def longest_run(rows: np.ndarray) -> int:
    """The longest run of non-zero values along any row of ``rows`` (uint8 [n, w]), in px."""
    edges = np.diff(np.pad(rows != 0, ((0, 0), (1, 1))).view(np.int8), axis=1)
    starts, ends = np.nonzero(edges == 1), np.nonzero(edges == -1)
    return int((ends[1] - starts[1]).max()) if starts[1].size else 0


def quadrilateral(own: np.ndarray) -> np.ndarray | None:
    """The four corners (float32 [4, 2], x y px, in order round it) of the convex hull of a blob's ink (``own``:
    uint8 0/1 [h, w]), simplified by Douglas-Peucker (OpenCV's approxPolyDP) to within 4 % of its perimeter; None
    when that leaves other than four. A box in perspective is such a quadrilateral, not a rectangle."""
    contours, _ = cv2.findContours(own, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    hull = cv2.convexHull(np.concatenate(contours))
    quad = cv2.approxPolyDP(hull, 0.04 * cv2.arcLength(hull, True), True)
    return quad.reshape(-1, 2).astype(np.float32) if len(quad) == 4 else None


def along_side(near: np.ndarray, a: np.ndarray, c: np.ndarray, samples: int = 24) -> float:
    """The share of ``samples`` points from corner ``a`` to corner ``c`` (x, y px, both ends included) where
    ``near`` (uint8 0/1 [h, w]: ink, widened) is set; a point off the image counts as not set."""
    t = np.linspace(0.0, 1.0, samples)[:, None]
    points = np.round(a + t * (c - a)).astype(int)
    xs, ys = points[:, 0], points[:, 1]
    inside = (xs >= 0) & (xs < near.shape[1]) & (ys >= 0) & (ys < near.shape[0])
    return float(near[ys[inside], xs[inside]].sum()) / samples


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


def pen_level(
    ink: np.ndarray, erased: np.ndarray, kept: np.ndarray, height: float, config: DetectConfig = DEFAULT
) -> float | None:
    """The ink level (in the ink map ``ink``, float32 [H, W], 0-1) that tells pen from printed rules, when the
    rules are faint beside the writing: the kept ink (``kept``, uint8 0/1 [H, W], the ink with its form lines
    erased) at least ``config.lying_contrast`` times as strong as the ``erased`` ink (uint8 0/1), in medians;
    halfway between the two. None when nothing was erased, or the rules are as strong as the pen (a black form
    line beside blue ink), or with ``lying_contrast`` 0."""
    if config.lying_contrast <= 0 or not height:
        return None
    lines, writing = erased.astype(bool), kept.astype(bool)
    if not lines.any() or not writing.any():
        return None
    rule, pen = float(np.median(ink[lines])), float(np.median(ink[writing]))
    return 0.5 * (rule + pen) if pen >= config.lying_contrast * rule else None


def lying_strokes(
    ink: np.ndarray, erased: np.ndarray, kept: np.ndarray, level: float, height: float, config: DetectConfig = DEFAULT
) -> np.ndarray:
    """``kept`` (uint8 0/1 [H, W], the ink with its form lines erased) with the strokes that lay along a faint
    printed rule given back: the ``erased`` pixels (uint8 0/1) at least ``level`` strong in ``ink`` (pen_level),
    in pieces at least ``config.lying_length`` digit heights (``height``, px) long that touch kept ink. ``kept``
    itself when there are none.

    A 4's bar or a 2's foot written along a light blue rule of lined paper went with the rule, whose run the
    opening (remove_rules) cannot tell from the stroke in a binary image: '4547' read '1347', '259' read '759'
    (train.scenes' ruled scans). The ink map can: the pen is darker than the printed rule."""
    strong = (erased.astype(bool) & (ink >= level)).view(np.uint8)
    count, labels, stats = label(strong)
    long = np.flatnonzero(stats[:, cv2.CC_STAT_WIDTH] >= config.lying_length * height)
    long = long[long > 0]
    if long.size == 0:
        return kept
    near = cv2.dilate(kept, np.ones((3, 3), np.uint8))  # (a piece touching the writing)
    touching = np.zeros(count, bool)
    touching[np.unique(labels[(near > 0) & (labels > 0)])] = True
    chosen = np.zeros(count, bool)
    chosen[long[touching[long]]] = True
    if not chosen.any():
        return kept
    return kept | chosen[labels].view(np.uint8)


def pen_blobs(blobs: list[Blob], labels: np.ndarray, ink: np.ndarray, level: float) -> set[int]:
    """The labels (in ``labels``, int32 [H, W]) of the ``blobs`` whose mean ink in ``ink`` is at least ``level``
    (pen_level): writing, however much of it lies along an erased rule (drop_rule_remnants)."""
    sums = np.bincount(labels.ravel(), weights=ink.ravel(), minlength=int(labels.max()) + 1)
    areas = np.maximum(np.bincount(labels.ravel(), minlength=sums.size), 1)
    return {b.labels[0] for b in blobs if sums[b.labels[0]] / areas[b.labels[0]] >= level}


def drop_rule_remnants(blobs: list[Blob], labels: np.ndarray, removed: np.ndarray) -> list[Blob]:
    """Drop the slivers a removed rule leaves behind (its fuzzy or slanted edges): blobs that lie mostly
    along removed pixels. A digit that touched a rule borders it only over a short stretch."""
    if not removed.any() or not blobs:
        return blobs
    hits = labels_near(labels, removed, 7)
    return [b for b in blobs if hits[b.labels[0]] <= 0.5 * b.area]


def drop_form_ticks(
    blobs: list[Blob],
    labels: np.ndarray,
    removed: np.ndarray,
    height: float,
    slope: float = 0.0,
    config: DetectConfig = DEFAULT,
) -> list[Blob]:
    """Drop the ticks of a comb field and the walls of a row of boxes once their rule is erased: straight
    thin vertical strokes that stood on the rule (``config.tick_foot``; straight: ``tick_width``, ``tick_slim``,
    ``tick_fill``), either short (a tick, ``tick_height``), taller than a digit (a wall, ``wall_height``), standing on
    a rule's end (rule_ends), or ruler-straight (``wall_ruled``: issue 10's comb field photo 2 had a 3 x 116 px end
    wall beside digits whose typical height came out at 104). A '1' written on the line is as tall as the other
    digits, and its pen stroke wider than 1/20 of it, and it stays. ``height``: the typical digit's, px;
    ``removed``: uint8 0/1, the erased form lines; ``labels``: the components' labels the blobs were measured on.
    ``slope``: the rules' tilt in rows per column (erase_form_lines); a form turned by it leans its walls by as many
    columns per row, and a wall's width and fill are judged with that lean taken out (``wall_lean``: a comb
    photographed askew read its end walls as 1s)."""
    if not removed.any() or not blobs or not height:
        return blobs
    k = max(5, round(config.tick_foot * height)) | 1  # the rule's fuzzy edge and the tick's blurred foot
    touching = labels_near(labels, removed, k) > 0
    ends = rule_ends(removed, height, config)

    def upright_width(b: Blob) -> int:
        """The blob's width with the form's lean taken out, when it leans as the form's walls do (a form turned by
        ``slope`` rows per column leans them ``-slope`` columns per row; the middles of its rows fitted against
        their rows, within ``config.wall_lean`` columns per row): its box's width less its lean over its height. A
        stroke leaning otherwise is judged as it stands."""
        if not slope or b.h < 3:
            return b.w
        own = np.isin(labels[b.y : b.y + b.h, b.x : b.x + b.w], b.labels)
        rows = np.flatnonzero(own.any(axis=1))
        if rows.size < 3:
            return b.w
        first = own[rows].argmax(axis=1)
        last = own.shape[1] - 1 - own[rows, ::-1].argmax(axis=1)
        lean = float(np.polyfit(rows.astype(np.float64), (first + last) / 2.0, 1)[0])
        if abs(lean + slope) > config.wall_lean:
            return b.w
        return max(1, b.w - round(abs(slope) * (b.h - 1)))

    def is_tick(b: Blob) -> bool:
        if not touching[b.labels[0]]:
            return False
        w = upright_width(b)
        thin = w <= config.thin_wall_px and b.area >= config.thin_wall_fill * b.h  # (a faint 1-2 px wall breaks up)
        solid = b.area >= config.tick_fill * w * b.h or thin
        straight = w <= config.tick_width * height and w <= config.tick_slim * b.h and solid
        ruled = w <= config.wall_ruled * b.h  # as thin and upright as a printed line, whatever its height
        at_end = bool(np.any(np.abs(ends - (b.x + b.w / 2)) <= b.w / 2 + 2))
        short, tall = b.h <= config.tick_height * height, b.h >= config.wall_height * height  # a tick's, a wall's
        form_like = short or tall or ruled or at_end
        return straight and form_like

    alike = alike_ticks([b for b in blobs if touching[b.labels[0]]], config)
    return [b for b in blobs if not is_tick(b) and (b.x, b.y, b.w, b.h) not in alike]


def alike_ticks(standing: list[Blob], config: DetectConfig = DEFAULT) -> set[tuple[int, int, int, int]]:
    """The boxes of the blobs of ``standing`` (those that stand on an erased rule) that are a comb's ticks by their
    likeness alone: solid (``config.tick_fill``) upright (``tick_slim``) strokes, at least ``comb_ticks`` of them at
    equal steps (fit_lattice), of one height (within ``tick_alike`` of their median) and width (``tick_alike_px``). On a
    blank comb field they are the only blobs, the digit height is theirs, and drop_form_ticks' tests against it
    keep them; printed ticks are alike as no handwriting is."""
    solid = [b for b in standing if b.w <= config.tick_slim * b.h and b.area >= config.tick_fill * b.w * b.h]
    if len(solid) < config.comb_ticks:
        return set()
    tall, wide = float(np.median([b.h for b in solid])), float(np.median([b.w for b in solid]))
    alike = [
        b for b in solid if abs(b.h - tall) <= config.tick_alike * tall and abs(b.w - wide) <= config.tick_alike_px
    ]
    if len(alike) < config.comb_ticks:
        return set()
    centres = sorted(b.x + b.w / 2 for b in alike)
    tolerance = wide / 2 + 2
    lattice = fit_lattice(centres, tolerance, 2 * wide, least=config.comb_ticks)
    if lattice is None:
        return set()
    return {(b.x, b.y, b.w, b.h) for b in alike if on_grid(b.x + b.w / 2, *lattice, tolerance)}


def drop_rule_slivers(
    blobs: list[Blob], labels: np.ndarray, removed: np.ndarray, height: float, config: DetectConfig = DEFAULT
) -> list[Blob]:
    """Drop the slivers of faint rules that crossed an erased line: flat blobs at most ``config.sliver_height``
    digit heights (``height``, px) tall and at least three times as wide, touching the erased pixels
    (``removed``, uint8 0/1). On lined paper the margin line is erased, and where its rules stayed under the
    binarization's strong level, the bits of them that were joined to it are left: a 22x3 px one beside '240'
    read '4240'. A digit's flat stroke (a 7's or a 5's bar) cut by an erased line stays joined to the rest of
    its digit; a written dash touching a form line goes too, and it is no digit."""
    if not removed.any() or not blobs or not height:
        return blobs
    touching = labels_near(labels, removed, 3) > 0

    def is_sliver(b: Blob) -> bool:
        return b.h <= config.sliver_height * height and b.w >= 3 * b.h and bool(touching[list(b.labels)].any())

    return [b for b in blobs if not is_sliver(b)]


def drop_pen_ends(
    blobs: list[Blob], labels: np.ndarray, removed: np.ndarray, height: float, config: DetectConfig = DEFAULT
) -> list[Blob]:
    """Drop what is left of a pen lying on the page once its straight body was erased as a rule: its rounded
    cap and its sharpened tip. A blob is a pen's end when it touches erased pixels (``removed``, uint8 0/1) of a
    run at least ``config.pen_end_width`` digit heights (``height``, px) thick and ``config.pen_end_strokes``
    times the writing's stroke width (the median over ``blobs`` of their widest inscribed disc, L2 distance
    transform), and is at most ``config.pen_end_length`` of that thickness long either way. ``labels``: int32
    [H, W], the components the blobs were measured on.

    Measured 2026-12-05 on train.scenes' blank desk photos (``kind_photos(..., empty=True)``, seed 0): 20 of
    100 read a digit, 6 of them only a pen's cap or tip ('0', '2', '60'), which this drops; their pens are
    1.2-1.9 heights of the print and 2.3-6 of its stroke widths thick. A printed rule or underline is thinner
    than the writing's strokes (train/lines.py draws them 0.3-0.8 of the pen's) and, blurred, at most 1.3
    stroke widths and 0.42 digit heights thick (benchmarks/accuracy.py's line crops); with a 0.25-height test
    alone, a '1' and a '9' touching a thick underline were dropped. A digit touching a form line stays."""
    if not removed.any() or not blobs or not height:
        return blobs
    touching = labels_near(labels, removed, 3) > 0
    depth = None
    ends = []  # (blob, the thickness of the erased run it touches, px)
    for b in blobs:
        if not touching[list(b.labels)].any():
            continue
        if depth is None:
            depth = cv2.distanceTransform(removed, cv2.DIST_L2, 3)
        reach = max(b.w, b.h)
        y0, x0 = max(0, b.y - reach), max(0, b.x - reach)
        thickness = 2 * float(depth[y0 : b.y + b.h + reach, x0 : b.x + b.w + reach].max())
        if thickness >= config.pen_end_width * height and max(b.w, b.h) <= config.pen_end_length * thickness:
            ends.append((b, thickness))
    if not ends:
        return blobs
    widest = widest_discs(labels, cv2.distanceTransform((labels > 0).view(np.uint8), cv2.DIST_L2, 3))
    strokes = float(np.median([2 * widest[list(b.labels)].max() for b in blobs]))
    pens = {id(b) for b, thickness in ends if thickness >= config.pen_end_strokes * strokes}
    return [b for b in blobs if id(b) not in pens]


def rule_ends(removed: np.ndarray, height: float, config: DetectConfig = DEFAULT) -> np.ndarray:
    """The x of both ends of each erased horizontal rule (float64 [2 * rules], px): ``removed`` (uint8 0/1) the
    erased form lines; a rule is a run of them wider than ``config.ended_rule`` digit heights (``height``, px) and
    ``ended_rule_flat`` times its own height. A thin straight stroke standing on such an end is the end wall of a
    comb field or of a row of boxes (drop_form_ticks): a wall no taller than the digits, issue 10's comb fields
    read '28761' for '2876'."""
    _, _, stats = label(removed)
    x, w, h = stats[1:, cv2.CC_STAT_LEFT], stats[1:, cv2.CC_STAT_WIDTH], stats[1:, cv2.CC_STAT_HEIGHT]
    rule = (w > config.ended_rule * height) & (w > config.ended_rule_flat * h)
    return np.concatenate([x[rule], x[rule] + w[rule] - 1]).astype(np.float64)


def is_rule(b: Blob, height: float, shape: tuple[int, ...], config: DetectConfig = DEFAULT) -> bool:
    """A leftover rule or border: line-like (blobs.is_line_like) and longer than ``config.leftover_rule`` digit
    heights (``height``, px), or, with no digit height (0), 4 times as wide as tall and wider than half the image
    (``shape``)."""
    if not is_line_like(b):
        return False
    longest = max(b.w, b.h)
    if height:
        return longest > config.leftover_rule * height
    return b.w > 4 * b.h and b.w > 0.5 * shape[1]
