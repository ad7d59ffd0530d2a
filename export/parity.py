"""Parity: the ONNX model must give the same answers as the Keras model it came from."""

from __future__ import annotations

import numpy as np

from .convert import ExportError

TOLERANCE = 1e-5  # largest allowed |p_keras - p_onnx| over every image and class


class ParityError(ExportError):
    """ONNX and Keras disagree beyond the tolerance."""


def compare(reference: np.ndarray, candidate: np.ndarray) -> dict:
    """Largest probability difference and the number of images whose predicted digit differs."""
    if reference.shape != candidate.shape:
        return {
            "images": int(len(reference)),
            "max_abs_diff": float("inf"),
            "argmax_disagreements": int(len(reference)),
            "worst_image": None,
        }
    diff = np.abs(reference.astype(np.float64) - candidate.astype(np.float64))
    worst = int(diff.max(axis=1).argmax()) if diff.size else None
    return {
        "images": int(len(reference)),
        "max_abs_diff": float(diff.max()) if diff.size else 0.0,
        "argmax_disagreements": int((reference.argmax(axis=1) != candidate.argmax(axis=1)).sum()),
        "worst_image": worst,
    }


def check_parity(
    reference: np.ndarray, candidate: np.ndarray, tolerance: float = TOLERANCE, what: str = "ONNX model"
) -> dict:
    """``compare`` and raise ``ParityError`` unless every argmax agrees and the largest difference is within
    ``tolerance``. Returns the figures (with the tolerance) for the metadata."""
    figures = compare(reference, candidate)
    figures["tolerance"] = tolerance
    if reference.shape != candidate.shape:
        raise ParityError(
            f"parity check failed: the {what} returns shape {list(candidate.shape)}, Keras "
            f"{list(reference.shape)}. Nothing was written."
        )
    if figures["argmax_disagreements"] or not figures["max_abs_diff"] <= tolerance:
        raise ParityError(
            f"parity check failed on {figures['images']} MNIST test images: the {what} and Keras predict a "
            f"different digit for {figures['argmax_disagreements']} images and the largest probability "
            f"difference is {figures['max_abs_diff']:.3g} (allowed {tolerance:g}; worst: test image "
            f"{figures['worst_image']}). Nothing was written; check the opset (--opset) and the tf2onnx version."
        )
    return figures
