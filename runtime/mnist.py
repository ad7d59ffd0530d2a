"""MNIST: read the IDX files, find them on disk, download and verify them when missing.

NumPy only, so the runtime (``edgedigits evaluate``) can use it without TensorFlow.

Where the data comes from, in order: an explicit ``data_dir``, else ``$EDGEDIGITS_DATA``, else the user
cache ``~/.cache/edgedigits/mnist`` (``$XDG_CACHE_HOME`` honoured). Files may be ``.gz`` or raw. A missing
file is downloaded from the public mirrors into the cache, its *decompressed* bytes checked against the
SHA-256 below, and moved into place atomically, so a half-written file is never left behind.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import sys
import tempfile
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator

import numpy as np

from .errors import EdgeDigitsError

# SHA-256 of the decompressed files (the gzip wrapper differs between mirrors).
SHA256 = {
    "train-images-idx3-ubyte": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    "train-labels-idx1-ubyte": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    "t10k-images-idx3-ubyte": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    "t10k-labels-idx1-ubyte": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
}
SPLITS = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", 60_000),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte", 10_000),
}
# Public mirrors, tried in order. $EDGEDIGITS_MNIST_MIRRORS (comma-separated base URLs) replaces them.
MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
    "http://yann.lecun.com/exdb/mnist/",
)
# IDX type code 0x08 = unsigned byte; the only type MNIST uses.
_IDX_UBYTE = 0x08


class MnistError(EdgeDigitsError, RuntimeError):
    """MNIST files are missing, corrupt, or could not be downloaded. The message says what to do."""


@dataclass(frozen=True)
class Split:
    """One MNIST split: ``split.images``, ``split.labels``, or unpacked, ``images, labels = load("test")``."""

    images: np.ndarray  # uint8 [N, 28, 28], white digit on black
    labels: np.ndarray  # uint8 [N]

    def __iter__(self) -> Iterator[np.ndarray]:
        return iter((self.images, self.labels))


# --------------------------------------------------------------------------- IDX format


def parse_idx(data: bytes, name: str = "<bytes>") -> np.ndarray:
    """Parse IDX bytes (magic, dims, payload) into a uint8 array; refuse anything malformed."""
    if len(data) < 4:
        raise MnistError(
            f"{name}: {len(data)} bytes is too short for an IDX header; the file is truncated. "
            "Delete it so it is downloaded again."
        )
    zero, dtype, ndim = data[0] << 8 | data[1], data[2], data[3]
    if zero != 0 or dtype != _IDX_UBYTE or ndim not in (1, 3):
        raise MnistError(
            f"{name}: bad IDX magic number {data[:4].hex()} (expected 00000801 or 00000803); "
            "this is not an MNIST file or it is corrupt. Delete it so it is downloaded again."
        )
    header = 4 + 4 * ndim
    if len(data) < header:
        raise MnistError(f"{name}: truncated IDX header. Delete it so it is downloaded again.")
    dims = tuple(int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    expected = int(np.prod(dims))
    payload = len(data) - header
    if payload != expected:
        raise MnistError(
            f"{name}: header says {'x'.join(map(str, dims))} = {expected} bytes of data but the file "
            f"holds {payload}; it is truncated or corrupt. Delete it so it is downloaded again."
        )
    return np.frombuffer(data, dtype=np.uint8, offset=header).reshape(dims)


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Read one IDX file, gzip-compressed or raw (told apart by content, not by name)."""
    path = Path(path)
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as exc:
            raise MnistError(
                f"{path}: gzip data is corrupt or truncated ({exc}). Delete it so it is downloaded again."
            ) from exc
    return parse_idx(raw, str(path))


# --------------------------------------------------------------------------- locating and downloading


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "edgedigits" / "mnist"


def resolve_data_dir(data_dir: str | os.PathLike | None = None) -> Path:
    """``data_dir``, else ``$EDGEDIGITS_DATA``, else the user cache."""
    if data_dir:
        return Path(data_dir).expanduser()
    env = os.environ.get("EDGEDIGITS_DATA")
    return Path(env).expanduser() if env else default_cache_dir()


def find_file(directory: Path, stem: str) -> Path | None:
    for candidate in (directory / stem, directory / f"{stem}.gz"):
        if candidate.is_file():
            return candidate
    return None


def mirrors() -> list[str]:
    env = os.environ.get("EDGEDIGITS_MNIST_MIRRORS")
    urls = [u.strip() for u in env.split(",") if u.strip()] if env else list(MIRRORS)
    return [u if u.endswith("/") else u + "/" for u in urls]


def _progress_printer(name: str) -> Callable[[int, int | None], None]:
    """A one-line progress bar on stderr (only when stderr is a terminal)."""
    if not sys.stderr.isatty():
        return lambda done, total: None

    def show(done: int, total: int | None) -> None:
        if total:
            filled = int(30 * done / total)
            sys.stderr.write(
                f"\r  {name:26s} [{'#' * filled}{'.' * (30 - filled)}] {done / 1e6:5.1f}/{total / 1e6:.1f} MB"
            )
        else:
            sys.stderr.write(f"\r  {name:26s} {done / 1e6:5.1f} MB")
        if total and done >= total:
            sys.stderr.write("\n")
        sys.stderr.flush()

    return show


def _fetch(url: str, timeout: float, progress: Callable[[int, int | None], None]) -> bytes:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        total = response.headers.get("Content-Length")
        total = int(total) if total and total.isdigit() else None
        chunks, done = [], 0
        while chunk := response.read(1 << 16):
            chunks.append(chunk)
            done += len(chunk)
            progress(done, total)
    return b"".join(chunks)


def download_file(stem: str, directory: Path, urls: Iterable[str] | None = None, timeout: float = 30.0) -> Path:
    """Download ``stem``.gz from the first mirror that serves bytes with the right checksum.

    The file is written to a temporary file in ``directory`` and renamed into place only once verified. The
    folders made for it (``directory`` and those above it that did not exist) are removed again when no mirror
    serves the file, so a mistyped ``--data`` path is not left behind. Raises MnistError saying what to do.
    """
    made = [folder for folder in (directory, *directory.parents) if not folder.exists()]  # deepest first
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:  # a file on the way, no permission
        raise MnistError(
            f"{directory}: cannot create the folder to download MNIST into ({exc.strerror or exc}); point --data / "
            "$EDGEDIGITS_DATA at a folder that holds the four MNIST files, or that you may write in."
        ) from None
    failures = []
    for base in urls if urls is not None else mirrors():
        url = f"{base}{stem}.gz"
        try:
            blob = _fetch(url, timeout, _progress_printer(stem))
            raw = gzip.decompress(blob) if blob[:2] == b"\x1f\x8b" else blob
        except (urllib.error.URLError, OSError, EOFError, ValueError) as exc:
            failures.append(f"{url}: {getattr(exc, 'reason', exc)}")
            continue
        digest = hashlib.sha256(raw).hexdigest()
        if digest != SHA256[stem]:
            failures.append(f"{url}: checksum mismatch (got {digest[:12]}…, expected {SHA256[stem][:12]}…)")
            continue
        parse_idx(raw, url)  # the checksum already vouches for it; this keeps the two checks in one place
        target = directory / f"{stem}.gz"
        fd, tmp = tempfile.mkstemp(prefix=f".{stem}.", suffix=".part", dir=directory)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(blob if blob[:2] == b"\x1f\x8b" else gzip.compress(raw))
            os.replace(tmp, target)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        return target
    _remove_empty(made)
    files = (  # evaluate and export read the test pair only; training reads all four
        "t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz to evaluate or export; train-images-idx3-ubyte.gz "
        "and train-labels-idx1-ubyte.gz as well to train"
    )
    if made:
        raise MnistError(
            f"{directory}: no such folder, and could not download {stem}.gz into it from any mirror (the folder "
            "is not left behind):\n  " + "\n  ".join(failures) + "\n"
            f"Check the path given by --data / $EDGEDIGITS_DATA; if this machine is offline, copy the MNIST "
            f"files ({files}) into a folder and point --data / $EDGEDIGITS_DATA at it."
        )
    raise MnistError(
        f"could not download {stem}.gz from any mirror:\n  " + "\n  ".join(failures) + "\n"
        f"If this machine is offline, copy the MNIST files ({files}) into {directory} "
        f"or point --data / $EDGEDIGITS_DATA at a folder that holds them."
    )


def _remove_empty(folders: list[Path]) -> None:
    """Remove ``folders`` (deepest first) while they are empty; a folder something was put in stays."""
    for folder in folders:
        try:
            folder.rmdir()
        except OSError:
            return


def ensure_files(
    data_dir: str | os.PathLike | None = None, download: bool = True, stems: Iterable[str] | None = None
) -> dict[str, Path]:
    """Paths of the MNIST files (all four, or ``stems``), downloading any that are missing (into the cache, or
    ``data_dir``). Raises MnistError, saying what to do, when the folder is a file or a file cannot be had."""
    directory = resolve_data_dir(data_dir)
    if directory.exists() and not directory.is_dir():
        raise MnistError(
            f"{directory}: is a file, not a folder; point --data / $EDGEDIGITS_DATA at the folder that holds the "
            "four MNIST files (or at a folder to download them into)."
        )
    paths: dict[str, Path] = {}
    for stem in stems if stems is not None else SHA256:
        found = find_file(directory, stem)
        if found is None:
            if not download:
                raise MnistError(
                    f"{stem}(.gz) not found in {directory}. Put the MNIST files there, or omit "
                    "--no-download to fetch them."
                )
            found = download_file(stem, directory)
        paths[stem] = found
    return paths


def load(split: str = "test", data_dir: str | os.PathLike | None = None, download: bool = True) -> Split:
    """Load the ``train`` or ``test`` split as uint8 images [N, 28, 28] and labels [N]: a Split, whose fields are
    ``images`` and ``labels`` and which unpacks as ``images, labels = load("test")``."""
    images_stem, labels_stem, count = SPLITS[split]
    paths = ensure_files(data_dir, download, stems=(images_stem, labels_stem))  # `evaluate` needs no training set
    images, labels = read_idx(paths[images_stem]), read_idx(paths[labels_stem])
    if images.ndim != 3 or images.shape[1:] != (28, 28):
        raise MnistError(f"{paths[images_stem]}: images are {images.shape}, expected [N, 28, 28].")
    if len(images) != len(labels) or len(images) != count:
        raise MnistError(
            f"{paths[images_stem]}: {len(images)} images and {len(labels)} labels; MNIST {split} has "
            f"{count} of each. Delete the files so they are downloaded again."
        )
    return Split(images, labels)


def checksums(data_dir: str | os.PathLike | None = None) -> dict[str, str]:
    """SHA-256 of each decompressed file actually used (recorded in metrics and model cards)."""
    out = {}
    for stem, path in ensure_files(data_dir).items():
        raw = path.read_bytes()
        out[stem] = hashlib.sha256(gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw).hexdigest()
    return out
