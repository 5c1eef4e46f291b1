# cs231n PyTorch notebook: the functional three-layer ConvNet, then the same net as nn.Sequential with Flatten.
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

dtype = torch.float64


def three_layer_convnet(x, params):
    conv_w1, conv_b1, conv_w2, conv_b2, fc_w, fc_b = params
    x = F.relu(F.conv2d(x, conv_w1, conv_b1, padding=2))
    x = F.relu(F.conv2d(x, conv_w2, conv_b2, padding=1))
    x = x.view(x.shape[0], -1)
    scores = x.mm(fc_w) + fc_b
    return scores


rng = np.random.default_rng(11)


def param(*shape):
    return torch.tensor(rng.standard_normal(shape) * 0.1, dtype=dtype, requires_grad=True)


params = [param(6, 3, 5, 5), param(6), param(4, 6, 3, 3), param(4), param(4 * 6 * 6, 5), param(5)]
x = torch.tensor(rng.standard_normal((4, 3, 6, 6)), dtype=dtype)
y = torch.tensor(rng.integers(0, 5, 4))
scores = three_layer_convnet(x, params)
print("scores:", list(scores.size()))
loss = F.cross_entropy(scores, y)
loss.backward()
print("loss:", loss.item())
print("grad norms:", [p.grad.norm().item() for p in params])

model = nn.Sequential(
    nn.Conv2d(3, 6, (5, 5), padding=2),
    nn.ReLU(),
    nn.Conv2d(6, 4, (3, 3), padding=1),
    nn.ReLU(),
    nn.Flatten(),
    nn.Linear(4 * 6 * 6, 5),
).to(dtype=dtype)
with torch.no_grad():
    model[0].weight.copy_(params[0])
    model[0].bias.copy_(params[1])
    model[2].weight.copy_(params[2])
    model[2].bias.copy_(params[3])
    model[5].weight.copy_(params[4].t())
    model[5].bias.copy_(params[5])
print("same scores:", torch.allclose(model(x), scores))
optimizer = torch.optim.SGD(model.parameters(), lr=1e-2, momentum=0.9, nesterov=True)
for t in range(5):
    scores = model(x)
    loss = F.cross_entropy(scores, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    print("Iteration %d, loss = %.6f" % (t, loss.item()))
