"""`History`: what a training run measured, per optimizer step and per epoch, and the homework-style plot."""
from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class History:
    """`steps`: lists "loss" and "lr" (one entry per optimizer step);
    `epochs`: lists "epoch", "step", "train_loss", "train_acc", "val_loss", "val_acc", "lr", "seconds"
    (one entry per finished epoch; None where not measured). `best_epoch` has the highest val_acc."""

    steps: dict[str, list] = field(default_factory=lambda: {"loss": [], "lr": []})
    epochs: dict[str, list] = field(default_factory=lambda: {k: [] for k in (
        "epoch", "step", "train_loss", "train_acc", "val_loss", "val_acc", "lr", "seconds")})
    best_epoch: int | None = None
    best_val_acc: float | None = None
    interrupted: bool = False

    def log_step(self, loss: float, lr: float) -> None:
        """Append one optimizer step's loss and learning rate to `steps`."""
        self.steps["loss"].append(float(loss))
        self.steps["lr"].append(float(lr))

    def log_epoch(self, **values: Any) -> None:
        """Append one finished epoch to `epochs`: each column gets its keyword's value, or None."""
        for key, column in self.epochs.items():
            column.append(values.get(key))

    def __len__(self) -> int:
        return len(self.epochs["epoch"])

    def to_dict(self) -> dict[str, Any]:
        """Plain dicts and lists (what `save` writes as JSON)."""
        return asdict(self)

    def save(self, path: str) -> None:
        """As JSON (readable, and loadable with `History.from_dict(json.load(f))`)."""
        with open(path, "w") as f:
            json.dump(self.to_dict(), f, indent=1)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> History:
        """The History that `to_dict` described."""
        return cls(**d)

    def plot(self, path: str | None = None, title: str | None = None) -> Any:
        """Loss (per step, with per-epoch train/val), accuracy (train/val per epoch) and learning rate.

        The loss axis shows every finite value (spikes included), the accuracy axis is zoomed to
        the measured accuracies, and epoch axes are ticked at whole epochs.
        Returns the matplotlib Figure; also saves it to `path` (PNG) when given. Uses the Agg
        backend when no display is configured, so it works on servers and in tests.
        """
        import matplotlib
        if matplotlib.get_backend().lower() not in ("agg", "module://matplotlib_inline.backend_inline"):
            try:
                matplotlib.use("Agg")
            except Exception:  # an interactive backend already in use: keep it
                pass
        import matplotlib.pyplot as plt
        from matplotlib.ticker import MaxNLocator

        fig, (ax_loss, ax_acc, ax_lr) = plt.subplots(1, 3, figsize=(16, 4.5))
        if title:
            fig.suptitle(title)
        steps = range(1, len(self.steps["loss"]) + 1)
        ax_loss.plot(steps, self.steps["loss"], color="0.75", linewidth=0.8, label="training (per step)")
        ends = self.epochs["step"]
        for key, label in (("train_loss", "training (epoch mean)"), ("val_loss", "validation")):
            xs, ys = _present(ends, self.epochs[key])
            if ys:
                ax_loss.plot(xs, ys, marker="o", label=label)
        ax_loss.set(xlabel="step", ylabel="loss", title="Loss")
        losses = [v for v in self.steps["loss"] + self.epochs["train_loss"] + self.epochs["val_loss"]
                  if v is not None and math.isfinite(v)]
        if losses:  # every point visible: the top is above the highest spike and the highest val loss
            low, high = min(0.0, min(losses)), max(losses)
            ax_loss.set_ylim(low, high + 0.05 * ((high - low) or 1.0))
        ax_loss.legend()
        accuracies = []
        for key, label in (("train_acc", "training"), ("val_acc", "validation")):
            xs, ys = _present(self.epochs["epoch"], self.epochs[key])
            if ys:
                ax_acc.plot(xs, ys, marker="o", label=label)
                accuracies += ys
        if self.best_epoch is not None:
            ax_acc.axvline(self.best_epoch, color="red", linestyle=":", label=f"best ({self.best_val_acc:.3f})")
        ax_acc.set(xlabel="epoch", ylabel="accuracy", title="Accuracy")
        if accuracies:  # zoomed to the data, with a margin, never beyond [0, 1]
            low, high = min(accuracies), max(accuracies)
            margin = max(0.1 * (high - low), 0.005)
            ax_acc.set_ylim(max(0.0, low - margin), min(1.0, high + margin))
        ax_acc.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax_acc.legend()
        ax_lr.plot(steps, self.steps["lr"])
        ax_lr.set(xlabel="step", ylabel="learning rate", title="Learning rate")
        fig.tight_layout()
        if path is not None:
            fig.savefig(path, dpi=100)
            plt.close(fig)
        return fig


def _present(xs: list, ys: list) -> tuple[list, list]:
    pairs = [(x, y) for x, y in zip(xs, ys) if y is not None]
    return [p[0] for p in pairs], [p[1] for p in pairs]
