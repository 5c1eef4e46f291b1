"""Op-table rows of the indexing family: gather/scatter, masks, index-valued ops, sorting, and the
shape ops repeat/tile/roll/hstack/vstack/broadcast_tensors/meshgrid (see tests/op_table.py).

Index arguments are built inside each case with `m.tensor` (int64, or bool for masks), so the same
expression runs in autograd_lite and in PyTorch. Repeated indices appear wherever the op accumulates
(gather, scatter_add, index_select, index_add); scatter's indices are distinct per column (with
repeats, which write wins is unspecified). Random inputs have no ties, so sort/topk are differentiable.
unique's cases detach: PyTorch marks unique's output as requiring grad with no derivative implemented,
here it has no gradient.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from tests.op_table import C, Case

G2 = [[0, 2, 2, 1], [1, 0, 0, 0]]  # gather/scatter_add index for (3, 4) along dim 0: repeats accumulate
PERM2 = [[2, 0, 1, 0], [0, 1, 2, 2]]  # along dim 0 of (3, 4): distinct within each column (for scatter)
MASK = np.array([[True, False, True, False], [False, False, True, True], [True, True, False, False]])
COUNTS = [[1, 1, 3], [1, 2, 1]]  # class labels for one_hot (as an int64 tensor)
TIES_STABLE = np.array([[1.0, 3.0, 3.0, 0.0], [2.0, 2.0, -1.0, 2.0]])  # equal values keep their order


def _mask(m: Any, shape: tuple[int, ...] = (3, 4)) -> Any:
    return m.tensor(MASK[tuple(slice(0, n) for n in shape[-2:])].reshape(shape[-2:]))


def _pair(m: Any, a: Any, b: Any, fn: Any) -> Any:
    """A two-output op (broadcast_tensors, meshgrid) as one tensor: both outputs, weighted differently."""
    x, y = fn(a, b)
    return x * 2.0 + y * y


ROWS: dict[str, list[Case]] = {
    "gather": [C(lambda m, a: m.gather(a, 0, m.tensor(G2)), (3, 4)),
               C(lambda m, a: a.gather(-1, m.tensor([[3, 3, 0], [1, 0, 1]])), (3, 4)),
               C(lambda m, a: a.gather(1, m.tensor([[[0], [2]], [[1], [1]]])), (2, 3, 4)),  # smaller than a
               C(lambda m, a: m.gather(a, 0, m.tensor([2, 2, 0])), (3,))],
    "scatter": [C(lambda m, a, s: m.scatter(a, 0, m.tensor(PERM2), s), (3, 4), (2, 4)),
                C(lambda m, a, s: a.scatter(-1, m.tensor([[2, 0], [1, 3]]), s), (2, 4), (2, 3), torch=False),  # src
                # larger than the index: PyTorch computes it but its backward fails on the shapes (a torch bug)
                C(lambda m, a: a.scatter(1, m.tensor([[1], [0]]), value=1.5), (2, 3)),
                C(lambda m, a, s: (a * 1.0).scatter_(0, m.tensor(PERM2), s), (3, 4), (2, 4))],
    "scatter_add": [C(lambda m, a, s: m.scatter_add(a, 0, m.tensor(G2), s), (3, 4), (2, 4)),
                    C(lambda m, a, s: a.scatter_add(2, m.tensor([[[0, 0, 1]], [[1, 1, 1]]]), s), (2, 3, 2),
                      (2, 1, 3)),
                    C(lambda m, a, s: (a * 1.0).scatter_add_(0, m.tensor(G2), s * s), (3, 4), (2, 4))],
    "index_select": [C(lambda m, a: m.index_select(a, 0, m.tensor([2, 0, 2])), (3, 4)),
                     C(lambda m, a: a.index_select(-1, m.tensor([1])), (2, 3, 4)),
                     C(lambda m, a: a.index_select(0, m.tensor(1)), (3,))],
    "index_add": [C(lambda m, a, s: m.index_add(a, 0, m.tensor([0, 2, 0]), s), (3, 4), (3, 4)),
                  C(lambda m, a, s: a.index_add(-1, m.tensor([1, 1]), s, alpha=-2.0), (2, 3, 2), (2, 3, 2)),
                  C(lambda m, a, s: (a * 1.0).index_add_(1, m.tensor([3, 0]), s * s), (2, 4), (2, 2))],
    "masked_fill": [C(lambda m, a: m.masked_fill(a, _mask(m), 0.5), (3, 4)),
                    C(lambda m, a: a.masked_fill(_mask(m, (1, 4)), -1.0), (2, 3, 4)),  # a broadcast mask
                    C(lambda m, a, v: a.masked_fill(_mask(m), v.sum()), (3, 4), (2,)),  # a 0-d tensor value
                    C(lambda m, a: (a * 1.0).masked_fill_(_mask(m), 2.0) * a, (3, 4))],
    "masked_select": [C(lambda m, a: m.masked_select(a, _mask(m)), (3, 4)),
                      C(lambda m, a: a.masked_select(_mask(m)), (2, 3, 4)),  # input broadcast to the mask
                      C(lambda m, a: a.masked_select(_mask(m)), (4,))],
    "nonzero": [C(lambda m, a: m.nonzero(a), np.array([[0.0, 1.5, 0.0], [2.0, 0.0, -1.0]]), grad=False),
                C(lambda m, a: a.nonzero(as_tuple=True)[1], np.array([[0.0, 1.5], [2.0, -1.0]]), grad=False),
                C(lambda m, a: m.nonzero(a > 0), (2, 3, 4), grad=False)],
    "argwhere": [C(lambda m, a: m.argwhere(a > 0), (3, 4), grad=False),
                 C(lambda m, a: a.argwhere(), np.array([0.0, 2.0, 0.0, 3.0]), grad=False)],
    "take_along_dim": [C(lambda m, a: m.take_along_dim(a, a.argsort(1), 1), (3, 4)),
                       C(lambda m, a: m.take_along_dim(a, m.tensor([[[0], [2]]]), -1), (3, 2, 4)),  # broadcast
                       C(lambda m, a: a.take_along_dim(m.tensor([5, 0, 5])), (2, 3))],  # flattened
    "one_hot": [C(lambda m, a: m.F.one_hot(a.argmax(1), 5), (3, 4), grad=False),
                C(lambda m, a: m.F.one_hot(m.tensor(COUNTS)) * a.long(), np.array([2.0]), grad=False)],
    "Tensor.repeat": [C(lambda m, a: a.repeat(2, 3), (2, 3)), C(lambda m, a: a.repeat(2, 1, 2), (3,)),
                      C(lambda m, a: a.repeat((1, 2, 1)), (2, 1, 3))],
    "tile": [C(lambda m, a: m.tile(a, (2,)), (2, 3)), C(lambda m, a: a.tile((2, 1, 2)), (2, 3))],
    "repeat_interleave": [C(lambda m, a: m.repeat_interleave(a, 2), (2, 3)),
                          C(lambda m, a: a.repeat_interleave(m.tensor([1, 0, 3]), dim=-1), (2, 3)),
                          C(lambda m, a: m.repeat_interleave(a, 2, dim=0), (2, 3)),
                          C(lambda m, a: m.repeat_interleave(m.tensor([2, 0, 1])) * a.long(), np.array([2.0]),
                            grad=False)],
    "roll": [C(lambda m, a: m.roll(a, 1, 0), (3, 4)), C(lambda m, a: a.roll((-1, 2), (-1, 0)), (2, 3, 4)),
             C(lambda m, a: a.roll(5), (2, 3))],
    "tril": [C(lambda m, a: m.tril(a), (3, 4)), C(lambda m, a: a.tril(-1), (2, 4, 3))],
    "triu": [C(lambda m, a: m.triu(a, 1), (3, 4)), C(lambda m, a: a.triu(-1), (2, 3, 3))],
    "sort": [C(lambda m, a: m.sort(a).values, (3, 4)), C(lambda m, a: a.sort(0, descending=True)[0], (3, 4)),
             C(lambda m, a: a.sort(dim=-2).indices, (2, 3, 4), grad=False),
             C(lambda m, a: m.sort(a, stable=True, descending=True).indices, TIES_STABLE, grad=False)],
    "argsort": [C(lambda m, a: m.argsort(a, 1), (3, 4), grad=False),
                C(lambda m, a: a.argsort(dim=0, descending=True), (3, 4), grad=False)],
    "topk": [C(lambda m, a: m.topk(a, 2).values, (3, 4)), C(lambda m, a: a.topk(2, 0, largest=False)[0], (3, 4)),
             C(lambda m, a: a.topk(3, dim=-1).indices, (2, 5), grad=False),
             C(lambda m, a: m.topk(a, 1, 1).values, (2, 3, 4))],
    "unique": [C(lambda m, a: m.unique(a.detach()), np.array([3.0, 1.0, 3.0, 2.0, 1.0]), grad=False),
               C(lambda m, a: m.unique(a, return_inverse=True)[1], np.array([[3.0, 1.0], [1.0, 2.0]]), grad=False),
               C(lambda m, a: a.unique(return_counts=True)[1], np.array([3.0, 1.0, 3.0, 3.0]), grad=False),
               C(lambda m, a: m.unique(a.detach(), dim=0), np.array([[1.0, 2.0], [0.0, 5.0], [1.0, 2.0]]), grad=False)],
    "hstack": [C(lambda m, a, b: m.hstack([a, b]), (2, 3), (2, 1)), C(lambda m, a, b: m.hstack((a, b)), (2,), (3,))],
    "vstack": [C(lambda m, a, b: m.vstack([a, b]), (2, 3), (1, 3)), C(lambda m, a, b: m.vstack([a, b]), (3,), (3,))],
    "broadcast_tensors": [C(lambda m, a, b: _pair(m, a, b, m.broadcast_tensors), (3, 1), (2, 1, 4))],
    "meshgrid": [C(lambda m, a, b: _pair(m, a, b, lambda x, y: m.meshgrid(x, y, indexing="ij")), (3,), (4,)),
                 C(lambda m, a, b: _pair(m, a, b, lambda x, y: m.meshgrid(x, y, indexing="xy")), (3,), (4,)),
                 C(lambda m, a, b, c: m.meshgrid([a, b, c], indexing="xy")[2] * 1.5, (2,), (3,), (4,))],
}
