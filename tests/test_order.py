"""order.py: boxes -> text lines in reading order (pure Python on boxes)."""

from __future__ import annotations

from edgedigits.runtime.order import reading_order


def lines_of(boxes):
    order, line_of = reading_order(boxes)
    lines: dict[int, list[int]] = {}
    for i, n in zip(order, line_of):
        lines.setdefault(n, []).append(i)
    return list(lines.values())


def test_two_lines_top_to_bottom_left_to_right():
    boxes = [(60, 100, 20, 30), (10, 100, 20, 30), (10, 10, 20, 30), (35, 12, 20, 30)]
    assert lines_of(boxes) == [[2, 3], [1, 0]]


def test_the_pieces_of_a_broken_digit_stay_in_its_line():
    """Faint pencil breaks an 8 in two (its bottom piece starts further left than its top): measured on
    issue 10's pencil photo 15, the top piece became a line of its own ('74857' read '27' and '745')."""
    boxes = [
        (27, 52, 23, 32),  # 7
        (58, 51, 9, 14),  # 4, a piece
        (66, 48, 19, 36),  # 4
        (101, 72, 16, 12),  # 8, bottom piece
        (104, 49, 16, 24),  # 8, top piece
        (128, 45, 19, 39),  # 5
        (155, 49, 24, 37),  # 7
    ]
    assert lines_of(boxes) == [[0, 1, 2, 3, 4, 5, 6]]


def test_a_digit_below_the_last_of_a_line_starts_the_next_line():
    boxes = [(10, 10, 20, 30), (40, 10, 20, 30), (42, 60, 20, 30), (70, 62, 20, 30)]
    assert lines_of(boxes) == [[0, 1], [2, 3]]
