"""Live reading of video: a camera, a video file or a stream, frame by frame.

    for index, frame in Frames(0):                      # sources.py
        reading = stabilizer.update(reader.read(frame))  # steady over frames
        show(annotate(frame, reading, fps))              # draw.py

A video file plays in the window at its own frame rate (``realtime``), or as fast as frames can be read;
``save`` writes the annotated video at the source's frame rate (for a camera or a live stream, the rate
measured over the first frames), so a saved clip plays as long as the original.

``Stabilizer`` keeps each digit's identity across frames by box overlap and averages its class
probabilities over time, so a digit that reads as another for a single frame does not flicker in the output.
"""

from __future__ import annotations

import os
import sys
import time
from collections import deque
from dataclasses import dataclass, field, replace
from typing import Callable

import cv2
import numpy as np

from .draw import annotate  # noqa: F401  (part of this module's interface: live.annotate)
from .images import cv_path
from .model import check_count
from .reader import Digit, DigitReader, Reading, compose_text
from .results import check_fraction
from .sources import Frames, VideoError

WINDOW = "edgedigits  (q or Esc to quit)"
QUIT_KEYS = (ord("q"), 27)
# px (width, height): a bigger frame is shown shrunk to fit, its aspect kept; the saved video keeps its size. A
# 1280x720 or 1080p source was shown at full size, and a 1280x800 screen showed only its top left, cut off at
# "470" of "4702" (a webcam user's trial). OpenCV's window adds its tool and status bars round the frame.
WINDOW_FIT = (960, 720)


def window_view(image: np.ndarray, fit: tuple[int, int] = WINDOW_FIT) -> np.ndarray:
    """``image`` (an annotated BGR frame, [H, W, 3]) as the window shows it: shrunk (cv2.INTER_AREA) to fit within
    ``fit`` px (width, height), its aspect kept; itself when it fits."""
    h, w = image.shape[:2]
    scale = min(fit[0] / w, fit[1] / h)
    if scale >= 1:
        return image
    return cv2.resize(image, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA)


def _wait_for_quit() -> None:
    """Keep the window up until q or Esc is pressed in it or it is closed."""
    while cv2.getWindowProperty(WINDOW, cv2.WND_PROP_VISIBLE) >= 1:
        if cv2.waitKey(100) & 0xFF in QUIT_KEYS:
            return


def iou(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> float:
    """Intersection over union of two boxes (x, y, w, h) in pixels: 0.0 (apart) to 1.0 (the same box)."""
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    w = min(ax + aw, bx + bw) - max(ax, bx)
    h = min(ay + ah, by + bh) - max(ay, by)
    inter = max(0, w) * max(0, h)
    union = aw * ah + bw * bh - inter
    return inter / union if union > 0 else 0.0


def _centre(box: tuple[int, int, int, int]) -> tuple[float, float]:
    x, y, w, h = box
    return x + w / 2, y + h / 2


@dataclass
class _Track:
    box: tuple[int, int, int, int]
    probabilities: np.ndarray
    missed: int = 0
    seen: int = 1  # frames that read a digit on this track
    line: int = 0  # the text line its digit was shown in, the last time it was seen
    streak: int = 1  # frames in a row that read a digit on this track
    confirmed: bool = True  # shown; a track born beside the scene's is shown from its min_hits-th frame in a row
    born: int = 0  # the Stabilizer's frame number (0 = its first) that started this track

    @property
    def value(self) -> int:
        return int(self.probabilities.argmax())


@dataclass
class Stabilizer:
    """Smooths digit values over frames: exponential average of each tracked digit's probabilities.

    ``memory`` is the weight of the past (0 = no smoothing). With 0.6, one frame that reads a steady 3 as an
    8 with full confidence still leaves the 3 ahead; a real change wins on the second frame. Raises ValueError
    unless ``memory`` is a number in [0, 1) (1 would never let a new frame in), ``min_confidence``, ``min_iou``
    and ``fresh_confidence`` numbers in [0, 1], and ``max_missed`` and ``stale_after`` whole numbers >= 0.

    A digit is matched to the track whose box, moved by the frame's shift, overlaps it most (IoU at least
    ``min_iou``). The shift (pixels) is the median displacement from each confident digit to the nearest
    track of the same value within two box sizes, so a paper panning by more than half a digit a frame
    keeps each digit on its own track, not on its neighbour's. A track unseen for ``stale_after`` frames or
    more does not carry its value into a different reading of at least ``fresh_confidence`` (the scene
    changed): the digit starts afresh. Nor does any track when a frame reads most of its digits, two or more,
    differently from their tracks, each at least ``fresh_confidence`` (a cut to another number at the same
    place: '2026' then '3141' showed '3141' over '202' for a frame, and a '5926' that was never there), or when
    one digit or more changes so, none reads as its track did, and the layout changed (a digit where no track
    was, or a track of the last frame that no digit overlaps: '12' then '35' a digit further right showed
    '25'), or when a frame reads two digits or more and none lies where a track was (another sheet, or the number
    written elsewhere: '314' then '27' lower down): every track starts afresh. Tracks unseen for more than
    ``max_missed`` frames are dropped.

    A digit seen in two frames or more that a frame misses is still shown, where its track has moved, for up to
    ``hold`` frames in a row (the track of a tracker that misses a detection, as SORT's ``max_age``; Bewley et al.
    2016): a line of a form moved across the camera was lost in one frame of 40, and '3141 / 592' flickered to
    '592' (a new user's video). It keeps its line: it joins the frame's line it lies level with, or it is a line
    of its own, lines numbered top to bottom again. Only while the frame still reads some digits of its scene, a
    track that was there when it was last seen (a blank frame, the paper taken away, holds nothing; nor does a new
    number's: '314 / 27' on the second frame of a '27' written elsewhere), and not after a cut (above).

    A track born beside the scene's (a digit where no track was, in a frame that matched others) is shown once
    ``min_hits`` frames in a row have read it, and dropped when a frame misses it before that: the tentative
    tracks of DeepSORT (Wojke et al. 2017, "Simple online and realtime tracking with a deep association metric",
    n_init). A frame that starts the scene (no tracks, or a cut) shows every digit at once. Raises ValueError
    for a ``min_hits`` under 1 (1: every digit from its first frame, as before).
    """

    memory: float = 0.6
    min_iou: float = 0.3
    max_missed: int = 5
    min_confidence: float = 0.5
    stale_after: int = 2
    fresh_confidence: float = 0.8
    hold: int = 2
    min_hits: int = 2
    tracks: list[_Track] = field(default_factory=list)
    frames: int = 0  # frames updated so far (a reading that is an error counts none)

    def __post_init__(self) -> None:
        check_fraction("Stabilizer memory", self.memory, below_one=True)
        check_fraction("Stabilizer min_confidence", self.min_confidence)
        check_fraction("Stabilizer min_iou", self.min_iou)
        check_fraction("Stabilizer fresh_confidence", self.fresh_confidence)
        check_count("Stabilizer max_missed", self.max_missed, 0, optional=False)
        check_count("Stabilizer stale_after", self.stale_after, 0, optional=False)
        check_count("Stabilizer hold", self.hold, 0, optional=False)
        check_count("Stabilizer min_hits", self.min_hits, 1, optional=False)

    def shift(self, digits: list[Digit]) -> tuple[float, float]:
        """The frame's motion since the tracks were seen (dx, dy in pixels); (0, 0) when nothing tells."""
        moves = []
        for digit in digits:
            if digit.confidence < self.min_confidence:
                continue
            cx, cy = _centre(digit.box)
            reach = 2 * max(digit.box[2], digit.box[3])
            same = [_centre(t.box) for t in self.tracks if t.value == digit.value]
            near = [(cx - tx, cy - ty) for tx, ty in same if abs(cx - tx) <= reach and abs(cy - ty) <= reach]
            if near:
                moves.append(min(near, key=lambda m: m[0] ** 2 + m[1] ** 2))
        if not moves:
            return 0.0, 0.0
        dx, dy = np.median(np.array(moves), axis=0)
        return float(dx), float(dy)

    def scene_cut(self, digits: list[Digit], moved: list[tuple[int, int, int, int]]) -> bool:
        """Whether a frame shows another number where the tracks were (``moved``: their boxes, shifted): of its
        digits that overlap a track (IoU at least ``min_iou``), two or more, and more than half, read another
        value at least ``fresh_confidence``; or one or more do, none reads as its track did, and the layout
        changed (a digit overlapping no track, or a track seen in the last frame overlapped by no digit). One
        confident misreading among steady digits, or of a lone digit that stays in place, is no cut."""
        overlapping = changed = agreeing = 0
        hit = set()
        for digit in digits:
            best = max(range(len(moved)), key=lambda t: iou(moved[t], digit.box), default=None)
            if best is None or iou(moved[best], digit.box) < self.min_iou:
                continue
            overlapping += 1
            hit.add(best)
            agreeing += self.tracks[best].value == digit.value
            changed += self.tracks[best].value != digit.value and digit.confidence >= self.fresh_confidence
        if changed >= 2 and 2 * changed > overlapping:
            return True
        if overlapping == 0 and len(digits) >= 2 and self.tracks:  # a number of two digits or more, none of them
            # where a track was: another sheet, or the number written elsewhere ('314' then '27' lower down showed
            # nothing for a frame, as '27' was new beside the scene, then '314 / 27': a new user's video)
            return True
        # or the layout changed as well (a digit where no track was, a track of the last frame that no digit
        # overlaps) and no digit reads as its track did: '12' then '35' a digit further right showed '25'
        seen = {t for t, track in enumerate(self.tracks) if track.missed == 0}
        relaid = overlapping < len(digits) or not seen <= hit
        return changed >= 1 and agreeing == 0 and relaid

    def update(self, reading: Reading) -> Reading:
        """The reading with each digit's value, confidence and probabilities averaged over its track. Raises
        TypeError for anything but a Reading (``update(None)`` said "'NoneType' object has no attribute 'ok'")."""
        if not isinstance(reading, Reading):
            raise TypeError(
                f"Stabilizer.update takes a Reading (reader.read(frame)), got {type(reading).__name__}; read the frame "
                "first, and pass an unreadable frame's Reading too (its error is passed through)"
            )
        if not reading.ok:
            return reading
        now = self.frames
        self.frames += 1
        dx, dy = self.shift(reading.digits)
        moved = [(round(t.box[0] + dx), round(t.box[1] + dy), t.box[2], t.box[3]) for t in self.tracks]
        if self.scene_cut(reading.digits, moved):
            self.tracks, moved = [], []
        unmatched = list(range(len(self.tracks)))
        known = len(self.tracks)  # tracks before this frame's new ones
        digits, shown = [], []
        for digit in reading.digits:
            probabilities = digit.probabilities if digit.probabilities is not None else np.eye(10)[digit.value]
            probabilities = np.asarray(probabilities, np.float32)
            best = max(unmatched, key=lambda t: iou(moved[t], digit.box), default=None)
            if best is not None and iou(moved[best], digit.box) >= self.min_iou:
                track = self.tracks[best]
                unmatched.remove(best)
                changed = track.value != digit.value and digit.confidence >= self.fresh_confidence
                if changed and track.missed >= self.stale_after:
                    track.probabilities = probabilities
                else:
                    track.probabilities = self.memory * track.probabilities + (1 - self.memory) * probabilities
                track.box, track.missed, track.seen, track.streak = digit.box, 0, track.seen + 1, track.streak + 1
                track.confirmed = track.confirmed or track.streak >= self.min_hits
            else:  # a new track: shown at once when the frame starts the scene, else once confirmed
                track = _Track(
                    digit.box, probabilities, line=digit.line, confirmed=known == 0 or self.min_hits <= 1, born=now
                )
                self.tracks.append(track)
            track.line = digit.line
            shown.append(track.confirmed)
            smoothed = track.probabilities
            digits.append(
                replace(digit, value=int(smoothed.argmax()), confidence=float(smoothed.max()), probabilities=smoothed)
            )
        # A track is held while the frame still reads some of its scene: a digit whose track was there when it was
        # last seen (frame now - 1 - missed). A blank frame holds nothing, nor does a new number's: '314' then '27'
        # elsewhere showed '314 / 27' on the second frame of '27', whose tracks were matched
        matched = [t for t in range(known) if t not in unmatched]
        held = [
            (self.tracks[t], moved[t])
            for t in unmatched
            if any(self.tracks[m].born < now - self.tracks[t].missed for m in matched)
            and self.tracks[t].seen >= 2
            and self.tracks[t].missed < self.hold
            and not any(iou(moved[t], d.box) > 0 for d in digits)
        ]
        for index in unmatched:
            self.tracks[index].missed += 1
            self.tracks[index].streak = 0
        # a track not yet confirmed that a frame misses is dropped (DeepSORT's tentative tracks; Wojke et al. 2017)
        self.tracks = [t for t in self.tracks if t.missed <= self.max_missed and (t.confirmed or t.missed == 0)]
        if not all(shown):  # a digit beside the scene's, new: not shown until confirmed (a 3 whose long tail the
            # line model read as a 7 in one frame of three flickered '3636' / '73636', steadied or not: a webcam
            # user's trial)
            digits = [d for d, show in zip(digits, shown) if show]
        if held:
            digits = with_held(digits, held)
        return replace(reading, digits=digits, text=compose_text(digits, self.min_confidence))


def with_held(digits: list[Digit], held: list[tuple[_Track, tuple[int, int, int, int]]]) -> list[Digit]:
    """A frame's digits with those of ``held`` tracks (each with its box moved by the frame's shift) added, in
    reading order: a held digit joins the frame's line whose digits share most of its rows, or the line it was
    last shown in, now without digits of the frame, with the other held digits of that line; lines are numbered
    top to bottom again (by their digits' mean centre)."""
    rows: dict[int, tuple[int, int]] = {}  # the frame's lines: line -> (top, bottom) of its digits
    for d in digits:
        top, bottom = rows.get(d.line, (d.box[1], d.box[1] + d.box[3]))
        rows[d.line] = (min(top, d.box[1]), max(bottom, d.box[1] + d.box[3]))
    placed = [(("frame", d.line), d) for d in digits]
    for track, box in held:
        shared = {line: min(b, box[1] + box[3]) - max(t, box[1]) for line, (t, b) in rows.items()}
        line = max(shared, key=lambda n: shared[n], default=None)
        key = ("frame", line) if line is not None and shared[line] >= 0.5 * box[3] else ("held", track.line)
        p = track.probabilities
        placed.append((key, Digit(int(p.argmax()), float(p.max()), box, 0, p)))
    centre: dict = {}
    for key, d in placed:
        centre.setdefault(key, []).append(d.box[1] + d.box[3] / 2)
    order = sorted(centre, key=lambda k: float(np.mean(centre[k])))
    number = {key: n for n, key in enumerate(order)}
    placed.sort(key=lambda kd: (number[kd[0]], kd[1].box[0]))
    return [replace(d, line=number[key]) for key, d in placed]


def has_display() -> bool:
    return sys.platform in ("win32", "darwin") or bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


@dataclass
class RateMeter:
    """Frames per second over the last ``window_s`` seconds of wall time: (n - 1) intervals between the
    frames finished in that window over their span. None until ``min_span_s`` has been seen, so the first
    frames (the window opening, the model warming up) do not make the banner swing."""

    window_s: float = 2.0
    min_span_s: float = 0.5
    times: deque[float] = field(default_factory=deque)

    def tick(self, now: float) -> float | None:
        """Count a frame finished at ``now`` (time.perf_counter seconds); the rate, or None as yet."""
        self.times.append(now)
        while len(self.times) > 2 and now - self.times[0] > self.window_s:
            self.times.popleft()
        span = now - self.times[0]
        return (len(self.times) - 1) / span if span >= self.min_span_s else None


SHOWN_FPS_KEPT = 10_000


@dataclass
class LiveStats:
    frames: int = 0
    seconds: float = 0.0
    source_fps: float | None = None  # the rate the file or stream declares (None for a camera)
    saved_fps: float | None = None  # the rate the --save video was written at
    # The FPS in the banner of each of the last SHOWN_FPS_KEPT frames (None: none shown yet); bounded, so a
    # camera left running for days does not grow it.
    shown_fps: deque[float | None] = field(default_factory=lambda: deque(maxlen=SHOWN_FPS_KEPT))

    @property
    def fps(self) -> float:
        return self.frames / self.seconds if self.seconds > 0 else 0.0


SAVE_SUFFIXES = {".mp4": "mp4v", ".avi": "MJPG"}


def check_save_path(path: str | os.PathLike) -> None:
    """Raise ValueError, saying what to do, unless a video can be written at ``path``: a .mp4 or .avi name in
    an existing, writable folder, not an existing folder. Called before the source is opened."""
    path = os.fspath(path)
    if os.path.isdir(path):  # (before the suffix: a folder was called "a name without a suffix", a webcam user's trial)
        raise ValueError(
            f"{path}: is a folder; give a file name ending in .mp4 or .avi, e.g. {os.path.join(path, 'annotated.mp4')}"
        )
    suffix = os.path.splitext(path)[1].lower()
    if suffix not in SAVE_SUFFIXES:
        raise ValueError(
            f"{path}: cannot save a video as {suffix or 'a name without a suffix'}; use a .mp4 "
            "or .avi name (MPEG-4 or Motion-JPEG)"
        )
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise ValueError(f"{path}: the folder {folder} does not exist; create it first or save elsewhere")
    if not os.access(folder, os.W_OK):
        raise ValueError(f"{path}: the folder {folder} is not writable; save elsewhere")


class VideoSaver:
    """Writes frames (uint8 BGR [H, W, 3], all of one size) to a .mp4 or .avi file at ``fps`` frames per
    second, or, with ``fps=None`` (a camera), at the rate the frames arrive: the first frames (about a
    second, at most ``MEASURE_BYTES`` of them) are held until the rate is measured, then written.
    Raises ValueError for a path ``check_save_path`` refuses and VideoError when OpenCV cannot write there.
    """

    MEASURE_SECONDS = 1.0
    MEASURE_BYTES = 64 * 2**20
    FALLBACK_FPS = 30.0  # a run too short to measure (a single frame)

    def __init__(self, path: str | os.PathLike, fps: float | None = None):
        check_save_path(path)
        self.path, self.fps = os.fspath(path), fps
        self.writer: cv2.VideoWriter | None = None
        self._held: list[np.ndarray] = []
        self._times: list[float] = []

    def write(self, frame: np.ndarray, now: float | None = None) -> None:
        """Add one frame; ``now`` (time.perf_counter seconds) is when it arrived, for a measured rate."""
        if self.writer is not None:
            self.writer.write(frame)
            return
        if self.fps is not None:
            self._open(frame.shape, self.fps).write(frame)
            return
        self._held.append(frame)
        self._times.append(time.perf_counter() if now is None else now)
        if (
            self._times[-1] - self._times[0] >= self.MEASURE_SECONDS
            or len(self._held) * frame.nbytes >= self.MEASURE_BYTES
        ):
            self._flush()

    def measured_fps(self) -> float:
        """Frames per second over the held frames: (n - 1) intervals over their time span."""
        span = self._times[-1] - self._times[0] if len(self._times) > 1 else 0.0
        return (len(self._times) - 1) / span if span > 0 else self.FALLBACK_FPS

    def _flush(self) -> None:
        if not self._held:
            return
        self.fps = self.measured_fps()
        writer = self._open(self._held[0].shape, self.fps)
        for frame in self._held:
            writer.write(frame)
        self._held, self._times = [], []

    def _open(self, shape: tuple[int, ...], fps: float) -> cv2.VideoWriter:
        fourcc = cv2.VideoWriter_fourcc(*SAVE_SUFFIXES[os.path.splitext(self.path)[1].lower()])
        self.writer = cv2.VideoWriter(cv_path(self.path), fourcc, fps, (shape[1], shape[0]))
        if not self.writer.isOpened():
            raise VideoError(
                f"{self.path}: OpenCV cannot write a video there; check the disk and the folder's "
                "permissions, or try the other format (.mp4 or .avi)"
            )
        return self.writer

    def close(self) -> None:
        """Write what is held (measuring the rate over what came) and finish the file."""
        self._flush()
        if self.writer is not None:
            self.writer.release()
            self.writer = None


FONT_ROOTS = (
    "/usr/share/fonts/truetype",  # first: DejaVu or Liberation, rather than X11's Type1 fonts
    "/usr/share/fonts",
    "/usr/local/share/fonts",
    os.path.expanduser("~/.local/share/fonts"),
    os.path.expanduser("~/.fonts"),
)
FONT_SUFFIXES = (".ttf", ".otf", ".ttc", ".pfa", ".pfb")  # what Qt's font database loads from QT_QPA_FONTDIR


def font_folder(roots: tuple[str, ...] = FONT_ROOTS, depth: int = 2) -> str | None:
    """The first folder, ``roots`` in order and each searched breadth-first (sorted) at most ``depth`` levels
    down, that itself holds a font file Qt loads (``FONT_SUFFIXES``); None when there is none. Qt does not look
    into subfolders, and Debian's /usr/share/fonts holds only subfolders (truetype/dejavu, ...)."""
    for root in roots:
        level = [root]
        for _ in range(depth + 1):
            below = []
            for folder in level:
                try:
                    entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
                except OSError:
                    continue
                if any(e.name.lower().endswith(FONT_SUFFIXES) and e.is_file() for e in entries):
                    return folder
                below += [e.path for e in entries if e.is_dir() and not e.name.startswith(".")]
            level = below
    return None


def quiet_qt_fonts() -> None:
    """The pip OpenCV's Qt window prints "QFontDatabase: Cannot find font directory .../cv2/qt/fonts" five
    times: importing cv2 points QT_QPA_FONTDIR at a folder the wheel does not ship. Point it at a system folder
    that holds font files (``font_folder``). A folder without fonts in it is worse than the warnings (Qt drew
    a black window on Debian with /usr/share/fonts), so with none found the variable is left alone."""
    current = os.environ.get("QT_QPA_FONTDIR")
    if current is None or os.path.isdir(current):
        return
    folder = font_folder()
    if folder is not None:
        os.environ["QT_QPA_FONTDIR"] = folder


def run(
    reader: DigitReader,
    source: int | str,
    *,
    headless: bool = False,
    max_frames: int | None = None,
    save: str | os.PathLike | None = None,
    on_reading: Callable[[int, Reading], None] | None = None,
    stabilizer: Stabilizer | None = None,
    realtime: bool | None = None,
) -> LiveStats:
    """Read frames until the video ends, ``max_frames``, or q/Esc in the window. A still image stays in the
    window until q/Esc or the window is closed (with ``headless``: one frame, then return).

    ``source``: camera index, video file or stream URL. ``realtime``: play a video file at its own frame rate
    (default: yes in the window, no with ``headless``); cameras and streams come at their own pace anyway.
    ``save``: write the annotated video there (.mp4 or .avi) at the source's frame rate, the measured one for
    a camera or a live stream (``Frames.live``); the path is checked before the source is opened.
    ``on_reading(index, reading)`` is called for every frame. Raises ValueError for a bad ``save`` path and
    VideoError for a source that cannot be opened or stops delivering frames.
    """
    if save is not None:
        check_save_path(save)
    if not headless and not has_display():
        raise VideoError("no display to open a window on; add --headless to print readings as JSON lines")
    stabilizer = stabilizer or Stabilizer(min_confidence=reader.min_confidence)
    frames = Frames(source, max_frames)
    pace = (not headless) if realtime is None else realtime
    period = 1.0 / frames.fps if pace and frames.is_file and frames.fps else None
    saver = VideoSaver(save, None if frames.live else frames.fps) if save is not None else None
    stats = LiveStats(source_fps=frames.fps)
    if not headless:
        quiet_qt_fonts()
    started = time.perf_counter()
    meter = RateMeter()
    try:
        for index, frame in frames:
            arrived = time.perf_counter()
            if index == 0:
                started = arrived  # the clock starts with the first frame, not with opening the source
            reading = stabilizer.update(reader.read(frame))
            fps = meter.tick(time.perf_counter())
            stats.frames += 1
            stats.shown_fps.append(fps)
            if on_reading:
                on_reading(index, reading)
            if saver is None and headless and period is None:
                continue
            shown = annotate(frame, reading, fps) if saver is not None or not headless else frame
            if saver is not None:
                saver.write(shown, arrived)
            wait_s = max(0.0, started + (index + 1) * period - time.perf_counter()) if period else 0.0
            if not headless:
                cv2.imshow(WINDOW, window_view(shown))
                if cv2.waitKey(max(1, int(wait_s * 1000))) & 0xFF in QUIT_KEYS:
                    break
            elif wait_s:
                time.sleep(wait_s)
        else:
            if not headless and frames.still is not None:
                _wait_for_quit()  # a still image stays in the window until q/Esc or the window is closed
    finally:
        stats.seconds = time.perf_counter() - started
        if saver is not None:
            saver.close()
            stats.saved_fps = saver.fps
        if not headless:
            cv2.destroyAllWindows()
    return stats
