"""The `edgedigits` command: parse arguments, call the API, format results. No logic lives here.

Commands that need TensorFlow (train, export) import it inside the command, so `classify` never pays for it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Read handwritten digits from images, folders, video and webcams.")


@app.callback()
def _root() -> None:
    """Read handwritten digits from images, folders, video and webcams."""


def fail(message: str, code: int = 2) -> None:
    typer.echo(f"edgedigits: {message}", err=True)
    raise typer.Exit(code)


@app.command()
def train(
    preset: str = typer.Option(..., help="seed | mlp | cnn"),
    data: Optional[Path] = typer.Option(None, help="MNIST folder (else $EDGEDIGITS_DATA, else the user cache)."),
    out: Optional[Path] = typer.Option(None, help="Run folder (default runs/<preset>)."),
    epochs: Optional[int] = typer.Option(None, help="Epochs (default: the preset's)."),
    batch_size: Optional[int] = typer.Option(None, help="Batch size (default: the preset's)."),
    seed: int = typer.Option(0, help="Random seed; the same seed repeats the run."),
    val_split: float = typer.Option(0.2, help="Fraction of the training set held out for validation."),
    subset: Optional[int] = typer.Option(None, help="Train on only the first N training images (quick runs)."),
) -> None:
    """Train a Keras model on MNIST (needs the [train] extra)."""
    try:
        from edgedigits.train.fit import train as run_training
        from edgedigits.train.presets import PRESETS
    except ImportError as exc:
        fail(f"training needs TensorFlow ({exc.name} is missing). Install it with: pip install 'edgedigits[train]'")
    if preset not in PRESETS:
        fail(f"unknown preset {preset!r}; choose one of {', '.join(PRESETS)}.")
    from edgedigits.runtime.mnist import MnistError

    out = out or Path("runs") / preset
    try:
        metrics = run_training(preset, out, data_dir=data, epochs=epochs, batch_size=batch_size, seed=seed,
                               val_split=val_split, subset=subset)
    except MnistError as exc:
        fail(str(exc))
    typer.echo(f"{preset}: test accuracy {metrics['test_accuracy']:.4%} ({metrics['test_errors']} errors), "
               f"{metrics['params']:,} parameters, {metrics['train_seconds']:.0f} s -> {out}")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
