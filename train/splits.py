"""The training split's validation cut, shared by the fit loops (fit.py, digit_orientation_fit.py)."""

from __future__ import annotations

import numpy as np


def split_validation(images: np.ndarray, labels: np.ndarray, val_split: float):
    """Keras ``validation_split`` semantics: the *last* fraction ``val_split`` of the training arrays (images [N, ...],
    labels [N]), unshuffled. Returns ((train images, train labels), (validation images, validation labels))."""
    n_val = int(round(len(images) * val_split))
    cut = len(images) - n_val
    return (images[:cut], labels[:cut]), (images[cut:], labels[cut:])
