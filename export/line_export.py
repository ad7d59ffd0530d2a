"""Export a line model (the ``line`` preset): Keras -> ONNX -> parity on test lines -> metadata -> card.

    result = export_line_model("runs/line", "models/line.onnx")

Like the digit export (onnx_export.py), every check runs before anything is written. The parity and the
measured figures use synthetic lines made from MNIST *test* digits (train/lines.py), one set per kind of
line (plain, touching, separators, words, no digits), read through the runtime's own ``LineModel``.
"""

from __future__ import annotations

import os

import numpy as np

from . import convert, flops, metadata, parity
from .convert import ExportError
from .staging import Staging

PARITY_TOLERANCE = 1e-4  # largest |p_keras - p_onnx| over every frame of every test line
LINES_PER_KIND = 300


def _softmax(logits: np.ndarray) -> np.ndarray:
    e = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def export_line_model(
    source: str | os.PathLike,
    out: str | os.PathLike,
    opset: int = convert.DEFAULT_OPSET,
    name: str | None = None,
    data_dir: str | os.PathLike | None = None,
    lines_per_kind: int = LINES_PER_KIND,
    write_card: bool = True,
    command: str | None = None,
    seed: int = 0,
) -> dict:
    """Export a Keras line model (run folder or .keras) to ``out`` (.onnx) with its card. Returns the figures.

    Raises ExportError (ParityError when Keras and ONNX disagree) and writes nothing if any check fails."""
    from edgedigits.runtime import mnist
    from edgedigits.runtime.lines import ALPHABET, LINE_PREPROCESSING_VERSION, pad_batch
    from edgedigits.runtime.model import LineModel, ModelError
    from edgedigits.train.line_fit import TEST_KINDS, decode_batch, exact_rates, kind_style, make_lines

    out, command, src, proto = convert.converted(
        source, out, opset, command, convert.is_line_model, "not a line model; export digit models with export_model."
    )

    test = mnist.load("test", data_dir)
    staging = Staging()
    try:
        probe = staging.write(out.with_suffix(".probe.onnx"), proto.SerializeToString())
        try:
            session = LineModel(probe, threads=1)
        except ModelError as exc:
            raise ExportError(f"the runtime cannot use the exported line model: {exc}") from exc
        kinds, worst, disagreements, total = {}, 0.0, 0, 0
        for k, kind in enumerate(TEST_KINDS):
            tensors, targets = make_lines(
                test.images, test.labels, lines_per_kind, seed + 1000 + k, kind_style(kind), workers=1
            )
            batch, widths = pad_batch([t / np.float32(255.0) for t in tensors])
            reference = _softmax(np.asarray(src.model(batch, training=False), np.float64))
            candidate = session.predict(batch)
            worst = max(worst, float(np.abs(reference - candidate).max()))
            read_keras = decode_batch(reference, widths)
            read_onnx = decode_batch(candidate, widths)
            disagreements += sum(a != b for a, b in zip(read_keras, read_onnx))
            total += len(tensors)
            kinds[kind] = exact_rates(read_onnx, targets)
        figures = {
            "lines": total,
            "max_abs_diff": worst,
            "reading_disagreements": disagreements,
            "tolerance": PARITY_TOLERANCE,
        }
        if disagreements or not worst <= PARITY_TOLERANCE:
            raise parity.ParityError(
                f"parity check failed on {total} test lines: Keras and ONNX read {disagreements} lines differently "
                f"and the largest probability difference is {worst:.3g} (allowed {PARITY_TOLERANCE:g}). Nothing "
                "was written; check the opset (--opset) and the tf2onnx version."
            )
        staging.discard()

        preset = src.metrics.get("preset") or "line"
        name = name or out.stem
        description = metadata.preset_description(preset) or f"Keras line model {src.keras_path.name}"
        meta = {
            "format_version": metadata.FORMAT_VERSION,
            "name": name,
            "kind": "line",
            "description": description,
            "preset": preset,
            "labels": list(ALPHABET) + ["<blank>"],
            "input": "float32 [N,32,W], a text line (white ink on black, [0,1]) scaled to 24 px of ink with 4 px "
            "of padding, W a multiple of 4 (edgedigits.runtime.lines.fit_line)",
            "output": "float32 [N,W/4,17], per-frame softmax over 0-9 / - . , : A (a letter or word) and the CTC "
            "blank (last); greedy CTC decoding",
            "preprocessing_version": LINE_PREPROCESSING_VERSION,
            "test_lines": kinds,
            "test_exact": float(np.mean([k["text_exact"] for k in kinds.values()])),
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
            {"init": metadata.init_commands(src.metrics), "train": src.metrics.get("command"), "export": command},
            write_card,
        )
        staging.commit()
    finally:
        staging.discard()
    return {
        "path": str(out),
        "name": name,
        "size_bytes": len(blob),
        "parity": figures,
        "test_lines": kinds,
        "params": meta["params"],
        "mflops_per_line_of_8_digits": meta["mflops_per_line_of_8_digits"],
        "card": card,
    }
