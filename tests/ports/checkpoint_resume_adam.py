# Resuming training from a checkpoint: model, Adam and scheduler state dicts saved with torch.save, loaded into
# fresh objects; the resumed run must continue exactly where the uninterrupted one goes.
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(34)
X = torch.tensor(rng.standard_normal((16, 3)))
Y = torch.tensor(rng.standard_normal((16, 1)))
init = {"0.weight": torch.tensor(rng.standard_normal((5, 3))), "0.bias": torch.tensor(rng.standard_normal(5)),
        "2.weight": torch.tensor(rng.standard_normal((1, 5))), "2.bias": torch.tensor(rng.standard_normal(1))}


def make():
    model = nn.Sequential(nn.Linear(3, 5), nn.Tanh(), nn.Linear(5, 1))
    model.load_state_dict(init)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.05, betas=(0.9, 0.99))
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.5)
    return model, optimizer, scheduler


def train(model, optimizer, scheduler, epochs):
    for _ in range(epochs):
        optimizer.zero_grad()
        loss = F.mse_loss(model(X), Y)
        loss.backward()
        optimizer.step()
        scheduler.step()
    return loss.item()


model, optimizer, scheduler = make()
print("first 3 epochs:", train(model, optimizer, scheduler, 3))
torch.save({"epoch": 3, "model": model.state_dict(), "optimizer": optimizer.state_dict(),
            "scheduler": scheduler.state_dict()}, "ckpt.pt")
print("uninterrupted:", train(model, optimizer, scheduler, 4), scheduler.get_last_lr())
state = optimizer.state_dict()
print("adam state:", sorted(state["state"].keys()), float(state["state"][0]["step"]), state["param_groups"][0]["lr"])

model2, optimizer2, scheduler2 = make()
ckpt = torch.load("ckpt.pt")
model2.load_state_dict(ckpt["model"])
optimizer2.load_state_dict(ckpt["optimizer"])
scheduler2.load_state_dict(ckpt["scheduler"])
print("resumed at epoch", ckpt["epoch"], "lr", optimizer2.param_groups[0]["lr"], scheduler2.last_epoch)
print("resumed:", train(model2, optimizer2, scheduler2, 4), scheduler2.get_last_lr())
print("same weights:", all(torch.allclose(a, b) for a, b in zip(model.parameters(), model2.parameters())))
print("exp_avg_sq:", optimizer2.state_dict()["state"][1]["exp_avg_sq"].tolist())
