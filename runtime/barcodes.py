"""Printed 1-D barcodes among the blobs: a run of straight upright bars side by side, level at top and bottom.

A linear barcode (EAN/UPC, Code 128: ISO/IEC 15417) is bars and spaces 1-4 modules wide, every bar as tall as
the others. Each bar is a blob, and the digit model reads each as a ``1``: a new user's label read
``111111111111111111111111111`` above its handwritten ``428``. Handwriting never puts ``barcode_bars`` straight
strokes or more side by side, their tops and their bottoms level to a few percent of their height, each closer
to the next than half that height; printed ``1``s have a flag and a foot, which a bar has not.

    blobs = drop_barcodes(blobs)        # segment.candidates, once the form lines are erased

Pure functions on the blobs' boxes and ink areas (blobs.Blob); no pixels are read.
"""

from __future__ import annotations

from .blobs import Blob
from .config import DEFAULT, DetectConfig


def is_bar(blob: Blob, config: DetectConfig = DEFAULT) -> bool:
    """A straight upright stroke or a solid upright block: at least ``2 * min_height`` px tall, no wider than
    tall, and its box no wider than its mean row of ink (``area / h``) by more than ``barcode_lean`` of its
    height plus 1 px (a bar photographed up to about 5 degrees off upright; a handwritten or printed ``1`` leans,
    or has a flag and a foot)."""
    if blob.h < 2 * config.min_height or blob.w > blob.h:
        return False
    return blob.w - blob.area / blob.h <= config.barcode_lean * blob.h + 1


def barcode_runs(blobs: list[Blob], config: DetectConfig = DEFAULT) -> list[list[int]]:
    """The barcodes among ``blobs``: each a list of the indices of its bars, left to right. A barcode is a run of
    at least ``barcode_bars`` bars (is_bar), each one's top and bottom within ``barcode_level`` of the run's
    height (its first bar's), plus 1 px, of the last bar's, and no further from it than ``barcode_gap`` of that
    height (Code 128's widest space is 4 modules; its bars are 10 modules tall or more). Bar to bar, so that the
    tops and the bottoms of a barcode photographed askew may drift along it."""
    bars = sorted((i for i, b in enumerate(blobs) if is_bar(b, config)), key=lambda i: blobs[i].x)
    runs: list[list[int]] = []
    used: set[int] = set()
    for start in bars:
        if start in used:
            continue
        first = blobs[start]
        tolerance, reach = config.barcode_level * first.h + 1, config.barcode_gap * first.h  # +1: box rounding
        run, last = [start], first
        for i in bars:
            b = blobs[i]
            if i in used or 2 * b.x + b.w <= 2 * last.x + last.w:  # not right of it (a tilt makes boxes overlap)
                continue
            if b.x - (last.x + last.w) > reach:
                break
            if abs(b.y - last.y) <= tolerance and abs(b.y + b.h - last.y - last.h) <= tolerance:
                run.append(i)
                last = b
        if len(run) >= config.barcode_bars:
            run = extended(run, blobs, used, config)
            runs.append(run)
            used.update(run)
    return runs


def extended(run: list[int], blobs: list[Blob], used: set[int], config: DetectConfig = DEFAULT) -> list[int]:
    """A barcode's ``run`` of bars (indices into ``blobs``, left to right) with the blobs beside either end that
    span the end bar's rows (but ``barcode_level`` of its height, plus 1 px, at either end), are at most
    ``barcode_end_height`` times as tall, and
    lie within ``barcode_gap`` of its height of it, whatever their shape, one after another: bars that blur or a
    tilt joined into a block, or that lean further than is_bar allows, at a barcode's ends (they read '1' beside
    it). A box turned a few degrees is taller than its bar: hence spanning, not level."""
    run = list(run)
    free = [i for i in range(len(blobs)) if i not in used and i not in run]
    grown = True
    while grown:
        grown = False
        for side in (0, -1):
            end = blobs[run[side]]
            tolerance, reach = config.barcode_level * end.h + 1, config.barcode_gap * end.h
            for i in free:
                b = blobs[i]
                beyond = 2 * b.x + b.w < 2 * end.x + end.w if side == 0 else 2 * b.x + b.w > 2 * end.x + end.w
                gap = end.x - (b.x + b.w) if side == 0 else b.x - (end.x + end.w)
                spans = (
                    b.y <= end.y + tolerance
                    and b.y + b.h >= end.y + end.h - tolerance
                    and b.h <= config.barcode_end_height * end.h
                )
                if beyond and spans and gap <= reach:
                    run = [i, *run] if side == 0 else [*run, i]
                    free.remove(i)
                    grown = True
                    break
    return run


def drop_barcodes(blobs: list[Blob], config: DetectConfig = DEFAULT) -> list[Blob]:
    """``blobs`` without the barcodes' bars (barcode_runs), nor any blob lying wholly within a barcode's box
    (a bar broken in two by the binarization, a speck between bars). ``blobs`` itself when there is none."""
    runs = barcode_runs(blobs, config)
    if not runs:
        return blobs
    boxes = []
    for run in runs:
        x0, y0 = min(blobs[i].x for i in run), min(blobs[i].y for i in run)
        x1, y1 = max(blobs[i].x + blobs[i].w for i in run), max(blobs[i].y + blobs[i].h for i in run)
        boxes.append((x0, y0, x1, y1))
    dropped = {i for run in runs for i in run}
    return [
        b
        for i, b in enumerate(blobs)
        if i not in dropped
        and not any(x0 <= b.x and y0 <= b.y and b.x + b.w <= x1 and b.y + b.h <= y1 for x0, y0, x1, y1 in boxes)
    ]
