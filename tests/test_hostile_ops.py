"""Hostile input to ops and constructors (issue #17, items 5, 7, 8): out-of-range dims raise
PyTorch's IndexError in every op taking dims; degenerate sizes give NaN like PyTorch; tensors
and creation functions refuse non-numeric and complex data and non-integer sizes."""
from __future__ import annotations

import re
import warnings
from datetime import datetime

import numpy as np
import pytest

import autograd_lite as al
import autograd_lite.nn.functional as F

X = al.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
S = al.tensor(2.0, requires_grad=True)  # 0-d

# every op taking a dim, called with dim 5 on the 2-D X: (call, the dim PyTorch reports)
DIM_OPS = {
    "sum": lambda: X.sum(5), "mean": lambda: al.mean(X, dim=(0, 5)), "var": lambda: X.var(5),
    "std": lambda: X.std(5), "logsumexp": lambda: al.logsumexp(X, 5), "amax": lambda: X.amax(5),
    "amin": lambda: X.amin(-5), "max": lambda: X.max(5), "min": lambda: X.min(dim=5),
    "argmax": lambda: X.argmax(5), "argmin": lambda: al.argmin(X, 5), "softmax": lambda: F.softmax(X, 5),
    "log_softmax": lambda: F.log_softmax(X, 5), "transpose": lambda: X.transpose(0, 5),
    "permute": lambda: X.permute(0, 5), "flatten": lambda: X.flatten(5), "squeeze": lambda: X.squeeze(5),
    "unsqueeze": lambda: X.unsqueeze(5), "movedim": lambda: X.movedim(5, 0), "flip": lambda: X.flip(5),
    "cat": lambda: al.cat([X, X], 5), "stack": lambda: al.stack([X, X], 5), "split": lambda: X.split(1, 5),
    "chunk": lambda: X.chunk(2, 5), "diagonal": lambda: X.diagonal(0, 0, 5),
    "vector_norm": lambda: al.linalg.vector_norm(X, dim=5), "matrix_norm": lambda: al.linalg.matrix_norm(X, dim=(0, 5)),
    "norm": lambda: al.linalg.norm(X, dim=5),
}
RANGE = {"unsqueeze": "[-3, 2]", "stack": "[-3, 2]"}  # ops that index the result's dims, one more


@pytest.mark.parametrize("name", DIM_OPS)
def test_every_op_taking_dims_refuses_an_out_of_range_dim_like_pytorch(name):
    got = -5 if name == "amin" else 5
    message = f"Dimension out of range (expected to be in range of {RANGE.get(name, '[-2, 1]')}, but got {got})"
    with pytest.raises(IndexError, match=re.escape(message)) as info:
        DIM_OPS[name]()
    assert re.match(rf"(linalg\.)?(vector_)?{name}: ", str(info.value))  # the op (or the one it calls)
    assert X.grad is None and X.shape == (2, 3)  # nothing computed was touched


def test_transpose_of_a_0d_tensor_accepts_dims_minus_1_and_0_only():
    assert S.transpose(0, -1) is S and S.sum(0).item() == 2.0 and S.max(-1).values.item() == 2.0
    with pytest.raises(IndexError, match=re.escape("expected to be in range of [-1, 0], but got 1")):
        S.transpose(0, 1)
    with pytest.raises(IndexError, match=re.escape("unsqueeze: Dimension out of range (expected to be in range "
                                                   "of [-1, 0], but got 2)")):
        S.unsqueeze(2)


def test_std_of_one_element_is_nan_with_a_warning_and_backward_works():
    x = al.tensor([3.0], requires_grad=True)
    with pytest.warns(RuntimeWarning, match="degrees of freedom is <= 0"):
        s = x.std()
    assert np.isnan(s.item())
    s.backward()  # no ZeroDivisionError; the gradient is NaN, as in PyTorch
    assert x.grad.shape == (1,) and np.isnan(x.grad.data).all()


def test_mean_of_an_empty_tensor_is_nan_without_an_error():
    x = al.zeros(0, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # not NumPy's "Mean of empty slice" either
        m = x.mean()
        m.backward()
    assert np.isnan(m.item()) and x.grad.shape == (0,)
    assert np.isnan(al.zeros(0, 3).mean(0).data).all() and al.zeros(0, 3).mean(1).shape == (0,)


@pytest.mark.parametrize("data", [
    np.array(["a", "b"]), ["a", "b"], np.array([datetime(2020, 1, 1)], dtype="datetime64[D]"),
    np.array([object(), object()]), [[1.0], [1.0, 2.0]], np.array([1 + 2j]), [1 + 2j], np.array([b"x"]),
], ids=["str_array", "str_list", "datetime", "object", "ragged", "complex_array", "complex_list", "bytes"])
def test_tensor_refuses_non_numeric_and_complex_data_in_one_line(data):
    with pytest.raises(TypeError, match=r"^tensor\(\): cannot make a tensor") as info:
        al.tensor(data)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("make", [lambda: al.tensor([1.0], dtype=np.complex128), lambda: al.zeros(2, dtype=complex),
                                  lambda: al.ones(2, dtype="U3"), lambda: al.full((2,), 1.0, dtype=object),
                                  lambda: al.zeros_like(X, dtype=np.complex64), lambda: al.arange(3, dtype=complex)],
                         ids=["tensor", "zeros", "ones", "full", "zeros_like", "arange"])
def test_constructors_refuse_complex_and_non_numeric_dtypes(make):
    with pytest.raises(TypeError, match=r"tensors hold bool, integer or floating-point data"):
        make()


@pytest.mark.parametrize("make,message", [
    (lambda: al.zeros(2.5, 3), r"zeros\(\): size must be a tuple of ints, but found element of type float \(2.5\)"),
    (lambda: al.ones((2, 3.0)), r"ones\(\): size must be a tuple of ints.*float"),
    (lambda: al.randn(True), r"randn\(\): size must be a tuple of ints.*bool"),
    (lambda: al.rand("3"), r"rand\(\): size must be a tuple of ints.*str"),
    (lambda: al.full(2.0, 1.0), r"full\(\): size must be a tuple of ints"),
    (lambda: al.eye(2.5), r"eye\(\): size must be a tuple of ints"),
    (lambda: al.randperm(3.5), r"randperm\(\): size must be a tuple of ints"),
], ids=["zeros", "ones", "randn", "rand", "full", "eye", "randperm"])
def test_creation_refuses_non_integer_sizes_with_a_type_error(make, message):
    with pytest.raises(TypeError, match=message):
        make()


def test_creation_refuses_negative_sizes_and_accepts_numpy_ints():
    with pytest.raises(ValueError, match=r"zeros\(\): size \(2, -1\) has a negative dimension -1"):
        al.zeros(2, -1)
    assert al.zeros(np.int64(2), 3).shape == (2, 3) and al.ones((np.int32(1),)).shape == (1,)


# ----- the API contract (shared/API.md) as users meet it --------------------------------------------
from tests.helpers import assert_clear_error, data, error_text  # noqa: E402


def _x():
    return al.tensor(data(2, 3), requires_grad=True)


BAD_INPUT = {
    "reshape": (lambda: _x().reshape(4, 2), r"reshape.*\(2, 3\).*\(4, 2\)"),
    "matmul": (lambda: _x() @ _x(), r"matmul.*\(2, 3\).*\(2, 3\)"),
    "add_broadcast": (lambda: _x() + al.ones(4), r"add.*\(2, 3\).*\(4,\)"),
    "cat": (lambda: al.cat([_x(), al.ones(3, 2)]), r"cat.*\(2, 3\).*\(3, 2\)"),
    "split": (lambda: al.split(_x(), [1, 1], 1), r"split.*\[1, 1\].*3"),
    "pad": (lambda: al.pad(_x(), (1, 1, 1, 1, 1, 1)), r"pad.*\(1, 1, 1, 1, 1, 1\)"),
    "expand": (lambda: _x().expand(4, 3), r"expand.*\(2, 3\).*\(4, 3\)"),
    "sum_dim": (lambda: _x().sum(dim=3), r"sum: Dimension out of range.*\[-2, 1\].*got 3"),
    "var_dim": (lambda: _x().var(dim=-3), r"var: Dimension out of range.*got -3"),
    "argmax_dim": (lambda: al.argmax(_x(), dim=5), r"argmax: Dimension out of range.*got 5"),
    "index_int": (lambda: _x()[5], r"index.*5.*\(2, 3\)"),
    "index_bool": (lambda: _x()[al.tensor(np.array([True, False, True]))], r"index.*\(2, 3\)"),
    "index_float": (lambda: _x()[al.tensor([0.0])], r"index.*float"),
    "inv_not_square": (lambda: al.linalg.inv(_x()), r"linalg.inv.*\(2, 3\)"),
    "solve_mismatch": (lambda: al.linalg.solve(al.eye(2), al.ones(3, 1)), r"linalg.solve.*\(2, 2\).*\(3, 1\)"),
    "cholesky_not_pd": (lambda: al.linalg.cholesky(-al.eye(2)), r"cholesky.*positive definite"),
    "F_linear": (lambda: F.linear(_x(), al.ones(4, 5)), r"linear.*\(2, 3\).*\(4, 5\)"),
    "F_conv2d": (lambda: F.conv2d(al.ones(1, 3, 5, 5), al.ones(2, 4, 3, 3)), r"conv2d.*\(1, 3, 5, 5\).*\(2, 4, 3, 3\)"),
    "F_conv2d_no_channels": (lambda: F.conv2d(al.ones(2, 0, 5, 5), al.ones(4, 0, 3, 3)),
                             r"conv2d: empty channels.*\(2, 0, 5, 5\).*\(4, 0, 3, 3\)"),
    "F_max_pool2d": (lambda: F.max_pool2d(_x(), 2), r"max_pool2d.*\(2, 3\)"),
    "F_batch_norm": (lambda: F.batch_norm(_x(), al.zeros(2), al.ones(3)), r"batch_norm.*running_mean.*\(3,\).*\(2,\)"),
    "F_layer_norm": (lambda: F.layer_norm(_x(), (4,)), r"layer_norm.*\(4,\).*\(2, 3\)"),
    "F_group_norm": (lambda: F.group_norm(al.ones(2, 6, 2), 4), r"group_norm.*4.*6"),
    "F_dropout": (lambda: F.dropout(_x(), p=1.5), r"dropout.*1.5"),
    "F_softmax": (lambda: F.softmax(_x(), dim=2), r"softmax: Dimension out of range.*got 2"),
    "F_cross_entropy_class": (lambda: F.cross_entropy(_x(), np.array([0, 3])), r"cross_entropy.*3.*3 classes"),
    "F_cross_entropy_shape": (lambda: F.cross_entropy(_x(), np.array([0, 1, 2])), r"cross_entropy.*\(3,\).*\(2, 3\)"),
    "F_cross_entropy_reduction": (lambda: F.cross_entropy(_x(), np.array([0, 1]), reduction="avg"),
                                  r"cross_entropy.*'avg'"),
    "F_nll_loss": (lambda: F.nll_loss(_x(), np.array([0, -2])), r"nll_loss.*-2"),
    "F_mse_loss": (lambda: F.mse_loss(al.ones(3), al.ones(4)), r"mse_loss.*\(4,\).*\(3,\)"),
    "F_bce_values": (lambda: F.binary_cross_entropy(al.tensor([0.5, 2.0]), al.tensor([1.0, 0.0])),
                     r"binary_cross_entropy.*\[0, 1\].*2"),
    "F_bce_logits_shape": (lambda: F.binary_cross_entropy_with_logits(al.ones(3), al.ones(2)),
                           r"binary_cross_entropy_with_logits.*\(2,\).*\(3,\)"),
    "F_multi_margin": (lambda: F.multi_margin_loss(_x(), np.array([0, 3])), r"multi_margin_loss.*3"),
}


@pytest.mark.parametrize("name", BAD_INPUT)
def test_bad_input_gives_a_clear_error(name):
    assert_clear_error(*BAD_INPUT[name])


@pytest.mark.parametrize("bad_call", [
    lambda x, w: x + al.ones(4), lambda x, w: x @ x, lambda x, w: F.linear(x, w.T),
    lambda x, w: x.reshape(7), lambda x, w: F.cross_entropy(x, np.array([0, 9])), lambda x, w: x[:, 7],
    lambda x, w: al.linalg.inv(x), lambda x, w: F.layer_norm(x, (2,), w), lambda x, w: x.sum(dim=(0, 4)),
], ids=["add", "matmul", "linear", "reshape", "cross_entropy", "index", "inv", "layer_norm", "sum"])
def test_a_failed_op_after_backward_leaves_data_and_grad_as_they_were(bad_call):
    x, w = al.tensor(data(2, 3), requires_grad=True), al.tensor(data(4, 3, seed=1), requires_grad=True)
    (x @ w.T).tanh().sum().backward()
    before = [(t.data.copy(), t.grad.data.copy()) for t in (x, w)]
    with pytest.raises(Exception):
        bad_call(x, w)
    for t, (value, grad) in zip((x, w), before):
        assert np.array_equal(t.data, value) and np.array_equal(t.grad.data, grad)


def test_index_error_names_the_op_once():
    with pytest.raises(IndexError) as info:
        al.ones(2, 3)[5]
    message = error_text(info.value)  # the op named once, in the message or in a note
    assert message.count("index: ") == 1 and message.count("(2, 3)") == 1, message


@pytest.mark.parametrize("call", [lambda a: al.exp(a), lambda a: al.sum(a), lambda a: F.relu(a),
                                  lambda a: F.softmax(a, 1), lambda a: al.tensor(1.0, requires_grad=True) * al.exp(a)])
def test_an_op_on_a_numpy_array_names_the_op_and_says_to_wrap_it(call):
    with pytest.raises(TypeError, match=r"^\w+: input 0 must be a Tensor, not numpy.ndarray \(wrap it with al.tensor"):
        call(np.ones((2, 3)))
