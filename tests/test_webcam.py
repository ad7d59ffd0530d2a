"""`edgedigits webcam` on real video files written with OpenCV, the stabilizer, and failing sources."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from dataclasses import replace

import cv2
import numpy as np
import pytest

from helpers import as_unprivileged, paper_digit, scene_frame

from edgedigits.runtime.live import Stabilizer, annotate, iou
from edgedigits.runtime.reader import Digit, Reading

EDGEDIGITS = [sys.executable, "-m", "edgedigits.runtime.cli"]


def run(*args, timeout=120):
    return subprocess.run([*EDGEDIGITS, *map(str, args)], capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def video(tmp_path_factory, mnist_test):
    """A 20-frame MJPG video of three digits drifting across the frame; returns (path, expected text)."""
    picks = [int(np.flatnonzero(mnist_test.labels == d)[0]) for d in (4, 0, 7)]
    path = tmp_path_factory.mktemp("video") / "digits.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 15, (640, 480))
    assert writer.isOpened()
    rng = np.random.default_rng(0)
    for t in range(20):
        writer.write(scene_frame([mnist_test.images[i] for i in picks], shift=2 * t, rng=rng))
    writer.release()
    return path, "407"


def test_headless_video_prints_one_json_line_per_frame(video, tmp_path):
    path, expected = video
    saved = tmp_path / "annotated.avi"
    result = run("webcam", "--source", path, "--headless", "--save", saved)
    assert result.returncode == 0, result.stderr
    frames = [json.loads(line) for line in result.stdout.splitlines()]
    assert [f["frame"] for f in frames] == list(range(20))
    assert all(set(f) == {"frame", "text", "digits"} for f in frames)
    correct = sum(f["text"] == expected for f in frames)
    assert correct >= 18, [f["text"] for f in frames]
    capture = cv2.VideoCapture(str(saved))
    assert capture.isOpened() and int(capture.get(cv2.CAP_PROP_FRAME_COUNT)) == 20
    capture.release()


def test_a_video_and_a_save_file_whose_names_are_not_utf8(video, tmp_path):
    """--source and --save named in Latin-1 (b'caf\\xe9.avi', not UTF-8): the video is read and the annotated one
    written under that name. OpenCV's VideoCapture and VideoWriter took the names as str with a lone surrogate and
    the process died of a segmentation fault before the first frame."""
    path, expected = video
    source = tmp_path / os.fsdecode(b"caf\xe9.avi")
    try:
        source.write_bytes(path.read_bytes())
    except (OSError, UnicodeError):
        pytest.skip("this filesystem takes only UTF-8 file names")
    saved = tmp_path / os.fsdecode(b"annot\xe9.avi")
    result = subprocess.run(
        [*EDGEDIGITS, "webcam", "--source", str(source), "--headless", "--max-frames", "5", "--save", str(saved)],
        capture_output=True,
        text=True,
        errors="surrogateescape",
        timeout=120,
    )
    assert result.returncode == 0, (result.returncode, result.stderr)
    assert [json.loads(line)["text"] for line in result.stdout.splitlines()] == [expected] * 5
    capture = cv2.VideoCapture(os.fsencode(saved))
    assert capture.isOpened() and int(capture.get(cv2.CAP_PROP_FRAME_COUNT)) == 5
    capture.release()


def playing(path, saved, text: bool = False) -> subprocess.Popen:
    """`edgedigits webcam` started on the video ``path`` at its own frame rate (--realtime), headless, saving
    to ``saved``; its stdout and stderr are pipes."""
    return subprocess.Popen(
        [*EDGEDIGITS, "webcam", "--source", str(path), "--headless", "--realtime", "--save", str(saved)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=text,
    )


def test_a_reader_that_leaves_the_pipe_early_ends_the_run_with_status_0(video, tmp_path):
    """`edgedigits webcam --headless | head -1`: the run stops with exit status 0, as classify's does, and the
    annotated video written so far is a playable file. It exited 1 without a word (click's handling of EPIPE)."""
    path, expected = video
    saved = tmp_path / "annotated.avi"
    process = playing(path, saved)  # (15 frames/s: the pipe is closed long before the last frame is written)
    assert process.stdout is not None and process.stderr is not None
    first = json.loads(process.stdout.readline())
    process.stdout.close()  # as head does after its line
    errors = process.stderr.read().decode()
    assert process.wait(timeout=120) == 0, errors
    assert first["frame"] == 0 and first["text"] == expected and "Traceback" not in errors
    capture = cv2.VideoCapture(str(saved))
    assert capture.isOpened() and int(capture.get(cv2.CAP_PROP_FRAME_COUNT)) >= 1
    capture.release()


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full (a device whose writes fail: disk full)")
def test_readings_that_cannot_be_written_are_one_clear_line(video):
    """webcam --headless with stdout on a full disk (/dev/full): exit 2 and one line saying so, not an OSError
    traceback (exit 1)."""
    path, _ = video
    with open("/dev/full", "w") as full:
        result = subprocess.run(
            [*EDGEDIGITS, "webcam", "--source", str(path), "--headless"],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
        )
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    assert "standard output: cannot write the readings (No space left on device" in result.stderr


def test_max_frames_stops_early(video):
    path, _ = video
    result = run("webcam", "--source", path, "--headless", "--max-frames", "5")
    assert result.returncode == 0 and len(result.stdout.splitlines()) == 5


def test_model_option_reads_without_it_and_names_a_missing_file(video, tmp_path):
    """--line-model none: the digit model alone reads each blob (the same digits on this clean video);
    a line model that does not exist is a usage error naming it, before any frame is read."""
    path, expected = video
    result = run("webcam", "--source", path, "--headless", "--max-frames", "5", "--line-model", "none")
    assert result.returncode == 0, result.stderr
    assert [json.loads(line)["text"] for line in result.stdout.splitlines()] == [expected] * 5
    missing = tmp_path / "no-such-line.onnx"
    result = run("webcam", "--source", path, "--headless", "--line-model", missing)
    assert result.returncode == 2 and str(missing) in result.stderr and "Traceback" not in result.stderr
    assert result.stdout == ""


def test_missing_camera_fails_fast_with_a_clear_message():
    started = time.monotonic()
    result = run("webcam", "--source", "7", "--headless", timeout=60)
    assert result.returncode == 1
    assert "camera 7" in result.stderr and "Traceback" not in result.stderr
    assert time.monotonic() - started < 20


@pytest.mark.parametrize(
    "source, said", [("99999999999999999999", "camera 99999999999999999999: no camera"), ("²", "²: no such video file")]
)
def test_a_camera_index_out_of_range_or_a_digit_sign_is_one_clear_line(source, said):
    """--source 99999999999999999999 (beyond a C int) is a camera that is not there, exit 1: it was a cv2.error
    traceback ('Python int too large to convert to C long'). --source ² is a file name, not camera 2: it was
    'invalid literal for int() with base 10', exit 2."""
    result = run("webcam", "--source", source, "--headless", timeout=60)
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert said in result.stderr


def test_a_camera_index_given_to_the_api_as_text_says_to_pass_an_int(tmp_path, monkeypatch):
    """iter_frames("0"), a program passing on its own command line, said "pass a camera index such as --source 0",
    a flag of this project's command line (a new user's trial of a webcam loop): it says to pass the int, and
    what turns the text into it."""
    from edgedigits.runtime.sources import VideoError, iter_frames, parse_source

    monkeypatch.chdir(tmp_path)  # (no file named '0' here)
    with pytest.raises(
        VideoError, match=r"^0: no such video file; for camera 0 pass the int 0 \(sources\.parse_source"
    ):
        next(iter_frames("0"))
    assert parse_source("0") == 0 and parse_source(" 1 ") == 1 and parse_source("0.avi") == "0.avi"
    with pytest.raises(
        VideoError, match=r"none\.avi: no such video file; check the path, or for a camera pass its index"
    ):
        next(iter_frames("none.avi"))


@pytest.mark.skipif(not os.path.exists("/dev/null"), reason="needs a character device")
def test_a_device_path_is_left_to_opencv_not_called_an_empty_file():
    """--source /dev/video0 names a camera by its device, whose size is 0: it is handed to OpenCV. It was refused
    as 'is empty (0 bytes); check the file (an interrupted copy or download?)'. No camera here: /dev/null, another
    character device, stands in for it; OpenCV cannot open it and says so."""
    result = run("webcam", "--source", "/dev/null", "--headless", timeout=60)
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert "/dev/null: OpenCV cannot open it" in result.stderr and "empty" not in result.stderr


def test_missing_video_file_and_non_video_file(tmp_path):
    result = run("webcam", "--source", tmp_path / "none.mp4", "--headless")
    assert result.returncode == 1 and "no such video file" in result.stderr
    bogus = tmp_path / "bogus.mp4"
    bogus.write_bytes(b"definitely not a video")
    result = run("webcam", "--source", bogus, "--headless")
    assert result.returncode == 1 and "Traceback" not in result.stderr and str(bogus) in result.stderr


def test_a_video_file_this_user_may_not_read_says_permission_denied(video, tmp_path):
    """A real video file of mode 000, read by a user who may not bypass file modes: 'permission denied' and the
    fix, exit 1. It said 'OpenCV cannot open it: check the path or URL and that the format is a video OpenCV can
    decode', as if the file were damaged."""
    path, _ = video
    locked = tmp_path / "locked.avi"
    locked.write_bytes(path.read_bytes())
    locked.chmod(0)
    result = subprocess.run(
        [*as_unprivileged(), *EDGEDIGITS, "webcam", "--source", str(locked), "--headless"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert f"{locked}: permission denied; make the file readable (chmod +r)" in result.stderr


def test_window_without_display_says_to_use_headless(video, monkeypatch):
    path, _ = video
    env_run = subprocess.run(
        [*EDGEDIGITS, "webcam", "--source", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        env={k: v for k, v in __import__("os").environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")},
    )
    assert env_run.returncode == 2 and "--headless" in env_run.stderr  # a usage error, before the models load
    assert "Traceback" not in env_run.stderr


# --------------------------------------------------------------------------- stabilizer (pure)


def reading_of(values_probs):
    digits = []
    for i, (value, p) in enumerate(values_probs):
        probabilities = np.full(10, (1 - p) / 9, np.float32)
        probabilities[value] = p
        digits.append(Digit(value, p, (100 * i, 50, 60, 80), 0, probabilities))
    return Reading("".join(str(v) for v, _ in values_probs), digits)


def test_one_frame_flicker_does_not_reach_the_output():
    stabilizer = Stabilizer()
    texts = [stabilizer.update(reading_of([(3, 0.95), (1, 0.9)])).text for _ in range(5)]
    texts.append(stabilizer.update(reading_of([(8, 0.99), (1, 0.9)])).text)  # one bad frame
    texts += [stabilizer.update(reading_of([(3, 0.95), (1, 0.9)])).text for _ in range(3)]
    assert set(texts) == {"31"}


def test_a_real_change_wins_within_two_frames():
    stabilizer = Stabilizer()
    for _ in range(5):
        stabilizer.update(reading_of([(3, 0.95)]))
    texts = [stabilizer.update(reading_of([(5, 0.95)])).text for _ in range(3)]
    assert texts[1:] == ["5", "5"]


def test_a_cut_to_another_number_shows_no_digit_of_the_old_one():
    """'2026' steady, then '3141' at the same place: the first new frame showed the old digits where the memory
    outweighed one frame ('3141' read as '2026' mixed, or a number never written); now most digits changing
    confidently at once is a cut, and the new number shows from its first frame. One confident misreading
    among steady digits is still smoothed away (the flicker test above)."""
    stabilizer = Stabilizer()
    for _ in range(10):
        stabilizer.update(reading_of([(2, 0.99), (0, 0.99), (2, 0.99), (6, 0.99)]))
    texts = [stabilizer.update(reading_of([(3, 0.95), (1, 0.97), (4, 0.9), (1, 0.99)])).text for _ in range(2)]
    assert texts == ["3141", "3141"]
    flicker = [stabilizer.update(reading_of([(3, 0.95), (7, 0.99), (4, 0.9), (1, 0.99)])).text]
    assert flicker == ["3141"]


def test_a_cut_to_another_number_elsewhere_shows_no_digit_of_the_old_one():
    """'12' steady, then '35' written a digit further right: the '3' fell on the '2''s track, one confident
    change only, and the frame showed '25', a number never written (a new user's video). No digit agreeing with
    its track and the layout changed: a cut."""
    stabilizer = Stabilizer()
    for _ in range(10):
        stabilizer.update(reading_of([(1, 0.99), (2, 0.99)]))
    shifted = reading_of([(0, 0.99), (3, 0.99), (5, 0.99)])
    shifted = replace(shifted, digits=shifted.digits[1:], text="35")  # in the 2nd and 3rd places
    texts = [stabilizer.update(shifted).text for _ in range(3)]
    assert texts == ["35", "35", "35"]


def two_lines(first, second):
    """A Reading of the digit strings ``first`` (a line at y = 50) and ``second`` (y = 200), either may be empty,
    numbered as the reader numbers them: 0 = the top line that has digits."""
    digits = []
    for y, text in ((50, first), (200, second)):
        line = 1 if digits else 0
        for i, c in enumerate(text):
            probabilities = np.full(10, 0.01 / 9, np.float32)
            probabilities[int(c)] = 0.99
            digits.append(Digit(int(c), 0.99, (100 * i, y, 60, 80), line, probabilities))
    return Reading("\n".join(t for t in (first, second) if t), digits)


def test_a_line_one_frame_misses_is_held():
    """'3141 / 592' moved across the camera: one frame in 40 lost the first line and the output flickered to
    '592' (a new user's video). A digit seen before is held where it was, in its line, for Stabilizer.hold
    frames; then it is gone. A digit seen in one frame only is not held."""
    stabilizer = Stabilizer()
    for _ in range(5):
        assert stabilizer.update(two_lines("3141", "592")).text == "3141\n592"
    texts = [stabilizer.update(two_lines("", "592")).text for _ in range(3)]
    assert texts == ["3141\n592", "3141\n592", "592"]
    assert stabilizer.update(two_lines("3141", "592")).text == "3141\n592"
    held = stabilizer.update(two_lines("31", "592"))  # the line's last two digits missed: they stay in line 0
    assert held.text == "3141\n592" and [d.line for d in held.digits] == [0, 0, 0, 0, 1, 1, 1]
    assert [d.box[0] for d in held.digits[:4]] == [0, 100, 200, 300]
    once = Stabilizer()
    once.update(two_lines("7", "592"))
    assert once.update(two_lines("", "592")).text == "592"
    assert stabilizer.update(two_lines("", "")).text == ""  # a blank frame (the paper taken away) holds nothing
    unheld = Stabilizer(hold=0)
    for _ in range(3):
        unheld.update(two_lines("3141", "592"))
    assert unheld.update(two_lines("", "592")).text == "592"


def test_a_digit_new_beside_the_scene_shows_once_seen_in_min_hits_frames_in_a_row():
    """'3636' whose first 3 the line model split into '73' in one frame of three: the steadied output changed 40
    times in 45 frames (a webcam user's video). A track born beside the scene's is shown once it is read in
    ``min_hits`` frames in a row, and dropped when a frame misses it before that (DeepSORT's tentative tracks);
    a frame that starts the scene shows every digit at once."""
    stabilizer = Stabilizer()
    first = two_lines("36", "")
    assert stabilizer.update(first).text == "36"  # the first frame: at once
    extra = two_lines("367", "")  # the same 3 and 6, and a 7 beside them
    texts = [stabilizer.update(r).text for r in (extra, first, extra, first)]
    assert texts == ["36", "36", "36", "36"]  # seen in one frame at a time: never shown
    texts = [stabilizer.update(r).text for r in (extra, extra, extra, first, first, first, first)]
    assert texts == ["36", "367", "367", "367", "367", "36", "36"]  # two in a row: shown, then held (hold 2)
    eager = Stabilizer(min_hits=1)  # as before: shown from its first frame
    eager.update(first)
    assert eager.update(extra).text == "367"
    with pytest.raises(ValueError, match="min_hits"):
        Stabilizer(min_hits=0)


def at(reading: Reading, dx: int, dy: int) -> Reading:
    """The same reading with every box moved by (dx, dy) pixels."""
    digits = [replace(d, box=(d.box[0] + dx, d.box[1] + dy, d.box[2], d.box[3])) for d in reading.digits]
    return replace(reading, digits=digits)


def test_a_new_number_elsewhere_shows_at_once_and_holds_no_digit_of_the_old_one():
    """'314' steady, then '27' written lower down, where no track was: the first '27' frame showed nothing ('27'
    was new beside the scene, not yet confirmed) and the second '314 / 27', the old digits held because the
    frame read some tracks (a new user's video). Two digits or more, none where a track was: a cut, shown at
    once. And a digit is held only while the frame reads some of its own scene: a lone '2' elsewhere (no cut,
    shown from its second frame) holds no digit of '314'."""
    stabilizer = Stabilizer()
    for _ in range(10):
        stabilizer.update(two_lines("314", ""))
    texts = [stabilizer.update(at(two_lines("27", ""), 0, 300)).text for _ in range(3)]
    assert texts == ["27", "27", "27"]
    stabilizer = Stabilizer()
    for _ in range(10):
        stabilizer.update(two_lines("314", ""))
    texts = [stabilizer.update(at(two_lines("2", ""), 0, 300)).text for _ in range(3)]
    assert texts == ["", "2", "2"]


def test_a_cut_in_a_video_to_a_number_elsewhere_mixes_no_two_numbers(tmp_path, mnist_test):
    """The CLI on a video: '314' drifting 2 px a frame, cut to '27' lower down and further right. Every steadied
    frame reads as the frame alone does: '314' up to the cut, '27' from its first frame."""
    path = tmp_path / "cut.avi"
    frames = [number_frame(mnist_test, "314", 100 + 2 * t, 100) for t in range(8)]
    frames += [number_frame(mnist_test, "27", 300 + 2 * t, 250) for t in range(8, 14)]
    write_video(path, frames)
    records, single = steadied_and_single(path)
    assert [text for text, _ in single] == ["314"] * 8 + ["27"] * 6, single
    assert [record["text"] for record in records] == ["314"] * 8 + ["27"] * 6


def test_iou_and_annotate():
    assert iou((0, 0, 10, 10), (0, 0, 10, 10)) == 1.0 and iou((0, 0, 10, 10), (20, 20, 5, 5)) == 0.0
    frame = np.zeros((120, 320, 3), np.uint8)
    drawn = annotate(frame, reading_of([(3, 0.95), (1, 0.4)]), fps=30.0)
    assert drawn.shape == frame.shape and drawn.any() and not frame.any()


def test_a_still_image_is_one_frame_and_a_bad_one_is_an_error(tmp_path, mnist_test):
    """A still image as the source is one frame, decoded as classify decodes it: a truncated JPEG or a text
    file named .png is an error naming the file (OpenCV's video reader decoded half of the JPEG and read a
    digit, and read no frame of the text file yet said it saved a video)."""
    good = tmp_path / "digit.jpg"
    cv2.imwrite(str(good), paper_digit(mnist_test.images[0]))
    result = run("webcam", "--source", good, "--headless", "--save", tmp_path / "out.mp4")
    assert result.returncode == 0, result.stderr
    [record] = [json.loads(line) for line in result.stdout.splitlines()]
    assert record["text"] == str(mnist_test.labels[0]) and (tmp_path / "out.mp4").stat().st_size > 0
    truncated = tmp_path / "truncated.jpg"
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    text = tmp_path / "notes.png"
    text.write_text("not an image\n")
    for bad, why in ((truncated, "truncated or corrupt"), (text, "not an image")):
        result = run("webcam", "--source", bad, "--headless", "--save", tmp_path / "bad.mp4")
        assert result.returncode == 1 and str(bad) in result.stderr and why in result.stderr, result.stderr
        assert "Traceback" not in result.stderr and "saved" not in result.stderr and result.stdout == ""
    assert not (tmp_path / "bad.mp4").exists()


def test_a_truncated_video_is_an_error_after_the_frames_it_has(video, tmp_path):
    """A video cut short (a copy stopped half-way) was read up to the cut and exited 0, as if whole (a new user's
    trial: 135 of the 240 frames its header declares). Its frames' readings are printed, then an error that
    says where it stopped, exit 1."""
    path, expected = video
    data = path.read_bytes()
    truncated = tmp_path / "cut.avi"
    truncated.write_bytes(data[: len(data) // 2])
    result = run("webcam", "--source", truncated, "--headless")
    frames = [json.loads(line) for line in result.stdout.splitlines()]
    assert result.returncode == 1 and 0 < len(frames) < 20, (result.returncode, len(frames), result.stderr)
    assert f"after frame {len(frames)} of the 20 it declares" in result.stderr, result.stderr
    assert "truncated or damaged" in result.stderr and str(truncated) in result.stderr
    assert sum(f["text"] == expected for f in frames) >= len(frames) - 2
    whole = run("webcam", "--source", path, "--headless")
    assert whole.returncode == 0 and len(whole.stdout.splitlines()) == 20


def test_a_video_file_with_no_frame_is_an_error(tmp_path):
    """A file OpenCV opens but decodes no frame from is an error, not a run of 0 frames."""
    from edgedigits.runtime.sources import Frames, VideoError

    path = tmp_path / "empty.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 10, (64, 48))
    writer.release()  # a container with no frame
    frames = Frames(str(path))  # OpenCV opens it
    with pytest.raises(VideoError, match="decoded no frame"):
        list(frames)


def test_save_onto_the_source_is_refused_before_anything_is_written(video, tmp_path):
    """--save naming the --source file (here through a symlink) was overwritten with its own annotated copy."""
    path, _ = video
    before = path.read_bytes()
    link = tmp_path / "same.avi"
    link.symlink_to(path)
    for save in (path, link):
        result = run("webcam", "--source", path, "--headless", "--save", save)
        assert result.returncode == 2 and "is the video being read" in result.stderr, result.stderr
        assert str(save) in result.stderr and result.stdout == "" and "Traceback" not in result.stderr
    assert path.read_bytes() == before


def number_frame(mnist_test, text: str, x: int, y: int = 190, size: int = 90) -> np.ndarray:
    """A 640x480 BGR frame: ``text`` in MNIST test digits (the first of each class), dark on light paper,
    overlapping a little (a step of 3/4 of a digit), its top-left at (x, y); no digit for an empty text."""
    rng = np.random.default_rng(x)
    paper = np.full((480, 640), 225, np.float32) + np.linspace(-10, 10, 640)[None, :]
    for i, char in enumerate(text):
        digit = mnist_test.images[int(np.flatnonzero(mnist_test.labels == int(char))[0])]
        ink = cv2.resize(digit, (size, size), interpolation=cv2.INTER_CUBIC).astype(np.float32) / 255
        left = x + i * size * 3 // 4
        region = paper[y : y + size, left : left + size]
        paper[y : y + size, left : left + size] = region * (1 - ink) + 30 * ink
    frame = np.clip(paper + rng.normal(0, 3, paper.shape), 0, 255).astype(np.uint8)
    return cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR)


def write_video(path, frames, fps=10):
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, (640, 480))
    assert writer.isOpened()
    for frame in frames:
        writer.write(frame)
    writer.release()


def steadied_and_single(path):
    """The CLI's steadied records of a video (JSON lines), and each frame read alone (DigitReader), as (text,
    lowest digit confidence) per frame."""
    from edgedigits.runtime import DigitReader

    result = run("webcam", "--source", path, "--headless")
    assert result.returncode == 0, result.stderr
    steadied = [json.loads(line) for line in result.stdout.splitlines()]
    reader, single = DigitReader(threads=1), []
    capture = cv2.VideoCapture(str(path))
    while (frame := capture.read()[1]) is not None:
        reading = reader.read(frame)
        single.append((reading.text, min((d.confidence for d in reading.digits), default=1.0)))
    capture.release()
    assert len(steadied) == len(single)
    return steadied, single


def test_steadying_a_pan_keeps_confident_readings(tmp_path, mnist_test):
    """'4815' panning 40 px a frame (more than half a digit) read '8815', '8155', '?155' steadied while each
    frame alone read '4815' at 0.97-0.99: each digit's track was taken over by its right neighbour's."""
    path = tmp_path / "pan.avi"
    write_video(path, [number_frame(mnist_test, "4815", 10 + 40 * t) for t in range(9)])
    records, single = steadied_and_single(path)
    confident = [i for i, (_, lowest) in enumerate(single) if lowest >= 0.9]
    assert len(confident) >= 7 and {single[i][0] for i in confident} == {"4815"}, single
    steadied = [records[i]["text"] for i in confident]
    assert steadied == [single[i][0] for i in confident], steadied


def test_steadying_forgets_a_scene_that_went_away(tmp_path, mnist_test):
    """'31' for 20 frames, 5 blank frames, '97' at the same place: the first '97' frame showed '31' (the old
    tracks, unseen for 5 frames, took the new digits in) and the next ones '97' at 0.64 only."""
    path = tmp_path / "change.avi"
    texts = ["31"] * 20 + [""] * 5 + ["97"] * 10
    write_video(path, [number_frame(mnist_test, text, 200) for text in texts])
    records, single = steadied_and_single(path)
    assert [text for text, _ in single] == texts
    assert [record["text"] for record in records] == texts
    assert min(d["confidence"] for d in records[25]["digits"]) >= 0.9, records[25]


def test_a_live_stream_is_saved_at_its_measured_rate(video, tmp_path):
    """An MJPEG stream over HTTP (a real server on 127.0.0.1) sending 10 frames a second declares FFmpeg's
    default of 25: saved at that, the clip played 2.5 times too fast. Its rate is measured, as a camera's."""
    import http.server
    import threading

    path, _ = video
    capture = cv2.VideoCapture(str(path))
    jpegs = [cv2.imencode(".jpg", capture.read()[1])[1].tobytes() for _ in range(20)]
    capture.release()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "multipart/x-mixed-replace; boundary=frame")
            self.end_headers()
            try:
                for jpeg in jpegs:
                    head = b"--frame\r\nContent-Type: image/jpeg\r\nContent-Length: %d\r\n\r\n" % len(jpeg)
                    self.wfile.write(head + jpeg + b"\r\n")
                    self.wfile.flush()
                    time.sleep(0.1)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the reader stopped at --max-frames

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    saved = tmp_path / "stream.avi"
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/cam.mjpg"
        result = run("webcam", "--source", url, "--headless", "--max-frames", "15", "--save", saved)
    finally:
        server.shutdown()
        server.server_close()
    assert result.returncode == 0, result.stderr
    capture = cv2.VideoCapture(str(saved))
    fps, count = capture.get(cv2.CAP_PROP_FPS), int(capture.get(cv2.CAP_PROP_FRAME_COUNT))
    capture.release()
    assert count == 15 and 8 <= fps <= 12, (count, fps, result.stderr)


def test_the_banner_fps_is_steady_while_a_video_plays_at_its_rate(tmp_path, mnist_test):
    """A clip played at its own 15 fps showed 4, 7, 14, 28, 19, 15 FPS at frames 1, 2, 5, 15, 30, 59 (an
    average of single-frame rates, warm-up included). Now: frames over the last two seconds of wall time."""
    from edgedigits.runtime import DigitReader
    from edgedigits.runtime.live import run as play

    path = tmp_path / "fifteen.avi"
    write_video(path, [number_frame(mnist_test, "4815", 100 + t) for t in range(45)], fps=15)
    stats = play(DigitReader(threads=1), str(path), headless=True, realtime=True, save=tmp_path / "out.avi")
    shown = [fps for fps in stats.shown_fps if fps is not None]
    assert len(shown) >= 35 and all(13.5 <= fps <= 16.5 for fps in shown), [round(f or 0, 1) for f in stats.shown_fps]


def test_a_folder_or_an_empty_file_as_source_says_so(tmp_path):
    """A folder and a 0-byte file got the generic "OpenCV cannot open it"."""
    empty_video, empty_image = tmp_path / "empty.mp4", tmp_path / "empty.png"
    empty_video.write_bytes(b"")
    empty_image.write_bytes(b"")
    for source, why in ((tmp_path, "is a folder"), (empty_video, "is empty (0 bytes)"), (empty_image, "is empty")):
        result = run("webcam", "--source", source, "--headless")
        assert result.returncode == 1 and f"{source}: {why}" in result.stderr, result.stderr
        assert "Traceback" not in result.stderr and result.stdout == ""


def test_a_video_piped_through_a_named_pipe_is_read(video, tmp_path):
    """`mkfifo v; ffmpeg ... > v & edgedigits webcam --source v`: a named pipe was refused as "is empty (0
    bytes)" (its size is 0, as a camera device's). It is left to OpenCV, which reads it as its writer writes."""
    import threading

    path, expected = video
    pipe = tmp_path / "video.pipe"
    os.mkfifo(pipe)

    def write() -> None:
        with open(pipe, "wb") as out:
            out.write(path.read_bytes())

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    result = run("webcam", "--source", pipe, "--headless", timeout=120)
    writer.join(timeout=10)
    assert result.returncode == 0, result.stderr
    texts = [json.loads(line)["text"] for line in result.stdout.splitlines()]
    assert len(texts) == 20 and sum(t == expected for t in texts) >= 18, texts


def test_a_named_pipe_no_program_writes_to_is_an_error_after_the_open_timeout(tmp_path):
    """A pipe with no writer blocked OpenCV's open for ever (Ctrl-C did not stop it): a VideoError after the open
    timeout, naming the pipe and what to do."""
    from edgedigits.runtime.sources import VideoError, open_video

    pipe = tmp_path / "stale.pipe"
    os.mkfifo(pipe)
    started = time.monotonic()
    with pytest.raises(VideoError, match="named pipe no program wrote to within 1 s"):
        open_video(str(pipe), open_timeout_s=1.0)
    assert time.monotonic() - started < 10


def test_the_banner_outline_lies_round_its_text():
    """The banner's white outline is there, and is the dark text's strokes grown by its thickness
    (draw.outlined_text), so it ends where the text ends. Drawn as a second, thicker text under the first, it
    ran on past the last letter on a fresh user's machine (a ghost '5' after '4815'), and on this one it did
    not show at all (the dark text on a dark frame had no outline)."""
    from edgedigits.runtime.draw import annotate

    frame = np.full((720, 1280, 3), 120, np.uint8)
    out = annotate(frame, Reading(path=None, digits=[], text="4815"), fps=22.0)[:80]
    dark = np.flatnonzero((out.max(axis=2) < 70).any(axis=0))
    white = np.flatnonzero((out.min(axis=2) > 200).any(axis=0))
    thickness = 2  # max(1, int(2 * scale)) at scale 1.2 (a 720-line frame)
    assert dark.size and white.size
    assert white.max() <= dark.max() + thickness + 1 and white.min() >= dark.min() - thickness - 1


def test_ctrl_c_says_how_many_frames_were_read(video, tmp_path):
    """Ctrl-C (SIGINT) stopped webcam with exit 130 and no word, where the end of a file prints a summary (a new
    user's trial): it says how many frames were read and that the saved video holds them."""
    import signal

    path, _ = video
    saved = tmp_path / "out.avi"
    process = playing(path, saved, text=True)
    first = process.stdout.readline()  # a frame was read: the models are loaded and the video plays at 15 fps
    assert first.startswith('{"frame": 0'), first
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    printed = 1 + len(out.splitlines())
    said = re.search(r"stopped by Ctrl-C after (\d+) frame\(s\); (.+) holds them", err)
    assert process.returncode == 130 and said, err
    # (the signal may come between a frame's reading and its record)
    assert int(said.group(1)) in (printed, printed + 1) and said.group(2) == str(saved), (printed, err)
    assert printed < 20 and "Traceback" not in err


def test_a_digits_label_fits_over_its_box():
    """The label over each box ("7 98%") was as wide as the image's scale made it, and on a line of small digits
    the labels ran into one another (a new user's annotated copies and live window). It shrinks to its box's
    width, then drops the confidence (the box's colour tells it), and stays readable (half size at least)."""
    import cv2

    from edgedigits.runtime.draw import box_label

    font = cv2.FONT_HERSHEY_SIMPLEX
    assert box_label(7, 0.98, 400, 1.2, 2) == ("7 98%", 1.2)  # room enough: as it was
    label, size = box_label(7, 0.98, 100, 1.2, 2)  # (at 1.2 the label is 116 px wide)
    assert label == "7 98%" and cv2.getTextSize(label, font, size, 2)[0][0] <= 100 and size >= 0.8
    label, size = box_label(7, 0.98, 22, 1.2, 2)
    assert label == "7" and cv2.getTextSize(label, font, size, 2)[0][0] <= 22 and size >= 0.6
    assert box_label(1, 1.0, 3, 1.2, 2)[0] == "1"  # a hairline '1': the digit at half size


def test_a_digits_label_stays_legible_in_a_small_frame():
    """In a 640x480 webcam frame a digit's box is about 35 px wide; "3 99%" shrunk to it was drawn at font scale
    0.37, 7 px tall, in thin green on a dark frame (a new user's webcam trial). The digit alone is drawn then, at
    a legible scale, in its box's colour with a dark rim that shows on white paper too."""
    import cv2

    from edgedigits.runtime.draw import SURE, box_label

    label, size = box_label(3, 0.99, 35, 0.56, 1)  # annotate's size and thickness at 640x480
    assert label == "3" and size >= 0.45 and cv2.getTextSize(label, cv2.FONT_HERSHEY_SIMPLEX, size, 1)[0][1] >= 10
    assert box_label(3, 0.99, 35, 0.3, 1) == ("3 99%", 0.3)  # a small image keeps its own scale
    digit = Digit(value=3, confidence=0.99, box=(300, 200, 35, 48), line=0)
    for paper in (255, 40):
        frame = np.full((480, 640, 3), paper, np.uint8)
        out = annotate(frame, Reading(path=None, digits=[digit], text="3"))[170:200, 295:340].astype(int)
        green = (np.abs(out - np.array(SURE)).max(axis=2) < 60).sum()
        rim = (out.max(axis=2) < 30).sum()
        assert green >= 15 and rim >= 15, (paper, green, rim)


def test_readme_video_example_runs(tmp_path, mnist_test):
    """README's Python API section reads a video frame by frame with iter_frames and a Stabilizer: run as written,
    on a real video file."""
    from pathlib import Path

    readme = (Path(__file__).parents[1] / "README.md").read_text()
    api = readme.split("## Python API", 1)[1].split("\n## ", 1)[0]
    [example] = [block for block in re.findall(r"```python\n(.*?)```", api, re.S) if "iter_frames(" in block]
    path = tmp_path / "clip.avi"
    write_video(path, [number_frame(mnist_test, "31", 200)] * 6)
    assert '"clip.mp4"' in example
    result = subprocess.run(
        [sys.executable, "-c", example.replace('"clip.mp4"', repr(str(path)))],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [f"{i} 31" for i in range(6)], result.stdout


def test_a_hand_held_up_beside_the_number_is_no_writing(mnist_test):
    """A webcam user holds the sheet up with a hand beside the number (train.scenes.hand_frame: palm, fingers and
    wrist, none of it over the number's box). The hand is nearer the camera than the paper and out of focus: its
    soft outline, in the ink map a thick curved stroke three times as tall as the digits, set the digit height (the
    number's line was then dropped as specks) or read as digits itself. focus.out_of_focus drops it: 10 of these 10
    frames read exactly, 7 with it off (focus_ratio 0; 2026-12-06)."""
    from edgedigits.runtime import DigitReader
    from edgedigits.runtime.config import DetectConfig
    from edgedigits.train.scenes import hand_frame

    reader, blind = DigitReader(), DigitReader(detect_config=DetectConfig(focus_ratio=0.0))
    exact = exact_blind = 0
    for i in range(10):
        image, want = hand_frame(mnist_test, np.random.default_rng([i, 640]), (640, 480), "beside")
        exact += reader.read(image).text.replace("\n", "") == want
        exact_blind += blind.read(image).text.replace("\n", "") == want
    assert exact >= 9 and exact_blind <= exact - 2, (exact, exact_blind)
