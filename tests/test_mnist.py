"""The MNIST IDX reader and the download path, against real files and a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import gzip
import http.server
import os
import shutil
import socket
import threading
from functools import partial
from pathlib import Path

import numpy as np
import pytest

from edgedigits.runtime import mnist


def idx_bytes(array: np.ndarray) -> bytes:
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    return header + array.astype(np.uint8).tobytes()


# --------------------------------------------------------------------------- IDX parsing


def test_parse_idx_round_trip():
    images = np.arange(2 * 28 * 28, dtype=np.uint32).reshape(2, 28, 28) % 256
    assert np.array_equal(mnist.parse_idx(idx_bytes(images)), images)
    labels = np.array([3, 1, 4], np.uint8)
    assert np.array_equal(mnist.parse_idx(idx_bytes(labels)), labels)


@pytest.mark.parametrize(
    "blob, message",
    [
        (b"", "too short"),
        (b"\x00\x00\x08", "too short"),
        (b"\x50\x4b\x03\x04" + b"\x00" * 20, "bad IDX magic"),
        (b"\x00\x00\x0d\x03" + b"\x00" * 20, "bad IDX magic"),  # float type code
        (bytes([0, 0, 8, 3]) + (2).to_bytes(4, "big"), "truncated IDX header"),
        (idx_bytes(np.zeros((3, 28, 28)))[:-5], "truncated or corrupt"),
        (idx_bytes(np.zeros((3, 28, 28))) + b"\x00", "truncated or corrupt"),
    ],
)
def test_parse_idx_refuses_malformed_data(blob, message):
    with pytest.raises(mnist.MnistError, match=message) as info:
        mnist.parse_idx(blob, "some-file")
    assert "some-file" in str(info.value)


def test_read_idx_reads_gzip_and_raw_alike(tmp_path, mnist_dir):
    gz = mnist.find_file(mnist_dir, "t10k-labels-idx1-ubyte")
    raw = tmp_path / "t10k-labels-idx1-ubyte"
    raw.write_bytes(gzip.decompress(gz.read_bytes()))
    assert np.array_equal(mnist.read_idx(gz), mnist.read_idx(raw))


def test_read_idx_refuses_truncated_gzip(tmp_path, mnist_dir):
    gz = mnist.find_file(mnist_dir, "t10k-labels-idx1-ubyte").read_bytes()
    broken = tmp_path / "t10k-labels-idx1-ubyte.gz"
    broken.write_bytes(gz[: len(gz) // 2])
    with pytest.raises(mnist.MnistError, match=str(broken)):
        mnist.read_idx(broken)


def test_load_real_mnist(mnist_test, mnist_train):
    assert mnist_test.images.shape == (10_000, 28, 28) and mnist_test.images.dtype == np.uint8
    assert mnist_train.images.shape == (60_000, 28, 28)
    assert set(np.unique(mnist_test.labels)) == set(range(10))
    # White digit on black: the border is background.
    assert mnist_test.images[:, 0, :].mean() < 1
    images, labels = mnist_test  # (unpacks as its docstring says: a new user's trial expected to)
    assert images is mnist_test.images and labels is mnist_test.labels


def test_load_refuses_a_split_with_wrong_counts(tmp_path, mnist_dir):
    for path in mnist_dir.iterdir():
        if path.name.startswith("t10k"):
            shutil.copy(path, tmp_path / path.name)
    (tmp_path / "train-images-idx3-ubyte").write_bytes(idx_bytes(np.zeros((5, 28, 28))))
    (tmp_path / "train-labels-idx1-ubyte").write_bytes(idx_bytes(np.zeros(5)))
    with pytest.raises(mnist.MnistError, match="MNIST train has 60000"):
        mnist.load("train", tmp_path)


def test_data_dir_precedence(tmp_path, monkeypatch):
    monkeypatch.setenv("EDGEDIGITS_DATA", str(tmp_path / "env"))
    assert mnist.resolve_data_dir(tmp_path / "arg") == tmp_path / "arg"
    assert mnist.resolve_data_dir(None) == tmp_path / "env"
    monkeypatch.delenv("EDGEDIGITS_DATA")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert mnist.resolve_data_dir(None) == tmp_path / "cache" / "edgedigits" / "mnist"


# --------------------------------------------------------------------------- downloading, for real


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture()
def serve():
    """Serve a folder over HTTP on 127.0.0.1; returns its base URL."""
    servers = []

    def start(folder: Path) -> str:
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), partial(_QuietHandler, directory=str(folder)))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def dead_url() -> str:
    """A loopback port with nothing listening (connection refused at once)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/"


def test_download_all_four_files_from_a_local_mirror(tmp_path, serve, mnist_dir, monkeypatch):
    monkeypatch.setenv("EDGEDIGITS_MNIST_MIRRORS", serve(mnist_dir))
    target = tmp_path / "cache"
    split = mnist.load("test", target)
    assert split.images.shape == (10_000, 28, 28)
    assert sorted(p.name for p in target.iterdir()) == ["t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"]
    mnist.ensure_files(target)  # the training set too
    assert sorted(p.name for p in target.iterdir()) == sorted(f"{stem}.gz" for stem in mnist.SHA256)
    assert mnist.checksums(target) == mnist.SHA256


def test_wrong_checksum_is_refused_and_leaves_nothing_behind(tmp_path, serve, mnist_dir):
    bad = tmp_path / "bad"
    bad.mkdir()
    labels = bytearray(gzip.decompress(mnist.find_file(mnist_dir, "t10k-labels-idx1-ubyte").read_bytes()))
    labels[100] = (labels[100] + 1) % 10  # one flipped label: still a well-formed IDX file
    (bad / "t10k-labels-idx1-ubyte.gz").write_bytes(gzip.compress(bytes(labels)))
    target = tmp_path / "cache"
    with pytest.raises(mnist.MnistError, match="checksum mismatch") as info:
        mnist.download_file("t10k-labels-idx1-ubyte", target, [serve(bad)])
    assert "copy the MNIST files (t10k-images-idx3-ubyte.gz and t10k-labels" in str(info.value) and str(target) in str(
        info.value
    )
    assert not target.exists()  # the folder made for the download is removed with the failed download


def test_dead_mirror_then_good_one(tmp_path, serve, mnist_dir):
    target = tmp_path / "cache"
    path = mnist.download_file("t10k-labels-idx1-ubyte", target, [dead_url(), serve(mnist_dir)], timeout=5)
    assert path == target / "t10k-labels-idx1-ubyte.gz"
    assert mnist.read_idx(path).shape == (10_000,)
    assert [p.name for p in target.iterdir()] == ["t10k-labels-idx1-ubyte.gz"]  # no .part file left


def test_offline_error_says_where_to_put_the_files(tmp_path, monkeypatch):
    monkeypatch.setenv("EDGEDIGITS_MNIST_MIRRORS", f"{dead_url()},{dead_url()}")
    with pytest.raises(mnist.MnistError) as info:
        mnist.load("test", tmp_path / "empty")
    message = str(info.value)
    assert "could not download" in message and str(tmp_path / "empty") in message and "--data" in message


def test_a_mistyped_data_folder_is_not_left_behind(tmp_path):
    """`edgedigits evaluate --data typo/path` offline: the folders the download made (typo/ and typo/path/)
    are removed again, and the message names the path and says to check it. They were left behind, and the
    message only said to copy the files into the mistyped folder."""
    import subprocess
    import sys

    env = {**os.environ, "EDGEDIGITS_MNIST_MIRRORS": dead_url()}
    typo = tmp_path / "typo" / "path"
    result = subprocess.run(
        [sys.executable, "-m", "edgedigits.runtime.cli", "evaluate", "--data", str(typo)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    assert result.stderr.startswith(f"edgedigits: {typo}: no such folder, and could not download")
    assert "Check the path given by --data / $EDGEDIGITS_DATA" in result.stderr
    assert os.listdir(tmp_path) == []
    (tmp_path / "kept").mkdir()  # a folder that was there before stays, even empty
    with pytest.raises(mnist.MnistError, match="could not download"):
        mnist.download_file("t10k-labels-idx1-ubyte", tmp_path / "kept", [dead_url()])
    assert os.listdir(tmp_path) == ["kept"]


def test_no_download_flag_reports_the_missing_file(tmp_path):
    with pytest.raises(mnist.MnistError, match="not found in"):
        mnist.ensure_files(tmp_path, download=False)
    assert not os.listdir(tmp_path)
