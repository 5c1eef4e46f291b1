# OneCycleLR per batch, CosineAnnealingLR and LinearLR per epoch; the lr and momentum they set.
import torch.nn as nn
import torch.optim as optim

model = nn.Linear(3, 2)
optimizer = optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
scheduler = optim.lr_scheduler.OneCycleLR(optimizer, max_lr=0.1, steps_per_epoch=5, epochs=2)
lrs, moms = [], []
for epoch in range(2):
    for batch in range(5):
        optimizer.step()
        scheduler.step()
        lrs.append(round(optimizer.param_groups[0]["lr"], 10))
        moms.append(round(optimizer.param_groups[0]["momentum"], 10))
print("OneCycleLR lr:", lrs[:-1])
print("OneCycleLR momentum:", moms[:-1])

optimizer = optim.SGD(model.parameters(), lr=0.1)
scheduler = optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=6, eta_min=0.001)
lrs = []
for epoch in range(8):
    optimizer.step()
    scheduler.step()
    lrs.append(scheduler.get_last_lr()[0])
print("CosineAnnealingLR:", lrs)

optimizer = optim.AdamW(model.parameters(), lr=0.02)
scheduler = optim.lr_scheduler.LinearLR(optimizer, start_factor=0.25, total_iters=4)
lrs = [optimizer.param_groups[0]["lr"]]
for epoch in range(6):
    optimizer.step()
    scheduler.step()
    lrs.append(optimizer.param_groups[0]["lr"])
print("LinearLR:", lrs)
