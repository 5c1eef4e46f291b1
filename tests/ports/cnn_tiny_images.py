# The CIFAR-10 tutorial's Net on tiny random images: conv, max pool, flatten, linear, SGD with momentum.
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim

torch.set_default_dtype(torch.float64)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 4, 3)
        self.pool = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(4, 6, 3, padding=1)
        self.fc1 = nn.Linear(6 * 2 * 2, 12)
        self.fc2 = nn.Linear(12, 3)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = self.fc2(x)
        return x


net = Net()
rng = np.random.default_rng(7)
net.load_state_dict({k: torch.tensor(rng.uniform(-0.3, 0.3, tuple(v.shape))) for k, v in net.state_dict().items()})
images = torch.tensor(rng.standard_normal((8, 3, 10, 10)))
labels = torch.tensor(rng.integers(0, 3, 8))
criterion = nn.CrossEntropyLoss()
optimizer = optim.SGD(net.parameters(), lr=0.01, momentum=0.9)
print("conv1 out:", list(net.conv1(images).shape))
for epoch in range(3):
    running_loss = 0.0
    for i in range(2):
        inputs, targets = images[i * 4:(i + 1) * 4], labels[i * 4:(i + 1) * 4]
        optimizer.zero_grad()
        outputs = net(inputs)
        loss = criterion(outputs, targets)
        loss.backward()
        optimizer.step()
        running_loss += loss.item()
    print(f"[{epoch + 1}] loss: {running_loss / 2:.6f}")
correct = 0
total = 0
with torch.no_grad():
    outputs = net(images)
    _, predicted = torch.max(outputs, 1)
    total += labels.size(0)
    correct += (predicted == labels).sum().item()
print(f"Accuracy of the network: {100 * correct // total} %")
print("conv1 grad norm:", net.conv1.weight.grad.norm().item())
