"""The server's reader: ``ServeConfig``'s models opened, and a model that is no such model refused at the start.

Apart from app.py (which needs FastAPI) so that ``serve.check_model``'s short-lived process opens the models
without importing the web framework; apart from config.py, which imports nothing of OpenCV or onnxruntime.
"""

from __future__ import annotations

from pathlib import Path

from ..model import DigitOrientationModel, LineModel, Model, ModelError, OrientationModel, resolve_model, shipped_kind
from ..reader import DigitReader, no_model_if_none
from .config import MODEL_OPTIONS, ServeConfig


def named(value: str | None) -> bool:
    """Does a ServeConfig model field name a model (a shipped name or a file), rather than the shipped default
    (None) or no model (``"none"``, any case)?"""
    return value is not None and no_model_if_none(value) is not False


def open_reader(config: ServeConfig) -> DigitReader:
    """The reader ``config`` describes: ``DigitReader(config.model, threads=1, line_model=config.line_model,
    orientation_model=config.orientation_model, digit_orientation_model=config.digit_orientation_model,
    pencil_model=config.pencil_model)`` (one onnxruntime thread per session), with the line, orientation,
    digit-orientation and pencil models the config names opened now, not when the first text
    line or noisy image is read (as ``edgedigits classify`` does). The shipped defaults open at the app's start
    (``DigitReader.warm_up``).

    Raises ModelError, its message naming the file and what to do, when ``config.model`` is no digit model (a
    missing or broken file), and prefixed with the option (``--line-model: ...``) when a named line, orientation,
    digit-orientation or pencil model is missing, broken or a model of another kind (a digit model as the line
    model)."""
    kinds = {
        "line_model": LineModel,
        "orientation_model": OrientationModel,
        "digit_orientation_model": DigitOrientationModel,
        "pencil_model": Model,
    }
    for field, option in MODEL_OPTIONS:  # a missing file, a shipped model of another kind: said per option
        value = getattr(config, field)
        if named(value):
            try:
                kinds[field].refuse_another_kind(resolve_model(value), value)
            except ModelError as exc:
                raise ModelError(f"{option}: {exc}") from None
    reader = DigitReader(
        config.model,
        threads=1,
        line_model=config.line_model,
        orientation_model=config.orientation_model,
        digit_orientation_model=config.digit_orientation_model,
        pencil_model=config.pencil_model,
    )
    for field, option in MODEL_OPTIONS:
        if named(getattr(config, field)):
            try:
                getattr(reader, field)  # the property opens its session: a broken file, a model of another kind
            except ModelError as exc:
                raise ModelError(f"{option}: {exc}") from None
    return reader


def loaded_models(reader: DigitReader) -> dict:
    """``GET /v1/models``' ``loaded``: the digit model's ``name`` (its metadata's) and ``accuracy`` (its card's MNIST
    test accuracy), and the file name (without ``.onnx``) of the line, orientation, digit-orientation and pencil
    models that read with it, None for none. Opens no session."""
    files = {
        "line_model": reader.line_model_file,
        "orientation_model": reader.orientation_model_file,
        "digit_orientation_model": reader.digit_orientation_model_file,
        "pencil_model": reader.pencil_model_file,
    }
    return {
        "name": reader.model.name,
        "accuracy": reader.model.metadata.get("test_accuracy"),
        **{field: Path(file).stem if file else None for field, file in files.items()},
    }


def models_as_options(reader: DigitReader) -> str:
    """The models ``reader`` reads with, as the options that would name them, for the start-up line: ``"--model
    default --line-model line --orientation-model orientation --digit-orientation-model digit-orientation
    --pencil-model pencil"`` (a shipped model by its name, another by its path, quoted for a shell where it needs
    it: what the option would take back; ``none`` for a model left out; the two orientation models not at all
    without a line model, which they need). Opens no session."""
    import shlex

    def shown(file: str | Path) -> str:
        return Path(file).stem if shipped_kind(Path(file)) is not None else shlex.quote(str(file))

    said = [f"--model {shown(reader.model.path)}"]
    for field, option in MODEL_OPTIONS:
        file = getattr(reader, f"{field}_file")
        if field in ("line_model", "pencil_model") or reader.reads_lines:
            said.append(f"{option} {shown(file) if file else 'none'}")
    return " ".join(said)
