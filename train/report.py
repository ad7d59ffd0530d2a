"""Reports of a training run: metrics from predictions, history.csv, and the pictures a person looks at."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from edgedigits.runtime.evaluate import confusion_matrix


def classification_metrics(labels: np.ndarray, predicted: np.ndarray) -> dict:
    """Accuracy, per-class accuracy and the 10x10 confusion matrix (rows: true digit, columns: predicted)."""
    confusion = confusion_matrix(labels, predicted)
    per_class = confusion.diagonal() / np.maximum(confusion.sum(axis=1), 1)
    return {
        "test_accuracy": float((labels == predicted).mean()),
        "test_images": int(len(labels)),
        "test_errors": int((labels != predicted).sum()),
        "per_class_accuracy": {str(d): round(float(a), 6) for d, a in enumerate(per_class)},
        "confusion_matrix": confusion.tolist(),
    }


def write_history(history: dict, path: Path) -> None:
    keys = list(history)
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["epoch"] + keys)
        for epoch in range(len(history[keys[0]]) if keys else 0):
            writer.writerow([epoch + 1] + [f"{float(history[k][epoch]):.6f}" for k in keys])


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_curves(history: dict, path: Path, title: str = "") -> None:
    """Loss and accuracy per epoch, train and validation side by side."""
    plt = _pyplot()
    epochs = np.arange(1, len(history["loss"]) + 1)
    # a CTC run has no per-epoch accuracy; an orientation run has it on validation only
    metrics = [m for m in ("loss", "accuracy") if m in history or f"val_{m}" in history]
    fig, axes = plt.subplots(1, len(metrics), figsize=(5.5 * len(metrics), 4), squeeze=False)
    for ax, metric in zip(axes[0], metrics):
        if metric in history:
            ax.plot(epochs, history[metric], "o-", ms=3, label=f"train {metric}")
        if f"val_{metric}" in history:
            ax.plot(epochs, history[f"val_{metric}"], "o-", ms=3, label=f"validation {metric}")
        ax.set_xlabel("epoch")
        ax.set_ylabel(metric)
        if metric == "loss":
            ax.set_yscale("log")  # the first epoch would otherwise flatten every later one
        ax.grid(alpha=0.3)
        ax.legend()
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def plot_confusion(confusion: np.ndarray, path: Path) -> None:
    """The confusion matrix with counts; the diagonal is dimmed so the errors stand out."""
    plt = _pyplot()
    off_diagonal = confusion * (1 - np.eye(10, dtype=confusion.dtype))
    fig, ax = plt.subplots(figsize=(6.5, 5.5))
    image = ax.imshow(off_diagonal, cmap="Reds")
    for true in range(10):
        for pred in range(10):
            count = confusion[true, pred]
            if count:
                ax.text(
                    pred,
                    true,
                    str(count),
                    ha="center",
                    va="center",
                    fontsize=7,
                    color="grey" if true == pred else "black",
                )
    ax.set_xticks(range(10))
    ax.set_yticks(range(10))
    ax.set_xlabel("predicted digit")
    ax.set_ylabel("true digit")
    ax.set_title(f"confusion on {confusion.sum()} test digits ({confusion.sum() - confusion.trace()} errors)")
    fig.colorbar(image, ax=ax, label="errors")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def plot_errors(
    images: np.ndarray,
    labels: np.ndarray,
    predicted: np.ndarray,
    probabilities: np.ndarray,
    path: Path,
    limit: int = 64,
) -> None:
    """A grid of misclassified test digits, the most confident mistakes first."""
    plt = _pyplot()
    wrong = np.flatnonzero(labels != predicted)
    wrong = wrong[np.argsort(-probabilities[wrong, predicted[wrong]])][:limit]
    cols = 8
    rows = max(1, int(np.ceil(len(wrong) / cols)))
    fig, axes = plt.subplots(rows, cols, figsize=(cols * 1.3, rows * 1.5), squeeze=False)
    for ax in axes.ravel():
        ax.axis("off")
    for ax, index in zip(axes.ravel(), wrong):
        ax.imshow(images[index], cmap="gray")
        ax.set_title(f"{labels[index]}→{predicted[index]} {probabilities[index, predicted[index]]:.0%}", fontsize=8)
    fig.suptitle(
        f"{len(np.flatnonzero(labels != predicted))} misclassified test digits (true→predicted, confidence)"
        if len(wrong)
        else "no misclassified test digits"
    )
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
