# torch.autograd.backward with several roots, grad_tensors, retain_graph errors, and leaf/non-leaf .grad rules.
import torch

x = torch.tensor([1.0, -2.0, 3.0], dtype=torch.float64, requires_grad=True)
y = x * x
z = x.exp()
torch.autograd.backward([y.sum(), z],
                        grad_tensors=[torch.tensor(1.0, dtype=torch.float64), torch.ones(3, dtype=torch.float64)])
print("x.grad:", x.grad.tolist())
x.grad = None
out = (x ** 2).sum()
out.backward(retain_graph=True)
out.backward()
print("twice with retain_graph:", x.grad.tolist())
out = (x.sin() * 2).sum()
out.backward()
try:
    out.backward()
    print("second backward without retain_graph:", "ran")
except RuntimeError:
    print("second backward without retain_graph raises:", True)
w = torch.ones(3, requires_grad=True)
h = w * 2
print("non-leaf grad is None:", h.is_leaf, h.grad_fn is not None)
n = torch.tensor([1.0, 2.0, 3.0])
print("no requires_grad:", n.requires_grad, (n * 2).requires_grad, (n * w).requires_grad)
try:
    n.sum().backward()
except RuntimeError:
    print("backward on a tensor without grad raises:", True)
v = torch.tensor([3.0], requires_grad=True)
v.requires_grad_(False)
print("requires_grad_(False):", v.requires_grad)
with torch.enable_grad():
    print("is_grad_enabled:", torch.is_grad_enabled())
with torch.no_grad():
    print("under no_grad:", torch.is_grad_enabled(), (w * 2).requires_grad)
    with torch.enable_grad():
        print("enable_grad inside no_grad:", (w * 2).requires_grad)
