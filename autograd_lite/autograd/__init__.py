"""`al.autograd`, like `torch.autograd`: `grad`, `backward`, custom `Function` classes, `functional`
(jacobian, hessian, vjp, jvp, hvp, vhp) and `gradcheck` / `gradgradcheck`."""
from . import functional
from .backprop import Variable, backward, grad
from .function import Function, FunctionCtx, once_differentiable
from .gradcheck import GradcheckError, gradcheck, gradgradcheck
from ..grad_mode import enable_grad, no_grad, set_grad_enabled

__all__ = ["grad", "backward", "Variable", "Function", "FunctionCtx", "once_differentiable", "functional", "gradcheck",
           "gradgradcheck", "GradcheckError", "no_grad", "enable_grad", "set_grad_enabled"]
