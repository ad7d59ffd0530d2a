"""The edgedigits runtime: read handwritten digits with onnxruntime, OpenCV and NumPy. Never TensorFlow.

    from edgedigits.runtime import DigitReader
    reading = DigitReader().read("photo.jpg")
    print(reading.text, [(d.value, d.confidence, d.box) for d in reading.digits])

    from edgedigits.runtime import DetectConfig, ReadConfig   # the thresholds, frozen dataclasses
    reader = DigitReader(detect_config=DetectConfig(min_height=8), read_config=ReadConfig(stray_height=0.5))

``edgedigits.runtime.__version__`` is the installed package's version. Names are imported on first use, so
``import edgedigits.runtime.mnist`` stays light (and ``import edgedigits.runtime`` loads neither onnxruntime
nor OpenCV); ``dir()`` lists them before that.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

__all__ = [
    "DigitReader",
    "Reading",
    "Digit",
    "DetectConfig",
    "ReadConfig",
    "Model",
    "EdgeDigitsError",
    "ModelError",
    "ImageError",
    "VideoError",
    "Stabilizer",
]

_WHERE = {
    "DigitReader": "reader",
    "Reading": "reader",
    "Digit": "reader",
    "DetectConfig": "config",
    "ReadConfig": "config",
    "Model": "model",
    "EdgeDigitsError": "errors",
    "ModelError": "model",
    "ImageError": "images",
    "VideoError": "sources",
    "Stabilizer": "live",
}

if TYPE_CHECKING:  # for editors and type checkers
    from .config import DetectConfig, ReadConfig
    from .errors import EdgeDigitsError
    from .images import ImageError
    from .live import Stabilizer
    from .model import Model, ModelError
    from .reader import Digit, DigitReader, Reading
    from .sources import VideoError


def __getattr__(name: str):
    if name in _WHERE:
        return getattr(import_module(f".{_WHERE[name]}", __name__), name)
    if name == "__version__":  # the installed distribution's (importlib.metadata: read when asked, not at import)
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("edgedigits")
        except PackageNotFoundError:  # (the sources on sys.path, never installed)
            return "unknown"
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    """What the module holds so far and the names it imports on first use: completion in a REPL or an editor."""
    return sorted(set(globals()) | set(__all__))
