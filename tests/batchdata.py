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


def ctrl_c_default() -> None:
    """``preexec_fn`` of a child the tests press Ctrl-C in: SIGINT at its default, so that Python turns it into
    KeyboardInterrupt. A child inherits an ignored SIGINT, and a suite started in the background by a shell
    script (``pytest &``, ``nohup``) ignores it: its children then never saw the tests' Ctrl-C and read to the
    end (Python installs its handler only where SIGINT is at its default)."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_DFL)


def ctrl_c_ignored_from_start() -> None:
    """``preexec_fn`` of a child started as a shell script's background job (``cmd &``, ``nohup``): SIGINT ignored."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)


def started_until_first_shard(cmd: list[str], out: Path, timeout: float = 240, preexec=ctrl_c_default):
    """Start ``edgedigits batch`` (``cmd``) in a process group of its own (as a terminal runs a command, SIGINT at
    its default: ctrl_c_default, or as ``preexec`` sets it), stdout and stderr piped, and return it once its first
    shard is on ``out`` (or it ended, or ``timeout`` s passed)."""
    import subprocess
    import time

    process = subprocess.Popen(
        cmd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        preexec_fn=preexec,
    )
    deadline = time.monotonic() + timeout
    while not list(out.glob("part-*")) and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    return process


def interrupted_run(cmd: list[str], out: Path, stop: str = "ctrl-c") -> tuple[int, str]:
    """Run ``edgedigits batch`` (``cmd``) in a process group of its own, and once its first shard is on disk press
    Ctrl-C (``stop`` "ctrl-c": SIGINT to the whole group, as a terminal does) or stop it as ``kill``, ``timeout``
    and ``docker stop`` do ("sigterm": SIGTERM to the command alone). Returns (exit status, stderr)."""
    import os
    import signal
    import time

    process = started_until_first_shard(cmd, out)
    time.sleep(0.3)
    if stop == "sigterm":
        process.send_signal(signal.SIGTERM)
    else:
        os.killpg(process.pid, signal.SIGINT)
    _, err = process.communicate(timeout=240)
    return process.returncode, err


def check_ctrl_c_midway(paths: list[str], folder: Path, engine: list[str], stop: str = "ctrl-c") -> None:
    """Read each of ``paths`` 60 times (a manifest) with ``edgedigits batch`` and the ``engine`` options under
    ``folder``, press Ctrl-C once the first shard is written (or send SIGTERM: ``stop``, as interrupted_run), and
    check: exit 130 (143 for SIGTERM), and the summary's read + failed are the records on disk, with nothing
    written after it, and the summary lists the failed ones (up to LISTED_ERRORS). (20 times, about 2 s of
    reading on an idle machine, once ended before a loaded test process pressed Ctrl-C: then pressed as the
    summary is written, where it is ignored on purpose, and the run ended whole with exit 0.)"""
    import sys
    import time

    from edgedigits.runtime.batch import read_records

    manifest = folder / "paths.txt"
    manifest.write_text("\n".join(paths * 60) + "\n")
    out = folder / "out"
    cmd = [sys.executable, "-m", "edgedigits.runtime.cli", "batch", "--manifest", str(manifest), "--out", str(out)]
    status, err = interrupted_run(cmd + engine + ["--workers", "2", "--batch-size", "16"], out, stop)
    assert status == (143 if stop == "sigterm" else 130), err
    assert err.splitlines()[-1].startswith("interrupted after"), err
    from edgedigits.runtime.batch import LISTED_ERRORS

    on_disk = list(read_records(out))
    written = len(on_disk)
    counted = summary(out)
    assert counted["interrupted"] and 0 < written < len(paths) * 60
    assert counted["read"] + counted["failed"] == written, (counted, written)
    failed = [r["path"] for r in on_disk if "error" in r]
    assert counted["failed"] == len(failed)
    assert len(counted["errors"]) == min(len(failed), LISTED_ERRORS) and set(counted["errors"]) <= set(failed)
    time.sleep(2)
    assert len(list(read_records(out))) == written  # the workers stopped with the driver


def non_utf8_folder(paths: list[str], folder: Path) -> tuple[Path, str]:
    """``folder`` with a digit PNG named in Latin-1 (b'caf\\xe9.png', not UTF-8, as old archives have) and one
    plain name; returns the folder and the Latin-1 file's path as the records write it."""
    import os
    import shutil

    import pytest

    folder.mkdir()
    try:
        shutil.copy(paths[0], folder / os.fsdecode(b"caf\xe9.png"))
    except (OSError, UnicodeError):
        pytest.skip("this filesystem takes only UTF-8 file names")
    shutil.copy(paths[1], folder / "plain.png")
    return folder, str(folder / "caf\\xe9.png")


def fed_pipe(path: Path, lines: list[str], pause: float = 0.02):
    """A named pipe at ``path`` and the started thread that writes ``lines`` into it one at a time, as a running
    ``find`` does in ``--manifest <(find ...)``: it opens once the reader opens its end."""
    import os
    import threading
    import time

    os.mkfifo(path)

    def feed() -> None:
        with open(path, "w") as pipe:
            for line in lines:
                pipe.write(line + "\n")
                pipe.flush()
                time.sleep(pause)

    thread = threading.Thread(target=feed, daemon=True)
    thread.start()
    return thread


def check_max_pixels(paths: list[str], folder: Path, engine: list[str]) -> None:
    """``edgedigits batch PATHS --max-pixels 1000`` with the ``engine`` options: each image of more than 1,000
    pixels is an error record naming the limit, the others read."""
    import subprocess
    import sys

    import cv2

    from edgedigits.runtime.batch import read_records

    out = folder / "out"
    cmd = [sys.executable, "-m", "edgedigits.runtime.cli", "batch", *paths, "--out", str(out), "--max-pixels", "1000"]
    done = subprocess.run(cmd + engine, capture_output=True, text=True, timeout=300)
    big = {p for p in paths if (image := cv2.imread(p)) is not None and image.shape[0] * image.shape[1] > 1000}
    assert 0 < len(big) < len(paths), "pick inputs on both sides of the limit"
    got = {r["path"]: r for r in read_records(out)}
    assert {p for p, r in got.items() if "above the" in r.get("error", "")} == big, done.stderr
    assert "--max-pixels" in got[sorted(big)[0]]["error"]
