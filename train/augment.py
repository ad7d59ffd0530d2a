"""Data augmentation: pure functions on uint8 MNIST arrays, NumPy and OpenCV only.

Real handwriting reaches the network through ``edgedigits.runtime.normalize``, which makes every digit look
like MNIST (20x20 box, centre of mass centred). What normalization cannot remove — slant, wobble, pen width,
blur, sensor noise, faint ink — is what we augment:

- one random geometric warp per digit: rotation, scale, shear, shift, plus an optional elastic distortion
  (Simard et al. 2003), applied in a single ``cv2.remap``;
- stroke thickness: dilate (marker) or erode (fine pen, only where strokes survive it);
- blur, faint ink (contrast), additive noise;
- pencil: grainy strokes broken here and there, stretched back to full strength as the runtime's normalization
  stretches a faint digit (``break_strokes``).

Everything is driven by a ``numpy.random.Generator`` so a seed makes it repeatable.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import cv2
import numpy as np

from edgedigits.runtime.normalize import stretch_intensity


@dataclass(frozen=True)
class AugmentConfig:
    rotation_deg: float = 12.0
    scale: tuple[float, float] = (0.85, 1.12)
    shear: float = 0.2
    shift_px: float = 2.0
    elastic_p: float = 0.0
    elastic_alpha: float = 8.0  # displacement in pixels before smoothing normalisation
    elastic_sigma: float = 3.0
    thickness_p: float = 0.0
    blur_p: float = 0.0
    faint_p: float = 0.0
    noise_p: float = 0.0
    noise_std: float = 0.08
    # Pencil strokes (break_strokes); at 0 no random number is drawn for them. Only the pencil preset's (pencil()).
    broken_p: float = 0.0

    @classmethod
    def mild(cls) -> "AugmentConfig":
        return cls(rotation_deg=8.0, scale=(0.9, 1.08), shear=0.12, shift_px=1.5)

    @classmethod
    def real_world(cls) -> "AugmentConfig":
        return cls(elastic_p=0.35, thickness_p=0.35, blur_p=0.2, faint_p=0.2, noise_p=0.2)

    @classmethod
    def pencil(cls) -> "AugmentConfig":
        """real_world() with a fifth of the digits broken and grainy like faint pencil (break_strokes)."""
        return replace(cls.real_world(), broken_p=0.2)


_KERNEL = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2, 2))
_GRID_Y, _GRID_X = np.mgrid[0:28, 0:28].astype(np.float32)


def random_affine(rng: np.random.Generator, cfg: AugmentConfig, size: int = 28) -> np.ndarray:
    """A 2x3 matrix mapping output pixel coordinates to input coordinates, about the image centre."""
    angle = np.deg2rad(rng.uniform(-cfg.rotation_deg, cfg.rotation_deg))
    scale = rng.uniform(*cfg.scale)
    shear = rng.uniform(-cfg.shear, cfg.shear)
    cos, sin = np.cos(angle), np.sin(angle)
    forward = np.array([[cos, -sin], [sin, cos]]) @ np.array([[1.0, shear], [0.0, 1.0]]) * scale
    inverse = np.linalg.inv(forward)
    centre = np.array([(size - 1) / 2.0, (size - 1) / 2.0])
    shift = rng.uniform(-cfg.shift_px, cfg.shift_px, size=2)
    offset = centre - inverse @ (centre + shift)
    return np.hstack([inverse, offset[:, None]]).astype(np.float32)


def elastic_field(
    rng: np.random.Generator, alpha: float, sigma: float, size: int = 28
) -> tuple[np.ndarray, np.ndarray]:
    """Smooth random displacement fields (dx, dy) with peak magnitude about ``alpha / 4`` pixels."""
    fields = []
    for _ in range(2):
        noise = rng.uniform(-1, 1, (size, size)).astype(np.float32)
        smooth = cv2.GaussianBlur(noise, (0, 0), sigma)
        smooth /= np.abs(smooth).max() + 1e-6
        fields.append(smooth * alpha / 4.0)
    return fields[0], fields[1]


def warp(
    image: np.ndarray, matrix: np.ndarray, dx: np.ndarray | None = None, dy: np.ndarray | None = None
) -> np.ndarray:
    """Apply an affine map (and optional displacement) to one 28x28 image in a single resampling."""
    map_x = matrix[0, 0] * _GRID_X + matrix[0, 1] * _GRID_Y + matrix[0, 2]
    map_y = matrix[1, 0] * _GRID_X + matrix[1, 1] * _GRID_Y + matrix[1, 2]
    if dx is not None:
        map_x += dx
        map_y += dy
    return cv2.remap(image, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0)


def change_thickness(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Dilate (thicker stroke) or erode (thinner) by one pixel; erosion only if enough ink survives."""
    if rng.random() < 0.5:
        return cv2.dilate(image, _KERNEL)
    thinner = cv2.erode(image, _KERNEL)
    return thinner if (thinner > 128).sum() >= 0.5 * (image > 128).sum() else image


def break_strokes(digit: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Pencil strokes: float32 [28, 28] in [0, 1] -> the same, grainy (each pixel keeps 40-100 % of its ink) and
    broken where smooth noise (white noise blurred with a sigma of 1-2.5 px: blobs of about 4-11 px) falls low,
    then stretched so its strong strokes reach 1 again by the runtime's own ``stretch_intensity``, as it stretches
    a faint digit. After ``train/lines.py`` ``graphite``, at MNIST's scale and without its thinning
    (MNIST strokes are about 2 px wide): faint pencil digits photographed reach the network grainy and broken,
    which the other steps never make. A digit left with no ink is returned as it came."""
    grain = rng.uniform(0.4, 1.0, digit.shape).astype(np.float32)
    field = cv2.GaussianBlur(rng.normal(0.0, 1.0, digit.shape).astype(np.float32), (0, 0), rng.uniform(1.0, 2.5))
    field /= max(float(field.std()), 1e-6)
    keep = np.clip(rng.uniform(1.0, 2.0) + field, 0.0, 1.0)
    out = cv2.GaussianBlur(digit * grain * keep, (0, 0), 0.5)
    return digit if float(out.max()) <= 0.05 else stretch_intensity(out)


def augment_one(image: np.ndarray, rng: np.random.Generator, cfg: AugmentConfig) -> np.ndarray:
    """One uint8 28x28 digit in, one float32 28x28 digit in [0, 1] out."""
    matrix = random_affine(rng, cfg)
    dx = dy = None
    if rng.random() < cfg.elastic_p:
        dx, dy = elastic_field(rng, cfg.elastic_alpha, cfg.elastic_sigma)
    out = warp(image, matrix, dx, dy)
    if rng.random() < cfg.thickness_p:
        out = change_thickness(out, rng)
    out = out.astype(np.float32) / 255.0
    if cfg.broken_p > 0 and rng.random() < cfg.broken_p:
        out = break_strokes(out, rng)
    if rng.random() < cfg.blur_p:
        out = cv2.GaussianBlur(out, (0, 0), rng.uniform(0.4, 1.0))
    if rng.random() < cfg.faint_p:
        out *= rng.uniform(0.45, 0.9)
    if rng.random() < cfg.noise_p:
        out += rng.normal(0.0, cfg.noise_std, out.shape).astype(np.float32)
    return np.clip(out, 0.0, 1.0, out=out)


def augment_batch(images: np.ndarray, rng: np.random.Generator, cfg: AugmentConfig) -> np.ndarray:
    """uint8 ``[B, 28, 28]`` -> float32 ``[B, 28, 28]`` in [0, 1], each digit warped independently."""
    return (
        np.stack([augment_one(image, rng, cfg) for image in images])
        if len(images)
        else np.zeros((0, 28, 28), np.float32)
    )
