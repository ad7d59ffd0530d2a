"""Test material for the batch tests: a folder of real MNIST test digits as PNGs, with broken files."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np

BROKEN = {"zz-corrupt.png": b"\x89PNG\r\n\x1a\n" + b"\x00garbage" * 40, "zz-text.png": b"not an image at all\n"}


def make_archive(folder: Path, images, n: int = 300) -> list[str]:
    """``n`` digit PNGs (28-64 px, ink on paper) plus a corrupt PNG, a text file named .png and a PNG cut short;
    returns every path."""
    from edgedigits.runtime.bench import on_paper

    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(3)
    for i in range(n):
        cv2.imwrite(str(folder / f"{i:04d}.png"), on_paper(images[i], int(rng.integers(28, 65)), rng))
    for name, data in BROKEN.items():
        (folder / name).write_bytes(data)
    whole = (folder / "0000.png").read_bytes()
    (folder / "zz-truncated.png").write_bytes(whole[: len(whole) // 2])
    return sorted(str(p) for p in folder.iterdir())


def records(out: Path) -> dict:
    """path -> record, asserting that no input has two."""
    from edgedigits.runtime.batch import read_records

    found: dict = {}
    for r in read_records(out):
        assert r["path"] not in found, f"two records for {r['path']}"
        found[r["path"]] = r
    return found


def summary(out: Path) -> dict:
    return json.loads((out / "_SUMMARY.json").read_text())


def interrupted_run(cmd: list[str], out: Path) -> tuple[int, str]:
    """Run ``edgedigits batch`` (``cmd``) in a process group of its own, and press Ctrl-C (SIGINT to the whole
    group, as a terminal does) once its first shard is on disk. Returns (exit status, stderr)."""
    import os
    import signal
    import subprocess
    import time

    process = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    deadline = time.monotonic() + 240
    while not list(out.glob("part-*")) and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)
    os.killpg(process.pid, signal.SIGINT)
    _, err = process.communicate(timeout=240)
    return process.returncode, err


def manifest_of(paths: list[str], copies: int, path: Path) -> Path:
    """A manifest naming each of ``paths`` ``copies`` times (a run long enough to interrupt)."""
    path.write_text("\n".join(paths * copies) + "\n")
    return path
