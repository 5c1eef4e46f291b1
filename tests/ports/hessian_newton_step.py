# Newton's method on a small convex function: gradient with create_graph, Hessian by double backward and by hessian().
import torch
from torch.autograd.functional import hessian


def f(w):
    return (w[0] - 1) ** 4 + (w[0] - 2 * w[1]) ** 2 + torch.exp(0.1 * w[1])


w = torch.tensor([0.0, 3.0], dtype=torch.float64, requires_grad=True)
for it in range(5):
    loss = f(w)
    (g,) = torch.autograd.grad(loss, w, create_graph=True)
    rows = [torch.autograd.grad(g[i], w, retain_graph=True)[0] for i in range(2)]
    H = torch.stack(rows)
    H2 = hessian(f, w.detach())
    with torch.no_grad():
        step = torch.linalg.solve(H, g)
        w -= step
    print(it, f"{loss.item():.10f}", torch.allclose(H, H2), [round(v, 10) for v in w.tolist()])
print("final gradient norm:", torch.autograd.grad(f(w), w)[0].norm().item() < 1e-3)
