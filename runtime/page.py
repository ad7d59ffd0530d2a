"""Find the page: the region of a photo that holds the writing, so that a desk, a border or a dark surround
never decides polarity or thresholds. NumPy and OpenCV; pure functions on arrays.

    region = find_page(gray)        # Page(box, fill) or None when the whole frame is the page
    gray, sheet = isolate(gray, region)  # the page alone: cropped, the surround (desk) painted with paper;
                                         # sheet: bool mask of the sheet's own pixels (None: all of them)

Four things are looked for, on a small copy of the image, in this order:

1. A canvas (``canvas_border``): an image pasted on a flat colour without any grain, on two sides or more (a
   slide, a document, a video's letterbox bars). The image inside it is cut out, and its page found as if it had
   been given alone.
2. A canvas round an image pasted turned (``turned_canvas``: an image editor's rotate fills the corners it
   uncovers with one colour): the flat canvas flooded in from the frame's edge, and inside it a rectangular
   picture with grain, in a sharp step. Everything outside the picture's convex hull is painted its
   paper, and a sheet, or a mat of its own, looked for inside it. A bold glyph drawn big on a flat ground (a
   marker's '1' at 200 px) passes these tests too: such a picture is ``Page.pasted``, and the reader reads the
   whole frame when nothing is written inside it (detect.extract).
3. A sheet on a surround (paper on a desk, a lit card in a dark room), on the whole frame: Otsu's threshold
   splits light from dark; the largest light region is a page when it is a large share of the frame but
   leaves a broad surround outside its convex hull (a sheet turned on the desk may touch all four edges and
   leave the desk in two corners or more; one dark region there is a shadow), is compact (it fills most of
   its convex hull), and its edge is a steep step (uneven light is not). Its bounding box is cropped and
   everything outside its convex hull is painted the page's median brightness, so the desk is gone before
   the ink is judged.
4. Failing that, a flat border (a mat, a scanner's margin, a frame of a different shade): outer rows and
   columns that are uniform and differ from what lies inside them are cut off, and a sheet is looked for
   inside what is left (a dark desk's even strip along one side is such a border).

The thresholds are DetectConfig's (config.py: ``page_size`` to ``sheet_edge``).
"""

from __future__ import annotations

from typing import NamedTuple

import cv2
import numpy as np

from .blobs import frame_edge, label_counts, labels_near, largest_component
from .config import DEFAULT, DetectConfig
from .ink import shrink


class Page(NamedTuple):
    box: tuple[int, int, int, int]  # x, y, w, h in the input image's pixels
    hull: np.ndarray | None  # int32 [K, 1, 2]: the sheet's convex hull in the input's pixels (None: a border)
    paper: float  # the sheet's median brightness, 0-255
    pasted: bool = False  # found in an image pasted turned on a canvas (turned_canvas), or that image itself: it
    #   may be a bold glyph drawn on the canvas instead (detect.extract reads the whole frame when the page holds
    #   no writing)


def find_page(gray: np.ndarray, config: DetectConfig = DEFAULT) -> Page | None:
    """uint8 gray [H, W] -> the page inside the frame, or None when the frame itself is the page.

    A sheet is only looked for in images whose shorter side is at least ``config.sheet_min_side`` px: a smaller
    image is a crop of the writing, where a light blob is part of a digit. Up to ``config.turned_canvas_depth``
    images pasted turned on a canvas, one inside the other, are cut out (turned_canvas)."""
    return _find_page(gray, config, config.turned_canvas_depth)


def shifted(within: Page, x: int, y: int, hull: np.ndarray | None = None) -> Page:
    """A page found inside a crop whose top-left corner is (``x``, ``y``) px in the frame -> the same page in the
    frame's pixels: its box moved, its hull moved too, or ``hull`` (the crop's own, in the frame's pixels, or
    None) when it has none."""
    inner = within.hull + np.array([x, y], np.int32) if within.hull is not None else hull
    return Page((within.box[0] + x, within.box[1] + y, *within.box[2:]), inner, within.paper)


def _find_page(gray: np.ndarray, config: DetectConfig, turned: int) -> Page | None:
    """find_page, looking for up to ``turned`` images pasted turned on a canvas, one inside the other."""
    small = shrink(gray, config.page_size, config=config)
    sy, sx = gray.shape[0] / small.shape[0], gray.shape[1] / small.shape[1]
    # An image pasted on a canvas is cut out first (its own shaded end may pass for a desk), and its page found as
    # if it had been given alone: a photo with a border of its own, pasted on a slide.
    canvas = canvas_border(small, config, gray)
    if canvas is not None:
        cx, cy, cw, ch = scale_box(canvas, sx, sy, gray.shape)
        within = _find_page(gray[cy : cy + ch, cx : cx + cw], config, config.turned_canvas_depth)
        if within is None:
            x0, y0, w0, h0 = canvas
            return Page((cx, cy, cw, ch), None, float(np.median(small[y0 : y0 + h0, x0 : x0 + w0])))
        return shifted(within, cx, cy)
    big = min(gray.shape) >= config.sheet_min_side  # (a smaller image is a crop of the writing, as for a sheet)
    pasted_turned = turned_canvas(small, config, gray) if turned > 0 and big else None  # the canvas in its corners
    if pasted_turned is not None:
        box, hull, paper, edge, mat = pasted_turned
        hull = np.round(hull.astype(np.float64) * (sx, sy)).astype(np.int32)
        pasted = Page(scale_box(box, sx, sy, gray.shape), hull, paper)
        # A sheet inside it (a photo of a card on a desk) is looked for with the canvas painted as the image's own
        # edge, as if the image had been given alone (painted as its median, a photo's shaded end passed for a desk)
        crop, _ = isolate(gray, pasted._replace(paper=edge), config)
        deeper = turned - 1 if mat else 0  # (an image pasted on its own mat; not inside an image with grain)
        within = _find_page(crop, config, deeper) if min(crop.shape) >= config.page_min_side else None
        if within is None:
            return pasted._replace(pasted=True)
        # a sheet or a border inside the pasted image (a photo of a card on a desk):
        return shifted(within, *pasted.box[:2], hull=hull)._replace(pasted=True)
    # A sheet on a surround is looked for on the whole frame first: a lit sheet whose dark side strip passes for a
    # flat border fills nearly all of that border's inside, too much of it to be told from it.
    x0 = y0 = 0
    sheet = find_sheet(small, config) if min(gray.shape) >= config.sheet_min_side else None
    inner = flat_border(small, config) if sheet is None else None  # (not needed when a sheet was found)
    if sheet is None and inner is not None:
        # A sheet may lie inside a flat border too: a dark desk's even strip along one side is such a border.
        x0, y0, w0, h0 = inner
        big_enough = min(h0 * sy, w0 * sx) >= config.sheet_min_side
        sheet = find_sheet(small[y0 : y0 + h0, x0 : x0 + w0], config) if big_enough else None
    if sheet is not None:
        (x, y, w, h), hull, paper = sheet
        hull = np.round((hull.astype(np.float64) + (x0, y0)) * (sx, sy)).astype(np.int32)
        return Page(scale_box((x + x0, y + y0, w, h), sx, sy, gray.shape), hull, paper)
    if inner is not None:
        x0, y0, w0, h0 = inner
        box = scale_box(inner, sx, sy, gray.shape)
        return Page(box, None, float(np.median(small[y0 : y0 + h0, x0 : x0 + w0])))
    return None


def isolate(gray: np.ndarray, page: Page, config: DetectConfig = DEFAULT) -> tuple[np.ndarray, np.ndarray | None]:
    """The page alone: (``gray`` cropped to the page's box with the pixels outside its hull set to its paper,
    the sheet's own pixels: bool [h, w] of the crop, None when the page has no hull: all of it is sheet). The
    hull's outline is taken off first, ``config.sheet_edge`` of the crop's shorter side (at least 7 px).

    The painted surround is flat: statistics of the paper's grain (the ink map's noise floor) must be taken
    on the sheet alone (``ink.ink_map``'s ``sheet``), or a dark frame's noise passes for ink."""
    x, y, w, h = page.box
    crop = gray[y : y + h, x : x + w]
    if page.hull is None:
        return crop, None
    mask = np.zeros(crop.shape, np.uint8)
    cv2.fillConvexPoly(mask, page.hull - np.array([x, y], np.int32), 1)
    edge = max(7, round(config.sheet_edge * min(crop.shape))) | 1
    mask = cv2.erode(mask, np.ones((edge, edge), np.uint8))  # the sheet's own edge (shadowed, blurred) goes too
    out = np.full(crop.shape, int(round(page.paper)), np.uint8)
    sheet = mask.astype(bool)
    np.copyto(out, crop, where=sheet)
    return out, sheet


def across_edge(labels: np.ndarray, sheet: np.ndarray) -> np.ndarray:
    """How much of the sheet's edge each connected component covers: int64 [count] over the labels of
    ``labels`` (int32 [H, W], 0 the background, counted 0), the pixels of the outline of ``sheet`` (bool [H, W],
    the sheet's own pixels, ``isolate``; outside it the surround is painted flat, so ink crossing the edge ends
    on it) that each label holds. A pen lying from the desk onto the sheet covers its own width there (issue
    10: "pen-shaped regions give no digits"; a pen's end piece read as ``2`` on desk photos); a digit's stroke
    that a sheet found too tight cuts covers a stroke's width. The image's own border is no edge of the sheet:
    a page cut by the frame keeps the writing at its border."""
    return label_counts(labels, outline_of(sheet, border=False))


def along_edge(labels: np.ndarray, sheet: np.ndarray, reach: int) -> np.ndarray:
    """How many of each connected component's pixels lie within ``reach`` px of the outline of ``sheet`` (bool
    [H, W], the sheet's own pixels, ``isolate``), on either side: int64 [count] over the labels of ``labels``
    (int32 [H, W], 0 the background, counted 0). The image's border counts as an edge: the crop of a page
    (``isolate``) is its box, so the sheet meets it there (a card's corner), and a blob lying along the border of
    a page cut by the frame is a sliver of a stroke, nothing to read."""
    return labels_near(labels, outline_of(sheet, border=True).view(np.uint8), 2 * reach + 1)


def outline_of(sheet: np.ndarray, border: bool) -> np.ndarray:
    """The outline of ``sheet`` (bool [H, W]): its pixels with a neighbour outside it, bool [H, W]; ``border``:
    whether the image's border counts as outside."""
    kernel = np.ones((3, 3), np.uint8)
    if border:
        inner = cv2.erode(sheet.view(np.uint8), kernel, borderType=cv2.BORDER_CONSTANT, borderValue=0)
    else:
        inner = cv2.erode(sheet.view(np.uint8), kernel, borderType=cv2.BORDER_REPLICATE)
    return sheet & (inner == 0)


def flat_border(small: np.ndarray, config: DetectConfig = DEFAULT) -> tuple[int, int, int, int] | None:
    """The box inside a flat border (x, y, w, h in ``small``'s pixels), or None when there is none: rows
    (columns) at most ``config.border_flat_sd`` uneven, at least ``border_step`` from the band inside them and
    from what they frame (the median of the image's middle half each way, on every 4th pixel). The band alone was
    fooled by a printed box cut out with the paper round it: the margin is flat and the box's wall just inside it
    is dark, but what the wall frames is the margin's paper (a new user's answer boxes with 8 px of paper round a
    5 px frame: the border cut through the box, and '844' read nothing)."""
    h, w = small.shape
    if min(h, w) < 16:
        return None
    cuts = []
    for axis_rows in (small, small[::-1], small.T, small.T[::-1]):  # top, bottom, left, right
        (n, m), limit = axis_rows.shape, axis_rows.shape[0] // 4  # a border is at most a quarter of the image
        cut = flat_rows(axis_rows, limit, config)
        if cut:
            border = float(axis_rows[:cut].mean())
            band = axis_rows[cut : cut + max(2, axis_rows.shape[0] // 20)]
            inside = axis_rows[n // 4 : n - n // 4 : 4, m // 4 : m - m // 4 : 4]  # (borders are at most a quarter)
            if min(abs(border - float(np.median(part))) for part in (band, inside)) < config.border_step:
                cut = 0  # a plain margin of the paper itself (or round a printed box on it), not a border
        cuts.append(cut + 2 if cut else 0)  # and the border's blurred edge
    top, bottom, left, right = cuts
    if not any(cuts):
        return None
    return (left, top, w - left - right, h - top - bottom)


def canvas_border(
    small: np.ndarray, config: DetectConfig = DEFAULT, gray: np.ndarray | None = None
) -> tuple[int, int, int, int] | None:
    """The box inside a canvas (x, y, w, h in ``small``'s pixels), or None: an image pasted on a flat colour (a
    slide, a document, a video's letterbox or pillarbox bars). ``gray``: the image ``small`` is a reduced copy of
    (uint8 [H, W]), or None. A canvas is (canvas_runs, then pasted_image):

    - two sides or more of rows (columns) of one level without any grain (std at most ``config.canvas_sd``), as
      deep as they go; the middle row of each is checked in ``gray`` too, whole (a reduced copy averages a
      photographed desk's grain away: a desk of sd 2 is 0.6 at a third of its size; a canvas stays flat);
    - framing an image of ``config.canvas_min_side`` px or more both ways (not the box of a thin stroke);
    - whose median, and the median of its own edge (its outermost rows and columns), differ from the canvas's
      level by ``config.canvas_step`` or more (a clean scan's margin is its paper; a digit drawn on a flat
      ground is framed by the box of its ink, whose edge is mostly that ground);
    - with at most ``config.canvas_ground`` of that edge at the canvas's level (a '1' on a flat ground fills
      most of its box's edge; the ground shows between), and at most that share of the image flat at that level
      (printed boxes on clean paper, framed by their outline);
    - and at most ``config.canvas_flat`` of the image flat at one level (within 2): a photo has grain or a
      gradient; a drawing's solid strokes, a clean drawing or a clean page are left to find_sheet and
      flat_border, as before. These two flatness checks are made on the image at full size (``gray``, a strided
      sample), where a photo's grain is whole.

    Why: flat_border judges each side by the band just inside it, across the whole image, and allows a quarter
    of the image. A photo pasted small in the middle of a canvas (a new user's trial: samples/photo_2026.jpg,
    paper 180-205 with a shaded end at 114, in 640x480 of grey 128 to 230) was framed by bands that were mostly
    canvas, or its shaded end passed for the desk around a sheet, and read '026', '7' or nothing."""
    found = canvas_runs(small, config, gray)
    if found is None:
        return None
    (top, bottom, left, right), level = found
    h, w = small.shape
    if not pasted_image(small, (top, h - bottom, left, w - right), level, config, gray):
        return None
    top, bottom, left, right = (run + 1 if run else 0 for run in (top, bottom, left, right))  # and the copy's
    return (left, top, w - left - right, h - top - bottom)  # pixel mixing the canvas and the image


def turned_canvas(
    small: np.ndarray, config: DetectConfig = DEFAULT, gray: np.ndarray | None = None
) -> tuple[tuple[int, int, int, int], np.ndarray, float, float, bool] | None:
    """An image pasted turned on a flat canvas (a photo turned in an image editor, whose corners it fills with
    white; a print scanned askew on a scanner's lid; a turned picture on a slide): (its box x, y, w, h and its
    convex hull int32 [K, 1, 2], in ``small``'s pixels; its median grey; that of its own edge; whether that edge
    is flat: a mat of its own), or None. ``gray``: the image ``small`` is a reduced copy of (uint8 [H, W]), or
    None. canvas_border finds an image pasted upright (flat rows and columns); turned, each row holds canvas and
    image, and the canvas's corners decided the ink map's polarity and contrast
    (benchmarks/robustness.py: ../shared/cases/white-border-2026.png turned 8 degrees read '6'). The canvas is
    flat_canvas's, the image pasted_picture's."""
    found = flat_canvas(small, config, gray)
    return None if found is None else pasted_picture(small, *found, config, gray)


def flat_canvas(
    small: np.ndarray, config: DetectConfig = DEFAULT, gray: np.ndarray | None = None
) -> tuple[np.ndarray, float] | None:
    """turned_canvas's canvas: (bool [h, w] of ``small``, its grey level), or None. The pixels within
    ``2 * config.canvas_sd`` of the level of the frame's outermost pixels (their median, in ``gray`` when
    given), joined to the frame's edge, on two sides or more; at least ``config.turned_canvas_ring`` of the
    outermost pixels lie within ``canvas_sd`` of it (most frames end here: a photo's edge has grain, a webcam's
    noise). In ``gray``, as grain_sample samples it, the canvas (off its edge) is flat within ``canvas_sd``
    (std), as canvas_runs asks of a canvas's rows: a reduced copy smooths a desk's grain away."""
    h, w = small.shape
    if min(h, w) < 16:
        return None
    whole = small if gray is None else gray  # (in full size: a webcam's noise, averaged away in small, is there)
    ring = frame_edge(whole)
    level = float(np.median(ring))
    if (
        np.count_nonzero(np.abs(ring.astype(np.float32) - level) <= config.canvas_sd)
        < config.turned_canvas_ring * ring.size
    ):
        return None
    near = 2 * config.canvas_sd  # (the reduced copy mixes the canvas with what lies beside it)
    flat = (np.abs(small.astype(np.float32) - level) <= near).view(np.uint8)
    count, labels = cv2.connectedComponents(flat, connectivity=4)
    joined = np.zeros(count, bool)  # the flat pieces that reach the frame's edge
    joined[frame_edge(labels)] = True
    joined[0] = False
    canvas = joined[labels]
    sides = sum(bool(side.any()) for side in (canvas[0], canvas[-1], canvas[:, 0], canvas[:, -1]))
    if sides < 2:
        return None
    if gray is not None:
        inside = cv2.erode(canvas.view(np.uint8), np.ones((5, 5), np.uint8))
        sample = grain_sample(gray, small.shape, (0, h, 0, w))
        mask = cv2.resize(inside, (sample.shape[1], sample.shape[0]), interpolation=cv2.INTER_NEAREST) > 0
        if not mask.any() or float(sample[mask].std()) > config.canvas_sd:
            return None
    return canvas, level


def pasted_picture(
    small: np.ndarray, canvas: np.ndarray, level: float, config: DetectConfig = DEFAULT, gray: np.ndarray | None = None
) -> tuple[tuple[int, int, int, int], np.ndarray, float, float, bool] | None:
    """turned_canvas's image inside a ``canvas`` (bool [h, w] of ``small``) of grey ``level``: as turned_canvas
    returns it, or None. The biggest piece of the rest, at least ``config.canvas_min_side`` px both ways and
    ``config.min_page`` of the frame;
    - at most ``config.turned_canvas_frame`` of its outline on the frame's edge (the canvas around it, not in the
      corners of a frame that fills it: a dark webcam frame's corners clipped black);
    - filling at least ``config.turned_canvas_fill`` of its minimum-area rectangle, whose shorter side is at
      least ``config.turned_canvas_aspect`` of its longer (a picture is a rectangle; a digit drawn big is not);
    - its median and its own edge differing from ``level`` by ``config.canvas_step`` or more (a form's box on
      clean paper holds the paper), in a step as steep as a sheet's edge (``config.edge_steepness``);
    - in ``gray``, a picture (a_picture: not printed boxes on the canvas's paper, nor a bold glyph's strokes)."""
    h, w = small.shape
    rest = (~canvas).view(np.uint8)
    if np.count_nonzero(rest) < config.min_page * small.size:
        return None  # no room for an image: a blank page, a webcam's noise
    count, pieces, stats, _ = cv2.connectedComponentsWithStats(rest, connectivity=8)
    if count < 2:
        return None
    biggest = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    x, y, bw, bh, area = (int(v) for v in stats[biggest])
    if min(bw, bh) < config.canvas_min_side or area < config.min_page * small.size:
        return None  # a stroke or a glyph on a flat ground
    image = (pieces == biggest).view(np.uint8)
    contours, _ = cv2.findContours(image, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    outline = max(contours, key=cv2.contourArea)
    xs, ys = outline[:, 0, 0], outline[:, 0, 1]
    if np.count_nonzero((xs == 0) | (ys == 0) | (xs == w - 1) | (ys == h - 1)) > config.turned_canvas_frame * len(xs):
        return None  # the canvas only in the corners: a frame whose corners are clipped dark (a webcam's vignette)
    (_, _), (side_a, side_b), _ = cv2.minAreaRect(outline)
    if area < config.turned_canvas_fill * max(side_a * side_b, 1.0) or min(side_a, side_b) < (
        config.turned_canvas_aspect * max(side_a, side_b)
    ):
        return None  # a picture is a rectangle, not too narrow: a digit drawn big on the canvas is neither
    paper = masked_median(small, image)
    if abs(paper - level) < config.canvas_step:
        return None  # a page's own margin (a form's box on clean paper holds the paper)
    inner = cv2.erode(image, np.ones((3, 3), np.uint8))  # (its outermost pixels mix it with the canvas)
    rim = (inner - cv2.erode(inner, np.ones((3, 3), np.uint8))) > 0
    edge = masked_median(small, rim.view(np.uint8)) if rim.any() else paper
    if abs(edge - level) < config.canvas_step:
        return None  # no step at its edge: nothing pasted there
    # The step is sharp, as find_sheet asks of a sheet's edge: a dark room's light fades into black clipped flat
    # (issue 10's dark webcam frames, seeds 0-1: 35 of 200 framed by such a 'canvas', rising 0.01-0.04 of the step
    # per px along it; images pasted turned, of those kinds: 0.2, 95% above 0.15)
    border = canvas & (cv2.dilate(rest, np.ones((3, 3), np.uint8)) > 0)  # the canvas's pixels next to the image
    border[:2], border[-2:], border[:, :2], border[:, -2:] = False, False, False, False
    gy, gx = np.gradient(cv2.GaussianBlur(small, (3, 3), 0).astype(np.float32))
    if not border.any() or np.median(np.hypot(gx[border], gy[border])) < config.edge_steepness * abs(edge - level):
        return None
    if gray is not None and not a_picture(gray, small.shape, image, (x, y, bw, bh), level, config):
        return None  # printed boxes on clean paper, or solid strokes (a bold '0' drawn on white: its loop filled)
    # a flat edge: a mat of its own (a photo with a white border, pasted turned), inside which it may be pasted too
    flat_rim = np.count_nonzero(np.abs(small[rim].astype(np.float32) - edge) <= 2 * config.canvas_sd)
    mat = bool(flat_rim >= config.turned_canvas_ring * np.count_nonzero(rim))
    return (x, y, bw, bh), cv2.convexHull(outline), paper, edge, mat


def a_picture(
    gray: np.ndarray,
    shape: tuple[int, ...],
    region: np.ndarray,
    box: tuple[int, int, int, int],
    level: float,
    config: DetectConfig = DEFAULT,
) -> bool:
    """Is the part of ``gray`` under ``region`` (uint8 0/1 [h, w] of its reduced copy of ``shape``; ``box`` its
    x, y, w, h there) a picture, not a drawing on the canvas's own ground? pasted_image's last two tests, on a
    region instead of a box: at most ``config.canvas_ground`` of it flat (3x3 sd under ``canvas_sd``) at the
    canvas's grey ``level`` (within 2 canvas_sd: printed boxes on clean paper hold that paper), and at most
    ``config.turned_canvas_flat`` of it flat at any one level (within 2: a photo has grain; a bold glyph's solid
    strokes do not)."""
    x, y, w, h = box
    sample = grain_sample(gray, shape, (y, y + h, x, x + w))
    size = (sample.shape[1], sample.shape[0])
    inside = cv2.resize(region[y : y + h, x : x + w], size, interpolation=cv2.INTER_NEAREST) > 0
    pixels = sample.astype(np.float32)
    spread = cv2.blur(pixels * pixels, (3, 3)) - cv2.blur(pixels, (3, 3)) ** 2
    flat = (spread <= config.canvas_sd**2) & inside
    count = max(int(np.count_nonzero(inside)), 1)
    if np.count_nonzero(flat & (np.abs(pixels - level) <= 2 * config.canvas_sd)) > config.canvas_ground * count:
        return False
    common = np.convolve(np.bincount(sample[flat], minlength=256), np.ones(5), "same").max()
    return bool(common <= config.turned_canvas_flat * count)


def canvas_runs(
    small: np.ndarray, config: DetectConfig = DEFAULT, gray: np.ndarray | None = None
) -> tuple[tuple[int, int, int, int], float] | None:
    """canvas_border's first test: the depths (px of ``small``: top, bottom, left, right; 0 where there is none) of
    flat rows and columns of one level on two sides or more, with something between them, and that level
    (grey, 0-255); or None."""
    h, w = small.shape
    if min(h, w) < 16:
        return None
    outermost = (small[0], small[-1], small[:, 0], small[:, -1])  # (cv2's std: 6 us for the four, NumPy's 23)
    if sum(cv2.meanStdDev(line)[1][0, 0] <= config.canvas_sd for line in outermost) < 2:  # most frames end here
        return None
    sides = (small, small[::-1], small.T, small.T[::-1])  # top, bottom, left, right
    runs = flat_depths(small, config.canvas_sd)
    top, bottom, left, right = runs
    if sum(run > 0 for run in runs) < 2 or top + bottom >= h - 4 or left + right >= w - 4:
        return None
    if gray is not None:
        big = (gray, gray[::-1], gray.T, gray.T[::-1])
        for rows, run, whole in zip(sides, runs, big):
            row = int((run // 2 + 0.5) * whole.shape[0] / rows.shape[0])
            if run and float(whole[row].std()) > config.canvas_sd:
                return None
    levels = [float(rows[:run].mean()) for rows, run in zip(sides, runs) if run]
    if max(levels) - min(levels) > 2 * config.canvas_sd:  # one canvas around it, not a flat colour on each side
        return None
    return (top, bottom, left, right), float(np.mean(levels))


def pasted_image(
    small: np.ndarray,
    rows_columns: tuple[int, int, int, int],
    level: float,
    config: DetectConfig = DEFAULT,
    gray: np.ndarray | None = None,
) -> bool:
    """canvas_border's second test: is what a canvas of grey ``level`` frames, rows y0:y1 and columns x0:x1 of
    ``small`` (``rows_columns``), an image pasted on it, not a drawing or a page on a flat ground?"""
    y0, y1, x0, x1 = rows_columns
    framed = small[y0:y1, x0:x1]
    if min(framed.shape) < config.canvas_min_side:
        return False  # a stroke on a flat ground (a thin '1' framed by its ink's box), not an image
    inner = framed[1:-1, 1:-1]  # (its outermost pixels mix it with the canvas)
    edge = np.concatenate([inner[0], inner[-1], inner[:, 0], inner[:, -1]])  # the framed image's own edge
    if min(abs(level - float(np.median(part))) for part in (framed, edge)) < config.canvas_step:
        return False  # a clean scan's margin is its paper; a digit on a flat ground is framed by its ink's box
    if (
        np.count_nonzero(np.abs(edge.astype(np.float32) - level) <= 2 * config.canvas_sd)
        > config.canvas_ground * edge.size
    ):
        return False  # the canvas on the edge too: a drawing on a flat ground (a '1' fills its box's edge)
    # Its own flat border, if it has one (a photo framed in black, then pasted), is left out: no ground of its own
    own = flat_depths(inner, config.canvas_sd)
    top, bottom, left, right = (run + 1 if run else 0 for run in own)  # (and the pixel mixing it with the image)
    if top + bottom >= inner.shape[0] - 2 or left + right >= inner.shape[1] - 2:
        return False  # flat all through: no image
    if gray is None:
        sample = inner[top : inner.shape[0] - bottom, left : inner.shape[1] - right]
    else:
        sample = grain_sample(gray, small.shape, (y0 + 1 + top, y1 - 1 - bottom, x0 + 1 + left, x1 - 1 - right))
    pixels = sample.astype(np.float32)
    spread = cv2.blur(pixels * pixels, (3, 3)) - cv2.blur(pixels, (3, 3)) ** 2  # each pixel's 3x3 variance
    flat = spread <= config.canvas_sd**2
    if np.count_nonzero(flat & (np.abs(pixels - level) <= 2 * config.canvas_sd)) > config.canvas_ground * flat.size:
        return False  # the canvas inside, flat: printed boxes or a drawing on clean paper, not a pasted image
    common = np.convolve(np.bincount(sample[flat], minlength=256), np.ones(5), "same").max()  # flat at one level +-2
    return bool(common <= config.canvas_flat * flat.size)  # more: a ground of its own (a drawing, a clean page),
    #   which find_sheet and flat_border read as before


def grain_sample(gray: np.ndarray, shape: tuple[int, ...], rows_columns: tuple[int, int, int, int]) -> np.ndarray:
    """The pixels of ``gray`` (uint8 [H, W]) under rows y0:y1 and columns x0:x1 of its reduced copy of ``shape``,
    every k-th one each way (about 40,000 of them): a strided sample keeps the grain of each pixel, which the
    reduced copy's averaging smooths away more the larger the image."""
    y0, y1, x0, x1 = rows_columns
    fy, fx = gray.shape[0] / shape[0], gray.shape[1] / shape[1]
    Y0, Y1, X0, X1 = int(y0 * fy), int(y1 * fy), int(x0 * fx), int(x1 * fx)
    step = max(1, int(np.sqrt((Y1 - Y0) * (X1 - X0) / 40_000)))
    return gray[Y0:Y1:step, X0:X1:step]


def flat_depths(image: np.ndarray, most: float) -> list[int]:
    """How deep flat rows (columns) reach in from each side of ``image`` (uint8 [H, W]), as deep as they go:
    [top, bottom, left, right], rows of std at most ``most`` (flat_run)."""
    row_sd, column_sd = image.std(axis=1), image.std(axis=0)
    return [flat_run(spread, most) for spread in (row_sd, row_sd[::-1], column_sd, column_sd[::-1])]


def flat_run(spreads: np.ndarray, most: float) -> int:
    """How many of the first values of ``spreads`` (each row's std, outermost first) are at most ``most``: the
    depth of a flat band, as deep as it goes (all of them for a flat image)."""
    uneven = np.flatnonzero(spreads > most)
    return int(uneven[0]) if uneven.size else len(spreads)


# Rows first looked at for an uneven one in flat_rows: most images have no border, their first row is uneven. Not a
# threshold: flat_rows' answer is the same whatever it is (its std of a row does not depend on the other rows).
FIRST_ROWS = 8


def flat_rows(rows: np.ndarray, limit: int, config: DetectConfig = DEFAULT) -> int:
    """How many of the first ``limit`` rows of uint8 ``rows`` [N, M] (``limit`` >= 2) are flat (std at most
    ``config.border_flat_sd``) before the first uneven one. The first FIRST_ROWS rows are judged alone first,
    then, if all of them are flat, all ``limit``: an image without a border is done after a few rows. A row's std
    is the same to the bit whichever other rows (two or more) it is computed with, rows of ``small`` or of its
    transpose (tests/test_page.py: test_flat_rows_judge_rows_as_the_whole_band_does)."""
    for n in (min(FIRST_ROWS, limit), limit):
        run = flat_run(rows[:n].std(axis=1), config.border_flat_sd)
        if run < n:
            return run
    return limit


def find_sheet(small: np.ndarray, config: DetectConfig = DEFAULT):
    """The light sheet on a darker surround: ((x, y, w, h), hull int32 [K, 1, 2], paper level) in
    ``small``'s pixels, or None. Its thresholds: ``config.min_page`` to ``near_step``."""
    threshold, light = cv2.threshold(small, 0, 1, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    largest = largest_component(light)
    if largest is None:
        return None
    mask, sheet = largest
    x, y, w, h, area = sheet.x, sheet.y, sheet.w, sheet.h, sheet.area
    share = area / small.size
    if not config.min_page <= share <= config.max_page:
        return None
    reaches_all = x == 0 and y == 0 and x + w == small.shape[1] and y + h == small.shape[0]
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    hull = cv2.convexHull(max(contours, key=cv2.contourArea))
    hull_area = max(cv2.contourArea(hull), 1.0)
    inside = np.zeros_like(mask)
    cv2.fillConvexPoly(inside, hull, 1)
    solid = area / hull_area
    paper = masked_median(small, mask)
    outside = (inside == 0).astype(np.uint8)
    surround = cv2.countNonZero(outside)
    if solid < config.sheet_solidity or surround < config.min_surround * small.size:
        return None
    if reaches_all and cv2.connectedComponents(outside)[0] - 1 < 2:
        return None  # light to all four edges with one dark region: a shadow or vignette; a turned sheet that
        # fills the frame leaves the desk in two corners or more
    desk = masked_median(small, outside)
    step = paper - desk
    if step < config.sheet_min_step and not (
        step >= config.sheet_min_dim_step and desk < config.sheet_dim_ratio * paper
    ):
        return None
    if cv2.countNonZero(inside & (1 - light)) < config.sheet_min_ink * hull_area:
        return None  # nothing written on it: a light blob (a chalk stroke, a lamp), not a page
    # A desk is broad; what lies outside a light region of a tight crop is strokes: an opening wipes them out.
    k = max(3, round(config.surround_width * min(small.shape))) | 1
    broad = cv2.morphologyEx(outside & (1 - light), cv2.MORPH_OPEN, np.ones((k, k), np.uint8))
    if cv2.countNonZero(broad) < 0.6 * surround:
        return None
    # A sheet's edge is a step; uneven light on one sheet changes smoothly: measure the edge's steepness. On a
    # median-filtered copy: a thin printed line (a rule, a margin line, 1-2 px here) is gone from it, a step is
    # not, so an Otsu boundary running along the rules of shaded lined paper is no sheet's edge.
    median = config.edge_median | 1  # (an odd kernel)
    smooth = cv2.medianBlur(small, median) if median > 1 else small
    gy, gx = np.gradient(cv2.GaussianBlur(smooth, (3, 3), 0).astype(np.float32))
    within = x > 0 and y > 0 and x + w < small.shape[1] and y + h < small.shape[0]
    if within:  # a sheet with the surround on all four sides: measured all along its outline. Its vertices alone
        # (CHAIN_APPROX_SIMPLE) are an upright card's four corners, too few to measure on ('2026' on an index card
        # read '1'), and, where a hand holds the sheet, mostly the soft edge of the hand: the sheet's straight
        # sides, a few vertices, were outvoted and no page was found (a new user's photos: the sheet and the hand
        # read as one '0', 3 of 10)
        xs, ys = edge_points(
            max(cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)[0], key=cv2.contourArea), small.shape
        )
    else:  # its vertices only: a straight, sharp shadow across lit paper (tests/test_page.py) is a light region
        # reaching the frame's edges, whose two vertices lie on them, and is no page
        xs, ys = edge_points(max(contours, key=cv2.contourArea), small.shape)
    if xs.size < 8:
        return None
    if float(np.median(np.hypot(gx[ys, xs], gy[ys, xs]))) < config.edge_steepness * step:
        return None
    # Across a sheet's edge the whole step is there within a few pixels; across the Otsu boundary of shaded
    # paper (squared paper darker to one side, its split running along the grid lines) the two sides nearly match.
    inner = cv2.erode(mask, np.ones((3, 3), np.uint8)) & (1 - cv2.erode(mask, np.ones((9, 9), np.uint8)))
    outer = cv2.dilate(mask, np.ones((9, 9), np.uint8)) & (1 - cv2.dilate(mask, np.ones((3, 3), np.uint8)))
    if not inner.any() or not outer.any():
        return None
    near = masked_median(small, inner) - masked_median(small, outer)
    if near < config.near_step * step:
        return None
    return (x, y, w, h), hull, paper


def edge_points(contour: np.ndarray, shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """The points (xs, ys: int arrays) of a contour (int32 [K, 1, 2], OpenCV's) that lie inside an image of
    ``shape``, at least 2 px from its border: a sheet's edge, not the frame's."""
    xs, ys = contour[:, 0, 0], contour[:, 0, 1]
    inside = (xs > 1) & (ys > 1) & (xs < shape[1] - 2) & (ys < shape[0] - 2)
    return xs[inside], ys[inside]


def masked_median(image: np.ndarray, mask: np.ndarray) -> float:
    """np.median of the uint8 ``image``'s pixels where ``mask`` (uint8 [H, W], ``image``'s shape) is non-zero,
    the same value (the mean of the two middle ones for an even count), from a histogram: no copy of the
    pixels, no sort. Raises ValueError when the mask selects no pixel."""
    counts = np.cumsum(cv2.calcHist([image], [0], mask, [256], [0, 256]).ravel())
    n = int(counts[-1])
    if n == 0:
        raise ValueError("median of no pixels")
    low, high = np.searchsorted(counts, [(n - 1) // 2, n // 2], side="right")
    return (int(low) + int(high)) / 2


def scale_box(box, sx: float, sy: float, shape) -> tuple[int, int, int, int]:
    x, y, w, h = box
    x0, y0 = int(np.floor(x * sx)), int(np.floor(y * sy))
    x1, y1 = min(shape[1], int(np.ceil((x + w) * sx))), min(shape[0], int(np.ceil((y + h) * sy)))
    return (x0, y0, max(1, x1 - x0), max(1, y1 - y0))
