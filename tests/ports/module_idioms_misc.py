# Everyday nn.Module idioms: Sequential(OrderedDict), .double()/.float(), zero_grad's set_to_none default,
# K-dimensional cross entropy (segmentation), ignore_index=-100, non-persistent buffers, F.dropout in eval.
from collections import OrderedDict

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

rng = np.random.default_rng(33)
model = nn.Sequential(OrderedDict([
    ("conv1", nn.Conv2d(1, 3, 3, padding=1)),
    ("relu1", nn.ReLU()),
    ("conv2", nn.Conv2d(3, 4, 1)),
]))
print("names:", [n for n, _ in model.named_children()], type(model.conv1).__name__)
model = model.double()
print("double():", all(p.dtype == torch.float64 for p in model.parameters()))
model.load_state_dict({k: torch.tensor(rng.uniform(-0.5, 0.5, tuple(v.shape))) for k, v in model.state_dict().items()})
x = torch.tensor(rng.standard_normal((2, 1, 5, 5)))
target = torch.tensor(rng.integers(0, 4, (2, 5, 5)))
target[0, 0, :] = -100
logits = model(x)
loss = F.cross_entropy(logits, target)
print("K-dim CE with ignore_index=-100:", loss.item())
print("reduction none shape:", list(F.cross_entropy(logits, target, reduction="none").shape))
loss.backward()
print("conv2 grad:", model.conv2.weight.grad.flatten()[:4].tolist())
opt = torch.optim.SGD(model.parameters(), lr=0.1)
opt.zero_grad()
print("zero_grad sets None:", model.conv2.weight.grad is None)
model(x).sum().backward()
model.zero_grad(set_to_none=False)
print("zero_grad(set_to_none=False):", model.conv2.weight.grad.abs().sum().item())
model.float()
print("float():", model.conv1.weight.dtype == torch.float32, model(x.float()).dtype == torch.float32)


class WithBuffers(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("mean", torch.zeros(3))
        self.register_buffer("cache", torch.ones(3), persistent=False)
        self.lin = nn.Linear(3, 3)

    def forward(self, x):
        return F.dropout(self.lin(x - self.mean), p=0.5, training=self.training)


m = WithBuffers()
print("state_dict keys:", sorted(m.state_dict().keys()), "buffers:", sorted(n for n, _ in m.named_buffers()))
m.eval()
xin = torch.ones(2, 3)
print("F.dropout in eval is identity:", torch.equal(m(xin), m.lin(xin)))
print("parameters recurse=False:", len(list(m.parameters(recurse=False))), len(list(m.parameters())))
