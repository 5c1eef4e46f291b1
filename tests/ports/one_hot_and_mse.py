# F.one_hot targets with MSE and with a manual cross entropy; softmax and log_softmax identities.
import numpy as np
import torch
import torch.nn.functional as F

rng = np.random.default_rng(17)
labels = torch.tensor([2, 0, 1, 2])
oh = F.one_hot(labels, num_classes=4)
print("one_hot:", oh.tolist(), oh.dtype == torch.int64)
print("one_hot inferred classes:", list(F.one_hot(labels).shape))
logits = torch.tensor(rng.standard_normal((4, 4)), requires_grad=True)
probs = F.softmax(logits, dim=1)
mse = F.mse_loss(probs, oh.float())
manual_ce = -(oh * F.log_softmax(logits, dim=1)).sum(dim=1).mean()
print("mse:", mse.item(), "manual CE:", manual_ce.item(), "F.cross_entropy:", F.cross_entropy(logits, labels).item())
(mse + manual_ce).backward()
print("grad:", logits.grad[0].tolist())
print("softmax rows sum to one:", torch.allclose(probs.sum(1), torch.ones(4, dtype=torch.float64)))
print("log_softmax == log(softmax):", torch.allclose(logits.log_softmax(dim=-1), probs.log()))
print("sigmoid:", torch.sigmoid(logits[0]).tolist(), "tanh:", logits[1].tanh().tolist())
