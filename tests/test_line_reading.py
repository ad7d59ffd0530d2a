"""Reading digit strings as sequences with the shipped line model: touching digits, separators and words next
to numbers, on photos built from MNIST *test* digits (train/lines.py), and the real inputs of ../shared/cases
of those kinds. Plus the pure pieces: line tensors, CTC decoding, boxes from the alignment."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from helpers import paper_digit

from edgedigits.runtime.config import ReadConfig
from edgedigits.runtime.lines import (
    ALPHABET,
    BATCH_MARGIN,
    BLANK,
    HEIGHT,
    INK_HEIGHT,
    PAD,
    STRIDE,
    ctc_greedy,
    fit_line,
    pad_batch,
)
from edgedigits.runtime.reader import DigitReader
from edgedigits.train.lines import LineMaker, LineStyle, line_scene

SEQUENCE_CASES = [
    "touching-070.jpg",
    "cheque-amount-3000.jpg",
    "cheque-amount-3200.jpg",
    "cheque-amount-5743.jpg",
    "slash-2468.jpg",
    "word-before-digits-76.jpg",
]


# --------------------------------------------------------------------------- pure pieces


def test_fit_line_scales_the_ink_to_its_height_and_pads_to_the_stride():
    ink = np.zeros((100, 300), np.float32)
    ink[20:80, 50:250] = 1.0  # 60 rows of ink -> INK_HEIGHT rows; 200 columns -> 80
    fitted = fit_line(ink)
    assert fitted.tensor.shape[0] == HEIGHT and fitted.tensor.shape[1] % STRIDE == 0
    rows = np.flatnonzero(fitted.tensor.max(axis=1) > 0.5)
    assert rows[0] == PAD and rows[-1] == PAD + INK_HEIGHT - 1
    cols = np.flatnonzero(fitted.tensor.max(axis=0) > 0.5)
    assert cols[0] == PAD and abs(len(cols) - 200 * INK_HEIGHT / 60) <= 1
    # tensor column PAD is crop column 50; the frames back to crop columns
    x0, x1 = fitted.crop_columns(0, fitted.tensor.shape[1] // STRIDE)
    assert abs(fitted.left - 50) < 1e-6 and x0 < 50 < 250 < x1


def test_fit_line_of_a_blank_crop_is_a_blank_line():
    fitted = fit_line(np.zeros((10, 40), np.float32))
    assert fitted.tensor.shape == (HEIGHT, 4 * STRIDE) and not fitted.tensor.any()
    with pytest.raises(ValueError):
        fit_line(np.zeros((2, 3, 4, 5), np.float32))


def test_pad_batch_pads_on_the_right_with_zeros():
    batch, widths = pad_batch([np.ones((HEIGHT, 16), np.float32), np.ones((HEIGHT, 40), np.float32)])
    assert batch.shape == (2, HEIGHT, 40 + BATCH_MARGIN) and widths == [16, 40]
    assert batch[0, :, 16:].sum() == 0 and batch[0, :, :16].all() and batch[1, :, 40:].sum() == 0


def test_a_lines_reading_does_not_depend_on_the_lines_batched_with_it(reader, mnist_test):
    """Both networks see every line with BATCH_MARGIN px of blank after it, so its outputs are the same bit for
    bit alone or beside a wider line (without it the last frames moved: a server reading one photo at a time
    read 3% of photos differently from read_batch)."""
    from edgedigits.train.line_fit import make_lines

    tensors, _ = make_lines(mnist_test.images, mnist_test.labels, 12, seed=4, workers=1)
    tensors = [t / np.float32(255.0) for t in tensors]
    wide = np.zeros((HEIGHT, max(t.shape[1] for t in tensors) + 200), np.float32)
    for t in tensors:
        alone, beside = pad_batch([t])[0], pad_batch([t, wide])[0]
        w = t.shape[1]
        for model, frames in ((reader.line_model, w // STRIDE), (reader.orientation_model, -(-w // 8))):
            assert np.array_equal(model.predict(alone)[0][:frames], model.predict(beside)[0][:frames])


def posteriors_for(path: str) -> np.ndarray:
    """One-hot frames spelling ``path`` ('_' is the blank)."""
    p = np.full((len(path), len(ALPHABET) + 1), 0.01, np.float32)
    for t, c in enumerate(path):
        p[t, BLANK if c == "_" else ALPHABET.index(c)] = 0.9
    return p


def test_ctc_greedy_merges_repeats_drops_blanks_and_keeps_the_frames():
    chars = ctc_greedy(posteriors_for("_33_3__/A_A_0"))
    assert "".join(c.char for c in chars) == "33/AA0"
    assert [(c.first, c.last) for c in chars][:3] == [(1, 2), (4, 4), (7, 7)]
    assert all(abs(c.confidence - 0.9) < 1e-6 for c in chars)
    # padding frames past the line are ignored
    assert "".join(c.char for c in ctc_greedy(posteriors_for("_7__5"), frames=3)) == "7"


def test_a_glyph_split_between_two_classes_is_read_once():
    """Best path reads '71' where a '7''s frame is followed, with no blank between, by a frame of its stem read
    '1' unsurely (0.42, the '7' 0.38): over those frames the text '7' is likelier than '71' (lines.split_characters;
    ../shared/cases/cheque-amount-5743.jpg turned 8 degrees read '57143'). Two sure characters side by side, or
    an unsure one after a blank, stay as they were."""
    from edgedigits.runtime.lines import split_characters

    def read(p: np.ndarray) -> list[tuple[str, int, int]]:
        return [(c.char, c.first, c.last) for c in split_characters(p, ctc_greedy(p))]

    seven, one = ALPHABET.index("7"), ALPHABET.index("1")
    p = posteriors_for("_77__")
    p[2] = 0.01
    p[2, one], p[2, seven], p[2, BLANK] = 0.42, 0.38, 0.07
    assert "".join(c.char for c in ctc_greedy(p)) == "71"  # the best path
    assert read(p) == [("7", 1, 1)]
    assert read(posteriors_for("_71_")) == [("7", 1, 1), ("1", 2, 2)]  # both sure: two glyphs
    q = posteriors_for("_7_1_")
    q[3] = 0.01
    q[3, one], q[3, seven], q[3, BLANK] = 0.42, 0.38, 0.07
    assert [c for c, _, _ in read(q)] == ["7", "1"]  # a blank between: not one glyph


def test_ctc_log_likelihood_sums_every_alignment():
    """The forward recursion against brute force: every path of T frames that collapses to the labels."""
    import itertools

    from edgedigits.runtime.lines import ctc_log_likelihood

    rng = np.random.default_rng(0)
    logits = rng.normal(size=(5, 4))
    logp = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))  # 3 characters + blank (index 3)
    for labels in ([0], [1, 2], [1, 1], [0, 2, 0]):
        total = 0.0
        for path in itertools.product(range(4), repeat=5):
            collapsed = [k for i, k in enumerate(path) if k != 3 and (i == 0 or path[i - 1] != k)]
            if collapsed == labels:
                total += np.exp(sum(logp[t, k] for t, k in enumerate(path)))
        assert ctc_log_likelihood(logp, labels) == pytest.approx(np.log(total), rel=1e-9)


def test_a_speck_inside_a_touching_cluster_does_not_take_its_digit():
    """The CTC peak of a cluster's first digit lay in the columns of the cluster (x 25-97) and of a speck of its
    own ink (x 36-43, 5 px tall) inside the cluster's box; the speck took the digit, which then came out after
    the cluster's others ('296581' read '965281', accuracy.py's touching strings, seed 0). Between two blobs
    of full height, the nearer middle still decides (a tilted line's neighbours overlap in columns)."""
    from edgedigits.runtime.recognize import nearest_blob

    cluster, speck, last = (25, 19, 72, 29), (36, 24, 7, 5), (90, 22, 28, 28)
    assert nearest_blob(39.8, [cluster, speck, last]) == 0
    assert nearest_blob(39.8, [speck]) == 0  # a speck alone still owns what lies in its columns
    assert nearest_blob(95.0, [cluster, speck, last]) == 2  # in the cluster and the last: nearer the last's middle
    assert nearest_blob(60.0, [cluster, speck, last]) == 0
    assert nearest_blob(10.0, [cluster, speck, last]) == 0  # in no blob: the nearest
    piece = (36, 40, 7, 12)  # a piece of a broken digit below the cluster's box, not inside it: still a candidate
    assert nearest_blob(39.8, [cluster, piece, last]) == 1


def test_blobs_are_read_in_the_order_of_their_characters_not_of_their_boxes():
    """Digits joined to an underline that starts left of the line's other digits: that blob's box comes first,
    its characters last ('805297' read '297805', accuracy.py's touching strings as photos, seed 0). A dot read
    at the underline's left end does not count; a blob without a digit or word keeps its box's place."""
    from edgedigits.runtime.lines import Char
    from edgedigits.runtime.recognize import in_reading_order

    members = [(168, 51, 237, 54), (207, 51, 35, 40), (241, 56, 31, 37), (273, 51, 24, 39)]
    peaks = [175, 219, 253, 279, 314, 340, 358]
    owner = [0, 1, 2, 3, 0, 0, 0]
    chars = [Char(c, 0, 0, 0.9, 0) for c in ".805297"]
    assert in_reading_order(members, peaks, owner, chars) == [1, 2, 3, 0]
    plain = [(10, 5, 20, 30), (40, 5, 5, 5), (50, 5, 20, 30)]  # a digit, a dot, a digit
    dotted = [Char(c, 0, 0, 0.9, 0) for c in "4.2"]
    assert in_reading_order(plain, [20, 42, 60], [0, 1, 2], dotted) == [0, 1, 2]
    assert in_reading_order(plain, [20, 60], [0, 2], [dotted[0], dotted[2]]) == [0, 1, 2]


# --------------------------------------------------------------------------- reading lines (shipped model)


@pytest.fixture(scope="module")
def reader():
    r = DigitReader()
    if r.line_model is None:
        pytest.fail("the shipped line model (models/line.onnx) is missing")
    return r


def photos(split, kind_raws, n, seed, style):
    maker = LineMaker(split.images, split.labels, style)
    rng = np.random.default_rng(seed)
    return [line_scene(maker, rng, kind_raws(rng)) for _ in range(n)]


def crops(split, kind_raws, n, seed, style):
    """``n`` tight line crops (LineMaker.sample) of what ``kind_raws(rng)`` writes: [(uint8 image, digits)]."""
    maker = LineMaker(split.images, split.labels, style)
    rng = np.random.default_rng(seed)
    return [(sample.photo, sample.text) for sample in (maker.sample(rng, kind_raws(rng)) for _ in range(n))]


def number(rng, lo, hi):
    return "".join(str(d) for d in rng.integers(0, 10, int(rng.integers(lo, hi + 1))))


PLAIN = dict(underline=0.0, rule=0.0, comb=0.0, boxes=0.0, pencil=0.0, touch_gap=(-0.2, 0.0))


def exact_rate(reader, items):
    got = [reader.read(image).text for image, _ in items]
    return np.mean([g == want for g, (_, want) in zip(got, items)]), got


def test_touching_digit_strings_read_exactly(reader, mnist_test):
    items = photos(mnist_test, lambda rng: number(rng, 2, 6), 40, 11, LineStyle(touching=1.0, **PLAIN))
    rate, got = exact_rate(reader, items)
    # Issue 9's goal is 0.95; the shipped line model reads 0.78 of these (see docs/accuracy.md, "Digit strings").
    assert rate >= 0.7, list(zip(got, [w for _, w in items]))


def test_a_long_run_of_touching_digits_is_writing_not_a_rule(reader, mnist_test):
    """Six or seven touching digits make one blob more than 4 times as wide as tall: a rule by its box alone
    (blobs.is_line_like), dropped as one, and the crop read as nothing (4 of these 40 crops; 23 exact). Its
    columns' ink stands upright and it is several strokes tall (blobs.mark_writing): now none reads as nothing,
    27 exact."""
    style = LineStyle(touching=1.0, **{**PLAIN, "touch_gap": (-0.25, -0.1)})
    items = crops(mnist_test, lambda rng: number(rng, 6, 7), 40, 61, style)
    rate, got = exact_rate(reader, items)
    assert "" not in got, [(g, w) for g, (_, w) in zip(got, items) if not g]
    assert rate >= 0.65, [(g, w) for g, (_, w) in zip(got, items) if g != w]


def test_a_lone_handwritten_digit_beside_a_printed_word_is_kept(reader, mnist_test):
    """A handwritten digit two or three times as tall as the printed word beside it ("Page 2") has no row
    neighbour of its size, and was dropped as a pen lying on the page (segment.keep_blobs): 5 of these 60 crops
    read as nothing, 53 exact. A pen is 5-20 heights of print long; a digit at most DetectConfig.lone_digit_tall
    (segment.lone_digit): now 1 reads as nothing, 58 exact."""

    def word_and_digit(rng):
        digit = str(int(rng.integers(0, 10)))
        return f"A {digit}" if rng.random() < 0.6 else f"{digit} A"

    items = crops(mnist_test, word_and_digit, 60, 71, LineStyle(touching=0.0, **PLAIN))
    rate, got = exact_rate(reader, items)
    assert got.count("") <= 2 and rate >= 0.93, [(g, w) for g, (_, w) in zip(got, items) if g != w]


def test_a_tight_crop_of_touching_digits_is_read_as_several(reader, mnist_test):
    """A cropped touching pair on clean paper is one blob, small and clean: the fast path (detect.clean_digit)
    took it for one digit. When the blob is wide enough for two and the digit model doubts it, the general
    stages and the line model look again (reader.may_be_several); when the digit model is sure (up to
    ReadConfig.glance_below) of a blob as wide as tall, the line model glances at its 28x28 digit first
    (reader.sure_but_wide, DigitReader._glance). These 40 crops: 0.90 exact, 0.825 without the glance ('52'
    read '2', '38' read '8', '96' read '2'), 0.70 without either. Read one by one or in one batch, the same."""
    items = crops(mnist_test, lambda rng: number(rng, 2, 2), 40, 23, LineStyle(touching=1.0, **PLAIN))
    rate, got = exact_rate(reader, items)
    assert rate >= 0.875, list(zip(got, [w for _, w in items]))
    assert [r.text for r in reader.read_batch([image for image, _ in items])] == got


def test_a_tight_crop_of_touching_digits_the_digit_model_is_surest_of_is_glanced_at(mnist_test):
    """The digit model is overconfident on touching pairs: these three crops ('48', '33', '71'), as wide as tall or
    wider, it reads as one digit at 0.999 or more. The line model glances at every sure blob that wide
    (ReadConfig.glance_below = 1.0) and reads two digits; at 0.999, the glance's old bound, they read '8', '3', '7'."""
    items = crops(mnist_test, lambda rng: number(rng, 2, 2), 40, 24, LineStyle(touching=1.0, **PLAIN))
    picked = [items[k] for k in (16, 21, 26)]
    assert [w for _, w in picked] == ["48", "33", "71"]
    assert [DigitReader(threads=1).read(image).text for image, _ in picked] == ["48", "33", "71"]
    bounded = DigitReader(threads=1, read_config=ReadConfig(glance_below=0.999))
    assert [bounded.read(image).text for image, _ in picked] == ["8", "3", "7"]


def test_a_glance_reads_each_blob_as_alone(reader, mnist_test):
    """DigitReader._glance pads each blob's line to lines.GLANCE_WIDTH (pad_to_width), and a flat blob's line wider
    than GLANCE_WIDTH - 16 px by pad_batch's margin, in a call of its own: each blob's answer is the one it gets
    glanced at alone, whatever it is glanced at with. Here MNIST digits, three touching pairs (two digits each) and
    the MNIST digits whose lines are too wide for GLANCE_WIDTH, mixed."""
    from types import SimpleNamespace

    from edgedigits.runtime.lines import GLANCE_WIDTH, fit_line, pad_to_width

    digits = [image.astype(np.float32) / 255 for image in mnist_test.images]
    flat = [d for d in digits if fit_line(d).tensor.shape[1] > GLANCE_WIDTH - 4 * STRIDE]
    pairs = []
    for image, _ in [
        crops(mnist_test, lambda rng: number(rng, 2, 2), 40, 24, LineStyle(touching=1.0, **PLAIN))[k]
        for k in (16, 21, 26)
    ]:
        (page,) = reader._prepare(image, None, False, together=False)
        pairs.append(page.found.digits[0])
    mixed = digits[:20] + pairs + flat + digits[20:40]
    pages = [SimpleNamespace(found=SimpleNamespace(digits=[d])) for d in mixed]  # (all _glance reads of a page)
    together = reader._glance(pages)
    assert together == [reader._glance([page])[0] for page in pages]
    assert len(flat) >= 2 and together[20:23] == [True] * 3 and sum(together) >= 3
    with pytest.raises(ValueError, match="does not fit"):
        pad_to_width([np.zeros((HEIGHT, GLANCE_WIDTH + 4), np.float32)], GLANCE_WIDTH)


def test_a_touching_pair_alone_on_its_line_is_split_when_both_models_favour_it(reader, mnist_test):
    """A touching pair photographed alone is one blob alone on its line, which the digit model is often certain
    (ReadConfig.certain) is one digit (it is overconfident on touching pairs). It is split when both models together
    favour the split (recognize.favours_one, ReadConfig.alone_split_odds). These 40 photos: 0.925 exact, 0.825 when a
    certain digit model always kept one digit ('33' read '3', '54' read '4', '36' read '3', '46' read '4')."""
    items = photos(mnist_test, lambda rng: number(rng, 2, 2), 40, 31, LineStyle(touching=1.0, **PLAIN))
    rate, got = exact_rate(reader, items)
    assert rate >= 0.9, [(g, w) for g, (_, w) in zip(got, items) if g != w]


def test_touching_numbers_with_thin_ones_keep_their_ones(reader, mnist_test):
    """A '1' is far narrower than other digits (MNIST train: 0.2-0.8 as wide as tall, the others 0.5-1.4). A lone
    blob holding one needs less width to hold several (ReadConfig.alone_one), and once its width and the two
    models have been weighed, the in-context narrow rule does not overrule them. These 40 photos of touching
    numbers of 2-4 digits with a '1': 0.875 exact, 0.825 before ('1811' read '4', '11' read '1')."""

    def with_a_one(rng):
        digits = [str(d) for d in rng.integers(0, 10, int(rng.integers(2, 5)))]
        digits[int(rng.integers(0, len(digits)))] = "1"
        return "".join(digits)

    items = photos(mnist_test, with_a_one, 40, 51, LineStyle(touching=1.0, **PLAIN))
    rate, got = exact_rate(reader, items)
    assert rate >= 0.85, [(g, w) for g, (_, w) in zip(got, items) if g != w]


def test_separators_give_no_digit(reader, mnist_test):
    items = photos(
        mnist_test,
        lambda rng: str(rng.choice(list("/-.,:"))).join([number(rng, 1, 3), number(rng, 1, 3)]),
        40,
        12,
        LineStyle(touching=0.3, **PLAIN),
    )
    rate, got = exact_rate(reader, items)
    extra = np.mean([len(g) > len(w) for g, (_, w) in zip(got, items)])
    assert extra <= 0.05 and rate >= 0.8, list(zip(got, [w for _, w in items]))


def test_words_next_to_numbers_give_only_the_number(reader, mnist_test):
    items = photos(
        mnist_test,
        lambda rng: f"A {number(rng, 1, 4)}" if rng.random() < 0.6 else f"{number(rng, 1, 4)} A",
        40,
        13,
        LineStyle(touching=0.3, **PLAIN),
    )
    rate, got = exact_rate(reader, items)
    assert rate >= 0.875, list(zip(got, [w for _, w in items]))
    assert [r.text for r in reader.read_batch([image for image, _ in items])] == got
    words = photos(mnist_test, lambda rng: "A", 20, 14, LineStyle(**PLAIN))
    assert sum(reader.read(image).text != "" for image, _ in words) <= 1


@pytest.mark.xfail(
    strict=True,
    reason="known limitation: the line model never saw printed digits and reads printed zeros as a word "
    "(Liberation-font lines 0.775 as photos; a Hershey Duplex '1000' reads '1'); a fine-tune that learnt them read "
    "printed words on desk photos as digits",
)
def test_printed_numbers_read_as_digits_not_as_a_word(reader, mnist_test):
    """Numbers typeset in a font read as digits: drawn with cv2.putText (Hershey fonts, the first thing a
    developer tries), and typeset in fonts no training line used (train.lines.font_files("held_out"), the
    Liberation fonts; .ci/run installs them). The shipped line model reads 17 of these 18 putText numbers (a
    Hershey Duplex "1000" reads "1" and a word), but the Liberation lines only 0.775 as photos (2026-12-04; 0.82
    at first, when 68 of 108 putText numbers read): a strict xfail, which fails loudly once a model reads them."""
    from edgedigits.train.lines import font_files

    drawn = []
    for text in ["100", "000", "1000", "180", "2026", "90210", "12/05", "3.50", "007"]:
        for font, scale, thickness in ((cv2.FONT_HERSHEY_SIMPLEX, 3, 1), (cv2.FONT_HERSHEY_DUPLEX, 4, 8)):
            image = np.full((260, 120 + int(30 * scale * len(text))), 255, np.uint8)
            cv2.putText(image, text, (20, 170), font, scale, 0, thickness)
            drawn.append((image, "".join(c for c in text if c.isdigit())))
    rate, got = exact_rate(reader, drawn)
    assert rate >= 0.9, list(zip(got, [w for _, w in drawn]))
    assert font_files("held_out"), "fonts-liberation is not installed (apt-get install fonts-liberation)"
    typeset = photos(
        mnist_test,
        lambda rng: number(rng, 2, 6) if rng.random() < 0.7 else f"{number(rng, 1, 3)}/{number(rng, 2, 4)}",
        40,
        16,
        LineStyle(printed=1.0, fonts="held_out", **PLAIN),
    )
    rate, got = exact_rate(reader, typeset)
    assert rate >= 0.85, list(zip(got, [w for _, w in typeset]))


def test_a_touching_pair_is_split_into_two_boxes_side_by_side(reader, mnist_test):
    ((image, want),) = photos(mnist_test, lambda rng: "70", 1, 15, LineStyle(touching=1.0, **PLAIN))
    reading = reader.read(image)
    assert reading.text == want == "70"
    (a, b) = [d.box for d in reading.digits]
    assert a[0] < b[0] and a[0] + a[2] <= b[0] + b[2]
    assert all(0 < d.confidence <= 1 and d.probabilities.shape == (10,) for d in reading.digits)
    assert reading.to_dict()["raw"] == "70"


def test_raw_shows_the_separator_and_text_the_digits(reader, mnist_test):
    ((image, want),) = photos(mnist_test, lambda rng: "24/68", 1, 16, LineStyle(touching=0.0, **PLAIN))
    reading = reader.read(image)
    assert reading.text == "2468"
    assert reading.raw == "24/68"


NOT_YET: dict[str, str] = {}  # read wrong; strict: the day they read right, this list must shrink


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(n, marks=pytest.mark.xfail(reason=NOT_YET[n], strict=True)) if n in NOT_YET else n
        for n in SEQUENCE_CASES
    ],
)
def test_shared_cases_of_digit_strings_read_exactly(reader, shared_cases, name):
    folder, expected = shared_cases
    assert reader.read(str(folder / name)).text == expected[name]


def test_a_cheque_amount_photographed_turned_reads_each_glyph_once(reader, shared_cases):
    """../shared/cases' cheque amount '5743' turned 8 degrees (benchmarks/robustness.py): the line model read the
    '7' and, in the very next frame, its stem as an unsure '1' ('57143'). One glyph split between two classes is
    read once (lines.split_characters)."""
    from edgedigits.train.scenes import turned

    folder, expected = shared_cases
    image = cv2.imread(str(folder / "cheque-amount-5743.jpg"))
    assert reader.read(turned(image, 8.0)).text == expected["cheque-amount-5743.jpg"]


def looped_zeros(lead: np.ndarray, count: int, rng: np.random.Generator) -> np.ndarray:
    """A cheque amount written in cursive: an MNIST test digit, then ``count`` zeros drawn in one stroke (ellipses,
    each joined to the next by a ligature), dark ink on grainy paper: uint8 [H, W]."""
    height = 56
    ink = np.zeros((96, 90 + 46 * count), np.uint8)
    ink[20 : 20 + height, 8 : 8 + height] = cv2.resize(lead, (height, height), interpolation=cv2.INTER_CUBIC)
    thickness = int(rng.integers(3, 6))
    ry = int(height * rng.uniform(0.2, 0.3))  # zeros half the digit's height or less, as cents often are
    rx = int(ry * rng.uniform(0.65, 0.95))
    cy = 20 + height - ry - int(rng.integers(2, 6))
    x = 8 + height + int(rng.integers(8, 20)) + rx
    previous = None
    for _ in range(count):
        tilt = float(rng.uniform(-70, -40))  # a loop leaning forward
        cv2.ellipse(ink, (x, cy), (rx, ry), tilt, 0, 360, 255, thickness, cv2.LINE_AA)
        if previous is not None:  # the pen runs on from the last zero's right side to this one's top
            start = np.array([previous + rx * 0.6, cy + ry * 0.7], float)  # from the bottom of the last loop
            end = np.array([x - rx * 0.2, cy - ry * 0.9], float)  # up to the top of this one
            middle = (start + end) / 2 + np.array([0.0, ry * rng.uniform(0.2, 0.6)])
            t = np.linspace(0, 1, 12)[:, None]
            curve = (1 - t) ** 2 * start + 2 * (1 - t) * t * middle + t**2 * end
            cv2.polylines(ink, [np.round(curve).astype(np.int32)], False, 255, thickness, cv2.LINE_AA)
        previous = x
        x += 2 * rx + int(rng.integers(2, 12))
    ink = ink[:, : x + 10]
    paper = rng.uniform(200, 240) + rng.normal(0, 4, ink.shape)
    return np.clip(paper - ink.astype(np.float32) / 255 * rng.uniform(140, 190), 0, 255).astype(np.uint8)


def test_zeros_written_in_one_stroke_are_read_a_zero_a_loop(reader, mnist_test):
    """Cheque amounts whose zeros are written in one stroke, small loops leaning forward joined by ligatures, after
    an MNIST test digit (looped_zeros, drawn strokes): the line model, which never saw zeros joined by a pen, read
    the run as one '0', or two ('7000' read '70'). A blob it read only zeros in, unsurely, with more loops side
    by side than zeros and as wide as that many, is a zero a loop (recognize.zero_loops); so is a blob it read as a
    word in a line of digits, whose wide loops cover most of it and whose digits favour '0' (recognize.joined_zeros).
    40 amounts: 31 exact at first, 35 with the zeros rule, 38 with the word rule too (the others lost at detection,
    or one loop missed); ../shared/cases/cheque-amount-3000.jpg reads 3000."""
    rng = np.random.default_rng(6)
    exact = []
    for _ in range(40):
        index = int(rng.integers(1, 10000))
        count = int(rng.integers(2, 4))
        image = looped_zeros(mnist_test.images[index], count, rng)
        want = str(int(mnist_test.labels[index])) + "0" * count
        exact.append(reader.read(image).text == want)
    assert sum(exact) >= 37, sum(exact)


def test_the_loop_thresholds_decide_the_cheque_amount(reader, shared_cases):
    """../shared/cases/cheque-amount-3000.jpg reads 3000 (test_shared_cases_of_digit_strings_read_exactly); with
    loops required to be taller than its own (ReadConfig.loop_height) or its blob wider (loop_width), '30' again."""
    from edgedigits.runtime.config import ReadConfig

    folder, expected = shared_cases
    path = str(folder / "cheque-amount-3000.jpg")
    assert reader.read(path).text == expected["cheque-amount-3000.jpg"] == "3000"
    for changed in (ReadConfig(loop_height=0.9), ReadConfig(loop_width=1.5)):
        assert DigitReader(read_config=changed).read(path).text == "30"


def test_looped_zeros_read_as_a_word_are_zeros(reader, shared_cases):
    """../shared/cases/cheque-amount-3000.jpg blurred (sigma 1.5 px), halved or at JPEG quality 25: the line model
    reads its looped "000" as a word ('3'); its three loops, 0.41-0.62 of the blob's height wide, cover 0.52 of it
    and the line model's digits there favour '0': 3000 (recognize.joined_zeros). With the loops required to
    cover more (ReadConfig.loop_cover) or each to be wider (loop_hole), '3' again."""
    from edgedigits.runtime.config import ReadConfig

    folder, _ = shared_cases
    image = cv2.imread(str(folder / "cheque-amount-3000.jpg"))
    changed = {
        "blurred": cv2.GaussianBlur(image, (0, 0), 1.5),
        "halved": cv2.resize(image, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA),
        "JPEG 25": cv2.imdecode(cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 25])[1], cv2.IMREAD_COLOR),
    }
    for name, copy in changed.items():
        result = reader.read(copy)
        assert (result.text, result.raw) == ("3000", "3000"), name
        assert [d.value for d in result.digits] == [3, 0, 0, 0], name
    for config in (ReadConfig(loop_cover=0.9), ReadConfig(loop_hole=0.9)):
        assert DigitReader(read_config=config).read(changed["blurred"]).text == "3", config


def test_a_slanted_one_first_on_its_line_is_no_slash(reader, mnist_test):
    """A straight stroke leaning 17-31 degrees drawn before an MNIST test '0' and '4': the line model reads it as a
    sure '/', and a slash as tall as the digits or taller stays a slash (ReadConfig.slash_sure, slash_height), so
    '104' read '04' (10 of these 12). A '/' before or after every digit of its line separates nothing
    (recognize.between_digits): where the digit model is sure of a digit of full height there, it is that digit.
    Found in benchmarks/accuracy.py's clean scenes, seed 2: '004 / 105 / 95' read '004 / 05 / 95'."""
    zero, four = mnist_test.images[327], mnist_test.images[3086]
    assert (int(mnist_test.labels[327]), int(mnist_test.labels[3086])) == (0, 4)
    read = []
    for lean in (0.3, 0.4, 0.5, 0.6):
        for thickness in (3, 4, 5):
            ink = np.zeros((100, 220), np.uint8)
            cv2.line(ink, (20, 80), (20 + int(60 * lean), 20), 255, thickness, cv2.LINE_AA)
            ink[16:86, 60:130] = np.maximum(ink[16:86, 60:130], cv2.resize(zero, (70, 70)))
            ink[16:86, 125:195] = np.maximum(ink[16:86, 125:195], cv2.resize(four, (70, 70)))
            read.append(reader.read((235 - ink.astype(np.float32) * 0.8).astype(np.uint8)).text)
    assert read == ["104"] * 12, read


def test_without_the_line_model_each_blob_is_read_alone(mnist_test):
    ((image, want),) = photos(mnist_test, lambda rng: "3 5", 1, 17, LineStyle(touching=0.0, **PLAIN))
    plain = DigitReader(line_model=False)
    assert plain.line_model is None
    reading = plain.read(image)
    assert reading.text == "35" and reading.raw is None and "raw" not in reading.to_dict()


def frame_middles(line) -> list[float]:
    """The input image's column at the middle of each frame of a text line (``STRIDE`` tensor columns)."""
    frames = line.fitted.tensor.shape[1] // STRIDE
    return [line.frame_x(sum(line.fitted.crop_columns(t, t + 1)) / 2) for t in range(frames)]


def nearest_frame(middles: list[float], x: float) -> int:
    return min(range(len(middles)), key=lambda t: abs(middles[t] - x))


def sure_of(frames: int, at) -> np.ndarray:
    """Line-model posteriors float32 [frames, 17]: the blank everywhere but a sure character at each (char, frame)
    of ``at``."""
    posteriors = np.zeros((frames, len(ALPHABET) + 1), np.float32)
    posteriors[:, -1] = 1.0
    for char, t in at:
        posteriors[t] = 0.0
        posteriors[t, ALPHABET.index(char)] = 1.0
    return posteriors


def test_a_piece_of_a_broken_digit_is_read_by_the_line_model_alone():
    """A blob under ReadConfig.piece of its line's tallest, where the line model reads one digit, is a piece of
    a broken digit: the digit model sees only the piece, so its reading does not water the line model's down
    (a 6's loop read '0' by the digit model made the 6 a '?'). A full-height blob still gets both models."""
    from edgedigits.runtime.config import DEFAULT_READ
    from edgedigits.runtime.recognize import line_digits, pooled
    from edgedigits.runtime.segment import segment_lines

    ink = np.zeros((120, 300), np.float32)
    ink[20:100, 30:40] = 1.0  # two tall strokes (1s), 80 px ...
    ink[20:100, 250:260] = 1.0
    cv2.circle(ink, (150, 75), 20, 1.0, 5)  # ... and a loop 45 px tall between them: the piece of a 6
    boxes, _, _, (line,) = segment_lines(ink)
    assert len(line.members) == 3 and boxes[line.members[1]][3] < DEFAULT_READ.piece * boxes[line.members[0]][3]
    middles = frame_middles(line)  # sure 1s over the strokes and a sure 6 over the loop
    posteriors = sure_of(len(middles), [(c, nearest_frame(middles, x)) for c, x in (("1", 35), ("6", 150), ("1", 255))])
    classifier = np.zeros((3, 10), np.float32)
    classifier[[0, 2], 1] = 0.4  # the digit model: unsure of the strokes, sure the loop is a 0
    classifier[[0, 2], 7] = 0.6
    classifier[1, 0] = 1.0
    digits, raw = line_digits(line, posteriors, classifier, boxes, 0)
    assert raw == "161"
    assert [d.value for d in digits] == [1, 6, 1]
    both = pooled(np.eye(10)[1], classifier[0])  # full height: both models, pooled (0.4 against 1e-6 for a 7)
    assert digits[0].confidence == pytest.approx(float(both[1])) and both[1] > 0.99
    assert digits[1].confidence == pytest.approx(1.0)  # the piece: the line model alone


def faint_line(faint: float):
    """An ink map 120 x 300 of three blobs 80 px tall, as segment_lines cuts it from a noisy image's map: two
    strokes, and between them a box outline drawn strong with a thick diagonal of ``faint`` ink inside it, joined
    to it (a digit whose faint strokes no blob took when ``faint`` is under the weak level). Returns (boxes, line)."""
    from edgedigits.runtime.segment import segment_lines

    ink = np.zeros((120, 300), np.float32)
    ink[20:100, 30:40] = 1.0
    ink[20:100, 250:260] = 1.0
    cv2.line(ink, (125, 25), (165, 95), faint, 14)
    cv2.line(ink, (165, 25), (125, 95), faint, 14)
    cv2.rectangle(ink, (120, 20), (170, 100), 1.0, 5)
    boxes, _, _, (line,) = segment_lines(ink, faint=True)
    assert len(line.members) == 3
    return boxes, line


def test_the_blobs_of_a_faint_line_know_how_much_of_its_ink_they_hold():
    """segment.own_ink_shares, on a noisy map only: a blob whose box holds faint ink joined to it (with_faint_strokes
    takes it into the line) holds less than all of the line's ink there; a whole stroke holds all of it."""
    from edgedigits.runtime.config import DEFAULT_READ
    from edgedigits.runtime.segment import segment_lines

    _, line = faint_line(0.1)  # under the weak levels (0.25, and 0.12 beside a digit), over faint_weak (0.05)
    strokes, outline = (line.own_share[0], line.own_share[2]), line.own_share[1]
    assert strokes == (1.0, 1.0) and 0.5 < outline < DEFAULT_READ.faint_piece
    _, line = faint_line(0.0)
    assert line.own_share == (1.0, 1.0, 1.0)
    ink = np.zeros((120, 300), np.float32)
    ink[20:100, 30:40] = 1.0
    (line,) = segment_lines(ink)[3]
    assert line.own_share == ()  # a clean map: not measured


def test_a_piece_of_a_faint_digit_is_read_by_the_line_model_alone_when_it_is_sure():
    """A blob of a noisy line holding under ReadConfig.faint_piece of the line's ink in its box is a piece of a
    digit whose fainter strokes no blob took (faint pencil): the digit model sees the piece, the line model the
    whole digit, so the line model reads it alone when it is at least faint_piece_sure of it, however sure the
    digit model is. A whole blob, or a line model unsure of it (faint strokes of a patterned background), gets both
    models. Measured on issue 10's pencil and dark webcam photos: see ReadConfig.faint_piece."""
    from edgedigits.runtime.config import DEFAULT_READ
    from edgedigits.runtime.recognize import line_digits, pooled

    boxes, line = faint_line(0.1)
    middles = frame_middles(line)
    at = nearest_frame(middles, 145)
    classifier = np.zeros((3, 10), np.float32)
    classifier[:, 1] = 1.0
    classifier[1] = 0.0
    classifier[1, 7] = 1.0  # the digit model: sure the piece is a 7

    def read(nine: float, share: tuple[float, ...] | None = None):
        posteriors = sure_of(
            len(middles), [(c, nearest_frame(middles, x)) for c, x in (("1", 35), ("9", 145), ("1", 255))]
        )
        posteriors[at, [7, 9]] = 1.0 - nine, nine  # the line model: 9, this sure
        read_line = line if share is None else line._replace(own_share=share)
        return line_digits(read_line, posteriors, classifier, boxes, 0)

    assert nine_sure_enough(0.8) and not nine_sure_enough(0.55)
    digits, raw = read(0.8)
    assert raw == "191" and [d.value for d in digits] == [1, 9, 1]
    assert digits[1].confidence == pytest.approx(0.8) and digits[1].box == tuple(boxes[line.members[1]])
    both = pooled(np.eye(10)[9] * 0.8 + np.eye(10)[7] * 0.2, classifier[1].astype(np.float64))
    digits, _ = read(0.8, share=(1.0, 1.0, 1.0))  # the same blob, whole: both models, pooled
    assert digits[1].value == int(np.argmax(both)) == 7
    digits, _ = read(0.55)  # the line model unsure: both models
    assert digits[1].value == 7 and 0.55 < DEFAULT_READ.faint_piece_sure


def nine_sure_enough(p: float) -> bool:
    from edgedigits.runtime.config import DEFAULT_READ

    return float(np.float32(p)) >= DEFAULT_READ.faint_piece_sure


def slash_line(slash_px: int, sure: float = 0.45):
    """A line of four 1-like strokes 80 px tall with a leaning stroke ``slash_px`` tall in the middle, the line
    model reading '11/11' with a '/' at ``sure`` (under ReadConfig.slash_sure: unsure) and the digit model sure
    (0.999) that the middle is a '1'."""
    from edgedigits.runtime.lines import ALPHABET, STRIDE
    from edgedigits.runtime.segment import segment_lines

    ink = np.zeros((160, 420), np.float32)
    for x in (30, 90, 310, 370):
        ink[40:120, x : x + 10] = 1.0
    top = 80 - slash_px // 2
    cv2.line(ink, (180, top + slash_px), (180 + slash_px // 2, top), 1.0, 9)
    boxes, _, _, (line,) = segment_lines(ink)
    assert len(line.members) == 5
    frames = line.fitted.tensor.shape[1] // STRIDE
    posteriors = np.zeros((frames, len(ALPHABET) + 1), np.float32)
    posteriors[:, -1] = 1.0
    for char, x in (("1", 35), ("1", 95), ("/", 180 + slash_px // 4), ("1", 315), ("1", 375)):
        t = min(range(frames), key=lambda t: abs(line.frame_x(sum(line.fitted.crop_columns(t, t + 1)) / 2) - x))
        posteriors[t] = 0.0
        k = ALPHABET.index(char)
        posteriors[t, k] = sure if char == "/" else 1.0
        if char == "/":  # the rest on a '-' and the blank, each less likely than the '/'
            posteriors[t, ALPHABET.index("-")] = posteriors[t, -1] = (1.0 - sure) / 2
    classifier = np.zeros((5, 10), np.float32)
    classifier[:, 1] = 0.999
    classifier[:, 7] = 0.001
    return line, posteriors, classifier, boxes


def test_an_unsure_slash_taller_than_its_digits_stays_a_slash():
    """The line model's unsure '/' (under ReadConfig.slash_sure) where the digit model is sure of a '1' is the digit
    model's '1' (a thin '1' the line model took for a slash), unless the blob stands ReadConfig.slash_height
    taller than the line's other digits: a slash reaches past them (shared case slash-2468.jpg read '24168')."""
    from edgedigits.runtime.config import DEFAULT_READ, ReadConfig
    from edgedigits.runtime.recognize import line_digits

    line, posteriors, classifier, boxes = slash_line(100)  # 1.25 digit heights
    heights = sorted(boxes[i][3] for i in line.members)
    assert heights[-1] >= DEFAULT_READ.slash_height * heights[2]
    digits, raw = line_digits(line, posteriors, classifier, boxes, 0)
    assert raw == "11/11" and [d.value for d in digits] == [1, 1, 1, 1]
    # the field decides: at a height ratio the blob does not reach, the digit model's '1' is back
    digits, raw = line_digits(line, posteriors, classifier, boxes, 0, config=ReadConfig(slash_height=1.5))
    assert raw == "11111" and len(digits) == 5

    line, posteriors, classifier, boxes = slash_line(72)  # as tall as the digits (with its pen's width): ...
    digits, raw = line_digits(line, posteriors, classifier, boxes, 0)
    assert raw == "11111" and [d.value for d in digits] == [1] * 5  # ... a '1' taken for a slash


def test_a_slash_read_as_a_digit_and_a_slash_in_neighbouring_frames_is_read_once(shared_cases):
    """../shared/cases/slash-2468.jpg at half size: the line model read its slash '1' (0.52) in one frame and '/'
    (0.90) in the next, and lines.split_characters found the two likelier than either: '24168'. In a blob narrower
    than tall, a digit and a '/' so read are one stroke, and the surer is kept (recognize.one_stroke): 2468."""
    folder, expected = shared_cases
    image = cv2.imread(str(folder / "slash-2468.jpg"))
    half = cv2.resize(image, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
    result = DigitReader(threads=1).read(half)
    assert (result.text, result.raw) == (expected["slash-2468.jpg"], "24/68")


def test_one_stroke_keeps_the_surer_of_a_digit_and_a_slash_in_neighbouring_frames():
    """recognize.one_stroke on characters alone: the surer of a digit and a '/' read in neighbouring frames of a
    blob narrower than tall; both where a blank frame lies between them, where the blob is as wide as tall (a '1'
    and a slash written side by side), or where the other character is no slash."""
    from edgedigits.runtime.lines import Char
    from edgedigits.runtime.recognize import one_stroke

    one, slash = Char("1", 8, 8, 0.52, 8), Char("/", 9, 9, 0.9, 9)
    narrow, wide = (74, 49, 32, 52), (74, 49, 60, 52)
    assert one_stroke([one, slash], [0, 1], narrow) == [1]
    assert one_stroke([one._replace(confidence=0.95), slash], [0, 1], narrow) == [0]
    assert one_stroke([one, slash._replace(first=10, last=10, peak=10)], [0, 1], narrow) == [0, 1]
    assert one_stroke([one, slash], [0, 1], wide) == [0, 1]
    assert one_stroke([one, slash._replace(char="-")], [0, 1], narrow) == [0, 1]


def test_a_slash_the_line_model_is_sure_enough_of_stays_a_slash():
    """A '/' as tall as the digits beside it, where the digit model is sure of a '1': the digit model's '1' when the
    line model reads the '/' under ReadConfig.slash_sure, a slash at or above it. Lower than its default (0.9),
    slashes of digit height read at 0.77-0.87 stay slashes, but turned pages lose slanted 1s (config.py)."""
    from edgedigits.runtime.config import ReadConfig
    from edgedigits.runtime.recognize import line_digits

    line, posteriors, classifier, boxes = slash_line(72, sure=0.8)
    digits, raw = line_digits(line, posteriors, classifier, boxes, 0)
    assert raw == "11111" and len(digits) == 5
    digits, raw = line_digits(line, posteriors, classifier, boxes, 0, config=ReadConfig(slash_sure=0.7))
    assert raw == "11/11" and [d.value for d in digits] == [1, 1, 1, 1]
    # and the digit model must be ReadConfig.sure of its '1' (it is 0.999 here)
    digits, raw = line_digits(line, posteriors, classifier, boxes, 0, config=ReadConfig(sure=0.9995))
    assert raw == "11/11" and [d.value for d in digits] == [1, 1, 1, 1]


def test_a_tall_one_the_line_model_read_nothing_in_is_the_digit_models():
    """A thin, straight '1' standing ReadConfig.slash_height taller than the round digits beside it, in which the
    line model reads nothing, and of which the digit model is sure: a '1' (an MNIST '1' stands up to 1.2 of its
    neighbours; a clean scene's '8186' read '886'). Taller than its digits, an unsure '/' is a slash (the test
    above), but a blob the line model read nothing in is no slash."""
    from edgedigits.runtime.config import DEFAULT_READ
    from edgedigits.runtime.recognize import line_digits, taller
    from edgedigits.runtime.segment import segment_lines

    ink = np.zeros((160, 400), np.float32)
    for x in (40, 250, 330):  # three round digits 80 px tall ...
        cv2.rectangle(ink, (x, 40), (x + 40, 120), 1.0, 8)
    ink[25:135, 160:170] = 1.0  # ... and a '1' 110 px tall between them
    boxes, _, _, (line,) = segment_lines(ink)
    assert len(line.members) == 4
    one = [boxes[i] for i in line.members].index(max((boxes[i] for i in line.members), key=lambda b: b[3]))
    assert taller(one, [boxes[i] for i in line.members], DEFAULT_READ)
    middles = frame_middles(line)  # the line model: sure 8, 8, 6 over the round digits, nothing over the '1'
    posteriors = sure_of(len(middles), [(c, nearest_frame(middles, x)) for c, x in (("8", 60), ("8", 270), ("6", 350))])
    classifier = np.zeros((4, 10), np.float32)
    classifier[[0, 2], 8] = classifier[3, 6] = 1.0
    classifier[1, 1] = 0.99999  # the digit model: sure of the '1'
    classifier[1, 7] = 0.00001
    digits, raw = line_digits(line, posteriors, classifier, boxes, 0)
    assert raw == "8186" and [d.value for d in digits] == [8, 1, 8, 6]


def test_a_thin_one_whose_peak_falls_in_its_neighbours_box_is_still_its_own_digit():
    """A '1' touching the digit on its left: the line model's peak frame for it (4 tensor columns, placed at its
    middle) lies just inside the neighbour's box, so nearest_blob gives the '1' to the neighbour, which then holds
    two digits, and the '1's own blob none ('5-351' read '53511': the neighbour split, and the empty blob gave the
    digit model's '1' again; benchmarks/accuracy.py's separators as photos, seed 1). The empty blob of full height
    takes the digit back (recognize.claim_empty_blobs)."""
    from edgedigits.runtime.recognize import claim_empty_blobs, line_digits, nearest_blob
    from edgedigits.runtime.segment import segment_lines

    ink = np.zeros((120, 300), np.float32)
    ink[20:100, 40:50] = 1.0  # a '1' ...
    cv2.rectangle(ink, (110, 20), (160, 100), 1.0, 8)  # ... a round digit, 50 px wide ...
    ink[20:100, 169:177] = 1.0  # ... and a thin '1' 5 px to its right (their padded boxes meet)
    boxes, _, _, (line,) = segment_lines(ink)
    assert len(line.members) == 3
    members = [boxes[i] for i in line.members]
    middle = frame_middles(line)
    frames = len(middle)
    # the frame whose middle lies inside the round digit's box and whose columns reach into the '1's: a '1's peak
    # there goes to the round digit
    (last,) = [
        t
        for t in range(frames)
        if nearest_blob(middle[t], members) == 1
        and line.frame_x(line.fitted.crop_columns(t, t + 1)[1]) >= members[2][0]
    ]
    posteriors = sure_of(frames, [("1", nearest_frame(middle, 45)), ("0", last - 4), ("1", last)])
    chars = ctc_greedy(posteriors, frames)
    owner = [nearest_blob(line.frame_x(sum(line.fitted.crop_columns(c.peak, c.peak + 1)) / 2), members) for c in chars]
    assert owner == [0, 1, 1] and claim_empty_blobs(line, chars, owner, members) == [0, 1, 2]
    classifier = np.zeros((3, 10), np.float32)
    classifier[:, 1] = 1.0
    classifier[1] = 0.0
    classifier[1, 0] = 1.0  # the digit model: certain of the round digit, and of both 1s
    digits, raw = line_digits(line, posteriors, classifier, boxes, 0)
    assert raw == "101" and [d.value for d in digits] == [1, 0, 1]
    assert [d.box[0] for d in digits] == [members[0][0], members[1][0], members[2][0]]


def test_a_narrow_blob_holding_a_one_beside_a_digit_is_split():
    """A blob narrower than ReadConfig.narrow heights per digit that the digit model is certain of is one digit, but
    a '1' needs only ReadConfig.alone_one heights (MNIST train '1's are 0.2-0.8 as wide as tall): an '8' and a '1'
    touching, 0.86 heights wide, were read '8' ('4681' read '468', benchmarks/accuracy.py's touching strings, seed 0;
    7 such strings of 300 at seed 1)."""
    from edgedigits.runtime.config import DEFAULT_READ
    from edgedigits.runtime.recognize import line_digits
    from edgedigits.runtime.segment import segment_lines

    ink = np.zeros((120, 300), np.float32)
    ink[20:100, 40:50] = 1.0  # a '1' on its own, then an '8'-like loop with a '1' touching it
    cv2.rectangle(ink, (110, 20), (160, 100), 1.0, 8)
    ink[20:100, 160:170] = 1.0
    boxes, _, _, (line,) = segment_lines(ink)
    assert len(line.members) == 2
    bx, _, bw, bh = boxes[line.members[1]]
    assert DEFAULT_READ.narrow + DEFAULT_READ.alone_one < bw / bh < 2 * DEFAULT_READ.narrow
    middle = frame_middles(line)
    posteriors = sure_of(len(middle), [(c, nearest_frame(middle, x)) for c, x in (("1", 45), ("8", 135), ("1", 165))])
    classifier = np.zeros((2, 10), np.float32)
    classifier[0, 1] = 1.0
    classifier[1, 8] = 0.999  # the digit model: certain the pair is one '8'
    classifier[1, 1] = 0.001
    digits, raw = line_digits(line, posteriors, classifier, boxes, 0)
    assert raw == "181" and [d.value for d in digits] == [1, 8, 1]
    assert digits[1].box[0] == bx and digits[2].box[0] + digits[2].box[2] == bx + bw


def test_a_split_is_weighed_from_the_first_frame_of_the_characters_it_holds():
    """Both models favouring one digit over the line model's split is weighed over the frames in the blob's columns,
    from the first frame of its characters: the line model peaks a character early, and a '1' touching an '8' on its
    right peaked 6 px left of the pair's box; the split then had no frame for its '1', and one '8' won ('180' read
    '80', benchmarks/accuracy.py's touching strings as photos, seed 1). Frames right of the blob are not taken in:
    there they added '1's that were form lines (issue 10's comb fields: '847' read '8471')."""
    from edgedigits.runtime.recognize import line_digits
    from edgedigits.runtime.segment import segment_lines

    ink = np.zeros((120, 300), np.float32)
    ink[20:100, 40:50] = 1.0  # a '1' alone, then a '1' touching a round digit
    ink[20:100, 110:118] = 1.0
    cv2.rectangle(ink, (118, 20), (170, 100), 1.0, 8)
    boxes, _, _, (line,) = segment_lines(ink)
    pair = boxes[line.members[1]]
    middle = frame_middles(line)
    frames = len(middle)
    early = max(t for t in range(frames) if line.frame_x(line.fitted.crop_columns(t, t + 1)[1]) < pair[0])
    posteriors = sure_of(frames, [("1", nearest_frame(middle, 45)), ("1", early), ("8", early + 4)])
    classifier = np.zeros((2, 10), np.float32)
    classifier[0, 1] = 1.0
    classifier[1, 8] = 0.99  # the digit model: sure (not certain) the pair is an '8'
    classifier[1, 0] = 0.01
    digits, raw = line_digits(line, posteriors, classifier, boxes, 0)
    assert raw == "118" and [d.value for d in digits] == [1, 1, 8]


def test_pooling_keeps_a_digit_one_model_rules_out_unlikely():
    """recognize.pooled: the normalized geometric mean. The line model sure of an 8 (0.97, a 3 at 0.001) and the
    digit model leaning to a 3 (0.6, an 8 at 0.4): their mean said 3 or 8 at about half each (0.30 / 0.69),
    pooled the 8 stands, as the 3 is all but ruled out by one of them."""
    from edgedigits.runtime.recognize import pooled

    line = np.full(10, 0.029 / 8)
    line[8], line[3] = 0.97, 0.001
    classifier = np.zeros(10)
    classifier[3], classifier[8] = 0.6, 0.4
    both = pooled(line, classifier)
    assert both.shape == (10,) and both.sum() == pytest.approx(1.0)
    assert both.argmax() == 8 and both[8] > 0.95
    assert pooled(classifier, classifier) == pytest.approx(classifier, abs=1e-5)  # agreeing models: unchanged


def test_level_lines_are_told_without_polyfit_as_with_it():
    """segment.deskew tells a level line by the closed-form least-squares slope, short of LEVEL_MARGIN_DEG below
    deskew_min_deg, and turns a line by np.polyfit's slope: the two angles differ by rounding only, far below
    the margin, so no line is judged differently."""
    from edgedigits.runtime.segment import LEVEL_MARGIN_DEG, slope

    rng = np.random.default_rng(0)
    worst = 0.0
    for _ in range(20000):
        n = int(rng.integers(2, 20))
        xs = np.sort(rng.integers(0, 3200, n) / 2.0)  # blob centres: whole or half pixels
        if np.ptp(xs) < 1:
            continue
        ys = xs * np.tan(np.radians(rng.uniform(-10, 10))) + rng.integers(0, 2400) + rng.normal(0, 10, n).round()
        exact = np.degrees(np.arctan(np.polyfit(xs, ys, 1)[0]))
        worst = max(worst, abs(np.degrees(np.arctan(slope(xs, ys))) - exact))
    assert worst < 1e-6 * LEVEL_MARGIN_DEG


def test_a_flat_stroke_alone_on_its_line_is_no_digit():
    """A blob alone on its line has no neighbours for the line model, and the digit model reads it alone. A flat
    stroke there (the end of an underline, a dash), ReadConfig.lone_flat times as wide as tall, in which the line
    model read no digit, is no digit: a printed word's underline piece read '2' (0.62; benchmarks/accuracy.py's
    words alone). An upright blob alone in which the line model read nothing is still the digit model's digit."""
    from edgedigits.runtime.config import DEFAULT_READ, ReadConfig
    from edgedigits.runtime.recognize import line_digits
    from edgedigits.runtime.segment import segment_lines

    def read_alone(draw, config=DEFAULT_READ):
        ink = np.zeros((200, 300), np.float32)
        for x in (60, 110, 160):  # a line of three round digits ...
            cv2.rectangle(ink, (x, 30), (x + 36, 80), 1.0, 6)
        draw(ink)  # ... and a blob alone under it
        boxes, _, _, (_, line) = segment_lines(ink)
        assert len(line.members) == 1
        posteriors = sure_of(line.fitted.tensor.shape[1] // STRIDE, [])  # the line model: nothing
        classifier = np.full((1, 10), 0.38 / 9, np.float32)
        classifier[0, 2] = 0.62  # the digit model: a '2', unsure
        digits, raw = line_digits(line, posteriors, classifier, boxes, 0, config=config)
        return [d.value for d in digits], raw

    def dash(ink):
        ink[110:118, 40:110] = 1.0  # 70 x 8 px: the end of an underline

    def upright(ink):
        cv2.rectangle(ink, (80, 110), (116, 160), 1.0, 6)  # a round digit

    assert read_alone(dash, ReadConfig(lone_flat=10.0)) == ([2], "2")  # flatter than the dash: read as before


def test_a_blob_alone_the_line_model_reads_as_a_letter_is_no_digit():
    """A blob alone on its line that the line model reads as a letter (ReadConfig.lone_letter sure, and nothing
    else in it) is a letter, however sure the digit model is of a digit: a printed 'ID' whose letters touch, one
    blob about as wide as tall, read '0' (the line model: a letter, 0.87; benchmarks/accuracy.py's words
    alone). An unsure letter leaves the blob to the digit model."""
    from edgedigits.runtime.config import DEFAULT_READ, ReadConfig
    from edgedigits.runtime.recognize import line_digits
    from edgedigits.runtime.segment import segment_lines

    ink = np.zeros((120, 200), np.float32)
    cv2.rectangle(ink, (70, 20), (130, 100), 1.0, 8)  # 60 x 80 px
    boxes, _, _, (line,) = segment_lines(ink)
    middles = frame_middles(line)
    classifier = np.zeros((1, 10), np.float32)
    classifier[0, 0] = 1.0  # the digit model: sure of a '0'

    def read(letter_confidence: float, config=DEFAULT_READ):
        posteriors = sure_of(len(middles), [])
        t = nearest_frame(middles, 100)
        posteriors[t] = (1.0 - letter_confidence) / (posteriors.shape[1] - 1)
        posteriors[t, ALPHABET.index("A")] = letter_confidence
        digits, raw = line_digits(line, posteriors, classifier, boxes, 0, config=config)
        return [d.value for d in digits], raw

    assert read(0.87) == ([], "*")
    assert read(0.6) == ([0], "0")
    assert read(0.87, ReadConfig(lone_letter=0.9)) == ([0], "0")


# --------------------------------------------------------------------------- a row cut at its wide gaps


def spaced_number(mnist_test, rng: np.random.Generator, count: int = 4) -> tuple[np.ndarray, str]:
    """``count`` MNIST test digits written far apart on a 760x300 white page, each 40-90 px tall, its top
    jittered by up to 15 px: one row of digits 2-4 heights apart (a webcam on digits spread over a card)."""
    page = np.full((300, 760), 255, np.uint8)
    picks = rng.choice(len(mnist_test.images), count, replace=False)
    for j, k in enumerate(picks):
        size = int(rng.integers(40, 91))
        big = cv2.resize(mnist_test.images[k], (size, size), interpolation=cv2.INTER_CUBIC)
        x, y = 40 + 180 * j, 120 - size // 2 + int(rng.integers(-15, 16))
        page[y : y + size, x : x + size] = np.minimum(page[y : y + size, x : x + size], 255 - big)
    return page, "".join(str(mnist_test.labels[k]) for k in picks)


def test_word_runs_cut_a_line_where_the_gap_is_wider_than_word_gap():
    from edgedigits.runtime.blobs import Blob
    from edgedigits.runtime.config import DetectConfig
    from edgedigits.runtime.segment import word_runs

    def blob(x, w, h=20):
        return Blob(x=x, y=0, w=w, h=h, area=w * h, labels=(1,))

    blobs = [blob(0, 15), blob(20, 15), blob(80, 15), blob(140, 10), blob(152, 10)]  # gaps 5, 45, 45, 2 px
    assert word_runs(blobs, 20.0) == [[0, 1], [2], [3, 4]]  # 45 px > 2 x 20 (DetectConfig.word_gap)
    assert word_runs(blobs, 20.0, DetectConfig(word_gap=3.0)) == [[0, 1, 2, 3, 4]]
    # a gap is measured from the rightmost ink so far: a wide blob's overhang is no gap
    assert word_runs([blob(0, 100), blob(40, 10), blob(150, 10)], 20.0) == [[0, 1], [2]]
    # a run of specks alone joins its neighbour: a full stop far after its word, a dot far before it
    assert word_runs([blob(0, 15), blob(20, 15), blob(80, 4, h=4)], 20.0) == [[0, 1, 2]]
    assert word_runs([blob(0, 4, h=4), blob(60, 15), blob(120, 15)], 20.0) == [[0, 1], [2]]


def test_unlike_runs_cut_a_row_of_words_only_into_long_runs_of_unlike_sizes():
    from edgedigits.runtime.blobs import Blob
    from edgedigits.runtime.config import DetectConfig
    from edgedigits.runtime.segment import unlike_runs

    def run(x, n, h):  # n blobs of height h, 10 px apart
        return [Blob(x=x + 25 * k, y=0, w=15, h=h, area=15 * h, labels=(1,)) for k in range(n)]

    small_big = run(0, 5, 20) + run(300, 5, 40)  # a gap of 185 px > 2 x 30 (DetectConfig.word_gap)
    assert unlike_runs(small_big, 30.0) == [[0, 1, 2, 3, 4], [5, 6, 7, 8, 9]]
    assert unlike_runs(run(0, 5, 36) + run(300, 5, 40), 30.0) == [list(range(10))]  # alike: one line, as before
    assert unlike_runs(run(0, 2, 20) + run(300, 5, 40), 30.0) == [list(range(7))]  # a word's piece is not cut off
    assert unlike_runs(small_big, 30.0, DetectConfig(unlike_runs=0.4)) == [list(range(10))]
    assert unlike_runs(run(0, 5, 20) + run(120, 5, 40), 30.0) == [list(range(10))]  # no wide gap


def test_a_worksheet_row_of_a_small_answer_beside_a_big_one_reads_both(reader, mnist_test):
    """A worksheet's row (scenes.scanned_worksheet): a printed question and a small handwritten answer beside
    another question and a big answer. Read as one line, scaled to its tallest ink, the small answer was a third
    of the line model's digit height and read as a word: '89 - 17 = 72   3 x 6 = 18' read '718', '69 - 64 = 5
    5 x 12 = 60' read '60'. Its two runs are read each at its own scale (segment.unlike_runs)."""
    from edgedigits.runtime.config import DetectConfig
    from edgedigits.train.scenes import scanned_worksheet

    rng = np.random.default_rng([3, 150])
    page, answers = [scanned_worksheet(mnist_test, rng) for _ in range(3)][2]
    assert answers[2:4] == ["5", "60"] and answers[12:14] == ["72", "18"]
    one_line = DigitReader(detect_config=DetectConfig(unlike_runs=0.0))
    for top, small, big in ((380, "5", "60"), (1330, "72", "18")):
        row = page[top : top + 160]
        text = reader.read(row).text
        assert small in text.replace(big, "") and text.endswith(big), text
        assert small not in one_line.read(row).text.replace(big, "")


def test_digits_written_far_apart_in_unlike_sizes_are_all_read(reader, mnist_test):
    """Read as one tall, sparse line, the line model took such digits for words and they vanished from the
    text without a '?' (a new user's trial: 37 of 60 such pages exact, 20 missing a digit); each run of the row
    read on its own, they are read as the digit model reads them, and raw shows the gaps as spaces."""
    rng = np.random.default_rng(17)
    pages = [spaced_number(mnist_test, rng) for _ in range(30)]
    readings = reader.read_batch([page for page, _ in pages])
    exact = sum(r.text == want for r, (_, want) in zip(readings, pages))
    missing = sum(len(r.text) < len(want) for r, (_, want) in zip(readings, pages))
    assert exact >= 28 and missing <= 1, [(r.text, r.raw, want) for r, (_, want) in zip(readings, pages)]
    first = readings[0]
    assert first.raw is not None and len(first.raw.split(" ")) == 4, first.raw
    assert {d.line for d in first.digits} == {0}  # one row: one line of the reading


def test_ones_drawn_as_straight_upright_strokes_are_read(reader):
    """A '1' drawn on the web page's canvas (742x370) as one straight upright stroke, over 12 times as tall as thick:
    its shape alone is a rule's (blobs.is_line_like), so no blob set the digit height, the page's side did, and
    its line was dropped as specks: it read nothing (a new user's trial of the page's Draw tab). The tallest blob
    sets the height then."""
    page = np.full((370, 742, 3), 255, np.uint8)
    one = reader.read(cv2.line(page.copy(), (200, 93), (200, 277), (0, 0, 0), 12))
    assert (one.text, one.raw) == ("1", "1")
    # two or three such strokes: the line model reads nothing at all in them; where it read nothing on the whole
    # line, a full-height blob the digit model is sure of is its digit (recognize.line_digits' missed rule)
    for count in (2, 3):
        strokes = page.copy()
        for x in range(200, 200 + 130 * count, 130):
            cv2.line(strokes, (x, 93), (x, 277), (0, 0, 0), 12)
        assert reader.read(strokes).text == "1" * count
    flat = reader.read(cv2.line(page.copy(), (60, 185), (680, 185), (0, 0, 0), 15))
    assert flat.text == ""  # a flat stroke across the canvas is still no digit


def test_a_dot_alone_is_no_digit_but_a_bold_zero_is(reader, mnist_test):
    """A tap of the pen on the web page's Draw tab, a filled disc alone on the canvas, read '0' at 0.996 (a new
    user's trial): a solid round blob the line model reads a full stop in is a dot (recognize.solid). The
    boldest round MNIST test digits stay digits."""
    page = np.full((370, 742, 3), 255, np.uint8)
    for radius in (5, 8):  # a tap of a 10-16 px pen (a blot of 40 px the line model reads as a 0: still a 0)
        dot = reader.read(cv2.circle(page.copy(), (370, 185), radius, (0, 0, 0), -1))
        assert (dot.text, dot.raw) == ("", "."), (radius, dot.text, dot.raw)
    fills = []
    for k, image in enumerate(mnist_test.images[:3000]):
        ink = image > 64
        ys, xs = np.nonzero(ink)
        box = ink[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
        if 1 / 1.5 <= box.shape[1] / box.shape[0] <= 1.5:
            fills.append((float(box.mean()), k))
    boldest = [k for _, k in sorted(fills)[-8:]]  # fill 0.66 and more
    readings = reader.read_batch([paper_digit(mnist_test.images[k]) for k in boldest])
    assert [r.text for r in readings] == [str(mnist_test.labels[k]) for k in boldest]


def separated_line(parts: list, gap: int) -> np.ndarray:
    """A line of black ink on white, uint8 [100, W]: MNIST digits (uint8 [28, 28] each, scaled to 56 px and
    cropped to their ink, 6 px apart) and drawn separators ('-' a dash, '.' a full stop), ``gap`` px before the
    digit after a separator."""
    canvas = np.zeros((100, 600), np.uint8)
    x = 20
    for part in parts:
        if isinstance(part, str) and part == "-":
            cv2.line(canvas, (x + 2, 55), (x + 30, 55), 255, 7)
            x += 32 + gap
        elif isinstance(part, str) and part == ".":
            cv2.circle(canvas, (x + 5, 72), 5, 255, -1)
            x += 10 + gap
        else:
            digit = cv2.resize(part, (56, 56), interpolation=cv2.INTER_AREA)
            columns = np.flatnonzero((digit > 30).any(axis=0))
            digit = digit[:, columns[0] : columns[-1] + 1]
            canvas[22:78, x : x + digit.shape[1]] = np.maximum(canvas[22:78, x : x + digit.shape[1]], digit)
            x += digit.shape[1] + 6
    return 255 - canvas[:, : x + 20]


def test_a_one_just_after_a_dash_or_a_full_stop_is_read_once(reader, mnist_test):
    """A '1' 3-9 px after a dash or a full stop: the line model's peak for it falls at the separator's end, so the
    separator's blob took the '1' (or, pooled with the digit model, another digit) and the '1''s own blob, owning
    nothing, was the digit model's '1' again: '6-1720' read '6-11720' (benchmarks/accuracy.py's separators, seed 0;
    on this material 20 of 144 lines read an extra digit at 8f4f8c9, 5 now). The empty blob of full height takes
    the digit back from the separator's blob, where the line model read the separator too
    (recognize.claim_empty_blobs)."""
    images, labels = mnist_test.images, mnist_test.labels

    def nth(label: int, i: int) -> np.ndarray:
        return images[np.flatnonzero(labels == label)[i]]

    lines = [
        separated_line([nth(6, i), sep, nth(1, i), nth(7, i), nth(2, i)], gap)
        for i in range(24)
        for sep in "-."
        for gap in (3, 6, 9)
    ]
    got = [r.text for r in reader.read_batch(lines)]
    extra = sum(len(text) > 4 for text in got)
    exact = sum(text == "6172" for text in got)
    assert extra <= 6 and exact >= 132, (extra, exact, got)


def digit_pages(mnist_test, n: int, seed: int = 7):
    """A new user's pages (their trial of 2026-12-03): 1-3 lines of 3-6 MNIST test digits, each scaled whole
    (its 28x28 field) to 40-90 px, on white, 0.9-1.3 of a digit apart, tops jittered by up to 20 px. Yields
    (page uint8 [600, 900], text)."""
    rng = np.random.default_rng(seed)
    for _ in range(n):
        canvas = np.full((600, 900), 255, np.uint8)
        truth = []
        lines = int(rng.integers(1, 4))
        size = int(rng.integers(40, 91))
        for row in range(lines):
            index = rng.choice(len(mnist_test.images), int(rng.integers(3, 7)), replace=False)
            truth.append("".join(str(mnist_test.labels[i]) for i in index))
            x = 40
            for i in index:
                glyph = cv2.resize(255 - mnist_test.images[i], (size, size), interpolation=cv2.INTER_CUBIC)
                y = 30 + row * 190 + int(rng.integers(0, 20))
                np.minimum(canvas[y : y + size, x : x + size], glyph, out=canvas[y : y + size, x : x + size])
                x += int(size * rng.uniform(0.9, 1.3))
        yield canvas, "\n".join(truth)


def typeset(text: str, font_name: str, height: int = 36) -> np.ndarray:
    """``text`` in one of the held-out Liberation fonts (train.lines.font_glyph), digits ``height`` px tall, dark
    grey on light paper with a 30 px margin: uint8 [H, W]."""
    from edgedigits.train.lines import font_file, font_glyph

    ink, _, digit_px = font_glyph(font_file("Liberation" + font_name, "held_out"), text)
    ink = cv2.resize(ink, None, fx=height / digit_px, fy=height / digit_px, interpolation=cv2.INTER_AREA)
    page = np.full((ink.shape[0] + 60, ink.shape[1] + 60), 235, np.uint8)
    page[30:-30, 30:-30] -= (ink * 200).astype(np.uint8)
    return page


def test_printed_digits_the_line_model_takes_for_a_word_carry_on_the_number(reader):
    """The line model reads the end of a number in a font it never saw as a word: Liberation Sans '2149' read '21'
    (and a word over '49'), '218499' '2184', '128790' '1287'. Blobs that carry on the number (aligned with its
    digit, closer than a space, each one digit to the digit model, certain) are the digit model's digits
    (recognize.digits_read_as_word). A word a space away stays no digit."""
    for text in ("2149", "218499", "128790"):
        assert reader.read(typeset(text, "Sans-Regular.ttf")).text == text
    assert reader.read(typeset("1262 EUR", "Mono-Regular.ttf")).text == "1262"
    assert reader.read(typeset("Box 76", "Sans-Regular.ttf")).text == "76"
    # narrow italics set the word closer than 0.25 heights, but wider than the number's own gaps: not a digit
    assert reader.read(typeset("EH 1262", "SansNarrow-Italic.ttf")).text == "1262"


def test_a_word_run_is_digits_only_when_aligned_close_and_certain():
    """recognize.digits_read_as_word on boxes: a '2' both models read, then two blobs the line model read as one
    word. Close, aligned and certain: both are digits; a space away, hanging lower (a 'y'), or with the digit
    model unsure, or with no digit read on the line: none is."""
    from edgedigits.runtime.lines import Char
    from edgedigits.runtime.recognize import digits_read_as_word

    chars = [Char("2", 1, 2, 0.99, 2), Char("A", 6, 9, 0.95, 8)]
    owner = [0, 2]
    certain = np.full((3, 10), 0.0005)
    certain[:, 4] = 0.9955

    def run(boxes, probabilities=certain, chars=chars):
        return digits_read_as_word(boxes, chars, owner[: len(chars)], probabilities, 30)

    assert run([(0, 0, 20, 30), (24, 0, 20, 30), (48, 1, 20, 29)]) == {1, 2}
    assert run([(0, 0, 20, 30), (30, 0, 20, 30), (54, 1, 20, 29)]) == set()  # 10 px: a space
    assert run([(0, 0, 20, 30), (24, 6, 20, 30), (48, 1, 20, 29)]) == set()  # 6 px lower: hangs below the line
    unsure = certain.copy()
    unsure[1] = 0.1
    assert run([(0, 0, 20, 30), (24, 0, 20, 30), (48, 1, 20, 29)], unsure) == set()
    words = [Char("A", 1, 2, 0.99, 2), Char("A", 6, 9, 0.95, 8)]
    assert run([(0, 0, 20, 30), (24, 0, 20, 30), (48, 1, 20, 29)], chars=words) == set()


def test_a_digit_first_on_its_line_taken_for_a_word_is_still_read(reader, mnist_test):
    """A slim, slanted '9' (page 5) and a '7' (page 8) first on their lines were read by the line model as a word,
    and lost from the text without a '?' (a new user's pages: '971268' read '71268'). In a line of digits with no
    word, the digit model's certain digit is kept (recognize.letter_only_digit)."""
    pages = list(digit_pages(mnist_test, 9))
    for index in (5, 8):
        page, text = pages[index]
        assert reader.read(page).text == text, index


def test_a_digit_smaller_than_its_neighbours_taken_for_a_word_is_still_read(reader):
    """benchmarks/frame_latency.py's frames 41, 69 and 103 (synth.make_scene: six MNIST test digits, 48-96 px): the
    first digit, written at 0.67-0.71 of its neighbours' height, was read by the line model as a word and lost
    ('849588' read '49588'). A blob at least ReadConfig.letter_digit_height (0.6) of the tallest is kept as the
    digit model's certain digit; at the old 0.75 it is lost again. Lowercase letters beside a number stand
    0.31-0.46 (benchmarks/accuracy.py's words next to numbers) and stay words."""
    from dataclasses import replace

    from edgedigits.runtime.config import DEFAULT_READ
    from edgedigits.runtime.synth import make_scene, sample_digits

    before = DigitReader(read_config=replace(DEFAULT_READ, letter_digit_height=0.75))
    for seed in (41, 69, 103):
        digits, labels, source = sample_digits(6, seed=seed)
        assert source == "MNIST test digits"
        frame, text = make_scene(digits, seed=seed, per_line=6), "".join(map(str, labels))
        assert reader.read(frame).text == text, seed
        assert before.read(frame).text == text[1:], seed


def test_a_short_1_beside_a_long_1_is_read(reader):
    """recognize.full_height: the line model read nothing in a short, raised '1' (48 px) on a line whose tallest
    digit is a '1' drawn long (72 px) among round ones of 42-62 px; the digit model's sure '1' is kept for a blob
    of full height, which is 3/4 of the line's digits' median height, not of the tallest's (0.67 of it: the '1'
    was lost, '758115' read '75815'). The scene is benchmarks/frame_latency.py's third."""
    from edgedigits.runtime.recognize import full_height
    from edgedigits.runtime.synth import make_scene, sample_digits

    digits, labels, _ = sample_digits(6, seed=2)
    assert reader.read(make_scene(digits, seed=2, per_line=6)).text == "".join(map(str, labels)) == "758115"
    assert full_height([(0, 0, 10, h) for h in (62, 54, 48, 72, 48, 42, 10)]) == 51.0  # (the 10 px speck aside)
    assert full_height([(0, 0, 10, h) for h in (28, 17)]) == 28.0  # (two: the tallest's)


def test_a_printed_label_alone_the_line_model_reads_nothing_in_gives_no_digit(reader):
    """A blank form's label alone ('Ref:', 'Amount:' in bold print, slightly blurred): the line model reads nothing
    on the line, and every blob the digit model was sure of passed for a digit it missed ('8', '4047'; blank
    desk photos of train.scenes read '84', '800'). On a line it reads nothing in, only a '1' is taken as missed:
    two straight strokes still read '11'."""

    def printed(word: str) -> np.ndarray:
        image = np.full((160, 420, 3), 235, np.uint8)
        cv2.putText(image, word, (30, 110), cv2.FONT_HERSHEY_SIMPLEX, 2.2, (30, 30, 30), 3, cv2.LINE_AA)
        return cv2.GaussianBlur(image, (0, 0), 1.2)

    assert [reader.read(printed(word)).text for word in ("Ref:", "Amount:")] == ["", ""]
    strokes = np.full((200, 300, 3), 235, np.uint8)
    for x in (100, 160):
        cv2.line(strokes, (x, 50), (x - 4, 150), (30, 30, 30), 6)
    assert reader.read(strokes).text == "11"


def test_a_pencil_digits_stem_broken_off_it_is_no_missed_one(reader, mnist_test):
    """Issue 10's faint pencil photos (train.scenes, seed 1, photos 62 and 71): a '4' and a '9' broken in two
    left their stems apart, the line model read the digit in its other piece and nothing in the stem, and the
    digit model, sure of a '1' there, added it as one the line model missed ('128041', '38991').
    recognize.piece_of_a_digit: a '1' whose columns touch or overlap those of a digit the line model read is
    its piece. With ReadConfig.piece_gap out of reach (columns overlapping by 100 heights) the '1's come back."""
    from dataclasses import replace

    from edgedigits.runtime.config import ReadConfig
    from edgedigits.train.scenes import kind_photos

    photos = [image for i, (image, _) in enumerate(kind_photos(mnist_test, "pencil", 1, 72)) if i in (62, 71)]
    assert [reader.read(image).text for image in photos] == ["12804", "3899"]
    apart = DigitReader(read_config=replace(ReadConfig(), piece_gap=-100.0))
    assert [apart.read(image).text for image in photos] == ["128041", "38991"]
