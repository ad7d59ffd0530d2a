"""PDF documents (a scanner's or a fax's archive): every page is rendered by PDFium (the ``pdf`` extra) and read,
into one record per file, as a multi-page TIFF is.

The PDFs are written by Pillow, as a scanner writes one: a JPEG image per page, from pages drawn with MNIST test
digits. Before, a PDF was an error record that said to export its pages as images."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pypdfium2  # the pdf extra: make test installs it
import pytest
from PIL import Image

from helpers import paper_digit, three_page_scan

from edgedigits.runtime import images, pdf
from edgedigits.runtime.batch import read_archive, read_records
from edgedigits.runtime.reader import DigitReader


def as_pdf(pages: list[np.ndarray], dpi: float = pdf.DPI) -> bytes:
    """Gray or BGR pages -> a PDF of one image a page, each page sized so that ``dpi`` renders it at its pixels."""
    rgb = [Image.fromarray(p if p.ndim == 2 else cv2.cvtColor(p, cv2.COLOR_BGR2RGB)).convert("RGB") for p in pages]
    out = io.BytesIO()
    rgb[0].save(out, "PDF", resolution=dpi, save_all=True, append_images=rgb[1:])
    return out.getvalue()


@pytest.fixture(scope="module")
def three_pages(mnist_test):
    """A three-page PDF (pages of different sizes, the second blank), its pages and the text of each page."""
    pages, texts = three_page_scan(mnist_test, (10, 11, 12), (13, 14, 15, 16))
    return as_pdf(pages), pages, texts


@pytest.fixture(scope="module")
def reader():
    return DigitReader()


def test_every_page_of_a_pdf_is_read_into_one_reading(three_pages, reader, tmp_path):
    data, pages, texts = three_pages
    path = tmp_path / "scan.pdf"
    path.write_bytes(data)
    reading = reader.read(path)
    assert reading.error is None and reading.pages == 3
    assert reading.text == "\n".join(t for t in texts if t)
    assert {d.page for d in reading.digits} == {1, 3}
    rendered = images.decode_pages(data)
    for number, (page, text) in enumerate(zip(pages, texts), 1):
        assert abs(rendered[number - 1].shape[0] - page.shape[0]) <= 1  # rendered at the pages' own pixels
        assert abs(rendered[number - 1].shape[1] - page.shape[1]) <= 1
        assert reading.on_page(number).text == text
        for d in reading.on_page(number).digits:
            x, y, w, h = d.box
            assert 0 <= x and x + w <= page.shape[1] + 1 and 0 <= y and y + h <= page.shape[0] + 1
    assert reader.read(data).to_dict() == {**reading.to_dict(), "path": None}  # bytes: the same


def test_a_page_is_read_as_displayed_with_its_rotate_entry(three_pages, reader):
    """A page stored sideways with /Rotate 90 (how a scanner keeps a landscape sheet) is rendered upright."""
    _, pages, texts = three_pages
    sideways = np.ascontiguousarray(np.rot90(pages[2], 1))  # turned a quarter counter-clockwise, as stored
    document = pypdfium2.PdfDocument(as_pdf([sideways]))
    document[0].set_rotation(90)  # shown turned a quarter clockwise: upright
    out = io.BytesIO()
    document.save(out)
    data = out.getvalue()
    (page,) = images.decode_pages(data)
    assert abs(page.shape[0] - pages[2].shape[0]) <= 1 and abs(page.shape[1] - pages[2].shape[1]) <= 1
    assert reader.read(data).text == texts[2]


def test_the_pixel_limit_bounds_each_page_before_rendering(three_pages):
    """Each page is checked from the document before any is rendered, and then rendered one at a time: the limit
    bounds one page (before 2026-12-04 all the pages together, so that an A4 PDF of more than 16 pages at 200 dpi
    was refused)."""
    data, pages, _ = three_pages
    counted = images.pixel_count(data)
    assert counted is not None and counted.pages == 3 and "PDF of 3 page(s) at 200 dpi" in counted.what
    largest = max(p.shape[0] * p.shape[1] for p in pages)
    with pytest.raises(images.ImageError, match=r"page \d of a PDF of 3 page\(s\).*above the .* limit for one page"):
        images.open_pages(data, max_pixels=largest // 2)  # refused when opened: nothing rendered
    assert largest < counted.pixels
    assert len(images.decode_pages(data, max_pixels=counted.pixels // 2 + largest // 4)) == 3  # each page fits
    assert images.page_count(data) == 3


def test_a_long_pdf_is_read_a_page_at_a_time(mnist_test, monkeypatch):
    """A PDF whose pages together are over the pixel limit, each under it, is read whole (it was an error record
    that said to split the file), holding one page at a time: reading 12 pages allocates at its peak about what
    reading one does (tracemalloc, which counts NumPy's arrays), where holding them all took 12 rendered pages."""
    import tracemalloc

    pages, _ = three_page_scan(mnist_test, (10, 11, 12), (13, 14, 15, 16))
    one, twelve = as_pdf(pages[:1], dpi=100), as_pdf(pages[:1] * 12, dpi=100)
    reader = DigitReader(threads=1)
    monkeypatch.setattr(images, "MAX_PIXELS", 2 * pages[0].shape[0] * pages[0].shape[1])  # 12 pages: 6x that
    monkeypatch.setattr(pdf, "DPI", 100)
    peaks = []
    for data in (one, twelve):
        tracemalloc.start()
        reading = reader.read(data)
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
        assert reading.error is None
    first = reader.read(one)
    assert reading.pages == 12 and reading.text == "\n".join([first.text] * 12)
    page_bytes = pages[0].size * 3  # one page rendered (BGR)
    assert peaks[1] < peaks[0] + 3 * page_bytes, (peaks, page_bytes)


def test_a_one_page_pdf_turned_sideways_is_read(mnist_test, reader):
    """A one-page PDF of a form scanned sideways: the page is read at its quarter-turns, and each is rendered
    again from the PDF (it was decoded again from the file as an image, and the read raised ImageError)."""
    from edgedigits.train.scenes import scanned_form

    page, text = scanned_form(mnist_test, np.random.default_rng(20261203), dpi=120)
    data = as_pdf([np.ascontiguousarray(np.rot90(page, 1))], dpi=120)
    reading = reader.read(data)
    assert reading.error is None and reading.text == text


def test_a_broken_pdf_is_an_error_record_that_says_what_to_do(three_pages, reader):
    data, _, _ = three_pages
    empty = io.BytesIO()
    pypdfium2.PdfDocument.new().save(empty)
    cases = [
        (data[:300], "a PDF PDFium cannot open (truncated, corrupt, or with no pages); re-export"),
        (b"%PDF-1.4\n", "a PDF PDFium cannot open"),
        (empty.getvalue(), "a PDF PDFium cannot open"),
    ]
    readings = reader.read_batch([broken for broken, _ in cases] + [data])  # in a batch: error records in place
    for reading, (_, words) in zip(readings, cases):
        assert reading.digits == [] and words in (reading.error or ""), reading.error
    assert readings[-1].error is None and readings[-1].pages == 3
    with pytest.raises(images.ImageError, match="image bytes: a PDF PDFium cannot open"):  # alone: raised
        reader.read(cases[0][0])


def count_lies_pdf() -> bytes:
    """A PDF PDFium opens but whose page tree counts two pages and holds one (/Count 2, one /Kids entry): loading
    page 2 raises pypdfium2's PdfiumError."""
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 2 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>",
    ]
    out, offsets = b"%PDF-1.4\n", []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode()
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return out


def test_a_pdf_page_pdfium_cannot_load_is_an_error_record_not_the_end_of_the_run(three_pages, reader, tmp_path):
    """A page PDFium cannot load raised its PdfiumError through every entry point: `classify` of it and a good
    image printed a traceback and no record, a worker's chunk was lost, the server answered 500 (a bad-input
    fuzz found it in about 1 of 100 mutated PDFs)."""
    data, _, _ = three_pages
    broken = count_lies_pdf()
    readings = reader.read_batch([broken, data])
    assert "page 2 of 2 of the PDF cannot be loaded" in (readings[0].error or "") and "re-export" in readings[0].error
    assert readings[1].error is None and readings[1].pages == 3
    with pytest.raises(images.ImageError, match="cannot be loaded"):
        reader.read(broken)
    (tmp_path / "broken.pdf").write_bytes(broken)
    (tmp_path / "good.pdf").write_bytes(data)
    result = subprocess.run(
        [sys.executable, "-m", "edgedigits.runtime.cli", "classify", tmp_path, "--format", "jsonl"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    records = {Path(r["path"]).name: r for r in map(json.loads, result.stdout.splitlines())}
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert "cannot be loaded" in records["broken.pdf"]["error"] and records["good.pdf"]["text"]


def test_a_folder_lists_its_pdfs_and_classify_reads_them(three_pages, tmp_path):
    data, _, texts = three_pages
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "scan.pdf").write_bytes(data)
    cv2.imwrite(str(tmp_path / "in" / "page.png"), three_pages[1][0])
    result = subprocess.run(
        [sys.executable, "-m", "edgedigits.runtime.cli", "classify", str(tmp_path / "in"), "-f", "jsonl"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    records = {r["path"].rsplit("/", 1)[1]: r for r in map(json.loads, result.stdout.splitlines())}
    assert set(records) == {"page.png", "scan.pdf"}
    assert records["scan.pdf"]["pages"] == 3 and records["scan.pdf"]["text"] == "\n".join(t for t in texts if t)
    assert records["page.png"]["text"] == texts[0] and "pages" not in records["page.png"]


def test_batch_reads_a_pdf_into_one_record_with_its_pages(three_pages, tmp_path):
    data, _, texts = three_pages
    path = tmp_path / "scan.pdf"
    path.write_bytes(data)
    summary = read_archive([str(tmp_path)], tmp_path / "out", workers=1)
    assert (summary.read, summary.failed) == (1, 0)
    (record,) = list(read_records(tmp_path / "out"))
    assert record["pages"] == 3 and record["text"] == "\n".join(t for t in texts if t)


def test_without_the_extra_a_pdf_is_an_error_that_names_the_extra(three_pages, tmp_path):
    """With pypdfium2 not importable (the base install), a PDF is an error record naming the extra, and a folder
    lists it all the same: left out, the PDFs of a folder that also held images were lost without a word (a new
    user's trial)."""
    path = tmp_path / "scan.pdf"
    path.write_bytes(three_pages[0])
    script = (
        "import sys; sys.modules['pypdfium2'] = None\n"  # as if the extra were not installed
        "from edgedigits.runtime.reader import DigitReader\n"
        "from edgedigits.runtime.images import is_input_name\n"
        f"print(DigitReader().read_batch([{str(path)!r}])[0].error)\n"
        "print(is_input_name('scan.pdf'), is_input_name('scan.png'))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    error, listed = result.stdout.splitlines()
    assert "the PDF extra that reads its pages is not installed: pip install '.[pdf]' in the edgedigits clone" in error
    assert "pdftoppm" in error
    assert listed == "True True"


def test_pdf_dpi_sets_the_resolution_in_every_worker(mnist_test, tmp_path):
    """``--pdf-dpi D`` renders PDF pages at D dpi, in the worker processes of classify and of batch's local engine
    too (they take the parent's setting, as they take --max-pixels): at 100 dpi every box is half its size at the
    default 200, and the same digits are read. 70 one-page PDFs of a digit: a run long enough for the workers."""
    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(70):
        (folder / f"{i:02d}.pdf").write_bytes(as_pdf([paper_digit(mnist_test.images[i], size=80)]))  # 120x120
    cli = [sys.executable, "-m", "edgedigits.runtime.cli"]

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([*cli, *args], capture_output=True, text=True, timeout=300)

    def classify(*options: str) -> dict:
        result = run("classify", str(folder), "-f", "jsonl", "--workers", "2", *options)
        assert result.returncode == 0, result.stderr
        return {Path(r["path"]).name: r for r in map(json.loads, result.stdout.splitlines())}

    full, half = classify(), classify("--pdf-dpi", "100")
    assert sorted(full) == sorted(half) == [f"{i:02d}.pdf" for i in range(70)]
    labels = [str(label) for label in mnist_test.labels[:70]]
    for readings in (full, half):
        assert sum(readings[name]["text"] == label for name, label in zip(sorted(readings), labels)) >= 67
    for name in full:
        (small,), (big,) = half[name]["digits"], full[name]["digits"]  # one digit each, boxes half the size
        assert all(abs(2 * s - b) <= 4 for s, b in zip(small["box"], big["box"])), (name, small["box"], big["box"])
    done = run(
        "batch", str(folder), "--out", str(tmp_path / "out"), "--workers", "2", "--batch-size", "8", "--pdf-dpi", "100"
    )
    assert done.returncode == 0, done.stderr
    records = {Path(r["path"]).name: r for r in read_records(tmp_path / "out")}
    assert {name: r["digits"] for name, r in records.items()} == {name: r["digits"] for name, r in half.items()}
    bad = run("classify", str(folder), "--pdf-dpi", "0")
    assert bad.returncode == 2 and "--pdf-dpi" in bad.stderr
