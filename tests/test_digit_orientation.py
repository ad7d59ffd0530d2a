"""The digit quarter-turn classifier (issue 10, rotation): a brief training run and its export, the shipped model on
the full MNIST test set at all four turns, its vote over a page's blobs (recognize.turn_vote), and the reader with
it: pages on their side are read upright, upright pages and printed text are not turned."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

from helpers import scene_pages

from edgedigits.runtime import synth
from edgedigits.runtime.config import DEFAULT_READ, ReadConfig
from edgedigits.runtime.model import (
    DigitOrientationModel,
    Model,
    ModelError,
    read_card,
    shipped_digit_orientation_model,
)
from edgedigits.runtime.reader import DigitReader
from edgedigits.runtime.recognize import (
    axis_vote,
    keep_axis_turn,
    keep_column_turn,
    keep_voted_turn,
    turn_vote,
    upright_lead,
)
from edgedigits.train import scenes

shipped = pytest.mark.skipif(shipped_digit_orientation_model() is None, reason="no shipped digit-orientation model")


def test_all_turns_gives_each_digit_at_each_quarter_turn_with_its_label():
    from edgedigits.train.digit_orientation_fit import all_turns

    digit = np.zeros((28, 28), np.uint8)
    digit[2:20, 5] = 255  # a stroke down the left side
    turned, turns = all_turns(np.stack([digit, digit.T]))
    assert turned.shape == (8, 28, 28) and turned.dtype == np.uint8 and turns.tolist() == [0, 0, 1, 1, 2, 2, 3, 3]
    for k in range(4):
        assert np.array_equal(turned[2 * k], np.rot90(digit, k))  # counter-clockwise, as np.rot90
        assert np.array_equal(turned[2 * k + 1], np.rot90(digit.T, k))


def votes(rows: list[list[float]]) -> np.ndarray:
    return np.asarray(rows, np.float32)


def test_a_page_whose_digits_agree_they_lie_a_quarter_turned_is_voted_so():
    sideways = [0.02, 0.9, 0.03, 0.05]
    assert turn_vote(votes([sideways, sideways])).turn == 1
    other_way = [0.02, 0.05, 0.03, 0.9]
    assert turn_vote(votes([other_way, other_way, [0.3, 0.2, 0.3, 0.2]])).turn == 3  # a '0': no call of its own


def test_upright_and_upside_down_pages_are_not_voted_a_quarter_turn():
    assert turn_vote(votes([[0.9, 0.05, 0.03, 0.02]] * 5)).turn == 0
    assert turn_vote(votes([[0.03, 0.05, 0.9, 0.02]] * 5)).turn == 0  # 180 degrees: recognize.keep_turned's call


def test_a_weak_or_scattered_vote_turns_nothing():
    lean = [0.3, 0.4, 0.15, 0.15]  # log(0.4 / 0.3) = 0.29 nats a blob: 2 blobs lead by 0.58 < vote_margin (5)
    assert turn_vote(votes([lean, lean])).turn == 0
    assert turn_vote(votes([lean] * 18)).turn == 1  # 18 such blobs lead by 5.2
    sure = [0.003, 0.991, 0.003, 0.003]  # log(0.991 / 0.003) = 5.8 nats
    up, down, other = [0.991, 0.003, 0.003, 0.003], [0.003, 0.003, 0.991, 0.003], [0.003, 0.003, 0.003, 0.991]
    scattered = [sure, sure, up, down, other]
    assert turn_vote(votes(scattered)).turn == 0  # printed letters: the lead is there, the agreement (2 of 5) is not
    assert turn_vote(votes(scattered), ReadConfig(vote_agree=0.4)).turn == 1
    assert turn_vote(votes([sure, sure, up])).turn == 1  # 0.67 of the blobs agree: vote_agree is 0.6
    assert turn_vote(votes([sure, up, up])).turn == 0  # one of three
    assert turn_vote(votes([lean, lean]), ReadConfig(vote_margin=0.5)).turn == 1


def test_the_vote_gives_its_lead():
    sure = [0.01, 0.01, 0.01, 0.97]
    vote = turn_vote(votes([sure, sure, sure]))
    assert vote.turn == 3 and vote.lead == pytest.approx(3 * np.log(0.97 / 0.01), rel=1e-5)
    assert turn_vote(votes([[0.97, 0.01, 0.01, 0.01]] * 3)) == (0, 0.0)


def test_a_voted_turn_is_kept_when_either_model_reads_it_more_surely():
    assert keep_voted_turn(lead=4.0, surer=0.01, digit_gain=-0.3)  # the line model reads the turn more surely
    assert not keep_voted_turn(lead=4.0, surer=-0.01, digit_gain=0.3)  # a short lead: the line model decides
    assert keep_voted_turn(lead=10.0, surer=-0.01, digit_gain=0.15)  # a long lead, and the digit model far surer
    assert not keep_voted_turn(lead=10.0, surer=-0.01, digit_gain=0.1)
    assert keep_voted_turn(
        lead=5.0, surer=-0.01, digit_gain=0.1, config=ReadConfig(vote_sure_margin=5, vote_digit_gain=0.1)
    )


def test_a_voted_turn_that_loses_most_digits_is_not_kept():
    """An upright line of touching digits (wide blobs lying flat, like digits on their side) read one sure '1'
    turned: surer per character, but 1 digit of 8 (vote_keep_share 0.4)."""
    assert not keep_voted_turn(lead=6.0, surer=0.2, digit_gain=0.3, digits=(8, 1))
    assert keep_voted_turn(lead=6.0, surer=0.2, digit_gain=0.3, digits=(7, 4))  # a page on its side misread
    assert keep_voted_turn(lead=6.0, surer=0.2, digit_gain=0.3, digits=(8, 1), config=ReadConfig(vote_keep_share=0))


@shipped
def test_an_upright_line_of_touching_digits_is_not_turned_by_the_vote(mnist_test):
    """A line crop drawn as benchmarks/accuracy.py draws its separators (its line style and text, seed 0; the 7th
    crop when no photo is drawn between them): '8998/7994' in three touching groups lying flat. The vote turned it
    and the turn read '1' (kept: one sure character); it is read as it lies."""
    from edgedigits.train.line_fit import TOUCHING_GAP
    from edgedigits.train.lines import LineMaker, LineStyle

    style = LineStyle(touching=0.3, touch_gap=TOUCHING_GAP, underline=0.1, rule=0.0, comb=0.0, boxes=0.0, pencil=0.0)
    maker, rng = LineMaker(mnist_test.images, mnist_test.labels, style), np.random.default_rng([0, 3, 2])

    def number(lo: int, hi: int) -> str:
        return "".join(str(d) for d in rng.integers(0, 10, int(rng.integers(lo, hi + 1))))

    for _ in range(7):
        sep = str(rng.choice(list("/-.,:")))
        sample = maker.sample(rng, sep.join([number(1, 4), number(1, 4)]))
    assert sample.text == "89987994"
    assert DigitReader().read(sample.photo).text == "89987994"
    assert DigitReader(read_config=ReadConfig(vote_keep_share=0.0)).read(sample.photo).text == "1"


def test_one_blob_sure_against_the_turn_does_not_veto_the_page():
    sure = [0.001, 0.997, 0.001, 0.001]
    against = [1.0, 0.0, 0.0, 0.0]  # log 0 would be -inf: floored at 1e-6
    assert turn_vote(votes([sure, sure, sure, sure, against])).turn == 1


@pytest.mark.parametrize("shape", [(0, 4), (3, 10), (4,)])
def test_turn_vote_refuses_anything_but_blobs_by_four_turns(shape):
    with pytest.raises(ValueError, match=r"\[N, 4\]"):
        turn_vote(np.full(shape, 0.25, np.float32))


# --------------------------------------------------------------------------- training and export


@pytest.fixture(scope="module")
def brief_run(tmp_path_factory):
    pytest.importorskip("tensorflow", reason="training tests need the [train] extra")
    from edgedigits.train.fit import train

    out = tmp_path_factory.mktemp("digit-orientation")
    return out, train("digit-orientation", out, epochs=1, subset=2000, seed=3, verbose=0)


def test_a_brief_run_writes_model_metrics_and_plots(brief_run):
    from edgedigits.train.presets import PRESETS, build_digit_orientation

    out, metrics = brief_run
    for name in ("model.keras", "metrics.json", "history.csv", "curves.png"):
        assert (out / name).stat().st_size > 0, name
    written = json.loads((out / "metrics.json").read_text())
    assert written == metrics
    assert written["kind"] == "digit_orientation" == PRESETS["digit-orientation"].kind
    assert written["train_images"] == 1600 and written["test"]["digits"] == 40_000  # the full test set, 4 turns
    assert 0.25 < written["test_accuracy"] <= 1.0  # better than chance after one epoch of 1,600 digits
    confusion = np.array(written["test"]["confusion_matrix"])
    assert confusion.shape == (4, 4) and confusion.sum(axis=1).tolist() == [10_000] * 4
    model = build_digit_orientation()
    assert written["params"] == model.count_params() == 15_268
    assert tuple(model(np.zeros((2, 28, 28), np.float32)).shape) == (2, 4)


def test_the_export_is_parity_checked_and_read_by_the_runtime(brief_run, tmp_path, mnist_test):
    from edgedigits.export.convert import ExportError, is_digit_orientation_model, is_line_model, load_source
    from edgedigits.export.onnx_export import export_model

    out, metrics = brief_run
    source = load_source(out)  # what `edgedigits export` looks at to pick this export
    assert is_digit_orientation_model(source.model) and not is_line_model(source.model)
    target = tmp_path / "turns.onnx"
    result = export_model(out, target)
    assert result["kind"] == "digit_orientation" and result["parity"]["argmax_disagreements"] == 0
    assert result["parity"]["images"] == 40_000
    card = json.loads(target.with_suffix(".json").read_text())
    assert card["kind"] == "digit_orientation" and card["mflops_per_digit"] < 1.5
    assert card["sha256"] == hashlib.sha256(target.read_bytes()).hexdigest()
    assert abs(card["test_accuracy"] - metrics["test_accuracy"]) < 1e-3  # ONNX against Keras, the same digits
    session = DigitOrientationModel(target, threads=1)
    assert session.predict(mnist_test.images[:3].astype(np.float32) / 255).shape == (3, 4)
    assert DigitReader(digit_orientation_model=target).digit_orientation_model.path == target
    with pytest.raises(ModelError, match=r"\[N, 10\]"):
        Model(target)  # not a digit model: its 4 outputs are refused where 10 are read
    with pytest.raises(ExportError, match="int8"):
        export_model(out, tmp_path / "turns-int8.onnx", quantize_to="int8")


def test_a_digit_model_is_refused_as_the_digit_orientation_model(tmp_path):
    with pytest.raises(ModelError, match="default: not a digit-orientation model: it is the shipped digit model"):
        DigitOrientationModel("default")  # (said by its card, before its session opens)
    mine = tmp_path / "mine.onnx"  # files of the user's: told by their outputs, with the option each goes to
    mine.write_bytes(Path(DigitReader().model.path).read_bytes())
    with pytest.raises(ModelError, match=r"a digit model \(output \[N, 10\]\), not a digit-orientation model"):
        DigitOrientationModel(mine)
    turns = tmp_path / "turns.onnx"
    turns.write_bytes(Path(DigitReader().digit_orientation_model_file).read_bytes())
    with pytest.raises(ModelError, match=r"not a digit model \(output \[N, 10\]\); it goes to --digit-orientation-"):
        Model(turns)
    with pytest.raises(TypeError, match="digit_orientation_model"):
        DigitReader(digit_orientation_model=True)  # type: ignore[arg-type]
    assert DigitReader(digit_orientation_model="none").digit_orientation_model is None


# --------------------------------------------------------------------------- the shipped model


@shipped
@pytest.mark.slow
def test_the_shipped_model_scores_what_its_card_says_on_the_turned_test_set(mnist_test):
    """The full MNIST test set (never trained on) at all four turns, through onnxruntime: the card's figures."""
    from edgedigits.train.digit_orientation_fit import all_turns, turn_figures

    model = DigitOrientationModel()
    card = read_card(model.path)
    images, turns = all_turns(mnist_test.images.astype(np.float32) / 255)
    figures = turn_figures(turns, model.predict(images).argmax(1), np.tile(mnist_test.labels, 4))
    assert figures["digits"] == card["test"]["digits"] == 40_000
    for key in ("accuracy", "asymmetric_accuracy", "axis_accuracy"):
        assert abs(figures[key] - card["test"][key]) <= 1e-4, key
    assert figures["asymmetric_accuracy"] >= 0.94 and figures["axis_accuracy"] >= 0.98
    assert card["sha256"] == hashlib.sha256(model.path.read_bytes()).hexdigest()


# --------------------------------------------------------------------------- the reader with it


@pytest.fixture(scope="module")
def readers():
    return DigitReader(), DigitReader(digit_orientation_model=False)


@shipped
@pytest.mark.parametrize("turn", [1, 3])
def test_scenes_on_their_side_are_read_upright(readers, mnist_test, turn):
    """Clean scenes of 1-3 lines turned a quarter (a scan fed in sideways). Without the votes the column and search
    rules read 32 and 31 of these 40 exactly; with them, 38 and 35 (2026-12-07)."""
    voting, without = readers
    pages = [(np.ascontiguousarray(np.rot90(page, turn)), text) for page, text in scene_pages(mnist_test, 40, 7)]
    exact = sum(voting.read(image).text == text for image, text in pages)
    before = sum(without.read(image).text == text for image, text in pages)
    assert exact >= 34 and exact >= before + 3, (exact, before)


@shipped
def test_upright_scenes_and_printed_text_are_not_turned(readers, mnist_test):
    """Upright scenes and printed words read the same with the votes as without: words, which the model never saw,
    scatter their calls (vote_agree), and a page the vote turns is kept turned only when the line model reads it
    more surely."""
    voting, without = readers
    pages = [image for image, _ in scene_pages(mnist_test, 20, 6)]
    pages += [image for image, _ in scenes.kind_photos(mnist_test, "desk_photo", 0, 6)]
    for image in pages:
        assert voting.read(image).text == without.read(image).text


@shipped
def test_the_vote_costs_a_page_one_call_of_a_small_model_or_none(mnist_test):
    """A page's blobs are voted on in one call, and only when their median lies wider than ``vote_min_aspect`` of
    their height (digits on their side do; most upright pages and frames do not): an upright page is not found
    again."""
    from edgedigits.runtime import detect
    from edgedigits.runtime.recognize import median_aspect

    reader = DigitReader()
    calls: list[int] = []
    model = reader.digit_orientation_model
    predict = model.predict

    def counted(batch):
        calls.append(len(batch))
        return predict(batch)

    model.predict = counted  # type: ignore[method-assign]
    seen = set()
    for image, want in scene_pages(mnist_test, 12, 8):
        boxes = detect.extract(image, lines=True).boxes
        wide = len(boxes) >= 2 and median_aspect(boxes) > DEFAULT_READ.vote_min_aspect
        calls.clear()
        assert reader.read(image).text == want
        assert calls == ([len(boxes)] if wide else []), (calls, len(boxes), median_aspect(boxes))
        seen.add(wide)
    assert seen == {True, False}  # both kinds of upright page among these twelve


VOTE_FIELDS = [
    ("vote_margin", 1000.0),  # no vote leads by that much
    ("vote_min_aspect", 10.0),  # no page's blobs lie that wide
    ("vote_min_blobs", 100),  # no page has that many blobs
]


@shipped
@pytest.mark.parametrize("field, value", VOTE_FIELDS)
def test_a_changed_vote_field_changes_how_a_page_on_its_side_reads(readers, mnist_test, field, value):
    """Page 5 of test_scenes_on_their_side_are_read_upright's pages, '81 / 87 / 2' turned a quarter counter-clockwise:
    the vote reads it right; a configuration that stops the vote reads it as a reader without the model does."""
    voting, without = readers
    page, text = list(scene_pages(mnist_test, 6, 7))[5]
    image = np.ascontiguousarray(np.rot90(page, 1))
    assert voting.read(image).text == text == "81\n87\n2"
    assert without.read(image).text == "5\n8"
    assert DigitReader(read_config=ReadConfig(**{field: value})).read(image).text == "5\n8"


@shipped
def test_another_models_session_is_refused_as_the_digit_model():
    """A DigitOrientationModel takes [N, 28, 28] as a digit model does: passed as ``model`` it read '0' with four
    probabilities a digit (the reviewer's trial). Refused, naming where it goes."""
    from edgedigits.runtime.evaluate import evaluate

    turns = DigitOrientationModel()
    with pytest.raises(TypeError, match="digit_orientation_model="):
        DigitReader(turns)
    with pytest.raises(TypeError, match="digit model"):
        evaluate(turns)


@shipped
def test_only_a_digit_models_session_is_a_model():
    """model.OnnxModel is what every model's session is; only the digit model's is a Model, so "is this a digit
    model" is the class's answer (not_a_digit_model names where another goes). Each repr names its class."""
    from edgedigits.runtime.model import LineModel, Model, OnnxModel, OrientationModel, not_a_digit_model

    digits, others = Model(), [LineModel(), OrientationModel(), DigitOrientationModel()]
    assert isinstance(digits, OnnxModel) and not_a_digit_model(digits) is None
    assert repr(digits).startswith("Model(name='default'")
    for model, argument in zip(others, ("line_model=", "orientation_model=", "digit_orientation_model=")):
        assert isinstance(model, OnnxModel) and not isinstance(model, Model)
        assert argument in (not_a_digit_model(model) or "") and repr(model).startswith(type(model).__name__ + "(")
        with pytest.raises(TypeError, match=argument):
            DigitReader(model)
    with pytest.raises(TypeError, match="shared base"):
        OnnxModel("default")  # (not opened: it would check no interface)

    class MyLines(LineModel):  # a subclass is told where it goes too
        pass

    assert "line_model=" in (not_a_digit_model(MyLines()) or "")


def test_the_upright_lead_is_how_far_the_blobs_vote_upright_over_either_quarter_turn():
    up, side = [0.97, 0.01, 0.01, 0.01], [0.01, 0.01, 0.01, 0.97]
    assert upright_lead(votes([up, up])) == pytest.approx(2 * np.log(97), rel=1e-5)
    assert upright_lead(votes([side, side])) == pytest.approx(-2 * np.log(97), rel=1e-5)
    assert upright_lead(votes([[0.5, 0.0, 0.5, 0.0]])) == pytest.approx(np.log(0.5 / 1e-6), rel=1e-5)  # floored
    for bad in (np.zeros((0, 4), np.float32), np.zeros((2, 3), np.float32), np.zeros(4, np.float32)):
        with pytest.raises(ValueError, match="upright_lead takes"):
            upright_lead(bad)


def test_a_column_whose_blobs_vote_upright_is_never_kept_turned():
    """A turn that keep_column_turn keeps on the line model's word (one line, as many digits, surer) is left
    lying when the blobs vote upright by ReadConfig.column_upright_margin (10 nats)."""
    turn = dict(column=3, turned_rows=1, digits=3, char_count=3, surer=0.08, apart=1.6, several=0, blobs=3)
    assert keep_column_turn(**turn) and keep_column_turn(**turn, upright=None)
    assert keep_column_turn(**turn, upright=9.9) and keep_column_turn(**turn, upright=-20.0)
    assert not keep_column_turn(**turn, upright=10.0)
    touching = turn | dict(column=1, digits=5, surer=1.2)  # a turned line of touching digits: 5 digits, 3 blobs
    assert keep_column_turn(**touching, upright=13.9)
    assert keep_column_turn(**turn, upright=10.0, config=ReadConfig(column_upright_margin=30.0))


def columns_and_rows(split, seed: int, last: int) -> list[tuple[tuple[np.ndarray, str], tuple[np.ndarray, str]]]:
    """Upright columns of 2-4 MNIST test digits, one a line (synth.paper_scene, ``lines`` = the digits), each with
    a line of the same digits turned a quarter (np.rot90's k = 1 for even places, 3 for odd): the ad-hoc generator
    that measured ReadConfig.column_upright_margin and recognize.axis_vote, replayed up to place ``last``."""
    rng, out = np.random.default_rng(1000 + seed), []
    for place in range(last + 1):
        k = int(rng.integers(2, 5))
        index = rng.choice(len(split.images), k, replace=False)
        labels = [int(split.labels[j]) for j in index]
        column = synth.paper_scene([split.images[j] for j in index], rng, lines=k, labels=labels)
        row, text = synth.paper_scene([split.images[j] for j in index], rng, lines=1, labels=labels)
        out.append((column, (np.ascontiguousarray(np.rot90(row, 3 if place % 2 else 1)), text)))
    return out


@shipped
@pytest.mark.parametrize(
    "seed, index, text, turned", [(0, 45, "3\n2\n0", "710"), (0, 291, "1\n5", "6"), (1, 8, "3\n8", "94")]
)
def test_an_upright_column_of_single_digits_is_not_read_as_a_turned_line(seed, index, text, turned, mnist_test):
    """Columns of single digits the line model read more surely turned a quarter (an unsure upright digit makes
    the column read unsurely): they were read as one turned line. Their blobs vote upright by 15-28 nats."""
    image, want = columns_and_rows(mnist_test, seed, index)[index][0]
    assert want == text and DigitReader().read(image).text == text
    off = DigitReader(read_config=ReadConfig(column_upright_margin=1e9))
    assert off.read(image).text == turned


def test_blobs_that_agree_they_lie_on_their_side_but_not_which_way_vote_for_the_axis():
    """A '1' or an '8' on its side: the model splits it between the two quarter-turns, so no turn wins."""
    one, other = [0.0, 0.59, 0.0, 0.41], [0.0, 0.44, 0.0, 0.56]
    assert turn_vote(votes([one, other])).turn == 0
    assert axis_vote(votes([one, other])) == pytest.approx(-2 * np.log(1e-6), rel=1e-3)  # floored as turn_vote's
    lean = [0.2, 0.35, 0.1, 0.35]  # log(0.7 / 0.3) = 0.85 nats a blob
    assert axis_vote(votes([lean, lean])) == 0.0  # 1.7 < vote_margin (5)
    assert axis_vote(votes([lean] * 6)) == pytest.approx(6 * np.log(0.7 / 0.3), rel=1e-5)
    up = [0.98, 0.01, 0.0, 0.01]
    assert axis_vote(votes([one, up, up])) == 0.0  # upright
    assert axis_vote(votes([one, other, up])) > 0  # two of three on their side (vote_agree 0.6)
    assert axis_vote(votes([one, up])) == 0.0  # one of two
    with pytest.raises(ValueError, match="axis_vote takes"):
        axis_vote(np.zeros((2, 3), np.float32))


@shipped
@pytest.mark.parametrize("index, text, was", [(44, "14", "5"), (56, "11", "2"), (79, "38", "00")])
def test_a_short_line_on_its_side_is_read_upright_when_its_blobs_agree_only_on_the_axis(
    index, text, was, mnist_test, monkeypatch
):
    """Two-digit lines turned a quarter whose blobs the digit-orientation model put on their side but split
    between the two ways (a '1' at 0.59 / 0.41): no turn won the vote, so they were read as they lay. They are
    read at both quarter-turns and the orientation model picks the way up (recognize.axis_vote)."""
    import edgedigits.runtime.reader as reader_module

    image, want = columns_and_rows(mnist_test, 0, index)[index][1]
    reader = DigitReader()
    assert want == text and reader.read(image).text == text
    found = reader._prepare(image, None, False)[0].found
    votes_ = reader.digit_orientation_model.predict(found.digits)
    assert turn_vote(votes_).turn == 0 and axis_vote(votes_) > 0  # the axis vote alone turns it
    monkeypatch.setattr(reader_module, "axis_vote", lambda *args: 0.0)
    assert DigitReader().read(image).text == was


def test_an_axis_turn_is_kept_only_as_one_line_of_digits_read_more_surely():
    """recognize.keep_axis_turn: a word whose letters lie on their side turns into a column of letters (several
    rows, or one character); a turn read less surely, or losing most digits, is not kept either."""
    assert keep_axis_turn(surer=0.2, turned_rows=1, digits=2, char_count=2, counts=(0, 2))
    assert not keep_axis_turn(surer=0.2, turned_rows=2, digits=2, char_count=2)  # '2|9': two rows
    assert not keep_axis_turn(surer=0.2, turned_rows=1, digits=2, char_count=3)  # a letter or a separator
    assert not keep_axis_turn(surer=0.2, turned_rows=1, digits=1, char_count=1)  # one character
    assert not keep_axis_turn(surer=0.0, turned_rows=1, digits=2, char_count=2)  # no surer than as it lies
    assert not keep_axis_turn(surer=0.2, turned_rows=1, digits=2, char_count=2, counts=(6, 2))  # vote_keep_share
    lenient = ReadConfig(vote_sure_margin=0, vote_digit_gain=0)  # keep_voted_turn's other way in: not this rule's
    assert not keep_axis_turn(surer=-5.0, turned_rows=1, digits=3, char_count=3, counts=(3, 3), config=lenient)
    assert keep_axis_turn(surer=0.2, turned_rows=1, digits=1, char_count=1, config=ReadConfig(search_min_digits=1))


def test_worker_processes_get_the_readers_digit_orientation_setting():
    """read_many(processes=True) rebuilds the reader in each worker from its files."""
    assert DigitReader(digit_orientation_model=False).digit_orientation_model_file is False
    shipped_file = DigitReader().digit_orientation_model_file
    assert shipped_file is False or shipped_file.endswith("digit-orientation.onnx")
    assert DigitReader(digit_orientation_model=shipped_file).digit_orientation_model_file == shipped_file
