# Unrolling a GRUCell / LSTMCell by hand over time steps; compare with nn.GRU on the same weights.
import numpy as np
import torch
import torch.nn as nn

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(9)
gru = nn.GRU(3, 4, batch_first=True)
gru.load_state_dict({k: torch.tensor(rng.uniform(-0.5, 0.5, tuple(v.shape))) for k, v in gru.state_dict().items()})
cell = nn.GRUCell(3, 4)
cell.load_state_dict({k[:-3]: v for k, v in gru.state_dict().items()})
x = torch.tensor(rng.standard_normal((2, 5, 3)), requires_grad=True)
out, hn = gru(x)
h = torch.zeros(2, 4)
outputs = []
for t in range(5):
    h = cell(x[:, t, :], h)
    outputs.append(h)
stacked = torch.stack(outputs, dim=1)
print("GRU == unrolled GRUCell:", torch.allclose(out, stacked), out[1, -1].tolist())
stacked.sum().backward()
print("dx:", x.grad[0, 0].tolist())
lcell = nn.LSTMCell(3, 2)
lcell.load_state_dict({k: torch.tensor(rng.uniform(-0.5, 0.5, tuple(v.shape))) for k, v in lcell.state_dict().items()})
hx, cx = torch.zeros(2, 2), torch.zeros(2, 2)
for t in range(5):
    hx, cx = lcell(x[:, t, :].detach(), (hx, cx))
print("LSTMCell:", hx.tolist(), cx.tolist())
