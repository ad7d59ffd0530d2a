"""Helpers shared by the benchmark scripts: the machine, fresh-process timing with peak memory, JSON output,
the seed network for the baselines (ONNX for the runtime's floor, Keras for the TensorFlow path).

The test inputs (digit PNGs, 640x480 scenes, folders) come from ``edgedigits.runtime.bench``, so
``edgedigits bench`` and these scripts measure the same material.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Literal

ROOT = Path(__file__).resolve().parents[1]
SHARED_MNIST = ROOT.parent / "shared" / "data" / "mnist"
if "EDGEDIGITS_DATA" not in os.environ and SHARED_MNIST.is_dir():  # as the tests do: the project's copy of MNIST
    os.environ["EDGEDIGITS_DATA"] = str(SHARED_MNIST)
PYTHON = sys.executable
EDGEDIGITS = str(Path(sys.executable).with_name("edgedigits"))  # the console script of this venv
SEED_KERAS = Path(os.environ.get("EDGEDIGITS_SEED_KERAS", ROOT / "runs" / "seed" / "model.keras"))
MODELS = ROOT / "models"
WORK = Path(os.environ.get("EDGEDIGITS_BENCH_DIR", "/tmp/edgedigits-bench"))

# The [train] extra (pyproject.toml) by import name. The runtime never needs it; some benchmarks' material does:
# Pillow typesets printed lines and worksheets (train/lines.py font_glyph, train/scenes.py scanned_worksheet),
# matplotlib holds their fonts (train/lines.py font_files), TensorFlow and Keras run the baselines (seed_keras).
TRAIN_EXTRA = ("PIL", "matplotlib", "tensorflow", "keras", "tf2onnx", "onnx")
TRAIN_EXTRA_FIX = "pip install -e '.[train]', or run the benchmarks with .venv-dev/bin/python (made by `make test`)"
SCRIPT = Path(sys.argv[0]).name if sys.argv and sys.argv[0] else ""


def needs_train_extra(*modules: str) -> None:
    """Exit with one line naming the missing modules and the fix when any of ``modules`` (default: Pillow and
    matplotlib, what the printed lines need) is not installed: a runtime-only venv (``make demo``'s
    .venv-runtime) has none of the [train] extra. The scripts whose material is typeset (accuracy.py but for
    --only digits, cases and kinds --kind K; model_cards.py; robustness.py) call it once their options are read."""
    from importlib.util import find_spec

    missing = [name for name in modules or ("PIL", "matplotlib") if find_spec(name) is None]
    if missing:
        raise SystemExit(
            f"{SCRIPT or 'this benchmark'} needs {' and '.join(missing)} from the [train] extra, which "
            f"{sys.executable} lacks: {TRAIN_EXTRA_FIX}"
        )


def _train_extra_hook(kind, error, trace) -> None:
    """sys.excepthook of a benchmark script: a module of the [train] extra imported and missing (a path
    needs_train_extra does not catch first) is one line naming it and the fix, not a traceback."""
    name = getattr(error, "name", None) or ""
    if issubclass(kind, ModuleNotFoundError) and name.split(".")[0] in TRAIN_EXTRA:
        print(
            f"{SCRIPT}: no module named {name!r}, which the [train] extra installs: {TRAIN_EXTRA_FIX}", file=sys.stderr
        )
        return
    sys.__excepthook__(kind, error, trace)


if SCRIPT.endswith(".py") and (Path(__file__).parent / SCRIPT).resolve() == Path(sys.argv[0]).resolve():
    sys.excepthook = _train_extra_hook  # only when run as a benchmark script (not imported by a test)


def seed_onnx() -> str:
    """The seed network as ONNX: the shipped seed-mlp.onnx, else the dev export of runs/."""
    for path in (MODELS / "seed-mlp.onnx", ROOT / "runs" / "dev.onnx"):
        if path.is_file():
            return str(path)
    raise SystemExit("no seed ONNX model: expected models/seed-mlp.onnx (or ../runs/dev.onnx)")


def seed_keras(given: str | None = None, leave_out: str = "--no-tf") -> Path:
    """The seed network as a Keras file, for the TensorFlow baselines; made once if need be.

    ``given`` (cold_start.py's --seed-keras), else $EDGEDIGITS_SEED_KERAS, else ../runs/seed/model.keras, else
    $EDGEDIGITS_BENCH_DIR/seed-1epoch/model.keras, trained there the first time: the seed preset for one epoch
    on 6,000 images (a few seconds). The baselines time TensorFlow's imports, model load and inference, which
    depend on the network, not on how well its weights are trained. ``leave_out``: the script's option that
    drops its TensorFlow rows, named in the errors.
    """
    if given:
        path = Path(given)
        if not path.is_file():
            raise SystemExit(
                f"--seed-keras {given}: no such file; pass the model.keras of a seed run "
                "(edgedigits train --preset seed), or leave the option out to have one made"
            )
        return path
    if SEED_KERAS.is_file():
        return SEED_KERAS
    made = WORK / "seed-1epoch" / "model.keras"
    if made.is_file():
        return made
    from importlib.util import find_spec

    if find_spec("tensorflow") is None:
        raise SystemExit(
            "the TensorFlow baseline needs a Keras seed model and TensorFlow to load it: run this from a "
            "venv with the [train] extra (pip install -e '.[train]'), point $EDGEDIGITS_SEED_KERAS at a seed "
            f"run's model.keras, or leave the TensorFlow rows out with {leave_out}"
        )
    print(
        f"making the seed network for the TensorFlow baseline (1 epoch, 6,000 images) in {made.parent} ...",
        file=sys.stderr,
    )
    done = subprocess.run(
        [EDGEDIGITS, "train", "--preset", "seed", "--epochs", "1", "--subset", "6000", "--out", str(made.parent)],
        capture_output=True,
        text=True,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"},
    )
    if done.returncode != 0 or not made.is_file():
        raise SystemExit(
            f"could not train the seed network for the TensorFlow baseline ({done.stderr.strip()[-800:]}); "
            f"point $EDGEDIGITS_SEED_KERAS at a seed run's model.keras, or leave the TensorFlow rows out with "
            f"{leave_out}"
        )
    return made


def parser(description: str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--json", metavar="FILE", help="also write the figures to this JSON file")
    p.add_argument("--quick", action="store_true", help="tiny sizes: a smoke test of the script, not figures")
    return p


def now_utc() -> str:
    return _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def machine() -> dict:
    """CPU model, cores, RAM, OS, Python and library versions, load, date: the context of every figure."""
    info: dict = {
        "date_utc": now_utc(),
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "os": platform.platform(),
    }
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text()
        info["cpu"] = next(
            line.split(":", 1)[1].strip() for line in cpuinfo.splitlines() if line.startswith("model name")
        )
        flags = next((line for line in cpuinfo.splitlines() if line.startswith("flags")), "")
        info["simd"] = " ".join(f for f in ("avx2", "avx512f", "avx512_vnni", "fma") if f" {f}" in flags)
        mem = Path("/proc/meminfo").read_text().split("\n")[0].split()
        info["ram_gib"] = round(int(mem[1]) / 2**20, 1)
    except (OSError, StopIteration, IndexError, ValueError):
        info["cpu"] = platform.processor() or platform.machine()
    info["load_1min_at_start"] = round(os.getloadavg()[0], 2)
    versions = {}
    for name in ("numpy", "cv2", "onnxruntime", "tensorflow", "keras"):
        try:
            out = subprocess.run(
                [PYTHON, "-c", f"import importlib.metadata as m, {name} as x; print(x.__version__)"],
                capture_output=True,
                text=True,
                timeout=120,
                env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
            )
            versions[name] = out.stdout.strip().splitlines()[-1] if out.returncode == 0 else "not installed"
        except (subprocess.TimeoutExpired, IndexError):
            versions[name] = "?"
    info["versions"] = versions
    return info


def busy_warning() -> str | None:
    """A warning when something else is using the CPUs (a training run): figures taken now are not figures."""
    load = os.getloadavg()[0]
    training = subprocess.run(["pgrep", "-f", "edgedigits train"], capture_output=True, text=True).stdout.split()
    if training or load > 0.7:
        return (
            f"machine busy (1-min load {load:.2f}"
            + (f", training pid {' '.join(training)}" if training else "")
            + "): figures are NOT representative"
        )
    return None


TIME = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None


def run_measured(cmd: list[str], env: dict | None = None, stdout=subprocess.DEVNULL, timeout: float = 300) -> dict:
    """Run ``cmd`` in a fresh process: wall seconds, CPU seconds and peak RSS (MiB).

    The peak RSS comes from ``/usr/bin/time -f %M`` when present: its child is forked from a 1 MiB process.
    (Measured directly, a child forked from this Python process would inherit our ~100 MiB high-water mark
    in ru_maxrss: Linux carries the pre-exec peak over.) Without /usr/bin/time: ``os.wait4``'s ru_maxrss.
    """
    with tempfile.TemporaryDirectory() as tmp:
        report = os.path.join(tmp, "time")
        full = [TIME, "-f", "%M %U %S", "-o", report, *cmd] if TIME else cmd
        with open(os.path.join(tmp, "stderr"), "w+b") as errors:
            started = time.perf_counter()
            proc = subprocess.Popen(full, env=env, stdout=stdout, stderr=errors)
            killer = threading.Timer(timeout, proc.kill)
            killer.start()
            _, status, usage = os.wait4(proc.pid, 0)
            wall = time.perf_counter() - started
            killer.cancel()
            errors.seek(0)
            stderr = errors.read().decode(errors="replace")
        rss_kib, cpu = usage.ru_maxrss, usage.ru_utime + usage.ru_stime
        if TIME:
            try:
                fields = open(report).read().split()[-3:]
                rss_kib, cpu = int(fields[0]), float(fields[1]) + float(fields[2])
            except (OSError, ValueError, IndexError):
                pass
    return {
        "wall_s": wall,
        "peak_rss_mib": rss_kib / 1024,
        "returncode": os.waitstatus_to_exitcode(status),
        "cpu_s": cpu,
        "stderr": stderr[-3000:],
    }


def model_path(path: str | os.PathLike | Literal[False] | None) -> str | Literal[False] | None:
    """A model file as the JSON reports record it: relative to the repository when it is inside it
    (``models/line.onnx``), so that a report reads the same on every clone; any other path as given."""
    if not path:
        return path
    try:
        return Path(path).resolve().relative_to(ROOT).as_posix()
    except ValueError:
        return str(path)


def write_json(path: str | None, data: dict) -> None:
    if path:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_text(json.dumps(data, indent=2, default=float) + "\n")


def table(headers: list[str], rows: list[list]) -> str:
    """A Markdown table (also readable as plain text)."""
    cells = [[str(c) for c in row] for row in rows]
    out = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    out += ["| " + " | ".join(row) + " |" for row in cells]
    return "\n".join(out)
