"""Does a figure move with the OpenCV release because the runtime reads differently, or because the test material
is drawn differently? Issue 10's photos (``train/scenes.py``) are drawn, blurred and JPEG-compressed with OpenCV,
so each release makes slightly different photos from the same seed.

    python benchmarks/opencv_release.py save --kind desk_photo --n 100 --out /tmp/desk-cv51   # draws them
    python benchmarks/opencv_release.py [--json FILE] read /tmp/desk-cv51                     # reads them

``save`` writes the photos as lossless PNG with their truth (``truth.json``); ``read`` reads a saved folder with
the shipped models and prints the exact rate. Run each under both releases (two venvs, or one with the other
release first on PYTHONPATH, e.g. ``pip install --target /tmp/cv50 --no-deps opencv-python==5.0.0.93`` and
``PYTHONPATH=/tmp/cv50``): the same folder read alike under both means the runtime is unchanged and the material
moved.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from _common import machine, parser, write_json


def save(kind: str, n: int, seed: int, out: Path) -> None:
    """Draw ``n`` photos of ``kind`` (seed ``seed``, MNIST test digits) into ``out`` as PNG, with truth.json."""
    import cv2

    from edgedigits.runtime.mnist import load
    from edgedigits.train.scenes import kind_photos

    out.mkdir(parents=True, exist_ok=True)
    truth = {}
    for i, (image, text) in enumerate(kind_photos(load("test"), kind, seed, n)):
        name = f"{i:04d}.png"
        cv2.imwrite(str(out / name), image)
        truth[name] = text
    (out / "truth.json").write_text(json.dumps({"kind": kind, "seed": seed, "opencv": cv2.__version__, "truth": truth}))
    print(f"{n} {kind} photos drawn with OpenCV {cv2.__version__} in {out}")


def read(folder: Path) -> dict:
    """Read a folder written by ``save`` with the shipped models; the exact rate and each reading."""
    import cv2

    from edgedigits.runtime.reader import DigitReader

    saved = json.loads((folder / "truth.json").read_text())
    reader = DigitReader("default", line_model="line", orientation_model="orientation")
    got = {name: reader.read(cv2.imread(str(folder / name), cv2.IMREAD_UNCHANGED)).text for name in saved["truth"]}
    exact = sum(got[name] == text for name, text in saved["truth"].items())
    print(
        f"{folder} ({saved['kind']}, drawn with OpenCV {saved['opencv']}) read with OpenCV {cv2.__version__}: "
        f"{exact} of {len(got)} exact"
    )
    return {
        "folder": str(folder),
        "drawn_with": saved["opencv"],
        "read_with": cv2.__version__,
        "exact": exact,
        "images": len(got),
        "readings": got,
    }


def main() -> None:
    p = parser(__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="command", required=True)
    s = sub.add_parser("save", help="draw photos of a kind into a folder, as PNG")
    s.add_argument("--kind", default="desk_photo")
    s.add_argument("--n", type=int, default=100)
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--out", type=Path, required=True)
    r = sub.add_parser("read", help="read a saved folder with the shipped models")
    r.add_argument("folder", type=Path)
    args = p.parse_args()
    if args.command == "save":
        save(args.kind, args.n, args.seed, args.out)
    else:
        write_json(args.json, {"machine": machine(), **read(args.folder)})


if __name__ == "__main__":
    sys.exit(main())
