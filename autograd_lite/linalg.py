"""Linear algebra with gradients: inv, det, slogdet/logdet, solve, cholesky, norm.

Every op is batched over leading dimensions, like `torch.linalg`. The rules,
side by side (G = dL/d(output), C = adj(A)ᵀ the cofactor matrix, X = A⁻¹B,
L = chol(A), Φ(M) = lower triangle of M with its diagonal halved):

    Y = A⁻¹            ∂L/∂A = −Yᵀ·G·Yᵀ
    d = det(A)         ∂L/∂A = G·C                      (finite when A is singular)
    l = log|det(A)|    ∂L/∂A = G·A⁻ᵀ                    (a solve; the determinant is never formed)
    X = solve(A, B)    ∂L/∂B = A⁻ᵀ·G,  ∂L/∂A = −(A⁻ᵀ·G)·Xᵀ
    L = chol(A)        ∂L/∂A = sym(L⁻ᵀ·Φ(Lᵀ·G)·L⁻¹)      (Murray 2016; symmetric)
    n = ‖a‖₂           ∂L/∂a = G·a/n                    (0 at a = 0, like PyTorch)

Every gradient is written in Tensor ops, so gradients of gradients work
(create_graph=True). Singular input to inv/solve and a non-positive-definite
input to cholesky raise `LinAlgError` naming the batch element, never a
silent NaN; inv and solve also refuse matrices that are singular to working
precision (reciprocal condition number below the dtype's eps), where PyTorch
would return meaningless ~1e16 entries.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from .engine import Function, OpError
from .ops import as_tensor, where
from .ops.reduction import normalize_dims
from .tensor import Tensor

__all__ = ["LinAlgError", "inv", "det", "slogdet", "logdet", "solve", "cholesky", "norm", "vector_norm",
           "matrix_norm", "svdvals"]


class LinAlgError(OpError):
    """A singular or non-positive-definite matrix given to inv, solve or cholesky."""


def _square(op: str, a: np.ndarray) -> None:
    if a.ndim < 2 or a.shape[-1] != a.shape[-2]:
        raise OpError(f"{op}: expected a square matrix or a batch of them (shape (..., n, n)), got {a.shape}")


def _batch_note(batch_index: tuple[int, ...]) -> str:
    return f" (batch element {batch_index})" if batch_index else ""


def _batch_elements(shape: tuple[int, ...]) -> Any:
    return np.ndindex(*shape[:-2]) if len(shape) > 2 else iter([()])


def _checked_inv(op: str, a: np.ndarray) -> np.ndarray:
    """A⁻¹, raising LinAlgError for a matrix that is singular (exactly or to working precision)."""
    _square(op, a)
    try:
        a_inv = np.linalg.inv(a)
    except np.linalg.LinAlgError:  # exactly singular somewhere in the batch: find where
        for idx in _batch_elements(a.shape):
            try:
                np.linalg.inv(a[idx])
            except np.linalg.LinAlgError:
                raise LinAlgError(f"{op}: the matrix is singular{_batch_note(idx)}; it has no inverse") from None
        raise
    # rcond = 1 / (‖A‖₁·‖A⁻¹‖₁): below eps, the computed inverse has no correct digits
    with np.errstate(all="ignore"):
        rcond = 1.0 / (np.linalg.norm(a, 1, axis=(-2, -1)) * np.linalg.norm(a_inv, 1, axis=(-2, -1)))
    bad = ~(rcond >= np.finfo(a.dtype).eps) & np.all(np.isfinite(a), axis=(-2, -1))
    if np.any(bad):
        idx = tuple(int(i) for i in np.argwhere(bad)[0]) if bad.ndim else ()
        raise LinAlgError(f"{op}: the matrix is singular to working precision{_batch_note(idx)} "
                          f"(reciprocal condition number {float(rcond[idx]):.1e} < eps {np.finfo(a.dtype).eps:.1e})")
    return a_inv


class Inv(Function):
    """Y = A⁻¹ for A of shape (..., n, n).  ∂L/∂A = −Yᵀ·G·Yᵀ."""
    saved = ("out",)
    expr, grad_exprs = "a⁻¹", ("−a⁻ᵀ·G·a⁻ᵀ",)

    def forward(self, a):
        self.out = _checked_inv("linalg.inv", a)
        return self.out

    def backward(self, g):
        y_t = self.output().mT
        return -(y_t @ g @ y_t)


class Det(Function):
    """d = det(A).  ∂L/∂A = G·adj(A)ᵀ, the cofactor matrix: finite even for singular A."""
    saved = ()
    expr, grad_exprs = "det(a)", ("G·adj(a)ᵀ",)

    def forward(self, a):
        _square("linalg.det", a)
        return np.linalg.det(a)

    def backward(self, g):
        return g.reshape(g.shape + (1, 1)) * Cofactor().apply(self.inputs[0])


class Cofactor(Function):
    """C = adj(A)ᵀ, computed from the SVD A = U·diag(s)·Vᵀ as det(U)det(V)·U·diag(∏_{j≠i} s_j)·Vᵀ.

    No division by det(A), so singular matrices are fine. Its own gradient
    (used for second derivatives of det) is (⟨G, C⟩·C − C·Gᵀ·C) / det(A),
    which needs an invertible A.
    """
    saved = ("out",)
    expr, grad_exprs = "adj(a)ᵀ", ("(⟨G,C⟩·C − C·Gᵀ·C) / det(a)",)

    def forward(self, a):
        u, s, vt = np.linalg.svd(a)
        ones = np.ones(s.shape[:-1] + (1,), s.dtype)
        before = np.cumprod(np.concatenate([ones, s[..., :-1]], -1), -1)  # ∏_{j<i} s_j
        after = np.cumprod(np.concatenate([ones, s[..., :0:-1]], -1), -1)[..., ::-1]  # ∏_{j>i} s_j
        sign = np.linalg.det(u) * np.linalg.det(vt)
        self.out = sign[..., None, None] * (u * (before * after)[..., None, :]) @ vt
        return self.out

    def backward(self, g):
        a, c = self.inputs[0], self.output()
        d = det(a)
        if np.any(d.data == 0):
            raise LinAlgError("second derivative of linalg.det at a singular matrix is not supported")
        inner = (g * c).sum(dim=(-2, -1), keepdim=True)
        return (inner * c - c @ g.mT @ c) / d.reshape(d.shape + (1, 1))


class LogAbsDet(Function):
    """l = log|det(A)| from an LU factorization (no overflow).  ∂L/∂A = G·A⁻ᵀ, by a solve."""
    saved = ()
    expr, grad_exprs = "log|det(a)|", ("G·a⁻ᵀ",)

    def forward(self, a):
        _square("linalg.slogdet", a)
        self.sign, logabs = np.linalg.slogdet(a)
        return logabs

    def backward(self, g):
        a = self.inputs[0]
        eye = Tensor._make(np.eye(a.shape[-1], dtype=a.dtype))
        return solve(a.mT, g.reshape(g.shape + (1, 1)) * eye)


class Solve(Function):
    """X = A⁻¹·B for A (..., n, n), B (..., n, k); batch dims broadcast.

    ∂L/∂B = A⁻ᵀ·G (a solve with Aᵀ), ∂L/∂A = −(∂L/∂B)·Xᵀ.
    """
    saved = ("out",)
    expr, grad_exprs = "a⁻¹·b", ("−(a⁻ᵀ·G)·xᵀ", "a⁻ᵀ·G")

    def forward(self, a, b):
        _checked_inv("linalg.solve", a)
        if b.ndim < 2 or b.shape[-2] != a.shape[-1]:
            raise OpError(f"linalg.solve: A of shape {a.shape} and B of shape {b.shape} do not match "
                          f"(B needs {a.shape[-1]} rows)")
        self.out = np.linalg.solve(a, b)
        return self.out

    def backward(self, g):
        a, b = self.inputs
        gb = Solve().apply(a.mT, g)
        ga = -(gb @ self.output().mT) if a.requires_grad else None
        return ga, (gb if b.requires_grad else None)


class Cholesky(Function):
    """L = chol(A), lower triangular with A = L·Lᵀ, for symmetric positive-definite A.

    With Φ(M) = tril(M) with a halved diagonal: ∂L/∂A = sym(L⁻ᵀ·Φ(Lᵀ·G)·L⁻¹),
    sym(M) = (M + Mᵀ)/2 (I. Murray, "Differentiation of the Cholesky decomposition", 2016).
    """
    saved = ("out",)
    expr, grad_exprs = "chol(a)", ("sym(L⁻ᵀ·Φ(Lᵀ·G)·L⁻¹)",)

    def forward(self, a):
        _square("linalg.cholesky", a)
        try:
            self.out = np.linalg.cholesky(a)
        except np.linalg.LinAlgError:  # somewhere in the batch: find where
            for idx in _batch_elements(a.shape):
                try:
                    np.linalg.cholesky(a[idx])
                except np.linalg.LinAlgError:
                    raise LinAlgError(f"linalg.cholesky: the matrix is not positive definite{_batch_note(idx)}") from None
            raise
        return self.out

    def backward(self, g):
        low = self.output()
        n = low.shape[-1]
        phi = Tensor._make(np.tril(np.ones((n, n), low.dtype)) - 0.5 * np.eye(n, dtype=low.dtype))
        p = (low.mT @ g) * phi
        ga = solve(low.mT, solve(low.mT, p).mT).mT  # L⁻ᵀ·P·L⁻¹ with two solves
        return 0.5 * (ga + ga.mT)


class VectorNorm(Function):
    """n = (Σ|a|^p)^(1/p) over `dims` (p = inf: max|a|, p = 0: count of nonzeros).

    ∂L/∂a = G·sign(a)·|a|^(p−1)/n^(p−1): for p = 2 that is G·a/n; p = 1: G·sign(a);
    p = ±inf: G·sign(a) shared evenly by the elements attaining the max (min).
    Where n = 0 the gradient is 0, as in PyTorch.
    """
    saved = ("out",)
    expr = "‖a‖"

    def __init__(self, ord: float, dims: tuple[int, ...], keepdim: bool) -> None:
        self.ord, self.dims, self.keepdim = float(ord), dims, keepdim
        self.grad_exprs = ({2.0: "G·a/‖a‖", 1.0: "G·sign(a)", math.inf: "G·sign(a)·[|a| = ‖a‖]/count",
                            -math.inf: "G·sign(a)·[|a| = ‖a‖]/count", 0.0: "0"}
                           .get(self.ord, "G·sign(a)·|a|^(p−1)/‖a‖^(p−1)"),)
        self.expr = f"‖a‖_{ord:g}"

    def forward(self, a):
        p, absa = self.ord, np.abs(a)
        if p == math.inf or p == -math.inf:
            out = (np.max if p > 0 else np.min)(absa, axis=self.dims, keepdims=True)
        elif p == 0:
            out = np.sum(absa != 0, axis=self.dims, keepdims=True).astype(a.dtype)
        elif p == 2:
            out = np.sqrt(np.sum(absa * absa, axis=self.dims, keepdims=True))
        else:
            with np.errstate(divide="ignore"):
                out = np.sum(absa ** p, axis=self.dims, keepdims=True) ** (1.0 / p)
        self.out = out if self.keepdim else np.squeeze(out, axis=self.dims)
        return self.out

    def backward(self, g):
        a, p = self.inputs[0], self.ord
        kept = tuple(1 if i in self.dims else n for i, n in enumerate(a.shape))
        g, n = g.reshape(kept), self.output().reshape(kept)
        if p == 0:
            return a * 0.0
        sign = Tensor._make(np.sign(a.data))
        if p == 1:
            return g * sign
        if p == math.inf or p == -math.inf:
            hit = np.abs(a.data) == n.data
            share = Tensor._make(hit / np.sum(hit, axis=self.dims, keepdims=True))
            return g * sign * share
        nonzero = n.data != 0
        safe_n = where(Tensor._make(nonzero), n, 1.0)  # 0 where n = 0, not 0/0
        if p == 2:
            return g * a / safe_n
        return where(Tensor._make(nonzero), g * sign * (a * sign) ** (p - 1) / safe_n ** (p - 1), 0.0)


class SingularValues(Function):
    """s = σ(A), descending, shape (..., min(m, n)).  ∂L/∂A = U·diag(G)·Vᵀ (distinct singular values)."""
    saved = ("u", "vt")
    expr, grad_exprs = "σ(a)", ("U·diag(G)·Vᵀ",)
    twice_differentiable = False

    def forward(self, a):
        self.u, s, self.vt = np.linalg.svd(a, full_matrices=False)
        return s

    def backward(self, g):
        return Tensor._make(self.u) @ (g.unsqueeze(-1) * Tensor._make(self.vt))


# ----- public functions ----------------------------------------------------------
def inv(A: Tensor) -> Tensor:
    """The inverse of a square matrix (batched over leading dims), like torch.linalg.inv."""
    return Inv().apply(as_tensor(A))


def det(A: Tensor) -> Tensor:
    """The determinant, shape A.shape[:-2]; its gradient is the cofactor matrix, finite at singular A."""
    return Det().apply(as_tensor(A))


def slogdet(A: Tensor) -> tuple[Tensor, Tensor]:
    """(sign, log|det A|) without forming det A, like torch.linalg.slogdet; sign carries no gradient."""
    node = LogAbsDet()
    logabs = node.apply(as_tensor(A))
    return Tensor._make(node.sign), logabs


def logdet(A: Tensor) -> Tensor:
    """log(det A) without forming det A, like torch.logdet: NaN if det A < 0, −inf if det A = 0.

    For a symmetric positive-definite K this is log|K|; ∂/∂K = K⁻ᵀ.
    """
    sign, logabs = slogdet(A)
    with np.errstate(invalid="ignore", divide="ignore"):
        return logabs + Tensor._make(np.log(sign.data))


def solve(A: Tensor, B: Tensor) -> Tensor:
    """X with A·X = B, differentiable in both, like torch.linalg.solve.

    A is (..., n, n); B is (..., n, k) or a (batch of) vector(s): B of shape (n,) or A.shape[:-1].
    """
    A, B = as_tensor(A), as_tensor(B)
    vector = B.ndim == 1 or (B.ndim == A.ndim - 1 and B.shape == A.shape[:-1])
    if vector:
        return Solve().apply(A, B.unsqueeze(-1)).squeeze(-1)
    return Solve().apply(A, B)


def cholesky(A: Tensor, upper: bool = False) -> Tensor:
    """L lower triangular with A = L·Lᵀ (Uᵀ·U with upper=True), for symmetric positive-definite A.

    Only the lower triangle of A is read, as in PyTorch.
    """
    low = Cholesky().apply(as_tensor(A))
    return low.mT if upper else low


def svdvals(A: Tensor) -> Tensor:
    """Singular values in descending order (first derivatives only)."""
    return SingularValues().apply(as_tensor(A))


def vector_norm(x: Tensor, ord: float = 2, dim: Any = None, keepdim: bool = False) -> Tensor:
    """(Σ|x|^ord)^(1/ord) over dim (all elements when None), like torch.linalg.vector_norm."""
    x = as_tensor(x)
    dims = normalize_dims(dim, x.ndim, "linalg.vector_norm") if x.ndim else ()
    return VectorNorm(ord, dims, keepdim).apply(x)


def matrix_norm(A: Tensor, ord: Any = "fro", dim: tuple[int, int] = (-2, -1), keepdim: bool = False) -> Tensor:
    """'fro', 'nuc', ±1 (max/min column abs-sum), ±inf (rows), ±2 (largest/smallest singular value)."""
    A = as_tensor(A)
    rows, cols = normalize_dims(dim[0], A.ndim, "linalg.matrix_norm")[0], normalize_dims(dim[1], A.ndim, "linalg.matrix_norm")[0]
    if ord == "fro":
        return vector_norm(A, 2, (rows, cols), keepdim)
    if ord in (1, -1, math.inf, -math.inf):
        inner, outer = (rows, cols) if ord in (1, -1) else (cols, rows)
        sums = A.abs().sum(dim=inner, keepdim=True)
        out = sums.max(dim=outer, keepdim=True) if ord > 0 else sums.min(dim=outer, keepdim=True)
    elif ord in ("nuc", 2, -2):
        batch = [d for d in range(A.ndim) if d not in (rows, cols)]
        s = svdvals(A.permute(*batch, rows, cols))
        out = s.sum(-1) if ord == "nuc" else (s.max(-1) if ord == 2 else s.min(-1))
        for d in sorted((rows, cols)):
            out = out.unsqueeze(d)
    else:
        raise OpError(f"linalg.matrix_norm: unsupported ord {ord!r}; use 'fro', 'nuc', ±1, ±2 or ±inf")
    return out if keepdim else out.squeeze((rows, cols))


def norm(A: Tensor, ord: Any = None, dim: Any = None, keepdim: bool = False) -> Tensor:
    """Vector or matrix norm, like torch.linalg.norm.

    dim an int (or a 1-D input): vector norm (default 2); dim a pair (or a 2-D input with
    ord given): matrix norm (default 'fro'); ord and dim both None: 2-norm of all elements.
    """
    A = as_tensor(A)
    if isinstance(dim, (int, np.integer)):
        dim = (int(dim),)
    if dim is None and ord is not None:
        if A.ndim not in (1, 2):
            raise OpError(f"linalg.norm: with ord given and dim=None the input must be 1-D or 2-D, got {A.shape}")
        dim = tuple(range(A.ndim))
    if dim is not None and len(dim) == 2:
        return matrix_norm(A, "fro" if ord is None else ord, tuple(dim), keepdim)
    if isinstance(ord, str):
        raise OpError(f"linalg.norm: ord {ord!r} needs a matrix (dim of two axes)")
    return vector_norm(A, 2 if ord is None else ord, dim, keepdim)
