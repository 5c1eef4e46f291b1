# model.train() / model.eval() with BatchNorm1d and Dropout; running statistics after training.
import numpy as np
import torch
import torch.nn as nn

torch.set_default_dtype(torch.float64)
model = nn.Sequential(nn.Linear(3, 5), nn.BatchNorm1d(5), nn.ReLU(), nn.Dropout(0.5), nn.Linear(5, 1))
rng = np.random.default_rng(2)
model.load_state_dict({k: (torch.tensor(rng.uniform(-0.6, 0.6, tuple(v.shape))) if k[0] in "04" else v)
                       for k, v in model.state_dict().items()})
print("training:", model.training, model[3].training)
x = torch.tensor(rng.standard_normal((16, 3)))
for _ in range(4):
    model(x)
print("running_mean:", model[1].running_mean.tolist())
print("running_var:", model[1].running_var.tolist())
print("num_batches_tracked:", model[1].num_batches_tracked.item())
model.eval()
print("eval mode:", model.training, model[3].training)
with torch.no_grad():
    out = model(x)
print("eval output:", out[:4, 0].tolist())
with torch.no_grad():
    print("deterministic in eval:", torch.equal(model(x), out))
model.train()
y = model(x)
print("train output shape:", list(y.shape), y.requires_grad)
bn = nn.BatchNorm1d(5, momentum=None, affine=False, track_running_stats=True)
for i in range(3):
    bn(torch.tensor(rng.standard_normal((6, 5))) * (i + 1))
print("cumulative average:", bn.running_var.tolist())
