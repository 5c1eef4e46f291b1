"""The networks `autograd-lite train` can build: an MLP, a small ConvNet, and the k-layer batch-norm MLP."""
from __future__ import annotations

from typing import Sequence

from .. import nn


def mlp(in_shape: Sequence[int], num_classes: int, hidden: Sequence[int] = (256, 128),
        dropout: float = 0.0) -> nn.Module:
    """Flatten → [Linear → ReLU (→ Dropout)] per hidden size → Linear."""
    layers: list[nn.Module] = [nn.Flatten()]
    width = 1
    for d in in_shape:
        width *= d
    for h in hidden:
        layers += [nn.Linear(width, h), nn.ReLU()] + ([nn.Dropout(dropout)] if dropout else [])
        width = h
    layers.append(nn.Linear(width, num_classes))
    return nn.Sequential(*layers)


class ConvNet(nn.Module):
    """features: two [Conv3×3 → BatchNorm → ReLU] blocks then 2×2 max pool, twice; classifier: Linear → ReLU → Linear.

    For (C, H, W) inputs with H and W divisible by 4 (8×8 digits, 32×32 CIFAR-10).
    """

    def __init__(self, in_shape: Sequence[int], num_classes: int, width: int = 16, hidden: int = 128,
                 dropout: float = 0.0) -> None:
        super().__init__()
        c, h, w = in_shape

        def block(cin: int, cout: int) -> list[nn.Module]:
            return [nn.Conv2d(cin, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU()]

        self.features = nn.Sequential(*block(c, width), *block(width, width), nn.MaxPool2d(2),
                                      *block(width, 2 * width), nn.MaxPool2d(2))
        self.classifier = nn.Sequential(nn.Flatten(), nn.Linear(2 * width * (h // 4) * (w // 4), hidden), nn.ReLU(),
                                        *([nn.Dropout(dropout)] if dropout else []), nn.Linear(hidden, num_classes))

    def forward(self, x):
        """Logits (N, num_classes) of images x (N, C, H, W)."""
        return self.classifier(self.features(x))


def k_layer_mlp(in_shape: Sequence[int], num_classes: int, hidden: Sequence[int] = (50,) * 8,
                batch_norm: bool = True, init_std: float | None = None, eps: float = 1e-8) -> nn.Module:
    """The k-layer homework network: [Linear → BatchNorm1d → ReLU] per hidden layer, then Linear.

    k = len(hidden) + 1 linear layers (default 9). `init_std` draws every weight from
    N(0, init_std²) with zero biases, the homework's σ (e.g. 1e-4: without batch norm
    the signal vanishes and the net stays at chance; with it, it trains). Batch norm uses the
    homework's ε = 1e-8: with PyTorch's 1e-5 the tiny pre-activations of such an init drown in ε.
    """
    width = 1
    for d in in_shape:
        width *= d
    layers: list[nn.Module] = [nn.Flatten()]
    for h in hidden:
        layers.append(nn.Linear(width, h))
        if batch_norm:
            layers.append(nn.BatchNorm1d(h, eps=eps))
        layers.append(nn.ReLU())
        width = h
    layers.append(nn.Linear(width, num_classes))
    model = nn.Sequential(*layers)
    if init_std is not None:
        for m in model.modules():
            if isinstance(m, nn.Linear):
                nn.init.normal_(m.weight, 0.0, init_std)
                nn.init.zeros_(m.bias)
    return model
