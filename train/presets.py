"""Training presets: plain data plus a function that builds the Keras model.

- ``seed``: the original network, exactly: Flatten, Dense(128, ReLU), Dense(64, ReLU), Dense(10, softmax),
  Adam, sparse categorical cross-entropy, 30 epochs, 20 % validation split, no augmentation.
- ``mlp``: the same family, wider, with dropout, augmentation and a cosine learning-rate schedule.
- ``cnn``: a small depthwise-separable convnet (~2 MFLOPs a digit) trained with heavy augmentation for
  real handwriting. This is what the shipped ``default`` model is trained with.
- ``line``: the line recognizer (CTC) on synthetic lines (train/line_fit.py).
- ``line-wide``: the same recognizer with about twice the channels (3.7x the parameters, twice the training
  step), to test whether the line model's size limits it on touching digits.
- ``orientation``: a tiny text-orientation classifier, upright or turned 180 degrees, over the same line
  tensors (train/orientation_fit.py).
- ``digit-orientation``: a tiny classifier of a digit's quarter-turn (0, 90, 180 or 270 degrees) over the digit
  model's 28x28 inputs (train/digit_orientation_fit.py): the vote that finds a page lying on its side.

Every model takes float32 ``[N, 28, 28]`` in ``[0, 1]`` (white digit on black) and returns softmax
probabilities ``[N, 10]``, which is the ONNX interface the runtime relies on.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import partial
from typing import Any, Callable

from .augment import AugmentConfig


@dataclass(frozen=True)
class Preset:
    name: str
    build: Callable[[], Any]  # -> keras.Model (Keras has no type information)
    epochs: int
    batch_size: int
    learning_rate: float
    schedule: str  # "constant" | "cosine"
    augment: AugmentConfig | None
    weight_decay: float = 0.0
    description: str = ""
    kind: str = "digit"  # "digit": [N, 28, 28] -> [N, 10]; "line": [N, 32, W] -> CTC logits [N, W / 4, 17];
    #                      "orientation": [N, 32, W] -> log-odds turned 180 degrees per frame [N, ceil(W / 8)];
    #                      "digit_orientation": [N, 28, 28] -> probabilities of each quarter-turn [N, 4]
    train_lines: int = 0  # line and orientation presets: synthetic training lines made per run (train/lines.py)


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


# The line model's residual blocks over the frames, one per dilation (kernel 5 each).
LINE_DILATIONS = (1, 2)
# Its widths: the first conv, the four separable blocks, the frames (the shipped model's, 67,617 parameters).
LINE_CHANNELS = (24, 32, 64, 64, 96, 128)
# The line-wide preset's: about twice the channels (250,001 parameters), 296 against 151 ms per training step
# of 64 lines of 192 px on 2 cores (measured with TF_ENABLE_ONEDNN_OPTS=1, as train_line runs). Its 10-epoch run
# (docs/training.md) read touching lines 0.83 -> 0.86 but plain ones 0.97 -> 0.92, at 56 MFLOPs.
LINE_WIDE_CHANNELS = (32, 64, 128, 128, 192, 256)


def _separable(x, filters: int, stride: int, momentum: float = 0.99):
    """Depthwise 3x3 (optionally strided) then pointwise 1x1, each followed by batch norm and ReLU."""
    from keras import layers

    x = layers.DepthwiseConv2D(3, strides=stride, padding="same", use_bias=False)(x)
    x = layers.BatchNormalization(momentum=momentum)(x)
    x = layers.ReLU()(x)
    x = layers.Conv2D(filters, 1, use_bias=False)(x)
    x = layers.BatchNormalization(momentum=momentum)(x)
    return layers.ReLU()(x)


def build_line(dilations: tuple[int, ...] = LINE_DILATIONS, channels: tuple[int, ...] = LINE_CHANNELS):
    """Line recognizer (CRNN-style, convolutional all the way): [N, 32, W] -> CTC logits [N, W / 4, 17].

    A 3x3 conv and depthwise-separable blocks pool the line to 4 rows and a quarter of its width, a depthwise
    (4, 1) conv collapses the rows, two separable 1-D convs over the frames (kernel 5, the second dilated)
    give each frame about two digits of context on either side, and a dense layer scores the 16 characters
    of ``edgedigits.runtime.lines.ALPHABET`` plus the CTC blank (last). About 13 MFLOPs for a line of 8
    digits (W = 192). Convolutions instead of a BiLSTM: several times faster to train on 2 CPU cores, and
    the context a digit string needs is short. ``channels``: the widths of the first conv, the four separable
    blocks and the frames (``LINE_CHANNELS``, or the line-wide preset's ``LINE_WIDE_CHANNELS``).
    """
    import keras
    from keras import layers

    from edgedigits.runtime.lines import ALPHABET, HEIGHT

    inputs = keras.Input((HEIGHT, None), name="image")
    x = layers.Reshape((HEIGHT, -1, 1))(inputs)
    first, c1, c2, c3, c4, frames = channels
    x = layers.Conv2D(first, 3, strides=2, padding="same", use_bias=False)(x)  # 16 x W/2
    x = layers.BatchNormalization()(x)
    x = layers.ReLU()(x)
    x = _separable(x, c1, 1)
    x = layers.MaxPooling2D(2)(x)  # 8 x W/4
    x = _separable(x, c2, 1)
    x = _separable(x, c3, 1)
    x = layers.MaxPooling2D((2, 1))(x)  # 4 x W/4
    x = _separable(x, c4, 1)
    x = layers.DepthwiseConv2D((4, 1), padding="valid", use_bias=False)(x)  # 1 x W/4
    x = layers.BatchNormalization()(x)
    x = layers.Reshape((-1, c4))(x)
    x = layers.Dense(frames, use_bias=False)(x)
    x = layers.BatchNormalization()(x)
    x = layers.ReLU()(x)
    for dilation in dilations:
        y = layers.SeparableConv1D(frames, 5, padding="same", dilation_rate=dilation, use_bias=False)(x)
        y = layers.BatchNormalization()(y)
        x = layers.ReLU()(layers.Add()([x, y]))
    x = layers.Dropout(0.1)(x)
    outputs = layers.Dense(len(ALPHABET) + 1, name="logits")(x)
    return keras.Model(inputs, outputs, name="line")


# The orientation model's batch norms follow the batch statistics closely (Keras' default 0.99 lags a tiny
# model whose weights move fast: measured, a brief run read 72 % of lines right in training mode, 52 % with
# the lagging moving averages).
BN_MOMENTUM = 0.9
# The orientation model's widths: the stem conv, the W/4 block, and the W/8 block and the frames. (16, 32, 64) on
# 64,000 lines (runs/orientation2) called 94.1 % of the card's test lines right; these on 128,000 lines
# (runs/orient3, 2,659 s on 2 cores) 95.2 %, and turned pages at page log-odds above 4: 0.911 -> 0.964, no upright
# page (benchmarks/orientation.py).
ORIENTATION_CHANNELS = (24, 48, 96)


def build_orientation(channels: tuple[int, int, int] = ORIENTATION_CHANNELS):
    """Text-orientation classifier: [N, 32, W] line tensors -> log-odds per frame of 8 columns that the line is
    turned 180 degrees, [N, ceil(W / 8)].

    A strided 3x3 conv and two depthwise-separable blocks pool the line to 4 rows and an eighth of its width,
    a depthwise (4, 1) conv collapses the rows (keeping which row the ink is in: what tells up from down), two
    separable 1-D convs over the frames (kernel 5) give each frame a digit or two of context either side, and
    one linear unit scores each frame. Trained on the frames' mean (global average pooling over the width
    followed by logistic regression: the two commute, so the runtime can leave a batch's padding out). With
    ``channels`` = ORIENTATION_CHANNELS, 28,609 parameters and 3.6 MFLOPs for a line of 8 digits (W = 192); the
    recipe of PaddleOCR's text-direction classifier (0 / 180 degrees), made convolutional. (A first run at a
    third of these widths and one 1-D conv, 5 k parameters on 32,000 lines, called 90 % of test lines right;
    (16, 32, 64) on 64,000 lines 94 %; these 95 %.)
    """
    import keras
    from keras import layers

    from edgedigits.runtime.lines import HEIGHT

    inputs = keras.Input((HEIGHT, None), name="image")
    x = layers.Reshape((HEIGHT, -1, 1))(inputs)
    stem, middle, wide = channels
    x = layers.Conv2D(stem, 3, strides=2, padding="same", use_bias=False)(x)  # 16 x W/2
    x = layers.BatchNormalization(momentum=BN_MOMENTUM)(x)
    x = layers.ReLU()(x)
    x = layers.MaxPooling2D(2, padding="same")(x)  # 8 x W/4
    x = _separable(x, middle, 1, BN_MOMENTUM)
    x = layers.MaxPooling2D(2, padding="same")(x)  # 4 x W/8
    x = _separable(x, wide, 1, BN_MOMENTUM)
    x = layers.DepthwiseConv2D((4, 1), padding="valid", use_bias=False)(x)  # 1 x W/8
    x = layers.BatchNormalization(momentum=BN_MOMENTUM)(x)
    x = layers.ReLU()(x)
    x = layers.Reshape((-1, wide))(x)
    for _ in range(2):  # frames with two digits or so of context either side
        x = layers.SeparableConv1D(wide, 5, padding="same", use_bias=False)(x)
        x = layers.BatchNormalization(momentum=BN_MOMENTUM)(x)
        x = layers.ReLU()(x)
    x = layers.Dropout(0.1)(x)
    x = layers.Dense(1)(x)
    outputs = layers.Reshape((-1,), name="log_odds")(x)
    return keras.Model(inputs, outputs, name="orientation")


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
    x = _separable(x, 32, 2)  # 14x14
    x = _separable(x, 32, 1)
    x = _separable(x, 64, 2)  # 7x7
    x = _separable(x, 64, 1)
    x = _separable(x, 128, 2)  # 4x4
    x = layers.GlobalAveragePooling2D()(x)
    x = layers.Dropout(0.2)(x)
    outputs = layers.Dense(10, activation="softmax", name="probabilities")(x)
    return keras.Model(inputs, outputs, name="cnn")


def build_digit_orientation():
    """Digit quarter-turn classifier: [N, 28, 28] digits (as the digit model takes them) -> softmax [N, 4] over
    the counter-clockwise quarter-turns (np.rot90's k = 0, 1, 2, 3) the digit lies at.

    Three 3x3 convs (8, 16, 32 channels), each followed by 2x2 max pooling (28 -> 14 -> 7 -> 3), then Flatten,
    Dense(32) and Dense(4): 15,268 parameters, about 1 MFLOP a digit. Where the ink lies matters (a turn is a
    layout, not a texture): a first try with global average pooling instead of Flatten called 70 % of turned
    training digits right after 3 epochs, this 85 % (ad-hoc runs, 2026-12-07). The recipe of PaddleOCR's document
    orientation classifier (0 / 90 / 180 / 270 degrees), applied per digit and summed over a page.
    """
    import keras
    from keras import layers

    inputs = keras.Input((28, 28), name="image")
    x = layers.Reshape((28, 28, 1))(inputs)
    for channels in (8, 16, 32):
        x = layers.Conv2D(channels, 3, padding="same", activation="relu")(x)
        x = layers.MaxPooling2D()(x)
    x = layers.Flatten()(x)
    x = layers.Dense(32, activation="relu")(x)
    outputs = layers.Dense(4, activation="softmax", name="probabilities")(x)
    return keras.Model(inputs, outputs, name="digit_orientation")


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
    "line": Preset(
        name="line",
        build=build_line,
        epochs=12,
        batch_size=64,
        learning_rate=3e-3,
        schedule="cosine",
        augment=None,  # the synthetic lines carry their own variation (train/lines.py)
        weight_decay=1e-4,
        description="Segmentation-free line recognizer (CTC) on synthetic lines of MNIST train digits, "
        "separators, words and form lines.",
        kind="line",
        train_lines=120_000,
    ),
    "orientation": Preset(
        name="orientation",
        build=build_orientation,
        epochs=8,
        batch_size=128,
        learning_rate=4e-3,
        schedule="cosine",
        augment=None,  # each synthetic line is seen upright and turned (train/orientation_fit.py)
        weight_decay=1e-4,
        description="Tiny text-orientation classifier (upright or turned 180 degrees) over the line model's "
        "line tensors, on synthetic lines of MNIST train digits, separators, words, form lines, printed lines and "
        "worksheet lines (small printed questions beside handwritten answers).",
        kind="orientation",
        train_lines=128_000,
    ),
    "digit-orientation": Preset(
        name="digit-orientation",
        build=build_digit_orientation,
        epochs=10,
        batch_size=256,
        learning_rate=1e-3,
        schedule="constant",
        augment=AugmentConfig(),  # the digits' own variation; each is then seen at all four quarter-turns
        description="Tiny classifier of a digit's quarter-turn (0, 90, 180 or 270 degrees) on MNIST train digits "
        "at all four turns; its votes, summed over a page's blobs, find a page lying on its side.",
        kind="digit_orientation",
    ),
}


def learning_rate(preset: Preset, steps: int):
    """The preset's learning rate for a run of ``steps`` optimizer steps: a float, or for ``schedule ==
    "cosine"`` a Keras schedule (a warm-up over the first 5 % of steps, at most 2000, then cosine decay)."""
    import keras

    if preset.schedule == "cosine":
        return keras.optimizers.schedules.CosineDecay(
            initial_learning_rate=preset.learning_rate / 10,
            decay_steps=steps - min(steps // 20, 2000),
            warmup_target=preset.learning_rate,
            warmup_steps=min(steps // 20, 2000),
            alpha=0.01,
        )
    return preset.learning_rate


# The line preset with about twice the channels, 10 epochs: everything else is the line preset's.
PRESETS["line-wide"] = replace(
    PRESETS["line"],
    name="line-wide",
    build=partial(build_line, channels=LINE_WIDE_CHANNELS),
    epochs=10,
    description="Segmentation-free line recognizer (CTC), about twice the channels of line, on synthetic lines of "
    "MNIST train digits, separators, words and form lines.",
)

# The cnn preset with a fifth of its digits broken and grainy like faint pencil (augment.break_strokes): the digit
# model the reader gives a noisy image's digits (reader.DigitReader's pencil_model; docs/accuracy.md).
PRESETS["pencil"] = replace(
    PRESETS["cnn"],
    name="pencil",
    augment=AugmentConfig.pencil(),
    description="The cnn preset trained with faint-pencil strokes too: the digit model for noisy images.",
)
