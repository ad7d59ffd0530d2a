"""Decoding image files and bytes into arrays, with an error that says what went wrong and what to do.

Nothing here raises anything but ``ImageError`` for a bad input, so one bad file never stops a batch.
The image's size is read from its header *before* decoding, so a 20000x20000 PNG is refused without
allocating gigabytes.

Images come out as they are displayed: the EXIF Orientation tag of a JPEG, PNG or WebP (how phones store a
photo taken sideways) is applied, so every box is in the pixels of the upright image. Alpha is kept (BGRA).

``MAX_PIXELS`` (64 MP) is the default limit; ``decode(data, max_pixels=...)`` lifts it for one call, and
setting ``images.MAX_PIXELS`` lifts it for the process and the worker processes it starts afterwards (the
``--max-pixels`` option of ``edgedigits classify`` does that).
"""

from __future__ import annotations

import errno
import os
import re
import stat
import struct
from collections.abc import Iterator, Sequence
from typing import NamedTuple

import cv2
import numpy as np

from .errors import EdgeDigitsError, install_hint

MAX_FILE_BYTES = 256 * 1024 * 1024
MAX_PIXELS = 64_000_000  # a 48 MP phone photo fits; a 20000x20000 scan does not (a multi-page TIFF: all its pages)
MAX_PAGES = 10_000  # pages of a multi-page TIFF, or frames of an animation, counted at most (a bound on a
#   malformed file's IFD chain or frame count)
FRAMES_CHUNK_BYTES = 16 * 1024 * 1024  # an animation's frames are decoded this many bytes of BGRA at a time (Pages)
# Every suffix a folder listing picks up: the formats OpenCV decodes here (the same set as a file named
# explicitly, which is always tried whatever its suffix).
IMAGE_SUFFIXES = frozenset(
    {
        ".png",
        ".jpg",
        ".jpeg",
        ".jpe",
        ".jfif",
        ".bmp",
        ".dib",
        ".tif",
        ".tiff",
        ".webp",
        ".gif",
        ".pgm",
        ".ppm",
        ".pbm",
        ".pnm",
        ".pam",
        ".jp2",
        ".sr",
        ".ras",
        ".hdr",
        ".pic",
    }
)
# Phone photos OpenCV cannot decode (HEIC/HEIF: an iPhone's default). A listing picks them up too, so that each
# gets an error record saying to export it as JPEG (known_other): left out, an archive of phone photos lost its
# iPhone photos without a word (a records office's trial: a folder of a.jpg and IMG_0001.HEIC read '1 image').
PHOTO_SUFFIXES = frozenset({".heic", ".heif", ".hif"})
FORMATS = "PNG, JPEG, BMP, TIFF, WebP, GIF or PNM"
# What a folder's or a pattern's listing reads (is_input_name), by suffix, for the messages that say none was found
INPUT_SUFFIXES = " ".join(sorted(IMAGE_SUFFIXES | PHOTO_SUFFIXES)) + " and .pdf"


class Decoding(NamedTuple):
    """The process-wide decoding settings: ``images.MAX_PIXELS`` (the largest image or page decoded, pixels) and
    ``pdf.DPI`` (the resolution PDF pages are rendered at, dots per inch). The worker processes (parallel.py)
    and Ray's actors (batch.py) are handed the starting process's (``decoding_settings``) and ``apply`` them, so
    ``--max-pixels`` and ``--pdf-dpi`` reach every reader, and a setting added here reaches them all too."""

    max_pixels: int
    pdf_dpi: float

    def apply(self) -> None:
        """Make these the settings of this process (images.MAX_PIXELS, pdf.DPI)."""
        global MAX_PIXELS
        from . import pdf

        MAX_PIXELS = self.max_pixels
        pdf.DPI = self.pdf_dpi


def decoding_settings() -> Decoding:
    """This process's decoding settings (images.MAX_PIXELS, pdf.DPI), to hand to the processes it starts."""
    from . import pdf

    return Decoding(MAX_PIXELS, pdf.DPI)


# read_bytes' message for a folder, in a record that a Python caller (read_batch) or classify's user may read: it
# names both ways (it named classify first, and read_batch's caller had to read past it); DigitReader.read words
# it for Python alone.
FOLDER_ERROR = (
    "is a folder, not an image file: to read every image in it, use read_paths([folder]) in Python, or give it to "
    "edgedigits classify or batch (a list of images or a manifest takes image files only)"
)


class ImageError(EdgeDigitsError, ValueError):
    """An input that cannot be read as an image. The message names the problem and the fix."""


def quiet_opencv() -> None:
    """Keep OpenCV's and FFmpeg's own log lines ("[ERROR:0@0.07] global grfmt_png.cpp ...", "[http @ 0x...]
    Stream ends prematurely") off stderr: every bad file and lost stream already gets one clear line of ours.
    Setting OPENCV_LOG_LEVEL or OPENCV_FFMPEG_LOGLEVEL in the environment brings them back."""
    import re

    os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")  # AV_LOG_QUIET; read when the first capture opens
    if "OPENCV_LOG_LEVEL" not in os.environ:
        quiet_opencv_log()
        os.environ["OPENCV_LOG_LEVEL"] = "SILENT"  # for the worker processes, which read it as cv2 loads
    if re.search(r"FFMPEG:\s+YES", cv2.getBuildInformation()):
        # OpenCV's own AVI reader prints its parse errors ("Unexpected element. Expected: LIST") straight to
        # stderr when it gets a broken file after FFmpeg refused it; FFmpeg reads every AVI that one reads.
        # Read when the first capture opens, like the above.
        os.environ.setdefault("OPENCV_VIDEOIO_PRIORITY_CV_MJPEG", "0")


def quiet_opencv_log() -> None:
    """Keep OpenCV's own log lines off stderr in this process (``cv2.utils.logging.setLogLevel``), unless
    OPENCV_LOG_LEVEL is set in the environment. Unlike ``quiet_opencv``, changes no environment variable: the
    server's share (it decodes images in memory, and starts no process and no video capture), for an app that
    may run in someone else's process."""
    if "OPENCV_LOG_LEVEL" not in os.environ:
        cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)


def check_array(image: np.ndarray) -> None:
    """Raise ImageError (a ValueError) unless ``image`` is an image array: numbers (bool, any signed or
    unsigned integer, any float: NumPy kinds 'biuf') of shape (H, W), (H, W, 1), (H, W, 2) gray + alpha,
    (H, W, 3) BGR or (H, W, 4) BGRA, not empty. Strings, bytes, objects, complex numbers, datetimes and
    structured arrays are refused."""
    if image.dtype.kind not in "biuf":
        raise ImageError(
            f"not an image: dtype {image.dtype}; expected numbers (uint8, uint16, other integers, float or bool): "
            "pass pixel values, not text or objects"
        )
    if image.ndim not in (2, 3):
        raise ImageError(
            f"not an image: {image.ndim}-D array of shape {image.shape}; expected (H, W), "
            "(H, W, 1), (H, W, 2) gray + alpha, (H, W, 3) BGR or (H, W, 4) BGRA"
        )
    if image.size == 0:
        raise ImageError(f"not an image: empty array of shape {image.shape}")
    if image.ndim == 3 and image.shape[2] not in (1, 2, 3, 4):
        if image.shape[0] in (1, 2, 3, 4):  # (3, 200, 400): PyTorch's layout, say ('28 channels' misled a user)
            raise ImageError(
                f"not an image in (H, W, C) order: shape {image.shape} looks channels-first (C, H, W), "
                f"{image.shape[0]} channel(s) first; pass image.transpose(1, 2, 0), channels last (BGR order)"
            )
        raise ImageError(
            f"not an image: {image.shape[2]} channels (shape {image.shape}); expected 1, 2 (gray + "
            "alpha), 3 (BGR) or 4 (BGRA)"
        )


def cv_path(path: str | os.PathLike) -> str | bytes:
    """A file path as OpenCV's functions (imwrite, VideoCapture, VideoWriter) take it: the str when its bytes are
    UTF-8, else its bytes (``os.fsencode``). OpenCV's Python bindings crash the process (a segmentation fault)
    on a str holding lone surrogates, which is how Python holds a file name that is not UTF-8 (b'caf\\xe9.png')."""
    path = os.fspath(path)
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        return os.fsencode(path)
    return path


def is_image_name(name: str) -> bool:
    """Does the name end with the suffix of an image format OpenCV decodes here (``IMAGE_SUFFIXES``)?"""
    return os.path.splitext(name)[1].lower() in IMAGE_SUFFIXES


def is_input_name(name: str) -> bool:
    """Is it a file a folder's listing reads: an image (``is_image_name``), a PDF (``.pdf``) or a HEIC/HEIF photo
    (``PHOTO_SUFFIXES``)? A PDF is listed with or without the ``pdf`` extra that reads its pages: without it, its
    record is an error naming the extra (left out of the listing, the PDFs of a folder that also held images were
    lost without a word); a HEIC photo's record is an error saying to export it as JPEG."""
    suffix = os.path.splitext(name)[1].lower()
    return suffix in IMAGE_SUFFIXES or suffix in PHOTO_SUFFIXES or suffix == ".pdf"


def read_bytes(path: str | os.PathLike) -> bytes:
    """The file's bytes, or an ImageError that says why not (missing, a folder, no permission, empty, huge)."""
    try:
        info = os.stat(path)
        if stat.S_ISDIR(info.st_mode):
            raise ImageError(FOLDER_ERROR)
        if not stat.S_ISREG(info.st_mode):  # opening a named pipe would wait for a writer forever
            raise ImageError("not a regular file (a named pipe, device or socket); save the image to a file first")
        size = info.st_size
        if size == 0:
            raise ImageError("empty file (0 bytes): it was not fully written or copied; copy it again")
        if size > MAX_FILE_BYTES:
            raise ImageError(
                f"file is {size / 2**20:.0f} MiB, above the {MAX_FILE_BYTES // 2**20} MiB limit; "
                "downscale or crop it first"
            )
        with open(path, "rb") as handle:
            return handle.read()
    except FileNotFoundError:
        raise ImageError(_missing(path)) from None
    except PermissionError:
        raise ImageError(denied(path)) from None
    except OSError as exc:  # symlink loops, I/O errors, names too long, ...
        raise ImageError(path_problem(exc)) from None
    except ImageError:  # (a ValueError: the checks above)
        raise
    except ValueError as exc:  # os.stat: "embedded null byte", a lone surrogate that is no file name's byte
        raise ImageError(bad_path_text(path, exc)) from None


def path_problem(exc: OSError) -> str:
    """What an OSError on opening a path means, and what to do: a name too long for the file system, symbolic
    links in a loop, else the system's words ("cannot read the file (Input/output error)")."""
    if exc.errno == errno.ENAMETOOLONG:
        return f"the path is too long for this file system ({exc.strerror}); shorten the file's or a folder's name"
    if exc.errno == errno.ELOOP:
        return f"symbolic links on the path point round in a loop ({exc.strerror}); fix or remove the links"
    if exc.errno == errno.ENOTDIR:  # a.png/x.png
        return f"a file on the path stands where a folder should ({exc.strerror}); check the path"
    return f"cannot read the file ({exc.strerror or exc}); check the file and its disk"


# A path with a NUL byte names no file (POSIX file names cannot hold one; os.stat raises ValueError). It comes
# from a list of paths that is not one UTF-8 path a line: find's -print0, a list saved as UTF-16.
NUL_IN_PATH = (
    "the path holds a NUL byte, which no file name can: a list of paths separated by NULs (find -print0) or saved "
    "as UTF-16? List one path a line, in UTF-8 (find ... -print)"
)


def bad_path_text(path: str | os.PathLike, exc: ValueError) -> str:
    """Why a path the system refused outright (``ValueError`` from os.stat) names no file: a NUL byte
    (NUL_IN_PATH), else text that is not a file name (a lone surrogate: half an emoji cut from a JSON list)."""
    name = os.fspath(path)
    if ("\0" if isinstance(name, str) else b"\0") in name:
        return NUL_IN_PATH
    return f"the path is not a file name ({exc}): a character no file name can hold; check where the list came from"


def denied(path: str | os.PathLike) -> str:
    """Why a path gave 'permission denied', and the fix: a folder on its way that cannot be entered (no x
    permission: its files can be listed but not opened, or not even seen), named; else the file itself. A records
    office's trial: a file in a folder of mode 000 was 'no such file', and one in a folder of mode 600 said
    'chmod +r' the file, which cannot help."""
    folder = os.path.dirname(os.path.abspath(os.fspath(path)))
    blocked = None
    while True:
        if os.path.isdir(folder) and not os.access(folder, os.X_OK):
            blocked = folder  # (the outermost one is what to mend first)
        parent = os.path.dirname(folder)
        if parent == folder:
            break
        folder = parent
    if blocked is not None:
        return (
            f"permission denied: the folder {blocked!r} cannot be entered; make it searchable (chmod +rx) or run "
            "as a user who can"
        )
    return "permission denied; make the file readable (chmod +r) or run as a user who can read it"


def _missing(path: str | os.PathLike) -> str:
    """Why a path that cannot be found is missing: a symbolic link to a file that is gone (naming its target), or
    no file at all. A dangling link and a typo both said 'no such file; check the path' (a records office's trial),
    though the link is there to see."""
    try:
        target = os.readlink(os.fspath(path))
    except (OSError, ValueError):
        if isinstance(path, str) and any(c in path for c in "*?["):  # a pattern: read() takes one file
            return (
                "no such file; the name is a pattern ('*', '?' or '['): to read the files it matches, use "
                f"read_paths([{path!r}]) in Python, which expands it, or give it to edgedigits classify"
            )
        return "no such file; check the path"
    return f"a symbolic link to {target!r}, which does not exist (moved or deleted?); mend or remove the link"


def header_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) from the header without decoding; None if unknown. PNG, JPEG, GIF, BMP, WebP, TIFF,
    PNM/PAM/PFM, Sun raster, JPEG 2000 and Radiance HDR: every format OpenCV decodes that can be small on
    disk and huge in memory (a 3 KB TIFF of repeated deflate strips or a 50 MB PBM decode to 400 MP)."""
    try:
        if data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR":
            return struct.unpack(">II", data[16:24])
        if data[:2] == b"BM" and len(data) >= 26:
            width, height = struct.unpack("<ii", data[18:26])
            return abs(width), abs(height)
        if data[:6] in (b"GIF87a", b"GIF89a"):
            return struct.unpack("<HH", data[6:10])
        if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
            chunk = data[12:16]
            if chunk == b"VP8X":
                return 1 + int.from_bytes(data[24:27], "little"), 1 + int.from_bytes(data[27:30], "little")
            if chunk == b"VP8 ":
                width, height = struct.unpack("<HH", data[26:30])
                return width & 0x3FFF, height & 0x3FFF
            if chunk == b"VP8L":
                bits = int.from_bytes(data[21:25], "little")
                return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
        if data[:2] == b"\xff\xd8":
            return _jpeg_size(data)
        if data[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
            return _tiff_size(data)
        if data[:1] == b"P" and len(data) > 1 and data[1] in b"1234567Ff":
            return _pnm_size(data)
        if data[:4] == b"\x59\xa6\x6a\x95":  # Sun raster
            return struct.unpack(">II", data[4:12])
        if data[:12] == b"\x00\x00\x00\x0cjP  \r\n\x87\n":  # JPEG 2000 file: the ihdr box
            at = data.find(b"ihdr", 0, 4096)
            if at >= 0:
                height, width = struct.unpack(">II", data[at + 4 : at + 12])
                return width, height
        if data[:4] == b"\xff\x4f\xff\x51":  # JPEG 2000 codestream: the SIZ segment
            xsiz, ysiz, x0, y0 = struct.unpack(">IIII", data[8:24])
            return xsiz - x0, ysiz - y0
        if data[:2] == b"#?":  # Radiance HDR: header lines, a blank line, then "-Y 480 +X 640"
            match = re.search(rb"\n\n([-+])([XY]) (\d+) ([-+])([XY]) (\d+)", data[:65536])
            if match:
                first, second = int(match.group(3)), int(match.group(6))
                return (second, first) if match.group(2) == b"Y" else (first, second)
    except (struct.error, IndexError, ValueError):
        return None
    return None


def _tiff_size(data: bytes) -> tuple[int, int] | None:
    """ImageWidth (256) and ImageLength (257) from the first IFD of a TIFF or BigTIFF."""
    return next((size for size, _ in _tiff_ifds(data)), None)


def _tiff_ifds(data: bytes, strict: bool = False) -> Iterator[tuple[tuple[int, int] | None, bool]]:
    """Each IFD of a TIFF or BigTIFF in file order: its (ImageWidth, ImageLength), None without both tags, and
    whether it is a reduced-resolution copy of another (NewSubfileType, tag 254, bit 0: a thumbnail or a
    preview, not a page). At most ``MAX_PAGES``, and an IFD chain that loops back ends. Stops where the bytes
    end (a truncated file: the IFDs that are whole); with ``strict``, raises _CutShort saying where instead, and
    also when a page's strips or tiles (StripOffsets/StripByteCounts, tags 273/279; TileOffsets/TileByteCounts,
    324/325) run past the end (``tiff_truncation``). TIFF 6.0, section 2 ("Image File Directory") and section 8
    (NewSubfileType); BigTIFF (Adobe/libtiff 2007): 8-byte offsets and counts, 20-byte entries."""
    order = "<" if data[:2] == b"II" else ">"
    big = struct.unpack(order + "H", data[2:4])[0] == 43
    offset, count_code, next_code, entry = (
        (struct.unpack(order + "Q", data[8:16])[0], "Q", "Q", 20)
        if big
        else (struct.unpack(order + "I", data[4:8])[0], "H", "I", 12)
    )
    value_at = 12 if big else 8  # where an entry's value (or the offset of its values) starts
    seen: set[int] = set()
    while offset and offset not in seen and len(seen) < MAX_PAGES:
        seen.add(offset)
        number = len(seen)
        if strict and offset >= len(data):
            raise _CutShort(f"the file ends at byte {len(data)}, before IFD {number} (at byte {offset})")
        try:
            size = struct.calcsize(order + count_code)
            count = struct.unpack(order + count_code, data[offset : offset + size])[0]
            first = offset + size
            found, tables = {}, {}
            for i in range(min(count, 4096)):
                at = first + i * entry
                tag, kind = struct.unpack(order + "HH", data[at : at + 4])
                code = {3: "H", 4: "I", 16: "Q"}.get(kind)
                if tag in (254, 256, 257) and code is not None:
                    value = data[at + value_at : at + entry]
                    found[tag] = struct.unpack(order + code, value[: struct.calcsize(order + code)])[0]
                elif strict and tag in (273, 279, 324, 325) and code is not None:
                    tables[tag] = _tiff_values(data, order, code, at, big, number)
            at = first + count * entry
            offset = struct.unpack(order + next_code, data[at : at + struct.calcsize(order + next_code)])[0]
        except struct.error:  # the bytes end inside this IFD: a truncated file
            if strict:
                raise _CutShort(f"the file ends at byte {len(data)}, inside IFD {number} (at byte {offset})") from None
            return
        for offsets, counts in ((273, 279), (324, 325)):
            if offsets in tables and counts in tables and tables[offsets].size == tables[counts].size:
                ends = tables[offsets] + tables[counts]
                if ends.size and int(ends.max()) > len(data):
                    raise _CutShort(
                        f"the file ends at byte {len(data)}, inside page {number}'s image data (it runs to byte "
                        f"{int(ends.max())})"
                    )
        yield ((found[256], found[257]) if 256 in found and 257 in found else None), bool(found.get(254, 0) & 1)


class _CutShort(ValueError):
    """TIFF bytes that end too soon (``_tiff_ifds`` with ``strict``); the message says where."""


def _tiff_values(data: bytes, order: str, code: str, at: int, big: bool, number: int) -> np.ndarray:
    """The values (int64 [n]) of the IFD entry at byte ``at`` (``code``: its struct type), stored in the entry when
    they fit (4 bytes, 8 in a BigTIFF), else at the offset it holds. Raises _CutShort when they run past the end."""
    n = struct.unpack(order + ("Q" if big else "I"), data[at + 4 : at + (12 if big else 8)])[0]
    width, inline = struct.calcsize(order + code) * n, 8 if big else 4
    where = at + (12 if big else 8)
    if width > inline:
        where = struct.unpack(order + ("Q" if big else "I"), data[where : where + inline])[0]
    if where + width > len(data):
        raise _CutShort(f"the file ends at byte {len(data)}, inside IFD {number}'s strip table")
    return np.frombuffer(data, np.dtype(order + code), n, where).astype(np.int64)


def tiff_truncation(data: bytes) -> str | None:
    """Where the bytes of a TIFF or BigTIFF end too soon, or None when every IFD and every page's strips or tiles
    lie within them, or the bytes are no TIFF (``_tiff_ifds`` with ``strict``). A copy that stopped part way ends
    inside a page's data or before an IFD the chain points to: libtiff then decodes the pages that are whole, and a
    3-page file cut at 99% was read as a file of 2 pages, at 60% as one image, without a word (a records office's
    trial)."""
    if data[:4] not in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return None
    try:
        for _ in _tiff_ifds(data, strict=True):
            pass
    except _CutShort as exc:
        return str(exc)
    except struct.error:  # the header itself is cut
        return f"the file ends at byte {len(data)}, inside its header"
    return None


def png_truncation(data: bytes) -> str | None:
    """Where the bytes of a PNG end too soon, or None when its chunks reach a whole IEND, or the bytes are no PNG.
    Each chunk is a 4-byte length, a 4-byte type, the data and a 4-byte CRC (PNG specification, 2nd edition, 5.3);
    the last is IEND (5.6). libpng refuses a PNG without its IEND, and prints 'libpng error: PNG input buffer is
    incomplete' on stderr as it does, which no OpenCV log level silences: the file is refused before it is
    decoded, with the same record and no line of libpng's (a new user's trial)."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        return None
    i, number = 8, 0
    while i + 8 <= len(data):
        length, kind = int.from_bytes(data[i : i + 4], "big"), data[i + 4 : i + 8]
        if i + 12 + length > len(data):
            name = kind.decode("latin-1") if kind.isalpha() else "a"
            return f"the file ends at byte {len(data)}, inside chunk {number} ({name})"
        if kind == b"IEND":
            return None
        i, number = i + 12 + length, number + 1
    return f"the file ends at byte {len(data)}, before its IEND chunk"


def _refuse_truncated_png(data: bytes) -> None:
    """ImageError for PNG bytes that end too soon (``png_truncation``), saying where and what to do."""
    where = png_truncation(data)
    if where is not None:
        raise ImageError(f"truncated or corrupt image: a PNG cut short ({where}); re-export or re-save the file")


def _refuse_truncated_tiff(data: bytes) -> None:
    """ImageError for TIFF bytes that end too soon (``tiff_truncation``), saying where and what to do."""
    where = tiff_truncation(data)
    if where is not None:
        raise ImageError(f"truncated or corrupt image: a TIFF cut short ({where}); copy or export the file again")


def _pnm_size(data: bytes) -> tuple[int, int] | None:
    """Width and height of a PBM/PGM/PPM (P1-P6), PAM (P7) or PFM (PF, Pf) header."""
    head = data[:4096]
    if head[1:2] == b"7":
        width, height = re.search(rb"\bWIDTH\s+(\d+)", head), re.search(rb"\bHEIGHT\s+(\d+)", head)
        return (int(width.group(1)), int(height.group(1))) if width and height else None
    tokens = re.sub(rb"#[^\n]*", b" ", head[2:]).split()
    return int(tokens[0]), int(tokens[1])


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    """Walk the JPEG markers to the first start-of-frame (SOF0..SOF15 except DHT/JPG/DAC)."""
    i = 2
    while i + 9 < len(data):
        if data[i] != 0xFF:
            i += 1
            continue
        marker = data[i + 1]
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7 or marker == 0xFF:
            i += 1 if marker == 0xFF else 2
            continue
        length = int.from_bytes(data[i + 2 : i + 4], "big")
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", data[i + 5 : i + 9])
            return width, height
        i += 2 + length
    return None


# --------------------------------------------------------------------------- EXIF orientation


def _tiff_orientation(tiff: bytes) -> int:
    """The Orientation tag (274) of the first IFD of an EXIF/TIFF block; 1 (upright) when absent or unreadable."""
    if tiff[:4] not in (b"II*\x00", b"MM\x00*"):
        return 1
    order = "<" if tiff[:2] == b"II" else ">"
    ifd = struct.unpack(order + "I", tiff[4:8])[0]
    count = struct.unpack(order + "H", tiff[ifd : ifd + 2])[0]
    for i in range(min(count, 1024)):
        at = ifd + 2 + 12 * i
        tag, kind = struct.unpack(order + "HH", tiff[at : at + 4])
        if tag == 274 and kind == 3:  # SHORT
            value = struct.unpack(order + "H", tiff[at + 8 : at + 10])[0]
            return value if 1 <= value <= 8 else 1
    return 1


def exif_orientation(data: bytes) -> int:
    """The EXIF Orientation (1-8) stored in JPEG (APP1), PNG (eXIf) or WebP (EXIF chunk) bytes; 1 if none.

    1 is upright; 6 is what a phone writes for a photo taken in portrait (stored rotated 90 degrees
    anticlockwise, to be turned clockwise for display). Never raises: a damaged tag counts as 1.
    """
    try:
        if data[:2] == b"\xff\xd8":  # JPEG: walk the markers before the image data for APP1 "Exif\0\0"
            i = 2
            while i + 4 <= len(data) and data[i] == 0xFF:
                marker = data[i + 1]
                if marker == 0xFF:
                    i += 1
                    continue
                if marker in (0xDA, 0xD9):  # start of scan / end of image: no EXIF before the pixels
                    return 1
                length = int.from_bytes(data[i + 2 : i + 4], "big")
                if marker == 0xE1 and data[i + 4 : i + 10] == b"Exif\x00\x00":
                    return _tiff_orientation(data[i + 10 : i + 2 + length])
                i += 2 + length
            return 1
        if data[:8] == b"\x89PNG\r\n\x1a\n":  # PNG: chunks up to the image data
            i = 8
            while i + 8 <= len(data):
                length = int.from_bytes(data[i : i + 4], "big")
                kind = data[i + 4 : i + 8]
                if kind == b"eXIf":
                    return _tiff_orientation(data[i + 8 : i + 8 + length])
                if kind in (b"IDAT", b"IEND"):
                    return 1
                i += 12 + length
            return 1
        if data[:4] == b"RIFF" and data[8:12] == b"WEBP":  # WebP: RIFF chunks, EXIF after the image data
            i = 12
            while i + 8 <= len(data):
                kind, length = data[i : i + 4], int.from_bytes(data[i + 4 : i + 8], "little")
                if kind == b"EXIF":
                    block = data[i + 8 : i + 8 + length]
                    return _tiff_orientation(block[6:] if block[:6] == b"Exif\x00\x00" else block)
                i += 8 + length + (length & 1)
            return 1
    except (struct.error, IndexError, ValueError):
        return 1
    return 1


def apply_orientation(image: np.ndarray, orientation: int) -> np.ndarray:
    """The image as displayed for an EXIF Orientation 1-8 (the same pixels OpenCV's IMREAD_COLOR gives)."""
    if orientation == 2:
        return cv2.flip(image, 1)
    if orientation == 3:
        return cv2.rotate(image, cv2.ROTATE_180)
    if orientation == 4:
        return cv2.flip(image, 0)
    if orientation == 5:
        return cv2.transpose(image)
    if orientation == 6:
        return cv2.rotate(image, cv2.ROTATE_90_CLOCKWISE)
    if orientation == 7:
        return cv2.flip(cv2.transpose(image), -1)
    if orientation == 8:
        return cv2.rotate(image, cv2.ROTATE_90_COUNTERCLOCKWISE)
    return image


# --------------------------------------------------------------------------- decoding


def decode(data: bytes, max_pixels: int | None = None) -> np.ndarray:
    """Encoded image bytes -> uint8 array [H, W] (gray), [H, W, 3] (BGR) or [H, W, 4] (BGRA), as displayed.

    The EXIF orientation of a JPEG, PNG or WebP is applied (H and W are those of the upright image); alpha
    and gray are kept as stored; 16-bit and float images are scaled to 8 bits. ``max_pixels`` (default:
    ``MAX_PIXELS``, 64 MP) bounds W x H, read from the header before anything is decoded.
    Raises ImageError naming the problem and the fix (empty, too big, truncated, not an image).
    """
    if not data:  # (an empty file is refused by read_bytes, with its own message)
        raise ImageError(f"empty bytes (0 bytes): no image data; pass an encoded image ({FORMATS})")
    limit = MAX_PIXELS if max_pixels is None else max_pixels
    _refuse_truncated_tiff(data)
    size = header_size(data)
    if size and size[0] * size[1] > limit:
        w, h = size if exif_orientation(data) < 5 else size[::-1]  # as displayed (EXIF 5-8: turned a quarter)
        raise ImageError(
            f"image is {w}x{h} pixels ({_amount(w * h)}), above the "
            f"{_amount(limit)} limit; downscale it first, {_raise_the_limit(w * h)}"
        )
    _refuse_truncated_png(data)  # (after the size: a header claiming 20000x20000 is refused for that first)
    # IMREAD_UNCHANGED keeps alpha, gray and 16 bits, and ignores the EXIF orientation: applied below.
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    if image is None or image.size == 0:
        known = known_other(data)
        if known is not None:
            raise ImageError(known)
        kind = "truncated or corrupt image" if size else f"not an image OpenCV can decode ({FORMATS})"
        if data[:3] == b"\xff\xd8\xff" and data.rstrip(b"\x00")[-2:] != b"\xff\xd9":
            kind = (
                "truncated or corrupt image: a JPEG cut short (it has no end-of-image marker; the file ends at byte "
                f"{len(data):,})"
            )
        raise ImageError(f"{kind}; re-export or re-save the file")
    return as_displayed(image, exif_orientation(data))


def as_displayed(image: np.ndarray, orientation: int) -> np.ndarray:
    """A decoded image (any dtype OpenCV gives) -> uint8, turned as its EXIF/TIFF ``orientation`` (1-8) says:
    16-bit and float images are stretched from their minimum to their maximum; a float image's NaN and
    infinities count as 0, as in an array passed in (ink.to_uint8: one NaN pixel of a float TIFF made its whole
    stretch NaN, read as no digits, with a RuntimeWarning)."""
    if image.dtype.kind == "f":
        image = np.nan_to_num(image, nan=0.0, posinf=0.0, neginf=0.0)
    if image.dtype != np.uint8:  # 16-bit PNG/TIFF, float TIFF: scale to 8 bits
        image = cv2.normalize(image, None, 0, 255, cv2.NORM_MINMAX).astype(np.uint8)
    return apply_orientation(image, orientation)


def tiff_pages(data: bytes) -> list[tuple[int, tuple[int, int] | None]]:
    """The pages of encoded TIFF bytes: (the IFD's index, its size or None) of each IFD that is not a
    reduced-resolution copy (a thumbnail or a preview: ``_tiff_ifds``); [] for bytes that are no TIFF."""
    if data[:4] not in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return []
    try:
        return [(index, size) for index, (size, reduced) in enumerate(_tiff_ifds(data)) if not reduced]
    except (struct.error, IndexError, ValueError):
        return []


def animation_frames(data: bytes) -> int:
    """How many frames encoded GIF, PNG or WebP bytes hold, read from their blocks without decoding: a GIF's image
    descriptors (GIF89a, section 20), an APNG's acTL chunk (its num_frames), an animated WebP's ANMF chunks (the
    WebP container specification), at most MAX_PAGES (a bound on a malformed file's count). 1 for a still image,
    any other format, or bytes whose blocks do not add up (decoding then says what is wrong). A records office's
    trial: the second frame of a GIF was lost without a word."""
    return min(MAX_PAGES, _animation_frames(data))


def _animation_frames(data: bytes) -> int:
    """animation_frames, unbounded."""
    try:
        if data[:6] in (b"GIF87a", b"GIF89a"):
            return max(1, _gif_frames(data))
        if data[:8] == b"\x89PNG\r\n\x1a\n":
            at = 8
            while at + 8 <= len(data):
                length, kind = struct.unpack(">I4s", data[at : at + 8])
                if kind == b"acTL":
                    return max(1, struct.unpack(">I", data[at + 8 : at + 12])[0])
                if kind in (b"IDAT", b"IEND"):
                    return 1  # (acTL comes before the image data)
                at += 12 + length
            return 1
        if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
            at, frames = 12, 0
            while at + 8 <= len(data):
                kind, length = data[at : at + 4], struct.unpack("<I", data[at + 4 : at + 8])[0]
                frames += kind == b"ANMF"
                at += 8 + length + (length & 1)
            return max(1, frames)
    except (struct.error, IndexError):  # cut short: what the decoder makes of it
        return 1
    return 1


def _gif_frames(data: bytes) -> int:
    """The image descriptors (0x2C) of GIF bytes, walking the blocks (GIF89a: header, logical screen descriptor and
    its global colour table, then extensions and images, each made of sub-blocks, up to the trailer 0x3B)."""
    flags = data[10]
    at = 13 + (3 << ((flags & 7) + 1) if flags & 0x80 else 0)
    frames = 0

    def skip_sub_blocks(at: int) -> int:
        while at < len(data) and data[at]:
            at += 1 + data[at]
        return at + 1

    while at < len(data):
        block = data[at]
        if block == 0x3B:  # trailer
            break
        if block == 0x21:  # an extension: its label, then sub-blocks
            at = skip_sub_blocks(at + 2)
        elif block == 0x2C:  # an image: its descriptor, a local colour table, the LZW code size, sub-blocks
            frames += 1
            local = data[at + 9]
            at += 10 + (3 << ((local & 7) + 1) if local & 0x80 else 0)
            at = skip_sub_blocks(at + 1)
        else:
            break  # not a block: what was counted so far
    return frames


def page_count(data: bytes) -> int:
    """How many pages encoded image bytes hold: the IFDs of a TIFF that are pages, not thumbnails (a scanner's or
    a fax's multi-page file; ``tiff_pages``), the pages of a PDF (``pdf.page_sizes``; raises ImageError as it
    does), the frames of an animated GIF, PNG or WebP (``animation_frames``), 1 for any other image."""
    from . import pdf

    if pdf.is_pdf(data):
        try:
            return len(pdf.page_sizes(data))
        except pdf.PdfError as exc:
            raise ImageError(str(exc)) from None
    return max(1, len(tiff_pages(data)), animation_frames(data))


class PixelCount(NamedTuple):
    """What encoded bytes decode to, read from their headers (``pixel_count``)."""

    pixels: int  # all the pages together
    pages: int
    what: str  # "1200x800 pixels", "a TIFF of 3 pages", "a PDF of 2 page(s) at 200 dpi"


def pixel_count(data: bytes) -> PixelCount | None:
    """The pixels encoded image bytes decode to, all pages together, read from the headers without decoding (for
    a limit checked before reading, as the server's). None when the header does not tell (``header_size``), and
    for a PDF without the ``pdf`` extra or that cannot be opened (reading it then says why)."""
    from . import pdf

    if pdf.is_pdf(data):
        try:
            sizes = pdf.page_sizes(data)
        except pdf.PdfError:
            return None
        return PixelCount(sum(w * h for w, h in sizes), len(sizes), f"a PDF of {len(sizes)} page(s) at {pdf.DPI:g} dpi")
    pages = tiff_pages(data)
    if len(pages) > 1:
        return PixelCount(
            sum(size[0] * size[1] for _, size in pages if size), len(pages), f"a TIFF of {len(pages)} pages"
        )
    size = header_size(data)
    frames = animation_frames(data)
    if size is not None and frames > 1:
        return PixelCount(size[0] * size[1] * frames, frames, f"an animation of {frames} frames")
    return None if size is None else PixelCount(size[0] * size[1], 1, f"{size[0]}x{size[1]} pixels")


class Pages:
    """The pages of one file, each decoded only when it is asked for: a long PDF or multi-page TIFF is read a page
    at a time and never held whole (``open_pages``).

        pages = open_pages(data)     # the page sizes checked against the limit; nothing decoded yet
        len(pages)                   # 1 for an image, the pages of a TIFF or a PDF
        pages[i]                     # page i (0-based) as ``decode`` gives an image, decoded now
        for page in pages: ...       # one at a time

    A page is a uint8 array [H, W], [H, W, 3] (BGR) or [H, W, 4]: a TIFF page turned by the first IFD's Orientation
    tag, a PDF page rendered at the ``pdf.DPI`` of the moment ``open_pages`` was called (BGR). ``pages[i]`` raises
    ImageError for a page that does not decode (naming it: "page 3 of 7: ..."), IndexError past the last."""

    def __init__(
        self, data: bytes, kind: str, count: int, max_pixels: int, ifds: tuple[int, ...] = (), dpi: float | None = None
    ):
        self.data = data  # the encoded file
        self.kind = kind  # "image", "tiff" (several pages), "frames" (an animation's) or "pdf"
        self.count = count
        self.max_pixels = max_pixels  # the limit of one page (an image: ``decode`` checks it)
        self.ifds = ifds  # a TIFF's IFD index of each page (tiff_pages), an animation's frame index
        self.dpi = dpi  # a PDF's rendering resolution, dots per inch
        self._frames: tuple[int, list[np.ndarray]] = (0, [])  # an animation's last decoded run: first index, frames

    def __len__(self) -> int:
        return self.count

    def __iter__(self) -> Iterator[np.ndarray]:
        return (self[index] for index in range(self.count))

    def __getitem__(self, index: int) -> np.ndarray:
        if not 0 <= index < self.count:
            raise IndexError(f"page {index} of a file of {self.count} page(s) (pages count from 0)")
        if self.kind == "image":
            return decode(self.data, self.max_pixels)
        if self.kind == "pdf":
            from . import pdf

            try:
                return pdf.render_page(self.data, index, self.dpi)
            except pdf.PdfError as exc:
                raise ImageError(str(exc)) from None
        try:
            buffer = np.frombuffer(self.data, np.uint8)
            if self.kind == "frames":
                mats = self._frame(buffer, index)
                ok = bool(mats)
            else:
                ok, mats = cv2.imdecodemulti(
                    buffer, cv2.IMREAD_UNCHANGED, range=(self.ifds[index], self.ifds[index] + 1)
                )
        except cv2.error:
            ok, mats = False, []
        if not ok or not mats or mats[0].size == 0:
            raise ImageError(
                f"page {index + 1} of {self.count}: truncated or corrupt image; re-export or re-save the file"
            )
        return as_displayed(mats[0], exif_orientation(self.data))

    def _frame(self, buffer: np.ndarray, index: int) -> list[np.ndarray]:
        """``[frame index]`` of an animation, or [] when it does not decode. OpenCV composes a frame on the canvas
        from every frame before it, so asking for frames one by one (``imdecodeanimation(start=i, count=1)``)
        decoded the first i frames again each time: a 100-frame GIF of 640x480 took 9.3 s against 0.25 s decoded
        at once. Frames are decoded ``FRAMES_CHUNK_BYTES`` of them at a time and kept until the next run is asked
        for: reading frame after frame costs about n^2 / (2 * chunk) frame decodes, and a run of them (at most
        16 MiB) is what is held in memory. A run cut short by a frame that does not decode keeps the frames before
        it; that frame is then tried alone, as before. Each frame is handed out as a copy: a caller may draw on it.
        (imdecodemulti's range gives the wrong frames of an animation, OpenCV 5.1.)"""
        first, run = self._frames
        if not first <= index < first + len(run):
            size = header_size(self.data)
            pixels = size[0] * size[1] if size else 0  # (a header claiming 0x0: decoding says what is wrong)
            count = min(max(1, FRAMES_CHUNK_BYTES // (4 * pixels)) if pixels else 1, self.count - index)
            ok, animation = cv2.imdecodeanimation(buffer, start=index, count=count)
            first, run = index, list(animation.frames)[:count]
            if not run:  # the frame alone, as before, if it decodes
                ok, animation = cv2.imdecodeanimation(buffer, start=index, count=1)
                run = list(animation.frames)[:1] if ok else []
            self._frames = (first, run)
        return [frame.copy() for frame in run[index - first : index - first + 1]]


def open_pages(data: bytes, max_pixels: int | None = None) -> Pages:
    """Encoded image bytes -> their ``Pages``, each decoded when asked for: one page for an image; for a TIFF of
    several IFDs, every page (``tiff_pages``: a thumbnail or a preview IFD is left out); for a PDF, every page
    (``pdf.page_sizes``; rendered by the ``pdf`` extra); for an animated GIF, PNG or WebP, every frame
    (``animation_frames``; OpenCV composes each on the canvas).

    ``max_pixels`` (default ``MAX_PIXELS``, 64 MP) bounds each page, checked here for every page from the
    headers before anything is decoded: a file is read a page at a time, so one page is what it costs in
    memory (with the digits found on the pages before it), and a 200-page PDF of A4 scans (3.9 MP a page at
    200 dpi) is not refused for its length. Raises
    ImageError naming the problem, the page and the fix (a PDF without the extra, a password, a corrupt file;
    an image's own problems are raised when its page is decoded, as ``decode`` raises them)."""
    from . import pdf

    limit = MAX_PIXELS if max_pixels is None else max_pixels
    if pdf.is_pdf(data):
        try:
            sizes = pdf.page_sizes(data)
        except pdf.PdfError as exc:
            raise ImageError(str(exc)) from None
        what = f"a PDF of {len(sizes)} page(s) at {pdf.DPI:g} dpi"
        fix = f"render it at a lower resolution (--pdf-dpi, or edgedigits.runtime.pdf.DPI in Python; it is {pdf.DPI:g})"
        _check_each_page(sizes, limit, what, fix)
        return Pages(data, "pdf", len(sizes), limit, dpi=pdf.DPI)
    _refuse_truncated_tiff(data)
    frames = animation_frames(data)
    if frames > 1:  # an animated GIF, PNG or WebP: each frame a page, as the pages of a TIFF
        size = header_size(data)
        _check_each_page([size] * frames, limit, f"an animation of {frames} frames", "downscale it")
        return Pages(data, "frames", frames, limit, ifds=tuple(range(frames)))
    pages = tiff_pages(data) if data else []
    if len(pages) <= 1 and (not pages or pages[0][0] == 0):  # one image (or no TIFF): as always
        return Pages(data, "image", 1, limit)
    _check_each_page([size for _, size in pages], limit, f"a TIFF of {len(pages)} pages", "downscale the scan")
    return Pages(data, "tiff", len(pages), limit, ifds=tuple(index for index, _ in pages))


def decode_pages(data: bytes, max_pixels: int | None = None) -> list[np.ndarray]:
    """Encoded image bytes -> each of its pages as ``decode`` gives an image, all of them at once: ``list`` of
    ``open_pages(data, max_pixels)`` (each page within ``max_pixels``). Raises ImageError as that does."""
    return list(open_pages(data, max_pixels))


# ISO media brands of still images (HEIF, AVIF): their files start with an 'ftyp' box, as MP4 and MOV videos do.
IMAGE_BRANDS = (b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1", b"avif", b"avis")


# The signatures of the formats OpenCV decodes (WebP's RIFF and PNM's are checked apart): bytes that start with none
# of them are no image (the server's 415; a folder's suffixless file is no image); ones that do but cannot be decoded
# are a damaged image (the server's 422).
IMAGE_SIGNATURES = (
    b"\x89PNG",
    b"\xff\xd8\xff",
    b"GIF8",
    b"BM",
    b"II*\x00",
    b"MM\x00*",
    b"II+\x00",
    b"MM\x00+",
    b"\x59\xa6\x6a\x95",
    b"\x00\x00\x00\x0cjP  ",
    b"\xff\x4f\xff\x51",
    b"#?RADIANCE",
    b"#?RGBE",
)


def looks_like_image(data: bytes) -> bool:
    """Whether these first bytes (16 are enough) start a file of a format OpenCV decodes: IMAGE_SIGNATURES, a
    WebP's RIFF header, or a PNM's 'P1'-'P7', 'PF' or 'Pf' followed by a blank."""
    if data.startswith(IMAGE_SIGNATURES):
        return True
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return True
    return (
        data[:1] == b"P"
        and data[1:2] in (b"1", b"2", b"3", b"4", b"5", b"6", b"7", b"F", b"f")
        and data[2:3] in (b"\n", b"\r", b" ", b"\t")
    )


def known_other(data: bytes, text: bool = True) -> str | None:
    """What undecodable bytes are and what to do, when their first bytes tell: a video (``is_video``) or a
    common format OpenCV does not read (``other_format``; ``text``: text files too); None otherwise. The message
    of load_image's error."""
    if is_video(data):
        return (
            "a video file, not an image; read its frames with edgedigits webcam --source FILE --headless "
            "(Python: edgedigits.runtime.sources.iter_frames(FILE))"
        )
    other = other_format(data, text)
    return None if other is None else f"not an image OpenCV can decode: {other}"


def other_format(data: bytes, text: bool = True) -> str | None:
    """What these undecodable bytes are, when their first bytes tell a common format OpenCV does not read, and
    what to do (for the error message: "a PDF document; export ..."); None otherwise. PDF (``%PDF``), HEIC/HEIF
    photos (an ISO 'ftyp' box of a HEIF brand: an iPhone's default), SVG (XML text holding ``<svg``), ICO, ZIP,
    gzip, and (with ``text``) text: UTF-8 without NUL bytes in the first 512 bytes, not an ASCII PNM (notes,
    JSON, base64)."""
    head = data[:512]
    if head.startswith(b"%PDF"):
        return (
            "a PDF document; its pages are read by edgedigits classify and batch, DigitReader.read and the server "
            f"with the PDF extra ({install_hint('pdf')}), or export them as PNG or JPEG images (e.g. "
            "pdftoppm -r 200 -png FILE page)"
        )
    if head[4:8] == b"ftyp" and head[8:12] in IMAGE_BRANDS and head[8:12] not in (b"avif", b"avis"):
        return (
            "a HEIC/HEIF photo; save or export it as JPEG (an iPhone takes JPEG photos with Settings > Camera > "
            "Formats > Most Compatible)"
        )
    stripped = head.lstrip()
    if stripped[:5] in (b"<?xml", b"<svg ", b"<svg>") and b"<svg" in data[:4096]:
        return "an SVG drawing; export it as PNG"
    if head[:4] == b"\x00\x00\x01\x00":
        return "an ICO icon; save it as PNG"
    if head[:4] == b"PK\x03\x04":
        return "a ZIP archive; unpack it and read the images in it"
    if head[:2] == b"\x1f\x8b":
        return "a gzip-compressed file; decompress it first"
    if (
        text and b"\x00" not in head and head[:2] not in (b"P1", b"P2", b"P3")
    ):  # (not an ASCII PBM/PGM/PPM: those decode)
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as exc:
            if exc.start < len(head) - 3:  # (a character cut at the 512th byte is still text)
                return None
        return (
            "text (a file of notes, JSON or base64?), not an image; give the image file itself, not an encoding of it"
        )
    return None


def is_video(data: bytes) -> bool:
    """Do these bytes start as a video container does: AVI, MP4/MOV/M4V/3GP (an 'ftyp' box whose brand is not a
    still image's, IMAGE_BRANDS), Matroska/WebM, FLV, ASF/WMV, MPEG program or transport stream? Looks at the
    first 189 bytes only; for a message, not for decoding."""
    head = data[:189]
    return (
        (head[:4] == b"RIFF" and head[8:12] == b"AVI ")
        or (head[4:8] == b"ftyp" and head[8:12] not in IMAGE_BRANDS)
        or head[:4] in (b"\x1aE\xdf\xa3", b"FLV\x01", b"\x00\x00\x01\xba")
        or head[:8] == b"0&\xb2u\x8ef\xcf\x11"
        or (len(head) == 189 and head[0] == head[188] == 0x47)
    )


def _amount(pixels: int) -> str:
    """64000000 -> '64 MP'; 5000 -> '5,000 pixels'."""
    return f"{pixels / 1e6:.0f} MP" if pixels >= 1_000_000 else f"{pixels:,} pixels"


def _check_each_page(sizes: Sequence[tuple[int, int] | None], limit: int, what: str, fix: str) -> None:
    """Refuse a file of several pages one of whose pages exceeds ``limit`` pixels: ImageError naming the page,
    ``what`` the file is ("a TIFF of 3 pages"), the ``fix`` ("downscale the scan") and how to raise the limit.
    ``sizes``: (w, h) of each page, None where a header does not tell (decoding checks nothing more then)."""
    for number, size in enumerate(sizes, 1):
        if size is not None and size[0] * size[1] > limit:
            pixels = size[0] * size[1]
            raise ImageError(
                f"page {number} of {what} is {size[0]}x{size[1]} pixels ({_amount(pixels)}), above the "
                f"{_amount(limit)} limit for one page; {fix}, {_raise_the_limit(pixels)}"
            )


def _raise_the_limit(pixels: int) -> str:
    """The end of a pixel-limit message: how to let ``pixels`` through on purpose, on the command line and in
    Python."""
    limit = _round_up(pixels)
    return (
        f"or raise the limit on purpose (edgedigits classify or batch --max-pixels {limit}; in Python, "
        f"edgedigits.runtime.images.MAX_PIXELS = {limit})"
    )


def _round_up(pixels: int) -> int:
    """A round limit just above ``pixels`` (108,000,000 -> 110000000) for the error message."""
    step = 10 ** max(0, len(str(pixels)) - 2)
    return (pixels // step + 1) * step


def load_image(source: str | os.PathLike | bytes | bytearray | memoryview, max_pixels: int | None = None) -> np.ndarray:
    """A path or encoded bytes -> uint8 image array as in ``decode``. Raises ImageError naming the problem and
    the fix (the file's problems come from ``read_bytes``; anything else, such as None or a number, is refused
    too, never taken for a file descriptor)."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        return decode(bytes(source), max_pixels)
    if hasattr(source, "read"):  # an open file, io.BytesIO
        raise ImageError(
            f"not an image but an open file ({type(source).__name__}): pass its contents, f.read(), or the file's path"
        )
    if not isinstance(source, (str, os.PathLike)):
        hint = ""
        if hasattr(source, "getbands") and hasattr(source, "mode"):  # a Pillow image: RGB order
            hint = (
                "; for a Pillow image pass cv2.cvtColor(np.asarray(img.convert('RGB')), cv2.COLOR_RGB2BGR) "
                "(OpenCV's BGR order), or the file's path or bytes"
            )
        raise ImageError(
            f"not an image but {type(source).__name__}: pass a file path, encoded image bytes or a NumPy array{hint}"
        )
    return decode(read_bytes(source), max_pixels)


def load_pages(source: str | os.PathLike | bytes | bytearray | memoryview, max_pixels: int | None = None) -> Pages:
    """``load_image`` for every page: the ``Pages`` of a file (``open_pages``; one page for an image, every page
    of a multi-page TIFF or a PDF), each decoded when it is asked for. Raises ImageError as ``load_image`` and
    ``open_pages`` do."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        return open_pages(bytes(source), max_pixels)
    if hasattr(source, "read") or not isinstance(source, (str, os.PathLike)):
        load_image(source, max_pixels)  # refused there, with its message
    return open_pages(read_bytes(source), max_pixels)
