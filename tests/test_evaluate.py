"""`evaluate` and `edgedigits evaluate` on the real MNIST test set, with a nearest-class-mean model.

The model is built here from MNIST training means (no training, no TensorFlow): logits = x . m_c - |m_c|^2 / 2.
Its accuracy (~82 %) is known independently from NumPy, so the runtime's figures can be checked.
"""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from edgedigits.runtime.evaluate import confusion_matrix, evaluate, format_text, worst_confusions
from edgedigits.runtime.model import Model


@pytest.fixture(scope="module")
def class_means(mnist_train):
    x = mnist_train.images.reshape(len(mnist_train.images), -1).astype(np.float32) / 255.0
    return np.stack([x[mnist_train.labels == d].mean(axis=0) for d in range(10)])


@pytest.fixture(scope="module")
def means_model(tmp_path_factory, class_means):
    weights = class_means.T.astype(np.float32)  # [784, 10]
    bias = (-0.5 * (class_means**2).sum(axis=1)).astype(np.float32)
    graph = helper.make_graph(
        [
            helper.make_node("Reshape", ["image", "shape"], ["flat"]),
            helper.make_node("Gemm", ["flat", "w", "b"], ["logits"]),
            helper.make_node("Mul", ["logits", "temperature"], ["scaled"]),
            helper.make_node("Softmax", ["scaled"], ["probabilities"], axis=-1),
        ],
        "means",
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, ["N", 28, 28])],
        [helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, ["N", 10])],
        [
            numpy_helper.from_array(weights, "w"),
            numpy_helper.from_array(bias, "b"),
            numpy_helper.from_array(np.array([-1, 784], np.int64), "shape"),
            numpy_helper.from_array(np.array(10.0, np.float32), "temperature"),
        ],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    entry = model.metadata_props.add()
    entry.key, entry.value = "name", json.dumps("class-means")
    path = tmp_path_factory.mktemp("means") / "means.onnx"
    onnx.save(model, path)
    return path


@pytest.fixture(scope="module")
def expected(mnist_test, class_means):
    x = mnist_test.images.reshape(len(mnist_test.images), -1).astype(np.float64) / 255.0
    logits = x @ class_means.T.astype(np.float64) - 0.5 * (class_means.astype(np.float64) ** 2).sum(axis=1)
    return logits.argmax(axis=1)


def test_evaluate_reports_accuracy_per_class_and_confusions(means_model, mnist_test, expected):
    report = evaluate(Model(means_model))
    labels = mnist_test.labels
    assert report["model"] == "class-means"
    assert report["n"] == 10000
    # Float32 (onnxruntime) and float64 (NumPy) may split a near tie differently: allow two images.
    assert abs(report["accuracy"] - (expected == labels).mean()) <= 2e-4
    assert 0.75 < report["accuracy"] < 0.9
    wrong = set(np.flatnonzero(expected != labels).tolist())  # the errors NumPy's float64 arithmetic makes
    assert len(report["error_indices"]) == report["errors"] and len(set(report["error_indices"]) ^ wrong) <= 2
    confusion = np.array(report["confusion_matrix"])
    assert confusion.sum() == 10000 and np.trace(confusion) == report["n"] - report["errors"]
    for digit, accuracy in report["per_class_accuracy"].items():
        d = int(digit)
        assert accuracy == pytest.approx(confusion[d, d] / (labels == d).sum(), abs=1e-6)
    counts = [c["count"] for c in report["worst_confusions"]]
    assert counts == sorted(counts, reverse=True) and len(counts) == 5
    top = report["worst_confusions"][0]
    assert top["true"] != top["predicted"] and confusion[top["true"], top["predicted"]] == top["count"]
    assert report["seconds"] > 0
    text = format_text(report)
    assert "class-means" in text and f"{report['accuracy']:.2%}" in text and "->" in text


def test_evaluate_accepts_a_path(means_model):
    assert evaluate(str(means_model))["n"] == 10000


def test_confusion_helpers():
    labels = np.array([0, 0, 1, 1, 1, 2, 7, 7])
    predicted = np.array([0, 6, 1, 7, 7, 2, 1, 1])
    confusion = confusion_matrix(labels, predicted)
    assert confusion.shape == (10, 10) and confusion.sum() == 8
    assert worst_confusions(confusion, top=2) == [
        {"true": 1, "predicted": 7, "count": 2},
        {"true": 7, "predicted": 1, "count": 2},
    ]
    assert worst_confusions(confusion_matrix(labels, labels)) == []


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "edgedigits.runtime.cli", *args], capture_output=True, text=True, timeout=300
    )


def test_cli_evaluate_json(means_model):
    run = _cli("evaluate", "--model", str(means_model), "--format", "json")
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    assert report["n"] == 10000
    assert report["accuracy"] == evaluate(Model(means_model))["accuracy"]
    assert set(report["per_class_accuracy"]) == {str(d) for d in range(10)}


def test_cli_evaluate_text(means_model):
    run = _cli("evaluate", "--model", str(means_model))
    assert run.returncode == 0, run.stderr
    assert "MNIST test accuracy" in run.stdout and "worst confusions" in run.stdout


def test_cli_evaluate_rejects_an_unknown_format(means_model):
    run = _cli("evaluate", "--model", str(means_model), "--format", "yaml")
    assert run.returncode != 0 and "yaml" in run.stderr and "Traceback" not in run.stderr


def test_cli_evaluate_with_missing_data_fails_cleanly(means_model, tmp_path, monkeypatch):
    monkeypatch.setenv("EDGEDIGITS_MNIST_MIRRORS", "http://127.0.0.1:9/")  # nothing listens: fails fast
    run = _cli("evaluate", "--model", str(means_model), "--data", str(tmp_path))
    assert run.returncode != 0 and "Traceback" not in run.stderr
    assert str(tmp_path) in run.stderr


def test_cli_evaluate_refuses_negative_threads_as_a_usage_error(means_model):
    """--threads -1: exit 2 with one line naming the option, as --workers 0 on classify; it was a ValueError
    traceback from Model (exit 1)."""
    run = _cli("evaluate", "--model", str(means_model), "--threads", "-1")
    assert run.returncode == 2 and "--threads" in run.stderr and "Traceback" not in run.stderr, run.stderr


def test_cli_evaluate_with_data_that_is_a_file_says_so(means_model, tmp_path, monkeypatch):
    """--data naming a file (an image, the .gz itself) or a folder below a file: exit 2 with one line saying what
    is wrong and what to do. It was a FileExistsError (or NotADirectoryError) traceback from mkdir."""
    monkeypatch.setenv("EDGEDIGITS_MNIST_MIRRORS", "http://127.0.0.1:9/")  # nothing listens: fails fast
    a_file = tmp_path / "t10k-images-idx3-ubyte.gz"
    a_file.write_bytes(b"\x1f\x8b not really")
    for data, said in ((a_file, "is a file, not a folder"), (a_file / "mnist", "cannot create the folder")):
        run = _cli("evaluate", "--model", str(means_model), "--data", str(data))
        assert run.returncode == 2 and "Traceback" not in run.stderr, run.stderr
        assert f"edgedigits: {data}: {said}" in run.stderr and "--data" in run.stderr
