# A softmax classifier written from scratch (as in the cs231n/DD2424 assignments) checked against autograd.
import numpy as np
import torch

rng = np.random.default_rng(22)
N, D, K = 8, 5, 3
X = torch.tensor(rng.standard_normal((N, D)))
y = torch.tensor(rng.integers(0, K, N))
W = torch.tensor(rng.standard_normal((D, K)) * 0.1, requires_grad=True)
b = torch.zeros(K, dtype=torch.float64, requires_grad=True)
reg = 0.1


def softmax_loss(X, y, W, b):
    scores = X @ W + b
    scores = scores - scores.max(dim=1, keepdim=True).values
    log_probs = scores - torch.log(torch.exp(scores).sum(dim=1, keepdim=True))
    loss = -log_probs[torch.arange(N), y].mean() + reg * (W * W).sum()
    return loss, log_probs.exp()


loss, P = softmax_loss(X, y, W, b)
loss.backward()
Y = torch.zeros(N, K, dtype=torch.float64)
Y[torch.arange(N), y] = 1
with torch.no_grad():
    dW = X.T @ (P - Y) / N + 2 * reg * W
    db = (P - Y).mean(dim=0)
print("loss:", loss.item())
print("analytic == autograd:", torch.allclose(dW, W.grad), torch.allclose(db, b.grad))
print("max rel error:", ((dW - W.grad).abs() / (dW.abs() + W.grad.abs()).clamp(min=1e-8)).max().item() < 1e-10)
for it in range(20):
    W.grad = None
    b.grad = None
    loss, _ = softmax_loss(X, y, W, b)
    loss.backward()
    with torch.no_grad():
        W -= 0.5 * W.grad
        b -= 0.5 * b.grad
print("after training:", loss.item(), "acc:", ((X @ W + b).argmax(1) == y).double().mean().item())
