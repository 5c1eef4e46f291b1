"""Op-table rows of the math family (issue 16.4): division and rounding, more unary math, products
and running sums, logical reductions, paired statistics, strict matrix products, closeness tests
and the decompositions of `al.linalg`. See tests/op_table.py for what each case checks."""
from __future__ import annotations

from typing import Any

import numpy as np

from tests.op_table import SIGNS, C, Case

FRACTIONS = np.array([-1.72, -0.41, 0.33, 1.61, 2.27])  # away from integers and from .x5: steps stay out
UNIT = np.array([[-0.8, -0.3, 0.1], [0.45, 0.6, 0.85]])  # inside (−0.9, 0.9): asin, acos, erfinv
ANGLES = np.array([-1.2, -0.3, 0.4, 1.1])  # away from tan's poles
ZEROS = np.array([[2.0, 0.0, -1.5, 0.7], [0.0, 1.2, 0.0, -0.8], [0.5, 1.5, -2.0, 1.1]])  # one, two, no zero
ZERO_ROW = np.array([0.9, -1.3, 0.0, 2.0, 0.6])


def _ints(m: Any, a: Any) -> Any:
    """Integer operands from a float input: round(3a), as int64 (no gradient)."""
    return (a.detach() * 3.0).round().long()


def _pair(pair: tuple[Any, Any]) -> Any:
    """One tensor from a (statistic, mean) tuple, so that both parts are checked."""
    first, second = pair
    return first + second * 2.0


def _sym(a: Any) -> Any:
    """A symmetric matrix (batch) from any square a."""
    return a + a.mT


def _eig_products(m: Any, r: Any) -> Any:
    """V·diag(λ²)·Vᵀ + |V|: eigh's outputs where the eigenvectors' signs cancel."""
    v, w = r.eigenvectors, r.eigenvalues
    return (v * (w * w).unsqueeze(-2)) @ v.mT + v.abs()


def _svd_products(m: Any, r: Any) -> Any:
    """U·diag(S²)·Uᵀ, Vhᵀ·diag(S³)·Vh and |U|: svd's outputs where the singular vectors' signs cancel."""
    u, s, vh = r
    return ((u * (s * s).unsqueeze(-2)) @ u.mT).sum(-1) + (vh.mT @ (s.unsqueeze(-1) ** 3 * vh)).sum(-2)[..., :1] \
        + u.abs().sum(-1)


ROWS: dict[str, list[Case]] = {
    # ----- % // fmod: PyTorch's sign rules; ints stay ints
    "remainder": [C(lambda m, a, b: a % b, (2, 3), "pos(3,)"),
                  C(lambda m, a: 2.5 % a, "pos(4,)", torch=False),  # PyTorch: no gradient for a number % tensor
                  C(lambda m, a, b: (a * 0.0 + 2.5) % b, (4,), "pos(4,)"),
                  C(lambda m, a, b: m.remainder(a, -b), (3,), "pos(3,)"),
                  C(lambda m, a: _ints(m, a) % 4 + 7 % (_ints(m, a).abs() + 1), (2, 5), grad=False, float32=False)],
    "fmod": [C(lambda m, a, b: m.fmod(a, b), (2, 3), "pos(2, 3)"), C(lambda m, a: a.fmod(-1.5), (4,)),
             C(lambda m, a: m.fmod(_ints(m, a), 3), (2, 5), grad=False, float32=False)],
    "floor_divide": [C(lambda m, a, b: a.detach() // b.detach(), (2, 3), "pos(3,)", grad=False),
                     C(lambda m, a: 7.5 // a.detach() + a.detach() // -2, "pos(4,)", grad=False),
                     C(lambda m, a: _ints(m, a) // 2 + m.floor_divide(_ints(m, a), -3), (2, 5), grad=False,
                       float32=False),
                     C(lambda m, a: m.floor_divide(a, 0.7) * a, FRACTIONS, torch=False)],  # zero gradient of //
    # ----- rounding: zero gradient, as PyTorch (times a, so the gradient is the rounded value)
    "floor": [C(lambda m, a: m.floor(a) * a, FRACTIONS)],
    "ceil": [C(lambda m, a: a.ceil() * a, FRACTIONS)],
    "trunc": [C(lambda m, a: m.trunc(a) * a, FRACTIONS), C(lambda m, a: a.fix() * a, FRACTIONS)],
    "round": [C(lambda m, a: m.round(a) * a, FRACTIONS), C(lambda m, a: a.round(decimals=1) * a, FRACTIONS),
              C(lambda m, a: m.round(a), np.array([0.5, 1.5, 2.5, -0.5, -1.5]), grad=False)],  # halves to even,
    # ----- more unary math (log-like on positive inputs, asin/acos/erfinv inside (−0.9, 0.9))
    "log1p": [C(lambda m, a: m.log1p(a), "pos(2, 3)"), C(lambda m, a: a.log1p(), UNIT)],
    "expm1": [C(lambda m, a: m.expm1(a), (2, 3)), C(lambda m, a: a.expm1(), ())],
    "log2": [C(lambda m, a: m.log2(a), "pos(2, 3)")],
    "log10": [C(lambda m, a: a.log10(), "pos(4,)")],
    "rsqrt": [C(lambda m, a: m.rsqrt(a), "pos(2, 3)")],
    "reciprocal": [C(lambda m, a: m.reciprocal(a), "pos(2, 3)"), C(lambda m, a: a.reciprocal(), SIGNS),
                   C(lambda m, a: m.reciprocal(_ints(m, a).abs() + 1), (4,), grad=False, float32=False,
                     torch=False)],  # ints give the default float dtype: float64 here, float32 in PyTorch,
    "square": [C(lambda m, a: m.square(a), (2, 3)), C(lambda m, a: a.square(), ()),
               C(lambda m, a: m.square(_ints(m, a)), (4,), grad=False, float32=False)],
    "atan2": [C(lambda m, a, b: m.atan2(a, b), (2, 3), (3,)), C(lambda m, a, b: a.arctan2(b), (4,), (4,))],
    "sinh": [C(lambda m, a: m.sinh(a), (2, 3))],
    "cosh": [C(lambda m, a: a.cosh(), (2, 3))],
    "tan": [C(lambda m, a: m.tan(a), ANGLES)],
    "asin": [C(lambda m, a: m.asin(a), UNIT), C(lambda m, a: a.arcsin(), UNIT[0])],
    "acos": [C(lambda m, a: m.acos(a), UNIT), C(lambda m, a: m.arccos(a), UNIT[1])],
    "atan": [C(lambda m, a: m.atan(a), (2, 3)), C(lambda m, a: a.arctan(), (4,))],
    "erf": [C(lambda m, a: m.erf(a), (2, 3)), C(lambda m, a: a.erf(), ())],
    "erfinv": [C(lambda m, a: m.erfinv(a), UNIT)],
    # ----- products and running sums (zeros: one, two and none per row)
    "prod": [C(lambda m, a: m.prod(a), (2, 3)), C(lambda m, a: a.prod(1, keepdim=True), (3, 4)),
             C(lambda m, a: m.prod(a, -1), ZEROS), C(lambda m, a: a.prod(0), ZEROS), C(lambda m, a: a.prod(), ZERO_ROW),
             C(lambda m, a: m.prod(a), ZEROS), C(lambda m, a: a.prod(0), ()),
             C(lambda m, a: m.prod(_ints(m, a), 1), (2, 3), grad=False, float32=False)],
    "cumsum": [C(lambda m, a: m.cumsum(a, 1), (2, 3)), C(lambda m, a: a.cumsum(-1), (4,)),
               C(lambda m, a: m.cumsum(_ints(m, a), 0), (2, 3), grad=False, float32=False)],
    "cumprod": [C(lambda m, a: m.cumprod(a, 1), (2, 3)), C(lambda m, a: a.cumprod(0), (4, 2)),
                C(lambda m, a: m.cumprod(a, 1), ZEROS), C(lambda m, a: a.cumprod(0), ZEROS),
                C(lambda m, a: a.cumprod(-1), ZERO_ROW)],
    # ----- logical reductions: bool results
    "all": [C(lambda m, a: m.all(a > -1.0), (2, 3), grad=False),
            C(lambda m, a: (a > 0).all(1, keepdim=True), (3, 4), grad=False),
            C(lambda m, a: a.all(), ZEROS, grad=False), C(lambda m, a: m.all(a, dim=(0, 1)), ZEROS, grad=False)],
    "any": [C(lambda m, a: m.any(a > 1.0), (2, 3), grad=False), C(lambda m, a: a.any(0), ZEROS, grad=False),
            C(lambda m, a: (a > 0).any(-1, keepdim=True), (3, 4), grad=False)],
    # ----- statistics in pairs (plain tuples)
    "var_mean": [C(lambda m, a: _pair(m.var_mean(a, 1)), (3, 4)),
                 C(lambda m, a: _pair(m.var_mean(a, (0, 1), correction=0, keepdim=True)), (3, 4)),
                 C(lambda m, a: _pair(m.var_mean(a)), (5,))],
    "std_mean": [C(lambda m, a: _pair(m.std_mean(a, 0)), (5, 3)),
                 C(lambda m, a: _pair(m.std_mean(a, -1, unbiased=False, keepdim=True)), (2, 4))],
    "Tensor.norm": [C(lambda m, a: a.norm(), (2, 3)), C(lambda m, a: a.norm(1, 1), SIGNS.reshape(2, 2)),
                    C(lambda m, a: a.norm(3, dim=0, keepdim=True), (3, 2)),
                    C(lambda m, a: a.norm(dim=(0, 1)), (2, 3, 2)), C(lambda m, a: a.norm(p="nuc"), (3, 3))],
    # ----- strict matrix products
    "mm": [C(lambda m, a, b: m.mm(a, b), (2, 3), (3, 4)), C(lambda m, a, b: a.mm(b), (1, 3), (3, 1))],
    "bmm": [C(lambda m, a, b: m.bmm(a, b), (2, 2, 3), (2, 3, 4))],
    "mv": [C(lambda m, a, b: m.mv(a, b), (2, 3), (3,)), C(lambda m, a, b: a.mv(b), (4, 2), (2,))],
    "dot": [C(lambda m, a, b: m.dot(a, b), (3,), (3,)), C(lambda m, a, b: a.dot(b), (5,), (5,))],
    "t": [C(lambda m, a: m.t(a), (2, 3)), C(lambda m, a: a.t() * 2.0, (3,)), C(lambda m, a: a.t() * 2.0, ())],
    # PyTorch's cdist has no second derivative: order 1 with parity, order 2 without
    "cdist": [C(lambda m, a, b: m.cdist(a, b), (3, 2), (4, 2), order=1),
              C(lambda m, a, b: m.cdist(a, b, p=1.0), (2, 3, 2), (2, 4, 2), order=1),
              C(lambda m, a, b: m.cdist(a, b, 3.0), (3, 4), (2, 4), order=1),
              C(lambda m, a, b: m.cdist(a, b), (3, 2), (4, 2), torch=False)],
    # ----- closeness: no gradient; allclose and equal give Python bools (wrapped to compare)
    "isclose": [C(lambda m, a, b: m.isclose(a, a + b * 1e-6), (2, 3), (2, 3), grad=False),
                C(lambda m, a: a.isclose(m.tensor(np.array([np.nan, np.inf, -np.inf, 1.0]), dtype=a.dtype)),
                  np.array([np.nan, np.inf, np.inf, 1.0 + 1e-7]), grad=False),
                C(lambda m, a: m.isclose(a, a * 1.0, equal_nan=True), np.array([np.nan, 1.0]), grad=False),
                C(lambda m, a, b: m.isclose(a, b, rtol=0.5, atol=0.1), (3,), (2, 3), grad=False)],
    "allclose": [C(lambda m, a, b: m.tensor([m.allclose(a, a + b * 1e-9), a.allclose(a + 1e-3), m.allclose(a, b)]),
                   (2, 3), (3,), grad=False, float32=False)],
    "equal": [C(lambda m, a, b: m.tensor([m.equal(a, a * 1.0), a.equal(b), m.equal(a, a[:1])]), (2, 3), (2, 3),
                grad=False, float32=False)],
    # ----- decompositions (distinct eigen/singular values: random inputs; signs cancelled in the case)
    "eigh": [C(lambda m, a: _eig_products(m, m.linalg.eigh(_sym(a))), (3, 3)),
             C(lambda m, a: _eig_products(m, m.linalg.eigh(_sym(a), UPLO="U")), (2, 4, 4)),
             C(lambda m, a: m.linalg.eigh(_sym(a)).eigenvalues, (4, 4))],
    "eigvalsh": [C(lambda m, a: m.linalg.eigvalsh(_sym(a)), (2, 3, 3)),
                 C(lambda m, a: m.linalg.eigvalsh(_sym(a), "U"), (3, 3))],
    "svd": [C(lambda m, a: _svd_products(m, m.linalg.svd(a, full_matrices=False)), (4, 3)),
            C(lambda m, a: _svd_products(m, m.linalg.svd(a, full_matrices=False)), (3, 5)),
            C(lambda m, a: _svd_products(m, m.linalg.svd(a, False)), (2, 3, 3)),
            C(lambda m, a: m.linalg.svd(a, full_matrices=False).S, (2, 4, 3)),
            C(lambda m, a: m.linalg.svd(a).U[..., :2].abs() * m.linalg.svd(a).S, (4, 2))],
    "qr": [C(lambda m, a: m.linalg.qr(a).Q, (4, 3)), C(lambda m, a: m.linalg.qr(a).R, (2, 3, 3)),
           C(lambda m, a: m.linalg.qr(a, mode="reduced")[0] @ m.linalg.qr(a)[1].exp(), (5, 2)),
           C(lambda m, a: m.linalg.qr(a, mode="complete").R, (3, 3)),
           C(lambda m, a: m.linalg.qr(a).Q.sum(-1, keepdim=True) * 2.0 + m.linalg.qr(a).R, (2, 4)),  # wide
           C(lambda m, a: m.linalg.qr(a, mode="complete").R, (3, 5)),
           C(lambda m, a: m.linalg.qr(a.detach(), mode="r").R, (4, 3), grad=False),  # PyTorch: R of mode 'r' has
           C(lambda m, a: m.linalg.qr(a, mode="r").R, (4, 3), torch=False)],  # no gradient; here it has R's
    "lstsq": [C(lambda m, a, b: m.linalg.lstsq(a, b).solution, (5, 3), (5, 2)),
              C(lambda m, a, b: m.linalg.lstsq(a, b).solution, (2, 4, 2), (2, 4, 3)),
              C(lambda m, a, b: m.linalg.lstsq(a, b).solution, (3, 3), (3,)),
              C(lambda m, a, b: m.linalg.lstsq(a, b).solution, (2, 4), (2, 3)),  # wide: the minimum-norm solution
              C(lambda m, a, b: m.linalg.lstsq(a, b, driver="gelsd").residuals, (5, 2), (5, 3)),
              C(lambda m, a, b: m.linalg.lstsq(a, b, driver="gelss").singular_values, (4, 3), (4, 1), grad=False)],
}
