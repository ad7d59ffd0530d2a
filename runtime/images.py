"""Decoding image files and bytes into arrays, with an error that says what went wrong and what to do.

Nothing here raises anything but ``ImageError`` for a bad input, so one bad file never stops a batch.
The image's size is read from its header *before* decoding, so a 20000x20000 PNG is refused without
allocating gigabytes.
"""

from __future__ import annotations

import os
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
        size = os.path.getsize(path)
        if os.path.isdir(path):
            raise ImageError("is a folder, not an image file (pass the folder itself to read every image in it)")
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
    """(width, height) from a PNG, JPEG, GIF, BMP or WebP header without decoding; None if unknown."""
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
    except (struct.error, IndexError):
        return None
    return None


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
