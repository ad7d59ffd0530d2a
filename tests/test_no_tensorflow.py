"""The runtime must import and run with TensorFlow absent: every runtime command runs here in a subprocess
where importing tensorflow, keras, tf2onnx, onnx or matplotlib raises ImportError."""

from __future__ import annotations

import json
import subprocess
import sys

BLOCKED = ("tensorflow", "keras", "tf2onnx", "onnx", "matplotlib", "tf_keras")

RUN_WITHOUT_TF = f"""
import sys, importlib.abc
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {BLOCKED!r}:
            raise ImportError("blocked for this test: " + name)
sys.meta_path.insert(0, Block())
from edgedigits.runtime.cli import main
sys.argv = ["edgedigits"] + sys.argv[1:]
try:
    main()
finally:
    loaded = sorted(m for m in sys.modules if m.split(".")[0] in {BLOCKED!r})
    print("LOADED:" + ",".join(loaded), file=sys.stderr)
"""


def run_without_tf(*args):
    return subprocess.run([sys.executable, "-c", RUN_WITHOUT_TF, *map(str, args)], capture_output=True, text=True,
                          timeout=300)


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
