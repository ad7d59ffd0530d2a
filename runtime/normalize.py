"""One digit's ink -> an MNIST-style 28x28 digit. NumPy and OpenCV only; every step is a pure function on arrays.

    digit = normalize_digit(ink)                  # one digit's ink -> float32 [28, 28], the MNIST recipe
    digits = normalize_batch(ink, boxes, masks)   # the digit in each box of an ink map -> float32 [N, 28, 28]

The MNIST recipe (LeCun et al.): crop to the ink, scale the longer side to 20 px keeping the aspect ratio,
put it in a 28x28 field with the centre of mass at the centre. Measured on the MNIST test set: the longer side
of the non-zero pixels is always 20 and the mean centre of mass is (14.0, 14.0) in pixel-index coordinates.
The ink map itself comes from ink.py.
"""

from __future__ import annotations

from typing import Iterable, Sequence

import cv2
import numpy as np

from .blobs import max_pool
from .ink import quantiles

# Bump when anything here or in ink.py changes what the network sees; it is recorded in each exported model.

PREPROCESSING_VERSION: str = "1"
SIZE = 28  # the field
BOX = 20  # the longer side of the digit inside it
CENTRE = 14.0  # where MNIST puts the centre of mass (pixel-index coordinates)
POOL_SIDE = 200  # digits at least twice this size are max-pooled to about this size before widening
STROKE = 2.2  # MNIST stroke width at 28x28 (2*area/boundary of the >0.5 pixels: median 2.1, 95th pct 3.2)


def normalize_digit(ink: np.ndarray, *, thicken: bool = True) -> np.ndarray:
    """One digit's ink (any size, white on black) -> float32 [28, 28] in [0, 1], the MNIST recipe.

    Crop to the ink, widen thin strokes to MNIST's width, scale the longer side to 20 px, stretch the
    intensity so strong strokes reach 1, and centre the centre of mass at (14, 14). No ink -> zeros.
    """
    return normalize_clean(clip_ink(ink), thicken=thicken)


def normalize_clean(ink: np.ndarray, *, thicken: bool = True) -> np.ndarray:
    """normalize_digit of an ink map that is clean already (clip_ink's: float32 [H, W] in [0, 1]), such as a
    masked crop of an ink map in normalize_batch -> float32 [28, 28]."""
    box = ink_box(ink)
    if box is None:
        return np.zeros((SIZE, SIZE), np.float32)
    x, y, w, h = box
    crop = ink[y : y + h, x : x + w]
    if max(h, w) >= 2 * POOL_SIDE:
        crop = max_pool(crop, max(h, w) // POOL_SIDE)
    if thicken:
        crop = widen_strokes(crop)
    # The crop is its own ink box: cut to it above, and max pooling and widening keep it so (their maxima keep
    # the peak, and the outermost ink stays above 5% of it out to the edges they pad), so fit_box's own
    # ink_box would give the whole crop.
    digit = scale_to_box(crop)
    digit = stretch_intensity(digit)
    return centre_of_mass_field(digit)


def clip_ink(ink: np.ndarray) -> np.ndarray:
    """An ink map as float32 [H, W] in [0, 1]: a trailing channel axis of 1 dropped, NaN as 0, +-inf and every
    other value clipped to the range. Raises ValueError unless the map is 2-D (after that axis)."""
    return clean_values(ink_array(ink))


def ink_array(ink: np.ndarray) -> np.ndarray:
    """An ink map as float32 [H, W], its values as they are (see clip_ink): a trailing channel axis of 1
    dropped. Raises ValueError unless the map is 2-D (after that axis)."""
    ink = np.asarray(ink, dtype=np.float32)
    if ink.ndim == 3 and ink.shape[2] == 1:
        ink = ink[:, :, 0]
    if ink.ndim != 2:
        raise ValueError(f"ink must be a 2-D array, got shape {ink.shape}")
    return ink


def clean_values(ink: np.ndarray) -> np.ndarray:
    """float32 [H, W] -> the same in [0, 1]: NaN as 0, +-inf and every other value clipped to the range.
    Pixel by pixel, so cleaning a crop gives the crop of the cleaned map."""
    if ink.size and cv2.checkRange(ink, True, 0.0, 1.0000001)[0]:
        return ink  # already clean (an ink_map): a 0.02 ms check instead of a 0.5 ms copy of a frame
    return np.clip(np.nan_to_num(ink, nan=0.0, posinf=1.0, neginf=0.0), 0.0, 1.0)


def ink_box(ink: np.ndarray, fraction: float = 0.05):
    """Bounding box (x, y, w, h) of the pixels above `fraction` of the strongest one, or None."""
    if ink.size == 0:
        return None
    peak = float(ink.max())
    if peak <= 1e-3:
        return None
    x, y, w, h = cv2.boundingRect((ink > fraction * peak).astype(np.uint8))
    return (x, y, w, h) if w > 0 and h > 0 else None


def stroke_width(ink: np.ndarray) -> float:
    """Stroke width in pixels: 2 * area / boundary of the half-strength ink (a stroke of width w, length L
    has area w*L and boundary ~2L). Same estimator as the MNIST figure in STROKE."""
    solid = (ink > 0.5 * float(ink.max())).view(np.uint8)
    area = cv2.countNonZero(solid)
    if area == 0:
        return 0.0
    inner = cv2.erode(solid, np.ones((3, 3), np.uint8), borderType=cv2.BORDER_CONSTANT, borderValue=0)
    boundary = area - cv2.countNonZero(inner)
    return 2.0 * area / max(boundary, 1)


def widen_strokes(crop: np.ndarray, scale: float | None = None, target: float = STROKE) -> np.ndarray:
    """Dilate thin strokes (a 1 px tablet line in a 300 px drawing) at the source resolution so that after
    scaling by ``scale`` (default: the longer side to 20 px) they are ``target`` px wide (MNIST's ~2 px),
    not a faint hairline. Thick strokes are left alone."""
    scale = BOX / max(crop.shape) if scale is None else scale
    missing = target / scale - stroke_width(crop)  # source pixels to add
    k = 2 * int(round(missing / 2)) + 1  # an odd kernel adds k - 1 pixels to the width
    if k < 3:
        return crop
    pad = k // 2
    padded = cv2.copyMakeBorder(crop, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=0)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k))
    return cv2.dilate(padded, kernel)


def fit_box(crop: np.ndarray) -> np.ndarray:
    """Cut to the ink box, then scale so the longer side is BOX px, keeping the aspect ratio (scale_to_box)."""
    box = ink_box(crop)
    if box is not None:
        x, y, w, h = box
        crop = crop[y : y + h, x : x + w]
    return scale_to_box(crop)


def scale_to_box(crop: np.ndarray) -> np.ndarray:
    """Scale so the longer side is BOX px, keeping the aspect ratio (INTER_AREA when shrinking): float32 [h, w]
    -> float32 [<= BOX, <= BOX], a new array."""
    h, w = crop.shape
    scale = BOX / max(h, w)
    size = (min(BOX, max(1, round(w * scale))), min(BOX, max(1, round(h * scale))))
    if size == (w, h):
        return crop.copy()
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    return cv2.resize(crop, size, interpolation=interpolation)


def stretch_intensity(digit: np.ndarray) -> np.ndarray:
    """Scale so the strong strokes reach 1.0 (MNIST's stroke cores are saturated)."""
    values = digit[digit > 0.05 * float(digit.max())] if digit.size else digit
    if values.size == 0:
        return digit
    strong = quantiles(values, 0.9)[0]
    out = digit.astype(np.float32) * np.float32(1.0 / max(strong, 1e-3))
    return np.clip(out, 0.0, 1.0, out=out)


def centre_of_mass_field(digit: np.ndarray) -> np.ndarray:
    """Put the digit into the 28x28 field, shifted (by whole pixels, as MNIST) so its centre of mass is at
    the centre."""
    m = cv2.moments(digit)
    h, w = digit.shape
    if m["m00"] <= 1e-6:
        cx, cy = (w - 1) / 2, (h - 1) / 2
    else:
        cx, cy = m["m10"] / m["m00"], m["m01"] / m["m00"]
    shift = np.array([[1, 0, round(CENTRE - cx)], [0, 1, round(CENTRE - cy)]], np.float32)
    field = cv2.warpAffine(
        digit.astype(np.float32, copy=False),
        shift,
        (SIZE, SIZE),
        flags=cv2.INTER_NEAREST,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=0,
    )
    return np.clip(field, 0.0, 1.0, out=field)  # nearest-neighbour shifts keep the values: a no-op guard


def normalize_batch(
    ink: np.ndarray,
    boxes: Iterable[Sequence[int]],
    masks: Sequence[np.ndarray | None] | None = None,
    *,
    thicken: bool = True,
) -> np.ndarray:
    """Normalize the digit in each box (x, y, w, h) of an ink map -> float32 [N, 28, 28] (N may be 0).

    masks (optional): one array per box, shaped like the box (h, w); only ink where it is non-zero belongs to
    the digit (keeps a neighbour's stroke that reaches into the box out of it).
    """
    ink = ink_array(ink)  # cleaned crop by crop below: the boxes are a small part of a frame's map
    out = []
    for i, box in enumerate(boxes):
        x, y, w, h = (int(v) for v in box)
        x0, y0 = min(max(0, x), ink.shape[1]), min(max(0, y), ink.shape[0])
        x1, y1 = max(x0, min(ink.shape[1], x + w)), max(y0, min(ink.shape[0], y + h))
        crop = clean_values(ink[y0:y1, x0:x1])
        mask = masks[i] if masks is not None else None
        if mask is not None and crop.size:
            mask = np.asarray(mask)[y0 - y : y1 - y, x0 - x : x1 - x]
            if mask.shape == crop.shape:
                crop = crop * (mask > 0)
        out.append(normalize_clean(crop, thicken=thicken) if crop.size else np.zeros((SIZE, SIZE), np.float32))
    if not out:
        return np.zeros((0, SIZE, SIZE), np.float32)
    return np.stack(out).astype(np.float32, copy=False)
