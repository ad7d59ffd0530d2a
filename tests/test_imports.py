"""The package's modules import each other without a cycle.

Every import counts, also one inside a function or under ``TYPE_CHECKING``: a cycle hidden by a deferred
import is still two modules that cannot be understood, tested or moved one without the other.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The import packages and their folders (pyproject.toml's [tool.setuptools.package-dir]).
FOLDERS = {"edgedigits.runtime": "runtime", "edgedigits.train": "train", "edgedigits.export": "export"}


def package_modules() -> dict[str, Path]:
    """{dotted module name: file} of every module of the package (a package's own is its ``__init__.py``)."""
    modules = {}
    for package, folder in FOLDERS.items():
        for path in sorted((ROOT / folder).rglob("*.py")):
            parts = path.relative_to(ROOT / folder).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            modules[".".join((package, *parts))] = path
    return modules


def imports_of(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The package's modules that module ``name`` imports, anywhere in its code."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}" if base else anchor
            # `from x import y`: y may be a module of x, or a name defined in x.
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base for alias in node.names]
        else:
            continue
        found.update(target for target in targets if target in modules and target != name)
    return found


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle ``[a, b, ..., a]`` of ``graph``, or None (depth-first search, three colours)."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return path[path.index(nxt) :] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_the_package_has_no_import_cycle():
    modules = package_modules()
    assert "edgedigits.runtime.reader" in modules and "edgedigits.runtime.serve.app" in modules
    graph = {name: imports_of(name, path, modules) for name, path in modules.items()}
    assert "edgedigits.runtime.results" in graph["edgedigits.runtime.parallel"]  # the scan sees deferred imports too
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_the_cycle_finder_finds_a_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set(), "c": {"a", "b"}}) is None


# --------------------------------------------------------------------------- edgedigits.runtime's own names
# The package imports its names on first use (runtime/__init__.py: __getattr__ and _WHERE), so that importing it
# stays light; dir() lists them all the same, for completion in a REPL or an editor.

LIGHT = """
import sys
import edgedigits.runtime as runtime
listed = dir(runtime)
from edgedigits.runtime import DetectConfig, ReadConfig
config = DetectConfig(min_height=8)
heavy = sorted(m for m in sys.modules if m.split(".")[0] in ("onnxruntime", "cv2"))
print("DigitReader" in listed, "DetectConfig" in listed, heavy)
"""


def test_importing_the_runtime_and_its_configs_loads_no_onnxruntime_or_opencv():
    """`import edgedigits.runtime`, its dir() and its configurations (config.py imports the standard library only)
    load neither onnxruntime nor OpenCV: a script that only builds a configuration starts fast."""
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-c", LIGHT], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True True []"


def test_the_runtime_exports_its_configs_and_dir_lists_every_public_name():
    """`from edgedigits.runtime import DetectConfig` was an ImportError; 'DigitReader' was not in dir()."""
    import edgedigits.runtime as runtime
    from edgedigits.runtime import DetectConfig, ReadConfig, config

    assert DetectConfig is config.DetectConfig and ReadConfig is config.ReadConfig
    assert set(runtime.__all__) == set(runtime._WHERE) and {"DetectConfig", "ReadConfig"} <= set(runtime.__all__)
    assert set(runtime.__all__) <= set(dir(runtime)) and "__doc__" in dir(runtime)
    for name in runtime.__all__:  # each resolves from where _WHERE says it lives
        assert getattr(runtime, name).__name__ == name


def test_the_runtime_gives_the_installed_version():
    """`edgedigits.runtime.__version__` is the installed distribution's version (a new user's trial found no
    version attribute; `import edgedigits` is a namespace package)."""
    from importlib.metadata import version

    import edgedigits.runtime as runtime

    assert runtime.__version__ == version("edgedigits")
    assert "." in runtime.__version__
