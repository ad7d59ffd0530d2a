"""The edgedigits runtime: read handwritten digits with onnxruntime, OpenCV and NumPy. Never TensorFlow.

    from edgedigits.runtime import DigitReader
    reading = DigitReader().read("photo.jpg")
    print(reading.text, [(d.value, d.confidence, d.box) for d in reading.digits])

Names are imported on first use, so ``import edgedigits.runtime.mnist`` stays light.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

__all__ = ["DigitReader", "Reading", "Digit", "Model", "ModelError", "ImageError", "VideoError", "Stabilizer"]

_WHERE = {
    "DigitReader": "reader",
    "Reading": "reader",
    "Digit": "reader",
    "Model": "model",
    "ModelError": "model",
    "ImageError": "images",
    "VideoError": "sources",
    "Stabilizer": "live",
}

if TYPE_CHECKING:  # for editors and type checkers
    from .images import ImageError
    from .live import Stabilizer
    from .model import Model, ModelError
    from .reader import Digit, DigitReader, Reading
    from .sources import VideoError


def __getattr__(name: str):
    if name in _WHERE:
        return getattr(import_module(f".{_WHERE[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
