# A subclassed nn.Module with F.relu, trained with Adam; parameter counting as on Stack Overflow.
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim


class Net(nn.Module):
    def __init__(self, d_in, hidden, d_out):
        super(Net, self).__init__()
        self.fc1 = nn.Linear(d_in, hidden)
        self.fc2 = nn.Linear(hidden, hidden)
        self.fc3 = nn.Linear(hidden, d_out)

    def forward(self, x):
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)


torch.set_default_dtype(torch.float64)
net = Net(5, 8, 3)
print(sum(p.numel() for p in net.parameters()), sum(p.numel() for p in net.parameters() if p.requires_grad))
print([name for name, _ in net.named_parameters()])
print([list(p.shape) for p in net.parameters()])
rng = np.random.default_rng(0)
with torch.no_grad():
    for p in net.parameters():
        p.copy_(torch.tensor(rng.uniform(-0.4, 0.4, tuple(p.shape))))
x = torch.tensor(rng.standard_normal((20, 5)))
y = torch.tensor(rng.integers(0, 3, 20))
criterion = nn.CrossEntropyLoss()
optimizer = optim.Adam(net.parameters(), lr=0.01)
for epoch in range(20):
    optimizer.zero_grad()
    outputs = net(x)
    loss = criterion(outputs, y)
    loss.backward()
    optimizer.step()
    if epoch % 5 == 4:
        print(f"[{epoch + 1}] loss: {loss.item():.6f}")
print("fc1.bias:", net.fc1.bias.tolist())
print("train acc:", (net(x).argmax(1) == y).float().mean().item())
