"""The one base class of the errors edgedigits raises on purpose, so that an app can catch them all:

    from edgedigits.runtime.errors import EdgeDigitsError
    try:
        reading = reader.read(upload)
    except EdgeDigitsError as exc:  # ImageError, ModelError, ArchiveError, VideoError, ServeError, MnistError
        reply(400, str(exc))       # each message names the input or setting and says what to do

Each error also keeps the built-in class it always had (``ImageError`` is a ``ValueError``, ``ModelError`` a
``RuntimeError``, ...), so code catching those goes on working. No imports: any module may take it.
"""

from __future__ import annotations


class EdgeDigitsError(Exception):
    """Base of edgedigits' own errors: ImageError, ModelError, ArchiveError, VideoError, ServeError and
    MnistError. Its message names what failed and what to do."""


def install_hint(extra: str) -> str:
    """How to install the optional ``extra`` ("train", "serve", "ray", "pdf"), for an error message: from the clone
    (edgedigits is not on PyPI: `pip install 'edgedigits[serve]'` finds no such distribution there) or from a
    package index that has it."""
    return (
        f"pip install '.[{extra}]' in the edgedigits clone, or 'edgedigits[{extra}]' from a package index that has it"
    )
