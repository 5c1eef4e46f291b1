"""The k-layer network of the column-major homework: batch norm, exponential running averages, cyclic LR.

Data are column-major: X is (d, n) (one column per sample), Y is one-hot (k, n),
y holds the n integer labels. Layer l computes S = W H + b with W (d_out, d_in),
b (d_out, 1); hidden layers optionally batch-normalize S over the batch
(columns) with biased variance and eps = 1e-8, then scale by gamma and shift
by beta (both (d_out, 1)), then ReLU. The output is softmax over rows.
Cost = mean cross-entropy + lmbda · Σ_l sum(W_l²).

Gradients come from the engine through the whole recorded cost (batch
statistics included) — the homework's hand-written `backward` is replaced by
one `al.grad` call.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

import autograd_lite as al
from autograd_lite import Tensor
from autograd_lite.optim.lr_scheduler import triangular_lr

from ._graph import const, leaf, scalar_and_grads


def cyclic_learning_rate(eta_min: float, eta_max: float, step_size: int, t: int) -> float:
    """Triangular cyclic rate: from eta_min up to eta_max over step_size updates, back down over the next step_size.

    The homework's argument order for `optim.lr_scheduler.triangular_lr`, which CyclicLR also uses.
    """
    return triangular_lr(t, eta_min, eta_max, step_size)


class KLayerNetwork:
    """k classes, d inputs, hidden sizes m; `layers[l]` holds W, b, gamma, beta and the running mu, v.

    Initialisation as in the homework: W ~ N(0, 1/√d_in) (He) or N(0, sigma) when
    sigma is given, gamma ~ N(1, same std), b and beta zero. With a seed the
    draws come from np.random.RandomState(seed) (the numbers np.random.seed(seed)
    would give), else from NumPy's global state. alpha is the running averages'
    decay: running = alpha · running + (1 − alpha) · batch, starting from the
    first batch's statistics.
    """

    def __init__(self, k: int, d: int, m: Sequence[int], seed: int | None = None, batchnorm: bool = False,
                 sigma: float | None = None, alpha: float = 0.8, eps: float = 1e-8) -> None:
        rng: Any = np.random.RandomState(seed) if seed is not None else np.random
        self.k, self.d, self.batchnorm, self.alpha, self.eps = k, d, batchnorm, alpha, eps
        dims = [d, *m, k]
        self.layers: list[dict[str, Any]] = []
        for d_in, d_out in zip(dims[:-1], dims[1:]):
            std_w, std_gamma = (sigma, sigma) if sigma else (1 / np.sqrt(d_in), 1 / np.sqrt(d_out))
            W = rng.normal(0, std_w, size=(d_out, d_in))
            gamma = rng.normal(1, std_gamma, size=(d_out, 1))
            self.layers.append({"W": W, "b": np.zeros((d_out, 1)), "gamma": gamma, "beta": np.zeros((d_out, 1)),
                                "mu": None, "v": None})

    # ----- the recorded computation ------------------------------------------------------
    def _trainable(self) -> list[tuple[int, str]]:
        """(layer index, parameter name) of every parameter the cost depends on."""
        names = []
        for i in range(len(self.layers)):
            names += [(i, "W"), (i, "b")]
            if self.batchnorm and i < len(self.layers) - 1:
                names += [(i, "gamma"), (i, "beta")]
        return names

    def _scores(self, X: np.ndarray, params: dict, train: bool, batch_stats: list | None) -> Tensor:
        """Output scores S (k, n); in train mode appends each hidden layer's batch (mu, v) to batch_stats."""
        H = const(X)
        for i, layer in enumerate(self.layers[:-1]):
            S = params[i, "W"] @ H + params[i, "b"]
            if self.batchnorm:
                if train:
                    mu, v = S.mean(dim=1, keepdim=True), S.var(dim=1, keepdim=True, correction=0)
                    if batch_stats is not None:
                        batch_stats.append((mu.data, v.data))
                else:
                    if layer["mu"] is None:
                        raise RuntimeError("KLayerNetwork: no running averages yet; train first, or use train=True")
                    mu, v = const(layer["mu"]), const(layer["v"])
                S = params[i, "gamma"] * ((S - mu) / al.sqrt(v + self.eps)) + params[i, "beta"]
            H = al.relu(S)
        last = len(self.layers) - 1
        return params[last, "W"] @ H + params[last, "b"]

    def _cost(self, X: np.ndarray, Y: np.ndarray, lmbda: float, train: bool,
              batch_stats: list | None = None) -> tuple[Tensor, Tensor, Tensor, list[Tensor]]:
        """(cost, loss, log P, parameter leaves) recorded by the engine."""
        keys = self._trainable()
        leaves = [leaf(self.layers[i][name]) for i, name in keys]
        params = dict(zip(keys, leaves))
        S = self._scores(X, params, train, batch_stats)
        log_p = S - al.logsumexp(S, dim=0, keepdim=True)
        loss = -(const(Y, like=log_p) * log_p).sum() / X.shape[1]
        weight_sq = [(params[i, "W"] ** 2).sum() for i in range(len(self.layers))]
        reg = weight_sq[0]
        for w2 in weight_sq[1:]:
            reg = reg + w2
        return loss + lmbda * reg, loss, log_p, leaves

    # ----- the homework's methods ---------------------------------------------------------
    def forward(self, X: np.ndarray, train: bool = False) -> np.ndarray:
        """Class probabilities P (k, n); train=True uses the batch's statistics and updates the running averages."""
        with al.no_grad():
            stats: list = []
            S = self._scores(X, {key: const(self.layers[key[0]][key[1]]) for key in self._trainable()}, train, stats)
        if train:
            self._update_running_averages(stats)
        P = np.exp(S.data - np.max(S.data, axis=0))
        return P / np.sum(P, axis=0)

    def compute_cost(self, X: np.ndarray, Y: np.ndarray, lmbda: float, train: bool = False) -> tuple[float, float]:
        """(cost, loss): loss the mean cross-entropy, cost = loss + lmbda · Σ sum(W²). Changes no state."""
        with al.no_grad():
            cost, loss, _, _ = self._cost(X, Y, lmbda, train)
        return float(cost.data), float(loss.data)

    def compute_accuracy(self, X: np.ndarray, y: np.ndarray) -> float:
        """Fraction of columns of X whose most probable class (test mode) is y."""
        return float(np.mean(np.argmax(self.forward(X), axis=0) == np.asarray(y)))

    def compute_gradients(self, X: np.ndarray, Y: np.ndarray, lmbda: float) -> list[dict[str, np.ndarray]]:
        """Per layer {'W', 'b'[, 'gamma', 'beta']}: d cost / d parameter at the batch's statistics, from the engine.

        Like the homework's forward(train=True) + backward, this updates the running averages.
        """
        stats: list = []
        cost, _, _, leaves = self._cost(X, Y, lmbda, train=True, batch_stats=stats)
        _, grads = scalar_and_grads(cost, leaves)
        self._update_running_averages(stats)
        per_layer: list[dict[str, np.ndarray]] = [{} for _ in self.layers]
        for (i, name), g in zip(self._trainable(), grads):
            per_layer[i][name] = g
        return per_layer

    def update(self, grads: list[dict[str, np.ndarray]], eta: float) -> None:
        """Gradient step on every parameter that has a gradient."""
        for layer, layer_grads in zip(self.layers, grads):
            for name, g in layer_grads.items():
                layer[name] = layer[name] - eta * g

    def _update_running_averages(self, batch_stats: list) -> None:
        for layer, (mu, v) in zip(self.layers, batch_stats):
            if layer["mu"] is None:
                layer["mu"], layer["v"] = mu, v
            layer["mu"] = self.alpha * layer["mu"] + (1 - self.alpha) * mu
            layer["v"] = self.alpha * layer["v"] + (1 - self.alpha) * v

    def mini_batch_gd(self, X: np.ndarray, Y: np.ndarray, y: np.ndarray, lmbda: float = 0.01, n_batch: int = 100,
                      eta_min: float = 1e-5, eta_max: float = 1e-1, step_size: int = 500, n_epochs: int = 10,
                      X_val: np.ndarray | None = None, Y_val: np.ndarray | None = None,
                      y_val: np.ndarray | None = None, seed: int | None = None) -> dict[str, list]:
        """Minibatch gradient descent with the cyclic learning rate; returns per-epoch histories.

        Each epoch shuffles the columns (np.random.RandomState(seed) if given), takes
        n // n_batch batches, and at update t uses cyclic_learning_rate(eta_min, eta_max, step_size, t).
        History keys: 'cost', 'loss', 'acc' (training), 'val_cost', 'val_loss', 'val_acc', and 'lr' (every update).
        """
        rng: Any = np.random.RandomState(seed) if seed is not None else np.random
        history: dict[str, list] = {key: [] for key in ("cost", "loss", "acc", "val_cost", "val_loss", "val_acc", "lr")}
        t, n = 0, X.shape[1]
        for _ in range(n_epochs):
            order = rng.permutation(n)
            for j in range(n // n_batch):
                cols = order[j * n_batch:(j + 1) * n_batch]
                eta = cyclic_learning_rate(eta_min, eta_max, step_size, t)
                self.update(self.compute_gradients(X[:, cols], Y[:, cols], lmbda), eta)
                history["lr"].append(eta)
                t += 1
            for prefix, (Xs, Ys, ys) in (("", (X, Y, y)), ("val_", (X_val, Y_val, y_val))):
                if Xs is not None:
                    cost, loss = self.compute_cost(Xs, Ys, lmbda)
                    history[prefix + "cost"].append(cost)
                    history[prefix + "loss"].append(loss)
                    history[prefix + "acc"].append(self.compute_accuracy(Xs, ys))
        return history
