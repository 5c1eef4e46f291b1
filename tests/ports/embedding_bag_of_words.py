# nn.Embedding with padding_idx: a bag-of-words text classifier (the word-embeddings tutorial shape).
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)
word_to_ix = {"<pad>": 0, "hello": 1, "world": 2, "good": 3, "bad": 4, "movie": 5}
sentences = [["hello", "world"], ["good", "movie"], ["bad", "movie", "bad"], ["good", "good", "world"]]
labels = torch.tensor([0, 1, 0, 1])
L = max(len(s) for s in sentences)
ids = torch.tensor([[word_to_ix[w] for w in s] + [0] * (L - len(s)) for s in sentences], dtype=torch.long)
print("ids:", ids.tolist())


class BoW(nn.Module):
    def __init__(self, vocab_size, embedding_dim, num_labels):
        super().__init__()
        self.embeddings = nn.Embedding(vocab_size, embedding_dim, padding_idx=0)
        self.linear = nn.Linear(embedding_dim, num_labels)

    def forward(self, inputs):
        embeds = self.embeddings(inputs)
        mask = (inputs != 0).unsqueeze(-1).float()
        mean = (embeds * mask).sum(1) / mask.sum(1)
        return F.log_softmax(self.linear(mean), dim=1)


model = BoW(len(word_to_ix), 5, 2)
rng = np.random.default_rng(10)
w = rng.standard_normal((6, 5))
w[0] = 0
model.load_state_dict({"embeddings.weight": torch.tensor(w), "linear.weight": torch.tensor(rng.standard_normal((2, 5))),
                       "linear.bias": torch.zeros(2)})
lookup_tensor = torch.tensor([word_to_ix["hello"]], dtype=torch.long)
print("hello embed:", model.embeddings(lookup_tensor).tolist())
optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
loss_function = nn.NLLLoss()
for epoch in range(10):
    model.zero_grad()
    log_probs = model(ids)
    loss = loss_function(log_probs, labels)
    loss.backward()
    optimizer.step()
print("loss:", loss.item())
print("pad row stays zero:", model.embeddings.weight[0].tolist(), model.embeddings.weight.grad[0].abs().sum().item())
print("pred:", model(ids).argmax(dim=1).tolist())
e = F.embedding(torch.tensor([[1, 2], [4, 3]]), model.embeddings.weight)
print("F.embedding:", list(e.shape), e.sum().item())
pre = nn.Embedding.from_pretrained(torch.tensor(w), freeze=True)
print("from_pretrained:", pre.weight.requires_grad, pre(torch.tensor([2])).tolist())
