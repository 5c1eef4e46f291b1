# The "Automatic differentiation with torch.autograd" tutorial, with fixed inputs.
import numpy as np
import torch

x = torch.ones(5)
y = torch.zeros(3)
rng = np.random.default_rng(0)
w = torch.tensor(rng.standard_normal((5, 3)), dtype=torch.float32, requires_grad=True)
b = torch.tensor(rng.standard_normal(3), dtype=torch.float32, requires_grad=True)
z = torch.matmul(x, w) + b
loss = torch.nn.functional.binary_cross_entropy_with_logits(z, y)
print("grad_fn set:", z.grad_fn is not None, loss.grad_fn is not None)
loss.backward()
print("loss:", loss.item())
print("w.grad:", w.grad.tolist())
print("b.grad:", b.grad.tolist())

z = torch.matmul(x, w) + b
print("requires_grad:", z.requires_grad)
with torch.no_grad():
    z = torch.matmul(x, w) + b
print("under no_grad:", z.requires_grad)
z = torch.matmul(x, w) + b
z_det = z.detach()
print("detached:", z_det.requires_grad, "leaf:", w.is_leaf, z.is_leaf)

inp = torch.eye(4, 5, requires_grad=True)
out = (inp + 1).pow(2).t()
out.backward(torch.ones_like(out), retain_graph=True)
print(f"First call\n{inp.grad.tolist()}")
out.backward(torch.ones_like(out))
print(f"Second call\n{inp.grad.tolist()}")
inp.grad.zero_()
out = (inp + 1).pow(2).t()
out.backward(torch.ones_like(out))
print(f"Call after zeroing gradients\n{inp.grad.tolist()}")
