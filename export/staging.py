"""Files written all at once or not at all: each is staged under a temporary name next to its target, then
renamed into place (``commit``) or removed (``discard``)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


class Staging:
    """Temporary files next to their targets, renamed into place by ``commit`` or removed by ``discard``."""

    def __init__(self):
        self.files: list[tuple[Path, Path]] = []

    def write(self, target: Path, data: bytes) -> Path:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; the final file gets the usual permissions
        self.files.append((Path(tmp), target))
        return Path(tmp)

    def commit(self) -> None:
        for tmp, target in self.files:
            os.replace(tmp, target)
        self.files.clear()

    def discard(self) -> None:
        for tmp, _ in self.files:
            tmp.unlink(missing_ok=True)
        self.files.clear()
