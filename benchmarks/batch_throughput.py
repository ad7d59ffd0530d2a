"""Archive reading (issue 12): `edgedigits batch --engine ray` vs `--engine local` vs `classify --workers 2`, on
small digit PNGs and on 640x480 photos; Ray's fixed start-up cost; the per-core cost against merely decoding.

    python benchmarks/batch_throughput.py [--images 30000] [--photos 1000] [--json FILE]
    python benchmarks/batch_throughput.py --per-core-only [--per-core-files 10000] [--json FILE]

Material: the folder of ``benchmarks/folder_throughput.py`` (MNIST test digits as ink on paper, 28-64 px grey
PNGs) and a folder of 640x480 JPEG scenes (``bench.make_scene``: six MNIST digits on unevenly lit paper).
Each command runs in a fresh process on a warm file cache; rate = images / wall time of the whole command.
For the Ray engine the start-up (``ray.init`` on 127.0.0.1, listing, the first actor's model and first
batch: ``startup_s`` of ``_SUMMARY.json``) is reported apart, and the steady rate is
images / (wall - start-up).
Per core: one process, one thread: ``DigitReader.read_batch`` over batches of 256 files (what one Ray actor
does) against read + ``cv2.imdecode`` of the same files, alternated, best of 3 each. Goals: Ray >= 0.8x the
local engine; per core >= 0.5x the decode-only rate.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time

import cv2
import numpy as np

from _common import EDGEDIGITS, WORK, busy_warning, machine, parser, run_measured, table, write_json

from edgedigits.runtime.bench import image_files, make_scene, sample_digits, write_folder


def photo_folder(n: int) -> str:
    folder = WORK / f"photos-{n}"
    done = folder / ".complete"
    if done.is_file():
        return str(folder)
    folder.mkdir(parents=True, exist_ok=True)
    digits, _, _ = sample_digits(6 * n, seed=11)
    for i in range(n):
        frame = make_scene(digits[6 * i : 6 * i + 6], seed=i)
        cv2.imwrite(str(folder / f"{i:05d}.jpg"), frame, [cv2.IMWRITE_JPEG_QUALITY, 90])
    done.write_text(str(n))
    return str(folder)


def run_batch(folder: str, engine: str, n: int) -> dict:
    out = WORK / f"batch-out-{engine}"
    shutil.rmtree(out, ignore_errors=True)
    cmd = [EDGEDIGITS, "batch", folder, "--out", str(out), "--engine", engine, "--no-progress"]
    r = run_measured(cmd, timeout=1800)
    s = json.loads((out / "_SUMMARY.json").read_text())
    done = s["read"] + s["failed"]
    assert done == n, (engine, s, r["stderr"])
    steady = done / max(r["wall_s"] - s["startup_s"], 1e-9)
    return {
        "run": f"batch --engine {engine}",
        "wall_s": r["wall_s"],
        "cpu_s": r["cpu_s"],
        "images": done,
        "images_per_s": done / r["wall_s"],
        "startup_s": s["startup_s"],
        "steady_images_per_s": steady,
        "peak_rss_mib_driver": r["peak_rss_mib"],
    }


def run_classify(folder: str, n: int) -> dict:
    with open(os.devnull, "w") as sink:
        r = run_measured(
            [EDGEDIGITS, "classify", folder, "--format", "jsonl", "--workers", "2"], stdout=sink, timeout=1800
        )
    return {
        "run": "classify --workers 2",
        "wall_s": r["wall_s"],
        "cpu_s": r["cpu_s"],
        "images": n,
        "images_per_s": n / r["wall_s"],
    }


def per_core(files: list[str], repeats: int = 3) -> dict:
    """One core: read_batch over batches of 256 vs read + imdecode, alternated, best of ``repeats``."""
    from edgedigits.runtime.reader import DigitReader

    cv2.setNumThreads(1)
    reader = DigitReader(threads=1)
    reader.read_batch(files[:256])

    def decode() -> None:
        for p in files:
            with open(p, "rb") as handle:
                cv2.imdecode(np.frombuffer(handle.read(), np.uint8), cv2.IMREAD_UNCHANGED)

    def read() -> None:
        for i in range(0, len(files), 256):
            reader.read_batch(files[i : i + 256])

    best = {"decode": 0.0, "read": 0.0}
    for _ in range(repeats):
        for name, fn in (("decode", decode), ("read", read)):
            started = time.perf_counter()
            fn()
            best[name] = max(best[name], len(files) / (time.perf_counter() - started))
    return {
        "decode_images_per_s": best["decode"],
        "read_images_per_s": best["read"],
        "ratio": best["read"] / best["decode"],
        "files": len(files),
    }


def per_core_only(args) -> None:
    """The per-core figure alone, on a folder of ``--per-core-files`` small PNGs; the load before and after."""
    n = 600 if args.quick else args.per_core_files
    small = str(write_folder(n, WORK / f"png-{n}"))
    warning = busy_warning()
    load_before = os.getloadavg()
    core = per_core(image_files(small))
    load_after = os.getloadavg()
    print(
        f"per core (one process, one thread, {core['files']:,} small PNGs): read_batch "
        f"{core['read_images_per_s']:,.0f}/s, decode only {core['decode_images_per_s']:,.0f}/s -> "
        f"{core['ratio']:.2f}x (goal 0.5x); load average before {load_before[0]:.2f}, after {load_after[0]:.2f}"
    )
    if warning:
        print("WARNING:", warning)
    write_json(
        args.json,
        {"machine": machine(), "busy": warning, "load_before": load_before, "load_after": load_after, "per_core": core},
    )


def main() -> None:
    p = parser(__doc__)
    p.add_argument("--images", type=int, default=30000)
    p.add_argument("--photos", type=int, default=1000)
    p.add_argument("--per-core-files", type=int, default=10000)
    p.add_argument("--per-core-only", action="store_true", help="only the per-core figure (one process, no engines)")
    args = p.parse_args()
    if args.per_core_only:
        return per_core_only(args)
    n, m = (600, 40) if args.quick else (args.images, args.photos)
    warning = busy_warning()
    load_before = os.getloadavg()
    started = time.perf_counter()
    small = str(write_folder(n, WORK / f"png-{n}"))
    photos = photo_folder(m)
    results = {"small": [], "photos": []}
    for key, folder, count in (("small", small, n), ("photos", photos, m)):
        results[key].append(run_batch(folder, "local", count))
        results[key].append(run_batch(folder, "ray", count))
        results[key].append(run_classify(folder, count))
    core = per_core(image_files(small)[: min(n, args.per_core_files)])
    rows = []
    for key, label in (("small", f"{n:,} small digit PNGs"), ("photos", f"{m:,} 640x480 JPEG photos")):
        local = results[key][0]["images_per_s"]
        for r in results[key]:
            extra = (
                f"start-up {r['startup_s']:.1f} s; steady {r['steady_images_per_s']:,.0f}/s" if "startup_s" in r else ""
            )
            rows.append(
                [
                    label,
                    r["run"],
                    f"{r['images_per_s']:,.0f}",
                    f"{r['images_per_s'] / local:.2f}x",
                    f"{r['wall_s']:.1f} s wall, {r['cpu_s']:.1f} s CPU",
                    extra,
                ]
            )
    print(table(["material", "run", "images/s", "vs local", "time", "notes"], rows))
    print(
        f"\nper core (one process, one thread, {core['files']:,} small PNGs): read_batch "
        f"{core['read_images_per_s']:,.0f}/s, decode only {core['decode_images_per_s']:,.0f}/s -> "
        f"{core['ratio']:.2f}x (goal 0.5x)"
    )
    load_after = os.getloadavg()
    print(f"load average before {load_before[0]:.1f}, after {load_after[0]:.1f}; {time.perf_counter() - started:.0f} s")
    if warning:
        print("WARNING:", warning)
    write_json(
        args.json,
        {
            "machine": machine(),
            "busy": warning,
            "load_before": load_before,
            "load_after": load_after,
            "quick": args.quick,
            "results": results,
            "per_core": core,
        },
    )


if __name__ == "__main__":
    sys.exit(main())
