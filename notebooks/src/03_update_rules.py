# %% [markdown]
# # 3. Fully connected nets and update rules
#
# The FullyConnectedNets homework trains the same five-hidden-layer network with plain SGD,
# SGD with momentum, RMSprop and Adam, and compares their loss and accuracy curves. This notebook
# repeats that comparison with `autograd_lite.nn` and `autograd_lite.optim` on the 8×8 digits
# bundled with scikit-learn (1,197 training and 300 validation images), small enough to train
# each network in about a second.
#
# **Take away:** from the same initial weights and the same mini-batches, plain SGD barely moves
# in the first epochs of a deep, narrow network; momentum accumulates a velocity that gets it going,
# and the adaptive methods (RMSprop, Adam), which rescale each parameter's step by a running
# estimate of its gradient's size, reach high accuracy fastest. The learning-rate sweep at the end
# shows that the ranking depends on the learning rate you pick for each rule.

# %%
%matplotlib inline
import time

import matplotlib.pyplot as plt
import numpy as np

import autograd_lite as al
import autograd_lite.nn as nn
import autograd_lite.optim as optim
from autograd_lite.data import DataLoader, load_digits
from autograd_lite.train import Trainer, evaluate

digits = load_digits()
print(digits.train, digits.val, digits.test, sep="\n")

# %% [markdown]
# The homework's network: five hidden layers of 100 ReLU units, then a linear layer to the 10
# class scores; softmax cross-entropy loss. Every run starts from the same weights (seed 0) and
# sees the same sequence of shuffled mini-batches of 50 images (seed 1).

# %%
def make_net(seed: int = 0) -> nn.Module:
    al.manual_seed(seed)
    layers = [nn.Flatten()]
    width = 64
    for _ in range(5):
        layers += [nn.Linear(width, 100), nn.ReLU()]
        width = 100
    return nn.Sequential(*layers, nn.Linear(width, 10))


def train(make_optimizer, epochs: int = 8, batch_size: int = 50):
    model = make_net()
    loader = DataLoader(digits.train, batch_size=batch_size, shuffle=True, seed=1)
    val_loader = DataLoader(digits.val, batch_size=len(digits.val))
    trainer = Trainer(model, nn.CrossEntropyLoss(), make_optimizer(model.parameters()),
                      progress=False, restore_best=False, log=None)
    history = trainer.fit(loader, val_loader, epochs)
    return model, history


update_rules = {
    "sgd":          lambda p: optim.SGD(p, lr=5e-2),
    "sgd_momentum": lambda p: optim.SGD(p, lr=5e-2, momentum=0.9),
    "rmsprop":      lambda p: optim.RMSprop(p, lr=1e-3),
    "adam":         lambda p: optim.Adam(p, lr=1e-3),
}
runs = {}
for name, make_optimizer in update_rules.items():
    start = time.perf_counter()
    runs[name] = train(make_optimizer)
    h = runs[name][1]
    print(f"{name:13s} final train acc {h.epochs['train_acc'][-1]:.3f}  val acc {h.epochs['val_acc'][-1]:.3f}"
          f"  ({time.perf_counter() - start:.1f} s)")

# %% [markdown]
# The homework's three panels — training loss per iteration, training accuracy and validation
# accuracy per epoch — side by side:

# %%
fig, (ax_loss, ax_train, ax_val) = plt.subplots(1, 3, figsize=(16, 4.5))
for name, (_, h) in runs.items():
    ax_loss.plot(h.steps["loss"], "o", markersize=2, label=name)
    ax_train.plot(h.epochs["epoch"], h.epochs["train_acc"], "-o", label=name)
    ax_val.plot(h.epochs["epoch"], h.epochs["val_acc"], "-o", label=name)
ax_loss.set(title="Training loss", xlabel="Iteration")
ax_train.set(title="Training accuracy", xlabel="Epoch", ylim=(0, 1))
ax_val.set(title="Validation accuracy", xlabel="Epoch", ylim=(0, 1))
for ax in (ax_loss, ax_train, ax_val):
    ax.legend(loc="lower right" if ax is not ax_loss else "upper right")
plt.tight_layout()
plt.show()

# %% [markdown]
# Test accuracy of each final network (the 300 held-out test images were not used above):

# %%
test_loader = DataLoader(digits.test, batch_size=len(digits.test))
for name, (model, _) in runs.items():
    loss, acc = evaluate(model, test_loader, nn.CrossEntropyLoss())
    print(f"{name:13s} test loss {loss:.3f}  test accuracy {acc:.3f}")

# %% [markdown]
# ## What a step looks like
#
# Each rule turns the same gradient into a different step. For one mini-batch at the initial
# weights, the size of the first layer's update under each rule (after one `step()` from fresh
# optimizer state). SGD's step is `lr` times the gradient — tiny here, because the gradient reaching
# the first layer of this deep net is tiny (momentum's first step is the same; only later steps add
# up). The adaptive rules divide by a running root-mean-square of the gradient, so their steps do not
# depend on its scale: Adam's first step is `lr` for every weight, RMSprop's is `lr/√(1−α)` = 10·`lr`
# because its running average of g² starts at zero and, unlike Adam's, is not bias-corrected.

# %%
x, y = next(iter(DataLoader(digits.train, batch_size=50, shuffle=True, seed=1)))
for name, make_optimizer in update_rules.items():
    model = make_net()
    before = model[1].weight.data.copy()
    opt = make_optimizer(model.parameters())
    nn.CrossEntropyLoss()(model(x), y).backward()
    grad = model[1].weight.grad.data.copy()
    opt.step()
    step = model[1].weight.data - before
    print(f"{name:13s} |grad| mean {np.abs(grad).mean():.2e}   |step| mean {np.abs(step).mean():.2e}"
          f"   |step| max {np.abs(step).max():.2e}")

# %% [markdown]
# ## The learning rate matters as much as the rule
#
# Validation accuracy after 3 epochs over a grid of learning rates, one line per rule. Each rule
# has its own good range; comparing rules at one shared learning rate would mislead.

# %%
lrs = [1e-4, 1e-3, 1e-2, 1e-1, 1.0]
sweep_rules = {
    "sgd":          lambda lr: (lambda p: optim.SGD(p, lr=lr)),
    "sgd_momentum": lambda lr: (lambda p: optim.SGD(p, lr=lr, momentum=0.9)),
    "rmsprop":      lambda lr: (lambda p: optim.RMSprop(p, lr=lr)),
    "adam":         lambda lr: (lambda p: optim.Adam(p, lr=lr)),
}
fig, ax = plt.subplots(figsize=(7, 4))
for name, rule in sweep_rules.items():
    accs = [train(rule(lr), epochs=3)[1].epochs["val_acc"][-1] for lr in lrs]
    ax.semilogx(lrs, accs, "-o", label=name)
ax.set(xlabel="learning rate", ylabel="validation accuracy after 3 epochs", ylim=(0, 1),
       title="Sensitivity to the learning rate")
ax.legend()
plt.show()
