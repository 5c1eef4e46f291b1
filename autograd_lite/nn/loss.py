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
        return L.cross_entropy(input, target, weight=self.weight, ignore_index=self.ignore_index,
                               reduction=self.reduction, label_smoothing=self.label_smoothing)


class NLLLoss(_WeightedLoss):
    """−weight[t]·input[t] per sample for log-probabilities input (N, C) or (N, C, d1, ...);
    'mean' divides by Σ weight[t] over the samples not equal to ignore_index."""

    def __init__(self, weight: Tensor | None = None, ignore_index: int = -100, reduction: str = "mean") -> None:
        super().__init__(weight, reduction)
        self.ignore_index = ignore_index

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return L.nll_loss(input, target, weight=self.weight, ignore_index=self.ignore_index,
                          reduction=self.reduction)


class MSELoss(_Loss):
    """(input − target)²."""

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return L.mse_loss(input, target, reduction=self.reduction)


class L1Loss(_Loss):
    """|input − target|."""

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return L.l1_loss(input, target, reduction=self.reduction)


class SmoothL1Loss(_Loss):
    """0.5·d²/β where |d| < β, else |d| − 0.5·β (d = input − target)."""

    def __init__(self, reduction: str = "mean", beta: float = 1.0) -> None:
        super().__init__(reduction)
        if not beta >= 0:
            raise ValueError(f"SmoothL1Loss: beta must be >= 0, got {beta}")
        self.beta = beta

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return L.smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)


class HuberLoss(_Loss):
    """0.5·d² where |d| < δ, else δ·(|d| − 0.5·δ) (d = input − target)."""

    def __init__(self, reduction: str = "mean", delta: float = 1.0) -> None:
        super().__init__(reduction)
        if not delta > 0:
            raise ValueError(f"HuberLoss: delta must be > 0, got {delta}")
        self.delta = delta

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return L.huber_loss(input, target, reduction=self.reduction, delta=self.delta)


class KLDivLoss(_Loss):
    """target·(log target − input) for log-probabilities input (target as log-probabilities with
    log_target=True); reduction='batchmean' gives the KL divergence per sample."""

    allowed_reductions = L.REDUCTIONS + ("batchmean",)

    def __init__(self, reduction: str = "mean", log_target: bool = False) -> None:
        super().__init__(reduction)
        self.log_target = log_target

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return L.kl_div(input, target, reduction=self.reduction, log_target=self.log_target)


class BCELoss(_WeightedLoss):
    """−weight·[y·log p + (1 − y)·log(1 − p)] for probabilities p (logs clamped at −100)."""

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return L.binary_cross_entropy(input, target, weight=self.weight, reduction=self.reduction)


class BCEWithLogitsLoss(_WeightedLoss):
    """BCELoss of σ(input), computed stably from the logits; pos_weight (per class, broadcast over the
    last dim) multiplies the positive term."""

    def __init__(self, weight: Tensor | None = None, reduction: str = "mean", pos_weight: Tensor | None = None) -> None:
        super().__init__(weight, reduction)
        self._buffer("pos_weight", pos_weight)

    def forward(self, input: Tensor, target: Any) -> Tensor:
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
        return L.multi_margin_loss(input, target, p=self.p, margin=self.margin, weight=self.weight,
                                   reduction=self.reduction)


class PoissonNLLLoss(_Loss):
    """Poisson negative log-likelihood of target counts; input is the log-rate (log_input=True) or the rate."""

    def __init__(self, log_input: bool = True, full: bool = False, eps: float = 1e-8, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.log_input, self.full, self.eps = log_input, full, eps

    def forward(self, log_input: Tensor, target: Any) -> Tensor:
        return L.poisson_nll_loss(log_input, target, self.log_input, self.full, self.eps, self.reduction)


class GaussianNLLLoss(_Loss):
    """½·(log var + (input − target)²/var): the Gaussian negative log-likelihood with predicted variance."""

    def __init__(self, *, full: bool = False, eps: float = 1e-6, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.full, self.eps = full, eps

    def forward(self, input: Tensor, target: Any, var: Any) -> Tensor:
        return L.gaussian_nll_loss(input, target, var, self.full, self.eps, self.reduction)


class SoftMarginLoss(_Loss):
    """log(1 + e^(−y·x)) for labels ±1."""

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return L.soft_margin_loss(input, target, self.reduction)


class _MarginLoss(_Loss):
    def __init__(self, margin: float = 0.0, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.margin = margin


class MarginRankingLoss(_MarginLoss):
    """max(0, −y·(x1 − x2) + margin)."""

    def forward(self, input1: Tensor, input2: Tensor, target: Any) -> Tensor:
        return L.margin_ranking_loss(input1, input2, target, self.margin, self.reduction)


class HingeEmbeddingLoss(_MarginLoss):
    """x where y = 1, max(0, margin − x) where y = −1."""

    def __init__(self, margin: float = 1.0, reduction: str = "mean") -> None:
        super().__init__(margin, reduction)

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return L.hinge_embedding_loss(input, target, self.margin, self.reduction)


class CosineEmbeddingLoss(_MarginLoss):
    """1 − cos(x1, x2) where y = 1, max(0, cos(x1, x2) − margin) where y = −1."""

    def forward(self, input1: Tensor, input2: Tensor, target: Any) -> Tensor:
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
        return L.triplet_margin_loss(anchor, positive, negative, self.margin, self.p, self.eps, self.swap,
                                     self.reduction)
