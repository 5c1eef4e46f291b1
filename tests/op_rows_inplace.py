"""Op-table rows of the in-place forms declared in autograd_lite/ops/inplace.py.

Each writes into a fresh non-leaf (`a * 1.0`: a leaf that requires grad refuses in-place ops), so
the gradcheck differentiates through the in-place node that replaced the tensor's `grad_fn`.
"""
from __future__ import annotations

from typing import Any

from tests.op_table import SIGNS, C, Case


def _ipow(m: Any, a: Any) -> Any:
    y = a * 1.0
    y **= 3
    return y


def _seeded(m: Any) -> Any:
    return m.Generator().manual_seed(5)  # the same draw on every call: the gradcheck perturbs a fixed function


ROWS: dict[str, list[Case]] = {
    "exp_": [C(lambda m, a: (a * 1.0).exp_(), (2, 3)), C(lambda m, a: m.exp_(a * 1.0) * a, (3,))],
    "neg_": [C(lambda m, a: (a * 2.0).neg_() * a, (2, 3))],
    "Tensor.pow_": [C(lambda m, a, b: (a * 1.0).pow_(b), "pos(2, 3)", (3,)),
                    C(lambda m, a: (a * 1.0).pow_(2.5), "pos(4,)"), C(_ipow, (2, 3))],
    "clamp_": [C(lambda m, a: (a * 1.0).clamp_(-0.5, 0.5), SIGNS * 0.4 + 0.1),
               C(lambda m, a: m.clamp_(a * 1.0, min=0.0) * a, SIGNS), C(lambda m, a: (a * 1.0).clip_(max=0.0), SIGNS)],
    "relu_": [C(lambda m, a: m.F.relu_(a * 1.0) * a, SIGNS), C(lambda m, a: (a * 1.0).relu_(), SIGNS * -1.0),
              C(lambda m, a: m.relu_(a * 1.0), SIGNS)],
    "sigmoid_": [C(lambda m, a: (a * 1.0).sigmoid_() * a, (2, 3)), C(lambda m, a: m.sigmoid_(a * 1.0), (3,))],
    "tanh_": [C(lambda m, a: (a * 1.0).tanh_() * a, (2, 3)), C(lambda m, a: m.tanh_(a * 1.0), (3,))],
    "Tensor.copy_": [C(lambda m, a, b: (a * 1.0).copy_(b) * a, (2, 3), (3,)),
                     C(lambda m, a, b: (a * 1.0).copy_(b), (2, 3), (2, 3)),
                     C(lambda m, a: m.zeros(2, 3, dtype=a.dtype).copy_(a), (3,))],
    "fill_": [C(lambda m, a, v: (a * 1.0).fill_(v.sum()) * a, (2, 3), (3,)),
              C(lambda m, a: m.fill_(a * 1.0, 2.5) * a, (3,))],
    "zero_": [C(lambda m, a: (a * 1.0).zero_() + a * a, (2, 3)), C(lambda m, a: m.zero_(a * 1.0) + a, (3,))],
    "Tensor.normal_": [C(lambda m, a: (a * 1.0).normal_(2.0, 0.5, generator=_seeded(m)) * a, (2, 3), torch=False)],
    "Tensor.uniform_": [C(lambda m, a: (a * 1.0).uniform_(-1.0, 3.0, generator=_seeded(m)) + a, (2, 3), torch=False),
                        C(lambda m, a: (a * 1.0).uniform_(generator=_seeded(m)) * a, (3,), torch=False)],
}
