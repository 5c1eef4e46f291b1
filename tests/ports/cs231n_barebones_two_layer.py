# cs231n PyTorch notebook, Part II barebones: flatten, a two-layer net from raw weights, manual SGD.
import numpy as np
import torch
import torch.nn.functional as F

dtype = torch.float64
device = torch.device("cpu")


def flatten(x):
    N = x.shape[0]
    return x.view(N, -1)


def two_layer_fc(x, params):
    x = flatten(x)
    w1, w2 = params
    x = F.relu(x.mm(w1))
    x = x.mm(w2)
    return x


def random_weight(shape, rng):
    if len(shape) == 2:
        fan_in = shape[0]
    else:
        fan_in = np.prod(shape[1:])
    w = torch.tensor(rng.standard_normal(shape) * np.sqrt(2. / fan_in), device=device, dtype=dtype)
    w.requires_grad = True
    return w


def zero_weight(shape):
    return torch.zeros(shape, device=device, dtype=dtype, requires_grad=True)


x = torch.arange(12).view(2, 1, 3, 2)
print("Before flattening: ", list(x.shape), "After flattening: ", flatten(x).tolist())
rng = np.random.default_rng(0)
hidden_layer_size = 42
w1 = random_weight((3 * 4 * 4, hidden_layer_size), rng)
w2 = random_weight((hidden_layer_size, 5), rng)
X = torch.tensor(rng.standard_normal((16, 3, 4, 4)), dtype=dtype)
y = torch.tensor(rng.integers(0, 5, 16), device=device, dtype=torch.long)
print("scores size:", list(two_layer_fc(X, [w1, w2]).size()))
learning_rate = 1e-2
for t in range(10):
    scores = two_layer_fc(X, [w1, w2])
    loss = F.cross_entropy(scores, y)
    loss.backward()
    with torch.no_grad():
        for w in [w1, w2]:
            w -= learning_rate * w.grad
            w.grad.zero_()
    if t % 3 == 0:
        print("Iteration %d, loss = %.6f" % (t, loss.item()))
with torch.no_grad():
    scores = two_layer_fc(X, [w1, w2])
    _, preds = scores.max(1)
    num_correct = (preds == y).sum()
    num_samples = preds.size(0)
    acc = float(num_correct) / num_samples
    print("Got %d / %d correct (%.2f%%)" % (num_correct, num_samples, 100 * acc))
b = zero_weight((3,))
print("zero weight:", b.tolist(), b.requires_grad)
