# F.normalize and F.cosine_similarity (sentence-embedding style), pairwise distances with cdist.
import numpy as np
import torch
import torch.nn.functional as F

rng = np.random.default_rng(25)
a = torch.tensor(rng.standard_normal((4, 5)), requires_grad=True)
b = torch.tensor(rng.standard_normal((4, 5)))
na = F.normalize(a, p=2, dim=1)
print("norms:", na.norm(dim=1).tolist())
sim = F.cosine_similarity(a, b, dim=1)
print("cosine:", sim.tolist())
print("matches normalize:", torch.allclose(sim, (na * F.normalize(b, dim=1)).sum(1)))
sim_matrix = na @ F.normalize(b, dim=1).T
print("sim matrix diag:", sim_matrix.diagonal().tolist())
print("pairwise broadcast:", F.cosine_similarity(a.unsqueeze(1), b.unsqueeze(0), dim=-1)[0].tolist())
(sim.sum() + na[:, 0].sum()).backward()
print("grad:", a.grad[0].tolist())
print("normalize p=1 dim=0:", F.normalize(b, p=1.0, dim=0)[:, 0].tolist())
print("cdist:", torch.cdist(a.detach(), b)[0].tolist())
print("pairwise_distance:", F.pairwise_distance(a.detach(), b).tolist())
