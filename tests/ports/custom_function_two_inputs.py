# A custom autograd.Function with two inputs and a non-tensor argument: ctx attributes, needs_input_grad,
# None for inputs without a gradient, and a backward written in differentiable ops (so double backward works).
import torch
from torch.autograd import Function


class ScaledMul(Function):
    @staticmethod
    def forward(ctx, x, w, scale):
        ctx.save_for_backward(x, w)
        ctx.scale = scale
        return scale * x * w

    @staticmethod
    def backward(ctx, grad_out):
        x, w = ctx.saved_tensors
        grad_x = grad_w = None
        if ctx.needs_input_grad[0]:
            grad_x = grad_out * ctx.scale * w
        if ctx.needs_input_grad[1]:
            grad_w = grad_out * ctx.scale * x
        return grad_x, grad_w, None


x = torch.tensor([1.0, -2.0, 0.5], dtype=torch.float64, requires_grad=True)
w = torch.tensor([3.0, 0.25, -1.0], dtype=torch.float64, requires_grad=True)
y = ScaledMul.apply(x, w, 2.0)
print("forward:", y.tolist(), "grad_fn set:", y.grad_fn is not None)
(y ** 2).sum().backward()
print("x.grad:", x.grad.tolist(), "w.grad:", w.grad.tolist())

c = torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64)  # no grad: needs_input_grad[1] is False
x.grad = None
ScaledMul.apply(x, c, 0.5).sum().backward()
print("only x:", x.grad.tolist())

(gx,) = torch.autograd.grad((ScaledMul.apply(x, w, 1.5) ** 3).sum(), x, create_graph=True)
(ggx,) = torch.autograd.grad(gx.sum(), x)
print("second derivative:", ggx.tolist())
print("gradcheck:", torch.autograd.gradcheck(lambda a, b: ScaledMul.apply(a, b, 3.0), (x.detach().requires_grad_(),
                                                                                     w.detach().requires_grad_())))
nz = torch.nonzero(torch.tensor([[0, 1], [2, 0]]))
print("nonzero:", nz.tolist(), "argwhere:", torch.argwhere(x > 0).flatten().tolist())
print("where(cond):", [t.tolist() for t in torch.where(torch.tensor([[0, 3], [4, 0]]) > 0)])
