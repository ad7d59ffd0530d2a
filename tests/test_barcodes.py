"""Printed barcodes are no digits (runtime/barcodes.py): a label's bars once read as a row of confident 1s."""

from __future__ import annotations

import pytest

from edgedigits.runtime.barcodes import barcode_runs, drop_barcodes, is_bar
from edgedigits.runtime.blobs import Blob
from edgedigits.runtime.config import DetectConfig


def bar(x: int, y: int = 20, w: int = 4, h: int = 80) -> Blob:
    """A solid upright bar: its ink fills its box."""
    return Blob(x, y, w, h, w * h, (x,))


def test_a_bar_is_a_straight_upright_stroke_and_a_digit_is_not():
    assert is_bar(bar(0)) and is_bar(bar(0, w=30))  # a thin bar; bars a blur joined into a block
    assert is_bar(Blob(0, 0, 10, 80, 4 * 80, (1,)))  # 4 px wide, leaning 6 px over 80: a photo 4 degrees askew
    assert not is_bar(Blob(0, 0, 20, 80, 4 * 80, (1,)))  # leaning 16 px: a handwritten '1'
    assert not is_bar(Blob(0, 0, 40, 80, 600, (1,)))  # a printed '1' with a flag and a foot, or any digit
    assert not is_bar(bar(0, w=90))  # wider than tall
    assert not is_bar(bar(0, h=8))  # a speck


def test_six_level_bars_side_by_side_are_a_barcode():
    blobs = [bar(10 + 9 * k, w=3 + k % 3) for k in range(6)]
    assert barcode_runs(blobs) == [list(range(6))]
    assert drop_barcodes(blobs) == []
    assert barcode_runs(blobs[:5]) == []  # five: handwriting could be '11111'
    assert barcode_runs(blobs, DetectConfig(barcode_bars=7)) == []


def test_the_bars_must_be_level_and_close():
    steps = [bar(10 + 9 * k, y=20 + 6 * (k % 2)) for k in range(8)]  # tops 6 px apart: 0.075 of 80
    assert barcode_runs(steps) == []
    assert barcode_runs(steps, DetectConfig(barcode_level=0.08)) != []
    drifting = [bar(10 + 9 * k, y=20 + 2 * k) for k in range(8)]  # 2 px a bar: a barcode photographed askew
    assert barcode_runs(drifting) == [list(range(8))]
    apart = [bar(10 + 45 * k) for k in range(8)]  # 41 px apart: over half the bars' height (80)
    assert barcode_runs(apart) == []
    assert barcode_runs(apart, DetectConfig(barcode_gap=0.6)) != []
    leaning = [Blob(10 + 20 * k, 20, 14, 80, 4 * 80, (k,)) for k in range(8)]  # each leaning 10 px
    assert barcode_runs(leaning) == []
    assert barcode_runs(leaning, DetectConfig(barcode_lean=0.2)) != []


def test_a_barcode_takes_the_blocks_at_its_ends_and_the_pieces_inside_it():
    """Bars that blur or a tilt joined into a block at either end (no bar: wider than a lean allows), and a piece
    of a broken bar inside the barcode's box, go with it; a handwritten digit below it, or beside it but not
    spanning its rows, stays."""
    bars = [bar(100 + 9 * k) for k in range(8)]
    block = Blob(50, 19, 40, 83, 2400, (90,))  # left of the first bar, spanning its rows
    tall = Blob(180, 10, 30, 110, 2400, (91,))  # right of the last, spanning its rows but far taller
    piece = Blob(130, 40, 3, 20, 60, (92,))  # inside
    digit = Blob(110, 130, 50, 70, 1500, (93,))  # below
    beside = Blob(180, 30, 40, 60, 1200, (94,))  # a digit right of it, not spanning its rows
    kept = drop_barcodes([*bars, block, tall, piece, digit, beside])
    assert kept == [tall, digit, beside]
    assert drop_barcodes([*bars, block], DetectConfig(barcode_end_height=1.0)) == [block]  # 83 px: taller


@pytest.mark.parametrize("seed", [0, 1])
def test_a_label_with_a_barcode_reads_its_handwritten_number_alone(seed, mnist_test):
    """train.scenes.make_barcode_label: a label's barcode (16-36 bars, 40-140 px tall, turned up to 4 degrees)
    and a handwritten number of MNIST test digits below or beside it. The bars read as a row of 1s (27 of them on
    a new user's label); with the barcode left alone, the number reads as written, and a label with nothing
    written reads nothing."""
    from edgedigits.runtime.reader import DigitReader
    from edgedigits.train.scenes import kind_photos

    reader, off = DigitReader(), DigitReader(detect_config=DetectConfig(barcode_bars=1000))
    written = list(kind_photos(mnist_test, "barcode_label", seed, 12))
    blank = list(kind_photos(mnist_test, "barcode_label", seed, 12, empty=True))
    exact = sum(reader.read(image).text == text for image, text in written)
    assert exact >= 11, exact
    assert all(reader.read(image).text == "" for image, _ in blank)
    assert sum(off.read(image).text != "" for image, _ in blank) >= 10  # without it, the bars are read
