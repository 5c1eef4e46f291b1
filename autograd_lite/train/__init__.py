"""Training: `Trainer`/`fit` with progress bar and history, the model builders, and `autograd-lite train`."""
from .history import History
from .models import ConvNet, k_layer_mlp, mlp
from .trainer import Trainer, TrainingDiverged, evaluate, fit

__all__ = ["Trainer", "fit", "evaluate", "TrainingDiverged", "History", "mlp", "ConvNet", "k_layer_mlp"]
