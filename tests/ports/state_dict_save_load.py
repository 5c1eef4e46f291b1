# Saving and loading: torch.save(model.state_dict(), PATH), load_state_dict(torch.load(PATH)), optimizer state too.
import numpy as np
import torch
import torch.nn as nn
import torch.optim as optim

torch.set_default_dtype(torch.float64)


class TheModelClass(nn.Module):
    def __init__(self):
        super(TheModelClass, self).__init__()
        self.fc1 = nn.Linear(4, 6)
        self.bn = nn.BatchNorm1d(6)
        self.fc2 = nn.Linear(6, 2)

    def forward(self, x):
        return self.fc2(torch.relu(self.bn(self.fc1(x))))


model = TheModelClass()
rng = np.random.default_rng(0)
model.load_state_dict({k: (torch.tensor(rng.uniform(-0.5, 0.5, tuple(v.shape))) if "fc" in k else v)
                       for k, v in model.state_dict().items()})
optimizer = optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
print("Model's state_dict:")
for param_tensor in model.state_dict():
    print(param_tensor, "\t", list(model.state_dict()[param_tensor].size()))
x = torch.tensor(rng.standard_normal((8, 4)))
y = torch.tensor(rng.standard_normal((8, 2)))
for _ in range(3):
    optimizer.zero_grad()
    loss = ((model(x) - y) ** 2).mean()
    loss.backward()
    optimizer.step()
print("Optimizer's state_dict:", optimizer.state_dict()["param_groups"][0]["lr"],
      optimizer.state_dict()["param_groups"][0]["momentum"])

PATH = "model_weights.pth"
torch.save(model.state_dict(), PATH)
model2 = TheModelClass()
model2.load_state_dict(torch.load(PATH))
model2.eval()
model.eval()
with torch.no_grad():
    print("same outputs:", torch.allclose(model(x), model2(x)), model2(x)[0].tolist())
print("running_mean:", model2.bn.running_mean.tolist())
print("num_batches_tracked:", model2.bn.num_batches_tracked.item())

torch.save({"epoch": 3, "model_state_dict": model.state_dict(), "optimizer_state_dict": optimizer.state_dict(),
            "loss": loss.item()}, "checkpoint.tar")
checkpoint = torch.load("checkpoint.tar")
model3 = TheModelClass()
optimizer3 = optim.SGD(model3.parameters(), lr=0.5, momentum=0.1)
model3.load_state_dict(checkpoint["model_state_dict"])
optimizer3.load_state_dict(checkpoint["optimizer_state_dict"])
print("epoch, loss:", checkpoint["epoch"], checkpoint["loss"])
print("restored lr, momentum:", optimizer3.param_groups[0]["lr"], optimizer3.param_groups[0]["momentum"])
model3.train()
optimizer3.zero_grad()
((model3(x) - y) ** 2).mean().backward()
optimizer3.step()
model.train()
optimizer.zero_grad()
((model(x) - y) ** 2).mean().backward()
optimizer.step()
print("resumed step matches:", torch.allclose(model3.fc1.weight, model.fc1.weight), model3.fc2.bias.tolist())
