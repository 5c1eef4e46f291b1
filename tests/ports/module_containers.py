# ModuleList, ModuleDict, ParameterList, Identity, nested modules, state_dict keys and counting parameters.
import numpy as np
import torch
import torch.nn as nn

torch.set_default_dtype(torch.float64)


class MyModule(nn.Module):
    def __init__(self):
        super().__init__()
        self.linears = nn.ModuleList([nn.Linear(3, 3) for i in range(3)])
        self.activations = nn.ModuleDict({"relu": nn.ReLU(), "lrelu": nn.LeakyReLU(0.1)})
        self.params = nn.ParameterList([nn.Parameter(torch.ones(3) * (i + 1)) for i in range(2)])
        self.skip = nn.Identity()

    def forward(self, x, act):
        for i, l in enumerate(self.linears):
            x = self.linears[i // 2](x) + l(x)
            x = self.activations[act](x)
        for p in self.params:
            x = x * p
        return x + self.skip(x)


m = MyModule()
rng = np.random.default_rng(20)
m.load_state_dict({k: torch.tensor(rng.uniform(-1, 1, tuple(v.shape))) for k, v in m.state_dict().items()})
print("keys:", sorted(m.state_dict().keys()))
print("n params:", sum(p.numel() for p in m.parameters()), len(m.linears), len(m.params))
x = torch.tensor(rng.standard_normal((2, 3)))
print("relu:", m(x, "relu").tolist())
print("lrelu:", m(x, "lrelu").tolist())
m.linears.append(nn.Linear(3, 3))
m.activations["tanh"] = nn.Tanh()
print("after append:", len(m.linears), sorted(m.activations.keys()), "tanh" in m.activations)
print("children:", [type(c).__name__ for c in m.children()])
seq = nn.Sequential()
seq.add_module("fc", nn.Linear(2, 2))
seq.append(nn.Sigmoid())
print("sequential:", len(seq), [n for n, _ in seq.named_children()], type(seq[-1]).__name__)
print("slice:", type(seq[0:1]).__name__, len(seq[0:1]))
