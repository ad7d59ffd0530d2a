"""How far to trust the confidence: send a reading to review when one of its digits is less sure than a
threshold, and see how many wrong readings that catches and how many right ones it sends too.

    python benchmarks/confidence.py [--n 100] [--seed 0] [--json FILE]

Material (MNIST *test* digits only, the same as ``benchmarks/accuracy.py``'s; never trained on): each line kind
(touching pairs and strings, two groups joined by a separator, a word beside a number, words alone, printed
numbers) as a tight crop and as a photo (``train/lines.py``), and each of issue 10's photo kinds
(``train/scenes.py`` KINDS: desk photos, borders, form boxes, rules, turned and tilted pages, dark webcam frames,
pencil, tiny scans, labels), ``--n`` of each. A reading is right when its text is the text written (accuracy.py's
"exact"). Its confidence here is its least sure digit's (``Reading.digits[i].confidence``; 1.0 for a reading of
no digits): what ``--min-confidence`` compares, a digit under it showing as ``?``.

For each threshold, of all readings: the share sent to review (a digit under it), the share of the wrong readings
among them (caught), and how often the readings not sent are right. Per group too: which errors the
confidence cannot see.
"""

from __future__ import annotations

import numpy as np
from accuracy import LINE_KINDS, line_material

from _common import machine, needs_train_extra, parser, table, write_json

from edgedigits.runtime.mnist import load
from edgedigits.runtime.reader import DigitReader

THRESHOLDS = (0.5, 0.7, 0.8, 0.9, 0.95, 0.99)


def least_sure(reading) -> float:
    """The confidence of a reading's least sure digit; 1.0 when it read none (nothing to doubt)."""
    return min((d.confidence for d in reading.digits), default=1.0)


def material(split, n: int, seed: int):
    """(group, image, text written) for every line kind as a crop and as a photo, then every photo kind."""
    from edgedigits.train.scenes import KINDS, kind_photos

    for k, kind in enumerate(LINE_KINDS):  # the lines benchmarks/accuracy.py reads
        for sample, (image, text) in line_material(split, k, n, seed):
            yield f"line crop: {kind}", sample.photo, sample.text
            yield f"line photo: {kind}", image, text
    for kind in KINDS:
        for image, text in kind_photos(split, kind, seed, n):
            yield f"photo kind: {kind}", image, text


def flagging(rows: list[tuple[bool, float]], threshold: float) -> dict:
    """For (right?, least sure) rows: at ``threshold``, the share sent to review, the wrong ones caught (of all
    wrong), and the exact rate of those not sent."""
    sent = [least < threshold for _, least in rows]
    wrong = [not right for right, _ in rows]
    kept = [right for (right, _), s in zip(rows, sent) if not s]
    return {
        "sent": float(np.mean(sent)),
        "wrong caught": sum(s and w for s, w in zip(sent, wrong)) / max(1, sum(wrong)),
        "wrong": sum(wrong),
        "exact of the rest": float(np.mean(kept)) if kept else None,
    }


def main() -> None:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=100, help="images of each line kind (crop and photo) and photo kind")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()
    needs_train_extra()  # printed lines and their fonts: Pillow, matplotlib
    n = 3 if args.quick else args.n
    reader = DigitReader()
    split = load("test")
    groups: dict[str, list[tuple[bool, float]]] = {}
    for group, image, text in material(split, n, args.seed):
        reading = reader.read(image)
        groups.setdefault(group, []).append((reading.text == text, least_sure(reading)))
    everything = [row for rows in groups.values() for row in rows]
    overall = {t: flagging(everything, t) for t in THRESHOLDS}
    print(f"{len(everything)} readings, {sum(not r for r, _ in everything)} wrong (seed {args.seed}, {n} of each)\n")
    print(
        table(
            ["review a reading with a digit under", "readings sent", "wrong readings caught", "exact of the rest"],
            [
                [t, f"{f['sent']:.3f}", f"{f['wrong caught']:.2f}", f"{f['exact of the rest']:.4f}"]
                for t, f in overall.items()
            ],
        )
    )
    print()
    by_group = {name: flagging(rows, 0.9) for name, rows in groups.items()}
    print(
        table(
            ["group (threshold 0.9)", "wrong", "caught", "readings sent"],
            [[name, f["wrong"], f"{f['wrong caught']:.2f}", f"{f['sent']:.2f}"] for name, f in by_group.items()],
        )
    )
    write_json(
        args.json,
        {
            "machine": machine(),
            "n": n,
            "seed": args.seed,
            "readings": len(everything),
            "by_threshold": {str(t): f for t, f in overall.items()},
            "by_group_at_0.9": by_group,
        },
    )


if __name__ == "__main__":
    main()
