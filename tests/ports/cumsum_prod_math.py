# cumsum / cumprod / prod, discounted returns as in the REINFORCE example, rounding ops and a few math functions.
import numpy as np
import torch

rewards = [1.0, 0.0, 0.5, 1.0, -1.0]
gamma = 0.9
R = 0
returns = []
for r in rewards[::-1]:
    R = r + gamma * R
    returns.insert(0, R)
returns = torch.tensor(returns)
eps = np.finfo(np.float32).eps.item()
returns = (returns - returns.mean()) / (returns.std() + eps)
print("returns:", returns.tolist())

x = torch.tensor([1.5, -2.0, 0.5, 3.0], dtype=torch.float64, requires_grad=True)
print("cumsum:", torch.cumsum(x, dim=0).tolist(), "cumprod:", x.cumprod(0).tolist(), "prod:", x.prod().item())
(torch.cumsum(x, 0).sum() + x.cumprod(0).sum() + x.prod()).backward()
print("grad:", x.grad.tolist())
t = torch.tensor([[-1.7, 0.5, 2.5], [1.2, -0.49, 3.5]])
print("round floor ceil trunc:", t.round().tolist(), t.floor().tolist(), torch.ceil(t).tolist(), t.trunc().tolist())
print("sign:", t.sign().tolist(), "% //:", (t % 1.0).tolist(), (t // 1).tolist())
print("log1p expm1:", torch.log1p(t.abs()).tolist(), torch.expm1(t)[0].tolist())
print("rsqrt reciprocal square:", t.abs().rsqrt()[0].tolist(), t.reciprocal()[1].tolist(), t.square().sum().item())
print("atan2:", torch.atan2(t[0], t[1]).tolist(), "erf:", torch.erf(t[0]).tolist())
print("std_mean:", [v.item() for v in torch.std_mean(t)], "var dim:", t.var(dim=1, unbiased=False).tolist())
print("logsumexp:", torch.logsumexp(t, dim=1).tolist(), "norm:", t.norm().item(), t.norm(p=1, dim=1).tolist())
print("allclose isclose:", torch.allclose(t, t + 1e-9), torch.isclose(t, t * 1.01).tolist())
print("log2 log10:", torch.log2(t.abs())[0].tolist(), torch.log10(t.abs())[1].tolist())
