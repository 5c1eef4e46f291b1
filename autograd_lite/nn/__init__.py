"""Neural-network layers (`nn.Module` subclasses) and their functional forms (`nn.functional`)."""
from . import functional
from . import init
from .activation import GELU, Dropout, LeakyReLU, LogSoftmax, ReLU, Sigmoid, SiLU, Softmax, Swish, Tanh
from .conv import AvgPool2d, Conv2d, MaxPool2d
from .linear import Flatten, Identity, Linear
from .loss import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, MSELoss, MultiMarginLoss, NLLLoss
from .module import Module, ModuleList, Parameter, Sequential
from .norm import BatchNorm1d, BatchNorm2d, GroupNorm, LayerNorm

__all__ = ["functional", "init", "Module", "Parameter", "Sequential", "ModuleList", "Identity", "Linear", "Flatten",
           "Conv2d", "MaxPool2d", "AvgPool2d", "BatchNorm1d", "BatchNorm2d", "LayerNorm", "GroupNorm", "Dropout",
           "ReLU", "LeakyReLU", "Sigmoid", "Tanh", "SiLU", "Swish", "GELU", "Softmax", "LogSoftmax",
           "CrossEntropyLoss", "NLLLoss", "MSELoss", "BCELoss", "BCEWithLogitsLoss", "MultiMarginLoss"]
