# Loss modules with their options: weight, ignore_index, label_smoothing, pos_weight, reduction, beta, delta.
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

rng = np.random.default_rng(12)
logits = torch.tensor(rng.standard_normal((6, 4)), requires_grad=True)
target = torch.tensor([0, 3, 1, 1, 2, 3])
weight = torch.tensor([1.0, 2.0, 0.5, 1.5], dtype=torch.float64)


def show(name, loss):
    if loss.dim() == 0:
        print(name, loss.item())
    else:
        print(name, loss.tolist())


show("CE:", nn.CrossEntropyLoss()(logits, target))
show("CE weight:", nn.CrossEntropyLoss(weight=weight)(logits, target))
show("CE ignore_index:", nn.CrossEntropyLoss(ignore_index=3)(logits, target))
show("CE label_smoothing:", nn.CrossEntropyLoss(label_smoothing=0.1)(logits, target))
show("CE none:", F.cross_entropy(logits, target, reduction="none"))
show("CE sum:", F.cross_entropy(logits, target, reduction="sum"))
probs = F.softmax(torch.tensor(rng.standard_normal((6, 4))), dim=1)
show("CE soft targets:", F.cross_entropy(logits, probs))
show("NLL weight:", nn.NLLLoss(weight=weight)(F.log_softmax(logits, dim=1), target))

z = torch.tensor(rng.standard_normal((5, 3)), requires_grad=True)
t = torch.tensor((rng.random((5, 3)) > 0.5).astype(np.float64))
show("BCEWithLogits:", nn.BCEWithLogitsLoss()(z, t))
pos_weight = torch.tensor([1.0, 3.0, 0.5], dtype=torch.float64)
show("BCEWithLogits pos_weight:", nn.BCEWithLogitsLoss(pos_weight=pos_weight)(z, t))
show("BCE:", nn.BCELoss()(torch.sigmoid(z), t))
bce_weight = torch.tensor([2.0, 1.0, 1.0], dtype=torch.float64)
show("BCE weight none:", F.binary_cross_entropy(torch.sigmoid(z), t, weight=bce_weight, reduction="none")[0])

a = torch.tensor(rng.standard_normal(8) * 2, requires_grad=True)
b = torch.tensor(rng.standard_normal(8))
show("MSE sum:", nn.MSELoss(reduction="sum")(a, b))
show("L1:", nn.L1Loss()(a, b))
show("SmoothL1 beta=0.5:", nn.SmoothL1Loss(beta=0.5)(a, b))
show("Huber delta=2:", nn.HuberLoss(delta=2.0)(a, b))
show("Huber none:", F.huber_loss(a, b, reduction="none", delta=0.7))
log_p = F.log_softmax(logits, dim=1)
q = F.softmax(torch.tensor(rng.standard_normal((6, 4))), dim=1)
show("KLDiv batchmean:", nn.KLDivLoss(reduction="batchmean")(log_p, q))
show("KLDiv log_target:", F.kl_div(log_p, q.log(), reduction="sum", log_target=True))
total = (nn.CrossEntropyLoss(weight=weight, label_smoothing=0.2)(logits, target) + nn.HuberLoss()(a, b)
         + nn.BCEWithLogitsLoss(reduction="sum")(z, t))
total.backward()
print("grads:", logits.grad[0].tolist(), a.grad[:3].tolist(), z.grad[0].tolist())
