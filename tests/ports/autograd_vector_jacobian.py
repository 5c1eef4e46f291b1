# backward(gradient=v) computes a vector-Jacobian product; retain_grad keeps a non-leaf's gradient.
import torch

x = torch.tensor([0.5, -1.0, 2.0], requires_grad=True)
y = x * 2
for _ in range(3):
    y = y * 2
y.retain_grad()
z = y.sin()
v = torch.tensor([0.1, 1.0, 0.0001], dtype=torch.float)
z.backward(v)
print("x.grad:", x.grad.tolist())
print("y.grad:", y.grad.tolist())

a = torch.tensor([2.0, 3.0], requires_grad=True)
b = torch.tensor([6.0, 4.0], requires_grad=True)
Q = 3 * a ** 3 - b ** 2
external_grad = torch.tensor([1.0, 1.0])
Q.backward(gradient=external_grad)
print(9 * a ** 2 == a.grad, -2 * b == b.grad)
print((9 * a ** 2 == a.grad).all().item(), a.grad.tolist(), b.grad.tolist())

h = []
x2 = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
y2 = x2 ** 2
y2.register_hook(lambda g: h.append(g.tolist()))
y2.sum().backward()
print("hook saw:", h[0], "x2.grad:", x2.grad.tolist())
