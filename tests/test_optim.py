"""Optimizers and schedulers: PyTorch's exact update rules and lr sequences, state_dict round trips."""
from __future__ import annotations

import copy

import numpy as np
import pytest

import autograd_lite as al
import autograd_lite.optim as optim
from autograd_lite.optim import lr_scheduler
from tests.helpers import torch_or_skip

CONFIGS = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.9)),
    ("SGD", dict(lr=0.1, momentum=0.9, dampening=0.3, weight_decay=0.01)),
    ("SGD", dict(lr=0.05, momentum=0.8, nesterov=True, weight_decay=0.1)),
    ("SGD", dict(lr=0.05, momentum=0.5, maximize=True)),
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, alpha=0.9, momentum=0.5, centered=True, weight_decay=0.1)),
    ("Adam", dict(lr=0.01)),
    ("Adam", dict(lr=0.01, betas=(0.8, 0.99), weight_decay=0.1, amsgrad=True)),
    ("AdamW", dict(lr=0.01)),
    ("AdamW", dict(lr=0.02, weight_decay=0.3, amsgrad=True)),
    ("Adagrad", dict(lr=0.1)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.01, weight_decay=0.05, initial_accumulator_value=0.1)),
]


def _grads(step: int, shapes: list[tuple[int, ...]]) -> list[np.ndarray]:
    rng = np.random.default_rng(100 + step)
    return [rng.standard_normal(s) for s in shapes]


@pytest.mark.parametrize("name,kwargs", CONFIGS, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CONFIGS)])
def test_five_steps_match_pytorch(name: str, kwargs: dict) -> None:
    torch = torch_or_skip()
    shapes = [(3, 4), (4,)]
    start = [np.random.default_rng(i).standard_normal(s) for i, s in enumerate(shapes)]
    ours = [al.tensor(a, requires_grad=True) for a in start]
    theirs = [torch.tensor(a, requires_grad=True) for a in start]
    opt = getattr(optim, name)(ours, **kwargs)
    topt = getattr(torch.optim, name)(theirs, **kwargs)
    for step in range(5):
        grads = _grads(step, shapes)
        for p, tp, g in zip(ours, theirs, grads):
            p.grad, tp.grad = al.tensor(g), torch.tensor(g)
        opt.step()
        topt.step()
        for p, tp in zip(ours, theirs):
            np.testing.assert_allclose(p.data, tp.detach().numpy(), rtol=1e-10, atol=1e-12)


def test_param_groups_have_their_own_hyperparameters() -> None:
    a, b = al.tensor([1.0], requires_grad=True), al.tensor([1.0], requires_grad=True)
    opt = optim.SGD([{"params": [a]}, {"params": [b], "lr": 1.0}], lr=0.1)
    a.grad, b.grad = al.tensor([1.0]), al.tensor([1.0])
    opt.step()
    assert a.data[0] == pytest.approx(0.9) and b.data[0] == pytest.approx(0.0)
    with pytest.raises(ValueError, match="lr"):
        optim.SGD([{"params": [a]}])  # SGD's lr has no default


def test_parameters_without_grad_are_skipped_and_update_in_place() -> None:
    a, b = al.tensor([1.0, 2.0], requires_grad=True), al.tensor([3.0], requires_grad=True)
    array = a.data
    opt = optim.Adam([a, b], lr=0.1)
    a.grad = al.tensor([1.0, -1.0])
    opt.step()
    assert a.data is array and b.data[0] == 3.0 and b not in opt.state


@pytest.mark.parametrize("set_to_none", [True, False])
def test_zero_grad(set_to_none: bool) -> None:
    p = al.tensor([1.0, 2.0], requires_grad=True)
    (p * p).sum().backward()
    opt = optim.SGD([p], lr=0.1)
    opt.zero_grad(set_to_none=set_to_none)
    assert p.grad is None if set_to_none else np.array_equal(p.grad.data, [0.0, 0.0])


def test_zero_grad_defaults_to_none() -> None:
    p = al.tensor([1.0], requires_grad=True)
    p.grad = al.tensor([2.0])
    optim.SGD([p], lr=0.1).zero_grad()
    assert p.grad is None


@pytest.mark.parametrize("name,kwargs", [c for c in CONFIGS if c[0] != "SGD" or "momentum" in c[1]],
                         ids=lambda v: v if isinstance(v, str) else "")
def test_state_dict_is_a_snapshot_and_round_trips(name: str, kwargs: dict, tmp_path) -> None:
    def run(opt, params, steps):
        for s in range(steps):
            for p, g in zip(params, _grads(s, [p.shape for p in params])):
                p.grad = al.tensor(g)
            opt.step()

    params = [al.tensor(np.ones((2, 3)), requires_grad=True)]
    opt = getattr(optim, name)(params, **kwargs)
    run(opt, params, 3)
    saved = opt.state_dict()
    frozen = copy.deepcopy(saved)
    run(opt, params, 1)  # the snapshot must not follow later steps
    for key, value in saved["state"][0].items():
        np.testing.assert_array_equal(value, frozen["state"][0][key])

    al.save(saved, tmp_path / "opt.npz")
    clone = [al.tensor(np.ones((2, 3)), requires_grad=True)]
    opt2 = getattr(optim, name)(clone, **kwargs)
    run(opt2, clone, 3)
    opt2.load_state_dict(al.load(tmp_path / "opt.npz"))
    run(opt2, clone, 1)
    np.testing.assert_allclose(clone[0].data, params[0].data, rtol=1e-12)


def test_load_state_dict_rejects_mismatched_shapes() -> None:
    p = al.tensor(np.ones(3), requires_grad=True)
    opt = optim.Adam([p])
    p.grad = al.tensor(np.ones(3))
    opt.step()
    q = al.tensor(np.ones(4), requires_grad=True)
    other = optim.Adam([q])
    with pytest.raises(ValueError, match="shape"):
        other.load_state_dict(opt.state_dict())
    assert other.state == {}


# ----- schedulers ---------------------------------------------------------------

def _pair(torch, sgd_kwargs):
    p = al.tensor([1.0], requires_grad=True)
    tp = torch.tensor([1.0], requires_grad=True)
    return optim.SGD([p], **sgd_kwargs), torch.optim.SGD([tp], **sgd_kwargs)


SCHEDULES = [
    ("StepLR", dict(step_size=3, gamma=0.5), {}),
    ("ExponentialLR", dict(gamma=0.9), {}),
    ("CosineAnnealingLR", dict(T_max=7, eta_min=0.01), {}),
    ("CyclicLR", dict(base_lr=0.01, max_lr=0.1, step_size_up=4), dict(momentum=0.9)),
    ("CyclicLR", dict(base_lr=0.01, max_lr=0.1, step_size_up=3, step_size_down=5, mode="triangular2"),
     dict(momentum=0.9)),
    ("CyclicLR", dict(base_lr=0.01, max_lr=0.1, step_size_up=2, mode="exp_range", gamma=0.9,
                      cycle_momentum=False), {}),
    ("MultiStepLR", dict(milestones=[3, 8, 8, 15], gamma=0.5), {}),
    ("LinearLR", dict(start_factor=0.25, end_factor=0.9, total_iters=6), {}),
    ("LinearLR", dict(), dict(momentum=0.9)),
    ("LambdaLR", dict(lr_lambda=lambda epoch: 0.95 ** epoch / (1 + epoch % 3)), {}),
    ("OneCycleLR", dict(max_lr=0.5, total_steps=30), dict(momentum=0.9)),
    ("OneCycleLR", dict(max_lr=0.5, epochs=6, steps_per_epoch=5, pct_start=0.4, anneal_strategy="linear",
                        three_phase=True, div_factor=10.0, final_div_factor=100.0), dict(momentum=0.9)),
    ("OneCycleLR", dict(max_lr=0.5, total_steps=30, cycle_momentum=False), {}),
]


@pytest.mark.parametrize("name,kwargs,opt_kwargs", SCHEDULES, ids=[f"{s[0]}-{i}" for i, s in enumerate(SCHEDULES)])
def test_lr_sequence_matches_pytorch(name: str, kwargs: dict, opt_kwargs: dict) -> None:
    torch = torch_or_skip()
    opt, topt = _pair(torch, dict(lr=0.1, **opt_kwargs))
    sched = getattr(lr_scheduler, name)(opt, **kwargs)
    tsched = getattr(torch.optim.lr_scheduler, name)(topt, **kwargs)
    for _ in range(25):
        assert sched.get_last_lr() == pytest.approx(tsched.get_last_lr(), rel=1e-12)
        assert opt.param_groups[0]["momentum"] == pytest.approx(topt.param_groups[0]["momentum"], rel=1e-12)
        opt.step()
        topt.step()
        sched.step()
        tsched.step()


def test_cyclic_lr_cycles_adam_beta1_like_pytorch() -> None:
    torch = torch_or_skip()
    p, tp = al.tensor([1.0], requires_grad=True), torch.tensor([1.0], requires_grad=True)
    opt, topt = optim.Adam([p]), torch.optim.Adam([tp])
    sched = lr_scheduler.CyclicLR(opt, 1e-4, 1e-2, step_size_up=3)
    tsched = torch.optim.lr_scheduler.CyclicLR(topt, 1e-4, 1e-2, step_size_up=3)
    for _ in range(10):
        opt.step()
        topt.step()
        sched.step()
        tsched.step()
        assert opt.param_groups[0]["betas"][0] == pytest.approx(topt.param_groups[0]["betas"][0], rel=1e-12)
        assert sched.get_last_lr() == pytest.approx(tsched.get_last_lr(), rel=1e-12)


def test_cyclic_lr_is_the_homework_triangle() -> None:
    """The k-layer homework's formula: up from eta_min to eta_max in n_s steps, then down."""
    def homework(eta_min, eta_max, n_s, t):
        cycle = t // (2 * n_s)
        if 2 * cycle * n_s <= t <= (2 * cycle + 1) * n_s:
            return eta_min + (t - 2 * cycle * n_s) / n_s * (eta_max - eta_min)
        return eta_max - (t - (2 * cycle + 1) * n_s) / n_s * (eta_max - eta_min)

    opt = optim.SGD([al.tensor([0.0], requires_grad=True)], lr=1.0)
    sched = lr_scheduler.CyclicLR(opt, 1e-5, 1e-1, step_size_up=5, cycle_momentum=False)
    for t in range(30):
        assert opt.param_groups[0]["lr"] == pytest.approx(homework(1e-5, 1e-1, 5, t), rel=1e-9)
        sched.step()


def test_cyclic_lr_needs_momentum_to_cycle_it() -> None:
    opt = optim.Adagrad([al.tensor([0.0], requires_grad=True)])
    with pytest.raises(ValueError, match="momentum"):
        lr_scheduler.CyclicLR(opt, 0.01, 0.1)


@pytest.mark.parametrize("name,kwargs,opt_kwargs", SCHEDULES, ids=[f"{s[0]}-{i}" for i, s in enumerate(SCHEDULES)])
def test_scheduler_state_dict_resumes(name: str, kwargs: dict, opt_kwargs: dict, tmp_path) -> None:
    def make():
        opt = optim.SGD([al.tensor([1.0], requires_grad=True)], lr=0.1, **opt_kwargs)
        return opt, getattr(lr_scheduler, name)(opt, **kwargs)

    opt, sched = make()
    for _ in range(7):
        sched.step()
    al.save({"opt": opt.state_dict(), "sched": sched.state_dict()}, tmp_path / "s.npz")
    expected = []
    for _ in range(5):
        sched.step()
        expected.append(sched.get_last_lr()[0])
    opt2, sched2 = make()
    saved = al.load(tmp_path / "s.npz")
    opt2.load_state_dict(saved["opt"])
    sched2.load_state_dict(saved["sched"])
    got = []
    for _ in range(5):
        sched2.step()
        got.append(sched2.get_last_lr()[0])
    assert got == pytest.approx(expected, rel=1e-12)


SGD_CONFIGS = [dict(lr=1e-3), dict(lr=0.1, momentum=0.9), dict(lr=0.05, momentum=0.8, nesterov=True, weight_decay=0.1),
               dict(lr=0.1, momentum=0.9, dampening=0.3, weight_decay=0.01, maximize=True)]


@pytest.mark.parametrize("kwargs", SGD_CONFIGS, ids=[f"sgd-{i}" for i in range(len(SGD_CONFIGS))])
def test_sgd_float32_matches_pytorch_bit_for_bit_outside_its_scalar_tails(kwargs: dict) -> None:
    """PyTorch's vectorized loop fuses p - lr·g into one rounding, as BLAS axpy does; the scalar
    tail of each thread's chunk (its last < 32 elements) rounds twice. So a large tensor matches bit
    for bit but for those tails, and every element within float32 rounding (on AVX-512 with two
    threads: 9 of 30,000 elements differ, by one ulp of the step)."""
    torch = torch_or_skip()
    pytest.importorskip("scipy")  # the fused axpy update (without SciPy: equal up to one rounding)
    rng = np.random.default_rng(5)
    start = [rng.standard_normal(s).astype(np.float32) for s in [(300, 100), (100,), (7, 3)]]
    ours = [al.tensor(a.copy(), requires_grad=True) for a in start]
    theirs = [torch.tensor(a, requires_grad=True) for a in start]
    opt, topt = optim.SGD(ours, **kwargs), torch.optim.SGD(theirs, **kwargs)
    for _ in range(3):
        for p, tp in zip(ours, theirs):
            g = rng.standard_normal(p.shape).astype(np.float32)
            p.grad, tp.grad = al.tensor(g), torch.tensor(g)
        opt.step()
        topt.step()
    for p, tp in zip(ours, theirs):
        got, want = p.data, tp.detach().numpy()
        assert got.dtype == np.float32
        np.testing.assert_allclose(got, want, rtol=0, atol=2 * np.finfo(np.float32).eps)
        if got.size > 1000:  # there the tails are a small share: the rest must be bit-equal
            assert np.count_nonzero(got != want) <= 2 * 32


@pytest.mark.parametrize("kwargs", SGD_CONFIGS, ids=[f"sgd-{i}" for i in range(len(SGD_CONFIGS))])
def test_sgd_without_scipy_and_on_strided_parameters(kwargs: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    from autograd_lite import _scipy_blas
    results = []
    for lookup in (_scipy_blas.routine, lambda name, dtype: None):  # SciPy's axpy when installed, then NumPy
        monkeypatch.setattr(_scipy_blas, "routine", lookup)
        base = np.arange(24.0).reshape(4, 6)
        dense = al.tensor(np.linspace(0, 1, 12).reshape(3, 4), requires_grad=True)
        strided = al.tensor(np.zeros((4, 3)), requires_grad=True)
        strided.data = base[:, ::2]  # a view: BLAS can't update it in place, NumPy must
        grads = [np.linspace(-1, 1, 12).reshape(p.shape) for p in (dense, strided)]
        opt = optim.SGD([dense, strided], **kwargs)
        for _ in range(3):
            for p, g in zip((dense, strided), grads):
                p.grad = al.tensor(g.copy())
            opt.step()
            for p, g in zip((dense, strided), grads):
                np.testing.assert_array_equal(p.grad.data, g)  # the step never writes into .grad
        untouched = np.arange(24.0).reshape(4, 6)  # the update landed in base's even columns only
        assert not np.array_equal(base[:, ::2], untouched[:, ::2]) and np.array_equal(base[:, 1::2], untouched[:, 1::2])
        results.append([dense.data.copy(), strided.data.copy()])
    for ours, fallback in zip(*results):
        np.testing.assert_allclose(ours, fallback, rtol=1e-14, atol=1e-15)


def test_plain_sgd_on_a_group_of_mixed_dtypes_and_a_changed_lr() -> None:
    # plain SGD looks SciPy's axpy up per dtype within a step: each parameter must get its own dtype's routine,
    # and an lr edited between steps (as schedulers do) is read at the next step
    rng = np.random.default_rng(13)
    start = [rng.standard_normal(s).astype(d) for s, d in [((3, 4), np.float32), ((4,), np.float64),
                                                             ((2, 2), np.float32), ((5,), np.float64)]]
    params = [al.tensor(a, requires_grad=True) for a in start]
    grads = [rng.standard_normal(a.shape).astype(a.dtype) for a in start]
    opt = optim.SGD(params, lr=0.1)
    want = [a.copy() for a in start]
    for lr in (0.1, 0.01):
        opt.param_groups[0]["lr"] = lr
        for p, g in zip(params, grads):
            p.grad = al.tensor(g)
        opt.step()
        for w, g in zip(want, grads):
            w -= w.dtype.type(lr) * g
    for p, w in zip(params, want):
        assert p.dtype == w.dtype
        np.testing.assert_allclose(p.data, w, rtol=0, atol=4 * np.finfo(w.dtype).eps)
    opt.param_groups[0]["lr"] = float("nan")
    before = [p.data.copy() for p in params]
    with pytest.raises(ValueError, match="invalid lr"):
        opt.step()
    assert all(np.array_equal(p.data, b) for p, b in zip(params, before))  # refused before anything changed


# ----- the API contract (shared/API.md) as users meet it --------------------------------------------
import autograd_lite.nn as nn  # noqa: E402
from tests.helpers import assert_clear_error, assert_signature, data  # noqa: E402


@pytest.mark.parametrize("name", "SGD RMSprop Adam AdamW Adagrad".split())
def test_optimizer_exists_with_its_methods(name):
    opt = getattr(optim, name)([nn.Parameter(al.ones(2))], lr=0.1)
    for method in ("step", "zero_grad", "state_dict", "load_state_dict"):
        assert callable(getattr(opt, method))


def test_optimizer_signatures_and_defaults():
    assert_signature(optim.SGD, ["params", "lr"], momentum=0, nesterov=False, weight_decay=0)
    assert_signature(optim.RMSprop, ["params", "lr", "alpha", "eps"], lr=1e-2, alpha=0.99, eps=1e-8)
    assert_signature(optim.Adam, ["params", "lr", "betas", "eps", "weight_decay"], lr=1e-3, betas=(0.9, 0.999),
                     eps=1e-8, weight_decay=0)
    assert_signature(optim.AdamW, ["params", "lr", "betas", "eps", "weight_decay"], lr=1e-3, betas=(0.9, 0.999),
                     eps=1e-8, weight_decay=1e-2)
    assert_signature(optim.Adagrad, ["params", "lr"], lr=1e-2)


def test_sgd_needs_a_learning_rate():
    with pytest.raises((TypeError, ValueError), match="lr"):
        optim.SGD([nn.Parameter(al.ones(2))])


OPTIMIZER_CASES = {
    "SGD": ("SGD", dict(lr=0.1)),
    "SGD_momentum_wd": ("SGD", dict(lr=0.1, momentum=0.9, weight_decay=0.01)),
    "SGD_nesterov": ("SGD", dict(lr=0.05, momentum=0.8, nesterov=True)),
    "RMSprop": ("RMSprop", dict()),
    "RMSprop_momentum": ("RMSprop", dict(lr=0.01, alpha=0.9, eps=1e-6, momentum=0.5)),
    "Adam": ("Adam", dict()),
    "Adam_wd": ("Adam", dict(lr=0.01, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1)),
    "AdamW": ("AdamW", dict(lr=0.01)),
    "Adagrad": ("Adagrad", dict(lr=0.1)),
}


@pytest.mark.parametrize("name", OPTIMIZER_CASES)
def test_optimizer_updates_against_torch(name):
    torch = torch_or_skip()
    cls, kwargs = OPTIMIZER_CASES[name]
    p0 = data(3, 2)
    p, tp = nn.Parameter(al.tensor(p0)), torch.nn.Parameter(torch.tensor(p0))
    opt, topt = getattr(optim, cls)([p], **kwargs), getattr(torch.optim, cls)([tp], **kwargs)
    for k in range(6):
        grad = 2 * p.data + np.sin(k * p.data)
        p.grad, tp.grad = al.tensor(grad), torch.tensor(2 * tp.detach().numpy() + np.sin(k * tp.detach().numpy()))
        opt.step(), topt.step()
        np.testing.assert_allclose(p.data, tp.detach().numpy(), rtol=1e-10, atol=1e-12)
    opt.zero_grad()
    assert p.grad is None


def test_optimizer_state_dict_is_a_snapshot_and_load_restores():
    p = nn.Parameter(al.tensor(data(3)))
    opt = optim.Adam([p], lr=0.1)
    for _ in range(2):
        p.grad = al.tensor(p.data * 2)
        opt.step()
    snap = opt.state_dict()
    saved = {k: v.copy() for k, v in snap["state"][0].items() if isinstance(v, np.ndarray)}
    for v in snap["state"][0].values():
        if isinstance(v, np.ndarray):
            v += 100.0  # scribbling on the snapshot does not reach the optimizer
    snap["param_groups"][0]["lr"] = 5.0
    assert opt.param_groups[0]["lr"] == 0.1
    for k, v in opt.state[p].items():
        if isinstance(v, np.ndarray):
            np.testing.assert_array_equal(v, saved[k])
    snap = opt.state_dict()
    p.grad = al.tensor(p.data * 2)
    opt.step()  # stepping on does not change the snapshot
    for k, v in snap["state"][0].items():
        if isinstance(v, np.ndarray):
            np.testing.assert_array_equal(v, saved[k])
    q = nn.Parameter(al.tensor(p.data.copy()))
    opt2 = optim.Adam([q], lr=0.1)
    opt2.load_state_dict(opt.state_dict())
    p.grad, q.grad = al.tensor(p.data * 2), al.tensor(q.data * 2)
    opt.step(), opt2.step()
    np.testing.assert_allclose(q.data, p.data)


def test_failed_optimizer_step_changes_nothing():
    a, b = nn.Parameter(al.tensor(data(2))), nn.Parameter(al.tensor(data(3)))
    opt = optim.SGD([a, b], lr=0.1, momentum=0.9)
    a.grad, b.grad = al.ones(2), al.ones(4)  # b's gradient has the wrong shape
    before = a.data.copy(), b.data.copy()
    with pytest.raises((RuntimeError, ValueError), match=r"SGD.*\(4,\).*\(3,\)"):
        opt.step()
    assert np.array_equal(a.data, before[0]) and np.array_equal(b.data, before[1])
    assert not any(opt.state.get(p) for p in (a, b)), "momentum buffers were created by a failed step"


def test_failed_optimizer_load_state_dict_changes_nothing():
    p = nn.Parameter(al.tensor(data(3)))
    opt = optim.Adam([p], lr=0.1)
    p.grad = al.ones(3)
    opt.step()
    good = opt.state_dict()
    bad = opt.state_dict()
    bad["param_groups"][0]["lr"] = 7.0
    bad["state"][0]["exp_avg"] = np.zeros(5)
    with pytest.raises(ValueError, match=r"exp_avg.*\(5,\).*\(3,\)"):
        opt.load_state_dict(bad)
    assert opt.param_groups[0]["lr"] == 0.1
    np.testing.assert_array_equal(opt.state[p]["exp_avg"], good["state"][0]["exp_avg"])


def test_scheduler_signatures_and_defaults():
    assert_signature(lr_scheduler.StepLR, ["optimizer", "step_size", "gamma"], gamma=0.1)
    assert_signature(lr_scheduler.ExponentialLR, ["optimizer", "gamma"])
    assert_signature(lr_scheduler.CosineAnnealingLR, ["optimizer", "T_max", "eta_min"], eta_min=0)
    assert_signature(lr_scheduler.CyclicLR, ["optimizer", "base_lr", "max_lr", "step_size_up"], mode="triangular",
                     cycle_momentum=True, base_momentum=0.8, max_momentum=0.9)


SCHEDULER_CASES = {
    "StepLR": ("SGD", dict(lr=0.1), "StepLR", dict(step_size=3, gamma=0.5)),
    "ExponentialLR": ("SGD", dict(lr=0.1), "ExponentialLR", dict(gamma=0.9)),
    "CosineAnnealingLR": ("Adam", dict(lr=0.1), "CosineAnnealingLR", dict(T_max=7, eta_min=0.01)),
    "CyclicLR_triangular_sgd_momentum": ("SGD", dict(lr=0.1, momentum=0.9), "CyclicLR",
                                         dict(base_lr=0.01, max_lr=0.1, step_size_up=4)),
    "CyclicLR_triangular2_updown": ("SGD", dict(lr=0.1, momentum=0.5), "CyclicLR",
                                    dict(base_lr=0.01, max_lr=0.2, step_size_up=3, step_size_down=5,
                                         mode="triangular2", base_momentum=0.7, max_momentum=0.95)),
    "CyclicLR_exp_range_adam_betas": ("Adam", dict(lr=0.1), "CyclicLR",
                                      dict(base_lr=0.001, max_lr=0.01, step_size_up=2, mode="exp_range",
                                           gamma=0.95)),
    "CyclicLR_no_momentum_cycling": ("SGD", dict(lr=0.1), "CyclicLR",
                                     dict(base_lr=0.01, max_lr=0.1, step_size_up=4, cycle_momentum=False)),
}


@pytest.mark.parametrize("name", SCHEDULER_CASES)
def test_scheduler_against_torch(name):
    torch = torch_or_skip()
    opt_name, opt_kwargs, sched_name, sched_kwargs = SCHEDULER_CASES[name]
    opt = getattr(optim, opt_name)([nn.Parameter(al.ones(2))], **opt_kwargs)
    topt = getattr(torch.optim, opt_name)([torch.nn.Parameter(torch.ones(2))], **opt_kwargs)
    sched = getattr(lr_scheduler, sched_name)(opt, **sched_kwargs)
    tsched = getattr(torch.optim.lr_scheduler, sched_name)(topt, **sched_kwargs)

    def momentum(group):
        return group["betas"][0] if "betas" in group else group.get("momentum")

    for _ in range(25):
        g, tg = opt.param_groups[0], topt.param_groups[0]
        assert g["lr"] == pytest.approx(tg["lr"], rel=1e-12, abs=1e-15)
        assert momentum(g) == pytest.approx(momentum(tg), rel=1e-12)
        assert sched.get_last_lr() == pytest.approx(tsched.get_last_lr(), rel=1e-12)
        opt.step(), topt.step()
        sched.step(), tsched.step()


def test_failed_cyclic_lr_construction_leaves_optimizer_unchanged():
    opt = optim.Adagrad([nn.Parameter(al.ones(2))], lr=0.5)  # no momentum, no betas
    with pytest.raises(ValueError, match="momentum"):
        lr_scheduler.CyclicLR(opt, 0.01, 0.1)
    assert opt.param_groups[0]["lr"] == 0.5
    sgd = optim.SGD([nn.Parameter(al.ones(2))], lr=0.5, momentum=0.3)
    with pytest.raises(ValueError, match="bogus"):
        lr_scheduler.CyclicLR(sgd, 0.01, 0.1, mode="bogus")
    assert sgd.param_groups[0]["lr"] == 0.5 and sgd.param_groups[0]["momentum"] == 0.3


OPTIM_BAD_INPUT = {
    "SGD_lr": (lambda: optim.SGD([nn.Parameter(al.ones(2))], lr=-1.0), r"SGD.*-1"),
    "Adam_betas": (lambda: optim.Adam([nn.Parameter(al.ones(2))], betas=(1.5, 0.9)), r"Adam.*1.5"),
    "optimizer_no_params": (lambda: optim.Adam([]), r"Adam.*empty"),
    "CyclicLR_mode": (lambda: lr_scheduler.CyclicLR(optim.SGD([nn.Parameter(al.ones(2))], lr=0.1, momentum=0.9),
                                                    0.01, 0.1, mode="bogus"), r"CyclicLR.*bogus"),
}


@pytest.mark.parametrize("name", OPTIM_BAD_INPUT)
def test_bad_optimizer_input_gives_a_clear_error(name):
    assert_clear_error(*OPTIM_BAD_INPUT[name])


PLATEAU = [dict(), dict(mode="max", factor=0.5, patience=2, threshold=0.1, threshold_mode="abs", cooldown=1),
           dict(factor=0.3, patience=0, cooldown=2, min_lr=0.02), dict(patience=1, threshold=0.05)]
METRICS = [1.0, 0.9, 0.95, 0.95, 0.96, 0.97, 0.89, 0.9, 0.91, 0.92, 0.93, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.1, 1.2,
           1.3, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2]


@pytest.mark.parametrize("kwargs", PLATEAU, ids=[f"plateau-{i}" for i in range(len(PLATEAU))])
def test_reduce_lr_on_plateau_matches_pytorch(kwargs: dict) -> None:
    torch = torch_or_skip()
    opt, topt = _pair(torch, dict(lr=0.1))
    sched = lr_scheduler.ReduceLROnPlateau(opt, **kwargs)
    tsched = torch.optim.lr_scheduler.ReduceLROnPlateau(topt, **kwargs)
    for metric in METRICS:
        sched.step(metric)
        tsched.step(metric)
        assert sched.get_last_lr() == pytest.approx(tsched.get_last_lr(), rel=1e-12)
        assert opt.param_groups[0]["lr"] == pytest.approx(topt.param_groups[0]["lr"], rel=1e-12)


def test_reduce_lr_on_plateau_values() -> None:
    opt = optim.SGD([al.tensor([1.0], requires_grad=True)], lr=1.0)
    sched = lr_scheduler.ReduceLROnPlateau(opt, factor=0.5, patience=1, min_lr=0.2)
    lrs = []
    for metric in [3.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0]:
        sched.step(metric)
        lrs.append(opt.param_groups[0]["lr"])
    # improvement, then every second bad epoch halves the lr, stopping at min_lr
    assert lrs == [1.0, 1.0, 1.0, 0.5, 0.5, 0.25, 0.25, 0.2, 0.2]
    with pytest.raises(TypeError, match="metric"):
        sched.step()
    with pytest.raises(ValueError, match="factor"):
        lr_scheduler.ReduceLROnPlateau(opt, factor=1.0)


def test_schedules_plain_values() -> None:
    def lrs(make, n=8):
        opt = optim.SGD([al.tensor([1.0], requires_grad=True)], lr=1.0, momentum=0.9)
        sched = make(opt)
        out = []
        for _ in range(n):
            out.append(opt.param_groups[0]["lr"])
            sched.step()
        return out

    assert lrs(lambda o: lr_scheduler.MultiStepLR(o, [2, 5], gamma=0.1)) == pytest.approx(
        [1, 1, 0.1, 0.1, 0.1, 0.01, 0.01, 0.01])
    assert lrs(lambda o: lr_scheduler.LinearLR(o, 0.5, 1.0, total_iters=4)) == pytest.approx(
        [0.5, 0.625, 0.75, 0.875, 1, 1, 1, 1])
    assert lrs(lambda o: lr_scheduler.LambdaLR(o, lambda e: 1 / (e + 1))) == pytest.approx(
        [1 / (e + 1) for e in range(8)])
    one = lrs(lambda o: lr_scheduler.OneCycleLR(o, max_lr=1.0, total_steps=10, pct_start=0.3,
                                                anneal_strategy="linear"), n=10)
    # warm up from 1/25 to 1 at step 2 (= 0.3·10 − 1), then linearly down to 1/25/1e4 at step 9
    assert one[0] == pytest.approx(0.04) and one[2] == pytest.approx(1.0) and one[9] == pytest.approx(4e-6)
    assert one[1] == pytest.approx(0.52) and one[5] == pytest.approx(1 - (1 - 4e-6) * 3 / 7)
    with pytest.raises(ValueError, match="total_steps"):
        lrs(lambda o: lr_scheduler.OneCycleLR(o, max_lr=1.0, total_steps=10), n=12)


def test_add_param_group_matches_pytorch() -> None:
    torch = torch_or_skip()
    rng = np.random.default_rng(0)
    a0, b0 = rng.standard_normal(3), rng.standard_normal(2)
    a, b = al.tensor(a0, requires_grad=True), al.tensor(b0, requires_grad=True)
    ta, tb = torch.tensor(a0, requires_grad=True), torch.tensor(b0, requires_grad=True)
    opt, topt = optim.Adam([a], lr=0.1), torch.optim.Adam([ta], lr=0.1)
    for step in range(4):
        if step == 2:
            opt.add_param_group({"params": b, "lr": 0.01, "betas": (0.5, 0.9)})
            topt.add_param_group({"params": tb, "lr": 0.01, "betas": (0.5, 0.9)})
        for p, tp in ((a, ta), (b, tb)):
            g = rng.standard_normal(p.shape)
            p.grad, tp.grad = al.tensor(g), torch.tensor(g)
        opt.step()
        topt.step()
    np.testing.assert_allclose(a.data, ta.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(b.data, tb.detach().numpy(), rtol=1e-12)
    assert opt.param_groups[1]["eps"] == topt.param_groups[1]["eps"] == 1e-8  # defaults filled in
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [a]})
    with pytest.raises(ValueError, match="lr"):
        opt.add_param_group({"params": [al.zeros(1, requires_grad=True)], "lr": -1.0})
    assert len(opt.param_groups) == 2


def test_param_groups_are_editable_and_checked_at_step() -> None:
    p = al.tensor([1.0], requires_grad=True)
    opt = optim.SGD([p], lr=0.1)
    opt.param_groups[0]["lr"] = 0.5  # the PyTorch way of changing the learning rate by hand
    p.grad = al.tensor([1.0])
    opt.step()
    assert p.item() == pytest.approx(0.5)
    opt.param_groups[0]["lr"] = float("nan")
    with pytest.raises(ValueError, match="lr"):
        opt.step()
    assert p.item() == pytest.approx(0.5)  # refused before writing anything


def test_one_cycle_lr_cycles_adam_beta1_like_pytorch() -> None:
    torch = torch_or_skip()
    p, tp = al.tensor([1.0], requires_grad=True), torch.tensor([1.0], requires_grad=True)
    opt, topt = optim.Adam([p]), torch.optim.Adam([tp])
    sched = lr_scheduler.OneCycleLR(opt, max_lr=0.01, total_steps=12)
    tsched = torch.optim.lr_scheduler.OneCycleLR(topt, max_lr=0.01, total_steps=12)
    for _ in range(11):
        assert opt.param_groups[0]["betas"][0] == pytest.approx(topt.param_groups[0]["betas"][0], rel=1e-12)
        assert sched.get_last_lr() == pytest.approx(tsched.get_last_lr(), rel=1e-12)
        opt.step()
        topt.step()
        sched.step()
        tsched.step()
