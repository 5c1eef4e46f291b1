# Scaled dot-product attention with a causal mask: tril, masked_fill(-inf), softmax, bmm.
import math

import numpy as np
import torch
import torch.nn.functional as F

rng = np.random.default_rng(14)
B, T, D = 2, 4, 3
q = torch.tensor(rng.standard_normal((B, T, D)), requires_grad=True)
k = torch.tensor(rng.standard_normal((B, T, D)), requires_grad=True)
v = torch.tensor(rng.standard_normal((B, T, D)), requires_grad=True)
att = q @ k.transpose(-2, -1) * (1.0 / math.sqrt(k.size(-1)))
mask = torch.tril(torch.ones(T, T)).view(1, T, T)
att = att.masked_fill(mask == 0, float("-inf"))
att = F.softmax(att, dim=-1)
print("attention row 1:", att[0, 1].tolist())
y = torch.bmm(att, v)
print("y:", y[1].tolist())
y.pow(2).sum().backward()
print("dq:", q.grad[0, 2].tolist(), "dk:", k.grad[1, 0].tolist())
pad = torch.tensor([[False, False, True, True], [False, False, False, True]])
scores = torch.tensor(rng.standard_normal((B, T)))
masked = scores.masked_fill(pad, -1e9)
print("masked softmax:", torch.softmax(masked, dim=1).tolist())
x = torch.tensor(rng.standard_normal((3, 3)))
x.masked_fill_(x < 0, 0.0)
print("masked_fill_:", x.tolist())
print("triu:", torch.triu(torch.ones(3, 3), diagonal=1).tolist())
print("masked_select:", torch.masked_select(scores, ~pad).tolist())
