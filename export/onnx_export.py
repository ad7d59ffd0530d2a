"""The export, top to bottom: Keras run -> ONNX -> parity on the MNIST test set -> metadata -> (int8) -> files.

    result = export_model("runs/cnn", "models/default.onnx", quantize_to="int8")

writes ``default.onnx`` and its card ``default.json`` (and ``default-int8.onnx`` + ``default-int8.json``).
Every check runs before anything is written: a failed parity check or quantization leaves the target
folder as it was. Files are written to temporary names and renamed into place.

The accuracies in the metadata and the cards are measured by the runtime's ``evaluate`` (the code behind
``edgedigits evaluate``) on the written bytes, with the same onnxruntime session settings users get.
"""

from __future__ import annotations

import hashlib
import json
import os
import shlex
import tempfile
from pathlib import Path

import numpy as np

from edgedigits.train.environment import command_line, relative_path

from . import convert, flops, metadata, parity, quantize
from .convert import ExportError, ExportUsageError
from .staging import Staging, unwritable

INT8_GOAL = {"max_accuracy_loss_points": 0.2, "min_size_ratio": 3.0}


def _predict(blob: bytes, target: Path, images: np.ndarray) -> np.ndarray:
    """Probabilities of a serialized model, through the runtime's session (a throwaway file next to target).
    ExportError when the runtime refuses it or target's folder cannot be written."""
    from edgedigits.runtime.model import Model, ModelError

    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".probe", dir=target.parent)
    except OSError as exc:
        raise unwritable(target, exc) from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(blob)
        return Model(tmp).predict(images)
    except ModelError as exc:  # (named as the file it was to become, not the throwaway one)
        raise ExportError(f"the runtime cannot use the exported model: {str(exc).replace(tmp, str(target))}") from exc
    finally:
        os.unlink(tmp)


def _write_measured(proto, meta: dict, target: Path, staging: Staging, data_dir, expected: float):
    """Attach ``meta``, stage the file and measure it with the runtime's ``evaluate`` (as users will open it).

    The accuracy must be the one measured before the metadata went in (``expected``): same graph, same answers.
    """
    from edgedigits.runtime.evaluate import evaluate
    from edgedigits.runtime.model import Model, ModelError

    blob = metadata.serialize(proto, meta, meta["description"])
    staged = staging.write(target, blob)
    try:
        report = evaluate(Model(staged), data_dir)
    except ModelError as exc:
        raise ExportError(f"the runtime cannot use the exported model: {exc}") from exc
    if report["accuracy"] != expected:
        raise ExportError(
            f"{target.name}: the written model scores {report['accuracy']:.4%}, not {expected:.4%} as "
            "before its metadata was added. Nothing was written."
        )
    return blob, report


def _card(meta: dict, report: dict, blob: bytes, target: Path, commands: dict) -> dict:
    """The model card: the metadata's figures plus what the runtime measured on the written file."""
    return {
        "name": meta["name"],
        "file": target.name,
        "description": meta["description"],
        "preset": meta["preset"],
        "size_bytes": len(blob),
        "sha256": hashlib.sha256(blob).hexdigest(),
        "test_accuracy": report["accuracy"],
        "test_images": report["n"],
        "test_errors": report["errors"],
        "per_class_accuracy": report["per_class_accuracy"],
        "worst_confusions": report["worst_confusions"],
        "params": meta["params"],
        "mflops_per_digit": meta["mflops_per_digit"],
        "input": meta["input"],
        "output": meta["output"],
        "labels": meta["labels"],
        "preprocessing_version": meta["preprocessing_version"],
        "commands": commands,
        "data_sha256": meta["data_sha256"],
        "training": meta["training"],
        "export": meta["export"],
    }


def export_model(
    source: str | os.PathLike,
    out: str | os.PathLike,
    opset: int = convert.DEFAULT_OPSET,
    quantize_to: str | None = None,
    name: str | None = None,
    data_dir: str | os.PathLike | None = None,
    calibration_images: int = quantize.CALIBRATION_IMAGES,
    tolerance: float = parity.TOLERANCE,
    write_card: bool = True,
    command: str | None = None,
    quant_format: str = quantize.FORMAT,
    per_channel: bool = quantize.PER_CHANNEL,
) -> dict:
    """Export a Keras run folder or ``.keras`` file to ``out`` (.onnx). Returns the figures of what was written.

    ``quantize_to="int8"`` also writes ``<out stem>-int8.onnx``, calibrated on ``calibration_images`` (at least 1)
    training images. With ``write_card``, each model gets a card
    ``<stem>.json`` next to it. Raises ``ExportError`` (``ParityError`` for a parity failure) and writes
    nothing if any step or check fails.
    """
    from edgedigits.runtime import mnist

    out = Path(out)
    if out.suffix != ".onnx":
        raise ExportUsageError(f"{out}: the output file must end in .onnx.")
    if quantize_to not in (None, "int8"):
        raise ExportUsageError(f"--quantize {quantize_to}: only int8 is supported.")
    if quantize_to and calibration_images < 1:
        raise ExportUsageError(
            f"--calibration {calibration_images}: must be at least 1 (the training images that calibrate the int8 "
            f"model; default {quantize.CALIBRATION_IMAGES})."
        )
    command = command or command_line()

    # 1. Convert (a line model has its own export, measured on test lines).
    src = convert.load_source(source)
    if convert.is_line_model(src.model):
        if quantize_to:
            raise ExportUsageError("--quantize int8 is for digit models; the line model is exported in float.")
        from .line_export import export_line_model

        return export_line_model(
            source, out, opset=opset, name=name, data_dir=data_dir, write_card=write_card, command=command
        )
    if convert.is_orientation_model(src.model):
        if quantize_to:
            raise ExportError("--quantize int8 is for digit models; the orientation model is exported in float.")
        from .orientation_export import export_orientation_model

        return export_orientation_model(
            source, out, opset=opset, name=name, data_dir=data_dir, write_card=write_card, command=command
        )
    if convert.is_digit_orientation_model(src.model):
        if quantize_to:
            raise ExportUsageError(
                "--quantize int8 is for digit models; the digit-orientation model is exported in float."
            )
        from .digit_orientation_export import export_digit_orientation_model

        return export_digit_orientation_model(
            source, out, opset=opset, name=name, data_dir=data_dir, write_card=write_card, command=command
        )
    proto = convert.compact_names(convert.to_onnx(src.model, opset))
    convert.check(proto)

    # 2. Parity on the full MNIST test set: Keras and ONNX (through the runtime's session) on the same input.
    test = mnist.load("test", data_dir)
    images = test.images.astype(np.float32) / np.float32(255.0)
    labels = test.labels.astype(np.int64)
    keras_probabilities = np.asarray(src.model.predict(images, batch_size=1000, verbose=0))
    staging = Staging()
    try:
        onnx_probabilities = _predict(proto.SerializeToString(), out, images)
        figures = parity.check_parity(keras_probabilities, onnx_probabilities, tolerance)
        keras_accuracy = float((keras_probabilities.argmax(1) == labels).mean())
        onnx_accuracy = float((onnx_probabilities.argmax(1) == labels).mean())

        # 3. Metadata: what the model is, how it was made, and what it measured.
        preset = src.metrics.get("preset") or getattr(src.model, "name", None) or "unknown"
        name = name or out.stem
        description = metadata.preset_description(preset) or f"Keras model {src.keras_path.name}"
        data_sha256 = mnist.checksums(data_dir)
        commands = {
            "train": src.metrics.get("command"),
            "export": command,
            "evaluate": f"edgedigits evaluate --model {shlex.quote(relative_path(out))}",
        }
        meta = {
            "format_version": metadata.FORMAT_VERSION,
            "name": name,
            "description": description,
            "preset": preset,
            "labels": metadata.LABELS,
            "input": metadata.INPUT_TEXT,
            "output": metadata.OUTPUT_TEXT,
            "preprocessing_version": metadata.preprocessing_version(),
            "test_accuracy": onnx_accuracy,
            "test_images": int(len(labels)),
            "data_sha256": data_sha256,
            "params": int(src.model.count_params()),
            "mflops_per_digit": round(flops.mflops_per_digit(proto), 4),
            "training": metadata.training_info(src.metrics, src.keras_path),
            "export": {
                "command": command,
                "source": relative_path(src.keras_path),
                "opset": opset,
                "keras_test_accuracy": keras_accuracy,
                "onnx_test_accuracy": onnx_accuracy,
                "parity": figures,
                "versions": metadata.library_versions(),
            },
        }
        blob, report = _write_measured(proto, meta, out, staging, data_dir, onnx_accuracy)
        card = _card(meta, report, blob, out, commands)
        result = {
            "float": {
                "path": str(out),
                "name": name,
                "size_bytes": len(blob),
                "keras_test_accuracy": keras_accuracy,
                "test_accuracy": report["accuracy"],
                "parity": figures,
                "params": meta["params"],
                "mflops_per_digit": meta["mflops_per_digit"],
            },
            "int8": None,
        }

        # 4. int8, calibrated on training images, measured the same way.
        if quantize_to == "int8":
            q_out = out.with_name(f"{out.stem}-int8.onnx")
            calibration = quantize.calibration_images(calibration_images, data_dir)
            q_proto = quantize.quantize_int8(proto, calibration, quant_format, per_channel)
            q_proto = convert.prune_opsets(convert.compact_names(q_proto))
            convert.check(q_proto, "the int8 model")
            q_settings = quantize.settings(len(calibration), quant_format, per_channel)
            q_meta = json.loads(json.dumps(meta))
            q_meta["name"] = f"{name}-int8"
            q_meta["description"] = f"{description} Static int8 quantization of {out.name}."
            q_meta["quantization"] = dict(
                q_settings, float_model=out.name, float_test_accuracy=onnx_accuracy, float_size_bytes=len(blob)
            )
            q_meta["export"].pop("parity")
            q_probabilities = _predict(q_proto.SerializeToString(), q_out, images)
            q_meta["test_accuracy"] = float((q_probabilities.argmax(1) == labels).mean())
            q_meta["export"]["onnx_test_accuracy"] = q_meta["test_accuracy"]
            q_blob, q_report = _write_measured(q_proto, q_meta, q_out, staging, data_dir, q_meta["test_accuracy"])
            loss_points = round((report["accuracy"] - q_report["accuracy"]) * 100, 4)
            ratio = round(len(blob) / len(q_blob), 3)
            int8 = {
                "file": q_out.name,
                "size_bytes": len(q_blob),
                "test_accuracy": q_report["accuracy"],
                "accuracy_loss_points": loss_points,
                "size_ratio": ratio,
                "argmax_agreement_with_float": float(
                    (q_probabilities.argmax(1) == onnx_probabilities.argmax(1)).mean()
                ),
                "goal": INT8_GOAL,
                "meets_goal": loss_points <= INT8_GOAL["max_accuracy_loss_points"]
                and ratio >= INT8_GOAL["min_size_ratio"],
                "quantization": q_settings,
            }
            q_commands = dict(commands, evaluate=f"edgedigits evaluate --model {shlex.quote(relative_path(q_out))}")
            q_card = _card(q_meta, q_report, q_blob, q_out, q_commands)
            q_card["quantization"] = q_meta["quantization"]
            q_card["int8"] = int8
            card["int8"] = int8
            result["int8"] = dict(int8, path=str(q_out), name=q_meta["name"])
            if write_card:
                staging.write(q_out.with_suffix(".json"), (json.dumps(q_card, indent=2) + "\n").encode())
        if write_card:
            staging.write(out.with_suffix(".json"), (json.dumps(card, indent=2) + "\n").encode())
        result["card"] = card
        staging.commit()
    finally:
        staging.discard()
    return result
