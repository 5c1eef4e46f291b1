# einsum for batched products, bilinear forms, traces and outer products; matching matmul/bmm results.
import numpy as np
import torch

rng = np.random.default_rng(16)
A = torch.tensor(rng.standard_normal((2, 3, 4)), requires_grad=True)
B = torch.tensor(rng.standard_normal((2, 4, 5)), requires_grad=True)
C = torch.einsum("bij,bjk->bik", A, B)
print("einsum == bmm:", torch.allclose(C, torch.bmm(A, B)), C[0, 0].tolist())
x = torch.tensor(rng.standard_normal(3))
y = torch.tensor(rng.standard_normal(3))
M = torch.tensor(rng.standard_normal((3, 3)), requires_grad=True)
print("bilinear:", torch.einsum("i,ij,j->", x, M, y).item(), (x @ M @ y).item())
print("trace:", torch.einsum("ii", M).item(), torch.trace(M).item())
print("outer:", torch.einsum("i,j->ij", x, y)[1].tolist(), torch.outer(x, y)[1].tolist())
print("diag:", torch.einsum("ii->i", M).tolist(), torch.diagonal(M).tolist(), torch.diag(M).tolist())
print("dot mv mm:", torch.dot(x, y).item(), torch.mv(M, x).tolist(), torch.mm(M, M)[0].tolist())
(C.sum() + torch.einsum("i,ij,j->", x, M, y)).backward()
print("dA:", A.grad[1, 2].tolist(), "dM:", M.grad.tolist())
w = torch.tensor(rng.standard_normal((4, 3)), requires_grad=True)
h = torch.einsum("nd,kd->nk", A[0], w.t())
print("einsum with transpose:", h.sum().item())
