"""runtime/ink.py and runtime/normalize.py on real MNIST test digits and rendered images: to_gray, ink_map,
normalize_digit."""

from __future__ import annotations

import time

import cv2
import numpy as np
import pytest

from edgedigits.runtime import normalize, synth
from edgedigits.runtime.ink import ink_map, to_gray
from edgedigits.runtime.normalize import PREPROCESSING_VERSION, normalize_batch, normalize_digit


@pytest.fixture(scope="module")
def digit(mnist_test):
    return mnist_test.images[0]  # a 7


def centre_of_mass(x: np.ndarray) -> tuple[float, float]:
    m = cv2.moments(x.astype(np.float32))
    return m["m10"] / m["m00"], m["m01"] / m["m00"]


def assert_mnist_like(x: np.ndarray) -> None:
    assert x.shape == (28, 28) and x.dtype == np.float32
    assert np.isfinite(x).all() and x.min() >= 0.0 and x.max() <= 1.0
    assert x.max() == pytest.approx(1.0, abs=0.02)  # strong strokes reach 1 like MNIST
    cx, cy = centre_of_mass(x)
    assert abs(cx - 14) <= 1.0 and abs(cy - 14) <= 1.0
    _, _, w, h = cv2.boundingRect((x > 0.05).astype(np.uint8))
    assert 19 <= max(w, h) <= 22  # the 20 px box (widened strokes and the whole-pixel shift add a little)


def test_version_is_a_string():
    assert isinstance(PREPROCESSING_VERSION, str) and PREPROCESSING_VERSION


# --------------------------------------------------------------------------- to_gray


@pytest.mark.parametrize(
    "make",
    [
        lambda g: g,
        lambda g: g[:, :, None],
        lambda g: cv2.cvtColor(g, cv2.COLOR_GRAY2BGR),
        lambda g: cv2.cvtColor(g, cv2.COLOR_GRAY2BGRA),
        lambda g: g.astype(np.uint16) * 257,
        lambda g: g.astype(np.float32) / 255,
        lambda g: g.astype(np.float64),
        lambda g: g.astype(np.int32),
    ],
    ids=["gray", "hw1", "bgr", "bgra-opaque", "uint16", "float01", "float255", "int32"],
)
def test_to_gray_accepts_common_layouts_and_dtypes(digit, make):
    gray = 255 - cv2.resize(digit, (56, 56))
    out = to_gray(make(gray))
    assert out.dtype == np.uint8 and out.shape == gray.shape
    assert np.abs(out.astype(int) - gray).max() <= 1


def test_to_gray_bool_and_nan():
    mask = np.zeros((10, 12), bool)
    mask[2:5, 3:9] = True
    assert set(np.unique(to_gray(mask))) == {0, 255}
    x = np.full((8, 8), np.nan, np.float32)
    x[0, 0] = 1.0
    assert to_gray(x).dtype == np.uint8


def test_transparent_drawing_becomes_dark_strokes_on_white(digit):
    # A PNG drawing: black strokes (RGB 0) whose alpha is the ink, fully transparent (also RGB 0) elsewhere.
    bgra = np.zeros((28, 28, 4), np.uint8)
    bgra[:, :, 3] = digit
    gray = to_gray(bgra)
    assert gray[digit == 0].min() == 255  # transparent -> paper
    assert gray[digit == 255].max() == 0  # opaque black stroke -> ink
    ink = ink_map(gray)
    assert np.abs(ink - digit / 255.0).mean() < 0.02


def test_gray_plus_alpha(digit):
    la = np.zeros((28, 28, 2), np.uint8)
    la[:, :, 1] = digit  # black strokes, alpha = ink
    assert np.abs(ink_map(to_gray(la)) - digit / 255.0).mean() < 0.02


def test_transparent_white_strokes_also_work(digit):
    bgra = np.zeros((28, 28, 4), np.uint8)
    bgra[:, :, :3] = 255
    bgra[:, :, 3] = digit
    ink = ink_map(to_gray(bgra))
    assert np.abs(ink - digit / 255.0).mean() < 0.02


@pytest.mark.parametrize(
    "bad",
    [
        np.array(5),
        np.zeros(10),
        np.zeros((2, 3, 4, 5)),
        np.zeros((0, 5)),
        np.zeros((4, 4, 5)),
        np.array([[object()]]),
        np.zeros((3, 3), complex),
    ],
    ids=["0-d", "1-d", "4-d", "empty", "5-channels", "object", "complex"],
)
def test_to_gray_rejects_non_images(bad):
    with pytest.raises(ValueError, match="not an image"):
        to_gray(bad)


# --------------------------------------------------------------------------- ink_map


def test_ink_map_on_mnist_is_the_digit(mnist_test):
    for x in mnist_test.images[:50]:
        ink = ink_map(x)
        assert ink.dtype == np.float32 and ink.shape == x.shape
        assert np.abs(ink - x / 255.0).mean() < 0.04


def test_ink_map_polarity_is_automatic(mnist_test):
    for x in mnist_test.images[50:80]:
        big = cv2.resize(x, (84, 84), interpolation=cv2.INTER_CUBIC)
        light_on_dark, dark_on_light = ink_map(big), ink_map(255 - big)
        assert np.abs(light_on_dark - dark_on_light).mean() < 0.01
        assert dark_on_light.max() == pytest.approx(1.0)


@pytest.mark.parametrize(
    "image",
    [
        np.zeros((40, 40), np.uint8),
        np.full((30, 50), 255, np.uint8),
        np.full((1, 1), 7, np.uint8),
        np.clip(np.random.default_rng(0).normal(180, 6, (240, 320)), 0, 255).astype(np.uint8),
        np.clip(np.random.default_rng(1).normal(40, 10, (240, 320)), 0, 255).astype(np.uint8),
        np.random.default_rng(2).integers(0, 256, (120, 160)).astype(np.uint8),
    ],
    ids=["black", "white", "1x1", "gaussian-paper", "gaussian-dark", "uniform-noise"],
)
def test_blank_and_noise_have_no_ink(image):
    ink = ink_map(image)
    assert ink.shape == image.shape and np.isfinite(ink).all()
    assert (ink > 0.5).mean() < 0.001


def test_ink_map_removes_uneven_light(digit):
    """A digit under a strong light gradient and vignette: paper -> ~0 everywhere, the strokes stay."""
    ink = synth.render_digit(digit, 120)
    page = synth.on_canvas(ink, 0.6, True, 230, 40)
    h, w = page.shape
    yy, xx = np.mgrid[0:h, 0:w]
    gain = (0.35 + 0.65 * xx / w) * (1 - 0.3 * ((yy - h / 2) / h) ** 2)
    lit = np.clip(page * gain, 0, 255).astype(np.uint8)
    out = ink_map(lit)
    strokes = (
        cv2.resize(cv2.copyMakeBorder(ink, *[int(round(0.6 * max(ink.shape)))] * 4, cv2.BORDER_CONSTANT), (w, h)) > 0.5
    )
    assert out[~cv2.dilate(strokes.astype(np.uint8), np.ones((9, 9))).astype(bool)].max() < 0.2
    assert np.median(out[strokes]) > 0.7


def test_ink_map_is_fast_on_photos():
    rng = np.random.default_rng(0)
    for shape in ((480, 640), (3000, 4000)):
        gray = np.clip(rng.normal(200, 5, shape), 0, 255).astype(np.uint8)
        started = time.perf_counter()
        ink_map(gray)
        assert time.perf_counter() - started < (0.3 if shape[0] < 1000 else 3.0)


# --------------------------------------------------------------------------- normalize_digit


def test_normalize_reproduces_mnist(mnist_test):
    """MNIST digits are already normalized: the recipe must give them back almost unchanged."""
    x = mnist_test.images[:300].astype(np.float32) / 255
    out = np.stack([normalize_digit(d) for d in x])
    diff = np.abs(out - x).mean(axis=(1, 2))
    assert diff.mean() < 0.005 and diff.max() < 0.03


@pytest.mark.parametrize("height", [8, 15, 40, 120, 400])
def test_normalize_properties_any_size(mnist_test, height):
    for d in mnist_test.images[100:110]:
        ink = synth.render_digit(d, height)
        padded = cv2.copyMakeBorder(ink, 3, 17, 11, 2, cv2.BORDER_CONSTANT, value=0)  # off-centre
        assert_mnist_like(normalize_digit(padded))


def test_normalize_inverted_digit_gives_the_same_tensor(mnist_test):
    for d in mnist_test.images[200:220]:
        page = synth.on_canvas(synth.render_digit(d, 90), 0.3, True)
        a = normalize_digit(ink_map(page))
        b = normalize_digit(ink_map(255 - page))
        assert np.abs(a - b).mean() < 0.01


def test_thin_pen_strokes_are_widened_to_mnist_width():
    """A 1 px tablet line in a 300 px drawing would be a faint hairline at 28x28."""
    pen = synth.pen_digit(3, 300, width=1.0)
    thick = normalize_digit(pen)
    thin = normalize_digit(pen, thicken=False)
    assert normalize.stroke_width(thick) >= 1.9
    assert thick.sum() > 1.5 * thin.sum()
    assert_mnist_like(thick)


def test_normalize_degenerate_inputs():
    for ink in (
        np.zeros((0, 0)),
        np.zeros((5, 5)),
        np.ones((1, 1)),
        np.ones((1, 40)),
        np.ones((60, 60)),
        np.full((9, 9), np.nan),
        np.full((30, 2), 1e9),
    ):
        out = normalize_digit(ink)
        assert out.shape == (28, 28) and out.dtype == np.float32
        assert np.isfinite(out).all() and 0 <= out.min() and out.max() <= 1
    assert normalize_digit(np.zeros((5, 5))).max() == 0


def test_normalize_batch(digit):
    ink = np.zeros((100, 200), np.float32)
    ink[10:38, 10:38] = digit / 255.0
    ink[10:38, 100:128] = digit / 255.0
    empty = normalize_batch(ink, [])
    assert empty.shape == (0, 28, 28) and empty.dtype == np.float32
    out = normalize_batch(ink, [(10, 10, 28, 28), (100, 10, 28, 28), (190, 90, 50, 50), (-5, -5, 3, 3)])
    assert out.shape == (4, 28, 28) and out.dtype == np.float32
    assert np.abs(out[0] - out[1]).max() < 1e-6
    assert np.abs(out[0] - digit / 255.0).mean() < 0.01
    assert out[2].max() == 0 and out[3].max() == 0  # empty and outside boxes: blank, not an error
    # a mask keeps a neighbour's stroke out
    ink[10:12, 0:60] = 1.0  # through the box's top rows, which the digit leaves empty
    mask = np.zeros((28, 28), np.uint8)
    mask[digit > 0] = 1
    masked = normalize_batch(ink, [(10, 10, 28, 28)], [mask])
    assert np.abs(masked[0] - digit / 255.0).mean() < 0.01


def test_normalize_digit_is_the_recipe_of_its_steps():
    """normalize_digit skips fit_box's own ink box (its crop is cut to the ink, and pooling and widening keep
    it so): the same digit to the bit as the recipe composed of the public steps, on thin, thick, faint,
    pooled (>= 2 * POOL_SIDE) and speckled ink."""
    from edgedigits.runtime.normalize import (
        POOL_SIDE,
        centre_of_mass_field,
        clip_ink,
        fit_box,
        ink_box,
        max_pool,
        stretch_intensity,
        widen_strokes,
    )

    def recipe(ink):
        ink = clip_ink(ink)
        box = ink_box(ink)
        if box is None:
            return np.zeros((28, 28), np.float32)
        x, y, w, h = box
        crop = ink[y : y + h, x : x + w]
        if max(h, w) >= 2 * POOL_SIDE:
            crop = max_pool(crop, max(h, w) // POOL_SIDE)
        return centre_of_mass_field(stretch_intensity(fit_box(widen_strokes(crop))))

    rng = np.random.default_rng(0)
    for i in range(120):
        h, w = (int(v) for v in rng.integers(8, 120 if i % 10 else 900, 2))
        ink = np.zeros((h, w), np.float32)
        for _ in range(int(rng.integers(1, 4))):  # strokes 1-9 px wide, of any strength
            p0, p1 = (tuple(int(v) for v in rng.integers(0, (w, h))) for _ in range(2))
            cv2.line(ink, p0, p1, float(rng.uniform(0.05, 1.0)), int(rng.integers(1, 10)))
        ink += (rng.random((h, w)) < 0.01) * rng.uniform(0, 0.2, (h, w)).astype(np.float32)  # faint specks
        assert np.array_equal(normalize_digit(ink), recipe(ink))
