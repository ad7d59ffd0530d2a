"""The README and the pages under docs/: every relative link leads to a file that exists, and every anchor to a
heading of that file; the README keeps what users and CI rely on (the two set-up commands that .ci/run runs,
the Python API section the tests run the examples of, the models table, the diagram of how an image is read and
the accuracy table). Text only: no network, no model."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
PAGES = [README, *sorted((ROOT / "docs").glob("*.md"))]

FENCE = re.compile(r"^(```|~~~).*?^\1[^\n]*$", re.M | re.S)
CODE_SPAN = re.compile(r"(`+)(?!`).*?(?<!`)\1(?!`)", re.S)
LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$", re.M)


def prose(text: str) -> str:
    """The text without fenced code blocks and code spans, where a link is not a link."""
    return CODE_SPAN.sub("", FENCE.sub("", text))


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: markup dropped, lowercase, punctuation other than hyphens and spaces
    dropped, spaces made hyphens."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link in a heading: its text
    text = text.replace("`", "").replace("*", "").strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    """Every heading's anchor in a markdown file, a repeated heading's as GitHub numbers it (-1, -2, ...)."""
    seen: dict[str, int] = {}
    found = set()
    for match in HEADING.finditer(FENCE.sub("", path.read_text())):
        base = slug(match.group(2))
        count = seen.get(base, 0)
        seen[base] = count + 1
        found.add(base if count == 0 else f"{base}-{count}")
    return found


def links(path: Path) -> list[str]:
    return LINK.findall(prose(path.read_text()))


def broken_links(path: Path) -> list[str]:
    """The relative links of a markdown file whose target file, or heading, does not exist."""
    broken = []
    for target in links(path):
        if re.match(r"[a-z][a-z0-9+.-]*:", target, re.I) or target.startswith("//"):
            continue  # https:, mailto: ...: not this repository's
        file_part, _, anchor = target.partition("#")
        resolved = (path.parent / file_part).resolve() if file_part else path
        if not resolved.exists():
            broken.append(f"{target}: no file {resolved}")
        elif anchor and resolved.suffix == ".md" and anchor not in anchors(resolved):
            broken.append(f"{target}: no heading with the anchor #{anchor} in {resolved.name}")
    return broken


def section(text: str, heading: str) -> str:
    """A '## ' section of the README, up to the next '## ' heading (as the README-parsing tests cut it)."""
    assert f"\n{heading}\n" in text, f"README.md has no {heading!r} section"
    return text.split(f"\n{heading}\n", 1)[1].split("\n## ", 1)[0]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_and_anchor_resolves(page):
    assert broken_links(page) == []


def test_every_docs_page_is_linked_from_the_readme():
    linked = {(ROOT / target.partition("#")[0]).resolve() for target in links(README)}
    assert [page.name for page in PAGES[1:] if page.resolve() not in linked] == []


def test_the_link_check_finds_a_broken_file_and_a_broken_anchor(tmp_path):
    (tmp_path / "other.md").write_text("# Other\n\n## A section: with `code`, punctuation (and more)\n")
    page = tmp_path / "page.md"
    page.write_text(
        "# Page\n\n## Set-up: two commands\n\n## Set-up: two commands\n\n"
        "[ok](other.md) [ok](other.md#a-section-with-code-punctuation-and-more) [ok](#set-up-two-commands) "
        "[ok](#set-up-two-commands-1) [web](https://example.com/x.md) `[code](missing.md)`\n\n"
        "[gone](missing.md) [bad anchor](other.md#no-such-heading) [bad here](#nowhere)\n\n"
        "```\n[in a fence](fenced.md)\n```\n"
    )
    assert [b.split(":", 1)[0] for b in broken_links(page)] == [
        "missing.md",
        "other.md#no-such-heading",
        "#nowhere",
    ]


def test_slug_follows_githubs_rule():
    assert slug("Set-up: two commands") == "set-up-two-commands"
    assert slug("Figures (issue 12)") == "figures-issue-12"
    assert slug("The `raw` field") == "the-raw-field"
    assert slug("The shipped models' cards, measured again") == "the-shipped-models-cards-measured-again"
    assert slug("What `read` gives: a `Reading`") == "what-read-gives-a-reading"


def test_readme_keeps_the_two_set_up_commands():
    setup = section(README.read_text(), "## Set-up: two commands")
    [block] = re.findall(r"```bash\n(.*?)```", setup, re.S)
    commands = [line.split("#", 1)[0].strip() for line in block.splitlines() if line.strip()]
    assert commands == ["make demo", "make test"]
    assert set(commands) <= set((ROOT / ".ci" / "run").read_text().splitlines())  # what CI runs
    assert "minutes" in setup  # how long the test suite takes


def test_readme_keeps_the_python_api_models_diagram_and_accuracy_table():
    text = README.read_text()
    api = section(text, "## Python API")
    assert api.startswith("\n```python\n") and "iter_frames(" in api and "DetectConfig(" in api
    models = section(text, "## Models")
    generated = [row for row in (ROOT / "models" / "README.md").read_text().splitlines() if row.startswith("| `")]
    assert generated and all(row in models.splitlines() for row in generated)
    [how] = [m.group(2) for m in HEADING.finditer(text) if "How an image is read" in m.group(2)]
    diagram = text.split(how, 1)[1].split("```", 2)[1]
    assert "image ─▶ decode ─▶ page" in diagram and "recognize" in diagram
    assert "| material | read exactly |" in section(text, "## How well it reads")
