"""Evaluate an ONNX model on the MNIST test set through the runtime (no TensorFlow).

    report = evaluate("default")           # or a Model, or a path to an .onnx file
    report["accuracy"], report["n"]         # 0.99.., 10000

The figures in the model cards come from this function (``edgedigits evaluate``).
"""

from __future__ import annotations

import os
import time

import numpy as np

from . import mnist
from .model import N_CLASSES, Model, OnnxModel, not_a_digit_model


def confusion_matrix(labels: np.ndarray, predicted: np.ndarray) -> np.ndarray:
    """Counts int64 [10, 10] of ``labels`` against ``predicted`` (integer digits [N]): rows are the true digit,
    columns the predicted one."""
    confusion = np.zeros((N_CLASSES, N_CLASSES), dtype=np.int64)
    np.add.at(confusion, (labels.astype(np.int64), predicted.astype(np.int64)), 1)
    return confusion


def worst_confusions(confusion: np.ndarray, top: int = 5) -> list[dict]:
    """The most frequent (true, predicted) mistakes, most frequent first."""
    off = confusion.copy()
    np.fill_diagonal(off, 0)
    order = np.argsort(-off, axis=None, kind="stable")[:top]
    pairs = [np.unravel_index(i, off.shape) for i in order]
    return [{"true": int(t), "predicted": int(p), "count": int(off[t, p])} for t, p in pairs if off[t, p] > 0]


def evaluate(
    model: Model | str | os.PathLike | None = None, data_dir: str | os.PathLike | None = None, top_confusions: int = 5
) -> dict:
    """Accuracy, per-class accuracy and the worst confusions of ``model`` on the full MNIST test set. Raises
    ModelError for a model that cannot be used, TypeError for another kind of model's session (a line model's)."""
    if isinstance(model, OnnxModel) and (problem := not_a_digit_model(model)):
        raise TypeError(f"evaluate reads a digit model (output [N, 10]); got {problem}")
    model = model if isinstance(model, Model) else Model(model)
    test = mnist.load("test", data_dir)
    images = test.images.astype(np.float32) / np.float32(255.0)
    labels = test.labels.astype(np.int64)

    started = time.perf_counter()
    probabilities = model.predict(images)
    seconds = time.perf_counter() - started

    predicted = probabilities.argmax(axis=1)
    confusion = confusion_matrix(labels, predicted)
    per_class = confusion.diagonal() / np.maximum(confusion.sum(axis=1), 1)
    wrong = np.flatnonzero(predicted != labels)
    return {
        "model": model.name,
        "path": str(model.path),
        "accuracy": float((predicted == labels).mean()),
        "n": int(len(labels)),
        "errors": int(len(wrong)),
        "per_class_accuracy": {str(d): round(float(a), 6) for d, a in enumerate(per_class)},
        "worst_confusions": worst_confusions(confusion, top_confusions),
        "confusion_matrix": confusion.tolist(),
        "error_indices": wrong.tolist(),
        "seconds": round(seconds, 4),
        "images_per_second": round(len(labels) / seconds, 1) if seconds > 0 else None,
    }


def format_text(report: dict) -> str:
    """A short human-readable summary of an ``evaluate`` report."""
    lines = [
        f"{report['model']} ({report['path']})",
        f"MNIST test accuracy {report['accuracy']:.2%}: {report['n'] - report['errors']} of {report['n']} "
        f"correct, {report['errors']} errors, {report['seconds']:.2f} s "
        f"({report['images_per_second']:,.0f} images/s)",
        "per digit:  " + "  ".join(f"{d} {a:.2%}" for d, a in report["per_class_accuracy"].items()),
    ]
    if report["worst_confusions"]:
        lines.append(
            "worst confusions (true -> predicted): "
            + ", ".join(f"{c['true']}->{c['predicted']} x{c['count']}" for c in report["worst_confusions"])
        )
    return "\n".join(lines)
