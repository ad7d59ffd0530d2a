"""read_many on every core: worker processes give the same readings as one core, in order; a worker that
dies costs nothing, and a file that kills its worker only its own record; a short job never starts workers."""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from helpers import paper_digit

from edgedigits.runtime import DigitReader, synth
from edgedigits.runtime.parallel import TASK
from edgedigits.runtime.reader import CHUNK


@pytest.fixture(scope="module")
def folder(tmp_path_factory, mnist_test):
    """120 digit PNGs (8 chunks: enough for the worker processes) plus two broken files."""
    folder = tmp_path_factory.mktemp("many")
    for i in range(120):
        ink = synth.render_digit(mnist_test.images[i], 40)
        cv2.imwrite(str(folder / f"{i:04d}.png"), synth.on_canvas(ink, 0.3, True))
    (folder / "0050.png").write_bytes(b"\x89PNG\r\n\x1a\n broken")  # replaces a good one: a corrupt file
    (folder / "0077x.png").write_bytes(b"")
    return folder


@pytest.fixture(scope="module")
def reader():
    return DigitReader()


def summary(readings):
    return [(os.path.basename(r.path), r.text, r.error is not None) for r in readings]


def test_worker_processes_read_exactly_what_one_core_reads(reader, folder):
    one = list(reader.read_paths([str(folder)], workers=1))
    two = list(reader.read_paths([str(folder)], workers=2, processes=True))
    assert len(one) == 121
    assert summary(two) == summary(one)
    assert [r.path for r in two] == sorted(str(p) for p in folder.iterdir())  # input order, streamed
    for a, b in zip(one, two):
        assert [d.to_dict() for d in a.digits] == [d.to_dict() for d in b.digits]
    errors = {os.path.basename(r.path): r.error for r in two if r.error}
    assert set(errors) == {"0050.png", "0077x.png"}
    assert sum(r.text == "" for r in two if r.ok) <= 1


def test_a_short_job_is_read_here_without_workers(reader, folder):
    before = set(multiprocessing.active_children())
    files = sorted(str(p) for p in folder.iterdir())[: CHUNK * 2]
    readings = list(reader.read_many(files, workers=2, processes=True))
    assert len(readings) == len(files)
    assert set(multiprocessing.active_children()) == before


def test_a_killed_worker_costs_nothing(reader, folder):
    """A worker killed from outside (kill -9, the OOM killer) breaks the pool and every task in flight: a fresh
    pool reads them again. It gave their inputs error records ("stopped unexpectedly"), up to 512 of them."""
    files = sorted(str(p) for p in folder.iterdir()) * 10  # long enough to still be running after the kill
    stream = reader.read_many(files, workers=2, processes=True)
    readings = [next(stream)]
    workers = multiprocessing.active_children()
    assert workers, "the worker processes should be running"
    os.kill(workers[0].pid, signal.SIGKILL)
    readings += list(stream)
    assert workers[0].exitcode == -signal.SIGKILL  # it was killed while the run went on
    assert [r.path for r in readings] == files  # every input has its record, in order
    assert [r.ok for r in readings] == [not f.endswith(("0050.png", "0077x.png")) for f in files]
    one = {r.path: r.text for r in reader.read_many(sorted(str(p) for p in folder.iterdir()), workers=1)}
    assert [r.text for r in readings] == [one[f] for f in files]


def test_a_file_that_kills_its_worker_each_time_gets_the_only_error_record(reader, folder, tmp_path):
    """An input whose reading kills the worker every time (a crash in a decoder): the task is read again alone,
    then in halves, down to that input, which alone gets an error record; the other 16 * 4 inputs of the tasks in
    flight are read."""
    from functools import partial

    from helpers import KillsItsWorker

    from edgedigits.runtime.parallel import read_chunks

    poison = tmp_path / "poison.png"
    poison.write_bytes((folder / "0001.png").read_bytes())
    files = sorted(str(p) for p in folder.iterdir() if p.name not in ("0050.png", "0077x.png"))
    files = files[:40] + [str(poison)] + files[40:]
    chunks = [files[i : i + 16] for i in range(0, len(files), 16)]
    readings = list(read_chunks(reader, chunks, workers=2, make_reader=partial(KillsItsWorker)))
    assert [r.path for r in readings] == files
    assert [r.path for r in readings if not r.ok] == [str(poison)]
    assert "stopped unexpectedly, each time it read it, alone" in readings[40].error
    one = {r.path: r.text for r in reader.read_many(files[:40] + files[41:], workers=1)}
    assert [r.text for r in readings if r.ok] == [one[f] for f in files if f != str(poison)]


def test_workers_stop_when_the_consumer_stops(reader, folder):
    files = sorted(str(p) for p in folder.iterdir()) * 2
    stream = reader.read_many(files, workers=2, processes=True)
    next(stream)
    assert multiprocessing.active_children()
    stream.close()
    assert not [p for p in multiprocessing.active_children() if p.is_alive()]


def test_arrays_and_bytes_go_through_the_same_path(reader, mnist_test):
    image = synth.on_canvas(synth.render_digit(mnist_test.images[0], 40), 0.3, True)
    data = cv2.imencode(".png", image)[1].tobytes()
    inputs = [image, data, np.zeros((30, 30), np.uint8)] * 30
    readings = list(reader.read_many(inputs, workers=2, processes=True))
    assert [r.text for r in readings] == [str(mnist_test.labels[0]), str(mnist_test.labels[0]), ""] * 30


def test_workers_that_cannot_start_fall_back_to_this_process(tmp_path, folder):
    """A script without the `if __name__ == "__main__":` guard: the spawned workers would re-run it. They stop,
    the parent warns and reads everything itself; nothing is lost, nothing runs twice."""
    script = tmp_path / "unguarded.py"
    script.write_text(
        "import sys, warnings\n"
        "from edgedigits.runtime import DigitReader\n"
        "reader = DigitReader()\n"
        f"readings = list(reader.read_paths([{str(folder)!r}], workers=2, processes=True))\n"
        "print(len(readings), sum(r.ok for r in readings), flush=True)\n"
    )
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["121", "119"]  # printed once: by the parent only
    assert "could not start" in done.stderr and "__main__" in done.stderr


def test_threads_when_processes_are_not_asked_for(reader, folder):
    before = set(multiprocessing.active_children())
    readings = list(reader.read_paths([str(folder)], workers=2))
    assert len(readings) == 121 and sum(r.ok for r in readings) == 119
    assert set(multiprocessing.active_children()) == before


def test_tasks_grow_for_small_images_and_stay_small_for_big_ones():
    from edgedigits.runtime.parallel import TASK_SECONDS, _TaskSize

    size = _TaskSize(CHUNK)
    assert size.chunks() == 1  # nothing measured yet
    size.measured(0.005 * 4, 4)  # 16 small PNGs in 5 ms
    assert size.chunks() * CHUNK == TASK
    big = _TaskSize(CHUNK)
    big.measured(1.6, 1)  # 16 photos of 12 MP: 1.6 s
    assert big.chunks() == 1
    middle = _TaskSize(CHUNK)
    middle.measured(TASK_SECONDS / 3, 1)
    assert middle.chunks() == 3


def test_big_photos_stream_in_small_tasks_and_ctrl_c_is_quick(tmp_path, mnist_test):
    """A task of 128 photos of 12 MP would hold back the first result (and a Ctrl-C) for seconds. Tasks are
    sized by the time they take, so results start at once and Ctrl-C is quick."""
    import time

    photo = cv2.resize(synth.on_canvas(synth.render_digit(mnist_test.images[0], 300), 2.0, True), (4000, 3000))
    data = cv2.imencode(".jpg", photo)[1].tobytes()
    for i in range(140):
        (tmp_path / f"{i:03d}.jpg").write_bytes(data)
    started = time.monotonic()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "edgedigits.runtime.cli",
            "classify",
            str(tmp_path),
            "--format",
            "jsonl",
            "--workers",
            "2",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    first = process.stdout.readline()
    assert first, process.stderr.read()
    # A hang guard, not a speed test (speed is benchmarks/folder_throughput.py's): measured on an idle machine
    # 1.1 s (start-up and a chunk of 16 photos), with tasks of 128 photos 5.8 s; 7.6 s once at load 10.
    assert time.monotonic() - started < 20
    asked = time.monotonic()
    process.send_signal(signal.SIGINT)
    process.communicate(timeout=60)
    assert process.returncode == 130
    assert time.monotonic() - asked < 20


def test_ctrl_c_while_the_workers_start_gives_no_traceback(tmp_path, mnist_test):
    """Ctrl-C pressed (SIGINT to the whole process group, as a terminal sends it) while the worker processes
    are still starting: the parent reports the interruption (exit 130), and no worker prints a traceback.
    The workers are spawned with SIGINT ignored (parallel.ctrl_c_ignored); before, each one that was still
    importing printed a KeyboardInterrupt traceback."""
    for i in range(600):  # enough for the workers to start (a short job reads in the parent)
        cv2.imwrite(str(tmp_path / f"d{i}.png"), paper_digit(mnist_test.images[i]))
    process = subprocess.Popen(
        [sys.executable, "-m", "edgedigits.runtime.cli", "classify", str(tmp_path), "--workers", "2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    children = Path(f"/proc/{process.pid}/task/{process.pid}/children")
    deadline = time.monotonic() + 60
    while process.poll() is None and time.monotonic() < deadline and not children.read_text().split():
        time.sleep(0.01)
    time.sleep(0.2)  # the workers are importing NumPy, OpenCV and onnxruntime (about a second)
    os.killpg(process.pid, signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
