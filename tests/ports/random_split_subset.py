# random_split / Subset lengths, DataLoader batching with drop_last, len(loader), zipped iteration.
import numpy as np
import torch
from torch.utils.data import DataLoader, Subset, TensorDataset, random_split

X = torch.tensor(np.arange(50, dtype=np.float64).reshape(25, 2))
y = torch.tensor(np.arange(25) % 3)
dataset = TensorDataset(X, y)
print("len:", len(dataset), "item 3:", dataset[3][0].tolist(), dataset[3][1].item())
train_set, val_set = random_split(dataset, [20, 5], generator=torch.Generator().manual_seed(42))
print("split lengths:", len(train_set), len(val_set))
train_idx = sorted(train_set.indices)
val_idx = sorted(val_set.indices)
print("disjoint, complete:", len(set(train_idx) & set(val_idx)) == 0, sorted(train_idx + val_idx) == list(range(25)))
parts = random_split(dataset, [0.6, 0.4], generator=torch.Generator().manual_seed(0))
print("fraction split:", [len(p) for p in parts])
sub = Subset(dataset, [0, 2, 4, 6])
print("subset:", len(sub), sub[1][0].tolist())
loader = DataLoader(dataset, batch_size=8)
print("batches:", len(loader), [list(xb.shape) for xb, _ in loader])
loader = DataLoader(dataset, batch_size=8, drop_last=True)
print("drop_last:", len(loader), sum(xb.shape[0] for xb, _ in loader))
total = 0.0
for xb, yb in DataLoader(sub, batch_size=3):
    total += xb.sum().item() + yb.sum().item()
print("subset loader total:", total)
loader = DataLoader(dataset, batch_size=10, shuffle=True)
seen = torch.cat([yb for _, yb in loader])
print("shuffled epoch covers all:", len(seen), seen.sum().item() == y.sum().item())
xb, yb = next(iter(DataLoader(dataset, batch_size=4)))
print("first batch:", xb.tolist(), yb.tolist(), yb.dtype == torch.int64)
