# %% [markdown]
# # 2. Checking the theory homework's derivations
#
# The theory sheet asks for three gradients by hand: the linear autoencoder
# $L = \tfrac12\lVert W^\top W x - x\rVert^2$, the GP-LVM log-likelihood
# $L = -\tfrac D2\log|K| - \tfrac12\operatorname{tr}(K^{-1}YY^\top)$ with $K = \alpha XX^\top + \beta^{-1}I$,
# and a two-layer net with a Swish hidden layer and softmax cross-entropy. For each, this notebook
# draws the graph (forward, and backward with the chain-rule step on every edge), computes the
# gradient by autodiff, evaluates the closed form from the homework, and lets
# `al.check.check_derivative` compare the two (and finite differences). Finally it catches the
# classic wrong autoencoder answer.
#
# **Take away:** when a variable is used more than once — W in $W^\top W$, X in $XX^\top$ — its
# gradient is the *sum* over every path; the backward view draws those paths meeting in a "+"
# node, and forgetting one is exactly the mistake the checker reports, naming the tensor and the
# worst entry.

# %%
import numpy as np
import matplotlib.pyplot as plt

import autograd_lite as al
from autograd_lite.examples import autoencoder, gplvm, swish_net

np.set_printoptions(precision=4, suppress=True)

# %% [markdown]
# ## 1. The linear autoencoder
#
# $x \in \mathbb R^4$, $W \in \mathbb R^{2\times 4}$. $W$ enters twice, through $Wx$ and through
# $W^\top$, so the hand derivation has two terms: with $r = W^\top W x - x$,
# $\nabla_W L = W r x^\top + W x r^\top$.

# %%
W0, x0 = autoencoder.example_inputs()
W = al.tensor(W0, requires_grad=True, name="W")
x = al.tensor(x0, name="x")
L = autoencoder.loss(W, x)
L.name = "L"
al.viz.draw_graph(L)

# %% [markdown]
# The backward view: the two paths into W meet in the "+" node.

# %%
L.backward(retain_graph=True)
al.viz.draw_graph(L, backward=True)

# %%
print("autodiff  ∇_W L:\n", W.grad.data)
print("hand      W r xᵀ + W x rᵀ:\n", autoencoder.grad_W(W0, x0))

# %% [markdown]
# The checker compares the hand formula with autodiff and with central differences:

# %%
report = al.check.check_derivative(autoencoder.loss, {"W": W0, "x": x0}, {"W": autoencoder.grad_W})
report

# %% [markdown]
# ### The classic wrong answer
#
# Treating $W^\top$ as a constant keeps only the path through $Wx$: $\nabla_W L = W r x^\top$.
# The checker fails it, points at W and the worst entry; drawn with `hand_grads`, the graph colours W
# red.

# %%
wrong = al.check.check_derivative(autoencoder.loss, {"W": W0, "x": x0}, {"W": autoencoder.grad_W_one_path})
print(wrong)

# %%
al.viz.draw_graph(wrong.loss, hand_grads=wrong.hand_grads)

# %% [markdown]
# The missing term is exactly the second path: autodiff minus the wrong answer is $Wx\,r^\top$.

# %%
r = W0.T @ W0 @ x0 - x0
missing = W.grad.data - autoencoder.grad_W_one_path(W0, x0)
print("rel. error of (autodiff − one-path answer) vs W x rᵀ:", al.check.rel_error(missing, np.outer(W0 @ x0, r)))

# %% [markdown]
# ## 2. The GP-LVM log-likelihood
#
# $X$ (6, 2) latent points, $Y$ (6, 3) data, $\alpha = 1$, $\beta = 4$. The homework goes through $K$:
# $\partial L/\partial K = \tfrac12 K^{-1}YY^\top K^{-1} - \tfrac D2 K^{-1}$, then
# $\nabla_X L = \alpha\,(K^{-1}YY^\top K^{-1} - D K^{-1})\,X$ (two paths again: $X$ and $X^\top$).
# `f` returns the intermediate $K$ too, so the checker tests the hand formula for $\partial L/\partial K$
# as well.

# %%
X0, Y0 = gplvm.example_inputs()


def gplvm_f(X, Y):
    L, parts = gplvm.log_likelihood(X, Y, return_intermediates=True)
    return L, {"K": parts["K"]}


gp_report = al.check.check_derivative(gplvm_f, {"X": X0, "Y": Y0}, {"X": gplvm.grad_X, "K": gplvm.grad_K})
gp_report

# %%
al.viz.draw_graph(gp_report.loss, names={"L": gp_report.loss, **gp_report.tensors}, show_values=False)

# %%
al.viz.draw_graph(gp_report.loss, backward=True, names={"L": gp_report.loss, **gp_report.tensors},
                  show_values=False)

# %% [markdown]
# The likelihood as a function of one latent coordinate, with the autodiff slope drawn as tangents —
# the gradient is the slope of the curve:

# %%
ts = np.linspace(-2, 2, 41)
values, slopes = [], []
for t in ts:
    Xt = X0.copy()
    Xt[0, 0] = t
    Xv = al.tensor(Xt, requires_grad=True)
    Lt = gplvm.log_likelihood(Xv, Y0)
    Lt.backward()
    values.append(Lt.item())
    slopes.append(Xv.grad.data[0, 0])
fig, ax = plt.subplots(figsize=(7, 3.5))
ax.plot(ts, values, label="L(X) with X[0, 0] = t")
for t, v, s in list(zip(ts, values, slopes))[::8]:
    ax.plot([t - 0.2, t + 0.2], [v - 0.2 * s, v + 0.2 * s], "r-", lw=2)
ax.set(xlabel="t", ylabel="log-likelihood", title="GP-LVM: autodiff slopes (red) are tangent to L")
ax.legend()
plt.show()

# %% [markdown]
# ## 3. A two-layer net with a Swish hidden layer
#
# $Z_1 = XW_1^\top + b_1$, $H_1 = Z_1\,\sigma(Z_1)$ (Swish), $Z_2 = H_1W_2^\top + b_2$, mean softmax
# cross-entropy over 5 samples and 7 classes. The homework's backward pass:
# $\partial L/\partial Z_2 = (\operatorname{softmax}(Z_2) - Y)/N$,
# $\partial L/\partial Z_1 = (\partial L/\partial Z_2\,W_2) \odot \sigma(Z_1)\,(1 + Z_1(1-\sigma(Z_1)))$,
# and the weight gradients are products with the layer inputs.

# %%
inputs = swish_net.example_inputs()
hand = {name: (lambda *args, name=name, **kw: swish_net.grads(*args, **kw)[name]) for name in ("W1", "b1", "W2", "b2")}
sw_report = al.check.check_derivative(swish_net.loss, inputs, hand)
sw_report

# %%
al.viz.draw_graph(sw_report.loss, hand_grads=sw_report.hand_grads, max_values=0)

# %%
al.viz.draw_graph(sw_report.loss, backward=True, max_values=0)

# %% [markdown]
# Summary of the three derivations:

# %%
for name, rep in [("autoencoder", report), ("autoencoder, one path", wrong), ("GP-LVM", gp_report),
                  ("Swish net", sw_report)]:
    worst = max(c.error_autodiff for c in rep.checks)
    print(f"{name:22s} {'PASS' if rep else 'FAIL'}   worst relative error vs autodiff {worst:.1e}")
