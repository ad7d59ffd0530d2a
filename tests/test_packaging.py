"""What `pip install edgedigits` gives an app: the wheel built from this tree, its files and its type information."""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

APP = """
from pathlib import Path

from edgedigits.runtime import DigitReader
from edgedigits.runtime.batch import read_archive

reader = DigitReader()
text: str = reader.read("a.png").text
wrong: int = reader.read("a.png").text  # the one error a type checker must report
for reading in reader.read_paths([Path("scans"), "more"]):
    print(reading.path, [(d.value, d.confidence, d.box) for d in reading.digits])
read_archive([Path("scans")], "out")
named = reader.read("a.png", path=Path("named.png")).path  # a path name may be a Path, as the docstring says
batch = reader.read_batch(["a.png"], paths=[Path("named.png")])
"""


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel pip builds from a copy of this tree (in place, setuptools would reuse a stale build/ folder)."""
    out = tmp_path_factory.mktemp("wheel")
    source = out / "source"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(".*", "build", "*.egg-info", "__pycache__"))
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "-q", "-w", str(out)],
        check=True,
        capture_output=True,
    )
    (built,) = out.glob("edgedigits-*.whl")
    return built


def test_the_wheel_holds_the_models_the_page_and_the_type_marker(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for name in ("default.onnx", "line.onnx", "orientation.onnx", "default.json"):
        assert f"edgedigits/models/{name}" in names
    assert "edgedigits/runtime/web/index.html" in names
    assert "edgedigits/runtime/py.typed" in names  # PEP 561
    assert not any(n.startswith("tests/") for n in names)


def test_an_app_is_type_checked_against_the_installed_api(wheel, tmp_path):
    """mypy --strict on an app that uses the API, with the wheel installed (a .pth in a bare venv): the app's one
    wrong annotation is found, and Path inputs and path names are accepted as the docstrings say (read's
    ``path=`` took str alone: a new user's typed app was refused). Without py.typed mypy saw the
    package as untyped ("missing library stubs or py.typed marker"), and every call as Any."""
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(tmp_path / "venv")], check=True)
    python = tmp_path / "venv" / "bin" / "python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    Path(purelib, "edgedigits.pth").write_text(f"{site}\n")
    (tmp_path / "app.py").write_text(APP)
    found = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "--python-executable", str(python), "app.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    errors = [line for line in found.stdout.splitlines() if ": error:" in line]
    assert len(errors) == 1 and "app.py:9:" in errors[0] and "[assignment]" in errors[0], found.stdout
    assert sysconfig.get_paths()["purelib"] != purelib  # (the app's venv, not this one)
