# Per-layer learning rates with param groups, add_param_group, editing lr in param_groups, Adagrad and AdamW.
import numpy as np
import torch
import torch.nn as nn
import torch.optim as optim

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(23)
base = nn.Linear(4, 3)
classifier = nn.Linear(3, 2)
for m in (base, classifier):
    m.load_state_dict({k: torch.tensor(rng.standard_normal(tuple(v.shape))) for k, v in m.state_dict().items()})
optimizer = optim.SGD([{"params": base.parameters()}, {"params": classifier.parameters(), "lr": 1e-2}],
                      lr=1e-1, momentum=0.9)
print("groups:", len(optimizer.param_groups), [g["lr"] for g in optimizer.param_groups],
      [g["momentum"] for g in optimizer.param_groups])
x = torch.tensor(rng.standard_normal((6, 4)))
t = torch.tensor(rng.integers(0, 2, 6))


def step(opt):
    opt.zero_grad()
    loss = nn.functional.cross_entropy(classifier(torch.relu(base(x))), t)
    loss.backward()
    opt.step()
    return loss.item()


for _ in range(3):
    print("loss:", step(optimizer))
for g in optimizer.param_groups:
    g["lr"] *= 0.5
print("edited lr:", [g["lr"] for g in optimizer.param_groups], step(optimizer))
extra = nn.Parameter(torch.ones(2))
optimizer.add_param_group({"params": [extra], "lr": 0.3})
print("after add_param_group:", len(optimizer.param_groups), optimizer.param_groups[2]["momentum"])
adagrad = optim.Adagrad(list(base.parameters()) + list(classifier.parameters()), lr=0.1)
for _ in range(3):
    print("adagrad:", step(adagrad))
adamw = optim.AdamW([{"params": base.parameters(), "weight_decay": 0.0},
                     {"params": classifier.parameters()}], lr=0.01, weight_decay=0.1)
for _ in range(3):
    print("adamw:", step(adamw))
print("adamw groups wd:", [g["weight_decay"] for g in adamw.param_groups], base.bias.tolist())
adam = optim.Adam(base.parameters(), lr=0.01, betas=(0.8, 0.99), amsgrad=False, weight_decay=1e-3)
for _ in range(2):
    step(adam)
print("adam state step:", sorted(adam.state_dict()["state"].keys()), base.weight[0].tolist())
rms = optim.RMSprop(classifier.parameters(), lr=0.01, alpha=0.9, momentum=0.5, centered=True)
for _ in range(2):
    print("rmsprop:", step(rms))
