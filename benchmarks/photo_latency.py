"""A 12 MP photo on one core: issue 10's desk photos (a printed form on a desk with a pen and a handwritten
number, 4000x3000, ``edgedigits.train.scenes.make_desk_photo`` from MNIST test digits), read by
``DigitReader.read`` with OpenCV and onnxruntime on one thread each.

    python benchmarks/photo_latency.py [--photos 20] [--json FILE]

The photos are those of ``benchmarks/accuracy.py``'s desk_photo row (its seed); the first is read once untimed.
Goal (issue 10): at most 150 ms per 12 MP photo on one core.
"""

from __future__ import annotations

import statistics
import time

import cv2

from _common import busy_warning, machine, parser, write_json

from edgedigits.runtime.mnist import load
from edgedigits.runtime.reader import DigitReader
from edgedigits.train.scenes import kind_photos

GOAL_MS = 150.0


def main() -> None:
    p = parser(__doc__)
    p.add_argument("--photos", type=int, default=20)
    p.add_argument("--model", default=None, help="a shipped model's name or an .onnx file (default: default)")
    args = p.parse_args()
    photos = 2 if args.quick else args.photos
    cv2.setNumThreads(1)
    reader = DigitReader(args.model, threads=1)
    split = load("test")
    images = [image for image, _ in kind_photos(split, "desk_photo", 0, photos)]  # benchmarks/accuracy.py's photos
    reader.read(images[0])  # warm-up
    ms = []
    for image in images:
        started = time.perf_counter()
        reader.read(image)
        ms.append((time.perf_counter() - started) * 1e3)
    median = statistics.median(ms)
    print(
        f"{photos} desk photos of {images[0].shape[1]}x{images[0].shape[0]}, one core: median {median:.0f} ms, "
        f"mean {statistics.mean(ms):.0f} ms (goal <= {GOAL_MS:.0f} ms: {'met' if median <= GOAL_MS else 'NOT met'})"
    )
    warning = busy_warning()
    if warning:
        print(warning)
    write_json(
        args.json,
        {"machine": machine(), "busy": warning, "photos": photos, "ms": ms, "median_ms": median, "goal_ms": GOAL_MS},
    )


if __name__ == "__main__":
    main()
