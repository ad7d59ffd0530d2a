"""Live frames: time per stage for a 640x480 frame with six handwritten digits, on one core.

    python benchmarks/frame_latency.py [--runs 300] [--scenes 3] [--spread 100] [--layout line|two] [--json FILE]

Scenes: six MNIST test digits (``--layout line``: one line of six, issue 9's goal; ``two``: two lines of three,
issue 5's) of 48-96 px in blue-black ink on unevenly lit, noisy paper (``edgedigits.runtime.synth.make_scene``).
One core: ``cv2.setNumThreads(1)``, onnxruntime ``intra_op_num_threads=1``. Each stage is timed alone,
``--runs`` times per scene, median; the stages follow ``detect.extract`` and ``reader.read_batch`` (decode
does not apply: frames arrive decoded), then a cProfile of ``detect.extract`` names the costliest functions
inside the stages. Goal: <= 3 ms total. Then the spread: ``reader.read`` on ``--spread`` frames (median,
mean, 90th percentile, slowest, and how many were also read at both quarter-turns). Last, blank frames (nothing
written, flat or with a webcam's noise): the time of reader.read alone.
"""

from __future__ import annotations

import statistics
import sys
from pathlib import Path

import cv2
import numpy as np

from _common import busy_warning, machine, model_path, parser, table, write_json

from edgedigits.runtime import detect, normalize, page, segment
from edgedigits.runtime.bench import median_ms
from edgedigits.runtime.config import DEFAULT
from edgedigits.runtime.ink import ink_map, shrink, to_gray
from edgedigits.runtime.lines import pad_batch
from edgedigits.runtime.reader import DigitReader
from edgedigits.runtime.recognize import median_aspect
from edgedigits.runtime.synth import make_scene, sample_digits

GOAL_MS = 3.0


def stages(frame, reader: DigitReader, runs: int) -> tuple[dict, str]:
    """Median ms of each stage of ``detect.extract`` + inference, each timed alone on its real input."""
    gray = to_gray(frame)
    full = shrink(gray, DEFAULT.work_size)
    half = detect.half_copy(full)
    lines = reader.line_model is not None
    kept = half is not None and detect.tall_enough(detect.extract_at(gray, half, False, lines), gray, half)
    work = half if kept else full  # the copy extract() reads the frame at
    ink = ink_map(work)
    if lines:
        boxes, masks, _, text_lines = segment.segment_lines(ink)
    else:
        (boxes, masks, _), text_lines = segment.segment(ink), []
    digits = normalize.normalize_batch(ink, boxes, masks)
    tensors = [line.fitted.tensor for line in text_lines]

    def t(fn):
        return median_ms(fn, runs, warmup=5)["median_ms"]

    out = {
        "to_gray": t(lambda: to_gray(frame)),
        "page (border, sheet on a desk)": t(lambda: page.find_page(gray)),
        f"working copy ({work.shape[1]}x{work.shape[0]})": t(
            lambda: detect.half_copy(shrink(gray, DEFAULT.work_size)) if kept else shrink(gray, DEFAULT.work_size)
        ),
        "ink_map (polarity, paper level, contrast, noise floor)": t(lambda: ink_map(work)),
        (
            "segment_lines (binarize, components, rules, merge, order, masks, line tensors)"
            if lines
            else "segment (binarize, components, rules, merge, order, masks)"
        ): t(lambda: segment.segment_lines(ink) if lines else segment.segment(ink)),
        f"normalize_batch ({len(boxes)} blobs -> 28x28)": t(lambda: normalize.normalize_batch(ink, boxes, masks)),
        f"infer digit model ({len(boxes)} blobs)": t(lambda: reader.model.predict(digits)),
    }
    if lines:
        batch = pad_batch(tensors)[0]
        out[f"infer line model ({len(tensors)} line(s))"] = t(lambda: reader.line_model.predict(batch))
        if reader.orientation_model is not None:
            out[f"infer orientation model ({len(tensors)} line(s), upright or turned 180)"] = t(
                lambda: reader.orientation_model.predict(batch)
            )
        config = reader.read_config
        votes = len(boxes) >= config.vote_min_blobs and median_aspect(boxes) > config.vote_min_aspect
        if reader.digit_orientation_model is not None and votes:  # (blobs lying wide: reader._turn_by_digit_votes)
            out[f"infer digit-orientation model ({len(boxes)} blobs, the vote for a quarter-turn)"] = t(
                lambda: reader.digit_orientation_model.predict(digits)
            )
    totals = {
        "detect.extract": t(lambda: detect.extract(frame, lines=lines)),
        "reader.read (total)": t(lambda: reader.read(frame)),
    }
    return {**out, **totals}, reader.read(frame).text


class SearchCounter(DigitReader):
    """The shipped reader, counting the frames it also reads at both quarter-turns (DigitReader._search_turns: two
    more extractions and network passes, a frame's cost about four times)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.searched = 0

    def _search_turns(self, prepared, outputs):
        self.searched += len(prepared)
        return super()._search_turns(prepared, outputs)


def spread(reader: SearchCounter, scenes: int, per_line: int, runs: int) -> dict:
    """``reader.read`` on ``scenes`` different frames (seeds 0, 1, ...), each the median of ``runs`` timed calls:
    the frames' median, mean, 90th percentile and slowest, in ms, how many read exactly, and how many were also
    read at both quarter-turns. The stage table's median of three frames hides a slow minority; this does not."""
    times, exact, searched = [], 0, 0
    for seed in range(scenes):
        digits, labels, _ = sample_digits(6, seed=seed)
        frame = make_scene(digits, seed=seed, per_line=per_line)
        before = reader.searched
        text = reader.read(frame).text
        searched += reader.searched > before
        exact += text == "\n".join("".join(map(str, labels[i : i + per_line])) for i in range(0, 6, per_line))
        times.append(median_ms(lambda f=frame: reader.read(f), runs, warmup=1)["median_ms"])
    return {
        "frames": scenes,
        "runs_each": runs,
        "median_ms": statistics.median(times),
        "mean_ms": statistics.fmean(times),
        "p90_ms": float(np.percentile(times, 90)),
        "max_ms": max(times),
        "exact": exact,
        "searched_at_quarter_turns": searched,
    }


def blank_frames() -> dict:
    """640x480 BGR frames with nothing written: flat white paper, and white and grey paper with the sensor noise
    of a webcam (Gaussian, sigma 3 grey levels; seed 0). Noisy blank paper takes the ink map's denoising path."""
    rng = np.random.default_rng(0)

    def noisy(level: float) -> np.ndarray:
        return np.clip(np.full((480, 640, 3), level) + rng.normal(0, 3, (480, 640, 3)), 0, 255).astype(np.uint8)

    return {"white": np.full((480, 640, 3), 250, np.uint8), "white, noisy": noisy(235), "grey, noisy": noisy(128)}


def hot_functions(frame, lines: bool, calls: int = 100, top: int = 15) -> list[dict]:
    """cProfile of ``detect.extract``: the functions with the most own time, in µs per frame. (cProfile adds
    a little to every Python call, so Python-heavy code looks somewhat more expensive than it is.)"""
    import cProfile
    import pstats

    profile = cProfile.Profile()
    profile.enable()
    for _ in range(calls):
        detect.extract(frame, lines=lines)
    profile.disable()
    stats = pstats.Stats(profile).stats
    total = sum(v[2] for v in stats.values())
    rows = sorted(
        ((v[2], v[0], f"{Path(k[0]).name}:{k[1]}({k[2]})" if k[0] != "~" else k[2]) for k, v in stats.items()),
        reverse=True,
    )[:top]
    return [
        {"function": name, "us_per_frame": own / calls * 1e6, "calls_per_frame": n / calls, "share": own / total}
        for own, n, name in rows
    ]


def main() -> None:
    p = parser(__doc__)
    p.add_argument("--runs", type=int, default=300, help="timed calls per stage and scene (median)")
    p.add_argument("--scenes", type=int, default=3, help="different frames (different digits and layout)")
    p.add_argument("--model", default=None, help="model name or .onnx (default: the shipped default)")
    p.add_argument(
        "--layout",
        choices=("line", "two"),
        default="line",
        help="six digits on one line (issue 9's goal) or two lines of three (issue 5's)",
    )
    p.add_argument("--line-model", default=None, help="'none': the digit model alone, as before the line model")
    p.add_argument("--spread", type=int, default=100, help="frames (seeds 0, 1, ...) read for the spread of times")
    args = p.parse_args()
    if min(args.runs, args.scenes, args.spread) < 1:  # (--spread 0 failed in statistics.median)
        p.error("--runs, --scenes and --spread each need at least 1")
    runs, scenes = (20, 1) if args.quick else (args.runs, args.scenes)
    warning = busy_warning()
    if warning:
        print("WARNING:", warning, file=sys.stderr)
    cv2.setNumThreads(1)
    reader = SearchCounter(args.model, threads=1, line_model=False if args.line_model == "none" else args.line_model)
    per_line = 6 if args.layout == "line" else 3
    per_scene, readings = [], []
    for seed in range(scenes):
        digits, labels, _ = sample_digits(6, seed=seed)
        times, text = stages(make_scene(digits, seed=seed, per_line=per_line), reader, runs)
        per_scene.append(times)
        truth = "\n".join("".join(map(str, labels[i : i + per_line])) for i in range(0, 6, per_line))
        readings.append({"seed": seed, "truth": truth, "read": text})
    result = {k: statistics.median(s[k] for s in per_scene) for k in per_scene[0]}
    hot = hot_functions(
        make_scene(sample_digits(6, seed=0)[0], seed=0, per_line=per_line),
        reader.line_model is not None,
        calls=10 if args.quick else 100,
    )
    blank = {
        name: median_ms(lambda f=frame: reader.read(f), runs)["median_ms"] for name, frame in blank_frames().items()
    }
    spread_of = spread(reader, 10 if args.quick else args.spread, per_line, 3 if args.quick else 9)
    total = result["reader.read (total)"]
    steps = [k for k in result if k not in ("detect.extract", "reader.read (total)")]
    print(
        f"640x480 frame, six digits ({args.layout}), one core; median of {runs} runs x {scenes} scene(s), model "
        f"{reader.model.name}, line model {reader.line_model.name if reader.line_model else 'none'}"
        + (" (QUICK: not figures)" if args.quick else "")
    )
    print(
        table(
            ["stage", "ms", "share of total"],
            [[k, f"{result[k]:.3f}", f"{result[k] / total:.0%}"] for k in steps]
            + [[f"**{k}**", f"**{result[k]:.3f}**", ""] for k in ("detect.extract", "reader.read (total)")],
        )
    )
    print(
        f"\ngoal <= {GOAL_MS} ms: {total:.2f} ms -> {'met' if total <= GOAL_MS else 'NOT met'} "
        f"({1e3 / total:,.0f} frames/s on one core; {total / GOAL_MS:.1f}x the budget)"
    )
    for r in readings:
        print(f"scene {r['seed']}: truth {r['truth']!r}, read {r['read']!r}")
    sp = spread_of
    print(
        f"\nreader.read over {sp['frames']} frames (seeds 0-{sp['frames'] - 1}, median of {sp['runs_each']} runs "
        f"each): median {sp['median_ms']:.2f} ms, mean {sp['mean_ms']:.2f}, 90th percentile {sp['p90_ms']:.2f}, "
        f"slowest {sp['max_ms']:.2f}; {sp['exact']} read exactly; {sp['searched_at_quarter_turns']} also read at "
        "both quarter-turns"
    )
    print(
        "\nblank frames (a webcam on an empty sheet), reader.read, ms: "
        + ", ".join(f"{k} {v:.1f}" for k, v in blank.items())
    )
    print("\nhottest functions inside detect.extract (cProfile, own time, scene 0):")
    print(
        table(
            ["function", "µs per frame", "calls per frame", "share"],
            [
                [h["function"], f"{h['us_per_frame']:.0f}", f"{h['calls_per_frame']:g}", f"{h['share']:.0%}"]
                for h in hot
            ],
        )
    )
    write_json(
        args.json,
        {
            "machine": machine(),
            "busy": warning,
            "quick": args.quick,
            "runs": runs,
            "scenes": scenes,
            "layout": args.layout,
            "model": model_path(reader.model.path),
            "line_model": model_path(reader.line_model.path) if reader.line_model else None,
            "stages_ms": result,
            "total_ms": total,
            "frames_per_s": 1e3 / total,
            "goal_ms": GOAL_MS,
            "goal_met": total <= GOAL_MS,
            "readings": readings,
            "spread": spread_of,
            "blank_frames_ms": blank,
            "hot_functions": hot,
        },
    )


if __name__ == "__main__":
    main()
