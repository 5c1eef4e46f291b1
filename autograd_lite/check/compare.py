"""The one comparison of a hand-derived gradient with a reference (autodiff's), and its diagnosis in words.

`compare(hand, ref, tol)` gives the verdict's numbers: the error max|h − r| / max|r| (relative to the
gradient's size, so it never saturates at 1 and a gradient that is tiny everywhere is judged on its own
scale), ‖h − r‖/‖r‖ and the cosine between h and r. `diagnose(...)` names the kind of mistake when one
explains the difference: a constant factor, a sign, averaging instead of summing, a missing path, a
transpose, a formula right on part of the entries, NaN, zero. Used by `check_derivative`, the autograder
and the graph viewer's checking view.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

EPS = float(np.finfo(np.float64).eps)
TINY = 1e-8          # a gradient this small relative to the loss is "≈ 0 at this point"
TINY_TOL = 1e-2      # ... and is then judged with this relative tolerance (its rounding is coarse)


@dataclass
class Comparison:
    """hand vs reference: `passed`, `error` = `max|h − r|/max|r|`, `norm_error` = ‖h − r‖/‖r‖, `cosine`,
    `worst` (index of the largest `|h − r|`), `tiny` (the reference is ≈ 0 at this point), `tol` used."""
    passed: bool
    error: float
    norm_error: float
    cosine: float
    worst: tuple[int, ...] | None
    tiny: bool
    tol: float


def compare(hand: np.ndarray, ref: np.ndarray, tol: float = 1e-6, *, loss_scale: float = 1.0,
            value_scale: float = 1.0) -> Comparison:
    """Compare same-shape arrays: passes when `max|h − r| ≤ tol·max|r|`.

    A reference that is tiny relative to the loss (`max|r|·max(1, |x|) ≤ 1e-8·max(1, |L|)`) is judged with
    the looser relative tolerance TINY_TOL (its entries carry rounding from larger terms); an all-zero
    reference passes only a hand gradient at rounding level. Non-finite hand entries never pass.
    """
    h, r = np.asarray(hand, np.float64), np.asarray(ref, np.float64)
    diff = np.abs(h - r)
    worst = tuple(int(i) for i in np.unravel_index(np.nanargmax(np.where(np.isnan(diff), np.inf, diff)),
                                                   diff.shape)) if diff.size else None
    r_max = float(np.max(np.abs(r), initial=0.0))
    r_norm, h_norm = float(np.linalg.norm(r)), float(np.linalg.norm(h))
    finite = bool(np.all(np.isfinite(h)))
    if not diff.size:
        return Comparison(True, 0.0, 0.0, 1.0, None, False, tol)
    if r_max == 0.0:
        floor = 64 * EPS * max(1.0, abs(loss_scale)) / max(1.0, value_scale)
        h_max = float(np.max(np.abs(h)))
        passed = finite and h_max <= floor
        return Comparison(passed, 0.0 if h_max == 0 else float("inf"), 0.0 if h_norm == 0 else float("inf"),
                          1.0 if h_norm == 0 else 0.0, worst, True, tol)
    tiny = r_max * max(1.0, value_scale) <= TINY * max(1.0, abs(loss_scale))
    used = max(tol, TINY_TOL) if tiny else tol
    error = float(np.max(diff)) / r_max if finite else float("nan")
    norm_error = float(np.linalg.norm(h - r)) / r_norm if finite else float("nan")
    cosine = float(np.vdot(h, r)) / (h_norm * r_norm) if finite and h_norm > 0 else 0.0
    return Comparison(bool(finite and error <= used), error, norm_error, cosine, worst, tiny, used)


@dataclass
class Use:
    """One use of a tensor by an op (one path of its gradient): a label and that path's contribution."""
    label: str
    contribution: np.ndarray
    fn: Any = None      # the consuming Function (for drawing the path)
    slot: int = 0


@dataclass
class Diagnosis:
    """`kind` of mistake (None: no simple explanation) and the sentence saying it; `missing` lists the
    uses (paths) the hand gradient leaves out, for drawing them."""
    kind: str | None
    text: str
    missing: list[Use] = field(default_factory=list)


def _close(a: np.ndarray, b: np.ndarray, rtol: float) -> bool:
    scale = max(float(np.max(np.abs(b), initial=0.0)), float(np.max(np.abs(a), initial=0.0)))
    return a.shape == b.shape and float(np.max(np.abs(a - b), initial=0.0)) <= rtol * scale


def _factor_text(c: float, sizes: Sequence[int]) -> tuple[str, str]:
    if abs(c + 1) <= 1e-3:
        return "sign", "−1 times the right gradient: a sign error"
    for n in sorted({s for s in sizes if s > 2}):  # 2 reads as "a factor 2" (the ½ of ½‖·‖²)
        if abs(c * n - 1) <= 1e-6:
            return "mean-vs-sum", f"1/{n} times the right gradient: averaged instead of summed (over {n})"
        if abs(c / n - 1) <= 1e-6:
            return "mean-vs-sum", f"{n} times the right gradient: summed instead of averaged (over {n})"
    sign = "; and the sign is wrong" if c < 0 else ""
    size = abs(c)
    if size > 1:
        return "factor", f"a factor {size:.3f} too large ({(size - 1) * 100:.1f}% off){sign}"
    return "factor", f"a factor {size:.3f} too small ({(1 - size) * 100:.1f}% off){sign}"


def _path_combinations(k: int) -> list[tuple[int, ...]]:
    """Coefficient patterns to try on k uses: subsets, then a path counted twice or with its sign flipped."""
    values = (0, 1, 2, -1) if k <= 3 else (0, 1, 2) if k <= 4 else (0, 1)
    combos = [c for c in itertools.product(values, repeat=k) if len(set(c)) > 1] if k <= 8 else []
    return sorted(combos, key=lambda c: (sum(v != 1 for v in c), any(v < 0 for v in c), any(v > 1 for v in c)))


def _paths_text(uses: Sequence[Use], coef: tuple[int, ...]) -> str:
    kept = [u.label for u, a in zip(uses, coef) if a == 1]
    parts = []
    if kept:
        parts.append(f"it matches the path{'s' * (len(kept) > 1)} through {' and '.join(kept)} only")
    missing = [u.label for u, a in zip(uses, coef) if a == 0]
    if missing:
        parts.append(f"the path{'s' * (len(missing) > 1)} through {' and '.join(missing)} "
                     f"{'are' if len(missing) > 1 else 'is'} missing")
    parts += [f"the path through {u.label} is counted twice" for u, a in zip(uses, coef) if a == 2]
    parts += [f"the path through {u.label} has the wrong sign" for u, a in zip(uses, coef) if a == -1]
    return "; ".join(parts)


def _partial(h: np.ndarray, r: np.ndarray, rtol: float, values: dict[str, np.ndarray]) -> str | None:
    wrong = np.abs(h - r) > rtol * float(np.max(np.abs(r), initial=0.0))
    if not wrong.any() or wrong.all():
        return None
    if h.ndim == 2 and h.shape[0] == h.shape[1] and h.shape[0] > 1:
        eye = np.eye(h.shape[0], dtype=bool)
        if np.array_equal(~wrong, eye):
            return "right on the diagonal only; wrong off the diagonal"
        if np.array_equal(wrong, eye):
            return "right off the diagonal only; wrong on the diagonal"
    for name, v in values.items():
        if v.shape != h.shape:
            continue
        for op, mask in (("<", v < 0), (">", v > 0), ("≤", v <= 0), ("≥", v >= 0)):
            if np.array_equal(wrong, mask):
                return f"wrong only where {name} {op} 0"
    if h.ndim == 2:
        rows, cols = np.flatnonzero(wrong.any(1)), np.flatnonzero(wrong.any(0))
        if np.array_equal(wrong, np.isin(np.arange(h.shape[0]), rows)[:, None] & np.ones(h.shape, bool)):
            return f"wrong only in row{'s' * (len(rows) > 1)} {', '.join(map(str, rows))}"
        if np.array_equal(wrong, np.isin(np.arange(h.shape[1]), cols)[None, :] & np.ones(h.shape, bool)):
            return f"wrong only in column{'s' * (len(cols) > 1)} {', '.join(map(str, cols))}"
    n_wrong = int(wrong.sum())
    if n_wrong == 1:
        at = tuple(int(i) for i in np.argwhere(wrong)[0])
        return f"wrong only at entry {at}; right everywhere else"
    return None


def diagnose(hand: np.ndarray, ref: np.ndarray, *, rtol: float = 1e-5, sizes: Sequence[int] = (),
             uses: Sequence[Use] = (), values: dict[str, np.ndarray] | None = None) -> Diagnosis:
    """Name the mistake that turns ref into hand (same shapes), if a simple one does.

    sizes: the input dimensions (to recognise 1/N); uses: the per-path contributions of a tensor used by
    several ops (they sum to ref); values: {name: array} of the same shape, to recognise "wrong only where
    x < 0". rtol: how closely an explanation must reproduce hand.
    """
    h, r = np.asarray(hand, np.float64), np.asarray(ref, np.float64)
    if not np.all(np.isfinite(h)):
        bad = ~np.isfinite(h)
        what = "NaN" if np.isnan(h).any() else "inf"
        at = tuple(int(i) for i in np.argwhere(bad)[0])
        return Diagnosis("nan", f"your gradient has {what} at {int(bad.sum())} of {h.size} entries "
                                f"(first at {at})")
    if not np.any(h):
        return Diagnosis("zero", "your gradient is zero everywhere")
    rr = float(np.vdot(r, r))
    c = float(np.vdot(h, r)) / rr if rr > 0 else 0.0
    factor = rr > 0 and _close(h, c * r, rtol)
    if len(uses) > 1:  # before the factor: with equal paths, "one is missing" is the better explanation
        for coef in _path_combinations(len(uses)):
            combo = sum(a * u.contribution for a, u in zip(coef, uses))
            if _close(h, combo, rtol):
                missing = [u for u, a in zip(uses, coef) if a != 1]
                if factor and (any(a not in (0, 1) for a in coef) or min(
                        float(np.linalg.norm(u.contribution)) for u in missing) < 1e-3 * np.sqrt(rr)):
                    continue  # a factor explains it, and this path pattern only restates it
                text = _paths_text(uses, coef) + (f" (the paths contribute equally: {c:.3f} times the gradient)"
                                                  if factor else "")
                return Diagnosis("missing-path" if 0 in coef else "extra-path", text, missing)
    if factor:
        kind, text = _factor_text(c, sizes)
        return Diagnosis(kind, text)
    if h.ndim == 2 and h.shape[0] == h.shape[1] and h.shape[0] > 1:
        if _close(h, r.T, rtol):
            return Diagnosis("transpose", "it is the transpose of the right gradient: you returned ∇ᵀ")
        if _close(h, (r + r.T) / 2, rtol):
            return Diagnosis("symmetric-only", "it is the symmetric part (∇ + ∇ᵀ)/2 of the right gradient")
        if _close(h, r + r.T, rtol):
            return Diagnosis("symmetric-only", "it is ∇ + ∇ᵀ, not the gradient ∇")
    text = _partial(h, r, rtol, values or {})
    if text is not None:
        return Diagnosis("partial", text)
    return Diagnosis(None, "no simple explanation (not a constant factor, a missing path, a transpose or a "
                           "subset of the entries)")


def shape_hint(name: str, hand: np.ndarray, ref: np.ndarray, rtol: float = 1e-5) -> Diagnosis:
    """The sentence for a gradient of the wrong shape: transpose, reshape, a missing or extra batch sum."""
    said = f"shape mistake: your gradient has shape {hand.shape} but {name} has shape {ref.shape}"
    if hand.ndim == 2 and hand.T.shape == ref.shape and _close(hand.T, ref, rtol):
        return Diagnosis("transpose", f"{said}; its transpose matches autodiff: you returned ∇ᵀ")
    if hand.size == ref.size and _close(hand.reshape(ref.shape), ref, rtol):
        return Diagnosis("reshape", f"{said}; reshaped it matches autodiff")
    if hand.ndim > ref.ndim and hand.shape[hand.ndim - ref.ndim:] == ref.shape:
        lead = tuple(range(hand.ndim - ref.ndim))
        if _close(hand.sum(axis=lead), ref, rtol):
            return Diagnosis("batch-sum", f"{said}; summed over the leading (batch) dimension it matches: "
                                          "you forgot the sum over the batch")
        if _close(hand.mean(axis=lead), ref, rtol):
            return Diagnosis("batch-sum", f"{said}; averaged over the leading (batch) dimension it matches: "
                                          "you forgot the mean over the batch")
        return Diagnosis("batch-sum", f"{said}; did you forget to sum over the leading (batch) dimension?")
    if ref.ndim > hand.ndim and ref.shape[ref.ndim - hand.ndim:] == hand.shape:
        lead = tuple(range(ref.ndim - hand.ndim))
        if _close(hand, ref.sum(axis=lead), rtol) or _close(hand, ref.mean(axis=lead), rtol):
            return Diagnosis("batch-extra", f"{said}; it equals the right gradient summed (or averaged) over "
                                            "the leading dimension: you summed where each sample needs its own row")
        return Diagnosis("batch-extra", f"{said}; the leading dimension of {name} is missing")
    return Diagnosis("shape", said)
