"""read_many on every core: worker processes give the same readings as one core, in order; a worker that
dies costs only the files it held; a short job never starts workers."""

from __future__ import annotations

import multiprocessing
import os
import signal

import cv2
import numpy as np
import pytest

import synth
from edgedigits.runtime import DigitReader
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
    two = list(reader.read_paths([str(folder)], workers=2))
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
    files = sorted(str(p) for p in folder.iterdir())[:CHUNK * 2]
    readings = list(reader.read_many(files, workers=2))
    assert len(readings) == len(files)
    assert set(multiprocessing.active_children()) == before


def test_a_killed_worker_costs_only_the_files_it_held(reader, folder):
    files = sorted(str(p) for p in folder.iterdir()) * 3  # long enough to still be running after the kill
    stream = reader.read_many(files, workers=2)
    readings = [next(stream)]
    workers = multiprocessing.active_children()
    assert workers, "the worker processes should be running"
    os.kill(workers[0].pid, signal.SIGKILL)
    readings += list(stream)
    assert [r.path for r in readings] == files  # every input has its record, in order
    lost = [r for r in readings if r.error and "worker process" in r.error]
    assert 1 <= len(lost) <= 2 * 2 * CHUNK  # at most what was in flight when it died
    assert "read this file again on its own" in lost[0].error
    good = [r for r in readings[len(readings) // 2:] if r.ok]  # a fresh pool finished the run
    assert len(good) >= len(readings) // 2 - 2 * 3


def test_workers_stop_when_the_consumer_stops(reader, folder):
    files = sorted(str(p) for p in folder.iterdir()) * 2
    stream = reader.read_many(files, workers=2)
    next(stream)
    assert multiprocessing.active_children()
    stream.close()
    assert not [p for p in multiprocessing.active_children() if p.is_alive()]


def test_arrays_and_bytes_go_through_the_same_path(reader, mnist_test):
    image = synth.on_canvas(synth.render_digit(mnist_test.images[0], 40), 0.3, True)
    data = cv2.imencode(".png", image)[1].tobytes()
    inputs = [image, data, np.zeros((30, 30), np.uint8)] * 30
    readings = list(reader.read_many(inputs, workers=2))
    assert [r.text for r in readings] == [str(mnist_test.labels[0]), str(mnist_test.labels[0]), ""] * 30
