"""The pages of a PDF document as images: a scanner's or a fax's PDF is read page by page, as a multi-page TIFF.

PDF is not an image format OpenCV reads. Its pages are rasterized by PDFium (Chromium's PDF engine) through
pypdfium2, the optional extra ``pip install 'edgedigits[pdf]'``; without it a PDF is an error record that says
so. Nothing here is imported until a PDF comes (``images.open_pages`` calls ``page_sizes``), so the runtime's
import stays as light as before.

Each page is rendered as displayed (its ``/Rotate`` applied), at ``DPI`` dots per inch, as BGR uint8, white
where the page is blank. A page's size in pixels is its size in points (1/72 inch) times ``DPI / 72``, so
``images.open_pages`` checks the pixel limit of every page (``page_sizes``) before any is rendered, and then
renders them one at a time as they are read (``render_page``). Errors are ``PdfError``, which ``images`` raises
again as its ``ImageError`` (this module does not import ``images``).

PDFium is not thread-safe (pypdfium2's documentation, "Thread incompatibility"): every call goes through one
lock, so an app reading PDFs from several threads is safe, one page at a time.
"""

from __future__ import annotations

import importlib.util
import threading
from functools import cache

import numpy as np

from .errors import EdgeDigitsError, install_hint

# Dots per inch a page is rendered at: a handwritten digit on a form, 4-8 mm tall, is then 31-63 px tall, inside
# the sizes the detector reads best (samples and issue 10's photos: 20-80 px); an A4 page is 1654x2339 px
# (3.9 MP; the 64 MP limit bounds each page). 200 dpi is also the commonest resolution of office scanners' PDFs.
# Set ``edgedigits.runtime.pdf.DPI`` to change it for this process (e.g. 300 for small writing).
DPI: float = 200.0
POINTS_PER_INCH = 72  # PDF's user space unit (ISO 32000-1, 8.3.2.3)
INSTALL = install_hint("pdf")
NO_PAGES = "a PDF document with no pages; nothing to read (re-export it if it should have some)"
_LOCK = threading.Lock()


class PdfError(EdgeDigitsError, ValueError):
    """A PDF that cannot be read, and what to do (``images.open_pages`` raises it again as ImageError)."""


@cache
def available() -> bool:
    """Is pypdfium2 installed (the ``pdf`` extra)? Looked up without importing it."""
    return importlib.util.find_spec("pypdfium2") is not None


def is_pdf(data: bytes) -> bool:
    """Do these bytes start as a PDF document does (``%PDF``)?"""
    return data[:4] == b"%PDF"


def page_sizes(data: bytes, dpi: float | None = None) -> list[tuple[int, int]]:
    """(width, height) in pixels of each page of a PDF rendered at ``dpi`` (default ``DPI``), as displayed (a page
    of ``/Rotate 90`` is as wide as its media box is tall), without rendering anything. Raises PdfError when the
    extra is missing, the document cannot be opened (``_open``) or it has no pages."""
    with _LOCK:
        document = _open(data)
        try:
            return _sizes(document, dpi)
        finally:
            document.close()


def render_page(data: bytes, index: int, dpi: float | None = None) -> np.ndarray:
    """Page ``index`` (0-based) of a PDF -> uint8 array [H, W, 3] (BGR), rendered at ``dpi`` (default ``DPI``)
    with the page's ``/Rotate`` applied (pypdfium2 ``PdfPage.render``), of the size ``page_sizes`` gives. The
    document is opened for this page alone (PDFium parses only what the page needs), so a long document is read
    a page at a time (``images.open_pages``). Raises PdfError naming the problem and the fix: the ``pdf`` extra
    missing, a password, a corrupt or truncated file, a page that does not render, an index past the last page."""
    with _LOCK:
        document = _open(data)
        try:
            if not 0 <= index < len(document):
                raise PdfError(f"page {index + 1} of a PDF of {len(document)} page(s): no such page")
            return _render(document, index, dpi)
        finally:
            document.close()


def _render(document, index: int, dpi: float | None) -> np.ndarray:
    """Page ``index`` of an open pypdfium2 document (the caller holds the lock) -> BGR uint8 [H, W, 3]."""
    page = _page(document, index)
    try:
        bitmap = page.render(scale=(DPI if dpi is None else dpi) / POINTS_PER_INCH, may_draw_forms=True)
        return np.ascontiguousarray(bitmap.to_numpy()[:, :, :3])  # BGR(x) -> BGR
    except Exception as exc:  # PdfiumError, or a bitmap PDFium could not allocate
        raise PdfError(
            f"page {index + 1} of {len(document)} of the PDF does not render ({exc}); re-export or re-save the file"
        ) from None
    finally:
        page.close()


def _sizes(document, dpi: float | None) -> list[tuple[int, int]]:
    """``page_sizes`` of an open pypdfium2 document (the caller holds the lock); PdfError for no pages."""
    scale = (DPI if dpi is None else dpi) / POINTS_PER_INCH
    sizes = []
    for index in range(len(document)):
        page = _page(document, index)
        width, height = page.get_size()  # points, after the page's rotation
        sizes.append((max(1, round(width * scale)), max(1, round(height * scale))))
        page.close()
    if not sizes:
        raise PdfError(NO_PAGES)
    return sizes


def _page(document, index: int):  # -> pypdfium2.PdfPage
    """Page ``index`` of an open document; PdfError naming it when PDFium cannot load it (a page tree that
    counts more pages than it holds: ``/Count 2`` over one page raised PdfiumError, and a whole run stopped)."""
    import pypdfium2

    try:
        return document[index]
    except pypdfium2.PdfiumError as exc:
        raise PdfError(
            f"page {index + 1} of {len(document)} of the PDF cannot be loaded ({exc}); the file is damaged: "
            "re-export or re-save it"
        ) from None


def _open(data: bytes):  # -> pypdfium2.PdfDocument (not imported for the annotation: the extra is optional)
    """Open PDF bytes with pypdfium2; PdfError when the extra is missing, the document is encrypted with a
    password, or PDFium cannot load it (truncated, corrupt)."""
    if not available():
        raise PdfError(
            f"a PDF document, and the PDF extra that reads its pages is not installed: {INSTALL} (or export its pages "
            "as PNG or JPEG images, e.g. pdftoppm -r 200 -png FILE page)"
        )
    import pypdfium2

    try:
        return pypdfium2.PdfDocument(data)
    except pypdfium2.PdfiumError as exc:
        if "password" in str(exc).lower() and b"/Encrypt" in data:
            raise PdfError(
                "a password-protected PDF; save a copy without the password (e.g. qpdf --decrypt --password=... "
                "FILE out.pdf) and read that"
            ) from None
        # (PDFium's error code is not reset between calls: a document whose page tree is empty fails with the
        # code of the document before it, so the code is not named, and a password is believed only with an
        # /Encrypt dictionary in the file)
        raise PdfError(
            "a PDF PDFium cannot open (truncated, corrupt, or with no pages); re-export or re-save the file"
        ) from None
