"""Every loss module and option against closed forms, and against PyTorch (value and input gradient)."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import autograd_lite as al
from autograd_lite import autograd, nn
from autograd_lite.ops import loss as L

rng = np.random.default_rng(3)
X = rng.standard_normal((5, 4))
Y = rng.standard_normal((5, 4))
P = rng.uniform(0.05, 0.95, (5, 4))
BIN = (rng.uniform(size=(5, 4)) > 0.5).astype(float)
CLS = np.array([0, 3, 1, 1, 2])
CLS_IGN = np.array([0, -100, 1, 3, -100])
W4 = np.array([0.5, 2.0, 1.0, 0.3])
LOGP = X - np.log(np.exp(X).sum(1, keepdims=True))
Q = np.exp(Y) / np.exp(Y).sum(1, keepdims=True)

# (our module, its torch twin by name and kwargs, input, target); weights are passed as tensors
CASES = [
    ("L1Loss", {}, X, Y), ("L1Loss", {"reduction": "sum"}, X, Y), ("L1Loss", {"reduction": "none"}, X, Y),
    ("MSELoss", {"reduction": "none"}, X, Y),
    ("SmoothL1Loss", {}, 2 * X, Y), ("SmoothL1Loss", {"beta": 0.3}, X, Y),
    ("SmoothL1Loss", {"beta": 0.0, "reduction": "sum"}, X, Y), ("SmoothL1Loss", {"beta": 2.5, "reduction": "none"}, X, Y),
    ("HuberLoss", {}, 2 * X, Y), ("HuberLoss", {"delta": 0.4, "reduction": "sum"}, X, Y),
    ("HuberLoss", {"delta": 3.0, "reduction": "none"}, 3 * X, Y),
    ("KLDivLoss", {"reduction": "batchmean"}, LOGP, Q), ("KLDivLoss", {}, LOGP, Q),
    ("KLDivLoss", {"reduction": "sum", "log_target": True}, LOGP, np.log(Q)),
    ("KLDivLoss", {"reduction": "none"}, LOGP, np.where(Q > 0.3, 0.0, Q)),
    ("NLLLoss", {}, LOGP, CLS), ("NLLLoss", {"weight": W4}, LOGP, CLS),
    ("NLLLoss", {"weight": W4, "ignore_index": -100, "reduction": "sum"}, LOGP, CLS_IGN),
    ("NLLLoss", {"ignore_index": 3, "reduction": "none"}, LOGP, CLS),
    ("CrossEntropyLoss", {"weight": W4}, X, CLS), ("CrossEntropyLoss", {"label_smoothing": 0.2}, X, CLS),
    ("CrossEntropyLoss", {"weight": W4, "label_smoothing": 0.1, "ignore_index": -100}, X, CLS_IGN),
    ("CrossEntropyLoss", {"reduction": "none", "ignore_index": 1}, X, CLS),
    ("CrossEntropyLoss", {"label_smoothing": 0.3}, X, Q), ("CrossEntropyLoss", {"weight": W4, "reduction": "sum"}, X, Q),
    ("BCELoss", {}, P, BIN), ("BCELoss", {"weight": W4}, P, BIN), ("BCELoss", {"reduction": "none"}, P, Q),
    ("BCEWithLogitsLoss", {}, X, BIN), ("BCEWithLogitsLoss", {"pos_weight": W4}, X, BIN),
    ("BCEWithLogitsLoss", {"weight": W4[:, None].T.repeat(5, 0), "pos_weight": W4, "reduction": "sum"}, X, Q),
    ("MultiMarginLoss", {"p": 2, "margin": 0.7}, X, CLS), ("MultiMarginLoss", {"weight": W4, "reduction": "none"}, X, CLS),
]
IDS = [f"{name}-{'-'.join(f'{k}' for k in kw) or 'default'}-{i}" for i, (name, kw, _, _) in enumerate(CASES)]


def ours(name, kwargs):
    kw = {k: al.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
    return getattr(nn, name)(**kw)


@pytest.mark.filterwarnings("ignore:reduction. 'mean' divides")  # PyTorch's own KLDivLoss notice
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_loss_module_matches_torch(case):
    torch = pytest.importorskip("torch")
    name, kwargs, x, t = case
    x_ours = al.tensor(x, requires_grad=True)
    out = ours(name, kwargs)(x_ours, al.tensor(t))
    out.sum().backward()
    tkw = {k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
    x_t = torch.tensor(x, requires_grad=True)
    ref = getattr(torch.nn, name)(**tkw)(x_t, torch.tensor(t))
    ref.sum().backward()
    np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(x_ours.grad.data, x_t.grad.numpy(), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("fn, kwargs, x, t", [
    (L.l1_loss, {}, X, Y), (L.smooth_l1_loss, {"beta": 0.5}, X, Y), (L.huber_loss, {"delta": 0.7}, X, Y),
    (L.kl_div, {"reduction": "batchmean"}, LOGP, Q), (L.kl_div, {"log_target": True}, LOGP, np.log(Q)),
])
def test_new_losses_gradcheck_in_input_and_target(fn, kwargs, x, t):
    xs = (al.tensor(x + 0.01, requires_grad=True), al.tensor(t, requires_grad=True))  # off the kinks
    assert autograd.gradcheck(lambda a, b: fn(a, b, **kwargs), xs)


def test_closed_forms_without_torch():
    d = X - Y
    np.testing.assert_allclose(nn.L1Loss()(al.tensor(X), al.tensor(Y)).item(), np.abs(d).mean())
    beta = 0.5
    smooth = np.where(np.abs(d) < beta, 0.5 * d * d / beta, np.abs(d) - 0.5 * beta)
    np.testing.assert_allclose(nn.SmoothL1Loss(beta=beta)(al.tensor(X), al.tensor(Y)).item(), smooth.mean())
    delta = 0.8
    huber = np.where(np.abs(d) < delta, 0.5 * d * d, delta * (np.abs(d) - 0.5 * delta))
    np.testing.assert_allclose(nn.HuberLoss("sum", delta)(al.tensor(X), al.tensor(Y)).item(), huber.sum())
    kl = (Q * (np.log(Q) - LOGP)).sum() / 5
    np.testing.assert_allclose(nn.KLDivLoss("batchmean")(al.tensor(LOGP), al.tensor(Q)).item(), kl)
    zero_target = np.zeros((5, 4))
    assert nn.KLDivLoss("sum")(al.tensor(LOGP), al.tensor(zero_target)).item() == 0.0
    pw = nn.BCEWithLogitsLoss(pos_weight=al.tensor(W4))(al.tensor(X), al.tensor(BIN)).item()
    s = 1 / (1 + np.exp(-X))
    np.testing.assert_allclose(pw, (-(W4 * BIN * np.log(s) + (1 - BIN) * np.log(1 - s))).mean())


def test_weights_are_buffers_in_state_dict_and_follow_to():
    loss = nn.CrossEntropyLoss(weight=al.tensor(W4))
    assert list(loss.state_dict()) == ["weight"]
    bce = nn.BCEWithLogitsLoss(pos_weight=al.tensor(W4))
    assert set(bce.state_dict()) == {"pos_weight"}
    bce.float()
    assert bce.pos_weight.dtype == np.float32
    assert "weight" not in nn.MSELoss().state_dict()


@pytest.mark.parametrize("make, match", [
    (lambda: nn.L1Loss(reduction="avg"), "L1Loss: reduction must be one of 'mean', 'sum', 'none', got 'avg'"),
    (lambda: nn.MSELoss(reduction="batchmean"), "MSELoss: reduction"),
    (lambda: nn.SmoothL1Loss(beta=-1.0), "SmoothL1Loss: beta must be >= 0, got -1.0"),
    (lambda: nn.HuberLoss(delta=0.0), "HuberLoss: delta must be > 0, got 0.0"),
    (lambda: nn.CrossEntropyLoss(label_smoothing=1.5), "label_smoothing must be in \\[0, 1\\], got 1.5"),
    (lambda: nn.MultiMarginLoss(p=3), "only p == 1 and p == 2"),
    (lambda: nn.NLLLoss(weight=[1.0, 2.0]), "weight must be a Tensor or None, got list"),
])
def test_bad_options_raise_naming_the_module(make, match):
    with pytest.raises((ValueError, TypeError), match=match):
        make()


def test_functional_bad_reduction_and_shapes():
    with pytest.raises(ValueError, match="l1_loss: reduction"):
        L.l1_loss(al.tensor(X), al.tensor(Y), reduction="max")
    with pytest.raises(ValueError, match="huber_loss: target of shape \\(3,\\) does not match input of shape"):
        L.huber_loss(al.tensor(X), al.tensor(np.ones(3)))
    with pytest.warns(UserWarning, match="smooth_l1_loss: target of shape \\(4,\\) differs"):
        L.smooth_l1_loss(al.tensor(X), al.tensor(np.ones(4)))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        L.l1_loss(al.tensor(X), al.tensor(Y))  # same shapes: no warning


SIGNS = np.where(rng.uniform(size=5) > 0.5, 1.0, -1.0)
SIGNS_2D = np.where(rng.uniform(size=(5, 4)) > 0.5, 1.0, -1.0)
COUNTS = rng.poisson(2.0, (5, 4)).astype(float)
VAR = rng.uniform(0.2, 2.0, (5, 4))
# (module name, kwargs, arguments: the float arrays among them get gradients)
MULTI = [
    ("PoissonNLLLoss", {}, (X, COUNTS)), ("PoissonNLLLoss", {"log_input": False, "full": True}, (P * 3, COUNTS)),
    ("GaussianNLLLoss", {}, (X, Y, VAR)), ("GaussianNLLLoss", {"full": True, "reduction": "sum"}, (X, Y, VAR[:, :1])),
    ("GaussianNLLLoss", {"reduction": "none", "eps": 0.5}, (X, Y, VAR[:, 0])),
    ("SoftMarginLoss", {}, (X, SIGNS_2D)), ("SoftMarginLoss", {"reduction": "none"}, (X * 30, SIGNS_2D)),
    ("MarginRankingLoss", {"margin": 0.3}, (X[:, 0], Y[:, 0], SIGNS)),
    ("HingeEmbeddingLoss", {}, (np.abs(X), SIGNS_2D)), ("HingeEmbeddingLoss", {"margin": 0.5, "reduction": "sum"},
                                                        (np.abs(X), SIGNS_2D)),
    ("CosineEmbeddingLoss", {}, (X, Y, SIGNS)), ("CosineEmbeddingLoss", {"margin": 0.2, "reduction": "none"},
                                                 (X, Y, SIGNS)),
    ("TripletMarginLoss", {}, (X, Y, P)), ("TripletMarginLoss", {"p": 1.0, "swap": True, "margin": 0.5}, (X, Y, P)),
    ("TripletMarginLoss", {"p": 3.0, "reduction": "none"}, (X, Y, P)),
]


@pytest.mark.parametrize("name, kwargs, args", MULTI, ids=[f"{m[0]}-{i}" for i, m in enumerate(MULTI)])
def test_more_loss_modules_match_torch(name, kwargs, args):
    torch = pytest.importorskip("torch")
    labels = (SIGNS, SIGNS_2D, COUNTS)
    grads = [not any(a is lab for lab in labels) for a in args]
    ours = [al.tensor(a, requires_grad=g) for a, g in zip(args, grads)]
    theirs = [torch.tensor(a, requires_grad=g) for a, g in zip(args, grads)]
    out = getattr(nn, name)(**kwargs)(*ours)
    ref = getattr(torch.nn, name)(**kwargs)(*theirs)
    out.sum().backward()
    ref.sum().backward()
    np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=1e-10, atol=1e-12)
    for o, t, g in zip(ours, theirs, grads):
        if g:
            np.testing.assert_allclose(o.grad.data, t.grad.numpy(), rtol=1e-9, atol=1e-12)


def test_more_losses_closed_forms():
    x1, x2 = al.tensor(X[:, 0]), al.tensor(Y[:, 0])
    np.testing.assert_allclose(nn.MarginRankingLoss(margin=0.3)(x1, x2, al.tensor(SIGNS)).item(),
                               np.maximum(0, -SIGNS * (X[:, 0] - Y[:, 0]) + 0.3).mean())
    np.testing.assert_allclose(nn.SoftMarginLoss("sum")(al.tensor(X), al.tensor(SIGNS_2D)).item(),
                               np.log1p(np.exp(-SIGNS_2D * X)).sum())
    np.testing.assert_allclose(nn.GaussianNLLLoss()(al.tensor(X), al.tensor(Y), al.tensor(VAR)).item(),
                               (0.5 * (np.log(VAR) + (X - Y) ** 2 / VAR)).mean())
    cos = (X * Y).sum(1) / np.sqrt((X * X).sum(1) * (Y * Y).sum(1))
    expected = np.where(SIGNS == 1, 1 - cos, np.maximum(0, cos))
    np.testing.assert_allclose(nn.CosineEmbeddingLoss(reduction="none")(al.tensor(X), al.tensor(Y),
                                                                        al.tensor(SIGNS)).data, expected)
    with pytest.raises(ValueError, match="gaussian_nll_loss: var of shape \\(3,\\) does not fit input"):
        nn.GaussianNLLLoss()(al.tensor(X), al.tensor(Y), al.tensor(np.ones(3)))
    with pytest.raises(ValueError, match="TripletMarginLoss: p must be positive"):
        nn.TripletMarginLoss(p=0)
