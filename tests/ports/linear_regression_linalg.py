# Linear least squares three ways: normal equations with solve/inv, linalg.lstsq, and gradient descent.
import numpy as np
import torch

rng = np.random.default_rng(21)
X = torch.tensor(rng.standard_normal((30, 3)))
w_true = torch.tensor([[1.5], [-2.0], [0.5]], dtype=torch.float64)
y = X @ w_true + 0.01 * torch.tensor(rng.standard_normal((30, 1)))
Xb = torch.cat([X, torch.ones(30, 1, dtype=torch.float64)], dim=1)
w_solve = torch.linalg.solve(Xb.T @ Xb, Xb.T @ y)
w_inv = torch.linalg.inv(Xb.T @ Xb) @ Xb.T @ y
w_lstsq = torch.linalg.lstsq(Xb, y).solution
print("solve:", w_solve.flatten().tolist())
print("inv agrees:", torch.allclose(w_solve, w_inv), "lstsq agrees:", torch.allclose(w_solve, w_lstsq))
w = torch.zeros(4, 1, dtype=torch.float64, requires_grad=True)
opt = torch.optim.SGD([w], lr=0.1)
for _ in range(200):
    opt.zero_grad()
    loss = ((Xb @ w - y) ** 2).mean()
    loss.backward()
    opt.step()
print("gd:", w.detach().flatten().tolist(), loss.item())
A = Xb.T @ Xb
L = torch.linalg.cholesky(A)
print("cholesky:", torch.allclose(L @ L.T, A), L.diagonal().tolist())
sign, logabsdet = torch.linalg.slogdet(A)
print("slogdet:", sign.item(), logabsdet.item(), torch.logdet(A).item(), torch.linalg.det(A).item())
print("norms:", torch.linalg.norm(A).item(), torch.linalg.norm(A, ord=2).item(), torch.linalg.norm(A[0]).item())
evals, evecs = torch.linalg.eigh(A)
print("eigh:", evals.tolist(), torch.allclose(evecs @ torch.diag(evals) @ evecs.T, A))
S = torch.linalg.svdvals(Xb)
U, S2, Vh = torch.linalg.svd(Xb, full_matrices=False)
print("svd:", S2.tolist(), list(U.shape), torch.allclose(S, S2))
Q, R = torch.linalg.qr(Xb)
print("qr:", torch.allclose(Q @ R, Xb), R.diagonal().abs().tolist())
