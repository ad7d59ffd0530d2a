"""Halftones (halftone.py): a dithered fax, 1-bit scan or GIF is averaged back to grey before it is read.

A records office's trial: 1-bit pages dithered by Pillow's default read no digits on 2 of 3 pages, and a blank grey
page saved as a GIF read rows of digits in its dither. Built from MNIST test digits (synth.paper_scene)."""

from __future__ import annotations

import io

import cv2
import numpy as np
import pytest

from edgedigits.runtime import halftone, synth
from edgedigits.runtime.config import DetectConfig
from edgedigits.runtime.reader import DigitReader

Image = pytest.importorskip("PIL.Image")  # (Pillow: the train extra, which make test installs)


@pytest.fixture(scope="module")
def scenes(mnist_test):
    """12 grey scenes of 3-6 MNIST test digits on one line, and their text."""
    rng = np.random.default_rng(41)
    out = []
    for _ in range(12):
        index = rng.choice(len(mnist_test.images), int(rng.integers(3, 7)), replace=False)
        image, text = synth.paper_scene(
            [mnist_test.images[i] for i in index], rng, lines=1, labels=[int(mnist_test.labels[i]) for i in index]
        )
        out.append((image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY), text))
    return out


def floyd_steinberg(gray: np.ndarray) -> np.ndarray:
    """A 1-bit copy (0 or 255, uint8) dithered by error diffusion, as Pillow's convert('1') does by default."""
    return np.asarray(Image.fromarray(gray).convert("1")).astype(np.uint8) * 255


def test_dithered_scans_read_as_the_grey_ones(scenes):
    reader = DigitReader()
    plain = DigitReader(detect_config=DetectConfig(dither_dots=2.0))  # (no image has 2 dots a pixel: off)
    dithered = [(floyd_steinberg(gray), text) for gray, text in scenes]
    assert all(halftone.is_dithered(image) for image, _ in dithered)
    right = sum(reader.read(image).text == text for image, text in dithered)
    before = sum(plain.read(image).text == text for image, text in dithered)
    assert right >= 11 and before <= right - 3, (right, before)  # (18 of 30 before, 30 of 30 after, 2026-12-06)
    # One at a time and in a batch alike (a small crop takes the batch fast path only when it is no halftone)
    crops = [image[:, :120] for image, _ in dithered[:4]]
    assert [r.text for r in reader.read_batch(crops)] == [reader.read(c).text for c in crops]


def test_a_blank_grey_page_as_a_gif_reads_nothing():
    rng = np.random.default_rng(3)
    page = np.clip(rng.normal(236, 3, (300, 420)), 0, 255).astype(np.uint8)  # paper's grain
    encoded = io.BytesIO()
    Image.fromarray(page).convert("P", palette=Image.ADAPTIVE, colors=4, dither=Image.FLOYDSTEINBERG).save(
        encoded, format="GIF"
    )
    decoded = cv2.imdecode(np.frombuffer(encoded.getvalue(), np.uint8), cv2.IMREAD_GRAYSCALE)
    assert halftone.is_dithered(decoded)
    assert DigitReader().read(encoded.getvalue()).text == ""
    assert DigitReader(detect_config=DetectConfig(dither_dots=2.0)).read(encoded.getvalue()).text != ""


def test_grey_and_thresholded_images_are_no_halftone(scenes):
    for gray, _ in scenes[:4]:
        assert not halftone.is_dithered(gray)  # many grey levels
        binary = np.where(gray > 128, 255, 0).astype(np.uint8)
        assert not halftone.is_dithered(binary)  # two levels, but its dots are strokes
        assert halftone.descreen(binary) is binary
    assert not halftone.is_dithered(floyd_steinberg(scenes[0][0])[:20, :20])  # too small to tell
