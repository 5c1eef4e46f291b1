# %% [markdown]
# # 1. Tensors and computational graphs
#
# Every operation on a tensor that requires a gradient records a node in a graph; `backward()`
# walks that graph from the output back to the leaves, applying one chain-rule step per node.
# This notebook draws the graph of a scalar expression and of a small tensor expression, before
# and after `backward()`, and reads the gradients off the picture. It then differentiates a
# gradient (grad of grad) and shows the backward view, where every edge carries its chain-rule step.
#
# **Take away:** a gradient is nothing more than the sum, over all paths from the output to a
# leaf, of the products of the local derivatives printed on the edges — and because those local
# derivatives are themselves computed with tensor operations, the gradient is a graph you can
# differentiate again.

# %%
import numpy as np
import matplotlib.pyplot as plt
from IPython.display import Math, display

import autograd_lite as al

al.manual_seed(0)
np.set_printoptions(precision=4, suppress=True)

# %% [markdown]
# ## A scalar expression
#
# $d = a\,b + e^{a}$ with $a = 2$, $b = -3$. Leaves are the tensors we created with
# `requires_grad=True`; every other box is the output of an operation (the ellipses, which show the
# formula they compute with their inputs named a, b, ...).

# %%
a = al.tensor(2.0, requires_grad=True, name="a")
b = al.tensor(-3.0, requires_grad=True, name="b")
c = a * b
e = al.exp(a)
d = c + e
al.viz.draw_graph(d, names={"c": c, "e": e, "d": d})

# %% [markdown]
# Now run `backward()` and draw the same graph again. Each tensor box — the leaves `a`, `b`, the
# intermediates `c`, `e` and the output `d` — now shows its gradient `grad` = ∂d/∂(that tensor)
# next to its value. (`retain_graph=True` keeps the graph alive, and the drawing computes every
# node's gradient from it; after a plain `backward()`, write `al.viz.record_grads(d).backward()`
# instead, which records them during the backward.)

# %%
d.backward(retain_graph=True)
al.viz.draw_graph(d, names={"c": c, "e": e, "d": d})

# %% [markdown]
# Reading the picture: `a` is used twice (by the product and by the exponential), so its gradient
# is the sum of two paths, $\partial d/\partial a = b + e^{a}$, while $\partial d/\partial b = a$.
# The numbers in the boxes agree with these formulas:

# %%
print("a.grad =", a.grad.item(), "   b + exp(a) =", b.item() + np.exp(a.item()))
print("b.grad =", b.grad.item(), "   a          =", a.item())

# %% [markdown]
# ## The backward view: chain-rule steps on the edges
#
# `backward=True` reverses the arrows and labels each edge with the op's local chain-rule step,
# where G is the gradient arriving at the op's output. A yellow "+" node is where the gradients
# of a tensor used several times are summed.

# %%
al.viz.draw_graph(d, backward=True, names={"c": c, "e": e, "d": d})

# %% [markdown]
# The same steps, in the order backpropagation runs them, written with the adjoint notation
# $\bar x = \partial d / \partial x$:

# %%
display(Math(al.viz.chain_rule_latex(d, names={"c": c, "e": e, "d": d}).split("\n", 1)[1]))

# %% [markdown]
# ## Backpropagation, step by step
#
# `al.viz.animate_backward` replays the backward pass one op at a time: press *next* (or move the
# slider) and watch the highlighted op pass the gradient G of its output to its inputs, with the
# local step written on the edge. `a` fills in twice — first the path through `exp`, then the one
# through the product — and its `+` node holds the sum. It needs the graph before `backward()`,
# so we build the expression again. (`.save_frames("frames/")` writes each step as a PNG for slides.)

# %%
a2 = al.tensor(2.0, requires_grad=True, name="a")
b2 = al.tensor(-3.0, requires_grad=True, name="b")
c2, e2 = a2 * b2, al.exp(a2)
d2 = c2 + e2
anim = al.viz.animate_backward(d2, names={"c": c2, "e": e2, "d": d2})
for i, step in enumerate(anim.steps):
    print(f"step {i}: {step.lines[-1]}")
anim

# %% [markdown]
# ## A tensor expression
#
# A one-layer network on one input: $y = \tanh(Wx + b)$ and the loss $L = \sum_i y_i^2$, with
# $W$ of shape (2, 3). Tensors with at most six elements show their values; the gradient of each
# leaf has the leaf's shape.

# %%
x = al.tensor([1.0, -2.0, 0.5], name="x")  # an input: no gradient needed
W = al.tensor(al.randn(2, 3).data * 0.5, requires_grad=True, name="W")
bias = al.tensor([0.1, -0.2], requires_grad=True, name="bias")
z = W @ x + bias
y = al.tanh(z)
L = (y ** 2).sum()
names = {"z": z, "y": y, "L": L}
al.viz.draw_graph(L, names=names)

# %%
L.backward(retain_graph=True)
al.viz.draw_graph(L, names=names)

# %% [markdown]
# The picture says `W.grad` is a (2, 3) matrix. The hand derivation gives
# $\partial L/\partial z = 2y \odot (1 - y^2)$ and $\partial L/\partial W = (\partial L/\partial z)\,x^\top$,
# $\partial L/\partial \text{bias} = \partial L/\partial z$ — the engine agrees to rounding error:

# %%
dz = 2 * y.data * (1 - y.data ** 2)
print("W.grad:\n", W.grad.data)
print("hand  :\n", np.outer(dz, x.data))
print("relative error W:   ", al.check.rel_error(W.grad.data, np.outer(dz, x.data)))
print("relative error bias:", al.check.rel_error(bias.grad.data, dz))

# %%
al.viz.draw_graph(L, backward=True, names=names)

# %% [markdown]
# ## Grad of grad
#
# With `create_graph=True`, `al.grad` records the backward pass itself as a graph, so its result
# can be differentiated again. For $f(x) = x^3 \sin x$:
# $f'(x) = 3x^2 \sin x + x^3 \cos x$ and $f''(x) = 6x \sin x + 6x^2 \cos x - x^3 \sin x$.

# %%
t = al.tensor(1.3, requires_grad=True, name="t")
f = t ** 3 * al.sin(t)
(df,) = al.grad(f, t, create_graph=True)
(d2f,) = al.grad(df, t)
tv = t.item()
print(f"f'(t)  autodiff {df.item():.6f}   formula {3*tv**2*np.sin(tv) + tv**3*np.cos(tv):.6f}")
print(f"f''(t) autodiff {d2f.item():.6f}   formula {6*tv*np.sin(tv) + 6*tv**2*np.cos(tv) - tv**3*np.sin(tv):.6f}")

# %% [markdown]
# The first derivative is an ordinary tensor with its own graph — the backward ops of `pow`,
# `sin` and `mul`, built from tensor operations:

# %%
df.name = "df/dt"
al.viz.draw_graph(df)

# %% [markdown]
# Since derivatives are functions built from tensor ops, they can be evaluated on a whole grid at
# once: below, $f$, $f'$ and $f''$ from autodiff, with the closed forms as dashed lines.

# %%
grid = al.tensor(np.linspace(-4, 4, 200), requires_grad=True)
fg = grid ** 3 * al.sin(grid)
(d1,) = al.grad(fg.sum(), grid, create_graph=True)  # elementwise f, so the sum's gradient is f'(x_i)
(d2,) = al.grad(d1.sum(), grid)
xs = grid.data
fig, ax = plt.subplots(figsize=(7, 3.5))
ax.plot(xs, fg.data, label="f")
ax.plot(xs, d1.data, label="f′ (autodiff)")
ax.plot(xs, d2.data, label="f″ (autodiff)")
ax.plot(xs, 3*xs**2*np.sin(xs) + xs**3*np.cos(xs), "k--", lw=0.8, label="closed forms")
ax.plot(xs, 6*xs*np.sin(xs) + 6*xs**2*np.cos(xs) - xs**3*np.sin(xs), "k--", lw=0.8)
ax.set(xlabel="x", title="f(x) = x³ sin x and its first two derivatives")
ax.legend()
plt.show()
