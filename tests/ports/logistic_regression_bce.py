# Logistic regression the Stack Overflow way: nn.Linear + sigmoid + BCELoss, threshold 0.5 accuracy, set_grad_enabled.
import numpy as np
import torch
import torch.nn as nn


class LogisticRegression(nn.Module):
    def __init__(self, n_features):
        super(LogisticRegression, self).__init__()
        self.linear = nn.Linear(n_features, 1)

    def forward(self, x):
        return torch.sigmoid(self.linear(x))


rng = np.random.default_rng(28)
X_np = rng.standard_normal((40, 2)).astype(np.float32)
y_np = (X_np[:, 0] - 0.5 * X_np[:, 1] > 0).astype(np.float32)
X_train = torch.from_numpy(X_np)
y_train = torch.from_numpy(y_np).view(-1, 1)
model = LogisticRegression(2)
with torch.no_grad():
    model.linear.weight.copy_(torch.tensor([[0.1, 0.1]]))
    model.linear.bias.zero_()
criterion = nn.BCELoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
for epoch in range(30):
    for phase in ["train", "val"]:
        model.train() if phase == "train" else model.eval()
        with torch.set_grad_enabled(phase == "train"):
            y_pred = model(X_train)
            loss = criterion(y_pred, y_train)
            if phase == "train":
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
    if (epoch + 1) % 10 == 0:
        print(f"epoch: {epoch + 1}, loss = {loss.item():.5f}")
with torch.no_grad():
    y_predicted = model(X_train)
    y_predicted_cls = y_predicted.round()
    acc = y_predicted_cls.eq(y_train).sum() / float(y_train.shape[0])
    print(f"accuracy: {acc.item():.4f}")
    print("(pred > 0.5) acc:", ((y_predicted > 0.5).float() == y_train).float().mean().item())
print("weights:", model.linear.weight.tolist(), model.linear.bias.tolist())
