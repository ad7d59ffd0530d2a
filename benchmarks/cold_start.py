"""Cold start: read one digit PNG from a fresh process, the original TensorFlow path vs `edgedigits classify`.

    python benchmarks/cold_start.py [--repeats 7] [--model NAME|FILE] [--venv DIR] [--seed-keras FILE | --no-tf]
                                    [--json FILE]

The TensorFlow path needs the original seed network as a Keras file: --seed-keras FILE, else
$EDGEDIGITS_SEED_KERAS, else ../runs/seed/model.keras, else one is made once (the seed preset trained for one
epoch on 6,000 images, a few seconds; TensorFlow's load time depends on the network, not its weights) into
$EDGEDIGITS_BENCH_DIR/seed-1epoch (``_common.seed_keras``, which model_latency.py and folder_throughput.py use
too). --no-tf leaves that row out (a runtime-only venv has no TensorFlow).

Every run is a new process (the file cache is warm: each command runs once untimed first); the figures are
medians over the repeats, the commands interleaved so drift hits all alike. Peak memory is the process's
maximum resident set (``os.wait4`` rusage). Also profiles the imports of the classify path
(``python -X importtime``). Goal (issue 5): classify >= 15x faster than the TF path, <= 100 MiB.

Memory by kind: peak RSS counts the pages of shared libraries (OpenCV, onnxruntime, NumPy) that the process
touched, and how many pages the kernel maps per touch depends on how the library files sit in its page cache
(large folios: a file pip has just written maps in bigger pieces than one read back from disk). The
"memory by kind" table splits a classify run's memory at exit into anonymous (the process's own: heap,
arrays, the session) and file-backed (library code and data, shared with every other process using them).
"""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys

from _common import (
    EDGEDIGITS,
    PYTHON,
    ROOT,
    WORK,
    busy_warning,
    machine,
    parser,
    run_measured,
    seed_keras,
    seed_onnx,
    table,
    write_json,
)

from edgedigits.runtime.synth import digit_png

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


# Runs `edgedigits classify` in-process and reports its memory by kind at exit (from /proc/self/status).
MEMORY_BY_KIND = """
import atexit, sys
def report():
    status = dict(line.split(":", 1) for line in open("/proc/self/status"))
    print("MEMORY " + " ".join(f"{k}={status[k].split()[0]}" for k in ("VmHWM", "RssAnon", "RssFile", "RssShmem")),
          file=sys.stderr)
atexit.register(report)
from edgedigits.runtime.cli import main
sys.argv = ["edgedigits"] + sys.argv[1:]
main()
"""


def memory_by_kind(python: str, args: list[str]) -> dict:
    """Peak RSS and, at exit, anonymous and file-backed RSS (MiB) of ``python -c MEMORY_BY_KIND args``."""
    out = subprocess.run(
        [python, "-c", MEMORY_BY_KIND, *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "OPENBLAS_NUM_THREADS": "1"},
    )
    line = next((line for line in out.stderr.splitlines() if line.startswith("MEMORY ")), None)
    if line is None:
        raise SystemExit(f"memory by kind: {python} failed:\n{out.stderr[-2000:]}")
    kib = {k: int(v) for k, v in (field.split("=") for field in line.split()[1:])}
    return {
        "peak_rss_mib": kib["VmHWM"] / 1024,
        "anonymous_mib": kib["RssAnon"] / 1024,
        "file_backed_mib": kib["RssFile"] / 1024,
        "shmem_mib": kib["RssShmem"] / 1024,
    }


def import_profile(png: str, model_args: list[str], top: int = 12) -> dict:
    """``python -X importtime -m edgedigits.runtime.cli classify one.png``: the costliest imports."""
    out = subprocess.run(
        [PYTHON, "-X", "importtime", "-m", "edgedigits.runtime.cli", "classify", png, "--format", "jsonl", *model_args],
        capture_output=True,
        text=True,
        timeout=120,
    )
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
        "heavy_loaded": sorted(
            {r[3].split(".")[0] for r in rows}
            & {"tensorflow", "keras", "onnx", "matplotlib", "rich", "pandas", "scipy", "PIL"}
        ),
    }


def env_summary(venv: str) -> str:
    """The packages of another environment that matter for start-up, e.g. 'opencv-python-headless 5.0, typer 0.28'."""
    code = (
        "import importlib.metadata as m\n"
        "for n in ('opencv-python', 'opencv-python-headless', 'typer', 'pydantic', 'onnxruntime', 'numpy'):\n"
        "    try: print(n, m.version(n))\n"
        "    except m.PackageNotFoundError: pass"
    )
    out = subprocess.run([os.path.join(venv, "bin", "python"), "-c", code], capture_output=True, text=True)
    return ", ".join(out.stdout.split("\n")[:-1]) or "?"


def main() -> None:
    p = parser(__doc__)
    p.add_argument("--repeats", type=int, default=7, help="fresh processes per command (median)")
    p.add_argument("--model", default=None, help="model for edgedigits classify (default: the shipped default)")
    p.add_argument(
        "--venv",
        action="append",
        default=[],
        help="also time `classify` from this environment's console script (e.g. a lean runtime venv)",
    )
    p.add_argument(
        "--seed-keras",
        metavar="FILE",
        help="the seed network's model.keras for the TensorFlow path (default: see above; made if missing)",
    )
    p.add_argument("--no-tf", action="store_true", help="leave out the TensorFlow path (no TensorFlow needed)")
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
    tf_name = "TensorFlow path of the original (seed model.keras)"
    commands = {
        "python -c pass (interpreter floor)": ([PYTHON, "-c", "pass"], None),
        "onnxruntime + OpenCV, minimal script (floor)": ([PYTHON, "-c", ORT_MINIMAL, seed_onnx(), png], None),
    }
    if not args.no_tf:
        commands[tf_name] = ([PYTHON, "-c", TF_PATH, str(seed_keras(args.seed_keras)), png], tf_env)
    commands.update(
        {
            "edgedigits classify one.png": ([EDGEDIGITS, "classify", png, "--format", "jsonl", *model_args], None),
            "python -m edgedigits.runtime.cli classify one.png": (
                [PYTHON, "-m", "edgedigits.runtime.cli", "classify", png, "--format", "jsonl", *model_args],
                None,
            ),
        }
    )
    for venv in args.venv:
        commands[f"edgedigits classify one.png, from {venv} ({env_summary(venv)})"] = (
            [os.path.join(venv, "bin", "edgedigits"), "classify", png, "--format", "jsonl", *model_args],
            None,
        )
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
        results[name] = {
            "wall_s": statistics.median(r["wall_s"] for r in runs),
            "peak_rss_mib": statistics.median(r["peak_rss_mib"] for r in runs),
            "cpu_s": statistics.median(r["cpu_s"] for r in runs),
            "wall_s_all": [round(r["wall_s"], 4) for r in runs],
        }
    tf = results.get(tf_name)
    for r in results.values():
        r["speedup_vs_tf"] = tf["wall_s"] / r["wall_s"] if tf else float("nan")
        r["memory_vs_tf"] = tf["peak_rss_mib"] / r["peak_rss_mib"] if tf else float("nan")
    classify = results["edgedigits classify one.png"]
    goals = {
        "speedup_ge_15x": classify["speedup_vs_tf"] >= 15 if tf else None,
        "peak_rss_le_100_mib": classify["peak_rss_mib"] <= 100,
    }
    imports = import_profile(png, model_args)
    classify_args = ["classify", png, "--format", "jsonl", *model_args]
    kinds = {"this environment": memory_by_kind(PYTHON, classify_args)}
    for venv in args.venv:
        kinds[venv] = memory_by_kind(os.path.join(venv, "bin", "python"), classify_args)

    kind = "QUICK: not figures" if args.quick else "warm file cache"
    print(f"cold start, median of {repeats} fresh processes each ({kind})")
    print(
        table(
            ["command", "wall", "CPU", "peak RSS", "vs TF path (time)", "vs TF path (memory)"],
            [
                [
                    name,
                    f"{r['wall_s'] * 1e3:,.0f} ms",
                    f"{r['cpu_s'] * 1e3:,.0f} ms",
                    f"{r['peak_rss_mib']:.0f} MiB",
                    f"{r['speedup_vs_tf']:.1f}x",
                    f"{r['memory_vs_tf']:.1f}x",
                ]
                for name, r in results.items()
            ],
        )
    )
    speed_goal = (
        "no TensorFlow row (--no-tf)"
        if tf is None
        else f"{classify['speedup_vs_tf']:.1f}x {'met' if goals['speedup_ge_15x'] else 'NOT met'}"
    )
    print(
        f"\ngoals: >= 15x faster: {speed_goal}; "
        f"<= 100 MiB: {classify['peak_rss_mib']:.0f} MiB {'met' if goals['peak_rss_le_100_mib'] else 'NOT met'}"
    )
    print(
        "\nmemory by kind of `classify one.png` (at exit; anonymous = the process's own, file-backed = shared "
        "library pages):"
    )
    print(
        table(
            ["environment", "peak RSS", "anonymous", "file-backed"],
            [
                [
                    name,
                    f"{k['peak_rss_mib']:.0f} MiB",
                    f"{k['anonymous_mib']:.0f} MiB",
                    f"{k['file_backed_mib']:.0f} MiB",
                ]
                for name, k in kinds.items()
            ],
        )
    )
    print(
        f"\nimports of `classify` (python -X importtime): {imports['modules']} modules, "
        f"{imports['total_ms']:.0f} ms; heavy packages loaded: {', '.join(imports['heavy_loaded']) or 'none'}"
    )
    print(
        table(
            ["package", "import ms (self, all its modules)"],
            [[k, f"{v:.1f}"] for k, v in imports["by_package_self_ms"]],
        )
    )
    write_json(
        args.json,
        {
            "machine": machine(),
            "busy": warning,
            "quick": args.quick,
            "repeats": repeats,
            "png": png,
            "results": results,
            "goals_met": goals,
            "imports": imports,
            "memory_by_kind": kinds,
        },
    )


if __name__ == "__main__":
    main()
