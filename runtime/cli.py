"""The `edgedigits` command: parse arguments, call the API, format results. No logic lives here.

Commands that need TensorFlow (train, export) import it inside the command, so `classify` never pays for it.
"""

from __future__ import annotations

import math
import os
import shlex
import sys
import warnings
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, Literal, NoReturn, Optional

import typer
from typer.core import TyperCommand, TyperGroup

from .errors import install_hint


class _Group(TyperGroup):
    """The app's group (``edgedigits --help``): its help page is written as :func:`say` writes."""

    def get_help_option(self, ctx):
        return _help_checked(super().get_help_option(ctx))


class _Command(TyperCommand):
    """Every command's class (``edgedigits classify --help``): its help page is written as :func:`say` writes, and
    a file name that starts with '-' taken for an option gets a hint (:func:`dash_name_hint`)."""

    def get_help_option(self, ctx):
        return _help_checked(super().get_help_option(ctx))

    def parse_args(self, ctx, args: list[str]) -> list[str]:
        given = list(args)  # click's parser pops from the list it is given: what is left follows the failing one
        try:
            return super().parse_args(ctx, args)
        except Exception as exc:
            # click's NoSuchOption, known by its name: typer 0.28 vendors its own copy of click (typer._click).
            error: Any = exc
            takes_names = any(getattr(p, "param_type_name", "") == "argument" for p in self.params)
            failing = len(given) - len(args) - 1
            if type(error).__name__ == "NoSuchOption" and takes_names and 0 <= failing < len(given):
                hint = dash_name_hint(given[failing], ctx.command_path)
                if hint:
                    error.message = f"{error.message}\n{hint}"
            raise


def dash_name_hint(arg: str, command: str) -> str | None:
    """The hint for click's "No such option: -d" when the argument it failed on is a file whose name starts with
    '-' (``edgedigits classify -dash.png``: click reads it as the short options -d -a -s ...), or None. The POSIX
    utility syntax guidelines' remedy (guideline 10): ``--`` ends the options, and every argument after it is an
    operand. Only for commands that take file names; a name starting with ``--`` is left to click's message."""
    if arg.startswith("-") and not arg.startswith("--") and os.path.exists(arg):
        return f"'{arg}' is a file: put -- before names that start with '-' ({command} -- {shlex.quote(arg)})."
    return None


# rich_markup_mode=None: click's plain help, not rich's panels. Rich lays an option out in a table of six
# columns (name, short name, --no- name, its short name, type, help) and, when they are wider than the terminal,
# narrows them all alike: at 80 columns '--orientation-model' was cut to '--orientation-mo…'. Click's layout puts
# a long name on a line of its own and wraps only the help text, at any width (and --help no longer imports rich).
app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},  # -h too, as most command-line tools take it
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    cls=_Group,
    help="Read handwritten digits from images, folders, video and webcams.",
)


def _version(value: bool) -> None:
    if not value:
        return
    from importlib import metadata

    def version(*names: str) -> str:
        for name in names:
            try:
                return metadata.version(name)
            except metadata.PackageNotFoundError:
                continue
        return "not installed"

    import platform

    say(
        f"edgedigits {version('edgedigits')} (onnxruntime {version('onnxruntime')}, OpenCV "
        f"{version('opencv-python', 'opencv-python-headless', 'opencv-contrib-python')}, NumPy "
        f"{version('numpy')}, Python {platform.python_version()})"
    )
    raise typer.Exit(0)


@app.callback()
def _root(
    version: bool = typer.Option(
        False,
        "--version",
        callback=_version,
        is_eager=True,
        help="Print the version (and those of onnxruntime, OpenCV, NumPy) and exit.",
    ),
) -> None:
    """Read handwritten digits from images, folders, video and webcams."""


def fail(message: str, code: int = 2) -> NoReturn:
    """Print ``edgedigits: message`` on stderr and exit with ``code`` (2: a usage error, 1: the work failed)."""
    typer.echo(f"edgedigits: {message}", err=True)
    raise typer.Exit(code)


def _stdout_dropped() -> None:
    """Point standard output at /dev/null: what Python still holds for it is dropped at exit, not written (a
    second error, printed as 'Exception ignored', after the one already reported)."""
    import sys

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # no real stdout (a captured one): nothing held to drop
        pass


@contextmanager
def _writing_stdout() -> Iterator[None]:
    """Around writes to standard output: a reader that left the pipe (``edgedigits models | head -1``) ends the
    command quietly with exit status 0; an output that cannot be written (a full disk) exits 2 with one line
    saying so, as classify's results."""
    try:
        yield
    except BrokenPipeError:
        _stdout_dropped()
        raise typer.Exit(0) from None
    except OSError as exc:
        _stdout_dropped()
        fail(f"standard output: cannot write ({exc.strerror or exc}); free some space or redirect it elsewhere")


def say(text: str, nl: bool = True) -> None:
    """Print ``text`` on standard output; a closed pipe or a full disk as :func:`_writing_stdout` says."""
    with _writing_stdout():
        typer.echo(text, nl=nl)


def _show_help(ctx, param, value: bool) -> None:
    """The ``--help`` option's callback: click's own (print the help page, exit 0), with the page written as
    :func:`say` writes (``--help > /dev/full`` was an OSError traceback, a closed pipe exit status 1)."""
    if value and not ctx.resilient_parsing:
        with _writing_stdout():
            typer.echo(ctx.get_help(), color=ctx.color)
        ctx.exit()


def _help_checked(option):
    """The command's ``--help`` option (None when it has none), printing through :func:`_show_help`."""
    if option is not None:
        option.callback = _show_help
    return option


def max_pixels_option():
    """``--max-pixels N`` (classify, batch): see ``apply_decoding_options``."""
    return typer.Option(None, min=1, metavar="N", help="Largest image to decode, in pixels (default 64000000).")


def min_confidence_option(help: str = "Digits less certain than this (0-1) show as '?' in text."):
    """``--min-confidence P`` (classify, batch, webcam, evaluate --labels): a number from 0 to 1, default 0.5."""
    return typer.Option(0.5, min=0.0, max=1.0, callback=fraction_option, help=help)


def model_file_option(flag: str, help: str):
    """``--line-model``, ``--orientation-model``, ``--digit-orientation-model`` or ``--pencil-model`` (classify,
    batch, webcam, serve, evaluate --labels): a shipped name, an .onnx file or none; None (not given): the shipped
    one. ``model_option`` reads the value."""
    return typer.Option(None, flag, metavar="NAME|FILE|none", help=help)


def apply_decoding_options(max_pixels: int | None, pdf_dpi: float | None = None) -> None:
    """``--max-pixels N``: images.MAX_PIXELS for this process, the worker processes it starts, and Ray's actors
    (read_archive hands it to them); None leaves the default (64 MP). ``--pdf-dpi D``: pdf.DPI, the same way;
    None leaves 200. Set as one ``images.Decoding``, the value the workers and actors are handed."""
    from . import images

    current = images.decoding_settings()
    images.Decoding(
        current.max_pixels if max_pixels is None else max_pixels, current.pdf_dpi if pdf_dpi is None else pdf_dpi
    ).apply()


def pdf_dpi_option():
    """``--pdf-dpi D`` (classify, batch): see ``apply_decoding_options``."""
    return typer.Option(
        None,
        "--pdf-dpi",
        min=10,
        max=1200,
        metavar="D",
        help="Render PDF pages at D dots per inch (default 200; 300 for small writing).",
    )


def fraction_option(value: float) -> float:
    """``--min-confidence``: typer's 0-1 range lets NaN through (every comparison with it is false); refused
    here as a usage error (exit 2) naming the option, like 1.5."""
    if math.isnan(value):
        raise typer.BadParameter("must be a number from 0 to 1, not nan.")
    return value


def model_option(value: str | None) -> str | Literal[False] | None:
    """``--line-model`` or ``--orientation-model``: None -> the shipped one (if installed), 'none' -> no such
    model, else a name or file: the reader's own reading of the word (reader.no_model_if_none; imported here, not
    at the top, so that ``--help`` and ``--version`` load no image stages)."""
    from .reader import no_model_if_none

    return no_model_if_none(value)


ORIENTATION_HELP = (
    "Orientation classifier that tells an upside-down page (default: the shipped 'orientation'; with the line model "
    "only); none: a page is never read turned 180 degrees."
)


DIGIT_ORIENTATION_HELP = (
    "Digit quarter-turn classifier whose votes find a page on its side (default: the shipped 'digit-orientation'); "
    "none: a page on its side is found by how its lines lie alone. Both orientation models need the line model."
)


def needs_train(what: str, missing: str) -> NoReturn:
    """Exit 2: ``what`` ("training", "export") needs the [train] extra; ``missing`` says which packages are not
    installed ("tensorflow is missing")."""
    fail(f"{what} needs the [train] extra ({missing}). Install it with: " + install_hint("train"))


PENCIL_HELP = (
    "Digit model of a noisy image's digits (faint pencil, a dark webcam frame); default: the shipped 'pencil' with "
    "the default --model, else --model itself; none: --model reads every image."
)

MODEL_HELP = (
    "Digit model: a shipped name (see `edgedigits models`) or an .onnx file. The line model (--line-model) reads "
    "text lines too, and the two are pooled: to see this model alone, add --line-model none (or --single)."
)

SERVE_MODEL_HELP = (
    "Digit model: a shipped name (see `edgedigits models`) or an .onnx file. The line model (--line-model) "
    "reads text lines too, and the pencil model (--pencil-model) noisy images' digits; a request's ?single=true "
    "reads the whole image as one digit with this model alone."
)

LINE_MODEL_HELP = "Line recognizer (default: the shipped 'line'); none: each blob is read alone by the digit model."


def checked(
    reader,
    line_model: str | None,
    orientation_model: str | None = None,
    pencil_model: str | None = None,
    digit_orientation_model: str | None = None,
):
    """``reader``, with the line, orientation, pencil and digit-orientation models named by ``--line-model``,
    ``--orientation-model``, ``--pencil-model`` and ``--digit-orientation-model`` opened now: a file that is no such
    model is refused at start (ModelError), not when the first text line (or noisy image) is read."""
    if model_option(line_model):
        _ = reader.line_model  # the property opens its session
    if model_option(orientation_model):
        _ = reader.orientation_model
    if model_option(digit_orientation_model):
        _ = reader.digit_orientation_model
    if model_option(pencil_model):
        _ = reader.pencil_model
    return reader


def _ctrl_c(exc: BaseException) -> bool:
    """Is ``exc`` a Ctrl-C: a KeyboardInterrupt, or an ImportError raised because one landed in a module's import
    (onnxruntime's start-up says "ImportError: initialization failed"; its quantizer's import, a missing name)?"""
    return any(isinstance(e, KeyboardInterrupt) for e in (exc, exc.__cause__, exc.__context__))


class _CtrlC:
    """Ctrl-C during the writing and counting of one result waits until both are done, so the summary counts
    exactly the records written (a record written and then interrupted before it was counted made the
    summary one short). Anywhere else Ctrl-C stops at once, as usual."""

    def __init__(self):
        self.holding = False
        self.pending = False

    def __enter__(self) -> "_CtrlC":
        import signal

        self.previous = signal.signal(signal.SIGINT, self._handle)
        return self

    def __exit__(self, *exc) -> None:
        import signal

        signal.signal(signal.SIGINT, self.previous)

    def _handle(self, signum, frame) -> None:
        if self.holding:
            self.pending = True
        else:
            raise KeyboardInterrupt

    @contextmanager
    def held(self) -> Iterator[None]:
        """Ctrl-C pressed inside the block waits until it ends, then raises KeyboardInterrupt."""
        self.holding = True
        try:
            yield
        finally:
            self.holding = False
            if self.pending:
                self.pending = False
                raise KeyboardInterrupt


def _end_with_summary(line: str, interrupted: bool, failed: int) -> None:
    """The end of classify and batch: the summary ``line`` on stderr, then exit 130 when ``interrupted`` by Ctrl-C,
    1 when ``failed`` inputs (a count) could not be read, else return (exit 0). Once interrupted, another Ctrl-C
    has nothing left to stop and is ignored (one pressed as the summary line was written made Python's exit a
    death by SIGINT, status -2, instead of 130)."""
    if interrupted:
        import signal

        signal.signal(signal.SIGINT, signal.SIG_IGN)
    typer.echo(line, err=True)
    if interrupted:
        raise typer.Exit(130)
    if failed:
        raise typer.Exit(1)


def _cannot_write(output: Path | None, error: OSError, written: int) -> NoReturn:
    """Exit 2 saying the results could not be written to ``output`` (None: stdout), after ``written`` of them."""
    fail(
        f"{output if output is not None else 'standard output'}: cannot write the results ({error.strerror or error}; "
        f"{written} written); free some space or write them elsewhere (-o FILE)"
    )


class _Unwritable(Exception):
    """The results could not be written (the disk is full, an I/O error): ``error`` is the OSError."""

    def __init__(self, error: OSError):
        super().__init__(str(error))
        self.error = error


def _stdin_image() -> bytes:
    import stat
    import sys

    if sys.stdin is None or sys.stdin.isatty():
        fail(
            "'-' reads one image from standard input, which is a terminal here; pipe an image in, e.g. "
            "edgedigits classify - < photo.jpg"
        )
    from .images import MAX_FILE_BYTES

    try:  # a file redirected in (`< big.tif`): its size is known at once
        info = os.fstat(sys.stdin.fileno())
        known = info.st_size if stat.S_ISREG(info.st_mode) else 0
    except (OSError, ValueError):
        known = 0
    too_big = (
        f"standard input holds more than {MAX_FILE_BYTES // 2**20} MiB, the limit for one image; downscale or crop "
        "it first (or is it no image?)"
    )
    if known > MAX_FILE_BYTES:
        fail(too_big)
    data = sys.stdin.buffer.read(MAX_FILE_BYTES + 1)  # bounded as a file is (`classify - < /dev/zero` took 23 GB)
    if not data:
        fail("nothing came on standard input; pipe an image in, e.g. edgedigits classify - < photo.jpg")
    if len(data) > MAX_FILE_BYTES:
        fail(too_big)
    return data


def open_list(path: str):
    """The ``--from-file`` list at ``path`` ('-': standard input), open as UTF-8 text; a listed name whose bytes
    are not UTF-8 (a Latin-1 file name, as ``find`` prints it) keeps them (surrogateescape) and so names that
    file, whatever the locale's error handler for stdin. Raises OSError."""
    import io
    import sys

    if path == "-":
        return io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", errors="surrogateescape")
    return open(path, encoding="utf-8", errors="surrogateescape")


def _names(paths: list[str], listing) -> Iterator[str]:
    """The inputs named on the command line, then those listed one per line in ``listing`` (lazily)."""
    from .sources import read_lines

    yield from paths
    if listing is not None:
        yield from read_lines(listing)


def _reads_file(name: str, target: Path, recursive: bool) -> bool:
    """Whether the input ``name`` given on the command line would read an image file at ``target`` (an absolute,
    resolved path, existing or not): a folder that holds it (or, with ``recursive``, one of its parents) when
    its name is an image's, or a glob pattern that matches it."""
    import fnmatch

    from .images import is_input_name

    if os.path.isdir(name):
        folder = Path(name).resolve()
        return is_input_name(target.name) and (target.parent == folder or (recursive and folder in target.parents))
    return fnmatch.fnmatch(str(target), os.path.abspath(name))


def _overwritten_input(output: Path, paths: list[str], recursive: bool) -> str | None:
    """The input named on the command line that writing the results to ``output`` would overwrite: the same
    file, an image file a folder among ``paths`` lists (its subfolders' too with ``recursive``), or a file a
    glob pattern among them matches. None when there is none (or ``output`` does not exist yet). Paths listed
    by ``--from-file`` are not looked at."""
    if not output.is_file():
        return None
    target = output.resolve()
    for name in paths:
        if name == "-":
            continue
        if (os.path.isfile(name) and os.path.samefile(name, target)) or _reads_file(name, target, recursive):
            return name
    return None


def _copies_read_back(save_dir: Path, paths: list[str]) -> str | None:
    """The input named on the command line whose images the annotated copies written to ``save_dir`` would join: a
    folder among ``paths`` that is ``save_dir`` or holds it at any depth, with -r or not (a later run of it with -r
    reads them; a records office's trial: the run's own note, 'add -r', led there), a file in ``save_dir`` (its
    copy, ``1-2.png`` beside ``1.png``, is read with the folder next time), or a glob pattern that matches a copy's
    name there (a copy keeps its input's name, ``.jpg`` or ``.png``). None when there is none. Paths listed by
    ``--from-file`` are not looked at."""
    folder = save_dir.resolve()
    for name in paths:
        if name == "-":
            continue
        if os.path.isfile(name):
            if Path(name).resolve().parent == folder:
                return name
        elif any(_reads_file(name, folder / f"copy{suffix}", True) for suffix in (".png", ".jpg")):
            return name
    return None


def _count_beside(bar, paths: list[str], from_file: str | None, recursive: bool) -> None:
    """Count the inputs in a thread of their own (a folder listing) and give the bar its total when known."""
    import threading

    from .sources import count_inputs, read_lines

    def count() -> None:
        names = list(paths)
        if from_file is not None:
            with open_list(from_file) as handle:
                names += list(read_lines(handle))
        bar.set_total(count_inputs(names, recursive))

    threading.Thread(target=count, daemon=True, name="edgedigits-count").start()


@app.command(cls=_Command)
def classify(
    paths: Optional[list[str]] = typer.Argument(
        None, help="Image files, folders or glob patterns ('scans/*.png'); '-' reads one image from stdin."
    ),
    model: Optional[str] = typer.Option(None, help=MODEL_HELP),
    format: str = typer.Option("table", "--format", "-f", help="table | jsonl | csv"),
    json_lines: bool = typer.Option(False, "--json", help="The same as --format jsonl."),
    recursive: bool = typer.Option(False, "--recursive", "-r", help="Descend into subfolders."),
    workers: Optional[int] = typer.Option(None, min=1, help="Worker processes reading images (default: all cores)."),
    min_confidence: float = min_confidence_option(),
    single: bool = typer.Option(False, help="Each image is one digit (a crop or drawing): skip detection."),
    line_model: Optional[str] = model_file_option("--line-model", LINE_MODEL_HELP),
    orientation_model: Optional[str] = model_file_option("--orientation-model", ORIENTATION_HELP),
    digit_orientation_model: Optional[str] = model_file_option("--digit-orientation-model", DIGIT_ORIENTATION_HELP),
    pencil_model: Optional[str] = model_file_option("--pencil-model", PENCIL_HELP),
    from_file: Optional[str] = typer.Option(
        None,
        "--from-file",
        metavar="LIST",
        help="Also read the paths listed in this file, one per line ('-': stdin; # comments skipped).",
    ),
    output: Optional[Path] = typer.Option(
        None, "--output", "-o", help="Write the results to this file, not stdout ('-': stdout, as without -o)."
    ),
    save_dir: Optional[Path] = typer.Option(
        None, "--save-dir", metavar="DIR", help="Write a copy of each image with boxes, digits and confidences."
    ),
    max_pixels: Optional[int] = max_pixels_option(),
    pdf_dpi: Optional[float] = pdf_dpi_option(),
    progress: Optional[bool] = typer.Option(
        None, "--progress/--no-progress", help="Progress bar on stderr (default: when stderr is a terminal)."
    ),
) -> None:
    """Read the digits in images. Exit status 1 if any input could not be read."""
    import sys
    import time

    from .model import ModelError
    from .output import FORMATS, ProgressBar, Summary, Writer

    paths = paths or []
    if output is not None and str(output) == "-":  # '-' is stdout, as '-' is stdin for the inputs and the list
        output = None
    if not paths and from_file is None:
        fail("nothing to read: give image files, folders or patterns, '-' for one image on stdin, or --from-file LIST.")
    if "-" in paths and (len(paths) > 1 or from_file is not None):
        fail("'-' reads one image from stdin and goes alone; to read many, list their paths with --from-file.")
    if json_lines:  # (a records office's trial typed --json, and was told only that there is no such option)
        if format not in ("table", "jsonl"):
            fail(f"--json is --format jsonl; it cannot go with --format {format}: give one of them.")
        format = "jsonl"
    if format not in FORMATS:
        json_hint = " (JSON: jsonl, one object per line, which --json is short for)" if format == "json" else ""
        fail(f"unknown format {format!r}; choose one of {', '.join(FORMATS)}{json_hint}.")
    from .images import quiet_opencv

    quiet_opencv()
    if workers == 1:  # one core, as asked: OpenCV's own thread pool would spin (in the kernel) beside us
        import cv2

        cv2.setNumThreads(1)
    apply_decoding_options(max_pixels, pdf_dpi)
    # An image on stdin is taken first: an empty or terminal stdin stops the run before -o FILE is emptied or
    # --save-dir made.
    stdin_bytes = _stdin_image() if paths == ["-"] else None
    try:
        listing = None if from_file is None else open_list(from_file)
    except OSError as exc:
        fail(f"{from_file}: cannot read the list of paths ({exc.strerror or exc}); check the path.")
    from .reader import DigitReader

    try:
        # One onnxruntime thread: the cores are used by the worker processes (each with its own session); an
        # intra-op pool here would only spin beside them (--workers 1 used 2 cores of CPU for 1 of work).
        reader = DigitReader(
            model,
            min_confidence=min_confidence,
            single=single,
            threads=1,
            line_model=model_option(line_model),
            orientation_model=model_option(orientation_model),
            digit_orientation_model=model_option(digit_orientation_model),
            pencil_model=model_option(pencil_model),
        )
        checked(reader, line_model, orientation_model, pencil_model, digit_orientation_model)
    except ModelError as exc:
        fail(str(exc))
    copies = None
    if save_dir is not None and (named := _copies_read_back(save_dir, paths)) is not None:
        fail(
            f"--save-dir {save_dir}: the annotated copies (boxes and digits drawn on them) would join the images of "
            f"the input {named}, and a later run of that folder (with -r, when they are in a subfolder) would read "
            "them as inputs. Pick a folder of their own, outside it."
        )
    if save_dir is not None:
        from .draw import AnnotatedCopies

        try:
            copies = AnnotatedCopies(save_dir)
        except OSError as exc:
            fail(f"{save_dir}: cannot write annotated copies there ({exc.strerror or exc}); pick another --save-dir.")
    if output is not None and (named := _overwritten_input(output, paths, recursive)) is not None:
        fail(
            f"{output}: it is one of the inputs ({named}); writing the results there would overwrite it. "
            "Pick another -o file."
        )
    try:
        out = open(output, "w", encoding="utf-8", newline="") if output is not None else sys.stdout
    except OSError as exc:
        fail(
            f"{output}: cannot write the results there ({exc.strerror or exc}); check the folder exists and is "
            "writable."
        )
    started = time.perf_counter()  # (an image on stdin is read by read_batch before the loop)
    if stdin_bytes is not None:
        readings = iter(reader.read_batch([stdin_bytes], paths=["-"]))
    else:
        from .sources import iter_paths

        readings = reader.read_many(
            iter_paths(_names(paths, listing), recursive=recursive), workers=workers, processes=True
        )
    bar = None
    if progress if progress is not None else sys.stderr.isatty():
        bar = ProgressBar(sys.stderr, out)
        if stdin_bytes is not None:
            bar.set_total(1)
        elif from_file is None or (from_file != "-" and os.path.isfile(from_file)):
            # the inputs can be listed again: count them beside the run for the total and ETA. Not from stdin nor
            # a pipe (--from-file <(find ...)): a second reader would take lines from the run's own. ('-' is
            # stdin even when a file named '-' is in the current folder.)
            _count_beside(bar, paths, from_file, recursive)

    try:
        writer = Writer(format, bar.out if bar is not None else out)  # (a CSV's header line)
    except OSError as exc:
        _cannot_write(output, exc, 0)
    summary = Summary()
    interrupted = False
    unwritable: OSError | None = None
    try:
        with _CtrlC() as ctrl_c:
            try:
                for reading in readings:
                    with ctrl_c.held():
                        summary.add(reading)
                        try:
                            writer.write(reading)
                        except BrokenPipeError:
                            raise
                        except OSError as exc:
                            raise _Unwritable(exc) from None
                        source = stdin_bytes if stdin_bytes is not None else reading.path
                        if copies is not None and reading.ok and source is not None:
                            copies.save(reading, source)
                        if bar is not None:
                            bar.advance(failed=not reading.ok)
            finally:
                close = getattr(readings, "close", None)
                if close is not None:
                    close()  # worker processes stop now, not when the generator is collected
    except KeyboardInterrupt:
        interrupted = True
    except BrokenPipeError:  # `edgedigits classify ... | head`: the reader of our output left
        raise typer.Exit(0) from None
    except _Unwritable as exc:  # a full disk, an I/O error: a usage error (exit 2), not a traceback
        unwritable = exc.error
    finally:
        if bar is not None:
            bar.close()
        if output is not None:
            try:
                out.close()
            except OSError as exc:  # (the last results, flushed as the file closes)
                unwritable = unwritable or exc
        if listing is not None:
            listing.close()
    if unwritable is not None:
        _cannot_write(output, unwritable, summary.images - 1)
    line = summary.line(time.perf_counter() - started, interrupted)
    if copies is not None:
        line += f"; {copies.written} annotated cop{'y' if copies.written == 1 else 'ies'} in {save_dir}"
        for problem in copies.problems[:3]:
            typer.echo(f"edgedigits: {problem}", err=True)
    _end_with_summary(line, interrupted, summary.failed)


@app.command(cls=_Command)
def batch(
    inputs: Optional[list[str]] = typer.Argument(None, help="Image files, folders or glob patterns."),
    out: Path = typer.Option(
        ..., "--out", metavar="DIR", help="Folder for the shards and _SUMMARY.json; rerun with the same DIR to resume."
    ),
    manifest: Optional[Path] = typer.Option(
        None,
        "--manifest",
        metavar="FILE",
        help="Also read the paths or URIs listed in FILE, one a line (streamed, so <(find ...) works; '-': stdin; "
        "# comments skipped).",
    ),
    engine: str = typer.Option("local", "--engine", help="local (worker processes) | ray (Ray Data)"),
    address: Optional[str] = typer.Option(
        None, "--address", metavar="auto|HOST:PORT", help="Join this Ray cluster (default: start one on 127.0.0.1)."
    ),
    format: str = typer.Option("jsonl", "--format", "-f", help="jsonl | parquet"),
    model: Optional[str] = typer.Option(None, help=MODEL_HELP),
    single: bool = typer.Option(False, help="Each image is one digit (a crop or drawing): skip detection."),
    min_confidence: float = min_confidence_option(),
    recursive: bool = typer.Option(False, "--recursive", "-r", help="Descend into subfolders."),
    line_model: Optional[str] = model_file_option("--line-model", LINE_MODEL_HELP),
    orientation_model: Optional[str] = model_file_option("--orientation-model", ORIENTATION_HELP),
    digit_orientation_model: Optional[str] = model_file_option("--digit-orientation-model", DIGIT_ORIENTATION_HELP),
    pencil_model: Optional[str] = model_file_option("--pencil-model", PENCIL_HELP),
    workers: Optional[int] = typer.Option(
        None, min=1, help="Worker processes (local) or actors (ray); default: every core of the machine or cluster."
    ),
    batch_size: int = typer.Option(256, "--batch-size", min=1, help="Inputs per network pass and per shard."),
    max_pixels: Optional[int] = max_pixels_option(),
    pdf_dpi: Optional[float] = pdf_dpi_option(),
    progress: Optional[bool] = typer.Option(
        None, "--progress/--no-progress", help="Progress bar on stderr (default: when stderr is a terminal)."
    ),
) -> None:
    """Read a whole archive into shards of records under DIR, resumably. Exit status 1 if any input failed."""
    import sys

    from .batch import ArchiveError, read_archive
    from .images import quiet_opencv
    from .model import ModelError

    quiet_opencv()
    apply_decoding_options(max_pixels, pdf_dpi)
    bar = None
    if progress if progress is not None else sys.stderr.isatty():
        from .output import ProgressBar

        bar = ProgressBar(sys.stderr, sys.stdout)
        if manifest is None or (str(manifest) != "-" and os.path.isfile(manifest)):
            # total, percentage and time left: the inputs counted beside the run, as classify counts them (not
            # from stdin nor a pipe, which the run reads once)
            _count_beside(bar, inputs or [], None if manifest is None else str(manifest), recursive)

    def advance(read: int, failed: int, skipped: int) -> None:
        if bar is not None:
            bar.set_done(read + failed + skipped, f"reading ({failed} failed, {skipped} skipped)")

    try:
        summary = read_archive(
            inputs or [],
            out,
            manifest=manifest,
            engine=engine,
            address=address,
            format=format,
            model=model,
            line_model=model_option(line_model),
            orientation_model=model_option(orientation_model),
            digit_orientation_model=model_option(digit_orientation_model),
            pencil_model=model_option(pencil_model),
            single=single,
            min_confidence=min_confidence,
            recursive=recursive,
            workers=workers,
            batch_size=batch_size,
            on_progress=advance,
        )
    except ArchiveError as exc:
        fail(exc.for_command())
    except ModelError as exc:
        fail(str(exc))
    except (KeyboardInterrupt, ImportError) as exc:
        # Ctrl-C outside the reading (read_archive reports one during it): while the models load or the records
        # of an earlier run are counted. It was a silent exit 130, or, in onnxruntime's start-up, a traceback of
        # "ImportError: initialization failed" and exit 1 (a failed input's status).
        if not _ctrl_c(exc):
            raise
        typer.echo(f"edgedigits: interrupted; rerun the same command to go on where it stopped ({out})", err=True)
        raise typer.Exit(130) from None
    finally:
        if bar is not None:
            bar.close()
    _end_with_summary(summary.line(), summary.interrupted, summary.failed)


@app.command(cls=_Command)
def webcam(
    source: str = typer.Option("0", help="Camera index (0, 1, ...), video file, or stream URL."),
    model: Optional[str] = typer.Option(None, help="Shipped model name or .onnx file."),
    line_model: Optional[str] = model_file_option("--line-model", LINE_MODEL_HELP),
    orientation_model: Optional[str] = model_file_option("--orientation-model", ORIENTATION_HELP),
    digit_orientation_model: Optional[str] = model_file_option("--digit-orientation-model", DIGIT_ORIENTATION_HELP),
    pencil_model: Optional[str] = model_file_option("--pencil-model", PENCIL_HELP),
    headless: bool = typer.Option(False, help="No window: print one JSON line per frame."),
    format: Optional[str] = typer.Option(None, "--format", "-f", help="jsonl (default when --headless) | none"),
    max_frames: Optional[int] = typer.Option(None, min=1, help="Stop after N frames."),
    save: Optional[str] = typer.Option(
        None,
        help="Write the annotated video to this .mp4/.avi file, at the source's frame rate "
        "(a camera's or live stream's: measured).",
    ),
    min_confidence: float = min_confidence_option(),
    realtime: Optional[bool] = typer.Option(
        None,
        "--realtime/--fast",
        help="Play a video file at its own frame rate, or as fast as it can be "
        "read (default: its own rate in the window, fast with --headless).",
    ),
) -> None:
    """Read digits live from a camera or video, with boxes, digits, confidences and FPS (q/Esc quits)."""
    import json

    from . import live
    from .model import ModelError
    from .reader import DigitReader
    from .sources import VideoError, parse_source

    fmt = format or ("jsonl" if headless else "none")
    if fmt not in ("jsonl", "none"):
        json_hint = " (JSON: jsonl, one object per frame)" if fmt == "json" else ""
        fail(f"unknown format {fmt!r} for webcam; choose jsonl or none{json_hint}.")
    if save is not None:
        try:
            live.check_save_path(save)  # before the model loads and the source opens
        except ValueError as exc:
            fail(str(exc))
        if _overwritten_input(Path(save), [source], recursive=False):  # classify -o's check, for one source
            fail(f"--save {save} is the video being read (--source {source}); save to another file")
    if not headless and not live.has_display():  # a usage error, said before the models load
        fail("no display to open a window on; add --headless to print readings as JSON lines")
    from .images import quiet_opencv

    quiet_opencv()

    read = [0]  # frames read so far: said on Ctrl-C

    def emit(index: int, reading) -> None:
        read[0] = index + 1  # (read; Ctrl-C may stop it before its record is out)
        if fmt == "jsonl":
            record = {"frame": index, "text": reading.text, "digits": [d.to_dict() for d in reading.digits]}
            try:
                typer.echo(json.dumps(record))
            except BrokenPipeError:
                raise
            except OSError as exc:  # a full disk, an I/O error: exit 2, as classify's results
                fail(
                    f"standard output: cannot write the readings ({exc.strerror or exc}; {index} written); free "
                    "some space or redirect them elsewhere"
                )

    try:
        reader = DigitReader(
            model,
            min_confidence=min_confidence,
            threads=1,
            line_model=model_option(line_model),
            orientation_model=model_option(orientation_model),
            digit_orientation_model=model_option(digit_orientation_model),
            pencil_model=model_option(pencil_model),
        )
        checked(reader, line_model, orientation_model, pencil_model, digit_orientation_model)
        stats = live.run(
            reader,
            parse_source(source),
            headless=headless,
            max_frames=max_frames,
            save=save,
            on_reading=emit,
            realtime=realtime,
        )
    except (ModelError, VideoError, ValueError) as exc:
        fail(str(exc), code=1 if isinstance(exc, VideoError) else 2)
    except KeyboardInterrupt:
        saved = f"; {save} holds them" if save is not None and read[0] else ""
        typer.echo(f"stopped by Ctrl-C after {read[0]} frame(s){saved}", err=True)
        raise typer.Exit(130) from None
    except BrokenPipeError:  # `edgedigits webcam --headless | head`: the reader of our output left (as classify)
        raise typer.Exit(0) from None
    line = f"{stats.frames} frame(s) in {stats.seconds:.2f} s ({stats.fps:.1f} FPS)"
    if save is not None and stats.saved_fps:
        line += f"; saved {save} at {stats.saved_fps:.1f} frames/s"
    typer.echo(line, err=True)


@app.command(cls=_Command)
def serve(
    host: str = typer.Option("127.0.0.1", help="Address to listen on. Anything but loopback needs an API key."),
    port: int = typer.Option(8000, help="TCP port (0: any free port; the start-up line names it)."),
    model: Optional[str] = typer.Option(None, help=SERVE_MODEL_HELP),
    line_model: Optional[str] = model_file_option("--line-model", LINE_MODEL_HELP),
    orientation_model: Optional[str] = model_file_option("--orientation-model", ORIENTATION_HELP),
    digit_orientation_model: Optional[str] = model_file_option("--digit-orientation-model", DIGIT_ORIENTATION_HELP),
    pencil_model: Optional[str] = model_file_option("--pencil-model", PENCIL_HELP),
    workers: int = typer.Option(
        1,
        help="Server processes, each with its own model session and about one core "
        "of reading (2 on a 2-core machine read 1.5-1.7x the images per second of 1: docs/serving.md, "
        "Under load).",
    ),
    threads: Optional[int] = typer.Option(
        None,
        help="Reading threads per process (default 1: the image stages "
        "hold Python's GIL, so more processes scale and threads don't).",
    ),
    api_key: Optional[str] = typer.Option(
        None,
        envvar="EDGEDIGITS_API_KEY",
        show_default=False,
        help="Key every /v1 request must carry (Authorization: Bearer KEY or "
        "X-API-Key). Prefer the environment variable: a command line is "
        "visible to other users.",
    ),
    cors_origin: list[str] = typer.Option(
        [], "--cors-origin", help="Let pages from this origin call the API (repeatable). CORS is off by default."
    ),
    max_body_mb: float = typer.Option(20.0, help="Largest request body in MB (413 above)."),
    max_megapixels: float = typer.Option(40.0, help="Largest image in megapixels (413 above)."),
    max_batch: int = typer.Option(64, help="Most images in one /v1/read/batch request."),
    body_timeout: float = typer.Option(30.0, help="Seconds a request body may take to arrive (408 after)."),
    header_timeout: float = typer.Option(10.0, help="Seconds a request's headers may take to arrive (408 after)."),
    log_level: str = typer.Option("info", help="critical | error | warning | info | debug"),
    access_log: bool = typer.Option(True, "--access-log/--no-access-log", help="Log one line per request."),
) -> None:
    """Serve the reader over HTTP: the API under /v1, its docs at /docs, and a page to draw, drop or film
    digits at /."""
    from .model import ModelError
    from .serve import ServeConfig, ServeError, run
    from .serve.config import scaled

    try:
        config = ServeConfig(
            host=host,
            port=port,
            model=model,
            line_model=line_model,
            orientation_model=orientation_model,
            digit_orientation_model=digit_orientation_model,
            pencil_model=pencil_model,
            workers=workers,
            threads=threads,
            api_key=api_key,
            cors_origins=tuple(cors_origin),
            max_body_bytes=scaled(max_body_mb, 1e6, "--max-body-mb"),
            max_pixels=scaled(max_megapixels, 1e6, "--max-megapixels"),
            max_batch=max_batch,
            body_timeout=body_timeout,
            header_timeout=header_timeout,
            log_level=log_level.lower(),
            access_log=access_log,
        ).check()
        run(config)
    except (ServeError, ModelError) as exc:
        fail(str(exc))


# --------------------------------------------------------------------------- training (TensorFlow, imported lazily)


@app.command(cls=_Command)
def train(
    preset: str = typer.Option(
        ..., help="seed | mlp | cnn | pencil | line | line-wide | orientation | digit-orientation"
    ),
    data: Optional[Path] = typer.Option(None, help="MNIST folder (else $EDGEDIGITS_DATA, else the user cache)."),
    out: Optional[Path] = typer.Option(None, help="Run folder (default runs/<preset>)."),
    epochs: Optional[int] = typer.Option(None, help="Epochs (default: the preset's)."),
    batch_size: Optional[int] = typer.Option(None, help="Batch size (default: the preset's)."),
    seed: int = typer.Option(0, help="Random seed; the same seed repeats the run."),
    val_split: float = typer.Option(0.2, help="Fraction of the training set held out for validation."),
    subset: Optional[int] = typer.Option(
        None,
        help="Train on only the first N training images (quick runs); line and orientation presets: make N "
        "synthetic training lines.",
    ),
    init: Optional[Path] = typer.Option(
        None,
        help="Line preset: start from this run's weights (a run folder or .keras) to train it further, or from "
        "a shipped line model's .onnx file (its batch norms recalibrated and trained, or kept as they are with "
        "--freeze-norms; see train/onnx_weights.py).",
    ),
    freeze_norms: bool = typer.Option(
        False,
        "--freeze-norms",
        help="Line preset with an --init .onnx file: keep its batch norms as shipped (frozen); train the rest.",
    ),
    learning_rate: Optional[float] = typer.Option(
        None,
        help="Line preset: peak learning rate of the cosine schedule (default: the preset's; lower it to train "
        "an --init run further).",
    ),
    overwrite: bool = typer.Option(
        False, "--overwrite", help="Replace the run already in --out (without it, a folder holding a run is refused)."
    ),
) -> None:
    """Train a Keras model on MNIST (needs TensorFlow: install the train extra)."""
    from importlib.util import find_spec

    def absent(name: str) -> bool:
        try:
            return find_spec(name) is None
        except (ImportError, ValueError):  # a broken install, or an import hook that refuses it
            return True

    missing = [name for name in ("tensorflow", "keras", "matplotlib") if absent(name)]
    if missing:  # checked before anything is imported: a runtime-only install gets one line, not a traceback
        needs_train("training", f"{', '.join(missing)} missing")
    out = out or Path("runs") / preset
    if not overwrite and (held := _run_files(out)):
        fail(
            f"--out {out}: holds a run already ({', '.join(held)}); add --overwrite to replace it, or pick another "
            "--out."
        )
    try:
        from edgedigits.train.fit import train as run_training
        from edgedigits.train.presets import PRESETS
    except ImportError as exc:
        needs_train("training", f"{exc.name} is missing")
    if preset not in PRESETS:
        fail(f"unknown preset {preset!r}; choose one of {', '.join(PRESETS)}.")
    import shutil
    import signal

    from edgedigits.runtime.mnist import MnistError

    def terminated(signum, frame):  # SIGTERM (a job scheduler, `kill`): ended as Ctrl-C is, with a word
        raise KeyboardInterrupt(signum)

    previous = signal.signal(signal.SIGTERM, terminated)
    if out.exists() and not out.is_dir():
        fail(f"--out {out}: is a file; choose a folder for the run (it is created if needed).")
    staging = _staging_folder(out)  # the run is written here, then moved into --out whole (publish_run)
    shutil.rmtree(staging, ignore_errors=True)  # (one a run killed with SIGKILL left)
    try:
        metrics = run_training(
            preset,
            staging,
            data_dir=data,
            epochs=epochs,
            batch_size=batch_size,
            seed=seed,
            val_split=val_split,
            subset=subset,
            init=init,
            peak_learning_rate=learning_rate,
            freeze_norms=freeze_norms,
        )
        interrupt = signal.signal(signal.SIGINT, signal.SIG_IGN)  # (the run is moved into --out whole, or not
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # at all)
        publish_run(staging, out)
        signal.signal(signal.SIGINT, interrupt)
    except (MnistError, ValueError) as exc:
        shutil.rmtree(staging, ignore_errors=True)
        fail(str(exc).replace(str(staging), str(out)))
    except KeyboardInterrupt as exc:  # it was a silent exit 130 (143), an empty run folder left (a new user's trial)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        shutil.rmtree(staging, ignore_errors=True)
        where = f"{out} is as it was" if out.exists() else f"{out} was not made"
        typer.echo(
            "edgedigits: training interrupted: nothing was saved, a run is written once its last epoch ends "
            f"({where}); rerun it, with fewer --epochs or a --subset to finish sooner.",
            err=True,
        )
        # os._exit, not an exception unwinding to the interpreter's exit: TensorFlow's threads, still running
        # there, abort the process now and then ("terminate called without an active exception": status -6)
        import sys

        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(143 if exc.args == (signal.SIGTERM,) else 130)
    finally:
        signal.signal(signal.SIGTERM, previous)
    if metrics.get("kind") == "orientation":
        say(
            f"{preset}: test lines called right {metrics['test_accuracy']:.1%} (with a digit 2-7, 9: "
            f"{metrics['test_asymmetric_accuracy']:.1%}); {metrics['params']:,} parameters, "
            f"{metrics['run_seconds']:.0f} s -> {out}"
        )
        return
    if metrics.get("kind") == "digit_orientation":
        say(
            f"{preset}: turned test digits called right {metrics['test_accuracy']:.1%} (digits 2-7, 9: "
            f"{metrics['test_asymmetric_accuracy']:.1%}); {metrics['params']:,} parameters, "
            f"{metrics['run_seconds']:.0f} s -> {out}"
        )
        return
    if metrics.get("kind") == "line":
        say(
            f"{preset}: test lines read exactly: "
            + ", ".join(f"{kind} {v['text_exact']:.1%}" for kind, v in metrics["test_lines"].items())
            + f"; {metrics['params']:,} parameters, {metrics['train_seconds']:.0f} s -> {out}"
        )
        return
    say(
        f"{preset}: test accuracy {metrics['test_accuracy']:.4%} ({metrics['test_errors']} errors), "
        f"{metrics['params']:,} parameters, {metrics['train_seconds']:.0f} s -> {out}"
    )


OPSETS = (13, 18)  # the ONNX opsets export takes: 13 is the first whose Softmax works over one axis, as Keras' does;
# tf2onnx 1.17 refuses 19 and above ("Opset 19 is not supported yet", measured 2026-12-06); the shipped models use 17


def _staging_folder(out: Path) -> Path:
    """Where a run bound for ``out`` is written until it is whole: ``.<name>.partial`` beside it (same filesystem,
    so that publish_run moves files, never copies them)."""
    return out.parent / f".{out.name or 'run'}.partial"


def publish_run(staging: Path, out: Path) -> None:
    """Move the finished run in ``staging`` into ``out`` (created if needed) and remove ``staging``: each file
    replaces its namesake (os.replace), and the files of an earlier run in ``out`` that this run did not write
    (RUN_FILES) are removed, so ``out`` never holds two runs' files. A Ctrl-C in the last second of training, while
    the files were being written straight into ``out``, left a run without its plots that a rerun refused as
    'holds a run already', with ``--overwrite`` a new model beside the old run's plots, both said 'nothing was
    saved' (a new user's trial)."""
    out.mkdir(parents=True, exist_ok=True)
    written = {path.name for path in staging.iterdir()}
    for name in RUN_FILES - written:
        (out / name).unlink(missing_ok=True)
    for path in staging.iterdir():
        os.replace(path, out / path.name)
    staging.rmdir()


RUN_FILES = {"model.keras", "metrics.json", "history.csv", "curves.png", "confusion.png", "errors.png"}  # what a
# training run writes (train/fit.py, line_fit.py, orientation_fit.py)


def _run_files(out: Path) -> list[str]:
    """The files of a finished training run in the folder ``out`` (model.keras, metrics.json): [] for none."""
    return [name for name in ("model.keras", "metrics.json") if (out / name).is_file()]


# --------------------------------------------------------------------------- export, evaluate, models


@app.command("export", cls=_Command)
def export_command(
    source: Path = typer.Argument(..., help="Training run folder (holding model.keras) or a .keras file."),
    out: Path = typer.Option(..., help="The .onnx file to write; its model card goes next to it (.json)."),
    opset: int = typer.Option(17, help="ONNX opset."),
    quantize: Optional[str] = typer.Option(None, help="int8: also write OUT-int8.onnx (static quantization)."),
    name: Optional[str] = typer.Option(None, help="Model name in the metadata (default: the stem of OUT)."),
    data: Optional[Path] = typer.Option(None, help="MNIST folder (else $EDGEDIGITS_DATA, else the user cache)."),
    calibration: int = typer.Option(1000, help="Training images that calibrate the int8 model."),
    per_channel: bool = typer.Option(False, "--per-channel/--per-tensor", help="int8 weight scales."),
    card: bool = typer.Option(True, "--card/--no-card", help="Write the model card OUT.json next to the model."),
    overwrite: bool = typer.Option(
        False, "--overwrite", help="Replace the model already at --out (without it, an existing model is refused)."
    ),
) -> None:
    """Export a trained Keras model to ONNX, check parity on MNIST test, optionally int8 (needs the train extra)."""
    if not OPSETS[0] <= opset <= OPSETS[1]:  # (1 gave tf2onnx's traceback, 5 a graph with stray inputs, 21 exit 1)
        fail(
            f"--opset {opset}: export takes opsets {OPSETS[0]} to {OPSETS[1]} (tf2onnx 1.17 converts none above "
            f"{OPSETS[1]}; the shipped models use 17). Nothing was written."
        )
    int8 = out.with_name(f"{out.stem}-int8.onnx")
    targets = [out, out.with_suffix(".json")] + ([int8, int8.with_suffix(".json")] if quantize == "int8" else [])
    if not overwrite and source.exists() and (held := [str(t) for t in targets if t.is_file()]):
        # a shipped model too (models/default.onnx in a clone, where the install is editable)
        fail(
            f"--out {out}: would replace {', '.join(held)}; add --overwrite to replace them, or pick another --out "
            "(e.g. models/mydigits.onnx). Nothing was written."
        )
    try:
        from edgedigits.export import ExportError, ExportUsageError, export_model
        from edgedigits.train.environment import command_line
    except ImportError as exc:
        needs_train("export", f"{exc.name} is missing")
    from importlib.util import find_spec

    from .mnist import MnistError

    if missing := [package for package in ("tensorflow", "tf2onnx") if find_spec(package) is None]:  # said first:
        # without the extra, a run folder not made yet was all a new user heard ('runs/cnn: no such run folder')
        needs_train("export", f"{missing[0]} is missing")
    command = command_line("edgedigits")  # paths inside the current folder relative: the card's command reruns
    try:
        result = export_model(
            source,
            out,
            opset=opset,
            quantize_to=quantize,
            name=name,
            data_dir=data,
            calibration_images=calibration,
            per_channel=per_channel,
            write_card=card,
            command=command,
        )
    except (ExportUsageError, MnistError) as exc:  # no model at the source, an output not ending in .onnx, no
        # MNIST test files to check it on (as evaluate): a usage error
        fail(str(exc))
    except ExportError as exc:  # a check failed (parity, a model the runtime cannot load)
        fail(str(exc), code=1)
    except (KeyboardInterrupt, ImportError) as exc:  # a Ctrl-C was a silent exit 130 (a new user's trial), and
        # one that lands in a module's import (onnxruntime's quantizer) said 'needs the [train] extra (None is missing)'
        if not _ctrl_c(exc):
            needs_train("export", f"{getattr(exc, 'name', None)} is missing")
        fail(f"export interrupted: nothing was written to {out}; run it again to export.", code=130)
    if result.get("kind") == "orientation":
        printed = result["test_printed"]
        fonts = "Hershey fonts, which training used too" if printed.get("fonts") == ["Hershey"] else "unseen fonts"
        say(
            f"{result['name']}: parity on {result['parity']['lines']} test lines "
            f"({result['parity']['call_disagreements']} called differently, max |d log-odds| "
            f"{result['parity']['max_abs_diff']:.1e}); called right {result['test']['accuracy']:.1%} "
            f"(with a digit 2-7, 9: {result['test']['asymmetric_accuracy']:.1%}); printed in "
            f"{fonts}: {printed['printed']['accuracy']:.1%} of lines, "
            f"{printed['printed_beside']['accuracy']:.1%} of worksheet lines"
        )
        say(
            f"  {result['size_bytes']:,} bytes, {result['params']:,} parameters, "
            f"{result['mflops_per_line_of_8_digits']} MFLOPs per line of 8 digits -> {result['path']}"
        )
        if result["test"]["accuracy"] < 0.8:
            say(
                f"  note: {result['test']['accuracy']:.1%} of the test lines called right is far below the shipped "
                "orientation model's 95%: train longer (more --epochs or --subset) before reading with it"
            )
        return
    if result.get("kind") == "digit_orientation":
        t = result["test"]
        say(
            f"{result['name']}: parity on {result['parity']['images']:,} turned test digits "
            f"({result['parity']['argmax_disagreements']} called differently, max |dp| "
            f"{result['parity']['max_abs_diff']:.1e}); turn called right: {t['accuracy']:.1%} (digits 2-7, 9: "
            f"{t['asymmetric_accuracy']:.1%}; the axis: {t['axis_accuracy']:.1%})"
        )
        say(
            f"  {result['size_bytes']:,} bytes, {result['params']:,} parameters, {result['mflops_per_digit']} "
            f"MFLOPs per digit -> {result['path']}"
        )
        return
    if "test_lines" in result:  # a line model
        say(
            f"{result['name']}: parity on {result['parity']['lines']} test lines "
            f"({result['parity']['reading_disagreements']} read differently, max |dp| "
            f"{result['parity']['max_abs_diff']:.1e}); exact: "
            + ", ".join(f"{kind} {v['text_exact']:.1%}" for kind, v in result["test_lines"].items())
        )
        say(
            f"  {result['size_bytes']:,} bytes, {result['params']:,} parameters, "
            f"{result['mflops_per_line_of_8_digits']} MFLOPs per line of 8 digits -> {result['path']}"
        )
        plain = result["test_lines"].get("plain", {}).get("text_exact")
        if plain is not None and plain < 0.8:  # (a 200-line run exported at 0% with no word: a new user's trial)
            say(
                f"  note: {plain:.1%} of the plain test lines read exactly is far below the shipped line model's "
                "97%: train longer (more --epochs or --subset); with --line-model it reads worse than the shipped one"
            )
        return
    f, q = result["float"], result["int8"]
    parity = f["parity"]
    say(
        f"{f['name']}: MNIST test accuracy Keras {f['keras_test_accuracy']:.2%}, ONNX {f['test_accuracy']:.2%} "
        f"(parity on {parity['images']} images: {parity['argmax_disagreements']} different predictions, "
        f"max |dp| {parity['max_abs_diff']:.1e})"
    )
    say(
        f"  float {f['test_accuracy']:.2%}  {f['size_bytes']:>9,} bytes  {f['params']:,} parameters, "
        f"{f['mflops_per_digit']} MFLOPs/digit -> {f['path']}"
    )
    if q:
        verdict = "meets" if q["meets_goal"] else "MISSES"
        say(
            f"  int8  {q['test_accuracy']:.2%}  {q['size_bytes']:>9,} bytes  "
            f"{accuracy_change(q['accuracy_loss_points'])}, {q['size_ratio']:.2f}x smaller ({verdict} the goal: at "
            f"most {q['goal']['max_accuracy_loss_points']} points less accurate, at least "
            f"{q['goal']['min_size_ratio']}x smaller) -> {q['path']}"
        )
    elif int8.is_file():  # an earlier export's int8 model, whose card names a float model that is no longer there
        say(f"  note: {int8} is from an earlier export, not this model's; remove it, or add --quantize int8")
    if f["test_accuracy"] < 0.9:
        say(
            f"  note: {f['test_accuracy']:.2%} on the MNIST test set is far below the shipped models' 99.5%: train "
            "longer (more --epochs, no --subset) before reading with it"
        )


def accuracy_change(loss_points: float) -> str:
    """The int8 model's accuracy beside the float model's, in words that read right either way: ``loss_points``
    (float minus int8, in percentage points) 0.12 -> '0.12 points less accurate', -0.25 -> '0.25 points more
    accurate', below 0.005 either way -> 'as accurate'. (It printed '-0.25 points' for a gain.)"""
    shown = f"{abs(loss_points):.2f}"
    if shown == "0.00":
        return "as accurate"
    return f"{shown} points {'less' if loss_points > 0 else 'more'} accurate"


@app.command("evaluate", cls=_Command)
def evaluate_command(
    ctx: typer.Context,
    model: Optional[str] = typer.Option(None, help="Shipped model name (see `edgedigits models`) or .onnx file."),
    data: Optional[Path] = typer.Option(None, help="MNIST folder (else $EDGEDIGITS_DATA, else the user cache)."),
    format: str = typer.Option("text", "--format", "-f", help="text | json"),
    threads: Optional[int] = typer.Option(None, min=0, help="onnxruntime intra-op threads (default: all cores)."),
    labels: Optional[Path] = typer.Option(
        None,
        "--labels",
        metavar="CSV",
        help="Score your own images instead: a CSV of 'file,text' rows (files relative to the CSV).",
    ),
    single: bool = typer.Option(False, help="With --labels: each image is one digit (as classify --single)."),
    line_model: Optional[str] = model_file_option(
        "--line-model", "With --labels: the line recognizer, as in classify."
    ),
    orientation_model: Optional[str] = model_file_option("--orientation-model", "With --labels: as in classify."),
    digit_orientation_model: Optional[str] = model_file_option(
        "--digit-orientation-model", "With --labels: as in classify."
    ),
    pencil_model: Optional[str] = model_file_option("--pencil-model", "With --labels: as in classify."),
    min_confidence: float = min_confidence_option(
        "With --labels: digits less certain than this (0-1) read as '?' (a miss), as in classify."
    ),
    workers: Optional[int] = typer.Option(
        None, min=1, help="With --labels: worker processes reading images (default: all cores)."
    ),
    progress: Optional[bool] = typer.Option(
        None, "--progress/--no-progress", help="With --labels: a progress bar on stderr (default: on a terminal)."
    ),
) -> None:
    """Accuracy of a model on the MNIST test set, per digit, with the worst confusions; or, with --labels, on
    your own labelled images: the exact rate and the digit accuracy (1 - CER), with the misses. Exit status 1
    if a labelled image could not be read."""
    import json

    from .evaluate import evaluate as run_evaluation
    from .evaluate import format_text
    from .mnist import MnistError
    from .model import Model, ModelError

    if format not in ("text", "json"):
        fail(f"unknown format {format!r}; choose text or json.")
    # the options given on the command line, at their default or not (compared by name: click's ParameterSource
    # as this module imports it need not be the object typer's context holds)
    given = {name for name in ctx.params if getattr(ctx.get_parameter_source(name), "name", "") == "COMMANDLINE"}
    if labels is not None:
        for name, option in (("data", "--data"), ("threads", "--threads")):
            if name in given:
                fail(
                    f"{option} is for the evaluation on MNIST; --labels scores your own images instead, read by "
                    "worker processes of one thread each (--workers): give one or the other."
                )
        models = {
            "line_model": line_model,
            "orientation_model": orientation_model,
            "digit_orientation_model": digit_orientation_model,
            "pencil_model": pencil_model,
        }
        _evaluate_labels(labels, model, format, single, models, min_confidence, workers, progress)
        return
    for name in (
        "single",
        "line_model",
        "orientation_model",
        "digit_orientation_model",
        "pencil_model",
        "min_confidence",
        "workers",
        "progress",
    ):
        if name in given:
            option = "--" + name.replace("_", "-")
            fail(f"{option} is for reading labelled images: it goes with --labels CSV.")
    try:
        report = run_evaluation(Model(model, threads=threads), data)
    except (ModelError, MnistError) as exc:
        fail(str(exc))
    say(json.dumps(report) if format == "json" else format_text(report))


def _evaluate_labels(
    labels: Path,
    model: str | None,
    format: str,
    single: bool,
    models: dict[str, str | None],
    min_confidence: float,
    workers: int | None,
    progress: bool | None,
) -> None:
    """``evaluate --labels``: read_labels (``models``: the line, orientation, digit-orientation and pencil models as
    their options give them, by DigitReader's argument names), the readings scored one by one (labelled.Tally, so
    that Ctrl-C still reports what was read, and exits 130), format_report (runtime/labelled.py)."""
    import json
    import signal

    from .images import quiet_opencv
    from .labelled import LabelsError, Tally, format_report, multi_digit_labels, read_labels
    from .model import ModelError
    from .output import ProgressBar
    from .reader import DigitReader

    try:
        rows = read_labels(labels)
    except LabelsError as exc:
        fail(str(exc))
    if single and (several := multi_digit_labels(rows)):
        typer.echo(
            f"edgedigits: note: {several:,} of the {len(rows):,} labels hold more than one digit, and --single reads "
            "each image as one digit: they will miss.",
            err=True,
        )
    quiet_opencv()
    try:
        reader = DigitReader(
            model,
            min_confidence=min_confidence,
            single=single,
            threads=1,
            line_model=model_option(models["line_model"]),
            orientation_model=model_option(models["orientation_model"]),
            digit_orientation_model=model_option(models["digit_orientation_model"]),
            pencil_model=model_option(models["pencil_model"]),
        )
        checked(
            reader,
            models["line_model"],
            models["orientation_model"],
            models["pencil_model"],
            models["digit_orientation_model"],
        )
    except ModelError as exc:
        fail(str(exc))
    tally = Tally(rows)
    readings = reader.read_many([row.path for row in rows], workers=workers, processes=True)
    bar = ProgressBar(sys.stderr, sys.stdout) if (progress if progress is not None else sys.stderr.isatty()) else None
    if bar is not None:
        bar.set_total(len(rows))
    interrupted = False
    try:
        with _CtrlC() as ctrl_c:
            try:
                for row, reading in zip(rows, readings):
                    with ctrl_c.held():  # a reading is scored whole, or not at all
                        tally.add(row, reading)
                        if bar is not None:
                            bar.advance(failed=not reading.ok)
            finally:
                readings.close()  # worker processes stop now, not when the generator is collected
    except KeyboardInterrupt:
        interrupted = True
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # from here the report of what was read is written whole
    if bar is not None:
        bar.close()
    report = tally.report(reader)
    say(json.dumps({"labels": str(labels), **report}) if format == "json" else format_report(report, labels))
    if interrupted:
        typer.echo(f"edgedigits: interrupted after {report['images']:,} of {len(rows):,} images", err=True)
        raise typer.Exit(130)
    if report["unreadable"]:
        raise typer.Exit(1)


@app.command("models", cls=_Command)
def models_command(
    format: str = typer.Option("text", "--format", "-f", help="text | json | markdown (models/README.md)"),
) -> None:
    """List the shipped models with the figures of their model cards."""
    import json

    from .model import KIND_OPTIONS, cards_markdown, latest_orientation_test, shipped_models

    if format not in ("text", "json", "markdown"):
        fail(f"unknown format {format!r}; choose text, json or markdown.")
    rows = shipped_models()
    if format == "json":
        say(json.dumps([{k: v for k, v in row.items() if k != "card"} for row in rows], indent=2))
    elif format == "markdown":
        say(cards_markdown(rows), nl=False)
    elif not rows:
        fail("no shipped models found in this installation; reinstall edgedigits.", code=1)
    else:
        say(f"{'name':<18} {'accuracy':>9} {'size':>12} {'params':>9} {'MFLOPs':>7}  preset")
        for row in rows:
            accuracy = f"{row['accuracy']:.2%}" if row["accuracy"] is not None else "?"
            if row["kind"] == "orientation":  # its share of test lines called right, MFLOPs per 8-digit line
                called = latest_orientation_test(row["card"]).get("accuracy")
                right = f"{called:.1%}" if called is not None else "?"
                say(
                    f"{row['name']:<18} {right:>9} {row['size_bytes'] / 1024:>8,.1f} KiB "
                    f"{row['params'] or 0:>9,} {row['card'].get('mflops_per_line_of_8_digits') or 0:>7}  "
                    f"{row['preset'] or ''} (test lines' way up called right; MFLOPs per line of 8 digits)"
                )
                continue
            if row["kind"] == "line":  # a line model: its mean exact rate on test lines, MFLOPs per 8-digit line
                exact = f"{row['test_exact']:.1%}" if row["test_exact"] is not None else "?"
                kinds = ", ".join(row["card"].get("test_lines", {})) or "its kinds"
                say(
                    f"{row['name']:<18} {exact:>9} {row['size_bytes'] / 1024:>8,.1f} KiB "
                    f"{row['params'] or 0:>9,} {row['card'].get('mflops_per_line_of_8_digits') or 0:>7}  "
                    f"{row['preset'] or ''} (test lines read exactly, the mean over {kinds}; MFLOPs per 8-digit "
                    "line)"
                )
                continue
            # a digit model, or the digit-orientation model: its share of turned test digits called right
            turns = (
                " (MNIST test digits at four turns, the turn called right)"
                if row["kind"] == "digit_orientation"
                else ""
            )
            say(
                f"{row['name']:<18} {accuracy:>9} {row['size_bytes'] / 1024:>8,.1f} KiB "
                f"{row['params'] or 0:>9,} {row['mflops_per_digit'] or 0:>7}  {row['preset'] or ''}{turns}"
            )
        # which option takes which model: seven names of four kinds (a new user gave a digit model as the line model)
        present = {row["kind"] for row in rows}
        takes = [f"{kind.replace('_', '-')} models {KIND_OPTIONS[kind][0]}" for kind in KIND_OPTIONS if kind in present]
        say("the options that take them: " + "; ".join(takes) + " (each but --model also takes none)")


@app.command("bench", cls=_Command)
def bench_command(
    model: Optional[str] = typer.Option(None, help="Shipped model name (see `edgedigits models`) or .onnx file."),
    format: str = typer.Option("text", "--format", "-f", help="text | json"),
    quick: bool = typer.Option(False, help="Small sizes: a few seconds instead of about a minute."),
) -> None:
    """Speed on this machine: model latency and throughput, time per stage, folder throughput."""
    import json

    from .bench import format_text, run
    from .model import ModelError

    if format not in ("text", "json"):
        fail(f"unknown format {format!r}; choose text or json.")
    try:
        report = run(model, quick=quick)
    except ModelError as exc:
        fail(str(exc))
    say(json.dumps(report, indent=2) if format == "json" else format_text(report))


class _SigtermAsCtrlC:
    """SIGTERM handled as Ctrl-C while a command runs: the stop that ``kill``, ``timeout``, ``docker stop``, systemd
    and Kubernetes send. Python's default for SIGTERM ends the process on the spot: ``batch`` left no summary and no
    line, ``classify`` no summary line. Here SIGTERM runs what SIGINT would run (the current SIGINT handler: the
    result being written is finished and counted first, ``_CtrlC``; elsewhere a KeyboardInterrupt), so everything
    that Ctrl-C does follows: the worker processes finish their tasks and stop, and the summary is written. The exit
    status is then 143 (128 + SIGTERM, the shell's convention for a process ended by it), not 130.

    Where the command ignores Ctrl-C for a few milliseconds (writing ``batch``'s summary, starting its workers:
    ``parallel.ctrl_c_ignored``), SIGTERM is ignored too. A process started with SIGINT ignored (a background job of
    a shell script, ``nohup``) has no Ctrl-C to follow: SIGTERM raises KeyboardInterrupt there, anywhere.
    ``received``: a SIGTERM was taken as Ctrl-C."""

    def __init__(self) -> None:
        self.received = False

    def __enter__(self) -> "_SigtermAsCtrlC":
        import signal

        self.ignored_from_start = signal.getsignal(signal.SIGINT) is signal.SIG_IGN
        self.previous = signal.signal(signal.SIGTERM, self._handle)
        return self

    def __exit__(self, *exc) -> None:
        import signal

        signal.signal(signal.SIGTERM, self.previous)

    def _handle(self, signum, frame) -> None:
        import signal

        ctrl_c = signal.getsignal(signal.SIGINT)
        if ctrl_c is signal.SIG_IGN and not self.ignored_from_start:
            return  # a moment in which Ctrl-C is ignored
        self.received = True
        if callable(ctrl_c):
            ctrl_c(signal.SIGINT, frame)
        else:
            raise KeyboardInterrupt


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """warnings.showwarning for the command line: the listing's notes that subfolders, or images without a suffix,
    were left unread (sources.SubfoldersNotRead, UnsuffixedNotRead) as a plain line on stderr, every other warning
    as Python shows it. (By the class's name: importing sources here would load OpenCV before any command needs
    it.)"""
    if category.__name__ in ("SubfoldersNotRead", "UnsuffixedNotRead"):
        sys.stdout.flush()  # (after the records already printed, on a terminal showing both)
        print(f"note: {message}", file=sys.stderr)
        return
    _python_showwarning(message, category, filename, lineno, file, line)


_python_showwarning = warnings.showwarning


def main() -> None:
    warnings.showwarning = _show_warning
    # NumPy and OpenCV each load their own OpenBLAS, which starts a thread per core as it loads; the threads
    # spin waiting for work. The runtime calls no BLAS routine (onnxruntime has its own thread pool), so a
    # command only pays for them: one thread each spares a cold `classify` the CPU of those spinning threads.
    # A value the user set is kept.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    sigterm = _SigtermAsCtrlC()
    try:
        with sigterm:
            app()
    except SystemExit:
        if sigterm.received:  # stopped by SIGTERM: the shell's status for it, whatever the command made of it
            raise SystemExit(143) from None
        raise
    finally:
        # The process ends here, and Python's last garbage collection at exit would walk every object the
        # imports made (typer, NumPy, ...): 25-35 ms of a cold `classify`. Frozen objects are skipped.
        # Everything else about the exit stays: atexit handlers, flushing stdout and stderr, and (as
        # always, by Python's rules) no promise that __del__ runs for objects still alive at exit.
        import gc

        gc.freeze()


if __name__ == "__main__":
    main()
