"""Train the ``digit-orientation`` preset: at which quarter-turn does a digit lie? Read top to bottom: data,
model, fit, evaluate, report.

    metrics = train_digit_orientation("runs/digit-orientation", seed=0)

Data: MNIST *train* digits only, pixels / 255, the last ``val_split`` held out for validation (Keras'
``validation_split`` cut, as fit.train does). Every training batch is a quarter of ``batch_size`` digits augmented
as the digit presets are (train/augment.py, the preset's AugmentConfig), each at all four quarter-turns k (np.rot90,
counter-clockwise, k = 0..3; k is the label): an epoch sees every training digit four times, augmented once.
Validation and test digits are seen at all four turns too (``all_turns``). A digit model's input and this model's
are the same: a blob's 28x28 MNIST-normalized digit, and a digit on a page turned k quarter-turns is, after that
normalization, its upright digit turned k quarter-turns (the 20x20 fit keeps the aspect ratio, and centring on the
centre of mass commutes with the turn).

0, 1 and 8 look alike turned 180 degrees (and 0 and 8 at 90 and 270), so no model calls every turned digit right:
the test accuracy is also reported on the digits 2-7 and 9 (runtime.orientation.ASYMMETRIC_DIGITS) and for the
axis alone (upright or 180 against a quarter-turn either way), which a page lying on its side is found by.

Writes ``model.keras``, ``metrics.json`` (test and validation figures, parameters, wall time, seed, command,
versions, data checksums), ``history.csv`` and ``curves.png``.
"""

from __future__ import annotations

import json
import math
import os
import sys
import time

import numpy as np

from edgedigits.runtime import mnist
from edgedigits.runtime.orientation import ASYMMETRIC_DIGITS

from . import report
from .augment import AugmentConfig
from .environment import command_line, make_run_folder, quiet_tensorflow, versions
from .presets import PRESETS, learning_rate
from .splits import make_augmented_dataset, split_validation

TURNS = 4  # the classes: quarter-turns counter-clockwise, np.rot90's k


def all_turns(images: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each image at all four quarter-turns: (images [4N, 28, 28] of the input's dtype, turns int64 [4N]), the N
    images turned 0 times first, then once, twice, three times (np.rot90, counter-clockwise)."""
    turned = np.concatenate([np.rot90(images, k, axes=(1, 2)) for k in range(TURNS)])
    return np.ascontiguousarray(turned), np.repeat(np.arange(TURNS, dtype=np.int64), len(images))


def turn_figures(turns: np.ndarray, predicted: np.ndarray, digits: np.ndarray) -> dict:
    """The figures of a model's calls ``predicted`` (int [M]) against the true ``turns`` (int [M]) of digits whose
    values are ``digits`` (int [M]): accuracy, accuracy on 2-7 and 9, axis accuracy (turns 0 and 2 against 1 and
    3), and the 4x4 confusion matrix (rows: true turn)."""
    asymmetric = np.isin(digits, [int(d) for d in ASYMMETRIC_DIGITS])
    confusion = np.zeros((TURNS, TURNS), np.int64)
    np.add.at(confusion, (turns, predicted), 1)
    return {
        "digits": int(len(turns)),
        "accuracy": float((turns == predicted).mean()),
        "asymmetric_accuracy": float((turns == predicted)[asymmetric].mean()),
        "axis_accuracy": float((turns % 2 == predicted % 2).mean()),
        "confusion_matrix": confusion.tolist(),
    }


def make_turned_dataset(images: np.ndarray, batch_size: int, augment: AugmentConfig, seed: int):
    """A ``keras.utils.PyDataset`` of (digits float32 [B, 28, 28] in [0, 1], turns int64 [B]): ``images`` (uint8
    [N, 28, 28]) reshuffled every epoch, ``batch_size`` // 4 of them a batch, augmented, each at all four
    quarter-turns (``all_turns``); repeatable for a seed. Raises ValueError for a ``batch_size`` under 4."""
    if batch_size < TURNS:
        raise ValueError(f"--batch-size {batch_size}: must be at least {TURNS} (each digit is seen at four turns).")

    def at_all_turns(digits: np.ndarray, _labels) -> tuple[np.ndarray, np.ndarray]:
        turned, turns = all_turns(digits)
        return turned.astype(np.float32), turns

    return make_augmented_dataset(images, None, batch_size // TURNS, augment, seed, expand=at_all_turns)


def train_digit_orientation(
    out: str | os.PathLike,
    data_dir: str | os.PathLike | None = None,
    epochs: int | None = None,
    batch_size: int | None = None,
    seed: int = 0,
    val_split: float = 0.2,
    subset: int | None = None,
    verbose: int | None = None,
    preset_name: str = "digit-orientation",
) -> dict:
    """Train the digit-orientation preset and write the run folder ``out``. Returns the metrics written to
    metrics.json. ``subset``: train on the first N training images only (quick runs); ``batch_size``: inputs a
    step, ``batch_size // 4`` digits each at four turns. Raises ValueError when the validation cut leaves no digit to
    train on, or for a ``batch_size`` under 4."""
    quiet_tensorflow()
    import keras
    import tensorflow as tf

    preset = PRESETS[preset_name]
    epochs = epochs or preset.epochs
    batch_size = batch_size or preset.batch_size
    keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()
    run_started = time.perf_counter()

    # Data: MNIST train digits (the last val_split held out, Keras semantics); test digits only to evaluate.
    train_split, test_split = mnist.load("train", data_dir), mnist.load("test", data_dir)
    x_all, y_all = train_split.images, train_split.labels.astype(np.int64)
    if subset:
        x_all, y_all = x_all[:subset], y_all[:subset]
    (x_train, _), (x_val, y_val) = split_validation(x_all, y_all, val_split)
    if len(x_train) == 0:
        raise ValueError(
            f"--val-split {val_split} of {len(x_all):,} images leaves none to train on; hold out less, or train on "
            "more (--subset)."
        )
    out = make_run_folder(out)
    val_images, val_turns = all_turns(x_val.astype(np.float32) / 255.0)

    # Model and optimizer.
    model = preset.build()
    steps = epochs * math.ceil(len(x_train) / (batch_size // 4))  # (a batch holds batch_size // 4 digits, 4 turns)
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate(preset, steps)),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )

    # Fit.
    verbose = verbose if verbose is not None else (1 if sys.stdout.isatty() else 2)
    data = make_turned_dataset(x_train, batch_size, preset.augment or AugmentConfig(), seed)
    validation = (val_images, val_turns) if len(val_images) else None
    started = time.perf_counter()
    history = model.fit(data, epochs=epochs, validation_data=validation, verbose=verbose)
    wall = time.perf_counter() - started

    # Evaluate on the full MNIST test set at all four turns and write the run folder.
    test_images, test_turns = all_turns(test_split.images.astype(np.float32) / 255.0)
    predicted = model.predict(test_images, batch_size=2000, verbose=0).argmax(1)
    test = turn_figures(test_turns, predicted, np.tile(test_split.labels, TURNS))
    val = None
    if len(val_images):
        val_predicted = model.predict(val_images, batch_size=2000, verbose=0).argmax(1)
        val = turn_figures(val_turns, val_predicted, np.tile(y_val, TURNS))
    model.save(out / "model.keras")
    report.write_history(history.history, out / "history.csv")
    metrics = {
        "preset": preset.name,
        "kind": "digit_orientation",
        "test": test,
        "test_accuracy": test["accuracy"],
        "test_asymmetric_accuracy": test["asymmetric_accuracy"],
        "val": val,
        "params": int(model.count_params()),
        "epochs": epochs,
        "batch_size": batch_size,
        "train_images": int(len(x_train)),
        "val_split": val_split,
        "seed": seed,
        "train_seconds": round(wall, 1),
        "run_seconds": round(time.perf_counter() - run_started, 1),  # the whole run: data, fit, evaluation
        "command": command_line(),
        "versions": versions(),
        "data_sha256": mnist.checksums(data_dir),
    }
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    report.plot_curves(
        history.history,
        out / "curves.png",
        title=f"{preset.name}: {test['asymmetric_accuracy']:.2%} of turned test digits 2-7, 9 right",
    )
    return metrics
