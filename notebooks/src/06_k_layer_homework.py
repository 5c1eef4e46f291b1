# %% [markdown]
# # 6. The k-layer homework: cyclic learning rates, batch norm, initialisation
#
# This notebook reruns the experiments of the k-layer network homework with
# `autograd_lite.classic.klayer.KLayerNetwork` — the homework's column-major network
# (`X` is features × samples), whose hand-written backward pass is replaced by the engine. It checks
# the gradients against finite differences, plots the triangular cyclic learning rate, trains 3- and
# 9-layer networks with and without batch normalisation, and measures how sensitive each is to the
# scale of the initial weights. The homework used CIFAR-10 and hours of CPU; here the bundled 8×8
# digits and 20 short epochs keep every run to a second or two, and the conclusions are the same.
#
# **Take away:** a cyclic learning rate lets plain minibatch gradient descent use large steps without
# tuning a decay; batch normalisation is what makes a deep (9-layer) plain network trainable at all,
# and it makes training almost independent of the initial weight scale — without it, weights drawn
# with σ = 10⁻³ or 10⁻⁴ leave the network stuck at chance.

# %%
import time

import numpy as np
import matplotlib.pyplot as plt

import autograd_lite as al
import autograd_lite.optim as optim
from autograd_lite.check import rel_error
from autograd_lite.classic.gradient_check import eval_numerical_gradient
from autograd_lite.classic.klayer import KLayerNetwork, cyclic_learning_rate
from autograd_lite.data import load_digits

SEED = 65465168  # the homework's seed for the weights (KLayerNetwork draws from np.random.RandomState(SEED))
np.set_printoptions(precision=4, suppress=True)

# %% [markdown]
# ## Data, column-major as in the homework
#
# One column per image: `X` is (64, n), `Y` the one-hot labels (10, n), `y` the integer labels.
# Every pixel is standardised with the training set's mean and standard deviation.

# %%
splits = load_digits()


def columns(dataset):
    images, labels = dataset.arrays
    return images.reshape(len(images), -1).T, np.eye(10)[:, labels], labels


X, Y, y = columns(splits.train)
X_val, Y_val, y_val = columns(splits.val)
X_test, Y_test, y_test = columns(splits.test)
mean, std = X.mean(axis=1, keepdims=True), X.std(axis=1, keepdims=True) + 1e-8  # corner pixels are always 0
X, X_val, X_test = (X - mean) / std, (X_val - mean) / std, (X_test - mean) / std
K, D = Y.shape[0], X.shape[0]
print(f"X {X.shape}, Y {Y.shape}; validation {X_val.shape[1]}, test {X_test.shape[1]} images")

# %% [markdown]
# ## The gradients, checked
#
# The homework's first step was to compare its hand-written backward pass with centred differences
# (its own batch-norm check reported a relative error of 0.32 for the first layer's weights — a bug
# somewhere in 40 lines of matrix algebra). Here `compute_gradients` asks the engine to differentiate
# the recorded cost, batch statistics included; we compare every parameter of a small 3-layer
# batch-norm network on 10 images with `eval_numerical_gradient`, which nudges each weight in place.
# (The biases `b` of the hidden layers sit right before a batch norm, which subtracts the batch mean
# and so removes any constant shift: their true gradient is exactly zero, and both numbers are
# round-off. For them the check prints the largest absolute values instead of a relative error.)

# %%
check_net = KLayerNetwork(K, D, [10, 10], seed=SEED, batchnorm=True)
X_small, Y_small, lmbda = X[:, :10], Y[:, :10], 0.01
engine_grads = check_net.compute_gradients(X_small, Y_small, lmbda)
for i, layer in enumerate(check_net.layers):
    errors = []
    for name, grad in engine_grads[i].items():
        numeric = eval_numerical_gradient(lambda _: check_net.compute_cost(X_small, Y_small, lmbda, train=True)[0],
                                          layer[name], verbose=False, h=1e-5)
        if name == "b" and i < len(check_net.layers) - 1:  # before a batch norm: both are ~0
            errors.append(f"b: |engine| ≤ {np.abs(grad).max():.0e}, |numeric| ≤ {np.abs(numeric).max():.0e}")
        else:
            errors.append(f"{name}: {rel_error(numeric, grad):.1e}")
    print(f"layer {i + 1}  relative error  " + "   ".join(errors))

# %% [markdown]
# ## The cyclic learning rate
#
# Smith's triangular schedule: the rate climbs linearly from η_min to η_max over `step_size` updates
# and falls back over the next `step_size`; one cycle is 2·`step_size` updates. As in the homework we
# train for two cycles, here with minibatches of 100 (11 updates per epoch), 20 epochs, so
# `step_size` = 20·11/4 = 55. `optim.lr_scheduler.CyclicLR` (PyTorch's schedule, for `nn` models)
# gives the same numbers.

# %%
eta_min, eta_max, n_batch, n_epochs = 1e-5, 1e-1, 100, 20
updates_per_epoch = X.shape[1] // n_batch
step_size = n_epochs * updates_per_epoch // 4
t = np.arange(n_epochs * updates_per_epoch)
homework_lr = np.array([cyclic_learning_rate(eta_min, eta_max, step_size, int(i)) for i in t])

sgd = optim.SGD([al.zeros(1, requires_grad=True)], lr=eta_max)
scheduler = optim.lr_scheduler.CyclicLR(sgd, base_lr=eta_min, max_lr=eta_max, step_size_up=step_size,
                                        cycle_momentum=False)
torch_style_lr = []
for _ in t:
    torch_style_lr.append(sgd.param_groups[0]["lr"])
    sgd.step()
    scheduler.step()
print(f"{len(t)} updates, step_size {step_size}; largest difference between the two schedules: "
      f"{np.max(np.abs(homework_lr - np.array(torch_style_lr))):.1e}")

fig, ax = plt.subplots(figsize=(10, 3))
ax.plot(t, homework_lr, label="cyclic_learning_rate (homework)")
ax.plot(t, torch_style_lr, linestyle=":", linewidth=2.5, label="optim.lr_scheduler.CyclicLR")
ax.axhline(eta_max, color="red", linewidth=0.8, label="η_max")
ax.axhline(eta_min, color="green", linewidth=0.8, label="η_min")
ax.set(xlabel="update step t", ylabel="learning rate", title="Triangular cyclic learning rate, two cycles",
       xticks=range(0, len(t) + 1, step_size))
ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8)
fig.tight_layout()
plt.show()

# %% [markdown]
# ## Training with and without batch norm
#
# `train` runs the homework's `mini_batch_gd` (shuffling with a fixed seed, the cyclic rate above,
# L2 penalty λ = 0.005) and returns the per-epoch history and the test accuracy; `plot_bn_results` is
# the homework's figure: cost, loss and accuracy per epoch, solid without batch norm, dashed with it.

# %%
def train(hidden, batchnorm, sigma=None, lmbda=0.005):
    net = KLayerNetwork(K, D, hidden, seed=SEED, batchnorm=batchnorm, sigma=sigma)
    history = net.mini_batch_gd(X, Y, y, lmbda=lmbda, n_batch=n_batch, eta_min=eta_min, eta_max=eta_max,
                                step_size=step_size, n_epochs=n_epochs, X_val=X_val, Y_val=Y_val, y_val=y_val,
                                seed=0)
    return history, net.compute_accuracy(X_test, y_test)


def plot_bn_results(title, plain, with_bn):
    (h0, acc0), (h1, acc1) = plain, with_bn
    epochs = range(1, n_epochs + 1)
    fig, axes = plt.subplots(1, 3, figsize=(15, 3.8))
    for ax, key, label in zip(axes, ("cost", "loss", "acc"), ("cost (loss + λ·ΣW²)", "loss", "accuracy")):
        for h, style, suffix in ((h0, "-", ""), (h1, "--", " BN")):
            ax.plot(epochs, h[key], style, color="tab:blue", label="training" + suffix)
            ax.plot(epochs, h["val_" + key], style, color="tab:orange", label="validation" + suffix)
        ax.set(xlabel="epoch", ylabel=label)
        ax.legend(fontsize=8)
    axes[2].set_ylim(0, 1.02)
    fig.suptitle(f"{title} — test accuracy {acc0:.3f} without, {acc1:.3f} with batch norm")
    fig.tight_layout()
    plt.show()

# %% [markdown]
# ### 3 layers (two hidden layers of 50)

# %%
started = time.perf_counter()
three_plain, three_bn = train([50, 50], False), train([50, 50], True)
print(f"two runs in {time.perf_counter() - started:.1f} s")
plot_bn_results("3 layers [50, 50]", three_plain, three_bn)

# %% [markdown]
# With two hidden layers both versions train; batch norm helps a little. With nine layers (the
# homework's widths 50, 30, 20, 20, 10, 10, 10, 10) the plain network hardly learns in the same
# budget — the signal and the gradients shrink as they pass through eight narrow ReLU layers — while
# the batch-normalised one, whose every layer sees standardised inputs, still trains (more slowly
# than the 3-layer net: 20 epochs are not many for nine layers).

# %%
nine = [50, 30, 20, 20, 10, 10, 10, 10]
started = time.perf_counter()
nine_plain, nine_bn = train(nine, False), train(nine, True)
print(f"two runs in {time.perf_counter() - started:.1f} s")
plot_bn_results(f"9 layers {nine}", nine_plain, nine_bn)

# %% [markdown]
# ## Sensitivity to initialisation
#
# Now every weight is drawn from N(0, σ²) (and every γ from N(1, σ²)) instead of He initialisation,
# for σ = 10⁻¹, 10⁻³ and 10⁻⁴, in the 3-layer network. Without batch norm, tiny weights make tiny
# activations and tinier gradients: the net's output is almost constant, and it stays at chance
# (10 %). Batch norm divides each layer's pre-activations by their standard deviation, so the scale
# of the weights cancels out (up to the ε = 10⁻⁸ under the square root) and all three runs train.

# %%
sigmas = [1e-1, 1e-3, 1e-4]
started = time.perf_counter()
runs = {(sigma, bn): train([50, 50], bn, sigma=sigma) for sigma in sigmas for bn in (False, True)}
print(f"{len(runs)} runs in {time.perf_counter() - started:.1f} s")

fig, axes = plt.subplots(1, len(sigmas), figsize=(15, 3.6), sharey=True)
for ax, sigma in zip(axes, sigmas):
    for bn, style in ((False, "-"), (True, "--")):
        history, test_acc = runs[sigma, bn]
        suffix = " BN" if bn else ""
        ax.plot(range(1, n_epochs + 1), history["loss"], style, color="tab:blue", label="training loss" + suffix)
        ax.plot(range(1, n_epochs + 1), history["val_loss"], style, color="tab:orange",
                label="validation loss" + suffix)
    ax.set(title=f"σ = {sigma:g}", xlabel="epoch", ylabel="loss" if sigma == sigmas[0] else None)
    ax.legend(fontsize=8)
fig.suptitle("3 layers [50, 50], weights ~ N(0, σ²): loss without (solid) and with (dashed) batch norm")
fig.tight_layout()
plt.show()

print(f"{'σ':>8}  {'test acc, no BN':>16}  {'test acc, BN':>13}")
for sigma in sigmas:
    print(f"{sigma:8g}  {runs[sigma, False][1]:16.3f}  {runs[sigma, True][1]:13.3f}")
