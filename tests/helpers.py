"""Helpers shared by several test modules (a test module never imports another): the CLI as a command, test
images, a small ONNX model, and running the CLI where TensorFlow cannot be imported."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from typing import TYPE_CHECKING

import cv2
import numpy as np

if TYPE_CHECKING:
    import onnx


class KillsItsWorker:
    """A DigitReader whose worker process dies (SIGKILL, as from a crash in a decoder or the kernel's OOM killer)
    whenever a batch holds an input named ``poison.png``: for the worker pool's recovery (runtime/parallel.py).
    Built in each worker by ``make_reader``, so it lives in a module the worker processes can import."""

    def __init__(self) -> None:
        from edgedigits.runtime import DigitReader

        self.reader = DigitReader(threads=1)

    def read_batch(self, images: list) -> list:
        import signal

        if any(str(image).endswith("poison.png") for image in images):
            os.kill(os.getpid(), signal.SIGKILL)
        return self.reader.read_batch(images)


def scene_pages(mnist_test, n: int, seed: int):
    """Pages as benchmarks/accuracy.py's clean scenes: 2-8 MNIST test digits in 1-3 lines (synth.paper_scene):
    (image uint8 [H, W, 3] BGR, text) pairs."""
    from edgedigits.runtime.synth import paper_scene

    rng = np.random.default_rng([seed, 41])
    for _ in range(n):
        k = int(rng.integers(2, 9))
        index = rng.choice(len(mnist_test.images), k, replace=False)
        lines = int(rng.integers(1, min(3, k) + 1))
        yield paper_scene(
            [mnist_test.images[i] for i in index], rng, lines=lines, labels=[int(mnist_test.labels[i]) for i in index]
        )


def paper_digit(digit28: np.ndarray, size: int = 140) -> np.ndarray:
    """An MNIST test digit as dark ink on white paper, upscaled with a margin (a scanned single digit)."""
    big = cv2.resize(digit28, (size, size), interpolation=cv2.INTER_CUBIC)
    return cv2.copyMakeBorder(255 - big, size // 4, size // 4, size // 4, size // 4, cv2.BORDER_CONSTANT, value=255)


def three_page_scan(mnist_test, first: tuple[int, ...], third: tuple[int, ...]) -> tuple[list[np.ndarray], list[str]]:
    """A scanned document of three pages, as arrays: MNIST test digits ``first`` (indices) on a line of paper, a
    blank page, and digits ``third`` on two lines (the pages of different sizes); and the text of each page."""
    from edgedigits.runtime import synth

    rng = np.random.default_rng(20261203)
    labels = mnist_test.labels
    one, one_text = synth.paper_scene(
        [mnist_test.images[i] for i in first], rng, labels=[int(labels[i]) for i in first]
    )
    three, three_text = synth.paper_scene(
        [mnist_test.images[i] for i in third], rng, lines=2, labels=[int(labels[i]) for i in third]
    )
    return [one, np.full((240, 320), 245, np.uint8), three], [one_text, "", three_text]


def as_unprivileged():
    """The command prefix that runs the CLI without permission to bypass file modes.

    CI runs as root, and root reads a mode-000 file; dropping CAP_DAC_OVERRIDE/CAP_DAC_READ_SEARCH from the
    bounding set (setpriv, util-linux) makes the permission check real again.
    """
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    assert setpriv, "setpriv (util-linux) is needed to test permission errors as root"
    return [setpriv, "--bounding-set=-dac_override,-dac_read_search"]


def scene_frame(digits: list[np.ndarray], shift: int, rng: np.random.Generator) -> np.ndarray:
    """A 640x480 frame: MNIST test digits as dark ink on slightly uneven, noisy paper, moving sideways."""
    ys, xs = np.mgrid[0:480, 0:640]
    paper = 200 + 30 * (xs / 640) - 20 * (ys / 480)
    frame = paper + rng.normal(0, 4, paper.shape)
    for i, digit in enumerate(digits):
        big = cv2.resize(digit, (90, 90), interpolation=cv2.INTER_CUBIC).astype(np.float32) / 255
        x, y = 120 + i * 110 + shift, 180
        frame[y : y + 90, x : x + 90] = frame[y : y + 90, x : x + 90] * (1 - 0.85 * big)
    return cv2.cvtColor(np.clip(frame, 0, 255).astype(np.uint8), cv2.COLOR_GRAY2BGR)


def linear_model(
    in_shape=("N", 28, 28),
    n_out: int = 10,
    metadata: dict | None = None,
    seed: int = 0,
    input_type: int | None = None,
    softmax: bool = True,
) -> onnx.ModelProto:
    """image -> Reshape [N, 784] -> MatMul -> Softmax -> probabilities, with random weights (``input_type``: an
    onnx.TensorProto element type, float by default; ``softmax=False``: the scores (logits) as 'probabilities')."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    input_type = TensorProto.FLOAT if input_type is None else input_type
    rng = np.random.default_rng(seed)
    features = int(np.prod([d for d in in_shape[1:]]))
    weights = numpy_helper.from_array(rng.normal(0, 0.05, (features, n_out)).astype(np.float32), "w")
    shape = numpy_helper.from_array(np.array([-1, features], dtype=np.int64), "shape")
    nodes = []
    source = "image"
    if input_type != TensorProto.FLOAT:
        nodes.append(helper.make_node("Cast", ["image"], ["image_f"], to=TensorProto.FLOAT))
        source = "image_f"
    nodes += [
        helper.make_node("Reshape", [source, "shape"], ["flat"]),
        helper.make_node("MatMul", ["flat", "w"], ["logits" if softmax else "probabilities"]),
    ]
    if softmax:
        nodes.append(helper.make_node("Softmax", ["logits"], ["probabilities"], axis=-1))
    graph = helper.make_graph(
        nodes,
        "test",
        [helper.make_tensor_value_info("image", input_type, list(in_shape))],
        [helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, [in_shape[0], n_out])],
        [weights, shape],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    for key, value in (metadata or {}).items():
        entry = model.metadata_props.add()
        entry.key, entry.value = key, json.dumps(value)
    onnx.checker.check_model(model)
    return model


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
    return subprocess.run(
        [sys.executable, "-c", RUN_WITHOUT_TF, *map(str, args)], capture_output=True, text=True, timeout=300
    )


def x_screenshot(display: str) -> np.ndarray:
    """The whole screen of X display ``display`` (e.g. ":91") as a uint8 BGR array [H, W, 3], taken with
    ``xwd -root`` (x11-apps) and decoded here (XWD: a 100-byte big-endian header, the window name, a colour
    map, then rows of 32-bit pixels)."""
    import struct

    data = subprocess.run(
        ["xwd", "-root", "-silent", "-display", display], capture_output=True, check=True, timeout=30
    ).stdout
    fields = struct.unpack(">25I", data[:100])
    header_size, width, height, byte_order, bytes_per_line, colours = (fields[i] for i in (0, 4, 5, 7, 12, 19))
    assert bytes_per_line == 4 * width, f"xwd gave {bytes_per_line} bytes per line for {width} pixels"
    pixels = np.frombuffer(data, np.uint8, bytes_per_line * height, header_size + 12 * colours)
    pixels = pixels.reshape(height, width, 4)
    return pixels[:, :, :3] if byte_order == 0 else pixels[:, :, :0:-1]  # LSB first: B, G, R, unused
