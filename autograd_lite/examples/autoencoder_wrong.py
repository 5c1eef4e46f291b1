"""Linear autoencoder L = ½‖WᵀWx − x‖² with the classic WRONG answer: one path to W only.

W is used twice (in Wx and in Wᵀ), and this formula keeps only the path through
Wx, W·r·xᵀ, missing Wx·rᵀ. The check fails and names the missing path.

Run:  autograd-lite check autoencoder_wrong  (exit 1: the formula is wrong)
"""
from .autoencoder import f, inputs  # noqa: F401 (the same loss and inputs)
from .autoencoder import grad_W_one_path as grad_W  # noqa: F401
