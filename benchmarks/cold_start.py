"""Cold start: read one digit PNG from a fresh process, the original TensorFlow path vs `edgedigits classify`.

    python benchmarks/cold_start.py [--repeats 7] [--model NAME|FILE] [--json FILE]

Every run is a new process (the file cache is warm: each command runs once untimed first); the figures are
medians over the repeats, the commands interleaved so drift hits all alike. Peak memory is the process's
maximum resident set (``os.wait4`` rusage). Also profiles the imports of the classify path
(``python -X importtime``). Goal (issue 5): classify >= 15x faster than the TF path, <= 100 MiB.
"""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys

from _common import EDGEDIGITS, PYTHON, ROOT, SEED_KERAS, WORK, busy_warning, machine, parser, run_measured, seed_onnx, \
    table, write_json
from edgedigits.runtime.bench import digit_png

# The original's inference path: TensorFlow/Keras decode the PNG, load the seed network, predict.
TF_PATH = """
import sys
import tensorflow as tf
import keras
model = keras.models.load_model(sys.argv[1])
image = tf.io.decode_png(tf.io.read_file(sys.argv[2]), channels=1)
image = tf.image.resize(image, (28, 28), antialias=True)
x = 1.0 - tf.cast(image, tf.float32)[None, :, :, 0] / 255.0   # dark ink on paper -> white on black
print(int(model.predict(x, verbose=0).argmax()))
"""

# The floor: the least a Python process can do to read the PNG with onnxruntime and OpenCV.
ORT_MINIMAL = """
import sys
import cv2, numpy as np, onnxruntime as ort
session = ort.InferenceSession(sys.argv[1], providers=["CPUExecutionProvider"])
image = cv2.resize(cv2.imread(sys.argv[2], cv2.IMREAD_GRAYSCALE), (28, 28), interpolation=cv2.INTER_AREA)
x = (1.0 - image.astype(np.float32) / 255.0)[None]
print(int(session.run(None, {session.get_inputs()[0].name: x})[0].argmax()))
"""


def import_profile(png: str, model_args: list[str], top: int = 12) -> dict:
    """``python -X importtime -m edgedigits.runtime.cli classify one.png``: the costliest imports."""
    out = subprocess.run([PYTHON, "-X", "importtime", "-m", "edgedigits.runtime.cli", "classify", png,
                          "--format", "jsonl", *model_args], capture_output=True, text=True, timeout=120)
    rows = []
    for line in out.stderr.splitlines():
        m = re.match(r"import time:\s+(\d+) \|\s+(\d+) \| (\s*)(\S+)", line)
        if m:
            rows.append((int(m.group(1)), int(m.group(2)), len(m.group(3)) // 2, m.group(4)))
    top_level = sorted((r for r in rows if r[2] == 0), key=lambda r: -r[1])
    by_self = sorted(rows, key=lambda r: -r[0])
    roots: dict[str, int] = {}
    for self_us, _, _, name in rows:
        roots[name.split(".")[0]] = roots.get(name.split(".")[0], 0) + self_us
    return {
        "total_ms": sum(r[0] for r in rows) / 1e3,
        "modules": len(rows),
        "top_level_cumulative_ms": [(name, cum / 1e3) for _, cum, _, name in top_level[:top]],
        "by_package_self_ms": sorted(((k, v / 1e3) for k, v in roots.items()), key=lambda kv: -kv[1])[:top],
        "top_self_ms": [(name, s / 1e3) for s, _, _, name in by_self[:top]],
        "heavy_loaded": sorted({r[3].split(".")[0] for r in rows} & {"tensorflow", "keras", "onnx", "matplotlib",
                                                                      "rich", "pandas", "scipy", "PIL"}),
    }


def env_summary(venv: str) -> str:
    """The packages of another environment that matter for start-up, e.g. 'opencv-python-headless 5.0, typer 0.28'."""
    code = ("import importlib.metadata as m\n"
            "for n in ('opencv-python', 'opencv-python-headless', 'typer', 'pydantic', 'onnxruntime', 'numpy'):\n"
            "    try: print(n, m.version(n))\n"
            "    except m.PackageNotFoundError: pass")
    out = subprocess.run([os.path.join(venv, "bin", "python"), "-c", code], capture_output=True, text=True)
    return ", ".join(out.stdout.split("\n")[:-1]) or "?"


def main() -> None:
    p = parser(__doc__)
    p.add_argument("--repeats", type=int, default=7, help="fresh processes per command (median)")
    p.add_argument("--model", default=None, help="model for edgedigits classify (default: the shipped default)")
    p.add_argument("--venv", action="append", default=[],
                   help="also time `classify` from this environment's console script (e.g. a lean runtime venv)")
    args = p.parse_args()
    repeats = 2 if args.quick else args.repeats
    warning = busy_warning()
    if warning:
        print("WARNING:", warning, file=sys.stderr)

    # An installed package has its modules compiled (pip does it); an editable checkout in an environment
    # with PYTHONDONTWRITEBYTECODE=1 would recompile them in every measured process (20-25 ms). Compile once.
    subprocess.run([PYTHON, "-m", "compileall", "-q", str(ROOT / "runtime"), str(ROOT / "models")], check=False)
    WORK.mkdir(parents=True, exist_ok=True)
    png = str(WORK / "one.png")
    with open(png, "wb") as handle:
        handle.write(digit_png(seed=0, size=64))
    model_args = ["--model", args.model] if args.model else []
    tf_env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    commands = {
        "python -c pass (interpreter floor)": ([PYTHON, "-c", "pass"], None),
        "onnxruntime + OpenCV, minimal script (floor)": ([PYTHON, "-c", ORT_MINIMAL, seed_onnx(), png], None),
        "TensorFlow path of the original (seed model.keras)": ([PYTHON, "-c", TF_PATH, str(SEED_KERAS), png], tf_env),
        "edgedigits classify one.png": ([EDGEDIGITS, "classify", png, "--format", "jsonl", *model_args], None),
        "python -m edgedigits.runtime.cli classify one.png":
            ([PYTHON, "-m", "edgedigits.runtime.cli", "classify", png, "--format", "jsonl", *model_args], None),
    }
    for venv in args.venv:
        commands[f"edgedigits classify one.png, from {venv} ({env_summary(venv)})"] = (
            [os.path.join(venv, "bin", "edgedigits"), "classify", png, "--format", "jsonl", *model_args], None)
    samples: dict[str, list[dict]] = {name: [] for name in commands}
    for name, (cmd, env) in commands.items():  # warm the file cache, check that it works
        first = run_measured(cmd, env=env, stdout=subprocess.PIPE)
        if first["returncode"] != 0:
            raise SystemExit(f"{name} failed:\n{first['stderr']}")
    for _ in range(repeats):
        for name, (cmd, env) in commands.items():
            samples[name].append(run_measured(cmd, env=env))

    results = {}
    for name, runs in samples.items():
        results[name] = {"wall_s": statistics.median(r["wall_s"] for r in runs),
                         "peak_rss_mib": statistics.median(r["peak_rss_mib"] for r in runs),
                         "cpu_s": statistics.median(r["cpu_s"] for r in runs),
                         "wall_s_all": [round(r["wall_s"], 4) for r in runs]}
    tf = results["TensorFlow path of the original (seed model.keras)"]
    for r in results.values():
        r["speedup_vs_tf"] = tf["wall_s"] / r["wall_s"]
        r["memory_vs_tf"] = tf["peak_rss_mib"] / r["peak_rss_mib"]
    classify = results["edgedigits classify one.png"]
    goals = {"speedup_ge_15x": classify["speedup_vs_tf"] >= 15, "peak_rss_le_100_mib": classify["peak_rss_mib"] <= 100}
    imports = import_profile(png, model_args)

    print(f"cold start, median of {repeats} fresh processes each ({'QUICK: not figures' if args.quick else 'warm file cache'})")
    print(table(["command", "wall", "CPU", "peak RSS", "vs TF path (time)", "vs TF path (memory)"],
                [[name, f"{r['wall_s'] * 1e3:,.0f} ms", f"{r['cpu_s'] * 1e3:,.0f} ms", f"{r['peak_rss_mib']:.0f} MiB",
                  f"{r['speedup_vs_tf']:.1f}x", f"{r['memory_vs_tf']:.1f}x"] for name, r in results.items()]))
    print(f"\ngoals: >= 15x faster: {classify['speedup_vs_tf']:.1f}x {'met' if goals['speedup_ge_15x'] else 'NOT met'}; "
          f"<= 100 MiB: {classify['peak_rss_mib']:.0f} MiB {'met' if goals['peak_rss_le_100_mib'] else 'NOT met'}")
    print(f"\nimports of `classify` (python -X importtime): {imports['modules']} modules, "
          f"{imports['total_ms']:.0f} ms; heavy packages loaded: {', '.join(imports['heavy_loaded']) or 'none'}")
    print(table(["package", "import ms (self, all its modules)"],
                [[k, f"{v:.1f}"] for k, v in imports["by_package_self_ms"]]))
    write_json(args.json, {"machine": machine(), "busy": warning, "quick": args.quick, "repeats": repeats,
                           "png": png, "results": results, "goals_met": goals, "imports": imports})


if __name__ == "__main__":
    main()
