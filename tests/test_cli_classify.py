"""`edgedigits classify` end to end: real files on disk, the real CLI in a subprocess, the JSON interface."""

from __future__ import annotations

import csv
import io
import json
import os
import struct
import subprocess
import sys
import time
import zlib
from pathlib import Path

import cv2
import numpy as np
import pytest

from helpers import as_unprivileged, paper_digit, scene_pages

EDGEDIGITS = [sys.executable, "-m", "edgedigits.runtime.cli"]


def run(*args, timeout=120, **kwargs):
    return subprocess.run([*EDGEDIGITS, *map(str, args)], capture_output=True, text=True, timeout=timeout, **kwargs)


@pytest.fixture(scope="module")
def mixed_folder(tmp_path_factory, mnist_test):
    """Good images mixed with every kind of bad file a real folder holds."""
    folder = tmp_path_factory.mktemp("mixed")
    expected = {}
    for i in range(6):
        name = folder / f"good_{i}.png"
        cv2.imwrite(str(name), paper_digit(mnist_test.images[i]))
        expected[name.name] = str(mnist_test.labels[i])
    good_png = (folder / "good_0.png").read_bytes()
    (folder / "truncated.png").write_bytes(good_png[: len(good_png) // 3])
    (folder / "empty.png").write_bytes(b"")
    (folder / "text_not_image.jpg").write_text("this is not an image\n")
    (folder / "corrupt.png").write_bytes(b"\x89PNG\r\n\x1a\n" + os.urandom(500))
    (folder / "notes.txt").write_text("not an image suffix: skipped, like a README in a scan folder\n")
    return folder, expected


BAD = {"truncated.png", "empty.png", "text_not_image.jpg", "corrupt.png"}


def test_jsonl_folder_with_bad_files_reads_every_good_one(mixed_folder):
    folder, expected = mixed_folder
    result = run("classify", folder, "--format", "jsonl", "--workers", "2")
    assert result.returncode == 1, result.stderr  # some inputs failed
    records = [json.loads(line) for line in result.stdout.splitlines()]
    by_name = {os.path.basename(r["path"]): r for r in records}
    assert set(by_name) == set(expected) | BAD
    for name, label in expected.items():
        record = by_name[name]
        assert {"path", "text", "digits"} <= set(record) <= {"path", "text", "digits", "raw"}  # raw: additive
        assert record["text"] == label, (name, record)
        [digit] = record["digits"]
        assert digit["digit"] == int(label) and 0 < digit["confidence"] <= 1
        x, y, w, h = digit["box"]
        assert 0 <= x and 0 <= y and x + w <= 210 and y + h <= 210 and w > 20 and h > 40
    for name in BAD:
        record = by_name[name]
        assert set(record) == {"path", "error"} and record["error"], record
    assert "empty file" in by_name["empty.png"]["error"]
    assert "4 failed" in result.stderr and "10 image(s)" in result.stderr
    assert "Traceback" not in result.stderr


def test_all_good_exits_zero_and_table_is_readable(mixed_folder):
    folder, expected = mixed_folder
    result = run("classify", *(folder / name for name in expected))
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.splitlines()) == len(expected)
    for line, label in zip(result.stdout.splitlines(), expected.values()):
        assert f"  {label}  [" in line


def test_a_digit_under_min_confidence_one_never_shows_one(mixed_folder):
    """``--min-confidence 1.0``: a digit the model gave 0.9996 is '?' in the text, and the table shows the
    confidence rounded down (0.99), never "? [1.00]"; output.confidence_label."""
    from edgedigits.runtime.output import confidence_label

    assert [confidence_label(c) for c in (0.9996, 1.0, 0.29, 0.5)] == ["0.99", "1.00", "0.29", "0.50"]
    assert confidence_label(0.9996, percent=True) == "99%"
    folder, expected = mixed_folder
    result = run("classify", *(folder / name for name in expected), "--min-confidence", "1.0")
    assert result.returncode == 0, result.stderr
    for line in result.stdout.splitlines():
        shown, confidences = line.rsplit("  [", 1)
        marks = shown.rsplit("  ", 1)[1]
        for mark, confidence in zip(marks, confidences.rstrip("]").split()):
            assert (mark == "?") == (confidence != "1.00"), line


def test_csv_and_glob(mixed_folder):
    folder, expected = mixed_folder
    result = run("classify", str(folder / "good_*.png"), "--format", "csv")
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [os.path.basename(r["path"]) for r in rows] == sorted(expected)
    assert all(r["text"] == expected[os.path.basename(r["path"])] and r["error"] == "" for r in rows)


def test_missing_path_and_unmatched_glob_are_error_records(tmp_path):
    result = run("classify", tmp_path / "nope.png", str(tmp_path / "*.jpg"), "--format", "jsonl")
    assert result.returncode == 1
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [("error" in r) for r in records] == [True, True]
    assert "no such file" in records[0]["error"] and "matches no files" in records[1]["error"]
    assert "case-sensitive" in records[1]["error"]  # what to check (it said only 'matches no files')


def test_a_glob_that_matches_no_image_file_is_an_error_record(tmp_path, mnist_test):
    """A quoted pattern that matches only videos, or only an empty folder, is one error record saying so (exit
    1), as a pattern matching nothing is; it gave no record at all and exit 0, as if it had read everything."""
    writer = cv2.VideoWriter(str(tmp_path / "clip.avi"), cv2.VideoWriter_fourcc(*"MJPG"), 10, (140, 140))
    writer.write(cv2.cvtColor(paper_digit(mnist_test.images[0], size=84), cv2.COLOR_GRAY2BGR))
    writer.release()
    (tmp_path / "empty").mkdir()
    cv2.imwrite(str(tmp_path / "digit.png"), paper_digit(mnist_test.images[0]))
    result = run("classify", tmp_path / "*.avi", tmp_path / "emp*", tmp_path / "*.png", "--format", "jsonl")
    assert result.returncode == 1, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["path"] for r in records] == [
        str(tmp_path / "*.avi"),
        str(tmp_path / "emp*"),
        str(tmp_path / "digit.png"),
    ]
    assert "matches 1 file(s) or folder(s) but no image file" in records[0]["error"] and "webcam" in records[0]["error"]
    assert "no image file" in records[1]["error"] and records[2]["text"] == str(mnist_test.labels[0])


def test_a_video_file_named_as_an_input_says_to_read_it_with_webcam(tmp_path, mnist_test):
    """A real AVI (Motion-JPEG) and MP4 (MPEG-4) of MNIST test digits given to classify: each an error record
    saying it is a video and how to read it (webcam --source), exit 1. It was 'not an image OpenCV can
    decode; re-export or re-save the file', advice that does not help a video."""
    frame = cv2.cvtColor(paper_digit(mnist_test.images[0], size=84), cv2.COLOR_GRAY2BGR)
    clips = []
    for name, fourcc in (("clip.avi", "MJPG"), ("clip.mp4", "mp4v")):
        writer = cv2.VideoWriter(str(tmp_path / name), cv2.VideoWriter_fourcc(*fourcc), 10, frame.shape[1::-1])
        assert writer.isOpened()
        for _ in range(3):
            writer.write(frame)
        writer.release()
        clips.append(tmp_path / name)
    result = run("classify", *clips, "--format", "jsonl")
    assert result.returncode == 1, result.stderr
    for record in map(json.loads, result.stdout.splitlines()):
        assert record["error"].startswith("a video file, not an image"), record
        assert "edgedigits webcam --source FILE --headless" in record["error"]


@pytest.mark.parametrize("recursive", [[], ["--recursive"]])
def test_a_double_star_pattern_reads_each_image_once(tmp_path, mnist_test, recursive):
    """'scans/**' matches the folder, its subfolder and the files in both: each image gives one record. It gave
    each file two records (three or four with -r), as the pattern's folders were listed beside its files."""
    (tmp_path / "scans" / "sub").mkdir(parents=True)
    cv2.imwrite(str(tmp_path / "scans" / "top.png"), paper_digit(mnist_test.images[0]))
    cv2.imwrite(str(tmp_path / "scans" / "sub" / "deep.png"), paper_digit(mnist_test.images[1]))
    result = run("classify", tmp_path / "scans" / "**", *recursive, "--format", "jsonl")
    assert result.returncode == 0, result.stderr
    paths = [json.loads(line)["path"] for line in result.stdout.splitlines()]
    assert sorted(paths) == [str(tmp_path / "scans" / "sub" / "deep.png"), str(tmp_path / "scans" / "top.png")]


@pytest.mark.parametrize("pattern", ["**/*.png", "**"])
def test_a_double_star_pattern_through_a_link_loop_reads_each_image_once(tmp_path, mnist_test, pattern):
    """glob's '**' follows links to folders, round a loop too: 'tree/**/*.png' with tree/a/b/up -> .. gave 82
    records of 2 files ('tree/a/b/up/b/up/.../drawing.png'; found by a new user's trial), where -r walks each real
    folder once. Now the pattern does too, each file under the first path that reaches it; a link to a file
    under another name stays an input of its own, as in a folder."""
    tree = tmp_path / "tree"
    (tree / "a" / "b").mkdir(parents=True)
    cv2.imwrite(str(tree / "top.png"), paper_digit(mnist_test.images[0]))
    cv2.imwrite(str(tree / "a" / "b" / "deep.png"), paper_digit(mnist_test.images[1]))
    os.symlink("..", tree / "a" / "b" / "up")
    os.symlink("top.png", tree / "z_link.png")
    result = run("classify", tree / pattern, "--format", "jsonl", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    paths = [json.loads(line)["path"] for line in result.stdout.splitlines()]
    assert sorted(paths) == [str(tree / "a" / "b" / "deep.png"), str(tree / "top.png"), str(tree / "z_link.png")]


def test_recursive_descends_only_when_asked(tmp_path, mnist_test):
    (tmp_path / "sub").mkdir()
    cv2.imwrite(str(tmp_path / "top.png"), paper_digit(mnist_test.images[0]))
    cv2.imwrite(str(tmp_path / "sub" / "deep.png"), paper_digit(mnist_test.images[1]))
    (tmp_path / "empty").mkdir()  # (a subfolder with no image is not named)
    flat = run("classify", tmp_path, "--format", "jsonl")
    deep = run("classify", tmp_path, "--format", "jsonl", "--recursive")
    assert len(flat.stdout.splitlines()) == 1 and len(deep.stdout.splitlines()) == 2
    # Without -r the subfolder's images are left, and said to be (sources.SubfoldersNotRead): a new user's trial
    # read 136 of an archive's 308 images and was told nothing. Python gets the warning itself.
    note = f"note: {tmp_path}: its subfolder 'sub' holds images that were not read; add -r (--recursive"
    assert note in flat.stderr and "empty" not in flat.stderr and "note:" not in deep.stderr
    from edgedigits.runtime.sources import SubfoldersNotRead, iter_paths

    with pytest.warns(SubfoldersNotRead, match="subfolder 'sub' holds images"):
        assert list(iter_paths([str(tmp_path)])) == [str(tmp_path / "top.png")]


def test_images_without_a_suffix_in_a_folder_are_pointed_out(tmp_path, mnist_test):
    # A records office's trial: 'scan0001', a PNG named as document systems store them, was passed over in a
    # folder's listing (which goes by suffix) without a word; alone in its folder, the error did not name it.
    (tmp_path / "mixed").mkdir()
    (tmp_path / "only").mkdir()
    cv2.imwrite(str(tmp_path / "mixed" / "a.png"), paper_digit(mnist_test.images[0]))
    png = cv2.imencode(".png", paper_digit(mnist_test.images[1]))[1].tobytes()
    (tmp_path / "mixed" / "scan0001").write_bytes(png)
    (tmp_path / "mixed" / "NOTES").write_text("not an image\n")
    (tmp_path / "only" / "scan0002").write_bytes(png)
    result = run("classify", tmp_path / "mixed", tmp_path / "only", "--format", "jsonl")
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [os.path.basename(r["path"]) for r in records] == ["a.png", "only"]
    assert f"note: {tmp_path / 'mixed'}: 'scan0001' is an image whose name has no suffix, and was not read" in (
        result.stderr
    )
    assert "NOTES" not in result.stderr
    assert "1 image(s) whose names have no suffix, such as 'scan0002'" in records[1]["error"]
    named = run("classify", tmp_path / "mixed" / "scan0001", "--format", "jsonl")  # named itself, it is read
    assert json.loads(named.stdout)["text"] == str(mnist_test.labels[1])
    # A quoted pattern that matches it passed it over with no word at all (a consumer of the records' trial)
    pattern = run("classify", str(tmp_path / "mixed" / "*"), "--format", "jsonl")
    assert [os.path.basename(json.loads(line)["path"]) for line in pattern.stdout.splitlines()] == ["a.png"]
    assert "matches '" in pattern.stderr and "scan0001', an image whose name has no suffix" in pattern.stderr
    assert "NOTES" not in pattern.stderr
    (tmp_path / "mixed" / "sub").mkdir()
    (tmp_path / "mixed" / "sub" / "scan0003").write_bytes(png)
    deep = run("classify", "-r", str(tmp_path / "mixed" / "*"), "--format", "jsonl")  # and in a folder it matches
    assert "scan0001' (and 1 more), an image whose name has no suffix" in deep.stderr, deep.stderr


def test_unreadable_file_and_folder_are_error_records(tmp_path, mnist_test):
    cv2.imwrite(str(tmp_path / "fine.png"), paper_digit(mnist_test.images[0]))
    cv2.imwrite(str(tmp_path / "locked.png"), paper_digit(mnist_test.images[1]))
    (tmp_path / "locked.png").chmod(0)
    (tmp_path / "closed").mkdir()
    cv2.imwrite(str(tmp_path / "closed" / "inside.png"), paper_digit(mnist_test.images[2]))
    (tmp_path / "closed").chmod(0)
    try:
        result = subprocess.run(
            [*as_unprivileged(), *EDGEDIGITS, "classify", str(tmp_path), "--recursive", "--format", "jsonl"],
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        (tmp_path / "closed").chmod(0o755)
    assert result.returncode == 1, result.stderr
    records = {os.path.basename(r["path"]): r for r in map(json.loads, result.stdout.splitlines())}
    assert records["fine.png"]["text"] == str(mnist_test.labels[0])
    assert "permission denied" in records["locked.png"]["error"]
    assert "permission denied" in records["closed"]["error"]


def test_json_is_jsonl_and_a_pattern_given_to_read_says_what_to_use(tmp_path, mnist_test):
    # A records office's trial: '--json' was 'No such option', and read('imgs/*.png') 'no such file; check the path'.
    image = tmp_path / "one.png"
    cv2.imwrite(str(image), paper_digit(mnist_test.images[0]))
    lines = run("classify", image, "--json").stdout.splitlines()
    assert [json.loads(line)["text"] for line in lines] == [str(mnist_test.labels[0])]
    clash = run("classify", image, "--json", "--format", "csv")
    assert clash.returncode == 2 and "--json is --format jsonl" in clash.stderr and clash.stdout == ""
    from edgedigits.runtime.images import ImageError
    from edgedigits.runtime.reader import DigitReader

    with pytest.raises(ImageError, match=r"the name is a pattern .* use read_paths\(\[.*\*\.png'\]\)"):
        DigitReader().read(str(tmp_path / "*.png"))


def test_a_folder_that_cannot_be_entered_is_named_once(tmp_path, mnist_test):
    # A records office's trial: a folder of mode 000 named as an input gave its 'permission denied' record and a
    # second one, 'no image files in this folder'; a file inside it was 'no such file'; a file in a folder that
    # can be listed but not entered (mode 600) was told to 'chmod +r' itself, which cannot help.
    for name, mode in (("closed", 0), ("listable", 0o600)):
        (tmp_path / name).mkdir()
        cv2.imwrite(str(tmp_path / name / "inside.png"), paper_digit(mnist_test.images[0]))
        (tmp_path / name).chmod(mode)
    inputs = [tmp_path / "closed", tmp_path / "closed" / "inside.png", tmp_path / "listable"]
    try:
        result = subprocess.run(
            [*as_unprivileged(), *EDGEDIGITS, "classify", *map(str, inputs), "--format", "jsonl"],
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        for name in ("closed", "listable"):
            (tmp_path / name).chmod(0o755)
    assert result.returncode == 1, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["path"] for r in records] == [str(p) for p in inputs[:2]] + [str(tmp_path / "listable" / "inside.png")]
    assert records[0]["error"].startswith("permission denied listing this folder")
    for record, folder in zip(records[1:], ("closed", "listable")):
        assert f"the folder {str(tmp_path / folder)!r} cannot be entered" in record["error"]
        assert "chmod +rx" in record["error"]


def test_huge_symlinked_and_looping_files_in_a_folder(tmp_path, mnist_test):
    cv2.imwrite(str(tmp_path / "a_good.png"), paper_digit(mnist_test.images[0]))
    # A 20000x20000 PNG header: refused from the header, before anything is decoded or allocated.
    ihdr = struct.pack(">IIBBBBB", 20000, 20000, 8, 0, 0, 0, 0)
    chunk = struct.pack(">I", len(ihdr)) + b"IHDR" + ihdr + struct.pack(">I", zlib.crc32(b"IHDR" + ihdr))
    (tmp_path / "huge.png").write_bytes(b"\x89PNG\r\n\x1a\n" + chunk + b"\x00" * 64)
    os.symlink("loop_b.png", tmp_path / "loop_a.png")
    os.symlink("loop_a.png", tmp_path / "loop_b.png")
    os.symlink("missing_target.png", tmp_path / "dangling.png")
    os.symlink(".", tmp_path / "self")  # a link back to this folder: walked once, so nothing is read twice
    os.symlink("a_good.png", tmp_path / "z_link.png")  # a link to a good file is read
    result = run("classify", tmp_path, "--recursive", "--format", "jsonl", timeout=60)
    assert result.returncode == 1, result.stderr
    records = {os.path.basename(r["path"]): r for r in map(json.loads, result.stdout.splitlines())}
    assert set(records) == {"a_good.png", "huge.png", "loop_a.png", "loop_b.png", "dangling.png", "z_link.png"}
    assert records["a_good.png"]["text"] == records["z_link.png"]["text"] == str(mnist_test.labels[0])
    assert "20000x20000" in records["huge.png"]["error"] and "downscale" in records["huge.png"]["error"]
    assert "symbolic links" in records["loop_a.png"]["error"]
    assert "a symbolic link to 'missing_target.png', which does not exist" in records["dangling.png"]["error"]


def test_bad_model_is_one_clear_line(tmp_path, mixed_folder):
    folder, _ = mixed_folder
    bad = tmp_path / "broken.onnx"
    bad.write_bytes(b"not a model")
    result = run("classify", folder, "--model", bad)
    assert result.returncode == 2
    assert str(bad) in result.stderr and "Traceback" not in result.stderr and result.stdout == ""


def test_blank_image_reads_no_digits_not_a_guess(tmp_path):
    cv2.imwrite(str(tmp_path / "blank.png"), np.full((200, 300), 235, np.uint8))
    noise = np.clip(np.random.default_rng(0).normal(200, 12, (240, 320)), 0, 255).astype(np.uint8)
    cv2.imwrite(str(tmp_path / "noise.png"), noise)
    result = run("classify", tmp_path, "--format", "jsonl")
    assert result.returncode == 0
    for line in result.stdout.splitlines():
        assert json.loads(line)["text"] == "" and json.loads(line)["digits"] == []


@pytest.mark.parametrize("stop, status", [("SIGINT", 130), ("SIGTERM", 143)])
def test_ctrl_c_or_sigterm_stops_cleanly_with_results_so_far_a_summary_and_no_worker(
    tmp_path, mnist_test, stop, status
):
    """Ctrl-C (SIGINT), or SIGTERM (kill, timeout, docker stop) to the command alone: the results so far, each line
    whole and in order, the summary line, exit 130 (143 = 128 + SIGTERM), and no worker process left. SIGTERM ended
    the process on the spot and left its two worker processes running, orphaned, holding its stderr (the test
    waited for them until its timeout)."""
    import signal
    import threading
    import time

    for i in range(400):
        cv2.imwrite(str(tmp_path / f"{i:04d}.png"), paper_digit(mnist_test.images[i], size=280))
    process = subprocess.Popen(
        [*EDGEDIGITS, "classify", str(tmp_path), "--format", "jsonl", "--workers", "2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    first = process.stdout.readline()  # it is running and streaming
    children = [
        int(k) for t in Path(f"/proc/{process.pid}/task").glob("*") for k in (t / "children").read_text().split()
    ]

    def kill_all() -> None:  # on failure no orphan outlives the test, nor holds its pipes open
        for pid in [process.pid, *children]:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    time.sleep(0.3)
    process.send_signal(getattr(signal, stop))
    guard = threading.Timer(60, kill_all)
    guard.start()
    try:
        rest = process.stdout.read()  # not communicate(): it would skip what readline() already buffered
        err = process.stderr.read()
        process.wait(timeout=60)
    finally:
        guard.cancel()
        kill_all()
    assert process.returncode == status, err
    records = [json.loads(line) for line in [first] + rest.splitlines() if line.strip()]  # every line written is whole
    assert 1 <= len(records) < 400
    assert [os.path.basename(r["path"]) for r in records] == [f"{i:04d}.png" for i in range(len(records))]
    assert "interrupted after" in err and "Traceback" not in err


def test_results_are_never_written_over_an_input(tmp_path, mnist_test):
    """-o naming an input (the file itself, an image in a folder given, a file a pattern matches) is refused
    before anything is opened for writing: the image stays whole. A new file, or one that is no input, is fine."""
    folder = tmp_path / "scans"
    folder.mkdir()
    image = folder / "a.png"
    cv2.imwrite(str(image), paper_digit(mnist_test.images[0]))
    original = image.read_bytes()
    for inputs in ([image], [folder], [str(folder / "*.png")]):
        result = run("classify", *inputs, "-o", image)
        assert result.returncode == 2 and "one of the inputs" in result.stderr and "Traceback" not in result.stderr
        assert image.read_bytes() == original
    other = tmp_path / "other.png"
    other.write_bytes(b"old")
    assert run("classify", image, "-o", other).returncode == 0
    assert other.read_text().startswith(str(image))


def test_a_wrong_line_model_is_one_clear_line(mixed_folder):
    """--line-model naming a digit model is refused at start (exit 2, one line), not with a traceback when
    the first text line is read."""
    folder, _ = mixed_folder
    result = run("classify", folder / "good_0.png", "--line-model", "default")
    assert result.returncode == 2 and "not a line model" in result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_the_summary_times_an_image_read_from_stdin(mnist_test):
    """The rate in the summary counts the reading of an image that came on stdin (it was read before the clock
    started, and the summary gave thousands of images/s)."""
    ok, data = cv2.imencode(".png", paper_digit(mnist_test.images[3]))
    result = subprocess.run([*EDGEDIGITS, "classify", "-"], input=data.tobytes(), capture_output=True, timeout=120)
    assert result.returncode == 0
    rate = float(result.stderr.decode().rsplit("(", 1)[1].split(" images/s")[0])
    assert rate < 1000, result.stderr  # one cold read of a photo takes milliseconds: 6,351 images/s before


@pytest.mark.parametrize("command", ["classify", "batch", "webcam"])
def test_min_confidence_nan_is_a_usage_error(command, tmp_path):
    """``--min-confidence nan`` is refused like 1.5 (exit 2, naming the option). NaN passed typer's 0-1 range
    (every comparison with it is false), so DigitReader refused it with a traceback (exit 1)."""
    sample = os.path.join(os.path.dirname(__file__), "..", "samples", "scan_4.png")
    where = {
        "classify": [sample],
        "batch": [sample, "--out", tmp_path / "out"],
        "webcam": ["--source", sample, "--headless"],
    }
    result = run(command, *where[command], "--min-confidence", "nan", timeout=60)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr and "--min-confidence" in result.stderr, result.stderr


def latin1_folder(tmp_path, mnist_test):
    """A folder with an MNIST test digit named in Latin-1 (b'caf\\xe9.png', not UTF-8, as old archives and USB
    sticks have) and one plain name; returns the folder, the Latin-1 file and both labels."""
    folder = tmp_path / "in"
    folder.mkdir()
    odd = folder / os.fsdecode(b"caf\xe9.png")
    try:
        odd.write_bytes(cv2.imencode(".png", paper_digit(mnist_test.images[0]))[1].tobytes())
    except (OSError, UnicodeError):
        pytest.skip("this filesystem takes only UTF-8 file names")
    cv2.imwrite(str(folder / "plain.png"), paper_digit(mnist_test.images[1]))
    return folder, odd, [str(mnist_test.labels[0]), str(mnist_test.labels[1])]


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "table"])
def test_a_file_name_that_is_not_utf8_is_written_in_every_format(tmp_path, mnist_test, fmt):
    """A Latin-1 file name in a folder: its result names it with the bad byte as \\xe9 (as batch records do), in
    valid UTF-8, to -o and to stdout. It was a UnicodeEncodeError traceback with -o (the records after it lost)
    and a raw 0xE9 byte on stdout, which no JSON or CSV reader takes."""
    folder, _, labels = latin1_folder(tmp_path, mnist_test)
    shown = str(folder / "caf\\xe9.png")
    out = tmp_path / f"results.{fmt}"
    written = run("classify", folder, "--format", fmt, "-o", out)
    assert written.returncode == 0 and "Traceback" not in written.stderr, written.stderr
    printed = subprocess.run([*EDGEDIGITS, "classify", str(folder), "--format", fmt], capture_output=True, timeout=120)
    assert printed.returncode == 0, printed.stderr
    for text in (out.read_bytes().decode("utf-8"), printed.stdout.decode("utf-8")):  # strict UTF-8
        if fmt == "jsonl":
            got = [(r["path"], r["text"]) for r in map(json.loads, text.splitlines())]
        elif fmt == "csv":
            got = [(r["path"], r["text"]) for r in csv.DictReader(io.StringIO(text))]
        else:
            got = [tuple(line.split("  ")[:2]) for line in text.splitlines()]
        assert got == [(shown, labels[0]), (str(folder / "plain.png"), labels[1])]


def test_a_file_name_with_a_newline_stays_on_one_table_row(tmp_path, mnist_test):
    """A file named 'form\\n7.png' (a newline in it) split its table row in two (a new user's trial): the table shows
    control characters escaped (output.shown_path), one row a reading; JSON lines keep the name whole."""
    odd = tmp_path / "form\n7\t.png"
    odd.write_bytes(cv2.imencode(".png", paper_digit(mnist_test.images[0]))[1].tobytes())
    table = run("classify", odd)
    assert table.returncode == 0, table.stderr
    assert table.stdout.splitlines() == [f"{tmp_path}/form\\n7\\t.png  {mnist_test.labels[0]}  [0.99]"]
    jsonl = run("classify", odd, "--format", "jsonl")
    assert json.loads(jsonl.stdout)["path"] == str(odd)


def test_save_dir_copies_a_file_whose_name_is_not_utf8(tmp_path, mnist_test):
    """--save-dir with a Latin-1 file name among the inputs: its annotated copy keeps the name's bytes and the run
    goes on. OpenCV's imwrite took the name as a str with a lone surrogate and the process died of a
    segmentation fault, losing the results after that file."""
    folder, odd, labels = latin1_folder(tmp_path, mnist_test)
    copies = tmp_path / "checked"
    result = run("classify", folder, "--format", "jsonl", "--save-dir", copies)
    assert result.returncode == 0, (result.returncode, result.stderr)
    assert [r["text"] for r in map(json.loads, result.stdout.splitlines())] == labels
    assert sorted(os.listdir(os.fsencode(copies))) == [b"caf\xe9.png", b"plain.png"]
    copy = cv2.imdecode(np.frombuffer((copies / odd.name).read_bytes(), np.uint8), cv2.IMREAD_COLOR)
    assert copy.shape[:2] == cv2.imread(str(folder / "plain.png")).shape[:2]


def test_from_file_lists_a_file_whose_name_is_not_utf8(tmp_path, mnist_test):
    """A --from-file list, and the same list on stdin (`find ... | edgedigits classify --from-file -`), naming a
    Latin-1 file: every listed file is read. The list file was opened as strict UTF-8: a UnicodeDecodeError
    traceback and nothing read; so was stdin where the locale's error handler for it is strict (en_US.UTF-8,
    here PYTHONIOENCODING=utf-8:strict)."""
    folder, odd, labels = latin1_folder(tmp_path, mnist_test)
    listing = os.fsencode(odd) + b"\n" + os.fsencode(folder / "plain.png") + b"\n"
    (tmp_path / "list.txt").write_bytes(listing)
    env = {**os.environ, "PYTHONIOENCODING": "utf-8:strict"}
    for args, stdin in (
        (["--from-file", str(tmp_path / "list.txt"), "--progress"], None),
        (["--from-file", "-"], listing),
    ):
        result = subprocess.run(
            [*EDGEDIGITS, "classify", *args, "--format", "jsonl"],
            input=stdin,
            capture_output=True,
            env=env,
            timeout=120,
        )
        assert result.returncode == 0 and b"Traceback" not in result.stderr, result.stderr
        records = [json.loads(line) for line in result.stdout.decode("utf-8").splitlines()]
        assert [(r["path"], r["text"]) for r in records] == [
            (str(folder / "caf\\xe9.png"), labels[0]),
            (str(folder / "plain.png"), labels[1]),
        ]


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full (a device whose writes fail: disk full)")
@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_results_that_cannot_be_written_are_a_usage_error_not_a_traceback(mixed_folder, fmt):
    """Results to a full disk (/dev/full), by -o and on stdout: exit 2 with one line saying so and what to do
    (docs/command-line.md, "Errors and exit status": 'an output that cannot be written' is a usage error). It was
    an OSError traceback, exit 1 (for -o, raised again by closing the file)."""
    folder, _ = mixed_folder
    with open("/dev/full", "w") as full:
        printed = subprocess.run(
            [*EDGEDIGITS, "classify", str(folder), "--format", fmt], stdout=full, stderr=subprocess.PIPE, text=True
        )
    written = run("classify", folder, "--format", fmt, "-o", "/dev/full")
    for result, where in ((printed, "standard output"), (written, "/dev/full")):
        assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
        assert f"edgedigits: {where}: cannot write the results (No space left on device" in result.stderr
        assert "free some space" in result.stderr


def test_a_list_from_a_pipe_with_the_progress_bar_loses_no_path(mixed_folder, tmp_path):
    """--from-file <(find ...) with the progress bar on: every listed file is read. The bar's counting thread
    opened the pipe a second time and took lines from the run's own reader, so some or all of the inputs were
    never read ('0 image(s)', exit 0). The six good files are listed through a named pipe a line at a time, as
    a running `find` gives them."""
    import threading

    folder, expected = mixed_folder
    fifo = tmp_path / "list.fifo"
    os.mkfifo(fifo)

    def feed() -> None:
        with open(fifo, "w") as pipe:  # opens once the command opens its end
            time.sleep(1.5)  # the command loads its models; the bar's counting thread (old code) opens the pipe
            for name in expected:
                pipe.write(f"{folder / name}\n")
                pipe.flush()
                time.sleep(0.1)

    feeder = threading.Thread(target=feed, daemon=True)
    feeder.start()
    result = run("classify", "--from-file", fifo, "--progress", "--format", "jsonl", timeout=60)
    feeder.join(timeout=10)
    assert result.returncode == 0, result.stderr
    assert [os.path.basename(json.loads(line)["path"]) for line in result.stdout.splitlines()] == list(expected)


def test_a_list_on_stdin_with_the_progress_bar_loses_no_path_beside_a_file_named_dash(mixed_folder, tmp_path):
    """`find ... | classify --from-file - --progress` in a folder holding a file named '-' (as `-o -` used to
    write): every listed file is read. The bar's counting thread took '-' for a file it could list again,
    read the same stdin as the run and closed it: 0 records, and a ValueError traceback."""
    folder, expected = mixed_folder
    (tmp_path / "-").write_text("an old output file\n")
    listed = "".join(f"{folder / name}\n" for name in expected) * 20  # enough lines for the thread to race
    result = run("classify", "--from-file", "-", "--progress", "--format", "jsonl", input=listed, cwd=tmp_path)
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    assert [os.path.basename(json.loads(line)["path"]) for line in result.stdout.splitlines()] == list(expected) * 20


def test_orientation_model_option_on_every_command_that_reads_images(tmp_path):
    """--orientation-model NAME|FILE|none on classify, batch and webcam, as --line-model: the shipped form
    photo turned upside down reads right by default and with the shipped model's file, otherwise with 'none';
    a file that is no orientation model is refused at start (exit 2, naming it). There was no such option."""
    root = Path(__file__).resolve().parents[1]
    expected = json.loads((root / "samples" / "expected.json").read_text())["form_two_lines.png"]
    upside = tmp_path / "upside.png"
    cv2.imwrite(str(upside), cv2.rotate(cv2.imread(str(root / "samples" / "form_two_lines.png")), cv2.ROTATE_180))
    shipped, line = root / "models" / "orientation.onnx", root / "models" / "line.onnx"

    def text(*options) -> str:
        result = run("classify", upside, "--format", "jsonl", *options)
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)["text"]

    assert text() == text("--orientation-model", shipped) == expected
    assert text("--orientation-model", "none") != expected
    for command in (["classify", upside], ["batch", upside, "--out", tmp_path / "out"], ["webcam", "--source", upside]):
        refused = run(
            *command, "--headless" if command[0] == "webcam" else "--no-progress", "--orientation-model", line
        )
        assert refused.returncode == 2, refused.stderr
        assert refused.stderr.startswith(f"edgedigits: {line}: not an orientation model: it is the shipped line"), (
            refused.stderr
        )
        assert "--orientation-model" in run(command[0], "--help").stdout
    batch = run("batch", upside, "--out", tmp_path / "none", "--orientation-model", "none")
    assert batch.returncode == 0, batch.stderr
    assert [json.loads(line)["text"] for line in open(next((tmp_path / "none").glob("part-*.jsonl")))] != [expected]


def test_digit_orientation_model_option_on_every_command_that_reads_images(tmp_path, mnist_test):
    """--digit-orientation-model NAME|FILE|none on classify, batch and webcam, as --orientation-model: a clean page
    turned a quarter (helpers.scene_pages, seed 7, page 1) reads right by default and with the shipped file, and
    otherwise with 'none'; a file that is no such model is refused at start, and so is one named with --line-model
    none (it would never run). There was no such option (DigitReader's digit_orientation_model only)."""
    root = Path(__file__).resolve().parents[1]
    page, want = list(scene_pages(mnist_test, 2, 7))[1]
    sideways = tmp_path / "sideways.png"
    cv2.imwrite(str(sideways), np.ascontiguousarray(np.rot90(page, 1)))

    def text(*options) -> str:
        result = run("classify", sideways, "--format", "jsonl", *options)
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)["text"]

    shipped, mine = root / "models" / "digit-orientation.onnx", tmp_path / "mine.onnx"
    assert want == "14\n1" and text() == text("--digit-orientation-model", shipped) == want
    assert text("--digit-orientation-model", "none") != want
    mine.write_bytes((root / "models" / "default.onnx").read_bytes())  # a digit model of the user's: [N, 10]
    for command in (
        ["classify", sideways],
        ["batch", sideways, "--out", tmp_path / "out"],
        ["webcam", "--source", sideways],
    ):
        flag = "--headless" if command[0] == "webcam" else "--no-progress"
        refused = run(*command, flag, "--digit-orientation-model", mine)
        said = f"edgedigits: {mine}: a digit model (output [N, 10]), not a digit-orientation model (output [N, 4]); it"
        assert refused.returncode == 2 and refused.stderr.startswith(said), refused.stderr
        assert "goes to --model or --pencil-model" in refused.stderr, refused.stderr
        unused = run(*command, flag, "--line-model", "none", "--digit-orientation-model", "digit-orientation")
        assert unused.returncode == 2, unused.stderr
        assert unused.stderr.startswith("edgedigits: --digit-orientation-model digit-orientation (digit_orientation_")
        assert "--digit-orientation-model" in run(command[0], "--help").stdout
    batch = run("batch", sideways, "--out", tmp_path / "none", "--digit-orientation-model", "none")
    assert batch.returncode == 0, batch.stderr
    assert [json.loads(line)["text"] for line in open(next((tmp_path / "none").glob("part-*.jsonl")))] != [want]


def test_models_says_which_option_takes_each_kind():
    """`edgedigits models` lists seven names of four kinds; its last line says which option takes each, so that a
    digit model is not given as the line model (a new user's trial)."""
    listed = run("models")
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.splitlines()[-1] == (
        "the options that take them: digit models --model or --pencil-model; line models --line-model; orientation "
        "models --orientation-model; digit-orientation models --digit-orientation-model (each but --model also takes "
        "none)"
    )


def test_pencil_model_option_on_every_command_that_reads_images(tmp_path, mnist_test):
    """--pencil-model NAME|FILE|none on classify, batch and webcam: a faint pencil photo (train.scenes, seed 0,
    photo 16) reads right by default and with the shipped file, and as the default model alone reads it with
    'none'; a file that is no digit model is refused at start (exit 2, naming it)."""
    from edgedigits.train.scenes import kind_photos

    root = Path(__file__).resolve().parents[1]
    image, want = list(kind_photos(mnist_test, "pencil", 0, 17))[16]
    photo = tmp_path / "pencil.png"
    cv2.imwrite(str(photo), image)

    def text(*options) -> str:
        result = run("classify", photo, "--format", "jsonl", *options)
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)["text"]

    assert want == "99844" and text() == text("--pencil-model", root / "models" / "pencil.onnx") == want
    assert text("--pencil-model", "none") == "99344"
    line = root / "models" / "line.onnx"
    for command in (["classify", photo], ["batch", photo, "--out", tmp_path / "out"], ["webcam", "--source", photo]):
        refused = run(*command, "--headless" if command[0] == "webcam" else "--no-progress", "--pencil-model", line)
        assert refused.returncode == 2, refused.stderr
        assert refused.stderr.startswith(f"edgedigits: {line}: not a digit model: it is the shipped line"), (
            refused.stderr
        )
        assert "--pencil-model" in run(command[0], "--help").stdout
    batch = run("batch", photo, "--out", tmp_path / "none", "--pencil-model", "none")
    assert batch.returncode == 0, batch.stderr
    assert [json.loads(line)["text"] for line in open(next((tmp_path / "none").glob("part-*.jsonl")))] == ["99344"]
    webcam = run("webcam", "--source", photo, "--headless", "--pencil-model", "none")
    assert webcam.returncode == 0 and json.loads(webcam.stdout.splitlines()[0])["text"] == "99344", webcam.stderr


def test_a_dash_where_no_file_is_named_so_says_what_reads_stdin(tmp_path, monkeypatch):
    """`edgedigits batch - --out DIR < photo.jpg` (and read_paths(["-"])): '-' is classify's stdin; elsewhere it
    was "no such file or folder; check the path". A file named '-' is still read as a file."""
    from edgedigits.runtime.sources import SourceError, iter_paths

    monkeypatch.chdir(tmp_path)
    [error] = list(iter_paths(["-"]))
    assert isinstance(error, SourceError) and "edgedigits classify -" in error.error and "--manifest" in error.error
    (tmp_path / "-").write_bytes(b"x")
    assert list(iter_paths(["-"])) == ["-"]


def test_a_file_name_starting_with_a_dash_gets_a_hint(tmp_path):
    """click reads '-dash.png' as the short options -d -a -s -h: the usage error says to put -- before it, and with
    -- it is read; an unknown option that is no file gets click's error alone."""
    sample = Path(__file__).resolve().parent.parent / "samples" / "drawing_7.png"
    (tmp_path / "-dash.png").write_bytes(sample.read_bytes())
    refused = run("classify", "-dash.png", cwd=tmp_path)
    assert refused.returncode == 2
    assert "No such option: -d" in refused.stderr
    assert "'-dash.png' is a file: put -- before names that start with '-' (" in refused.stderr
    assert "classify -- -dash.png)" in refused.stderr
    unknown = run("classify", "-nothere.png", cwd=tmp_path)
    assert unknown.returncode == 2 and "No such option: -n" in unknown.stderr and "is a file" not in unknown.stderr
    # the name click stopped at, not an option's value before it; quoted for the shell
    (tmp_path / "-d out.csv").write_text("")
    (tmp_path / "-r.png").write_bytes(sample.read_bytes())
    named = run("classify", "-o", "-d out.csv", "-r.png", "-dash.png", cwd=tmp_path)
    assert named.returncode == 2 and "'-r.png' is a file" in named.stderr and "out.csv" not in named.stderr
    quoted = run("classify", "-d out.csv", cwd=tmp_path)
    assert "classify -- '-d out.csv')" in quoted.stderr
    # a command that takes no file names gets click's error alone
    assert "is a file" not in run("models", "-dash.png", cwd=tmp_path).stderr
    read = run("classify", "--format", "jsonl", "--", "-dash.png", cwd=tmp_path)
    assert read.returncode == 0, read.stderr
    assert json.loads(read.stdout)["text"] == "7"


def test_a_url_is_an_error_record_saying_classify_reads_local_files(tmp_path, mnist_test):
    """A URL or URI given to classify (https:// with a query, s3:// with a wildcard, file://) is an error record
    saying only local files are read and where URIs are (batch --manifest); it said "no such file or folder; check
    the path" (or, of a '?' or '*', that the pattern matched no files), and a new user checked the URL. The good
    file beside them is read."""
    cv2.imwrite(str(tmp_path / "digit.png"), paper_digit(mnist_test.images[0]))
    urls = ["https://example.com/a.png?sig=1", "s3://bucket/*.png", f"file://{tmp_path}/digit.png"]
    result = run("classify", *urls, tmp_path / "digit.png", "--format", "jsonl")
    assert result.returncode == 1, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["path"] for r in records] == [*urls, str(tmp_path / "digit.png")]
    for record in records[:3]:
        assert "only local files are read" in record["error"] and "batch --manifest" in record["error"]
    assert records[3]["text"] == str(mnist_test.labels[0])


def test_format_json_points_to_jsonl():
    """`-f json` (evaluate's and bench's name) is refused with what classify calls JSON: jsonl, or --json."""
    result = run("classify", "x.png", "-f", "json")
    assert result.returncode == 2
    assert "unknown format 'json'" in result.stderr and "jsonl" in result.stderr and "--json" in result.stderr


def test_serve_and_train_help_name_their_own_options():
    """serve --help told a user to add --line-model none or --single, options serve did not have (a request's
    ?single=true is; serve has had --line-model since 2026-12-07): every option its help names is one of its
    own. train --help left out the pencil preset that --preset takes."""
    import re

    import typer

    from edgedigits.runtime.cli import app

    serve = run("serve", "--help", env={**os.environ, "COLUMNS": "200"})
    assert serve.returncode == 0 and "?single=true" in serve.stdout and "--line-model" in serve.stdout
    command = typer.main.get_command(app).commands["serve"]
    own = {name for param in command.params for name in (*param.opts, *param.secondary_opts)} | {"--help"}
    named = set(re.findall(r"(?<![\w-])--[a-z][\w-]*", serve.stdout))
    assert named <= own, f"serve --help names options serve does not have: {named - own}"
    train = run("train", "--help", env={**os.environ, "COLUMNS": "200"})
    assert train.returncode == 0 and "pencil" in train.stdout
