"""Hostile-user regressions for the engine (issue #17 items 1, 2, 4 and 8's last sentence):
0-d results are arrays, grad mode is per thread, hook results are checked, and an op's
failure keeps its exception (the op named in a note)."""
from __future__ import annotations

import sys
import threading

import numpy as np
import pytest

import autograd_lite as al
from autograd_lite.engine import Function
from tests.helpers import rand

# ----- 0-d results are arrays (#17.1) ---------------------------------------------------------

ZERO_D = {
    "sum": lambda x, s: x.sum(),
    "mean": lambda x, s: x.mean(),
    "var": lambda x, s: x.var(),
    "trace": lambda x, s: al.trace(x[:, :2]),
    "einsum": lambda x, s: al.einsum("ij,ij->", x, x),
    "dot": lambda x, s: x.reshape(-1) @ x.reshape(-1),
    "index": lambda x, s: x[0, 1],
    "mul_0d": lambda x, s: s * 2.0,
    "exp_0d": lambda x, s: al.exp(s),
    "pow_0d": lambda x, s: s ** 2,
}


@pytest.mark.parametrize("name", sorted(ZERO_D))
def test_a_0d_result_holds_an_ndarray_and_converts(name: str) -> None:
    x = al.tensor(np.arange(1.0, 7.0).reshape(2, 3) / 7, requires_grad=True)
    s = al.tensor(0.5, requires_grad=True)
    t = ZERO_D[name](x, s)
    assert t.shape == ()
    assert type(t.data) is np.ndarray
    assert type(t.detach().numpy()) is np.ndarray
    for converted in (np.asarray(t), np.array(t)):
        assert type(converted) is np.ndarray and converted.shape == () and converted == t.data
    assert float(t) == float(t.data)


def test_gradients_of_a_0d_leaf_stay_arrays_when_they_accumulate() -> None:
    s = al.tensor(0.5, requires_grad=True)
    (s * 2.0).backward()
    (s * 3.0).backward()
    assert type(s.grad.data) is np.ndarray and s.grad.item() == 5.0


# ----- grad mode and module scope per thread (#17.2) ---------------------------------------------

def _in_thread(fn) -> list:
    """Run fn in a new thread; return [its result] (re-raising what it raised)."""
    out: list = []

    def run() -> None:
        try:
            out.append(fn())
        except BaseException as e:  # noqa: BLE001 (re-raised in the test's thread)
            out.append(e)
    th = threading.Thread(target=run)
    th.start()
    th.join(timeout=30)
    assert not th.is_alive()
    if isinstance(out[0], BaseException):
        raise out[0]
    return out


def test_no_grad_in_one_thread_does_not_stop_recording_in_another() -> None:
    x = rand(3)
    with al.no_grad():
        other = _in_thread(lambda: (al.is_grad_enabled(), (x * 2.0).requires_grad))[0]
        assert not al.is_grad_enabled() and not (x * 2.0).requires_grad
    assert other == (True, True)  # a new thread starts with grad enabled, like PyTorch


def test_a_plain_set_grad_enabled_false_stays_in_its_thread() -> None:
    _in_thread(lambda: al.set_grad_enabled(False))
    assert al.is_grad_enabled()
    assert (rand(2) * 2.0).requires_grad


def test_backward_switching_recording_off_is_invisible_to_other_threads() -> None:
    x = rand(3)
    seen = []

    def hook(g):  # runs inside this thread's backward: another thread computes meanwhile
        seen.append(_in_thread(lambda: (al.is_grad_enabled(), (x * 3.0).requires_grad))[0])
    y = x * 2.0
    y.register_hook(hook)
    y.sum().backward()
    assert seen == [(True, True)]


def test_out_of_order_exits_in_two_threads_leave_grad_mode_on() -> None:
    a_entered, b_entered, a_exited = threading.Event(), threading.Event(), threading.Event()
    modes = {}

    def thread_a() -> None:
        ctx = al.no_grad()
        ctx.__enter__()
        a_entered.set()
        b_entered.wait(10)
        ctx.__exit__(None, None, None)  # A leaves first although B entered later
        modes["a"] = al.is_grad_enabled()
        a_exited.set()

    def thread_b() -> None:
        a_entered.wait(10)
        ctx = al.no_grad()
        ctx.__enter__()
        b_entered.set()
        a_exited.wait(10)
        ctx.__exit__(None, None, None)
        modes["b"] = al.is_grad_enabled()

    threads = [threading.Thread(target=thread_a), threading.Thread(target=thread_b)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=30)
    assert modes == {"a": True, "b": True}
    assert al.is_grad_enabled() and (rand(2) * 2.0).requires_grad


def test_one_no_grad_object_shared_by_two_threads() -> None:
    shared = al.no_grad()
    inside, release = threading.Event(), threading.Event()

    def hold() -> None:
        with shared:
            inside.set()
            release.wait(10)
    th = threading.Thread(target=hold)
    th.start()
    inside.wait(10)
    with shared:
        assert not al.is_grad_enabled()
    release.set()
    th.join(timeout=30)
    assert al.is_grad_enabled()


def test_two_threads_train_separate_models_at_once() -> None:
    errors, barrier = [], threading.Barrier(2)

    def train(seed: int) -> None:
        rng = np.random.default_rng(seed)
        w = al.tensor(rng.standard_normal(4), requires_grad=True)
        data = rng.standard_normal((8, 4))
        barrier.wait(10)
        for _ in range(300):
            w.grad = None
            try:
                loss = ((al.tensor(data) @ w) ** 2).sum()
                loss.backward()
            except RuntimeError as e:  # e.g. "does not require grad": the other thread's mode leaked in
                errors.append(str(e))
                continue
            with al.no_grad():
                expected = 2 * data.T @ (data @ w.data)
            if w.grad is None or not np.allclose(w.grad.data, expected):
                errors.append("wrong or missing gradient")
    threads = [threading.Thread(target=train, args=(seed,)) for seed in (1, 2)]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # threads take turns often: inside each other's forward and backward
    try:
        for th in threads:
            th.start()
        for th in threads:
            th.join(timeout=60)
    finally:
        sys.setswitchinterval(interval)
    assert errors == []


def test_no_grad_on_a_generator_function_holds_inside_the_generator() -> None:
    x = rand(3)

    @al.no_grad()
    def steps():
        for k in range(3):
            yield al.is_grad_enabled(), (x * float(k)).requires_grad

    gen = steps()
    assert next(gen) == (False, False)
    assert al.is_grad_enabled() and (x * 2.0).requires_grad  # the caller's mode between steps
    assert list(gen) == [(False, False), (False, False)]
    assert al.is_grad_enabled()


def test_enable_grad_on_a_generator_inside_no_grad() -> None:
    x = rand(2)

    @al.enable_grad
    def gen():
        yield (x * 2.0).requires_grad
    with al.no_grad():
        assert list(gen()) == [True]


def test_module_scope_is_per_thread() -> None:
    from autograd_lite.viz.recorder import current_scope, module_scope, scope_of
    x = rand(2)
    with module_scope("layer", "Linear"):
        node, scope = _in_thread(lambda: ((x * 2.0).grad_fn, current_scope()))[0]
        assert current_scope() == (("layer", "Linear"),)
    assert scope == () and scope_of(node) == ()


# ----- hook results are checked (#17.4) ---------------------------------------------------------

@pytest.mark.parametrize("intermediate", [False, True], ids=["leaf", "intermediate"])
@pytest.mark.parametrize("result,error,words", [
    (lambda g: al.tensor(np.ones(4)), RuntimeError, "shape (4,)"),
    (lambda g: al.tensor(np.ones((1, 3))), RuntimeError, "shape (1, 3)"),
    (lambda g: al.tensor(np.ones(3, dtype=np.int64)), RuntimeError, "dtype int64"),
    (lambda g: al.tensor(np.ones(3, dtype=np.float32)), RuntimeError, "dtype float32"),
    (lambda g: np.ones(3), TypeError, "returned ndarray"),
    (lambda g: 1.0, TypeError, "returned float"),
], ids=["wrong-size", "broadcastable", "int", "float32", "ndarray", "number"])
def test_a_hook_returning_a_wrong_gradient_is_named(intermediate: bool, result, error, words: str) -> None:
    x = rand(3)
    x.grad = al.tensor(np.full(3, 7.0))
    target = x * 1.0 if intermediate else x

    def scale_grad(g):
        return result(g)
    target.register_hook(scale_grad)
    with pytest.raises(error, match="scale_grad") as info:
        (target * 2.0).sum().backward()
    assert words in str(info.value)
    np.testing.assert_array_equal(x.grad.data, np.full(3, 7.0))  # .grad untouched


def test_al_grad_checks_leaf_hooks_too() -> None:
    x = rand(3)
    x.register_hook(lambda g: al.tensor([1.0]))
    with pytest.raises(RuntimeError, match="hook .*lambda.*shape \\(1,\\)"):
        al.grad((x * x).sum(), x)


# ----- an op's failure keeps its exception (#17.8) -----------------------------------------------

class _NeedsTwoArguments(ValueError):
    def __init__(self, what: str, where: int) -> None:
        super().__init__(f"{what} at {where}")


class _Fails(Function):
    def forward(self, a):
        raise _NeedsTwoArguments("no loop for this dtype", 3)


def test_a_failing_forward_keeps_its_exception_and_names_the_op_in_a_note() -> None:
    with pytest.raises(_NeedsTwoArguments) as info:
        _Fails().apply(rand(2, 3))
    assert str(info.value) == "no loop for this dtype at 3"
    assert info.value.__notes__ == ["_fails: input shapes (2, 3)"]


def test_a_numpy_error_inside_an_op_keeps_its_type() -> None:
    with pytest.raises(ValueError, match="broadcast") as info:
        rand(2, 3) + rand(4)
    assert type(info.value) is ValueError and "(2,3) (4,)" in str(info.value)  # NumPy's message, as raised
    assert info.value.__notes__[-1] == "add: input shapes (2, 3), (4,)"
