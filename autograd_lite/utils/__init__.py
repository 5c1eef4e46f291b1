"""`al.utils`: PyTorch's `torch.utils` layout (`al.utils.data`), for programs ported by changing imports."""
from . import data

__all__ = ["data"]
