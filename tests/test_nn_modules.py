"""nn.Module mechanics (registration, traversal, modes, state dicts, scopes) and every layer module."""
from __future__ import annotations

import math
from collections import OrderedDict

import numpy as np
import pytest

import autograd_lite as al
import autograd_lite.nn as nn
from autograd_lite import engine
from autograd_lite.viz import recorder
from tests.helpers import torch_or_skip


class Affine(nn.Module):
    """A layer written with tensor ops only (no nn.functional), to test the Module machinery."""

    def __init__(self, n_in: int, n_out: int) -> None:
        super().__init__()
        self.weight = nn.Parameter(al.randn(n_out, n_in))
        self.bias = nn.Parameter(al.zeros(n_out))
        self.register_buffer("calls", al.zeros(1))
        self.note = "plain attribute"

    def forward(self, x):
        self.calls.data += 1
        return x @ self.weight.T + self.bias


class Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.first = Affine(3, 4)
        self.blocks = nn.ModuleList([Affine(4, 4), Affine(4, 4)])
        self.head = nn.Sequential(OrderedDict(out=Affine(4, 2)))

    def forward(self, x):
        x = self.first(x)
        for block in self.blocks:
            x = block(x)
        return self.head(x)


NAMES = ["first.weight", "first.bias", "blocks.0.weight", "blocks.0.bias", "blocks.1.weight", "blocks.1.bias",
         "head.out.weight", "head.out.bias"]


def test_parameter_is_a_tensor_that_requires_grad() -> None:
    p = nn.Parameter(al.tensor([1.0, 2.0]))
    assert isinstance(p, al.Tensor) and p.requires_grad and p.is_leaf
    assert "Parameter containing" in repr(p)
    assert not nn.Parameter(al.zeros(2), requires_grad=False).requires_grad
    with pytest.raises(TypeError, match="floating"):
        nn.Parameter(np.arange(3))


def test_registration_and_dotted_names() -> None:
    net = Net()
    assert [n for n, _ in net.named_parameters()] == NAMES
    assert len(list(net.parameters())) == 8
    assert [n for n, _ in net.named_buffers()] == ["first.calls", "blocks.0.calls", "blocks.1.calls", "head.out.calls"]
    assert [n for n, _ in net.named_children()] == ["first", "blocks", "head"]
    assert [n for n, _ in net.named_modules()] == ["", "first", "blocks", "blocks.0", "blocks.1", "head", "head.out"]
    assert net.first.note == "plain attribute" and "note" not in net._parameters
    assert net.num_parameters() == 3 * 4 + 4 + 2 * (16 + 4) + 4 * 2 + 2


def test_reassigning_and_deleting_keeps_registries_consistent() -> None:
    layer = Affine(2, 2)
    layer.bias = None
    assert [n for n, _ in layer.named_parameters()] == ["weight"]
    with pytest.raises(TypeError, match="Parameter"):
        layer.weight = al.zeros(2, 2)
    del layer.weight
    assert list(layer.parameters()) == []
    layer.weight = nn.Parameter(al.ones(2, 2))
    assert [n for n, _ in layer.named_parameters()] == ["weight"]


def test_shared_parameters_are_listed_once() -> None:
    a = Affine(2, 2)
    seq = nn.Sequential(a, a)
    assert len(list(seq.parameters())) == 2


def test_forgetting_super_init_is_explained() -> None:
    class Broken(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(al.zeros(1))

    with pytest.raises(AttributeError, match="super\\(\\).__init__"):
        Broken()


def test_train_eval_propagate_to_all_submodules() -> None:
    net = Net()
    assert net.eval() is net and not any(m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())


def test_zero_grad_and_requires_grad() -> None:
    net = Net()
    net(al.randn(5, 3)).sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad(set_to_none=False)
    assert all(np.all(p.grad.data == 0) for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())
    net.requires_grad_(False)
    assert not any(p.requires_grad for p in net.parameters())


def test_state_dict_round_trip_in_place() -> None:
    al.manual_seed(0)
    a, b = Net(), Net()
    weight_before = b.first.weight
    result = b.load_state_dict(a.state_dict())
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert b.first.weight is weight_before  # loaded in place: optimizers keep working
    for (n1, p1), (n2, p2) in zip(a.state_dict().items(), b.state_dict().items()):
        assert n1 == n2 and np.array_equal(p1.data, p2.data)
    assert list(a.state_dict()) == NAMES[:2] + ["first.calls"] + NAMES[2:4] + ["blocks.0.calls"] + NAMES[4:6] + [
        "blocks.1.calls"] + NAMES[6:] + ["head.out.calls"]


def test_state_dict_values_are_detached_and_share_memory() -> None:
    net = Affine(2, 2)
    sd = net.state_dict()
    assert not sd["weight"].requires_grad and sd["weight"].data is net.weight.data


def _snapshot(net):
    return {k: v.data.copy() for k, v in net.state_dict().items()}


@pytest.mark.parametrize("change,message", [
    (lambda sd: sd.pop("blocks.1.bias"), "missing key.*'blocks.1.bias'"),
    (lambda sd: sd.__setitem__("blocks.9.weight", np.zeros(2)), "unexpected key.*'blocks.9.weight'"),
    (lambda sd: sd.__setitem__("head.out.weight", np.zeros((3, 4))), "size mismatch for 'head.out.weight'.*\\(3, 4\\)"),
], ids=["missing", "unexpected", "shape"])
def test_strict_loading_errors_name_the_key_and_change_nothing(change, message) -> None:
    al.manual_seed(1)
    source, target = Net(), Net()
    sd = {k: v.data + 100 for k, v in source.state_dict().items()}  # every value differs from target's
    change(sd)
    before = _snapshot(target)
    with pytest.raises(RuntimeError, match=message):
        target.load_state_dict(sd)
    after = _snapshot(target)
    assert all(np.array_equal(before[k], after[k]) for k in before)


def test_non_strict_loading_reports_keys_but_still_rejects_shapes() -> None:
    net = Affine(2, 2)
    result = net.load_state_dict({"weight": np.ones((2, 2)), "extra": np.ones(1)}, strict=False)
    assert result.missing_keys == ["bias", "calls"] and result.unexpected_keys == ["extra"]
    assert np.all(net.weight.data == 1)
    with pytest.raises(RuntimeError, match="size mismatch"):
        net.load_state_dict({"weight": np.ones((3, 2))}, strict=False)


def test_repr_lists_submodules() -> None:
    text = repr(nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Dropout(0.2)))
    assert text == ("Sequential(\n  (0): Linear(in_features=3, out_features=4, bias=True)\n  (1): ReLU()\n"
                    "  (2): Dropout(p=0.2)\n)")
    assert "(blocks): ModuleList(\n    (0): Affine()" in repr(Net())


def test_containers() -> None:
    seq = nn.Sequential(nn.ReLU(), nn.Tanh())
    seq.append(nn.Sigmoid())
    assert len(seq) == 3 and isinstance(seq[-1], nn.Sigmoid) and isinstance(seq[1:], nn.Sequential)
    ml = nn.ModuleList([Affine(1, 1)])
    ml.insert(0, Affine(2, 2))
    assert [n for n, _ in ml.named_parameters()] == ["0.weight", "0.bias", "1.weight", "1.bias"]
    assert ml[0].weight.shape == (2, 2)


def test_calls_record_module_scopes_and_name_parameters() -> None:
    net = Net()
    out = net(al.randn(2, 3))
    scopes = set()
    stack, seen = [out.grad_fn], set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        scopes.add(recorder.scope_of(node))
        stack += [p for p in recorder.parents(node) if isinstance(p, engine.Function)]
    assert (("", "Net"), ("blocks.1", "Affine")) in scopes
    assert (("", "Net"), ("head", "Sequential"), ("head.out", "Affine")) in scopes
    assert [p.name for p in net.parameters()] == NAMES
    assert recorder.current_scope() == ()
    custom = Affine(2, 2)
    custom.weight.name = "W"
    custom(al.randn(1, 2))
    assert custom.weight.name == "W" and custom.bias.name == "bias"  # a user's name is kept


def test_apply_and_dtype_cast() -> None:
    net = Net()
    visited = []
    net.apply(lambda m: visited.append(type(m).__name__))
    assert visited[-1] == "Net" and visited.count("Affine") == 4
    net.to(np.float32)
    assert all(p.dtype == np.float32 for p in net.parameters())
    assert net(al.tensor(np.ones((1, 3), np.float32))).dtype == np.float32


# ----- nn.init --------------------------------------------------------------------

def test_init_draws_from_al_rng_and_has_the_right_spread() -> None:
    w = al.zeros(400, 300)
    al.manual_seed(5)
    nn.init.kaiming_normal_(w, nonlinearity="relu")
    first = w.data.copy()
    al.manual_seed(5)
    nn.init.kaiming_normal_(w, nonlinearity="relu")
    assert np.array_equal(first, w.data)
    assert np.std(first) == pytest.approx(math.sqrt(2 / 300), rel=0.02)
    nn.init.xavier_uniform_(w)
    assert np.abs(w.data).max() <= math.sqrt(6 / 700) and np.std(w.data) == pytest.approx(math.sqrt(2 / 700), rel=0.03)
    nn.init.xavier_normal_(w, gain=2.0)
    assert np.std(w.data) == pytest.approx(2 * math.sqrt(2 / 700), rel=0.03)
    nn.init.kaiming_uniform_(w, mode="fan_out", nonlinearity="relu")
    assert np.abs(w.data).max() <= math.sqrt(6 / 400)
    nn.init.normal_(w, std=1e-4)
    assert np.std(w.data) == pytest.approx(1e-4, rel=0.02)
    nn.init.uniform_(w, -2, 3)
    assert w.data.min() >= -2 and w.data.max() < 3
    for fn, value in ((nn.init.zeros_, 0.0), (nn.init.ones_, 1.0), (lambda t: nn.init.constant_(t, 0.3), 0.3)):
        fn(w)
        assert np.all(w.data == value)


def test_init_of_a_parameter_is_not_recorded() -> None:
    p = nn.Parameter(al.zeros(3, 3))
    nn.init.kaiming_uniform_(p)
    assert p.is_leaf and p.grad_fn is None and p.requires_grad


def test_conv_fans() -> None:
    assert nn.init.calculate_fan_in_and_fan_out(al.zeros(8, 3, 5, 5)) == (75, 200)
    assert nn.init.calculate_gain("leaky_relu", 0.2) == pytest.approx(math.sqrt(2 / 1.04))


# ----- layer modules against PyTorch ------------------------------------------------

LAYERS = [
    ("Linear", lambda m: m.Linear(5, 3), (4, 5)),
    ("Linear-nobias-batched", lambda m: m.Linear(5, 3, bias=False), (2, 4, 5)),
    ("Conv2d", lambda m: m.Conv2d(2, 3, 3, stride=2, padding=1), (2, 2, 7, 7)),
    ("Conv2d-rect", lambda m: m.Conv2d(3, 4, (2, 3), bias=False), (1, 3, 5, 6)),
    ("MaxPool2d", lambda m: m.MaxPool2d(2), (2, 3, 6, 6)),
    ("MaxPool2d-stride-pad", lambda m: m.MaxPool2d(3, stride=2, padding=1), (1, 2, 7, 7)),
    ("AvgPool2d", lambda m: m.AvgPool2d(2, stride=1, padding=1), (2, 2, 5, 5)),
    ("BatchNorm1d", lambda m: m.BatchNorm1d(4), (8, 4)),
    ("BatchNorm1d-3d", lambda m: m.BatchNorm1d(3, momentum=None), (4, 3, 5)),
    ("BatchNorm2d", lambda m: m.BatchNorm2d(3, momentum=0.3), (4, 3, 5, 5)),
    ("LayerNorm", lambda m: m.LayerNorm((3, 4)), (2, 5, 3, 4)),
    ("GroupNorm", lambda m: m.GroupNorm(2, 4), (3, 4, 2, 3)),
    ("ReLU", lambda m: m.ReLU(), (3, 5)),
    ("LeakyReLU", lambda m: m.LeakyReLU(0.2), (3, 5)),
    ("Sigmoid", lambda m: m.Sigmoid(), (3, 5)),
    ("Tanh", lambda m: m.Tanh(), (3, 5)),
    ("SiLU", lambda m: m.SiLU(), (3, 5)),
    ("GELU", lambda m: m.GELU(), (3, 5)),
    ("GELU-tanh", lambda m: m.GELU(approximate="tanh"), (3, 5)),
    ("Softmax", lambda m: m.Softmax(dim=1), (3, 5)),
    ("LogSoftmax", lambda m: m.LogSoftmax(dim=-1), (3, 5)),
    ("Flatten", lambda m: m.Flatten(), (2, 3, 4)),
    ("Identity", lambda m: m.Identity(), (2, 3)),
]


def _to_torch_state(torch, module):
    return {k: torch.tensor(v.data) for k, v in module.state_dict().items()}


@pytest.mark.parametrize("factory,shape", [(f, s) for _, f, s in LAYERS], ids=[n for n, _, _ in LAYERS])
@pytest.mark.parametrize("mode", ["train", "eval"])
def test_layer_matches_pytorch(factory, shape, mode) -> None:
    torch = torch_or_skip()
    al.manual_seed(0)
    ours, theirs = factory(nn), factory(torch.nn).double()
    theirs.load_state_dict(_to_torch_state(torch, ours))
    ours.train(mode == "train")
    theirs.train(mode == "train")
    for step in range(3):  # several calls: running statistics must evolve identically
        x = np.random.default_rng(step).standard_normal(shape) * 2 + 0.5
        xa, xt = al.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        ya, yt = ours(xa), theirs(xt)
        np.testing.assert_allclose(ya.data, yt.detach().numpy(), rtol=1e-9, atol=1e-12)
        weights = np.random.default_rng(10 + step).standard_normal(ya.shape)
        (ya * al.tensor(weights)).sum().backward()
        (yt * torch.tensor(weights)).sum().backward()
        np.testing.assert_allclose(xa.grad.data, xt.grad.numpy(), rtol=1e-8, atol=1e-10)
        for (name, p), tp in zip(ours.named_parameters(), theirs.parameters()):
            np.testing.assert_allclose(p.grad.data, tp.grad.numpy(), rtol=1e-8, atol=1e-10, err_msg=name)
            p.grad, tp.grad = None, None
    for key, value in theirs.state_dict().items():
        np.testing.assert_allclose(ours.state_dict()[key].data, value.numpy(), rtol=1e-10, err_msg=key)


@pytest.mark.parametrize("make,fan_in", [(lambda: nn.Linear(50, 400), 50), (lambda: nn.Conv2d(6, 400, 3), 54)],
                         ids=["Linear", "Conv2d"])
def test_default_init_is_uniform_over_one_over_sqrt_fan_in(make, fan_in) -> None:
    layer = make()
    bound = 1 / math.sqrt(fan_in)
    for p in (layer.weight, layer.bias):
        assert np.abs(p.data).max() <= bound and np.abs(p.data).max() > 0.9 * bound
    assert np.std(layer.weight.data) == pytest.approx(bound / math.sqrt(3), rel=0.05)
    assert layer.weight.shape[:2] == (400, 50) or layer.weight.shape == (400, 6, 3, 3)


def test_batchnorm_buffers_like_pytorch() -> None:
    bn = nn.BatchNorm2d(3)
    assert [n for n, _ in bn.named_buffers()] == ["running_mean", "running_var", "num_batches_tracked"]
    assert bn.num_batches_tracked.dtype == np.int64 and bn.num_batches_tracked.shape == ()
    bn(al.randn(4, 3, 2, 2))
    bn.eval()
    bn(al.randn(4, 3, 2, 2))
    assert bn.num_batches_tracked.item() == 1
    with pytest.raises(ValueError, match="4-D"):
        bn(al.randn(4, 3))
    with pytest.raises(ValueError, match="channels"):
        nn.BatchNorm1d(5)(al.randn(4, 3))
    free = nn.BatchNorm1d(3, affine=False, track_running_stats=False)
    assert list(free.state_dict()) == [] and free(al.randn(6, 3)).shape == (6, 3)


def test_dropout_modes() -> None:
    drop = nn.Dropout(0.25)
    x = al.ones(200, 200)
    y = drop(x).data
    assert set(np.unique(y)) <= {0.0, 1 / 0.75} and abs((y == 0).mean() - 0.25) < 0.02
    drop.eval()
    assert np.array_equal(drop(x).data, x.data)
    with pytest.raises(ValueError, match="probability of zeroing"):
        nn.Dropout(1.5)


def test_swish_is_silu() -> None:
    assert nn.Swish is nn.SiLU


LOSSES = [
    ("CrossEntropyLoss", lambda m: m.CrossEntropyLoss(), "class"),
    ("CrossEntropyLoss-sum", lambda m: m.CrossEntropyLoss(reduction="sum"), "class"),
    ("NLLLoss", lambda m: m.NLLLoss(), "class"),
    ("MultiMarginLoss", lambda m: m.MultiMarginLoss(), "class"),
    ("MSELoss", lambda m: m.MSELoss(), "real"),
    ("BCEWithLogitsLoss", lambda m: m.BCEWithLogitsLoss(), "binary"),
    ("BCELoss", lambda m: m.BCELoss(), "prob"),
]


@pytest.mark.parametrize("factory,kind", [(f, k) for _, f, k in LOSSES], ids=[n for n, _, _ in LOSSES])
def test_loss_modules_match_pytorch(factory, kind) -> None:
    torch = torch_or_skip()
    rng = np.random.default_rng(0)
    x = rng.standard_normal((6, 4))
    if kind == "prob":
        x = 1 / (1 + np.exp(-x))
    target = {"class": rng.integers(0, 4, 6), "real": rng.standard_normal((6, 4)),
              "binary": rng.integers(0, 2, (6, 4)).astype(float), "prob": rng.uniform(size=(6, 4))}[kind]
    xa, xt = al.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    la, lt = factory(nn)(xa, al.tensor(target)), factory(torch.nn)(xt, torch.tensor(target))
    assert la.item() == pytest.approx(lt.item(), rel=1e-10)
    la.backward()
    lt.backward()
    np.testing.assert_allclose(xa.grad.data, xt.grad.numpy(), rtol=1e-8, atol=1e-12)


# ----- the API contract (shared/API.md) as users meet it --------------------------------------------
import autograd_lite.nn.functional as F  # noqa: E402
from tests.helpers import assert_clear_error, assert_signature, compare_with_torch, data, leaf  # noqa: E402
NN_NAMES = ("Module Parameter Sequential Linear Conv2d MaxPool2d AvgPool2d BatchNorm1d BatchNorm2d LayerNorm "
            "GroupNorm Dropout ReLU LeakyReLU Sigmoid Tanh SiLU Swish GELU Softmax Flatten CrossEntropyLoss "
            "MSELoss").split()


@pytest.mark.parametrize("name", NN_NAMES)
def test_nn_name_is_a_class(name):
    cls = getattr(nn, name)
    assert isinstance(cls, type) and issubclass(cls, (nn.Module, al.Tensor)) and cls.__doc__


def test_aliases_are_the_same_objects():
    assert nn.Swish is nn.SiLU


MODULE_SIGNATURES = {
    "Linear": (["in_features", "out_features", "bias"], dict(bias=True)),
    "Conv2d": (["in_channels", "out_channels", "kernel_size"], dict(stride=1, padding=0, bias=True)),
    "MaxPool2d": (["kernel_size", "stride", "padding"], dict(stride=None, padding=0)),
    "AvgPool2d": (["kernel_size", "stride", "padding"], dict(stride=None, padding=0)),
    "BatchNorm1d": (["num_features", "eps", "momentum"], dict(eps=1e-5, momentum=0.1)),
    "BatchNorm2d": (["num_features", "eps", "momentum"], dict(eps=1e-5, momentum=0.1)),
    "LayerNorm": (["normalized_shape", "eps"], dict(eps=1e-5)),
    "GroupNorm": (["num_groups", "num_channels"], dict(eps=1e-5)),
    "Dropout": (["p"], dict(p=0.5)),
    "LeakyReLU": (["negative_slope"], dict(negative_slope=0.01)),
    "Softmax": (["dim"], dict(dim=None)),
    "Flatten": (["start_dim", "end_dim"], dict(start_dim=1, end_dim=-1)),
    "CrossEntropyLoss": ([], dict(reduction="mean")),
    "MSELoss": ([], dict(reduction="mean")),
}


@pytest.mark.parametrize("name", MODULE_SIGNATURES)
def test_module_constructor_signature(name):
    names, defaults = MODULE_SIGNATURES[name]
    assert_signature(getattr(nn, name), names, **defaults)


def _build_net(self, lib, ones):
    """The same network in autograd_lite (lib=nn) and in torch (lib=torch.nn)."""
    self.scale = lib.Parameter(ones(1))
    self.body = lib.Sequential(lib.Linear(4, 6), lib.BatchNorm1d(6), lib.ReLU(), lib.Dropout(0.5))
    self.head = lib.Linear(6, 3)


class _Net(nn.Module):
    def __init__(self):
        super().__init__()
        _build_net(self, nn, al.ones)

    def forward(self, x):
        return self.head(self.body(x)) * self.scale


def test_module_methods_and_state_dict_keys_like_torch():
    torch = torch_or_skip()

    class TorchNet(torch.nn.Module):
        def __init__(self):
            super().__init__()
            _build_net(self, torch.nn, torch.ones)

    net, tnet = _Net(), TorchNet()
    assert [n for n, _ in net.named_parameters()] == [n for n, _ in tnet.named_parameters()]
    assert list(net.state_dict()) == list(tnet.state_dict())
    assert all(isinstance(p, nn.Parameter) and p.requires_grad for p in net.parameters())
    assert net.training and net.body[3].training
    assert net.eval() is net and not net.body[3].training and not net.head.training
    net.train()
    assert net.body[1].training
    net(al.tensor(data(5, 4))).sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())
    with pytest.raises(NotImplementedError):
        nn.Module().forward(al.ones(1))


def test_linear_weight_is_out_by_in():
    layer = nn.Linear(5, 3)
    assert layer.weight.shape == (3, 5) and layer.bias.shape == (3,)
    assert nn.Linear(5, 3, bias=False).bias is None
    x = al.tensor(data(2, 5))
    np.testing.assert_allclose(layer(x).data, x.data @ layer.weight.data.T + layer.bias.data)


@pytest.mark.parametrize("make,fan_in", [(lambda: nn.Linear(400, 300), 400),
                                         (lambda: nn.Conv2d(4, 64, 5), 100),
                                         (lambda: nn.Conv2d(2, 50, (3, 4), bias=True), 24)],
                         ids=["Linear", "Conv2d", "Conv2d_rect"])
def test_linear_and_conv_initialise_uniform_within_one_over_sqrt_fan_in(make, fan_in):
    al.manual_seed(0)
    layer = make()
    bound = 1 / np.sqrt(fan_in)
    w, b = layer.weight.data, layer.bias.data
    assert np.abs(w).max() <= bound and np.abs(b).max() <= bound
    assert np.abs(w).max() > 0.98 * bound and np.abs(b).max() > 0.8 * bound  # the whole interval is used
    assert abs(w.mean()) < 0.05 * bound and abs(w.var() / (bound ** 2 / 3) - 1) < 0.1  # uniform: var = bound²/3


def _copy_into_torch(module, tmodule):
    torch = torch_or_skip()
    tmodule = tmodule.double()
    with torch.no_grad():
        for name, value in module.state_dict().items():
            tmodule.state_dict()[name].copy_(torch.tensor(value.data))
    return tmodule


MODULE_CASES = {
    "Linear": (lambda: nn.Linear(4, 3), lambda t: t.nn.Linear(4, 3), (5, 4)),
    "Linear_batched": (lambda: nn.Linear(4, 3), lambda t: t.nn.Linear(4, 3), (2, 5, 4)),
    "Conv2d": (lambda: nn.Conv2d(3, 4, 3, stride=2, padding=1), lambda t: t.nn.Conv2d(3, 4, 3, 2, 1), (2, 3, 7, 6)),
    "Conv2d_nobias": (lambda: nn.Conv2d(2, 3, (2, 3), bias=False), lambda t: t.nn.Conv2d(2, 3, (2, 3), bias=False),
                      (1, 2, 5, 5)),
    "MaxPool2d": (lambda: nn.MaxPool2d(2), lambda t: t.nn.MaxPool2d(2), (2, 3, 6, 5)),
    "MaxPool2d_pad": (lambda: nn.MaxPool2d(3, 2, 1), lambda t: t.nn.MaxPool2d(3, 2, 1), (2, 3, 7, 7)),
    "AvgPool2d_pad": (lambda: nn.AvgPool2d(3, 2, 1), lambda t: t.nn.AvgPool2d(3, 2, 1), (2, 3, 7, 7)),
    "BatchNorm1d": (lambda: nn.BatchNorm1d(4), lambda t: t.nn.BatchNorm1d(4), (6, 4)),
    "BatchNorm1d_3d": (lambda: nn.BatchNorm1d(4, momentum=0.3), lambda t: t.nn.BatchNorm1d(4, momentum=0.3),
                       (3, 4, 5)),
    "BatchNorm2d": (lambda: nn.BatchNorm2d(3, eps=1e-3), lambda t: t.nn.BatchNorm2d(3, eps=1e-3), (2, 3, 4, 4)),
    "LayerNorm": (lambda: nn.LayerNorm(4), lambda t: t.nn.LayerNorm(4), (3, 2, 4)),
    "LayerNorm_2d": (lambda: nn.LayerNorm((2, 4)), lambda t: t.nn.LayerNorm((2, 4)), (3, 2, 4)),
    "GroupNorm": (lambda: nn.GroupNorm(2, 4), lambda t: t.nn.GroupNorm(2, 4), (3, 4, 2, 3)),
    "ReLU": (nn.ReLU, lambda t: t.nn.ReLU(), (3, 4)),
    "LeakyReLU": (lambda: nn.LeakyReLU(0.2), lambda t: t.nn.LeakyReLU(0.2), (3, 4)),
    "Sigmoid": (nn.Sigmoid, lambda t: t.nn.Sigmoid(), (3, 4)),
    "Tanh": (nn.Tanh, lambda t: t.nn.Tanh(), (3, 4)),
    "SiLU": (nn.SiLU, lambda t: t.nn.SiLU(), (3, 4)),
    "Swish": (nn.Swish, lambda t: t.nn.SiLU(), (3, 4)),
    "GELU": (nn.GELU, lambda t: t.nn.GELU(), (3, 4)),
    "Softmax": (lambda: nn.Softmax(dim=1), lambda t: t.nn.Softmax(dim=1), (3, 4)),
    "Flatten": (nn.Flatten, lambda t: t.nn.Flatten(), (2, 3, 4)),
    "Dropout_eval": (lambda: nn.Dropout(0.3).eval(), lambda t: t.nn.Dropout(0.3).eval(), (3, 4)),
    "Sequential": (lambda: nn.Sequential(nn.Linear(4, 5), nn.Tanh(), nn.Linear(5, 2)),
                   lambda t: t.nn.Sequential(t.nn.Linear(4, 5), t.nn.Tanh(), t.nn.Linear(5, 2)), (3, 4)),
}


@pytest.mark.parametrize("name", MODULE_CASES)
def test_module_against_torch(name):
    torch = torch_or_skip()
    make, make_torch, shape = MODULE_CASES[name]
    module = make()
    tmodule = _copy_into_torch(module, make_torch(torch))
    tmodule.train(module.training)
    compare_with_torch(module, tmodule, data(*shape))
    params = dict(tmodule.named_parameters())
    for pname, p in module.named_parameters():
        np.testing.assert_allclose(p.grad.data, params[pname].grad.numpy(), atol=1e-8, rtol=1e-6)
    buffers = dict(tmodule.named_buffers())
    for bname, b in module.named_buffers():  # batch norm's running statistics follow PyTorch's rule
        np.testing.assert_allclose(b.data, buffers[bname].numpy(), atol=1e-12)
    if buffers:
        module.eval(), tmodule.eval()
        compare_with_torch(module, tmodule, data(*shape, seed=9))


def test_batch_norm_cumulative_average_with_momentum_none_like_torch():
    torch = torch_or_skip()
    bn = nn.BatchNorm1d(3, momentum=None)
    tbn = _copy_into_torch(bn, torch.nn.BatchNorm1d(3, momentum=None))
    for seed in range(3):
        x = data(5, 3, seed=seed) * (seed + 1)
        bn(al.tensor(x)), tbn(torch.tensor(x))
    for name, b in bn.state_dict().items():
        np.testing.assert_allclose(b.data, tbn.state_dict()[name].numpy(), atol=1e-12)


def test_mse_loss_warns_like_torch_when_shapes_broadcast():
    with pytest.warns(UserWarning, match=r"mse_loss.*\(3, 1\).*\(3,\)"):
        out = F.mse_loss(al.ones(3), al.ones(3, 1))
    assert out.shape == ()


@pytest.mark.parametrize("name,target_kind", [("CrossEntropyLoss", "int"), ("MSELoss", "float")])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_loss_modules_against_torch(name, target_kind, reduction):
    torch = torch_or_skip()
    target = np.array([2, 0, 1, 2]) if target_kind == "int" else data(4, 3, seed=8)
    compare_with_torch(lambda x: getattr(nn, name)(reduction=reduction)(x, al.tensor(target)),
                       lambda x: getattr(torch.nn, name)(reduction=reduction)(x, torch.tensor(target)), data(4, 3))


def test_dropout_p_is_the_probability_of_zeroing():
    al.manual_seed(0)
    layer = nn.Dropout(p=0.3)
    y = layer(al.ones(200_000)).data
    assert abs((y == 0).mean() - 0.3) < 0.01
    np.testing.assert_allclose(y[y != 0], 1 / 0.7)
    assert np.array_equal(layer.eval()(al.ones(5)).data, np.ones(5))
    assert np.array_equal(F.dropout(al.ones(5), 0.3, training=False).data, np.ones(5))


def test_dropout_p_one_zeroes_everything_like_torch():
    x = leaf(data(4))
    for y in (F.dropout(x, p=1.0), nn.Dropout(1.0)(x)):
        assert np.array_equal(y.data, np.zeros(4))
    F.dropout(x, p=1.0).sum().backward()
    assert np.array_equal(x.grad.data, np.zeros(4))


def _snapshot(module):
    return {k: v.data.copy() for k, v in module.state_dict().items()}


def test_load_state_dict_round_trip_and_strict_false():
    a, b = _Net(), _Net()
    b.load_state_dict(a.state_dict())
    for k, v in _snapshot(a).items():
        assert np.array_equal(b.state_dict()[k].data, v)
    sd = {k: al.tensor(np.full(v.shape, 0.5)) for k, v in _snapshot(a).items() if k.startswith("head")}
    result = b.load_state_dict({**sd, "extra": al.ones(1)}, strict=False)
    assert "scale" in result.missing_keys and result.unexpected_keys == ["extra"]
    assert np.all(b.head.weight.data == 0.5)


@pytest.mark.parametrize("problem", ["shape_of_last_key", "missing_key", "unexpected_key"])
def test_load_state_dict_checks_every_key_and_shape_before_changing_anything(problem):
    model = _Net()
    before = _snapshot(model)
    sd = {k: al.tensor(np.zeros(v.shape, v.dtype)) for k, v in before.items()}
    if problem == "shape_of_last_key":
        last = list(sd)[-1] if list(sd)[-1] != "body.1.num_batches_tracked" else "head.bias"
        sd[last] = al.zeros(7)
        match = rf"{last}.*\(7,\)"
    elif problem == "missing_key":
        del sd["head.bias"]
        match = "missing.*head.bias"
    else:
        sd["head.gain"] = al.ones(3)
        match = "unexpected.*head.gain"
    with pytest.raises(RuntimeError, match=match):
        model.load_state_dict(sd)
    for k, v in _snapshot(model).items():
        assert np.array_equal(v, before[k]), f"{k} changed although loading failed"


NN_BAD_INPUT = {
    "Linear_features": (lambda: nn.Linear(3, 2)(al.ones(4, 5)), r"\(4, 5\).*\(2, 3\)"),
    "Conv2d_channels": (lambda: nn.Conv2d(3, 2, 3)(al.ones(1, 4, 5, 5)), r"conv2d.*\(1, 4, 5, 5\)"),
    "BatchNorm2d_channels": (lambda: nn.BatchNorm2d(3)(al.ones(2, 4, 3, 3)), r"BatchNorm2d.*\(2, 4, 3, 3\)"),
    "BatchNorm1d_dims": (lambda: nn.BatchNorm1d(3)(al.ones(2, 3, 4, 5)), r"BatchNorm1d.*\(2, 3, 4, 5\)"),
    "GroupNorm_ctor": (lambda: nn.GroupNorm(4, 6), r"GroupNorm.*6.*4"),
    "Dropout_ctor": (lambda: nn.Dropout(1.5), r"Dropout.*1.5"),
    "loss_reduction": (lambda: nn.MSELoss(reduction="avg"), r"MSELoss.*'avg'"),
}


@pytest.mark.parametrize("name", NN_BAD_INPUT)
def test_bad_module_input_gives_a_clear_error(name):
    assert_clear_error(*NN_BAD_INPUT[name])


def test_a_failed_module_call_changes_no_parameter_grad_or_buffer():
    bn = nn.BatchNorm1d(3)
    lin = nn.Linear(3, 2)
    lin(bn(al.tensor(data(5, 3)))).sum().backward()
    before = {**{k: v.data.copy() for k, v in bn.state_dict().items()},
              **{k + ".grad": p.grad.data.copy() for k, p in lin.named_parameters()}}
    for bad in (lambda: bn(al.ones(1, 3)),  # one value per channel in training
                lambda: bn(al.ones(4, 2)), lambda: lin(al.ones(4, 4))):
        with pytest.raises(ValueError):
            bad()
    after = {**{k: v.data for k, v in bn.state_dict().items()},
             **{k + ".grad": p.grad.data for k, p in lin.named_parameters()}}
    for k, v in before.items():
        assert np.array_equal(after[k], v), f"{k} changed by a failed call"
