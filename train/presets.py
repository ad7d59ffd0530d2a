"""Training presets: plain data plus a function that builds the Keras model.

- ``seed``: the original network, exactly: Flatten, Dense(128, ReLU), Dense(64, ReLU), Dense(10, softmax),
  Adam, sparse categorical cross-entropy, 30 epochs, 20 % validation split, no augmentation.
- ``mlp``: the same family, wider, with dropout, augmentation and a cosine learning-rate schedule.
- ``cnn``: a small depthwise-separable convnet (~2 MFLOPs a digit) trained with heavy augmentation for
  real handwriting. This is what the shipped ``default`` model is trained with.

Every model takes float32 ``[N, 28, 28]`` in ``[0, 1]`` (white digit on black) and returns softmax
probabilities ``[N, 10]``, which is the ONNX interface the runtime relies on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from .augment import AugmentConfig


@dataclass(frozen=True)
class Preset:
    name: str
    build: Callable[[], "object"]  # -> keras.Model
    epochs: int
    batch_size: int
    learning_rate: float
    schedule: str  # "constant" | "cosine"
    augment: AugmentConfig | None
    weight_decay: float = 0.0
    description: str = ""
    extra: dict = field(default_factory=dict)


def build_seed():
    import keras
    from keras import layers

    return keras.Sequential(
        [
            keras.Input((28, 28), name="image"),
            layers.Flatten(),
            layers.Dense(128, activation="relu"),
            layers.Dense(64, activation="relu"),
            layers.Dense(10, activation="softmax", name="probabilities"),
        ],
        name="seed",
    )


def build_mlp():
    import keras
    from keras import layers

    return keras.Sequential(
        [
            keras.Input((28, 28), name="image"),
            layers.Flatten(),
            layers.Dense(300, activation="relu"),
            layers.Dropout(0.3),
            layers.Dense(150, activation="relu"),
            layers.Dropout(0.3),
            layers.Dense(10, activation="softmax", name="probabilities"),
        ],
        name="mlp",
    )


def _separable(x, filters: int, stride: int):
    """Depthwise 3x3 (optionally strided) then pointwise 1x1, each followed by batch norm and ReLU."""
    from keras import layers

    x = layers.DepthwiseConv2D(3, strides=stride, padding="same", use_bias=False)(x)
    x = layers.BatchNormalization()(x)
    x = layers.ReLU()(x)
    x = layers.Conv2D(filters, 1, use_bias=False)(x)
    x = layers.BatchNormalization()(x)
    return layers.ReLU()(x)


def build_cnn():
    """28x28 -> 3x3 conv (16) -> separable blocks 14x14 (32, 32) -> 7x7 (64, 64) -> 4x4 (128) -> 10.

    Strided depthwise-separable blocks keep the cost near 1 M multiply-adds a digit while the first layer
    still sees full-resolution strokes.
    """
    import keras
    from keras import layers

    inputs = keras.Input((28, 28), name="image")
    x = layers.Reshape((28, 28, 1))(inputs)
    x = layers.Conv2D(16, 3, padding="same", use_bias=False)(x)
    x = layers.BatchNormalization()(x)
    x = layers.ReLU()(x)
    x = _separable(x, 32, 2)   # 14x14
    x = _separable(x, 32, 1)
    x = _separable(x, 64, 2)   # 7x7
    x = _separable(x, 64, 1)
    x = _separable(x, 128, 2)  # 4x4
    x = layers.GlobalAveragePooling2D()(x)
    x = layers.Dropout(0.2)(x)
    outputs = layers.Dense(10, activation="softmax", name="probabilities")(x)
    return keras.Model(inputs, outputs, name="cnn")


PRESETS: dict[str, Preset] = {
    "seed": Preset(
        name="seed",
        build=build_seed,
        epochs=30,
        batch_size=32,
        learning_rate=1e-3,
        schedule="constant",
        augment=None,
        description="The original network and recipe, reproduced exactly.",
    ),
    "mlp": Preset(
        name="mlp",
        build=build_mlp,
        epochs=40,
        batch_size=128,
        learning_rate=2e-3,
        schedule="cosine",
        augment=AugmentConfig.mild(),
        description="Wider MLP with dropout, mild augmentation and a cosine schedule.",
    ),
    "cnn": Preset(
        name="cnn",
        build=build_cnn,
        epochs=40,
        batch_size=128,
        learning_rate=3e-3,
        schedule="cosine",
        augment=AugmentConfig.real_world(),
        weight_decay=1e-4,
        description="Depthwise-separable convnet with heavy augmentation for real handwriting.",
    ),
}
