"""The op table: one entry per registered op (`autograd_lite/ops/registry.py`), each a list of cases.

A case is one expression `fn(m, *xs)` run with `m` = autograd_lite (`AL`) and, for parity,
`m` = PyTorch (`torch_lib()`), so each case reads as the op's call; `m.F` is the functional
module and `m.linalg` the linear algebra namespace in both. Inputs are shapes (standard
normal values), "pos(shape)" (values in [0.5, 2)) or fixed arrays. From this table
tests/test_op_table.py generates, per case: a float64 central-difference gradcheck (first and
second order), float32 in → float32 out, `.data` an ndarray for every output, and PyTorch
parity (forward, gradient, second derivative) when torch is installed.

Adding an op: register it, add its entry here (or in its family's tests/op_rows_<family>.py). A registered op without an entry fails
`test_every_registered_op_has_a_row`.
"""
from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any, Callable

import numpy as np

import autograd_lite as al
import autograd_lite.nn.functional as al_F


@dataclass
class Case:
    """One call of an op: `fn(m, *inputs)`, and which generated checks apply to it."""
    fn: Callable[..., Any]
    inputs: list[Any]
    grad: bool = True  # differentiable in its float inputs: gradchecked
    order: int = 2  # 2: second derivatives gradchecked too
    torch: bool = True  # PyTorch has the same expression: forward and gradients compared
    float32: bool = True  # float32 inputs give float32 outputs (and gradients)
    atol: float = 1e-5  # gradcheck tolerances
    rtol: float = 1e-3


def C(fn: Callable[..., Any], *inputs: Any, **flags: Any) -> Case:
    return Case(fn, list(inputs), **flags)


AL = SimpleNamespace(**{**{n: getattr(al, n) for n in dir(al) if not n.startswith("_")},
                        "F": al_F, "linalg": al.linalg})


def torch_lib() -> Any:
    """The same namespace shape for PyTorch (call only when torch is importable)."""
    import torch
    return SimpleNamespace(**{**{n: getattr(torch, n) for n in dir(torch) if not n.startswith("_")},
                              "F": torch.nn.functional, "linalg": torch.linalg})


def _seeded_dropout(m: Any, a: Any) -> Any:
    al.manual_seed(3)  # the same mask on every call: the gradcheck perturbs a fixed function
    return m.F.dropout(a, 0.4)


def _eye(m: Any, n: int, like: Any) -> Any:
    return m.eye(n, dtype=like.dtype)


def _spd(m: Any, a: Any) -> Any:
    """A symmetric positive-definite matrix (batch) from any square a."""
    return a @ a.mT + _eye(m, a.shape[-1], a) * 3.0


TIES = np.array([[1.0, 3.0, 3.0, 0.0], [2.0, 2.0, -1.0, 2.0], [0.0, 0.0, 5.0, 5.0]])
SIGNS = np.array([-2.0, -0.5, 0.5, 1.5])  # away from 0: kinks stay out of the finite differences
IMAGES = (2, 3, 5, 5)  # (N, C, H, W)

ROWS: dict[str, list[Case]] = {
    # ----- arithmetic (operators and functions; broadcasting and batched shapes)
    "add": [C(lambda m, a, b: a + b, (2, 3, 4), (3, 1)), C(lambda m, a, b: m.add(a, b), (3,), (2, 3)),
            C(lambda m, a: 2.5 + a, (2, 3)), C(lambda m, a, b: (a * 1.0).add_(b), (2, 3), (3,))],
    "sub": [C(lambda m, a, b: a - b, (4,), (2, 4)), C(lambda m, a: 1.5 - a, (3,)),
            C(lambda m, a, b: (a * 1.0).sub_(b), (2, 3), (2, 3))],
    "mul": [C(lambda m, a, b: a * b, (2, 1, 4), (3, 1)), C(lambda m, a: 3.0 * a, (3,)),
            C(lambda m, a, b: (a * 1.0).mul_(b), (2, 3), (3,))],
    "div": [C(lambda m, a, b: a / b, (2, 3), "pos(3,)"), C(lambda m, a: 2.0 / a, "pos(4,)"),
            C(lambda m, a, b: (a * 1.0).div_(b), (2, 3), "pos(2, 3)")],
    "neg": [C(lambda m, a: -a, (2, 3)), C(lambda m, a: m.neg(a), (3,))],
    "positive": [C(lambda m, a: +a * 2.0, (2, 3)), C(lambda m, a: m.positive(a) * 2.0, (3,))],
    "pow": [C(lambda m, a, b: a ** b, "pos(2, 3)", (3,)), C(lambda m, a: a ** 3 + a ** 2 + 1.5 ** a, (5,)),
            C(lambda m, a: m.pow(a, 0.5) + a ** -1.5, "pos(5,)")],
    # ----- unary math
    "exp": [C(lambda m, a: m.exp(a), (2, 3)), C(lambda m, a: a.exp(), ())],
    "log": [C(lambda m, a: m.log(a), "pos(2, 3)"), C(lambda m, a: a.log(), "pos()")],
    "sqrt": [C(lambda m, a: m.sqrt(a), "pos(2, 3)")],
    "abs": [C(lambda m, a: m.abs(a), SIGNS), C(lambda m, a: abs(a), SIGNS.reshape(2, 2))],
    "sin": [C(lambda m, a: m.sin(a), (2, 3))],
    "cos": [C(lambda m, a: a.cos(), (2, 3))],
    "tanh": [C(lambda m, a: m.tanh(a), (2, 3)), C(lambda m, a: m.F.tanh(a), (4,))],
    "sigmoid": [C(lambda m, a: m.sigmoid(a), (2, 3)), C(lambda m, a: a.sigmoid(), np.array([-40.0, -1.0, 0.0, 2.0]))],
    "relu": [C(lambda m, a: m.relu(a), SIGNS), C(lambda m, a: m.F.relu(a), SIGNS.reshape(2, 2))],
    "maximum": [C(lambda m, a, b: m.maximum(a, b), (2, 3), (3,)),
                C(lambda m, a, b: m.maximum(a, b), np.array([1.0, 2.0, 3.0]), np.array([1.0, 5.0, 0.0]), grad=False)],
    "minimum": [C(lambda m, a, b: m.minimum(a, b), (2, 3), (2, 1)),
                C(lambda m, a, b: a.minimum(b), np.array([1.0, 2.0, 3.0]), np.array([1.0, 5.0, 0.0]), grad=False)],
    "where": [C(lambda m, a, b: m.where(a > 0, a, b), (2, 3), (3,)),
              C(lambda m, a: a[m.where(a > 0)] * 2.0, (3, 4))],  # where(cond) alone: the indices, as a tuple
    "Tensor.where": [C(lambda m, a, b: a.where(b > 0, b), (2, 3), (2, 3))],
    "clamp": [C(lambda m, a: m.clamp(a, -0.5, 0.5), SIGNS * 0.4 + 0.1),
              C(lambda m, a: a.clip(min=0.0), SIGNS),
              C(lambda m, a, lo, hi: m.clamp(a, lo, hi), np.array([[-1.0, 0.2, 2.0], [1.0, 3.0, 0.5]]),
                np.array([-0.5, 0.0, 0.0]), np.array([2.5]))],
    "astype": [C(lambda m, a: a.to(m.float32), (2, 3), grad=False),
               C(lambda m, a: a.to(m.int64), np.array([1.5, -2.5]), grad=False, float32=False)],
    "Tensor.float": [C(lambda m, a: a.float(), (2, 3), grad=False)],
    "Tensor.double": [C(lambda m, a: a.double(), (2, 3))],
    "Tensor.long": [C(lambda m, a: a.long(), np.array([1.5, -2.5]), grad=False, float32=False)],
    "Tensor.int": [C(lambda m, a: a.int(), np.array([1.5, -2.5]), grad=False, float32=False)],
    "Tensor.bool": [C(lambda m, a: a.bool(), np.array([0.0, -2.5]), grad=False, float32=False)],
    "Tensor.half": [C(lambda m, a: a.half() * 2.0, (2, 3), grad=False, float32=False)],  # FD steps vanish in float16
    "sign": [C(lambda m, a: m.sign(a) * a, SIGNS)],
    # ----- comparisons and tests: bool results, no gradient
    "eq": [C(lambda m, a, b: a == b, TIES[0], TIES[1], grad=False), C(lambda m, a: m.eq(a, 3.0), TIES, grad=False)],
    "ne": [C(lambda m, a, b: a != b, TIES[0], TIES[1], grad=False)],
    "lt": [C(lambda m, a, b: a < b, (2, 3), (3,), grad=False), C(lambda m, a: m.lt(a, 0.0), (3,), grad=False)],
    "le": [C(lambda m, a, b: a <= b, TIES[0], TIES[1], grad=False)],
    "gt": [C(lambda m, a, b: a > b, (2, 3), (3,), grad=False)],
    "ge": [C(lambda m, a, b: a >= b, TIES[0], TIES[1], grad=False)],
    "logical_and": [C(lambda m, a, b: (a > 0) & (b > 0), (2, 3), (3,), grad=False)],
    "logical_or": [C(lambda m, a, b: (a > 0) | (b > 0), (2, 3), (3,), grad=False)],
    "logical_xor": [C(lambda m, a, b: m.logical_xor(a > 0, b > 0), (2, 3), (3,), grad=False)],
    "logical_not": [C(lambda m, a: ~(a > 0), (2, 3), grad=False), C(lambda m, a: m.logical_not(a > 0), (3,), grad=False)],
    "isnan": [C(lambda m, a: m.isnan(a), np.array([1.0, np.inf, -np.inf, np.nan]), grad=False)],
    "isfinite": [C(lambda m, a: m.isfinite(a), np.array([1.0, np.inf, -np.inf, np.nan]), grad=False)],
    "clone": [C(lambda m, a: m.clone(a) * 2.0, (2, 3)), C(lambda m, a: a.clone(), ())],
    "Tensor.contiguous": [C(lambda m, a: a.contiguous() * 2.0, (2, 3))],
    # ----- indexing
    "Tensor.__getitem__": [C(lambda m, a: a[1, :, 1:3], (2, 3, 4)), C(lambda m, a: a[..., None, 0], (2, 3)),
                           C(lambda m, a: a[[0, 2, 0, 0]], (3, 2)), C(lambda m, a: a[[0, 1, 1], [2, 0, 2]], (2, 3)),
                           C(lambda m, a: a[a > 0], (3, 4)), C(lambda m, a: a[-1, -2:], (3, 4)),
                           C(lambda m, a: a[1], (3,))],
    "Tensor.__setitem__": [C(lambda m, a, v: _setitem(a * 2.0, (1,), v * 3.0), (3, 4), (4,)),
                           C(lambda m, a, v: _setitem(a * 1.0, (slice(None), 0), v), (3, 2), ())],
    # ----- reductions (all dims, one, negative, several, keepdim; 0-d inputs)
    "sum": [C(lambda m, a: m.sum(a), (2, 3)), C(lambda m, a: a.sum((0, 2), keepdim=True), (2, 3, 4)),
            C(lambda m, a: m.sum(a, ()), (2, 3)), C(lambda m, a: a.sum(0), ())],
    "mean": [C(lambda m, a: m.mean(a, -1), (2, 3, 4)), C(lambda m, a: a.mean(), (3,))],
    # at TIES the gradient is PyTorch's choice (split, or all to the returned index), not a derivative
    "max": [C(lambda m, a: m.max(a), TIES, grad=False), C(lambda m, a: m.max(a, 1).values, TIES, grad=False),
            C(lambda m, a: m.max(a), (2, 3)),
            C(lambda m, a: m.max(a, 1).values, (3, 4)),
            C(lambda m, a: a.max(0, keepdim=True)[0], (3, 4)), C(lambda m, a: a.max(dim=-1).indices, (3, 4), grad=False)],
    "min": [C(lambda m, a: m.min(a), (3, 4)), C(lambda m, a: a.min(0, keepdim=True)[0], TIES)],
    "amax": [C(lambda m, a: m.amax(a, 1), TIES, grad=False), C(lambda m, a: a.amax((0, 2)), (2, 3, 4))],
    "amin": [C(lambda m, a: m.amin(a, 0, keepdim=True), TIES)],
    "var": [C(lambda m, a: m.var(a, 1), (3, 4)), C(lambda m, a: m.var(a, (0, 1), correction=0), (3, 4))],
    "std": [C(lambda m, a: m.std(a, 0, correction=2, keepdim=True), (5, 3)), C(lambda m, a: a.std(), (6,))],
    "logsumexp": [C(lambda m, a: m.logsumexp(a, 1), (3, 4)), C(lambda m, a: m.logsumexp(a * 1000.0, (0, 1)), (2, 3))],
    "argmax": [C(lambda m, a: m.argmax(a), (3, 4), grad=False), C(lambda m, a: a.argmax(1, keepdim=True), (3, 4), grad=False)],
    "argmin": [C(lambda m, a: m.argmin(a, 0), (3, 4), grad=False)],
    # ----- shape
    "reshape": [C(lambda m, a: a.reshape(4, -1), (2, 3, 2)), C(lambda m, a: a.view(6), (2, 3)),
                C(lambda m, a: m.reshape(a, (1, 1)), ())],
    "Tensor.view_as": [C(lambda m, a, b: a.view_as(b), (2, 3), (3, 2))],
    "flatten": [C(lambda m, a: m.flatten(a, 1), (2, 3, 4)), C(lambda m, a: a.flatten(), ())],
    "squeeze": [C(lambda m, a: m.squeeze(a, 1), (2, 1, 3)), C(lambda m, a: a.squeeze(), (1, 3, 1))],
    "unsqueeze": [C(lambda m, a: m.unsqueeze(a, -1), (2, 3)), C(lambda m, a: a.unsqueeze(0), ())],
    "permute": [C(lambda m, a: a.permute(2, 0, 1), (2, 3, 4)), C(lambda m, a: m.permute(a, (1, 0)), (2, 3))],
    "movedim": [C(lambda m, a: m.movedim(a, 0, -1), (2, 3, 4))],
    "expand": [C(lambda m, a: a.expand(2, -1, 4), (3, 1))],
    "broadcast_to": [C(lambda m, a: m.broadcast_to(a, (2, 3)), (3,))],
    "Tensor.expand_as": [C(lambda m, a, b: a.expand_as(b) * b, (3, 1), (2, 3, 4))],
    "sum_to": [C(lambda m, a: m.sum_to(a, (3, 1)), (2, 3, 4), torch=False)],
    "Tensor.sum_to_size": [C(lambda m, a: a.sum_to_size(3, 1), (2, 3, 4))],
    "transpose": [C(lambda m, a: m.transpose(a, 0, 2), (2, 3, 4)), C(lambda m, a: a.transpose(-1, -2), (2, 3, 4))],
    "Tensor.T": [C(lambda m, a: a.T, (2, 3)), C(lambda m, a: a.T * 1.0, (3,))],
    "Tensor.mT": [C(lambda m, a: a.mT, (2, 3, 4))],
    "cat": [C(lambda m, a, b: m.cat([a, b], 1), (2, 3), (2, 1)), C(lambda m, a, b: m.concatenate([a, b]), (2,), (3,))],
    "stack": [C(lambda m, a, b: m.stack([a, b], -1), (2, 3), (2, 3))],
    "split": [C(lambda m, a: m.split(a, [1, 3], 1)[1] * 2.0, (2, 4)), C(lambda m, a: a.split(2, 0)[-1], (5, 2))],
    "chunk": [C(lambda m, a: m.chunk(a, 2, 1)[0], (2, 5))],
    "pad": [C(lambda m, a: m.F.pad(a, (1, 2, 0, 1)), (2, 3)), C(lambda m, a: m.F.pad(a, (-1, 1)), (2, 4)),
            C(lambda m, a: m.F.pad(a, (2, 0), value=3.0), (3,)),
            C(lambda m, a: m.F.pad(a, (2, 1), mode="reflect"), (2, 3, 4)),
            C(lambda m, a: m.F.pad(a, (1, 2, 2, 1), mode="replicate"), (1, 2, 3, 4)),
            C(lambda m, a: m.F.pad(a, (1, 2, 2, 1), mode="circular"), (1, 2, 3, 4))],
    "flip": [C(lambda m, a: m.flip(a, (0, 2)), (2, 3, 4))],
    # ----- matrix
    "matmul": [C(lambda m, a, b: a @ b, (2, 3), (3, 4)), C(lambda m, a, b: m.matmul(a, b), (3,), (3,)),
               C(lambda m, a, b: a @ b, (3,), (3, 2)), C(lambda m, a, b: a @ b, (2, 3), (3,)),
               C(lambda m, a, b: a.matmul(b), (4, 2, 3), (4, 3, 2)), C(lambda m, a, b: a @ b, (2, 1, 2, 3), (4, 3, 2)),
               C(lambda m, a, b: a @ b, (3,), (4, 3, 2))],
    "outer": [C(lambda m, a, b: m.outer(a, b), (3,), (4,))],
    "einsum": [C(lambda m, a, b: m.einsum("ij,jk->ik", a, b), (2, 3), (3, 4)),
               C(lambda m, a, b: m.einsum("...ij,...jk->...ik", a, b), (2, 2, 3), (2, 3, 2)),
               C(lambda m, a: m.einsum("ii->", a), (3, 3)), C(lambda m, a: m.einsum("ii->i", a), (3, 3)),
               C(lambda m, a, b: m.einsum("ba,ca", a, b), (2, 3), (4, 3))],
    "trace": [C(lambda m, a: m.trace(a), (3, 4))],
    "diagonal": [C(lambda m, a: m.diagonal(a, 0, 1, 2), (2, 3, 3)), C(lambda m, a: a.diagonal(1, -1, 0), (3, 4))],
    "diag": [C(lambda m, a: m.diag(a, 1), (3,)), C(lambda m, a: m.diag(a, -1), (4, 3))],
    "diag_embed": [C(lambda m, a: m.diag_embed(a), (2, 3)), C(lambda m, a: a.diag_embed(1), (3,))],
    # ----- activations (F), softmax, dropout
    "leaky_relu": [C(lambda m, a: m.F.leaky_relu(a, 0.1), SIGNS.reshape(2, 2))],
    "silu": [C(lambda m, a: m.F.silu(a), (2, 3))],
    "gelu": [C(lambda m, a: m.F.gelu(a), (2, 3)), C(lambda m, a: m.F.gelu(a, approximate="tanh"), (4,))],
    "elu": [C(lambda m, a: m.F.elu(a, 1.5), SIGNS)],
    "softplus": [C(lambda m, a: m.F.softplus(a), (2, 3)),
                 C(lambda m, a: m.F.softplus(a, beta=2.0, threshold=3.0), SIGNS * 1.3)],  # both sides of 3
    "softmax": [C(lambda m, a: m.F.softmax(a, 1), (2, 3, 4)), C(lambda m, a: a.softmax(-1), (3,))],
    "log_softmax": [C(lambda m, a: m.F.log_softmax(a, 0), (3, 2)), C(lambda m, a: m.log_softmax(a, -1), (2, 3))],
    "dropout": [C(_seeded_dropout, (3, 4), torch=False), C(lambda m, a: m.F.dropout(a, 0.5, training=False), (3,))],
    # ----- layers (F)
    "linear": [C(lambda m, x, w, b: m.F.linear(x, w, b), (4, 3), (2, 3), (2,)),
               C(lambda m, x, w: m.F.linear(x, w), (2, 4, 3), (5, 3))],
    "conv2d": [C(lambda m, x, w, b: m.F.conv2d(x, w, b, padding=1), IMAGES, (4, 3, 3, 3), (4,)),
               C(lambda m, x, w: m.F.conv2d(x, w, stride=2, groups=3), IMAGES, (3, 1, 2, 2))],
    "max_pool2d": [C(lambda m, x: m.F.max_pool2d(x, 2), IMAGES), C(lambda m, x: m.F.max_pool2d(x, 3, 2, 1), IMAGES)],
    "avg_pool2d": [C(lambda m, x: m.F.avg_pool2d(x, 2), IMAGES), C(lambda m, x: m.F.avg_pool2d(x, 3, 2, 1), IMAGES)],
    "batch_norm": [C(lambda m, x, w, b: m.F.batch_norm(x, None, None, w, b, training=True), (6, 3), "pos(3,)", (3,)),
                   C(lambda m, x: m.F.batch_norm(x, None, None, training=True), IMAGES),
                   C(lambda m, x, w, b: m.F.batch_norm(x, x.new_full((3,), 0.1), x.new_full((3,), 2.0), w, b),
                     IMAGES[:1] + (3,) + IMAGES[2:], "pos(3,)", (3,))],  # eval: the running statistics
    "layer_norm": [C(lambda m, x, w, b: m.F.layer_norm(x, (4,), w, b), (2, 3, 4), "pos(4,)", (4,))],
    "group_norm": [C(lambda m, x, w, b: m.F.group_norm(x, 3, w, b), (2, 6, 2, 2), "pos(6,)", (6,))],
    # ----- losses (F)
    "cross_entropy": [C(lambda m, x: m.F.cross_entropy(x, m.tensor([0, 2, 1, 2])), (4, 3)),
                      C(lambda m, x: m.F.cross_entropy(x, m.tensor([1, 0]), reduction="none"), (2, 3))],
    "nll_loss": [C(lambda m, x: m.F.nll_loss(m.F.log_softmax(x, 1), m.tensor([0, 2, 1])), (3, 4))],
    "mse_loss": [C(lambda m, x, y: m.F.mse_loss(x, y), (3, 4), (3, 4))],
    "binary_cross_entropy": [C(lambda m, x, t: m.F.binary_cross_entropy(m.sigmoid(x), m.sigmoid(t)), (3, 2), (3, 2))],
    "binary_cross_entropy_with_logits": [C(lambda m, x, t: m.F.binary_cross_entropy_with_logits(x, m.sigmoid(t)),
                                           (4,), (4,))],
    "multi_margin_loss": [C(lambda m, x: m.F.multi_margin_loss(x, m.tensor([0, 2, 1])), (3, 4), order=1)],
    # targets of ±1 are m.sign(t).detach(): they follow the inputs' dtype and need no gradient
    "l1_loss": [C(lambda m, x, y: m.F.l1_loss(x, y), (3, 4), (3, 4)),
                C(lambda m, x, y: m.F.l1_loss(x, y, reduction="sum"), (2, 3), (2, 3))],
    "smooth_l1_loss": [C(lambda m, x, y: m.F.smooth_l1_loss(x, y, beta=0.5), (3, 4), (3, 4))],
    "huber_loss": [C(lambda m, x, y: m.F.huber_loss(x, y, delta=0.7, reduction="none"), (3, 4), (3, 4))],
    "kl_div": [C(lambda m, x, t: m.F.kl_div(m.F.log_softmax(x, 1), m.softmax(t, 1), reduction="batchmean"),
                 (3, 4), (3, 4)),
               C(lambda m, x, t: m.F.kl_div(x, t, reduction="sum", log_target=True), (2, 3), (2, 3))],
    "poisson_nll_loss": [C(lambda m, x, t: m.F.poisson_nll_loss(x, t), (3, 4), "pos(3, 4)"),
                         C(lambda m, x, t: m.F.poisson_nll_loss(x, t, log_input=False, full=True), "pos(5,)",
                           "pos(5,)")],
    "gaussian_nll_loss": [C(lambda m, x, y, v: m.F.gaussian_nll_loss(x, y, v), (3, 4), (3, 4), "pos(3, 4)"),
                          C(lambda m, x, y, v: m.F.gaussian_nll_loss(x, y, v, full=True), (3, 2), (3, 2), "pos(3, 1)")],
    "soft_margin_loss": [C(lambda m, x, t: m.F.soft_margin_loss(x, m.sign(t).detach()), (3, 4), (3, 4))],
    "margin_ranking_loss": [C(lambda m, a, b, t: m.F.margin_ranking_loss(a, b, m.sign(t).detach(), margin=0.1), (5,), (5,),
                              (5,))],
    "hinge_embedding_loss": [C(lambda m, x, t: m.F.hinge_embedding_loss(x, m.sign(t).detach(), margin=1.5), (3, 4), (3, 4))],
    "cosine_embedding_loss": [C(lambda m, a, b, t: m.F.cosine_embedding_loss(a, b, m.sign(t).detach(), margin=0.2), (3, 4),
                                (3, 4), (3,))],
    "triplet_margin_loss": [C(lambda m, a, p, n: m.F.triplet_margin_loss(a, p, n, margin=2.0), (3, 4), (3, 4),
                              (3, 4))],
    # ----- linear algebra (well-conditioned or positive-definite inputs built from any square matrix)
    "inv": [C(lambda m, a: m.linalg.inv(a + _eye(m, 3, a) * 3.0), (2, 3, 3))],
    "det": [C(lambda m, a: m.linalg.det(a), (3, 3)), C(lambda m, a: m.linalg.det(a), (2, 2, 2))],
    "slogdet": [C(lambda m, a: m.linalg.slogdet(a + _eye(m, 3, a) * 3.0)[1], (2, 3, 3))],
    "logdet": [C(lambda m, a: m.logdet(_spd(m, a)), (3, 3))],
    "solve": [C(lambda m, a, b: m.linalg.solve(a + _eye(m, 3, a) * 3.0, b), (3, 3), (3, 2)),
              C(lambda m, a, b: m.linalg.solve(a + _eye(m, 2, a) * 3.0, b), (2, 2, 2), (2, 2))],
    "cholesky": [C(lambda m, a: m.linalg.cholesky(_spd(m, a)), (2, 3, 3))],
    "vector_norm": [C(lambda m, a: m.linalg.vector_norm(a), (2, 3)), C(lambda m, a: m.linalg.vector_norm(a, 3, 1), (2, 3))],
    "matrix_norm": [C(lambda m, a: m.linalg.matrix_norm(a), (2, 3, 3)), C(lambda m, a: m.linalg.matrix_norm(a, 1), (3, 4))],
    "norm": [C(lambda m, a: m.linalg.norm(a), (2, 3)), C(lambda m, a: m.linalg.norm(a, dim=1), (2, 3))],
    "svdvals": [C(lambda m, a: m.linalg.svdvals(a), (3, 2))],
}


def _setitem(a: Any, index: tuple, value: Any) -> Any:
    a[index] = value
    return a


def input_arrays(case: Case, rng: np.random.Generator) -> list[np.ndarray]:
    """The case's inputs as float64 arrays (shapes drawn from rng)."""
    arrays = []
    for s in case.inputs:
        if isinstance(s, np.ndarray):
            arrays.append(s.astype(np.float64))
        elif isinstance(s, str):  # "pos(shape)": values in [0.5, 2)
            arrays.append(rng.uniform(0.5, 2.0, eval(s[3:])))
        else:
            arrays.append(np.asarray(rng.standard_normal(s)))
    return arrays


def _family_rows() -> None:
    """Op families with many rows keep them in their own file, tests/op_rows_<family>.py (a ROWS dict)."""
    import importlib
    from pathlib import Path
    for path in sorted(Path(__file__).parent.glob("op_rows_*.py")):
        family = importlib.import_module(f"tests.{path.stem}").ROWS
        clash = ROWS.keys() & family.keys()
        assert not clash, f"{path.name} repeats rows of {sorted(clash)}"
        ROWS.update(family)


_family_rows()


def cases() -> list[tuple[str, str, Case]]:
    """(id, op name, case) for every case of every row."""
    return [(f"{name}-{i}", name, case) for name, cases in ROWS.items() for i, case in enumerate(cases)]
