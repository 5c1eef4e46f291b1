# The accuracy lines every course notebook has: out.max(1)[1], torch.max(outputs, 1), argmax, eq().sum().
import numpy as np
import torch

rng = np.random.default_rng(3)
outputs = torch.tensor(rng.standard_normal((10, 4)).astype(np.float32), requires_grad=True)
labels = torch.tensor(rng.integers(0, 4, size=10))

pred = outputs.max(1)[1]
print("max(1)[1]:", pred.tolist())
values, indices = outputs.max(dim=1)
print("values:", values.tolist(), "indices:", indices.tolist())
_, predicted = torch.max(outputs.detach(), 1)
total = labels.size(0)
correct = (predicted == labels).sum().item()
print(f"Accuracy: {100 * correct // total} %", correct, total)
print("argmax:", outputs.argmax(dim=1).tolist(), torch.argmax(outputs, 1).eq(labels).sum().item())
acc = pred.eq(labels.view_as(pred)).float().mean()
print("acc:", acc.item())
correct = pred.eq(labels).cpu().sum()
print("eq sum:", correct.item())
mins = outputs.min(dim=0)
print("min values:", mins.values.tolist(), "min indices:", mins.indices.tolist())
print("max keepdim:", list(outputs.max(dim=1, keepdim=True)[0].shape), "global max:", outputs.max().item())
print("amax:", outputs.amax(dim=0).tolist())
values.sum().backward()
print("grad of max:", outputs.grad.tolist())
