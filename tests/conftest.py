"""Shared fixtures. Tests use real MNIST: $EDGEDIGITS_DATA (CI: ../shared/data/mnist), else the user cache
(downloaded on first use); and the project's failing real inputs, ../shared/cases (kept out of the repository)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_MNIST = ROOT.parent / "shared" / "data" / "mnist"
SHARED_CASES = ROOT.parent / "shared" / "cases"

if "EDGEDIGITS_DATA" not in os.environ and SHARED_MNIST.is_dir():
    os.environ["EDGEDIGITS_DATA"] = str(SHARED_MNIST)


@pytest.fixture(scope="session")
def mnist_dir() -> Path:
    from edgedigits.runtime import mnist

    return mnist.ensure_files(None)["t10k-images-idx3-ubyte"].parent


@pytest.fixture(scope="session")
def mnist_test(mnist_dir):
    """The real MNIST test split: uint8 images [10000, 28, 28] and labels [10000]."""
    from edgedigits.runtime import mnist

    return mnist.load("test", mnist_dir)


@pytest.fixture(scope="session")
def mnist_train(mnist_dir):
    from edgedigits.runtime import mnist

    return mnist.load("train", mnist_dir)


@pytest.fixture(scope="session")
def shared_cases() -> tuple[Path, dict[str, str]]:
    """The folder of the project's real failing inputs and their expected text (its expected.csv): ../shared/cases
    beside the clone, as CI has it. Without it the tests that read it are skipped, saying so (they failed with a
    FileNotFoundError: a new user's clone stood alone), except under CI=true, where it is a broken set-up."""
    from edgedigits.runtime.labelled import read_labels

    listing = SHARED_CASES / "expected.csv"
    if not listing.is_file():
        message = f"needs the project's cases: {SHARED_CASES} (../shared/cases beside the clone) is missing"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return SHARED_CASES, {label.file: label.text for label in read_labels(listing)}
