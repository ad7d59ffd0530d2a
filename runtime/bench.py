"""Speed figures behind ``edgedigits bench``: model latency and throughput, time per stage for one digit and
for a 640x480 scene, and folder throughput — for any model, on this machine, rerunnable by anyone.

    report = run(model=None, quick=False)   # a dict (``--format json``)
    print(format_text(report))

The test inputs come from synth.py (real MNIST test digits when they are on disk, else digits drawn with a
script font), shared with the scripts in ``benchmarks/``, which add the TensorFlow baselines.
Latencies are medians over many calls on one core (``threads=1``, ``cv2.setNumThreads(1)``); throughputs use
every core, as ``edgedigits classify`` does. NumPy, OpenCV and onnxruntime only: never TensorFlow.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import platform
import statistics
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator

import cv2
import numpy as np

from .images import decode as decode_image
from .synth import digit_png, make_scene, on_paper, sample_digits

FOLDER_VERSION = "1"  # bump when the generated files change, so stale temp folders are rebuilt


# --------------------------------------------------------------------------- test inputs


def write_folder(n: int, folder: str | os.PathLike | None = None, seed: int = 0) -> Path:
    """A folder of ``n`` digit PNGs (28 to 64 px, ink on paper), reused when it is already complete."""
    folder = Path(folder) if folder else Path(tempfile.gettempdir()) / "edgedigits-bench" / f"png-{n}-v{FOLDER_VERSION}"
    done = folder / ".complete"
    digits, labels, source = sample_digits(n, seed)
    marker = json.dumps({"n": n, "seed": seed, "version": FOLDER_VERSION, "digits": source})
    if done.is_file() and done.read_text() == marker:
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    for stale in image_files(folder):  # an older or different set (other digits, other names) would mix in
        os.remove(stale)
    rng = np.random.default_rng(seed + 1)
    for i, (digit, label) in enumerate(zip(digits, labels)):
        image = on_paper(digit, int(rng.integers(28, 65)), rng)
        (folder / f"{i:06d}-{label}.png").write_bytes(cv2.imencode(".png", image)[1].tobytes())
    done.write_text(marker)
    return folder


def image_files(folder: str | os.PathLike) -> list[str]:
    """The paths of the PNG files in ``folder`` (not hidden ones), sorted."""
    return sorted(
        e.path for e in os.scandir(os.fspath(folder)) if e.name.endswith(".png") and not e.name.startswith(".")
    )


# --------------------------------------------------------------------------- timing


def median_ms(fn: Callable[[], object], repeats: int, warmup: int = 3) -> dict:
    """Median (and 10th/90th percentile) wall time of ``fn()`` in milliseconds over ``repeats`` calls."""
    for _ in range(warmup):
        fn()
    times = []
    clock = time.perf_counter
    for _ in range(max(1, repeats)):
        started = clock()
        fn()
        times.append((clock() - started) * 1e3)
    times.sort()
    return {
        "median_ms": statistics.median(times),
        "p10_ms": times[len(times) // 10],
        "p90_ms": times[(len(times) * 9) // 10],
        "runs": len(times),
    }


@contextmanager
def opencv_threads(n: int) -> Iterator[None]:
    before = cv2.getNumThreads()
    cv2.setNumThreads(n)
    try:
        yield
    finally:
        cv2.setNumThreads(before)


# --------------------------------------------------------------------------- the measurements


def model_figures(model_name, repeats: int, batch: int, threads: int | None = None) -> dict:
    """Batch-1 latency on one core, and images/s at a large batch on ``threads`` (None: every core)."""
    from .model import Model

    digits = sample_digits(batch, seed=1)[0].astype(np.float32) / 255.0
    one = Model(model_name, threads=1)
    many = Model(model_name, threads=threads)
    latency = median_ms(lambda: one.predict(digits[:1]), repeats * 10, warmup=20)
    big = median_ms(lambda: many.predict(digits), max(3, repeats // 10), warmup=1)
    return {
        "model": one.name,
        "path": str(one.path),
        "batch1_latency_us": latency["median_ms"] * 1e3,
        "batch": batch,
        "batch_ms": big["median_ms"],
        "throughput_images_per_s": batch / (big["median_ms"] / 1e3),
    }


def stage_figures(reader, data: bytes, repeats: int) -> dict:
    """Median time per stage for one encoded image, each timed inside the ``reader.read`` that ran it (the
    path it actually took: the fast path, the half-resolution pass, or the full stages): decode, extract
    (page, ink map, segmentation, lines, normalization), infer (the networks, the upright-or-turned check, and
    any second look at the image: turned, or extracted again), and the whole ``read``."""
    for _ in range(3):
        reader.read(data)
    stages: dict[str, list[float]] = {"decode": [], "extract": [], "infer": [], "total": []}
    for _ in range(repeats):
        started = time.perf_counter()
        reading = reader.read(data)
        stages["total"].append((time.perf_counter() - started) * 1e3)
        for key in ("decode", "extract", "infer"):
            stages[key].append(reading.timings_ms[key])
    image = decode_image(data)
    out: dict[str, Any] = {
        "image": f"{image.shape[1]}x{image.shape[0]}",
        "bytes": len(data),
        "digits_found": len(reading.digits),
    }
    out.update({f"{key}_ms": float(np.median(values)) for key, values in stages.items()})
    out["per_second"] = 1e3 / out["total_ms"] if out["total_ms"] > 0 else 0.0
    return out


def line_model_figures(repeats: int) -> dict | None:
    """The shipped line model on one line of 8 digits' width (192 px), batch 1, one thread; None without one."""
    from .model import LineModel, shipped_line_model

    return _line_tensor_figures(LineModel, shipped_line_model(), repeats)


def orientation_model_figures(repeats: int) -> dict | None:
    """The shipped orientation model (upright or turned 180 degrees) on the same line as the line model, batch 1,
    one thread; None without one. The reader runs it once over a page's lines, beside the line model."""
    from .model import OrientationModel, shipped_orientation_model

    return _line_tensor_figures(OrientationModel, shipped_orientation_model(), repeats)


def _line_tensor_figures(kind, name: str | None, repeats: int) -> dict | None:
    from .lines import HEIGHT

    if name is None:
        return None
    model = kind(name, threads=1)
    line = np.random.default_rng(0).random((1, HEIGHT, 192), dtype=np.float32)
    latency = median_ms(lambda: model.predict(line), repeats * 10, warmup=20)
    return {
        "model": model.name,
        "line_192px_latency_us": latency["median_ms"] * 1e3,
        "mflops_per_line_of_8_digits": model.metadata.get("mflops_per_line_of_8_digits"),
    }


def digit_orientation_model_figures(repeats: int) -> dict | None:
    """The shipped digit-orientation model (the quarter-turn each digit lies at) on the six digits of a scene,
    batch 6, one thread: the call the reader's vote makes on a page whose blobs lie wide; None without one."""
    from .model import DigitOrientationModel, shipped_digit_orientation_model

    name = shipped_digit_orientation_model()
    if name is None:
        return None
    model = DigitOrientationModel(name, threads=1)
    digits = sample_digits(6, seed=1)[0].astype(np.float32) / 255.0
    latency = median_ms(lambda: model.predict(digits), repeats * 10, warmup=20)
    return {
        "model": model.name,
        "six_digits_latency_us": latency["median_ms"] * 1e3,
        "mflops_per_digit": model.metadata.get("mflops_per_digit"),
    }


def _decode_files(paths: list[str]) -> int:
    cv2.setNumThreads(1)
    for path in paths:
        with open(path, "rb") as handle:
            cv2.imdecode(np.frombuffer(handle.read(), np.uint8), cv2.IMREAD_UNCHANGED)
    return len(paths)


def decode_rate(files: list[str], workers: int) -> float:
    """Images/s of merely reading and decoding ``files`` with OpenCV: the best of one thread and two passes on
    ``workers`` processes (threads do worse than one thread on small files: GIL hand-offs cost more than a decode)."""
    with opencv_threads(1):
        started = time.perf_counter()
        _decode_files(files)
        best = len(files) / (time.perf_counter() - started)
    if workers > 1:
        chunks = [files[i : i + 500] for i in range(0, len(files), 500)]
        spawn = multiprocessing.get_context("spawn")  # never fork a process that has used OpenCV's threads
        with ProcessPoolExecutor(workers, mp_context=spawn) as pool:
            list(pool.map(_decode_files, chunks[:workers]))  # start the workers
            for _ in range(2):
                started = time.perf_counter()
                sum(pool.map(_decode_files, chunks))
                best = max(best, len(files) / (time.perf_counter() - started))
    return best


def folder_figures(model_name, folder: Path, workers: int | None = None) -> dict:
    """``classify FOLDER --format jsonl`` in-process (reader + JSON writer to /dev/null) vs decode alone."""
    from .output import Writer
    from .reader import DigitReader

    files = image_files(folder)
    workers = workers or os.cpu_count() or 1
    decoded = decode_rate(files, workers)
    reader = DigitReader(model_name)
    with open(os.devnull, "w") as sink:
        writer = Writer("jsonl", sink)
        started = time.perf_counter()
        count = failed = 0
        for reading in reader.read_paths([str(folder)], workers=workers, processes=True):
            writer.write(reading)
            count += 1
            failed += not reading.ok
        seconds = time.perf_counter() - started
    rate = count / seconds
    return {
        "folder": str(folder),
        "images": count,
        "failed": failed,
        "workers": workers,
        "decode_images_per_s": decoded,
        "classify_images_per_s": rate,
        "ratio_to_decode": rate / decoded,
    }


def environment() -> dict:
    import onnxruntime

    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as handle:
            cpu = next(line.split(":", 1)[1].strip() for line in handle if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "opencv": cv2.__version__,
        "onnxruntime": onnxruntime.__version__,
    }


def run(model=None, quick: bool = False, folder_images: int | None = None, workers: int | None = None) -> dict:
    """Every figure of ``edgedigits bench`` as a dict. ``quick``: small sizes, a few seconds in all."""
    from .reader import DigitReader

    repeats = 30 if quick else 300
    started = time.perf_counter()
    report: dict = {"environment": environment(), "quick": quick}
    report["model"] = model_figures(model, repeats, batch=1024 if quick else 8192)
    report["line_model"] = line_model_figures(repeats)
    report["orientation_model"] = orientation_model_figures(repeats)
    report["digit_orientation_model"] = digit_orientation_model_figures(repeats)
    with opencv_threads(1):
        reader = DigitReader(model, threads=1)
        digits = sample_digits(6, seed=0)
        report["inputs"] = digits[2]
        scene = cv2.imencode(".jpg", make_scene(digits[0]), [cv2.IMWRITE_JPEG_QUALITY, 90])[1].tobytes()
        report["digit"] = stage_figures(reader, digit_png(), repeats)
        report["scene"] = stage_figures(reader, scene, repeats)
    folder = write_folder(folder_images or (300 if quick else 2000))
    report["folder"] = folder_figures(model, folder, workers)
    report["seconds"] = time.perf_counter() - started
    return report


# --------------------------------------------------------------------------- text


def format_text(report: dict) -> str:
    m, f, env = report["model"], report["folder"], report["environment"]
    lines = [
        f"edgedigits bench — model {m['model']} ({m['path']})",
        f"machine: {env['cpu']}, {env['cores']} cores; Python {env['python']}, onnxruntime {env['onnxruntime']}, "
        f"OpenCV {env['opencv']}, NumPy {env['numpy']}; inputs: {report['inputs']}"
        + ("; --quick" if report["quick"] else ""),
        "",
        "model",
        f"  latency, batch 1 (1 thread)      {m['batch1_latency_us']:10.1f} µs",
        f"  throughput, batch {m['batch']:<6} (all)  {m['throughput_images_per_s']:10,.0f} images/s",
        "",
    ]
    for key, label in (("line_model", "line model"), ("orientation_model", "orientation model")):
        line = report.get(key)
        if line:
            lines.append(
                f"{label} {line['model']}: one line of 8 digits (192 px), batch 1 (1 thread) "
                f"{line['line_192px_latency_us']:10.1f} µs; {line['mflops_per_line_of_8_digits']} MFLOPs"
            )
    turns = report.get("digit_orientation_model")
    if turns:
        lines.append(
            f"digit-orientation model {turns['model']}: six digits, batch 6 (1 thread) "
            f"{turns['six_digits_latency_us']:10.1f} µs; {turns['mflops_per_digit']} MFLOPs a digit"
        )
    if any(report.get(key) for key in ("line_model", "orientation_model", "digit_orientation_model")):
        lines.append("")
    lines.append("per stage, one core (median ms)  decode  extract   infer    total  per second  digits")
    for key, label in (("digit", "one digit"), ("scene", "scene")):
        s = report[key]
        name = f"{label} {s['image']} ({'PNG' if key == 'digit' else 'JPEG'})"
        lines.append(
            f"  {name:<30} {s['decode_ms']:7.3f} {s['extract_ms']:8.3f} {s['infer_ms']:7.3f} "
            f"{s['total_ms']:8.3f} {s['per_second']:11,.0f} {s['digits_found']:7d}"
        )
    lines += [
        "",
        f"folder: {f['images']:,} PNGs, {f['workers']} workers ({f['folder']})",
        f"  decode only (OpenCV, best of 1 thread / {f['workers']} processes) "
        f"{f['decode_images_per_s']:10,.0f} images/s",
        f"  read + jsonl (classify)                          {f['classify_images_per_s']:10,.0f} images/s  "
        f"({f['ratio_to_decode']:.2f}x decode)",
        "",
        f"{report['seconds']:.1f} s",
    ]
    return "\n".join(lines)
