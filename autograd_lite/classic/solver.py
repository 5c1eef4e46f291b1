"""The homework's Solver: minibatch training of a classic model with a classic update rule::

    solver = Solver(model, data, update_rule='sgd', optim_config={'learning_rate': 1e-3},
                    lr_decay=0.95, num_epochs=10, batch_size=100, print_every=100)
    solver.train()
    solver.loss_history, solver.train_acc_history, solver.val_acc_history, solver.best_params

`model` has `params` (name → array) and `loss(X, y=None)` (scores, or
`(loss, grads)`); `data` has 'X_train', 'y_train', 'X_val', 'y_val'. After
`train()` the model holds the parameters with the best validation accuracy.
Minibatches and accuracy subsamples draw from NumPy's global state.
"""
from __future__ import annotations

import pickle
from typing import Any, Callable

import numpy as np

from . import optim


class Solver:
    """Trains `model` on `data`; keyword arguments as in the notebooks.

    update_rule: a name in `classic.optim` ('sgd', 'sgd_momentum', 'rmsprop',
    'adam') or a function `(w, dw, config) -> (next_w, config)`; optim_config:
    hyperparameters for it (each parameter gets its own copy); lr_decay: the
    learning rate is multiplied by it after every epoch; batch_size;
    num_epochs; num_train_samples: training points used to measure training
    accuracy (1000; None for all); num_val_samples: likewise for validation
    (None: all); checkpoint_name: if given, the solver is pickled to
    '<checkpoint_name>_epoch_<e>.pkl' after every epoch; print_every: print the
    loss every that many iterations; verbose: False prints nothing.
    """

    def __init__(self, model: Any, data: dict, **kwargs: Any) -> None:
        self.model = model
        self.X_train, self.y_train = data["X_train"], data["y_train"]
        self.X_val, self.y_val = data["X_val"], data["y_val"]

        self.update_rule: str | Callable = kwargs.pop("update_rule", "sgd")
        self.optim_config: dict = kwargs.pop("optim_config", {})
        self.lr_decay: float = kwargs.pop("lr_decay", 1.0)
        self.batch_size: int = kwargs.pop("batch_size", 100)
        self.num_epochs: int = kwargs.pop("num_epochs", 10)
        self.num_train_samples: int | None = kwargs.pop("num_train_samples", 1000)
        self.num_val_samples: int | None = kwargs.pop("num_val_samples", None)
        self.checkpoint_name: str | None = kwargs.pop("checkpoint_name", None)
        self.print_every: int = kwargs.pop("print_every", 10)
        self.verbose: bool = kwargs.pop("verbose", True)
        if kwargs:
            raise ValueError("Solver: unrecognized arguments " + ", ".join(f'"{k}"' for k in kwargs))
        if isinstance(self.update_rule, str):
            if not hasattr(optim, self.update_rule):
                raise ValueError(f'Solver: invalid update_rule "{self.update_rule}" '
                                 "(expected 'sgd', 'sgd_momentum', 'rmsprop' or 'adam')")
            self.update_rule = getattr(optim, self.update_rule)
        self._reset()

    def _reset(self) -> None:
        """Fresh bookkeeping and one optimizer config (state) per parameter."""
        self.epoch = 0
        self.best_val_acc = 0.0
        self.best_params: dict[str, np.ndarray] = {}
        self.loss_history: list[float] = []
        self.train_acc_history: list[float] = []
        self.val_acc_history: list[float] = []
        self.optim_configs = {p: dict(self.optim_config) for p in self.model.params}

    def _step(self) -> None:
        """One update on a random minibatch."""
        num_train = self.X_train.shape[0]
        batch_mask = np.random.choice(num_train, self.batch_size)
        loss, grads = self.model.loss(self.X_train[batch_mask], self.y_train[batch_mask])
        self.loss_history.append(float(loss))
        for name, w in self.model.params.items():
            next_w, next_config = self.update_rule(w, grads[name], self.optim_configs[name])
            self.model.params[name] = next_w
            self.optim_configs[name] = next_config

    def _save_checkpoint(self) -> None:
        if self.checkpoint_name is None:
            return
        checkpoint = {
            "model": self.model, "update_rule": self.update_rule, "lr_decay": self.lr_decay,
            "optim_config": self.optim_config, "batch_size": self.batch_size,
            "num_train_samples": self.num_train_samples, "num_val_samples": self.num_val_samples,
            "epoch": self.epoch, "loss_history": self.loss_history,
            "train_acc_history": self.train_acc_history, "val_acc_history": self.val_acc_history,
        }
        filename = f"{self.checkpoint_name}_epoch_{self.epoch}.pkl"
        if self.verbose:
            print(f'Saving checkpoint to "{filename}"')
        with open(filename, "wb") as f:
            pickle.dump(checkpoint, f)

    def check_accuracy(self, X: np.ndarray, y: np.ndarray, num_samples: int | None = None,
                       batch_size: int = 100) -> float:
        """Fraction of (a random subset of num_samples of) X classified as y, scored in batches."""
        N = X.shape[0]
        if num_samples is not None and N > num_samples:
            mask = np.random.choice(N, num_samples)
            N, X, y = num_samples, X[mask], y[mask]
        num_batches = N // batch_size + (N % batch_size != 0)
        y_pred = [np.argmax(self.model.loss(X[i * batch_size:(i + 1) * batch_size]), axis=1)
                  for i in range(num_batches)]
        return float(np.mean(np.hstack(y_pred) == y))

    def train(self) -> dict[str, np.ndarray]:
        """Runs the optimization; returns (and puts into the model) the best-validation parameters."""
        num_train = self.X_train.shape[0]
        iterations_per_epoch = max(num_train // self.batch_size, 1)
        num_iterations = self.num_epochs * iterations_per_epoch

        for t in range(num_iterations):
            self._step()
            if self.verbose and t % self.print_every == 0:
                print(f"(Iteration {t + 1} / {num_iterations}) loss: {self.loss_history[-1]:f}")

            epoch_end = (t + 1) % iterations_per_epoch == 0
            if epoch_end:
                self.epoch += 1
                for config in self.optim_configs.values():
                    if "learning_rate" in config:  # every classic rule has put its default there by now
                        config["learning_rate"] *= self.lr_decay

            # accuracies at the first iteration, the last, and every epoch's end
            if t == 0 or t == num_iterations - 1 or epoch_end:
                train_acc = self.check_accuracy(self.X_train, self.y_train, num_samples=self.num_train_samples)
                val_acc = self.check_accuracy(self.X_val, self.y_val, num_samples=self.num_val_samples)
                self.train_acc_history.append(train_acc)
                self.val_acc_history.append(val_acc)
                self._save_checkpoint()
                if self.verbose:
                    print(f"(Epoch {self.epoch} / {self.num_epochs}) train acc: {train_acc:f}; val_acc: {val_acc:f}")
                if val_acc > self.best_val_acc or not self.best_params:
                    self.best_val_acc = max(val_acc, self.best_val_acc)
                    self.best_params = {k: v.copy() for k, v in self.model.params.items()}

        self.model.params = {k: v.copy() for k, v in self.best_params.items()}
        return self.best_params

