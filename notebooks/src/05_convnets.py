# %% [markdown]
# # 5. Convolutional networks
#
# This notebook builds a small convolutional network from `nn.Conv2d`, `nn.BatchNorm2d` and
# `nn.MaxPool2d`, trains it with `autograd_lite.train.fit` on the 8×8 handwritten digits that ship
# with scikit-learn (or on CIFAR-10, if you have it on disk), and then looks inside it: the
# computational graph grouped by module, the filters the first layer learned, and the test accuracy.
#
# **Take away:** a ConvNet is still just a graph of a few kinds of ops — convolution, normalisation,
# pooling, a final linear layer — and `backward()` treats it like any other graph. Drawing it
# clustered (or collapsed) by module shows the architecture you wrote; the first-layer filters, read
# as little images, show what the data taught the network to look for (strokes and edges).

# %%
import os
import time

import numpy as np
import matplotlib.pyplot as plt

import autograd_lite as al
import autograd_lite.nn as nn
import autograd_lite.optim as optim
from autograd_lite.data import DataLoader, TensorDataset, load_cifar10, load_digits
from autograd_lite.train import evaluate, fit

al.manual_seed(0)
np.set_printoptions(precision=3, suppress=True)

# %% [markdown]
# ## Data: digits here, CIFAR-10 if you point at it
#
# Nothing is downloaded. To train on CIFAR-10 instead, download the *Python version*
# (`cifar-10-python.tar.gz`) from <https://www.cs.toronto.edu/~kriz/cifar.html>, unpack it, and start
# Jupyter with the environment variable `CIFAR10_DIR` set to the folder that contains
# `cifar-10-batches-py` (or to that folder itself), e.g. `CIFAR10_DIR=~/data jupyter lab`.
# `autograd_lite.data.load_cifar10` then reads the pickles (refusing anything but arrays) and the
# rest of the notebook runs unchanged on 3×32×32 images; a subset of 5,000 training images keeps it
# to minutes on a CPU. Without the variable the notebook uses the bundled digits: 1,197 training,
# 300 validation and 300 test images of 1×8×8 pixels.

# %%
cifar_dir = os.environ.get("CIFAR10_DIR")
if cifar_dir:
    splits = load_cifar10(cifar_dir)
    X_train, y_train = splits.train.arrays
    train_set = TensorDataset(X_train[:5000], y_train[:5000])  # a subset: CIFAR on a CPU is slow
    dataset_name = "CIFAR-10"
else:
    splits = load_digits(dtype=np.float32)
    train_set = splits.train
    dataset_name = "digits"
val_set, test_set, classes = splits.val, splits.test, splits.classes
in_channels, side = train_set.arrays[0].shape[1], train_set.arrays[0].shape[2]
print(f"{dataset_name}: {len(train_set)} train / {len(val_set)} val / {len(test_set)} test images "
      f"of shape {train_set.arrays[0].shape[1:]}, classes {classes}")

# %%
fig, axes = plt.subplots(1, 10, figsize=(12, 1.6))
for ax, (image, label) in zip(axes, zip(*[a[:10] for a in train_set.arrays])):
    ax.imshow(image.transpose(1, 2, 0).squeeze(), cmap="gray_r" if in_channels == 1 else None)
    ax.set_title(classes[label], fontsize=9)
    ax.axis("off")
plt.show()

# %% [markdown]
# ## The network
#
# Two blocks of convolution → batch norm → ReLU → 2×2 max pooling, then one linear layer to the ten
# class scores. The first convolution has 5×5 kernels (large relative to an 8×8 digit, so its
# filters are worth looking at); padding keeps the spatial size until each pooling halves it.

# %%
class SmallConvNet(nn.Module):
    def __init__(self, in_channels: int, num_classes: int, side: int, width: int = 8) -> None:
        super().__init__()
        self.block1 = nn.Sequential(nn.Conv2d(in_channels, width, 5, padding=2), nn.BatchNorm2d(width),
                                    nn.ReLU(), nn.MaxPool2d(2))
        self.block2 = nn.Sequential(nn.Conv2d(width, 2 * width, 3, padding=1), nn.BatchNorm2d(2 * width),
                                    nn.ReLU(), nn.MaxPool2d(2))
        self.classifier = nn.Sequential(nn.Flatten(), nn.Linear(2 * width * (side // 4) ** 2, num_classes))

    def forward(self, x):
        return self.classifier(self.block2(self.block1(x)))


model = SmallConvNet(in_channels, len(classes), side).to(np.float32)
loss_fn = nn.CrossEntropyLoss()
print(model)
print(f"{model.num_parameters():,} parameters")

# %% [markdown]
# ## Its computational graph, grouped by module
#
# Every op recorded inside an `nn.Module`'s `forward` remembers which module it ran in, so the graph
# viewer can draw each module as a dashed box. Here is the graph of the loss on a batch of four
# images, with `collapse_modules=True`: each innermost module (a convolution, a batch norm, ...)
# becomes one node listing the ops it ran, its parameters and its output shape. The model is in
# evaluation mode, so batch norm uses its running statistics (the two constants under each
# batch-norm node: running mean and running variance) and drawing changes nothing.

# %%
images, labels = val_set.get_batch(np.arange(4))
model.eval()
loss = loss_fn(model(images), labels)
model.train()
al.viz.draw_graph(loss, collapse_modules=True, names={"images": images}, title="loss of SmallConvNet on 4 images")

# %% [markdown]
# What one collapsed node hides: the first block alone, clustered but not collapsed. The
# convolution is one op; batch norm in evaluation mode is a subtraction, a multiplication by
# 1/√(var + ε), then the affine scale and shift; ReLU and max pooling are one op each.

# %%
model.eval()
block1_out = model.block1(images)
model.train()
al.viz.draw_graph(block1_out, names={"images": images, "block1_out": block1_out})

# %% [markdown]
# ## Training
#
# Adam with a cosine learning-rate schedule, minibatches of 32, fifteen short epochs. `fit` evaluates on the
# validation set after every epoch and keeps the parameters of the best epoch.

# %%
epochs = 15
optimizer = optim.Adam(model.parameters(), lr=1e-2)
scheduler = optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs)
train_loader = DataLoader(train_set, 32, shuffle=True, seed=0)
val_loader, test_loader = DataLoader(val_set, 500), DataLoader(test_set, 500)

started = time.perf_counter()
history = fit(model, loss_fn, optimizer, train_loader, val_loader, epochs=epochs, scheduler=scheduler,
              progress=False)
print(f"trained in {time.perf_counter() - started:.1f} s")

# %%
history.plot(title=f"SmallConvNet on {dataset_name}")
plt.show()

# %%
_, test_acc = evaluate(model, test_loader)
print(f"test accuracy: {test_acc:.3f}  (best validation accuracy {history.best_val_acc:.3f} "
      f"at epoch {history.best_epoch})")

# %% [markdown]
# Which digits get confused? The confusion matrix counts, for every true class (row), how the
# test images of that class were classified (column).

# %%
model.eval()
with al.no_grad():
    predicted = model(al.tensor(test_set.arrays[0])).data.argmax(axis=1)
true = test_set.arrays[1]
confusion = np.zeros((len(classes), len(classes)), dtype=int)
np.add.at(confusion, (true, predicted), 1)

fig, ax = plt.subplots(figsize=(4.5, 4.5))
ax.imshow(confusion, cmap="Blues")
for i, j in np.ndindex(confusion.shape):
    if confusion[i, j]:
        ax.text(j, i, confusion[i, j], ha="center", va="center", fontsize=8,
                color="white" if confusion[i, j] > confusion.max() / 2 else "black")
ax.set(xticks=range(len(classes)), yticks=range(len(classes)), xlabel="predicted", ylabel="true",
       title=f"test set: {int(np.trace(confusion))} of {len(true)} right")
plt.show()

# %% [markdown]
# ## What the first layer learned
#
# Each of the eight first-layer filters is a 5×5 array of weights (per input channel) that slides
# over the image; drawn as an image (blue negative, red positive) it shows the pattern that excites
# it most. Above them, the same filters as initialised (an untrained copy of the network made with
# the same seed), for comparison. The printed relative change says how far training moved them.
# On 8×8 digits, whose strokes are one or two pixels wide, the learned filters are coarse
# stroke-and-blob detectors (light-dark bars at various orientations) rather than the crisp
# Gabor-like edges of networks trained on large natural images — run the notebook on CIFAR-10 to see
# colour filters.

# %%
def show_filters(weight: np.ndarray, title: str) -> None:
    fig, axes = plt.subplots(1, weight.shape[0], figsize=(1.3 * weight.shape[0], 1.7))
    for k, ax in enumerate(axes):
        w = weight[k].transpose(1, 2, 0)
        if w.shape[2] == 1:
            limit = np.abs(w).max()
            ax.imshow(w[:, :, 0], cmap="RdBu_r", vmin=-limit, vmax=limit)
        else:  # colour filters: rescale to [0, 1] to show them as RGB
            ax.imshow((w - w.min()) / (w.max() - w.min()))
        ax.set_title(f"filter {k}", fontsize=8)
        ax.axis("off")
    fig.suptitle(title, fontsize=10)
    plt.show()


al.manual_seed(0)
untrained = SmallConvNet(in_channels, len(classes), side)
show_filters(untrained.block1[0].weight.data, "first-layer filters at initialisation")
show_filters(model.block1[0].weight.data, f"first-layer filters after training (test accuracy {test_acc:.3f})")
initial, learned = untrained.block1[0].weight.data, model.block1[0].weight.data
print(f"relative change ||W_trained - W_init|| / ||W_init|| = "
      f"{np.linalg.norm(learned - initial) / np.linalg.norm(initial):.2f}")

# %% [markdown]
# And what they do to one test image: the eight feature maps after the first convolution (before
# batch norm), each the image correlated with one of the filters above.

# %%
image = test_set.arrays[0][:1]
with al.no_grad():
    maps = model.block1[0](al.tensor(image)).data[0]
fig, axes = plt.subplots(1, maps.shape[0] + 1, figsize=(1.3 * (maps.shape[0] + 1), 1.7))
axes[0].imshow(image[0].transpose(1, 2, 0).squeeze(), cmap="gray_r" if in_channels == 1 else None)
axes[0].set_title(f"input ({classes[test_set.arrays[1][0]]})", fontsize=8)
for k, (ax, fmap) in enumerate(zip(axes[1:], maps)):
    ax.imshow(fmap, cmap="viridis")
    ax.set_title(f"map {k}", fontsize=8)
for ax in axes:
    ax.axis("off")
plt.show()
