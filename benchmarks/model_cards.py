"""The shipped line and orientation models' card figures, measured again on today's test lines.

    python benchmarks/model_cards.py [--json FILE] [--quick] [--write]

A card holds the figures its export measured (export/line_export.py, export/orientation_export.py) on lines of
MNIST *test* digits that ``train/line_fit.make_lines`` draws. When the line generator changes (train/lines.py), the
same seeds draw other lines, and the card's figures are no longer what a rerun gives (a reproducibility audit,
2026-12-06: the line card's words 0.9367 against 0.9433 now). This script measures each model file as its export
did (the same lines per kind, seeds ``seed + 1000 (+ k)``, greedy CTC; the orientation model on every line both
ways) and prints the card's figure beside today's. With ``--write`` (not with ``--quick``), today's figures go
into each card as ``remeasured`` (with the date, the commit, the OpenCV and NumPy releases and this command), and
``models/README.md`` is generated again: its tables then give today's figures and each model's section both. The
export's own figures, and the model file with its metadata, are left as they are.

The digit models' cards are checked by the test suite on the full MNIST test set (tests/test_shipped_models.py) and
by ``edgedigits evaluate``.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np

from _common import machine, needs_train_extra, now_utc, parser, table, write_json

from edgedigits.runtime import mnist
from edgedigits.runtime.lines import pad_batch
from edgedigits.runtime.model import LineModel, OrientationModel
from edgedigits.train.line_fit import TEST_KINDS, decode_batch, exact_rates, kind_style, make_lines
from edgedigits.train.orientation_fit import accuracy

MODELS = Path(__file__).resolve().parents[1] / "models"


def line_figures(path: Path, lines_per_kind: int, seed: int = 0) -> dict:
    """export/line_export.py's test_lines: per kind, the share of lines whose digits (text) and whose whole
    reading (raw) are right."""
    test = mnist.load("test")
    session = LineModel(path, threads=1)
    out = {}
    for k, kind in enumerate(TEST_KINDS):
        tensors, targets = make_lines(
            test.images, test.labels, lines_per_kind, seed + 1000 + k, kind_style(kind), workers=1
        )
        batch, widths = pad_batch([t / np.float32(255.0) for t in tensors])
        out[kind] = exact_rates(decode_batch(session.predict(batch), widths), targets)
    return out


def orientation_figures(path: Path, lines: int, seed: int = 0) -> dict:
    """export/orientation_export.py's test figures: the upright/turned call on every line both ways."""
    test = mnist.load("test")
    tensors, targets = make_lines(test.images, test.labels, lines, seed + 1000, workers=1)
    return accuracy(OrientationModel(path, threads=1).predict, tensors, targets)


def remeasured(figures: dict, key: str) -> dict:
    """A card's ``remeasured`` entry: today's ``figures`` under ``key``, and what they were measured with."""
    import cv2

    commit = subprocess.run(
        ["git", "-C", str(MODELS.parent), "describe", "--always", "--dirty"], capture_output=True, text=True
    ).stdout.strip()
    return {
        "date_utc": now_utc(),
        "commit": commit or None,
        "opencv": cv2.__version__,
        "numpy": np.__version__,
        "command": "python benchmarks/model_cards.py --write",
        key: figures,
    }


def write_cards(line_now: dict, orientation_now: dict) -> None:
    """Today's figures into models/line.json and models/orientation.json (``remeasured``), and models/README.md
    generated again from the cards, as ``edgedigits models --format markdown`` does."""
    from edgedigits.runtime.model import cards_markdown

    for name, figures, key in (("line", line_now, "test_lines"), ("orientation", orientation_now, "test")):
        path = MODELS / f"{name}.json"
        card = json.loads(path.read_text())
        card["remeasured"] = remeasured(figures, key)
        path.write_text(json.dumps(card, indent=2) + "\n")
    (MODELS / "README.md").write_text(cards_markdown())
    print(
        f"wrote today's figures into {MODELS / 'line.json'} and {MODELS / 'orientation.json'} (remeasured), "
        f"and {MODELS / 'README.md'}; the README's models table quotes the latter's rows"
    )


def main() -> None:
    p = parser(__doc__.splitlines()[0])
    p.add_argument(
        "--write", action="store_true", help="write today's figures into the cards (remeasured) and models/README.md"
    )
    args = p.parse_args()
    needs_train_extra()  # the test lines are typeset with Pillow in matplotlib's fonts
    if args.write and args.quick:
        p.error("--write takes the cards' full sets of lines; drop --quick")
    rows, report = [], {"machine": machine()}
    line_card = json.loads((MODELS / "line.json").read_text())
    per_kind = 20 if args.quick else next(iter(line_card["test_lines"].values()))["lines"]
    now = line_figures(MODELS / "line.onnx", per_kind)
    report["line"] = {"card": line_card["test_lines"], "now": now}
    for kind, figures in now.items():
        card = line_card["test_lines"].get(kind)
        for field in ("text_exact", "raw_exact"):
            rows.append(
                [
                    f"line: {kind}, {field}",
                    f"{card[field]:.4f}" if card else "-",
                    f"{figures[field]:.4f}",
                    figures["lines"],
                ]
            )
    orientation_card = json.loads((MODELS / "orientation.json").read_text())
    card_test = orientation_card.get("test", {})
    lines = 50 if args.quick else card_test.get("lines", 1000)
    measured = orientation_figures(MODELS / "orientation.onnx", lines)
    report["orientation"] = {"card": card_test, "now": measured}
    for field in ("accuracy", "asymmetric_lines", "asymmetric_accuracy", "symmetric_accuracy"):
        card = card_test.get(field)
        rows.append([f"orientation: {field}", "-" if card is None else f"{card:.4g}", f"{measured[field]:.4g}", lines])
    print(table(["figure", "card", "today's test lines", "lines"], rows))
    write_json(args.json, report)
    if args.write:
        write_cards(now, measured)


if __name__ == "__main__":
    main()
