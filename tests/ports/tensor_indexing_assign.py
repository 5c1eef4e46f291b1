# Stack Overflow staples on indexing: slices, boolean masks, integer arrays, assignment, where, clamp.
import numpy as np
import torch

x = torch.tensor(np.arange(12, dtype=np.float32).reshape(3, 4))
print("row 1:", x[1].tolist(), "col -1:", x[:, -1].tolist())
print("slice:", x[1:, ::2].tolist())
print("mask:", x[x > 5].tolist())
print("fancy:", x[[0, 2], [1, 3]].tolist())
print("idx tensor:", x[torch.tensor([2, 0])].tolist())
x[x > 8] = 0
print("masked assign:", x.tolist())
x[0] = torch.tensor([9.0, 8.0, 7.0, 6.0])
print("row assign:", x.tolist())
print("where:", torch.where(x > 4, x, torch.zeros_like(x)).tolist())
print("clamp:", x.clamp(min=2, max=6).tolist(), torch.clamp(x, 1.0, 3.0).sum().item())
print("nonzero count:", (x != 0).sum().item())
print("chunk:", [c.tolist() for c in x.chunk(2, dim=1)])
print("split:", [list(c.shape) for c in torch.split(x, [1, 2], dim=0)])
print("expand:", torch.tensor([[1.0], [2.0]]).expand(2, 3).tolist())
print("flip:", torch.flip(x, dims=[0])[0].tolist())
print("bool any/all:", (x > 8).any().item(), (x >= 0).all().item())
print("abs max:", x.abs().max().item(), "argmax:", x.argmax().item(), "argmin dim:", x.argmin(dim=1).tolist())
