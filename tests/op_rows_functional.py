"""Op-table rows of the functional ops: unfold/fold, interpolate, embedding, normalize and the distances.

Points are chosen away from kinks: no zero-norm vectors, and interpolation is linear in its input
everywhere, so every case is gradchecked to second order and compared with PyTorch.
"""
from __future__ import annotations

import numpy as np

from tests.op_table import IMAGES, C, Case

IDS = np.array([[0, 2, 4], [2, 2, 1]])  # repeats: their gradients add up

ROWS: dict[str, list[Case]] = {
    "unfold": [C(lambda m, x: m.F.unfold(x, 2), IMAGES),
               C(lambda m, x: m.F.unfold(x, (2, 3), dilation=(2, 1), padding=1, stride=2), IMAGES),
               C(lambda m, x: m.F.unfold(x, 3, padding=1), (2, 4, 3))],  # unbatched (C, H, W)
    "fold": [C(lambda m, x: m.F.fold(x, (4, 5), 2), (2, 12, 12)),
             C(lambda m, x: m.F.fold(x, 5, (3, 2), dilation=(1, 2), padding=1, stride=2), (2, 12, 9)),
             C(lambda m, x: m.F.fold(m.F.unfold(x, 3, padding=1), 4, 3, padding=1), (1, 2, 4, 4)),
             C(lambda m, x: m.F.fold(x, (3, 3), 2), (8, 4))],  # unbatched (C·KH·KW, L)
    "interpolate": [
        C(lambda m, x: m.F.interpolate(x, scale_factor=2), (2, 3, 4)),
        C(lambda m, x: m.F.interpolate(x, size=(4, 7), mode="nearest"), (1, 2, 3, 5)),
        C(lambda m, x: m.F.interpolate(x, size=(2, 3), mode="nearest-exact"), (1, 2, 5, 4)),
        C(lambda m, x: m.F.interpolate(x, size=7, mode="linear"), (2, 2, 4)),
        C(lambda m, x: m.F.interpolate(x, scale_factor=0.6, mode="linear", align_corners=True), (1, 2, 6)),
        C(lambda m, x: m.F.interpolate(x, scale_factor=1.5, mode="bilinear"), (1, 2, 3, 4)),
        C(lambda m, x: m.F.interpolate(x, size=(5, 3), mode="bilinear", align_corners=True), (2, 1, 3, 4)),
        C(lambda m, x: m.F.interpolate(x, size=(6, 5), mode="bicubic"), (1, 2, 3, 4)),
        C(lambda m, x: m.F.interpolate(x, scale_factor=2, mode="bicubic", align_corners=True), (1, 1, 3, 3)),
        C(lambda m, x: m.F.interpolate(x, size=(3, 4, 2), mode="trilinear"), (1, 1, 2, 3, 3)),
        C(lambda m, x: m.F.interpolate(x, size=(3, 2), mode="area"), (1, 2, 5, 5))],
    "embedding": [C(lambda m, w: m.F.embedding(m.tensor(IDS), w), (5, 3)),
                  C(lambda m, w: m.F.embedding(m.tensor(IDS[0]), w) * m.F.embedding(m.tensor(IDS[1]), w), (5, 2)),
                  # the padding row gets no gradient: not a derivative, so compared with PyTorch only
                  C(lambda m, w: m.F.embedding(m.tensor(IDS), w, padding_idx=2), (5, 3), grad=False)],
    "normalize": [C(lambda m, x: m.F.normalize(x), (3, 4)), C(lambda m, x: m.F.normalize(x, 3.0, -1), (2, 3, 4)),
                  C(lambda m, x: m.F.normalize(x, 1.0, 0), "pos(4, 2)")],
    "cosine_similarity": [C(lambda m, a, b: m.F.cosine_similarity(a, b), (3, 4), (3, 4)),
                          C(lambda m, a, b: m.cosine_similarity(a, b, dim=-1), (2, 3, 4), (4,)),
                          C(lambda m, a, b: m.F.cosine_similarity(a, b, 0), (4, 1), (4, 3))],
    "pairwise_distance": [C(lambda m, a, b: m.F.pairwise_distance(a, b), (3, 4), (3, 4)),
                          C(lambda m, a, b: m.pairwise_distance(a, b, 3.0, keepdim=True), (2, 3, 4), (4,)),
                          C(lambda m, a, b: m.F.pairwise_distance(a, b, p=1.0, eps=0.0), (3, 4), (3, 4))],
}
