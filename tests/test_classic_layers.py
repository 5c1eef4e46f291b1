"""classic.layers / layer_utils against the notebooks' own checks (seeds 002, 004).

Inputs, expected outputs and error thresholds are the notebooks'; a threshold the
notebook states as "around 1e-k" is asserted as < 1e-(k-1).
"""
from __future__ import annotations

import numpy as np
import pytest

from autograd_lite.classic.gradient_check import eval_numerical_gradient, eval_numerical_gradient_array
from autograd_lite.classic.layer_utils import (affine_relu_backward, affine_relu_forward, conv_relu_pool_backward,
                                               conv_relu_pool_forward)
from autograd_lite.classic.layers import (affine_backward, affine_forward, conv_backward_naive, conv_forward_naive,
                                          dropout_backward, dropout_forward, max_pool_backward_naive,
                                          max_pool_forward_naive, relu_backward, relu_forward, softmax_loss,
                                          svm_loss)
from tests.helpers import rel_error


def check_backward(forward, backward, inputs, dout, threshold):
    """Numeric gradient of each input (eval_numerical_gradient_array) vs the engine's backward."""
    _, cache = forward(*inputs)
    analytic = backward(dout, cache)
    analytic = analytic if isinstance(analytic, tuple) else (analytic,)
    for i, grad in enumerate(analytic):
        def f(v, i=i):
            return forward(*inputs[:i], v, *inputs[i + 1:])[0]
        numeric = eval_numerical_gradient_array(f, inputs[i], dout)
        assert grad.shape == np.shape(inputs[i])
        assert rel_error(numeric, grad) < threshold, f"input {i}: {rel_error(numeric, grad)}"


def test_affine_forward_expected_values():
    num_inputs, input_shape, output_dim = 2, (4, 5, 6), 3
    x = np.linspace(-0.1, 0.5, num=num_inputs * np.prod(input_shape)).reshape(num_inputs, *input_shape)
    w = np.linspace(-0.2, 0.3, num=output_dim * np.prod(input_shape)).reshape(np.prod(input_shape), output_dim)
    b = np.linspace(-0.3, 0.1, num=output_dim)
    out, _ = affine_forward(x, w, b)
    correct_out = np.array([[1.49834967, 1.70660132, 1.91485297], [3.25553199, 3.5141327, 3.77273342]])
    assert rel_error(out, correct_out) < 5e-9  # "around e-9 or less"


def test_affine_backward_numeric():
    np.random.seed(231)
    x, w, b, dout = np.random.randn(10, 2, 3), np.random.randn(6, 5), np.random.randn(5), np.random.randn(10, 5)
    check_backward(lambda x, w, b: affine_forward(x, w, b), affine_backward, (x, w, b), dout, 1e-9)


def test_relu_forward_expected_values():
    x = np.linspace(-0.5, 0.5, num=12).reshape(3, 4)
    out, _ = relu_forward(x)
    correct_out = np.array([[0., 0., 0., 0.], [0., 0., 0.04545455, 0.13636364],
                            [0.22727273, 0.31818182, 0.40909091, 0.5]])
    assert rel_error(out, correct_out) < 1e-7  # "on the order of e-8"


def test_relu_backward_numeric():
    np.random.seed(231)
    x = np.random.randn(10, 10)
    dout = np.random.randn(*x.shape)
    check_backward(relu_forward, relu_backward, (x,), dout, 1e-11)  # "order of e-12"


def test_affine_relu_sandwich_numeric():
    np.random.seed(231)
    x, w, b, dout = np.random.randn(2, 3, 4), np.random.randn(12, 10), np.random.randn(10), np.random.randn(2, 10)
    check_backward(affine_relu_forward, affine_relu_backward, (x, w, b), dout, 1e-9)


def test_svm_and_softmax_loss():
    np.random.seed(231)
    num_classes, num_inputs = 10, 50
    x = 0.001 * np.random.randn(num_inputs, num_classes)
    y = np.random.randint(num_classes, size=num_inputs)

    loss, dx = svm_loss(x, y)
    dx_num = eval_numerical_gradient(lambda x: svm_loss(x, y)[0], x, verbose=False)
    assert loss == pytest.approx(8.999602749096233, abs=1e-9)
    assert rel_error(dx_num, dx) < 1e-8  # "around the order of e-9"

    loss, dx = softmax_loss(x, y)
    dx_num = eval_numerical_gradient(lambda x: softmax_loss(x, y)[0], x, verbose=False)
    assert loss == pytest.approx(2.302545844500738, abs=1e-9)
    assert rel_error(dx_num, dx) < 1e-7  # "around e-8"


@pytest.mark.parametrize("p, train_mean, zero_fraction", [
    (0.25, 10.014059116977283, 0.749784), (0.4, 9.977917658761159, 0.600796), (0.7, 9.987811912159426, 0.30074)])
def test_dropout_forward_statistics(p, train_mean, zero_fraction):
    """The notebook's printed statistics, reproduced exactly: p is the KEEP probability, masks from np.random."""
    np.random.seed(231)
    x = np.random.randn(500, 500) + 10
    for earlier in [0.25, 0.4, 0.7]:  # the notebook draws the masks for the p's before this one
        if earlier == p:
            break
        dropout_forward(x, {"mode": "train", "p": earlier})
    out, _ = dropout_forward(x, {"mode": "train", "p": p})
    out_test, _ = dropout_forward(x, {"mode": "test", "p": p})
    assert x.mean() == pytest.approx(10.000207878477502, rel=1e-12)
    assert out.mean() == pytest.approx(train_mean, rel=1e-12)
    assert (out == 0).mean() == pytest.approx(zero_fraction, abs=1e-12)
    assert out_test.mean() == pytest.approx(x.mean(), rel=1e-12)
    assert (out_test == 0).mean() == 0


def test_dropout_backward_numeric():
    np.random.seed(231)
    x = np.random.randn(10, 10) + 10
    dout = np.random.randn(*x.shape)
    dropout_param = {"mode": "train", "p": 0.2, "seed": 123}
    out, cache = dropout_forward(x, dropout_param)
    dx = dropout_backward(dout, cache)
    dx_num = eval_numerical_gradient_array(lambda xx: dropout_forward(xx, dropout_param)[0], x, dout)
    assert rel_error(dx, dx_num) < 1e-9  # "around e-10 or less"
    _, cache = dropout_forward(x, {"mode": "test", "p": 0.2})
    np.testing.assert_array_equal(dropout_backward(dout, cache), dout)


def test_conv_forward_expected_values():
    x_shape, w_shape = (2, 3, 4, 4), (3, 3, 4, 4)
    x = np.linspace(-0.1, 0.5, num=np.prod(x_shape)).reshape(x_shape)
    w = np.linspace(-0.2, 0.3, num=np.prod(w_shape)).reshape(w_shape)
    b = np.linspace(-0.1, 0.2, num=3)
    out, _ = conv_forward_naive(x, w, b, {"stride": 2, "pad": 1})
    correct_out = np.array([[[[-0.08759809, -0.10987781], [-0.18387192, -0.2109216]],
                             [[0.21027089, 0.21661097], [0.22847626, 0.23004637]],
                             [[0.50813986, 0.54309974], [0.64082444, 0.67101435]]],
                            [[[-0.98053589, -1.03143541], [-1.19128892, -1.24695841]],
                             [[0.69108355, 0.66880383], [0.59480972, 0.56776003]],
                             [[2.36270298, 2.36904306], [2.38090835, 2.38247847]]]])
    assert rel_error(out, correct_out) < 1e-7  # "around e-8"


def test_conv_backward_numeric():
    np.random.seed(231)
    x, w, b = np.random.randn(4, 3, 5, 5), np.random.randn(2, 3, 3, 3), np.random.randn(2,)
    dout = np.random.randn(4, 2, 5, 5)
    conv_param = {"stride": 1, "pad": 1}
    check_backward(lambda x, w, b: conv_forward_naive(x, w, b, conv_param), conv_backward_naive, (x, w, b), dout,
                   1e-7)  # "around e-8 or less"


def test_max_pool_forward_expected_values():
    x_shape = (2, 3, 4, 4)
    x = np.linspace(-0.3, 0.4, num=np.prod(x_shape)).reshape(x_shape)
    out, _ = max_pool_forward_naive(x, {"pool_width": 2, "pool_height": 2, "stride": 2})
    correct_out = np.array([[[[-0.26315789, -0.24842105], [-0.20421053, -0.18947368]],
                             [[-0.14526316, -0.13052632], [-0.08631579, -0.07157895]],
                             [[-0.02736842, -0.01263158], [0.03157895, 0.04631579]]],
                            [[[0.09052632, 0.10526316], [0.14947368, 0.16421053]],
                             [[0.20842105, 0.22315789], [0.26736842, 0.28210526]],
                             [[0.32631579, 0.34105263], [0.38526316, 0.4]]]])
    assert rel_error(out, correct_out) < 1e-7  # "on the order of e-8"


def test_max_pool_backward_numeric():
    np.random.seed(231)
    x, dout = np.random.randn(3, 2, 8, 8), np.random.randn(3, 2, 4, 4)
    pool_param = {"pool_height": 2, "pool_width": 2, "stride": 2}
    check_backward(lambda x: max_pool_forward_naive(x, pool_param), max_pool_backward_naive, (x,), dout,
                   1e-11)  # "on the order of e-12"


def test_conv_relu_pool_sandwich_numeric():
    np.random.seed(231)
    x, w, b = np.random.randn(2, 3, 8, 8), np.random.randn(3, 3, 3, 3), np.random.randn(3,)
    dout = np.random.randn(2, 3, 4, 4)
    conv_param, pool_param = {"stride": 1, "pad": 1}, {"pool_height": 2, "pool_width": 2, "stride": 2}
    check_backward(lambda x, w, b: conv_relu_pool_forward(x, w, b, conv_param, pool_param),
                   conv_relu_pool_backward, (x, w, b), dout, 1e-8)


def test_backward_can_run_twice_and_copies():
    """The graph is retained (the batch-norm notebook calls two backwards on one cache); results are fresh arrays."""
    np.random.seed(0)
    x, w, b, dout = np.random.randn(3, 4), np.random.randn(4, 2), np.random.randn(2), np.random.randn(3, 2)
    _, cache = affine_forward(x, w, b)
    first = affine_backward(dout, cache)
    second = affine_backward(dout, cache)
    for a, c in zip(first, second):
        np.testing.assert_array_equal(a, c)
    _, cache = relu_forward(np.abs(x) + 1)
    dx = relu_backward(dout[:, :1].repeat(4, axis=1), cache)
    dx[...] = 0  # the caller owns dx: writing into it changes nothing else
    assert np.any(relu_backward(dout[:, :1].repeat(4, axis=1), cache) != 0)


def test_bad_dout_shape_is_an_error():
    _, cache = relu_forward(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"dout has shape \(3, 2\).*\(2, 3\)"):
        relu_backward(np.ones((3, 2)), cache)
