# The common activations as modules (with PyTorch's inplace flag) and as functions, with gradients at fixed points.
import torch
import torch.nn as nn
import torch.nn.functional as F

x = torch.tensor([-2.5, -1.0, -0.1, 0.0, 0.3, 1.0, 2.5], dtype=torch.float64, requires_grad=True)
modules = [nn.ReLU(), nn.ReLU(inplace=True), nn.LeakyReLU(0.2), nn.LeakyReLU(0.1, True), nn.ELU(alpha=0.5),
           nn.GELU(), nn.GELU(approximate="tanh"), nn.SiLU(), nn.Softplus(beta=2.0), nn.Sigmoid(), nn.Tanh()]
for m in modules:
    y = m(x * 1)  # a non-leaf input, so inplace=True is allowed
    (g,) = torch.autograd.grad(y.sum(), x)
    print(type(m).__name__, [round(v, 10) for v in y.tolist()], [round(v, 10) for v in g.tolist()])
print("F.softmax:", F.softmax(x, dim=0).tolist())
print("F.log_softmax:", F.log_softmax(x, dim=0)[:3].tolist())
print("nn.Softmax(dim=1):", nn.Softmax(dim=1)(x.view(1, -1))[0, :3].tolist())
print("F.softplus threshold:", F.softplus(x * 10, beta=1, threshold=20).tolist())
print("F.elu, F.leaky_relu:", F.elu(x).tolist(), F.leaky_relu(x, negative_slope=0.01).tolist())
print("F.gelu, F.silu:", F.gelu(x).tolist(), F.silu(x).tolist())
print("LogSoftmax:", nn.LogSoftmax(dim=0)(x).tolist())
