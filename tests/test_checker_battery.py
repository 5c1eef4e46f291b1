"""A battery of hand-ins of the kind students hand in (issue #18's "done when"): every verdict right, and the
diagnosis names the kind of mistake for at least 80% of the wrong ones.

Problems: the three seed derivations (linear autoencoder, GP-LVM, Swish net), softmax cross-entropy, batch
and layer norm, conv, max and average pooling, matrix-calculus identities. Correct hand-ins include
ill-conditioned and saturated points and a gradient ≈ 0 everywhere; wrong ones include 1%-off, sign, factor,
1/N, one-path, transpose, mask and symmetric-point-only mistakes.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import pytest

import autograd_lite as al
import autograd_lite.nn.functional as F
from autograd_lite.check import check_derivative
from autograd_lite.examples import autoencoder, gplvm, swish_net


@dataclass
class HandIn:
    """One hand-in: the loss, inputs, {name: hand gradient}, whether it is right, and (if wrong) the kind of
    mistake the diagnosis should name."""
    label: str
    f: Callable
    inputs: Any
    grads: dict[str, Any]
    right: bool
    kind: str | None = None
    fd: bool = True


def rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


# ----- the problems: (label, f, inputs, {name: right gradient}, batch size or None) -----------------------
def _autoencoder():
    W, x = autoencoder.example_inputs()
    return autoencoder.loss, {"W": W, "x": x}, {"W": autoencoder.grad_W}


def _gplvm(beta: float = 4.0, seed: int = 0):
    X, Y = gplvm.example_inputs(seed=seed)

    def f(X, Y):
        return gplvm.log_likelihood(X, Y, 1.0, beta, return_intermediates=True)
    return f, {"X": X, "Y": Y}, {"X": lambda X, Y: gplvm.grad_X(X, Y, 1.0, beta),
                                 "K": lambda X, Y: gplvm.grad_K(X, Y, 1.0, beta)}


def _swish():
    data = swish_net.example_inputs()
    return swish_net.loss, data, {k: getattr(swish_net, f"grad_{k}") for k in ("W1", "b1", "W2", "b2")}


def _softmax_ce(shift: float = 0.0, n: int = 4, c: int = 5, seed: int = 3):
    r = rng(seed)
    y = r.integers(0, c, n)
    Z = r.standard_normal((n, c))
    Z[np.arange(n), y] += shift

    def f(Z, y):
        logp = Z - al.logsumexp(Z, dim=1, keepdim=True)
        return -logp[np.arange(len(y)), y.numpy()].mean()

    def grad_Z(Z, y):
        P = np.exp(Z - Z.max(1, keepdims=True))
        P /= P.sum(1, keepdims=True)
        P[np.arange(len(y)), y] -= 1
        return P / len(y)
    return f, {"Z": Z, "y": y}, {"Z": grad_Z}


def _batchnorm(seed: int = 4):
    r = rng(seed)
    x, gamma, beta, G = r.standard_normal((6, 3)), r.standard_normal(3), r.standard_normal(3), r.standard_normal((6, 3))

    def f(x, gamma, beta):
        mu = x.mean(0)
        xc = x - mu
        xhat = xc / al.sqrt((xc * xc).mean(0) + 1e-5)
        return ((gamma * xhat + beta) * al.tensor(G)).sum()

    def parts(x, gamma):
        xc = x - x.mean(0)
        std = np.sqrt((xc ** 2).mean(0) + 1e-5)
        return xc / std, std

    def grad_x(x, gamma, beta):
        xhat, std = parts(x, gamma)
        d = G * gamma
        return (d - d.mean(0) - xhat * (d * xhat).mean(0)) / std
    return f, {"x": x, "gamma": gamma, "beta": beta}, {
        "x": grad_x, "gamma": lambda x, gamma, beta: (G * parts(x, gamma)[0]).sum(0),
        "beta": lambda x, gamma, beta: G.sum(0)}


def _layernorm(seed: int = 5):
    r = rng(seed)
    x, G = r.standard_normal((3, 5)), r.standard_normal((3, 5))

    def f(x):
        xc = x - x.mean(1, keepdim=True)
        return (xc / al.sqrt((xc * xc).mean(1, keepdim=True) + 1e-5) * al.tensor(G)).sum()

    def grad_x(x):
        xc = x - x.mean(1, keepdims=True)
        std = np.sqrt((xc ** 2).mean(1, keepdims=True) + 1e-5)
        xhat = xc / std
        return (G - G.mean(1, keepdims=True) - xhat * (G * xhat).mean(1, keepdims=True)) / std
    return f, {"x": x}, {"x": grad_x}


CONV_G = rng(60).standard_normal((2, 3, 3, 3))  # ∂L/∂(conv output)


def _conv(seed: int = 6):
    r = rng(seed)
    x, w, b = r.standard_normal((2, 2, 5, 5)), r.standard_normal((3, 2, 3, 3)), r.standard_normal(3)
    G = CONV_G

    def f(x, w, b):
        return (F.conv2d(x, w, b) * al.tensor(G)).sum()

    def grad_w(x, w, b):
        dw = np.zeros_like(w)
        for i in range(3):
            for j in range(3):
                dw[:, :, i, j] = np.einsum("nfhw,nchw->fc", G, x[:, :, i:i + 3, j:j + 3])
        return dw

    def grad_x(x, w, b):
        dx = np.zeros_like(x)
        for i in range(3):
            for j in range(3):
                dx[:, :, i:i + 3, j:j + 3] += np.einsum("nfhw,fc->nchw", G, w[:, :, i, j])
        return dx
    return f, {"x": x, "w": w, "b": b}, {"x": grad_x, "w": grad_w, "b": lambda x, w, b: G.sum((0, 2, 3))}


def _maxpool(seed: int = 7):
    r = rng(seed)
    x, G = r.standard_normal((2, 2, 4, 4)), r.standard_normal((2, 2, 2, 2))

    def f(x):
        return (F.max_pool2d(x, 2) * al.tensor(G)).sum()

    def grad_x(x):
        blocks = x.reshape(2, 2, 2, 2, 2, 2).transpose(0, 1, 2, 4, 3, 5).reshape(2, 2, 2, 2, 4)
        mask = blocks == blocks.max(-1, keepdims=True)
        d = (mask * G[..., None]).reshape(2, 2, 2, 2, 2, 2).transpose(0, 1, 2, 4, 3, 5)
        return d.reshape(2, 2, 4, 4)
    return f, {"x": x}, {"x": grad_x}


def _avgpool(seed: int = 8):
    r = rng(seed)
    x, G = r.standard_normal((1, 2, 4, 4)), r.standard_normal((1, 2, 2, 2))

    def f(x):
        return (F.avg_pool2d(x, 2) * al.tensor(G)).sum()
    return f, {"x": x}, {"x": lambda x: np.repeat(np.repeat(G, 2, 2), 2, 3) / 4}


def _quadratic(sym: bool, seed: int = 9):
    r = rng(seed)
    A, x = r.standard_normal((4, 4)), r.standard_normal(4)
    A = A + A.T if sym else A
    return (lambda A, x: x @ A @ x), {"A": A, "x": x}, {"x": lambda A, x: (A + A.T) @ x,
                                                         "A": lambda A, x: np.outer(x, x)}


def _logdet(sym: bool, seed: int = 10):
    r = rng(seed)
    M = r.standard_normal((4, 4))
    X = M @ M.T + 4 * np.eye(4) if sym else M + 5 * np.eye(4)
    return (lambda X: al.logdet(X)), {"X": X}, {"X": lambda X: np.linalg.inv(X).T}


def _bilinear(seed: int = 11):
    r = rng(seed)
    a, X, b = r.standard_normal(3), r.standard_normal((3, 4)), r.standard_normal(4)
    return (lambda a, X, b: a @ X @ b), {"a": a, "X": X, "b": b}, {
        "X": lambda a, X, b: np.outer(a, b), "a": lambda a, X, b: X @ b, "b": lambda a, X, b: X.T @ a}


def _trace_axb(seed: int = 12):
    r = rng(seed)
    A, X, B = r.standard_normal((3, 4)), r.standard_normal((4, 4)), r.standard_normal((4, 3))
    return (lambda A, X, B: al.trace(A @ X @ B)), {"A": A, "X": X, "B": B}, {"X": lambda A, X, B: A.T @ B.T}


def _least_squares(seed: int = 13):
    r = rng(seed)
    A, X, B = r.standard_normal((5, 3)), r.standard_normal((3, 2)), r.standard_normal((5, 2))

    def f(A, X, B):
        R = A @ X - B
        return (R * R).sum()
    return f, {"A": A, "X": X, "B": B}, {"X": lambda A, X, B: 2 * A.T @ (A @ X - B),
                                         "A": lambda A, X, B: 2 * (A @ X - B) @ X.T}


def _trace_inv(seed: int = 14):
    r = rng(seed)
    X, A = r.standard_normal((4, 4)) + 4 * np.eye(4), r.standard_normal((4, 4))

    def grad_X(X, A):
        Xi = np.linalg.inv(X)
        return -(Xi @ A @ Xi).T
    return (lambda X, A: al.trace(al.linalg.inv(X) @ A)), {"X": X, "A": A}, {"X": grad_X}


RELU_X, RELU_C = rng(15).standard_normal((2, 8))


def _relu_sum():
    return (lambda x: (al.relu(x) * al.tensor(RELU_C)).sum()), {"x": RELU_X}, {"x": lambda x: RELU_C * (x > 0)}


def _tiny(seed: int = 16):
    x = -40.0 + rng(seed).standard_normal(5)  # exp(x) ≈ 1e-17: the gradient is ≈ 0 everywhere
    return (lambda x: al.exp(x).sum()), {"x": x}, {"x": lambda x: np.exp(x)}


def _tanh_mlp(seed: int = 17):
    r = rng(seed)
    X, W, v = r.standard_normal((6, 3)), r.standard_normal((3, 4)), r.standard_normal(4)
    return (lambda X, W, v: (al.tanh(X @ W) @ v).mean()), {"X": X, "W": W, "v": v}, {
        "W": lambda X, W, v: X.T @ ((1 - np.tanh(X @ W) ** 2) * v) / len(X),
        "v": lambda X, W, v: np.tanh(X @ W).mean(0)}


PROBLEMS = {
    "autoencoder": _autoencoder, "gplvm": _gplvm, "gplvm ill-conditioned": lambda: _gplvm(beta=1e6, seed=1),
    "swish net": _swish, "softmax-CE": _softmax_ce, "softmax-CE saturated": lambda: _softmax_ce(shift=30.0),
    "batch norm": _batchnorm, "layer norm": _layernorm, "conv": _conv, "max pool": _maxpool,
    "avg pool": _avgpool, "xᵀAx": lambda: _quadratic(False), "log det": lambda: _logdet(False),
    "aᵀXb": _bilinear, "tr(AXB)": _trace_axb, "‖AX − B‖²": _least_squares, "tr(X⁻¹A)": _trace_inv,
    "relu": _relu_sum, "exp at −40 (≈ 0)": _tiny, "tanh layer": _tanh_mlp,
}


def _scaled(g: Callable, c: float) -> Callable:
    return lambda *a, **k: c * np.asarray(g(*a, **k))


def _transposed(g: Callable) -> Callable:
    return lambda *a, **k: np.asarray(g(*a, **k)).T


def hand_ins() -> list[HandIn]:
    """Every problem's right hand-in, plus its generic mistakes, plus the hand-written special ones."""
    out = []
    for label, make in PROBLEMS.items():
        f, inputs, grads = make()
        out.append(HandIn(f"{label}: right", f, inputs, grads, True))
        for name, g in grads.items():
            mistakes = [("1% off", 1.01, "factor"), ("sign", -1.0, "sign"), ("factor 2", 2.0, "factor")]
            for what, c, kind in mistakes:
                out.append(HandIn(f"{label}: grad {name} {what}", f, inputs, {name: _scaled(g, c)}, False, kind, False))
    # 1/N: averaged instead of summed (the batch sizes are 6, 5 and 4)
    f, inputs, grads = _batchnorm()
    out.append(HandIn("batch norm: gamma averaged", f, inputs, {"gamma": _scaled(grads["gamma"], 1 / 6)}, False,
                      "mean-vs-sum"))
    f, inputs, grads = _swish()
    out.append(HandIn("swish: W2 summed, not averaged", f, inputs, {"W2": _scaled(grads["W2"], 5)}, False,
                      "mean-vs-sum"))
    f, inputs, grads = _softmax_ce()
    out.append(HandIn("softmax-CE: summed, not averaged", f, inputs, {"Z": _scaled(grads["Z"], 4)}, False,
                      "mean-vs-sum"))
    # one path: the autoencoder's classic answer and its mirror image, the GP-LVM's X through one side
    W, x = autoencoder.example_inputs()
    out.append(HandIn("autoencoder: one path (Wx)", autoencoder.loss, {"W": W, "x": x},
                      {"W": autoencoder.grad_W_one_path}, False, "missing-path"))

    def other_path(W, x):
        r = W.T @ W @ x - x
        return np.outer(W @ x, r)
    out.append(HandIn("autoencoder: one path (Wᵀ)", autoencoder.loss, {"W": W, "x": x}, {"W": other_path}, False,
                      "missing-path"))
    f, inputs, grads = _gplvm()

    def gp_one_side(X, Y):
        Ki = np.linalg.inv(gplvm.kernel(X))
        return 0.5 * (Ki @ Y @ Y.T @ Ki - Y.shape[1] * Ki) @ X  # ∂L/∂K·X only: the Xᵀ path is missing
    out.append(HandIn("gplvm: X through one side of XXᵀ", f, inputs, {"X": gp_one_side}, False, "missing-path"))
    f, inputs, grads = _quadratic(False)
    out.append(HandIn("xᵀAx: Ax only", f, inputs, {"x": lambda A, x: A @ x}, False, "missing-path"))
    out.append(HandIn("xᵀAx: Aᵀx only", f, inputs, {"x": lambda A, x: A.T @ x}, False, "missing-path"))
    # symmetric-point-only: right at a symmetric input, wrong elsewhere
    f, inputs, grads = _quadratic(True)
    out.append(HandIn("xᵀAx at symmetric A: 2Ax", f, inputs, {"x": lambda A, x: 2 * A @ x}, False,
                      "symmetric-only"))
    out.append(HandIn("xᵀAx at symmetric A: (A + Aᵀ)x", f, inputs, grads, True))
    f, inputs, grads = _logdet(True)
    out.append(HandIn("log det at symmetric X: X⁻¹", f, inputs, {"X": lambda X: np.linalg.inv(X)}, False,
                      "symmetric-only"))
    out.append(HandIn("log det at symmetric X: X⁻ᵀ", f, inputs, grads, True))
    f, inputs, grads = _gplvm()
    out.append(HandIn("gplvm: dK with the symmetric-matrix convention 2G − diag(G)", f, inputs,
                      {"K": lambda X, Y: 2 * gplvm.grad_K(X, Y) - np.diag(np.diag(gplvm.grad_K(X, Y)))}, False,
                      "partial"))
    # transposes of square gradients
    f, inputs, grads = _trace_axb()
    out.append(HandIn("tr(AXB): BA instead of AᵀBᵀ", f, inputs, {"X": lambda A, X, B: B @ A}, False, "transpose"))
    f, inputs, grads = _logdet(False)
    out.append(HandIn("log det: X⁻¹ at a non-symmetric X", f, inputs, {"X": lambda X: np.linalg.inv(X)}, False,
                      "transpose"))
    f, inputs, grads = _trace_inv()
    out.append(HandIn("tr(X⁻¹A): untransposed", f, inputs,
                      {"X": lambda X, A: -np.linalg.inv(X) @ A @ np.linalg.inv(X)}, False, "transpose"))
    # masks: relu's derivative forgotten, swish' with the homework's slip
    f, inputs, grads = _relu_sum()
    out.append(HandIn("relu: mask forgotten", f, inputs, {"x": lambda x: RELU_C.copy()}, False,
                      "partial"))
    f, inputs, grads = _tiny()
    out.append(HandIn("exp at −40: 4× too large", f, inputs, {"x": _scaled(grads["x"], 4.0)}, False, "factor"))
    # zero and shape mistakes
    f, inputs, grads = _conv()
    out.append(HandIn("conv: b not summed over the batch", f, inputs,
                      {"b": lambda x, w, b: CONV_G.sum((2, 3))}, False, "batch-sum"))
    conv_w = grads["w"]
    out.append(HandIn("conv: w transposed axes", f, inputs,
                      {"w": lambda x, w, b: conv_w(x, w, b).transpose(1, 0, 2, 3)}, False, "shape"))
    f, inputs, grads = _tanh_mlp()
    out.append(HandIn("tanh layer: W returned as ∇ᵀ", f, inputs, {"W": _transposed(grads["W"])}, False,
                      "transpose"))
    out.append(HandIn("tanh layer: v forgotten", f, inputs, {"v": lambda X, W, v: np.zeros(4)}, False, "zero"))
    return out


BATTERY = hand_ins()


def test_the_battery_is_big_enough():
    assert len(BATTERY) >= 100
    assert sum(h.right for h in BATTERY) >= 20 and sum(not h.right for h in BATTERY) >= 80


def _run(h: HandIn):
    return check_derivative(h.f, h.inputs, h.grads, finite_differences=h.fd)


@pytest.mark.parametrize("h", BATTERY, ids=[h.label for h in BATTERY])
def test_verdict(h: HandIn):
    report = _run(h)
    assert report.passed == h.right, str(report)
    if not h.right:
        assert all(c.verdict in ("WRONG", "SHAPE") for c in report.failed), str(report)


def test_diagnosis_names_the_mistake_for_at_least_80_percent():
    wrong = [h for h in BATTERY if not h.right]
    named = []
    for h in wrong:
        report = _run(h)
        kinds = {c.mistake for c in report.failed}
        named.append(h.kind in kinds)
    rate = sum(named) / len(wrong)
    missed = [h.label for h, ok in zip(wrong, named) if not ok]
    assert rate >= 0.8, f"diagnosis named {rate:.0%}; missed: {missed}"
