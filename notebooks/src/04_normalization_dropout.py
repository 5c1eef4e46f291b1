# %% [markdown]
# # 4. Batch norm, layer norm and dropout
#
# The BatchNormalization and Dropout homework notebooks run three experiments, repeated here with
# `autograd_lite.nn` on the 8×8 digits: (1) a deep network with and without batch norm, across
# weight-initialisation scales; (2) batch norm (and layer norm) at several batch sizes; (3) dropout
# on a large network trained on a small training set.
#
# **Take away:** without normalisation, a deep net trains only in a narrow band of initial weight
# scales; batch norm widens that band to several orders of magnitude. With small batches, batch
# norm's per-batch statistics are noisy, which slows training at equal batch size compared with
# layer norm, which normalises each sample on its own. Dropout trades training accuracy for a smaller gap between training
# and validation accuracy — it regularises.

# %%
%matplotlib inline
import time

import matplotlib.pyplot as plt
import numpy as np

import autograd_lite as al
import autograd_lite.nn as nn
import autograd_lite.optim as optim
from autograd_lite.data import DataLoader, TensorDataset, load_digits
from autograd_lite.train import Trainer

digits = load_digits()
val_loader = DataLoader(digits.val, batch_size=len(digits.val))
started = time.perf_counter()


def make_net(hidden, norm=None, weight_scale=None, dropout=0.0, seed=0):
    """Flatten → [Linear → (BatchNorm1d | LayerNorm) → ReLU → (Dropout)] per hidden width → Linear.
    weight_scale: draw every weight from N(0, weight_scale²) with zero biases, as in the homework."""
    al.manual_seed(seed)
    layers, width = [nn.Flatten()], 64
    for h in hidden:
        layers.append(nn.Linear(width, h))
        if norm == "batchnorm":
            layers.append(nn.BatchNorm1d(h))
        elif norm == "layernorm":
            layers.append(nn.LayerNorm(h))
        layers.append(nn.ReLU())
        if dropout:
            layers.append(nn.Dropout(dropout))
        width = h
    model = nn.Sequential(*layers, nn.Linear(width, 10))
    if weight_scale is not None:
        for m in model.modules():
            if isinstance(m, nn.Linear):
                nn.init.normal_(m.weight, 0.0, weight_scale)
                nn.init.zeros_(m.bias)
    return model


def train(model, train_set, epochs, batch_size=50, lr=1e-3):
    loader = DataLoader(train_set, batch_size=batch_size, shuffle=True, seed=1)
    trainer = Trainer(model, nn.CrossEntropyLoss(), optim.Adam(model.parameters(), lr=lr),
                      progress=False, restore_best=False, log=None)
    return trainer.fit(loader, val_loader, epochs)

# %% [markdown]
# ## 1. Batch norm and the initialisation scale
#
# Six layers (five hidden layers of 50 units), weights drawn from N(0, s²) for s from 10⁻⁴ to 1,
# trained with Adam for 6 epochs on 500 training images, with and without batch norm — the
# homework's three panels: best validation accuracy, best training accuracy, final training loss.

# %%
small_train = TensorDataset(*(a[:500] for a in digits.train.arrays))
scales = np.logspace(-4, 0, 7)
results = {None: [], "batchnorm": []}
for scale in scales:
    for norm in results:
        h = train(make_net([50] * 5, norm, weight_scale=scale), small_train, epochs=6)
        results[norm].append((max(h.epochs["val_acc"]), max(h.epochs["train_acc"]), h.epochs["train_loss"][-1]))

fig, axes = plt.subplots(1, 3, figsize=(16, 4))
titles = ("Best validation accuracy", "Best training accuracy", "Final training loss")
for i, (ax, title) in enumerate(zip(axes, titles)):
    for norm, label in ((None, "baseline"), ("batchnorm", "batchnorm")):
        ax.semilogx(scales, [r[i] for r in results[norm]], "-o", label=label)
    ax.set(title=f"{title} vs weight initialization scale", xlabel="Weight initialization scale")
    if i == 2:
        ax.set_yscale("log")  # a too-large scale makes the baseline's loss explode
    ax.legend()
plt.tight_layout()
plt.show()

# %% [markdown]
# ## 2. Batch size
#
# The same six-layer network (default initialisation) with batch norm at batch sizes 10, 25 and 50,
# and with layer norm at batch sizes 10 and 50, against the baseline at 50, for the same number of
# epochs (smaller batches take more steps). Compare at equal batch size: with 10 images per batch,
# batch norm's training accuracy (measured in train mode, with the batch's own statistics) lags
# layer norm's — the noise of normalising with statistics of only 10 samples.

# %%
configs = [("baseline, 50", None, 50), ("batchnorm, 10", "batchnorm", 10), ("batchnorm, 25", "batchnorm", 25),
           ("batchnorm, 50", "batchnorm", 50), ("layernorm, 10", "layernorm", 10), ("layernorm, 50", "layernorm", 50)]
fig, (ax_train, ax_val) = plt.subplots(1, 2, figsize=(14, 4))
for label, norm, batch_size in configs:
    h = train(make_net([50] * 5, norm), small_train, epochs=5, batch_size=batch_size)
    style = "--" if norm == "layernorm" else "-"
    ax_train.plot(h.epochs["epoch"], h.epochs["train_acc"], style + "o", label=label)
    ax_val.plot(h.epochs["epoch"], h.epochs["val_acc"], style + "o", label=label)
    print(f"{label:14s} final val accuracy {h.epochs['val_acc'][-1]:.3f}")
ax_train.set(title="Training accuracy (running, in train mode)", xlabel="Epoch", ylim=(0, 1))
ax_val.set(title="Validation accuracy (eval mode)", xlabel="Epoch", ylim=(0, 1))
ax_train.legend()
ax_val.legend()
plt.tight_layout()
plt.show()

# %% [markdown]
# ## 3. Dropout as a regulariser
#
# A wide network (two hidden layers of 500 units) on only 200 training images, trained for 20
# epochs with dropout probability p = 0 (none) and p = 0.5 (`nn.Dropout(p)` zeroes a unit with
# probability p, as in PyTorch; the homework's `dropout_param['p']` is the probability of keeping it).
# Without dropout the network memorises the training set; with it, training accuracy rises more
# slowly (it is measured with dropout active) and the gap to validation accuracy is smaller.

# %%
tiny_train = TensorDataset(*(a[:200] for a in digits.train.arrays))
fig, (ax_train, ax_val) = plt.subplots(1, 2, figsize=(14, 4))
for p in (0.0, 0.5):
    h = train(make_net([500, 500], dropout=p), tiny_train, epochs=20, batch_size=50)
    ax_train.plot(h.epochs["epoch"], h.epochs["train_acc"], "-o", markersize=3, label=f"p = {p}")
    ax_val.plot(h.epochs["epoch"], h.epochs["val_acc"], "-o", markersize=3, label=f"p = {p}")
    print(f"dropout p = {p:4}: final train accuracy {h.epochs['train_acc'][-1]:.3f}, "
          f"val accuracy {h.epochs['val_acc'][-1]:.3f}, best val {max(h.epochs['val_acc']):.3f}, "
          f"train − val gap {h.epochs['train_acc'][-1] - h.epochs['val_acc'][-1]:+.3f}")
ax_train.set(title="Train accuracy", xlabel="Epoch", ylim=(0, 1.02))
ax_val.set(title="Val accuracy", xlabel="Epoch", ylim=(0, 1.02))
ax_train.legend()
ax_val.legend()
plt.tight_layout()
plt.show()
print(f"all experiments: {time.perf_counter() - started:.0f} s")
