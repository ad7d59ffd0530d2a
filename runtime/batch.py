"""Reading an archive: every image of folders, globs or a manifest, into shards of records under one folder,
on this machine's worker processes or on a Ray cluster (Ray Data), resumable, one record per input.

    from edgedigits.runtime.batch import read_archive

    summary = read_archive(["scans/"], "results/", engine="ray")          # a local Ray instance
    summary = read_archive([], "results/", manifest="paths.txt", engine="ray", address="auto")  # a cluster
    print(summary.read, summary.failed, summary.skipped, summary.images_per_s)

Output, under ``out``: shards ``part-<run>-<hash>.jsonl`` (one record a line, the ``classify`` JSON-lines
schema (docs/command-line.md, "JSON lines") plus ``size`` in bytes and ``mtime`` in seconds of the input) or
``part-<run>-<hash>.parquet`` (the same
fields as columns), and ``_SUMMARY.json``. Each shard holds the records of one batch of inputs and is written
whole (to a temporary name, then renamed) by the worker that read the batch. ``<run>`` numbers the runs into
``out`` (000001, 000002, ...: the order the records were written in, whatever the inputs' mtimes); the hash is
of the run, the batch's place in it and its paths, so a batch Ray retries after losing its worker writes the
same shard again instead of a second one, and an input listed twice has two records. Rerunning with the same ``out``
skips every input already read there (a record with its digits, of the same path, size and mtime) and says how
many: an interrupted job (Ctrl-C, a lost node) goes on where it stopped. An input whose record is an error is
read again by every run that lists it (the user may have fixed what the error said: a file's permissions,
``--max-pixels``); its new record replaces the error record, which is dropped from its shard (rewritten whole),
so that each input keeps one record.

Engines: ``"local"`` reads with the worker processes of ``DigitReader.read_many`` (parallel.py) and writes
the shards here; ``"ray"`` runs Ray Data: the inputs (streamed into listing files under ``out/_listing``, so
the driver never holds the list) are read with ``ray.data.read_text`` and go through ``map_batches`` with a
callable class holding one ``DigitReader`` per actor, in an actor pool as big as the cluster's CPUs; Ray
schedules, retries a batch whose actor died, and applies back-pressure. Importing this module does not
import Ray; Ray is imported when the Ray engine runs (the ``[ray]`` extra: ``RAY_EXTRA``).

Inputs: local paths (files, folders, glob patterns, as ``classify`` takes them) and, in a manifest, URIs that
pyarrow's filesystems open (``file://``; ``s3://`` and ``gs://`` with pyarrow's S3/GCS support and
credentials on every node). With several machines, every node must see the inputs and ``out`` at the same
paths (a shared filesystem) or read URIs.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import time
import uuid
from array import array
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Iterator, Literal

from .errors import EdgeDigitsError, install_hint
from .parallel import ctrl_c_ignored
from .results import shown_path

if TYPE_CHECKING:
    from .images import Decoding

ENGINES = ("local", "ray")
FORMATS = ("jsonl", "parquet")
BATCH = 256  # inputs per map_batches call (one network pass) and per shard; tuning: docs/batch.md, "Batch size"
LISTING_LINES = 100_000  # inputs per listing file: each is one read task of Ray, streamed
SUMMARY = "_SUMMARY.json"
SETTINGS = "_SETTINGS.json"  # what the records under out were read with (keep_settings)
BROKEN = "_broken"  # shards found cut short are moved here (set_aside_broken): pandas, pyarrow and jq skip it
RUNS = "_RUNS.json"  # the folder each run into out was started in (run_folders), to resolve its relative paths
LISTED_ERRORS = 20  # failed paths listed in _SUMMARY.json (errors); the records say why each failed
RAY_EXTRA = install_hint("ray")
RAY_MISSING = (
    f"the Ray engine needs Ray, which is not installed: {RAY_EXTRA}; or use the local engine "
    "(--engine local; engine='local' in Python)"
)
API_OUT = " (read_archive's out)"  # after "--out" in a message: the argument's name in the API (for_command drops it)


class ArchiveError(EdgeDigitsError, ValueError):
    """A job that cannot start (bad options, an unreadable manifest, Ray missing). The message says what to do."""

    def for_command(self) -> str:
        """The message as the ``edgedigits batch`` command says it: naming ``--out`` alone, without ``API_OUT``."""
        return str(self).replace(API_OUT, "")


def _seconds(seconds: float) -> str:
    """A wall time for the summary line: in seconds to the hundredth from 0.1 s, else in milliseconds to three
    significant figures (a run of one image in 3.3 ms said '0.00 s (307 images/s)')."""
    return f"{seconds:.2f} s" if seconds >= 0.1 or seconds == 0 else f"{seconds * 1e3:.3g} ms"


@dataclass
class ArchiveSummary:
    """What a run did: ``read`` inputs recorded with their digits, ``failed`` recorded as errors, ``skipped``
    already read by an earlier run; ``retried`` of the read and failed, the paths whose earlier record was an
    error (now replaced by this run's); ``seconds`` of wall time (engine start-up included), of which
    ``startup_s`` starting the engine (Ray: ``ray.init`` and the first batch's actor; local: the first result)."""

    engine: str
    format: str
    out: str
    read: int = 0
    failed: int = 0
    skipped: int = 0
    retried: int = 0
    shards: int = 0
    seconds: float = 0.0
    startup_s: float = 0.0
    interrupted: bool = False
    stopped: str | None = None  # why the run stopped before its end: its shards could not be written (a full disk),
    #   or another error ended it ("RuntimeError: ...", as raised)
    address: str | None = None
    cluster_cpus: float | None = None
    started_utc: str = ""
    errors: list = field(default_factory=list)  # the first LISTED_ERRORS failed paths
    set_aside: list = field(default_factory=list)  # shards found cut short, moved to out/_broken/ (set_aside_broken)

    @property
    def images_per_s(self) -> float:
        return (self.read + self.failed) / self.seconds if self.seconds > 0 else 0.0

    def to_dict(self) -> dict:
        data = asdict(self)
        data["images_per_s"] = round(self.images_per_s, 1)
        return data

    def _startup(self) -> str:
        """The start-up, said so that a run of one batch, all start-up, reads as such (a new user read '1.65 s
        (32 images/s, engine local, start-up 1.65 s)' as a fault)."""
        if self.read + self.failed == 0:  # (interrupted first, nothing to read, or everything skipped)
            return f"no records yet, all start-up, {self.startup_s:.2f} s"
        return f"start-up to the first batch's records {self.startup_s:.2f} s"

    def line(self) -> str:
        text = (
            f"{self.read + self.failed + self.skipped} image(s): {self.read} read, {self.failed} failed, "
            f"{self.skipped} skipped "
            f"(already recorded in {self.out}); "
            + (f"{self.retried} retried that had failed before; " if self.retried else "")
            + f"{_seconds(self.seconds)} ({self.images_per_s:.0f} images/s, engine "
            f"{self.engine}, {self._startup()}); {self.shards} shard(s) in the folder"
        )
        if not self.read + self.failed + self.skipped and self.stopped is None and not self.interrupted:
            text += "; the inputs listed no file at all (an empty manifest, or a find that matched nothing?)"
        if self.set_aside:  # (a copy cut short: its readable records were kept, the rest read again)
            text += (
                f"; {len(self.set_aside)} shard(s) cut short moved to {os.path.join(str(self.out), BROKEN)} "
                "(their readable records kept in the folder)"
            )
        if self.failed:  # which ones, and why: the records say
            summary = os.path.join(str(self.out), "_SUMMARY.json")
            text += f"; the failed inputs' records say why (the first {len(self.errors)} listed in {summary}, errors)"
        if self.stopped is not None:
            return f"stopped after {text}: {self.stopped}"
        if self.interrupted:
            return f"interrupted after {text}; the same command again goes on where this run stopped"
        return text


def ray_installed() -> bool:
    """Is Ray importable here (the ``[ray]`` extra)? Asked without importing it (seconds)."""
    import importlib.util

    try:
        return importlib.util.find_spec("ray") is not None
    except (ImportError, ValueError):
        return False


# --------------------------------------------------------------------------- the API


def read_archive(
    inputs: Iterable[str | bytes | os.PathLike[str] | os.PathLike[bytes]],
    out: str | os.PathLike,
    *,
    manifest: str | os.PathLike | None = None,
    engine: str = "local",
    address: str | None = None,
    format: str = "jsonl",
    model: str | None = None,
    line_model: str | bool | None = None,
    orientation_model: str | bool | None = None,
    digit_orientation_model: str | bool | None = None,
    pencil_model: str | bool | None = None,
    single: bool = False,
    min_confidence: float = 0.5,
    recursive: bool = False,
    workers: int | None = None,
    batch_size: int = BATCH,
    on_progress: Callable[[int, int, int], None] | None = None,
) -> ArchiveSummary:
    """Read every input into shards under ``out`` (created if missing) and write ``out/_SUMMARY.json``.

    inputs: files, folders, glob patterns, URIs (str, bytes or os.PathLike; ``recursive``: descend into
    subfolders); manifest: a text file,
    one path or URI a line (read once, as a stream: a pipe such as ``<(find ...)`` does; '-': stdin).
    engine: ``"local"`` (worker processes, ``workers`` of them, default all cores) or ``"ray"`` (``address``:
    None starts a local Ray instance on 127.0.0.1; ``"auto"`` or ``"HOST:PORT"`` joins a running cluster;
    ``workers``: actors, default the cluster's CPUs; the Ray this call starts or joins is shut down, or left,
    when it returns; a Ray already initialized in this process by ``ray.init`` is used as it is and left
    running). format: ``"jsonl"`` or ``"parquet"``. model, line_model, orientation_model, digit_orientation_model,
    pencil_model, single, min_confidence: as ``DigitReader``.
    batch_size: inputs per network pass and per shard. on_progress(read, failed, skipped): called as
    results come in (counts so far).

    Returns the ArchiveSummary (also in ``_SUMMARY.json``); ``interrupted`` is set when Ctrl-C stopped it
    (the shards written so far stay; rerun to go on). Raises ArchiveError for options or a manifest that
    cannot be used, the Ray engine without Ray installed, Parquet without pyarrow, or a shard that cannot be
    written (a full disk, local engine; the shards written stay, ``_SUMMARY.json`` gives the reason in
    ``stopped``, and a rerun goes on), or ``_SETTINGS.json`` (before any reading) or ``_SUMMARY.json`` (after
    it; the shards stay, with no summary) that cannot (no temporary file is left);
    ModelError for a model that cannot be used;
    TypeError for one input passed alone, not in a list (``"scans/"``: pass ``["scans/"]``).
    A bad input never raises: it is an error record. Any other exception that ends the run (one raised by
    ``on_progress``, say) is raised as it is, after ``_SUMMARY.json`` is written with its reason in ``stopped``.
    """
    if isinstance(inputs, (str, bytes, os.PathLike)):  # iterated, each character would be an input ('/' too)
        raise TypeError(f"read_archive takes a list of inputs, got one {type(inputs).__name__}; pass [{inputs!r}]")
    if engine not in ENGINES:
        raise ArchiveError(f"unknown engine {engine!r}; choose one of {', '.join(ENGINES)}")
    if format not in FORMATS:
        json_hint = " (JSON: jsonl, one record per line)" if format == "json" else ""
        raise ArchiveError(f"unknown format {format!r}; choose one of {', '.join(FORMATS)}{json_hint}")
    if batch_size < 1:
        raise ArchiveError(f"batch size must be at least 1, not {batch_size}")
    if format == "parquet":  # before any reading: the base install has no pyarrow, and failed at the first shard
        try:
            import pyarrow.parquet  # noqa: F401
        except ImportError:
            raise ArchiveError(
                "--format parquet writes its shards with pyarrow, which is not installed: pip install pyarrow (it "
                "comes with the [ray] extra), or use --format jsonl"
            ) from None
    from .reader import path_name  # (the reader is loaded for the models below anyway)

    inputs = [path_name(item, "read_archive", "paths or URIs") for item in inputs]
    if not inputs and manifest is None:
        raise ArchiveError("nothing to read: give files, folders or patterns, or --manifest FILE")
    if manifest is not None and os.path.isdir(manifest):
        raise ArchiveError(
            f"{manifest}: is a folder, not a manifest file; give the folder itself as an input, or a text file "
            "with one path or URI a line"
        )
    if manifest is not None and os.fspath(manifest) != "-" and not os.path.exists(manifest):
        # (a pipe is no regular file: --manifest <(find ...) and /dev/stdin are read as a stream, as a file is)
        raise ArchiveError(f"{manifest}: no such manifest file; give a text file with one path or URI a line")
    if address is not None and engine != "ray":
        raise ArchiveError("--address joins a Ray cluster: use it with --engine ray")
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ArchiveError(
            f"{out}: is a file, not a folder; --out names the folder for the shards and {SUMMARY} (created if "
            "missing): pick another"
        )
    settings = {
        "model": model,
        "line_model": line_model,
        "orientation_model": orientation_model,
        "digit_orientation_model": digit_orientation_model,
        "pencil_model": pencil_model,
        "single": single,
        "min_confidence": min_confidence,
    }
    # A model that cannot be used fails now, not in every worker, and before --out is made: no empty folder
    wanted = {**check_models(settings), "format": format}  # (the shards of one folder share a format)
    if engine == "ray" and not ray_installed():  # so does a missing Ray (a new user's trial: the refused run left
        # --out with a summary and a lock)
        raise ArchiveError(RAY_MISSING)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ArchiveError(
            f"{out}: cannot create the output folder ({exc.strerror or exc}); pick another --out{API_OUT}"
        ) from None
    _check_writable(out)
    with _output_lock(out):  # one run at a time writes into out
        summary = ArchiveSummary(
            engine, format, str(out), address=address, started_utc=time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())
        )
        shards = shard_files(out)
        keep_settings(out, wanted, has_records=bool(shards))
        started = time.perf_counter()
        before = {p.name for p in shards}
        run = 1 + max(map(shard_run, shards), default=0)  # (a run that wrote nothing leaves its number free)
        try:
            note_run(out, run, summary.started_utc)
        except ArchiveError:  # (a full disk) no earlier run's summary is left to pass for this one's
            (out / SUMMARY).unlink(missing_ok=True)
            raise
        done, errors = recorded(out)
        summary.set_aside = set_aside_broken(out, errors.broken)
        errors.drop_replaced()  # (those a run that stopped before dropping them left)
        progress = _Progress(summary, on_progress)
        stopped: ArchiveError | None = None
        reserve = _reserve_summary_space(out)  # (removed in the finally below, whatever ends the run)
        try:
            if engine == "local":
                _run_local(inputs, manifest, recursive, out, format, run, done, settings, workers, batch_size, progress)
            else:
                _run_ray(
                    inputs,
                    manifest,
                    recursive,
                    out,
                    format,
                    run,
                    done,
                    settings,
                    workers,
                    batch_size,
                    address,
                    progress,
                )
        except KeyboardInterrupt:
            summary.interrupted = True
            _count_shards(summary, out, before)
        except ArchiveError as exc:  # a shard that could not be written (write_shard): the run stops, what is written
            # stays, and the summary says why, so that it never reads as a finished run
            stopped = exc
            summary.stopped = str(exc)
        except BaseException as exc:  # anything else that ends the run (an error of ours, SystemExit): the summary
            # says so, rather than a finished run's
            summary.stopped = f"{type(exc).__name__}: {exc}"
            _count_shards(summary, out, before)
            raise
        finally:
            # The reading is over, done or stopped: a Ctrl-C now (pressed as the last shard was written) left no
            # summary, or the last run's, and no summary line. It is ignored for the few milliseconds this takes.
            with ctrl_c_ignored():
                try:
                    summary.retried = errors.replace(out, run)
                except ArchiveError as exc:  # (a full disk): the old error records stay until a rerun drops them
                    stopped = stopped or exc
                    summary.stopped = summary.stopped or str(exc)
                ended = time.perf_counter()
                summary.seconds = ended - started
                summary.startup_s = progress.startup_s(started, ended)
                summary.shards = len(shard_files(out))
                if reserve is not None:  # its space is the summary's now
                    reserve.unlink(missing_ok=True)
                try:
                    _write_json(out / SUMMARY, summary.to_dict())
                except OSError as exc:  # (a full disk): no summary, rather than an earlier run's
                    (out / SUMMARY).unlink(missing_ok=True)
                    stopped = stopped or ArchiveError(
                        f"{out}: cannot write {SUMMARY} ({exc.strerror or exc}); free some space and rerun the same "
                        "command: it skips the inputs recorded (their shards are written) and writes the summary"
                    )
        if stopped is not None:
            raise stopped
        return summary


SUMMARY_SPACE = 16 * 1024  # bytes kept free for _SUMMARY.json while a run writes its shards


def _reserve_summary_space(out: Path) -> Path | None:
    """A hidden file of ``SUMMARY_SPACE`` bytes in ``out``, removed just before the summary is written, so that a
    disk the shards fill up still holds the summary that says the run stopped there. Without it, whether the
    summary fitted depended on how full the last shard left the disk (a 300 KiB tmpfs: no summary in one run of
    three). None when it cannot be made (a disk already nearly full: the summary is then left to chance)."""
    reserve = out / ".summary.reserve"
    try:
        with open(reserve, "wb") as handle:
            handle.write(bytes(SUMMARY_SPACE))
    except OSError:
        reserve.unlink(missing_ok=True)
        return None
    return reserve


def _count_shards(summary: ArchiveSummary, out: Path, before: set[str]) -> None:
    """``summary``'s read and failed, and its listed errors, counted from this run's shards under ``out`` (those not
    named in ``before``): for a run that stopped early, whose workers had written shards whose counts never
    reached this process (a SIGTERM to a Ray run: "failed: 11" with 10 paths listed, in an archive trial).
    Streamed: a run of millions of inputs holds one record at a time."""
    summary.read = summary.failed = 0
    summary.errors = []
    for shard in (p for p in shard_files(out) if p.name not in before):
        for r in _shard_records(shard):
            if "error" in r and len(summary.errors) < LISTED_ERRORS:
                summary.errors.append(r["path"])
            summary.failed += "error" in r
            summary.read += "error" not in r


def _output_lock(out: Path):
    """An exclusive lock on ``out`` for one run (``fcntl.flock`` on ``out/.lock``, released when the run ends or
    its process dies, even by kill -9), as a context manager; ArchiveError when another run holds it. Two runs
    into one folder at once recorded 2,817 of 3,329 inputs twice, and the summary was whichever ended last (a
    fresh trial of the archive path). No lock where ``fcntl`` is missing (Windows)."""
    import contextlib

    try:
        import fcntl
    except ImportError:
        return contextlib.nullcontext()
    handle = open(out / ".lock", "a")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        raise ArchiveError(
            f"{out}: another run is writing into this folder (it holds {out / '.lock'}); wait for it to end, or "
            f"pick another --out{API_OUT}"
        ) from None
    return handle  # (closing the file releases the lock)


def _check_writable(out: Path) -> None:
    """Raise ArchiveError unless a file can be created (and removed) in the folder ``out``: a folder this user
    cannot write in fails now, naming it, not with a traceback on the first shard after a batch was read."""
    probe = out / f".write-test.{uuid.uuid4().hex[:8]}.tmp"
    try:
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise ArchiveError(
            f"{out}: cannot write in the output folder ({exc.strerror or exc}); pick another --out{API_OUT} or fix "
            "its permissions"
        ) from None


# --------------------------------------------------------------------------- records and shards


def file_uri_path(uri: str) -> str | None:
    """The local path of a ``file://`` URI (``file:///scans/a%20b.png`` -> ``/scans/a b.png``; RFC 8089), read
    without pyarrow; None for any other URI or path."""
    if not uri.startswith("file://"):
        return None
    from urllib.parse import urlparse
    from urllib.request import url2pathname

    return url2pathname(urlparse(uri).path)


def arrow_filesystems():
    """pyarrow.fs, which opens the URIs other than ``file://`` (s3://, gs://, ...). Raises ArchiveError saying
    what to install when pyarrow is missing (the base install: it comes with the ``[ray]`` extra)."""
    try:
        from pyarrow import fs
    except ImportError:
        raise ArchiveError(
            "URIs other than file:// (s3://, gs://, ...) are read with pyarrow, which is not installed: "
            "pip install pyarrow (local paths and file:// URIs need nothing more)"
        ) from None
    return fs


def stat_key(path: str) -> tuple[int | None, float | None]:
    """(size in bytes, mtime in seconds) of a local path or a URI, or (None, None) when it cannot be stat'ed.
    Raises ArchiveError for a URI that needs pyarrow when it is not installed (arrow_filesystems)."""
    path = file_uri_path(path) or path
    try:
        if "://" in path:
            fs = arrow_filesystems()

            filesystem, inner = fs.FileSystem.from_uri(path)
            info = filesystem.get_file_info(inner)
            if info.type != fs.FileType.File:
                return None, None
            return int(info.size), (info.mtime_ns / 1e9 if info.mtime_ns is not None else None)
        info = os.stat(path)
        return int(info.st_size), float(info.st_mtime)
    except (OSError, ValueError):
        return None, None


def input_key(path: str, size: int | None, mtime: float | None, folder: str | None = None) -> int:
    """A 64-bit hash of (path, size, mtime): how a resumed run recognizes an input already recorded. The path
    as the records write it (``shown_path``), so that a name that is not UTF-8 matches its record; a local path
    made absolute (``resolved``: against ``folder``, the folder the run that read it was started in, else the
    current one; a URI as it is), so that ``archive/a.png``, ``./archive/a.png`` and ``/data/archive/a.png`` are
    one input to a run in ``/data`` (a new user's rerun with ``./archive/`` read all 308 files again and doubled
    their records), and a rerun started in another folder still knows them. The records keep the path as given."""
    where = resolved(path, folder)
    digest = hashlib.blake2b(f"{shown_path(where)}\0{size}\0{mtime!r}".encode("utf-8"), digest_size=8)
    return int.from_bytes(digest.digest(), "little")


def resolved(path: str, folder: str | None = None) -> str:
    """A record's ``path`` made absolute: a ``file://`` URI as its local path (``file_uri_path``: a manifest's
    ``file:///scans/a.png`` is the ``/scans/a.png`` an earlier run recorded, not a second input: a new user's
    trial doubled its record), any other URI as it is; a relative local path joined to ``folder`` (the folder its
    run was started in; None: the current one) and normalized, as ``os.path.abspath`` does."""
    path = file_uri_path(path) or path
    if "://" in path or os.path.isabs(path):
        return path if "://" in path else os.path.normpath(path)
    return os.path.abspath(path) if folder is None else os.path.normpath(os.path.join(folder, path))


def run_folders(out: Path) -> dict[int, str]:
    """The folder each run into ``out`` was started in (``out/_RUNS.json``, ``note_run``), by run number: what its
    records' relative paths are relative to. {} for an ``out`` written before runs noted it (its relative paths
    are then taken against the current folder, as they were) or whose file cannot be read."""
    try:
        data = json.loads((out / RUNS).read_text(encoding="utf-8"))
        return {int(run): str(entry["cwd"]) for run, entry in data.items()}
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return {}


def note_run(out: Path, run: int, started_utc: str) -> None:
    """Note in ``out/_RUNS.json`` the folder run number ``run`` is started in (``run_folders``): a rerun started
    in another folder (a cron job, a cluster's driver) resolves this run's relative paths against it. Records
    of ``archive/a.png`` written by a run in /data were read again by a run in /tmp and doubled (a records
    office's trial). Raises ArchiveError when the file cannot be written (a full disk)."""
    try:
        runs = json.loads((out / RUNS).read_text(encoding="utf-8"))
        runs = runs if isinstance(runs, dict) else {}
    except (OSError, ValueError):
        runs = {}
    runs[str(run)] = {"cwd": os.getcwd(), "started_utc": started_utc}
    try:
        _write_json(out / RUNS, dict(sorted(runs.items(), key=lambda item: int(item[0]))))
    except OSError as exc:
        raise ArchiveError(
            f"{out}: cannot write {RUNS} ({exc.strerror or exc}); free some space, or pick another --out{API_OUT}, "
            "and rerun"
        ) from None


def record(reading, size: int | None, mtime: float | None) -> dict:
    """The classify record of a Reading (Reading.to_dict) plus the input's ``size`` (bytes) and ``mtime`` (s)."""
    data = reading.to_dict()
    data["size"], data["mtime"] = size, mtime
    return data


def shard_files(out: Path) -> list[Path]:
    """The shards under ``out``, in the order their runs wrote them (``shard_run``; by name within a run)."""
    return sorted(
        (p for p in out.glob("part-*") if p.suffix in (".jsonl", ".parquet")), key=lambda p: (shard_run(p), p.name)
    )


def shard_run(shard: Path) -> int:
    """The number of the run into ``out`` that wrote ``shard`` (``part-<run>-<hash>.<format>``, counted from 1 in
    each ``out``); 0 for a shard named before runs were numbered (``part-<hash>.<format>``), older than any."""
    parts = shard.name.split("-")
    return int(parts[1]) if len(parts) == 3 and parts[1].isdigit() else 0


def recorded(out: Path) -> tuple:
    """What the shards under ``out`` hold, for a run that resumes: (the keys (``input_key``) of every input read
    with its digits, a sorted uint64 NumPy array, 8 bytes an input (a million inputs: 8 MB); the ErrorRecords,
    the paths whose records are errors, which the run reads again). A shard's unreadable line (a copy cut short)
    is ignored: that input is read again."""
    import numpy as np

    folders = run_folders(out)
    keys, errors = array("Q"), ErrorRecords(folders)
    for shard in shard_files(out):
        run = shard_run(shard)
        for path, size, mtime, error in _shard_keys(shard, errors.broken):
            errors.see(path, error, run, shard)
            if not error:
                keys.append(input_key(path, size, mtime, folders.get(run)))
    done = np.unique(np.frombuffer(keys, np.uint64)) if keys else np.zeros(0, np.uint64)
    errors.drop_passing(done)
    return done, errors


class ErrorRecords:
    """The error records under an ``out``, seen in the order the runs wrote them (``see``): those no later record
    of their path replaced yet (``path -> [(run, shard)]``), and those one did (``replaced``: shard -> paths), to
    drop from their shards (``drop_replaced``). A run reads every input whose record is an error again; its new
    record (read or failed again) replaces the old error, so that every input keeps one record. Memory: one entry
    per error record."""

    def __init__(self, folders: dict[int, str] | None = None) -> None:
        # by the path made absolute (``resolved``: ``./a.png`` and ``/data/a.png`` are one input): each error record
        # not yet replaced, as (run, shard, its path as the record writes it)
        self.open: dict[str, list[tuple[int, Path, str]]] = {}
        self.replaced: dict[Path, set[str]] = {}  # shard -> the paths, as written there, of its replaced errors
        self.folders = folders or {}  # run_folders: what each run's relative paths are relative to
        self.broken: list[Path] = []  # the shards found cut short while reading them (_shard_keys)

    def see(self, path: str, error: bool, run: int, shard: Path) -> bool:
        """One record of ``path`` (as the record writes it; ``error``: an error record) in ``shard``, written by run
        number ``run``; True when it replaces an error record of that input written by an earlier run, under
        this spelling of its path or another (a records office's trial: ``spell``, ``./spell`` and
        ``$PWD/spell`` left three error records of one file, and two stale ones once it read)."""
        where = resolved(path, self.folders.get(run))
        earlier = self.open.pop(where, [])
        replaced = [(old_shard, written) for old_run, old_shard, written in earlier if old_run < run]
        for old_shard, written in replaced:
            self.replaced.setdefault(old_shard, set()).add(written)
        kept = [(r, s, w) for r, s, w in earlier if r >= run] + ([(run, shard, path)] if error else [])
        if kept:
            self.open[where] = kept
        return bool(replaced)

    def drop_passing(self, done) -> None:
        """Drop (as replaced) the error records of inputs that an earlier run read with their digits as they are
        now: their path, size and mtime match one of ``done`` (``recorded``'s keys). Such an error came later and
        passed (the file was missing a while, a share unmounted, a manifest of relative paths read from another
        folder); the input is recorded, so it is not read again, and its error record must not outlive it
        (``read_records(latest=True)`` gave the error of a file that reads). Stats each local path with an open
        error (errors are few); not a remote URI's, whose stat is a round trip over the network that every rerun
        into ``out`` paid, listed or not (6 s each for an S3 host that does not answer: a new user's trial). Its
        error record stays until a run lists it again."""
        import numpy as np

        for path in list(self.open):  # (absolute: resolved; a file:// URI as its local path)
            if "://" in path:
                continue
            try:
                size, mtime = stat_key(path)
            except ArchiveError:  # a URI that needs pyarrow: read again, as before
                continue
            if size is None or not done.size or not _contains(done, input_key(path, size, mtime), np):
                continue
            for _, shard, written in self.open.pop(path):
                self.replaced.setdefault(shard, set()).add(written)

    def replace(self, out: Path, run: int) -> int:
        """After run ``run`` (started in the current folder): drop the error records its records replaced; returns
        how many inputs it read again that had failed before. Raises ArchiveError when a shard cannot be rewritten
        (a full disk)."""
        retried: set[str] = set()
        self.folders.setdefault(run, os.getcwd())
        if self.open:  # (reading this run's shards again only when an earlier one failed somewhere)
            for shard in (p for p in shard_files(out) if shard_run(p) == run):
                retried.update(
                    resolved(path, self.folders[run])
                    for path, _, _, error in _shard_keys(shard)
                    if self.see(path, error, run, shard)
                )
        self.drop_replaced()
        return len(retried)

    def drop_replaced(self) -> None:
        """Rewrite each shard holding replaced error records without them (``_drop_errors``)."""
        while self.replaced:
            shard, paths = self.replaced.popitem()
            _drop_errors(shard, paths)


def _drop_errors(shard: Path, paths: set[str]) -> None:
    """Rewrite ``shard`` without its error records of ``paths``, whole or not at all (a temporary file, then a
    rename), or remove it when nothing else is left. Every other line or row is kept as it was. Raises
    ArchiveError (naming the shard and what to do) when it cannot be written."""
    tmp = shard.with_name(f".{shard.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        if shard.suffix == ".jsonl":
            with open(shard, "rb") as handle:
                kept = [line for line in handle if not _error_line_of(line, paths)]
            if kept:
                tmp.write_bytes(b"".join(kept))
        else:
            import pyarrow as pa
            import pyarrow.parquet as pq

            table = pq.read_table(shard)
            errors = zip(table.column("path").to_pylist(), table.column("error").to_pylist())
            kept = table.filter(pa.array([error is None or path not in paths for path, error in errors]))
            if kept.num_rows:
                pq.write_table(kept, tmp)
        if kept:
            os.replace(tmp, shard)
        else:
            shard.unlink()
    except BaseException as exc:
        tmp.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise ArchiveError(
                f"{shard}: cannot drop the error records that this run's records replace ({exc.strerror or exc}); "
                "free some space and rerun the same command: it drops them (until then read_records gives those "
                "inputs twice)"
            ) from None
        raise


def _error_line_of(line: bytes, paths: set[str]) -> bool:
    """Is this JSON line of a shard an error record of one of ``paths``?"""
    try:
        data = json.loads(line.decode("utf-8", "surrogateescape"))
    except ValueError:
        return False
    return isinstance(data, dict) and "error" in data and data.get("path") in paths


def _shard_keys(shard: Path, broken: list[Path] | None = None) -> Iterator[tuple]:
    """(path, size, mtime, is an error record) of each record of ``shard`` that can be read; a shard that cannot
    be read whole (a Parquet file, or a JSON line, cut short) is appended to ``broken``."""
    if shard.suffix == ".parquet":
        import pyarrow.parquet as pq

        try:
            table = pq.read_table(shard, columns=["path", "size", "mtime", "error"])
        except Exception:  # a broken file: its inputs are read again
            if broken is not None:
                broken.append(shard)
            return
        columns = (table.column(c).to_pylist() for c in ("path", "size", "mtime", "error"))
        for path, size, mtime, error in zip(*columns):
            yield path, size, mtime, error is not None
        return
    cut = False
    with open(shard, encoding="utf-8", errors="surrogateescape") as handle:
        for line in handle:
            try:
                data = json.loads(line)
                yield data["path"], data.get("size"), data.get("mtime"), "error" in data
            except (ValueError, KeyError, TypeError):
                cut = True
    if cut and broken is not None:
        broken.append(shard)


def set_aside_broken(out: Path, shards: list[Path]) -> list[str]:
    """Move each of ``shards`` (found cut short: a copy or a sync that stopped) to ``out/_broken/``, keeping its
    readable records in the folder: a JSON-lines shard is rewritten without its unreadable lines (the original
    moved aside whole), a Parquet file that cannot be read at all is moved aside. Its lost inputs are read again
    by the run. Left in the folder, such a shard broke ``pd.read_parquet(out)`` and ``cat part-*.jsonl | jq`` for
    good (a records office's trial); pyarrow's datasets skip a folder whose name starts with ``_``. Returns the
    names moved. Raises ArchiveError when they cannot be moved or rewritten (a full disk)."""
    moved = []
    for shard in shards:
        aside = out / BROKEN / shard.name
        try:
            aside.parent.mkdir(exist_ok=True)
            os.replace(shard, aside)
            if shard.suffix == ".jsonl":
                with open(aside, "rb") as handle:
                    kept = [line for line in handle if _readable_line(line)]
                if kept:
                    tmp = shard.with_name(f".{shard.name}.{uuid.uuid4().hex[:8]}.tmp")
                    tmp.write_bytes(b"".join(line if line.endswith(b"\n") else line + b"\n" for line in kept))
                    os.replace(tmp, shard)
        except OSError as exc:
            raise ArchiveError(
                f"{shard}: cut short, and it cannot be moved to {out / BROKEN} ({exc.strerror or exc}); free some "
                "space and rerun the same command"
            ) from None
        moved.append(shard.name)
    return moved


def _readable_line(line: bytes) -> bool:
    """Is this line of a JSON-lines shard a whole record?"""
    try:
        data = json.loads(line.decode("utf-8", "surrogateescape"))
    except ValueError:
        return False
    return isinstance(data, dict) and "path" in data


def write_shard(records: list[dict], out: Path, fmt: str, batch_id: str = "", run: int = 0) -> str | None:
    """Write one batch's records as ``out/part-<run>-<hash of batch_id and their paths>.<fmt>``, whole or not at
    all (a temporary name, then a rename; a writing stopped half-way, by Ctrl-C or an OSError, removes its
    temporary file). ``run``: the run's number in ``out`` (read_archive counts them), which orders the shards.
    ``batch_id`` names the batch within all runs (its run and its place in the run): the same batch
    written again (Ray retrying it) replaces its shard, and another batch of the same paths (an input listed
    twice) gets a shard of its own. Returns the shard's name (None for no records). Raises ArchiveError when
    the shard cannot be written (OSError: a full disk)."""
    if not records:
        return None
    records = [{**r, "path": shown_path(r["path"])} if isinstance(r["path"], str) else r for r in records]
    digest = hashlib.sha1("\n".join([batch_id, *(str(r["path"]) for r in records)]).encode("utf-8"))
    name = f"part-{run:06d}-{digest.hexdigest()[:20]}.{fmt}"
    tmp = out / f".{name}.{uuid.uuid4().hex[:8]}.tmp"
    try:
        if fmt == "jsonl":
            with open(tmp, "w", encoding="utf-8") as handle:
                handle.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
        else:
            import pyarrow.parquet as pq

            pq.write_table(_arrow_table(records), tmp)
        os.replace(tmp, out / name)
    except BaseException as exc:  # Ctrl-C or a full disk half-way: no temporary file left behind (a rerun writes it)
        tmp.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise ArchiveError(
                f"{out}: cannot write a shard ({exc.strerror or exc}); free some space, or pick another "
                f"--out{API_OUT}, and rerun the same command: it goes on where it stopped"
            ) from None
        raise
    return name


def _arrow_schema():
    import pyarrow as pa

    digit = pa.struct(
        [
            ("digit", pa.int64()),
            ("confidence", pa.float64()),
            ("box", pa.list_(pa.int64())),
            ("line", pa.int64()),
            ("page", pa.int64()),
        ]
    )
    return pa.schema(
        [
            ("path", pa.string()),
            ("text", pa.string()),
            ("digits", pa.list_(digit)),
            ("raw", pa.string()),
            ("pages", pa.int64()),
            ("page_texts", pa.list_(pa.string())),
            ("error", pa.string()),
            ("size", pa.int64()),
            ("mtime", pa.float64()),
        ]
    )


def _arrow_table(records: list[dict]):
    """The records as an Arrow table: the JSON fields as columns (null where a record has no such field)."""
    import pyarrow as pa

    schema = _arrow_schema()
    return pa.Table.from_pylist([{name: r.get(name) for name in schema.names} for r in records], schema=schema)


def read_records(out: str | os.PathLike, latest: bool = False) -> Iterator[dict]:
    """Every record under ``out`` (both formats), as the JSON-lines dicts (a Parquet row's null fields left
    out, as the JSON record has them). Shard order, not input order.

    A file changed after it was read is read again by the next run (resume matches path, size and mtime), and
    its old record stays in its shard: ``latest`` keeps only the record of each path written last (by a later
    run; not the greatest ``mtime``: a file replaced by a copy that kept an older mtime, ``cp -p``, ``rsync``,
    ``tar``, is newer than its mtime says), holding one record per path in memory until the end. A shard's
    line or Parquet file that cannot be read (a copy cut short) is left out, as resuming leaves it out: rerun
    to read its inputs again."""
    if latest:
        newest: dict = {}
        folders = run_folders(Path(out))
        for shard in shard_files(Path(out)):  # (in the order the runs wrote them: the last one stays)
            for record in _shard_records(shard):
                newest[resolved(record["path"], folders.get(shard_run(shard)))] = record
        yield from newest.values()
        return
    for shard in shard_files(Path(out)):
        yield from _shard_records(shard)


def _shard_records(shard: Path) -> Iterator[dict]:
    """The records of one shard (``read_records``). What resuming does not count as recorded (``recorded``) is
    left out here too: a line that cannot be read (a copy cut short) or a whole Parquet file that cannot; a
    rerun reads those inputs again into new shards."""
    if shard.suffix == ".jsonl":
        with open(shard, encoding="utf-8", errors="surrogateescape") as handle:  # (earlier shards held raw bytes)
            for line in handle:
                try:
                    data = json.loads(line)
                except ValueError:
                    continue
                if isinstance(data, dict) and "path" in data:
                    yield data
    else:
        import pyarrow.parquet as pq

        try:
            rows = pq.read_table(shard).to_pylist()
        except Exception:  # a broken file (ArrowInvalid, OSError): as _shard_keys
            return
        for row in rows:
            record = {k: v for k, v in row.items() if v is not None or k in ("size", "mtime")}
            if record.get("digits"):  # a digit's page is null but in a file of several pages, as in JSON lines
                record["digits"] = [{k: v for k, v in d.items() if v is not None} for d in record["digits"]]
            yield record


def _write_json(path: Path, data: dict) -> None:
    """Write ``data`` as indented JSON to ``path``, whole or not at all: a temporary file beside it, then a rename.
    Raises OSError (a full disk) with no temporary file left behind."""
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        tmp.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


class _Progress:
    def __init__(self, summary: ArchiveSummary, callback):
        self.summary, self.callback = summary, callback
        self.first: float | None = None

    def add(self, read: int, failed: int, skipped: int, errors: Iterable[str] = ()) -> None:
        s = self.summary
        if self.first is None and read + failed:
            self.first = time.perf_counter()
        s.read, s.failed, s.skipped = s.read + read, s.failed + failed, s.skipped + skipped
        s.errors.extend(shown_path(path) for path in list(errors)[: max(0, LISTED_ERRORS - len(s.errors))])  # (as
        # the records write them: a name that is not UTF-8 was a lone surrogate here, and json.dump wrote '\udce9')
        if self.callback is not None:
            self.callback(s.read, s.failed, s.skipped)

    def startup_s(self, started: float, ended: float) -> float:
        """Seconds from ``started`` to the engine's first result (time.perf_counter values): as the engine measured
        it (Ray: its first batch), else to the first input read; a run that ended at ``ended`` before any (a
        Ctrl-C while Ray starts) was all start-up. It was 0.00 s."""
        return self.summary.startup_s or ((self.first or ended) - started)


def open_reader(settings: dict):
    """The one-thread DigitReader of ``settings`` (model, line_model, orientation_model, digit_orientation_model and
    pencil_model (absent: None), single, min_confidence) that a worker or actor reads with. Raises ModelError for a
    digit model that cannot be used (the other models open later)."""
    from .reader import DigitReader

    return DigitReader(
        settings["model"],
        min_confidence=settings["min_confidence"],
        single=settings["single"],
        threads=1,
        line_model=settings["line_model"],
        orientation_model=settings.get("orientation_model"),
        digit_orientation_model=settings.get("digit_orientation_model"),
        pencil_model=settings.get("pencil_model"),
    )


def check_models(settings: dict) -> dict:
    """Raise ModelError, naming the file, when the digit model, or a line or orientation model given by name or
    file (not the shipped default), is missing or not a usable ONNX model. read_archive calls it before any
    work: with the Ray engine a bad model was an ActorDiedError traceback from the actors after Ray had started.

    Returns what decides the records' contents: the SHA-256 of each model file (None for no line model), and
    single and min_confidence (see keep_settings)."""
    reader = open_reader(settings)
    if settings["line_model"]:
        _ = reader.line_model  # (its session is otherwise opened at the first text line)
    if settings.get("orientation_model"):
        _ = reader.orientation_model
    if settings.get("digit_orientation_model"):
        _ = reader.digit_orientation_model
    if settings.get("pencil_model"):
        _ = reader.pencil_model

    def sha256(path: str | os.PathLike | Literal[False]) -> str | None:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest() if path else None

    return {
        "model_sha256": sha256(reader.model.path),
        "line_model_sha256": sha256(reader.line_model_file),
        "orientation_model_sha256": sha256(reader.orientation_model_file),
        "digit_orientation_model_sha256": sha256(reader.digit_orientation_model_file),
        "pencil_model_sha256": sha256(reader.pencil_model_file),
        "single": bool(settings["single"]),
        "min_confidence": float(settings["min_confidence"]),
    }


# Settings kept since a date, with the value every run before then had: an ``out`` written before 2026-12-07 was
# read with no pencil model (reader.DigitReader's pencil_model), and resuming it with one would mix two kinds of record.
SETTINGS_BEFORE = {"pencil_model_sha256": None}


TURN_MODELS = ("orientation_model_sha256", "digit_orientation_model_sha256")  # (keep_settings)


def keep_settings(out: Path, wanted: dict, has_records: bool = True) -> None:
    """Resume only with the settings the records under ``out`` were read with (``out/_SETTINGS.json``, written
    by the first run there; ``wanted``: check_models' dict and the shards' ``format``). A rerun with another
    model, ``single`` or ``min_confidence`` would skip every input already recorded and mix two kinds of record,
    and one with another format two kinds of shard (``pd.read_parquet(out)`` saw only part of the records):
    ArchiveError naming what differs. An ``out`` from before this file existed gets it now; a setting its file
    does not hold (written before the setting was kept) is not compared, but for those whose value before then is
    known (``SETTINGS_BEFORE``: no pencil model read an ``out`` written before 2026-12-07). An ``out`` with no shard
    (``has_records`` False: a run that stopped before writing any, at a refused ``--address`` say) holds nothing
    to mix: it takes ``wanted``, whatever its file says. ArchiveError too when the file cannot be written (a full
    disk; no temporary file is left). The orientation models' hashes are not compared when neither run had a line
    model (they do not run then)."""
    path = out / SETTINGS
    try:
        had = json.loads(path.read_text(encoding="utf-8")) if has_records else None
    except FileNotFoundError:
        had = None
    except (OSError, ValueError) as exc:
        raise ArchiveError(f"{path}: cannot be read ({exc}); delete it to resume with this run's settings") from None
    if had is None:
        try:
            _write_json(path, wanted)
        except OSError as exc:
            raise ArchiveError(
                f"{out}: cannot write {SETTINGS} ({exc.strerror or exc}); free some space, or pick another "
                f"--out{API_OUT}, and rerun"
            ) from None
        return
    had = {**SETTINGS_BEFORE, **had}
    # Without a line model the orientation models never run (DigitReader): an ``out`` read before 2026-12-08 kept
    # their hashes all the same, and its records are what this run writes.
    unused = TURN_MODELS if had.get("line_model_sha256") is None and wanted.get("line_model_sha256") is None else ()
    differ = [f"{k} {had[k]!r} -> {v!r}" for k, v in wanted.items() if k in had and k not in unused and had[k] != v]
    if differ:
        raise ArchiveError(
            f"{out}: holds records read with other settings ({'; '.join(differ)}); resuming would skip the inputs "
            f"already read and mix two kinds of record: pick another --out{API_OUT}, or rerun with the "
            f"settings in {path}"
        )


# --------------------------------------------------------------------------- listing the inputs


def _names(inputs: list[str], manifest) -> Iterator[str]:
    """The inputs, then the manifest's lines ('-': standard input), read once as a stream."""
    yield from inputs
    if manifest is not None:
        from .sources import read_lines

        with _open_manifest(manifest) as handle:  # (read_lines drops a BOM)
            for line in read_lines(handle):
                yield line.strip()


def _open_manifest(manifest):
    """The manifest ('-': standard input, left open after) as UTF-8 text; a name not UTF-8 keeps its bytes."""
    import io
    import sys

    if os.fspath(manifest) == "-":
        stdin = open(sys.stdin.fileno(), "rb", closefd=False)  # (closing the list leaves stdin open)
        return io.TextIOWrapper(stdin, encoding="utf-8", errors="surrogateescape")
    return open(manifest, encoding="utf-8", errors="surrogateescape")


def _expand(inputs: list[str], manifest, recursive: bool) -> Iterator:
    """Paths (str) and SourceErrors, streamed: the command line's files, folders and globs expanded, then the
    manifest's lines (a URI as it is, a local folder or glob expanded too)."""
    from .sources import iter_paths

    for name in _names(inputs, manifest):
        if name.startswith("file:/") and not name.startswith("file://"):  # RFC 8089's short form, as Java's
            name = "file://" + name[len("file:") :]  # File.toURI() writes it ('file:/scans/a.png'): one input
        if "://" in name:
            yield name
        else:
            yield from iter_paths([name], recursive=recursive)


# --------------------------------------------------------------------------- the local engine


def _run_local(
    inputs,
    manifest,
    recursive,
    out: Path,
    fmt: str,
    run_number: int,
    done,
    settings: dict,
    workers,
    batch_size: int,
    progress: _Progress,
) -> None:
    from collections import deque

    import numpy as np

    from .sources import SourceError

    reader = open_reader(settings)
    keys: deque = deque()  # (size, mtime) of each input handed to the readers, in order
    skipped = [0]

    def wanted() -> Iterator:
        for item in _expand(inputs, manifest, recursive):
            if isinstance(item, SourceError):  # (an error record: never skipped)
                keys.append((item.path, None, None))
                yield item
                continue
            size, mtime = stat_key(item)
            if done.size and _contains(done, input_key(item, size, mtime), np):
                skipped[0] += 1
                continue
            keys.append((item, size, mtime))
            yield item if "://" not in item else _uri_input(item)

    batch: list[dict] = []
    run, flushed = uuid.uuid4().hex[:12], [0]

    def flush() -> None:
        read = sum("error" not in r for r in batch)
        write_shard(batch, out, fmt, f"{run}:{flushed[0]}", run_number)
        progress.add(read, len(batch) - read, skipped[0], [r["path"] for r in batch if "error" in r])
        skipped[0] = 0
        batch.clear()
        flushed[0] += 1  # only now: a flush cut short by Ctrl-C is done again under the same name

    readings = reader.read_many(wanted(), workers=workers, processes=True)
    try:
        for reading in readings:
            path, size, mtime = keys.popleft()
            batch.append(record(reading, size, mtime))
            batch[-1]["path"] = path  # a URI's bytes were read without it
            if len(batch) >= batch_size:
                flush()
    except ArchiveError:  # a shard that could not be written: not tried again below (its inputs are read again
        batch.clear()  # by the next run)
        raise
    finally:
        close = getattr(readings, "close", None)
        if close is not None:
            close()  # worker processes stop now (Ctrl-C too)
        flush()  # what was read is kept; a later run goes on from there


def _contains(sorted_keys, key: int, np) -> bool:
    at = int(np.searchsorted(sorted_keys, np.uint64(key)))
    return at < len(sorted_keys) and int(sorted_keys[at]) == key


def _uri_input(uri: str):
    """A URI's bytes for the reader (it reads local paths itself), or a SourceError naming the problem."""
    from .sources import SourceError

    local = file_uri_path(uri)
    if local is not None:
        try:
            with open(local, "rb") as handle:
                return handle.read()
        except OSError as exc:
            return SourceError(uri, f"cannot read this URI ({exc.strerror or exc}); check that {local} exists")
    if uri.split("://", 1)[0].lower() in ("http", "https", "ftp"):  # (pyarrow said "Unrecognized filesystem type")
        return SourceError(
            uri, "a web URL, which batch does not download: fetch the files first, or list file://, s3:// or gs:// URIs"
        )
    fs = arrow_filesystems()
    try:
        filesystem, inner = fs.FileSystem.from_uri(uri)
        with filesystem.open_input_file(inner) as handle:
            return handle.read()
    except Exception as exc:  # pyarrow raises OSError, ArrowInvalid (a ValueError), ...
        return SourceError(uri, f"cannot read this URI ({exc}); check it exists and the credentials of every node")


# --------------------------------------------------------------------------- the Ray engine


TOKEN_HELP = (
    "set RAY_AUTH_MODE=token, with the head's token in ~/.ray/auth_token (where `ray start --head` writes it on "
    "the head node) or in RAY_AUTH_TOKEN (`ray get-auth-token` on the head prints it); on the head node, --address "
    "auto finds the token by itself"
)


def _check_reachable(address: str, timeout_s: float = 5.0) -> None:
    """Raise ArchiveError unless something answers at ``address`` (HOST:PORT of a Ray head node's GCS) within
    ``timeout_s`` seconds, or when the Ray cluster there requires an authentication token this process does not
    send (``_needs_token``); for ``"auto"``, unless the cluster last started here answers
    (``_check_last_cluster``). ``ray://`` addresses are left to Ray. (ray.init retried an address
    where nothing listens for many minutes, silently; and one that refused it for want of a token for 20 s, with
    a warning a second, before the ConnectionError of a cluster not found.)"""
    if address == "auto":
        _check_last_cluster(timeout_s)
        return
    host, _, port = address.rpartition(":")
    if "://" in address or not host or not port.isdigit():
        return
    try:
        _connect(host, int(port), timeout_s)
    except OSError as exc:
        raise ArchiveError(
            f"--address {address}: no Ray cluster answers there ({exc.strerror or exc}); start one with "
            "`ray start --head` on the head node, or check HOST:PORT (the head's GCS port, 6379 by default)"
        ) from None
    if os.environ.get("RAY_AUTH_MODE", "").lower() != "token" and _needs_token(address, timeout_s):
        raise ArchiveError(
            f"--address {address}: the Ray cluster there requires its authentication token (Ray's token "
            "authentication, on by default for `ray start --head` since Ray 2.59) and this run sends none: "
            + TOKEN_HELP
        )


def _connect(host: str, port: int, timeout_s: float) -> None:
    """Open and close a TCP connection to ``host``:``port`` within ``timeout_s`` seconds; OSError when none."""
    import socket

    socket.create_connection((host, port), timeout=timeout_s).close()


def _check_last_cluster(timeout_s: float) -> None:
    """For ``--address auto`` (RAY_ADDRESS unset): raise ArchiveError when the Ray cluster last started on this
    machine, as Ray's address file (``ray_current_cluster`` in Ray's temporary folder) names it, does not answer
    within ``timeout_s`` seconds. A head that crashed or was killed leaves the file behind, and ray.init then
    waited on its address for minutes (2 min 44 s measured). No file: nothing to check (Ray says none runs)."""
    if os.environ.get("RAY_ADDRESS"):
        return
    try:
        from ray._private.utils import read_ray_address  # (what `ray status` reads; private, so optional)

        last = read_ray_address()
    except (ImportError, AttributeError, OSError):
        return
    host, _, port = (last or "").rpartition(":")
    if not host or not port.isdigit():
        return
    try:
        _connect(host, int(port), timeout_s)
    except OSError:
        raise ArchiveError(
            f"--address auto: the Ray cluster last started on this machine ({last}, in Ray's ray_current_cluster "
            "file) does not answer: it has stopped; start one with `ray start --head` (`ray stop` clears the "
            "stale file), or leave out --address to start a Ray instance for this run only"
        ) from None


def _needs_token(address: str, timeout_s: float) -> bool:
    """Does the Ray GCS at ``address`` (HOST:PORT) refuse a call without a token (gRPC status UNAUTHENTICATED)?
    One call of GetClusterId (the first call ``ray.init`` makes) with an empty request, answered within
    ``timeout_s`` seconds; False when it answers anything else or grpc (installed with Ray) is missing."""
    try:
        import grpc  # type: ignore[import-untyped]  # (installed with Ray, untyped; no types-grpcio here)
    except ImportError:
        return False
    with grpc.insecure_channel(address) as channel:
        try:
            channel.unary_unary("/ray.rpc.NodeInfoGcsService/GetClusterId")(b"", timeout=timeout_s)
        except grpc.RpcError as exc:
            return exc.code() == grpc.StatusCode.UNAUTHENTICATED
    return False


def _run_ray(
    inputs,
    manifest,
    recursive,
    out: Path,
    fmt: str,
    run: int,
    done,
    settings: dict,
    workers,
    batch_size: int,
    address,
    progress: _Progress,
) -> None:
    if address is not None:
        _check_reachable(address)
    # The read tasks and actors run in the cluster's working folder, not this one: they get ``out`` and the
    # listing as absolute paths, and this folder to resolve a relative input against.
    out = out.absolute()
    if address is None or address.split(":")[0] in ("127.0.0.1", "localhost"):
        # Ray resolves this machine to the address of its network interface, even for a cluster on loopback;
        # Ray's own switch for machines without a cluster network keeps every node on 127.0.0.1.
        os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")
    try:
        import ray
    except ImportError:
        raise ArchiveError(RAY_MISSING) from None

    started = time.perf_counter()
    ours = not ray.is_initialized()  # this run starts or joins Ray: at its end (Ctrl-C too) it shuts it down
    sigterm = signal.getsignal(signal.SIGTERM)
    if ours:
        try:
            _start_ray(ray, address, workers)
        finally:  # (ray.init sets its SIGTERM handler first, and keeps it when it cannot connect)
            _keep_sigterm(sigterm)
    try:
        _read_on_ray(inputs, manifest, recursive, out, fmt, run, done, settings, workers, batch_size, progress, started)
    finally:
        if ours:  # a local instance stops, a cluster is left: its actors stop before the summary counts shards
            ray.shutdown()


def _start_ray(ray, address: str | None, workers: int | None) -> None:
    """``ray.init`` for a run: a local instance on this machine (``address`` None, ``workers`` CPUs), or the cluster
    at ``address``; ArchiveError when none is found there, or it refuses this run's token (or its lack of one)."""
    import logging

    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    if address is None:  # a local instance, on this machine only
        ray.init(
            address="local",
            num_cpus=workers,
            include_dashboard=False,
            _node_ip_address="127.0.0.1",
            logging_level=logging.WARNING,
            log_to_driver=False,
            configure_logging=True,
        )
    else:
        # (No _node_ip_address: Ray finds the node of this machine the driver joins, wherever the node registered.
        # 127.0.0.1 here waited 60 s for a node there, then failed, when `ray start --head` had registered the
        # machine's network address.)
        no_token = getattr(ray.exceptions, "AuthenticationError", ())  # (Ray 2.52 and later)
        try:
            ray.init(address=address, logging_level=logging.WARNING, log_to_driver=False)
        except ConnectionError:  # 'auto' with no cluster on this machine; HOST:PORT answered (_check_reachable)
            if address == "auto":
                raise ArchiveError(
                    "--address auto: no running Ray cluster found on this machine; start one with `ray start "
                    "--head`, pass its HEAD:PORT, or leave out --address to start a Ray instance for this run only"
                ) from None
            token = (
                " and that the token this run sends (RAY_AUTH_TOKEN, RAY_AUTH_TOKEN_PATH or ~/.ray/auth_token) is "
                "the head's (`ray get-auth-token` on the head prints it)"
            )
            raise ArchiveError(
                f"--address {address}: something answers there but Ray could not join it as a cluster; check "
                "HOST:PORT is the head's GCS port (6379 by default)"
                + (token if os.environ.get("RAY_AUTH_MODE", "").lower() == "token" else "")
            ) from None
        except no_token as exc:  # RAY_AUTH_MODE=token, and no token found
            raise ArchiveError(f"--address {address}: Ray refused to join ({exc}); {TOKEN_HELP}") from None


def _keep_sigterm(handler) -> None:
    """Put back SIGTERM's ``handler`` (``signal.getsignal`` before ``ray.init``; None, one not set from Python, is
    taken as the default), in the main thread. ``ray.init`` sets its own, ``sys.exit(15)`` (ray/_private/worker.py):
    a SIGTERM then ended a run as no Ctrl-C does, its summary claiming a finished run of 0 images (the shards the
    actors wrote were never counted), exit status 15, and Ray's C++ signal handler printing stack dumps. The
    ``edgedigits`` command's handler takes SIGTERM as Ctrl-C (cli._SigtermAsCtrlC); a program of the user's keeps
    its own, or Python's default."""
    import threading

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, signal.SIG_DFL if handler is None else handler)


def _read_on_ray(
    inputs,
    manifest,
    recursive,
    out: Path,
    fmt: str,
    run: int,
    done,
    settings: dict,
    workers,
    batch_size: int,
    progress: _Progress,
    started: float,
) -> None:
    """The Ray Data pipeline of ``_run_ray`` on the Ray it initialized: the listing, then one actor per CPU
    (``workers``) reading batches of ``batch_size`` paths into shards under ``out``."""
    import logging

    import ray
    import ray.data

    from . import images

    cpus = float(ray.cluster_resources().get("CPU", 1))
    progress.summary.cluster_cpus = cpus
    actors = max(1, workers or int(cpus))

    logging.getLogger("ray.data").setLevel(logging.WARNING)
    context = ray.data.DataContext.get_current()
    context.enable_progress_bars = False  # Ray Data's documented switch: the command draws its own (on_progress)
    context.print_on_execution_start = False
    # Ray Data then warns, once per process, that its bars are off ('Progress bars disabled. To enable, set
    # ...'): noise to a user who never asked for them. That one record of Ray's progress module is dropped;
    # every other record, its other warnings and every error, still shows.
    logging.getLogger("ray.data._internal.progress").addFilter(_not_the_bars_off_notice)
    listing = _write_listing(inputs, manifest, recursive, out, run, progress)
    if listing is None:
        progress.summary.startup_s = time.perf_counter() - started
        return
    done_ref = ray.put(done)  # shared by every actor through the object store
    # The listing's read tasks take no CPU: the actors hold every CPU, and a read task waiting for one would
    # wait forever (seen: a 2-CPU instance with 2 actors hung).
    dataset = ray.data.read_text(str(listing), num_cpus=0).map_batches(
        _RayReader,
        batch_size=batch_size,
        batch_format="numpy",
        compute=ray.data.ActorPoolStrategy(size=actors),
        num_cpus=1,
        fn_constructor_kwargs={
            "out": str(out),
            "fmt": fmt,
            "done": [done_ref],
            "settings": settings,
            "cwd": os.getcwd(),
            "run": listing.name,
            "run_number": run,
            "decoding": images.decoding_settings(),  # the driver's --max-pixels and --pdf-dpi, in every actor too
        },
    )
    try:
        _consume(dataset, progress, started)
    finally:
        import shutil

        shutil.rmtree(listing, ignore_errors=True)
        try:
            listing.parent.rmdir()  # _listing, unless another run is listing there
        except OSError:
            pass


def _not_the_bars_off_notice(record) -> bool:
    """A logging filter: False for Ray Data's notice that its progress bars are disabled (the bars this module
    turns off on purpose), True for any other record."""
    return not record.getMessage().startswith("Progress bars disabled.")


def _consume(dataset, progress: _Progress, started: float) -> None:
    first = True
    for batch in dataset.iter_batches(batch_size=None, batch_format="numpy"):
        if first:
            progress.summary.startup_s = time.perf_counter() - started  # ray.init, listing, first actor and batch
            first = False
        for read, failed, skipped, errors in zip(batch["read"], batch["failed"], batch["skipped"], batch["errors"]):
            progress.add(int(read), int(failed), int(skipped), [e for e in str(errors).split("\n") if e])


def _write_listing(inputs, manifest, recursive, out: Path, run: int, progress: _Progress) -> Path | None:
    """Stream the inputs into ``out/_listing/<run>/NNNNN.txt`` (LISTING_LINES a file), each as a JSON line
    (ASCII) ``[its number in the listing, path]``; a path that cannot be listed (a pattern matching nothing)
    is recorded here as an error (one every run, as any failed input is read again). None when nothing is left
    to read."""
    from .sources import SourceError

    folder = out / "_listing" / uuid.uuid4().hex[:12]
    folder.mkdir(parents=True)
    count, handle, errors = 0, None, []
    try:
        for item in _expand(inputs, manifest, recursive):
            if isinstance(item, SourceError):
                errors.append({"path": item.path, "error": item.error, "size": None, "mtime": None})
                continue
            if count % LISTING_LINES == 0:
                if handle is not None:
                    handle.close()
                handle = open(
                    folder / f"{count // LISTING_LINES:05d}.txt", "w", encoding="utf-8", errors="surrogateescape"
                )
            assert handle is not None
            # ASCII, one line: a name not UTF-8 (\udcxx) or with a line break (\n) in it goes through read_text
            handle.write(json.dumps([count, item]) + "\n")
            count += 1
    finally:
        if handle is not None:
            handle.close()
    if errors:
        write_shard(errors, out, progress.summary.format, f"{folder.name}:listing", run)
        progress.add(0, len(errors), 0, [str(e["path"]) for e in errors])
    return folder if count else None


class _RayReader:
    """The callable class of ``map_batches``: one DigitReader per actor; each call reads one batch of paths
    (one network pass), writes its shard, and returns the batch's counts. ``cwd``: the driver's working folder,
    against which a relative path is opened (an actor runs in the cluster's folder); the record keeps the path
    as it was given, as the local engine and ``classify`` write it. ``run``: the listing's name, which with the
    batch's first line number names its shard (``write_shard``); ``run_number``: the run's number in ``out``."""

    def __init__(
        self,
        out: str,
        fmt: str,
        done: list,
        settings: dict,
        cwd: str,
        run: str,
        run_number: int,
        decoding: Decoding,
    ):
        import cv2
        import ray

        decoding.apply()
        os.environ.setdefault("OPENCV_LOG_LEVEL", "SILENT")
        cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)
        cv2.setNumThreads(1)  # one core per actor: the actors are the parallelism
        self.out, self.fmt, self.cwd, self.run, self.run_number = Path(out), fmt, cwd, run, run_number
        self.done = ray.get(done[0])
        self.reader = open_reader(settings)

    def __call__(self, batch: dict) -> dict:
        import numpy as np

        images, paths, stats, skipped, first = [], [], [], 0, None
        for line in batch["text"]:
            number, path = json.loads(str(line))  # (_write_listing)
            first = number if first is None else first
            local = path if "://" in path else os.path.join(self.cwd, path)  # (an absolute path stays itself)
            size, mtime = stat_key(local)
            if self.done.size and _contains(self.done, input_key(local, size, mtime), np):  # (local: this actor's
                # folder may not be the driver's)
                skipped += 1
                continue
            image = _uri_input(path) if "://" in path else local
            images.append(image)
            paths.append(path)
            stats.append((size, mtime))
        records = (
            [record(r, size, mtime) for r, (size, mtime) in zip(self.reader.read_batch(images, paths=paths), stats)]
            if images
            else []
        )
        write_shard(records, self.out, self.fmt, f"{self.run}:{first}", self.run_number)
        failed = [r["path"] for r in records if "error" in r]
        return {
            "read": np.array([len(records) - len(failed)]),
            "failed": np.array([len(failed)]),
            "skipped": np.array([skipped]),
            "errors": np.array(["\n".join(failed[:LISTED_ERRORS])]),
        }
