# A transformer-style MLP block: LayerNorm, GELU, Dropout (eval), residual connection; AdamW training.
import numpy as np
import torch
import torch.nn as nn

torch.set_default_dtype(torch.float64)


class Block(nn.Module):
    def __init__(self, d, hidden, p=0.1):
        super().__init__()
        self.ln = nn.LayerNorm(d)
        self.mlp = nn.Sequential(nn.Linear(d, hidden), nn.GELU(), nn.Linear(hidden, d), nn.Dropout(p))

    def forward(self, x):
        return x + self.mlp(self.ln(x))


model = nn.Sequential(Block(6, 12), Block(6, 12), nn.LayerNorm(6), nn.Linear(6, 2))
rng = np.random.default_rng(26)
model.load_state_dict({k: torch.tensor(rng.uniform(-0.5, 0.5, tuple(v.shape)) + ("ln" in k and "weight" in k))
                       for k, v in model.state_dict().items()})
x = torch.tensor(rng.standard_normal((3, 5, 6)))
target = torch.tensor(rng.standard_normal((3, 5, 2)))
model.eval()
print("eval out:", model(x)[0, 0].tolist())
optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=0.01)
for step in range(5):
    out = model(x)
    loss = nn.functional.mse_loss(out, target)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    print(step, loss.item())
ln = nn.LayerNorm([5, 6], elementwise_affine=False)
y = ln(x)
print("layernorm stats:", y[0].mean().item() < 1e-12, y[0].var(unbiased=False).item())
print("F.layer_norm:", nn.functional.layer_norm(x, (6,))[1, 1].tolist())
print("GELU tanh:", nn.GELU(approximate="tanh")(x[0, 0]).tolist())
