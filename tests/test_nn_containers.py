"""ModuleDict, ParameterList, ParameterDict, Sequential/ModuleList and Module's traversal and state methods."""
from __future__ import annotations

import numpy as np
import pytest

import autograd_lite as al
from autograd_lite import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.blocks = nn.ModuleDict({"a": nn.Linear(3, 4), "b": nn.Sequential(nn.Linear(4, 4), nn.ReLU())})
        self.scales = nn.ParameterList([nn.Parameter(np.ones(4)), al.tensor(np.full(4, 2.0))])
        self.extra = nn.ParameterDict({"shift": nn.Parameter(np.zeros(4))})

    def forward(self, x):
        h = self.blocks["b"](self.blocks["a"](x))
        for s in self.scales:
            h = h * s
        return h + self.extra["shift"]


def test_containers_register_everything():
    net = Net()
    names = [n for n, _ in net.named_parameters()]
    assert names == ["blocks.a.weight", "blocks.a.bias", "blocks.b.0.weight", "blocks.b.0.bias", "scales.0",
                     "scales.1", "extra.shift"]
    assert isinstance(net.scales[1], nn.Parameter) and net.scales[1].requires_grad
    assert [n for n, _ in net.named_modules()] == ["", "blocks", "blocks.a", "blocks.b", "blocks.b.0",
                                                   "blocks.b.1", "scales", "extra"]
    assert [n for n, _ in net.named_children()] == ["blocks", "scales", "extra"]
    assert list(net.children())[0] is net.blocks
    out = net(al.tensor(np.ones((2, 3))))
    out.sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    state = net.state_dict()
    fresh = Net()
    fresh.load_state_dict(state)
    np.testing.assert_array_equal(fresh.scales[1].data, state["scales.1"].data)


def test_module_dict_behaves_like_an_ordered_dict():
    d = nn.ModuleDict([("x", nn.ReLU()), ("y", nn.Tanh())])
    assert list(d) == ["x", "y"] and len(d) == 2 and "x" in d
    d["z"] = nn.Identity()
    d.update({"x": nn.Sigmoid()})
    assert list(d.keys()) == ["x", "y", "z"] and isinstance(d["x"], nn.Sigmoid)
    assert isinstance(d.pop("y"), nn.Tanh) and list(d) == ["x", "z"]
    with pytest.raises(TypeError, match="must be a Module"):
        d["w"] = 3
    with pytest.raises(KeyError, match="without '.'"):
        d["a.b"] = nn.ReLU()
    d.clear()
    assert len(d) == 0


def test_parameter_list_and_dict_operations():
    pl = nn.ParameterList()
    pl.append(al.tensor([1.0, 2.0])).extend([nn.Parameter(np.zeros(3))])
    assert len(pl) == 2 and pl[-1].shape == (3,)
    pl[0] = nn.Parameter(np.ones(5))
    assert pl[0].shape == (5,) and len(list(pl.parameters())) == 2
    with pytest.raises(IndexError, match="index 2 is out of range for 2"):
        pl[2]
    with pytest.raises(TypeError, match="Parameters or Tensors, got str"):
        pl.append("w")
    pd = nn.ParameterDict([("a", al.tensor(1.0))])
    pd["b"] = nn.Parameter(np.ones(2))
    assert list(pd) == ["a", "b"] and pd.get("c") is None and isinstance(pd["a"], nn.Parameter)
    assert pd.pop("a").shape == () and list(pd.keys()) == ["b"]


def test_module_traversal_and_state_helpers():
    net = nn.Sequential(nn.Linear(2, 3), nn.Sequential(nn.Linear(3, 1)))
    seen = []
    net.apply(lambda m: seen.append(type(m).__name__))
    assert seen == ["Linear", "Linear", "Sequential", "Sequential"]  # children first, as PyTorch
    net.requires_grad_(False)
    assert not any(p.requires_grad for p in net.parameters())
    net.requires_grad_()
    assert net.get_submodule("1.0") is net[1][0] and net.get_parameter("1.0.bias") is net[1][0].bias
    net(al.tensor(np.ones((4, 2)))).sum().backward()
    net.zero_grad(set_to_none=False)
    assert all(p.grad is not None and not p.grad.data.any() for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())
    weight = net[0].weight
    assert net.float() is net and weight.dtype == np.float32 and net[0].weight is weight
    net.double()
    assert weight.dtype == np.float64
    net.to("cpu")
    net.to(al.tensor(np.ones(1, np.float32)))
    assert weight.dtype == np.float32
    net.to(device="cpu", dtype=np.float64)
    assert weight.dtype == np.float64
    with pytest.raises(RuntimeError, match="'cuda' is not available"):
        net.to("cuda")
    with pytest.raises(TypeError, match="only accepts floating point dtypes"):
        net.to(np.int64)
    with pytest.raises(ValueError, match="mode is expected to be a bool"):
        net.train("no")


def test_load_state_dict_strict_false_reports_keys():
    net = nn.Sequential(nn.Linear(2, 2))
    state = dict(net.state_dict())
    state["extra"] = al.tensor([1.0])
    del state["0.bias"]
    with pytest.raises(RuntimeError, match="missing key"):
        net.load_state_dict(state)
    result = net.load_state_dict(state, strict=False)
    assert result.missing_keys == ["0.bias"] and result.unexpected_keys == ["extra"]


def test_containers_match_torch_names():
    torch = pytest.importorskip("torch")
    ours = Net()

    class TorchNet(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.blocks = torch.nn.ModuleDict({"a": torch.nn.Linear(3, 4),
                                               "b": torch.nn.Sequential(torch.nn.Linear(4, 4), torch.nn.ReLU())})
            self.scales = torch.nn.ParameterList([torch.nn.Parameter(torch.ones(4)), torch.full((4,), 2.0)])
            self.extra = torch.nn.ParameterDict({"shift": torch.nn.Parameter(torch.zeros(4))})

    theirs = TorchNet()
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in theirs.named_modules()]
    assert list(ours.state_dict()) == list(theirs.state_dict())
    with torch.no_grad():
        for (_, p), (_, q) in zip(ours.named_parameters(), theirs.named_parameters()):
            q.copy_(torch.tensor(p.data))
    x = np.random.default_rng(0).standard_normal((2, 3))
    ref = theirs.blocks["b"](theirs.blocks["a"](torch.tensor(x).float()))
    for s in theirs.scales:
        ref = ref * s
    ref = ref + theirs.extra["shift"]
    np.testing.assert_allclose(ours.float()(al.tensor(x.astype(np.float32))).data, ref.detach().numpy(), rtol=1e-5)


@pytest.mark.parametrize("make", [lambda ms: nn.Sequential(*ms), lambda ms: nn.ModuleList(ms)])
def test_sequence_containers_are_lists_like_torch(make):
    a, b, c, d = nn.ReLU(), nn.Tanh(), nn.Sigmoid(), nn.Identity()
    seq = make([a, b, c])
    assert seq[-1] is c and list(seq[1:]) == [b, c] and type(seq[1:]) is type(seq)
    seq[1] = d
    assert list(seq) == [a, d, c]
    del seq[0]
    assert list(seq) == [d, c] and [n for n, _ in seq.named_children()] == ["0", "1"]
    seq.insert(0, b)
    seq.extend([a])
    assert list(seq) == [b, d, c, a]
    assert seq.pop(1) is d and len(seq) == 3
    with pytest.raises(IndexError, match="index 3 is out of range for 3 modules"):
        seq[3]
    with pytest.raises(TypeError, match="only Modules"):
        seq[0] = 5
    torch = pytest.importorskip("torch")
    t = torch.nn.Sequential(torch.nn.ReLU(), torch.nn.Tanh(), torch.nn.Sigmoid())
    del t[0]
    t.insert(0, torch.nn.Identity())
    assert [n for n, _ in t.named_children()] == ["0", "1", "2"]
