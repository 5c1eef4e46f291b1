"""Matrix ops: matmul (batched, broadcasting), einsum, trace and diagonals.

Matrix calculus in the Matrix Cookbook's notation, G = dL/dC:
  C = A·B       ∂L/∂A = G·Bᵀ,  ∂L/∂B = Aᵀ·G
  c = tr(A)     ∂L/∂A = G·I
"""
from __future__ import annotations

import string
from typing import Any

import numpy as np

from ..engine import Function, OpError, _backward_through_tensors, is_grad_enabled, wrap_grads
from ..tensor import Tensor
from .elementwise import RuntimeOpError, as_tensor
from .dims import dim_index
from .registry import register
from .shape import sum_to, transpose


class Matmul(Function):
    saved = ()
    expr, grad_exprs = "a·b", ("G·bᵀ", "aᵀ·G")

    def forward(self, a, b):
        try:  # NumPy checks the shapes; ours is the message, built only when it refuses them
            return np.matmul(a, b)
        except ValueError:
            if a.ndim == 0 or b.ndim == 0:
                raise OpError(f"matmul: both operands need at least 1 dimension, got shapes {a.shape} and "
                              f"{b.shape}") from None
            if a.shape[-1] != b.shape[-2 if b.ndim > 1 else 0]:
                raise OpError(f"matmul: shapes {a.shape} and {b.shape} are not aligned "
                              f"({a.shape[-1]} != {b.shape[-2 if b.ndim > 1 else 0]})") from None
            raise

    def backward(self, g):
        a, b = self.inputs
        if a.ndim == 1 or b.ndim == 1:
            return self._vector_backward(g)
        # broadcast batch dims are summed back by the engine, as for every op
        if not is_grad_enabled():  # nothing to record: the BLAS calls on transposed views, directly
            return wrap_grads(self.backward_arrays(g.data))
        return (g @ b.mT if a._requires_grad else None), (a.mT @ g if b._requires_grad else None)

    def backward_arrays(self, g):
        a, b = self.inputs
        a_data, b_data = a.data, b.data
        if a_data.ndim == 2 and b_data.ndim == 2:  # the usual case: .T, cheaper than np.swapaxes
            return (g @ b_data.T if a._requires_grad else None), (a_data.T @ g if b._requires_grad else None)
        if a_data.ndim == 1 or b_data.ndim == 1:
            return _backward_through_tensors(self, g)
        return (g @ np.swapaxes(b_data, -1, -2) if a._requires_grad else None,
                np.swapaxes(a_data, -1, -2) @ g if b._requires_grad else None)

    def _vector_backward(self, g: Tensor) -> tuple[Tensor | None, Tensor | None]:
        a, b = self.inputs
        a2 = a.reshape(1, -1) if a.ndim == 1 else a  # 1-D operands act as a row / a column
        b2 = b.reshape(-1, 1) if b.ndim == 1 else b
        shape = g.shape + (1,) if b.ndim == 1 else g.shape  # G with the dropped row/column dims put back
        g = g.reshape(shape[:-1] + (1,) + shape[-1:] if a.ndim == 1 else shape)
        ga = sum_to(g @ transpose(b2), a2.shape).reshape(a.shape) if a.requires_grad else None
        gb = sum_to(transpose(a2) @ g, b2.shape).reshape(b.shape) if b.requires_grad else None
        return ga, gb


@register(Matmul, method=True, dunders=("__matmul__",), rdunders=("__rmatmul__",))
def matmul(a: Tensor, b: Tensor) -> Tensor:
    """a·b, batched and broadcasting over leading dims; 1-D operands act as a row / a column.
    ∂L/∂a = G·bᵀ, ∂L/∂b = aᵀ·G."""
    if type(a) is not Tensor or type(b) is not Tensor:
        a = as_tensor(a, b if isinstance(b, Tensor) else None)
        b = as_tensor(b, a)
    return Matmul().apply(a, b)


@register(method=True)
def outer(a: Tensor, b: Tensor) -> Tensor:
    """a·bᵀ for vectors a (m,), b (n,): shape (m, n)."""
    if a.ndim != 1 or b.ndim != 1:
        raise OpError(f"outer: expected two vectors, got shapes {a.shape} and {b.shape}")
    return a.reshape(-1, 1) * b.reshape(1, -1)


class Einsum(Function):
    saved = ()
    """Einstein summation over operands whose subscripts have no repeated letter.

    The gradient of operand i is the einsum of G with the other operands onto
    operand i's letters; letters summed only within operand i are broadcast back.
    """
    grad_exprs = ("einsum(G, others → a's indices)",)

    def __init__(self, inputs: list[str], output: str) -> None:
        self.subs, self.out_sub = inputs, output
        self.expr = ",".join(inputs) + "→" + output

    def forward(self, *arrays):
        return np.einsum(",".join(self.subs) + "->" + self.out_sub, *arrays, optimize=len(arrays) > 2)

    def backward(self, g):
        grads = []
        for i, t in enumerate(self.inputs):
            if not t.requires_grad:
                grads.append(None)
                continue
            others = [(s, x) for j, (s, x) in enumerate(zip(self.subs, self.inputs)) if j != i]
            available = set(self.out_sub).union(*[s for s, _ in others])
            kept = "".join(c for c in self.subs[i] if c in available)
            gi = Einsum([self.out_sub] + [s for s, _ in others], kept).apply(g, *[x for _, x in others])
            if kept != self.subs[i]:  # letters summed inside operand i alone: broadcast back
                gi = gi.reshape(tuple(n if c in kept else 1 for c, n in zip(self.subs[i], t.shape))).expand(t.shape)
            grads.append(gi)
        return tuple(grads)


@register(Einsum)
def einsum(equation: str, *operands: Tensor) -> Tensor:
    """np.einsum with gradients; '...' and repeated letters (traces, diagonals) are supported."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    eq = equation.replace(" ", "")
    lhs, arrow, rhs = eq.partition("->")
    subs = lhs.split(",")
    if len(subs) != len(operands):
        raise OpError(f"einsum: {equation!r} names {len(subs)} operands but {len(operands)} were given")
    spare = iter(c for c in string.ascii_letters if c not in eq)
    ell_dims = max((t.ndim - len(s.replace("...", "")) for s, t in zip(subs, operands) if "..." in s), default=0)
    ell = "".join(next(spare) for _ in range(ell_dims))
    expanded = []
    for i, (s, t) in enumerate(zip(subs, operands)):
        if "..." in s:
            s = s.replace("...", ell[ell_dims - (t.ndim - len(s.replace("...", ""))):])
        if len(s) != t.ndim:
            raise OpError(f"einsum: subscripts {subs[i]!r} do not match operand {i} of shape {t.shape}")
        expanded.append(s)
    if arrow:
        out = rhs.replace("...", ell)
    else:  # implicit mode: the letters that occur once, in alphabetical order
        counts = "".join(expanded)
        out = ell + "".join(sorted(c for c in set(counts) if counts.count(c) == 1 and c not in ell))
    ops, letters = list(operands), []
    for i, s in enumerate(expanded):
        while len(set(s)) < len(s):  # a repeated letter takes a diagonal first
            c = next(c for c in s if s.count(c) > 1)
            p, q = s.index(c), s.index(c, s.index(c) + 1)
            ops[i] = diagonal(ops[i], 0, p, q)
            s = s[:p] + s[p + 1:q] + s[q + 1:] + c
        letters.append(s)
    return Einsum(letters, out).apply(*ops)


class Trace(Function):
    saved = ()
    expr, grad_exprs = "tr(a)", ("G·I",)

    def forward(self, a):
        if a.ndim < 2:
            raise OpError(f"trace: expected a matrix (or a batch of them), got shape {a.shape}")
        return np.trace(a, axis1=-2, axis2=-1)

    def backward(self, g):
        m, n = self.inputs[0].shape[-2:]
        return g.reshape(g.shape + (1, 1)) * Tensor._make(np.eye(m, n, dtype=g.dtype))


@register(Trace, method=True)
def trace(a: Tensor) -> Tensor:
    """Sum of the diagonal of a matrix (batched over leading dims).  ∂L/∂a = G·I."""
    return Trace().apply(a)


class Diagonal(Function):
    saved = ()
    expr, grad_exprs = "diag(a)", ("diag_embed(G)",)

    def __init__(self, offset: int, dim1: int, dim2: int) -> None:
        self.offset, self.dim1, self.dim2 = offset, dim1, dim2

    def forward(self, a):
        return np.diagonal(a, self.offset, self.dim1, self.dim2)

    def backward(self, g):
        return DiagEmbed(self.offset, self.dim1, self.dim2, self.inputs[0].shape).apply(g)


@register(Diagonal, method=True)
def diagonal(a: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """The diagonal (offset above the main one) of the matrices in dims dim1, dim2, as the last dim.
    ∂L/∂a = G written back on that diagonal."""
    if a.ndim < 2:
        raise OpError(f"diagonal: expected at least 2 dimensions, got shape {a.shape}")
    d1, d2 = dim_index(dim1, a.ndim, "diagonal"), dim_index(dim2, a.ndim, "diagonal")
    if d1 == d2:
        raise OpError(f"diagonal: dim1 and dim2 must differ, both are {dim1}")
    return Diagonal(offset, d1, d2).apply(a)


class DiagEmbed(Function):
    """Zeros of `shape` with the last dim of the input written on a diagonal (the adjoint of Diagonal)."""
    saved = ()
    expr, grad_exprs = "diag_embed(a)", ("diag(G)",)

    def __init__(self, offset: int, dim1: int, dim2: int, shape: tuple[int, ...]) -> None:
        self.offset, self.dim1, self.dim2, self.shape = offset, dim1, dim2, shape

    def forward(self, a):
        out = np.zeros(self.shape, dtype=a.dtype)
        view = np.moveaxis(out, (self.dim1, self.dim2), (-2, -1))
        k = np.arange(a.shape[-1])
        view[..., k + max(-self.offset, 0), k + max(self.offset, 0)] = a
        return out

    def backward(self, gg):
        return Diagonal(self.offset, self.dim1, self.dim2).apply(gg)


@register(DiagEmbed, method=True)
def diag(a: Tensor, diagonal: int = 0) -> Tensor:
    """A vector's diagonal matrix, or a matrix's diagonal vector (like torch.diag)."""
    if a.ndim == 1:
        n = a.shape[0] + abs(diagonal)
        return DiagEmbed(diagonal, 0, 1, (n, n)).apply(a)
    if a.ndim == 2:
        return Diagonal(diagonal, 0, 1).apply(a)
    raise OpError(f"diag: expected a 1-D or 2-D tensor, got shape {a.shape}")


@register(DiagEmbed, method=True)
def diag_embed(a: Tensor, offset: int = 0) -> Tensor:
    """Matrices with the last dim of a on their diagonal (offset above the main one): shape (..., n, n)."""
    if a.ndim < 1:
        raise OpError(f"diag_embed: expected at least 1 dimension, got shape {a.shape}")
    n = a.shape[-1] + abs(offset)
    return DiagEmbed(offset, a.ndim - 1, a.ndim, a.shape[:-1] + (n, n)).apply(a)


# ----- PyTorch's strict products: one shape each, same dtypes, no broadcasting -----------------
def _same_dtype(op: str, a: Tensor, b: Tensor, what: str) -> None:
    if a.dtype != b.dtype:
        raise RuntimeOpError(f"{op}: expected {what} to have the same dtype, but got {a.dtype} and {b.dtype}")


def _strict_product(op: str, a: Tensor, b: Tensor, ndims: tuple[int, int], wrong_ndim: str, mismatch: str,
                    pair: str) -> Tensor:
    """a·b after PyTorch's checks for mm/bmm/mv/dot: exactly these ndims, matching sizes (batch
    sizes equal, no broadcasting), one dtype. The messages are PyTorch's."""
    if (a.ndim, b.ndim) != ndims:
        raise RuntimeOpError(f"{op}: {wrong_ndim} (shapes {a.shape} and {b.shape})")
    if a.shape[-1] != b.shape[-2 if b.ndim > 1 else 0] or a.shape[:-2] != b.shape[:-2]:
        raise RuntimeOpError(f"{op}: {mismatch} (shapes {a.shape} and {b.shape})")
    _same_dtype(op, a, b, pair)
    return Matmul().apply(a, b)


@register(method=True)
def mm(input: Tensor, mat2: Tensor) -> Tensor:
    """input·mat2 for matrices only: (n, m)·(m, p) → (n, p), no broadcasting (torch.mm).
    ∂L/∂input = G·mat2ᵀ, ∂L/∂mat2 = inputᵀ·G."""
    return _strict_product("mm", input, mat2, (2, 2), "both operands must be matrices",
                           "mat1 and mat2 shapes cannot be multiplied ("
                           + " and ".join("x".join(map(str, t.shape)) for t in (input, mat2)) + ")", "mat1 and mat2")


@register(method=True)
def bmm(input: Tensor, mat2: Tensor) -> Tensor:
    """Batched products of 3-D tensors only: (b, n, m)·(b, m, p) → (b, n, p), no broadcasting (torch.bmm)."""
    expected = [input.shape[0], input.shape[-1]] if input.ndim == 3 else None
    return _strict_product("bmm", input, mat2, (3, 3), "both operands must be 3-D tensors",
                           f"expected size for first two dimensions of batch2 tensor to be: {expected} but got: "
                           f"{list(mat2.shape[:2])}", "batch1 and batch2")


@register(method=True)
def mv(input: Tensor, vec: Tensor) -> Tensor:
    """Matrix times vector only: (n, m)·(m,) → (n,) (torch.mv)."""
    return _strict_product("mv", input, vec, (2, 1), "expected a matrix and a vector", "size mismatch",
                           "the matrix and the vector")


@register(method=True)
def dot(input: Tensor, tensor: Tensor) -> Tensor:
    """Σ input ⊙ tensor for two 1-D tensors of the same length only (torch.dot): a 0-d tensor.
    ∂L/∂input = G·tensor, ∂L/∂tensor = G·input."""
    return _strict_product("dot", input, tensor, (1, 1),
                           f"1D tensors expected, but got {input.ndim}D and {tensor.ndim}D tensors",
                           "inconsistent tensor size", "both vectors")


@register(method=True)
def t(input: Tensor) -> Tensor:
    """The transpose of a matrix; a 0-D or 1-D tensor is returned as it is (torch.t)."""
    if input.ndim > 2:
        raise RuntimeOpError(f"t: t() expects a tensor with <= 2 dimensions, but self is {input.ndim}D "
                             f"(shape {input.shape})")
    return transpose(input, 0, 1) if input.ndim == 2 else input


@register()
def cdist(x1: Tensor, x2: Tensor, p: float = 2.0,
          compute_mode: str = "use_mm_for_euclid_dist_if_necessary") -> Tensor:
    """Pairwise p-norm distances between the rows of x1 (..., P, M) and x2 (..., R, M): shape (..., P, R).

    Composed of a broadcast difference and `linalg.vector_norm` (whose gradient is 0 at a zero
    distance, as PyTorch's); `compute_mode` is accepted for PyTorch compatibility and ignored.
    """
    from .linalg import vector_norm
    if x1.ndim < 2 or x2.ndim < 2 or x1.shape[-1] != x2.shape[-1]:
        raise RuntimeOpError(f"cdist: expected x1 (..., P, M) and x2 (..., R, M) with the same M, "
                             f"got shapes {x1.shape} and {x2.shape}")
    if p < 0:
        raise RuntimeOpError(f"cdist: p value for the p-norm distance must be >= 0, got {p}")
    return vector_norm(x1.unsqueeze(-2) - x2.unsqueeze(-3), p, -1)
