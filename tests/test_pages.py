"""Multi-page TIFF files (a document scanner's or a fax's): every page is read, into one record per file.

Built from MNIST test digits: a three-page TIFF whose second page is blank. Before, the first page alone was
read and the others were lost without a word."""

from __future__ import annotations

import json
import struct
import subprocess
import sys

import cv2
import numpy as np
import pytest

from helpers import three_page_scan

from edgedigits.runtime import images
from edgedigits.runtime.batch import read_archive, read_records
from edgedigits.runtime.reader import DigitReader


@pytest.fixture(scope="module")
def three_pages(tmp_path_factory, mnist_test):
    """A three-page TIFF (pages of different sizes, the second blank) and the text of each page."""
    scenes, texts = three_page_scan(mnist_test, (0, 1, 2), (3, 4, 5, 6))
    pages = [cv2.cvtColor(p, cv2.COLOR_BGR2GRAY) if p.ndim == 3 else p for p in scenes]
    ok, encoded = cv2.imencodemulti(".tiff", pages)
    assert ok
    path = tmp_path_factory.mktemp("pages") / "scan.tif"
    path.write_bytes(encoded.tobytes())
    return path, pages, texts


@pytest.fixture(scope="module")
def reader():
    return DigitReader()


def test_every_page_is_read_into_one_reading(three_pages, reader):
    path, pages, texts = three_pages
    reading = reader.read(path)
    assert reading.pages == 3
    assert reading.text == "\n".join(t for t in texts if t)  # the pages' lines one after another
    assert {d.page for d in reading.digits} == {1, 3}  # the blank page holds none
    for number, (page, text) in enumerate(zip(pages, texts), 1):
        assert reading.on_page(number).text == text
        for d in reading.on_page(number).digits:  # each box in its own page's pixels
            x, y, w, h = d.box
            assert 0 <= x and x + w <= page.shape[1] and 0 <= y and y + h <= page.shape[0]
        on_page = reading.on_page(number)  # each digit's line counted on its page: the page's own lines
        assert sorted({d.line for d in on_page.digits}) == list(range(len(on_page.lines)))
    record = reading.to_dict()
    assert record["pages"] == 3 and all("page" in d for d in record["digits"])
    assert record["page_texts"] == texts  # where each page's lines are: '' for the blank one
    assert reader.read(path.read_bytes()).to_dict() == {**record, "path": None}  # bytes: the same
    # A page number that is no whole number says so ('1', None and 2.0 raised a bare "'<=' not supported" or
    # passed as page 2: a new user's trial); a NumPy integer is one.
    for bad in ("1", None, 2.0, True):
        with pytest.raises(TypeError, match=r"page .*: a page number is a whole number, 1 = first"):
            reading.on_page(bad)
    assert reading.on_page(np.int64(3)).text == texts[2]
    with pytest.raises(ValueError, match="page 4: .* has 3 page"):
        reading.on_page(4)


@pytest.mark.parametrize("suffix", [".gif", ".png", ".webp"])
def test_every_frame_of_an_animation_is_a_page(suffix, three_pages, reader, tmp_path):
    """An animated GIF, PNG or WebP is read frame by frame, as the pages of a TIFF (a records office's trial: a
    GIF's second frame was lost without a word). Its frames' count comes from the blocks, without decoding."""
    _, pages, texts = three_pages
    height, width = max(p.shape[0] for p in pages), max(p.shape[1] for p in pages)
    animation = cv2.Animation()
    # (the blank page white: OpenCV's GIF encoder dithers a grey page into specks of 4 colours, read as digits)
    pages = [pages[0], np.full_like(pages[1], 255), pages[2]]
    animation.frames = [
        cv2.cvtColor(
            cv2.copyMakeBorder(p, 0, height - p.shape[0], 0, width - p.shape[1], cv2.BORDER_REPLICATE),
            cv2.COLOR_GRAY2BGR,
        )
        for p in pages
    ]
    animation.durations = [500] * len(pages)
    ok, encoded = cv2.imencodeanimation(suffix, animation)
    assert ok
    data = encoded.tobytes()
    assert images.animation_frames(data) == images.page_count(data) == 3
    path = tmp_path / f"scan{suffix}"
    path.write_bytes(data)
    reading = reader.read(path)
    assert reading.pages == 3 and reading.to_dict()["page_texts"] == texts
    # cut short anywhere, or claiming more frames than a file could hold, it is counted without an exception
    for end in range(0, min(len(data), 400), 7):
        assert 1 <= images.animation_frames(data[:end]) <= 3
    if suffix == ".png":  # an APNG's acTL chunk claiming 2**32 - 1 frames: bounded as a TIFF's pages are
        at = data.index(b"acTL")
        huge = data[: at + 4] + struct.pack(">I", 2**32 - 1) + data[at + 8 :]
        assert images.animation_frames(huge) == images.MAX_PAGES
    # a still image of the same format is one page, as before
    still = cv2.imencode(suffix, animation.frames[0])[1].tobytes()
    assert images.animation_frames(still) == images.page_count(still) == 1
    assert reader.read(still).pages is None and reader.read(still).text == texts[0]


def test_a_long_animation_is_decoded_a_run_of_frames_at_a_time(monkeypatch):
    """OpenCV composes an animation's frame from every frame before it: asked for one frame at a time, frame i
    decoded i frames again (a 100-frame 640x480 GIF took 9.3 s to read against 0.25 s at once). Pages decodes
    runs of frames and keeps the last: the same frames, in any order, and few decodes."""
    frames = []
    for i in range(40):
        frame = np.full((120, 160, 3), 255, np.uint8)
        cv2.putText(frame, str(i), (20, 90), cv2.FONT_HERSHEY_SIMPLEX, 2.5, (0, 0, 0), 6)
        frames.append(frame)
    animation = cv2.Animation()
    animation.frames, animation.durations = frames, [100] * len(frames)
    data = cv2.imencodeanimation(".gif", animation)[1].tobytes()
    ok, whole = cv2.imdecodeanimation(np.frombuffer(data, np.uint8))
    assert ok and len(whole.frames) == 40
    calls = []
    decode = cv2.imdecodeanimation

    def counted(*args, **kwargs):
        calls.append(kwargs.get("count"))
        return decode(*args, **kwargs)

    monkeypatch.setattr(images.cv2, "imdecodeanimation", counted)
    pages = images.open_pages(data)
    assert len(pages) == 40 and all(np.array_equal(page, want) for page, want in zip(pages, whole.frames))
    assert len(calls) == 1  # 40 frames of 120x160 in one run of FRAMES_CHUNK_BYTES
    first = pages[0]
    first[:] = 0  # a copy: drawing on a page leaves the next read of it as decoded
    assert np.array_equal(pages[0], whole.frames[0])
    monkeypatch.setattr(images, "FRAMES_CHUNK_BYTES", 10 * 4 * 120 * 160)  # runs of 10 frames
    pages, calls[:] = images.open_pages(data), []
    assert all(np.array_equal(pages[i], whole.frames[i]) for i in (0, 5, 9, 10, 39, 3, 11))
    assert calls == [10, 10, 1, 10]  # 0-9 (0, 5, 9), 10-19 (10), 39 alone, 3-12 (3, 11)
    # A logical screen of 0x0 (a malformed header) is a corrupt image, as it was, not a ZeroDivisionError.
    broken = data[:6] + b"\x00\x00\x00\x00" + data[10:]
    with pytest.raises(images.ImageError, match="truncated or corrupt"):
        images.open_pages(broken)[0]


def test_a_threshold_per_call_gives_the_text_a_reader_with_it_gives(three_pages, reader):
    """Reading.with_min_confidence: the text (and each page's) at another threshold, digits unchanged, as a reader
    made with that min_confidence reads it; for a reader threads share, where setting its min_confidence would
    change every thread's (a new user's trial of an embedded reader)."""
    path, _, _ = three_pages
    reading = reader.read(path)
    cut = sorted(d.confidence for d in reading.digits)[len(reading.digits) // 2]  # half of the digits below it
    strict = reading.with_min_confidence(cut)
    assert strict.text == DigitReader(min_confidence=cut).read(path).text != reading.text
    assert strict.digits == reading.digits and strict.text.count("?") == len(reading.digits) // 2
    assert [strict.on_page(n).text for n in (1, 2, 3)] == strict.to_dict()["page_texts"]
    assert strict.with_min_confidence(reader.min_confidence) == reading
    with pytest.raises(ValueError, match="min_confidence must be a number from 0 to 1, got 1.5"):
        reading.with_min_confidence(1.5)
    (failed,) = reader.read_batch([b"no image"])  # (an error record: read raises)
    assert failed.with_min_confidence(0.9) is failed


def test_an_image_of_one_page_has_no_page_fields(tmp_path, three_pages, reader):
    _, pages, texts = three_pages
    one = tmp_path / "one.tif"
    cv2.imwrite(str(one), pages[0])
    record = reader.read(one).to_dict()
    assert record["text"] == texts[0] and "pages" not in record and "page_texts" not in record
    assert all(set(d) == {"digit", "confidence", "box", "line"} for d in record["digits"])


def test_the_pixel_limit_bounds_each_page_and_says_how_to_raise_it(three_pages):
    """Every page is checked from the headers before any is decoded; the limit bounds one page, as the file is
    read a page at a time (images.open_pages)."""
    path, pages, _ = three_pages
    largest = max(p.shape[0] * p.shape[1] for p in pages)
    with pytest.raises(images.ImageError, match=r"page \d of a TIFF of 3 pages .* limit for one page.*--max-pixels"):
        images.open_pages(path.read_bytes(), max_pixels=largest - 1)
    assert sum(p.shape[0] * p.shape[1] for p in pages) > largest
    assert len(images.decode_pages(path.read_bytes(), max_pixels=largest)) == 3


def test_an_ifd_chain_that_loops_back_is_counted_once():
    """A malformed TIFF whose next-IFD offset points at itself: counted as one page, not forever."""
    entries = [(256, 3, 1, 8), (257, 3, 1, 8)]
    ifd = struct.pack("<H", len(entries)) + b"".join(struct.pack("<HHIHH", t, k, n, v, 0) for t, k, n, v in entries)
    data = b"II*\x00" + struct.pack("<I", 8) + ifd + struct.pack("<I", 8)  # next IFD: itself
    assert images.page_count(data) == 1
    assert images.header_size(data) == (8, 8)


def test_webcam_plays_a_multi_page_file_a_frame_a_page(three_pages):
    """``webcam --source scan.tif`` read the first page alone and dropped the others without a word, while a PDF
    gave a frame a page (a new user's trial): each page is a frame, as classify reads them (sources.Frames)."""
    from edgedigits.runtime.sources import Frames

    path, pages, texts = three_pages
    frames = Frames(str(path))
    assert frames.total == 3
    shown = list(frames)
    assert [index for index, _ in shown] == [0, 1, 2]
    assert [frame.shape[:2] for _, frame in shown] == [page.shape[:2] for page in pages]
    assert [index for index, _ in Frames(str(path), max_frames=2)] == [0, 1]
    result = subprocess.run(
        [sys.executable, "-m", "edgedigits.runtime.cli", "webcam", "--source", str(path), "--headless"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["frame"] for r in records] == [0, 1, 2] and records[0]["text"] == texts[0]
    assert records[2]["text"] == texts[2]


def test_classify_writes_one_record_and_an_annotated_copy_per_page(three_pages, tmp_path):
    path, _, texts = three_pages
    copies = tmp_path / "copies"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "edgedigits.runtime.cli",
            "classify",
            str(path),
            "-f",
            "jsonl",
            "--save-dir",
            str(copies),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    (record,) = [json.loads(line) for line in result.stdout.splitlines()]
    assert record["pages"] == 3 and record["text"] == "\n".join(t for t in texts if t)
    assert sorted(p.name for p in copies.iterdir()) == ["scan-page2.png", "scan-page3.png", "scan.png"]
    assert "3 annotated copies in" in result.stderr  # files written, one a page (it said 1)
    table = subprocess.run(
        [sys.executable, "-m", "edgedigits.runtime.cli", "classify", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    shown = " | ".join(f"p{n}: {text.replace(chr(10), ' / ') or '-'}" for n, text in enumerate(texts, 1))
    assert table.stdout.startswith(f"{path}  {shown}  ["), table.stdout  # (the blank page 2 as '-')
    # The CSV: each page's text in page_texts (a spreadsheet of multi-page forms could not tell where a page
    # ended), and both page columns empty for an image of one page
    one = tmp_path / "one.png"
    cv2.imwrite(str(one), three_pages[1][0])
    sheet = subprocess.run(
        [sys.executable, "-m", "edgedigits.runtime.cli", "classify", str(path), str(one), "--format", "csv"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    import csv

    rows = {row["path"]: row for row in csv.DictReader(sheet.stdout.splitlines(keepends=True))}
    assert rows[str(path)]["pages"] == "3" and json.loads(rows[str(path)]["page_texts"]) == texts
    assert rows[str(one)]["text"] == texts[0] and rows[str(one)]["pages"] == rows[str(one)]["page_texts"] == ""


def test_a_page_copy_never_replaces_another_input_copy(three_pages, tmp_path):
    """An input named like a page's copy ('scan-page2.png' beside 'scan.tif', listed first): both copies are kept
    (the page's copy overwrote the input's, and the summary counted 4)."""
    from edgedigits.runtime.draw import AnnotatedCopies
    from edgedigits.runtime.reader import DigitReader

    path, pages, _ = three_pages
    (tmp_path / "in").mkdir()
    other = tmp_path / "in" / "scan-page2.png"
    cv2.imwrite(str(other), pages[0])
    copies = AnnotatedCopies(tmp_path / "copies")
    reader = DigitReader()
    for source in (other, path):
        copies.save(reader.read(source), source)
    names = sorted(p.name for p in (tmp_path / "copies").iterdir())
    assert names == ["scan-page2-2.png", "scan-page2.png", "scan-page3.png", "scan.png"] and copies.written == 4


@pytest.mark.parametrize("fmt", ["jsonl", "parquet"])
def test_batch_keeps_one_record_per_file_with_its_pages(three_pages, tmp_path, fmt):
    path, _, texts = three_pages
    summary = read_archive([str(path)], tmp_path / "out", workers=1, format=fmt)
    assert (summary.read, summary.failed) == (1, 0)
    (record,) = list(read_records(tmp_path / "out"))
    assert record["pages"] == 3 and record["text"] == "\n".join(t for t in texts if t)
    assert {d["page"] for d in record["digits"]} == {1, 3} and record["page_texts"] == texts


def plain_tiff(pages: list[tuple[np.ndarray, int]]) -> bytes:
    """A little-endian, uncompressed TIFF of 8-bit gray images, each with its NewSubfileType (tag 254: 1 marks a
    reduced-resolution copy, a thumbnail), written by hand: OpenCV's encoder sets no such tag (TIFF 6.0,
    section 2 and 8: one strip a page, BlackIsZero)."""
    out = bytearray(b"II*\x00\x00\x00\x00\x00")
    strips = []
    for image, _ in pages:
        strips.append(len(out))
        out += np.ascontiguousarray(image, np.uint8).tobytes()
    link = 4  # where the offset of the next IFD goes
    for (image, kind), strip in zip(pages, strips):
        out += b"\x00" * (len(out) % 2)
        struct.pack_into("<I", out, link, len(out))
        h, w = image.shape
        entries = [(254, 4, kind), (256, 4, w), (257, 4, h), (258, 3, 8), (259, 3, 1), (262, 3, 1)]
        entries += [(273, 4, strip), (277, 3, 1), (278, 4, h), (279, 4, w * h)]
        out += struct.pack("<H", len(entries))
        for tag, kind_code, value in entries:
            field = struct.pack("<I", value) if kind_code == 4 else struct.pack("<HH", value, 0)  # LONG or SHORT
            out += struct.pack("<HHI", tag, kind_code, 1) + field
        link = len(out)
        out += b"\x00\x00\x00\x00"
    return bytes(out)


def test_a_thumbnail_in_a_tiff_is_no_page(three_pages, reader):
    """A reduced-resolution IFD (NewSubfileType bit 0: a scanner's preview) between the pages is left out: read
    as a page, its digits would come twice."""
    _, pages, texts = three_pages
    first, third = pages[0], pages[2]
    thumbnail = cv2.resize(first, (first.shape[1] // 4, first.shape[0] // 4), interpolation=cv2.INTER_AREA)
    data = plain_tiff([(first, 0), (thumbnail, 1), (third, 0)])
    assert images.page_count(data) == 2
    reading = reader.read(data)
    assert reading.pages == 2 and reading.text == f"{texts[0]}\n{texts[2]}"
    # a thumbnail first, the image after it: the image is read, alone
    alone = reader.read(plain_tiff([(thumbnail, 1), (first, 0)]))
    assert alone.pages is None and alone.text == texts[0]


def test_a_tiff_cut_short_is_an_error_not_a_shorter_file(three_pages, tmp_path, reader):
    """A records office's trial: a three-page TIFF cut at 99% (a copy that stopped) read as a file of 2 pages, and
    at 60% as one image, exit 0: its last pages lost without a word. A TIFF whose bytes end before an IFD the chain
    points to, inside one, or inside a page's strips is now an error record, in classify and in batch."""
    path, _, _ = three_pages
    data = path.read_bytes()
    cuts = []
    for share in (0.99, 0.6, 0.3):
        cut = tmp_path / f"cut{round(share * 100)}.tif"
        cut.write_bytes(data[: int(len(data) * share)])
        cuts.append(cut)
    for result in reader.read_paths([str(c) for c in cuts]):
        assert not result.ok and "a TIFF cut short" in result.error and "copy or export the file again" in result.error
    summary = read_archive([str(c) for c in cuts], tmp_path / "out", engine="local")
    assert (summary.read, summary.failed) == (0, 3)
    assert all("a TIFF cut short" in r["error"] for r in read_records(tmp_path / "out"))
    assert images.tiff_truncation(data) is None  # the whole file is no such TIFF


def test_a_tiff_whose_strips_run_past_its_end_is_cut_short():
    """An IFD written before its image data (as many scanners write it): the file cut inside the data."""
    entries = [(256, 3, 1, 8), (257, 3, 1, 8), (258, 3, 1, 8), (259, 3, 1, 1), (262, 3, 1, 1)]
    entries += [(273, 4, 1, 0), (277, 3, 1, 1), (278, 3, 1, 8), (279, 4, 1, 64)]
    start = 8 + 2 + 12 * len(entries) + 4  # the pixels follow the IFD
    ifd = struct.pack("<H", len(entries)) + b"".join(
        struct.pack("<HHII", t, k, n, start if t == 273 else v) if k == 4 else struct.pack("<HHIHH", t, k, n, v, 0)
        for t, k, n, v in entries
    )
    whole = b"II*\x00" + struct.pack("<I", 8) + ifd + struct.pack("<I", 0) + bytes(range(64))
    assert images.tiff_truncation(whole) is None and images.decode(whole).shape == (8, 8)
    where = images.tiff_truncation(whole[:-10])
    assert where is not None and "inside page 1's image data" in where
    with pytest.raises(images.ImageError, match="a TIFF cut short"):
        images.decode(whole[:-10])
