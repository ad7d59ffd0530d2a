"""Hardness (issue 5, "Reliability (tests, not promises)"): the image stages survive any array, `classify` survives
any folder, `webcam` survives any source. Everything here runs the real thing: real arrays from 1x1 to
10000x10000, real files on disk (corrupt, truncated, decompression bombs, unreadable, looping links), a real
MJPEG server on 127.0.0.1 that OpenCV's FFmpeg backend reads, and the real CLI in a subprocess with a timeout, so
a hang fails the test instead of blocking the suite.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import struct
import subprocess
import sys
import tempfile
import time
import zlib
from dataclasses import dataclass

import cv2
import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from edgedigits.runtime.detect import extract
from edgedigits.runtime.ink import ink_map, to_gray
from edgedigits.runtime.normalize import normalize_batch, normalize_digit

EDGEDIGITS = [sys.executable, "-m", "edgedigits.runtime.cli"]

# =========================================================================== 1. any array into the image stages

DTYPES = (np.uint8, np.uint16, np.int16, np.float32, np.float64, np.bool_)
KINDS = ("constant", "noise", "all-ink", "blocks", "gradient", "strokes", "non-finite")
INPUT_BYTES = 100_000_000  # the largest array drawn: 10000x10000 uint8 or bool (2-D) fits exactly


@dataclass(frozen=True)
class Spec:
    """An image to build: hypothesis draws these small records (readable in a failure report), numpy builds
    the array from the seed (hypothesis' own array strategies are far too slow for 100 MP)."""

    h: int
    w: int
    channels: int  # 0 = 2-D
    dtype: str
    kind: str
    seed: int = 0

    @property
    def shape(self) -> tuple[int, ...]:
        return (self.h, self.w) if self.channels == 0 else (self.h, self.w, self.channels)


def side(exponent: int) -> int:
    """exponent 0..40 -> 1..10000 px, log-uniform (10 ** (exponent / 10))."""
    return min(10000, max(1, round(10 ** (exponent / 10))))


@st.composite
def specs(draw, max_bytes: int = INPUT_BYTES, max_side: int = 10000, channels=(0, 1, 2, 3, 4), dtypes=DTYPES):
    dtype = np.dtype(draw(st.sampled_from(dtypes)))
    c = draw(st.sampled_from(channels))
    kind = draw(st.sampled_from(KINDS))
    max_pixels = max(1, max_bytes // (dtype.itemsize * max(c, 1)))
    top = int(10 * math.log10(max_side))
    a = side(draw(st.integers(0, top)))
    b_max = min(max_side, max(1, max_pixels // a))
    b = side(draw(st.integers(0, int(10 * math.log10(b_max)))))
    b = min(b, b_max)
    h, w = (a, b) if draw(st.booleans()) else (b, a)
    return Spec(h, w, c, dtype.name, kind, draw(st.integers(0, 2**32 - 1)))


def make(spec: Spec) -> np.ndarray:
    """The array a Spec describes, built with numpy from its seed."""
    rng = np.random.default_rng(spec.seed)
    layers = [_layer(spec.kind, spec.h, spec.w, rng) for _ in range(max(spec.channels, 1))]
    base = layers[0] if spec.channels == 0 else np.stack(layers, axis=2)  # uint8
    dtype = np.dtype(spec.dtype)
    if dtype == np.uint8:
        image = base
    elif dtype == np.bool_:
        image = base > 127
    elif dtype == np.uint16:
        image = base.astype(np.uint16) * np.uint16(257)
    elif dtype == np.int16:  # negative values too
        image = (base.astype(np.int16) - 128) * np.int16(256)
    else:  # float: [0, 1], [0, 255], a wide range with negatives, or tiny values
        scale, offset = [(1 / 255, 0.0), (1.0, 0.0), (1000.0, -5e4), (1e-30, 0.0)][rng.integers(0, 4)]
        image = base.astype(dtype)
        image *= dtype.type(scale)
        image += dtype.type(offset)
        if spec.kind == "non-finite":
            fraction = [1e-4, 0.3, 1.0][rng.integers(0, 3)]
            hits = (
                rng.random(spec.shape) < fraction
                if image.size < 4_000_000
                else np.unravel_index(rng.integers(0, image.size, max(1, int(fraction * 4_000_000))), spec.shape)
            )
            image[hits] = rng.choice(
                np.array([np.nan, np.inf, -np.inf], dtype),
                np.count_nonzero(hits) if isinstance(hits, np.ndarray) else len(hits[0]),
            )
    return image


def _layer(kind: str, h: int, w: int, rng: np.random.Generator) -> np.ndarray:
    """One uint8 channel of the given kind."""
    if kind in ("noise", "non-finite"):
        return rng.integers(0, 256, (h, w), dtype=np.uint8)
    if kind == "constant":
        return np.full((h, w), rng.integers(0, 256), np.uint8)
    if kind == "all-ink":  # every pixel ink, in either polarity (black page, or a white "ink map")
        return np.full((h, w), 0 if rng.random() < 0.5 else 255, np.uint8)
    if kind == "gradient":
        direction = rng.random(2) * 2 - 1
        ramp = np.arange(h, dtype=np.float32)[:, None] * direction[0] / max(h, 1) + np.arange(w, dtype=np.float32)[
            None, :
        ] * direction[1] / max(w, 1)
        ramp -= ramp.min()
        return (255 * ramp / max(float(ramp.max()), 1e-6)).astype(np.uint8)
    layer = np.full((h, w), rng.integers(0, 256), np.uint8)
    ink = int(rng.integers(0, 256))
    if kind == "blocks":
        for _ in range(int(rng.integers(1, 8))):
            y, x = int(rng.integers(0, h)), int(rng.integers(0, w))
            layer[y : y + int(rng.integers(1, h + 1)), x : x + int(rng.integers(1, w + 1))] = ink
        return layer
    assert kind == "strokes"  # pen-like lines and loops of any thickness
    for _ in range(int(rng.integers(1, 12))):
        p, q = (int(rng.integers(0, w)), int(rng.integers(0, h))), (int(rng.integers(0, w)), int(rng.integers(0, h)))
        thickness = int(rng.integers(1, max(2, min(h, w) // 8 + 1)))
        if rng.random() < 0.5:
            cv2.line(layer, p, q, ink, thickness)
        else:
            cv2.circle(layer, p, int(rng.integers(1, max(2, min(h, w) // 3 + 1))), ink, thickness)
    return layer


def assert_extraction(result, shape) -> None:
    digits, boxes, lines = result.digits, result.boxes, result.lines
    assert isinstance(digits, np.ndarray) and digits.dtype == np.float32
    assert digits.ndim == 3 and digits.shape[1:] == (28, 28)
    assert len(digits) == len(boxes) == len(lines)
    assert np.isfinite(digits).all() and (digits >= 0).all() and (digits <= 1).all()
    h, w = shape[:2]
    for box in boxes:
        x, y, bw, bh = box
        assert all(isinstance(v, int) for v in box), box
        assert 0 <= x and 0 <= y and bw >= 1 and bh >= 1 and x + bw <= w and y + bh <= h, (box, shape)
    assert all(isinstance(line, int) and line >= 0 for line in lines) and lines == sorted(lines)


def assert_ink(ink: np.ndarray, shape) -> None:
    assert ink.dtype == np.float32 and ink.shape == tuple(shape[:2])
    assert np.isfinite(ink).all() and ink.min() >= 0 and ink.max() <= 1


def assert_digit(digit: np.ndarray) -> None:
    assert digit.dtype == np.float32 and digit.shape == (28, 28)
    assert np.isfinite(digit).all() and digit.min() >= 0 and digit.max() <= 1


BIG = [  # the corners of the space, always tried
    Spec(1, 1, 0, "uint8", "constant"),
    Spec(1, 10000, 0, "uint8", "strokes", 1),
    Spec(10000, 1, 0, "float64", "non-finite", 2),
    Spec(1, 10000, 4, "uint16", "noise", 3),
    Spec(10000, 10000, 0, "uint8", "noise", 4),
    Spec(10000, 10000, 0, "bool", "strokes", 5),
    Spec(10000, 2500, 0, "float32", "gradient", 6),
    Spec(3000, 4000, 3, "uint8", "strokes", 7),
    Spec(5000, 5000, 4, "uint8", "all-ink", 8),
    Spec(2, 10000, 2, "int16", "blocks", 9),
]


def with_examples(cases):
    def decorate(test):
        for case in reversed(cases):
            test = example(case)(test)
        return test

    return decorate


@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
@with_examples(BIG)
@given(spec=specs())
def test_extract_survives_any_array(spec):
    """detect.extract, both modes, on any 2-D/3-D array of 1..4 channels, 6 dtypes, 1..10000 px a side."""
    image = make(spec)
    assert image.shape == spec.shape
    before = image.copy() if image.size <= 1_000_000 else None
    gray = to_gray(image)
    assert gray.dtype == np.uint8 and gray.shape == spec.shape[:2]
    for single in (False, True):
        result = extract(image, single=single)
        assert_extraction(result, image.shape)
        assert not single or len(result.boxes) <= 1
    if before is not None:  # the caller's array is never written to
        assert np.array_equal(before, image, equal_nan=image.dtype.kind == "f")


@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
@with_examples([s for s in BIG if s.h * s.w <= 25_000_000])
@given(spec=specs(max_bytes=25_000_000))
def test_ink_map_survives_any_array(spec):
    """ink.ink_map (with to_gray): same height and width as the input, float32 in [0, 1], finite."""
    image = make(spec)
    assert_ink(ink_map(image), image.shape)


NORMALIZE_MAX_SIDE = 10000


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@example(Spec(1, 1000, 0, "float64", "non-finite", 1), [(0, 0, 1000, 1), (-5, -5, 3, 3)], True)
@example(Spec(1000, 1, 1, "bool", "all-ink", 2), [(0, 0, 1, 1000), (0, 500, 1, 1)], False)
@example(Spec(1000, 1000, 0, "uint8", "noise", 3), [(0, 0, 1000, 1000)], False)
@given(
    spec=specs(max_bytes=8_000_000, max_side=NORMALIZE_MAX_SIDE, channels=(0, 1)),
    boxes=st.lists(
        st.tuples(st.integers(-50, 1100), st.integers(-50, 1100), st.integers(-10, 1100), st.integers(-10, 1100)),
        max_size=4,
    ),
    masked=st.booleans(),
)
def test_normalize_digit_and_batch_survive_any_ink(spec, boxes, masked):
    """normalize_digit on any 2-D (or HxWx1) array of any dtype, NaN and inf included; normalize_batch with
    boxes inside, across, outside the image, empty or negative, with masks of the right or the wrong shape."""
    ink = make(spec)
    assert_digit(normalize_digit(ink))
    assert_digit(normalize_digit(ink, thicken=False))
    masks = None
    if masked:
        rng = np.random.default_rng(spec.seed)
        masks = [
            None if i % 3 == 2 else rng.integers(0, 2, (max(h, 1), max(w, 1)) if i % 3 == 0 else (3, 5))
            for i, (_, _, w, h) in enumerate(boxes)
        ]
    batch = normalize_batch(ink, boxes, masks)
    assert batch.dtype == np.float32 and batch.shape == (len(boxes), 28, 28)
    assert np.isfinite(batch).all() and batch.min(initial=0) >= 0 and batch.max(initial=0) <= 1


@pytest.mark.parametrize("channels", [2, 3, 4])
def test_normalize_digit_refuses_colour_with_a_clear_error(channels):
    with pytest.raises(ValueError, match="2-D"):
        normalize_digit(np.zeros((5, 5, channels)))


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf, 1e38, -1e38, 5e-324])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_non_finite_and_extreme_floats(value, dtype):
    """All-NaN/inf/huge images, and one such pixel in a real-looking drawing."""
    flat = np.full((64, 80), value, dtype)
    drawing = np.ones((64, 80), dtype)
    cv2.circle(drawing, (40, 32), 20, 0.0, 4)
    drawing[0, 0] = value
    for image in (flat, drawing, np.dstack([drawing] * 3)):
        assert to_gray(image).dtype == np.uint8
        assert_ink(ink_map(image), image.shape)
        for single in (False, True):
            assert_extraction(extract(image, single=single), image.shape)
        if image.ndim == 2:
            assert_digit(normalize_digit(image))
    if not np.isfinite(value) or abs(value) < 1:  # one NaN/inf pixel does not hide the ring (one finite
        assert len(extract(drawing).boxes) == 1  # 1e38 pixel does: the range is stretched to it, by design)


def test_normalize_digit_is_fast_on_long_thin_inputs():
    """A 1x2000 stroke is one thin line: normalizing it must take milliseconds, not 0.7 s (1x3000: 2 s, 1x5000:
    15 s, 1x10000: minutes; widen_strokes dilates with a kernel a ninth as wide as the input)."""
    ink = np.ones((1, 2000), np.float32)
    started = time.perf_counter()
    assert_digit(normalize_digit(ink))
    assert time.perf_counter() - started < 0.2


def test_extract_is_fast_on_a_big_thin_line_drawing():
    """A 1600x1600 drawing with 1 px lines (a tablet, --single): well under a second (it took 1 s)."""
    drawing = np.full((1600, 1600), 255, np.uint8)
    cv2.line(drawing, (100, 100), (1500, 1500), 0, 1)
    cv2.line(drawing, (100, 1500), (1500, 100), 0, 1)
    for single in (True, False):
        started = time.perf_counter()
        result = extract(drawing, single=single)
        elapsed = time.perf_counter() - started
        assert_extraction(result, drawing.shape)
        assert elapsed < 0.4, (single, elapsed)


def test_page_sized_blobs_are_widened_grown_and_opened_on_smaller_copies():
    """A stress test's photos of grid paper (the grid one blob the size of the page) and of pencil on a desk
    (strokes measured 100 px wide) took 1.1 s and 2.3 s: fit_line dilated a 1200 px line with a 41 px disc,
    blob_mask grew its mask with a 72 px one, without_blotches opened the map with a 300 px one. Each now works
    on a copy shrunk to fit a small disc (0.25 s and 0.03 s): the same result within the copy's steps."""
    from edgedigits.runtime.blobs import Blob, blob_mask
    from edgedigits.runtime.config import DEFAULT
    from edgedigits.runtime.ink import without_blotches
    from edgedigits.runtime.lines import fit_line

    grid = np.zeros((900, 1200), np.float32)
    grid[::60, :] = grid[:, ::60] = 1.0  # 1 px lines: widened before the line is shrunk to 24 px
    fitted = fit_line(grid)
    rows = fitted.tensor[4:28].max(axis=1)
    assert fitted.tensor.shape[0] == 32 and rows.min() > 0.5  # every row crossed by a horizontal line, none lost
    covered = (fitted.tensor[4:28].max(axis=0) > 0.1).sum() / fitted.scale  # crop columns the ink maps back to
    assert 1150 <= covered <= 1300, covered
    labels = np.zeros((1000, 1400), np.int32)
    labels[100:900, 100:1300] = (grid[:800, :1200] > 0).astype(np.int32)
    blob = Blob(100, 100, 1200, 800, int((labels == 1).sum()), (1,))
    box = (50, 50, 1300, 900)
    grown = blob_mask(labels, blob, box)
    exact = cv2.dilate(
        (labels[50:950, 50:1350] == 1).astype(np.uint8), cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (73, 73))
    )
    assert grown.shape == exact.shape and 0 < (grown != exact).mean() < 0.02
    wide = dataclasses.replace(DEFAULT, max_grow_px=101)  # a limit over the disc: dilated in full, as before
    assert np.array_equal(blob_mask(labels, blob, box, wide), exact)
    disc = DEFAULT.blotch_disc
    ink = np.zeros((600, 800), np.float32)
    ink[100:500, 100:700] = 0.5  # a blotch 400 px wide ...
    ink[294:308, 50:750] = 1.0  # ... under a stroke 14 px wide: a disc of 3 x 14 px, over the limit
    assert 3 * 14 > disc
    cleaned = without_blotches(ink, 1.0, DEFAULT)
    assert cleaned[150:250, 150:650].max() < 0.05 and cleaned[301, 60:740].min() > 0.4
    full = without_blotches(ink, 1.0, dataclasses.replace(DEFAULT, blotch_disc=101))  # opened in full, as before
    assert not np.array_equal(full, cleaned) and np.abs(full - cleaned)[150:450, 150:650].max() < 0.05


# =========================================================================== 2. a folder of everything, in one run


def png_bomb(width: int, height: int, rows_per_chunk: int = 100) -> bytes:
    """A valid gray PNG of width x height zeros, a few hundred KB for 20000x20000 (400 MP).

    Deflate output after a full flush depends on nothing before it, so one compressed chunk of
    ``rows_per_chunk`` rows is repeated; the file costs milliseconds to make and 400 MB to decode."""
    assert height % rows_per_chunk == 0
    block = (b"\x00" * (width + 1)) * rows_per_chunk  # each row: filter byte 0, then the pixels
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    chunk = deflate.compress(block) + deflate.flush(zlib.Z_FULL_FLUSH)
    end = zlib.compressobj(9, zlib.DEFLATED, -15).flush(zlib.Z_FINISH)
    adler = 1
    for _ in range(height // rows_per_chunk):
        adler = zlib.adler32(block, adler)
    idat = b"\x78\xda" + chunk * (height // rows_per_chunk) + end + struct.pack(">I", adler)

    def png_chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", idat) + png_chunk(b"IEND", b"")


def tiff_bomb(width: int, height: int, rows_per_strip: int = 100) -> bytes:
    """A valid 8-bit gray deflate TIFF of zeros whose strips all point at the same few bytes: ~2 KB of
    data for any size."""
    assert height % rows_per_strip == 0
    strip = zlib.compress(bytes(width * rows_per_strip), 9)
    strips = height // rows_per_strip
    entries = [
        (256, 4, 1, width),
        (257, 4, 1, height),
        (258, 3, 1, 8),
        (259, 3, 1, 8),
        (262, 3, 1, 1),
        (273, 4, strips, None),
        (277, 3, 1, 1),
        (278, 4, 1, rows_per_strip),
        (279, 4, strips, None),
    ]
    ifd_at = 8
    offsets_at = ifd_at + 2 + 12 * len(entries) + 4
    counts_at = offsets_at + 4 * strips
    data_at = counts_at + 4 * strips
    out = b"II*\x00" + struct.pack("<I", ifd_at) + struct.pack("<H", len(entries))
    for tag, kind, count, value in entries:
        value = {273: offsets_at, 279: counts_at}.get(tag, value)
        out += struct.pack("<HHI", tag, kind, count) + (
            struct.pack("<HH", value, 0) if kind == 3 else struct.pack("<I", value)
        )
    out += struct.pack("<I", 0)
    out += struct.pack(f"<{strips}I", *[data_at] * strips) + struct.pack(f"<{strips}I", *[len(strip)] * strips)
    return out + strip


def test_bomb_builders_make_real_images():
    """The decompression bombs below are real files: small versions decode to what they claim."""
    for make_bomb in (png_bomb, tiff_bomb):
        image = cv2.imdecode(np.frombuffer(make_bomb(3000, 2000), np.uint8), cv2.IMREAD_UNCHANGED)
        assert image is not None and image.shape == (2000, 3000) and image.max() == 0, make_bomb
    assert len(png_bomb(20000, 20000)) < 600_000 and len(tiff_bomb(20000, 20000)) < 10_000


@pytest.mark.parametrize(
    "ext",
    [".png", ".jpg", ".bmp", ".tiff", ".webp", ".pgm", ".ppm", ".pbm", ".pam", ".pfm", ".sr", ".jp2", ".hdr", ".gif"],
)
def test_header_size_of_real_files(ext):
    """images.header_size reads the size of a real file of every format OpenCV writes here."""
    from edgedigits.runtime.images import header_size

    image = (np.random.default_rng(0).random((230, 370, 3)) * 255).astype(np.uint8)
    if ext in (".pgm", ".pbm", ".pfm"):
        image = image[:, :, 0]
    if ext in (".hdr", ".pfm"):
        image = image.astype(np.float32) / 255
    ok, encoded = cv2.imencode(ext, image)
    assert ok
    assert header_size(encoded.tobytes()) == (370, 230)
    if ext == ".jp2":  # the bare codestream inside the JP2 file
        data = encoded.tobytes()
        assert header_size(data[data.index(b"\xff\x4f\xff\x51") :]) == (370, 230)


HUGE_HEADERS = {  # 20000x20000 (400 MP) claimed by the header, a few bytes of data after it
    "png": png_bomb(20000, 20000),
    "tiff": tiff_bomb(20000, 20000),
    "big-endian tiff": b"MM\x00*\x00\x00\x00\x08\x00\x02"
    + struct.pack(">HHIHH", 256, 3, 1, 20000, 0)
    + struct.pack(">HHII", 257, 4, 1, 20000)
    + b"\x00" * 64,
    "bigtiff": b"II+\x00\x08\x00\x00\x00"
    + struct.pack("<Q", 16)
    + struct.pack("<Q", 2)
    + struct.pack("<HHQQ", 256, 16, 1, 20000)
    + struct.pack("<HHQQ", 257, 3, 1, 20000)
    + b"\x00" * 64,
    "pbm": b"P4\n# a comment\n20000 20000\n" + b"\x00" * 64,
    "pam": b"P7\nWIDTH 20000\nHEIGHT 20000\nDEPTH 1\nMAXVAL 255\nTUPLTYPE GRAYSCALE\nENDHDR\n" + b"\x00" * 64,
    "pfm": b"Pf\n20000 20000\n-1\n" + b"\x00" * 64,
    "sun raster": struct.pack(">8I", 0x59A66A95, 20000, 20000, 8, 0, 2, 0, 0) + b"\x00" * 64,
    "jp2": b"\x00\x00\x00\x0cjP  \r\n\x87\n\x00\x00\x00\x14ftypjp2 \x00\x00\x00\x00jp2 \x00\x00\x00-jp2h"
    b"\x00\x00\x00\x16ihdr" + struct.pack(">II", 20000, 20000) + b"\x00\x03\x07\x07\x00\x00" + b"\x00" * 64,
    "j2k": b"\xff\x4f\xff\x51\x00\x2f\x00\x00" + struct.pack(">IIII", 20000, 20000, 0, 0) + b"\x00" * 64,
    "hdr": b"#?RADIANCE\nFORMAT=32-bit_rle_rgbe\n\n-Y 20000 +X 20000\n" + b"\x00" * 64,
}


@pytest.mark.parametrize("kind", HUGE_HEADERS)
def test_huge_images_are_refused_from_the_header(kind):
    from edgedigits.runtime.images import ImageError, load_image

    with pytest.raises(ImageError, match="20000x20000 pixels .* above the 64 MP limit"):
        load_image(HUGE_HEADERS[kind])


def test_header_parsing_never_raises_on_garbage():
    from edgedigits.runtime.images import header_size

    rng = np.random.default_rng(0)
    prefixes = [
        b"\x89PNG\r\n\x1a\n",
        b"II*\x00",
        b"MM\x00*",
        b"II+\x00",
        b"P4",
        b"P7",
        b"Pf",
        b"\x59\xa6\x6a\x95",
        b"\x00\x00\x00\x0cjP  \r\n\x87\n",
        b"\xff\x4f\xff\x51",
        b"#?",
        b"\xff\xd8",
        b"BM",
        b"GIF89a",
        b"RIFF\x00\x00\x00\x00WEBPVP8X",
    ]
    for prefix in prefixes:
        for n in (0, 1, 7, 30, 200):
            for _ in range(20):
                size = header_size(prefix + rng.integers(0, 256, n, dtype=np.uint8).tobytes())
                assert size is None or (len(size) == 2 and all(isinstance(v, int) for v in size))


PEAK_RSS = """
import os, subprocess, sys
child = subprocess.Popen(sys.argv[2:])
_, status, usage = os.wait4(child.pid, 0)
with open(sys.argv[1], "w") as out:
    out.write(str(usage.ru_maxrss))
sys.exit(os.waitstatus_to_exitcode(status))
"""


def run_measured(command: list[str], timeout: float = 120) -> tuple[int, str, str, float]:
    """Run a command; return (exit status, stdout, stderr, peak RSS of that command in MiB).

    A small Python in between starts it and asks os.wait4 for the peak RSS of exactly that child: the test
    process's own RSS (gigabytes after the big arrays above) would count for a child forked from it, and
    RUSAGE_CHILDREN gives the largest of all children ever waited for."""
    with tempfile.NamedTemporaryFile("r") as peak:
        result = subprocess.run(
            [sys.executable, "-c", PEAK_RSS, peak.name, *command], capture_output=True, text=True, timeout=timeout
        )
        return result.returncode, result.stdout, result.stderr, int(peak.read()) / 1024


def test_one_folder_with_every_kind_of_bad_file(tmp_path, mnist_test):
    """Good images in five formats among corrupt, truncated, empty, non-image, decompression-bomb (PNG, TIFF,
    PBM), oversized, unreadable, named-pipe, looping and dangling files and an unreadable subfolder, in ONE
    `classify` run as a user without root's file access: every good image is read, every bad file gets an
    error record naming it, nothing else is printed, the exit status is 1 and the peak memory stays bounded."""
    from helpers import as_unprivileged, paper_digit

    folder = tmp_path / "scans"
    folder.mkdir()
    expected = {}
    for i, ext in enumerate([".png", ".jpg", ".tiff", ".webp", ".bmp"]):
        cv2.imwrite(str(folder / f"good_{i}{ext}"), paper_digit(mnist_test.images[i]))
        expected[f"good_{i}{ext}"] = str(mnist_test.labels[i])
    good = (folder / "good_0.png").read_bytes()
    bad = {  # name -> words its error must hold
        "corrupt.png": "corrupt",
        "truncated.png": "truncated",
        "empty.png": "empty file",
        "text.jpg": "not an image",
        "bomb.png": "20000x20000",
        "bomb.tif": "20000x20000",
        "bomb.pbm": "20000x20000",
        "oversized.png": "MiB limit",
        "locked.png": "permission denied",
        "pipe.png": "not a regular file",
        "loop_a.png": "symbolic links",
        "loop_b.png": "symbolic links",
        "dangling.png": "a symbolic link to",
        "closed": "permission denied",
    }
    (folder / "corrupt.png").write_bytes(good[:33] + np.random.default_rng(0).bytes(2000))  # IHDR, then noise
    (folder / "truncated.png").write_bytes(good[: len(good) // 2])
    (folder / "empty.png").write_bytes(b"")
    (folder / "text.jpg").write_text("a README saved with the wrong name\n")
    (folder / "bomb.png").write_bytes(png_bomb(20000, 20000))  # real: 400 MP of zeros in a few hundred KB
    (folder / "bomb.tif").write_bytes(tiff_bomb(20000, 20000))  # real: 400 MP from 2 KB of strips
    with open(folder / "bomb.pbm", "wb") as f:  # real: 1 bit a pixel, 50 MB (sparse on disk)
        f.write(b"P4\n20000 20000\n")
        f.truncate(f.tell() + 20000 // 8 * 20000)
    with open(folder / "oversized.png", "wb") as f:  # 300 MiB, sparse: refused before it is read
        f.write(good)
        f.truncate(300 * 2**20)
    (folder / "locked.png").write_bytes(good)
    (folder / "locked.png").chmod(0)
    os.mkfifo(folder / "pipe.png")  # opening it would block forever
    os.symlink("loop_b.png", folder / "loop_a.png")
    os.symlink("loop_a.png", folder / "loop_b.png")
    os.symlink("nowhere.png", folder / "dangling.png")
    os.symlink(".", folder / "again")  # a folder loop: never followed
    (folder / "closed").mkdir()
    cv2.imwrite(str(folder / "closed" / "inside.png"), paper_digit(mnist_test.images[9]))
    (folder / "closed").chmod(0)
    (folder / "notes.txt").write_text("not an image name: skipped\n")
    try:
        started = time.monotonic()
        status, out, err, peak_mib = run_measured(
            [
                *as_unprivileged(),
                *EDGEDIGITS,
                "classify",
                str(folder),
                "--recursive",
                "--format",
                "jsonl",
                "--workers",
                "2",
            ],
            timeout=120,
        )
        elapsed = time.monotonic() - started
    finally:
        (folder / "closed").chmod(0o755)
    assert status == 1, err
    records = [json.loads(line) for line in out.splitlines()]
    by_name = {os.path.basename(r["path"]): r for r in records}
    assert len(by_name) == len(records) == len(expected) + len(bad)  # one record each, nothing twice
    assert set(by_name) == set(expected) | set(bad)
    for name, label in expected.items():
        assert by_name[name].get("text") == label, by_name[name]
    for name, words in bad.items():
        record = by_name[name]
        assert set(record) == {"path", "error"} and words in record["error"], record
        assert record["path"].startswith(str(folder))
    assert err.splitlines() == [err.strip()] and err.startswith(
        f"{len(records)} image(s): {len(expected)} read, {len(bad)} failed"
    ), err  # the summary only
    assert peak_mib < 400, f"peak RSS {peak_mib:.0f} MiB"  # ~110 MiB; a decoded bomb alone is 400 MB
    assert elapsed < 30


# =========================================================================== 3. sources that end, vanish or stall

STREAM_FRAMES = 6  # what the server sends before it closes the connection, or stalls


class StreamServer:
    """A real HTTP server on 127.0.0.1, serving what a network camera does (a multipart/x-mixed-replace MJPEG
    stream, as `ffmpeg -f mpjpeg` and most IP cameras) and a video file.

    /close.mjpg  STREAM_FRAMES frames, then the connection closes (the camera went away)
    /stall.mjpg  STREAM_FRAMES frames, then nothing, the connection held open (a hung camera or network)
    /silent.mjpg the connection is accepted and nothing is ever answered
    /video.avi   a finite MJPG AVI file, sent whole (a video that ends)
    """

    def __init__(self, jpegs: list[bytes], video: bytes):
        import http.server
        import socketserver
        import threading

        self.release = threading.Event()  # ends the stalled and silent handlers at teardown
        self.times: dict[str, dict[str, float]] = {}  # path -> when it was asked for, when its frames were sent
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"

            def do_GET(self):
                server.times[self.path] = {"asked": time.monotonic()}
                if self.path == "/silent.mjpg":
                    server.release.wait(60)
                    return
                if self.path == "/video.avi":
                    self.send_response(200)
                    self.send_header("Content-Type", "video/x-msvideo")
                    self.send_header("Content-Length", str(len(video)))
                    self.end_headers()
                    self.wfile.write(video)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "multipart/x-mixed-replace; boundary=frame")
                self.end_headers()
                for jpeg in jpegs:
                    self.wfile.write(
                        b"--frame\r\nContent-Type: image/jpeg\r\nContent-Length: %d\r\n\r\n" % len(jpeg)
                        + jpeg
                        + b"\r\n"
                    )
                    self.wfile.flush()
                    time.sleep(0.03)
                server.times[self.path]["sent"] = time.monotonic()
                if self.path == "/stall.mjpg":
                    server.release.wait(60)

            def log_message(self, *args):
                pass

        class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
            daemon_threads = True

        self.httpd = Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()


def digit_frames(mnist_test, n: int) -> list[np.ndarray]:
    from helpers import scene_frame

    picks = [int(np.flatnonzero(mnist_test.labels == d)[0]) for d in (4, 0, 7)]
    rng = np.random.default_rng(0)
    return [scene_frame([mnist_test.images[i] for i in picks], shift=2 * t, rng=rng) for t in range(n)]


def write_video(path, frames) -> None:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 15, (640, 480))
    assert writer.isOpened()
    for frame in frames:
        writer.write(frame)
    writer.release()


@pytest.fixture(scope="module")
def sources(tmp_path_factory, mnist_test):
    """Every source and model case of this section, run at once as real `edgedigits` subprocesses (most of
    them wait on a timeout, so in parallel the section costs ~11 s instead of ~30). Each test below checks
    its own case; a case that hangs is killed at its timeout and fails its test."""
    from concurrent.futures import Future, ThreadPoolExecutor

    import onnx

    from helpers import linear_model

    folder = tmp_path_factory.mktemp("sources")
    frames = digit_frames(mnist_test, 20)
    video = folder / "digits.avi"
    write_video(video, frames)
    data = video.read_bytes()
    (folder / "cut.avi").write_bytes(data[: int(0.55 * len(data))])  # the copy was interrupted
    (folder / "header_only.avi").write_bytes(data[:2000])
    damaged = bytearray(data)
    damaged[len(data) // 3 : len(data) // 3 + 20000] = np.random.default_rng(0).bytes(20000)
    (folder / "damaged.avi").write_bytes(bytes(damaged))
    cv2.imwrite(str(folder / "one.png"), frames[0])
    models = {
        "missing": folder / "no_such_model.onnx",
        "damaged": folder / "damaged.onnx",
        "truncated": folder / "truncated.onnx",
        "wrong_shape": folder / "wrong_shape.onnx",
    }
    models["damaged"].write_bytes(b"\x08\x07" + np.random.default_rng(1).bytes(3000))
    onnx.save(linear_model(in_shape=("N", 32, 32)), models["wrong_shape"])  # a valid model for 32x32 images
    good = linear_model().SerializeToString()
    models["truncated"].write_bytes(good[: len(good) // 2])
    server = StreamServer([cv2.imencode(".jpg", f)[1].tobytes() for f in frames[:STREAM_FRAMES]], data)
    webcam = [*EDGEDIGITS, "webcam", "--headless", "--source"]
    cases = {
        "closed": [*webcam, f"{server.url}/close.mjpg"],
        "stalled": [*webcam, f"{server.url}/stall.mjpg"],
        "silent": [*webcam, f"{server.url}/silent.mjpg"],
        "http video": [*webcam, f"{server.url}/video.avi"],
        "cut file": [*webcam, str(folder / "cut.avi")],
        "header-only file": [*webcam, str(folder / "header_only.avi")],
        "damaged file": [*webcam, str(folder / "damaged.avi")],
        "folder as video": [*webcam, str(folder)],
    }
    for kind, path in models.items():
        cases[f"webcam model {kind}"] = [*webcam, str(video), "--model", str(path)]
        cases[f"classify model {kind}"] = [*EDGEDIGITS, "classify", str(folder / "one.png"), "--model", str(path)]
    cases["webcam model unknown name"] = [*webcam, str(video), "--model", "no-such-model"]

    def timed(command):
        started = time.monotonic()
        try:
            result = subprocess.run(command, capture_output=True, text=True, timeout=40)
        except subprocess.TimeoutExpired as exc:
            result = exc
        return result, time.monotonic() - started, time.monotonic()

    pool = ThreadPoolExecutor(len(cases) + 1)
    network = ("closed", "stalled", "silent")
    futures = {name: pool.submit(timed, cases[name]) for name in network}
    rest = {name: Future() for name in cases if name not in network}
    futures.update(rest)

    def start_the_rest():  # once the slow ones are past their start-up (on 2 cores, 20 at once crawl)
        deadline = time.monotonic() + 30
        while len(server.times) < len(network) and time.monotonic() < deadline:
            time.sleep(0.05)
        for name, future in rest.items():
            pool.submit(lambda n=name, f=future: f.set_result(timed(cases[n])))

    pool.submit(start_the_rest)
    yield {"futures": futures, "url": server.url, "folder": folder, "models": models, "times": server.times}
    pool.shutdown(wait=True)
    server.close()


@pytest.fixture(scope="module", autouse=True)
def start_sources_early(request):
    """Start the section-3 subprocesses when this module starts, if any selected test needs them: most of
    their time is spent waiting on timeouts (5 s stall, 10 s open), which then passes while the CPU-bound
    tests above run (their timings are taken against the stream server's clock, not affected by this)."""
    if any("sources" in item.fixturenames for item in request.session.items if item.module is request.module):
        request.getfixturevalue("sources")


def outcome(sources, name):
    """(the finished subprocess, its wall time, when it ended)."""
    result, elapsed, ended = sources["futures"][name].result()
    assert not isinstance(result, subprocess.TimeoutExpired), f"{name}: hung (killed after {elapsed:.0f} s)"
    assert "Traceback" not in result.stderr, result.stderr
    return result, elapsed, ended


def frames_of(stdout: str) -> list[dict]:
    records = [json.loads(line) for line in stdout.splitlines()]
    assert [r["frame"] for r in records] == list(range(len(records)))
    return records


def one_error_line(stderr: str) -> str:
    """stderr is exactly one line, our own (no OpenCV or FFmpeg chatter)."""
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("edgedigits: "), stderr
    return lines[0]


def test_camera_that_disappears_mid_stream(sources):
    """The MJPEG server sends 6 frames and closes the connection: the 6 readings are printed, then one clear
    line says the stream ended, exit status 1, at once (not after the stall timeout)."""
    result, elapsed, ended = outcome(sources, "closed")
    records = frames_of(result.stdout)
    assert len(records) == STREAM_FRAMES and sum(r["text"] == "407" for r in records) >= STREAM_FRAMES - 1
    line = one_error_line(result.stderr)
    assert f"{sources['url']}/close.mjpg" in line and f"ended after {STREAM_FRAMES} frame(s)" in line
    assert result.returncode == 1
    assert ended - sources["times"]["/close.mjpg"]["sent"] < 3  # it noticed at once
    assert elapsed < 20


def test_stream_that_stalls(sources):
    """6 frames, then the connection stays open and silent: FFmpeg's read is interrupted after the 5 s stall
    timeout (not the 10 s open timeout), one clear line, exit status 1."""
    result, elapsed, ended = outcome(sources, "stalled")
    assert len(frames_of(result.stdout)) == STREAM_FRAMES
    line = one_error_line(result.stderr)
    assert "stalled" in line and "no frame for 5 s" in line and f"after {STREAM_FRAMES} frame(s)" in line
    assert result.returncode == 1
    assert 4.5 < ended - sources["times"]["/stall.mjpg"]["sent"] < 8  # the 5 s stall timeout, not 10 s or more
    assert elapsed < 25


def test_server_that_never_answers(sources):
    """The connection is accepted and nothing comes: the open gives up after its 10 s timeout, clearly."""
    result, elapsed, ended = outcome(sources, "silent")
    assert result.stdout == ""
    line = one_error_line(result.stderr)
    assert f"{sources['url']}/silent.mjpg" in line and "no video came from it" in line
    assert result.returncode == 1
    assert 9 < ended - sources["times"]["/silent.mjpg"]["asked"] < 13  # the 10 s open timeout
    assert elapsed < 30


def test_video_over_http_that_ends_is_not_an_error(sources):
    """A finite video served over HTTP ends like a file: every frame, exit status 0."""
    result, _, _ = outcome(sources, "http video")
    assert result.returncode == 0, result.stderr
    records = frames_of(result.stdout)
    assert len(records) == 20 and sum(r["text"] == "407" for r in records) >= 18
    assert result.stderr.strip().splitlines() == [result.stderr.strip()]
    assert result.stderr.startswith("20 frame(s) in ")


def test_video_file_cut_in_the_middle(sources):
    """A copy interrupted at 55%: the frames before the cut, then one line saying where the file stopped short
    of the 20 frames it declares, exit 1 (sources.Frames; it ended as if whole, exit 0, until a new user's trial
    of a half-copied video took its 135 of 240 frames for the whole)."""
    result, _, _ = outcome(sources, "cut file")
    assert result.returncode == 1, result.stderr
    records = frames_of(result.stdout)
    assert 5 <= len(records) < 20 and all(r["text"] == "407" for r in records[:-1])
    line = one_error_line(result.stderr)  # no decoder chatter
    assert f"after frame {len(records)} of the 20 it declares: the file is truncated or damaged" in line


def test_video_file_with_damaged_frames(sources):
    """20 KB of noise over the middle of the file: the intact frames are read, no crash, one summary line."""
    result, _, _ = outcome(sources, "damaged file")
    assert result.returncode == 0, result.stderr
    records = frames_of(result.stdout)
    assert 10 <= len(records) <= 20
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(f"{len(records)} frame(s) in ")


@pytest.mark.parametrize("case", ["header-only file", "folder as video"])
def test_video_file_that_cannot_be_opened(sources, case):
    result, _, _ = outcome(sources, case)
    assert result.returncode == 1 and result.stdout == ""
    line = one_error_line(result.stderr)
    if case == "folder as video":  # named as what it is (sources.check_video_file)
        assert f"{sources['folder']}: is a folder; give a video file" in line
    else:
        assert "cannot open it" in line and str(sources["folder"]) in line


@pytest.mark.parametrize("command", ["webcam", "classify"])
@pytest.mark.parametrize("kind", ["missing", "damaged", "truncated", "wrong_shape"])
def test_bad_model_file(sources, command, kind):
    """A missing, damaged, truncated or wrong-shape (32x32 input) model: one line naming the file, exit status
    2, nothing on stdout, before any frame or image is read."""
    result, _, _ = outcome(sources, f"{command} model {kind}")
    assert result.returncode == 2 and result.stdout == ""
    assert str(sources["models"][kind]) in one_error_line(result.stderr)


def test_unknown_model_name_for_webcam(sources):
    result, _, _ = outcome(sources, "webcam model unknown name")
    assert result.returncode == 2 and result.stdout == ""
    line = one_error_line(result.stderr)
    assert "no-such-model" in line and "default" in line
