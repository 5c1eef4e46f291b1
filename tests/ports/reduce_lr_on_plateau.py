# ReduceLROnPlateau driven by a validation loss that stalls.
import torch
import torch.optim as optim

w = torch.nn.Parameter(torch.zeros(2))
optimizer = optim.SGD([w], lr=0.1, momentum=0.9)
scheduler = optim.lr_scheduler.ReduceLROnPlateau(optimizer, mode="min", factor=0.5, patience=2)
val_losses = [1.0, 0.8, 0.7, 0.71, 0.72, 0.69, 0.7, 0.7, 0.7, 0.7, 0.5, 0.5, 0.5, 0.5]
for epoch, val_loss in enumerate(val_losses):
    optimizer.step()
    scheduler.step(val_loss)
    print(epoch, optimizer.param_groups[0]["lr"])

optimizer = optim.Adam([w], lr=1.0)
scheduler = optim.lr_scheduler.ReduceLROnPlateau(optimizer, mode="max", factor=0.1, patience=0, threshold=0.01,
                                                 cooldown=1, min_lr=1e-3)
for acc in [0.5, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6]:
    optimizer.step()
    scheduler.step(acc)
    print("max mode:", optimizer.param_groups[0]["lr"])
