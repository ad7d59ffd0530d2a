"""Scoring your own labelled images (runtime/labelled.py, ``edgedigits evaluate --labels``): a CSV of file,text
rows beside scenes drawn from real MNIST test digits, read by the shipped models."""

from __future__ import annotations

import csv
import json
import subprocess
import sys

import cv2
import numpy as np
import pytest

from edgedigits.runtime import synth
from edgedigits.runtime.labelled import LabelsError, digit_errors, edit_distance, read_labels, score
from edgedigits.runtime.reader import DigitReader


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
    assert digit_errors("12\n34", "1234") == 1  # two lines read as one: the line break is missing


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
    assert report["digits"] == sum(len(text) for _, text in rows)
    got = truth["scans/1.png"]
    assert (
        report["digit_errors"] == digit_errors("999", got) + 2 + 1
    )  # the wrong label, and every digit of the bad files
    assert report["digit_accuracy"] == pytest.approx(1 - report["digit_errors"] / report["digits"])
    misses = {m["file"]: m for m in report["misses"]}
    assert list(misses) == ["scans/1.png", "scans/torn.png", "scans/gone.png"]  # in the CSV's order
    assert misses["scans/1.png"] == {"file": "scans/1.png", "want": "999", "got": got}
    assert "truncated or corrupt image" in misses["scans/torn.png"]["error"] and misses["scans/torn.png"]["got"] == ""
    assert "no such file" in misses["scans/gone.png"]["error"]
    assert report["model"] == "default" and report["line_model"].endswith("line.onnx")


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
    assert "exact:  7 of 10 images (70.0%) read exactly" in run.stdout
    assert "unreadable: 2 image(s)" in run.stdout
    assert "scans/1.png     want '999'" in run.stdout and repr(truth["scans/1.png"]) in run.stdout
    run = _cli("--labels", str(folder / "expected.csv"), "-f", "json", "--workers", "1")
    report = json.loads(run.stdout)
    assert report["labels"] == str(folder / "expected.csv")
    assert (report["images"], report["exact"], report["unreadable"]) == (10, 7, 2)
    assert [m["file"] for m in report["misses"]] == ["scans/1.png", "scans/torn.png", "scans/gone.png"]


def test_cli_min_confidence_and_single_reach_the_reader(labelled):
    folder, _, _ = labelled
    run = _cli("--labels", str(folder / "expected.csv"), "-f", "json", "--min-confidence", "1", "--single")
    report = json.loads(run.stdout)
    assert report["min_confidence"] == 1.0 and report["single"] is True
    assert report["exact"] == 0  # every digit under certainty 1 reads '?'


def test_cli_refuses_options_that_need_labels():
    run = _cli("--single")
    assert run.returncode == 2 and "--single is for reading labelled images: it goes with --labels CSV" in run.stderr
    run = _cli("--labels", "x.csv", "--data", "mnist")
    assert run.returncode == 2 and "give one of them" in run.stderr
    run = _cli("--labels", "missing.csv")
    assert run.returncode == 2 and "missing.csv: cannot read the labels" in run.stderr


def test_shared_cases_score_full_marks(shared_cases):
    """The project's real failing inputs, scored by the command a user would run on them."""
    folder, expected = shared_cases
    report = json.loads(_cli("--labels", str(folder / "expected.csv"), "-f", "json").stdout)
    assert report["images"] == len(expected)
    assert report["misses"] == [] and report["digit_accuracy"] == 1.0
