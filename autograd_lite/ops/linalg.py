"""Linear algebra with gradients (public as `al.linalg`): inv, det, slogdet/logdet, solve, cholesky, norm.

Every op is batched over leading dimensions, like `torch.linalg`. The rules,
side by side (G = dL/d(output), C = adj(A)ᵀ the cofactor matrix, X = A⁻¹B,
L = chol(A), Φ(M) = lower triangle of M with its diagonal halved):

    Y = A⁻¹            ∂L/∂A = −Yᵀ·G·Yᵀ
    d = det(A)         ∂L/∂A = G·C                      (finite when A is singular)
    l = log|det(A)|    ∂L/∂A = G·A⁻ᵀ                    (the determinant itself is never formed)
    X = solve(A, B)    ∂L/∂B = A⁻ᵀ·G,  ∂L/∂A = −(A⁻ᵀ·G)·Xᵀ
    L = chol(A)        ∂L/∂A = sym(L⁻ᵀ·Φ(Lᵀ·G)·L⁻¹)      (Murray 2016; symmetric)
    n = ‖a‖₂           ∂L/∂a = G·a/n                    (0 at a = 0, like PyTorch)

Every gradient is written in Tensor ops, so gradients of gradients work
(create_graph=True).

Cost: one factorization per matrix. A symmetric positive-definite A (n > 32)
is factorized once by Cholesky, A = L·Lᵀ, and logdet, solve and inv on the
same tensor share it (log|A| = 2·Σ log lᵢᵢ, A⁻¹ = L⁻ᵀ·L⁻¹, solves by products
with L⁻¹); other matrices use LU. Solve never forms A⁻¹; logdet's gradient is
the full matrix A⁻ᵀ, so that is formed, once.

Errors, never a silent NaN: a singular matrix given to inv, solve or logdet's
gradient, and a non-positive-definite one given to cholesky, raise
`LinAlgError` naming the batch element. Singular means exactly singular (LAPACK
finds a zero pivot) or a result that is not finite from finite input, as in
PyTorch; inv also refuses a matrix singular to working precision (reciprocal
condition number from ‖A‖₁·‖A⁻¹‖₁ below the dtype's eps), where PyTorch would
return meaningless ~1e16 entries. That check costs O(n²) given A⁻¹; solve has
no A⁻¹, and forming one only for the check would cost more than the solve.
"""
from __future__ import annotations

import math
import weakref
from collections import namedtuple
from typing import Any

import numpy as np

from .. import _scipy_blas
from ..engine import Function, OpError, is_grad_enabled
from ..tensor import Tensor
from .dims import dim_index, normalize_dims
from .elementwise import as_tensor, where
from .matrix import diag_embed
from .shape import cat
from .registry import register


class LinAlgError(OpError):
    """A singular or non-positive-definite matrix given to inv, solve or cholesky."""


def _square(op: str, a: np.ndarray) -> None:
    if a.ndim < 2 or a.shape[-1] != a.shape[-2]:
        raise OpError(f"{op}: expected a square matrix or a batch of them (shape (..., n, n)), got {a.shape}")


def _batch_note(batch_index: tuple[int, ...]) -> str:
    return f" (batch element {batch_index})" if batch_index else ""


def _batch_elements(shape: tuple[int, ...]) -> Any:
    return np.ndindex(*shape[:-2]) if len(shape) > 2 else iter([()])


# ----- symmetric positive-definite matrices: one Cholesky factorization, shared ------------
_BLOCK = 32  # matrices up to this size take LAPACK's LU directly; larger SPD ones go through Cholesky


def _spd_cholesky(a: np.ndarray) -> np.ndarray | None:
    """L with A = L·Lᵀ if every matrix in the batch is exactly symmetric and positive definite, else None.

    Worth trying first: the symmetry test is O(n²) and Cholesky costs half an LU.
    """
    real = a.dtype.kind == "f"  # a complex symmetric matrix is not Hermitian, as Cholesky would assume
    if not real or a.ndim < 2 or a.shape[-1] <= _BLOCK or not np.array_equal(a, np.swapaxes(a, -1, -2)):
        return None
    potrf = _scipy_blas.routine("potrf", a.dtype) if a.ndim == 2 else None
    if potrf is not None:  # LAPACK without np.linalg's gufunc layer, whose overhead rivals the work at n ≈ 200
        upper, info = potrf(a, lower=0, clean=1)  # U = Lᵀ in Fortran order: L as a C-ordered view, as NumPy's
        return upper.T if info == 0 else None
    try:
        return np.linalg.cholesky(a)
    except np.linalg.LinAlgError:
        return None


def _invert_lower_in_place(low: np.ndarray) -> np.ndarray:
    """Overwrite lower-triangular L (..., n, n) with L⁻¹, blockwise (as LAPACK's trtri does).

    NumPy has no triangular inverse, and np.linalg.inv's LU with n right-hand sides is several
    times slower here. Instead: the diagonal blocks of size _BLOCK (`_invert_diagonal_blocks`, as fast
    as SciPy's trtri block by block), then halves joined by matrix products,
    [[A, 0], [C, D]]⁻¹ = [[A⁻¹, 0], [−D⁻¹·C·A⁻¹, D⁻¹]]. (A whole-matrix trtri is slower: OpenBLAS's
    trtri runs far below its matrix-product speed, which the joins use.)
    """
    n = low.shape[-1]
    _invert_diagonal_blocks(low)

    def join(first: int, stop: int) -> None:  # blocks first..stop-1, each already inverted
        if stop - first > 1:
            mid = (first + stop) // 2
            join(first, mid)
            join(mid, stop)
            a, b, c = first * _BLOCK, mid * _BLOCK, min(stop * _BLOCK, n)
            low[..., b:c, a:b] = -(low[..., b:c, b:c] @ low[..., b:c, a:b]) @ low[..., a:b, a:b]
    join(0, -(-n // _BLOCK))
    return low


def _invert_diagonal_blocks(low: np.ndarray) -> None:
    """Overwrite the diagonal blocks of lower-triangular L (..., n, n) — _BLOCK × _BLOCK, the last one
    smaller — with their inverses, in NumPy alone.

    np.linalg.inv takes ~25 µs per 32 × 32 block here (its LU on an identity); doubling is cheaper:
    the 1 × 1 blocks are reciprocals, then each level joins pairs of inverted b × b blocks into 2b × 2b
    ones by the formula of `_invert_lower_in_place`, every pair of the level in one batched product
    on a strided view of the diagonal.
    """
    n, size = low.shape[-1], low.itemsize
    work = low if low.flags.c_contiguous else np.ascontiguousarray(low)
    mats = work.reshape(-1, n, n)
    rest = n % _BLOCK
    # a last block not a power of two in size: its power-of-two pieces are never all joined, so LAPACK inverts it
    last = mats[:, n - rest:, n - rest:].copy() if rest & (rest - 1) else None
    diagonal = np.einsum("...ii->...i", mats)  # a writable view
    np.reciprocal(diagonal, out=diagonal)
    b = 1
    while b < _BLOCK:  # pairs of b × b blocks aligned to 2b: always inside one _BLOCK block
        m = 2 * b
        pairs = np.ndarray((len(mats), n // m, m, m), mats.dtype, mats, 0,
                           (n * n * size, (n + 1) * m * size, n * size, size))  # (as_strided costs 5 µs more)
        pairs[..., b:, :b] = -(pairs[..., b:, b:] @ pairs[..., b:, :b]) @ pairs[..., :b, :b]
        b = m
    if last is not None:
        mats[:, n - rest:, n - rest:] = np.tril(np.linalg.inv(last))
    if work is not low:
        low[...] = work


class _SharedCholesky:
    """log|A| and the Cholesky factor L of a symmetric positive-definite tensor A, turned into L⁻¹
    (in place: one n×n array) once an op needs that.

    A step that takes logdet(K) and solve(K, Y) of the same K (a Gaussian log-likelihood)
    factorizes K once: the first op registers the factor, the next finds it. The registry
    holds it weakly, so it lives only as long as the graph nodes that saved it, and it is
    ignored once A's data is replaced or written in place (its version changes).
    """
    __slots__ = ("owner", "data", "version", "logdet", "_factor", "_inverted", "__weakref__")
    _registry: weakref.WeakValueDictionary[int, _SharedCholesky] = weakref.WeakValueDictionary()  # by id(A)

    def __init__(self, A: Tensor, low: np.ndarray) -> None:
        self.owner, self.data, self.version = weakref.ref(A), A.data, A._version
        self.logdet = 2 * np.sum(np.log(np.diagonal(low, axis1=-2, axis2=-1)), axis=-1)
        self._factor, self._inverted = low, False

    @classmethod
    def of(cls, A: Tensor) -> _SharedCholesky | None:
        """A's factor: the one an earlier op registered for this tensor, a new one, or None if A is not SPD."""
        found = cls._registry.get(id(A))
        if found is not None and found.owner() is A and found.data is A.data and found.version == A._version:
            return found
        low = _spd_cholesky(A.data)
        if low is None:
            return None
        cls._registry[id(A)] = made = cls(A, low)
        return made

    def low_inv(self) -> np.ndarray:
        if not self._inverted:
            _invert_lower_in_place(self._factor)  # L itself is not needed again
            self._inverted = True
        return self._factor

    def inverse(self) -> np.ndarray:
        """A⁻¹ = L⁻ᵀ·L⁻¹, a new array each time (callers may own and change it)."""
        m = self.low_inv()
        return np.swapaxes(m, -1, -2) @ m


def _singular_error(op: str, a: np.ndarray) -> LinAlgError:
    """The LinAlgError naming the first batch element of `a` that np.linalg cannot invert (error path only)."""
    for idx in _batch_elements(a.shape):
        try:
            np.linalg.inv(a[idx])
        except np.linalg.LinAlgError:
            return LinAlgError(f"{op}: the matrix is singular{_batch_note(idx)}; it has no inverse")
    return LinAlgError(f"{op}: the matrix is singular")


def _inverse(op: str, a: np.ndarray, chol: _SharedCholesky | None = None) -> np.ndarray:
    """A⁻¹ by LU, or from chol (A's Cholesky factor) if given; LinAlgError if A is exactly
    singular or the inverse overflows (the cheap checks, as in PyTorch)."""
    _square(op, a)
    try:
        a_inv = np.linalg.inv(a) if chol is None else chol.inverse()
    except np.linalg.LinAlgError:  # exactly singular somewhere in the batch: find where
        raise _singular_error(op, a) from None
    return _finite_result(op, a_inv, a)


def _checked_inv(op: str, a: np.ndarray, chol: _SharedCholesky | None = None) -> np.ndarray:
    """_inverse, also refusing a matrix singular to working precision."""
    a_inv = _inverse(op, a, chol)
    # rcond = 1 / (‖A‖₁·‖A⁻¹‖₁), O(n²) from what we have: below eps, A⁻¹ has no correct digits
    with np.errstate(all="ignore"):
        rcond = 1.0 / (np.linalg.norm(a, 1, axis=(-2, -1)) * np.linalg.norm(a_inv, 1, axis=(-2, -1)))
    bad = ~(rcond >= np.finfo(a.dtype).eps) & np.all(np.isfinite(a), axis=(-2, -1))
    if np.any(bad):
        idx = tuple(int(i) for i in np.argwhere(bad)[0]) if bad.ndim else ()
        raise LinAlgError(f"{op}: the matrix is singular to working precision{_batch_note(idx)} "
                          f"(reciprocal condition number {float(rcond[idx]):.1e} < eps {np.finfo(a.dtype).eps:.1e})")
    return a_inv


def _finite_result(op: str, x: np.ndarray, *inputs: np.ndarray) -> np.ndarray:
    """x, unless it overflowed from finite inputs: then A is singular to working precision.

    Solve has no A⁻¹ to estimate a condition number from (forming one just for a check
    is the 2n³ of work solve exists to avoid); this O(size of x) test is the cheap stand-in.
    """
    if not np.all(np.isfinite(x)) and all(np.all(np.isfinite(t)) for t in inputs):
        bad = ~np.all(np.isfinite(x), axis=(-2, -1))
        idx = tuple(int(i) for i in np.argwhere(bad)[0]) if bad.ndim else ()
        raise LinAlgError(f"{op}: the matrix is singular to working precision{_batch_note(idx)}: "
                          "the result is not finite")
    return x


class Inv(Function):
    """Y = A⁻¹ for A of shape (..., n, n).  ∂L/∂A = −Yᵀ·G·Yᵀ."""
    saved = ("out",)
    expr, grad_exprs = "a⁻¹", ("−a⁻ᵀ·G·a⁻ᵀ",)

    def __init__(self, chol: _SharedCholesky | None = None, out: np.ndarray | None = None) -> None:
        self.chol, self.out = chol, out  # A's Cholesky factor, or A⁻¹ itself, if the caller has it

    def forward(self, a):
        if self.out is None:
            self.out = _checked_inv("linalg.inv", a, self.chol)
        self.chol = None  # not needed by backward
        return self.out

    def backward(self, g):
        y_t = self.output().mT
        return -(y_t @ g @ y_t)


@register(Inv, al=False, linalg=True)
def inv(A: Tensor) -> Tensor:
    """The inverse of a square matrix (batched over leading dims), like torch.linalg.inv."""
    A = as_tensor(A)
    return Inv(_SharedCholesky.of(A)).apply(A)


class Det(Function):
    """d = det(A).  ∂L/∂A = G·adj(A)ᵀ, the cofactor matrix: finite even for singular A."""
    saved = ()
    expr, grad_exprs = "det(a)", ("G·adj(a)ᵀ",)

    def forward(self, a):
        _square("linalg.det", a)
        return np.linalg.det(a)

    def backward(self, g):
        return g.reshape(g.shape + (1, 1)) * Cofactor().apply(self.inputs[0])


@register(Det, al=False, linalg=True)
def det(A: Tensor) -> Tensor:
    """The determinant, shape A.shape[:-2]; its gradient is the cofactor matrix, finite at singular A."""
    return Det().apply(as_tensor(A))


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
    """l = log|det(A)| = Σ log|uᵢᵢ| from A's LU factors, or 2·Σ log lᵢᵢ from its Cholesky factor L
    when A is symmetric positive definite (no overflow either way).  ∂L/∂A = G·A⁻ᵀ."""
    saved = ("chol",)
    expr, grad_exprs = "log|det(a)|", ("G·a⁻ᵀ",)

    def __init__(self, chol: _SharedCholesky | None = None) -> None:
        self.chol = chol  # kept: the backward's A⁻¹ = L⁻ᵀ·L⁻¹ then needs no new factorization

    def forward(self, a):
        _square("linalg.slogdet", a)
        if self.chol is None:
            self.sign, logabs = np.linalg.slogdet(a)
            return logabs
        self.sign = np.ones(a.shape[:-2], a.dtype)
        return self.chol.logdet.copy()  # the factor may serve several calls: each output its own

    def backward(self, g):
        # The gradient is the whole matrix A⁻ᵀ: no solve can avoid forming it, so it is formed
        # once, by one inverse (a solve against the identity costs the same); from the Cholesky
        # factor kept by forward if A is SPD. As an Inv node it has a gradient of its own.
        a = self.inputs[0]
        a_inv = _inverse("linalg.slogdet (gradient)", a.data, self.chol)
        scale = g.reshape(g.shape + (1, 1))
        if not is_grad_enabled():  # the usual backward records nothing: scale the new A⁻¹ in place
            a_inv *= scale.data
            return Tensor._make(a_inv if self.chol is not None else np.swapaxes(a_inv, -1, -2))  # SPD: A⁻ᵀ = A⁻¹
        return scale * Inv(out=a_inv).apply(a).mT


@register(LogAbsDet, al=False, linalg=True)
def slogdet(A: Tensor) -> tuple[Tensor, Tensor]:
    """(sign, log|det A|) without forming det A, like torch.linalg.slogdet; sign carries no gradient."""
    A = as_tensor(A)
    node = LogAbsDet(_SharedCholesky.of(A))
    logabs = node.apply(A)
    return Tensor._make(node.sign), logabs


@register(LogAbsDet, linalg=True)
def logdet(A: Tensor) -> Tensor:
    """log(det A) without forming det A, like torch.logdet: NaN if det A < 0, −inf if det A = 0.

    For a symmetric positive-definite K this is log|K|; ∂/∂K = K⁻ᵀ.
    """
    sign, logabs = slogdet(A)
    if np.all(sign.data > 0):  # the usual case: log(sign) = 0, no node needed
        return logabs
    with np.errstate(invalid="ignore", divide="ignore"):
        return logabs + Tensor._make(np.log(sign.data))


class Solve(Function):
    """X = A⁻¹·B for A (..., n, n), B (..., n, k); batch dims broadcast.

    ∂L/∂B = A⁻ᵀ·G (a solve with Aᵀ), ∂L/∂A = −(∂L/∂B)·Xᵀ. By LU (np.linalg.solve),
    or for symmetric positive-definite A as X = L⁻ᵀ·(L⁻¹·B), keeping L⁻¹ so that
    the backward's solve with Aᵀ = A is two matrix products.
    """
    saved = ("out", "chol")
    expr, grad_exprs = "a⁻¹·b", ("−(a⁻ᵀ·G)·xᵀ", "a⁻ᵀ·G")

    def __init__(self, chol: _SharedCholesky | None = None) -> None:
        self.chol = chol  # A's Cholesky factor if A is symmetric positive definite

    def forward(self, a, b):
        _square("linalg.solve", a)
        if b.ndim < 2 or b.shape[-2] != a.shape[-1]:
            raise OpError(f"linalg.solve: A of shape {a.shape} and B of shape {b.shape} do not match "
                          f"(B needs {a.shape[-1]} rows)")
        if self.chol is None:
            try:
                x = np.linalg.solve(a, b)
            except np.linalg.LinAlgError:  # exactly singular somewhere in the batch: find where
                raise _singular_error("linalg.solve", a) from None
        else:
            low_inv = self.chol.low_inv()
            x = np.swapaxes(low_inv, -1, -2) @ (low_inv @ b)
        self.out = _finite_result("linalg.solve", x, a, b)
        return self.out

    def backward(self, g):
        a, b = self.inputs
        gb = Solve(self.chol).apply(a if self.chol is not None else a.mT, g)  # SPD: Aᵀ = A
        ga = -gb @ self.output().mT if a.requires_grad else None  # negate the n×k factor, not the n×n product
        return ga, (gb if b.requires_grad else None)


@register(Solve, al=False, linalg=True)
def solve(A: Tensor, B: Tensor) -> Tensor:
    """X with A·X = B, differentiable in both, like torch.linalg.solve.

    A is (..., n, n); B is (..., n, k) or a (batch of) vector(s): B of shape (n,) or A.shape[:-1].
    """
    A, B = as_tensor(A), as_tensor(B)
    chol = _SharedCholesky.of(A)
    if B.ndim == 1 or (B.ndim == A.ndim - 1 and B.shape == A.shape[:-1]):  # vector(s)
        return Solve(chol).apply(A, B.unsqueeze(-1)).squeeze(-1)
    return Solve(chol).apply(A, B)


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
        # L⁻¹ once, by products (not two LU solves with n right-hand sides); an Inv node for its gradient
        low_inv = Inv(out=_invert_lower_in_place(low.data.copy())).apply(low)
        ga = low_inv.mT @ p @ low_inv
        return 0.5 * (ga + ga.mT)


@register(Cholesky, al=False, linalg=True)
def cholesky(A: Tensor, upper: bool = False) -> Tensor:
    """L lower triangular with A = L·Lᵀ (Uᵀ·U with upper=True), for symmetric positive-definite A.

    Only the lower triangle of A is read, as in PyTorch.
    """
    low = Cholesky().apply(as_tensor(A))
    return low.mT if upper else low


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


@register(VectorNorm, al=False, linalg=True)
def vector_norm(x: Tensor, ord: float = 2, dim: Any = None, keepdim: bool = False) -> Tensor:
    """(Σ|x|^ord)^(1/ord) over dim (all elements when None), like torch.linalg.vector_norm."""
    x = as_tensor(x)
    dims = normalize_dims(dim, x.ndim, "linalg.vector_norm") if x.ndim else ()
    return VectorNorm(ord, dims, keepdim).apply(x)


@register(al=False, linalg=True)
def matrix_norm(A: Tensor, ord: Any = "fro", dim: tuple[int, int] = (-2, -1), keepdim: bool = False) -> Tensor:
    """'fro', 'nuc', ±1 (max/min column abs-sum), ±inf (rows), ±2 (largest/smallest singular value)."""
    A = as_tensor(A)
    rows, cols = dim_index(dim[0], A.ndim, "linalg.matrix_norm"), dim_index(dim[1], A.ndim, "linalg.matrix_norm")
    if ord == "fro":
        return vector_norm(A, 2, (rows, cols), keepdim)
    if ord in (1, -1, math.inf, -math.inf):
        inner, outer = (rows, cols) if ord in (1, -1) else (cols, rows)
        sums = A.abs().sum(dim=inner, keepdim=True)
        out = sums.amax(dim=outer, keepdim=True) if ord > 0 else sums.amin(dim=outer, keepdim=True)
    elif ord in ("nuc", 2, -2):
        batch = [d for d in range(A.ndim) if d not in (rows, cols)]
        s = svdvals(A.permute(*batch, rows, cols))
        out = s.sum(-1) if ord == "nuc" else (s.amax(-1) if ord == 2 else s.amin(-1))
        for d in sorted((rows, cols)):
            out = out.unsqueeze(d)
    else:
        raise OpError(f"linalg.matrix_norm: unsupported ord {ord!r}; use 'fro', 'nuc', ±1, ±2 or ±inf")
    return out if keepdim else out.squeeze((rows, cols))


@register(al=False, linalg=True)
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


# ----- decompositions: several outputs, packed side by side in one node's output ---------------
# A node has one output array, so a decomposition's factors are flattened into one (batch, total)
# array; the public function slices them out (Tensor ops: each factor keeps its place in the graph),
# and backward slices G the same way (the parts of unused factors are zeros).
def _pack(batch: tuple[int, ...], *arrays: np.ndarray) -> np.ndarray:
    return np.concatenate([x.reshape(batch + (-1,)) for x in arrays], axis=-1)


def _unpack(t: Tensor, batch: tuple[int, ...], *shapes: tuple[int, ...]) -> list[Tensor]:
    parts, start = [], 0
    for shape in shapes:
        size = math.prod(shape)
        parts.append(t[..., start:start + size].reshape(batch + shape))
        start += size
    return parts


def _matrices(op: str, a: np.ndarray) -> tuple[tuple[int, ...], tuple[int, int]]:
    """(batch shape, (m, n)) of a (batch of) matrix; OpError for fewer than 2 dims."""
    if a.ndim < 2:
        raise OpError(f"{op}: expected a matrix or a batch of them (shape (..., m, n)), got {a.shape}")
    return a.shape[:-2], a.shape[-2:]


def _eye_mask(n: int) -> np.ndarray:
    return np.eye(n, dtype=bool)


def _off_diagonal_inverse(e: Tensor) -> Tensor:
    """1 / e off the diagonal, 0 on it (e: (..., k, k) differences of eigen/singular values)."""
    on = _eye_mask(e.shape[-1])
    return where(on, 0.0, 1.0 / where(on, 1.0, e))


def _used(g: Tensor) -> bool:
    """Whether a factor's part of G is nonzero (an unused factor's part is exactly 0)."""
    return bool(np.any(g.data))


eigh_result = namedtuple("linalg_eigh", ["eigenvalues", "eigenvectors"])  # like torch.return_types
svd_result = namedtuple("linalg_svd", ["U", "S", "Vh"])
qr_result = namedtuple("linalg_qr", ["Q", "R"])
lstsq_result = namedtuple("linalg_lstsq", ["solution", "residuals", "rank", "singular_values"])


class Eigh(Function):
    """A = V·diag(λ)·Vᵀ for symmetric A (one triangle read), λ ascending.

    ∂L/∂A = V·(diag(G_λ) + F ⊙ skew(Vᵀ·G_V))·Vᵀ with F_ij = 1/(λ_j − λ_i) (i ≠ j) and
    skew(M) = (M − Mᵀ)/2: symmetric, and finite only for distinct eigenvalues when G_V ≠ 0.
    """
    saved = ("out",)
    expr, grad_exprs = "eigh(a)", ("V·(diag(G_λ) + F ⊙ skew(Vᵀ·G_V))·Vᵀ",)

    def __init__(self, uplo: str) -> None:
        self.uplo = uplo

    def forward(self, a):
        _square("linalg.eigh", a)
        self.batch, self.n = a.shape[:-2], a.shape[-1]
        w, v = np.linalg.eigh(a, UPLO=self.uplo)
        self.out = _pack(self.batch, w, v)
        return self.out

    def parts(self, t: Tensor) -> list[Tensor]:
        return _unpack(t, self.batch, (self.n,), (self.n, self.n))

    def backward(self, g):
        g_w, g_v = self.parts(g)
        w, v = self.parts(self.output())
        inner = diag_embed(g_w)
        if _used(g_v):
            vtg = v.mT @ g_v
            inner = inner + (vtg - vtg.mT) * 0.5 * _off_diagonal_inverse(w.unsqueeze(-2) - w.unsqueeze(-1))
        return v @ inner @ v.mT


def _uplo(op: str, UPLO: str) -> str:
    if UPLO not in ("L", "U"):
        raise OpError(f"{op}: UPLO must be 'L' or 'U', got {UPLO!r}")
    return UPLO


@register(Eigh, al=False, linalg=True)
def eigh(A: Tensor, UPLO: str = "L") -> tuple[Tensor, Tensor]:
    """Eigenvalues (ascending) and orthonormal eigenvectors (columns) of symmetric A (..., n, n), reading
    only its lower (UPLO='L') or upper triangle: the named tuple (eigenvalues, eigenvectors).

    ∂L/∂A = V·(diag(G_λ) + F ⊙ skew(Vᵀ·G_V))·Vᵀ, F_ij = 1/(λ_j − λ_i): eigenvectors need distinct
    eigenvalues. Each eigenvector's sign is arbitrary, so a loss should not depend on it.
    """
    node = Eigh(_uplo("linalg.eigh", UPLO))
    packed = node.apply(as_tensor(A))
    return eigh_result(*node.parts(packed))


@register(Eigh, al=False, linalg=True)
def eigvalsh(A: Tensor, UPLO: str = "L") -> Tensor:
    """The eigenvalues (ascending) of symmetric A (..., n, n), one triangle read.  ∂L/∂A = V·diag(G)·Vᵀ."""
    return eigh(A, _uplo("linalg.eigvalsh", UPLO)).eigenvalues


class Svd(Function):
    """A = U·diag(S)·Vh, S descending.  With E_ij = S_j² − S_i² and skew(M) = M − Mᵀ (PyTorch's svd_backward):
    ∂L/∂A = U·[(skew(Uᵀ·G_U)·diag(S) + diag(S)·skew(Vh·G_Vhᵀ)) / E + diag(G_S)]·Vh, plus the parts of G_U
    (G_Vh) outside U's (Vh's) span for tall (wide) A. Finite for distinct, nonzero singular values.
    """
    saved = ("out",)
    expr, grad_exprs = "svd(a)", ("U·[(skew(UᵀG_U)S + S·skew(Vh·G_Vhᵀ))/E + diag(G_S)]·Vh",)

    def __init__(self, full_matrices: bool) -> None:
        self.full_matrices = full_matrices

    def forward(self, a):
        self.batch, (self.m, self.n) = _matrices("linalg.svd", a)
        u, s, vh = np.linalg.svd(a, full_matrices=self.full_matrices)
        self.shapes = (u.shape[-2:], s.shape[-1:], vh.shape[-2:])
        self.out = _pack(self.batch, u, s, vh)
        return self.out

    def parts(self, t: Tensor) -> list[Tensor]:
        return _unpack(t, self.batch, *self.shapes)

    def backward(self, g):
        g_u, g_s, g_vh = self.parts(g)
        u, s, vh = self.parts(self.output())
        m, n, k = self.m, self.n, s.shape[-1]
        if self.full_matrices:  # only the first k singular vectors are determined (as PyTorch)
            u, g_u, vh, g_vh = u[..., :k], g_u[..., :k], vh[..., :k, :], g_vh[..., :k, :]
        use_u, use_v = _used(g_u), _used(g_vh)
        if not (use_u or use_v):
            return u @ (g_s.unsqueeze(-1) * vh)
        inner = None
        if use_u:
            utg = u.mT @ g_u
            inner = (utg - utg.mT) * s.unsqueeze(-2)
        if use_v:
            vtg = vh @ g_vh.mT
            term = s.unsqueeze(-1) * (vtg - vtg.mT)
            inner = term if inner is None else inner + term
        s2 = s * s
        inner = inner * _off_diagonal_inverse(s2.unsqueeze(-2) - s2.unsqueeze(-1)) + diag_embed(g_s)
        if m > k and use_u:  # G_U's part outside the column space of U
            g_u_s = g_u / s.unsqueeze(-2)
            return (u @ inner + g_u_s - u @ (u.mT @ g_u_s)) @ vh
        if n > k and use_v:  # G_Vh's part outside the row space of Vh
            s_g_vh = g_vh / s.unsqueeze(-1)
            return u @ (inner @ vh + s_g_vh - (s_g_vh @ vh.mT) @ vh)
        return u @ inner @ vh


@register(Svd, al=False, linalg=True)
def svd(A: Tensor, full_matrices: bool = True, *, driver: str | None = None) -> tuple[Tensor, Tensor, Tensor]:
    """A = U·diag(S)·Vh for A (..., m, n): the named tuple (U, S, Vh), S descending (k = min(m, n) values).

    U is (..., m, m) and Vh (..., n, n) with full_matrices=True (only their first k columns/rows carry a
    gradient), (..., m, k) and (..., k, n) otherwise. The gradient needs distinct singular values (nonzero
    ones for U, Vh); singular vectors' signs are arbitrary, so a loss should not depend on them.
    `driver` (a CUDA option in PyTorch) is accepted and ignored.
    """
    node = Svd(bool(full_matrices))
    packed = node.apply(as_tensor(A))
    return svd_result(*node.parts(packed))


@register(Svd, al=False, linalg=True)
def svdvals(A: Tensor) -> Tensor:
    """Singular values in descending order.  ∂L/∂A = U·diag(G)·Vh (distinct singular values)."""
    return svd(A, full_matrices=False).S


class Qr(Function):
    """A = Q·R, Q with orthonormal columns, R upper triangular. For m ≥ n (reduced), with
    M = R·G_Rᵀ − G_Qᵀ·Q and copyltu(M) the symmetric matrix with M's lower triangle:
    ∂L/∂A = (G_Q + Q·copyltu(M))·R⁻ᵀ (full-rank A); for m < n, A = [X | Y] splits into X's square
    QR and Y = Q·R₂."""
    saved = ("out",)
    expr, grad_exprs = "qr(a)", ("(G_Q + Q·copyltu(R·G_Rᵀ − G_Qᵀ·Q))·R⁻ᵀ",)

    def __init__(self, mode: str) -> None:
        self.mode = mode

    def forward(self, a):
        self.batch, (self.m, self.n) = _matrices("linalg.qr", a)
        q, r = np.linalg.qr(a, mode="complete" if self.mode == "complete" else "reduced")
        self.shapes = (q.shape[-2:], r.shape[-2:])
        self.out = _pack(self.batch, q, r)
        return self.out

    def parts(self, t: Tensor) -> list[Tensor]:
        return _unpack(t, self.batch, *self.shapes)

    def backward(self, g):
        if self.mode == "complete" and self.m > self.n:
            raise OpError(f"linalg.qr: the gradient of mode='complete' needs m <= n (Q's last columns are not "
                          f"determined), got A of shape {(self.m, self.n)}")
        g_q, g_r = self.parts(g)
        q, r = self.parts(self.output())
        m, n = self.m, self.n
        if m >= n:
            return _qr_backward(q, r, g_q, g_r)
        # wide A = [X | Y] with X = Q·R₁ square and Y = Q·R₂: Y's gradient is Q·G_R₂, and R₂ = Qᵀ·Y
        # passes G_Q + Y·G_R₂ᵀ on to X's square QR (as PyTorch)
        y, g_r2 = self.inputs[0][..., m:], g_r[..., m:]
        g_x = _qr_backward(q, r[..., :m], g_q + y @ g_r2.mT, g_r[..., :m])
        return cat([g_x, q @ g_r2], -1)


def _qr_backward(q: Tensor, r: Tensor, g_q: Tensor, g_r: Tensor) -> Tensor:
    """∂L/∂A of A = Q·R (m ≥ n, R square): (G_Q + Q·copyltu(M))·R⁻ᵀ with M = R·G_Rᵀ − G_Qᵀ·Q."""
    m_ = r @ g_r.mT - g_q.mT @ q
    n = r.shape[-1]
    low = m_ * Tensor._make(np.tril(np.ones((n, n), m_.dtype), -1))
    sym = low + low.mT + m_ * Tensor._make(np.eye(n, dtype=m_.dtype))
    return solve(r, (g_q + q @ sym).mT).mT  # X·R⁻ᵀ = (R⁻¹·Xᵀ)ᵀ


@register(Qr, al=False, linalg=True)
def qr(A: Tensor, mode: str = "reduced") -> tuple[Tensor, Tensor]:
    """A = Q·R for A (..., m, n): the named tuple (Q, R). mode='reduced': Q (..., m, k), R (..., k, n),
    k = min(m, n); 'complete': Q (..., m, m), R (..., m, n); 'r': R only (Q an empty tensor).
    The gradient needs full-rank A (its first min(m, n) columns independent), and m ≤ n for mode 'complete'."""
    if mode not in ("reduced", "complete", "r"):
        raise OpError(f"linalg.qr: mode must be 'reduced', 'complete' or 'r', got {mode!r}")
    A = as_tensor(A)
    node = Qr("reduced" if mode == "r" else mode)
    q, r = node.parts(node.apply(A))
    return qr_result(Tensor._make(np.zeros((0,), A.dtype)) if mode == "r" else q, r)


_LSTSQ_DRIVERS = ("gels", "gelsy", "gelsd", "gelss")


class Lstsq(Function):
    """X = A⁺·B = argmin ‖A·X − B‖ (the minimum-norm solution) for A (..., m, n), B (..., m, k).

    For full-rank A (the pseudo-inverse's derivative), with R = B − A·X:
    ∂L/∂B = A⁺ᵀ·G,  ∂L/∂A = −A⁺ᵀ·G·Xᵀ + R·(A⁺A⁺ᵀ·G)ᵀ + A⁺ᵀ·X·((I − A⁺A)·G)ᵀ.
    Tall (m ≥ n): A⁺ᵀ·Y = A·(AᵀA)⁻¹·Y and I − A⁺A = 0; wide (m < n): A⁺ᵀ·Y = (AAᵀ)⁻¹·A·Y and R = 0.
    """
    saved = ("out",)
    expr, grad_exprs = "a⁺·b", ("−a⁺ᵀ·G·xᵀ + r·(a⁺a⁺ᵀ·G)ᵀ + a⁺ᵀ·x·((I − a⁺a)·G)ᵀ", "a⁺ᵀ·G")

    def __init__(self, rcond: float | None) -> None:
        self.rcond = rcond

    def forward(self, a, b):
        if a.ndim < 2 or b.ndim < 2 or a.shape[-2] != b.shape[-2]:
            raise OpError(f"linalg.lstsq: A (..., m, n) and B (..., m, k) need the same m, got shapes "
                          f"{a.shape} and {b.shape}")
        m, n = a.shape[-2:]
        rcond = np.finfo(a.dtype).eps * max(m, n) if self.rcond is None else self.rcond
        batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
        a_b, b_b = np.broadcast_to(a, batch + a.shape[-2:]), np.broadcast_to(b, batch + b.shape[-2:])
        x = np.empty(batch + (n, b.shape[-1]), np.result_type(a, b))
        self.rank = np.empty(batch, np.int64)
        self.singular_values = np.empty(batch + (min(m, n),), a.dtype)
        for idx in np.ndindex(*batch):
            x[idx], _, self.rank[idx], self.singular_values[idx] = np.linalg.lstsq(a_b[idx], b_b[idx], rcond=rcond)
        self.full_rank = bool(np.all(self.rank == min(m, n)))
        self.out = x
        return x

    def backward(self, g):
        a, b = self.inputs
        if not self.full_rank:
            raise OpError(f"linalg.lstsq: the gradient needs A of full rank, got A of shape {a.shape} and rank "
                          f"{self.rank.tolist()}")
        x = self.output()
        m, n = a.shape[-2:]
        if m >= n:  # W = (AᵀA)⁻¹·G: A⁺ᵀ·G = A·W, A⁺A⁺ᵀ·G = W
            w = solve(a.mT @ a, g)
            gb = a @ w
            ga = (b - a @ x) @ w.mT - gb @ x.mT if a.requires_grad else None
            return ga, (gb if b.requires_grad else None)
        c = a @ a.mT  # wide: A⁺ᵀ·Y = C⁻¹·A·Y; A·X = B, so the residual term is 0 and A⁺ᵀ·X = C⁻¹·B
        gb = solve(c, a @ g)
        ga = None
        if a.requires_grad:
            free = g - a.mT @ gb  # (I − A⁺A)·G
            ga = solve(c, b) @ free.mT - gb @ x.mT
        return ga, (gb if b.requires_grad else None)


@register(Lstsq, al=False, linalg=True)
def lstsq(A: Tensor, B: Tensor, rcond: float | None = None, *,
          driver: str | None = None) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """The least-squares solution X of A·X ≈ B (minimum norm if A is rank deficient), like
    torch.linalg.lstsq: the named tuple (solution, residuals, rank, singular_values).

    A is (..., m, n), B (..., m, k) or (m,); batch dims broadcast. As in PyTorch (CPU): driver
    'gelsy' (default), 'gels', 'gelsd' or 'gelss'; residuals (‖A·X − B‖² per column) only for
    m > n, full rank and a driver other than 'gelsy', else empty; rank except for 'gels';
    singular_values for 'gelsd' and 'gelss' only. rcond: singular values below rcond·σ_max count
    as zero (default eps·max(m, n)). The solution is differentiable for full-rank A (tall or wide).
    """
    driver = "gelsy" if driver is None else driver
    if driver not in _LSTSQ_DRIVERS:
        raise OpError(f"linalg.lstsq: driver must be one of {_LSTSQ_DRIVERS}, got {driver!r}")
    A, B = as_tensor(A), as_tensor(B)
    vector = B.ndim == 1
    node = Lstsq(rcond)
    x = node.apply(A, B.unsqueeze(-1) if vector else B)
    m, n = A.shape[-2:]
    empty = Tensor._make(np.zeros((0,), x.dtype))
    residuals = empty
    if driver != "gelsy" and m > n and node.full_rank:
        residuals = ((A @ x - (B.unsqueeze(-1) if vector else B)) ** 2).sum(-2)
    rank = Tensor._make(node.rank) if driver != "gels" else Tensor._make(np.zeros((0,), np.int64))
    sv = Tensor._make(node.singular_values) if driver in ("gelsd", "gelss") else empty
    return lstsq_result(x.squeeze(-1) if vector else x, residuals, rank, sv)
