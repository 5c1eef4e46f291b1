# %% [markdown]
# # 2. The theory homework's derivations, checked
#
# The theory homework asks for three gradients by hand: the linear autoencoder
# $L = \tfrac12\lVert W^\top W x - x\rVert^2$, the GP-LVM log-likelihood, and a two-layer network with a
# Swish hidden layer and a softmax cross-entropy loss. For each one this notebook draws the
# computational graph (forward, then backward with the chain-rule step on every edge), computes the
# gradient with autodiff, writes down the homework's hand formula, and lets
# `al.check.check_derivative` compare the two (and finite differences). Finally it feeds the checker the
# classic wrong autoencoder answer, which follows only one of the two paths to $W$.
#
# **Take away:** when a variable is used more than once, its gradient is the *sum* over all paths from
# the loss back to it — $W$ in the autoencoder, $X$ and $X^\top$ in the GP-LVM kernel. The graph makes
# the paths visible, and the checker turns "I think my derivation is right" into a number, pointing at
# the exact entry where a wrong formula disagrees.
#
# The formulas live in `autograd_lite.examples` (one module per problem), and the same checks ship as
# files for the command line: `autograd-lite check autoencoder`, `... gplvm`, `... swish_net`.

# %%
import matplotlib.pyplot as plt
import numpy as np
from IPython.display import Math, display

import autograd_lite as al
from autograd_lite.examples import autoencoder, gplvm, swish_net

np.set_printoptions(precision=4, suppress=True)

# %% [markdown]
# ## 1. Linear autoencoder: two paths to $W$
#
# $x \in \mathbb{R}^n$, $W \in \mathbb{R}^{m\times n}$ with $m < n$ (here $m = 2$, $n = 4$). Following the
# homework's hint, the graph goes through the code $h = Wx$ and the residual $r = W^\top h - x$, so no
# 4-D derivative is ever needed:

# %%
W0, x0 = autoencoder.example_inputs(m=2, n=4, seed=0)
W = al.tensor(W0, requires_grad=True, name="W")
x = al.tensor(x0, name="x")              # data: no gradient needed
h = W @ x                                # the code Wx ∈ ℝᵐ
Wt = W.T
r = Wt @ h - x                           # the residual WᵀWx − x
L = 0.5 * (r ** 2).sum()
names = {"h": h, "Wt": Wt, "r": r, "L": L}
print(f"L = {L.item():.6f}   (autograd_lite.examples.autoencoder.loss: {autoencoder.loss(W, x).item():.6f})")
al.viz.draw_graph(L, names=names)

# %% [markdown]
# `W` feeds two ops: the matrix–vector product $Wx$ and the transpose that becomes $W^\top$. With
# `highlight=W` both paths from `W` to the loss are drawn in red:

# %%
al.viz.draw_graph(L, names=names, highlight=W, show_values=False)

# %% [markdown]
# The backward view reverses the arrows and writes on every edge the local chain-rule step (G is the
# gradient arriving at the op's output). The yellow "+" node is where the two contributions to
# $\partial L/\partial W$ are added — the homework's part (c).

# %%
al.viz.draw_graph(L, names=names, backward=True, show_values=False)

# %% [markdown]
# Step by step: each *next* runs one op's backward. At the `transpose` step the first path reaches
# `W`'s "+" node; at the last step the second arrives and the node holds their sum, which equals
# autodiff's gradient:

# %%
anim = al.viz.animate_backward(L, names=names)
print("steps:", len(anim.steps) - 1, "ops after the start")
L.backward(retain_graph=True)
print("W's gradient at the last step equals autodiff's:",
      np.allclose(anim.steps[-1].grads[next(k for k, n in anim.graph.nodes.items() if n.name == "W")], W.grad.data))
anim

# %% [markdown]
# The same steps as equations, in the order backpropagation runs them ($\bar v = \partial L/\partial v$).
# The last two lines are the two paths: first through $W^\top$ (a transpose undone), then `+=` through $Wx$.

# %%
display(Math(al.viz.chain_rule_latex(L, names=names).split("\n", 1)[1]))

# %% [markdown]
# Reading the two paths off the graph gives the homework's answer (d), with $r = W^\top W x - x$:
#
# $$\nabla_W L = \underbrace{W r\, x^\top}_{\text{path through } Wx} + \underbrace{W x\, r^\top}_{\text{path through } W^\top}$$
#
# `autoencoder.grad_W` is that formula in NumPy. It agrees with the gradient autodiff left in `W.grad`:

# %%
hand = autoencoder.grad_W(W0, x0)
print("autodiff W.grad:\n", W.grad.data)
print("hand formula:\n", hand)
print(f"relative error: {al.check.rel_error(hand, W.grad.data):.1e}")

# %% [markdown]
# `check_derivative` does this comparison properly: it runs the loss in float64, compares each hand
# formula with autodiff *and* with central finite differences, and reports the worst entry. As the last
# expression of a cell the report is a table:

# %%
report = al.check.check_derivative(autoencoder.loss, {"W": W0, "x": x0}, {"W": autoencoder.grad_W})
report

# %% [markdown]
# ## 2. GP-LVM log-likelihood: a matrix derivative through $K$
#
# $L = -\tfrac D2 \log\lvert K\rvert - \tfrac12 \operatorname{tr}(K^{-1} Y Y^\top)$ with
# $K = \alpha X X^\top + \beta^{-1} I$, for latent points $X$ ($N\times Q$) and data $Y$ ($N\times D$).
# Here $N = 6$, $Q = 2$, $D = 3$, $\alpha = 1$, $\beta = 4$. The loss uses `al.logdet`, `al.linalg.inv`
# and `al.trace`, each an op with its own matrix chain rule.

# %%
X0, Y0 = gplvm.example_inputs(n=6, q=2, d=3, seed=0)
X = al.tensor(X0, requires_grad=True, name="X")
Y = al.tensor(Y0, name="Y")
L_gp, parts = gplvm.log_likelihood(X, Y, alpha=1.0, beta=4.0, return_intermediates=True)
K, K_inv = parts["K"], parts["K_inv"]
gp_names = {"K": K, "K_inv": K_inv, "L": L_gp}
al.viz.draw_graph(L_gp, names=gp_names, show_values=False)

# %% [markdown]
# Backward view. `X` reaches `K` twice — as $X$ and as $X^\top$ in $XX^\top$ — and `K` reaches the loss
# twice, through $\log\lvert K\rvert$ and through $K^{-1}$; each meeting point is a "+" node.

# %%
L_gp.backward(retain_graph=True)
al.viz.draw_graph(L_gp, names=gp_names, backward=True, show_values=False)

# %% [markdown]
# The homework's derivation goes through $K$. Using $\partial \log\lvert K\rvert/\partial K = K^{-\top}$ and
# $\partial L/\partial K = -K^{-\top}\,(\partial L/\partial K^{-1})\,K^{-\top}$, with $K$ symmetric:
#
# $$\frac{\partial L}{\partial K} = \tfrac12 K^{-1} Y Y^\top K^{-1} - \tfrac D2 K^{-1}, \qquad
# \nabla_X L = \alpha\left(\frac{\partial L}{\partial K} + \frac{\partial L}{\partial K}^{\!\top}\right) X
# = \alpha\,(K^{-1} Y Y^\top K^{-1} - D\,K^{-1})\,X .$$
#
# The loss function can hand intermediate tensors to the checker (`f` returns `(loss, {"K": K})`), so the
# hand formula for $\partial L/\partial K$ is checked too — against autodiff only, since $K$ cannot be
# perturbed on its own.

# %%
def gp_loss(X, Y):
    return gplvm.log_likelihood(X, Y, alpha=1.0, beta=4.0, return_intermediates=True)


gp_report = al.check.check_derivative(gp_loss, {"X": X0, "Y": Y0}, {"X": gplvm.grad_X, "K": gplvm.grad_K})
gp_report

# %% [markdown]
# The homework split $L$ into $L_1 = -\tfrac D2\log\lvert K\rvert$ and $L_2 = -\tfrac12\operatorname{tr}(K^{-1}YY^\top)$
# and derived $\partial L_1/\partial X = -\alpha D\,K^{-1}X$ and $\partial L_2/\partial X = \alpha K^{-1}YY^\top K^{-1}X$
# separately; each part, checked on its own:

# %%
ALPHA, BETA = 1.0, 4.0


def L1(X, Y):
    K = ALPHA * X @ X.T + al.eye(len(X)) / BETA
    return -Y.shape[1] / 2 * al.logdet(K)


def L2(X, Y):
    K = ALPHA * X @ X.T + al.eye(len(X)) / BETA
    return -0.5 * al.trace(al.linalg.inv(K) @ Y @ Y.T)


def grad_L1(X, Y):                       # −αD·K⁻¹X
    return -ALPHA * Y.shape[1] * np.linalg.inv(gplvm.kernel(X, ALPHA, BETA)) @ X


def grad_L2(X, Y):                       # α·K⁻¹YYᵀK⁻¹X
    K_inv = np.linalg.inv(gplvm.kernel(X, ALPHA, BETA))
    return ALPHA * K_inv @ Y @ Y.T @ K_inv @ X


for part, f, g in (("L1", L1, grad_L1), ("L2", L2, grad_L2)):
    r_part = al.check.check_derivative(f, {"X": X0, "Y": Y0}, {"X": g})
    print(f"{part}: {r_part['X'].verdict}, relative error {r_part['X'].error_autodiff:.1e} vs autodiff, "
          f"{r_part['X'].error_fd:.1e} vs finite differences")

# %% [markdown]
# The gradient is the slope of the likelihood: moving one latent coordinate, `X[0, 0] = t`, and drawing
# the autodiff derivative at a few points as short tangent segments:

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
# ## 3. Two-layer Swish network with softmax cross-entropy
#
# For a batch $X$ ($N\times D$) with labels $y$ and $C = 7$ classes:
# $Z_1 = XW_1^\top + b_1$, $H_1 = \operatorname{swish}(Z_1) = Z_1 \odot \sigma(Z_1)$,
# $Z_2 = H_1W_2^\top + b_2$, $L = \frac1N\sum_i -\log \operatorname{softmax}(Z_2)_{i,y_i}$.
# Here $N = 5$, $D = 4$, $H = 6$. Swish is built from `sigmoid` and a product, so $Z_1$ has two paths
# to $H_1$ as well.

# %%
net = swish_net.example_inputs(n=5, d=4, h=6, c=7, seed=0)
params = {k: al.tensor(net[k], requires_grad=True, name=k) for k in ("W1", "b1", "W2", "b2")}
X_s = al.tensor(net["X"], name="X")
L_sw = swish_net.loss(X_s, net["y"], **params)
L_sw.name = "L"
al.viz.draw_graph(L_sw, show_values=False)

# %%
L_sw.backward(retain_graph=True)
al.viz.draw_graph(L_sw, backward=True, show_values=False)

# %% [markdown]
# The homework's hand derivation, with $P = \operatorname{softmax}(Z_2)$ and $Y$ the one-hot labels:
#
# $$\frac{\partial L}{\partial Z_2} = \frac{P - Y}{N},\quad \nabla_{W_2}L = \frac{\partial L}{\partial Z_2}^{\!\top} H_1,\quad
# \nabla_{b_2}L = \sum_i \Big(\frac{\partial L}{\partial Z_2}\Big)_i,$$
#
# $$\frac{\partial L}{\partial Z_1} = \Big(\frac{\partial L}{\partial Z_2} W_2\Big) \odot S_1,\quad
# S_1 = \operatorname{swish}'(Z_1) = \frac{1 + (Z_1 + 1)e^{-Z_1}}{(1 + e^{-Z_1})^2},\quad
# \nabla_{W_1}L = \frac{\partial L}{\partial Z_1}^{\!\top} X,\quad \nabla_{b_1}L = \sum_i \Big(\frac{\partial L}{\partial Z_1}\Big)_i .$$
#
# `swish_net.grads` computes all four; the checker takes them all at once:

# %%
def hand_grad(name):
    return lambda **inputs: swish_net.grads(**inputs)[name]


sw_report = al.check.check_derivative(swish_net.loss, net, {k: hand_grad(k) for k in ("W2", "b2", "W1", "b1")})
sw_report

# %% [markdown]
# The checking view, `draw_graph(report.loss, hand_grads=report.hand_grads)`: every tensor with a hand
# gradient is coloured by its verdict — here all four parameters green, each with its relative error.

# %%
al.viz.draw_graph(sw_report.loss, hand_grads=sw_report.hand_grads, show_values=False)

# %% [markdown]
# A slip the checker would have caught: the homework's solution first wrote the derivative of Swish as
# $h_1' = z_1 + \sigma(z_1)(1 - \sigma(z_1))$ before deriving the correct quotient-rule form above
# ($\sigma(z) + z\,\sigma(z)(1 - \sigma(z))$). Built with the slip, $\nabla_{W_1}L$ is wrong, while
# $\nabla_{W_2}L$, which does not involve $\operatorname{swish}'$, stays right:

# %%
def grad_W1_with_slip(X, y, W1, b1, W2, b2):
    Z1 = X @ W1.T + b1
    s = 1 / (1 + np.exp(-Z1))
    Z2 = (Z1 * s) @ W2.T + b2
    P = np.exp(Z2 - Z2.max(axis=1, keepdims=True))
    P /= P.sum(axis=1, keepdims=True)
    dZ2 = (P - np.eye(W2.shape[0])[y]) / len(y)
    return ((dZ2 @ W2) * (Z1 + s * (1 - s))).T @ X     # the slip: z + σ(1 − σ) instead of σ + zσ(1 − σ)


slip = al.check.check_derivative(swish_net.loss, net, {"W2": hand_grad("W2"), "W1": grad_W1_with_slip})
print(slip)

# %% [markdown]
# ## 4. The classic wrong answer, caught
#
# The most common mistake in problem 1 treats $W$ as if it appeared once: it differentiates through
# $Wx$ and forgets that $W^\top$ is also $W$, answering $\nabla_W L = W r x^\top$ alone
# (`autoencoder.grad_W_one_path`, also shipped as `autograd-lite check autoencoder_wrong`).
# The checker fails it, naming the worst entry:

# %%
wrong = al.check.check_derivative(autoencoder.loss, {"W": W0, "x": x0}, {"W": autoencoder.grad_W_one_path})
wrong

# %% [markdown]
# In the checking view `W` turns red, with the relative error of the hand formula in its box:

# %%
al.viz.draw_graph(wrong.loss, hand_grads=wrong.hand_grads)

# %% [markdown]
# The missing term is exactly the second path: the one-path answer plus $Wx\,r^\top$ is the gradient.

# %%
r0 = W0.T @ W0 @ x0 - x0
completed = autoencoder.grad_W_one_path(W0, x0) + np.outer(W0 @ x0, r0)
print(f"relative error of (one-path answer + W x rᵀ) vs autodiff: {al.check.rel_error(completed, W.grad.data):.1e}")

# %% [markdown]
# ## Summary

# %%
for name, rep in [("autoencoder", report), ("GP-LVM", gp_report), ("Swish net", sw_report),
                  ("Swish net, swish′ slip", slip), ("autoencoder, one path", wrong)]:
    worst = max(c.error_autodiff for c in rep.checks)
    print(f"{name:24s} {'PASS' if rep else 'FAIL'}   worst relative error vs autodiff {worst:.1e}")
