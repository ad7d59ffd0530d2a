"""The progress bar of `edgedigits classify`, on real terminals: pseudo-terminals (pty), read back through a
terminal emulator (pyte) as a user would see the screen. Progress goes to stderr only and never mixes into
the result lines on stdout."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios

import cv2
import pytest

pyte = pytest.importorskip("pyte")

EDGEDIGITS = [sys.executable, "-m", "edgedigits.runtime.cli"]
COLS = 300  # wide enough that no result line wraps on the emulated screen
ESCAPE = re.compile(rb"\x1b")


def open_terminal(rows: int) -> tuple[int, int]:
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, COLS, 0, 0))
    return master, slave


def run_on_terminals(
    args, *, stdout="tty", stderr="same", stdin=subprocess.DEVNULL, input_bytes=None, rows=50, timeout=180
):
    """Run the CLI with stdout on a terminal ("tty") or a pipe ("pipe"), and stderr on the same terminal
    ("same"), a second one ("tty") or a pipe. Returns (exit status, {"out": bytes, "err": bytes})."""
    fds, child = {}, {}
    if stdout == "tty":
        fds["out"], child["stdout"] = open_terminal(rows)
    if stderr == "tty":
        fds["err"], child["stderr"] = open_terminal(rows)
    elif stderr == "same":
        child["stderr"] = child["stdout"]
    process = subprocess.Popen(
        [*EDGEDIGITS, *map(str, args)],
        stdin=stdin,
        stdout=child.get("stdout", subprocess.PIPE),
        stderr=child.get("stderr", subprocess.PIPE),
        env={**os.environ, "TERM": "xterm-256color", "COLUMNS": str(COLS)},
    )
    if input_bytes is not None:
        process.stdin.write(input_bytes)
        process.stdin.close()
    for fd in set(child.values()):
        os.close(fd)
    readers = dict(fds)
    if process.stdout is not None:
        readers["out"] = process.stdout.fileno()
    if process.stderr is not None:
        readers["err"] = process.stderr.fileno()
    got = {name: b"" for name in readers}
    waiting = {fd: name for name, fd in readers.items()}
    while waiting:
        ready, _, _ = select.select(list(waiting), [], [], timeout)
        assert ready, "the command hung"
        for fd in ready:
            try:
                data = os.read(fd, 1 << 16)
            except OSError:  # EIO: the terminal's other side is closed
                data = b""
            if data:
                got[waiting[fd]] += data
            else:
                del waiting[fd]
    process.wait(timeout=timeout)
    for fd in fds.values():
        os.close(fd)
    return process.returncode, got


def screen_of(data: bytes, rows: int) -> list[str]:
    """The lines a terminal of ``rows`` x COLS shows after ``data``, trailing blank lines dropped."""
    screen = pyte.Screen(COLS, rows)
    pyte.ByteStream(screen).feed(data)
    lines = [line.rstrip() for line in screen.display]
    while lines and not lines[-1]:
        lines.pop()
    return lines


@pytest.fixture(scope="module")
def folder(tmp_path_factory, mnist_test):
    """600 small digit PNGs (about a second of reading on one core) and one broken file, with the table
    lines they give when nothing is a terminal (the reference every screen is checked against)."""
    folder = tmp_path_factory.mktemp("bar")
    for i in range(600):
        cv2.imwrite(str(folder / f"{i:03d}.png"), 255 - cv2.resize(mnist_test.images[i], (56, 56)))
    (folder / "600.png").write_bytes(b"\x89PNG\r\n\x1a\n broken")
    reference = subprocess.run(
        [*EDGEDIGITS, "classify", str(folder), "--workers", "1"], capture_output=True, text=True, timeout=180
    )
    expected = reference.stdout.splitlines()
    assert len(expected) == 601 and expected[0].startswith(f"{folder}/000.png  ") and "\x1b" not in reference.stdout
    return folder, expected


def plain(lines_of_bytes: bytes) -> list[str]:
    return lines_of_bytes.decode().replace("\r\n", "\n").splitlines()


def check_results(lines: list[str], expected: list[str]) -> None:
    """Every result line whole and in order: exactly the lines of a run without a terminal."""
    assert len(lines) == len(expected), (len(lines), lines[-3:])
    bad = [(line, want) for line, want in zip(lines, expected) if line != want]
    assert not bad, bad[:3]


def test_bar_on_its_own_terminal_never_touches_stdout(folder):
    """stdout on one terminal, stderr on another: stdout holds exactly the result lines, nothing else; stderr
    shows a bar with the total, percentage, rate and time left, then the summary."""
    path, expected = folder
    status, got = run_on_terminals(["classify", path, "--workers", "1"], stdout="tty", stderr="tty")
    assert status == 1  # the broken file
    assert not ESCAPE.search(got["out"])
    check_results(plain(got["out"]), expected)
    err = got["err"].decode()
    assert re.search(r"/601\s+\d+%\s+[\d,]+ images/s\s+\d+:\d\d:\d\d left", err), err[-2000:]
    assert "reading (1 failed)" in err
    assert screen_of(got["err"], 50) == [screen_of(got["err"], 50)[0]]  # the bar is gone: the summary is left
    assert screen_of(got["err"], 50)[0].startswith("601 image(s): 600 read, 1 failed")


def test_bar_and_results_on_the_same_terminal_keep_every_line_whole(folder):
    """The case of the issue: table output and the bar on one terminal. Every result line is whole on the
    screen, in order, then the summary; the bar was drawn while it ran and is gone at the end."""
    path, expected = folder
    rows = 700
    status, got = run_on_terminals(["classify", path, "--workers", "1"], stdout="tty", stderr="same", rows=rows)
    assert status == 1
    assert b"images/s" in got["out"] and b"\x1b[2K" in got["out"]  # the bar was drawn (and erased)
    lines = screen_of(got["out"], rows)
    check_results(lines[:-1], expected)
    assert lines[-1].startswith("601 image(s): 600 read, 1 failed")


def test_results_piped_and_bar_on_the_terminal(folder):
    """`edgedigits classify DIR > results.txt` on a terminal: the file gets exactly what it gets without a
    terminal; the bar is on stderr."""
    path, expected = folder
    status, got = run_on_terminals(
        ["classify", path, "--workers", "1", "--format", "jsonl"], stdout="pipe", stderr="tty"
    )
    reference = subprocess.run(
        [*EDGEDIGITS, "classify", str(path), "--workers", "1", "--format", "jsonl"], capture_output=True, timeout=180
    )
    assert status == reference.returncode == 1
    assert got["out"] == reference.stdout
    assert b" left" in got["err"] and b"\x1b[" not in reference.stderr  # a bar on the terminal; none without one


def test_without_a_total_the_bar_shows_the_rate(folder):
    """Paths streaming in on stdin (`find ... | edgedigits classify --from-file -`): no total to show, so the
    count, the rate and the time so far."""
    path, expected = folder
    listing = "".join(f"{path}/{i:03d}.png\n" for i in range(600)).encode()
    status, got = run_on_terminals(
        ["classify", "--from-file", "-", "--workers", "1"],
        stdout="pipe",
        stderr="tty",
        stdin=subprocess.PIPE,
        input_bytes=listing,
    )
    assert status == 0
    check_results(plain(got["out"]), expected[:600])
    err = got["err"].decode()
    assert re.search(r"\b[\d,]+\s+[\d,]+ images/s\s+\d+:\d\d:\d\d", err) and "left" not in err and "/600" not in err


def test_no_progress_and_no_terminal_mean_no_bar(folder):
    path, expected = folder
    status, got = run_on_terminals(["classify", path, "--workers", "1", "--no-progress"], stdout="tty", stderr="same")
    assert status == 1 and b"images/s)" in got["out"] and b"\x1b[" not in got["out"]
    check_results(plain(got["out"])[:-1], expected)


def test_progress_asked_for_with_stderr_in_a_file_writes_lines_of_counts(folder, tmp_path):
    """`classify --progress 2> run.log`: a bar cannot be redrawn in a file, so the counts come as lines of text,
    the last one the whole run's (it wrote a blank line and nothing else), and no terminal escape."""
    path, expected = folder
    log = tmp_path / "run.log"
    with open(log, "wb") as err:
        done = subprocess.run(
            [*EDGEDIGITS, "classify", path, "--workers", "1", "--progress"],
            stdout=subprocess.PIPE,
            stderr=err,
            timeout=180,
        )
    assert done.returncode == 1  # the broken file
    check_results(done.stdout.decode().splitlines(), expected)
    lines = log.read_text().splitlines()
    assert "\x1b" not in log.read_text() and "" not in lines, lines
    assert re.fullmatch(r"reading \(1 failed\)  601/601  100%  [\d,]+ images/s  0:00:00 left", lines[-2]), lines
    assert lines[-1].startswith("601 image(s): 600 read, 1 failed"), lines


def test_lines_of_counts_come_every_line_every_s_and_once_more_at_the_end():
    """The lines of a ProgressBar on a stream that is no terminal: one each LINE_EVERY_S seconds (here 0: at
    every result), and at the close one more only if the count moved since the last."""
    import io

    from edgedigits.runtime.output import ProgressBar

    err, out = io.StringIO(), io.StringIO()
    bar = ProgressBar(err, out)
    bar.LINE_EVERY_S = 0.0
    bar.set_total(3)
    for failed in (False, True, False):
        bar.advance(failed=failed)
    bar.close()
    counts = [line.split("  ")[:3] for line in err.getvalue().splitlines()]
    assert counts == [
        ["reading", "1/3", " 33%"],
        ["reading (1 failed)", "2/3", " 67%"],
        ["reading (1 failed)", "3/3", "100%"],
    ]
    assert out.getvalue() == "" and bar.out is out
    bar = ProgressBar(err := io.StringIO(), out)  # the default: the first line after LINE_EVERY_S, or at the close
    bar.advance()
    bar.close()
    assert re.fullmatch(r"reading  1  [\d,]+ images/s  0:00:00\n", err.getvalue()), err.getvalue()  # no total: the time
