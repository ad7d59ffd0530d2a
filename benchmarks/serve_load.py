"""`edgedigits serve` under load: concurrent clients posting 640x480 photos, against reading them in-process.

    python benchmarks/serve_load.py [--seconds 30] [--clients 1 8 64] [--workers 1 2] [--threads N] [--json FILE]

The photos: 32 scenes of six MNIST test digits (two lines of three) on unevenly lit paper
(``edgedigits.runtime.synth.make_scene``), given a phone camera's look by ``synth.py``'s
``photo_effects`` (slight perspective, light fall-off, noise, blur) and saved as JPEG (quality 85), 640x480.

For each server configuration (``--workers``: its processes, each with its own model session), a real
``edgedigits serve`` is started on 127.0.0.1 and, for each client count, that many client threads post the
photos back to back (each on its own keep-alive connection) for ``--seconds``: throughput, latency p50/p99,
errors (any status but 200, any failed connection, any reading different from the in-process one), and the
serving processes' memory (RSS summed over the server and its workers, sampled every 0.2 s) and CPU time per
request (server and clients; CPU time is what a busy machine distorts least). One client shows the server's
own cost per request (its latency minus the in-process time per photo). The baseline is
``read_batch`` on the same photos in this process, 16 per call: the faster of the default ``DigitReader()``
and a one-thread reader, measured for ``--seconds`` at the start. Since the machine's other work changes from
minute to minute, each load runs in rounds of about 6 s, each right after 3 s of the in-process baseline; the
ratio is the median of the rounds' ratios (their range is shown too).

Goals (issue 13, on 2 cores): 0 errors; p99 <= 50 ms with 8 clients; throughput >= 0.8x the in-process rate.
All traffic goes to 127.0.0.1, and every loop is bounded in time. Not a test: timings are not assertions.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import cv2
import numpy as np

from _common import busy_warning, machine, parser, table, write_json

from edgedigits.runtime import synth
from edgedigits.runtime.synth import make_scene, sample_digits

GOAL_P99_MS = 50.0
GOAL_RATIO = 0.8


def photos(count: int) -> list[bytes]:
    """``count`` 640x480 JPEG photos of six handwritten digits each."""
    out = []
    for seed in range(count):
        rng = np.random.default_rng(1000 + seed)
        scene = make_scene(sample_digits(6, seed=seed)[0], seed=seed)
        photo = synth.photo_effects(
            scene, rng, perspective=0.02, light=0.3, noise=3, blur=0.6, jpeg_quality=None, shadow=False
        )
        out.append(cv2.imencode(".jpg", photo, [cv2.IMWRITE_JPEG_QUALITY, 85])[1].tobytes())
    return out


READERS = {"DigitReader()": None, "DigitReader(threads=1), cv2.setNumThreads(1)": 1}


def in_process(images: list[bytes], seconds: float, names=tuple(READERS)) -> dict:
    """Images/s of ``read_batch`` over ``images``, 16 per call, for ``seconds`` with each reader of ``names``:
    the default ``DigitReader()`` (onnxruntime and OpenCV on every core) and a one-thread one (as the server
    runs it). The faster is the baseline."""
    from edgedigits.runtime import DigitReader

    rates, cpu_ms = {}, {}
    for name in names:
        before = cv2.getNumThreads()
        if READERS[name] == 1:
            cv2.setNumThreads(1)
        reader = DigitReader(threads=READERS[name])
        reader.read_batch(images[:16])  # warm-up
        done, started, cpu = 0, time.perf_counter(), time.process_time()
        while time.perf_counter() - started < seconds:
            for i in range(0, len(images), 16):
                done += len(reader.read_batch(images[i : i + 16]))
        rates[name] = done / (time.perf_counter() - started)
        cpu_ms[name] = (time.process_time() - cpu) * 1e3 / done
        cv2.setNumThreads(before)
    best = max(rates, key=rates.get)
    return {
        "rates": rates,
        "baseline": best,
        "images_per_s": rates[best],
        "cpu_ms_per_image": cpu_ms[best],
        "texts": [r.text for r in reader.read_batch(images)],
    }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def tree(pid: int) -> list[int]:
    """``pid`` and its descendants (uvicorn's worker processes)."""
    out, todo = [], [pid]
    while todo:
        current = todo.pop()
        out.append(current)
        try:
            for task in Path(f"/proc/{current}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, ValueError):
            continue
    return out


def tree_cpu_s(pid: int) -> float:
    """CPU seconds (user + system) used so far by ``pid`` and its descendants."""
    total = 0.0
    for current in tree(pid):
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, ValueError, IndexError):
            continue
    return total


def tree_rss_mib(pid: int) -> float:
    """RSS of ``pid`` and its descendants (uvicorn's worker processes), MiB."""
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            total += int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS")))
            for task in Path(f"/proc/{current}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, StopIteration, ValueError):
            continue
    return total / 1024


class Server:
    def __init__(self, workers: int, threads: int | None = None):
        self.port = free_port()
        cmd = [
            str(Path(sys.executable).with_name("edgedigits")),
            "serve",
            "--port",
            str(self.port),
            "--workers",
            str(workers),
        ] + (["--threads", str(threads)] if threads else [])
        self.process = subprocess.Popen(
            cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=2):
                    return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise SystemExit("edgedigits serve did not start within 60 s")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def load(port: int, images: list[bytes], expected: list[str], clients: int, seconds: float, pid: int) -> dict:
    """``clients`` threads posting ``images`` back to back for ``seconds``; latency, errors, server memory."""
    latencies: list[list[float]] = [[] for _ in range(clients)]
    errors: list[str] = []
    stop_at = time.monotonic() + seconds
    start = threading.Barrier(clients + 1)

    def client(index: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine = latencies[index]
        k = index
        start.wait()
        while time.monotonic() < stop_at:
            body = images[k % len(images)]
            began = time.perf_counter()
            try:
                connection.request("POST", "/v1/read", body=body, headers={"Content-Type": "image/jpeg"})
                answer = connection.getresponse()
                data = answer.read()
                mine.append((time.perf_counter() - began) * 1e3)
                if answer.status != 200:
                    errors.append(f"status {answer.status}: {data[:200]!r}")
                elif json.loads(data)["text"] != expected[k % len(images)]:
                    errors.append(f"photo {k % len(images)} read differently from in-process")
            except (OSError, http.client.HTTPException, ValueError) as exc:
                errors.append(f"{type(exc).__name__}: {exc}")
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            k += clients
        connection.close()

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(clients)]
    for thread in threads:
        thread.start()
    rss = [tree_rss_mib(pid)]
    start.wait()
    began = time.perf_counter()
    server_cpu, client_cpu = tree_cpu_s(pid), time.process_time()
    while any(t.is_alive() for t in threads) and time.perf_counter() - began < seconds + 60:
        rss.append(tree_rss_mib(pid))
        time.sleep(0.2)
    elapsed = time.perf_counter() - began
    for thread in threads:
        thread.join(5)
    server_cpu, client_cpu = tree_cpu_s(pid) - server_cpu, time.process_time() - client_cpu
    every = sorted(x for mine in latencies for x in mine)
    return {
        "clients": clients,
        "requests": len(every),
        "seconds": elapsed,
        "requests_per_s": len(every) / elapsed,
        "p50_ms": statistics.median(every) if every else None,
        "p99_ms": every[min(len(every) - 1, int(len(every) * 0.99))] if every else None,
        "max_ms": every[-1] if every else None,
        "errors": len(errors),
        "error_examples": sorted(set(errors))[:5],
        "server_rss_mib_peak": max(rss),
        "server_rss_mib_start": rss[0],
        "server_cpu_ms_per_request": server_cpu * 1e3 / max(1, len(every)),
        "client_cpu_ms_per_request": client_cpu * 1e3 / max(1, len(every)),
        "latencies_ms": every,
        "server_cpu_s": server_cpu,
        "client_cpu_s": client_cpu,
    }


def merged(parts: list[dict]) -> dict:
    """One row from the rounds of a load: requests and time added up, percentiles over every request."""
    every = sorted(x for part in parts for x in part["latencies_ms"])
    requests, seconds = len(every), sum(part["seconds"] for part in parts)
    return {
        "clients": parts[0]["clients"],
        "requests": requests,
        "seconds": seconds,
        "requests_per_s": requests / seconds,
        "p50_ms": statistics.median(every) if every else None,
        "p99_ms": every[min(len(every) - 1, int(len(every) * 0.99))] if every else None,
        "max_ms": every[-1] if every else None,
        "errors": sum(part["errors"] for part in parts),
        "error_examples": sorted({e for part in parts for e in part["error_examples"]})[:5],
        "server_rss_mib_peak": max(part["server_rss_mib_peak"] for part in parts),
        "server_cpu_ms_per_request": sum(part["server_cpu_s"] for part in parts) * 1e3 / max(1, requests),
        "client_cpu_ms_per_request": sum(part["client_cpu_s"] for part in parts) * 1e3 / max(1, requests),
    }


def main() -> None:
    p = parser(__doc__.split("\n")[0])
    p.add_argument("--seconds", type=float, default=30.0, help="duration of each load and of the baseline")
    p.add_argument("--clients", type=int, nargs="+", default=[1, 8, 64])
    p.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="server configurations to measure")
    p.add_argument(
        "--wait-for-quiet",
        type=float,
        default=0,
        metavar="S",
        help="first wait up to S seconds for the 1-min load to fall below 0.7",
    )
    p.add_argument("--photos", type=int, default=32)
    p.add_argument("--threads", type=int, default=None, help="the server's --threads (default: its own)")
    args = p.parse_args()
    seconds = 3.0 if args.quick else args.seconds
    waited = time.monotonic()
    while busy_warning() and time.monotonic() - waited < args.wait_for_quiet:
        time.sleep(10)
    warning = busy_warning()
    info = machine()
    images = photos(args.photos)
    print(f"{len(images)} photos 640x480, JPEG, {np.mean([len(i) for i in images]) / 1024:.0f} KiB on average")
    baseline = in_process(images, seconds)
    for name, rate in baseline["rates"].items():
        print(f"in-process {name}.read_batch: {rate:.0f} images/s")
    results = []
    for workers in args.workers:
        server = Server(workers, args.threads)
        try:
            idle = tree_rss_mib(server.process.pid)
            load(server.port, images, baseline["texts"], 4, 1.0, server.process.pid)  # warm-up
            for clients in args.clients:
                # The machine's other work changes from minute to minute: the load runs in rounds of about 6 s,
                # each right after a few seconds of the in-process baseline, and each round gives one ratio.
                rounds = max(1, round(seconds / 6))
                parts, besides, ratios = [], [], []
                for _ in range(rounds):
                    besides.append(
                        in_process(images, max(1.5, seconds / rounds / 2), [baseline["baseline"]])["images_per_s"]
                    )
                    parts.append(
                        load(server.port, images, baseline["texts"], clients, seconds / rounds, server.process.pid)
                    )
                    ratios.append(parts[-1]["requests_per_s"] / besides[-1])
                row = merged(parts)
                row.update(
                    workers=workers,
                    server_rss_mib_idle=idle,
                    load_1min_after=os.getloadavg()[0],
                    rounds=rounds,
                    in_process_just_before=statistics.median(besides),
                    ratios=ratios,
                    ratio_to_in_process=statistics.median(ratios),
                )
                results.append(row)
                print(
                    f"workers {workers}, {clients} clients: {row['requests_per_s']:.0f}/s, p50 "
                    f"{row['p50_ms']:.1f} ms, p99 {row['p99_ms']:.1f} ms, errors {row['errors']}, RSS peak "
                    f"{row['server_rss_mib_peak']:.0f} MiB"
                )
        finally:
            server.stop()

    rows = [
        [
            r["workers"],
            r["clients"],
            f"{r['requests']:,}",
            f"{r['requests_per_s']:.0f}",
            f"{r['in_process_just_before']:.0f}",
            f"{r['ratio_to_in_process']:.2f}x ({min(r['ratios']):.2f}-{max(r['ratios']):.2f})",
            f"{r['p50_ms']:.1f}",
            f"{r['p99_ms']:.1f}",
            r["errors"],
            f"{r['server_rss_mib_idle']:.0f} / {r['server_rss_mib_peak']:.0f}",
            f"{r['server_cpu_ms_per_request']:.2f} / {r['client_cpu_ms_per_request']:.2f}",
            f"{r['load_1min_after']:.1f}",
        ]
        for r in results
    ]
    print()
    print(
        f"machine: {info.get('cpu')}, {info['cores']} cores; load at start {info['load_1min_at_start']}"
        + (f"; {warning}" if warning else "")
    )
    print(
        f"in-process read_batch ({baseline['baseline']}): {baseline['images_per_s']:.0f} images/s "
        f"({seconds:.0f} s), {baseline['cpu_ms_per_image']:.2f} ms of CPU per photo"
    )
    print(
        table(
            [
                "server workers",
                "clients",
                "requests",
                "requests/s",
                "in-process images/s between rounds",
                "ratio, median of rounds (range)",
                "p50 ms",
                "p99 ms",
                "errors",
                "server RSS MiB idle / peak",
                "CPU ms per request server / clients",
                "1-min load after",
            ],
            rows,
        )
    )
    goals = []
    for r in results:
        checks = [
            f"errors {r['errors']} (goal 0): {'met' if r['errors'] == 0 else 'MISSED'}",
            f"throughput {r['ratio_to_in_process']:.2f}x in-process (goal >= {GOAL_RATIO}x): "
            f"{'met' if r['ratio_to_in_process'] >= GOAL_RATIO else 'MISSED'}",
        ]
        if r["clients"] == 1:
            checks = [
                f"errors {r['errors']}; one client at a time: p50 {r['p50_ms']:.1f} ms per photo, against "
                f"{1e3 / r['in_process_just_before']:.1f} ms in-process (the server's own cost is the "
                "difference)"
            ]
        if r["clients"] == 8:
            checks.append(
                f"p99 {r['p99_ms']:.1f} ms (goal <= {GOAL_P99_MS:.0f} ms): "
                f"{'met' if r['p99_ms'] <= GOAL_P99_MS else 'MISSED'}"
            )
        goals.append(f"workers {r['workers']}, {r['clients']} clients: " + "; ".join(checks))
    print("\n".join(goals))
    write_json(
        args.json,
        {
            "machine": info,
            "busy": warning,
            "seconds": seconds,
            "photos": len(images),
            "in_process_images_per_s": baseline["images_per_s"],
            "in_process": baseline["rates"],
            "in_process_cpu_ms_per_image": baseline["cpu_ms_per_image"],
            "results": results,
            "goals": goals,
        },
    )


if __name__ == "__main__":
    main()
