"""The runtime's model session: finding models, refusing bad files with a clear message, predicting in batches.

Real onnxruntime sessions on small ONNX graphs built here with onnx.helper (no TensorFlow needed).
"""

from __future__ import annotations

import re
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto

from helpers import linear_model

from edgedigits.runtime import DigitReader
from edgedigits.runtime.model import (
    MAX_SESSION_BATCH,
    DigitOrientationModel,
    LineModel,
    Model,
    ModelError,
    OrientationModel,
    decode_metadata,
    read_card,
    resolve_model,
    shipped_names,
)

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def good_file(tmp_path):
    path = tmp_path / "good.onnx"
    onnx.save(linear_model(metadata={"name": "tiny", "test_accuracy": 0.5, "labels": list("0123456789")}), path)
    return path


def images(n: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).random((n, 28, 28), dtype=np.float32)


# --------------------------------------------------------------------------- a good model


def test_good_model_predicts_probabilities(good_file):
    model = Model(good_file)
    assert model.path == good_file
    assert model.name == "tiny"
    assert model.metadata["test_accuracy"] == 0.5
    assert model.metadata["labels"] == list("0123456789")
    probabilities = model.predict(images(7))
    assert probabilities.shape == (7, 10) and probabilities.dtype == np.float32
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)


def test_empty_batch_returns_empty_result_without_running(good_file, monkeypatch):
    model = Model(good_file)

    def tripwire(batch):
        raise AssertionError(f"the session ran on a batch of {len(batch)}")

    monkeypatch.setattr(model, "_run", tripwire)  # a tripwire: a batch of 0 must never reach onnxruntime
    out = model.predict(np.zeros((0, 28, 28), np.float32))
    assert out.shape == (0, 10) and out.dtype == np.float32
    with pytest.raises(AssertionError, match="batch of 1"):
        model.predict(np.zeros((1, 28, 28), np.float32))  # (the tripwire is where a run would go)


def test_large_batches_are_chunked_with_the_same_result(good_file):
    model = Model(good_file)
    batch = images(MAX_SESSION_BATCH * 2 + 17)
    whole = model.predict(batch)
    assert whole.shape == (len(batch), 10)
    np.testing.assert_allclose(whole[-5:], model.predict(batch[-5:]), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("kind", ["line", "orientation"])
def test_line_models_refuse_what_is_not_a_line_batch(kind):
    """The shipped line and orientation models (real sessions) take float lines [N, 32, W] in [0, 1], as
    Model.predict takes [N, 28, 28]: a uint8 batch, 0..255 floats or another shape is a ValueError that says
    what to pass, not a silently wrong reading or an onnxruntime error."""
    from edgedigits.runtime.model import LineModel, OrientationModel

    model = LineModel() if kind == "line" else OrientationModel()
    lines = np.random.default_rng(0).random((2, 32, 64), dtype=np.float32)
    np.testing.assert_allclose(model.predict(lines.astype(np.float64)), model.predict(lines), rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="divide uint8 pixels by 255"):
        model.predict((lines * 255).astype(np.uint8))
    with pytest.raises(ValueError, match="float64 values up to 25"):
        model.predict(lines.astype(np.float64) * 255)
    with pytest.raises(ValueError, match=r"\[N, 32, W\], got an array of shape \[2, 28, 64\]"):
        model.predict(np.zeros((2, 28, 64), np.float32))
    assert len(model.predict(np.zeros((0, 32, 64), np.float32))) == 0


def test_float64_input_is_accepted_and_uint8_refused(good_file):
    model = Model(good_file)
    batch = images(3)
    np.testing.assert_allclose(model.predict(batch.astype(np.float64)), model.predict(batch), rtol=1e-6)
    with pytest.raises(ValueError, match="255"):
        model.predict((batch * 255).astype(np.uint8))
    with pytest.raises(ValueError, match=r"\[N, 28, 28\]"):
        model.predict(np.zeros((3, 784), np.float32))


def test_one_session_serves_many_threads(good_file):
    model = Model(good_file, threads=1)
    batch = images(64)
    expected = model.predict(batch)
    results, errors = [None] * 8, []

    def work(i):
        try:
            results[i] = model.predict(batch)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    for result in results:
        np.testing.assert_array_equal(result, expected)


def test_metadata_that_is_not_json_is_kept_as_text():
    assert decode_metadata({"a": "1", "b": '"x"', "c": "plain text"}) == {"a": 1, "b": "x", "c": "plain text"}


def test_name_falls_back_to_the_file_stem(tmp_path):
    path = tmp_path / "unnamed.onnx"
    onnx.save(linear_model(), path)
    assert Model(path).name == "unnamed"


# --------------------------------------------------------------------------- bad files


def _bad_files(tmp_path, good_file) -> dict:
    blob = good_file.read_bytes()
    files = {}
    files["truncated"] = tmp_path / "truncated.onnx"
    files["truncated"].write_bytes(blob[: len(blob) // 2])
    damaged = bytearray(blob)
    damaged[10:60] = b"\xff" * 50  # garbage over the graph header
    files["damaged"] = tmp_path / "damaged.onnx"
    files["damaged"].write_bytes(bytes(damaged))
    files["empty"] = tmp_path / "empty.onnx"
    files["empty"].write_bytes(b"")
    files["not_onnx"] = tmp_path / "picture.onnx"  # (a PNG signature: said to be an image)
    files["not_onnx"].write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    files["text"] = tmp_path / "notes.onnx"
    files["text"].write_text("this is not a model\n")
    for key, model in {
        "flat_input": linear_model(in_shape=("N", 784)),
        "five_outputs": linear_model(n_out=5),
        "fixed_batch": linear_model(in_shape=(1, 28, 28)),
        "uint8_input": linear_model(input_type=TensorProto.UINT8),
        "wrong_size": linear_model(in_shape=("N", 32, 32)),
        "logits": linear_model(softmax=False, seed=3),  # scores, not probabilities: confidences of 46.44
    }.items():
        files[key] = tmp_path / f"{key}.onnx"
        onnx.save(model, files[key])
    files["missing"] = tmp_path / "missing.onnx"
    return files


BAD = [
    "truncated",
    "damaged",
    "empty",
    "not_onnx",
    "text",
    "flat_input",
    "five_outputs",
    "fixed_batch",
    "uint8_input",
    "wrong_size",
    "logits",
    "missing",
]


@pytest.mark.parametrize("kind", BAD)
def test_bad_model_file_raises_model_error_naming_the_file(tmp_path, good_file, kind):
    path = _bad_files(tmp_path, good_file)[kind]
    with pytest.raises(ModelError) as info:
        Model(path)
    message = str(info.value)
    assert str(path) in message
    assert "\n" not in message
    assert any(word in message for word in ("export", "check the path", "reinstall", "another model"))
    if kind == "not_onnx":  # (onnxruntime's INVALID_PROTOBUF said nothing of what the file is)
        assert "a PNG image, not an ONNX model" in message and "INVALID_PROTOBUF" not in message


def test_a_folder_is_not_a_model(tmp_path):
    with pytest.raises(ModelError, match="folder"):
        Model(tmp_path)
    # a training run's folder holds no .onnx to pass: it is exported first (a new user's trial)
    (tmp_path / "model.keras").write_bytes(b"PK")
    with pytest.raises(ModelError, match=r"is a training run, not an ONNX model; export it first \(edgedigits export"):
        Model(tmp_path)


def test_a_shipped_models_file_name_is_that_model(tmp_path, monkeypatch):
    """'--model default.onnx' (no such file in the folder it runs in) is the shipped default (it was 'no such model
    file': a new user's trial); a file of that name in the folder comes first, and a path is only a path."""
    monkeypatch.chdir(tmp_path)
    assert resolve_model("default.onnx") == resolve_model("default")
    (tmp_path / "default.onnx").write_bytes(b"mine")
    assert resolve_model("default.onnx") == Path("default.onnx")
    with pytest.raises(ModelError, match="no such model file"):
        resolve_model("elsewhere/seed-mlp.onnx")


def test_a_model_of_the_users_in_the_models_folder_is_not_taken_for_a_shipped_one(tmp_path, monkeypatch):
    """A shipped model's kind comes from its card: a line model of the user's saved in the models folder without a
    card, or over a name whose card is another file's (its size), is opened as the line model, not refused as
    'the shipped digit model', and is listed as of a kind not known; the shipped default beside them is refused, and
    so is a shipped model whose file is a link to elsewhere (an install that links each file: its card is beside
    the link)."""
    import edgedigits.runtime.model as model_module

    line = (ROOT / "models" / "line.onnx").read_bytes()
    (tmp_path / "store").mkdir()
    (tmp_path / "store" / "line.onnx").write_bytes(line)
    (tmp_path / "line.onnx").symlink_to(tmp_path / "store" / "line.onnx")
    (tmp_path / "default.onnx").write_bytes((ROOT / "models" / "default.onnx").read_bytes())
    for name in ("default", "line"):
        (tmp_path / f"{name}.json").write_text((ROOT / "models" / f"{name}.json").read_text())
    (tmp_path / "mine.onnx").write_bytes(line)  # no card
    (tmp_path / "seed-mlp.onnx").write_bytes(line)  # under a digit model's card
    (tmp_path / "seed-mlp.json").write_text((ROOT / "models" / "seed-mlp.json").read_text())
    monkeypatch.setattr(model_module, "models_dir", lambda: tmp_path)
    assert LineModel("mine").path == tmp_path / "mine.onnx"
    assert LineModel("seed-mlp").path == tmp_path / "seed-mlp.onnx"
    with pytest.raises(ModelError, match="default: not a line model: it is the shipped digit model"):
        LineModel("default")
    with pytest.raises(ModelError, match="the shipped orientation models: none[.]$"):  # (none in this folder)
        OrientationModel("default")
    with pytest.raises(ModelError, match="line: not a digit model: it is the shipped line model"):
        Model("line")  # (the link)
    with pytest.raises(ModelError) as unknown:
        resolve_model("nosuch")
    assert "mine, seed-mlp (without a card: of a kind not known)" in str(unknown.value)
    assert "default (digit model, --model or --pencil-model); line (line model, --line-model)" in str(unknown.value)


def test_unknown_name_lists_the_shipped_models():
    with pytest.raises(ModelError) as info:
        resolve_model("no-such-model")
    message = str(info.value)
    assert "no-such-model" in message
    for name in shipped_names():
        assert name in message


def test_default_is_the_shipped_default_model():
    assert resolve_model(None).name == "default.onnx"
    assert resolve_model("default") == resolve_model(None)


@pytest.mark.parametrize("kind", ["missing", "damaged", "five_outputs"])
def test_cli_evaluate_with_a_bad_model_prints_one_line_and_fails(tmp_path, good_file, kind):
    path = _bad_files(tmp_path, good_file)[kind]
    run = subprocess.run(
        [sys.executable, "-m", "edgedigits.runtime.cli", "evaluate", "--model", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode != 0
    assert "Traceback" not in run.stderr
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and str(path) in lines[0] and lines[0].startswith("edgedigits: ")
    assert run.stdout == ""


def test_cli_evaluate_with_an_unknown_name_fails_cleanly():
    run = subprocess.run(
        [sys.executable, "-m", "edgedigits.runtime.cli", "evaluate", "--model", "nope"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode != 0 and "Traceback" not in run.stderr
    assert "nope" in run.stderr and "default" in run.stderr


@pytest.mark.parametrize("name", ["line", "orientation"])
def test_a_shipped_line_model_given_as_the_digit_model_says_which_to_pass(name, tmp_path):
    """`edgedigits models` lists line and orientation beside the digit models; `--model line` is refused by its
    name, saying what it is, the option it goes to and the shipped digit models (it said '.../site-packages/
    edgedigits/models/line.onnx' and tensor shapes). A line model file of the user's is told it is a text-line model,
    which models --model takes, and that a line recognizer goes to --line-model. Neither says 'Export the model with
    `edgedigits export`', which would not help."""
    with pytest.raises(ModelError) as info:
        Model(name)
    shipped = str(info.value)
    assert shipped.startswith(f"{name}: not a digit model: it is the shipped {name} model, which goes to --{name}-")
    assert shipped.endswith("the shipped digit models: default, default-int8, pencil, seed-mlp.")
    mine = tmp_path / "mine.onnx"
    mine.write_bytes((ROOT / "models" / f"{name}.onnx").read_bytes())
    with pytest.raises(ModelError) as info:
        Model(mine)
    message = str(info.value)
    assert f"{mine}: a text-line model" in message and "not a digit model" in message
    assert "(default, default-int8, pencil, seed-mlp)" in message and "--line-model" in message
    assert "an orientation classifier to --orientation-model" in message  # (now that the option exists)
    assert "edgedigits export" not in message and "edgedigits export" not in shipped


@pytest.mark.parametrize(
    "kind, name, said",
    [
        (LineModel, "default", "default: not a line model: it is the shipped digit model, which goes to --model or"),
        (OrientationModel, "line", "line: not an orientation model: it is the shipped line model, which goes to"),
        (DigitOrientationModel, "pencil", "pencil: not a digit-orientation model: it is the shipped digit model"),
        (Model, "digit-orientation", "digit-orientation: not a digit model: it is the shipped digit-orientation"),
    ],
)
def test_a_shipped_model_of_another_kind_is_named_as_given_with_its_option(kind, name, said):
    """A shipped model given where another kind goes is refused before a session opens, by the name given, with
    the option it goes to; the same through a reader, at once (its card says what it is), not at the first text
    line."""
    with pytest.raises(ModelError, match=re.escape(said)):
        kind(name)
    argument = {
        LineModel: "line_model",
        OrientationModel: "orientation_model",
        DigitOrientationModel: "digit_orientation_model",
        Model: "pencil_model",
    }[kind]
    with pytest.raises(ModelError, match=re.escape(said)):
        DigitReader(threads=1, **{argument: name})


def test_float_pixels_0_to_255_are_refused_like_uint8(mnist_test):
    """Float images in 0..255 (MNIST cast to float32, not divided) were read as ink everywhere: wrong digits
    without a word. They are refused with the uint8 message; the same images divided by 255 read right."""
    model = Model()
    images = mnist_test.images[:50]
    with pytest.raises(ValueError, match=r"in \[0, 1\], got float32 values up to 255.*divide .* by 255"):
        model.predict(images.astype(np.float32))
    with pytest.raises(ValueError, match="divide"):
        model.predict(images.astype(np.float64) / 254.0)  # (a little over 1 is let through: float rounding)
    predicted = model.predict(images.astype(np.float32) / 255.0).argmax(1)
    assert (predicted == mnist_test.labels[:50]).mean() > 0.95


def test_a_card_written_for_another_file_gives_no_figures(tmp_path, monkeypatch):
    """A model copied over a name beside that name's card (models/mine.onnx, a 45% model, next to the 96% model's
    mine.json) was listed with the card's figures (a new user's trial); the card records its file's size."""
    import shutil

    from edgedigits.runtime import model as model_module

    shipped = model_module.models_dir()
    for name in ("default", "seed-mlp"):
        shutil.copy(shipped / f"{name}.onnx", tmp_path / f"{name}.onnx")
        shutil.copy(shipped / f"{name}.json", tmp_path / f"{name}.json")
    shutil.copy(shipped / "seed-mlp.onnx", tmp_path / "default.onnx")  # the other model, over default's card
    monkeypatch.setattr(model_module, "models_dir", lambda: tmp_path)
    rows = {row["name"]: row for row in model_module.shipped_models()}
    assert rows["seed-mlp"]["accuracy"] == read_card(shipped / "seed-mlp.onnx")["test_accuracy"]
    assert rows["default"]["accuracy"] is None and "another model's" in rows["default"]["description"]


def test_a_lazy_model_opens_one_session_on_first_use_however_many_threads_ask():
    """model.LazyModel, which holds a reader's line, orientation, digit-orientation and pencil models: the file is
    found at once (a name that is no model is refused then), the session opened by the first ``get``, once."""
    from concurrent.futures import ThreadPoolExecutor

    from edgedigits.runtime.model import LazyModel, LineModel

    lazy = LazyModel(LineModel, "line", threads=1)
    assert not lazy.opened and lazy.file.endswith("line.onnx")
    with ThreadPoolExecutor(8) as pool:
        sessions = list(pool.map(lambda _: lazy.get(), range(8)))
    assert lazy.opened and all(s is sessions[0] for s in sessions) and isinstance(sessions[0], LineModel)
    given = LineModel("line")
    assert LazyModel(LineModel, given).get() is given and LazyModel(LineModel, given).file == str(given.path)
    none = LazyModel(LineModel, False)
    assert none.get() is None and none.file is False and not none.opened
    with pytest.raises(ModelError, match="no-such-model"):
        LazyModel(LineModel, "no-such-model")
