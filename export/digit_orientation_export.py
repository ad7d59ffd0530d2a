"""Export a digit quarter-turn classifier (the ``digit-orientation`` preset): Keras -> ONNX -> parity on the MNIST
test digits at all four turns -> metadata -> card.

    result = export_digit_orientation_model("runs/digit-orientation", "models/digit-orientation.onnx")

As the other exports: every check runs before anything is written. Parity and the measured figures use the full
MNIST *test* set, each digit at all four quarter-turns (train/digit_orientation_fit.py ``all_turns``: 40,000
inputs), read through the runtime's own ``DigitOrientationModel``.
"""

from __future__ import annotations

import os

import numpy as np

from . import convert, flops, metadata, parity
from .convert import ExportError
from .staging import Staging


def export_digit_orientation_model(
    source: str | os.PathLike,
    out: str | os.PathLike,
    opset: int = convert.DEFAULT_OPSET,
    name: str | None = None,
    data_dir: str | os.PathLike | None = None,
    write_card: bool = True,
    command: str | None = None,
    tolerance: float = parity.TOLERANCE,
) -> dict:
    """Export a Keras digit-orientation model (run folder or .keras) to ``out`` (.onnx) with its card
    ``<out>.json``. Returns the figures.

    Raises ExportError (ParityError when Keras and ONNX call a turned test digit differently or their
    probabilities differ by more than ``tolerance``) and writes nothing if any check fails."""
    from edgedigits.runtime import mnist
    from edgedigits.runtime.model import DigitOrientationModel, ModelError
    from edgedigits.train.digit_orientation_fit import all_turns, turn_figures

    out, command, src, proto = convert.converted(
        source,
        out,
        opset,
        command,
        convert.is_digit_orientation_model,
        "not a digit-orientation model ([N, 28, 28] -> [N, 4]).",
    )

    test = mnist.load("test", data_dir)
    images, turns = all_turns(test.images.astype(np.float32) / np.float32(255.0))
    digits = np.tile(test.labels, 4)
    staging = Staging()
    try:
        probe = staging.write(out.with_suffix(".probe.onnx"), proto.SerializeToString())
        try:
            session = DigitOrientationModel(probe, threads=1)
        except ModelError as exc:
            raise ExportError(f"the runtime cannot use the exported digit-orientation model: {exc}") from exc
        reference = np.asarray(src.model.predict(images, batch_size=2000, verbose=0))
        candidate = session.predict(images)
        figures = parity.check_parity(reference, candidate, tolerance, what="ONNX digit-orientation model")
        measured = turn_figures(turns, candidate.argmax(1), digits)
        staging.discard()

        preset = src.metrics.get("preset") or "digit-orientation"
        name = name or out.stem
        description = metadata.preset_description(preset) or f"Keras digit-orientation model {src.keras_path.name}"
        meta = {
            "format_version": metadata.FORMAT_VERSION,
            "name": name,
            "kind": "digit_orientation",
            "description": description,
            "preset": preset,
            "labels": ["upright", "90 ccw", "180", "270 ccw"],
            "input": "float32 [N,28,28], a digit as the digit model takes it (white ink on black, [0,1], the MNIST "
            "recipe of edgedigits.runtime.normalize)",
            "output": "float32 [N,4] probabilities that the digit lies turned 0, 1, 2 or 3 quarter-turns "
            "counter-clockwise (np.rot90's k) from upright; a page's vote is their log summed over its blobs "
            "(edgedigits.runtime.recognize.turn_vote)",
            "preprocessing_version": metadata.preprocessing_version(),
            "test": measured,
            "test_accuracy": measured["accuracy"],
            "test_asymmetric_accuracy": measured["asymmetric_accuracy"],
            **metadata.trained_sections(
                src, data_dir, command, opset, figures, ("mflops_per_digit", round(flops.mflops_per_digit(proto), 4))
            ),
        }
        blob, card = metadata.write_model_and_card(
            staging,
            out,
            proto,
            meta,
            description,
            {"train": src.metrics.get("command"), "export": command},
            write_card,
        )
        staging.commit()
    finally:
        staging.discard()
    return {
        "path": str(out),
        "name": name,
        "kind": "digit_orientation",
        "size_bytes": len(blob),
        "parity": figures,
        "test": measured,
        "params": meta["params"],
        "mflops_per_digit": meta["mflops_per_digit"],
        "card": card,
    }
