# nn.RNN on sequences (batch_first), last hidden state into a Linear head; regression with MSE.
import numpy as np
import torch
import torch.nn as nn

torch.set_default_dtype(torch.float64)


class RNNModel(nn.Module):
    def __init__(self, input_size, hidden_size, output_size):
        super().__init__()
        self.rnn = nn.RNN(input_size, hidden_size, num_layers=2, batch_first=True, nonlinearity="tanh")
        self.fc = nn.Linear(hidden_size, output_size)

    def forward(self, x, h0=None):
        out, hn = self.rnn(x, h0)
        return self.fc(out[:, -1, :]), hn


model = RNNModel(3, 5, 1)
rng = np.random.default_rng(4)
model.load_state_dict({k: torch.tensor(rng.uniform(-0.4, 0.4, tuple(v.shape))) for k, v in model.state_dict().items()})
print("rnn parameters:", [n for n, _ in model.rnn.named_parameters()])
x = torch.tensor(rng.standard_normal((6, 7, 3)))
target = x.sum(dim=(1, 2)).unsqueeze(1) * 0.1
pred, hn = model(x)
print("output:", list(pred.shape), "hn:", list(hn.shape))
h0 = torch.zeros(2, 6, 5)
pred2, _ = model(x, h0)
print("h0 zeros same:", torch.allclose(pred, pred2))
optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
criterion = nn.MSELoss()
for epoch in range(15):
    optimizer.zero_grad()
    pred, _ = model(x)
    loss = criterion(pred, target)
    loss.backward()
    optimizer.step()
    if epoch % 5 == 0:
        print(f"epoch {epoch} loss {loss.item():.8f}")
cell = nn.RNNCell(3, 4)
cell.load_state_dict({k: torch.tensor(rng.uniform(-0.4, 0.4, tuple(v.shape))) for k, v in cell.state_dict().items()})
h = torch.zeros(6, 4)
for t in range(x.size(1)):
    h = cell(x[:, t], h)
print("RNNCell final h:", h[0].tolist())
