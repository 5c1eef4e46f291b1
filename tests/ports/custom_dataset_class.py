# A map-style Dataset subclass (__len__/__getitem__ returning tuples and dicts) and DataLoader's default collation.
import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset


class SquaresDataset(Dataset):
    def __init__(self, n, transform=None):
        self.x = np.linspace(-1, 1, n)
        self.transform = transform

    def __len__(self):
        return len(self.x)

    def __getitem__(self, idx):
        x = torch.tensor([self.x[idx]], dtype=torch.float32)
        y = torch.tensor([self.x[idx] ** 2], dtype=torch.float32)
        if self.transform:
            x = self.transform(x)
        return x, y


class DictDataset(Dataset):
    def __init__(self):
        self.data = np.arange(12, dtype=np.float64).reshape(6, 2)

    def __len__(self):
        return 6

    def __getitem__(self, i):
        return {"features": torch.from_numpy(self.data[i]), "label": int(i % 2)}


ds = SquaresDataset(10, transform=lambda t: t * 2)
print("len:", len(ds), "item:", ds[9][0].tolist(), ds[9][1].tolist())
loader = DataLoader(ds, batch_size=4)
for i, (xb, yb) in enumerate(loader):
    print(i, list(xb.shape), list(yb.shape), xb.sum().item(), yb.sum().item())
model = torch.nn.Linear(1, 1)
with torch.no_grad():
    model.weight.fill_(0.5)
    model.bias.fill_(0.0)
opt = torch.optim.SGD(model.parameters(), lr=0.1)
for epoch in range(3):
    for xb, yb in loader:
        opt.zero_grad()
        loss = torch.nn.functional.mse_loss(model(xb), yb)
        loss.backward()
        opt.step()
print("trained:", model.weight.item(), model.bias.item())
batch = next(iter(DataLoader(DictDataset(), batch_size=3)))
print("dict batch:", sorted(batch.keys()), batch["features"].tolist(), batch["label"].tolist())
