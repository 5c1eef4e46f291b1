# Gradient clipping: nn.utils.clip_grad_norm_ (returns the total norm), clip_grad_value_.
import numpy as np
import torch
import torch.nn as nn

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(5)
model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 1))
with torch.no_grad():
    for p in model.parameters():
        p.copy_(torch.tensor(rng.standard_normal(tuple(p.shape))))
x = torch.tensor(rng.standard_normal((10, 4))) * 3
y = torch.tensor(rng.standard_normal((10, 1))) * 10
optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
for step in range(5):
    optimizer.zero_grad()
    loss = nn.functional.mse_loss(model(x), y)
    loss.backward()
    total_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
    after = torch.sqrt(sum((p.grad ** 2).sum() for p in model.parameters()))
    print(f"step {step}: loss {loss.item():.6f} norm before {total_norm.item():.6f} after {after.item():.6f}")
    optimizer.step()
loss = nn.functional.mse_loss(model(x), y)
optimizer.zero_grad()
loss.backward()
torch.nn.utils.clip_grad_value_(model.parameters(), clip_value=0.1)
print("max |grad| after clip_grad_value_:", max(p.grad.abs().max().item() for p in model.parameters()))
norm_inf = nn.utils.clip_grad_norm_(model.parameters(), max_norm=0.05, norm_type=float("inf"))
print("inf norm:", norm_inf.item(), max(p.grad.abs().max().item() for p in model.parameters()))
vec = nn.utils.parameters_to_vector(model.parameters())
print("parameters_to_vector:", list(vec.shape), vec.sum().item())
nn.utils.vector_to_parameters(vec * 0 + 1, model.parameters())
print("vector_to_parameters:", model[0].weight.sum().item(), model[2].bias.tolist())
