"""What the digit fit loops (fit.py, digit_orientation_fit.py) share: the training split's validation cut, and the
augmented dataset they fit on."""

from __future__ import annotations

import math
from typing import Callable

import numpy as np

from .augment import AugmentConfig, augment_batch


def split_validation(images: np.ndarray, labels: np.ndarray, val_split: float):
    """Keras ``validation_split`` semantics: the *last* fraction ``val_split`` of the training arrays (images [N, ...],
    labels [N]), unshuffled. Returns ((train images, train labels), (validation images, validation labels))."""
    n_val = int(round(len(images) * val_split))
    cut = len(images) - n_val
    return (images[:cut], labels[:cut]), (images[cut:], labels[cut:])


def make_augmented_dataset(
    images: np.ndarray,
    labels: np.ndarray | None,
    batch_size: int,
    augment: AugmentConfig,
    seed: int,
    expand: Callable[[np.ndarray, np.ndarray | None], tuple[np.ndarray, np.ndarray]] | None = None,
):
    """A ``keras.utils.PyDataset`` that reshuffles and re-augments every epoch, repeatably for a seed: ``batch_size``
    of ``images`` (uint8 [N, 28, 28]) a batch, augmented (train/augment.py), with their ``labels`` (int [N]).
    ``expand``: a function of (the augmented digits float32 [B, 28, 28], their labels or None) -> the batch (x, y)
    (digit_orientation_fit: each digit at all four quarter-turns); None: the digits and their labels."""
    import keras

    class Augmented(keras.utils.PyDataset):
        def __init__(self):
            super().__init__(workers=2, use_multiprocessing=False)
            self.epoch = 0
            self.order = np.random.default_rng([seed, 0]).permutation(len(images))

        def __len__(self):
            return math.ceil(len(images) / batch_size)

        def __getitem__(self, index):
            rows = self.order[index * batch_size : (index + 1) * batch_size]
            # One generator per (seed, epoch, batch): the same batch whatever thread builds it.
            rng = np.random.default_rng([seed, self.epoch + 1, index])
            digits, targets = augment_batch(images[rows], rng, augment), None if labels is None else labels[rows]
            return (digits, targets) if expand is None else expand(digits, targets)

        def on_epoch_end(self):
            self.epoch += 1
            self.order = np.random.default_rng([seed, self.epoch]).permutation(len(images))

    return Augmented()
