"""Keras -> ONNX export on a briefly trained model: parity, metadata, dynamic batch, int8, failure paths.

Real TensorFlow, tf2onnx, onnxruntime and MNIST; one short training run (seed preset, 2000 images, 1 epoch)
shared by the module.
"""

from __future__ import annotations

import hashlib
import json
import os

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

pytest.importorskip("tensorflow")
pytest.importorskip("tf2onnx")

from edgedigits.export import ExportError, ParityError, export_model  # noqa: E402
from edgedigits.export.flops import count_macs  # noqa: E402
from edgedigits.export.parity import check_parity  # noqa: E402
from edgedigits.runtime.evaluate import evaluate  # noqa: E402
from edgedigits.runtime.model import Model  # noqa: E402


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    from edgedigits.train.fit import train

    out = tmp_path_factory.mktemp("run")
    train("seed", out, subset=2000, epochs=1, verbose=0)
    return out


@pytest.fixture(scope="module")
def keras_model(run_dir):
    import keras

    return keras.models.load_model(run_dir / "model.keras", compile=False)


@pytest.fixture(scope="module")
def exported(run_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("export") / "tiny.onnx"
    result = export_model(run_dir, out, quantize_to="int8", calibration_images=200, command="pytest export")
    return out, result


@pytest.fixture
def test_images(mnist_test):
    return mnist_test.images.astype(np.float32) / np.float32(255.0)


def test_export_writes_a_checked_model_with_the_edgedigits_interface(exported):
    out, result = exported
    proto = onnx.load(out)
    onnx.checker.check_model(proto, full_check=True)
    (image,), (probabilities,) = proto.graph.input, proto.graph.output
    assert image.name == "image" and probabilities.name == "probabilities"
    dims = [d.dim_param or d.dim_value for d in image.type.tensor_type.shape.dim]
    assert dims == ["N", 28, 28] and image.type.tensor_type.elem_type == TensorProto.FLOAT
    assert [d.dim_param or d.dim_value for d in probabilities.type.tensor_type.shape.dim] == ["N", 10]
    assert sorted(p.name for p in out.parent.iterdir()) == [
        "tiny-int8.json",
        "tiny-int8.onnx",
        "tiny.json",
        "tiny.onnx",
    ]


def test_parity_holds_and_both_accuracies_are_reported(exported, mnist_test):
    _, result = exported
    f = result["float"]
    assert f["parity"]["images"] == len(mnist_test.labels) == 10000
    assert f["parity"]["argmax_disagreements"] == 0
    assert f["parity"]["max_abs_diff"] <= 1e-5
    assert f["keras_test_accuracy"] == pytest.approx(f["test_accuracy"], abs=1e-12)
    assert 0.5 < f["test_accuracy"] < 1


def test_dynamic_batch_1_and_1000_match_keras(exported, keras_model, test_images):
    out, _ = exported
    model = Model(out)
    for n in (1, 1000):
        onnx_p = model.predict(test_images[:n])
        keras_p = keras_model.predict(test_images[:n], verbose=0)
        assert onnx_p.shape == (n, 10)
        np.testing.assert_allclose(onnx_p, keras_p, atol=1e-5)
        assert (onnx_p.argmax(1) == keras_p.argmax(1)).all()


def test_metadata_describes_the_model(exported, run_dir):
    out, result = exported
    meta = Model(out).metadata
    assert meta["name"] == "tiny" and meta["preset"] == "seed"
    assert meta["labels"] == [str(d) for d in range(10)]
    assert meta["input"] == "float32 [N,28,28], white digit on black, [0,1]"
    assert isinstance(meta["preprocessing_version"], str) and meta["preprocessing_version"]
    assert meta["test_accuracy"] == result["float"]["test_accuracy"]
    assert meta["params"] == 784 * 128 + 128 + 128 * 64 + 64 + 64 * 10 + 10
    assert meta["mflops_per_digit"] == round(2 * (784 * 128 + 128 * 64 + 64 * 10) / 1e6, 4)
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert meta["training"]["epochs"] == 1 and meta["training"]["test_accuracy"] == metrics["test_accuracy"]
    assert meta["training"]["data_sha256"] == metrics["data_sha256"] == meta["data_sha256"]
    assert "command" in meta["training"]
    assert meta["export"]["command"] == "pytest export"
    assert meta["export"]["file_bytes"] == out.stat().st_size
    assert meta["export"]["parity"]["max_abs_diff"] <= 1e-5
    assert {"tensorflow", "tf2onnx", "onnx", "onnxruntime"} <= set(meta["export"]["versions"])
    raw = {p.key: p.value for p in onnx.load(out).metadata_props}
    assert all(isinstance(json.loads(v), (str, int, float, list, dict)) for v in raw.values())


def test_card_matches_the_file_and_the_runtime_evaluation(exported):
    out, _ = exported
    card = json.loads(out.with_suffix(".json").read_text())
    assert card["size_bytes"] == out.stat().st_size
    assert card["sha256"] == hashlib.sha256(out.read_bytes()).hexdigest()
    assert card["test_accuracy"] == evaluate(Model(out))["accuracy"]
    assert card["commands"]["export"] == "pytest export"
    assert card["int8"]["file"] == "tiny-int8.onnx"
    assert set(card["data_sha256"]) == {
        "train-images-idx3-ubyte",
        "train-labels-idx1-ubyte",
        "t10k-images-idx3-ubyte",
        "t10k-labels-idx1-ubyte",
    }


def test_int8_model_is_smaller_and_close_in_accuracy(exported):
    out, result = exported
    q = result["int8"]
    q_path = out.with_name("tiny-int8.onnx")
    assert q_path.stat().st_size == q["size_bytes"] < out.stat().st_size / 3
    assert q["size_ratio"] == pytest.approx(out.stat().st_size / q_path.stat().st_size, rel=1e-3)
    model = Model(q_path)
    assert model.name == "tiny-int8"
    assert model.metadata["quantization"]["calibration_images"] == 200
    proto = onnx.load(q_path)
    int8_weights = sum(np.prod(i.dims) for i in proto.graph.initializer if i.data_type == TensorProto.INT8)
    assert int8_weights >= 784 * 128 + 128 * 64 + 64 * 10  # every weight matrix is stored as int8
    report = evaluate(model)
    assert report["accuracy"] == q["test_accuracy"]
    assert abs(q["accuracy_loss_points"]) < 2.0
    card = json.loads(q_path.with_suffix(".json").read_text())
    assert card["size_bytes"] == q["size_bytes"] and card["test_accuracy"] == q["test_accuracy"]


def test_parity_failure_raises_and_writes_nothing(run_dir, tmp_path):
    out = tmp_path / "strict.onnx"
    with pytest.raises(ParityError, match="parity check failed"):
        export_model(run_dir, out, tolerance=0.0)
    assert os.listdir(tmp_path) == []


def test_an_altered_onnx_model_fails_the_parity_check(exported, keras_model, test_images, tmp_path):
    out, _ = exported
    proto = onnx.load(out)
    last_matmul = [n for n in proto.graph.node if n.op_type == "MatMul"][-1]
    weight = next(i for i in proto.graph.initializer if i.name == last_matmul.input[1])
    weight.CopyFrom(numpy_helper.from_array(numpy_helper.to_array(weight) * 1.05, weight.name))
    altered = tmp_path / "altered.onnx"
    onnx.save(proto, altered)
    keras_p = keras_model.predict(test_images, batch_size=1000, verbose=0)
    with pytest.raises(ParityError, match="largest probability difference"):
        check_parity(keras_p, Model(altered).predict(test_images))
    assert check_parity(keras_p, Model(out).predict(test_images))["argmax_disagreements"] == 0


def test_export_refuses_a_missing_source_and_a_wrong_suffix(tmp_path, run_dir):
    with pytest.raises(ExportError, match="no such run folder"):
        export_model(tmp_path / "nothing", tmp_path / "x.onnx")
    with pytest.raises(ExportError, match="model.keras"):
        export_model(tmp_path, tmp_path / "x.onnx")
    with pytest.raises(ExportError, match=".onnx"):
        export_model(run_dir, tmp_path / "x.bin")


def test_an_out_that_cannot_be_written_is_named_and_nothing_is_written(run_dir, tmp_path):
    """--out below a file, or naming a folder: ExportError naming it (exit 1, one line), nothing written. Was a
    FileExistsError traceback from mkdir, and an IsADirectoryError after the card was renamed into place."""
    taken = tmp_path / "notes.onnx"
    taken.write_text("keep me")
    with pytest.raises(ExportError, match=f"{taken / 'x.onnx'}: cannot be written .*{taken}"):
        export_model(run_dir, taken / "x.onnx")
    (tmp_path / "folder.onnx").mkdir()
    with pytest.raises(ExportError, match="folder.onnx: is a folder"):
        export_model(run_dir, tmp_path / "folder.onnx")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["folder.onnx", "notes.onnx"]
    assert taken.read_text() == "keep me" and not any((tmp_path / "folder.onnx").iterdir())


@pytest.mark.parametrize("count", [0, -5])
def test_int8_calibration_on_no_images_is_refused_by_name(run_dir, tmp_path, count):
    """--calibration 0 was 'int8 quantization failed (No data is collected.)', -5 a ValueError traceback from
    NumPy, each after the float model was converted and checked."""
    with pytest.raises(ExportError, match=f"--calibration {count}: must be at least 1"):
        export_model(run_dir, tmp_path / "q.onnx", quantize_to="int8", calibration_images=count)
    assert list(tmp_path.iterdir()) == []


def test_cli_export_prints_both_accuracies(run_dir, tmp_path):
    from typer.testing import CliRunner

    from edgedigits.runtime.cli import app

    out = tmp_path / "cli.onnx"
    result = CliRunner().invoke(app, ["export", str(run_dir), "--out", str(out), "--no-card"])
    assert result.exit_code == 0, result.output
    assert "Keras" in result.output and "ONNX" in result.output and str(out) in result.output
    assert out.is_file() and not out.with_suffix(".json").exists()
    failed = CliRunner().invoke(app, ["export", str(tmp_path / "nothing"), "--out", str(out)])
    assert failed.exit_code == 2 and "no such run folder" in failed.output  # a usage error: 2 (it was 1)
    wrong = CliRunner().invoke(app, ["export", str(run_dir), "--out", str(tmp_path / "model.txt")])
    assert wrong.exit_code == 2 and "must end in .onnx" in wrong.output
    for opset in ("1", "5", "19"):  # tf2onnx's traceback, a graph with stray inputs, 'not supported yet' (exit 1)
        refused = CliRunner().invoke(app, ["export", str(run_dir), "--out", str(tmp_path / "o.onnx"), "--opset", opset])
        assert refused.exit_code == 2 and f"--opset {opset}: export takes opsets 13 to 18" in refused.output
    assert not (tmp_path / "o.onnx").exists()
    # a model already at --out is not replaced unless asked (a new user's export over models/default.onnx)
    before = out.read_bytes()
    again = CliRunner().invoke(app, ["export", str(run_dir), "--out", str(out), "--no-card"])
    assert again.exit_code == 2 and "would replace" in again.output and "--overwrite" in again.output
    assert out.read_bytes() == before
    replaced = CliRunner().invoke(app, ["export", str(run_dir), "--out", str(out), "--no-card", "--overwrite"])
    assert replaced.exit_code == 0, replaced.output
    accuracy = float(result.output.split("ONNX ")[1].split("%")[0]) / 100
    assert ("far below the shipped models" in result.output) == (accuracy < 0.9)


def test_an_interrupted_export_says_that_nothing_was_written(run_dir, tmp_path):
    """Ctrl-C while the model is checked (its throwaway probe file is there): exit 130 with a word, and nothing in
    --out's folder (it was a silent exit 130: a new user's trial)."""
    import signal
    import subprocess
    import sys
    import time

    folder = tmp_path / "models"
    folder.mkdir()
    process = subprocess.Popen(
        [sys.executable, "-m", "edgedigits.runtime.cli", "export", str(run_dir), "--out", str(folder / "m.onnx")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 120
    while not list(folder.iterdir()) and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stderr
    assert "export interrupted: nothing was written" in stderr
    assert not list(folder.iterdir())


@pytest.mark.parametrize(
    "loss, words",
    [
        (-0.25, "0.25 points more accurate"),
        (0.1, "0.10 points less accurate"),
        (0.004, "as accurate"),
        (0, "as accurate"),
    ],
)
def test_the_int8_line_says_in_words_whether_int8_is_more_or_less_accurate(loss, words):
    """The export's int8 line printed '-0.25 points' when int8 was 0.25 points more accurate."""
    from edgedigits.runtime.cli import accuracy_change

    assert accuracy_change(loss) == words


def test_cli_export_int8_line_reads_right(run_dir, tmp_path):
    from typer.testing import CliRunner

    from edgedigits.runtime.cli import app

    out = tmp_path / "q.onnx"
    args = ["export", str(run_dir), "--out", str(out), "--quantize", "int8", "--calibration", "200"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    loss = (json.loads(out.with_suffix(".json").read_text())["test_accuracy"] * 100) - (
        json.loads(out.with_name("q-int8.json").read_text())["test_accuracy"] * 100
    )
    int8_line = next(line for line in result.output.splitlines() if line.startswith("  int8"))
    expected = "as accurate" if round(abs(loss), 2) == 0 else ("less" if loss > 0 else "more") + " accurate"
    assert expected in int8_line and "at most 0.2 points less accurate, at least 3.0x smaller" in int8_line
    # exported again in float alone: the int8 model left from before is pointed out
    again = CliRunner().invoke(app, ["export", str(run_dir), "--out", str(out), "--overwrite"])
    assert again.exit_code == 0, again.output
    assert f"note: {out.with_name('q-int8.onnx')} is from an earlier export" in again.output


def test_flop_counter_counts_convolutions():
    w = numpy_helper.from_array(np.zeros((8, 1, 3, 3), np.float32), "w")
    dw = numpy_helper.from_array(np.zeros((8, 1, 3, 3), np.float32), "dw")
    graph = helper.make_graph(
        [
            helper.make_node("Reshape", ["image", "shape"], ["x"]),
            helper.make_node("Conv", ["x", "w"], ["y"], pads=[1, 1, 1, 1]),  # 28x28x8, 9 MACs each
            helper.make_node("Conv", ["y", "dw"], ["z"], group=8, strides=[2, 2], pads=[1, 1, 1, 1]),
        ],  # 14x14x8
        "g",
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, ["N", 28, 28])],
        [helper.make_tensor_value_info("z", TensorProto.FLOAT, None)],
        [w, dw, numpy_helper.from_array(np.array([-1, 1, 28, 28], np.int64), "shape")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    assert count_macs(model) == 28 * 28 * 8 * 9 + 14 * 14 * 8 * 9


def test_init_commands_follow_runs_and_a_shipped_onnx_models_card(tmp_path):
    """export.metadata.init_commands: the commands that remake a run's starting weights, oldest first, through
    run folders and through a shipped .onnx model (its card's commands.init and commands.train)."""
    from edgedigits.export.metadata import init_commands

    shipped = tmp_path / "line.onnx"
    shipped.write_bytes(b"")
    card = {"commands": {"init": ["train A"], "train": "train B --init runs/a", "export": "export B"}}
    shipped.with_suffix(".json").write_text(json.dumps(card))
    first = tmp_path / "first"
    first.mkdir()
    (first / "metrics.json").write_text(json.dumps({"command": f"train C --init {shipped}", "init": str(shipped)}))
    assert init_commands({"init": str(first)}) == ["train A", "train B --init runs/a", f"train C --init {shipped}"]
    assert init_commands({"init": str(tmp_path / "gone")}) == []


def test_a_keras_file_given_as_a_model_says_to_export_it(run_dir):
    """--model runs/cnn/model.keras was 'not a usable ONNX model (... Protobuf parsing failed.); the file is
    damaged, truncated or not ONNX' (a new user's trial): a sound Keras file, to be exported."""
    from edgedigits.runtime.model import Model, ModelError

    with pytest.raises(ModelError, match=r"model\.keras: a Keras model file, not ONNX; export it first"):
        Model(run_dir / "model.keras")
