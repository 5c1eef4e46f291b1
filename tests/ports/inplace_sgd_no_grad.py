# Manual SGD with in-place updates under no_grad: p.add_(grad, alpha=-lr), p.grad.zero_(), mul_ for weight decay.
import numpy as np
import torch
import torch.nn as nn

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(18)
model = nn.Linear(3, 2)
with torch.no_grad():
    model.weight.copy_(torch.tensor(rng.standard_normal((2, 3))))
    model.bias.fill_(0.1)
x = torch.tensor(rng.standard_normal((10, 3)))
y = torch.tensor(rng.standard_normal((10, 2)))
lr, wd = 0.1, 0.01
for step in range(5):
    loss = ((model(x) - y) ** 2).mean()
    model.zero_grad()
    loss.backward()
    with torch.no_grad():
        for p in model.parameters():
            p.mul_(1 - lr * wd)
            p.add_(p.grad, alpha=-lr)
            p.grad.zero_()
    print(step, loss.item())
print("weight:", model.weight.tolist(), "grad zeroed:", model.weight.grad.abs().sum().item())
w = torch.zeros(3, requires_grad=True)
try:
    w.add_(1)
    print("in-place on leaf allowed")
except RuntimeError:
    print("in-place on a leaf that requires grad raises:", True)
a = torch.tensor([1.0, 2.0], requires_grad=True)
b = a.exp()
b.add_(1)
try:
    b.sum().backward()
    print("backward after modifying exp's output:", False)
except RuntimeError as e:
    print("backward after modifying exp's output raises:", "inplace" in str(e))
c = a * 2
c.add_(1)
c.sum().backward()
print("in-place on a non-leaf that backward does not need:", a.grad.tolist())
t = torch.ones(2, 2)
t += 1
t *= 3
t -= torch.eye(2)
t /= 2
print("operators:", t.tolist(), t.clamp_(max=2.5).tolist(), t.neg_().tolist(), t.zero_().tolist())
