"""Keras -> ONNX with tf2onnx: load a run's model, convert a ``tf.function`` with an explicit signature, and
give the graph the edgedigits interface (input ``image`` float32 [N, 28, 28], output ``probabilities``
float32 [N, 10], the batch dimension named ``N``).

With Keras 3, ``tf2onnx.convert.from_keras`` fails on this stack; ``from_function`` on a ``tf.function``
wrapping the model works and yields the same graph.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from edgedigits.runtime.lines import HEIGHT as LINE_HEIGHT
from edgedigits.train.environment import command_line, quiet_tensorflow

INPUT_NAME = "image"
OUTPUT_NAME = "probabilities"
LOG_ODDS_NAME = "log_odds"  # the orientation model's output
BATCH_DIM = "N"
DEFAULT_OPSET = 17


class ExportError(RuntimeError):
    """The export could not be done or its result failed a check. Nothing was written."""


class ExportUsageError(ExportError):
    """The export was asked for something it cannot do: no model at the source, an output not ending in .onnx, an
    option out of range (``edgedigits export`` exits 2, as for any usage error). Nothing was written."""


@dataclass
class Source:
    """A trained Keras model and what is known about the run that produced it."""

    keras_path: Path
    run_dir: Path | None
    metrics: dict = field(default_factory=dict)  # the run's metrics.json, {} when there is none
    model: Any = None  # keras.Model (Keras has no type information)


def find_source(path: str | os.PathLike) -> tuple[Path, Path | None]:
    """``RUN_DIR`` (holding model.keras) or ``MODEL.keras`` -> (keras file, run folder or None)."""
    path = Path(path)
    if path.is_dir():
        keras_path = path / "model.keras"
        if not keras_path.is_file():
            raise ExportUsageError(
                f"{path}: no model.keras in this folder; pass a training run folder "
                "(`edgedigits train --out DIR`) or a .keras file."
            )
        return keras_path, path
    if not path.is_file():
        raise ExportUsageError(f"{path}: no such run folder or .keras file.")
    if path.suffix != ".keras":
        raise ExportUsageError(f"{path}: expected a .keras file or a run folder holding model.keras.")
    return path, path.parent if (path.parent / "metrics.json").is_file() else None


def load_source(path: str | os.PathLike) -> Source:
    keras_path, run_dir = find_source(path)
    metrics = {}
    if run_dir is not None and (run_dir / "metrics.json").is_file():
        try:
            metrics = json.loads((run_dir / "metrics.json").read_text())
        except ValueError as exc:
            raise ExportError(f"{run_dir / 'metrics.json'}: not valid JSON ({exc}).") from exc
    quiet_tensorflow()
    import keras

    try:
        model = keras.models.load_model(keras_path, compile=False)
    except Exception as exc:  # Keras raises many types for a bad file
        raise ExportError(f"{keras_path}: Keras could not load the model ({exc}).") from exc
    shape = tuple(model.inputs[0].shape) if getattr(model, "inputs", None) else None
    if shape is not None and tuple(shape[1:]) not in ((28, 28), (LINE_HEIGHT, None)):
        raise ExportError(
            f"{keras_path}: the model takes input {shape}, but edgedigits models take [N, 28, 28] "
            f"(digits) or [N, {LINE_HEIGHT}, W] (lines)."
        )
    return Source(keras_path, run_dir, metrics, model)


def is_line_model(model) -> bool:
    """A line model takes [N, 32, W] and gives CTC logits [N, W / 4, 17]; a digit model takes [N, 28, 28]."""
    return tuple(model.inputs[0].shape[1:]) == (LINE_HEIGHT, None) and len(model.outputs[0].shape) == 3


def is_orientation_model(model) -> bool:
    """An orientation model takes [N, 32, W] (a text line) and gives log-odds per frame [N, ceil(W / 8)]."""
    return tuple(model.inputs[0].shape[1:]) == (LINE_HEIGHT, None) and len(model.outputs[0].shape) == 2


def is_digit_orientation_model(model) -> bool:
    """A digit-orientation model takes [N, 28, 28] (a digit) and gives the probabilities of its four quarter-turns
    [N, 4]; a digit model gives [N, 10]."""
    return tuple(model.inputs[0].shape[1:]) == (28, 28) and tuple(model.outputs[0].shape[1:]) == (4,)


def to_onnx(model, opset: int = DEFAULT_OPSET):
    """Convert a Keras model to an ``onnx.ModelProto`` with the edgedigits interface: a digit model
    ``image`` [N, 28, 28] -> ``probabilities`` [N, 10]; a line model ``image`` [N, 32, W] -> ``probabilities``
    [N, W / 4, 17] (the softmax of its CTC logits); an orientation model ``image`` [N, 32, W] -> ``log_odds``
    [N, ceil(W / 8)] (per frame, turned 180 degrees against upright)."""
    quiet_tensorflow()
    import tensorflow as tf
    import tf2onnx

    line, orientation = is_line_model(model), is_orientation_model(model)
    shape = (None, LINE_HEIGHT, None) if line or orientation else (None, 28, 28)
    spec = (tf.TensorSpec(shape, tf.float32, name=INPUT_NAME),)

    @tf.function(input_signature=spec)
    def serve(image):
        out = model(image, training=False)
        if orientation:
            return {LOG_ODDS_NAME: out}
        return {OUTPUT_NAME: tf.nn.softmax(out, axis=-1) if line else out}

    try:
        proto, _ = tf2onnx.convert.from_function(serve, input_signature=spec, opset=opset)
    except Exception as exc:
        raise ExportError(f"tf2onnx could not convert the model at opset {opset} ({exc}).") from exc
    return tidy(proto)


def converted(
    source: str | os.PathLike,
    out: str | os.PathLike,
    opset: int,
    command: str | None,
    fits: Callable[[Any], bool],
    refusal: str,
    output: str = OUTPUT_NAME,
) -> tuple[Path, str, Source, Any]:
    """The first steps of a line, orientation or digit-orientation model's export: ``out`` as a Path
    (ExportUsageError unless it ends in .onnx), the command line to record (``command``, else this process's), the
    Keras source (load_source) and its ONNX conversion, checked (``output``: the graph's one output's name).
    ``fits(model)``: is the source this export's kind of model; ExportError ``"<source>: <refusal>"`` if not."""
    out = Path(out)
    if out.suffix != ".onnx":
        raise ExportUsageError(f"{out}: the output file must end in .onnx.")
    src = load_source(source)
    if not fits(src.model):
        raise ExportError(f"{src.keras_path}: {refusal}")
    proto = compact_names(to_onnx(src.model, opset))
    check(proto, output=output)
    return out, command or command_line(), src, proto


def tidy(proto):
    """Name the batch dimension ``N``, drop opset imports no node uses, and say who made the file."""
    for value in list(proto.graph.input) + list(proto.graph.output):
        dim = value.type.tensor_type.shape.dim[0]
        dim.Clear()
        dim.dim_param = BATCH_DIM
    proto.graph.name = "edgedigits"
    return prune_opsets(proto)


def prune_opsets(proto):
    """Drop opset imports of domains no node uses (tf2onnx and the quantizer list several)."""
    used = {node.domain for node in proto.graph.node}
    keep = [op for op in proto.opset_import if op.domain in ("", "ai.onnx") or op.domain in used]
    del proto.opset_import[:]
    proto.opset_import.extend(keep)
    return proto


def check(proto, what: str = "the converted model", output: str = OUTPUT_NAME) -> None:
    import onnx

    try:
        onnx.checker.check_model(proto, full_check=True)
    except Exception as exc:
        raise ExportError(f"{what} fails onnx.checker ({exc}).") from exc
    inputs = [i.name for i in proto.graph.input]
    outputs = [o.name for o in proto.graph.output]
    if inputs != [INPUT_NAME] or outputs != [output]:
        raise ExportError(
            f"{what} has inputs {inputs} and outputs {outputs}; expected [{INPUT_NAME!r}] and [{output!r}]."
        )


def compact_names(proto):
    """Short tensor and node names (``t12``, ``Conv_3``) instead of TensorFlow's scoped paths.

    For a model of ~20 k parameters, names like ``cnn_1/batch_normalization_3_1/batchnorm/add_1:0_zero_point``
    are a sizeable part of the file (more so once the weights are int8). The interface names ``image`` and
    ``probabilities`` stay; ``value_info`` (intermediate shapes, re-inferred on load) is dropped. Graphs with
    subgraphs (If/Loop) are left as they are.
    """
    graph = proto.graph
    if any(attr.g.node or attr.graphs for node in graph.node for attr in node.attribute):
        return proto
    keep = {value.name for value in list(graph.input) + list(graph.output)}
    mapping: dict[str, str] = {}

    def short(name: str) -> str:
        if not name or name in keep:
            return name
        if name not in mapping:
            mapping[name] = f"t{len(mapping)}"
        return mapping[name]

    for init in graph.initializer:
        init.name = short(init.name)
    for index, node in enumerate(graph.node):
        node.input[:] = [short(name) for name in node.input]
        node.output[:] = [short(name) for name in node.output]
        node.name = f"{node.op_type}_{index}"
        node.doc_string = ""
    del graph.value_info[:]
    return proto
