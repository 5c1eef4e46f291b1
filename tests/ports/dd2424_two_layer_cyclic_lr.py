# DD2424-style two-layer net with batch normalization, L2 regularization and cyclical learning rates.
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(42)
n, d, k, m = 60, 10, 4, 16
X = rng.standard_normal((n, d))
W_true = rng.standard_normal((d, k))
y = (X @ W_true).argmax(axis=1)
Xt, yt = torch.tensor(X), torch.tensor(y)
mean, std = Xt.mean(dim=0, keepdim=True), Xt.std(dim=0, keepdim=True)
Xt = (Xt - mean) / std


class TwoLayerBN(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(d, m)
        self.bn1 = nn.BatchNorm1d(m)
        self.fc2 = nn.Linear(m, k)

    def forward(self, x):
        return self.fc2(F.relu(self.bn1(self.fc1(x))))


net = TwoLayerBN()
with torch.no_grad():
    net.fc1.weight.copy_(torch.tensor(rng.standard_normal((m, d)) / np.sqrt(d)))
    net.fc1.bias.zero_()
    net.fc2.weight.copy_(torch.tensor(rng.standard_normal((k, m)) / np.sqrt(m)))
    net.fc2.bias.fill_(0.0)
lam = 0.005
optimizer = optim.SGD(net.parameters(), lr=1e-5, momentum=0.9, weight_decay=2 * lam)
n_s = 6
scheduler = optim.lr_scheduler.CyclicLR(optimizer, base_lr=1e-5, max_lr=1e-1, step_size_up=n_s, mode="triangular")
batch = 20
etas = []
for epoch in range(4):
    for j in range(n // batch):
        xb, yb = Xt[j * batch:(j + 1) * batch], yt[j * batch:(j + 1) * batch]
        optimizer.zero_grad()
        loss = F.cross_entropy(net(xb), yb)
        loss.backward()
        optimizer.step()
        etas.append(scheduler.get_last_lr()[0])
        scheduler.step()
    with torch.no_grad():
        net.eval()
        scores = net(Xt)
        l2 = sum((p ** 2).sum() for n_, p in net.named_parameters() if "weight" in n_ and "fc" in n_)
        cost = F.cross_entropy(scores, yt) + lam * l2
        acc = (scores.argmax(1) == yt).double().mean()
        net.train()
    momentum = optimizer.param_groups[0]["momentum"]
    print(f"epoch {epoch}: cost {cost.item():.6f} acc {acc.item():.4f} momentum {momentum:.4f}")
print("etas:", [round(e, 8) for e in etas])
print("bn running mean:", net.bn1.running_mean[:4].tolist())
