"""Depth of field (focus.py): a big blob out of focus, a hand nearer the camera than the page, is no writing.

Built from MNIST test digits (train.scenes.hand_frame: a number on paper, a hand held up beside it, its outline
blurred as a camera focused on the paper sees it). The reading itself: tests/test_webcam.py's hand frames."""

from __future__ import annotations

import cv2
import numpy as np

from edgedigits.runtime import segment
from edgedigits.runtime.config import DEFAULT, DetectConfig
from edgedigits.runtime.focus import edge_focus, out_of_focus
from edgedigits.runtime.ink import find_ink, shrink, to_gray


def components(image: np.ndarray, config: DetectConfig = DEFAULT):
    """The ink map of ``image``'s working copy and its hysteresis components, as segment.candidates sees them."""
    ink = find_ink(shrink(to_gray(image), config.work_size, config=config), config).ink
    return (ink, *segment.hysteresis(ink, config)[1:])


def test_a_blurred_stroke_rises_less_steeply_than_a_sharp_one():
    canvas = np.zeros((80, 80), np.float32)
    cv2.line(canvas, (40, 10), (40, 70), 1.0, 5)
    labels = (canvas > 0.1).astype(np.int32)
    stats = cv2.connectedComponentsWithStats(labels.astype(np.uint8))[2]
    sharp = edge_focus(canvas, labels, stats, 1)
    blurred = cv2.GaussianBlur(canvas, (0, 0), 4.0)
    soft_labels = (blurred > 0.1).astype(np.int32)
    soft = edge_focus(
        blurred / blurred.max(), soft_labels, cv2.connectedComponentsWithStats(soft_labels.astype(np.uint8))[2], 1
    )
    assert sharp > 0.2 and soft < 0.5 * sharp, (sharp, soft)


def test_the_hand_is_out_of_focus_and_the_digits_are_not(mnist_test):
    from edgedigits.train.scenes import hand_frame

    image, want = hand_frame(mnist_test, np.random.default_rng([0, 640]), (640, 480), "beside")
    ink, labels, stats, strong = components(image)
    blurred = out_of_focus(ink, labels, stats, strong)
    assert blurred.any() and not (blurred & ~strong).any()  # only kept components
    # every digit's component is in focus: the number's row holds no blurred component
    heights = stats[strong, cv2.CC_STAT_HEIGHT]
    digits = [i for i in np.flatnonzero(strong & ~blurred) if stats[i, cv2.CC_STAT_HEIGHT] >= 0.5 * np.median(heights)]
    assert len(digits) >= len(want)
    # focus_big beyond the hand's height: nothing is looked at; focus_ratio 0: nothing is out of focus
    for config in (DetectConfig(focus_big=100.0), DetectConfig(focus_ratio=0.0)):
        assert not out_of_focus(ink, labels, stats, strong, config).any()
    # a frame without a hand pays only the heights' median: nothing big, nothing dropped
    plain, _ = hand_frame(mnist_test, np.random.default_rng([0, 640]), (640, 480), "none")
    assert not out_of_focus(*components(plain)).any()
