"""Helpers shared by the workloads: seeded data, one namespace per library with a PyTorch-like API
(so each workload's step is written once for autograd_lite, PyTorch and MyGrad), the HIPS autograd
training step, and the NumPy/HIPS softmax losses."""
from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from types import SimpleNamespace
from typing import Any, Callable

import numpy as np

from ..harness import Skip


def rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


@dataclass(frozen=True)
class Library:
    """What a shared builder needs from a library; autograd_lite, PyTorch and MyGrad agree on the rest
    (@, +, *, .sum(), .reshape, .T, .backward(), `module.tanh`, `module.logdet`, `module.linalg.solve`)."""
    module: Any  # the top-level package
    tensor: Callable[[np.ndarray, bool], Any]  # tensor(array, requires_grad): inputs wrap, parameters copy
    F: Any  # relu, conv2d, max_pool2d, batch_norm, cross_entropy with PyTorch's signatures
    sgd: Callable[[list, float], Any]  # an optimizer with .zero_grad() and .step()
    item: Callable[[Any], float] = lambda loss: float(loss.item())
    clear_grad: Callable[[Any], None] = lambda t: setattr(t, "grad", None)  # before a step without an optimizer


def _autograd_lite() -> Library:
    import autograd_lite as al
    import autograd_lite.nn.functional as F
    return Library(al, lambda a, requires_grad=False: al.tensor(a, requires_grad=requires_grad), F,
                   lambda params, lr: al.optim.SGD(params, lr=lr))


def _torch() -> Library:
    import torch
    import torch.nn.functional as F

    def tensor(a: np.ndarray, requires_grad: bool = False) -> Any:
        return torch.tensor(a, requires_grad=True) if requires_grad else torch.from_numpy(a)
    return Library(torch, tensor, F, lambda params, lr: torch.optim.SGD(params, lr=lr))


class _MyGradSGD:
    """Plain SGD on MyGrad tensors (MyGrad has no optimizers; a tensor's grad is cleared when it joins a new graph)."""

    def __init__(self, params: list, lr: float) -> None:
        self.params, self.lr = params, lr

    def zero_grad(self) -> None:
        pass

    def step(self) -> None:
        for p in self.params:
            p.data -= self.lr * p.grad


def _mygrad() -> Library:
    import mygrad as mg
    from mygrad.nnet import batchnorm, conv_nd, max_pool, relu, softmax_crossentropy
    F = SimpleNamespace(
        relu=relu, cross_entropy=softmax_crossentropy,
        conv2d=lambda x, w, b, padding: conv_nd(x, w, stride=1, padding=padding) + b.reshape(1, -1, 1, 1),
        max_pool2d=lambda x, k: max_pool(x, (k, k), k),
        batch_norm=lambda x, running_mean, running_var, weight, bias, training, eps:
            batchnorm(x, gamma=weight, beta=bias, eps=eps))
    return Library(mg, lambda a, requires_grad=False: mg.tensor(a.copy(), constant=not requires_grad), F, _MyGradSGD,
                   clear_grad=lambda t: None)  # MyGrad clears it itself when the tensor joins a new graph


LIBRARIES: dict[str, Callable[[], Library]] = {"autograd_lite": _autograd_lite, "torch": _torch, "mygrad": _mygrad}


def shared_builders(build: Callable[[Library, dict], Callable[[], float]],
                    libs: tuple[str, ...] = tuple(LIBRARIES)) -> dict[str, Callable[[dict], Callable[[], float]]]:
    """{lib: spec -> step} from one `build(lib, spec)`; a library is imported only when its builder runs."""
    def builder(lib: str, spec: dict) -> Callable[[], float]:
        return build(LIBRARIES[lib](), spec)
    return {lib: partial(builder, lib) for lib in libs}


def sgd_step(lib: Library, params: list, lr: float, loss_fn: Callable[[], Any]) -> Callable[[], float]:
    """One training step in a shared builder: zero the grads, loss_fn(), backward, SGD update."""
    opt = lib.sgd(params, lr)

    def step() -> float:
        opt.zero_grad()
        loss = loss_fn()
        loss.backward()
        opt.step()
        return lib.item(loss)
    return step


def hips_sgd_step(loss_fn: Callable[[list], Any], params: list, lr: float) -> Callable[[], float]:
    """One HIPS autograd training step: value_and_grad of loss_fn(params), then an in-place SGD update."""
    from autograd import value_and_grad
    vg = value_and_grad(loss_fn)

    def step() -> float:
        loss, grads = vg(params)
        for p, g in zip(params, grads):
            p -= lr * g
        return float(loss)
    return step


def hips_softmax_ce(anp: Any, scores: Any, y: np.ndarray) -> Any:
    """Mean softmax cross-entropy in HIPS autograd's numpy (it has no fused loss)."""
    shifted = scores - anp.max(scores, axis=1, keepdims=True)
    log_probs = shifted - anp.log(anp.sum(anp.exp(shifted), axis=1, keepdims=True))
    return -anp.mean(log_probs[np.arange(len(y)), y])


def np_softmax_ce(scores: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """Mean softmax cross-entropy and its gradient w.r.t. scores (the homework's softmax_loss)."""
    shifted = scores - scores.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    sums = exp.sum(axis=1, keepdims=True)
    n = len(y)
    loss = float(np.log(sums).sum() - shifted[np.arange(n), y].sum()) / n
    dscores = exp / sums
    dscores[np.arange(n), y] -= 1
    dscores /= n
    return loss, dscores


def unsupported(lib: str, what: str) -> Skip:
    return Skip(f"{lib} has no {what}")
