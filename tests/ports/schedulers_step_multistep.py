# Learning-rate schedulers: StepLR, MultiStepLR, ExponentialLR, LambdaLR, get_last_lr and param_groups.
import torch.nn as nn
import torch.optim as optim
from torch.optim.lr_scheduler import ExponentialLR, LambdaLR, MultiStepLR, StepLR

model = nn.Linear(2, 1)
optimizer = optim.SGD(model.parameters(), lr=0.1)
scheduler = StepLR(optimizer, step_size=3, gamma=0.5)
lrs = []
for epoch in range(10):
    optimizer.step()
    lrs.append(optimizer.param_groups[0]["lr"])
    scheduler.step()
print("StepLR:", lrs, scheduler.get_last_lr())

optimizer = optim.SGD(model.parameters(), lr=1.0)
scheduler = MultiStepLR(optimizer, milestones=[2, 5], gamma=0.1)
lrs = []
for epoch in range(7):
    optimizer.step()
    scheduler.step()
    lrs.append(scheduler.get_last_lr()[0])
print("MultiStepLR:", lrs)

optimizer = optim.Adam(model.parameters(), lr=0.01)
scheduler = ExponentialLR(optimizer, gamma=0.9)
for epoch in range(5):
    optimizer.step()
    scheduler.step()
print("ExponentialLR:", optimizer.param_groups[0]["lr"])

optimizer = optim.SGD(model.parameters(), lr=0.05)
lambda1 = lambda epoch: 0.95 ** epoch
scheduler = LambdaLR(optimizer, lr_lambda=lambda1)
for epoch in range(4):
    optimizer.step()
    scheduler.step()
print("LambdaLR:", scheduler.get_last_lr(), scheduler.last_epoch)
print("state_dict last_epoch:", scheduler.state_dict()["last_epoch"])
