"""What would make `classify FOLDER` reach the decode rate? Three designs on the same folder, same machine.

    python benchmarks/folder_designs.py [--images 10000] [--json FILE]

  R  the runtime as ``edgedigits classify`` runs it: ``read_paths(processes=True)``: 2 worker processes, tasks
     of 128 files, one ``session.run`` per chunk of 16, the fast path for small clean digits, JSON lines;
  A  ``read_paths`` on 2 threads (what ``read_many`` does without ``processes=True``);
  A1 A with the session on one intra-op thread (onnxruntime's default pool spins between tiny runs);
  B  the same per-image stages (``images.decode``, ``detect.extract``) in a pool of 2 *processes*, files in
     chunks of 256, every digit of a chunk through the network in *one* ``session.run``; the parent only
     writes the JSON lines;
  C  B with a prototype lean path for small single-digit images (<= 96 px: Otsu split, crop, scale to 20 px,
     centre of mass; a dozen OpenCV calls) instead of the general detector. A PROTOTYPE to size the
     headroom, not the runtime's algorithm: its accuracy is printed next to the others';
  and, as the ceiling, merely reading + ``cv2.imdecode`` on 2 processes (best of 3 passes).
Accuracy: the generated files are named ``NNNNNN-<label>.png``; a file counts as right when the text read is
exactly its label.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor

import cv2
import numpy as np

from _common import WORK, busy_warning, machine, parser, table, write_json

from edgedigits.runtime.bench import image_files, write_folder

CHUNK = 256
# Never fork a process that has used OpenCV's or onnxruntime's thread pools: the child can hang for good
# (seen here: cv2.setNumThreads in a forked worker). Spawned workers start clean.
SPAWN = multiprocessing.get_context("spawn")
LEAN_MAX_SIDE = 96

_model = None


def _init(model_path: str | None) -> None:
    global _model
    from edgedigits.runtime.model import Model

    cv2.setNumThreads(1)
    _model = Model(model_path, threads=1)


def lean_digit(gray: np.ndarray) -> tuple[np.ndarray, tuple[int, int, int, int]] | None:
    """Prototype: one small grey image holding one digit -> (float32 [28, 28], box), or None (no ink)."""
    threshold, mask = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    dark = cv2.mean(mask)[0] > 127  # most pixels above the split: light paper, dark ink
    ink = cv2.bitwise_not(gray) if dark else gray
    if dark:
        mask = cv2.bitwise_not(mask)
    paper = cv2.mean(ink, cv2.bitwise_not(mask))[0]
    strong = cv2.minMaxLoc(ink)[1]
    if strong - paper < 20:
        return None
    x, y, w, h = cv2.boundingRect(mask)
    crop = ink[y : y + h, x : x + w].astype(np.float32)
    crop = np.clip((crop - paper) * (1.0 / (0.85 * (strong - paper))), 0, 1)
    scale = 20.0 / max(w, h)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    digit = cv2.resize(crop, size, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
    m = cv2.moments(digit)
    if m["m00"] <= 1e-6:
        return None
    shift = np.float32([[1, 0, round(14.0 - m["m10"] / m["m00"])], [0, 1, round(14.0 - m["m01"] / m["m00"])]])
    return cv2.warpAffine(digit, shift, (28, 28), flags=cv2.INTER_NEAREST), (x, y, w, h)


def _chunk(args: tuple[list[str], bool]) -> list[tuple]:
    """Worker: decode and extract every file of the chunk, then one session.run for all their digits."""
    from edgedigits.runtime import detect
    from edgedigits.runtime.images import ImageError, load_image

    paths, lean = args
    found, batches = [], []
    for path in paths:
        try:
            image = load_image(path)
        except ImageError as exc:
            found.append((path, str(exc), [], []))
            continue
        if lean and image.ndim == 2 and max(image.shape) <= LEAN_MAX_SIDE:
            result = lean_digit(image)
            digits = result[0][None] if result else np.zeros((0, 28, 28), np.float32)
            boxes, lines = ([result[1]] if result else []), [0] * (1 if result else 0)
        else:
            extraction = detect.extract(image)
            digits, boxes, lines = extraction.digits, extraction.boxes, extraction.lines
        found.append((path, None, boxes, lines))
        batches.append(digits)
    probabilities = _model.predict(np.concatenate(batches)) if batches else np.zeros((0, 10), np.float32)
    out, at = [], 0
    for path, error, boxes, lines in found:
        p = probabilities[at : at + len(boxes)]
        at += len(boxes)
        out.append((path, error, p.argmax(1).tolist(), p.max(1).tolist(), boxes, lines))
    return out


def record(path, error, values, confidences, boxes, lines, min_confidence=0.5) -> dict:
    if error:
        return {"path": path, "error": error}
    text: dict[int, str] = {}
    for v, c, line in zip(values, confidences, lines):
        text[line] = text.get(line, "") + (str(v) if c >= min_confidence else "?")
    return {
        "path": path,
        "text": "\n".join(t for _, t in sorted(text.items())),
        "digits": [
            {"digit": v, "confidence": round(c, 4), "box": [int(b) for b in box]}
            for v, c, box in zip(values, confidences, boxes)
        ],
    }


def truth(path: str) -> str:
    return os.path.basename(path).rsplit(".", 1)[0].rsplit("-", 1)[1]


def run_pool(files: list[str], model: str | None, lean: bool) -> tuple[float, float]:
    chunks = [(files[i : i + CHUNK], lean) for i in range(0, len(files), CHUNK)]
    right = 0
    with (
        ProcessPoolExecutor(2, mp_context=SPAWN, initializer=_init, initargs=(model,)) as pool,
        open(os.devnull, "w") as sink,
    ):
        list(pool.map(_chunk, chunks[:2]))  # start the workers, load the model, warm up
        started = time.perf_counter()
        for results in pool.map(_chunk, chunks):
            for r in results:
                rec = record(*r)
                sink.write(json.dumps(rec, ensure_ascii=False) + "\n")
                right += rec.get("text") == truth(r[0])
        seconds = time.perf_counter() - started
    return len(files) / seconds, right / len(files)


def run_current(
    files: list[str], folder: str, model: str | None, threads: int | None = None, processes: bool = False
) -> tuple[float, float]:
    from edgedigits.runtime.output import Writer
    from edgedigits.runtime.reader import DigitReader

    reader = DigitReader(model, threads=threads)
    list(reader.read_many(files[:200], workers=2))  # warm up
    right = 0
    with open(os.devnull, "w") as sink:
        writer = Writer("jsonl", sink)
        started = time.perf_counter()
        for reading in reader.read_paths([folder], workers=2, processes=processes):
            writer.write(reading)
            right += reading.text == truth(reading.path)
        seconds = time.perf_counter() - started
    return len(files) / seconds, right / len(files)


def _decode_chunk(paths: list[str]) -> int:
    cv2.setNumThreads(1)
    n = 0
    for p in paths:
        with open(p, "rb") as handle:
            n += cv2.imdecode(np.frombuffer(handle.read(), np.uint8), cv2.IMREAD_UNCHANGED) is not None
    return n


def decode_rate(files: list[str], repeats: int = 3) -> float:
    """Best of ``repeats`` passes of read + cv2.imdecode over all files on 2 processes (a ceiling)."""
    chunks = [files[i : i + 500] for i in range(0, len(files), 500)]
    best = 0.0
    with ProcessPoolExecutor(2, mp_context=SPAWN) as pool:
        list(pool.map(_decode_chunk, chunks[:2]))
        for _ in range(repeats):
            started = time.perf_counter()
            sum(pool.map(_decode_chunk, chunks))
            best = max(best, len(files) / (time.perf_counter() - started))
    return best


def main() -> None:
    p = parser(__doc__)
    p.add_argument("--images", type=int, default=10000)
    p.add_argument("--model", default=None, help="model (default: the shipped default)")
    args = p.parse_args()
    n = 600 if args.quick else args.images
    warning = busy_warning()
    if warning:
        print("WARNING:", warning, file=sys.stderr)
    folder = str(write_folder(n, WORK / f"png-{n}"))
    files = image_files(folder)
    ceiling = decode_rate(files)
    rows = {
        "R  the runtime: 2 worker processes (classify)": run_current(files, folder, args.model, processes=True),
        "A  2 threads": run_current(files, folder, args.model),
        "A1 A with onnxruntime intra-op threads = 1 (no spinning pool)": run_current(
            files, folder, args.model, threads=1
        ),
        "B  2 processes, one session.run per 256 files": run_pool(files, args.model, lean=False),
        "C  B + lean path for small single digits (prototype)": run_pool(files, args.model, lean=True),
    }
    print(
        f"{len(files):,} PNGs, 2 cores; decode only (2 processes): {ceiling:,.0f} images/s"
        + (" (QUICK: not figures)" if args.quick else "")
    )
    print(
        table(
            ["design", "images/s", "vs decode", "files read exactly right"],
            [[k, f"{r:,.0f}", f"{r / ceiling:.3f}x", f"{acc:.2%}"] for k, (r, acc) in rows.items()],
        )
    )
    write_json(
        args.json,
        {
            "machine": machine(),
            "busy": warning,
            "quick": args.quick,
            "images": len(files),
            "decode_images_per_s": ceiling,
            "designs": {
                k: {"images_per_s": r, "ratio_to_decode": r / ceiling, "accuracy": acc} for k, (r, acc) in rows.items()
            },
        },
    )


if __name__ == "__main__":
    main()
