"""`Trainer` / `fit`: the training loop, with progress bar, history, best-model keeping and clean Ctrl-C."""
from __future__ import annotations

import math
import os
import time
from typing import Any, Callable, Iterable

import numpy as np

from ..engine import no_grad
from ..tensor import Tensor
from .history import History


class TrainingDiverged(RuntimeError):
    """The training loss became NaN or infinite (usually: the learning rate is too high)."""


def _progress(total: int, desc: str, enabled: bool) -> Any:
    if enabled:
        try:
            from tqdm.auto import tqdm
            return tqdm(total=total, desc=desc, leave=False, dynamic_ncols=True)
        except ImportError:
            pass
    return None


def _correct(scores: Tensor, target: Tensor) -> int | None:
    """Number of right predictions for class scores (N, C) and integer targets (N,); None otherwise."""
    if scores.ndim != 2 or target.ndim != 1 or target.dtype.kind not in "iu":
        return None
    return int((scores.data.argmax(axis=1) == target.data).sum())


def evaluate(model: Any, loader: Iterable, loss_fn: Callable | None = None) -> tuple[float | None, float | None]:
    """(mean loss, accuracy) over a loader, in eval mode without recording; restores the model's mode.

    loss_fn=None uses the model's criterion: `model.criterion` when it has one, else cross-entropy
    for class scores (N, C) with integer targets (N,). The loss is None when there is no criterion
    (e.g. a regression model without `criterion`), the accuracy None unless the outputs are class
    scores; both are None for an empty loader.
    """
    criterion = loss_fn if loss_fn is not None else getattr(model, "criterion", None)
    was_training = getattr(model, "training", False)
    if hasattr(model, "eval"):
        model.eval()
    total_loss = total_correct = total = 0.0
    accuracy_known = loss_known = True
    try:
        with no_grad():
            for x, y in loader:
                out = model(x)
                n = len(y)
                correct = _correct(out, y)
                batch_loss = criterion if criterion is not None else (_cross_entropy if correct is not None else None)
                if batch_loss is None:
                    loss_known = False
                else:
                    total_loss += float(batch_loss(out, y).item()) * n
                accuracy_known &= correct is not None
                total_correct += correct or 0
                total += n
    finally:
        if hasattr(model, "train"):
            model.train(was_training)
    if total == 0:
        return None, None
    return (total_loss / total if loss_known else None), (total_correct / total if accuracy_known else None)


def _cross_entropy(scores: Tensor, target: Tensor) -> Tensor:
    from ..nn import functional as F
    return F.cross_entropy(scores, target)


class Trainer:
    """Trains `model` on mini-batches (x, y) with `loss_fn(model(x), y)` and `optimizer`.

    scheduler: stepped after every batch when `scheduler_interval="step"` (the default for
    CyclicLR) and after every epoch otherwise. After each epoch the model is evaluated on
    `val_loader`; the parameters with the best validation accuracy are kept in `best_state`,
    written to `checkpoint` (a path, via al.save) when given, and loaded back into the model
    at the end when `restore_best`. Ctrl-C (KeyboardInterrupt) ends training cleanly: the
    history so far is returned and the best model kept. Training accuracy is measured on the
    training batches as they go (in training mode), like a running average. A training loss that
    becomes NaN or infinite, or exceeds `max_loss` when given, raises TrainingDiverged (before
    that batch's step, so the parameters stay finite).
    """

    def __init__(self, model: Any, loss_fn: Callable, optimizer: Any, scheduler: Any = None,
                 scheduler_interval: str | None = None, progress: bool = True, checkpoint: str | None = None,
                 restore_best: bool = True, log: Callable[[str], None] | None = print,
                 max_loss: float | None = None) -> None:
        self.model, self.loss_fn, self.optimizer, self.scheduler = model, loss_fn, optimizer, scheduler
        if scheduler_interval is None:
            scheduler_interval = "step" if type(scheduler).__name__ in {"CyclicLR", "OneCycleLR"} else "epoch"
        if scheduler_interval not in ("step", "epoch"):
            raise ValueError(f"scheduler_interval must be 'step' or 'epoch', got {scheduler_interval!r}")
        self.scheduler_interval, self.progress, self.checkpoint = scheduler_interval, progress, checkpoint
        self.restore_best, self.log = restore_best, log or (lambda text: None)
        self.max_loss = max_loss
        self.history = History()
        self.best_state: dict[str, np.ndarray] | None = None
        self.step_count = 0

    def _lr(self) -> float:
        return float(self.optimizer.param_groups[0]["lr"])

    def train_step(self, x: Tensor, y: Tensor) -> tuple[float, int | None]:
        """One optimizer step on one batch: (loss value, number of correct predictions or None)."""
        self.optimizer.zero_grad()
        out = self.model(x)
        loss = self.loss_fn(out, y)
        value = float(loss.item())
        lr = self._lr()
        if not math.isfinite(value) or (self.max_loss is not None and value > self.max_loss):
            # stop before a NaN gradient reaches the parameters
            raise TrainingDiverged(f"the training loss became {value:g} at step {self.step_count + 1} "
                                   f"(epoch {len(self.history) + 1}) with learning rate {lr:g}; "
                                   "try a smaller learning rate")
        loss.backward()
        self.optimizer.step()
        if self.scheduler is not None and self.scheduler_interval == "step":
            self.scheduler.step()
        self.step_count += 1
        self.history.log_step(value, lr)
        return value, _correct(out, y)

    def train_epoch(self, loader: Iterable, desc: str = "") -> tuple[float, float | None]:
        """(mean training loss, running training accuracy) over one pass of the loader."""
        self.model.train()
        bar = _progress(len(loader) if hasattr(loader, "__len__") else None, desc, self.progress)
        total_loss = total = correct_sum = 0.0
        accuracy_known = True
        try:
            for x, y in loader:
                value, correct = self.train_step(x, y)
                n = len(y)
                total_loss += value * n
                total += n
                accuracy_known &= correct is not None
                correct_sum += correct or 0
                if bar is not None:
                    postfix = {"loss": f"{total_loss / total:.4f}"}
                    if accuracy_known:
                        postfix["acc"] = f"{correct_sum / total:.3f}"
                    bar.set_postfix(postfix, refresh=False)
                    bar.update()
        finally:
            if bar is not None:
                bar.close()
        if total == 0:
            raise ValueError("Trainer: the training loader yielded no batches (an empty dataset, or drop_last "
                             "with fewer samples than batch_size)")
        return total_loss / total, (correct_sum / total if accuracy_known else None)

    def fit(self, train_loader: Iterable, val_loader: Iterable | None = None, epochs: int = 1) -> History:
        """Train for `epochs` passes over train_loader; returns the History (also `self.history`).

        Raises ValueError for an empty train_loader or epochs < 1, and TrainingDiverged when the
        loss becomes NaN or infinite (the best model so far is restored first when restore_best).
        """
        if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1:
            raise ValueError(f"fit: epochs must be a positive integer, got {epochs!r}")
        start_epoch = len(self.history)
        try:
            for epoch in range(start_epoch + 1, start_epoch + epochs + 1):
                started = time.perf_counter()
                train_loss, train_acc = self.train_epoch(train_loader, f"epoch {epoch}/{start_epoch + epochs}")
                val_loss, val_acc = evaluate(self.model, val_loader, self.loss_fn) if val_loader else (None, None)
                lr = self._lr()
                if self.scheduler is not None and self.scheduler_interval == "epoch":
                    if type(self.scheduler).__name__ == "ReduceLROnPlateau":  # it watches a metric
                        self.scheduler.step(val_loss if val_loss is not None else train_loss)
                    else:
                        self.scheduler.step()
                self.history.log_epoch(epoch=epoch, step=self.step_count, train_loss=train_loss,
                                       train_acc=train_acc, val_loss=val_loss, val_acc=val_acc, lr=lr,
                                       seconds=time.perf_counter() - started)
                self._keep_if_best(epoch, val_acc)
                self.log(_epoch_line(epoch, start_epoch + epochs, train_loss, train_acc, val_loss, val_acc))
        except KeyboardInterrupt:
            self.history.interrupted = True
            self.log(f"interrupted after {len(self.history)} finished epoch(s); keeping the best model so far")
        except TrainingDiverged:
            if self.restore_best and self.best_state is not None:
                self.model.load_state_dict(self.best_state)
            raise
        if self.restore_best and self.best_state is not None:
            self.model.load_state_dict(self.best_state)
        return self.history

    def _keep_if_best(self, epoch: int, val_acc: float | None) -> None:
        best = self.history.best_val_acc
        if val_acc is None or (best is not None and val_acc <= best):
            return
        self.history.best_epoch, self.history.best_val_acc = epoch, val_acc
        self.best_state = {k: v.data.copy() for k, v in self.model.state_dict().items()}
        if self.checkpoint:
            from ..serialization import save
            os.makedirs(os.path.dirname(os.path.abspath(self.checkpoint)), exist_ok=True)
            save({"model": self.best_state, "optimizer": self.optimizer.state_dict(), "epoch": epoch,
                  "val_acc": val_acc}, self.checkpoint)


def _epoch_line(epoch: int, epochs: int, train_loss: float, train_acc: float | None, val_loss: float | None,
                val_acc: float | None) -> str:
    parts = [f"epoch {epoch:3d}/{epochs}", f"train loss {train_loss:.4f}"]
    if train_acc is not None:
        parts.append(f"train acc {train_acc:.3f}")
    if val_loss is not None:
        parts.append(f"val loss {val_loss:.4f}")
    if val_acc is not None:
        parts.append(f"val acc {val_acc:.3f}")
    return "  ".join(parts)


def fit(model: Any, loss_fn: Callable, optimizer: Any, train_loader: Iterable, val_loader: Iterable | None = None,
        epochs: int = 1, scheduler: Any = None, **options: Any) -> History:
    """Shorthand for `Trainer(model, loss_fn, optimizer, scheduler, **options).fit(train_loader, val_loader, epochs)`."""
    return Trainer(model, loss_fn, optimizer, scheduler, **options).fit(train_loader, val_loader, epochs)
