# Every common activation as a module and as a function, with its gradient at fixed points.
import torch
import torch.nn as nn
import torch.nn.functional as F

x = torch.tensor([-2.5, -1.0, -0.1, 0.0, 0.3, 1.0, 2.5], dtype=torch.float64, requires_grad=True)
modules = [nn.ReLU(), nn.LeakyReLU(0.2), nn.ELU(alpha=0.5), nn.SELU(), nn.CELU(), nn.GELU(), nn.SiLU(), nn.Mish(),
           nn.Softplus(beta=2.0), nn.Sigmoid(), nn.Tanh(), nn.Hardtanh(-1.0, 1.0), nn.ReLU6(), nn.Softsign(),
           nn.Hardsigmoid(), nn.Hardswish(), nn.LogSigmoid(), nn.Tanhshrink(), nn.Softshrink(0.5), nn.Hardshrink(0.5)]
for m in modules:
    y = m(x)
    (g,) = torch.autograd.grad(y.sum(), x)
    print(type(m).__name__, [round(v, 10) for v in y.tolist()], [round(v, 10) for v in g.tolist()])
print("F.softmax:", F.softmax(x, dim=0).tolist())
print("F.log_softmax:", F.log_softmax(x, dim=0)[:3].tolist())
print("nn.Softmax(dim=1):", nn.Softmax(dim=1)(x.view(1, -1))[0, :3].tolist())
print("F.softplus threshold:", F.softplus(x * 10, beta=1, threshold=20).tolist())
print("F.elu, F.leaky_relu:", F.elu(x).tolist(), F.leaky_relu(x, negative_slope=0.01).tolist())
print("relu6, hardtanh:", F.relu6(x * 3).tolist(), F.hardtanh(x, min_val=-2.0, max_val=2.0).tolist())
