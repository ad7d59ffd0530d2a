"""The ONNX model session: find a model by name or path, open it once, check its I/O, predict in batches.

    model = Model()                      # the shipped "default" model
    model = Model("seed-mlp")            # another shipped model (see `edgedigits models`)
    model = Model("path/to/file.onnx")   # any file with the edgedigits interface
    probabilities = model.predict(batch) # float32 [N, 28, 28] in [0, 1] -> float32 [N, 10]

One onnxruntime ``InferenceSession`` per ``Model``, created in the constructor and reused; ``predict`` is
safe to call from several threads at once (onnxruntime's ``run`` is thread-safe).

Model I/O: one input, float32 ``[N, 28, 28]`` (white digit on black, ``[0, 1]``), and an
output ``probabilities``, float32 ``[N, 10]``. Metadata lives in the ONNX file's ``metadata_props`` as
JSON-encoded strings; ``Model.metadata`` decodes them. Shipped models also have a card, ``<name>.json``,
next to the ``.onnx`` file in the ``edgedigits.models`` package data.

NumPy and onnxruntime only: never tensorflow, tf2onnx or onnx.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any, Generic, Literal, TypeVar, cast

import numpy as np

from .errors import EdgeDigitsError

DEFAULT_MODEL = "default"
DEFAULT_LINE_MODEL = "line"  # the shipped line recognizer (see lines.py)
DEFAULT_ORIENTATION_MODEL = "orientation"  # the shipped text-orientation classifier (see orientation.py)
DEFAULT_DIGIT_ORIENTATION_MODEL = "digit-orientation"  # the shipped quarter-turn classifier of digits
DEFAULT_PENCIL_MODEL = "pencil"  # the shipped digit model of noisy images (faint pencil, dark frames)
IMAGE_SHAPE = (28, 28)
LINE_HEIGHT = 32  # rows of a text-line model's input (lines.HEIGHT): what tells one passed as a digit model
N_CLASSES = 10
# Largest batch handed to onnxruntime in one call: bounds peak memory of the convnet's activations.
MAX_SESSION_BATCH = 1024


class ModelError(EdgeDigitsError, RuntimeError):
    """A model could not be found, opened or used. The message names the file and says what to do."""


# --------------------------------------------------------------------------- finding models


def models_dir() -> Path:
    """The folder holding the shipped models (package data ``edgedigits.models``, a plain folder on disk).

    The package's own folder, as ``importlib.resources.files`` would give it: importing
    ``importlib.resources`` (tempfile, zipfile, ...) would cost a cold ``classify`` about 6 ms and 0.8 MiB.
    """
    import edgedigits.models as package  # the docstring only

    if package.__file__ is None:  # not a regular package: let importlib.resources work it out
        from importlib import resources

        return Path(str(resources.files("edgedigits.models")))
    return Path(package.__file__).parent


def shipped_names() -> list[str]:
    folder = models_dir()
    return sorted(p.stem for p in folder.glob("*.onnx")) if folder.is_dir() else []


# The option (and DigitReader argument) that takes each kind of model: the model cards' ``kind`` (none: "digit").
KIND_OPTIONS = {
    "digit": ("--model or --pencil-model", "model= or pencil_model="),
    "line": ("--line-model", "line_model="),
    "orientation": ("--orientation-model", "orientation_model="),
    "digit_orientation": ("--digit-orientation-model", "digit_orientation_model="),
}


def shipped_kind(path: Path) -> str | None:
    """The kind of model (a KIND_OPTIONS key: its card's ``kind``, none: ``"digit"``) when ``path`` is a shipped
    model's file with its own card, else None (a file of the user's in the models folder without a card, or under
    another model's card, as shipped_models tells them: its kind is not known before its session opens)."""
    try:  # (the folder resolved, not the file: an install may link each model file from elsewhere)
        if path.parent.resolve() != models_dir().resolve():
            return None
        card = read_card(path)
        if not card or card.get("size_bytes") not in (None, path.stat().st_size):
            return None
    except OSError:
        return None
    return str(card.get("kind") or "digit")


def shipped_of_kind(kind: str) -> list[str]:
    """The names of the shipped models of one kind (a KIND_OPTIONS key), sorted."""
    return [name for name in shipped_names() if shipped_kind(models_dir() / f"{name}.onnx") == kind]


def shipped_listing() -> str:
    """The shipped models by what they read, for messages: ``"default, seed-mlp (digit models, --model); line (line
    model, --line-model); ..."`` from each model card's ``kind`` (none: a digit model); ``"none installed"``."""
    kinds: dict[str, list[str]] = {}
    for name in shipped_names():  # (a file without its own card: of a kind not known until its session opens)
        kind = shipped_kind(models_dir() / f"{name}.onnx") or "unknown"
        kinds.setdefault(kind, []).append(name)
    if not kinds:
        return "none installed"
    parts = []
    for kind in sorted(kinds, key=lambda k: (k != "digit", k)):  # the digit models first
        names = kinds[kind]
        what = f"{kind.replace('_', '-')} model{'s' if len(names) > 1 else ''}"
        what += f", {KIND_OPTIONS[kind][0]}" if kind in KIND_OPTIONS else ""
        what = "without a card: of a kind not known" if kind == "unknown" else what
        parts.append(f"{', '.join(names)} ({what})")
    return "; ".join(parts)


def _looks_like_path(text: str) -> bool:
    return os.sep in text or "/" in text or text.endswith(".onnx") or text.startswith(".")


def resolve_model(name_or_path: str | os.PathLike | None = None) -> Path:
    """A shipped model's name (``None`` means ``"default"``) or a file path -> the ``.onnx`` file's path.

    A bare name (no folder, no ``.onnx``) is looked up among the shipped models first, then as a file; a bare
    file name with ``.onnx`` (``default.onnx``) that is no file here is a shipped model's file when there is one
    (it was 'no such model file': a new user's trial).
    """
    text = os.fspath(name_or_path) if name_or_path is not None else DEFAULT_MODEL
    if not text:
        raise ModelError("empty model name; pass a shipped model's name (see `edgedigits models`) or an .onnx file.")
    if text.lower() == "none":  # (DigitReader turns it into False for the models that can be left out)
        raise ModelError(
            f"{text}: the digit model cannot be left out (--line-model, --orientation-model, "
            "--digit-orientation-model and --pencil-model take none); leave --model out for the shipped default, "
            f"or pass a shipped digit model ({', '.join(shipped_of_kind('digit')) or 'none installed'}) or an .onnx "
            "file."
        )
    if not _looks_like_path(text):
        shipped = models_dir() / f"{text}.onnx"
        if shipped.is_file():
            return shipped
    path = Path(text).expanduser()
    if path.is_file():
        return path
    if text.endswith(".onnx") and Path(text).name == text and (models_dir() / text).is_file():
        return models_dir() / text
    if path.is_dir() and (path / "model.keras").is_file():  # (it said 'pass the .onnx file inside it': a run has none)
        raise ModelError(
            f"{path}: is a training run, not an ONNX model; export it first (edgedigits export {path} --out "
            "models/mydigits.onnx), then pass --model models/mydigits.onnx."
        )
    if path.is_dir():
        raise ModelError(f"{path}: is a folder, not an ONNX model file; pass the .onnx file inside it.")
    if _looks_like_path(text):
        raise ModelError(
            f"{path}: no such model file; check the path, or pass a shipped model's name "
            f"({shipped_listing()}) without '.onnx'."
        )
    raise ModelError(
        f"{text}: unknown model; shipped models: {shipped_listing()} (see `edgedigits models`), "
        "or pass the path of an .onnx file; none leaves out a line, orientation, digit-orientation or pencil model."
    )


def read_card(onnx_path: Path) -> dict:
    """The model card ``<name>.json`` next to ``onnx_path`` ({} when there is none or it is unreadable)."""
    card = onnx_path.with_suffix(".json")
    try:
        return json.loads(card.read_text())
    except (OSError, ValueError):
        return {}


def shipped_models() -> list[dict]:
    """One dict per shipped model: name, path, size_bytes and the figures of its card; none when the card
    records another file's size (a model copied over a name beside its card listed that card's 96% for a 45%
    model: a new user's trial)."""
    rows = []
    for name in shipped_names():
        path = models_dir() / f"{name}.onnx"
        card, size = read_card(path), path.stat().st_size
        if card.get("size_bytes") not in (None, size):  # another file's card (a model copied over this name)
            card = {
                "description": f"its card {name}.json is another model's ({card['size_bytes']:,} bytes): no figures"
            }
        rows.append(
            {
                "name": name,
                "kind": card.get("kind", "digit"),
                "path": str(path),
                "size_bytes": size,
                "accuracy": card.get("test_accuracy"),  # MNIST test accuracy (digit models)
                # line models: the mean exact rate over the kinds of test lines, the latest (latest_test_lines)
                "test_exact": _mean_exact(card),
                "params": card.get("params"),
                "mflops_per_digit": card.get("mflops_per_digit"),
                "preset": card.get("preset"),
                "description": card.get("description", ""),
                "card": card,
            }
        )
    return rows


def _mean_exact(card: dict) -> float | None:
    """A line model card's mean exact rate (digits) over the kinds of test lines its export measured, at their
    latest figures (a kind measured later only, such as "printed", is left out: the mean keeps its meaning);
    None for other cards."""
    latest = latest_test_lines(card) if card.get("kind") == "line" else {}
    kinds = [latest[kind]["text_exact"] for kind in card.get("test_lines", {}) if kind in latest]
    return float(np.mean(kinds)) if kinds else card.get("test_exact")


def decode_metadata(raw: dict[str, str]) -> dict[str, Any]:
    """ONNX ``metadata_props`` (JSON-encoded strings) -> Python values; non-JSON strings are kept as they are."""
    out: dict[str, Any] = {}
    for key, value in raw.items():
        try:
            out[key] = json.loads(value)
        except ValueError:
            out[key] = value
    return out


# --------------------------------------------------------------------------- the session


def check_count(name: str, value: object, minimum: int, *, optional: bool = True) -> int | None:
    """``value`` unchanged when it is a whole number >= ``minimum``, or None when ``optional``; ValueError
    naming ``name`` and the value otherwise (a float, a string, a bool, a number below ``minimum``)."""
    whole = isinstance(value, (int, np.integer)) and not isinstance(value, bool)
    if (optional and value is None) or (whole and value >= minimum):  # type: ignore[operator]
        return value  # type: ignore[return-value]
    allowed = f"None or a whole number >= {minimum}" if optional else f"a whole number >= {minimum}"
    raise ValueError(f"{name} must be {allowed}, got {value!r}")


def _session_options(threads: int | None):
    # Measured for issue 11 (onnxruntime 1.32.0, `classify one.png`): the CPU arena off, memory patterns off,
    # no spinning, basic instead of full graph optimization, pre-packing off: each moves peak RSS by 1 MiB
    # or less; the session itself costs about 2 MiB of anonymous memory. What grew on a fresh install was
    # not the session but the shared library pages mapped per page fault (see benchmarks/cold_start.py).
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.intra_op_num_threads = int(threads) if threads else 0  # 0: onnxruntime picks (physical cores)
    options.inter_op_num_threads = 1
    options.log_severity_level = 3  # errors only; warnings about unused initializers are noise for users
    return options


def _dims(shape) -> list:
    return list(shape) if isinstance(shape, (list, tuple)) else []


def _fixed(dim) -> int | None:
    return dim if isinstance(dim, int) and dim > 0 else None


# The largest value predict takes: 1, and a little float rounding above it (normalize's digits top at 1.0).
MAX_VALUE = 1.001


def _image_format(head: bytes) -> str | None:
    """What a file is when its first 12 bytes (``head``) are an image format's signature or a PDF's: "a PNG image"
    (JPEG, GIF, BMP, TIFF, WebP), "a PDF document"; else None."""
    signatures = {
        b"\x89PNG": "a PNG image",
        b"\xff\xd8\xff": "a JPEG image",
        b"GIF8": "a GIF image",
        b"BM": "a BMP image",
        b"II*\x00": "a TIFF image",
        b"MM\x00*": "a TIFF image",
        b"%PDF": "a PDF document",
    }
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "a WebP image"
    return next((what for magic, what in signatures.items() if head.startswith(magic)), None)


class OnnxModel:
    """One ONNX model in one onnxruntime session: what every edgedigits model shares (the file checked and opened,
    its metadata, its name). Each subclass checks its own interface (``_check_io``) and has its own ``predict``:
    Model (the digit model), DigitOrientationModel, LineModel and OrientationModel.

    ``name_or_path``: a shipped model's name, an ``.onnx`` path, or None for ``"default"``. ``threads``:
    onnxruntime intra-op threads (None or 0: onnxruntime's choice, one per physical core). Raises ModelError
    (naming the file and what to do) when the model is missing, unreadable (permissions), empty, not ONNX, or
    does not have the subclass's I/O; ValueError for ``threads`` below 0 or not a whole number; TypeError for an
    OnnxModel itself (open one of the four).
    """

    kind = ""  # a KIND_OPTIONS key: the model cards' name for this kind of model
    what = ""  # "a line model": how an error names this kind

    def __init__(self, name_or_path: str | os.PathLike | None = None, threads: int | None = None):
        import onnxruntime as ort

        if type(self) is OnnxModel:
            raise TypeError(
                "OnnxModel is the models' shared base; open a Model (digits), LineModel, OrientationModel "
                "or DigitOrientationModel"
            )
        check_count("threads", threads, 0)
        self.path = resolve_model(name_or_path)
        self.refuse_another_kind(self.path, self.path.stem if name_or_path is None else os.fspath(name_or_path))
        where = str(self.path)
        try:
            size = self.path.stat().st_size
        except OSError as exc:
            raise ModelError(f"{where}: cannot read the model file ({exc.strerror}).") from exc
        if size == 0:
            raise ModelError(
                f"{where}: the model file is empty; export it again (`edgedigits export`) or reinstall edgedigits."
            )
        try:  # onnxruntime says only "failed to load" for a file it may not open: tell that case apart
            with open(self.path, "rb") as handle:
                head = handle.read(12)  # (what kind of file it is: below)
        except PermissionError:
            raise ModelError(
                f"{where}: permission denied reading the model file; make it readable (chmod +r) "
                "or run as a user who can read it."
            ) from None
        except OSError as exc:
            raise ModelError(f"{where}: cannot read the model file ({exc.strerror or exc}).") from None
        if image := _image_format(head):  # the image to read given as the model (onnxruntime: INVALID_PROTOBUF)
            raise ModelError(
                f"{where}: {image}, not an ONNX model; pick another model (a shipped model's name, see `edgedigits "
                "models`, or an .onnx file): an image to read is an input (edgedigits classify IMAGE, "
                "reader.read(IMAGE))."
            )
        if head[:8] == b"\x89HDF\r\n\x1a\n" or (head[:4] == b"PK\x03\x04" and self.path.suffix.lower() == ".keras"):
            # a training run's model.keras (a zip) or a legacy .h5: the runtime reads ONNX only
            raise ModelError(
                f"{where}: a Keras model file, not ONNX; export it first (needs the train extra): edgedigits export "
                f"{where} --out models/mydigits.onnx, then pass --model models/mydigits.onnx."
            )
        try:
            self.session = ort.InferenceSession(
                where, sess_options=_session_options(threads), providers=["CPUExecutionProvider"]
            )
        except Exception as exc:  # onnxruntime raises its own exception types, none shared with ours
            reason = " ".join(str(exc).split())
            if len(reason) > 200:
                reason = reason[:200] + "…"
            raise ModelError(
                f"{where}: not a usable ONNX model ({reason}); the file is damaged, truncated or "
                "not ONNX. Export it again (`edgedigits export`) or pick another model."
            ) from exc
        self._check_io(where)
        meta = self.session.get_modelmeta()
        self.metadata: dict[str, Any] = decode_metadata(dict(meta.custom_metadata_map))
        name = self.metadata.get("name")
        self.name: str = name if isinstance(name, str) and name else self.path.stem
        self.threads = threads

    def _check_io(self, where: str) -> None:
        """Raise ModelError when the session does not have this kind of model's inputs and outputs; else set
        ``input_name`` and ``output_name``."""
        raise NotImplementedError

    @classmethod
    def refuse_another_kind(cls, path: Path, given: str) -> None:
        """Raise ModelError when ``path`` is a shipped model of another kind than this class reads (its card's
        ``kind``), said by ``given`` (the name or path as the caller gave it) with the option it goes to and this
        kind's shipped models. ``--line-model default`` was told ``.../site-packages/edgedigits/models/default.onnx:
        not a line model; edgedigits needs input float32 [N, 32, W] ... Export one with ...`` (a new user's
        trial, 2026-12-07)."""
        kind = shipped_kind(path)
        if kind is None or kind == cls.kind or kind not in KIND_OPTIONS:
            return
        option, argument = KIND_OPTIONS[kind]
        raise ModelError(
            f"{given}: not {cls.what}: it is the shipped {kind.replace('_', '-')} model, which goes to {option} "
            f"({argument}); the shipped {cls.what.split(' ', 1)[1]}s: {', '.join(shipped_of_kind(cls.kind)) or 'none'}."
        )

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r}, path='{self.path}')"


class _DigitTensorModel(OnnxModel):
    """A model over digits float32 [N, 28, 28] (white on black, in [0, 1], normalized as MNIST) whose output is
    probabilities float32 [N, ``classes``], each row a softmax."""

    classes = N_CLASSES
    kind, what = "digit", "a digit model"  # (KIND_OPTIONS; how an error names the interface)

    def _check_io(self, where: str) -> None:
        inputs, outputs = self.session.get_inputs(), self.session.get_outputs()
        expected = f"input float32 [N, 28, 28] and output float32 [N, {self.classes}]"
        if len(inputs) != 1:
            raise ModelError(f"{where}: the model has {len(inputs)} inputs, expected one; edgedigits needs {expected}.")
        image = inputs[0]
        dims = _dims(image.shape)
        if len(dims) == 3 and dims[1] == LINE_HEIGHT and _fixed(dims[2]) is None:  # a line model: [N, 32, W]
            digit_models = ", ".join(shipped_of_kind("digit"))
            raise ModelError(
                f"{where}: a text-line model (input [N, {LINE_HEIGHT}, W]: the line recognizer or the orientation "
                f"classifier), not a digit model; --model and --pencil-model (DigitReader's model and "
                f"pencil_model) take a digit model ({digit_models or 'none installed'}); "
                "a line recognizer goes to --line-model (line_model=) and an orientation classifier to "
                "--orientation-model (orientation_model=)."
            )
        if image.type != "tensor(float)" or len(dims) != 3 or tuple(dims[1:]) != IMAGE_SHAPE:
            raise ModelError(
                f"{where}: input {image.name!r} is {image.type} {dims}, but edgedigits needs "
                f"{expected}. Export the model with `edgedigits export`."
            )
        if _fixed(dims[0]) is not None:
            raise ModelError(
                f"{where}: input {image.name!r} has a fixed batch size of {dims[0]}; edgedigits "
                "needs a dynamic batch [N, 28, 28]. Export it again with `edgedigits export`."
            )
        named = [o for o in outputs if o.name == "probabilities"]
        if not named and len(outputs) != 1:
            raise ModelError(
                f"{where}: the model has {len(outputs)} outputs and none is named 'probabilities'; "
                f"edgedigits needs {expected}."
            )
        output = (named or outputs)[0]
        out_dims = _dims(output.shape)
        # the other model over 28x28 digits: a digit model (10 classes) as the digit-orientation model, or this
        other = {N_CLASSES: ("a digit model", "digit"), 4: ("a digit-orientation model", "digit_orientation")}
        if len(out_dims) == 2 and out_dims[1] != self.classes and out_dims[1] in other:
            what, kind = other[out_dims[1]]
            option, argument = KIND_OPTIONS[kind]
            raise ModelError(
                f"{where}: {what} (output [N, {out_dims[1]}]), not {self.what} (output [N, {self.classes}]); it goes "
                f"to {option} ({argument})."
            )
        if output.type != "tensor(float)" or len(out_dims) != 2 or out_dims[1] != self.classes:
            raise ModelError(
                f"{where}: output {output.name!r} is {output.type} {out_dims}, but edgedigits needs "
                f"{expected}. Export the model with `edgedigits export`."
            )
        self.input_name, self.output_name = image.name, output.name
        self._check_probabilities(where)

    def _check_probabilities(self, where: str) -> None:
        """Raise ModelError when the model's output for a blank and a half-grey image is not a probability
        distribution (each value in [0, 1], each row summing to 1 within 1%): a network that ends in a plain
        Dense(10) gives scores (logits), which were read as confidences of 46.44 (a new user's trial)."""
        probe = np.zeros((2, *IMAGE_SHAPE), np.float32)
        probe[1] = 0.5
        rows = self._run(probe).astype(np.float64)
        sums = rows.sum(axis=1)
        if not (np.isfinite(rows).all() and rows.min() >= -1e-4 and rows.max() <= 1 + 1e-4):
            bad = f"values from {rows.min():.3g} to {rows.max():.3g}"
        elif np.abs(sums - 1).max() > 0.01:
            bad = f"rows summing to {sums.min():.3g}-{sums.max():.3g}"
        else:
            return
        raise ModelError(
            f"{where}: its output {self.output_name!r} is not probabilities ({bad} for a blank and a grey "
            "image), and edgedigits reads it as a softmax; end the network with a softmax "
            "(keras.layers.Softmax(), or activation='softmax' on the last Dense) and export it again."
        )

    def predict(self, batch: np.ndarray) -> np.ndarray:
        """Probabilities float32 [N, 10] (``classes``) for images float32 (or float64) [N, 28, 28] in [0, 1]
        (white digit on black). Raises ValueError for another shape, a non-float dtype, or values above 1 (pixels in
        0..255 not divided by 255)."""
        batch = np.asarray(batch)
        if batch.ndim != 3 or batch.shape[1:] != IMAGE_SHAPE:
            raise ValueError(f"predict expects images [N, 28, 28], got an array of shape {list(batch.shape)}.")
        if not np.issubdtype(batch.dtype, np.floating):
            raise ValueError(
                f"predict expects float images in [0, 1], got {batch.dtype}; "
                "divide uint8 pixels by 255 (or use the normalize step)."
            )
        if len(batch) == 0:
            return np.zeros((0, self.classes), dtype=np.float32)
        dtype, batch = batch.dtype, np.ascontiguousarray(batch, dtype=np.float32)
        top = float(batch.max())  # (N x 784 values: microseconds next to the network)
        if top > MAX_VALUE:
            raise ValueError(
                f"predict expects float images in [0, 1], got {dtype} values up to {top:g}; "
                "divide 0..255 pixels by 255 (or use the normalize step)."
            )
        if len(batch) <= MAX_SESSION_BATCH:
            return self._run(batch)
        step = MAX_SESSION_BATCH
        return np.concatenate([self._run(batch[i : i + step]) for i in range(0, len(batch), step)])

    def _run(self, batch: np.ndarray) -> np.ndarray:
        try:
            (probabilities,) = self.session.run([self.output_name], {self.input_name: batch})
        except Exception as exc:
            raise ModelError(f"{self.path}: inference failed ({' '.join(str(exc).split())[:200]}).") from exc
        if probabilities.shape != (len(batch), self.classes):
            raise ModelError(
                f"{self.path}: returned an output of shape {list(probabilities.shape)} for "
                f"{len(batch)} images, expected [{len(batch)}, {self.classes}]; the model does not "
                "follow the edgedigits interface."
            )
        return probabilities.astype(np.float32, copy=False)


class Model(_DigitTensorModel):
    """The digit model in one onnxruntime session: float32 [N, 28, 28] (digits white on black, in [0, 1],
    normalized as MNIST: normalize.py) -> probabilities float32 [N, 10]. ``Model(name_or_path=None, threads=None)``.

    ``name_or_path``: a shipped model's name, an ``.onnx`` path, or None for ``"default"``. ``threads``:
    onnxruntime intra-op threads (None or 0: onnxruntime's choice, one per physical core). Raises ModelError
    (naming the file and what to do) when the model is missing, unreadable (permissions), empty, not ONNX, or
    does not have the edgedigits I/O; ValueError for ``threads`` below 0 or not a whole number. ``predict`` is
    thread-safe (one onnxruntime session may run from several threads).
    """


class _LineTensorModel(OnnxModel):
    """A model over text-line tensors float32 [N, 32, W] (white ink on black, in [0, 1], W a multiple of 4; see
    lines.fit_line and lines.pad_batch) with one output; each subclass says what that output is."""

    run = ""  # the run folder an error suggests exporting

    def _output_ok(self, dims: list) -> bool:
        raise NotImplementedError

    def _output_shape(self) -> str:
        raise NotImplementedError

    def _empty(self, width: int) -> np.ndarray:
        raise NotImplementedError

    def _check_io(self, where: str) -> None:
        from .lines import HEIGHT

        inputs, outputs = self.session.get_inputs(), self.session.get_outputs()
        dims = _dims(inputs[0].shape) if len(inputs) == 1 else []
        out_dims = _dims(outputs[0].shape) if len(outputs) == 1 else []
        line_input = len(dims) == 3 and dims[1] == HEIGHT and _fixed(dims[2]) is None
        if not line_input or not self._output_ok(out_dims) or inputs[0].type != "tensor(float)":
            raise ModelError(
                f"{where}: not {self.what}; edgedigits needs input float32 [N, {HEIGHT}, W] and output "
                f"{self._output_shape()}. Export one with `edgedigits export {self.run}`."
            )
        self.input_name, self.output_name = inputs[0].name, outputs[0].name

    def predict(self, batch: np.ndarray) -> np.ndarray:
        """The output for lines float32 (or float64) [N, 32, W] in [0, 1] (white ink on black, as
        ``lines.fit_line`` gives them); an empty batch gives an empty output without a run. Raises ValueError for
        another shape, a non-float dtype, or values above 1 (pixels in 0..255 not divided by 255)."""
        from .lines import HEIGHT

        batch = np.asarray(batch)
        if batch.ndim != 3 or batch.shape[1] != HEIGHT:
            raise ValueError(
                f"predict expects text lines [N, {HEIGHT}, W], got an array of shape {list(batch.shape)}; "
                "cut them with edgedigits.runtime.lines.fit_line."
            )
        if not np.issubdtype(batch.dtype, np.floating):
            raise ValueError(f"predict expects float lines in [0, 1], got {batch.dtype}; divide uint8 pixels by 255.")
        dtype, batch = batch.dtype, np.ascontiguousarray(batch, dtype=np.float32)
        if len(batch) == 0:
            return self._empty(batch.shape[-1])
        top = float(batch.max())
        if top > MAX_VALUE:
            raise ValueError(
                f"predict expects float lines in [0, 1], got {dtype} values up to {top:g}; divide 0..255 pixels by 255."
            )
        try:
            (out,) = self.session.run([self.output_name], {self.input_name: batch})
        except Exception as exc:
            raise ModelError(f"{self.path}: inference failed ({' '.join(str(exc).split())[:200]}).") from exc
        return out


class LineModel(_LineTensorModel):
    """The line recognizer in one onnxruntime session: float32 [N, 32, W] (text lines, white on black, in
    [0, 1]; W any multiple of 4) -> CTC posteriors float32 [N, W / 4, 17] (``lines.ALPHABET`` + blank last).
    ``LineModel(name_or_path="line", threads=None)``; ``predict`` is thread-safe like Model's."""

    kind, what, run = "line", "a line model", "runs/line"

    def __init__(self, name_or_path: str | os.PathLike | None = DEFAULT_LINE_MODEL, threads: int | None = None):
        super().__init__(DEFAULT_LINE_MODEL if name_or_path is None else name_or_path, threads)

    def _output_ok(self, dims: list) -> bool:
        from .lines import ALPHABET

        return len(dims) == 3 and dims[2] == len(ALPHABET) + 1

    def _output_shape(self) -> str:
        from .lines import ALPHABET

        return f"float32 [N, W/4, {len(ALPHABET) + 1}]"

    def _empty(self, width: int) -> np.ndarray:
        return np.zeros((0, width // 4, 17), np.float32)


def _shipped(name: str) -> str | None:
    """``name`` when this install ships that model (models/<name>.onnx), else None."""
    return name if (models_dir() / f"{name}.onnx").is_file() else None


def shipped_line_model() -> str | None:
    """The shipped line model's name, or None when this install has none."""
    return _shipped(DEFAULT_LINE_MODEL)


class OrientationModel(_LineTensorModel):
    """The text-orientation classifier in one onnxruntime session: float32 [N, 32, W] (text lines as the line
    model reads them: white on black, in [0, 1], W a multiple of 4) -> log-odds float32 [N, ceil(W / 8)], per
    frame of 8 columns, that the line is turned 180 degrees (> 0) rather than upright (see orientation.py).
    ``OrientationModel(name_or_path="orientation", threads=None)``; ``predict`` is thread-safe like Model's.
    Raises ModelError as Model does, and for a model without this interface."""

    kind, what, run = "orientation", "an orientation model", "runs/orientation"

    def __init__(self, name_or_path: str | os.PathLike | None = DEFAULT_ORIENTATION_MODEL, threads: int | None = None):
        super().__init__(DEFAULT_ORIENTATION_MODEL if name_or_path is None else name_or_path, threads)

    def _output_ok(self, dims: list) -> bool:
        return len(dims) == 2

    def _output_shape(self) -> str:
        return "float32 [N, W/8]"

    def _empty(self, width: int) -> np.ndarray:
        return np.zeros((0, -(-width // 8)), np.float32)


def shipped_orientation_model() -> str | None:
    """The shipped orientation model's name, or None when this install has none."""
    return _shipped(DEFAULT_ORIENTATION_MODEL)


class DigitOrientationModel(_DigitTensorModel):
    """The digit quarter-turn classifier in one onnxruntime session: float32 [N, 28, 28] (digits as the digit
    model takes them: white on black, in [0, 1]) -> probabilities float32 [N, 4] that each lies turned 0, 1, 2 or 3
    quarter-turns counter-clockwise (np.rot90's k) from upright. Summed in log over a page's blobs, the votes find
    a page lying on its side (recognize.turn_vote). ``DigitOrientationModel(name_or_path="digit-orientation",
    threads=None)``; ``predict`` is thread-safe like Model's. Raises ModelError as Model does, and for a model
    without this interface (a digit model's 10 outputs)."""

    classes = 4
    kind, what = "digit_orientation", "a digit-orientation model"

    def __init__(
        self, name_or_path: str | os.PathLike | None = DEFAULT_DIGIT_ORIENTATION_MODEL, threads: int | None = None
    ):
        super().__init__(DEFAULT_DIGIT_ORIENTATION_MODEL if name_or_path is None else name_or_path, threads)


def not_a_digit_model(model: OnnxModel) -> str | None:
    """None for a digit model's session (a Model); for another model's session (a line, orientation or
    digit-orientation model; the last even takes [N, 28, 28]), what it is and the argument it goes to, for a
    TypeError."""
    if isinstance(model, Model):
        return None
    for kind, argument in (
        (LineModel, "line_model"),
        (OrientationModel, "orientation_model"),
        (DigitOrientationModel, "digit_orientation_model"),
    ):
        if isinstance(model, kind):  # (a subclass of one too)
            return f"a {type(model).__name__} ({model.path}), not a digit model; pass it as {argument}="
    return f"a {type(model).__name__} ({model.path}), not a digit model (a Model)"


def shipped_digit_orientation_model() -> str | None:
    """The shipped digit-orientation model's name, or None when this install has none."""
    return _shipped(DEFAULT_DIGIT_ORIENTATION_MODEL)


def shipped_pencil_model() -> str | None:
    """The shipped pencil model's name (a digit model for noisy images), or None when this install has none."""
    return _shipped(DEFAULT_PENCIL_MODEL)


# --------------------------------------------------------------------------- model cards as text


def _pct(value) -> str:
    return f"{value:.2%}" if isinstance(value, (int, float)) else "?"


def _kb(size) -> str:
    return f"{size / 1024:,.1f} KiB" if isinstance(size, (int, float)) else "?"


def cards_markdown(rows: list[dict] | None = None) -> str:
    """``models/README.md``: one section per shipped model, every figure taken from its card."""
    rows = shipped_models() if rows is None else rows
    lines = [row for row in rows if row.get("kind") == "line"]
    orientations = [row for row in rows if row.get("kind") == "orientation"]
    turns = [row for row in rows if row.get("kind") == "digit_orientation"]
    rows = [row for row in rows if row.get("kind") not in ("line", "orientation", "digit_orientation")]
    out = [
        "# Shipped models",
        "",
        "Generated from the model cards (`models/<name>.json`) by `edgedigits models --format markdown > "
        "models/README.md`; do not edit by hand. Every figure comes from the commands listed under each model "
        "(accuracy: `edgedigits evaluate` on the ONNX file, full MNIST test set; line and orientation models: "
        "their reading of synthetic lines of MNIST test digits, at export and, where the card has them, measured "
        "again on today's lines by `python benchmarks/model_cards.py --write`: the tables give the latest).",
        "",
        "| model | MNIST test accuracy | size | parameters | MFLOPs / digit | preset |",
        "|---|---|---|---|---|---|",
    ]
    for row in rows:
        out.append(
            f"| `{row['name']}` | {_pct(row['accuracy'])} | {_kb(row['size_bytes'])} | "
            f"{row['params'] or 0:,} | {row['mflops_per_digit']} | {row['preset']} |"
        )
    if lines:
        kinds = list(latest_test_lines(lines[0]["card"]))
        out += [
            "",
            "| line model | "
            + " | ".join(f"{k.replace('_', ' ')} exact" for k in kinds)
            + " | size | parameters | MFLOPs / line of 8 digits | preset |",
            "|---|" + "---|" * (len(kinds) + 4),
        ]
        for row in lines:
            card = row["card"]
            out.append(
                f"| `{row['name']}` | "
                + " | ".join(_pct(latest_test_lines(card).get(k, {}).get("text_exact")) for k in kinds)
                + f" | {_kb(row['size_bytes'])} | {card.get('params', 0):,} | "
                f"{card.get('mflops_per_line_of_8_digits')} | {row['preset']} |"
            )
    for row in rows:
        card = row["card"]
        training, export = card.get("training", {}), card.get("export", {})
        commands = card.get("commands", {})
        out += ["", f"## `{row['name']}`", "", card.get("description", ""), ""]
        out += [
            f"- File: `{card.get('file')}`, {card.get('size_bytes', 0):,} bytes, SHA-256 `{card.get('sha256')}`",
            f"- MNIST test accuracy: **{_pct(card.get('test_accuracy'))}** ({card.get('test_errors')} errors in "
            f"{card.get('test_images')} images)",
            "- Per digit: " + ", ".join(f"{d}: {_pct(a)}" for d, a in card.get("per_class_accuracy", {}).items()),
            "- Worst confusions (true → predicted): "
            + (
                ", ".join(f"{c['true']} → {c['predicted']} ×{c['count']}" for c in card.get("worst_confusions", []))
                or "none"
            ),
            f"- Parameters: {card.get('params', 0):,}; {card.get('mflops_per_digit')} MFLOPs per digit "
            "(2 × multiply-adds of Conv/Gemm/MatMul, counted from the ONNX graph)",
            f"- Input: {card.get('input')}; preprocessing version {card.get('preprocessing_version')}",
        ]
        if training:
            out.append(
                f"- Training: preset `{training.get('preset')}`, {training.get('epochs')} epochs, seed "
                f"{training.get('seed')}, {training.get('train_images', 0):,} training images, "
                f"{training.get('train_seconds')} s on {training.get('versions', {}).get('cpus', '?')} CPU "
                f"cores; Keras test accuracy {_pct(training.get('test_accuracy'))}"
            )
        if "parity" in export:
            parity = export["parity"]
            out.append(
                f"- Export: opset {export.get('opset')}; parity with Keras on {parity['images']} test images: "
                f"{parity['argmax_disagreements']} different predictions, largest probability difference "
                f"{parity['max_abs_diff']:.2g} (allowed {parity['tolerance']:g}); Keras "
                f"{_pct(export.get('keras_test_accuracy'))}, ONNX {_pct(export.get('onnx_test_accuracy'))}"
            )
        quant = card.get("quantization")
        if quant:
            out.append(
                f"- Quantization: {quant.get('format')}, weights {quant.get('weights')}, activations "
                f"{quant.get('activations')}, calibrated on {quant.get('calibration')}; from "
                f"`{quant.get('float_model')}` ({_pct(quant.get('float_test_accuracy'))}, "
                f"{quant.get('float_size_bytes', 0):,} bytes)"
            )
        int8 = card.get("int8")
        if int8:
            goal = int8.get("goal", {})
            out.append(
                f"- int8 (`{int8['file']}`): {_pct(int8['test_accuracy'])} "
                f"({int8['accuracy_loss_points']:+.2f} points lost), {int8['size_bytes']:,} bytes "
                f"({int8['size_ratio']:.2f}× smaller than float); goal ≤ "
                f"{goal.get('max_accuracy_loss_points')} points lost and ≥ {goal.get('min_size_ratio')}× "
                f"smaller: {'met' if int8.get('meets_goal') else 'NOT met'}"
            )
        versions = export.get("versions", {})
        if versions:
            out.append("- Versions: " + ", ".join(f"{k} {v}" for k, v in versions.items()))
        data = card.get("data_sha256", {})
        if data:
            out.append(
                "- MNIST files (SHA-256 of the decompressed files): "
                + ", ".join(f"`{k}` `{v}`" for k, v in data.items())
            )
        out += _commands_markdown(commands, ("train", "export", "evaluate"))
    if orientations:
        out += [
            "",
            "| orientation model | test lines right | with a digit 2-7, 9 | size | parameters | "
            "MFLOPs / line of 8 digits | preset |",
            "|---|---|---|---|---|---|---|",
        ]
        for row in orientations:
            card = row["card"]
            test = latest_orientation_test(card)
            out.append(
                f"| `{row['name']}` | {_pct(test.get('accuracy'))} | "
                f"{_pct(test.get('asymmetric_accuracy'))} | {_kb(row['size_bytes'])} | "
                f"{card.get('params', 0):,} | {card.get('mflops_per_line_of_8_digits')} | {row['preset']} |"
            )
    if turns:
        out += [
            "",
            "| digit orientation model | turned test digits called right | digits 2-7, 9 | axis (upright or on "
            "its side) | size | parameters | MFLOPs / digit | preset |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for row in turns:
            card, test = row["card"], row["card"].get("test", {})
            out.append(
                f"| `{row['name']}` | {_pct(test.get('accuracy'))} | {_pct(test.get('asymmetric_accuracy'))} | "
                f"{_pct(test.get('axis_accuracy'))} | {_kb(row['size_bytes'])} | {card.get('params', 0):,} | "
                f"{card.get('mflops_per_digit')} | {row['preset']} |"
            )
    for row in lines:
        out += line_card_markdown(row["card"])
    for row in orientations:
        out += orientation_card_markdown(row["card"])
    for row in turns:
        out += digit_orientation_card_markdown(row["card"])
    return "\n".join(out) + "\n"


def latest_test_lines(card: dict) -> dict:
    """A line model card's test-line figures, per kind: those measured again on today's lines
    (``card["remeasured"]``, written by benchmarks/model_cards.py --write) where the card has them, else the
    export's (``card["test_lines"]``). The lines are drawn by train/lines.py with OpenCV; when either changes, the
    same seeds draw other lines."""
    return card.get("remeasured", {}).get("test_lines") or card.get("test_lines", {})


def latest_orientation_test(card: dict) -> dict:
    """An orientation model card's test figures (accuracy, asymmetric_accuracy, ...), as ``latest_test_lines``:
    measured again where the card has them, else the export's (``card["test"]``)."""
    return card.get("remeasured", {}).get("test") or card.get("test", {})


def _remeasured_markdown(card: dict, figures: str) -> list[str]:
    """The bullet of a card's ``remeasured`` figures (``figures`` already written out), or none."""
    again = card.get("remeasured")
    if not again:
        return []
    return [
        f"- Measured again on {again.get('date_utc')} at commit {again.get('commit')} (OpenCV {again.get('opencv')}, "
        f"NumPy {again.get('numpy')}; `{again.get('command')}`), on the test lines the line generator draws today: "
        + figures
    ]


def _test_lines_text(test_lines: dict) -> str:
    return ", ".join(
        f"{kind.replace('_', ' ')} {_pct(v['text_exact'])} / {_pct(v['raw_exact'])} ({v['lines']} lines)"
        for kind, v in test_lines.items()
    )


def _orientation_test_text(test: dict) -> str:
    return (
        f"called right: {_pct(test.get('accuracy'))} of {test.get('lines')} lines; "
        f"{_pct(test.get('asymmetric_accuracy'))} of the {test.get('asymmetric_lines')} with a digit 2-7 or 9, "
        f"{_pct(test.get('symmetric_accuracy'))} of the others (0, 1, 8, separators, words)"
    )


def _card_heading(card: dict) -> list[str]:
    """The first lines of a model's section of models/README.md: its name, description and file."""
    return [
        "",
        f"## `{card.get('name')}`",
        "",
        card.get("description", ""),
        "",
        f"- File: `{card.get('file')}`, {card.get('size_bytes', 0):,} bytes, SHA-256 `{card.get('sha256')}`",
    ]


def orientation_card_markdown(card: dict) -> list[str]:
    """An orientation model's section of models/README.md."""
    training, export = card.get("training", {}), card.get("export", {})
    parity, test = export.get("parity", {}), card.get("test", {})
    out = [
        *_card_heading(card),
        "- At export, test lines (synthetic lines of MNIST *test* digits, `train/lines.py`, each upright and turned "
        "180°) " + _orientation_test_text(test),
        *_remeasured_markdown(card, _orientation_test_text(card.get("remeasured", {}).get("test", {}))),
        f"- Parameters: {card.get('params', 0):,}; {card.get('mflops_per_line_of_8_digits')} MFLOPs for a line "
        "of 8 digits (192 px wide)",
        f"- Input: {card.get('input')}; preprocessing version {card.get('preprocessing_version')}",
        f"- Output: {card.get('output')}",
    ]
    if training:
        out.append(
            f"- Training: preset `{training.get('preset')}`, {training.get('epochs')} epochs, seed "
            f"{training.get('seed')}, {training.get('train_lines', '?')} synthetic lines of MNIST train "
            f"digits (each both ways); the whole run {training.get('run_seconds')} s "
            f"({training.get('data_seconds')} s making lines, {training.get('train_seconds')} s fitting) on "
            f"{training.get('versions', {}).get('cpus', '?')} CPU cores"
        )
    printed = card.get("test_printed", {})
    if printed.get("printed") and printed.get("printed_beside"):  # (cards from 2026-12-06 on)
        whole, beside = printed["printed"], printed["printed_beside"]
        out.append(
            f"- Printed in fonts no training line used (`train/orientation_fit.py` `printed_accuracy`), called right: "
            f"{whole['accuracy']:.2%} of {whole['lines']} whole printed lines, {beside['accuracy']:.2%} of "
            f"{beside['lines']} worksheet lines (printed questions beside handwritten answers)"
        )
    if parity:
        out.append(
            f"- Export: opset {export.get('opset')}; parity with Keras on {parity.get('lines')} test lines: "
            f"{parity.get('call_disagreements')} called differently, largest log-odds difference "
            f"{parity.get('max_abs_diff', 0):.2g} (allowed {parity.get('tolerance')})"
        )
    return out + _commands_markdown(card.get("commands", {}), ("train", "export"))


def digit_orientation_card_markdown(card: dict) -> list[str]:
    """A digit-orientation model's section of models/README.md."""
    training, export = card.get("training", {}), card.get("export", {})
    parity, test = export.get("parity", {}), card.get("test", {})
    out = [
        *_card_heading(card),
        f"- The full MNIST *test* set at all four quarter-turns ({test.get('digits', 0):,} digits), the turn called "
        f"right: {_pct(test.get('accuracy'))}; {_pct(test.get('asymmetric_accuracy'))} of the digits 2-7 and 9 (0, "
        f"1 and 8 look alike turned 180 degrees); the axis (upright or 180 against on its side either way) "
        f"{_pct(test.get('axis_accuracy'))}",
        f"- Parameters: {card.get('params', 0):,}; {card.get('mflops_per_digit')} MFLOPs per digit",
        f"- Input: {card.get('input')}; preprocessing version {card.get('preprocessing_version')}",
        f"- Output: {card.get('output')}",
    ]
    if training:
        out.append(
            f"- Training: preset `{training.get('preset')}`, {training.get('epochs')} epochs, seed "
            f"{training.get('seed')}, {training.get('train_images', 0):,} MNIST train digits (each at all four "
            f"turns); the whole run {training.get('run_seconds')} s ({training.get('train_seconds')} s fitting) on "
            f"{training.get('versions', {}).get('cpus', '?')} CPU cores"
        )
    if parity:
        out.append(
            f"- Export: opset {export.get('opset')}; parity with Keras on {parity.get('images'):,} turned test "
            f"digits: {parity.get('argmax_disagreements')} called differently, largest probability difference "
            f"{parity.get('max_abs_diff', 0):.2g} (allowed {parity.get('tolerance')})"
        )
    return out + _commands_markdown(card.get("commands", {}), ("train", "export"))


def line_card_markdown(card: dict) -> list[str]:
    """A line model's section of models/README.md."""
    training, export = card.get("training", {}), card.get("export", {})
    parity = export.get("parity", {})
    out = [
        *_card_heading(card),
        "- At export, test lines read exactly (synthetic lines of MNIST *test* digits, `train/lines.py`; digits "
        "only / everything incl. separators and words): " + _test_lines_text(card.get("test_lines", {})),
        *_remeasured_markdown(card, _test_lines_text(card.get("remeasured", {}).get("test_lines", {}))),
        f"- Parameters: {card.get('params', 0):,}; {card.get('mflops_per_line_of_8_digits')} MFLOPs for a line "
        "of 8 digits (192 px wide)",
        f"- Input: {card.get('input')}; preprocessing version {card.get('preprocessing_version')}",
        f"- Output: {card.get('output')}",
    ]
    if training:
        out.append(
            f"- Training: preset `{training.get('preset')}`, {training.get('epochs')} epochs, seed "
            f"{training.get('seed')}, {card.get('training', {}).get('train_lines', '?')} synthetic lines of "
            f"MNIST train digits, {training.get('train_seconds')} s of training on "
            f"{training.get('versions', {}).get('cpus', '?')} CPU cores"
            + (
                f"; started from `{training['init']}` ({training.get('init_epochs')} epochs before, "
                f"{training.get('init_train_seconds')} s)"
                if training.get("init")
                else ""
            )
        )
    if parity:
        out.append(
            f"- Export: opset {export.get('opset')}; parity with Keras on {parity.get('lines')} test lines: "
            f"{parity.get('reading_disagreements')} read differently, largest probability difference "
            f"{parity.get('max_abs_diff', 0):.2g} (allowed {parity.get('tolerance')})"
        )
    return out + _commands_markdown(card.get("commands", {}), ("train", "export"))


def _commands_markdown(commands: dict, steps: tuple[str, ...]) -> list[str]:
    """A card's commands as a fenced shell block: the runs it was trained further from (``init``, oldest
    first), then ``steps`` in order, those the card has."""
    lines = list(commands.get("init") or []) + [commands[k] for k in steps if commands.get(k)]
    return ["", "Commands that made and measured it:", "", "```sh", *lines, "```"]


M = TypeVar("M", bound=OnnxModel)


class LazyModel(Generic[M]):
    """One model of a reader, its onnxruntime session opened on first use: a cold ``classify`` of one small clean
    digit never needs the line model (40 ms and 10 MiB saved). ``given``: a session already open (kept), a shipped
    name or an ``.onnx`` path (found now, opened by ``get``), or False (no such model). ``get`` is thread-safe:
    several threads asking at once open one session. Raises ModelError, as resolve_model, for a name or path that
    is no model file."""

    def __init__(self, kind: type[M], given: M | str | os.PathLike | Literal[False], threads: int | None = None):
        self.kind, self.threads = kind, threads
        self.session: M | None = None
        self.path: Path | None = None
        if isinstance(given, kind):
            self.session = given
        elif given is not False:
            self.path = resolve_model(cast("str | os.PathLike", given))
            kind.refuse_another_kind(self.path, os.fspath(cast("str | os.PathLike", given)))  # (known from its card)
        self._lock = threading.Lock()

    def get(self) -> M | None:
        """The session, opened now if it was not yet; None when there is no model."""
        if self.session is None and self.path is not None:
            with self._lock:
                if self.session is None:
                    self.session = self.kind(self.path, self.threads)
        return self.session

    @property
    def opened(self) -> bool:
        """Is the session open (given open, or opened by ``get``)?"""
        return self.session is not None

    @property
    def file(self) -> str | Literal[False]:
        """The model's file, without opening its session; False when there is no model."""
        if self.session is not None:
            return str(self.session.path)
        return str(self.path) if self.path is not None else False
