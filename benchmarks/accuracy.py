"""Reading accuracy on real-world-like material built from MNIST *test* digits (never training ones).

    python benchmarks/accuracy.py [--model default] [--line-model line] [--digits 150] [--scenes 300]
                                  [--clips 10] [--lines 200] [--kinds 50] [--forms 20] [--seed 0]
                                  [--only all|lines|cases|kinds|digits] [--json FILE]

The material comes from ``edgedigits.runtime.synth`` (the same code the tests use):
  single digits   each digit rendered 29 ways (``synth.single_digit_variants``): heights 8-400 px in both
                  polarities, thin pen and thick marker strokes, tight crops, transparent PNGs (BGRA),
                  phone-photo versions (perspective, uneven light, noise, blur, JPEG), float and uint16 arrays,
                  and the raw 28x28 digit. Read in auto mode (detection) and in ``single`` mode; and, as the
                  baseline the pipeline replaces, a naive resize of the whole image to 28x28 (with and without
                  inverting dark-on-light images).
  scenes          2-8 digits in 1-3 lines on paper (``synth.paper_scene``: 30-120 px digits, natural spacing,
                  a slight tilt, blue or black ink), clean and through ``synth.photo_effects`` (perspective,
                  uneven light with a soft shadow, noise, blur, JPEG 60-90); and clean ones on their side,
                  turned 90 degrees clockwise and counter-clockwise (a scan fed in sideways). Exact: the
                  whole text right (lines joined by "\\n"); per digit: 1 - edit distance / number of digits;
                  count: as many digits read as written.
  video           clips of 30 MJPG frames, 640x480: 3-4 digits of 40-110 px drifting on unevenly lit, noisy
                  paper, read by ``edgedigits webcam --source CLIP --headless`` (stabilized); exact frames.
                  ``--only digits`` runs just single digits, scenes and video (and ../shared/cases).
  photo kinds     ``--kinds N`` photos of each of issue 10's kinds from ``edgedigits.train.scenes`` (desk photo,
                  border, card on a desk, form boxes, comb field, lined and squared paper, rotations, tilt, dark
                  webcam, pencil, tiny, a label with a barcode); exact. ``--only kinds`` runs just these (and
                  ../shared/cases).
  forms askew     the same ``--kinds N`` photos of the kinds with form lines (form boxes, comb field, lined and
                  squared paper) turned 2-6 degrees either way (``scenes.askew_photos``): a form photographed by
                  hand; exact. Run with the photo kinds.
  pasted turned   the same ``--kinds N`` photos of four kinds (border, card on a desk, tilted page, dark webcam)
                  pasted turned 4-14 degrees either way on a flat canvas, white, black or grey
                  (``scenes.pasted_photos``): an image editor's rotate, a print scanned askew; exact. Run with the
                  photo kinds.
  blank photos    the same ``--kinds N`` photos of each kind with nothing written on them (a blank form, an empty
                  comb field, a squared page, a dark frame of an empty sheet); exact: no digit read. Run with the
                  photo kinds.
  scanned forms   ``--forms N`` A4 form pages at 200 dpi (``edgedigits.train.scenes.scanned_form``: printed
                  labels, boxes and rules around an account number and a meter reading), each read upright and
                  turned 90 degrees either way and 180; exact. Run with the photo kinds.
  worksheets      ``--worksheets N`` scanned arithmetic worksheets (``scenes.scanned_worksheet``: printed questions
                  beside answer boxes, A4 at 150 dpi), each read upright and turned 180, and as many again printed in
                  Liberation Sans (a font the orientation model never trained on); the share of answers
                  found in order in the reading (``scenes.answers_in_order``; the printed digits are read too).
                  Run with the photo kinds.
  answer boxes    ``--boxes N`` printed answer boxes cut out with their frame (``scenes.answer_box``) for each
                  frame of 1, 3, 5 and 7 px and each margin of paper outside it of 0, 2, 5 and 20 px; exact.
                  Run with the photo kinds; ``--only worksheets`` runs just these two (and ../shared/cases).
  lines           digit strings of each kind (touching pairs, touching strings of 3-6, two groups joined by
                  / - . , or :, a word before or after a number, words alone), built by ``train/lines.py`` from
                  MNIST test digits: as a tight crop of the line (``LineMaker.sample``: a cheque amount, a form
                  field) and as a 480x260 photo with the line somewhere on it (``line_scene``). Touching: the
                  neighbours touch or overlap by up to a fifth of a digit's height. Exact: the digits read are
                  the digits written; no extra digit: separators and words gave no digit. With RapidOCR
                  installed (``pip install rapidocr``; a peer, never a dependency), the same images through it:
                  its recognizer alone on the crops, its whole pipeline (detection, orientation, recognition)
                  on the photos, digits kept.
  shared cases    the failing inputs of ../shared/cases (not part of the project) with their expected text.
The raw-28x28 figure of the same digits is the model's own ceiling on them.
"""

from __future__ import annotations

import itertools
import sys
import time
from pathlib import Path

import cv2
import numpy as np

from _common import ROOT, machine, model_path, needs_train_extra, parser, table, write_json

from edgedigits.runtime import synth
from edgedigits.runtime.ink import to_gray
from edgedigits.runtime.labelled import digit_errors, read_labels
from edgedigits.runtime.mnist import load
from edgedigits.runtime.reader import DigitReader


def naive(reader: DigitReader, image: np.ndarray, invert: bool) -> int:
    gray = to_gray(image)
    x = cv2.resize(gray, (28, 28), interpolation=cv2.INTER_AREA).astype(np.float32) / 255.0
    if invert and float(np.median(gray)) > 127:
        x = 1.0 - x
    return int(reader.model.predict(x[None])[0].argmax())


def single_digits(reader: DigitReader, split, n: int, seed: int) -> dict:
    rng = np.random.default_rng(seed)
    index = rng.choice(len(split.images), n, replace=False)
    right = {"auto": 0, "single": 0, "naive resize": 0, "naive resize, inverted": 0}
    total, per_variant = 0, {}
    for i in index:
        label = str(int(split.labels[i]))
        for name, image in synth.single_digit_variants(split.images[i], rng=rng):
            kind = name.rsplit("_", 1)[0]
            auto = reader.read(image).text == label
            right["auto"] += auto
            right["single"] += reader.read(image, single=True).text == label
            right["naive resize"] += naive(reader, image, False) == int(label)
            right["naive resize, inverted"] += naive(reader, image, True) == int(label)
            seen, ok = per_variant.get(kind, (0, 0))
            per_variant[kind] = (seen + 1, ok + auto)
            total += 1
    figures = {mode: count / total for mode, count in right.items()}
    raw = split.images[index].astype(np.float32) / 255.0  # the digits as MNIST has them, straight to the network
    figures["the same digits at 28x28, fed directly (the network's ceiling)"] = float(
        np.mean(reader.model.predict(raw).argmax(1) == split.labels[index])
    )
    figures["images"] = total
    figures["digits"] = n
    figures["auto by variant"] = {kind: ok / seen for kind, (seen, ok) in sorted(per_variant.items())}
    return figures


def scenes(reader: DigitReader, split, n: int, seed: int) -> dict:
    rng = np.random.default_rng(seed + 1)
    out = {}
    for kind in ("clean", "photo", "clean, turned 90°", "clean, turned 270°"):
        exact = count_right = digits = errors = 0
        for _ in range(n):
            k = int(rng.integers(2, 9))
            index = rng.choice(len(split.images), k, replace=False)
            lines = int(rng.integers(1, min(3, k) + 1))
            image, text = synth.paper_scene(
                [split.images[i] for i in index], rng, lines=lines, labels=[int(split.labels[i]) for i in index]
            )
            if "turned" in kind:  # a page of 1-3 lines on its side (a scan fed in sideways; 90: clockwise)
                image = np.ascontiguousarray(np.rot90(image, 3 if "90°" in kind else 1))
            if kind == "photo":
                image = synth.photo_effects(
                    image,
                    rng,
                    perspective=0.04,
                    light=float(rng.uniform(0.2, 0.5)),
                    noise=float(rng.uniform(2, 6)),
                    blur=float(rng.uniform(0.5, 1.2)),
                    jpeg_quality=int(rng.integers(60, 91)),
                )
            got = reader.read(image).text
            exact += got == text
            want, read = text.replace("\n", ""), got.replace("\n", "")
            count_right += len(want) == len(read)
            errors += digit_errors(want, read)
            digits += len(want)
        out[kind] = {
            "scenes": n,
            "digits": digits,
            "exact": exact / n,
            "per digit": 1 - errors / digits,
            "count right": count_right / n,
        }
    return out


def video_frame(digits: list[np.ndarray], size: int, shift: int, rng: np.random.Generator) -> np.ndarray:
    """A 640x480 frame: MNIST test digits (``size`` px) as dark ink on unevenly lit, noisy paper, drifting."""
    ys, xs = np.mgrid[0:480, 0:640]
    frame = 200 + 30 * (xs / 640) - 20 * (ys / 480) + rng.normal(0, 4, (480, 640))
    for i, digit in enumerate(digits):
        big = cv2.resize(digit, (size, size), interpolation=cv2.INTER_CUBIC).astype(np.float32) / 255
        x, y = 60 + i * int(size * 1.2) + shift, 240 - size // 2
        frame[y : y + size, x : x + size] *= 1 - 0.85 * big
    return cv2.cvtColor(np.clip(frame, 0, 255).astype(np.uint8), cv2.COLOR_GRAY2BGR)


def video(
    model: str | None, split, clips: int, seed: int, line_model: str | None = None, pencil_model: str | None = None
) -> dict:
    """Clips of 30 MJPG frames (3-4 digits of 40-110 px drifting sideways) read by `edgedigits webcam
    --source CLIP --headless` (the real command: decoding, stabilizer, JSON lines)."""
    import json
    import subprocess
    import tempfile

    rng = np.random.default_rng(seed + 2)
    exact = frames = 0
    with tempfile.TemporaryDirectory() as folder:
        for clip in range(clips):
            n, size = int(rng.integers(3, 5)), int(rng.integers(40, 111))
            index = [int(rng.integers(len(split.images))) for _ in range(n)]
            path = str(Path(folder) / f"clip{clip}.avi")
            writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*"MJPG"), 15, (640, 480))
            for f in range(30):
                writer.write(video_frame([split.images[i] for i in index], size, 2 * f, rng))
            writer.release()
            command = [
                sys.executable,
                "-m",
                "edgedigits.runtime.cli",
                "webcam",
                "--source",
                path,
                "--headless",
                *(["--model", model] if model else []),
                *(["--line-model", line_model] if line_model else []),
                *(["--pencil-model", pencil_model] if pencil_model else []),
            ]
            lines = subprocess.run(command, capture_output=True, text=True, timeout=300).stdout.splitlines()
            want = "".join(str(int(split.labels[i])) for i in index)
            got = [json.loads(line)["text"] for line in lines if line.strip()]
            exact += sum(text == want for text in got)
            frames += len(got)
    return {"clips": clips, "frames": frames, "exact": exact / max(frames, 1)}


LINE_KINDS = (
    "touching pairs",
    "touching strings",
    "separators",
    "words next to numbers",
    "words alone",
    "printed numbers",
)


def line_raw(kind: str, rng: np.random.Generator) -> str:
    """The written text of one line of a kind: digits, separators, and 'A' for a word (train/lines.py)."""

    def number(lo: int, hi: int) -> str:
        return "".join(str(d) for d in rng.integers(0, 10, int(rng.integers(lo, hi + 1))))

    if kind == "touching pairs":
        return number(2, 2)
    if kind == "touching strings":
        return number(3, 6)
    if kind == "separators":
        sep = str(rng.choice(list("/-.,:")))
        return sep.join([number(1, 4), number(1, 4)])
    if kind == "printed numbers":  # typeset, now and then with a separator or a word of the same font
        text = number(2, 6) if rng.random() < 0.7 else f"{number(1, 3)}{rng.choice(list('/-.,:'))}{number(2, 4)}"
        return f"A {text}" if rng.random() < 0.25 else text
    if kind == "words next to numbers":
        return f"A {number(1, 4)}" if rng.random() < 0.7 else f"{number(1, 4)} A"
    return "A" if rng.random() < 0.6 else "A A"


def line_style(kind: str):
    """Touching kinds always touch; the others touch as often as fast handwriting does (train/lines.py). Printed
    numbers are typeset in fonts that no training line uses (train.lines.font_files("held_out"))."""
    from edgedigits.train.line_fit import TOUCHING_GAP
    from edgedigits.train.lines import LineStyle

    if kind == "printed numbers":
        return LineStyle(printed=1.0, fonts="held_out", underline=0.1, rule=0.0, comb=0.0, boxes=0.0, pencil=0.0)
    return LineStyle(
        touching=1.0 if kind.startswith("touching") else 0.3,
        touch_gap=TOUCHING_GAP,
        underline=0.1,
        rule=0.0,
        comb=0.0,
        boxes=0.0,
        pencil=0.0,  # pencil is issue 10's kind of photo (scenes.make_pencil), not a line kind
    )


def lines(reader: DigitReader, split, n: int, seed: int, peer=None) -> dict:
    """Each kind of line twice: as a tight line crop (``LineMaker.sample``: a cheque amount, a form field) and
    as a 480x260 photo with the line somewhere on it (``line_scene``). Exact: the digits read are the digits
    written; no extra digit: the separators and words gave no digit (fewer digits than written count as
    right here, extra ones never). With ``peer`` (RapidOCR), the same images through it: its recognizer alone
    on the crops, its whole pipeline on the photos, digits kept."""
    out = {}
    for k, kind in enumerate(LINE_KINDS):
        material = {"crop": [], "photo": []}
        overlaps = []  # the crops' digit_overlap: how far their neighbouring digits overlap
        separators = []  # the separator each line is written with
        for sample, photo in line_material(split, k, n, seed):
            material["crop"].append((sample.photo, sample.text))
            overlaps.append(sample.overlap)
            separators.append(separator_group(sample.raw))
            material["photo"].append(photo)
        row = {}
        for form, items in material.items():
            groups, names = None, ()
            if form == "crop" and kind.startswith("touching"):
                groups, names = [overlap_group(o) for o in overlaps], [name for _, name in OVERLAP_GROUPS]
            elif kind == "separators":
                groups, names = separators, SEPARATOR_GROUPS
            row[form] = score(lambda image: reader.read(image).text.replace("\n", ""), items, groups, names)
            if peer is not None:
                row[form + " (RapidOCR)"] = score(lambda image, photo=form == "photo": peer(image, detect=photo), items)
        out[kind] = row
    return out


def line_material(split, k: int, n: int, seed: int):
    """The ``n`` lines of ``LINE_KINDS[k]`` that ``lines`` reads, from MNIST test digits (``split``): for each, its
    tight crop (``LineMaker.sample``: ``.photo``, ``.text``, ``.overlap``) and a photo of the same digits with the
    line somewhere on it (``line_scene``: (image, text)). The same lines for the same ``seed``, whoever draws them
    (benchmarks/confidence.py reads them too)."""
    from edgedigits.train.lines import LineMaker, line_scene

    kind = LINE_KINDS[k]
    maker = LineMaker(split.images, split.labels, line_style(kind))
    rng = np.random.default_rng([seed, 3, k])
    for _ in range(n):
        raw = line_raw(kind, rng)
        sample = maker.sample(rng, raw)
        yield sample, line_scene(maker, rng, raw)


# How far neighbouring digits overlap (train.lines.digit_overlap: the share of the narrower digit's width in
# its neighbour's box), in groups: strokes that touch or barely cross, a quarter to half of a digit, and more
# (a '1' inside a '0').
OVERLAP_GROUPS = ((0.25, "overlap <= 1/4"), (0.5, "overlap 1/4-1/2"), (float("inf"), "overlap > 1/2"))


def overlap_group(overlap: float) -> str:
    return next(name for bound, name in OVERLAP_GROUPS if overlap <= bound)


# The separators of line_raw's "separators" kind, each a group of its own: nearly all their extra digits are
# slashes read as '1' (train.lines.LineMaker.separator_glyph leans a slash 0.25-0.6 of its height; a tenth of
# MNIST's training 1s lean more than 0.59).
SEPARATOR_GROUPS = ("'/'", "'-'", "'.'", "','", "':'")


def separator_group(raw: str) -> str:
    """The SEPARATOR_GROUPS name of the first separator in a line's written text (``raw``), else ''."""
    return next((f"'{c}'" for c in raw if f"'{c}'" in SEPARATOR_GROUPS), "")


def score(read, items, groups: list[str] | None = None, names=()) -> dict:
    """Exact and no-extra-digit rates of ``read`` over (image, digits) ``items``, and the time per image; with
    ``groups`` (a name of ``names`` per item: OVERLAP_GROUPS', SEPARATOR_GROUPS'), the count, exact rate and
    no-extra-digit rate of each group too."""
    exact = extra = 0
    right, more = [], []
    started = time.perf_counter()
    for image, want in items:
        got = read(image)
        right.append(got == want)
        more.append(len(got) > len(want))
        exact += got == want
        extra += len(got) > len(want)
    seconds = time.perf_counter() - started
    out = {
        "exact": exact / len(items),
        "no extra digit": 1 - extra / len(items),
        "images": len(items),
        "ms per image": 1e3 * seconds / len(items),
    }
    if groups is not None:
        out["by group"] = {
            name: {
                "images": sum(g == name for g in groups),
                "exact": float(np.mean([r for r, g in zip(right, groups) if g == name])),
                "no extra digit": 1 - float(np.mean([m for m, g in zip(more, groups) if g == name])),
            }
            for name in names
            if name in groups
        }
    return out


def rapidocr_peer():
    """RapidOCR (the onnxruntime packaging of PaddleOCR), when installed: a function image -> its digits.
    A benchmark peer only, never a dependency: ``pip install rapidocr``."""
    try:
        from rapidocr import RapidOCR
    except ImportError:
        return None
    engine = RapidOCR()

    def read(image: np.ndarray, detect: bool = True) -> str:
        bgr = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR) if image.ndim == 2 else image
        result = engine(bgr, use_det=detect, use_cls=detect, use_rec=True)
        texts = getattr(result, "txts", None) or ()
        return "".join(c for text in texts for c in str(text) if c.isdigit())

    return read


def shared_cases(reader: DigitReader) -> dict:
    """The failing inputs of ../shared/cases (not part of the project): what each reads now."""
    folder = ROOT.parent / "shared" / "cases"
    if not (folder / "expected.csv").is_file():
        return {}
    out = {}
    for label in read_labels(folder / "expected.csv"):
        got = reader.read(label.path)
        out[label.file] = {"want": label.text, "got": got.text, "exact": got.text == label.text}
    return out


def photo_kinds(reader: DigitReader, split, n: int, seed: int, only: list[str] | None = None) -> dict:
    """Issue 10's kinds of real photos (``edgedigits.train.scenes.KINDS``: a 12 MP desk photo with a form and a
    pen, borders, a card on a desk, form boxes and comb fields, lined and squared paper, quarter-turns and
    tilts, dark webcam frames, pencil, tiny scans, labels with a barcode), ``n`` of each from MNIST test digits.
    Exact: the whole text right (lines joined by "\\n"); only the reading is timed. Each kind has its own seed
    (from its name). ``only``: these kinds alone (--kind)."""

    from edgedigits.train.scenes import KINDS, kind_photos

    return {kind: exact_row(reader, kind_photos(split, kind, seed, n), n) for kind in only or KINDS}


def blank_kinds(reader: DigitReader, split, n: int, seed: int, only: list[str] | None = None) -> dict:
    """The same ``n`` photos of each of issue 10's kinds with nothing written on them (``kind_photos(...,
    empty=True)``: a blank form, an empty comb field, a squared page, a dark frame of an empty sheet). Exact: no
    digit read at all; only the reading is timed. ``only``: these kinds alone (--kind)."""
    from edgedigits.train.scenes import KINDS, kind_photos

    return {kind: exact_row(reader, kind_photos(split, kind, seed, n, empty=True), n) for kind in only or KINDS}


def exact_row(reader: DigitReader, photos, n: int) -> dict:
    """The exact rate of ``reader`` over ``n`` (image, text) ``photos`` (the whole text right) and the ms per
    image its reading took (only the reading is timed): {"images", "exact", "ms per image"}."""
    exact, seconds = 0, 0.0
    for image, want in photos:
        started = time.perf_counter()
        exact += reader.read(image).text == want
        seconds += time.perf_counter() - started
    return {"images": n, "exact": exact / n, "ms per image": 1e3 * seconds / n}


def askew_forms(reader: DigitReader, split, n: int, seed: int) -> dict:
    """The photo kinds with printed form lines (``edgedigits.train.scenes.ASKEW_KINDS``: form boxes, comb fields,
    lined and squared paper), the same ``n`` photos of each, turned 2-6 degrees either way (``askew_photos``): a
    form photographed by hand. Exact, as ``photo_kinds``; only the reading is timed."""
    from edgedigits.train.scenes import ASKEW_KINDS, askew_photos

    return {kind: exact_row(reader, askew_photos(split, kind, seed, n), n) for kind in ASKEW_KINDS}


def pasted_turned(reader: DigitReader, split, n: int, seed: int) -> dict:
    """Photos of ``edgedigits.train.scenes.PASTED_KINDS``, the same ``n`` of each, pasted turned 4-14 degrees
    either way on a flat canvas (``pasted_photos``). Exact, as ``photo_kinds``; only the reading is timed."""
    from edgedigits.train.scenes import PASTED_KINDS, pasted_photos

    return {kind: exact_row(reader, pasted_photos(split, kind, seed, n), n) for kind in PASTED_KINDS}


def scanned_forms(reader: DigitReader, split, n: int, seed: int) -> dict:
    """``n`` scanned A4 form pages at 200 dpi (``edgedigits.train.scenes.scanned_form``: printed labels, boxes
    and rules around two handwritten numbers), each read as scanned and turned 90 degrees clockwise, 180 and 90
    counter-clockwise (a scan fed in sideways or upside down). Exact: both numbers right; only the reading is
    timed."""
    from edgedigits.train.scenes import scanned_form

    rng = np.random.default_rng([seed, 200])
    pages = [scanned_form(split, rng) for _ in range(n)]
    out = {}
    for name, turn in (("upright", 0), ("turned 90° clockwise", 3), ("turned 180°", 2), ("turned 90° counter", 1)):
        exact, seconds = 0, 0.0
        for page, want in pages:
            image = np.ascontiguousarray(np.rot90(page, turn))
            started = time.perf_counter()
            exact += reader.read(image).text == want
            seconds += time.perf_counter() - started
        out[name] = {"pages": n, "exact": exact / n, "ms per page": 1e3 * seconds / n}
    return out


def worksheets(reader: DigitReader, split, n: int, seed: int) -> dict:
    """``n`` scanned worksheets (``scenes.scanned_worksheet``) read upright and turned 180 degrees: the share of
    their answers found in order in the reading (``scenes.answers_in_order``), and the time per page; and ``n``
    more printed in Liberation Sans, a font no training line used (left out, saying so, without
    fonts-liberation)."""
    from edgedigits.train.lines import font_file
    from edgedigits.train.scenes import answers_in_order, scanned_worksheet

    rng = np.random.default_rng([seed, 150])
    pages = {"": [scanned_worksheet(split, rng) for _ in range(n)]}
    try:  # print in a font the orientation model never trained on (fonts-liberation; .ci/run installs it)
        held_out = font_file("LiberationSans-Regular.ttf", "held_out")
    except FileNotFoundError as exc:
        print(f"worksheets: {exc}: the Liberation Sans rows are left out", file=sys.stderr)
    else:
        rng = np.random.default_rng([seed, 151])
        pages[", Liberation Sans"] = [scanned_worksheet(split, rng, held_out) for _ in range(n)]
    out = {}
    for (font, sheets), (name, turn) in itertools.product(pages.items(), (("upright", 0), ("turned 180°", 2))):
        name += font
        found = total = 0
        seconds = 0.0
        for page, answers in sheets:
            image = np.ascontiguousarray(np.rot90(page, turn))
            started = time.perf_counter()
            text = reader.read(image).text
            seconds += time.perf_counter() - started
            found, total = found + answers_in_order(text, answers), total + len(answers)
        out[name] = {"pages": n, "answers found": found / max(total, 1), "ms per page": 1e3 * seconds / max(n, 1)}
    return out


BOX_FRAMES, BOX_MARGINS = (1, 3, 5, 7), (0, 2, 5, 20)


def answer_boxes(reader: DigitReader, split, n: int, seed: int) -> dict:
    """``n`` answer boxes cut out with their frame (``scenes.answer_box``) per frame thickness and margin
    (BOX_FRAMES x BOX_MARGINS, px): exact, per frame thickness over every margin."""
    from edgedigits.train.scenes import answer_box

    rng = np.random.default_rng([seed, 4])
    out = {}
    for frame in BOX_FRAMES:
        exact = total = 0
        started = time.perf_counter()
        for margin in BOX_MARGINS:
            for _ in range(n):
                image, text = answer_box(split, rng, frame, margin)
                exact, total = exact + (reader.read(image).text == text), total + 1
        seconds = time.perf_counter() - started
        out[f"frame {frame} px, margins {'/'.join(map(str, BOX_MARGINS))} px"] = {
            "images": total,
            "exact": exact / total,
            "ms per image": 1e3 * seconds / total,
        }
    return out


def exact_table(title: str, count: str, ms: str, rows: dict) -> str:
    """A Markdown table of ``rows`` (name -> {count: n, "exact": share, ms: milliseconds}), one row per name."""
    return table(
        [title, count, "exact", ms], [[name, r[count], f"{r['exact']:.3f}", f"{r[ms]:.1f}"] for name, r in rows.items()]
    )


def main() -> None:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--model", default=None, help="a shipped model's name or an .onnx file (default: default)")
    p.add_argument(
        "--line-model", default=None, help="a line model's name or .onnx file (default: line; none: no line model)"
    )
    p.add_argument(
        "--orientation-model",
        default=None,
        help="an orientation model's name or .onnx file (default: orientation; the video row keeps the default)",
    )
    p.add_argument(
        "--digit-orientation-model",
        default=None,
        help="the digits' quarter-turn model (default: digit-orientation; none: pages on their side by their lines)",
    )
    p.add_argument(
        "--pencil-model",
        default=None,
        help="the digit model of noisy images' digits (default: pencil with the default model; none: --model's)",
    )
    p.add_argument("--digits", type=int, default=150)
    p.add_argument("--scenes", type=int, default=300)
    p.add_argument("--clips", type=int, default=10)
    p.add_argument("--lines", type=int, default=200, help="lines of each kind (crops and photos)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--kinds", type=int, default=50, help="photos of each of issue 10's kinds (train/scenes.py)")
    p.add_argument("--forms", type=int, default=20, help="scanned form pages, read each way up (train/scenes.py)")
    p.add_argument("--worksheets", type=int, default=10, help="scanned worksheets, read upright and turned 180")
    p.add_argument("--boxes", type=int, default=10, help="answer boxes cut out, per frame and margin")
    p.add_argument(
        "--only",
        choices=("all", "lines", "cases", "kinds", "digits", "worksheets"),
        default="all",
        help="run only some sections (digits: single digits, scenes and video clips; worksheets: worksheets and "
        "answer boxes)",
    )
    p.add_argument(
        "--kind",
        action="append",
        metavar="KIND",
        help="with --only kinds: only this kind of issue 10's photos, written and blank (train/scenes.py KINDS; "
        "repeat for several); the askew, pasted, scanned-form, worksheet and answer-box rows are left out",
    )
    args = p.parse_args()
    if args.only not in ("digits", "cases") and not (args.only == "kinds" and args.kind):
        needs_train_extra()  # printed lines, worksheets, the askew and scanned forms: Pillow, matplotlib's fonts
    if args.kind:
        from edgedigits.train.scenes import KINDS

        if args.only != "kinds" or not set(args.kind) <= set(KINDS):
            p.error(f"--kind goes with --only kinds and names one of: {', '.join(KINDS)}")
    if args.quick:
        args.digits, args.scenes, args.clips, args.lines = 5, 10, 1, 5
        args.kinds, args.forms, args.worksheets, args.boxes = 3, 1, 1, 1
    line_model = False if args.line_model == "none" else args.line_model  # none: every blob read alone
    reader = DigitReader(
        args.model,
        line_model=line_model,
        orientation_model=args.orientation_model,
        digit_orientation_model=args.digit_orientation_model,
        pencil_model=args.pencil_model,
    )
    split = load("test")
    started = time.perf_counter()
    cases = shared_cases(reader)
    peer = rapidocr_peer()
    line_rows = lines(reader, split, args.lines, args.seed, peer) if args.only in ("all", "lines") else {}
    kinds, whole = args.only in ("all", "kinds"), not args.kind
    kind_rows = photo_kinds(reader, split, args.kinds, args.seed, args.kind) if kinds else {}
    askew_rows = askew_forms(reader, split, args.kinds, args.seed) if kinds and whole else {}
    pasted_rows = pasted_turned(reader, split, args.kinds, args.seed) if kinds and whole else {}
    form_rows = scanned_forms(reader, split, args.forms, args.seed) if kinds and whole else {}
    sheets = (kinds and whole) or args.only == "worksheets"
    sheet_rows = worksheets(reader, split, args.worksheets, args.seed) if sheets else {}
    box_rows = answer_boxes(reader, split, args.boxes, args.seed) if sheets else {}
    blank_rows = blank_kinds(reader, split, args.kinds, args.seed, args.kind) if kinds else {}
    if args.only in ("all", "digits"):
        single = single_digits(reader, split, args.digits, args.seed)
        scene = scenes(reader, split, args.scenes, args.seed)
        clips = video(args.model, split, args.clips, args.seed, args.line_model, args.pencil_model)
    report = {
        "machine": machine(),
        "model": reader.model.name,
        "line model": reader.line_model.name if reader.line_model else None,
        "orientation model": model_path(reader.orientation_model_file),
        "digit orientation model": model_path(reader.digit_orientation_model_file),
        "pencil model": model_path(reader.pencil_model_file),
        "seconds": time.perf_counter() - started,
        "lines": line_rows,
        "shared cases": cases,
    }
    if line_rows:
        forms = list(next(iter(line_rows.values())))
        print(
            table(
                ["lines (MNIST test digits)"] + [f"{f}: exact / no extra digit / ms" for f in forms],
                [
                    [kind]
                    + [
                        f"{r[f]['exact']:.3f} / {r[f]['no extra digit']:.3f} / {r[f]['ms per image']:.1f}"
                        for f in forms
                    ]
                    for kind, r in line_rows.items()
                ],
            )
        )
        print()
        print(
            table(
                ["touching crops, by how far neighbours overlap", "lines", "exact"],
                [
                    [f"{kind}: {name}", str(g["images"]), f"{g['exact']:.3f}"]
                    for kind, r in line_rows.items()
                    for name, g in r["crop"].get("by group", {}).items()
                    if kind.startswith("touching")
                ],
            )
        )
        print()
        print(
            table(
                ["separators, by separator", "lines", "exact", "no extra digit"],
                [
                    [f"{form}: {name}", str(g["images"]), f"{g['exact']:.3f}", f"{g['no extra digit']:.3f}"]
                    for form in ("crop", "photo")
                    for name, g in line_rows.get("separators", {}).get(form, {}).get("by group", {}).items()
                ],
            )
        )
        print()
    if cases:
        print(
            table(
                ["../shared/cases", "expected", "read", "exact"],
                [
                    [name, c["want"].replace("\n", "|"), c["got"].replace("\n", "|"), "yes" if c["exact"] else "no"]
                    for name, c in cases.items()
                ],
            )
        )
        print(f"{sum(c['exact'] for c in cases.values())} of {len(cases)} read exactly")
        print()
    if kind_rows:
        report["photo kinds"] = kind_rows
        print(exact_table("photo kinds (issue 10; MNIST test digits)", "images", "ms per image", kind_rows) + "\n")
    if askew_rows:
        report["forms askew"] = askew_rows
        print(exact_table("forms photographed 2-6 degrees askew", "images", "ms per image", askew_rows) + "\n")
    if pasted_rows:
        report["pasted turned"] = pasted_rows
        print(exact_table("photos pasted turned 4-14 degrees on a flat canvas", "images", "ms per image", pasted_rows))
        print()
    if form_rows:
        report["scanned forms"] = form_rows
        print(
            exact_table("scanned A4 form pages, 200 dpi (MNIST test digits)", "pages", "ms per page", form_rows) + "\n"
        )
    if sheet_rows:
        report["worksheets"] = sheet_rows
        print(
            table(
                ["scanned worksheets, 150 dpi (printed questions, MNIST test digits)", "pages", "answers found", "ms"],
                [
                    [k, r["pages"], f"{r['answers found']:.3f}", f"{r['ms per page']:.0f}"]
                    for k, r in sheet_rows.items()
                ],
            )
            + "\n"
        )
    if box_rows:
        report["answer boxes"] = box_rows
        print(exact_table("answer boxes cut out with their frame", "images", "ms per image", box_rows) + "\n")
    if blank_rows:
        report["blank photos"] = blank_rows
        print(exact_table("the same photos with nothing written: no digit read", "images", "ms per image", blank_rows))
        print()
    if args.only not in ("all", "digits"):
        if args.json:
            write_json(args.json, report)
        return
    report.update({"single digits": single, "scenes": scene, "video": clips})
    print(
        f"model {reader.model.name}; {single['digits']} MNIST test digits x 29 renderings "
        f"= {single['images']} images; {args.scenes} scenes of each kind"
    )
    print(
        table(
            ["single digits", "accuracy"],
            [
                [mode, f"{single[mode]:.3f}"]
                for mode in (
                    "auto",
                    "single",
                    "naive resize",
                    "naive resize, inverted",
                    "the same digits at 28x28, fed directly (the network's ceiling)",
                )
            ],
        )
    )
    print()
    print(
        table(
            ["auto mode by rendering", "accuracy"],
            [[kind, f"{acc:.3f}"] for kind, acc in single["auto by variant"].items()],
        )
    )
    print()
    print(
        table(
            ["scenes", "digits", "exact", "per digit", "count right"],
            [
                [kind, str(f["digits"]), f"{f['exact']:.3f}", f"{f['per digit']:.3f}", f"{f['count right']:.3f}"]
                for kind, f in scene.items()
            ],
        )
    )
    print(
        f"video: {clips['clips']} clips, {clips['frames']} frames through `edgedigits webcam --headless`: "
        f"{clips['exact']:.3f} of the frames read exactly"
    )
    print(f"{report['seconds']:.0f} s")
    if args.json:
        write_json(args.json, report)


if __name__ == "__main__":
    main()
