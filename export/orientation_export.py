"""Export a text-orientation model (the ``orientation`` preset): Keras -> ONNX -> parity on test lines ->
metadata -> card.

    result = export_orientation_model("runs/orientation", "models/orientation.onnx")

As the line model's export (line_export.py): every check runs before anything is written. Parity and the
measured accuracy use synthetic lines of MNIST *test* digits (train/lines.py), each upright and turned 180
degrees (``runtime.orientation.turned_180``), read in padded batches through the runtime's own
``OrientationModel``.
"""

from __future__ import annotations

import os

import numpy as np

from . import convert, flops, metadata, parity
from .convert import ExportError
from .staging import Staging

PARITY_TOLERANCE = 1e-3  # largest |log-odds keras - log-odds onnx| over every frame of every test line
TEST_LINES = 1000


def export_orientation_model(
    source: str | os.PathLike,
    out: str | os.PathLike,
    opset: int = convert.DEFAULT_OPSET,
    name: str | None = None,
    data_dir: str | os.PathLike | None = None,
    test_lines: int = TEST_LINES,
    write_card: bool = True,
    command: str | None = None,
    seed: int = 0,
) -> dict:
    """Export a Keras orientation model (run folder or .keras) to ``out`` (.onnx) with its card ``<out>.json``.
    Returns the figures. ``test_lines``: lines of MNIST test digits checked, each both ways.

    Raises ExportError (ParityError when Keras and ONNX disagree: a line called differently, or log-odds
    apart by more than PARITY_TOLERANCE) and writes nothing if any check fails."""
    from edgedigits.runtime import mnist
    from edgedigits.runtime.lines import LINE_PREPROCESSING_VERSION, pad_batch
    from edgedigits.runtime.model import ModelError, OrientationModel
    from edgedigits.runtime.orientation import frames
    from edgedigits.train.line_fit import make_lines
    from edgedigits.train.orientation_fit import accuracy, both_ways, printed_accuracy

    out, command, src, proto = convert.converted(
        source,
        out,
        opset,
        command,
        convert.is_orientation_model,
        "not an orientation model ([N, 32, W] -> [N, W / 8]).",
        output=convert.LOG_ODDS_NAME,
    )

    test = mnist.load("test", data_dir)
    tensors, targets = make_lines(test.images, test.labels, test_lines, seed + 1000, workers=1)
    staging = Staging()
    try:
        probe = staging.write(out.with_suffix(".probe.onnx"), proto.SerializeToString())
        try:
            session = OrientationModel(probe, threads=1)
        except ModelError as exc:
            raise ExportError(f"the runtime cannot use the exported orientation model: {exc}") from exc
        both, _, _ = both_ways(tensors, targets)
        worst, disagreements = 0.0, 0
        order = np.argsort([t.shape[1] for t in both], kind="stable")
        for i in range(0, len(order), 128):  # batches of similar widths, as the runtime pads them
            batch, widths = pad_batch([both[r] / np.float32(255.0) for r in order[i : i + 128]])
            reference = np.asarray(src.model(batch, training=False), np.float64)
            candidate = session.predict(batch)
            for row_k, row_o, w in zip(reference, candidate, widths):
                t = frames(w)
                worst = max(worst, float(np.abs(row_k[:t] - row_o[:t]).max()))
                disagreements += (row_k[:t].mean() > 0) != (row_o[:t].mean() > 0)
        figures = {
            "lines": len(both),
            "max_abs_diff": worst,
            "call_disagreements": int(disagreements),
            "tolerance": PARITY_TOLERANCE,
        }
        if disagreements or not worst <= PARITY_TOLERANCE:
            raise parity.ParityError(
                f"parity check failed on {len(both)} test lines: Keras and ONNX call {disagreements} lines' way up "
                f"differently and their log-odds differ by up to {worst:.3g} (allowed {PARITY_TOLERANCE:g}). "
                "Nothing was written; check the opset (--opset) and the tf2onnx version."
            )
        measured = accuracy(session.predict, tensors, targets)
        printed = printed_accuracy(session.predict, test.images, test.labels, test_lines // 2, seed)
        staging.discard()

        preset = src.metrics.get("preset") or "orientation"
        name = name or out.stem
        description = metadata.preset_description(preset) or f"Keras orientation model {src.keras_path.name}"
        meta = {
            "format_version": metadata.FORMAT_VERSION,
            "name": name,
            "kind": "orientation",
            "description": description,
            "preset": preset,
            "labels": ["upright", "turned 180"],
            "input": "float32 [N,32,W], a text line (white ink on black, [0,1]) scaled to 24 px of ink with 4 px "
            "of padding, W a multiple of 4 (edgedigits.runtime.lines.fit_line): the line model's input",
            "output": "float32 [N,ceil(W/8)] log_odds, per frame of 8 columns, that the line is turned 180 degrees "
            "(> 0) rather than upright; a line's call is the mean over its own frames "
            "(edgedigits.runtime.orientation)",
            "preprocessing_version": LINE_PREPROCESSING_VERSION,
            "test": measured,
            "test_accuracy": measured["accuracy"],
            "test_asymmetric_accuracy": measured["asymmetric_accuracy"],
            # lines typeset in fonts no training line used: whole lines, and worksheet lines (printed questions
            # beside handwritten answers); train.orientation_fit.printed_accuracy
            "test_printed": printed,
            **metadata.trained_sections(
                src, data_dir, command, opset, figures, ("mflops_per_line_of_8_digits", flops.mflops_per_line(proto))
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
        "kind": "orientation",
        "size_bytes": len(blob),
        "parity": figures,
        "test": measured,
        "test_printed": printed,
        "params": meta["params"],
        "mflops_per_line_of_8_digits": meta["mflops_per_line_of_8_digits"],
        "card": card,
    }
