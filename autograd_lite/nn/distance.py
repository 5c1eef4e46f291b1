"""`CosineSimilarity` and `PairwiseDistance`: F.cosine_similarity and F.pairwise_distance as layers."""
from __future__ import annotations

from ..tensor import Tensor
from . import functional as F
from .module import Module


class CosineSimilarity(Module):
    """forward(x1, x2) = F.cosine_similarity(x1, x2, dim, eps): the cosine along dim (inputs broadcast)."""

    def __init__(self, dim: int = 1, eps: float = 1e-8) -> None:
        super().__init__()
        self.dim, self.eps = dim, eps

    def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
        """The cosine of x1 and x2 along self.dim: the broadcast shape without that dim."""
        return F.cosine_similarity(x1, x2, self.dim, self.eps)


class PairwiseDistance(Module):
    """forward(x1, x2) = F.pairwise_distance(x1, x2, p, eps, keepdim): ‖x1 − x2 + eps‖_p along the last dim."""

    def __init__(self, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> None:
        super().__init__()
        self.norm, self.eps, self.keepdim = p, eps, keepdim  # PyTorch keeps p as `norm`

    def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
        """The p-norm distance of each pair of rows: (N, D), (N, D) -> (N,) ((N, 1) with keepdim)."""
        return F.pairwise_distance(x1, x2, self.norm, self.eps, self.keepdim)
