"""Decoding image files and bytes into arrays, with an error that says what went wrong and what to do.

Nothing here raises anything but ``ImageError`` for a bad input, so one bad file never stops a batch.
The image's size is read from its header *before* decoding, so a 20000x20000 PNG is refused without
allocating gigabytes.
"""

from __future__ import annotations

import os
import re
import stat
import struct

import cv2
import numpy as np

MAX_FILE_BYTES = 256 * 1024 * 1024
MAX_PIXELS = 64_000_000  # a 48 MP phone photo fits; a 20000x20000 scan does not
IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".jpe", ".bmp", ".dib", ".tif", ".tiff", ".webp",
                            ".pgm", ".ppm", ".pbm", ".pnm", ".jp2", ".sr", ".ras"})
FORMATS = "PNG, JPEG, BMP, TIFF, WebP or PNM"


class ImageError(ValueError):
    """An input that cannot be read as an image. The message names the problem and the fix."""


def is_image_name(name: str) -> bool:
    return os.path.splitext(name)[1].lower() in IMAGE_SUFFIXES


def read_bytes(path: str | os.PathLike) -> bytes:
    """The file's bytes, or an ImageError that says why not (missing, a folder, no permission, empty, huge)."""
    try:
        info = os.stat(path)
        if stat.S_ISDIR(info.st_mode):
            raise ImageError("is a folder, not an image file (pass the folder itself to read every image in it)")
        if not stat.S_ISREG(info.st_mode):  # opening a named pipe would wait for a writer forever
            raise ImageError("not a regular file (a named pipe, device or socket); save the image to a file first")
        size = info.st_size
        if size == 0:
            raise ImageError("empty file (0 bytes): it was not fully written or copied; copy it again")
        if size > MAX_FILE_BYTES:
            raise ImageError(f"file is {size / 2**20:.0f} MiB, above the {MAX_FILE_BYTES // 2**20} MiB limit; "
                             "downscale or crop it first")
        with open(path, "rb") as handle:
            return handle.read()
    except FileNotFoundError:
        raise ImageError("no such file; check the path") from None
    except PermissionError:
        raise ImageError("permission denied; make the file readable (chmod +r) or run as a user who can read it") from None
    except OSError as exc:  # symlink loops, I/O errors, names too long, ...
        raise ImageError(f"cannot read the file ({exc.strerror or exc})") from None


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
                height, width = struct.unpack(">II", data[at + 4:at + 12])
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
    order = "<" if data[:2] == b"II" else ">"
    big = struct.unpack(order + "H", data[2:4])[0] == 43
    if big:
        ifd = struct.unpack(order + "Q", data[8:16])[0]
        count, first, entry = struct.unpack(order + "Q", data[ifd:ifd + 8])[0], ifd + 8, 20
    else:
        ifd = struct.unpack(order + "I", data[4:8])[0]
        count, first, entry = struct.unpack(order + "H", data[ifd:ifd + 2])[0], ifd + 2, 12
    found = {}
    for i in range(min(count, 4096)):
        at = first + i * entry
        tag, kind = struct.unpack(order + "HH", data[at:at + 4])
        if tag in (256, 257):
            value = data[at + (12 if big else 8):at + entry]
            code = {3: "H", 4: "I", 16: "Q"}.get(kind)
            if code is None:
                return None
            found[tag] = struct.unpack(order + code, value[:struct.calcsize(order + code)])[0]
    return (found[256], found[257]) if len(found) == 2 else None


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
        length = int.from_bytes(data[i + 2:i + 4], "big")
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", data[i + 5:i + 9])
            return width, height
        i += 2 + length
    return None


def decode(data: bytes) -> np.ndarray:
    """Encoded image bytes -> uint8 array (gray, BGR or BGRA as stored). Raises ImageError."""
    if not data:
        raise ImageError("empty file (0 bytes): it was not fully written or copied; copy it again")
    size = header_size(data)
    if size and size[0] * size[1] > MAX_PIXELS:
        raise ImageError(f"image is {size[0]}x{size[1]} pixels ({size[0] * size[1] / 1e6:.0f} MP), above the "
                         f"{MAX_PIXELS / 1e6:.0f} MP limit; downscale it first")
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    if image is None or image.size == 0:
        kind = "truncated or corrupt image" if size else f"not an image OpenCV can decode ({FORMATS})"
        raise ImageError(f"{kind}; re-export or re-save the file")
    if image.dtype != np.uint8:  # 16-bit PNG/TIFF, float TIFF: scale to 8 bits
        image = cv2.normalize(image, None, 0, 255, cv2.NORM_MINMAX).astype(np.uint8)
    return image


def load_image(source: str | os.PathLike | bytes | bytearray | memoryview) -> np.ndarray:
    """A path or encoded bytes -> uint8 image array. Raises ImageError naming the problem and the fix."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        return decode(bytes(source))
    return decode(read_bytes(source))
