"""Scoring your own labelled images (runtime/labelled.py, ``edgedigits evaluate --labels``): a CSV of file,text
rows beside scenes drawn from real MNIST test digits, read by the shipped models."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys

import cv2
import numpy as np
import pytest

from edgedigits.runtime import synth
from edgedigits.runtime.labelled import (
    Label,
    LabelsError,
    Tally,
    aligned,
    digit_errors,
    edit_distance,
    format_report,
    read_labels,
    score,
)
from edgedigits.runtime.reader import DigitReader, Reading


def _cli(*args: str, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "edgedigits.runtime.cli", "evaluate", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
    )


@pytest.fixture(scope="module")
def labelled(tmp_path_factory, mnist_test):
    """A folder of 8 clean scenes of MNIST test digits (one of two lines) in a subfolder, a corrupt file, and a
    CSV naming them and a file that does not exist; one scene labelled wrong on purpose ('999')."""
    folder = tmp_path_factory.mktemp("labelled")
    (folder / "scans").mkdir()
    rng = np.random.default_rng(7)
    rows = []
    for n in range(8):
        indices = rng.choice(len(mnist_test.labels), size=int(rng.integers(3, 6)), replace=False)
        digits = [mnist_test.images[i] for i in indices]
        image, text = synth.paper_scene(
            digits, rng, lines=2 if n == 0 else 1, labels=mnist_test.labels[indices], height=60, tilt=0.0
        )
        cv2.imwrite(str(folder / "scans" / f"{n}.png"), image)
        rows.append((f"scans/{n}.png", text))
    truth = dict(rows)
    rows[1] = (rows[1][0], "999")  # a wrong label: a miss whatever the reader does
    (folder / "scans" / "torn.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 40)
    rows += [("scans/torn.png", "12"), ("scans/gone.png", "7")]
    with open(folder / "expected.csv", "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["file", "text"])
        writer.writerows(rows)
    return folder, rows, truth


def test_edit_distance_and_digit_errors():
    assert edit_distance("kitten", "sitting") == 3  # Levenshtein's textbook pair
    assert edit_distance("070", "70") == 1
    assert edit_distance("", "123") == edit_distance("123", "") == 3
    assert edit_distance("2468", "24168") == 1  # a slash read as 1: one insertion
    assert digit_errors("76", "2176981") == 2  # noise costs the label's own digits, no more
    assert digit_errors("12\n34", "1234") == 0  # two lines read as one: every digit right (line breaks left out)
    assert digit_errors("", "1") == 0  # a blank read as '1': no labelled digit to get wrong (report: extra_digits)


def test_aligned_is_a_cheapest_alignment():
    """Levenshtein alignments of random strings: they spell both strings, and cost edit_distance."""
    import random

    rng = random.Random(0)
    for _ in range(2000):
        a = "".join(rng.choice("0123") for _ in range(rng.randint(0, 7)))
        b = "".join(rng.choice("0123") for _ in range(rng.randint(0, 7)))
        pairs = aligned(a, b)
        assert "".join(x for x, _ in pairs if x) == a and "".join(y for _, y in pairs if y) == b
        assert sum(x != y for x, y in pairs) == edit_distance(a, b)
    assert aligned("2468", "24168") == [("2", "2"), ("4", "4"), (None, "1"), ("6", "6"), ("8", "8")]


def test_confusions_missed_and_added_digits_are_counted():
    """Real Readings (as the reader returns them) scored by Tally: each miss aligned with its label."""
    labels = [Label(f"{n}.png", text, f"{n}.png", n + 2) for n, text in enumerate(["2468", "71", "71", "5", "", "9"])]
    read = ["24168", "11", "1?", "5", "8", "9"]
    tally = Tally(labels)
    for label, text in zip(labels, read):
        tally.add(label, Reading(text, [], label.path))
    tally.add(Label("x.png", "44", "x.png", 9), Reading("", [], "x.png", error="no such file; check the path"))
    report = tally.report(DigitReader(threads=1))
    assert report["confusions"] == [
        {"true": "7", "read": "1", "count": 2},
        {"true": "1", "read": "?", "count": 1},
    ]
    assert report["missed"] == {} and report["added"] == {"1": 1, "8": 1}  # the unreadable one's digits: neither
    assert (report["exact"], report["extra_digits"], report["digit_errors"]) == (2, 2, 4 + 2)
    assert report["leading_zeros_lost"] == 0  # a blank read '8' is no dropped zero; nor would '0' be
    # each digit with how many times: '8 (1)' read like a count ('0 (1)' as none not read: a new user's trial)
    assert "read where none was labelled: '1' 1 time, '8' 1 time" in format_report(report).splitlines()
    blank = Tally([Label("b.png", "", "b.png", 2)])
    blank.add(blank.labels[0], Reading("0", [], "b.png"))
    assert blank.report(DigitReader(threads=1))["leading_zeros_lost"] == 0
    unread = Tally(labels)  # Ctrl-C before the first reading came back
    assert unread.report(DigitReader(threads=1))["exact_rate"] is None
    assert format_report(unread.report(DigitReader(threads=1))).splitlines()[-1] == "no image read"


def test_read_labels_resolves_files_beside_the_csv(labelled):
    folder, rows, _ = labelled
    labels = read_labels(folder / "expected.csv")
    assert [(label.file, label.text) for label in labels] == rows
    assert labels[0].path == str(folder / "scans" / "0.png") and "\n" in labels[0].text  # two lines, quoted
    assert [label.row for label in labels[:3]] == [2, 4, 5]  # the quoted text spans lines 2-3 of the file


def test_score_counts_exact_misses_and_unreadable(labelled):
    folder, rows, truth = labelled
    reader = DigitReader(threads=1)
    report = score(reader, read_labels(folder / "expected.csv"), workers=1)
    # the clean scenes read right (each checked here on its own), the wrong label and both bad files miss
    for file, text in list(truth.items()):
        assert reader.read(str(folder / file)).text == text, file
    assert (report["images"], report["exact"], report["unreadable"]) == (10, 7, 2)
    assert report["exact_rate"] == pytest.approx(0.7)
    assert report["digits"] == sum(len(text.replace("\n", "")) for _, text in rows)  # line breaks are no digits
    got = truth["scans/1.png"]
    assert (
        report["digit_errors"] == digit_errors("999", got) + 2 + 1
    )  # the wrong label, and every digit of the bad files
    assert report["digit_accuracy"] == pytest.approx(1 - report["digit_errors"] / report["digits"])
    misses = {m["file"]: m for m in report["misses"]}
    assert list(misses) == ["scans/1.png", "scans/torn.png", "scans/gone.png"]  # in the CSV's order
    path = str(folder / "scans" / "1.png")
    assert misses["scans/1.png"] == {"file": "scans/1.png", "path": path, "want": "999", "got": got}
    assert (report["extra_digits"], report["repeated"], report["leading_zeros_lost"]) == (int(len(got) > 3), 0, 0)
    assert "truncated or corrupt image" in misses["scans/torn.png"]["error"] and misses["scans/torn.png"]["got"] == ""
    assert "no such file" in misses["scans/gone.png"]["error"]
    assert (report["model"], report["line_model"], report["labelled"]) == ("default", "line", 10)
    assert report["pencil_model"] == "pencil"


@pytest.mark.parametrize(
    "content, message",
    [
        ("name,value\na.png,1\n", "line 1 should be a header with the columns 'file' and 'text'"),
        ("file,text\n", "no labelled images"),
        ("file,text\na.png,Box 76\n", "line 2: the text 'Box 76' of a.png holds more than digits"),
        ("file,text\n,12\n", "line 2: no file named"),
        ("file,text\na.png,1\n,\nb.png,٣\n", "line 4: the text '٣' of b.png holds more than digits"),
    ],
)
def test_bad_csv_is_refused_naming_the_line(tmp_path, content, message):
    path = tmp_path / "labels.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(LabelsError, match="labels.csv") as caught:
        read_labels(path)
    assert message in str(caught.value)


def test_classify_csv_corrected_by_hand_is_a_labelled_set(labelled):
    """The labelling workflow: classify a folder to CSV from the folder it sits in, correct the readings, score
    another reading against it. Unchanged, the readings score full marks but the file that could not be read."""
    folder, _, truth = labelled
    run = subprocess.run(
        [sys.executable, "-m", "edgedigits.runtime.cli", "classify", "scans", "-f", "csv", "-o", "mine.csv"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 1, run.stderr  # torn.png
    labels = read_labels(folder / "mine.csv")
    assert {label.file: label.text for label in labels} == {**truth, "scans/torn.png": ""}
    assert labels[0].path == str(folder / "scans" / "0.png")
    report = score(DigitReader(threads=1), labels, workers=1)
    assert (report["images"], report["exact"], report["unreadable"]) == (9, 8, 1)


def test_row_numbers_count_blank_lines_and_quoted_line_breaks(tmp_path):
    path = tmp_path / "labels.csv"
    path.write_text('file,text\n\na.png,"1\n2"\n\nb.png,x\n', encoding="utf-8")
    with pytest.raises(LabelsError, match="line 6: the text 'x' of b.png"):
        read_labels(path)


def test_spreadsheet_export_is_read(tmp_path):
    """A byte-order mark, a capitalised header with spaces, CRLF rows, a blank row at the end, an empty text (a
    blank form field, which should read nothing) and an absolute path."""
    image = tmp_path / "x.png"
    path = tmp_path / "labels.csv"
    path.write_bytes(f"\ufeffFile , Text\r\nx.png, 070 \r\n{image},\r\n,\r\n".encode("utf-8"))
    labels = read_labels(path)
    assert [(label.path, label.text) for label in labels] == [(str(image), "070"), (str(image), "")]
    path.write_bytes(b"file,text\nx.png,\xff1\n")
    with pytest.raises(LabelsError, match="not UTF-8"):
        read_labels(path)
    with pytest.raises(LabelsError, match="cannot read the labels"):
        read_labels(tmp_path / "missing.csv")


def test_cli_reports_in_text_and_json(labelled):
    folder, _, truth = labelled
    run = _cli("--labels", "expected.csv", "--workers", "1", cwd=folder)
    assert run.returncode == 1, run.stderr  # two images could not be read
    lines = run.stdout.splitlines()
    assert "exact:  7 of 10 images (70.0%)" in lines
    assert "unreadable: 2 images, each a miss" in lines
    assert any(line.startswith("digits: ") and "line breaks left out" in line for line in lines)
    assert f"  scans/1.png     want '999'        read {truth['scans/1.png']!r}" in lines
    gone = next(line for line in lines if line.startswith("  scans/gone.png"))
    assert gone.endswith("read error: no such file; check the path")  # found where the CSV says, from here
    torn = next(line for line in _cli("--labels", str(folder / "expected.csv")).stdout.splitlines() if "torn" in line)
    assert torn.endswith(f"({folder / 'scans' / 'torn.png'})")  # where it was looked for, when that differs
    run = _cli("--labels", str(folder / "expected.csv"), "-f", "json", "--workers", "1")
    report = json.loads(run.stdout)
    assert report["labels"] == str(folder / "expected.csv")
    assert (report["images"], report["exact"], report["unreadable"]) == (10, 7, 2)
    assert [m["file"] for m in report["misses"]] == ["scans/1.png", "scans/torn.png", "scans/gone.png"]


def test_notes_on_labels_that_look_wrong(tmp_path, labelled):
    """Zeros a spreadsheet dropped, a row repeated, blanks read as digits, every file missing: said in the report."""
    folder, rows, truth = labelled
    zero = next(file for file, text in truth.items() if text.startswith("0") and "\n" not in text)
    blank = tmp_path / "blank.png"
    cv2.imwrite(str(blank), np.full((200, 300, 3), 235, np.uint8))
    csv_path = tmp_path / "labels.csv"
    csv_path.write_text(
        f"file,text\n{folder / zero},{truth[zero].lstrip('0')}\n{folder / zero},{truth[zero]}\n{blank},\n",
        encoding="utf-8",
    )
    run = _cli("--labels", str(csv_path), "--workers", "1")
    assert run.returncode == 0, run.stderr  # misses alone are no failure
    assert "note: 1 miss read as the label with zeros before it" in run.stdout
    assert "note: 1 row names an image another row names too" in run.stdout
    assert "digits too many: 1 image read with more digits than labelled" in run.stdout  # the zero
    csv_path.write_text("file,text\na.png,\nb.png,\n", encoding="utf-8")
    run = _cli("--labels", str(csv_path), "-f", "json")
    report = json.loads(run.stdout)
    assert report["digit_accuracy"] is None and report["unreadable"] == 2
    text = _cli("--labels", str(csv_path)).stdout
    assert "no digit labelled" in text and "note: no labelled image was found" in text


def test_semicolons_unclosed_quotes_and_every_bad_row(tmp_path):
    path = tmp_path / "labels.csv"
    path.write_text("File;Text\na.png;070\n", encoding="utf-8")  # a spreadsheet in a European locale
    assert [(label.file, label.text) for label in read_labels(path)] == [("a.png", "070")]
    path.write_text('file,text\na.png,1\n"b.png,2\nc.png,3\n', encoding="utf-8")
    with pytest.raises(LabelsError, match="line 3: not CSV from there on"):
        read_labels(path)
    path.write_text("file,text\na.png,Box 1\nb.png\n,4\nc.png,5\nd.png,x\n", encoding="utf-8")
    with pytest.raises(LabelsError) as caught:
        read_labels(path)
    message = str(caught.value)
    assert "4 row(s) cannot be used" in message
    assert [line.split(":")[0].strip() for line in message.splitlines()[1:]] == ["line 2", "line 3", "line 4", "line 6"]
    assert "b.png has no text cell; write 'b.png,'" in message
    path.write_text("file,text\na.png,1,234\n", encoding="utf-8")  # an unquoted comma in a number
    with pytest.raises(LabelsError, match="line 2: 3 cells where the header has 2; quote a text with a comma"):
        read_labels(path)
    path.write_text("file,text,file\na.png,1,b.png\n", encoding="utf-8")
    with pytest.raises(LabelsError, match="names the column 'file' twice"):
        read_labels(path)
    with pytest.raises(LabelsError, match="a folder; give the CSV file"):
        read_labels(tmp_path)


def test_a_windows_path_is_found_with_slashes(tmp_path):
    (tmp_path / "batch 1").mkdir()
    image = tmp_path / "batch 1" / "scan.png"
    image.write_bytes(b"")
    path = tmp_path / "labels.csv"
    path.write_text("file,text\nbatch 1\\scan.png,7\nbatch 1\\gone.png,7\n", encoding="utf-8")
    found, missing = read_labels(path)
    assert found.path == str(image) and found.file == "batch 1\\scan.png"
    assert missing.path == str(tmp_path / "batch 1" / "gone.png")  # looked for as the folder's file


def test_ctrl_c_reports_what_was_read(labelled, tmp_path):
    """Ctrl-C part-way: the report of the images read so far, said to be partial, exit 130, no traceback."""
    import signal
    import time

    folder, rows, _ = labelled
    path = tmp_path / "many.csv"
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["file", "text"])
        writer.writerows([(str(folder / file), text) for file, text in rows[:8]] * 500)
    process = subprocess.Popen(
        [sys.executable, "-m", "edgedigits.runtime.cli", "evaluate", "--labels", str(path), "-f", "json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    time.sleep(4)
    os.killpg(process.pid, signal.SIGINT)
    out, err = process.communicate(timeout=120)
    assert process.returncode == 130, err
    report = json.loads(out)
    assert report["labelled"] == 4000 and report["images"] < 4000
    assert f"interrupted after {report['images']:,} of 4,000 images" in err and "Traceback" not in err


def test_cli_min_confidence_and_single_reach_the_reader(labelled):
    folder, _, _ = labelled
    run = _cli("--labels", str(folder / "expected.csv"), "-f", "json", "--min-confidence", "1", "--workers", "1")
    report = json.loads(run.stdout)
    assert report["min_confidence"] == 1.0 and not report["single"]
    assert report["exact"] < 7 and any(c["read"] == "?" for c in report["confusions"])  # digits under 1 read '?'
    run = _cli("--labels", str(folder / "expected.csv"), "-f", "json", "--single", "--workers", "1")
    assert json.loads(run.stdout)["single"] is True and json.loads(run.stdout)["line_model"] is None
    assert "note: 9 of the 10 labels hold more than one digit, and --single reads each image" in run.stderr


def test_cli_takes_every_model_option_of_classify(labelled):
    """--orientation-model, --digit-orientation-model and --pencil-model, as in classify (evaluate had --line-model
    only, so a pencil model or an orientation model of one's own could not be scored on labelled images); the JSON
    report names each model that read, and a file that is no such model is refused at start."""
    folder, _, _ = labelled
    csv_path = str(folder / "expected.csv")
    shipped = json.loads(_cli("--labels", csv_path, "-f", "json", "--workers", "1").stdout)
    assert (shipped["orientation_model"], shipped["digit_orientation_model"]) == ("orientation", "digit-orientation")
    assert shipped["pencil_model"] == "pencil"
    off = ["--orientation-model", "none", "--digit-orientation-model", "none", "--pencil-model", "none"]
    run = _cli("--labels", csv_path, "-f", "json", "--workers", "1", *off)
    report = json.loads(run.stdout)
    assert [report[f"{kind}_model"] for kind in ("orientation", "digit_orientation", "pencil")] == [None] * 3
    assert report["line_model"] == "line" and report["exact"] == shipped["exact"]  # (clean scenes: no turn, no noise)
    refused = _cli("--labels", csv_path, "--pencil-model", "line")
    assert refused.returncode == 2 and "line: not a digit model: it is the shipped line model" in refused.stderr


def test_cli_refuses_options_that_need_labels():
    run = _cli("--single")
    assert run.returncode == 2 and "--single is for reading labelled images: it goes with --labels CSV" in run.stderr
    run = _cli("--min-confidence", "0.5")  # given, even at its default
    assert run.returncode == 2 and "--min-confidence is for reading labelled images" in run.stderr
    run = _cli("--digit-orientation-model", "none")
    assert run.returncode == 2 and "--digit-orientation-model is for reading labelled images" in run.stderr
    run = _cli("--labels", "x.csv", "--threads", "2")
    assert run.returncode == 2 and "--threads is for the evaluation on MNIST" in run.stderr
    run = _cli("--labels", "x.csv", "--data", "mnist")
    assert run.returncode == 2 and "--data is for the evaluation on MNIST; --labels scores your own" in run.stderr
    run = _cli("--labels", "missing.csv")
    assert run.returncode == 2 and "missing.csv: cannot read the labels" in run.stderr


def test_shared_cases_score_full_marks(shared_cases):
    """The project's real failing inputs, scored by the command a user would run on them."""
    folder, expected = shared_cases
    report = json.loads(_cli("--labels", str(folder / "expected.csv"), "-f", "json").stdout)
    assert report["images"] == len(expected)
    assert report["misses"] == [] and report["digit_accuracy"] == 1.0


def test_spaces_between_numbers_in_a_label_are_no_text(tmp_path):
    """A teacher labels two answers side by side on a worksheet's row '844 905'; the reader reads that row as
    one line, '844905'. It was refused as holding more than digits."""
    (tmp_path / "labels.csv").write_text('file,text\na.png,844 905\nb.png,"12\t7\n3 4"\nc.png,"8\u00a01\r2\n \n5"\n')
    labels = read_labels(tmp_path / "labels.csv")
    assert [label.text for label in labels] == ["844905", "127\n34", "812\n5"]
