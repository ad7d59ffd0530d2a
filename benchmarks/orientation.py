"""Upside-down pages: the orientation model's page log-odds on upright and turned page photos, and how many
of each a threshold turns.

    python benchmarks/orientation.py [--pages 200] [--seed 0] [--orientation-model FILE] [--json FILE]

Pages: ``edgedigits.train.scenes.page_photo`` (a phone photo of paper filling the frame, one number of 3-6
MNIST *test* digits, 640x480 to 1024x768), read as they are and turned 180 degrees (``rotated_180``'s pages).
Each page goes through the reader's own steps (``detect.extract``, the line tensors in one padded batch, the
line model and the orientation model); its evidence is ``orientation.page_log_odds``, and a page counts only
when the line model reads at least ``ReadConfig.flip_min_chars`` characters on it (as ``upside_down``).
Reported: for each threshold, the share of upright pages turned (wrongly) and of turned pages caught.
"""

from __future__ import annotations

import numpy as np

from _common import machine, model_path, parser, table, write_json

from edgedigits.runtime import detect
from edgedigits.runtime.config import DEFAULT_READ
from edgedigits.runtime.lines import STRIDE, ctc_greedy, pad_batch
from edgedigits.runtime.mnist import load
from edgedigits.runtime.orientation import page_log_odds
from edgedigits.runtime.reader import DigitReader
from edgedigits.train import scenes

THRESHOLDS = (0.0, 0.5, 1.0, 2.0, 3.0, 4.0, 5.0, 5.5, 6.0, 7.0, 8.0)


def evidence(reader: DigitReader, image: np.ndarray) -> float | None:
    """The page's log-odds of being turned 180 degrees, or None when it holds too few characters."""
    lines = detect.extract(image, lines=True).text_lines
    if not lines:
        return None
    batch, widths = pad_batch([line.fitted.tensor for line in lines])
    posteriors = reader.line_model.predict(batch)
    if sum(len(ctc_greedy(p, w // STRIDE)) for p, w in zip(posteriors, widths)) < DEFAULT_READ.flip_min_chars:
        return None
    return page_log_odds(reader.orientation_model.predict(batch), widths)


def main() -> None:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--pages", type=int, default=200)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--orientation-model", default=None, help="its name or .onnx file (default: orientation)")
    args = p.parse_args()
    if args.quick:
        args.pages = 10
    reader = DigitReader(orientation_model=args.orientation_model)
    split = load("test")
    rng = np.random.default_rng([args.seed, 180])
    upright, turned = [], []
    for _ in range(args.pages):
        w, h = [(640, 480), (800, 600), (1024, 768)][int(rng.integers(3))]
        image, _ = scenes.page_photo(split, rng, w, h, 3, 6)
        upright.append(evidence(reader, image))
        turned.append(evidence(reader, np.ascontiguousarray(image[::-1, ::-1])))
    up = np.array([v for v in upright if v is not None])
    down = np.array([v for v in turned if v is not None])
    rows = [
        [
            f"{t:g}" + (" (flip_log_odds)" if t == DEFAULT_READ.flip_log_odds else ""),
            f"{(up > t).mean():.3f}",
            f"{(down > t).mean():.3f}",
        ]
        for t in THRESHOLDS
    ]
    print(
        f"{args.pages} page photos of MNIST test digits, upright and turned 180; pages with >= "
        f"{DEFAULT_READ.flip_min_chars} characters: {len(up)} upright, {len(down)} turned"
    )
    print(table(["threshold (page log-odds)", "upright pages turned", "turned pages caught"], rows))
    print(
        f"\nupright: min {up.min():.2f}, median {np.median(up):.2f}, max {up.max():.2f}; "
        f"turned: min {down.min():.2f}, median {np.median(down):.2f}, max {down.max():.2f}"
    )
    write_json(
        args.json,
        {
            "machine": machine(),
            "pages": args.pages,
            "seed": args.seed,
            "orientation model": model_path(reader.orientation_model_file),
            "upright": up.tolist(),
            "turned": down.tolist(),
            "thresholds": {
                f"{t:g}": {"upright_turned": float((up > t).mean()), "turned_caught": float((down > t).mean())}
                for t in THRESHOLDS
            },
        },
    )


if __name__ == "__main__":
    main()
