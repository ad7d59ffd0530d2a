"""Where images come from: files, folders, globs (for ``classify``) and video files, cameras, streams
(for ``webcam``). Everything is a lazy iterator, so a folder of a million files never sits in memory.

A path that cannot be listed becomes a ``SourceError`` item in the stream instead of stopping it; the reader
turns it into an error record.
"""

from __future__ import annotations

import errno
import glob
import itertools
import os
import re
import stat
import time
from dataclasses import dataclass
from typing import Iterable, Iterator

import cv2
import numpy as np

from .draw import to_bgr
from .errors import EdgeDigitsError
from .images import (
    INPUT_SUFFIXES,
    NUL_IN_PATH,
    ImageError,
    Pages,
    bad_path_text,
    cv_path,
    denied,
    is_input_name,
    known_other,
    load_pages,
    looks_like_image,
    path_problem,
)


class SubfoldersNotRead(UserWarning):
    """Warned when a folder named as an input (not recursive) has images of its own, read, and subfolders that
    hold images too, left unread: a run that reads a third of an archive must not look complete (a new user's
    trial read 136 of 308 images and was told nothing). The command line prints it as a note."""


class UnsuffixedNotRead(UserWarning):
    """Warned when a folder named as an input holds image files whose names have no suffix (``scan0001``, as
    document systems store them): a folder's listing goes by suffix, so they were not read (a records office's
    trial: no note said so). The command line prints it as a note."""


@dataclass(frozen=True)
class SourceError:
    """A path the listing could not use, with the reason and the fix."""

    path: str
    error: str


def _walk(
    folder: str, recursive: bool, seen: set[tuple[int, int]] | None = None, suffixless: list[str] | None = None
) -> Iterator[str | SourceError]:
    """Image files under ``folder`` in sorted order; unreadable subfolders become SourceErrors. With
    ``recursive``, a link to a folder is followed as a folder (an archive on a NAS links its years in), each
    real folder once: ``seen`` holds the (device, inode) of the folders walked, so a link back up the tree, or
    to a folder walked already, adds nothing (a loop would never end, a second way in would read it twice).
    ``suffixless``, when given, collects the paths of the files passed over whose names have no suffix at all (a
    document system's ``scan0001``: _folder looks at what they are)."""
    seen = set() if seen is None else seen
    try:
        info = os.stat(folder)
    except OSError:
        info = None
    if info is not None:
        if (info.st_dev, info.st_ino) in seen:
            return
        seen.add((info.st_dev, info.st_ino))
    try:
        entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
    except PermissionError:
        yield SourceError(folder, "permission denied listing this folder; make it readable (chmod +rx)")
        return
    except OSError as exc:
        yield SourceError(folder, f"cannot list this folder ({exc.strerror or exc})")
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        try:
            is_dir = entry.is_dir()  # a link to a folder too (a broken link or a link loop: no folder)
        except OSError:
            is_dir = False
        if is_dir:
            if recursive:
                yield from _walk(entry.path, recursive, seen, suffixless)
        elif is_input_name(entry.name):
            yield entry.path  # broken links and link loops fail when opened, with a record of their own
        elif suffixless is not None and "." not in entry.name:
            suffixless.append(entry.path)


def _file_key(path: str, folders: dict[str, object]) -> object:
    """Which entry of which real folder a path names: (device, inode) of its folder, and its name; as a folder's
    listing does, a link to a file under another name is an input of its own. The normalized path when the
    folder cannot be stat'ed. ``folders`` caches each folder's identity (one stat a folder, not one a file)."""
    folder, name = os.path.split(os.path.normpath(path))
    if folder not in folders:
        try:
            info = os.stat(folder or ".")
            folders[folder] = (info.st_dev, info.st_ino)
        except OSError:
            folders[folder] = None
    identity = folders[folder]
    return os.path.normpath(path) if identity is None else (identity, name)


def _files_in(folder: str, budget: int, descend: bool) -> Iterator[os.DirEntry]:
    """The files of ``folder`` (with ``descend``, of its subfolders too, at any depth), by name within each folder,
    hidden entries aside. Looks at ``budget`` entries at most, so a huge tree (or a symlink loop) costs a bounded
    listing; a folder that cannot be listed is passed over."""
    stack = [folder]
    while stack and budget > 0:
        try:
            entries = sorted(os.scandir(stack.pop()), key=lambda e: e.name)
        except OSError:
            continue
        for entry in entries[:budget]:
            budget -= 1
            try:
                if entry.name.startswith("."):
                    continue
                if entry.is_dir():
                    if descend:
                        stack.append(entry.path)
                    continue
            except OSError:
                continue
            yield entry


def _has_images_below(folder: str, budget: int = 10_000) -> bool:
    """Whether any subfolder of ``folder`` (at any depth) holds an image file; looks at ``budget`` entries at
    most (``_files_in``)."""
    return any(is_input_name(entry.name) for entry in _files_in(folder, budget, descend=True))


def _subfolders_with_images(folder: str, budget: int = 10_000) -> list[str]:
    """The names of ``folder``'s subfolders (hidden ones aside) that hold an image file at any depth, by name;
    looks at ``budget`` entries at most in all (``_files_in``), so a huge tree costs a bounded listing."""
    try:
        subfolders = sorted(e.name for e in os.scandir(folder) if not e.name.startswith(".") and e.is_dir())
    except OSError:
        return []
    found = []
    for name in subfolders:
        for entry in _files_in(os.path.join(folder, name), budget, descend=True):  # (lazily: up to its first image)
            budget -= 1
            if is_input_name(entry.name):
                found.append(name)
                break
        if budget <= 0:
            break
    return found


def _folder(folder: str, recursive: bool) -> Iterator[str | SourceError]:
    """The images of a folder named as an input; a SourceError when it holds none, suggesting ``-r`` when
    only its subfolders hold images."""
    found = False
    suffixless: list[str] = []
    for item in _walk(folder, recursive, suffixless=suffixless):
        found = found or not isinstance(item, SourceError)
        yield item
        if isinstance(item, SourceError) and item.path == folder:
            return  # the folder itself cannot be listed: its record says so, and no other
    unsuffixed = _unsuffixed_images(folder, suffixless)
    if unsuffixed and found:
        _note_unread(
            UnsuffixedNotRead,
            f"{folder}: ",
            unsuffixed,
            " is an image whose name has no suffix, and was not read; name it as an input itself, or give it its "
            "suffix (.png, .jpg, ...)",
        )
    if found:
        unread = [] if recursive else _subfolders_with_images(folder)
        if unread:
            _note_unread(
                SubfoldersNotRead,
                f"{folder}: its subfolder ",
                unread,
                " holds images that were not read; add -r (--recursive; recursive=True in Python) to read them too",
            )
        return
    if not recursive and _has_images_below(folder):
        yield SourceError(
            folder,
            "no image files in this folder itself, but its subfolders hold some: add -r (--recursive; "
            "recursive=True in Python) to read them",
        )
        return
    where = "this folder or its subfolders" if recursive else "this folder"
    error = f"no image files in {where} (looked for the suffixes {INPUT_SUFFIXES})"
    if unsuffixed:
        yield SourceError(
            folder,
            f"{error}; it holds {len(unsuffixed)} image(s) whose names have no suffix, such as {unsuffixed[0]!r}: "
            "name them as inputs themselves, or give them their suffix (.png, .jpg, ...)",
        )
        return
    other = _other_files(folder, recursive)
    yield SourceError(folder, f"{error}; {other}" if other else f"{error}; check the path")


def _note_unread(category: type[UserWarning], before: str, names: list[str], after: str) -> None:
    """Warn (``category``: the command line prints it as a note) that ``names`` were left unread: ``before``, the
    first name quoted and how many more there are, ``after``."""
    import warnings

    more = f" (and {len(names) - 1} more)" if len(names) > 1 else ""
    warnings.warn(category(f"{before}{names[0]!r}{more}{after}"), stacklevel=3)


def _unsuffixed_images(folder: str, suffixless: list[str], budget: int = 200) -> list[str]:
    """Which of the first ``budget`` of ``suffixless`` (paths of files in ``folder`` whose names have no suffix,
    as _walk collected them) are images by their first bytes (images.looks_like_image), as paths relative to
    ``folder``. A file that cannot be opened is passed over."""
    return [os.path.relpath(path, folder) for path in _images_among(suffixless[:budget])]


def _images_among(paths: Iterable[str]) -> list[str]:
    """Those of ``paths`` that are images by their first bytes (images.looks_like_image); a file that cannot be
    opened is passed over."""
    found = []
    for path in paths:
        try:
            with open(path, "rb") as handle:
                if looks_like_image(handle.read(16)):
                    found.append(path)
        except OSError:
            continue
    return found


def _other_files(folder: str, recursive: bool, budget: int = 200) -> str | None:
    """What a folder without image files holds instead (``other_formats``), looking at its first ``budget``
    entries (hidden ones aside; subfolders too with ``recursive``: ``_files_in``); None when none tells."""
    other = other_formats(entry.path for entry in _files_in(folder, budget, descend=recursive))
    return None if other is None else f"it holds {other}"


def other_formats(paths: Iterable[str], budget: int = 200) -> str | None:
    """What the first ``budget`` of these files are, when their first bytes tell (images.known_other: HEIC photos,
    PDFs, videos; text files aside): how many of the commonest such kind, one named as an example, and what to
    do ("2 file(s) such as 'a.HEIC': not an image OpenCV can decode: a HEIC/HEIF photo; save or export it as
    JPEG ..."); None when none tells. A file that cannot be opened (a folder, no permission) is passed over."""
    found: dict[str, list[str]] = {}
    for path in itertools.islice(paths, budget):
        try:
            with open(path, "rb") as f:
                known = known_other(f.read(512), text=False)  # (notes beside images are no mistake)
        except OSError:
            continue
        if known is not None:
            found.setdefault(known, []).append(path)
    if not found:
        return None
    known, named = max(found.items(), key=lambda item: len(item[1]))
    return f"{len(named)} file(s) such as {named[0]!r}: {known}"


def no_images_matched(matches: list[str]) -> str:
    """The error of a glob pattern whose matches (files and folders) give no image: a pattern for videos
    (``'clips/*.mp4'``), iPhone photos, text files or empty folders; says what they are (``other_formats``) and
    what to do."""
    error = (
        f"the pattern matches {len(matches)} file(s) or folder(s) but no image file (looked for the suffixes "
        f"{INPUT_SUFFIXES})"
    )
    other = other_formats(matches)
    if other is not None:
        return f"{error}; among them {other}"
    return (
        f"{error}; name a file itself to try it whatever its suffix, or read a video with edgedigits webcam "
        "--source FILE --headless (Python: edgedigits.runtime.sources.iter_frames(FILE))"
    )


URI_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")  # a URI's scheme and "//" (RFC 3986, section 3.1)


def iter_paths(inputs: Iterable[str], recursive: bool = False) -> Iterator[str | SourceError]:
    """Expand files, folders and glob patterns into image paths, in the order given, lazily (``inputs`` may be
    a stream, e.g. the lines of ``--from-file -``).

    A file named explicitly is always tried, whatever its suffix; a folder gives its image files (by suffix,
    sorted, hidden ones skipped); a pattern gives each image it reaches once, though ``**`` matches a folder and
    the files in it. A missing path, a pattern matching nothing or no image file, and a folder with no image
    files each give one SourceError.
    """
    for item in inputs:
        if "\0" in item:  # (glob's scandir raised ValueError on a pattern holding one, and the run stopped)
            yield SourceError(item, NUL_IN_PATH)
        elif os.path.isdir(item):
            yield from _folder(item, recursive)
        elif os.path.lexists(item):
            yield item  # a file named explicitly is always tried, whatever its suffix
        elif URI_SCHEME.match(item):  # (it said "no such file or folder", or of '?sig=1' that the pattern matched none)
            yield SourceError(
                item,
                "a URL or URI, and only local files are read here: download it first, or pass its path "
                "(`edgedigits batch --manifest` reads file://, s3:// and gs:// URIs)",
            )
        elif glob.has_magic(item):
            matches = sorted(glob.iglob(item, recursive=True))
            if not matches:
                yield SourceError(
                    item,
                    "the pattern matches no files; check its folder and suffix (matching is case-sensitive: "
                    "'*.png' does not match 'SCAN.PNG')",
                )
            found = False
            # 'scans/**' matches a folder and the files in it, and glob follows links to folders, round a loop
            # too ('up -> ..': 'tree/a/up/a/up/x.png', ...): each real folder is walked once and each of its files
            # read once, under the first path that reaches it
            folders: set[tuple[int, int]] = set()
            files: set[object] = set()
            identities: dict[str, object] = {}  # (_file_key's cache)
            suffixless: list[str] = []  # files matched whose names have no suffix: not read, as in a folder
            for match in matches:
                if os.path.isdir(match):
                    listed: Iterable[str | SourceError] = _walk(match, recursive, folders, suffixless)
                else:
                    listed = [match] if is_input_name(match) else []
                    if not listed and "." not in os.path.basename(match):  # (as _walk tells them)
                        suffixless.append(match)
                for path in listed:
                    found = True
                    if isinstance(path, str):
                        key = _file_key(path, identities)
                        if key in files:
                            continue
                        files.add(key)
                    yield path
            unsuffixed = _images_among(suffixless[:200]) if found else []
            if unsuffixed:  # ('g/*' passed over g/scan0001 without a word, where 'g' noted it)
                _note_unread(
                    UnsuffixedNotRead,
                    f"{item}: the pattern matches ",
                    unsuffixed,
                    ", an image whose name has no suffix, which was not read; name it as an input itself, or give "
                    "it its suffix (.png, .jpg, ...)",
                )
            if matches and not found:
                yield SourceError(item, no_images_matched(matches))
        elif item == "-":  # (no file of that name here: `batch - < photo.jpg` said "no such file or folder")
            yield SourceError(
                item,
                "'-' (an image on standard input) is read by `edgedigits classify -` alone; save the image to a file "
                "and name it, or list paths one a line with --from-file - (batch: --manifest)",
            )
        else:
            yield SourceError(item, _denied_on_the_way(item) or "no such file or folder; check the path")


def _denied_on_the_way(path: str) -> str | None:
    """For a path that does not exist to ``os.path.exists``: images.denied's message when a folder on its way
    cannot be entered by this user (os.lstat says permission denied), images.NUL_IN_PATH for a path with a NUL
    byte (os.lstat raises ValueError: it stopped a whole run), else None (it is simply not there)."""
    try:
        os.lstat(path)
    except PermissionError:
        return denied(path)
    except OSError as exc:
        if exc.errno in (errno.ENAMETOOLONG, errno.ELOOP):  # (they were "no such file or folder")
            return path_problem(exc)
    except ValueError as exc:  # (a NUL byte is caught before: iter_paths)
        return bad_path_text(path, exc)
    return None


# --------------------------------------------------------------------------- video and cameras


class VideoError(EdgeDigitsError, RuntimeError):
    """A camera, video file or stream that cannot be opened or stopped delivering frames."""


def parse_source(source: str) -> int | str:
    """``"0"`` -> camera index 0 (decimal digits only: '²' is a file name, not 2); anything else is a file path
    or URL."""
    return int(source) if source.strip().isdecimal() else source


def check_video_file(path: str) -> None:
    """Raise VideoError, saying what to do, when ``path`` is missing, a folder, an empty (0-byte) file or one
    this user may not read. A character device (a camera's /dev/video0, whose size is 0) and a named pipe (a video
    piped in by another program: ``mkfifo v; ffmpeg ... -f avi - > v``; it was refused as "empty (0 bytes)") are
    left to OpenCV; open_video first waits for a pipe's writer (wait_for_writer)."""
    if not os.path.exists(path):
        reason = _denied_on_the_way(path)
        if reason is not None:
            raise VideoError(f"{path}: {reason}")
        if path.strip().isdecimal():  # iter_frames("0") from a program's own command line (a new user's trial)
            raise VideoError(
                f"{path}: no such video file; for camera {path.strip()} pass the int {int(path)} "
                f"(sources.parse_source({path!r}) gives it), as --source {path.strip()} does on the command line"
            )
        raise VideoError(
            f"{path}: no such video file; check the path, or for a camera pass its index (an int such as 0; "
            "--source 0 on the command line)"
        )
    if os.path.isdir(path):
        raise VideoError(f"{path}: is a folder; give a video file, an image or a camera index (--source 0)")
    mode = os.stat(path).st_mode
    if stat.S_ISCHR(mode) or stat.S_ISFIFO(mode):  # a camera's device (/dev/video0), a pipe: OpenCV opens them
        return
    if os.path.getsize(path) == 0:
        raise VideoError(f"{path}: is empty (0 bytes); check the file (an interrupted copy or download?)")
    try:
        open(path, "rb").close()
    except PermissionError:
        raise VideoError(f"{path}: {denied(path)}") from None
    except OSError:
        pass  # (OpenCV says what it can)


def wait_for_writer(path: str, timeout_s: float) -> int | None:
    """For a named pipe (a FIFO): wait up to ``timeout_s`` seconds for another program to write to it, and return a
    file descriptor that holds it open for reading (the caller closes it once OpenCV has opened the pipe, so that
    the writer never finds it without a reader); None for anything else. Raises VideoError when nothing is written
    in time: opening a pipe no program writes to blocked OpenCV for ever, and Ctrl-C did not stop it."""
    import select

    try:
        if not stat.S_ISFIFO(os.stat(path).st_mode):
            return None
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)  # (does not wait for a writer, as a plain open does)
    except OSError:
        return None  # (OpenCV says what it can)
    poll = select.poll()
    poll.register(fd, select.POLLIN)
    if poll.poll(int(timeout_s * 1000)):  # (Linux: no event until a writer has opened it)
        return fd
    os.close(fd)
    raise VideoError(
        f"{path}: a named pipe no program wrote to within {timeout_s:g} s; start the program that writes the video "
        "into it (e.g. ffmpeg ... -f avi - > PIPE) before or just after this one"
    )


def open_video(
    source: int | str, open_timeout_s: float = 10.0, read_timeout_s: float | None = None
) -> cv2.VideoCapture:
    """Open a camera index, video file or URL, or raise VideoError with what to do.

    For a URL, ``open_timeout_s`` bounds the connection and ``read_timeout_s`` (default: the same) each read,
    so a server that stops answering makes ``read()`` fail instead of blocking forever.
    """
    pipe = None
    if isinstance(source, str) and "://" not in source:
        check_video_file(source)
        pipe = wait_for_writer(source, open_timeout_s)  # a named pipe: held open until OpenCV has it
    started = time.monotonic()
    capture = cv2.VideoCapture()
    if isinstance(source, str) and "://" in source:
        read_timeout_s = open_timeout_s if read_timeout_s is None else read_timeout_s
        params = [
            cv2.CAP_PROP_OPEN_TIMEOUT_MSEC,
            int(open_timeout_s * 1000),
            cv2.CAP_PROP_READ_TIMEOUT_MSEC,
            int(read_timeout_s * 1000),
        ]
        capture.open(cv_path(source), cv2.CAP_ANY, params)
    else:
        try:
            capture.open(cv_path(source) if isinstance(source, str) else source)
        except cv2.error:  # a camera index beyond a C int (--source 99999999999): no such camera
            pass
        finally:
            if pipe is not None:
                os.close(pipe)
    if not capture.isOpened():
        elapsed = time.monotonic() - started
        what = f"camera {source}" if isinstance(source, int) else source
        if isinstance(source, int):
            hint = (
                "no camera at that index: check that it is connected and not used by another program, or try "
                "another index (--source 1; in Python the int 1)"
            )
        elif "://" in source and elapsed >= 0.9 * open_timeout_s:
            hint = "no video came from it: check that the server is up and that the URL serves a video stream"
        else:
            hint = "OpenCV cannot open it: check the path or URL and that the format is a video OpenCV can decode"
        raise VideoError(f"{what}: {hint} (gave up after {elapsed:.1f} s)")
    return capture


# A video file whose frames end before this share of the count it declares, and at least this many frames short,
# is truncated or damaged; a smaller shortfall is not taken for damage, as a container's count may be an
# estimate (its duration times its rate).
TRUNCATED_SHARE = 0.95
TRUNCATED_FRAMES = 2


class Frames:
    """The frames of a camera, video file or stream, opened at once (raises VideoError when it cannot be).

        frames = Frames("clip.mp4")
        frames.fps                      # the file's own frame rate (frames per second), or None
        for index, frame in frames:     # index from 0; frame: uint8 BGR array [H, W, 3]
            ...

    ``fps`` is the rate the file or stream declares (None when it declares none that is plausible, and for
    a camera, whose declared rate is only nominal). ``live`` is True for a camera and for a stream that
    declares no frame count (an MJPEG network camera, whose declared rate is FFmpeg's default of 25, not
    its own): frames come at their own pace, to be measured. A still image file (``images.is_input_name``, not a GIF)
    is one frame, decoded as ``classify`` decodes it (EXIF orientation applied; a truncated or corrupt file
    raises VideoError, where OpenCV's video reader would decode half of it); a multi-page TIFF or a PDF is a frame
    a page, as ``classify`` reads its pages (``images.load_pages``; a TIFF gave its first page alone), and
    ``total`` is its page count. A file that gives no frame raises
    VideoError, and so does one whose frames stop short of the count it declares (TRUNCATED_SHARE,
    TRUNCATED_FRAMES: a truncated or damaged file, after its frames up to there). Iterating ends quietly at the
    end of a file, and of a finite video served over the network
    once it has played to its end. A camera or live stream that stops
    delivering frames mid-run raises VideoError: a stream whose connection closes (the camera or server
    went away) at once, one that stalls (the connection stays open, nothing comes) or a camera that stops
    once no frame has come for ``stall_timeout_s`` seconds. The capture is released when the iteration ends.
    """

    def __init__(self, source: int | str, max_frames: int | None = None, stall_timeout_s: float = 5.0):
        self.source, self.max_frames, self.stall_timeout_s = source, max_frames, stall_timeout_s
        self.is_camera = isinstance(source, int)
        self.is_stream = isinstance(source, str) and "://" in source
        self.is_file = not self.is_camera and not self.is_stream
        self.still: Pages | None = None  # a still image file's pages, each a frame (decoded one at a time)
        self.first: np.ndarray | None = None  # uint8 BGR [H, W, 3]: its first page, decoded up front
        self.fps: float | None = None
        self.total = 0  # frames the video file (local or served over the network) declares (0: not known)
        self.live = self.is_camera
        if self.is_file and is_input_name(str(source)) and not str(source).lower().endswith(".gif"):
            check_video_file(str(source))  # (a video file is checked by open_video below)
            try:
                self.still = load_pages(str(source))
                self.first = to_bgr(self.still[0])
            except ImageError as exc:
                raise VideoError(f"{source}: {exc}") from None
            self.total = len(self.still)
            return
        self.capture = open_video(source, read_timeout_s=stall_timeout_s)
        declared = self.capture.get(cv2.CAP_PROP_FPS)
        self.fps = float(declared) if not self.is_camera and 0 < declared <= 1000 else None
        total = self.capture.get(cv2.CAP_PROP_FRAME_COUNT) if not self.is_camera else 0.0
        self.total = int(total) if 0 < total < 2**31 else 0  # a live stream has none (FFmpeg reports -2**63)
        self.live = self.is_camera or (self.is_stream and not self.total)

    def __iter__(self) -> Iterator[tuple[int, np.ndarray]]:
        if self.still is not None:  # a still image: one frame; a multi-page TIFF or a PDF: a frame a page
            for index in range(len(self.still) if self.max_frames is None else min(self.max_frames, len(self.still))):
                frame = self.first
                if index or frame is None:
                    try:
                        frame = to_bgr(self.still[index])
                    except ImageError as exc:
                        raise VideoError(f"{self.source}: {exc}") from None
                yield index, frame
            return
        capture, source, stall_timeout_s = self.capture, self.source, self.stall_timeout_s
        is_stream, is_file, total = self.is_stream, self.is_file, self.total
        what = f"camera {source}" if self.is_camera else source
        index = 0
        last_frame = time.monotonic()
        try:
            while self.max_frames is None or index < self.max_frames:
                asked = time.monotonic()
                ok, frame = capture.read()
                if ok and frame is not None and frame.size:
                    last_frame = time.monotonic()
                    yield index, frame
                    index += 1
                    continue
                if is_file:
                    if index == 0:
                        raise VideoError(
                            f"{what}: OpenCV opened it but decoded no frame: it is not a video or image it can "
                            "decode, or it is truncated; check the file"
                        )
                    if total and total - index >= TRUNCATED_FRAMES and index < TRUNCATED_SHARE * total:
                        raise VideoError(
                            f"{what}: no frame could be decoded after frame {index} of the {total} it declares: "
                            f"the file is truncated or damaged (the readings of its first {index} frames stand); "
                            "copy or export it again"
                        )
                    return
                if is_stream:  # FFmpeg does not reconnect: a failed read is the end of this stream
                    if total and index >= total - 1:
                        return  # a video file served over HTTP (its frame count is known), played to its end
                    if time.monotonic() - asked >= 0.9 * stall_timeout_s:
                        raise VideoError(
                            f"{what}: no frame for {stall_timeout_s:g} s after {index} frame(s): the "
                            "stream stalled; check the camera or server and the network"
                        )
                    raise VideoError(
                        f"{what}: the stream ended after {index} frame(s): the connection was closed "
                        "or lost; check that the camera or server is still up and the network"
                    )
                if time.monotonic() - last_frame > stall_timeout_s:
                    raise VideoError(
                        f"{what} stopped delivering frames after {index} frame(s); check the "
                        "connection and that no other program is using it"
                    )
                time.sleep(0.01)
        finally:
            capture.release()


def iter_frames(
    source: int | str, max_frames: int | None = None, stall_timeout_s: float = 5.0
) -> Iterator[tuple[int, np.ndarray]]:
    """Yield ``(index, BGR frame)`` until the video ends or ``max_frames`` (see ``Frames``, which this opens
    when the first frame is asked for)."""
    yield from Frames(source, max_frames, stall_timeout_s)


def count_inputs(inputs: Iterable[str], recursive: bool = False) -> int:
    """How many results ``iter_paths(inputs, recursive)`` gives (image paths and SourceErrors): the total of a
    progress bar. Lists folders only; opens no image."""
    return sum(1 for _ in iter_paths(inputs, recursive))


def read_lines(stream) -> Iterator[str]:
    """The listed lines of a text stream (a ``--from-file`` list, stdin, a batch manifest), without their line
    endings, pulled lazily so a pipeline (``find ... | edgedigits classify --from-file -``) streams. Blank lines
    and comments (a line whose first non-blank character is ``#``, as in shell scripts and pip's requirement
    files) are skipped; list a file whose name starts with ``#`` as ``./#name``. A byte-order mark before the
    first line (a list saved by Notepad or Excel as "UTF-8") is not part of its path."""
    for n, line in enumerate(stream):
        line = line.rstrip("\r\n")
        if n == 0:
            line = line.removeprefix("\ufeff")
        if line.strip() and not line.lstrip().startswith("#"):
            yield line
