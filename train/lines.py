"""Synthetic handwritten lines for the ``line`` preset, and for the line test material. NumPy and OpenCV only
(no TensorFlow), so tests and benchmarks build their lines here too.

    rng = np.random.default_rng(0)
    maker = LineMaker(images, labels)                # MNIST *train* digits for training, *test* to evaluate
    sample = maker.sample(rng)                       # one line, with its photo and its labels
    sample.photo                                     # uint8 [h, w] gray photo of the line on paper
    sample.tensor                                    # float32 [32, W]: what the line model sees
    sample.text, sample.raw                          # "2468", "24/68"

A line is composed in the ink domain (white on black, float [0, 1]) from glyphs placed left to right, the
way fast handwriting places them:

- digits: MNIST digits, cropped to their ink, scaled (height jitter), slanted, on a wobbling baseline;
- gaps from wide to negative, so neighbours touch and overlap (Hochuli et al. 2018 train their
  segmentation-free recognizers on synthetic touching strings built the same way);
- separators ``/ - . , :`` and spaces, drawn as pen strokes, that must give no digit;
- letters and words, printed or handwriting-like (OpenCV's Hershey fonts, the script ones included,
  slanted and elastically distorted, and TrueType fonts), that must give no digit: one ``A`` token per word;
- printed lines (``LineStyle.printed``): the digits, separators and words of the line typeset in one TrueType
  font, so that printed digits read as digits and printed letters of the same font as a word;
- form structure: underlines, rules through the line, comb fields (a baseline with ticks between cells) and
  boxes around each digit, in their own printed ink.

The ink is then printed on paper (a security-like guilloche pattern, texture, light gradient, ink colour and
strength, polarity), blurred, noised and JPEG-compressed, read back through the runtime's own ``ink_map``
and cut out with the runtime's own ``line_tensor``, so the network is trained on exactly what the runtime
will give it.
"""

from __future__ import annotations

import functools
import glob
import os
import re
from dataclasses import dataclass

import cv2
import numpy as np

from edgedigits.runtime.ink import ink_map
from edgedigits.runtime.lines import line_tensor

SEPARATORS = "/-.,:"
WORDS = (
    "Box",
    "Room",
    "No.",
    "No",
    "Tel",
    "Apt",
    "Unit",
    "Lot",
    "Ref",
    "Order",
    "Total",
    "Amount",
    "Date",
    "kg",
    "cm",
    "mm",
    "USD",
    "EUR",
    "Rs",
    "Page",
    "Flat",
    "Suite",
    "Code",
    "Zip",
    "PIN",
    "Item",
    "Qty",
    "Seat",
    "Row",
    "Gate",
    "Bus",
    "Route",
    "Tab",
    "Vol",
    "Fig",
    "Ex",
    "ID",
    "Acct",
    "Ward",
    "Bed",
    "Floor",
    "Block",
    "Street",
    "Road",
    "Cheque",
    "only",
    "and",
    "the",
    "of",
    "to",
    "pay",
    "sum",
    "ok",
)
FONTS = (
    cv2.FONT_HERSHEY_SIMPLEX,
    cv2.FONT_HERSHEY_DUPLEX,
    cv2.FONT_HERSHEY_COMPLEX,
    cv2.FONT_HERSHEY_TRIPLEX,
    cv2.FONT_HERSHEY_SCRIPT_SIMPLEX,
    cv2.FONT_HERSHEY_SCRIPT_COMPLEX,
    cv2.FONT_HERSHEY_COMPLEX_SMALL,
    cv2.FONT_HERSHEY_PLAIN,
)
# Fonts for printed lines, in two sets that share no font, so that test material is typeset in fonts no training
# line used:
# - "train": the TrueType fonts matplotlib bundles (DejaVu, STIX General, Computer Modern), there wherever
#   training runs, and a quarter of the time OpenCV's Hershey fonts (what cv2.putText draws: the first thing a
#   developer tries; the shipped line model read a Hershey "100" as "1" and a word);
# - "held_out": the Liberation fonts of the system (Debian's fonts-liberation, which .ci/run installs); where
#   they are missing, the Hershey fonts, with a warning: the figure is then not on unseen fonts.
TRAIN_FONT_NAMES = ("DejaVu*.ttf", "STIXGeneral*.ttf", "cmr10.ttf", "cmb10.ttf", "cmss10.ttf", "cmtt10.ttf")
HELD_OUT_FONT_GLOBS = ("/usr/share/fonts/truetype/liberation*/Liberation*.ttf",)
FONT_PX = 64  # TrueType glyphs are rendered at this size, then scaled to the line's digit height


@dataclass(frozen=True)
class LineSample:
    photo: np.ndarray  # uint8 [h, w]: the line printed on paper, as a camera or scanner gives it
    tensor: np.ndarray  # float32 [32, W]: line_tensor of the photo's ink map
    raw: str  # everything written, digits, separators, and "A" for each word, spaces as " "
    text: str  # the digits only: what edgedigits must read
    overlap: float = 0.0  # how far neighbouring digits overlap: the largest share of the narrower digit's width
    # that its neighbour's box covers (digit_overlap); 0 when no two digits' boxes overlap

    @property
    def tokens(self) -> str:
        """The CTC target: raw without spaces."""
        return self.raw.replace(" ", "")


@dataclass(frozen=True)
class LineStyle:
    """How often each kind of line and clutter is made (probabilities, each in [0, 1])."""

    touching: float = 0.4  # the line's digits touch or overlap (negative gaps)
    touch_gap: tuple[float, float] = (-0.3, 0.0)  # ... the mean gap of such a line, in digit heights
    # Off in the line preset so far: the shipped model (67 k parameters) trained 5 epochs further with joined 0.15
    # and small 0.1 read the joined zeros of ../shared/cases/cheque-amount-3000.jpg closer ('30' -> '300'), but
    # plain test lines 0.967 -> 0.943 and touching ones 0.83 -> 0.80 exact: too much for a model this size.
    joined: float = 0.0  # cursive: a pen stroke joins each digit to the next (a cheque's "3 000" in loops)
    small: float = 0.0  # the line's digits vary in size, down to 0.55 of its height (small joined zeros)
    separators: float = 0.2  # digit groups joined by / - . , : or spaces
    words: float = 0.25  # a word before or after the number
    no_digits: float = 0.06  # words, separators or nothing: a line that must give no digit
    underline: float = 0.2
    rule: float = 0.12  # a ruled line through or under the writing
    comb: float = 0.08  # a comb field: baseline with ticks between the digits
    boxes: float = 0.06  # a printed box around each digit
    pattern: float = 0.3  # a guilloche security pattern on the paper (cheques)
    light_on_dark: float = 0.05
    faint: float = 0.15  # weak ink (pencil)
    pencil: float = 0.15  # graphite strokes: thinned, grainy and here and there broken (see graphite())
    # (0 draws nothing from the random generator: a style without them makes the same lines as before)
    printed: float = 0.0  # the whole line typeset in one TrueType font: digits, separators and words
    printed_words: float = 0.0  # a handwritten line's words typeset in a TrueType font, not a Hershey one
    # A worksheet's or a form's line: printed questions or labels ("442 + 442 =", "Total:"), smaller than the
    # handwriting, each beside a handwritten answer. Its raw text holds each printed piece in brackets, which are
    # no characters of the line model's alphabet: for the orientation preset only (train/orientation_fit.py).
    printed_beside: float = 0.0
    fonts: str = "train"  # which TrueType fonts: "train" or "held_out" (test material; see font_files)
    blur: float = 0.3
    jpeg: float = 0.5


class LineMaker:
    """Makes synthetic lines from one split of MNIST digits (uint8 [N, 28, 28], labels [N])."""

    def __init__(self, images: np.ndarray, labels: np.ndarray, style: LineStyle | None = None):
        self.images = np.asarray(images)
        self.labels = np.asarray(labels)
        self.style = style or LineStyle()
        self.by_digit = [np.flatnonzero(self.labels == d) for d in range(10)]
        self.present = [d for d in range(10) if len(self.by_digit[d])]  # the digits these images hold

    # ----------------------------------------------------------------------- content

    def digits(self, n: int, rng: np.random.Generator) -> str:
        """``n`` random digits of those the maker's images hold (``present``; 0-9 drawn alike when all are there)."""
        values = rng.integers(0, 10, n) if len(self.present) == 10 else rng.choice(self.present, n)
        return "".join(str(d) for d in values)

    def content(self, rng: np.random.Generator) -> str:
        """The raw text of a line: digits, separators, spaces and words (a word is one 'A')."""
        s = self.style
        number = self.digits(int(rng.integers(1, 11)), rng)
        if s.printed_beside > 0 and rng.random() < s.printed_beside:
            pairs = []
            for _ in range(int(rng.integers(1, 4))):
                answer = self.digits(int(rng.integers(1, 5)), rng)
                pairs.append(f"[{printed_question(rng)}] {answer}")
            return " ".join(pairs)
        if rng.random() < s.no_digits:
            parts = [str(rng.choice(list(SEPARATORS)))] if rng.random() < 0.3 else []
            parts += ["A"] * int(rng.integers(0 if parts else 1, 3))
            return " ".join(parts)
        if rng.random() < s.separators and len(number) >= 2:
            cuts = sorted(
                rng.choice(np.arange(1, len(number)), size=min(len(number) - 1, int(rng.integers(1, 3))), replace=False)
            )
            pieces, last = [], 0
            for c in cuts:
                pieces.append(number[last:c])
                last = c
            pieces.append(number[last:])
            sep = str(rng.choice(list(SEPARATORS) + [" "]))
            if sep in ".,:" and rng.random() < 0.3:
                sep += " "
            number = sep.join(pieces)
        if rng.random() < s.words:
            word = "A" if rng.random() < 0.85 else "A A"
            number = f"{word} {number}" if rng.random() < 0.7 else f"{number} {word}"
        return number

    # ----------------------------------------------------------------------- glyphs

    def digit_glyph(self, d: int, height: float, slant: float, rng: np.random.Generator) -> np.ndarray:
        """An MNIST digit of this value, cropped to its ink, scaled to ``height`` px and slanted."""
        img = self.images[int(rng.choice(self.by_digit[d]))].astype(np.float32) / 255.0
        ys, xs = np.nonzero(img > 0.05)
        img = img[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
        scale = height / img.shape[0]
        return warp(img, scale, slant, rng.uniform(-4, 4))

    def word_glyph(
        self, height: float, slant: float, rng: np.random.Generator, font: str | tuple[int, int] | None = None
    ):
        """A printed or handwriting-like word (or a few random letters) about ``height`` px tall; with ``font``
        (a TrueType file or a Hershey font), typeset in it at the size its digits are ``height`` px tall."""
        if rng.random() < 0.6:
            word = str(rng.choice(WORDS))
        else:
            letters = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ"
            word = "".join(rng.choice(list(letters), int(rng.integers(2, 6))))
        if rng.random() < 0.3:
            word = word.upper() if rng.random() < 0.5 else word.lower()
        if font is None and self.style.printed_words > 0 and rng.random() < self.style.printed_words:
            font = pick_font(self.style.fonts, rng)
        if font is not None:
            glyph, _, digit_px = font_glyph(font, word)
            return warp(glyph, height / digit_px, rng.uniform(-0.05, 0.05), rng.uniform(-1, 1))
        face = int(rng.choice(FONTS)) | (cv2.FONT_ITALIC if rng.random() < 0.2 else 0)
        thickness = int(rng.integers(1, 4))
        (w, h), base = cv2.getTextSize(word, face, 2.0, thickness)
        canvas = np.zeros((h + base + 12, w + 12), np.uint8)
        cv2.putText(canvas, word, (6, h + 6), face, 2.0, 255, thickness, cv2.LINE_AA)
        img = canvas.astype(np.float32) / 255.0
        ys, xs = np.nonzero(img > 0.05)
        img = img[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
        scale = height * rng.uniform(0.55, 1.0) / max(h, 1)
        glyph = warp(img, scale, slant + rng.uniform(-0.1, 0.1), rng.uniform(-3, 3))
        return elastic(glyph, rng, alpha=rng.uniform(0, 3.0)) if rng.random() < 0.5 else glyph

    @staticmethod
    def separator_glyph(sep: str, height: float, stroke: float, rng: np.random.Generator) -> tuple[np.ndarray, float]:
        """A pen-drawn separator and where its top sits relative to the digits' top (in digit heights)."""
        t = max(1, int(round(stroke)))
        s = int(np.ceil(height * 1.4)) + 2 * t
        canvas = np.zeros((s, s), np.uint8)
        h = height
        if sep == "/":
            tall = h * rng.uniform(0.8, 1.35)
            lean = tall * rng.uniform(0.25, 0.6)
            cv2.line(canvas, (t, int(t + tall)), (int(t + lean), t), 255, t, cv2.LINE_AA)
            top = -(tall - h) / 2 / h
        elif sep == "-":
            length = h * rng.uniform(0.25, 0.6)
            y = t + int(rng.uniform(-1, 1) * t)
            cv2.line(canvas, (t, t), (int(t + length), y + t), 255, t, cv2.LINE_AA)
            top = rng.uniform(0.4, 0.6)
        elif sep == ".":
            r = max(1, int(round(stroke * rng.uniform(0.5, 0.9))))
            cv2.circle(canvas, (t + r, t + r), r, 255, -1, cv2.LINE_AA)
            top = rng.uniform(0.82, 0.95)
        elif sep == ",":
            r = max(1, int(round(stroke * 0.6)))
            cv2.circle(canvas, (t + 2 * r, t + r), r, 255, -1, cv2.LINE_AA)
            tail = int(h * rng.uniform(0.12, 0.25))
            cv2.line(canvas, (t + 2 * r, t + r), (t + r, t + r + tail), 255, t, cv2.LINE_AA)
            top = rng.uniform(0.82, 0.92)
        else:  # ":"
            r = max(1, int(round(stroke * 0.6)))
            gap = int(h * rng.uniform(0.3, 0.45))
            cv2.circle(canvas, (t + r, t + r), r, 255, -1, cv2.LINE_AA)
            cv2.circle(canvas, (t + r, t + r + gap), r, 255, -1, cv2.LINE_AA)
            top = rng.uniform(0.3, 0.45)
        img = canvas.astype(np.float32) / 255.0
        ys, xs = np.nonzero(img > 0.05)
        return img[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1], top

    # ----------------------------------------------------------------------- composition

    def compose(
        self, raw: str, rng: np.random.Generator
    ) -> tuple[np.ndarray, np.ndarray, list[tuple[int, int, int, int]]]:
        """Place the glyphs of ``raw`` left to right -> (ink float32 [h, w], form ink float32 [h, w], digit boxes)."""
        s = self.style
        height = rng.uniform(26, 40)  # px: the digits' height on the canvas
        stroke = height * rng.uniform(0.08, 0.14)
        slant = rng.uniform(-0.3, 0.3)
        touching = rng.random() < s.touching
        gap_mean = rng.uniform(*s.touch_gap) if touching else rng.uniform(0.05, 0.5)
        # (drawn only when possible: a style without them makes the same lines from the same seed as before)
        joined = s.joined > 0 and rng.random() < s.joined
        sizes = (0.55, 1.0) if s.small > 0 and rng.random() < s.small else (0.88, 1.1)
        if joined:  # joined digits are written close: the stroke between them is short
            gap_mean = min(gap_mean, rng.uniform(-0.1, 0.25))
        printed = pick_font(s.fonts, rng) if s.printed > 0 and rng.random() < s.printed else None
        printed_slant = rng.uniform(-0.06, 0.06) if printed is not None else 0.0  # a photo's shear of the print
        previous_ink: tuple[int, int, np.ndarray] | None = None  # the last digit placed (a joining stroke)
        margin = int(height)
        width = int(margin * 2 + len(raw) * height * 1.3 + 4 * height)
        canvas = np.zeros((int(height * 3), width), np.float32)
        base_top = int(height)
        x = margin
        boxes: list[tuple[int, int, int, int]] = []
        previous_digit = False
        question_font = pick_font(s.fonts, rng) if "[" in raw else None  # one font for a line's printed pieces
        for ch in re.findall(r"\[[^\]]*\]|.", raw):  # characters, and each printed piece "[...]" whole
            if ch.startswith("["):  # printed, smaller than the handwriting, anywhere from its top to its baseline
                # (a worksheet's questions are centred on the answers, a form's labels sit on their baseline): spread
                # evenly, so that where small print sits tells nothing of the way up. Between centred and baseline
                # only (runs/orient5, 2026-12-06), the orientation model learnt that small print high in the line
                # means turned: the held-out worksheet lines 0.998, but a worksheet's centred questions alone read
                # turned at log-odds 6-12, and upside-down worksheets stayed as they lay.
                assert question_font is not None
                glyph, rel, digit_px = font_glyph(question_font, ch[1:-1])
                size = height * rng.uniform(0.45, 0.95)
                glyph = warp(glyph, size / digit_px, printed_slant, 0.0)
                top = base_top + (height - size) * rng.uniform(0.0, 1.0) + rel * size
                x = max(0, int(x + height * rng.uniform(0.3, 1.0)))
                canvas, _ = put_glyph(canvas, glyph, x, top, margin)
                x += glyph.shape[1] + int(height * rng.uniform(0.3, 1.2))
                previous_digit, previous_ink = False, None
                continue
            if ch == " ":
                x += int(height * rng.uniform(0.3, 0.9))
                previous_digit = False
                continue
            top_jitter = rng.normal(0, 0.04) * height
            if printed is not None and ch != "A":  # typeset: one size, one baseline, the font's own spacing
                glyph, rel, digit_px = font_glyph(printed, ch)
                glyph = warp(glyph, height / digit_px, printed_slant, 0.0)
                top = base_top + rel * height
                gap = height * rng.uniform(0.04, 0.2)
            elif ch.isdigit():
                h = height * rng.uniform(*sizes)
                glyph = self.digit_glyph(int(ch), h, slant, rng)
                top = base_top + (height - h) * rng.uniform(0.3, 0.9) + top_jitter
                gap = (gap_mean + rng.normal(0, 0.06)) * height if previous_digit else height * rng.uniform(0.1, 0.4)
                if x + gap < margin:
                    gap = 0
            elif ch == "A":
                glyph = self.word_glyph(height, slant, rng, font=printed)
                top = base_top + height - glyph.shape[0] + rng.normal(0, 0.05) * height
                gap = height * rng.uniform(0.15, 0.5)
            else:
                glyph, rel = self.separator_glyph(ch, height, stroke, rng)
                top = base_top + rel * height + top_jitter
                gap = height * rng.uniform(-0.05, 0.3)
            x = max(0, int(x + gap))
            canvas, y = put_glyph(canvas, glyph, x, top, margin)
            gh, gw = glyph.shape
            if ch.isdigit():
                here = (x, y, glyph)
                if joined and printed is None and previous_digit and previous_ink is not None:
                    join_stroke(canvas, previous_ink, here, stroke, rng)
                previous_ink = here
                boxes.append((x, y, gw, gh))
            else:
                previous_ink = None
            x += gw
            previous_digit = ch.isdigit()
        canvas = canvas[:, : x + margin]
        form = self.form_lines(canvas.shape, boxes, base_top, height, stroke, rng)
        return canvas, form, boxes

    def form_lines(self, shape, boxes, top, height, stroke, rng) -> np.ndarray:
        """Printed form structure in its own ink: underline, rules, comb ticks, boxes (or nothing)."""
        s = self.style
        form = np.zeros(shape, np.uint8)
        t = max(1, int(round(stroke * rng.uniform(0.3, 0.8))))
        bottom = int(top + height + rng.uniform(0.05, 0.3) * height)
        x0 = int(rng.uniform(0, height * 0.5))
        x1 = shape[1] - int(rng.uniform(0, height * 0.5))
        if rng.random() < s.underline:
            cv2.line(form, (x0, bottom), (x1, bottom + int(rng.integers(-2, 3))), 255, t, cv2.LINE_AA)
        if rng.random() < s.rule:
            y = int(top + height * rng.uniform(-0.2, 1.2))
            cv2.line(form, (0, y), (shape[1] - 1, y + int(rng.integers(-2, 3))), 255, t, cv2.LINE_AA)
        if boxes and rng.random() < s.comb:
            tick = int(height * rng.uniform(0.15, 0.45))
            cv2.line(form, (x0, bottom), (x1, bottom), 255, t, cv2.LINE_AA)
            edges = (
                [boxes[0][0] - int(0.15 * height)]
                + [(a[0] + a[2] + b[0]) // 2 for a, b in zip(boxes, boxes[1:])]
                + [boxes[-1][0] + boxes[-1][2] + int(0.15 * height)]
            )
            for i, e in enumerate(edges):
                full = i in (0, len(edges) - 1) and rng.random() < 0.5
                cv2.line(form, (e, bottom - (int(height * 1.15) if full else tick)), (e, bottom), 255, t, cv2.LINE_AA)
        elif boxes and rng.random() < s.boxes:
            for bx, _, bw, _ in boxes:
                p = int(0.15 * height)
                cv2.rectangle(form, (bx - p, int(top) - p), (bx + bw + p, int(top + height) + p), 255, t, cv2.LINE_AA)
        return form.astype(np.float32) / 255.0

    # ----------------------------------------------------------------------- the photo

    def print_on_paper(self, ink: np.ndarray, form: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Ink and form lines on paper as a camera or scanner gives them: uint8 gray [h, w]."""
        s = self.style
        h, w = ink.shape
        paper = rng.uniform(150, 250)
        background = np.full((h, w), paper, np.float32)
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        if rng.random() < s.pattern:  # guilloche: families of fine wavy lines
            amp = rng.uniform(8, 45)
            for _ in range(int(rng.integers(1, 4))):
                period = rng.uniform(3, 9)
                phase = np.sin(xx / rng.uniform(8, 40) + rng.uniform(0, 6)) * rng.uniform(2, 10)
                angle = rng.uniform(-1, 1)
                background -= amp * np.clip(np.cos((yy + angle * xx + phase) * 2 * np.pi / period), 0.6, 1) * 0.5
            background += amp * 0.25
        gradient = rng.uniform(-0.25, 0.25) * paper
        background += gradient * (xx / max(w, 1) - 0.5) + rng.uniform(-0.1, 0.1) * paper * (yy / max(h, 1) - 0.5)
        background += rng.normal(0, rng.uniform(0.5, 4), (h, w)).astype(np.float32)
        strength = rng.uniform(0.15, 0.45) if rng.random() < s.faint else rng.uniform(0.55, 0.95)
        ink_level = paper * (1 - strength)
        form_level = paper * (1 - rng.uniform(0.25, 0.8))
        photo = background - (background - form_level) * form
        photo = photo - (photo - ink_level) * np.clip(ink, 0, 1)
        if rng.random() < s.blur:
            sigma = rng.uniform(0.5, 1.6)
            photo = cv2.GaussianBlur(photo, (0, 0), sigma)
        photo += rng.normal(0, rng.uniform(0.5, 6), (h, w)).astype(np.float32)
        if rng.random() < s.light_on_dark:
            photo = 255 - photo
        photo = np.clip(photo, 0, 255).astype(np.uint8)
        if rng.random() < s.jpeg:
            _, data = cv2.imencode(".jpg", photo, [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(30, 95))])
            photo = cv2.imdecode(data, cv2.IMREAD_GRAYSCALE)
        return photo

    def sample(self, rng: np.random.Generator, raw: str | None = None) -> LineSample:
        """One synthetic line: compose, print, then read back as the runtime would."""
        raw = self.content(rng) if raw is None else raw
        ink, form, boxes = self.compose(raw, rng)
        if self.style.pencil and rng.random() < self.style.pencil:
            ink = graphite(ink, rng)
        scale = rng.uniform(0.5, 1.3)  # resolution: small scans to phone close-ups
        if abs(scale - 1) > 0.05:
            size = (max(8, round(ink.shape[1] * scale)), max(8, round(ink.shape[0] * scale)))
            ink = cv2.resize(ink, size, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
            form = cv2.resize(form, size, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
        photo = self.print_on_paper(ink, form, rng)
        text = "".join(c for c in raw if c.isdigit())
        return LineSample(photo, line_crop_tensor(photo, ink), raw, text, digit_overlap(boxes))


def put_glyph(canvas: np.ndarray, glyph: np.ndarray, x: int, top: float, margin: int) -> tuple[np.ndarray, int]:
    """Ink ``glyph`` (float32 [gh, gw]) onto ``canvas`` (float32 [h, w]) at column ``x`` and row ``top`` (clipped
    into the canvas), by maximum; the canvas is widened on the right to keep ``margin`` px beyond the glyph.
    Returns (the canvas, possibly a new array; the row the glyph's top went to)."""
    gh, gw = glyph.shape
    y = int(np.clip(top, 0, canvas.shape[0] - gh))
    if x + gw + margin > canvas.shape[1]:
        canvas = np.pad(canvas, ((0, 0), (0, x + gw + margin - canvas.shape[1])))
    region = canvas[y : y + gh, x : x + gw]
    np.maximum(region, glyph, out=region)
    return canvas, y


def printed_question(rng: np.random.Generator) -> str:
    """A printed question or label that a handwritten answer follows (LineStyle.printed_beside): a sum
    ("442 + 442 =", "9 x 6 ="), as on a primary-school worksheet, most often; else a form's label ("Total:")."""
    if rng.random() < 0.7:
        a, b = (int(rng.integers(1, 10 ** int(rng.integers(1, 4)))) for _ in range(2))
        return f"{a} {rng.choice(['+', '-', 'x'])} {b} ="
    return str(rng.choice(["Total:", "No.", "Qty", "Age:", "Score", "Q1.", "12)", "Amount", "Ref:", "Date:"]))


@functools.lru_cache(maxsize=4)
def font_files(which: str) -> tuple[str, ...]:
    """The TrueType font files of one set, sorted: "train" (matplotlib's bundled fonts, TRAIN_FONT_NAMES) or
    "held_out" (the system's Liberation fonts, HELD_OUT_FONT_GLOBS; empty when fonts-liberation is not
    installed), each holding the digits 0-9 (has_digits). ValueError for any other name."""
    import matplotlib

    if which == "train":
        folder = os.path.join(matplotlib.get_data_path(), "fonts", "ttf")
        found = [f for name in TRAIN_FONT_NAMES for f in glob.glob(os.path.join(folder, name))]
    elif which == "held_out":
        found = [f for pattern in HELD_OUT_FONT_GLOBS for f in glob.glob(pattern)]
    else:
        raise ValueError(f"font set {which!r}: use 'train' or 'held_out'")
    return tuple(sorted(f for f in found if has_digits(f)))


def has_digits(path: str) -> bool:
    """Does the TrueType file ``path`` map each of the characters 0-9 to a glyph (its cmap table, read by
    matplotlib's FreeType wrapper)? Two of matplotlib's fonts, DejaVuSansDisplay and DejaVuSerifDisplay, hold
    a few dozen glyphs and none of them: lines printed in them were blank, yet labelled with their digits (about
    1.4% of the orientation preset's printed lines until 2026-12-06; the shipped line and orientation models
    were trained with them)."""
    from matplotlib.ft2font import FT2Font

    charmap = FT2Font(path).get_charmap()
    return all(ord(digit) in charmap for digit in "0123456789")


def font_file(file_name: str, which: str) -> str:
    """The path of the font file called ``file_name`` (e.g. "DejaVuSans.ttf") in the set ``which`` (font_files).
    FileNotFoundError naming the set (and, for "held_out", the package to install) when it has no such file;
    ValueError for an unknown set, as font_files."""
    for path in font_files(which):
        if os.path.basename(path) == file_name:
            return path
    hint = " (apt-get install fonts-liberation)" if which == "held_out" else ""
    raise FileNotFoundError(f"no font {file_name!r} in the {which!r} font set{hint}")


HERSHEY_SHARE = 0.25  # of the training set's printed lines: in a Hershey font, not a TrueType one


def pick_font(which: str, rng: np.random.Generator) -> str | tuple[int, int]:
    """One font of the set ``which`` (font_files) for a printed line: a TrueType file, or a Hershey font as
    (OpenCV font id, stroke thickness in px at scale 2): HERSHEY_SHARE of the training set's, and every one of
    the held-out set's where fonts-liberation is missing (with a warning)."""
    files = font_files(which)
    if not files and which == "held_out":
        _warn_no_held_out_fonts()
    if not files or (which == "train" and rng.random() < HERSHEY_SHARE):
        return int(rng.choice(FONTS)), int(rng.integers(1, 7))
    return str(rng.choice(files))


@functools.lru_cache(maxsize=1)
def _warn_no_held_out_fonts() -> None:
    import warnings

    warnings.warn(
        "no Liberation fonts (apt-get install fonts-liberation): printed test lines use the Hershey fonts, which "
        "training lines use too",
        RuntimeWarning,
        stacklevel=3,
    )


@functools.lru_cache(maxsize=4096)
def font_glyph(font: str | tuple[int, int], text: str) -> tuple[np.ndarray, float, float]:
    """``text`` typeset in ``font`` (a TrueType file, rendered with Pillow at FONT_PX, or a Hershey font as
    (OpenCV font id, thickness), drawn at scale 2):
    (ink float32 [h, w] in [0, 1] cropped to its ink, its top below the top of the font's digits in digit
    heights, the digits' height in px at this size). Scale by ``height / digit_px`` for digits ``height``
    px tall; the relative top places a separator (a comma low, a dash midway) on the digits' line."""
    if isinstance(font, str):
        from PIL import Image, ImageDraw, ImageFont

        face = ImageFont.truetype(font, FONT_PX)
        _, digit_top, _, digit_bottom = face.getbbox("0123456789")
        left, top, right, bottom = (int(v) for v in face.getbbox(text))
        page = Image.new("L", (max(1, right - left) + 4, max(1, bottom - top) + 4), 0)
        ImageDraw.Draw(page).text((2 - left, 2 - top), text, fill=255, font=face)
        ink = np.asarray(page, np.float32) / 255.0
        origin = top - 2  # the page's row 0, in the font's coordinates (y down from the ascender line)
    else:
        (face_id, thickness), scale = font, 2.0
        (_, digit_h), _ = cv2.getTextSize("0123456789", face_id, scale, thickness)
        (w, h), base = cv2.getTextSize(text, face_id, scale, thickness)
        canvas = np.zeros((h + base + 8 + 2 * thickness, w + 8 + 2 * thickness), np.uint8)
        cv2.putText(canvas, text, (4 + thickness, h + 4), face_id, scale, 255, thickness, cv2.LINE_AA)
        ink = canvas.astype(np.float32) / 255.0
        digit_top, digit_bottom, origin = h + 4 - digit_h, h + 4, 0  # the baseline is at row h + 4
    ys, xs = np.nonzero(ink > 0.05)
    if ys.size == 0:  # a space, or a character the font lacks
        return np.zeros((1, 1), np.float32), 0.0, float(max(1, digit_bottom - digit_top))
    digit_px = float(max(1, digit_bottom - digit_top))
    glyph = ink[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
    return glyph, (origin + ys.min() - digit_top) / digit_px, digit_px


def digit_overlap(boxes: list[tuple[int, int, int, int]]) -> float:
    """How far neighbouring digits overlap, from their (x, y, w, h) boxes in writing order (px): the largest
    share of the narrower one's width that the two boxes share, over each pair of neighbours. 0 when none
    overlap; 1 when a narrow digit (a '1') stands wholly inside its neighbour's box; above 1 past it."""
    shares = [max(0, a[0] + a[2] - b[0]) / max(1, min(a[2], b[2])) for a, b in zip(boxes, boxes[1:])]
    return max(shares, default=0.0)


def join_stroke(canvas: np.ndarray, left: tuple, right: tuple, stroke: float, rng: np.random.Generator) -> None:
    """Draw the pen stroke that joins two handwritten digits in cursive, in place on ``canvas`` (float32 [h, w],
    ink in [0, 1]): a curve from the lower right of the ``left`` digit's ink to the left of the ``right``
    one's, each given as (x, y, glyph) where it was placed. The strokes of running handwriting that merge
    digits into one blob, as in real cheque amounts (Hochuli et al. 2018 synthesize touching numeral strings
    by joining digit images; the connecting stroke here is the ligature of cursive writing)."""
    (lx, ly, lg), (rx, ry, rg) = left, right
    lys, lxs = np.nonzero(lg > 0.4)
    rys, rxs = np.nonzero(rg > 0.4)
    if lys.size == 0 or rys.size == 0:
        return
    low = lys >= np.percentile(lys, rng.uniform(40, 80))  # leave from the right of the digit's lower part
    k = int(np.argmax(np.where(low, lxs, -1)))
    start = np.array([lx + lxs[k], ly + lys[k]], np.float64)
    band = np.abs(rys - np.percentile(rys, rng.uniform(20, 80))) <= max(2.0, 0.1 * rg.shape[0])
    k = int(np.argmin(np.where(band, rxs, 10**9)))
    end = np.array([rx + rxs[k], ry + rys[k]], np.float64)
    sag = (end - start)[0] * rng.uniform(-0.2, 0.5)  # the stroke dips below, or rises above, the straight join
    middle = (start + end) / 2 + np.array([0.0, sag])
    t = np.linspace(0, 1, 16)[:, None]
    curve = (1 - t) ** 2 * start + 2 * (1 - t) * t * middle + t**2 * end  # a quadratic Bezier curve
    pen = np.zeros(canvas.shape, np.uint8)
    width = max(1, int(round(stroke * rng.uniform(0.6, 1.0))))
    cv2.polylines(pen, [np.round(curve).astype(np.int32)], False, 255, width, cv2.LINE_AA)
    np.maximum(canvas, pen.astype(np.float32) / 255.0, out=canvas)


def graphite(ink: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Pencil strokes from pen ink composed at 26-40 px digit height (float32 [h, w] in [0, 1]): half the time
    thinned (a 2x2 erosion), grainy (each pixel keeps 30-100 % of its ink: graphite catches on the paper's tooth)
    and broken where smooth noise (blobs a few stroke widths across) falls low. Its own recipe, not the one of
    the pencil photos that benchmarks/accuracy.py reads (train/scenes.py pencil_ink), so that benchmark
    measures generalisation, not a copy of its generator."""
    if rng.random() < 0.5:
        ink = cv2.erode(ink, np.ones((2, 2), np.uint8))
    grain = rng.uniform(0.3, 1.0, ink.shape).astype(np.float32)
    field = cv2.GaussianBlur(rng.normal(0, 1, ink.shape).astype(np.float32), (0, 0), rng.uniform(2, 5))
    field /= max(float(field.std()), 1e-6)
    keep = np.clip(rng.uniform(1.0, 2.0) + field, 0.15, 1.0)
    return cv2.GaussianBlur(ink * grain * keep, (0, 0), 0.5)


def line_crop_tensor(photo: np.ndarray, ink: np.ndarray) -> np.ndarray:
    """The runtime's view of a synthetic line: ink_map of the photo, cut to the written ink's rows and
    columns (plus a small margin, as the detector's boxes have), through line_tensor."""
    found = ink_map(photo)
    ys, xs = np.nonzero(ink > 0.2)
    if ys.size == 0:
        return line_tensor(np.zeros((8, 8), np.float32))
    pad = max(1, int(0.03 * (ys.max() - ys.min() + 1)))
    y0, y1 = max(0, ys.min() - pad), min(photo.shape[0], ys.max() + 1 + pad)
    x0, x1 = max(0, xs.min() - pad), min(photo.shape[1], xs.max() + 1 + pad)
    return line_tensor(found[y0:y1, x0:x1])


def warp(img: np.ndarray, scale: float, slant: float, angle_deg: float) -> np.ndarray:
    """Scale, shear (x += slant * (centre y - y)) and rotate a glyph, on a canvas that holds it all."""
    h, w = img.shape
    a = np.deg2rad(angle_deg)
    m = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]]) @ np.array([[1, -slant], [0, 1]]) * scale
    corners = np.array([[0, 0], [w, 0], [0, h], [w, h]], np.float64) @ m.T
    lo, hi = corners.min(axis=0), corners.max(axis=0)
    size = (max(1, int(np.ceil(hi[0] - lo[0])) + 2), max(1, int(np.ceil(hi[1] - lo[1])) + 2))
    affine = np.hstack([m, (-lo + 1)[:, None]]).astype(np.float32)
    out = cv2.warpAffine(img, affine, size, flags=cv2.INTER_LINEAR, borderValue=0)
    ys, xs = np.nonzero(out > 0.05)
    if ys.size == 0:
        return out
    return out[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]


def elastic(img: np.ndarray, rng: np.random.Generator, alpha: float = 2.0, sigma: float = 4.0) -> np.ndarray:
    """Elastic distortion (Simard et al. 2003): smooth random displacements of up to ~alpha px."""
    h, w = img.shape
    dx = cv2.GaussianBlur(rng.uniform(-1, 1, (h, w)).astype(np.float32), (0, 0), sigma)
    dy = cv2.GaussianBlur(rng.uniform(-1, 1, (h, w)).astype(np.float32), (0, 0), sigma)
    norm = alpha / max(float(np.abs(dx).max()), float(np.abs(dy).max()), 1e-6)
    gy, gx = np.mgrid[0:h, 0:w].astype(np.float32)
    return cv2.remap(img, gx + dx * norm, gy + dy * norm, cv2.INTER_LINEAR, borderValue=0)


def line_scene(
    maker: LineMaker, rng: np.random.Generator, raw: str | None = None, size: tuple[int, int] = (480, 260)
) -> tuple[np.ndarray, str]:
    """A photo of one written line somewhere on a page: (uint8 gray [size[1], size[0]], the digits it holds).

    The line (``raw``, or one of the maker's style) is composed as in ``sample``, scaled so its digits are
    8-25 % of the photo's height, put at a random place with a slight tilt, and printed on paper the same way.
    """
    raw = maker.content(rng) if raw is None else raw
    ink, form, _ = maker.compose(raw, rng)
    ys, xs = np.nonzero(ink > 0.05)
    if ys.size:
        y0, y1 = max(0, ys.min() - 20), ys.max() + 20
        ink, form = ink[y0 : y1 + 1], form[y0 : y1 + 1]
    width, height = size
    digit_px = height * rng.uniform(0.08, 0.25)
    scale = min(digit_px * 2.2 / ink.shape[0], 0.9 * width / ink.shape[1])
    angle = rng.uniform(-4, 4)
    canvas = np.zeros((height, width), np.float32)
    form_canvas = np.zeros((height, width), np.float32)
    h, w = max(1, int(ink.shape[0] * scale)), max(1, int(ink.shape[1] * scale))
    x = int(rng.uniform(0, max(1, width - w)))
    y = int(rng.uniform(0, max(1, height - h)))
    centre = (x + w / 2, y + h / 2)
    for src, dst in ((ink, canvas), (form, form_canvas)):
        m = cv2.getRotationMatrix2D((src.shape[1] / 2, src.shape[0] / 2), angle, scale)
        m[:, 2] += np.array(centre) - np.array([src.shape[1] / 2, src.shape[0] / 2])
        dst[:] = cv2.warpAffine(src, m, (width, height), flags=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
    photo = maker.print_on_paper(canvas, form_canvas, rng)
    return photo, "".join(c for c in raw if c.isdigit())
