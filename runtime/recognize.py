"""Recognize: the models' outputs for one image -> its digits, in reading order. NumPy only.

Two models read each image (see reader.py):

- the line model reads every text line as a sequence (CTC): it says how many characters a blob holds
  (touching digits are several; a separator or a word is no digit) and reads each;
- the digit model reads every blob alone, normalized as MNIST (99.5 % on MNIST's test set).

A blob that the line model reads as exactly one digit is a digit on its own: its probabilities are the two
models' pooled, their normalized geometric mean (the digit model sees it at its full 28x28 resolution, the
line model in its context); unless the blob is a piece of a faint digit (faint pencil: the line's fainter ink
in its box is not its own), which the line model reads alone.
A blob holding several characters is split where the line model puts them: each digit's box spans from
halfway to its left neighbour's peak to halfway to its right neighbour's, over the blob's ink; its
probabilities are the line model's at its peak frame. What the line model reads as a separator or a letter
gives no digit, but shows in ``raw``.

    digits, raw = line_digits(line, posteriors, blob_probabilities, blob_boxes, line_no)
"""

from __future__ import annotations

import statistics
from typing import NamedTuple, Sequence

import cv2
import numpy as np

from .blobs import Box, box_union
from .config import DEFAULT_READ, ReadConfig
from .lines import (
    ALPHABET,
    DIGITS,
    SEPARATORS,
    STRIDE,
    Char,
    TextLine,
    ctc_greedy,
    ctc_log_likelihood,
    rows,
    split_characters,
)
from .orientation import ASYMMETRIC_DIGITS, page_log_odds
from .results import Digit, int_box

WORD = "*"  # how a word or letter shows in ``raw``


def line_digits(
    line: TextLine,
    posteriors: np.ndarray,
    blob_probabilities: np.ndarray,
    blob_boxes: Sequence[Box],
    line_no: int,
    chars: list[Char] | None = None,
    config: ReadConfig = DEFAULT_READ,
) -> tuple[list[Digit], str]:
    """One text line -> (its digits left to right, its raw reading with separators and ``*`` for words).

    posteriors: float32 [T, 17], the line model's output for this line (T = its tensor width / 4);
    blob_probabilities: float32 [len(line.members), 10], the digit model's output for each member blob;
    blob_boxes: every blob's box (x, y, w, h) in the input image's pixels, indexed by line.members;
    chars: the line's greedy CTC reading, ``ctc_greedy(posteriors, T)``, when the caller has it already; a glyph
    split between two classes in neighbouring frames is read once (lines.split_characters).

    Each blob is judged by what the line model put in it (its characters' peaks lie in its columns):

    - on a noisy image's map, a blob holding less than ``faint_piece`` of the line's ink in its box
      (``line.own_share``, segment.own_ink_shares) is a piece of a digit whose fainter strokes no blob took: its
      digits are the line model's alone, which reads those strokes too (the digit model sees the piece), when
      the line model read them at least ``faint_piece_sure`` surely (``faint_piece``);
    - several digits -> touching digits, split halfway between their peaks, read by the line model; unless
      the blob is narrower than ``narrow`` heights per digit (``alone_one`` per '1') and the digit model is
      ``certain`` of one digit there, or both models together favour one digit by ``split_odds`` (see
      one_digit_odds);
    - one digit -> a digit, both models' probabilities pooled (``pooled``: their normalized geometric mean);
    - only a letter, or nothing, in a blob that carries on a number in type (``digits_read_as_word``), or in the
      one blob of a line of digits the line model read as a word (``letter_only_digit``) -> the digit model's
      digit, where it is ``certain``;
    - no digit (a separator, a word, nothing) -> none; except where the line model read nothing or an unsure
      '/' (below ``slash_sure``), the line holds digits (or the line model read nothing at all on it and the digit
      model reads a '1': '11' drawn as two straight strokes) and no word, and the digit model is ``sure`` of a
      digit of full height (a thin, straight '1' the line model missed or took for a slash);
    - a blob alone on its line (specks aside) has no context for the line model: it is the digit model's one
      digit, unless it is wide enough for the digits the line model read in it (``narrow_alone`` heights per
      digit, ``alone_one`` per '1': a touching pair) and the digit model is not ``certain`` of one digit or both
      models together do not favour one (``favours_one``, ``alone_split_odds``), or is a word; and unless the
      line model read no digit in it and it is ``lone_flat`` times as wide as tall (a dash, an underline's end)
      or the line model read only a letter there, at least ``lone_letter`` surely: then it is no digit.

    The thresholds named are ``config``'s (config.ReadConfig).
    """
    frames = line.fitted.tensor.shape[1] // STRIDE
    chars = split_characters(posteriors, ctc_greedy(posteriors, frames) if chars is None else chars)
    peaks = [line.frame_x(sum(line.fitted.crop_columns(c.peak, c.peak + 1)) / 2) for c in chars]
    members = [blob_boxes[i] for i in line.members]
    owner = [nearest_blob(x, members, config) for x in peaks]
    owner = claim_empty_blobs(line, chars, owner, members, config)
    tallest = max(b[3] for b in members)
    number = any(c.char in DIGITS for c in chars)  # the line model read a number here
    if not number and unsure_digits(chars, members, blob_probabilities, tallest, config):
        number = True  # the line holds digits the line model could not make out: the digit model's below
    context = _Line(
        line,
        posteriors,
        frames,
        chars,
        peaks,
        members,
        owner,
        tallest,
        words=any(c.char == "A" for c in chars),
        number=number,
        alone=sum(b[3] >= config.full_share * tallest for b in members) == 1,
        printed_run=digits_read_as_word(members, chars, owner, blob_probabilities, tallest, config),
        blob_probabilities=blob_probabilities,
        line_no=line_no,
        config=config,
    )
    digits: list[Digit] = []
    raw: list[str] = []
    for j in in_reading_order(members, peaks, owner, chars):
        blob_digits, blob_raw = read_blob(context, j)
        digits += blob_digits
        raw += blob_raw
    return digits, "".join(raw)


class _Line(NamedTuple):
    """What ``line_digits`` works out once for a line and ``read_blob`` uses for each of its blobs."""

    line: TextLine
    posteriors: np.ndarray  # float32 [T, 17]: the line model's
    frames: int  # T, the line tensor's width / STRIDE
    chars: list[Char]  # the line model's characters (split_characters of the greedy CTC reading)
    peaks: list[float]  # each character's peak, x in the input image's pixels
    members: list[Box]  # the line's blobs (x, y, w, h, input pixels), as line.members orders them
    owner: list[int]  # the blob (index into members) each character lies in
    tallest: int  # the tallest blob's height, px
    words: bool  # the line model read a word or letter on the line
    number: bool  # it read digits there (or the line holds digits it could not make out: unsure_digits)
    alone: bool  # one blob of full height (config.full_share of the tallest; specks aside) on the line
    printed_run: set[int]  # blobs that carry on a number in type read as a word (digits_read_as_word)
    blob_probabilities: np.ndarray  # float32 [len(members), 10]: the digit model's
    line_no: int
    config: ReadConfig


def read_blob(context: _Line, j: int) -> tuple[list[Digit], list[str]]:
    """Blob ``j`` of a line -> (its digits, left to right; its part of the line's raw reading: the line model's
    characters in it, ``*`` for a word, or the digits read where the line model's were overruled). The rules are
    ``line_digits``'s, in the order they are tried."""
    line, posteriors, chars, members, tallest, config = (
        context.line,
        context.posteriors,
        context.chars,
        context.members,
        context.tallest,
        context.config,
    )
    line_no, peaks = context.line_no, context.peaks
    bx, _, bw, bh = members[j]
    mine = one_stroke(chars, [k for k in range(len(chars)) if context.owner[k] == j], members[j])
    read_there = [WORD if chars[k].char == "A" else chars[k].char for k in mine]  # the line model's raw reading
    numerals = [k for k in mine if chars[k].char in DIGITS]
    if faint_piece(line, j, [chars[k] for k in numerals], config):  # a piece of a faint digit: the line model
        # alone (it reads the faint strokes the blob lacks; the digit model reads the piece)
        return split_at_peaks(line, posteriors, chars, numerals, peaks, members[j], line_no, config), read_there
    classifier = context.blob_probabilities[j].astype(np.float64)

    def digit_model_alone() -> tuple[list[Digit], list[str]]:  # the digit model's one digit, also in raw
        return [make_digit(classifier, members[j], line_no)], [str(int(classifier.argmax()))]

    split = [chars[k].char for k in mine]
    start = min((chars[k].first for k in mine), default=None)  # (a digit may peak left of its blob)
    wide = len(numerals) >= 2 and bw >= digits_width(chars, numerals, config.narrow_alone, config) * bh
    if wide and classifier.max() >= config.certain:  # a certain digit model, outvoted only by a surer line model
        odds = config.alone_split_odds
        wide = not favours_one(line, posteriors, context.frames, members[j], split, classifier, odds, config, start)
    word = any(chars[k].char == "A" for k in mine) and bw >= 1.2 * bh
    lone = context.alone and bh >= config.full_share * tallest  # the blob alone on its line (specks aside)
    flat = bw >= config.lone_flat * bh  # a dash, an underline's end
    letter = bool(mine) and all(chars[k].char == "A" and chars[k].confidence >= config.lone_letter for k in mine)
    if lone and not numerals and (flat or letter):
        return [], read_there  # alone and no digit (the line model's raw reading stays)
    dot = any(chars[k].char in ".," for k in mine)  # the line model saw a full stop in it
    if lone and dot and solid(line, members[j], config):  # a dot, a blot: no stroke, no digit
        return [], ["."]
    if lone and not wide and not word:  # alone: the digit model's one digit
        return digit_model_alone()
    loops, p = joined_zeros(line, posteriors, [chars[k] for k in mine], members[j], context.number, config)
    if p is not None:  # zeros joined in one stroke: a zero a loop
        cuts = [float(bx)] + [(a[1] + b[0]) / 2 for a, b in zip(loops, loops[1:])] + [float(bx + bw)]
        return [make_digit(p, ink_rows(line, (a, b), members[j], config), line_no) for a, b in zip(cuts, cuts[1:])], [
            "0"
        ] * len(loops)
    # narrow, and one certain digit (a lone blob's width and certainty were weighed above: '141' read '4')
    narrow = bw < digits_width(chars, numerals, config.narrow, config) * bh
    one = not lone and narrow and classifier.max() >= config.certain
    if len(numerals) >= 2 and not one:  # or both models together favour one digit over the split
        one = favours_one(line, posteriors, context.frames, members[j], split, classifier, config=config, start=start)
    if len(numerals) >= 2 and not one:  # touching digits: split between the peaks
        return split_at_peaks(line, posteriors, chars, numerals, peaks, members[j], line_no, config), read_there
    if numerals:  # one digit: both models; on a piece of a broken digit the line model alone (it reads the
        # line's ink around the piece, the digit model only the piece)
        distributions = [digit_distribution(posteriors[chars[k].peak]) for k in numerals]
        line_p = distributions[0] if len(distributions) == 1 else np.mean(distributions, axis=0)  # the mean of
        # one is itself (np.mean's overhead was a quarter of a frame's recognition)
        piece = bh < config.piece * tallest
        return [make_digit(line_p if piece else pooled(line_p, classifier), members[j], line_no)], read_there
    owner = context.owner
    if j in context.printed_run or letter_only_digit(j, members, chars, owner, classifier, tallest, config):
        return digit_model_alone()  # a digit read as a word
    # What the line model may have missed: nothing read in a blob of full height (a thin, straight '1'), or
    # an unsure '/' there (a '1' taken for a slash); only in a line of digits, or one it read nothing in at all:
    # letters have no peaks either, but the line model reads them as words.
    missed = all(c.char == "/" and c.confidence < config.slash_sure for c in (chars[k] for k in mine))
    # A '/' read before or after every digit of its line separates nothing: a slanted '1', however sure or tall
    outside = bool(mine) and all(chars[k].char == "/" for k in mine) and not between_digits(mine, chars)
    # (or a line it read nothing in at all, where the digit model reads a '1': '11' drawn as two straight strokes;
    # a printed label alone on a blank form, 'Ref:', read nothing, and its letters passed for an '8' and a '4')
    reads_one = int(classifier.argmax()) == 1  # the digit model reads a '1'
    missed = (missed or outside) and (context.number or (not chars and reads_one)) and not context.words
    if (
        missed
        and classifier.max() >= config.sure
        and bh
        >= config.tall_share
        * (tallest if line.own_share else full_height(members, config))  # (a noisy map's blobs may be
        # pieces of broken strokes, shorter than its digits: the tallest, as before)
        and (outside or not (line.unrotate is None and mine and taller(j, members, config)))  # (a turned line's
        # boxes: not heights; a blob the line model read nothing in is no slash, however tall)
        and not (not mine and reads_one and piece_of_a_digit(j, members, owner, chars, config))
        # (a pencil digit's stem, broken off it, is no '1' the line model missed)
    ):
        return digit_model_alone()
    return [], read_there


def piece_of_a_digit(
    j: int, members: Sequence[Box], owner: Sequence[int], chars: Sequence[Char], config: ReadConfig = DEFAULT_READ
) -> bool:
    """Is blob ``j`` of a line (boxes x, y, w, h; ``owner``: the blob each of ``chars`` lies in) a piece of the
    digit beside it: a blob whose columns touch or overlap (a gap of at most ``config.piece_gap`` of the taller
    one's height) those of a blob the line model read exactly one digit in? Asked of a blob the line model read
    nothing in and the digit model reads as a '1': a faint pencil digit broken in two leaves its stem apart (a
    '4' its upright, a '9' its tail), and the stem passed for a '1' the line model missed ('12804' read '128041',
    '3899' read '38991'). A '1' written apart from its neighbour, however close, leaves a gap between their
    columns (2026-12-05: at 0.05 heights a '1' 2 px from a '7' on squared paper and a printed '11' were lost)."""
    bx, _, bw, bh = members[j]
    for k, (x, _, w, h) in enumerate(members):
        if k == j or sum(1 for c, o in zip(chars, owner) if o == k and c.char in DIGITS) != 1:
            continue
        if max(x - (bx + bw), bx - (x + w)) <= config.piece_gap * max(bh, h):
            return True
    return False


def one_stroke(chars: Sequence[Char], mine: list[int], blob: Box) -> list[int]:
    """The characters of a blob (``mine``: their indices in ``chars``, in reading order; ``blob``: its box x, y, w,
    h) with a slash read two ways taken once: in a blob narrower than tall, a digit and a '/' read in neighbouring
    frames (no blank between) are one stroke, and the surer of the two is kept. The slash of '24/68'
    (../shared/cases/slash-2468.jpg) at half size read '1' at 0.52 in one frame and '/' at 0.90 in the next, where
    lines.split_characters found the two likelier than either: '24168'."""
    if len(mine) != 2 or blob[2] >= blob[3]:
        return mine
    a, b = chars[mine[0]], chars[mine[1]]
    digit_and_slash = (a.char in DIGITS and b.char == "/") or (a.char == "/" and b.char in DIGITS)
    if b.first != a.last + 1 or not digit_and_slash:
        return mine
    return [mine[0]] if a.confidence >= b.confidence else [mine[1]]


def between_digits(mine: Sequence[int], chars: Sequence[Char]) -> bool:
    """Did the line model read digits both before and after a blob's characters (``mine``: their indices in
    ``chars``, in reading order), in other blobs? A separator stands between digit groups: a '/' read before or
    after every digit of its line separates nothing, and may be a slanted '1' (recognize.line_digits)."""
    others = [k for k, c in enumerate(chars) if c.char in DIGITS and k not in mine]
    return bool(mine) and any(k < mine[0] for k in others) and any(k > mine[-1] for k in others)


def faint_piece(line: TextLine, j: int, numerals: Sequence[Char], config: ReadConfig = DEFAULT_READ) -> bool:
    """Is blob ``j`` of a line cut from a noisy image's map a piece of a faint digit, for the line model to read
    alone? It holds less than ``config.faint_piece`` of the line's ink in its box (``line.own_share``, measured on
    noisy maps only: segment.own_ink_shares), and the line model read each digit in it (``numerals``) at least
    ``config.faint_piece_sure`` surely: on a patterned background joined to the writing by faint strokes (a
    cheque's guilloche), it reads unsurely, and the digit model's blobs are the better guide."""
    return (
        bool(line.own_share)
        and line.own_share[j] < config.faint_piece
        and all(c.confidence >= config.faint_piece_sure for c in numerals)
    )


def split_at_peaks(
    line: TextLine,
    posteriors: np.ndarray,
    chars: Sequence[Char],
    numerals: Sequence[int],
    peaks: Sequence[float],
    blob: Box,
    line_no: int,
    config: ReadConfig = DEFAULT_READ,
) -> list[Digit]:
    """The line model's digits ``chars[k]`` (k in ``numerals``, left to right) in one blob (x, y, w, h, image px),
    each with the line model's probabilities at its peak frame (``posteriors``: float32 [T, 17]) and the box of the
    line's ink from halfway to its left neighbour's peak (``peaks``: image columns) to halfway to its right one's,
    within the blob (the blob's edges for the first and the last); one digit alone has the blob's box."""
    bx, _, bw, _ = blob
    out = []
    for at, k in enumerate(numerals):
        if len(numerals) == 1:
            box = blob
        else:
            left = bx if at == 0 else (peaks[numerals[at - 1]] + peaks[k]) / 2
            right = bx + bw if at == len(numerals) - 1 else (peaks[k] + peaks[numerals[at + 1]]) / 2
            box = ink_rows(line, (left, right), blob, config)
        out.append(make_digit(digit_distribution(posteriors[chars[k].peak]), box, line_no))
    return out


def letter_only_digit(
    j: int,
    members: Sequence[Box],
    chars: Sequence[Char],
    owner: Sequence[int],
    classifier: np.ndarray,
    tallest: int,
    config: ReadConfig = DEFAULT_READ,
) -> bool:
    """Is blob ``j`` of a line (``members``: its blobs' boxes; ``owner``: the blob of each of ``chars``) a digit
    the line model took for a word? It holds only letters ('A'), and every letter of the line; it is at least
    ``letter_digit_height`` of the ``tallest`` blob (a lowercase letter is shorter) and no wider than
    ``letter_digit_width`` of its own height;
    the digit model (``classifier``, float [10]) is ``certain`` of a digit; and every other blob of at least half
    the tallest holds a digit the line model read: a line of digits with no word in it. A word's letters are
    blobs of their own, in which the line model reads nothing, or one blob wider than a digit."""
    mine = [c for c, o in zip(chars, owner) if o == j]
    letters = [o for c, o in zip(chars, owner) if c.char == "A"]
    if not mine or any(c.char != "A" for c in mine) or any(o != j for o in letters):
        return False
    _, _, w, h = members[j]
    if (
        h < config.letter_digit_height * tallest
        or w > config.letter_digit_width * h
        or classifier.max() < config.certain
    ):
        return False
    with_digits = {o for c, o in zip(chars, owner) if c.char in DIGITS}
    return all(i in with_digits for i, b in enumerate(members) if i != j and b[3] >= config.full_share * tallest)


def digits_read_as_word(
    members: Sequence[Box],
    chars: Sequence[Char],
    owner: Sequence[int],
    blob_probabilities: np.ndarray,
    tallest: int,
    config: ReadConfig = DEFAULT_READ,
) -> set[int]:
    """The blobs of a line (``members``: boxes x, y, w, h; ``owner``: the blob of each of ``chars``) that carry on a
    number the line model read, but that it read as a word: digits of a font it has not seen (Liberation Sans
    '272006' read '272' and a word over '006', benchmarks/accuracy.py's printed numbers).

    A run of blobs next to a blob holding one digit that both models read (the digit model at least ``certain``),
    on either side, where each blob of the run is of full height (3/4 of the ``tallest``), no wider than
    ``letter_digit_width`` of its own height, holds only letters ('A') or nothing, and is one digit to the digit
    model (``blob_probabilities`` float [N, 10]) at least ``certain``; its top and bottom lie within ``digit_align``
    heights (of the tallest blob) of the digit's (a 'y' hangs lower, a lowercase letter is shorter); no gap between
    neighbours, from the digit's blob on, is wider than ``digit_gap`` of the tallest (a space before a word is
    wider), nor than 1.5 times the widest gap (at least 0) plus 2 px between two neighbouring blobs that hold digits
    the line model read, when there are such (narrow italics set a word closer than ``digit_gap``); and at least one
    blob of the run holds a letter. Lower blobs (a separator, a speck) are stepped over, their width counted in the
    gap."""
    held: dict[int, set[str]] = {}
    for c, j in zip(chars, owner):
        held.setdefault(j, set()).add("digit" if c.char in DIGITS else c.char)
    full = sorted(
        (i for i, b in enumerate(members) if b[3] >= config.tall_share * tallest), key=lambda i: members[i][0]
    )

    def digit_like(i: int) -> bool:
        _, _, w, h = members[i]
        mute = held.get(i, set()) <= {"A"}
        return mute and w <= config.letter_digit_width * h and float(blob_probabilities[i].max()) >= config.certain

    def gap(a: Box, b: Box) -> float:
        return max(b[0] - (a[0] + a[2]), a[0] - (b[0] + b[2]))

    def aligned(a: Box, b: Box) -> bool:  # type sets digits on one line: same top, same bottom
        tolerance = config.digit_align * tallest
        return abs(a[1] - b[1]) <= tolerance and abs(a[1] + a[3] - b[1] - b[3]) <= tolerance

    numerals = {i for i in full if "digit" in held.get(i, set())}
    pitch = [gap(members[a], members[b]) for a, b in zip(full, full[1:]) if a in numerals and b in numerals]
    widest = config.digit_gap * tallest  # the widest gap in a number; in type, about its digits' own widest (an
    if pitch:  # italic's neighbours overlap: gaps under 0 count as 0); 'EH 1262' in narrow italics read '41262'
        widest = min(widest, 1.5 * max(max(pitch), 0) + 2)
    out: set[int] = set()
    for order in (full, full[::-1]):
        for at, i in enumerate(order):
            one = held.get(i) == {"digit"} and sum(c.char in DIGITS for c, o in zip(chars, owner) if o == i) == 1
            if not one or float(blob_probabilities[i].max()) < config.certain:
                continue  # not one digit both models read alone
            run, last = [], i
            for j in order[at + 1 :]:
                near = gap(members[last], members[j]) <= widest
                if not (digit_like(j) and near and aligned(members[i], members[j])):
                    break
                run.append(j)
                last = j
            if any("A" in held.get(j, set()) for j in run):
                out.update(run)
    return out


def digits_width(chars: Sequence[Char], numerals: Sequence[int], per_digit: float, config: ReadConfig) -> float:
    """The width, in digit heights, that the digits ``chars[k]`` (k in ``numerals``) take side by side: ``per_digit``
    each, and ``config.alone_one`` for a '1' (MNIST train '1's are 0.2-0.8 as wide as tall, the others 0.5-1.4)."""
    return sum(config.alone_one if chars[k].char == "1" else per_digit for k in numerals)


def claim_empty_blobs(
    line: TextLine,
    chars: Sequence[Char],
    owner: list[int],
    members: Sequence[Box],
    config: ReadConfig = DEFAULT_READ,
) -> list[int]:
    """Owners of a line's characters (``owner``: the blob index of each, from nearest_blob) where every blob of
    full height (3/4 of the tallest) that owns no character takes a digit whose peak frame reaches into its
    columns (image px) from a blob that holds another digit. ``chars``: the line's characters (ctc_greedy);
    ``members``: the line's boxes (x, y, w, h) in the input image's pixels.

    A peak is placed at its frame's middle, a frame is ``lines.STRIDE`` columns of the line tensor (a sixth of the
    line's height: 3-15 image px for digits 20-90 px tall), and a thin '1' touching the digit on its left peaks
    where the two boxes meet: its peak fell 0.1 px inside its neighbour's box, which then held two digits and the
    '1's own blob none. The neighbour was read as one digit (narrow, the digit model certain) or split into two,
    and the empty blob gave the digit model's '1' again ('5-351' read '53511', benchmarks/accuracy.py's
    separators as photos, seed 1).

    A digit whose peak lies nearest a separator's blob (under 3/4 of the tallest, holding a separator the line
    model read too) goes to the nearest empty blob of full height when its peak frame lies within half the
    tallest's height of it: the '1' after a dash or a full stop peaks left of its stroke, at the separator's end,
    which then read as that '1' too, and the '1''s own blob was the digit model's '1' again ('6-1720' read
    '6-11720', '08.1208' read '08.11208', benchmarks/accuracy.py's separators, seed 0). Not from any short blob:
    a piece of a broken digit holds its digit ('38125' in a form box read '3?125')."""
    tallest = max(b[3] for b in members)
    empty = [j for j, b in enumerate(members) if j not in owner and b[3] >= config.tall_share * tallest]
    if not empty:
        return owner
    owner = list(owner)
    digits = [k for k, c in enumerate(chars) if c.char in DIGITS]
    spans = {k: [line.frame_x(x) for x in line.fitted.crop_columns(chars[k].peak, chars[k].peak + 1)] for k in digits}
    for j in empty:
        bx, _, bw, _ = members[j]
        for k in digits:
            shared = any(owner[m] == owner[k] for m in digits if m != k)  # its blob holds another digit
            if shared and min(spans[k]) <= bx + bw and max(spans[k]) >= bx:
                owner[k] = j
                break
        else:  # a digit held by a short blob (a separator's), near this one
            near = [
                k
                for k in digits
                if members[owner[k]][3] < config.tall_share * tallest and beside_separator(k, chars, owner)
            ]
            gaps = {k: max(bx - max(spans[k]), min(spans[k]) - (bx + bw), 0.0) for k in near}
            close = [k for k in near if gaps[k] <= config.full_share * tallest]
            if close:
                owner[min(close, key=gaps.__getitem__)] = j
    return owner


def beside_separator(k: int, chars: Sequence[Char], owner: Sequence[int]) -> bool:
    """Does the blob of character ``k`` (``owner``: the blob of each of ``chars``) hold a separator too?"""
    return any(owner[m] == owner[k] and chars[m].char in SEPARATORS for m in range(len(chars)) if m != k)


def full_height(members: Sequence[Box], config: ReadConfig = DEFAULT_READ) -> float:
    """The height of a line's digits (boxes x, y, w, h; px): the median height of its blobs of full height (at
    least half the tallest's), when it has three or more; else the tallest's (a median of two is their mean: a
    '2' and its broken-off tail read '21', a stray mark no longer). Not the tallest's alone: one tall digit (a
    '1' drawn long) made a short '1' beside round digits a separator's height, and it was lost
    (benchmarks/frame_latency.py's scene 2, '758115' read '75815'). line_digits asks it on a clean map only: a
    noisy map's blobs (faint pencil) are often pieces of broken digits, and its median height made pieces digits
    of full height (issue 10's pencil photos, seeds 0-1: five read a piece as a '1')."""
    full = full_heights(members, config=config)
    return float(statistics.median(full)) if len(full) >= 3 else float(max(b[3] for b in members))


def taller(j: int, members: Sequence[Box], config: ReadConfig = DEFAULT_READ) -> bool:
    """Does blob ``j`` of a line (boxes x, y, w, h) stand at least ``config.slash_height`` times taller than the
    median of its line's other blobs of full height (at least half the tallest)? Then an unsure '/' the line model
    read there is a slash, not a '1' it took for one: a slash reaches past the digits it separates. False when the
    line has no other blob of full height. Asked of level lines only: on a line that was deskewed (a tilted page),
    a box's height is the blob's turned, and a '1' leaning with its line stands taller than the round digits
    beside it (issue 10's tilted photos, seed 0: '4613' read '46/13')."""
    others = full_heights(members, leave_out=j, config=config)
    return bool(others) and members[j][3] >= config.slash_height * statistics.median(others)


def full_heights(members: Sequence[Box], leave_out: int | None = None, config: ReadConfig = DEFAULT_READ) -> list[int]:
    """The heights (px) of a line's blobs of full height: at least half the tallest's (of all ``members``, boxes
    x, y, w, h), but for blob ``leave_out``. What full_height and taller take the median of."""
    tallest = max(b[3] for b in members)
    return [b[3] for i, b in enumerate(members) if i != leave_out and b[3] >= config.full_share * tallest]


def in_reading_order(
    members: Sequence[Box], peaks: Sequence[float], owner: Sequence[int], chars: Sequence[Char]
) -> list[int]:
    """The indices of a line's blobs (boxes x, y, w, h) in the order their characters are read: by the first CTC
    peak (x, px) of a digit or a word that each owns (``owner``: the blob of each peak; ``chars``: the
    characters), a blob without one by its left edge. The same as the boxes' order, but where a blob reaches
    far beyond its characters: digits joined to an underline that starts left of the line's other digits
    ('805297' read '297805'; the underline's end read as a '.')."""
    first: dict[int, float] = {}
    for x, j, c in zip(peaks, owner, chars):
        if c.char in DIGITS or c.char == "A":
            first[j] = min(first.get(j, x), x)
    return sorted(range(len(members)), key=lambda j: (first.get(j, members[j][0]), j))


def unsure_digits(
    chars: list[Char],
    members: Sequence[Box],
    blob_probabilities: np.ndarray,
    tallest: float,
    config: ReadConfig = DEFAULT_READ,
) -> bool:
    """Does a line the line model read no digit in hold clean digits it could not make out? It read only unsure
    slashes (below ``config.sure``; no word, and not nothing at all), and the line has two or more blobs of full
    height (3/4 of the tallest), each no wider than tall and each one digit to the digit model, ``certain``. Then
    ``line_digits`` takes the digit model's reading of each blob the line model missed.

    A '71' drawn on the web page's canvas, a geometric 7 and a 1 close beside it, reads '/' (0.52) in the line
    model and 7 and 1 at 1.00 in the digit model: it read nothing. Printed words on a desk (wider than tall,
    nothing read, the digit model at 0.97) stay no digits."""
    if not chars or any(c.char != "/" or c.confidence >= config.sure for c in chars):
        return False
    full = [j for j, b in enumerate(members) if b[3] >= config.tall_share * tallest]
    return len(full) >= 2 and all(
        blob_probabilities[j].max() >= config.certain and members[j][2] <= members[j][3] for j in full
    )


def pooled(line: np.ndarray, classifier: np.ndarray) -> np.ndarray:
    """Both models' probabilities for one digit (float [10] each) -> their normalized geometric mean, float64
    [10]: logarithmic opinion pooling (Genest and Zidek 1986, "Combining probability distributions"; a
    product of experts, Hinton 2002, with equal weights). A digit one model all but rules out stays unlikely,
    where the arithmetic mean (used until 2026-12-01) left it at half the other model's belief. Measured on
    issue 10's photo kinds, 100 each: 6 more read exactly over the 1,400 photos of seed 0 (form boxes +2,
    pencil +2, dark webcam +1, turned 90 degrees +1) and 3 more over seed 1's (pencil +2, comb +1), none
    fewer; single digits, scenes, video and the line kinds of benchmarks/accuracy.py read the same."""
    product = np.sqrt(np.maximum(line, 1e-6) * np.maximum(classifier, 1e-6))
    return product / product.sum()


def make_digit(p: np.ndarray, box: Box, line_no: int) -> Digit:
    value = int(np.argmax(p))
    return Digit(value, float(p[value]), int_box(box), line_no, np.asarray(p, np.float32))


def digit_distribution(frame: np.ndarray) -> np.ndarray:
    """A frame's posteriors over the 10 digits, renormalized to sum to 1 (float64 [10])."""
    p = np.asarray(frame[:10], np.float64)
    return p / max(float(p.sum()), 1e-12)


def nearest_blob(x: float, boxes: Sequence[Box], config: ReadConfig = DEFAULT_READ) -> int:
    """The blob whose columns hold ``x`` (the nearest one when none does; of several that do, as the
    neighbours of a tilted line overlap in columns, the one whose middle is nearest, leaving out a piece under
    ``config.piece`` of the height of a blob whose box it lies in: a speck inside a touching cluster's box took the
    cluster's first digit, and the digit came out after the cluster's others, '296581' read '965281')."""
    holding = [b for b in boxes if b[0] <= x <= b[0] + b[2]]
    best, best_d = 0, (float("inf"), float("inf"))
    for i, (bx, _, bw, bh) in enumerate(boxes):
        if bx <= x <= bx + bw and any(inside(boxes[i], b) and bh < config.piece * b[3] for b in holding):
            continue
        d = (max(bx - x, x - (bx + bw), 0.0), abs(bx + bw / 2 - x))
        if d < best_d:
            best, best_d = i, d
    return best


def inside(a: Box, b: Box) -> bool:
    """Does box ``a`` lie within box ``b`` (x, y, w, h; edges may touch)?"""
    return b[0] <= a[0] and a[0] + a[2] <= b[0] + b[2] and b[1] <= a[1] and a[1] + a[3] <= b[1] + b[3]


def ink_rows(line: TextLine, columns: tuple[float, float], blob: Box, config: ReadConfig = DEFAULT_READ) -> Box:
    """The box of the line's ink between two image columns, within the blob's box (image pixels)."""
    bx, by, bw, bh = blob
    x0, x1 = max(bx, int(np.floor(columns[0]))), min(bx + bw, int(np.ceil(columns[1])))
    patch, r0 = ink_under(line, (x0, by, x1 - x0, bh))
    rows = np.flatnonzero(patch.max(axis=1) > config.ink_level) if patch.size else np.zeros(0, int)
    if rows.size == 0:
        return (x0, by, max(1, x1 - x0), bh)
    y0 = int(np.floor(line.to_image(0, r0 + rows[0])[1]))
    y1 = int(np.ceil(line.to_image(0, r0 + rows[-1] + 1)[1]))
    return (x0, y0, max(1, x1 - x0), max(1, y1 - y0))


def ink_under(line: TextLine, box: Box) -> tuple[np.ndarray, int]:
    """The line's ink map (float32) under a box (x, y, w, h in the input image's pixels), cut to the map, and the
    map row it starts at."""
    x, y, w, h = box
    c0, r0 = (int(np.floor(v)) for v in line.to_ink(x, y))
    c1, r1 = (int(np.ceil(v)) for v in line.to_ink(x + w, y + h))
    r0, c0 = max(0, r0), max(0, c0)
    return line.ink[r0 : max(r0, r1), c0 : max(c0, c1)], r0


def joined_zeros(
    line: TextLine,
    posteriors: np.ndarray,
    mine: Sequence[Char],
    blob: Box,
    number: bool,
    config: ReadConfig = DEFAULT_READ,
) -> tuple[list[tuple[float, float]], np.ndarray | None]:
    """Zeros written in one stroke, as on a cheque's "3 000": (the blob's loops, left to right, as (first, last)
    image columns (zero_loops); the line model's distribution over the 10 digits for them, float64 [10]), or
    ([], None). ``mine``: the characters the line model read in the blob; ``blob``: its box (x, y, w, h, image px);
    ``posteriors``: the line's, float32 [frames, classes]; ``number``: the line model read digits on this line.

    The line model, trained on MNIST digits that touch but are never joined by a pen, reads such a run two ways:
    - as fewer zeros than its loops, less than ``config.sure``ly ('3000' read '30', 41b9547): a zero a loop, at the
      surest zero's frame;
    - as a word, in a line of digits ('3000' read '3' once blurred, halved or turned 8 degrees): a zero a loop
      when at least two loops, each ``config.loop_hole`` of the blob's height wide, cover ``config.loop_cover`` of
      its width, and the line model's digits at the word's surest frame favour '0'.
    Either way the blob must be ``config.loop_width`` heights wide a loop. Heights are the blob's levelled
    (``levelled_height``): on a line turned 8 degrees, the box of a cheque's "000" is 0.4 of its height taller."""
    _, _, bw, _ = blob
    bh = levelled_height(line, blob)
    numerals = [c for c in mine if c.char in DIGITS]
    if bw < 2 * config.loop_width * bh:
        return [], None
    if numerals and all(c.char == "0" for c in mine):
        if min(c.confidence for c in numerals) >= config.sure:
            return [], None
        loops = zero_loops(line, blob, config)
        if len(loops) <= len(numerals):
            return [], None
        p = digit_distribution(posteriors[max(numerals, key=lambda c: c.confidence).peak])
    elif mine and number and all(c.char == "A" for c in mine):
        loops = zero_loops(line, blob, config)
        if len(loops) < 2 or any(b - a < config.loop_hole * bh for a, b in loops):
            return [], None
        if sum(b - a for a, b in loops) < config.loop_cover * bw:
            return [], None
        p = digit_distribution(posteriors[max(mine, key=lambda c: c.confidence).peak])
        if int(p.argmax()) != 0:
            return [], None
    else:
        return [], None
    if bw < config.loop_width * bh * len(loops):
        return [], None
    return loops, p


def levelled_height(line: TextLine, blob: Box) -> float:
    """A blob's height (image px) with its line's tilt taken out: its box's height ``h`` less what its width ``w``
    climbs at the line's tilt (the angle of ``line.unrotate``, segment.deskew's), ``h - w * tan(tilt)``, and at least
    half of ``h``; ``h`` on a level line. A wide blob on a tilted line has a box taller than its writing."""
    _, _, w, h = blob
    if line.unrotate is None:
        return float(h)
    tilt = abs(float(np.arctan2(line.unrotate[1, 0], line.unrotate[0, 0])))
    return max(0.5 * h, h - w * float(np.tan(tilt)))


def zero_loops(line: TextLine, blob: Box, config: ReadConfig = DEFAULT_READ) -> list[tuple[float, float]]:
    """The loops of a blob's ink, left to right, as (first, last) image columns: the holes of the line's ink map
    above 0.25 under the blob's box (x, y, w, h, image px), each at least ``config.loop_height`` of the ink's
    height, those that share columns taken as one loop (a zero whose stroke crosses itself holds two). Zeros
    written in one stroke, as on a cheque's "3 000", are loops side by side; the line model, trained on MNIST
    digits that touch but are never joined by a pen, read the joined zeros of ../shared/cases/cheque-amount-3000.jpg
    as one '0'."""
    patch, _ = ink_under(line, blob)
    inked = (patch > config.ink_level).view(np.uint8)
    rows = np.flatnonzero(inked.any(axis=1))
    if rows.size == 0:
        return []
    contours, hierarchy = cv2.findContours(inked, cv2.RETR_CCOMP, cv2.CHAIN_APPROX_SIMPLE)
    if hierarchy is None:
        return []
    holes = sorted(
        (x, x + w)
        for contour, (_, _, _, parent) in zip(contours, hierarchy[0])
        if parent >= 0
        for x, _, w, h in [cv2.boundingRect(contour)]
        if h >= config.loop_height * (rows[-1] - rows[0] + 1)
    )
    spans: list[list[int]] = []
    for x0, x1 in holes:
        if spans and x0 < spans[-1][1]:
            spans[-1][1] = max(spans[-1][1], x1)
        else:
            spans.append([x0, x1])
    c0 = int(np.floor(line.to_ink(blob[0], blob[1])[0]))  # the patch's first column in the line's ink
    return [(line.to_image(max(0, c0) + x0, 0)[0], line.to_image(max(0, c0) + x1, 0)[0]) for x0, x1 in spans]


def solid(line: TextLine, blob: Box, config: ReadConfig = DEFAULT_READ) -> bool:
    """Is a blob (its box x, y, w, h in the input image's pixels) a solid dot, no written stroke: its ink's box
    (the line's ink map above 0.25) as wide as tall within ``config.dot_aspect`` and at least ``config.dot_fill``
    inked? A filled disc fills pi / 4 = 0.79 of its box (0.67-0.75 drawn at 11-41 px); a written digit's strokes
    leave its holes and the box's corners: half of MNIST's roundish test digits fill under 0.41."""
    inked = ink_under(line, blob)[0] > config.ink_level
    ys, xs = np.flatnonzero(inked.any(axis=1)), np.flatnonzero(inked.any(axis=0))
    if ys.size == 0:
        return False
    tight = inked[ys[0] : ys[-1] + 1, xs[0] : xs[-1] + 1]  # (the box is padded)
    h, w = tight.shape
    return 1 / config.dot_aspect <= w / h <= config.dot_aspect and float(tight.mean()) >= config.dot_fill


def sideways(
    found, config: ReadConfig = DEFAULT_READ, reading: tuple[list[np.ndarray], list[int]] | None = None
) -> bool:
    """Does the writing look turned a quarter? Its text lines are stacked in a column that shares image columns
    (a line of digits on a page turned 90 degrees): two lines or more, each of one blob or, for a digit broken
    in two, two (most of one), no further apart than ``config.sideways_max_gap`` digit heights
    (``sideways_max_gap_two`` for two lines). Or several lines turned: its blobs make columns
    (``quarter_turned_lines``). ``found``: a detect.Extraction.

    ``reading``: the line model's posteriors of the page as it lies (float32 [T, 17] per text line) and each
    line tensor's width in px, when it has been read. Several lines turned are then looked for only on a page
    read less surely than ``config.sideways_lines_margin`` nats per character below certainty (peak_score is
    at most 0): reader.DigitReader._quarter_turn keeps such a turn only when it reads surer by that margin,
    which a page read within it cannot. A printed form upright (its letters lie flat: issue 10's desk photos,
    60 of 100 looked turned) cost a 12 MP photo two more extractions, about 150 ms, for nothing."""
    lines: dict[int, list[int]] = {}  # each row's blobs (its runs' members: segment.word_runs)
    for line, row in zip(found.text_lines, rows(found.text_lines)):
        lines.setdefault(row, []).extend(line.members)
    if (
        len(lines) >= 2
        and quarter_turned_lines(found.boxes)
        and (reading is None or peak_score(*reading) < -config.sideways_lines_margin)
    ):  # several lines turned: columns
        return True
    if len(lines) < 2 or any(len(members) > 2 for members in lines.values()):
        return False
    if sum(len(members) == 1 for members in lines.values()) * 2 < len(lines):
        return False
    boxes = sorted((box_union([found.boxes[m] for m in members]) for members in lines.values()), key=lambda b: b[1])
    left = max(b[0] for b in boxes)
    right = min(b[0] + b[2] for b in boxes)
    if right - left <= 0.3 * min(b[2] for b in boxes):  # they do not share columns: a scatter, not a column
        return False
    height = float(np.median([b[3] for b in boxes]))
    gap = max(below[1] - (above[1] + above[3]) for above, below in zip(boxes, boxes[1:]))
    return gap <= (config.sideways_max_gap if len(lines) > 2 else config.sideways_max_gap_two) * height


def quarter_turned_lines(boxes: Sequence[Box]) -> int:
    """The text lines that blobs (their boxes, x y w h px) make when the page is read a quarter-turned: their
    boxes transposed and put in reading order (order.reading_order). Their number, when the blobs lie flat
    (their median is wider than tall, as digits on their side are: MNIST's stand 0.3-0.9 as wide as tall) and
    make two lines or more, one of two blobs or more: the lines of a page turned 90 degrees stand as columns
    ('534 / 781' on its side: as it lies, rows of 1, 2 and 3 flat blobs; turned, lines of 3 and 3). 0
    otherwise. Upright digits do not lie flat: of 1,200 upright scenes of benchmarks/accuracy.py (clean and
    photo, 300 each, seeds 0 and 1) 9 pass, and none of them is kept turned."""
    from .order import reading_order

    if len(boxes) < 3 or median_aspect(boxes) <= 1.0:
        return 0
    _, line_of = reading_order([(y, x, h, w) for x, y, w, h in boxes])
    sizes = [line_of.count(n) for n in set(line_of)]
    return len(sizes) if len(sizes) >= 2 and max(sizes) >= 2 else 0


def may_lie_turned(boxes: Sequence[Box], config: ReadConfig = DEFAULT_READ) -> bool:
    """Could quarter_turn_search keep a turn of a page with these blobs (boxes x y w h, px, as it lies)? Only when
    it has ``config.search_min_digits`` blobs or more (a turn kept reads no more digits than the page has blobs)
    and their median is wider than ``config.search_min_aspect`` of its height (upright digits stand narrower,
    digits on their side lie wide). A page that cannot is not read at the two quarter-turns, which cost a 640x480
    frame read unsurely two more extractions: 4 ms became 14-24 ms (printed digits on a webcam frame)."""
    if len(boxes) < config.search_min_digits:
        return False
    return median_aspect(boxes) > config.search_min_aspect


def digit_turn_gain(upright: np.ndarray, turned: np.ndarray) -> float:
    """How much more surely the digit model reads a page's blobs turned a quarter than as they lie, in nats per
    blob: the mean log max-probability of the better quarter-turn minus that as they lie. ``upright``: float [N, 10],
    the digit model's probabilities for the page's N blobs (their 28x28 digits as they lie); ``turned``: float
    [2N, 10], for the same digits turned 90 degrees counter-clockwise, then clockwise (np.rot90's k = 1, then 3).
    Digits on their side read less surely than turned upright, upright ones more surely than on their side; the
    gate before the quarter-turn search (reader.DigitReader._favour_a_quarter_turn). Raises ValueError when the
    shapes do not match."""
    n = len(upright)
    if n == 0 or turned.shape != (2 * n, upright.shape[1]):
        raise ValueError(f"digit_turn_gain: {n} blobs as they lie and {turned.shape[0]} turned (want {2 * n})")
    sure = np.log(np.maximum(np.concatenate([upright, turned]).max(axis=1).astype(np.float64), 1e-12))
    return float(max(sure[n : 2 * n].mean(), sure[2 * n :].mean()) - sure[:n].mean())


def median_aspect(boxes: Sequence[Box]) -> float:
    """The median width / height of blobs (boxes x y w h, px; a height of 0 counts as 1): upright MNIST digits
    stand 0.3-0.9 as wide as tall, on their side they lie 1.1-3.3 wide. Raises ValueError for no boxes."""
    if not boxes:
        raise ValueError("median_aspect of no boxes")
    return float(np.median([w / max(h, 1) for _, _, w, h in boxes]))


def keep_column_turn(
    column: int,
    turned_rows: int,
    digits: int,
    char_count: int,
    surer: float,
    apart: float | None,
    several: int,
    blobs: int,
    config: ReadConfig = DEFAULT_READ,
    upright: float | None = None,
) -> bool:
    """Is a page whose digits are stacked in a column (``sideways``), read turned a quarter (the turn
    reader.DigitReader._quarter_turn picked), to be kept turned?

    ``column``: the column's lines that read as something as it lies (a speck the line model reads as nothing is
    no digit of the column); ``turned_rows``: the rows of writing the turn holds; ``digits`` and ``char_count``:
    how many digits and characters in all the line model reads turned (page_chars); ``surer``: how much more
    surely it reads the turn than the page as it lies (peak_score, nats per character); ``apart``: how far the
    orientation model tells the two quarter-turns apart (log-odds; None without that model); ``several``: the
    lines the page holds turned (quarter_turned_lines; 0 for one column); ``blobs``: the page's blobs as it lies;
    ``upright``: how far the digit-orientation model's votes favour the blobs as they lie (upright_lead, nats; None
    without that model).

    Never kept when the blobs vote upright by ``config.column_upright_margin`` and the turn reads no more digits
    than there are blobs: a column of single digits written upright, whose turn the line model may read more
    surely than an unsure upright digit. (A turned line of touching digits reads more digits than blobs; its
    joined blobs, which the digit-orientation model never saw, may vote upright: '41521' by 13.9.)

    Else kept when the turn is one line of at least as many digits as the column has lines (a broken digit is two
    blobs), or one fewer when the line model reads it over ``config.sideways_sure_margin`` more surely (a '1'
    joined to its neighbour once turned, a speck in the column); and it reads over ``config.sideways_margin``
    more surely, or the orientation model tells the turns apart by ``config.sideways_turn_odds`` and the turn
    reads digits alone, at most ``config.sideways_tolerance`` less surely. Or, for several lines turned, when the
    turn reads as many lines, about a digit a blob (one fewer a line: a broken digit's two blobs read one), over
    ``config.sideways_lines_margin`` more surely."""
    if upright is not None and upright >= config.column_upright_margin and digits <= blobs:
        return False
    enough = digits >= column or (digits >= column - 1 and surer > config.sideways_sure_margin)
    told = (
        apart is not None
        and apart >= config.sideways_turn_odds
        and digits == char_count
        and surer > -config.sideways_tolerance
    )
    if turned_rows == 1 and enough and (surer > config.sideways_margin or told):
        return True
    return (
        bool(several) and turned_rows == several and digits >= blobs - several and surer > config.sideways_lines_margin
    )


class Vote(NamedTuple):
    """A page's vote for the quarter-turn its blobs lie at (turn_vote)."""

    turn: int  # 1 or 3 (counter-clockwise, np.rot90's k: the page reads upright turned 4 - turn more), or 0: none
    lead: float  # nats: how far the turn's summed log-probability leads every other turn's (0.0 for no turn)


def turn_probabilities(probabilities: np.ndarray, caller: str) -> np.ndarray:
    """The digit-orientation model's float [N, 4] for a page's N blobs, as float64. Raises ValueError, naming
    ``caller``, for a shape other than [N, 4] with N >= 1."""
    if probabilities.ndim != 2 or probabilities.shape[1] != 4 or not len(probabilities):
        raise ValueError(f"{caller} takes [N, 4] probabilities of N >= 1 blobs, got {list(probabilities.shape)}")
    return probabilities.astype(np.float64)


def blob_log_votes(probabilities: np.ndarray, caller: str) -> np.ndarray:
    """Each blob's log-probability of each turn, float64 [N, 4], floored at 1e-6 (one blob sure against a turn does
    not veto a page). Raises ValueError as turn_probabilities does."""
    return np.log(np.maximum(turn_probabilities(probabilities, caller), 1e-6))


def turn_vote(probabilities: np.ndarray, config: ReadConfig = DEFAULT_READ) -> Vote:
    """The quarter-turn a page's blobs vote they lie at, or Vote(0, 0.0) for none (upright, upside down, or no
    clear vote). ``probabilities``: the digit-orientation model's float [N, 4] for the page's N blobs (their 28x28
    digits as they lie, detect.Extraction.digits).

    Each blob's log-probabilities (floored at 1e-6: one blob sure against a turn does not veto the page) are summed,
    the votes of a naive-Bayes page; a quarter-turn wins when it leads every other turn by ``config.vote_margin``
    nats and at least ``config.vote_agree`` of the blobs call it on their own (printed letters, which the model never
    saw, scatter their calls; digits on their side agree). Document orientation classification (0 / 90 / 180 / 270
    degrees, as PaddleOCR's), made per digit: a page of two or three digits has little else to go on. Raises
    ValueError for a shape other than [N, 4] with N >= 1."""
    logs = blob_log_votes(probabilities, "turn_vote")
    votes = logs.sum(axis=0)
    second, turn = (int(k) for k in np.argsort(votes)[-2:])
    if turn not in (1, 3):  # (most pages: upright)
        return Vote(0, 0.0)
    lead = float(votes[turn] - votes[second])
    agree = float((logs.argmax(axis=1) == turn).mean())
    return Vote(turn, lead) if lead >= config.vote_margin and agree >= config.vote_agree else Vote(0, 0.0)


def axis_vote(probabilities: np.ndarray, config: ReadConfig = DEFAULT_READ) -> float:
    """How far a page's blobs vote that they lie on their side, one way or the other, when they do not agree which
    way (turn_vote: no quarter-turn wins): the summed log-probability of a quarter-turn (either) less that of
    upright or upside down (nats), when it is at least ``config.vote_margin`` and at least ``config.vote_agree`` of
    the blobs put more probability on the two quarter-turns together than on upright and upside down; else 0.0.
    ``probabilities``: as turn_vote's, float [N, 4].

    The digit-orientation model tells a digit's axis far better than its way: it puts a '1' or an '8' on its side
    at 0.6 / 0.4 between the two quarter-turns (its likeliest mistake: 642 and 764 of the card's 10,000 turned
    test digits), so two such blobs never make a turn_vote. reader.DigitReader reads such a page at both
    quarter-turns and keeps the one the orientation model calls upright. Raises ValueError as turn_vote does."""
    p = turn_probabilities(probabilities, "axis_vote")
    side, flat = np.maximum(p[:, 1] + p[:, 3], 1e-6), np.maximum(p[:, 0] + p[:, 2], 1e-6)  # floored as turn_vote's
    lead = float(np.log(side).sum() - np.log(flat).sum())
    agree = float((side > flat).mean())
    return lead if lead >= config.vote_margin and agree >= config.vote_agree else 0.0


def upright_lead(probabilities: np.ndarray) -> float:
    """How far a page's blobs vote, to the digit-orientation model, that they lie upright rather than a
    quarter-turned (nats: the summed log-probability of upright less the larger of the two quarter-turns', each
    blob's floored at 1e-6 as in turn_vote; negative when a quarter-turn leads). ``probabilities``: the model's
    float [N, 4] for the page's N blobs as they lie (detect.Extraction.digits). Raises ValueError for a shape other
    than [N, 4] with N >= 1."""
    votes = blob_log_votes(probabilities, "upright_lead").sum(axis=0)
    return float(votes[0] - max(votes[1], votes[3]))


def keep_voted_turn(
    lead: float,
    surer: float,
    digit_gain: float,
    digits: tuple[int, int] = (0, 0),
    config: ReadConfig = DEFAULT_READ,
) -> bool:
    """Is a page its blobs voted on their side (turn_vote: ``lead``, nats), read turned upright, to be kept so?
    ``surer``: how much more surely the line model reads the turn than the page as it lies (peak_score, nats per
    character); ``digit_gain``: how much surer the digit model is of the turn's blobs than of the page's as they lie
    (the mean of each blob's top probability, turned minus as it lies); ``digits``: how many digits the line model
    read in the page as it lies and turned.

    Kept when the line model reads the turn more surely; or, on a vote leading by ``config.vote_sure_margin`` or
    more, when the digit model is surer of its blobs by ``config.vote_digit_gain`` (the line model can read digits
    on their side surely as something else: '362 / 95 / 91' on its side read '00' and two words at -0.024 nats per
    character, upright at -0.033; the digit model's mean certainty went from 0.61 to 0.99). Never when the turn
    reads fewer than ``config.vote_keep_share`` of the digits read as it lies: an upright line of touching digits,
    whose wide blobs lie flat like digits on their side, read '1' turned, one sure character ('8998/7994')."""
    as_it_lies, turned = digits
    if turned < config.vote_keep_share * as_it_lies:
        return False
    return surer > 0 or (lead >= config.vote_sure_margin and digit_gain >= config.vote_digit_gain)


def keep_axis_turn(
    surer: float,
    turned_rows: int,
    digits: int,
    char_count: int,
    counts: tuple[int, int] = (0, 0),
    config: ReadConfig = DEFAULT_READ,
) -> bool:
    """Is a page whose blobs agree they lie on their side but not which way (axis_vote), read at the quarter-turn
    reader.DigitReader picked, to be kept so? ``surer``: how much more surely the line model reads the turn than
    the page as it lies (peak_score, nats per character); ``turned_rows``: the rows of writing the turn reads
    something in; ``digits`` and ``char_count``: the digits and characters the line model reads in the turn
    (page_chars); ``counts``: the digits read as it lies and turned.

    Kept when the turn reads as one line of digits and nothing else, at least ``config.search_min_digits`` of
    them, more surely than the page as it lies and losing no more digits than keep_voted_turn allows. A word or a
    printed form whose letters the model puts on their side turns into a column of letters: several rows ('2|9'
    of a word, 2026-12-07: 14 of 14 such turns of seeds 0-1's words and desk photos read in two rows or more, or
    one character)."""
    one_line = turned_rows == 1 and digits == char_count and digits >= config.search_min_digits
    as_it_lies, turned = counts
    return one_line and surer > 0 and turned >= config.vote_keep_share * as_it_lies


def quarter_turn_search(
    peak: float,
    turn_peaks: tuple[float, float],
    turn_odds: tuple[float, float],
    turn_digits: tuple[int, int],
    blobs: int,
    config: ReadConfig = DEFAULT_READ,
) -> int:
    """Is a page read unsurely as it lies the right way up at a quarter-turn? ``peak``: how surely the line model
    reads it as it lies (peak_score, nats per character); ``turn_peaks``, ``turn_odds`` and ``turn_digits``: how
    surely it reads it turned one quarter counter-clockwise and three (np.rot90's k = 1 and 3), the orientation
    model's log-odds that each turn is upside down (orientation.page_log_odds), and how many digits the line
    model reads at each; ``blobs``: the page's blobs as it lies. Returns the turn to read it at: 1 or 3, or 0 (as
    it lies).

    The turn read more surely is kept when it reads surer than the page as it lies by over
    ``config.search_margin``, the orientation model calls it upright against the opposite turn by at least
    ``config.search_odds`` (the two quarter-turns of a page are each other turned 180 degrees, so the model that
    tells 0 from 180 degrees, PaddleOCR's text-direction recipe, vouches for the way up, and the line model for
    the axis), and it reads at least ``config.search_min_digits`` digits, and no more than the page has blobs
    (one digit, or one blob, turned is a different digit as often as not: a '7' on its side reads '7' or '71';
    two printed words on their side read '204').
    Issue 10: "find the page's quarter-turn ... by reading the candidate orientations and keeping the most
    confident"."""
    best = 0 if turn_peaks[0] >= turn_peaks[1] else 1
    surer = turn_peaks[best] - peak > config.search_margin
    told = turn_odds[1 - best] - turn_odds[best] >= config.search_odds
    enough = config.search_min_digits <= turn_digits[best] <= blobs
    return (1, 3)[best] if surer and told and enough else 0


def page_chars(posteriors: list[np.ndarray], widths: list[int]) -> list[Char]:
    """What the line model reads on a page, line after line (greedy CTC). ``posteriors``: float32 [T, 17] per
    line; ``widths``: each line tensor's width in px (its frames: width / STRIDE)."""
    return [c for p, w in zip(posteriors, widths) for c in ctc_greedy(p, w // STRIDE)]


def upside_down(
    posteriors: list[np.ndarray], log_odds: np.ndarray, widths: list[int], config: ReadConfig = DEFAULT_READ
) -> bool:
    """Is a page upside down? ``posteriors``: the line model's output float32 [T, 17] for each of its text lines
    (T = width / 4); ``log_odds``: the orientation model's output for the same lines, float32 [lines, T']
    (rows of a padded batch, T' >= ceil(width / 8)); ``widths``: each line tensor's width in px.

    Yes when the page's log-odds of being turned 180 degrees (its lines' means over their own frames, weighted
    by their widths: orientation.page_log_odds) exceed ``config.flip_log_odds``, and the line model reads at
    least ``flip_min_chars`` characters on it, one of them a digit that tells the way up (2-7, 9: a page of 0, 1
    and 8 alone gives the orientation model little to go on: it needs ``flip_log_odds_symmetric`` then). The
    orientation model is a per-line 0/180 classifier as in PaddleOCR's text-direction stage (see
    orientation.py)."""
    return turned_over(page_chars(posteriors, widths), page_log_odds(log_odds, widths), config)


def turned_over(chars: list[Char], odds: float, config: ReadConfig = DEFAULT_READ) -> bool:
    """``upside_down`` from what it is judged on: ``chars``, what the line model reads on the page (page_chars),
    and ``odds``, the page's log-odds of being turned 180 degrees (orientation.page_log_odds)."""
    read = [c.char for c in chars]
    if len(read) < config.flip_min_chars:  # one or two characters say little about the way up (a 6 is a turned 9)
        return False
    if not ASYMMETRIC_DIGITS.intersection(read):
        return odds > config.flip_log_odds_symmetric
    return odds > config.flip_log_odds


def turn_tolerance(log_odds: float, config: ReadConfig = DEFAULT_READ) -> float:
    """Nats per character a page's turned reading may be less sure than its upright one and still be kept turned,
    given the orientation model's log-odds that the page is turned (``config.turn_tolerance``; at
    ``sure_turn_odds`` or more, ``sure_turn_tolerance``)."""
    return config.sure_turn_tolerance if log_odds >= config.sure_turn_odds else config.turn_tolerance


def keep_turned(
    upright: list[Char],
    upright_peak: float,
    turned: list[Char],
    turned_peak: float,
    odds: float,
    config: ReadConfig = DEFAULT_READ,
) -> bool:
    """Is a page read turned 180 degrees the right way up? ``upright`` and ``turned``: what the line model reads
    on the page as it lies and turned (page_chars); ``*_peak``: how surely (peak_score, nats per character);
    ``odds``: the orientation model's log-odds that the page is turned (orientation.page_log_odds).

    Never for a page of fewer than ``config.flip_min_chars`` characters either way. Yes when the orientation model is
    sure (over ``flip_log_odds``, or ``flip_log_odds_symmetric`` for a page of 0, 1 and 8 alone) and the line model does
    not disagree (turn_tolerance); or when the orientation model leans that way (over 0) and the line model reads the
    turned page far more surely (``unsure_turn_margin``), with no fewer characters and no fewer digits (an upright frame
    of spaced digits read turned as letters and digits is no better reading); or, on a page of ``many_chars`` or more
    as it lies, when the orientation model calls it turned with log-odds of ``many_chars_turn_odds`` or more and the
    line model's turned reading is surer by more than ``many_chars_margin`` nats per character (a negative margin:
    it may be less sure by up to that; the line model reads a worksheet's printed questions upside down, as words,
    more surely than right way up, so on such pages the orientation model decides)."""
    if max(len(upright), len(turned)) < config.flip_min_chars:
        return False
    sure = turned_over(upright + turned, odds, config)  # (its own count of characters holds once the above does)
    if sure and turned_peak >= upright_peak - turn_tolerance(odds, config):
        return True
    many = len(upright) >= config.many_chars and odds >= config.many_chars_turn_odds
    if many and turned_peak - upright_peak > config.many_chars_margin:
        return True
    surer = turned_peak - upright_peak > config.unsure_turn_margin
    return odds > 0 and surer and len(turned) >= len(upright) and digit_count(turned) >= digit_count(upright)


def digit_count(chars: list[Char]) -> int:
    """How many of ``chars`` (lines.ctc_greedy's reading) are digits."""
    return sum(c.char in DIGITS for c in chars)


def peak_score(posteriors: list[np.ndarray], widths: list[int]) -> float:
    """How sure the line model is of the characters it reads on a page: the mean log-probability at their
    CTC peaks over all lines (-inf when it reads none). ``posteriors``: float32 [T, 17] per line; ``widths``:
    each line tensor's width in px. Blank frames, sure either way up, do not dilute it (as a mean over every
    frame would)."""
    peaks = [
        float(np.log(max(float(p[c.peak].max()), 1e-12)))
        for p, w in zip(posteriors, widths)
        for c in ctc_greedy(p, w // STRIDE)
    ]
    return float(np.mean(peaks)) if peaks else float("-inf")


def blob_frames(line: TextLine, frames: int, x: float, width: float) -> slice:
    """The line model's frames whose centres fall in the image columns [x, x + width] (may be empty)."""
    inside = [t for t in range(frames) if x <= line.frame_x(sum(line.fitted.crop_columns(t, t + 1)) / 2) <= x + width]
    return slice(inside[0], inside[-1] + 1) if inside else slice(0, 0)


def favours_one(
    line: TextLine,
    posteriors: np.ndarray,
    frames: int,
    blob: Box,
    split: Sequence[str],
    classifier: np.ndarray,
    odds: float | None = None,
    config: ReadConfig = DEFAULT_READ,
    start: int | None = None,
) -> bool:
    """Do both models together favour one digit in ``blob`` over the characters ``split`` the line model read
    in it: ``one_digit_odds`` over the line's first ``frames`` frames (those of its own width) whose centres fall
    in the blob's columns, and from frame ``start`` on (the first frame of those characters) when that is
    earlier, above ``odds`` (log-odds; None: ``config.split_odds``)? False when no frame falls in the blob.

    The line model peaks a character early: a '1' touching an '8' on its right peaked 6 px left of the pair's box,
    the split had no frame for it, and one '8' won ('180' read '80'). Frames right of the blob are not taken in:
    there they added '1's that were form lines (issue 10's comb fields, '847' read '8471')."""
    odds = config.split_odds if odds is None else odds
    over = blob_frames(line, frames, blob[0], blob[2])
    if start is not None and over.stop > over.start:
        over = slice(min(start, over.start), over.stop)
    return over.stop > over.start and one_digit_odds(posteriors[over], split, classifier, config) > odds


def one_digit_odds(
    posteriors: np.ndarray, split: Sequence[str], classifier: np.ndarray, config: ReadConfig = DEFAULT_READ
) -> float:
    """Log-odds that a blob holds one digit rather than the digits ``split`` the line model read in it.

    posteriors: float [T, 17], the line model's frames over the blob; classifier: float [10], the digit model's
    probabilities for the blob. One digit d scores log P_ctc(d) + log p_digit(d) (the best d); the split scores log
    P_ctc(split) + log(1 - max p_digit): the digit model's doubt (at least ``config.doubt_floor``) is the only word it
    has on "not one digit". P_ctc is the CTC probability of a label sequence over the frames (the forward algorithm,
    Graves et al. 2006, "Connectionist Temporal Classification", section 4.1).
    """
    logp = np.log(np.maximum(np.asarray(posteriors, np.float64), 1e-12))
    p = np.asarray(classifier, np.float64)
    single = max(ctc_log_likelihood(logp, [d]) + np.log(max(p[d], 1e-12)) for d in range(10))
    several = ctc_log_likelihood(logp, [ALPHABET.index(c) for c in split]) + np.log(
        max(1.0 - p.max(), config.doubt_floor)
    )
    return float(single - several)


def drop_stray_marks(digits: list[Digit], config: ReadConfig = DEFAULT_READ) -> list[Digit]:
    """The page's digits (any order; ``line`` numbers them) without the stray marks: a line's only digit,
    shorter than ``config.stray_height`` of the digits on the page's lines of two digits or more, or a '1' as wide as
    tall (``diagonal``: ../shared/cases/desk-photo-86569.jpg's pen tip); none dropped when the page has no
    such line."""
    lines: dict[int, list[Digit]] = {}
    for d in digits:
        lines.setdefault(d.line, []).append(d)
    numbers = [d.box[3] for members in lines.values() if len(members) >= 2 for d in members]
    if not numbers:
        return digits
    height = float(statistics.median(numbers))  # np.median's value for ints, without its 10 us of overhead
    return [
        d for d in digits if len(lines[d.line]) >= 2 or not (d.box[3] < config.stray_height * height or diagonal(d))
    ]


def diagonal(d: Digit) -> bool:
    """A '1' as wide as it is tall: a straight stroke at 45 degrees or flatter (a pen's edge, a slash), which
    no handwritten 1 is (a 1 slanted 30 degrees is 0.6 as wide as tall)."""
    return d.value == 1 and d.box[2] >= 0.9 * d.box[3]
