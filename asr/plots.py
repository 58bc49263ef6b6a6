"""Training curves as a PNG, from the epoch log."""

from __future__ import annotations

import csv
from pathlib import Path

from .audio import PathLike


def plot_training_log(log_csv: PathLike, out_png: PathLike) -> Path:
    """Draw train/dev loss and dev WER/CER per epoch from ``log.csv``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    with open(log_csv, newline="") as f:
        rows = list(csv.DictReader(f))
    if not rows:
        raise ValueError(f"{log_csv}: no rows to plot")
    epochs = [int(r["epoch"]) for r in rows]

    def column(name: str) -> list[float]:
        return [float(r[name]) for r in rows]

    fig, (ax_loss, ax_err) = plt.subplots(1, 2, figsize=(11, 4))
    ax_loss.plot(epochs, column("train_loss"), marker="o", label="train")
    ax_loss.plot(epochs, column("dev_loss"), marker="o", label="dev")
    ax_loss.set(xlabel="epoch", ylabel="CTC loss per utterance", title="Loss")
    ax_loss.set_yscale("log")
    ax_loss.legend()
    ax_err.plot(epochs, [100 * v for v in column("dev_wer")], marker="o", label="dev WER")
    ax_err.plot(epochs, [100 * v for v in column("dev_cer")], marker="o", label="dev CER")
    ax_err.set(xlabel="epoch", ylabel="%", title="Dev error rates (greedy)")
    ax_err.legend()
    for ax in (ax_loss, ax_err):
        ax.grid(alpha=0.3)
    fig.tight_layout()
    out_png = Path(out_png)
    fig.savefig(out_png, dpi=100)
    plt.close(fig)
    return out_png
