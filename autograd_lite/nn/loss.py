"""Loss modules, like `torch.nn`'s: each holds its options and calls the functional form in ops/loss.py.

`weight` and `pos_weight` tensors are registered as buffers (saved in state_dict, cast by `to()`),
as in PyTorch. `reduction` is 'mean' (default), 'sum' or 'none'.
"""
from __future__ import annotations

from typing import Any

from ..ops import loss as L
from ..tensor import Tensor
from .module import Module


class _Loss(Module):
    allowed_reductions: tuple[str, ...] = L.REDUCTIONS

    def __init__(self, reduction: str = "mean") -> None:
        super().__init__()
        if reduction not in self.allowed_reductions:
            raise ValueError(f"{type(self).__name__}: reduction must be one of "
                             f"{', '.join(repr(r) for r in self.allowed_reductions)}, got {reduction!r}")
        self.reduction = reduction

    def _buffer(self, name: str, value: Any) -> None:
        """A weight-like option: None, or a float tensor kept as a buffer."""
        if value is not None and not isinstance(value, Tensor):
            raise TypeError(f"{type(self).__name__}: {name} must be a Tensor or None, got {type(value).__name__}")
        self.register_buffer(name, value)

    def extra_repr(self) -> str:
        return "" if self.reduction == "mean" else f"reduction={self.reduction!r}"


class _WeightedLoss(_Loss):
    def __init__(self, weight: Tensor | None = None, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self._buffer("weight", weight)


class CrossEntropyLoss(_WeightedLoss):
    """−Σ_c q_c·log softmax(input)_c: input (N, C) or (N, C, d1, ...) raw scores; target class indices
    (N, d1, ...) or class probabilities of input's shape. weight (C,) rescales classes, targets equal
    to ignore_index count for nothing, label_smoothing mixes the target with the uniform distribution."""

    def __init__(self, weight: Tensor | None = None, ignore_index: int = -100, reduction: str = "mean",
                 label_smoothing: float = 0.0) -> None:
        super().__init__(weight, reduction)
        if not 0.0 <= label_smoothing <= 1.0:
            raise ValueError(f"CrossEntropyLoss: label_smoothing must be in [0, 1], got {label_smoothing}")
        self.ignore_index, self.label_smoothing = ignore_index, label_smoothing

    def forward(self, input: Tensor, target: Any) -> Tensor:
        """input (N, C) or (N, C, d1, ...) logits, or (C,) for one sample; target class indices (N, d1, ...) or
        probabilities of input's shape → the loss: a scalar, or (N, d1, ...) with reduction='none'.

        Gradient: ∂L/∂input = G·w·(softmax(input) − q) along C, q the (smoothed) one-hot or probability target.
        """
        return L.cross_entropy(input, target, weight=self.weight, ignore_index=self.ignore_index,
                               reduction=self.reduction, label_smoothing=self.label_smoothing)


class NLLLoss(_WeightedLoss):
    """−weight[t]·input[t] per sample for log-probabilities input (N, C) or (N, C, d1, ...);
    'mean' divides by Σ weight[t] over the samples not equal to ignore_index."""

    def __init__(self, weight: Tensor | None = None, ignore_index: int = -100, reduction: str = "mean") -> None:
        super().__init__(weight, reduction)
        self.ignore_index = ignore_index

    def forward(self, input: Tensor, target: Any) -> Tensor:
        """input log-probabilities (N, C) or (N, C, d1, ...), target class indices (N, d1, ...) → the loss: a
        scalar, or (N, d1, ...) with reduction='none'.

        Gradient: ∂L/∂input = −G·weight[t] at each target entry, 0 elsewhere (divided by Σ weight[t] for 'mean').
        """
        return L.nll_loss(input, target, weight=self.weight, ignore_index=self.ignore_index,
                          reduction=self.reduction)


class MSELoss(_Loss):
    """(input − target)²."""

    def forward(self, input: Tensor, target: Any) -> Tensor:
        """input and target of the same shape → (input − target)², reduced.

        The result is a scalar for reduction='mean' or 'sum', the per-element losses (input's shape) for 'none'.
        Gradient: ∂L/∂input = 2·(input − target)·G (divided by the element count for 'mean').
        """
        return L.mse_loss(input, target, reduction=self.reduction)


class L1Loss(_Loss):
    """`abs(input − target)`."""

    def forward(self, input: Tensor, target: Any) -> Tensor:
        """input and target of the same shape → `abs(input − target)`, reduced.

        The result is a scalar for reduction='mean' or 'sum', the per-element losses (input's shape) for 'none'.
        Gradient: ∂L/∂input = sign(input − target)·G (0 at equality; divided by the count for 'mean').
        """
        return L.l1_loss(input, target, reduction=self.reduction)


class SmoothL1Loss(_Loss):
    """0.5·d²/β where `abs(d) < β`, else `abs(d) − 0.5·β` (d = input − target)."""

    def __init__(self, reduction: str = "mean", beta: float = 1.0) -> None:
        super().__init__(reduction)
        if not beta >= 0:
            raise ValueError(f"SmoothL1Loss: beta must be >= 0, got {beta}")
        self.beta = beta

    def forward(self, input: Tensor, target: Any) -> Tensor:
        """input and target of the same shape → the smooth L1 loss of d = input − target, reduced.

        The result is a scalar for reduction='mean' or 'sum', the per-element losses (input's shape) for 'none'.
        Gradient: ∂L/∂input = G·d/β where `abs(d) < β`, else G·sign(d).
        """
        return L.smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)


class HuberLoss(_Loss):
    """0.5·d² where `abs(d) < δ`, else `δ·(abs(d) − 0.5·δ)` (d = input − target)."""

    def __init__(self, reduction: str = "mean", delta: float = 1.0) -> None:
        super().__init__(reduction)
        if not delta > 0:
            raise ValueError(f"HuberLoss: delta must be > 0, got {delta}")
        self.delta = delta

    def forward(self, input: Tensor, target: Any) -> Tensor:
        """input and target of the same shape → the Huber loss of d = input − target, reduced.

        The result is a scalar for reduction='mean' or 'sum', the per-element losses (input's shape) for 'none'.
        Gradient: ∂L/∂input = G·d where `abs(d) < δ`, else G·δ·sign(d).
        """
        return L.huber_loss(input, target, reduction=self.reduction, delta=self.delta)


class KLDivLoss(_Loss):
    """target·(log target − input) for log-probabilities input (target as log-probabilities with
    log_target=True); reduction='batchmean' gives the KL divergence per sample."""

    allowed_reductions = L.REDUCTIONS + ("batchmean",)

    def __init__(self, reduction: str = "mean", log_target: bool = False) -> None:
        super().__init__(reduction)
        self.log_target = log_target

    def forward(self, input: Tensor, target: Any) -> Tensor:
        """input log-probabilities and target of the same shape → target·(log target − input), reduced.

        The result is a scalar for reduction='mean' or 'sum', the per-element losses (input's shape) for 'none'.
        'batchmean' divides the sum by N. Gradient: ∂L/∂input = −target·G.
        """
        return L.kl_div(input, target, reduction=self.reduction, log_target=self.log_target)


class BCELoss(_WeightedLoss):
    """−weight·[y·log p + (1 − y)·log(1 − p)] for probabilities p (logs clamped at −100)."""

    def forward(self, input: Tensor, target: Any) -> Tensor:
        """input probabilities p in [0, 1] and target y of the same shape → −weight·[y·log p + (1 − y)·log(1 − p)],
        reduced.

        The result is a scalar for reduction='mean' or 'sum', the per-element losses (input's shape) for 'none'.
        Gradient: ∂L/∂p = G·weight·(p − y) / (p·(1 − p)).
        """
        return L.binary_cross_entropy(input, target, weight=self.weight, reduction=self.reduction)


class BCEWithLogitsLoss(_WeightedLoss):
    """BCELoss of σ(input), computed stably from the logits; pos_weight (per class, broadcast over the
    last dim) multiplies the positive term."""

    def __init__(self, weight: Tensor | None = None, reduction: str = "mean", pos_weight: Tensor | None = None) -> None:
        super().__init__(weight, reduction)
        self._buffer("pos_weight", pos_weight)

    def forward(self, input: Tensor, target: Any) -> Tensor:
        """input logits x and target y of the same shape → BCELoss of σ(x), computed stably, reduced.

        The result is a scalar for reduction='mean' or 'sum', the per-element losses (input's shape) for 'none'.
        Gradient: ∂L/∂x = G·weight·(σ(x) − y) without pos_weight.
        """
        return L.binary_cross_entropy_with_logits(input, target, weight=self.weight, reduction=self.reduction,
                                                  pos_weight=self.pos_weight)


class MultiMarginLoss(_WeightedLoss):
    """The multiclass hinge loss: Σ_{j≠y} weight[y]·max(0, margin − x_y + x_j)^p / C per sample."""

    def __init__(self, p: int = 1, margin: float = 1.0, weight: Tensor | None = None, reduction: str = "mean") -> None:
        super().__init__(weight, reduction)
        if p not in (1, 2):
            raise ValueError(f"MultiMarginLoss: only p == 1 and p == 2 are supported, got {p}")
        self.p, self.margin = p, margin

    def forward(self, input: Tensor, target: Any) -> Tensor:
        """input scores (N, C) or (C,), target class indices (N,) → the multiclass hinge loss, reduced.

        The result is a scalar for reduction='mean' or 'sum', the per-sample losses for 'none'.
        Gradient: +G·weight[y]·p·h^(p−1)/C for each class j ≠ y with a positive hinge h, and minus
        their sum at the target class.
        """
        return L.multi_margin_loss(input, target, p=self.p, margin=self.margin, weight=self.weight,
                                   reduction=self.reduction)


class PoissonNLLLoss(_Loss):
    """Poisson negative log-likelihood of target counts; input is the log-rate (log_input=True) or the rate."""

    def __init__(self, log_input: bool = True, full: bool = False, eps: float = 1e-8, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.log_input, self.full, self.eps = log_input, full, eps

    def forward(self, log_input: Tensor, target: Any) -> Tensor:
        """log_input (the log-rate, or the rate with log_input=False) and target counts of the same shape → the
        Poisson negative log-likelihood, reduced.

        The result is a scalar for reduction='mean' or 'sum', the per-element losses (input's shape) for 'none'.
        Gradient (log_input=True): ∂L/∂log_input = G·(exp(log_input) − target).
        """
        return L.poisson_nll_loss(log_input, target, self.log_input, self.full, self.eps, self.reduction)


class GaussianNLLLoss(_Loss):
    """½·(log var + (input − target)²/var): the Gaussian negative log-likelihood with predicted variance."""

    def __init__(self, *, full: bool = False, eps: float = 1e-6, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.full, self.eps = full, eps

    def forward(self, input: Tensor, target: Any, var: Any) -> Tensor:
        """input (predicted mean), target of the same shape and var (input's shape, one dim fewer, or 1 in the
        last dim) → ½·(log var + (input − target)²/var), reduced.

        The result is a scalar for reduction='mean' or 'sum', the per-sample losses for 'none'.
        Gradients: ∂L/∂input = G·(input − target)/var,
        ∂L/∂var = G·½·(1/var − (input − target)²/var²) (var clamped at eps in the value only).
        """
        return L.gaussian_nll_loss(input, target, var, self.full, self.eps, self.reduction)


class SoftMarginLoss(_Loss):
    """log(1 + e^(−y·x)) for labels ±1."""

    def forward(self, input: Tensor, target: Any) -> Tensor:
        """input x and labels y = ±1 of the same shape → log(1 + e^(−y·x)), reduced.

        The result is a scalar for reduction='mean' or 'sum', the per-element losses (input's shape) for 'none'.
        Gradient: ∂L/∂x = −G·y·σ(−y·x).
        """
        return L.soft_margin_loss(input, target, self.reduction)


class _MarginLoss(_Loss):
    def __init__(self, margin: float = 0.0, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.margin = margin


class MarginRankingLoss(_MarginLoss):
    """max(0, −y·(x1 − x2) + margin)."""

    def forward(self, input1: Tensor, input2: Tensor, target: Any) -> Tensor:
        """input1, input2 and labels y = ±1 of the same shape → max(0, −y·(input1 − input2) + margin), reduced.

        The result is a scalar for reduction='mean' or 'sum', the per-element losses (input's shape) for 'none'.
        Gradient: ∂L/∂input1 = −G·y = −∂L/∂input2 where the hinge is positive, 0 elsewhere.
        """
        return L.margin_ranking_loss(input1, input2, target, self.margin, self.reduction)


class HingeEmbeddingLoss(_MarginLoss):
    """x where y = 1, max(0, margin − x) where y = −1."""

    def __init__(self, margin: float = 1.0, reduction: str = "mean") -> None:
        super().__init__(margin, reduction)

    def forward(self, input: Tensor, target: Any) -> Tensor:
        """input x and labels y = ±1 of the same shape → x where y = 1, max(0, margin − x) where y = −1, reduced.

        The result is a scalar for reduction='mean' or 'sum', the per-element losses (input's shape) for 'none'.
        Gradient: G where y = 1, −G where y = −1 and x < margin, 0 elsewhere.
        """
        return L.hinge_embedding_loss(input, target, self.margin, self.reduction)


class CosineEmbeddingLoss(_MarginLoss):
    """1 − cos(x1, x2) where y = 1, max(0, cos(x1, x2) − margin) where y = −1."""

    def forward(self, input1: Tensor, input2: Tensor, target: Any) -> Tensor:
        """input1, input2 (N, D) or (D,), labels y = ±1 (N,) or a scalar → per sample 1 − cos where y = 1,
        max(0, cos − margin) where y = −1 (cos along D), reduced.

        The result is a scalar for reduction='mean' or 'sum', the per-sample losses for 'none'.
        The gradient flows through cos(x1, x2) = x1·x2 / (‖x1‖·‖x2‖).
        """
        return L.cosine_embedding_loss(input1, input2, target, self.margin, self.reduction)


class TripletMarginLoss(_Loss):
    """max(d(a, p) − d(a, n) + margin, 0) with the p-norm distance d."""

    def __init__(self, margin: float = 1.0, p: float = 2.0, eps: float = 1e-6, swap: bool = False,
                 reduction: str = "mean") -> None:
        super().__init__(reduction)
        if not p > 0:
            raise ValueError(f"TripletMarginLoss: p must be positive, got {p}")
        self.margin, self.p, self.eps, self.swap = margin, p, eps, swap

    def forward(self, anchor: Tensor, positive: Tensor, negative: Tensor) -> Tensor:
        """anchor, positive, negative (N, D) or (D,) → per sample max(d(a, p) − d(a, n) + margin, 0), reduced,
        d the p-norm distance along D.

        The result is a scalar for reduction='mean' or 'sum', the per-sample losses for 'none'.
        The gradient flows through the two distances where the hinge is positive.
        """
        return L.triplet_margin_loss(anchor, positive, negative, self.margin, self.p, self.eps, self.swap,
                                     self.reduction)
