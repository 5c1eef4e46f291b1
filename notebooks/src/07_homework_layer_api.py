# %% [markdown]
# # 7. The homework layer API: checking a hand-written backward pass
#
# The cs231n-style homework asks students to write, for every layer, a `*_forward` that returns
# `(out, cache)` and a `*_backward(dout, cache)` that returns the gradients, derived by hand.
# `autograd_lite.classic` implements exactly that API — same names, signatures and conventions — but
# every backward there is computed by the engine from the graph the forward recorded. That makes it
# a reference answer: this notebook writes a student's `affine_backward`, `relu_backward` and
# `batchnorm_backward` in plain NumPy, checks them against `classic.layers`, catches a deliberately
# wrong batch-norm backward, confirms the engine itself against finite differences with the homework's
# `eval_numerical_gradient_array`, and finally trains a small network with the homework's `Solver`.
#
# **Take away:** to check a hand-derived gradient, compare it with the engine's on random inputs;
# agreement to ~1e-8 relative error (or better) means the derivation is right, while an error of
# order one — as for the batch-norm backward that forgets that the batch mean and variance depend
# on x — points at a missing term. The finite-difference check is the slow, independent referee for both.

# %%
import numpy as np
import matplotlib.pyplot as plt

import autograd_lite as al
from autograd_lite.check import rel_error
from autograd_lite.classic import layers
from autograd_lite.classic.data_utils import get_CIFAR10_data
from autograd_lite.classic.fc_net import FullyConnectedNet
from autograd_lite.classic.gradient_check import eval_numerical_gradient_array
from autograd_lite.classic.solver import Solver

np.random.seed(231)  # the homework's seed: classic layers and Solver draw from NumPy's global state

# %% [markdown]
# ## A student's layers
#
# Written the way the homework expects: the forward keeps in `cache` whatever the backward needs,
# and the backward applies the chain rule by hand. `w` has shape (D, M), inputs of any shape are
# flattened to (N, D), batch norm normalises each feature over the batch with the biased variance.

# %%
def affine_forward(x, w, b):
    out = x.reshape(x.shape[0], -1) @ w + b
    return out, (x, w, b)


def affine_backward(dout, cache):
    x, w, b = cache
    dx = (dout @ w.T).reshape(x.shape)
    dw = x.reshape(x.shape[0], -1).T @ dout
    db = dout.sum(axis=0)
    return dx, dw, db


def relu_forward(x):
    return np.maximum(0, x), x


def relu_backward(dout, cache):
    x = cache
    return dout * (x > 0)


def batchnorm_forward(x, gamma, beta, bn_param):
    eps = bn_param.get("eps", 1e-5)
    mu, var = x.mean(axis=0), x.var(axis=0)
    x_hat = (x - mu) / np.sqrt(var + eps)
    return gamma * x_hat + beta, (x_hat, gamma, np.sqrt(var + eps))


def batchnorm_backward(dout, cache):
    """The compact form: dx = γ/(Nσ) · (N·dout − Σdout − x̂·Σ(dout·x̂))."""
    x_hat, gamma, sigma = cache
    n = dout.shape[0]
    dgamma = (dout * x_hat).sum(axis=0)
    dbeta = dout.sum(axis=0)
    dx = gamma / (n * sigma) * (n * dout - dbeta - x_hat * dgamma)
    return dx, dgamma, dbeta

# %% [markdown]
# ## Checked against the engine
#
# For each layer: run the student's forward and `classic.layers`' forward on the same random inputs,
# then both backwards on the same random upstream gradient `dout`, and print the relative error
# `max |a − b| / (|a| + |b|)` of every output and gradient. In float64, anything below ~1e-7 is
# agreement; the homework's rule of thumb is that a correct gradient gives 1e-8 or less.

# %%
def compare(name, student_forward, student_backward, engine_forward, engine_backward, inputs, grad_names):
    out, cache = student_forward(*inputs)
    engine_out, engine_cache = engine_forward(*inputs)
    dout = np.random.randn(*out.shape)
    student_grads = student_backward(dout, cache)
    engine_grads = engine_backward(dout, engine_cache)
    if not isinstance(student_grads, tuple):
        student_grads, engine_grads = (student_grads,), (engine_grads,)
    errors = [f"out {rel_error(out, engine_out):.1e}"]
    errors += [f"{g} {rel_error(s, e):.1e}" for g, s, e in zip(grad_names, student_grads, engine_grads)]
    print(f"{name:22s} relative error:  " + "   ".join(errors))


x, w, b = np.random.randn(10, 2, 3), np.random.randn(6, 5), np.random.randn(5)
compare("affine", affine_forward, affine_backward, layers.affine_forward, layers.affine_backward,
        (x, w, b), ["dx", "dw", "db"])
compare("relu", relu_forward, relu_backward, layers.relu_forward, layers.relu_backward,
        (np.random.randn(10, 10),), ["dx"])
x, gamma, beta = 5 * np.random.randn(50, 4) + 12, np.random.randn(4), np.random.randn(4)
compare("batchnorm", batchnorm_forward, batchnorm_backward, layers.batchnorm_forward, layers.batchnorm_backward,
        (x, gamma, beta, {"mode": "train"}), ["dx", "dgamma", "dbeta"])

# %% [markdown]
# ## A wrong answer, caught
#
# The most common mistake in the batch-norm backward: treating the batch mean μ and standard
# deviation σ as constants, as if batch norm were a fixed affine map x ↦ γ(x − μ)/σ + β. That gives
# `dx = γ·dout/σ` and forgets the paths from x through μ and σ. The check flags it at once — dγ
# and dβ still agree (they do not involve those paths), dx is off by order one:

# %%
def batchnorm_backward_buggy(dout, cache):
    x_hat, gamma, sigma = cache
    dgamma = (dout * x_hat).sum(axis=0)
    dbeta = dout.sum(axis=0)
    dx = gamma * dout / sigma  # BUG: ignores that mu and sigma depend on x
    return dx, dgamma, dbeta


compare("batchnorm (buggy)", batchnorm_forward, batchnorm_backward_buggy, layers.batchnorm_forward,
        layers.batchnorm_backward, (x, gamma, beta, {"mode": "train"}), ["dx", "dgamma", "dbeta"])

# %% [markdown]
# The missing terms are exactly the difference between the two answers. With the same `dout` for
# both, the buggy dx minus the engine's dx equals γ/σ · (mean of dout + x̂ · mean of dout·x̂) —
# the contribution of the two batch statistics:

# %%
dout = np.random.randn(*x.shape)
_, student_cache = batchnorm_forward(x, gamma, beta, {"mode": "train"})
_, engine_cache = layers.batchnorm_forward(x, gamma, beta, {"mode": "train"})
dx_buggy = batchnorm_backward_buggy(dout, student_cache)[0]
dx_engine = layers.batchnorm_backward(dout, engine_cache)[0]
x_hat, _, sigma = student_cache
missing = gamma / sigma * (dout.mean(axis=0) + x_hat * (dout * x_hat).mean(axis=0))
print("relative error of (buggy − engine) vs the missing terms:", f"{rel_error(dx_buggy - dx_engine, missing):.1e}")

# %% [markdown]
# What the engine differentiated: the graph that `layers.batchnorm_forward` recorded, kept in its
# cache (here on a small 4×3 input). The backward view labels each edge with its chain-rule step.
# The yellow "+" node in front of x sums the three paths by which x reaches the output — directly
# through x − μ, through the mean μ, and through the variance σ² — and the buggy version kept only
# the first.

# %%
_, small_cache = layers.batchnorm_forward(np.random.randn(4, 3), np.ones(3), np.zeros(3), {"mode": "train"})
x_leaf, gamma_leaf, beta_leaf = small_cache.wrt
al.viz.draw_graph(small_cache.out, backward=True, show_values=False,
                  names={"x": x_leaf, "gamma": gamma_leaf, "beta": beta_leaf, "out": small_cache.out})

# %% [markdown]
# ## The engine against finite differences
#
# The engine is only a good referee if it is right, and the homework's own tool checks that:
# `eval_numerical_gradient_array(f, x, dout)` nudges each element of x in place by ±h and returns the
# centred-difference gradient of `sum(f(x) · dout)`. It knows nothing about the engine.

# %%
def numeric_vs_engine(name, forward, backward, inputs, grad_names):
    out, cache = forward(*inputs)
    dout = np.random.randn(*out.shape)
    engine_grads = backward(dout, cache)
    engine_grads = engine_grads if isinstance(engine_grads, tuple) else (engine_grads,)
    errors = []
    for i, g in enumerate(grad_names):
        numeric = eval_numerical_gradient_array(lambda _: forward(*inputs)[0], inputs[i], dout)
        errors.append(f"{g} {rel_error(numeric, engine_grads[i]):.1e}")
    print(f"{name:22s} relative error:  " + "   ".join(errors))


numeric_vs_engine("affine", layers.affine_forward, layers.affine_backward,
                  (np.random.randn(10, 2, 3), np.random.randn(6, 5), np.random.randn(5)), ["dx", "dw", "db"])
numeric_vs_engine("relu", layers.relu_forward, layers.relu_backward, (np.random.randn(10, 10),), ["dx"])
numeric_vs_engine("batchnorm", layers.batchnorm_forward, layers.batchnorm_backward,
                  (5 * np.random.randn(50, 4) + 12, np.random.randn(4), np.random.randn(4), {"mode": "train"}),
                  ["dx", "dgamma", "dbeta"])

# %% [markdown]
# ## Training with the Solver
#
# The homework trains its models with `Solver(model, data, update_rule=..., optim_config=...)`.
# `get_CIFAR10_data()` reads CIFAR-10 when given `cifar10_dir` (a local `cifar-10-batches-py`
# folder); without it, as here, it returns the bundled 8×8 digits in the same layout (images
# N×C×H×W, mean image subtracted). A 3-layer `FullyConnectedNet` with batch norm — all of whose
# gradients come from the engine through the classic layers — trained with Adam for a few epochs:

# %%
data = get_CIFAR10_data()
for key, value in data.items():
    print(f"{key:8s} {value.shape}")

# %%
input_dim = int(np.prod(data["X_train"].shape[1:]))
model = FullyConnectedNet([100, 100], input_dim=input_dim, normalization="batchnorm", weight_scale=1e-2,
                          reg=1e-3)
solver = Solver(model, data, update_rule="adam", optim_config={"learning_rate": 1e-3}, lr_decay=0.9,
                batch_size=100, num_epochs=8, print_every=25)
solver.train();  # returns the best parameters, which it also puts into the model

# %%
fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(13, 4))
ax_loss.plot(solver.loss_history, "o", markersize=2)
ax_loss.set(xlabel="iteration", ylabel="training loss", title="Training loss (one minibatch per point)")
ax_acc.plot(solver.train_acc_history, "-o", label="training")
ax_acc.plot(solver.val_acc_history, "-o", label="validation")
ax_acc.set(xlabel="epoch", ylabel="accuracy", title="Classification accuracy", ylim=(0, 1.02))
ax_acc.legend()
plt.show()

test_acc = np.mean(np.argmax(model.loss(data["X_test"]), axis=1) == data["y_test"])
print(f"best validation accuracy {solver.best_val_acc:.3f}; test accuracy {test_acc:.3f}")
