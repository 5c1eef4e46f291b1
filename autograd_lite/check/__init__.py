"""Checking gradients: finite differences, gradcheck, and hand-derived formulas against autodiff."""
from .numeric import GradcheckError, gradcheck, gradgradcheck, numerical_grad, rel_error
from .derivative import DerivativeCheckError, DerivativeReport, GradientCheck, check_derivative

__all__ = ["GradcheckError", "gradcheck", "gradgradcheck", "numerical_grad", "rel_error",
           "check_derivative", "DerivativeReport", "GradientCheck", "DerivativeCheckError"]
