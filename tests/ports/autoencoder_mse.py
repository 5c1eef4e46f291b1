# A tiny fully connected autoencoder trained with MSE and Adam, evaluated under no_grad; encoder reused after.
import numpy as np
import torch
import torch.nn as nn

torch.set_default_dtype(torch.float64)


class AutoEncoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(8, 4), nn.Tanh(), nn.Linear(4, 2))
        self.decoder = nn.Sequential(nn.Linear(2, 4), nn.Tanh(), nn.Linear(4, 8), nn.Sigmoid())

    def forward(self, x):
        return self.decoder(self.encoder(x))


model = AutoEncoder()
rng = np.random.default_rng(30)
model.load_state_dict({k: torch.tensor(rng.uniform(-0.5, 0.5, tuple(v.shape))) for k, v in model.state_dict().items()})
data = torch.tensor(rng.random((32, 8)))
criterion = nn.MSELoss()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-2, weight_decay=1e-5)
for epoch in range(10):
    for i in range(0, 32, 8):
        img = data[i:i + 8]
        output = model(img)
        loss = criterion(output, img)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    print("epoch [{}/{}], loss:{:.6f}".format(epoch + 1, 10, loss.item()))
model.eval()
with torch.no_grad():
    codes = model.encoder(data[:3])
    recon_err = ((model(data) - data) ** 2).mean(dim=1)
print("codes:", codes.tolist())
print("worst reconstruction:", recon_err.max().item(), recon_err.argmax().item())
