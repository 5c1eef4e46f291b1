# Gradient accumulation over micro-batches, zero_grad(set_to_none=True), and grads summing across backward calls.
import numpy as np
import torch
import torch.nn as nn

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(24)
model = nn.Linear(3, 1)
model.load_state_dict({k: torch.tensor(rng.standard_normal(tuple(v.shape))) for k, v in model.state_dict().items()})
X = torch.tensor(rng.standard_normal((12, 3)))
y = torch.tensor(rng.standard_normal((12, 1)))
optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
accumulation_steps = 3
optimizer.zero_grad()
for i in range(12 // 4):
    loss = nn.functional.mse_loss(model(X[4 * i:4 * (i + 1)]), y[4 * i:4 * (i + 1)]) / accumulation_steps
    loss.backward()
    if (i + 1) % accumulation_steps == 0:
        acc_grad = model.weight.grad.clone()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
print("accumulated grad:", acc_grad.tolist())
model2 = nn.Linear(3, 1)
model2.load_state_dict(model.state_dict())
print("grad is None after set_to_none:", model.weight.grad is None)
full = nn.functional.mse_loss(model(X), y)
full.backward()
g_full = model.weight.grad.clone()
model.zero_grad()
for i in range(3):
    (nn.functional.mse_loss(model(X[4 * i:4 * (i + 1)]), y[4 * i:4 * (i + 1)]) / 3).backward()
print("micro-batches == full batch:", torch.allclose(g_full, model.weight.grad), g_full.tolist())
w = torch.tensor([1.0, 2.0], requires_grad=True)
(w ** 2).sum().backward()
(3 * w).sum().backward()
print("accumulated across calls:", w.grad.tolist())
w.grad = None
(w ** 3).sum().backward()
print("after reset:", w.grad.tolist())
