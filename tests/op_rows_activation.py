"""Op-table rows of the rarer activations (hardtanh ... prelu) and the adaptive pools.

The piecewise activations are evaluated at AWAY, points at least 0.1 from every kink they have
(0, ±0.5, ±1, ±3, 6 and the thresholds used below), so every case is gradchecked to second order
and compared with PyTorch.
"""
from __future__ import annotations

import numpy as np

from tests.op_table import IMAGES, C, Case

AWAY = np.array([-7.5, -3.6, -2.2, -0.8, -0.3, 0.2, 0.7, 1.4, 2.6, 3.4, 6.5])
GRID = AWAY[:10].reshape(2, 5)

ROWS: dict[str, list[Case]] = {
    "hardtanh": [C(lambda m, a: m.F.hardtanh(a), AWAY), C(lambda m, a: m.F.hardtanh(a, -2.0, max_val=2.5), GRID)],
    "relu6": [C(lambda m, a: m.F.relu6(a), AWAY)],
    "selu": [C(lambda m, a: m.F.selu(a), AWAY), C(lambda m, a: m.selu(a), (2, 3))],
    # alphas whose reciprocal float32 holds exactly: PyTorch's celu backward rounds 1/α to float32
    "celu": [C(lambda m, a: m.F.celu(a), AWAY), C(lambda m, a: m.celu(a, alpha=0.5), GRID),
             C(lambda m, a: m.F.celu(a, 2.0), (3, 2))],
    "mish": [C(lambda m, a: m.F.mish(a), AWAY), C(lambda m, a: m.F.mish(a), (2, 3, 2))],
    "hardswish": [C(lambda m, a: m.F.hardswish(a), AWAY)],
    # PyTorch's hardsigmoid gradient is 1/6 rounded to float32: compared in tests/test_nn_activation.py
    "hardsigmoid": [C(lambda m, a: m.F.hardsigmoid(a), AWAY, torch=False)],
    "logsigmoid": [C(lambda m, a: m.F.logsigmoid(a), AWAY), C(lambda m, a: m.F.logsigmoid(a), (2, 3)),
                   C(lambda m, a: m.F.logsigmoid(a), np.array([-800.0, -30.0, 30.0, 800.0]), order=1)],
    "tanhshrink": [C(lambda m, a: m.F.tanhshrink(a), AWAY)],
    "softshrink": [C(lambda m, a: m.F.softshrink(a), AWAY), C(lambda m, a: m.F.softshrink(a, 1.2), GRID)],
    "hardshrink": [C(lambda m, a: m.F.hardshrink(a), AWAY), C(lambda m, a: m.hardshrink(a, 1.2) + a.hardshrink(), GRID)],
    "threshold": [C(lambda m, a: m.F.threshold(a, 0.4, -2.0), AWAY), C(lambda m, a: m.threshold(a, -1.5, 3.0), GRID)],
    "prelu": [C(lambda m, x, w: m.F.prelu(x, w), (2, 3, 4), (3,)),
              C(lambda m, x, w: m.prelu(x, w), AWAY, np.array([0.25])),
              C(lambda m, x, w: x.prelu(w), IMAGES, (1,))],
}

ROWS.update({
    # non-divisible sizes: overlapping windows of unequal sizes, as PyTorch's
    "adaptive_avg_pool2d": [C(lambda m, x: m.F.adaptive_avg_pool2d(x, 1), IMAGES),
                            C(lambda m, x: m.F.adaptive_avg_pool2d(x, (3, 2)), IMAGES),
                            C(lambda m, x: m.F.adaptive_avg_pool2d(x, (None, 4)), (2, 7, 5))],
    "adaptive_max_pool2d": [C(lambda m, x: m.F.adaptive_max_pool2d(x, (3, 4)), IMAGES),
                            C(lambda m, x: m.F.adaptive_max_pool2d(x, 5), (2, 7, 6)),
                            C(lambda m, x: m.F.adaptive_max_pool2d(x, (2, None), return_indices=True)[0], IMAGES)],
})
