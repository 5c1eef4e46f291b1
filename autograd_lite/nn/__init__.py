"""Neural-network layers (`nn.Module` subclasses) and their functional forms (`nn.functional`)."""
from . import functional
from . import init
from . import utils
from . import activation as _activation
from .activation import *  # noqa: F403  (the registry's activation layers, and Dropout)
from .container import ModuleDict, ParameterDict, ParameterList
from .conv import AdaptiveAvgPool2d, AdaptiveMaxPool2d, AvgPool2d, Conv2d, MaxPool2d
from .distance import CosineSimilarity, PairwiseDistance
from .dropout import Dropout1d, Dropout2d
from .linear import Flatten, Identity, Linear, Unflatten
from .loss import (BCELoss, BCEWithLogitsLoss, CosineEmbeddingLoss, CrossEntropyLoss, GaussianNLLLoss,
                   HingeEmbeddingLoss, HuberLoss, KLDivLoss, L1Loss, MarginRankingLoss, MSELoss, MultiMarginLoss,
                   NLLLoss, PoissonNLLLoss, SmoothL1Loss, SoftMarginLoss, TripletMarginLoss)
from .module import Module, ModuleList, Parameter, Sequential
from .padding import ConstantPad1d, ConstantPad2d, ConstantPad3d, ZeroPad1d, ZeroPad2d
from .norm import BatchNorm1d, BatchNorm2d, GroupNorm, LayerNorm
from .rnn import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNCell
from .sparse import Embedding
from .upsampling import (CircularPad1d, CircularPad2d, CircularPad3d, ReflectionPad1d, ReflectionPad2d,
                         ReflectionPad3d, ReplicationPad1d, ReplicationPad2d, ReplicationPad3d, Upsample,
                         UpsamplingBilinear2d, UpsamplingNearest2d)

__all__ = ["functional", "init", "utils", "Module", "Parameter", "Sequential", "ModuleList", "ModuleDict",
           "ParameterList", "ParameterDict", "Identity", "Linear", "Flatten", "Unflatten", "Embedding",
           "ConstantPad1d", "ConstantPad2d", "ConstantPad3d", "ZeroPad1d", "ZeroPad2d", "Conv2d", "MaxPool2d",
           "AvgPool2d", "AdaptiveAvgPool2d", "AdaptiveMaxPool2d", "BatchNorm1d", "BatchNorm2d", "LayerNorm",
           "GroupNorm", "Dropout1d", "Dropout2d", "CrossEntropyLoss", "NLLLoss", "MSELoss", "L1Loss", "SmoothL1Loss",
           "HuberLoss", "KLDivLoss", "BCELoss", "BCEWithLogitsLoss", "MultiMarginLoss", "PoissonNLLLoss",
           "GaussianNLLLoss", "SoftMarginLoss", "MarginRankingLoss", "HingeEmbeddingLoss", "CosineEmbeddingLoss",
           "TripletMarginLoss", "CosineSimilarity", "PairwiseDistance", "Upsample", "UpsamplingNearest2d",
           "UpsamplingBilinear2d", "ReflectionPad1d", "ReflectionPad2d", "ReflectionPad3d", "ReplicationPad1d",
           "ReplicationPad2d", "ReplicationPad3d", "CircularPad1d", "CircularPad2d", "CircularPad3d", "RNN", "LSTM",
           "GRU", "RNNCell", "LSTMCell", "GRUCell", *_activation.__all__]
