# %% [markdown]
# # 4. Batch norm, layer norm and dropout
#
# The BatchNormalization and Dropout homework notebooks run three experiments, repeated here with
# `autograd_lite.nn` on the 8×8 digits: (1) a deep network with and without batch norm, across
# weight-initialisation scales; (2) batch norm (and layer norm) at several batch sizes; (3) dropout
# on a large network trained on a small training set.
#
# **Take away:** without normalisation, a deep net trains only in a narrow band of initial weight
# scales; batch norm widens that band to several orders of magnitude. Batch norm normalises with the
# statistics of the current mini-batch, so a sample's output depends on its batch companions and
# small batches make training noisy; layer norm normalises each sample on its own and does not care
# about the batch size. Dropout trades training accuracy for a smaller gap between training and
# validation accuracy — it regularises.

# %%
%matplotlib inline
import time

import matplotlib.pyplot as plt
import numpy as np

import autograd_lite as al
import autograd_lite.nn as nn
import autograd_lite.optim as optim
from autograd_lite.data import DataLoader, TensorDataset, load_digits
from autograd_lite.train import Trainer, evaluate

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
scales = np.logspace(-4, 0, 13)
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
# Reading the plot: without batch norm, weights that are too small shrink the signal at every layer
# (five hidden layers multiply it by roughly s·√(50/2) each), so the scores and the gradients that
# reach the first layers vanish and the network stays at chance; weights that are too large blow it up
# and the loss explodes. Only a narrow band of scales around He initialisation (√(2/fan_in) ≈ 0.2)
# trains. With batch norm every hidden pre-activation is rescaled to unit variance, so a hidden
# layer's output depends on the direction of its weights but not on their scale, and the network
# trains across most of the range. What the scale still changes is the *effective* learning rate:
# Adam moves every weight by about 10⁻³ per step, a large relative change for weights of size 10⁻⁴
# (noisy training) and a small one for weights of size 1 (slow training). And the last linear layer,
# which produces the class scores, is not normalised: with s = 1 its scores start huge.

# %% [markdown]
# ## 2. Batch size
#
# The same six-layer network (default initialisation) with batch norm at batch sizes 10, 25 and 50,
# and with layer norm at batch sizes 10 and 50, against the baseline at 50, for the same number of
# epochs (smaller batches take more steps). Compare at equal batch size: with 10 images per batch,
# batch norm's training accuracy (measured in train mode, with the batch's own statistics) lags
# layer norm's — the noise of normalising with statistics of only 10 samples. Validation accuracy is
# measured in evaluation mode, with batch norm's running statistics, and there the small batches do not
# hurt on this data: they simply take five times as many steps per epoch.

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
# Why the batch size matters to batch norm and not to layer norm: in training mode batch norm
# subtracts the mean of the *batch* and divides by its standard deviation, so the output for one image
# depends on which other images share its batch. Below, one image is sent through freshly
# initialised networks in 20 batches, each time with different random companions, and we measure the
# standard deviation of its ten class scores across those 20 batches. Under layer norm they do not
# change at all; under batch norm in training mode they do, and the smaller the batch, the more they
# change (a mean and variance estimated from fewer samples are noisier). In evaluation mode batch norm
# uses its running averages instead and the dependence disappears — which is also why a batch-norm
# network behaves differently at training and at test time.

# %%
images = digits.train.arrays[0]
rng = np.random.default_rng(0)
models = {"batchnorm": make_net([50] * 5, "batchnorm"), "layernorm": make_net([50] * 5, "layernorm")}
print("std of image 0's class scores across 20 batches with different companions")
print(f"{'batch size':>10}  {'batch norm, train mode':>22}  {'batch norm, eval mode':>21}  {'layer norm':>10}")
for batch_size in (4, 10, 50, 200):
    batches = [np.concatenate([images[:1], images[1 + rng.choice(len(images) - 1, batch_size - 1, replace=False)]])
               for _ in range(20)]
    spread = {}
    for name, mode in (("batchnorm", "train"), ("batchnorm", "eval"), ("layernorm", "train")):
        model = models[name]
        model.train(mode == "train")
        with al.no_grad():
            scores = np.stack([model(al.tensor(b)).data[0] for b in batches])  # image 0's ten scores, 20 times
        spread[name, mode] = scores.std(axis=0).mean()
    print(f"{batch_size:10d}  {spread['batchnorm', 'train']:22.3f}  {spread['batchnorm', 'eval']:21.3f}"
          f"  {spread['layernorm', 'train']:10.3f}")

# %% [markdown]
# ## 3. Dropout as a regulariser
#
# A wide network (two hidden layers of 500 units) on only 200 training images, trained for 20
# epochs with dropout probability p = 0 (none) and p = 0.5 (`nn.Dropout(p)` zeroes a unit with
# probability p, as in PyTorch; the homework's `dropout_param['p']` is the probability of keeping it).
# As in the homework's Solver, training accuracy is measured after every epoch in evaluation mode
# (dropout off) on the whole training subset, so the two networks are compared on equal terms.
# Without dropout the network memorises the 200 images; with it, training accuracy rises more slowly
# and stays further from 100%, and the gap to validation accuracy is smaller. As in the homework's
# answer, validation accuracy ends up about the same: on these easy digits the network without dropout
# does not overfit badly, so there is little for the regulariser to win back.

# %%
tiny_train = TensorDataset(*(a[:200] for a in digits.train.arrays))
fig, (ax_train, ax_val) = plt.subplots(1, 2, figsize=(14, 4))
tiny_train_eval = DataLoader(tiny_train, batch_size=len(tiny_train))
epochs = range(1, 21)
for p in (0.0, 0.5):
    model = make_net([500, 500], dropout=p)
    trainer = Trainer(model, nn.CrossEntropyLoss(), optim.Adam(model.parameters(), lr=1e-3),
                      progress=False, restore_best=False, log=None)
    loader = DataLoader(tiny_train, batch_size=50, shuffle=True, seed=1)
    train_acc = []
    for _ in epochs:  # one epoch at a time, to measure training accuracy in eval mode after each
        trainer.fit(loader, val_loader, 1)
        train_acc.append(evaluate(model, tiny_train_eval)[1])
    val_acc = trainer.history.epochs["val_acc"]
    ax_train.plot(epochs, train_acc, "-o", markersize=3, label=f"p = {p}")
    ax_val.plot(epochs, val_acc, "-o", markersize=3, label=f"p = {p}")
    print(f"dropout p = {p:4}: final train accuracy {train_acc[-1]:.3f}, val accuracy {val_acc[-1]:.3f}, "
          f"best val {max(val_acc):.3f}, train − val gap {train_acc[-1] - val_acc[-1]:+.3f}")
ax_train.set(title="Train accuracy", xlabel="Epoch", ylim=(0, 1.02))
ax_val.set(title="Val accuracy", xlabel="Epoch", ylim=(0, 1.02))
ax_train.legend()
ax_val.legend()
plt.tight_layout()
plt.show()
print(f"all experiments: {time.perf_counter() - started:.0f} s")
