"""Reading order: boxes -> text lines, top to bottom, and left to right within a line. Pure Python on boxes.

    order, line_of = reading_order(boxes)   # indices in reading order, and the line of each ordered box

A box joins the line whose last box (its left neighbour) shares most of its rows, so a slightly tilted line
stays one line; two lines whose boxes lie side by side and share some rows are then joined
(``join_side_by_side``: a small digit written high between big ones).
"""

from __future__ import annotations

from .blobs import Box, box_union
from .config import DEFAULT, DetectConfig


def reading_order(boxes: list[Box], config: DetectConfig = DEFAULT) -> tuple[list[int], list[int]]:
    """Order boxes as text: lines top to bottom, left to right within a line. Returns (order, line of each
    ordered box). A box joins the line whose last box (its left neighbour) shares most of its rows, so a
    slightly tilted line of digits stays one line; a far line of much smaller or much taller boxes only when no
    other line shares enough of them (``config.far_neighbour``)."""
    if not boxes:
        return [], []
    by_x = sorted(range(len(boxes)), key=lambda i: (boxes[i][0], boxes[i][1]))
    lines: list[list[int]] = []
    for i in by_x:
        x, y, w, h = boxes[i]
        best, best_key = None, None
        for line in lines:
            top, bottom = line_rows(line, boxes[i], boxes, config)
            overlap = (min(y + h, bottom) - max(y, top)) / float(min(h, bottom - top))
            lx, _, lw, lh = boxes[line[-1]]
            # far (in heights of the taller of the two boxes), and its last box under half or over twice as tall
            unlike = x - lx - lw > config.far_neighbour * max(h, lh) and not 0.5 * h <= lh <= 2 * h
            distant = x - lx - lw > config.far_line * max(h, lh)
            # a line of like boxes or a near one before the others, one not far before a distant one, then most rows
            key = (unlike, distant, -overlap)
            if overlap >= config.line_overlap and (best_key is None or key < best_key):
                best, best_key = line, key
        if best is not None:
            best.append(i)
        else:
            lines.append([i])
    lines = join_side_by_side(lines, boxes, config)
    lines = join_continuations(lines, boxes, config)
    lines = join_stacked_pieces(lines, boxes, config)
    lines.sort(key=lambda line: sum(boxes[i][1] + boxes[i][3] / 2 for i in line) / len(line))
    order = [i for line in lines for i in line]
    line_of = [n for n, line in enumerate(lines) for _ in line]
    return order, line_of


def line_rows(line: list[int], box: Box, boxes: list[Box], config: DetectConfig = DEFAULT) -> tuple[int, int]:
    """The rows (top, bottom) a new ``box`` is matched against to join ``line``: its last box's, or, when the new
    box sits above or below that one (they share ``config.stacked_columns`` of the narrower's columns: a broken
    digit's other piece,
    as faint pencil leaves), the last two boxes' together, so a piece of the digit is matched against the
    line rather than against the other piece alone."""
    lx, ly, lw, lh = boxes[line[-1]]
    x, _, w, _ = box
    if len(line) > 1 and min(x + w, lx + lw) - max(x, lx) >= config.stacked_columns * min(w, lw):
        px, py, pw, ph = boxes[line[-2]]
        return min(ly, py), max(ly + lh, py + ph)
    return ly, ly + lh


def join_side_by_side(lines: list[list[int]], boxes: list[Box], config: DetectConfig = DEFAULT) -> list[list[int]]:
    """Join two lines that share some rows (half of ``line_overlap``) and whose digits lie side by side (no two
    share a column): one line whose digits jump up or down (a small digit written high between big ones),
    split by the neighbour rule. Lines one above the other share columns and stay apart, and so do lines more
    than a digit height apart (the end of a tilted printed line below a handwritten number: a desk photo's
    ``Unit: 319`` took ``desk Office`` in and was read at half its height)."""

    def rows(line):
        return min(boxes[i][1] for i in line), max(boxes[i][1] + boxes[i][3] for i in line)

    def side_by_side(a, b):
        (a0, a1), (b0, b1) = rows(a), rows(b)
        shared = (min(a1, b1) - max(a0, b0)) / float(min(a1 - a0, b1 - b0))
        apart = all(
            boxes[i][0] + boxes[i][2] <= boxes[j][0] or boxes[j][0] + boxes[j][2] <= boxes[i][0] for i in a for j in b
        )
        return shared >= config.line_overlap / 2 and apart and near(a, b)

    def near(a, b):  # a box of one within a digit height (their tallest box: faint pencil breaks digits into
        # pieces, which make a median small) of a box of the other
        height = max(boxes[i][3] for i in a + b)
        gap = min(
            max(boxes[j][0] - boxes[i][0] - boxes[i][2], boxes[i][0] - boxes[j][0] - boxes[j][2]) for i in a for j in b
        )
        return gap <= height

    lines = [list(line) for line in lines]
    while pair := next(
        ((a, b) for a in range(len(lines)) for b in range(a + 1, len(lines)) if side_by_side(lines[a], lines[b])), None
    ):
        a, b = pair
        lines[a] = sorted(lines[a] + lines.pop(b), key=lambda i: boxes[i][0])
    return lines


def join_continuations(lines: list[list[int]], boxes: list[Box], config: DetectConfig = DEFAULT) -> list[list[int]]:
    """Join a line to the one that carries it on: a steeply tilted line (a page at 25-30 degrees) breaks where
    its wide digits stop sharing rows with their neighbours. Line B carries line A on when B starts just
    right of A's last box (at most ``config.carry_gap`` digit heights away, or overlapping it by ``carry_overlap``),
    where A's slope (its last two boxes' centres, at most ``carry_slope``) puts it within ``carry_rise`` digit
    heights, and, for two boxes or more, at about A's slope (``carry_turn``). A line of one box takes B's slope (its
    first two boxes') instead, and the digit height of both lines: a steep line's first digit, left behind on a line
    of its own ('243444' read '43444' and '2' under it: issue 10's tilted photos). Lines of print under each other
    start at one margin, not where the line above ends, and stay apart. ``lines``: box indices, left to right."""

    def centre(i: int) -> tuple[float, float]:
        x, y, w, h = boxes[i]
        return x + w / 2, y + h / 2

    def slope(line: list[int]) -> float | None:  # of its last two boxes (a broken first digit skews the whole)
        (x0, y0), (x1, y1) = centre(line[-2]), centre(line[-1])
        return (y1 - y0) / (x1 - x0) if x1 - x0 > 0 else None

    def carries_on(a: list[int], b: list[int]) -> bool:
        # A's slope at its end; a line of one box (a steep line's first digit, left behind) takes B's at its start
        s = slope(a) if len(a) >= 2 else slope(b[:2]) if len(b) >= 2 else None
        if s is None or abs(s) > config.carry_slope:
            return False
        heights = sorted(boxes[i][3] for i in (a if len(a) >= 2 else a + b))
        height = heights[len(heights) // 2]
        last, first = boxes[a[-1]], boxes[b[0]]
        gap = first[0] - (last[0] + last[2])
        if not -config.carry_overlap * height <= gap <= config.carry_gap * height or any(
            boxes[i][0] < last[0] for i in b
        ):
            return False
        (lx, ly), (fx, fy) = centre(a[-1]), centre(b[0])
        if abs(fy - (ly + s * (fx - lx))) > config.carry_rise * height:
            return False
        t = slope(b) if len(b) >= 2 else None
        return t is None or abs(t - s) <= config.carry_turn

    lines = [list(line) for line in lines]
    while pair := next(
        ((a, b) for a in range(len(lines)) for b in range(len(lines)) if a != b and carries_on(lines[a], lines[b])),
        None,
    ):
        a, b = pair
        lines[a] = lines[a] + lines[b]
        lines.pop(b)
    return lines


def join_stacked_pieces(lines: list[list[int]], boxes: list[Box], config: DetectConfig = DEFAULT) -> list[list[int]]:
    """Join two lines that are the top and bottom pieces of one line of broken digits (faint pencil breaks
    digits across their middle, and the pieces of several digits line up into a line of tops and a line of
    bottoms): they overlap in columns by ``config.stacked_columns`` of the narrower one's width, together they span
    no more rows than ``stacked_span`` times their tallest box (a whole digit among them), and neither is a line of
    specks (its tallest box under ``stacked_speck`` of that). Two lines of writing span two heights and a gap, and
    stay apart."""

    def pieces(a: list[int], b: list[int]) -> bool:
        (ax, _, aw, _), (bx, _, bw, _) = box_union([boxes[i] for i in a]), box_union([boxes[i] for i in b])
        shared = min(ax + aw, bx + bw) - max(ax, bx)
        tallest = max(boxes[i][3] for i in a + b)
        if min(max(boxes[i][3] for i in a), max(boxes[i][3] for i in b)) < config.stacked_speck * tallest:
            return False  # a line of specks (paper grain, a dot) is no piece of the digits
        span = box_union([boxes[i] for i in a + b])[3]
        return shared >= config.stacked_columns * min(aw, bw) and span <= config.stacked_span * tallest

    lines = [list(line) for line in lines]
    while pair := next(
        ((a, b) for a in range(len(lines)) for b in range(a + 1, len(lines)) if pieces(lines[a], lines[b])), None
    ):
        a, b = pair
        lines[a] = sorted(lines[a] + lines.pop(b), key=lambda i: (boxes[i][0], boxes[i][1]))
    return lines
