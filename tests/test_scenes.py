"""train/scenes.py: each of issue 10's kinds of photo is well formed (dtype, shape, expected text of digits
only) and the same for the same seed. Built from the real MNIST test split; the 12 MP desk photo is made at
1000x750 here."""

from __future__ import annotations

import re
import time

import numpy as np
import pytest

from edgedigits.train import scenes

SMALL_DESK = (1000, 750)


def make(kind: str, split, seed: int):
    rng = np.random.default_rng(seed)
    if kind == "desk_photo":
        return scenes.make_desk_photo(split, rng, size=SMALL_DESK)
    return scenes.KINDS[kind](split, rng)


def test_every_kind_of_issue_10_is_there():
    assert set(scenes.KINDS) == {
        "desk_photo",
        "border",
        "card_on_desk",
        "form_boxes",
        "comb_field",
        "lined_paper",
        "ruled_scan",
        "squared_paper",
        "rotated_90",
        "rotated_180",
        "rotated_270",
        "tilted",
        "dark_webcam",
        "pencil",
        "tiny",
        "barcode_label",
    }


@pytest.mark.parametrize("kind", sorted(scenes.KINDS))
def test_kind_is_well_formed_and_deterministic(kind, mnist_test):
    for seed in (0, 1, 2):
        image, text = make(kind, mnist_test, seed)
        assert image.dtype == np.uint8
        assert image.ndim == 2 if kind == "tiny" else (image.ndim == 3 and image.shape[2] == 3)
        assert re.fullmatch(r"[0-9]+(\n[0-9]+)*", text), repr(text)
        assert image.std() > 5  # not blank
        again, same_text = make(kind, mnist_test, seed)
        assert same_text == text and np.array_equal(again, image)
    other = [make(kind, mnist_test, seed)[1] for seed in range(3, 8)]
    assert len(set(other)) > 1  # the seed matters


def test_shapes_of_each_kind(mnist_test):
    assert make("desk_photo", mnist_test, 0)[0].shape == (750, 1000, 3)
    assert make("dark_webcam", mnist_test, 0)[0].shape == (480, 640, 3)
    for seed in range(5):
        tiny, text = make("tiny", mnist_test, seed)
        assert 12 <= tiny.shape[0] == tiny.shape[1] <= 24 and len(text) == 1
        assert set(np.unique(tiny)) <= {0, 255}
        ink = tiny == 0
        assert ink[0].any() and ink[-1].any()  # the digit touches the top and bottom of the frame
        assert len(make("card_on_desk", mnist_test, seed)[1]) in (1, 2, 3)
        assert 3 <= len(make("border", mnist_test, seed)[1]) <= 5
        for kind in ("lined_paper", "squared_paper", "ruled_scan"):
            lines = make(kind, mnist_test, seed)[1].split("\n")
            assert 1 <= len(lines) <= 2 and all(3 <= len(line) <= 6 for line in lines)
    upright = make("rotated_180", mnist_test, 0)
    assert upright[0].shape[1] > upright[0].shape[0]  # landscape page, turned upside down
    for kind in ("rotated_90", "rotated_270"):
        image, _ = make(kind, mnist_test, 0)
        assert image.shape[0] > image.shape[1]  # a landscape page turned a quarter: portrait


def test_dark_webcam_is_dark_and_noisy(mnist_test):
    for seed in range(4):
        image, _ = make("dark_webcam", mnist_test, seed)
        centre = image[140:340, 180:460].mean(axis=2)  # the sheet always covers the middle of the frame
        assert 25 <= np.median(centre) <= 75
        flat = centre - np.median(centre)
        assert 3 < np.percentile(np.abs(flat), 50) * 1.4826 < 20  # robust sigma of the noise (and ink)


def test_pencil_is_faint(mnist_test):
    for seed in range(4):
        gray = make("pencil", mnist_test, seed)[0].mean(axis=2)
        paper = np.median(gray)
        assert paper - np.percentile(gray, 0.05) < 70  # the darkest strokes are only tens of levels down


def test_kinds_are_cheap(mnist_test):
    for kind in scenes.KINDS:
        if kind == "desk_photo":
            continue
        seconds = []
        for seed in range(3):  # CPU time of this process: another process sharing the cores does not count
            started = time.process_time()
            make(kind, mnist_test, seed)
            seconds.append(time.process_time() - started)
        assert min(seconds) < 0.15, kind  # 10-60 ms of CPU on a busy 2-core machine


def test_pasted_photos_are_the_kinds_photos_turned_on_a_flat_canvas(mnist_test):
    """scenes.pasted_photos (benchmarks/accuracy.py's "pasted turned"): each kind's photo, the same text, turned on
    a canvas of one grey from PASTED_CANVAS filling the corners; the same photos from the same seed."""
    for kind in scenes.PASTED_KINDS:
        plain = list(scenes.kind_photos(mnist_test, kind, 3, 4))
        pasted = list(scenes.pasted_photos(mnist_test, kind, 3, 4))
        again = list(scenes.pasted_photos(mnist_test, kind, 3, 4))
        levels = dict(scenes.PASTED_CANVAS)
        for (image, text), (turned, turned_text), (same, _) in zip(plain, pasted, again):
            assert turned_text == text and np.array_equal(turned, same) and turned.dtype == np.uint8
            assert turned.shape[0] > image.shape[0] and turned.shape[1] > image.shape[1]
            corner = turned[0, 0]
            assert (corner == corner[0]).all() and int(corner[0]) in levels  # one grey of the canvas


def test_answers_in_order_counts_the_most_answers_found_in_order():
    """scenes.answers_in_order aligns the answers with the reading as a longest common subsequence: an answer the
    reader missed costs only itself. A greedy match from the first counted 5 of 16 on a worksheet whose small
    '5' was not read: it matched that '5' in a later line's '85144' and lost every answer between."""
    from edgedigits.train.scenes import answers_in_order

    text = "11058840\n60\n4017\n6042\n2828\n85144\n18\n1729"
    answers = ["110", "40", "5", "60", "40", "17", "60", "42", "28", "28", "85", "144", "72", "18", "17", "29"]
    assert answers_in_order(text, answers) == 14  # '5' and '72' were not read
    assert answers_in_order("1\n2", ["12"]) == 0  # an answer lies within one line
    assert answers_in_order("121", ["12", "21"]) == 1  # in order and apart: no character is used twice
    assert answers_in_order("3 12", ["12", "3"]) == 1  # in order
    assert answers_in_order("", ["7"]) == 0 and answers_in_order("7", []) == 0
