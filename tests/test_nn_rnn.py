"""RNN, LSTM, GRU and their cells: closed forms, gradchecks, and PyTorch parity (names, shapes, values, grads)."""
from __future__ import annotations

import numpy as np
import pytest

import autograd_lite as al
from autograd_lite import autograd, nn

rng = np.random.default_rng(8)


def test_rnn_one_layer_closed_form():
    m = nn.RNN(3, 2)
    x = rng.standard_normal((4, 1, 3))
    out, h_n = m(al.tensor(x))
    h = np.zeros(2)
    for t in range(4):
        h = np.tanh(m.weight_ih_l0.data @ x[t, 0] + m.bias_ih_l0.data + m.weight_hh_l0.data @ h + m.bias_hh_l0.data)
        np.testing.assert_allclose(out.data[t, 0], h, rtol=1e-12)
    np.testing.assert_allclose(h_n.data[0, 0], h, rtol=1e-12)
    assert [n for n, _ in m.named_parameters()] == ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"]


@pytest.mark.parametrize("name", ["RNN", "LSTM", "GRU"])
def test_shapes_and_gradcheck(name):
    m = getattr(nn, name)(2, 3, num_layers=2, bidirectional=True)
    out, state = m(al.tensor(rng.standard_normal((4, 5, 2))))
    assert out.shape == (4, 5, 6)
    h_n = state[0] if name == "LSTM" else state
    assert h_n.shape == (4, 5, 3)
    small = getattr(nn, name)(2, 2)
    x = al.tensor(rng.standard_normal((3, 1, 2)), requires_grad=True)
    assert autograd.gradcheck(lambda a: small(a)[0], (x,))


def test_unbatched_input_and_given_state():
    m = nn.LSTM(2, 3)
    x = rng.standard_normal((4, 2))
    h0, c0 = rng.standard_normal((1, 3)), rng.standard_normal((1, 3))
    out, (h, c) = m(al.tensor(x), (al.tensor(h0), al.tensor(c0)))
    out_b, (h_b, c_b) = m(al.tensor(x[:, None]), (al.tensor(h0[:, None]), al.tensor(c0[:, None])))
    assert out.shape == (4, 3) and h.shape == (1, 3)
    np.testing.assert_allclose(out.data, out_b.data[:, 0])
    np.testing.assert_allclose(c.data, c_b.data[:, 0])


@pytest.mark.parametrize("make, err, match", [
    (lambda: nn.LSTM(0, 3), ValueError, "LSTM: input_size must be positive, got 0"),
    (lambda: nn.GRU(2, 3.0), TypeError, "GRU: hidden_size must be an integer, got 3.0"),
    (lambda: nn.RNN(2, 3, nonlinearity="sigmoid"), ValueError, "unknown nonlinearity 'sigmoid'"),
    (lambda: nn.RNN(2, 3, dropout=1.5), ValueError, "RNN: dropout must be a probability"),
    (lambda: nn.LSTM(2, 3)(al.tensor(np.ones((4, 1, 5)))), ValueError, "LSTM: expected input \\(L, N, 2\\)"),
    (lambda: nn.GRU(2, 3)(al.tensor(np.ones((4, 1, 2))), al.tensor(np.ones((2, 1, 3)))), ValueError,
     "GRU: expected hidden state of shape \\(1, 1, 3\\), got \\(2, 1, 3\\)"),
    (lambda: nn.LSTM(2, 3)(al.tensor(np.ones((4, 1, 2))), al.tensor(np.ones((1, 1, 3)))), ValueError,
     "hx must be a tuple \\(h_0, c_0\\)"),
])
def test_bad_arguments(make, err, match):
    with pytest.raises(err, match=match):
        make()


def copy_weights(ours, theirs, torch):
    with torch.no_grad():
        for (n, p), (m, q) in zip(ours.named_parameters(), theirs.named_parameters()):
            assert n == m
            q.copy_(torch.tensor(p.data))


@pytest.mark.parametrize("name", ["RNN", "LSTM", "GRU"])
@pytest.mark.parametrize("kwargs", [{}, {"num_layers": 2, "bidirectional": True, "batch_first": True},
                                    {"bias": False, "num_layers": 3}])
def test_matches_torch(name, kwargs):
    torch = pytest.importorskip("torch")
    ours, theirs = getattr(nn, name)(3, 4, **kwargs), getattr(torch.nn, name)(3, 4, **kwargs).double()
    copy_weights(ours, theirs, torch)
    assert repr(ours) == repr(theirs)
    x = rng.standard_normal((5, 2, 3))
    ox, tx = al.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    (oo, os_), (to, ts) = ours(ox), theirs(tx)
    oh, th = (os_[1], ts[1]) if name == "LSTM" else (os_, ts)
    (oo.sum() + (oh * oh).sum()).backward()
    (to.sum() + (th * th).sum()).backward()
    np.testing.assert_allclose(oo.data, to.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(oh.data, th.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(ox.grad.data, tx.grad.numpy(), rtol=1e-9, atol=1e-12)
    for (n, p), (_, q) in zip(ours.named_parameters(), theirs.named_parameters()):
        np.testing.assert_allclose(p.grad.data, q.grad.numpy(), rtol=1e-9, atol=1e-12, err_msg=n)


@pytest.mark.parametrize("name", ["RNNCell", "LSTMCell", "GRUCell"])
def test_cells_match_torch(name):
    torch = pytest.importorskip("torch")
    ours, theirs = getattr(nn, name)(3, 2), getattr(torch.nn, name)(3, 2).double()
    copy_weights(ours, theirs, torch)
    assert repr(ours) == repr(theirs)
    x = rng.standard_normal((4, 3))
    h = rng.standard_normal((4, 2))
    state_o = (al.tensor(h), al.tensor(h * 0.5)) if name == "LSTMCell" else al.tensor(h)
    state_t = (torch.tensor(h), torch.tensor(h * 0.5)) if name == "LSTMCell" else torch.tensor(h)
    o, t = ours(al.tensor(x), state_o), theirs(torch.tensor(x), state_t)
    o, t = (o[1], t[1]) if name == "LSTMCell" else (o, t)
    np.testing.assert_allclose(o.data, t.detach().numpy(), rtol=1e-12)
    unbatched = ours(al.tensor(x[0]))
    assert (unbatched[0] if name == "LSTMCell" else unbatched).shape == (2,)
