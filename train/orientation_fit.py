"""Train the ``orientation`` preset: is a text line upright or turned 180 degrees? Read top to bottom: data,
model, fit, evaluate, report.

    metrics = train_orientation("runs/orientation", seed=0)

Data: the line model's own synthetic lines (train/line_fit.py ``make_lines``, train/lines.py) from MNIST
*train* digits only: the first 80 % of the training split make the training lines, the last 20 % the
validation lines (Keras' ``validation_split`` cut, as line_fit does). Every line is seen twice: upright
(label 0) and turned 180 degrees (label 1, ``runtime.orientation.turned_180``). Lines whose characters all
look alike both ways (0, 1, 8, / - :, or nothing; ``runtime.orientation.asymmetric``) count with weight
``SYMMETRIC_WEIGHT``: they carry little evidence and should not pull the model. The test lines, made from
MNIST *test* digits, are only evaluated, never trained on; accuracy is reported on all of them and on the
lines with at least one of the digits 2-7, 9 (``has_asymmetric_digit``).

The model (presets.build_orientation) scores every 8 columns; a line's log-odds is the mean over its own
frames (the batch's padding left out), trained with logistic loss.

Writes ``model.keras``, ``metrics.json`` (test and validation accuracy, parameters, wall time, seed, command,
versions, data checksums), ``history.csv`` and ``curves.png``.
"""

from __future__ import annotations

import json
import math
import os
import sys
import time
from dataclasses import replace

import numpy as np

from edgedigits.runtime import mnist
from edgedigits.runtime.orientation import asymmetric, frames, has_asymmetric_digit, turned_180

from . import report
from .environment import make_run_folder
from .line_fit import BUCKET, kind_style, make_lines, validation_cut
from .lines import LineStyle
from .presets import PRESETS

# The training lines: the line model's mix, plus printed lines (LineStyle.printed: the whole line typeset in one
# of the "train" fonts), handwritten lines with printed words (printed_words), and worksheet and form lines of
# small printed questions or labels beside handwritten answers (printed_beside). The first shipped model saw
# handwriting only, and on worksheets of printed questions it leaned the wrong way both ways: upside-down pages
# were read as they lay (benchmarks/accuracy.py --only worksheets, turned: 0.100). Printed lines alone
# (printed 0.25, printed_words 0.15; runs/orient4, 2026-12-06) called 0.981 of held-out printed test lines right
# but left the worksheets as they were: their printed questions are half the handwriting's height.
# The test lines stay handwritten, as the first model's card; test["printed"] and test["printed_beside"] add
# such lines typeset in the held-out fonts.
TRAIN_STYLE = LineStyle(printed=0.2, printed_words=0.15, printed_beside=0.15)
SYMMETRIC_WEIGHT = 0.25  # loss weight of a line that reads alike both ways (see asymmetric)


# --------------------------------------------------------------------------- data


def both_ways(tensors: list[np.ndarray], targets: list[str]) -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
    """Lines (uint8 [32, W]) and their texts -> every line upright then turned: (tensors, labels int32 [2N]:
    0 upright, 1 turned, weights float32 [2N])."""
    weights = np.array([1.0 if asymmetric(t) else SYMMETRIC_WEIGHT for t in targets], np.float32)
    return (
        list(tensors) + [turned_180(t) for t in tensors],
        np.repeat(np.array([0, 1], np.int32), len(tensors)),
        np.concatenate([weights, weights]),
    )


def batches(
    tensors: list[np.ndarray], labels: np.ndarray, weights: np.ndarray, batch_size: int, rng: np.random.Generator | None
):
    """Batches of lines of similar width: (float32 [B, 32, W] zero-padded on the right, int32 [B, 3]: label,
    the line's frames, its weight x 1000)."""
    widths = np.array([t.shape[1] for t in tensors])
    order = np.argsort(widths + (rng.uniform(0, BUCKET, len(widths)) if rng is not None else 0), kind="stable")
    groups = [order[i : i + batch_size] for i in range(0, len(order), batch_size)]
    if rng is not None:
        rng.shuffle(groups)
    for rows in groups:
        width = int(math.ceil(max(widths[rows]) / BUCKET) * BUCKET)
        x = np.zeros((len(rows), tensors[rows[0]].shape[0], width), np.float32)
        y = np.zeros((len(rows), 3), np.int32)
        for j, r in enumerate(rows):
            x[j, :, : widths[r]] = tensors[r] / 255.0
            y[j] = labels[r], frames(widths[r]), round(1000 * weights[r])
        yield x, y


def pooled(log_odds, y):
    """The mean of each line's frames' log-odds (float [B, T]) over its own frames (``y[:, 1]``) -> [B]."""
    from keras import ops

    t = ops.arange(ops.shape(log_odds)[1])
    mask = ops.cast(t[None, :] < y[:, 1:2], log_odds.dtype)
    return ops.sum(log_odds * mask, axis=1) / ops.maximum(ops.sum(mask, axis=1), 1.0)


def loss_fn(y, log_odds):
    """Weighted logistic loss of each line's pooled log-odds against its label (``y``: label, frames, weight)."""
    from keras import ops

    y = ops.cast(y, "int32")
    z = pooled(log_odds, y)
    label = ops.cast(y[:, 0], z.dtype)
    weight = ops.cast(y[:, 2], z.dtype) / 1000.0
    # log(1 + exp(-z)) for label 1, log(1 + exp(z)) for label 0, written stably
    losses = ops.maximum(z, 0) - z * label + ops.log1p(ops.exp(-ops.abs(z)))
    return ops.sum(losses * weight) / ops.maximum(ops.sum(weight), 1e-6)


# --------------------------------------------------------------------------- evaluation


def line_scores(predict, tensors: list[np.ndarray], batch_size: int = 256) -> np.ndarray:
    """Each line's log-odds of being turned (float64 [N]) from ``predict`` (float32 [B, 32, W] -> [B, T]),
    lines batched by width as the runtime batches them."""
    order = np.argsort([t.shape[1] for t in tensors], kind="stable")
    out = np.zeros(len(tensors))
    for i in range(0, len(order), batch_size):
        rows = order[i : i + batch_size]
        width = max(tensors[r].shape[1] for r in rows)
        x = np.zeros((len(rows), tensors[rows[0]].shape[0], width), np.float32)
        for j, r in enumerate(rows):
            x[j, :, : tensors[r].shape[1]] = tensors[r] / 255.0
        log_odds = np.asarray(predict(x))
        for j, r in enumerate(rows):
            out[r] = float(log_odds[j, : frames(tensors[r].shape[1])].mean())
    return out


def accuracy(predict, tensors: list[np.ndarray], targets: list[str]) -> dict:
    """Accuracy of the upright/turned call (log-odds > 0: turned) on every line both ways: on all lines, and on
    lines with an asymmetric digit (2-7, 9), with the mean log-odds margin of the right call."""
    both, labels, _ = both_ways(tensors, targets)
    scores = line_scores(predict, both)
    right = (scores > 0) == (labels == 1)
    informative = np.tile([has_asymmetric_digit(t) for t in targets], 2)
    margin = np.where(labels == 1, scores, -scores)
    return {
        "lines": len(tensors),
        "accuracy": float(right.mean()),
        "asymmetric_lines": int(informative.sum() // 2),
        "asymmetric_accuracy": float(right[informative].mean()) if informative.any() else None,
        "symmetric_accuracy": float(right[~informative].mean()) if (~informative).any() else None,
        "median_margin": float(np.median(margin)),
    }


# --------------------------------------------------------------------------- the run


def printed_accuracy(predict, images: np.ndarray, labels: np.ndarray, n: int, seed: int) -> dict:
    """The upright/turned call (``accuracy``) on ``n`` lines of each printed kind, made from the given (test)
    digits and typeset in the held-out fonts: "printed" (the whole line, train.line_fit.kind_style) and
    "printed_beside" (small printed questions beside handwritten answers, LineStyle.printed_beside); and under
    "fonts", the font files' names, or "Hershey" where fonts-liberation is missing (then no held-out font: the
    Hershey fonts are training fonts too, and a warning says so)."""
    from .lines import font_files

    beside = replace(kind_style("plain"), printed_beside=1.0, fonts="held_out")
    out: dict = {}
    for k, (name, style) in enumerate((("printed", kind_style("printed")), ("printed_beside", beside))):
        tensors, targets = make_lines(images, labels, n, seed + 2000 + 1000 * k, style, workers=1)
        out[name] = accuracy(predict, tensors, targets)
    out["fonts"] = [os.path.basename(f) for f in font_files("held_out")] or ["Hershey"]
    return out


def train_orientation(
    out: str | os.PathLike,
    data_dir: str | os.PathLike | None = None,
    epochs: int | None = None,
    batch_size: int | None = None,
    seed: int = 0,
    val_split: float = 0.2,
    lines: int | None = None,
    test_lines: int = 2000,
    verbose: int | None = None,
    preset_name: str = "orientation",
) -> dict:
    """Train the orientation preset and write the run folder ``out``. Returns the metrics written to
    metrics.json. ``lines``: synthetic training lines (default: the preset's ``train_lines``; each is seen
    both ways); ``test_lines``: lines of MNIST test digits evaluated (both ways)."""
    from .environment import command_line, quiet_tensorflow, versions
    from .presets import learning_rate

    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")  # as line_fit: about twice as fast on 2 cores
    quiet_tensorflow()
    import keras
    import tensorflow as tf

    preset = PRESETS[preset_name]
    epochs = epochs or preset.epochs
    batch_size = batch_size or preset.batch_size
    lines = lines or preset.train_lines
    keras.utils.set_random_seed(seed)
    run_started = time.perf_counter()

    # Data: lines from MNIST train digits (train / validation cut as Keras' validation_split); test digits
    # only for the final evaluation.
    train_split, test_split = mnist.load("train", data_dir), mnist.load("test", data_dir)
    cut = validation_cut(len(train_split.images), val_split, preset_name)
    out = make_run_folder(out)
    started = time.perf_counter()
    train_tensors, train_targets = make_lines(
        train_split.images[:cut], train_split.labels[:cut], lines, seed, TRAIN_STYLE
    )
    n_val = max(256, lines // 10)
    val_tensors, val_targets = make_lines(
        train_split.images[cut:], train_split.labels[cut:], n_val, seed + 1, TRAIN_STYLE
    )
    x_train, y_train, w_train = both_ways(train_tensors, train_targets)
    x_val, y_val, w_val = both_ways(val_tensors, val_targets)
    data_seconds = time.perf_counter() - started

    # Model and optimizer.
    model = preset.build()
    rng = np.random.default_rng(seed)
    steps_per_epoch = math.ceil(len(x_train) / batch_size)
    optimizer = keras.optimizers.AdamW(
        learning_rate(preset, epochs * steps_per_epoch), weight_decay=preset.weight_decay, clipnorm=5.0
    )
    variables = model.trainable_variables
    spec = (tf.TensorSpec((None, None, None), tf.float32), tf.TensorSpec((None, 3), tf.int32))

    @tf.function(input_signature=spec)  # any batch and width: one trace
    def train_step(x, y):
        with tf.GradientTape() as tape:
            loss = loss_fn(y, model(x, training=True))
        optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))
        return loss

    @tf.function(input_signature=spec)
    def val_step(x, y):
        log_odds = model(x, training=False)
        z = pooled(log_odds, y)
        right = tf.cast(tf.equal(tf.cast(z > 0, tf.int32), y[:, 0]), tf.float32)
        return loss_fn(y, log_odds), tf.reduce_sum(right)

    # Fit: a plain loop (lines come in many widths).
    verbose = verbose if verbose is not None else (1 if sys.stdout.isatty() else 2)
    history: dict[str, list[float]] = {"loss": [], "val_loss": [], "val_accuracy": []}
    started = time.perf_counter()
    for epoch in range(epochs):
        losses = [float(train_step(x, y)) for x, y in batches(x_train, y_train, w_train, batch_size, rng)]
        val = [
            (float(a), float(b), len(x))
            for x, y in batches(x_val, y_val, w_val, 512, None)
            for a, b in [val_step(x, y)]
        ]
        history["loss"].append(float(np.mean(losses)))
        history["val_loss"].append(float(np.average([v[0] for v in val], weights=[v[2] for v in val])))
        history["val_accuracy"].append(sum(v[1] for v in val) / sum(v[2] for v in val))
        if verbose:
            print(
                f"epoch {epoch + 1}/{epochs}: loss {history['loss'][-1]:.4f}, val_loss {history['val_loss'][-1]:.4f}, "
                f"val_accuracy {history['val_accuracy'][-1]:.4f}, {time.perf_counter() - started:.0f} s",
                flush=True,
            )
    wall = time.perf_counter() - started

    # Evaluate on lines of MNIST test digits (both ways) and write the run folder.
    model.save(out / "model.keras")
    report.write_history(history, out / "history.csv")
    predict = lambda x: model(x, training=False)  # noqa: E731
    test_tensors, test_targets = make_lines(test_split.images, test_split.labels, test_lines, seed + 1000)
    test = accuracy(predict, test_tensors, test_targets)
    test.update(printed_accuracy(predict, test_split.images, test_split.labels, test_lines // 2, seed))
    val_figures = accuracy(predict, val_tensors, val_targets)
    metrics = {
        "preset": preset.name,
        "kind": "orientation",
        "test": test,
        "test_accuracy": test["accuracy"],
        "test_asymmetric_accuracy": test["asymmetric_accuracy"],
        "val": val_figures,
        "params": int(model.count_params()),
        "epochs": epochs,
        "batch_size": batch_size,
        "train_lines": len(train_tensors),
        "val_lines": len(val_tensors),
        "val_split": val_split,
        "symmetric_weight": SYMMETRIC_WEIGHT,
        "seed": seed,
        "data_seconds": round(data_seconds, 1),
        "train_seconds": round(wall, 1),
        "run_seconds": round(time.perf_counter() - run_started, 1),  # the whole run: data, fit, evaluation
        "command": command_line(),
        "versions": versions(),
        "data_sha256": mnist.checksums(data_dir),
    }
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    report.plot_curves(
        history,
        out / "curves.png",
        title=f"{preset.name}: {test['asymmetric_accuracy']:.2%} of test lines with 2-7, 9 right",
    )
    return metrics
