"""The runtime must import and run with TensorFlow absent: every runtime command runs here in a subprocess
where importing tensorflow, keras, tf2onnx, onnx or matplotlib raises ImportError (helpers.run_without_tf)."""

from __future__ import annotations

import json

from helpers import run_without_tf


def test_classify_runs_without_tensorflow(tmp_path, mnist_test):
    import cv2

    cv2.imwrite(str(tmp_path / "seven.png"), 255 - cv2.resize(mnist_test.images[0], (112, 112)))
    result = run_without_tf("classify", tmp_path, "--format", "jsonl")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["text"] == str(mnist_test.labels[0])
    assert result.stderr.rstrip().endswith("LOADED:")


def test_evaluate_and_models_run_without_tensorflow():
    for args in (["models"], ["evaluate", "--model", "seed-mlp", "--format", "json"]):
        result = run_without_tf(*args)
        assert result.returncode == 0, (args, result.stderr)
        assert result.stderr.rstrip().endswith("LOADED:")
