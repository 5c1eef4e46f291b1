# torch.autograd.grad with create_graph=True: second derivatives and a gradient penalty.
import numpy as np
import torch

x = torch.tensor([0.3, -1.2, 2.0], dtype=torch.float64, requires_grad=True)
y = (x ** 3 + torch.sin(x)).sum()
(dy,) = torch.autograd.grad(y, x, create_graph=True)
print("dy/dx:", dy.tolist())
(d2y,) = torch.autograd.grad(dy.sum(), x)
print("d2y/dx2:", d2y.tolist())

# a WGAN-GP style gradient penalty on a tiny critic
rng = np.random.default_rng(1)
W = torch.tensor(rng.standard_normal((4, 3)), requires_grad=True)
inp = torch.tensor(rng.standard_normal((5, 4)), requires_grad=True)
critic = torch.tanh(inp @ W).sum(dim=1)
grads = torch.autograd.grad(outputs=critic, inputs=inp, grad_outputs=torch.ones_like(critic),
                            create_graph=True, retain_graph=True)[0]
penalty = ((grads.norm(2, dim=1) - 1) ** 2).mean()
penalty.backward()
print("penalty:", penalty.item())
print("dpenalty/dW:", W.grad.tolist())

# grad of several inputs, allow_unused
a = torch.tensor(2.0, requires_grad=True)
b = torch.tensor(5.0, requires_grad=True)
c = torch.tensor(1.0, requires_grad=True)
ga, gb, gc = torch.autograd.grad(a * a * b, [a, b, c], allow_unused=True)
print("ga, gb:", ga.item(), gb.item(), "unused is None:", gc is None)
