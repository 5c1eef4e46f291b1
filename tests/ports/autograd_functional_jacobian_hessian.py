# torch.autograd.functional: jacobian, hessian, vjp, jvp, hvp.
import torch
from torch.autograd.functional import hessian, hvp, jacobian, jvp, vjp


def exp_reducer(x):
    return x.exp().sum(dim=1)


inputs = torch.tensor([[0.1, 0.2], [0.3, -0.4]], dtype=torch.float64)
J = jacobian(exp_reducer, inputs)
print("jacobian shape:", list(J.shape))
print("jacobian:", J.reshape(-1).tolist())


def pow_adder_reducer(x, y):
    return (2 * x.pow(2) + 3 * y.pow(2)).sum()


xs = (torch.tensor([1.0, 2.0], dtype=torch.float64), torch.tensor([0.5, -1.0], dtype=torch.float64))
H = hessian(pow_adder_reducer, xs)
print("hessian blocks:", [[h.tolist() for h in row] for row in H])


def f(x):
    return (x[0] ** 2 * x[1] + torch.sin(x[1])).reshape(1)


x = torch.tensor([1.5, 0.7], dtype=torch.float64)
v = torch.tensor([1.0, -2.0], dtype=torch.float64)
out, vjp_val = vjp(lambda t: t ** 3, x, v)
print("vjp:", out.tolist(), vjp_val.tolist())
out, jvp_val = jvp(lambda t: t ** 3, x, v)
print("jvp:", jvp_val.tolist())
val, hv = hvp(lambda t: (t ** 4).sum(), x, v)
print("hvp:", val.item(), hv.tolist())
print("hessian of f:", hessian(lambda t: f(t).sum(), x).tolist())
