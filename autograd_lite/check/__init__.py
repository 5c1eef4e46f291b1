"""Checking gradients: finite differences, gradcheck, and hand-derived formulas against autodiff."""
from .numeric import GradcheckError, gradcheck, gradgradcheck, numerical_grad, rel_error

__all__ = ["GradcheckError", "gradcheck", "gradgradcheck", "numerical_grad", "rel_error"]
