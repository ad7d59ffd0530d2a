"""The suite runs on the releases of the libraries that draw its material (constraints-dev.txt)."""

from __future__ import annotations

import re
from importlib.metadata import version
from pathlib import Path

from packaging.markers import Marker

CONSTRAINTS = Path(__file__).resolve().parents[1] / "constraints-dev.txt"


def pins() -> dict[str, str]:
    """constraints-dev.txt's 'name==version[; marker]' lines that apply here -> {name: version}."""
    out = {}
    for line in CONSTRAINTS.read_text().splitlines():
        line = line.split("#")[0].strip()
        if not line:
            continue
        requirement, _, marker = line.partition(";")
        name, pinned = re.fullmatch(r"([A-Za-z0-9_.-]+)==(\S+)", requirement.strip()).groups()
        if not marker.strip() or Marker(marker).evaluate():
            out[name] = pinned
    return out


def test_the_venv_has_the_pinned_releases_that_draw_the_test_material():
    """A test photo drawn by another OpenCV release differs (docs/accuracy.md, "OpenCV releases draw the material
    differently"): the suite moves to a new release only when constraints-dev.txt does (make rebuilds the venv when
    the file changes)."""
    found = pins()
    assert "opencv-python" in found and "numpy" in found
    assert {name: version(name) for name in found} == found
