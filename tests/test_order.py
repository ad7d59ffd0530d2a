"""Judgements on boxes alone: reading order (order.py), the digit height (blobs.typical_height) and stray marks
(recognize.drop_stray_marks). Pure Python on boxes."""

from __future__ import annotations

from edgedigits.runtime.config import DEFAULT, DetectConfig
from edgedigits.runtime.order import reading_order


def lines_of(boxes, config: DetectConfig = DEFAULT):
    order, line_of = reading_order(boxes, config)
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


def test_a_box_joins_the_line_near_it_before_a_distant_one_it_shares_more_rows_with():
    """A tall digit (0) far left, a printed line (1, 2) to the right; its next box (3) shares more rows with the
    digit, 590 px and 12 heights away, than with the printed box 30 px before it, and joins the printed line
    (DetectConfig.far_line: a tilted desk photo's number took in the end of a printed line and read nothing)."""
    boxes = [(0, 100, 30, 50), (200, 145, 30, 30), (560, 140, 30, 30), (620, 125, 30, 30)]
    assert lines_of(boxes) == [[0], [1, 2, 3]]


# --------------------------------------------------------------------------- page-level judgements on boxes


def test_a_huge_blob_does_not_set_the_digit_height():
    """A pen lying on a form (one blob of 658 x 247 px among printed words and a handwritten number): the
    digit height follows the many blobs of writing (DetectConfig.outlier_area)."""
    from edgedigits.runtime.blobs import Blob, typical_height

    words = [Blob(40 * i, 100, 30, 35, 400, (i,)) for i in range(20)]
    number = [Blob(40 * i, 300, 60, 90, 1500, (20 + i,)) for i in range(6)]
    pen = Blob(461, 1276, 658, 247, 60_000, (99,))
    assert typical_height(words + number + [pen], (2000, 1500)) in (35.0, 90.0)
    assert typical_height(words + number, (2000, 1500)) in (35.0, 90.0)


def test_a_lone_small_mark_beside_the_number_is_dropped():
    """A pen tip or a printed letter read as a digit on a line of its own, far shorter than the page's
    number, is a stray mark (ReadConfig.stray_height); a lone digit as tall as the number stays."""
    from edgedigits.runtime.recognize import drop_stray_marks
    from edgedigits.runtime.results import Digit

    number = [Digit(d, 1.0, (100 + 70 * i, 500, 60, 120), 1) for i, d in enumerate((3, 2, 4))]
    tip = Digit(0, 0.7, (900, 1000, 22, 19), 2)
    tall = Digit(7, 1.0, (100, 900, 50, 110), 3)
    assert drop_stray_marks(number + [tip, tall]) == number + [tall]
    edge = Digit(1, 0.86, (900, 1000, 34, 32), 2)  # a pen's edge at 45 degrees, read as a 1
    upright_one = Digit(1, 1.0, (900, 1000, 30, 100), 2)
    assert drop_stray_marks(number + [edge]) == number
    assert drop_stray_marks(number + [upright_one]) == number + [upright_one]
    assert drop_stray_marks([tip]) == [tip]  # no number to compare with: kept


def test_a_ruler_straight_wall_standing_on_an_erased_rule_is_dropped():
    """A comb field's end wall, 3 x 116 px, beside digits about 104 px tall: too short to be taller than a
    digit, but as thin and upright as a printed line (rules.drop_form_ticks); a written 1 stays."""
    import numpy as np

    from edgedigits.runtime.blobs import Blob
    from edgedigits.runtime.rules import drop_form_ticks

    labels = np.zeros((220, 300), np.int32)
    labels[90:206, 61:64] = 1  # the wall
    labels[110:205, 150:160] = 2  # a written 1, 10 px wide
    removed = np.zeros((220, 300), np.uint8)
    removed[206:210, 40:280] = 1  # the comb's baseline, erased
    wall = Blob(61, 90, 3, 116, 348, (1,))
    one = Blob(150, 110, 10, 95, 950, (2,))
    assert drop_form_ticks([wall, one], labels, removed, 104.0) == [one]
    # judged by the configuration's thresholds: a printed wall only when under wall_ruled of its height wide
    assert drop_form_ticks([wall, one], labels, removed, 104.0, config=DetectConfig(wall_ruled=0.02)) == [wall, one]
    assert drop_form_ticks([wall, one], labels, removed, 104.0, config=DetectConfig(wall_height=0.9)) == []


def test_a_wall_standing_on_an_erased_rules_end_is_dropped():
    """A comb field's end wall no taller than the digits beside it and 5 px wide (too wide to be ruler-straight):
    it stands on the end of the erased rule (rules.rule_ends) and is dropped; the same stroke standing inside
    the rule, a written 1, stays. Issue 10's comb fields read '28761' for '2876' and '16647' for '6647'."""
    import numpy as np

    from edgedigits.runtime.blobs import Blob
    from edgedigits.runtime.rules import drop_form_ticks, rule_ends

    labels = np.zeros((220, 300), np.int32)
    labels[120:206, 276:281] = 1  # the right end wall, 5 x 86 px
    labels[120:205, 150:155] = 2  # a written 1 of the same size, inside the field
    removed = np.zeros((220, 300), np.uint8)
    removed[206:210, 40:280] = 1  # the comb's baseline, erased
    assert list(rule_ends(removed, 90.0)) == [40.0, 279.0]
    wall = Blob(276, 120, 5, 86, 430, (1,))
    one = Blob(150, 120, 5, 85, 425, (2,))
    assert drop_form_ticks([wall, one], labels, removed, 90.0) == [one]
    broken = Blob(276, 120, 2, 86, 80, (1,))  # a faint wall, binarized 1-2 px wide and broken here and there
    labels[120:206, 278:281] = 0
    labels[121:206:12, 276:278] = 0
    assert drop_form_ticks([broken, one], labels, removed, 90.0) == [one]
    assert rule_ends(removed, 150.0).size == 0  # a run under two digit heights is no rule
    assert rule_ends(removed, 150.0, DetectConfig(ended_rule=1.5)).size == 2  # (DetectConfig.ended_rule)
    wall = Blob(276, 120, 5, 86, 430, (1,))
    labels[120:206, 276:281] = 1
    assert drop_form_ticks([wall, one], labels, removed, 90.0, config=DetectConfig(ended_rule=3.0)) == [wall, one]


def test_a_wall_of_a_form_photographed_askew_is_judged_upright(shared_cases):
    """A comb's end wall, 4 px wide, on a form turned 8 degrees: its box is 16 px wide and a quarter inked, so it
    was neither straight nor solid and stayed, a '1' (../shared/cases/comb-field-8994.jpg turned either way read
    '18994'). With the rules' slope (erase_form_lines) it is judged with its lean taken out, and dropped; a
    written 1 of the same lean inside the field stays. Both turned comb fields read 8994."""
    import cv2
    import numpy as np

    from edgedigits.runtime.blobs import Blob
    from edgedigits.runtime.reader import DigitReader
    from edgedigits.runtime.rules import drop_form_ticks
    from edgedigits.train.scenes import turned

    slope = float(np.tan(np.radians(8.0)))
    labels = np.zeros((220, 300), np.int32)
    for y in range(120, 206):  # the wall at the rule's left end, leaning with the form, and a written 1
        lean = round(slope * (206 - y))
        labels[y, 40 + lean : 44 + lean] = 1
        labels[y, 150 + lean : 158 + lean] = 2
    removed = np.zeros((220, 300), np.uint8)
    removed[206:210, 40:280] = 1  # the comb's baseline, erased
    wall = Blob(40, 120, 16, 86, 344, (1,))
    one = Blob(150, 120, 20, 86, 688, (2,))
    assert drop_form_ticks([wall, one], labels, removed, 90.0) == [wall, one]  # level: the wall reads as a 1
    assert drop_form_ticks([wall, one], labels, removed, 90.0, slope) == [one]
    folder, expected = shared_cases
    comb = cv2.imread(str(folder / "comb-field-8994.jpg"))
    reader = DigitReader(threads=1)
    assert [reader.read(turned(comb, degrees)).text for degrees in (8.0, -8.0)] == [expected["comb-field-8994.jpg"]] * 2


def test_a_steeply_tilted_line_is_carried_on_where_its_rows_part():
    """A line of six on a page tilted about 27 degrees (issue 10's tilted photo 14, at half size; its 6 in two
    pieces): wide digits stop sharing rows with their neighbours half-way, and the line was read as two
    ('677' and '591'); the second carries the first on along its slope (order.join_continuations)."""
    boxes = [(78, 124, 14, 27), (98, 136, 40, 37), (65, 143, 18, 13), (130, 154, 43, 32), (171, 184, 64, 32)]
    boxes += [(241, 202, 26, 40), (271, 218, 18, 38)]
    assert len(lines_of(boxes)) == 1
    assert len(lines_of(boxes, DetectConfig(carry_rise=0.05))) == 2  # (DetectConfig.carry_rise)


def test_a_steep_lines_first_digit_left_on_its_own_is_carried_on_by_the_rest():
    """Issue 10's tilted photo 22 (seed 1: '243444' on a card turned about 30 degrees): the first digit shares too
    few rows with the second and was a line of its own, read after the rest ('43444' and '2'). A line of one box
    takes the slope of the line that follows it (its first two boxes) and is carried on by it; a lone box below
    a line's start (a line of print under another, at the same margin) is not where that slope puts it."""
    boxes = [(268, 393, 60, 49), (326, 349, 60, 51), (378, 321, 50, 63), (426, 299, 28, 59), (460, 285, 36, 47)]
    boxes += [(504, 239, 44, 67)]
    assert lines_of(boxes) == [[0, 1, 2, 3, 4, 5]]
    assert len(lines_of(boxes, DetectConfig(carry_rise=0.05))) == 2  # (DetectConfig.carry_rise)
    level = [(100 + 60 * i, 100, 50, 40) for i in range(4)]
    assert len(lines_of(level + [(40, 150, 50, 40)])) == 2  # under the line's start, not on its slope


def test_lines_of_print_under_each_other_are_not_carried_on():
    """Two lines of words, the second starting at the same margin as the first: not a continuation."""
    first = [(100 + 60 * i, 100, 50, 20) for i in range(5)]
    second = [(100 + 60 * i, 140, 50, 20) for i in range(5)]
    assert len(lines_of(first + second)) == 2


def test_the_top_and_bottom_pieces_of_broken_digits_are_one_line():
    """Faint pencil broke an 8, an 8 and a 7's stroke across the middle (issue 10's pencil photo 28, half
    size): the tops lined up into one line and the bottoms into another, read '737' and '88'. Together they
    span one digit's height, so they are one line (order.join_stacked_pieces)."""
    boxes = [(211, 135, 34, 17), (306, 136, 34, 50), (267, 140, 25, 20), (203, 153, 28, 34), (265, 161, 19, 26)]
    assert len(lines_of(boxes)) == 1
    assert len(lines_of(boxes, DetectConfig(stacked_span=1.0))) == 2  # (DetectConfig.stacked_span)


def test_the_end_of_a_tilted_line_of_print_two_digits_away_stays_out_of_a_number():
    """Issue 10's desk photo 10 (seed 0): ``Unit: 3/9`` handwritten above a printed line whose right end
    (``desk Office``) rises, on a page tilted 3 degrees, to the bottom of the digits. The two lines shared rows
    and columns apart, so they were joined (order.join_side_by_side), and the number was read at half its
    height ('1'). Two digit heights apart, they stay two lines."""
    number = [(1170, 969, 81, 36), (1272, 893, 76, 100), (1366, 890, 56, 99), (1438, 885, 50, 89)]
    print_end = [(1673, 990, 81, 38), (1758, 982, 101, 35)]
    assert sorted(map(sorted, lines_of(number + print_end))) == [[0, 1, 2, 3], [4, 5]]


def test_a_digit_joins_its_neighbour_not_a_far_line_of_print_whose_word_shares_more_rows():
    """Issue 10's desk photo 90 (seed 0): a number ``225979`` written up to the end of a printed line above it.
    Its last 9 shares all the rows of that line's last word (475 px, three digit heights, away, and a third as
    tall) and 0.88 of those of the 7 beside it, and was put in the printed line ('9' then '22597'). A far
    line of boxes under half as tall comes after a near one (DetectConfig.far_neighbour)."""
    printed = [
        (1145, 881, 125, 44),
        (1276, 865, 89, 44),
        (1373, 849, 119, 49),
        (1498, 841, 122, 45),
        (1627, 826, 51, 42),
    ]
    number = [(1380, 931, 95, 125), (1507, 902, 143, 150), (1670, 879, 158, 150), (1852, 876, 114, 125)]
    number += [(2007, 842, 99, 153), (2154, 825, 107, 147)]
    lines = sorted(map(sorted, lines_of(printed + number)))
    assert lines == [[0, 1, 2, 3, 4], [5, 6, 7, 8, 9, 10]]


def test_the_last_word_of_a_sloping_line_of_print_stays_in_it_not_in_a_far_number_below():
    """Issue 10's desk photo 61 (seed 0, drawn with OpenCV 5.1): on a page tilted down to the right, the printed
    line above ``Account: 399689`` ends in ``dress``, split off the rest of ``address``. That piece shares more of
    the number's last digit's rows (0.79) than of its own line's last word's (0.72), beside which it stands, and
    was put in the number's line, 420 px (3.6 of the number's heights) away: the line was fitted to rows from
    the print's height to the digits' feet, the digits lay on the bottom edge of the line model's input, and
    nothing was read. A line whose last box is more than ``far_neighbour`` heights (of the two boxes' taller)
    away comes after a near one that shares enough rows."""
    printed = [(1710, 749, 125, 51), (1906, 763, 187, 58), (2224, 799, 160, 48), (2422, 825, 150, 49)]
    printed += [(2600, 840, 125, 50)]
    number = [(1726, 820, 85, 109), (1856, 835, 75, 106), (1961, 847, 58, 106), (2052, 849, 70, 109)]
    number += [(2153, 858, 70, 116), (2234, 868, 73, 118)]
    piece = [(2726, 859, 107, 43)]
    lines = sorted(map(sorted, lines_of(printed + number + piece)))
    assert lines == [[0, 1, 2, 3, 4, 11], [5, 6, 7, 8, 9, 10]]


def test_a_small_digit_written_high_beside_big_ones_joins_their_line():
    """The case order.join_side_by_side is for: the small digit shares some rows and is a digit height away."""
    boxes = [(100, 100, 30, 50), (140, 80, 18, 28), (170, 100, 30, 50)]
    assert len(lines_of(boxes)) == 1


def test_two_lines_of_digits_one_above_the_other_stay_two():
    top = [(100 + 40 * i, 100, 30, 50) for i in range(4)]
    below = [(100 + 40 * i, 165, 30, 50) for i in range(4)]
    assert len(lines_of(top + below)) == 2


def test_a_peak_in_two_overlapping_blobs_goes_to_the_one_whose_middle_is_nearer():
    """On a tilted line neighbours overlap in columns (a 9 at 293-315 px, a slanted 1 at 307-330): the line
    model's '1' at 320 belongs to the 1, not to the 9 listed first (tilted photo 6 read '09' for '091')."""
    from edgedigits.runtime.recognize import nearest_blob

    nine, one = (293, 209, 22, 32), (307, 222, 23, 26)
    assert nearest_blob(320, [nine, one]) == 1
    assert nearest_blob(300, [nine, one]) == 0
    assert nearest_blob(400, [nine, one]) == 1  # outside both: the nearest


def test_blob_shape_judgements_follow_the_config():
    """blobs.not_digit_like and blobs.is_frame judge by DetectConfig's digit_max_aspect, solid_fill and frame_*."""
    from edgedigits.runtime.blobs import Blob, is_frame, not_digit_like

    dash = Blob(10, 10, 60, 20, 600, (1,))  # 3 times as wide as tall, half inked
    assert not_digit_like(dash) and not not_digit_like(dash, DetectConfig(digit_max_aspect=4.0))
    solid = Blob(10, 10, 20, 30, 540, (1,))  # 0.9 of its box inked
    assert not_digit_like(solid) and not not_digit_like(solid, DetectConfig(solid_fill=0.95))
    edge = Blob(0, 0, 8, 400, 3200, (1,))  # a paper edge down the image's left side, beside a digit
    digit = Blob(200, 150, 40, 60, 800, (2,))
    shape = (480, 640)
    assert is_frame(edge, [edge, digit], shape)
    assert not is_frame(edge, [edge, digit], shape, DetectConfig(frame_span=0.9))  # spans 0.83 of the height
    assert not is_frame(edge, [edge, digit], shape, DetectConfig(frame_company=0.5))  # the digit is too small


def test_steep_tilted_photos_read_their_first_digit_in_place(mnist_test):
    """Issue 10's tilted photos (train.scenes, cards turned 20-30 degrees on a desk): seed 1's 22 and 23 read
    '43444' and '2', '9658' and '2' (the first digit a line of its own, after the rest), and seed 0's 18 read
    '25' and '097'; each reads as written now (order.join_continuations, a line of one box)."""
    from edgedigits.runtime.reader import DigitReader
    from edgedigits.train.scenes import kind_photos

    reader = DigitReader()
    for seed, index in ((1, 22), (1, 23), (0, 18)):
        image, text = list(kind_photos(mnist_test, "tilted", seed, index + 1))[index]
        assert reader.read(image).text == text, (seed, index)
