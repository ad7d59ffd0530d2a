"""Files written all at once or not at all: each is staged under a temporary name next to its target, then
renamed into place (``commit``) or removed (``discard``). A target that cannot be written (a file where its
folder should be, no permission, a full disk) is an ``ExportError`` naming it."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .convert import ExportError


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def unwritable(target: Path, exc: OSError) -> ExportError:
    """The ExportError for a ``target`` that cannot be written (``exc``: why), saying what to do."""
    where = f": {exc.filename}" if exc.filename else ""
    return ExportError(
        f"{target}: cannot be written ({exc.strerror or exc}{where}); choose an --out in a folder you can write "
        "to. Nothing was written."
    )


class Staging:
    """Temporary files next to their targets, renamed into place by ``commit`` or removed by ``discard``."""

    def __init__(self):
        self.files: list[tuple[Path, Path]] = []

    def write(self, target: Path, data: bytes) -> Path:
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        except OSError as exc:
            raise unwritable(target, exc) from None
        self.files.append((Path(tmp), target))  # removed by discard whatever happens next
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; the final file gets the usual permissions
        except OSError as exc:
            raise unwritable(target, exc) from None
        return Path(tmp)

    def commit(self) -> None:
        for _, target in self.files:
            if target.is_dir():  # os.replace would fail after the files before it were renamed into place
                raise ExportError(f"{target}: is a folder; choose an --out file name. Nothing was written.")
        for tmp, target in self.files:
            os.replace(tmp, target)
        self.files.clear()

    def discard(self) -> None:
        for tmp, _ in self.files:
            tmp.unlink(missing_ok=True)
        self.files.clear()
