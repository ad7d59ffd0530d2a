"""Model only: latency at batch 1 and throughput at a large batch, Keras vs onnxruntime vs OpenCV DNN.

    python benchmarks/model_latency.py [--batch 10000] [--json FILE]

Inputs are real MNIST test digits (float32 [N, 28, 28] in [0, 1]). Batch-1 latency: median of many calls
on one thread (onnxruntime intra_op_num_threads=1, cv2.setNumThreads(1); Keras/TensorFlow with its default
threads, as the original ran). Throughput: median of a few calls at batch ``--batch`` on every core.
onnxruntime is timed both as the raw ``session.run`` and through the runtime's ``Model.predict``
(argument checks, chunks of 1024).

The Keras rows need the seed network as a Keras file: $EDGEDIGITS_SEED_KERAS, else ../runs/seed/model.keras,
else one is made once (the seed preset trained for one epoch on 6,000 images, a few seconds) into
$EDGEDIGITS_BENCH_DIR/seed-1epoch, the same file cold_start.py uses (``_common.seed_keras``). Its latency and
throughput depend on the network, not on its weights. --no-keras leaves those rows out (no TensorFlow needed).
"""

from __future__ import annotations

import os
import sys
import time

import cv2
import numpy as np

from _common import MODELS, busy_warning, machine, parser, seed_keras, seed_onnx, table, write_json

from edgedigits.runtime import mnist
from edgedigits.runtime.bench import median_ms, opencv_threads
from edgedigits.runtime.model import Model


def row(
    framework: str, model: str, latency_ms: float | None, batch: int | None, batch_ms: float | None, note: str = ""
) -> dict:
    return {
        "framework": framework,
        "model": model,
        "batch1_latency_us": None if latency_ms is None else latency_ms * 1e3,
        "batch": batch,
        "throughput_images_per_s": None if not batch_ms else batch / (batch_ms / 1e3),
        "note": note,
    }


def onnxruntime_rows(name: str, path: str, x: np.ndarray, repeats: int) -> list[dict]:
    one, many = Model(path, threads=1), Model(path)
    feed1 = {one.input_name: x[:1]}
    feed = {many.input_name: x}
    raw1 = median_ms(lambda: one.session.run([one.output_name], feed1), repeats * 10, warmup=50)["median_ms"]
    raw = median_ms(lambda: many.session.run([many.output_name], feed), max(3, repeats // 20), warmup=1)["median_ms"]
    api1 = median_ms(lambda: one.predict(x[:1]), repeats * 10, warmup=50)["median_ms"]
    api = median_ms(lambda: many.predict(x), max(3, repeats // 20), warmup=1)["median_ms"]
    return [
        row("onnxruntime session.run", name, raw1, len(x), raw, "one batch"),
        row("edgedigits Model.predict", name, api1, len(x), api, "chunks of 1024"),
    ]


def opencv_row(name: str, path: str, x: np.ndarray, repeats: int) -> dict:
    try:
        net = cv2.dnn.readNetFromONNX(path)

        def run(batch):
            net.setInput(batch)
            return net.forward()

        with opencv_threads(1):
            out = run(x[:1])
            if np.asarray(out).shape[-1] != 10:
                raise ValueError(f"output shape {np.asarray(out).shape}")
            latency = median_ms(lambda: run(x[:1]), repeats * 10, warmup=50)["median_ms"]
        big = median_ms(lambda: run(x), max(3, repeats // 20), warmup=1)["median_ms"]
        return row("OpenCV DNN", name, latency, len(x), big)
    except Exception as exc:  # noqa: BLE001 - any failure to load/run is a result, reported as such
        return row("OpenCV DNN", name, None, None, None, f"does not run: {' '.join(str(exc).split())[:160]}")


def keras_rows(path: str, x: np.ndarray, repeats: int) -> list[dict]:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import keras

    model = keras.models.load_model(path)
    name = f"{os.path.basename(os.path.dirname(path))} (Keras)"
    predict1 = median_ms(lambda: model.predict(x[:1], verbose=0), max(20, repeats // 5), warmup=3)["median_ms"]
    call1 = median_ms(lambda: model(x[:1], training=False), repeats * 2, warmup=10)["median_ms"]
    predict = median_ms(lambda: model.predict(x, batch_size=1024, verbose=0), 3, warmup=1)["median_ms"]
    call = median_ms(lambda: model(x, training=False), 3, warmup=1)["median_ms"]
    return [
        row("Keras predict", name, predict1, len(x), predict, "batch_size=1024"),
        row("Keras direct call", name, call1, len(x), call, "one batch"),
    ]


def main() -> None:
    p = parser(__doc__)
    p.add_argument("--batch", type=int, default=10000, help="images in the throughput batch")
    p.add_argument("--repeats", type=int, default=200, help="scale of the repeat counts")
    p.add_argument("--no-keras", action="store_true", help="skip the TensorFlow baseline")
    args = p.parse_args()
    batch, repeats = (512, 20) if args.quick else (args.batch, args.repeats)
    warning = busy_warning()
    if warning:
        print("WARNING:", warning, file=sys.stderr)
    # Found (or made, in a subprocess) before anything is timed, so a missing model fails fast.
    keras_path = None if args.no_keras else str(seed_keras(leave_out="--no-keras"))
    images = mnist.load("test").images
    x = images[np.arange(batch) % len(images)].astype(np.float32) / 255.0
    models = {"seed-mlp": seed_onnx()}
    for name in ("default", "fast"):
        if (MODELS / f"{name}.onnx").is_file():
            models[name] = str(MODELS / f"{name}.onnx")
    started = time.perf_counter()
    rows = []
    for name, path in models.items():  # before TensorFlow is imported: its thread pools stay out of the way
        rows += onnxruntime_rows(name, path, x, repeats)
        rows.append(opencv_row(name, path, x, repeats))
    if keras_path:
        rows = keras_rows(keras_path, x, repeats) + rows
    seconds = time.perf_counter() - started

    keras_call = next((r for r in rows if r["framework"] == "Keras direct call"), None)
    kind = "QUICK: not figures" if args.quick else "medians"
    print(f"model only, MNIST test digits, throughput at batch {batch:,} ({kind})")
    print(
        table(
            ["framework", "model", "batch 1 latency", f"images/s at batch {batch:,}", "note"],
            [
                [
                    r["framework"],
                    r["model"],
                    "-" if r["batch1_latency_us"] is None else f"{r['batch1_latency_us']:,.1f} µs",
                    "-" if r["throughput_images_per_s"] is None else f"{r['throughput_images_per_s']:,.0f}",
                    r["note"],
                ]
                for r in rows
            ],
        )
    )
    if keras_call:
        for r in rows:
            if r["framework"] == "onnxruntime session.run" and r["model"] == "seed-mlp":
                print(
                    f"\nseed network, onnxruntime vs Keras call: batch 1 "
                    f"{keras_call['batch1_latency_us'] / r['batch1_latency_us']:.0f}x faster, throughput "
                    f"{r['throughput_images_per_s'] / keras_call['throughput_images_per_s']:.1f}x"
                )
    print(f"({seconds:.0f} s)")
    write_json(
        args.json,
        {
            "machine": machine(),
            "busy": warning,
            "quick": args.quick,
            "batch": batch,
            "models": models,
            "rows": rows,
            "seconds": seconds,
        },
    )


if __name__ == "__main__":
    main()
