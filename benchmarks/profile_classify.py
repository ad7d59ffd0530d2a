"""Where the time goes: py-spy profiles of `edgedigits classify FOLDER` and of reading 640x480 frames.

    pip install -e '.[dev]'     # py-spy
    python benchmarks/profile_classify.py [--images 5000] [--json FILE]

Three sampled runs (py-spy, 250 Hz, raw stacks kept in $EDGEDIGITS_BENCH_DIR/profiles/):
  folder, --workers 1   every sample is attributed to a pipeline stage (first stage function found from the
                        innermost frame outwards) -> µs per image in each stage;
  folder, --workers 2   sampled with --gil: the share of the wall time during which some thread holds the GIL
                        (near 100% = the Python part is the bottleneck and threads cannot scale it);
  frame loop            ``DigitReader.read`` on a 640x480 scene with six digits, one core, -> µs per frame.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections import Counter

from _common import EDGEDIGITS, PYTHON, WORK, busy_warning, machine, parser, table, write_json

from edgedigits.runtime.bench import write_folder

RATE = 250

# (function name or None for any, file name) -> stage; walking from the innermost frame outwards, the first
# frame that matches a rule decides the stage.
STAGES = [
    ("read_bytes", "images.py", "file read (stat, open, read)"),
    ("decode", "images.py", "decode (header + cv2.imdecode)"),
    ("to_gray", "ink.py", "to_gray"),
    ("ink_is_dark", "ink.py", "ink map: polarity (local median, MAD)"),
    ("local_median", "ink.py", "ink map: polarity (local median, MAD)"),
    ("histogram_median", "ink.py", "ink map: polarity (local median, MAD)"),
    ("bold_stroke_window", "ink.py", "ink map: paper level (morphology, Otsu, distance transform)"),
    ("paper_level", "ink.py", "ink map: paper level (morphology, Otsu, distance transform)"),
    ("ink_contrast", "ink.py", "ink map: contrast (full-size float)"),
    ("remove_noise_floor", "ink.py", "ink map: noise floor (sampled percentiles, scale)"),
    ("shrink", "ink.py", "resize (shrink)"),
    ("ink_map", "ink.py", "ink map: other"),
    ("clean_digit", "detect.py", "fast path for a small clean digit: checks (Otsu, labelling, paper)"),
    ("hysteresis", "segment.py", "segment: hysteresis threshold and its labelling"),
    ("remove_rules", "rules.py", "segment: remove_rules (morphology)"),
    ("blob_mask", "blobs.py", "segment: masks (np.isin, dilate)"),
    ("digit_height", "rules.py", "segment: digit_height (frame-wide rules)"),
    ("segment", "segment.py", "segment: Python blob logic (heights, merge, filter, order)"),
    ("half_copy", "detect.py", "resize (shrink)"),
    ("extract_at", "detect.py", "detect: other"),
    ("extract", "detect.py", "detect: other"),
    ("normalize_digit", "normalize.py", "normalize: per digit (crop, widen, fit, centre)"),
    ("normalize_batch", "normalize.py", "normalize: batch (clip_ink of the whole map, stack)"),
    (None, "normalize.py", "normalize.py: other"),
    (None, "ink.py", "ink map: other"),
    (None, "detect.py", "segment: Python blob logic (heights, merge, filter, order)"),
    (None, "segment.py", "segment: Python blob logic (heights, merge, filter, order)"),
    (None, "blobs.py", "segment: Python blob logic (heights, merge, filter, order)"),
    (None, "rules.py", "segment: Python blob logic (heights, merge, filter, order)"),
    (None, "order.py", "segment: Python blob logic (heights, merge, filter, order)"),
    ("_run", "model.py", "infer (session.run)"),
    ("predict", "model.py", "infer (checks, Python)"),
    ("__init__", "model.py", "start-up: model session"),
    ("write", "output.py", "output: JSON lines"),
    ("to_dict", "reader.py", "output: JSON lines"),
    ("read_batch", "reader.py", "reader: results (Digit, Reading, text)"),
    (None, "reader.py", "reader: chunks, generator"),
    (None, "parallel.py", "reader: worker processes (hand-off)"),
    (None, "sources.py", "listing the folder"),
    (None, "output.py", "output: summary, progress"),
    ("classify", "cli.py", "CLI loop"),
    ("make_scene", "bench.py", "start-up: test input"),
    (None, "<frozen importlib", "start-up: imports"),
    (None, "typer", "start-up: CLI parsing (typer, pydantic)"),
]


def frame_of(text: str) -> tuple[str, str]:
    name, _, where = text.rpartition(" (")
    return name, where.rstrip(")")


def stage_of(stack: list[str]) -> str:
    """The stage of a sample: the innermost frame that a function rule names, else the innermost frame that a
    file rule (fn None) matches. (Helpers such as quantiles or label count for the stage that called them.)"""
    frames = [frame_of(frame) for frame in reversed(stack)]
    for named in (True, False):
        for name, where in frames:
            for fn, file, stage in STAGES:
                if (fn is not None) == named and (fn is None or name.rpartition(".")[2] == fn) and file in where:
                    return stage  # py-spy names methods Class.method
    return "other (interpreter, threads)"


def py_spy() -> str:
    """The py-spy executable: this venv's (the [dev] extra pins it), else one on PATH; a one-line exit if none."""
    beside = os.path.join(os.path.dirname(PYTHON), "py-spy")
    found = beside if os.access(beside, os.X_OK) else shutil.which("py-spy")
    if found is None:
        raise SystemExit("profile_classify.py needs py-spy: pip install -e '.[dev]' (or pip install py-spy)")
    return found


def record(name: str, cmd: list[str], gil: bool = False) -> tuple[Counter, Counter, float, int]:
    """py-spy record -> (samples per stage, samples per innermost line, seconds, total samples)."""
    out_dir = WORK / "profiles"
    out_dir.mkdir(parents=True, exist_ok=True)
    raw = out_dir / f"{name}.txt"
    spy = [
        py_spy(),
        "record",
        "--format",
        "raw",
        "-r",
        str(RATE),
        "-o",
        str(raw),
        *(["--gil"] if gil else []),
        "--",
        *cmd,
    ]
    started = time.perf_counter()
    done = subprocess.run(spy, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, timeout=900)
    seconds = time.perf_counter() - started
    if done.returncode != 0 or not raw.exists():
        raise SystemExit(
            f"py-spy failed ({done.returncode}): {done.stderr[-800:]}\n(it samples through ptrace: a "
            "container may need --cap-add SYS_PTRACE)"
        )
    stages, lines, total = Counter(), Counter(), 0
    for line in raw.read_text().splitlines():
        stack_text, _, count = line.rpartition(" ")
        if not stack_text:
            continue
        stack = stack_text.split(";")
        stages[stage_of(stack)] += int(count)
        lines[stack[-1]] += int(count)
        total += int(count)
    return stages, lines, seconds, total


def breakdown(stages: Counter, per: int, unit: str) -> list[dict]:
    total = sum(stages.values())
    return [{"stage": s, "share": n / total, f"us_per_{unit}": n / RATE / per * 1e6} for s, n in stages.most_common()]


FRAME_LOOP = """
import sys, cv2
cv2.setNumThreads(1)
from edgedigits.runtime.synth import make_scene
from edgedigits.runtime.reader import DigitReader
reader = DigitReader(sys.argv[2] if len(sys.argv) > 2 else None, threads=1)
frame = make_scene(seed=0)
for _ in range(int(sys.argv[1])):
    reader.read(frame)
"""


def main() -> None:
    p = parser(__doc__)
    p.add_argument("--images", type=int, default=5000, help="PNG files in the profiled folder")
    p.add_argument("--frames", type=int, default=1000, help="640x480 frames read in the frame profile")
    p.add_argument("--model", default=None, help="model (default: the shipped default)")
    args = p.parse_args()
    n, frames = (300, 30) if args.quick else (args.images, args.frames)
    warning = busy_warning()
    if warning:
        print("WARNING:", warning, file=sys.stderr)
    folder = str(write_folder(n, WORK / f"png-{n}"))
    model = ["--model", args.model] if args.model else []
    classify = [EDGEDIGITS, "classify", folder, "--format", "jsonl", *model]

    stages1, lines1, seconds1, _ = record("folder-workers1", classify + ["--workers", "1"])
    _, _, seconds2, gil_samples = record("folder-workers2-gil", classify + ["--workers", "2"], gil=True)
    stagesf, linesf, secondsf, _ = record(
        "frame", [PYTHON, "-c", FRAME_LOOP, str(frames), *(args.model and [args.model] or [])]
    )

    steady = Counter({k: v for k, v in stages1.items() if not k.startswith("start-up")})
    folder_rows = breakdown(steady, n, "image")
    startup_s = sum(v for k, v in stages1.items() if k.startswith("start-up")) / RATE
    frame_rows = breakdown(Counter({k: v for k, v in stagesf.items() if not k.startswith("start-up")}), frames, "frame")
    gil_share = gil_samples / RATE / seconds2

    print(
        f"classify {n:,} PNGs, --workers 1 (py-spy {RATE} Hz; {seconds1:.1f} s, of which start-up {startup_s:.2f} s):"
        + (" QUICK: not figures" if args.quick else "")
    )
    print(
        table(
            ["stage", "share", "µs per image"],
            [[r["stage"], f"{r['share']:.1%}", f"{r['us_per_image']:.0f}"] for r in folder_rows],
        )
    )
    print("\nhottest lines (innermost frame), folder:")
    print(table(["line", "share"], [[k, f"{v / sum(lines1.values()):.1%}"] for k, v in lines1.most_common(12)]))
    print(
        f"\n--workers 2 (worker processes): a thread of the parent process holds the GIL {gil_share:.0%} of the "
        f"wall time ({seconds2:.1f} s); the parent only lists, collects and writes"
    )
    print(f"\nreading a 640x480 frame with six digits, one core ({frames} frames, {secondsf:.1f} s):")
    print(
        table(
            ["stage", "share", "µs per frame"],
            [[r["stage"], f"{r['share']:.1%}", f"{r['us_per_frame']:.0f}"] for r in frame_rows],
        )
    )
    print("\nhottest lines (innermost frame), frame:")
    print(table(["line", "share"], [[k, f"{v / sum(linesf.values()):.1%}"] for k, v in linesf.most_common(12)]))
    write_json(
        args.json,
        {
            "machine": machine(),
            "busy": warning,
            "quick": args.quick,
            "rate_hz": RATE,
            "folder": {
                "images": n,
                "seconds": seconds1,
                "startup_s": startup_s,
                "stages": folder_rows,
                "top_lines": [(k, v / sum(lines1.values())) for k, v in lines1.most_common(20)],
            },
            "folder_workers2_gil_share": gil_share,
            "frame": {
                "frames": frames,
                "seconds": secondsf,
                "stages": frame_rows,
                "top_lines": [(k, v / sum(linesf.values())) for k, v in linesf.most_common(20)],
            },
            "raw_profiles": str(WORK / "profiles"),
        },
    )


if __name__ == "__main__":
    main()
