"""The process a training or export run happens in: TensorFlow's settings and logs, and what a run records of
it (the command that started it, the library versions, its files), so that a run folder or a model card
can be repeated in another checkout. Imports nothing heavy: TensorFlow only in ``versions``.
"""

from __future__ import annotations

import os
import platform
import shlex
import sys
from pathlib import Path


def quiet_tensorflow() -> None:
    """Before TensorFlow loads: keep its C++ info and warning lines off stderr, and oneDNN's reordered float
    sums off (results would vary run to run). Either setting in the environment wins."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")


def relative_path(path: str | os.PathLike) -> str:
    """``path`` relative to the current folder when it lies inside it (``runs/cnn``, not ``/home/me/edgedigits/
    runs/cnn``), as given otherwise: what a record names must make sense in another checkout."""
    text = os.fspath(path)
    if not os.path.isabs(text):
        return text
    here = Path.cwd().resolve()
    try:
        return Path(text).resolve().relative_to(here).as_posix() or "."
    except ValueError:  # outside the current folder: keep it whole
        return text


def _relative_argument(argument: str) -> str:
    """A command-line argument with a path inside the current folder made relative: ``/x/runs/cnn`` and
    ``--out=/x/runs/cnn`` alike."""
    option, equals, value = argument.partition("=")
    if equals and option.startswith("-"):
        return f"{option}={relative_path(value)}"
    return relative_path(argument)


def command_line(program: str | None = None) -> str:
    """The command that started this process, shell-quoted, every path inside the current folder written
    relative to it. ``program``: the name to show for ``sys.argv[0]`` (the CLI passes ``"edgedigits"``);
    by default ``edgedigits`` when run through that command, else ``sys.argv[0]`` itself."""
    if program is None and Path(sys.argv[0]).name == "edgedigits":
        program = "edgedigits"
    head = program if program is not None else _relative_argument(sys.argv[0])
    return " ".join([shlex.quote(head)] + [shlex.quote(_relative_argument(a)) for a in sys.argv[1:]])


def versions() -> dict:
    """The versions a training run used: Python, TensorFlow, Keras, NumPy, the platform and its CPU count."""
    import keras
    import numpy as np
    import tensorflow as tf

    return {
        "python": platform.python_version(),
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "numpy": np.__version__,
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
    }


def make_run_folder(out: str | os.PathLike) -> Path:
    """Create the run folder ``out`` (and its parents) if needed -> its Path. ValueError naming it when it, or a
    folder above it, is a file, or it cannot be created (permissions, a full disk)."""
    out = Path(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:  # FileExistsError: a file there; NotADirectoryError: a file above it; ...
        reason = "is a file" if out.is_file() else f"cannot be created ({exc.strerror or exc})"
        raise ValueError(f"--out {out}: {reason}; choose a folder for the run (it is created if needed).") from None
    return out
