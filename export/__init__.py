"""Keras -> ONNX export: conversion, parity check, metadata, int8 quantization, model cards.

Needs the ``[train]`` extra (tensorflow, tf2onnx, onnx); TensorFlow is imported only when a model is
converted. The runtime never imports this package.
"""

from .convert import ExportError, ExportUsageError
from .onnx_export import INT8_GOAL, export_model
from .parity import ParityError

__all__ = ["ExportError", "ExportUsageError", "ParityError", "export_model", "INT8_GOAL"]
