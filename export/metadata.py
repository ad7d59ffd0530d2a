"""What an exported model says about itself: ONNX ``metadata_props`` and the model card.

Every ``metadata_props`` value is a JSON-encoded string (``"\"seed-mlp\""``, ``"0.9749"``, ``"{...}"``), so any
ONNX reader gets the text and ``edgedigits.runtime.model.Model.metadata`` gets Python values back.
"""

from __future__ import annotations

import hashlib
import json
import platform
from pathlib import Path

from edgedigits.train.environment import relative_path

FORMAT_VERSION = 1
LABELS = [str(d) for d in range(10)]
INPUT_TEXT = "float32 [N,28,28], white digit on black, [0,1]"
OUTPUT_TEXT = "float32 [N,10], softmax probabilities of the digits 0..9"


def preprocessing_version() -> str:
    """The runtime's normalize step version the model expects its input from."""
    from edgedigits.runtime.normalize import PREPROCESSING_VERSION

    return str(PREPROCESSING_VERSION)


def package_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("edgedigits")
    except PackageNotFoundError:
        return "unknown"


def library_versions() -> dict:
    import keras
    import numpy
    import onnx
    import onnxruntime
    import tensorflow
    import tf2onnx

    return {
        "edgedigits": package_version(),
        "python": platform.python_version(),
        "tensorflow": tensorflow.__version__,
        "keras": keras.__version__,
        "tf2onnx": tf2onnx.__version__,
        "onnx": onnx.__version__,
        "onnxruntime": onnxruntime.__version__,
        "numpy": numpy.__version__,
    }


TRAINING_KEYS = (
    "preset",
    "epochs",
    "batch_size",
    "seed",
    "train_images",
    "train_lines",
    "train_seconds",
    "data_seconds",
    "run_seconds",
    "init",
    "init_epochs",
    "init_train_seconds",
    "test_accuracy",
    "test_exact",
    "test_asymmetric_accuracy",
    "params",
    "command",
    "data_sha256",
    "versions",
)


def training_info(metrics: dict, keras_path) -> dict:
    """The training run's own figures, from its metrics.json (only what is there)."""
    info = {key: metrics[key] for key in TRAINING_KEYS if key in metrics}
    info["model_file"] = relative_path(keras_path)
    return info


def attach(proto, metadata: dict, description: str = "") -> None:
    """Replace ``proto``'s metadata_props with ``metadata`` (each value JSON-encoded)."""
    del proto.metadata_props[:]
    for key, value in metadata.items():
        entry = proto.metadata_props.add()
        entry.key = key
        entry.value = json.dumps(value, sort_keys=True, separators=(",", ":"))
    proto.producer_name = "edgedigits"
    proto.producer_version = package_version()
    proto.doc_string = description


def serialize(proto, metadata: dict, description: str = "") -> bytes:
    """Attach ``metadata`` and serialize, with ``metadata["export"]["file_bytes"]`` equal to the result's size.

    The size is written into the file it measures, so settle it by iteration (two or three rounds: only
    the number of digits of the size can change the size).
    """
    metadata["export"]["file_bytes"] = 0
    for _ in range(10):
        attach(proto, metadata, description)
        blob = proto.SerializeToString()
        if metadata["export"]["file_bytes"] == len(blob):
            return blob
        metadata["export"]["file_bytes"] = len(blob)
    raise RuntimeError("file size in the metadata did not settle")  # cannot happen: sizes grow monotonically


def preset_description(preset: str | None) -> str:
    """The training preset's one-line description (train/presets.py), or "" for an unknown preset."""
    from edgedigits.train.presets import PRESETS

    return PRESETS[preset].description if preset in PRESETS else ""


def export_section(command: str, keras_path, opset: int, parity: dict) -> dict:
    """The ``export`` part of a model's metadata and card: how it was exported and its parity figures."""
    return {
        "command": command,
        "source": relative_path(keras_path),
        "opset": opset,
        "parity": parity,
        "versions": library_versions(),
    }


def trained_sections(src, data_dir, command: str, opset: int, parity: dict, cost: tuple[str, float]) -> dict:
    """The part of a line model's metadata and card that says where it came from, in the card's order: the
    MNIST files' checksums, the parameter count, its cost (``cost``: key and MFLOPs), the training run
    (training_info) and the export (export_section). ``src``: convert.load_source's result."""
    from edgedigits.runtime import mnist

    return {
        "data_sha256": mnist.checksums(data_dir),
        "params": int(src.model.count_params()),
        cost[0]: cost[1],
        "training": training_info(src.metrics, src.keras_path),
        "export": export_section(command, src.keras_path, opset, parity),
    }


def write_model_and_card(
    staging, out: Path, proto, meta: dict, description: str, commands: dict, write_card: bool
) -> tuple[bytes, dict]:
    """Write the ONNX model (with ``meta`` attached) to ``out`` and, with ``write_card``, its card beside it as
    ``out.json``: ``meta`` but its format version, plus the file's name, size and SHA-256 and the ``commands``
    that made it; both through ``staging`` (export/staging.py: nothing lands until it commits). Returns the
    model's bytes and the card."""
    blob = serialize(proto, meta, description)
    staging.write(out, blob)
    card = {key: value for key, value in meta.items() if key != "format_version"}
    card.update(
        {"file": out.name, "size_bytes": len(blob), "sha256": hashlib.sha256(blob).hexdigest(), "commands": commands}
    )
    if write_card:
        staging.write(out.with_suffix(".json"), (json.dumps(card, indent=2) + "\n").encode())
    return blob, card


def init_commands(metrics: dict) -> list[str]:
    """The training commands of the runs a run started from (``--init``), oldest first: with the run's own
    command, what remakes its weights from scratch. Each run folder is looked up where its metrics.json
    names it (a path relative to the checkout); the chain stops at a run that is not there. A run started
    from a shipped ``.onnx`` model takes that model's own commands from its card (``commands.init`` and
    ``commands.train`` of the ``.json`` beside it)."""
    chain: list[str] = []
    init, seen = metrics.get("init"), set()
    while init and init not in seen:
        seen.add(init)
        path = Path(init)
        if path.suffix == ".onnx":
            card = path.with_suffix(".json")
            if card.is_file():
                earlier_commands = json.loads(card.read_text()).get("commands", {})
                chain[:0] = [*earlier_commands.get("init", []), earlier_commands.get("train", "")]
            break
        found = path / "metrics.json" if path.is_dir() else path.parent / "metrics.json"
        if not found.is_file():
            break
        earlier = json.loads(found.read_text())
        chain.insert(0, earlier.get("command", ""))
        init = earlier.get("init")
    return chain
