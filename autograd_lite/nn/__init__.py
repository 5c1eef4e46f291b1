"""Neural-network layers (`nn.Module` subclasses) and their functional forms (`nn.functional`)."""
from . import functional
