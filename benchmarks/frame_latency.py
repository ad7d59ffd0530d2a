"""Live frames: time per stage for a 640x480 frame with six handwritten digits, on one core.

    python benchmarks/frame_latency.py [--runs 300] [--scenes 3] [--json FILE]

Scenes: six MNIST test digits (two lines of three, 48-96 px) in blue-black ink on unevenly lit, noisy paper
(``edgedigits.runtime.bench.make_scene``). One core: ``cv2.setNumThreads(1)``, onnxruntime
``intra_op_num_threads=1``. Each stage is timed alone, ``--runs`` times per scene, median; the stages follow
``detect.extract`` (decode does not apply: frames arrive decoded), then a cProfile of ``detect.extract`` names the
costliest functions inside the stages. Goal (issue 5): <= 3 ms total.
"""

from __future__ import annotations

import statistics
import sys
from pathlib import Path

import cv2

from _common import busy_warning, machine, parser, table, write_json
from edgedigits.runtime import detect, normalize
from edgedigits.runtime.bench import make_scene, median_ms, sample_digits
from edgedigits.runtime.reader import DigitReader

GOAL_MS = 3.0


def stages(frame, reader: DigitReader, runs: int) -> tuple[dict, str]:
    """Median ms of each stage of ``detect.extract`` + inference, each timed alone on its real input."""
    gray = normalize.to_gray(frame)
    full = normalize.shrink(gray, detect.WORK_SIZE)
    half = detect.half_copy(full)
    kept = half is not None and detect.tall_enough(detect.extract_at(gray, half, False), gray, half)
    work = half if kept else full  # the copy extract() reads the frame at
    ink = normalize.ink_map(work)
    boxes, masks, _ = detect.segment(ink)
    digits = normalize.normalize_batch(ink, boxes, masks)

    def t(fn):
        return median_ms(fn, runs, warmup=5)["median_ms"]

    out = {
        "to_gray": t(lambda: normalize.to_gray(frame)),
        f"working copy ({work.shape[1]}x{work.shape[0]})": t(lambda: detect.half_copy(normalize.shrink(gray, detect.WORK_SIZE))
                                                             if kept else normalize.shrink(gray, detect.WORK_SIZE)),
        "ink_map (polarity, paper level, contrast, noise floor)": t(lambda: normalize.ink_map(work)),
        "segment (binarize, components, rules, merge, order, masks)": t(lambda: detect.segment(ink)),
        f"normalize_batch ({len(boxes)} digits -> 28x28)": t(lambda: normalize.normalize_batch(ink, boxes, masks)),
        f"infer (Model.predict, {len(boxes)} digits)": t(lambda: reader.model.predict(digits)),
    }
    totals = {"detect.extract": t(lambda: detect.extract(frame)), "reader.read (total)": t(lambda: reader.read(frame))}
    return {**out, **totals}, reader.read(frame).text


def hot_functions(frame, calls: int = 100, top: int = 15) -> list[dict]:
    """cProfile of ``detect.extract``: the functions with the most own time, in µs per frame. (cProfile adds
    a little to every Python call, so Python-heavy code looks somewhat more expensive than it is.)"""
    import cProfile
    import pstats

    profile = cProfile.Profile()
    profile.enable()
    for _ in range(calls):
        detect.extract(frame)
    profile.disable()
    stats = pstats.Stats(profile).stats
    total = sum(v[2] for v in stats.values())
    rows = sorted(((v[2], v[0], f"{Path(k[0]).name}:{k[1]}({k[2]})" if k[0] != "~" else k[2]) for k, v in
                   stats.items()), reverse=True)[:top]
    return [{"function": name, "us_per_frame": own / calls * 1e6, "calls_per_frame": n / calls, "share": own / total}
            for own, n, name in rows]


def main() -> None:
    p = parser(__doc__)
    p.add_argument("--runs", type=int, default=300, help="timed calls per stage and scene (median)")
    p.add_argument("--scenes", type=int, default=3, help="different frames (different digits and layout)")
    p.add_argument("--model", default=None, help="model name or .onnx (default: the shipped default)")
    args = p.parse_args()
    runs, scenes = (20, 1) if args.quick else (args.runs, args.scenes)
    warning = busy_warning()
    if warning:
        print("WARNING:", warning, file=sys.stderr)
    cv2.setNumThreads(1)
    reader = DigitReader(args.model, threads=1)
    per_scene, readings = [], []
    for seed in range(scenes):
        digits, labels, _ = sample_digits(6, seed=seed)
        times, text = stages(make_scene(digits, seed=seed), reader, runs)
        per_scene.append(times)
        truth = "".join(map(str, labels[:3])) + "\n" + "".join(map(str, labels[3:]))
        readings.append({"seed": seed, "truth": truth, "read": text})
    result = {k: statistics.median(s[k] for s in per_scene) for k in per_scene[0]}
    hot = hot_functions(make_scene(sample_digits(6, seed=0)[0], seed=0), calls=10 if args.quick else 100)
    total = result["reader.read (total)"]
    steps = [k for k in result if k not in ("detect.extract", "reader.read (total)")]
    print(f"640x480 frame, six digits, one core; median of {runs} runs x {scenes} scene(s), model {reader.model.name}"
          + (" (QUICK: not figures)" if args.quick else ""))
    print(table(["stage", "ms", "share of total"],
                [[k, f"{result[k]:.3f}", f"{result[k] / total:.0%}"] for k in steps]
                + [[f"**{k}**", f"**{result[k]:.3f}**", ""] for k in ("detect.extract", "reader.read (total)")]))
    print(f"\ngoal <= {GOAL_MS} ms: {total:.2f} ms -> {'met' if total <= GOAL_MS else 'NOT met'} "
          f"({1e3 / total:,.0f} frames/s on one core; {total / GOAL_MS:.1f}x the budget)")
    for r in readings:
        print(f"scene {r['seed']}: truth {r['truth']!r}, read {r['read']!r}")
    print("\nhottest functions inside detect.extract (cProfile, own time, scene 0):")
    print(table(["function", "µs per frame", "calls per frame", "share"],
                [[h["function"], f"{h['us_per_frame']:.0f}", f"{h['calls_per_frame']:g}", f"{h['share']:.0%}"]
                 for h in hot]))
    write_json(args.json, {"machine": machine(), "busy": warning, "quick": args.quick, "runs": runs,
                           "scenes": scenes, "model": str(reader.model.path), "stages_ms": result,
                           "total_ms": total, "frames_per_s": 1e3 / total, "goal_ms": GOAL_MS,
                           "goal_met": total <= GOAL_MS, "readings": readings,
                           "hot_functions": hot})


if __name__ == "__main__":
    main()
