"""Issue 11, "What a new user hit": each fault and each missing piece, on real files, real videos written
with OpenCV, the real CLI in a subprocess. (The progress bar on a real terminal: test_progress_tty.py.)"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import signal
import struct
import subprocess
import sys
import time
import zlib
from pathlib import Path

import cv2
import numpy as np
import pytest

from helpers import as_unprivileged, paper_digit, x_screenshot

from edgedigits.runtime import DigitReader, ImageError, synth
from edgedigits.runtime.images import decode, exif_orientation

EDGEDIGITS = [sys.executable, "-m", "edgedigits.runtime.cli"]
CASES = Path(__file__).resolve().parents[2] / "shared" / "cases"


def run(*args, timeout=180, **kwargs):
    return subprocess.run([*EDGEDIGITS, *map(str, args)], capture_output=True, text=True, timeout=timeout, **kwargs)


@pytest.fixture(scope="module")
def reader():
    return DigitReader()


@pytest.fixture(scope="module")
def scene(mnist_test):
    """A 4-digit scene on paper (BGR) and its text, rendered from MNIST test digits."""
    rng = np.random.default_rng(2026)
    digits, labels = synth.pick_digits(mnist_test, 4, rng)
    image, text = synth.paper_scene(digits, rng, labels=labels, height=70)
    return cv2.cvtColor(image, cv2.COLOR_GRAY2BGR) if image.ndim == 2 else image, text


# --------------------------------------------------------------------------- 1. EXIF orientation


def exif_block(orientation: int) -> bytes:
    """A big-endian TIFF block with one IFD entry: Orientation (274), SHORT, the given value."""
    return b"MM\x00*" + struct.pack(">IH", 8, 1) + struct.pack(">HHIHH", 274, 3, 1, orientation, 0) + b"\x00" * 4


def jpeg_with_orientation(image: np.ndarray, orientation: int) -> bytes:
    """A JPEG as a phone writes it: the pixels as the sensor stored them, an APP1 Exif segment with the tag."""
    jpeg = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 95])[1].tobytes()
    app1 = b"Exif\x00\x00" + exif_block(orientation)
    return jpeg[:2] + b"\xff\xe1" + struct.pack(">H", len(app1) + 2) + app1 + jpeg[2:]


def png_with_orientation(image: np.ndarray, orientation: int) -> bytes:
    """A PNG with an eXIf chunk (after IHDR, before the image data), as PNG 1.5 places it."""
    png = cv2.imencode(".png", image)[1].tobytes()
    block = exif_block(orientation)
    chunk = struct.pack(">I", len(block)) + b"eXIf" + block + struct.pack(">I", zlib.crc32(b"eXIf" + block))
    return png[:33] + chunk + png[33:]


def webp_with_orientation(image: np.ndarray, orientation: int) -> bytes:
    """An extended WebP (VP8X header with the EXIF flag, the lossless image, an EXIF chunk), as cameras and
    image tools write one."""
    simple = cv2.imencode(".webp", image, [cv2.IMWRITE_WEBP_QUALITY, 101])[1].tobytes()  # 101: lossless
    h, w = image.shape[:2]
    vp8x = (
        b"VP8X"
        + struct.pack("<I", 10)
        + bytes([0x08, 0, 0, 0])
        + (w - 1).to_bytes(3, "little")
        + (h - 1).to_bytes(3, "little")
    )
    block = exif_block(orientation)
    exif = b"EXIF" + struct.pack("<I", len(block)) + block + b"\x00" * (len(block) & 1)
    body = b"WEBP" + vp8x + simple[12:] + exif
    return b"RIFF" + struct.pack("<I", len(body)) + body


# What a camera stores for each orientation, given the upright picture: the inverse of the display transform.
STORED = {
    1: lambda a: a,
    2: lambda a: cv2.flip(a, 1),
    3: lambda a: cv2.rotate(a, cv2.ROTATE_180),
    4: lambda a: cv2.flip(a, 0),
    5: lambda a: cv2.transpose(a),
    6: lambda a: cv2.rotate(a, cv2.ROTATE_90_COUNTERCLOCKWISE),
    7: lambda a: cv2.flip(cv2.transpose(a), -1),
    8: lambda a: cv2.rotate(a, cv2.ROTATE_90_CLOCKWISE),
}


@pytest.mark.parametrize("orientation", range(1, 9))
def test_jpeg_orientation_is_applied_and_boxes_are_in_displayed_pixels(reader, scene, orientation):
    upright, text = scene
    data = jpeg_with_orientation(STORED[orientation](upright), orientation)
    assert exif_orientation(data) == orientation
    shown = decode(data)
    assert shown.shape == upright.shape  # the displayed size, whatever way the pixels were stored
    # The same pixels as OpenCV's own orientation-aware decoding (IMREAD_COLOR), the reference for JPEG.
    assert np.array_equal(shown, cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR))
    reading = reader.read(data)
    assert reading.text == text
    from_array = reader.read(shown)  # boxes: in the displayed image's pixels
    assert [d.box for d in reading.digits] == [d.box for d in from_array.digits]
    h, w = upright.shape[:2]
    assert all(x + bw <= w and y + bh <= h for x, y, bw, bh in (d.box for d in reading.digits))
    # The pixel limit's message gives the size as displayed, as every box does (a records office's trial: a sideways
    # JPEG's was the stored size)
    with pytest.raises(ImageError, match=rf"image is {w}x{h} pixels"):
        decode(data, max_pixels=w * h - 1)


def test_png_orientation_keeps_alpha(reader, mnist_test):
    """A transparent PNG drawing with an eXIf Orientation of 6: stays BGRA, turned upright."""
    ink = synth.render_digit(mnist_test.images[0], 90)
    bgra = np.zeros((*ink.shape, 4), np.uint8)
    bgra[:, :, 3] = (ink * 255).astype(np.uint8)  # black ink, the paper transparent
    bgra = cv2.copyMakeBorder(bgra, 20, 20, 60, 60, cv2.BORDER_CONSTANT, value=0)
    data = png_with_orientation(STORED[6](bgra), 6)
    shown = decode(data)
    assert shown.shape == bgra.shape and np.array_equal(shown, bgra)
    assert reader.read(data).text == str(mnist_test.labels[0])


def test_webp_orientation_is_applied(reader, scene):
    upright, text = scene
    data = webp_with_orientation(STORED[6](upright), 6)
    assert exif_orientation(data) == 6
    assert np.array_equal(decode(data), upright)  # lossless: exactly the upright pixels
    assert reader.read(data).text == text


def test_a_damaged_exif_block_reads_as_upright(scene):
    upright, _ = scene
    data = jpeg_with_orientation(upright, 6)
    damaged = data.replace(b"Exif\x00\x00MM\x00*", b"Exif\x00\x00MM\x00*\xff\xff")  # IFD offset out of range
    assert exif_orientation(damaged) == 1 and decode(damaged).shape == upright.shape


@pytest.mark.skipif(not (CASES / "exif-rotated-2026.jpg").is_file(), reason="needs ../shared/cases")
def test_the_reported_phone_jpeg_reads_2026():
    result = run("classify", CASES / "exif-rotated-2026.jpg", "--format", "jsonl")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["text"] == "2026"


# --------------------------------------------------------------------------- 3. the cold-start benchmark

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


def test_benchmarks_make_their_seed_model_or_name_the_option(tmp_path):
    """cold_start.py, model_latency.py and folder_throughput.py need the seed network as Keras (one helper,
    _common.seed_keras): a missing --seed-keras file is one sentence naming the option; without one it trains
    the seed preset briefly into its cache folder (TensorFlow is here)."""
    code = "import sys; sys.path.insert(0, {bench!r}); import _common\nprint(_common.seed_keras({given!r}))\n"
    env = {**os.environ, "EDGEDIGITS_BENCH_DIR": str(tmp_path), "EDGEDIGITS_SEED_KERAS": str(tmp_path / "none.keras")}
    missing = subprocess.run(
        [sys.executable, "-c", code.format(bench=str(BENCHMARKS), given=str(tmp_path / "x.keras"))],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert missing.returncode == 1 and "Traceback" not in missing.stderr
    assert missing.stderr.strip().startswith("--seed-keras") and len(missing.stderr.strip().splitlines()) == 1
    made = subprocess.run(
        [sys.executable, "-c", code.format(bench=str(BENCHMARKS), given=None)],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert made.returncode == 0, made.stderr[-2000:]
    path = Path(made.stdout.strip())
    assert path == tmp_path / "seed-1epoch" / "model.keras" and path.is_file()
    assert json.loads((path.parent / "metrics.json").read_text())["params"] == 109_386  # the original network


# --------------------------------------------------------------------------- 6/7/10. folders and formats


def test_gif_files_are_read_in_folders(tmp_path, mnist_test):
    ok, gif = cv2.imencode(".gif", cv2.cvtColor(paper_digit(mnist_test.images[0]), cv2.COLOR_GRAY2BGR))
    assert ok
    (tmp_path / "digit.gif").write_bytes(gif.tobytes())
    result = run("classify", tmp_path, "--format", "jsonl")
    assert result.returncode == 0, result.stderr
    [record] = map(json.loads, result.stdout.splitlines())
    assert record["path"].endswith("digit.gif") and record["text"] == str(mnist_test.labels[0])


def test_a_folder_with_images_only_in_subfolders_suggests_r(tmp_path, mnist_test):
    (tmp_path / "scans" / "2024").mkdir(parents=True)
    cv2.imwrite(str(tmp_path / "scans" / "2024" / "a.png"), paper_digit(mnist_test.images[0]))
    (tmp_path / "scans" / "notes.txt").write_text("not an image\n")
    flat = run("classify", tmp_path / "scans")
    assert flat.returncode == 1 and "Traceback" not in flat.stderr
    assert "no image files in this folder" in flat.stdout and "-r" in flat.stdout
    empty = run("classify", tmp_path / "scans" / "2024" / "..", "--recursive")  # (reads a.png: not empty)
    assert empty.returncode == 0
    (tmp_path / "nothing").mkdir()
    none = run("classify", tmp_path / "nothing")  # every suffix a folder's listing reads is named, PDFs too
    assert none.returncode == 1 and ".png" in none.stdout and ".jp2" in none.stdout and ".pdf" in none.stdout
    deep = run("classify", tmp_path / "scans", "-r", "--format", "jsonl")
    assert deep.returncode == 0 and json.loads(deep.stdout)["text"] == str(mnist_test.labels[0])


def test_a_folder_without_any_image_fails(tmp_path):
    (tmp_path / "notes.txt").write_text("not an image\n")
    for args in ([], ["-r"]):
        result = run("classify", tmp_path, *args, "--format", "jsonl")
        assert result.returncode == 1
        [record] = map(json.loads, result.stdout.splitlines())
        assert "no image files" in record["error"] and "-r (--recursive)" not in record["error"]


def test_max_pixels_lifts_and_lowers_the_limit(tmp_path, mnist_test):
    big = np.zeros((8000, 9000), np.uint8)  # 72 MP, above the default 64 MP
    data = cv2.imencode(".png", big)[1].tobytes()
    with pytest.raises(ImageError, match=r"9000x8000 pixels \(72 MP\), above the 64 MP limit.*--max-pixels 73000000"):
        decode(data)
    assert decode(data, max_pixels=80_000_000).shape == (8000, 9000)
    del big
    # The CLI option reaches the worker processes too: 70 small images (a run long enough for them).
    for i in range(70):
        cv2.imwrite(str(tmp_path / f"{i:02d}.png"), paper_digit(mnist_test.images[i], size=60))  # 90x90
    low = run("classify", tmp_path, "--format", "jsonl", "--workers", "2", "--max-pixels", "5000")
    records = [json.loads(line) for line in low.stdout.splitlines()]
    assert low.returncode == 1 and len(records) == 70
    assert all(
        r["error"].startswith("image is 90x90 pixels (8,100 pixels), above the 5,000 pixels limit") for r in records
    ), records[0]
    high = run("classify", tmp_path, "--format", "jsonl", "--workers", "2", "--max-pixels", "9000")
    assert high.returncode == 0, high.stderr
    assert [json.loads(line)["text"] for line in high.stdout.splitlines()] == [
        str(label) for label in mnist_test.labels[:70]
    ]


# --------------------------------------------------------------------------- 8/9. model permissions, option values


def test_a_model_without_read_permission_says_permission_denied(tmp_path, mnist_test):
    from edgedigits.runtime.model import resolve_model

    locked = tmp_path / "locked.onnx"
    shutil.copy(resolve_model(), locked)
    locked.chmod(0)
    cv2.imwrite(str(tmp_path / "a.png"), paper_digit(mnist_test.images[0]))
    result = subprocess.run(
        [*as_unprivileged(), *EDGEDIGITS, "classify", str(tmp_path / "a.png"), "--model", str(locked)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert "permission denied" in result.stderr and "damaged" not in result.stderr
    assert str(locked) in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "option",
    [
        ["--min-confidence", "1.5"],
        ["--min-confidence", "-1"],
        ["--workers", "0"],
        ["--workers", "-3"],
        ["--max-pixels", "0"],
    ],
)
def test_bad_option_values_are_usage_errors(tmp_path, option):
    result = run("classify", tmp_path, *option)
    assert result.returncode == 2 and result.stdout == ""
    assert option[0] in result.stderr


def test_webcam_bad_option_values_are_usage_errors():
    for option in (["--min-confidence", "2"], ["--max-frames", "0"]):
        result = run("webcam", "--source", "7", "--headless", *option)
        assert result.returncode == 2 and option[0] in result.stderr


# --------------------------------------------------------------------------- --help


def help_commands() -> dict[tuple[str, ...], list[str]]:
    """Each command line that prints a help page (() for the root) -> every option name declared on its command
    (long, short and --no- names), read from the app itself, so an option added later is covered too."""
    import typer

    from edgedigits.runtime.cli import app

    root = typer.main.get_command(app)
    commands = {(): root, **{(name,): command for name, command in root.commands.items()}}
    return {
        args: [
            name
            for param in command.params
            if param.param_type_name == "option"
            for name in (*param.opts, *param.secondary_opts)
        ]
        + ["--help"]
        for args, command in commands.items()
    }


def test_help_at_80_columns_shows_every_option_name_whole():
    """`COLUMNS=80 edgedigits classify --help` (and every other command's): each option name appears whole and
    no line is wider than the terminal. Typer's rich panel narrowed every column alike to fit, and cut
    '--orientation-model' to '--orientation-mo…' (classify, batch, webcam)."""
    import re

    env = {**os.environ, "COLUMNS": "80"}
    for args, names in help_commands().items():
        result = run(*args, "--help", env=env)
        assert result.returncode == 0, result.stderr
        page = result.stdout
        assert max(len(line) for line in page.splitlines()) <= 80, page
        cut = [name for name in names if not re.search(rf"(?<![\w-]){re.escape(name)}(?![\w…-])", page)]
        assert not cut, f"edgedigits {' '.join(args)} --help at 80 columns: {cut} not whole in\n{page}"


def test_h_shows_the_help_as_help_does():
    """`edgedigits -h` and every command's `-h` print the same page as --help (a new user's trial: 'No such
    option: -h', exit 2)."""
    for args in help_commands():
        short, long = run(*args, "-h"), run(*args, "--help")
        assert short.returncode == 0 and short.stdout == long.stdout and "Usage:" in short.stdout, short.stderr


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full (a device whose writes fail: disk full)")
@pytest.mark.parametrize("args", list(help_commands()), ids=lambda args: " ".join(args) or "edgedigits")
def test_help_to_a_full_disk_or_a_closed_pipe_is_handled_as_every_other_output(args):
    """`edgedigits --help > /dev/full` (and every command's --help): exit 2 with one line, as `models >
    /dev/full`; `edgedigits classify --help | head -1` with the reader gone: exit 0 without a word, as `models`.
    Typer printed the page itself: an OSError traceback (exit 1) on the full disk, exit 1 on the closed pipe."""
    check_full_disk_and_closed_pipe([*args, "--help"])


def check_full_disk_and_closed_pipe(args: list[str]) -> None:
    """``edgedigits ARGS`` with its output on /dev/full exits 2 with one line saying so; with its reader gone
    before anything was written (a closed pipe), it exits 0 without a word."""
    with open("/dev/full", "w") as full:
        result = subprocess.run([*EDGEDIGITS, *args], stdout=full, stderr=subprocess.PIPE, text=True, timeout=120)
    assert result.returncode == 2, result.stderr
    assert result.stderr == (
        "edgedigits: standard output: cannot write (No space left on device); free some space or redirect it "
        "elsewhere\n"
    )
    read, write = os.pipe()
    os.close(read)  # the reader left before anything was written
    try:
        closed = subprocess.run([*EDGEDIGITS, *args], stdout=write, stderr=subprocess.PIPE, text=True, timeout=120)
    finally:
        os.close(write)
    assert (closed.returncode, closed.stderr) == (0, "")


# --------------------------------------------------------------------------- --version, stdin, lists, -o, CSV


def test_version():
    from importlib.metadata import version

    result = run("--version")
    assert result.returncode == 0
    assert result.stdout.startswith(f"edgedigits {version('edgedigits')} (onnxruntime {version('onnxruntime')}")


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full (a device whose writes fail: disk full)")
@pytest.mark.parametrize("args", [["--version"], ["models"], ["models", "-f", "json"], ["evaluate"]])
def test_output_to_a_full_disk_or_a_closed_pipe_is_handled_as_classify_s(args):
    """`edgedigits models > /dev/full` (and --version, evaluate): exit 2 with one line, as classify's results;
    `edgedigits models | head -1` with the reader gone: exit 0 without a word, as classify. They were an
    OSError traceback (exit 1), and exit 1 for the closed pipe."""
    check_full_disk_and_closed_pipe(args)


def test_one_image_from_stdin(mnist_test):
    data = cv2.imencode(".png", paper_digit(mnist_test.images[3]))[1].tobytes()
    result = subprocess.run(
        [*EDGEDIGITS, "classify", "-", "--format", "jsonl"], input=data, capture_output=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    assert record["path"] == "-" and record["text"] == str(mnist_test.labels[3])
    empty = subprocess.run([*EDGEDIGITS, "classify", "-"], input=b"", capture_output=True, timeout=120)
    assert empty.returncode == 2 and b"nothing came on standard input" in empty.stderr
    mixed = run("classify", "-", "a.png")
    assert mixed.returncode == 2 and "--from-file" in mixed.stderr


def test_an_empty_stdin_leaves_the_output_file_and_makes_no_copies_folder(tmp_path):
    """`printf '' | edgedigits classify - -o out.csv --save-dir copies` stops (exit 2) before touching either:
    out.csv was opened for writing (emptied) and the folder made before stdin was found empty."""
    out = tmp_path / "out.csv"
    out.write_text("precious\n")
    command = [*EDGEDIGITS, "classify", "-", "-o", out, "--save-dir", tmp_path / "copies"]
    empty = subprocess.run(command, input=b"", capture_output=True, timeout=120)
    assert empty.returncode == 2 and b"nothing came on standard input" in empty.stderr
    assert out.read_text() == "precious\n" and not (tmp_path / "copies").exists()


def test_an_endless_stdin_is_refused_at_the_file_size_limit():
    """`edgedigits classify - < /dev/zero`: stdin was read whole, with no limit (a bad-input fuzz saw it reach
    23 GB before the kernel killed it). It is bounded as a file is: exit 2 with one line, after 256 MiB."""
    with open("/dev/zero", "rb") as endless:
        result = subprocess.run([*EDGEDIGITS, "classify", "-"], stdin=endless, capture_output=True, timeout=120)
    assert result.returncode == 2 and b"more than 256 MiB" in result.stderr, result.stderr


def test_a_big_file_redirected_to_stdin_is_refused_before_it_is_read(tmp_path):
    """`classify - < big.tif`: a file's size is known from stdin at once; it was read, 256 MiB of it, first."""
    big = tmp_path / "big.tif"
    with open(big, "wb") as out:
        out.truncate(300 * 2**20)  # (sparse: no 300 MiB written)
    with open(big, "rb") as redirected:
        result = subprocess.run([*EDGEDIGITS, "classify", "-"], stdin=redirected, capture_output=True, timeout=120)
        assert result.returncode == 2 and b"more than 256 MiB" in result.stderr, result.stderr
        assert os.lseek(redirected.fileno(), 0, os.SEEK_CUR) == 0  # not a byte read (the offset is shared)


def test_from_file_and_from_stdin_lists(tmp_path, mnist_test):
    names = []
    for i in range(5):
        path = tmp_path / f"img {i}.png"  # a space in the name: one path per line, taken whole
        cv2.imwrite(str(path), paper_digit(mnist_test.images[i]))
        names.append(str(path))
    listing = "\n".join([names[3], names[0], "", str(tmp_path / "missing.png"), names[4]]) + "\n"
    (tmp_path / "list.txt").write_text(listing)
    from_file = run("classify", "--from-file", tmp_path / "list.txt", "--format", "jsonl")
    from_stdin = run("classify", "--from-file", "-", "--format", "jsonl", input=listing)
    for result in (from_file, from_stdin):
        assert result.returncode == 1, result.stderr
        records = [json.loads(line) for line in result.stdout.splitlines()]
        assert [os.path.basename(r["path"]) for r in records] == ["img 3.png", "img 0.png", "missing.png", "img 4.png"]
        assert [r.get("text") for r in records] == [
            str(mnist_test.labels[3]),
            str(mnist_test.labels[0]),
            None,
            str(mnist_test.labels[4]),
        ]
    unreadable = run("classify", "--from-file", tmp_path / "nope.txt")
    assert unreadable.returncode == 2 and "nope.txt" in unreadable.stderr
    # A list saved by Notepad or Excel as "UTF-8" starts with a byte-order mark: not part of the first path
    (tmp_path / "bom.txt").write_text("\ufeff" + names[1] + "\n", encoding="utf-8")
    for result in (
        run("classify", "--from-file", tmp_path / "bom.txt", "--format", "jsonl"),
        run("classify", "--from-file", "-", "--format", "jsonl", input="\ufeff" + names[1] + "\n"),
    ):
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout)["text"] == str(mnist_test.labels[1])


def test_a_path_with_a_nul_byte_is_an_error_record_that_says_why(tmp_path, mnist_test):
    """`find -print0 | classify --from-file -`, a list saved as UTF-16, a list with a NUL in one line: os.lstat's
    ValueError ("embedded null byte") stopped the whole run with a traceback, and the paths listed before it got
    no record. Now each such path is an error record naming the cause; the others are read."""
    good = tmp_path / "good.png"
    cv2.imwrite(str(good), paper_digit(mnist_test.images[0]))
    want = str(mnist_test.labels[0])
    listing = f"{good}\nbad\0name.png\n{good}\n"
    pattern = f"{good}\n{tmp_path}\0/*.png\n{good}\n"  # a pattern too (a UTF-16 list of 'scans/*.jpg')
    for result in (
        run("classify", "--from-file", "-", "--format", "jsonl", input=listing),
        run("classify", "--from-file", "-", "--format", "jsonl", input=pattern),
        run("classify", "--from-file", "-", "--format", "jsonl", input=f"{good}\0{good}\0"),  # find -print0
    ):
        assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
        records = [json.loads(line) for line in result.stdout.splitlines()]
        assert [r.get("text") for r in records if "error" not in r] == [want] * (len(records) - 1)
        assert sum("NUL byte" in r.get("error", "") and "find ... -print" in r["error"] for r in records) == 1
    reader = DigitReader()
    for call in (reader.read_paths, reader.read_batch, reader.read_many):
        readings = list(call([str(good), "a\0b.png"]))
        assert readings[0].text == want and "NUL byte" in (readings[1].error or ""), call
    with pytest.raises(ImageError, match="NUL byte"):
        reader.read("a\0b.png")
    # Other paths the system refuses say what they are: half an emoji (a lone surrogate), a file as a folder
    odd = reader.read_batch(["a\ud800b.png", str(good / "x.png")])
    assert "not a file name" in (odd[0].error or "") and "NUL" not in odd[0].error
    assert "stands where a folder should" in (odd[1].error or "")


def test_output_file(tmp_path, mnist_test):
    cv2.imwrite(str(tmp_path / "a.png"), paper_digit(mnist_test.images[0]))
    result = run("classify", tmp_path / "a.png", "--format", "jsonl", "-o", tmp_path / "out.jsonl")
    assert result.returncode == 0 and result.stdout == ""
    assert json.loads((tmp_path / "out.jsonl").read_text())["text"] == str(mnist_test.labels[0])
    bad = run("classify", tmp_path / "a.png", "-o", tmp_path / "no" / "such" / "dir" / "out.txt")
    assert bad.returncode == 2 and "cannot write the results" in bad.stderr


def test_output_dash_is_standard_output(tmp_path, mnist_test):
    """`classify ... -o -` writes the results on stdout, as '-' means stdin for the inputs and --from-file. It
    wrote a file named '-' in the current folder."""
    cv2.imwrite(str(tmp_path / "a.png"), paper_digit(mnist_test.images[0]))
    result = run("classify", tmp_path / "a.png", "--format", "jsonl", "-o", "-", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["text"] == str(mnist_test.labels[0])
    assert sorted(os.listdir(tmp_path)) == ["a.png"]


def test_csv_has_documented_columns_and_the_jsonl_digits(tmp_path, scene):
    image, text = scene
    cv2.imwrite(str(tmp_path / "a_scene.png"), image)
    two_lines = np.vstack([image, image])
    cv2.imwrite(str(tmp_path / "b_two_lines.png"), two_lines)
    (tmp_path / "c_broken.png").write_bytes(b"\x89PNG\r\n\x1a\n broken")
    as_csv = run("classify", tmp_path, "--format", "csv")
    as_jsonl = run("classify", tmp_path, "--format", "jsonl")
    assert as_csv.returncode == as_jsonl.returncode == 1
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert list(rows[0]) == [
        "path",
        "text",
        "digit_count",
        "lowest_confidence",
        "digits",
        "error",
        "pages",
        "page_texts",
    ]
    records = [json.loads(line) for line in as_jsonl.stdout.splitlines()]
    for row, record in zip(rows, records, strict=True):
        assert row["path"] == record["path"]
        if "error" in record:
            assert row["error"] == record["error"] and row["text"] == row["digits"] == "" and row["digit_count"] == "0"
            continue
        assert row["error"] == "" and row["text"] == record["text"]
        assert json.loads(row["digits"]) == record["digits"]
        assert int(row["digit_count"]) == len(record["digits"])
        assert float(row["lowest_confidence"]) == pytest.approx(min(d["confidence"] for d in record["digits"]))
    assert rows[0]["text"] == text and rows[1]["text"] == f"{text}\n{text}"  # a newline inside the quoted cell


# --------------------------------------------------------------------------- --save-dir


def test_save_dir_writes_annotated_copies(tmp_path, scene, mnist_test):
    image, text = scene
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    cv2.imwrite(str(tmp_path / "a" / "1.png"), image)
    cv2.imwrite(str(tmp_path / "b" / "1.png"), paper_digit(mnist_test.images[0]))
    (tmp_path / "a" / "phone.jpg").write_bytes(jpeg_with_orientation(STORED[6](image), 6))
    out = tmp_path / "annotated"
    result = run("classify", tmp_path / "a", tmp_path / "b", "--format", "jsonl", "--save-dir", out)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in out.iterdir()) == ["1-2.png", "1.png", "phone.jpg"]
    assert "3 annotated copies" in result.stderr
    records = {r["path"]: r for r in map(json.loads, result.stdout.splitlines())}
    drawn = cv2.imread(str(out / "1.png"))
    assert drawn.shape == image.shape and not np.array_equal(drawn, image)
    # Each digit's box is drawn in its confidence colour (green when sure) on the box's outline.
    for digit in records[str(tmp_path / "a" / "1.png")]["digits"]:
        x, y, w, h = digit["box"]
        edge = drawn[y, x : x + w].astype(int)
        assert (np.abs(edge - [0, 200, 0]).sum(axis=1) < 60).mean() > 0.8 or digit["confidence"] < 0.8
    phone = cv2.imread(str(out / "phone.jpg"))
    assert phone.shape == image.shape  # upright, as displayed
    # Never among the inputs: a --save-dir that is an input's folder (a folder given, or holding a file given, or
    # one a pattern reads; with -r, any folder inside one given) is refused before anything is read or written. A
    # new user's copies joined the forms they were made from, and the next run read the digits drawn on them.
    b = tmp_path / "b"
    refused = [
        [b, "--save-dir", b],
        [b / "1.png", "--save-dir", b],
        [str(b / "*.png"), "--save-dir", b],
        [tmp_path, "-r", "--save-dir", b / "copies"],
        [b, "--save-dir", b / "copies"],  # without -r too: the run's own note says to add -r (a records office's trial)
    ]
    for args in refused:
        again = run("classify", *args)
        assert again.returncode == 2 and "would join the images of the input" in again.stderr, (args, again.stderr)
        assert "Traceback" not in again.stderr and again.stdout == ""
    assert sorted(p.name for p in b.iterdir()) == ["1.png"]  # nothing written: no copy, no folder
    assert np.array_equal(cv2.imread(str(b / "1.png"), cv2.IMREAD_GRAYSCALE), paper_digit(mnist_test.images[0]))
    # A folder of their own beside the inputs is fine.
    copies = tmp_path / "copies"
    assert run("classify", b, "--save-dir", copies).returncode == 0
    assert sorted(p.name for p in copies.iterdir()) == ["1.png"]


# --------------------------------------------------------------------------- read() raises, streams keep records


def test_a_link_to_a_file_that_is_gone_says_so(reader, tmp_path):
    """A dangling symbolic link said 'no such file; check the path', as a typo does (a records office's trial):
    the link is there to see. It names its target and says to mend or remove the link."""
    link = tmp_path / "scan.png"
    link.symlink_to(tmp_path / "moved" / "scan.png")
    with pytest.raises(ImageError, match=r"scan\.png: a symbolic link to '.*moved/scan\.png', which does not exist"):
        reader.read(link)
    [result] = reader.read_paths([str(link)])
    assert not result.ok and "mend or remove the link" in result.error


def test_read_raises_for_an_unreadable_input_and_streams_keep_records(reader, tmp_path, mnist_test):
    with pytest.raises(ImageError, match=r"typo\.png: no such file; check the path"):
        reader.read(tmp_path / "typo.png")
    with pytest.raises(ImageError, match=r"image bytes: not an image OpenCV can decode"):
        reader.read(b"not an image at all")
    good = tmp_path / "good.png"
    cv2.imwrite(str(good), paper_digit(mnist_test.images[0]))
    readings = list(reader.read_many([str(tmp_path / "typo.png"), str(good)], workers=1))
    assert [r.ok for r in readings] == [False, True] and "no such file" in readings[0].error
    assert reader.read_batch([b"junk"])[0].error


# --------------------------------------------------------------------------- Ctrl-C, unguarded scripts, train


@pytest.mark.parametrize("delay", [0.05, 0.4])
def test_after_ctrl_c_the_summary_counts_every_record_written(tmp_path_factory, mnist_test, delay):
    folder = tmp_path_factory.mktemp("ctrl_c")
    for i in range(300):
        cv2.imwrite(str(folder / f"{i:04d}.png"), paper_digit(mnist_test.images[i], size=200))
    process = subprocess.Popen(
        [*EDGEDIGITS, "classify", str(folder), "--format", "jsonl", "--workers", "2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    first = process.stdout.readline()
    time.sleep(delay)
    process.send_signal(signal.SIGINT)
    rest = process.stdout.read()  # not communicate(): it would skip what readline() already buffered
    err = process.stderr.read()
    process.wait(timeout=60)
    assert process.returncode == 130, err
    written = len([line for line in (first + rest).splitlines() if line.strip()])
    assert f"interrupted after {written} image(s)" in err, (written, err)


def test_an_unguarded_script_warns_once_without_tracebacks(tmp_path, mnist_test):
    for i in range(80):
        cv2.imwrite(str(tmp_path / f"{i:03d}.png"), paper_digit(mnist_test.images[i], size=40))
    script = tmp_path / "unguarded.py"
    script.write_text(
        "from edgedigits.runtime import DigitReader\n"
        f"readings = list(DigitReader().read_paths([{str(tmp_path)!r}], workers=2, processes=True))\n"
        "print(len(readings))\n"
    )
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=240)
    assert done.returncode == 0 and done.stdout.split() == ["80"]
    assert "Traceback" not in done.stderr and len(done.stderr.splitlines()) <= 2, done.stderr
    assert done.stderr.startswith(f"{script}:2: RuntimeWarning") and "__main__" in done.stderr


def test_train_without_the_train_extra_is_one_line(tmp_path):
    from helpers import run_without_tf

    result = run_without_tf("train", "--preset", "seed", "--out", tmp_path / "run")
    assert result.returncode == 2
    message = result.stderr.replace(result.stderr[result.stderr.rfind("LOADED:") :], "").strip()
    assert "Traceback" not in message and len(message.splitlines()) == 1, message
    assert "pip install '.[train]' in the edgedigits clone, or 'edgedigits[train]'" in message


# --------------------------------------------------------------------------- webcam: playback rate, --save


def write_clip(path: Path, mnist_test, fps: float, frames: int, size=(320, 240)) -> str:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, size)
    assert writer.isOpened()
    digit = cv2.cvtColor(paper_digit(mnist_test.images[0], size=120), cv2.COLOR_GRAY2BGR)  # 180x180
    for t in range(frames):
        frame = np.full((size[1], size[0], 3), 235, np.uint8)
        frame[30:210, 20 + 4 * t : 200 + 4 * t] = digit
        writer.write(frame)
    writer.release()
    return str(mnist_test.labels[0])


@pytest.fixture(scope="module")
def clip10(tmp_path_factory, mnist_test):
    path = tmp_path_factory.mktemp("clip") / "ten_fps.avi"
    label = write_clip(path, mnist_test, fps=10, frames=15)
    return path, label


def seconds_of(stderr: str) -> float:
    line = [line for line in stderr.splitlines() if "frame(s) in" in line][-1]
    return float(line.split(" in ")[1].split(" s")[0])


def test_saved_video_keeps_the_source_frame_rate(clip10, tmp_path):
    path, label = clip10
    saved = tmp_path / "annotated.mp4"
    result = run("webcam", "--source", path, "--headless", "--save", saved)
    assert result.returncode == 0, result.stderr
    capture = cv2.VideoCapture(str(saved))
    assert capture.get(cv2.CAP_PROP_FPS) == pytest.approx(10, abs=0.01)
    assert int(capture.get(cv2.CAP_PROP_FRAME_COUNT)) == 15
    capture.release()
    assert "at 10.0 frames/s" in result.stderr


def test_a_camera_is_saved_at_its_measured_rate(tmp_path):
    """A camera declares no usable rate: the saver measures the frames' arrival (here: 12.5 per second)."""
    from edgedigits.runtime.live import VideoSaver

    saver = VideoSaver(tmp_path / "camera.avi", fps=None)
    frame = np.full((120, 160, 3), 200, np.uint8)
    for _ in range(20):
        saver.write(frame)
        time.sleep(0.08)
    saver.close()
    capture = cv2.VideoCapture(str(tmp_path / "camera.avi"))
    assert capture.get(cv2.CAP_PROP_FPS) == pytest.approx(12.5, rel=0.15)
    assert int(capture.get(cv2.CAP_PROP_FRAME_COUNT)) == 20
    capture.release()


def test_a_folder_to_save_to_is_called_a_folder(tmp_path):
    """--save emptydir said "cannot save a video as a name without a suffix" (a webcam user's trial): it says the
    name is a folder, and what to give instead, before the source is opened."""
    (tmp_path / "clips").mkdir()
    result = run("webcam", "--source", "7", "--headless", "--save", "clips", cwd=tmp_path, timeout=60)
    assert result.returncode == 2 and "camera 7" not in result.stderr, result.stderr
    assert "clips: is a folder; give a file name ending in .mp4 or .avi, e.g. clips/annotated.mp4" in result.stderr
    assert list((tmp_path / "clips").iterdir()) == []


def test_headless_plays_fast_unless_asked_for_realtime(clip10):
    path, label = clip10
    fast = run("webcam", "--source", path, "--headless")
    realtime = run("webcam", "--source", path, "--headless", "--realtime")
    assert fast.returncode == realtime.returncode == 0
    assert seconds_of(fast.stderr) < 1.0 and seconds_of(realtime.stderr) >= 1.45  # 15 frames at 10 fps: 1.5 s
    assert [json.loads(line)["text"] for line in realtime.stdout.splitlines()].count(label) >= 13


@pytest.mark.parametrize("save", ["/missing/dir/out.mp4", "out.mkv", "out"])
def test_save_path_is_checked_before_the_source_is_opened(tmp_path, save):
    # Camera 7 does not exist: had the source been opened first, the error would be about the camera.
    result = run("webcam", "--source", "7", "--headless", "--save", save, cwd=tmp_path, timeout=60)
    assert result.returncode == 2, result.stderr
    assert "camera 7" not in result.stderr
    assert ".mp4 or .avi" in result.stderr or "does not exist" in result.stderr
    assert not list(tmp_path.iterdir())


XVFB = shutil.which("Xvfb")


@pytest.fixture(scope="module")
def display():
    """A virtual X display (Xvfb) for the live window."""
    if XVFB is None:
        if os.environ.get("CI"):  # .ci/run installs it: a missing Xvfb there is a broken CI, not a skip
            pytest.fail("Xvfb is not installed; .ci/run should have installed it (apt-get install xvfb)")
        pytest.skip("Xvfb is not installed (apt-get install xvfb)")
    number = 90 + os.getpid() % 100
    server = subprocess.Popen(
        [XVFB, f":{number}", "-screen", "0", "800x600x24", "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    socket = Path(f"/tmp/.X11-unix/X{number}")
    deadline = time.monotonic() + 10
    while not socket.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f":{number}"
    server.terminate()
    server.wait(timeout=10)


def test_the_window_plays_a_file_at_its_own_rate_quietly(clip10, display):
    path, _ = clip10
    env = {**os.environ, "DISPLAY": display}
    env.pop("QT_QPA_FONTDIR", None)
    own = run("webcam", "--source", path, env=env)
    fast = run("webcam", "--source", path, "--fast", env=env)
    assert own.returncode == fast.returncode == 0, own.stderr + fast.stderr
    assert seconds_of(own.stderr) >= 1.45 and seconds_of(fast.stderr) < 1.0
    for result in (own, fast):  # one summary line: no Qt font warnings
        assert len(result.stderr.splitlines()) == 1, result.stderr


def visible_frame(screen: np.ndarray) -> bool:
    """Whether a screenshot shows a frame of ``write_clip`` annotated: light paper, and green (a sure digit's
    box and label, thin once Qt scales the frame to its window; none in a black window or in Qt's grey)."""
    b, g, r = (screen[:, :, i].astype(int) for i in range(3))
    paper = (np.minimum(np.minimum(b, g), r) > 200).sum()
    green = (g - np.maximum(b, r) > 60).sum()
    return paper > 20_000 and green >= 20


def test_the_window_shows_the_annotated_frames(tmp_path, mnist_test, display):
    """A screenshot of the X display while a clip plays shows the paper and the digit's green box. With
    QT_QPA_FONTDIR pointed at /usr/share/fonts (only subfolders, no font files) the window was all black on
    Debian, and the window test above, which looks at exit codes and stderr only, passed."""
    if shutil.which("xwd") is None:
        if os.environ.get("CI"):
            pytest.fail("xwd is not installed; .ci/run should have installed it (apt-get install x11-apps)")
        pytest.skip("xwd is not installed (apt-get install x11-apps)")
    path = tmp_path / "clip.avi"
    # 20 s in the window, killed once seen: a 6 s clip ended before a loaded machine (load 7) opened the window
    write_clip(path, mnist_test, fps=3, frames=60, size=(480, 240))
    env = {**os.environ, "DISPLAY": display}
    env.pop("QT_QPA_FONTDIR", None)
    window = subprocess.Popen([*EDGEDIGITS, "webcam", "--source", str(path)], env=env, stderr=subprocess.PIPE)
    try:
        deadline, shown = time.monotonic() + 30, False
        while not shown and window.poll() is None and time.monotonic() < deadline:
            time.sleep(0.3)
            shown = visible_frame(x_screenshot(display))
    finally:
        window.kill()
        window.wait(timeout=10)
    assert shown, "the window never showed the frame (black, or no window)"


def test_a_still_image_stays_in_the_window_until_q(tmp_path, mnist_test, display):
    """A still image as --source flashed in the window and the window closed at once (exit 0); now it stays
    until q (typed into the window with xdotool) and the run then ends normally."""
    xdotool = shutil.which("xdotool")
    if xdotool is None:
        if os.environ.get("CI"):
            pytest.fail("xdotool is not installed; .ci/run should have installed it (apt-get install xdotool)")
        pytest.skip("xdotool is not installed (apt-get install xdotool)")
    image = tmp_path / "digit.png"
    cv2.imwrite(str(image), paper_digit(mnist_test.images[0]))
    env = {**os.environ, "DISPLAY": display}
    window = subprocess.Popen(
        [*EDGEDIGITS, "webcam", "--source", str(image)], env=env, stderr=subprocess.PIPE, text=True
    )
    try:
        time.sleep(6)  # the model loads, the window opens, and would have closed again
        assert window.poll() is None, window.communicate()[1]
        deadline = time.monotonic() + 15
        while window.poll() is None and time.monotonic() < deadline:
            focus_and_type = [xdotool, "search", "--name", "edgedigits", "windowfocus", "key", "q"]
            subprocess.run(focus_and_type, env=env, capture_output=True, timeout=10)
            time.sleep(0.5)
        assert window.wait(timeout=5) == 0
        assert "1 frame(s)" in window.communicate()[1]
    finally:
        window.kill()


def test_a_big_frame_is_shown_shrunk_to_fit_the_window(tmp_path, mnist_test, display):
    """A 1080p source was shown at full size: a 1280x800 screen showed only its top left, the number cut off (a
    webcam user's trial). The window shows it shrunk to live.WINDOW_FIT, its aspect kept (live.window_view);
    measured with xdotool on the virtual display."""
    from edgedigits.runtime.live import WINDOW_FIT, window_view

    xdotool = shutil.which("xdotool")
    if xdotool is None:
        if os.environ.get("CI"):
            pytest.fail("xdotool is not installed; .ci/run should have installed it (apt-get install xdotool)")
        pytest.skip("xdotool is not installed (apt-get install xdotool)")
    big = np.full((1080, 1920, 3), 235, np.uint8)
    big[390:690, 810:1110] = cv2.cvtColor(paper_digit(mnist_test.images[0], 200), cv2.COLOR_GRAY2BGR)
    assert window_view(big).shape == (540, 960, 3)
    assert window_view(big[:480, :640]).shape == (480, 640, 3)  # (a webcam's frame as it is)
    image = tmp_path / "big.png"
    cv2.imwrite(str(image), big)
    env = {**os.environ, "DISPLAY": display}
    window = subprocess.Popen([*EDGEDIGITS, "webcam", "--source", str(image)], env=env, stderr=subprocess.PIPE)
    try:
        deadline, size = time.monotonic() + 30, None
        while size is None and window.poll() is None and time.monotonic() < deadline:
            time.sleep(0.5)
            found = subprocess.run(
                [xdotool, "search", "--name", "edgedigits", "getwindowgeometry"],
                env=env,
                capture_output=True,
                text=True,
                timeout=10,
            )
            geometry = re.search(r"Geometry: (\d+)x(\d+)", found.stdout)
            size = (int(geometry.group(1)), int(geometry.group(2))) if geometry else None
    finally:
        window.kill()
        window.wait(timeout=10)
    assert size is not None, "no window"
    assert size[0] <= WINDOW_FIT[0] + 40 and size[1] <= WINDOW_FIT[1] + 120, size  # (its bars round the frame)


def test_qt_is_given_a_folder_that_holds_fonts(tmp_path):
    """Qt reads QT_QPA_FONTDIR without its subfolders: the folder chosen holds font files itself."""
    from edgedigits.runtime.live import font_folder

    (tmp_path / "fonts" / "misc").mkdir(parents=True)
    (tmp_path / "fonts" / "misc" / "fonts.dir").write_text("0\n")
    (tmp_path / "fonts" / "truetype" / "dejavu").mkdir(parents=True)
    (tmp_path / "fonts" / "truetype" / "dejavu" / "DejaVuSans.ttf").write_bytes(b"\0\1\0\0")
    assert font_folder((str(tmp_path / "none"), str(tmp_path / "fonts"))) == str(tmp_path / "fonts/truetype/dejavu")
    assert font_folder((str(tmp_path / "fonts" / "misc"),)) is None
    if not any(Path("/usr/share/fonts").rglob("*.ttf")):
        return
    script = (
        "import os, cv2; from edgedigits.runtime.live import quiet_qt_fonts; "
        "os.environ['QT_QPA_FONTDIR'] = '/no/such/cv2/qt/fonts'; quiet_qt_fonts(); print(os.environ['QT_QPA_FONTDIR'])"
    )
    folder = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout.strip()
    assert any(name.endswith((".ttf", ".otf", ".ttc")) for name in os.listdir(folder)), folder


def test_a_folder_of_heic_photos_or_videos_says_what_it_holds(tmp_path):
    """A folder of iPhone photos (HEIC) said only 'no image files in this folder ... check the path', though one
    HEIC file named alone says what it is and what to do (a new user's trial). Each HEIC photo of a folder or a
    pattern now gets its own record saying so: left out of the listing, a records office's folder of a.jpg and
    IMG_0001.HEIC read '1 image(s)', its iPhone photo lost without a word. A folder of videos names what its
    files are, one of them, and the fix; a folder of notes stays plain."""
    heic = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + bytes(200)
    (tmp_path / "phone").mkdir()
    for name in ("IMG_0001.HEIC", "IMG_0002.heic"):
        (tmp_path / "phone" / name).write_bytes(heic)
    for target in (tmp_path / "phone", str(tmp_path / "phone" / "*")):
        result = run("classify", target, "--format", "jsonl")
        assert result.returncode == 1
        records = sorted(map(json.loads, result.stdout.splitlines()), key=lambda r: r["path"])
        assert [os.path.basename(r["path"]) for r in records] == ["IMG_0001.HEIC", "IMG_0002.heic"], records
        assert all("a HEIC/HEIF photo; save or export it as JPEG" in r["error"] for r in records)
        assert all("webcam" not in r["error"] for r in records)
    (tmp_path / "clips" / "day1").mkdir(parents=True)
    (tmp_path / "clips" / "day1" / "a.avi").write_bytes(b"RIFF\x00\x00\x00\x00AVI LIST" + bytes(200))
    deep = run("classify", tmp_path / "clips", "-r", "--format", "jsonl")
    assert "a video file" in json.loads(deep.stdout)["error"] and "webcam --source" in deep.stdout


def test_a_folder_lists_jfif_and_heic_photos_beside_jpegs(tmp_path):
    """A records office's folder of phone photos: a.jpg, b.jfif (a JPEG under the suffix Windows gives saved web
    images) and IMG_0001.HEIC read as '1 image(s)', exit 0: the other two left out without a word. Now all three
    are read: the JFIF as a JPEG, the HEIC as an error record saying what to do."""
    import cv2

    photo = cv2.imread(str(Path(__file__).parents[1] / "samples" / "photo_2026.jpg"))
    cv2.imwrite(str(tmp_path / "a.jpg"), photo)
    (tmp_path / "b.jfif").write_bytes((tmp_path / "a.jpg").read_bytes())
    (tmp_path / "IMG_0001.HEIC").write_bytes(b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + bytes(200))
    result = run("classify", tmp_path, "--format", "jsonl")
    records = {os.path.basename(r["path"]): r for r in map(json.loads, result.stdout.splitlines())}
    assert sorted(records) == ["IMG_0001.HEIC", "a.jpg", "b.jfif"] and result.returncode == 1, result.stdout
    assert records["a.jpg"]["text"] == records["b.jfif"]["text"] == "2026"
    assert "save or export it as JPEG" in records["IMG_0001.HEIC"]["error"]


def test_a_float_tiff_with_a_nan_or_infinite_pixel_reads_as_the_same_array_does(tmp_path, mnist_test):
    """A float32 TIFF (a scientific camera's, an image pipeline's) with one NaN or infinite pixel: as a file it
    read as no digits (its min-max stretch became NaN) with a RuntimeWarning, as an array it read right (NaN and
    infinities count as 0). Both read the digit now, with no warning."""
    import warnings

    from PIL import Image

    reader = DigitReader()
    want = str(mnist_test.labels[5])
    for bad in (np.nan, np.inf):
        values = paper_digit(mnist_test.images[5]).astype(np.float32) / 255
        values[0, 0] = bad
        path = tmp_path / f"{bad}.tif"
        Image.fromarray(values, "F").save(path)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert reader.read(path).text == want, bad
        assert reader.read(values).text == want, bad


def test_a_symlink_loop_and_a_name_too_long_say_what_to_do(tmp_path, mnist_test):
    """Symbolic links round in a loop said only "cannot read the file (Too many levels of symbolic links)", and
    a name longer than the file system takes said "no such file or folder; check the path". Each now names the
    cause and the fix; the good image beside them is read."""
    good = tmp_path / "good.png"
    cv2.imwrite(str(good), paper_digit(mnist_test.images[2]))
    (tmp_path / "a.png").symlink_to(tmp_path / "b.png")
    (tmp_path / "b.png").symlink_to(tmp_path / "a.png")
    long = tmp_path / ("x" * 300 + ".png")
    result = run("classify", tmp_path / "a.png", long, good, "--format", "jsonl")
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    loop, too_long, read = (json.loads(line) for line in result.stdout.splitlines())
    assert "in a loop" in loop["error"] and "fix or remove the links" in loop["error"]
    assert "too long for this file system" in too_long["error"] and "shorten" in too_long["error"]
    assert read["text"] == str(mnist_test.labels[2])
    readings = DigitReader().read_batch([tmp_path / "a.png", long])
    assert "in a loop" in (readings[0].error or "") and "too long" in (readings[1].error or "")
