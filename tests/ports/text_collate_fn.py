# Variable-length token sequences: a Dataset of lists, a custom collate_fn that pads and returns lengths,
# DataLoader(num_workers=0, pin_memory=False) as tutorials write it, Embedding + masked mean + Linear.
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(32)
VOCAB, PAD = 12, 0
sequences = [list(rng.integers(1, VOCAB, size=int(n))) for n in rng.integers(2, 7, size=10)]
labels = [int(sum(s) % 2) for s in sequences]


class TextDataset(Dataset):
    def __init__(self, seqs, labels):
        self.seqs, self.labels = seqs, labels

    def __len__(self):
        return len(self.seqs)

    def __getitem__(self, idx):
        return self.seqs[idx], self.labels[idx]


def collate_batch(batch):
    lengths = torch.tensor([len(s) for s, _ in batch])
    padded = torch.full((len(batch), int(lengths.max())), PAD, dtype=torch.long)
    for i, (s, _) in enumerate(batch):
        padded[i, :len(s)] = torch.tensor(s)
    return padded, lengths, torch.tensor([y for _, y in batch])


class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.embedding = nn.Embedding(VOCAB, 4, padding_idx=PAD)
        self.fc = nn.Linear(4, 2)

    def forward(self, tokens, lengths):
        mask = (tokens != PAD).unsqueeze(-1)
        summed = (self.embedding(tokens) * mask).sum(dim=1)
        return self.fc(summed / lengths.unsqueeze(1))


loader = DataLoader(TextDataset(sequences, labels), batch_size=4, shuffle=False, collate_fn=collate_batch,
                    num_workers=0, pin_memory=False)
padded, lengths, y = next(iter(loader))
print("padded:", padded.tolist(), "lengths:", lengths.tolist(), "labels:", y.tolist())
model = Classifier()
w = rng.standard_normal((VOCAB, 4))
w[PAD] = 0
model.load_state_dict({"embedding.weight": torch.tensor(w), "fc.weight": torch.tensor(rng.standard_normal((2, 4))),
                       "fc.bias": torch.tensor(np.zeros(2))})
optimizer = torch.optim.Adam(model.parameters(), lr=0.05)
for epoch in range(5):
    total = 0.0
    for tokens, lengths, targets in loader:
        optimizer.zero_grad()
        loss = F.cross_entropy(model(tokens, lengths), targets)
        loss.backward()
        optimizer.step()
        total += loss.item() * len(targets)
    print(f"epoch {epoch} loss {total / len(loader.dataset):.8f}")
print("pad embedding untouched:", model.embedding.weight[PAD].abs().sum().item())
