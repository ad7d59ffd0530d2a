"""Run every benchmark and write benchmarks/results.md (tables, machine described) and benchmarks/results.json.

    python benchmarks/run_all.py            # about 10 minutes on 2 cores; refuses to run on a busy machine
    python benchmarks/run_all.py --quick    # smoke test of all scripts (results go to a temp folder)

Each script also runs on its own (see benchmarks/README.md); this one runs them in turn, each in a fresh
process, keeps their printed tables for results.md and their JSON for results.json. A script that fails does
not stop the others; the run then exits with status 1, naming the failed ones.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

from _common import EDGEDIGITS, MODELS, PYTHON, WORK, busy_warning, machine, now_utc, parser

HERE = Path(__file__).resolve().parent
MODEL: str | None = None  # --model: the runtime's model in every script (default: the shipped default)
LEAN_VENVS: list[str] = []  # --venv: other environments whose `edgedigits classify` cold start is measured too
OTHERS: dict[str, float] = {}  # cores used by other processes while each benchmark ran (0 = undisturbed)

SCRIPTS = [
    ("cold_start", "Cold start: one PNG from a fresh process", ["cold_start.py"]),
    ("model_latency", "Model only: latency and throughput", ["model_latency.py"]),
    ("frame_latency", "Live frames: 640x480, six digits, one core", ["frame_latency.py"]),
    ("folder_throughput", "Folder: 30,000 small digit PNGs", ["folder_throughput.py"]),
    ("profile", "Where the time goes (py-spy)", ["profile_classify.py"]),
    ("folder_designs", "Folder: what would reach the decode rate (designs compared)", ["folder_designs.py"]),
    ("accuracy", "Reading accuracy on real-world-like material (MNIST test digits)", ["accuracy.py"]),
]


def cpu_jiffies() -> tuple[int, int]:
    """(busy, total) CPU jiffies of the whole machine, from /proc/stat."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    idle = fields[3] + fields[4]
    return sum(fields) - idle, sum(fields)


def others_share(before: tuple, after: tuple, ours_s: float) -> float:
    """Average number of cores used by *other* processes between two snapshots (ours: CPU seconds we used)."""
    hz = os.sysconf("SC_CLK_TCK")
    busy, total = after[0][0] - before[0][0], after[0][1] - before[0][1]
    wall = after[1] - before[1]
    return max(0.0, (busy / hz - ours_s) / wall) if wall > 0 and total else 0.0


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_script(name: str, args: list[str], out: Path, quick: bool) -> tuple[str, dict | None, float]:
    json_path = out / f"{name}.json"
    cmd = [PYTHON, str(HERE / args[0]), *args[1:], "--json", str(json_path)] + (["--quick"] if quick else [])
    if MODEL and name != "model_latency":
        cmd += ["--model", MODEL]
    if name == "cold_start":
        cmd += [arg for venv in LEAN_VENVS for arg in ("--venv", venv)]
    print(f"== {' '.join(cmd)}", flush=True)
    started, snapshot, cpu = time.perf_counter(), (cpu_jiffies(), time.monotonic()), children_cpu()
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=HERE)
    seconds = time.perf_counter() - started
    OTHERS[name] = others_share(snapshot, (cpu_jiffies(), time.monotonic()), children_cpu() - cpu)
    print(done.stdout, done.stderr, sep="", flush=True)
    print(f"(other processes used {OTHERS[name]:.2f} cores on average meanwhile)", flush=True)
    if done.returncode != 0:
        return f"FAILED (exit {done.returncode}):\n\n```\n{done.stderr[-2000:]}\n```", None, seconds
    return done.stdout, json.loads(json_path.read_text()), seconds


def run_bench(quick: bool) -> tuple[str, dict | None, float]:
    started, snapshot, cpu = time.perf_counter(), (cpu_jiffies(), time.monotonic()), children_cpu()
    cmd = (
        [EDGEDIGITS, "bench", "--format", "json"]
        + (["--quick"] if quick else [])
        + (["--model", MODEL] if MODEL else [])
    )
    print(f"== {' '.join(cmd)}", flush=True)
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        return f"FAILED: {done.stderr[-2000:]}", None, time.perf_counter() - started
    OTHERS["bench"] = others_share(snapshot, (cpu_jiffies(), time.monotonic()), children_cpu() - cpu)
    report = json.loads(done.stdout)
    sys.path.insert(0, str(HERE.parent))
    from edgedigits.runtime.bench import format_text

    text = format_text(report)
    print(text, flush=True)
    return text, report, time.perf_counter() - started


def card(name: str) -> dict:
    try:
        return json.loads((MODELS / f"{name}.json").read_text())
    except (OSError, ValueError):
        return {}


def goals(data: dict) -> list[list[str]]:
    rows = []
    cs = data.get("cold_start")
    if cs:
        tf = cs["results"]["TensorFlow path of the original (seed model.keras)"]
        c = cs["results"]["edgedigits classify one.png"]
        rows.append(
            [
                "cold start `edgedigits classify one.png` >= 15x faster than the TF path",
                f"TF path {tf['wall_s']:.2f} s, {tf['peak_rss_mib']:.0f} MiB",
                f"{c['wall_s'] * 1e3:.0f} ms",
                f"**{c['speedup_vs_tf']:.1f}x**",
                "met" if c["speedup_vs_tf"] >= 15 else "NOT met",
            ]
        )
        rows.append(
            [
                "cold start peak memory <= 100 MiB",
                f"TF path {tf['peak_rss_mib']:.0f} MiB",
                f"{c['peak_rss_mib']:.0f} MiB",
                f"{c['memory_vs_tf']:.1f}x less",
                "met" if c["peak_rss_mib"] <= 100 else "NOT met",
            ]
        )
    ft = data.get("folder_throughput")
    if ft:
        best = max(ft["classify"], key=lambda r: r["images_per_s"])
        rows.append(
            [
                f"folder of {ft['images']:,} PNGs >= 0.5x the OpenCV decode rate",
                f"decode {ft['decode_ceiling_images_per_s']:,.0f} images/s",
                f"{best['images_per_s']:,.0f} images/s (--workers {best['workers']})",
                f"**{best['ratio_to_decode']:.3f}x**",
                "met" if ft["goal_met"] else "NOT met",
            ]
        )
    fl = data.get("frame_latency")
    if fl:
        rows.append(
            [
                "640x480 frame, six digits, one core <= 3 ms",
                "budget 3 ms",
                f"{fl['total_ms']:.2f} ms ({fl['frames_per_s']:,.0f} frames/s)",
                f"{fl['total_ms'] / 3:.1f}x the budget",
                "met" if fl["goal_met"] else "NOT met",
            ]
        )
    for name in ("default", "fast"):
        c = card(name)
        if c.get("mflops_per_digit") is not None:
            rows.append(
                [
                    f"model `{name}` <= 2 MFLOPs per digit",
                    "seed MLP 0.22",
                    f"{c['mflops_per_digit']} MFLOPs",
                    f"{c.get('test_accuracy', 0):.2%} MNIST test",
                    "met" if c["mflops_per_digit"] <= 2 else "NOT met",
                ]
            )
    return rows


def main() -> None:
    p = parser(__doc__)
    p.add_argument("--force", action="store_true", help="run even if the machine is busy (figures marked so)")
    p.add_argument(
        "--only",
        nargs="*",
        help="rerun only these (cold_start model_latency frame_latency folder_throughput "
        "profile folder_designs accuracy bench); the others are kept from "
        "results.json",
    )
    p.add_argument("--model", help="model for the runtime (default: the shipped default)")
    p.add_argument("--venv", action="append", default=[], help="cold start: also time classify from this venv")
    args = p.parse_args()
    global MODEL
    MODEL = args.model
    LEAN_VENVS.extend(args.venv)
    warning = busy_warning()
    if warning and not (args.force or args.quick):
        raise SystemExit(f"{warning}. Wait until it is idle, or pass --force.")
    out = (WORK / "quick-results") if args.quick else HERE
    raw = WORK / "raw"  # each script's JSON; all of it is merged into results.json
    raw.mkdir(parents=True, exist_ok=True)
    out.mkdir(parents=True, exist_ok=True)
    info = machine()
    sections: dict[str, dict] = {}
    failed: list[str] = []  # the benchmarks that failed in this run (their section says why)
    if args.only and (out / "results.json").is_file():
        sections = json.loads((out / "results.json").read_text()).get("sections", {})
    for name, title, script in SCRIPTS + [
        ("bench", "`edgedigits bench` (the runtime's own report, no TensorFlow)", None)
    ]:
        if args.only and name not in args.only:
            continue
        when = now_utc()
        text, result, took = run_script(name, script, raw, args.quick) if script else run_bench(args.quick)
        if result is None:
            failed.append(name)
        sections[name] = {
            "title": title,
            "command": f"python benchmarks/{script[0]}" if script else "edgedigits bench",
            "text": text,
            "data": result,
            "seconds": took,
            "date_utc": when,
            "model": MODEL or "default",
            "other_processes_cores": OTHERS.get(name),
        }
    order = [name for name, _, _ in SCRIPTS] + ["bench"]
    sections = {k: sections[k] for k in order if k in sections}
    data = {k: v["data"] for k, v in sections.items()}

    v = info["versions"]
    md = [
        "# edgedigits benchmarks — results",
        "",
        "Produced by `python benchmarks/run_all.py`"
        + (" with **--quick (smoke test, not figures)**" if args.quick else "")
        + ". Do not edit by hand.",
        "",
        f"- Machine: {info['cpu']} ({info.get('simd', '')}), {info['cores']} cores, "
        f"{info.get('ram_gib', '?')} GiB RAM; "
        f"{info['os']}",
        f"- Python {info['python']}; NumPy {v.get('numpy')}, OpenCV {v.get('cv2')}, "
        f"onnxruntime {v.get('onnxruntime')}; "
        f"baselines: TensorFlow {v.get('tensorflow')}, Keras {v.get('keras')}",
        f"- Models: {', '.join(sorted(p.name for p in MODELS.glob('*.onnx'))) or 'none shipped'}; the runtime uses "
        "the shipped `default` unless a section says otherwise; the TF path uses the seed network's `model.keras`",
        "- Each section: when it ran, how long, and how many cores *other* processes used meanwhile (from "
        "/proc/stat; above ~0.1 the figures are disturbed):",
        *(
            f"  - {k}: {s['date_utc']}, {s['seconds']:.0f} s, others {s['other_processes_cores'] or 0:.2f} cores"
            + ("" if s["model"] == "default" else f", model `{s['model']}`")
            for k, s in sections.items()
        ),
        "",
        "## Goals of issue 5",
        "",
        "| goal | baseline | measured | ratio | |",
        "|---|---|---|---|---|",
        *("| " + " | ".join(r) + " |" for r in goals(data)),
        "",
    ]
    for s in sections.values():
        md += [f"## {s['title']}", "", f"`{s['command']}`", "", s["text"].strip(), ""]
    (out / "results.md").write_text("\n".join(md) + "\n")
    (out / "results.json").write_text(
        json.dumps({"machine": info, "quick": args.quick, "sections": sections}, indent=2, default=float) + "\n"
    )
    print(f"wrote {out / 'results.md'} and {out / 'results.json'}")
    if failed:  # the results are still written (each failure is in its section), but the run did not pass
        raise SystemExit(f"FAILED: {', '.join(failed)} (their errors are in {out / 'results.md'})")


if __name__ == "__main__":
    main()
