# topk accuracy, sort / argsort, unique, and the top-5 accuracy function from the ImageNet example.
import numpy as np
import torch

rng = np.random.default_rng(15)
output = torch.tensor(rng.standard_normal((8, 6)))
target = torch.tensor(rng.integers(0, 6, 8))


def accuracy(output, target, topk=(1,)):
    with torch.no_grad():
        maxk = max(topk)
        batch_size = target.size(0)
        _, pred = output.topk(maxk, 1, True, True)
        pred = pred.t()
        correct = pred.eq(target.view(1, -1).expand_as(pred))
        res = []
        for k in topk:
            correct_k = correct[:k].reshape(-1).float().sum(0, keepdim=True)
            res.append(correct_k.mul_(100.0 / batch_size))
        return res


acc1, acc3 = accuracy(output, target, topk=(1, 3))
print("top1, top3:", acc1.item(), acc3.item())
values, indices = torch.topk(output, 2)
print("topk:", values[0].tolist(), indices[0].tolist())
print("topk smallest:", output.topk(2, dim=0, largest=False).indices.tolist())
s = torch.sort(output[0], descending=True)
print("sort:", s.values.tolist(), s.indices.tolist())
print("argsort:", torch.argsort(output[1]).tolist())
u = torch.tensor([3, 1, 2, 3, 1, 1])
vals, counts = torch.unique(u, return_counts=True)
print("unique:", vals.tolist(), counts.tolist())
x = torch.tensor(rng.standard_normal(6), requires_grad=True)
top = x.topk(3).values
(top * torch.tensor([3.0, 2.0, 1.0], dtype=torch.float64)).sum().backward()
print("grad of topk:", x.grad.tolist())
y = torch.tensor(rng.standard_normal(5), requires_grad=True)
sv, si = y.sort()
(sv * torch.arange(5, dtype=torch.float64)).sum().backward()
print("grad of sort:", y.grad.tolist(), si.tolist())
