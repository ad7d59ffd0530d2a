"""Folder throughput: `edgedigits classify FOLDER` on 30,000 small digit PNGs vs merely decoding them.

    python benchmarks/folder_throughput.py [--images 30000] [--json FILE]

The folder (MNIST test digits as dark ink on light, slightly noisy paper, 28-64 px grey PNGs) is written once
to $EDGEDIGITS_BENCH_DIR (default /tmp/edgedigits-bench) and reused. Runs, all on a warm file cache:
  (a) decode only: read the bytes and ``cv2.imdecode`` every file, on 1 and 2 threads and 2 processes, best
      of 3 passes each;
      "decode rate" = the best of the three (the ceiling issue 5 compares against);
  (b) ``edgedigits classify FOLDER --format jsonl > /dev/null`` with --workers 1 and 2 (2 = the default here);
      rate = images / wall time of the whole command (start-up included), and the steady rate it reports;
  (c) the original TensorFlow path on the same files: a tf.data pipeline (read, decode_png, resize to 28x28,
      invert; parallel map, batches of 1024) into the seed Keras model's ``predict``. The Keras model:
      $EDGEDIGITS_SEED_KERAS, else ../runs/seed/model.keras, else one made once (the seed preset trained for
      one epoch on 6,000 images, a few seconds) into $EDGEDIGITS_BENCH_DIR/seed-1epoch, the same file
      cold_start.py uses (``_common.seed_keras``); --no-tf leaves this run out (no TensorFlow needed).
Goal (issue 5): classify >= 0.5x the decode rate.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import re
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import cv2
import numpy as np

from _common import (
    EDGEDIGITS,
    PYTHON,
    WORK,
    busy_warning,
    machine,
    parser,
    run_measured,
    seed_keras,
    table,
    write_json,
)

from edgedigits.runtime.bench import image_files, write_folder

GOAL = 0.5

TF_FOLDER = """
import json, os, sys, time
started = time.perf_counter()
import tensorflow as tf
import keras
model = keras.models.load_model(sys.argv[1])
ready = time.perf_counter()
files = sorted(os.path.join(sys.argv[2], f) for f in os.listdir(sys.argv[2]) if f.endswith(".png"))

def load(path):
    image = tf.io.decode_png(tf.io.read_file(path), channels=1)
    image = tf.image.resize(image, (28, 28), antialias=True)
    return 1.0 - image[:, :, 0] / 255.0

data = (tf.data.Dataset.from_tensor_slices(files).map(load, num_parallel_calls=tf.data.AUTOTUNE)
        .batch(1024).prefetch(tf.data.AUTOTUNE))
labels = model.predict(data, verbose=0).argmax(axis=1)
done = time.perf_counter()
print(json.dumps({"images": len(labels), "startup_s": ready - started, "run_s": done - ready}))
"""


def _decode(path: str) -> int:
    with open(path, "rb") as handle:
        return cv2.imdecode(np.frombuffer(handle.read(), np.uint8), cv2.IMREAD_UNCHANGED).shape[0]


def _decode_chunk(paths: list[str]) -> int:
    cv2.setNumThreads(1)
    return sum(_decode(p) > 0 for p in paths)


def decode_rates(files: list[str], repeats: int = 3) -> dict:
    """Images/s of read + cv2.imdecode alone on one thread, two threads, two processes (best of ``repeats``)."""
    cv2.setNumThreads(1)
    chunks = [files[i : i + 500] for i in range(0, len(files), 500)]
    with (
        ThreadPoolExecutor(2) as threads,
        ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as processes,
    ):  # never fork after cv2
        runners = {
            "1 thread": lambda: [_decode(p) for p in files],
            "2 threads": lambda: list(threads.map(_decode, files)),
            "2 processes": lambda: sum(processes.map(_decode_chunk, chunks)),
        }
        list(processes.map(_decode_chunk, chunks[:2]))  # start the workers
        out = dict.fromkeys(runners, 0.0)
        for _ in range(repeats):
            for name, runner in runners.items():
                started = time.perf_counter()
                runner()
                out[name] = max(out[name], len(files) / (time.perf_counter() - started))
    return out


def classify_rate(folder: str, workers: int, model: str | None) -> dict:
    cmd = [EDGEDIGITS, "classify", folder, "--format", "jsonl", "--workers", str(workers)]
    if model:
        cmd += ["--model", model]
    with open(os.devnull, "w") as sink:
        r = run_measured(cmd, stdout=sink, timeout=900)
    if r["returncode"] != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({r['returncode']}):\n{r['stderr']}")
    m = re.search(r"(\d+) image\(s\): (\d+) read, (\d+) failed.*?; ([\d.]+) s \((\d+) images/s\)", r["stderr"])
    images = int(m.group(1)) if m else None
    return {
        "workers": workers,
        "wall_s": r["wall_s"],
        "peak_rss_mib": r["peak_rss_mib"],
        "cpu_s": r["cpu_s"],
        "images": images,
        "failed": int(m.group(3)) if m else None,
        "images_per_s": images / r["wall_s"] if images else None,
        "steady_images_per_s": float(m.group(5)) if m else None,
    }


def tf_rate(keras_path: str, folder: str) -> dict:
    """The original TensorFlow path on ``folder`` (see the module docstring), in a fresh process."""
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    out = subprocess.run(
        [PYTHON, "-c", TF_FOLDER, keras_path, folder], capture_output=True, text=True, env=env, timeout=900
    )
    if out.returncode != 0:
        return {"error": out.stderr[-500:]}
    r = json.loads(out.stdout.strip().splitlines()[-1])
    r["images_per_s"] = r["images"] / r["run_s"]
    return r


def main() -> None:
    p = parser(__doc__)
    p.add_argument("--images", type=int, default=30000, help="PNG files in the folder")
    p.add_argument("--model", default=None, help="model for classify (default: the shipped default)")
    p.add_argument("--no-tf", action="store_true", help="skip the TensorFlow baseline")
    args = p.parse_args()
    n = 500 if args.quick else args.images
    warning = busy_warning()
    if warning:
        print("WARNING:", warning, file=sys.stderr)
    # Found (or made, in a subprocess) before anything is timed, so a missing model fails fast.
    keras_path = None if args.no_tf else str(seed_keras())
    started = time.perf_counter()
    folder = str(write_folder(n, WORK / f"png-{n}"))
    files = image_files(folder)
    sizes = [os.path.getsize(f) for f in files[:2000]]
    made = time.perf_counter() - started

    decode = decode_rates(files)
    ceiling = max(decode.values())  # the best way to merely decode them on this machine
    runs = [classify_rate(folder, w, args.model) for w in (1, 2)]
    for r in runs:
        r["ratio_to_decode"] = r["images_per_s"] / ceiling
        r["steady_ratio_to_decode"] = r["steady_images_per_s"] / ceiling
    tf = None if keras_path is None else tf_rate(keras_path, folder)
    best = max(runs, key=lambda r: r["images_per_s"])

    print(
        f"{len(files):,} PNGs in {folder} (mean {np.mean(sizes):.0f} bytes; folder ready in {made:.1f} s)"
        + (" (QUICK: not figures)" if args.quick else "")
    )
    rows = [
        [f"decode only, {k} (read + cv2.imdecode)", f"{v:,.0f}", f"{v / ceiling:.2f}x", ""] for k, v in decode.items()
    ]
    rows += [
        [
            f"edgedigits classify --workers {r['workers']} --format jsonl",
            f"{r['images_per_s']:,.0f}",
            f"{r['ratio_to_decode']:.3f}x",
            f"steady {r['steady_images_per_s']:,.0f}/s ({r['steady_ratio_to_decode']:.3f}x); "
            f"{r['wall_s']:.1f} s wall, {r['cpu_s']:.1f} s CPU, {r['peak_rss_mib']:.0f} MiB",
        ]
        for r in runs
    ]
    if tf and "error" not in tf:
        rows.append(
            [
                "TensorFlow path: tf.data decode + resize, Keras predict (seed)",
                f"{tf['images_per_s']:,.0f}",
                f"{tf['images_per_s'] / ceiling:.3f}x",
                f"+ {tf['startup_s']:.1f} s import and model load",
            ]
        )
    print(table(["run", "images/s", "vs decode (2 cores)", "notes"], rows))
    print(
        f"\ngoal >= {GOAL}x the decode rate: {best['ratio_to_decode']:.3f}x -> "
        f"{'met' if best['ratio_to_decode'] >= GOAL else 'NOT met'} "
        f"(needs {GOAL * ceiling:,.0f} images/s; {time.perf_counter() - started:.0f} s in all)"
    )
    if tf and "error" in tf:
        print("TensorFlow path failed:", tf["error"], file=sys.stderr)
    write_json(
        args.json,
        {
            "machine": machine(),
            "busy": warning,
            "quick": args.quick,
            "folder": folder,
            "images": len(files),
            "mean_png_bytes": float(np.mean(sizes)),
            "decode_images_per_s": decode,
            "decode_ceiling_images_per_s": ceiling,
            "classify": runs,
            "tensorflow": tf,
            "goal_ratio": GOAL,
            "goal_met": best["ratio_to_decode"] >= GOAL,
        },
    )


if __name__ == "__main__":
    main()
