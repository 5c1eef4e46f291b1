"""Checking gradients: finite differences, gradcheck, and hand-derived formulas against autodiff."""
from .numeric import GradcheckError, gradcheck, gradgradcheck, numerical_grad, rel_error, richardson_grad
from .compare import Comparison, Diagnosis, compare, diagnose
from .derivative import DerivativeCheckError, DerivativeReport, GradientCheck, HandGradientError, check_derivative

__all__ = ["GradcheckError", "gradcheck", "gradgradcheck", "numerical_grad", "rel_error", "richardson_grad",
           "compare", "diagnose", "Comparison", "Diagnosis",
           "check_derivative", "DerivativeReport", "GradientCheck", "DerivativeCheckError", "HandGradientError"]
