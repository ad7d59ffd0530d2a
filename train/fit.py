"""Train a preset on MNIST and write the run folder. Read top to bottom: data, model, fit, evaluate, report.

    run = train("cnn", out="runs/cnn", seed=0)

writes ``model.keras``, ``metrics.json``, ``history.csv``, ``curves.png``, ``confusion.png`` and
``errors.png`` into ``out``. TensorFlow is imported here, never by the runtime.
"""

from __future__ import annotations

import json
import math
import os
import sys
import time
from pathlib import Path

import numpy as np

from edgedigits.runtime import mnist

from . import report
from .environment import command_line, make_run_folder, quiet_tensorflow, versions
from .presets import PRESETS, learning_rate
from .splits import make_augmented_dataset, split_validation


def check_options(
    epochs: int | None,
    batch_size: int | None,
    subset: int | None,
    val_split: float,
    peak_learning_rate: float | None = None,
    seed: int = 0,
) -> None:
    """ValueError naming the first option out of range: ``epochs``, ``batch_size`` and ``subset`` (images, or
    synthetic lines for line and orientation presets) are None (the preset's) or at least 1; ``val_split`` (a
    fraction of the training set) is in [0, 1); ``peak_learning_rate`` is None (the preset's) or above 0 (a
    finite number); ``seed`` is one NumPy and TensorFlow take, 0 to 2**32 - 1 (-1 failed after TensorFlow's
    import, 'Seed must be between ...', not naming --seed). Checked before anything is made or written."""
    if not 0 <= seed < 2**32:
        raise ValueError(f"--seed {seed}: must be from 0 to {2**32 - 1}.")
    for option, value in (("--epochs", epochs), ("--batch-size", batch_size), ("--subset", subset)):
        if value is not None and value < 1:
            raise ValueError(f"{option} {value}: must be at least 1 (leave it out for the preset's).")
    if not 0 <= val_split < 1:
        raise ValueError(f"--val-split {val_split}: must be a fraction from 0 up to (not including) 1.")
    if peak_learning_rate is not None and not 0 < peak_learning_rate < math.inf:
        raise ValueError(f"--learning-rate {peak_learning_rate}: must be above 0 (leave it out for the preset's).")


# Batches PreciseBN averages over: Wu & Johnson found the estimate converged by about 100 batches of 32 or more
# (2021, "Rethinking 'Batch' in BatchNorm", section 3.1, figure 3); a subset smaller than that uses all it has.
PRECISE_BN_BATCHES = 100


def precise_batch_norm(model, images: np.ndarray, batch_size: int, batches: int = PRECISE_BN_BATCHES) -> int:
    """Replace every BatchNormalization layer's moving mean and variance by the plain average of its batch
    statistics over the first ``batches`` batches of ``images`` (float [N, 28, 28] in [0, 1], the training set),
    with the trained weights: PreciseBN (Wu & Johnson 2021, "Rethinking 'Batch' in BatchNorm", section 3).

    The moving averages fit() keeps (Keras' momentum 0.99) trail the weights by about 100 steps: after a short run
    (``--subset 6000 --epochs 2``, 150 steps) they still held the statistics of the untrained network, and the
    saved cnn model read 9.6 % of the test set (a new user's trial), 91 % in training mode. Averaging with the
    final weights gives the statistics the model meets, after any run. How: the model is called in training mode,
    the i-th batch (from 0) with each layer's momentum at i / (i + 1), a running mean; the momentum is put back
    after. Returns the number of batches averaged (0 for a model without batch norm: nothing changed). Dropout
    after the last batch norm (the cnn preset's) does not touch it."""
    import keras

    norms = [layer for layer in model.layers if isinstance(layer, keras.layers.BatchNormalization)]
    if not norms or not len(images):
        return 0
    momenta = [layer.momentum for layer in norms]
    count = min(batches, math.ceil(len(images) / batch_size))
    try:
        for i in range(count):
            for layer in norms:
                layer.momentum = i / (i + 1)
            model(images[i * batch_size : (i + 1) * batch_size].astype(np.float32), training=True)
    finally:
        for layer, momentum in zip(norms, momenta):
            layer.momentum = momentum
    return count


def train(
    preset_name: str,
    out: str | os.PathLike,
    data_dir: str | os.PathLike | None = None,
    epochs: int | None = None,
    batch_size: int | None = None,
    seed: int = 0,
    val_split: float = 0.2,
    subset: int | None = None,
    verbose: int | None = None,
    init: str | os.PathLike | None = None,
    peak_learning_rate: float | None = None,
    freeze_norms: bool = False,
) -> dict:
    """Train ``preset_name`` and write the run folder ``out``. Returns the metrics written to metrics.json.

    ``init`` (line presets): start from this run's weights (see line_fit.train_line). ``subset``: for line and
    orientation presets, the number of synthetic training lines. ``peak_learning_rate`` (line presets): the peak
    of the cosine schedule instead of the preset's. ``freeze_norms`` (line presets, an ``init`` .onnx file):
    keep its batch norms as shipped. ValueError for an option the preset does not take or out of range
    (check_options), or an ``out`` that cannot be a folder (make_run_folder)."""
    check_options(epochs, batch_size, subset, val_split, peak_learning_rate, seed)
    if PRESETS[preset_name].kind == "line":
        from .line_fit import train_line

        if freeze_norms and (init is None or Path(init).suffix != ".onnx"):
            raise ValueError(
                f"--freeze-norms is for a run started from a line model's .onnx file (--init models/line.onnx); "
                f"{'--init ' + os.fspath(init) + ' is not one' if init is not None else 'there is no --init'}."
            )

        return train_line(
            out,
            data_dir,
            epochs=epochs,
            batch_size=batch_size,
            seed=seed,
            val_split=val_split,
            lines=subset,
            verbose=verbose,
            preset_name=preset_name,
            init=init,
            peak_learning_rate=peak_learning_rate,
            thaw_norms=not freeze_norms,
        )
    if freeze_norms:
        raise ValueError(f"--freeze-norms is for line presets started from an .onnx file; {preset_name} is not one.")
    if peak_learning_rate is not None:
        raise ValueError(f"--learning-rate is for line presets; {preset_name} uses its preset's.")
    if PRESETS[preset_name].kind == "orientation":
        if init is not None:
            raise ValueError(f"--init is for line presets; {preset_name} trains from scratch.")
        from .orientation_fit import train_orientation

        return train_orientation(
            out,
            data_dir,
            epochs=epochs,
            batch_size=batch_size,
            seed=seed,
            val_split=val_split,
            lines=subset,
            verbose=verbose,
            preset_name=preset_name,
        )
    if init is not None:
        raise ValueError(f"--init is for line presets; {preset_name} trains from scratch.")
    if PRESETS[preset_name].kind == "digit_orientation":
        from .digit_orientation_fit import train_digit_orientation

        return train_digit_orientation(
            out,
            data_dir,
            epochs=epochs,
            batch_size=batch_size,
            seed=seed,
            val_split=val_split,
            subset=subset,
            verbose=verbose,
            preset_name=preset_name,
        )
    quiet_tensorflow()
    import keras
    import tensorflow as tf

    preset = PRESETS[preset_name]
    epochs = epochs or preset.epochs
    batch_size = batch_size or preset.batch_size
    keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()

    # Data: real MNIST, pixels / 255, the last val_split of the training set held out (Keras semantics).
    train_split, test_split = mnist.load("train", data_dir), mnist.load("test", data_dir)
    x_all, y_all = train_split.images, train_split.labels.astype(np.int64)
    if subset:
        x_all, y_all = x_all[:subset], y_all[:subset]
    (x_train, y_train), (x_val, y_val) = split_validation(x_all, y_all, val_split)
    if len(x_train) == 0:  # (Keras: 'Argument `decay_steps` must be > 0', and an empty run folder)
        raise ValueError(
            f"--val-split {val_split} of {len(x_all):,} images leaves none to train on; hold out less, or train on "
            "more (--subset)."
        )
    out = make_run_folder(out)  # once the data is there: a run that cannot start leaves no empty folder
    x_test, y_test = test_split.images, test_split.labels.astype(np.int64)

    # Model and optimizer.
    model = preset.build()
    steps = epochs * math.ceil(len(x_train) / batch_size)
    optimizer = (
        keras.optimizers.AdamW(learning_rate(preset, steps), weight_decay=preset.weight_decay)
        if preset.weight_decay
        else keras.optimizers.Adam(learning_rate(preset, steps))
    )
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy", metrics=["accuracy"])

    # Fit. Without augmentation this is exactly the original `model.fit(x, y, validation_split=...)`.
    verbose = verbose if verbose is not None else (1 if sys.stdout.isatty() else 2)
    validation = (x_val / 255.0, y_val) if len(x_val) else None
    started = time.perf_counter()
    if preset.augment is None:
        history = model.fit(
            x_train / 255.0, y_train, epochs=epochs, batch_size=batch_size, validation_data=validation, verbose=verbose
        )
    else:
        data = make_augmented_dataset(x_train, y_train, batch_size, preset.augment, seed)
        history = model.fit(data, epochs=epochs, validation_data=validation, verbose=verbose)
    recalibrated = precise_batch_norm(model, x_train / 255.0, batch_size)
    wall = time.perf_counter() - started

    # Evaluate on the full MNIST test set and write everything a person or a later step needs.
    probabilities = model.predict(x_test / 255.0, batch_size=1000, verbose=0)
    predicted = probabilities.argmax(axis=1)
    model.save(out / "model.keras")
    report.write_history(history.history, out / "history.csv")
    metrics = report.classification_metrics(y_test, predicted)
    metrics.update(
        {
            "preset": preset.name,
            "params": int(model.count_params()),
            "epochs": epochs,
            "batch_size": batch_size,
            "val_split": val_split,
            "train_images": int(len(x_train)),
            "seed": seed,
            "train_seconds": round(wall, 1),
            "final_val_accuracy": float(history.history["val_accuracy"][-1]) if validation else None,
            "precise_bn_batches": recalibrated,
            "command": command_line(),
            "versions": versions(),
            "data_sha256": mnist.checksums(data_dir),
        }
    )
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    report.plot_curves(history.history, out / "curves.png", title=f"{preset.name}: {metrics['test_accuracy']:.2%} test")
    report.plot_confusion(np.array(metrics["confusion_matrix"]), out / "confusion.png")
    report.plot_errors(x_test, y_test, predicted, probabilities, out / "errors.png")
    return metrics
