# %% [markdown]
# # 6. The k-layer homework: cyclic learning rates, batch norm, initialisation
#
# The k-layer homework builds a fully connected network with optional batch normalisation in
# NumPy, with column-major data (one column per image), trains it with mini-batch gradient descent
# under a triangular *cyclic* learning rate, and compares 3- and 9-layer networks with and without
# batch norm and at several initialisation scales. `autograd_lite.classic.klayer.KLayerNetwork`
# is that class with the hand-written backward pass replaced by the engine. Here it runs on the
# 8×8 digits instead of CIFAR-10, with the homework's schedule scaled down (2 cycles in 8 epochs).
#
# **Take away:** the cyclic learning rate sweeps between a small and a large step so the loss
# drops fastest in the high-rate phases and settles at each cycle's end; batch norm makes deep
# (9-layer) networks trainable and makes training nearly insensitive to the initial weight scale,
# where without it a small scale (σ = 10⁻⁴) leaves the network stuck at chance.

# %%
%matplotlib inline
import time

import matplotlib.pyplot as plt
import numpy as np

import autograd_lite as al
import autograd_lite.optim as optim
from autograd_lite.classic.gradient_check import eval_numerical_gradient
from autograd_lite.classic.klayer import KLayerNetwork, cyclic_learning_rate
from autograd_lite.data import load_digits

np.random.seed(0)
SEED = 65465168  # the homework's seed for the weights

# %% [markdown]
# ## Data, column-major as in the homework
#
# X is (d, n) = (64, n), one flattened image per column, standardised with the training set's
# per-pixel mean and standard deviation; Y is the one-hot (10, n) label matrix, y the labels.

# %%
digits = load_digits()


def columns(split):
    images, labels = split.arrays
    return images.reshape(len(images), -1).T, labels


X, y = columns(digits.train)
X_val, y_val = columns(digits.val)
X_test, y_test = columns(digits.test)
mean, std = X.mean(axis=1, keepdims=True), X.std(axis=1, keepdims=True) + 1e-8
X, X_val, X_test = (X - mean) / std, (X_val - mean) / std, (X_test - mean) / std
Y, Y_val = np.eye(10)[y].T, np.eye(10)[y_val].T
K, D = Y.shape[0], X.shape[0]
print("X", X.shape, " Y", Y.shape, " X_val", X_val.shape, " X_test", X_test.shape)

# %% [markdown]
# ## Sanity check: engine gradients against centred differences
#
# The homework checked its hand-written backward pass (including batch norm's) against numerical
# gradients on a few images. The same check on the engine's gradients, for a 3-layer network with
# batch norm on 5 images and λ = 0.01 — relative errors at rounding level:

# %%
subset_X, subset_Y = X[:, :5], Y[:, :5]
lmbda = 0.01
net = KLayerNetwork(K, D, [30, 20], seed=SEED, batchnorm=True)
grads = net.compute_gradients(subset_X, subset_Y, lmbda)
for i, layer in enumerate(net.layers):
    for name, analytic in grads[i].items():
        def cost_of(value, i=i, name=name):
            net.layers[i][name] = value
            return net.compute_cost(subset_X, subset_Y, lmbda, train=True)[0]
        numeric = eval_numerical_gradient(cost_of, net.layers[i][name].copy(), verbose=False, h=1e-5)
        print(f"layer {i} {name:5s} relative error {al.check.rel_error(analytic, numeric):.1e}")

# %% [markdown]
# ## The cyclic learning rate
#
# Triangular cycles between η_min = 10⁻⁵ and η_max = 10⁻¹ with a step size of n_s = 46 updates
# (two epochs of mini-batches of 50); 2 cycles take 8 epochs. The homework's formula and
# `optim.lr_scheduler.CyclicLR` (PyTorch's scheduler) give the same schedule:

# %%
eta_min, eta_max, n_batch = 1e-5, 1e-1, 50
updates_per_epoch = X.shape[1] // n_batch
step_size = 2 * updates_per_epoch
n_epochs = 2 * (2 * step_size) // updates_per_epoch  # two full cycles
homework_lr = [cyclic_learning_rate(eta_min, eta_max, step_size, t) for t in range(n_epochs * updates_per_epoch)]

weight = al.tensor(np.zeros(1), requires_grad=True)
opt = optim.SGD([weight], lr=eta_min)
scheduler = optim.lr_scheduler.CyclicLR(opt, base_lr=eta_min, max_lr=eta_max, step_size_up=step_size,
                                        cycle_momentum=False)
scheduler_lr = []
for _ in homework_lr:
    scheduler_lr.append(opt.param_groups[0]["lr"])
    opt.step()
    scheduler.step()

fig, ax = plt.subplots(figsize=(8, 3))
ax.plot(homework_lr, label="homework formula")
ax.plot(scheduler_lr, "--", label="optim.lr_scheduler.CyclicLR")
ax.set(title=f"Cyclic learning rate, n_s = {step_size}", xlabel="update step", ylabel="η")
ax.legend()
plt.show()
print(f"{n_epochs} epochs, largest difference between the two: {np.max(np.abs(np.subtract(homework_lr, scheduler_lr))):.1e}")

# %% [markdown]
# ## Training with and without batch norm
#
# `plot_bn_results` is the homework's comparison figure: cost (loss + λ‖W‖²), loss and accuracy per
# epoch, solid without batch norm, dashed with it, against the update step.

# %%
def train(hidden, batchnorm, sigma=None, lmbda=0.005):
    net = KLayerNetwork(K, D, hidden, seed=SEED, batchnorm=batchnorm, sigma=sigma)
    history = net.mini_batch_gd(X, Y, y, lmbda=lmbda, n_batch=n_batch, eta_min=eta_min, eta_max=eta_max,
                                step_size=step_size, n_epochs=n_epochs, X_val=X_val, Y_val=Y_val, y_val=y_val,
                                seed=1)
    return net, history


def plot_bn_results(title, plain, with_bn):
    steps = np.arange(1, n_epochs + 1) * updates_per_epoch
    fig, axes = plt.subplots(1, 3, figsize=(16, 4))
    fig.suptitle(title)
    for ax, key, name in zip(axes, ("cost", "loss", "acc"), ("Cost", "Loss", "Accuracy")):
        for history, style, suffix in ((plain, "-", ""), (with_bn, "--", " BN")):
            ax.plot(steps, history[key], style, color="C0", label="Training" + suffix)
            ax.plot(steps, history["val_" + key], style, color="C1", label="Validation" + suffix)
        ax.set(title=name, xlabel="update step")
        ax.legend()
    plt.tight_layout()
    plt.show()


def test_accuracies(plain_net, bn_net):
    print(f"test accuracy without BN {plain_net.compute_accuracy(X_test, y_test):.3f}   "
          f"with BN {bn_net.compute_accuracy(X_test, y_test):.3f}")


# %% [markdown]
# ### 3 layers: hidden sizes [50, 50]

# %%
start = time.perf_counter()
net3, hist3 = train([50, 50], batchnorm=False)
net3_bn, hist3_bn = train([50, 50], batchnorm=True)
print(f"trained in {time.perf_counter() - start:.1f} s")
plot_bn_results("Batch normalization vs. no batch normalization, 3 layers", hist3, hist3_bn)
test_accuracies(net3, net3_bn)

# %% [markdown]
# ### 9 layers: hidden sizes [50, 30, 20, 20, 10, 10, 10, 10]
#
# The homework's deep, narrowing network. Without batch norm, the signal and the gradients shrink
# or grow through eight narrow layers and training stalls; with it, every layer's input is
# re-standardised and the network learns.

# %%
deep = [50, 30, 20, 20, 10, 10, 10, 10]
net9, hist9 = train(deep, batchnorm=False)
net9_bn, hist9_bn = train(deep, batchnorm=True)
plot_bn_results("Batch normalization vs. no batch normalization, 9 layers", hist9, hist9_bn)
test_accuracies(net9, net9_bn)

# %% [markdown]
# ## Sensitivity to initialisation
#
# Every weight drawn from N(0, σ²) for σ = 10⁻¹, 10⁻³, 10⁻⁴ (3 layers, [50, 50]). Without batch
# norm, a small σ shrinks the activations layer by layer until the scores carry no signal and the
# gradients vanish; batch norm divides the scale out again at every layer.

# %%
sigmas = [1e-1, 1e-3, 1e-4]
fig, axes = plt.subplots(1, len(sigmas), figsize=(16, 4), sharey=True)
final = {}
for ax, sigma in zip(axes, sigmas):
    for batchnorm, style in ((False, "-"), (True, "--")):
        net, history = train([50, 50], batchnorm=batchnorm, sigma=sigma)
        label = "BN" if batchnorm else "no BN"
        ax.plot(history["loss"], style, color="C0", label=f"training loss, {label}")
        ax.plot(history["val_loss"], style, color="C1", label=f"validation loss, {label}")
        final[sigma, label] = net.compute_accuracy(X_test, y_test)
    ax.set(title=f"σ = {sigma:g}", xlabel="epoch")
    ax.legend()
axes[0].set_ylabel("loss")
plt.tight_layout()
plt.show()
for (sigma, label), acc in final.items():
    print(f"σ = {sigma:<6g} {label:6s} test accuracy {acc:.3f}")
