"""Generated from tests/op_table.py: every registered op, every case — gradchecks (first and
second order, float64, central differences), float32 preservation, `.data` an ndarray, and
PyTorch parity (forward, gradient, second derivative) when torch is installed."""
from __future__ import annotations

import numpy as np
import pytest

import autograd_lite as al
from autograd_lite.ops import registry
from tests.helpers import check_op
from tests.op_table import AL, ROWS, cases, input_arrays, torch_lib

CASES = cases()
IDS = [c[0] for c in CASES]
GRAD = [c for c in CASES if c[2].grad]  # differentiable at the chosen point
FLOAT32 = [c for c in CASES if c[2].float32]  # not an integer cast
TORCH = [c for c in CASES if c[2].torch]  # PyTorch has the same expression


def test_every_registered_op_has_a_row():
    missing = sorted(set(registry.OPS) - set(ROWS))
    unknown = sorted(set(ROWS) - set(registry.OPS))
    assert not missing, f"registered ops without an op-table row: {missing}"
    assert not unknown, f"op-table rows naming no registered op: {unknown}"
    assert all(ROWS[name] for name in ROWS), "every row has at least one case"


# building blocks the op files share, not ops themselves
HELPERS = {"as_tensor", "float_mask", "normalize_index", "expand_back", "sum_rows", "sum_to_shape", "broadcast_view",
           "reduce", "standardize", "require_tensors", "adaptive_output_size", "skewed_staging", "staged"}


def test_every_public_function_of_an_op_file_is_registered():
    import importlib
    import inspect
    import pkgutil

    import autograd_lite.ops as ops
    registered = {op.fn for op in registry.OPS.values()}
    unregistered = []
    for info in pkgutil.iter_modules(ops.__path__):
        if info.name in ("registry", "dims"):
            continue
        module = importlib.import_module(f"autograd_lite.ops.{info.name}")
        unregistered += [f"ops/{info.name}.py: {n}" for n, f in inspect.getmembers(module, inspect.isfunction)
                         if f.__module__ == module.__name__ and not n.startswith("_") and f not in registered
                         and n not in HELPERS]
    assert not unregistered, f"public op functions without a @register declaration: {unregistered}"


def _float_tensors(arrays: list[np.ndarray], dtype: type) -> list[al.Tensor]:
    return [al.tensor(a.astype(dtype), requires_grad=True) for a in arrays]


def _outputs(out) -> list[al.Tensor]:
    return list(out) if isinstance(out, tuple) else [out]


@pytest.mark.parametrize("key,name,case", GRAD, ids=[c[0] for c in GRAD])
def test_gradcheck_first_and_second_order(key, name, case):
    xs = _float_tensors(input_arrays(case, np.random.default_rng(1)), np.float64)
    check_op(lambda *t: case.fn(AL, *t), *xs, order=case.order, atol=case.atol, rtol=case.rtol)


@pytest.mark.parametrize("key,name,case", FLOAT32, ids=[c[0] for c in FLOAT32])
def test_float32_in_float32_out(key, name, case):
    xs = _float_tensors(input_arrays(case, np.random.default_rng(2)), np.float32)
    out = case.fn(AL, *xs)
    for y in _outputs(out):
        if y.dtype.kind == "f" and name not in ("Tensor.double",):
            assert y.dtype == np.float32, f"{key}: float32 inputs gave a {y.dtype} output"
    if out.requires_grad:
        out.sum().backward() if out.ndim else out.backward()
        for x in xs:
            assert x.grad is None or x.grad.dtype == np.float32, f"{key}: a {x.grad.dtype} gradient"


@pytest.mark.parametrize("key,name,case", CASES, ids=IDS)
def test_every_output_and_gradient_holds_an_ndarray(key, name, case):
    xs = _float_tensors(input_arrays(case, np.random.default_rng(3)), np.float64)
    out = case.fn(AL, *xs)
    for y in _outputs(out):
        assert type(y.data) is np.ndarray, f"{key}: .data is {type(y.data).__name__}, shape {y.shape}"
        assert np.asarray(y).shape == y.shape and type(y.detach().numpy()) is np.ndarray
    if out.requires_grad:
        grads = al.grad(out.sum(), xs, allow_unused=True)
        assert all(g is None or type(g.data) is np.ndarray for g in grads), key


@pytest.mark.parametrize("key,name,case", TORCH, ids=[c[0] for c in TORCH])
def test_matches_torch(key, name, case):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(4)
    arrays = input_arrays(case, rng)
    ours = [al.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    out, ref = case.fn(AL, *ours), case.fn(torch_lib(), *theirs)
    assert out.shape == tuple(ref.shape), key
    np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=1e-10, atol=1e-12)
    assert (out.dtype.kind == "f") == ref.dtype.is_floating_point and (out.dtype == bool) == (ref.dtype == torch.bool)
    if not (out.requires_grad and ref.requires_grad):
        assert out.requires_grad == ref.requires_grad, f"{key}: requires_grad differs from PyTorch's"
        return

    upstream = rng.standard_normal(out.shape)
    twice = case.order >= 2
    grads = al.grad(out, ours, al.tensor(upstream), create_graph=twice, allow_unused=True)
    ref_grads = torch.autograd.grad(ref, theirs, torch.tensor(upstream), create_graph=twice, allow_unused=True)
    # through a float32 result PyTorch rounds G to float32 first: agreement to float32 precision
    tol = dict(rtol=1e-9, atol=1e-11) if out.dtype == np.float64 else dict(rtol=1e-5, atol=1e-6)
    for i, (g, rg) in enumerate(zip(grads, ref_grads)):
        want = np.zeros(arrays[i].shape) if rg is None else rg.detach().numpy()
        got = np.zeros(arrays[i].shape) if g is None else g.data
        np.testing.assert_allclose(got, want, **tol, err_msg=f"gradient of input {i}")
    if not twice:
        return
    # second order: d/dx of <grad, v>, for the gradients that still depend on the inputs
    pairs = [(g, rg) for g, rg in zip(grads, ref_grads) if g is not None and g.requires_grad and rg is not None
             and rg.requires_grad]
    if pairs:
        vs = [rng.standard_normal(g.shape) for g, _ in pairs]
        second = al.grad(sum((g * al.tensor(v)).sum() for (g, _), v in zip(pairs, vs)), ours, allow_unused=True)
        ref_second = torch.autograd.grad(sum((rg * torch.tensor(v)).sum() for (_, rg), v in zip(pairs, vs)),
                                         theirs, allow_unused=True)
        for i, (g, rg) in enumerate(zip(second, ref_second)):
            want = np.zeros(arrays[i].shape) if rg is None else rg.numpy()
            got = np.zeros(arrays[i].shape) if g is None else g.data
            np.testing.assert_allclose(got, want, rtol=1e-8, atol=1e-10, err_msg=f"second derivative, input {i}")


# ----- the names API.md lists are the registered ops (or, for the rest, real objects) ------------------------
TOP_LEVEL = ("tensor Tensor set_default_dtype exp log sqrt abs sin cos tanh sigmoid relu maximum minimum where "
             "clamp pow sum mean max min var std logsumexp argmax argmin reshape transpose permute flatten "
             "squeeze unsqueeze expand broadcast_to cat stack split pad flip matmul outer einsum trace diag "
             "diagonal eye logdet no_grad enable_grad is_grad_enabled grad functional linalg check viz nn optim "
             "classic save load").split()
TENSOR_METHODS = ("numpy item detach numel backward requires_grad_ retain_grad register_hook exp log sqrt abs sin "
                  "cos tanh sigmoid relu maximum minimum where clamp pow sum mean max min var std logsumexp argmax "
                  "argmin reshape transpose permute flatten squeeze unsqueeze expand broadcast_to split flip "
                  "matmul outer trace diag diagonal").split()
F_NAMES = ("linear conv2d max_pool2d avg_pool2d batch_norm layer_norm group_norm dropout relu leaky_relu sigmoid "
           "tanh silu swish gelu softmax log_softmax cross_entropy nll_loss mse_loss binary_cross_entropy "
           "binary_cross_entropy_with_logits multi_margin_loss").split()
MODULES = {"functional", "linalg", "check", "viz", "nn", "optim", "classic"}
NOT_OPS = {"tensor", "Tensor", "set_default_dtype", "eye", "no_grad", "enable_grad", "is_grad_enabled", "grad",
           "save", "load"}  # API.md's names that are not ops: constructors, grad mode, I/O


@pytest.mark.parametrize("name", TOP_LEVEL)
def test_api_md_top_level_name(name):
    import inspect
    obj = getattr(al, name)
    if name in MODULES:
        assert inspect.ismodule(obj) and obj.__name__ == f"autograd_lite.{name}"
    elif name in NOT_OPS:
        assert callable(obj) and obj.__module__.startswith("autograd_lite.") and name not in registry.OPS
    else:  # an op: exactly the registered function, documented
        assert obj is registry.namespace("al")[name] and obj.__doc__, name


@pytest.mark.parametrize("name", TENSOR_METHODS)
def test_api_md_tensor_method(name):
    method = getattr(al.Tensor, name)
    ops = {op.method: op.fn for op in registry.OPS.values() if op.method}
    if name in ops:  # set on the class as the op's own function: no wrapper in the call path
        assert method is ops[name]
    else:  # defined in tensor.py's class body
        assert method.__qualname__ == f"Tensor.{name}" and method.__doc__, name


@pytest.mark.parametrize("name", F_NAMES)
def test_api_md_functional_name(name):
    assert getattr(al.nn.functional, name) is registry.namespace("F")[name] and name in al.nn.functional.__all__


@pytest.mark.parametrize("name", "inv det slogdet solve cholesky norm".split())
def test_api_md_linalg_name(name):
    assert getattr(al.linalg, name) is registry.namespace("linalg")[name] and name in al.linalg.__all__


def test_every_namespace_all_lists_exactly_its_registered_ops():
    assert set(registry.namespace("F")) == set(al.nn.functional.__all__)
    assert set(registry.namespace("linalg")) | {"LinAlgError"} == set(al.linalg.__all__)
    assert set(registry.namespace("al")) <= set(al.__all__)
    assert all(getattr(al, n) is f for n, f in registry.namespace("al").items())


def test_every_registered_op_is_documented_and_methods_are_plain_functions():
    import inspect
    for key, op in registry.OPS.items():
        assert op.fn.__doc__, f"{key} has no docstring"
        if op.method:
            assert inspect.isfunction(getattr(al.Tensor, op.method)), key



@pytest.mark.parametrize("key,name,case", GRAD, ids=[c[0] for c in GRAD])
def test_a_backward_that_skips_its_inputs_never_reads_them(key, name, case, monkeypatch):
    """Nodes whose backward does not read its inputs (found from their code, engine.py) keep value-free
    stand-ins of large computed inputs (saving.py); with every input treated as large, gradients stay equal."""
    from autograd_lite import engine, saving
    arrays = input_arrays(case, np.random.default_rng(4))

    def gradients() -> list[np.ndarray]:
        leaves = _float_tensors(arrays, np.float64)
        out = case.fn(AL, *[x * 1.0 for x in leaves])  # computed inputs: the ones that may become stand-ins
        ys = [y for y in _outputs(out) if y.requires_grad]
        weights = [al.tensor(np.random.default_rng(5).standard_normal(y.shape)) for y in ys]
        grads = al.grad(sum((y * w).sum() for y, w in zip(ys, weights)), leaves, allow_unused=True)
        return [np.zeros(x.shape) if g is None else g.data for x, g in zip(leaves, grads)]

    kept = gradients()
    monkeypatch.setattr(saving, "VALUES_KEPT_BELOW", 0)
    monkeypatch.setattr(engine, "_KEPT_BELOW", 0)  # the engine's copy of the limit
    for g, g_standins in zip(kept, gradients()):
        np.testing.assert_array_equal(g_standins, g, err_msg=f"{key}: backward read a stand-in's values")
