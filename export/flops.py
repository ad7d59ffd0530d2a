"""Count the multiply-adds of an ONNX graph from its shapes (static, no inference run).

Conv, Gemm and MatMul (and their quantized forms) account for all but a sliver of the work in these models;
FLOPs = 2 x multiply-adds. Counted for one image (batch dimension fixed to 1).
"""

from __future__ import annotations

import math


def _shapes(proto) -> dict[str, list[int]]:
    import onnx

    model = onnx.ModelProto()
    model.CopyFrom(proto)
    for value in model.graph.input:
        dims = value.type.tensor_type.shape.dim
        if dims:
            dims[0].Clear()
            dims[0].dim_value = 1
    del model.graph.value_info[:]
    model = onnx.shape_inference.infer_shapes(model, data_prop=True)
    shapes: dict[str, list[int]] = {}
    for value in list(model.graph.input) + list(model.graph.value_info) + list(model.graph.output):
        dims = value.type.tensor_type.shape.dim
        shapes[value.name] = [d.dim_value if d.HasField("dim_value") else -1 for d in dims]
    for init in model.graph.initializer:
        shapes[init.name] = list(init.dims)
    return shapes


def _shapes_by_running(proto, sample) -> dict[str, list[int]]:
    """Shapes of every counted node's tensors, measured by running the graph once on ``sample`` (for graphs
    whose shapes ONNX cannot infer statically, e.g. a reshape of a dynamic width)."""
    import onnx
    import onnxruntime as ort

    model = onnx.ModelProto()
    model.CopyFrom(proto)
    have = {o.name for o in model.graph.output}
    initializers = {init.name: list(init.dims) for init in model.graph.initializer}
    wanted = {
        name
        for node in model.graph.node
        if node.op_type in COUNTED
        for name in list(node.output[:1]) + list(node.input[:1])
        if name not in initializers
    }
    for name in sorted(wanted - have):
        model.graph.output.append(onnx.helper.make_tensor_value_info(name, onnx.TensorProto.FLOAT, None))
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    names = [o.name for o in session.get_outputs()]
    values = session.run(names, {session.get_inputs()[0].name: sample})
    shapes = {name: list(v.shape) for name, v in zip(names, values)}
    shapes.update(initializers)
    return shapes


COUNTED = ("Conv", "ConvInteger", "QLinearConv", "MatMul", "MatMulInteger", "QLinearMatMul", "Gemm")


def count_macs(proto, sample=None) -> int:
    """Multiply-adds for one image (or for ``sample``, a batch of one input, whose shapes are measured by
    running the graph). Raises ValueError if a counted node's shapes cannot be inferred."""
    shapes = _shapes(proto) if sample is None else _shapes_by_running(proto, sample)

    def shape(name: str) -> list[int]:
        dims = shapes.get(name)
        if dims is None or any(d < 0 for d in dims):
            raise ValueError(f"cannot infer the shape of {name!r}")
        return dims

    macs = 0
    for node in proto.graph.node:
        op = node.op_type
        if op in ("Conv", "ConvInteger", "QLinearConv"):
            weight = node.input[3] if op == "QLinearConv" else node.input[1]
            out = shape(node.output[0])
            macs += math.prod(out) * math.prod(shape(weight)[1:])  # [Cout, Cin/group, kh, kw]
        elif op in ("MatMul", "MatMulInteger", "QLinearMatMul"):
            a = node.input[0]
            macs += math.prod(shape(node.output[0])) * shape(a)[-1]
        elif op == "Gemm":
            trans_a = next((attr.i for attr in node.attribute if attr.name == "transA"), 0)
            a = shape(node.input[0])
            macs += math.prod(shape(node.output[0])) * (a[0] if trans_a else a[-1])
    return macs


def mflops_per_digit(proto, sample=None) -> float:
    """MFLOPs (2 x multiply-adds / 1e6) for one input: one digit, or ``sample`` (see count_macs)."""
    return 2 * count_macs(proto, sample) / 1e6


LINE_WIDTH = 192  # px: a line of 8 MNIST-sized digits at the line models' height (32 px) is about this wide


def mflops_per_line(proto, width: int = LINE_WIDTH) -> float:
    """MFLOPs of a line model (the line recognizer, the orientation classifier) on one line ``width`` px wide,
    rounded to 0.001: its shapes measured on a blank float32 [1, 32, width] line."""
    import numpy as np

    from edgedigits.runtime.lines import HEIGHT

    return round(mflops_per_digit(proto, np.zeros((1, HEIGHT, width), np.float32)), 3)
