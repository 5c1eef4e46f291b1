# An LSTM sequence classifier (the sentiment-tutorial shape) on random sequences, with (h_n, c_n).
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)


class LSTMClassifier(nn.Module):
    def __init__(self, input_dim, hidden_dim, n_classes):
        super().__init__()
        self.lstm = nn.LSTM(input_dim, hidden_dim, batch_first=True)
        self.hidden2tag = nn.Linear(hidden_dim, n_classes)

    def forward(self, seq):
        lstm_out, (h_n, c_n) = self.lstm(seq)
        return F.log_softmax(self.hidden2tag(h_n[-1]), dim=1)


model = LSTMClassifier(4, 6, 3)
rng = np.random.default_rng(8)
model.load_state_dict({k: torch.tensor(rng.uniform(-0.3, 0.3, tuple(v.shape))) for k, v in model.state_dict().items()})
print([(n, list(p.shape)) for n, p in model.named_parameters()])
x = torch.tensor(rng.standard_normal((5, 9, 4)))
y = torch.tensor(rng.integers(0, 3, 5))
loss_function = nn.NLLLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
for epoch in range(10):
    model.zero_grad()
    tag_scores = model(x)
    loss = loss_function(tag_scores, y)
    loss.backward()
    optimizer.step()
    if epoch % 3 == 0:
        print(epoch, loss.item())
with torch.no_grad():
    print("scores:", model(x)[0].tolist())
lstm = nn.LSTM(input_size=4, hidden_size=3, num_layers=2)
lstm.load_state_dict({k: torch.tensor(rng.uniform(-0.3, 0.3, tuple(v.shape))) for k, v in lstm.state_dict().items()})
seq = x.transpose(0, 1)
h0, c0 = torch.zeros(2, 5, 3), torch.zeros(2, 5, 3)
out, (hn, cn) = lstm(seq, (h0, c0))
print("seq-first out:", list(out.shape), list(hn.shape), list(cn.shape), out[-1, 0].tolist())
