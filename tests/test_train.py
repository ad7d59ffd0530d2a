"""Training: the seed network exactly, each preset briefly on real MNIST, outputs that hold what they claim."""

from __future__ import annotations

import csv
import json

import cv2
import numpy as np
import pytest

pytest.importorskip("tensorflow", reason="training tests need the [train] extra")

from edgedigits.train import augment
from edgedigits.train.fit import split_validation, train
from edgedigits.train.presets import PRESETS, build_cnn, build_seed

RUN_FILES = ["model.keras", "metrics.json", "history.csv", "curves.png", "confusion.png", "errors.png"]


def test_seed_network_is_exactly_the_original():
    import keras

    model = build_seed()
    dense = [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]
    assert [type(layer).__name__ for layer in model.layers] == ["Flatten", "Dense", "Dense", "Dense"]
    assert [layer.units for layer in dense] == [128, 64, 10]
    assert [layer.activation.__name__ for layer in dense] == ["relu", "relu", "softmax"]
    assert model.count_params() == 109_386
    preset = PRESETS["seed"]
    assert (preset.epochs, preset.batch_size, preset.learning_rate, preset.augment) == (30, 32, 1e-3, None)


def test_parameter_budgets():
    assert PRESETS["mlp"].build().count_params() <= 300_000
    assert build_cnn().count_params() <= 250_000


def test_recorded_commands_name_paths_inside_the_checkout_relatively(tmp_path, monkeypatch):
    """A run folder's and a model card's command rerun in another checkout: paths inside the current folder
    are written relative to it, others whole, every argument shell-quoted."""
    from edgedigits.train.environment import command_line, relative_path

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(
        "sys.argv",
        [
            "/usr/bin/edgedigits",
            "train",
            "--out",
            str(tmp_path / "runs" / "cnn"),
            f"--init={tmp_path / 'runs' / 'a b'}",
            "--data",
            "/elsewhere/mnist",
        ],
    )
    assert command_line() == "edgedigits train --out runs/cnn '--init=runs/a b' --data /elsewhere/mnist"
    monkeypatch.setattr("sys.argv", [str(tmp_path / "retrain.py"), str(tmp_path)])
    assert command_line() == "retrain.py ."
    assert command_line("edgedigits") == "edgedigits ."
    assert relative_path(tmp_path / "runs" / "cnn" / "model.keras") == "runs/cnn/model.keras"
    assert relative_path("runs/cnn") == "runs/cnn" and relative_path("/elsewhere/x") == "/elsewhere/x"


def test_validation_split_takes_the_last_fraction_like_keras():
    x, y = np.arange(10), np.arange(10)
    (xt, yt), (xv, yv) = split_validation(x, y, 0.2)
    assert list(xt) == list(range(8)) and list(xv) == [8, 9]


@pytest.fixture(scope="module")
def seed_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("seed")
    return out, train("seed", out, epochs=2, subset=3000, seed=7, verbose=0)


def test_the_pencil_preset_is_the_cnn_preset_with_pencil_strokes():
    """The shipped pencil model's recipe: cnn's network, schedule and augmentation, and a fifth of the digits broken
    and grainy (augment.break_strokes); cnn itself breaks none."""
    from dataclasses import replace

    pencil, cnn = PRESETS["pencil"], PRESETS["cnn"]
    assert replace(pencil, name="cnn", augment=cnn.augment, description=cnn.description) == cnn
    assert pencil.augment == replace(cnn.augment, broken_p=0.2) and cnn.augment.broken_p == 0


@pytest.mark.parametrize("preset", ["mlp", "cnn", "pencil"])
def test_presets_train_briefly_and_write_a_full_run(tmp_path, preset):
    metrics = train(preset, tmp_path, epochs=1, subset=2560, seed=1, verbose=0)
    check_run(tmp_path, metrics, preset, epochs=1, seed=1)
    if preset == "cnn":  # PreciseBN (fit.precise_batch_norm): after 32 steps the saved batch norms still held the
        # untrained network's statistics, and the model read 11 % of the test set (33 % with them averaged anew)
        assert metrics["precise_bn_batches"] == 16 and metrics["test_accuracy"] > 0.25
    elif preset == "pencil":  # cnn's network: its batch norms too
        assert metrics["precise_bn_batches"] == 16
    else:
        assert metrics["precise_bn_batches"] == 0  # no batch norm


def test_seed_run_writes_everything_it_claims(seed_run):
    out, metrics = seed_run
    check_run(out, metrics, "seed", epochs=2, seed=7)
    assert metrics["test_accuracy"] > 0.85  # 2 epochs on 2,400 images of real MNIST
    assert metrics["params"] == 109_386 and metrics["train_images"] == 2400


def check_run(out, metrics, preset, epochs, seed):
    for name in RUN_FILES:
        assert (out / name).stat().st_size > 0, name
    on_disk = json.loads((out / "metrics.json").read_text())
    assert on_disk == metrics
    assert on_disk["preset"] == preset and on_disk["epochs"] == epochs
    confusion = np.array(on_disk["confusion_matrix"])
    assert confusion.shape == (10, 10) and confusion.sum() == 10_000
    assert on_disk["test_accuracy"] == pytest.approx(confusion.trace() / 10_000)
    assert on_disk["test_errors"] == 10_000 - confusion.trace()
    assert set(on_disk["per_class_accuracy"]) == {str(d) for d in range(10)}
    for d in range(10):
        assert on_disk["per_class_accuracy"][str(d)] == pytest.approx(confusion[d, d] / confusion[d].sum(), abs=1e-6)
    from edgedigits.runtime.mnist import SHA256

    assert on_disk["data_sha256"] == SHA256
    assert {"tensorflow", "keras", "numpy", "python"} <= set(on_disk["versions"])
    assert on_disk["command"] and on_disk["train_seconds"] > 0 and on_disk["seed"] == seed
    with open(out / "history.csv") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == epochs
    assert {"loss", "accuracy", "val_loss", "val_accuracy"} <= set(rows[0])
    for picture in ["curves.png", "confusion.png", "errors.png"]:
        image = cv2.imread(str(out / picture))
        assert image is not None and image.shape[0] > 200 and image.shape[1] > 200 and image.std() > 5


def test_saved_model_reproduces_the_reported_accuracy(seed_run, mnist_test):
    import keras

    out, metrics = seed_run
    model = keras.models.load_model(out / "model.keras")
    predicted = model.predict(mnist_test.images / 255.0, batch_size=2000, verbose=0).argmax(axis=1)
    assert (predicted == mnist_test.labels).mean() == pytest.approx(metrics["test_accuracy"], abs=1e-9)


def test_same_seed_repeats_the_run(tmp_path):
    first = train("mlp", tmp_path / "a", epochs=1, subset=1280, seed=3, verbose=0)
    second = train("mlp", tmp_path / "b", epochs=1, subset=1280, seed=3, verbose=0)
    assert first["confusion_matrix"] == second["confusion_matrix"]
    with open(tmp_path / "a" / "history.csv") as a, open(tmp_path / "b" / "history.csv") as b:
        assert a.read() == b.read()


@pytest.mark.parametrize(
    "options, refused",
    [
        ({"epochs": 0}, "--epochs 0"),  # was: the preset's 30 epochs
        ({"epochs": -1}, "--epochs -1"),  # was: a KeyError traceback
        ({"batch_size": 0}, "--batch-size 0"),  # was: the preset's batch size
        ({"subset": 0}, "--subset 0"),  # was: all 60,000 images
        ({"subset": -59_900}, "--subset -59900"),  # was: the first 100 images
        ({"val_split": 1.0}, "--val-split 1.0"),  # was: a KeyError traceback
        ({"val_split": -0.5}, "--val-split -0.5"),  # was: no validation
        ({"val_split": 0.9999}, "--val-split 0.9999 of 100 images leaves none"),  # was: Keras' 'decay_steps'
        ({"seed": -1}, "--seed -1"),  # was: 'Seed must be between ...' after TensorFlow's import
        ({"seed": 2**32}, "--seed 4294967296"),
    ],
)
def test_options_out_of_range_are_refused_before_anything_is_written(tmp_path, options, refused):
    kwargs = {"epochs": 1, "subset": 100, "verbose": 0} | options
    with pytest.raises(ValueError, match=refused):
        train("seed", tmp_path / "run", **kwargs)
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize("rate", [0.0, -0.001])
def test_a_line_learning_rate_that_cannot_learn_is_refused(tmp_path, rate):
    """Was a run that never moved (0) or climbed its loss (-0.001), reported as a finished run."""
    with pytest.raises(ValueError, match=f"--learning-rate {rate}: must be above 0"):
        train("line", tmp_path / "run", epochs=1, subset=50, verbose=0, peak_learning_rate=rate)
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize("preset", ["line", "orientation"])
def test_a_line_preset_with_no_validation_digits_says_so(tmp_path, preset):
    """--val-split 0 (the digit presets then train without validation): the line presets make their validation
    lines from the held-out digits. Was NumPy's 'a cannot be empty unless no samples are taken'."""
    with pytest.raises(ValueError, match="--val-split 0.0: holds out no training digit.*above 0"):
        train(preset, tmp_path / "run", epochs=1, subset=50, verbose=0, val_split=0.0)
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize("preset", ["seed", "line", "orientation"])
def test_a_run_whose_mnist_cannot_be_loaded_leaves_no_run_folder(tmp_path, preset):
    """--data naming a file: the MNIST error, and no empty run folder (the seed preset made one first)."""
    from edgedigits.runtime.mnist import MnistError

    (tmp_path / "notes.txt").write_text("not MNIST")
    with pytest.raises(MnistError, match="notes.txt: is a file"):
        train(preset, tmp_path / "run", data_dir=tmp_path / "notes.txt", epochs=1, subset=50, verbose=0)
    assert not (tmp_path / "run").exists()


def test_cli_train_with_zero_epochs_says_so_in_one_line(tmp_path):
    import subprocess
    import sys

    run = subprocess.run(
        [sys.executable, "-m", "edgedigits.runtime.cli", "train", "--preset", "seed", "--out", str(tmp_path / "r")]
        + ["--epochs", "0", "--subset", "100"],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 2 and "--epochs 0: must be at least 1" in run.stderr
    assert "Traceback" not in run.stderr and not (tmp_path / "r").exists()


def test_cli_train_into_a_finished_run_is_refused_without_overwrite(tmp_path):
    """`edgedigits train --out runs/seed` where a run already is: exit 2 naming the run's files and --overwrite,
    before TensorFlow is even imported, and the run untouched. It was trained over without a word. With
    --overwrite it goes on (here to the --epochs 0 refusal, so nothing is trained)."""
    import subprocess
    import sys

    run_folder = tmp_path / "seed"
    run_folder.mkdir()
    (run_folder / "model.keras").write_bytes(b"a week of training")
    (run_folder / "metrics.json").write_text('{"test_accuracy": 0.99}\n')
    command = [sys.executable, "-m", "edgedigits.runtime.cli", "train", "--preset", "seed", "--out", str(run_folder)]
    refused = subprocess.run(command + ["--epochs", "0"], capture_output=True, text=True, timeout=120)
    assert refused.returncode == 2, refused.stderr
    assert refused.stderr == (
        f"edgedigits: --out {run_folder}: holds a run already (model.keras, metrics.json); add --overwrite to replace "
        "it, or pick another --out.\n"
    )
    assert (run_folder / "model.keras").read_bytes() == b"a week of training"
    forced = subprocess.run(command + ["--epochs", "0", "--overwrite"], capture_output=True, text=True, timeout=120)
    assert forced.returncode == 2 and "--epochs 0: must be at least 1" in forced.stderr, forced.stderr


@pytest.mark.parametrize("preset", ["seed", "line", "orientation"])
def test_an_out_that_is_a_file_or_below_one_is_named_not_a_traceback(tmp_path, preset):
    """Was FileExistsError / NotADirectoryError from mkdir (after the data was loaded)."""
    taken = tmp_path / "notes.txt"
    taken.write_text("keep me")
    with pytest.raises(ValueError, match=f"--out {taken}: is a file"):
        train(preset, taken, epochs=1, subset=100, verbose=0)
    with pytest.raises(ValueError, match=f"--out {taken / 'run'}: cannot be created"):
        train(preset, taken / "run", epochs=1, subset=100, verbose=0)
    assert taken.read_text() == "keep me"


# --------------------------------------------------------------------------- augmentation (pure functions)


def test_augment_batch_shapes_range_and_repeatability(mnist_test):
    images = mnist_test.images[:64]
    cfg = augment.AugmentConfig.real_world()
    a = augment.augment_batch(images, np.random.default_rng(5), cfg)
    b = augment.augment_batch(images, np.random.default_rng(5), cfg)
    assert a.shape == (64, 28, 28) and a.dtype == np.float32
    assert np.array_equal(a, b) and 0.0 <= a.min() and a.max() <= 1.0
    assert not np.allclose(a, images / 255.0, atol=0.05)  # it really changes the digits
    assert augment.augment_batch(images[:0], np.random.default_rng(0), cfg).shape == (0, 28, 28)


def test_identity_warp_keeps_the_digit(mnist_test):
    identity = np.array([[1, 0, 0], [0, 1, 0]], np.float32)
    assert np.array_equal(augment.warp(mnist_test.images[0], identity), mnist_test.images[0])


def test_augmented_digits_keep_their_ink_near_the_centre(mnist_test):
    out = augment.augment_batch(mnist_test.images[:200], np.random.default_rng(1), augment.AugmentConfig.real_world())
    ys, xs = np.mgrid[0:28, 0:28]
    mass = out.sum(axis=(1, 2))
    assert (mass > 5).all()  # no digit pushed off the canvas or erased
    cy, cx = (out * ys).sum(axis=(1, 2)) / mass, (out * xs).sum(axis=(1, 2)) / mass
    assert np.abs(cy - 13.5).max() < 5 and np.abs(cx - 13.5).max() < 5


def test_broken_strokes_are_grainy_broken_and_stretched_back(mnist_test):
    """augment.break_strokes: pencil-like digits keep most of their ink, lose some of it in gaps, reach full
    strength again (as the runtime stretches a faint digit), and leave no ink where the digit had none; a blank
    digit comes back as it was; AugmentConfig.broken_p applies it in augment_batch."""
    rng = np.random.default_rng(3)
    digits = mnist_test.images[:100].astype(np.float32) / 255.0
    broken = np.stack([augment.break_strokes(d, rng) for d in digits])
    assert broken.dtype == np.float32 and broken.shape == digits.shape
    ink, kept = digits > 0.5, broken > 0.25
    share = (kept & ink).sum(axis=(1, 2)) / ink.sum(axis=(1, 2))
    assert 0.5 < np.median(share) < 0.98  # gaps, but the digit stays
    assert np.allclose(broken.max(axis=(1, 2)), 1.0)  # stretched back to full strength
    far = cv2.dilate(ink.astype(np.uint8).max(axis=0), np.ones((5, 5), np.uint8)) == 0
    assert broken[:, far].max() < 0.05
    blank = np.zeros((28, 28), np.float32)
    assert augment.break_strokes(blank, rng) is blank
    out = augment.augment_batch(mnist_test.images[:20], np.random.default_rng(4), augment.AugmentConfig(broken_p=1.0))
    plain = augment.augment_batch(mnist_test.images[:20], np.random.default_rng(4), augment.AugmentConfig())
    assert out.shape == (20, 28, 28) and np.allclose(out.max(axis=(1, 2)), 1.0)  # every digit broken, stretched
    assert ((out > 0.05) & (out < 0.5)).sum() > ((plain > 0.05) & (plain < 0.5)).sum()  # grainy: more mid-tones


@pytest.mark.parametrize("how", ["SIGINT", "SIGTERM"])
def test_an_interrupted_run_says_so_and_leaves_no_empty_folder(tmp_path, how):
    """Ctrl-C (or a job scheduler's SIGTERM) during fit was a silent exit 130 (143) that left an empty run folder
    (a new user's trial)."""
    import signal
    import subprocess
    import sys
    import time

    out = tmp_path / "run"
    process = subprocess.Popen(
        [sys.executable, "-m", "edgedigits.runtime.cli", "train", "--preset", "mlp", "--out", str(out)]
        + ["--epochs", "50", "--subset", "20000"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    started = time.monotonic()
    for line in process.stdout:  # fit has started: Keras names the first epoch
        if line.startswith("Epoch 1/") or time.monotonic() - started > 120:
            break
    process.send_signal(getattr(signal, how))
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == (130 if how == "SIGINT" else 143), stderr
    assert "training interrupted: nothing was saved" in stderr and f"{out} was not made" in stderr
    assert not out.exists() and not list(tmp_path.iterdir())  # nor its staging folder


def test_a_run_interrupted_while_it_is_written_leaves_no_part_of_it(tmp_path):
    """A Ctrl-C in the last second, while the finished run's files were written straight into --out, left a run
    without its plots (refused by the next run as 'holds a run already'), and with --overwrite a new model beside
    the old run's plots; both said 'nothing was saved' (a new user's trial). The run is written to a staging
    folder beside --out and moved in whole (cli.publish_run). SIGINT as soon as the new run's first file appears
    (in the staging folder, or in --out as before): either the run stops and the old run in --out is untouched,
    or, should the signal come too late, the new run is there whole; never a mix, and no staging folder is left.
    (The signal came too late once in a fresh-clone CI run, whose child exited 0.)"""
    import signal
    import subprocess
    import sys
    import time

    out = tmp_path / "run"
    out.mkdir()
    old = {name: f"old {name}".encode() for name in ("model.keras", "metrics.json", "errors.png")}
    for name, data in old.items():
        (out / name).write_bytes(data)
    process = subprocess.Popen(
        [sys.executable, "-m", "edgedigits.runtime.cli", "train", "--preset", "mlp", "--out", str(out)]
        + ["--epochs", "1", "--subset", "3000", "--overwrite"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    staging = tmp_path / ".run.partial"
    deadline = time.monotonic() + 300
    while process.poll() is None and time.monotonic() < deadline:
        if (staging / "model.keras").exists() or (out / "history.csv").exists():  # the new run's first file
            break
        time.sleep(0.002)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=120)
    files = {p.name: p.read_bytes() for p in out.iterdir()}
    assert not staging.exists()
    if process.returncode == 130:
        assert "nothing was saved" in stderr and f"{out} is as it was" in stderr
        assert files == old
    else:
        assert process.returncode == 0, stderr
        assert set(files) == {"model.keras", "metrics.json", "history.csv", "curves.png", "confusion.png", "errors.png"}
        assert all(files[name] != data for name, data in old.items())


def test_a_finished_run_replaces_the_whole_earlier_one(tmp_path):
    """publish_run moves the new run's files in and takes out the earlier run's files it did not write (a line run
    over a digit run left that run's confusion and error plots beside it); other files in the folder stay."""
    from edgedigits.runtime.cli import publish_run

    out, staging = tmp_path / "run", tmp_path / ".run.partial"
    out.mkdir()
    staging.mkdir()
    for name in ("model.keras", "metrics.json", "errors.png", "confusion.png", "notes.txt"):
        (out / name).write_text("old")
    for name in ("model.keras", "metrics.json", "history.csv"):
        (staging / name).write_text("new")
    publish_run(staging, out)
    assert {p.name: p.read_text() for p in out.iterdir()} == {
        "model.keras": "new",
        "metrics.json": "new",
        "history.csv": "new",
        "notes.txt": "old",
    }
    assert not staging.exists()
