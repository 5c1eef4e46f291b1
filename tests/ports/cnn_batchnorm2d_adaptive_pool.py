# A small CNN with BatchNorm2d, Dropout2d, AdaptiveAvgPool2d and AvgPool2d; train then evaluate in eval mode.
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)
model = nn.Sequential(
    nn.Conv2d(2, 4, kernel_size=3, stride=1, padding=1), nn.BatchNorm2d(4), nn.ReLU(inplace=True),
    nn.Dropout2d(0.2), nn.AvgPool2d(2),
    nn.Conv2d(4, 4, kernel_size=3, padding=1, bias=False), nn.BatchNorm2d(4), nn.LeakyReLU(0.1),
    nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten(), nn.Linear(4, 3))
rng = np.random.default_rng(29)
model.load_state_dict({k: (torch.tensor(rng.uniform(-0.5, 0.5, tuple(v.shape))) if k.split(".")[0] in ("0", "5", "10")
                           else v) for k, v in model.state_dict().items()})
x = torch.tensor(rng.standard_normal((6, 2, 8, 8)))
y = torch.tensor(rng.integers(0, 3, 6))
model.eval()
with torch.no_grad():
    print("eval before training:", model(x)[0].tolist())
model.train()
model[3].p = 0.0
optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
for it in range(4):
    optimizer.zero_grad()
    loss = F.cross_entropy(model(x), y)
    loss.backward()
    optimizer.step()
    print(it, loss.item())
print("bn running mean:", model[1].running_mean.tolist())
print("bn running var:", model[6].running_var.tolist())
model.eval()
with torch.no_grad():
    out = model(x)
print("eval after training:", out[0].tolist(), out.argmax(1).tolist())
print("adaptive pool sizes:", list(nn.AdaptiveAvgPool2d(2)(x).shape), nn.AdaptiveMaxPool2d((2, 1))(x).sum().item())
