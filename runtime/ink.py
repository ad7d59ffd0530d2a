"""Any image -> gray -> ink map: ink strength in [0, 1], white ink on black, with the paper and its light
removed. NumPy and OpenCV only; every step is a pure function on arrays.

    gray = to_gray(image)          # any image array -> uint8 gray
    ink = ink_map(gray)            # float32 [0, 1]: ink strength, white ink on black, light and paper removed

The stages of ``ink_map``, on a small copy where they are cheap (``shrink``):

    ink_is_dark          polarity: dark ink on light paper, or light ink on a dark board
    paper_level          the background brightness without the ink (a morphological closing or opening)
    ink_contrast         ink relative to the local paper: illumination that scales both cancels out
    remove_noise_floor   the paper's noise level subtracted, the strongest ink scaled to 1

A noisy image (a dark webcam frame) goes through the last three again smoothed by ever larger Gaussians, and the
map whose ink stands further out of its noise is kept (``ink_map``).
"""

from __future__ import annotations

from typing import NamedTuple

import cv2
import numpy as np

from .blobs import label, widest_discs
from .config import DEFAULT, DetectConfig
from .images import check_array


def to_gray(image: np.ndarray) -> np.ndarray:
    """Any image array -> uint8 (H, W): gray, (H, W, 1), gray + alpha, BGR or BGRA; uint8, uint16, other
    ints, float ([0, 1] or [0, 255]), bool.

    Transparent pixels of a BGRA image become background: the image is composited over a plain colour
    (the opposite of the ink when the picture is mostly transparent, like a drawing; the paper's otherwise).
    Raises ImageError (a ValueError) for an array that is no image (images.check_array).
    """
    image = np.asarray(image)
    check_array(image)  # ImageError, a ValueError, for an array that is no image
    image = to_uint8(image)
    if image.ndim == 2:
        return image
    if image.shape[2] == 1:
        return image[:, :, 0]
    if image.shape[2] == 2:
        return flatten_alpha(image[:, :, 0], image[:, :, 1])
    if image.shape[2] == 3:
        return cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    return flatten_alpha(cv2.cvtColor(image[:, :, :3], cv2.COLOR_BGR2GRAY), image[:, :, 3])


def to_uint8(image: np.ndarray) -> np.ndarray:
    """Map any numeric dtype to uint8 0..255 (values already in 0..255 are kept as they are)."""
    if image.dtype == np.uint8:
        return image
    if image.dtype == np.bool_:
        return image.astype(np.uint8) * np.uint8(255)
    values = image.astype(np.float32)
    if np.issubdtype(image.dtype, np.floating):
        values = np.nan_to_num(values, nan=0.0, posinf=0.0, neginf=0.0)
    lo, hi = float(values.min()), float(values.max())
    if np.issubdtype(image.dtype, np.floating) and lo >= 0 and hi <= 1.0:
        values = values * 255.0  # float in [0, 1]
    elif lo >= 0 and hi <= 255:
        pass  # already 0..255 (float or a wide integer type holding 8-bit values)
    elif image.dtype == np.uint16 and lo >= 0:
        values = values / 257.0  # 16-bit: 65535 -> 255
    else:
        values = (values - lo) * (255.0 / max(hi - lo, 1e-12))  # anything else: stretch its range
    return np.clip(values + 0.5, 0, 255).astype(np.uint8)


def flatten_alpha(gray: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """Composite gray over a plain background where alpha says it is transparent."""
    if alpha.min() == alpha.max():
        return gray  # uniform alpha carries no shape: an opaque image (or a broken one) — use the colours
    opaque = alpha >= 128
    if not opaque.any():
        opaque = alpha > 0
    content = float(np.median(gray[opaque]))
    if opaque.mean() < 0.5:  # mostly transparent: the opaque pixels are the ink (a drawing)
        background = 255.0 if content < 128 else 0.0
    else:  # mostly opaque: a picture with transparent margins; extend its own paper
        background = content
    a = alpha.astype(np.float32) / 255.0
    mixed = gray.astype(np.float32) * a + background * (1.0 - a)
    return np.clip(mixed + 0.5, 0, 255).astype(np.uint8)


class InkMap(NamedTuple):
    ink: np.ndarray  # float32 [H, W] in [0, 1], white ink on black: the ink map
    noisy: bool  # its strongest ink stood under ``denoise_below`` noise sigmas: it was denoised (faint pencil, a
    # dark webcam frame), and its strokes' faint parts are near its noise


def ink_map(gray: np.ndarray, config: DetectConfig = DEFAULT, sheet: np.ndarray | None = None) -> np.ndarray:
    """Gray image -> float32 ink strength in [0, 1], same size, white ink on black (``find_ink``'s map)."""
    return find_ink(gray, config, sheet).ink


def find_ink(gray: np.ndarray, config: DetectConfig = DEFAULT, sheet: np.ndarray | None = None) -> InkMap:
    """Gray image -> InkMap: float32 ink strength in [0, 1], same size, white ink on black, and whether the
    image was noisy.

    ``sheet``: bool, gray's shape: where the paper really is (page.isolate paints a desk around a sheet flat);
    the paper's noise is measured there only, and its ink is dark (a sheet is the light region of a photo).
    None: everywhere, and the polarity is found.

    Polarity is found automatically; the paper (or board) brightness is estimated locally on a small copy
    and divided out, which removes gradients, vignettes and soft shadows; the noise floor is subtracted, so a
    blank or noise-only image maps to ~0. A noisy image, whose strongest ink is under ``denoise_below`` noise
    sigmas, is smoothed with ever larger Gaussians (``denoise_sizes``) until its ink stands out; a smoothed map
    is kept when its ink stands out further, and at least ``denoise_keep`` sigmas, judged a tenth of the
    image inside its edges. Averaging lowers the pixel noise and keeps strokes wider than the kernel (issue
    10: denoising matched to the measured noise level). When a noisy image's polarity is in doubt
    (``ink_polarity``), both polarities are denoised and the ink that stands further out of its noise wins.
    """
    gray = to_gray(gray)
    small = shrink(gray, config.background_size, whole_factor=True, config=config)
    # A sheet found on a desk (page.find_sheet: the largest light region) is light paper: its ink is dark. Judged
    # on the page alone, a shadow over most of the sheet made its lit corner the light ink of a dark board, and
    # the digits in the shadow were lost (a new user's photos: 1 of 10 read)
    dark, sure = (True, True) if sheet is not None else ink_polarity(small, config)

    def unsmoothed(dark: bool) -> tuple[np.ndarray, float, float]:
        return _above_noise(ink_contrast(gray, paper_level(small, dark, gray.shape, config), dark, config), sheet)

    ink, strongest, sigma = unsmoothed(dark)
    if (
        strongest / max(sigma, 1e-9) >= config.denoise_below
        or min(gray.shape) < config.denoise_side * config.denoise_sizes[0]
    ):
        return InkMap(_scaled(ink, strongest, sigma, config), False)
    # A noisy image (a dark webcam frame, faint pencil): denoise it. Where the polarity is in doubt (faint
    # strokes in the paper's grain), both are tried, and the ink that stands further out of its noise wins.
    found = denoised(gray, dark, (ink, strongest, sigma), sheet, config)
    if not sure:
        turned = denoised(gray, not dark, unsmoothed(not dark), sheet, config)
        found = max(found, turned, key=lambda f: f[1] / max(f[2], 1e-9))
    if float(found[0].max()) < config.strong * _scale_of(found[1], found[2], config):  # no ink reaches the level
        # that seeds a blob (segment.hysteresis), and the blotch filter below only lowers ink: blank paper (a
        # webcam pointed at an empty sheet), for which it cost 11 ms of a 640x480 frame's 43
        return InkMap(_scaled(*found, config=config), True)
    if min(gray.shape) >= config.blotch_min_side and histogram_median(small) >= config.lit_paper:  # faint
        # strokes on a photographed page of lit paper: its blotches are no ink
        found = (without_blotches(found[0], found[1], config), found[1], found[2])
    return InkMap(_scaled(*found, config=config), True)


def without_blotches(ink: np.ndarray, strongest: float, config: DetectConfig = DEFAULT) -> np.ndarray:
    """A noisy ink map of lit paper (float32 [H, W], ink above the noise floor; ``strongest``: its strongest ink)
    without what is wider than ``blotch_strokes`` stroke widths: the white top-hat, the map less its
    morphological opening with a disc that wide (Meyer 1979, "Iterative image transformations for an
    automatic screening of cervical smears"; Soille, "Morphological Image Analysis", 2003, ch. 4). The
    stroke width is measured on the ink at least half the strongest (``stroke_width``). Same shape and dtype;
    ``ink`` itself when nothing is that strong.

    Blotchy paper photographed (issue 10's faint pencil) leaves smooth dark patches a few strokes wide that the
    paper level, a closing several digits wide, takes for ink; faint digits next to one join it into one
    blob. Measured on train.scenes photos, 100 of each kind: pencil 0.64 -> 0.68 exact (seed 0), 0.48
    unchanged (seed 1); every other kind, and benchmarks/accuracy.py's line photos, unchanged. Opened without
    the clip at 0, pencil went to 0.78 / 0.64, but the noise's troughs became ink: two of 100 photos of
    words read 25 digits of noise. Dark webcam frames lost 8 and are left out (``lit_paper``)."""
    strokes = (ink > 0.5 * strongest).astype(np.uint8)
    if not strokes.any():
        return ink
    k = max(7, int(config.blotch_strokes * stroke_width(strokes, config))) | 1
    # Opened from the ink above 0: below it is the paper's noise, whose troughs the opening would take for the
    # level to subtract, turning them into ink.
    above = np.maximum(ink, 0.0)
    if k <= config.blotch_disc:
        return ink - cv2.morphologyEx(above, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k)))
    n = -(-k // config.blotch_disc)  # a wider disc: on a copy n times smaller, by a disc n times narrower
    h, w = ink.shape
    small = cv2.resize(above, (-(-w // n), -(-h // n)), interpolation=cv2.INTER_AREA)
    disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, ((k // n) | 1,) * 2)
    return ink - cv2.resize(cv2.morphologyEx(small, cv2.MORPH_OPEN, disc), (w, h), interpolation=cv2.INTER_LINEAR)


def stroke_width(strokes: np.ndarray, config: DetectConfig = DEFAULT) -> float:
    """The pen's stroke width in px in a binary ink map (uint8 0/1 [H, W], some ink): twice the 99th percentile
    of the distance transform (the widest inscribed discs) over its strokes. Its compact pieces are left out
    when there are strokes besides: a piece whose widest disc spans ``blotch_compact`` of its box's longer side
    is a blotch or a speck, not a stroke.

    Measured on the strokes alone, because the blotches it is used to remove (``without_blotches``) are the
    widest ink: on issue 10's faint pencil photos, paper blotches as strong as the strokes made the width 25 px
    where the strokes are about 7, and the filter, sized from it, kept blotches that then joined the digits
    beside them into one blob ('344' read '3')."""
    depth = cv2.distanceTransform(strokes, cv2.DIST_L2, 3)
    _, labels, stats, _ = cv2.connectedComponentsWithStats(strokes, connectivity=8)
    widest = widest_discs(labels, depth)
    longer = np.maximum(stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT])
    stroke = 2 * widest < config.blotch_compact * longer
    stroke[0] = False
    kept = stroke[labels] if stroke.any() else strokes > 0
    return 2.0 * quantiles(depth[kept], 0.99)[0]


def denoised(
    gray: np.ndarray,
    dark: bool,
    plain: tuple[np.ndarray, float, float],
    sheet: np.ndarray | None,
    config: DetectConfig = DEFAULT,
) -> tuple[np.ndarray, float, float]:
    """A noisy image's ink above its noise (float32, gray's shape), its strongest ink and its noise sigma: the
    ``plain`` (unsmoothed) one, or gray smoothed with ever larger Gaussians (``denoise_sizes``, in images of at
    least ``denoise_side`` px per kernel px) until its ink stands ``denoise_below`` sigmas out; a smoothed map is
    kept when its ink stands out further than the best so far, and at least ``denoise_keep`` sigmas. Judged, and
    scaled, a tenth of the image's longer side inside its edges, where the paper level lags a steep fall of light
    and the edge of a sheet shows."""
    band = max(gray.shape) // 10
    ink, strongest, sigma = plain
    strongest = _inner_strongest(ink, band, strongest)
    best = strongest / max(sigma, 1e-9)
    for size in config.denoise_sizes:
        if best >= config.denoise_below or min(gray.shape) < config.denoise_side * size:
            break
        smooth = cv2.GaussianBlur(gray, (size, size), 0)
        small = shrink(smooth, config.background_size, whole_factor=True, config=config)
        paper = paper_level(small, dark, gray.shape, config)
        found, _, noise = _above_noise(ink_contrast(smooth, paper, dark, config), sheet)
        inner = _inner_strongest(found, band, float("-inf"))
        if inner / max(noise, 1e-9) >= max(best, config.denoise_keep):  # blank paper's smoothed grain never
            # stands out this far
            ink, strongest, sigma, best = found, inner, noise, inner / max(noise, 1e-9)
    return ink, strongest, sigma


def shrink(image: np.ndarray, max_side: int, whole_factor: bool = False, config: DetectConfig = DEFAULT) -> np.ndarray:
    """A copy whose longer side is at most max_side (INTER_AREA: averages, so it also lowers noise).

    whole_factor: shrink by a whole number n (the last few rows and columns that do not fill an n x n cell
    are dropped): OpenCV then takes plain n x n means, 3x faster than a fractional INTER_AREA. By
    ``config.coarse_factor`` or more, those means come first and a fractional INTER_AREA does the rest: 6x
    faster, the grid shifted by under one output pixel at the far edge (tests/test_detect.py)."""
    h, w = image.shape[:2]
    scale = max_side / max(h, w)
    if scale >= 1:
        return image
    if whole_factor:
        return block_means(image, int(np.ceil(1 / scale)))
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    n = int(1 / scale)
    if 1 / scale >= config.coarse_factor and min(h, w) >= n:  # first plain n x n means, then the small fractional rest
        image = block_means(image, n)
        return image if image.shape[1::-1] == size else cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    two_fifths = (5 * size[0], 5 * size[1]) == (2 * w, 2 * h)
    if two_fifths and image.ndim == 2 and image.dtype == np.uint8 and image.size <= TWO_FIFTHS_MAX_PIXELS:
        return shrink_two_fifths(image)  # the same pixels (find_page's copy of a 640x480 frame: 256x192)
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA)


def block_means(image: np.ndarray, n: int) -> np.ndarray:
    """The means of n x n cells ([H, W] or [H, W, C] -> [H // n, W // n, ...], at least one cell; the last rows
    and columns that do not fill a cell are dropped): INTER_AREA by a whole factor, OpenCV's fast case."""
    h, w = image.shape[:2]
    h, w = max(n, h - h % n), max(n, w - w % n)
    return cv2.resize(image[:h, :w], (w // n, h // n), interpolation=cv2.INTER_AREA)


# The weights of 5 pixels in a row (column) in the 2 pixels they make at 2/5 the size: each of those averages
# 2.5 pixels, 1, 1 and 1/2 of the middle one, or 1/2, 1, 1 (INTER_AREA), here doubled to whole numbers.
TWO_FIFTHS = np.array([[2, 0], [2, 0], [1, 1], [0, 2], [0, 2]], np.float32)
# Images up to this many pixels are shrunk by 2/5 in NumPy: faster than OpenCV up to 3 MP (measured, one core:
# 640x480 0.21 against 0.58 ms, 2000x1500 2.0 against 3.6 ms), slower beyond (4000x3000: 23 against 14 ms, its
# float32 copies no longer fit in the cache).
TWO_FIFTHS_MAX_PIXELS = 3_000_000


def shrink_two_fifths(image: np.ndarray) -> np.ndarray:
    """uint8 [H, W], H and W multiples of 5 -> uint8 [2H/5, 2W/5]: the same pixels as ``cv2.resize(image,
    (2W/5, 2H/5), interpolation=cv2.INTER_AREA)`` (tests/test_detect.py) in 40% of its time for an image of up
    to a few megapixels (TWO_FIFTHS_MAX_PIXELS; OpenCV's general fractional INTER_AREA is slow).

    Each output pixel is the mean of a 2.5 x 2.5 px square: S / 25, with S the sum of its 9 pixels weighted
    TWO_FIFTHS along each axis, a whole number (at most 6375: exact in float32, in any order of summation).
    S / 25 is never a whole number and a half (that needs 2S = 25 (2k + 1): even against odd), so it lies at
    least 0.02 from the nearest half, far beyond either computation's rounding error (< 0.001), and rounding it
    gives OpenCV's value."""
    h, w = image.shape
    rows = np.matmul(TWO_FIFTHS.T, image.reshape(h // 5, 5, w).astype(np.float32))  # [H/5, 2, W]: rows combined
    sums = rows.reshape(2 * h // 5, w // 5, 5) @ TWO_FIFTHS  # [2H/5, W/5, 2]: then columns; S
    return np.rint(sums.reshape(2 * h // 5, 2 * w // 5) * np.float32(1 / 25)).astype(np.uint8)


def window(small: np.ndarray, config: DetectConfig = DEFAULT) -> int:
    """The background window: an odd size, 1/background_kernel of the longer side of the small copy."""
    long = max(small.shape)
    k = max(int(np.ceil(long / config.background_kernel)), min(long, 31))  # small images are close-up crops
    return max(3, k | 1)


def ink_is_dark(small: np.ndarray, config: DetectConfig = DEFAULT) -> bool:
    """Dark ink on light paper (True) or light ink on a dark background (False)? (``ink_polarity``'s first half.)"""
    return ink_polarity(small, config)[0]


def ink_polarity(small: np.ndarray, config: DetectConfig = DEFAULT) -> tuple[bool, bool]:
    """(Dark ink on light paper (True) or light ink on a dark background (False), sure of it?) for a uint8 gray
    copy [H, W]. Sure unless one polarity's outliers carry under ``config.polarity_sure`` times the other's energy.

    Ink is the minority that stands out from its surroundings: subtract a local median and compare the
    strength of the dark and the light outliers beyond the noise. A blank image counts as dark-on-light.
    When dark and light are about as common and the border is mostly light, it is light paper (a bold digit
    in a tight crop: the ink is the majority there). A mostly dark border proves nothing (a note on a desk).
    A frame whose median is at least ``config.bright_paper`` is lit paper and its ink dark, sure: what stands
    out light there is glare or blotches (issue 10's faint pencil photos, median 163-204: 17 of 200 were judged
    light, 3 of them sure; measured on ``train.scenes`` photos, seeds 0 and 1, pencil 0.59 -> 0.60 exact on
    seed 1, every other kind and benchmarks/accuracy.py's line material unchanged).
    """
    if min(small.shape) >= 3 and small.max() > small.min():
        _, light = cv2.threshold(small, 0, 1, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
        border = (int(light[0].sum()) + int(light[-1].sum()) + int(light[:, 0].sum()) + int(light[:, -1].sum())) / (
            2.0 * (light.shape[0] + light.shape[1])
        )
        if 0.3 < cv2.countNonZero(light) / light.size < 0.7 and border > 0.7:
            return True, True
    if histogram_median(small) >= config.bright_paper:
        return True, True
    k = min(2 * window(small, config) + 1, 255)  # wider than the paper window: here thick strokes must not win
    median = local_median(small, k)
    darker = cv2.subtract(median, small)  # uint8, saturated at 0: how much darker than the surroundings
    lighter = cv2.subtract(small, median)
    deviation = cv2.max(darker, lighter)  # |small - median|, whose median is the noise level (MAD)
    sigma = 1.4826 * histogram_median(deviation) + 1.0
    floor = np.float32(2 * sigma)
    dark_energy, light_energy = outlier_energy(darker, floor), outlier_energy(lighter, floor)
    sure = max(dark_energy, light_energy) + 1.0 >= config.polarity_sure * (min(dark_energy, light_energy) + 1.0)
    return dark_energy >= light_energy, sure


def outlier_energy(deviation: np.ndarray, floor: np.float32) -> float:
    """The energy of the deviations beyond ``floor``: the sum of max(deviation - floor, 0) ** 2 over uint8
    ``deviation`` [H, W] (float32 arithmetic, one temporary)."""
    beyond = deviation.astype(np.float32)
    beyond -= floor
    return cv2.norm(np.maximum(beyond, 0, out=beyond), cv2.NORM_L2SQR)


def local_median(small: np.ndarray, k: int) -> np.ndarray:
    """The median of each pixel's k x k surroundings (uint8). A window this wide only has to follow the
    smooth background, so it is taken on a quarter-size copy with a quarter-size window and scaled back:
    10x cheaper than cv2.medianBlur at full size (1.1 ms for a 256x192 copy with k = 107)."""
    h, w = small.shape
    if min(h, w) < 32 or k < 13:
        return cv2.medianBlur(small, k) if min(h, w) > 1 else small.copy()
    tiny = cv2.resize(small, (w // 4, h // 4), interpolation=cv2.INTER_AREA)
    median = cv2.medianBlur(tiny, max(3, (k // 4) | 1))
    return cv2.resize(median, (w, h), interpolation=cv2.INTER_LINEAR)


def histogram_median(values: np.ndarray) -> float:
    """Median of a uint8 array from its histogram (no sort; OpenCV's histogram, a third faster than np.bincount,
    counts exactly up to 2**24 pixels)."""
    if 0 < values.size < 2**24:
        column = np.ascontiguousarray(values).reshape(-1, 1)  # any shape, as one column of pixels
        counts = cv2.calcHist([column], [0], None, [256], [0, 256]).ravel().astype(np.int64)
    else:
        counts = np.bincount(values.ravel(), minlength=256)
    return float(np.searchsorted(np.cumsum(counts), (values.size + 1) // 2))


def paper_level(small: np.ndarray, dark: bool, shape: tuple[int, int], config: DetectConfig = DEFAULT) -> np.ndarray:
    """The background brightness without the ink, full size, float32.

    A morphological closing (dark ink) or opening (light ink) wipes out every stroke narrower than the
    window, whatever the ink density; on the small copy it is cheap even for a 12 MP photo.

    The small copy is padded first, by replicating its edge; an image framed by a thin band of ink's tone all round its
    edge (``framed_at_edge``: a printed answer box cut out on its frame) is padded by reflection instead. Replicated,
    such a frame grew wider than the window and stood as paper, whose blur then darkened the paper just inside it, so
    the light pixels there read as strong negative ink, the noise sigma measured from them rose to 0.2 (none on the box
    padded by reflection), and the digits in the box vanished (a new user's box crops: 0 of 200 read with their frame).
    """
    threshold = otsu(small)  # (one split of ink and paper for the stroke window and the frame test)
    k = max(window(small, config), bold_stroke_window(small, dark, threshold))
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (k, k))
    op = cv2.MORPH_CLOSE if dark else cv2.MORPH_OPEN
    # Pad first: the second half of the closing must see the first half's result beyond the border too,
    # or a light gradient reaching the border turns into a band of false "ink" along it.
    edge = cv2.BORDER_REFLECT_101 if framed_at_edge(small, dark, config, threshold) else cv2.BORDER_REPLICATE
    padded = cv2.copyMakeBorder(small, k, k, k, k, edge)
    paper = cv2.morphologyEx(padded, op, kernel)[k:-k, k:-k].astype(np.float32)
    paper = cv2.blur(paper, (max(1, k // 4) | 1,) * 2)  # soften the blocky steps of the morphology
    if paper.shape != shape:
        paper = cv2.resize(paper, (shape[1], shape[0]), interpolation=cv2.INTER_LINEAR)
    return paper


def otsu(small: np.ndarray) -> float:
    """Otsu's threshold of a uint8 [H, W] image (cv2.threshold's): ink and paper split at it."""
    return float(cv2.threshold(small, 0, 1, cv2.THRESH_BINARY | cv2.THRESH_OTSU)[0])


def ink_side(small: np.ndarray, dark: bool, threshold: float) -> np.ndarray:
    """Bool [H, W]: the pixels of ``small`` on the ink's side of ``threshold``: at or below it for ``dark`` ink,
    above it for light ink (cv2.THRESH_BINARY_INV's and THRESH_BINARY's split)."""
    return small <= threshold if dark else small > threshold


def framed_at_edge(
    small: np.ndarray, dark: bool, config: DetectConfig = DEFAULT, threshold: float | None = None
) -> bool:
    """Is ``small`` (uint8 [H, W]) framed by a band of ink's tone at its edge: is at least ``config.frame_ring`` of its
    outermost 2 px (most of its edge, not all of it: a crop cut inside a frame on two sides) on the ink's side of Otsu's
    threshold (darker for ``dark`` ink), and at most a third of that share of a ring of 2 px a tenth of its shorter side
    further in (at least 4 px), as a printed box's frame cut out on its edge is? A tight crop of writing touches its
    edge at a few strokes only; a shadow or a dark surround reaching the edge reaches further in too.
    ``threshold``: ``otsu(small)``, when the caller has it."""
    if min(small.shape) < 16:
        return False
    split = otsu(small) if threshold is None else threshold

    def inky(depth: int) -> float:
        inside = small[depth : small.shape[0] - depth, depth : small.shape[1] - depth]
        ring = np.concatenate(
            [inside[:2].ravel(), inside[-2:].ravel(), inside[2:-2, :2].ravel(), inside[2:-2, -2:].ravel()]
        )
        return float(np.mean(ink_side(ring, dark, split)))

    return inky(0) >= config.frame_ring and inky(max(4, min(small.shape) // 10)) <= config.frame_ring / 3


def bold_stroke_window(small: np.ndarray, dark: bool, threshold: float | None = None) -> int:
    """A window 2.5x as wide as the boldest stroke (a marker digit filling a close-up), at most half the image.

    Strokes from a rough Otsu split (``threshold``: ``otsu(small)``, when the caller has it); their width from the
    distance transform. Blobs touching the border (the desk, a paper edge) are left out unless nothing else is
    there (a tight crop)."""
    mask = ink_side(small, dark, otsu(small) if threshold is None else threshold).view(np.uint8)
    if not mask.any():
        return 3
    _, labels, stats = label(mask)
    x, y, w, h = (stats[:, i] for i in range(4))
    inner = (x > 0) & (y > 0) & (x + w < small.shape[1]) & (y + h < small.shape[0])
    inner[0] = False
    # Half the frame is never a stroke: it is the paper itself, inside a light border or a frame of desk.
    huge = stats[:, cv2.CC_STAT_AREA] > 0.5 * small.size
    inner &= ~huge
    if inner.any():
        mask = inner[labels].view(np.uint8)
    elif huge[1:].any():
        mask = (~huge)[labels].view(np.uint8) * mask
        if not mask.any():
            return 3
    dt = cv2.distanceTransform(mask, cv2.DIST_L2, 3)
    width = 2.0 * quantiles(dt[mask > 0], 0.99)[0]
    return min(int(2.5 * width) | 1, max(3, (max(small.shape) // 2) | 1))


def ink_contrast(gray: np.ndarray, paper: np.ndarray, dark: bool, config: DetectConfig = DEFAULT) -> np.ndarray:
    """Ink relative to the local paper brightness: illumination that scales both cancels out. ``gray``: uint8
    [H, W]; ``paper``: float32 [H, W] (paper_level) -> float32 [H, W].

    The divisor never drops below a third of the typical paper level, so a dark desk or a deep shadow does
    not blow its sensor noise up into "ink". A dark board is already near the sensor's floor: there the
    divisor never drops below the board's median (dim corners keep their plain difference)."""
    step = max(1, int(np.ceil(np.sqrt(paper.size / 10_000))))
    sample = paper[::step, ::step]
    floor = max(config.dark_floor, quantiles(sample, 0.9)[0] / 3.0 if dark else quantiles(sample, 0.5)[0])
    out = gray.astype(np.float32)  # the same float32 arithmetic as (paper - g) / np.maximum(paper, floor), in place
    if dark:
        np.subtract(paper, out, out=out)
    else:
        np.subtract(out, paper, out=out)
    return np.divide(out, np.maximum(paper, floor), out=out)


def remove_noise_floor(contrast: np.ndarray, config: DetectConfig = DEFAULT) -> np.ndarray:
    """Subtract the paper's noise level (robust percentiles), then scale so the strongest ink reaches 1."""
    ink, strongest, sigma = _above_noise(contrast)
    return _scaled(ink, strongest, sigma, config)


def _scaled(ink: np.ndarray, strongest: float, sigma: float, config: DetectConfig = DEFAULT) -> np.ndarray:
    ink *= np.float32(1.0 / _scale_of(strongest, sigma, config))
    return np.clip(ink, 0.0, 1.0, out=ink)


def _scale_of(strongest: float, sigma: float, config: DetectConfig = DEFAULT) -> float:
    """The ink strength that _scaled maps to 1: the strongest ink, but at least ``min_contrast`` and 6 noise
    sigmas (noise alone stays faint)."""
    return max(strongest, config.min_contrast, 6.0 * sigma)


def _above_noise(contrast: np.ndarray, sheet: np.ndarray | None = None) -> tuple[np.ndarray, float, float]:
    """Contrast above the paper's noise floor (float32, may be negative), the strongest ink (3x3 mean) and the
    noise sigma, both in contrast units. The floor and sigma are measured where ``sheet`` (bool, optional) is
    True: a flat painted surround would pass for noiseless paper and make a noisy sheet's grain look like ink
    (measured: a dark webcam frame's sigma 0.025 with its painted desk, 0.095 on the sheet alone)."""
    # A strided sample keeps the pixel-level noise; ~30k values give the percentiles to within a few
    # percent, and a full-frame np.percentile would cost 8 ms on a 640x480 frame (0.3 ms for the sample).
    step = max(1, int(np.ceil(np.sqrt(contrast.size / 30_000))))
    sample = contrast[::step, ::step]
    if sheet is not None:
        on_sheet = sample[sheet[::step, ::step]]
        sample = on_sheet if on_sheet.size >= 1000 else sample
    p5, p25 = quantiles(sample, 0.05, 0.25)
    sigma = (p25 - p5) / 0.97  # the lowest quarter is paper even when ink covers half a tight crop
    ink = contrast - np.float32(p25 + (0.674 + 3.0) * sigma)
    return ink, strongest_ink(ink), float(sigma)


def strongest_ink(ink: np.ndarray) -> float:
    """The strongest ink of a map, as the maximum of its 3x3 means (a lone hot pixel does not count)."""
    return float(cv2.minMaxLoc(cv2.blur(ink, (3, 3)))[1]) if min(ink.shape) >= 3 else float(ink.max())


def _inner_strongest(ink: np.ndarray, band: int, default: float) -> float:
    """The strongest ink (3x3 mean) at least ``band`` px inside the image's edges (``default`` when the image
    is too small to have an inside)."""
    inner = ink[band : ink.shape[0] - band, band : ink.shape[1] - band]
    return strongest_ink(inner) if min(inner.shape) >= 3 else default


def quantiles(values: np.ndarray, *qs: float) -> list[float]:
    """np.percentile(values, 100 * q) for each q (linear interpolation), without its overhead: one
    np.partition (10 us on a small array, where np.percentile costs 60 us)."""
    part = np.array(values, copy=True).reshape(-1)  # one copy, partitioned in place (a strided sample was
    # copied twice: by ravel, then by np.partition)
    if part.size == 0:
        raise ValueError("quantiles of an empty array")
    positions = [q * (part.size - 1) for q in qs]
    below = [int(np.floor(p)) for p in positions]
    above = [min(b + 1, part.size - 1) for b in below]
    part.partition(sorted(set(below + above)))
    return [float(part[b]) + (p - b) * (float(part[a]) - float(part[b])) for p, b, a in zip(positions, below, above)]
