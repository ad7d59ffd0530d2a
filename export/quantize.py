"""Static int8 quantization with onnxruntime, calibrated on MNIST training images.

Choices, measured on the cnn run that became ``models/default.onnx`` (float 84,967 bytes, 99.51 %):

| format, weights          | int8 bytes | x smaller | accuracy | same digit as float |
|--------------------------|-----------:|----------:|---------:|--------------------:|
| QOperator, per tensor    |     27,875 |      3.05 |  99.51 % |             99.98 % |
| QOperator, per channel   |     30,655 |      2.77 |  99.45 % |             99.85 % |
| QDQ, per tensor          |     30,998 |      2.74 |  99.51 % |             99.98 % |
| QDQ, per channel         |     38,524 |      2.21 |  99.45 % |             99.85 % |

(``quantize_int8`` on the exported float model, 1000 calibration images; the shipped files with their own
metadata: 84,964 and 27,963 bytes, 3.04x, both 99.51 %). So: QOperator (QLinearConv,
QGemm: fewer nodes than QDQ's Quantize/Dequantize pairs), int8 weights per tensor (at ~21 k parameters the
per-channel scales, zero points and int32 biases are a visible share of the file, and per tensor was no less
accurate here), uint8 activations (onnxruntime's U8S8 kernels), min-max calibration on a fixed, seeded
sample of training images. The softmax stays in float so probabilities keep their resolution. The graph
first goes through ``quant_pre_process`` (graph optimizations such as folding batch norm into the
convolutions; the symbolic shape pass, which needs sympy, is skipped) so fewer tensors need quantizing.
On a 2-core x86 machine the int8 model is not faster than the float one for these tiny convolutions: the
gain is size.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np

from .convert import INPUT_NAME, ExportError

CALIBRATION_IMAGES = 1000
CALIBRATION_SEED = 0
CALIBRATION_BATCH = 100
FORMAT = "qoperator"
PER_CHANNEL = False
# Quantize everything that carries weights or sits between them; keep Softmax (the output) in float.
OP_TYPES = [
    "Conv",
    "MatMul",
    "Gemm",
    "Add",
    "Mul",
    "Relu",
    "Clip",
    "GlobalAveragePool",
    "AveragePool",
    "MaxPool",
    "Reshape",
    "Transpose",
    "Flatten",
    "Squeeze",
    "Unsqueeze",
]


def calibration_images(count: int = CALIBRATION_IMAGES, data_dir=None, seed: int = CALIBRATION_SEED) -> np.ndarray:
    """``count`` training images, float32 [count, 28, 28] in [0, 1], the same ones for the same seed."""
    from edgedigits.runtime import mnist

    train = mnist.load("train", data_dir)
    count = min(count, len(train.images))
    rows = np.sort(np.random.default_rng(seed).choice(len(train.images), count, replace=False))
    return train.images[rows].astype(np.float32) / np.float32(255.0)


def quantize_int8(float_proto, images: np.ndarray, quant_format: str = FORMAT, per_channel: bool = PER_CHANNEL):
    """Quantize ``float_proto`` (an ``onnx.ModelProto``) to int8; returns the quantized ``ModelProto``."""
    import onnx
    from onnxruntime.quantization import (
        CalibrationDataReader,
        CalibrationMethod,
        QuantFormat,
        QuantType,
        quantize_static,
    )
    from onnxruntime.quantization.shape_inference import quant_pre_process

    batches = [images[i : i + CALIBRATION_BATCH] for i in range(0, len(images), CALIBRATION_BATCH)]

    class Reader(CalibrationDataReader):
        def __init__(self):
            self.feeds = iter({INPUT_NAME: np.ascontiguousarray(b, dtype=np.float32)} for b in batches)

        def get_next(self):
            return next(self.feeds, None)

    fmt = {"qoperator": QuantFormat.QOperator, "qdq": QuantFormat.QDQ}[quant_format.lower()]
    with tempfile.TemporaryDirectory(prefix="edgedigits-quant-") as folder:
        tmp = Path(folder)
        onnx.save(float_proto, tmp / "float.onnx")
        try:
            quant_pre_process(str(tmp / "float.onnx"), str(tmp / "pre.onnx"), skip_symbolic_shape=True)
            quantize_static(
                str(tmp / "pre.onnx"),
                str(tmp / "int8.onnx"),
                Reader(),
                quant_format=fmt,
                per_channel=per_channel,
                weight_type=QuantType.QInt8,
                activation_type=QuantType.QUInt8,
                calibrate_method=CalibrationMethod.MinMax,
                op_types_to_quantize=OP_TYPES,
            )
        except Exception as exc:
            raise ExportError(f"int8 quantization failed ({exc}). Nothing was written.") from exc
        return onnx.load(str(tmp / "int8.onnx"))


def settings(images: int, quant_format: str = FORMAT, per_channel: bool = PER_CHANNEL) -> dict:
    """How a model was quantized, for its metadata and card."""
    return {
        "method": "onnxruntime.quantization.quantize_static",
        "format": quant_format.upper() if quant_format == "qdq" else "QOperator",
        "weights": "int8, per channel" if per_channel else "int8, per tensor",
        "activations": "uint8, min-max calibration",
        "calibration": f"{images} MNIST training images, numpy default_rng({CALIBRATION_SEED}) sample",
        "calibration_images": images,
        "kept_in_float": ["Softmax"],
    }
