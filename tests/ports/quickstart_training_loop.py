# The PyTorch quickstart's train/test loop, on synthetic data instead of FashionMNIST.
import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(0)
X = rng.standard_normal((96, 1, 4, 4))
labels = (X.reshape(96, -1)[:, :3].sum(axis=1) > 0).astype(np.int64) + (X.reshape(96, -1)[:, 5] > 1).astype(np.int64)
training_data = TensorDataset(torch.tensor(X[:64]), torch.tensor(labels[:64]))
test_data = TensorDataset(torch.tensor(X[64:]), torch.tensor(labels[64:]))
batch_size = 16
train_dataloader = DataLoader(training_data, batch_size=batch_size)
test_dataloader = DataLoader(test_data, batch_size=batch_size)
for X_, y_ in test_dataloader:
    print(f"Shape of X [N, C, H, W]: {list(X_.shape)}")
    print(f"Shape of y: {list(y_.shape)} {y_.dtype == torch.int64}")
    break

device = "cuda" if torch.cuda.is_available() else "cpu"
print(f"Using {device} device", device == "cpu")


class NeuralNetwork(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.linear_relu_stack = nn.Sequential(nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, 32), nn.ReLU(),
                                               nn.Linear(32, 3))

    def forward(self, x):
        x = self.flatten(x)
        logits = self.linear_relu_stack(x)
        return logits


model = NeuralNetwork().to(device)
init = np.random.default_rng(1)
model.load_state_dict({k: torch.tensor(init.uniform(-0.3, 0.3, tuple(v.shape))) for k, v in model.state_dict().items()})
loss_fn = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=1e-1)


def train(dataloader, model, loss_fn, optimizer):
    size = len(dataloader.dataset)
    model.train()
    for batch, (X, y) in enumerate(dataloader):
        X, y = X.to(device), y.to(device)
        pred = model(X)
        loss = loss_fn(pred, y)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        if batch % 2 == 0:
            loss, current = loss.item(), (batch + 1) * len(X)
            print(f"loss: {loss:>7f}  [{current:>5d}/{size:>5d}]")


def test(dataloader, model, loss_fn):
    size = len(dataloader.dataset)
    num_batches = len(dataloader)
    model.eval()
    test_loss, correct = 0, 0
    with torch.no_grad():
        for X, y in dataloader:
            X, y = X.to(device), y.to(device)
            pred = model(X)
            test_loss += loss_fn(pred, y).item()
            correct += (pred.argmax(1) == y).type(torch.float).sum().item()
    test_loss /= num_batches
    correct /= size
    print(f"Test Error: \n Accuracy: {(100*correct):>0.1f}%, Avg loss: {test_loss:>8f} \n")


epochs = 3
for t in range(epochs):
    print(f"Epoch {t+1}\n-------------------------------")
    train(train_dataloader, model, loss_fn, optimizer)
    test(test_dataloader, model, loss_fn)
print("Done!")
