"""Every core op against PyTorch (CPU, float64): forward values, gradients for a
random upstream gradient, and second derivatives. Skipped when torch is absent.

Each case is `fn(lib, *xs)` run once with lib = autograd_lite and once with
lib = torch, so the table reads as one expression per op; `T` maps the few
names that differ (F.pad)."""
from __future__ import annotations

import numpy as np
import pytest

import autograd_lite as al

torch = pytest.importorskip("torch")


class T:
    """Name differences: autograd_lite's spelling -> the PyTorch call."""
    pad = staticmethod(lambda x, *a, **k: torch.nn.functional.pad(x, *a, **k))


def L(lib):
    return T if lib is torch else lib


R = np.random.default_rng(2024)
TIES = np.array([[1.0, 3.0, 3.0, 0.0], [2.0, 2.0, -1.0, 2.0], [0.0, 0.0, 5.0, 5.0]])

# name -> (fn(lib, *xs), input arrays)
CASES = {
    # operators and elementwise
    "add_broadcast": (lambda m, a, b: a + b, [(2, 3, 4), (3, 1)]),
    "sub_broadcast": (lambda m, a, b: a - b, [(4,), (2, 4)]),
    "mul_broadcast": (lambda m, a, b: a * b, [(2, 1, 4), (3, 1)]),
    "div_broadcast": (lambda m, a, b: a / b, [(2, 3), "pos(3,)"]),
    "pow_tensor": (lambda m, a, b: a ** b, ["pos(2, 3)", (3,)]),
    "pow_scalar": (lambda m, a: a ** 3 + a ** 2 + 1.5 ** a, [(5,)]),
    "pow_fractional": (lambda m, a: a ** 0.5 + a ** -1.5, ["pos(5,)"]),
    "neg_and_scalars": (lambda m, a: 2.0 - (-a) * 3.0 + 1.0 / (a + 5.0), [(2, 3)]),
    "exp": (lambda m, a: m.exp(a), [(2, 3)]),
    "log": (lambda m, a: m.log(a), ["pos(2, 3)"]),
    "sqrt": (lambda m, a: m.sqrt(a), ["pos(2, 3)"]),
    "abs": (lambda m, a: m.abs(a), [np.array([-2.0, 0.0, 1.5])]),
    "sin": (lambda m, a: m.sin(a), [(2, 3)]),
    "cos": (lambda m, a: m.cos(a), [(2, 3)]),
    "tanh": (lambda m, a: m.tanh(a), [(2, 3)]),
    "sigmoid": (lambda m, a: m.sigmoid(a), [np.array([-50.0, -1.0, 0.0, 2.0, 40.0])]),
    "relu": (lambda m, a: m.relu(a), [np.array([-1.0, 0.0, 0.5])]),
    "maximum_ties": (lambda m, a, b: m.maximum(a, b), [np.array([1.0, 2.0, 3.0]), np.array([1.0, 5.0, 0.0])]),
    "minimum_ties": (lambda m, a, b: m.minimum(a, b), [np.array([1.0, 2.0, 3.0]), np.array([1.0, 5.0, 0.0])]),
    "maximum_broadcast": (lambda m, a, b: m.maximum(a, b), [(2, 3), (3,)]),
    "where": (lambda m, a, b: m.where(a > 0, a, b), [(2, 3), (3,)]),
    "clamp": (lambda m, a: m.clamp(a, -0.5, 0.5), [np.array([-1.0, -0.5, 0.0, 0.5, 1.0])]),
    "clamp_min": (lambda m, a: a.clamp(min=0.0), [np.array([-1.0, 0.0, 2.0])]),
    "clamp_tensor_bounds": (lambda m, a, lo, hi: m.clamp(a, lo, hi),
                            [np.array([[-1.0, 0.0, 2.0], [1.0, 3.0, 0.5]]), np.array([-0.5, 0.0, 0.0]), np.array([2.5])]),
    "sum_empty_dims": (lambda m, a: m.sum(a, ()), [(2, 3)]),
    # reductions
    "sum_all": (lambda m, a: m.sum(a), [(2, 3)]),
    "sum_dims_keepdim": (lambda m, a: a.sum((0, 2), keepdim=True), [(2, 3, 4)]),
    "mean_dim": (lambda m, a: m.mean(a, -1), [(2, 3, 4)]),
    "amax_ties_dim": (lambda m, a: m.amax(a, 1), [TIES]),
    "max_ties_all": (lambda m, a: m.max(a), [TIES]),
    "amin_ties_dim0": (lambda m, a: m.amin(a, 0, keepdim=True), [TIES]),
    "max_dim_values": (lambda m, a: m.max(a, 1).values, [TIES]),
    "min_dim_values_keepdim": (lambda m, a: a.min(0, keepdim=True)[0], [TIES]),
    "var_default": (lambda m, a: m.var(a, 1), [(3, 4)]),
    "var_correction0": (lambda m, a: m.var(a, (0, 1), correction=0), [(3, 4)]),
    "std_correction2": (lambda m, a: m.std(a, 0, correction=2, keepdim=True), [(5, 3)]),
    "logsumexp": (lambda m, a: m.logsumexp(a, 1), [(3, 4)]),
    "logsumexp_large": (lambda m, a: m.logsumexp(a * 1000.0, (0, 1)), [(2, 3)]),
    # shape
    "reshape": (lambda m, a: a.reshape(4, -1), [(2, 3, 2)]),
    "transpose": (lambda m, a: m.transpose(a, 0, 2), [(2, 3, 4)]),
    "permute": (lambda m, a: a.permute(2, 0, 1), [(2, 3, 4)]),
    "flatten": (lambda m, a: m.flatten(a, 1), [(2, 3, 4)]),
    "squeeze_unsqueeze": (lambda m, a: m.unsqueeze(m.squeeze(a, 1), -1), [(2, 1, 3)]),
    "expand": (lambda m, a: a.expand(2, -1, 4), [(3, 1)]),
    "broadcast_to": (lambda m, a: m.broadcast_to(a, (2, 3)), [(3,)]),
    "cat": (lambda m, a, b: m.cat([a, b], 1), [(2, 3), (2, 1)]),
    "stack": (lambda m, a, b: m.stack([a, b], -1), [(2, 3), (2, 3)]),
    "split_sizes": (lambda m, a: m.split(a, [1, 3], 1)[1] * 2.0, [(2, 4)]),
    "split_int": (lambda m, a: m.split(a, 2, 0)[-1], [(5, 2)]),
    "pad": (lambda m, a: L(m).pad(a, (1, 2, 0, 1)), [(2, 3)]),
    "pad_negative": (lambda m, a: L(m).pad(a, (-1, 1)), [(2, 4)]),
    "pad_value": (lambda m, a: L(m).pad(a, (2, 0), value=3.0), [(3,)]),
    "flip": (lambda m, a: m.flip(a, (0, 2)), [(2, 3, 4)]),
    # indexing
    "index_basic": (lambda m, a: a[1, :, 1:3], [(2, 3, 4)]),
    "index_ellipsis_none": (lambda m, a: a[..., None, 0], [(2, 3)]),
    "index_repeated": (lambda m, a: a[[0, 2, 0, 0]], [(3, 2)]),
    "index_two_arrays": (lambda m, a: a[[0, 1, 1], [2, 0, 2]], [(2, 3)]),
    "index_bool": (lambda m, a: a[a > 0], [(3, 4)]),
    "index_negative": (lambda m, a: a[-1, -2:], [(3, 4)]),
    # matrix
    "matmul_2d": (lambda m, a, b: a @ b, [(2, 3), (3, 4)]),
    "matmul_vec_vec": (lambda m, a, b: m.matmul(a, b), [(3,), (3,)]),
    "matmul_vec_mat": (lambda m, a, b: a @ b, [(3,), (3, 2)]),
    "matmul_mat_vec": (lambda m, a, b: a @ b, [(2, 3), (3,)]),
    "matmul_batched": (lambda m, a, b: a @ b, [(4, 2, 3), (4, 3, 2)]),
    "matmul_broadcast": (lambda m, a, b: a @ b, [(2, 1, 2, 3), (4, 3, 2)]),
    "matmul_vec_batch": (lambda m, a, b: a @ b, [(3,), (4, 3, 2)]),
    "outer": (lambda m, a, b: m.outer(a, b), [(3,), (4,)]),
    "einsum_matmul": (lambda m, a, b: m.einsum("ij,jk->ik", a, b), [(2, 3), (3, 4)]),
    "einsum_ellipsis": (lambda m, a, b: m.einsum("...ij,...jk->...ik", a, b), [(2, 2, 3), (2, 3, 2)]),
    "einsum_trace": (lambda m, a: m.einsum("ii->", a), [(3, 3)]),
    "einsum_diagonal": (lambda m, a: m.einsum("ii->i", a), [(3, 3)]),
    "einsum_implicit": (lambda m, a, b: m.einsum("ba,ca", a, b), [(2, 3), (4, 3)]),
    "trace": (lambda m, a: m.trace(a), [(3, 4)]),
    "diag_vector": (lambda m, a: m.diag(a, 1), [(3,)]),
    "diag_matrix": (lambda m, a: m.diag(a, -1), [(4, 3)]),
    "diagonal": (lambda m, a: m.diagonal(a, 0, 1, 2), [(2, 3, 3)]),
    "diagonal_offset": (lambda m, a: a.diagonal(1, -1, 0), [(3, 4)]),
}


def _inputs(specs):
    arrays = []
    for s in specs:
        if isinstance(s, np.ndarray):
            arrays.append(s.copy())
        elif isinstance(s, str):  # "pos(shape)": positive values
            arrays.append(R.uniform(0.5, 2.0, eval(s[3:])))
        else:
            arrays.append(R.standard_normal(s))
    return arrays


@pytest.mark.parametrize("name", CASES)
def test_matches_torch(name):
    fn, specs = CASES[name]
    arrays = _inputs(specs)
    ours = [al.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    out, ref = fn(al, *ours), fn(torch, *theirs)
    assert out.shape == tuple(ref.shape)
    np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=1e-10, atol=1e-12)

    upstream = R.standard_normal(out.shape)
    grads = al.grad(out, ours, al.tensor(upstream), create_graph=True, allow_unused=True)
    ref_grads = torch.autograd.grad(ref, theirs, torch.tensor(upstream), create_graph=True, allow_unused=True)
    for i, (g, rg) in enumerate(zip(grads, ref_grads)):
        want = np.zeros(arrays[i].shape) if rg is None else rg.detach().numpy()
        got = np.zeros(arrays[i].shape) if g is None else g.data
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12, err_msg=f"gradient of input {i}")

    # second order: d/dx of <grad, v>, for the gradients that still depend on the inputs
    pairs = [(g, rg) for g, rg in zip(grads, ref_grads) if g is not None and g.requires_grad and rg is not None
             and rg.requires_grad]
    if pairs:
        vs = [R.standard_normal(g.shape) for g, _ in pairs]
        second = al.grad(sum((g * al.tensor(v)).sum() for (g, _), v in zip(pairs, vs)), ours, allow_unused=True)
        ref_second = torch.autograd.grad(sum((rg * torch.tensor(v)).sum() for (_, rg), v in zip(pairs, vs)),
                                         theirs, allow_unused=True)
        for i, (g, rg) in enumerate(zip(second, ref_second)):
            want = np.zeros(arrays[i].shape) if rg is None else rg.numpy()
            got = np.zeros(arrays[i].shape) if g is None else g.data
            np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-11, err_msg=f"second derivative, input {i}")


def test_setitem_gradient_matches_torch():
    x_np, v_np = R.standard_normal((3, 4)), R.standard_normal(4)

    def run(lib, x, v):
        y = x * 2.0
        y[1] = v * 3.0
        y[:, 0] = 0.0
        return (y * y).sum()
    ours = [al.tensor(x_np, requires_grad=True), al.tensor(v_np, requires_grad=True)]
    theirs = [torch.tensor(x_np, requires_grad=True), torch.tensor(v_np, requires_grad=True)]
    run(al, *ours).backward()
    run(torch, *theirs).backward()
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.grad.data, b.grad.numpy(), rtol=1e-12)


def test_accumulation_and_hooks_match_torch():
    x_np = R.standard_normal(3)
    results = []
    for lib in (al, torch):
        x = lib.tensor(x_np, requires_grad=True)
        y = x * 2.0
        y.register_hook(lambda g: g * 3.0)
        y.retain_grad()
        (y * y).sum().backward(retain_graph=True)
        (y ** 3).sum().backward()
        results.append((x.grad.numpy() if lib is torch else x.grad.data,
                        y.grad.numpy() if lib is torch else y.grad.data))
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12)


def test_var_std_defaults_match_torch():
    a = R.standard_normal((4, 5))
    for fn in ("var", "std"):
        for kwargs in ({}, {"dim": 1}, {"dim": 0, "unbiased": False}, {"dim": (0, 1), "keepdim": True}):
            ours = getattr(al, fn)(al.tensor(a), **kwargs)
            theirs = getattr(torch, fn)(torch.tensor(a), **kwargs)
            np.testing.assert_allclose(ours.data, theirs.numpy(), rtol=1e-12, err_msg=f"{fn} {kwargs}")


def test_creation_dtypes_match_torch_defaults():
    assert al.arange(5).dtype == np.int64 and torch.arange(5).dtype == torch.int64
    assert al.arange(0.0, 1.0, 0.25).shape == tuple(torch.arange(0.0, 1.0, 0.25).shape)
    np.testing.assert_allclose(al.linspace(-1, 1, 7).data, torch.linspace(-1, 1, 7, dtype=torch.float64).numpy(), atol=1e-15)
    np.testing.assert_array_equal(al.eye(3, 4).data, torch.eye(3, 4).numpy())
