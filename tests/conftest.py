"""Shared fixtures. Tests use real MNIST: $EDGEDIGITS_DATA (CI: ../shared/data/mnist), else the user cache
(downloaded on first use)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_MNIST = ROOT.parent / "shared" / "data" / "mnist"

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
