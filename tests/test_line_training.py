"""The line preset: synthetic lines from MNIST train digits, a brief CTC training run, and its ONNX export
(parity on test lines, metadata, card, a runtime session that reads with it)."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

pytest.importorskip("tensorflow", reason="training tests need the [train] extra")

from edgedigits.runtime.lines import ALPHABET, HEIGHT, STRIDE, pad_batch
from edgedigits.train.line_fit import batches, encode, make_lines
from edgedigits.train.lines import LineMaker, LineStyle
from edgedigits.train.presets import PRESETS, build_line


def test_line_model_fits_the_flops_and_interface_budget():
    model = build_line()
    assert tuple(model.inputs[0].shape[1:]) == (HEIGHT, None)
    out = model(np.zeros((2, HEIGHT, 192), np.float32))
    assert tuple(out.shape) == (2, 192 // STRIDE, len(ALPHABET) + 1)
    assert model.count_params() < 150_000
    assert PRESETS["line"].kind == "line"


def test_line_wide_preset_is_the_line_network_with_its_widths():
    """The line-wide preset (docs/training.md): the same layers and interface as build_line, the
    widths of presets.LINE_WIDE_CHANNELS, so its runs export and read as line models do."""
    from edgedigits.train.presets import LINE_WIDE_CHANNELS

    wide, line = PRESETS["line-wide"].build(), build_line()
    assert PRESETS["line-wide"].kind == "line" and wide.count_params() == 250_001
    assert [type(a).__name__ for a in wide.layers] == [type(b).__name__ for b in line.layers]
    out = wide(np.zeros((2, HEIGHT, 96), np.float32))
    assert tuple(out.shape) == (2, 96 // STRIDE, len(ALPHABET) + 1)
    assert wide.get_layer(index=2).filters == LINE_WIDE_CHANNELS[0]


def test_lines_are_made_from_the_digits_given_and_repeat_for_a_seed(mnist_train):
    images, labels = mnist_train.images[:2000], mnist_train.labels[:2000]
    a = make_lines(images, labels, 40, seed=3, workers=1)
    b = make_lines(images, labels, 40, seed=3, workers=1)
    assert a[1] == b[1] and all(np.array_equal(x, y) for x, y in zip(a[0], b[0]))
    assert all(t.dtype == np.uint8 and t.shape[0] == HEIGHT and t.shape[1] % STRIDE == 0 for t in a[0])
    assert all(set(target) <= set(ALPHABET) for target in a[1])
    # Only sevens given: every digit in every line is a 7.
    sevens = np.flatnonzero(labels == 7)
    maker = LineMaker(images[sevens], labels[sevens], LineStyle(words=0, separators=0, no_digits=0, pencil=0))
    rng = np.random.default_rng(0)
    assert all(set(maker.sample(rng).text) <= {"7"} for _ in range(10))


def test_digit_overlap_says_how_far_neighbouring_digits_overlap(mnist_train):
    """lines.digit_overlap: the largest share of the narrower digit's width in its neighbour's box; a touching
    line's digits overlap, a line of well-spaced digits' do not (LineSample.overlap)."""
    from edgedigits.train.lines import digit_overlap

    assert digit_overlap([(0, 0, 20, 30)]) == 0.0
    assert digit_overlap([(0, 0, 20, 30), (25, 0, 20, 30)]) == 0.0  # apart
    assert digit_overlap([(0, 0, 20, 30), (15, 0, 10, 30), (40, 0, 20, 30)]) == 0.5  # a narrow digit half in
    assert digit_overlap([(0, 0, 30, 30), (5, 0, 8, 30)]) == pytest.approx(25 / 8)  # a '1' inside a '0', past it
    images, labels = mnist_train.images[:2000], mnist_train.labels[:2000]
    bare = dict(separators=0, words=0, no_digits=0)
    rng = np.random.default_rng(0)
    touching = LineMaker(images, labels, LineStyle(touching=1.0, touch_gap=(-0.3, -0.2), **bare))
    apart = LineMaker(images, labels, LineStyle(touching=0.0, **bare))
    assert all(touching.sample(rng, "4821").overlap > 0.2 for _ in range(10))
    spaced = [apart.sample(rng, "4821").overlap for _ in range(10)]  # gaps of 0.05-0.5 heights, jittered
    assert max(spaced) < 0.2 and sum(o == 0 for o in spaced) >= 8


def test_joined_digits_make_one_blob(mnist_train):
    """LineStyle.joined: a cursive pen stroke joins each digit to the next (lines.join_stroke), so a joined line
    of four well-spaced digits is mostly one connected blob, where the same digits apart are three or more."""
    import cv2

    images, labels = mnist_train.images[:3000], mnist_train.labels[:3000]
    bare = dict(touching=0.0, separators=0, words=0, no_digits=0, underline=0, rule=0, comb=0, boxes=0, small=0)

    def blobs(style: LineStyle, seed: int) -> list[int]:
        maker, rng = LineMaker(images, labels, style), np.random.default_rng(seed)
        counts = []
        for _ in range(20):
            ink, _, _ = maker.compose("5283", rng)
            counts.append(cv2.connectedComponents((ink > 0.3).astype(np.uint8))[0] - 1)
        return counts

    joined, apart = blobs(LineStyle(joined=1.0, **bare), 1), blobs(LineStyle(joined=0.0, **bare), 1)
    assert np.mean([n == 1 for n in joined]) >= 0.7 and np.mean([n >= 3 for n in apart]) >= 0.7


def test_printed_lines_are_typeset_in_one_font_on_one_baseline(mnist_train):
    """LineStyle.printed: digits, separators and words typeset in one TrueType font (train.lines.font_glyph), all
    digits one height on one baseline, a comma low and a dash midway; the test kind's fonts are not the
    training ones."""
    import cv2

    from edgedigits.train.lines import font_file, font_files, font_glyph

    train_fonts, held_out = font_files("train"), font_files("held_out")
    assert train_fonts and not set(train_fonts) & set(held_out)
    assert not any("Display" in f for f in train_fonts)  # (DejaVu*Display hold no digits: has_digits)
    font = font_file("DejaVuSans.ttf", "train")
    eight, top, digit_px = font_glyph(font, "8")
    assert eight.dtype == np.float32 and abs(top) < 0.05 and abs(eight.shape[0] - digit_px) <= 2
    assert 0.7 < font_glyph(font, ",")[1] < 1.1 and 0.3 < font_glyph(font, "-")[1] < 0.7
    assert font_glyph((cv2.FONT_HERSHEY_SIMPLEX, 2), "7")[0].shape[0] > 10  # the fallback where no font is installed

    bare = dict(separators=0, words=0, no_digits=0, underline=0, rule=0, comb=0, boxes=0)
    maker = LineMaker(mnist_train.images[:500], mnist_train.labels[:500], LineStyle(printed=1.0, **bare))
    rng = np.random.default_rng(0)
    for _ in range(5):
        _, _, boxes = maker.compose("40718", rng)
        tops = [y for _, y, _, _ in boxes]
        heights = [h for _, _, _, h in boxes]
        assert max(tops) - min(tops) <= 0.1 * max(heights)  # one baseline: no handwritten jitter
        assert all(a[0] + a[2] < b[0] for a, b in zip(boxes, boxes[1:]))  # typeset digits never touch
    # A style without printed lines makes the same lines as before the field existed (no random draw).
    assert LineStyle().printed == 0 and LineStyle().printed_words == 0 and LineStyle().printed_beside == 0


def test_worksheet_lines_hold_small_printed_questions_beside_handwritten_answers(mnist_train):
    """LineStyle.printed_beside (the orientation preset's worksheet and form lines): each printed piece is in
    brackets in the raw text, typeset smaller than the handwriting, and followed by a handwritten answer; the
    answers are the digits after each piece."""
    from edgedigits.train.lines import printed_question

    bare = dict(separators=0, words=0, no_digits=0, underline=0, rule=0, comb=0, boxes=0)
    style = LineStyle(printed_beside=1.0, fonts="held_out", **bare)
    maker = LineMaker(mnist_train.images[:500], mnist_train.labels[:500], style)
    rng = np.random.default_rng(3)
    for _ in range(8):
        raw = maker.content(rng)
        pieces = re.findall(r"\[([^\]]*)\] (\d+)", raw)
        assert pieces and " ".join(f"[{q}] {a}" for q, a in pieces) == raw, raw
        ink, _, boxes = maker.compose(raw, rng)
        assert len(boxes) == sum(len(a) for _, a in pieces)  # the handwritten answers' digits
        rows = np.flatnonzero(ink[:, : boxes[0][0]].max(1) > 0.5)  # the first question's ink, left of its answer
        assert 0 < rows[-1] - rows[0] < 1.05 * max(h for _, _, _, h in boxes)
    sevens = mnist_train.images[mnist_train.labels == 7][:50]  # images of one digit: the answers are sevens
    raw = LineMaker(sevens, np.full(len(sevens), 7), style).content(rng)
    assert set("".join(re.findall(r"\] (\d+)", raw))) == {"7"}, raw
    questions = {printed_question(np.random.default_rng(i)) for i in range(40)}
    assert any(q.endswith("=") for q in questions) and any(not q.endswith("=") for q in questions)
    with pytest.raises(ValueError):  # brackets are no characters of the line model: orientation preset only
        encode("[1 + 2 =]3".replace(" ", ""))


def test_batches_pad_each_line_and_encode_its_target(mnist_train):
    tensors, targets = make_lines(mnist_train.images[:500], mnist_train.labels[:500], 30, seed=1, workers=1)
    seen = 0
    for x, y in batches(tensors, targets, 8, np.random.default_rng(0)):
        assert x.dtype == np.float32 and x.shape[1] == HEIGHT and x.shape[2] % 64 == 0
        assert 0.0 <= x.min() and x.max() <= 1.0
        for row in y:
            assert row[0] <= len(row) - 1 and all(0 <= v < len(ALPHABET) for v in row[1 : 1 + row[0]])
        seen += len(x)
    assert seen == 30


@pytest.fixture(scope="module")
def line_run(tmp_path_factory):
    from edgedigits.train.fit import train

    out = tmp_path_factory.mktemp("line")
    return out, train("line", out, epochs=1, subset=600, seed=2, verbose=0)


def test_a_brief_line_run_writes_model_metrics_and_plots(line_run):
    out, metrics = line_run
    for name in ("model.keras", "metrics.json", "history.csv", "curves.png"):
        assert (out / name).stat().st_size > 0, name
    written = json.loads((out / "metrics.json").read_text())
    assert written["preset"] == "line" and written["kind"] == "line" and written["train_lines"] == 600
    assert set(written["test_lines"]) == {"plain", "touching", "separators", "words", "no_digits", "printed"}
    assert written["params"] == build_line().count_params()
    assert written["train_seconds"] > 0 and "command" in written


def test_line_export_is_parity_checked_and_readable_by_the_runtime(line_run, tmp_path):
    from edgedigits.export.line_export import export_line_model
    from edgedigits.runtime.model import LineModel

    out, _ = line_run
    result = export_line_model(out, tmp_path / "line.onnx", lines_per_kind=12)
    assert result["parity"]["reading_disagreements"] == 0
    assert result["parity"]["max_abs_diff"] <= 1e-4
    assert result["mflops_per_line_of_8_digits"] <= 20
    card = json.loads((tmp_path / "line.json").read_text())
    assert (
        card["kind"] == "line"
        and card["labels"][-1] == "<blank>"
        and card["size_bytes"] == (tmp_path / "line.onnx").stat().st_size
    )
    model = LineModel(tmp_path / "line.onnx")
    assert model.metadata["kind"] == "line"
    batch, widths = pad_batch([np.zeros((HEIGHT, 64), np.float32), np.zeros((HEIGHT, 128), np.float32)])
    posteriors = model.predict(batch)
    assert posteriors.shape == (2, batch.shape[2] // STRIDE, len(ALPHABET) + 1)
    assert np.allclose(posteriors.sum(axis=-1), 1.0, atol=1e-4)


def test_exporting_a_line_model_that_cannot_read_says_so(line_run, tmp_path):
    """A brief run (600 lines, one epoch) reads no plain test line: its export was silent about it, and with
    --line-model it read 'photo_2026.jpg' as nothing (a new user's trial); a digit model under 90% was already
    pointed out."""
    from typer.testing import CliRunner

    from edgedigits.runtime.cli import app

    out, _ = line_run
    result = CliRunner().invoke(app, ["export", str(out), "--out", str(tmp_path / "brief.onnx")])
    assert result.exit_code == 0, result.output
    plain = float(result.output.split("exact: plain ")[1].split("%")[0]) / 100
    assert plain < 0.8 and "far below the shipped line model's" in result.output, result.output


def test_a_digit_model_is_refused_as_a_line_model():
    from edgedigits.runtime.model import LineModel, ModelError

    with pytest.raises(ModelError, match="not a line model"):
        LineModel("default")


def test_a_line_run_can_be_trained_further_from_its_weights(line_run, tmp_path):
    from edgedigits.train.fit import train

    out, first = line_run
    metrics = train("line", tmp_path, epochs=1, subset=200, seed=3, verbose=0, init=out)
    assert metrics["init_epochs"] == first["epochs"] == 1 and metrics["init"] == str(out)
    with pytest.raises(ValueError, match="line presets"):
        train("seed", tmp_path / "seed", epochs=1, subset=100, init=out)


def test_an_init_that_is_not_a_line_run_is_named_before_lines_are_made(line_run, tmp_path):
    """--init of a digit run, a file that is no model, a missing path or another network's .onnx: one message
    naming --init and what to pass, before the run folder is made or any line. Was Keras' own words ('You called
    `set_weights(weights)` on layer 'line' with a weight list of length 6, but the layer was expecting 69
    weights', 'File format not supported: filepath=...') after the training lines were made."""
    from edgedigits.runtime.model import LineModel
    from edgedigits.train.fit import train
    from edgedigits.train.presets import build_seed

    seed_run = tmp_path / "seed"
    seed_run.mkdir()
    build_seed().save(seed_run / "model.keras")
    (seed_run / "metrics.json").write_text(json.dumps({"preset": "seed"}))
    line_dir, _ = line_run
    cases = [
        ("line", seed_run, "a model of the seed preset, not of the line preset"),
        ("line-wide", line_dir, "a model of the line preset, not of the line-wide preset"),
        ("line", tmp_path / "missing", "not a run folder holding model.keras"),
        ("line", tmp_path, "not a run folder holding model.keras"),
        ("line", LineModel("line").path.with_name("orientation.onnx"), "(expected|not this line)"),
    ]
    for preset, init, refused in cases:
        with pytest.raises(ValueError, match=f"--init {re.escape(str(init))}.*{refused}.*pass a run of the {preset}"):
            train(preset, tmp_path / "out", epochs=1, subset=50, verbose=0, init=init)
        assert not (tmp_path / "out").exists()


def test_freeze_norms_without_an_onnx_init_is_refused_not_ignored(line_run, tmp_path):
    """--freeze-norms keeps an .onnx file's batch norms; with a run folder or no --init it was silently ignored
    (a whole run, 'frozen_batch_norms': 0)."""
    from edgedigits.train.fit import train

    line_dir, _ = line_run
    for init, refused in ((line_dir, f"--init {re.escape(str(line_dir))} is not one"), (None, "there is no --init")):
        with pytest.raises(ValueError, match=f"--freeze-norms is for a run started from .*; {refused}"):
            train("line", tmp_path / "out", epochs=1, subset=50, verbose=0, init=init, freeze_norms=True)
        assert not (tmp_path / "out").exists()


def _keras_posteriors(model, batch: np.ndarray) -> np.ndarray:
    logits = np.asarray(model(batch, training=False), np.float64)
    e = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


@pytest.mark.parametrize("dilations", [(1, 2), (1, 2, 4)])
def test_the_shipped_line_model_is_read_back_from_onnx_to_train_further(mnist_test, dilations):
    """The weights recovered from models/line.onnx compute what its ONNX session computes, also in a model with
    one more residual block (started at zero), and only the batch norms are frozen."""
    from edgedigits.runtime.model import LineModel
    from edgedigits.train.onnx_weights import load_line_onnx

    model = build_line(dilations)
    frozen = load_line_onnx(model, LineModel("line").path)
    tensors, _ = make_lines(mnist_test.images[:3000], mnist_test.labels[:3000], 24, seed=7, workers=1)
    batch, _ = pad_batch([t / 255.0 for t in tensors])
    shipped = LineModel("line").predict(batch)
    assert np.abs(_keras_posteriors(model, batch) - shipped).max() < 1e-4
    assert frozen and all(not norm.trainable for norm in frozen)
    trainable = {id(v) for v in model.trainable_variables}
    assert all(id(v) not in trainable for norm in frozen for v in norm.weights)


def test_thawed_batch_norms_keep_the_shipped_function_and_train(mnist_test):
    """onnx_weights.thaw_batch_norms: the recovered batch norms get their inputs' statistics on calibration
    lines as moving mean and variance, and gamma and beta rescaled to match: the model still computes what the
    ONNX session computes (inference mode), in training mode it reads the lines nearly as it does, and every
    batch norm is trainable again."""
    from edgedigits.runtime.model import LineModel
    from edgedigits.train.line_fit import batches
    from edgedigits.train.onnx_weights import load_line_onnx, thaw_batch_norms

    model = build_line()
    frozen = load_line_onnx(model, LineModel("line").path)
    tensors, targets = make_lines(mnist_test.images[:3000], mnist_test.labels[:3000], 128, seed=8, workers=1)
    calibration = [x for x, _ in batches(tensors, targets, 32, None)]
    assert thaw_batch_norms(model, frozen, iter(calibration)) == {"thawed_batch_norms": 13, "calibration_lines": 128}
    batch = calibration[1]
    shipped = LineModel("line").predict(batch)
    assert np.abs(_keras_posteriors(model, batch) - shipped).max() < 1e-4
    training = np.asarray(model(batch, training=True))
    assert (training.argmax(-1) == shipped.argmax(-1)).mean() > 0.95
    trainable = {id(v) for v in model.trainable_variables}
    assert all(norm.trainable and id(norm.gamma) in trainable for norm in frozen)
    with pytest.raises(ValueError, match="at least one batch"):
        thaw_batch_norms(model, frozen, iter([]))


def test_an_onnx_file_of_another_architecture_is_refused(tmp_path):
    from edgedigits.runtime.model import LineModel
    from edgedigits.train.onnx_weights import load_line_onnx

    with pytest.raises(ValueError, match="orientation.onnx"):
        load_line_onnx(build_line(), LineModel("line").path.with_name("orientation.onnx"))
    (tmp_path / "notes.onnx").write_text("not a model")
    with pytest.raises(ValueError, match="notes.onnx: not an ONNX file"):
        load_line_onnx(build_line(), tmp_path / "notes.onnx")


def test_a_line_run_can_start_from_the_shipped_onnx_model(tmp_path):
    from edgedigits.runtime.model import LineModel
    from edgedigits.train.fit import train

    shipped = LineModel("line")
    metrics = train("line", tmp_path, epochs=1, subset=100, seed=4, verbose=0, init=shipped.path)
    card = shipped.metadata["training"]
    assert metrics["frozen_batch_norms"] == 0 and metrics["thawed_batch_norms"] == 13  # thawed by default
    assert metrics["calibration_lines"] == 100  # up to 32 batches of the run's lines set their statistics: all 100
    assert metrics["init_epochs"] == card["epochs"] + card["init_epochs"]
    assert metrics["init"].endswith("line.onnx")


def test_freeze_norms_keeps_the_shipped_batch_norms_and_is_refused_elsewhere(tmp_path):
    """``edgedigits train --freeze-norms``: a line run from the shipped .onnx keeps its 13 batch norms frozen
    (as shipped) and trains the rest; a preset that cannot take it says so (exit 2, no traceback)."""
    import subprocess
    import sys

    from edgedigits.runtime.model import LineModel

    cli = [sys.executable, "-m", "edgedigits.runtime.cli", "train", "--preset"]
    common = ["--epochs", "1", "--subset", "100", "--seed", "4"]
    run = subprocess.run(
        cli + ["line", "--out", str(tmp_path / "l"), "--init", str(LineModel("line").path), "--freeze-norms"] + common,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr
    metrics = json.loads((tmp_path / "l" / "metrics.json").read_text())
    assert metrics["frozen_batch_norms"] == 13 and metrics["thawed_batch_norms"] == 0
    refused = subprocess.run(
        cli + ["seed", "--out", str(tmp_path / "s"), "--freeze-norms"] + common, capture_output=True, text=True
    )
    assert refused.returncode == 2 and "--freeze-norms is for line presets" in refused.stderr
    assert "Traceback" not in refused.stderr
