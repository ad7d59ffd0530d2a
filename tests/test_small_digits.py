"""The vectorized fast path for small one-digit images (small_digits.py) gives exactly what the per-image code
gives, on real MNIST test digits as PNG files."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from edgedigits.runtime import DigitReader, detect
from edgedigits.runtime.bench import on_paper
from edgedigits.runtime.small_digits import clean_digits


@pytest.fixture(scope="module")
def pngs(tmp_path_factory, mnist_test):
    """600 real MNIST test digits as PNG files: ink on paper at 28-64 px (as an archive of form crops), and as
    MNIST itself (white on black, 28 px)."""
    folder = tmp_path_factory.mktemp("small")
    rng = np.random.default_rng(7)
    for i in range(600):
        digit = mnist_test.images[i]
        image = digit if i % 5 == 0 else on_paper(digit, int(rng.integers(28, 65)), rng)
        cv2.imwrite(str(folder / f"{i:04d}-{mnist_test.labels[i]}.png"), image)
    return sorted(str(p) for p in folder.glob("*.png"))


def test_clean_digits_equal_the_per_image_fast_path_bit_for_bit(pngs):
    grays = [cv2.imread(p, cv2.IMREAD_UNCHANGED) for p in pngs]
    together = clean_digits(grays)
    taken = 0
    for gray, got in zip(grays, together):
        alone = detect.clean_digit(gray)
        if got is None:
            continue  # left to the per-image code: the same result by construction
        taken += 1
        assert alone is not None
        assert got.boxes == alone.boxes and got.lines == alone.lines
        assert got.digits.dtype == np.float32 and np.array_equal(got.digits, alone.digits)
    assert taken >= 0.9 * len(pngs)  # the fast path does take these


def test_read_batch_records_equal_the_one_at_a_time_records(pngs):
    reader = DigitReader(threads=1)
    together = [r.to_dict() for r in reader.read_batch(pngs)]
    alone = [reader.read_batch([p])[0].to_dict() for p in pngs]  # one image: the per-image stages
    assert together == alone
    right = sum(r["text"] == p.rsplit("-", 1)[1][0] for r, p in zip(together, pngs))
    assert right >= 0.97 * len(pngs)


def test_refuses_what_is_not_a_small_gray_image():
    with pytest.raises(ValueError, match="2-D uint8"):
        clean_digits([np.zeros((300, 300), np.uint8)])
